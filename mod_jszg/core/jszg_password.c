/*
 * jszg_password.c - password policy and bcrypt hashing (see the header).
 */
#include "jszg_password.h"

#include <apr_general.h>
#include <apr_lib.h>
#include <apr_md5.h>
#include <apr_strings.h>
#include <string.h>

/* A bcrypt hash of a random string nobody knows: verified against when
 * the account does not exist, to even out the timing. */
#define DUMMY_HASH \
    "$2y$10$Y93HdFdEZZQkW4ftiLKFwunCZ6XXXg2RZoLECu8JOTMYTKikFiqrO"

/* Case-insensitive substring search (ASCII). */
static int contains_ci(const char *hay, const char *needle)
{
    apr_size_t n = strlen(needle), h = strlen(hay), i, j;

    if (n == 0 || n > h)
        return 0;
    for (i = 0; i + n <= h; i++) {
        for (j = 0; j < n; j++)
            if (apr_tolower(hay[i + j]) != apr_tolower(needle[j]))
                break;
        if (j == n)
            return 1;
    }
    return 0;
}

static int count_classes(const char *pw)
{
    int up = 0, low = 0, dig = 0, sym = 0;

    for (; *pw; pw++) {
        if (apr_isupper(*pw))
            up = 1;
        else if (apr_islower(*pw))
            low = 1;
        else if (apr_isdigit(*pw))
            dig = 1;
        else
            sym = 1;
    }
    return up + low + dig + sym;
}

jszg_pw_status jszg_password_check(const char *pw, const char *confirm,
                                   const char *id_number)
{
    apr_size_t len, i;

    if (!pw || !*pw)
        return JSZG_PW_EMPTY;
    len = strlen(pw);
    if (len < JSZG_PW_MIN_LEN)
        return JSZG_PW_TOO_SHORT;
    if (len > JSZG_PW_MAX_LEN)
        return JSZG_PW_TOO_LONG;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)pw[i];
        /* printable ASCII without space: '!' .. '~' */
        if (c < 0x21 || c > 0x7e)
            return JSZG_PW_BAD_CHAR;
    }
    if (count_classes(pw) < JSZG_PW_MIN_CLASSES)
        return JSZG_PW_CLASSES;
    if (id_number && *id_number && contains_ci(pw, id_number))
        return JSZG_PW_CONTAINS_ID;
    if (confirm && strcmp(pw, confirm))
        return JSZG_PW_MISMATCH;
    return JSZG_PW_OK;
}

const char *jszg_password_message(jszg_pw_status st)
{
    switch (st) {
    case JSZG_PW_OK:          return "";
    case JSZG_PW_EMPTY:       return "请输入密码";
    case JSZG_PW_TOO_SHORT:   return "密码长度不能少于8位";
    case JSZG_PW_TOO_LONG:    return "密码长度不能超过32位";
    case JSZG_PW_BAD_CHAR:    return "密码只能由字母、数字和英文符号组成，"
                                     "不能包含空格或中文";
    case JSZG_PW_CLASSES:     return "密码须包含大写字母、小写字母、数字、"
                                     "符号中的至少三类";
    case JSZG_PW_CONTAINS_ID: return "密码不能包含证件号码";
    case JSZG_PW_MISMATCH:    return "两次输入的密码不一致";
    }
    return "密码不符合要求";
}

const char *jszg_password_code(jszg_pw_status st)
{
    switch (st) {
    case JSZG_PW_OK:          return "ok";
    case JSZG_PW_EMPTY:       return "password_empty";
    case JSZG_PW_TOO_SHORT:   return "password_too_short";
    case JSZG_PW_TOO_LONG:    return "password_too_long";
    case JSZG_PW_BAD_CHAR:    return "password_bad_char";
    case JSZG_PW_CLASSES:     return "password_classes";
    case JSZG_PW_CONTAINS_ID: return "password_contains_id";
    case JSZG_PW_MISMATCH:    return "password_mismatch";
    }
    return "password_invalid";
}

apr_status_t jszg_password_hash(apr_pool_t *p, const char *pw, int cost,
                                const char **hash)
{
    unsigned char salt[16];
    char out[64];
    apr_status_t rv;

    *hash = NULL;
    if (cost < JSZG_PW_COST)
        cost = JSZG_PW_COST;
    if ((rv = apr_generate_random_bytes(salt, sizeof(salt))) != APR_SUCCESS)
        return rv;
    rv = apr_bcrypt_encode(pw, (unsigned int)cost, salt, sizeof(salt), out,
                           sizeof(out));
    memset(salt, 0, sizeof(salt));
    if (rv != APR_SUCCESS)
        return rv;
    *hash = apr_pstrdup(p, out);
    return APR_SUCCESS;
}

int jszg_password_verify(const char *pw, const char *hash)
{
    if (!pw)
        pw = "";
    if (!hash || strncmp(hash, "$2", 2)) {
        /* unknown account or a hash we never write: same cost, no match */
        (void)apr_password_validate(pw, DUMMY_HASH);
        return 0;
    }
    return apr_password_validate(pw, hash) == APR_SUCCESS;
}
