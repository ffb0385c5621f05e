"""Back office: staff accounts (issue 14) through the real forms and
their JSON twins -- create with a role and a scope, the forced password
change at the next login, 重置密码, 解除登录限制, 停用 (the sessions end at
once), one's own password, and the province scope on the target account
and on the submitted role and scope.

Accounts are made through the form with fresh usernames; the seed
accounts other tests log in with are only read."""
import random

from test_admin_support import Staff, error_code

TEMP = "Temp@2026x"
NEW = "Mine#2026y"


def uname(prefix="t"):
    return "%s-%06d" % (prefix, random.randrange(10 ** 6))


def staff_form(st, **kw):
    data = {"username": uname(), "name": "测试审核员", "role": "institution",
            "institution_id": "2", "password": TEMP, "confirm": TEMP}
    data.update(kw)
    return st.post("/admin/staff/save", data)


def make_staff(env, st, **kw):
    r = staff_form(st, **kw)
    assert r.status_code == 303, r.text[:500]
    return r.headers["Location"].rsplit("/", 1)[1]


def login(env, username, password, headers=None):
    s = env.session()
    token = env.csrf(s)
    r = env.post("/admin/login", s, data={
        "_csrf": token, "username": username, "password": password,
        "next": "/admin/"}, headers=headers or {})
    return s, r


def alive(env, s):
    return env.get("/admin/api/me", s).status_code == 200


def test_create_then_forced_password_change(env):
    bj = Staff(env, "bj-province")
    assert bj.get("/admin/staff").status_code == 200
    assert bj.get("/admin/staff/new").status_code == 200
    # refused: the errors beside the fields, what was typed kept
    r = staff_form(bj, username="a b", name="保留的姓名", role="",
                   password="short")
    assert r.status_code == 400
    assert "用户名只能由3至32位字母" in r.text
    assert "请选择角色" in r.text
    assert "密码长度不能少于8位" in r.text
    assert 'value="保留的姓名"' in r.text
    user = uname("new")
    r = staff_form(bj, username=user, password="Ab1!" + user)
    assert r.status_code == 400 and "密码不能包含用户名" in r.text
    r = staff_form(bj, username=user, role="institution", institution_id="")
    assert r.status_code == 400 and "请选择注册机构" in r.text
    sid = make_staff(env, bj, username=user.upper())
    assert env.sql("SELECT username || '|' || role || '|' || institution_id "
                   "|| '|' || must_change_password FROM staff WHERE id = %s"
                   % sid) == "%s|institution|2|1" % user
    assert env.sql("SELECT COUNT(*) FROM audit_log WHERE action = "
                   "'staff.create' AND target = 'staff:%s' AND actor = "
                   "'staff:bj-province'" % sid) == "1"
    r = staff_form(bj, username=user)
    assert r.status_code == 400 and "该用户名已被使用" in r.text
    # the first login goes to 修改密码 before anything else
    s, r = login(env, user, TEMP)
    assert r.status_code == 303
    r = env.get("/admin/", s)
    assert r.status_code == 303 and r.headers["Location"] == "/admin/password"
    r = env.get("/admin/queue", s)
    assert r.status_code == 303 and r.headers["Location"] == "/admin/password"
    r = env.get("/admin/api/queue", s)
    assert r.status_code == 403 and error_code(r) == "password_change_required"
    r = env.get("/admin/password", s)
    assert r.status_code == 200 and "您的密码由管理员设置" in r.text
    toks = env.get("/admin/api/csrf", s).json()
    form = {"_csrf": toks["csrf"]}
    r = env.post("/admin/password", s, data=dict(
        form, old_password="wrong", password=NEW, confirm=NEW))
    assert r.status_code == 400 and "原密码不正确" in r.text
    r = env.post("/admin/password", s, data=dict(
        form, old_password=TEMP, password=NEW, confirm=NEW + "x"))
    assert r.status_code == 400 and "两次输入的密码不一致" in r.text
    r = env.post("/admin/password", s, data=dict(
        form, old_password=TEMP, password=NEW, confirm=NEW))
    assert r.status_code == 303 and r.headers["Location"] == "/admin/"
    assert env.get("/admin/queue", s).status_code == 200
    assert env.sql("SELECT must_change_password FROM staff WHERE id = %s"
                   % sid) == "0"
    assert env.sql("SELECT COUNT(*) FROM audit_log WHERE action = "
                   "'staff.password_change' AND target = 'staff:%s'"
                   % sid) == "1"


def test_reset_and_deactivate_end_sessions_at_once(env):
    sysadm = Staff(env, "sysadmin")
    user = uname("rs")
    sid = make_staff(env, sysadm, username=user, role="point",
                     point_id="202", institution_id="")
    assert env.sql("SELECT institution_id FROM staff WHERE id = %s"
                   % sid) == "2"
    s, r = login(env, user, TEMP)
    toks = env.get("/admin/api/csrf", s).json()
    r = env.post("/admin/api/password", s, data={
        "old_password": TEMP, "password": NEW, "confirm": NEW},
        headers={"X-CSRF-Token": toks["csrf"]})
    assert r.status_code == 200, r.text
    assert alive(env, s)
    # 重置密码: the session ends, the temporary password must be changed
    r = sysadm.post("/admin/staff/%s/reset" % sid,
                    {"password": "weak", "confirm": "weak"})
    assert r.status_code == 400 and "密码长度不能少于8位" in r.text
    assert alive(env, s)
    r = sysadm.post("/admin/staff/%s/reset" % sid,
                    {"password": TEMP, "confirm": TEMP})
    assert r.status_code == 303
    assert not alive(env, s)
    s, r = login(env, user, TEMP)
    assert r.status_code == 303
    assert env.get("/admin/", s).headers["Location"] == "/admin/password"
    # 停用: the session ends at once and no new one starts
    r = sysadm.post("/admin/staff/%s/active" % sid, {"active": "0"})
    assert r.status_code == 303
    assert not alive(env, s)
    assert env.sql("SELECT COUNT(*) FROM admin_sessions WHERE staff_id = %s"
                   % sid) == "0"
    s, r = login(env, user, TEMP)
    assert r.status_code == 200 and "用户名或密码错误" in r.text
    assert env.sql("SELECT COUNT(*) FROM audit_log WHERE target = "
                   "'staff:%s' AND action IN ('staff.password_reset', "
                   "'staff.deactivate')" % sid) == "2"
    # nobody switches themselves off
    me = env.sql("SELECT id FROM staff WHERE username = 'sysadmin'")
    r = sysadm.post("/admin/staff/%s/active" % me, {"active": "0"})
    assert r.status_code == 409
    assert env.sql("SELECT active FROM staff WHERE id = %s" % me) == "1"
    # and back on, through the JSON twin
    h = {"X-CSRF-Token": sysadm.csrf}
    r = sysadm.post("/admin/api/staff/%s/active" % sid, {"active": "1"},
                    tokens=False, headers=h)
    assert r.status_code == 200 and r.json()["staff"]["active"] == 1


def test_unlock_clears_the_login_throttle(env):
    sysadm = Staff(env, "sysadmin")
    user = uname("lk")
    sid = make_staff(env, sysadm, username=user)
    for _ in range(3):
        s, r = login(env, user, "Wrong#2026")
        assert r.status_code == 200 and "用户名或密码错误" in r.text
    # the right password now meets the wait of this address ...
    s, r = login(env, user, TEMP)
    assert r.status_code == 429
    page = sysadm.get("/admin/staff/%s" % sid).text
    assert "登录失败 <strong>3</strong> 次" in page
    r = sysadm.post("/admin/staff/%s/unlock" % sid)
    assert r.status_code == 303
    # ... and after 解除登录限制 neither the wait nor the captcha
    s, r = login(env, user, TEMP)
    assert r.status_code == 303, r.text[:300]
    assert env.sql("SELECT COUNT(*) FROM audit_log WHERE action = "
                   "'staff.unlock' AND target = 'staff:%s'" % sid) == "1"


def test_province_scope_on_target_accounts(env):
    hb = Staff(env, "hb-province")
    bj = Staff(env, "bj-province")
    ids = {u: env.sql("SELECT id FROM staff WHERE username = '%s'" % u)
           for u in ("sysadmin", "dc-reviewer", "wh-reviewer", "bj-province")}
    snap = env.sql("SELECT COUNT(*) || '|' || SUM(active) || '|' || "
                   "SUM(must_change_password) FROM staff")
    # 北京's accounts and the system admin: neither seen nor changed
    for who in ("dc-reviewer", "sysadmin", "bj-province"):
        sid = ids[who]
        assert hb.get("/admin/staff/%s" % sid).status_code == 403, who
        assert hb.get("/admin/api/staff/%s" % sid).status_code == 403, who
        for action, data in (("reset", {"password": TEMP, "confirm": TEMP}),
                             ("unlock", {}), ("active", {"active": "0"})):
            r = hb.post("/admin/staff/%s/%s" % (sid, action), data)
            assert r.status_code == 403, (who, action)
        r = staff_form(hb, id=sid, name="湖北改的", role="province",
                       province_code="420000")
        assert r.status_code == 403, who
    assert bj.get("/admin/staff/%s" % ids["sysadmin"]).status_code == 403
    # never a system admin, never outside the province
    assert staff_form(hb, role="system").status_code == 403
    assert staff_form(hb, role="institution",
                      institution_id="2").status_code == 403
    assert staff_form(hb, role="point", point_id="201").status_code == 403
    assert staff_form(hb, role="province",
                      province_code="110000").status_code == 403
    # its own reviewer moved under 北京's institution
    r = staff_form(hb, id=ids["wh-reviewer"], name="武汉市注册审核员",
                   role="institution", institution_id="2")
    assert r.status_code == 403
    assert env.sql("SELECT institution_id FROM staff WHERE id = %s"
                   % ids["wh-reviewer"]) == "8"
    assert env.sql("SELECT COUNT(*) || '|' || SUM(active) || '|' || "
                   "SUM(must_change_password) FROM staff") == snap
    # the list: its province only
    names = [x["username"] for x in hb.get("/admin/api/staff").json()["staff"]]
    assert "wh-reviewer" in names and "hb-province" in names
    assert "dc-reviewer" not in names and "sysadmin" not in names
    # inside the province it may: a 武汉 reviewer
    sid = make_staff(env, hb, role="institution", institution_id="9")
    assert env.sql("SELECT institution_id FROM staff WHERE id = %s"
                   % sid) == "9"
    # the others may not manage accounts at all
    for user in ("dc-reviewer", "dc-point"):
        st = Staff(env, user)
        assert st.get("/admin/staff").status_code == 403
        assert staff_form(st).status_code == 403


def test_own_password_for_every_role(env):
    """A 确认点 clerk changes their own password (old one required, the
    applicants' rules), and the old one stops working."""
    sysadm = Staff(env, "sysadmin")
    user = uname("own")
    sid = make_staff(env, sysadm, username=user, role="point",
                     point_id="301", institution_id="")
    st = Staff(env, user, TEMP)
    assert st.get("/admin/password").status_code == 200
    r = st.post("/admin/password", {"old_password": TEMP,
                                    "password": "alllowercase",
                                    "confirm": "alllowercase"})
    assert r.status_code == 400 and "至少三类" in r.text
    r = st.post("/admin/password", {"old_password": TEMP, "password": TEMP,
                                    "confirm": TEMP})
    assert r.status_code == 400 and "新密码不能与原密码相同" in r.text
    r = st.post("/admin/password", {"old_password": TEMP, "password": NEW,
                                    "confirm": NEW})
    assert r.status_code == 303
    s, r = login(env, user, TEMP)
    assert r.status_code == 200
    s, r = login(env, user, NEW)
    assert r.status_code == 303
    assert env.get("/admin/search", s).status_code == 200
