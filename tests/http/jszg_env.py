"""The test harness: a real httpd with the built mod_jszg, on a free
loopback port, in a server root built from conf/httpd.conf.in.

In the style of httpd's test/pyhttpd (used by mod_md and mod_h2): each test
may install its own config snippet and restart; after each test the new
lines of the error log are checked, and any error or warning the test did
not declare with `env.expect_log(...)` fails it.
"""
import os
import re
import select
import shutil
import subprocess
import sys
import threading
import time

import requests

from ports import free_port

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "conf"))
import mkroot  # noqa: E402

APACHE = "/usr/sbin/apache2"
MODULE = os.path.join(TOP, ".libs", "mod_jszg.so")
OUT = os.path.join(TOP, "build", "test-output")
BAD_LEVEL = re.compile(r"\[(?:[\w.]+:)?(warn|error|crit|alert|emerg)\]"
                       r"|ERROR: AddressSanitizer|runtime error:"
                       r"|Segmentation fault|exit signal")
SANITIZE = os.environ.get("JSZG_SANITIZE") == "1"


def server_environ():
    """The environment httpd runs in: with a sanitizer build of the module,
    its runtimes are preloaded (httpd itself is not instrumented)."""
    env = dict(os.environ)
    if SANITIZE:
        libs = [subprocess.run(["gcc", "-print-file-name=" + lib],
                               capture_output=True, text=True,
                               check=True).stdout.strip()
                for lib in ("libasan.so", "libubsan.so")]
        env["LD_PRELOAD"] = ":".join(libs)
        # httpd frees by pool at exit; leaks are checked with valgrind
        env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=0"
        env["UBSAN_OPTIONS"] = "print_stacktrace=1"
    return env


def build_root(name):
    """The server root build/NAME of a test server, or where it goes when
    httpd's children cannot reach the checkout (mkroot.server_root)."""
    return mkroot.server_root(os.path.join(TOP, "build", name))


def scratch_root(tmp_path, name):
    """A throwaway server root for one `apache2 -t` or start: tmp_path/NAME
    when httpd's children can reach it, else the same name under this
    checkout's shared directory (pytest makes tmp_path mode 700, and a
    checkout the children cannot reach puts its htdocs copy in the
    root)."""
    return mkroot.server_root(os.path.join(str(tmp_path), name))


_DB_HOLDERS = {}


def sqlite_shell_argv(path):
    """The sqlite3 shell on `path`, waiting up to 10 s for a lock held by
    the server (the housekeeping job writes in the background)."""
    return ["sqlite3", "-cmd", ".timeout 10000", path]


def hold_sqlite(path, user):
    """Keep a connection to the SQLite database `path` open (an idle
    SqlShell as `user`) until the test run ends.  When the last
    connection to a WAL database closes, SQLite checkpoints and removes the
    WAL under an exclusive lock; a connection opened meanwhile (a new
    child's, the housekeeping job's) fails to prepare its statements with
    "database is locked" (AH00632: apr_dbd_sqlite3 prepares without a busy
    handler).  Between tests the servers may hold none (DBDMin 0, idle
    ones expire), an env's own shell ends when its database is made again,
    and the fault suite's env.sql() is an open and a close."""
    sh = _DB_HOLDERS.get(path)
    if sh is not None and sh.p is not None and sh.p.poll() is None:
        return
    sh = SqlShell(sqlite_shell_argv(path), "sqlite", user)
    # opened at the first statement; the shell ends at EOF, when this
    # process does
    sh.run("SELECT count(*) FROM sqlite_master")
    _DB_HOLDERS[path] = sh


def release_sqlite(path):
    """End the connection hold_sqlite() keeps to `path` (before the file
    is removed and made again)."""
    sh = _DB_HOLDERS.pop(path, None)
    if sh is not None:
        sh.close()


class SqlShell:
    """A psql or sqlite3 shell kept open: env.sql() writes one statement
    and a marker line to its input and reads the output up to the marker.
    The marker tells psql's ERROR variable; the sqlite3 shell, without
    one, failed when it wrote to stderr (its message comes before the
    marker's output, unbuffered).  A psql whose server went away (a
    restart under test) ends at once, before it ran the statement: the
    statement then goes to a new shell, as a new psql -c would have."""

    END = "__jszg_sql_end__"

    def __init__(self, argv, engine, user):
        self.argv = argv
        self.engine = engine
        self.user = user
        self.lock = threading.Lock()
        self.p = None

    def _open(self):
        # line-buffered output, or the marker would wait in stdio's buffer
        self.p = subprocess.Popen(["stdbuf", "-oL"] + self.argv,
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE,
                                  encoding="utf-8", user=self.user)

    def close(self):
        if self.p is not None:
            try:
                self.p.stdin.close()
                self.p.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.p.kill()
            self.p = None

    def _stderr(self):
        """What the shell wrote to stderr so far (it is already there)."""
        fd = self.p.stderr.fileno()
        chunks = []
        while select.select([fd], [], [], 0)[0]:
            b = os.read(fd, 65536)
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks).decode("utf-8", "replace")

    def _once(self, statement):
        """(ok, output, errors), or None when the shell had ended."""
        if self.p is None or self.p.poll() is not None:
            self._open()
        if self.engine == "sqlite":
            marker = ".print %s\n" % self.END
        else:
            marker = "\\echo %s :ERROR\n" % self.END
        try:
            # the ";" on a line of its own: a last line that is a comment
            # ("-- ...") would swallow it, and the shell wait for more
            self.p.stdin.write(statement.strip().rstrip(";") + "\n;\n"
                               + marker)
            self.p.stdin.flush()
        except (BrokenPipeError, OSError):
            self.close()
            return None
        lines = []
        while True:
            line = self.p.stdout.readline()
            if not line:
                self.close()
                return None
            if line.startswith(self.END):
                break
            lines.append(line)
        err = self._stderr()
        if self.engine == "sqlite":
            ok = not err.strip()
        else:
            ok = line.split()[1:] == ["false"]
        return ok, "".join(lines).strip(), err

    def run(self, statement):
        with self.lock:
            got = self._once(statement)
            if got is None:
                got = self._once(statement)
            if got is None:
                raise subprocess.CalledProcessError(2, self.argv, "",
                                                    "the SQL shell ended")
            ok, out, err = got
            if not ok:
                raise subprocess.CalledProcessError(1, self.argv + [statement],
                                                    out, err)
            return out


def wait_for(cond, timeout=15):
    """Poll cond() every 0.2 s until it is true or timeout seconds pass;
    its last value."""
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.2)
    return cond()


class JszgEnv:
    SQL_SHELL = True        # env.sql() through a shell kept open

    def __init__(self, engine, pg=None, mpm="event"):
        self.engine = engine
        self.pg = pg
        self.mpm = mpm
        self.root = build_root("test-%s-%s" % (engine, mpm))
        self.port = None
        self.extra = ""
        self.expected = []
        self.log_pos = 0
        self._shell = None
        os.makedirs(OUT, exist_ok=True)

    # ---- database ------------------------------------------------------
    def create_db(self):
        self.close_sql()
        release_sqlite(os.path.join(self.root, "db", "jszg.db"))
        if os.path.exists(self.root):
            shutil.rmtree(self.root)
        os.makedirs(os.path.join(self.root, "db"))
        if self.engine == "sqlite":
            self.dbfile = os.path.join(self.root, "db", "jszg.db")
            self.dbd = ("sqlite3", self.dbfile)
            subprocess.run([os.path.join(TOP, "sql", "apply.sh"), "sqlite",
                            self.dbfile, "--seed"], check=True,
                           capture_output=True)
        else:
            dsn = self.pg.create_db("jszg_test_%s" % self.mpm)
            self.dbd = ("pgsql", dsn)
            subprocess.run([os.path.join(TOP, "sql", "apply.sh"), "pgsql",
                            dsn, "--seed"], check=True, capture_output=True)

    def sql(self, statement):
        """Run SQL directly against the test database (checks, fixtures):
        its output as `psql -A -t` / the sqlite3 shell print it, stripped;
        subprocess.CalledProcessError when it fails.

        One statement goes to a shell kept open for this env (SqlShell: a
        psql or sqlite3 process for every call cost 25-35 ms, most of the
        HTTP suite's time); a string of several keeps `psql -c`'s meaning
        (one transaction, the last result) in a process of its own."""
        if self.SQL_SHELL and ";" not in statement.strip().rstrip(";"):
            if self._shell is None or self._shell.argv != self._sql_argv():
                self.close_sql()
                self._shell = SqlShell(self._sql_argv(), self.engine,
                                       self._db_user())
            return self._shell.run(statement)
        if self.engine == "sqlite":
            # wait for a lock held by the server (the housekeeping job
            # writes in the background) instead of failing at once
            out = subprocess.run(["sqlite3", "-bail", "-cmd",
                                  ".timeout 10000", self.dbfile,
                                  statement], check=True, capture_output=True,
                                 text=True, user=self._db_user())
        else:
            out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v",
                                  "ON_ERROR_STOP=1", self.dbd[1], "-c",
                                  statement], check=True,
                                 capture_output=True, text=True)
        return out.stdout.strip()

    def _sql_argv(self):
        if self.engine == "sqlite":
            return sqlite_shell_argv(self.dbfile)
        return ["psql", "-X", "-q", "-A", "-t", self.dbd[1]]

    def close_sql(self):
        """End this env's SQL shell (before its database is made again)."""
        if self._shell is not None:
            self._shell.close()
            self._shell = None

    def _db_user(self):
        return "www-data" if os.geteuid() == 0 else None

    # ---- server --------------------------------------------------------
    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def write_config(self, extra="", mpm=None, mode="dev"):
        self.port = self.port or free_port()
        return mkroot.write_root(self.root, self.port, MODULE, self.dbd[0],
                                 self.dbd[1], mpm or self.mpm, "info",
                                 extra, mode=mode, check=True)

    @property
    def conf(self):
        return os.path.join(self.root, "conf", "httpd.conf")

    @property
    def error_log(self):
        return os.path.join(self.root, "logs", "error_log")

    def apachectl(self, *args, check=True):
        return subprocess.run([APACHE, "-f", self.conf] + list(args),
                              capture_output=True, text=True, check=check,
                              env=server_environ())

    # Every test server honours X-Jszg-Test-Now (refused in production).
    # Captcha images: a budget no ordinary test reaches (the browser
    # tests load many from 127.0.0.1); test_bruteforce sets a small one.
    BASE_EXTRA = "JszgTestClock On\nJszgCaptchaRate 50 1000"

    def start(self, extra="", test_clock=True, mode="dev"):
        """mode: JszgMode (None: no directive, the module's default)."""
        self.extra = extra
        for attempt in range(3):
            self.write_config((self.BASE_EXTRA if test_clock else "") + "\n"
                              + extra, mode=mode)
            r = self.apachectl("-k", "start", check=False)
            if r.returncode == 0:
                break
            # between a stop and this start, an outgoing connection of
            # this machine may have taken the port as its source port
            if "Address already in use" not in r.stderr or attempt == 2:
                raise subprocess.CalledProcessError(r.returncode, r.args,
                                                    r.stdout, r.stderr)
            self.port = free_port()
        if self.dbd[0] == "sqlite3":
            hold_sqlite(self.dbd[1], self._db_user())
        self.wait_up()

    def stop(self):
        pidfile = os.path.join(self.root, "run", "httpd.pid")
        if not os.path.exists(pidfile):
            return
        self.apachectl("-k", "stop", check=False)
        end = time.time() + 10
        while os.path.exists(pidfile) and time.time() < end:
            time.sleep(0.1)

    def restart(self, extra="", test_clock=True, mode="dev"):
        """A full stop and start with a new config snippet."""
        self.stop()
        self.start(extra, test_clock, mode)

    def wait_up(self, timeout=15):
        end = time.time() + timeout
        while time.time() < end:
            try:
                requests.get(self.url + "/static/css/site.css", timeout=1)
                return
            except (requests.ConnectionError, requests.Timeout):
                # a loaded machine may take over 1 s for the first answer
                time.sleep(0.1)
        raise RuntimeError("httpd did not come up; see %s" % self.error_log)

    # ---- error log checks ------------------------------------------------
    def expect_log(self, pattern):
        """Declare an error-log line (regex) this test expects."""
        self.expected.append(re.compile(pattern))

    def mark_log(self):
        self.expected = []
        self.log_pos = os.path.getsize(self.error_log) \
            if os.path.exists(self.error_log) else 0

    def unexpected_log_lines(self):
        if not os.path.exists(self.error_log):
            return []
        with open(self.error_log, encoding="utf-8", errors="replace") as f:
            f.seek(self.log_pos)
            lines = f.read().splitlines()
        bad = []
        for line in lines:
            if not BAD_LEVEL.search(line):
                continue
            if any(p.search(line) for p in self.expected):
                continue
            bad.append(line)
        return bad

    # ---- HTTP helpers ----------------------------------------------------
    def session(self):
        s = requests.Session()
        s.headers["User-Agent"] = "jszg-tests"
        return s

    def get(self, path, s=None, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 10)
        return (s or requests).get(self.url + path, **kw)

    def post(self, path, s=None, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 10)
        return (s or requests).post(self.url + path, **kw)

    def write_upload(self, rel, data):
        """Put a file under the server's upload directory as a fixture,
        owned (with the directories it needed) by the user the children
        run as, so that they can still write beside it."""
        base = os.path.join(self.root, "uploads")
        path = os.path.join(base, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        if os.geteuid() == 0:
            import pwd
            pw = pwd.getpwnam("www-data")
            d = os.path.dirname(path)
            while len(d) >= len(base):
                os.chown(d, pw.pw_uid, pw.pw_gid)
                d = os.path.dirname(d)
            os.chown(path, pw.pw_uid, pw.pw_gid)
        return path

    def login_as(self, account_id, idle=0):
        """A requests.Session logged in as `account_id`, made by writing
        the session row directly (the login form is tested on its own in
        test_account*.py; other tests need not drive the captcha)."""
        import hashlib
        import secrets
        token = secrets.token_urlsafe(32)
        now = int(time.time()) - idle
        # one statement (a psql each costs 25 ms): the session data is
        # json.dumps({"name": name, "entry": "dqzc"}, ensure_ascii=False)
        # built in SQL, the name's " and \ escaped as JSON escapes them
        data = ("'{\"name\": \"' || replace(replace(name, '\\', '\\\\'), "
                "'\"', '\\\"') || '\", \"entry\": \"dqzc\"}'")
        n = self.sql("INSERT INTO sessions (id_hash, account_id, created_at, "
                     "last_seen_at, expires_at, ip, user_agent, data) "
                     "SELECT '%s', id, %d, %d, %d, '127.0.0.1', 'tests', %s "
                     "FROM accounts WHERE id = %d RETURNING 1"
                     % (hashlib.sha256(token.encode()).hexdigest(),
                        now, now, now + 8 * 3600, data, int(account_id)))
        assert n == "1", "no account %s" % account_id
        s = self.session()
        s.cookies.set("jszg_sid", token)
        return s

    def raw_get(self, path, headers=None):
        """GET with the path sent byte for byte (requests would re-quote
        a malformed %-escape).  Returns (status, headers, body text)."""
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        body = r.read().decode("utf-8", "replace")
        c.close()
        return r.status, dict(r.getheaders()), body

    def csrf(self, s):
        """The CSRF token for session `s` (sets its anonymous cookie)."""
        r = self.get("/api/v1/csrf", s)
        r.raise_for_status()
        return r.json()["csrf"]



# Every JSON answer the suite receives is checked against the API contract
# (docs/openapi.yaml); conftest.py fails the test that got a mismatch.
# JSZG_OPENAPI_CHECK=0 turns it off (e.g. while drafting the document).
if os.environ.get("JSZG_OPENAPI_CHECK", "1") != "0":
    import openapi_check
    _send = requests.Session.send

    def _checked_send(self, request, **kw):
        resp = _send(self, request, **kw)
        openapi_check.check_response(resp)
        return resp
    requests.Session.send = _checked_send
