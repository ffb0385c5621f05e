"""The SMS relay: rows of sms_outbox are posted to JszgSmsGateway by a
watchdog in one child, marked sent on 2xx, retried otherwise."""
import http.server
import json
import threading
import time

import pytest

from jszg_env import wait_for
from ports import free_port


class Gateway:
    """A real HTTP peer on loopback standing in for the operator's SMS
    gateway: records what it receives, answers with `status`."""

    def __init__(self):
        self.received = []
        self.status = 200
        gw = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers["Content-Length"])
                gw.received.append((self.path, self.headers["Content-Type"],
                                    json.loads(self.rfile.read(n))))
                self.send_response(gw.status)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.port = free_port()
        self.server = http.server.HTTPServer(("127.0.0.1", self.port),
                                             Handler)
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(env):
    gw = Gateway()
    env.restart("JszgSmsGateway http://127.0.0.1:%d/sms/send?key=k1"
                % gw.port)
    yield gw
    gw.close()
    env.restart()


def _queue(env, phone, body):
    env.sql("INSERT INTO sms_outbox (phone, body, purpose, created_at) "
            "VALUES ('%s', '%s', 'test', %d)" % (phone, body, time.time()))
    return env.sql("SELECT MAX(id) FROM sms_outbox")


def test_outbox_rows_reach_the_gateway(env, gateway):
    sid = _queue(env, "13800000001", "【中国教师资格网】验证码 123456")
    assert wait_for(lambda: any(r[2]["id"] == sid
                                for r in gateway.received))
    path, ctype, body = [r for r in gateway.received if r[2]["id"] == sid][0]
    assert path == "/sms/send?key=k1"
    assert ctype.startswith("application/json")
    assert body == {"id": sid, "phone": "13800000001",
                    "message": "【中国教师资格网】验证码 123456"}
    assert wait_for(lambda: env.sql(
        "SELECT sent_at IS NOT NULL FROM sms_outbox WHERE id = %s" % sid)
        in ("1", "t"))
    # sent once, not again on the next rounds
    time.sleep(3)
    assert [r[2]["id"] for r in gateway.received].count(sid) == 1


def test_refused_message_is_retried_then_given_up(env, gateway):
    env.expect_log(r"JSZG10030: SMS \d+ not delivered")
    gateway.status = 503
    sid = _queue(env, "13800000002", "code 654321")
    assert wait_for(lambda: env.sql(
        "SELECT attempts FROM sms_outbox WHERE id = %s" % sid) == "2")
    assert "503" in env.sql("SELECT last_error FROM sms_outbox WHERE id = %s"
                            % sid)
    gateway.status = 200
    assert wait_for(lambda: env.sql(
        "SELECT sent_at IS NOT NULL FROM sms_outbox WHERE id = %s" % sid)
        in ("1", "t"))


def test_bad_gateway_url_is_a_config_error(env, tmp_path):
    import subprocess
    from jszg_env import MODULE, mkroot, server_environ
    for bad in ("ftp://x/", "127.0.0.1:9000", "https://user@x/"):
        conf = mkroot.write_root(str(tmp_path / "c"), 1, MODULE, env.dbd[0],
                                 env.dbd[1], "event", "warn",
                                 "JszgSmsGateway %s" % bad)
        r = subprocess.run(["/usr/sbin/apache2", "-t", "-f", conf],
                           capture_output=True, text=True,
                           env=server_environ())
        assert r.returncode != 0 and "JszgSmsGateway" in r.stderr, bad


def test_relay_survives_a_database_restart(env, gateway):
    """After PostgreSQL restarts, libpq re-establishes the relay's pooled
    connection without its prepared statements: the relay prepares them
    again (jszg_db_usable) and delivers what was queued meanwhile; the
    outage is logged once, the recovery once."""
    if env.engine != "pgsql":
        pytest.skip("an embedded SQLite database cannot go down")
    env.expect_log(r"JSZG10034|JSZG10035|JSZG10015|JSZG1900[23]|dbd:error"
                   r"|JSZG10012|AH00629|AH02655|AH00633|AH00632")
    first = _queue(env, "13800000003", "before")
    assert wait_for(lambda: any(r[2]["id"] == first
                                for r in gateway.received))
    env.pg.stop_server()
    try:
        time.sleep(5)       # two relay rounds or more find it down
    finally:
        env.pg.start_server()
    second = _queue(env, "13800000004", "after")
    assert wait_for(lambda: any(r[2]["id"] == second
                                for r in gateway.received), timeout=30)
    assert wait_for(lambda: env.sql(
        "SELECT sent_at IS NOT NULL FROM sms_outbox WHERE id = %s" % second)
        in ("1", "t"))
    with open(env.error_log, encoding="utf-8", errors="replace") as f:
        f.seek(env.log_pos)
        log = f.read()
    assert log.count("JSZG10034") == 1, log[-2000:]
    assert log.count("JSZG10035") == 1, log[-2000:]
