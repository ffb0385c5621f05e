/*
 * Unit tests for jszg_pager.c (page parameter and page layout).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "jszg_pager.h"

static void parse_defaults_to_page_one(void **state)
{
    long p = 99;

    (void)state;
    assert_int_equal(jszg_page_parse(NULL, &p), JSZG_PAGE_OK);
    assert_int_equal(p, 1);
    p = 99;
    assert_int_equal(jszg_page_parse("", &p), JSZG_PAGE_OK);
    assert_int_equal(p, 1);
}

static void parse_accepts_whole_numbers(void **state)
{
    long p;

    (void)state;
    assert_int_equal(jszg_page_parse("1", &p), JSZG_PAGE_OK);
    assert_int_equal(p, 1);
    assert_int_equal(jszg_page_parse("27", &p), JSZG_PAGE_OK);
    assert_int_equal(p, 27);
    assert_int_equal(jszg_page_parse("007", &p), JSZG_PAGE_OK);
    assert_int_equal(p, 7);
}

static void parse_refuses_non_numbers(void **state)
{
    static const char *const bad[] = {
        "0", "00", "-1", "+2", " 3", "3 ", "1.5", "abc", "1e3", "0x10",
        "１", "2'; DROP TABLE news;--", NULL
    };
    const char *const *s;
    long p;

    (void)state;
    for (s = bad; *s; s++)
        assert_int_equal(jszg_page_parse(*s, &p), JSZG_PAGE_BAD);
}

static void parse_clamps_huge_numbers(void **state)
{
    long p;

    (void)state;
    assert_int_equal(jszg_page_parse("99999999999999999999999999999999",
                                     &p), JSZG_PAGE_OK);
    assert_int_equal(p, JSZG_PAGE_MAX);
}

static void init_lays_out_pages(void **state)
{
    jszg_pager pg;

    (void)state;
    assert_int_equal(jszg_pager_init(&pg, 1, 10, 28), JSZG_PAGE_OK);
    assert_int_equal(pg.pages, 3);
    assert_int_equal(pg.offset, 0);
    assert_int_equal(pg.first, 1);
    assert_int_equal(pg.last, 10);
    assert_int_equal(jszg_pager_init(&pg, 3, 10, 28), JSZG_PAGE_OK);
    assert_int_equal(pg.offset, 20);
    assert_int_equal(pg.first, 21);
    assert_int_equal(pg.last, 28);
    assert_int_equal(jszg_pager_init(&pg, 5, 10, 50), JSZG_PAGE_OK);
    assert_int_equal(pg.pages, 5);
    assert_int_equal(pg.last, 50);
}

static void init_refuses_pages_beyond_the_end(void **state)
{
    jszg_pager pg;

    (void)state;
    assert_int_equal(jszg_pager_init(&pg, 4, 10, 28), JSZG_PAGE_BEYOND);
    assert_int_equal(jszg_pager_init(&pg, 6, 10, 50), JSZG_PAGE_BEYOND);
    assert_int_equal(jszg_pager_init(&pg, JSZG_PAGE_MAX, 10, 28),
                     JSZG_PAGE_BEYOND);
    assert_int_equal(jszg_pager_init(&pg, 0, 10, 28), JSZG_PAGE_BAD);
}

static void init_empty_list_has_page_one(void **state)
{
    jszg_pager pg;

    (void)state;
    assert_int_equal(jszg_pager_init(&pg, 1, 10, 0), JSZG_PAGE_OK);
    assert_int_equal(pg.pages, 1);
    assert_int_equal(pg.first, 0);
    assert_int_equal(pg.last, 0);
    assert_int_equal(jszg_pager_init(&pg, 2, 10, 0), JSZG_PAGE_BEYOND);
}

static void init_guards_bad_sizes(void **state)
{
    jszg_pager pg;

    (void)state;
    assert_int_equal(jszg_pager_init(&pg, 1, 0, 5), JSZG_PAGE_OK);
    assert_int_equal(pg.per_page, 1);
    assert_int_equal(pg.pages, 5);
    assert_int_equal(jszg_pager_init(&pg, 1, 10, -3), JSZG_PAGE_OK);
    assert_int_equal(pg.total, 0);
}

static void window_stays_inside_the_range(void **state)
{
    jszg_pager pg;
    long from, to;

    (void)state;
    jszg_pager_init(&pg, 1, 10, 200);           /* 20 pages */
    jszg_pager_window(&pg, 7, &from, &to);
    assert_int_equal(from, 1);
    assert_int_equal(to, 7);
    jszg_pager_init(&pg, 10, 10, 200);
    jszg_pager_window(&pg, 7, &from, &to);
    assert_int_equal(from, 7);
    assert_int_equal(to, 13);
    jszg_pager_init(&pg, 20, 10, 200);
    jszg_pager_window(&pg, 7, &from, &to);
    assert_int_equal(from, 14);
    assert_int_equal(to, 20);
    jszg_pager_init(&pg, 2, 10, 28);            /* fewer pages than width */
    jszg_pager_window(&pg, 7, &from, &to);
    assert_int_equal(from, 1);
    assert_int_equal(to, 3);
    jszg_pager_init(&pg, 1, 10, 0);
    jszg_pager_window(&pg, 7, &from, &to);
    assert_int_equal(from, 1);
    assert_int_equal(to, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_defaults_to_page_one),
        cmocka_unit_test(parse_accepts_whole_numbers),
        cmocka_unit_test(parse_refuses_non_numbers),
        cmocka_unit_test(parse_clamps_huge_numbers),
        cmocka_unit_test(init_lays_out_pages),
        cmocka_unit_test(init_refuses_pages_beyond_the_end),
        cmocka_unit_test(init_empty_list_has_page_one),
        cmocka_unit_test(init_guards_bad_sizes),
        cmocka_unit_test(window_stays_inside_the_range),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
