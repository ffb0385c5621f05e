"""Back office: staff login, sessions, CSRF, and the status machine's staff
transitions (现场确认, 重新开放, 注册结论) on both databases."""
import re
import time

import pytest

from test_admin_support import (STAFF_PASSWORD, Staff, app_status,
                                count_events, error_code, make_app,
                                reg_no_of)


# ---- login, sessions, separation ------------------------------------------

def test_login_page_and_generic_failure(env):
    s = env.session()
    r = env.get("/admin/login", s)
    assert r.status_code == 200
    assert "工作人员登录" in r.text and 'name="_csrf"' in r.text
    assert "no-store" in r.headers["Cache-Control"]
    token = env.csrf(s)
    bad_pw = env.post("/admin/login", s, data={
        "_csrf": token, "username": "dc-point", "password": "wrong"})
    no_user = env.post("/admin/login", s, data={
        "_csrf": token, "username": "no-such-user", "password": "wrong"})
    for r in (bad_pw, no_user):
        assert r.status_code == 200
        assert "用户名或密码错误" in r.text
        assert "jszg_admin=" not in r.headers.get("Set-Cookie", "")
    # the same message whether the user exists or not
    strip = lambda t: re.sub(r'value="[^"]*"', "", t)  # noqa: E731
    assert strip(bad_pw.text) == strip(no_user.text)
    n = env.sql("SELECT COUNT(*) FROM audit_log WHERE actor = "
                "'staff:no-such-user' AND action = 'login.failed'")
    assert int(n) >= 1


def test_login_without_csrf_refused(env):
    r = env.post("/admin/login", env.session(), data={
        "username": "dc-point", "password": STAFF_PASSWORD})
    assert r.status_code == 403


def test_inactive_staff_cannot_log_in(env):
    s = env.session()
    r = env.post("/admin/login", s, data={
        "_csrf": env.csrf(s), "username": "retired",
        "password": STAFF_PASSWORD})
    assert r.status_code == 200 and "用户名或密码错误" in r.text


def test_failures_throttle_and_captcha_no_lockout(env):
    """Issue 13.5: wrong passwords never lock the username.  Three
    failures from one address: the next try from that address waits
    (429 before any bcrypt, growing with each failure) and the form asks
    for the captcha; the right password then still works."""
    env.sql("DELETE FROM rate_events WHERE kind LIKE 'admin.%'")
    s = env.session()
    token = env.csrf(s)
    now = int(time.time())
    for i in range(3):
        r = env.post("/admin/login", s, headers={
            "X-Jszg-Test-Now": str(now)}, data={
            "_csrf": token, "username": "gd-province", "password": "x"})
        assert "用户名或密码错误" in r.text
    assert 'name="captcha_token"' in r.text     # asked after 3 failures
    # the 4th try from this address, even with the right password, waits
    r = env.post("/admin/login", s, headers={"X-Jszg-Test-Now": str(now)},
                 data={"_csrf": token, "username": "gd-province",
                       "password": STAFF_PASSWORD})
    assert r.status_code == 429 and "密码错误次数过多" in r.text, r.text
    assert int(r.headers["Retry-After"]) == 30
    assert "暂时锁定" not in r.text
    # 30 s later: the captcha is asked first, the password is not tried
    later = {"X-Jszg-Test-Now": str(now + 31)}
    before = env.sql("SELECT COUNT(*) FROM audit_log WHERE action = "
                     "'login.failed' AND actor = 'staff:gd-province'")
    r = env.post("/admin/login", s, headers=later, data={
        "_csrf": token, "username": "gd-province", "password": "y"})
    assert r.status_code == 200 and "请先完成安全验证" in r.text
    assert env.sql("SELECT COUNT(*) FROM audit_log WHERE action = "
                   "'login.failed' AND actor = 'staff:gd-province'") \
        == before
    # with the captcha solved, the right password logs in
    from test_admin_support import solve_staff_captcha
    data = {"_csrf": token, "username": "gd-province",
            "password": STAFF_PASSWORD}
    data.update(solve_staff_captcha(env, r.text))
    r = env.post("/admin/login", s, headers={
        "X-Jszg-Test-Now": str(now + 33)}, data=data)
    assert r.status_code == 303, r.text[:500]
    env.sql("DELETE FROM rate_events WHERE kind LIKE 'admin.%'")


def test_failure_delays_grow(env):
    env.sql("DELETE FROM rate_events WHERE kind LIKE 'admin.%'")
    s = env.session()
    token = env.csrf(s)
    now = int(time.time())

    def attempt(t, pw="x"):
        data = {"_csrf": token, "username": "no-such-user", "password": pw}
        return env.post("/admin/login", s, data=data,
                        headers={"X-Jszg-Test-Now": str(t)})
    for i in range(3):
        assert attempt(now).status_code == 200
    waits = []
    t = now
    for i in range(3):
        r = attempt(t)
        assert r.status_code == 429
        wait = int(r.headers["Retry-After"])
        waits.append(wait)
        t += wait
        # the captcha is demanded now: an unsolved one is not a failure
        r = attempt(t)
        assert r.status_code == 200 and "请先完成安全验证" in r.text
        from test_admin_support import solve_staff_captcha
        data = {"_csrf": token, "username": "no-such-user",
                "password": "x"}
        data.update(solve_staff_captcha(env, r.text))
        r = env.post("/admin/login", s, data=data,
                     headers={"X-Jszg-Test-Now": str(t + 2)})
        assert "用户名或密码错误" in r.text
        t += 2
    assert waits == [30, 60, 120], waits     # doubling with each failure
    env.sql("DELETE FROM rate_events WHERE kind LIKE 'admin.%'")


def test_cookie_attributes_and_rotation(env):
    s = env.session()
    token = env.csrf(s)
    r1 = env.post("/admin/login", s, data={
        "_csrf": token, "username": "dc-point", "password": STAFF_PASSWORD})
    cookie = r1.headers["Set-Cookie"]
    assert "jszg_admin=" in cookie and "Path=/admin" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    first = s.cookies.get("jszg_admin")
    # logging in again from the same browser gives a new session and
    # kills the old one; the form's token is now the one bound to the
    # staff session (the anonymous one is no longer valid on /admin)
    r2 = env.post("/admin/login", s, data={
        "_csrf": token, "username": "dc-point", "password": STAFF_PASSWORD})
    assert r2.status_code == 403
    token = env.get("/admin/api/csrf", s).json()["csrf"]
    r2 = env.post("/admin/login", s, data={
        "_csrf": token, "username": "dc-point", "password": STAFF_PASSWORD})
    assert r2.status_code == 303
    second = s.cookies.get("jszg_admin")
    assert second and second != first
    old = env.session()
    old.cookies.set("jszg_admin", first)
    r = env.get("/admin/", old)
    assert r.status_code == 303 and "/admin/login" in r.headers["Location"]
    assert env.get("/admin/", s).status_code == 200


def test_idle_expiry(env):
    st = Staff(env, "dc-point")
    assert st.get("/admin/").status_code == 200
    later = str(int(time.time()) + 31 * 60)
    r = st.get("/admin/", headers={"X-Jszg-Test-Now": later})
    assert r.status_code == 303 and "/admin/login" in r.headers["Location"]
    # and the session is gone for good
    assert st.get("/admin/").status_code == 303


def test_logout(env):
    st = Staff(env, "dc-point")
    r = st.post("/admin/logout")
    assert r.status_code == 303 and r.headers["Location"] == "/admin/login"
    assert st.get("/admin/").status_code == 303
    assert st.get("/admin/api/me").status_code == 401


def test_applicant_session_is_not_admin(env):
    s = env.login_as(1)
    r = env.get("/admin/", s)
    assert r.status_code == 303 and "/admin/login" in r.headers["Location"]
    r = env.get("/admin/api/me", s)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "admin_login_required"


def test_admin_session_is_not_applicant(env):
    st = Staff(env, "sysadmin")
    token = st.s.cookies.get("jszg_admin")
    # the admin cookie is scoped to /admin; even replayed as the
    # applicant cookie it names no applicant session
    s = env.session()
    s.cookies.set("jszg_sid", token)
    r = env.get("/account", s)
    assert r.status_code in (302, 303) and "/login" in r.headers["Location"]
    s2 = env.session()
    s2.cookies.set("jszg_admin", token)
    r = env.get("/account", s2)
    assert r.status_code in (302, 303) and "/login" in r.headers["Location"]


def test_unauthenticated_admin_pages_redirect_to_login(env):
    for path in ("/admin/", "/admin/search", "/admin/queue",
                 "/admin/apps/1", "/admin/windows", "/admin/audit"):
        r = env.get(path)
        assert r.status_code == 303, path
        assert r.headers["Location"].startswith("/admin/login?next=")


def test_login_next_only_admin_paths(env):
    for nxt, want in (("/admin/queue", "/admin/queue"),
                      ("https://evil.example/", "/admin/"),
                      ("//evil.example/admin/", "/admin/"),
                      ("/account", "/admin/")):
        s = env.session()
        token = env.csrf(s)
        r = env.post("/admin/login", s, data={
            "_csrf": token, "username": "dc-reviewer",
            "password": STAFF_PASSWORD, "next": nxt})
        assert r.status_code == 303 and r.headers["Location"] == want, nxt


# ---- CSRF on every admin POST ------------------------------------------------

ADMIN_POSTS = ["/admin/logout", "/admin/apps/{id}/confirm",
               "/admin/apps/{id}/reopen", "/admin/apps/{id}/decide",
               "/admin/apps/{id}/correct", "/admin/api/apps/{id}/correct",
               "/admin/queue/decide", "/admin/api/queue/decide",
               "/admin/windows/save",
               "/admin/windows/1/delete", "/admin/institutions/2/notes",
               "/admin/reviews/identity/1/decide",
               "/admin/reviews/certs/1/decide", "/admin/import",
               "/admin/api/apps/{id}/confirm", "/admin/api/apps/{id}/reopen",
               "/admin/api/apps/{id}/decide",
               # administration (issue 14)
               "/admin/institutions/save", "/admin/institutions/2/active",
               "/admin/points/save", "/admin/points/201/active",
               "/admin/staff/save", "/admin/staff/13/reset",
               "/admin/staff/13/unlock", "/admin/staff/13/active",
               "/admin/password", "/admin/windows/1/close",
               "/admin/api/institutions", "/admin/api/institutions/2/active",
               "/admin/api/points", "/admin/api/points/201/active",
               "/admin/api/staff", "/admin/api/staff/13/reset",
               "/admin/api/staff/13/unlock", "/admin/api/staff/13/active",
               "/admin/api/password", "/admin/api/windows",
               "/admin/api/windows/1/delete", "/admin/api/windows/1/close"]


def test_every_admin_post_route_is_in_the_csrf_list(env):
    r = env.get("/dev/routes")
    posts = {rt["pattern"] for rt in r.json()["routes"]
             if rt["method"] == "POST" and rt["pattern"].startswith("/admin")}
    listed = {p.replace("{id}", "{id}") for p in ADMIN_POSTS}
    norm = lambda p: re.sub(r"/\d+/", "/{id}/", p)  # noqa: E731
    assert {norm(p) for p in posts} - {norm(p) for p in listed} \
        == {"/admin/login"}


def test_csrf_on_every_admin_post(env):
    app = make_app(env)
    st = Staff(env, "sysadmin")
    before = count_events(env, app)
    for path in ADMIN_POSTS:
        path = path.replace("{id}", app)
        data = {"result": "complete", "conclusion": "注册合格", "id": app}
        # a forged token, none, an empty one
        r = st.post(path, dict(data, _csrf="x" * 43))
        assert r.status_code == 403, path
        assert error_code(r) == "csrf", path
        r = st.post(path, data, tokens=False)
        assert r.status_code == 403, path
        r = st.post(path, dict(data, _csrf=""))
        assert r.status_code == 403, path
        # the token of this browser's anonymous cookie (the login
        # form's) is not the staff session's
        r = st.post(path, dict(data, _csrf=env.csrf(st.s)))
        assert r.status_code == 403, path
        assert error_code(r) == "csrf", path
    assert count_events(env, app) == before
    assert app_status(env, app) == "网报待确认"
    assert st.get("/admin/").status_code == 200      # still logged in


def test_admin_token_of_another_session_refused(env):
    a = Staff(env, "dc-point")
    b = Staff(env, "dc-point")
    app = make_app(env)
    r = a.post("/admin/apps/%s/confirm" % app,
               {"result": "complete", "_csrf": b.csrf})
    assert r.status_code == 403 and error_code(r) == "csrf"
    assert app_status(env, app) == "网报待确认"


# ---- the status machine ---------------------------------------------------------

def confirm(st, app, complete=True, missing=None):
    data = {"result": "complete" if complete else "incomplete"}
    if missing is not None:
        data["missing"] = missing
    return st.post("/admin/apps/%s/confirm" % app, data)


def decide(st, app, conclusion, reason=None, message=None):
    data = {"conclusion": conclusion}
    if reason is not None:
        data["reason"] = reason
    if message is not None:
        data["message"] = message
    return st.post("/admin/apps/%s/decide" % app, data)


@pytest.mark.parametrize("conclusion,reason", [
    ("注册合格", None), ("暂缓注册", "培训学时不足360学时"),
    ("注册不合格", "连续两年年度考核不合格")])
def test_pending_to_each_conclusion(env, conclusion, reason):
    # audit rows of an earlier application with the same id (SQLite
    # reuses the ids of deleted rows) are not this test's
    first = env.sql("SELECT COALESCE(MAX(id), 0) FROM audit_log")
    app = make_app(env)
    point = Staff(env, "dc-point")
    r = point.get("/admin/search?q=%s" % reg_no_of(env, app))
    assert r.status_code == 200 and "/admin/apps/%s" % app in r.text
    r = point.get("/admin/apps/%s" % app)
    assert r.status_code == 200 and "现场确认" in r.text
    assert "网报待确认" in r.text and "张伟" in r.text
    r = confirm(point, app)
    assert r.status_code == 303
    assert r.headers["Location"] == "/admin/apps/%s" % app
    assert app_status(env, app) == "待注册审批"
    page = point.get("/admin/apps/%s" % app).text
    assert "现场确认结果已保存" in page        # flash, shown once
    assert "现场确认结果已保存" not in point.get("/admin/apps/%s" % app).text

    reviewer = Staff(env, "dc-reviewer")
    r = reviewer.get("/admin/queue")
    assert r.status_code == 200 and reg_no_of(env, app) in r.text
    r = decide(reviewer, app, conclusion, reason)
    assert r.status_code == 303, r.text[:500]
    assert app_status(env, app) == conclusion

    rows = env.sql("SELECT COALESCE(from_status, '-') || '>' || to_status "
                   "|| '>' || actor "
                   "FROM application_events WHERE application_id = %s "
                   "ORDER BY id" % app).splitlines()
    assert rows[1:] == ["网报待确认>待注册审批>staff:dc-point",
                        "待注册审批>%s>staff:dc-reviewer" % conclusion]
    audit = env.sql("SELECT action || '|' || ip FROM audit_log WHERE "
                    "target = 'application:%s' AND action NOT LIKE "
                    "'%%.view' AND id > %s ORDER BY id"
                    % (app, first)).splitlines()
    assert audit == ["application.待注册审批|127.0.0.1",
                     "application.%s|127.0.0.1" % conclusion]
    decided = env.sql("SELECT decided_on FROM applications WHERE id = %s"
                      % app)
    assert re.match(r"^\d{4}-\d{2}-\d{2}$", decided)
    hist = env.sql("SELECT kind || '|' || conclusion || '|' || "
                   "COALESCE(CAST(valid_until AS TEXT), '-') FROM "
                   "registrations_history WHERE cert_no = (SELECT cert_no "
                   "FROM applications WHERE id = %s)" % app)
    kind, concl, until = hist.split("|")
    assert kind == "首次注册" and concl == conclusion
    assert (until != "-") == (conclusion == "注册合格")
    has_msg = env.sql("SELECT has_message FROM applications WHERE id = %s"
                      % app)
    assert has_msg == ("0" if conclusion == "注册合格" else "1")


def test_incomplete_then_reopen(env):
    app = make_app(env)
    point = Staff(env, "dc-point")
    # the missing items are required
    r = confirm(point, app, complete=False, missing="  ")
    assert r.status_code == 400 and "请填写所缺材料" in r.text
    assert app_status(env, app) == "网报待确认"
    r = confirm(point, app, complete=False,
                missing="聘用合同复印件；申请表缺校长签字")
    assert r.status_code == 303
    assert app_status(env, app) == "确认未通过"
    msg = env.sql("SELECT message FROM application_events WHERE "
                  "application_id = %s ORDER BY id DESC LIMIT 1" % app)
    assert "聘用合同复印件；申请表缺校长签字" in msg
    assert env.sql("SELECT has_message FROM applications WHERE id = %s"
                   % app) == "1"
    # 确认未通过 cannot be decided or confirmed again
    reviewer = Staff(env, "dc-reviewer")
    r = decide(reviewer, app, "注册合格")
    assert r.status_code == 409 and "不能作出注册结论" in r.text
    r = confirm(point, app)
    assert r.status_code == 409
    r = point.post("/admin/apps/%s/reopen" % app, {"note": "请补齐后再来"})
    assert r.status_code == 303
    assert app_status(env, app) == "网报待确认"
    # and round again to 待注册审批
    assert confirm(point, app).status_code == 303
    assert app_status(env, app) == "待注册审批"
    assert count_events(env, app) == 4


def test_transitions_off_the_machine_change_nothing(env):
    app = make_app(env)
    sysadmin = Staff(env, "sysadmin")
    before = count_events(env, app)
    # decide before confirmation
    r = decide(sysadmin, app, "注册合格")
    assert r.status_code == 409 and error_code(r) is None  # page re-shown
    assert "该报名当前状态为“网报待确认”" in r.text
    # reopen a pending one
    r = sysadmin.post("/admin/api/apps/%s/reopen" % app)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "invalid_transition"
    # confirm without a result, decide with a made-up conclusion
    r = sysadmin.post("/admin/api/apps/%s/confirm" % app, {"result": "maybe"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "result_required"
    assert confirm(sysadmin, app).status_code == 303
    r = sysadmin.post("/admin/api/apps/%s/decide" % app,
                      {"conclusion": "通过"})
    assert r.json()["error"]["code"] == "conclusion_invalid"
    for c in ("暂缓注册", "注册不合格"):
        r = sysadmin.post("/admin/api/apps/%s/decide" % app,
                          {"conclusion": c, "reason": " "})
        assert r.status_code == 400
        assert r.json()["error"]["code"] == "reason_required"
    r = sysadmin.post("/admin/api/apps/%s/decide" % app,
                      {"conclusion": "注册合格", "reason": "长" * 501})
    assert r.json()["error"]["code"] == "text_too_long"
    assert app_status(env, app) == "待注册审批"
    assert count_events(env, app) == before + 1
    # a concluded application is final
    r = sysadmin.post("/admin/api/apps/%s/decide" % app,
                      {"conclusion": "注册合格", "message": "恭喜"})
    assert r.status_code == 200
    assert r.json()["application"]["status"] == "注册合格"
    assert "photo_path" not in r.json()["application"]
    for path, data in (("decide", {"conclusion": "暂缓注册", "reason": "x"}),
                       ("confirm", {"result": "complete"}),
                       ("reopen", {})):
        r = sysadmin.post("/admin/api/apps/%s/%s" % (app, path), data)
        assert r.status_code == 409, path
        assert r.json()["error"]["code"] == "invalid_transition"
    assert app_status(env, app) == "注册合格"


def test_api_flow_and_detail(env):
    app = make_app(env, account=2)
    point = Staff(env, "dc-point")
    r = point.get("/admin/api/search?q=%s" % env.sql(
        "SELECT id_number FROM accounts WHERE id = 2"))
    assert r.status_code == 200
    assert int(app) in [a["id"] for a in r.json()["applications"]]
    r = point.get("/admin/api/apps/%s" % app)
    body = r.json()
    assert body["application"]["status"] == "网报待确认"
    assert body["application"]["applicant_name"] == "李娜"
    assert {f["label"] for f in body["fields"]} >= {"姓名", "现任教学校"}
    # 李娜: 2022 不合格, 240 学时 (sql/seed/310_verification.sql)
    v = body["verify"]
    assert v["hours"] == 240 and v["hours_ok"] is False
    assert v["suggestion"] == "暂缓注册"
    assert [y["grade"] for y in v["years"] if y["year"] == 2022] == ["不合格"]
    r = point.post("/admin/api/apps/%s/confirm" % app,
                   {"result": "complete"})
    assert r.status_code == 200
    assert r.json()["application"]["status"] == "待注册审批"


def test_photo_served_with_type_and_disposition(env):
    app = make_app(env)
    point = Staff(env, "dc-point")
    r = point.get("/admin/apps/%s/photo" % app)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "image/jpeg"
    assert r.headers["Content-Disposition"].startswith("inline; filename=")
    assert "no-store" in r.headers["Cache-Control"]
    assert r.content[:3] == b"\xff\xd8\xff"
    # not from the web root
    assert env.get("/static/../uploads/" + env.sql(
        "SELECT photo_path FROM applications WHERE id = %s" % app)
    ).status_code in (400, 403, 404)
    env.expect_log(r"AH0012[68]")     # httpd's own log of a refused path
    nophoto = make_app(env, photo=False)
    r = point.get("/admin/apps/%s/photo" % nophoto)
    assert r.status_code == 404
