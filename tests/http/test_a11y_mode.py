"""适老化 mode (issue 19): larger text and higher contrast, switched on
from every page by a plain link (a cookie, no JavaScript), back to the
page it came from (a local path only); the layouts at 200% zoom lose
nothing.  Screenshots: build/test-output/a11y-mode-*.png."""
import os
import re

import pytest

from a11y_lib import Axe
from browser import screenshot
from jszg_env import OUT
from test_records import submit

OWNER = 1                       # 张伟 (sql/seed)

PAGES = ("/", "/news", "/login", "/register", "/help/faq", "/cert",
         "/admin/login", "/no-such-page")


@pytest.fixture(scope="module")
def axe(env):
    a = Axe(env)
    yield a
    a.quit()


def switch_link(html, on, path=""):
    m = re.search(r'<span class="a11y-switch"><a href="([^"]+)">(.*?)</a>',
                  html)
    assert m, ("no 适老化 switch on the page", path)
    assert m.group(2) == ("适老化模式" if on else "标准模式")
    return m.group(1).replace("&amp;", "&")


def test_switch_on_every_layout_and_back(env):
    s = env.session()
    for path in PAGES:
        r = env.get(path, s)
        assert r.status_code in (200, 404), (path, r.status_code)
        assert "跳到主要内容" in r.text, path
        assert '<html lang="zh-CN">' in r.text, path
        href = switch_link(r.text, True, path)
        assert href.startswith("/a11y/mode?on=1&back=")
        # back to the page; from a page not found, home (the address
        # asked for is not echoed: it may be someone else's 报名号)
        back = "/" if path == "/no-such-page" else path
        r = env.get(href, s)
        assert r.status_code == 303, (path, r.status_code)
        assert r.headers["Location"] == back
        cookie = r.headers["Set-Cookie"]
        assert cookie.startswith("jszg_elder=1;") and "HttpOnly" in cookie \
            and "Max-Age=" in cookie
        r = env.get(path, s)
        assert '<html lang="zh-CN" class="elder">' in r.text, path
        href = switch_link(r.text, False)
        r = env.get(href, s)
        assert r.status_code == 303 and r.headers["Location"] == back
        assert "Max-Age=0" in r.headers["Set-Cookie"]
        assert '<html lang="zh-CN">' in env.get(path, s).text
    # a page with a query comes back with it
    r = env.get("/news?page=2", s)
    r = env.get(switch_link(r.text, True), s)
    assert r.headers["Location"] == "/news?page=2"


@pytest.mark.parametrize("back", [
    "//evil.example/x", "https://evil.example/", "/\\evil.example",
    "javascript:alert(1)", "", "news"])
def test_switch_goes_back_on_this_site_only(env, back):
    r = env.get("/a11y/mode", params={"on": "1", "back": back})
    assert r.status_code == 303
    assert r.headers["Location"] == "/"


def test_switch_refuses_bad_values(env):
    for q in ({"on": "2"}, {}, {"on": "yes"}):
        r = env.get("/a11y/mode", params=q)
        assert r.status_code == 400
        assert "Set-Cookie" not in r.headers or \
            "jszg_elder" not in r.headers["Set-Cookie"]


def no_horizontal_loss(d):
    """Nothing sticks out of the viewport sideways: the page does not
    scroll horizontally (tables may scroll inside their own box)."""
    return d.execute_script(
        "var e = document.documentElement;"
        "return e.scrollWidth <= e.clientWidth + 1;")


def test_elder_mode_screenshots_zoom_and_axe(env, axe):
    """In 适老化 mode: the text is larger, axe finds nothing serious, and
    at 200% zoom (1366 px shown at twice the size: a 683 px wide
    viewport) nothing is cut off — in both modes."""
    s = env.login_as(OWNER)
    submit(env, s)                  # 查询报名信息 with a row in it
    d = axe.d
    axe.cookies(s)
    axe.open("/")
    normal = d.execute_script(
        "return parseFloat(getComputedStyle(document.body).fontSize);")
    shots = []
    for mode in ("standard", "elder"):
        if mode == "elder":
            axe.open("/")
            d.find_element("css selector", ".a11y-switch a").click()
            axe.wait_loaded()
            assert d.execute_script(
                "return document.documentElement.classList"
                ".contains('elder')")
            big = d.execute_script(
                "return parseFloat(getComputedStyle(document.body)"
                ".fontSize);")
            assert big >= normal * 1.25, (normal, big)
        for path in ("/", "/news", "/login", "/help/faq", "/account",
                     "/platform/dqzc/records", "/admin/login"):
            axe.open(path)
            if mode == "elder":
                axe.check(path + " (适老化)")
            d.set_window_size(683, 768)
            ok = no_horizontal_loss(d)
            h = d.execute_script(
                "return document.documentElement.scrollHeight")
            d.set_window_size(683, max(768, min(int(h) + 40, 6000)))
            shot = os.path.join(OUT, "a11y-mode-%s-%s-zoom200%s.png" % (
                mode, env.engine, path.replace("/", "_")))
            d.save_screenshot(shot)
            shots.append(shot)
            assert ok, (mode, path, "content cut off at 200% zoom")
            d.set_window_size(1366, 900)
            shots.append(screenshot(d, "a11y-mode-%s-%s%s" % (
                mode, env.engine, path.replace("/", "_"))))
    print("\n".join(shots))
    bad = axe.report("elder")
    assert not bad, "\n".join(bad)
