"""The applicant opens 查询报名信息 → 详情 → 申请表预览 in headless Chromium
(manual §3.2), with screenshots under build/test-output/
(records-<engine>-NN-<page>.png), the preview also as printed."""
import os

from test_records import submit


def test_records_in_chromium(env):
    from browser import chromium, screenshot
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    s = env.login_as(1)
    reg = submit(env, s)
    aid = env.sql("SELECT id FROM applications WHERE reg_no = '%s'" % reg)
    env.sql("UPDATE applications SET has_message = 1 WHERE id = %s" % aid)
    env.sql("INSERT INTO application_events (application_id, at, actor, "
            "from_status, to_status, note, message) VALUES (%s, 1795000000, "
            "'staff:1', '网报待确认', '网报待确认', NULL, "
            "'请携带聘用合同原件到确认点现场确认。')" % aid)
    d = chromium()
    n = [0]

    def shot(name):
        n[0] += 1
        path = screenshot(d, "records-%s-%02d-%s" % (env.engine, n[0], name))
        assert os.path.getsize(path) > 10000
        d.set_window_size(1280, 900)

    def css(sel):
        return d.find_element(By.CSS_SELECTOR, sel)

    try:
        d.get(env.url + "/static/css/site.css")
        d.add_cookie({"name": "jszg_sid", "value": s.cookies["jszg_sid"],
                      "path": "/"})
        d.get(env.url + "/platform/dqzc/records")
        assert "查询中小学教师定期注册报名信息" in d.title
        row = css("#rec-current .rec-row")
        assert reg in row.text and "网报待确认" in row.text
        assert "有留言" in row.text
        shot("list")
        row.find_element(By.LINK_TEXT, "详情").click()
        assert d.current_url.endswith("/platform/dqzc/records/" + reg)
        assert css("#rec-name").text == "张伟"
        # the photo really loaded (naturalWidth of a broken image is 0)
        assert d.execute_script(
            "return arguments[0].naturalWidth", css("#rec-photo")) == 250
        shot("detail")
        css("#rec-preview").click()
        assert d.current_url.endswith("/form")
        assert css("#sheet-regno").text == reg
        assert css("#sheet-name").text == "张伟"
        shot("preview")
        # as printed: only the form, no site header or buttons
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        assert not css(".site-header").is_displayed()
        assert not css(".rec-form-tools").is_displayed()
        assert css("#rec-sheet").is_displayed()
        shot("preview-print")
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        # 有留言 from the list: read, and the mark is gone
        d.get(env.url + "/platform/dqzc/records")
        css("#rec-current .rec-op-msg").click()
        assert "请携带聘用合同原件" in css("#rec-msg-list").text
        shot("messages")
        d.get(env.url + "/platform/dqzc/records")
        assert not d.find_elements(By.CSS_SELECTOR,
                                   "#rec-current .rec-op-msg")
        # 修改
        d.get(env.url + "/platform/dqzc/records/%s/edit" % reg)
        shot("edit")
        school = css("#f-school")
        school.clear()
        school.send_keys("北京市东城区史家胡同小学")
        css("#rec-save").click()
        # a form POST: wait for the redirect to 详情 (or say why not)
        WebDriverWait(d, 10).until(
            lambda drv: drv.current_url.endswith("/records/" + reg)
            or drv.find_elements(By.CSS_SELECTOR, "#rec-error"))
        assert d.current_url.endswith("/platform/dqzc/records/" + reg), \
            d.find_element(By.CSS_SELECTOR, "#rec-error").text
        assert "报名信息已修改" in css("#rec-flash").text
        assert "北京市东城区史家胡同小学" in d.page_source
        shot("after-edit")
    finally:
        d.quit()
