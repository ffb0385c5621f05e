"""Brute force (issue 8): the login lockout, SMS verification codes, the
captcha, 实名核验 attempts and the back-office login are limited per
account/username whatever address the attempts come from.

The server is put behind a simulated proxy for this module (mod_remoteip
trusting 127.0.0.1 with X-Forwarded-For, as a deployment behind a load
balancer does), so each attempt really comes from another client
address; the test checks that the addresses did vary (rate_events keys)
and that the per-account limits held anyway."""
import itertools
import re

import pytest

from test_account_lib import (Clock, ClockSession, csrf_of, insert_account,
                              login, outbox_code, solve_page, solve_slider,
                              valid_id)
from test_admin_support import STAFF_PASSWORD

REMOTEIP = """
LoadModule remoteip_module /usr/lib/apache2/modules/mod_remoteip.so
RemoteIPHeader X-Forwarded-For
RemoteIPInternalProxy 127.0.0.1
"""
_ips = ("203.0.113.%d" % i for i in itertools.count(1))


# first, before the module's server is put behind the proxy
def test_cert_query_limit_ignores_a_spoofed_header(env):
    """Without a trusted proxy, X-Forwarded-For is the client's own
    words: the per-address limit of 证书查询 must not follow it."""
    assert "remoteip" not in env.extra      # runs before `proxied`
    env.sql("DELETE FROM rate_events")
    from test_cert import query_page
    statuses = []
    for i in range(22):
        s = env.session()
        s.headers["X-Forwarded-For"] = "198.51.100.%d" % (i + 1)
        r = query_page(env, s, name="刘洋", id_number="110105198302141132",
                       cert_no="20111110521001012")
        statuses.append(r.status_code)
    assert statuses[:20] == [200] * 20 and statuses[20:] == [429, 429], \
        statuses
    assert rate_keys(env, "cert_query") <= {"127.0.0.1"}
    env.sql("DELETE FROM rate_events")


@pytest.fixture(scope="module")
def proxied(env):
    env.restart(REMOTEIP)
    env.sql("DELETE FROM rate_events")
    yield env
    env.sql("DELETE FROM rate_events")
    env.restart()


def from_new_ip():
    """A browser at a new address (its own cookies, its own IP)."""
    s = ClockSession(Clock())
    s.headers["X-Forwarded-For"] = next(_ips)
    return s


def rate_keys(env, kind):
    return set(env.sql("SELECT DISTINCT key FROM rate_events WHERE kind = "
                       "'%s'" % kind).split())


def test_login_lockout_holds_across_addresses(proxied):
    env = proxied
    _, idn, _ = insert_account(env)
    for i in range(5):
        r = login(env, from_new_ip(), idn, "Wrong!pass%d" % i)
        assert r.status_code in (401, 423, 200), r.status_code
        assert "账号或密码错误" in r.text or "锁定" in r.text
    # the addresses really varied
    assert len(rate_keys(env, "acct.login_ip")) >= 5
    # the right password, from yet another address: still locked
    r = login(env, from_new_ip(), idn)
    assert r.status_code == 423, (r.status_code, r.text[:300])
    assert "锁定" in r.text
    assert "jszg_sid" not in r.headers.get("Set-Cookie", "") or \
        r.status_code != 303
    # and through the API the same
    s = from_new_ip()
    csrf = env.csrf(s)
    data = {"login": idn, "password": "Jszg@2026"}
    data.update(solve_slider(env, s, csrf))
    r = env.post("/api/v1/login", s, data=data,
                 headers={"X-CSRF-Token": csrf})
    assert r.status_code == 423, r.text
    assert r.json()["error"]["code"] == "account_locked"


def test_login_case_and_spaces_do_not_escape_the_lock(proxied):
    """The lock is on the account, not on the string typed: lower-case x,
    spaces around it."""
    env = proxied
    base = valid_id()
    while not base.endswith("X"):
        base = valid_id()
    insert_account(env, id_number=base)
    variants = [base.lower(), " " + base, base + " ", "\t" + base.lower(),
                base]
    for i, v in enumerate(variants):
        login(env, from_new_ip(), v, "Wrong!pass%d" % i)
    r = login(env, from_new_ip(), base)
    assert r.status_code == 423, r.status_code


def test_captcha_token_burnt_by_a_wrong_answer(proxied):
    """One guess per captcha: after a wrong answer the same token with the
    right answer is refused (else the slider is a 300-try brute force)."""
    env = proxied
    _, idn, _ = insert_account(env)
    s = from_new_ip()
    page = env.get("/login", s).text
    cap = solve_page(env, s, page, delta=15)
    r = env.post("/login", s, data=dict(cap, _csrf=csrf_of(page),
                                        login=idn, password="Jszg@2026"))
    assert r.status_code != 303
    right = solve_page(env, s, page)         # same token, right answer
    assert right["captcha_token"] == cap["captcha_token"]
    r = env.post("/login", s, data=dict(right, _csrf=csrf_of(page),
                                        login=idn, password="Jszg@2026"))
    assert r.status_code != 303, "a captcha token took a second guess"


def test_sms_code_tries_across_addresses(proxied):
    env = proxied
    _, idn, phone = insert_account(env)
    s = from_new_ip()
    csrf = env.csrf(s)
    data = {"login": idn, "phone": phone}
    data.update(solve_slider(env, s, csrf))
    r = env.post("/api/v1/password/forgot", s, data=data,
                 headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    code = outbox_code(env, phone)
    assert code
    wrong = "%06d" % ((int(code) + 1) % 1000000)
    for _ in range(5):
        t = from_new_ip()
        r = env.post("/api/v1/password/reset", t,
                     headers={"X-CSRF-Token": env.csrf(t)},
                     data={"login": idn, "code": wrong,
                           "password": "New!pass123", "confirm":
                           "New!pass123"})
        assert r.status_code in (400, 422), r.text
    t = from_new_ip()
    r = env.post("/api/v1/password/reset", t,
                 headers={"X-CSRF-Token": env.csrf(t)},
                 data={"login": idn, "code": code, "password": "New!pass123",
                       "confirm": "New!pass123"})
    assert r.status_code in (400, 422, 429), r.text
    assert "code_locked" in r.text or "次数过多" in r.text, r.text
    # the password did not change
    assert login(env, from_new_ip(), idn).status_code == 303


def test_verify_attempts_across_addresses(proxied):
    env = proxied
    aid, idn, _ = insert_account(env, name="甲乙")
    env.sql("DELETE FROM identity_registry WHERE id_number = '%s'" % idn)
    # three a day for the account, from three addresses
    codes = []
    sess = []
    for i in range(4):
        s = from_new_ip()
        assert login(env, s, idn).status_code == 303
        sess.append(s)
    for s in sess:
        page = env.get("/account/verify", s).text
        r = env.post("/account/verify", s, data={"_csrf": csrf_of(page),
                                                 "name": "甲乙"})
        codes.append(r.status_code)
    assert codes[:3] == [422, 422, 422], codes
    assert codes[3] == 429, codes
    assert env.sql("SELECT verified FROM accounts WHERE id = %d"
                   % aid) == "0"


def test_admin_login_lockout_across_addresses(proxied):
    env = proxied
    env.sql("DELETE FROM rate_events WHERE kind = 'admin.login'")
    for i in range(5):
        s = from_new_ip()
        r = env.post("/admin/login", s, data={
            "_csrf": env.csrf(s), "username": "gd-province",
            "password": "Wrong!%d" % i})
        assert r.status_code in (200, 429), r.status_code
    s = from_new_ip()
    r = env.post("/admin/login", s, data={
        "_csrf": env.csrf(s), "username": "GD-Province",
        "password": STAFF_PASSWORD})
    assert r.status_code == 429, r.status_code
    assert "jszg_admin=" not in r.headers.get("Set-Cookie", "")
    audit = env.sql("SELECT COUNT(*) FROM audit_log WHERE action = "
                    "'login.locked'")
    assert int(audit) >= 1
    env.sql("DELETE FROM rate_events WHERE kind = 'admin.login'")
