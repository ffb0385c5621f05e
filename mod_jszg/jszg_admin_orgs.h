/*
 * jszg_admin_orgs.h -- administration without SQL (issue 14): 注册机构
 * and 确认点 (jszg_admin_orgs.c), staff accounts and one's own password
 * (jszg_admin_staff.c), and the JSON twins of 网报计划
 * (jszg_admin_province.c).  SQL: jszg_store_orgs.c.
 *
 * Who may do what:
 *   - system admins: every institution, point and staff account;
 *   - province admins: the institutions of their province, their points,
 *     and the staff of their province (never a system admin, never
 *     outside the province).  The scope is checked on the row being
 *     changed as it is in the database AND on the values submitted
 *     (moving a point under another province's institution is refused
 *     like editing that institution).
 * Nothing here deletes an institution or a point: applications refer to
 * them; they are deactivated (停用), which takes them out of the wizard
 * and the 网报时间 page, and can be switched on again.
 *
 * Every handler serves its page and, under /admin/api/, its JSON twin
 * (jr->is_api is set for /admin/api/).  A refused form comes back with
 * what was typed and the error beside each field; the API answers 400
 * {"error": {"code", "message", "fields": {name: message}}}.
 */
#ifndef JSZG_ADMIN_ORGS_H
#define JSZG_ADMIN_ORGS_H

#include "jszg_admin.h"

/* ---- shared by the files above (jszg_admin_orgs.c) ---- */

/* A trimmed text field: NULL when empty; an error in errs (name →
 * message) when longer than maxch characters, not UTF-8, or empty while
 * required. */
const char *jszg_adm_text(jszg_req *jr, json_t *errs, const char *name,
                          const char *label, int maxch, int required);
/* The end of a change begun with jszg_db_begin: commit when rc is
 * JSZG_DB_OK, else roll back; the result. */
int jszg_adm_finish(jszg_req *jr, int rc);
/* The 400 answer of a refused API request (errs: field → message). */
int jszg_adm_invalid(jszg_req *jr, json_t *errs);
/* The answer after a change: the page goes back to `where` with the
 * flash `msg`; the API gets {key: obj, message: msg}. */
int jszg_adm_done(jszg_req *jr, jszg_staff *st, const char *msg,
                  const char *where, const char *key, json_t *obj);

/* ---- jszg_admin_orgs.c ---- */
int jszg_admin_orgs_list(jszg_req *jr);
int jszg_admin_org_new(jszg_req *jr);
int jszg_admin_org_edit(jszg_req *jr);
int jszg_admin_org_save(jszg_req *jr);
int jszg_admin_org_active(jszg_req *jr);
int jszg_admin_point_new(jszg_req *jr);
int jszg_admin_point_edit(jszg_req *jr);
int jszg_admin_point_save(jszg_req *jr);
int jszg_admin_point_active(jszg_req *jr);

/* ---- jszg_admin_staff.c ---- */
int jszg_admin_staff_list(jszg_req *jr);
int jszg_admin_staff_new(jszg_req *jr);
int jszg_admin_staff_edit(jszg_req *jr);
int jszg_admin_staff_save(jszg_req *jr);
int jszg_admin_staff_reset(jszg_req *jr);
int jszg_admin_staff_unlock(jszg_req *jr);
int jszg_admin_staff_active(jszg_req *jr);
int jszg_admin_password_page(jszg_req *jr);
int jszg_admin_password_post(jszg_req *jr);

/* ---- jszg_admin_province.c: the JSON twins of 网报计划 ---- */
int jszg_admin_api_windows(jszg_req *jr);
int jszg_admin_api_window(jszg_req *jr);
int jszg_admin_window_close(jszg_req *jr);

#define JSZG_ADMIN_ORGS_ROUTES \
    { "GET",  "/admin/institutions", jszg_admin_orgs_list, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/institutions/new", jszg_admin_org_new, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/institutions/save", jszg_admin_org_save, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/institutions/{id}", jszg_admin_org_edit, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/institutions/{id}/active", jszg_admin_org_active, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/points/new", jszg_admin_point_new, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/points/save", jszg_admin_point_save, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/points/{id}", jszg_admin_point_edit, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/points/{id}/active", jszg_admin_point_active, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/staff", jszg_admin_staff_list, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/staff/new", jszg_admin_staff_new, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/staff/save", jszg_admin_staff_save, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/staff/{id}", jszg_admin_staff_edit, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/staff/{id}/reset", jszg_admin_staff_reset, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/staff/{id}/unlock", jszg_admin_staff_unlock, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/staff/{id}/active", jszg_admin_staff_active, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/password", jszg_admin_password_page, \
      JSZG_STAFF_PWOK(JSZG_ROLES_ALL) }, \
    { "POST", "/admin/password", jszg_admin_password_post, \
      JSZG_STAFF_PWOK(JSZG_ROLES_ALL) }, \
    { "POST", "/admin/windows/{id}/close", jszg_admin_window_close, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/api/institutions", jszg_admin_orgs_list, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/api/institutions", jszg_admin_org_save, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/api/institutions/{id}", jszg_admin_org_edit, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/api/institutions/{id}/active", jszg_admin_org_active, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/api/points", jszg_admin_point_save, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/api/points/{id}", jszg_admin_point_edit, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/api/points/{id}/active", jszg_admin_point_active, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/api/staff", jszg_admin_staff_list, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/api/staff", jszg_admin_staff_save, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/api/staff/{id}", jszg_admin_staff_edit, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/api/staff/{id}/reset", jszg_admin_staff_reset, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/api/staff/{id}/unlock", jszg_admin_staff_unlock, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/api/staff/{id}/active", jszg_admin_staff_active, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/api/password", jszg_admin_password_post, \
      JSZG_STAFF_PWOK(JSZG_ROLES_ALL) }, \
    { "GET",  "/admin/api/windows", jszg_admin_api_windows, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/api/windows", jszg_admin_window_save, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "GET",  "/admin/api/windows/{id}", jszg_admin_api_window, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/api/windows/{id}/delete", jszg_admin_window_delete, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) }, \
    { "POST", "/admin/api/windows/{id}/close", jszg_admin_window_close, \
      JSZG_STAFF(JSZG_ROLES_PROVINCE) },

#endif /* JSZG_ADMIN_ORGS_H */
