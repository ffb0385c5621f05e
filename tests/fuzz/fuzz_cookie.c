/*
 * libFuzzer target: Cookie header lookup.
 * Input: "<name>\n<Cookie header>"; without a '\n' the name is "sid".
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size), *name, *hdr, *v;
    apr_pool_t *p;

    apr_pool_create(&p, root);
    if (nl) {
        name = apr_pstrmemdup(p, (const char *)data,
                              (apr_size_t)(nl - (const char *)data));
        hdr = apr_pstrmemdup(p, nl + 1,
                             size - (apr_size_t)(nl + 1 - (const char *)data));
    }
    else {
        name = "sid";
        hdr = apr_pstrmemdup(p, (const char *)data, size);
    }
    v = jszg_cookie_get(p, hdr, name);
    if (v && (strlen(v) > strlen(hdr) || (*v && !strstr(hdr, v)))) {
        abort();
    }
    apr_pool_destroy(p);
    return 0;
}
