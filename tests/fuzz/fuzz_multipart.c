/*
 * libFuzzer target: multipart/form-data through jszg_form_parse.
 * Input: "<Content-Type header>\n<body>"; without a '\n' the whole input
 * is the body under a fixed boundary "XyZ".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

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

static void check_field(const jszg_form_field *x,
                        const jszg_form_limits *lim)
{
    if (!*x->name || !jszg_utf8_valid(x->name, strlen(x->name))
        || strlen(x->name) > lim->max_field_len
        || x->value[x->len] != '\0') {
        abort();
    }
    if (x->filename) {
        if (x->len > lim->max_file_len || strchr(x->filename, '/')
            || strchr(x->filename, '\\')
            || !jszg_utf8_valid(x->filename, strlen(x->filename))) {
            abort();
        }
    }
    else if (x->len > lim->max_field_len || strlen(x->value) != x->len
             || !jszg_utf8_valid(x->value, x->len)) {
        abort();
    }
}

static void check_fields(const apr_array_header_t *f,
                         const jszg_form_limits *lim)
{
    int i, files = 0;

    if (!f || f->nelts > lim->max_fields) {
        abort();
    }
    for (i = 0; i < f->nelts; i++) {
        const jszg_form_field *x = &APR_ARRAY_IDX(f, i, jszg_form_field);

        check_field(x, lim);
        files += x->filename != NULL;
    }
    if (files > lim->max_files) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jszg_form_limits lim = { 16384, 8, 256, 1024, 2 };
    const char *nl = memchr(data, '\n', size), *ct, *body;
    apr_array_header_t *f;
    apr_pool_t *p;
    apr_size_t len;
    jszg_form_status st;

    apr_pool_create(&p, root);
    if (nl) {
        ct = apr_pstrmemdup(p, (const char *)data,
                            (apr_size_t)(nl - (const char *)data));
        body = nl + 1;
        len = size - (apr_size_t)(body - (const char *)data);
    }
    else {
        ct = "multipart/form-data; boundary=XyZ";
        body = (const char *)data;
        len = size;
    }
    st = jszg_form_parse(p, ct, body, len, &lim, &f);
    if (st == JSZG_FORM_OK) {
        check_fields(f, &lim);
    }
    else if (f != NULL || jszg_form_status_http(st) < 400) {
        abort();
    }
    apr_pool_destroy(p);
    return 0;
}
