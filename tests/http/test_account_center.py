"""个人信息中心 → 个人身份信息: masked ID, 修改个人信息, 实名核验 (three a day,
Asia/Shanghai), 人工审核 → staff approval → verified (issue 4)."""
import base64
import calendar
import datetime
import re
import struct
import zlib
from urllib.parse import quote

import pytest

from test_account_lib import (DEMO_PASSWORD, Clock, ClockSession,  # noqa
                              clock_env, csrf_of, insert_account, login,
                              new_account, page_csrf, random_phone, valid_id)


@pytest.fixture
def s():
    return ClockSession(Clock())


def registry(env, idn, name, id_type="居民身份证"):
    env.sql("INSERT INTO identity_registry (id_type, id_number, name) "
            "VALUES ('%s', '%s', '%s')" % (id_type, idn, name))


def test_identity_page_masks_id(clock_env, s):
    idn = valid_id(region="420106")
    new_account(clock_env, s, id_number=idn, name="薛明")
    r = clock_env.get("/account", s)
    assert r.status_code == 200
    assert "no-store" in r.headers["Cache-Control"]
    html = r.text
    assert "42*****%s" % idn[-2:] in html
    assert idn not in html and idn[2:-2] not in html
    for t in ("实名认证：", "未核验", "身份证件类型：", "居民身份证", "薛明",
              "修改个人信息", "实名核验", "修改密码", "修改手机号码",
              "7个工作日"):
        assert t in html


CENTER_PAGES = ("/account", "/account/profile", "/account/verify",
                "/account/review", "/account/password", "/account/phone")
CENTER_APIS = ("/api/v1/account/profile", "/api/v1/account/verify",
               "/api/v1/account/review", "/api/v1/account/password",
               "/api/v1/account/phone/code", "/api/v1/account/phone")


def test_center_needs_login(clock_env, s):
    """The center is JSZG_R_AUTH like every login-only route: a page GET
    goes to the login page and comes back (next=), a form POST and the
    API answer 401 login_required."""
    for path in CENTER_PAGES + ("/account?done=profile",):
        r = clock_env.get(path, s)
        assert r.status_code == 303, path
        assert r.headers["Location"] == "/login?next=" + quote(path, ""), \
            (path, r.headers["Location"])
        assert r.text == ""
    csrf = clock_env.csrf(s)                # anonymous: passes CSRF
    for path in CENTER_PAGES[1:]:
        r = clock_env.post(path, s, data={"_csrf": csrf})
        assert r.status_code == 401, path
        assert "您尚未登录或登录已超时" in r.text
    r = clock_env.get("/api/v1/account", s)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "login_required"
    for path in CENTER_APIS:
        r = clock_env.post(path, s, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 401, path
        assert r.headers["Content-Type"].startswith("application/json")
        assert r.json()["error"]["code"] == "login_required", path


def _state(env, aid):
    """What a logged-out request to the center must not change."""
    counts = env.sql(" UNION ALL ".join(
        "SELECT '%s:' || COUNT(*) FROM %s" % (t, t)
        for t in ("sessions", "sms_outbox", "sms_codes", "rate_events",
                  "audit_log", "identity_reviews")))
    row = env.sql("SELECT name || '|' || phone || '|' || COALESCE(email, "
                  "'') || '|' || COALESCE(address, '') || '|' || "
                  "password_hash || '|' || verified FROM accounts "
                  "WHERE id = %d" % aid)
    return counts, row


def test_logged_out_api_post_changes_nothing(clock_env, s):
    """After logout, with no session at all (only the anonymous CSRF
    cookie), every state-changing account API answers the uniform 401
    login_required and writes nothing."""
    aid, idn, phone = new_account(clock_env, s)
    csrf, _ = page_csrf(clock_env, s)
    assert clock_env.post("/logout", s,
                          data={"_csrf": csrf}).status_code == 303
    assert not s.cookies.get("jszg_sid")
    registry(clock_env, idn, "测试")
    before = _state(clock_env, aid)
    token = clock_env.csrf(s)
    assert not s.cookies.get("jszg_sid")    # still no session
    new_phone = random_phone()
    bodies = {
        "/api/v1/account/profile": {"address": "北京市朝阳区1号",
                                    "email": "x@example.com",
                                    "postcode": "100020"},
        "/api/v1/account/verify": {"name": "测试"},
        "/api/v1/account/review": {"name": "测试"},
        "/api/v1/account/password": {"old_password": DEMO_PASSWORD,
                                     "password": "Newpass@2027",
                                     "confirm": "Newpass@2027"},
        "/api/v1/account/phone/code": {"phone": new_phone},
        "/api/v1/account/phone": {"phone": new_phone, "code": "123456"},
    }
    assert set(bodies) == set(CENTER_APIS)
    for path, data in bodies.items():
        r = clock_env.post(path, s, data=data,
                           headers={"X-CSRF-Token": token})
        assert r.status_code == 401, (path, r.status_code, r.text)
        assert r.json()["error"]["code"] == "login_required", path
        assert "no-store" in r.headers["Cache-Control"]
    assert not s.cookies.get("jszg_sid")
    assert _state(clock_env, aid) == before


def test_profile_update(clock_env, s):
    idn = valid_id(birth="19880315", seq="123")     # odd: 男
    aid, _, _ = new_account(clock_env, s, id_number=idn)
    csrf, html = page_csrf(clock_env, s, "/account/profile")
    assert html.count("<option") == 59              # 请选择 + 56 + 2
    good = {"_csrf": csrf, "ethnicity": "回族", "sex": "男",
            "birth_date": "1988-03-15", "address": "北京市朝阳区1号",
            "postcode": "100020", "email": "t@example.com"}
    bad = dict(good, ethnicity="火星族", sex="女", birth_date="1988-02-30",
               postcode="10002", email="not-an-email", name="改名")
    r = clock_env.post("/account/profile", s, data=bad)
    assert r.status_code == 400
    for m in ("请选择民族", "性别与身份证号码不一致", "出生日期格式不正确",
              "邮政编码应为6位数字", "电子邮箱格式不正确"):
        assert m in r.text
    assert 'value="北京市朝阳区1号"' in r.text      # kept
    r = clock_env.post("/account/profile", s, data=good)
    assert r.status_code == 303
    row = clock_env.sql("SELECT ethnicity, sex, birth_date, postcode, name "
                        "FROM accounts WHERE id = %d" % aid)
    assert row == "回族|男|1988-03-15|100020|测试"     # the name never
    r = clock_env.get("/account/profile", s)
    assert '<option value="回族" selected' in r.text


def shanghai(y, mo, d, h, mi):
    """Epoch seconds of a Beijing wall-clock time."""
    return calendar.timegm((y, mo, d, h, mi, 0)) - 8 * 3600


def test_verify_three_a_day_across_midnight(clock_env):
    # 23:50 Beijing time, tomorrow (the clock only moves forward)
    t = datetime.datetime.utcnow() + datetime.timedelta(days=2)
    clock = Clock(shanghai(t.year, t.month, t.day, 23, 50))
    s = ClockSession(clock)
    idn = valid_id()
    registry(clock_env, idn, "周芳")
    aid, _, _ = new_account(clock_env, s, id_number=idn, name="周方")
    r = clock_env.get("/account/verify", s)
    assert "每日您最多可进行三次实名核验，您还剩3次" in r.text
    csrf = csrf_of(r.text)
    for left in (2, 1, 0):
        r = clock_env.post("/account/verify", s, data={"_csrf": csrf,
                                                       "name": "周方"})
        assert r.status_code == 422
        assert "实名认证失败，信息更新未成功" in r.text
        assert "您还剩%d次" % left in r.text
        assert "人工审核" in r.text
    r = clock_env.post("/account/verify", s, data={"_csrf": csrf,
                                                   "name": "周芳"})
    assert r.status_code == 429 and "次数已用完" in r.text
    assert clock_env.sql("SELECT verified FROM accounts WHERE id = %d"
                         % aid) == "0"
    # 00:05 the next day (Asia/Shanghai): three more
    clock.advance(15 * 60)
    r = clock_env.get("/account/verify", s)
    assert "您还剩3次" in r.text
    r = clock_env.post("/account/verify", s, data={"_csrf": csrf,
                                                   "name": "周芳"})
    assert r.status_code == 200
    assert "恭喜您，已通过实名核验" in r.text
    assert clock_env.sql("SELECT verified, name FROM accounts WHERE id = %d"
                         % aid) == "1|周芳"
    # the new name shows everywhere: the layout and the identity page
    r = clock_env.get("/account", s)
    assert "核验通过" in r.text
    assert "周芳" in r.text.split("</header>")[0]


def test_verify_api(clock_env, s):
    idn = valid_id()
    registry(clock_env, idn, "吴刚")
    new_account(clock_env, s, id_number=idn, name="吴刚")
    csrf = csrf_of(clock_env.get("/account", s).text)
    r = clock_env.post("/api/v1/account/verify", s, data={"name": "吴钢"},
                       headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "verify_failed" and err["remaining"] == 2
    r = clock_env.post("/api/v1/account/verify", s, data={"name": "吴刚"},
                       headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    assert r.json() == {"ok": True, "name": "吴刚", "remaining": 1,
                        "message": "恭喜您，已通过实名核验"}


# ---- 人工审核 ----------------------------------------------------------------

def png(width, height):
    """A real PNG (zlib + CRC by hand: no imaging library needed)."""
    raw = b"".join(b"\x00" + bytes((i * 7 + y) % 256
                                    for i in range(width * 3))
                   for y in range(height))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0,
                                         0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# A real 256 x 200 baseline JPEG (made with libjpeg, quality 30).
JPEG_B64 = (
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABsSFBcUERsXFhceHBsgKEIrKCUlKFE6PTBCYFVl"
    "ZF9VXVtqeJmBanGQc1tdhbWGkJ6jq62rZ4C8ybqmx5moq6T/2wBDARweHigjKE4rK06kbl1u"
    "pKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKT/wAAR"
    "CADIAQADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAA"
    "AgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkK"
    "FhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWG"
    "h4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl"
    "5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREA"
    "AgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYk"
    "NOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOE"
    "hYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk"
    "5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDnsUuKXFGK9EhMMUYpcUuKRSYmKXFLijFB"
    "aYYoxS4pcUikxMUuKMUuKRSYmKXFLilxSLTExS4oxS4oKTExS4pcUYpFJhijFLilxSLTExS4"
    "oxS4pFJiYpcUuKXFIpMTFLijFLigpMTFLilxRikWmGKMUuKXFIpMTFLilxRikUmGKMUuKXFB"
    "aZlYpcUYpcV1HzSDFGKXFLikWhMUuKMUuKRSExS4pcUYpFIMUYpcUuKCkJilxS4oxSLQYoxS"
    "4pcUikJilxRilxSKQmKXFLilxQWhMUuKMUuKRSExS4pcUYpFIMUYpcUuKRSExS4oxS4pFoMU"
    "YpcUuKCkJilxRilxSKQmKXFLijFItGXilxRilxXUfNJiYpcUuKMUi0wxRilxS4oKTExS4pcU"
    "YpFJhijFLilxSLTExS4oxS4pFJiYpcUuKMUFJhilxRilxSKTExS4pcUYpFphijFLilxSKTEx"
    "S4oxS4pFJiYpcUuKXFBaYmKXFGKXFIpMTFLilxRikUmGKMUuKXFIpMTFLilxRigtMy8UYpcU"
    "uK6j5pMTFLijFLikWmJilxS4pcUikxMUuKMUuKRSYmKXFLijFBaYYoxS4pcUikxMUuKXFGKR"
    "SYYoxS4pcUikxMUuKMUuKC0xMUuKXFLikUmJilxRilxSKTExS4pcUYpFphijFLilxSKTExS4"
    "oxS4oKTDFGKXFLikUmJilxRilxSLTMrFLilxS4rqPm0JilxRilxSKQmKXFLijFBSDFGKXFLi"
    "kUhMUuKXFGKRaDFGKXFLikUhMUuKMUuKCkJilxS4oxSLQYoxS4pcUikJilxS4oxSKQYoxS4p"
    "cUikJilxRilxQWhMUuKXFLikUhMUuKMUuKRSExS4pcUYpFoMUYpcUuKCkZWKXFLijFdR82mG"
    "KMUuKXFIpMTFLijFLikUmJilxS4pcUikxMUuKMUuKC0xMUuKXFGKRSYYoxS4pcUikxMUuKXF"
    "GKRaYYoxS4pcUikxMUuKMUuKCkxMUuKXFLikUmJilxRilxSLTExS4pcUYpFJhijFLilxQUmJ"
    "ilxRilxSLTExS4pcUuKRSZlYpcUYpcV1HzaYmKXFLilxSKTExS4oxS4oKTExS4pcUYpFphij"
    "FLilxSKTExS4oxS4pFJhijFLilxSKTExS4oxS4oLTExS4pcUYpFJhijFLilxSKTExS4pcUYp"
    "FphijFLilxQUmJilxRilxSKTExS4pcUuKRSYmKXFGKXFItMTFLilxRigpMy8UuKMUuK6j5tC"
    "YpcUuKMUikGKMUuKXFIpCYpcUYpcUi0JilxS4pcUFITFLijFLikUhMUuKXFGKRaDFGKXFLik"
    "UhMUuKXFGKRSDFGKXFLigpCYpcUYpcUi0JilxS4oxSKQYpcUYpcUikJilxS4oxQWgxRilxS4"
    "pFITFLijFLikUjLxRilxS4rqPm0JilxRilxSKQmKXFLilxQUhMUuKMUuKRaExS4pcUYpFIMU"
    "YpcUuKRSExS4oxS4pFoTFLilxS4oKQmKXFGKXFIpCYpcUuKMUikGKMUuKXFItCYpcUuKMUFI"
    "MUYpcUuKRSExS4oxS4pFoTFLilxS4pFITFLijFLigpGVilxS4oxXUfNphijFLilxSKTExS4p"
    "cUYpFphijFLilxSKTExS4oxS4oKTExS4pcUuKRSYmKXFGKXFItMTFLilxRikUmGKMUuKXFIp"
    "MTFLilxRigtMMUYpcUuKRSYmKXFGKXFIpMTFLilxRikUmGKMUuKXFBaYmKXFLijFIpMMUYpc"
    "UuKRSZlYpcUuKMV1HzaYYoxS4pcUikxMUuKMUuKC0xMUuKXFGKRSYYpcUYpcUikxMUuKXFGK"
    "RSYYoxS4pcUi0xMUuKMUuKCkxMUuKXFLikUmJilxRilxSLTExS4pcUYpFJhijFLilxQUmJil"
    "xS4oxSLTDFGKXFLikUmJilxRilxSKTExS4pcUuKCkzKxS4oxS4rqPm0JilxS4oxSKQYoxS4p"
    "cUi0JilxS4oxSKQYoxS4pcUikJilxRilxQWhMUuKXFLikUhMUuKMUuKRSExS4pcUYpFIMUYp"
    "cUuKC0JilxS4oxSKQYoxS4pcUikJilxRilxSLQmKXFLijFBSDFGKXFLikUhMUuKXFGKRSMvF"
    "GKKK6j5xC4pcUUUFIXFGKKKRSFxS4oopFIMUuKKKRaFxS4oopFIMUuKKKCkLijFFFItC4pcU"
    "UUikGKXFFFIpC4pcUUUFIMUuKKKRaFxRiiikUhcUuKKKRSFxRiiikWhcUuKKKCkf/9k="
)


def jpeg():
    return base64.b64decode(JPEG_B64)


def test_review_submit_approve(clock_env, s):
    aid, idn, _ = new_account(clock_env, s, name="陈一")
    csrf, html = page_csrf(clock_env, s, "/account/review")
    assert "7个工作日" in html and 'enctype="multipart/form-data"' in html
    front = jpeg()
    fake = b"GIF89a" + b"\x00" * 400
    broken = png(320, 240)[:-40]
    # a GIF renamed .jpg and a truncated PNG are refused, the name kept
    r = clock_env.post("/account/review", s, data={"_csrf": csrf,
                                                   "name": "陈壹"},
                       files={"front": ("id.jpg", fake, "image/jpeg"),
                              "back": ("back.png", broken, "image/png")})
    assert r.status_code == 400
    # beside each field, and again in the error summary at the top
    # (issue 19)
    assert r.text.count('class="field-error">照片无法使用') == 2
    assert r.text.count('<a href="#err-front">照片无法使用') + \
        r.text.count('<a href="#err-back">照片无法使用') == 2
    assert "证件照片须为JPG或PNG格式" in r.text
    assert 'value="陈壹"' in r.text
    r = clock_env.post("/account/review", s, data={"_csrf": csrf,
                                                   "name": "陈壹"},
                       files={"front": ("id.jpg", front, "image/jpeg"),
                              "back": ("back.png", png(320, 240),
                                       "image/png")})
    assert r.status_code == 303, r.text
    assert r.headers["Location"] == "/account?done=review"
    r = clock_env.get(r.headers["Location"], s)
    assert "人工审核中" in r.text and "7个工作日" in r.text
    rid, status, fpath = clock_env.sql(
        "SELECT id, status, front_path FROM identity_reviews WHERE "
        "account_id = %d" % aid).split("|")
    assert status == "人工审核中"
    assert fpath.startswith("identity/%d/" % aid)
    # while pending: no 实名核验
    r = clock_env.post("/account/verify", s, data={"_csrf": csrf,
                                                   "name": "陈壹"})
    assert r.status_code == 409 and "审核期间不能进行实名核验" in r.text
    # staff approve (dev stand-in for the back office queue)
    staff = ClockSession(s.clock)
    r = clock_env.get("/dev/reviews", staff)
    assert "陈壹" in r.text
    r = clock_env.post("/dev/reviews/%s" % rid, staff, data={
        "_csrf": csrf_of(r.text), "decision": "approve"})
    assert r.status_code == 303
    assert clock_env.sql("SELECT verified, name FROM accounts WHERE id = %d"
                         % aid) == "1|陈壹"
    assert clock_env.sql("SELECT status, decided_by FROM identity_reviews "
                         "WHERE id = %s" % rid) == "审核通过|dev"
    # decided once only
    r = clock_env.post("/dev/reviews/%s" % rid, staff, data={
        "_csrf": csrf_of(clock_env.get("/dev/reviews", staff).text),
        "decision": "reject"})
    assert r.status_code == 409
    r = clock_env.get("/account", s)
    assert "核验通过" in r.text


def test_review_reject_allows_verify_again(clock_env, s):
    aid, _, _ = new_account(clock_env, s, name="何二")
    csrf, _ = page_csrf(clock_env, s, "/account/review")
    r = clock_env.post("/account/review", s, data={"_csrf": csrf,
                                                   "name": "何二"},
                       files={"front": ("a.png", png(300, 200),
                                        "image/png"),
                              "back": ("b.png", png(300, 200),
                                       "image/png")})
    assert r.status_code == 303
    rid = clock_env.sql("SELECT id FROM identity_reviews WHERE account_id = "
                        "%d" % aid)
    r = clock_env.get("/dev/reviews", s)
    r = clock_env.post("/dev/reviews/%s" % rid, s, data={
        "_csrf": csrf_of(r.text), "decision": "reject", "note": "照片模糊"})
    assert r.status_code == 303
    assert clock_env.sql("SELECT verified FROM accounts WHERE id = %d"
                         % aid) == "0"
    r = clock_env.get("/account/verify", s)
    assert 'action="/account/verify"' in r.text


def test_account_is_verified_seed(clock_env):
    # the seed: 5 not verified, 7 人工审核中 with its review row
    assert clock_env.sql("SELECT verified FROM accounts WHERE id = 7") == "2"
    assert clock_env.sql("SELECT status FROM identity_reviews WHERE "
                         "account_id = 7") == "人工审核中"
