"""The applicant side finished (issue 18): no lost form, the rules the 须知
promises (资格种类 vs 学段, applying again after a conclusion), every error
at once, the right reason for every refusal, the small things.

New applicants are made the way they arrive in production: the identity
and the certificate through the back office's CSV import, the account
through /api/v1/register, 实名核验 through /api/v1/account/verify."""
import random
import re
import time

import pytest

from test_account_lib import (ClockSession, Clock, solve_slider,  # noqa
                              random_phone, valid_id)
from test_admin_import import upload
from test_admin_support import Staff
from test_wizard import PERSON, api, api_walk_to, photo, reset

PW = "Teach3r!pass"


def new_applicant(env, name="柳青", kind=2, subject="数学"):
    """A verified applicant with one Beijing certificate of `kind`, made
    through the import, the register and verify APIs.  Returns
    (session, id_number, account_id, cert_no)."""
    seq = "%02d%d" % (random.randint(0, 99), random.choice((1, 3, 5, 7, 9)))
    idn = valid_id(region="110101", seq=seq)             # male
    # 2015 + 北京 11 + authority 101 + 资格种类 + 男 (1) + serial
    cert_no = "201511101%d1%06d" % (kind, random.randrange(10 ** 6))
    sysadmin = Staff(env, "sysadmin")
    r = upload(sysadmin, "identity", "证件类型,证件号码,姓名\n居民身份证,%s,%s\n"
               % (idn, name), mode="apply")
    assert r.status_code == 200, r.text[-800:]
    bj = Staff(env, "bj-province")
    r = upload(bj, "certificates",
               "证书号码,姓名,证件类型,证件号码,性别,资格种类,任教学科,认定机构,"
               "省份代码,认定日期,状态\n%s,%s,居民身份证,%s,男,%d,%s,"
               "北京市东城区教育委员会,110000,2015-07-01,有效\n"
               % (cert_no, name, idn, kind, subject), mode="apply")
    assert r.status_code == 200, r.text[-800:]
    # a clock a few hours on: the per-IP register limit of other tests'
    # hour does not apply
    s = ClockSession(Clock(time.time() + random.randint(1, 5) * 3600))
    csrf = env.csrf(s)
    data = {"id_type": "居民身份证", "id_number": idn, "name": name,
            "phone": random_phone(), "password": PW, "confirm": PW}
    data.update(solve_slider(env, s, csrf))
    r = env.post("/api/v1/register", s, data=data,
                 headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    cred = {"login": idn, "password": PW}
    cred.update(solve_slider(env, s, csrf))
    r = env.post("/api/v1/login", s, data=cred,
                 headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    r = api(env, s, "POST", "/api/v1/account/verify", data={"name": name})
    assert r.status_code == 200, r.text
    aid = int(env.sql("SELECT id FROM accounts WHERE id_number = '%s'"
                      % idn))
    return s, idn, aid, cert_no


# ---- step 2 keeps what was typed ---------------------------------------------

def test_step2_missing_ethnicity_asked_on_the_step_nothing_lost(env):
    s, idn, aid, cert = new_applicant(env)
    assert env.sql("SELECT COALESCE(ethnicity, '-') FROM accounts WHERE "
                   "id = %d" % aid) == "-"
    api_walk_to(env, s, 2)
    j = env.get("/api/v1/dqzc/wizard/2", s).json()
    assert j["identity"]["need_ethnicity"] is True
    assert j["identity"]["birth_date"] == "%s-%s-%s" % (idn[6:10], idn[10:12],
                                                         idn[12:14])
    assert "need_birth_date" not in j["identity"]
    # every field typed, a mistake in one, 民族 not chosen: all errors at
    # once, the identity among them (no profile-only answer)
    typed = dict(PERSON, cert_no=cert, postcode="1000")
    r = api(env, s, "POST", "/api/v1/dqzc/wizard/2", data=typed,
            files={"photo": ("photo.jpg", photo("good"), "image/jpeg")})
    assert r.status_code == 400, r.text
    fields = r.json()["error"]["fields"]
    assert set(fields) == {"ethnicity", "postcode"}, fields
    assert fields["ethnicity"]["code"] == "missing_ethnicity"
    # the page shows the select, and what was typed is still there after
    # leaving (e.g. to the 个人信息中心) and coming back
    html = env.get("/platform/dqzc/wizard/2", s).text
    assert 'name="ethnicity"' in html
    assert 'value="%s"' % PERSON["address"] in html
    assert 'value="1000"' in html
    j = env.get("/api/v1/dqzc/wizard/2", s).json()
    assert j["values"]["school"] == PERSON["school"]
    assert j["values"]["cert_no"] == cert
    assert j["has_photo"] is True
    assert env.get("/api/v1/dqzc/wizard", s).json()["step_done"] == 1
    # the 民族 chosen on the step goes to the account with the step
    r = api(env, s, "POST", "/api/v1/dqzc/wizard/2",
            data=dict(PERSON, cert_no=cert, ethnicity="回族"))
    assert r.status_code == 200, r.text
    assert env.sql("SELECT ethnicity FROM accounts WHERE id = %d"
                   % aid) == "回族"
    j = env.get("/api/v1/dqzc/wizard/2", s).json()
    assert j["identity"]["ethnicity"] == "回族"
    assert "need_ethnicity" not in j["identity"]
    assert j["values"]["postcode"] == PERSON["postcode"]
    reset(env, aid)


# ---- 资格种类 vs 学段 ------------------------------------------------------

HUANG = 3                               # 黄秀英 450103198211205482
HUANG_KG = "20134510312000456"          # 幼儿园教师资格
HUANG_PRIMARY = "104501032100087"       # 小学教师资格 (15 digits, 2010)
NANNING = {"province": "450000", "city": "450100"}


def test_kindergarten_certificate_refused_for_senior_high_post(env):
    reset(env, HUANG)
    s = env.login_as(HUANG)
    api_walk_to(env, s, 3, institution="22", point="2201", cert=HUANG_KG,
                stage="高级中学", **NANNING)
    r = api(env, s, "POST", "/api/v1/dqzc/wizard/3",
            data=dict(NANNING, stage="高级中学", subject="语文",
                      institution_id="22", point_id="2201"))
    assert r.status_code == 400, r.text
    f = r.json()["error"]["fields"]
    assert list(f) == ["stage"]
    assert f["stage"]["code"] == "kind_stage_mismatch"
    assert f["stage"]["message"].startswith(
        "幼儿园教师资格不能用于高级中学岗位（该资格可任教：幼儿园）")
    assert env.get("/api/v1/dqzc/wizard", s).json()["step_done"] == 2
    # the page shows it next to the 学段
    html = env.post("/platform/dqzc/wizard/3", s, data=dict(
        NANNING, _csrf=env.csrf(s), stage="高级中学", subject="语文",
        institution_id="22", point_id="2201")).text
    assert re.search(r'name="stage".*?幼儿园教师资格不能用于高级中学岗位',
                     html, re.S)
    # the right 学段 for the certificate at the 县级 body: accepted
    r = api(env, s, "POST", "/api/v1/dqzc/wizard/3",
            data=dict(NANNING, stage="幼儿园", subject="幼儿园",
                      institution_id="23", point_id="2301"))
    assert r.status_code == 200, r.text
    # back on step 2 another certificate that does not cover the 学段
    # chosen: step 3 is to be done again
    reset(env, HUANG)


def test_kind_vs_stage_on_edit(env):
    from test_records import submit
    s = env.login_as(HUANG)
    reg = submit(env, s, account=HUANG, institution="23", point="2301",
                 cert=HUANG_PRIMARY, stage="小学", subject="语文",
                 **NANNING)
    v = env.get("/api/v1/dqzc/records/%s" % reg, s).json()["version"]
    r = api(env, s, "POST", "/api/v1/dqzc/records/%s" % reg,
            data={"version": v, "stage": "初级中学"})
    assert r.status_code == 400, r.text
    f = r.json()["error"]["fields"]
    assert f["stage"]["code"] == "kind_stage_mismatch"
    assert f["stage"]["message"].startswith(
        "小学教师资格不能用于初级中学岗位（该资格可任教：小学、幼儿园）")
    assert env.sql("SELECT stage FROM applications WHERE reg_no = '%s'"
                   % reg) == "小学"
    r = api(env, s, "POST", "/api/v1/dqzc/records/%s" % reg,
            data={"version": v, "stage": "幼儿园"})
    assert r.status_code == 200, r.text
    reset(env, HUANG)


# ---- every error at once --------------------------------------------------------

def test_step3_reports_every_error_together(env):
    reset(env, 1)
    s = env.login_as(1)
    api_walk_to(env, s, 3)
    # no 学科 and no 确认点: both at once (they came one per submit)
    r = api(env, s, "POST", "/api/v1/dqzc/wizard/3",
            data={"province": "110000", "city": "110101", "stage": "小学",
                  "institution_id": "2"})
    assert r.status_code == 400, r.text
    assert set(r.json()["error"]["fields"]) == {"subject", "point_id"}
    # nothing chosen but the province: every missing one
    r = api(env, s, "POST", "/api/v1/dqzc/wizard/3",
            data={"province": "110000"})
    assert set(r.json()["error"]["fields"]) == {"city", "stage", "subject",
                                                "institution_id"}
    # the page: every message next to its field
    html = env.post("/platform/dqzc/wizard/3", s, data={
        "_csrf": env.csrf(s), "province": "110000", "city": "110101",
        "stage": "小学", "institution_id": "2"}).text
    assert "请选择现任教学科。" in html and "请选择确认点。" in html
    reset(env, 1)


# ---- the right reason for every refusal ---------------------------------------

def test_png_named_png_is_not_told_it_was_renamed(env):
    reset(env, 1)
    s = env.login_as(1)
    api_walk_to(env, s, 2)
    data = dict(PERSON, cert_no="20101110121003456")
    r = api(env, s, "POST", "/api/v1/dqzc/wizard/2", data=data,
            files={"photo": ("photo.png", photo("png"), "image/png")})
    msg = r.json()["error"]["fields"]["photo"]["message"]
    assert "仅修改了扩展名" not in msg
    assert msg.startswith("该文件为PNG格式的图片，照片须为JPG格式")
    # a PNG renamed .jpg: that is what happened
    r = api(env, s, "POST", "/api/v1/dqzc/wizard/2", data=data,
            files={"photo": ("photo.jpg", photo("png"), "image/jpeg")})
    assert "该文件实际为PNG格式（仅修改了扩展名）" in \
        r.json()["error"]["fields"]["photo"]["message"]
    reset(env, 1)


def test_small_id_scan_refused_with_the_id_scan_rule(env):
    from test_account_center import png
    s = ClockSession(Clock())
    from test_account_lib import new_account
    new_account(env, s, name="边小")
    r = env.get("/account/review", s)
    csrf = re.search(r'name="_csrf" value="([^"]+)"', r.text).group(1)
    r = env.post("/account/review", s, data={"_csrf": csrf, "name": "边小"},
                 files={"front": ("id.png", png(100, 100), "image/png"),
                        "back": ("back.png", png(320, 240), "image/png")})
    assert r.status_code == 400
    assert "证件照片宽度（水平像素）应在200到" in r.text
    assert "200到300" not in r.text


def test_record_refusals_inside_the_logged_in_layout(env):
    from test_records import set_status, submit
    s = env.login_as(1)
    reg = submit(env, s)
    set_status(env, reg, "待注册审批")          # after 现场确认
    r = env.get("/platform/dqzc/records/%s/edit" % reg, s)
    assert r.status_code == 409
    html = r.text
    assert "<title>该报名信息不能修改" in html
    assert "系统错误" not in html
    assert "待注册审批" in html
    assert 'href="/platform/dqzc/records"' in html and "返回查询报名信息" in html
    assert 'action="/logout"' in html
    assert 'href="/register"' not in html
    # an unknown 报名号: a 404 titled as what it is
    r = env.get("/platform/dqzc/records/20269999999999999990", s)
    assert r.status_code == 404
    assert "没有找到该报名信息" in r.text and "返回查询报名信息" in r.text
    assert 'href="/register"' not in r.text
    r = env.get("/platform/dqzc/applications/20269999999999999990", s)
    assert r.status_code == 404 and "没有找到该报名信息" in r.text
    # the API keeps its JSON errors
    r = env.get("/api/v1/dqzc/records/20269999999999999990", s)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    reset(env, 1)


# ---- applying again after 注册不合格 / 暂缓注册 in the same cycle -------------

def test_reapply_after_failed_or_deferred_in_the_same_cycle(env):
    from test_records import set_status, submit
    cert = "20101110121003456"
    s = env.login_as(1)
    reg = submit(env, s)
    # decided 注册不合格: not again in this cycle with this certificate
    set_status(env, reg, "注册不合格")
    env.sql("DELETE FROM wizard_drafts WHERE account_id = 1")
    api_walk_to(env, s, 2)
    j = env.get("/api/v1/dqzc/wizard/2", s).json()
    c = [x for x in j["certs"] if x["cert_no"] == cert][0]
    assert c["blocked_code"] == "failed_this_cycle"
    assert "本注册周期内不能再用该证书申请定期注册" in c["blocked"]
    r = api(env, s, "POST", "/api/v1/dqzc/wizard/2",
            data=dict(PERSON, cert_no=cert),
            files={"photo": ("p.jpg", photo("good"), "image/jpeg")})
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "failed_this_cycle"
    # the list of records says the rule too
    html = env.get("/platform/dqzc/records", s).text
    assert "本注册周期内不能再用该证书申请定期注册" in html
    # decided 暂缓注册: again, once the reason is met, while a window is
    # open; the certificate says so
    set_status(env, reg, "暂缓注册")
    j = env.get("/api/v1/dqzc/wizard/2", s).json()
    c = [x for x in j["certs"] if x["cert_no"] == cert][0]
    assert c["selectable"] is True
    assert "可在本注册周期网报时间内再次申请" in c["reapply_note"]
    r = api(env, s, "POST", "/api/v1/dqzc/wizard/2",
            data=dict(PERSON, cert_no=cert),
            files={"photo": ("p.jpg", photo("good"), "image/jpeg")})
    assert r.status_code == 200, r.text
    html = env.get("/platform/dqzc/records", s).text
    assert "可在本注册周期网报时间内再次申请" in html
    reset(env, 1)


def test_add_certificate_before_1996_told_the_date_not_the_number(env):
    from test_wizard import CERT7
    reset(env, 4)
    s = env.login_as(4)
    api_walk_to(env, s, 2, institution="26", point="2601")
    data = dict(CERT7, cert_no="951101022000111", issued_on="1995-09-01",
                kind="小学教师资格", province="110000", city="110100")
    r = api(env, s, "POST", "/api/v1/dqzc/wizard/2/cert", data=data,
            files={"photo": ("cert.jpg", photo("scan"), "image/jpeg")})
    assert r.status_code == 400, r.text
    f = r.json()["error"]["fields"]
    assert "cert_no" not in f, f
    assert f["issued_on"]["code"] == "cert_issued_out_of_range"
    assert "早于1996年" in f["issued_on"]["message"]
    # a number of the right shape with an impossible year: its year
    r = api(env, s, "POST", "/api/v1/dqzc/wizard/2/cert",
            data=dict(data, issued_on="2003-08-15"),
            files={"photo": ("cert.jpg", photo("scan"), "image/jpeg")})
    f = r.json()["error"]["fields"]
    assert f["cert_no"]["code"] == "bad_cert_no"
    assert "认定年份" in f["cert_no"]["message"]
    reset(env, 4)


# ---- small things -----------------------------------------------------------------

def test_last_login_one_truth(env):
    from test_account_lib import insert_account, login
    s = ClockSession(Clock())
    _, idn, _ = insert_account(env, name="程老师", verified=1)
    assert login(env, s, idn).status_code == 303
    plat = env.get("/platform", s).text
    center = env.get("/account", s).text
    assert "您上次登录时间：<span>无（首次登录）</span>" in plat
    assert 'class="last-login">无（首次登录）<' in center
    env.post("/logout", s, data={"_csrf": env.csrf(s)})
    s.clock.advance(3600)
    assert login(env, s, idn).status_code == 303
    center = env.get("/account", s).text
    last = re.search(r'class="last-login">([^<]+)<', center).group(1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", last)
    assert "您上次登录时间：<span>%s</span>" % last in \
        env.get("/platform", s).text
    # the API: the same minute, ISO 8601 with the offset
    assert env.get("/api/v1/platform", s).json()["last_login"] == \
        "%sT%s:00+08:00" % (last[:10], last[11:])


def test_add_certificate_city_is_a_dropdown_of_the_province(env):
    from test_wizard import CERT7
    reset(env, 4)
    s = env.login_as(4)
    api_walk_to(env, s, 2, institution="26", point="2601")
    html = env.get("/platform/dqzc/wizard/2/cert", s).text
    assert 'placeholder="6位地市代码"' not in html
    assert '<select id="c-city" name="city">' in html
    # choosing the province lists its cities (without JavaScript: the
    # refresh button; with it, the select submits the same)
    csrf = re.search(r'name="_csrf" value="([^"]+)"', html).group(1)
    r = env.post("/platform/dqzc/wizard/2/cert", s,
                 data=dict(CERT7, _csrf=csrf, province="510000",
                           action="refresh"))
    assert r.status_code == 200
    assert re.search(r'<option value="510100"[^>]*>成都市</option>', r.text)
    assert re.search(r'<option value="510700"[^>]*>绵阳市</option>', r.text)
    assert re.search(r'<option value="510000" selected[^>]*>', r.text)
    assert 'value="035101073000213"' in r.text       # typed values kept
    # and the chosen city is submitted as before
    r = env.post("/platform/dqzc/wizard/2/cert", s,
                 data=dict(CERT7, _csrf=csrf),
                 files={"photo": ("cert.jpg", photo("scan"), "image/jpeg")})
    assert r.status_code == 303, r.text
    assert env.sql("SELECT city_code FROM manual_certificates WHERE "
                   "account_id = 4") == "510100"
    reset(env, 4)


@pytest.mark.parametrize("table,op", [("accounts", "UPDATE"),
                                      ("wizard_drafts", "UPDATE")])
def test_step2_identity_and_draft_all_or_nothing(env, table, op):
    from test_write_atomic import assert_failed, failing
    s, idn, aid, cert = new_applicant(env, name="方圆")
    api_walk_to(env, s, 2)
    r = api(env, s, "POST", "/api/v1/dqzc/wizard/2",
            data=dict(PERSON, cert_no=cert),
            files={"photo": ("photo.jpg", photo("good"), "image/jpeg")})
    assert r.status_code == 400             # 民族 missing; photo kept
    state = ("SELECT COALESCE(ethnicity, '-') FROM accounts WHERE id = %d;"
             "SELECT step_done FROM wizard_drafts WHERE account_id = %d"
             % (aid, aid))
    before = env.sql(state)
    with failing(env, table, op):
        r = api(env, s, "POST", "/api/v1/dqzc/wizard/2",
                data=dict(PERSON, cert_no=cert, ethnicity="汉族"))
        assert_failed(r)
        assert env.sql(state) == before
    r = api(env, s, "POST", "/api/v1/dqzc/wizard/2",
            data=dict(PERSON, cert_no=cert, ethnicity="汉族"))
    assert r.status_code == 200, r.text
    assert env.sql(state).split("\n") == ["汉族", "2"]
    reset(env, aid)


def test_add_certificate_with_extra_photo(env):
    """添加补充照片 (the manual's button on 添加教师资格证书信息): an optional
    second picture, checked like the first, shown to the checking staff."""
    from test_wizard import CERT7, _gen, PHOTO_DIR
    import os
    import subprocess
    reset(env, 4)
    s = env.login_as(4)
    api_walk_to(env, s, 2, institution="26", point="2601")
    html = env.get("/platform/dqzc/wizard/2/cert", s).text
    assert "添加补充照片" in html and 'name="extra_photo"' in html
    csrf = re.search(r'name="_csrf" value="([^"]+)"', html).group(1)
    # a bad supplementary photo is refused next to its field, nothing kept
    r = env.post("/platform/dqzc/wizard/2/cert", s,
                 data=dict(CERT7, _csrf=csrf),
                 files={"photo": ("cert.jpg", photo("scan"), "image/jpeg"),
                        "extra_photo": ("p2.png", photo("png"),
                                        "image/png")})
    assert r.status_code == 400
    assert "该文件为PNG格式的图片" in r.text
    assert env.sql("SELECT COUNT(*) FROM manual_certificates WHERE "
                   "account_id = 4") == "0"
    path = os.path.join(PHOTO_DIR, "extra-scan.jpg")
    if not os.path.exists(path):
        subprocess.run([_gen(), "600", "420", "base", path], check=True)
    extra = open(path, "rb").read()
    r = env.post("/platform/dqzc/wizard/2/cert", s,
                 data=dict(CERT7, _csrf=csrf),
                 files={"photo": ("cert.jpg", photo("scan"), "image/jpeg"),
                        "extra_photo": ("p2.jpg", extra, "image/jpeg")})
    assert r.status_code == 303, r.text
    mid = env.sql("SELECT id FROM manual_certificates WHERE account_id = 4")
    sa = Staff(env, "sysadmin")
    page = sa.get("/admin/reviews/certs/%s" % mid).text
    assert "补充照片" in page
    r = sa.get("/admin/reviews/certs/%s/photo?which=extra" % mid)
    assert r.status_code == 200 and r.content == extra
    assert sa.get("/admin/reviews/certs/%s/photo" % mid).content == \
        photo("scan")
    reset(env, 4)
