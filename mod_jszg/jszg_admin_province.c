/*
 * jszg_admin_province.c -- 网报计划 (application windows) and the
 * institutions' 注意事项, for province admins (their province) and system
 * admins (all).
 *
 * A window is one per institution and cycle (the schema's UNIQUE, checked
 * here first for a clear message); it ends after it starts, and the
 * optional confirmation period likewise.  Times are Beijing time,
 * 'YYYY-MM-DD HH:MM:SS'; the form's datetime-local value is accepted.
 *
 * The rules a plan must follow (issue 14): every date inside its cycle
 * year; 现场确认 comes after 网报 or overlaps it -- it does not start
 * before 网报 starts, and does not end before 网报 ends (applicants who
 * apply on the last day must still be confirmed); no plan for a 停用
 * institution.  A plan that applications hold (same institution and
 * cycle) is never deleted: it can be closed early (网报 ends now), and
 * the page says how many applications it holds.
 */
#include "jszg_admin_orgs.h"
#include "apr_strings.h"
#include "apr_lib.h"

#define NOTES_MAX  2000

static int inst_in_scope(jszg_staff *st, json_t *row)
{
    return jszg_adm_in_province(st, jszg_jstr(row, "province_code"));
}

/* "2026-11-01T09:00", "2026-11-01 09:00" or with seconds → canonical
 * "2026-11-01 09:00:00"; NULL when empty, "" when malformed. */
static const char *datetime_in(apr_pool_t *p, const char *s)
{
    jszg_bjtime t;

    if (!s || !*s)
        return NULL;
    if (jszg_rules_parse_datetime(s, 2013, 2100, &t) != 0)
        return "";
    return apr_psprintf(p, "%04d-%02d-%02d %02d:%02d:%02d", t.year, t.month,
                        t.day, t.hour, t.min, t.sec);
}

/* "YYYY-..." lies in cycle year `year` (decimal text). */
static int in_year(const char *t, const char *year)
{
    return t && year && strlen(year) == 4 && !strncmp(t, year, 4);
}

/* How many applications a window holds (its institution and cycle). */
static int window_apps(jszg_req *jr, json_t *w, long *n)
{
    json_t *row;
    int rc = jszg_db_row(jr, "orgs_window_apps", &row, 2,
                         jszg_jstr(w, "institution_id"), jszg_jstr(w, "cycle_year"));

    if (rc == JSZG_DB_OK)
        *n = atol(jszg_jstr(row, "n"));
    return rc;
}

/* ---- service ---------------------------------------------------------- */

typedef struct {
    const char *id;             /* NULL for a new window */
    const char *institution_id;
    const char *cycle_year;
    const char *starts, *ends, *confirm_starts, *confirm_ends;
    json_t *errs;               /* a refusal: field → message, every one */
} window_in;

/* A refusal of `field`; its first one stands (the others follow from
 * it). */
static void field_err(window_in *w, const char *field, const char *msg)
{
    if (!json_object_get(w->errs, field))
        json_object_set_new(w->errs, field, json_string(msg));
}

static int has_err(window_in *w, const char *field)
{
    return json_object_get(w->errs, field) != NULL;
}

/* The date-time fields: canonical, or an error beside the field ("" =
 * malformed, NULL = empty). */
static void window_times(jszg_req *jr, window_in *w)
{
    w->starts = datetime_in(jr->pool, w->starts);
    w->ends = datetime_in(jr->pool, w->ends);
    w->confirm_starts = datetime_in(jr->pool, w->confirm_starts);
    w->confirm_ends = datetime_in(jr->pool, w->confirm_ends);
    if (!w->starts || !*w->starts)
        field_err(w, "starts", "请填写正确的网报开始时间。");
    if (!w->ends || !*w->ends)
        field_err(w, "ends", "请填写正确的网报结束时间。");
    if (w->confirm_starts && !*w->confirm_starts)
        field_err(w, "confirm_starts", "现场确认开始时间格式不正确。");
    if (w->confirm_ends && !*w->confirm_ends)
        field_err(w, "confirm_ends", "现场确认结束时间格式不正确。");
    if (!w->confirm_starts != !w->confirm_ends)
        field_err(w, w->confirm_starts ? "confirm_ends" : "confirm_starts",
                  "现场确认开始时间和结束时间须同时填写。");
}

/* The plan's rules over fields that were read correctly: every bad
 * field gets its message, none stops the others. */
static void window_rules(jszg_req *jr, window_in *w, long year)
{
    static const char *const names[] = { "starts", "ends", "confirm_starts",
                                         "confirm_ends", NULL };
    const char *vals[4];
    int i;

    vals[0] = w->starts;
    vals[1] = w->ends;
    vals[2] = w->confirm_starts;
    vals[3] = w->confirm_ends;
    if (!has_err(w, "starts") && !has_err(w, "ends")
        && strcmp(w->ends, w->starts) <= 0)
        field_err(w, "ends", "网报结束时间必须晚于开始时间。");
    if (w->confirm_starts && !has_err(w, "confirm_starts")
        && !has_err(w, "confirm_ends")
        && strcmp(w->confirm_ends, w->confirm_starts) <= 0)
        field_err(w, "confirm_ends", "现场确认结束时间必须晚于开始时间。");
    for (i = 0; year && names[i]; i++)
        if (vals[i] && *vals[i] && !has_err(w, names[i])
            && !in_year(vals[i], w->cycle_year))
            field_err(w, names[i], apr_psprintf(jr->pool, "网报和现场确认"
                                                "时间须在%ld年度之内。",
                                                year));
    if (w->confirm_starts && !has_err(w, "confirm_starts")
        && !has_err(w, "starts") && strcmp(w->confirm_starts, w->starts) < 0)
        field_err(w, "confirm_starts",
                  "现场确认开始时间不能早于网报开始时间。");
    if (w->confirm_ends && !has_err(w, "confirm_ends") && !has_err(w, "ends")
        && strcmp(w->confirm_ends, w->ends) < 0)
        field_err(w, "confirm_ends",
                  "现场确认结束时间不能早于网报结束时间，"
                  "否则最后几天网报的申请人无法确认。");
}

int jszg_adm_window_save(jszg_req *jr, jszg_staff *st, window_in *w,
                         const char **saved_id, jszg_fail *e);

/* Saves a window.  A form with bad fields answers 400 "window_invalid"
 * with every bad field in w->errs (the message: the first of them, or
 * how many there are). */
int jszg_adm_window_save(jszg_req *jr, jszg_staff *st, window_in *w,
                         const char **saved_id, jszg_fail *e)
{
    json_t *inst = NULL, *old, *dup;
    long year;
    char *end;
    int rc;

    if (w->id && (rc = jszg_db_row(jr, "admin_window_get", &old, 1, w->id))
                 != JSZG_DB_OK)
        return rc == JSZG_DB_NOTFOUND
               ? jszg_fail_set(e, HTTP_NOT_FOUND, "not_found",
                               "该网报计划不存在。")
               : jszg_fail_set(e, jszg_db_status(rc), "db", NULL);
    if (w->id && !inst_in_scope(st, old))
        return jszg_fail_set(e, HTTP_FORBIDDEN, "forbidden", NULL);
    if (!jszg_adm_id_ok(w->institution_id))
        field_err(w, "institution_id", "请选择注册机构。");
    else {
        rc = jszg_db_row(jr, "admin_inst_get", &inst, 1, w->institution_id);
        if (rc == JSZG_DB_NOTFOUND)
            field_err(w, "institution_id", "请选择注册机构。");
        else if (rc != JSZG_DB_OK)
            return jszg_fail_set(e, jszg_db_status(rc), "db", NULL);
        else if (!inst_in_scope(st, inst))
            return jszg_fail_set(e, HTTP_FORBIDDEN, "forbidden", NULL);
        else if (strcmp(jszg_jstr(inst, "active"), "1"))
            field_err(w, "institution_id",
                      apr_pstrcat(jr->pool, jszg_jstr(inst, "name"),
                                  "已停用，不能设置网报计划。", NULL));
    }
    year = w->cycle_year ? strtol(w->cycle_year, &end, 10) : 0;
    if (!w->cycle_year || *end || year < 2013 || year > 2100) {
        field_err(w, "cycle_year", "年度应为2013至2100之间的年份。");
        year = 0;
    }
    window_times(jr, w);
    window_rules(jr, w, year);
    if (year && !has_err(w, "institution_id")) {
        rc = jszg_db_row(jr, "admin_window_dup", &dup, 3, w->institution_id,
                         w->cycle_year, w->id ? w->id : "0");
        if (rc == JSZG_DB_OK)
            field_err(w, "cycle_year",
                      apr_psprintf(jr->pool, "%s在%ld年度已有网报计划，"
                                   "每个注册机构每个年度只能有一个。",
                                   jszg_jstr(inst, "name"), year));
        else if (rc != JSZG_DB_NOTFOUND)
            return jszg_fail_set(e, jszg_db_status(rc), "db", NULL);
    }
    if (json_object_size(w->errs)) {
        const char *k, *first = NULL;
        json_t *v;

        json_object_foreach(w->errs, k, v) {
            first = json_string_value(v);
            break;
        }
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "window_invalid",
                             json_object_size(w->errs) == 1 ? first
                             : apr_psprintf(jr->pool, "有%lu处填写有误，"
                                            "请按各项的提示修改。",
                                            (unsigned long)
                                            json_object_size(w->errs)));
    }
    /* the window and its audit row: one change */
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return jszg_fail_set(e, jszg_db_status(rc), "db", NULL);
    if (w->id)
        rc = jszg_db_exec(jr, "admin_window_update", NULL, 7,
                          w->institution_id, w->cycle_year, w->starts,
                          w->ends, w->confirm_starts, w->confirm_ends, w->id);
    else
        rc = jszg_db_exec(jr, "admin_window_insert", NULL, 8,
                          w->institution_id, w->cycle_year, w->starts,
                          w->ends, w->confirm_starts, w->confirm_ends,
                          apr_pstrcat(jr->pool, "staff:", st->username,
                                      NULL), jszg_now_str(jr));
    if (rc == JSZG_DB_OK)
        rc = jszg_admin_audit(jr, st, w->id ? "window.update"
                                            : "window.create",
                              apr_pstrcat(jr->pool, "institution:",
                                          w->institution_id, NULL),
                              apr_psprintf(jr->pool, "%s %s → %s",
                                           w->cycle_year, w->starts,
                                           w->ends));
    rc = jszg_adm_finish(jr, rc);
    if (rc != JSZG_DB_OK)
        return jszg_fail_set(e, jszg_db_status(rc), "db", NULL);
    *saved_id = w->id;
    return JSZG_ADM_OK;
}

static int api_window(jszg_req *jr, const char *id, const char *msg);

/* ---- pages -------------------------------------------------------------- */

static json_t *institutions(jszg_req *jr, jszg_staff *st, const char *sel)
{
    json_t *rows = NULL, *row;
    const char *role = apr_itoa(jr->pool, st->role);
    size_t i;

    if (jszg_db_rows(jr, "admin_institutions", &rows, 3, role, role,
                     st->province_code ? st->province_code : "")
        != JSZG_DB_OK)
        return jszg_pool_json(jr->pool, json_array());
    json_array_foreach(rows, i, row)
        json_object_set_new(row, "selected", json_boolean(
            sel && !strcmp(sel, jszg_jstr(row, "id"))));
    return rows;
}

int jszg_admin_windows(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *d, *rows, *row;
    const char *role;
    long year;
    size_t i;
    int rc;

    if (jszg_query_int(jr, "year", 2013, 2100, 0, &year) < 0)
        year = 0;
    role = apr_itoa(jr->pool, st->role);
    rc = jszg_db_rows(jr, "admin_windows_list", &rows, 5, role, role,
                      st->province_code ? st->province_code : "",
                      apr_ltoa(jr->pool, year), apr_ltoa(jr->pool, year));
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_array_foreach(rows, i, row)
        json_object_set_new(row, "notes_href", json_string(apr_pstrcat(
            jr->pool, "/admin/institutions/", jszg_jstr(row, "institution_id"),
            "/notes", NULL)));
    jszg_rows_link(jr->pool, rows, "/admin/windows/");
    d = jszg_admin_data(jr, st, "网报计划", "windows");
    json_object_set(d, "rows", rows);
    json_object_set(d, "institutions", institutions(jr, st, NULL));
    return jszg_render_layout(jr, HTTP_OK, "admin/windows", "admin/layout",
                              d);
}

static int window_form(jszg_req *jr, jszg_staff *st, int status,
                       json_t *w, const char *error)
{
    json_t *d = jszg_admin_data(jr, st, w && jszg_jstr(w, "id") ? "修改网报计划"
                                                          : "新增网报计划",
                                "windows");
    const char *k;
    json_t *v;

    if (w && json_object_get(w, "_err")) {
        json_object_set(d, "errors", json_object_get(w, "_err"));
        json_object_del(w, "_err");
    }
    if (w) {
        /* the form's datetime-local inputs want "YYYY-MM-DDTHH:MM" */
        json_object_foreach(w, k, v) {
            const char *s = json_string_value(v);
            if (s && strlen(s) >= 16 && s[10] == ' ')
                json_object_set_new(w, k, json_string(apr_pstrcat(
                    jr->pool, apr_pstrndup(jr->pool, s, 10), "T",
                    apr_pstrndup(jr->pool, s + 11, 5), NULL)));
        }
        json_object_set(d, "w", w);
        if (jszg_jstr(w, "id")) {
            long apps = 0;
            json_object_set_new(d, "delete_href", json_string(apr_pstrcat(
                jr->pool, "/admin/windows/", jszg_jstr(w, "id"), "/delete",
                NULL)));
            json_object_set_new(d, "close_href", json_string(apr_pstrcat(
                jr->pool, "/admin/windows/", jszg_jstr(w, "id"), "/close",
                NULL)));
            if (jszg_jstr(w, "institution_id") && jszg_jstr(w, "cycle_year")
                && window_apps(jr, w, &apps) == JSZG_DB_OK && apps)
                json_object_set_new(d, "apps", json_integer(apps));
        }
    }
    json_object_set(d, "institutions",
                    institutions(jr, st, w ? jszg_jstr(w, "institution_id")
                                           : NULL));
    if (error)
        json_object_set_new(d, "error", json_string(error));
    return jszg_render_layout(jr, status, "admin/window_form",
                              "admin/layout", d);
}

int jszg_admin_window_new(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);

    return window_form(jr, st, HTTP_OK, NULL, NULL);
}

int jszg_admin_window_edit(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *w;
    const char *id = jszg_param(jr, "id");
    int rc;

    if (!jszg_adm_id_ok(id))
        return jszg_admin_error(jr, st, HTTP_NOT_FOUND, "not_found",
                                "该网报计划不存在。");
    rc = jszg_db_row(jr, "admin_window_get", &w, 1, id);
    if (rc == JSZG_DB_NOTFOUND)
        return jszg_admin_error(jr, st, HTTP_NOT_FOUND, "not_found",
                                "该网报计划不存在。");
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    if (!inst_in_scope(st, w))
        return jszg_admin_forbidden(jr, st, apr_pstrcat(jr->pool, "window:",
                                                        id, NULL));
    return window_form(jr, st, HTTP_OK, w, NULL);
}

int jszg_admin_window_save(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    window_in w = { 0 };
    const char *saved;
    json_t *back;
    int rc;

    w.id = jszg_field(jr, "id");
    if (w.id && !*w.id)
        w.id = NULL;
    if (w.id && !jszg_adm_id_ok(w.id))
        return jszg_admin_error(jr, st, HTTP_NOT_FOUND, "not_found",
                                "该网报计划不存在。");
    w.institution_id = jszg_field(jr, "institution_id");
    w.cycle_year = jszg_field(jr, "cycle_year");
    w.starts = jszg_field(jr, "starts");
    w.ends = jszg_field(jr, "ends");
    w.confirm_starts = jszg_field(jr, "confirm_starts");
    w.confirm_ends = jszg_field(jr, "confirm_ends");
    w.errs = jszg_pool_json(jr->pool, json_object());
    back = jszg_pool_json(jr->pool, json_pack(
        "{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "id", w.id,
        "institution_id", w.institution_id, "cycle_year", w.cycle_year,
        "starts", w.starts, "ends", w.ends, "confirm_starts",
        w.confirm_starts, "confirm_ends", w.confirm_ends));
    rc = jszg_adm_window_save(jr, st, &w, &saved, &e);
    if (rc == HTTP_FORBIDDEN)
        return jszg_admin_forbidden(jr, st, apr_pstrcat(jr->pool,
                                    "institution:", w.institution_id ?
                                    w.institution_id : "-", NULL));
    if (rc == HTTP_BAD_REQUEST) {
        if (jr->is_api)
            return jszg_json(jr, rc, jszg_pool_json(jr->pool, json_pack(
                "{s:{s:s, s:s, s:O}}", "error", "code", e.code, "message",
                e.message, "fields", w.errs)));
        json_object_set(back, "_err", w.errs);
        return window_form(jr, st, rc, back, e.message);
    }
    if (rc != JSZG_ADM_OK)
        return jszg_admin_fail(jr, st, &e);
    if (!jr->is_api) {
        jszg_admin_flash(jr, st, "网报计划已保存。");
        return jszg_redirect(jr, "/admin/windows");
    }
    if (!saved) {
        json_t *row;
        if ((rc = jszg_db_row(jr, "admin_window_dup", &row, 3,
                              w.institution_id, w.cycle_year, "0"))
            != JSZG_DB_OK)
            return jszg_db_status(rc);
        saved = jszg_jstr(row, "id");
    }
    return api_window(jr, saved, "网报计划已保存。");
}

int jszg_admin_window_delete(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *w;
    const char *id = jszg_param(jr, "id");
    long apps = 0;
    int rc;

    if (!jszg_adm_id_ok(id) || (rc = jszg_db_row(jr, "admin_window_get", &w, 1, id))
                      == JSZG_DB_NOTFOUND)
        return jszg_admin_error(jr, st, HTTP_NOT_FOUND, "not_found",
                                "该网报计划不存在。");
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    if (!inst_in_scope(st, w))
        return jszg_admin_forbidden(jr, st, apr_pstrcat(jr->pool, "window:",
                                                        id, NULL));
    /* applications hold it: close it early instead */
    if ((rc = window_apps(jr, w, &apps)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    if (apps)
        return jszg_admin_error(jr, st, HTTP_CONFLICT, "window_in_use",
                                apr_psprintf(jr->pool, "该网报计划已有%ld份"
                                             "报名，不能删除；如需停止网报，"
                                             "请使用“提前结束网报”。",
                                             apps));
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    rc = jszg_db_exec(jr, "admin_window_delete", NULL, 1, id);
    if (rc == JSZG_DB_OK)
        rc = jszg_admin_audit(jr, st, "window.delete", apr_pstrcat(jr->pool,
                              "institution:", jszg_jstr(w, "institution_id"),
                              NULL),
                              apr_psprintf(jr->pool, "%s %s → %s",
                                           jszg_jstr(w, "cycle_year"),
                                           jszg_jstr(w, "starts"),
                                           jszg_jstr(w, "ends")));
    rc = jszg_adm_finish(jr, rc);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    if (jr->is_api)
        return jszg_json(jr, HTTP_OK, jszg_pool_json(jr->pool, json_pack(
            "{s:s}", "message", "网报计划已删除。")));
    jszg_admin_flash(jr, st, "网报计划已删除。");
    return jszg_redirect(jr, "/admin/windows");
}

/* 提前结束网报: 网报 ends now; the applications stay with their plan. */
int jszg_admin_window_close(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *w;
    const char *id = jszg_param(jr, "id"), *now;
    long apps = 0;
    int rc;

    if (!jszg_adm_id_ok(id) || (rc = jszg_db_row(jr, "admin_window_get", &w, 1, id))
                      == JSZG_DB_NOTFOUND)
        return jszg_admin_error(jr, st, HTTP_NOT_FOUND, "not_found",
                                "该网报计划不存在。");
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    if (!inst_in_scope(st, w))
        return jszg_admin_forbidden(jr, st, apr_pstrcat(jr->pool, "window:",
                                                        id, NULL));
    now = jszg_beijing_now(jr, NULL);
    if (strcmp(now, jszg_jstr(w, "ends")) >= 0)
        return jszg_admin_error(jr, st, HTTP_CONFLICT, "window_closed",
                                "该网报计划的网报时间已经结束。");
    if (strcmp(now, jszg_jstr(w, "starts")) <= 0)
        return jszg_admin_error(jr, st, HTTP_CONFLICT, "window_not_open",
                                "网报尚未开始，不必提前结束；"
                                "可直接修改或删除该网报计划。");
    if ((rc = window_apps(jr, w, &apps)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    rc = jszg_db_exec(jr, "orgs_window_close", NULL, 2, now, id);
    if (rc == JSZG_DB_OK)
        rc = jszg_admin_audit(jr, st, "window.close", apr_pstrcat(jr->pool,
                              "institution:", jszg_jstr(w, "institution_id"),
                              NULL),
                              apr_psprintf(jr->pool, "%s %s → %s（原定%s），"
                                           "%ld份报名", jszg_jstr(w, "cycle_year"),
                                           jszg_jstr(w, "starts"), now,
                                           jszg_jstr(w, "ends"), apps));
    rc = jszg_adm_finish(jr, rc);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    if (jr->is_api)
        return api_window(jr, id, "网报已提前结束。");
    jszg_admin_flash(jr, st, apr_psprintf(jr->pool, "网报已于%s提前结束，"
                                          "该计划的%ld份报名不受影响。", now,
                                          apps));
    return jszg_redirect(jr, apr_pstrcat(jr->pool, "/admin/windows/", id,
                                         NULL));
}

/* ---- the JSON twins ------------------------------------------------------ */


/* {window: {..., applications}, message} */
static int api_window(jszg_req *jr, const char *id, const char *msg)
{
    json_t *w, *b;
    long apps = 0;
    int rc = jszg_db_row(jr, "admin_window_get", &w, 1, id);

    if (rc == JSZG_DB_OK)
        rc = window_apps(jr, w, &apps);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set_new(w, "applications", json_integer(apps));
    b = jszg_pool_json(jr->pool, json_object());
    json_object_set(b, "window", w);
    if (msg)
        json_object_set_new(b, "message", json_string(msg));
    return jszg_json(jr, HTTP_OK, b);
}

int jszg_admin_api_window(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *w;
    const char *id = jszg_param(jr, "id");
    int rc;

    if (!jszg_adm_id_ok(id) || (rc = jszg_db_row(jr, "admin_window_get", &w, 1, id))
                      == JSZG_DB_NOTFOUND)
        return jszg_admin_error(jr, st, HTTP_NOT_FOUND, "not_found",
                                "该网报计划不存在。");
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    if (!inst_in_scope(st, w))
        return jszg_admin_forbidden(jr, st, apr_pstrcat(jr->pool, "window:",
                                                        id, NULL));
    return api_window(jr, id, NULL);
}

int jszg_admin_api_windows(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *rows, *b;
    const char *role;
    long year;
    int rc;

    if (jszg_query_int(jr, "year", 2013, 2100, 0, &year) < 0)
        return jszg_admin_error(jr, st, HTTP_BAD_REQUEST, "bad_filter",
                                "年度应为2013至2100之间的年份。");
    role = apr_itoa(jr->pool, st->role);
    rc = jszg_db_rows(jr, "admin_windows_list", &rows, 5, role, role,
                      st->province_code ? st->province_code : "",
                      apr_ltoa(jr->pool, year), apr_ltoa(jr->pool, year));
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    b = jszg_pool_json(jr->pool, json_object());
    json_object_set(b, "windows", rows);
    return jszg_json(jr, HTTP_OK, b);
}

/* ---- 注意事项 ------------------------------------------------------------ */

/* OK with *inst, or DONE / a status once an answer has been sent. */
static int notes_load(jszg_req *jr, jszg_staff *st, json_t **inst)
{
    return jszg_adm_load_scoped(jr, st, "admin_inst_get",
                                jszg_param(jr, "id"), "注册机构",
                                "institution", "province_code", inst);
}

static int notes_page(jszg_req *jr, jszg_staff *st, json_t *inst,
                      int status, const char *error)
{
    json_t *d = jszg_admin_data(jr, st, "注意事项", "windows");

    json_object_set(d, "inst", inst);
    json_object_set_new(d, "action", json_string(apr_pstrcat(jr->pool,
                        "/admin/institutions/", jszg_jstr(inst, "id"), "/notes",
                        NULL)));
    if (error)
        json_object_set_new(d, "error", json_string(error));
    return jszg_render_layout(jr, status, "admin/notes", "admin/layout", d);
}

int jszg_admin_inst_notes(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *inst;
    int rc;

    if ((rc = notes_load(jr, st, &inst)) != OK)
        return rc;
    return notes_page(jr, st, inst, HTTP_OK, NULL);
}

int jszg_admin_inst_notes_post(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *inst;
    const char *notes = jszg_field(jr, "notes");
    int rc;

    if ((rc = notes_load(jr, st, &inst)) != OK)
        return rc;
    if (notes && jszg_utf8_chars(notes, strlen(notes)) > NOTES_MAX) {
        json_object_set_new(inst, "notes", json_string(notes));
        return notes_page(jr, st, inst, HTTP_BAD_REQUEST,
                          "注意事项不能超过2000字。");
    }
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    rc = jszg_db_exec(jr, "admin_inst_notes_set", NULL, 2,
                      notes && *notes ? notes : NULL, jszg_jstr(inst, "id"));
    if (rc == JSZG_DB_OK)
        rc = jszg_admin_audit(jr, st, "institution.notes",
                              apr_pstrcat(jr->pool, "institution:",
                                          jszg_jstr(inst, "id"), NULL), NULL);
    rc = jszg_adm_finish(jr, rc);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_admin_flash(jr, st, "注意事项已保存。");
    return jszg_redirect(jr, "/admin/windows");
}
