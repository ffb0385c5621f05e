"""Fault tests (issue 8): PostgreSQL restarted under load, an httpd child
killed in a submission, an unwritable upload directory, graceful restarts
under load.

The harness of tests/http is reused (JszgEnv, PgCluster); each fault test
gets its own server root (build/fault-<engine>-<mpm>) and database
(jszg_fault_*), so that the fault suite can run beside the HTTP suite.
"""
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "http"))
import jszg_env  # noqa: E402
from jszg_env import JszgEnv, TOP  # noqa: E402
from pgcluster import PgCluster  # noqa: E402
import openapi_check  # noqa: E402

ENGINES = os.environ.get("JSZG_TEST_ENGINES", "sqlite,pgsql").split(",")


class FaultEnv(JszgEnv):
    """A JszgEnv with its own root, database name and a private copy of
    the module (a graceful restart reloads the .so: a concurrent `make`
    must not swap it under a running test).  Its SQL goes through a
    process per statement, as an operator's psql would: the faults stop,
    kill and fail over the database under it."""

    SQL_SHELL = False

    def __init__(self, engine, pg=None, mpm="event"):
        super().__init__(engine, pg, mpm)
        self.root = jszg_env.build_root("fault-%s-%s" % (engine, mpm))

    def create_db(self):
        self.close_sql()
        jszg_env.release_sqlite(os.path.join(self.root, "db", "jszg.db"))
        if os.path.exists(self.root):
            shutil.rmtree(self.root)
        os.makedirs(os.path.join(self.root, "db"))
        self.module = os.path.join(self.root, "mod_jszg.so")
        shutil.copy2(jszg_env.MODULE, self.module)
        if self.engine == "sqlite":
            self.dbfile = os.path.join(self.root, "db", "jszg.db")
            self.dbd = ("sqlite3", self.dbfile)
            subprocess.run([os.path.join(TOP, "sql", "apply.sh"), "sqlite",
                            self.dbfile, "--seed"], check=True,
                           capture_output=True)
        else:
            dsn = self.pg.create_db("jszg_fault_%s" % self.mpm)
            self.dbd = ("pgsql", dsn)
            subprocess.run([os.path.join(TOP, "sql", "apply.sh"), "pgsql",
                            dsn, "--seed"], check=True, capture_output=True)

    def write_config(self, extra="", mpm=None, mode="dev"):
        import mkroot
        self.port = self.port or jszg_env.free_port()
        return mkroot.write_root(self.root, self.port, self.module,
                                 self.dbd[0], self.dbd[1], mpm or self.mpm,
                                 "info", extra, mode=mode,
                                 check=True)


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
    e = FaultEnv(request.param, pg)
    e.create_db()
    e.start()
    yield e
    e.stop()


@pytest.fixture(autouse=True)
def _check_error_log(request):
    """As in tests/http: any warning or error the test did not declare
    fails it (a crashed child is always undeclared)."""
    if "env" not in request.fixturenames:
        yield
        return
    e = request.getfixturevalue("env")
    e.mark_log()
    openapi_check.take_failures()
    yield
    bad = e.unexpected_log_lines()
    assert not bad, "unexpected error log lines:\n" + "\n".join(bad)
    # the answers given in an outage are the API's too (503 Unavailable)
    wrong = openapi_check.take_failures()
    assert not wrong, ("answers that do not match docs/openapi.yaml:\n"
                       + "\n".join(wrong))
