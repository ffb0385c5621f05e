"""PostgreSQL failover with nothing lost (issue 17).

A primary and a streaming standby are made in a temp directory (initdb,
pg_basebackup -R; synchronous_standby_names = '*' and synchronous_commit
on, so that a commit the primary acknowledges is on the standby too).
The server is pointed at both with libpq's own multi-host string, passed
through DBDParams unchanged (apr_dbd_pgsql hands it to PQconnectdb):

    DBDParams "host=127.0.0.1,127.0.0.1 port=P1,P2 dbname=… user=…
               target_session_attrs=read-write connect_timeout=2"

Under load -- applicants submitting through the wizard API, staff
confirming, sending back and reopening through the admin API, readers
fetching pages -- the standby is promoted (pg_ctl promote) and the old
primary is stopped (pg_ctl -m fast):

- every answer is 200/201/303 or 503, never 500, 401/403 or a reset;
- the submissions held inside their transaction on the old primary, and
  the staff writes waiting there for the (now promoted) standby's
  acknowledgement, are told 503;
- the site serves again within seconds, on the new primary;
- every application and staff transition a client was told about exists
  exactly once on the new primary (the clients retry after a 503: the
  applicants with the same Idempotency-Key).

A second test points the server at the standby alone, without
target_session_attrs: reads work, writes are refused by PostgreSQL with
SQLSTATE 25006 and answered 503 "database unreachable: read-only", never
500.

`make failover` runs the long form (more applicants); `make fault-test`
the short one.
"""
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid

import pytest
import requests

import jszg_env
from faultlib import (Client, all_apps, login_many, make_applicants, photo,
                      wait_until)
from pgcluster import _pg_bin
from ports import free_port
from test_admin_support import Staff

ENGINES = os.environ.get("JSZG_TEST_ENGINES", "sqlite,pgsql").split(",")
LONG = os.environ.get("JSZG_FAILOVER_LONG") == "1"
SUBMITTERS = 6 if LONG else 3
PER_THREAD = 4 if LONG else 3
READ_PATHS = ("/", "/news", "/help/faq", "/api/v1/regions",
              "/api/v1/institutions/2/window", "/api/v1/platform")
# Holds the applicants' submissions inside their transaction, their
# application row written (staff transitions are not held: they are
# caught by the failover itself, waiting for the standby's ack).
HOLD = """
CREATE TABLE fault_gate (x INTEGER);
INSERT INTO fault_gate VALUES (1);
CREATE FUNCTION fault_slow() RETURNS trigger AS $$
BEGIN
    WHILE EXISTS (SELECT 1 FROM fault_gate) LOOP
        PERFORM pg_sleep(0.05);
    END LOOP;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER fault_slow AFTER INSERT ON application_events
    FOR EACH ROW WHEN (NEW.to_status = '网报待确认' AND NEW.from_status IS NULL)
    EXECUTE FUNCTION fault_slow();
"""
# Two statements: the gate opened (committed) first, else dropping the
# trigger would wait for a submission sleeping in it, which waits for
# the gate.
UNDO = ("DELETE FROM fault_gate",
        "DROP TRIGGER IF EXISTS fault_slow ON application_events; "
        "DROP FUNCTION IF EXISTS fault_slow(); "
        "DROP TABLE IF EXISTS fault_gate;")
# What a failover logs: mod_dbd's failed (re)connections, the module's
# "statement ... failed (database unreachable: <cause>)", a transaction
# that could not start, the housekeeping job should a run fall in it.
FAILOVER_LOG = (r"AH00629|AH00633|AH00632|AH02655|AH00639"
                r"|JSZG10012: statement \w+ failed "
                r"\(database unreachable: [a-z -]+\)"
                r"|JSZG10012: statement (BEGIN|COMMIT) failed"
                r"|JSZG10014|JSZG1900[23]"
                r"|JSZG10012: statement wz_counter_insert failed: "
                r".*duplicate")


def undo(run):
    for q in UNDO:
        run(q)


class PgPair:
    """A primary (node 0) and a synchronous streaming standby (node 1),
    in one temp directory, on free loopback ports."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="jszg-pgpair-")
        os.chmod(self.tmp, 0o755)
        if os.geteuid() == 0:
            subprocess.run(["chown", "postgres:postgres", self.tmp],
                           check=True)
        self.dirs = [os.path.join(self.tmp, n) for n in ("a", "b")]
        self.ports = [free_port(), free_port()]
        self.running = [False, False]

    def _run(self, argv):
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        return subprocess.run(argv, check=True, capture_output=True,
                              text=True)

    def dsn(self, node, db="postgres"):
        return "host=127.0.0.1 port=%d user=postgres dbname=%s" % (
            self.ports[node], db)

    def multi_dsn(self, db):
        """What goes into DBDParams: both nodes, the writable one
        chosen by libpq."""
        return ("host=127.0.0.1,127.0.0.1 port=%d,%d user=postgres "
                "dbname=%s target_session_attrs=read-write "
                "connect_timeout=2" % (self.ports[0], self.ports[1], db))

    def start(self, node):
        self._run([_pg_bin("pg_ctl"), "-D", self.dirs[node], "-w", "-l",
                   os.path.join(self.tmp, "pg%d.log" % node), "-o",
                   "-p %d -k %s -c listen_addresses=127.0.0.1 "
                   "-c max_connections=200 -c fsync=off "
                   "-c synchronous_commit=on "
                   "-c wal_sender_timeout=5s -c wal_receiver_timeout=5s"
                   % (self.ports[node], self.tmp), "start"])
        self.running[node] = True

    def stop(self, node, mode="fast"):
        if self.running[node]:
            self._run([_pg_bin("pg_ctl"), "-D", self.dirs[node], "-w",
                       "-m", mode, "stop"])
            self.running[node] = False

    def promote(self, node):
        self._run([_pg_bin("pg_ctl"), "-D", self.dirs[node], "-w",
                   "promote"])

    def psql(self, node, sql, db="postgres"):
        return subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v",
                               "ON_ERROR_STOP=1", self.dsn(node, db), "-c",
                               sql], check=True, capture_output=True,
                              text=True).stdout.strip()

    def make_primary(self, db):
        self._run([_pg_bin("initdb"), "-D", self.dirs[0], "-U", "postgres",
                   "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        self.start(0)
        self.psql(0, "CREATE DATABASE %s ENCODING 'UTF8' TEMPLATE "
                  "template0" % db)

    def make_standby(self):
        """pg_basebackup -R from the primary; started, and waited for
        until the primary sees it as its synchronous standby."""
        self._run(["pg_basebackup", "-d", self.dsn(0), "-D", self.dirs[1],
                   "-R", "-X", "stream", "-c", "fast"])
        self.start(1)
        # only now: with no standby, every commit would wait for one
        self.psql(0, "ALTER SYSTEM SET synchronous_standby_names = '*'")
        self.psql(0, "SELECT pg_reload_conf()")
        wait_until(lambda: self.psql(0, "SELECT sync_state FROM "
                                        "pg_stat_replication") == "sync",
                   "the standby to stream synchronously", timeout=30)

    def destroy(self):
        for node in (0, 1):
            try:
                self.stop(node)
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)


class FailoverEnv(jszg_env.JszgEnv):
    """A server of its own (root, copy of the module: as conftest's
    FaultEnv) on the pair's multi-host string."""

    DB = "jszg_failover"

    def __init__(self, pair):
        super().__init__("pgsql", None, "event")
        self.root = jszg_env.build_root("fault-failover")
        self.pair = pair

    def write_config(self, extra="", mpm=None, mode="dev"):
        import mkroot
        self.port = self.port or free_port()
        return mkroot.write_root(self.root, self.port, self.module,
                                 self.dbd[0], self.dbd[1], mpm or self.mpm,
                                 "info", extra, mode=mode, check=True)

    def create_db(self):
        if os.path.exists(self.root):
            shutil.rmtree(self.root)
        os.makedirs(os.path.join(self.root, "db"))
        self.module = os.path.join(self.root, "mod_jszg.so")
        shutil.copy2(jszg_env.MODULE, self.module)
        self.pair.make_primary(self.DB)
        subprocess.run([os.path.join(jszg_env.TOP, "sql", "apply.sh"),
                        "pgsql", self.pair.dsn(0, self.DB), "--seed"],
                       check=True, capture_output=True)
        self.pair.make_standby()
        # env.sql() goes where libpq finds the writable node, as the
        # server does
        self.dbd = ("pgsql", self.pair.multi_dsn(self.DB))

    def fresh_pair(self):
        """A new primary and standby (after a failover), the server
        started on them."""
        self.stop()
        self.pair.destroy()
        self.pair = PgPair()
        self.port = None
        self.create_db()
        self.start()


@pytest.fixture(scope="module")
def env():
    if "pgsql" not in ENGINES:
        pytest.skip("PostgreSQL only")
    pair = PgPair()
    e = FailoverEnv(pair)
    try:
        e.create_db()
        e.start()
        yield e
    finally:
        e.stop()
        e.pair.destroy()


def test_read_only_standby_is_503_not_500(env):
    """Pointed at a hot standby alone (a DBDParams without
    target_session_attrs, or a pooler aimed at the wrong node): reads
    work, every write is refused by PostgreSQL (SQLSTATE 25006) and
    answered 503 with the cause in the log, never 500."""
    pair = env.pair
    accounts = make_applicants(env, 9000, 1)
    s = login_many(env, accounts)[accounts[0]]
    dbd = env.dbd
    env.dbd = ("pgsql", pair.dsn(1, env.DB))
    env.expect_log(r"JSZG10012: statement \w+ failed \(database "
                   r"unreachable: read-only\)")
    env.expect_log(r"JSZG10012: statement (BEGIN|COMMIT) failed")
    try:
        env.restart()
        assert env.get("/").status_code == 200
        assert env.get("/api/v1/regions").status_code == 200
        c = Client(env, accounts[0], [], s)
        r = c.call("POST", "/api/v1/dqzc/start",
                   data={"institution_id": "2", "point_id": "201",
                         "stage": "小学"})
        assert r.status_code == 503, (r.status_code, r.text[:300])
        assert r.json()["error"]["code"]
        assert "Retry-After" in r.headers
    finally:
        env.dbd = dbd
        env.restart()
    with open(env.error_log, encoding="utf-8", errors="replace") as f:
        assert "database unreachable: read-only" in f.read()
    # nothing was written anywhere
    assert env.sql("SELECT COUNT(*) FROM wizard_drafts WHERE account_id "
                   "= %d" % accounts[0]) == "0"


def test_failover_under_load(env):
    """A switchover: the standby is promoted, then the old primary is
    stopped (its writes meanwhile wait for the standby that left)."""
    run_failover(env, crash=False)


@pytest.mark.skipif(not LONG, reason="make failover (JSZG_FAILOVER_LONG=1)")
def test_failover_after_crash(env):
    """The primary dies (pg_ctl -m immediate), the standby is promoted
    two seconds later: meanwhile libpq finds no writable node (503)."""
    if not env.pair.running[0]:
        env.fresh_pair()
    run_failover(env, crash=True)


def run_failover(env, crash):
    pair = env.pair
    env.expect_log(FAILOVER_LOG)
    photo("good")               # made once, before the threads want it
    accounts = make_applicants(env, 8000, SUBMITTERS * PER_THREAD)
    log, told, retried, errors = [], {}, [], []
    stop = threading.Event()
    go = threading.Event()
    ready = []
    deadline = time.time() + 150
    sessions = login_many(env, accounts)
    clients = {a: Client(env, a, log, sessions[a]) for a in accounts}
    reader_sessions = list(login_many(env, accounts[:2]).values())
    staff_apps = []             # phase-0 applications, for the staff
    done = {}                   # app id -> transitions acknowledged
    point = Staff(env, "dc-point")
    reviewer = Staff(env, "dc-reviewer")

    def submit(acct, phase):
        c = clients[acct]
        key = "failover-%s" % uuid.uuid4().hex
        first = True
        while True:
            try:
                r = c.submit(key)
                st = r.status_code
            except requests.ConnectionError as e:
                r, st = None, "reset: %s" % e
            if st in (200, 201):
                j = r.json()
                told[acct] = told.get(acct, []) + [(key, j["reg_no"],
                                                    phase)]
                if first:
                    assert st == 201 and j["replayed"] is False
                return j["reg_no"]
            if st != 503:
                raise AssertionError("submit %d: %s %s" % (
                    acct, st, r.text[:300] if r is not None else ""))
            retried.append(acct)
            first = False
            if time.time() > deadline:
                raise AssertionError("submit %d never got through" % acct)
            time.sleep(0.1)

    def submitter(ids):
        try:
            for phase, acct in enumerate(ids):
                clients[acct].walk(deadline)
                if phase == 1:
                    ready.append(acct)
                    if not go.wait(90):
                        raise AssertionError("never let go")
                reg = submit(acct, phase)
                if phase == 0:
                    staff_apps.append(reg)
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(repr(e))

    def staff_call(st, app, path, data):
        """One transition, retried through the outage.  A 409 after a
        503 means the 503'd attempt had committed: it counts once."""
        seen_503 = False
        while True:
            try:
                r = st.post("/admin/api/apps/%s/%s" % (app, path), data,
                            timeout=30)
                code = r.status_code
            except requests.ConnectionError as e:
                r, code = None, "reset: %s" % e
            log.append(("staff", path, code))
            if code == 200:
                done[app] = done.get(app, 0) + 1
                return
            if code == 409 and seen_503 and \
                    r.json()["error"]["code"] == "invalid_transition":
                done[app] = done.get(app, 0) + 1
                return
            if code != 503:
                raise AssertionError("staff %s %s: %s %s" % (
                    path, app, code, r.text[:300] if r is not None
                    else ""))
            seen_503 = True
            if time.time() > deadline:
                raise AssertionError("staff %s never got through" % path)
            time.sleep(0.1)

    def staff():
        """Sends phase-0 applications back (确认未通过) and reopens them,
        round after round, until the load ends."""
        try:
            ids = {}
            while not stop.is_set():
                for reg in list(staff_apps):
                    if reg not in ids:
                        ids[reg] = env.sql("SELECT id FROM applications "
                                           "WHERE reg_no = '%s'" % reg)
                    app = ids[reg]
                    staff_call(point, app, "confirm",
                               {"result": "incomplete",
                                "missing": "学时证明"})
                    staff_call(point, app, "reopen", {"note": "请补齐"})
                time.sleep(0.05)
        except Exception as e:  # noqa: BLE001
            errors.append("staff: %r" % e)

    def reader(n):
        s = reader_sessions[n]
        i = 0
        while not stop.is_set():
            path = READ_PATHS[i % len(READ_PATHS)]
            i += 1
            try:
                r = env.get(path, s, timeout=30)
                log.append((None, path, r.status_code))
            except requests.ConnectionError as e:
                log.append((None, path, "reset: %s" % e))
            time.sleep(0.02)

    def held():
        return int(pair.psql(0, "SELECT COUNT(*) FROM pg_stat_activity "
                                "WHERE state = 'active' AND (wait_event = "
                                "'PgSleep' OR (wait_event_type = 'Lock' AND"
                                " query LIKE '%UPDATE reg_counters%'))"))

    chunks = [accounts[i::SUBMITTERS] for i in range(SUBMITTERS)]
    threads = [threading.Thread(target=submitter, args=(ch,))
               for ch in chunks]
    helpers = [threading.Thread(target=reader, args=(n,)) for n in range(2)]
    helpers.append(threading.Thread(target=staff))
    for t in threads + helpers:
        t.start()
    held_trigger = False
    try:
        wait_until(lambda: len(ready) == SUBMITTERS or errors,
                   "every submitter at step 6 of its second application",
                   timeout=90)
        assert not errors, errors
        wait_until(lambda: len(done) == SUBMITTERS or errors,
                   "staff at work on every first application", timeout=30)
        env.sql(HOLD)
        held_trigger = True
        go.set()
        wait_until(lambda: held() == SUBMITTERS or errors,
                   "all submissions held in their transaction",
                   diag=lambda: (held(), errors, log[-12:]))
        n503 = sum(1 for e in log if e[2] == 503)
        # the failover: the standby becomes the primary (the gate is
        # opened there at once: it came over by replication), then the
        # old primary is stopped
        if crash:
            syncrep = 0
            pair.stop(0, "immediate")
            time.sleep(2)
            pair.promote(1)
            undo(lambda q: pair.psql(1, q, FailoverEnv.DB))
            held_trigger = False
        else:
            pair.promote(1)
            undo(lambda q: pair.psql(1, q, FailoverEnv.DB))
            held_trigger = False
            time.sleep(1.0)
            # writes on the old primary now wait for an acknowledgement
            # that never comes (its synchronous standby has left)
            syncrep = int(pair.psql(0, "SELECT COUNT(*) FROM "
                                       "pg_stat_activity WHERE wait_event "
                                       "= 'SyncRep'"))
            pair.stop(0)
        stopped = time.time()   # the new primary is the only one
        # writes go through again: a transition or a submission answered
        # 200/201 after the stop
        n = len(log)
        back = wait_until(
            lambda: next((time.time() for e in log[n:]
                          if e[0] is not None and e[2] in (200, 201)
                          and e[1] != "csrf"), None) or errors,
            "a write answered after the failover", timeout=30,
            diag=lambda: log[-12:])
        assert not errors, errors
        for t in threads:
            t.join(timeout=max(1, deadline - time.time()))
        time.sleep(0.5)         # the staff go round once more
    finally:
        go.set()
        stop.set()
        for t in helpers:
            t.join(timeout=60)
        if held_trigger:
            undo(env.sql)
    assert not errors, errors
    assert all(not t.is_alive() for t in threads + helpers)

    statuses = [st for a, p, st in log]
    bad = [(a, p, st) for a, p, st in log
           if st not in (200, 201, 303, 503)]
    assert not bad, bad[:20]
    print("answers: %d, 503: %d (%d before the failover), submits retried:"
          " %d, writes waiting for the standby at the stop: %d, writes "
          "again %.1f s after the stop"
          % (len(statuses), statuses.count(503), n503, len(retried),
             syncrep, back - stopped))
    assert back - stopped < 10
    # a switchover caught writes in flight, waiting for the standby
    assert crash or syncrep >= 1
    # the held submissions were told 503 and went through on the new node
    assert set(retried) >= {ch[1] for ch in chunks}
    assert env.get("/api/v1/health").status_code == 200
    assert pair.psql(1, "SELECT pg_is_in_recovery()") == "f"

    # count and compare, on the new primary
    assert sorted(told) == sorted(accounts)
    apps = all_apps(env, accounts)
    for acct in accounts:
        ((key, reg, phase),) = told[acct]
        # one application with its key; one event, or (the staff's)
        # as many more as transitions told: counted below
        ((got, events, keys),) = apps[acct]
        assert (got, keys) == (reg, "1"), (acct, phase, apps[acct])
        assert events == "1" or reg in staff_apps, (acct, apps[acct])
    assert int(env.sql("SELECT COUNT(*) FROM idempotency_keys WHERE "
                       "account_id BETWEEN %d AND %d"
                       % (accounts[0], accounts[-1]))) == len(accounts)
    # every staff transition told (or found done after a 503) is there
    # exactly once: one event each beside the submission's
    for app, n in done.items():
        events = int(env.sql("SELECT COUNT(*) FROM application_events "
                             "WHERE application_id = %s" % app))
        assert events == 1 + n, (app, events, n)
        status = env.sql("SELECT status FROM applications WHERE id = %s"
                         % app)
        assert status == ("网报待确认" if n % 2 == 0 else "确认未通过")
    # a replay of a held submission's key: the same 报名号, nothing new
    for acct in set(retried):
        ((key, reg, phase),) = told[acct]
        r = clients[acct].submit(key)
        assert r.status_code == 200 and r.json()["reg_no"] == reg
        assert r.json()["replayed"] is True
    # no writable node at all: a staff session that cannot be read is
    # a 503, not "logged out" (it was 401 admin_login_required)
    node = 1
    pair.stop(node)
    try:
        r = point.get("/admin/api/me")
        assert r.status_code == 503, (r.status_code, r.text[:300])
        assert r.json()["error"]["code"] == "db_unavailable"
        assert point.get("/admin/").status_code == 503
        r = clients[accounts[0]].call("GET", "/api/v1/account")
        assert r.status_code == 503, (r.status_code, r.text[:300])
    finally:
        pair.start(node)
    # after all, a decision on the new primary (each stale pooled
    # connection answers one 503: staff_call retries)
    app = env.sql("SELECT id FROM applications WHERE reg_no = '%s'"
                  % staff_apps[0])
    if env.sql("SELECT status FROM applications WHERE id = %s" % app) \
            == "确认未通过":
        staff_call(point, app, "reopen", {})
    staff_call(point, app, "confirm", {"result": "complete"})
    staff_call(reviewer, app, "decide", {"conclusion": "注册合格"})
    assert env.sql("SELECT status FROM applications WHERE id = %s" % app) \
        == "注册合格"
    bad = [(a, p, st) for a, p, st in log
           if st not in (200, 201, 303, 503)]
    assert not bad, bad[:20]
