/*
 * jszg_page_cert.c -- 证书查询 (public: 姓名 + 证件号码 + 证书号码 + a
 * captcha, rate-limited per IP) and 教师资格证书信息 of 个人信息中心
 * (manual §2.2), with their JSON twins.
 *
 * The captcha is the accounts area's slider (jszg_account.c): stateless
 * until answered, so an anonymous visitor who only reads this page writes
 * nothing (no session, no captcha row).  The rate limit per IP, checked
 * before the captcha, is what really protects the registry from
 * enumeration.
 */
#include "jszg_wizard.h"
#include "jszg_account.h"
#include "apr_strings.h"

static const char *const query_fields[] = {
    "name", "id_number", "cert_no", NULL
};

static int render_query(jszg_req *jr, json_t *values, json_t *result,
                        const jszg_fail *f, int status)
{
    json_t *d = jszg_page_data(jr, "证书查询", "cert");
    int rc = jszg_acct_captcha_widget(jr, d);

    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_no_store(jr->r);
    json_object_set_new(d, "csrf", json_string(jszg_csrf_token(jr)));
    json_object_set(d, "values", values);
    if (result)
        json_object_set(d, "result", result);
    if (f && f->code)
        jszg_fail_page(d, f, NULL);
    jszg_crumbs(jr, d, "首页", "/", "证书查询", NULL, NULL);
    return jszg_render(jr, status, "cert_query", d);
}

int jszg_page_cert_query(jszg_req *jr)
{
    return render_query(jr, jszg_pool_json(jr->pool, json_object()), NULL,
                        NULL, HTTP_OK);
}

/* The address's budget (read only), the captcha, then the service:
 * JSZG_DB_OK with *result, or rc. */
static int run_query(jszg_req *jr, json_t *values, json_t **result,
                     jszg_fail *f)
{
    jszg_fail e = JSZG_FAIL(jr->pool);
    int rc;

    if ((rc = jszg_cert_rate_ok(jr, f)) != JSZG_DB_OK)
        return rc;
    rc = jszg_acct_captcha_form(jr, &e);
    if (rc == JSZG_REFUSED) {
        const char *msg = jszg_fail_field_message(&e, "captcha");
        jszg_fail_field(f, "captcha", "bad_captcha",
                        msg ? msg : e.message);
        return jszg_refuse(f, e.status == HTTP_TOO_MANY_REQUESTS
                           ? HTTP_TOO_MANY_REQUESTS : HTTP_BAD_REQUEST,
                           "bad_captcha", msg ? msg : e.message);
    }
    if (rc != JSZG_DB_OK)
        return rc;
    return jszg_cert_query(jr, json_string_value(json_object_get(values,
                           "name")), json_string_value(json_object_get(
                           values, "id_number")), json_string_value(
                           json_object_get(values, "cert_no")), result, f);
}

int jszg_page_cert_query_post(jszg_req *jr)
{
    json_t *values = jszg_wz_form(jr, query_fields, 0), *result;
    jszg_fail f = JSZG_FAIL(jr->pool);
    int rc = run_query(jr, values, &result, &f);

    if (rc == JSZG_REFUSED)
        return render_query(jr, values, NULL, &f, f.status);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    return render_query(jr, values, result, NULL, HTTP_OK);
}

/* The same slider challenge as POST /api/v1/captcha (kept as a GET for
 * the clients of the old arithmetic question; it writes nothing). */
int jszg_api_cert_captcha(jszg_req *jr)
{
    return jszg_api_captcha(jr);
}

int jszg_api_cert_query(jszg_req *jr)
{
    json_t *values = jszg_wz_form(jr, query_fields, 0), *result;
    jszg_fail f = JSZG_FAIL(jr->pool);
    int rc = run_query(jr, values, &result, &f);

    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &f);
    return jszg_json(jr, HTTP_OK, result);
}

/* ---- 教师资格证书信息 --------------------------------------------------- */

int jszg_page_my_certs(jszg_req *jr)
{
    jszg_applicant a;
    json_t *d, *rows;
    int rc;

    if ((rc = jszg_wz_need_applicant(jr, &a)) != DECLINED)
        return rc;
    if ((rc = jszg_wz_my_certs(jr, &a, &rows)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    d = jszg_wz_page(jr, "教师资格证书信息", NULL);
    json_object_set(d, "certs", rows);
    json_object_set_new(d, "verified_ok", json_boolean(a.verified == 1));
    jszg_crumbs(jr, d, "首页", "/", "个人信息中心", "/account",
                "教师资格证书信息", NULL, NULL);
    return jszg_render(jr, HTTP_OK, "cert_mine", d);
}

int jszg_api_my_certs(jszg_req *jr)
{
    jszg_applicant a;
    json_t *body = jszg_pool_json(jr->pool, json_object()), *rows;
    int rc;

    if ((rc = jszg_wz_need_applicant(jr, &a)) != DECLINED)
        return rc;
    if ((rc = jszg_wz_my_certs(jr, &a, &rows)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set(body, "certificates", rows);
    if (!json_array_size(rows))
        json_object_set_new(body, "hint", json_string(
            "未能关联到教师资格证书：请确认证书上的姓名用字、证件号码与已实名"
            "认证的账号信息一致（见常见问题23）。本功能仅展示2008年及以后"
            "（广西2012年及以后）认定的教师资格证书。"));
    return jszg_json(jr, HTTP_OK, body);
}
