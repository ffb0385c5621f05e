"""Back office: the rules of a 网报计划 (issue 14) -- dates inside the
cycle year, 现场确认 after or overlapping 网报, no plan for a 停用
institution (test_admin_orgs) -- and a plan that applications hold:
never deleted, closed early instead, with the count on the page and in
the JSON twin.  The plan with applications belongs to an institution
made through the forms, with an application made through the wizard."""
import re

from test_admin_orgs import make_org, make_point
from test_admin_support import Staff
from test_records import submit


def window(st, **kw):
    data = {"institution_id": "7", "cycle_year": "2032",
            "starts": "2032-09-01T09:00", "ends": "2032-10-31T17:00"}
    data.update(kw)
    return st.post("/admin/windows/save", data)


def test_plan_rules(env):
    bj = Staff(env, "bj-province")
    r = window(bj, ends="2033-01-10T17:00")
    assert r.status_code == 400 and "须在2032年度之内" in r.text
    # what was typed stays, the error beside its field
    assert 'value="2033-01-10T17:00"' in r.text
    assert re.search(r'id="w-ends"[^>]*class="invalid"|class="invalid"'
                     r'[^>]*id="w-ends"', r.text)
    assert re.search(r'id="w-ends"[^>]*aria-invalid="true" aria-describedby='
                     r'"err-ends"[^>]*>\s*<p class="adm-field-err" '
                     r'id="err-ends">网报和现场确认时间须在2032年度之内', r.text)
    r = window(bj, starts="2031-12-20T09:00")
    assert r.status_code == 400 and "须在2032年度之内" in r.text
    r = window(bj, confirm_starts="2032-08-20T09:00",
               confirm_ends="2032-11-10T17:00")
    assert r.status_code == 400 and "现场确认开始时间不能早于网报开始时间" in r.text
    r = window(bj, confirm_starts="2032-09-10T09:00",
               confirm_ends="2032-10-20T17:00")
    assert r.status_code == 400 and "现场确认结束时间不能早于网报结束时间" in r.text
    assert env.sql("SELECT COUNT(*) FROM windows WHERE institution_id = 7 "
                   "AND cycle_year = 2032") == "0"
    # the JSON twin refuses the same way
    h = {"X-CSRF-Token": bj.csrf}
    r = bj.post("/admin/api/windows", {
        "institution_id": "7", "cycle_year": "2032",
        "starts": "2032-09-01 09:00", "ends": "2033-10-31 17:00"},
        tokens=False, headers=h)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "window_invalid"
    assert "须在2032年度之内" in r.json()["error"]["fields"]["ends"]
    # overlapping: fine (and then gone again, it holds nothing)
    r = bj.post("/admin/api/windows", {
        "institution_id": "7", "cycle_year": "2032",
        "starts": "2032-09-01 09:00", "ends": "2032-10-31 17:00",
        "confirm_starts": "2032-09-01 09:00",
        "confirm_ends": "2032-11-15 17:00"}, tokens=False, headers=h)
    assert r.status_code == 200, r.text
    w = r.json()["window"]
    assert w["applications"] == 0 and w["institution_id"] == 7
    r = bj.post("/admin/api/windows/%d/delete" % w["id"], tokens=False,
                headers=h)
    assert r.status_code == 200
    assert env.sql("SELECT COUNT(*) FROM windows WHERE id = %d"
                   % w["id"]) == "0"


def test_plan_form_reports_every_bad_field(env):
    """Three bad fields at once: the page says so beside each of them and
    keeps what was typed; the JSON twin lists all three in `fields`."""
    bj = Staff(env, "bj-province")
    bad = {"starts": "2031-12-20T09:00", "ends": "2032-13-45T17:00",
           "confirm_starts": "2032-09-10T09:00"}
    r = window(bj, **bad)
    assert r.status_code == 400
    for field, msg in (("starts", "须在2032年度之内"),
                       ("ends", "请填写正确的网报结束时间"),
                       ("confirm_ends", "现场确认开始时间和结束时间须同时填写")):
        fid = {"starts": "w-starts", "ends": "w-ends",
               "confirm_ends": "w-cends"}[field]
        assert re.search(r'id="%s"[^>]*aria-invalid="true" aria-describedby'
                         r'="err-%s"[^>]*>\s*<p class="adm-field-err" '
                         r'id="err-%s">[^<]*%s' % (fid, field, field, msg),
                         r.text), (field, msg)
        assert re.search(r'id="%s"[^>]*class="invalid"|class="invalid"'
                         r'[^>]*id="%s"' % (fid, fid), r.text), field
    assert "有3处填写有误" in r.text
    for v in bad.values():
        assert 'value="%s"' % v in r.text, v
    assert 'value="2032"' in r.text
    assert env.sql("SELECT COUNT(*) FROM windows WHERE institution_id = 7 "
                   "AND cycle_year = 2032") == "0"
    h = {"X-CSRF-Token": bj.csrf}
    r = bj.post("/admin/api/windows", {
        "institution_id": "7", "cycle_year": "2032",
        "starts": "2031-12-20 09:00", "ends": "2032-13-45 17:00",
        "confirm_starts": "2032-09-10 09:00"}, tokens=False, headers=h)
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "window_invalid"
    assert set(err["fields"]) == {"starts", "ends", "confirm_ends"}, err
    assert "须在2032年度之内" in err["fields"]["starts"]


def test_plan_with_applications_is_closed_not_deleted(env):
    bj = Staff(env, "bj-province")
    inst = make_org(bj, region_code="110112", stages=["小学"])
    pt = make_point(env, bj, inst)
    r = bj.post("/admin/windows/save", {
        "institution_id": inst, "cycle_year": "2026",
        "starts": "2026-11-01T09:00", "ends": "2026-12-31T17:00",
        "confirm_starts": "2026-11-01T09:00",
        "confirm_ends": "2026-12-31T17:30"})
    assert r.status_code == 303, r.text[:400]
    wid = env.sql("SELECT id FROM windows WHERE institution_id = %s" % inst)
    reg = submit(env, env.login_as(1), institution=inst, point=pt,
                 city="110112")
    assert reg
    # the page warns and offers no 删除; a delete is refused anyway
    page = bj.get("/admin/windows/%s" % wid).text
    assert re.search(r"已有 <strong>1</strong> 份报名，不能删除", page)
    assert 'id="window-delete"' not in page and 'id="window-close"' in page
    r = bj.post("/admin/windows/%s/delete" % wid)
    assert r.status_code == 409 and "已有1份报名，不能删除" in r.text
    assert env.sql("SELECT COUNT(*) FROM windows WHERE id = %s" % wid) == "1"
    h = {"X-CSRF-Token": bj.csrf}
    r = bj.post("/admin/api/windows/%s/delete" % wid, tokens=False, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == \
        "window_in_use"
    assert bj.get("/admin/api/windows/%s" % wid).json()["window"][
        "applications"] == 1
    # 湖北 may not close it
    hb = Staff(env, "hb-province")
    assert hb.post("/admin/windows/%s/close" % wid).status_code == 403
    # closed early: 网报 ends now, the application stays
    r = bj.post("/admin/windows/%s/close" % wid)
    assert r.status_code == 303
    ends = env.sql("SELECT CAST(ends AS TEXT) FROM windows WHERE id = %s"
                   % wid)
    assert ends < "2026-12-31 17:00:00"
    assert env.sql("SELECT COUNT(*) FROM applications WHERE reg_no = '%s'"
                   % reg) == "1"
    assert env.sql("SELECT COUNT(*) FROM audit_log WHERE action = "
                   "'window.close' AND target = 'institution:%s'"
                   % inst) == "1"
    s = env.login_as(2)
    j = env.get("/api/v1/dqzc/windows", s, params={
        "province": "110000", "city": "110112", "stage": "小学",
        "institution_id": inst}).json()
    assert "网报时间已截止" in j["window"]["message"]
    # a second close: nothing to close
    r = bj.post("/admin/windows/%s/close" % wid)
    assert r.status_code == 409
