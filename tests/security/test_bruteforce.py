"""Brute force (issues 8 and 13): logins are throttled per address and
per (account, address) with growing delays, never locked (nobody can
lock another person out: the owner at their own address keeps working
while the account is hammered from elsewhere); SMS verification codes,
the captcha and 实名核验 attempts are limited per account whatever
address the attempts come from; staff logins ask for the captcha after
failures.

The server is put behind a simulated proxy for this module (mod_remoteip
trusting 127.0.0.1 with X-Forwarded-For, as a deployment behind a load
balancer does), so each attempt really comes from another client
address; the test checks that the addresses did vary (rate_events keys)
and that the per-account limits held anyway."""
import itertools

import pytest

from test_account_lib import (Clock, ClockSession, csrf_of, insert_account,
                              new_slider,
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


def owner_at(ip):
    s = ClockSession(Clock())
    s.headers["X-Forwarded-For"] = ip
    return s


def test_owner_logs_in_while_the_account_is_hammered(proxied):
    """Issue 13.5, exactly: an attacker hammers the account from one
    address and from many; the owner at their own address logs in."""
    env = proxied
    _, idn, _ = insert_account(env)
    attacker = owner_at("198.51.100.66")
    statuses = [login(env, attacker, idn, "Wrong!pass%d" % i).status_code
                for i in range(8)]
    # three tries, then the attacker's address waits (before any bcrypt)
    assert statuses == [401] * 3 + [429] * 5, statuses
    # even the right password is refused to the attacker's address now
    r = login(env, attacker, idn)
    assert r.status_code == 429 and "锁定" not in r.text
    # and from many addresses: each one only ever gets its own few tries
    for i in range(6):
        r = login(env, from_new_ip(), idn, "Wrong!pass%d" % i)
        assert r.status_code == 401, r.status_code
    assert len(rate_keys(env, "acct.login_ip")) >= 7
    # the owner, at home: in, at once, page and API
    owner = owner_at("192.0.2.10")
    r = login(env, owner, idn)
    assert r.status_code == 303, (r.status_code, r.text[:300])
    s = owner_at("192.0.2.10")
    csrf = env.csrf(s)
    data = {"login": idn, "password": "Jszg@2026"}
    data.update(solve_slider(env, s, csrf))
    r = env.post("/api/v1/login", s, data=data,
                 headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    # the attacker's address is still throttled after the owner's login
    assert login(env, attacker, idn).status_code == 429


def test_login_case_and_spaces_do_not_escape_the_throttle(proxied):
    """The throttle is on the account, not on the string typed: lower-case
    x, spaces around it."""
    env = proxied
    base = valid_id()
    while not base.endswith("X"):
        base = valid_id()
    insert_account(env, id_number=base)
    s = from_new_ip()
    for i, v in enumerate([base.lower(), " " + base, base + "\t"]):
        assert login(env, s, v, "Wrong!pass%d" % i).status_code == 401
    r = login(env, s, "\t" + base.lower())
    assert r.status_code == 429, r.status_code


def test_login_budget_per_address_before_bcrypt(proxied):
    """One address trying many accounts runs out of its budget; the
    refused tries cost no captcha and no bcrypt."""
    env = proxied
    env.sql("DELETE FROM rate_events WHERE kind = 'acct.login_ip'")
    ip = next(_ips)
    s = owner_at(ip)
    # fill the budget with rows as the server writes them (one a try),
    # on the clock the requests carry
    values = ",".join("('acct.login_ip', '%s', %d)" % (ip, s.clock.now - 5)
                      for _ in range(200))
    env.sql("INSERT INTO rate_events (kind, key, at) VALUES " + values)
    r = login(env, s, valid_id(), "Wrong!pass1")
    assert r.status_code == 429 and "登录尝试过于频繁" in r.text
    assert int(r.headers["Retry-After"]) > 0
    env.sql("DELETE FROM rate_events WHERE kind = 'acct.login_ip'")


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


def staff_login(env, s, username, password, **extra):
    data = {"_csrf": env.csrf(s), "username": username,
            "password": password}
    data.update(extra)
    return env.post("/admin/login", s, data=data)


def test_admin_no_lockout_captcha_after_failures(proxied):
    """sysadmin hammered from one address and from many: no lock.  The
    attacker's address is throttled before bcrypt; after three failures
    the username asks for the captcha from everyone; the owner at their
    own address, captcha solved, logs in."""
    from test_admin_support import solve_staff_captcha
    env = proxied
    env.sql("DELETE FROM rate_events WHERE kind LIKE 'admin.%'")
    attacker = owner_at("198.51.100.77")
    codes = [staff_login(env, attacker, "sysadmin", "Wrong!%d" % i)
             .status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429], codes
    failed = "SELECT COUNT(*) FROM audit_log WHERE action = 'login.failed' " \
             "AND actor = 'staff:sysadmin'"
    n = env.sql(failed)
    # from other addresses, the captcha is asked first: no bcrypt without
    for i in range(4):
        r = staff_login(env, from_new_ip(), "sysadmin", "Wrong!x%d" % i)
        assert r.status_code == 200 and "请先完成安全验证" in r.text
    assert env.sql(failed) == n
    # the attacker's throttled address writes nothing, however often
    writes = "SELECT (SELECT COUNT(*) FROM audit_log) || '/' || " \
             "(SELECT COUNT(*) FROM rate_events)"
    before = env.sql(writes)
    for i in range(5):
        assert staff_login(env, attacker, "sysadmin", "Wrong!y%d" % i) \
            .status_code == 429
    assert env.sql(writes) == before
    # the owner, at home
    owner = owner_at("192.0.2.20")
    r = staff_login(env, owner, "sysadmin", STAFF_PASSWORD)
    assert r.status_code == 200 and 'name="captcha_token"' in r.text
    owner.clock.advance(2)
    r = staff_login(env, owner, "SysAdmin", STAFF_PASSWORD,
                    **solve_staff_captcha(env, r.text))
    assert r.status_code == 303, r.text[:400]
    assert "jszg_admin=" in r.headers.get("Set-Cookie", "")
    env.sql("DELETE FROM rate_events WHERE kind LIKE 'admin.%'")


def test_admin_login_budget_per_address(proxied):
    """Random usernames from one address: at most JSZG_STAFF_IP_MAX (30)
    bcrypts in 15 minutes, then 429 before any password check."""
    env = proxied
    env.sql("DELETE FROM rate_events WHERE kind LIKE 'admin.%'")
    s = owner_at("198.51.100.88")
    codes = [staff_login(env, s, "nobody%03d" % i, "x").status_code
             for i in range(31)]
    assert codes == [200] * 30 + [429], codes
    assert "登录尝试过于频繁" in staff_login(env, s, "nobody999", "x").text
    env.sql("DELETE FROM rate_events WHERE kind LIKE 'admin.%'")


def ask_reset_code(env, s, idn, phone):
    csrf = env.csrf(s)
    data = {"login": idn, "phone": phone}
    data.update(solve_slider(env, s, csrf))
    return env.post("/api/v1/password/forgot", s, data=data,
                    headers={"X-CSRF-Token": csrf})


def test_strangers_cannot_spend_the_owners_sms_quota(proxied):
    """Issue 13.5: 忘记密码 with made-up accounts and the victim's phone,
    from one address and from many, and 修改手机号码 of the stranger's
    own account to the victim's number: the owner at home still gets
    a code."""
    env = proxied
    clock = Clock()
    _, idn, phone = insert_account(env)

    def at(ip):
        s = ClockSession(clock)
        s.headers["X-Forwarded-For"] = ip
        return s
    stranger = at("198.51.100.99")
    codes = []
    for i in range(6):
        codes.append(ask_reset_code(env, stranger, valid_id(), phone)
                     .status_code)
        clock.advance(61)
    assert codes == [200] * 5 + [429], codes       # their own quota
    for i in range(6):
        assert ask_reset_code(env, from_new_ip(), valid_id(), phone) \
            .status_code == 200
    # a stranger's own account asking for codes to the victim's number
    s = at("198.51.100.98")
    _, own, _ = insert_account(env)
    assert login(env, s, own).status_code == 303
    for i in range(6):
        page = env.get("/account/phone", s).text
        env.post("/account/phone", s, data={
            "_csrf": csrf_of(page), "action": "send", "phone": phone})
        clock.advance(61)
    # the owner, at home
    owner = at("192.0.2.30")
    r = ask_reset_code(env, owner, idn, phone)
    assert r.status_code == 200, r.text
    code = outbox_code(env, phone)
    assert code and env.sql(
        "SELECT COUNT(*) FROM sms_codes c JOIN accounts a ON a.id = "
        "c.account_id WHERE a.id_number = '%s' AND c.purpose = 'reset'"
        % idn) == "1"


def test_captcha_images_have_a_budget_per_address(proxied):
    """Issue 13.4: drawing a captcha image costs CPU; each address has a
    token bucket (JszgCaptchaRate, shared memory: no database write)."""
    env = proxied
    env.restart(REMOTEIP + "\nJszgCaptchaRate 0.01 5")
    try:
        s = from_new_ip()
        c = new_slider(env, s, env.csrf(s))
        codes = [env.get(c["bg"], s).status_code for _ in range(6)]
        assert codes == [200] * 5 + [429], codes
        r = env.get(c["piece"], s)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
        # another address has its own budget
        t = from_new_ip()
        c = new_slider(env, t, env.csrf(t))
        assert env.get(c["bg"], t).status_code == 200
        # answers are recorded (single use) within the same budget: a
        # flood of wrong answers stops writing once it is spent
        u = from_new_ip()
        rows = "SELECT COUNT(*) FROM captchas"
        before = int(env.sql(rows))
        codes = []
        for i in range(7):
            csrf = env.csrf(u)
            data = {"login": valid_id(), "phone": "13900000000"}
            data.update(solve_slider(env, u, csrf, delta=30))
            r = env.post("/api/v1/password/forgot", u, data=data,
                         headers={"X-CSRF-Token": csrf})
            codes.append((r.status_code, r.json()["error"]["code"]))
        assert codes[:5] == [(400, "captcha_wrong")] * 5, codes
        assert codes[5:] == [(429, "captcha_busy")] * 2, codes
        assert int(env.sql(rows)) == before + 5
    finally:
        env.restart(REMOTEIP)


def test_captcha_rate_directive_is_checked(env, tmp_path):
    import subprocess
    from jszg_env import MODULE, mkroot, server_environ
    for bad in ("fast 5", "1", "0 5", "1 0", "off 5"):
        conf = mkroot.write_root(str(tmp_path / "c"), 1, MODULE, env.dbd[0],
                                 env.dbd[1], "event", "warn",
                                 "JszgCaptchaRate %s" % bad)
        r = subprocess.run(["/usr/sbin/apache2", "-t", "-f", conf],
                           capture_output=True, text=True,
                           env=server_environ())
        assert r.returncode != 0 and "JszgCaptchaRate" in r.stderr, bad
