"""Shared pieces of the security suite (no tests here): the route table
read from /dev/routes, concrete paths for its patterns, the roles that
may use each route, the payload classes and the checks every answer
must pass.

A new route is covered automatically: it is read from the route table,
its {placeholders} are filled (unknown names get "1"), and unless the
table says it is public ("access" in /dev/routes) it must refuse a
visitor who is not logged in; a staff route ("staff:<roles>") must
refuse an applicant too."""
import glob
import os
import re
from html.parser import HTMLParser

from jszg_env import TOP
from test_admin_support import Staff, make_app, reg_no_of

# Routes anyone may use without logging in.  Which routes are public is
# the route table's word ("access" in /dev/routes); this list only makes
# a new public route a decision: test_public_routes_are_on_purpose fails
# until it is added here.
PUBLIC = re.compile(r"^(/|/_error|/api/v1/(csrf|health|captcha|register|login"
                    r"|logout|password/.*|regions.*|institutions.*|faq.*|queue"
                    r"|cert/.*)|/services.*|/news.*|/notices.*|/windows"
                    r"|/help.*|/search|/register|/login|/logout|/forgot.*"
                    r"|/captcha/.*|/cert|/platform/pictools|/dev/.*|/a11y/mode"
                    r"|/admin/login)$")

# Seed accounts (sql/seed): 1 张伟 and 8 周敏 are both verified applicants.
OWNER, OTHER = 1, 8

# The payload classes: every field gets each once.
SQL_PAYLOADS = [
    "' OR '1'='1",
    "\"; DROP TABLE accounts; --",
    "1' UNION SELECT password_hash FROM staff --",
    "/* */ % _ \\ ' \\' ;",
    "abc\x00def",
]
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
]
# What must never appear raw in an HTML answer (javascript: is checked
# where it could become a link: in href/src attributes).
XSS_MARKERS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]

SQL_ERROR = re.compile(r"syntax error|SQLITE_|sqlite3|unterminated quoted"
                       r"|ERROR:\s+\w|near \"|pgsql|SQLSTATE|apr_dbd",
                       re.I)


def routes(env):
    r = env.get("/dev/routes")
    assert r.status_code == 200
    return r.json()["routes"]


_ACCESS = {}


def access_of(env, pattern):
    """Who may call `pattern`, as the route table says: "public",
    "applicant" or "staff:<role>,...".  Every method of a pattern has
    the same rule."""
    table = _ACCESS.get(id(env))
    if table is None:
        table = {}
        for rt in routes(env):
            prev = table.setdefault(rt["pattern"], rt["access"])
            assert prev == rt["access"], (rt, prev)
        _ACCESS[id(env)] = table
    return table[pattern]


def is_staff(env, pattern):
    """A staff route: the back office's guard refuses anyone else."""
    return access_of(env, pattern).startswith("staff:")


def is_public(env, pattern):
    return access_of(env, pattern) == "public"


class World:
    """The fixture data of one env: two applicants, an application of
    the first in 北京市东城区 (institution 2, point 201), staff inside
    and outside its scope, and the ids every {placeholder} needs."""

    def __init__(self, env):
        self.env = env
        # the owner's application made through the wizard, as a user would
        from test_records import submit
        self.reg_no = submit(env, env.login_as(OWNER))
        self.app_id = env.sql("SELECT id FROM applications WHERE reg_no = "
                              "'%s'" % self.reg_no)
        # one waiting for the 注册机构's decision: the decide forms show
        self.queued_app = make_app(env, institution=2, point=201,
                                   account=3, status="待注册审批")
        # an application of OTHER too: OTHER's own pages have data
        self.other_app = make_app(env, institution=3, point=301,
                                  account=OTHER)
        self.other_reg = reg_no_of(env, self.other_app)
        self.window_id = env.sql("SELECT id FROM windows WHERE "
                                 "institution_id = 2 ORDER BY id LIMIT 1")
        self.review_id = env.sql("SELECT MIN(id) FROM identity_reviews")
        self.staff = {}
        self._first = None

    def staff_session(self, username):
        if username not in self.staff:
            self.staff[username] = Staff(self.env, username)
        return self.staff[username]

    def values(self, pattern):
        """Values for the placeholders of pattern, as the owner of the
        data (account 1, or staff in scope of institution 2) sees them."""
        if self._first is None:     # asked once: a query costs a psql
            self._first = {t: self.env.sql("SELECT MIN(id) FROM %s" % t)
                           for t in ("news", "notices")}
        ids = {"/news/": self._first["news"],
               "/notices/": self._first["notices"],
               "/admin/apps/": self.app_id,
               "/admin/api/apps/": self.app_id,
               "/admin/windows/": self.window_id,
               "/admin/institutions/": "2",
               "/api/v1/institutions/": "2",
               "/admin/reviews/identity/": self.review_id,
               "/dev/reviews/": self.review_id,
               "/admin/reviews/certs/": "1",
               # administration (issue 14): 北京's objects; the account
               # is the 停用 'retired' (institution 2), whose reset form
               # the injection suite may fill without locking anyone out
               "/admin/api/institutions/": "2",
               "/admin/points/": "201", "/admin/api/points/": "201",
               "/admin/staff/": "13", "/admin/api/staff/": "13",
               "/admin/api/windows/": self.window_id}
        v = {"regno": self.reg_no, "biz": "dqzc", "step": "1", "n": "1",
             "code": "110000", "token": "x", "img": "bg.png",
             "side": "front"}
        for prefix, value in ids.items():
            if pattern.startswith(prefix):
                v["id"] = value
        return v


def concrete(pattern, values=None):
    values = values or {}
    return re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), "1"),
                  pattern)


def query_names():
    """Every query parameter any handler reads (from the sources)."""
    names = set()
    for path in glob.glob(os.path.join(TOP, "mod_jszg", "**", "*.c"),
                          recursive=True):
        with open(path, encoding="utf-8") as f:
            names.update(re.findall(r'jszg_query(?:_int)?\(jr,\s*"(\w+)"',
                                    f.read()))
    return sorted(names)


# ---- forms -------------------------------------------------------------

TEXT_TYPES = {"text", "search", "tel", "email", "password", "url", "number",
              "date", "month", "hidden", "datetime-local", "time",
              None}


class FormParser(HTMLParser):
    """The <form>s of a page: action, method and their fields."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.cur = None
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.cur = {"action": a.get("action") or "",
                        "method": (a.get("method") or "get").lower(),
                        "enctype": a.get("enctype") or "",
                        "fields": [], "id": a.get("id")}
            self.forms.append(self.cur)
            return
        if self.cur is None:
            return
        if tag == "input" and a.get("name"):
            t = (a.get("type") or "text").lower()
            if t in ("submit", "button", "image", "reset"):
                if a.get("name"):
                    self.cur["fields"].append(
                        {"name": a["name"], "type": "submit",
                         "value": a.get("value") or ""})
                return
            if t in ("checkbox", "radio") and "checked" not in a:
                self.cur["fields"].append(
                    {"name": a["name"], "type": t, "value": a.get("value")
                     or "on", "unchecked": True})
                return
            self.cur["fields"].append({"name": a["name"], "type": t,
                                       "value": a.get("value") or ""})
        elif tag == "textarea" and a.get("name"):
            self.textarea = {"name": a["name"], "type": "textarea",
                             "value": ""}
            self.cur["fields"].append(self.textarea)
        elif tag == "select" and a.get("name"):
            self.select = {"name": a["name"], "type": "select", "value": None}
            self.cur["fields"].append(self.select)
        elif tag == "option" and self.select is not None:
            if self.select["value"] is None or "selected" in a:
                self.select["value"] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.cur = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea["value"] += data


def forms_of(html):
    p = FormParser()
    p.feed(html)
    return p.forms


def is_text_field(f):
    return f["type"] in TEXT_TYPES or f["type"] == "textarea"


# ---- checks every answer must pass ----------------------------------------

def check_answer(r, what, payloads=()):
    """Never a 5xx, and no payload raw in an HTML body."""
    assert r.status_code < 500, (what, r.status_code, r.text[:300])
    ct = r.headers.get("Content-Type", "")
    if "html" in ct:
        body = r.text
        for marker in XSS_MARKERS:
            assert marker not in body, (what, "raw payload in the page",
                                        marker)
        for m in re.finditer(r'(?:href|src|action)\s*=\s*"\s*javascript:',
                             body, re.I):
            raise AssertionError((what, "javascript: URL in the page",
                                  body[m.start():m.start() + 80]))
    if "json" in ct:
        # a JSON body is data, not markup, but must be real JSON
        r.json()
    assert not SQL_ERROR.search(r.text or ""), (what, "SQL error shown",
                                                SQL_ERROR.search(r.text)
                                                .group(0))


def log_since(env):
    """The error-log lines written since the test started (any level)."""
    with open(env.error_log, encoding="utf-8", errors="replace") as f:
        f.seek(env.log_pos)
        return f.read().splitlines()


def access_log_since(env, pos):
    path = os.path.join(env.root, "logs", "access_log")
    with open(path, encoding="utf-8", errors="replace") as f:
        f.seek(pos)
        return f.read().splitlines()


def access_log_pos(env):
    path = os.path.join(env.root, "logs", "access_log")
    return os.path.getsize(path) if os.path.exists(path) else 0


def assert_no_sql_error_logged(env):
    bad = [ln for ln in log_since(env) if SQL_ERROR.search(ln)]
    assert not bad, "SQL errors in the error log:\n" + "\n".join(bad[:10])


# Tables whose rows are the business state: an invalid input must not
# change them (rate_events, audit_log, sessions, captchas are bookkeeping).
STATE_TABLES = ["accounts", "applications", "application_events",
                "windows", "institutions", "certificates",
                "manual_certificates", "identity_reviews", "schools",
                "staff", "news", "notices", "faq"]


def snapshot(env):
    """The business state, in one query (sorted lines)."""
    parts = ["SELECT 'n:%s:' || COUNT(*) FROM %s" % (t, t)
             for t in STATE_TABLES]
    parts.append("SELECT 'a:' || id || ':' || name || ':' || phone || ':' "
                 "|| COALESCE(email, '') || ':' || password_hash || ':' "
                 "|| verified FROM accounts WHERE id IN (1, 2, 8)")
    parts.append("SELECT 'p:' || id || ':' || status || ':' || "
                 "COALESCE(updated_at, 0) || ':' || has_message "
                 "FROM applications")
    parts.append("SELECT 'w:' || id || ':' || starts || ':' || ends "
                 "FROM windows")
    return sorted(env.sql(" UNION ALL ".join(parts)).splitlines())
