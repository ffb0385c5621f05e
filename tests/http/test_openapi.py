"""The API contract: docs/openapi.yaml lists exactly the API routes of the
route table (read from /dev/routes), and the types it promises (ids as
numbers, times as ISO 8601 +08:00, canonical ids) are what the server
answers.  Every JSON answer of the whole suite is validated against the
document by the hook in jszg_env.py (openapi_check.py)."""
import re

from jsonschema import Draft202012Validator

import openapi_check
from test_account_lib import insert_account

METHODS = ("get", "post", "put", "patch", "delete")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")


def api_routes(env):
    """(method, pattern) of every route the document must describe: the
    table's JSZG_R_API routes (the waiting room's /api/v1/queue among
    them, answered from shared memory) and the back office's
    /admin/api/*."""
    r = env.get("/dev/routes")
    assert r.status_code == 200
    out = {(rt["method"], rt["pattern"]) for rt in r.json()["routes"]
           if rt["api"] or rt["pattern"].startswith("/admin/api/")}
    assert ("GET", "/api/v1/queue") in out
    return out


def doc_routes():
    return {(m.upper(), path)
            for path, item in openapi_check.doc()["paths"].items()
            for m in item if m in METHODS}


def test_document_lists_the_route_table(env):
    table, doc = api_routes(env), doc_routes()
    assert table - doc == set(), "routes missing from docs/openapi.yaml"
    assert doc - table == set(), "docs/openapi.yaml has routes the table lacks"


def test_document_is_valid_and_self_contained():
    d = openapi_check.doc()
    assert d["openapi"].startswith("3.1")
    for name, schema in d["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
    # every $ref resolves
    refs = re.findall(r"\$ref': '([^']+)'", repr(d))
    for ref in set(refs):
        openapi_check._resolve(ref)
    for path, item in d["paths"].items():
        for m, op in item.items():
            assert op.get("responses"), (m, path)
            assert "503" in op["responses"], (m, path)
            params = {p["name"] for p in op.get("parameters", [])
                      if p["in"] == "path"}
            assert params == set(re.findall(r"\{(\w+)\}", path)), (m, path)


def test_checker_refuses_string_ids_and_epoch_times():
    """The suite-wide hook catches the old shapes."""
    bad = {"faq": {"id": "37", "category": "定期注册相关问题",
                   "category_slug": "dqzc", "title": "t", "answer": "a",
                   "paragraphs": ["a"], "updated_on": "2023-08-21"}}
    assert openapi_check.check("GET", "/api/v1/faq/37", 200, bad)
    bad["faq"]["id"] = 37
    assert openapi_check.check("GET", "/api/v1/faq/37", 200, bad) is None
    assert openapi_check.check("GET", "/api/v1/faq/37", 404,
                               {"error": {"message": "x"}})
    assert openapi_check.check("GET", "/api/v1/nope", 200, {}) is not None


def test_checker_refuses_undocumented_keys_and_checks_every_path():
    """Objects are closed: an undocumented key (here a string id) is a
    mismatch, at any depth.  Paths outside /api/ that the document lists
    (/dev/routes) are checked; on a page path only the gate's 503 and
    429 may be JSON, in the document's shapes."""
    faq = {"faq": {"id": 37, "category": "定期注册相关问题",
                   "category_slug": "dqzc", "title": "t", "answer": "a",
                   "paragraphs": ["a"], "updated_on": "2023-08-21"}}
    assert openapi_check.check("GET", "/api/v1/faq/37", 200, faq) is None
    faq["faq"]["question_id"] = "37"
    err = openapi_check.check("GET", "/api/v1/faq/37", 200, faq)
    assert err and "question_id" in err, err
    faq["faq"].pop("question_id")
    faq["total"] = "1"
    assert "total" in openapi_check.check("GET", "/api/v1/faq/37", 200, faq)
    assert openapi_check.check("GET", "/dev/routes", 200, {"routes": "x"})
    queued = {"error": {"code": "queued", "message": "m"},
              "queue": {"status": "waiting", "ticket": "t", "number": 4,
                        "position": 2, "estimate": 20, "retry_after": 3}}
    assert openapi_check.check("GET", "/dqzc/wizard/1", 503, queued) is None
    queued["queue"]["number"] = "4"
    assert openapi_check.check("GET", "/dqzc/wizard/1", 503, queued)
    queued["queue"]["number"] = 4
    queued["queue"]["position_text"] = "第 2 位"
    assert openapi_check.check("GET", "/dqzc/wizard/1", 503, queued)
    assert openapi_check.check("GET", "/", 429, {"error": {
        "code": "too_many_requests", "message": "m"}}) is None
    assert openapi_check.check("GET", "/", 200, {"ok": True})


def test_faq_ids_are_canonical_and_one_code_on_page_and_api(env):
    for n in ("050", "0", "x", "51", "+5", "5.0"):
        api = env.get("/api/v1/faq/" + n)
        page = env.get("/help/faq/" + n)
        assert api.status_code == page.status_code == 404, n
        assert api.json()["error"]["code"] == "faq_not_found", n
        assert 'faq_not_found' in page.text or page.status_code == 404
    r = env.get("/api/v1/faq/50")
    assert r.status_code == 200 and r.json()["faq"]["id"] == 50
    assert env.get("/help/faq/50").status_code == 200
    # other path ids too: a leading zero is malformed
    assert env.get("/api/v1/institutions/02/points").json()["error"][
        "code"] == "bad_institution"
    assert env.get("/api/v1/institutions/2/points").status_code == 200


def test_account_ids_numbers_times_iso(env):
    aid, _, _ = insert_account(env)
    s = env.login_as(aid)
    r = env.get("/api/v1/account", s)
    assert r.status_code == 200
    a = r.json()["account"]
    assert a["id"] == aid and not isinstance(a["id"], bool)
    assert ISO.match(a["created_at"]), a["created_at"]
    assert isinstance(a["verified"], bool)
    # codes made of digits stay strings
    assert isinstance(a["phone"], str)


def test_window_times_iso(env):
    r = env.get("/api/v1/institutions/2/window")
    assert r.status_code == 200
    w = r.json()["window"]
    for k in ("starts", "ends", "confirm_starts", "confirm_ends"):
        if k in w:
            assert ISO.match(w[k]), (k, w[k])
    assert isinstance(r.json()["institution"]["id"], int)
