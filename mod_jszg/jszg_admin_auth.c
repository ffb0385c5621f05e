/*
 * jszg_admin_auth.c -- back-office staff: login, sessions, the guard of
 * every staff route (JSZG_STAFF in the route table; jszg_handle runs it
 * before the handler, which takes the staff member from
 * jszg_admin_staff(jr)), CSRF bound to the admin session, audit and
 * rendering helpers.
 *
 * Staff sessions are separate from applicant sessions on purpose: their
 * own table (admin_sessions), their own cookie (jszg_admin, Path=/admin,
 * SameSite=Strict), their own idle clock.  A browser logged in as an
 * applicant gets nothing from it here, and an admin cookie is never even
 * sent to the applicant pages.
 */
#include "jszg_admin.h"
#include "jszg_account.h"
#include "jszg_password.h"
#include "apr_strings.h"
#include "apr_lib.h"

#define ADMIN_COOKIE    "jszg_admin"
#define ADMIN_PATH      "/admin"
#define TOUCH_EVERY     60              /* seconds between idle refreshes */
#define THROTTLE_SCOPE  "admin"         /* kinds admin.login_* (jszg_login_gate) */
#define STAFF_KEY       "jszg-admin-staff"

#define DOC_SUFFIX      " - 教师资格定期注册管理系统"
#define LOGIN_FAILED    "用户名或密码错误。"
#define LOGIN_CAPTCHA   "该账号近期登录失败次数较多，请先完成安全验证。"

/* ---- small helpers --------------------------------------------------- */

const char *jszg_now_str(jszg_req *jr)
{
    return apr_psprintf(jr->pool, "%" APR_TIME_T_FMT, apr_time_sec(jr->now));
}

/* Add "<col>_text" (Beijing time, YYYY-MM-DD HH:MM) beside an epoch. */
void jszg_admin_times(jszg_req *jr, json_t *rows, const char *col)
{
    const char *tcol = apr_pstrcat(jr->pool, col, "_text", NULL);
    json_t *row;
    size_t i;

    json_array_foreach(rows, i, row) {
        const char *v = jszg_jstr(row, col);
        char buf[24];
        if (!v)
            continue;
        json_object_set_new(row, tcol, json_string(jszg_rules_beijing_text(
            apr_atoi64(v), JSZG_FMT_MINUTE, buf, sizeof(buf))));
    }
}

const char *jszg_admin_role_name(jszg_role role)
{
    switch (role) {
    case JSZG_ROLE_POINT:       return "确认点工作人员";
    case JSZG_ROLE_INSTITUTION: return "注册机构审核员";
    case JSZG_ROLE_PROVINCE:    return "省级管理员";
    case JSZG_ROLE_SYSTEM:      return "系统管理员";
    }
    return "";
}

/* "point", "institution", "province", "system" (staff.role); 0 else. */
jszg_role jszg_adm_role_of(const char *s)
{
    if (!s)
        return 0;
    if (!strcmp(s, "point"))
        return JSZG_ROLE_POINT;
    if (!strcmp(s, "institution"))
        return JSZG_ROLE_INSTITUTION;
    if (!strcmp(s, "province"))
        return JSZG_ROLE_PROVINCE;
    if (!strcmp(s, "system"))
        return JSZG_ROLE_SYSTEM;
    return 0;
}

/* An id from the URL: 1..15 digits, else it names nothing. */
int jszg_adm_id_ok(const char *id)
{
    apr_size_t n;

    if (!id || !*id || *id == '0')
        return 0;
    for (n = 0; id[n]; n++)
        if (!apr_isdigit(id[n]))
            return 0;
    return n <= 15;
}

/* A system admin sees every province, anyone else only their own. */
int jszg_adm_in_province(jszg_staff *st, const char *prov)
{
    return st->role == JSZG_ROLE_SYSTEM
           || (prov && st->province_code
               && !strcmp(prov, st->province_code));
}

/* The row `stmt` returns for the id in the URL, if it exists (else 404
 * with "该<what>不存在。") and its `prov_key` column is in the staff
 * member's province (else 403, audited as "<kind>:<id>").  OK with
 * *row, else the answer's status (DONE once sent). */
int jszg_adm_load_scoped(jszg_req *jr, jszg_staff *st, const char *stmt,
                         const char *id, const char *what, const char *kind,
                         const char *prov_key, json_t **row)
{
    int rc = JSZG_DB_NOTFOUND;

    if (jszg_adm_id_ok(id))
        rc = jszg_db_row(jr, stmt, row, 1, id);
    if (rc == JSZG_DB_NOTFOUND)
        rc = jszg_admin_error(jr, st, HTTP_NOT_FOUND, "not_found",
                              apr_pstrcat(jr->pool, "该", what, "不存在。",
                                          NULL));
    else if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    else if (!jszg_adm_in_province(st, jszg_jstr(*row, prov_key)))
        rc = jszg_admin_forbidden(jr, st, apr_pstrcat(jr->pool, kind, ":",
                                                      id, NULL));
    else
        return OK;
    return rc == OK ? DONE : rc;
}

/* Tokens we issue are base64url of 32 bytes: refuse anything else before
 * it reaches the database. */
static int token_ok(const char *t)
{
    apr_size_t n;

    if (!t)
        return 0;
    for (n = 0; t[n]; n++)
        if (!(apr_isalnum(t[n]) || t[n] == '-' || t[n] == '_'))
            return 0;
    return n >= 40 && n <= 64;
}

static int secure_cookie(jszg_req *jr)
{
    if (jr->sc->cookie_secure == JSZG_SECURE_ON)
        return 1;
    if (jr->sc->cookie_secure == JSZG_SECURE_OFF)
        return 0;
    return !strcmp(ap_http_scheme(jr->r), "https");
}

/* Strict: a link from another site never arrives logged in. */
static void set_admin_cookie(jszg_req *jr, const char *value, int clear)
{
    apr_table_add(jr->r->err_headers_out, "Set-Cookie",
                  apr_psprintf(jr->pool, "%s=%s; Path=%s; HttpOnly; "
                               "SameSite=Strict%s%s", ADMIN_COOKIE, value,
                               ADMIN_PATH,
                               secure_cookie(jr) ? "; Secure" : "",
                               clear ? "; Max-Age=0" : ""));
}

static const char *admin_cookie(jszg_req *jr)
{
    const char *h = apr_table_get(jr->r->headers_in, "Cookie");
    return h ? jszg_cookie_get(jr->pool, h, ADMIN_COOKIE) : NULL;
}

static const char *client_ip(jszg_req *jr)
{
    return jr->r->useragent_ip ? jr->r->useragent_ip : "";
}

/* ---- sessions -------------------------------------------------------- */

static jszg_staff *staff_from_row(jszg_req *jr, json_t *row,
                                  const char *token, const char *hash)
{
    jszg_staff *st = apr_pcalloc(jr->pool, sizeof(*st));
    const char *data = jszg_jstr(row, "data");

    st->id = jszg_jstr(row, "staff_id");
    st->username = jszg_jstr(row, "username");
    st->name = jszg_jstr(row, "name");
    st->role = jszg_adm_role_of(jszg_jstr(row, "role"));
    st->point_id = jszg_jstr(row, "point_id");
    st->institution_id = jszg_jstr(row, "institution_id");
    st->province_code = jszg_jstr(row, "province_code");
    st->token = token;
    st->id_hash = hash;
    st->must_change = jszg_jstr(row, "must_change_password")
                      && !strcmp(jszg_jstr(row, "must_change_password"), "1");
    st->data = data ? json_loads(data, 0, NULL) : NULL;
    if (!json_is_object(st->data)) {
        json_decref(st->data);
        st->data = json_object();
    }
    jszg_pool_json(jr->pool, st->data);
    json_object_set_new(st->data, "_scope", json_pack(
        "{s:s?, s:s?, s:s?}", "point", jszg_jstr(row, "point_name"),
        "institution", jszg_jstr(row, "institution_name"),
        "province", jszg_jstr(row, "province_name")));
    return st;
}

/* The staff member of this request, or NULL.  An expired session (idle
 * or past its maximum life) is deleted and its cookie cleared.  A
 * session that could not be read (the database is unreachable, say in a
 * failover) is NULL with *failed set to the store's result: not "logged
 * out" (tests/faults/test_failover.py). */
static jszg_staff *staff_get(jszg_req *jr, int *failed)
{
    const char *token, *hash;
    void *cached = NULL;
    json_t *row;
    apr_int64_t seen, expires, now = apr_time_sec(jr->now);
    jszg_staff *st;
    int rc;

    *failed = JSZG_DB_OK;
    apr_pool_userdata_get(&cached, STAFF_KEY, jr->pool);
    if (cached)
        return *(jszg_staff **)cached;
    cached = apr_pcalloc(jr->pool, sizeof(jszg_staff *));
    apr_pool_userdata_setn(cached, STAFF_KEY, NULL, jr->pool);
    token = admin_cookie(jr);
    if (!token_ok(token))
        return NULL;
    hash = jszg_sha256_hex(jr->pool, token);
    rc = jszg_db_row(jr, "admin_session_get", &row, 1, hash);
    if (rc != JSZG_DB_OK) {
        if (rc != JSZG_DB_NOTFOUND) {
            /* not cached: asked again, it is looked up again */
            apr_pool_userdata_setn(NULL, STAFF_KEY, NULL, jr->pool);
            *failed = rc;
        }
        return NULL;
    }
    seen = apr_atoi64(jszg_jstr(row, "last_seen_at"));
    expires = apr_atoi64(jszg_jstr(row, "expires_at"));
    if (now > expires || now > seen + apr_time_sec(jr->sc->session_idle)
        || !jszg_adm_role_of(jszg_jstr(row, "role"))) {
        jszg_db_exec(jr, "admin_session_delete", NULL, 1, hash);
        set_admin_cookie(jr, "", 1);
        return NULL;
    }
    st = staff_from_row(jr, row, token, hash);
    /* the idle clock moves at most once a minute: not a write per hit */
    if (now - seen > TOUCH_EVERY)
        st->dirty = 1;
    *(jszg_staff **)cached = st;
    return st;
}

void jszg_admin_save(jszg_req *jr, jszg_staff *st)
{
    json_t *copy;
    char *s;

    if (!st || !st->dirty)
        return;
    copy = json_copy(st->data);
    json_object_del(copy, "_scope");
    s = json_dumps(copy, JSON_COMPACT);
    json_decref(copy);
    jszg_db_exec(jr, "admin_session_touch", NULL, 3, jszg_now_str(jr),
                 s ? s : "{}", st->id_hash);
    free(s);
    st->dirty = 0;
}

void jszg_admin_flash(jszg_req *jr, jszg_staff *st, const char *msg)
{
    json_object_set_new(st->data, "flash", json_string(msg));
    st->dirty = 1;
    jszg_admin_save(jr, st);
}

const char *jszg_admin_csrf_token(jszg_req *jr, jszg_staff *st)
{
    return jszg_hmac_b64(jr->pool, jr->sc->secret, jr->sc->secret_len,
                         apr_pstrcat(jr->pool, "admin:", st->token, NULL));
}

static int admin_csrf_ok(jszg_req *jr, jszg_staff *st)
{
    const char *sent = jszg_field(jr, "_admin_csrf");

    if (!sent)
        sent = apr_table_get(jr->r->headers_in, "X-Admin-CSRF-Token");
    return sent && jszg_const_eq(sent, jszg_admin_csrf_token(jr, st));
}

/* ---- audit ----------------------------------------------------------- */

int jszg_admin_audit(jszg_req *jr, jszg_staff *st, const char *action,
                     const char *target, const char *note)
{
    const char *actor = st ? apr_pstrcat(jr->pool, "staff:", st->username,
                                         NULL)
                           : "staff:-";

    return jszg_audit_write(jr, actor, action, target, note);
}

/* ---- answers --------------------------------------------------------- */

int jszg_render_layout(jszg_req *jr, int status, const char *tpl,
                       const char *layout, json_t *data)
{
    const char *html = NULL, *err = NULL;
    apr_size_t len = 0;
    apr_status_t rv;

    if (!jr->sc->view)
        return HTTP_INTERNAL_SERVER_ERROR;
    jszg_page_a11y(jr, status, data);
    rv = jszg_view_render(jr->sc->view, jr->pool, tpl, layout, data, &html,
                          &len, &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, jr->r, JSZGLOGNO(17001)
                      "rendering %s in %s: %s", tpl, layout,
                      err ? err : "failed");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return jszg_send(jr->r, status, "text/html; charset=utf-8", html, len);
}

json_t *jszg_admin_data(jszg_req *jr, jszg_staff *st, const char *title,
                        const char *nav)
{
    json_t *d = jszg_pool_json(jr->pool, json_object());
    json_t *flash;

    json_object_set_new(d, "title", json_string(title));
    json_object_set_new(d, "doc_title",
                        json_string(apr_pstrcat(jr->pool, title, DOC_SUFFIX,
                                                NULL)));
    if (nav)
        json_object_set_new(d, apr_pstrcat(jr->pool, "nav_", nav, NULL),
                            json_true());
    json_object_set_new(d, "csrf", json_string(jszg_csrf_token(jr)));
    if (!st)
        return d;
    json_object_set_new(d, "admin_csrf",
                        json_string(jszg_admin_csrf_token(jr, st)));
    json_object_set_new(d, "staff", json_pack(
        "{s:s, s:s, s:s, s:O}", "name", st->name, "username", st->username,
        "role_name", jszg_admin_role_name(st->role),
        "scope", json_object_get(st->data, "_scope")));
    json_object_set_new(d, "is_point", json_boolean(st->role
                                                    == JSZG_ROLE_POINT));
    json_object_set_new(d, "is_reviewer",
                        json_boolean(st->role == JSZG_ROLE_INSTITUTION));
    json_object_set_new(d, "is_province",
                        json_boolean(st->role == JSZG_ROLE_PROVINCE));
    json_object_set_new(d, "is_system", json_boolean(st->role
                                                     == JSZG_ROLE_SYSTEM));
    json_object_set_new(d, "can_confirm", json_boolean(
        st->role & (JSZG_ROLE_POINT | JSZG_ROLE_SYSTEM)));
    json_object_set_new(d, "can_decide", json_boolean(
        st->role & (JSZG_ROLE_INSTITUTION | JSZG_ROLE_SYSTEM)));
    json_object_set_new(d, "can_plan", json_boolean(
        st->role & (JSZG_ROLE_PROVINCE | JSZG_ROLE_SYSTEM)));
    json_object_set_new(d, "can_stats", json_boolean(
        st->role & (JSZG_ROLE_INSTITUTION | JSZG_ROLE_PROVINCE
                    | JSZG_ROLE_SYSTEM)));
    if ((flash = json_object_get(st->data, "flash"))) {
        json_object_set(d, "flash", flash);
        json_object_del(st->data, "flash");
        st->dirty = 1;
        jszg_admin_save(jr, st);
    }
    return d;
}

int jszg_admin_error(jszg_req *jr, jszg_staff *st, int status,
                     const char *code, const char *message)
{
    json_t *d;

    if (jr->is_api)
        return jszg_error(jr, status, code, message);
    d = jszg_admin_data(jr, st, status == 403 ? "无权访问" : "操作未完成",
                        NULL);
    json_object_set_new(d, "status", json_integer(status));
    json_object_set_new(d, "code", json_string(code ? code : "error"));
    json_object_set_new(d, "message", json_string(message));
    if (jszg_render_layout(jr, status, "admin/error", "admin/layout", d)
        != OK)
        return jszg_error(jr, status, code, message);
    return OK;
}

int jszg_admin_fail(jszg_req *jr, jszg_staff *st, const jszg_fail *e)
{
    if (e->status == HTTP_SERVICE_UNAVAILABLE
        || e->status == HTTP_INTERNAL_SERVER_ERROR)
        return e->status;
    if (jr->is_api)
        return jszg_fail_api(jr, e);
    return jszg_admin_error(jr, st, e->status, e->code, e->message);
}

void jszg_admin_denied(jszg_req *jr, jszg_staff *st, const char *target)
{
    /* notice, not warn: a guessed id is an event to record, not a fault */
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, jr->r, JSZGLOGNO(17002)
                  "back office: %s (%s) denied %s %s (target %s)",
                  st ? st->username : "-",
                  st ? jszg_admin_role_name(st->role) : "-",
                  jr->r->method, jr->r->uri, target ? target : "-");
    jszg_admin_audit(jr, st, "scope.denied", target,
                     apr_pstrcat(jr->pool, jr->r->method, " ", jr->r->uri,
                                 NULL));
}

int jszg_admin_forbidden(jszg_req *jr, jszg_staff *st, const char *target)
{
    jszg_admin_denied(jr, st, target);
    return jszg_admin_error(jr, st, HTTP_FORBIDDEN, "forbidden",
                            "您无权查看或办理该业务（超出您的管辖范围）。");
}

/* ---- the guard --------------------------------------------------------- */

static int need_login(jszg_req *jr)
{
    const char *uri = jr->r->unparsed_uri;

    jszg_no_store(jr->r);
    if (jr->is_api || jr->r->method_number != M_GET)
        return jszg_admin_error(jr, NULL, HTTP_UNAUTHORIZED,
                                "admin_login_required",
                                "您尚未登录管理系统或登录已超时，请重新登录。");
    return jszg_redirect(jr, apr_pstrcat(jr->pool, "/admin/login?next=",
                                         ap_escape_urlencoded(jr->pool, uri),
                                         NULL));
}

/* An answer was sent (OK from the answer functions): tell the handler
 * to stop with DONE, which jszg_handle treats as success. */
static int answered(int rc)
{
    return rc == OK ? DONE : rc;
}

static int need_new_password(jszg_req *jr, jszg_staff *st)
{
    if (jr->is_api || jr->r->method_number != M_GET)
        return jszg_admin_error(jr, st, HTTP_FORBIDDEN,
                                "password_change_required",
                                "您的密码由管理员设置，请先修改密码。");
    return jszg_redirect(jr, "/admin/password");
}

/* The guard of every JSZG_STAFF route, run by jszg_handle before the
 * handler: a live admin session, for POST the admin CSRF token, while a
 * password set by an administrator waits to be changed only the routes
 * marked JSZG_R_PWOK (the change itself, the tokens, logging out), and
 * a role in `roles`.  OK with jr->staff set, else the answer's status
 * (DONE once sent). */
int jszg_admin_guard(jszg_req *jr, int roles)
{
    jszg_staff *st;
    int failed;

    jr->staff = NULL;
    jszg_no_store(jr->r);
    if (!(st = staff_get(jr, &failed)))
        return failed != JSZG_DB_OK ? jszg_db_status(failed)
                                    : answered(need_login(jr));
    if (jr->r->method_number == M_POST && !admin_csrf_ok(jr, st))
        return answered(jszg_admin_error(jr, st, HTTP_FORBIDDEN, "csrf",
                        "页面已过期或来源无效，请刷新页面后重新提交。"));
    jszg_admin_save(jr, st);
    if (st->must_change
        && !(jr->route && (jr->route->flags & JSZG_R_PWOK)))
        return answered(need_new_password(jr, st));
    if (!(st->role & roles))
        return answered(jszg_admin_forbidden(jr, st, jr->r->uri));
    jr->staff = st;
    return OK;
}

/* ---- login / logout ---------------------------------------------------- */

/* Only back-office paths are valid targets after login. */
static const char *safe_next(const char *next)
{
    const char *c;

    if (!next || strncmp(next, "/admin/", 7) || strstr(next, "//")
        || strchr(next, '\\') || !strncmp(next, "/admin/login", 12))
        return "/admin/";
    for (c = next; *c; c++)         /* CR/LF, tab: never in a Location */
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return "/admin/";
    return next;
}

static int login_form(jszg_req *jr, int status, const char *username,
                      const char *next, const char *error, int captcha)
{
    json_t *d = jszg_admin_data(jr, NULL, "工作人员登录", NULL);
    int rc;

    jszg_no_store(jr->r);
    json_object_set_new(d, "login_page", json_true());
    json_object_set_new(d, "next", json_string(safe_next(next)));
    if (username)
        json_object_set_new(d, "username", json_string(username));
    if (error)
        json_object_set_new(d, "error", json_string(error));
    if (captcha && (rc = jszg_acct_captcha_widget(jr, d)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    return jszg_render_layout(jr, status, "admin/login", "admin/layout", d);
}

int jszg_admin_login_page(jszg_req *jr)
{
    int failed;

    if (staff_get(jr, &failed))
        return jszg_redirect(jr, safe_next(jszg_query(jr, "next")));
    return login_form(jr, HTTP_OK, NULL, jszg_query(jr, "next"), NULL, 0);
}

/* A username is 3..32 of [a-z0-9._-]; compared lower-case. */
static char *clean_username(apr_pool_t *p, const char *in)
{
    char *u;
    apr_size_t i, n;

    if (!in)
        return NULL;
    while (apr_isspace(*in))
        in++;
    u = apr_pstrdup(p, in);
    n = strlen(u);
    while (n && apr_isspace(u[n - 1]))
        u[--n] = '\0';
    if (n < 3 || n > 32)
        return NULL;
    for (i = 0; i < n; i++) {
        u[i] = (char)apr_tolower(u[i]);
        if (!(apr_isalnum(u[i]) || u[i] == '.' || u[i] == '_'
              || u[i] == '-'))
            return NULL;
    }
    return u;
}

/* The session row of a successful login; *token is for the cookie, set
 * once the login's transaction has committed. */
static int start_session(jszg_req *jr, json_t *staff, const char **token_out)
{
    const char *old = admin_cookie(jr);
    const char *token = jszg_random_token(jr->pool, 32);
    const char *hash, *now = jszg_now_str(jr);
    const char *exp = apr_psprintf(jr->pool, "%" APR_TIME_T_FMT,
                                   apr_time_sec(jr->now
                                                + jr->sc->session_max));
    const char *ua = apr_table_get(jr->r->headers_in, "User-Agent");
    char ubuf[200];
    int rc;

    if (!token)
        return JSZG_DB_ERROR;
    /* rotation: whatever session this browser had is gone */
    if (token_ok(old)
        && (rc = jszg_db_exec(jr, "admin_session_delete", NULL, 1,
                              jszg_sha256_hex(jr->pool, old)))
           != JSZG_DB_OK)
        return rc;
    apr_cpystrn(ubuf, ua ? ua : "", sizeof(ubuf));
    if (!jszg_utf8_valid(ubuf, strlen(ubuf)))
        ubuf[0] = '\0';
    hash = jszg_sha256_hex(jr->pool, token);
    rc = jszg_db_exec(jr, "admin_session_insert", NULL, 7, hash,
                      jszg_jstr(staff, "id"), now, now, exp, client_ip(jr), ubuf);
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "admin_staff_login_at", NULL, 2, now,
                          jszg_jstr(staff, "id"));
    *token_out = token;
    return rc;
}

/*
 * No lock on a username (anyone could lock sysadmin out with five
 * POSTs): jszg_login_gate throttles per address and per (username,
 * address) before any bcrypt, and once the username has failed
 * JSZG_STAFF_CAPTCHA_AFTER times from anywhere, every try on it must
 * first pass the slider captcha.  The owner at their own address keeps
 * logging in (with the captcha) while someone hammers the account from
 * elsewhere.
 */
int jszg_admin_login_post(jszg_req *jr)
{
    const char *pw = jszg_field(jr, "password");
    const char *next = jszg_field(jr, "next");
    char *user = clean_username(jr->pool, jszg_field(jr, "username"));
    json_t *staff = NULL;
    jszg_staff who = { 0 };
    jszg_fail e = JSZG_FAIL(jr->pool);
    const char *token = NULL;
    int rc, fails = 0;

    jszg_no_store(jr->r);
    if (!user || !pw || !*pw)
        return login_form(jr, HTTP_OK, user, next,
                          "请输入用户名和密码。", 0);
    who.username = user;
    rc = jszg_login_gate(jr, THROTTLE_SCOPE, user, JSZG_STAFF_IP_MAX, &e);
    if (rc == JSZG_REFUSED) {
        /* the error log, not the audit table: a refused try writes
         * nothing to the database, however many come */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, jr->r, JSZGLOGNO(10300)
                      "back office: login for '%s' refused (%s), retry in "
                      "%d s", user, e.code, e.retry_after);
        apr_table_setn(jr->r->err_headers_out, "Retry-After",
                       apr_itoa(jr->pool, e.retry_after));
        return login_form(jr, e.status, user, next, e.message, 0);
    }
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    rc = jszg_login_account_failures(jr, THROTTLE_SCOPE, user, &fails);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    if (fails >= JSZG_STAFF_CAPTCHA_AFTER) {
        rc = jszg_acct_captcha_form(jr, &e);
        if (rc == JSZG_REFUSED) {
            const char *msg = jszg_fail_field_message(&e, "captcha");
            if (!jszg_field(jr, "captcha_token"))
                msg = LOGIN_CAPTCHA;
            return login_form(jr, HTTP_OK, user, next, msg, 1);
        }
        if (rc != JSZG_DB_OK)
            return jszg_db_status(rc);
    }
    rc = jszg_db_row(jr, "admin_staff_by_username", &staff, 1, user);
    if (rc != JSZG_DB_OK && rc != JSZG_DB_NOTFOUND)
        return jszg_db_status(rc);
    /* an unknown username costs one bcrypt too (dummy hash) */
    if (!jszg_password_verify(pw, staff ? jszg_jstr(staff, "password_hash")
                                        : NULL)) {
        /* the throttle's count and the audit row together */
        if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
            return jszg_db_status(rc);
        if ((rc = jszg_login_failed(jr, THROTTLE_SCOPE, user)) == JSZG_DB_OK
            && (rc = jszg_admin_audit(jr, &who, "login.failed", NULL,
                                      NULL)) == JSZG_DB_OK)
            rc = jszg_db_commit(jr);
        else
            jszg_db_rollback(jr);
        if (rc != JSZG_DB_OK)
            return jszg_db_status(rc);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, jr->r, JSZGLOGNO(17003)
                      "back office: failed login for '%s'", user);
        return login_form(jr, HTTP_OK, user, next, LOGIN_FAILED,
                          fails + 1 >= JSZG_STAFF_CAPTCHA_AFTER);
    }
    /* the session, its rotation, the throttle's reset and the audit
     * row: one transaction */
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    if ((rc = start_session(jr, staff, &token)) == JSZG_DB_OK
        && (rc = jszg_login_succeeded(jr, THROTTLE_SCOPE, user))
           == JSZG_DB_OK
        && (rc = jszg_admin_audit(jr, &who, "login", NULL, NULL))
           == JSZG_DB_OK)
        rc = jszg_db_commit(jr);
    else
        jszg_db_rollback(jr);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    set_admin_cookie(jr, token, 0);
    return jszg_redirect(jr, safe_next(next));
}

int jszg_admin_logout(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);

    jszg_db_exec(jr, "admin_session_delete", NULL, 1, st->id_hash);
    set_admin_cookie(jr, "", 1);
    jszg_admin_audit(jr, st, "logout", NULL, NULL);
    return jszg_redirect(jr, "/admin/login");
}

/* ---- home and small API ------------------------------------------------ */

int jszg_admin_home(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *d;

    d = jszg_admin_data(jr, st, "工作台", "home");
    return jszg_render_layout(jr, HTTP_OK, "admin/home", "admin/layout", d);
}

/* Both tokens an API client must send with a POST: X-CSRF-Token (the
 * site-wide check) and X-Admin-CSRF-Token (bound to this admin session). */
int jszg_admin_api_csrf(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *b;

    b = jszg_pool_json(jr->pool, json_object());
    json_object_set_new(b, "csrf", json_string(jszg_csrf_token(jr)));
    json_object_set_new(b, "admin_csrf",
                        json_string(jszg_admin_csrf_token(jr, st)));
    return jszg_json(jr, HTTP_OK, b);
}

int jszg_admin_api_me(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *b;

    b = jszg_pool_json(jr->pool, json_object());
    json_object_set_new(b, "username", json_string(st->username));
    json_object_set_new(b, "name", json_string(st->name));
    json_object_set_new(b, "role_name",
                        json_string(jszg_admin_role_name(st->role)));
    json_object_set(b, "scope", json_object_get(st->data, "_scope"));
    return jszg_json(jr, HTTP_OK, b);
}
