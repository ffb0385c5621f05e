/*
 * libFuzzer target: the validators of numbers typed by users and read
 * from imports -- ID numbers (GB 11643, jszg_idcard_check), certificate
 * numbers, phone numbers, the 报名号 (jszg_regno_valid), ?page= and the
 * password policy.  Input: any bytes, used as one NUL-terminated string
 * (and split at the first '\n' for password / confirm).  Properties:
 * an accepted ID normalises to 18 characters that are accepted again;
 * an accepted 报名号 carries its own check digit; a valid 17-digit
 * certificate number has a 资格种类 1..7; the mask never overflows;
 * the text rule of every form field (jszg_text_check) accepts only
 * UTF-8 without NUL.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "jszg_idcard.h"
#include "jszg_regno.h"
#include "jszg_pager.h"
#include "jszg_password.h"
#include "jszg_form.h"

static apr_pool_t *root;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    apr_initialize();
    apr_pool_create(&root, NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *s, *nl;
    char out[19], again[19];
    long page;
    int kind;

    apr_pool_create(&p, root);
    s = apr_pstrmemdup(p, (const char *)data, size);

    /* the text rule of every field: accepted text is UTF-8 without NUL
     * or C0 control other than TAB, LF, CR */
    switch (jszg_text_check((const char *)data, size)) {
    case JSZG_FORM_OK:
        if (!jszg_utf8_valid((const char *)data, size)
            || (size && memchr(data, 0, size)))
            __builtin_trap();
        for (page = 0; page < (long)size; page++)
            if ((data[page] < 0x20 && !strchr("\t\n\r", data[page]))
                || data[page] == 0x7F)
                __builtin_trap();
        break;
    case JSZG_FORM_CONTROL_CHAR:
    case JSZG_FORM_NUL_BYTE:
    case JSZG_FORM_BAD_UTF8:
        break;
    default:
        __builtin_trap();
    }

    if (jszg_idcard_check(s, 20261129L, out) == JSZG_ID_OK) {
        if (strlen(out) != 18
            || jszg_idcard_check(out, 20261129L, again) != JSZG_ID_OK
            || strcmp(out, again) || !jszg_idcard_sex(out))
            __builtin_trap();
    }
    else if (out[0])
        __builtin_trap();
    (void)jszg_idcard_check(s, 0, NULL);
    (void)jszg_idcard_message(jszg_idcard_check(s, 19991231L, NULL));
    (void)jszg_idcard_sex(s);
    if (strlen(jszg_mask_id(p, s)) > strlen(s) + 5)
        __builtin_trap();

    kind = jszg_certno_kind(s);
    if (kind < 0 || kind > 7)
        __builtin_trap();
    if (jszg_certno_valid(s, 2026) && strlen(s) == 17 && kind < 1)
        __builtin_trap();
    (void)jszg_phone_valid(s);

    if (jszg_regno_valid(s)
        && (strlen(s) != JSZG_REGNO_LEN
            || jszg_regno_check_digit(s, JSZG_REGNO_LEN - 1) != s[19]))
        __builtin_trap();
    if (jszg_page_parse(s, &page) == JSZG_PAGE_OK
        && (page < 1 || page > JSZG_PAGE_MAX))
        __builtin_trap();

    nl = strchr(s, '\n');
    if (nl) {
        *nl = '\0';
        (void)jszg_password_check(s, nl + 1, nl + 1);
    }
    (void)jszg_password_check(s, NULL, NULL);
    apr_pool_destroy(p);
    return 0;
}
