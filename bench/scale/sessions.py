#!/usr/bin/python3
"""Logged-in sessions for the scale and soak benchmarks, written straight
into the database as tests/http/jszg_env.py login_as() does (the login
form has its own tests; a benchmark need not drive the captcha).

    sessions.py CONNINFO OUTDIR [N]

Picks N applicants who have applications (uniformly at random), gives
each a session, and a back-office session to sysadmin (system role) and
to a 注册机构 reviewer of the institution with the longest 待注册审批
queue (staff row 'scale-inst', created if missing).  That queue is first
given a full page (FULL_QUEUE) if it has less, by moving waiting
applications of other institutions into it: on the 1,000-row database
the longest queue holds 3, and a page of 3 rows against a page of 20
measured the rows rendered, not the size of the data (2.69x).
Writes wrk input files to OUTDIR, one request per line, "cookie<TAB>path":
  platform.txt  /platform                          (业务平台)
  records.txt   /platform/dqzc/records             (查询报名信息)
  detail.txt    /platform/dqzc/records/<报名号>     (详情)
  queue-inst.txt, queue-sys.txt  /admin/queue      (注册审批 queue)
"""
import hashlib
import json
import os
import secrets
import subprocess
import sys
import time

# One queue page (QUEUE_PAGE in mod_jszg/jszg_admin_apps.c) and the row
# past it that tells the page there is a next one.
FULL_QUEUE = 21


def psql(dsn, sql):
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v",
                          "ON_ERROR_STOP=1", "-d", dsn], input=sql,
                         check=True, capture_output=True, text=True)
    return [l.split("\t") for l in out.stdout.splitlines() if l]


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def fill_queue(dsn, inst):
    """Give institution INST at least FULL_QUEUE waiting applications,
    moved with their confirmation point from other institutions."""
    psql(dsn, """
UPDATE applications SET institution_id = %(i)s,
    point_id = (SELECT MIN(id) FROM confirmation_points WHERE institution_id = %(i)s)
WHERE id IN (SELECT id FROM applications
             WHERE status = '待注册审批' AND institution_id <> %(i)s
             ORDER BY id
             LIMIT GREATEST(0, %(n)d - (SELECT COUNT(*) FROM applications
                  WHERE status = '待注册审批' AND institution_id = %(i)s)));
""" % {"i": inst, "n": FULL_QUEUE})


def main():
    dsn, outdir = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    os.makedirs(outdir, exist_ok=True)
    now = int(time.time())
    # TABLESAMPLE keeps the pick cheap on 500k rows; fall back to all rows
    rows = psql(dsn, "SELECT a.account_id, a.reg_no, c.name FROM applications a "
                "JOIN accounts c ON c.id = a.account_id "
                "ORDER BY md5(a.reg_no || '%d') LIMIT %d" % (now, n))
    ins = []
    lines = {"platform": [], "records": [], "detail": []}
    for acct, reg, name in rows:
        tok = secrets.token_urlsafe(32)
        h = hashlib.sha256(tok.encode()).hexdigest()
        data = json.dumps({"name": name, "entry": "dqzc"}, ensure_ascii=False)
        ins.append("(%s, %s, %d, %d, %d, '127.0.0.1', 'wrk', %s)"
                   % (lit(h), acct, now, now, now + 8 * 3600, lit(data)))
        c = "jszg_sid=" + tok
        lines["platform"].append((c, "/platform"))
        lines["records"].append((c, "/platform/dqzc/records"))
        lines["detail"].append((c, "/platform/dqzc/records/" + reg))
    psql(dsn, "INSERT INTO sessions (id_hash, account_id, created_at, "
         "last_seen_at, expires_at, ip, user_agent, data) VALUES "
         + ",\n".join(ins) + ";")
    inst = psql(dsn, "SELECT institution_id FROM applications "
                "WHERE status = '待注册审批' GROUP BY institution_id "
                "ORDER BY COUNT(*) DESC, institution_id LIMIT 1")[0][0]
    fill_queue(dsn, inst)
    psql(dsn, "INSERT INTO staff (username, name, password_hash, role, "
         "institution_id, active, created_at) SELECT 'scale-inst', "
         "'规模测试审核员', password_hash, 'institution', %s, 1, %d "
         "FROM staff WHERE username = 'sysadmin' "
         "ON CONFLICT (username) DO UPDATE SET institution_id = "
         "excluded.institution_id;" % (inst, now))
    for user, fname in (("scale-inst", "queue-inst"),
                        ("sysadmin", "queue-sys")):
        lines[fname] = []
        for _ in range(4):
            tok = secrets.token_urlsafe(32)
            h = hashlib.sha256(tok.encode()).hexdigest()
            psql(dsn, "INSERT INTO admin_sessions (id_hash, staff_id, "
                 "created_at, last_seen_at, expires_at, ip, user_agent, "
                 "data) SELECT %s, id, %d, %d, %d, '127.0.0.1', 'wrk', '{}' "
                 "FROM staff WHERE username = %s;"
                 % (lit(h), now, now, now + 8 * 3600, lit(user)))
            lines[fname].append(("jszg_admin=" + tok, "/admin/queue"))
    for k, v in lines.items():
        with open(os.path.join(outdir, k + ".txt"), "w") as f:
            for c, p in v:
                f.write("%s\t%s\n" % (c, p))
    q = psql(dsn, "SELECT COUNT(*) FROM applications WHERE status = '待注册审批' "
             "AND institution_id = %s" % inst)[0][0]
    print("sessions: %d applicants; reviewer of institution %s (%s in its "
          "queue)" % (len(rows), inst, q))


if __name__ == "__main__":
    main()
