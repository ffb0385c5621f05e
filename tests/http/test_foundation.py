"""Foundation: home page, error pages, limits, CSRF, sessions, DB down."""
import hashlib
import json
import os
import subprocess
import time

import pytest
import requests

from jszg_env import (MODULE, mkroot, scratch_root, server_environ,
                      wait_for)


def test_home_page(env):
    r = env.get("/")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    html = r.text
    assert html.startswith("<!DOCTYPE html>")
    assert "<title>首页 - 中国教师资格网</title>" in html
    for nav in ("首页", "资格资讯", "网上办事", "证书查询", "咨询服务"):
        assert ">%s</a>" % nav in html
    assert "中小学教师资格定期注册" in html and "教师资格认定" in html
    assert "中小学教师定期注册业务于每年的下半年开展" in html
    # seed data is on the page: the newest news item by date
    newest = env.sql("SELECT title FROM news ORDER BY published_on DESC, "
                     "id DESC LIMIT 1")
    assert newest in html


def test_unknown_path_404_page(env):
    r = env.get("/no/such/page")
    assert r.status_code == 404
    assert "页面不存在" in r.text and "<!DOCTYPE html>" in r.text


def test_home_page_in_chromium(env):
    from browser import chromium, screenshot
    d = chromium()
    try:
        d.get(env.url + "/")
        assert "首页 - 中国教师资格网" in d.title
        assert d.find_element("css selector", ".site-nav").is_displayed()
        path = screenshot(d, "home-%s" % env.engine)
        assert os.path.getsize(path) > 10000
    finally:
        d.quit()


def test_static_files_served_by_httpd_with_cache_headers(env):
    r = env.get("/static/css/site.css")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/css")
    assert "max-age=86400" in r.headers.get("Cache-Control", "")
    missing = env.get("/static/none.css")
    assert missing.status_code == 404
    assert "页面不存在" in missing.text      # ErrorDocument in the layout
    env.expect_log(r"AH00128: File does not exist")


def test_security_headers(env):
    r = env.get("/")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"


def test_json_error_shape(env):
    r = env.get("/api/v1/no-such-thing")
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    err = r.json()["error"]
    assert err["code"] == "not_found" and err["message"]
    r = env.post("/api/v1/csrf")
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"
    assert r.headers["Allow"] == "GET, HEAD"


def test_allow_lists_the_route_tables_methods(env):
    """A 405 names the methods the route table has for that path, not a
    fixed list (the queue's poll said it took POST)."""
    for method, path, allow in [
            ("POST", "/api/v1/queue", "GET, HEAD"),
            ("POST", "/news", "GET, HEAD"),
            ("GET", "/admin/logout", "POST"),
            ("GET", "/services/dqzc/enter", "POST"),
            ("PUT", "/admin/login", "GET, HEAD, POST"),
            ("DELETE", "/api/v1/csrf", "GET, HEAD")]:
        r = requests.request(method, env.url + path, timeout=10,
                             allow_redirects=False)
        assert r.status_code == 405, (method, path, r.status_code)
        assert r.headers["Allow"] == allow, (method, path)


def test_method_not_allowed_page(env):
    r = requests.put(env.url + "/", data="x", timeout=5)
    assert r.status_code == 405
    assert "不支持的请求方法" in r.text


def _enter(env, s, **kw):
    return env.post("/services/dqzc/enter", s, **kw)


def test_csrf_missing_or_wrong_is_refused(env):
    s = env.session()
    before = env.sql("SELECT COUNT(*) FROM sessions")
    r = _enter(env, s, data={"x": "1"})
    assert r.status_code == 403 and "页面已过期" in r.text
    r = _enter(env, s, data={"_csrf": "forged-token-value-123456"})
    assert r.status_code == 403
    # another browser's valid token does not work in this one
    other = env.session()
    r = _enter(env, s, data={"_csrf": env.csrf(other)})
    assert r.status_code == 403
    assert env.sql("SELECT COUNT(*) FROM sessions") == before
    r = _enter(env, s, data={"_csrf": env.csrf(s)})
    assert r.status_code == 303 and r.headers["Location"] == "/login"
    r = env.post("/api/v1/csrf", s)
    assert r.status_code == 405


def test_csrf_header_works_for_api_clients(env):
    s = env.session()
    r = _enter(env, s, headers={"X-CSRF-Token": env.csrf(s)})
    assert r.status_code == 303


def test_session_cookie_flags_and_storage(env):
    s = env.session()
    r = _enter(env, s, data={"_csrf": env.csrf(s)})
    cookie = [c for c in r.headers["Set-Cookie"].split(", ")
              if c.startswith("jszg_sid=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie              # plain http on loopback
    token = s.cookies["jszg_sid"]
    digest = hashlib.sha256(token.encode()).hexdigest()
    # only the hash is stored, never the token
    assert env.sql("SELECT COUNT(*) FROM sessions WHERE id_hash = '%s'"
                   % digest) == "1"
    assert env.sql("SELECT COUNT(*) FROM sessions WHERE id_hash = '%s'"
                   % token) == "0"
    data = json.loads(env.sql("SELECT data FROM sessions WHERE id_hash = "
                              "'%s'" % digest))
    assert data["entry"] == "dqzc"


def test_session_idle_expiry(env):
    s = env.session()
    now = int(time.time())
    _enter(env, s, data={"_csrf": env.csrf(s)})
    digest = hashlib.sha256(s.cookies["jszg_sid"].encode()).hexdigest()
    # 29 minutes later the session is alive and its clock is refreshed
    r = env.get("/", s, headers={"X-Jszg-Test-Now": str(now + 29 * 60)})
    assert r.status_code == 200 and "jszg_sid=;" not in \
        r.headers.get("Set-Cookie", "")
    # 31 minutes after that the session has idled out and is deleted
    r = env.get("/", s, headers={"X-Jszg-Test-Now": str(now + 60 * 60)})
    assert r.status_code == 200
    assert "jszg_sid=;" in r.headers.get("Set-Cookie", "")
    assert env.sql("SELECT COUNT(*) FROM sessions WHERE id_hash = '%s'"
                   % digest) == "0"


def test_session_absolute_expiry(env):
    s = env.session()
    now = int(time.time())
    _enter(env, s, data={"_csrf": env.csrf(s)})
    digest = hashlib.sha256(s.cookies["jszg_sid"].encode()).hexdigest()
    # active every 20 minutes, but 8 hours is the limit
    for minutes in range(20, 8 * 60, 20):
        env.get("/", s, headers={"X-Jszg-Test-Now":
                                 str(now + minutes * 60)})
    assert env.sql("SELECT COUNT(*) FROM sessions WHERE id_hash = '%s'"
                   % digest) == "1"
    env.get("/", s, headers={"X-Jszg-Test-Now": str(now + 8 * 3600 + 60)})
    assert env.sql("SELECT COUNT(*) FROM sessions WHERE id_hash = '%s'"
                   % digest) == "0"


def test_forged_session_cookie_is_ignored(env):
    s = env.session()
    s.cookies.set("jszg_sid", "x' OR '1'='1")
    r = env.get("/", s)
    assert r.status_code == 200
    s.cookies.set("jszg_sid", "A" * 43)
    assert env.get("/", s).status_code == 200


def test_oversized_body_413(env):
    s = env.session()
    body = "_csrf=%s&big=%s" % (env.csrf(s), "x" * (5 * 1024 * 1024))
    r = _enter(env, s, data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    assert "提交的内容过大" in r.text


def test_oversized_chunked_body_413(env):
    s = env.session()

    def chunks():
        for _ in range(80):
            yield b"x" * 65536
    r = _enter(env, s, data=chunks(), headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413


def test_too_long_field_and_too_many_fields(env):
    s = env.session()
    r = _enter(env, s, data={"_csrf": env.csrf(s), "f": "x" * 20000})
    assert r.status_code == 413
    many = "&".join("f%d=1" % i for i in range(300))
    r = _enter(env, s, data=many, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413


def test_malformed_multipart_400(env):
    s = env.session()
    tok = env.csrf(s)
    body = ("--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n"
            "%s\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n"
            "\r\nno closing boundary" % tok)
    r = _enter(env, s, data=body.encode(), headers={
        "Content-Type": "multipart/form-data; boundary=XyZ"})
    assert r.status_code == 400
    assert "multipart" not in r.text.lower() or "格式" in r.text
    r = _enter(env, s, data=b"--XyZ--", headers={
        "Content-Type": "multipart/form-data"})       # no boundary
    assert r.status_code in (400, 415)
    # a well-formed multipart form is accepted
    body = ("--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n"
            "%s\r\n--XyZ--\r\n" % tok)
    r = _enter(env, s, data=body.encode(), headers={
        "Content-Type": "multipart/form-data; boundary=XyZ"})
    assert r.status_code == 303


def test_invalid_utf8_rejected(env):
    s = env.session()
    tok = env.csrf(s)
    for bad in ("%C0%AF", "%ED%A0%80", "%FF", "a%00b"):
        r = _enter(env, s, data="_csrf=%s&name=%s" % (tok, bad), headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 400, bad
    r = env.get("/?q=%C0%AF")
    assert r.status_code == 400
    status, _, body = env.raw_get("/api/v1/health?x=%ZZ")
    assert status == 400
    assert json.loads(body)["error"]["code"] == "bad_encoding"


def test_unsupported_content_type_415(env):
    s = env.session()
    r = _enter(env, s, data=b"{}", headers={
        "Content-Type": "application/json"})
    assert r.status_code == 415


def test_health_api(env):
    r = env.get("/api/v1/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_database_down_503_and_recovery(env):
    if env.engine != "pgsql":
        pytest.skip("an embedded SQLite database cannot go down")
    # JSZG1900[23]: the housekeeping job, should a run fall in the outage
    env.expect_log(r"dbd:error|JSZG10012|AH00629|AH02655|AH00633|AH00632"
                   r"|JSZG1900[23]")
    assert env.get("/").status_code == 200
    env.pg.stop_server()
    try:
        r = env.get("/news")
        assert r.status_code == 503
        assert "数据库暂时无法访问" in r.text
        assert r.headers["Retry-After"]
        # the home page's lists are kept per child for JszgHomeCacheSeconds
        # (2 s): it may still be served from a child's copy until then
        time.sleep(2.5)
        r = env.get("/")
        assert r.status_code == 503
        assert "数据库暂时无法访问" in r.text
        r = env.get("/api/v1/health")
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "db_unavailable"
    finally:
        env.pg.start_server()
    wait_for(lambda: env.get("/").status_code == 200)
    assert env.get("/").status_code == 200
    assert env.get("/api/v1/health").status_code == 200


def test_database_down_keeps_both_kinds_of_session(env):
    """One session system (issue 16): with the database unreachable an
    applicant's and a staff member's session are both a 503 -- pages,
    APIs and POSTs with their token -- never "logged out" (a login
    redirect, 401) nor a CSRF refusal; afterwards both are still
    logged in."""
    if env.engine != "pgsql":
        pytest.skip("an embedded SQLite database cannot go down")
    from test_admin_support import Staff
    env.expect_log(r"dbd:error|JSZG10012|AH00629|AH02655|AH00633|AH00632"
                   r"|JSZG1900[23]")
    st = Staff(env, "sysadmin")
    ap = env.login_as(1)
    token = env.csrf(ap)
    env.pg.stop_server()
    try:
        for s, path in ((ap, "/account"), (ap, "/api/v1/account"),
                        (st.s, "/admin/"), (st.s, "/admin/api/me")):
            r = env.get(path, s)
            assert r.status_code == 503, (path, r.status_code)
        r = env.post("/api/v1/logout", ap, headers={"X-CSRF-Token": token})
        assert r.status_code == 503, r.status_code
        assert r.json()["error"]["code"] == "db_unavailable"
        r = st.post("/admin/logout")
        assert r.status_code == 503, r.status_code
        r = st.post("/admin/api/apps/1/confirm", {"result": "complete"},
                    tokens=False, headers={"X-CSRF-Token": st.csrf})
        assert r.status_code == 503, r.status_code
        assert r.json()["error"]["code"] == "db_unavailable"
    finally:
        env.pg.start_server()
    wait_for(lambda: env.get("/").status_code == 200)
    assert env.get("/account", ap).status_code == 200
    assert env.get("/api/v1/account", ap).status_code == 200
    assert st.get("/admin/").status_code == 200
    assert st.get("/admin/api/me").status_code == 200


def test_config_error_named_by_apache2_t(env, tmp_path):
    for bad, name in (("JszgSessionIdle soon", "JszgSessionIdle"),
                      ("JszgMaxBody -5", "JszgMaxBody"),
                      ("JszgMode staging", "JszgMode"),
                      ("JszgSchoolAddsPerDay many", "JszgSchoolAddsPerDay"),
                      ("JszgSecretFile /nonexistent/secret",
                       "JszgSecretFile")):
        root = scratch_root(tmp_path, name)
        conf = mkroot.write_root(root, 1, MODULE, env.dbd[0],
                                 env.dbd[1], "event", "warn", bad)
        out = subprocess.run(["/usr/sbin/apache2", "-t", "-f", conf],
                             capture_output=True, text=True,
                             env=server_environ())
        assert out.returncode != 0, bad
        assert name in out.stderr, out.stderr
    conf = mkroot.write_root(scratch_root(tmp_path, "ok"), 1, MODULE,
                             env.dbd[0], env.dbd[1], "event", "warn", "")
    out = subprocess.run(["/usr/sbin/apache2", "-t", "-f", conf],
                         capture_output=True, text=True, env=server_environ())
    assert out.returncode == 0, out.stderr


def startup_log(out, root):
    """What a refused start said: the check_config hook reports on stderr
    (before the error log is open, as `apache2 -t` shows it), later
    checks in the error log."""
    log = root / "logs" / "error_log"
    return out.stderr + (log.read_text() if log.exists() else "")


def test_broken_template_refuses_startup(env, tmp_path):
    """A template that does not parse stops httpd at startup with a log
    line naming the file, instead of failing on every request."""
    import shutil
    tdir = tmp_path / "templates"
    shutil.copytree(os.path.join(os.path.dirname(MODULE), "..", "htdocs",
                                 "templates"), tdir)
    (tdir / "broken.html").write_text("<div><p>unclosed</div>")
    root = tmp_path / "root"
    conf = mkroot.write_root(str(root), 1, MODULE, env.dbd[0], env.dbd[1],
                             "event", "warn",
                             "JszgTemplateDir %s" % tdir)
    out = subprocess.run(["/usr/sbin/apache2", "-X", "-f", conf],
                         capture_output=True, text=True, timeout=20,
                         env=server_environ())
    assert out.returncode != 0
    log = startup_log(out, root)
    assert "JSZG10005" in log and "broken.html" in log


def test_test_clock_refused_in_production(env, tmp_path):
    conf = mkroot.write_root(str(tmp_path / "prod"), 1, MODULE, env.dbd[0],
                             env.dbd[1], "event", "warn",
                             "JszgMode production\nJszgTestClock On")
    out = subprocess.run(["/usr/sbin/apache2", "-X", "-f", conf],
                         capture_output=True, text=True, timeout=20,
                         env=server_environ())
    assert out.returncode != 0
    log = startup_log(out, tmp_path / "prod")
    assert "JszgTestClock On is refused with JszgMode production" in log


def test_mode_defaults_to_production(env, tmp_path):
    """With no JszgMode line the module runs in production: no SMS outbox,
    no 实名 review shortcut, no route listing; and the test clock is
    refused as with an explicit JszgMode production."""
    env.restart(test_clock=False, mode=None)
    try:
        for path in ("/dev/sms", "/dev/reviews", "/dev/routes"):
            assert env.get(path).status_code == 404, path
        s = env.session()
        r = env.post("/dev/reviews/1", s,
                     data={"_csrf": env.csrf(s), "decision": "approve"})
        assert r.status_code == 404
    finally:
        env.restart()
    assert env.get("/dev/routes").status_code == 200
    conf = mkroot.write_root(str(tmp_path / "prod"), 1, MODULE, env.dbd[0],
                             env.dbd[1], "event", "warn", "JszgTestClock On",
                             mode=None)
    out = subprocess.run(["/usr/sbin/apache2", "-X", "-f", conf],
                         capture_output=True, text=True, timeout=20,
                         env=server_environ())
    assert out.returncode != 0
    log = startup_log(out, tmp_path / "prod")
    assert "JszgTestClock On is refused with JszgMode production" in log


def test_login_required_routes(env):
    """A JSZG_R_AUTH page sends a logged-out visitor to the login page
    (and back afterwards); its API twin answers 401; the handler never
    runs for them."""
    r = env.get("/platform")
    assert r.status_code == 303
    assert r.headers["Location"] == "/login?next=%2Fplatform"
    assert r.text == ""
    r = env.get("/api/v1/platform")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "login_required"


def test_admin_api_errors_are_json(env):
    """The back office's API gets JSON errors like the applicant API, also
    for a refusal made before its handler runs (CSRF, unknown path)."""
    r = env.post("/admin/api/apps/1/confirm", data={"x": "1"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "csrf"
    r = env.get("/admin/api/no-such-thing")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_wizard_draft_idle_directive(env, tmp_path):
    out_bad = mkroot.write_root(str(tmp_path / "bad"), 1, MODULE, env.dbd[0],
                                env.dbd[1], "event", "warn",
                                "JszgWizardDraftIdle 5")
    r = subprocess.run(["/usr/sbin/apache2", "-t", "-f", out_bad],
                       capture_output=True, text=True, env=server_environ())
    assert r.returncode != 0 and "JszgWizardDraftIdle" in r.stderr
