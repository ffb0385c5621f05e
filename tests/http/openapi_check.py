"""The API contract (docs/openapi.yaml) checked on every answer the HTTP
suite receives.

jszg_env installs `check_response` as a hook on requests' Session.send:
each JSON answer from the server under test is validated:
- to a path of the document (/api/..., /admin/api/..., /dev/routes):
  against the schema the document gives for its operation and status
  (exact status, then the "4XX"/"5XX" range, then "default");
- to another /api/ or /admin/api/ path: an Error (404 or 405);
- to a page path: only the gate answers a page with JSON (asked with
  Accept: application/json): 503 is the document's `Unavailable`
  response, 429 an Error; any other JSON answer there is a mismatch.
The status handler (SetHandler jszg-status, ?json) is the operator's
page, described in the README, not the API: its path is left out.
Objects are closed: a key the schema does not list is a mismatch (an
undocumented key, a string id under a name the document forgot), unless
the schema says what extra keys may be (additionalProperties,
patternProperties) or is a bare `type: object` (a map).
A mismatch is recorded, not raised, and the autouse fixture in
conftest.py fails the test that received it (like the error-log check),
so a test's own assertions still run first.

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
OPERATOR_PATHS = ("/jszg-status",)
OPEN_KEYS = ("additionalProperties", "unevaluatedProperties",
             "patternProperties")

_doc = None
_strict = None          # the document with every object schema closed
_ops = None             # [(regex, n_params, template)]
_validators = {}
failures = []           # (method, path, status, message) since last take


def doc():
    global _doc
    if _doc is None:
        with open(DOC_PATH, encoding="utf-8") as f:
            _doc = yaml.safe_load(f)
    return _doc


def _close(node):
    """Close every object schema that lists its properties: keys not
    listed (here or in an allOf/anyOf/$ref it combines) are refused."""
    if isinstance(node, dict):
        out = {k: _close(v) for k, v in node.items()}
        if (isinstance(node.get("properties"), dict)
                and not any(k in node for k in OPEN_KEYS)):
            out["unevaluatedProperties"] = False
        return out
    if isinstance(node, list):
        return [_close(v) for v in node]
    return node


def strict_doc():
    """The document as the check reads it: objects closed."""
    global _strict
    if _strict is None:
        _strict = _close(doc())
    return _strict


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
    item = strict_doc()["paths"][tpl]
    op = item.get(method.lower())
    if op is None:
        # a known path with another method: 405, an Error
        return {"$ref": "#/components/schemas/Error"}, None
    resps = op.get("responses", {})
    for key in (str(status), "%dXX" % (status // 100), "default"):
        if key in resps:
            r = resps[key]
            if "$ref" in r:
                r = _resolve(r["$ref"], strict_doc())
            content = r.get("content", {}).get("application/json")
            if content is None:
                return None, ("%s %s: response %s has no JSON body in "
                              "the document" % (method, tpl, key))
            return content["schema"], None
    return None, "%s %s: status %d not in the document" % (method, tpl,
                                                           status)


def _resolve(ref, root=None):
    node = root if root is not None else doc()
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def validator(schema_key, schema):
    v = _validators.get(schema_key)
    if v is None:
        v = Draft202012Validator(schema,
                                 resolver=RefResolver.from_schema(strict_doc()))
        _validators[schema_key] = v
    return v


def _deepest(errors):
    """The error nearest the wrong value: a wrong key inside an object
    also leaves its parent's key 'unevaluated', and anyOf's own message
    names no key at all."""
    flat = []

    def walk(es):
        for e in es:
            flat.append(e)
            walk(e.context or [])
    walk(errors)
    return max(flat, key=lambda e: (len(e.absolute_path), not e.context))


def check(method, path, status, body):
    """Validate one JSON answer; returns an error text or None."""
    tpl = find_path(path)
    if tpl is None and not path.startswith(API_PREFIXES):
        # a page path: the gate's JSON for a client that asked for it
        if path in OPERATOR_PATHS:
            return None
        if status == 503:
            schema = _resolve("#/components/responses/Unavailable",
                              strict_doc())["content"]["application/json"][
                                  "schema"]
        elif status == 429:
            schema = {"$ref": "#/components/schemas/Error"}
        else:
            return ("%s %s: %d with a JSON body on a page path (only the "
                    "gate's 503 and 429 are documented there)" % (
                        method, path, status))
        key, err = ("page", status), None
    elif tpl is None:
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
    errors = list(validator(key, schema).iter_errors(body))
    if not errors:
        return None
    e = _deepest(errors)
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
