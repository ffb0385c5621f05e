/*
 * jszg_page_records_api.c -- the JSON twins of 查询报名信息 under
 * /api/v1/dqzc/records: the list, one record, its edit and its messages.
 * Same services and the same ownership rule as the pages (404 for any
 * 报名号 that is not the caller's); refusals as {"error": {code,
 * message, fields}}.
 */
#include "jszg_records.h"
#include "apr_strings.h"

int jszg_api_records(jszg_req *jr)
{
    jszg_applicant a;
    json_t *body = jszg_pool_json(jr->pool, json_object());
    json_t *current, *history;
    long cycle;
    int rc;

    if ((rc = jszg_wz_need_applicant(jr, &a)) != DECLINED)
        return rc;
    if ((rc = jszg_rec_list(jr, &a, &current, &history, &cycle))
        != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set_new(body, "cycle", json_integer(cycle));
    json_object_set(body, "current", current);
    json_object_set(body, "history", history);
    json_object_set(body, "explanations", jszg_rec_explanations(jr));
    return jszg_json(jr, HTTP_OK, body);
}

int jszg_api_record(jszg_req *jr)
{
    jszg_applicant a;
    jszg_record rec;
    json_t *body = jszg_pool_json(jr->pool, json_object());
    int rc;

    if ((rc = jszg_rec_need(jr, &a, &rec)) != DECLINED)
        return rc;
    if ((rc = jszg_rec_detail(jr, &a, &rec, body)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    return jszg_json(jr, HTTP_OK, body);
}

/* POST: the fields of the wizard's steps 2-3 that change (the others
 * keep their saved values), "version" from GET, optional "photo". */
int jszg_api_record_save(jszg_req *jr)
{
    jszg_fail f = JSZG_FAIL(jr->pool);
    const unsigned char *photo;
    apr_size_t plen;
    jszg_applicant a;
    jszg_record rec;
    json_t *body;
    int rc;

    if ((rc = jszg_rec_need(jr, &a, &rec)) != DECLINED)
        return rc;
    photo = jszg_rec_photo_part(jr, &plen);
    rc = jszg_rec_save(jr, &a, &rec, jszg_field(jr, "version"),
                       jszg_rec_edit_input(jr, &rec), photo, plen, &f);
    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &f);
    /* the new version, for the next edit from this client */
    if ((rc = jszg_rec_need(jr, &a, &rec)) != DECLINED)
        return rc;
    body = jszg_pool_json(jr->pool, json_object());
    if ((rc = jszg_rec_detail(jr, &a, &rec, body)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    return jszg_json(jr, HTTP_OK, body);
}

int jszg_api_record_messages(jszg_req *jr)
{
    jszg_applicant a;
    jszg_record rec;
    json_t *body = jszg_pool_json(jr->pool, json_object()), *rows;
    int rc;

    if ((rc = jszg_rec_need(jr, &a, &rec)) != DECLINED)
        return rc;
    if ((rc = jszg_rec_messages(jr, &a, &rec, &rows)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set_new(body, "reg_no", json_string(rec.reg_no));
    json_object_set(body, "messages", rows);
    return jszg_json(jr, HTTP_OK, body);
}
