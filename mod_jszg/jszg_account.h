/*
 * jszg_account.h -- accounts and identity: 账号注册, 登录 with the slider
 * captcha, 忘记密码, 退出, 个人信息中心 (个人身份信息, 修改个人信息, 实名核验,
 * 人工审核, 修改密码, 修改手机号码) and the dev-only SMS outbox.
 *
 * The services take typed arguments and return
 * JSZG_DB_OK, JSZG_REFUSED with the error in a jszg_fail, or a
 * store failure (JSZG_DB_DOWN / JSZG_DB_ERROR: answer jszg_db_status()).
 * They never write to the client: the page handlers
 * (jszg_page_account*.c) and the JSON API twins under /api/v1/ call the
 * same functions.  They live in one file per concern (each says what it
 * owns; jszg_account_int.h lists them): jszg_account.c (errors, shared
 * checks, registration, profile, 修改密码), jszg_account_captcha.c,
 * jszg_account_login.c (login and the throttle), jszg_account_sms.c
 * (codes, 忘记密码, 修改手机号码) and jszg_account_identity.c (实名核验,
 * 人工审核).
 */
#ifndef JSZG_ACCOUNT_H
#define JSZG_ACCOUNT_H

#include "jszg_private.h"

/* The general error of a page whose form has field errors. */
#define JSZG_ACCT_FIELDS_MSG "您填写的信息有误，请按提示修改后重新提交"

/* Limits (DESIGN: in the database, so they survive child restarts). */
#define JSZG_LOGIN_FAIL_SPAN    900     /* failures count 15 minutes */
#define JSZG_LOGIN_FREE_FAILS   3       /* per (account, address), then: */
#define JSZG_LOGIN_DELAY_BASE   30      /* a wait of 30 s, doubling with */
#define JSZG_LOGIN_DELAY_MAX    900     /* each failure, up to 15 min */
#define JSZG_LOGIN_IP_MAX       200     /* wrong passwords per IP in 15 min */
#define JSZG_STAFF_IP_MAX       30      /* … on staff logins */
#define JSZG_STAFF_CAPTCHA_AFTER 3      /* staff account failures (any
                                           address, 15 min): captcha */
#define JSZG_REGISTER_IP_MAX    30      /* per IP per hour */
#define JSZG_SMS_PHONE_GAP      60      /* seconds between two codes */
#define JSZG_SMS_PHONE_DAY      5       /* per (phone, IP) per day */
#define JSZG_SMS_SENT_DAY       10      /* 忘记密码 codes sent to a phone
                                           per day, from any address */
#define JSZG_SMS_IP_MAX         20      /* codes per IP per hour */
#define JSZG_CODE_TTL           600     /* an SMS code lives 10 minutes */
#define JSZG_CODE_TRIES         5
#define JSZG_VERIFY_PER_DAY     3       /* 实名核验, Asia/Shanghai day */

/* ---- slider captcha (jszg_captcha.h draws it) ---- */
int jszg_acct_captcha_issue(jszg_req *jr, int mode, const char **token);
/* JSZG_DB_NOTFOUND for an unknown, used or expired token. */
int jszg_acct_captcha_image(jszg_req *jr, const char *token, int which,
                            const unsigned char **png, apr_size_t *len);
/* Spends the token whatever the outcome (single use). */
/* Slide mode: drag_ms and track (jszg_captcha_track) from the page. */
int jszg_acct_captcha_check(jszg_req *jr, const char *token,
                            const char *answer, const char *drag_ms,
                            const char *track, jszg_fail *e);

/* ---- account ---- */
typedef struct {
    const char *id_type, *id_number, *name, *phone, *password, *confirm;
} jszg_register_in;

typedef struct {
    const char *account_id;
    const char *id_number;      /* normalised: the account name */
    const char *name;
    const char *prev_login;     /* 'YYYY-MM-DD HH:MM', NULL the first time */
} jszg_login_out;

/* Field checks only (no database): the page shows them beside fields. */
void jszg_acct_register_validate(jszg_req *jr, jszg_register_in *in,
                                 jszg_fail *e);
int jszg_acct_register(jszg_req *jr, jszg_register_in *in,
                       jszg_fail *e, const char **id_number);
int jszg_acct_login(jszg_req *jr, const char *login, const char *password,
                    jszg_login_out *out, jszg_fail *e);

/*
 * Login throttling, for applicants (scope "acct") and staff ("admin"):
 * no lock on a login name, so nobody can lock another person out.
 *  - per source address: ip_max wrong passwords in JSZG_LOGIN_FAIL_SPAN,
 *    any account (kind "<scope>.login_ip", key the address);
 *  - per (account, address): after JSZG_LOGIN_FREE_FAILS failures each
 *    further try waits JSZG_LOGIN_DELAY_BASE s, doubling per failure
 *    (kind "<scope>.login_fail", key "<login>|<address>");
 *  - per account, every address: failures are counted (kind
 *    "<scope>.login_fail_acct") and decide whether a captcha is asked.
 * jszg_login_gate runs before any captcha or bcrypt and only reads:
 * JSZG_REFUSED with a 429 in e when refused.  jszg_login_failed
 * counts a wrong password in all three.  key is the normalised login
 * name.
 */
int jszg_login_gate(jszg_req *jr, const char *scope, const char *key,
                    int ip_max, jszg_fail *e);
int jszg_login_failed(jszg_req *jr, const char *scope, const char *key);
int jszg_login_succeeded(jszg_req *jr, const char *scope, const char *key);
/* 解除登录限制: clears the waits of `key` from every address and its
 * failures (so no captcha either); not an address's own budget. */
int jszg_login_unlock(jszg_req *jr, const char *scope, const char *key);
/* jszg_login_gate for an applicant's login as typed. */
int jszg_acct_login_gate(jszg_req *jr, const char *login, jszg_fail *e);
/* Failures on the account from any address in the span. */
int jszg_login_account_failures(jszg_req *jr, const char *scope,
                                const char *key, int *n);
int jszg_acct_reset_send(jszg_req *jr, const char *login,
                         const char *phone, jszg_fail *e);
int jszg_acct_reset_finish(jszg_req *jr, const char *login,
                           const char *code, const char *password,
                           const char *confirm, jszg_fail *e);

/* ---- 个人信息中心 ---- */
typedef struct {
    const char *ethnicity, *sex, *birth_date, *address, *postcode, *email;
} jszg_profile_in;

typedef struct {
    const char *name;           /* the name to check / review */
    const jszg_form_field *front, *back;
} jszg_review_in;

/* The account as the owner may see it: id number masked, no hash. */
int jszg_acct_profile(jszg_req *jr, const char *account_id, json_t **acct);
int jszg_acct_profile_update(jszg_req *jr, const char *account_id,
                             jszg_profile_in *in, jszg_fail *e);
int jszg_acct_password_change(jszg_req *jr, const char *account_id,
                              const char *old_pw, const char *new_pw,
                              const char *confirm, jszg_fail *e);
int jszg_acct_phone_send(jszg_req *jr, const char *account_id,
                         const char *phone, jszg_fail *e);
int jszg_acct_phone_change(jszg_req *jr, const char *account_id,
                           const char *phone, const char *code,
                           jszg_fail *e);
int jszg_acct_verify_remaining(jszg_req *jr, const char *account_id,
                               int *remaining);
/* On success *new_name is the verified name (now the account's). */
int jszg_acct_verify(jszg_req *jr, const char *account_id, const char *name,
                     const char **new_name, jszg_fail *e);
int jszg_acct_review_submit(jszg_req *jr, const char *account_id,
                            jszg_review_in *in, jszg_fail *e);
/* A decision on a 人工审核: the back office's (jszg_admin_review.c, the
 * staff member's scope checked there) and the dev-mode /dev/reviews.
 * `staff` is the audit actor ("staff:<username>"). */
int jszg_acct_review_decide(jszg_req *jr, const char *review_id,
                            int approve, const char *staff,
                            const char *note, jszg_fail *e);
int jszg_acct_reviews_pending(jszg_req *jr, json_t **rows);
int jszg_acct_sms_outbox(jszg_req *jr, json_t **rows);

/* For the business platform: 实名核验 must pass before 定期注册.
 * *verified is 1 only for a passed verification (not while 人工审核中). */
int jszg_account_is_verified(jszg_req *jr, const char *account_id,
                             int *verified);

/* 'YYYY-MM-DD HH:MM' (Asia/Shanghai) of an epoch-seconds string. */
const char *jszg_acct_time(apr_pool_t *p, const char *epoch);

/* The lists of the forms. */
extern const char *const jszg_id_types[];
extern const char *const jszg_ethnicities[];

/* ---- helpers shared by the page files (jszg_page_account.c) ---- */
/* Page data with csrf, the kept form values and the errors. */
json_t *jszg_acct_page(jszg_req *jr, const char *title);
/* "上次登录时间" as every page shows it: the login before this session's
 * (kept in the session at login), or "无（首次登录）". */
const char *jszg_acct_last_login_text(jszg_req *jr);
void jszg_acct_keep(jszg_req *jr, json_t *data, const char *const *names);
/* A fresh no-JS (pick mode) challenge into data.captcha. */
int jszg_acct_captcha_widget(jszg_req *jr, json_t *data);
/* Check the captcha_* fields of the request. */
int jszg_acct_captcha_form(jszg_req *jr, jszg_fail *e);
/* The logged-in account's id, or NULL; never NULL in the handler of a
 * JSZG_R_AUTH route (jszg_handle has checked the login). */
const char *jszg_acct_user(jszg_req *jr);

/* ---- handlers ---- */
int jszg_page_register(jszg_req *jr);
int jszg_page_register_post(jszg_req *jr);
int jszg_page_login(jszg_req *jr);
int jszg_page_login_post(jszg_req *jr);
int jszg_page_logout(jszg_req *jr);
int jszg_page_forgot(jszg_req *jr);
int jszg_page_forgot_post(jszg_req *jr);
int jszg_page_forgot_reset(jszg_req *jr);
int jszg_page_captcha_img(jszg_req *jr);
int jszg_api_captcha(jszg_req *jr);
int jszg_api_register(jszg_req *jr);
int jszg_api_login(jszg_req *jr);
int jszg_api_logout(jszg_req *jr);
int jszg_api_forgot(jszg_req *jr);
int jszg_api_reset(jszg_req *jr);

int jszg_page_account(jszg_req *jr);
int jszg_page_account_profile(jszg_req *jr);
int jszg_page_account_profile_post(jszg_req *jr);
int jszg_page_account_verify(jszg_req *jr);
int jszg_page_account_verify_post(jszg_req *jr);
int jszg_page_account_review(jszg_req *jr);
int jszg_page_account_review_post(jszg_req *jr);
int jszg_page_account_password(jszg_req *jr);
int jszg_page_account_password_post(jszg_req *jr);
int jszg_page_account_phone(jszg_req *jr);
int jszg_page_account_phone_post(jszg_req *jr);
int jszg_api_account(jszg_req *jr);
int jszg_api_account_profile(jszg_req *jr);
int jszg_api_account_verify(jszg_req *jr);
int jszg_api_account_review(jszg_req *jr);
int jszg_api_account_password(jszg_req *jr);
int jszg_api_account_phone_code(jszg_req *jr);
int jszg_api_account_phone(jszg_req *jr);

int jszg_page_dev_sms(jszg_req *jr);
int jszg_page_dev_reviews(jszg_req *jr);
int jszg_page_dev_review_decide(jszg_req *jr);

#define JSZG_ACCOUNT_ROUTES \
    { "GET",  "/register",               jszg_page_register, 0 }, \
    { "POST", "/register",               jszg_page_register_post, 0 }, \
    { "GET",  "/login",                  jszg_page_login, 0 }, \
    { "POST", "/login",                  jszg_page_login_post, 0 }, \
    { "POST", "/logout",                 jszg_page_logout, 0 }, \
    { "GET",  "/forgot",                 jszg_page_forgot, 0 }, \
    { "POST", "/forgot",                 jszg_page_forgot_post, 0 }, \
    { "POST", "/forgot/reset",           jszg_page_forgot_reset, 0 }, \
    { "GET",  "/captcha/{token}/{img}",  jszg_page_captcha_img, 0 }, \
    { "GET",  "/account",                jszg_page_account, JSZG_R_AUTH }, \
    { "GET",  "/account/profile",        jszg_page_account_profile, \
      JSZG_R_AUTH }, \
    { "POST", "/account/profile",        jszg_page_account_profile_post, \
      JSZG_R_AUTH }, \
    { "GET",  "/account/verify",         jszg_page_account_verify, \
      JSZG_R_AUTH }, \
    { "POST", "/account/verify",         jszg_page_account_verify_post, \
      JSZG_R_AUTH }, \
    { "GET",  "/account/review",         jszg_page_account_review, \
      JSZG_R_AUTH }, \
    { "POST", "/account/review",         jszg_page_account_review_post, \
      JSZG_R_AUTH }, \
    { "GET",  "/account/password",       jszg_page_account_password, \
      JSZG_R_AUTH }, \
    { "POST", "/account/password",       jszg_page_account_password_post, \
      JSZG_R_AUTH }, \
    { "GET",  "/account/phone",          jszg_page_account_phone, \
      JSZG_R_AUTH }, \
    { "POST", "/account/phone",          jszg_page_account_phone_post, \
      JSZG_R_AUTH }, \
    { "GET",  "/dev/sms",                jszg_page_dev_sms, 0 }, \
    { "GET",  "/dev/reviews",            jszg_page_dev_reviews, 0 }, \
    { "POST", "/dev/reviews/{id}",       jszg_page_dev_review_decide, 0 }, \
    { "POST", "/api/v1/captcha",         jszg_api_captcha, JSZG_R_API }, \
    { "POST", "/api/v1/register",        jszg_api_register, JSZG_R_API }, \
    { "POST", "/api/v1/login",           jszg_api_login, JSZG_R_API }, \
    { "POST", "/api/v1/logout",          jszg_api_logout, JSZG_R_API }, \
    { "POST", "/api/v1/password/forgot", jszg_api_forgot, JSZG_R_API }, \
    { "POST", "/api/v1/password/reset",  jszg_api_reset, JSZG_R_API }, \
    { "GET",  "/api/v1/account",         jszg_api_account, \
      JSZG_R_API | JSZG_R_AUTH }, \
    { "POST", "/api/v1/account/profile", jszg_api_account_profile, \
      JSZG_R_API | JSZG_R_AUTH }, \
    { "POST", "/api/v1/account/verify",  jszg_api_account_verify, \
      JSZG_R_API | JSZG_R_AUTH }, \
    { "POST", "/api/v1/account/review",  jszg_api_account_review, \
      JSZG_R_API | JSZG_R_AUTH }, \
    { "POST", "/api/v1/account/password", jszg_api_account_password, \
      JSZG_R_API | JSZG_R_AUTH }, \
    { "POST", "/api/v1/account/phone/code", jszg_api_account_phone_code, \
      JSZG_R_API | JSZG_R_AUTH }, \
    { "POST", "/api/v1/account/phone",   jszg_api_account_phone, \
      JSZG_R_API | JSZG_R_AUTH },

#endif /* JSZG_ACCOUNT_H */
