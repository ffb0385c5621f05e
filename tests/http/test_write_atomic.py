"""Every multi-statement change is all-or-nothing (issue #13, point 1).

For each change an applicant or a clerk makes, one of its statements is
made to fail with a trigger (SQLite: RAISE(ABORT); PostgreSQL: a plpgsql
function that raises), the change is asked for through the real API or
form, and the test checks that the answer is an error, that nothing of the
change stayed in the database, and that the session is still there.  Then
the trigger goes and the same change succeeds, which proves the fault was
what stopped it (and that a half-spent SMS code or a left-over draft does
not block the retry).

The data are made the way users make them: applications through the
wizard's API (test_records.submit), codes through the SMS outbox."""
import contextlib
import itertools
import re

import pytest

from test_account_lib import (DEMO_PASSWORD, insert_account, outbox_code,
                              random_phone)
from test_admin_support import STAFF_PASSWORD, Staff
from test_records import BASE, app_id, edit_page_fields, submit
from test_wizard import api, api_walk_to, reset

FAULT_LOG = r"JSZG10012: statement \w+ failed: .*injected fault"
_seq = itertools.count(1)


@contextlib.contextmanager
def failing(env, table, op):
    """Statements that `op` (INSERT/UPDATE/DELETE) rows of `table` fail
    while inside the block."""
    name = "fault_%d" % next(_seq)
    if env.engine == "sqlite":
        env.sql("CREATE TRIGGER %s BEFORE %s ON %s BEGIN "
                "SELECT RAISE(ABORT, 'injected fault'); END;"
                % (name, op, table))
    else:
        env.sql("CREATE OR REPLACE FUNCTION fault_raise() RETURNS trigger "
                "AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$ "
                "LANGUAGE plpgsql; CREATE TRIGGER %s BEFORE %s ON %s "
                "FOR EACH ROW EXECUTE FUNCTION fault_raise();"
                % (name, op, table))
    env.expect_log(FAULT_LOG)
    try:
        yield
    finally:
        env.sql("DROP TRIGGER %s%s" % (
            name, "" if env.engine == "sqlite" else " ON %s" % table))


def rows(env, sql):
    return env.sql(sql)


def assert_failed(r):
    assert r.status_code >= 500 or r.status_code in (409, 422), \
        (r.status_code, r.text[:300])
    assert r.status_code != 200
    if r.headers.get("Content-Type", "").startswith("application/json"):
        assert r.json().get("ok") is not True


# ---- 修改密码 ------------------------------------------------------------

@pytest.mark.parametrize("table,op", [("accounts", "UPDATE"),
                                      ("sessions", "DELETE"),
                                      ("audit_log", "INSERT")])
def test_password_change_all_or_nothing(env, table, op):
    aid, idn, _ = insert_account(env, verified=1)
    s = env.login_as(aid)
    state = ("SELECT password_hash FROM accounts WHERE id = %d;"
             "SELECT COUNT(*) FROM sessions WHERE account_id = %d;"
             "SELECT COUNT(*) FROM audit_log WHERE target = '%s'"
             % (aid, aid, idn))
    before = rows(env, state)
    form = {"old_password": DEMO_PASSWORD, "password": "Newpass@2026x",
            "confirm": "Newpass@2026x"}
    with failing(env, table, op):
        r = api(env, s, "POST", "/api/v1/account/password", data=form)
        assert_failed(r)
        assert r.status_code == 500
        assert rows(env, state) == before
        # still logged in: the session survived the failed change
        assert env.get("/api/v1/account", s).status_code == 200
    r = api(env, s, "POST", "/api/v1/account/password", data=form)
    assert r.status_code == 200 and r.json()["ok"] is True
    assert rows(env, state) != before


# ---- 修改手机号码: the code spent, the phone set, the audit row ----------

@pytest.mark.parametrize("table,op", [("sms_codes", "UPDATE"),
                                      ("accounts", "UPDATE"),
                                      ("audit_log", "INSERT")])
def test_phone_change_all_or_nothing(env, table, op):
    aid, idn, old_phone = insert_account(env, verified=1)
    s = env.login_as(aid)
    phone = random_phone()
    r = api(env, s, "POST", "/api/v1/account/phone/code",
            data={"phone": phone})
    assert r.status_code == 200, r.text
    code = outbox_code(env, phone)
    assert code
    state = ("SELECT phone FROM accounts WHERE id = %d;"
             "SELECT used_at IS NULL, tries FROM sms_codes "
             "WHERE account_id = %d ORDER BY id;"
             "SELECT COUNT(*) FROM audit_log WHERE action = "
             "'account.phone_change' AND target = '%d'" % (aid, aid, aid))
    before = rows(env, state)
    with failing(env, table, op):
        r = api(env, s, "POST", "/api/v1/account/phone",
                data={"phone": phone, "code": code})
        assert_failed(r)
        assert rows(env, state) == before
    # the code was not spent by the failed change: it still works
    r = api(env, s, "POST", "/api/v1/account/phone",
            data={"phone": phone, "code": code})
    assert r.status_code == 200, r.text
    assert rows(env, "SELECT phone FROM accounts WHERE id = %d"
                % aid) == phone


# ---- 实名核验 -------------------------------------------------------------

@pytest.mark.parametrize("table,op", [("accounts", "UPDATE"),
                                      ("audit_log", "INSERT")])
def test_verify_all_or_nothing(env, table, op):
    aid, idn, _ = insert_account(env, name="李明", verified=0)
    env.sql("INSERT INTO identity_registry (id_type, id_number, name) "
            "VALUES ('居民身份证', '%s', '李明')" % idn)
    s = env.login_as(aid)
    state = ("SELECT verified, name FROM accounts WHERE id = %d;"
             "SELECT COUNT(*) FROM audit_log WHERE target = '%s'"
             % (aid, idn))
    before = rows(env, state)
    with failing(env, table, op):
        r = api(env, s, "POST", "/api/v1/account/verify",
                data={"name": "李明"})
        assert_failed(r)
        assert rows(env, state) == before
    r = api(env, s, "POST", "/api/v1/account/verify", data={"name": "李明"})
    assert r.status_code == 200, r.text
    assert rows(env, "SELECT verified FROM accounts WHERE id = %d"
                % aid) == "1"


# ---- 网上报名提交 ---------------------------------------------------------

@pytest.mark.parametrize("table,op", [("reg_counters", "UPDATE"),
                                      ("applications", "INSERT"),
                                      ("application_events", "INSERT"),
                                      ("idempotency_keys", "INSERT"),
                                      ("wizard_drafts", "DELETE")])
def test_submit_all_or_nothing(env, table, op):
    s = env.login_as(1)
    # a first application of the institution's cycle makes the counter
    # row; the UPDATE case needs it to exist
    submit(env, s)
    reset(env, 1)
    api_walk_to(env, s, 6)
    state = ("SELECT COUNT(*) FROM applications WHERE account_id = 1;"
             "SELECT COUNT(*) FROM idempotency_keys WHERE account_id = 1;"
             "SELECT step_done FROM wizard_drafts WHERE account_id = 1;"
             "SELECT institution_id, cycle_year, last_seq FROM reg_counters "
             "ORDER BY 1, 2")
    before = rows(env, state)
    key = env.get("/api/v1/dqzc/wizard/6", s).json()["submit_key"]
    with failing(env, table, op):
        r = api(env, s, "POST", "/api/v1/dqzc/wizard/6",
                data={"choice": "agree", "submit_key": key})
        assert_failed(r)
        assert r.status_code >= 500
        assert rows(env, state) == before
    # the draft is still there: the same submission now goes through
    r = api(env, s, "POST", "/api/v1/dqzc/wizard/6",
            data={"choice": "agree", "submit_key": key})
    assert r.status_code == 201, r.text


# ---- 修改 (records edit) --------------------------------------------------

@pytest.mark.parametrize("table,op", [("applications", "UPDATE"),
                                      ("application_events", "INSERT")])
def test_records_edit_all_or_nothing(env, table, op):
    s = env.login_as(1)
    reg = submit(env, s)
    html = env.get("%s/%s/edit" % (BASE, reg), s).text
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
    state = ("SELECT subject, data, updated_at FROM applications "
             "WHERE reg_no = '%s';"
             "SELECT COUNT(*) FROM application_events WHERE application_id "
             "= %s" % (reg, app_id(env, reg)))
    before = rows(env, state)
    with failing(env, table, op):
        r = env.post("%s/%s/edit" % (BASE, reg), s, data=form)
        assert r.status_code >= 500, (r.status_code, r.text[:200])
        assert rows(env, state) == before
    r = env.post("%s/%s/edit" % (BASE, reg), s, data=form)
    assert r.status_code == 303, r.text[:300]


# ---- the back office: 现场确认 and 注册结论 -------------------------------

@pytest.mark.parametrize("table,op", [("applications", "UPDATE"),
                                      ("application_events", "INSERT"),
                                      ("audit_log", "INSERT")])
def test_confirm_all_or_nothing(env, table, op):
    s = env.login_as(1)
    reg = submit(env, s)
    app = app_id(env, reg)
    point = Staff(env, "dc-point")
    state = ("SELECT status, has_message FROM applications WHERE id = %s;"
             "SELECT COUNT(*) FROM application_events WHERE "
             "application_id = %s;"
             "SELECT COUNT(*) FROM audit_log WHERE target = "
             "'application:%s' AND action LIKE 'application.%%'"
             % (app, app, app))
    before = rows(env, state)
    with failing(env, table, op):
        r = point.post("/admin/apps/%s/confirm" % app,
                       {"result": "complete"})
        assert r.status_code >= 500, (r.status_code, r.text[:200])
        assert rows(env, state) == before
    r = point.post("/admin/apps/%s/confirm" % app, {"result": "complete"})
    assert r.status_code == 303, r.text[:300]
    assert rows(env, "SELECT status FROM applications WHERE id = %s"
                % app) == "待注册审批"


def test_decision_history_row_all_or_nothing(env):
    s = env.login_as(1)
    reg = submit(env, s)
    app = app_id(env, reg)
    r = Staff(env, "dc-point").post("/admin/apps/%s/confirm" % app,
                                    {"result": "complete"})
    assert r.status_code == 303
    reviewer = Staff(env, "dc-reviewer")
    state = ("SELECT status FROM applications WHERE id = %s;"
             "SELECT COUNT(*) FROM application_events WHERE "
             "application_id = %s;"
             "SELECT COUNT(*) FROM registrations_history" % (app, app))
    before = rows(env, state)
    with failing(env, "registrations_history", "INSERT"):
        r = reviewer.post("/admin/apps/%s/decide" % app,
                          {"conclusion": "注册合格"})
        assert r.status_code >= 500, (r.status_code, r.text[:200])
        assert rows(env, state) == before
    r = reviewer.post("/admin/apps/%s/decide" % app,
                      {"conclusion": "注册合格"})
    assert r.status_code == 303, r.text[:300]


@pytest.mark.parametrize("to,table,op", [
    ("", "applications", "UPDATE"),
    ("", "registrations_history", "DELETE"),
    ("暂缓注册", "registrations_history", "UPDATE"),
    ("暂缓注册", "application_events", "INSERT"),
    ("", "audit_log", "INSERT")])
def test_conclusion_correction_all_or_nothing(env, to, table, op):
    """Withdrawing or correcting a 注册结论 (issue 14): status, the
    registration record, the event with its message and the audit row."""
    forget_decisions(env)
    s = env.login_as(1)
    reg = submit(env, s)
    app = app_id(env, reg)
    assert Staff(env, "dc-point").post("/admin/apps/%s/confirm" % app, {
        "result": "complete"}).status_code == 303
    reviewer = Staff(env, "dc-reviewer")
    assert reviewer.post("/admin/apps/%s/decide" % app, {
        "conclusion": "注册合格"}).status_code == 303
    state = ("SELECT status, has_message, decided_on FROM applications "
             "WHERE id = %s;"
             "SELECT COUNT(*) FROM application_events WHERE "
             "application_id = %s;"
             "SELECT COUNT(*) FROM audit_log WHERE target = "
             "'application:%s';"
             "SELECT conclusion FROM registrations_history ORDER BY id DESC "
             "LIMIT 1;"
             "SELECT COUNT(*) FROM registrations_history" % (app, app, app))
    before = rows(env, state)
    form = {"correct_to": to, "correct_reason": "结论有误"}
    with failing(env, table, op):
        r = reviewer.post("/admin/apps/%s/correct" % app, form)
        assert r.status_code >= 500, (r.status_code, r.text[:200])
        assert rows(env, state) == before
    r = reviewer.post("/admin/apps/%s/correct" % app, form)
    assert r.status_code == 303, r.text[:300]
    assert rows(env, "SELECT status FROM applications WHERE id = %s"
                % app) == (to or "待注册审批")
    forget_decisions(env)


def forget_decisions(env):
    """The registration records this run's decisions of 张伟's certificate
    wrote (a 注册合格 one blocks his next application for 5 years)."""
    env.sql("DELETE FROM registrations_history WHERE cert_no = "
            "'20101110121003456' AND registered_on >= '2026-01-01'")


# ---- 网报计划 (province) ---------------------------------------------------

def test_window_notes_all_or_nothing(env):
    prov = Staff(env, "bj-province")
    r = prov.get("/admin/windows")
    m = re.search(r'/admin/institutions/(\d+)/notes', r.text)
    assert m, "no notes link on /admin/windows"
    inst = m.group(1)
    state = ("SELECT notes FROM institutions WHERE id = %s;"
             "SELECT COUNT(*) FROM audit_log WHERE action = "
             "'institution.notes'" % inst)
    before = rows(env, state)
    text = "请携带身份证原件 %d" % next(_seq)
    with failing(env, "audit_log", "INSERT"):
        r = prov.post("/admin/institutions/%s/notes" % inst,
                      {"notes": text})
        assert r.status_code >= 500, (r.status_code, r.text[:200])
        assert rows(env, state) == before
    r = prov.post("/admin/institutions/%s/notes" % inst, {"notes": text})
    assert r.status_code == 303, r.text[:300]
    assert text in rows(env, state)


# ---- 工作人员登录 -----------------------------------------------------------

@pytest.mark.parametrize("table,op", [("admin_sessions", "INSERT"),
                                      ("staff", "UPDATE"),
                                      ("audit_log", "INSERT")])
def test_staff_login_all_or_nothing(env, table, op):
    """The session row, the last-login time and the audit row of a staff
    login: together, and no cookie unless all of them stayed."""
    state = ("SELECT COUNT(*) FROM admin_sessions;"
             "SELECT COALESCE(last_login_at, 0) FROM staff WHERE username "
             "= 'dc-point';"
             "SELECT COUNT(*) FROM audit_log WHERE action = 'login' AND "
             "actor = 'staff:dc-point'")
    before = rows(env, state)
    s = env.session()
    data = {"_csrf": env.csrf(s), "username": "dc-point",
            "password": STAFF_PASSWORD, "next": "/admin/"}
    with failing(env, table, op):
        r = env.post("/admin/login", s, data=data)
        assert r.status_code >= 500, (r.status_code, r.text[:300])
        assert "jszg_admin" not in r.headers.get("Set-Cookie", "")
        assert rows(env, state) == before
    Staff(env, "dc-point")


# ---- 数据导入 (province) ----------------------------------------------------

def _import(st, csv, mode="apply"):
    return st.post("/admin/import", {"kind": "assessments", "mode": mode},
                   files={"file": ("kh.csv", csv.encode(), "text/csv")})


@pytest.mark.parametrize("table,op", [("annual_assessments", "INSERT"),
                                      ("import_batches", "INSERT"),
                                      ("audit_log", "INSERT")])
def test_import_apply_all_or_nothing(env, table, op):
    """The rows, the batch row that says "applied" and the audit row are
    one transaction: any of them failing leaves none of them."""
    sa = Staff(env, "sysadmin")
    unit = "原子导入%d" % next(_seq)
    csv = ("证件号码,年度,考核结果,单位\n"
           "11010519491231002X,2013,合格,%s\n"
           "11010519491231002X,2014,优秀,%s\n" % (unit, unit))
    state = ("SELECT COUNT(*) FROM annual_assessments WHERE unit = '%s';"
             "SELECT COUNT(*) FROM import_batches WHERE state = 'applied';"
             "SELECT COUNT(*) FROM audit_log WHERE action = 'import.apply'"
             % unit)
    before = rows(env, state)
    with failing(env, table, op):
        r = _import(sa, csv)
        assert r.status_code == 422, (r.status_code, r.text[:300])
        assert "已撤销本次导入的全部数据" in r.text
        assert rows(env, state) == before
    r = _import(sa, csv)
    assert r.status_code == 200 and "已导入2行" in r.text, r.text[-600:]
    after = [int(x) for x in rows(env, state).split("\n")]
    assert after[0] == 2
    assert after[1:] == [int(x) + 1 for x in before.split("\n")[1:]]


def test_import_check_record_all_or_nothing(env):
    """A dry run writes its batch row and its audit row together."""
    sa = Staff(env, "sysadmin")
    state = ("SELECT COUNT(*) FROM import_batches;"
             "SELECT COUNT(*) FROM audit_log WHERE action = 'import.dry'")
    before = rows(env, state)
    csv = "证件号码,年度,考核结果,单位\n11010519491231002X,2013,合格,甲\n"
    with failing(env, "audit_log", "INSERT"):
        r = _import(sa, csv, mode="dry")
        assert r.status_code >= 500, (r.status_code, r.text[:300])
        assert rows(env, state) == before
    assert _import(sa, csv, mode="dry").status_code == 200


# ---- a live schema change (make migrate while httpd runs) ----------------

def test_schema_change_on_live_database(env):
    """SQLite: statements prepared before a schema change fail with
    SQLITE_SCHEMA until prepared again; the module does that itself.
    PostgreSQL re-plans prepared statements on its own: same answers."""
    s = env.login_as(1)
    assert env.get("/api/v1/account", s).status_code == 200
    env.sql("CREATE TABLE live_migration_probe (id INTEGER PRIMARY KEY)")
    try:
        for _ in range(20):     # every child, every pooled connection
            assert env.get("/api/v1/account", s).status_code == 200
            assert env.get("/", s).status_code == 200
        r = api(env, s, "POST", "/api/v1/dqzc/start",
                data={"institution_id": "2", "point_id": "201",
                      "stage": "小学"})
        assert r.status_code == 201, r.text
    finally:
        env.sql("DROP TABLE live_migration_probe")
        reset(env, 1)
    for _ in range(10):
        assert env.get("/api/v1/account", s).status_code == 200
