"""Back office: 注册机构 and 确认点 administration (issue 14) through the
real forms and their JSON twins: create, edit, 停用/启用, field errors
that keep what was typed, the province scope checked on the target row
and on the submitted values, and the wizard's selects that no longer
offer what was switched off.

Every institution and point here is made through the forms (random
codes), so the seed rows other tests rely on are never touched."""
import random
import re

from test_admin_support import Staff, error_code
from test_records import submit


def new_code():
    return "1101%05d" % random.randrange(100000)


def org_form(st, **kw):
    data = {"code": new_code(), "name": "北京市测试区教育委员会%d"
            % random.randrange(10 ** 6), "level": "县级",
            "region_code": "110112", "stages": ["幼儿园", "小学"],
            "phone": "010-60000000", "address": "北京市通州区测试路1号",
            "hours": "工作日 9:00-17:00"}
    data.update(kw)
    return st.post("/admin/institutions/save", data)


def make_org(st, **kw):
    r = org_form(st, **kw)
    assert r.status_code == 303, r.text[:500]
    m = re.match(r"/admin/institutions/(\d+)$", r.headers["Location"])
    assert m, r.headers["Location"]
    return m.group(1)


def point_form(st, inst, **kw):
    data = {"institution_id": inst, "name": "测试确认点%d"
            % random.randrange(10 ** 6), "scope": "测试区所属中小学在职教师",
            "address": "北京市通州区测试路2号", "phone": "010-60000001",
            "hours": "工作日 9:00-11:30", "stages": ["小学"]}
    data.update(kw)
    return st.post("/admin/points/save", data)


def make_point(env, st, inst, **kw):
    r = point_form(st, inst, **kw)
    assert r.status_code == 303, r.text[:500]
    return env.sql("SELECT MAX(id) FROM confirmation_points WHERE "
                   "institution_id = %s" % inst)


def offered(env, city, stage="小学"):
    """The institution ids the wizard's 网报时间 page offers."""
    s = env.login_as(1)
    j = env.get("/api/v1/dqzc/windows", s,
                params={"province": "110000", "city": city,
                        "stage": stage}).json()
    return [str(i["id"]) for i in j.get("institutions", [])]


def test_institution_create_edit_and_field_errors(env):
    bj = Staff(env, "bj-province")
    assert bj.get("/admin/institutions").status_code == 200
    assert bj.get("/admin/institutions/new").status_code == 200
    # refused: every bad field is named, and what was typed stays
    r = org_form(bj, code="12ab", name="", stages=[], phone="电话",
                 address="北京市通州区保留的地址")
    assert r.status_code == 400
    assert "机构代码应为9位数字" in r.text
    assert "请填写机构名称" in r.text
    assert "请至少选择一个学段" in r.text
    assert "联系电话只能包含数字" in r.text
    assert 'value="北京市通州区保留的地址"' in r.text
    assert 'value="12ab"' in r.text
    # each bad field is marked for a screen reader and names its message;
    # a good one is not
    for field in ("code", "name", "phone"):
        assert re.search(r'<(input|select) id="o-%s" name="%s"[^>]*'
                         r'aria-invalid="true" aria-describedby="err-%s"'
                         % (field, field, field), r.text), field
        assert re.search(r'<p class="adm-field-err" id="err-%s">[^<]+</p>'
                         % field, r.text), field
    assert not re.search(r'id="o-address"[^>]*aria-invalid', r.text)
    r = org_form(bj, region_code="999999")
    assert r.status_code == 400 and "所在行政区划不存在" in r.text
    before = env.sql("SELECT COUNT(*) FROM institutions")
    # created, placed by its region: 通州区 is its own city in 北京
    inst = make_org(bj, stages=["小学", "幼儿园"])
    assert env.sql("SELECT province_code || '|' || city_code || '|' || "
                   "stages || '|' || active || '|' || hours FROM "
                   "institutions WHERE id = %s" % inst) == \
        "110000|110112|幼儿园,小学|1|工作日 9:00-17:00"
    assert int(env.sql("SELECT COUNT(*) FROM institutions")) \
        == int(before) + 1
    assert env.sql("SELECT COUNT(*) FROM audit_log WHERE action = "
                   "'institution.create' AND target = 'institution:%s'"
                   % inst) == "1"
    # the same code again
    code = env.sql("SELECT code FROM institutions WHERE id = %s" % inst)
    r = org_form(bj, code=code)
    assert r.status_code == 400 and "该机构代码已被其他注册机构使用" in r.text
    # edit
    r = bj.get("/admin/institutions/%s" % inst)
    assert r.status_code == 200 and 'value="%s"' % code in r.text
    r = org_form(bj, id=inst, code=code, name="北京市测试区教委（改）",
                 stages=["初级中学"])
    assert r.status_code == 303
    assert env.sql("SELECT name || '|' || stages FROM institutions "
                   "WHERE id = %s" % inst) == "北京市测试区教委（改）|初级中学"
    # JSON twin
    j = bj.get("/admin/api/institutions/%s" % inst).json()
    assert j["institution"]["id"] == int(inst)
    assert j["institution"]["stages"] == "初级中学"
    assert j["points"] == []
    ids = [i["id"] for i in bj.get("/admin/api/institutions").json()
           ["institutions"]]
    assert int(inst) in ids and 8 not in ids    # 武汉 is not 北京's


def test_api_create_and_field_errors(env):
    bj = Staff(env, "bj-province")
    h = {"X-CSRF-Token": bj.csrf}
    base = {"code": new_code(), "name": "北京市接口测试教委", "level": "县级",
            "region_code": "110112", "stages": "小学,初级中学"}
    r = bj.post("/admin/api/institutions", dict(base, level="乡级"),
                tokens=False, headers=h)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid"
    assert "level" in r.json()["error"]["fields"]
    r = bj.post("/admin/api/institutions", base, tokens=False, headers=h)
    assert r.status_code == 200, r.text
    inst = r.json()["institution"]
    assert inst["stages"] == "小学,初级中学" and inst["active"] == 1
    r = bj.post("/admin/api/points", {
        "institution_id": str(inst["id"]), "name": "接口确认点",
        "scope": "全区", "address": "某路1号", "hours": "工作日",
        "stages": "高级中学"}, tokens=False, headers=h)
    assert r.status_code == 400
    assert "所属注册机构不负责高级中学的注册" in \
        r.json()["error"]["fields"]["stages"]
    r = bj.post("/admin/api/points", {
        "institution_id": str(inst["id"]), "name": "接口确认点",
        "scope": "全区", "address": "某路1号", "hours": "工作日",
        "stages": "小学"}, tokens=False, headers=h)
    assert r.status_code == 200, r.text
    pt = r.json()["point"]
    assert pt["institution_id"] == inst["id"] and pt["stages"] == "小学"
    r = bj.post("/admin/api/points/%d/active" % pt["id"], {"active": "0"},
                tokens=False, headers=h)
    assert r.status_code == 200 and r.json()["point"]["active"] == 0


def test_deactivated_institution_and_point_leave_the_wizard(env):
    bj = Staff(env, "bj-province")
    inst = make_org(bj, region_code="110112", stages=["小学"])
    pt = make_point(env, bj, inst)
    pt2 = make_point(env, bj, inst, name="第二确认点")
    assert inst in offered(env, "110112")
    s = env.login_as(1)
    pts = [str(p["id"]) for p in env.get("/api/v1/institutions/%s/points" % inst,
                                    s).json()["points"]]
    assert pt in pts and pt2 in pts
    # a point switched off: no longer in the list
    r = bj.post("/admin/points/%s/active" % pt2, {"active": "0"})
    assert r.status_code == 303
    pts = [str(p["id"]) for p in env.get("/api/v1/institutions/%s/points" % inst,
                                    s).json()["points"]]
    assert pts == [pt]
    # the institution switched off: gone from 网报时间 and the wizard
    r = bj.post("/admin/institutions/%s/active" % inst, {"active": "0"})
    assert r.status_code == 303
    assert env.sql("SELECT active FROM institutions WHERE id = %s"
                   % inst) == "0"
    assert inst not in offered(env, "110112")
    name = env.sql("SELECT name FROM institutions WHERE id = %s" % inst)
    r = env.get("/platform/dqzc/windows", s,
                params={"province": "110000", "city": "110112",
                        "stage": "小学"})
    assert r.status_code == 200 and name not in r.text
    assert env.sql("SELECT COUNT(*) FROM audit_log WHERE action = "
                   "'institution.deactivate' AND target = 'institution:%s'"
                   % inst) == "1"
    # no new point and no 网报计划 for it while it is off
    r = point_form(bj, inst)
    assert r.status_code == 400 and "该注册机构已停用" in r.text
    r = bj.post("/admin/windows/save", {
        "institution_id": inst, "cycle_year": "2031",
        "starts": "2031-09-01T09:00", "ends": "2031-10-31T17:00"})
    assert r.status_code == 400 and "已停用，不能设置网报计划" in r.text
    # and back on
    r = bj.post("/admin/institutions/%s/active" % inst, {"active": "1"})
    assert r.status_code == 303
    assert inst in offered(env, "110112")


def test_point_edit_keeps_input_and_cannot_move_with_applications(env):
    bj = Staff(env, "bj-province")
    inst = make_org(bj)
    other = make_org(bj)
    pt = make_point(env, bj, inst)
    r = bj.get("/admin/points/%s" % pt)
    assert r.status_code == 200
    r = point_form(bj, inst, id=pt, name="", address="保留的确认点地址")
    assert r.status_code == 400
    assert "请填写确认点名称" in r.text
    assert 'value="保留的确认点地址"' in r.text
    # moved under another institution of the same province: fine while
    # no application chose it
    r = point_form(bj, other, id=pt)
    assert r.status_code == 303
    assert env.sql("SELECT institution_id FROM confirmation_points "
                   "WHERE id = %s" % pt) == other
    # a point an application chose (made through the wizard) stays
    # where it is
    submit(env, env.login_as(1), institution="2", point="201")
    r = point_form(bj, "3", id="201", stages=[])
    assert r.status_code == 400 and "该确认点已有报名" in r.text
    assert env.sql("SELECT institution_id FROM confirmation_points "
                   "WHERE id = 201") == "2"
    # and its institution keeps its code (报名号 carry it)
    r = org_form(bj, id="2", code="110101399", name="北京市东城区教育委员会",
                 region_code="110101", stages=["幼儿园", "小学", "初级中学"])
    assert r.status_code == 400 and "不能修改机构代码" in r.text
    j = bj.get("/admin/api/institutions/2").json()
    assert j["institution"]["applications"] >= 1


def test_province_scope_on_target_rows(env):
    """湖北's admin: not 北京's institutions or points, by page, form,
    API, or by moving its own point under one of them."""
    bj = Staff(env, "bj-province")
    hb = Staff(env, "hb-province")
    inst = make_org(bj)
    pt = make_point(env, bj, inst)
    q = ("SELECT COUNT(*) || '|' || SUM(active) FROM institutions "
         "WHERE province_code = '110000'")
    snap = env.sql(q)
    for path in ("/admin/institutions/%s" % inst, "/admin/points/%s" % pt,
                 "/admin/api/institutions/%s" % inst,
                 "/admin/api/points/%s" % pt,
                 "/admin/points/new?institution_id=%s" % inst):
        assert hb.get(path).status_code == 403, path
    # editing 北京's institution id with 湖北 values
    r = org_form(hb, id=inst, region_code="420102")
    assert r.status_code == 403
    # creating in another province
    r = org_form(hb, region_code="110112")
    assert r.status_code == 403
    assert hb.post("/admin/institutions/%s/active" % inst,
                   {"active": "0"}).status_code == 403
    assert hb.post("/admin/points/%s/active" % pt,
                   {"active": "0"}).status_code == 403
    r = point_form(hb, inst, id=pt, name="湖北改的")
    assert r.status_code == 403
    # its own point moved under 北京's institution
    hb_inst = make_org(hb, code="4201%05d" % random.randrange(100000),
                       region_code="420102")
    hb_pt = make_point(env, hb, hb_inst)
    r = point_form(hb, inst, id=hb_pt)
    assert r.status_code == 403
    assert env.sql("SELECT institution_id FROM confirmation_points "
                   "WHERE id = %s" % hb_pt) == hb_inst
    assert env.sql(q) == snap
    assert env.sql("SELECT name FROM confirmation_points WHERE id = %s"
                   % pt) != "湖北改的"
    # the list shows its own province only
    text = hb.get("/admin/institutions").text
    assert "北京市东城区教育委员会" not in text and "武汉市教育局" in text
    # refusals are audited
    assert int(env.sql("SELECT COUNT(*) FROM audit_log WHERE action = "
                       "'scope.denied' AND actor = 'staff:hb-province' "
                       "AND target = 'institution:%s'" % inst)) >= 1
    # reviewers and points have no business here
    for user in ("dc-reviewer", "dc-point"):
        st = Staff(env, user)
        assert st.get("/admin/institutions").status_code == 403
        r = st.get("/admin/api/institutions")
        assert r.status_code == 403 and error_code(r) == "forbidden"


def test_system_admin_places_institutions_anywhere(env):
    """Every region is offered to the system admin (a county of 湖北 as
    well as 北京's 区); a province admin is offered its own only."""
    sysadm = Staff(env, "sysadmin")
    page = sysadm.get("/admin/institutions/new").text
    assert 'value="420102"' in page and 'value="110112"' in page
    page = Staff(env, "hb-province").get("/admin/institutions/new").text
    assert 'value="420102"' in page and 'value="110112"' not in page
    inst = make_org(sysadm, code="4201%05d" % random.randrange(100000),
                    region_code="420102", stages=["小学"])
    assert env.sql("SELECT province_code || '|' || city_code FROM "
                   "institutions WHERE id = %s" % inst) == "420000|420100"


def test_point_serves_only_its_stages_in_the_wizard(env):
    """A 确认点 that confirms only 小学 is offered for 小学 and not for
    初级中学 (its institution registers both); choosing it for 初级中学
    at step 3 is refused."""
    from test_wizard import api, api_walk_to, reset
    bj = Staff(env, "bj-province")
    pt = make_point(env, bj, "2", stages=["小学"])
    try:
        s = env.login_as(1)
        reset(env, 1)

        def points(stage):
            j = env.get("/api/v1/dqzc/windows", s, params={
                "province": "110000", "city": "110101", "stage": stage,
                "institution_id": "2"}).json()
            return [str(p["id"]) for p in j.get("points", [])]
        assert pt in points("小学")
        assert pt not in points("初级中学") and "201" in points("初级中学")
        # step 1 with it for 初级中学: refused; for 小学: taken
        r = api(env, s, "POST", "/api/v1/dqzc/wizard/1",
                data={"institution_id": "2", "point_id": pt,
                      "stage": "初级中学"})
        assert r.status_code in (400, 409), r.text
        api_walk_to(env, s, 3, point=pt, stage="小学")
        r = api(env, s, "POST", "/api/v1/dqzc/wizard/3", data={
            "province": "110000", "city": "110101", "stage": "初级中学",
            "institution_id": "2", "subject": "数学", "point_id": pt})
        assert r.status_code in (400, 409, 422), r.text
        assert "point_id" in r.text
    finally:
        reset(env, 1)
        assert bj.post("/admin/points/%s/active" % pt,
                       {"active": "0"}).status_code == 303
