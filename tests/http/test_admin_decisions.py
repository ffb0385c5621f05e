"""Back office (issue 14): decisions that respect the rules.  现场确认 only
inside the plan's 现场确认 period; refused forms keep what staff typed;
bulk decisions by 报名号, saying what was saved, "not found" the same for a
missing application and one outside the scope."""
import calendar
import re

from test_admin import confirm, decide
from test_admin_support import Staff, app_status, count_events, make_app, \
    reg_no_of
from test_records import submit


def beijing(text):
    """Epoch seconds of a Beijing 'YYYY-MM-DD HH:MM:SS'."""
    t = calendar.timegm(tuple(int(x) for x in re.split(r"[- :]", text))
                        + (0, 0, 0))
    return t - 8 * 3600


def at(text):
    return {"X-Jszg-Test-Now": str(beijing(text))}


def wizard_app(env):
    s = env.login_as(1)
    reg_no = submit(env, s)
    return env.sql("SELECT id FROM applications WHERE reg_no = '%s'"
                   % reg_no)


def test_confirm_only_inside_the_confirm_period(env):
    """东城区 (2): 现场确认 2026-11-05 09:00 → 2026-12-25 17:00."""
    app = wizard_app(env)
    point = Staff(env, "dc-point")
    events = count_events(env, app)
    r = point.post("/admin/apps/%s/confirm" % app, {"result": "complete"},
                   headers=at("2026-11-05 08:59:59"))
    assert r.status_code == 409
    assert "还未到现场确认时间" in r.text
    assert "2026-11-05 09:00:00至2026-12-25 17:00:00" in r.text
    r = point.post("/admin/api/apps/%s/confirm" % app,
                   {"result": "complete"}, headers=at("2026-11-04 10:00:00"))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "confirm_not_open"
    assert app_status(env, app) == "网报待确认"
    assert count_events(env, app) == events
    # an application of the 2025 plan (现场确认 ended 2025-12-26 17:00)
    old = make_app(env, cycle=2025)
    r = point.post("/admin/api/apps/%s/confirm" % old,
                   {"result": "complete"})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "confirm_closed"
    assert "现场确认时间已结束" in r.json()["error"]["message"]
    assert app_status(env, old) == "网报待确认"
    r = point.post("/admin/apps/%s/confirm" % app, {"result": "complete"},
                   headers=at("2026-11-05 09:00:00"))
    assert r.status_code == 303, r.text[:300]
    assert app_status(env, app) == "待注册审批"


def test_refused_forms_keep_what_was_typed(env):
    app = wizard_app(env)
    point = Staff(env, "dc-point")
    # 材料不全 without 所缺材料: the choice and the message stay
    r = point.post("/admin/apps/%s/confirm" % app,
                   {"result": "incomplete", "message": "请带聘用合同原件"})
    assert r.status_code == 400
    assert "请填写所缺材料" in r.text
    assert re.search(r'<input type="radio" name="result" value="incomplete"'
                     r' id="result-incomplete" checked>', r.text), r.text
    assert ">请带聘用合同原件</textarea>" in r.text
    assert app_status(env, app) == "网报待确认"
    assert confirm(point, app).status_code == 303
    # 暂缓注册 without a reason: the conclusion and the message stay
    rev = Staff(env, "dc-reviewer")
    r = decide(rev, app, "暂缓注册", message="请补齐学时后再申请")
    assert r.status_code == 400
    assert re.search(r'value="暂缓注册" id="conclusion-defer" checked>',
                     r.text)
    assert ">请补齐学时后再申请</textarea>" in r.text
    assert app_status(env, app) == "待注册审批"


def test_bulk_by_reg_no_says_what_was_saved(env):
    a1 = make_app(env, status="待注册审批")
    a2 = make_app(env, status="待注册审批")
    other = make_app(env, institution=3, point=301, status="待注册审批")
    r1, r2, r3 = reg_no_of(env, a1), reg_no_of(env, a2), reg_no_of(env, other)
    rev = Staff(env, "dc-reviewer")
    r = rev.post("/admin/queue/decide", {"reg_no": [r1, r2],
                                         "conclusion": "注册合格"})
    assert r.status_code == 200
    assert "已保存 <strong>2</strong> 条" in r.text
    saved = re.search(r'<table class="adm-table" id="bulk-saved">(.*?)'
                      r'</table>', r.text, re.S).group(1)
    assert r1 in saved and r2 in saved and "注册合格" in saved
    assert ">%s<" % a1 not in saved
    assert app_status(env, a1) == app_status(env, a2) == "注册合格"
    # not there and out of scope: the same words
    missing = "20261101019999990"
    r = rev.post("/admin/queue/decide", {"reg_no": [missing, r3],
                                         "conclusion": "注册合格"})
    assert r.status_code == 409
    fails = re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td></tr>", r.text)
    assert [f[0] for f in fails] == [missing, r3]
    assert fails[0][1] == fails[1][1]
    assert "未找到该报名" in fails[0][1]
    assert app_status(env, other) == "待注册审批"
    # by internal id (older clients): the answer still names 报名号
    a4 = make_app(env, status="待注册审批")
    r = rev.post("/admin/queue/decide", {"id": [a4, other],
                                         "conclusion": "暂缓注册",
                                         "reason": "学时不足"})
    assert r.status_code == 409
    assert reg_no_of(env, a4) in r.text and "理由：" in r.text
    fails = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>",
                       re.search(r'id="bulk-failures">(.*?)</table>', r.text,
                                 re.S).group(1))
    assert fails == [("—", fails[0][1])] and "未找到该报名" in fails[0][1]
    assert app_status(env, a4) == "暂缓注册"


def decided(env, conclusion="注册合格", reason=None):
    """A wizard application, confirmed and decided: its id."""
    from test_write_atomic import forget_decisions
    forget_decisions(env)
    app = wizard_app(env)
    assert confirm(Staff(env, "dc-point"), app).status_code == 303
    r = decide(Staff(env, "dc-reviewer"), app, conclusion, reason=reason)
    assert r.status_code == 303, r.text[:300]
    return app


def history_of(env, app):
    return env.sql("SELECT COUNT(*) || '|' || COALESCE(MAX(h.conclusion), "
                   "'-') FROM registrations_history h JOIN applications a "
                   "ON a.cert_no = h.cert_no AND h.registered_on = "
                   "a.decided_on WHERE a.id = %s" % app)


def test_withdraw_and_correct_a_conclusion(env):
    app = decided(env)
    assert history_of(env, app) == "1|注册合格"
    rev = Staff(env, "dc-reviewer")
    page = rev.get("/admin/apps/%s" % app).text
    assert 'id="correct-form"' in page
    # the reason is required; the choice stays on the page
    r = rev.post("/admin/apps/%s/correct" % app,
                 {"correct_to": "暂缓注册"})
    assert r.status_code == 400 and "必须填写理由" in r.text
    assert re.search(r'name="correct_to" value="暂缓注册" checked>', r.text)
    # the same conclusion again is no correction
    r = rev.post("/admin/api/apps/%s/correct" % app,
                 {"correct_to": "注册合格", "correct_reason": "x"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "correct_invalid"
    # a 确认点 may not
    r = Staff(env, "dc-point").post("/admin/api/apps/%s/correct" % app,
                                    {"correct_to": "", "correct_reason": "x"})
    assert r.status_code == 403
    # corrected: status, history row, event, message, audit
    r = rev.post("/admin/apps/%s/correct" % app,
                 {"correct_to": "暂缓注册",
                  "correct_reason": "培训学时核对有误，实为300学时"})
    assert r.status_code == 303, r.text[:300]
    assert app_status(env, app) == "暂缓注册"
    assert history_of(env, app) == "1|暂缓注册"
    ev = env.sql("SELECT from_status || '|' || to_status || '|' || message "
                 "FROM application_events WHERE application_id = %s "
                 "ORDER BY id DESC LIMIT 1" % app)
    assert ev.startswith("注册合格|暂缓注册|您的注册结论已由“注册合格”更正为"
                         "“暂缓注册”。理由：培训学时核对有误")
    assert env.sql("SELECT has_message FROM applications WHERE id = %s"
                   % app) == "1"
    assert env.sql("SELECT COUNT(*) FROM audit_log WHERE action = "
                   "'application.correct' AND target = 'application:%s'"
                   % app) == "1"
    # the province withdraws it: back to 待注册审批, the record gone
    bj = Staff(env, "bj-province")
    r = bj.post("/admin/api/apps/%s/correct" % app,
                {"correct_to": "", "correct_reason": "需重新审批"})
    assert r.status_code == 200, r.text
    assert r.json()["application"]["status"] == "待注册审批"
    assert env.sql("SELECT decided_on FROM applications WHERE id = %s"
                   % app) in ("", "NULL", "None")
    assert env.sql("SELECT COUNT(*) FROM registrations_history h JOIN "
                   "applications a ON a.cert_no = h.cert_no WHERE a.id = "
                   "%s AND h.conclusion = '暂缓注册' AND h.institution_name "
                   "= '北京市东城区教育委员会'" % app) == "0"
    # the applicant sees it in 留言; the history keeps every step
    s = env.login_as(1)
    reg = env.sql("SELECT reg_no FROM applications WHERE id = %s" % app)
    msgs = env.get("/platform/dqzc/records/%s/messages" % reg, s).text
    assert "已被撤销" in msgs and "需重新审批" in msgs
    steps = env.sql("SELECT COUNT(*) FROM application_events WHERE "
                    "application_id = %s" % app)
    assert steps == "5"
    # another province may not (not found / forbidden, nothing changes)
    hb = Staff(env, "hb-province")
    assert hb.post("/admin/api/apps/%s/correct" % app,
                   {"correct_to": "", "correct_reason": "x"}).status_code \
        == 403


def test_correction_period_is_over(env):
    app = decided(env, "注册不合格", reason="连续两年年度考核不合格")
    env.sql("UPDATE applications SET decided_on = '2026-11-01' WHERE id = %s"
            % app)
    rev = Staff(env, "dc-reviewer")
    assert 'id="correct-form"' not in rev.get("/admin/apps/%s" % app).text
    r = rev.post("/admin/api/apps/%s/correct" % app,
                 {"correct_to": "", "correct_reason": "x"})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "correct_period_over"
    assert "超过15天" in r.json()["error"]["message"]
    assert app_status(env, app) == "注册不合格"
    from test_write_atomic import forget_decisions
    forget_decisions(env)


def test_correction_in_chromium(env):
    """A 注册机构 reviewer withdraws a conclusion in a real browser: the
    refused form (no reason) keeps the choice, then it is saved."""
    from browser import chromium, screenshot
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
    from test_admin_support import STAFF_PASSWORD
    from test_write_atomic import forget_decisions
    app = decided(env)
    d = chromium(1366, 768)
    try:
        d.get(env.url + "/admin/apps/%s" % app)
        d.find_element(By.ID, "adm-username").send_keys("dc-reviewer")
        d.find_element(By.ID, "adm-password").send_keys(STAFF_PASSWORD)
        d.find_element(By.CSS_SELECTOR, ".adm-login button").click()
        form = WebDriverWait(d, 10).until(ec.presence_of_element_located(
            (By.ID, "correct-form")))
        d.execute_script("arguments[0].scrollIntoView()", form)
        d.find_element(By.ID, "correct-withdraw").click()
        d.find_element(By.ID, "correct-submit").click()
        WebDriverWait(d, 10).until(ec.presence_of_element_located(
            (By.CSS_SELECTOR, ".adm-error")))
        assert "必须填写理由" in d.find_element(By.CSS_SELECTOR,
                                               ".adm-error").text
        assert d.find_element(By.ID, "correct-withdraw").is_selected()
        screenshot(d, "admin-correct-refused-%s" % env.engine)
        d.find_element(By.ID, "correct-reason").send_keys("学时数据有误")
        d.find_element(By.ID, "correct-submit").click()
        WebDriverWait(d, 10).until(ec.presence_of_element_located(
            (By.CSS_SELECTOR, ".adm-flash")))
        assert d.find_element(By.ID, "app-status").text == "待注册审批"
        screenshot(d, "admin-correct-done-%s" % env.engine)
    finally:
        d.quit()
        forget_decisions(env)
    assert app_status(env, app) == "待注册审批"


# ---- bulk decisions: the JSON twin, and a refused form keeps the selection --

# 张伟 (account 1) applies at 东城 交道口 (201) and 周敏 (account 8) at 东城
# 天坛 (202): both in dc-reviewer's scope; 李娜 (account 2) at 武汉 (1001):
# outside it.
ZHOU = dict(account=8, cert="20121110812002675", stage="幼儿园",
            subject="幼儿园", point="202")
LI = dict(account=2, institution="10", point="1001",
          cert="20134210232005821", stage="初级中学", subject="语文",
          province="420000", city="420100")


def queued_pair(env):
    """张伟's and 周敏's wizard applications, confirmed (待注册审批), and
    李娜's (网报待确认, another province): their 报名号 and ids."""
    from test_write_atomic import forget_decisions
    forget_decisions(env)
    zr = submit(env, env.login_as(1))
    zo = submit(env, env.login_as(8), **ZHOU)
    li = dict(LI)
    lr = submit(env, env.login_as(li.pop("account")), account=2, **li)
    ids = {}
    sa = Staff(env, "sysadmin")
    for reg in (zr, zo, lr):
        ids[reg] = env.sql("SELECT id FROM applications WHERE reg_no = '%s'"
                           % reg)
    for reg in (zr, zo):
        assert confirm(sa, ids[reg]).status_code == 303
        assert app_status(env, ids[reg]) == "待注册审批"
    return zr, zo, lr, ids


def test_bulk_refused_as_a_whole_keeps_the_selection(env):
    """暂缓注册 without a reason: nothing is tried, the 待注册审批 form
    comes back with the boxes ticked, the choice and the 留言 kept and
    the error beside the reason; the same on the JSON twin."""
    zr, zo, lr, ids = queued_pair(env)
    rev = Staff(env, "dc-reviewer")
    events = {reg: count_events(env, ids[reg]) for reg in (zr, zo)}
    form = {"reg_no": [zr, zo], "conclusion": "暂缓注册", "reason": "  ",
            "message": "请补齐360学时证明", "stage": "", "q": "",
            "page": "1"}
    r = rev.post("/admin/queue/decide", form)
    assert r.status_code == 400, r.text[:300]
    assert 'id="bulk-form"' in r.text and "批量审批结果" not in r.text
    for reg in (zr, zo):
        assert re.search(r'<input type="checkbox" name="reg_no" class='
                         r'"row-check" aria-label="选择" value="%s" checked>'
                         % reg, r.text), reg
    assert re.search(r'<option value="暂缓注册" selected>', r.text)
    assert not re.search(r'<option value="注册合格" selected>', r.text)
    assert re.search(r'<p class="adm-field-err" id="err-reason">'
                     r'结论为“暂缓注册”时必须填写理由。</p>', r.text)
    assert ">请补齐360学时证明</textarea>" in r.text
    assert 'name="reason" type="text" maxlength="500" value="  " ' \
        'aria-invalid="true" aria-describedby="err-reason" ' \
        'class="invalid"' in r.text
    for reg in (zr, zo):
        assert app_status(env, ids[reg]) == "待注册审批"
        assert count_events(env, ids[reg]) == events[reg]
    # a 报名号 that is not on the page it came from stays ticked below it
    r = rev.post("/admin/queue/decide", dict(form, q=zr))
    assert r.status_code == 400
    assert re.search(r'value="%s" checked>' % zr, r.text)
    extra = re.search(r'id="bulk-extra">(.*?)</div>', r.text, re.S).group(1)
    assert re.search(r'name="reg_no" value="%s"' % zo, extra)
    assert zr not in extra
    # nothing ticked, a conclusion that is none: also the form again
    r = rev.post("/admin/queue/decide", {"conclusion": "注册合格"})
    assert r.status_code == 400 and "请先勾选要审批的报名" in r.text
    assert 'id="bulk-form"' in r.text
    r = rev.post("/admin/queue/decide", {"reg_no": zr, "conclusion": "x"})
    assert r.status_code == 400
    assert 'id="err-conclusion">请选择注册结论。</p>' in r.text
    assert re.search(r'<select id="bulk-conclusion" name="conclusion" '
                     r'aria-invalid="true" aria-describedby='
                     r'"err-conclusion" class="invalid">', r.text)
    # the JSON twin: one refusal, with the field
    r = rev.post("/admin/api/queue/decide", form)
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "reason_required"
    assert err["fields"]["reason"]["code"] == "reason_required"
    r = rev.post("/admin/api/queue/decide", {"conclusion": "注册合格"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "none_selected"
    r = rev.post("/admin/api/queue/decide", {"reg_no": zr,
                                             "conclusion": "x"})
    assert r.json()["error"]["code"] == "conclusion_invalid"
    r = rev.post("/admin/api/queue/decide", {"reg_no": zr,
                                             "conclusion": "暂缓注册",
                                             "reason": "x" * 501})
    assert r.json()["error"]["fields"]["reason"]["code"] == "text_too_long"
    for reg in (zr, zo):
        assert app_status(env, ids[reg]) == "待注册审批"
        assert count_events(env, ids[reg]) == events[reg]


def test_bulk_decision_json_twin(env):
    """POST /admin/api/queue/decide: per 报名号 what was saved and what
    was not; a missing 报名号 and one outside the scope read the same;
    roles as the page's."""
    zr, zo, lr, ids = queued_pair(env)
    missing = "20261101019999990"
    rev = Staff(env, "dc-reviewer")
    r = rev.post("/admin/api/queue/decide",
                 {"reg_no": [zr, missing, lr], "conclusion": "暂缓注册",
                  "reason": "培训学时不足",
                  "message": "请补齐学时证明后再申请"})
    assert r.status_code == 200, r.text
    b = r.json()
    assert b["conclusion"] == "暂缓注册" and b["reason"] == "培训学时不足"
    assert b["saved"] == [{"reg_no": zr, "name": "张伟",
                           "conclusion": "暂缓注册"}]
    assert [f["reg_no"] for f in b["failures"]] == [missing, lr]
    f1, f2 = b["failures"]
    assert f1["code"] == f2["code"] == "not_found"
    assert f1["message"] == f2["message"] and "未找到该报名" in f1["message"]
    assert app_status(env, ids[zr]) == "暂缓注册"
    assert app_status(env, ids[zo]) == "待注册审批"
    assert app_status(env, ids[lr]) == "网报待确认"
    # the 留言 reached the applicant
    msg = env.sql("SELECT message FROM application_events WHERE "
                  "application_id = %s ORDER BY id DESC LIMIT 1" % ids[zr])
    assert msg == "请补齐学时证明后再申请"
    # the out-of-scope one was logged and audited as denied
    assert env.sql("SELECT COUNT(*) FROM audit_log WHERE action = "
                   "'scope.denied' AND target = 'application:%s' AND "
                   "actor = 'staff:dc-reviewer'" % ids[lr]) != "0"
    # decided already: refused, said why
    r = rev.post("/admin/api/queue/decide", {"reg_no": [zr, zo],
                                             "conclusion": "暂缓注册",
                                             "reason": "同上"})
    assert r.status_code == 200
    b = r.json()
    assert [s["reg_no"] for s in b["saved"]] == [zo]
    assert [(f["reg_no"], f["code"]) for f in b["failures"]] == \
        [(zr, "invalid_transition")]
    # roles: a 确认点 and a province may not decide
    for user in ("dc-point", "bj-province"):
        r = Staff(env, user).post("/admin/api/queue/decide",
                                  {"reg_no": zo, "conclusion": "注册合格"})
        assert r.status_code == 403, (user, r.status_code)
    assert app_status(env, ids[zo]) == "暂缓注册"
    from test_write_atomic import forget_decisions
    forget_decisions(env)
    env.sql("DELETE FROM registrations_history WHERE cert_no = '%s' AND "
            "registered_on >= '2026-01-01'" % ZHOU["cert"])


def test_bulk_and_audit_in_chromium(env):
    """At 1366x768, no JavaScript needed: a bulk 暂缓注册 sent without a
    reason comes back with the box ticked and the choice and 留言 kept,
    then is saved (the result page); the system admin reads it in the
    audit log, paged."""
    from browser import chromium, viewport_shot
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait
    from test_admin_support import STAFF_PASSWORD
    from test_write_atomic import forget_decisions

    def login(d, user, path):
        d.get(env.url + path)
        d.find_element(By.ID, "adm-username").send_keys(user)
        d.find_element(By.ID, "adm-password").send_keys(STAFF_PASSWORD)
        d.find_element(By.CSS_SELECTOR, ".adm-login button").click()

    def wait_for(d, css):
        return WebDriverWait(d, 10).until(ec.presence_of_element_located(
            (By.CSS_SELECTOR, css)))

    def shot(d, name):
        return viewport_shot(d, "admin-%s-%s" % (name, env.engine))

    zr, zo, lr, ids = queued_pair(env)
    d = chromium(1366, 768)
    try:
        login(d, "dc-reviewer", "/admin/queue?q=%E5%BC%A0%E4%BC%9F")
        box = wait_for(d, 'input[name="reg_no"][value="%s"]' % zr)
        box.click()
        Select(d.find_element(By.ID, "bulk-conclusion")).select_by_value(
            "暂缓注册")
        d.find_element(By.ID, "bulk-message").send_keys("请补齐学时证明")
        d.find_element(By.CSS_SELECTOR, ".adm-bulk button").click()
        wait_for(d, "#err-reason")
        assert "必须填写理由" in d.find_element(By.ID, "err-reason").text
        reason = d.find_element(By.ID, "bulk-reason")
        assert reason.get_attribute("aria-invalid") == "true"
        assert reason.get_attribute("aria-describedby") == "err-reason"
        assert d.find_element(By.CSS_SELECTOR, 'input[name="reg_no"]'
                              '[value="%s"]' % zr).is_selected()
        assert Select(d.find_element(By.ID, "bulk-conclusion")) \
            .first_selected_option.text == "暂缓注册"
        assert d.find_element(By.ID, "bulk-message").get_attribute(
            "value") == "请补齐学时证明"
        assert app_status(env, ids[zr]) == "待注册审批"
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                         d.find_element(By.ID, "bulk-reason"))
        shot(d, "bulk-refused")
        d.find_element(By.ID, "bulk-reason").send_keys("培训学时不足")
        d.find_element(By.CSS_SELECTOR, ".adm-bulk button").click()
        wait_for(d, "#bulk-saved")
        assert zr in d.find_element(By.ID, "bulk-saved").text
        shot(d, "bulk-result")
        assert app_status(env, ids[zr]) == "暂缓注册"
        d.quit()
        d = chromium(1366, 768)
        login(d, "sysadmin", "/admin/audit?actor=dc-reviewer")
        wait_for(d, "#audit-table")
        assert "作出结论：暂缓注册" in d.find_element(By.ID,
                                                    "audit-table").text
        assert d.find_element(By.CSS_SELECTOR, ".adm-pager-info")
        shot(d, "audit")
    finally:
        d.quit()
        forget_decisions(env)
