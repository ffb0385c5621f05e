"""Headless Chromium: a 确认点 clerk logs in, finds an application by its
报名号, checks the photo and records 现场确认 with a message for the
applicant, who then sees 待注册审批 and 有留言 in 查询报名信息.  Screenshots go to build/test-output/admin-*.png."""
import os

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from test_admin_support import STAFF_PASSWORD, app_status, make_app, \
    reg_no_of


def test_point_clerk_confirms_in_chromium(env):
    from browser import chromium, screenshot
    app = make_app(env)
    reg = reg_no_of(env, app)
    d = chromium()
    try:
        d.get(env.url + "/admin/search")
        assert "/admin/login" in d.current_url
        d.find_element(By.ID, "adm-username").send_keys("dc-point")
        d.find_element(By.ID, "adm-password").send_keys(STAFF_PASSWORD)
        screenshot(d, "admin-login-%s" % env.engine)
        d.find_element(By.CSS_SELECTOR, ".adm-login button").click()
        WebDriverWait(d, 10).until(ec.presence_of_element_located(
            (By.ID, "adm-q"))).send_keys(reg)
        d.find_element(By.CSS_SELECTOR, ".adm-search button").click()
        WebDriverWait(d, 10).until(
            ec.presence_of_element_located((By.LINK_TEXT, reg))).click()
        WebDriverWait(d, 10).until(ec.url_contains("/admin/apps/"))
        assert d.current_url.endswith("/admin/apps/%s" % app)
        img = d.find_element(By.CSS_SELECTOR, ".adm-photo img")
        assert d.execute_script("return arguments[0].naturalWidth", img) > 0
        assert not d.find_elements(By.CSS_SELECTOR, ".adm-msgflag")
        d.find_element(By.ID, "result-complete").click()
        d.find_element(By.ID, "confirm-message").send_keys(
            "材料齐全，请等待注册机构审批。")
        path = screenshot(d, "admin-confirm-before-%s" % env.engine)
        assert os.path.getsize(path) > 10000
        d.find_element(By.ID, "confirm-submit").click()
        WebDriverWait(d, 10).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, ".adm-flash")))
        assert d.find_element(By.CSS_SELECTOR, ".adm-flash").text \
            == "现场确认结果已保存。"
        assert d.find_element(By.ID, "app-status").text == "待注册审批"
        assert d.find_element(By.CSS_SELECTOR, ".adm-msgflag").text \
            == "（已留言）"
        screenshot(d, "admin-confirm-after-%s" % env.engine)
    finally:
        d.quit()
    assert app_status(env, app) == "待注册审批"
    assert env.sql("SELECT message FROM application_events WHERE "
                   "application_id = %s ORDER BY id DESC LIMIT 1" % app) \
        == "材料齐全，请等待注册机构审批。"
    assert env.sql("SELECT has_message FROM applications WHERE id = %s"
                   % app) == "1"
    # ... and the applicant sees it: 查询报名信息 in their own browser
    applicant = env.login_as(1)
    d = chromium()
    try:
        d.get(env.url + "/static/css/site.css")
        d.add_cookie({"name": "jszg_sid",
                      "value": applicant.cookies["jszg_sid"], "path": "/"})
        d.get(env.url + "/platform/dqzc/records")
        row = [tr for tr in d.find_elements(By.CSS_SELECTOR, "tr.rec-row")
               if tr.find_element(By.CSS_SELECTOR, ".reg-no").text == reg][0]
        assert "待注册审批" in row.text
        assert row.find_element(By.CSS_SELECTOR, ".rec-op-msg").text \
            == "有留言"
        screenshot(d, "admin-confirm-applicant-view-%s" % env.engine)
    finally:
        d.quit()


def test_statistics_page_in_chromium(env):
    from browser import chromium, screenshot
    make_app(env, institution=3, point=301)
    d = chromium()
    try:
        d.get(env.url + "/admin/login?next=/admin/stats")
        d.find_element(By.ID, "adm-username").send_keys("bj-province")
        d.find_element(By.ID, "adm-password").send_keys(STAFF_PASSWORD)
        d.find_element(By.CSS_SELECTOR, ".adm-login button").click()
        # not url_contains: the login page's own URL holds next=/admin/stats
        WebDriverWait(d, 10).until(ec.presence_of_element_located(
            (By.CSS_SELECTOR, "#chart-inst")))
        rects = d.find_elements(By.CSS_SELECTOR, "#chart-inst rect")
        # bars are per institution in id order; the first may be empty
        assert rects and any(r.size["width"] > 0 for r in rects)
        screenshot(d, "admin-stats-%s" % env.engine)
    finally:
        d.quit()
