"""Back office: 网报计划 and 注意事项 (province), manual review queues,
statistics (SVG + CSV) and the audit log viewer."""
import csv
import io
import os
import re

import pytest

from test_account_lib import Clock, ClockSession, new_account, page_csrf
from test_admin_support import PHOTO_JPEG, Staff, make_app


def window_form(st, **kw):
    data = {"institution_id": "7", "cycle_year": "2031",
            "starts": "2031-09-01T09:00", "ends": "2031-10-31T17:00"}
    data.update(kw)
    return st.post("/admin/windows/save", data)


def test_window_crud_and_validation(env):
    bj = Staff(env, "bj-province")
    assert bj.get("/admin/windows").status_code == 200
    assert bj.get("/admin/windows/new").status_code == 200
    # ends before starts
    r = window_form(bj, ends="2031-08-01T09:00")
    assert r.status_code == 400 and "网报结束时间必须晚于开始时间" in r.text
    r = window_form(bj, starts="2031-02-30T09:00")
    assert r.status_code == 400 and "请填写正确的网报开始时间" in r.text
    r = window_form(bj, confirm_starts="2031-09-05T09:00")
    assert r.status_code == 400 and "须同时填写" in r.text
    assert env.sql("SELECT COUNT(*) FROM windows WHERE institution_id = 7 "
                   "AND cycle_year = 2031") == "0"
    r = window_form(bj, confirm_starts="2031-09-05T09:00",
                    confirm_ends="2031-11-05T17:00")
    assert r.status_code == 303
    row = env.sql("SELECT id || '|' || CAST(starts AS TEXT) || '|' || "
                  "CAST(confirm_ends AS TEXT) FROM windows WHERE "
                  "institution_id = 7 AND cycle_year = 2031")
    wid, starts, cends = row.split("|")
    assert starts == "2031-09-01 09:00:00" and cends == "2031-11-05 17:00:00"
    # one per institution and cycle
    r = window_form(bj)
    assert r.status_code == 400 and "已有网报计划" in r.text
    # edit
    r = bj.get("/admin/windows/%s" % wid)
    assert r.status_code == 200 and 'value="2031-09-01T09:00"' in r.text
    r = window_form(bj, id=wid, ends="2031-11-30T17:00")
    assert r.status_code == 303
    assert env.sql("SELECT CAST(ends AS TEXT) FROM windows WHERE id = %s"
                   % wid) == "2031-11-30 17:00:00"
    # other provinces: neither the page nor the save nor the delete
    hb = Staff(env, "hb-province")
    assert hb.get("/admin/windows/%s" % wid).status_code == 403
    assert window_form(hb, id=wid).status_code == 403
    assert window_form(hb, institution_id="2",
                       cycle_year="2032").status_code == 403
    assert hb.post("/admin/windows/%s/delete" % wid).status_code == 403
    assert "北京市通州区" not in hb.get("/admin/windows").text
    r = bj.post("/admin/windows/%s/delete" % wid)
    assert r.status_code == 303
    assert env.sql("SELECT COUNT(*) FROM windows WHERE id = %s" % wid) == "0"
    acts = env.sql("SELECT action FROM audit_log WHERE actor = "
                   "'staff:bj-province' AND action LIKE 'window.%' "
                   "ORDER BY id").splitlines()
    assert acts[-3:] == ["window.create", "window.update", "window.delete"]


def test_institution_notes(env):
    bj = Staff(env, "bj-province")
    r = bj.get("/admin/institutions/3/notes")
    assert r.status_code == 200
    r = bj.post("/admin/institutions/3/notes",
                {"notes": "请携带<申请表>一式两份 & 证书原件。"})
    assert r.status_code == 303
    assert env.sql("SELECT notes FROM institutions WHERE id = 3") \
        == "请携带<申请表>一式两份 & 证书原件。"
    page = bj.get("/admin/institutions/3/notes").text
    assert "请携带&lt;申请表&gt;一式两份 &amp; 证书原件。" in page
    gd = Staff(env, "gd-province")
    assert gd.post("/admin/institutions/3/notes",
                   {"notes": "x"}).status_code == 403
    assert Staff(env, "dc-reviewer").get(
        "/admin/institutions/2/notes").status_code == 403


def test_identity_manual_review(env):
    """A 人工审核 made the way an applicant makes it (/account/review with
    the ID photos and the name on the document), decided in the back
    office: approving gives the account that name, as the dev-mode
    decision always did (the two were copies until they were one)."""
    s = ClockSession(Clock())
    aid, _, _ = new_account(env, s, name="刘一")
    csrf, _ = page_csrf(env, s, "/account/review")
    r = env.post("/account/review", s, data={"_csrf": csrf, "name": "刘壹"},
                 files={"front": ("front.jpg", PHOTO_JPEG, "image/jpeg"),
                        "back": ("back.jpg", PHOTO_JPEG, "image/jpeg")})
    assert r.status_code == 303, r.text
    rid = env.sql("SELECT id FROM identity_reviews WHERE account_id = %d"
                  % aid)
    assert Staff(env, "bj-province").get(
        "/admin/reviews/identity").status_code == 403
    sa = Staff(env, "sysadmin")
    r = sa.get("/admin/reviews/identity")
    assert r.status_code == 200 and "刘壹" in r.text
    r = sa.get("/admin/reviews/identity/%s/front" % rid)
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/jpeg"
    assert sa.get("/admin/reviews/identity/%s/back" % rid).status_code == 200
    r = sa.post("/admin/reviews/identity/%s/decide" % rid,
                {"decision": "reject"})
    assert r.status_code == 400 and "必须填写理由" in r.text
    r = sa.post("/admin/reviews/identity/%s/decide" % rid,
                {"decision": "approve"})
    assert r.status_code == 303
    assert env.sql("SELECT verified, name FROM accounts WHERE id = %d"
                   % aid) == "1|刘壹"
    assert env.sql("SELECT status || '|' || decided_by FROM identity_reviews "
                   "WHERE id = %s" % rid) == "审核通过|staff:sysadmin"
    assert env.sql("SELECT action || '|' || target FROM audit_log WHERE "
                   "actor = 'staff:sysadmin' ORDER BY id DESC LIMIT 1") \
        == "identity.approve|account:%d" % aid
    r = sa.post("/admin/reviews/identity/%s/decide" % rid,
                {"decision": "reject", "reason": "照片不清晰"})
    assert r.status_code == 409 and "该申请已经审核过了" in r.text
    assert env.sql("SELECT verified FROM accounts WHERE id = %d" % aid) \
        == "1"
    r = env.get("/account", s)
    assert "核验通过" in r.text


def test_manual_certificate_review(env):
    env.write_upload("certs/t.jpg", PHOTO_JPEG)
    env.sql("INSERT INTO manual_certificates (account_id, cert_no, "
            "holder_name, id_number, issued_on, province_code, kind, "
            "kind_name, subject, authority_name, photo_path, review_state, "
            "created_at) VALUES (4, '035101073009999', '王建国', "
            "'510107197805123174', '2003-07-01', '510000', 3, "
            "'初级中学教师资格', '物理', '成都市武侯区教育局', 'certs/t.jpg', "
            "'待核验', 1764000000)")
    mid = env.sql("SELECT id FROM manual_certificates WHERE cert_no = "
                  "'035101073009999'")
    bj = Staff(env, "bj-province")                  # not 四川
    assert bj.get("/admin/reviews/certs/%s" % mid).status_code == 403
    assert "035101073009999" not in bj.get("/admin/reviews/certs").text
    assert bj.post("/admin/reviews/certs/%s/decide" % mid,
                   {"decision": "approve"}).status_code == 403
    sa = Staff(env, "sysadmin")
    assert "035101073009999" in sa.get("/admin/reviews/certs").text
    r = sa.get("/admin/reviews/certs/%s/photo" % mid)
    assert r.status_code == 200 and r.content[:2] == b"\xff\xd8"
    r = sa.post("/admin/reviews/certs/%s/decide" % mid,
                {"decision": "reject", "reason": "照片与证书号码不符"})
    assert r.status_code == 303
    assert env.sql("SELECT review_state FROM manual_certificates WHERE id = "
                   "%s" % mid) == "核验不通过"


def test_statistics_svg_and_csv(env):
    app = make_app(env, institution=3, point=301, account=8)
    xc = Staff(env, "xc-reviewer")
    r = xc.get("/admin/stats?year=2026")
    assert r.status_code == 200
    html = r.text
    assert '<svg class="adm-chart" id="chart-inst"' in html
    assert re.search(r'<rect x="\d+" y="\d+" width="\d+" height="\d+" '
                     r'class="s\d"><title>', html)
    assert "北京市西城区教育委员会" in html
    assert "北京市东城区教育委员会" not in html      # out of scope
    r = xc.get("/admin/stats.csv?year=2026")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["注册机构", "网报待确认", "确认未通过"]
    xc_row = [row for row in rows if row and row[0] ==
              "北京市西城区教育委员会"][0]
    assert int(xc_row[1]) >= 1 and int(xc_row[-1]) >= 1
    assert any(re.match(r"^\d{4}-\d{2}-\d{2}$", row[0])
               for row in rows if row)
    assert Staff(env, "dc-point").get("/admin/stats").status_code == 403
    assert xc.get("/admin/stats?year=abc").status_code == 400
    assert app


def test_audit_log_viewer(env):
    sa = Staff(env, "sysadmin")
    dc = Staff(env, "dc-point")
    app = make_app(env)
    dc.post("/admin/apps/%s/confirm" % app, {"result": "complete"})
    r = sa.get("/admin/audit?actor=staff:dc-point&action=application.")
    assert r.status_code == 200
    assert "application:%s" % app in r.text and "127.0.0.1" in r.text
    assert "网报待确认 → 待注册审批" in r.text
    r = sa.get("/admin/audit?target=application:%s&action=login" % app)
    table = r.text.split('id="audit-table"')
    assert len(table) == 1 or "application:%s" % app not in table[1]
    r = sa.get("/admin/audit?from=2026-13-01")
    assert r.status_code == 400
    for user in ("dc-point", "dc-reviewer", "bj-province"):
        assert Staff(env, user).get("/admin/audit").status_code == 403


def test_audit_log_in_words_filter_by_name_and_csv(env):
    """Issue 14: action names in Chinese, the actor filter takes a bare
    username, and the filtered log exports as CSV (system admin only)."""
    sa = Staff(env, "sysadmin")
    dc = Staff(env, "dc-point")
    app = make_app(env)
    assert dc.post("/admin/apps/%s/confirm" % app,
                   {"result": "complete"}).status_code == 303
    r = sa.get("/admin/audit?actor=dc-point&target=application:%s" % app)
    assert r.status_code == 200
    table = r.text.split('id="audit-table"')[1]
    assert "办理：转为待注册审批" in table
    assert "<td>dc-point</td>" in table and "staff:dc-point" not in table
    m = re.search(r'id="audit-csv" href="([^"]+)"', r.text)
    assert m and "actor=dc-point" in m.group(1)
    r = sa.get(m.group(1).replace("&amp;", "&"))
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["时间", "操作人", "操作", "操作代码", "对象", "IP",
                       "说明"]
    assert len(rows) >= 2
    assert all(row[1] == "dc-point" for row in rows[1:])
    assert any(row[2] == "办理：转为待注册审批"
               and row[4] == "application:%s" % app for row in rows[1:])
    assert env.sql("SELECT COUNT(*) FROM audit_log WHERE actor = "
                   "'staff:sysadmin' AND action = 'audit.export'") != "0"
    r = sa.get("/admin/audit.csv?from=2026-02-30")
    assert r.status_code == 400
    for user in ("dc-point", "dc-reviewer", "bj-province"):
        assert Staff(env, user).get("/admin/audit.csv").status_code == 403
