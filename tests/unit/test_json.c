/*
 * Unit tests for jszg_json.c: json values tied to pools, row getters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "apr_general.h"
#include "jszg_json.h"

static void test_getters(void **state)
{
    json_t *row = json_pack("{s:s, s:s, s:I, s:n, s:b, s:s}", "id", "42",
                            "name", "张伟", "n", (json_int_t)7, "none",
                            "flag", 1, "big", "1796227854");

    (void)state;
    assert_string_equal(jszg_jstr(row, "name"), "张伟");
    assert_null(jszg_jstr(row, "n"));           /* not a string */
    assert_null(jszg_jstr(row, "none"));
    assert_null(jszg_jstr(row, "absent"));
    assert_true(jszg_jint(row, "id") == 42);
    assert_true(jszg_jint(row, "n") == 7);
    assert_true(jszg_jint(row, "big") == 1796227854LL);
    assert_true(jszg_jint(row, "none") == 0);
    assert_true(jszg_jint(row, "flag") == 0);
    assert_true(jszg_jint(row, "absent") == 0);
    assert_true(jszg_jint(row, "name") == 0);
    json_decref(row);
}

static void test_pool_json(void **state)
{
    apr_pool_t *p;
    json_t *j, *keep;

    (void)state;
    apr_pool_create(&p, NULL);
    j = jszg_pool_json(p, json_object());
    keep = json_string("kept");
    json_object_set(j, "k", keep);
    assert_int_equal(keep->refcount, 2);
    apr_pool_destroy(p);            /* the object goes, its member's ref */
    assert_int_equal(keep->refcount, 1);
    json_decref(keep);
    assert_null(jszg_pool_json(NULL, NULL));
}

static void test_rows(void **state)
{
    json_t *rows = json_pack("[{s:s}, {s:s}, {s:I}, {s:n}]", "id", "1",
                             "id", "2", "id", (json_int_t)3, "id");
    size_t i;
    json_t *row;

    (void)state;
    assert_ptr_equal(jszg_jrow_find(rows, "id", "2"),
                     json_array_get(rows, 1));
    assert_null(jszg_jrow_find(rows, "id", "3"));   /* not a string */
    assert_null(jszg_jrow_find(rows, "id", "9"));
    assert_null(jszg_jrow_find(rows, "id", ""));
    assert_null(jszg_jrow_find(rows, "id", NULL));
    assert_null(jszg_jrow_find(NULL, "id", "1"));
    jszg_jrows_select(rows, "id", "2");
    json_array_foreach(rows, i, row)
        assert_true(json_is_boolean(json_object_get(row, "selected"))
                    && json_is_true(json_object_get(row, "selected"))
                       == (i == 1));
    jszg_jrows_select(rows, "id", NULL);        /* a new choice: none */
    json_array_foreach(rows, i, row)
        assert_true(json_is_false(json_object_get(row, "selected")));
    json_decref(rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_getters),
        cmocka_unit_test(test_pool_json),
        cmocka_unit_test(test_rows),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    apr_terminate();
    return rc;
}
