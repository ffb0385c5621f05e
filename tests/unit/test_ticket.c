/*
 * Unit tests for jszg_ticket.c: signed tickets and admission cookies
 * (forgery, tampering, strict syntax), the FIFO queue model, the admitted
 * session set and the waiting page fill.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "jszg_ticket.h"

static apr_pool_t *pool;
static unsigned char key[JSZG_TK_KEYLEN], key2[JSZG_TK_KEYLEN];

static int setup(void **state)
{
    static const unsigned char secret[] = "0123456789abcdef0123456789abcdef";
    (void)state;
    jszg_tk_derive(secret, 32, "jszg ticket v1", key);
    jszg_tk_derive(secret, 32, "jszg admission v1", key2);
    return apr_pool_create(&pool, NULL) == APR_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    return 0;
}

static void test_keys_differ_by_label(void **state)
{
    (void)state;
    assert_memory_not_equal(key, key2, JSZG_TK_KEYLEN);
}

static void test_ticket_roundtrip(void **state)
{
    jszg_ticket t = { APR_UINT64_C(0x0123456789abcdef), 42, 1700000000 }, u;
    const char *s = jszg_ticket_encode(pool, key, &t);
    (void)state;

    assert_string_equal(apr_pstrndup(pool, s, 34),
                        "T1.0123456789abcdef.42.1700000000.");
    assert_int_equal(strlen(s), 34 + 22);
    assert_int_equal(jszg_ticket_decode(key, s, &u), JSZG_TK_OK);
    assert_true(u.epoch == t.epoch && u.seq == 42 && u.issued == t.issued);
}

static void test_ticket_forgery_refused(void **state)
{
    jszg_ticket t = { 7, 42, 1700000000 }, u;
    const char *s = jszg_ticket_encode(pool, key, &t);
    char *m = apr_pstrdup(pool, s);
    (void)state;

    /* a lower number with the old signature: the queue jump */
    m[20] = '1';
    assert_int_equal(jszg_ticket_decode(key, m, &u), JSZG_TK_BADMAC);
    /* a flipped signature character */
    m = apr_pstrdup(pool, s);
    m[strlen(m) - 1] = m[strlen(m) - 1] == 'A' ? 'B' : 'A';
    assert_int_equal(jszg_ticket_decode(key, m, &u), JSZG_TK_BADMAC);
    /* signed with another key (an admission cookie's) */
    assert_int_equal(jszg_ticket_decode(key2, s, &u), JSZG_TK_BADMAC);
}

static void test_ticket_syntax_strict(void **state)
{
    static const char *bad[] = {
        "", "T1", "T1.", "garbage", "T2.0000000000000007.42.1.",
        "T1.7.42.1700000000.AAAAAAAAAAAAAAAAAAAAAA",
        "T1.000000000000000G.42.1700000000.AAAAAAAAAAAAAAAAAAAAAA",
        "T1.0000000000000007.042.1700000000.AAAAAAAAAAAAAAAAAAAAAA",
        "T1.0000000000000007.42.1700000000.AAAA",
        NULL };
    jszg_ticket u;
    int i;
    char big[200];
    (void)state;

    for (i = 0; bad[i]; i++)
        assert_int_not_equal(jszg_ticket_decode(key, bad[i], &u),
                             JSZG_TK_OK);
    assert_int_equal(jszg_ticket_decode(key, NULL, &u), JSZG_TK_MALFORMED);
    memset(big, '1', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(jszg_ticket_decode(key, big, &u), JSZG_TK_MALFORMED);
}

/* A correctly signed but non-canonical payload is still refused. */
static void test_ticket_noncanonical_signed(void **state)
{
    jszg_ticket u;
    jszg_admit a = { 1, 1 };
    const char *good = jszg_admit_encode(pool, key, &a);
    (void)state;

    /* an admission cookie is not a ticket even under the same key */
    assert_int_equal(jszg_ticket_decode(key, good, &u), JSZG_TK_MALFORMED);
    /* properly signed, but leading zeros, upper-case hex, ticket 0, junk */
    assert_int_equal(jszg_ticket_decode(key, jszg_tk_sign(pool, key,
                     "T1.0000000000000007.042.1"), &u), JSZG_TK_MALFORMED);
    assert_int_equal(jszg_ticket_decode(key, jszg_tk_sign(pool, key,
                     "T1.000000000000000A.42.1"), &u), JSZG_TK_MALFORMED);
    assert_int_equal(jszg_ticket_decode(key, jszg_tk_sign(pool, key,
                     "T1.0000000000000007.0.1"), &u), JSZG_TK_MALFORMED);
    assert_int_equal(jszg_ticket_decode(key, jszg_tk_sign(pool, key,
                     "T1.0000000000000007.42.1x"), &u), JSZG_TK_MALFORMED);
    assert_int_equal(jszg_ticket_decode(key, jszg_tk_sign(pool, key,
                     "T1.0000000000000007.99999999999999999999.1"), &u),
                     JSZG_TK_MALFORMED);
    assert_int_equal(jszg_ticket_decode(key, jszg_tk_sign(pool, key,
                     "T1.0000000000000007.42.1"), &u), JSZG_TK_OK);
}

static void test_admit_roundtrip_and_forgery(void **state)
{
    jszg_admit a = { APR_UINT64_C(0xfeedfacecafebeef), 1700001800 }, b;
    const char *s = jszg_admit_encode(pool, key2, &a);
    char *m;
    (void)state;

    assert_int_equal(jszg_admit_decode(key2, s, &b), JSZG_TK_OK);
    assert_true(b.id == a.id && b.expires == a.expires);
    /* extend the expiry by hand */
    m = apr_pstrdup(pool, s);
    m[21] = '9';
    assert_int_equal(jszg_admit_decode(key2, m, &b), JSZG_TK_BADMAC);
    assert_int_equal(jszg_admit_decode(key, s, &b), JSZG_TK_BADMAC);
    assert_int_equal(jszg_admit_decode(key2, "A1.x", &b), JSZG_TK_MALFORMED);
}

/* Captcha challenges (issue 13.4): stateless, signed per browser. */
static void test_challenge_roundtrip_and_forgery(void **state)
{
    jszg_challenge c = { 1, APR_INT64_C(1796251944123),
                         APR_UINT64_C(0x0123456789abcdef) }, d;
    const char *s = jszg_challenge_encode(pool, key2, &c);
    char *m;
    (void)state;

    assert_string_equal(apr_pstrndup(pool, s, 36),
                        "K1.1.1796251944123.0123456789abcdef.");
    assert_true(strlen(s) <= JSZG_TK_MAXLEN);
    assert_int_equal(jszg_challenge_decode(key2, s, &d), JSZG_TK_OK);
    assert_true(d.mode == 1 && d.issued_ms == c.issued_ms
                && d.nonce == c.nonce);
    /* a later issue time (to outlive the TTL) or another mode: forged */
    m = apr_pstrdup(pool, s);
    m[5] = '9';
    assert_int_equal(jszg_challenge_decode(key2, m, &d), JSZG_TK_BADMAC);
    m = apr_pstrdup(pool, s);
    m[3] = '0';
    assert_int_equal(jszg_challenge_decode(key2, m, &d), JSZG_TK_BADMAC);
    /* another browser's key */
    assert_int_equal(jszg_challenge_decode(key, s, &d), JSZG_TK_BADMAC);
    assert_int_equal(jszg_challenge_decode(key2, "K1.x", &d),
                     JSZG_TK_MALFORMED);
    assert_int_equal(jszg_challenge_decode(key2, jszg_tk_sign(pool, key2,
                     "K1.10.1.0123456789abcdef"), &d), JSZG_TK_MALFORMED);
    assert_int_equal(jszg_challenge_decode(key2, jszg_tk_sign(pool, key2,
                     "K1.1.01.0123456789abcdef"), &d), JSZG_TK_MALFORMED);
}

/* The timing of jszg_admission.c */
static const jszg_q_timing T = { 60, 10, 3, 2, 15 };

static jszg_queue *new_queue(apr_uint32_t n)
{
    jszg_queue *q = malloc(jszg_queue_size(n));
    jszg_queue_init(q, n);
    return q;
}

static void test_queue_fifo(void **state)
{
    jszg_queue *q = new_queue(64);
    apr_uint64_t a, b, c;
    (void)state;

    assert_int_equal(jszg_queue_issue(q, 100, &a), APR_SUCCESS);
    assert_int_equal(jszg_queue_issue(q, 100, &b), APR_SUCCESS);
    assert_int_equal(jszg_queue_issue(q, 101, &c), APR_SUCCESS);
    assert_true(a == 1 && b == 2 && c == 3);
    assert_int_equal(jszg_queue_waiting(q), 3);
    assert_int_equal(jszg_queue_position(q, c), 3);
    assert_int_equal(jszg_queue_state(q, c), JSZG_Q_WAITING);
    /* calls go strictly in order */
    assert_int_equal(jszg_queue_call(q, 102, &T, 100), 1);
    assert_int_equal(jszg_queue_state(q, a), JSZG_Q_CALLED);
    assert_int_equal(jszg_queue_state(q, b), JSZG_Q_WAITING);
    assert_int_equal(jszg_queue_position(q, b), 1);
    assert_int_equal(jszg_queue_pending(q, 102, &T), 1);
    jszg_queue_consume(q, a);
    assert_int_equal(jszg_queue_state(q, a), JSZG_Q_USED);
    assert_int_equal(jszg_queue_pending(q, 102, &T), 0);
    /* consuming twice counts once */
    jszg_queue_consume(q, a);
    assert_true(q->admitted == 1);
    assert_int_equal(jszg_queue_call(q, 103, &T, 100), 1);
    assert_int_equal(jszg_queue_call(q, 103, &T, 100), 1);
    assert_int_equal(jszg_queue_call(q, 103, &T, 100), 0);
    assert_int_equal(jszg_queue_waiting(q), 0);
    /* never issued */
    assert_int_equal(jszg_queue_state(q, 4), JSZG_Q_UNKNOWN);
    assert_int_equal(jszg_queue_state(q, 0), JSZG_Q_UNKNOWN);
    free(q);
}

static void test_queue_skips_abandoned(void **state)
{
    jszg_queue *q = new_queue(64);
    apr_uint64_t s[5];
    int i;
    (void)state;

    for (i = 0; i < 5; i++)
        jszg_queue_issue(q, 100, &s[i]);
    /* only the 4th keeps asking; the 5th came back once, long ago */
    jszg_queue_touch(q, s[4], 103);
    jszg_queue_touch(q, s[3], 197);
    jszg_queue_touch(q, s[3], 200);
    assert_int_equal(jszg_queue_call(q, 200, &T, 100), 1);
    assert_true(q->called == s[3]);
    assert_true(q->skipped == 3);
    /* a skipped holder who comes back counts as called (it may enter
     * when there is room) rather than losing its place */
    assert_int_equal(jszg_queue_state(q, s[1]), JSZG_Q_CALLED);
    /* pending counts only the one really called */
    assert_int_equal(jszg_queue_pending(q, 200, &T), 1);
    assert_int_equal(jszg_queue_pending(q, 300, &T), 0);
    /* the skip walk is bounded */
    q->called = 0;
    q->skipped = 0;
    assert_int_equal(jszg_queue_call(q, 400, &T, 2), 0);
    assert_true(q->called == 2);
    free(q);
}

/* Never came back: given up after first_back, not abandon. */
static void test_queue_never_back(void **state)
{
    jszg_queue *q = new_queue(64);
    apr_uint64_t a, b;
    (void)state;

    jszg_queue_issue(q, 100, &a);
    jszg_queue_issue(q, 100, &b);
    jszg_queue_touch(q, b, 103);             /* b polls every 3 s */
    jszg_queue_touch(q, b, 106);
    assert_int_equal(q->slots[b].gap, 3);
    assert_int_equal(jszg_queue_call(q, 111, &T, 100), 1);
    assert_true(q->called == b && q->skipped == 1);
    /* within first_back a silent ticket is still called */
    jszg_queue_issue(q, 111, &a);
    assert_int_equal(jszg_queue_call(q, 121, &T, 100), 1);
    free(q);
}

/* A called ticket holds its place until its holder's poll is overdue. */
static void test_queue_hold_adapts(void **state)
{
    jszg_queue *q = new_queue(64);
    apr_uint64_t ghost, live;
    (void)state;

    jszg_queue_issue(q, 100, &ghost);        /* never asks again */
    jszg_queue_issue(q, 100, &live);
    jszg_queue_touch(q, live, 104);
    jszg_queue_touch(q, live, 108);          /* every 4 s */
    /* the ghost is called 8 s after issue: held 1 s, not 15 */
    assert_int_equal(jszg_queue_call(q, 108, &T, 100), 1);
    assert_int_equal(jszg_queue_call(q, 108, &T, 100), 1);
    assert_int_equal(jszg_queue_pending(q, 109, &T), 2);
    assert_int_equal(jszg_queue_pending(q, 110, &T), 1);
    /* the live one: seen at 108, polls every 4 s, 2 s slack */
    assert_int_equal(jszg_queue_pending(q, 114, &T), 1);
    assert_int_equal(jszg_queue_pending(q, 115, &T), 0);
    /* the arithmetic */
    assert_int_equal(jszg_q_hold_until(&T, 100, 100, 0), 105);
    assert_int_equal(jszg_q_hold_until(&T, 100, 90, 0), 101);
    assert_int_equal(jszg_q_hold_until(&T, 100, 100, 60), 115);
    assert_int_equal(jszg_q_gap_update(0, 5), 5);
    assert_int_equal(jszg_q_gap_update(4, 0), 4);
    assert_int_equal(jszg_q_gap_update(4, 8), 5);
    assert_int_equal(jszg_q_gap_update(3, 3), 3);
    free(q);
}

static void test_calls_ring(void **state)
{
    jszg_calls *c = calloc(1, sizeof(*c));
    apr_uint32_t i;
    (void)state;

    jszg_calls_add(c, 7, 105);
    jszg_calls_add(c, 8, 102);
    assert_int_equal(jszg_calls_pending(c, 100), 2);
    assert_int_equal(jszg_calls_pending(c, 103), 1);
    jszg_calls_done(c, 7);
    assert_int_equal(jszg_calls_pending(c, 100), 1);
    /* a ring: the oldest are forgotten */
    for (i = 0; i < JSZG_CALLS + 10; i++)
        jszg_calls_add(c, 100 + i, 200);
    assert_int_equal(jszg_calls_pending(c, 150), JSZG_CALLS);
    free(c);
}

static void test_queue_full_and_ring_reuse(void **state)
{
    jszg_queue *q = new_queue(16);
    apr_uint64_t seq;
    int n = 0;
    (void)state;

    while (jszg_queue_issue(q, 100, &seq) == APR_SUCCESS)
        n++;
    assert_int_equal(n, 11);    /* a quarter is kept for called tickets */
    while (jszg_queue_call(q, 100, &T, 100))
        jszg_queue_consume(q, q->called);
    for (n = 0; n < 11; n++)
        assert_int_equal(jszg_queue_issue(q, 101, &seq), APR_SUCCESS);
    /* ticket 1's slot now holds ticket 17 */
    assert_int_equal(jszg_queue_state(q, 1), JSZG_Q_GONE);
    free(q);
}

static void test_adset(void **state)
{
    jszg_adset *s = malloc(jszg_adset_size(16));
    apr_uint64_t i;
    (void)state;

    jszg_adset_init(s, 16);
    jszg_adset_touch(s, 5, 100);
    jszg_adset_touch(s, 5, 110);
    jszg_adset_touch(s, 6, 100);
    jszg_adset_touch(s, 0, 100);
    assert_int_equal(jszg_adset_count(s, 110, 60), 3);
    assert_int_equal(jszg_adset_count(s, 165, 60), 1);
    /* overflow: never more than the slots */
    for (i = 10; i < 1000; i++)
        jszg_adset_touch(s, i, 200);
    assert_int_equal(jszg_adset_count(s, 200, 60), 16);
    free(s);
}

static void test_tpl(void **state)
{
    static const char *const names[] = { "position", "wait", NULL };
    const apr_int64_t vals[] = { 12, -3 };
    (void)state;

    assert_null(jszg_tpl_check(pool, "<p>{{position}} {{wait}}</p>", names));
    assert_non_null(jszg_tpl_check(pool, "{{ticket}}", names));
    assert_non_null(jszg_tpl_check(pool, "{{position", names));
    assert_non_null(jszg_tpl_check(pool, "{{}}", names));
    assert_string_equal(jszg_tpl_fill(pool, "a{{position}}b{{wait}}{{x}}{",
                                      names, vals), "a12b-3{{x}}{");
    assert_string_equal(jszg_tpl_fill(pool, "", names, vals), "");
    assert_string_equal(jszg_tpl_fill(pool, "{{wait}}{{wait}}{{wait}}",
                                      names, vals), "-3-3-3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_differ_by_label),
        cmocka_unit_test(test_ticket_roundtrip),
        cmocka_unit_test(test_ticket_forgery_refused),
        cmocka_unit_test(test_ticket_syntax_strict),
        cmocka_unit_test(test_ticket_noncanonical_signed),
        cmocka_unit_test(test_admit_roundtrip_and_forgery),
        cmocka_unit_test(test_challenge_roundtrip_and_forgery),
        cmocka_unit_test(test_queue_fifo),
        cmocka_unit_test(test_queue_skips_abandoned),
        cmocka_unit_test(test_queue_full_and_ring_reuse),
        cmocka_unit_test(test_queue_never_back),
        cmocka_unit_test(test_queue_hold_adapts),
        cmocka_unit_test(test_calls_ring),
        cmocka_unit_test(test_adset),
        cmocka_unit_test(test_tpl),
    };

    apr_initialize();
    return cmocka_run_group_tests(tests, setup, teardown);
}
