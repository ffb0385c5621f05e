"""The API contract (docs/openapi.yaml) checked on every answer the HTTP
suite receives.

jszg_env installs `check_response` as a hook on requests' Session.send:
each JSON answer from the server under test to a path of the document
(/api/..., /admin/api/...) is validated against the schema the document
gives for its operation and status (exact status, then the "4XX"/"5XX"
range, then "default").  A mismatch is recorded, not raised, and the
autouse fixture in conftest.py fails the test that received it (like the
error-log check), so a test's own assertions still run first.

Validators are compiled once per (operation, status) and cached: the
check costs microseconds per answer.
"""
import os
import re

import yaml
from jsonschema import Draft202012Validator, RefResolver

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOC_PATH = os.path.join(TOP, "docs", "openapi.yaml")
API_PREFIXES = ("/api/", "/admin/api/")

_doc = None
_ops = None             # [(regex, n_params, template)]
_validators = {}
failures = []           # (method, path, status, message) since last take


def doc():
    global _doc
    if _doc is None:
        with open(DOC_PATH, encoding="utf-8") as f:
            _doc = yaml.safe_load(f)
    return _doc


def _operations():
    global _ops
    if _ops is None:
        ops = []
        for tpl in doc()["paths"]:
            rx = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+",
                                         re.escape(tpl)) + "$")
            ops.append((rx, tpl.count("{"), tpl))
        # literal segments win over captures (/wizard/2/cert vs {step})
        ops.sort(key=lambda o: o[1])
        _ops = ops
    return _ops


def find_path(path):
    """The document's path template for a request path, or None."""
    for rx, _, tpl in _operations():
        if rx.match(path):
            return tpl
    return None


def _response_schema(tpl, method, status):
    """(schema or None, error text or None) for this answer."""
    item = doc()["paths"][tpl]
    op = item.get(method.lower())
    if op is None:
        # a known path with another method: 405, an Error
        return {"$ref": "#/components/schemas/Error"}, None
    resps = op.get("responses", {})
    for key in (str(status), "%dXX" % (status // 100), "default"):
        if key in resps:
            r = resps[key]
            if "$ref" in r:
                r = _resolve(r["$ref"])
            content = r.get("content", {}).get("application/json")
            if content is None:
                return None, ("%s %s: response %s has no JSON body in "
                              "the document" % (method, tpl, key))
            return content["schema"], None
    return None, "%s %s: status %d not in the document" % (method, tpl,
                                                           status)


def _resolve(ref):
    node = doc()
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def validator(schema_key, schema):
    v = _validators.get(schema_key)
    if v is None:
        v = Draft202012Validator(schema,
                                 resolver=RefResolver.from_schema(doc()))
        _validators[schema_key] = v
    return v


def check(method, path, status, body):
    """Validate one JSON answer; returns an error text or None."""
    if not path.startswith(API_PREFIXES):
        return None
    tpl = find_path(path)
    if tpl is None:
        # an unknown API path: 404 not_found (or 405), an Error
        if status < 400:
            return "%s %s: %d for a path not in the document" % (
                method, path, status)
        schema, err = {"$ref": "#/components/schemas/Error"}, None
        key = ("*", status)
    else:
        schema, err = _response_schema(tpl, method, status)
        key = (tpl, method, status)
    if err:
        return err
    errors = sorted(validator(key, schema).iter_errors(body),
                    key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    e = errors[0]
    where = "/".join(str(p) for p in e.absolute_path)
    return "%s %s -> %d: body does not match docs/openapi.yaml at /%s: %s" % (
        method, path, status, where, e.message[:300])


def check_response(resp):
    """The requests hook: record a mismatch of a JSON answer."""
    ct = resp.headers.get("Content-Type", "")
    if not ct.startswith("application/json") or not resp.content:
        return          # not JSON, or a HEAD answer (no body)
    from urllib.parse import urlsplit
    path = urlsplit(resp.request.url).path
    try:
        body = resp.json()
    except ValueError:
        failures.append((resp.request.method, path, resp.status_code,
                         "not JSON"))
        return
    err = check(resp.request.method, path, resp.status_code, body)
    if err:
        failures.append(err)


def take_failures():
    out = list(failures)
    del failures[:]
    return out
