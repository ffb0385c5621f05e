"""The Debian package on a stock Debian Apache (issue #17, deployment).

`make deb` built build/deb/libapache2-mod-jszg_*.deb.  This test installs
it with dpkg (this is a throwaway test machine; the package is purged at
the end), copies the stock /etc/apache2 into a scratch APACHE_CONFDIR, runs
`a2enmod jszg` and `a2ensite jszg` there exactly as the README says, moves
only the port and the run-time directories into the scratch directory, and
asks the running server for the home page, a static file and TRACE."""
import glob
import os
import re
import shutil
import socket
import subprocess
import time

import pytest
import requests

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEB_DIR = os.path.join(TOP, "build", "deb")

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="installs a package: needs root")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(argv, env=None, check=True):
    out = subprocess.run(argv, capture_output=True, text=True, env=env)
    if check and out.returncode != 0:
        raise AssertionError("%s: %d\n%s\n%s" % (" ".join(argv),
                                                 out.returncode, out.stdout,
                                                 out.stderr))
    return out


@pytest.fixture(scope="module")
def installed():
    debs = glob.glob(os.path.join(DEB_DIR, "libapache2-mod-jszg_*.deb"))
    assert debs, "run `make deb` first (make deploy-test does)"
    was = run(["dpkg-query", "-W", "-f=${Status}", "libapache2-mod-jszg"],
              check=False).stdout
    run(["dpkg", "-i", debs[0]])
    yield
    if "installed" not in was:
        run(["dpkg", "--purge", "libapache2-mod-jszg"], check=False)


@pytest.fixture
def stock(installed, tmp_path):
    """A copy of the stock /etc/apache2 with its own port and run dirs."""
    conf = tmp_path / "apache2"
    shutil.copytree("/etc/apache2", conf, symlinks=True)
    for d in ("run", "lock", "log"):
        (tmp_path / d).mkdir()
    port = free_port()
    with open(conf / "ports.conf", "w") as f:
        f.write("Listen 127.0.0.1:%d\n" % port)
    with open(conf / "envvars", "a") as f:
        f.write("\nexport APACHE_RUN_DIR=%s\nexport APACHE_PID_FILE=%s\n"
                "export APACHE_LOCK_DIR=%s\nexport APACHE_LOG_DIR=%s\n"
                % (tmp_path / "run", tmp_path / "run" / "apache2.pid",
                   tmp_path / "lock", tmp_path / "log"))
    # the site listens on *:80 as shipped; only the port moves
    env = dict(os.environ, APACHE_CONFDIR=str(conf))
    # not stock: the test dependencies' libapache2-mod-qos enables itself
    # (and fails to load without a LoadFile of libpcre, see DESIGN.md)
    for extra in ("qos",):
        if os.path.exists(conf / "mods-enabled" / ("%s.load" % extra)):
            run(["a2dismod", "-q", "-f", extra], env=env)
    yield conf, port, env, tmp_path
    run(["apache2ctl", "-k", "stop"], env=env, check=False)


def test_package_contents(installed):
    files = run(["dpkg", "-L", "libapache2-mod-jszg"]).stdout.split()
    for f in ("/usr/lib/apache2/modules/mod_jszg.so",
              "/etc/apache2/mods-available/jszg.load",
              "/etc/apache2/mods-available/jszg.conf",
              "/etc/apache2/sites-available/jszg.conf",
              "/usr/share/mod_jszg/htdocs/templates/layout.html",
              "/usr/share/mod_jszg/sql/apply.sh"):
        assert f in files, f
    # the postinst made the secret (root only) and the database
    st = os.stat("/etc/apache2/jszg.secret")
    assert st.st_size >= 32 and st.st_mode & 0o077 == 0
    assert os.path.exists("/var/lib/mod_jszg/jszg.db")


def test_stock_debian_a2enmod_a2ensite_serves_the_portal(stock):
    conf, port, env, tmp = stock
    run(["a2enmod", "-q", "jszg"], env=env)
    run(["a2ensite", "-q", "jszg"], env=env)
    assert os.path.islink(conf / "mods-enabled" / "jszg.load")
    assert os.path.islink(conf / "mods-enabled" / "dbd.load")
    out = run(["apache2ctl", "-t"], env=env)
    assert "Syntax OK" in out.stderr
    site = open(conf / "sites-available" / "jszg.conf").read()
    text = re.sub(r"<VirtualHost \*:80>", "<VirtualHost *:%d>" % port, site)
    with open(conf / "sites-available" / "jszg.conf", "w") as f:
        f.write(text)
    run(["apache2ctl", "-k", "start"], env=env)
    base = "http://127.0.0.1:%d" % port
    hdr = {"Host": "jszg.localhost"}
    deadline = time.time() + 15
    while True:
        try:
            r = requests.get(base + "/", headers=hdr, timeout=5,
                             allow_redirects=False)
            break
        except requests.ConnectionError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)
    assert r.status_code == 200, (r.status_code, r.text[:500],
                                  open(tmp / "log" / "error.log").read())
    assert "中国教师资格网" in r.text
    r = requests.get(base + "/static/css/site.css", headers=hdr, timeout=5)
    assert r.status_code == 200
    r = requests.get(base + "/favicon.ico", headers=hdr, timeout=5)
    assert r.status_code == 200 and r.content[:4] == b"\0\0\1\0"
    assert r.headers["Content-Type"].startswith("image/")
    r = requests.request("TRACE", base + "/", headers=hdr, timeout=5)
    assert r.status_code == 405
    r = requests.get(base + "/login", headers=hdr, timeout=5)
    assert r.status_code == 200 and "登录" in r.text
