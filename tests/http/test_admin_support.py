"""Helpers of the back-office tests (no tests here): staff logins through
the real login form, applications derived from one made through the real
wizard (make_app; tests/http/test_admin_fixture.py checks it writes what
the wizard writes), and the CSRF token an admin POST carries (bound to
the staff session, sent as `_csrf` like every POST)."""
import itertools
import json
import os
import random
import re
import time

STAFF_PASSWORD = "Staff@2026"
_seq = itertools.count(1)

# the unit tests' photo fixture: a real JPEG, so that the browser shows it
TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
with open(os.path.join(TOP, "tests", "unit", "fixtures", "photo.jpg"),
          "rb") as _f:
    PHOTO_JPEG = _f.read()


class Staff:
    """A requests.Session logged in to the back office as `username`."""

    def __init__(self, env, username, password=STAFF_PASSWORD):
        self.env = env
        self.username = username
        self.s = env.session()
        token = env.csrf(self.s)
        data = {"_csrf": token, "username": username, "password": password,
                "next": "/admin/"}
        r = env.post("/admin/login", self.s, data=data)
        if r.status_code == 200 and 'name="captcha_token"' in r.text:
            # the username failed recently (another test's wrong
            # passwords): the form asks for the captcha first
            data.update(solve_staff_captcha(env, r.text))
            r = env.post("/admin/login", self.s, data=data, headers={
                "X-Jszg-Test-Now": str(int(time.time()) + 2)})
        assert r.status_code == 303, (username, r.status_code, r.text[:300])
        assert r.headers["Location"] == "/admin/"
        self.refresh_tokens()

    def refresh_tokens(self):
        r = self.env.get("/admin/api/csrf", self.s)
        assert r.status_code == 200, r.text
        self.csrf = r.json()["csrf"]

    def get(self, path, **kw):
        return self.env.get(path, self.s, **kw)

    def post(self, path, data=None, tokens=True, **kw):
        data = dict(data or {})
        if tokens:
            data.setdefault("_csrf", self.csrf)
        return self.env.post(path, self.s, data=data, **kw)


def solve_staff_captcha(env, html, delta=0):
    """The captcha fields for the no-JS challenge of the staff login
    form (the answer from the server's own records, as the account tests
    do)."""
    from test_account_lib import captcha_answer, field
    token = field(html, "captcha_token")
    return {"captcha_token": token,
            "captcha_answer": str(captcha_answer(env, token) + delta)}


def app_status(env, app_id):
    return env.sql("SELECT status FROM applications WHERE id = %d"
                   % int(app_id))


def count_events(env, app_id):
    return int(env.sql("SELECT COUNT(*) FROM application_events "
                       "WHERE application_id = %d" % int(app_id)))


# Every column of applications, in the order of sql/*/003_wizard.sql.
APP_COLUMNS = ("reg_no", "account_id", "cert_no", "cert_kind_name",
               "cert_subject", "cert_source", "cycle_year", "institution_id",
               "point_id", "stage", "subject", "status", "has_message",
               "photo_path", "submitted_at", "updated_at", "decided_on",
               "data")
EVENT_COLUMNS = ("at", "actor", "from_status", "to_status", "note",
                 "message")
# The input of the one wizard-made application every make_app starts
# from: 张伟 (account 1, seed), his registry certificate, 东城 (2) point
# 201, 小学 数学, test_wizard.PERSON.
WIZARD_ACCOUNT = 1
WIZARD_CERT = "20101110121003456"


def _quote(v):
    if v is None:
        return "NULL"
    return "'%s'" % str(v).replace("'", "''")


def app_row(env, where):
    """The columns of one application (dict; data parsed) and its events
    (list of dicts, oldest first), or None."""
    line = env.sql("SELECT %s FROM applications WHERE %s"
                   % (", ".join(APP_COLUMNS), where))
    if not line:
        return None
    vals = line.split("|", len(APP_COLUMNS) - 1)   # data (last) may hold |
    row = dict(zip(APP_COLUMNS, vals))
    row["data"] = json.loads(row["data"])
    for k in ("decided_on",):
        row[k] = row[k] or None
    app_id = env.sql("SELECT id FROM applications WHERE %s" % where)
    events = []
    for ev in env.sql("SELECT %s FROM application_events WHERE "
                      "application_id = %s ORDER BY id"
                      % (", ".join(EVENT_COLUMNS), app_id)).splitlines():
        e = dict(zip(EVENT_COLUMNS, ev.split("|", len(EVENT_COLUMNS) - 1)))
        events.append({k: (v if v != "" else None) for k, v in e.items()})
    return row, events


def wizard_app(env):
    """The row and events of one application made through the real
    wizard (the JSON API, steps 1-6) with the WIZARD_* input, made once
    per env (engine) and kept: make_app derives every other one from it.
    张伟's applications stay as they were: an untouched one the wizard
    made with that input (e.g. the security suite's) is read as it is;
    else one is made without test_wizard.reset when the wizard lets him
    apply, and deleted again once read (reset only when an open
    application of his blocks it)."""
    made = getattr(env, "_wizard_app", None)
    if made:
        return made
    from test_records import submit
    from test_wizard import PERSON, api, api_walk_to
    reg_no = env.sql(
        "SELECT a.reg_no FROM applications a WHERE a.account_id = %d AND "
        "a.cert_no = '%s' AND a.institution_id = 2 AND a.point_id = 201 "
        "AND a.stage = '小学' AND a.subject = '数学' AND a.status = "
        "'网报待确认' AND a.updated_at = a.submitted_at AND (SELECT "
        "COUNT(*) FROM application_events e WHERE e.application_id = a.id) "
        "= 1 ORDER BY a.id DESC LIMIT 1" % (WIZARD_ACCOUNT, WIZARD_CERT))
    if reg_no:
        row, events = app_row(env, "reg_no = '%s'" % reg_no)
        person = dict(row["data"].get("person", {}))
        person.pop("grad_school_name", None)
        if person == PERSON and events[0]["actor"] == "applicant:%d" \
                % WIZARD_ACCOUNT:
            env._wizard_app = (row, events)
            return env._wizard_app
    s = env.login_as(WIZARD_ACCOUNT)
    try:
        api_walk_to(env, s, 6, cert=WIZARD_CERT)
        key = env.get("/api/v1/dqzc/wizard/6", s).json()["submit_key"]
        r = api(env, s, "POST", "/api/v1/dqzc/wizard/6",
                data={"choice": "agree", "submit_key": key})
        assert r.status_code == 201, r.text
        reg_no = r.json()["reg_no"]
    except AssertionError:
        reg_no = submit(env, s, account=WIZARD_ACCOUNT)
    row, events = app_row(env, "reg_no = '%s'" % reg_no)
    env.sql("DELETE FROM application_events WHERE application_id = "
            "(SELECT id FROM applications WHERE reg_no = '%s')" % reg_no)
    env.sql("DELETE FROM applications WHERE reg_no = '%s'" % reg_no)
    env.sql("DELETE FROM idempotency_keys WHERE result = '%s'" % reg_no)
    env._wizard_app = (row, events)
    return env._wizard_app


def identity_of(env, account):
    """The identity group the wizard writes for an account (as
    jszg_wz_identity_block: the account's own fields)."""
    keys = ("name", "ethnicity", "id_type", "sex", "id_number",
            "birth_date")
    vals = env.sql("SELECT %s FROM accounts WHERE id = %d"
                   % (", ".join(keys), int(account))).split("|")
    out = {k: v for k, v in zip(keys, vals) if v != ""}
    if "ethnicity" not in out:
        out["need_ethnicity"] = True
    if "birth_date" not in out:
        n = out.get("id_number", "")
        if out.get("id_type") == "居民身份证" and len(n) == 18:
            out["birth_date"] = "%s-%s-%s" % (n[6:10], n[10:12], n[12:14])
        else:
            out["need_birth_date"] = True
    return out


def new_app_row(env, institution=2, point=201, account=WIZARD_ACCOUNT,
                stage="小学", subject="数学", cycle=2026, cert_no=None,
                now=None):
    """The row and first event the wizard's submission writes for this
    input, derived from wizard_app: the account's identity, the choice
    of institution, point, 学段 and 学科 (province and city as step 3
    posts them: the institution's province and city), the certificate group of the wizard's
    application under cert_no (a fresh 17-digit number by default, so that
    one holder can have several open applications), the personal data as
    submitted.  reg_no and photo_path are left to the caller."""
    base, base_events = wizard_app(env)
    now = int(time.time()) if now is None else now
    cert_no = cert_no or "2099%013d" % random.randrange(10 ** 13)
    prov, city = env.sql("SELECT province_code, COALESCE(city_code, "
                         "region_code) FROM institutions WHERE id = %d"
                         % int(institution)).split("|")
    data = json.loads(json.dumps(base["data"]))
    data["identity"] = identity_of(env, account)
    data["cert"]["cert_no"] = cert_no
    data["choice"] = {"province": prov, "city": city, "stage": stage,
                      "subject": subject,
                      "institution_id": str(institution),
                      "point_id": str(point)}
    row = dict(base, reg_no=None, photo_path=None, account_id=str(account),
               cert_no=cert_no, cycle_year=str(cycle),
               institution_id=str(institution), point_id=str(point),
               stage=stage, subject=subject,
               submitted_at=str(now), updated_at=str(now), data=data)
    event = dict(base_events[0], at=str(now),
                 actor="applicant:%d" % int(account))
    return row, [event]


def make_app(env, institution=2, point=201, account=1, status="网报待确认",
             stage="小学", subject="数学", cycle=2026, photo=True):
    """An application as the wizard's submission writes it (new_app_row:
    columns, the nested data groups identity/cert/person/choice, the
    applicant's submission event), then moved to `status` by staff
    through the real back office (move_through_staff).  Returns the id (as a
    string).  tests/http/test_admin_fixture.py checks that it equals
    what the wizard writes for the same input."""
    code = env.sql("SELECT code FROM institutions WHERE id = %d"
                   % institution)
    while True:     # a number no other test (or the wizard) has used
        n = next(_seq) * 1000 + random.randrange(1000)
        reg_no = "2026%s9%05d0" % (code, n % 100000)
        if env.sql("SELECT COUNT(*) FROM applications WHERE reg_no = '%s'"
                   % reg_no) == "0":
            break
    row, events = new_app_row(env, institution, point, account, stage,
                              subject, cycle)
    row["reg_no"] = reg_no
    row["photo_path"] = "photos/test-%d.jpg" % n
    if photo:
        env.write_upload(row["photo_path"], PHOTO_JPEG)
    vals = dict(row, data=json.dumps(row["data"], ensure_ascii=False,
                                     separators=(",", ":")))
    env.sql("INSERT INTO applications (%s) VALUES (%s)"
            % (", ".join(APP_COLUMNS),
               ", ".join(_quote(vals[c]) for c in APP_COLUMNS)))
    app_id = env.sql("SELECT id FROM applications WHERE reg_no = '%s'"
                     % reg_no)
    for e in events:
        env.sql("INSERT INTO application_events (application_id, %s) "
                "VALUES (%s, %s)" % (", ".join(EVENT_COLUMNS), app_id,
                                     ", ".join(_quote(e[c])
                                               for c in EVENT_COLUMNS)))
    if status != "网报待确认":
        move_through_staff(env, app_id, status)
    return app_id


def staff_of(env, role, column, value):
    """The username of an active staff member of a point or an
    institution (sql/seed/400_staff.sql)."""
    name = env.sql("SELECT username FROM staff WHERE role = '%s' AND %s = "
                   "%d AND active = 1 ORDER BY id LIMIT 1"
                   % (role, column, int(value)))
    assert name, (role, column, value)
    return name


def move_through_staff(env, app_id, status):
    """A submitted application to `status` the way staff move it: the
    confirmation point's 现场确认 form (材料齐全 or 材料不全), then the
    注册机构's decision, through the real back office."""
    inst, point = env.sql("SELECT institution_id, point_id FROM "
                          "applications WHERE id = %s" % app_id).split("|")
    pt = Staff(env, staff_of(env, "point", "point_id", point))
    if status == "确认未通过":
        r = pt.post("/admin/api/apps/%s/confirm" % app_id,
                    {"result": "incomplete", "missing": "聘用合同复印件"})
    else:
        r = pt.post("/admin/api/apps/%s/confirm" % app_id,
                    {"result": "complete"})
    assert r.status_code in (200, 303), (status, r.status_code,
                                         error_code(r), re.sub(
                                             r"<[^>]+>", "", r.text)[-600:])
    if status in ("注册合格", "暂缓注册", "注册不合格"):
        st = Staff(env, staff_of(env, "institution", "institution_id", inst))
        data = {"conclusion": status}
        if status != "注册合格":
            data["reason"] = "培训学时不足360学时"
        r = st.post("/admin/api/apps/%s/decide" % app_id, data)
        assert r.status_code in (200, 303), (status, r.status_code,
                                             r.text[:300])
    assert app_status(env, app_id) == status, status


def reg_no_of(env, app_id):
    return env.sql("SELECT reg_no FROM applications WHERE id = %s" % app_id)


def error_code(r):
    """The stable code of an error answer: JSON, or the admin error page's
    <code> element."""
    if r.headers.get("Content-Type", "").startswith("application/json"):
        return r.json()["error"]["code"]
    m = re.search(r"<code>([a-z_]+)</code>", r.text)
    return m.group(1) if m else None
