"""The smoke part of the suite: the server starts, the home page, the
login page and one logged-in page answer.  test_checkout_paths.py runs it
again from a checkout in a private (mode 700) directory, with
JSZG_SMOKE_MARKER set to a text put into that checkout's home template and
stylesheet: the pages must come from that checkout's htdocs."""
import os

MARKER = os.environ.get("JSZG_SMOKE_MARKER")


def test_home_page(env):
    r = env.get("/")
    assert r.status_code == 200
    assert "中国教师资格网" in r.text
    if MARKER:
        assert MARKER in r.text
    css = env.get("/static/css/site.css")
    assert css.status_code == 200
    if MARKER:
        assert MARKER in css.content.decode("utf-8")


def test_login_page(env):
    r = env.get("/login")
    assert r.status_code == 200
    assert 'name="password"' in r.text


def test_logged_in_page(env):
    s = env.login_as(1)
    r = env.get("/account", s)
    assert r.status_code == 200
    name = env.sql("SELECT name FROM accounts WHERE id = 1")
    assert name and name in r.text
