"""pytest fixtures: the whole HTTP suite runs once on SQLite and once on
PostgreSQL (parametrized session fixture `env`)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from jszg_env import JszgEnv  # noqa: E402
from pgcluster import PgCluster  # noqa: E402
import openapi_check  # noqa: E402
from test_account_lib import day_safe_clocks  # noqa: E402,F401 (autouse)

ENGINES = os.environ.get("JSZG_TEST_ENGINES", "sqlite,pgsql").split(",")


@pytest.fixture(scope="session")
def pg():
    if "pgsql" not in ENGINES:
        yield None
        return
    cluster = PgCluster().start()
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session", params=ENGINES)
def env(request, pg):
    e = JszgEnv(request.param, pg)
    e.create_db()
    e.start()
    yield e
    e.stop()


@pytest.fixture(autouse=True)
def _check_error_log(request):
    """Fail a test on any error/warning in the error log it did not
    declare as expected (httpd trunk test/conftest.py does the same)."""
    if "env" not in request.fixturenames:
        yield
        return
    e = request.getfixturevalue("env")
    e.mark_log()
    openapi_check.take_failures()
    yield
    bad = e.unexpected_log_lines()
    assert not bad, "unexpected error log lines:\n" + "\n".join(bad)
    wrong = openapi_check.take_failures()
    assert not wrong, ("answers that do not match docs/openapi.yaml:\n"
                       + "\n".join(wrong))
