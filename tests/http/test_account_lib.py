"""Helpers for the account tests (and for any test that needs a logged-in
applicant): valid ID numbers, the injected clock, solving the slider
captcha from the database (a test may read the answer there; HTTP never
shows it), registering and logging in.

No tests live here.  Usage:

    from test_account_lib import Clock, clock_env, login, new_account
"""
import hashlib
import hmac
import os
import random
import re
import time

import pytest
import requests

# bcrypt of "Jszg@2026" (cost 10): the seed's demo password.
DEMO_PASSWORD = "Jszg@2026"
DEMO_HASH = "$2y$10$BTuNMWWRLbUlGvr5sDbcyeKXv/zv77d59tO8hD6XjEBdgb/X1pkpO"

_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"


def id_check_char(first17):
    return _CHECK[sum(int(a) * w for a, w in zip(first17, _W)) % 11]


def valid_id(region="110105", birth=None, seq=None):
    """A random GB 11643 number nobody else in this run has."""
    birth = birth or "19%02d%02d%02d" % (random.randint(60, 99),
                                         random.randint(1, 12),
                                         random.randint(1, 28))
    seq = seq or "%03d" % random.randint(0, 999)
    first = region + birth + seq
    return first + id_check_char(first)


def random_phone():
    return "139%08d" % random.randint(0, 99999999)


# Every daily cap (SMS codes, 实名核验) starts afresh at Beijing midnight.
# A test's clock starts no later than 22:00 Beijing, so that its minutes
# of advances never cross a midnight that the test did not ask for (CI
# once failed at 00:00 Beijing: the sixth code of a day was the first of
# the next).  The offset is fixed for the whole test (day_safe_clocks),
# so that every clock a test makes agrees.
_NIGHT = 23 * 3600
_EVENING = 22 * 3600
_start_offset = 0


def day_safe_offset(now):
    """0, or how far back to 22:00 Beijing when the Beijing day has less
    than an hour left at *now*."""
    tod = (int(now) + 8 * 3600) % 86400
    return _EVENING - tod if tod >= _NIGHT else 0


@pytest.fixture(autouse=True)
def day_safe_clocks():
    """Autouse (imported by the conftests): the start offset of this
    test's clocks."""
    global _start_offset
    _start_offset = day_safe_offset(time.time())
    yield
    _start_offset = 0


class Clock:
    """The X-Jszg-Test-Now clock (JszgTestClock On): whole seconds.
    Without *start*, now -- or 22:00 Beijing in the day's last hour."""

    def __init__(self, start=None):
        self.now = int(start or time.time() + _start_offset)

    def advance(self, seconds):
        self.now += int(seconds)
        return self.now


class ClockSession(requests.Session):
    """A browser-like session whose every request carries the clock."""

    def __init__(self, clock):
        super().__init__()
        self.clock = clock
        self.headers["User-Agent"] = "jszg-tests"

    def request(self, method, url, **kw):
        headers = dict(kw.pop("headers", None) or {})
        headers.setdefault("X-Jszg-Test-Now", str(self.clock.now))
        return super().request(method, url, headers=headers, **kw)


@pytest.fixture(scope="module")
def clock_env(env):
    """The env, which honours X-Jszg-Test-Now (JszgTestClock On is the
    test servers' default)."""
    yield env


def field(html, name):
    m = re.search(r'name="%s"[^>]*?value="([^"]*)"' % re.escape(name), html)
    if not m:
        m = re.search(r'value="([^"]*)"[^>]*?name="%s"' % re.escape(name),
                      html)
    return m.group(1) if m else None


def csrf_of(html):
    return field(html, "_csrf")


def captcha_row(env, token):
    """What the server knows of a challenge: mode and answer follow from
    the signed token under the server secret (read from the test root,
    as the server reads it), used_at from the captchas table (a row
    exists only once the challenge was answered)."""
    parts = token.split(".")
    if len(parts) != 5 or parts[0] != "K1":
        return None
    mode, issued, nonce = int(parts[1]), int(parts[2]), parts[3]
    with open(os.path.join(env.root, "conf", "secret"), "rb") as f:
        secret = f.read()[:64]
    d = hmac.new(secret, ("jszg captcha seed v1:%d:%s" % (mode, nonce))
                 .encode(), hashlib.sha256).digest()
    b = int.from_bytes(d[4:8], "big")
    answer = 1 + b % 6 if mode == 1 else 60 + b % (320 - 47 - 6 - 60 + 1)
    h = hashlib.sha256(token.encode()).hexdigest()
    used = env.sql("SELECT used_at FROM captchas WHERE id_hash = '%s'" % h)
    return {"mode": "pick" if mode == 1 else "slide", "answer": answer,
            "expires_at": issued // 1000 + 120, "used_at": used}


def captcha_answer(env, token):
    return captcha_row(env, token)["answer"]


def slider_key_steps(x):
    """(tens, ones): the Shift+Right and Right presses that move the
    slider's handle to x.  A keyboard drag lasts from its first key to its
    last, and the server wants at least 150 ms: the browser tests pause
    between the tens and the ones, so there is always one single step (40
    is 3 tens and 10 ones; with none, the tens alone made a drag too fast
    one run in ten)."""
    tens, ones = divmod(x, 10)
    if ones == 0 and tens > 0:
        tens, ones = tens - 1, 10
    return tens, ones


def solve_page(env, s, html, delta=0, wait=2):
    """The captcha fields for the no-JS challenge of a rendered form."""
    token = field(html, "captcha_token")
    answer = captcha_answer(env, token) + delta
    s.clock.advance(wait)
    return {"captcha_token": token, "captcha_answer": str(answer)}


def new_slider(env, s, csrf):
    r = env.post("/api/v1/captcha", s, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    return r.json()


def drag_track(x, drag_ms):
    """The track captcha.js records of a hand's drag to x in drag_ms:
    from 0, easing out, uneven steps ("t:x;t:x;...")."""
    n = max(6, x // 12)
    pts, last = ["0:0"], 0
    for i in range(1, n):
        u = i / n
        t = max(last, int(drag_ms * u) + random.randint(-3, 3))
        last = t
        pts.append("%d:%d" % (t, round(x * (1 - (1 - u) ** 2))))
    pts.append("%d:%d" % (drag_ms, x))
    return ";".join(pts)


def solve_slider(env, s, csrf, delta=0, wait=2, drag_ms=900, track=None):
    c = new_slider(env, s, csrf)
    s.clock.advance(wait)
    x = captcha_answer(env, c["token"]) + delta
    return {"captcha_token": c["token"], "captcha_answer": str(x),
            "captcha_ms": str(drag_ms),
            "captcha_track": drag_track(max(x, 0), drag_ms)
            if track is None else track}


def insert_account(env, id_number=None, name="测试", phone=None,
                   verified=0, id_type="居民身份证"):
    """An account straight into the database (password DEMO_PASSWORD):
    no registration rate limit is spent.  Returns (id, id_number, phone)."""
    id_number = id_number or valid_id()
    phone = phone or random_phone()
    env.sql("INSERT INTO accounts (id_type, id_number, name, phone, "
            "password_hash, verified, created_at) VALUES ('%s', '%s', '%s', "
            "'%s', '%s', %d, %d)" % (id_type, id_number, name, phone,
                                     DEMO_HASH, verified, int(time.time())))
    aid = env.sql("SELECT id FROM accounts WHERE id_number = '%s'"
                  % id_number)
    return int(aid), id_number, phone


def login(env, s, login_name, password=DEMO_PASSWORD, slider=False):
    """Log in through /login (or the slider API challenge); returns the
    response of the POST."""
    r = env.get("/login", s)
    assert r.status_code == 200
    csrf = csrf_of(r.text)
    cap = solve_slider(env, s, csrf) if slider else solve_page(env, s, r.text)
    data = {"_csrf": csrf, "login": login_name, "password": password}
    data.update(cap)
    return env.post("/login", s, data=data)


def new_account(env, s, **kw):
    """insert_account + login; returns (id, id_number, phone)."""
    acct = insert_account(env, **kw)
    r = login(env, s, acct[1])
    assert r.status_code == 303, r.text
    return acct


def page_csrf(env, s, path="/account"):
    r = env.get(path, s)
    assert r.status_code == 200, (path, r.status_code)
    return csrf_of(r.text), r.text


def outbox_code(env, phone):
    """The newest 6-digit code sent to phone, read from the dev outbox page
    (as a developer would)."""
    r = env.get("/dev/sms")
    assert r.status_code == 200
    for row in re.findall(r"<tr>(.*?)</tr>", r.text, re.S):
        if phone in row:
            m = re.search(r"验证码(\d{6})", row)
            if m:
                return m.group(1)
    return None
