/*
 * jszg_page_wizard_steps.c -- the seven steps of 定期注册报名 (manual
 * §3.1.2) as pages: each GET shows the step from the server-side draft,
 * each POST hands the form to the step's service and goes on (303) or
 * shows the step again with the values kept and the messages beside the
 * fields.  A step cannot be reached before the one above it is done.
 */
#include "jszg_wizard.h"
#include "jszg_directory.h"
#include "jszg_records.h"
#include "jszg_rules.h"
#include "apr_strings.h"

static const char *const step_names[] = {
    "网上申报协议", "填写注册信息", "选择注册机构", "确认申报信息",
    "注意事项", "提交注册申请", "申报提醒"
};

static const char *const step3_params[] = {
    "province", "city", "stage", "subject", "institution_id", "point_id",
    "q", NULL
};

int jszg_wz_step_param(jszg_req *jr)
{
    const char *s = jszg_param(jr, "step");

    if (!s || strlen(s) != 1 || s[0] < '1' || s[0] > '7')
        return 0;
    return s[0] - '0';
}

static json_t *steps_bar(int current, int done)
{
    json_t *out = json_array();
    int i;

    for (i = 0; i < JSZG_WIZARD_STEPS; i++)
        json_array_append_new(out, json_pack("{s:i, s:s, s:b, s:b}",
                              "n", i + 1, "name", step_names[i],
                              "current", i + 1 == current,
                              "done", i + 1 <= done));
    return out;
}

int jszg_wz_step_data(jszg_req *jr, const jszg_applicant *a,
                      jszg_draft *d, int step, json_t *sel, json_t *out)
{
    char buf[32];

    json_object_set_new(out, "step", json_integer(step));
    json_object_set_new(out, "step_done", json_integer(d->step_done));
    json_object_set_new(out, "step_name", json_string(step_names[step - 1]));
    json_object_set_new(out, "steps", steps_bar(step, d->step_done));
    json_object_set_new(out, "expires_at",
                        json_integer(apr_time_sec(d->expires)));
    /* "YYYY-MM-DD HH:MM": the time is its last five characters */
    json_object_set_new(out, "expires_hm", json_string(
        jszg_rules_beijing_text(apr_time_sec(d->expires), JSZG_FMT_MINUTE,
                                buf, sizeof(buf)) + 11));
    json_object_set_new(out, "idle_hours",
                        json_integer(apr_time_sec(jr->sc->draft_idle) / 3600));
    switch (step) {
    case 1:
        json_object_set_new(out, "agreed", json_boolean(json_is_true(
                            json_object_get(d->data, "agreed"))));
        return JSZG_DB_OK;
    case 2:
        return jszg_wz_step2_data(jr, a, d, out);
    case 3:
        return jszg_wz_step3_data(jr, d, sel ? sel
                                  : jszg_pool_json(jr->pool, json_object()),
                                  out);
    case 4:
        return jszg_wz_review(jr, a, d, out);
    case 5:
        return jszg_wz_notes(jr, d, out);
    case 6:
        json_object_set_new(out, "submit_key", json_string(d->submit_key));
        return JSZG_DB_OK;
    }
    return JSZG_DB_OK;
}

/* ---- guards ------------------------------------------------------------- */

/* The applicant may apply and has a draft open at this step: DECLINED
 * with *a and *d, or the answer already made (redirects for pages). */
static int guard(jszg_req *jr, int step, jszg_applicant *a, jszg_draft **d)
{
    jszg_fail f = JSZG_FAIL(jr->pool);
    int rc;

    if ((rc = jszg_wz_need_applicant(jr, a)) != DECLINED)
        return rc;
    if ((rc = jszg_wz_may_apply(a, &f)) != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &f);
    rc = jszg_wz_draft_load(jr, a, d);
    if (rc == JSZG_DB_NOTFOUND) {
        jszg_wz_flash(jr, "报名信息已过期或尚未开始（报名进度无操作超过2小时"
                          "不再保存），请查询网报时间后点击【定期注册报名】"
                          "重新填报。");
        return jszg_redirect(jr, "/platform/dqzc/windows");
    }
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    if (step && (rc = jszg_wz_step_open(*d, step, &f)) != JSZG_DB_OK) {
        if (f.status == HTTP_NOT_FOUND)
            return jszg_error(jr, HTTP_NOT_FOUND, NULL, NULL);
        jszg_wz_flash(jr, f.message);
        return jszg_redirect(jr, apr_psprintf(jr->pool,
                             "/platform/dqzc/wizard/%d",
                             (*d)->step_done + 1));
    }
    return DECLINED;
}

static int render_step(jszg_req *jr, const jszg_applicant *a, jszg_draft *d,
                       int step, json_t *sel, const jszg_fail *f,
                       int status, json_t **data)
{
    json_t *page = jszg_wz_page(jr, apr_pstrcat(jr->pool, "定期注册报名 - ",
                                                step_names[step - 1], NULL),
                                NULL);
    int rc = jszg_wz_step_data(jr, a, d, step, sel, page);

    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    if (f && f->code)
        jszg_fail_page(page, f, NULL);
    jszg_crumbs(jr, page, "首页", "/", "业务平台", "/platform",
                "定期注册报名", NULL, NULL);
    if (data) {
        *data = page;           /* the caller adds to it and renders */
        return DECLINED;
    }
    return jszg_render(jr, status, apr_psprintf(jr->pool, "wizard_step%d",
                                                step), page);
}

int jszg_page_wizard_entry(jszg_req *jr)
{
    jszg_applicant a;
    jszg_draft *d;
    int rc;

    if ((rc = guard(jr, 0, &a, &d)) != DECLINED)
        return rc;
    return jszg_redirect(jr, apr_psprintf(jr->pool, "/platform/dqzc/wizard/%d",
                                          d->step_done + 1));
}

int jszg_page_wizard_step(jszg_req *jr)
{
    int step = jszg_wz_step_param(jr);
    jszg_applicant a;
    jszg_draft *d;
    int rc;

    if (!step)
        return jszg_error(jr, HTTP_NOT_FOUND, NULL, NULL);
    if (step == 7) {            /* 申报提醒 belongs to an application */
        return jszg_redirect(jr, "/platform");
    }
    if ((rc = guard(jr, step, &a, &d)) != DECLINED)
        return rc;
    return render_step(jr, &a, d, step,
                       step == 3 ? jszg_wz_form(jr, step3_params, 1) : NULL,
                       NULL, HTTP_OK, NULL);
}

/* ---- POST of each step -------------------------------------------------- */

static int next_step(jszg_req *jr, int step)
{
    return jszg_redirect(jr, apr_psprintf(jr->pool, "/platform/dqzc/wizard/%d",
                                          step + 1));
}

/* Step 2's 查询 / 新增学校 round trips (without JavaScript): the page
 * again with the values as posted and the search result or new school. */
static int step2_school(jszg_req *jr, const jszg_applicant *a,
                        jszg_draft *d, json_t *values, const char *action,
                        jszg_fail *f)
{
    json_t *page, *rows = NULL, *row = NULL;
    int rc, refused = 0;

    if (!strcmp(action, "search_school"))
        rc = jszg_wz_school_search(jr, a->id, jszg_field(jr, "school_q"),
                                   &rows, f);
    else
        rc = jszg_wz_school_add(jr, a, jszg_field(jr, "new_school_name"),
                                jszg_field(jr, "new_school_kind"), &row, f);
    if (rc != JSZG_DB_OK && rc != JSZG_REFUSED)
        return jszg_db_status(rc);
    if (row) {
        json_object_set(values, "grad_school", json_object_get(row, "id"));
        json_object_set(values, "grad_school_name",
                        json_object_get(row, "name"));
        rows = json_pack("[O]", row);
        jszg_pool_json(jr->pool, rows);
    }
    if (rc == JSZG_REFUSED || f->code)
        refused = 1;
    if ((rc = render_step(jr, a, d, 2, NULL, refused ? f : NULL, HTTP_OK,
                          &page)) != DECLINED)
        return rc;
    jszg_wz_step2_values(page, values);
    if (rows) {
        json_object_set(page, "school_results", rows);
        json_object_set_new(page, "school_searched", json_true());
        if (!json_array_size(rows))
            json_object_set_new(page, "school_none", json_string(
                "未查询到该学校，可点击【新增学校】添加。"));
    }
    json_object_set_new(page, "school_q", json_string(
                        jszg_field(jr, "school_q") ? jszg_field(jr, "school_q")
                                                   : ""));
    if (row)
        json_object_set_new(page, "school_added", json_string(
            apr_pstrcat(jr->pool, "已选择学校：", json_string_value(
                json_object_get(row, "name")), NULL)));
    return jszg_render(jr, refused ? f->status : HTTP_OK, "wizard_step2",
                       page);
}

static int post_step2(jszg_req *jr, const jszg_applicant *a, jszg_draft *d)
{
    const jszg_form_field *photo = jszg_form_find(jr->form, "photo");
    const char *action = jszg_field(jr, "action");
    json_t *values = jszg_wz_form(jr, jszg_wz_person_fields(jr->pool), 0);
    const unsigned char *pb = NULL;
    apr_size_t plen = 0;
    jszg_fail f = JSZG_FAIL(jr->pool);
    json_t *page;
    int rc;

    if (photo && photo->filename && photo->len) {
        pb = (const unsigned char *)photo->value;
        plen = photo->len;
    }
    if (jszg_field(jr, "grad_school_name"))
        json_object_set_new(values, "grad_school_name",
                            json_string(jszg_field(jr, "grad_school_name")));
    if (action && (!strcmp(action, "search_school")
                   || !strcmp(action, "add_school"))) {
        /* keep an uploaded photo across the round trip */
        if (pb && (rc = jszg_wz_save_photo(jr, a, d, pb, plen, &f))
                  != JSZG_DB_OK && rc != JSZG_REFUSED)
            return jszg_db_status(rc);
        return step2_school(jr, a, d, values, action, &f);
    }
    rc = jszg_wz_save_person(jr, a, d, values, pb, plen, &f);
    if (rc == JSZG_DB_OK)
        return next_step(jr, 2);
    if (rc != JSZG_REFUSED)
        return jszg_db_status(rc);
    if ((rc = render_step(jr, a, d, 2, NULL, &f, f.status, &page))
        != DECLINED)
        return rc;
    jszg_wz_step2_values(page, values);
    return jszg_render(jr, f.status, "wizard_step2", page);
}

static int post_step3(jszg_req *jr, const jszg_applicant *a, jszg_draft *d)
{
    json_t *sel = jszg_wz_form(jr, step3_params, 0);
    const char *action = jszg_field(jr, "action");
    jszg_fail f = JSZG_FAIL(jr->pool);
    int rc;

    if (action && !strcmp(action, "refresh"))
        return render_step(jr, a, d, 3, sel, NULL, HTTP_OK, NULL);
    rc = jszg_wz_choose_institution(jr, d, sel, &f);
    if (rc == JSZG_DB_OK)
        return next_step(jr, 3);
    if (rc != JSZG_REFUSED)
        return jszg_db_status(rc);
    return render_step(jr, a, d, 3, sel, &f, f.status, NULL);
}

static int post_step6(jszg_req *jr, const jszg_applicant *a, jszg_draft *d)
{
    const char *choice = jszg_field(jr, "choice");
    const char *reg_no;
    jszg_fail f = JSZG_FAIL(jr->pool);
    int replayed, rc;

    if (choice && !strcmp(choice, "disagree")) {
        if ((rc = jszg_wz_abandon(jr, a)) != JSZG_DB_OK)
            return jszg_db_status(rc);
        jszg_wz_flash(jr, "您选择了不同意个人承诺，已放弃本次定期注册报名。");
        return jszg_redirect(jr, "/platform");
    }
    if (!choice || strcmp(choice, "agree")) {
        jszg_fail_set(&f, HTTP_BAD_REQUEST, "choice_required",
                      "请选择“同意”或“不同意”个人承诺后再点击【提交】。");
        jszg_fail_field(&f, "choice", "choice_required", f.message);
        return render_step(jr, a, d, 6, NULL, &f, f.status, NULL);
    }
    rc = jszg_wz_submit(jr, a, jszg_field(jr, "submit_key"), &reg_no,
                        &replayed, &f);
    if (rc == JSZG_REFUSED)
        return render_step(jr, a, d, 6, NULL, &f, f.status, NULL);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    return jszg_redirect(jr, apr_pstrcat(jr->pool,
                         "/platform/dqzc/applications/", reg_no, NULL));
}

/* Step 6 may be posted twice (a double click): the second POST finds no
 * draft but the idempotency key, and gets the same 报名号. */
static int replay_submit(jszg_req *jr, jszg_applicant *a)
{
    const char *reg_no;
    jszg_fail f = JSZG_FAIL(jr->pool);
    int replayed, rc;

    if (!jszg_field(jr, "choice") || strcmp(jszg_field(jr, "choice"),
                                            "agree"))
        return DECLINED;
    rc = jszg_wz_submit(jr, a, jszg_field(jr, "submit_key"), &reg_no,
                        &replayed, &f);
    if (rc != JSZG_DB_OK)
        return DECLINED;
    return jszg_redirect(jr, apr_pstrcat(jr->pool,
                         "/platform/dqzc/applications/", reg_no, NULL));
}

int jszg_page_wizard_post(jszg_req *jr)
{
    int step = jszg_wz_step_param(jr);
    jszg_applicant a;
    jszg_draft *d;
    jszg_fail f = JSZG_FAIL(jr->pool);
    int rc;

    if (!step || step == 7)
        return jszg_error(jr, HTTP_NOT_FOUND, NULL, NULL);
    if (step == 6) {
        if ((rc = jszg_wz_need_applicant(jr, &a)) != DECLINED)
            return rc;
        if ((rc = replay_submit(jr, &a)) != DECLINED)
            return rc;
    }
    if ((rc = guard(jr, step, &a, &d)) != DECLINED)
        return rc;
    switch (step) {
    case 1:
        rc = jszg_wz_agree(jr, d, jszg_field(jr, "agree"), &f);
        break;
    case 2:
        return post_step2(jr, &a, d);
    case 3:
        return post_step3(jr, &a, d);
    case 4:
    case 5:
        rc = jszg_wz_mark_done(jr, d, step);
        break;
    default:
        return post_step6(jr, &a, d);
    }
    if (rc == JSZG_DB_OK)
        return next_step(jr, step);
    if (rc != JSZG_REFUSED)
        return jszg_db_status(rc);
    return render_step(jr, &a, d, step, NULL, &f, f.status, NULL);
}

/* ---- the draft's photo, 添加教师资格证书信息, 申报提醒 ------------------ */

/* Send a stored JPEG (only ever one we checked and wrote ourselves). */
static int send_jpeg(jszg_req *jr, const char *rel)
{
    apr_file_t *f;
    apr_finfo_t fi;
    char *buf;
    apr_size_t n;
    apr_status_t rv;

    rv = apr_file_open(&f, jszg_wz_upload_path(jr, rel), APR_FOPEN_READ
                       | APR_FOPEN_BINARY, 0, jr->pool);
    if (rv == APR_SUCCESS)
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, jr->r, JSZGLOGNO(16010)
                      "stored photo %s is missing", rel);
        return jszg_error(jr, HTTP_NOT_FOUND, NULL, NULL);
    }
    n = (apr_size_t)fi.size;
    buf = apr_palloc(jr->pool, n + 1);
    rv = apr_file_read_full(f, buf, n, &n);
    apr_file_close(f);
    if (rv != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    jszg_no_store(jr->r);
    /* an upload is never a page of the site (issue 8) */
    apr_table_setn(jr->r->headers_out, "Content-Disposition",
                   "inline; filename=\"photo.jpg\"");
    return jszg_send(jr->r, HTTP_OK, "image/jpeg", buf, n);
}

int jszg_page_wizard_photo(jszg_req *jr)
{
    jszg_applicant a;
    jszg_draft *d;
    const char *rel;
    int rc;

    if ((rc = jszg_wz_need_applicant(jr, &a)) != DECLINED)
        return rc;
    rc = jszg_wz_draft_load(jr, &a, &d);
    if (rc == JSZG_DB_NOTFOUND)
        return jszg_error(jr, HTTP_NOT_FOUND, NULL, NULL);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    rel = json_string_value(json_object_get(d->data, "photo"));
    if (!rel)
        return jszg_error(jr, HTTP_NOT_FOUND, NULL, NULL);
    return send_jpeg(jr, rel);
}

static const char *const cert_params[] = {
    "holder", "id_number", "cert_no", "issued_on", "province", "city",
    "kind", "subject", "authority", NULL
};

static int render_cert_form(jszg_req *jr, const jszg_applicant *a,
                            json_t *values, const jszg_fail *f, int status)
{
    json_t *d = jszg_wz_page(jr, "添加教师资格证书信息", NULL);
    json_t *form = jszg_wz_add_cert_form(jr, a);
    jszg_dir_choice c = { NULL, NULL, NULL, NULL };
    int rc;

    if (!values)
        values = json_pack("{s:O, s:O}", "holder", json_object_get(form,
                           "holder"), "id_number", json_object_get(form,
                           "id_number"));
    else
        json_incref(values);
    json_object_set_new(d, "values", values);
    /* 所属省份 → 所属市: the directory's cascade (the select refreshes
     * the form); stage NULL, no institution */
    c.province = json_string_value(json_object_get(values, "province"));
    c.city = json_string_value(json_object_get(values, "city"));
    if ((rc = jszg_dir_cascade(jr, &c, d)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set_new(d, "kinds", jszg_wz_cert_kinds(
        json_string_value(json_object_get(values, "kind"))));
    json_object_set_new(d, "subjects", jszg_wz_options(jszg_wz_subjects,
        json_string_value(json_object_get(values, "subject"))));
    if (f && f->code)
        jszg_fail_page(d, f, NULL);
    jszg_crumbs(jr, d, "首页", "/", "业务平台", "/platform", "定期注册报名",
                "/platform/dqzc/wizard/2", "添加教师资格证书信息", NULL, NULL);
    return jszg_render(jr, status, "wizard_cert", d);
}

int jszg_page_wizard_cert_form(jszg_req *jr)
{
    jszg_applicant a;
    jszg_draft *d;
    int rc;

    if ((rc = guard(jr, 2, &a, &d)) != DECLINED)
        return rc;
    return render_cert_form(jr, &a, NULL, NULL, HTTP_OK);
}

int jszg_page_wizard_cert_add(jszg_req *jr)
{
    const jszg_form_field *scan = jszg_form_find(jr->form, "photo");
    const jszg_form_field *extra = jszg_form_find(jr->form, "extra_photo");
    json_t *in = jszg_wz_form(jr, cert_params, 0);
    jszg_applicant a;
    jszg_draft *d;
    jszg_fail f = JSZG_FAIL(jr->pool);
    const char *no;
    int rc;

    if ((rc = guard(jr, 2, &a, &d)) != DECLINED)
        return rc;
    if (jszg_field(jr, "action") && !strcmp(jszg_field(jr, "action"),
                                            "refresh"))
        return render_cert_form(jr, &a, in, NULL, HTTP_OK);
    rc = jszg_wz_add_cert(jr, &a, in, scan && scan->filename
                          ? (const unsigned char *)scan->value : NULL,
                          scan && scan->filename ? scan->len : 0,
                          extra && extra->filename
                          ? (const unsigned char *)extra->value : NULL,
                          extra && extra->filename ? extra->len : 0, &no, &f);
    if (rc == JSZG_REFUSED)
        return render_cert_form(jr, &a, in, &f, f.status);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_wz_flash(jr, apr_pstrcat(jr->pool, "已添加教师资格证书", no,
                                  "，该证书需后台人工核验，请携带证书原件进行"
                                  "现场确认。", NULL));
    return jszg_redirect(jr, "/platform/dqzc/wizard/2");
}

int jszg_page_application(jszg_req *jr)
{
    jszg_applicant a;
    json_t *d, *app;
    int rc;

    if ((rc = jszg_wz_need_applicant(jr, &a)) != DECLINED)
        return rc;
    rc = jszg_wz_application(jr, &a, jszg_param(jr, "regno"), &app);
    if (rc == JSZG_DB_NOTFOUND)
        return jszg_rec_refused(jr, HTTP_NOT_FOUND, "no_application",
                                "没有找到该报名信息",
                                "没有找到该报名号的报名信息。请核对报名号，或在"
                                "查询报名信息中查看您的全部报名记录。", NULL);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    d = jszg_wz_page(jr, "定期注册报名 - 申报提醒", NULL);
    json_object_set_new(d, "steps", steps_bar(7, 7));
    json_object_set(d, "app", app);
    jszg_crumbs(jr, d, "首页", "/", "业务平台", "/platform", "申报提醒",
                NULL, NULL);
    return jszg_render(jr, HTTP_OK, "wizard_step7", d);
}
