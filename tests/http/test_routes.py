"""Properties of the whole route table (read from /dev/routes, dev mode):
a new route that changes state without CSRF fails here."""
import re

# POST routes allowed without a CSRF token: they change nothing.
NO_CSRF_ALLOWED = {"/_error"}


def _routes(env):
    r = env.get("/dev/routes")
    assert r.status_code == 200
    return r.json()["routes"]


def _concrete(pattern):
    return re.sub(r"\{[^}]+\}", "1", pattern)


def test_every_post_route_checks_csrf(env):
    routes = _routes(env)
    posts = [rt for rt in routes if rt["method"] == "POST"]
    assert posts
    for rt in posts:
        if not rt["csrf"]:
            assert rt["pattern"] in NO_CSRF_ALLOWED, rt
            continue
        s = env.session()
        r = env.post(_concrete(rt["pattern"]), s, data={"x": "1"})
        assert r.status_code == 403, (rt, r.status_code)
        if rt["api"] or rt["pattern"].startswith("/api/"):
            assert r.json()["error"]["code"] == "csrf"


def test_every_get_route_answers_without_crashing(env):
    """Every GET route with placeholder ids answers with a page, a JSON
    body or a redirect: never a 500."""
    for rt in _routes(env):
        if rt["method"] != "GET":
            continue
        for value in ("1", "0", "999999999", "abc", "'%20OR%201=1--"):
            path = re.sub(r"\{[^}]+\}", value, rt["pattern"])
            r = env.get(path)
            assert r.status_code < 500, (path, r.status_code)


def test_routes_listing_is_dev_only(env):
    env.restart("JszgMode production", test_clock=False)
    try:
        assert env.get("/dev/routes").status_code == 404
    finally:
        env.restart()


# The back office's only routes without a staff rule: the login form.
ADMIN_PUBLIC = {("GET", "/admin/login"), ("POST", "/admin/login")}
ROLES = {"point", "institution", "province", "system"}


def test_every_admin_route_has_a_staff_rule(env):
    """Who may call an /admin route is said in the route table
    (JSZG_STAFF(roles)), so a new back-office route cannot be added
    without one: the guard in jszg_handle runs before its handler."""
    n = 0
    for rt in _routes(env):
        pat = rt["pattern"]
        if not (pat == "/admin" or pat.startswith("/admin/")):
            assert not rt["access"].startswith("staff:"), rt
            continue
        if (rt["method"], pat) in ADMIN_PUBLIC:
            assert rt["access"] == "public", rt
            continue
        kind, _, roles = rt["access"].partition(":")
        assert kind == "staff", rt
        assert roles and set(roles.split(",")) <= ROLES, rt
        n += 1
    assert n > 80
    access = {(rt["method"], rt["pattern"]): rt["access"]
              for rt in _routes(env)}
    assert access[("GET", "/admin/audit")] == "staff:system"
    assert access[("POST", "/admin/apps/{id}/confirm")] == \
        "staff:point,system"
    assert access[("GET", "/admin/api/me")] == \
        "staff:point,institution,province,system"
    # the few a staff member whose password awaits a change may use
    pending = {(rt["method"], rt["pattern"]) for rt in _routes(env)
               if rt["password_pending"]}
    assert pending == {("GET", "/admin/password"),
                       ("POST", "/admin/password"),
                       ("POST", "/admin/api/password"),
                       ("POST", "/admin/logout"),
                       ("GET", "/admin/api/csrf"), ("GET", "/admin/api/me")}


def test_staff_route_refuses_applicant_and_anonymous(env):
    """A staff route refuses a logged-in applicant exactly as it refuses
    an anonymous caller: a page goes to the staff login, the admin API
    and a form POST (with the back office's token for this browser, the
    login form's) answer 401 admin_login_required.  The applicant's own
    token is not valid on a staff route: 403 csrf."""
    from test_account_lib import field
    applicant = env.login_as(1)
    for s in (env.session(), applicant):
        r = env.get("/admin/queue?status=x", s)
        assert r.status_code in (302, 303), r.status_code
        assert r.headers["Location"].lower() == \
            "/admin/login?next=%2fadmin%2fqueue%3fstatus%3dx"
        r = env.get("/admin/api/me", s)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "admin_login_required"
        token = field(env.get("/admin/login", s).text, "_csrf")
        r = env.post("/admin/apps/1/confirm", s,
                     data={"_csrf": token, "complete": "1"},
                     headers={"X-CSRF-Token": token})
        assert r.status_code == 401, r.status_code
        assert "您尚未登录管理系统" in r.text
    token = env.csrf(applicant)
    r = env.post("/admin/apps/1/confirm", applicant,
                 data={"_csrf": token, "complete": "1"})
    assert r.status_code == 403 and "<code>csrf</code>" in r.text
