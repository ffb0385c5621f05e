"""A new applicant completes 定期注册报名 in headless Chromium, from the
login to the 报名号, with a screenshot of each step under
build/test-output/ (wizard-<engine>-NN-<step>.png)."""
import os
import re

from test_wizard import photo_file, reset


def test_wizard_in_chromium(env):
    from browser import chromium, gone, screenshot
    from selenium.common.exceptions import (StaleElementReferenceException,
                                            WebDriverException)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait

    reset(env, 2)
    s = env.login_as(2)            # 李娜, 武汉武昌, 初中语文, never registered
    d = chromium()
    n = [0]

    def shot(name):
        n[0] += 1
        path = screenshot(d, "wizard-%s-%02d-%s" % (env.engine, n[0], name))
        assert os.path.getsize(path) > 10000
        d.set_window_size(1280, 900)

    def css(sel):
        return d.find_element(By.CSS_SELECTOR, sel)

    def choose(sel, text, reloads=False):
        """Pick an option; selects that refine the form reload the page
        (wizard.js submits it): wait for the new one."""
        old = css("html")
        if not reloads:
            Select(css(sel)).select_by_visible_text(text)
            return
        # Select() still reads the element after the change event, when
        # wizard.js may already be replacing the page ("node does not
        # belong to the document"): pick the option and fire the change in
        # one script, as the browser does for a person.
        d.execute_script(
            "var s = arguments[0], t = arguments[1];"
            "for (var i = 0; i < s.options.length; i++)"
            "  if (s.options[i].text.trim() === t) s.selectedIndex = i;"
            "s.dispatchEvent(new Event('change', {bubbles: true}));",
            css(sel), text)
        WebDriverWait(d, 10).until(gone(old))

    def click(sel):
        """Click on a page that has just replaced the last one: while
        Chromium still swaps the document, a node found a moment ago may
        not belong to it any more; find it again and retry."""
        def done(_):
            try:
                css(sel).click()
                return True
            except StaleElementReferenceException:
                return False
            except WebDriverException as e:
                if "does not belong to the document" in str(e):
                    return False
                raise
        WebDriverWait(d, 10).until(done)

    def click_to(sel, path):
        css(sel).click()
        WebDriverWait(d, 10).until(lambda drv: path in drv.current_url)

    def set_value(sel, value):
        d.execute_script("arguments[0].value = arguments[1];", css(sel),
                         value)

    try:
        # the session of the (separately tested) login, as a cookie
        d.get(env.url + "/static/css/site.css")
        d.add_cookie({"name": "jszg_sid", "value": s.cookies["jszg_sid"],
                      "path": "/"})
        d.get(env.url + "/platform")
        assert "业务平台" in d.title
        shot("platform")
        css("#dqzc-apply").click()
        # 网报时间查询: each select refines the form (wizard.js submits it)
        choose("#w-province", "湖北省", True)
        choose("#w-city", "武汉市", True)
        choose("#w-stage", "初级中学", True)
        choose("#w-institution", "武汉市武昌区教育局", True)
        assert "2026-11-01 09:00:00" in css(".wz-times").text
        css("input[name=point_id][value='1001']").click()
        shot("windows")
        click_to("#wz-start", "/platform/dqzc/wizard/1")

        # 1 网上申报协议
        old = css("html")
        css("#wz-next").click()                   # unticked: refused
        WebDriverWait(d, 10).until(gone(old))
        assert "已阅读并完全同意" in css(".wz-error").text
        css("#agree").click()
        shot("step1-agreement")
        click_to("#wz-next", "/platform/dqzc/wizard/2")

        # 2 填写注册信息
        assert d.current_url.endswith("/platform/dqzc/wizard/2")
        assert "李娜" in css(".wz-identity").text
        css("input[name=cert_no][value='20134210232005821']").click()
        choose("#f-mandarin", "二级甲等")
        choose("#f-education", "大学本科")
        choose("#f-edu_category", "师范教育类")
        css("#f-major").send_keys("汉语言文学")
        choose("#f-degree", "学士")
        set_value("#f-grad_date", "2012-06-30")
        css("#f-school-q").send_keys("华中师范")
        old = css("html")
        css("button[value=search_school]").click()
        WebDriverWait(d, 10).until(gone(old))
        click("input[name=grad_school]")
        choose("#f-study_form", "普通全日制")
        css("#f-school").send_keys("武汉市武昌区中华路中学")
        choose("#f-school_area", "城市")
        choose("#f-school_type", "公办初级中学")
        choose("#f-title", "二级教师")
        set_value("#f-work_start", "2012-09-01")
        css("#f-hukou").send_keys("湖北省武汉市武昌区")
        set_value("#f-employ_start", "2012-09-01")
        choose("#f-politics", "共青团员")
        choose("#f-post_type", "专任教师")
        css("#f-address").send_keys("湖北省武汉市武昌区中南二路12号")
        css("#f-postcode").send_keys("430071")
        css("#f-photo").send_keys(photo_file("good"))
        shot("step2-form")
        click_to("#wz-next", "/platform/dqzc/wizard/3")

        # 3 选择注册机构: preselected from 网报时间查询
        assert Select(css("#s-institution")).first_selected_option.text \
            == "武汉市武昌区教育局"
        choose("#s-subject", "语文")
        css("input[name=point_id][value='1001']").click()
        shot("step3-institution")
        click_to("#wz-next", "/platform/dqzc/wizard/4")

        # 4 确认申报信息, with the online verification warnings
        assert "在线核验提示" in css("main").text
        assert "华中师范大学" in css("main").text
        shot("step4-review")
        click_to("#wz-next", "/platform/dqzc/wizard/5")

        # 5 注意事项
        assert "注意事项" in css("main").text
        shot("step5-notes")
        click_to("#wz-next", "/platform/dqzc/wizard/6")

        # 6 提交定期注册申请
        assert "个人承诺书" in css("main").text
        css("#choice-agree").click()
        shot("step6-pledge")
        click_to("#wz-submit", "/platform/dqzc/applications/")

        # 7 申报提醒
        reg = css("#reg-no").text
        assert re.fullmatch(r"2026420106301\d{7}", reg)
        assert "武昌区教师资格定期注册确认点（中小学）" in css("main").text
        shot("step7-reminder")
        d.get(env.url + "/platform")
        assert reg in css(".wz-records").text
        shot("platform-after")
    finally:
        d.quit()
    assert env.sql("SELECT COUNT(*) FROM applications WHERE account_id = 2") \
        == "1"


def test_pictools_in_chromium(env):
    from browser import chromium, screenshot
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    d = chromium()
    try:
        d.get(env.url + "/platform/pictools")
        assert "照片处理辅助工具" in d.title
        d.find_element(By.ID, "pic-file").send_keys(photo_file("scan"))
        WebDriverWait(d, 10).until(lambda drv: "原图 640×450" in
                                   drv.find_element(By.ID, "pic-info").text)
        # the tool's output passes the server's own photo rules
        data = d.execute_script(
            "return document.getElementById('pic-out')"
            ".toDataURL('image/jpeg', 0.92);")
        assert data.startswith("data:image/jpeg;base64,")
        import base64
        import struct
        jpg = base64.b64decode(data.split(",", 1)[1])
        assert len(jpg) < 190 * 1024
        sof = jpg.find(b"\xff\xc0")             # baseline, not progressive
        assert sof > 0
        h, w = struct.unpack(">HH", jpg[sof + 5:sof + 9])
        assert (w, h) == (295, 413)
        screenshot(d, "wizard-%s-pictools" % env.engine)
    finally:
        d.quit()
