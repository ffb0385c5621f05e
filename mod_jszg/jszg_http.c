/*
 * jszg_http.c -- the HTTP layer: one entry point for `SetHandler jszg`,
 * request parsing with hard limits, and the ways a handler answers
 * (page, JSON, error, redirect).
 */
#include "jszg_private.h"
#include "jszg_admission_body.h"
#include "jszg_rules.h"
#include "http_core.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include <openssl/sha.h>

#define JSON_CT "application/json; charset=utf-8"
#define HTML_CT "text/html; charset=utf-8"

/* Headers every dynamic answer carries, error pages and the waiting room
 * included. */
void jszg_security_headers(request_rec *r)
{
    apr_table_t *h = r->err_headers_out;

    apr_table_setn(h, "Content-Security-Policy",
                   "default-src 'self'; script-src 'self'; "
                   "style-src 'self'; img-src 'self' data:; "
                   "object-src 'none'; base-uri 'self'; "
                   "form-action 'self'; frame-ancestors 'none'");
    apr_table_setn(h, "X-Content-Type-Options", "nosniff");
    apr_table_setn(h, "X-Frame-Options", "DENY");
    apr_table_setn(h, "Referrer-Policy", "same-origin");
}

/* err_headers_out only: it is sent with every answer, and setting both
 * tables would send the header twice. */
void jszg_no_store(request_rec *r)
{
    apr_table_unset(r->headers_out, "Cache-Control");
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
}

static const char *find_field(const apr_array_header_t *a, const char *name)
{
    return a ? jszg_form_get(a, name) : NULL;
}

const char *jszg_param(jszg_req *jr, const char *name)
{
    return apr_table_get(jr->params, name);
}

const char *jszg_query(jszg_req *jr, const char *name)
{
    return find_field(jr->query, name);
}

const char *jszg_field(jszg_req *jr, const char *name)
{
    return find_field(jr->form, name);
}

/* A whole number from the query string.  Absent or empty: dflt.
 * Returns 0, or -1 when present but not a number in [min, max]. */
int jszg_query_int(jszg_req *jr, const char *name, long min, long max,
                   long dflt, long *out)
{
    const char *v = jszg_query(jr, name);
    char *end;
    long n;

    *out = dflt;
    if (!v || !*v)
        return 0;
    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || *end || !apr_isdigit(*v) || n < min || n > max)
        return -1;
    *out = n;
    return 0;
}

/* ---- answers ------------------------------------------------------------ */

/* The one place a body is sent: status, type, length, and the bytes
 * unless it is a HEAD request. */
int jszg_send(request_rec *r, int status, const char *ct, const void *body,
              apr_size_t len)
{
    r->status = status;
    ap_set_content_type(r, ct);
    ap_set_content_length(r, len);
    if (!r->header_only)
        ap_rwrite(body, (int)len, r);
    return OK;
}

/* The data every page template sees: title, which navigation item is
 * active, who is logged in. */
json_t *jszg_page_data(jszg_req *jr, const char *title, const char *nav)
{
    json_t *d = jszg_pool_json(jr->pool, json_object());

    json_object_set_new(d, "title", json_string(title));
    json_object_set_new(d, "doc_title",
                        json_string(apr_pstrcat(jr->pool, title,
                                                " - 中国教师资格网", NULL)));
    if (nav)
        json_object_set_new(d, apr_pstrcat(jr->pool, "nav_", nav, NULL),
                            json_true());
    return d;
}

/* Give each row an href: prefix + its id. */
void jszg_rows_link(apr_pool_t *p, json_t *rows, const char *prefix)
{
    size_t i;
    json_t *row;

    json_array_foreach(rows, i, row) {
        const char *id = json_string_value(json_object_get(row, "id"));
        if (id)
            json_object_set_new(row, "href",
                                json_string(apr_pstrcat(p, prefix, id,
                                                        NULL)));
    }
}

/* 当前位置: a breadcrumb trail of (name, href) pairs, NULL-terminated;
 * the last one is the current page and gets no link. */
void jszg_crumbs(jszg_req *jr, json_t *data, ...)
{
    json_t *list = json_array();
    const char *name;
    va_list ap;

    va_start(ap, data);
    while ((name = va_arg(ap, const char *))) {
        const char *href = va_arg(ap, const char *);
        json_t *c = json_object();
        json_object_set_new(c, "name", json_string(name));
        if (href)
            json_object_set_new(c, "href", json_string(href));
        json_array_append_new(list, c);
    }
    va_end(ap);
    if (json_array_size(list))
        json_object_set_new(json_array_get(list, json_array_size(list) - 1),
                            "last", json_true());
    json_object_set_new(data, "crumbs", list);
    (void)jr;
}

static void add_user_data(jszg_req *jr, json_t *data)
{
    jszg_session *s = jszg_session_get(jr);

    if (!s || !s->account_id)
        return;
    json_object_set_new(data, "logged_in", json_true());
    if (!json_object_get(data, "csrf"))
        json_object_set_new(data, "csrf", json_string(jszg_csrf_token(jr)));
    if (json_object_get(s->data, "name"))
        json_object_set(data, "user_name", json_object_get(s->data, "name"));
}

/* ---- conditional answers (issue 15) -------------------------------------
 * A page that is the same for every anonymous visitor (route flag
 * JSZG_R_PUBLIC) gets a strong ETag over its bytes, "no-cache" (keep it,
 * but ask again: a browser or a front cache such as mod_cache revalidates
 * every time and gets a 304 while the bytes are unchanged) and "Vary:
 * Cookie" (the 适老化 cookie and a login change the page).  Hashing the
 * bytes makes the tag exact whatever the page depends on: the database,
 * the clock (a 网报时间 window opening), the templates.  No
 * Last-Modified: no single row time says when such a page last changed,
 * and If-None-Match takes precedence over If-Modified-Since anyway.
 *
 * Not public whatever the route says, and then no-store: a page carrying
 * a CSRF token (a form; every page of a logged-in visitor, whose header
 * has the 退出 form and the name), and an answer that sets a cookie. */
static int page_is_public(jszg_req *jr, int status, json_t *data)
{
    request_rec *r = jr->r;

    if (json_object_get(data, "csrf") || json_object_get(data, "logged_in"))
        return 0;
    return (jr->route && (jr->route->flags & JSZG_R_PUBLIC))
           && status == HTTP_OK && r->method_number == M_GET
           && !apr_table_get(r->err_headers_out, "Set-Cookie")
           && !apr_table_get(r->headers_out, "Set-Cookie")
           && !apr_table_get(r->err_headers_out, "Cache-Control");
}

/* "..." over the first 128 bits of the SHA-256 of the body. */
static const char *body_etag(apr_pool_t *p, const char *body,
                             apr_size_t len)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    char *tag = apr_palloc(p, 2 + 32 + 1), *c = tag;
    static const char hex[] = "0123456789abcdef";
    int i;

    SHA256((const unsigned char *)body, len, md);
    *c++ = '"';
    for (i = 0; i < 16; i++) {
        *c++ = hex[md[i] >> 4];
        *c++ = hex[md[i] & 15];
    }
    *c++ = '"';
    *c = '\0';
    return tag;
}

/* Does If-None-Match name this tag?  A list of entity tags or "*";
 * compared weakly (RFC 9110 13.1.2): a W/ prefix is ignored. */
static int none_match_hits(const char *inm, const char *etag)
{
    apr_size_t tl = strlen(etag);

    while (inm && *inm) {
        const char *end;

        while (*inm == ' ' || *inm == '\t' || *inm == ',')
            inm++;
        if (*inm == '*')
            return 1;
        if (!strncmp(inm, "W/", 2))
            inm += 2;
        if (*inm != '"')
            return 0;
        if (!(end = strchr(inm + 1, '"')))
            return 0;
        if ((apr_size_t)(end + 1 - inm) == tl && !strncmp(inm, etag, tl))
            return 1;
        inm = end + 1;
    }
    return 0;
}

static int render_page(jszg_req *jr, int status, const char *tpl,
                       json_t *data, int is_public)
{
    const char *html = NULL, *err = NULL, *inm;
    apr_size_t len = 0;
    apr_status_t rv;

    if (!jr->sc->view) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, jr->r, JSZGLOGNO(10020)
                      "templates are not loaded (see startup errors)");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    jszg_page_a11y(jr, status, data);       /* cookie only: no database */
    rv = jszg_view_render(jr->sc->view, jr->pool, tpl, "layout", data,
                          &html, &len, &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, jr->r, JSZGLOGNO(10021)
                      "rendering %s: %s", tpl, err ? err : "failed");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (is_public) {
        const char *etag = body_etag(jr->pool, html, len);

        apr_table_setn(jr->r->headers_out, "ETag", etag);
        apr_table_setn(jr->r->headers_out, "Cache-Control", "no-cache");
        apr_table_mergen(jr->r->headers_out, "Vary", "Cookie");
        inm = apr_table_get(jr->r->headers_in, "If-None-Match");
        if (inm && none_match_hits(inm, etag)) {
            jr->r->status = HTTP_NOT_MODIFIED;
            return OK;
        }
    }
    return jszg_send(jr->r, status, HTML_CT, html, len);
}

int jszg_render(jszg_req *jr, int status, const char *tpl, json_t *data)
{
    int rc, is_public;

    add_user_data(jr, data);
    is_public = page_is_public(jr, status, data);
    if (!is_public && (json_object_get(data, "csrf")
                       || json_object_get(data, "logged_in")))
        jszg_no_store(jr->r);
    rc = render_page(jr, status, tpl, data, is_public);
    if (rc != OK)
        return jszg_error(jr, rc, "internal", NULL);
    return OK;
}

/* ---- the API's value types ----------------------------------------------
 * The store gives every column as text (one row shape for templates and
 * the C code alike); what leaves as JSON is typed here, once, by key, for
 * every handler (docs/openapi.yaml is the contract):
 *   - ids and counts ("id", "..._id", INT_KEYS) -> JSON integers;
 *   - flags (FLAG_KEYS, stored 0/1) -> JSON booleans;
 *   - instants ("at", "..._at": epoch seconds) and Beijing wall-clock
 *     times (WALL_KEYS, 'YYYY-MM-DD HH:MM[:SS]') -> ISO 8601 with the
 *     offset (the rules core's JSZG_FMT_ISO).
 * Codes that are digits but not numbers (region codes, 证书号码, 报名号,
 * phone numbers) keep their text; dates ("..._on") are ISO dates already.
 * A value that does not have the stored shape is left as it is.
 * The pages' display text of a time (PAGE_ONLY_KEYS: Beijing wall clock
 * to the minute, no offset, beside the instant it shows) does not leave
 * as JSON: a client reads the ISO instant next to it. */
static const char *const INT_KEYS[] = {
    "cycle_year", "year", "hours", "version", "n", "first", "last",
    "messages", "count", "points", "applications", NULL };
static const char *const FLAG_KEYS[] = {
    "active", "verified", "has_message", "must_change_password", NULL };
static const char *const WALL_KEYS[] = {
    "starts", "ends", "confirm_starts", "confirm_ends", "locked_until",
    "last_login", NULL };
static const char *const PAGE_ONLY_KEYS[] = {
    "submitted",        /* 查询报名信息: submitted_at */
    "when",             /* 有留言: at */
    "expires_hm",       /* the wizard's "保留至 HH:MM": expires_at */
    NULL };

static int key_in(const char *key, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(key, *list))
            return 1;
    return 0;
}

static int key_ends(const char *key, const char *suffix)
{
    apr_size_t k = strlen(key), n = strlen(suffix);

    return k > n && !strcmp(key + k - n, suffix);
}

/* A canonical whole number: digits, no leading zero (or "0"), an
 * optional minus, at most 18 digits. */
static int canonical_int(const char *v)
{
    apr_size_t n;

    if (*v == '-')
        v++;
    if (!*v || (*v == '0' && v[1]))
        return 0;
    for (n = 0; v[n]; n++)
        if (!apr_isdigit(v[n]))
            return 0;
    return n <= 18;
}

/* A stored Beijing wall-clock time ('YYYY-MM-DD HH:MM[:SS]', read by
 * the rules core's parser) as the API's ISO 8601 text; NULL if v is
 * not one. */
static const char *wall_time(const char *v, char *buf, apr_size_t n)
{
    jszg_bjtime t;

    if (jszg_rules_parse_datetime(v, 1970, 9999, &t) != 0)
        return NULL;
    return jszg_rules_beijing_text(jszg_rules_beijing_secs(&t),
                                   JSZG_FMT_ISO, buf, n);
}

static json_t *typed_value(const char *key, json_t *v)
{
    const char *s = json_string_value(v), *iso;
    char buf[40];

    if (!strcmp(key, "at") || key_ends(key, "_at")) {
        long long secs;
        if (json_is_integer(v))
            secs = json_integer_value(v);
        else if (s && canonical_int(s))
            secs = apr_atoi64(s);
        else
            return NULL;
        return json_string(jszg_rules_beijing_text(secs, JSZG_FMT_ISO, buf,
                                                   sizeof(buf)));
    }
    if (key_in(key, FLAG_KEYS)) {
        if (json_is_integer(v))
            return json_boolean(json_integer_value(v) != 0);
        if (s && (!strcmp(s, "0") || !strcmp(s, "1")))
            return json_boolean(*s == '1');
        return NULL;
    }
    if (!s)
        return NULL;
    if (!strcmp(key, "id") || key_ends(key, "_id") || key_in(key, INT_KEYS))
        return canonical_int(s) ? json_integer(apr_atoi64(s)) : NULL;
    if (key_in(key, WALL_KEYS) && (iso = wall_time(s, buf, sizeof(buf))))
        return json_string(iso);
    return NULL;
}

void jszg_api_types(json_t *j)
{
    const char *key;
    json_t *v, *typed;
    void *tmp;
    size_t i;

    if (json_is_array(j)) {
        json_array_foreach(j, i, v)
            jszg_api_types(v);
        return;
    }
    if (!json_is_object(j))
        return;
    json_object_foreach_safe(j, tmp, key, v) {
        if (key_in(key, PAGE_ONLY_KEYS))
            json_object_del(j, key);
        else if (json_is_object(v) || json_is_array(v))
            jszg_api_types(v);
        else if ((typed = typed_value(key, v)))
            json_object_set_new(j, key, typed);
    }
}

int jszg_json(jszg_req *jr, int status, json_t *body)
{
    json_t *typed;
    char *s;
    int rc;

    /* a copy: the body may hold rows or session data by reference */
    if (!(typed = json_deep_copy(body)))
        return HTTP_INTERNAL_SERVER_ERROR;
    jszg_api_types(typed);
    s = json_dumps(typed, JSON_COMPACT);
    json_decref(typed);
    if (!s)
        return HTTP_INTERNAL_SERVER_ERROR;
    jszg_no_store(jr->r);
    rc = jszg_send(jr->r, status, JSON_CT, apr_pstrdup(jr->pool, s),
                    strlen(s));
    free(s);
    return rc;
}

static const char *status_title(int status)
{
    switch (status) {
    case 400: return "请求有误";
    case 401: return "请先登录";
    case 403: return "无权访问";
    case 404: return "页面不存在";
    case 405: return "不支持的请求方法";
    case 408: return "请求超时";
    case 413: return "提交的内容过大";
    case 415: return "不支持的提交格式";
    case 429: return "操作过于频繁";
    case 503: return "系统繁忙";
    default:  return "系统错误";
    }
}

static const char *status_message(int status)
{
    switch (status) {
    case 400: return "您提交的信息格式不正确，请返回检查后重新提交。";
    case 401: return "您尚未登录或登录已超时，请重新登录。";
    case 403: return "您没有权限访问该页面，或页面已过期，请刷新后重试。";
    case 404: return "您访问的页面不存在或已被删除。";
    case 405: return "该页面不支持此请求方法。";
    case 408: return "网络过慢，提交的内容未能及时传完，请检查网络后重新提交。";
    case 413: return "提交的内容超过了系统允许的大小，请减小后重新提交。";
    case 415: return "系统不支持该提交格式。";
    case 429: return "您的操作过于频繁，请稍后再试。";
    case 503: return "系统繁忙或正在维护，请稍后再试。您已提交的信息不会丢失。";
    default:  return "系统出现错误，请稍后再试。";
    }
}

static const char *status_code(int status)
{
    switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    case 413: return "too_large";
    case 415: return "unsupported_media_type";
    case 429: return "too_many_requests";
    case 503: return "unavailable";
    default:  return "internal";
    }
}

/* An error answer: JSON with a stable code for the API, the Chinese error
 * page for people.  code/message NULL take the status's defaults. */
json_t *jszg_error_body(jszg_req *jr, int status, const char *code,
                        const char *message)
{
    json_t *body = jszg_pool_json(jr->pool, json_object());

    json_object_set_new(body, "error", json_pack(
        "{s:s, s:s}", "code", code ? code : status_code(status),
        "message", message ? message : status_message(status)));
    return body;
}

int jszg_error(jszg_req *jr, int status, const char *code,
               const char *message)
{
    json_t *d;

    if (status == HTTP_SERVICE_UNAVAILABLE)
        apr_table_setn(jr->r->err_headers_out, "Retry-After", "30");
    if (!message)
        message = status_message(status);
    if (!code)
        code = status_code(status);
    if (jr->is_api)
        return jszg_json(jr, status,
                         jszg_error_body(jr, status, code, message));
    d = jszg_page_data(jr, status_title(status), NULL);
    json_object_set_new(d, "status", json_integer(status));
    json_object_set_new(d, "heading", json_string(status_title(status)));
    json_object_set_new(d, "message", json_string(message));
    json_object_set_new(d, "code", json_string(code));
    /* Error pages must work with the database down: no session lookup. */
    if (render_page(jr, status, "error", d, 0) != OK) {
        /* Even the template failed: a plain answer, still no HTML by hand */
        return jszg_send(jr->r, status, "text/plain; charset=utf-8",
                          message, strlen(message));
    }
    return OK;
}

/* Is this a path on this site that a redirect may go to?  Not "//host"
 * or "/\\host" (browsers read both as another host), and no control
 * characters: CR/LF would be a header injection (httpd answers 500,
 * AH02430), a tab is dropped by browsers ("/\t/evil"). */
int jszg_local_path(const char *location)
{
    const char *c;

    if (!location || location[0] != '/' || location[1] == '/'
        || location[1] == '\\')
        return 0;
    for (c = location; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '\\')
            return 0;
    return 1;
}

/* Redirect after POST, only ever to a path on this site. */
int jszg_redirect(jszg_req *jr, const char *location)
{
    if (!jszg_local_path(location))
        location = "/";
    apr_table_setn(jr->r->headers_out, "Location", location);
    jszg_no_store(jr->r);
    return jszg_send(jr->r, HTTP_SEE_OTHER, HTML_CT, "", 0);
}

/* ---- request parsing ---------------------------------------------------- */

static int read_body(jszg_req *jr, apr_size_t max, char **body,
                     apr_size_t *len)
{
    request_rec *r = jr->r;
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_size_t cap = 8192, n = 0;
    char *buf;
    int rc;

    *body = NULL;
    *len = 0;
    if (cl) {
        apr_off_t clen;
        if (apr_strtoff(&clen, cl, NULL, 10) != APR_SUCCESS || clen < 0)
            return HTTP_BAD_REQUEST;
        if ((apr_size_t)clen > max)
            return HTTP_REQUEST_ENTITY_TOO_LARGE;
        cap = (apr_size_t)clen + 1;
    }
    if ((rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK)) != OK)
        return rc;
    if (!ap_should_client_block(r)) {
        *body = apr_pcalloc(jr->pool, 1);
        return OK;
    }
    buf = apr_palloc(jr->pool, cap);
    for (;;) {
        long got;
        if (n + 1 >= cap) {
            char *nb;
            if (cap > max + 1)
                return HTTP_REQUEST_ENTITY_TOO_LARGE;
            nb = apr_palloc(jr->pool, cap * 2);
            memcpy(nb, buf, n);
            buf = nb;
            cap *= 2;
        }
        got = ap_get_client_block(r, buf + n, cap - n - 1);
        if (got < 0)
            return HTTP_BAD_REQUEST;
        if (got == 0)
            break;
        n += (apr_size_t)got;
        if (n > max)
            return HTTP_REQUEST_ENTITY_TOO_LARGE;
    }
    buf[n] = '\0';
    *body = buf;
    *len = n;
    return OK;
}

static int parse_query(jszg_req *jr, const jszg_form_limits *lim)
{
    jszg_form_status st;
    const char *args = jr->r->args ? jr->r->args : "";

    st = jszg_form_parse_urlencoded(jr->pool, args, strlen(args), lim,
                                    &jr->query);
    if (st != JSZG_FORM_OK)
        return jszg_error(jr, HTTP_BAD_REQUEST, jszg_form_status_code(st),
                          jszg_form_status_message(st));
    return DECLINED;
}

static int parse_form(jszg_req *jr, const jszg_form_limits *lim)
{
    char *body;
    apr_size_t len;
    jszg_form_status st;
    int rc = read_body(jr, lim->max_body, &body, &len);

    if (rc == HTTP_REQUEST_ENTITY_TOO_LARGE)
        return jszg_error(jr, rc, "body_too_large",
                          jszg_form_status_message(JSZG_FORM_BODY_TOO_LARGE));
    if (rc != OK)
        return jszg_error(jr, HTTP_BAD_REQUEST, NULL, NULL);
    st = jszg_form_parse(jr->pool,
                         apr_table_get(jr->r->headers_in, "Content-Type"),
                         body, len, lim, &jr->form);
    if (st != JSZG_FORM_OK)
        return jszg_error(jr, jszg_form_status_http(st),
                          jszg_form_status_code(st),
                          jszg_form_status_message(st));
    return DECLINED;
}

/* The test clock: only with JszgTestClock On (never in production). */
static apr_time_t request_now(jszg_req *jr)
{
    const char *t;

    if (jr->sc->test_clock
        && (t = apr_table_get(jr->r->headers_in, "X-Jszg-Test-Now"))) {
        apr_int64_t secs = apr_atoi64(t);
        if (secs > 0)
            return apr_time_from_sec(secs);
    }
    return apr_time_now();
}

const char *jszg_beijing_now(jszg_req *jr, int *year)
{
    jszg_bjtime t;
    char buf[32];

    if (year) {
        jszg_rules_beijing(apr_time_sec(jr->now), &t);
        *year = t.year;
    }
    return apr_pstrdup(jr->pool, jszg_rules_beijing_text(
        apr_time_sec(jr->now), JSZG_FMT_SECOND, buf, sizeof(buf)));
}

/* JSON errors for API clients: the applicant API and the back office's. */
int jszg_uri_is_api(const char *uri)
{
    return !strncmp(uri, "/api/", 5) || !strncmp(uri, "/admin/api/", 11);
}

/* 405 with the methods the route table has for the path (known: the
 * JSZG_KNOWN_ bits jszg_route_match gave). */
static int method_not_allowed(jszg_req *jr, int known)
{
    jr->r->allowed = ((known & JSZG_KNOWN_GET) ? AP_METHOD_BIT << M_GET : 0)
                     | ((known & JSZG_KNOWN_POST) ? AP_METHOD_BIT << M_POST
                                                  : 0);
    apr_table_setn(jr->r->err_headers_out, "Allow",
                   known == (JSZG_KNOWN_GET | JSZG_KNOWN_POST)
                   ? "GET, HEAD, POST"
                   : known & JSZG_KNOWN_GET ? "GET, HEAD" : "POST");
    return jszg_error(jr, HTTP_METHOD_NOT_ALLOWED, NULL, NULL);
}

/* Percent-encode for a query value, with upper-case hex (RFC 3986 2.1;
 * ap_escape_urlencoded writes lower case). */
static const char *url_escape(apr_pool_t *p, const char *s)
{
    char *e = ap_escape_urlencoded(p, s), *c;

    for (c = e; *c; c++)
        if (*c == '%' && c[1] && c[2]) {
            c[1] = apr_toupper(c[1]);
            c[2] = apr_toupper(c[2]);
            c += 2;
        }
    return e;
}

/* Routes marked JSZG_R_AUTH need a logged-in applicant: the API answers
 * 401, a page GET goes to the login page and comes back afterwards.
 * DECLINED means "logged in, go on"; anything else is the answer sent. */
static int require_login(jszg_req *jr)
{
    jszg_session *s = jszg_session_get(jr);
    const char *next;

    if (s && s->account_id)
        return DECLINED;
    jszg_no_store(jr->r);
    if (jr->is_api || jr->r->method_number != M_GET)
        return jszg_error(jr, HTTP_UNAUTHORIZED, "login_required",
                          "您尚未登录或登录已超时，请重新登录。");
    next = url_escape(jr->pool, jr->r->unparsed_uri);
    return jszg_redirect(jr, apr_pstrcat(jr->pool, "/login?next=", next,
                                         NULL));
}

static int db_unavailable(jszg_req *jr)
{
    return jszg_error(jr, HTTP_SERVICE_UNAVAILABLE, "db_unavailable",
                      "系统繁忙，数据库暂时无法访问，请稍后再试。"
                      "您已提交的信息不会丢失。");
}

/* What every answer of a request starts from: the request, its config,
 * its route when the URL has one (NULL: *known says whether the path
 * exists for another method). */
static jszg_req *new_req(request_rec *r, int *known)
{
    jszg_req *jr = apr_pcalloc(r->pool, sizeof(*jr));
    const char *method;

    jr->r = r;
    jr->pool = r->pool;
    jr->sc = jszg_sconf(r);
    jr->dc = ap_get_module_config(r->per_dir_config, &jszg_module);
    jr->params = apr_table_make(r->pool, 4);
    jr->now = request_now(jr);
    jr->is_api = jszg_uri_is_api(r->uri);
    jszg_security_headers(r);

    method = r->method_number == M_GET ? "GET"
             : r->method_number == M_POST ? "POST" : r->method;
    jr->route = jszg_route_match(r->pool, method, r->uri, jr->params,
                                 known);
    if (jr->route && (jr->route->flags & JSZG_R_API))
        jr->is_api = 1;
    /* the session (and so the CSRF token) of a back-office route is the
     * staff member's, of any other the applicant's */
    jr->kind = jr->route && (jr->route->flags & JSZG_R_BACKOFFICE)
               ? JSZG_SESS_STAFF : JSZG_SESS_APPLICANT;
    return jr;
}

int jszg_error_request(request_rec *r, int status, const char *code,
                       const char *message)
{
    int known = 0, rc;
    jszg_req *jr = new_req(r, &known);

    rc = jszg_error(jr, status, code, message);
    jszg_db_release(jr);
    return rc;
}

/* ---- Pages are not files --------------------------------------------------
 * A request that <Location> gives to the module (SetHandler jszg) names a
 * page, not a file under DocumentRoot: core's map_to_storage would walk
 * the directories of the URI (a stat per segment, the <Directory>
 * sections, .htaccess) only to find nothing there.  The profile of the
 * logged-in 业务平台 showed that walk at about 7 % of the children's
 * time (README, Benchmarks).  As mod_proxy does for what it proxies, the
 * module takes such a request out of the file system: no directory or
 * file walk; r->filename is "jszg:" and the URI (what the logs show),
 * and mod_mime reads no extension of it as a type, encoding or
 * language (the module sets its answers' types).  <Location> and
 * <If> sections still apply (httpd walks them again after
 * map_to_storage), and access to the module's pages is given there, as
 * in conf/; <Directory> sections and .htaccess files do not apply to
 * them.  Static files (SetHandler none: /static, /favicon.ico) are
 * walked as before. */
static const char not_a_file;

static int page_translate(request_rec *r)
{
    core_dir_config *d = ap_get_core_module_config(r->per_dir_config);
    const char *err = NULL, *h;

    /* the <Location>/<If> sections of the URI are merged here */
    if (!d->expr_handler || r->proxyreq)
        return DECLINED;
    h = ap_expr_str_exec(r, d->expr_handler, &err);
    if (!err && h && !strcmp(h, "jszg"))
        ap_set_module_config(r->request_config, &jszg_module,
                             (void *)&not_a_file);
    return DECLINED;
}

static int page_map_to_storage(request_rec *r)
{
    if (ap_get_module_config(r->request_config, &jszg_module)
        != &not_a_file)
        return DECLINED;
    r->filename = apr_pstrcat(r->pool, "jszg:", r->uri, NULL);
    r->canonical_filename = r->filename;
    r->path_info = NULL;
    return OK;
}

static int page_type(request_rec *r)
{
    return ap_get_module_config(r->request_config, &jszg_module)
           == &not_a_file ? OK : DECLINED;
}

void jszg_page_register_hooks(void)
{
    ap_hook_translate_name(page_translate, NULL, NULL,
                           APR_HOOK_REALLY_FIRST);
    ap_hook_map_to_storage(page_map_to_storage, NULL, NULL,
                           APR_HOOK_FIRST);
    ap_hook_type_checker(page_type, NULL, NULL, APR_HOOK_FIRST);
}

static int handle_route(jszg_req *jr, int known);

/* Tests only (JszgTestClock On, refused in production):
 * X-Jszg-Test-Hold-After: N keeps the request N seconds (1-30) after its
 * handler is done, as a slow client reading the answer keeps it
 * (tests/http/test_request_path.py). */
static void test_hold_after(request_rec *r)
{
    const char *h = apr_table_get(r->headers_in, "X-Jszg-Test-Hold-After");
    int secs = h ? atoi(h) : 0;

    if (secs >= 1 && secs <= 30)
        apr_sleep(apr_time_from_sec(secs));
}

int jszg_handle(request_rec *r)
{
    jszg_req *jr;
    int known = 0, rc;

    if (!r->handler || strcmp(r->handler, "jszg"))
        return DECLINED;
    /* tests only: a slow handler holding its admission slot */
    if (jszg_sconf(r)->test_clock == 1 && jszg_test_hold(r))
        return OK;

    jr = new_req(r, &known);
    rc = handle_route(jr, known);
    /* The page's database work is done: its connection goes back to
     * mod_dbd's pool now, not when httpd has written the answer, logged
     * it and freed the request (jszg_db_release). */
    jszg_db_release(jr);
    if (jszg_sconf(r)->test_clock == 1)
        test_hold_after(r);
    return rc;
}

static int handle_route(jszg_req *jr, int known)
{
    request_rec *r = jr->r;
    jszg_form_limits lim;
    int rc;

    jszg_dir_limits(jr->dc, &lim);
    if (!jr->route) {
        if (known)
            return method_not_allowed(jr, known);
        return jszg_error(jr, HTTP_NOT_FOUND, NULL, NULL);
    }
    r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_POST);
    if ((rc = parse_query(jr, &lim)) != DECLINED)
        return rc;
    if (r->method_number == M_POST) {
        if ((rc = parse_form(jr, &lim)) != DECLINED)
            return rc;
    }
    /* A session cookie (of either kind) that cannot be looked up (the
     * database is down) is a 503, not a logged-out visitor (401, login
     * redirect) nor a CSRF failure (403): tests/faults/test_db_restart.py,
     * test_failover.py. */
    if (!(jr->route->flags & JSZG_R_NODB) && jr->route->fn != jszg_page_error
        && !jszg_session_get(jr) && jr->session_db_down)
        return db_unavailable(jr);
    /* every POST, applicant or staff: `_csrf` / X-CSRF-Token bound to
     * the session of the route's kind (jszg_session.c); a back-office
     * route answers in its own layout */
    if (r->method_number == M_POST && !(jr->route->flags & JSZG_R_NOCSRF)
        && !jszg_csrf_check(jr)) {
        if (jr->route->flags & JSZG_R_BACKOFFICE)
            return jszg_admin_csrf_refused(jr);
        return jszg_error(jr, HTTP_FORBIDDEN, "csrf",
                          "页面已过期或来源无效，请刷新页面后重新提交。");
    }
    if (jr->route->fn != jszg_page_error
        && !(jr->route->flags & JSZG_R_NODB)) {
        rc = jszg_schema_check(jr);
        if (rc != JSZG_DB_OK)
            return db_unavailable(jr);
    }
    if ((jr->route->flags & JSZG_R_AUTH)
        && (rc = require_login(jr)) != DECLINED)
        return rc;
    /* staff routes: the guard answers (login, 401/403, password change)
     * with the same ending as a handler */
    rc = OK;
    if (jr->route->flags & JSZG_R_STAFF)
        rc = jszg_admin_guard(jr, JSZG_R_ROLES(jr->route->flags));
    if (rc == OK)
        rc = jr->route->fn(jr);
    jszg_db_finish(jr);
    if (rc == HTTP_SERVICE_UNAVAILABLE)
        return db_unavailable(jr);
    if (rc != OK && rc != DONE)
        return jszg_error(jr, rc, NULL, NULL);
    jszg_session_save(jr);
    return OK;
}

/* ErrorDocument target: renders httpd's own errors (a missing static
 * file, LimitRequestBody) in the portal's layout.  Reached only by an
 * internal redirect; a direct request is a plain 404. */
int jszg_page_error(jszg_req *jr)
{
    const char *st;
    int status;

    if (!jr->r->prev)
        return jszg_error(jr, HTTP_NOT_FOUND, NULL, NULL);
    st = apr_table_get(jr->r->subprocess_env, "REDIRECT_STATUS");
    status = st ? atoi(st) : HTTP_INTERNAL_SERVER_ERROR;
    if (status < 400 || status > 599)
        status = HTTP_INTERNAL_SERVER_ERROR;
    jr->is_api = jszg_uri_is_api(jr->r->prev->uri);
    return jszg_error(jr, status, NULL, NULL);
}
