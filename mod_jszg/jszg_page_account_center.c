/*
 * jszg_page_account_center.c -- 个人信息中心 → 个人身份信息 and its actions
 * (修改个人信息, 实名核验, 人工审核, 修改密码, 修改手机号码), with the JSON
 * API twins under /api/v1/account.  Every route is JSZG_R_AUTH: jszg_handle
 * sends a logged-out visitor to /login?next=... (API: 401 login_required)
 * before a handler runs, so here the session and its account id are always
 * there (jszg_acct_user() is never NULL).
 */
#include "jszg_account.h"
#include "apr_strings.h"

static const char *const profile_fields[] = {
    "ethnicity", "sex", "birth_date", "address", "postcode", "email", NULL
};

static const char *done_message(const char *done)
{
    if (!done)
        return NULL;
    if (!strcmp(done, "profile"))
        return "个人信息已保存。";
    if (!strcmp(done, "phone"))
        return "手机号码已修改。";
    if (!strcmp(done, "review"))
        return "人工审核材料已提交，审核期间您不能进行实名核验。"
               "我们将在7个工作日内给出结论，请耐心等待。";
    return NULL;
}

/* The frame of every 个人信息中心 page: the account, the greeting with
 * the previous login, the side menu. */
static int center_data(jszg_req *jr, const char *uid, const char *title,
                       const char *menu, json_t **out)
{
    json_t *d = jszg_acct_page(jr, title), *acct;
    int rc = jszg_acct_profile(jr, uid, &acct);

    *out = NULL;
    if (rc != JSZG_DB_OK)
        return rc;
    json_object_set(d, "acct", acct);      /* borrowed from the row set */
    json_object_set_new(d, "last_login",
                        json_string(jszg_acct_last_login_text(jr)));
    json_object_set_new(d, apr_pstrcat(jr->pool, "menu_", menu, NULL),
                        json_true());
    if (strcmp(menu, "info"))
        jszg_crumbs(jr, d, "首页", "/", "个人信息中心", "/account", title,
                    NULL, NULL);
    else
        jszg_crumbs(jr, d, "首页", "/", "个人信息中心", NULL, NULL);
    *out = d;
    return JSZG_DB_OK;
}

static void set_session_name(jszg_req *jr, const char *name)
{
    jszg_session *s = jszg_session_get(jr);

    if (name) {
        json_object_set_new(s->data, "name", json_string(name));
        s->dirty = 1;
    }
}

/* ---- 个人身份信息 ------------------------------------------------------- */

int jszg_page_account(jszg_req *jr)
{
    const char *uid = jszg_acct_user(jr), *msg;
    json_t *d;
    int rc, left;

    if ((rc = center_data(jr, uid, "个人身份信息", "info", &d))
        != JSZG_DB_OK)
        return jszg_db_status(rc);
    if ((msg = done_message(jszg_query(jr, "done"))))
        json_object_set_new(d, "notice", json_string(msg));
    if ((rc = jszg_acct_verify_remaining(jr, uid, &left)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set_new(d, "remaining", json_integer(left));
    return jszg_render(jr, HTTP_OK, "account/index", d);
}

int jszg_api_account(jszg_req *jr)
{
    const char *uid = jszg_acct_user(jr);
    json_t *acct, *body;
    int rc, left;

    if ((rc = jszg_acct_profile(jr, uid, &acct)) != JSZG_DB_OK
        || (rc = jszg_acct_verify_remaining(jr, uid, &left)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    body = jszg_pool_json(jr->pool, json_object());
    json_object_set(body, "account", acct);
    json_object_set_new(body, "verify_remaining", json_integer(left));
    return jszg_json(jr, HTTP_OK, body);
}

/* ---- 修改个人信息 ------------------------------------------------------- */

static void profile_lists(json_t *d)
{
    json_t *form = json_object_get(d, "form"), *list = json_array();
    const char *eth = json_string_value(json_object_get(form, "ethnicity"));
    const char *sex = json_string_value(json_object_get(form, "sex"));
    int i;

    for (i = 0; jszg_ethnicities[i]; i++)
        json_array_append_new(list, json_pack("{s:s, s:b}", "value",
                              jszg_ethnicities[i], "selected",
                              eth && !strcmp(eth, jszg_ethnicities[i])));
    json_object_set_new(d, "ethnicities", list);
    json_object_set_new(d, "sex_m", json_boolean(sex && !strcmp(sex, "男")));
    json_object_set_new(d, "sex_f", json_boolean(sex && !strcmp(sex, "女")));
}

int jszg_page_account_profile(jszg_req *jr)
{
    const char *uid = jszg_acct_user(jr);
    const char *const *f;
    json_t *d, *acct, *form;
    int rc;

    if ((rc = center_data(jr, uid, "修改个人信息", "profile", &d))
        != JSZG_DB_OK)
        return jszg_db_status(rc);
    acct = json_object_get(d, "acct");
    form = json_object_get(d, "form");
    for (f = profile_fields; *f; f++)
        if (json_object_get(acct, *f))
            json_object_set(form, *f, json_object_get(acct, *f));
    profile_lists(d);
    return jszg_render(jr, HTTP_OK, "account/profile", d);
}

static jszg_profile_in profile_in(jszg_req *jr)
{
    jszg_profile_in in;

    in.ethnicity = jszg_field(jr, "ethnicity");
    in.sex = jszg_field(jr, "sex");
    in.birth_date = jszg_field(jr, "birth_date");
    in.address = jszg_field(jr, "address");
    in.postcode = jszg_field(jr, "postcode");
    in.email = jszg_field(jr, "email");
    return in;
}

int jszg_page_account_profile_post(jszg_req *jr)
{
    const char *uid = jszg_acct_user(jr);
    jszg_profile_in in = profile_in(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    json_t *d;
    int rc;

    rc = jszg_acct_profile_update(jr, uid, &in, &e);
    if (rc == JSZG_DB_OK)
        return jszg_redirect(jr, "/account?done=profile");
    if (rc != JSZG_REFUSED)
        return jszg_db_status(rc);
    if ((rc = center_data(jr, uid, "修改个人信息", "profile", &d))
        != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_acct_keep(jr, d, profile_fields);
    jszg_fail_page(d, &e, JSZG_ACCT_FIELDS_MSG);
    profile_lists(d);
    return jszg_render(jr, e.status, "account/profile", d);
}

int jszg_api_account_profile(jszg_req *jr)
{
    const char *uid = jszg_acct_user(jr);
    jszg_profile_in in = profile_in(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    json_t *acct;
    int rc;

    rc = jszg_acct_profile_update(jr, uid, &in, &e);
    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &e);
    if ((rc = jszg_acct_profile(jr, uid, &acct)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    return jszg_json(jr, HTTP_OK, jszg_pool_json(jr->pool,
                     json_pack("{s:b, s:O}", "ok", 1, "account", acct)));
}

/* ---- 实名核验 ----------------------------------------------------------- */

static int verify_page(jszg_req *jr, const char *uid, int status,
                       const jszg_fail *e, const char *success)
{
    json_t *d, *acct;
    int rc, left;

    if ((rc = center_data(jr, uid, "实名核验", "verify", &d)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    acct = json_object_get(d, "acct");
    if (e && e->remaining >= 0)
        left = e->remaining;
    else if ((rc = jszg_acct_verify_remaining(jr, uid, &left))
             != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set_new(d, "remaining_text", json_string(apr_psprintf(
        jr->pool, "每日您最多可进行三次实名核验，您还剩%d次", left)));
    json_object_set_new(d, "can_verify", json_boolean(left > 0));
    json_object_set_new(d, "pending", json_boolean(
        !strcmp(json_string_value(json_object_get(acct, "verified")), "2")));
    json_object_set(json_object_get(d, "form"), "name",
                    json_object_get(acct, "name"));
    if (e) {
        jszg_acct_keep(jr, d, (const char *const[]){ "name", NULL });
        jszg_fail_page(d, e, JSZG_ACCT_FIELDS_MSG);
        json_object_set_new(d, "failed", json_boolean(
            e->code && !strcmp(e->code, "verify_failed")));
    }
    if (success)
        json_object_set_new(d, "success", json_string(success));
    return jszg_render(jr, status, "account/verify", d);
}

int jszg_page_account_verify(jszg_req *jr)
{
    const char *uid = jszg_acct_user(jr);

    return verify_page(jr, uid, HTTP_OK, NULL, NULL);
}

#define MSG_VERIFIED "恭喜您，已通过实名核验"

int jszg_page_account_verify_post(jszg_req *jr)
{
    const char *uid = jszg_acct_user(jr), *name;
    jszg_fail e = JSZG_FAIL(jr->pool);
    int rc;

    rc = jszg_acct_verify(jr, uid, jszg_field(jr, "name"), &name, &e);
    if (rc == JSZG_DB_OK) {
        set_session_name(jr, name);
        return verify_page(jr, uid, HTTP_OK, NULL, MSG_VERIFIED);
    }
    if (rc != JSZG_REFUSED)
        return jszg_db_status(rc);
    return verify_page(jr, uid, e.status, &e, NULL);
}

int jszg_api_account_verify(jszg_req *jr)
{
    const char *uid = jszg_acct_user(jr), *name;
    jszg_fail e = JSZG_FAIL(jr->pool);
    int rc;

    rc = jszg_acct_verify(jr, uid, jszg_field(jr, "name"), &name, &e);
    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &e);
    set_session_name(jr, name);
    return jszg_json(jr, HTTP_OK, jszg_pool_json(jr->pool, json_pack(
        "{s:b, s:s, s:s, s:i}", "ok", 1, "name", name, "message",
        MSG_VERIFIED, "remaining", e.remaining)));
}

/* ---- 人工审核 ----------------------------------------------------------- */

static int review_page(jszg_req *jr, const char *uid, int status,
                       const jszg_fail *e)
{
    json_t *d, *acct;
    int rc;

    if ((rc = center_data(jr, uid, "人工审核", "verify", &d)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    acct = json_object_get(d, "acct");
    json_object_set_new(d, "pending", json_boolean(
        !strcmp(json_string_value(json_object_get(acct, "verified")), "2")));
    json_object_set_new(d, "is_idcard", json_boolean(
        !strcmp(json_string_value(json_object_get(acct, "id_type")),
                "居民身份证")));
    json_object_set(json_object_get(d, "form"), "name",
                    json_object_get(acct, "name"));
    if (e) {
        jszg_acct_keep(jr, d, (const char *const[]){ "name", NULL });
        jszg_fail_page(d, e, JSZG_ACCT_FIELDS_MSG);
    }
    return jszg_render(jr, status, "account/review", d);
}

int jszg_page_account_review(jszg_req *jr)
{
    const char *uid = jszg_acct_user(jr);

    return review_page(jr, uid, HTTP_OK, NULL);
}

static int do_review(jszg_req *jr, const char *uid, jszg_fail *e)
{
    jszg_review_in in;

    in.name = jszg_field(jr, "name");
    in.front = jszg_form_find(jr->form, "front");
    in.back = jszg_form_find(jr->form, "back");
    return jszg_acct_review_submit(jr, uid, &in, e);
}

int jszg_page_account_review_post(jszg_req *jr)
{
    const char *uid = jszg_acct_user(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    int rc;

    rc = do_review(jr, uid, &e);
    if (rc == JSZG_DB_OK)
        return jszg_redirect(jr, "/account?done=review");
    if (rc != JSZG_REFUSED)
        return jszg_db_status(rc);
    return review_page(jr, uid, e.status, &e);
}

int jszg_api_account_review(jszg_req *jr)
{
    const char *uid = jszg_acct_user(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    int rc;

    rc = do_review(jr, uid, &e);
    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &e);
    return jszg_json(jr, HTTP_OK, jszg_pool_json(jr->pool, json_pack(
        "{s:b, s:s}", "ok", 1, "status", "人工审核中")));
}

/* ---- 修改密码 ----------------------------------------------------------- */

int jszg_page_account_password(jszg_req *jr)
{
    const char *uid = jszg_acct_user(jr);
    json_t *d;
    int rc;

    if ((rc = center_data(jr, uid, "修改密码", "password", &d))
        != JSZG_DB_OK)
        return jszg_db_status(rc);
    return jszg_render(jr, HTTP_OK, "account/password", d);
}

static int do_password(jszg_req *jr, const char *uid, jszg_fail *e)
{
    int rc = jszg_acct_password_change(jr, uid,
                                       jszg_field(jr, "old_password"),
                                       jszg_field(jr, "password"),
                                       jszg_field(jr, "confirm"), e);

    /* every session of the account has ended, this one too */
    if (rc == JSZG_DB_OK)
        jszg_session_destroy(jr);
    return rc;
}

int jszg_page_account_password_post(jszg_req *jr)
{
    const char *uid = jszg_acct_user(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    json_t *d;
    int rc;

    rc = do_password(jr, uid, &e);
    if (rc == JSZG_DB_OK)
        return jszg_redirect(jr, "/login?done=password");
    if (rc != JSZG_REFUSED)
        return jszg_db_status(rc);
    if ((rc = center_data(jr, uid, "修改密码", "password", &d))
        != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_fail_page(d, &e, JSZG_ACCT_FIELDS_MSG);
    return jszg_render(jr, e.status, "account/password", d);
}

int jszg_api_account_password(jszg_req *jr)
{
    const char *uid = jszg_acct_user(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    int rc;

    rc = do_password(jr, uid, &e);
    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &e);
    return jszg_json(jr, HTTP_OK, jszg_pool_json(jr->pool,
                     json_pack("{s:b}", "ok", 1)));
}

/* ---- 修改手机号码 ------------------------------------------------------- */

static int phone_page(jszg_req *jr, const char *uid, int status,
                      const jszg_fail *e, int sent)
{
    json_t *d;
    int rc;

    if ((rc = center_data(jr, uid, "修改手机号码", "phone", &d))
        != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_acct_keep(jr, d, (const char *const[]){ "phone", NULL });
    if (e)
        jszg_fail_page(d, e, JSZG_ACCT_FIELDS_MSG);
    if (sent)
        json_object_set_new(d, "notice", json_string(
            "验证码已发送至新手机号码，10分钟内有效。"));
    return jszg_render(jr, status, "account/phone", d);
}

int jszg_page_account_phone(jszg_req *jr)
{
    const char *uid = jszg_acct_user(jr);

    return phone_page(jr, uid, HTTP_OK, NULL, 0);
}

/* One form, two buttons: action=send gets a code, action=change uses it. */
int jszg_page_account_phone_post(jszg_req *jr)
{
    const char *uid = jszg_acct_user(jr);
    const char *action = jszg_field(jr, "action");
    int send = action && !strcmp(action, "send");
    jszg_fail e = JSZG_FAIL(jr->pool);
    int rc;

    if (send)
        rc = jszg_acct_phone_send(jr, uid, jszg_field(jr, "phone"), &e);
    else
        rc = jszg_acct_phone_change(jr, uid, jszg_field(jr, "phone"),
                                    jszg_field(jr, "code"), &e);
    if (rc == JSZG_DB_OK && !send)
        return jszg_redirect(jr, "/account?done=phone");
    if (rc == JSZG_DB_OK)
        return phone_page(jr, uid, HTTP_OK, NULL, 1);
    if (rc != JSZG_REFUSED)
        return jszg_db_status(rc);
    return phone_page(jr, uid, e.status, &e, 0);
}

int jszg_api_account_phone_code(jszg_req *jr)
{
    const char *uid = jszg_acct_user(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    int rc;

    rc = jszg_acct_phone_send(jr, uid, jszg_field(jr, "phone"), &e);
    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &e);
    return jszg_json(jr, HTTP_OK, jszg_pool_json(jr->pool,
                     json_pack("{s:b}", "ok", 1)));
}

int jszg_api_account_phone(jszg_req *jr)
{
    const char *uid = jszg_acct_user(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    int rc;

    rc = jszg_acct_phone_change(jr, uid, jszg_field(jr, "phone"),
                                jszg_field(jr, "code"), &e);
    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &e);
    return jszg_json(jr, HTTP_OK, jszg_pool_json(jr->pool,
                     json_pack("{s:b}", "ok", 1)));
}
