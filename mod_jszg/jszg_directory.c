/*
 * jszg_directory.c -- the directory service (jszg_directory.h): regions,
 * 注册机构, 确认点, the 网报计划 window and the province → city → 学段 →
 * 注册机构 cascade, for the portal, its API, the wizard and the records.
 */
#include "jszg_directory.h"
#include "jszg_rules.h"
#include "apr_strings.h"

#define MSG_NO_PLAN     "该机构未设置网报计划，请联系所选的教育局。"
#define MSG_INACTIVE    "该机构目前未开展注册工作，请联系所选的教育局。"
#define MSG_NO_INST     "所选地区暂无负责该学段的注册机构，请联系当地教育局。"

static int digits(const char *s, apr_size_t max)
{
    apr_size_t n = s ? strlen(s) : 0;

    return n > 0 && n <= max && strspn(s, "0123456789") == n;
}

int jszg_dir_provinces(jszg_req *jr, json_t **rows)
{
    return jszg_db_rows(jr, "dir_provinces", rows, 0);
}

int jszg_dir_cities(jszg_req *jr, const char *province, json_t **rows)
{
    return jszg_db_rows(jr, "dir_cities", rows, 1, province);
}

int jszg_dir_region(jszg_req *jr, const char *code, int level,
                    json_t **row)
{
    int rc;

    *row = NULL;
    if (!digits(code, 6) || strlen(code) != 6)
        return JSZG_DB_NOTFOUND;
    rc = jszg_db_row(jr, "dir_region", row, 1, code);
    if (rc == JSZG_DB_OK
        && ((level && jszg_jint(*row, "level") != level)
            || jszg_jint(*row, "in_service") != 1))
        rc = JSZG_DB_NOTFOUND;
    return rc;
}

int jszg_dir_institutions(jszg_req *jr, const char *province,
                          const char *city, const char *stage,
                          json_t **rows)
{
    return jszg_db_rows(jr, "dir_institutions", rows, 3, province, city,
                        stage);
}

int jszg_dir_institution(jszg_req *jr, const char *id, json_t **row)
{
    *row = NULL;
    if (!digits(id, 12))
        return JSZG_DB_NOTFOUND;
    return jszg_db_row(jr, "dir_institution", row, 1, id);
}

int jszg_dir_points(jszg_req *jr, const char *institution_id,
                    const char *stage, json_t **rows)
{
    const char *st = jszg_rules_is_stage(stage) ? stage : "";

    return jszg_db_rows(jr, "dir_points", rows, 3, institution_id, st, st);
}

int jszg_dir_window(jszg_req *jr, const char *institution_id, json_t **row)
{
    return jszg_db_row(jr, "dir_window_latest", row, 1, institution_id);
}

static json_t *state(jszg_req *jr, const char *status, const char *message)
{
    return jszg_pool_json(jr->pool, json_pack("{s:s, s:s}", "status", status,
                                              "message", message));
}

/*
 * Which plan counts: the institution's newest one (highest cycle_year).
 * It is open from `starts` up to, not including, `ends`.  A plan of an
 * earlier year that is over is history: for this year the institution
 * has no plan yet, which is what an applicant must be told.
 */
int jszg_dir_window_state(jszg_req *jr, json_t *inst, json_t **out)
{
    static const char *const dates[] = { "cycle_year", "starts", "ends",
        "confirm_starts", "confirm_ends", NULL };
    const char *const *k;
    const char *now, *starts, *ends, *msg;
    json_t *w, *st;
    int rc, year;
    jszg_win_state ws;

    *out = NULL;
    if (jszg_jint(inst, "active") != 1) {
        *out = state(jr, "none", MSG_INACTIVE);
        return JSZG_DB_OK;
    }
    rc = jszg_dir_window(jr, jszg_jstr(inst, "id"), &w);
    if (rc == JSZG_DB_NOTFOUND) {
        *out = state(jr, "none", MSG_NO_PLAN);
        return JSZG_DB_OK;
    }
    if (rc != JSZG_DB_OK)
        return rc;
    starts = jszg_jstr(w, "starts");
    ends = jszg_jstr(w, "ends");
    if (!starts || !ends) {
        /* NOT NULL in the schema: a broken row, not the applicant's fault */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, jr->r, JSZGLOGNO(13001)
                      "window of institution %s has no start or end time",
                      jszg_jstr(inst, "id"));
        return JSZG_DB_ERROR;
    }
    now = jszg_beijing_now(jr, &year);
    ws = jszg_rules_window_state(now, year, starts, ends,
                                 (int)jszg_jint(w, "cycle_year"));
    switch (ws) {
    case JSZG_WIN_NOT_OPEN:
        msg = apr_psprintf(jr->pool, "还未到网报时间。该机构网报时间为%s至"
                           "%s。", starts, ends);
        break;
    case JSZG_WIN_CLOSED:
        msg = apr_psprintf(jr->pool, "网报时间已截止。该机构网报时间为%s至"
                           "%s。", starts, ends);
        break;
    case JSZG_WIN_OPEN:
        msg = apr_psprintf(jr->pool, "当前为网报时间，网报截止时间为%s，"
                           "请在截止前完成网上报名。", ends);
        break;
    default:
        *out = state(jr, "none", MSG_NO_PLAN);
        return JSZG_DB_OK;
    }
    st = state(jr, jszg_rules_window_state_name(ws), msg);
    for (k = dates; *k; k++)
        if (json_object_get(w, *k))
            json_object_set(st, *k, json_object_get(w, *k));
    *out = st;
    return JSZG_DB_OK;
}

/* ---- the cascade ---------------------------------------------------- */

/* The chosen row of a select (if it is one of them) is marked; a choice
 * that is not one of the rows is dropped. */
static const char *choose(json_t *rows, const char *name, const char *value)
{
    json_t *row = jszg_jrow_find(rows, name, value);

    if (!row)
        return "";
    json_object_set_new(row, "selected", json_true());
    return value;
}

int jszg_dir_cascade(jszg_req *jr, jszg_dir_choice *c, json_t *out)
{
    json_t *provinces, *cities, *insts;
    int rc;

    if (c->stage && !jszg_rules_is_stage(c->stage))
        c->stage = "";
    if ((rc = jszg_dir_provinces(jr, &provinces)) != JSZG_DB_OK)
        return rc;
    json_object_set(out, "provinces", provinces);
    c->province = choose(provinces, "code", c->province);
    if (!*c->province) {
        c->city = c->institution = "";
        return JSZG_DB_OK;
    }
    if ((rc = jszg_dir_cities(jr, c->province, &cities)) != JSZG_DB_OK)
        return rc;
    json_object_set(out, "cities", cities);
    c->city = choose(cities, "code", c->city);
    if (!*c->city || !c->stage || !*c->stage) {
        c->institution = "";
        return JSZG_DB_OK;
    }
    if ((rc = jszg_dir_institutions(jr, c->province, c->city, c->stage,
                                    &insts)) != JSZG_DB_OK)
        return rc;
    json_object_set(out, "institutions", insts);
    if (!json_array_size(insts))
        json_object_set_new(out, "no_institutions", json_string(MSG_NO_INST));
    c->institution = choose(insts, "id", c->institution);
    return JSZG_DB_OK;
}
