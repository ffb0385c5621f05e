/*
 * Unit tests for jszg_tokenbucket.c: bucket arithmetic, rate parsing, the
 * per-client table and client address keys.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <apr_general.h>

#include "jszg_tokenbucket.h"

#define SEC APR_USEC_PER_SEC
#define T0 (APR_INT64_C(1700000000) * SEC)

static const jszg_tb_conf two_per_sec = { 2000, 3 };

static void test_full_then_empty(void **state)
{
    jszg_tb b;
    apr_interval_time_t wait = -1;
    (void)state;

    jszg_tb_init(&b, &two_per_sec, T0);
    assert_true(jszg_tb_take(&b, &two_per_sec, T0, 0, &wait));
    assert_int_equal(wait, 0);
    assert_true(jszg_tb_take(&b, &two_per_sec, T0, 0, NULL));
    assert_true(jszg_tb_take(&b, &two_per_sec, T0, 0, NULL));
    assert_false(jszg_tb_take(&b, &two_per_sec, T0, 0, &wait));
    /* 2 per second: the next token is half a second away */
    assert_int_equal(wait, SEC / 2);
}

static void test_refill_rate_and_cap(void **state)
{
    jszg_tb b;
    int i;
    (void)state;

    jszg_tb_init(&b, &two_per_sec, T0);
    for (i = 0; i < 3; i++)
        assert_true(jszg_tb_take(&b, &two_per_sec, T0, 0, NULL));
    /* 0.4 s: not yet a token; 0.5 s: one */
    assert_false(jszg_tb_ready(&b, &two_per_sec, T0 + SEC * 4 / 10));
    assert_true(jszg_tb_take(&b, &two_per_sec, T0 + SEC / 2, 0, NULL));
    assert_false(jszg_tb_take(&b, &two_per_sec, T0 + SEC / 2, 0, NULL));
    /* a day later: full, never above the burst */
    for (i = 0; i < 3; i++)
        assert_true(jszg_tb_take(&b, &two_per_sec, T0 + 86400 * SEC, 0,
                                 NULL));
    assert_false(jszg_tb_take(&b, &two_per_sec, T0 + 86400 * SEC, 0, NULL));
}

static void test_clock_backwards_and_huge_gap(void **state)
{
    jszg_tb b;
    static const jszg_tb_conf fast = { APR_INT64_C(1000000000), 1000000 };
    (void)state;

    jszg_tb_init(&b, &two_per_sec, T0);
    b.level = 0;
    jszg_tb_refill(&b, &two_per_sec, T0 - 100 * SEC);
    assert_int_equal(b.level, 0);
    assert_true(b.last == T0);
    /* the largest rate and burst over 100 years: no overflow */
    jszg_tb_init(&b, &fast, 0);
    b.level = -1000000 * JSZG_TB_UNIT;
    jszg_tb_refill(&b, &fast, T0 * 2);
    assert_true(b.level == 1000000 * JSZG_TB_UNIT);
}

static void test_force_runs_into_bounded_debt(void **state)
{
    jszg_tb b;
    int i;
    (void)state;

    jszg_tb_init(&b, &two_per_sec, T0);
    for (i = 0; i < 100; i++)
        assert_true(jszg_tb_take(&b, &two_per_sec, T0, 1, NULL));
    assert_true(b.level == -3 * JSZG_TB_UNIT);
    /* the debt is paid back before anything else passes: 2 s for 4 */
    assert_false(jszg_tb_take(&b, &two_per_sec, T0 + SEC, 0, NULL));
    assert_true(jszg_tb_take(&b, &two_per_sec, T0 + 2 * SEC, 0, NULL));
    jszg_tb_refund(&b, &two_per_sec);
    assert_true(b.level == JSZG_TB_UNIT);
}

static void test_parse_rate(void **state)
{
    apr_int64_t m;
    static const char *bad[] = { "", "-1", "0", "0.0", "1.", ".5", "1.2345",
                                 "abc", "10x", "1e3", "10000000", "1000000.001",
                                 " 1", NULL };
    int i;
    (void)state;

    assert_int_equal(jszg_tb_parse_rate("20", &m), 0);
    assert_true(m == 20000);
    assert_int_equal(jszg_tb_parse_rate("0.5", &m), 0);
    assert_true(m == 500);
    assert_int_equal(jszg_tb_parse_rate("2.125", &m), 0);
    assert_true(m == 2125);
    assert_int_equal(jszg_tb_parse_rate("0.001", &m), 0);
    assert_true(m == 1);
    assert_int_equal(jszg_tb_parse_rate("1000000", &m), 0);
    for (i = 0; bad[i]; i++)
        assert_int_equal(jszg_tb_parse_rate(bad[i], &m), -1);
    assert_int_equal(jszg_tb_parse_rate(NULL, &m), -1);
}

static void test_keys(void **state)
{
    unsigned char a[16], b[16];
    (void)state;

    assert_int_equal(jszg_tb_key_from_ip("192.0.2.1", a), 0);
    assert_int_equal(jszg_tb_key_from_ip("::ffff:192.0.2.1", b), 0);
    assert_memory_equal(a, b, 16);
    assert_int_equal(jszg_tb_key_from_ip("192.0.2.2", b), 0);
    assert_memory_not_equal(a, b, 16);
    /* one /64 is one client */
    assert_int_equal(jszg_tb_key_from_ip("2001:db8:0:1::1", a), 0);
    assert_int_equal(jszg_tb_key_from_ip("2001:db8:0:1:ffff::9", b), 0);
    assert_memory_equal(a, b, 16);
    assert_int_equal(jszg_tb_key_from_ip("2001:db8:0:2::1", b), 0);
    assert_memory_not_equal(a, b, 16);
    assert_int_equal(jszg_tb_key_from_ip("not-an-ip", a), -1);
    assert_int_equal(jszg_tb_key_from_ip("1.2.3.4.5", a), -1);
    assert_int_equal(jszg_tb_key_from_ip("", a), -1);
    assert_int_equal(jszg_tb_key_from_ip(NULL, a), -1);
}

static jszg_tb_table *new_table(apr_uint32_t n)
{
    jszg_tb_table *t = malloc(jszg_tb_table_size(n));

    jszg_tb_table_init(t, n, 12345);
    return t;
}

static void test_table_per_client(void **state)
{
    jszg_tb_table *t = new_table(64);
    unsigned char a[16], b[16];
    static const jszg_tb_conf one = { 1000, 1 };
    apr_interval_time_t wait;
    (void)state;

    assert_int_equal(t->nslots, 64);
    jszg_tb_key_from_ip("198.51.100.1", a);
    jszg_tb_key_from_ip("198.51.100.2", b);
    assert_true(jszg_tb_table_take(t, a, &one, T0, 0, NULL));
    assert_false(jszg_tb_table_take(t, a, &one, T0, 0, &wait));
    assert_int_equal(wait, SEC);
    /* another client is not affected */
    assert_true(jszg_tb_table_take(t, b, &one, T0, 0, NULL));
    assert_int_equal(jszg_tb_table_limited(t, &one, T0), 2);
    assert_int_equal(jszg_tb_table_limited(t, &one, T0 + SEC), 0);
    assert_true(jszg_tb_table_take(t, a, &one, T0 + SEC, 0, NULL));
    free(t);
}

static void test_table_eviction_is_lru(void **state)
{
    jszg_tb_table *t = new_table(16);
    static const jszg_tb_conf one = { 1000, 1 };
    unsigned char k[16];
    int i, refused = 0;
    (void)state;

    /* many more clients than slots: it never fails, it evicts */
    for (i = 0; i < 1000; i++) {
        memset(k, 0, sizeof(k));
        memcpy(k, &i, sizeof(i));
        assert_true(jszg_tb_table_take(t, k, &one, T0 + i, 0, NULL));
    }
    assert_true(t->evictions > 0);
    /* the newest keys are still there and still empty */
    for (i = 990; i < 1000; i++) {
        memset(k, 0, sizeof(k));
        memcpy(k, &i, sizeof(i));
        refused += !jszg_tb_table_take(t, k, &one, T0 + 1000, 0, NULL);
    }
    assert_true(refused >= 8);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_then_empty),
        cmocka_unit_test(test_refill_rate_and_cap),
        cmocka_unit_test(test_clock_backwards_and_huge_gap),
        cmocka_unit_test(test_force_runs_into_bounded_debt),
        cmocka_unit_test(test_parse_rate),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_table_per_client),
        cmocka_unit_test(test_table_eviction_is_lru),
    };

    apr_initialize();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
