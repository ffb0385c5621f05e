/*
 * jszg_admin_auth.c -- back-office staff: login, the staff member of a
 * session, the guard of every staff route (JSZG_STAFF in the route
 * table; jszg_handle runs it before the handler, which takes the staff
 * member from jszg_admin_staff(jr)), audit and rendering helpers.
 *
 * Staff sessions are the session system's (jszg_session.c) of the
 * staff kind: every /admin route is JSZG_R_BACKOFFICE, so its session
 * is read from the cookie jszg_admin (Path=/admin, SameSite=Strict) and
 * the table admin_sessions, never the applicant's; the CSRF check of
 * every POST (jszg_handle) binds the token to that session.  A browser
 * logged in as an applicant gets nothing from it here, and an admin
 * cookie is never even sent to the applicant pages.
 */
#include "jszg_admin.h"
#include "jszg_account.h"
#include "jszg_password.h"
#include "apr_strings.h"
#include "apr_lib.h"

#define THROTTLE_SCOPE  "admin"         /* kinds admin.login_* (jszg_login_gate) */

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

/* ---- sessions -------------------------------------------------------- */

/* The staff member of this request's session (the staff kind: a
 * JSZG_R_BACKOFFICE route), or NULL.  The session system has dropped an
 * expired session already; one whose row names no role we know is ended
 * here.  A session that could not be read (the database is unreachable,
 * say in a failover) is NULL with jr->session_db_down set: not "logged
 * out" (jszg_handle answers 503, tests/faults/test_failover.py). */
static jszg_staff *staff_get(jszg_req *jr)
{
    jszg_session *s;
    jszg_staff *st;
    json_t *row;

    if (jr->kind != JSZG_SESS_STAFF || !(s = jszg_session_get(jr)))
        return NULL;
    row = s->row;
    st = apr_pcalloc(jr->pool, sizeof(*st));
    st->role = jszg_adm_role_of(jszg_jstr(row, "role"));
    if (!st->role) {
        jszg_session_destroy(jr);
        return NULL;
    }
    st->id = jszg_jstr(row, "staff_id");
    st->username = jszg_jstr(row, "username");
    st->name = jszg_jstr(row, "name");
    st->point_id = jszg_jstr(row, "point_id");
    st->institution_id = jszg_jstr(row, "institution_id");
    st->province_code = jszg_jstr(row, "province_code");
    st->id_hash = s->id_hash;
    st->must_change = jszg_jstr(row, "must_change_password")
                      && !strcmp(jszg_jstr(row, "must_change_password"), "1");
    st->scope = jszg_pool_json(jr->pool, json_pack(
        "{s:s?, s:s?, s:s?}", "point", jszg_jstr(row, "point_name"),
        "institution", jszg_jstr(row, "institution_name"),
        "province", jszg_jstr(row, "province_name")));
    return st;
}

void jszg_admin_flash(jszg_req *jr, jszg_staff *st, const char *msg)
{
    (void)st;
    if (!jr->session)
        return;
    json_object_set_new(jr->session->data, "flash", json_string(msg));
    jr->session->dirty = 1;
    jszg_session_save(jr);
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
    json_object_set_new(d, "staff", json_pack(
        "{s:s, s:s, s:s, s:O}", "name", st->name, "username", st->username,
        "role_name", jszg_admin_role_name(st->role), "scope", st->scope));
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
    if (jr->session
        && (flash = json_object_get(jr->session->data, "flash"))) {
        json_object_set(d, "flash", flash);
        json_object_del(jr->session->data, "flash");
        jr->session->dirty = 1;
        jszg_session_save(jr);
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
 * handler (which has checked a POST's CSRF token against this staff
 * session already): a live staff session, while a password set by an
 * administrator waits to be changed only the routes marked JSZG_R_PWOK
 * (the change itself, the token, logging out), and a role in `roles`.
 * OK with jr->staff set, else the answer's status (DONE once sent). */
int jszg_admin_guard(jszg_req *jr, int roles)
{
    jszg_staff *st;

    jr->staff = NULL;
    jszg_no_store(jr->r);
    if (!(st = staff_get(jr)))
        return jr->session_db_down ? HTTP_SERVICE_UNAVAILABLE
                                   : answered(need_login(jr));
    jszg_session_save(jr);
    if (st->must_change
        && !(jr->route && (jr->route->flags & JSZG_R_PWOK)))
        return answered(need_new_password(jr, st));
    if (!(st->role & roles))
        return answered(jszg_admin_forbidden(jr, st, jr->r->uri));
    jr->staff = st;
    return OK;
}

int jszg_admin_csrf_refused(jszg_req *jr)
{
    jszg_no_store(jr->r);
    return jszg_admin_error(jr, staff_get(jr), HTTP_FORBIDDEN, "csrf",
                            "页面已过期或来源无效，请刷新页面后重新提交。");
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
    if (staff_get(jr))
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

/* The session of a successful login (the old one of this browser
 * ended: rotation) and the staff member's last login time; the cookie
 * is sent once the login's transaction has committed. */
static int start_session(jszg_req *jr, json_t *staff)
{
    if (!jszg_session_open(jr, jszg_jstr(staff, "id")))
        return jr->trans_rc != JSZG_DB_OK ? jr->trans_rc : JSZG_DB_ERROR;
    return jszg_db_exec(jr, "admin_staff_login_at", NULL, 2,
                        jszg_now_str(jr), jszg_jstr(staff, "id"));
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
    if ((rc = start_session(jr, staff)) == JSZG_DB_OK
        && (rc = jszg_login_succeeded(jr, THROTTLE_SCOPE, user))
           == JSZG_DB_OK
        && (rc = jszg_admin_audit(jr, &who, "login", NULL, NULL))
           == JSZG_DB_OK)
        rc = jszg_db_commit(jr);
    else
        jszg_db_rollback(jr);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_session_cookie(jr);
    return jszg_redirect(jr, safe_next(next));
}

int jszg_admin_logout(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);

    jszg_session_destroy(jr);
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

/* The token an API client sends with a POST (X-CSRF-Token, as on the
 * applicant API), bound to this staff session. */
int jszg_admin_api_csrf(jszg_req *jr)
{
    json_t *b;

    b = jszg_pool_json(jr->pool, json_object());
    json_object_set_new(b, "csrf", json_string(jszg_csrf_token(jr)));
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
    json_object_set(b, "scope", st->scope);
    return jszg_json(jr, HTTP_OK, b);
}
