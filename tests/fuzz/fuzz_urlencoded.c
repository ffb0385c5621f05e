/*
 * libFuzzer target: application/x-www-form-urlencoded parsing, plus the
 * ID/certificate/phone checks run over every decoded value.
 *   clang -g -fsanitize=fuzzer,address,undefined ... fuzz_urlencoded.c \
 *       jszg_form.c jszg_idcard.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "jszg_form.h"
#include "jszg_idcard.h"

static apr_pool_t *root;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    apr_initialize();
    apr_pool_create(&root, NULL);
    return 0;
}

/* What every successful parse must guarantee. */
static void check_fields(const apr_array_header_t *f,
                         const jszg_form_limits *lim)
{
    int i;

    if (!f || f->nelts > lim->max_fields) {
        abort();
    }
    for (i = 0; i < f->nelts; i++) {
        const jszg_form_field *x = &APR_ARRAY_IDX(f, i, jszg_form_field);

        if (!*x->name || !jszg_utf8_valid(x->name, strlen(x->name))
            || strlen(x->name) > lim->max_field_len
            || x->filename || x->len > lim->max_field_len
            || strlen(x->value) != x->len
            || !jszg_utf8_valid(x->value, x->len)
            || jszg_utf8_chars(x->value, x->len) > x->len
            || jszg_form_find(f, x->name) == NULL) {
            abort();
        }
    }
}

/* Exercise the number checks on a decoded value. */
static void check_numbers(apr_pool_t *p, const char *v)
{
    char out[19];

    if (jszg_idcard_check(v, 20240601L, out) == JSZG_ID_OK
        && (strlen(out) != 18 || jszg_idcard_sex(out) == 0)) {
        abort();
    }
    (void)jszg_certno_valid(v, 2024);
    (void)jszg_certno_kind(v);
    (void)jszg_phone_valid(v);
    if (strlen(jszg_mask_id(p, v)) > 9) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jszg_form_limits lim = { 4096, 16, 64, 0, 0 };
    apr_array_header_t *f;
    apr_pool_t *p;
    jszg_form_status st;
    int i;

    apr_pool_create(&p, root);
    st = jszg_form_parse_urlencoded(p, (const char *)data, size, &lim, &f);
    if (st == JSZG_FORM_OK) {
        check_fields(f, &lim);
        for (i = 0; i < f->nelts; i++) {
            check_numbers(p, APR_ARRAY_IDX(f, i, jszg_form_field).value);
        }
    }
    else if (f != NULL || jszg_form_status_code(st) == NULL) {
        abort();
    }
    /* Same bytes as a query string (NUL-terminated, default limits). */
    (void)jszg_query_get(p, apr_pstrmemdup(p, (const char *)data, size),
                         "a");
    apr_pool_destroy(p);
    return 0;
}
