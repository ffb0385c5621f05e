"""An httpd child killed (SIGKILL) in the middle of a submission (issue 8).

The submit transaction is made slow in a deterministic way, *after* the
application row is written and before the commit: a trigger on
application_events that the test installs,
- PostgreSQL: waits while a row of a gate table exists (pg_sleep loop);
  the test sees the backend in it (pg_stat_activity, wait_event PgSleep);
- SQLite: a long cross join (no sleep in SQLite); the test sees the child
  burn CPU time in it.
The test finds the child that holds the client's connection (/proc),
kills it with SIGKILL, and then finds: no application, no event, no
idempotency key (the transaction died with the child), the draft still
there; the retry with the same Idempotency-Key makes exactly one
application, and a second retry replays it.
"""
import http.client
import os
import signal
import threading
import time
import urllib.parse

from faultlib import (PG_TRIGGER, PG_UNDO, Client, all_apps,
                      httpd_children, login_many, make_applicants,
                      socket_owner, wait_until)

SQLITE_TRIGGER = """
CREATE TABLE fault_n (x INTEGER);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c
                        WHERE x < 1500)
INSERT INTO fault_n SELECT x FROM c;
CREATE TRIGGER fault_slow AFTER INSERT ON application_events BEGIN
    SELECT COUNT(*) FROM fault_n a, fault_n b, fault_n c;
END;
"""
SQLITE_UNDO = "DROP TRIGGER IF EXISTS fault_slow; DROP TABLE IF EXISTS fault_n;"


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        st = f.read().rsplit(")", 1)[1].split()
    return int(st[11]) + int(st[12])     # utime + stime


def test_child_killed_in_submit(env):
    acct = make_applicants(env, 7100 if env.engine == "pgsql" else 7150,
                           1)[0]
    s = login_many(env, [acct])[acct]
    c = Client(env, acct, [], s)
    c.walk(time.time() + 60)
    token = c.token
    key = "kill-%d-%d" % (acct, int(time.time()))

    # slow the submit transaction down; SQLite's connections must be
    # reopened after a schema change (see README), hence the restart
    env.sql(PG_TRIGGER if env.engine == "pgsql" else SQLITE_TRIGGER)
    try:
        if env.engine == "sqlite":
            env.restart(env.extra)
            env.mark_log()
        parent, _ = httpd_children(env)

        conn = http.client.HTTPConnection("127.0.0.1", env.port, timeout=60)
        conn.connect()
        client_port = conn.sock.getsockname()[1]
        out = {}

        def send():
            try:
                conn.request("POST", "/api/v1/dqzc/wizard/6",
                             body=urllib.parse.urlencode({"choice": "agree"}),
                             headers={
                                 "Content-Type":
                                     "application/x-www-form-urlencoded",
                                 "Cookie": "jszg_sid=%s"
                                           % s.cookies["jszg_sid"],
                                 "X-CSRF-Token": token,
                                 "Idempotency-Key": key})
                r = conn.getresponse()
                out["status"] = r.status
                out["body"] = r.read()
            except (ConnectionError, http.client.HTTPException) as e:
                out["error"] = e

        t = threading.Thread(target=send)
        t.start()
        # the child serving the connection, with the whole request read
        owner = wait_until(lambda: (socket_owner(env.port, client_port)
                                    or (None, 1))[1] == 0
                           and socket_owner(env.port, client_port),
                           "the child to read the request")
        pid = owner[0]
        assert pid in httpd_children(env)[1], (pid, httpd_children(env))
        if env.engine == "pgsql":
            backend = wait_until(lambda: env.sql(
                "SELECT pid FROM pg_stat_activity WHERE wait_event = "
                "'PgSleep' AND state = 'active'"),
                "the submit transaction to reach the trigger")
            # the application row is written, not committed
            assert env.sql("SELECT COUNT(*) FROM applications WHERE "
                           "account_id = %d" % acct) == "0"
        else:
            base = cpu_ticks(pid)
            hz = os.sysconf("SC_CLK_TCK")
            wait_until(lambda: cpu_ticks(pid) - base >= 0.3 * hz,
                       "the submit transaction to run the trigger")
        assert "status" not in out and "error" not in out
        # (httpd logs no AH00052 "exit signal" line for a SIGKILL: any
        # such line, a crash, still fails the test)
        os.kill(pid, signal.SIGKILL)
        t.join(30)
        assert not t.is_alive()
        assert "error" in out, out      # the connection died unanswered
        # the parent lives on and notices the child is gone
        wait_until(lambda: pid not in httpd_children(env)[1],
                   "the killed child to be reaped")
        assert httpd_children(env)[0] == parent
        assert env.get("/api/v1/regions").status_code == 200
        if env.engine == "pgsql":
            # let the orphaned backend go on: it finds its client gone and
            # rolls back
            env.sql("DELETE FROM fault_gate")
            wait_until(lambda: env.sql(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = %s"
                % backend) == "0", "the orphaned backend to end")
    finally:
        env.sql(PG_UNDO if env.engine == "pgsql" else SQLITE_UNDO)
        if env.engine == "sqlite":
            env.restart(env.extra)

    # nothing of the submission was kept
    assert all_apps(env, [acct]) == {acct: []}
    assert env.sql("SELECT COUNT(*) FROM idempotency_keys WHERE "
                   "account_id = %d" % acct) == "0"
    assert env.sql("SELECT COUNT(*) FROM application_events e JOIN "
                   "applications a ON a.id = e.application_id WHERE "
                   "a.account_id = %d" % acct) == "0"
    assert env.sql("SELECT step_done FROM wizard_drafts WHERE account_id "
                   "= %d" % acct) == "5"
    # the retry with the same key makes exactly one, complete
    r = c.submit(key)
    assert r.status_code == 201, r.text
    reg = r.json()["reg_no"]
    r = c.submit(key)
    assert r.status_code == 200 and r.json() == dict(
        r.json(), reg_no=reg, replayed=True)
    assert all_apps(env, [acct]) == {acct: [(reg, "1", "1")]}
    assert env.sql("SELECT COUNT(*) FROM wizard_drafts WHERE account_id "
                   "= %d" % acct) == "0"
    assert env.get("/").status_code == 200
