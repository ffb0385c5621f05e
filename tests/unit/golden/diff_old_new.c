/* differential: new compiled renderer vs old DOM renderer */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <libxml/parser.h>
#include "jszg_view.h"

apr_status_t jszg_view_render_string_dom(apr_pool_t *p, const char *tpl,
                                     apr_size_t tpl_len, json_t *data,
                                     const char **html, apr_size_t *len,
                                     const char **errmsg);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static apr_pool_t *root;
static void quiet(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    apr_initialize(); xmlInitParser(); xmlSetGenericErrorFunc(NULL, quiet);
    apr_pool_create(&root, NULL);
    return 0;
}
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    const char *nul = memchr(in, '\0', size);
    size_t tlen = nul ? (size_t)(nul - in) : size;
    json_t *j = NULL;
    const char *h1 = NULL, *e1 = NULL, *h2 = NULL, *e2 = NULL;
    apr_size_t l1 = 0, l2 = 0;
    apr_status_t r1, r2;
    apr_pool_t *p;

    if (nul != NULL) {
        j = json_loadb(nul + 1, size - tlen - 1, JSON_DECODE_ANY, NULL);
    }
    apr_pool_create(&p, root);
    r1 = jszg_view_render_string(p, in, tlen, j, &h1, &l1, &e1);
    r2 = jszg_view_render_string_dom(p, in, tlen, j, &h2, &l2, &e2);
    if (r1 != r2) {
        if (!(e1 && strstr(e1, "too large")) && !(e2 && strstr(e2, "too large"))) {
            fprintf(stderr, "status differs: new %d %s / old %d %s\n", r1, e1 ? e1 : "", r2, e2 ? e2 : "");
            abort();
        }
    }
    else if (r1 == APR_SUCCESS && (l1 != l2 || memcmp(h1, h2, l1))) {
        fprintf(stderr, "NEW:\n%.*s\nOLD:\n%.*s\n", (int)l1, h1, (int)l2, h2);
        abort();
    }
    else if (r1 != APR_SUCCESS && strcmp(e1, e2) && !strstr(e1, "too large")) {
        fprintf(stderr, "errors differ: new %s / old %s\n", e1, e2);
        abort();
    }
    apr_pool_destroy(p);
    json_decref(j);
    return 0;
}
