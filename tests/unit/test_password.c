/*
 * Unit tests for jszg_password.c: the password policy and bcrypt.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "jszg_password.h"

#define ID "11010519491231002X"

static apr_pool_t *pool;

static int setup(void **state)
{
    (void)state;
    apr_initialize();
    return apr_pool_create(&pool, NULL) == APR_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}

static void policy_accepts(void **state)
{
    (void)state;
    assert_int_equal(jszg_password_check("Jszg@2026", NULL, ID), JSZG_PW_OK);
    /* three classes without a symbol, without upper, without digit */
    assert_int_equal(jszg_password_check("Abcdefg1", NULL, ID), JSZG_PW_OK);
    assert_int_equal(jszg_password_check("abcdef1!", NULL, ID), JSZG_PW_OK);
    assert_int_equal(jszg_password_check("Abcdefg!", NULL, ID), JSZG_PW_OK);
    assert_int_equal(jszg_password_check("Abcdefg1", "Abcdefg1", ID),
                     JSZG_PW_OK);
    /* exactly 32 */
    assert_int_equal(jszg_password_check("Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!",
                                         NULL, NULL), JSZG_PW_OK);
}

static void policy_length(void **state)
{
    (void)state;
    assert_int_equal(jszg_password_check(NULL, NULL, ID), JSZG_PW_EMPTY);
    assert_int_equal(jszg_password_check("", NULL, ID), JSZG_PW_EMPTY);
    assert_int_equal(jszg_password_check("Ab1!xyz", NULL, ID),
                     JSZG_PW_TOO_SHORT);
    assert_int_equal(jszg_password_check("Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!x",
                                         NULL, ID), JSZG_PW_TOO_LONG);
}

static void policy_classes(void **state)
{
    (void)state;
    assert_int_equal(jszg_password_check("abcdefgh", NULL, ID),
                     JSZG_PW_CLASSES);
    assert_int_equal(jszg_password_check("abcd1234", NULL, ID),
                     JSZG_PW_CLASSES);
    assert_int_equal(jszg_password_check("ABCD!@#$", NULL, ID),
                     JSZG_PW_CLASSES);
    assert_int_equal(jszg_password_check("12345678", NULL, ID),
                     JSZG_PW_CLASSES);
}

static void policy_chars(void **state)
{
    (void)state;
    assert_int_equal(jszg_password_check("Abc 1234!", NULL, ID),
                     JSZG_PW_BAD_CHAR);
    assert_int_equal(jszg_password_check("Abc1234\xe5\xaf\x86", NULL, ID),
                     JSZG_PW_BAD_CHAR);
    assert_int_equal(jszg_password_check("Abc1234\t", NULL, ID),
                     JSZG_PW_BAD_CHAR);
}

static void policy_contains_id(void **state)
{
    (void)state;
    assert_int_equal(jszg_password_check("A!11010519491231002X", NULL, ID),
                     JSZG_PW_CONTAINS_ID);
    /* case-insensitive: the lower-case x of the ID is still the ID */
    assert_int_equal(jszg_password_check("Pw!11010519491231002x", NULL, ID),
                     JSZG_PW_CONTAINS_ID);
    /* a part of it is fine */
    assert_int_equal(jszg_password_check("Pw!1101051949", NULL, ID),
                     JSZG_PW_OK);
    assert_int_equal(jszg_password_check("Pw!1101051949", NULL, ""),
                     JSZG_PW_OK);
}

static void policy_confirm(void **state)
{
    (void)state;
    assert_int_equal(jszg_password_check("Jszg@2026", "Jszg@2025", ID),
                     JSZG_PW_MISMATCH);
    /* the policy is reported before the mismatch */
    assert_int_equal(jszg_password_check("short", "other", ID),
                     JSZG_PW_TOO_SHORT);
}

static void messages_and_codes(void **state)
{
    int st;

    (void)state;
    for (st = JSZG_PW_EMPTY; st <= JSZG_PW_MISMATCH; st++) {
        assert_true(strlen(jszg_password_message(st)) > 0);
        assert_true(strncmp(jszg_password_code(st), "password_", 9) == 0);
    }
    assert_string_equal(jszg_password_message(JSZG_PW_CONTAINS_ID),
                        "密码不能包含证件号码");
}

static void bcrypt_roundtrip(void **state)
{
    const char *h1 = NULL, *h2 = NULL;

    (void)state;
    assert_int_equal(jszg_password_hash(pool, "Jszg@2026", 4, &h1),
                     APR_SUCCESS);
    /* the cost is raised to at least 10 */
    assert_true(strncmp(h1, "$2y$10$", 7) == 0);
    assert_int_equal(strlen(h1), 60);
    assert_true(jszg_password_verify("Jszg@2026", h1));
    assert_false(jszg_password_verify("Jszg@2027", h1));
    assert_false(jszg_password_verify("", h1));
    /* a fresh salt each time */
    assert_int_equal(jszg_password_hash(pool, "Jszg@2026", 10, &h2),
                     APR_SUCCESS);
    assert_string_not_equal(h1, h2);
    assert_true(jszg_password_verify("Jszg@2026", h2));
}

static void bcrypt_seed_hash_and_unknown(void **state)
{
    (void)state;
    /* the demo accounts' hash (htpasswd -nbBC 10) */
    assert_true(jszg_password_verify("Jszg@2026",
        "$2y$10$BTuNMWWRLbUlGvr5sDbcyeKXv/zv77d59tO8hD6XjEBdgb/X1pkpO"));
    assert_false(jszg_password_verify("Jszg@2026", NULL));
    assert_false(jszg_password_verify("Jszg@2026", "plain"));
    assert_false(jszg_password_verify(NULL, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(policy_accepts),
        cmocka_unit_test(policy_length),
        cmocka_unit_test(policy_classes),
        cmocka_unit_test(policy_chars),
        cmocka_unit_test(policy_contains_id),
        cmocka_unit_test(policy_confirm),
        cmocka_unit_test(messages_and_codes),
        cmocka_unit_test(bcrypt_roundtrip),
        cmocka_unit_test(bcrypt_seed_hash_and_unknown),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
