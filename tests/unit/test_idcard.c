/*
 * Unit tests for jszg_idcard.c (GB 11643 ID numbers, certificate numbers,
 * mobile numbers, masking).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "jszg_idcard.h"

#define TODAY 20240601L

static apr_pool_t *pool;

static int setup(void **state)
{
    (void)state;
    return apr_pool_create(&pool, NULL) == APR_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    return 0;
}

static jszg_id_status check(const char *in)
{
    char out[19];

    return jszg_idcard_check(in, TODAY, out);
}

static void id_valid_examples(void **state)
{
    char out[19];

    (void)state;
    assert_int_equal(jszg_idcard_check("11010519491231002X", TODAY, out),
                     JSZG_ID_OK);
    assert_string_equal(out, "11010519491231002X");
    assert_int_equal(jszg_idcard_check("440524188001010014", TODAY, out),
                     JSZG_ID_OK);
    assert_string_equal(out, "440524188001010014");
}

static void id_lower_x_normalised(void **state)
{
    char out[19];

    (void)state;
    assert_int_equal(jszg_idcard_check("11010519491231002x", TODAY, out),
                     JSZG_ID_OK);
    assert_string_equal(out, "11010519491231002X");
}

static void id_blanks_trimmed(void **state)
{
    char out[19];

    (void)state;
    assert_int_equal(jszg_idcard_check(" 440524188001010014\t", TODAY, out),
                     JSZG_ID_OK);
    assert_string_equal(out, "440524188001010014");
}

static void id_wrong_check(void **state)
{
    char out[19] = "junk";

    (void)state;
    assert_int_equal(jszg_idcard_check("110105194912310021", TODAY, out),
                     JSZG_ID_BAD_CHECK);
    assert_string_equal(out, "");
    assert_int_equal(check("440524188001010015"), JSZG_ID_BAD_CHECK);
    assert_string_equal(jszg_idcard_message(JSZG_ID_BAD_CHECK),
                        "身份证号码校验位不正确，请核对后重新输入");
}

/* Builds a number with a correct check character for region 110105. */
static void make_id(const char *ymd, char id[19])
{
    static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3,
                               7, 9, 10, 5, 8, 4, 2 };
    int i, sum = 0;

    memcpy(id, "110105", 6);
    memcpy(id + 6, ymd, 8);
    memcpy(id + 14, "123", 3);
    for (i = 0; i < 17; i++) {
        sum += (id[i] - '0') * w[i];
    }
    id[17] = "10X98765432"[sum % 11];
    id[18] = '\0';
}

static jszg_id_status check_date(const char *ymd)
{
    char id[19];

    make_id(ymd, id);
    return check(id);
}

static void id_dates(void **state)
{
    (void)state;
    assert_int_equal(check_date("19900230"), JSZG_ID_BAD_DATE);
    assert_int_equal(check_date("20000229"), JSZG_ID_OK);   /* leap */
    assert_int_equal(check_date("19960229"), JSZG_ID_OK);   /* leap */
    assert_int_equal(check_date("19000229"), JSZG_ID_BAD_DATE); /* /100 */
    assert_int_equal(check_date("19990229"), JSZG_ID_BAD_DATE);
    assert_int_equal(check_date("19991301"), JSZG_ID_BAD_DATE);
    assert_int_equal(check_date("19990001"), JSZG_ID_BAD_DATE);
    assert_int_equal(check_date("19990100"), JSZG_ID_BAD_DATE);
    assert_int_equal(check_date("19990431"), JSZG_ID_BAD_DATE);
    assert_int_equal(check_date("17991231"), JSZG_ID_BAD_DATE);
}

static void id_future_date(void **state)
{
    char id[19], out[19];

    (void)state;
    assert_int_equal(check_date("20240601"), JSZG_ID_OK);   /* today */
    assert_int_equal(check_date("20240602"), JSZG_ID_BAD_DATE);
    assert_int_equal(check_date("20300101"), JSZG_ID_BAD_DATE);
    make_id("20300101", id);
    assert_int_equal(jszg_idcard_check(id, 0, out), JSZG_ID_OK);
}

static void id_bad_region(void **state)
{
    (void)state;
    /* the region is checked before the check character */
    assert_int_equal(check("100105194912310020"), JSZG_ID_BAD_REGION);
    assert_int_equal(check("000000000000000000"), JSZG_ID_BAD_REGION);
    assert_int_equal(check("910105194912310020"), JSZG_ID_BAD_REGION);
    assert_int_equal(check("720105194912310020"), JSZG_ID_BAD_REGION);
}

static void id_lengths_and_chars(void **state)
{
    char out[19] = "junk";

    (void)state;
    assert_int_equal(check("11010519491231002"), JSZG_ID_BAD_LENGTH);
    assert_int_equal(check("11010519491231002X1"), JSZG_ID_BAD_LENGTH);
    assert_int_equal(check("110105194912310"), JSZG_ID_BAD_LENGTH);
    assert_int_equal(check("11010519491231002A"), JSZG_ID_BAD_CHAR);
    assert_int_equal(check("1101051949123100X2"), JSZG_ID_BAD_CHAR);
    assert_int_equal(check("11010519491231002\xef"), JSZG_ID_BAD_CHAR);
    assert_int_equal(check("abcdefghijklmnopqr"), JSZG_ID_BAD_CHAR);
    assert_int_equal(check("1101051949 231002X"), JSZG_ID_BAD_CHAR);
    assert_int_equal(jszg_idcard_check("", TODAY, out), JSZG_ID_EMPTY);
    assert_string_equal(out, "");
    assert_int_equal(check("   "), JSZG_ID_EMPTY);
    assert_int_equal(jszg_idcard_check(NULL, TODAY, NULL), JSZG_ID_EMPTY);
    assert_int_equal(jszg_idcard_check("11010519491231002X", TODAY, NULL),
                     JSZG_ID_OK);
}

static void id_messages(void **state)
{
    int st;

    (void)state;
    for (st = JSZG_ID_OK; st <= JSZG_ID_BAD_CHECK; st++) {
        assert_non_null(jszg_idcard_message((jszg_id_status)st));
        assert_non_null(jszg_idcard_code((jszg_id_status)st));
    }
    assert_non_null(jszg_idcard_message((jszg_id_status)99));
    assert_string_equal(jszg_idcard_code(JSZG_ID_BAD_DATE), "id_bad_date");
}

static void id_sex(void **state)
{
    (void)state;
    assert_int_equal(jszg_idcard_sex("11010519491231002X"), 2);
    assert_int_equal(jszg_idcard_sex("440524188001010014"), 1);
    assert_int_equal(jszg_idcard_sex("4405241880010100"), 0);
    assert_int_equal(jszg_idcard_sex(NULL), 0);
}

static void certno(void **state)
{
    (void)state;
    /* 17 digits: 2012 45 001 3 2 000123 */
    assert_true(jszg_certno_valid("20124500132000123", 2024));
    assert_int_equal(jszg_certno_kind("20124500132000123"), 3);
    assert_true(jszg_certno_valid("19964500172000123", 2024));
    assert_int_equal(jszg_certno_kind("19964500172000123"), 7);
    assert_false(jszg_certno_valid("19954500132000123", 2024));
    assert_false(jszg_certno_valid("20254500132000123", 2024));
    assert_false(jszg_certno_valid("20124500182000123", 2024));
    assert_false(jszg_certno_valid("20124500102000123", 2024));
    assert_int_equal(jszg_certno_kind("20124500182000123"), 0);
    /* 15 digits: 98 450102 2 0 00001 */
    assert_true(jszg_certno_valid("984501022000001", 2024));
    assert_int_equal(jszg_certno_kind("984501022000001"), 2);
    assert_true(jszg_certno_valid("054501022000001", 2024));
    assert_false(jszg_certno_valid("954501022000001", 2024));
    assert_false(jszg_certno_valid("304501022000001", 2024));
    /* shapes */
    assert_false(jszg_certno_valid("2012450013200012", 2024));
    assert_false(jszg_certno_valid("201245001320001234", 2024));
    assert_false(jszg_certno_valid("2012450013200012a", 2024));
    assert_false(jszg_certno_valid("", 2024));
    assert_false(jszg_certno_valid(NULL, 2024));
    assert_int_equal(jszg_certno_kind(NULL), 0);
    assert_int_equal(jszg_certno_kind("abc"), 0);
}

static void certno_agrees(void **state)
{
    static const char *const hb[] = { "420000" };
    static const char *const two[] = { "420000", "110000" };

    (void)state;
    /* seed: 2010 11 101 2 1 003456, 张伟 男 小学 北京 */
    assert_int_equal(jszg_certno_agrees("20101110121003456", "2010-07-20",
                                        "110000", 2, 1), JSZG_CERTNO_AGREES);
    assert_int_equal(jszg_certno_agrees("20101110121003456", "2010-07-20",
                                        "110000", 2, 0), JSZG_CERTNO_AGREES);
    assert_int_equal(jszg_certno_agrees("20101110121003456", "2011-07-20",
                                        "110000", 2, 1), JSZG_CERTNO_YEAR);
    assert_int_equal(jszg_certno_agrees("20101110121003456", "2010-07-20",
                                        "420000", 2, 1),
                     JSZG_CERTNO_PROVINCE);
    assert_int_equal(jszg_certno_agrees("20101110121003456", "2010-07-20",
                                        "110000", 3, 1), JSZG_CERTNO_KIND);
    assert_int_equal(jszg_certno_agrees("20101110121003456", "2010-07-20",
                                        "110000", 2, 2), JSZG_CERTNO_SEX);
    /* before 2009: 0 男 1 女; a 2 is no sex at all */
    assert_int_equal(jszg_certno_agrees("20085110430001018", "2008-09-01",
                                        "510000", 3, 1), JSZG_CERTNO_AGREES);
    assert_int_equal(jszg_certno_agrees("20085110431001018", "2008-09-01",
                                        "510000", 3, 2), JSZG_CERTNO_AGREES);
    assert_int_equal(jszg_certno_agrees("20085110432001018", "2008-09-01",
                                        "510000", 3, 0), JSZG_CERTNO_SEX);
    /* from 2009 a 0 is no sex */
    assert_int_equal(jszg_certno_agrees("20101110120003456", "2010-07-20",
                                        "110000", 2, 0), JSZG_CERTNO_SEX);
    /* 15 digits: 03 510107 3 0 00213 */
    assert_int_equal(jszg_certno_agrees("035101073000213", "2003-08-15",
                                        "510000", 3, 1), JSZG_CERTNO_AGREES);
    assert_int_equal(jszg_certno_agrees("035101073000213", "2004-08-15",
                                        "510000", 3, 1), JSZG_CERTNO_YEAR);
    assert_int_equal(jszg_certno_agrees("035101073000213", "2003-08-15",
                                        "420000", 3, 1),
                     JSZG_CERTNO_PROVINCE);
    assert_int_equal(jszg_certno_agrees("035101073000213", "2003-08-15",
                                        "510000", 3, 2), JSZG_CERTNO_SEX);
    assert_int_equal(jszg_certno_agrees("985101073000213", "1998-08-15",
                                        "510000", 3, 1), JSZG_CERTNO_AGREES);
    assert_int_equal(jszg_certno_agrees("abc", "2003-08-15", "510000", 3, 1),
                     JSZG_CERTNO_BAD);
    assert_int_equal(jszg_certno_agrees("035101073000213", "", "510000", 3,
                                        1), JSZG_CERTNO_BAD);
    assert_string_equal(jszg_certno_part_message(JSZG_CERTNO_PROVINCE),
                        "证书号码中的省份代码与省份代码列不一致");

    /* whose province a person is */
    assert_true(jszg_person_in_province("420000", NULL, hb, 1));
    assert_false(jszg_person_in_province("110000", NULL, hb, 1));
    assert_true(jszg_person_in_province("110000", NULL, two, 2));
    assert_true(jszg_person_in_province("110000", "110000", hb, 1));
    assert_false(jszg_person_in_province("420000", "110000", hb, 1));
    assert_false(jszg_person_in_province("110000", NULL, NULL, 0));
    assert_false(jszg_person_in_province("110000", "", NULL, 0));
    assert_false(jszg_person_in_province(NULL, NULL, hb, 1));
}

static void phone(void **state)
{
    (void)state;
    assert_true(jszg_phone_valid("13800138000"));
    assert_true(jszg_phone_valid("19912345678"));
    assert_false(jszg_phone_valid("12800138000"));
    assert_false(jszg_phone_valid("23800138000"));
    assert_false(jszg_phone_valid("1380013800"));
    assert_false(jszg_phone_valid("138001380000"));
    assert_false(jszg_phone_valid("1380013800a"));
    assert_false(jszg_phone_valid("+8613800138"));
    assert_false(jszg_phone_valid(NULL));
}

static void mask(void **state)
{
    (void)state;
    assert_string_equal(jszg_mask_id(pool, "420102198001010060"),
                        "42*****60");
    assert_string_equal(jszg_mask_id(pool, "13800138000"), "13*****00");
    assert_string_equal(jszg_mask_id(pool, "12345"), "12*****45");
    assert_string_equal(jszg_mask_id(pool, "1234"), "*****");
    assert_string_equal(jszg_mask_id(pool, ""), "*****");
    assert_string_equal(jszg_mask_id(pool, NULL), "");
}

/* 公示 lists: region and last four kept, birth date hidden */
static void mask_public(void **state)
{
    (void)state;
    assert_string_equal(jszg_mask_id_public(pool, "110101198503151235"),
                        "110101********1235");
    assert_string_equal(jszg_mask_id_public(pool, "11010519491231002X"),
                        "110105********002X");
    assert_string_equal(jszg_mask_id_public(pool, "110101850315123"),
                        "110101*****5123");
    assert_string_equal(jszg_mask_id_public(pool, "08123456"), "08****56");
    assert_string_equal(jszg_mask_id_public(pool, "12345"), "1***5");
    assert_string_equal(jszg_mask_id_public(pool, "1234"), "****");
    assert_string_equal(jszg_mask_id_public(pool, ""), "****");
    assert_string_equal(jszg_mask_id_public(pool, NULL), "");
}

/* Other 证件: the shape printed on the document (upper-cased already) */
static void other_documents(void **state)
{
    static const struct {
        const char *type, *id;
        int valid;
    } cases[] = {
        /* 港澳居民来往内地通行证: H or M, then 8 or 10 digits */
        { "港澳居民来往内地通行证", "H12345678", 1 },
        { "港澳居民来往内地通行证", "M1234567890", 1 },
        { "港澳居民来往内地通行证", "X12345678", 0 },
        { "港澳居民来往内地通行证", "H123456789", 0 },
        { "港澳居民来往内地通行证", "H1234567", 0 },
        { "港澳居民来往内地通行证", "H", 0 },
        { "港澳居民来往内地通行证", "", 0 },
        /* 台湾居民来往大陆通行证: 8 or 10 digits */
        { "台湾居民来往大陆通行证", "12345678", 1 },
        { "台湾居民来往大陆通行证", "1234567890", 1 },
        { "台湾居民来往大陆通行证", "123456789", 0 },
        { "台湾居民来往大陆通行证", "1234567A", 0 },
        /* 外国人永久居留身份证: 3 letters + 12 digits, or 18 digits from 9 */
        { "外国人永久居留身份证", "USA123456789012", 1 },
        { "外国人永久居留身份证", "911234199001011234", 1 },
        { "外国人永久居留身份证", "US1123456789012", 0 },
        { "外国人永久居留身份证", "811234199001011234", 0 },
        { "外国人永久居留身份证", "91123419900101123X", 0 },
        { "外国人永久居留身份证", "USA12345678901", 0 },
        /* 护照 (and any other type): 5 to 17 letters and digits */
        { "护照", "E1234", 1 },
        { "护照", "G12345678", 1 },
        { "护照", "ABCDEFGH123456789", 1 },
        { "护照", "E123", 0 },
        { "护照", "ABCDEFGH1234567890", 0 },
        { "护照", "E1234-5", 0 },
        { "护照", "E12 345", 0 },
        { "护照", "", 0 },
    };
    apr_size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (jszg_idcard_other_valid(cases[i].type, cases[i].id)
            != cases[i].valid)
            fail_msg("%s %s: expected %d", cases[i].type, cases[i].id,
                     cases[i].valid);
    }
}

/* 姓名: 1..30 characters; ASCII only letters, space, '.', '-' */
static void person_names(void **state)
{
    static const struct {
        const char *name;
        int valid;
    } cases[] = {
        { "张三", 1 },
        { "王", 1 },
        { "阿依古丽·买买提", 1 },
        { "John Smith-Jones", 1 },
        { "J. R. Tolkien", 1 },
        { "\xf0\xa0\x80\x80\xe5\xbc\xa0", 1 },    /* U+20000 张 */
        { "", 0 },
        { "张三1", 0 },
        { "<b>张三</b>", 0 },
        { "张_三", 0 },
        { "Zhang\tSan", 0 },
        { "\xe5\xbc", 0 },                            /* cut UTF-8 */
        { "\xff\xfe", 0 },
    };
    char name[31 * 3 + 1];
    apr_size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (jszg_person_name_valid(cases[i].name) != cases[i].valid)
            fail_msg("name %zu: expected %d", i, cases[i].valid);
    }
    /* thirty characters pass, thirty-one do not */
    for (i = 0; i < 31; i++)
        memcpy(name + 3 * i, "张", 3);
    name[90] = 0;
    assert_true(jszg_person_name_valid(name));
    name[90] = name[0];
    name[93] = 0;
    assert_false(jszg_person_name_valid(name));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(id_valid_examples),
        cmocka_unit_test(id_lower_x_normalised),
        cmocka_unit_test(id_blanks_trimmed),
        cmocka_unit_test(id_wrong_check),
        cmocka_unit_test(id_dates),
        cmocka_unit_test(id_future_date),
        cmocka_unit_test(id_bad_region),
        cmocka_unit_test(id_lengths_and_chars),
        cmocka_unit_test(id_messages),
        cmocka_unit_test(id_sex),
        cmocka_unit_test(certno),
        cmocka_unit_test(certno_agrees),
        cmocka_unit_test(phone),
        cmocka_unit_test(mask),
        cmocka_unit_test(mask_public),
        cmocka_unit_test(other_documents),
        cmocka_unit_test(person_names),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests(tests, setup, teardown);
    apr_terminate();
    return rc;
}
