"""CSRF beyond test_routes.py (issue 8): a token of another session is
refused on every state-changing route, login CSRF (a cross-site POST to
the login forms without the anonymous cookie's token), the back office's
token bound to the staff session, and open redirects through `next`."""
import re
import urllib.parse

import pytest

from sec_lib import World, concrete, routes
from test_account_lib import Clock, ClockSession, login
from test_admin_support import STAFF_PASSWORD


@pytest.fixture(scope="module")
def world(env):
    return World(env)


def csrf_routes(env):
    return [rt for rt in routes(env) if rt["method"] == "POST"
            and rt["csrf"]]


def test_token_of_another_session_refused(env, world):
    """Every checked POST route: session A's cookie with session B's
    token (a token an attacker got for their own browser) → 403."""
    attacker = env.session()
    token = env.csrf(attacker)
    n = 0
    for rt in csrf_routes(env):
        victim = env.login_as(1)
        env.csrf(victim)            # the victim has a token of their own
        path = concrete(rt["pattern"], world.values(rt["pattern"]))
        r = env.post(path, victim, data={"_csrf": token},
                     headers={"X-CSRF-Token": token,
                              "Origin": "https://evil.example"})
        assert r.status_code == 403, (path, r.status_code)
        n += 1
    assert n > 40


def test_login_csrf(env):
    """A cross-site form posting a login (to log the victim into the
    attacker's account): no token, a forged one, or the attacker's own."""
    attacker = env.session()
    attacker_token = env.csrf(attacker)
    cases = [{}, {"_csrf": "forged"}, {"_csrf": attacker_token}]
    forms = {"/login": {"login": "110101198503151235",
                        "password": "Jszg@2026"},
             "/admin/login": {"username": "sysadmin",
                              "password": STAFF_PASSWORD},
             "/register": {"id_number": "110101199001011234"},
             "/api/v1/login": {"login": "110101198503151235",
                               "password": "Jszg@2026"}}
    for path, fields in forms.items():
        for extra in cases:
            victim = env.session()
            env.get("/", victim)        # the victim's anonymous cookie
            data = dict(fields, **extra)
            r = env.post(path, victim, data=data,
                         headers={"Origin": "https://evil.example",
                                  "Referer": "https://evil.example/x"})
            assert r.status_code == 403, (path, extra, r.status_code)
            assert not any(c.name in ("jszg_admin",) and c.value
                           for c in victim.cookies), path
        # and with no cookie at all (the victim never visited)
        r = env.post(path, env.session(), data=dict(fields, _csrf="x"))
        assert r.status_code == 403, (path, r.status_code)


def test_admin_post_needs_the_staff_sessions_token(env, world):
    """Every staff POST route, with a live staff session: no token, a
    forged one, an applicant's (of a session logged in in the same
    browser), the browser's anonymous one (the login form's), another
    staff member's, in the field or the header → 403 csrf, nothing
    changes, still logged in."""
    import json
    st = world.staff_session("dc-point")
    other = world.staff_session("sysadmin")
    before = env.sql("SELECT status FROM applications WHERE id = %s"
                     % world.app_id)
    anon = env.csrf(st.s)
    # the same browser, logged in as an applicant too
    applicant = env.login_as(1)
    st.s.cookies.set("jszg_sid", applicant.cookies.get("jszg_sid"))
    applicant_token = env.csrf(st.s)
    assert applicant_token == env.csrf(applicant) != anon
    bad_tokens = {"none": None, "empty": "", "forged": "x" * 43,
                  "applicant": applicant_token, "anonymous": anon,
                  "other staff": other.csrf}
    n = 0
    for rt in csrf_routes(env):
        if not rt["pattern"].startswith("/admin/") or \
                rt["pattern"] in ("/admin/login",):
            continue
        path = concrete(rt["pattern"], world.values(rt["pattern"]))
        for what, tok in bad_tokens.items():
            data = {"result": "complete"}
            headers = {}
            if tok is not None:
                if rt["api"]:
                    headers["X-CSRF-Token"] = tok
                else:
                    data["_csrf"] = tok
            r = env.post(path, st.s, data=data, headers=headers)
            assert r.status_code == 403, (path, what, r.status_code)
            if rt["api"]:
                assert json.loads(r.text)["error"]["code"] == "csrf", \
                    (path, what)
            n += 1
    assert n > 6 * 20
    assert env.sql("SELECT status FROM applications WHERE id = %s"
                   % world.app_id) == before
    # the right token still works: the staff session is alive
    assert env.get("/admin/api/me", st.s).status_code == 200
    r = env.get("/admin/api/csrf", st.s)
    assert r.json()["csrf"] == st.csrf and "admin_csrf" not in r.json()
    del st.s.cookies["jszg_sid"]


# ---- open redirect ------------------------------------------------------

EVIL_NEXT = ["//evil.example", "https://evil.example",
             "http://evil.example/admin/", "/\\evil.example",
             "\\\\evil.example", "javascript:alert(1)",
             "/admin/\\evil.example", "/admin//evil.example",
             "/\t/evil.example", " //evil.example",
             "/admin/\r\nSet-Cookie: pwned=1", "/%2F%2Fevil.example",
             "/admin/../..//evil.example", "data:text/html,<script>"]


def assert_local(loc, what):
    assert loc, what
    assert loc.startswith("/"), (what, loc)
    assert loc[1:2] not in ("/", "\\"), (what, loc)
    assert not re.search(r"[\x00-\x20\x7f\\]", loc), (what, loc)
    u = urllib.parse.urlsplit(urllib.parse.urljoin("http://127.0.0.1/",
                                                   loc))
    assert u.netloc == "127.0.0.1" and u.scheme == "http", (what, loc)


def test_admin_login_next_never_leaves_the_site(env):
    s = env.session()
    for nxt in EVIL_NEXT:
        # the login page keeps only a safe next in its form
        r = env.get("/admin/login", s, params={"next": nxt})
        assert r.status_code == 200
        m = re.search(r'name="next"[^>]*value="([^"]*)"', r.text) or \
            re.search(r'value="([^"]*)"[^>]*name="next"', r.text)
        if m:
            assert_local(m.group(1), ("form", nxt))
    # a real login with each next (the lockout counts failures only)
    st = env.session()
    for nxt in EVIL_NEXT:
        # the token of the back office for this browser: the login
        # form's (anonymous) at first, then the staff session's
        r = env.get("/admin/api/csrf", st)
        token = r.json()["csrf"] if r.status_code == 200 else env.csrf(st)
        r = env.post("/admin/login", st, data={
            "_csrf": token, "username": "sysadmin",
            "password": STAFF_PASSWORD, "next": nxt})
        assert r.status_code == 303, (nxt, r.status_code)
        assert_local(r.headers.get("Location"), ("login", nxt))
        assert "pwned" not in str(r.headers)
        # logged in: GET /admin/login?next= redirects at once
        r = env.get("/admin/login", st, params={"next": nxt})
        assert r.status_code in (200, 303)
        if r.status_code == 303:
            assert_local(r.headers.get("Location"), ("logged in", nxt))


def test_applicant_login_next_never_leaves_the_site(env):
    s = ClockSession(Clock())
    for nxt in EVIL_NEXT[:6]:
        s.cookies.clear()
        r = env.get("/login", s, params={"next": nxt})
        assert r.status_code == 200
        assert "evil.example" not in r.headers.get("Location", "")
        r = login(env, s, "110101198503151235")
        assert r.status_code == 303, r.text[:300]
        assert_local(r.headers.get("Location"), ("applicant login", nxt))
    # the redirect a protected page makes to the login page is local too
    r = env.get("//evil.example/account")
    if r.status_code == 303:
        assert_local(r.headers.get("Location"), "protected page")
