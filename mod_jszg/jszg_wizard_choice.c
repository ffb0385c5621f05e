/*
 * jszg_wizard_choice.c -- the choice of 注册机构 in 定期注册: institutions
 * and their 网报 windows (网报时间查询), the province → city → 学段 →
 * 注册机构 selects and the 确认点, the wizard's start and step 1 (协议),
 * step 3 (注册机构 and 确认点).  Part of the wizard services
 * (jszg_wizard_int.h).
 */
#include "jszg_wizard_int.h"
#include "jszg_directory.h"

#define MSG_NO_POINTS   "该机构目前还没有安排确认点，请与该机构联系！"

/* ---- institutions and windows ------------------------------------------- */

static int window_open(json_t *w)
{
    return !strcmp(S(w, "status"), "open");
}

/* Confirmation points whose name or scope contains q (all when q is
 * empty): the 搜索 / 列出全部 of the manual. */

static json_t *filter_points(json_t *points, const char *q)
{
    json_t *out;
    size_t i;
    json_t *row;

    if (!q || !*q)
        return json_incref(points);
    out = json_array();
    json_array_foreach(points, i, row) {
        const char *n = S(row, "name"), *s = S(row, "scope");
        if ((n && strstr(n, q)) || (s && strstr(s, q)))
            json_array_append(out, row);
    }
    return out;
}

/* The selects of the choice (the directory's cascade) and the 学段
 * options; sel's values are narrowed to what fits. */
static int fill_selects(jszg_req *jr, json_t *sel, json_t *out)
{
    jszg_dir_choice c;
    int rc;

    c.province = S(sel, "province");
    c.city = S(sel, "city");
    c.stage = S(sel, "stage") ? S(sel, "stage") : "";
    c.institution = S(sel, "institution_id");
    if ((rc = jszg_dir_cascade(jr, &c, out)) != JSZG_DB_OK)
        return rc;
    json_object_set_new(out, "stages", jszg_wz_options(jszg_rules_stages,
                                                       c.stage));
    json_object_set_new(sel, "province", json_string(c.province));
    json_object_set_new(sel, "city", json_string(c.city));
    json_object_set_new(sel, "stage", json_string(c.stage));
    json_object_set_new(sel, "institution_id", json_string(c.institution));
    return JSZG_DB_OK;
}

/* The chosen institution's window and (filtered) points into out. */
static int add_institution(jszg_req *jr, json_t *sel, json_t *out)
{
    const char *id = S(sel, "institution_id"), *pid = S(sel, "point_id");
    json_t *inst, *win, *points, *shown;
    int rc;

    if (!id || !*id)
        return JSZG_DB_OK;
    if ((rc = jszg_dir_institution(jr, id, &inst)) != JSZG_DB_OK)
        return rc == JSZG_DB_NOTFOUND ? JSZG_DB_OK : rc;
    if ((rc = jszg_dir_window_state(jr, inst, &win)) != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_dir_points(jr, id, S(sel, "stage"), &points))
        != JSZG_DB_OK)
        return rc;
    shown = filter_points(points, S(sel, "q"));
    /* the chosen point stays listed even when the search hides it */
    if (pid && jszg_jrow_find(points, "id", pid) && !jszg_jrow_find(shown, "id", pid))
        json_array_insert(shown, 0, jszg_jrow_find(points, "id", pid));
    jszg_jrows_select(shown, "id", pid);
    json_object_set(out, "institution", inst);
    json_object_set(out, "window", win);
    json_object_set_new(out, "window_open", json_boolean(window_open(win)));
    json_object_set_new(out, "points", shown);
    json_object_set_new(out, "points_total",
                        json_integer((json_int_t)json_array_size(points)));
    if (!json_array_size(points))
        json_object_set_new(out, "no_points", json_string(MSG_NO_POINTS));
    else if (!json_array_size(shown))
        json_object_set_new(out, "no_match", json_string(
            "没有找到符合条件的确认点，请点击【列出全部】查看全部确认点。"));
    return JSZG_DB_OK;
}

int jszg_wz_windows_data(jszg_req *jr, json_t *sel, json_t *out,
                         jszg_fail *f)
{
    const char *prov = S(sel, "province"), *city = S(sel, "city");
    const char *stage = S(sel, "stage");
    int rc;

    (void)f;
    /* malformed values are simply dropped: every value comes from our
     * own selects, and the answer is the narrowed form again */
    if (prov && strlen(prov) != 6)
        json_object_set_new(sel, "province", json_string(""));
    if (city && strlen(city) != 6)
        json_object_set_new(sel, "city", json_string(""));
    if (stage && !jszg_rules_is_stage(stage))
        json_object_set_new(sel, "stage", json_string(""));
    if ((rc = fill_selects(jr, sel, out)) != JSZG_DB_OK)
        return rc;
    return add_institution(jr, sel, out);
}

/* The institution + point choice is acceptable right now. */
int jszg_wz_check_institution(jszg_req *jr, const char *inst_id,
                              const char *stage,
                              const char *point_id, json_t **inst_out,
                              json_t **win_out, json_t **point_out,
                              jszg_fail *f)
{
    json_t *inst, *win, *points, *pt;
    int rc = jszg_dir_institution(jr, inst_id, &inst);

    if (rc == JSZG_DB_NOTFOUND) {
        jszg_fail_field(f, "institution_id", "missing_institution",
                        "请选择注册机构。");
        return jszg_refuse(f, HTTP_BAD_REQUEST, "missing_institution",
                           "请先选择注册机构，查询网报时间后再报名。");
    }
    if (rc != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_dir_window_state(jr, inst, &win)) != JSZG_DB_OK)
        return rc;
    if (!window_open(win)) {
        jszg_fail_field(f, "institution_id",
                        apr_pstrcat(jr->pool, "window_", S(win, "status"),
                                    NULL), S(win, "message"));
        return jszg_refuse(f, HTTP_CONFLICT, apr_pstrcat(jr->pool,
                           "window_", S(win, "status"), NULL),
                           S(win, "message"));
    }
    if ((rc = jszg_dir_points(jr, S(inst, "id"), stage, &points))
        != JSZG_DB_OK)
        return rc;
    if (!json_array_size(points)) {
        jszg_fail_field(f, "point_id", "no_points", MSG_NO_POINTS);
        return jszg_refuse(f, HTTP_CONFLICT, "no_points", MSG_NO_POINTS);
    }
    pt = point_id && *point_id ? jszg_jrow_find(points, "id", point_id) : NULL;
    if (point_out && !pt) {
        jszg_fail_field(f, "point_id", "missing_point",
                        "请选择确认点。");
        return refuse_fields(f);
    }
    if (inst_out)
        *inst_out = inst;
    if (win_out)
        *win_out = win;
    if (point_out)
        *point_out = pt;
    return JSZG_DB_OK;
}

int jszg_wz_start(jszg_req *jr, const jszg_applicant *a,
                  const char *institution_id, const char *stage,
                  const char *point_id, jszg_draft **out, jszg_fail *f)
{
    json_t *inst, *win, *data, *choice;
    const char *key, *dump;
    char *s;
    int rc;

    *out = NULL;
    if ((rc = jszg_wz_may_apply(a, f)) != JSZG_DB_OK)
        return rc;
    rc = jszg_wz_check_institution(jr, institution_id, stage, point_id,
                                   &inst, &win, NULL, f);
    if (rc != JSZG_DB_OK)
        return rc;
    data = jszg_pool_json(jr->pool, json_object());
    choice = json_object();
    json_object_set(choice, "province", json_object_get(inst,
                                                         "province_code"));
    json_object_set(choice, "city", json_object_get(inst, "city_code"));
    json_object_set(choice, "institution_id", json_object_get(inst, "id"));
    if (jszg_rules_is_stage(stage)
        && strstr(apr_pstrcat(jr->pool, ",", S(inst, "stages"), ",", NULL),
                  apr_pstrcat(jr->pool, ",", stage, ",", NULL)))
        json_object_set_new(choice, "stage", json_string(stage));
    if (point_id && *point_id)
        json_object_set_new(choice, "point_id", json_string(point_id));
    json_object_set_new(data, "choice", choice);
    json_object_set(data, "cycle_year", json_object_get(win, "cycle_year"));
    key = jszg_random_token(jr->pool, 24);
    s = json_dumps(data, JSON_COMPACT);
    dump = apr_pstrdup(jr->pool, s ? s : "{}");
    free(s);
    if (!key)
        return JSZG_DB_ERROR;
    /* a new start replaces an old draft, in one change */
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    rc = jszg_db_exec(jr, "wz_draft_delete", NULL, 1, a->id);
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "wz_draft_insert", NULL, 5, a->id, dump, key,
                          epoch(jr), epoch(jr));
    if (rc == JSZG_DB_OK)
        rc = jszg_db_commit(jr);
    else
        jszg_db_rollback(jr);
    if (rc != JSZG_DB_OK)
        return rc;
    return jszg_wz_draft_load(jr, a, out);
}

int jszg_wz_agree(jszg_req *jr, jszg_draft *d, const char *agree,
                  jszg_fail *f)
{
    if (!agree || (strcmp(agree, "1") && strcmp(agree, "on")
                   && strcmp(agree, "true"))) {
        jszg_fail_field(f, "agree", "agreement_required",
                        "请仔细阅读网上申报协议，勾选“已阅读并完全同意”后"
                        "再点击【下一步】。");
        return jszg_refuse(f, HTTP_BAD_REQUEST, "agreement_required",
                           "请仔细阅读网上申报协议，勾选“已阅读并完全同意”"
                           "后再点击【下一步】。");
    }
    json_object_set_new(d->data, "agreed", json_true());
    return jszg_wz_draft_save(jr, d, 1);
}

/* ---- step 3 ------------------------------------------------------------- */

/* 资格种类 vs 学段 ("具有与任教岗位相应的教师资格", jszg_rules.c): a
 * post the chosen certificate does not cover is refused on the stage. */
static void check_kind_stage(jszg_req *jr, json_t *cert, const char *stage,
                             jszg_fail *f)
{
    char buf[256];
    const char *why = cert ? jszg_rules_kind_stage_refusal(
                                 (int)L(cert, "kind"), stage, buf,
                                 sizeof(buf)) : NULL;

    if (why)
        jszg_fail_field(f, "stage", "kind_stage_mismatch",
                        apr_pstrcat(jr->pool, why, "。请选择与证书相应的"
                                    "学段，或返回步骤二选择其他证书。",
                                    NULL));
}

int jszg_wz_step3_data(jszg_req *jr, const jszg_draft *d, json_t *sel,
                       json_t *out)
{
    json_t *saved = json_object_get(d->data, "choice");
    const char *subject;
    int rc;

    /* without a selection in the request: what the draft holds */
    if (!json_object_size(sel) && saved)
        json_object_update(sel, saved);
    subject = S(sel, "subject");
    if ((rc = fill_selects(jr, sel, out)) != JSZG_DB_OK)
        return rc;
    if ((rc = add_institution(jr, sel, out)) != JSZG_DB_OK)
        return rc;
    json_object_set_new(out, "subjects", jszg_wz_options(jszg_wz_subjects,
                                                         subject));
    json_object_set(out, "sel", sel);
    return JSZG_DB_OK;
}

int jszg_wz_choose_institution(jszg_req *jr, jszg_draft *d, json_t *in,
                               jszg_fail *f)
{
    const char *prov = S(in, "province"), *city = S(in, "city");
    const char *stage = S(in, "stage"), *subject = S(in, "subject");
    const char *inst = S(in, "institution_id"), *point = S(in, "point_id");
    json_t *sel = jszg_pool_json(jr->pool, json_deep_copy(in));
    json_t *opts = jszg_pool_json(jr->pool, json_object());
    json_t *irow, *win, *prow, *choice;
    int rc;

    if ((rc = fill_selects(jr, sel, opts)) != JSZG_DB_OK)
        return rc;
    /* every problem of the form at once, each next to its field */
    if (!prov || !*prov || strcmp(S(sel, "province"), prov))
        jszg_fail_field(f, "province", "missing_province",
                        "请选择省份。");
    else if (!city || !*city || strcmp(S(sel, "city"), city))
        jszg_fail_field(f, "city", "missing_city", "请选择地市。");
    if (!jszg_rules_is_stage(stage))
        jszg_fail_field(f, "stage", "missing_stage",
                        "请选择现任教学段。");
    else
        check_kind_stage(jr, json_object_get(d->data, "cert"), stage, f);
    if (!in_list(jszg_wz_subjects, subject))
        jszg_fail_field(f, "subject", "missing_subject",
                        "请选择现任教学科。");
    if (!inst || !*inst)
        jszg_fail_field(f, "institution_id", "missing_institution",
                        "请选择注册机构。");
    else if (strcmp(S(sel, "institution_id"), inst))
        jszg_fail_field(f, "institution_id", "missing_institution",
                        S(sel, "province")[0] && S(sel, "city")[0]
                        && S(sel, "stage")[0]
                        ? "所选注册机构没有该地区、该学段的定期注册权限，"
                          "请重新选择。"
                        : "请选择注册机构。");
    else {
        /* the institution's window and the point, with the rest */
        rc = jszg_wz_check_institution(jr, inst, stage, point, &irow, &win,
                                       &prow, f);
        if (rc != JSZG_DB_OK && rc != JSZG_REFUSED)
            return rc;
        if (rc == JSZG_REFUSED && f->code
            && !strcmp(f->code, "missing_institution"))
            f->code = NULL;
        if (rc == JSZG_REFUSED && f->code && strcmp(f->code, "invalid"))
            return JSZG_REFUSED;      /* window / no points: 409 */
    }
    if (jszg_fail_nfields(f))
        return refuse_fields(f);
    choice = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "province", prov,
                       "city", city, "stage", stage, "subject", subject,
                       "institution_id", inst, "point_id", point);
    json_object_set_new(d->data, "choice", choice);
    json_object_set(d->data, "cycle_year", json_object_get(win,
                                                           "cycle_year"));
    return jszg_wz_draft_save(jr, d, 3);
}
