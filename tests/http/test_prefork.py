"""Smoke test under the prefork MPM (estates running mod_php use it)."""
import concurrent.futures

import pytest

from jszg_env import JszgEnv


@pytest.fixture(scope="module")
def prefork():
    e = JszgEnv("sqlite", mpm="prefork")
    e.create_db()
    e.start()
    e.mark_log()
    yield e
    e.stop()


def test_prefork_serves_pages_and_sessions(prefork):
    e = prefork
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: e.get("/").status_code, range(40)))
    assert codes == [200] * 40
    s = e.session()
    r = e.post("/services/dqzc/enter", s, data={"_csrf": e.csrf(s)})
    assert r.status_code == 303
    # the session is visible from whichever child serves the next request
    for _ in range(10):
        assert e.get("/", s).status_code == 200
    assert e.get("/nope").status_code == 404
    assert not e.unexpected_log_lines()
