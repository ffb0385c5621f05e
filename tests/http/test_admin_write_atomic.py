"""The administration's multi-statement changes (issue 14) are
all-or-nothing, in the style of test_write_atomic.py: one statement of
the change is made to fail by a trigger, the change is asked for through
the real form, the answer is an error and nothing of it stayed; without
the trigger the same request succeeds."""
import pytest

from test_admin_orgs import make_org, make_point, org_form, point_form
from test_admin_staff import TEMP, NEW, login, make_staff, staff_form, uname
from test_admin_support import Staff
from test_write_atomic import failing, rows


def check(env, table, op, state, do, ok=303):
    before = rows(env, state)
    with failing(env, table, op):
        r = do()
        assert r.status_code >= 500, (r.status_code, r.text[:300])
        assert rows(env, state) == before
    r = do()
    assert r.status_code == ok, (r.status_code, r.text[:300])
    assert rows(env, state) != before


def test_institution_create_all_or_nothing(env):
    bj = Staff(env, "bj-province")
    code = "1101%05d" % (int(env.sql("SELECT COUNT(*) FROM institutions"))
                         * 7 % 100000)
    while env.sql("SELECT COUNT(*) FROM institutions WHERE code = '%s'"
                  % code) != "0":
        code = str(int(code) + 1)
    state = ("SELECT COUNT(*) FROM institutions WHERE code = '%s';"
             "SELECT COUNT(*) FROM audit_log WHERE action = "
             "'institution.create'" % code)
    check(env, "audit_log", "INSERT", state,
          lambda: org_form(bj, code=code))


@pytest.mark.parametrize("table,op", [("institutions", "UPDATE"),
                                      ("audit_log", "INSERT")])
def test_institution_deactivate_all_or_nothing(env, table, op):
    bj = Staff(env, "bj-province")
    inst = make_org(bj)
    state = ("SELECT active FROM institutions WHERE id = %s;"
             "SELECT COUNT(*) FROM audit_log WHERE target = "
             "'institution:%s'" % (inst, inst))
    check(env, table, op, state, lambda: bj.post(
        "/admin/institutions/%s/active" % inst, {"active": "0"}))


def test_point_create_all_or_nothing(env):
    bj = Staff(env, "bj-province")
    inst = make_org(bj)
    state = ("SELECT COUNT(*) FROM confirmation_points WHERE "
             "institution_id = %s;"
             "SELECT COUNT(*) FROM audit_log WHERE action = 'point.create'"
             % inst)
    check(env, "audit_log", "INSERT", state,
          lambda: point_form(bj, inst, name="原子确认点"))
    pt = make_point(env, bj, inst)
    state = "SELECT active FROM confirmation_points WHERE id = %s" % pt
    check(env, "audit_log", "INSERT", state, lambda: bj.post(
        "/admin/points/%s/active" % pt, {"active": "0"}))


def test_staff_create_all_or_nothing(env):
    sysadm = Staff(env, "sysadmin")
    user = uname("at")
    state = ("SELECT COUNT(*) FROM staff WHERE username = '%s';"
             "SELECT COUNT(*) FROM audit_log WHERE action = 'staff.create'"
             % user)
    check(env, "audit_log", "INSERT", state,
          lambda: staff_form(sysadm, username=user))


@pytest.mark.parametrize("table,op", [("staff", "UPDATE"),
                                      ("admin_sessions", "DELETE"),
                                      ("audit_log", "INSERT")])
def test_staff_reset_all_or_nothing(env, table, op):
    """The temporary password, the end of the sessions and the audit row
    together: a failed reset leaves the old password and the session."""
    sysadm = Staff(env, "sysadmin")
    user = uname("rz")
    sid = make_staff(env, sysadm, username=user)
    s, r = login(env, user, TEMP)
    assert r.status_code == 303
    state = ("SELECT password_hash FROM staff WHERE id = %s;"
             "SELECT COUNT(*) FROM admin_sessions WHERE staff_id = %s;"
             "SELECT COUNT(*) FROM audit_log WHERE target = 'staff:%s'"
             % (sid, sid, sid))
    check(env, table, op, state, lambda: sysadm.post(
        "/admin/staff/%s/reset" % sid, {"password": NEW, "confirm": NEW}))


@pytest.mark.parametrize("table,op", [("admin_sessions", "DELETE"),
                                      ("audit_log", "INSERT")])
def test_staff_deactivate_all_or_nothing(env, table, op):
    sysadm = Staff(env, "sysadmin")
    user = uname("dz")
    sid = make_staff(env, sysadm, username=user)
    s, r = login(env, user, TEMP)
    assert r.status_code == 303
    state = ("SELECT active FROM staff WHERE id = %s;"
             "SELECT COUNT(*) FROM admin_sessions WHERE staff_id = %s"
             % (sid, sid))
    check(env, table, op, state, lambda: sysadm.post(
        "/admin/staff/%s/active" % sid, {"active": "0"}))


def test_staff_unlock_all_or_nothing(env):
    sysadm = Staff(env, "sysadmin")
    user = uname("uz")
    sid = make_staff(env, sysadm, username=user)
    for _ in range(2):
        login(env, user, "Wrong#2026")
    state = ("SELECT COUNT(*) FROM rate_events WHERE kind LIKE "
             "'admin.login_fail%%' AND key LIKE '%s%%'" % user)
    state = state.replace("%%", "%")
    check(env, "audit_log", "INSERT", state,
          lambda: sysadm.post("/admin/staff/%s/unlock" % sid))


@pytest.mark.parametrize("table,op", [("admin_sessions", "DELETE"),
                                      ("audit_log", "INSERT")])
def test_own_password_all_or_nothing(env, table, op):
    sysadm = Staff(env, "sysadmin")
    user = uname("pz")
    make_staff(env, sysadm, username=user)
    other, r = login(env, user, TEMP)       # a second session of theirs
    st = Staff(env, user, TEMP)
    state = ("SELECT password_hash || must_change_password FROM staff "
             "WHERE username = '%s';"
             "SELECT COUNT(*) FROM admin_sessions s JOIN staff t ON "
             "t.id = s.staff_id WHERE t.username = '%s'" % (user, user))
    check(env, table, op, state, lambda: st.post(
        "/admin/password", {"old_password": TEMP, "password": NEW,
                            "confirm": NEW}))
    assert env.get("/admin/api/me", other).status_code == 401


def test_window_close_all_or_nothing(env):
    bj = Staff(env, "bj-province")
    inst = make_org(bj, stages=["小学"])
    r = bj.post("/admin/windows/save", {
        "institution_id": inst, "cycle_year": "2026",
        "starts": "2026-11-01T09:00", "ends": "2026-12-31T17:00"})
    assert r.status_code == 303, r.text[:300]
    wid = env.sql("SELECT id FROM windows WHERE institution_id = %s" % inst)
    state = "SELECT CAST(ends AS TEXT) FROM windows WHERE id = %s" % wid
    check(env, "audit_log", "INSERT", state,
          lambda: bj.post("/admin/windows/%s/close" % wid))


@pytest.mark.parametrize("user,path", [
    ("sysadmin", "/admin/audit.csv"),
    ("xc-reviewer", "/admin/stats.csv?year=2026"),
    ("xc-reviewer", "/admin/decided.csv?year=2026"),
])
def test_csv_export_leaves_only_with_its_audit_row(env, user, path):
    """Personal data leaves only with its audit row: when the row cannot
    be written the export is an error, not the file (the audit log's
    and the statistics' exports sent the file anyway)."""
    staff = Staff(env, user)
    staff.get("/admin/")        # logged in before the fault
    count = ("SELECT COUNT(*) FROM audit_log WHERE action LIKE '%.export'")
    before = rows(env, count)
    with failing(env, "audit_log", "INSERT"):
        r = staff.get(path)
        assert r.status_code >= 500, (r.status_code, r.text[:200])
        assert not r.headers.get("Content-Type", "").startswith("text/csv")
        assert rows(env, count) == before
    r = staff.get(path)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert int(rows(env, count)) == int(before) + 1
