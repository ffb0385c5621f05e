/*
 * jszg_private.h -- names shared by the httpd glue of mod_jszg.
 *
 * The pure helpers (jszg_view, jszg_form, jszg_idcard) have their own
 * headers and do not include this one: they are unit-tested without httpd.
 */
#ifndef JSZG_PRIVATE_H
#define JSZG_PRIVATE_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "apr_dbd.h"
#include "mod_dbd.h"
#include <jansson.h>

#include "jszg_form.h"
#include "jszg_view.h"
#include "jszg_json.h"

#ifndef JSZG_MODULE_FILE   /* mod_jszg.c gets it from AP_DECLARE_MODULE */
APLOG_USE_MODULE(jszg);
#endif
extern module AP_MODULE_DECLARE_DATA jszg_module;

/* Our own log ids, in the style of APLOGNO: grep-able and unique. */
#define JSZGLOGNO(n) "JSZG" #n ": "

/* The schema version this build expects: the Makefile passes the number
 * of the newest migration in sql/sqlite/ (NNN_name.sql). */
#ifndef JSZG_SCHEMA_VERSION
#error "JSZG_SCHEMA_VERSION must be defined (see the Makefile)"
#endif

#define JSZG_SECRET_MIN 32

typedef enum { JSZG_MODE_DEV = 0, JSZG_MODE_PRODUCTION = 1 } jszg_mode_e;
typedef enum { JSZG_SECURE_AUTO = 0, JSZG_SECURE_ON, JSZG_SECURE_OFF }
    jszg_secure_e;

/* Per-server configuration; -1 / NULL mean "not set" until merged. */
typedef struct {
    const char *template_dir;
    const char *upload_dir;
    const char *secret_file;
    const char *sms_gateway;    /* NULL: outbox only */
    int sms_gateway_set;
    unsigned char secret[64];
    apr_size_t secret_len;
    int mode;                   /* jszg_mode_e */
    int cookie_secure;          /* jszg_secure_e */
    apr_interval_time_t session_idle;
    apr_interval_time_t session_max;
    int test_clock;             /* honour X-Jszg-Test-Now (dev only) */
    int page_size;
    int school_adds;            /* 新增学校 per account and day */
    int correct_days;           /* JszgDecisionCorrectDays */
    apr_interval_time_t draft_idle;     /* wizard draft expiry */
    int housekeeping;           /* seconds between purges; 0 = none */
    int body_min_rate;          /* JszgBodyMinRate: bytes a second ... */
    int body_grace;             /* ... after so many seconds */
    int home_cache;             /* JszgHomeCacheSeconds; 0 = none */
    jszg_view *view;            /* parsed templates, per child */
    void *adm;                  /* admission control (jszg_admission.c) */
} jszg_server_conf;

/* Per-directory configuration: request body limits. */
typedef struct {
    apr_off_t max_body;
    int max_fields;
    apr_off_t max_field_len;
    apr_off_t max_file_len;
    int max_files;
} jszg_dir_conf;

/* The two kinds of session, one mechanism (jszg_session.c): the kind
 * chooses the cookie's name and scope and the store's statements.  A
 * request has one kind, its route's (JSZG_R_BACKOFFICE: staff). */
typedef enum {
    JSZG_SESS_APPLICANT = 0,    /* cookie jszg_sid, table sessions */
    JSZG_SESS_STAFF = 1         /* cookie jszg_admin, table admin_sessions */
} jszg_sess_kind;

/* The session of a request, when there is one. */
typedef struct {
    int kind;                   /* jszg_sess_kind */
    const char *token;          /* raw token from the cookie */
    const char *id_hash;        /* hex sha256 of the token, the row key */
    const char *account_id;     /* applicant: NULL when anonymous; always
                                   NULL for a staff session */
    json_t *data;               /* small per-session JSON (entry, drafts,
                                   the staff's flash message) */
    json_t *account;            /* the account's row (the columns of
                                   wz_account), read with the session in
                                   one query; NULL once the request has
                                   written anything (jszg_db_exec) */
    json_t *row;                /* staff: the staff member's row, read
                                   with the session (jszg_admin_auth.c) */
    apr_time_t created;
    int dirty;
} jszg_session;

typedef struct jszg_req jszg_req;

/* jr->now as Beijing wall-clock text 'YYYY-MM-DD HH:MM:SS', as the
 * windows table and the rules core compare it; *year its year (year may
 * be NULL).  In the request pool. */
const char *jszg_beijing_now(jszg_req *jr, int *year);
typedef int (*jszg_handler_fn)(jszg_req *jr);

/* Route flags. */
#define JSZG_R_API      0x01    /* JSON errors, /api/v1/... */
#define JSZG_R_AUTH     0x02    /* needs a logged-in applicant */
#define JSZG_R_NOCSRF   0x04    /* state-free POST (never for changes) */
#define JSZG_R_PUBLIC   0x08    /* the same page for every anonymous
                                   visitor: ETag and 304s (jszg_render) */
#define JSZG_R_STAFF    0x10    /* needs a logged-in staff member whose
                                   role is in the route's `roles`
                                   (jszg_admin_guard, before the handler) */
#define JSZG_R_PWOK     0x20    /* staff: served while a password set by
                                   an administrator waits to be changed */
#define JSZG_R_NODB     0x40    /* answered from memory: no session, no
                                   schema check, no database (the waiting
                                   room's poll, at the peak) */
#define JSZG_R_BACKOFFICE 0x80  /* the request's session is the staff
                                   kind (every /admin route: the staff
                                   routes and the login form) */

/* A staff route: { "GET", "/admin/x", fn, JSZG_STAFF(JSZG_ROLES_...) }
 * (role sets in jszg_admin.h): the roles ride in the flags' high bits,
 * JSZG_R_ROLES(flags) gives them back. */
#define JSZG_R_ROLE_SHIFT       8
#define JSZG_STAFF(roles)       (JSZG_R_STAFF | JSZG_R_BACKOFFICE \
                                 | ((roles) << JSZG_R_ROLE_SHIFT))
#define JSZG_STAFF_PWOK(roles)  (JSZG_STAFF(roles) | JSZG_R_PWOK)
#define JSZG_R_ROLES(flags)     ((flags) >> JSZG_R_ROLE_SHIFT)

typedef struct {
    const char *method;         /* "GET" or "POST" */
    const char *pattern;        /* "/news/{id}" */
    jszg_handler_fn fn;
    int flags;                  /* JSZG_R_*, JSZG_STAFF(roles) */
} jszg_route;

typedef struct jszg_staff jszg_staff;   /* jszg_admin.h */

/* Everything a handler needs about one request. */
struct jszg_req {
    request_rec *r;
    apr_pool_t *pool;
    jszg_server_conf *sc;
    jszg_dir_conf *dc;
    const jszg_route *route;
    apr_table_t *params;        /* {name} captures from the pattern */
    apr_array_header_t *query;  /* parsed query string */
    apr_array_header_t *form;   /* parsed body (POST) */
    int kind;                   /* jszg_sess_kind of the route */
    jszg_session *session;      /* of that kind, loaded lazily */
    int session_loaded;
    int session_db_down;        /* the cookie's session could not be read:
                                   the database is unreachable (503, not
                                   logged out: jszg_handle) */
    ap_dbd_t *dbd;              /* acquired lazily */
    apr_dbd_transaction_t *trans;
    int trans_rc;               /* a statement inside failed: commit
                                   rolls back and returns this */
    apr_time_t now;             /* wall clock, or the injected test clock */
    int is_api;
    jszg_staff *staff;          /* JSZG_R_STAFF routes: the staff member
                                   the guard let in (jszg_admin_staff) */
};

/* The module's configuration of the request's server (no function
 * call into mod_jszg.c: the areas need not know the module record's
 * file). */
static inline jszg_server_conf *jszg_sconf(request_rec *r)
{
    return ap_get_module_config(r->server->module_config, &jszg_module);
}

/* mod_jszg.c */

void jszg_dir_limits(const jszg_dir_conf *dc, jszg_form_limits *lim);

/* jszg_conf.c: the checks every directive setter shares */
const char *jszg_cmd_range(cmd_parms *cmd, const char *arg,
                           apr_int64_t min, apr_int64_t max,
                           apr_int64_t *out);

/* jszg_routes.c: *path_known says which methods the path has routes for
 * (0: none, a 404) */
#define JSZG_KNOWN_GET  1
#define JSZG_KNOWN_POST 2
const jszg_route *jszg_route_match(apr_pool_t *p, const char *method,
                                   const char *path, apr_table_t *params,
                                   int *path_known);
const jszg_route *jszg_routes_all(int *n);

/* jszg_admin_auth.c: the guard of JSZG_R_STAFF routes, run by
 * jszg_handle before the handler.  OK with jr->staff set, else the
 * answer's status (DONE once sent). */
int jszg_admin_guard(jszg_req *jr, int roles);
/* The CSRF refusal (jszg_handle's check) of a back-office route, in the
 * back office's layout or JSON: 403 csrf. */
int jszg_admin_csrf_refused(jszg_req *jr);

/* jszg_http.c */
int jszg_handle(request_rec *r);
/* translate_name/map_to_storage: the module's pages skip the file walk */
void jszg_page_register_hooks(void);
/* An error answer (jszg_error) for a request no handler has taken yet:
 * the gate's refusal of a body (jszg_admission_body.c). */
int jszg_error_request(request_rec *r, int status, const char *code,
                       const char *message);
const char *jszg_param(jszg_req *jr, const char *name);
const char *jszg_query(jszg_req *jr, const char *name);
const char *jszg_field(jszg_req *jr, const char *name);
int jszg_query_int(jszg_req *jr, const char *name, long min, long max,
                   long dflt, long *out);
int jszg_render(jszg_req *jr, int status, const char *tpl, json_t *data);
int jszg_json(jszg_req *jr, int status, json_t *body);
/* Type an API body in place (ids and counts as integers, flags as
 * booleans, times as ISO 8601 with the Beijing offset); jszg_json does it for every
 * answer. */
void jszg_api_types(json_t *body);
int jszg_error(jszg_req *jr, int status, const char *code,
               const char *message);
/* jszg_error's API body, {"error": {code, message}} (NULL: the status's
 * code or message), for an answer that adds to "error" (jszg_fail_api). */
json_t *jszg_error_body(jszg_req *jr, int status, const char *code,
                        const char *message);
int jszg_redirect(jszg_req *jr, const char *location);
int jszg_local_path(const char *location);
json_t *jszg_page_data(jszg_req *jr, const char *title, const char *nav);
void jszg_rows_link(apr_pool_t *p, json_t *rows, const char *prefix);
void jszg_crumbs(jszg_req *jr, json_t *data, ...);
void jszg_no_store(request_rec *r);
/* Send body (len bytes, type ct) with this status; OK. */
int jszg_send(request_rec *r, int status, const char *ct, const void *body,
              apr_size_t len);
void jszg_security_headers(request_rec *r);
/* Whether a path is the JSON API's (/api/..., /admin/api/...): the one
 * place that decides it, for the handler, the error pages and the
 * waiting room. */
int jszg_uri_is_api(const char *uri);

/* jszg_session.c */
apr_status_t jszg_secret_load(apr_pool_t *p, jszg_server_conf *sc,
                              const char **err);
/* The live session of the request's kind (jr->kind), or NULL: none,
 * expired (deleted, cookie cleared), or not readable (jr->session_db_down
 * set: the database is unreachable).  Loaded once per request. */
jszg_session *jszg_session_get(jszg_req *jr);
/* A site-wide cookie (Path=/, HttpOnly, SameSite=Lax, Secure as
 * JszgCookieSecure says); max_age < 0: a browser-session cookie.  The
 * session cookies go through the same policy (jszg_session.c). */
void jszg_set_cookie(jszg_req *jr, const char *name, const char *value,
                     int max_age);
/* Applicants: the session, an anonymous one created if there is none
 * (never for the staff kind: NULL). */
jszg_session *jszg_session_ensure(jszg_req *jr);
/* A fresh session of the request's kind for `owner_id` (an account or
 * a staff id): whatever session the browser had is deleted (no
 * fixation; its data is carried over).  _open writes the rows only, for
 * a caller inside a transaction, which sends the cookie with
 * jszg_session_cookie once committed; _login does both. */
jszg_session *jszg_session_open(jszg_req *jr, const char *owner_id);
void jszg_session_cookie(jszg_req *jr);
jszg_session *jszg_session_login(jszg_req *jr, const char *owner_id);
/* Write the session's data and idle clock if they changed (the clock
 * moves at most once a minute). */
apr_status_t jszg_session_save(jszg_req *jr);
/* Log out: the row deleted, the cookie cleared. */
apr_status_t jszg_session_destroy(jszg_req *jr);
/* The CSRF token of the request: bound to its session (of its kind),
 * before login to the anonymous cookie jszg_csrf.  Every POST sends it
 * as the field `_csrf` or the header X-CSRF-Token; jszg_csrf_check is
 * run by jszg_handle for every POST route but JSZG_R_NOCSRF. */
const char *jszg_csrf_token(jszg_req *jr);
int jszg_csrf_check(jszg_req *jr);
void jszg_crypto_child_init(apr_pool_t *pchild, server_rec *s);
const char *jszg_hmac_b64(apr_pool_t *p, const unsigned char *key,
                          apr_size_t klen, const char *msg);
const char *jszg_random_token(apr_pool_t *p, apr_size_t nbytes);
const char *jszg_sha256_hex(apr_pool_t *p, const char *s);
int jszg_const_eq(const char *a, const char *b);

/* jszg_store.c */
void jszg_store_prepare_all(server_rec *main_s, server_rec *s);
/* The first statement label defined twice across the store's tables, or
 * NULL (check_config refuses to start with one). */
const char *jszg_store_duplicate_label(apr_pool_t *p);
ap_dbd_t *jszg_db(jszg_req *jr);
/* the handler is done with the database: its connection back to the pool
 * (not inside a transaction) */
void jszg_db_release(jszg_req *jr);
int jszg_db_usable(ap_dbd_t *db, server_rec *s);
/* child_init: what the store needs once per child (the pgsql driver's
 * libpq functions are looked up on first use). */
void jszg_db_child_init(apr_pool_t *p);
int jszg_db_rows(jszg_req *jr, const char *label, json_t **rows,
                 int nargs, ...);
int jszg_db_row(jszg_req *jr, const char *label, json_t **row,
                int nargs, ...);
int jszg_db_exec(jszg_req *jr, const char *label, int *nrows,
                 int nargs, ...);
/* One audit_log row, inside the caller's transaction if there is one
 * (then the row is part of the change): who ("staff:<user>", an ID
 * number), what, on what, a note; the time and the client's address are
 * the request's. */
int jszg_audit_write(jszg_req *jr, const char *actor, const char *action,
                     const char *target, const char *note);
int jszg_db_begin(jszg_req *jr);
int jszg_db_commit(jszg_req *jr);
void jszg_db_rollback(jszg_req *jr);
int jszg_db_finish(jszg_req *jr);
int jszg_schema_check(jszg_req *jr);

/* Store results: JSZG_DB_OK, or a failure the caller turns into 503. */
#define JSZG_DB_OK      0
#define JSZG_DB_NOTFOUND 1
#define JSZG_DB_DOWN    2
#define JSZG_DB_ERROR   3

/* A handler's answer to a failed store call: 503 when the database is
 * unreachable (jszg_handle renders the 503 page), else 500. */
#define jszg_db_status(rc) \
    ((rc) == JSZG_DB_DOWN ? HTTP_SERVICE_UNAVAILABLE \
                          : HTTP_INTERNAL_SERVER_ERROR)

/* ---- jszg_fail.c: a service's refusal ---------------------------------
 * The one failure type of the services (accounts, wizard, records, back
 * office): a service returns JSZG_DB_OK, a store failure (JSZG_DB_DOWN /
 * JSZG_DB_ERROR) or JSZG_REFUSED with the jszg_fail saying why (the back
 * office's services return the refusal's HTTP status instead, see
 * jszg_admin.h).  The failure knows nothing of pages or JSON: a page puts
 * it into its template data (jszg_fail_page), an API answers it
 * (jszg_fail_answer). */
#define JSZG_REFUSED    10

/* One field's error, shown next to the field. */
typedef struct {
    const char *field;
    const char *code;
    const char *message;
} jszg_fail_field_t;

typedef struct {
    int status;                 /* HTTP status: 400, 401, 403, 409, ... */
    const char *code;           /* stable code, e.g. "window_closed" */
    const char *message;        /* Chinese, for people */
    apr_array_header_t *fields; /* jszg_fail_field_t in form order (the
                                   first error of a field counts), NULL
                                   while there are none */
    const char *locked_until;   /* login throttle: when it lifts */
    int retry_after;            /* seconds, for Retry-After; 0: none */
    int remaining;              /* 实名核验 left today; -1: n/a */
    apr_pool_t *pool;           /* of the field list */
} jszg_fail;

/* A fresh failure (nothing refused yet): jszg_fail f = JSZG_FAIL(pool); */
#define JSZG_FAIL(p) { .remaining = -1, .pool = (p) }

/* Back to nothing refused (a refusal withdrawn), the pool kept. */
void jszg_fail_clear(jszg_fail *f);
/* Status, code and message; returns the status. */
int jszg_fail_set(jszg_fail *f, int status, const char *code,
                  const char *message);
/* The same, returning JSZG_REFUSED (a service's `return jszg_refuse(..)`). */
int jszg_refuse(jszg_fail *f, int status, const char *code,
                const char *message);
/* Add a field's error (ignored when the field has one already). */
void jszg_fail_field(jszg_fail *f, const char *field, const char *code,
                     const char *message);
/* A field's error, or NULL. */
const jszg_fail_field_t *jszg_fail_field_get(const jszg_fail *f,
                                             const char *field);
/* A field's message, or NULL. */
const char *jszg_fail_field_message(const jszg_fail *f, const char *field);
/* Drop a field's error. */
void jszg_fail_field_drop(jszg_fail *f, const char *field);
/* How many fields have an error. */
int jszg_fail_nfields(const jszg_fail *f);
/* Into a page's template data: errors.<field> = message (the object is
 * made when missing), and error = the failure's message -- or, when
 * there are field errors and `summary` is not NULL, summary. */
void jszg_fail_page(json_t *data, const jszg_fail *f, const char *summary);
/* The API's answer to a failure: {"error": {code, message, fields:
 * {name: {code, message}} when there are any, locked_until, retry_after
 * (and the Retry-After header), remaining}} with the failure's status
 * (400 when unset), through jszg_error/jszg_json. */
int jszg_fail_api(jszg_req *jr, const jszg_fail *f);
/* The end of a page or API handler after a service failed: a store
 * failure's status (jszg_db_status), else the refusal -- the API's
 * answer (jszg_fail_api) or the error page. */
int jszg_fail_answer(jszg_req *jr, int rc, const jszg_fail *f);

/* Page handlers, one file per area. */
int jszg_page_home(jszg_req *jr);
/* jszg_page_home.c: the per-child copy of the home page's lists */
#define JSZG_HOME_CACHE_DEFAULT 2       /* JszgHomeCacheSeconds */
void jszg_home_child_init(apr_pool_t *pchild);
int jszg_page_error(jszg_req *jr);
int jszg_api_csrf(jszg_req *jr);
int jszg_api_health(jszg_req *jr);
int jszg_page_enter(jszg_req *jr);
int jszg_api_routes(jszg_req *jr);

/* Accessibility (jszg_page_a11y.c): what every layout needs -- the
 * 适老化 flag and its switch links, and for a page with data.errors the
 * error summary and the ids that tie each error to its field. */
void jszg_page_a11y(jszg_req *jr, int status, json_t *data);
int jszg_page_a11y_mode(jszg_req *jr);

#endif /* JSZG_PRIVATE_H */
