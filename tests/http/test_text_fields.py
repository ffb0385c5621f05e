"""Clean text (issue 13, point 6): no Unicode control or format character
gets into any text field (names, addresses, notes, query strings), while
what real names use passes; and a partial 修改个人信息 through the API
keeps the fields it did not send."""
import pytest

from test_account_lib import (Clock, ClockSession, clock_env,  # noqa: F401
                              csrf_of, new_account, page_csrf, random_phone,
                              solve_page, solve_slider, valid_id)

GOOD_PW = "Teach3r!pass"


@pytest.fixture
def s():
    return ClockSession(Clock())


def api_register(env, s, name):
    csrf = env.csrf(s)
    idn = valid_id()
    data = {"id_type": "居民身份证", "id_number": idn, "name": name,
            "phone": random_phone(), "password": GOOD_PW,
            "confirm": GOOD_PW}
    data.update(solve_slider(env, s, csrf))
    r = env.post("/api/v1/register", s, data=data,
                 headers={"X-CSRF-Token": csrf})
    return r, idn


@pytest.mark.parametrize("name", [
    "\u200b",                   # only a zero-width space
    "张\u200b伟",
    "\u202e伟张",               # right-to-left override
    "张伟\u2066",               # left-to-right isolate
    "\ufeff张伟",               # BOM
    "张\u00ad伟",               # soft hyphen
    "张\u2028伟",               # line separator
    "张\x1b[31m伟",             # ESC
    "张\u0085伟",               # NEL (C1)
])
def test_register_refuses_control_and_format_chars(clock_env, s, name):
    r, idn = api_register(clock_env, s, name)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "control_char"
    assert "控制字符" in r.json()["error"]["message"]
    assert clock_env.sql("SELECT COUNT(*) FROM accounts WHERE id_number = "
                         "'%s'" % idn) == "0"


@pytest.mark.parametrize("name", [
    "阿丽木·吐尔逊",            # U+00B7 middle dot of minority names
    "阿丽木・吐尔逊",           # U+30FB katakana middle dot, as typed
    "王𠀀",                     # 生僻字 outside the BMP (U+20000)
    "李𪚥",                     # U+2A6A5
])
def test_register_keeps_real_names(clock_env, s, name):
    r, idn = api_register(clock_env, s, name)
    assert r.status_code == 200, r.text
    assert clock_env.sql("SELECT name FROM accounts WHERE id_number = '%s'"
                         % idn) == name


def test_page_forms_and_queries_refuse_them(clock_env, s):
    """The same rule on the HTML form (a Chinese error page), the other
    text fields (通讯地址) and query strings."""
    r = clock_env.get("/register", s)
    data = {"_csrf": csrf_of(r.text), "id_type": "居民身份证",
            "id_number": valid_id(), "name": "张\u202e伟",
            "phone": random_phone(), "password": GOOD_PW,
            "confirm": GOOD_PW}
    data.update(solve_page(clock_env, s, r.text))
    r = clock_env.post("/register", s, data=data)
    assert r.status_code == 400
    assert "控制字符" in r.text and "text/html" in r.headers["Content-Type"]
    aid, _, _ = new_account(clock_env, s)
    csrf, _ = page_csrf(clock_env, s, "/account/profile")
    r = clock_env.post("/api/v1/account/profile", s,
                       data={"address": "北京市\u202e号1路"},
                       headers={"X-CSRF-Token": csrf})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "control_char"
    assert clock_env.sql("SELECT COALESCE(address, '') FROM accounts "
                         "WHERE id = %d" % aid) == ""
    r = clock_env.get("/search?q=%E6%95%99%E2%80%8B")
    assert r.status_code == 400


def test_profile_partial_update_keeps_unsent_fields(clock_env, s):
    """POST /api/v1/account/profile with only `email` changes the email
    and nothing else; a field sent empty is cleared."""
    idn = valid_id(birth="19880315", seq="357")
    aid, _, _ = new_account(clock_env, s, id_number=idn)
    csrf, _ = page_csrf(clock_env, s, "/account/profile")
    full = {"ethnicity": "回族", "sex": "男", "birth_date": "1988-03-15",
            "address": "北京市朝阳区1号", "postcode": "100020",
            "email": "t@example.com"}
    r = clock_env.post("/api/v1/account/profile", s, data=full,
                       headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    q = ("SELECT ethnicity, sex, birth_date, address, postcode, email "
         "FROM accounts WHERE id = %d" % aid)
    assert clock_env.sql(q) == "回族|男|1988-03-15|北京市朝阳区1号|100020|" \
                               "t@example.com"
    r = clock_env.post("/api/v1/account/profile", s,
                       data={"email": "new@example.com"},
                       headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    assert clock_env.sql(q) == "回族|男|1988-03-15|北京市朝阳区1号|100020|" \
                               "new@example.com"
    acct = r.json()["account"]
    assert acct["ethnicity"] == "回族" and acct["postcode"] == "100020"
    # an unsent field is not checked either; a sent one is
    r = clock_env.post("/api/v1/account/profile", s,
                       data={"postcode": "1"},
                       headers={"X-CSRF-Token": csrf})
    assert r.status_code == 400
    assert "postcode" in r.json()["error"]["fields"]
    # sent empty: cleared
    r = clock_env.post("/api/v1/account/profile", s,
                       data={"address": ""},
                       headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    assert clock_env.sql(q) == "回族|男|1988-03-15||100020|new@example.com"
