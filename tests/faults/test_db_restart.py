"""PostgreSQL restarted under load (issue 8, faults).

Six submitters each make three applications through the JSON API wizard
(own account, own Idempotency-Key per submission) while two readers fetch
pages and APIs without pause:

1. the first application of each submitter goes in normally;
2. the second: every submitter walks to step 6 and waits; the test
   installs a trigger on application_events that sleeps while a gate row
   exists, lets them submit, and waits until all six are held *inside*
   their submit transaction, application row written (pg_stat_activity:
   PgSleep); then the cluster is stopped with `pg_ctl -m fast`
   (their transactions are killed), readers and submitters are seen to get
   503, and the cluster is started again; the submitters retry with the
   same key until they get an answer, and the gate is opened;
3. the third application after the restart.

Every answer must be 200/201/303 or 503: never 500, 401/403 (a session
that could not be read is not "logged out"), a reset connection or a
crashed child.  Afterwards every application a client was told about
exists exactly once, with its event and its idempotency key, and nothing
else exists.
"""
import threading
import time
import uuid

import pytest
import requests

from faultlib import (PG_TRIGGER, PG_UNDO, Client, all_apps, login_many,
                      make_applicants, wait_until)

SUBMITTERS = 6
PER_THREAD = 3
READ_PATHS = ("/", "/news", "/help/faq", "/api/v1/regions",
              "/api/v1/institutions/2/window", "/platform",
              "/api/v1/platform")
# What the outage logs: mod_dbd's failed connections and the module's
# "statement ... failed (database unreachable: <cause>)" (test_db_cause.py
# checks the causes).
DB_DOWN_LOG = (r"AH00629|AH00633|AH00632|AH02655|AH00639"
               r"|JSZG10012: statement \w+ failed "
               r"\(database unreachable: [a-z ]+\)"
               r"|JSZG10012: statement (BEGIN|COMMIT|wz_counter_bump) failed"
               r"|JSZG10014"
               # the housekeeping job, should a run fall in the outage
               r"|JSZG1900[23]"
               # the first submissions race for the counter's first row
               r"|JSZG10012: statement wz_counter_insert failed: .*duplicate")


def test_postgres_restart_under_load(env):
    if env.engine != "pgsql":
        pytest.skip("an embedded SQLite database cannot be restarted")
    env.expect_log(DB_DOWN_LOG)
    accounts = make_applicants(env, 7000, SUBMITTERS * PER_THREAD)
    log, told, retried, errors = [], {}, [], []
    stop = threading.Event()
    go = threading.Event()
    ready = []
    deadline = time.time() + 90
    # sessions are made by SQL: before the outage
    sessions = login_many(env, accounts)
    clients = {a: Client(env, a, log, sessions[a]) for a in accounts}
    reader_sessions = list(login_many(env, accounts[:2]).values())

    def submit(acct, phase):
        c = clients[acct]
        key = "fault-%s" % uuid.uuid4().hex
        first = True
        while True:
            try:
                r = c.submit(key)
                st = r.status_code
            except requests.ConnectionError as e:
                r, st = None, "reset: %s" % e
            if st in (200, 201):
                j = r.json()
                told[acct] = (key, j["reg_no"], phase)
                if first:
                    assert st == 201 and j["replayed"] is False
                return
            if st != 503:
                raise AssertionError("submit %d: %s %s" % (
                    acct, st, r.text[:300] if r is not None else ""))
            # 503: before or after the commit?  The same key again must
            # make one application either way.
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
                    if not go.wait(60):
                        raise AssertionError("never let go")
                submit(acct, phase)
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(repr(e))

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
            time.sleep(0.01)

    def held():
        # one sleeps in the trigger holding the 报名号 counter's row; the
        # others wait for that row, in their transaction too
        return int(env.sql(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'active' "
            "AND (wait_event = 'PgSleep' OR (wait_event_type = 'Lock' AND "
            "query LIKE '%UPDATE reg_counters%'))"))

    chunks = [accounts[i::SUBMITTERS] for i in range(SUBMITTERS)]
    threads = [threading.Thread(target=submitter, args=(ch,))
               for ch in chunks]
    readers = [threading.Thread(target=reader, args=(n,)) for n in range(2)]
    for t in threads + readers:
        t.start()
    trigger = False
    try:
        wait_until(lambda: len(ready) == SUBMITTERS or errors,
                   "every submitter at step 6 of its second application",
                   timeout=60)
        assert not errors, errors
        # the trigger that holds the submissions inside their transaction,
        # with their application row written (pg_sleep while fault_gate has
        # a row: only the shutdown ends it)
        env.sql(PG_TRIGGER)
        trigger = True
        go.set()
        wait_until(lambda: held() == SUBMITTERS or errors,
                   "all submissions held in their transaction",
                   diag=lambda: (held(), errors, log[-12:]))
        assert env.sql("SELECT COUNT(*) FROM applications WHERE account_id "
                       "BETWEEN %d AND %d" % (accounts[0], accounts[-1])) \
            == str(SUBMITTERS)          # the first ones; the rest uncommitted
        env.pg.stop_server()
        try:
            # the held submissions were told 503; readers get 503 too
            wait_until(lambda: len(set(retried)) == SUBMITTERS
                       and sum(1 for a, p, st in log if st == 503
                               and a is None) >= 3 or errors,
                       "503 answers during the outage",
                       diag=lambda: (sorted(set(retried)), ready, log[-12:]))
        finally:
            env.pg.start_server()
            # open the gate (the retries may be waiting at it), then undo
            env.sql("DELETE FROM fault_gate")
            env.sql(PG_UNDO)
            trigger = False
        for t in threads:
            t.join(timeout=max(1, deadline - time.time()))
    finally:
        go.set()
        stop.set()
        for t in readers:
            t.join()
        if trigger:             # failed before the outage
            env.sql("DELETE FROM fault_gate")
            env.sql(PG_UNDO)
    assert not errors, errors
    assert all(not t.is_alive() for t in threads)

    statuses = [st for a, p, st in log]
    bad = [(a, p, st) for a, p, st in log
           if st not in (200, 201, 303, 503)]
    assert not bad, bad[:20]
    print("answers: %d, 503: %d, submits retried after 503: %d"
          % (len(statuses), statuses.count(503), len(retried)))
    # mod_dbd reconnected: pages and the third applications went through
    assert env.get("/").status_code == 200
    assert env.get("/api/v1/health").status_code == 200

    # count and compare
    assert sorted(told) == sorted(accounts)
    apps = all_apps(env, accounts)
    assert sorted(apps) == sorted(accounts)
    for acct in accounts:
        key, reg, phase = told[acct]
        assert apps[acct] == [(reg, "1", "1")], (acct, phase, apps[acct])
    n = env.sql("SELECT COUNT(*) FROM idempotency_keys WHERE account_id "
                "BETWEEN %d AND %d" % (accounts[0], accounts[-1]))
    assert int(n) == len(accounts)
    # the drafts were consumed by their submission
    assert env.sql("SELECT COUNT(*) FROM wizard_drafts WHERE account_id "
                   "BETWEEN %d AND %d" % (accounts[0], accounts[-1])) == "0"
    # a replay of the held submissions' keys: the same 报名号, nothing new
    for acct in set(retried):
        key, reg, phase = told[acct]
        assert phase == 1
        r = clients[acct].submit(key)
        assert r.status_code == 200 and r.json()["reg_no"] == reg
        assert r.json()["replayed"] is True
    assert int(env.sql("SELECT COUNT(*) FROM applications WHERE account_id "
                       "BETWEEN %d AND %d" % (accounts[0], accounts[-1]))) \
        == len(accounts)
    # no child crashed (the autouse log check also fails on these)
    assert not [line for line in env.unexpected_log_lines()
                if "exit signal" in line or "Segmentation" in line]
