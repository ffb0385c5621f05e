/*
 * jszg_account_login.c -- login and the login throttle (jszg_account.h):
 * the throttle for applicants (scope "acct") and staff ("admin": the
 * back office's login calls the same functions) -- waits per (login,
 * address), a budget per address, failures per account, no lock on an
 * account -- and the applicant's login itself.  The counting over
 * rate_events is jszg_rate.c's.
 */
#include "jszg_account_int.h"

#define MSG_LOGIN_FAILED    "账号或密码错误，请重新输入"

/* ---- login throttling (applicants and staff; see the header) -------- */

static const char *pair_key(jszg_req *jr, const char *key)
{
    return apr_pstrcat(jr->pool, key, "|", jr->r->useragent_ip, NULL);
}

static const char *kind_of(jszg_req *jr, const char *scope,
                           const char *what)
{
    return apr_pstrcat(jr->pool, scope, ".", what, NULL);
}

/* The wait before the next try of a pair with n failures, the newest at
 * last: 0 while n is within the free tries. */
static apr_int64_t pair_delay(int n)
{
    apr_int64_t d = JSZG_LOGIN_DELAY_BASE;
    int k;

    if (n < JSZG_LOGIN_FREE_FAILS)
        return 0;
    for (k = JSZG_LOGIN_FREE_FAILS; k < n && d < JSZG_LOGIN_DELAY_MAX; k++)
        d *= 2;
    return d < JSZG_LOGIN_DELAY_MAX ? d : JSZG_LOGIN_DELAY_MAX;
}

static int throttled(jszg_req *jr, jszg_fail *e, apr_int64_t wait)
{
    e->retry_after = (int)wait;
    e->locked_until = fmt_time(jr->pool, now_s(jr) + wait, 1);
    return jszg_refuse(e, HTTP_TOO_MANY_REQUESTS, "login_throttled",
                       apr_psprintf(jr->pool, "密码错误次数过多，请于%s后再试"
                                    "（约%d秒），或使用忘记密码功能重置密码",
                                    e->locked_until, (int)wait));
}

int jszg_login_gate(jszg_req *jr, const char *scope, const char *key,
                    int ip_max, jszg_fail *e)
{
    const char *kind = kind_of(jr, scope, "login_fail");
    apr_int64_t since = now_s(jr) - JSZG_LOGIN_FAIL_SPAN, wait, last;
    int rc, n;

    /* reads only: a refused try writes nothing; the pair first */
    if (key && *key) {
        if ((rc = jszg_rate_count(jr, kind, pair_key(jr, key), since, &n))
            != JSZG_DB_OK)
            return rc;
        if (n >= JSZG_LOGIN_FREE_FAILS) {
            rc = jszg_rate_nth(jr, kind, pair_key(jr, key), since, 0,
                               &last);
            if (rc != JSZG_DB_OK && rc != JSZG_DB_NOTFOUND)
                return rc;
            wait = rc == JSZG_DB_OK ? last + pair_delay(n) - now_s(jr) : 0;
            if (wait > 0)
                return throttled(jr, e, wait);
        }
    }
    /* the address's wrong passwords, whatever the account: its people's
     * successful logins (a school's NAT) never use up its budget */
    rc = jszg_rate_count(jr, kind_of(jr, scope, "login_ip"), jr->r->useragent_ip,
                    since, &n);
    if (rc != JSZG_DB_OK)
        return rc;
    if (n >= ip_max) {
        e->retry_after = JSZG_LOGIN_FAIL_SPAN;
        return jszg_refuse(e, HTTP_TOO_MANY_REQUESTS, "too_many_requests",
                           "登录尝试过于频繁，请15分钟后再试");
    }
    return JSZG_DB_OK;
}

int jszg_login_failed(jszg_req *jr, const char *scope, const char *key)
{
    int rc = jszg_rate_add(jr, kind_of(jr, scope, "login_fail"),
                      pair_key(jr, key));

    if (rc == JSZG_DB_OK)
        rc = jszg_rate_add(jr, kind_of(jr, scope, "login_ip"),
                      jr->r->useragent_ip);
    if (rc != JSZG_DB_OK)
        return rc;
    return jszg_rate_add(jr, kind_of(jr, scope, "login_fail_acct"), key);
}

/* Only this address's failures go: an attacker's stay counted. */
int jszg_login_succeeded(jszg_req *jr, const char *scope, const char *key)
{
    return jszg_rate_clear(jr, kind_of(jr, scope, "login_fail"),
                           pair_key(jr, key));
}

/* Every address's waits of the login name and its failures (the
 * captcha count): an administrator's 解除登录限制.  The addresses' own
 * budgets stay. */
int jszg_login_unlock(jszg_req *jr, const char *scope, const char *key)
{
    const char *prefix = pair_key(jr, key);
    int rc;

    prefix = apr_pstrndup(jr->pool, prefix, strlen(key) + 1);  /* "key|" */
    rc = jszg_rate_clear_prefix(jr, kind_of(jr, scope, "login_fail"),
                                prefix);
    if (rc != JSZG_DB_OK)
        return rc;
    return jszg_rate_clear(jr, kind_of(jr, scope, "login_fail_acct"), key);
}

int jszg_login_account_failures(jszg_req *jr, const char *scope,
                                const char *key, int *n)
{
    return jszg_rate_count(jr, kind_of(jr, scope, "login_fail_acct"), key,
                      now_s(jr) - JSZG_LOGIN_FAIL_SPAN, n);
}

static const char *login_key(jszg_req *jr, const char *login)
{
    return upper(jr->pool, trim(jr->pool, login));
}

int jszg_acct_login_gate(jszg_req *jr, const char *login, jszg_fail *e)
{
    const char *key = login_key(jr, login);

    return jszg_login_gate(jr, "acct", strlen(key) <= 32 ? key : NULL,
                           JSZG_LOGIN_IP_MAX, e);
}

int jszg_acct_login(jszg_req *jr, const char *login, const char *password,
                    jszg_login_out *out, jszg_fail *e)
{
    const char *key, *hash = NULL;
    json_t *acct = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    key = login_key(jr, login);
    if (!*key)
        field_err(e, "login", "login_empty", "请输入账号（证件号码）");
    if (!password || !*password)
        field_err(e, "password", "password_empty", "请输入密码");
    if (has_errors(e))
        return JSZG_REFUSED;
    if (strlen(key) > 32)
        return jszg_refuse(e, HTTP_UNAUTHORIZED, "login_failed",
                           MSG_LOGIN_FAILED);

    rc = jszg_db_row(jr, "acct_by_number", &acct, 1, key);
    if (rc != JSZG_DB_OK && rc != JSZG_DB_NOTFOUND)
        return rc;
    if (acct)
        hash = col(acct, "password_hash");
    /* unknown accounts are checked against a dummy hash: same time */
    if (!jszg_password_verify(password, hash)) {
        if ((rc = jszg_login_failed(jr, "acct", key)) != JSZG_DB_OK)
            return rc;
        /* the same words whether the account exists or not */
        return jszg_refuse(e, HTTP_UNAUTHORIZED, "login_failed",
                           MSG_LOGIN_FAILED);
    }
    jszg_login_succeeded(jr, "acct", key);
    rc = jszg_db_exec(jr, "acct_login_ok", NULL, 2, now_str(jr),
                      col(acct, "id"));
    if (rc != JSZG_DB_OK)
        return rc;
    out->account_id = col(acct, "id");
    out->id_number = col(acct, "id_number");
    out->name = col(acct, "name");
    out->prev_login = jszg_acct_time(jr->pool, col(acct, "last_login_at"));
    return JSZG_DB_OK;
}
