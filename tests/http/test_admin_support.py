"""Helpers of the back-office tests (no tests here): staff logins through
the real login form, applications inserted with SQL following
sql/*/003_wizard.sql, and the CSRF token an admin POST carries (bound to
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


def make_app(env, institution=2, point=201, account=1, status="网报待确认",
             stage="小学", subject="数学", cycle=2026, photo=True):
    """An application row as the wizard's submission writes it, with its
    first event.  Returns the id (as a string)."""
    code = env.sql("SELECT code FROM institutions WHERE id = %d"
                   % institution)
    while True:     # a number no other test (or the wizard) has used
        n = next(_seq) * 1000 + random.randrange(1000)
        reg_no = "2026%s9%05d0" % (code, n % 100000)
        if env.sql("SELECT COUNT(*) FROM applications WHERE reg_no = '%s'"
                   % reg_no) == "0":
            break
    cert_no = "2099%013d" % random.randrange(10 ** 13)
    photo_rel = "photos/test-%d.jpg" % n
    if photo:
        env.write_upload(photo_rel, PHOTO_JPEG)
    data = json.dumps({"name": "张伟", "sex": "男", "school": "和平里第一小学",
                       "phone": "13911010001"}, ensure_ascii=False)
    now = int(time.time())
    env.sql("INSERT INTO applications (reg_no, account_id, cert_no, "
            "cert_kind_name, cert_subject, cert_source, cycle_year, "
            "institution_id, point_id, stage, subject, status, has_message, "
            "data, photo_path, submitted_at, updated_at) VALUES "
            "('%s', %d, '%s', '小学教师资格', '数学', 'registry', %d, %d, "
            "%d, '%s', '%s', '%s', 0, '%s', '%s', %d, %d)"
            % (reg_no, account, cert_no, cycle, institution, point, stage,
               subject, status, data, photo_rel, now, now))
    app_id = env.sql("SELECT id FROM applications WHERE reg_no = '%s'"
                     % reg_no)
    env.sql("INSERT INTO application_events (application_id, at, actor, "
            "from_status, to_status, note, message) VALUES (%s, %d, "
            "'account:%d', NULL, '网报待确认', '网上提交', NULL)"
            % (app_id, now, account))
    return app_id


def reg_no_of(env, app_id):
    return env.sql("SELECT reg_no FROM applications WHERE id = %s" % app_id)


def error_code(r):
    """The stable code of an error answer: JSON, or the admin error page's
    <code> element."""
    if r.headers.get("Content-Type", "").startswith("application/json"):
        return r.json()["error"]["code"]
    m = re.search(r"<code>([a-z_]+)</code>", r.text)
    return m.group(1) if m else None
