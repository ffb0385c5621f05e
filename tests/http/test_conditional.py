"""Conditional requests (issue 15): the public pages that are the same
for every anonymous visitor (news, notices, FAQ, help, 网报时间) carry a
strong ETag over their bytes, Cache-Control: no-cache and Vary: Cookie,
and answer 304 to If-None-Match while the bytes are unchanged; a change
in the data changes the tag.  Pages that carry a CSRF token (the home
page's 在线办理 forms, every page of a logged-in visitor) or personal
data never get a tag and stay no-store."""
import time

import pytest

from test_admin_support import Staff

PUBLIC = ["/news", "/news/1", "/notices", "/notices?biz=rd", "/notices/1",
          "/help", "/help/faq", "/help/faq?category=dqzc", "/help/faq/1",
          "/help/contacts", "/help/phone", "/help/mail", "/help/manual",
          "/services/dqzc/guide", "/windows"]


HOME_CACHE = 2      # JszgHomeCacheSeconds, the default


def home_shows(env, text, within):
    """Does the home page show `text` within `within` seconds?"""
    until = time.monotonic() + within
    while True:
        if text in env.get("/").text:
            return True
        if time.monotonic() > until:
            return False
        time.sleep(0.1)


def assert_public(r):
    assert r.status_code == 200, r.text[:300]
    etag = r.headers.get("ETag", "")
    assert etag.startswith('"') and etag.endswith('"') and len(etag) == 34
    assert r.headers["Cache-Control"] == "no-cache"
    assert "Cookie" in r.headers["Vary"]
    assert "Set-Cookie" not in r.headers
    return etag


def assert_private(r):
    assert r.status_code == 200, r.text[:300]
    assert "ETag" not in r.headers
    assert r.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", PUBLIC)
def test_public_page_304_on_repeat(env, path):
    etag = assert_public(env.get(path))
    r = env.get(path, headers={"If-None-Match": etag})
    assert r.status_code == 304
    assert r.content == b""
    assert r.headers["ETag"] == etag
    assert r.headers["Cache-Control"] == "no-cache"
    # weak comparison, lists, "*"; another tag gets the page
    for inm in ("W/" + etag, '"x", ' + etag, "*"):
        assert env.get(path, headers={"If-None-Match": inm}) \
            .status_code == 304
    r = env.get(path, headers={"If-None-Match": '"0123"'})
    assert r.status_code == 200 and r.headers["ETag"] == etag
    # HEAD: the same tag, no body
    r = env.session().head(env.url + path, timeout=10)
    assert r.status_code == 200 and r.headers["ETag"] == etag


def test_news_change_changes_etag(env):
    """A news item published (the seed's shape: operators load news with
    SQL, sql/seed/040_news.sql) changes the list's tag: the repeat visit
    gets the new page, not a 304."""
    etag = assert_public(env.get("/news"))
    home = env.get("/")
    nid = int(env.sql("SELECT MAX(id) FROM news")) + 1
    env.sql("INSERT INTO news (id, title, summary, body, source, "
            "published_on, views) VALUES (%d, '条件请求测试资讯', '摘要', "
            "'正文', '教育部', '2099-01-01', 0)" % nid)
    try:
        r = env.get("/news", headers={"If-None-Match": etag})
        assert r.status_code == 200
        assert "条件请求测试资讯" in r.text
        assert assert_public(r) != etag
        # the home page shows it too, within JszgHomeCacheSeconds
        assert "条件请求测试资讯" not in home.text
        assert home_shows(env, "条件请求测试资讯", HOME_CACHE + 1.5)
    finally:
        env.sql("DELETE FROM news WHERE id = %d" % nid)
    # and back: the old bytes, the old tag
    assert env.get("/news").headers["ETag"] == etag


def test_window_change_changes_etag(env):
    """Staff change a 网报计划 through the back office's API: the public
    网报时间 page of that institution gets a new tag."""
    path = ("/windows?province=110000&city=110112&stage=%E5%B0%8F%E5%AD%A6"
            "&institution=7")
    r = env.get(path)
    etag = assert_public(r)
    assert "2032" not in r.text
    bj = Staff(env, "bj-province")
    h = {"X-CSRF-Token": bj.csrf}
    r = bj.post("/admin/api/windows", {
        "institution_id": "7", "cycle_year": "2032",
        "starts": "2032-09-01 09:00", "ends": "2032-10-31 17:00"},
        tokens=False, headers=h)
    assert r.status_code == 200, r.text
    wid = r.json()["window"]["id"]
    try:
        r = env.get(path, headers={"If-None-Match": etag})
        assert r.status_code == 200
        assert "2032" in r.text
        etag2 = assert_public(r)
        assert etag2 != etag
        assert env.get(path, headers={"If-None-Match": etag2}) \
            .status_code == 304
    finally:
        r = bj.post("/admin/api/windows/%d/delete" % wid, tokens=False,
                    headers=h)
        assert r.status_code == 200
    assert env.get(path).headers["ETag"] == etag


def test_elder_mode_is_its_own_page(env):
    """The 适老化 cookie changes the bytes: another tag, and a tag of one
    does not give a 304 for the other."""
    plain = assert_public(env.get("/news"))
    s = env.session()
    s.cookies.set("jszg_elder", "1")
    r = env.get("/news", s)
    elder = assert_public(r)
    assert elder != plain and 'class="elder"' in r.text
    assert env.get("/news", s, headers={"If-None-Match": plain}) \
        .status_code == 200


@pytest.mark.parametrize("path", ["/news", "/help/faq", "/windows", "/"])
def test_logged_in_pages_are_no_store(env, path):
    """The header of a logged-in visitor's page has the name and the 退出
    form's CSRF token: never a tag, never a 304, no-store."""
    s = env.login_as(1)
    r = env.get(path, s)
    assert "退出" in r.text
    assert_private(r)
    anon = env.get(path).headers.get("ETag")
    if anon:
        r = env.get(path, s, headers={"If-None-Match": anon})
        assert r.status_code == 200 and "退出" in r.text
        assert_private(r)


@pytest.mark.parametrize("path", ["/", "/services", "/login", "/register",
                                  "/forgot", "/cert"])
def test_pages_with_forms_are_no_store(env, path):
    """Pages carrying a CSRF token (the home page's 在线办理 forms, the
    login, register and password forms with their captcha, the
    certificate query) are never tagged, whatever If-None-Match says."""
    r = env.get(path)
    assert_private(r)
    assert 'name="_csrf"' in r.text
    r = env.get(path, headers={"If-None-Match": "*"})
    assert_private(r)


def test_personal_pages_never_tagged(env):
    s = env.login_as(1)
    for path in ("/platform", "/account", "/account/profile",
                 "/platform/dqzc/records"):
        r = env.get(path, s)
        assert_private(r)


def test_home_cache_interval(env):
    """Each child keeps the home page's lists for JszgHomeCacheSeconds
    (operators write news with SQL, so no write can tell the children):
    a new notice shows within the interval; with 0, at once; a bad value
    is refused by apache2 -t, naming the directive."""
    title = "条件请求测试公告"
    nid = int(env.sql("SELECT MAX(id) FROM notices")) + 1
    try:
        for i in range(4):                  # fill the children's copies
            env.get("/")
        env.sql("INSERT INTO notices (id, title, body, business, "
                "province_code, published_on) VALUES (%d, '%s', '正文', "
                "'定期注册', '110000', '2099-01-01')" % (nid, title))
        start = time.monotonic()
        assert home_shows(env, title, HOME_CACHE + 1.5)
        assert time.monotonic() - start < HOME_CACHE + 1.5
        env.sql("DELETE FROM notices WHERE id = %d" % nid)
        env.restart("JszgHomeCacheSeconds 0")
        for i in range(4):
            assert title not in env.get("/").text
        env.sql("INSERT INTO notices (id, title, body, business, "
                "province_code, published_on) VALUES (%d, '%s', '正文', "
                "'定期注册', '110000', '2099-01-01')" % (nid, title))
        for i in range(4):
            assert title in env.get("/").text
    finally:
        env.sql("DELETE FROM notices WHERE id = %d" % nid)
        env.restart()
    for bad in ("-1", "301", "2s"):
        try:
            env.write_config("JszgHomeCacheSeconds %s" % bad)
            out = env.apachectl("-t", check=False)
            assert out.returncode != 0
            assert "JszgHomeCacheSeconds: '%s' is not a number" % bad \
                in out.stderr, out.stderr
        finally:
            env.write_config(env.extra)
