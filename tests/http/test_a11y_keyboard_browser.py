"""A keyboard-only application (issue 19), in headless Chromium: register,
log in (the slider's arrow keys), 网报时间查询, the seven wizard steps with
the photo, 查询报名信息 and the 申请表 PDF — with Tab, Shift+Tab, Enter,
Space and the arrow keys only, sent to the focused element (a file input
gets the path typed, which is what the file dialog does for a keyboard
user).  Every element that takes the focus must show it (an outline of
2 px or more, or a box shadow).  Screenshots: build/test-output/
a11y-keyboard-*.png."""
import glob
import os
import re

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from browser import chromium, gone, screenshot
from jszg_env import OUT
from test_account_lib import (DEMO_PASSWORD, captcha_answer, random_phone,
                              slider_key_steps, valid_id)
from test_wizard import photo_file, reset

PW = "Keyboard!pass26"
LINA = "420106199007082460"     # account 2, 李娜 (sql/seed), verified

FOCUS = """
var e = document.activeElement;
if (!e || e === document.body || e === document.documentElement)
  return null;
var s = getComputedStyle(e), r = e.getBoundingClientRect();
var ow = parseFloat(s.outlineWidth) || 0;
return {tag: e.tagName.toLowerCase(), id: e.id || '',
        name: e.getAttribute('name') || '', type: e.type || '',
        value: e.value || '', href: e.getAttribute('href') || '',
        text: (e.innerText || '').trim().slice(0, 40),
        visible: (s.outlineStyle !== 'none' && ow >= 2)
                 || (s.boxShadow || 'none') !== 'none',
        shown: r.width > 0 && r.height > 0};
"""


class Keyboard:
    def __init__(self, env, d):
        self.env = env
        self.d = d
        self.seen = 0
        self.n = 0

    def key(self, *keys):
        """Keys to the focused element, as the keyboard sends them."""
        ActionChains(self.d).send_keys(*keys).perform()

    def key_with_shift(self, key):
        ActionChains(self.d).key_down(Keys.SHIFT).send_keys(key).key_up(
            Keys.SHIFT).perform()

    def focus(self):
        return self.d.execute_script(FOCUS)

    def check_focus(self):
        f = self.focus()
        if f is None:
            return None
        assert f["visible"], ("no visible focus indicator", f,
                              self.d.current_url)
        assert f["shown"], ("focus on something not shown", f)
        self.seen += 1
        return f

    def tab_to(self, match, back=False, limit=150):
        """Tab (Shift+Tab) until match(focused element info) holds."""
        for _ in range(limit):
            if back:
                self.key_with_shift(Keys.TAB)
            else:
                self.key(Keys.TAB)
            f = self.check_focus()
            if f is not None and match(f):
                return f
        raise AssertionError(("not reached by Tab", self.d.current_url))

    def tab_id(self, id_, back=False):
        return self.tab_to(lambda f: f["id"] == id_, back)

    def loaded(self, old):
        """Wait for the page that replaces `old` (the previous <html>)."""
        WebDriverWait(self.d, 15).until(gone(old))
        WebDriverWait(self.d, 15).until(lambda d: d.execute_script(
            "return document.readyState") == "complete")

    def press_and_load(self, *keys):
        old = self.d.find_element("css selector", "html")
        self.key(*keys)
        self.loaded(old)

    def choose(self, text, commit=False):
        """On a focused <select>: arrow keys to the option `text`; Enter
        commits a select that reloads the form (wizard.js)."""
        idx = self.d.execute_script(
            "var e = document.activeElement, t = arguments[0];"
            "for (var i = 0; i < e.options.length; i++)"
            "  if (e.options[i].text.trim() === t)"
            "    return [i, e.selectedIndex];"
            "return null;", text)
        assert idx, ("no option", text, self.focus())
        want, cur = idx
        step = Keys.ARROW_DOWN if want > cur else Keys.ARROW_UP
        for _ in range(abs(want - cur)):
            self.key(step)
        got = self.d.execute_script(
            "var e = document.activeElement;"
            "return e.options[e.selectedIndex].text.trim();")
        assert got == text, (got, text)
        if commit:
            sid = self.focus()["id"]
            self.press_and_load(Keys.ENTER)
            # the reloaded form gives the focus back to the select
            WebDriverWait(self.d, 10).until(
                lambda d: (self.focus() or {}).get("id") == sid)
            self.check_focus()

    def radio(self, name, value):
        """Tab into a radio group, arrow keys to `value` (arrows check)."""
        f = self.tab_to(lambda f: f["name"] == name)
        for _ in range(50):
            if f["value"] == value:
                if not self.d.execute_script(
                        "return document.activeElement.checked"):
                    self.key(Keys.SPACE)
                return
            self.key(Keys.ARROW_DOWN)
            f = self.check_focus()
        raise AssertionError(("radio not reached", name, value))

    def type_into(self, id_, text):
        self.tab_id(id_)
        self.key(text)

    def date_into(self, id_, ymd):
        """A date field: the digits of each part in the order the field
        shows them (its locale's: month/day/year in en-US, which headless
        Chromium uses whatever --lang says); a full part moves on to the
        next by itself."""
        parts = dict(zip(("year", "month", "day"), ymd.split("-")))
        order = self.d.execute_script(
            "return new Intl.DateTimeFormat(navigator.language)"
            ".formatToParts(new Date(2000, 10, 22))"
            ".map(function (p) { return p.type; })"
            ".filter(function (t) { return t === 'year' || t === 'month'"
            " || t === 'day'; });")
        self.tab_id(id_)
        self.key("".join(parts[p] for p in order))
        assert self.d.execute_script(
            "return document.activeElement.value") == ymd, (id_, order)

    def shot(self, name):
        self.n += 1
        screenshot(self.d, "a11y-keyboard-%s-%02d-%s" % (self.env.engine,
                                                         self.n, name))
        self.d.set_window_size(1366, 900)

    def slider(self):
        """The captcha's keyboard path: Tab to the handle, Shift+Right
        moves 10 px, Right 1 px."""
        d = self.d
        WebDriverWait(d, 10).until(
            lambda d: d.find_elements("css selector", ".captcha-handle"))
        token = d.find_element("name", "captcha_token").get_attribute(
            "value")
        x = captcha_answer(self.env, token)
        self.tab_to(lambda f: "captcha-handle" in (d.execute_script(
            "return document.activeElement.className") or ""))
        # a person looks at the picture before moving (the server refuses
        # answers faster than that): wait on the page's own clock
        t0 = d.execute_script("return performance.now();")
        WebDriverWait(d, 10).until(lambda d: d.execute_script(
            "return performance.now();") - t0 > 900)
        tens, ones = slider_key_steps(x)
        for _ in range(tens):
            self.key_with_shift(Keys.ARROW_RIGHT)
        t1 = d.execute_script("return performance.now();")
        WebDriverWait(d, 10).until(lambda d: d.execute_script(
            "return performance.now();") - t1 > 300)
        for _ in range(ones):
            self.key(Keys.ARROW_RIGHT)
        handle = d.find_element("css selector", ".captcha-handle")
        assert handle.get_attribute("aria-valuenow") == str(x)


def test_keyboard_only_application(env):
    reset(env, 2)
    d = chromium(1366, 900)
    dl = os.path.join(OUT, "a11y-keyboard-download-%s" % env.engine)
    os.makedirs(dl, exist_ok=True)
    for f in glob.glob(os.path.join(dl, "*")):
        os.remove(f)
    d.execute_cdp_cmd("Page.setDownloadBehavior",
                      {"behavior": "allow", "downloadPath": dl})
    k = Keyboard(env, d)
    try:
        # ---- 注册 --------------------------------------------------------
        d.get(env.url + "/register")
        # the first Tab reaches the skip link, Enter goes to the content
        f = k.tab_to(lambda f: True, limit=1)
        assert f["text"] == "跳到主要内容", f
        k.key(Keys.ENTER)
        WebDriverWait(d, 5).until(lambda d: d.execute_script(
            "return document.activeElement.id") == "main")
        k.tab_id("id_type")
        k.choose("居民身份证")
        k.type_into("id_number", valid_id())
        k.type_into("name", "键老师")
        k.type_into("phone", random_phone())
        k.type_into("password", PW)
        k.type_into("confirm", PW)
        k.slider()
        k.shot("register")
        k.tab_to(lambda f: f["tag"] == "button" and f["text"] == "注册")
        k.press_and_load(Keys.ENTER)
        assert "/login" in d.current_url, d.current_url
        assert "注册成功" in d.page_source

        # ---- 登录 (李娜, who may apply) ------------------------------------
        k.type_into("login", LINA)
        k.type_into("password", DEMO_PASSWORD)
        k.slider()
        k.tab_to(lambda f: f["tag"] == "button" and f["text"] == "登录")
        k.press_and_load(Keys.ENTER)
        assert d.current_url.endswith("/account"), (
            d.current_url, [e.text for e in d.find_elements(
                "css selector", ".field-error, .msg, .error-summary")])
        k.shot("account")

        # ---- 业务平台 → 网报时间查询 ---------------------------------------
        k.tab_to(lambda f: f["href"] == "/platform")
        k.press_and_load(Keys.ENTER)
        k.tab_id("dqzc-apply")
        k.press_and_load(Keys.ENTER)
        assert "/platform/dqzc/windows" in d.current_url
        k.tab_id("w-province")
        k.choose("湖北省", commit=True)
        k.tab_id("w-city")
        k.choose("武汉市", commit=True)
        k.tab_id("w-stage")
        k.choose("初级中学", commit=True)
        k.tab_id("w-institution")
        k.choose("武汉市武昌区教育局", commit=True)
        assert "2026-11-01 09:00:00" in d.find_element(
            "css selector", ".wz-times").text
        k.radio("point_id", "1001")
        k.shot("windows")
        k.tab_id("wz-start")
        k.press_and_load(Keys.ENTER)
        assert d.current_url.endswith("/platform/dqzc/wizard/1")

        # ---- 1 网上申报协议 ------------------------------------------------
        k.tab_id("agree")
        k.key(Keys.SPACE)
        k.tab_id("wz-next")
        k.press_and_load(Keys.ENTER)
        assert d.current_url.endswith("/platform/dqzc/wizard/2")

        # ---- 2 填写注册信息 ------------------------------------------------
        k.radio("cert_no", "20134210232005821")
        for id_, text in (("f-mandarin", "二级甲等"),
                          ("f-education", "大学本科"),
                          ("f-edu_category", "师范教育类")):
            k.tab_id(id_)
            k.choose(text)
        k.type_into("f-major", "汉语言文学")
        k.tab_id("f-degree")
        k.choose("学士")
        k.date_into("f-grad_date", "2012-06-30")
        k.type_into("f-school-q", "华中师范")
        k.tab_to(lambda f: f["tag"] == "button"
                 and f["value"] == "search_school")
        k.press_and_load(Keys.ENTER)
        # the page comes back with the schools found; from the top again
        k.radio("grad_school", d.execute_script(
            "return document.querySelector('input[name=grad_school]')"
            ".value"))
        k.tab_id("f-study_form")
        k.choose("普通全日制")
        k.type_into("f-school", "武汉市武昌区中华路中学")
        for id_, text in (("f-school_area", "城市"),
                          ("f-school_type", "公办初级中学"),
                          ("f-title", "二级教师")):
            k.tab_id(id_)
            k.choose(text)
        k.date_into("f-work_start", "2012-09-01")
        k.type_into("f-hukou", "湖北省武汉市武昌区")
        k.date_into("f-employ_start", "2012-09-01")
        for id_, text in (("f-politics", "共青团员"),
                          ("f-post_type", "专任教师")):
            k.tab_id(id_)
            k.choose(text)
        k.type_into("f-address", "湖北省武汉市武昌区中南二路12号")
        k.type_into("f-postcode", "430071")
        dates = d.execute_script(
            "return ['f-grad_date', 'f-work_start', 'f-employ_start']"
            ".map(function (i) { return document.getElementById(i)"
            ".value; });")
        assert dates == ["2012-06-30", "2012-09-01", "2012-09-01"], dates
        # the file dialog, as a keyboard user fills it: the path typed
        k.tab_id("f-photo")
        d.switch_to.active_element.send_keys(photo_file("good"))
        k.shot("step2")
        k.tab_id("wz-next")
        k.press_and_load(Keys.ENTER)
        assert d.current_url.endswith("/platform/dqzc/wizard/3"), \
            (d.current_url, re.findall(r'class="field-error"[^>]*>([^<]+)',
                                       d.page_source))

        # ---- 3 选择注册机构 (preselected), 4, 5 ------------------------------
        k.tab_id("s-subject")
        k.choose("语文")
        k.radio("point_id", "1001")
        k.tab_id("wz-next")
        k.press_and_load(Keys.ENTER)
        assert d.current_url.endswith("/platform/dqzc/wizard/4")
        for n in (5, 6):
            k.tab_id("wz-next")
            k.press_and_load(Keys.ENTER)
            assert d.current_url.endswith("/platform/dqzc/wizard/%d" % n)

        # ---- 6 提交 → 7 申报提醒 -------------------------------------------
        k.radio("choice", "agree")
        k.tab_id("wz-submit")
        k.press_and_load(Keys.ENTER)
        assert "/platform/dqzc/applications/" in d.current_url
        reg = d.find_element("id", "reg-no").text
        assert re.fullmatch(r"2026420106301\d{7}", reg)
        k.shot("step7")

        # ---- 查询报名信息, 详情, 申请表 -------------------------------------
        k.tab_to(lambda f: f["href"] == "/platform")
        k.press_and_load(Keys.ENTER)
        k.tab_to(lambda f: f["href"] == "/platform/dqzc/records")
        k.press_and_load(Keys.ENTER)
        assert reg in d.find_element("css selector", "main").text
        k.tab_to(lambda f: f["text"] == "详情")
        k.press_and_load(Keys.ENTER)
        assert reg in d.current_url
        k.shot("detail")
        k.tab_to(lambda f: f["href"].endswith("/pdf"))
        k.key(Keys.ENTER)
        WebDriverWait(d, 20).until(lambda d: [
            p for p in glob.glob(os.path.join(dl, "*.pdf"))])
        pdf = glob.glob(os.path.join(dl, "*.pdf"))[0]
        with open(pdf, "rb") as fh:
            assert fh.read(5) == b"%PDF-"
        # Shift+Tab goes back the same way
        k.tab_to(lambda f: f["id"] == "rec-preview", back=True)
        assert k.seen > 60
    finally:
        d.quit()
    assert env.sql("SELECT COUNT(*) FROM applications WHERE account_id = 2"
                   " AND reg_no = '%s'" % reg) == "1"
