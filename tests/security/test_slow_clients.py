"""Requests that hold a worker or echo secrets: the shipped configuration
(conf/httpd.conf.in, the same lines as the production example in
conf/jszg.conf and the README) refuses TRACE and cuts a request body that
trickles in slower than mod_reqtimeout's minimum rate."""
import socket
import time

import requests


def test_trace_is_refused(env):
    r = requests.request("TRACE", env.url + "/", timeout=10,
                         headers={"Cookie": "jszg_sid=secret-cookie-value"})
    assert r.status_code == 405
    assert "secret-cookie-value" not in r.text
    r = requests.request("TRACE", env.url + "/static/css/site.css",
                         timeout=10)
    assert r.status_code == 405


def test_slow_body_is_cut(env):
    """One byte a second of a declared 4 KB form: cut after about 10 s
    (RequestReadTimeout body=10,MinRate=500), not held until the body
    is complete."""
    s = socket.create_connection(("127.0.0.1", env.port), timeout=30)
    try:
        s.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Type: application/x-www-form-urlencoded\r\n"
                  b"Content-Length: 4096\r\n\r\n")
        start = time.time()
        answer = b""
        while time.time() - start < 40:
            try:
                s.sendall(b"a")
            except OSError:
                break
            s.settimeout(1.0)
            try:
                chunk = s.recv(4096)
            except socket.timeout:
                continue
            if not chunk:
                break
            answer += chunk
        elapsed = time.time() - start
    finally:
        s.close()
    assert elapsed < 20, elapsed
    assert elapsed > 5, elapsed
    # mod_reqtimeout answers 408 itself while httpd reads; once the module
    # reads the body it sees a failed read and answers 400
    assert answer == b"" or answer.split(b" ")[1] in (b"400", b"408"), \
        answer[:200]
