/*
 * test_csv.c - the RFC 4180 reader of the back office's imports.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "jszg_csv.h"

static apr_pool_t *pool;

static int setup(void **state)
{
    (void)state;
    apr_pool_create(&pool, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    return 0;
}

static apr_array_header_t *ok(const char *s, const jszg_csv_limits *lim)
{
    apr_array_header_t *recs;
    int line;

    assert_int_equal(jszg_csv_parse(pool, s, strlen(s), lim, &recs, &line),
                     JSZG_CSV_OK);
    assert_non_null(recs);
    return recs;
}

static void bad(const char *s, apr_size_t len, jszg_csv_status want,
                int want_line, const jszg_csv_limits *lim)
{
    apr_array_header_t *recs = (void *)1;
    int line = -1;

    assert_int_equal(jszg_csv_parse(pool, s, len, lim, &recs, &line), want);
    /* refused as a whole: nothing; otherwise the records before it */
    if (want == JSZG_CSV_TOO_LARGE || want == JSZG_CSV_NUL
        || want == JSZG_CSV_BAD_UTF8 || want == JSZG_CSV_EMPTY)
        assert_null(recs);
    else
        assert_non_null(recs);
    assert_int_equal(line, want_line);
}


#define REC(a, i) (&APR_ARRAY_IDX((a), (i), jszg_csv_record))

static void test_simple(void **state)
{
    apr_array_header_t *r = ok("a,b,c\r\n1,2,3\r\n", NULL);

    (void)state;
    assert_int_equal(r->nelts, 2);
    assert_int_equal(REC(r, 0)->nfields, 3);
    assert_string_equal(REC(r, 1)->fields[2], "3");
    assert_int_equal(REC(r, 1)->line, 2);
}

static void test_quotes_and_newlines(void **state)
{
    apr_array_header_t *r = ok("\xEF\xBB\xBFname,note\n"
                               "\"张伟\",\"说\"\"好\"\"，\n第二行\"\n"
                               "x,\n", NULL);

    (void)state;
    assert_int_equal(r->nelts, 3);
    assert_string_equal(REC(r, 0)->fields[0], "name");      /* BOM gone */
    assert_string_equal(REC(r, 1)->fields[1], "说\"好\"，\n第二行");
    assert_int_equal(REC(r, 2)->line, 4);                   /* after 2 */
    assert_int_equal(REC(r, 2)->nfields, 2);
    assert_string_equal(REC(r, 2)->fields[1], "");
}

static void test_line_ends_and_blank_lines(void **state)
{
    apr_array_header_t *r = ok("a\r\rb\n\nc", NULL);

    (void)state;
    assert_int_equal(r->nelts, 3);
    assert_int_equal(REC(r, 1)->line, 3);
    assert_int_equal(REC(r, 2)->line, 5);
    assert_string_equal(REC(r, 2)->fields[0], "c");
}

static void test_empty_fields(void **state)
{
    apr_array_header_t *r = ok(",,\n\"\",x", NULL);

    (void)state;
    assert_int_equal(REC(r, 0)->nfields, 3);
    assert_int_equal(REC(r, 1)->nfields, 2);
    assert_string_equal(REC(r, 1)->fields[0], "");
}

static void test_errors(void **state)
{
    (void)state;
    bad("a,b\nc\"d,e\n", 10, JSZG_CSV_STRAY_QUOTE, 2, NULL);
    bad("a\n\"b\"x\n", 7, JSZG_CSV_AFTER_QUOTE, 2, NULL);
    bad("a\nb\n\"c\nd", 8, JSZG_CSV_UNTERMINATED, 3, NULL);
    bad("a\nb\0c", 5, JSZG_CSV_NUL, 2, NULL);
    bad("a\n\xC4\xE3\n", 4, JSZG_CSV_BAD_UTF8, 0, NULL);   /* GBK 你 */
    bad("\xC0\x80", 2, JSZG_CSV_BAD_UTF8, 0, NULL);        /* overlong */
    bad("\xED\xA0\x80", 3, JSZG_CSV_BAD_UTF8, 0, NULL);    /* surrogate */
    bad("\xE4\xBD", 2, JSZG_CSV_BAD_UTF8, 0, NULL);        /* truncated */
    bad("\n\r\n\n", 4, JSZG_CSV_EMPTY, 0, NULL);
    bad("", 0, JSZG_CSV_EMPTY, 0, NULL);
    bad("\xEF\xBB\xBF", 3, JSZG_CSV_EMPTY, 0, NULL);
}

static void test_limits(void **state)
{
    jszg_csv_limits lim;

    (void)state;
    jszg_csv_limits_default(&lim);
    lim.max_fields = 2;
    bad("a,b\na,b,c\n", 10, JSZG_CSV_TOO_MANY_FIELDS, 2, &lim);
    jszg_csv_limits_default(&lim);
    lim.max_field_len = 3;
    ok("abc,\"d\"\"e\"", &lim);
    bad("abcd", 4, JSZG_CSV_FIELD_TOO_LONG, 1, &lim);
    jszg_csv_limits_default(&lim);
    lim.max_records = 2;
    ok("a\nb\n\n", &lim);
    bad("a\nb\nc", 5, JSZG_CSV_TOO_MANY_RECORDS, 3, &lim);
    jszg_csv_limits_default(&lim);
    lim.max_bytes = 4;
    bad("abcde", 5, JSZG_CSV_TOO_LARGE, 0, &lim);
}

/* A problem in the file keeps the complete records before it (the
 * import still reports their errors). */
static void test_records_before_the_problem(void **state)
{
    apr_array_header_t *recs;
    int line;
    const char *s = "h1,h2\r\n1,2\r\n3,4\r\n5,\"6\r\n7,8\r\n";

    (void)state;
    assert_int_equal(jszg_csv_parse(pool, s, strlen(s), NULL, &recs, &line),
                     JSZG_CSV_UNTERMINATED);
    assert_int_equal(line, 4);
    assert_non_null(recs);
    assert_int_equal(recs->nelts, 3);
    assert_int_equal(REC(recs, 2)->line, 3);
    assert_string_equal(REC(recs, 2)->fields[1], "4");
    s = "a\nb\"c\n";
    assert_int_equal(jszg_csv_parse(pool, s, strlen(s), NULL, &recs, &line),
                     JSZG_CSV_STRAY_QUOTE);
    assert_int_equal(recs->nelts, 1);
}

static void test_messages(void **state)
{
    int st;

    (void)state;
    for (st = JSZG_CSV_OK; st <= JSZG_CSV_EMPTY; st++) {
        assert_non_null(jszg_csv_status_message(st));
        assert_non_null(jszg_csv_status_code(st));
    }
    assert_string_equal(jszg_csv_status_code(JSZG_CSV_BAD_UTF8),
                        "csv_bad_encoding");
}

/* the writer of exports: quoted, quotes doubled, formulas defused, and
 * what it writes reads back the same (less the defusing quote) */
static void test_cell_writer(void **state)
{
    apr_array_header_t *recs;
    jszg_csv_record *r;
    const char *row;
    int line;

    (void)state;
    assert_string_equal(jszg_csv_cell(pool, "张伟"), "\"张伟\"");
    assert_string_equal(jszg_csv_cell(pool, "a\"b,c"), "\"a\"\"b,c\"");
    assert_string_equal(jszg_csv_cell(pool, "=1+2"), "\"'=1+2\"");
    assert_string_equal(jszg_csv_cell(pool, "-3"), "\"'-3\"");
    assert_string_equal(jszg_csv_cell(pool, ""), "\"\"");
    assert_string_equal(jszg_csv_cell(pool, NULL), "");
    row = apr_pstrcat(pool, jszg_csv_cell(pool, "x\r\ny"), ",",
                      jszg_csv_cell(pool, "say \"hi\""), "\r\n", NULL);
    assert_int_equal(jszg_csv_parse(pool, row, strlen(row), NULL, &recs,
                                    &line), JSZG_CSV_OK);
    r = &APR_ARRAY_IDX(recs, 0, jszg_csv_record);
    assert_int_equal(r->nfields, 2);
    assert_string_equal(r->fields[0], "x\r\ny");
    assert_string_equal(r->fields[1], "say \"hi\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_quotes_and_newlines),
        cmocka_unit_test(test_line_ends_and_blank_lines),
        cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_records_before_the_problem),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_cell_writer),
    };

    apr_initialize();
    return cmocka_run_group_tests(tests, setup, teardown);
}
