/*
 * jszg_page_wizard_api.c -- the JSON twins of the wizard (/api/v1/dqzc/
 * ...): the same services as the pages.  Bodies are urlencoded or
 * multipart (the photo), answers JSON; a refusal is
 * {"error": {"code", "message", "fields": {name: {code, message}}}}.
 */
#include "jszg_wizard.h"
#include "jszg_rules.h"
#include "apr_strings.h"

static const char *const step3_params[] = {
    "province", "city", "stage", "subject", "institution_id", "point_id",
    "q", NULL
};

static json_t *body_new(jszg_req *jr)
{
    return jszg_pool_json(jr->pool, json_object());
}

/* As the pages' guard, with JSON answers. */
static int api_guard(jszg_req *jr, int step, jszg_applicant *a,
                     jszg_draft **d)
{
    jszg_fail f = JSZG_FAIL(jr->pool);
    int rc;

    if ((rc = jszg_wz_need_applicant(jr, a)) != DECLINED)
        return rc;
    if ((rc = jszg_wz_may_apply(a, &f)) != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &f);
    rc = jszg_wz_draft_load(jr, a, d);
    if (rc == JSZG_DB_NOTFOUND)
        return jszg_error(jr, HTTP_CONFLICT, "no_draft",
                          "报名信息已过期或尚未开始，请先调用 POST "
                          "/api/v1/dqzc/start。");
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    if (step && (rc = jszg_wz_step_open(*d, step, &f)) != JSZG_DB_OK)
        return jszg_fail_api(jr, &f);
    return DECLINED;
}

static int draft_state(jszg_req *jr, jszg_draft *d, int status)
{
    json_t *body = body_new(jr);

    json_object_set_new(body, "step_done", json_integer(d->step_done));
    json_object_set_new(body, "next_step", json_integer(d->step_done + 1));
    json_object_set_new(body, "expires_at",
                        json_integer(apr_time_sec(d->expires)));
    json_object_set_new(body, "next", json_string(apr_psprintf(jr->pool,
                        "/api/v1/dqzc/wizard/%d", d->step_done + 1)));
    return jszg_json(jr, status, body);
}

int jszg_api_wizard(jszg_req *jr)
{
    jszg_applicant a;
    jszg_draft *d;
    int rc;

    if ((rc = api_guard(jr, 0, &a, &d)) != DECLINED)
        return rc;
    return draft_state(jr, d, HTTP_OK);
}

int jszg_api_wizard_step(jszg_req *jr)
{
    int step = jszg_wz_step_param(jr);
    json_t *body = body_new(jr);
    jszg_applicant a;
    jszg_draft *d;
    int rc;

    if (!step || step == 7)
        return jszg_error(jr, HTTP_NOT_FOUND, "no_such_step",
                          "没有这一步骤（申报提醒见 /api/v1/dqzc/"
                          "applications/{报名号}）。");
    if ((rc = api_guard(jr, step, &a, &d)) != DECLINED)
        return rc;
    rc = jszg_wz_step_data(jr, &a, d, step,
                           step == 3 ? jszg_wz_form(jr, step3_params, 1)
                                     : NULL, body);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    return jszg_json(jr, HTTP_OK, body);
}

static int api_submit(jszg_req *jr, jszg_applicant *a)
{
    const char *choice = jszg_field(jr, "choice");
    const char *key = apr_table_get(jr->r->headers_in, "Idempotency-Key");
    const char *reg_no;
    jszg_fail f = JSZG_FAIL(jr->pool);
    json_t *body = body_new(jr);
    int replayed, rc;

    if (!key)
        key = jszg_field(jr, "submit_key");
    if (choice && !strcmp(choice, "disagree")) {
        if ((rc = jszg_wz_abandon(jr, a)) != JSZG_DB_OK)
            return jszg_db_status(rc);
        json_object_set_new(body, "abandoned", json_true());
        json_object_set_new(body, "next", json_string("/platform"));
        return jszg_json(jr, HTTP_OK, body);
    }
    if (!choice || strcmp(choice, "agree")) {
        jszg_fail_set(&f, HTTP_BAD_REQUEST, "choice_required",
                      "请选择“同意”或“不同意”个人承诺"
                      "（choice=agree|disagree）。");
        return jszg_fail_api(jr, &f);
    }
    rc = jszg_wz_submit(jr, a, key, &reg_no, &replayed, &f);
    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &f);
    json_object_set_new(body, "reg_no", json_string(reg_no));
    json_object_set_new(body, "status", json_string(JSZG_ST_PENDING));
    json_object_set_new(body, "replayed", json_boolean(replayed));
    json_object_set_new(body, "href", json_string(apr_pstrcat(jr->pool,
                        "/api/v1/dqzc/applications/", reg_no, NULL)));
    return jszg_json(jr, replayed ? HTTP_OK : HTTP_CREATED, body);
}

int jszg_api_wizard_post(jszg_req *jr)
{
    int step = jszg_wz_step_param(jr);
    const jszg_form_field *photo;
    jszg_applicant a;
    jszg_draft *d;
    jszg_fail f = JSZG_FAIL(jr->pool);
    int rc;

    if (!step || step == 7)
        return jszg_error(jr, HTTP_NOT_FOUND, "no_such_step",
                          "没有这一步骤。");
    if (step == 6) {
        /* With a key the submit does its own checks (jszg_wz_submit: may
         * apply, draft, steps done): a replayed submit, or one that a
         * concurrent submit with the same key beat to the draft, finds
         * that submit's answer.  Looking at the draft here first would
         * answer no_draft when the other one commits in between. */
        const char *key = apr_table_get(jr->r->headers_in,
                                        "Idempotency-Key");
        if ((rc = jszg_wz_need_applicant(jr, &a)) != DECLINED)
            return rc;
        if (key || jszg_field(jr, "submit_key"))
            return api_submit(jr, &a);
    }
    if ((rc = api_guard(jr, step, &a, &d)) != DECLINED)
        return rc;
    switch (step) {
    case 1:
        rc = jszg_wz_agree(jr, d, jszg_field(jr, "agree"), &f);
        break;
    case 2:
        photo = jszg_form_find(jr->form, "photo");
        rc = jszg_wz_save_person(jr, &a, d, jszg_wz_form(
                                     jr, jszg_wz_person_fields(jr->pool), 0),
                                 photo && photo->filename
                                 ? (const unsigned char *)photo->value : NULL,
                                 photo && photo->filename ? photo->len : 0,
                                 &f);
        break;
    case 3:
        rc = jszg_wz_choose_institution(jr, d,
                                        jszg_wz_form(jr, step3_params, 0),
                                        &f);
        break;
    case 4:
    case 5:
        rc = jszg_wz_mark_done(jr, d, step);
        break;
    default:
        return api_submit(jr, &a);
    }
    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &f);
    return draft_state(jr, d, HTTP_OK);
}

static const char *const cert_params[] = {
    "holder", "id_number", "cert_no", "issued_on", "province", "city",
    "kind", "subject", "authority", NULL
};

int jszg_api_wizard_cert_add(jszg_req *jr)
{
    const jszg_form_field *scan = jszg_form_find(jr->form, "photo");
    const jszg_form_field *extra = jszg_form_find(jr->form, "extra_photo");
    json_t *body = body_new(jr);
    jszg_applicant a;
    jszg_draft *d;
    jszg_fail f = JSZG_FAIL(jr->pool);
    const char *no;
    int rc;

    if ((rc = api_guard(jr, 2, &a, &d)) != DECLINED)
        return rc;
    rc = jszg_wz_add_cert(jr, &a, jszg_wz_form(jr, cert_params, 0),
                          scan && scan->filename
                          ? (const unsigned char *)scan->value : NULL,
                          scan && scan->filename ? scan->len : 0,
                          extra && extra->filename
                          ? (const unsigned char *)extra->value : NULL,
                          extra && extra->filename ? extra->len : 0, &no, &f);
    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &f);
    json_object_set_new(body, "cert_no", json_string(no));
    json_object_set_new(body, "review_state", json_string("待核验"));
    return jszg_json(jr, HTTP_CREATED, body);
}

int jszg_api_schools(jszg_req *jr)
{
    json_t *body = body_new(jr), *rows;
    jszg_fail f = JSZG_FAIL(jr->pool);
    jszg_session *s = jszg_session_get(jr);
    int rc = jszg_wz_school_search(jr, s ? s->account_id : "0",
                                   jszg_query(jr, "q"), &rows, &f);

    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &f);
    json_object_set(body, "schools", rows);
    json_object_set_new(body, "kinds", jszg_wz_school_kinds(NULL));
    return jszg_json(jr, HTTP_OK, body);
}

int jszg_api_school_add(jszg_req *jr)
{
    json_t *body = body_new(jr), *row;
    jszg_applicant a;
    jszg_fail f = JSZG_FAIL(jr->pool);
    int rc;

    if ((rc = jszg_wz_need_applicant(jr, &a)) != DECLINED)
        return rc;
    rc = jszg_wz_school_add(jr, &a, jszg_field(jr, "name"),
                            jszg_field(jr, "kind"), &row, &f);
    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &f);
    json_object_set(body, "school", row);
    return jszg_json(jr, HTTP_CREATED, body);
}

int jszg_api_application(jszg_req *jr)
{
    jszg_applicant a;
    json_t *app;
    int rc;

    if ((rc = jszg_wz_need_applicant(jr, &a)) != DECLINED)
        return rc;
    rc = jszg_wz_application(jr, &a, jszg_param(jr, "regno"), &app);
    if (rc == JSZG_DB_NOTFOUND)
        return jszg_error(jr, HTTP_NOT_FOUND, "no_application",
                          "没有找到该报名记录。");
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    return jszg_json(jr, HTTP_OK, app);
}

int jszg_api_applications(jszg_req *jr)
{
    jszg_applicant a;
    json_t *body = body_new(jr), *rows;
    int rc;

    if ((rc = jszg_wz_need_applicant(jr, &a)) != DECLINED)
        return rc;
    if ((rc = jszg_wz_records(jr, &a, &rows)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set(body, "applications", rows);
    return jszg_json(jr, HTTP_OK, body);
}
