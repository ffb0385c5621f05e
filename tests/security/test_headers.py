"""Security headers on every page and API of the route table, cookie
flags, and uploads (photos, ID scans) served only through routes with
the right type and Content-Disposition, never from the web root."""
import os
import re
import urllib.parse

import pytest

from sec_lib import (OWNER, World, concrete, is_public, is_staff, routes)

GOOD_REFERRER = {"no-referrer", "same-origin", "strict-origin",
                 "strict-origin-when-cross-origin"}


@pytest.fixture(scope="module")
def world(env):
    return World(env)


def csp_directives(value):
    out = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = [w.lower() for w in words[1:]]
    return out


def check_headers(r, what):
    h = r.headers
    csp = h.get("Content-Security-Policy")
    assert csp, (what, "no Content-Security-Policy")
    d = csp_directives(csp)
    scripts = d.get("script-src", d.get("default-src"))
    assert scripts is not None, (what, csp)
    assert "'unsafe-inline'" not in scripts, (what, csp)
    assert "'unsafe-eval'" not in scripts, (what, csp)
    assert "*" not in scripts and "data:" not in scripts, (what, csp)
    assert d.get("frame-ancestors") in (["'none'"], ["'self'"]), (what, csp)
    assert d.get("object-src") == ["'none'"] or \
        d.get("default-src") == ["'none'"], (what, csp)
    assert h.get("X-Content-Type-Options", "").lower() == "nosniff", what
    assert h.get("Referrer-Policy", "").lower() in GOOD_REFERRER, \
        (what, h.get("Referrer-Policy"))
    ct = h.get("Content-Type", "")
    if "html" in ct and r.text:
        body = r.text
        # no inline script bodies, no event-handler attributes
        for m in re.finditer(r"<script\b([^>]*)>(.*?)</script>", body,
                             re.S | re.I):
            assert "src=" in m.group(1) and not m.group(2).strip(), \
                (what, "inline script", m.group(0)[:120])
        m = re.search(r"<[a-z][^>]*\son[a-z]+\s*=", body, re.I)
        assert not m, (what, "event handler attribute", m and m.group(0))


def session_for(env, world, pattern):
    if is_staff(env, pattern):
        return world.staff_session("sysadmin").s
    if is_public(env, pattern):
        return env.session()
    return env.login_as(OWNER)


def test_every_get_route_has_the_headers(env, world):
    n = 0
    for rt in routes(env):
        if rt["method"] != "GET":
            continue
        pat = rt["pattern"]
        path = concrete(pat, world.values(pat))
        # as the right user (pages), and logged out (redirects, 401s)
        for s in (session_for(env, world, pat), env.session()):
            r = env.get(path, s)
            check_headers(r, (path, r.status_code))
            n += 1
    assert n > 150


def test_error_answers_have_the_headers(env, world):
    for path in ("/no/such/page", "/api/v1/no-such", "/news/abc",
                 "/_error", "/static/no-such.css"):
        r = env.get(path)
        assert r.status_code == 404, path
        if path.startswith("/static/"):
            # httpd's own 404 shown through ErrorDocument /_error
            assert r.headers.get("X-Content-Type-Options") == "nosniff"
            continue
        check_headers(r, path)
    r = env.post("/login", data={"x": "1"})           # CSRF refusal
    assert r.status_code == 403
    check_headers(r, "csrf refusal")
    r = env.request_405 = env.post("/news")
    assert r.status_code == 405
    check_headers(r, "405")


def test_static_files_are_nosniff(env):
    r = env.get("/static/css/site.css")
    assert r.status_code == 200
    assert r.headers.get("X-Content-Type-Options") == "nosniff"
    assert r.headers["Content-Type"].startswith("text/css")


def cookie_lines(r):
    raw = r.raw.headers.getlist("Set-Cookie") if hasattr(
        r.raw.headers, "getlist") else [r.headers.get("Set-Cookie", "")]
    return [c for c in raw if c]


def check_cookie(line, secure):
    attrs = [a.strip().lower() for a in line.split(";")[1:]]
    name = line.split("=", 1)[0]
    assert "httponly" in attrs, (name, line)
    same = [a for a in attrs if a.startswith("samesite=")]
    assert same and same[0] in ("samesite=lax", "samesite=strict"), line
    if secure:
        assert "secure" in attrs, (name, line)
    return name


def all_cookies(env, world):
    """Set-Cookie lines of: an anonymous session, an applicant login,
    a staff login and a staff logout."""
    from test_account_lib import Clock, ClockSession, login
    lines = []
    s = env.session()
    lines += cookie_lines(env.get("/api/v1/csrf", s))
    cs = ClockSession(Clock())
    r = login(env, cs, "110101198503151235")
    assert r.status_code == 303
    lines += cookie_lines(r)
    st = env.session()
    token = env.csrf(st)
    r = env.post("/admin/login", st, data={
        "_csrf": token, "username": "sysadmin", "password": "Staff@2026"})
    assert r.status_code == 303
    lines += cookie_lines(r)
    return lines


def test_cookie_flags(env, world):
    names = {check_cookie(c, secure=False) for c in all_cookies(env, world)}
    assert {"jszg_csrf", "jszg_sid", "jszg_admin"} <= names, names


def test_cookie_flags_secure_and_admission(env, world):
    """JszgCookieSecure On: every cookie is Secure (the client here speaks
    plain HTTP, so the cookies are sent back by hand)."""
    import requests
    env.restart("JszgCookieSecure On\nJszgAdmission On")
    try:
        r = requests.get(env.url + "/api/v1/csrf", timeout=10)
        lines = cookie_lines(r)
        jar = "; ".join(c.split(";", 1)[0] for c in lines)
        r = requests.post(env.url + "/admin/login", timeout=10,
                          allow_redirects=False,
                          headers={"Cookie": jar},
                          data={"_csrf": r.json()["csrf"],
                                "username": "sysadmin",
                                "password": "Staff@2026"})
        assert r.status_code == 303, r.status_code
        lines += cookie_lines(r)
        names = {check_cookie(c, secure=True) for c in lines}
        assert {"jszg_csrf", "jszg_admin", "jszg_adm"} <= names, names
    finally:
        env.restart()
        world.staff.clear()


# ---- uploads --------------------------------------------------------------

def photo_routes(env):
    return [rt for rt in routes(env) if rt["method"] == "GET"
            and re.search(r"/(photo|front|back|\{side\})$", rt["pattern"])]


def test_uploads_served_with_type_and_disposition(env, world):
    rel = env.sql("SELECT photo_path FROM applications WHERE id = %s"
                  % world.app_id)
    with open(os.path.join(env.root, "uploads", rel), "rb") as f:
        jpeg = f.read()
    served = []
    for path, s in (("/platform/dqzc/records/%s/photo" % world.reg_no,
                     env.login_as(OWNER)),
                    ("/admin/apps/%s/photo" % world.app_id,
                     world.staff_session("sysadmin").s)):
        r = env.get(path, s)
        assert r.status_code == 200, path
        assert r.headers["Content-Type"] == "image/jpeg", path
        assert r.headers.get("Content-Disposition", "").startswith(
            ("inline", "attachment")), path
        assert r.headers.get("X-Content-Type-Options") == "nosniff", path
        assert "no-store" in r.headers.get("Cache-Control", "") or \
            "private" in r.headers.get("Cache-Control", ""), path
        assert r.content == jpeg
        served.append(path)
    # every photo/scan route of the table answers with the same headers
    # or refuses
    for rt in photo_routes(env):
        s = session_for(env, world, rt["pattern"])
        r = env.get(concrete(rt["pattern"], world.values(rt["pattern"])), s)
        if r.status_code == 200:
            assert r.headers["Content-Type"].startswith("image/"), rt
            assert r.headers.get("Content-Disposition"), rt
            assert r.headers.get("X-Content-Type-Options") == "nosniff"
        else:
            assert r.status_code in (303, 401, 403, 404), (rt, r.status_code)


TRAVERSALS = [
    "/uploads/{rel}", "/static/../uploads/{rel}", "/static/%2e%2e/uploads/{rel}",
    "/static/%2E%2E/uploads/{rel}", "/static/..%2fuploads/{rel}",
    "/static/..%2Fuploads%2F{relq}", "/static/%252e%252e/uploads/{rel}",
    "/static/..\\uploads\\{rel}", "//uploads/{rel}", "/static//../uploads/{rel}",
    "/static/./../../uploads/{rel}", "/static/%c0%ae%c0%ae/uploads/{rel}",
    "/static/.%2e/uploads/{rel}", "/static/....//uploads/{rel}",
    "/static/../db/jszg.db", "/static/../conf/secret",
    "/static/../../conf/secret", "/static/%2e%2e/%2e%2e/conf/secret",
    "/static/../templates/layout.html",
]


def test_uploads_never_from_the_web_root(env, world):
    rel = env.sql("SELECT photo_path FROM applications WHERE id = %s"
                  % world.app_id)
    with open(os.path.join(env.root, "uploads", rel), "rb") as f:
        jpeg = f.read()
    with open(os.path.join(env.root, "conf", "secret"), "rb") as f:
        secret = f.read()
    for t in TRAVERSALS:
        path = t.format(rel=rel, relq=urllib.parse.quote(rel, safe=""))
        status, headers, body = env.raw_get(path)
        raw = body.encode("utf-8", "replace")
        assert status in (400, 403, 404, 301, 302, 303), (path, status)
        assert jpeg[100:200] not in raw and secret[:16] not in raw, path
    env.expect_log(r"AH0002[67]|AH10244|AH00127|AH00130|AH00036|"
                   r"AH01630|AH00126")
