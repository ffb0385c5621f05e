/*
 * libFuzzer target: queue ticket and admission cookie parsing.
 * Input: any bytes, tried as a ticket and as an admission cookie under a
 * fixed key.  Whatever parses must re-encode to the same text (one value,
 * one spelling), and nothing unsigned may pass.  The input is also signed
 * as a payload, so the strict parser is reached with every shape.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "jszg_ticket.h"

static apr_pool_t *root;
static unsigned char key[JSZG_TK_KEYLEN];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const unsigned char secret[] = "fuzzing secret, 32 bytes at least";
    (void)argc;
    (void)argv;
    apr_initialize();
    apr_pool_create(&root, NULL);
    jszg_tk_derive(secret, sizeof(secret) - 1, "fuzz", key);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *s;
    jszg_ticket t;
    jszg_admit a;
    jszg_challenge c;

    apr_pool_create(&p, root);
    s = apr_pstrmemdup(p, (const char *)data, size);
    if (jszg_ticket_decode(key, s, &t) == JSZG_TK_OK
        && strcmp(jszg_ticket_encode(p, key, &t), s))
        abort();
    if (jszg_admit_decode(key, s, &a) == JSZG_TK_OK
        && strcmp(jszg_admit_encode(p, key, &a), s))
        abort();
    if (jszg_challenge_decode(key, s, &c) == JSZG_TK_OK
        && strcmp(jszg_challenge_encode(p, key, &c), s))
        abort();
    /* the input as a signed payload: the strict parser alone decides,
     * and what it accepts must be canonical */
    {
        const char *signed_in = jszg_tk_sign(p, key, s);
        if (jszg_ticket_decode(key, signed_in, &t) == JSZG_TK_OK
            && strcmp(jszg_ticket_encode(p, key, &t), signed_in))
            abort();
        if (jszg_admit_decode(key, signed_in, &a) == JSZG_TK_OK
            && strcmp(jszg_admit_encode(p, key, &a), signed_in))
            abort();
        if (jszg_challenge_decode(key, signed_in, &c) == JSZG_TK_OK
            && strcmp(jszg_challenge_encode(p, key, &c), signed_in))
            abort();
    }
    /* a valid one, with the input appended, must not verify */
    t.epoch = 1;
    t.seq = 2;
    t.issued = 3;
    s = apr_pstrcat(p, jszg_ticket_encode(p, key, &t),
                    apr_pstrmemdup(p, (const char *)data, size), NULL);
    if (size && memchr(data, '\0', size) == NULL
        && jszg_ticket_decode(key, s, &t) == JSZG_TK_OK)
        abort();
    apr_pool_destroy(p);
    return 0;
}
