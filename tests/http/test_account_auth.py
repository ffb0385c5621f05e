"""Accounts: 账号注册, 登录, the slider captcha, lockout, CSRF, session
rotation, 退出, and the JSON API twins (issue 4)."""
import hashlib
import json
import re

import pytest

from test_account_lib import (DEMO_PASSWORD, Clock, ClockSession,  # noqa
                              captcha_answer, captcha_row, clock_env,
                              csrf_of, field, insert_account, login,
                              new_slider, random_phone, solve_page,
                              solve_slider, valid_id)

GOOD_PW = "Teach3r!pass"


@pytest.fixture
def s():
    return ClockSession(Clock())


def register_form(env, s):
    r = env.get("/register", s)
    assert r.status_code == 200
    return r


def post_register(env, s, wait=2, delta=0, **fields):
    r = register_form(env, s)
    data = {"_csrf": csrf_of(r.text), "id_type": "居民身份证",
            "id_number": valid_id(), "name": "王小明",
            "phone": random_phone(), "password": GOOD_PW,
            "confirm": GOOD_PW}
    data.update(solve_page(env, s, r.text, delta=delta, wait=wait))
    data.update(fields)
    return env.post("/register", s, data=data), data


def errors_of(html):
    return re.findall(r'class="field-error[^"]*"[^>]*>([^<]+)<', html)


# ---- 账号注册 ---------------------------------------------------------------

def test_register_page(clock_env, s):
    r = register_form(clock_env, s)
    html = r.text
    for t in ("居民身份证", "港澳居民来往内地通行证", "台湾居民来往大陆通行证",
              "护照", "外国人永久居留身份证", "证件号码", "姓名", "手机号码",
              "确认密码", "不能包含证件号码"):
        assert t in html
    assert "no-store" in r.headers["Cache-Control"]
    # the no-JS challenge: an image and six numbered choices, no answer
    token = field(html, "captcha_token")
    row = captcha_row(clock_env, token)
    assert row["mode"] == "pick"
    assert html.count('name="captcha_answer"') == 6
    img = re.search(r'src="(/captcha/[^"]+/bg\.png)"', html).group(1)
    p = clock_env.get(img, s)
    assert p.status_code == 200 and p.headers["Content-Type"] == "image/png"
    assert p.content.startswith(b"\x89PNG")
    assert 'src="/static/js/captcha.js"' in html


def test_register_and_login(clock_env, s):
    idn = valid_id()
    r, data = post_register(clock_env, s, id_number=idn.lower())
    assert r.status_code == 303, errors_of(r.text)
    assert r.headers["Location"] == "/login?done=registered"
    row = clock_env.sql("SELECT id_type, name, phone, password_hash, sex, "
                        "verified FROM accounts WHERE id_number = '%s'" % idn)
    id_type, name, phone, hash_, sex, verified = row.split("|")
    assert (id_type, name, phone, verified) == ("居民身份证", "王小明",
                                                 data["phone"], "0")
    assert hash_.startswith("$2y$10$") and GOOD_PW not in hash_
    assert sex == ("男" if int(idn[16]) % 2 else "女")
    r = clock_env.get("/login?done=registered", s)
    assert "注册成功" in r.text
    # the account name is the upper-cased number; a lower-case x works too
    r = login(clock_env, s, idn.lower(), GOOD_PW)
    assert r.status_code == 303 and r.headers["Location"] == "/account"


@pytest.mark.parametrize("idn,msg", [
    ("11010519491231002X", None),              # valid, upper X
    ("110105194912310021", "校验位"),          # wrong check digit
    ("110105194902300028", "出生日期"),        # 30 February
    ("11010519491231002", "18位"),
])
def test_register_id_check(clock_env, s, idn, msg):
    if msg is None:
        clock_env.sql("DELETE FROM accounts WHERE id_number = '%s'" % idn)
    r, _ = post_register(clock_env, s, id_number=idn)
    if msg is None:
        assert r.status_code == 303, errors_of(r.text)
        return
    assert r.status_code == 400
    errs = errors_of(r.text)
    assert any(msg in e for e in errs), errs
    # the other values are kept, the passwords are not
    assert 'value="王小明"' in r.text
    assert GOOD_PW not in r.text


def test_register_duplicate(clock_env, s):
    _, idn, _ = insert_account(clock_env)
    r, _ = post_register(clock_env, s, id_number=idn)
    assert r.status_code == 409
    assert "该证件号码已注册" in r.text
    assert clock_env.sql("SELECT COUNT(*) FROM accounts WHERE id_number = "
                         "'%s'" % idn) == "1"


@pytest.mark.parametrize("pw,confirm,msg", [
    ("Ab1!xyz", None, "不能少于8位"),
    ("abcdefgh", None, "至少三类"),
    ("abcd1234", None, "至少三类"),
    ("Pass!{id}", None, "不能包含证件号码"),
    (GOOD_PW, "Other!pass1", "两次输入的密码不一致"),
])
def test_register_password_policy(clock_env, s, pw, confirm, msg):
    idn = valid_id()
    pw = pw.replace("{id}", idn)
    r, _ = post_register(clock_env, s, id_number=idn, password=pw,
                         confirm=confirm or pw)
    assert r.status_code == 400
    assert any(msg in e for e in errors_of(r.text)), errors_of(r.text)
    assert 'value="%s"' % idn in r.text
    assert clock_env.sql("SELECT COUNT(*) FROM accounts WHERE id_number = "
                         "'%s'" % idn) == "0"


def test_register_other_fields(clock_env, s):
    r, _ = post_register(clock_env, s, name="", phone="12345678901",
                         id_type="驾驶证")
    assert r.status_code == 400
    errs = " ".join(errors_of(r.text))
    for m in ("请选择证件类型", "请输入姓名", "手机号码格式不正确"):
        assert m in errs


def test_register_other_id_type(clock_env, s):
    num = "H%08d" % (hash(valid_id()) % 10 ** 8)
    r, _ = post_register(clock_env, s, id_type="港澳居民来往内地通行证",
                         id_number=num.lower())
    assert r.status_code == 303, errors_of(r.text)
    assert clock_env.sql("SELECT id_type FROM accounts WHERE id_number = "
                         "'%s'" % num) == "港澳居民来往内地通行证"


# ---- the slider captcha ------------------------------------------------------

def login_with(env, s, cap, who="110101198503151235", pw=DEMO_PASSWORD):
    r = env.get("/login", s)
    data = {"_csrf": csrf_of(r.text), "login": who, "password": pw}
    data.update(cap(r.text))
    return env.post("/login", s, data=data)


def test_captcha_right_slider(clock_env, s):
    _, idn, _ = insert_account(clock_env)
    r = clock_env.get("/login", s)
    cap = solve_slider(clock_env, s, csrf_of(r.text), delta=4)
    data = {"_csrf": csrf_of(r.text), "login": idn,
            "password": DEMO_PASSWORD}
    data.update(cap)
    r = clock_env.post("/login", s, data=data)
    assert r.status_code == 303
    assert captcha_row(clock_env, cap["captcha_token"])["used_at"]


def test_captcha_never_reveals_answer(clock_env, s):
    r = clock_env.get("/login", s)
    c = new_slider(clock_env, s, csrf_of(r.text))
    assert set(c) == {"token", "mode", "width", "height", "piece_width",
                      "ttl", "bg", "piece"}
    row = captcha_row(clock_env, c["token"])
    # neither the answer nor the seed is in the JSON, the URLs or the
    # page: the token is the signed (mode, issue time, random nonce)
    # only, the answer follows from the nonce under the server secret
    m = re.fullmatch(r"K1\.0\.(\d{13})\.([0-9a-f]{16})\.[A-Za-z0-9_-]{22}",
                     c["token"])
    assert m, c["token"]
    assert abs(int(m.group(1)) // 1000 - s.clock.now) <= 1
    assert row["mode"] == "slide" and "answer" not in json.dumps(c)
    # nothing was stored for it: issuing costs no database write
    assert row["used_at"] == ""
    assert clock_env.sql("SELECT COUNT(*) FROM captchas WHERE id_hash = "
                         "'%s'" % hashlib.sha256(c["token"].encode())
                         .hexdigest()) == "0"
    for path in (c["bg"], c["piece"]):
        assert re.fullmatch(r"/captcha/[A-Za-z0-9._-]+/(bg|piece)\.png",
                            path)
    assert "answer" not in r.text.replace('name="captcha_answer"', "")
    # the images are the same however often they are fetched
    a = clock_env.get(c["bg"], s).content
    assert a == clock_env.get(c["bg"], s).content


def test_captcha_wrong(clock_env, s):
    r = login_with(clock_env, s, lambda html: solve_slider(
        clock_env, s, csrf_of(html), delta=12))
    assert r.status_code == 400
    assert "拼图未对齐" in r.text
    # a captcha failure is not a password failure: no lockout counted
    assert clock_env.sql("SELECT COUNT(*) FROM rate_events WHERE kind = "
                         "'acct.login_fail' AND key = "
                         "'110101198503151235'") == "0"


def test_captcha_missing(clock_env, s):
    r = clock_env.get("/login", s)
    r = clock_env.post("/login", s, data={
        "_csrf": csrf_of(r.text), "login": "110101198503151235",
        "password": DEMO_PASSWORD})
    assert r.status_code == 400
    assert "请先拖动滑块填充拼图完成校验!" in r.text


def test_captcha_replayed(clock_env, s):
    _, idn, _ = insert_account(clock_env)
    r = clock_env.get("/login", s)
    csrf = csrf_of(r.text)
    cap = solve_page(clock_env, s, r.text)
    data = {"_csrf": csrf, "login": idn, "password": "Wrong!pass1"}
    data.update(cap)
    r = clock_env.post("/login", s, data=data)
    assert r.status_code == 401          # captcha passed, password wrong
    data["password"] = DEMO_PASSWORD     # the same captcha again
    r = clock_env.post("/login", s, data=data)
    assert r.status_code == 400
    assert "已使用过" in r.text
    # and its images are gone too
    assert clock_env.get("/captcha/%s/bg.png" % cap["captcha_token"],
                         s).status_code == 404


def test_captcha_expired(clock_env, s):
    r = login_with(clock_env, s, lambda html: solve_page(
        clock_env, s, html, wait=121))
    assert r.status_code == 400
    assert "已过期" in r.text


def test_captcha_too_fast(clock_env, s):
    # answered in the second it was issued: the picture without
    # JavaScript has no slider, its message does not speak of one
    r = login_with(clock_env, s, lambda html: solve_page(
        clock_env, s, html, wait=0))
    assert r.status_code == 400 and "选择过快" in r.text
    assert "拖动" not in re.search(r'captcha-error[^>]*>([^<]*)<',
                                   r.text).group(1)
    # a 40 ms drag
    r = login_with(clock_env, s, lambda html: solve_slider(
        clock_env, s, csrf_of(html), drag_ms=40))
    assert r.status_code == 400 and "拖动过快" in r.text


def test_captcha_track_checked(clock_env, s):
    """Issue 13.5: the slider's drag track is judged on the server: the
    right position reached by a script (no track, a jump, equal steps at
    an equal pace) does not pass; keys (1 or 10 px a press) do."""
    from test_account_lib import drag_track

    def try_track(track_of, drag_ms=600):
        def solve(html):
            cap = solve_slider(clock_env, s, csrf_of(html), drag_ms=drag_ms)
            cap["captcha_track"] = track_of(int(cap["captcha_answer"]))
            return cap
        return login_with(clock_env, s, solve)

    def equal_steps(x):
        pts = ["%d:%d" % (i * 20, i * 12) for i in range(x // 12 + 1)]
        return ";".join(pts + ["600:%d" % x])
    for bad in (lambda x: "", lambda x: "0:0;600:%d" % x, equal_steps,
                lambda x: "0:0;300:%d;600:%d" % (x // 2, x)):
        r = try_track(bad)
        assert r.status_code == 400 and "未通过校验" in r.text, \
            bad(int(r.request.body.split("captcha_answer=")[1]
                    .split("&")[0]))

    def keys(x):
        pts, t = ["0:0k"], 0
        for pos in list(range(10, x, 10)) + [x]:
            t += 20                     # at most 27 presses: < 600 ms
            pts.append("%d:%dk" % (t, pos))
        return ";".join(pts)

    def keys_ending_at(drag_ms):
        def track(x):
            tr = keys(x)
            last = int(tr.split(";")[-1].split(":")[0])
            return tr.replace("%d:%dk" % (last, x), "%d:%dk" % (drag_ms, x))
        return track
    # arrow keys (Shift: 10 px a press), the drag ending with the last key
    r = try_track(keys_ending_at(600))
    assert r.status_code == 303, r.text[:300]
    # keys that move half the way in one press are no keyboard
    r2 = try_track(lambda x: "0:0k;100:%dk;600:%dk" % (x // 2, x))
    assert r2.status_code == 400 and "未通过校验" in r2.text
    r = try_track(lambda x: drag_track(x, 600))
    assert r.status_code == 303, r.text[:300]


def test_captcha_other_browser(clock_env, s):
    """A challenge solved in one browser cannot be spent in another."""
    other = ClockSession(s.clock)
    r = clock_env.get("/login", other)
    cap = solve_page(clock_env, other, r.text)
    r = login_with(clock_env, s, lambda html: cap)
    assert r.status_code == 400 and "已失效" in r.text


# ---- 登录 -----------------------------------------------------------------

def test_login_generic_error(clock_env, s):
    _, idn, _ = insert_account(clock_env)
    wrong = login(clock_env, s, idn, "Wrong!pass1")
    nobody = login(clock_env, s, valid_id(), "Wrong!pass1")
    assert wrong.status_code == nobody.status_code == 401
    for r in (wrong, nobody):
        assert "账号或密码错误，请重新输入" in r.text
        assert "不存在" not in r.text and "Wrong!pass1" not in r.text
    assert 'value="%s"' % idn in wrong.text       # the login is kept


def test_login_throttle_grows_and_lifts(clock_env, s):
    """Issue 13.5: no lock on the account, a growing wait for the
    (account, address) pair after three wrong passwords."""
    _, idn, _ = insert_account(clock_env)
    for i in range(3):
        r = login(clock_env, s, idn, "Wrong!pass%d" % i)
        assert r.status_code == 401
    # the 4th try from this address waits, whatever the password
    r = login(clock_env, s, idn)
    assert r.status_code == 429, r.status_code
    assert "密码错误次数过多" in r.text and "锁定" not in r.text
    assert int(r.headers["Retry-After"]) > 0
    until = re.search(r"请于(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)后再试", r.text)
    assert until
    # no captcha row was spent and no password was tried meanwhile
    s.clock.advance(30)
    r = login(clock_env, s, idn, "Wrong!pass3")
    assert r.status_code == 401
    # the next wait is longer: 30 s is not enough now, 60 s is
    s.clock.advance(30)
    assert login(clock_env, s, idn).status_code == 429
    s.clock.advance(30)
    assert login(clock_env, s, idn).status_code == 303


def test_login_throttle_api(clock_env, s):
    _, idn, _ = insert_account(clock_env)
    for i in range(3):
        login(clock_env, s, idn, "Wrong!pass%d" % i)
    csrf = csrf_of(clock_env.get("/login", s).text)
    data = {"login": idn, "password": DEMO_PASSWORD}
    data.update(solve_slider(clock_env, s, csrf))
    r = clock_env.post("/api/v1/login", s, data=data,
                       headers={"X-CSRF-Token": csrf})
    assert r.status_code == 429, r.text
    err = r.json()["error"]
    assert err["code"] == "login_throttled" and err["retry_after"] > 0
    assert r.headers["Retry-After"] == str(err["retry_after"])


def test_login_throttle_survives_restart(clock_env, s):
    _, idn, _ = insert_account(clock_env)
    for i in range(3):
        login(clock_env, s, idn, "Wrong!pass%d" % i)
    clock_env.restart(clock_env.extra)
    s2 = ClockSession(s.clock)
    assert login(clock_env, s2, idn).status_code == 429


def test_reset_lifts_the_throttle_of_this_address(clock_env, s):
    from test_account_lib import outbox_code
    _, idn, phone = insert_account(clock_env)
    for i in range(3):
        login(clock_env, s, idn, "Wrong!pass%d" % i)
    assert login(clock_env, s, idn).status_code == 429
    csrf = csrf_of(clock_env.get("/login", s).text)
    data = {"login": idn, "phone": phone}
    data.update(solve_slider(clock_env, s, csrf))
    r = clock_env.post("/api/v1/password/forgot", s, data=data,
                       headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    r = clock_env.post("/api/v1/password/reset", s,
                       headers={"X-CSRF-Token": csrf},
                       data={"login": idn, "code": outbox_code(clock_env,
                                                               phone),
                             "password": GOOD_PW, "confirm": GOOD_PW})
    assert r.status_code == 200, r.text
    assert login(clock_env, s, idn, GOOD_PW).status_code == 303


def test_login_shows_last_login_and_name(clock_env, s):
    _, idn, _ = insert_account(clock_env, name="林老师")
    assert login(clock_env, s, idn).status_code == 303
    r = clock_env.get("/account", s)
    assert "您上次登录时间：<span" in r.text and "首次登录" in r.text
    assert "林老师" in r.text.split("</header>")[0]   # the layout's name
    clock_env.post("/logout", s, data={"_csrf": csrf_of(r.text)})
    s.clock.advance(3600)
    assert login(clock_env, s, idn).status_code == 303
    r = clock_env.get("/account", s)
    last = re.search(r'class="last-login">(\d{4}-\d\d-\d\d \d\d:\d\d)<',
                     r.text)
    assert last, r.text


def test_session_rotated_at_login(clock_env, s):
    _, idn, _ = insert_account(clock_env)
    s.post(clock_env.url + "/services/dqzc/enter",
           data={"_csrf": clock_env.csrf(s)}, allow_redirects=False)
    before = s.cookies.get("jszg_sid")
    assert before
    r = login(clock_env, s, idn)
    assert r.status_code == 303
    # came in through 在线办理: on to the business platform
    assert r.headers["Location"] == "/platform"
    after = s.cookies.get("jszg_sid")
    assert after and after != before
    h = hashlib.sha256(before.encode()).hexdigest()
    assert clock_env.sql("SELECT COUNT(*) FROM sessions WHERE id_hash = "
                         "'%s'" % h) == "0"
    # the old (fixed) id is worth nothing
    old = ClockSession(s.clock)
    old.cookies.set("jszg_sid", before)
    assert clock_env.get("/account", old).status_code == 303


def test_csrf_rejected(clock_env, s):
    _, idn, _ = insert_account(clock_env)
    r = clock_env.get("/login", s)
    cap = solve_page(clock_env, s, r.text)
    data = {"login": idn, "password": DEMO_PASSWORD}
    data.update(cap)
    # no token
    assert clock_env.post("/login", s, data=data).status_code == 403
    # login CSRF: a token from another browser (an attacker's page)
    other = ClockSession(s.clock)
    data["_csrf"] = clock_env.csrf(other)
    assert clock_env.post("/login", s, data=data).status_code == 403
    assert clock_env.post("/register", s, data=data).status_code == 403
    assert clock_env.post("/logout", s, data={}).status_code == 403


def test_logout_ends_session(clock_env, s):
    _, idn, _ = insert_account(clock_env)
    login(clock_env, s, idn)
    sid = s.cookies.get("jszg_sid")
    r = clock_env.get("/account", s)
    r = clock_env.post("/logout", s, data={"_csrf": csrf_of(r.text)})
    assert r.status_code == 303
    h = hashlib.sha256(sid.encode()).hexdigest()
    assert clock_env.sql("SELECT COUNT(*) FROM sessions WHERE id_hash = "
                         "'%s'" % h) == "0"
    assert clock_env.get("/account", s).status_code == 303


# ---- the JSON API twins ------------------------------------------------------

def test_api_register_login_logout(clock_env, s):
    csrf = clock_env.csrf(s)
    idn = valid_id()
    data = {"id_type": "居民身份证", "id_number": idn, "name": "赵小红",
            "phone": random_phone(), "password": "abc", "confirm": "abc"}
    data.update(solve_slider(clock_env, s, csrf))
    r = clock_env.post("/api/v1/register", s, data=data,
                       headers={"X-CSRF-Token": csrf})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["fields"]["password"]["code"] == "password_too_short"
    # the first field's error is the answer's (jszg_fail, as everywhere)
    assert err["code"] == "password_too_short"
    data.update(password=GOOD_PW, confirm=GOOD_PW)
    data.update(solve_slider(clock_env, s, csrf))
    r = clock_env.post("/api/v1/register", s, data=data,
                       headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json() == {"ok": True,
                                                 "account": idn}
    # wrong password: the generic error
    cred = {"login": idn, "password": "Nope!nope1"}
    cred.update(solve_slider(clock_env, s, csrf))
    r = clock_env.post("/api/v1/login", s, data=cred,
                       headers={"X-CSRF-Token": csrf})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "login_failed"
    # one shape for every API refusal: "fields" only when there are any
    assert set(r.json()["error"]) == {"code", "message"}
    cred.update(password=GOOD_PW)
    cred.update(solve_slider(clock_env, s, csrf))
    r = clock_env.post("/api/v1/login", s, data=cred,
                       headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == "赵小红" and body["last_login"] is None
    csrf = body["csrf"]                       # bound to the new session
    r = clock_env.get("/api/v1/account", s)
    assert r.json()["account"]["id_number_masked"] == idn[:2] + "*****" \
        + idn[-2:]
    assert "password_hash" not in r.text and idn not in r.text
    r = clock_env.post("/api/v1/logout", s, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    assert clock_env.get("/api/v1/account", s).status_code == 401


def test_api_captcha_errors(clock_env, s):
    csrf = clock_env.csrf(s)
    cred = {"login": "110101198503151235", "password": DEMO_PASSWORD}
    cred.update(solve_slider(clock_env, s, csrf, delta=-20))
    r = clock_env.post("/api/v1/login", s, data=cred,
                       headers={"X-CSRF-Token": csrf})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "captcha_wrong"
    r = clock_env.post("/api/v1/login", s, data=cred,
                       headers={"X-CSRF-Token": csrf})
    assert r.json()["error"]["code"] == "captcha_used"
    # the captcha endpoint itself changes state: it needs the CSRF token
    assert clock_env.post("/api/v1/captcha", s).status_code == 403
