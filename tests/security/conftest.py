"""Fixtures of the security suite: the HTTP harness of tests/http (a real
httpd with the built module, SQLite then PostgreSQL), on a server root of
its own (build/test-security-<engine>) so that it can run beside
`make http-test`."""
import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
HTTP = os.path.join(os.path.dirname(HERE), "http")
sys.path.insert(0, HTTP)
sys.path.insert(0, HERE)

# tests/http/conftest.py under another module name (ours is "conftest")
_spec = importlib.util.spec_from_file_location(
    "jszg_http_conftest", os.path.join(HTTP, "conftest.py"))
_http = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_http)

import jszg_env  # noqa: E402
from jszg_env import TOP, JszgEnv  # noqa: E402
from test_account_lib import day_safe_clocks  # noqa: E402,F401 (autouse)

# JSZG_TEST_MODULE=/path/mod_jszg.so runs the suite against another build
# (e.g. an ASan+UBSan one, with JSZG_SANITIZE=1) than .libs/mod_jszg.so.
jszg_env.MODULE = os.environ.get("JSZG_TEST_MODULE", jszg_env.MODULE)

pg = _http.pg
_check_error_log = _http._check_error_log
ENGINES = _http.ENGINES


class SecurityEnv(JszgEnv):
    """JszgEnv on its own server root and database name."""

    def __init__(self, engine, pg=None):
        super().__init__(engine, pg)
        self.root = jszg_env.build_root("test-security-%s" % engine)

    def create_db(self):
        if self.engine == "sqlite":
            return super().create_db()
        if os.path.exists(self.root):
            shutil.rmtree(self.root)
        os.makedirs(os.path.join(self.root, "db"))
        dsn = self.pg.create_db("jszg_test_security")
        self.dbd = ("pgsql", dsn)
        subprocess.run([os.path.join(TOP, "sql", "apply.sh"), "pgsql",
                        dsn, "--seed"], check=True, capture_output=True)


@pytest.fixture(scope="session", params=ENGINES)
def env(request, pg):
    e = SecurityEnv(request.param, pg)
    e.create_db()
    e.start()
    yield e
    e.stop()
