/*
 * jszg_password.h - the account password policy and bcrypt hashing.
 *
 * Pure C over APR/apr-util: no httpd headers, unit-tested on its own.
 *
 * Policy (stated on the register and change-password pages):
 *   8 to 32 printable ASCII characters, at least three of the four
 *   classes upper-case, lower-case, digit, symbol, and not containing
 *   the 证件号码 (compared case-insensitively).  32 keeps us under
 *   bcrypt's 72-byte input limit with room to spare.
 */
#ifndef JSZG_PASSWORD_H
#define JSZG_PASSWORD_H

#include <apr_pools.h>

#define JSZG_PW_MIN_LEN     8
#define JSZG_PW_MAX_LEN     32
#define JSZG_PW_MIN_CLASSES 3
#define JSZG_PW_COST        10      /* bcrypt work factor, >= 10 */

typedef enum {
    JSZG_PW_OK = 0,
    JSZG_PW_EMPTY,
    JSZG_PW_TOO_SHORT,
    JSZG_PW_TOO_LONG,
    JSZG_PW_BAD_CHAR,       /* not printable ASCII (spaces included) */
    JSZG_PW_CLASSES,        /* fewer than three classes */
    JSZG_PW_CONTAINS_ID,    /* holds the ID number */
    JSZG_PW_MISMATCH        /* confirmation differs */
} jszg_pw_status;

/* The policy text shown beside the password field. */
#define JSZG_PW_POLICY_TEXT \
    "密码长度为8至32位，须包含大写字母、小写字母、数字、符号中的至少三类，" \
    "且不能包含证件号码"

/*
 * Check pw against the policy.  id_number may be NULL or "" (no ID
 * check); confirm may be NULL (no confirmation check).  The checks run
 * in the order of the enum, so the first failing rule is reported.
 */
jszg_pw_status jszg_password_check(const char *pw, const char *confirm,
                                   const char *id_number);

/* Simplified Chinese message for the page. */
const char *jszg_password_message(jszg_pw_status st);

/* Stable API code, e.g. "password_too_short". */
const char *jszg_password_code(jszg_pw_status st);

/*
 * bcrypt ($2y$) hash of pw with a 16-byte random salt from
 * apr_generate_random_bytes.  cost below JSZG_PW_COST is raised to it.
 * Returns APR_SUCCESS with *hash allocated from p.
 */
apr_status_t jszg_password_hash(apr_pool_t *p, const char *pw, int cost,
                                const char **hash);

/*
 * 1 if pw matches hash (apr_password_validate), else 0.  NULL hash: a
 * fixed dummy hash is checked instead and 0 returned, so that a login
 * for an unknown account costs the same time as one for a real account.
 */
int jszg_password_verify(const char *pw, const char *hash);

#endif /* JSZG_PASSWORD_H */
