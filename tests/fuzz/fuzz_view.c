/*
 * fuzz_view.c - libFuzzer target for the template engine.
 *
 * Input: "template\0json".  The json is parsed with jansson (an invalid or
 * missing json part renders with no data); jszg_view_render_string parses
 * and checks the template, compiles it into its program and runs it.
 * Must never crash, leak or emit a page that does not start with the
 * doctype; rendering the same program twice must give the same bytes
 * (the attribute builder reuses its scratch arrays).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <libxml/parser.h>

#include "jszg_view.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static apr_pool_t *root;

/* libxml2 prints nothing: errors are captured by the engine. */
static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    apr_initialize();
    xmlInitParser();
    xmlSetGenericErrorFunc(NULL, quiet);
    apr_pool_create(&root, NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    const char *nul = memchr(in, '\0', size);
    size_t tlen = nul ? (size_t)(nul - in) : size;
    json_t *j = NULL;
    const char *html = NULL, *err = NULL, *again = NULL;
    apr_size_t len = 0, len2 = 0;
    apr_pool_t *p;

    if (nul != NULL) {
        j = json_loadb(nul + 1, size - tlen - 1, JSON_DECODE_ANY, NULL);
    }
    apr_pool_create(&p, root);
    if (jszg_view_render_string(p, in, tlen, j, &html, &len, &err)
        == APR_SUCCESS) {
        if (len < 16 || memcmp(html, "<!DOCTYPE html>\n", 16) != 0
            || strlen(html) != len) {
            abort();
        }
        if (jszg_view_render_string(p, in, tlen, j, &again, &len2, &err)
            != APR_SUCCESS || len2 != len || memcmp(html, again, len)) {
            abort();
        }
    }
    else if (err == NULL) {
        abort();                /* every failure must say why */
    }
    apr_pool_destroy(p);
    json_decref(j);
    return 0;
}
