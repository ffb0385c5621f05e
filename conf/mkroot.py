#!/usr/bin/python3
"""Build a self-contained httpd server root from conf/httpd.conf.in.

Used by `make run` and by the test harness (tests/http/jszg_env.py):
    conf/mkroot.py --root run --port 8080 --module .libs/mod_jszg.so \
                   --dbd-driver sqlite3 --dbd-params run/jszg.db
"""
import argparse
import os
import pwd
import secrets
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)

MPM_TUNING = {
    "event": "StartServers 2\nServerLimit 4\nThreadsPerChild 25\n"
             "MaxRequestWorkers 100\nMinSpareThreads 10\n"
             "MaxSpareThreads 75\nMaxConnectionsPerChild 0",
    "prefork": "StartServers 3\nMinSpareServers 2\nMaxSpareServers 4\n"
               "ServerLimit 8\nMaxRequestWorkers 8",
}


def apxs(var):
    return subprocess.run(["apxs", "-q", var], capture_output=True,
                          text=True, check=True).stdout.strip()


def write_root(root, port, module, driver, params, mpm="event",
               loglevel="warn", extra="", user=None, mode="dev"):
    """mode: the JszgMode line ("dev" for `make run` and the tests); None
    leaves the directive out, so that the module's default applies."""
    root = os.path.abspath(root)
    if driver == "sqlite3":
        params = os.path.abspath(params)
    for d in ("conf", "logs", "run", "uploads"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    secret = os.path.join(root, "conf", "secret")
    if not os.path.exists(secret):
        with open(os.open(secret, os.O_WRONLY | os.O_CREAT, 0o600),
                  "wb") as f:
            f.write(secrets.token_bytes(48))
    user_group = ""
    if os.geteuid() == 0:
        user = user or "www-data"
        pw = pwd.getpwnam(user)
        user_group = "User %s\nGroup #%d" % (user, pw.pw_gid)
        # children run as `user`: they write logs? no (parent does), but
        # uploads, the run dir and the SQLite database (and its directory,
        # for the WAL files) must be theirs.
        for d in ("uploads", "run"):
            os.chown(os.path.join(root, d), pw.pw_uid, pw.pw_gid)
        if driver == "sqlite3":
            dbdir = os.path.dirname(os.path.abspath(params))
            os.chown(dbdir, pw.pw_uid, pw.pw_gid)
            for f in os.listdir(dbdir):
                if f.startswith(os.path.basename(params)):
                    os.chown(os.path.join(dbdir, f), pw.pw_uid, pw.pw_gid)
    subst = {
        "@SERVER_ROOT@": root,
        "@PORT@": str(port),
        "@MODULE@": os.path.abspath(module),
        "@MODDIR@": apxs("LIBEXECDIR"),
        "@MPM@": mpm,
        "@MPM_TUNING@": MPM_TUNING[mpm],
        "@DBD_DRIVER@": driver,
        "@DBD_PARAMS@": params,
        "@HTDOCS@": os.path.join(TOP, "htdocs"),
        "@LOGLEVEL@": loglevel,
        "@USER_GROUP@": user_group,
        "@EXTRA@": extra,
        "@MODE@": "JszgMode %s" % mode if mode else "# no JszgMode line",
    }
    with open(os.path.join(HERE, "httpd.conf.in"), encoding="utf-8") as f:
        text = f.read()
    for k, v in subst.items():
        text = text.replace(k, v)
    conf = os.path.join(root, "conf", "httpd.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write(text)
    return conf


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", required=True)
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--module", default=os.path.join(TOP, ".libs",
                                                     "mod_jszg.so"))
    ap.add_argument("--dbd-driver", default="sqlite3")
    ap.add_argument("--dbd-params", required=True)
    ap.add_argument("--mpm", default="event", choices=sorted(MPM_TUNING))
    ap.add_argument("--loglevel", default="warn")
    ap.add_argument("--extra", default="")
    a = ap.parse_args()
    print(write_root(a.root, a.port, a.module, a.dbd_driver, a.dbd_params,
                     a.mpm, a.loglevel, a.extra))


if __name__ == "__main__":
    main()
