"""Admission control across front ends: one waiting room shared by two
httpd instances (JszgSharedQueue), and the fallback to each front end's
own queue while the store is away -- each scenario once on a real
redis-server (redis://) and once on a real memcached (memcached://).

The second front end has its own server root and port but the same
database and the same server secret (tickets signed by one are honoured
by the other, as behind a load balancer).  The store is started by the
test on a free loopback port (redis-server in a temporary directory,
memcached without UDP) and stopped at the end.  As in test_admission.py,
"full" is a request held open and every wait is on the status handler,
never a sleep.
"""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from jszg_env import JszgEnv
from ports import free_port
from test_admission import (OPEN, config, hold_full, position, queued,
                            release, status, wait_for)

REDIS = "/usr/bin/redis-server"
MEMCACHED = "/usr/bin/memcached"


class Store:
    """A store server of our own: loopback, free port, no persistence (a
    restart starts empty)."""

    scheme = None
    PING = ANSWER = None

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="jszg-%s-" % self.scheme)
        self.port = free_port()
        self.proc = None

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % (self.scheme, self.port)

    def command(self):
        raise NotImplementedError

    def start(self):
        with open(os.path.join(self.dir, "out.log"), "ab") as out:
            self.proc = subprocess.Popen(self.command(),
                                         stdout=out, stderr=out)
        end = time.time() + 10
        while time.time() < end:
            if self.ping():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("%s did not start; see %s" % (self.scheme,
                                                         self.dir))

    def ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), 1) as s:
                s.sendall(self.PING)
                return s.recv(64).startswith(self.ANSWER)
        except OSError:
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis(Store):
    scheme = "redis"
    PING, ANSWER = b"PING\r\n", b"+PONG"

    def command(self):
        return [REDIS, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", self.dir,
                "--logfile", os.path.join(self.dir, "redis.log")]


class Memcached(Store):
    scheme = "memcached"
    PING, ANSWER = b"version\r\n", b"VERSION "

    def command(self):
        cmd = [MEMCACHED, "-l", "127.0.0.1", "-p", str(self.port), "-U", "0"]
        if os.geteuid() == 0:
            cmd += ["-u", "nobody"]     # memcached refuses to run as root
        return cmd


STORES = {"redis": Redis, "memcached": Memcached}


def peer_of(env, extra):
    """A second front end: own root and port, same database and secret."""
    e = JszgEnv(env.engine, env.pg, env.mpm)
    e.root = env.root + "-peer"
    shutil.rmtree(e.root, ignore_errors=True)
    os.makedirs(os.path.join(e.root, "conf"))
    shutil.copy2(os.path.join(env.root, "conf", "secret"),
                 os.path.join(e.root, "conf", "secret"))
    e.dbd = env.dbd
    if env.engine == "sqlite":
        e.dbfile = env.dbfile
    e.start(extra)
    e.mark_log()
    return e


def log_count(e, pattern):
    with open(e.error_log, encoding="utf-8", errors="replace") as f:
        f.seek(e.log_pos)
        return len(re.findall(pattern, f.read()))


def fallback(url):
    return r"JSZG15100: shared queue %s unreachable" % re.escape(url)


@pytest.fixture(scope="module", autouse=True)
def _restore(env):
    yield
    env.restart("")


@pytest.fixture(autouse=True)
def _close_holds():
    yield
    while OPEN:
        OPEN.pop().close()


@pytest.fixture(params=sorted(STORES))
def shared(request, env):
    """Two front ends (env and a peer), JszgMaxInFlight 1 each, sharing
    one queue in a fresh redis-server or memcached."""
    store = STORES[request.param]()
    peer = None
    try:
        store.start()
        cfg = config("JszgMaxInFlight 1", "JszgClientRate off",
                     "JszgSharedQueue %s" % store.url)
        env.restart(cfg)
        env.mark_log()
        peer = peer_of(env, cfg)
        # both have joined (the status handler joins too)
        for e in (env, peer):
            wait_for(e, lambda st: st["shared"]["state"] == "up", "joined")
        yield env, peer, store
        bad = peer.unexpected_log_lines()
        assert not bad, "peer: unexpected error log lines:\n" + \
            "\n".join(bad)
    finally:
        while OPEN:
            OPEN.pop().close()
        if peer:
            peer.stop()
        # the front end's heartbeat notices the store go away
        env.expect_log(fallback(store.url))
        store.cleanup()


def test_admission_shared_queue_two_front_ends(shared):
    a, b, store = shared
    ha, hb = hold_full(a), hold_full(b)
    # (a front end publishes its room once a second: until both have
    # published since, a poll could still be called on the room of one)
    wait_for(a, lambda st: st["shared"]["cluster_free"] == 0, "both full")
    s1, s2, s3 = a.session(), a.session(), a.session()
    # arrivals at either front end join the one queue, in order
    r = a.get("/news?page=1", s1)
    assert queued(r) and position(r) == 1
    r = b.get("/", s2)
    assert queued(r) and position(r) == 2
    r = a.get("/", s3)
    assert queued(r) and position(r) == 3
    # a ticket from A keeps its place at B (same secret, same queue)
    assert position(b.get("/news?page=1", s1)) == 1
    j = b.get("/api/v1/queue", s3).json()
    assert j["status"] == "waiting" and j["position"] == 3
    for e in (a, b):
        sh = status(e)["shared"]
        assert sh["queue_length"] == 3 and sh["head_ticket"] == 1
        assert sh["backend"] == store.scheme
    # each front end publishes its count at most once a second
    other = {a: b, b: a}
    for e in (a, b):
        wait_for(e, lambda st, o=other[e]: status(o) and
                 st["shared"]["front_ends"] == 2 and
                 st["shared"]["cluster_in_flight"] == 2, "counts shared")
    # B has room: it calls the head of the shared queue, A's arrival,
    # not the one that happens to ask B
    release(b, hb)
    j = b.get("/api/v1/queue", s2).json()
    assert j["status"] == "waiting" and j["position"] == 1
    assert status(b)["shared"]["called"] == 1
    assert status(b)["shared"]["called_pending_here"] == 1
    r = b.get("/news?page=1", s1)
    assert r.status_code == 200 and "jszg_adm" in s1.cookies
    wait_for(b, lambda st: st["in_flight"] == 0, "s1 done")
    assert status(b)["shared"]["called_pending_here"] == 0
    # then the second, wherever it asks
    assert b.get("/api/v1/queue", s2).json()["status"] == "admitted"
    assert b.get("/", s2).status_code == 200
    wait_for(b, lambda st: st["in_flight"] == 0, "s2 done")
    # the third asks the full front end while B has room: it is called
    # on B's room (test_admission_shared_queue_called_where_room_is)
    poll_until_admitted(a, [s3])
    release(a, ha)
    sh = status(a)["shared"]
    assert sh["queue_length"] == 0 and sh["called"] == 3
    # a used ticket copied to the other front end goes to the back
    copy = a.session()
    copy.cookies.set("jszg_qt", s1.cookies["jszg_qt"])
    hb = hold_full(b)
    r = b.get("/", copy)
    assert queued(r) and position(r) == 1
    assert status(b)["rejected"]["replayed_ticket"] == 1
    release(b, hb)


def poll_until_admitted(e, sessions, timeout=15):
    """Each session polls e's /api/v1/queue, the later tickets first,
    until all are admitted; returns them in the order they were."""
    order, waiting = [], list(sessions)
    end = time.time() + timeout
    while waiting:
        assert time.time() < end, "still waiting: %d of %d; status %s" % (
            len(waiting), len(sessions), status(e))
        for s in reversed(list(waiting)):
            j = e.get("/api/v1/queue", s).json()
            if j["status"] == "admitted":
                order.append(s)
                waiting.remove(s)
        time.sleep(0.05)
    return order


def test_admission_shared_queue_called_where_room_is(shared):
    """The head ticket's holder keeps polling a full front end while the
    other one has room: it is called on that room (each front end
    publishes its room every second, also when idle), and the tickets
    behind it follow in ticket order."""
    a, b, store = shared
    ha, hb = hold_full(a), hold_full(b)
    tickets = [b.session() for _ in range(3)]
    for i, s in enumerate(tickets, 1):
        r = b.get("/", s)
        assert queued(r) and position(r) == i
    release(a, ha)
    # nobody asks A: its room reaches B through the store, and stays
    # there while A is idle for longer than a published room counts
    # (JSZG_QB_FRESH, 2 s): A's heartbeat publishes it every second
    wait_for(b, lambda st: st["shared"]["cluster_free"] == 1, "A's room")
    idle_until = time.time() + 3
    while time.time() < idle_until:
        time.sleep(0.1)
    assert status(b)["shared"]["cluster_free"] == 1
    order = poll_until_admitted(b, tickets)
    assert order == tickets, "FIFO"
    # the admitted go in where the load balancer sends them (here: A)
    for s in tickets:
        assert a.get("/news?page=1", s).status_code == 200
    st = status(b)
    assert st["totals"]["called_on_other_room"] >= 1
    assert st["shared"]["queue_length"] == 0
    release(b, hb)


def test_admission_shared_queue_place_freed_when_in_elsewhere(shared):
    """A front end calls the head ticket and keeps a place for it; its
    holder comes in at the other front end: the place is free again
    within a second or so (not when the hold runs out, ~5 s here), and
    the next in line is called there."""
    a, b, store = shared
    ha, hb = hold_full(a), hold_full(b)
    wait_for(a, lambda st: st["shared"]["cluster_free"] == 0, "both full")
    s1, s2 = b.session(), a.session()
    assert position(b.get("/", s1)) == 1
    release(a, ha)
    # an arrival at A, which has room: A calls the head (s1) first and
    # keeps a place for it; s2 waits behind
    r = a.get("/", s2)
    assert queued(r) and position(r) == 1
    assert status(a)["shared"]["called_pending_here"] == 1
    # s1 comes in at B
    assert b.get("/api/v1/queue", s1).json()["status"] == "admitted"
    wait_for(a, lambda st: st["shared"]["called_pending_here"] == 0,
             "A's place given back", timeout=2.5)
    assert a.get("/api/v1/queue", s2).json()["status"] == "admitted"
    release(b, hb)


def test_admission_shared_queue_store_stops(shared):
    a, b, store = shared
    applicant = a.session()
    assert a.get("/", applicant).status_code == 200     # admitted
    wait_for(a, lambda st: st["in_flight"] == 0, "quiet")
    holds = hold_full(a)
    w = a.session()
    r = a.get("/", w)
    assert queued(r) and position(r) == 1
    store.stop()
    a.expect_log(fallback(store.url))
    b.expect_log(fallback(store.url))
    # each front end notices, falls back to its own queue and serves on
    r = a.get("/", w)
    assert queued(r) and position(r) == 1
    r = a.get("/", a.session())
    assert queued(r) and position(r) == 2
    for path in ("/", "/help", "/news?page=1", "/api/v1/regions"):
        assert b.get(path, applicant).status_code == 200
    # (a slot is given back just after the answer: wait for it)
    wait_for(b, lambda st: st["in_flight"] == 0, "B quiet")
    assert b.get("/", b.session()).status_code == 200   # room at B
    for e in (a, b):
        st = status(e)
        assert st["shared"]["state"] == "fallback"
        assert st["totals"]["shared_fallbacks"] == 1
    # logged once per front end, however many requests
    for _ in range(3):
        assert queued(a.get("/", a.session()))
    assert log_count(a, "JSZG15100") == 1
    assert log_count(b, "JSZG15100") == 1
    # the store is back (empty): both rejoin a new shared queue
    store.start()
    for e in (a, b):
        wait_for(e, lambda st: st["shared"]["state"] == "up", "rejoined")
    # the one waiting since the outage still goes first at A
    release(a, holds)
    assert a.get("/", w).status_code == 200
    wait_for(a, lambda st: st["in_flight"] == 0, "w done")
    for path in ("/", "/help"):
        assert a.get(path, applicant).status_code == 200
    # and new arrivals get tickets of the shared queue again
    hb = hold_full(b)
    r = b.get("/", b.session())
    assert queued(r)
    assert status(b)["shared"]["queue_length"] >= 1
    release(b, hb)


@pytest.mark.parametrize("scheme", sorted(STORES))
def test_admission_shared_queue_unreachable_at_start(env, scheme):
    url = "%s://127.0.0.1:%d" % (scheme, free_port())   # nobody listens
    env.restart(config("JszgClientRate off", "JszgSharedQueue %s" % url))
    env.mark_log()
    env.expect_log(fallback(url))
    assert env.get("/").status_code == 200
    st = status(env)
    assert st["shared"]["state"] == "fallback"
    assert st["shared"]["backend"] == scheme
    assert log_count(env, "JSZG15100") == 1


BAD = [
    ("JszgSharedQueue memcache://127.0.0.1:11211",
     "JszgSharedQueue: 'memcache://127.0.0.1:11211' is not a Redis or "
     "memcached URL: it must start with redis:// or memcached://"),
    ("JszgSharedQueue 127.0.0.1:6379",
     "it must start with redis:// or memcached://"),
    ("JszgSharedQueue redis://127.0.0.1",
     "needs a host and a port: redis://host:port"),
    ("JszgSharedQueue redis://127.0.0.1:0", "port must be a number"),
    ("JszgSharedQueue redis://127.0.0.1:99999", "port must be a number"),
    ("JszgSharedQueue redis://127.0.0.1:6379/a.b", "the name after the port"),
    ("JszgSharedQueue memcached://127.0.0.1",
     "JszgSharedQueue: 'memcached://127.0.0.1' is not a Redis or memcached "
     "URL: it needs a host and a port: memcached://host:port"),
    ("JszgSharedQueue memcached://127.0.0.1:x", "port must be a number"),
    ("JszgSharedQueue memcached://127.0.0.1:11211/a:b",
     "the name after the port may hold only letters"),
    ("JszgSharedQueue memcached://127.0.0.1:11211/" + "n" * 201,
     "the name after the port may be at most 200 characters"),
    ("<VirtualHost 127.0.0.1:1>\nJszgSharedQueue none\n</VirtualHost>",
     "JszgSharedQueue cannot occur within <VirtualHost> section"),
]


@pytest.mark.parametrize("line,message", BAD)
def test_admission_shared_queue_config_errors(env, line, message):
    try:
        env.write_config(config(line))
        out = env.apachectl("-t", check=False)
        assert out.returncode != 0
        assert message in out.stderr, out.stderr
    finally:
        env.write_config(env.extra)
