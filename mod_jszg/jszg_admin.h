/*
 * jszg_admin.h -- the back office (/admin/): staff login and sessions,
 * roles and scopes, 现场确认, 注册机构 decisions, 网报计划, manual review
 * queues, CSV import of registry data, statistics and the audit log.
 *
 * Layers, as everywhere in the module:
 *   jszg_admin_auth.c     login/logout, the staff member of a session (the
 *                         staff kind of jszg_session.c: cookie jszg_admin,
 *                         Path=/admin), the per-request guard, audit and
 *                         rendering helpers
 *   jszg_admin_apps.c     the status machine's staff transitions (services)
 *                         and the pages/API that call them
 *   jszg_admin_province.c 网报计划 and 注意事项 (province admins)
 *   jszg_admin_review.c   实名 manual reviews and hand-entered certificates
 *   jszg_admin_import.c   CSV import: dry run, transactional apply
 *   jszg_admin_stats.c    statistics (SVG + CSV) and the audit log viewer
 *   jszg_admin_lists.c    worklists and search: the 确认点 worklist and day
 *                         list, decided applications and 公示, search by
 *                         name, 报名号, ID number or phone (SQL in
 *                         jszg_store_lists.c)
 *   jszg_store_admin.c    every SQL statement of the above
 *
 * Services take typed arguments and return JSZG_ADM_OK, or the HTTP status
 * of a refusal with the jszg_fail (jszg_private.h: stable code, Chinese
 * message) saying why -- jszg_fail_set() returns the status; a store
 * failure is a 503/500 refusal with the code "db".  Page and JSON
 * handlers call the same service and only differ in how they answer
 * (jszg_admin_fail).
 */
#ifndef JSZG_ADMIN_H
#define JSZG_ADMIN_H

#include "jszg_private.h"
#include "jszg_rules.h"
#include "jszg_pager.h"

/* Roles, from the narrowest scope to the widest. */
typedef enum {
    JSZG_ROLE_POINT = 1,        /* 确认点 staff: one confirmation point */
    JSZG_ROLE_INSTITUTION = 2,  /* 注册机构 reviewer: one institution */
    JSZG_ROLE_PROVINCE = 4,     /* province admin: one province */
    JSZG_ROLE_SYSTEM = 8        /* system admin: everything */
} jszg_role;

/* Who may call a staff route (JSZG_STAFF(...) in the route tables
 * below): the sets the back office uses. */
#define JSZG_ROLES_ALL      (JSZG_ROLE_POINT | JSZG_ROLE_INSTITUTION \
                             | JSZG_ROLE_PROVINCE | JSZG_ROLE_SYSTEM)
/* 现场确认 */
#define JSZG_ROLES_CONFIRM  (JSZG_ROLE_POINT | JSZG_ROLE_SYSTEM)
/* 确认未通过 → 网报待确认 */
#define JSZG_ROLES_REOPEN   (JSZG_ROLE_POINT | JSZG_ROLE_INSTITUTION \
                             | JSZG_ROLE_SYSTEM)
/* 注册结论 */
#define JSZG_ROLES_DECIDE   (JSZG_ROLE_INSTITUTION | JSZG_ROLE_SYSTEM)
/* the queue, decided lists, corrections, statistics */
#define JSZG_ROLES_OFFICE   (JSZG_ROLE_INSTITUTION | JSZG_ROLE_PROVINCE \
                             | JSZG_ROLE_SYSTEM)
/* 网报计划, 注册机构/确认点/工作人员, import, hand-entered certificates */
#define JSZG_ROLES_PROVINCE (JSZG_ROLE_PROVINCE | JSZG_ROLE_SYSTEM)

/* The logged-in staff member of a request (typedef in jszg_private.h). */
struct jszg_staff {
    const char *id;
    const char *username;
    const char *name;
    jszg_role role;
    const char *point_id;       /* role point */
    const char *institution_id; /* role point (the point's) and institution */
    const char *province_code;  /* role province */
    const char *id_hash;        /* of the session (jr->session) */
    json_t *scope;              /* {point, institution, province}: names */
    int must_change;            /* a password set by an administrator:
                                   change it before anything else */
};

#define JSZG_ADM_OK 0

/* ---- jszg_admin_auth.c --------------------------------------------- */

/* The staff member of a JSZG_STAFF route, let in by jszg_admin_guard
 * (jszg_private.h) before the handler ran: a live admin session whose
 * role is in the route's roles, its password changed unless the route
 * is JSZG_STAFF_PWOK (a POST's CSRF token, bound to this session, was
 * checked by jszg_handle).  Never NULL in the handler of a staff route. */
static APR_INLINE jszg_staff *jszg_admin_staff(jszg_req *jr)
{
    return jr->staff;
}

/* Page data for the back-office layout (title, staff, csrf token). */
json_t *jszg_admin_data(jszg_req *jr, jszg_staff *st, const char *title,
                        const char *nav);

/* Render `tpl` inside `layout` (jszg_render always uses "layout"). */
int jszg_render_layout(jszg_req *jr, int status, const char *tpl,
                       const char *layout, json_t *data);

/* Error answer in the back-office layout, or JSON for the admin API;
 * jszg_admin_fail for a service's refusal (jszg_fail_api on the API,
 * a 503/500 left to jszg_handle). */
int jszg_admin_error(jszg_req *jr, jszg_staff *st, int status,
                     const char *code, const char *message);
int jszg_admin_fail(jszg_req *jr, jszg_staff *st, const jszg_fail *e);

/* 403 for an object outside the staff member's scope: logged at notice
 * and written to audit_log. */
int jszg_admin_forbidden(jszg_req *jr, jszg_staff *st, const char *target);
/* The logging half of it, for bulk actions that answer once at the end. */
void jszg_admin_denied(jszg_req *jr, jszg_staff *st, const char *target);

/* One audit_log row (inside the caller's transaction, if any). */
int jszg_admin_audit(jszg_req *jr, jszg_staff *st, const char *action,
                     const char *target, const char *note);
/* A CSV download (body: BOM, header, rows) as `filename`, no-store; it
 * leaves only with its audit row (`action`, `note`): a failed audit
 * write is the answer instead (jszg_admin_lists.c). */
int jszg_admin_send_csv(jszg_req *jr, jszg_staff *st, const char *filename,
                        const char *body, const char *action,
                        const char *note);

/* One-shot message for the next page (after a redirect). */
void jszg_admin_flash(jszg_req *jr, jszg_staff *st, const char *msg);

const char *jszg_admin_role_name(jszg_role role);
/* Role as stored ('point', ...) and as the route guard knows it; 0 for
 * anything else. */
jszg_role jszg_adm_role_of(const char *s);
/* An id from the URL: a positive decimal of at most 15 digits. */
int jszg_adm_id_ok(const char *id);
/* A system admin sees every province, anyone else only their own. */
int jszg_adm_in_province(jszg_staff *st, const char *prov);
/* The row of `stmt` for the URL's id: 404 "该<what>不存在。" when there is
 * none, 403 (audited as "<kind>:<id>") when its `prov_key` column is
 * outside the staff member's province.  OK with *row, else the answer's
 * status (DONE once sent). */
int jszg_adm_load_scoped(jszg_req *jr, jszg_staff *st, const char *stmt,
                         const char *id, const char *what, const char *kind,
                         const char *prov_key, json_t **row);
const char *jszg_now_str(jszg_req *jr);
void jszg_admin_times(jszg_req *jr, json_t *rows, const char *col);

int jszg_admin_login_page(jszg_req *jr);
int jszg_admin_login_post(jszg_req *jr);
int jszg_admin_logout(jszg_req *jr);
int jszg_admin_home(jszg_req *jr);
int jszg_admin_api_csrf(jszg_req *jr);
int jszg_admin_api_me(jszg_req *jr);

/* ---- jszg_admin_apps.c ---------------------------------------------- */

/* Statuses of the 定期注册 machine: JSZG_ST_* in jszg_rules.h. */

/* The variant of a scoped list statement (SCOPED in jszg_store_admin.c)
 * for the staff member's role: its label, and in *arg its one scope
 * argument (point or institution id, province code, '8'). */
const char *jszg_adm_scoped(jszg_req *jr, jszg_staff *st, const char *stmt,
                            const char **arg);
/* Load an application the staff member may see (else 403/404). */
int jszg_adm_app_get(jszg_req *jr, jszg_staff *st, const char *id,
                     json_t **app, jszg_fail *e);
/* 现场确认: complete → 待注册审批; incomplete → 确认未通过 with the
 * missing items as the message.  `message`: optional words for the
 * applicant (有留言) either way. */
int jszg_adm_app_confirm(jszg_req *jr, jszg_staff *st, const char *id,
                         int complete, const char *missing,
                         const char *message, jszg_fail *e);
/* 确认未通过 → 网报待确认. */
int jszg_adm_app_reopen(jszg_req *jr, jszg_staff *st, const char *id,
                        const char *note, jszg_fail *e);
/* 待注册审批 → 注册合格 | 暂缓注册 | 注册不合格 (reason required for the
 * last two), with an optional message to the applicant. */
int jszg_adm_app_decide(jszg_req *jr, jszg_staff *st, const char *id,
                        const char *conclusion, const char *reason,
                        const char *message, jszg_fail *e);
/* What a 注册结论 asks of the request, not of the application: the
 * role, the conclusion, the reason (required unless 注册合格) and the
 * lengths.  *reason and *message come back trimmed (NULL when empty);
 * a refusal (400) names its field (e->fields).  jszg_adm_app_decide
 * runs it after the application's own checks; a bulk decision runs it
 * once, before any application. */
int jszg_adm_decide_check(jszg_req *jr, jszg_staff *st,
                          const char *conclusion, const char **reason,
                          const char **message, jszg_fail *e);

/* A 注册结论 withdrawn (to NULL or "": back to 待注册审批) or corrected to
 * another conclusion, within JszgDecisionCorrectDays of it, by the
 * 注册机构 or the province, with a required reason that goes to the
 * applicant as a message; event, audit and registration record in the
 * same transaction. */
int jszg_adm_app_correct(jszg_req *jr, jszg_staff *st, const char *id,
                         const char *to, const char *reason,
                         jszg_fail *e);
/* 1 if this staff member may still withdraw or correct app's conclusion. */
int jszg_adm_correct_open(jszg_req *jr, jszg_staff *st, json_t *app);

/* One page (JszgPageSize rows) of applications in `status`, within the
 * scope.  *total
 * counts the matching rows up to a cap (QUEUE_COUNT_CAP); *capped is set
 * when more match, *total then being a lower bound.  *more: a next page
 * has rows. */
int jszg_adm_queue(jszg_req *jr, jszg_staff *st, const char *status,
                   const char *stage, const char *q, long page,
                   json_t **rows, long *total, int *capped, int *more,
                   jszg_fail *e);
/* The rule check beside an application (imported data vs domain.md). */
int jszg_adm_verify(jszg_req *jr, json_t *app, json_t **out);

int jszg_admin_app_page(jszg_req *jr);
int jszg_admin_app_photo(jszg_req *jr);
int jszg_admin_app_confirm_post(jszg_req *jr);
int jszg_admin_app_reopen_post(jszg_req *jr);
int jszg_admin_app_decide_post(jszg_req *jr);
int jszg_admin_queue(jszg_req *jr);
int jszg_admin_api_queue(jszg_req *jr);
int jszg_admin_bulk_decide_post(jszg_req *jr);
int jszg_admin_api_app(jszg_req *jr);
int jszg_admin_api_confirm(jszg_req *jr);
int jszg_admin_api_reopen(jszg_req *jr);
int jszg_admin_api_decide(jszg_req *jr);
int jszg_admin_app_correct_post(jszg_req *jr);
int jszg_admin_api_correct(jszg_req *jr);

/* ---- jszg_admin_province.c ----------------------------------------- */
int jszg_admin_windows(jszg_req *jr);
int jszg_admin_window_new(jszg_req *jr);
int jszg_admin_window_edit(jszg_req *jr);
int jszg_admin_window_save(jszg_req *jr);
int jszg_admin_window_delete(jszg_req *jr);
int jszg_admin_inst_notes(jszg_req *jr);
int jszg_admin_inst_notes_post(jszg_req *jr);

/* ---- jszg_admin_review.c -------------------------------------------- */
int jszg_admin_identity_list(jszg_req *jr);
int jszg_admin_identity_page(jszg_req *jr);
int jszg_admin_identity_image(jszg_req *jr);
int jszg_admin_identity_decide(jszg_req *jr);
int jszg_admin_certs_list(jszg_req *jr);
int jszg_admin_cert_page(jszg_req *jr);
int jszg_admin_cert_image(jszg_req *jr);
int jszg_admin_cert_decide(jszg_req *jr);

/* ---- jszg_admin_import.c -------------------------------------------- */
int jszg_admin_import_page(jszg_req *jr);
int jszg_admin_import_post(jszg_req *jr);

/* ---- jszg_admin_stats.c --------------------------------------------- */
int jszg_admin_stats(jszg_req *jr);
int jszg_admin_stats_csv(jszg_req *jr);
int jszg_admin_audit_page(jszg_req *jr);
/* 'YYYY-MM-DD' (Beijing) → epoch seconds of its midnight; -1 when
 * malformed. */
apr_int64_t jszg_admin_day_start(const char *s);

/* ---- jszg_admin_lists.c --------------------------------------------- */
int jszg_admin_search(jszg_req *jr);
int jszg_admin_api_search(jszg_req *jr);
int jszg_admin_worklist(jszg_req *jr);
int jszg_admin_worklist_print(jszg_req *jr);
int jszg_admin_worklist_csv(jszg_req *jr);
int jszg_admin_api_worklist(jszg_req *jr);
int jszg_admin_decided(jszg_req *jr);
int jszg_admin_decided_publicity(jszg_req *jr);
int jszg_admin_decided_csv(jszg_req *jr);
int jszg_admin_api_decided(jszg_req *jr);
int jszg_admin_audit_csv(jszg_req *jr);
int jszg_admin_api_audit(jszg_req *jr);

/* The one pager of the back office's lists (jszg_pager.h, JszgPageSize
 * rows a page): ?page= (400 bad_page), the layout of `page` of `total`
 * rows (a page past the end: 404 page_not_found "第 N 页不存在：共 M 条
 * 记录，K 页。"), the page's pager (partials/admin_pager, links to
 * base + "&page=N") and the JSON answer's paging fields. */
int jszg_adm_page_arg(jszg_req *jr, long *page, jszg_fail *e);
int jszg_adm_page_layout(jszg_req *jr, jszg_pager *pg, long page,
                         long total, jszg_fail *e);
void jszg_adm_pager_data(jszg_req *jr, json_t *d, const char *base,
                         const jszg_pager *pg);
void jszg_adm_pager_json(json_t *b, const jszg_pager *pg);

/* Serve a file under JszgUploadDir (relative path from the database). */
int jszg_admin_send_upload(jszg_req *jr, const char *rel,
                           const char *download_name);

/* The back office's routes, for jszg_routes.c.  Every one is
 * JSZG_R_BACKOFFICE (its session is the staff kind), so every POST's
 * `_csrf` token (checked by jszg_handle like everywhere) is bound to
 * the staff session.  Every route but the login form says who may call
 * it: JSZG_STAFF(role set), JSZG_STAFF_PWOK for the few served while a
 * password change is pending; jszg_handle runs the guard before the
 * handler (tests/http/test_routes.py checks every /admin route has
 * one).  The admin API lives under /admin/api/ because the admin cookie
 * is Path=/admin. */
#define JSZG_ADMIN_ROUTES \
    { "GET",  "/admin", jszg_admin_home, \
      JSZG_STAFF(JSZG_ROLES_ALL) }, \
    { "GET",  "/admin/", jszg_admin_home, \
      JSZG_STAFF(JSZG_ROLES_ALL) }, \
    { "GET",  "/admin/login", jszg_admin_login_page, \
      JSZG_R_BACKOFFICE }, \
    { "POST", "/admin/login", jszg_admin_login_post, \
      JSZG_R_BACKOFFICE }, \
    { "POST", "/admin/logout", jszg_admin_logout, \
      JSZG_STAFF_PWOK(JSZG_ROLES_ALL) }, \
    { "GET",  "/admin/search", jszg_admin_search, \
      JSZG_STAFF(JSZG_ROLES_ALL) }, \
    { "GET",  "/admin/apps/{id}", jszg_admin_app_page, \
      JSZG_STAFF(JSZG_ROLES_ALL) }, \
    { "GET",  "/admin/apps/{id}/photo", jszg_admin_app_photo, \
      JSZG_STAFF(JSZG_ROLES_ALL) }, \
    { "POST", "/admin/apps/{id}/confirm", jszg_admin_app_confirm_post, \
      JSZG_STAFF(JSZG_ROLES_CONFIRM) }, \
    { "POST", "/admin/apps/{id}/reopen", jszg_admin_app_reopen_post, \
      JSZG_STAFF(JSZG_ROLES_REOPEN) }, \
    { "POST", "/admin/apps/{id}/decide", jszg_admin_app_decide_post, \
      JSZG_STAFF(JSZG_ROLES_DECIDE) }, \
    { "POST", "/admin/apps/{id}/correct", jszg_admin_app_correct_post, \
      JSZG_STAFF(JSZG_ROLES_OFFICE) }, \
    { "GET",  "/admin/queue", jszg_admin_queue, \
      JSZG_STAFF(JSZG_ROLES_OFFICE) }, \
    { "POST", "/admin/queue/decide", jszg_admin_bulk_decide_post, \
      JSZG_STAFF(JSZG_ROLES_DECIDE) }, \
    { "POST", "/admin/api/queue/decide", jszg_admin_bulk_decide_post, \
      JSZG_STAFF(JSZG_ROLES_DECIDE) }, \
    { "GET",  "/admin/windows", jszg_admin_windows, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/windows/new", jszg_admin_window_new, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/windows/{id}", jszg_admin_window_edit, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/windows/save", jszg_admin_window_save, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/windows/{id}/delete", jszg_admin_window_delete, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/institutions/{id}/notes", jszg_admin_inst_notes, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/institutions/{id}/notes", jszg_admin_inst_notes_post, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/reviews/identity", jszg_admin_identity_list, \
      JSZG_STAFF(JSZG_ROLE_SYSTEM) }, \
    { "GET",  "/admin/reviews/identity/{id}", jszg_admin_identity_page, \
      JSZG_STAFF(JSZG_ROLE_SYSTEM) }, \
    { "GET",  "/admin/reviews/identity/{id}/{side}", \
      jszg_admin_identity_image, \
      JSZG_STAFF(JSZG_ROLE_SYSTEM) }, \
    { "POST", "/admin/reviews/identity/{id}/decide", \
      jszg_admin_identity_decide, \
      JSZG_STAFF(JSZG_ROLE_SYSTEM) }, \
    { "GET",  "/admin/reviews/certs", jszg_admin_certs_list, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/reviews/certs/{id}", jszg_admin_cert_page, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/reviews/certs/{id}/photo", jszg_admin_cert_image, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/reviews/certs/{id}/decide", jszg_admin_cert_decide, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/import", jszg_admin_import_page, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/import", jszg_admin_import_post, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/stats", jszg_admin_stats, \
      JSZG_STAFF(JSZG_ROLES_OFFICE) }, \
    { "GET",  "/admin/stats.csv", jszg_admin_stats_csv, \
      JSZG_STAFF(JSZG_ROLES_OFFICE) }, \
    { "GET",  "/admin/audit", jszg_admin_audit_page, \
      JSZG_STAFF(JSZG_ROLE_SYSTEM) }, \
    { "GET",  "/admin/worklist", jszg_admin_worklist, \
      JSZG_STAFF(JSZG_ROLES_ALL) }, \
    { "GET",  "/admin/worklist/print", jszg_admin_worklist_print, \
      JSZG_STAFF(JSZG_ROLES_ALL) }, \
    { "GET",  "/admin/worklist.csv", jszg_admin_worklist_csv, \
      JSZG_STAFF(JSZG_ROLES_ALL) }, \
    { "GET",  "/admin/decided", jszg_admin_decided, \
      JSZG_STAFF(JSZG_ROLES_OFFICE) }, \
    { "GET",  "/admin/decided/publicity", jszg_admin_decided_publicity, \
      JSZG_STAFF(JSZG_ROLES_OFFICE) }, \
    { "GET",  "/admin/decided.csv", jszg_admin_decided_csv, \
      JSZG_STAFF(JSZG_ROLES_OFFICE) }, \
    { "GET",  "/admin/audit.csv", jszg_admin_audit_csv, \
      JSZG_STAFF(JSZG_ROLE_SYSTEM) }, \
    { "GET",  "/admin/api/audit", jszg_admin_api_audit, \
      JSZG_STAFF(JSZG_ROLE_SYSTEM) }, \
    { "GET",  "/admin/api/csrf", jszg_admin_api_csrf, \
      JSZG_STAFF_PWOK(JSZG_ROLES_ALL) }, \
    { "GET",  "/admin/api/me", jszg_admin_api_me, \
      JSZG_STAFF_PWOK(JSZG_ROLES_ALL) }, \
    { "GET",  "/admin/api/search", jszg_admin_api_search, \
      JSZG_STAFF(JSZG_ROLES_ALL) }, \
    { "GET",  "/admin/api/queue", jszg_admin_api_queue, \
      JSZG_STAFF(JSZG_ROLES_OFFICE) }, \
    { "GET",  "/admin/api/worklist", jszg_admin_api_worklist, \
      JSZG_STAFF(JSZG_ROLES_ALL) }, \
    { "GET",  "/admin/api/decided", jszg_admin_api_decided, \
      JSZG_STAFF(JSZG_ROLES_OFFICE) }, \
    { "GET",  "/admin/api/apps/{id}", jszg_admin_api_app, \
      JSZG_STAFF(JSZG_ROLES_ALL) }, \
    { "POST", "/admin/api/apps/{id}/confirm", jszg_admin_api_confirm, \
      JSZG_STAFF(JSZG_ROLES_CONFIRM) }, \
    { "POST", "/admin/api/apps/{id}/reopen", jszg_admin_api_reopen, \
      JSZG_STAFF(JSZG_ROLES_REOPEN) }, \
    { "POST", "/admin/api/apps/{id}/decide", jszg_admin_api_decide, \
      JSZG_STAFF(JSZG_ROLES_DECIDE) }, \
    { "POST", "/admin/api/apps/{id}/correct", jszg_admin_api_correct, \
      JSZG_STAFF(JSZG_ROLES_OFFICE) },

#endif /* JSZG_ADMIN_H */
