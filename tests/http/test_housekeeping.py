"""The housekeeping job (jszg_housekeeping.c): a watchdog in one child
deletes the rows whose time has passed every JszgHousekeepingInterval
seconds, in batches, and leaves the live ones alone."""
import hashlib
import os
import re
import secrets
import shutil
import subprocess
import time

import pytest

from jszg_env import (MODULE, JszgEnv, build_root, mkroot, scratch_root,
                      server_environ,
                      wait_for)
from test_account_lib import random_phone, valid_id

HK_FAST = "JszgHousekeepingInterval 1"
DAY = 86400
# mod_dbd and the job while PostgreSQL is stopped
DB_DOWN_LOG = (r"JSZG19002|JSZG19003|AH00629|AH00633|AH00632|AH02655"
               r"|AH00639|dbd:error")


def log_since_mark(env):
    with open(env.error_log, encoding="utf-8", errors="replace") as f:
        f.seek(env.log_pos)
        return f.read()


def h64():
    return hashlib.sha256(secrets.token_bytes(16)).hexdigest()


def count(env, table, where):
    return int(env.sql("SELECT COUNT(*) FROM %s WHERE %s" % (table, where)))


class Rows:
    """Rows written straight into the database, one group that the job
    must delete and one it must keep; each row is found again by its
    table and a WHERE clause."""

    def __init__(self, env):
        self.env = env
        self.now = int(time.time())
        self.gone, self.kept = [], []
        self.accounts = []

    def account(self):
        ident = valid_id()
        self.env.sql("INSERT INTO accounts (id_type, id_number, name, phone, "
                     "password_hash, verified, created_at) VALUES ('居民身份证', "
                     "'%s', '清理测试', '%s', 'x', 0, %d)"
                     % (ident, random_phone(), self.now))
        a = int(self.env.sql("SELECT id FROM accounts WHERE id_number = '%s'"
                             % ident))
        self.accounts.append(a)
        return a

    def add(self, keep, table, where, insert):
        self.env.sql(insert)
        (self.kept if keep else self.gone).append((table, where))

    def session(self, keep, last_seen, expires, table="sessions",
                owner=("account_id", "NULL")):
        h = h64()
        self.add(keep, table, "id_hash = '%s'" % h,
                 "INSERT INTO %s (id_hash, %s, created_at, last_seen_at, "
                 "expires_at, ip, user_agent, data) VALUES ('%s', %s, %d, "
                 "%d, %d, '127.0.0.1', 'tests', '{}')"
                 % (table, owner[0], h, owner[1], last_seen - 60, last_seen,
                    expires))

    def fill(self):
        """Expired and live rows in every table the job keeps."""
        now = self.now
        a1, a2 = self.account(), self.account()
        staff = self.env.sql("SELECT MIN(id) FROM staff")
        idle, margin = 1800, 300        # JszgSessionIdle default, HK_MARGIN
        for table, owner in (("sessions", ("account_id", "NULL")),
                             ("sessions", ("account_id", str(a1))),
                             ("admin_sessions", ("staff_id", staff))):
            # past expires_at (+ margin), though seen a minute ago
            self.session(False, now - 60, now - margin - 30, table, owner)
            # idle for longer than JszgSessionIdle + margin
            self.session(False, now - idle - margin - 60, now + 3600, table,
                         owner)
            # alive: seen 25 minutes ago, or expired only just now
            self.session(True, now - 25 * 60, now + 3600, table, owner)
            self.session(True, now - 60, now - 30, table, owner)
        for keep, expires in ((False, now - 3600 - 60), (True, now - 600),
                              (True, now + 120)):
            h = h64()
            self.add(keep, "captchas", "id_hash = '%s'" % h,
                     "INSERT INTO captchas (id_hash, mode, seed, answer, "
                     "owner, issued_ms, expires_at, ip) VALUES ('%s', "
                     "'slide', 1, 100, 'x', %d, %d, '127.0.0.1')"
                     % (h, (expires - 120) * 1000, expires))
            code = secrets.token_hex(8)
            self.add(keep, "sms_codes", "code_hash = '%s'" % code,
                     "INSERT INTO sms_codes (purpose, account_id, phone, "
                     "code_hash, created_at, expires_at) VALUES ('reset', "
                     "%d, '13900000000', '%s', %d, %d)"
                     % (a1, code, expires - 600, expires))
        for keep, at in ((False, now - 2 * DAY - 60), (True, now - DAY - 60),
                         (True, now)):
            key = secrets.token_hex(8)
            self.add(keep, "rate_events", "key = '%s'" % key,
                     "INSERT INTO rate_events (kind, key, at) VALUES "
                     "('acct.sms_phone', '%s', %d)" % (key, at))
        for keep, at in ((False, now - 7 * DAY - 60), (True, now - 6 * DAY)):
            h = h64()
            self.add(keep, "idempotency_keys", "key_hash = '%s'" % h,
                     "INSERT INTO idempotency_keys (key_hash, account_id, "
                     "scope, result, created_at) VALUES ('%s', %d, "
                     "'dqzc_submit', 'x', %d)" % (h, a1, at))
            for sent in ("NULL", str(at + 2)):
                body = secrets.token_hex(8)
                self.add(keep, "sms_outbox", "body = '%s'" % body,
                         "INSERT INTO sms_outbox (phone, body, purpose, "
                         "created_at, sent_at, attempts) VALUES "
                         "('13900000000', '%s', 'reset', %d, %s, 1)"
                         % (body, at, sent))
        # drafts: JszgWizardDraftIdle (7200) + margin
        for keep, a, at in ((False, a1, now - 7200 - margin - 60),
                            (True, a2, now - 7000)):
            self.add(keep, "wizard_drafts", "account_id = %d" % a,
                     "INSERT INTO wizard_drafts (account_id, step_done, "
                     "data, submit_key, created_at, updated_at) VALUES "
                     "(%d, 1, '{}', 'k%s', %d, %d)"
                     % (a, secrets.token_hex(8), at, at))
        return self

    def all_gone(self):
        return all(count(self.env, t, w) == 0 for t, w in self.gone)

    def missing_kept(self):
        return [(t, w) for t, w in self.kept if count(self.env, t, w) != 1]

    def present_gone(self):
        return [(t, w) for t, w in self.gone if count(self.env, t, w) != 0]

    def cleanup(self):
        for t, w in self.gone + self.kept:
            self.env.sql("DELETE FROM %s WHERE %s" % (t, w))
        for a in self.accounts:
            for t in ("sessions", "sms_codes", "idempotency_keys",
                      "wizard_drafts"):
                self.env.sql("DELETE FROM %s WHERE account_id = %d" % (t, a))
            self.env.sql("DELETE FROM accounts WHERE id = %d" % a)


@pytest.fixture
def rows(env):
    r = Rows(env)
    yield r
    r.cleanup()


@pytest.fixture
def fast(env):
    env.restart(HK_FAST)
    yield env
    env.restart()


def test_expired_rows_go_live_rows_stay(fast, rows):
    env = fast
    live = env.login_as(1)
    assert env.get("/account", live).status_code == 200
    rows.fill()
    assert wait_for(rows.all_gone), rows.present_gone()
    assert rows.missing_kept() == []
    # the applicant's session still works, and was never touched
    r = env.get("/account", live)
    assert r.status_code == 200 and "个人信息中心" in r.text
    log = log_since_mark(env)
    lines = re.findall(r"JSZG19001: housekeeping deleted (\d+) rows in "
                       r"[\d.]+ s: (.*)", log)
    assert lines, log
    assert re.search(r"\[jszg:info\] .*JSZG19001", log), log
    named = ",".join(n for _, n in lines)
    for name in ("sessions_expired", "sessions_idle",
                 "admin_sessions_expired", "admin_sessions_idle",
                 "captchas", "sms_codes", "rate_events", "idempotency_keys",
                 "sms_outbox", "wizard_drafts"):
        assert name in named, (name, named)


def test_a_backlog_goes_in_batches(fast, rows):
    """2,300 dead rate events: five batches of at most 500 rows, all
    gone; the live one of the same kind and key stays."""
    env = fast
    key = "hk-" + secrets.token_hex(6)
    old = int(time.time()) - 3 * DAY
    env.sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
            "WHERE i < 2300) INSERT INTO rate_events (kind, key, at) "
            "SELECT 'acct.login_ip', '%s', %d + i FROM n" % (key, old))
    env.sql("INSERT INTO rate_events (kind, key, at) VALUES "
            "('acct.login_ip', '%s', %d)" % (key, int(time.time())))
    rows.gone.append(("rate_events", "key = '%s' AND at < %d"
                      % (key, old + 3000)))
    rows.kept.append(("rate_events", "key = '%s' AND at > %d"
                      % (key, old + 3000)))
    assert wait_for(rows.all_gone), count(env, "rate_events",
                                          "key = '%s'" % key)
    assert rows.missing_kept() == []
    runs = [int(m) for m in re.findall(r"rate_events (\d+)",
                                       log_since_mark(env))]
    # a statement deletes 500 rows at most: the job repeated it, within a
    # run while it found full batches (and time was left), or over runs
    assert sum(runs) >= 2300, runs


def test_interval_0_purges_nothing(env, rows):
    env.restart("JszgHousekeepingInterval 0")
    try:
        rows.fill()
        # the job would have run three times at an interval of 1 s
        time.sleep(3.5)
        assert rows.present_gone() == rows.gone
        assert rows.missing_kept() == []
        assert "JSZG19001" not in log_since_mark(env)
    finally:
        env.restart()


def config_test(env, root, value):
    """apache2 -t of a server with JszgHousekeepingInterval VALUE."""
    root = scratch_root(os.path.dirname(root), os.path.basename(root))
    conf = mkroot.write_root(root, 1, MODULE, env.dbd[0], env.dbd[1],
                             "event", "warn",
                             "JszgHousekeepingInterval %s" % value)
    return subprocess.run(["/usr/sbin/apache2", "-t", "-f", conf],
                          capture_output=True, text=True,
                          env=server_environ())


def test_directive_refuses_bad_values(env, tmp_path):
    for bad in ("-1", "soon", "1.5", "300s", "86401", "99999999999999999999"):
        out = config_test(env, str(tmp_path / "bad"), bad)
        assert out.returncode != 0, bad
        assert "JszgHousekeepingInterval: '%s' is not a number between 0 " \
               "and 86400" % bad in out.stderr, out.stderr
    for good in ("0", "1", "300", "86400"):
        out = config_test(env, str(tmp_path / "good"), good)
        assert out.returncode == 0, (good, out.stderr)


def test_database_down_one_warning_then_resumes(env, rows):
    if env.engine != "pgsql":
        pytest.skip("an embedded SQLite database cannot go down")
    env.restart(HK_FAST)
    env.expect_log(DB_DOWN_LOG)
    try:
        env.pg.stop_server()
        try:
            assert wait_for(lambda: "JSZG19002" in log_since_mark(env))
            # one warning per run, not one per table or per statement
            time.sleep(1.5)
            log = log_since_mark(env)
            assert re.search(r"\[jszg:warn\] .*JSZG19002: housekeeping: "
                             r"the database cannot be reached, nothing "
                             r"deleted; next try in 1 s", log), log
            runs = log.count("JSZG19002") + log.count("JSZG19003")
            assert 1 <= runs <= 4, log
        finally:
            env.pg.start_server()
        rows.fill()
        assert wait_for(rows.all_gone, timeout=30), rows.present_gone()
        assert rows.missing_kept() == []
        assert env.get("/").status_code == 200
    finally:
        env.restart()


def test_database_of_a_virtual_host(env, rows):
    """The database set inside a <VirtualHost> (README's example): that
    host runs the job; the main server and a host without a database of
    their own have none (ap_dbd_open would log 'not configured')."""
    vh = JszgEnv(env.engine, env.pg)
    vh.root = build_root("test-%s-hk-vhost" % env.engine)
    vh.dbd = env.dbd
    shutil.rmtree(vh.root, ignore_errors=True)
    conf = vh.write_config(HK_FAST)
    with open(conf, encoding="utf-8") as f:
        text = f.read()
    dbd = [line for line in text.splitlines() if line.startswith("DBD")]
    assert len(dbd) >= 2
    text = "\n".join(line for line in text.splitlines()
                     if not line.startswith("DBD"))
    text += ("\n<VirtualHost 127.0.0.1:%d>\n    ServerName portal.test\n"
             "    %s\n</VirtualHost>\n"
             "<VirtualHost 127.0.0.1:%d>\n    ServerName other.test\n"
             "</VirtualHost>\n" % (vh.port, "\n    ".join(dbd), vh.port))
    with open(conf, "w", encoding="utf-8") as f:
        f.write(text)
    vh.apachectl("-k", "start")
    try:
        vh.wait_up()
        rows.fill()
        assert wait_for(rows.all_gone), rows.present_gone()
        assert rows.missing_kept() == []
        with open(vh.error_log, encoding="utf-8", errors="replace") as f:
            log = f.read()
        assert "JSZG19001" in log
        assert "AH02654" not in log and "not configured" not in log, log
        assert not vh.unexpected_log_lines()
    finally:
        vh.stop()


# ---- upload files no row refers to -----------------------------------------

def _uploads(env, kind, account):
    d = os.path.join(env.root, "uploads", kind, str(account))
    return set(os.listdir(d)) if os.path.isdir(d) else set()


def _path(env, kind, account, name):
    return os.path.join(env.root, "uploads", kind, str(account), name)


def test_unreferenced_uploads_go_referenced_stay(env):
    """Photos made through the real upload paths: the one replaced by a
    new start of the wizard and the one of an abandoned draft go once
    older than the grace period (24 h); the photo of a submitted
    application, of a live draft and the ID review photos stay, however
    old; an unreferenced file younger than the grace stays too."""
    from test_account_lib import insert_account
    from test_wizard import api, api_walk_to, photo, reset
    reset(env, 1, 2)
    env.expect_log(r"statement wz_\w+ failed|COMMIT")
    walk = dict(institution="10", point="1001", cert="20134210232005821",
                stage="初级中学", subject="语文", province="420000",
                city="420100")
    # account 2: a photo, then a new start with another, then submitted
    s2 = env.login_as(2)
    before = _uploads(env, "photos", 2)
    api_walk_to(env, s2, 3, **walk)
    replaced = _uploads(env, "photos", 2) - before
    api_walk_to(env, s2, 6, **walk)
    key = env.get("/api/v1/dqzc/wizard/6", s2).json()["submit_key"]
    r = api(env, s2, "POST", "/api/v1/dqzc/wizard/6",
            data={"choice": "agree", "submit_key": key})
    assert r.status_code == 201, r.text
    submitted = _uploads(env, "photos", 2) - before - replaced
    assert len(replaced) == 1 and len(submitted) == 1
    assert env.sql("SELECT photo_path FROM applications WHERE account_id = 2"
                   ) == "photos/2/" + next(iter(submitted))
    # account 1: a draft abandoned (不同意), then a live draft
    s1 = env.login_as(1)
    before = _uploads(env, "photos", 1)
    api_walk_to(env, s1, 6)
    r = api(env, s1, "POST", "/api/v1/dqzc/wizard/6",
            data={"choice": "disagree"})
    assert r.status_code == 200, r.text
    abandoned = _uploads(env, "photos", 1) - before
    api_walk_to(env, s1, 3)
    drafted = _uploads(env, "photos", 1) - before - abandoned
    assert len(abandoned) == 1 and len(drafted) == 1
    # an ID review (实名 人工审核): front and back
    aid, _, _ = insert_account(env, verified=0)
    s3 = env.login_as(aid)
    r = api(env, s3, "POST", "/api/v1/account/review", data={"name": "测试"},
            files={"front": ("f.jpg", photo("good"), "image/jpeg"),
                   "back": ("b.jpg", photo("good"), "image/jpeg")})
    assert r.status_code in (200, 201, 303), r.text
    reviewed = _uploads(env, "identity", aid)
    assert len(reviewed) == 2
    # everything two days old, but for a second copy of the abandoned one
    # (young: within the grace)
    young = "0000young0000.jpg"
    with open(_path(env, "photos", 1, next(iter(abandoned))), "rb") as f:
        data = f.read()
    env.write_upload("photos/1/" + young, data)
    old = time.time() - 2 * DAY
    for kind, acct, names in (("photos", 2, replaced | submitted),
                              ("photos", 1, abandoned | drafted),
                              ("identity", aid, reviewed)):
        for n in names:
            os.utime(_path(env, kind, acct, n), (old, old))
    try:
        env.restart(HK_FAST)
        gone = [_path(env, "photos", 2, next(iter(replaced))),
                _path(env, "photos", 1, next(iter(abandoned)))]
        assert wait_for(lambda: not any(os.path.exists(p) for p in gone))
        for kind, acct, names in (("photos", 2, submitted),
                                  ("photos", 1, drafted | {young}),
                                  ("identity", aid, reviewed)):
            for n in names:
                assert os.path.exists(_path(env, kind, acct, n)), (kind, n)
        assert "JSZG10400" in log_since_mark(env)
        # the live draft goes on with its photo
        r = env.get("/api/v1/dqzc/wizard", s1)
        assert r.status_code == 200 and r.json()["step_done"] == 2
    finally:
        env.restart()
