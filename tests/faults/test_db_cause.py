"""PostgreSQL stopped in the middle of a request (issue #21): the answer is
503, and the error log says *why* the statement failed (the server shut
down, the connection was lost), once per outage, and says when the
database is back.

Before this test, a statement cut off by a restart could log
"JSZG10012: statement session_get failed: " with nothing after the colon:
libpq's message buffer was read after apr_dbd_check_conn() had PQreset()
the connection, which empties it."""
import re
import threading
import time
import uuid

import pytest

from faultlib import (PG_TRIGGER, PG_UNDO, Client, login_many,
                      make_applicants, wait_until)

CAUSE = (r"JSZG10012: statement (\w+) failed \(database unreachable: "
         r"(server shutting down|server restarting|connection lost|"
         r"connection refused|connection reset)\)")
OUTAGE_LOG = (CAUSE + r"|AH00629|AH00633|AH00632|AH02655|AH00639"
              r"|JSZG10014|JSZG1900[23]")


def log_since(env, pos):
    with open(env.error_log, encoding="utf-8", errors="replace") as f:
        f.seek(pos)
        return f.read()


def test_postgres_stopped_mid_request_names_the_cause(env):
    if env.engine != "pgsql":
        pytest.skip("an embedded SQLite database cannot be stopped")
    env.expect_log(OUTAGE_LOG)
    acct = make_applicants(env, 7600, 1)[0]
    s = login_many(env, [acct])[acct]
    log = []
    c = Client(env, acct, log, s)
    c.walk(time.time() + 60)
    env.sql(PG_TRIGGER)
    answer = {}
    try:
        pos = env.log_pos

        def submit():
            try:
                answer["r"] = c.submit("cause-%s" % uuid.uuid4().hex,
                                       timeout=60)
            except Exception as e:  # noqa: BLE001 (checked below)
                answer["e"] = e

        t = threading.Thread(target=submit)
        t.start()
        # the submission sits in the trigger, inside its transaction
        wait_until(lambda: int(env.sql(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'active' "
            "AND wait_event = 'PgSleep'")), "the submit to reach the trigger")
        env.pg.stop_server()
        try:
            t.join(60)
            assert not t.is_alive()
            assert "e" not in answer, answer
            assert answer["r"].status_code == 503, answer["r"].text[:300]
            # a few more requests in the outage: 503, not logged again
            for _ in range(5):
                r = env.get("/api/v1/platform", s, timeout=30)
                assert r.status_code == 503
        finally:
            env.pg.start_server()
        text = log_since(env, pos)
        causes = re.findall(CAUSE, text)
        assert causes, text[-2000:]
        # the line names the statement and the cause; never an empty one
        assert not re.search(r"JSZG10012: statement \w+ failed[^\n]*: *$",
                             text, re.M), text[-2000:]
        # the requests inside the outage are not one warning each
        warned = re.findall(r"\[jszg:warn\][^\n]*JSZG10012", text)
        children = 4    # ServerLimit of the test configuration
        assert len(warned) <= children, warned
    finally:
        env.sql(PG_UNDO)
    # back: answers come again and the log says the outage is over
    wait_until(lambda: env.get("/api/v1/platform", s,
                               timeout=30).status_code == 200,
               "the portal to answer after the restart", timeout=30)
    # (the outage is one state for all children, in shared memory: the
    # first statement that succeeds anywhere says it is over, so the
    # line is there by the time the 200 above came back; polled anyway,
    # the error log is written by another process)
    def recovered():
        env.get("/api/v1/platform", headers={"Connection": "close"},
                timeout=30)
        return "JSZG10037: database reachable again" in log_since(env, pos)
    wait_until(recovered, "the recovery log line", timeout=20)
