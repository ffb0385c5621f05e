"""axe-core on every HTML page of the route table (issue 19): read from
/dev/routes, so a page added later is checked without touching this file.
Each page in its main states — empty, a form sent empty (its errors),
lists with data made through the wizard/API — at 1366 and 390 px, in one
headless Chromium.  Any serious or critical violation fails; minor and
moderate ones are listed in the output and in
build/test-output/a11y-axe-<part>-<engine>.txt."""
import re
import time

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from a11y_lib import Axe
from sec_lib import (OWNER, World, concrete, is_staff,  # noqa: E402
                     routes)
from test_account_lib import captcha_answer, field
from test_wizard import api_walk_to, reset

# staff tried in turn for a back-office page: the first who may see it
STAFF = ("dc-reviewer", "dc-point", "bj-province", "sysadmin")
# an applicant whose draft walks through the wizard's steps: 李娜, 初中语文
# in 武汉市武昌区 (institution 10, point 1001; sql/seed)
WIZ_ACCOUNT = 2
WIZ_WALK = dict(institution="10", point="1001", cert="20134210232005821",
                stage="初级中学", subject="语文", province="420000",
                city="420100")


@pytest.fixture(scope="module")
def axe(env):
    # what axe-core judges (structure, names, roles, contrast) is the
    # templates', the same on both engines, whose data paths the rest of
    # the suite covers: once is enough (README "Tests": the suite's time)
    if env.engine != "sqlite":
        pytest.skip("accessibility of the templates: checked on SQLite")
    a = Axe(env)
    yield a
    a.quit()


@pytest.fixture(scope="module")
def world(env):
    return World(env)


def html_pages(env):
    """The GET routes that answer with a page (not the API, not images
    or the PDF: those are told apart by their answer below)."""
    return [rt for rt in routes(env)
            if rt["method"] == "GET" and not rt["api"]]


def is_html(r):
    return "text/html" in r.headers.get("Content-Type", "")


def error_form(axe):
    """Mark the first POST form of the page's main content that has a
    text field to fill in; False when there is none."""
    return axe.d.execute_script(
        "var fs = document.querySelectorAll('main form');"
        "for (var i = 0; i < fs.length; i++) {"
        "  var f = fs[i];"
        "  if ((f.getAttribute('method') || '').toLowerCase() !== 'post')"
        "    continue;"
        "  if (f.querySelector('input[type=text], input:not([type]), "
        "input[type=password], input[type=tel], input[type=email], "
        "input[type=date], textarea')) {"
        "    f.setAttribute('data-a11y-target', '1'); return true; }"
        "}"
        "return false;")


def verdict(axe, part):
    bad = axe.report(part)
    assert not bad, "serious/critical accessibility violations:\n" + \
        "\n".join(bad)


# Forms not sent empty: there, empty fields are accepted and saved (the
# owner's 出生日期 and 民族 would be gone, and the wizard refuses them).
NOT_SENT_EMPTY = {"/account/profile"}


def check_page(env, axe, path, s, label, errors=True):
    r = env.get(path, s, allow_redirects=True)
    if r.status_code >= 500:
        raise AssertionError((path, r.status_code))
    if not is_html(r):
        return False
    axe.open(path)
    axe.check(label)
    if errors and path not in NOT_SENT_EMPTY and error_form(axe):
        axe.submit_empty("form[data-a11y-target]")
        axe.check(label + " (表单错误)")
    return True


def test_axe_applicant_and_portal(env, axe, world):
    """Every page of the portal and the applicant side, as a visitor
    (public pages) or as the owner of a submitted application."""
    s = env.login_as(OWNER)
    anon = env.session()
    n = 0
    for rt in html_pages(env):
        pat = rt["pattern"]
        if pat.startswith(("/admin", "/dev/")):
            continue
        who = s if rt["auth"] else anon
        axe.cookies(who)
        path = concrete(pat, world.values(pat))
        # forms on pages that any visitor sees are sent empty once
        if check_page(env, axe, path, who, path):
            n += 1
    # public pages logged in (the user bar), lists with data
    axe.cookies(s)
    for path in ("/", "/search?q=%E6%95%99%E5%B8%88", "/news?page=2"):
        assert check_page(env, axe, path, s, path + " (已登录)", False)
    axe.cookies(anon)
    for path in ("/search?q=%E6%95%99%E5%B8%88", "/no-such-page",
                 "/platform/dqzc/records/000"):
        check_page(env, axe, path, anon, path, False)
    assert n > 30
    verdict(axe, "portal")


def test_axe_wizard_steps(env, axe):
    """The wizard's steps 1-6 on a draft, each sent once as it stands
    (step 1 unticked, step 2 empty, …): the pages with their errors."""
    reset(env, WIZ_ACCOUNT)
    s = env.login_as(WIZ_ACCOUNT)
    axe.cookies(s)
    axe.found.clear()
    for path in ("/platform/dqzc/wizard", "/platform/dqzc/windows"):
        check_page(env, axe, path, s, path, False)
    for step in range(1, 7):
        reset(env, WIZ_ACCOUNT)
        api_walk_to(env, s, step, **WIZ_WALK)
        path = "/platform/dqzc/wizard/%d" % step
        axe.open(path)
        axe.check(path)
        if step in (1, 2, 3, 6):
            axe.submit_empty("form.wz-form")
            axe.check(path + " (表单错误)")
    axe.open("/platform/dqzc/wizard/2/cert")
    axe.check("/platform/dqzc/wizard/2/cert")
    reset(env, WIZ_ACCOUNT)
    verdict(axe, "wizard")


def test_axe_back_office(env, axe, world):
    """Every /admin page, as the first of STAFF who may see it, and the
    forms that staff fill in sent empty."""
    axe.found.clear()
    anon = env.session()
    axe.cookies(anon)
    assert check_page(env, axe, "/admin/login", anon, "/admin/login")
    unreached = []
    sessions = {}
    for rt in html_pages(env):
        pat = rt["pattern"]
        if not is_staff(env, pat):
            continue
        path = concrete(pat, world.values(pat))
        for name in STAFF:
            st = sessions.get(name) or world.staff_session(name)
            sessions[name] = st
            r = st.get(path)
            if r.status_code == 200 and is_html(r):
                axe.cookies(st.s)
                # staff forms act on applications: not sent here
                check_page(env, axe, path, st.s, "%s (%s)" % (path, name),
                           False)
                break
        else:
            unreached.append(path)
    # lists with data and the forms with their errors
    extra = [("dc-point", "/admin/search?q=%s" % world.reg_no, None),
             ("bj-province", "/admin/windows/new", "#window-form"),
             ("bj-province", "/admin/import", "#import-form"),
             ("dc-reviewer", "/admin/no-such-page", None)]
    for name, path, form in extra:
        st = world.staff_session(name)
        axe.cookies(st.s)
        axe.open(path)
        axe.check("%s (%s)" % (path, name))
        if form:
            axe.submit_empty(form)
            axe.check("%s (%s, 表单错误)" % (path, name))
    # images, CSV, JSON (and ids the fixture has no row for)
    print("admin GET routes not checked (not a page): %s" % unreached)
    verdict(axe, "admin")


def test_axe_waiting_room(env, axe):
    """排队等候: what a new arrival sees while the site is full."""
    from test_admission import OPEN, config, hold_full, release
    axe.found.clear()
    env.restart(config("JszgMaxInFlight 1", "JszgClientRate off"))
    env.mark_log()
    holds = hold_full(env)
    try:
        axe.cookies(None)
        axe.open("/news")
        assert "当前排队位置" in axe.d.page_source
        axe.check("排队等候")
    finally:
        release(env, holds)
        while OPEN:
            OPEN.pop().close()
        env.restart("")
    verdict(axe, "queue")


TIED = """
var out = {focus: document.activeElement.id, links: [], fields: []};
document.querySelectorAll('#error-summary a').forEach(function (a) {
  var t = document.getElementById(a.getAttribute('href').slice(1));
  out.links.push(t ? t.textContent.trim() : null);
});
document.querySelectorAll('[aria-invalid=true]').forEach(function (f) {
  var ids = (f.getAttribute('aria-describedby') || '').split(' ');
  var t = ids.map(function (i) { var e = document.getElementById(i);
                                 return e ? e.textContent.trim() : ''; })
             .join(' ');
  out.fields.push([f.id, t]);
});
return out;
"""


def test_errors_summarised_tied_and_focused(env, axe):
    """A form sent with mistakes: the page opens with the focus on an
    error summary (role=alert, no JavaScript needed: autofocus) whose
    links lead to each message, and every field in error says so
    (aria-invalid) and points at its message (aria-describedby)."""
    axe.found.clear()
    s = env.login_as(OWNER)
    for who, path, form in ((None, "/register", "form.auth-form"),
                            (None, "/login", "form.auth-form"),
                            (None, "/forgot", "main form[method=post]"),
                            (s, "/account/password",
                             "main form[method=post]")):
        axe.cookies(who)
        axe.open(path)
        assert axe.submit_empty(form), path
        WebDriverWait(axe.d, 10).until(lambda d: d.execute_script(
            "return document.activeElement.id") == "error-summary")
        got = axe.d.execute_script(TIED)
        assert got["links"] and all(got["links"]), (path, got)
        # login and forgot check the captcha first: then that is the one
        # error (the slider, described by it)
        assert got["fields"] or path in ("/login", "/forgot"), (path, got)
        for fid, text in got["fields"]:
            assert text, (path, fid, "aria-describedby leads nowhere")
        axe.check(path + " (表单错误)")
    # without JavaScript the page says the same: the summary comes focused
    # and announced in the HTML itself
    anon = env.session()
    page = env.get("/register", anon).text
    token = field(page, "captcha_token")
    r = env.post("/register", anon, data={
        "_csrf": env.csrf(anon), "captcha_token": token,
        "captcha_answer": str(captcha_answer(env, token))},
        headers={"X-Jszg-Test-Now": str(int(time.time()) + 2)})
    assert r.status_code in (200, 400), r.status_code
    m = re.search(r'<div class="error-summary"[^>]*>', r.text)
    assert m and 'role="alert"' in m.group(0) \
        and "autofocus" in m.group(0), r.text[:500]
    assert '<li><a href="#err-name">请输入姓名</a></li>' in r.text
    assert re.search(r'<input[^>]*id="name"[^>]*aria-describedby="err-name"'
                     r'[^>]*aria-invalid="true"', r.text)
    assert '<span id="err-name" class="field-error">' in r.text
    assert "证件号码<span class=\"req\">（必填）</span>" in r.text
    verdict(axe, "errors")
