/*
 * Unit tests for jszg_rules.c: 资格种类, 学段, and which qualification
 * covers which post (《教师资格条例》第五条).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "jszg_rules.h"

static void test_kind_names(void **state)
{
    int k;

    (void)state;
    assert_string_equal(jszg_rules_kind_name(1), "幼儿园教师资格");
    assert_string_equal(jszg_rules_kind_name(6),
                        "中等职业学校实习指导教师资格");
    assert_null(jszg_rules_kind_name(0));
    assert_null(jszg_rules_kind_name(8));
    for (k = JSZG_KIND_MIN; k <= JSZG_KIND_MAX; k++)
        assert_int_equal(jszg_rules_kind_code(jszg_rules_kind_name(k)), k);
    assert_int_equal(jszg_rules_kind_code("幼儿园"), 0);
    assert_int_equal(jszg_rules_kind_code(NULL), 0);
    for (k = 0; jszg_rules_cert_kinds[k]; k++)
        assert_int_equal(jszg_rules_kind_code(jszg_rules_cert_kinds[k]),
                         k + 1);
    assert_int_equal(k, 6);
}

static void test_stages(void **state)
{
    (void)state;
    assert_true(jszg_rules_is_stage("初级中学"));
    assert_false(jszg_rules_is_stage("初中"));
    assert_false(jszg_rules_is_stage(""));
    assert_false(jszg_rules_is_stage(NULL));
}

static void test_own_level_and_below(void **state)
{
    (void)state;
    /* the case: 幼儿园教师资格 for a 高级中学 post */
    assert_false(jszg_rules_kind_covers(1, "高级中学"));
    assert_true(jszg_rules_kind_covers(1, "幼儿园"));
    assert_true(jszg_rules_kind_covers(2, "小学"));
    assert_true(jszg_rules_kind_covers(2, "幼儿园"));
    assert_false(jszg_rules_kind_covers(2, "初级中学"));
    assert_true(jszg_rules_kind_covers(4, "高级中学"));
    assert_true(jszg_rules_kind_covers(4, "小学"));
    assert_false(jszg_rules_kind_covers(4, "中等职业学校"));
    assert_true(jszg_rules_kind_covers(5, "中等职业学校"));
    assert_true(jszg_rules_kind_covers(5, "初级中学"));
    assert_false(jszg_rules_kind_covers(5, "高级中学"));
    /* 实习指导: only 中等职业学校 */
    assert_true(jszg_rules_kind_covers(6, "中等职业学校"));
    assert_false(jszg_rules_kind_covers(6, "小学"));
    /* 高等学校 and nonsense cover nothing */
    assert_false(jszg_rules_kind_covers(7, "高级中学"));
    assert_false(jszg_rules_kind_covers(0, "小学"));
    assert_false(jszg_rules_kind_covers(3, "大学"));
    assert_false(jszg_rules_kind_covers(3, NULL));
}

static void test_stage_list(void **state)
{
    char buf[128], tiny[8];

    (void)state;
    assert_string_equal(jszg_rules_kind_stages(2, buf, sizeof(buf)),
                        "小学、幼儿园");
    assert_string_equal(jszg_rules_kind_stages(5, buf, sizeof(buf)),
                        "中等职业学校、初级中学、小学、幼儿园");
    assert_string_equal(jszg_rules_kind_stages(7, buf, sizeof(buf)), "");
    /* never past the buffer */
    jszg_rules_kind_stages(5, tiny, sizeof(tiny));
    assert_true(strlen(tiny) < sizeof(tiny));
}

/* ---- h2-applicant ------------------------------------------------------- */

static void test_kind_stage_refusal(void **state)
{
    char buf[256], tiny[16];

    (void)state;
    assert_string_equal(jszg_rules_kind_stage_refusal(1, "高级中学", buf,
                                                      sizeof(buf)),
                        "幼儿园教师资格不能用于高级中学岗位"
                        "（该资格可任教：幼儿园）");
    assert_string_equal(jszg_rules_kind_stage_refusal(3, "高级中学", buf,
                                                      sizeof(buf)),
                        "初级中学教师资格不能用于高级中学岗位"
                        "（该资格可任教：初级中学、小学、幼儿园）");
    assert_null(jszg_rules_kind_stage_refusal(4, "初级中学", buf,
                                              sizeof(buf)));
    assert_null(jszg_rules_kind_stage_refusal(2, "小学", buf, sizeof(buf)));
    assert_null(jszg_rules_kind_stage_refusal(2, "大学", buf, sizeof(buf)));
    assert_non_null(jszg_rules_kind_stage_refusal(7, "小学", buf,
                                                  sizeof(buf)));
    /* too small a buffer: an empty string, never past the end */
    assert_string_equal(jszg_rules_kind_stage_refusal(1, "高级中学", tiny,
                                                      sizeof(tiny)), "");
}

static void test_reapply(void **state)
{
    (void)state;
    assert_false(jszg_rules_may_reapply("注册不合格"));
    assert_true(jszg_rules_may_reapply("暂缓注册"));
    assert_true(jszg_rules_may_reapply("注册合格"));
    assert_true(jszg_rules_may_reapply(NULL));
    assert_non_null(strstr(jszg_rules_reapply_text("注册不合格"),
                           "本注册周期内不能再用该证书"));
    assert_non_null(strstr(jszg_rules_reapply_text("暂缓注册"),
                           "可在本注册周期网报时间内再次申请"));
    assert_null(jszg_rules_reapply_text("注册合格"));
    assert_null(jszg_rules_reapply_text(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_stages),
        cmocka_unit_test(test_own_level_and_below),
        cmocka_unit_test(test_stage_list),
        cmocka_unit_test(test_kind_stage_refusal),
        cmocka_unit_test(test_reapply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
