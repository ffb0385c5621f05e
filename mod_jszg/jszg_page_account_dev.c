/*
 * jszg_page_account_dev.c -- developer pages, refused with JszgMode
 * production (404, as if they did not exist):
 *   /dev/sms           the SMS outbox, so that a developer without a
 *                      gateway can read the codes and log in end to end;
 *   /dev/reviews       the pending 人工审核 with approve/reject buttons,
 *                      a stand-in until the back office (issue 6) has
 *                      its staff review queue.  Both call the services.
 */
#include "jszg_account.h"
#include "apr_strings.h"

static int dev_only(jszg_req *jr)
{
    return jr->sc->mode != JSZG_MODE_PRODUCTION;
}

static void times(jszg_req *jr, json_t *rows, const char *colname)
{
    size_t i;
    json_t *row;

    json_array_foreach(rows, i, row) {
        const char *t = jszg_acct_time(jr->pool, json_string_value(
                                       json_object_get(row, colname)));
        if (t)
            json_object_set_new(row, "time", json_string(t));
    }
}

int jszg_page_dev_sms(jszg_req *jr)
{
    json_t *d, *rows;
    int rc;

    if (!dev_only(jr))
        return jszg_error(jr, HTTP_NOT_FOUND, NULL, NULL);
    if ((rc = jszg_acct_sms_outbox(jr, &rows)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    times(jr, rows, "created_at");
    d = jszg_acct_page(jr, "短信发件箱（开发模式）");
    json_object_set(d, "messages", rows);
    return jszg_render(jr, HTTP_OK, "account/dev_sms", d);
}

int jszg_page_dev_reviews(jszg_req *jr)
{
    json_t *d, *rows;
    int rc;

    if (!dev_only(jr))
        return jszg_error(jr, HTTP_NOT_FOUND, NULL, NULL);
    if ((rc = jszg_acct_reviews_pending(jr, &rows)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    times(jr, rows, "submitted_at");
    jszg_rows_link(jr->pool, rows, "/dev/reviews/");
    d = jszg_acct_page(jr, "人工审核（开发模式）");
    json_object_set(d, "reviews", rows);
    return jszg_render(jr, HTTP_OK, "account/dev_reviews", d);
}

int jszg_page_dev_review_decide(jszg_req *jr)
{
    const char *decision = jszg_field(jr, "decision");
    jszg_fail e = JSZG_FAIL(jr->pool);
    int rc;

    if (!dev_only(jr))
        return jszg_error(jr, HTTP_NOT_FOUND, NULL, NULL);
    if (!decision || (strcmp(decision, "approve")
                      && strcmp(decision, "reject")))
        return jszg_error(jr, HTTP_BAD_REQUEST, "decision_bad",
                          "请选择审核结论");
    rc = jszg_acct_review_decide(jr, jszg_param(jr, "id"),
                                 !strcmp(decision, "approve"), "dev",
                                 jszg_field(jr, "note"), &e);
    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &e);
    return jszg_redirect(jr, "/dev/reviews");
}
