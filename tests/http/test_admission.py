"""Admission control: the in-flight gate, the FIFO waiting room, admitted
sessions first, signed tickets and admission cookies, per-client limits,
exempt paths, config errors, the status handler, prefork and restarts.

Deterministic: the server is held full by a request whose handler works
until its client goes away (a raw socket sending a complete POST with
`X-Jszg-Test-Hold`, honoured with JszgTestClock On only: a body that never
arrives no longer holds a slot, see test_admission_body.py), and every
"now it is free" is awaited on the status handler's counters, never on a
sleep.
"""
import json
import os
import signal
import socket
import threading
import time

import pytest
import requests

from jszg_env import JszgEnv

# After `<Location />` in httpd.conf.in (an <If> is applied after every
# <Location>, so it wins over `SetHandler jszg` there).
STATUS = """
<If "%{REQUEST_URI} == '/jszg-status'">
    SetHandler jszg-status
    Require ip 127.0.0.1
</If>
<If "%{REQUEST_URI} == '/jszg-status-private'">
    SetHandler jszg-status
    Require ip 192.0.2.1
</If>
"""


def config(*lines):
    return "JszgAdmission On\n" + "\n".join(lines) + "\n" + STATUS


def status(env):
    r = env.get("/jszg-status?json")
    assert r.status_code == 200, r.text
    return r.json()


def wait_for(env, pred, what, timeout=15):
    end = time.time() + timeout
    st = None
    while time.time() < end:
        st = status(env)
        if pred(st):
            return st
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s; status %s" % (what, st))


OPEN = []


HOLD_BODY = "_csrf="


def hold_request(cookie=None, seconds=120):
    """A complete form POST whose handler, once admitted, works until the
    client closes (the test hook X-Jszg-Test-Hold: a slow handler)."""
    head = ("POST /services/dqzc/enter HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "X-Jszg-Test-Hold: %d\r\n"
            "Content-Length: %d\r\n" % (seconds, len(HOLD_BODY)))
    if cookie:
        head += "Cookie: %s\r\n" % cookie
    return (head + "\r\n" + HOLD_BODY).encode()


class Hold:
    """A request whose handler works until close(): it holds its in-flight
    slot meanwhile, as a slow page would."""

    def __init__(self, env, cookie=None):
        self.sock = socket.create_connection(("127.0.0.1", env.port))
        OPEN.append(self)
        self.sock.sendall(hold_request(cookie))

    def close(self):
        self.sock.close()


def hold_full(env, n=1, cookie=None):
    holds = []
    for i in range(n):
        holds.append(Hold(env, cookie))
        wait_for(env, lambda st, k=i + 1: st["in_flight"] == k,
                 "%d held" % (i + 1))
    return holds


def release(env, holds):
    for h in holds:
        h.close()
    wait_for(env, lambda st: st["in_flight"] == 0, "all released")


def queued(r):
    return r.status_code == 503 and "当前排队位置" in r.text


def position(r):
    import re
    m = re.search(r'id="jszg-queue-position">(\d+)<', r.text)
    return int(m.group(1))


@pytest.fixture(scope="module", autouse=True)
def _restore(env):
    yield
    env.restart("")


@pytest.fixture(autouse=True)
def _close_holds():
    """A failed test must not leave a request hanging in the server."""
    yield
    while OPEN:
        OPEN.pop().close()


@pytest.fixture
def adm(env):
    """The server restarted with admission control and JszgMaxInFlight 1
    (a full restart: fresh shared memory, counters at zero)."""
    env.restart(config("JszgMaxInFlight 1", "JszgClientRate off"))
    env.mark_log()
    return env


# ---- the gate and the queue ---------------------------------------------

def test_admission_gate_fifo_queue_and_continue(adm):
    env = adm
    holds = hold_full(env)
    a, b = env.session(), env.session()
    ra = env.get("/news?page=1", a)
    assert queued(ra) and position(ra) == 1
    assert ra.headers["Retry-After"] == "5"
    assert ra.headers["Cache-Control"] == "no-store"
    assert '<meta http-equiv="refresh" content="5"/>' in ra.text
    assert "jszg_qt" in a.cookies
    rb = env.get("/", b)
    assert queued(rb) and position(rb) == 2
    # a reload keeps the place; the poll says the same
    assert position(env.get("/news?page=1", a)) == 1
    j = env.get("/api/v1/queue", b).json()
    assert j["status"] == "waiting" and j["position"] == 2
    assert j["number"] == 2 and j["ticket"] == b.cookies["jszg_qt"]
    st = status(env)
    assert st["queue_length"] == 2 and st["head_ticket"] == 1
    # static files are never gated
    assert env.get("/static/css/site.css").status_code == 200

    release(env, holds)
    # b asks first, but a is ahead: a is called, b still waits
    j = env.get("/api/v1/queue", b).json()
    assert j["status"] == "waiting" and j["position"] == 1
    assert status(env)["called"] == 1
    # a comes back to the page it asked for, and is in
    ra = env.get("/news?page=1", a)
    assert ra.status_code == 200 and "资格资讯" in ra.text
    assert "jszg_adm" in a.cookies
    wait_for(env, lambda st: st["in_flight"] == 0, "a done")
    assert env.get("/api/v1/queue", b).json()["status"] == "admitted"
    assert env.get("/", b).status_code == 200
    st = status(env)
    assert st["queue_length"] == 0
    assert st["totals"]["admitted"] == 3      # the hold, a, b
    assert st["totals"]["queued"] >= 3


ORDER_LOG = ('CustomLog "%s" "%%{JSZG_ORDER}e %%{JSZG_ADM}e '
             '%%{JSZG_TICKET}e" env=JSZG_ORDER')


def fifo_check(path):
    """bench/admission/fifo.py's check over an order log."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "fifo", os.path.join(os.path.dirname(__file__), "..", "..", "bench",
                             "admission", "fifo.py"))
    fifo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fifo)
    return fifo.check(fifo.read(path))


def test_admission_order_log_shows_fifo(env):
    """Every queue decision is numbered (JSZG_ORDER) for the access log,
    and the bench's FIFO check reads it: in order here, and a made-up
    log where a later ticket jumps the queue is caught."""
    log = os.path.join(env.root, "logs", "order_log")
    if os.path.exists(log):
        os.unlink(log)
    env.restart(config("JszgMaxInFlight 1", "JszgClientRate off",
                       ORDER_LOG % log))
    holds = hold_full(env)
    a, b, c = env.session(), env.session(), env.session()
    for s in (a, b, c):
        assert queued(env.get("/news", s))
    release(env, holds)
    # b and c ask before a comes back: they wait
    assert env.get("/api/v1/queue", c).json()["status"] == "waiting"
    assert env.get("/api/v1/queue", b).json()["status"] == "waiting"
    for s in (a, b, c):
        assert env.get("/news", s).status_code == 200
        wait_for(env, lambda st: st["in_flight"] == 0, "done")
    env.restart("")                 # flushes and closes the log
    lines = [l.split() for l in open(log, encoding="utf-8")]
    # written when each request ends, numbered when it was decided
    lines.sort(key=lambda l: int(l[0]))
    assert [int(l[0]) for l in lines] == list(range(1, len(lines) + 1))
    assert [l[2] for l in lines if l[1] == "new"] == ["-", "1", "2", "3"]
    admitted, violations, examples = fifo_check(log)
    assert admitted == 4 and violations == 0, (lines, examples)
    # ticket 2 let in while ticket 1 still waits: caught
    bad = os.path.join(env.root, "logs", "order_bad")
    with open(bad, "w") as f:
        f.write("1 queued 1\n2 queued 2\n3 new 2\n4 queued 1\n5 new 1\n")
    assert fifo_check(bad)[1] == 1
    # someone straight in while a ticket waits: caught too
    with open(bad, "w") as f:
        f.write("1 queued 1\n2 new -\n3 queued 1\n4 new 1\n")
    assert fifo_check(bad)[1] == 1


def test_admission_api_client_gets_503_json(adm):
    env = adm
    holds = hold_full(env)
    r = env.get("/api/v1/regions")
    assert r.status_code == 503
    assert r.headers["Content-Type"].startswith("application/json")
    assert int(r.headers["Retry-After"]) > 0
    body = r.json()
    assert body["error"]["code"] == "queued"
    q = body["queue"]
    assert q["position"] == 1 and q["estimate"] > 0 and q["ticket"]
    # an API client keeps its place with the header, without cookies
    r2 = env.get("/api/v1/regions", headers={"X-Jszg-Ticket": q["ticket"]})
    assert r2.json()["queue"]["number"] == q["number"]
    assert env.get("/api/v1/regions").json()["queue"]["position"] == 2
    release(env, holds)
    r3 = env.get("/api/v1/regions", headers={"X-Jszg-Ticket": q["ticket"]})
    assert r3.status_code == 200


def test_admission_admitted_session_goes_first(adm):
    env = adm
    c = env.session()
    assert env.get("/", c).status_code == 200       # admitted while quiet
    wait_for(env, lambda st: st["in_flight"] == 0, "c done")
    holds = hold_full(env)
    n = env.session()
    assert queued(env.get("/", n))                   # a newcomer waits
    out = {}
    t = threading.Thread(target=lambda: out.update(
        r=env.get("/help", c, timeout=30)))
    t.start()
    # c is not sent to the waiting room: it waits for the slot
    wait_for(env, lambda st: st["admitted_waiting"] == 1, "c waiting")
    for h in holds:
        h.close()
    t.join(30)
    assert out["r"].status_code == 200 and "当前排队位置" not in out["r"].text
    wait_for(env, lambda st: st["in_flight"] == 0 and
             st["admitted_waiting"] == 0, "c done")
    assert status(env)["admitted_sessions"] >= 2


def test_admission_forged_and_replayed_tickets_refused(adm):
    env = adm
    holds = hold_full(env)
    a, b = env.session(), env.session()
    env.get("/", a)
    env.get("/", b)
    ta, tb = a.cookies["jszg_qt"], b.cookies["jszg_qt"]
    assert ta.split(".")[2] == "1" and tb.split(".")[2] == "2"
    # b edits its ticket number to jump ahead: refused, back of the queue
    parts = tb.split(".")
    parts[2] = "1"
    forged = env.session()
    forged.cookies.set("jszg_qt", ".".join(parts))
    r = env.get("/", forged)
    assert queued(r) and position(r) == 3
    # garbage is no better
    r = env.get("/", headers={"X-Jszg-Ticket": "T1.x.y.z.w"})
    assert queued(r) and position(r) == 4
    st = status(env)
    assert st["rejected"]["forged_ticket"] == 2
    # a forged admission cookie does not get in either
    r = env.get("/", cookies={"jszg_adm": "A1.0000000000000001.9999999999."
                                          "AAAAAAAAAAAAAAAAAAAAAA"})
    assert queued(r)
    assert status(env)["rejected"]["forged_admission"] == 1

    release(env, holds)
    assert env.get("/", a).status_code == 200        # a is in, ticket used
    wait_for(env, lambda st: st["in_flight"] == 0, "a done")
    # others still wait: hold the slot with a's admission
    holds = hold_full(env, cookie="jszg_adm=" + a.cookies["jszg_adm"])
    # a's ticket copied into another browser: used already, so a new
    # ticket at the back
    copy = env.session()
    copy.cookies.set("jszg_qt", ta)
    r = env.get("/", copy)
    assert queued(r) and position(r) == 5
    assert "jszg_qt=" in r.headers["Set-Cookie"]
    assert ta not in r.headers["Set-Cookie"]
    assert status(env)["rejected"]["replayed_ticket"] == 1
    release(env, holds)


def test_admission_expiry_and_post_grace(env):
    env.restart(config("JszgMaxInFlight 1", "JszgClientRate off",
                       "JszgAdmissionLifetime 60", "JszgTestClock On"))
    env.mark_log()
    s = env.session()
    assert env.get("/", s).status_code == 200
    wait_for(env, lambda st: st["in_flight"] == 0, "quiet")
    holds = hold_full(env)
    later = {"X-Jszg-Test-Now": str(int(time.time()) + 3600)}
    # an hour later the admission has expired: a page view waits in line
    assert queued(env.get("/", s, headers=later))
    assert status(env)["rejected"]["expired_admission"] == 1
    # but a form submitted late is never dropped
    out = {}
    t = threading.Thread(target=lambda: out.update(
        r=env.post("/services/dqzc/enter", s, headers=later,
                   data={"_csrf": "x"}, timeout=30)))
    t.start()
    wait_for(env, lambda st: st["admitted_waiting"] == 1, "post waiting")
    for h in holds:
        h.close()
    t.join(30)
    assert out["r"].status_code != 503     # reached the handler (CSRF: 403)
    assert status(env)["totals"]["post_grace"] == 1


# ---- per-client limits and exemptions -----------------------------------

def test_admission_client_rate_429(env):
    env.restart(config("JszgClientRate 0.01 2",
                       "JszgTrustedProxy X-Forwarded-For 127.0.0.1"))
    env.mark_log()
    assert env.get("/").status_code == 200
    assert env.get("/").status_code == 200
    r = env.get("/")
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 90       # 1 per 100 s
    assert "操作过于频繁" in r.text
    r = env.get("/api/v1/regions")
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "too_many_requests"
    # static files are never limited
    for _ in range(5):
        assert env.get("/static/css/site.css").status_code == 200
    # behind the trusted proxy: one bucket per IPv6 /64
    xff = lambda ip: {"X-Forwarded-For": "198.51.100.7, " + ip}
    assert env.get("/", headers=xff("2001:db8:1::1")).status_code == 200
    assert env.get("/", headers=xff("2001:db8:1::2")).status_code == 200
    assert env.get("/", headers=xff("2001:db8:1::3")).status_code == 429
    assert env.get("/", headers=xff("2001:db8:2::1")).status_code == 200
    assert status(env)["rejected"]["client_rate"] == 3


def test_admission_untrusted_proxy_header_ignored(env):
    env.restart(config("JszgClientRate 0.01 1",
                       "JszgTrustedProxy X-Forwarded-For 10.0.0.0/8"))
    env.mark_log()
    assert env.get("/", headers={"X-Forwarded-For": "192.0.2.1"}) \
        .status_code == 200
    # a different forged address does not buy a new bucket
    assert env.get("/", headers={"X-Forwarded-For": "192.0.2.2"}) \
        .status_code == 429


def test_admission_exempt_paths(env):
    env.restart(config("JszgMaxInFlight 1", "JszgClientRate off",
                       "JszgAdmissionExempt /api/v1/health /help"))
    env.mark_log()
    holds = hold_full(env)
    assert env.get("/api/v1/health").status_code == 200
    assert env.get("/help").status_code == 200
    assert env.get("/help/faq").status_code == 200
    assert queued(env.get("/helpdesk"))    # a prefix ends at a segment
    assert queued(env.get("/"))
    assert status(env)["in_flight"] == 1    # exempt requests not counted
    release(env, holds)


def test_admission_custom_template(env, tmp_path):
    tpl = tmp_path / "queue.html"
    tpl.write_text("<!DOCTYPE html><p>第{{position}}位 约{{wait_minutes}}"
                   "分钟 号{{ticket}}</p>", encoding="utf-8")
    os.chmod(tmp_path, 0o755)
    env.restart(config("JszgMaxInFlight 1", "JszgClientRate off",
                       "JszgQueueTemplate %s" % tpl))
    env.mark_log()
    holds = hold_full(env)
    r = env.get("/")
    assert r.status_code == 503 and r.text.startswith("<!DOCTYPE html><p>第1位")
    assert "号1</p>" in r.text
    release(env, holds)


# ---- configuration ------------------------------------------------------

BAD = [
    ("JszgMaxInFlight 0", "JszgMaxInFlight: '0' is not a number"),
    ("JszgMaxInFlight lots", "JszgMaxInFlight: 'lots'"),
    ("JszgAdmitRate 0", "JszgAdmitRate: '0' is not a rate"),
    ("JszgAdmitRate 5 0", "JszgAdmitRate: '0' is not a number"),
    ("JszgAdmitRate auto 5", "'auto' takes no burst"),
    ("JszgClientRate 10", "JszgClientRate needs a rate and a burst"),
    ("JszgClientRate fast 10", "JszgClientRate: 'fast' is not a rate"),
    ("JszgAdmissionLifetime 5", "JszgAdmissionLifetime: '5'"),
    ("JszgAdmissionExempt health", "JszgAdmissionExempt: 'health' is not"),
    ("JszgTrustedProxy X-Forwarded-For", "JszgTrustedProxy needs a header"),
    ("JszgTrustedProxy X-Forwarded-For 10.0.0.0/99",
     "'10.0.0.0/99' is not an IP address or network"),
    ("JszgTrustedProxy X:Y 10.0.0.1", "'X:Y' is not a header name"),
    ("JszgQueueTemplate /nonexistent/queue.html",
     "JszgQueueTemplate: cannot open"),
    ("JszgAdmission maybe", "JszgAdmission"),
    ("<VirtualHost 127.0.0.1:1>\nJszgMaxInFlight 3\n</VirtualHost>",
     "JszgMaxInFlight cannot occur within <VirtualHost> section"),
]


@pytest.mark.parametrize("line,message", BAD)
def test_admission_config_errors(env, line, message):
    try:
        env.write_config(config(line))
        out = env.apachectl("-t", check=False)
        assert out.returncode != 0
        assert message in out.stderr, out.stderr
    finally:
        env.write_config(env.extra)


def test_admission_template_placeholder_checked(env, tmp_path):
    tpl = tmp_path / "queue.html"
    tpl.write_text("<p>{{position}} {{name}}</p>", encoding="utf-8")
    try:
        env.write_config(config("JszgQueueTemplate %s" % tpl))
        out = env.apachectl("-t", check=False)
        assert out.returncode != 0
        assert "unknown placeholder {{name}}" in out.stderr
    finally:
        env.write_config(env.extra)


# ---- status handler -----------------------------------------------------

def test_admission_status_handler(adm):
    env = adm
    r = env.get("/jszg-status")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    for line in ("enabled: on", "max_in_flight: 1", "in_flight: 0",
                 "queue_length: 0", "rejected.client_rate: 0",
                 "totals.served: "):
        assert line in r.text
    j = env.get("/jszg-status?json").json()
    for k in ("in_flight", "admitted_sessions", "queue_length",
              "head_ticket", "served_per_sec", "rejected", "processes"):
        assert k in j
    # protected by Require like any location
    env.expect_log(r"AH01630: client denied by server configuration")
    assert env.get("/jszg-status-private").status_code == 403
    assert env.post("/jszg-status").status_code == 405


def test_admission_off_lets_everything_through(env):
    env.restart(STATUS)
    env.mark_log()
    holds = [Hold(env)]
    assert env.get("/").status_code == 200
    assert env.get("/api/v1/queue").json()["status"] == "admitted"
    st = status(env)
    assert st["enabled"] is False and st["in_flight"] == 0
    for h in holds:
        h.close()


def test_admission_auto_max_in_flight(env):
    # httpd.conf.in: DBDMax 8, event with 4 processes of 16 threads
    env.restart(config())
    env.mark_log()
    assert status(env)["max_in_flight"] == 32


# ---- processes and restarts ---------------------------------------------

def test_admission_graceful_restart_keeps_state(adm):
    env = adm
    holds = hold_full(env)
    a = env.session()
    assert queued(env.get("/", a))
    env.apachectl("-k", "graceful")
    # the new generation sees the old one's request and the queue
    time.sleep(0.5)
    env.wait_up()
    st = wait_for(env, lambda st: st["queue_length"] == 1, "queue kept")
    assert st["in_flight"] == 1
    assert position(env.get("/", a)) == 1
    release(env, holds)
    assert env.get("/api/v1/queue", a).json()["status"] == "admitted"


@pytest.fixture
def prefork(env):
    """A second server under prefork, with its own root and port."""
    e = JszgEnv("sqlite", mpm="prefork")
    e.root += "-admission"
    e.create_db()
    e.start(config("JszgMaxInFlight 2", "JszgClientRate off"))
    e.mark_log()
    yield e
    e.stop()


def test_admission_prefork_shared_counters_and_crash(prefork):
    e = prefork
    holds = hold_full(e, 2)
    st = status(e)
    busy = [p for p in st["processes"] if p["in_flight"] == 1]
    assert len(busy) == 2                 # two processes, one count
    assert queued(e.get("/"))
    # a child dies holding a request: its slot comes back
    os.kill(busy[0]["pid"], signal.SIGKILL)
    st = wait_for(e, lambda st: st["in_flight"] == 1, "slot reclaimed")
    assert st["totals"]["reclaimed"] == 1
    holds[1].close()
    holds[0].close()
    wait_for(e, lambda st: st["in_flight"] == 0, "released")
    assert not e.unexpected_log_lines()


def test_auto_in_flight_reads_dbdmax_of_a_virtual_host(env):
    """JszgMaxInFlight auto with the database set inside a <VirtualHost>
    (the README's layout): the gate is sized from that host's DBDMax,
    not from mod_dbd's default."""
    import shutil
    from jszg_env import build_root
    vh = JszgEnv(env.engine, env.pg)
    vh.root = build_root("test-%s-adm-vhost" % env.engine)
    vh.dbd = env.dbd
    shutil.rmtree(vh.root, ignore_errors=True)
    conf = vh.write_config("JszgAdmission On\nJszgMaxInFlight auto")
    with open(conf, encoding="utf-8") as f:
        lines = f.read().splitlines()
    dbd = [ln for ln in lines if ln.startswith("DBD")
           and not ln.startswith("DBDMax")] + ["DBDMax 5"]
    text = "\n".join(ln for ln in lines if not ln.startswith("DBD"))
    text += ("\n<VirtualHost 127.0.0.1:%d>\n    ServerName portal.test\n"
             "    %s\n</VirtualHost>\n" % (vh.port, "\n    ".join(dbd)))
    with open(conf, "w", encoding="utf-8") as f:
        f.write(text)
    vh.apachectl("-k", "start")
    try:
        vh.wait_up()
        assert vh.get("/").status_code == 200
        with open(vh.error_log, encoding="utf-8", errors="replace") as f:
            log = f.read()
        # 4 processes x min(DBDMax 5, 25 threads)
        assert "JszgMaxInFlight auto: 20 (DBDMax 5, at most 5 per " \
               "process, times 4 processes)" in log, log[-1500:]
        assert not vh.unexpected_log_lines()
    finally:
        vh.stop()
