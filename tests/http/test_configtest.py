"""`apache2 -t` catches every mistake that would stop the module
(issue #17: it said "Syntax OK" and the server then failed to start with
the reason only in error_log).  Each message names its directive."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

from jszg_env import MODULE, TOP, scratch_root, server_environ

sys.path.insert(0, os.path.join(TOP, "conf"))
import mkroot  # noqa: E402


def configtest(env, root, edit=None, extra=""):
    root = scratch_root(os.path.dirname(root), os.path.basename(root))
    conf = mkroot.write_root(root, 1, MODULE, env.dbd[0], env.dbd[1],
                             "event", "warn", extra)
    if edit:
        with open(conf, encoding="utf-8") as f:
            text = f.read()
        text = edit(text)
        with open(conf, "w", encoding="utf-8") as f:
            f.write(text)
    return subprocess.run(["/usr/sbin/apache2", "-t", "-f", conf],
                          capture_output=True, text=True,
                          env=server_environ())


def without(directive):
    return lambda t: re.sub(r"(?m)^%s .*$" % directive, "", t)


def test_good_configuration_passes(env, tmp_path):
    out = configtest(env, str(tmp_path / "good"))
    assert out.returncode == 0, out.stderr
    assert "Syntax OK" in out.stderr


def test_missing_secret_file(env, tmp_path):
    out = configtest(env, str(tmp_path / "r"), without("JszgSecretFile"))
    assert out.returncode != 0
    assert "Syntax OK" not in out.stderr
    assert "JszgSecretFile is required" in out.stderr, out.stderr


def test_test_clock_in_production(env, tmp_path):
    out = configtest(env, str(tmp_path / "r"),
                     extra="JszgMode production\nJszgTestClock On")
    assert out.returncode != 0
    assert "JszgTestClock On is refused with JszgMode production" \
        in out.stderr, out.stderr


@pytest.mark.parametrize("value", ["-1", "367", "15x", "", "1e3"])
def test_decision_correct_days_checked(env, tmp_path, value):
    out = configtest(env, str(tmp_path / "r"),
                     extra="JszgDecisionCorrectDays %s" % value)
    assert out.returncode != 0
    assert "Syntax OK" not in out.stderr
    assert "JszgDecisionCorrectDays" in out.stderr, out.stderr


def test_decision_correct_days_accepted(env, tmp_path):
    out = configtest(env, str(tmp_path / "r"),
                     extra="JszgDecisionCorrectDays 0")
    assert out.returncode == 0, out.stderr


def test_template_dir_missing(env, tmp_path):
    missing = str(tmp_path / "no-such-templates")
    out = configtest(env, str(tmp_path / "r"), lambda t: re.sub(
        r"(?m)^JszgTemplateDir .*$", 'JszgTemplateDir "%s"' % missing, t))
    assert out.returncode != 0
    assert "JszgTemplateDir %s" % missing in out.stderr, out.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="the children switch user "
                    "only when httpd starts as root")
def test_template_dir_the_children_cannot_read(env, tmp_path):
    """A checkout in /root (mode 700): the parent (root) reads the
    templates, the children (www-data) cannot; said before start."""
    # (pytest's tmp_path is private itself, and so is a checkout in /root:
    # the checkout's shared directory is not)
    base = tempfile.mkdtemp(dir=mkroot.shared_dir())
    os.chmod(base, 0o755)
    private = os.path.join(base, "private")
    os.mkdir(private, 0o700)
    tpl = os.path.join(private, "templates")
    shutil.copytree(os.path.join(TOP, "htdocs", "templates"), tpl)
    out = configtest(env, str(tmp_path / "r"), lambda t: re.sub(
        r"(?m)^JszgTemplateDir .*$", 'JszgTemplateDir "%s"' % tpl, t))
    assert out.returncode != 0
    assert "JSZG10007" in out.stderr and "cannot read it" in out.stderr \
        and "no permission on %s;" % private in out.stderr, out.stderr
    os.chmod(private, 0o755)
    try:
        out = configtest(env, str(tmp_path / "r2"), lambda t: re.sub(
            r"(?m)^JszgTemplateDir .*$", 'JszgTemplateDir "%s"' % tpl, t))
        assert out.returncode == 0, out.stderr
    finally:
        shutil.rmtree(base)


def readme_example():
    """The README's "An example with PostgreSQL", as printed."""
    with open(os.path.join(TOP, "README.md"), encoding="utf-8") as f:
        text = f.read()
    part = text[text.index("### An example with PostgreSQL"):]
    return part[part.index("```apache\n") + 10:part.index("\n```\n")]


def test_readme_postgresql_example_passes(tmp_path):
    """The README's PostgreSQL example is a whole, valid configuration
    (issue 17: it lacked AsyncRequestWorkerFactor, the icon's Alias and
    the TLS lines of its <VirtualHost *:443>): `apache2 -t` on it as
    printed, with its file paths pointed into a scratch root and httpd's
    own basics (ServerRoot, pid file, MPM, the core modules a stock
    Debian loads) in front."""
    example = readme_example()
    for must in ("AsyncRequestWorkerFactor", "Alias /favicon.ico",
                 "SSLEngine on", "SSLCertificateFile", "DBDriver pgsql",
                 "DirectoryIndex disabled", "TraceEnable Off"):
        assert must in example, must
    root = scratch_root(str(tmp_path), "readme")
    os.makedirs(os.path.join(root, "run"), exist_ok=True)
    os.makedirs(os.path.join(root, "uploads"), exist_ok=True)
    files = {"/etc/apache2/jszg.secret": "secret",
             "/etc/ssl/certs/jszg.example.edu.cn.pem": "cert.pem",
             "/etc/ssl/private/jszg.example.edu.cn.key": "key.pem"}
    for name in files.values():
        with open(os.path.join(root, name), "w") as f:
            f.write("placeholder, never read by apache2 -t\n")
    htdocs = mkroot.htdocs_for(root, mkroot.child_user())
    conf = example.replace("/usr/lib/apache2/modules/mod_jszg.so", MODULE) \
        .replace("/usr/share/mod_jszg/htdocs", htdocs) \
        .replace("/var/lib/mod_jszg/uploads", os.path.join(root, "uploads"))
    for path, name in files.items():
        conf = conf.replace(path, os.path.join(root, name))
    assert "/usr/share/mod_jszg" not in conf and "/etc/" not in conf
    mods = "/usr/lib/apache2/modules"
    base = ['ServerRoot "%s"' % root, "ServerName 127.0.0.1",
            'PidFile "%s/run/httpd.pid"' % root,
            'DefaultRuntimeDir "%s/run"' % root,
            'ErrorLog "%s/error_log"' % root, "TypesConfig /etc/mime.types"]
    base += ["LoadModule %s_module %s/mod_%s.so" % (m, mods, m)
             for m in ("mpm_event", "authz_core", "authz_host", "alias",
                       "dir", "mime", "expires")]
    path = os.path.join(root, "readme.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(base) + "\n" + conf + "\n")
    out = subprocess.run(["/usr/sbin/apache2", "-t", "-f", path],
                         capture_output=True, text=True,
                         env=server_environ())
    assert out.returncode == 0 and "Syntax OK" in out.stderr, \
        (out.stderr, conf)
