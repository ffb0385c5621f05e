"""Back office scopes: every role sees and acts only on its own
confirmation point / institution / province; anything else is 403 and
logged (audit_log + a notice in the error log), by page, API or id."""
from test_admin_support import (Staff, app_status, count_events, error_code,
                                make_app, reg_no_of)


def denied_count(env, username):
    return int(env.sql("SELECT COUNT(*) FROM audit_log WHERE actor = "
                       "'staff:%s' AND action = 'scope.denied'" % username))


def test_reviewer_of_other_institution_cannot_see_or_decide(env):
    app = make_app(env)                          # 东城 (2), point 201
    env.sql("UPDATE applications SET status = '待注册审批' WHERE id = %s"
            % app)
    xc = Staff(env, "xc-reviewer")               # 西城 (3)
    before = denied_count(env, "xc-reviewer")
    events = count_events(env, app)
    # page, API, photo, decision by page and by API: all 403
    for path in ("/admin/apps/%s" % app, "/admin/apps/%s/photo" % app,
                 "/admin/api/apps/%s" % app):
        r = xc.get(path)
        assert r.status_code == 403, path
        assert error_code(r) == "forbidden", path
    r = xc.post("/admin/apps/%s/decide" % app, {"conclusion": "注册合格"})
    assert r.status_code == 403
    r = xc.post("/admin/api/apps/%s/decide" % app,
                {"conclusion": "注册不合格", "reason": "x"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    # bulk decision with a guessed id
    r = xc.post("/admin/queue/decide", {"id": app, "conclusion": "注册合格"})
    assert r.status_code == 409 and "未找到该报名" in r.text
    assert app_status(env, app) == "待注册审批"
    assert count_events(env, app) == events
    assert denied_count(env, "xc-reviewer") == before + 6
    row = env.sql("SELECT target || '|' || ip FROM audit_log WHERE actor = "
                  "'staff:xc-reviewer' AND action = 'scope.denied' "
                  "ORDER BY id DESC LIMIT 1")
    assert row == "application:%s|127.0.0.1" % app
    # lists never show it
    reg = reg_no_of(env, app)
    link = 'href="/admin/apps/%s"' % app
    assert link not in xc.get("/admin/queue").text
    assert link not in xc.get("/admin/queue?q=%s" % reg).text
    r = xc.get("/admin/search?q=%s" % reg)
    assert "未找到您管辖范围内的报名信息" in r.text
    assert xc.get("/admin/api/search?q=%s" % reg).json()["applications"] \
        == []
    # the error log has a notice per refusal (not a warning)
    with open(env.error_log, encoding="utf-8") as f:
        log = f.read()
    assert "JSZG17002" in log and "xc-reviewer" in log
    # the right reviewer can
    dc = Staff(env, "dc-reviewer")
    assert dc.get("/admin/apps/%s" % app).status_code == 200
    assert reg in dc.get("/admin/queue").text


def test_point_staff_scope_and_role(env):
    app = make_app(env)                          # point 201
    other_point = Staff(env, "dc-point2")        # point 202, same institution
    r = other_point.post("/admin/apps/%s/confirm" % app,
                         {"result": "complete"})
    assert r.status_code == 403
    assert other_point.get("/admin/apps/%s" % app).status_code == 403
    xc_point = Staff(env, "xc-point")
    r = xc_point.post("/admin/api/apps/%s/confirm" % app,
                      {"result": "complete"})
    assert r.status_code == 403
    assert app_status(env, app) == "网报待确认"
    # a point's staff member confirms but never decides, and has no queue
    point = Staff(env, "dc-point")
    assert point.post("/admin/apps/%s/confirm" % app,
                      {"result": "complete"}).status_code == 303
    r = point.post("/admin/api/apps/%s/decide" % app,
                   {"conclusion": "注册合格"})
    assert r.status_code == 403
    assert point.get("/admin/queue").status_code == 403
    assert point.get("/admin/windows").status_code == 403
    assert point.get("/admin/audit").status_code == 403
    assert app_status(env, app) == "待注册审批"


def test_reviewer_cannot_confirm(env):
    app = make_app(env)
    dc = Staff(env, "dc-reviewer")
    r = dc.post("/admin/api/apps/%s/confirm" % app, {"result": "complete"})
    assert r.status_code == 403
    assert app_status(env, app) == "网报待确认"


def test_province_admin_sees_own_province_only(env):
    app = make_app(env)                          # 北京
    wh = make_app(env, institution=8, point=801, account=2, stage="高级中学")
    bj = Staff(env, "bj-province")
    hb = Staff(env, "hb-province")
    assert bj.get("/admin/apps/%s" % app).status_code == 200
    assert bj.get("/admin/apps/%s" % wh).status_code == 403
    assert hb.get("/admin/apps/%s" % app).status_code == 403
    assert hb.get("/admin/apps/%s" % wh).status_code == 200
    # read-only for applications: no confirmation, no decision
    r = bj.post("/admin/api/apps/%s/confirm" % app, {"result": "complete"})
    assert r.status_code == 403
    assert app_status(env, app) == "网报待确认"


def test_guessed_and_malformed_ids(env):
    xc = Staff(env, "xc-reviewer")
    for bad in ("0", "abc", "999999999", "1%20OR%201=1", "-1"):
        r = xc.get("/admin/apps/%s" % bad)
        assert r.status_code == 404, bad
        r = xc.get("/admin/api/apps/%s" % bad)
        assert r.status_code == 404, bad
        assert r.json()["error"]["code"] == "not_found"


def test_system_admin_sees_everything(env):
    app = make_app(env, institution=8, point=801, account=2,
                   stage="高级中学")
    sa = Staff(env, "sysadmin")
    assert sa.get("/admin/apps/%s" % app).status_code == 200
    r = sa.get("/admin/api/search?q=%s" % reg_no_of(env, app))
    assert [a["id"] for a in r.json()["applications"]] == [int(app)]
