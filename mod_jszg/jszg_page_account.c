/*
 * jszg_page_account.c -- 账号注册, 登录, 退出, 忘记密码, the captcha images
 * and their JSON API twins, plus the helpers the other account pages
 * share.  Handlers parse the request, call a service (jszg_account.c) and
 * answer; no rule lives here.
 *
 * The captcha: the server-rendered form carries a no-JS challenge (pick
 * mode: "the gap sits at which numbered position?"); captcha.js swaps it
 * for a slider challenge from POST /api/v1/captcha.  Either way the form
 * posts captcha_token + captcha_answer (+ captcha_ms for the slider).
 */
#include "jszg_account.h"
#include "jszg_captcha.h"
#include "jszg_admission.h"
#include "jszg_password.h"
#include "apr_strings.h"

static const char *const register_fields[] = {
    "id_type", "id_number", "name", "phone", NULL
};
static const char *const login_fields[] = { "login", NULL };
static const char *const forgot_fields[] = { "login", "phone", NULL };

/* ---- shared helpers ----------------------------------------------------- */

json_t *jszg_acct_page(jszg_req *jr, const char *title)
{
    json_t *d = jszg_page_data(jr, title, NULL);

    json_object_set_new(d, "csrf", json_string(jszg_csrf_token(jr)));
    json_object_set_new(d, "form", json_object());
    json_object_set_new(d, "errors", json_object());
    json_object_set_new(d, "pw_policy", json_string(JSZG_PW_POLICY_TEXT));
    jszg_no_store(jr->r);
    return d;
}

/* Keep what the user typed (never passwords) for the re-rendered form. */
void jszg_acct_keep(jszg_req *jr, json_t *data, const char *const *names)
{
    json_t *form = json_object_get(data, "form");

    for (; *names; names++) {
        const char *v = jszg_field(jr, *names);
        if (v)
            json_object_set_new(form, *names, json_string(v));
    }
}

static int api_ok(jszg_req *jr, json_t *body)
{
    body = jszg_pool_json(jr->pool, body ? body : json_object());
    json_object_set_new(body, "ok", json_true());
    return jszg_json(jr, HTTP_OK, body);
}

int jszg_acct_captcha_widget(jszg_req *jr, json_t *data)
{
    const char *token;
    json_t *c, *slots;
    int rc, i;

    rc = jszg_acct_captcha_issue(jr, JSZG_CAPTCHA_PICK, &token);
    if (rc != JSZG_DB_OK)
        return rc;
    c = json_object();
    slots = json_array();
    for (i = 1; i <= JSZG_CAPTCHA_SLOTS; i++)
        json_array_append_new(slots, json_pack("{s:i, s:s}", "n", i,
                              "id", apr_psprintf(jr->pool, "cap-%d", i)));
    json_object_set_new(c, "token", json_string(token));
    json_object_set_new(c, "bg", json_string(apr_pstrcat(jr->pool,
                        "/captcha/", token, "/bg.png", NULL)));
    json_object_set_new(c, "slots", slots);
    json_object_set_new(data, "captcha", c);
    return JSZG_DB_OK;
}

int jszg_acct_captcha_form(jszg_req *jr, jszg_fail *e)
{
    return jszg_acct_captcha_check(jr, jszg_field(jr, "captcha_token"),
                                   jszg_field(jr, "captcha_answer"),
                                   jszg_field(jr, "captcha_ms"),
                                   jszg_field(jr, "captcha_track"), e);
}

const char *jszg_acct_user(jszg_req *jr)
{
    jszg_session *s = jszg_session_get(jr);

    /* the test of require_login() (jszg_http.c): the store gives a NULL
     * account_id as NULL on both drivers (jszg_db_rows) */
    return s ? s->account_id : NULL;
}

/* ---- pages -------------------------------------------------------------- */

static int render_form(jszg_req *jr, int status, const char *tpl,
                       json_t *d)
{
    int rc = jszg_acct_captcha_widget(jr, d);

    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    return jszg_render(jr, status, tpl, d);
}

static json_t *register_data(jszg_req *jr)
{
    json_t *d = jszg_acct_page(jr, "账号注册");
    json_t *types = json_array();
    const char *sel = jszg_field(jr, "id_type");
    int i;

    for (i = 0; jszg_id_types[i]; i++)
        json_array_append_new(types, json_pack("{s:s, s:b}", "value",
                              jszg_id_types[i], "selected",
                              sel ? !strcmp(sel, jszg_id_types[i]) : i == 0));
    json_object_set_new(d, "id_types", types);
    jszg_crumbs(jr, d, "首页", "/", "账号注册", NULL, NULL);
    return d;
}

int jszg_page_register(jszg_req *jr)
{
    return render_form(jr, HTTP_OK, "register", register_data(jr));
}

static jszg_register_in register_in(jszg_req *jr)
{
    jszg_register_in in;

    in.id_type = jszg_field(jr, "id_type");
    in.id_number = jszg_field(jr, "id_number");
    in.name = jszg_field(jr, "name");
    in.phone = jszg_field(jr, "phone");
    in.password = jszg_field(jr, "password");
    in.confirm = jszg_field(jr, "confirm");
    return in;
}

/* Captcha first: without it, no database lookup (no enumeration of
 * registered numbers); the field checks still run for the messages. */
static int do_register(jszg_req *jr, jszg_fail *e, const char **id)
{
    jszg_register_in in = register_in(jr);
    int rc = jszg_acct_captcha_form(jr, e);

    *id = NULL;
    if (rc == JSZG_REFUSED) {
        jszg_acct_register_validate(jr, &in, e);
        return rc;
    }
    if (rc != JSZG_DB_OK)
        return rc;
    return jszg_acct_register(jr, &in, e, id);
}

int jszg_page_register_post(jszg_req *jr)
{
    jszg_fail e = JSZG_FAIL(jr->pool);
    const char *id;
    json_t *d;
    int rc;

    rc = do_register(jr, &e, &id);
    if (rc == JSZG_DB_OK)
        return jszg_redirect(jr, "/login?done=registered");
    if (rc != JSZG_REFUSED)
        return jszg_db_status(rc);
    d = register_data(jr);
    jszg_acct_keep(jr, d, register_fields);
    jszg_fail_page(d, &e, JSZG_ACCT_FIELDS_MSG);
    return render_form(jr, e.status, "register", d);
}

int jszg_api_register(jszg_req *jr)
{
    jszg_fail e = JSZG_FAIL(jr->pool);
    const char *id;
    int rc;

    rc = do_register(jr, &e, &id);
    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &e);
    return api_ok(jr, json_pack("{s:s}", "account", id));
}

/* ---- 登录 / 退出 -------------------------------------------------------- */

static const char *done_message(const char *done)
{
    if (!done)
        return NULL;
    if (!strcmp(done, "registered"))
        return "注册成功，请使用证件号码和密码登录。";
    if (!strcmp(done, "reset"))
        return "密码已重置，请使用新密码登录。";
    if (!strcmp(done, "password"))
        return "密码已修改，请使用新密码重新登录。";
    if (!strcmp(done, "logout"))
        return "您已安全退出。";
    return NULL;
}

/* Where a login goes back to: the page that sent the visitor here
 * (?next= on the form, carried as a hidden field), when it is a path on
 * this site other than the login page itself. */
static const char *login_next(jszg_req *jr)
{
    const char *next = jszg_field(jr, "next");

    if (!next)
        next = jszg_query(jr, "next");
    if (!jszg_local_path(next) || !strncmp(next, "/login", 6)
        || !strncmp(next, "/logout", 7))
        return NULL;
    return next;
}

static json_t *login_data(jszg_req *jr)
{
    const char *next;
    json_t *d = jszg_acct_page(jr, "登录");
    const char *msg = done_message(jszg_query(jr, "done"));

    if (msg)
        json_object_set_new(d, "notice", json_string(msg));
    if ((next = login_next(jr)))
        json_object_set_new(d, "next", json_string(next));
    jszg_crumbs(jr, d, "首页", "/", "登录", NULL, NULL);
    return d;
}

int jszg_page_login(jszg_req *jr)
{
    return render_form(jr, HTTP_OK, "login", login_data(jr));
}

/* The throttle before the captcha and the password: a refused try
 * costs neither a captcha row nor a bcrypt. */
static int do_login(jszg_req *jr, jszg_login_out *out, jszg_fail *e)
{
    int rc = jszg_acct_login_gate(jr, jszg_field(jr, "login"), e);

    if (rc != JSZG_DB_OK)
        return rc;
    rc = jszg_acct_captcha_form(jr, e);

    if (rc != JSZG_DB_OK)
        return rc;
    return jszg_acct_login(jr, jszg_field(jr, "login"),
                           jszg_field(jr, "password"), out, e);
}

const char *jszg_acct_last_login_text(jszg_req *jr)
{
    jszg_session *s = jszg_session_get(jr);
    json_t *last = s ? json_object_get(s->data, "last_login") : NULL;

    return json_is_string(last) ? json_string_value(last) : "无（首次登录）";
}

/* A new session id for the account (no fixation), and what the layout
 * and the 个人信息中心 show: the name and the previous login time. */
static int start_session(jszg_req *jr, const jszg_login_out *out)
{
    jszg_session *s = jszg_session_login(jr, out->account_id);

    if (!s)
        return 0;
    json_object_set_new(s->data, "name", json_string(out->name));
    json_object_set_new(s->data, "last_login",
                        out->prev_login ? json_string(out->prev_login)
                                        : json_null());
    s->dirty = 1;
    return 1;
}

int jszg_page_login_post(jszg_req *jr)
{
    const char *next;
    jszg_fail e = JSZG_FAIL(jr->pool);
    jszg_login_out out;
    jszg_session *s;
    json_t *d;
    int rc;

    rc = do_login(jr, &out, &e);
    if (rc == JSZG_DB_OK) {
        if (!start_session(jr, &out))
            return HTTP_SERVICE_UNAVAILABLE;
        s = jr->session;
        if ((next = login_next(jr)))
            return jszg_redirect(jr, next);
        /* came in through 在线办理: on to the business platform */
        return jszg_redirect(jr, json_object_get(s->data, "entry")
                                 ? "/platform" : "/account");
    }
    if (rc != JSZG_REFUSED)
        return jszg_db_status(rc);
    d = login_data(jr);
    jszg_acct_keep(jr, d, login_fields);
    jszg_fail_page(d, &e, JSZG_ACCT_FIELDS_MSG);
    if (e.retry_after > 0)
        apr_table_setn(jr->r->err_headers_out, "Retry-After",
                       apr_itoa(jr->pool, e.retry_after));
    return render_form(jr, e.status, "login", d);
}

int jszg_api_login(jszg_req *jr)
{
    jszg_fail e = JSZG_FAIL(jr->pool);
    jszg_login_out out;
    int rc;

    rc = do_login(jr, &out, &e);
    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &e);
    if (!start_session(jr, &out))
        return HTTP_SERVICE_UNAVAILABLE;
    return api_ok(jr, json_pack("{s:s, s:s, s:o, s:s}", "account",
                  out.id_number, "name", out.name, "last_login",
                  out.prev_login ? json_string(out.prev_login)
                                 : json_null(),
                  "csrf", jszg_csrf_token(jr)));
}

int jszg_page_logout(jszg_req *jr)
{
    if (jszg_session_destroy(jr) != APR_SUCCESS)
        return HTTP_SERVICE_UNAVAILABLE;
    return jszg_redirect(jr, "/login?done=logout");
}

int jszg_api_logout(jszg_req *jr)
{
    if (jszg_session_destroy(jr) != APR_SUCCESS)
        return HTTP_SERVICE_UNAVAILABLE;
    return api_ok(jr, NULL);
}

/* ---- 忘记密码 ----------------------------------------------------------- */

static json_t *forgot_data(jszg_req *jr)
{
    json_t *d = jszg_acct_page(jr, "忘记密码");

    jszg_crumbs(jr, d, "首页", "/", "登录", "/login", "忘记密码", NULL,
                NULL);
    return d;
}

int jszg_page_forgot(jszg_req *jr)
{
    return render_form(jr, HTTP_OK, "forgot", forgot_data(jr));
}

static int do_forgot(jszg_req *jr, jszg_fail *e)
{
    int rc = jszg_acct_captcha_form(jr, e);

    if (rc != JSZG_DB_OK)
        return rc;
    return jszg_acct_reset_send(jr, jszg_field(jr, "login"),
                                jszg_field(jr, "phone"), e);
}

#define MSG_SENT \
    "若证件号码与注册时填写的手机号码一致，验证码已发送至该手机，" \
    "10分钟内有效。"
/* The answer does not tell whether the pair exists; it names the number
 * typed, so that a mistyped one is seen, and where to turn (issue 18). */
#define MSG_CHECK \
    "请核对上面的手机号码是否为注册时填写的号码，如有误请返回重新填写。" \
    "如号码无误但几分钟内仍未收到验证码，或注册手机号码已停用，请通过" \
    "【电话咨询】联系客服（/help/phone）。"

static const char *sent_message(jszg_req *jr)
{
    const char *phone = jszg_field(jr, "phone");

    if (!phone || !*phone)
        return MSG_SENT;
    return apr_pstrcat(jr->pool, "若证件号码与注册时填写的手机号码一致，验证码"
                       "已发送至该手机（", phone, "），10分钟内有效。", NULL);
}

/* Step 2: the code and the new password. */
static int render_step2(jszg_req *jr, int status, json_t *d)
{
    json_object_set_new(d, "step2", json_true());
    json_object_set_new(d, "notice", json_string(sent_message(jr)));
    json_object_set_new(d, "notice_check", json_true());
    return jszg_render(jr, status, "forgot", d);
}

int jszg_page_forgot_post(jszg_req *jr)
{
    jszg_fail e = JSZG_FAIL(jr->pool);
    json_t *d = forgot_data(jr);
    int rc;

    rc = do_forgot(jr, &e);
    jszg_acct_keep(jr, d, forgot_fields);
    if (rc == JSZG_DB_OK)
        return render_step2(jr, HTTP_OK, d);
    if (rc != JSZG_REFUSED)
        return jszg_db_status(rc);
    jszg_fail_page(d, &e, JSZG_ACCT_FIELDS_MSG);
    return render_form(jr, e.status, "forgot", d);
}

int jszg_page_forgot_reset(jszg_req *jr)
{
    jszg_fail e = JSZG_FAIL(jr->pool);
    json_t *d;
    int rc;

    rc = jszg_acct_reset_finish(jr, jszg_field(jr, "login"),
                                jszg_field(jr, "code"),
                                jszg_field(jr, "password"),
                                jszg_field(jr, "confirm"), &e);
    if (rc == JSZG_DB_OK) {
        /* the sessions are gone in the database: drop our cookie too */
        jszg_session_destroy(jr);
        return jszg_redirect(jr, "/login?done=reset");
    }
    if (rc != JSZG_REFUSED)
        return jszg_db_status(rc);
    d = forgot_data(jr);
    jszg_acct_keep(jr, d, forgot_fields);
    jszg_fail_page(d, &e, JSZG_ACCT_FIELDS_MSG);
    return render_step2(jr, e.status, d);
}

int jszg_api_forgot(jszg_req *jr)
{
    jszg_fail e = JSZG_FAIL(jr->pool);
    int rc;

    rc = do_forgot(jr, &e);
    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &e);
    return api_ok(jr, json_pack("{s:s, s:s}", "message", sent_message(jr),
                                "hint", MSG_CHECK));
}

int jszg_api_reset(jszg_req *jr)
{
    jszg_fail e = JSZG_FAIL(jr->pool);
    int rc;

    rc = jszg_acct_reset_finish(jr, jszg_field(jr, "login"),
                                jszg_field(jr, "code"),
                                jszg_field(jr, "password"),
                                jszg_field(jr, "confirm"), &e);
    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &e);
    jszg_session_destroy(jr);
    return api_ok(jr, NULL);
}

/* ---- captcha ------------------------------------------------------------ */

/* POST /api/v1/captcha: a slider challenge (mode=pick: the no-JS one). */
int jszg_api_captcha(jszg_req *jr)
{
    const char *mode = jszg_field(jr, "mode");
    int pick = mode && !strcmp(mode, "pick");
    const char *token;
    json_t *body;
    int rc;

    rc = jszg_acct_captcha_issue(jr, pick ? JSZG_CAPTCHA_PICK
                                          : JSZG_CAPTCHA_SLIDE, &token);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    body = jszg_pool_json(jr->pool, json_pack(
        "{s:s, s:s, s:i, s:i, s:i, s:i, s:s, s:s}",
        "token", token, "mode", pick ? "pick" : "slide",
        "width", JSZG_CAPTCHA_W, "height", JSZG_CAPTCHA_H,
        "piece_width", JSZG_CAPTCHA_PIECE, "ttl", JSZG_CAPTCHA_TTL,
        "bg", apr_pstrcat(jr->pool, "/captcha/", token, "/bg.png", NULL),
        "piece", apr_pstrcat(jr->pool, "/captcha/", token, "/piece.png",
                             NULL)));
    if (pick)
        json_object_set_new(body, "slots",
                            json_integer(JSZG_CAPTCHA_SLOTS));
    return jszg_json(jr, HTTP_OK, body);
}

int jszg_page_captcha_img(jszg_req *jr)
{
    const char *img = jszg_param(jr, "img");
    const unsigned char *png;
    apr_interval_time_t wait;
    apr_size_t len;
    int which, rc;

    if (!strcmp(img, "bg.png"))
        which = JSZG_CAPTCHA_IMG_BG;
    else if (!strcmp(img, "piece.png"))
        which = JSZG_CAPTCHA_IMG_PIECE;
    else
        return jszg_error(jr, HTTP_NOT_FOUND, NULL, NULL);
    /* drawing costs CPU: a budget per address before anything else */
    if (!jszg_gate_captcha_take(jr->r, &wait)) {
        apr_table_setn(jr->r->err_headers_out, "Retry-After",
                       apr_itoa(jr->pool, (int)apr_time_sec(wait) + 1));
        return jszg_error(jr, HTTP_TOO_MANY_REQUESTS, "captcha_busy",
                          "验证图片请求过于频繁，请稍后刷新页面。");
    }
    rc = jszg_acct_captcha_image(jr, jszg_param(jr, "token"), which, &png,
                                 &len);
    if (rc == JSZG_DB_NOTFOUND)
        return jszg_error(jr, HTTP_NOT_FOUND, "captcha_gone",
                          "验证图片已失效，请刷新页面。");
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_no_store(jr->r);
    return jszg_send(jr->r, HTTP_OK, "image/png", png, len);
}
