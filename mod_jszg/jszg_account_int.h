/*
 * jszg_account_int.h -- private to the account services (jszg_account*.c):
 * the small helpers every one of them uses, written once here, and the
 * field checks that more than one service asks (defined in
 * jszg_account.c).  Not for the page files: they use jszg_account.h.
 *
 * The services are split by concern:
 *   jszg_account.c          errors, shared field checks, registration,
 *                           个人信息中心 (profile, 修改密码)
 *   jszg_account_captcha.c  the slider captcha service (issue, image,
 *                           check; jszg_captcha.c draws it)
 *   jszg_account_login.c    login and the login throttle (applicants and
 *                           staff; the counting is jszg_rate.c)
 *   jszg_account_sms.c      SMS codes: 忘记密码, 修改手机号码, the outbox
 *   jszg_account_identity.c 实名核验 and 人工审核 (identity review)
 */
#ifndef JSZG_ACCOUNT_INT_H
#define JSZG_ACCOUNT_INT_H

#include "jszg_account.h"
#include "jszg_rules.h"
#include "jszg_rate.h"
#include "jszg_idcard.h"
#include "jszg_password.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_time.h"

/* ---- errors ------------------------------------------------------------- */

/* A field's error (jszg_fail_field); the first one also becomes the
 * general error, so the API's code is the first field's. */
static inline void field_err(jszg_fail *e, const char *field,
                             const char *code, const char *message)
{
    if (jszg_fail_field_get(e, field))
        return;                 /* one message per field: the first */
    jszg_fail_field(e, field, code, message);
    if (!e->code)
        jszg_fail_set(e, HTTP_BAD_REQUEST, code, message);
}

static inline int has_errors(const jszg_fail *e)
{
    return e->code != NULL;
}

/* ---- time --------------------------------------------------------------- */

static inline apr_int64_t now_s(jszg_req *jr)
{
    return apr_time_sec(jr->now);
}

static inline const char *num(apr_pool_t *p, apr_int64_t n)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, n);
}

static inline const char *now_str(jszg_req *jr)
{
    return num(jr->pool, now_s(jr));
}

/* Start of today in Asia/Shanghai, as epoch seconds. */
static inline apr_int64_t day_start(jszg_req *jr)
{
    return jszg_rules_day_start(jszg_rules_beijing_day(now_s(jr)));
}

static inline const char *fmt_time(apr_pool_t *p, apr_int64_t secs,
                                   int seconds)
{
    char buf[24];

    return apr_pstrdup(p, jszg_rules_beijing_text(secs, seconds
                                                  ? JSZG_FMT_SECOND
                                                  : JSZG_FMT_MINUTE, buf,
                                                  sizeof(buf)));
}

/* ---- small store helpers ------------------------------------------------ */

/* A column's value; NULL for SQL NULL.  The pgsql driver hands NULL
 * back as "" (apr_dbd_get_entry is PQgetvalue), SQLite as NULL: none
 * of our columns has a meaningful empty string, so both mean NULL. */
static inline const char *col(json_t *row, const char *name)
{
    const char *v = jszg_jstr(row, name);

    return v && *v ? v : NULL;
}

static inline apr_int64_t col_int(json_t *row, const char *name)
{
    return col(row, name) ? jszg_jint(row, name) : 0;
}

/* Inside a change's transaction the audit row is part of the change: if
 * it cannot be written, nothing is (jszg_db_commit reports it).  Outside
 * one (a login) it is best effort. */
static inline int audit(jszg_req *jr, const char *actor, const char *action,
                        const char *target, const char *note)
{
    return jszg_audit_write(jr, actor, action, target, note);
}

/* End a change's transaction: commit, or roll back after a failure. */
static inline int finish(jszg_req *jr, int rc)
{
    if (rc != JSZG_DB_OK) {
        if (rc != JSZG_REFUSED)
            jszg_db_rollback(jr);
        return rc;
    }
    return jszg_db_commit(jr);
}

/* ---- text --------------------------------------------------------------- */

static inline const char *trim(apr_pool_t *p, const char *s)
{
    const char *end;

    if (!s)
        return "";
    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    return apr_pstrndup(p, s, end - s);
}

static inline const char *upper(apr_pool_t *p, const char *s)
{
    char *u = apr_pstrdup(p, s), *c;

    for (c = u; *c; c++)
        *c = (char)apr_toupper(*c);
    return u;
}

/* Exactly n digits. */
static inline int all_digits(const char *s, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n; i++)
        if (!apr_isdigit(s[i]))
            return 0;
    return strlen(s) == n;
}

/* ---- field checks shared by the services (jszg_account.c) --------------- */

/* 姓名 (trimmed), or NULL with the field's error in e. */
const char *jszg_acct_check_name(jszg_req *jr, const char *raw,
                                 jszg_fail *e);
/* A mainland mobile number (trimmed), or NULL with field's error. */
const char *jszg_acct_check_phone(jszg_req *jr, const char *field,
                                  const char *raw, jszg_fail *e);
/* The password policy (jszg_password.h); 0 with the error in e. */
int jszg_acct_check_password(const char *field, const char *pw,
                             const char *confirm, const char *id_number,
                             jszg_fail *e);

#endif /* JSZG_ACCOUNT_INT_H */
