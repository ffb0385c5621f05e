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
