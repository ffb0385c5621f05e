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


/* ---- field vocabulary and 办理人 (issue 14) ---------------------------- */

static int latin_run(const char *s)
{
    int run = 0;

    for (; *s; s++) {
        if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')
            run++;
        else
            run = 0;
        if (run >= 3)
            return 1;
    }
    return 0;
}

static void test_field_labels_are_chinese(void **state)
{
    const jszg_fieldspec *f, *g;
    int n = 0, i;

    (void)state;
    for (f = jszg_rules_fields; f->key; f++, n++) {
        assert_non_null(f->label);
        assert_false(latin_run(f->label));
        assert_true(strlen(f->label) >= 3);     /* one CJK character */
        /* one entry per group and key */
        for (g = f + 1; g->key; g++)
            assert_false(!strcmp(f->group, g->group)
                         && !strcmp(f->key, g->key));
        /* a REF is shown by name: its via key is in the same group */
        if (f->type == JSZG_FT_REF && f->show == JSZG_FS_SHOW)
            assert_non_null(f->via);
        if (f->via)
            assert_ptr_not_equal(jszg_rules_field(f->group, f->via), NULL);
        for (i = 0; jszg_rules_field_groups[i][0]; i++)
            if (!strcmp(jszg_rules_field_groups[i][0], f->group))
                break;
        assert_non_null(jszg_rules_field_groups[i][0]);
    }
    assert_true(n > 40);
    for (i = 0; jszg_rules_field_groups[i][0]; i++)
        assert_false(latin_run(jszg_rules_field_groups[i][1]));
}

static void test_field_lookup(void **state)
{
    (void)state;
    assert_string_equal(jszg_rules_field_label("person", "hukou"),
                        "户籍所在地");
    assert_string_equal(jszg_rules_field_label("person", "employ_start"),
                        "本单位聘用起始日期");
    assert_string_equal(jszg_rules_field_label("cert", "cert_no"),
                        "证书号码");
    /* subject: the certificate's and the post's are different fields */
    assert_string_equal(jszg_rules_field_label("choice", "subject"),
                        "现任教学科");
    assert_string_equal(jszg_rules_field_label("cert", "subject"),
                        "任教学科（证书）");
    /* any group when the group is not given or does not have it */
    assert_string_equal(jszg_rules_field_label(NULL, "school"),
                        "现任教学校");
    assert_string_equal(jszg_rules_field_label("identity", "school"),
                        "现任教学校");
    assert_null(jszg_rules_field_label("person", "no_such_key"));
    assert_null(jszg_rules_field_label("person", NULL));
    assert_int_equal(jszg_rules_field("cert", "kind")->show,
                     JSZG_FS_INTERNAL);
    assert_string_equal(jszg_rules_field("person", "grad_school")->via,
                        "grad_school_name");
    assert_string_equal(jszg_rules_field_display(
        jszg_rules_field("cert", "source"), "registry"), "全国教师资格信息库");
    assert_string_equal(jszg_rules_field_display(
        jszg_rules_field("cert", "source"), "manual"), "申请人手工录入");
    assert_string_equal(jszg_rules_field_display(
        jszg_rules_field("person", "major"), "数学"), "数学");
    assert_null(jszg_rules_field_display(jszg_rules_field("person",
                                                          "major"), ""));
}

static void test_actor_text(void **state)
{
    char buf[128], tiny[8];

    (void)state;
    assert_string_equal(jszg_rules_actor_text("applicant:1", NULL, "张伟",
                                              buf, sizeof(buf)),
                        "申请人 张伟");
    assert_string_equal(jszg_rules_actor_text("staff:dc-point", "point",
                                              "李明", buf, sizeof(buf)),
                        "确认点 工作人员 李明");
    assert_string_equal(jszg_rules_actor_text("staff:x", "institution",
                                              "王芳", buf, sizeof(buf)),
                        "注册机构 审核员 王芳");
    /* a staff account no longer there: the role unknown, no name */
    assert_string_equal(jszg_rules_actor_text("staff:gone", NULL, NULL, buf,
                                              sizeof(buf)), "工作人员");
    assert_string_equal(jszg_rules_actor_text("system:housekeeping", NULL,
                                              NULL, buf, sizeof(buf)),
                        "系统");
    assert_string_equal(jszg_rules_actor_text(NULL, NULL, NULL, buf,
                                              sizeof(buf)), "其他");
    /* never past the buffer */
    jszg_rules_actor_text("staff:dc-point", "point", "李明", tiny,
                          sizeof(tiny));
    assert_true(strlen(tiny) < sizeof(tiny));
    assert_null(jszg_rules_staff_role_name("root"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_stages),
        cmocka_unit_test(test_own_level_and_below),
        cmocka_unit_test(test_stage_list),
        cmocka_unit_test(test_field_labels_are_chinese),
        cmocka_unit_test(test_field_lookup),
        cmocka_unit_test(test_actor_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
