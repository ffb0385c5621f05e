/*
 * jszg_admin_review.c -- the manual review queues:
 *   实名 (identity_reviews, sql/<engine>/002_accounts.sql): system
 *     admins; approve sets accounts.verified = 1, reject sets it back
 *     to 0 with the reason kept in the review's note;
 *   hand-entered certificates (manual_certificates, 003_wizard.sql):
 *     province admins for certificates of their province, system admins
 *     for all; 核验通过 / 核验不通过.
 * Each decision is one transaction with its audit row, guarded by the
 * pending state so that a second click or a second reviewer is refused.
 */
#include "jszg_admin.h"
#include "jszg_account.h"
#include "apr_strings.h"
#include "apr_lib.h"


static const char *trimmed(apr_pool_t *p, const char *s)
{
    char *t;
    apr_size_t n;

    if (!s)
        return NULL;
    while (apr_isspace(*s))
        s++;
    t = apr_pstrdup(p, s);
    n = strlen(t);
    while (n && apr_isspace(t[n - 1]))
        t[--n] = '\0';
    return n ? t : NULL;
}

/* approve | reject, with a reason (required to reject, <= 200 chars). */
static int decision_in(jszg_req *jr, int *approve, const char **reason,
                       jszg_fail *e)
{
    const char *d = jszg_field(jr, "decision");

    *reason = trimmed(jr->pool, jszg_field(jr, "reason"));
    if (!d || (strcmp(d, "approve") && strcmp(d, "reject")))
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "decision_invalid",
                             "请选择审核结论。");
    *approve = !strcmp(d, "approve");
    if (!*approve && !*reason)
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "reason_required",
                             "不通过时必须填写理由。");
    if (*reason && jszg_utf8_chars(*reason, strlen(*reason)) > 200)
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "text_too_long",
                             "理由不能超过200字。");
    return JSZG_ADM_OK;
}

/* Load row `label` by the {id} of the URL; OK, or DONE / status after an
 * answer (404). */
static int load(jszg_req *jr, jszg_staff *st, const char *label,
                json_t **row)
{
    const char *id = jszg_param(jr, "id");
    int rc = JSZG_DB_NOTFOUND;

    if (jszg_adm_id_ok(id))
        rc = jszg_db_row(jr, label, row, 1, id);
    if (rc == JSZG_DB_OK)
        return OK;
    if (rc != JSZG_DB_NOTFOUND)
        return jszg_db_status(rc);
    rc = jszg_admin_error(jr, st, HTTP_NOT_FOUND, "not_found",
                          "该审核记录不存在。");
    return rc == OK ? DONE : rc;
}

static int page_of(jszg_req *jr, jszg_staff *st, const char *tpl,
                   const char *title, const char *nav, json_t *row,
                   int status, const char *error)
{
    json_t *d = jszg_admin_data(jr, st, title, nav);
    const char *base = apr_pstrcat(jr->pool, jr->r->uri, NULL);

    /* POSTs come back here with the error: the base is the review's URL */
    if (jr->r->method_number == M_POST)
        base = apr_pstrndup(jr->pool, base, strlen(base) - 7);
    json_object_set(d, "row", row);
    json_object_set_new(d, "base", json_string(base));
    json_object_set_new(d, "decide_href", json_string(
        apr_pstrcat(jr->pool, base, "/decide", NULL)));
    json_object_set_new(d, "front_href", json_string(
        apr_pstrcat(jr->pool, base, "/front", NULL)));
    json_object_set_new(d, "back_href", json_string(
        apr_pstrcat(jr->pool, base, "/back", NULL)));
    json_object_set_new(d, "photo_href", json_string(
        apr_pstrcat(jr->pool, base, "/photo", NULL)));
    json_object_set_new(d, "extra_href", json_string(
        apr_pstrcat(jr->pool, base, "/photo?which=extra", NULL)));
    if (error)
        json_object_set_new(d, "error", json_string(error));
    return jszg_render_layout(jr, status, tpl, "admin/layout", d);
}

/* ---- 实名 manual reviews --------------------------------------------------- */

int jszg_admin_identity_list(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *d, *rows;
    const char *status = jszg_query(jr, "status");
    int rc;

    if (!status)
        status = "人工审核中";
    else if (*status && strcmp(status, "人工审核中")
             && strcmp(status, "审核通过") && strcmp(status, "审核不通过"))
        status = "";
    rc = jszg_db_rows(jr, "admin_idrev_list", &rows, 2, status, status);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_admin_times(jr, rows, "submitted_at");
    jszg_rows_link(jr->pool, rows, "/admin/reviews/identity/");
    d = jszg_admin_data(jr, st, "实名人工审核", "identity");
    json_object_set(d, "rows", rows);
    json_object_set_new(d, "empty", json_boolean(!json_array_size(rows)));
    return jszg_render_layout(jr, HTTP_OK, "admin/identity_list",
                              "admin/layout", d);
}

int jszg_admin_identity_page(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *row;
    int rc;

    if ((rc = load(jr, st, "admin_idrev_get", &row)) != OK)
        return rc;
    json_object_set_new(row, "pending", json_boolean(
        !strcmp(jszg_jstr(row, "status"), "人工审核中")));
    json_object_set_new(row, "has_front", json_boolean(jszg_jstr(row,
                                                            "front_path")));
    json_object_set_new(row, "has_back", json_boolean(jszg_jstr(row,
                                                           "back_path")));
    json_object_del(row, "front_path");
    json_object_del(row, "back_path");
    return page_of(jr, st, "admin/identity", "实名人工审核", "identity", row,
                   HTTP_OK, NULL);
}

int jszg_admin_identity_image(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *row;
    const char *side = jszg_param(jr, "side");
    int rc;

    if ((rc = load(jr, st, "admin_idrev_get", &row)) != OK)
        return rc;
    if (strcmp(side, "front") && strcmp(side, "back"))
        return jszg_admin_error(jr, st, HTTP_NOT_FOUND, "not_found",
                                "该图片不存在。");
    rc = jszg_admin_send_upload(jr, jszg_jstr(row, !strcmp(side, "front")
                                              ? "front_path" : "back_path"),
                                apr_pstrcat(jr->pool, "identity-",
                                            jszg_jstr(row, "id"), "-", side,
                                            NULL));
    if (rc == HTTP_NOT_FOUND)
        return jszg_admin_error(jr, st, rc, "image_missing",
                                "该图片不存在。");
    return rc;
}

int jszg_admin_identity_decide(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    jszg_fail ae = JSZG_FAIL(jr->pool);
    json_t *row;
    const char *reason;
    int approve, rc;

    if ((rc = load(jr, st, "admin_idrev_get", &row)) != OK)
        return rc;
    json_object_del(row, "front_path");
    json_object_del(row, "back_path");
    if (decision_in(jr, &approve, &reason, &e) != JSZG_ADM_OK)
        return page_of(jr, st, "admin/identity", "实名人工审核", "identity",
                       row, e.status, e.message);
    rc = jszg_acct_review_decide(jr, jszg_jstr(row, "id"), approve,
                                 apr_pstrcat(jr->pool, "staff:",
                                             st->username, NULL),
                                 reason, &ae);
    if (rc == JSZG_REFUSED)
        return page_of(jr, st, "admin/identity", "实名人工审核", "identity",
                       row, ae.status, ae.message);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_admin_flash(jr, st, approve ? "已审核通过，该账号已完成实名核验。"
                                     : "已审核不通过。");
    return jszg_redirect(jr, "/admin/reviews/identity");
}

/* ---- hand-entered certificates ------------------------------------------- */

static int cert_in_scope(jszg_staff *st, json_t *row)
{
    return st->role == JSZG_ROLE_SYSTEM
           || (st->province_code && jszg_jstr(row, "province_code")
               && !strcmp(st->province_code, jszg_jstr(row, "province_code")));
}

int jszg_admin_certs_list(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *d, *rows;
    const char *state = jszg_query(jr, "state"), *role;
    int rc;

    if (!state)
        state = "待核验";
    else if (*state && strcmp(state, "待核验") && strcmp(state, "核验通过")
             && strcmp(state, "核验不通过"))
        state = "";
    role = apr_itoa(jr->pool, st->role);
    rc = jszg_db_rows(jr, "admin_mcert_list", &rows, 5, role, role,
                      st->province_code ? st->province_code : "", state,
                      state);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_admin_times(jr, rows, "created_at");
    jszg_rows_link(jr->pool, rows, "/admin/reviews/certs/");
    d = jszg_admin_data(jr, st, "证书人工核验", "certs");
    json_object_set(d, "rows", rows);
    json_object_set_new(d, "empty", json_boolean(!json_array_size(rows)));
    return jszg_render_layout(jr, HTTP_OK, "admin/certs_list",
                              "admin/layout", d);
}

/* OK with the row in scope, else DONE / status after the answer. */
static int cert_load(jszg_req *jr, jszg_staff *st, json_t **row)
{
    int rc = load(jr, st, "admin_mcert_get", row);

    if (rc != OK)
        return rc;
    if (cert_in_scope(st, *row))
        return OK;
    rc = jszg_admin_forbidden(jr, st, apr_pstrcat(jr->pool, "manual_cert:",
                                                  jszg_jstr(*row, "id"), NULL));
    return rc == OK ? DONE : rc;
}

int jszg_admin_cert_page(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *row;
    int rc;

    if ((rc = cert_load(jr, st, &row)) != OK)
        return rc;
    json_object_set_new(row, "pending", json_boolean(
        !strcmp(jszg_jstr(row, "review_state"), "待核验")));
    /* 添加补充照片 (migration 016): a second picture, if uploaded */
    json_object_set_new(row, "has_extra",
                        json_boolean(jszg_jstr(row, "extra_photo_path") != NULL));
    json_object_del(row, "photo_path");
    json_object_del(row, "extra_photo_path");
    return page_of(jr, st, "admin/cert", "证书人工核验", "certs", row,
                   HTTP_OK, NULL);
}

int jszg_admin_cert_image(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *row;
    int extra, rc;

    if ((rc = cert_load(jr, st, &row)) != OK)
        return rc;
    extra = jszg_query(jr, "which") && !strcmp(jszg_query(jr, "which"),
                                                "extra");
    rc = jszg_admin_send_upload(jr, jszg_jstr(row, extra ? "extra_photo_path"
                                                    : "photo_path"),
                                apr_pstrcat(jr->pool, "certificate-",
                                            jszg_jstr(row, "cert_no"),
                                            extra ? "-extra" : "", NULL));
    if (rc == HTTP_NOT_FOUND)
        return jszg_admin_error(jr, st, rc, "image_missing",
                                "该图片不存在。");
    return rc;
}

int jszg_admin_cert_decide(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    json_t *row;
    const char *reason;
    int approve, n = 0, rc;

    if ((rc = cert_load(jr, st, &row)) != OK)
        return rc;
    json_object_del(row, "photo_path");
    json_object_set_new(row, "has_extra",
                        json_boolean(jszg_jstr(row, "extra_photo_path") != NULL));
    json_object_del(row, "extra_photo_path");
    if (decision_in(jr, &approve, &reason, &e) != JSZG_ADM_OK)
        return page_of(jr, st, "admin/cert", "证书人工核验", "certs", row,
                       e.status, e.message);
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    rc = jszg_db_exec(jr, "admin_mcert_decide", &n, 2,
                      approve ? "核验通过" : "核验不通过", jszg_jstr(row, "id"));
    if (rc == JSZG_DB_OK && n == 1)
        rc = jszg_admin_audit(jr, st, approve ? "certificate.approve"
                                              : "certificate.reject",
                              apr_pstrcat(jr->pool, "manual_cert:",
                                          jszg_jstr(row, "id"), NULL),
                              apr_pstrcat(jr->pool, jszg_jstr(row, "cert_no"),
                                          reason ? " " : "", reason, NULL));
    if (rc != JSZG_DB_OK || n != 1) {
        jszg_db_rollback(jr);
        if (rc != JSZG_DB_OK)
            return jszg_db_status(rc);
        return page_of(jr, st, "admin/cert", "证书人工核验", "certs", row,
                       HTTP_CONFLICT, "该证书已经核验过了。");
    }
    if ((rc = jszg_db_commit(jr)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_admin_flash(jr, st, approve ? "证书核验通过。" : "证书核验不通过。");
    return jszg_redirect(jr, "/admin/reviews/certs");
}
