"""Headless Chromium at 1366x768: 北京's province admin adds a 注册机构
(a refused form first: the field error beside the field, the input kept)
and a 确认点, creates a 确认点 clerk, who logs in and is sent to 修改密码
before anything else.  A viewport screenshot of every administration
page goes to build/test-output/admin-x-*.png."""
import random

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from browser import gone, viewport_shot
from test_admin_support import STAFF_PASSWORD

W, H = 1366, 768


def shot(d, name, env):
    return viewport_shot(d, "admin-x-%s-%s" % (name, env.engine))


def login(d, env, user, password):
    d.get(env.url + "/admin/login")
    wait_id(d, "adm-username").send_keys(user)
    d.find_element(By.ID, "adm-password").send_keys(password)
    d.find_element(By.CSS_SELECTOR, ".adm-login button").click()


def wait_id(d, id_):
    return WebDriverWait(d, 10).until(
        ec.presence_of_element_located((By.ID, id_)))


def fill(d, values):
    for k, v in values.items():
        el = d.find_element(By.ID, k)
        el.clear()
        el.send_keys(v)


def test_administration_in_chromium(env):
    from browser import chromium
    code = "1101%05d" % random.randrange(100000)
    user = "cx-%06d" % random.randrange(10 ** 6)
    d = chromium(W, H)
    try:
        login(d, env, "bj-province", STAFF_PASSWORD)
        wait_id(d, "main")
        d.find_element(By.LINK_TEXT, "注册机构").click()
        wait_id(d, "orgs-table")
        shot(d, "orgs", env)
        d.find_element(By.ID, "new-institution").click()
        wait_id(d, "org-form")
        fill(d, {"o-code": code, "o-name": "北京市浏览器测试教委",
                 "o-phone": "电话号码", "o-address": "北京市通州区浏览器路1号",
                 "o-hours": "工作日 9:00-17:00"})
        d.find_element(By.CSS_SELECTOR,
                       "#o-level option[value='县级']").click()
        d.find_element(By.CSS_SELECTOR,
                       "#o-region option[value='110112']").click()
        d.find_element(By.CSS_SELECTOR,
                       "input[name=stages][value='小学']").click()
        d.find_element(By.ID, "org-save").click()
        err = WebDriverWait(d, 10).until(ec.presence_of_element_located(
            (By.CSS_SELECTOR, ".adm-field-err")))
        assert "联系电话只能包含数字" in err.text
        assert d.find_element(By.ID, "o-address").get_attribute("value") \
            == "北京市通州区浏览器路1号"
        assert d.find_element(
            By.CSS_SELECTOR, "input[name=stages][value='小学']").is_selected()
        shot(d, "org-form-refused", env)
        fill(d, {"o-phone": "010-60001234"})
        d.find_element(By.ID, "org-save").click()
        flash = WebDriverWait(d, 10).until(ec.presence_of_element_located(
            (By.CSS_SELECTOR, ".adm-flash")))
        assert flash.text == "注册机构已保存。"
        d.find_element(By.ID, "new-point").click()
        wait_id(d, "point-form")
        fill(d, {"p-name": "浏览器测试确认点", "p-scope": "通州区所属小学在职教师",
                 "p-address": "北京市通州区浏览器路2号",
                 "p-phone": "010-60001235", "p-hours": "工作日 9:00-11:30"})
        shot(d, "point-form", env)
        d.find_element(By.ID, "point-save").click()
        table = wait_id(d, "points-table")
        assert "浏览器测试确认点" in table.text
        shot(d, "org-edit", env)
        # staff: a clerk for the new point
        d.find_element(By.LINK_TEXT, "工作人员").click()
        wait_id(d, "staff-table")
        shot(d, "staff-list", env)
        d.find_element(By.ID, "new-staff").click()
        wait_id(d, "staff-form")
        fill(d, {"s-username": user, "s-name": "浏览器确认员",
                 "s-password": "Temp@2026x", "s-confirm": "Temp@2026x"})
        d.find_element(By.CSS_SELECTOR,
                       "#s-role option[value='point']").click()
        for opt in d.find_elements(By.CSS_SELECTOR, "#s-point option"):
            if "浏览器测试确认点" in opt.text:
                opt.click()
        d.find_element(By.ID, "staff-save").click()
        flash = WebDriverWait(d, 10).until(ec.presence_of_element_located(
            (By.CSS_SELECTOR, ".adm-flash")))
        assert "首次登录时须修改密码" in flash.text
        wait_id(d, "staff-reset")
        shot(d, "staff-form", env)
        d.find_element(By.LINK_TEXT, "网报计划").click()
        wid = env.sql("SELECT id FROM windows WHERE institution_id = 2 "
                      "AND cycle_year = 2026")
        d.get(env.url + "/admin/windows/%s" % wid)
        wait_id(d, "window-close")
        shot(d, "window-form", env)
        # the logout is a form POST: its answer must have replaced the
        # page before the next navigation (else it may land while the
        # login page loads; make test failed so once)
        old = d.find_element(By.TAG_NAME, "html")
        d.find_element(By.ID, "adm-logout").click()
        WebDriverWait(d, 10).until(gone(old))
        wait_id(d, "adm-username")
        # the clerk's first login: 修改密码 before anything else
        login(d, env, user, "Temp@2026x")
        wait_id(d, "pw-forced")
        assert d.current_url.endswith("/admin/password")
        d.get(env.url + "/admin/search")
        wait_id(d, "pw-forced")
        shot(d, "password-forced", env)
        fill(d, {"pw-old": "Temp@2026x", "pw-new": "Mine#2026y",
                 "pw-confirm": "Mine#2026y"})
        d.find_element(By.ID, "pw-submit").click()
        flash = WebDriverWait(d, 10).until(ec.presence_of_element_located(
            (By.CSS_SELECTOR, ".adm-flash")))
        assert flash.text == "密码已修改。"
        d.get(env.url + "/admin/search")
        wait_id(d, "adm-q")
    finally:
        d.quit()
