#!/usr/bin/python3
"""Build a self-contained httpd server root from conf/httpd.conf.in.

Used by `make run` and by the test harness (tests/http/jszg_env.py):
    conf/mkroot.py --root run --port 8080 --module .libs/mod_jszg.so \
                   --dbd-driver sqlite3 --dbd-params run/jszg.db

Started as root, httpd runs its children as www-data (as in production),
and they must reach the server root (database, uploads, run directory)
and htdocs (templates, static files).  A checkout in a private directory
(/root, mode 700; a mktemp -d directory) is out of their reach:
    conf/mkroot.py --where build/test-x
prints where such a root goes instead (build/test-x itself when the
children can reach it, else the same name under /var/tmp/mod_jszg-*/),
and write_root() copies htdocs into the root when the children cannot
read the checkout's.  A root the children cannot reach is refused with
one line (RootError) before httpd starts.
"""
import argparse
import hashlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys

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


# Where roots go when the children cannot reach the checkout: a directory
# every user can traverse, kept across reboots like the checkout's build/.
SHARED_BASE = "/var/tmp"


class RootError(Exception):
    """A server root the children could not use; the message is one line
    saying what is wrong and what to do."""


def child_user(user=None):
    """The user httpd's children run as: www-data (or `user`) when started
    as root, else the caller (None: no User directive)."""
    if os.geteuid() != 0:
        return None
    return user or "www-data"


def _as_user(user, script, *args):
    """Run the sh `script` (with $1... = args) as `user`; its result."""
    pw = pwd.getpwnam(user)
    return subprocess.run(["/bin/sh", "-c", script, "sh"] + list(args),
                          user=pw.pw_uid, group=pw.pw_gid, extra_groups=[],
                          cwd="/", capture_output=True, text=True)


def blocked_at(path, user, need="x"):
    """The first directory from / down to `path` (the nearest existing
    one) that `user` cannot search, or `path` itself when it lacks the
    `need` permissions (test(1) letters: "x", "rx", "wx"); None when
    `user` can use it."""
    path = os.path.abspath(path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    parts = [path]
    while parts[-1] != "/":
        parts.append(os.path.dirname(parts[-1]))
    script = ('p=$1; shift; for d in "$@"; do test -x "$d" || '
              '{ echo "$d"; exit 0; }; done; %s || echo "$p"'
              % " && ".join('test -%s "$p"' % c for c in need))
    out = _as_user(user, script, path, *reversed(parts[1:]))
    return out.stdout.strip() or None


def _why(path, user):
    st = os.stat(path)
    return ("%s cannot search %s (mode %o, owner %s)"
            % (user, path, st.st_mode & 0o7777,
               pwd.getpwuid(st.st_uid).pw_name))


def shared_dir_path():
    """This checkout's directory under SHARED_BASE: one per checkout path
    and user."""
    name = "mod_jszg-%s-%s" % (
        os.path.basename(TOP) or "top",
        hashlib.sha256(("%d:%s" % (os.geteuid(), TOP)).encode())
        .hexdigest()[:10])
    return os.path.join(SHARED_BASE, name)


def shared_dir():
    """shared_dir_path(), created if needed, owned by the caller, mode
    755; refused when someone else made it first."""
    path = shared_dir_path()
    try:
        os.mkdir(path, 0o755)
    except FileExistsError:
        pass
    st = os.lstat(path)
    if not os.path.isdir(path) or os.path.islink(path) \
            or st.st_uid != os.geteuid():
        raise RootError("%s exists but is not a directory of %s: remove "
                        "it, or put the checkout where %s can read it"
                        % (path, pwd.getpwuid(os.geteuid()).pw_name,
                           child_user()))
    os.chmod(path, 0o755)
    return path


def server_root(default, user=None):
    """Where a dev/test server root meant to be `default` (a path in the
    checkout) goes: `default` itself when the children's user can reach
    it, else the same path relative to the checkout under shared_dir()."""
    default = os.path.abspath(default)
    user = child_user(user)
    if user is None or blocked_at(default, user) is None:
        return default
    rel = os.path.relpath(default, TOP)
    if rel.startswith(".."):
        rel = rel.replace("../", "").replace("/", "_").lstrip("._") \
            or "root"
    return os.path.join(shared_dir(), rel)


def _copy_htdocs(root):
    """A copy of the checkout's htdocs in the server root, readable by
    everyone (the checkout's may have been made with umask 077)."""
    dst = os.path.join(root, "htdocs")
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(os.path.join(TOP, "htdocs"), dst, symlinks=False)
    for d, dirs, files in os.walk(dst):
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o644)
    return dst


_htdocs_ok = {}


def htdocs_for(root, user):
    """The htdocs the server of `root` serves: the checkout's when the
    children can read all of it, else a copy in the root (made once per
    root and process: a copy replaced under a running server would make
    a child spawned meanwhile miss its templates)."""
    src = os.path.join(TOP, "htdocs")
    if user is None:
        return src
    if user not in _htdocs_ok:
        out = _as_user(user, 'find "$1" ! -readable -print -quit 2>&1 || '
                       'echo "$1"', src)
        _htdocs_ok[user] = out.stdout.strip() == "" \
            and blocked_at(src, user, "rx") is None
    if _htdocs_ok[user]:
        return src
    copy = os.path.join(root, "htdocs")
    if (root, user) not in _htdocs_ok or not os.path.isdir(copy):
        _htdocs_ok[(root, user)] = True
        return _copy_htdocs(root)
    return copy


def check_port(port):
    """Refuse a port already taken (make run) before httpd starts."""
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
    except OSError as e:
        raise RootError("port %d on 127.0.0.1 is taken (%s): stop what "
                        "listens there or pick another, e.g. make run "
                        "PORT=%d" % (port, e.strerror, port + 1))
    finally:
        s.close()


def check_reach(root, user=None):
    """Refuse (RootError) a server root httpd's children cannot reach:
    they would answer 403 and log 'Permission denied' on every page."""
    user = child_user(user)
    if user is None:
        return
    try:
        pwd.getpwnam(user)
    except KeyError:
        raise RootError("there is no user %s for httpd's children: "
                        "apt-get install apache2 creates it" % user)
    blocked = blocked_at(root, user)
    if blocked is not None:
        raise RootError(
            "httpd's children cannot reach the server root %s: %s; "
            "place it with conf/mkroot.py --where %s (make run and the "
            "tests do)" % (root, _why(blocked, user), root))


def write_root(root, port, module, driver, params, mpm="event",
               loglevel="warn", extra="", user=None, mode="dev",
               check=False):
    """The httpd.conf of a server root; with `check`, refuse a root the
    children cannot reach (check_reach) first.  mode: the JszgMode line
    ("dev" for `make run` and the tests); None leaves the directive out,
    so that the module's default applies."""
    root = os.path.abspath(root)
    if driver == "sqlite3":
        params = os.path.abspath(params)
    user = child_user(user)
    if check:
        check_reach(root, user)
    # no umask 077 directories on the children's way
    mask = os.umask(0o022)
    try:
        os.makedirs(root, exist_ok=True)
        for d in ("conf", "logs", "run", "uploads"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
    finally:
        os.umask(mask)
    if check:
        os.chmod(root, 0o755)
        check_reach(root, user)
    secret = os.path.join(root, "conf", "secret")
    if not os.path.exists(secret):
        with open(os.open(secret, os.O_WRONLY | os.O_CREAT, 0o600),
                  "wb") as f:
            f.write(secrets.token_bytes(48))
    user_group = ""
    if user is not None:
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
        "@HTDOCS@": htdocs_for(root, user),
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
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--where", metavar="DEFAULT",
                    help="print where the server root meant to be DEFAULT "
                         "goes, and stop")
    ap.add_argument("--check-port", type=int, metavar="PORT",
                    help="refuse a port that is taken, and stop")
    ap.add_argument("--clean", action="store_true",
                    help="remove this checkout's directory under %s"
                         % SHARED_BASE)
    ap.add_argument("--root")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--module", default=os.path.join(TOP, ".libs",
                                                     "mod_jszg.so"))
    ap.add_argument("--dbd-driver", default="sqlite3")
    ap.add_argument("--mpm", default="event", choices=sorted(MPM_TUNING))
    ap.add_argument("--loglevel", default="warn")
    ap.add_argument("--extra", default="")
    ap.add_argument("--dbd-params")
    a = ap.parse_args()
    try:
        if a.where:
            where = server_root(a.where)
            if where != os.path.abspath(a.where):
                print("mkroot: %s; the server root is %s instead (and "
                      "htdocs a copy there, made at each start)"
                      % (_why(blocked_at(a.where, child_user()),
                              child_user()), where), file=sys.stderr)
            print(where)
        elif a.clean:
            path = shared_dir_path()
            if os.path.isdir(path) and not os.path.islink(path) \
                    and os.lstat(path).st_uid == os.geteuid():
                shutil.rmtree(path)
        elif a.check_port:
            check_port(a.check_port)
        elif not a.root or not a.dbd_params:
            ap.error("--root and --dbd-params are needed")
        else:
            print(write_root(a.root, a.port, a.module, a.dbd_driver,
                             a.dbd_params, a.mpm, a.loglevel, a.extra,
                             check=True))
    except RootError as e:
        print("mkroot: %s" % e, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
