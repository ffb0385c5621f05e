/*
 * Unit tests for jszg_regno.c: the 注册报名号 format and its check digit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "jszg_regno.h"

static void test_make(void **state)
{
    char out[JSZG_REGNO_LEN + 1];

    (void)state;
    assert_int_equal(jszg_regno_make(out, 2026, "110101301", 1), 0);
    assert_int_equal(strlen(out), 20);
    assert_memory_equal(out, "2026110101301000001", 19);
    assert_true(jszg_regno_valid(out));
    assert_int_equal(jszg_regno_make(out, 2026, "110101301", 999999), 0);
    assert_true(jszg_regno_valid(out));
}

static void test_make_refuses(void **state)
{
    char out[JSZG_REGNO_LEN + 1];

    (void)state;
    assert_int_equal(jszg_regno_make(out, 2012, "110101301", 1), -1);
    assert_int_equal(jszg_regno_make(out, 2026, "11010130", 1), -1);
    assert_int_equal(jszg_regno_make(out, 2026, "11010130x", 1), -1);
    assert_int_equal(jszg_regno_make(out, 2026, "110101301", 0), -1);
    assert_int_equal(jszg_regno_make(out, 2026, "110101301", 1000000), -1);
    assert_int_equal(jszg_regno_make(out, 2026, NULL, 1), -1);
    assert_string_equal(out, "");
}

static void test_check_digit_catches_typos(void **state)
{
    char out[JSZG_REGNO_LEN + 1], t[JSZG_REGNO_LEN + 1];
    int i;

    (void)state;
    jszg_regno_make(out, 2026, "420106301", 4711);
    for (i = 0; i < JSZG_REGNO_LEN; i++) {
        strcpy(t, out);
        t[i] = (char)('0' + (t[i] - '0' + 1) % 10);
        assert_false(jszg_regno_valid(t));
    }
    for (i = 0; i < JSZG_REGNO_LEN - 1; i++) {
        char c;
        strcpy(t, out);
        if (t[i] == t[i + 1])
            continue;
        c = t[i]; t[i] = t[i + 1]; t[i + 1] = c;
        if (i + 1 == JSZG_REGNO_LEN - 1 && (t[i] == '0' || t[i] == '9'))
            continue;
        /* Luhn misses only 09 <-> 90 swaps */
        if ((t[i] == '0' && t[i + 1] == '9')
            || (t[i] == '9' && t[i + 1] == '0'))
            continue;
        assert_false(jszg_regno_valid(t));
    }
}

static void test_valid_shape(void **state)
{
    (void)state;
    assert_false(jszg_regno_valid(NULL));
    assert_false(jszg_regno_valid(""));
    assert_false(jszg_regno_valid("2026110101301000001"));
    assert_false(jszg_regno_valid("202611010130100000100"));
    assert_false(jszg_regno_valid("2026110101301ABCDEF0"));
    assert_false(jszg_regno_valid("20261101013010000000"));  /* seq 0 */
    assert_false(jszg_regno_valid("19991101013010000010"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_make),
        cmocka_unit_test(test_make_refuses),
        cmocka_unit_test(test_check_digit_catches_typos),
        cmocka_unit_test(test_valid_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
