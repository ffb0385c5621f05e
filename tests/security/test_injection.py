"""Injection (issue 8): SQL metacharacters, NUL bytes and HTML/JS payloads
in every query parameter, every {placeholder} of the route table and
every text field of every form the portal shows (forms found by fetching
each page as an applicant, as staff and anonymously, and parsing them).

Each field gets each payload class once (all fields of a form at a time).
Every answer: never a 5xx, never a SQL error in the page or the error
log, never the payload raw in HTML; an answer that refused the input
(4xx) changed nothing in the database."""
import urllib.parse

import pytest

from sec_lib import (OTHER, OWNER, SQL_PAYLOADS, XSS_PAYLOADS, World,
                     assert_no_sql_error_logged, check_answer, concrete,
                     forms_of, is_public, is_staff, is_text_field,
                     query_names, routes, snapshot)

ALL_PAYLOADS = SQL_PAYLOADS + XSS_PAYLOADS
# Forms never filled: they end the session the next forms need.
# and the administration's buttons that only switch a row (停用/启用,
# 提前结束网报, 解除登录限制): no text to inject, and switching off 北京's
# institution or closing its plan would pull the ground from under the
# forms after them
SKIP_FORMS = ("/logout", "/admin/logout", "/active", "/close", "/unlock")
# What the suite exercised, for the report (printed with -s).
STATS = {}


@pytest.fixture(scope="module")
def world(env):
    return World(env)


def session_for(env, world, pattern):
    """The session that may use the route: staff (system) for /admin,
    the data's owner for applicant pages, nobody for public pages."""
    if is_staff(env, pattern):
        return world.staff_session("sysadmin").s
    if is_public(env, pattern):
        return env.session()
    return env.login_as(OWNER)


def get_routes(env):
    return [rt for rt in routes(env) if rt["method"] == "GET"
            and rt["pattern"] != "/_error"]


def test_query_parameters(env, world):
    names = query_names()
    assert "q" in names and "page" in names
    n = 0
    for rt in get_routes(env):
        s = session_for(env, world, rt["pattern"])
        path = concrete(rt["pattern"], world.values(rt["pattern"]))
        for payload in ALL_PAYLOADS:
            r = env.get(path, s, params={k: payload for k in names})
            check_answer(r, (path, payload))
            n += 1
    assert_no_sql_error_logged(env)
    STATS["query"] = (len(get_routes(env)), len(names), n)


def test_path_placeholders(env, world):
    n = 0
    for rt in routes(env):
        if "{" not in rt["pattern"]:
            continue
        s = session_for(env, world, rt["pattern"])
        for payload in ALL_PAYLOADS:
            # a "/" would change the route; everything else goes in
            seg = urllib.parse.quote(payload.replace("/", "|"), safe="")
            path = concrete(rt["pattern"], {})
            path = concrete(rt["pattern"],
                            {k: seg for k in ("id", "regno", "biz", "step",
                                              "n", "code", "token", "img",
                                              "side")})
            headers = {}
            if rt["method"] == "POST":
                r = env.post(path, s, data={"_csrf": "x"}, headers=headers)
            else:
                r = env.get(path, s)
            check_answer(r, (rt["method"], path))
            n += 1
    assert_no_sql_error_logged(env)
    STATS["placeholders"] = n


def test_search_echo_is_escaped(env):
    """The pages that show the query back hold it escaped (so the check
    above is not vacuous)."""
    r = env.get("/search", params={"q": XSS_PAYLOADS[0]})
    assert r.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    check_answer(r, "search")


def _start_draft(env, account):
    """A wizard draft for account, so the wizard pages show their forms."""
    from test_wizard import api, reset
    reset(env, account)
    s = env.login_as(account)
    r = api(env, s, "POST", "/api/v1/dqzc/start",
            data={"institution_id": "2", "point_id": "201",
                  "stage": "小学"})
    assert r.status_code == 201, r.text
    return s


def _collect_forms(env, world):
    """(page, session factory, form) for every POST form of every page."""
    found = []
    wizard = _start_draft(env, 2)
    from test_wizard import api
    r = api(env, wizard, "POST", "/api/v1/dqzc/wizard/1", data={"agree": "1"})
    assert r.status_code == 200, r.text
    pages = []
    for rt in get_routes(env):
        pat = rt["pattern"]
        if rt["api"] or pat.startswith("/api/") or "/api/" in pat:
            continue
        if pat == "/platform/dqzc/wizard/{step}":
            pages += [(pat, "/platform/dqzc/wizard/%d" % n)
                      for n in range(1, 8)]
        elif pat == "/admin/apps/{id}":
            pages += [(pat, concrete(pat, {"id": i}))
                      for i in (world.app_id, world.queued_app)]
        else:
            pages.append((pat, concrete(pat, world.values(pat))))
    for pat, path in pages:
        if pat.startswith("/platform/dqzc/wizard"):
            s = wizard
            factory = (lambda: wizard)
        else:
            s = session_for(env, world, pat)
            factory = (lambda pat=pat: session_for(env, world, pat))
        r = env.get(path, s)
        if r.status_code != 200 or "html" not in r.headers.get(
                "Content-Type", ""):
            continue
        for form in forms_of(r.text):
            if form["method"] != "post":
                continue
            action = form["action"] or path
            if action.endswith(SKIP_FORMS):
                continue
            found.append((path, factory, form))
    return found


def _fill(form, payload, fresh_tokens):
    data, files = {}, {}
    for f in form["fields"]:
        name = f["name"]
        if f["type"] == "file":
            files[name] = ("x.jpg", b"\xff\xd8" + payload.encode(),
                           "image/jpeg")
            continue
        if f.get("unchecked"):
            continue
        if name in ("_csrf",):
            data[name] = fresh_tokens.get(name, f["value"])
        elif is_text_field(f):
            data[name] = payload
        else:
            data[name] = f["value"] or ""
    return data, files


def test_every_form_field(env, world):
    forms = _collect_forms(env, world)
    actions = {f["action"] for _, _, f in forms}
    # the pages with forms this suite must at least reach
    for must in ("/login", "/register", "/forgot", "/cert",
                 "/account/profile", "/admin/login"):
        assert must in actions, (must, sorted(actions))
    assert any(a.startswith("/admin/apps/") for a in actions), actions
    nfields = 0
    nposts = 0
    state = snapshot(env)
    for page, factory, form in forms:
        action = form["action"] or page
        texts = [f["name"] for f in form["fields"] if is_text_field(f)
                 and f["name"] not in ("_csrf",)]
        nfields += len(texts)
        # one session per form, its tokens from a fresh page (as a
        # browser has them); invalid input does not end a session
        s = factory()
        r = env.get(page, s)
        tokens = {}
        for fm in forms_of(r.text) if r.status_code == 200 else []:
            for f in fm["fields"]:
                if f["name"] in ("_csrf",):
                    tokens[f["name"]] = f["value"]
        for payload in ALL_PAYLOADS:
            data, files = _fill(form, payload, tokens)
            kw = {"data": data}
            if files or form["enctype"] == "multipart/form-data":
                kw["files"] = files or {"_": ("", b"", "text/plain")}
            if state is None:           # the last post was accepted
                state = snapshot(env)
            r = env.post(action, s, **kw)
            check_answer(r, (page, action, payload))
            nposts += 1
            if "\x00" in payload and texts:
                # a NUL byte is never valid text: refused
                assert r.status_code == 400, (action, r.status_code)
            if r.status_code < 400:
                state = None            # accepted: may change things
                continue
            after = snapshot(env)
            if r.status_code != 429:
                assert after == state, ("refused input changed the "
                                        "database", action, payload,
                                        r.status_code)
            state = after
    assert_no_sql_error_logged(env)
    STATS["forms"] = (len(forms), nfields, nposts)
    STATS["actions"] = sorted("%s %s" % (f["action"] or p, [
        x["name"] for x in f["fields"] if is_text_field(x)
        and x["name"] not in ("_csrf",)]) for p, _, f in forms)
    print("\ninjection:", "\n".join(
        "%s: %s" % kv for kv in sorted(STATS.items()) if kv[0] != "actions"),
        "\n".join(STATS["actions"]), sep="\n")


def test_stored_payloads_come_back_escaped(env, world):
    """After the fields above were filled with payloads (some forms accept
    free text: notes, messages, school names), every page, as every role,
    shows them escaped."""
    n = 0
    for rt in get_routes(env):
        pat = rt["pattern"]
        for who in ("anon", "owner", "other", "staff"):
            if who == "staff" and not is_staff(env, pat):
                continue
            if who != "staff" and is_staff(env, pat):
                continue
            s = {"anon": env.session, "owner": lambda: env.login_as(OWNER),
                 "other": lambda: env.login_as(OTHER),
                 "staff": lambda: world.staff_session("sysadmin").s}[who]()
            r = env.get(concrete(pat, world.values(pat)), s)
            check_answer(r, (who, pat))
            n += 1
    assert n > 100
