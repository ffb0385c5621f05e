/*
 * jszg_account_sms.c -- SMS codes (jszg_account.h): the limits on asking
 * for one, sending (a row in the outbox, which the relay or /dev/sms
 * takes from there), checking and spending a code; and the two services
 * that use them: 忘记密码 (a code to the account's phone, then the new
 * password) and 修改手机号码 (a code to the new number).  The dev-mode
 * outbox listing is here too.
 */
#include "jszg_account_int.h"

#define MSG_CODE_BAD        "验证码错误或已过期，请重新获取"

/* ---- SMS codes ---------------------------------------------------------- */

static const char *code_hash(jszg_req *jr, const char *account_id,
                             const char *purpose, const char *code)
{
    return jszg_hmac_b64(jr->pool, jr->sc->secret, jr->sc->secret_len,
                         apr_pstrcat(jr->pool, "sms:", purpose, ":",
                                     account_id, ":", code, NULL));
}

/*
 * Limits on asking for a code, checked for every request whether a code
 * is then sent or not: per (phone, address) one a minute and five a day,
 * and per address.  Keyed on the address too, so that a stranger asking
 * for codes to someone's phone (with a made-up account, or with the
 * right one) spends only their own address's quota, never the owner's.
 * What is really sent to a phone has its own daily caps (sms_sent_ok).
 */
static int sms_limits(jszg_req *jr, const char *phone, jszg_fail *e)
{
    const char *key = apr_pstrcat(jr->pool, phone, "|", jr->r->useragent_ip,
                                  NULL);
    int n, rc, over;

    if ((rc = jszg_rate_count(jr, "acct.sms_phone", key,
                         now_s(jr) - JSZG_SMS_PHONE_GAP, &n)) != JSZG_DB_OK)
        return rc;
    if (n > 0)
        return jszg_refuse(e, HTTP_TOO_MANY_REQUESTS, "sms_too_soon",
                           "验证码发送过于频繁，请60秒后再试");
    if ((rc = jszg_rate_count(jr, "acct.sms_phone", key, day_start(jr), &n))
        != JSZG_DB_OK)
        return rc;
    if (n >= JSZG_SMS_PHONE_DAY)
        return jszg_refuse(e, HTTP_TOO_MANY_REQUESTS, "sms_daily_limit",
                           "该手机号码今日获取验证码次数已达上限，请明日再试");
    rc = jszg_rate_take(jr, "acct.sms_ip", jr->r->useragent_ip, 3600,
                   JSZG_SMS_IP_MAX, &over);
    if (rc != JSZG_DB_OK)
        return rc;
    if (over)
        return jszg_refuse(e, HTTP_TOO_MANY_REQUESTS, "too_many_requests",
                           "获取验证码过于频繁，请稍后再试");
    return jszg_rate_add(jr, "acct.sms_phone", key);
}

/*
 * The daily cap on codes really sent to a phone, per purpose: kind
 * acct.sms_sent.reset (to the account's own phone: 忘记密码) and
 * acct.sms_sent.phone (to a new number: 修改手机号码).  Apart, so that
 * accounts naming someone else's number as their new phone cannot use up
 * that person's 忘记密码 codes.  *ok is 1 (and the send counted) when
 * under the cap.
 */
static int sms_sent_ok(jszg_req *jr, const char *purpose, const char *phone,
                       int cap, int *ok)
{
    const char *kind = apr_pstrcat(jr->pool, "acct.sms_sent.", purpose, NULL);
    int n, rc;

    *ok = 0;
    if ((rc = jszg_rate_count(jr, kind, phone, day_start(jr), &n)) != JSZG_DB_OK)
        return rc;
    if (n >= cap)
        return JSZG_DB_OK;
    *ok = 1;
    return jszg_rate_add(jr, kind, phone);
}

static int send_code(jszg_req *jr, const char *account_id,
                     const char *purpose, const char *phone,
                     const char *what)
{
    unsigned char r[4];
    const char *code, *body;
    apr_uint32_t v;
    int rc;

    if (apr_generate_random_bytes(r, sizeof(r)) != APR_SUCCESS)
        return JSZG_DB_ERROR;
    v = ((apr_uint32_t)r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3];
    code = apr_psprintf(jr->pool, "%06u", (unsigned)(v % 1000000u));
    body = apr_psprintf(jr->pool, "【中国教师资格网】您正在%s，验证码%s，"
                        "%d分钟内有效。如非本人操作，请忽略本短信。",
                        what, code, JSZG_CODE_TTL / 60);
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    /* a new code voids the older ones */
    jszg_db_exec(jr, "acct_code_void", NULL, 3, now_str(jr), account_id,
                 purpose);
    jszg_db_exec(jr, "acct_code_insert", NULL, 6, purpose, account_id,
                 phone, code_hash(jr, account_id, purpose, code),
                 now_str(jr), num(jr->pool, now_s(jr) + JSZG_CODE_TTL));
    jszg_db_exec(jr, "acct_sms_insert", NULL, 4, phone, body, purpose,
                 now_str(jr));
    return jszg_db_commit(jr);
}

/* Check a code.  A wrong guess is counted at once (outside any
 * transaction: the count must stay); a right one is spent by
 * spend_code() inside the change it allows. */
static int check_code(jszg_req *jr, const char *account_id,
                      const char *purpose, const char *phone,
                      const char *code, const char **code_id,
                      jszg_fail *e)
{
    json_t *row;
    int rc, tries;

    code = trim(jr->pool, code);
    if (!all_digits(code, 6)) {
        field_err(e, "code", "code_bad", "请输入6位数字验证码");
        return JSZG_REFUSED;
    }
    rc = jszg_db_row(jr, "acct_code_latest", &row, 2, account_id, purpose);
    if (rc == JSZG_DB_NOTFOUND || (rc == JSZG_DB_OK
        && (col(row, "used_at") || col_int(row, "expires_at") < now_s(jr)
            || (phone && strcmp(col(row, "phone"), phone))))) {
        field_err(e, "code", "code_invalid", MSG_CODE_BAD);
        return JSZG_REFUSED;
    }
    if (rc != JSZG_DB_OK)
        return rc;
    tries = (int)col_int(row, "tries");
    if (tries >= JSZG_CODE_TRIES) {
        field_err(e, "code", "code_locked",
                  "验证码错误次数过多，请重新获取验证码");
        return JSZG_REFUSED;
    }
    if (!jszg_const_eq(col(row, "code_hash"),
                       code_hash(jr, account_id, purpose, code))) {
        if ((rc = jszg_db_exec(jr, "acct_code_try", NULL, 1, col(row, "id")))
            != JSZG_DB_OK)
            return rc;
        tries++;
        field_err(e, "code", tries >= JSZG_CODE_TRIES ? "code_locked"
                                                      : "code_wrong",
                  tries >= JSZG_CODE_TRIES
                  ? "验证码错误次数过多，请重新获取验证码"
                  : apr_psprintf(jr->pool, "验证码错误，您还可以尝试%d次",
                                 JSZG_CODE_TRIES - tries));
        return JSZG_REFUSED;
    }
    *code_id = col(row, "id");
    return JSZG_DB_OK;
}

/* Inside the change's transaction: spend the code checked above.  A
 * concurrent request that spent it first wins; this change is undone. */
static int spend_code(jszg_req *jr, const char *code_id, jszg_fail *e)
{
    int n = 0, rc = jszg_db_exec(jr, "acct_code_use", &n, 2, now_str(jr),
                                 code_id);

    if (rc != JSZG_DB_OK)
        return rc;
    if (n != 1) {
        jszg_db_rollback(jr);
        field_err(e, "code", "code_invalid", MSG_CODE_BAD);
        return JSZG_REFUSED;
    }
    return JSZG_DB_OK;
}

/* ---- 忘记密码 ----------------------------------------------------------- */

int jszg_acct_reset_send(jszg_req *jr, const char *login, const char *phone,
                         jszg_fail *e)
{
    const char *key = upper(jr->pool, trim(jr->pool, login));
    json_t *acct;
    int rc, ok;

    if (!*key)
        field_err(e, "login", "login_empty", "请输入账号（证件号码）");
    phone = jszg_acct_check_phone(jr, "phone", phone, e);
    if (has_errors(e))
        return JSZG_REFUSED;
    if ((rc = sms_limits(jr, phone, e)) != JSZG_DB_OK)
        return rc;
    rc = jszg_db_row(jr, "acct_by_number", &acct, 1, key);
    if (rc == JSZG_DB_NOTFOUND
        || (rc == JSZG_DB_OK && strcmp(col(acct, "phone"), phone)))
        return JSZG_DB_OK;    /* same answer: nothing to learn here */
    if (rc != JSZG_DB_OK)
        return rc;
    /* over the phone's cap (asked from many addresses): the same answer
     * again, and nothing sent */
    if ((rc = sms_sent_ok(jr, "reset", phone, JSZG_SMS_SENT_DAY, &ok))
        != JSZG_DB_OK || !ok)
        return rc;
    return send_code(jr, col(acct, "id"), "reset", phone, "重置密码");
}

int jszg_acct_reset_finish(jszg_req *jr, const char *login,
                           const char *code, const char *password,
                           const char *confirm, jszg_fail *e)
{
    const char *key = upper(jr->pool, trim(jr->pool, login)), *hash, *id;
    const char *code_id = NULL;
    json_t *acct;
    int rc;

    if (!*key)
        field_err(e, "login", "login_empty", "请输入账号（证件号码）");
    /* policy first: a typo in the password does not burn a code try */
    jszg_acct_check_password("password", password, confirm, key, e);
    if (has_errors(e))
        return JSZG_REFUSED;
    rc = jszg_db_row(jr, "acct_by_number", &acct, 1, key);
    if (rc == JSZG_DB_NOTFOUND) {
        field_err(e, "code", "code_invalid", MSG_CODE_BAD);
        return JSZG_REFUSED;
    }
    if (rc != JSZG_DB_OK)
        return rc;
    id = col(acct, "id");
    rc = check_code(jr, id, "reset", NULL, code, &code_id, e);
    if (rc != JSZG_DB_OK)
        return rc;
    if (jszg_password_hash(jr->pool, password, JSZG_PW_COST, &hash)
        != APR_SUCCESS)
        return JSZG_DB_ERROR;
    /* one change: the code spent, the password set, every session of
     * the account ended, a lockout lifted, the audit row */
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    rc = spend_code(jr, code_id, e);
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "acct_set_password", NULL, 4, hash,
                          now_str(jr), now_str(jr), id);
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "session_delete_account", NULL, 1, id);
    if (rc == JSZG_DB_OK)
        /* this address's login throttle on the account lifts */
        rc = jszg_login_succeeded(jr, "acct", key);
    if (rc == JSZG_DB_OK)
        rc = audit(jr, key, "account.password_reset", key, NULL);
    return finish(jr, rc);
}

/* ---- 修改手机号码 -------------------------------------------------------- */

int jszg_acct_phone_send(jszg_req *jr, const char *account_id,
                         const char *phone, jszg_fail *e)
{
    json_t *acct;
    int rc, ok;

    if (!(phone = jszg_acct_check_phone(jr, "phone", phone, e)))
        return JSZG_REFUSED;
    if ((rc = jszg_db_row(jr, "acct_get", &acct, 1, account_id))
        != JSZG_DB_OK)
        return rc;
    if (!strcmp(col(acct, "phone"), phone)) {
        field_err(e, "phone", "phone_same", "新手机号码与当前手机号码相同");
        return JSZG_REFUSED;
    }
    if ((rc = sms_limits(jr, phone, e)) != JSZG_DB_OK)
        return rc;
    if ((rc = sms_sent_ok(jr, "phone", phone, JSZG_SMS_PHONE_DAY, &ok))
        != JSZG_DB_OK)
        return rc;
    if (!ok)
        return jszg_refuse(e, HTTP_TOO_MANY_REQUESTS, "sms_daily_limit",
                           "该手机号码今日获取验证码次数已达上限，请明日再试");
    return send_code(jr, account_id, "phone", phone, "修改手机号码");
}

int jszg_acct_phone_change(jszg_req *jr, const char *account_id,
                           const char *phone, const char *code,
                           jszg_fail *e)
{
    const char *code_id = NULL;
    int rc;

    if (!(phone = jszg_acct_check_phone(jr, "phone", phone, e)))
        return JSZG_REFUSED;
    rc = check_code(jr, account_id, "phone", phone, code, &code_id, e);
    if (rc != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    rc = spend_code(jr, code_id, e);
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "acct_set_phone", NULL, 3, phone,
                          now_str(jr), account_id);
    if (rc == JSZG_DB_OK)
        rc = audit(jr, account_id, "account.phone_change", account_id,
                   NULL);
    return finish(jr, rc);
}

int jszg_acct_sms_outbox(jszg_req *jr, json_t **rows)
{
    return jszg_db_rows(jr, "acct_sms_list", rows, 0);
}
