/*
 * jszg_page_cert.c -- 证书查询 (public: 姓名 + 证件号码 + 证书号码 + a
 * captcha, rate-limited per IP) and 教师资格证书信息 of 个人信息中心
 * (manual §2.2), with their JSON twins.
 *
 * The captcha here is a small arithmetic question kept in the session
 * (one answer per question, 5 minutes): a stand-in until the accounts
 * area's slider captcha has its issuing service; the rate limit per IP
 * is what really protects the registry from enumeration.
 */
#include "jszg_wizard.h"
#include "apr_strings.h"

#define CAPTCHA_KEY "cert_captcha"
#define CAPTCHA_TTL 300

static const char *const query_fields[] = {
    "name", "id_number", "cert_no", NULL
};

/* A new question in the session: returns its text. */
static const char *captcha_new(jszg_req *jr)
{
    jszg_session *s = jszg_session_ensure(jr);
    unsigned char rnd[2];
    int a, b;

    if (!s || apr_generate_random_bytes(rnd, sizeof(rnd)) != APR_SUCCESS)
        return NULL;
    a = 10 + rnd[0] % 40;
    b = 1 + rnd[1] % 9;
    json_object_set_new(s->data, CAPTCHA_KEY, json_pack("{s:s, s:s, s:I}",
                        "q", apr_psprintf(jr->pool, "%d + %d = ?", a, b),
                        "a", apr_psprintf(jr->pool, "%d", a + b),
                        "exp", (json_int_t)(apr_time_sec(jr->now)
                                            + CAPTCHA_TTL)));
    s->dirty = 1;
    return apr_psprintf(jr->pool, "%d + %d = ?", a, b);
}

/* Check and spend the question (right or wrong: one try each). */
static int captcha_pass(jszg_req *jr, const char *answer)
{
    jszg_session *s = jszg_session_get(jr);
    json_t *c = s ? json_object_get(s->data, CAPTCHA_KEY) : NULL;
    int ok;

    if (!c)
        return 0;
    ok = answer && json_integer_value(json_object_get(c, "exp"))
                   >= apr_time_sec(jr->now)
         && jszg_const_eq(answer, json_string_value(json_object_get(c,
                                                                    "a")));
    json_object_del(s->data, CAPTCHA_KEY);
    s->dirty = 1;
    return ok;
}

static int render_query(jszg_req *jr, json_t *values, json_t *result,
                        const jszg_wfail *f, int status)
{
    json_t *d = jszg_page_data(jr, "证书查询", "cert");
    const char *q = captcha_new(jr);

    if (!q)
        return HTTP_SERVICE_UNAVAILABLE;
    jszg_no_store(jr->r);
    json_object_set_new(d, "csrf", json_string(jszg_csrf_token(jr)));
    json_object_set_new(d, "captcha_q", json_string(q));
    json_object_set(d, "values", values);
    if (result)
        json_object_set(d, "result", result);
    if (f && f->code) {
        json_object_set(d, "errors", jszg_wz_errors(jr, f));
        json_object_set_new(d, "error", json_string(f->message));
    }
    jszg_crumbs(jr, d, "首页", "/", "证书查询", NULL, NULL);
    return jszg_render(jr, status, "cert_query", d);
}

int jszg_page_cert_query(jszg_req *jr)
{
    return render_query(jr, jszg_pool_json(jr->pool, json_object()), NULL,
                        NULL, HTTP_OK);
}

/* The captcha, then the service: DECLINED with *result, or rc. */
static int run_query(jszg_req *jr, json_t *values, json_t **result,
                     jszg_wfail *f)
{
    if (!captcha_pass(jr, jszg_field(jr, "captcha"))) {
        jszg_wz_field_error(jr, f, "captcha", "bad_captcha",
                            "验证码错误或已过期，请重新计算后输入。");
        jszg_wz_fail(f, HTTP_BAD_REQUEST, "bad_captcha",
                     "验证码错误或已过期，请重新计算后输入。");
        return JSZG_W_REFUSED;
    }
    return jszg_cert_query(jr, json_string_value(json_object_get(values,
                           "name")), json_string_value(json_object_get(
                           values, "id_number")), json_string_value(
                           json_object_get(values, "cert_no")), result, f);
}

int jszg_page_cert_query_post(jszg_req *jr)
{
    json_t *values = jszg_wz_form(jr, query_fields, 0), *result;
    jszg_wfail f = { 0, NULL, NULL, NULL };
    int rc = run_query(jr, values, &result, &f);

    if (rc == JSZG_W_REFUSED)
        return render_query(jr, values, NULL, &f, f.status);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    return render_query(jr, values, result, NULL, HTTP_OK);
}

int jszg_api_cert_captcha(jszg_req *jr)
{
    json_t *body = jszg_pool_json(jr->pool, json_object());
    const char *q = captcha_new(jr);

    if (!q)
        return HTTP_SERVICE_UNAVAILABLE;
    json_object_set_new(body, "question", json_string(q));
    json_object_set_new(body, "expires_in", json_integer(CAPTCHA_TTL));
    return jszg_json(jr, HTTP_OK, body);
}

int jszg_api_cert_query(jszg_req *jr)
{
    json_t *values = jszg_wz_form(jr, query_fields, 0), *result;
    jszg_wfail f = { 0, NULL, NULL, NULL };
    int rc = run_query(jr, values, &result, &f);

    if (rc != JSZG_DB_OK)
        return jszg_wz_answer_fail(jr, rc, &f);
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
