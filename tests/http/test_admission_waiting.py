"""The waiting page (issue 17): Retry-After and the JSON's retry_after
agree, the icon and the page's own assets do not go through the gate, the
estimate follows the queue, the site's header is shown.

As tests/http/test_admission.py: the server is held full by POSTs whose
body never comes, and every change is awaited on the status handler.
"""
import re
import time

import pytest

from test_admission import (OPEN, config, hold_full, position, queued,
                            release, status, wait_for)


@pytest.fixture(scope="module", autouse=True)
def _restore(env):
    yield
    env.restart("")


@pytest.fixture(autouse=True)
def _close_holds():
    yield
    while OPEN:
        OPEN.pop().close()


@pytest.fixture
def adm(env):
    env.restart(config("JszgMaxInFlight 1", "JszgClientRate off"))
    env.mark_log()
    return env


def ticket_header(r):
    return {"X-Jszg-Ticket": r.json()["queue"]["ticket"]}


def test_retry_after_agrees_with_the_body(adm):
    env = adm
    holds = hold_full(env)
    # an API client: the header says what the body says
    r = env.get("/api/v1/regions")
    assert r.status_code == 503
    assert int(r.headers["Retry-After"]) == r.json()["queue"]["retry_after"]
    # the poll says the same number
    p = env.get("/api/v1/queue", headers=ticket_header(r))
    assert p.status_code == 200 and p.json()["status"] == "waiting"
    assert p.json()["retry_after"] == r.json()["queue"]["retry_after"]
    # the page: Retry-After is its own refresh
    page = env.get("/news", env.session())
    assert queued(page)
    refresh = re.search(r'http-equiv="refresh" content="(\d+)"', page.text)
    assert page.headers["Retry-After"] == refresh.group(1)
    assert "本页面每 %s 秒自动刷新" % refresh.group(1) in page.text
    release(env, holds)


def queue_first(env):
    """With every slot held: a visitor queued first; its session and
    ticket."""
    a = env.session()
    ra = env.get("/", a)
    assert queued(ra) and position(ra) == 1
    ticket = a.cookies.get("jszg_qt")
    assert ticket
    return a, ticket


def assert_no_place_taken(env, a, ticket):
    """a keeps its ticket and first place; a newcomer is second; only the
    held slot is in flight."""
    assert a.cookies.get("jszg_qt") == ticket
    assert position(env.get("/", env.session())) == 2
    assert position(env.get("/", a)) == 1
    assert status(env)["in_flight"] == 1


def test_icon_and_assets_do_not_take_a_place(adm):
    env = adm
    holds = hold_full(env)
    a, ticket = queue_first(env)
    # the browser asks for the icon with the page's cookie, a crawler
    # without: neither is queued nor given a ticket
    for s in (a, env.session()):
        r = env.get("/favicon.ico", s)
        # the icon itself (httpd serves it, never the waiting page)
        assert r.status_code == 200, (r.status_code, r.text[:200])
        assert r.headers["Content-Type"].startswith("image/")
        assert "jszg_qt" not in r.headers.get("Set-Cookie", "")
    assert a.cookies.get("jszg_qt") == ticket
    # the page's stylesheet and script
    for path in ("/static/css/site.css", "/static/js/queue.js"):
        assert env.get(path, a).status_code == 200
    # nobody took a place in between
    assert_no_place_taken(env, a, ticket)
    release(env, holds)


# A site that lets the module answer the icon and /static too (no
# SetHandler none for them): <If> is merged after every <Location>, so
# this wins over conf/httpd.conf.in's own sections for these paths.
ASSETS_TO_JSZG = """<If "%{REQUEST_URI} =~ m#^/(favicon\\.ico$|static/)#">
    SetHandler jszg
</If>"""


def test_icon_and_assets_exempt_when_the_module_answers_them(env):
    """The same with /favicon.ico and /static/... reaching SetHandler
    jszg: the gate's own exemption (adm_asset_paths), not httpd's static
    handler, keeps them from taking a place or replacing the ticket."""
    env.restart(config("JszgMaxInFlight 1", "JszgClientRate off",
                       ASSETS_TO_JSZG))
    env.mark_log()
    holds = hold_full(env)
    a, ticket = queue_first(env)
    for s in (a, env.session()):
        for path in ("/favicon.ico", "/static/css/site.css",
                     "/static/js/queue.js"):
            r = env.get(path, s)
            # the module's own answer (no route: its 404 page), not
            # httpd's file and not the waiting page
            assert r.status_code == 404, (path, r.status_code,
                                          r.text[:200])
            assert r.headers["Content-Type"].startswith("text/html")
            assert "当前排队位置" not in r.text
            assert "jszg_qt" not in r.headers.get("Set-Cookie", ""), path
    # nobody took a place in between
    assert_no_place_taken(env, a, ticket)
    release(env, holds)


def test_waiting_page_shows_the_site_header(adm):
    env = adm
    holds = hold_full(env)
    r = env.get("/services", env.session())
    assert queued(r)
    header = re.search(r'<header class="site-header">(.*?)</header>',
                       r.text, re.S)
    assert header, r.text[:500]
    assert "中国教师资格网" in header.group(1)
    assert 'href="/"' in header.group(1)
    # before the waiting room's own content
    assert r.text.index("site-header") < r.text.index("当前排队位置")
    release(env, holds)


def test_page_asked_for_json_gets_the_documented_waiting_room(adm):
    """A page path asked with Accept: application/json (a script) gets the
    waiting room as JSON, in the document's shape (docs/openapi.yaml's
    info text; the suite's hook validates it as `Unavailable`)."""
    import openapi_check
    env = adm
    holds = hold_full(env)
    r = env.get("/news", env.session(),
                headers={"Accept": "application/json"})
    assert r.status_code == 503
    assert r.headers["Content-Type"].startswith("application/json")
    j = r.json()
    assert j["error"]["code"] == "queued" and j["queue"]["position"] == 1
    assert int(r.headers["Retry-After"]) == j["queue"]["retry_after"]
    assert openapi_check.check("GET", "/news", 503, j) is None
    # a key the document does not have would be refused
    j["queue"]["place"] = "1"
    assert openapi_check.check("GET", "/news", 503, j)
    release(env, holds)


def test_estimate_follows_the_queue(adm):
    """Three wait; the first is let in: the third's position and its
    estimated wait both go down.  The rate is measured since the first
    admission of the last minute: early in a wave, two admissions in two
    seconds are not two a minute."""
    env = adm
    holds = hold_full(env)
    a, b, c = env.session(), env.session(), env.session()
    for s in (a, b, c):
        env.get("/news", s)
    poll = {"Accept": "application/json"}
    before = env.get("/api/v1/queue", c, headers=poll).json()
    assert before["position"] == 3
    release(env, holds)
    assert env.get("/api/v1/queue", a, headers=poll).json()["status"] \
        == "admitted"
    # the admission is counted once its second is over
    t = time.time()
    time.sleep(int(t) + 1.1 - t)
    after = env.get("/api/v1/queue", c, headers=poll).json()
    assert after["status"] == "waiting" and after["position"] < 3
    assert after["estimate"] < before["estimate"], (before, after)
    # the hold and the first were let in within these few seconds: a
    # place takes about a second, not a minute over their number
    assert after["estimate"] <= after["position"] * 5, (before, after)
    wait_for(env, lambda st: st["in_flight"] == 0, "idle")
