"""A throwaway PostgreSQL cluster for the test run.

With JSZG_TEST_PGDSN set (a libpq conninfo such as
"host=127.0.0.1 port=5432 user=postgres"), that server is used and only a
fresh database is created in it.  Otherwise a cluster is initdb'ed in a
temp directory and started on a free loopback port, and removed at the end.
"""
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time

from ports import free_port


def _pg_bin(name):
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/" + name))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found "
                           "(apt-get install postgresql)")
    return found[-1]


class PgCluster:
    def __init__(self):
        self.dsn_base = os.environ.get("JSZG_TEST_PGDSN")
        self.datadir = None
        self.port = None
        self.owned = self.dsn_base is None

    # Run a server binary as the cluster owner (initdb refuses root).
    def _as_owner(self, argv, **kw):
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        return subprocess.run(argv, check=True, capture_output=True,
                              text=True, **kw)

    def start(self):
        if not self.owned:
            return self
        self.tmp = tempfile.mkdtemp(prefix="jszg-pg-")
        os.chmod(self.tmp, 0o755)
        self.datadir = os.path.join(self.tmp, "data")
        self.sockdir = self.tmp
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.tmp, pw.pw_uid, pw.pw_gid)
        self._as_owner([_pg_bin("initdb"), "-D", self.datadir, "-U",
                        "postgres", "--auth=trust", "-E", "UTF8",
                        "--locale=C.UTF-8"])
        self.port = free_port()
        self._as_owner([_pg_bin("pg_ctl"), "-D", self.datadir, "-w", "-l",
                        os.path.join(self.tmp, "pg.log"), "-o",
                        "-p %d -k %s -c listen_addresses=127.0.0.1 "
                        "-c fsync=off -c max_connections=200"
                        % (self.port, self.sockdir), "start"])
        self.dsn_base = "host=127.0.0.1 port=%d user=postgres" % self.port
        return self

    def stop_server(self):
        """Stop the server (the 'database down' tests)."""
        self._as_owner([_pg_bin("pg_ctl"), "-D", self.datadir, "-w", "-m",
                        "fast", "stop"])

    def start_server(self):
        self._as_owner([_pg_bin("pg_ctl"), "-D", self.datadir, "-w", "-l",
                        os.path.join(self.tmp, "pg.log"), "-o",
                        "-p %d -k %s -c listen_addresses=127.0.0.1 "
                        "-c fsync=off -c max_connections=200"
                        % (self.port, self.sockdir), "start"])

    def create_db(self, name):
        # WITH (FORCE): another env's SQL shell (jszg_env.SqlShell) may
        # still be connected; it reconnects at its next statement
        self.psql("postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE)"
                  % name)
        self.psql("postgres", "CREATE DATABASE %s ENCODING 'UTF8' "
                  "TEMPLATE template0" % name)
        return "%s dbname=%s" % (self.dsn_base, name)

    def psql(self, db, sql):
        out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v",
                              "ON_ERROR_STOP=1", "%s dbname=%s"
                              % (self.dsn_base, db), "-c", sql],
                             check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def destroy(self):
        if self.owned and self.datadir:
            try:
                self.stop_server()
            except subprocess.CalledProcessError:
                pass
            shutil.rmtree(self.tmp, ignore_errors=True)


def wait_port(port, timeout=10):
    import socket
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False
