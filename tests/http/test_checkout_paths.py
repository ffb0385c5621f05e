"""Where the checkout may live (issue 20).

Started as root, httpd runs its children as www-data; a checkout in a
private directory (/root, mode 700; a mktemp -d directory) is out of
their reach.  The test servers and `make run` then keep their server root
(database, uploads, logs, a copy of htdocs) under /var/tmp
(conf/mkroot.py); a root the children cannot reach is refused before
httpd starts; a path make cannot handle is refused by the Makefile at
once.  None of these tests uses the session's server.
"""
import os
import secrets
import shutil
import socket
import subprocess
import tempfile

import pytest

from jszg_env import MODULE, TOP, mkroot

PYTHON = "/usr/bin/python3"


@pytest.fixture
def private_dir():
    """A mktemp -d directory: mode 700, owned by the caller."""
    d = tempfile.mkdtemp(prefix="jszg-private-")
    assert os.stat(d).st_mode & 0o777 == 0o700
    yield d
    shutil.rmtree(d, ignore_errors=True)


def copy_checkout(dst):
    """The working tree (with its uncommitted changes) and the built
    module, without build output."""
    shutil.copytree(TOP, dst, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", "build", "run", "build.log", "*.o", "*.lo", "*.slo",
        "__pycache__", ".pytest_cache"))
    assert os.path.exists(os.path.join(dst, ".libs", "mod_jszg.so")), \
        "build the module first"


def test_smoke_from_a_checkout_in_a_private_directory(private_dir):
    """The smoke tests (start, home page, login page, a logged-in page)
    pass from a checkout under a mode-700 directory, serving that
    checkout's templates and static files."""
    top = os.path.join(private_dir, "checkout")
    copy_checkout(top)
    marker = "私有目录检出-%s" % secrets.token_hex(4)
    home = os.path.join(top, "htdocs", "templates", "home.html")
    with open(home, encoding="utf-8") as f:
        text = f.read()
    assert "网上办理平台</p>" in text
    with open(home, "w", encoding="utf-8") as f:
        f.write(text.replace("网上办理平台</p>", "网上办理平台%s</p>" % marker,
                             1))
    with open(os.path.join(top, "htdocs", "static", "css", "site.css"), "a",
              encoding="utf-8") as f:
        f.write("\n/* %s */\n" % marker)
    env = dict(os.environ, JSZG_TEST_ENGINES="sqlite",
               JSZG_SMOKE_MARKER=marker)
    env.pop("PYTEST_ADDOPTS", None)
    try:
        out = subprocess.run(
            [PYTHON, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
             "tests/http/test_smoke.py"], cwd=top, env=env,
            capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
        assert "3 passed" in out.stdout, out.stdout
        if os.geteuid() == 0:
            # the root went where www-data can reach it, not into build/
            where = subprocess.run(
                [PYTHON, os.path.join(top, "conf", "mkroot.py"), "--where",
                 os.path.join(top, "build", "test-sqlite-event")],
                capture_output=True, text=True, check=True)
            root = where.stdout.strip()
            assert root.startswith(mkroot.SHARED_BASE + "/"), root
            assert "www-data cannot search %s (mode 700" % private_dir \
                in where.stderr, where.stderr
            with open(os.path.join(root, "conf", "httpd.conf")) as f:
                conf = f.read()
            assert 'JszgTemplateDir "%s/htdocs/templates"' % root in conf \
                or "JszgTemplateDir %s/htdocs/templates" % root in conf, conf
    finally:
        subprocess.run([PYTHON, os.path.join(top, "conf", "mkroot.py"),
                        "--clean"], capture_output=True)


@pytest.mark.skipif(os.geteuid() != 0,
                    reason="without root the children run as the caller")
def test_unreachable_root_refused_before_start(private_dir):
    root = os.path.join(private_dir, "srv")
    with pytest.raises(mkroot.RootError) as e:
        mkroot.write_root(root, 1, MODULE, "sqlite3",
                          os.path.join(root, "jszg.db"), check=True)
    msg = str(e.value)
    assert "\n" not in msg
    assert "www-data cannot search %s (mode 700, owner root)" % private_dir \
        in msg and "--where %s" % root in msg, msg
    assert not os.path.exists(root)
    # the command line says the same in one line, exit status 2
    out = subprocess.run([PYTHON, os.path.join(TOP, "conf", "mkroot.py"),
                          "--root", root, "--dbd-params", root + "/db"],
                         capture_output=True, text=True)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr == "mkroot: %s\n" % msg


@pytest.mark.skipif(os.geteuid() != 0,
                    reason="without root the children run as the caller")
def test_server_root_placed_where_the_children_reach_it(private_dir):
    assert mkroot.server_root(os.path.join(TOP, "build", "x")) \
        == os.path.join(TOP, "build", "x") \
        or mkroot.blocked_at(TOP, "www-data") is not None
    existed = os.path.exists(mkroot.shared_dir_path())
    root = mkroot.server_root(os.path.join(private_dir, "a", "b"))
    try:
        assert root.startswith(mkroot.shared_dir() + "/")
        conf = mkroot.write_root(root, 1, MODULE, "sqlite3",
                                 os.path.join(root, "jszg.db"), check=True)
        assert conf.startswith(root)
        assert mkroot.blocked_at(os.path.join(root, "uploads"), "www-data",
                                 "rwx") is None
    finally:
        shutil.rmtree(mkroot.shared_dir_path() if not existed else root,
                      ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0,
                    reason="without root the children run as the caller")
def test_shared_dir_of_another_owner_refused(monkeypatch, private_dir):
    base = os.path.join(private_dir, "base")
    os.mkdir(base, 0o755)
    os.chmod(private_dir, 0o755)
    monkeypatch.setattr(mkroot, "SHARED_BASE", base)
    path = mkroot.shared_dir()
    os.chown(path, 65534, 65534)      # nobody made it first
    with pytest.raises(mkroot.RootError) as e:
        mkroot.shared_dir()
    assert "%s exists but is not a directory of root" % path in str(e.value)


def test_taken_port_refused_before_start():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    port = s.getsockname()[1]
    try:
        out = subprocess.run([PYTHON, os.path.join(TOP, "conf", "mkroot.py"),
                              "--check-port", str(port)],
                             capture_output=True, text=True)
    finally:
        s.close()
    assert out.returncode == 2
    assert out.stderr == (
        "mkroot: port %d on 127.0.0.1 is taken (Address already in use): "
        "stop what listens there or pick another, e.g. make run PORT=%d\n"
        % (port, port + 1))


def make(top, target):
    """make -n TARGET in `top`, as a person would type it: without the
    flags of a make that runs this test (make test)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    return subprocess.run(["make", "-n", target], cwd=top, env=env,
                          capture_output=True, text=True)


@pytest.mark.parametrize("name", ["with space", "a:b", "a;b", "50%", "a$b",
                                  "it's", "a#b"])
def test_makefile_refuses_a_path_it_cannot_handle(private_dir, name):
    """At once, for any target, naming the path; before make reads any
    rule (it used to stop with 'mixed implicit and normal rules')."""
    top = os.path.join(private_dir, name, "checkout")
    os.makedirs(top)
    shutil.copy(os.path.join(TOP, "Makefile"), top)
    for target in ("run", "test", "clean"):
        out = make(top, target)
        assert out.returncode != 0
        assert out.stdout == ""
        lines = out.stderr.splitlines()
        assert len(lines) == 1, out.stderr
        assert "the checkout path '%s' contains " % top in lines[0]
        assert "clone or move it to a path of letters, digits" in lines[0]


def test_makefile_accepts_an_ordinary_path(private_dir):
    top = os.path.join(private_dir, "教师-1.0_x+y", "checkout")
    os.makedirs(top)
    shutil.copy(os.path.join(TOP, "Makefile"), top)
    out = make(top, "clean")
    assert out.returncode == 0, out.stderr
    assert "rm -rf .libs build" in out.stdout

