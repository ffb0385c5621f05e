"""Access control (issue 8) over the whole route table: a logged-out
visitor, an expired session, another applicant's 报名号 (IDOR), staff
outside their scope, a staff session on the applicant side and the
reverse.  All refused (401/403/404 or a redirect to a login page) and
logged: the access log always, the error log (info+) or the audit log
where a logged-in user reached for someone else's data."""
import re
import time
from urllib.parse import quote

import pytest

from sec_lib import (OTHER, OWNER, World, access_log_pos, access_log_since,
                     PUBLIC, concrete, is_public, is_staff, log_since,
                     routes,
                     snapshot)

REFUSED = (401, 403, 404)


@pytest.fixture(scope="module")
def world(env):
    return World(env)


def refused(r, admin):
    if r.status_code in REFUSED:
        return True
    if r.status_code in (302, 303):
        loc = r.headers.get("Location", "")
        return loc.startswith("/admin/login" if admin else "/login")
    return False


def protected(env):
    return [rt for rt in routes(env) if not is_public(env, rt["pattern"])]


def send(env, s, rt, path, headers=None, data=None):
    """The request a browser or API client would send, with a valid
    anonymous-side CSRF token, so that the CSRF check is not what
    refuses it."""
    headers = dict(headers or {})
    if rt["method"] == "GET":
        return env.get(path, s, headers=headers)
    token = env.csrf(s)
    headers["X-CSRF-Token"] = token
    body = {"_csrf": token}
    body.update(data or {})
    return env.post(path, s, data=body, headers=headers)


def check_all_refused(env, world, make_session, label, headers=None):
    pos = access_log_pos(env)
    n = 0
    for rt in protected(env):
        pat = rt["pattern"]
        path = concrete(pat, world.values(pat))
        s = make_session()
        r = send(env, s, rt, path, headers)
        assert refused(r, is_staff(env, pat)), (label, rt["method"], path,
                                           r.status_code,
                                           r.headers.get("Location"))
        n += 1
    # every refusal is in the access log with its status
    # (written in the log phase, after the answer: wait for the last)
    end = time.time() + 5
    while True:
        lines = access_log_since(env, pos)
        statuses = [ln for ln in lines
                    if re.search(r'" (30[23]|40[134]) ', ln)]
        if len(statuses) >= n or time.time() > end:
            break
        time.sleep(0.1)
    assert len(statuses) >= n, (label, len(statuses), n)
    return n


def test_public_list_is_not_everything(env):
    prot = protected(env)
    pats = {rt["pattern"] for rt in prot}
    assert len(prot) > 60
    for must in ("/account", "/platform/dqzc/records/{regno}",
                 "/admin/apps/{id}", "/api/v1/dqzc/wizard/{step}"):
        assert must in pats


def test_public_routes_are_on_purpose(env):
    """The route table says which routes are public; each of them is
    also in PUBLIC (sec_lib), so that making a route public is a
    decision taken twice, and nothing in PUBLIC needs a login."""
    for rt in routes(env):
        assert is_public(env, rt["pattern"]) == \
            bool(PUBLIC.match(rt["pattern"])), rt


def test_logged_out_refused(env, world):
    check_all_refused(env, world, env.session, "logged out")


def test_applicant_routes_refuse_uniformly(env, world):
    """Every login-only route of the applicant side is JSZG_R_AUTH in the
    route table, so jszg_handle refuses a logged-out visitor the same way
    everywhere: a page GET goes to /login?next=<the page>, anything else
    (API, form POST) is 401 login_required."""
    n = 0
    for rt in protected(env):
        pat = rt["pattern"]
        if is_staff(env, pat):
            continue
        assert rt["auth"], ("not JSZG_R_AUTH", rt["method"], pat)
        path = concrete(pat, world.values(pat))
        r = send(env, env.session(), rt, path)
        if rt["method"] == "GET" and not rt["api"]:
            assert r.status_code == 303, (path, r.status_code)
            assert r.headers["Location"] == \
                "/login?next=" + quote(path, ""), (path, r.headers)
        else:
            assert r.status_code == 401, (rt["method"], path,
                                          r.status_code)
            if rt["api"]:
                assert r.json()["error"]["code"] == "login_required", \
                    (rt["method"], path, r.text)
            else:
                assert "您尚未登录或登录已超时" in r.text, path
        n += 1
    assert n > 30


def test_expired_applicant_session_refused(env, world):
    # idle longer than JszgSessionIdle (1800 s by default)
    check_all_refused(env, world, lambda: env.login_as(OWNER, idle=1900),
                      "idle applicant session")
    # a live session, with the clock moved past its idle time
    s = env.login_as(OWNER)
    assert env.get("/account", s).status_code == 200
    later = {"X-Jszg-Test-Now": str(int(time.time()) + 1900)}
    for path in ("/account", "/platform/dqzc/records/%s" % world.reg_no):
        r = env.get(path, s, headers=later)
        assert refused(r, False), (path, r.status_code)
    r = env.get("/api/v1/dqzc/records/%s" % world.reg_no, s, headers=later)
    assert r.status_code == 401


def test_expired_staff_session_refused(env, world):
    st = world.staff_session("dc-reviewer")
    assert st.get("/admin/apps/%s" % world.app_id).status_code == 200
    later = {"X-Jszg-Test-Now": str(int(time.time()) + 1900)}
    for rt in protected(env):
        if not is_staff(env, rt["pattern"]):
            continue
        path = concrete(rt["pattern"], world.values(rt["pattern"]))
        if rt["method"] == "GET":
            r = st.get(path, headers=later)
        else:
            r = st.post(path, headers=later)
        assert refused(r, True), (path, r.status_code)
    # the session is gone for good, not only for that clock
    world.staff.pop("dc-reviewer")
    r = st.get("/admin/api/me")
    assert r.status_code == 401


def test_staff_session_on_applicant_side(env, world):
    st = world.staff_session("sysadmin")
    n = 0
    for rt in protected(env):
        if is_staff(env, rt["pattern"]):
            continue
        path = concrete(rt["pattern"], world.values(rt["pattern"]))
        r = send(env, st.s, rt, path)
        assert refused(r, False), (path, r.status_code)
        n += 1
    # the staff token sent as the applicant's cookie is no session either
    token = st.s.cookies.get("jszg_admin")
    assert token
    s = env.session()
    s.cookies.set("jszg_sid", token)
    assert refused(env.get("/account", s), False)
    assert env.get("/api/v1/account", s).status_code == 401
    assert n > 30


def test_applicant_session_on_staff_side(env, world):
    n = 0
    for rt in protected(env):
        if not is_staff(env, rt["pattern"]):
            continue
        s = env.login_as(OWNER)
        path = concrete(rt["pattern"], world.values(rt["pattern"]))
        r = send(env, s, rt, path)
        assert refused(r, True), (path, r.status_code)
        n += 1
    s = env.login_as(OWNER)
    s.cookies.set("jszg_admin", s.cookies.get("jszg_sid"))
    assert refused(env.get("/admin/", s), True)
    assert env.get("/admin/api/me", s).status_code == 401
    assert n > 30


# ---- IDOR -----------------------------------------------------------------

def regno_routes(env):
    return [rt for rt in routes(env) if "{regno}" in rt["pattern"]]


def test_owner_reaches_own_records(env, world):
    """The positive control: the refusals below are not a broken page."""
    s = env.login_as(OWNER)
    for rt in regno_routes(env):
        if rt["method"] != "GET":
            continue
        path = concrete(rt["pattern"], {"regno": world.reg_no})
        r = env.get(path, s)
        assert r.status_code == 200, (path, r.status_code)


def test_other_applicants_regno_refused_and_logged(env, world):
    s = env.login_as(OTHER)
    before = snapshot(env)
    for rt in regno_routes(env):
        path = concrete(rt["pattern"], {"regno": world.reg_no})
        env.mark_log()
        r = send(env, s, rt, path, data={"version": "1", "address": "x"})
        assert r.status_code in (403, 404), (rt["method"], path,
                                             r.status_code)
        assert world.reg_no not in r.text, path
        logged = [ln for ln in log_since(env)
                  if world.reg_no in ln and "account %d" % OTHER in ln]
        assert logged, ("IDOR attempt not in the error log", rt["method"],
                        path)
    assert snapshot(env) == before


# Staff who must not see application world.app_id (institution 2, point
# 201): another institution's reviewer and point, another province, and
# another point of the same institution.
OUT_OF_SCOPE = ["xc-reviewer", "xc-point", "hb-province", "dc-point2",
                "wh-reviewer"]
IN_SCOPE = ["dc-reviewer", "dc-point", "bj-province", "sysadmin"]


def app_routes(env):
    return [rt for rt in routes(env) if re.match(r"^/admin/(api/)?apps/\{id\}",
                                                 rt["pattern"])]


def test_staff_in_scope_see_the_application(env, world):
    for user in IN_SCOPE:
        st = world.staff_session(user)
        for rt in app_routes(env):
            if rt["method"] == "GET":
                path = concrete(rt["pattern"], {"id": world.app_id})
                assert st.get(path).status_code == 200, (user, path)


def test_staff_out_of_scope_refused_and_audited(env, world):
    before = snapshot(env)
    for user in OUT_OF_SCOPE:
        st = world.staff_session(user)
        for rt in app_routes(env):
            path = concrete(rt["pattern"], {"id": world.app_id})
            audits = int(env.sql("SELECT COUNT(*) FROM audit_log"))
            env.mark_log()
            if rt["method"] == "GET":
                r = st.get(path)
            else:
                r = st.post(path, data={"result": "complete",
                                        "decision": "注册合格"})
            assert r.status_code in (403, 404), (user, rt["method"], path,
                                                 r.status_code)
            assert world.reg_no not in r.text, (user, path)
            logged = [ln for ln in log_since(env) if "denied" in ln
                      and user in ln]
            audited = int(env.sql("SELECT COUNT(*) FROM audit_log")) > audits
            assert logged or audited, ("not logged", user, path)
    assert snapshot(env) == before


def test_staff_out_of_scope_other_objects(env, world):
    """Windows and 注意事项 of 东城 (北京) for 湖北's province admin; the
    实名 reviews and the audit log for anyone but the system admin."""
    hb = world.staff_session("hb-province")
    for path in ("/admin/windows/%s" % world.window_id,
                 "/admin/institutions/2/notes"):
        assert hb.get(path).status_code in (403, 404), path
    before = snapshot(env)
    r = hb.post("/admin/windows/%s/delete" % world.window_id)
    assert r.status_code in (403, 404)
    r = hb.post("/admin/institutions/2/notes", data={"notes": "hb"})
    assert r.status_code in (403, 404)
    assert snapshot(env) == before
    for user in ("bj-province", "dc-reviewer", "dc-point"):
        st = world.staff_session(user)
        for path in ("/admin/reviews/identity", "/admin/audit",
                     "/admin/audit.csv", "/admin/api/audit",
                     "/admin/reviews/identity/%s" % world.review_id,
                     "/admin/reviews/identity/%s/front" % world.review_id):
            assert st.get(path).status_code in (403, 404), (user, path)


# ---- roles over the whole table --------------------------------------------

# One staff member of each role (sql/seed/400_staff.sql), all in 东城's scope.
ROLE_USERS = {"point": "dc-point", "institution": "dc-reviewer",
              "province": "bj-province", "system": "sysadmin"}


def test_every_staff_route_refuses_the_roles_it_does_not_name(env, world):
    """Each /admin route's role rule (JSZG_STAFF(...) in the route table,
    "staff:<roles>" in /dev/routes) is what the guard enforces: a staff
    member of any other role gets 403 before the handler runs, on pages,
    the API and POSTs alike (a new route is covered by being in the
    table).  Nothing changes."""
    before = snapshot(env)
    n = 0
    for rt in routes(env):
        access = rt["access"]
        if not access.startswith("staff:"):
            continue
        allowed = set(access[len("staff:"):].split(","))
        path = concrete(rt["pattern"], world.values(rt["pattern"]))
        for role, user in ROLE_USERS.items():
            if role in allowed:
                continue
            st = world.staff_session(user)
            r = st.get(path) if rt["method"] == "GET" else st.post(path)
            assert r.status_code == 403, (user, rt["method"], path,
                                          r.status_code)
            n += 1
    assert n > 100
    assert snapshot(env) == before


def test_bulk_decision_outside_the_scope(env, world):
    """The bulk decision, page and JSON twin, by another 注册机构's
    reviewer: world's 待注册审批 application reads as not found, exactly
    like a 报名号 that does not exist, the attempt is logged and audited,
    and nothing changes."""
    reg = env.sql("SELECT reg_no FROM applications WHERE id = %s"
                  % world.queued_app)
    missing = "20261101019999990"
    before = snapshot(env)
    for user in ("xc-reviewer", "wh-reviewer"):
        st = world.staff_session(user)
        env.mark_log()
        r = st.post("/admin/api/queue/decide",
                    data={"reg_no": [reg, missing], "conclusion": "注册合格"})
        assert r.status_code == 200, (user, r.status_code, r.text)
        b = r.json()
        assert b["saved"] == []
        f1, f2 = b["failures"]
        assert (f1["reg_no"], f2["reg_no"]) == (reg, missing)
        assert f1["code"] == f2["code"] == "not_found"
        assert f1["message"] == f2["message"]
        assert [ln for ln in log_since(env) if "denied" in ln and user in ln]
        r = st.post("/admin/queue/decide",
                    data={"id": world.queued_app, "conclusion": "注册合格"})
        assert r.status_code == 409 and "未找到该报名" in r.text, user
        assert reg not in r.text
    assert snapshot(env) == before


# ---- worklists and search (jszg_admin_lists.c) ------------------------------

# Every list route, with a query that finds world's application (张伟, 东城
# 交道口, 网报待确认) when the staff member may see it.  A new list route
# must be added here (the test fails on one it does not know).
LIST_QUERIES = {
    "/admin/worklist": "?name=张伟",
    "/admin/worklist/print": "?name=张伟",
    "/admin/worklist.csv": "?name=张伟",
    "/admin/api/worklist": "?name=张伟",
    "/admin/search": "?q=张伟",
    "/admin/api/search": "?q=张伟",
    "/admin/decided": "",
    "/admin/decided.csv": "",
    "/admin/decided/publicity": "",
    "/admin/api/decided": "",
}
# The roles that may open the decided lists (not a 确认点).
DECIDED_USERS = {"dc-reviewer", "bj-province", "sysadmin", "xc-reviewer",
                 "hb-province", "wh-reviewer"}


def test_lists_keep_every_role_in_scope(env, world):
    lists = [rt for rt in routes(env) if re.match(
        r"^/admin/(api/)?(worklist|search|decided)", rt["pattern"])]
    assert {rt["pattern"] for rt in lists} == set(LIST_QUERIES)
    before = snapshot(env)
    for user in IN_SCOPE + OUT_OF_SCOPE:
        st = world.staff_session(user)
        for rt in lists:
            pat = rt["pattern"]
            assert rt["method"] == "GET", pat
            r = st.get(pat + LIST_QUERIES[pat])
            if "decided" in pat and user not in DECIDED_USERS:
                assert r.status_code == 403, (user, pat, r.status_code)
                continue
            assert r.status_code == 200, (user, pat, r.status_code)
            if "decided" in pat:
                continue        # world's application is not decided
            if user in IN_SCOPE:
                assert world.reg_no in r.text, (user, pat)
            else:
                assert world.reg_no not in r.text, (user, pat)
    assert snapshot(env) == before


# ---- administration (issue 14) ----------------------------------------------

ADMIN_X = re.compile(r"^/admin/(api/)?(institutions|points|staff|windows)"
                     r"(/|$)")


def admin_x_routes(env):
    return [rt for rt in routes(env) if ADMIN_X.match(rt["pattern"])
            and not rt["pattern"].endswith("/notes")]


def admin_x_state(env):
    return env.sql(
        "SELECT 'i:' || id || ':' || active || ':' || name || ':' || code "
        "|| ':' || stages FROM institutions UNION ALL "
        "SELECT 'p:' || id || ':' || institution_id || ':' || active || ':' "
        "|| name FROM confirmation_points UNION ALL "
        "SELECT 's:' || id || ':' || active || ':' || role || ':' || "
        "COALESCE(institution_id, 0) || ':' || must_change_password || ':' "
        "|| password_hash || ':' || name FROM staff UNION ALL "
        "SELECT 'w:' || id || ':' || institution_id || ':' || starts || ':' "
        "|| ends FROM windows ORDER BY 1")


# a save aimed at 北京's objects: the id of the target row
ADMIN_X_TARGET = {
    "institutions": {"id": "2", "code": "110101301", "name": "x",
                     "level": "县级", "region_code": "420102",
                     "stages": "小学"},
    "points": {"id": "201", "institution_id": "2", "name": "x",
               "scope": "x", "address": "x", "hours": "x"},
    "staff": {"id": "4", "name": "x", "role": "institution",
              "institution_id": "2"},
    "windows": {"institution_id": "2", "cycle_year": "2026",
                "starts": "2026-11-01 09:00", "ends": "2026-12-20 17:00"},
}


def test_administration_routes_by_role(env, world):
    """Every route of the administration: refused to 确认点 and 注册机构
    staff whatever the object, and to 湖北's admin for 北京's objects
    (the target row's scope, not only the values sent); 北京's admin and
    the system admin reach them.  Nothing changes."""
    rts = admin_x_routes(env)
    assert len(rts) >= 30, [rt["pattern"] for rt in rts]
    before = admin_x_state(env)
    for user in ("dc-reviewer", "dc-point", "hb-province"):
        st = world.staff_session(user)
        for rt in rts:
            pat = rt["pattern"]
            path = concrete(pat, world.values(pat))
            if path == "/admin/points/new":
                path += "?institution_id=2"
            if rt["method"] == "GET":
                r = st.get(path)
                if user == "hb-province" and "{id}" not in pat \
                        and "?" not in path:
                    assert r.status_code == 200, (user, path)   # lists
                    continue
            else:
                kind = ADMIN_X.match(pat).group(2)
                data = dict(ADMIN_X_TARGET[kind], active="0",
                            password="Temp@2026x", confirm="Temp@2026x")
                r = st.post(path, data=data)
            assert r.status_code in (403, 404), (user, rt["method"], path,
                                                 r.status_code)
    assert admin_x_state(env) == before
    for user in ("bj-province", "sysadmin"):
        st = world.staff_session(user)
        for rt in rts:
            if rt["method"] != "GET":
                continue
            path = concrete(rt["pattern"], world.values(rt["pattern"]))
            if path.startswith("/admin/points/new"):
                path += "?institution_id=2"
            assert st.get(path).status_code == 200, (user, path)
