"""查询报名信息 after submission (manual §3.2, issue 6, applicant side):
the list with the status explanations and earlier cycles, 注意事项, 详情
with the photo, 修改 (only in 网报待确认, stale second-tab edits refused),
申请表预览 and the PDF, 有留言; someone else's 报名号 is a 404 everywhere.

Applications are made through the wizard's JSON API (test_wizard.py)."""
import os
import re
import subprocess

import pytest

from jszg_env import OUT
from test_wizard import PHOTO_DIR, _gen, api, api_walk_to, photo, reset

BASE = "/platform/dqzc/records"


def submit(env, s, account=1, **walk):
    """A fresh application of `account` through the wizard: its 报名号."""
    reset(env, account)
    api_walk_to(env, s, 6, **walk)
    key = env.get("/api/v1/dqzc/wizard/6", s).json()["submit_key"]
    r = api(env, s, "POST", "/api/v1/dqzc/wizard/6",
            data={"choice": "agree", "submit_key": key})
    assert r.status_code == 201, r.text
    return r.json()["reg_no"]


def other_photo():
    """A second valid photo (240x410), different from photo("good")."""
    path = os.path.join(PHOTO_DIR, "records-other.jpg")
    if not os.path.exists(path):
        subprocess.run([_gen(), "240", "410", "base", path], check=True)
    with open(path, "rb") as f:
        return f.read()


def photo_src(html):
    m = re.search(r'<img id="rec-photo"[^>]* src="([^"]+)"', html)
    assert m, "no photo on the page"
    return m.group(1).replace("&amp;", "&")


def text(html):
    """The page's text, tags removed."""
    return re.sub(r"<[^>]+>", "", html)


def luhn(payload):
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def old_regno(reg, year):
    """The same institution and number in an earlier cycle."""
    body = "%04d%s" % (year, reg[4:19])
    return body + luhn(body)


def app_id(env, reg):
    return env.sql("SELECT id FROM applications WHERE reg_no = '%s'" % reg)


def set_status(env, reg, status):
    env.sql("UPDATE applications SET status = '%s' WHERE reg_no = '%s'"
            % (status, reg))


def version(env, s, reg):
    return env.get("/api/v1/dqzc/records/%s" % reg, s).json()["version"]


def edit_page_fields(html):
    """The form's own values, as a browser would post them."""
    csrf = re.search(r'name="_csrf" value="([^"]+)"', html).group(1)
    ver = re.search(r'name="version" value="([^"]*)"', html).group(1)
    return csrf, ver


# ---- 查询报名信息 ----------------------------------------------------------------

def test_records_list_explanations_and_history(env):
    s = env.login_as(1)
    reg = submit(env, s)
    # an earlier cycle's record (注册合格 in 2021) for the history
    old = old_regno(reg, 2021)
    env.sql("INSERT INTO applications (reg_no, account_id, cert_no, "
            "cert_kind_name, cert_subject, cert_source, cycle_year, "
            "institution_id, point_id, stage, subject, status, data, "
            "photo_path, submitted_at, updated_at, decided_on) "
            "SELECT '%s', account_id, cert_no, cert_kind_name, cert_subject, "
            "cert_source, 2021, institution_id, point_id, stage, subject, "
            "'注册合格', data, photo_path, 1637000000, 1637000000, "
            "'2021-11-25' FROM applications WHERE reg_no = '%s'"
            % (old, reg))
    r = env.get(BASE, s)
    assert r.status_code == 200
    assert "no-store" in r.headers.get("Cache-Control", "")
    html = r.text
    cur = html[html.index('id="rec-current"'):html.index('id="rec-history"')]
    hist = html[html.index('id="rec-history"'):]
    assert reg in cur and old not in cur
    assert old in hist and "注册合格" in hist
    for col in ("注册报名号", "证书号码", "现任教学段", "现任教学科", "注册结论",
                "注册机构", "操作"):
        assert col in cur
    assert "20101110121003456" in cur and "北京市东城区教育委员会" in cur
    # the manual's three explanations, word for word
    assert "“网报待确认”是指申请人网上报名成功但还没有到现场确认时间或已经" \
           "进入现场确认时间段，但本人还没有去现场确认的状况。" in html
    assert "这一状态的时间比较长，请申请人耐心等待。" in html
    assert "“确认未通过”是指申请人已经到初审注册机构指定的现场确认点确认个人" \
           "网上申报信息，并提交申报材料，但所提交材料不齐全。" in html
    # 操作 of a 网报待确认 record
    for op, href in (("注意事项", "/notes"), ("详情", ""), ("修改", "/edit"),
                     ("申请表预览", "/form")):
        assert 'href="%s/%s%s">%s' % (BASE, reg, href, op) in cur
    assert "有留言" not in cur
    # the JSON twin
    j = env.get("/api/v1/dqzc/records", s).json()
    assert j["cycle"] == 2026
    assert [x["reg_no"] for x in j["current"]] == [reg]
    assert [x["reg_no"] for x in j["history"]] == [old]
    assert j["current"][0]["editable"] is True
    assert j["history"][0]["editable"] is False
    # times: the ISO instant only, not the page's "YYYY-MM-DD HH:MM"
    assert j["history"][0]["submitted_at"] == "2021-11-16T02:13:20+08:00"
    assert "submitted" not in j["current"][0]
    assert "submitted" not in j["history"][0]
    assert "submitted" not in env.get("/api/v1/dqzc/records/" + reg,
                                      s).json()["app"]
    assert [e["status"] for e in j["explanations"]] == \
        ["网报待确认", "待注册审批", "确认未通过"]
    # login needed
    assert env.get(BASE).status_code == 303
    assert env.get("/api/v1/dqzc/records").status_code == 401


def test_notes_page(env):
    s = env.login_as(1)
    reg = submit(env, s)
    r = env.get("%s/%s/notes" % (BASE, reg), s)
    assert r.status_code == 200
    assert "申报提醒" in r.text and reg in r.text
    assert "一式2份" in r.text and "东城区" in r.text


# ---- 详情 --------------------------------------------------------------------

def test_detail_with_photo_and_certificates(env):
    s = env.login_as(1)
    reg = submit(env, s)
    r = env.get("%s/%s" % (BASE, reg), s)
    assert r.status_code == 200
    html = r.text
    assert '<td id="rec-name">张伟</td>' in html
    assert "110101198503151235" in html
    # the certificate list, the record's own one marked
    assert "20101110121003456" in html and "本次注册证书" in html
    assert "2021-11-25" in html             # 上次注册日期 of cert 1
    assert "北京师范大学" in html and "数学与应用数学" in html
    assert "100013" in html
    p = env.get(photo_src(html), s)
    assert p.status_code == 200
    assert p.headers["Content-Type"] == "image/jpeg"
    assert p.content == photo("good")
    assert 'id="rec-edit"' in html
    assert 'id="rec-identity-changed"' not in html
    j = env.get("/api/v1/dqzc/records/%s" % reg, s).json()
    assert j["identity"]["name"] == "张伟"
    assert j["person"]["school"] == "北京市东城区和平里第一小学"
    assert j["editable"] is True and j["identity_changed"] is False
    assert isinstance(j["version"], int) and j["version"] >= 0


def test_identity_change_shown_until_saved_again(env):
    s = env.login_as(1)
    reg = submit(env, s)
    try:
        # 实名核验 changed 民族 after the submission
        env.sql("UPDATE accounts SET ethnicity = '回族' WHERE id = 1")
        html = env.get("%s/%s" % (BASE, reg), s).text
        assert 'id="rec-identity-changed"' in html
        assert "报名记录中为“汉族”，账号中现为“回族”" in text(html)
        j = env.get("/api/v1/dqzc/records/%s" % reg, s).json()
        assert j["identity_changed"] is True
        assert j["identity"]["ethnicity"] == "汉族"     # not followed yet
        # an edit and save brings the identity along
        r = api(env, s, "POST", "/api/v1/dqzc/records/%s" % reg,
                data={"version": j["version"]})
        assert r.status_code == 200, r.text
        assert r.json()["identity"]["ethnicity"] == "回族"
        assert r.json()["identity_changed"] is False
        html = env.get("%s/%s" % (BASE, reg), s).text
        assert 'id="rec-identity-changed"' not in html
    finally:
        env.sql("UPDATE accounts SET ethnicity = '汉族' WHERE id = 1")


# ---- 修改 --------------------------------------------------------------------

def test_edit_through_the_page(env):
    s = env.login_as(1)
    reg = submit(env, s)
    r = env.get("%s/%s/edit" % (BASE, reg), s)
    assert r.status_code == 200
    html = r.text
    assert 'value="北京市东城区和平里第一小学"' in html
    assert re.search(r'<option value="二级甲等" selected', html)
    csrf, ver = edit_page_fields(html)
    form = {"_csrf": csrf, "version": ver, "action": "save",
            "cert_no": "20101110121003456", "mandarin": "一级乙等",
            "education": "研究生", "edu_category": "师范教育类",
            "major": "课程与教学论", "degree": "硕士",
            "grad_date": "2010-07-01", "grad_school": "1",
            "study_form": "普通全日制", "school": "北京市第五十五中学附属小学",
            "school_area": "城市", "school_type": "公办小学",
            "title": "高级教师", "work_start": "2010-09-01",
            "hukou": "北京市东城区", "employ_start": "2012-09-01",
            "politics": "群众", "post_type": "专任教师",
            "address": "北京市东城区东四北大街1号", "postcode": "100007",
            "stage": "小学", "subject": "语文", "point_id": "201"}
    # a field error: refused, nothing saved, the form keeps the values
    r = env.post("%s/%s/edit" % (BASE, reg), s,
                 data=dict(form, postcode="1000"))
    assert r.status_code == 400
    assert "通讯邮编应为6位数字" in r.text
    assert 'value="北京市第五十五中学附属小学"' in r.text
    assert env.sql("SELECT subject FROM applications WHERE reg_no = '%s'"
                   % reg) == "数学"
    # saved, with a new photo: one transaction with its event row
    r = env.post("%s/%s/edit" % (BASE, reg), s, data=form,
                 files={"photo": ("p.jpg", other_photo(), "image/jpeg")})
    assert r.status_code == 303, r.text
    assert r.headers["Location"] == "%s/%s" % (BASE, reg)
    row = env.sql("SELECT subject, status FROM applications "
                  "WHERE reg_no = '%s'" % reg)
    assert row == "语文|网报待确认"
    ev = env.sql("SELECT actor, from_status, to_status, note FROM "
                 "application_events WHERE application_id = %s "
                 "ORDER BY id" % app_id(env, reg))
    assert ev.splitlines()[-1] == \
        "applicant:1|网报待确认|网报待确认|申请人修改报名信息"
    html = env.get("%s/%s" % (BASE, reg), s).text
    assert "报名信息已修改" in html
    assert "北京市第五十五中学附属小学" in html and "课程与教学论" in html
    assert env.get(photo_src(html), s).content == other_photo()


def test_stale_second_tab_refused(env):
    s = env.login_as(1)
    reg = submit(env, s)
    tab1 = env.get("%s/%s/edit" % (BASE, reg), s).text
    tab2 = env.get("%s/%s/edit" % (BASE, reg), s).text
    csrf1, v1 = edit_page_fields(tab1)
    csrf2, v2 = edit_page_fields(tab2)
    assert v1 == v2
    # tab 1 saves first (the API merges the fields it does not send)
    r = env.post("%s/%s/edit" % (BASE, reg), s,
                 data={"_csrf": csrf1, "version": v1, "action": "save",
                       "school": "第一个标签页的学校"})
    assert r.status_code == 303, r.text
    # tab 2, loaded before that save, is refused, not merged
    r = env.post("%s/%s/edit" % (BASE, reg), s,
                 data={"_csrf": csrf2, "version": v2, "action": "save",
                       "school": "第二个标签页的学校", "hukou": "天津市"})
    assert r.status_code == 409
    assert "本次修改未保存" in r.text
    # the page now carries the latest values and token
    assert 'value="第一个标签页的学校"' in r.text
    _, v3 = edit_page_fields(r.text)
    assert v3 != v2
    data = env.sql("SELECT data FROM applications WHERE reg_no = '%s'" % reg)
    assert "第一个标签页的学校" in data and "第二个标签页" not in data
    assert "天津市" not in data
    # the same through the API: a stale version is a 409 with its code
    r = api(env, s, "POST", "/api/v1/dqzc/records/%s" % reg,
            data={"version": v1, "school": "又一个学校"})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "stale_edit"
    r = api(env, s, "POST", "/api/v1/dqzc/records/%s" % reg,
            data={"school": "没有版本号"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "missing_version"
    # two saves within one second: the second one's token has changed
    v = version(env, s, reg)
    r = api(env, s, "POST", "/api/v1/dqzc/records/%s" % reg,
            data={"version": v, "hukou": "北京市西城区"})
    assert r.status_code == 200
    assert r.json()["version"] != v
    r = api(env, s, "POST", "/api/v1/dqzc/records/%s" % reg,
            data={"version": v, "hukou": "北京市朝阳区"})
    assert r.status_code == 409
    assert "北京市西城区" in env.sql(
        "SELECT data FROM applications WHERE reg_no = '%s'" % reg)


@pytest.mark.parametrize("status", ["待注册审批", "确认未通过", "注册合格",
                                    "暂缓注册", "注册不合格"])
def test_edit_only_while_pending(env, status):
    s = env.login_as(1)
    reg = submit(env, s)
    v = version(env, s, reg)
    set_status(env, reg, status)
    r = env.get(BASE, s)
    assert "%s/%s/edit" % (BASE, reg) not in r.text
    html = env.get("%s/%s" % (BASE, reg), s).text
    assert 'id="rec-edit"' not in html
    assert "只有注册结论为“网报待确认”，才显示【修改】按钮" in html
    r = env.get("%s/%s/edit" % (BASE, reg), s)
    assert r.status_code == 409
    assert "只有注册结论为“网报待确认”时才能修改" in r.text
    r = env.post("%s/%s/edit" % (BASE, reg), s,
                 data={"_csrf": env.csrf(s), "version": v,
                       "school": "不应保存"})
    assert r.status_code == 409
    r = api(env, s, "POST", "/api/v1/dqzc/records/%s" % reg,
            data={"version": v, "school": "不应保存"})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "not_editable"
    assert "不应保存" not in env.sql(
        "SELECT data FROM applications WHERE reg_no = '%s'" % reg)
    # reopened by staff: editable again
    set_status(env, reg, "网报待确认")
    assert env.get("%s/%s/edit" % (BASE, reg), s).status_code == 200


def test_edit_after_window_closed(env):
    """A record made in time stays editable in 网报待确认 after the 网报
    window closes (staff reopen 确认未通过 records for that); the 确认点
    must still be one of the institution's."""
    s = env.login_as(1)
    reg = submit(env, s)
    v = version(env, s, reg)
    ends = env.sql("SELECT ends FROM windows WHERE institution_id = 2 "
                   "AND cycle_year = 2026")
    try:
        env.sql("UPDATE windows SET ends = '2026-11-20 17:00:00' "
                "WHERE institution_id = 2 AND cycle_year = 2026")
        r = api(env, s, "POST", "/api/v1/dqzc/records/%s" % reg,
                data={"version": v, "point_id": "999999"})
        assert r.status_code == 400, r.text
        assert "point_id" in r.json()["error"]["fields"]
        r = api(env, s, "POST", "/api/v1/dqzc/records/%s" % reg,
                data={"version": v, "subject": "科学"})
        assert r.status_code == 200, r.text
    finally:
        env.sql("UPDATE windows SET ends = '%s' WHERE institution_id = 2 "
                "AND cycle_year = 2026" % ends)
    assert env.sql("SELECT subject FROM applications WHERE reg_no = '%s'"
                   % reg) == "科学"


def test_edit_needs_csrf(env):
    s = env.login_as(1)
    reg = submit(env, s)
    r = env.post("%s/%s/edit" % (BASE, reg), s,
                 data={"version": version(env, s, reg), "school": "x"})
    assert r.status_code == 403


# ---- ownership -------------------------------------------------------------

def test_other_accounts_regno_is_404_everywhere(env):
    s1 = env.login_as(1)
    reg = submit(env, s1)
    v = version(env, s1, reg)
    s8 = env.login_as(8)
    guessed = old_regno(reg, 2025)      # well-formed, nobody's
    for no in (reg, guessed, "20261", "x" * 30):
        for tail in ("", "/notes", "/photo", "/edit", "/form", "/pdf",
                     "/messages"):
            r = env.get("%s/%s%s" % (BASE, no, tail), s8)
            assert r.status_code == 404, (no, tail, r.status_code)
            assert reg not in r.text
        for path in ("/api/v1/dqzc/records/%s" % no,
                     "/api/v1/dqzc/records/%s/messages" % no):
            r = env.get(path, s8)
            assert r.status_code == 404
            assert r.json()["error"]["code"] == "not_found"
        r = env.post("%s/%s/edit" % (BASE, no), s8,
                     data={"_csrf": env.csrf(s8), "version": v,
                           "school": "别人的"})
        assert r.status_code == 404
        r = api(env, s8, "POST", "/api/v1/dqzc/records/%s" % no,
                data={"version": v, "school": "别人的"})
        assert r.status_code == 404
    assert "别人的" not in env.sql(
        "SELECT data FROM applications WHERE reg_no = '%s'" % reg)
    # other tests may have given account 8 records of its own: the point
    # is that account 1's is never among them
    listed = env.get("/api/v1/dqzc/records", s8).json()
    assert reg not in [x["reg_no"] for x in
                       listed["current"] + listed.get("history", [])]
    with open(env.error_log, encoding="utf-8") as f:
        log = f.read()
    assert re.search(r"\[jszg:info\].*JSZG18001: account 8 asked for "
                     r"application %s: not one of theirs" % reg, log)


# ---- 申请表 -------------------------------------------------------------------

def test_form_preview_page(env):
    s = env.login_as(1)
    reg = submit(env, s)
    r = env.get("%s/%s/form" % (BASE, reg), s)
    assert r.status_code == 200
    html = r.text
    assert '<link rel="stylesheet" href="/static/css/print.css" ' \
           'media="print">' in html
    assert "教师资格定期注册申请表" in html
    assert '<strong class="reg-no" id="sheet-regno">%s</strong>' % reg \
        in html
    assert '<td id="sheet-name">张伟</td>' in html
    assert "2021年" in text(html) and "北京市东城区教育委员会" in html
    assert "申请人签名" in html and "学校负责人签名" in html
    css = env.get("/static/css/print.css")
    assert css.status_code == 200 and "@page" in css.text


def test_pdf_download(env):
    s = env.login_as(1)
    reg = submit(env, s)
    # immediately after the submission: no hour of waiting
    r = env.get("%s/%s/pdf" % (BASE, reg), s)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"] == "application/pdf"
    cd = r.headers["Content-Disposition"]
    assert cd.startswith('attachment; filename="jszg-%s.pdf"' % reg)
    assert "filename*=UTF-8''" in cd
    assert "no-store" in r.headers.get("Cache-Control", "")
    assert r.content.startswith(b"%PDF-")
    os.makedirs(OUT, exist_ok=True)
    pdf = os.path.join(OUT, "records-form-%s.pdf" % env.engine)
    with open(pdf, "wb") as f:
        f.write(r.content)
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "张伟" in text
    assert reg in text
    assert "20101110121003456" in text
    prefix = os.path.join(OUT, "records-form-%s" % env.engine)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1",
                    "-singlefile", pdf, prefix], check=True)
    assert os.path.getsize(prefix + ".png") > 5000
    # after a photo change the new form is there at once, with the edit
    v = version(env, s, reg)
    r = api(env, s, "POST", "/api/v1/dqzc/records/%s" % reg,
            data={"version": v, "school": "更换照片后的学校"},
            files={"photo": ("p.jpg", other_photo(), "image/jpeg")})
    assert r.status_code == 200, r.text
    r = env.get("%s/%s/pdf" % (BASE, reg), s)
    assert r.status_code == 200
    with open(pdf, "wb") as f:
        f.write(r.content)
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "更换照片后的学校" in text


# ---- 有留言 -------------------------------------------------------------------

def test_messages_shown_and_marked_read(env):
    s = env.login_as(1)
    reg = submit(env, s)
    aid = app_id(env, reg)
    # a 确认点 found the materials incomplete and said what is missing
    env.sql("UPDATE applications SET status = '确认未通过', has_message = 1 "
            "WHERE id = %s" % aid)
    env.sql("INSERT INTO application_events (application_id, at, actor, "
            "from_status, to_status, note, message) VALUES (%s, 1795000000, "
            "'staff:1', '网报待确认', '确认未通过', '材料不全', "
            "'缺少聘用合同，请补齐后再到确认点现场确认。')" % aid)
    html = env.get(BASE, s).text
    assert '%s/%s/messages">有留言</a>' % (BASE, reg) in html
    assert "所提交材料不齐全" in html
    row = env.get("/api/v1/dqzc/records", s).json()["current"][0]
    assert row["unread"] is True
    # issue 18: consistent types, a flag and a count
    assert row["has_message"] is True and row["messages"] == 1
    r = env.get("%s/%s/messages" % (BASE, reg), s)
    assert r.status_code == 200
    assert "缺少聘用合同，请补齐后再到确认点现场确认。" in r.text
    assert "网报待确认" in r.text and "确认未通过" in r.text
    # read now: the mark goes, the message stays reachable
    assert env.sql("SELECT has_message FROM applications WHERE id = %s"
                   % aid) == "0"
    html = env.get(BASE, s).text
    assert "有留言</a>" not in html
    assert '%s/%s/messages">查看留言</a>' % (BASE, reg) in html
    row = env.get("/api/v1/dqzc/records", s).json()["current"][0]
    assert row["has_message"] is False and row["messages"] == 1
    # reading is not an edit: the edit token did not move
    j = env.get("/api/v1/dqzc/records/%s/messages" % reg, s).json()
    assert j["messages"][0]["message"].startswith("缺少聘用合同")
    assert j["messages"][0]["to_status"] == "确认未通过"
    # the instant, not the page's display text of it
    assert j["messages"][0]["at"] == "2026-11-18T19:06:40+08:00"
    assert "when" not in j["messages"][0]
    assert "2026-11-18 19:06" in env.get("%s/%s/messages" % (BASE, reg),
                                         s).text


# ---- issue 13 (3): a certificate belongs to its holder ----------------------

ZHANG = {"holder": "张伟", "id_number": "110101198503151235"}
WANG = {"holder": "王建国", "id_number": "510107197805123174"}
# a pre-2008 number the registry does not know (成都武侯, 2004, 初中, 男)
UNKNOWN_CERT = {"cert_no": "045101073001357", "issued_on": "2004-07-01",
                "province": "510000", "city": "510100",
                "kind": "初级中学教师资格", "subject": "物理",
                "authority": "成都市武侯区教育局"}


def add_cert(env, s, data):
    return api(env, s, "POST", "/api/v1/dqzc/wizard/2/cert", data=data,
               files={"photo": ("cert.jpg", photo("scan"), "image/jpeg")})


def step2_certs(env, s):
    return {c["cert_no"]: c for c in
            env.get("/api/v1/dqzc/wizard/2", s).json()["certs"]}


def submit_with(env, s, cert, **walk):
    api_walk_to(env, s, 6, cert=cert, **walk)
    key = env.get("/api/v1/dqzc/wizard/6", s).json()["submit_key"]
    return api(env, s, "POST", "/api/v1/dqzc/wizard/6",
               data={"choice": "agree", "submit_key": key})


def test_hand_entry_of_another_holders_number_refused(env):
    """张伟 cannot add 王建国's registry certificate 035101073000213 by hand,
    nor 王建国 a number 张伟 has already added (until staff refuse it)."""
    reset(env, 1, 4)
    zw = env.login_as(1)
    api_walk_to(env, zw, 2, stage="初级中学")
    r = add_cert(env, zw, dict(ZHANG, cert_no="035101073000213",
                               issued_on="2003-08-15", province="510000",
                               city="510100", kind="初级中学教师资格",
                               subject="物理", authority="成都市武侯区教育局"))
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "cert_other_holder"
    assert "035101073000213" not in step2_certs(env, zw)
    assert env.sql("SELECT COUNT(*) FROM manual_certificates WHERE "
                   "account_id = 1") == "0"
    # an unknown number: the first holder to add it has it
    assert add_cert(env, zw, dict(ZHANG, **UNKNOWN_CERT)).status_code == 201
    wj = env.login_as(4)
    api_walk_to(env, wj, 2, institution="26", point="2601",
                province="510000", city="510100")
    r = add_cert(env, wj, dict(WANG, **UNKNOWN_CERT))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "cert_other_holder"
    reset(env, 1, 4)


def test_history_and_open_application_are_the_holders(env):
    """张伟 applied with a number (his hand entry, later refused by staff)
    that 王建国 then adds: 张伟's open application does not block 王建国,
    and 张伟's 暂缓注册 is not 王建国's last result."""
    from test_admin import confirm, decide
    from test_admin_support import Staff
    reset(env, 1, 4)
    cert_no = UNKNOWN_CERT["cert_no"]
    zw = env.login_as(1)
    api_walk_to(env, zw, 2, stage="初级中学")
    assert add_cert(env, zw, dict(ZHANG, **UNKNOWN_CERT)).status_code == 201
    r = submit_with(env, zw, cert_no, stage="初级中学")
    assert r.status_code == 201, r.text
    zw_reg = r.json()["reg_no"]
    zw_app = env.sql("SELECT id FROM applications WHERE reg_no = '%s'"
                     % zw_reg)
    # staff find the hand entry is not his
    sa = Staff(env, "sysadmin")
    mid = env.sql("SELECT id FROM manual_certificates WHERE account_id = 1 "
                  "AND cert_no = '%s'" % cert_no)
    r = sa.post("/admin/reviews/certs/%s/decide" % mid,
                {"decision": "reject", "reason": "证书持证人不是本人"})
    assert r.status_code == 303
    # the real holder adds it and is not blocked by 张伟's application
    wj = env.login_as(4)
    walk = dict(institution="26", point="2601", province="510000",
                city="510100")
    api_walk_to(env, wj, 2, **walk)
    assert add_cert(env, wj, dict(WANG, **UNKNOWN_CERT)).status_code == 201
    c = step2_certs(env, wj)[cert_no]
    assert c["selectable"] is True, c
    r = submit_with(env, wj, cert_no, **walk)
    assert r.status_code == 201, r.text
    wj_reg = r.json()["reg_no"]
    # 张伟's application is decided: 暂缓注册
    assert confirm(Staff(env, "dc-point"), zw_app).status_code == 303
    r = decide(Staff(env, "dc-reviewer"), zw_app, "暂缓注册", "培训学时不足")
    assert r.status_code == 303, r.text[:300]
    assert env.sql("SELECT id_number FROM registrations_history WHERE "
                   "cert_no = '%s'" % cert_no) == ZHANG["id_number"]
    # 王建国 does not inherit it; his own application is the one open
    api_walk_to(env, wj, 2, **walk)
    c = step2_certs(env, wj)[cert_no]
    assert "last_result" not in c, c
    assert c["blocked_code"] == "already_applied"
    assert wj_reg in c["blocked"] and zw_reg not in c["blocked"]
    # 张伟 sees his own result, and may not use the refused entry again
    api_walk_to(env, zw, 2, stage="初级中学")
    c = step2_certs(env, zw)[cert_no]
    assert c["last_result"] == "暂缓注册"
    assert c["selectable"] is False
    assert c["blocked_code"] == "cert_review_failed"
    # nor in 详情 of his record
    r = env.get("/api/v1/dqzc/records/%s" % wj_reg, wj)
    assert r.status_code == 200
    mine = [x for x in r.json()["certs"] if x["cert_no"] == cert_no]
    assert mine and "last_result" not in mine[0], mine
    reset(env, 1, 4)
