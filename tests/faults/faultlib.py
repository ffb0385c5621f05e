"""Helpers of the fault tests: applicants made by SQL, the wizard walked
through the JSON API with retries, the httpd child serving a connection,
polling."""
import datetime
import os
import time

import requests

from test_wizard import PERSON, photo  # noqa: F401  (tests/http)

# 东城区: 注册机构 2, 确认点 201, window open 2026-11-01 .. 2026-12-20
INSTITUTION, POINT = "2", "201"
CHOICE = {"province": "110000", "city": "110101", "stage": "小学",
          "subject": "数学", "institution_id": INSTITUTION,
          "point_id": POINT}
# Holds a submit transaction after its application row is written: a
# trigger on application_events that sleeps while fault_gate has a row.
PG_TRIGGER = """
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
    FOR EACH ROW EXECUTE FUNCTION fault_slow();
"""
PG_UNDO = ("DROP TRIGGER IF EXISTS fault_slow ON application_events; "
           "DROP FUNCTION IF EXISTS fault_slow(); "
           "DROP TABLE IF EXISTS fault_gate;")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(i):
    """A valid GB 11643 number of a 东城区 resident, distinct per i."""
    birth = datetime.date(1980, 1, 1) + datetime.timedelta(days=i % 1500)
    body = "110101%s%03d" % (birth.strftime("%Y%m%d"), 100 + i // 1500 % 900)
    s = sum(int(c) * w for c, w in zip(body, WEIGHTS))
    return body + "10X98765432"[s % 11], birth


def cert_no(i):
    # 2012, 北京 11, authority 101, 小学 2, 男 1, serial
    return "20121110121%06d" % (900000 + i)


def make_applicants(env, first, n):
    """Accounts first..first+n-1 (verified 东城 teachers with one 2012
    小学 certificate each, nothing applied yet).  Returns their ids."""
    ids = []
    accts, certs = [], []
    for i in range(first, first + n):
        idn, birth = id_number(i)
        name = "测试%d" % i
        accts.append(
            "(%d, '居民身份证', '%s', '%s', '139%08d', 'x', '汉族', '男', "
            "'%s', '北京市东城区和平里东街15号', '100013', 1, 1600000000, "
            "1600000000)" % (i, idn, name, i, birth.isoformat()))
        certs.append(
            "('%s', '%s', '居民身份证', '%s', '男', 2, '小学教师资格', '数学', "
            "'北京市东城区教育委员会', '110000', '110101', '2012-07-20', "
            "'有效', 'registry', '无需核验', 1700000000)"
            % (cert_no(i), name, idn))
        ids.append(i)
    env.sql("INSERT INTO accounts (id, id_type, id_number, name, phone, "
            "password_hash, ethnicity, sex, birth_date, address, postcode, "
            "verified, verified_at, created_at) VALUES " + ", ".join(accts))
    env.sql("INSERT INTO certificates (cert_no, holder_name, id_type, "
            "id_number, sex, kind, kind_name, subject, authority_name, "
            "province_code, city_code, issued_on, status, source, "
            "review_state, created_at) VALUES " + ", ".join(certs))
    return ids


def login_many(env, ids):
    """requests.Sessions logged in as each account (one INSERT for all:
    as JszgEnv.login_as)."""
    import hashlib
    import json
    import secrets
    now = int(time.time())
    rows, out = [], {}
    for a in ids:
        token = secrets.token_urlsafe(32)
        data = json.dumps({"name": "测试%d" % a, "entry": "dqzc"},
                          ensure_ascii=False)
        rows.append("('%s', %d, %d, %d, %d, '127.0.0.1', 'tests', '%s')"
                    % (hashlib.sha256(token.encode()).hexdigest(), a, now,
                       now, now + 8 * 3600, data))
        s = env.session()
        s.cookies.set("jszg_sid", token)
        out[a] = s
    env.sql("INSERT INTO sessions (id_hash, account_id, created_at, "
            "last_seen_at, expires_at, ip, user_agent, data) VALUES "
            + ", ".join(rows))
    return out


def all_apps(env, ids):
    """{account: [(reg_no, events, idempotency keys)]} in one query."""
    out = {a: [] for a in ids}
    text = env.sql(
        "SELECT a.account_id, a.reg_no, (SELECT COUNT(*) FROM "
        "application_events e WHERE e.application_id = a.id), (SELECT "
        "COUNT(*) FROM idempotency_keys k WHERE k.result = a.reg_no) FROM "
        "applications a WHERE a.account_id BETWEEN %d AND %d ORDER BY a.id"
        % (min(ids), max(ids)))
    for line in text.splitlines():
        a, reg, ev, k = line.split("|")
        out.setdefault(int(a), []).append((reg, ev, k))
    return out


def app_rows(env, account_id):
    """(reg_no, number of events, has idempotency key) of each
    application of the account."""
    out = env.sql("SELECT a.reg_no, (SELECT COUNT(*) FROM application_events"
                  " e WHERE e.application_id = a.id), (SELECT COUNT(*) FROM "
                  "idempotency_keys k WHERE k.result = a.reg_no) FROM "
                  "applications a WHERE a.account_id = %d ORDER BY a.id"
                  % account_id)
    return [tuple(line.split("|")) for line in out.splitlines() if line]


def wait_until(pred, what, timeout=20, step=0.05, diag=None):
    """Poll `pred` until true (its value is returned); `diag()` says
    what was seen when it never came."""
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out waiting for " + what
                         + (": %s" % (diag(),) if diag else ""))


class Client:
    """One applicant driving the wizard through the API, recording every
    answer.  `retry` repeats a step that got 503 (or a connection error)
    until `deadline`."""

    def __init__(self, env, account_id, log, session=None):
        self.env = env
        self.account = account_id
        self.s = session or env.login_as(account_id)
        self.log = log          # list of (account, what, status)
        self.token = None

    def call(self, method, path, **kw):
        kw.setdefault("timeout", 30)
        kw.setdefault("headers", {})
        if method == "POST":
            if not self.token:
                r = self.env.get("/api/v1/csrf", self.s, timeout=30)
                self.log.append((self.account, "csrf", r.status_code))
                if r.status_code != 200:
                    return r
                self.token = r.json()["csrf"]
            kw["headers"]["X-CSRF-Token"] = self.token
            r = self.env.post(path, self.s, **kw)
        else:
            r = self.env.get(path, self.s, **kw)
        self.log.append((self.account, path, r.status_code))
        return r

    def retry(self, method, path, deadline, ok=(200, 201), **kw):
        while True:
            try:
                r = self.call(method, path, **kw)
            except requests.ConnectionError as e:
                self.log.append((self.account, path, "reset: %s" % e))
                r = None
            if r is not None and r.status_code in ok:
                return r
            if r is not None and r.status_code != 503:
                raise AssertionError("%s %s: %d %s" % (method, path,
                                                      r.status_code,
                                                      r.text[:300]))
            if time.time() > deadline:
                raise AssertionError("%s %s: still failing at the deadline"
                                     % (method, path))
            time.sleep(0.1)

    def walk(self, deadline):
        """Steps start .. 5, each retried through an outage."""
        self.retry("POST", "/api/v1/dqzc/start", deadline,
                   data={"institution_id": INSTITUTION, "point_id": POINT,
                         "stage": "小学"})
        self.retry("POST", "/api/v1/dqzc/wizard/1", deadline,
                   data={"agree": "1"})
        self.retry("POST", "/api/v1/dqzc/wizard/2", deadline,
                   data=dict(PERSON, cert_no=cert_no(self.account)),
                   files={"photo": ("photo.jpg", photo("good"),
                                    "image/jpeg")})
        self.retry("POST", "/api/v1/dqzc/wizard/3", deadline, data=CHOICE)
        for n in (4, 5):
            self.retry("POST", "/api/v1/dqzc/wizard/%d" % n, deadline)

    def submit(self, key, timeout=30):
        return self.call("POST", "/api/v1/dqzc/wizard/6",
                         headers={"Idempotency-Key": key},
                         data={"choice": "agree"}, timeout=timeout)


# ---- which child serves a connection ---------------------------------------

def _tcp_inodes(local_port, remote_port):
    """Inodes of the server-side sockets 127.0.0.1:local_port <->
    127.0.0.1:remote_port (/proc/net/tcp)."""
    out = []
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            p = line.split()
            lport = int(p[1].split(":")[1], 16)
            rport = int(p[2].split(":")[1], 16)
            if lport == local_port and rport == remote_port:
                out.append((p[9], int(p[4].split(":")[1], 16)))
    return out


def socket_owner(server_port, client_port):
    """(pid, rx_queue) of the httpd process holding the accepted socket of
    the client's connection, or None."""
    for inode, rxq in _tcp_inodes(server_port, client_port):
        if inode == "0":
            continue
        target = "socket:[%s]" % inode
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                for fd in os.listdir("/proc/%s/fd" % pid):
                    if os.readlink("/proc/%s/fd/%s" % (pid, fd)) == target:
                        return int(pid), rxq
            except OSError:
                continue
    return None


def httpd_children(env):
    """Pids of the children of the running httpd parent."""
    with open(os.path.join(env.root, "run", "httpd.pid")) as f:
        parent = int(f.read())
    kids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                st = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(st[1]) == parent:
            kids.append(int(pid))
    return parent, sorted(kids)
