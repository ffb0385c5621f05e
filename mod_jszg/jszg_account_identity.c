/*
 * jszg_account_identity.c -- identity (jszg_account.h): 实名核验 (the
 * account's number and name against the identity registry, three tries a
 * Beijing day) and 人工审核, the identity review: the applicant's
 * submission with the document's photos (checked by jszg_jpeg.c, stored
 * under JszgUploadDir/identity/), the staff decision (the back office's
 * and the dev page's) and the pending list; and whether an account has
 * passed, for the business platform.
 */
#include "jszg_account_int.h"
#include "jszg_jpeg.h"
#include "apr_file_io.h"

#define PHOTO_JPEG 1
#define PHOTO_PNG  2

/* ---- 实名核验 ----------------------------------------------------------- */

int jszg_acct_verify_remaining(jszg_req *jr, const char *account_id,
                               int *remaining)
{
    int n, rc = jszg_rate_count(jr, "acct.verify", account_id, day_start(jr) - 1,
                           &n);

    *remaining = n >= JSZG_VERIFY_PER_DAY ? 0 : JSZG_VERIFY_PER_DAY - n;
    return rc;
}

int jszg_acct_verify(jszg_req *jr, const char *account_id, const char *name,
                     const char **new_name, jszg_fail *e)
{
    json_t *acct, *reg;
    int rc, left;

    *new_name = NULL;
    if ((rc = jszg_db_row(jr, "acct_get", &acct, 1, account_id))
        != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_acct_verify_remaining(jr, account_id, &left))
        != JSZG_DB_OK)
        return rc;
    e->remaining = left;
    if (col_int(acct, "verified") == 2)
        return jszg_refuse(e, HTTP_CONFLICT, "review_pending",
                           "您的人工审核正在进行中，审核期间不能进行实名核验");
    if (!(name = jszg_acct_check_name(jr, name, e)))
        return JSZG_REFUSED;
    if (left <= 0)
        return jszg_refuse(e, HTTP_TOO_MANY_REQUESTS, "verify_daily_limit",
                           "每日您最多可进行三次实名核验，您今日的次数已用完，"
                           "请明日再试");
    if ((rc = jszg_rate_add(jr, "acct.verify", account_id)) != JSZG_DB_OK)
        return rc;
    e->remaining = left - 1;
    rc = jszg_db_row(jr, "acct_idreg_match", &reg, 3, col(acct, "id_type"),
                     col(acct, "id_number"), name);
    if (rc == JSZG_DB_NOTFOUND)
        return jszg_refuse(e, HTTP_UNPROCESSABLE_ENTITY, "verify_failed",
                           "实名认证失败，信息更新未成功。您仍可正常办理业务，"
                           "如确需修改，可参照页面右侧说明开通网证，"
                           "再进行实名认证。");
    if (rc != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    rc = jszg_db_exec(jr, "acct_set_verified", NULL, 4, now_str(jr), name,
                      now_str(jr), account_id);
    if (rc == JSZG_DB_OK)
        rc = audit(jr, col(acct, "id_number"), "account.verified",
                   col(acct, "id_number"), name);
    if ((rc = finish(jr, rc)) != JSZG_DB_OK)
        return rc;
    *new_name = name;
    return JSZG_DB_OK;
}

/* ---- 人工审核 ----------------------------------------------------------- */

/* Write an accepted photo under JszgUploadDir/identity/<account>/. */
static int save_photo(jszg_req *jr, const char *account_id,
                      const jszg_form_field *f, int kind,
                      const char **rel)
{
    const char *dir, *name, *path;
    apr_file_t *fh;
    apr_size_t n = f->len;
    apr_status_t rv;

    dir = apr_pstrcat(jr->pool, jr->sc->upload_dir, "/identity/",
                      account_id, NULL);
    rv = apr_dir_make_recursive(dir, APR_FPROT_UREAD | APR_FPROT_UWRITE
                                | APR_FPROT_UEXECUTE, jr->pool);
    name = apr_pstrcat(jr->pool, jszg_random_token(jr->pool, 16),
                       kind == PHOTO_PNG ? ".png" : ".jpg", NULL);
    path = apr_pstrcat(jr->pool, dir, "/", name, NULL);
    if (rv == APR_SUCCESS)
        rv = apr_file_open(&fh, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                           | APR_FOPEN_EXCL | APR_FOPEN_BINARY,
                           APR_FPROT_UREAD | APR_FPROT_UWRITE, jr->pool);
    if (rv == APR_SUCCESS) {
        rv = apr_file_write_full(fh, f->value, n, &n);
        if (apr_file_close(fh) != APR_SUCCESS && rv == APR_SUCCESS)
            rv = APR_EGENERAL;
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, jr->r, JSZGLOGNO(14001)
                      "cannot store an identity photo under %s "
                      "(JszgUploadDir)", dir);
        return JSZG_DB_ERROR;
    }
    *rel = apr_pstrcat(jr->pool, "identity/", account_id, "/", name, NULL);
    return JSZG_DB_OK;
}

/* The photo's kind from its bytes, fully decoded: libjpeg for JPEG,
 * libpng for PNG, under the ID photo's rules and budgets (jszg_jpeg.h).
 * 0 when missing or refused. */
static int check_photo(jszg_req *jr, const jszg_form_field *f,
                       const char *field, int required, jszg_fail *e)
{
    jszg_jpeg_rules rules;
    jszg_jpeg_info info;
    jszg_jpeg_status st;

    if (!f || !f->filename || f->len == 0) {
        if (required)
            field_err(e, field, "photo_missing", "请上传证件照片");
        return 0;
    }
    /* the body limits bound the size */
    jszg_jpeg_id_rules(&rules, f->len);
    st = jszg_jpeg_check((const unsigned char *)f->value, f->len, &rules,
                         &info);
    if (st == JSZG_JPEG_OK)
        return info.png ? PHOTO_PNG : PHOTO_JPEG;
    field_err(e, field, "photo_bad",
              apr_pstrcat(jr->pool, "照片无法使用：",
                          jszg_jpeg_message_named(jr->pool, st, &rules,
                                                  f->filename), NULL));
    return 0;
}

int jszg_acct_review_submit(jszg_req *jr, const char *account_id,
                            jszg_review_in *in, jszg_fail *e)
{
    json_t *acct;
    const char *front = NULL, *back = NULL;
    int kf, kb;
    int rc = jszg_db_row(jr, "acct_get", &acct, 1, account_id);

    if (rc != JSZG_DB_OK)
        return rc;
    if (col_int(acct, "verified") == 2)
        return jszg_refuse(e, HTTP_CONFLICT, "review_pending",
                           "您已提交人工审核，请耐心等待审核结果");
    in->name = jszg_acct_check_name(jr, in->name, e);
    kf = check_photo(jr, in->front, "front", 1, e);
    /* an ID card has two sides; other documents one photo page */
    kb = check_photo(jr, in->back, "back",
                     !strcmp(col(acct, "id_type"), "居民身份证"), e);
    if (has_errors(e))
        return JSZG_REFUSED;
    if ((rc = save_photo(jr, account_id, in->front, kf, &front))
        != JSZG_DB_OK)
        return rc;
    if (kb
        && (rc = save_photo(jr, account_id, in->back, kb, &back))
           != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    rc = jszg_db_exec(jr, "acct_review_insert", NULL, 7, account_id,
                      col(acct, "id_type"), col(acct, "id_number"), in->name,
                      front, back, now_str(jr));
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "acct_set_verify_state", NULL, 3, "2",
                          now_str(jr), account_id);
    if (rc == JSZG_DB_OK)
        rc = audit(jr, col(acct, "id_number"), "account.review_submit",
                   col(acct, "id_number"), in->name);
    rc = finish(jr, rc);
    if (rc != JSZG_DB_OK) {
        /* no row points at them: do not keep the photos */
        apr_file_remove(apr_pstrcat(jr->pool, jr->sc->upload_dir, "/",
                                    front, NULL), jr->pool);
        if (back)
            apr_file_remove(apr_pstrcat(jr->pool, jr->sc->upload_dir, "/",
                                        back, NULL), jr->pool);
    }
    return rc;
}

int jszg_acct_review_decide(jszg_req *jr, const char *review_id,
                            int approve, const char *staff,
                            const char *note, jszg_fail *e)
{
    json_t *rev;
    char *end;
    int rc, n = 0;

    if (!review_id || !*review_id || (strtol(review_id, &end, 10), *end))
        return jszg_refuse(e, HTTP_NOT_FOUND, "not_found", "审核记录不存在");
    rc = jszg_db_row(jr, "acct_review_get", &rev, 1, review_id);
    if (rc == JSZG_DB_NOTFOUND)
        return jszg_refuse(e, HTTP_NOT_FOUND, "not_found", "审核记录不存在");
    if (rc != JSZG_DB_OK)
        return rc;
    if (strcmp(col(rev, "status"), "人工审核中"))
        return jszg_refuse(e, HTTP_CONFLICT, "review_decided", "该申请已经审核过了。");
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    jszg_db_exec(jr, "acct_review_decide", &n, 5,
                 approve ? "审核通过" : "审核不通过", now_str(jr), staff,
                 note, review_id);
    /* approved: the account takes the name the document shows (the
     * reason for a 人工审核 is often a name the automatic check could not
     * match); refused: back to 未核验, the reason kept in the review */
    if (approve)
        jszg_db_exec(jr, "acct_set_verified", NULL, 4, now_str(jr),
                     col(rev, "name"), now_str(jr), col(rev, "account_id"));
    else
        jszg_db_exec(jr, "acct_set_verify_state", NULL, 3, "0", now_str(jr),
                     col(rev, "account_id"));
    audit(jr, staff, approve ? "identity.approve" : "identity.reject",
          apr_pstrcat(jr->pool, "account:", col(rev, "account_id"), NULL),
          note);
    if (n != 1) {               /* decided by someone else meanwhile */
        jszg_db_rollback(jr);
        return jszg_refuse(e, HTTP_CONFLICT, "review_decided", "该申请已经审核过了。");
    }
    return jszg_db_commit(jr);
}

int jszg_acct_reviews_pending(jszg_req *jr, json_t **rows)
{
    return jszg_db_rows(jr, "acct_review_pending", rows, 0);
}
int jszg_account_is_verified(jszg_req *jr, const char *account_id,
                             int *verified)
{
    json_t *acct;
    int rc = jszg_db_row(jr, "acct_get", &acct, 1, account_id);

    *verified = rc == JSZG_DB_OK && col_int(acct, "verified") == 1;
    return rc;
}
