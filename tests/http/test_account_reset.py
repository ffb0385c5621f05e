"""忘记密码 through the SMS outbox, 修改密码, 修改手机号码 and the dev-only
outbox page (issue 4)."""
import calendar

import pytest

from test_account_lib import (DEMO_PASSWORD, Clock, ClockSession,  # noqa
                              clock_env, csrf_of, day_safe_offset,
                              insert_account, login,
                              new_account, outbox_code, page_csrf,
                              random_phone, slider_key_steps,
                              solve_page, valid_id)

NEW_PW = "Fresh!pass26"


@pytest.fixture
def s():
    return ClockSession(Clock())


def ask_code(env, s, idn, phone):
    r = env.get("/forgot", s)
    assert r.status_code == 200
    data = {"_csrf": csrf_of(r.text), "login": idn, "phone": phone}
    data.update(solve_page(env, s, r.text))
    return env.post("/forgot", s, data=data)


def reset(env, s, step2_html, idn, code, pw=NEW_PW, confirm=None):
    return env.post("/forgot/reset", s, data={
        "_csrf": csrf_of(step2_html), "login": idn, "code": code,
        "password": pw, "confirm": confirm or pw})


def test_reset_end_to_end(clock_env, s):
    _, idn, phone = insert_account(clock_env)
    # a logged-in session elsewhere: it must end with the reset
    other = ClockSession(s.clock)
    assert login(clock_env, other, idn).status_code == 303
    s.clock.advance(61)
    r = ask_code(clock_env, s, idn, phone)
    assert r.status_code == 200
    assert "验证码已发送至该手机" in r.text and 'name="code"' in r.text
    code = outbox_code(clock_env, phone)
    assert code and len(code) == 6
    # the code is stored hashed, never in clear
    assert code not in clock_env.sql("SELECT code_hash FROM sms_codes")
    r = reset(clock_env, s, r.text, idn, code)
    assert r.status_code == 303 and r.headers["Location"] == \
        "/login?done=reset"
    assert clock_env.get("/account", other).status_code == 303
    aid = clock_env.sql("SELECT id FROM accounts WHERE id_number = '%s'"
                        % idn)
    assert clock_env.sql("SELECT COUNT(*) FROM sessions WHERE account_id = "
                         "%s" % aid) == "0"
    assert login(clock_env, s, idn, DEMO_PASSWORD).status_code == 401
    assert login(clock_env, s, idn, NEW_PW).status_code == 303
    # single use
    s2 = ClockSession(s.clock)
    r = clock_env.get("/forgot", s2)
    r = reset(clock_env, s2, r.text, idn, code, pw="Again!pass27")
    assert "验证码错误或已过期" in r.text


def test_reset_wrong_phone_says_the_same(clock_env, s):
    _, idn, phone = insert_account(clock_env)
    other_phone = random_phone()
    r = ask_code(clock_env, s, idn, other_phone)
    assert r.status_code == 200 and "验证码已发送至该手机" in r.text
    assert outbox_code(clock_env, other_phone) is None
    # issue 18: the number typed is shown to be checked, and where to turn
    # when no code comes (the same answer for a right number)
    assert "（%s）" % other_phone in r.text
    assert "请核对上面的手机号码" in r.text
    assert 'href="/help/phone"' in r.text and 'href="/forgot"' in r.text
    r = ask_code(clock_env, s, valid_id(), random_phone())
    assert r.status_code == 200 and "验证码已发送至该手机" in r.text


def test_reset_code_tries_and_expiry(clock_env, s):
    _, idn, phone = insert_account(clock_env)
    r = ask_code(clock_env, s, idn, phone)
    code = outbox_code(clock_env, phone)
    wrong = "%06d" % ((int(code) + 1) % 1000000)
    for left in (4, 3, 2, 1):
        r2 = reset(clock_env, s, r.text, idn, wrong)
        assert "您还可以尝试%d次" % left in r2.text
    r2 = reset(clock_env, s, r.text, idn, wrong)
    assert "错误次数过多" in r2.text
    # after five wrong tries even the right code is refused
    r2 = reset(clock_env, s, r.text, idn, code)
    assert "错误次数过多" in r2.text
    # a new code, used after 10 minutes: expired
    s.clock.advance(61)
    r = ask_code(clock_env, s, idn, phone)
    code = outbox_code(clock_env, phone)
    s.clock.advance(601)
    r2 = reset(clock_env, s, r.text, idn, code)
    assert "验证码错误或已过期" in r2.text
    # the password policy is checked before the code (no try burnt)
    r2 = reset(clock_env, s, r.text, idn, code, pw="short")
    assert "不能少于8位" in r2.text


def test_reset_rate_limit_per_phone(clock_env, s):
    _, idn, phone = insert_account(clock_env)
    assert "验证码已发送" in ask_code(clock_env, s, idn, phone).text
    r = ask_code(clock_env, s, idn, phone)
    assert r.status_code == 429 and "60秒后再试" in r.text
    for _ in range(4):                  # five a day
        s.clock.advance(61)
        assert ask_code(clock_env, s, idn, phone).status_code == 200
    s.clock.advance(61)
    r = ask_code(clock_env, s, idn, phone)
    assert r.status_code == 429 and "今日获取验证码次数已达上限" in r.text


def test_clocks_start_clear_of_beijing_midnight():
    """A test's clock never starts in the Beijing day's last hour, where
    its minutes of advances would reach the next day's fresh caps (the
    limit above once passed a sixth code at 00:00 Beijing)."""
    def bj(day, h, m):
        return calendar.timegm((2026, 12, day, h, m, 0, 0, 0, 0)) - 8 * 3600
    for t in (bj(3, 0, 0), bj(3, 12, 0), bj(3, 22, 59)):
        assert day_safe_offset(t) == 0
    for t in (bj(3, 23, 0), bj(3, 23, 59)):
        assert t + day_safe_offset(t) == bj(3, 22, 0)
    assert day_safe_offset(bj(4, 0, 0)) == 0


def test_slider_key_steps_end_on_a_single_step():
    """The keyboard tests' drag always ends on Right presses after their
    pause (a drag of the tens alone was under the server's 150 ms)."""
    assert slider_key_steps(47) == (4, 7)
    assert slider_key_steps(40) == (3, 10)
    assert slider_key_steps(5) == (0, 5)
    for x in range(1, 300):
        tens, ones = slider_key_steps(x)
        assert ones >= 1 and 10 * tens + ones == x


def test_reset_api(clock_env, s):
    from test_account_lib import solve_slider
    _, idn, phone = insert_account(clock_env)
    csrf = clock_env.csrf(s)
    data = {"login": idn, "phone": phone}
    data.update(solve_slider(clock_env, s, csrf))
    r = clock_env.post("/api/v1/password/forgot", s, data=data,
                       headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["ok"] is True
    code = outbox_code(clock_env, phone)
    r = clock_env.post("/api/v1/password/reset", s, headers={
        "X-CSRF-Token": csrf}, data={"login": idn, "code": code,
                                     "password": NEW_PW, "confirm": NEW_PW})
    assert r.status_code == 200, r.text
    assert login(clock_env, s, idn, NEW_PW).status_code == 303


def test_change_password(clock_env, s):
    _, idn, _ = new_account(clock_env, s)
    other = ClockSession(s.clock)
    assert login(clock_env, other, idn).status_code == 303
    csrf, _ = page_csrf(clock_env, s, "/account/password")
    r = clock_env.post("/account/password", s, data={
        "_csrf": csrf, "old_password": "Wrong!pass1", "password": NEW_PW,
        "confirm": NEW_PW})
    assert r.status_code == 400 and "原密码不正确" in r.text
    r = clock_env.post("/account/password", s, data={
        "_csrf": csrf, "old_password": DEMO_PASSWORD, "password": NEW_PW,
        "confirm": NEW_PW + "x"})
    assert "两次输入的密码不一致" in r.text
    r = clock_env.post("/account/password", s, data={
        "_csrf": csrf, "old_password": DEMO_PASSWORD, "password": NEW_PW,
        "confirm": NEW_PW})
    assert r.status_code == 303 and r.headers["Location"] == \
        "/login?done=password"
    # every session ended, this one and the other device's
    assert clock_env.get("/account", s).status_code == 303
    assert clock_env.get("/account", other).status_code == 303
    assert login(clock_env, s, idn, NEW_PW).status_code == 303


def test_change_phone(clock_env, s):
    aid, _, old = new_account(clock_env, s)
    csrf, _ = page_csrf(clock_env, s, "/account/phone")
    new = random_phone()
    r = clock_env.post("/account/phone", s, data={
        "_csrf": csrf, "action": "send", "phone": old})
    assert "与当前手机号码相同" in r.text
    r = clock_env.post("/account/phone", s, data={
        "_csrf": csrf, "action": "send", "phone": new})
    assert r.status_code == 200 and "验证码已发送至新手机号码" in r.text
    assert 'value="%s"' % new in r.text
    code = outbox_code(clock_env, new)
    assert code
    # the code belongs to that number
    r = clock_env.post("/account/phone", s, data={
        "_csrf": csrf, "action": "change", "phone": random_phone(),
        "code": code})
    assert "验证码错误或已过期" in r.text
    r = clock_env.post("/account/phone", s, data={
        "_csrf": csrf, "action": "change", "phone": new, "code": code})
    assert r.status_code == 303
    assert clock_env.sql("SELECT phone FROM accounts WHERE id = %d"
                         % aid) == new


def test_dev_sms_refused_in_production(clock_env):
    assert clock_env.get("/dev/sms").status_code == 200
    before = clock_env.extra
    clock_env.restart("JszgMode production", test_clock=False)
    try:
        assert clock_env.get("/dev/sms").status_code == 404
        assert clock_env.get("/dev/reviews").status_code == 404
        r = clock_env.post("/dev/reviews/1", data={"decision": "approve"})
        assert r.status_code == 403          # CSRF first, then 404
    finally:
        clock_env.restart(before)
