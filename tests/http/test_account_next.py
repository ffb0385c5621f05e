"""After a login required by a page, the applicant goes back to that page
(the ?next= of the login redirect), never to another site."""
from test_account_lib import (DEMO_PASSWORD, Clock, ClockSession, csrf_of,
                              insert_account, solve_page)


def _login_from(env, s, login_page, login_name):
    r = env.get(login_page, s)
    assert r.status_code == 200
    csrf = csrf_of(r.text)
    data = {"_csrf": csrf, "login": login_name, "password": DEMO_PASSWORD}
    data.update(solve_page(env, s, r.text))
    nxt = 'name="next" value="'
    if nxt in r.text:
        start = r.text.index(nxt) + len(nxt)
        data["next"] = r.text[start:r.text.index('"', start)].replace(
            "&amp;", "&")
    return env.post("/login", s, data=data)


def test_login_returns_to_the_page_that_asked(env):
    s = ClockSession(Clock())
    acct = insert_account(env)
    r = env.get("/platform/dqzc/records", s)
    assert r.status_code == 303
    assert r.headers["Location"] == "/login?next=%2Fplatform%2Fdqzc%2Frecords"
    r = _login_from(env, s, r.headers["Location"], acct[1])
    assert r.status_code == 303
    assert r.headers["Location"] == "/platform/dqzc/records"


def test_account_page_login_comes_back(env):
    """个人信息中心 pages are login-only routes like the others: a
    logged-out visitor goes to /login?next=<the page> and, once logged in
    through the form, lands on that page."""
    s = ClockSession(Clock())
    acct = insert_account(env)
    r = env.get("/account/phone", s)
    assert r.status_code == 303
    assert r.headers["Location"] == "/login?next=%2Faccount%2Fphone"
    assert "no-store" in r.headers["Cache-Control"]
    r = _login_from(env, s, r.headers["Location"], acct[1])
    assert r.status_code == 303
    assert r.headers["Location"] == "/account/phone"
    r = env.get(r.headers["Location"], s)
    assert r.status_code == 200
    assert "修改手机号码" in r.text


def test_login_next_never_leaves_the_site(env):
    for bad in ("//evil.example/", "https://evil.example/",
                "/%5Cevil.example", "/login", "javascript:alert(1)"):
        s = ClockSession(Clock())
        acct = insert_account(env)
        r = _login_from(env, s, "/login?next=%s" % bad, acct[1])
        assert r.status_code == 303, bad
        assert r.headers["Location"] in ("/account", "/platform"), \
            (bad, r.headers["Location"])
