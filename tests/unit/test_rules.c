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


/* ---- the Beijing calendar, windows, the status machine ------------------ */

static void test_beijing_calendar(void **state)
{
    jszg_bjtime t;
    char buf[32];
    long long secs;
    long day;

    (void)state;
    /* 2026-12-03 03:43:04 UTC is 11:43:04 in Beijing */
    jszg_rules_beijing(1796269384LL, &t);
    assert_int_equal(t.year, 2026);
    assert_int_equal(t.month, 12);
    assert_int_equal(t.day, 3);
    assert_int_equal(t.hour, 11);
    assert_int_equal(t.min, 43);
    assert_int_equal(t.sec, 4);
    assert_int_equal(jszg_rules_beijing_secs(&t), 1796269384LL);
    assert_string_equal(jszg_rules_beijing_text(1796269384LL,
                        JSZG_FMT_SECOND, buf, sizeof(buf)),
                        "2026-12-03 11:43:04");
    assert_string_equal(jszg_rules_beijing_text(1796269384LL,
                        JSZG_FMT_MINUTE, buf, sizeof(buf)),
                        "2026-12-03 11:43");
    assert_string_equal(jszg_rules_beijing_text(1796269384LL,
                        JSZG_FMT_ISO, buf, sizeof(buf)),
                        "2026-12-03T11:43:04+08:00");
    assert_string_equal(jszg_rules_beijing_text(1796269384LL,
                        JSZG_FMT_DATE, buf, sizeof(buf)), "2026-12-03");
    /* 16:00 UTC is already the next day in Beijing */
    assert_string_equal(jszg_rules_beijing_text(1796313600LL,
                        JSZG_FMT_DATE, buf, sizeof(buf)), "2026-12-04");
    assert_string_equal(jszg_rules_beijing_text(0, JSZG_FMT_SECOND, buf,
                        sizeof(buf)), "1970-01-01 08:00:00");
    /* before 1970 and a leap day */
    assert_string_equal(jszg_rules_beijing_text(-86400LL, JSZG_FMT_SECOND,
                        buf, sizeof(buf)), "1969-12-31 08:00:00");
    assert_int_equal(jszg_rules_parse_date("2024-02-29", 1900, 2100, &t), 0);
    secs = jszg_rules_beijing_secs(&t);
    assert_string_equal(jszg_rules_beijing_text(secs, JSZG_FMT_SECOND, buf,
                        sizeof(buf)), "2024-02-29 00:00:00");
    /* days: the day number and its start agree */
    day = jszg_rules_beijing_day(1796269384LL);
    assert_true(jszg_rules_day_start(day) <= 1796269384LL);
    assert_true(jszg_rules_day_start(day + 1) > 1796269384LL);
    assert_string_equal(jszg_rules_beijing_text(jszg_rules_day_start(day),
                        JSZG_FMT_SECOND, buf, sizeof(buf)),
                        "2026-12-03 00:00:00");
    assert_int_equal(jszg_rules_ymd(&t), 20240229);
}

static void test_date_parsing(void **state)
{
    jszg_bjtime t;

    (void)state;
    assert_int_equal(jszg_rules_parse_date("2026-12-03", 1900, 2100, &t), 0);
    assert_int_equal(t.year * 10000 + t.month * 100 + t.day, 20261203);
    assert_int_equal(jszg_rules_parse_date("2025-02-29", 1900, 2100, NULL),
                     -1);
    assert_int_equal(jszg_rules_parse_date("1900-02-29", 1900, 2100, NULL),
                     -1);
    assert_int_equal(jszg_rules_parse_date("2000-02-29", 1900, 2100, NULL),
                     0);
    assert_int_equal(jszg_rules_parse_date("2026-04-31", 1900, 2100, NULL),
                     -1);
    assert_int_equal(jszg_rules_parse_date("2026-13-01", 1900, 2100, NULL),
                     -1);
    assert_int_equal(jszg_rules_parse_date("2026-1-01", 1900, 2100, NULL),
                     -1);
    assert_int_equal(jszg_rules_parse_date("2026/12/03", 1900, 2100, NULL),
                     -1);
    assert_int_equal(jszg_rules_parse_date("2026-12-0x", 1900, 2100, NULL),
                     -1);
    assert_int_equal(jszg_rules_parse_date("1949-10-01", 1950, 2100, NULL),
                     -1);
    assert_int_equal(jszg_rules_parse_date(NULL, 1950, 2100, NULL), -1);
    assert_int_equal(jszg_rules_parse_date("2026-12-03 ", 1900, 2100, NULL),
                     -1);
    assert_int_equal(jszg_rules_parse_datetime("2026-11-01T09:00", 2013,
                                               2100, &t), 0);
    assert_int_equal(t.hour, 9);
    assert_int_equal(t.sec, 0);
    assert_int_equal(jszg_rules_parse_datetime("2026-11-01 09:00:59", 2013,
                                               2100, &t), 0);
    assert_int_equal(t.sec, 59);
    assert_int_equal(jszg_rules_parse_datetime("2026-11-01 24:00", 2013,
                                               2100, NULL), -1);
    assert_int_equal(jszg_rules_parse_datetime("2026-11-01 09:60", 2013,
                                               2100, NULL), -1);
    assert_int_equal(jszg_rules_parse_datetime("2026-11-01X09:00", 2013,
                                               2100, NULL), -1);
    assert_int_equal(jszg_rules_parse_datetime("2026-02-30 09:00", 2013,
                                               2100, NULL), -1);
    assert_int_equal(jszg_rules_parse_datetime("2012-11-01 09:00", 2013,
                                               2100, NULL), -1);
    assert_int_equal(jszg_rules_parse_datetime("2026-11-01 09:00:5", 2013,
                                               2100, NULL), -1);
    /* what the API gives back reads back; other offsets do not */
    assert_int_equal(jszg_rules_parse_datetime("2026-11-01T09:00:07+08:00",
                                               2013, 2100, &t), 0);
    assert_int_equal(t.hour, 9);
    assert_int_equal(t.sec, 7);
    assert_int_equal(jszg_rules_parse_datetime("2026-11-01T09:00+08:00",
                                               2013, 2100, NULL), 0);
    assert_int_equal(jszg_rules_parse_datetime("2026-11-01 09:00:07+08:00",
                                               2013, 2100, NULL), -1);
    assert_int_equal(jszg_rules_parse_datetime("2026-11-01T09:00:07+09:00",
                                               2013, 2100, NULL), -1);
    assert_int_equal(jszg_rules_parse_datetime("2026-11-01T09:00:07Z",
                                               2013, 2100, NULL), -1);
}

static void test_window_state(void **state)
{
    const char *s = "2026-11-01 09:00:00", *e = "2026-12-01 17:00:00";

    (void)state;
    assert_int_equal(jszg_rules_window_state("2026-10-31 23:59:59", 2026, s,
                                             e, 2026), JSZG_WIN_NOT_OPEN);
    assert_int_equal(jszg_rules_window_state("2026-11-01 09:00:00", 2026, s,
                                             e, 2026), JSZG_WIN_OPEN);
    assert_int_equal(jszg_rules_window_state("2026-12-01 16:59:59", 2026, s,
                                             e, 2026), JSZG_WIN_OPEN);
    assert_int_equal(jszg_rules_window_state("2026-12-01 17:00:00", 2026, s,
                                             e, 2026), JSZG_WIN_CLOSED);
    /* last year's plan, over: no plan for this year */
    assert_int_equal(jszg_rules_window_state("2027-01-05 10:00:00", 2027, s,
                                             e, 2026), JSZG_WIN_NONE);
    assert_int_equal(jszg_rules_window_state(NULL, 2027, s, e, 2026),
                     JSZG_WIN_NONE);
    assert_string_equal(jszg_rules_window_state_name(JSZG_WIN_NOT_OPEN),
                        "not_open");
    assert_string_equal(jszg_rules_window_state_name(JSZG_WIN_NONE), "none");
    /* a period */
    assert_int_equal(jszg_rules_period("2026-12-03 10:00:00",
                     "2026-12-10 09:00:00", "2026-12-20 17:00:00"), -1);
    assert_int_equal(jszg_rules_period("2026-12-10 09:00:00",
                     "2026-12-10 09:00:00", "2026-12-20 17:00:00"), 0);
    assert_int_equal(jszg_rules_period("2026-12-20 17:00:00",
                     "2026-12-10 09:00:00", "2026-12-20 17:00:00"), 1);
    assert_int_equal(jszg_rules_period("2026-12-20 17:00:00", NULL, ""), 0);
}

static void test_status_machine(void **state)
{
    int i;

    (void)state;
    for (i = 0; jszg_rules_statuses[i]; i++)
        assert_true(jszg_rules_is_status(jszg_rules_statuses[i]));
    assert_int_equal(i, 6);
    assert_false(jszg_rules_is_status("草稿"));
    assert_false(jszg_rules_is_status(NULL));
    assert_true(jszg_rules_is_conclusion(JSZG_ST_DEFER));
    assert_false(jszg_rules_is_conclusion(JSZG_ST_CONFIRMED));
    assert_true(jszg_rules_transition_ok(JSZG_ST_PENDING, JSZG_ST_CONFIRMED));
    assert_true(jszg_rules_transition_ok(JSZG_ST_REJECTED, JSZG_ST_PENDING));
    assert_true(jszg_rules_transition_ok(JSZG_ST_CONFIRMED, JSZG_ST_FAIL));
    assert_true(jszg_rules_transition_ok(JSZG_ST_PASS, JSZG_ST_CONFIRMED));
    assert_false(jszg_rules_transition_ok(JSZG_ST_PENDING, JSZG_ST_PASS));
    assert_true(jszg_rules_transition_ok(JSZG_ST_PASS, JSZG_ST_FAIL));
    assert_false(jszg_rules_transition_ok(JSZG_ST_PASS, JSZG_ST_PASS));
    assert_false(jszg_rules_transition_ok(JSZG_ST_PASS, JSZG_ST_PENDING));
    assert_false(jszg_rules_transition_ok(JSZG_ST_REJECTED,
                                          JSZG_ST_CONFIRMED));
    assert_false(jszg_rules_transition_ok(NULL, JSZG_ST_PASS));
}


/* One field specification (issue 14): the wizard's step 2 and 修改 take
 * their fields, labels, dropdowns and checks from the vocabulary
 * (jszg_wizard_person.c iterates the person group's typed fields). */
static void test_wizard_person_fields(void **state)
{
    /* the manual's step 2, in the vocabulary's order (通讯地址 last) */
    static const char *const keys[] = {
        "mandarin", "education", "edu_category", "major", "degree",
        "grad_date", "grad_school", "study_form", "school", "school_area",
        "school_type", "title", "work_start", "hukou", "employ_start",
        "politics", "post_type", "postcode", "address", NULL
    };
    const jszg_fieldspec *f;
    int i = 0;

    (void)state;
    for (f = jszg_rules_fields; f->key; f++) {
        if (!jszg_rules_field_typed(f, "person"))
            continue;
        assert_non_null(keys[i]);
        assert_string_equal(f->key, keys[i]);
        assert_true(strlen(f->label) >= 6); /* two or more characters */
        assert_true(f->required);
        assert_int_equal(f->show, JSZG_FS_SHOW);
        i++;
    }
    assert_null(keys[i]);
    /* every person field shown is typed; the one kept beside them is the
     * school's name, shown through grad_school's via */
    for (f = jszg_rules_fields; f->key; f++)
        if (!strcmp(f->group, "person") && !jszg_rules_field_typed(f, NULL))
            assert_string_equal(f->key,
                                jszg_rules_field("person", "grad_school")
                                ->via);
    /* only the person group is typed on step 2 */
    for (f = jszg_rules_fields; f->key; f++)
        if (strcmp(f->group, "person"))
            assert_false(jszg_rules_field_typed(f, NULL));
    assert_int_equal(jszg_rules_field("person", "major")->maxlen, 30);
    assert_int_equal(jszg_rules_field("person", "school")->maxlen, 60);
    assert_int_equal(jszg_rules_field("person", "hukou")->maxlen, 60);
    assert_int_equal(jszg_rules_field("person", "address")->maxlen, 100);
    assert_string_equal(jszg_rules_field_label("person", "employ_start"),
                        "本单位聘用起始日期");
}

/* Every field has a label and a type; a check fits its type: every
 * dropdown has its options, every text its length. */
static void test_field_types_and_checks(void **state)
{
    const jszg_fieldspec *f;
    const char *const *o, *const *p;
    int n;

    (void)state;
    for (f = jszg_rules_fields; f->key; f++) {
        assert_non_null(f->label);
        assert_true(f->type >= JSZG_FT_TEXT && f->type <= JSZG_FT_SOURCE);
        assert_true(f->check >= JSZG_FC_NONE && f->check <= JSZG_FC_SCHOOL);
        switch (f->check) {
        case JSZG_FC_OPTION:
            assert_int_equal(f->type, JSZG_FT_LIST);
            assert_non_null(f->options);
            for (n = 0, o = f->options; *o; o++, n++) {
                assert_true(strlen(*o) >= 3);   /* Chinese words */
                for (p = o + 1; *p; p++)
                    assert_string_not_equal(*o, *p);
            }
            assert_true(n >= 2);
            break;
        case JSZG_FC_TEXT:
            assert_int_equal(f->type, JSZG_FT_TEXT);
            assert_true(f->maxlen > 0);
            break;
        case JSZG_FC_DATE:
            assert_int_equal(f->type, JSZG_FT_DATE);
            break;
        case JSZG_FC_POSTCODE:
            assert_int_equal(f->type, JSZG_FT_CODE);
            break;
        case JSZG_FC_SCHOOL:
            assert_int_equal(f->type, JSZG_FT_REF);
            assert_non_null(f->via);
            break;
        default:
            assert_null(f->options);
            assert_int_equal(f->maxlen, 0);
            assert_false(f->required);
        }
        /* every dropdown the applicant types has its options */
        if (f->type == JSZG_FT_LIST && jszg_rules_field_typed(f, NULL))
            assert_int_equal(f->check, JSZG_FC_OPTION);
    }
    /* domain.md's lists, by a value each */
    f = jszg_rules_field("person", "education");
    for (o = f->options; *o && strcmp(*o, "高中毕业及以下"); o++)
        ;
    assert_non_null(*o);
    assert_string_equal(jszg_rules_field("person", "mandarin")->options[0],
                        "一级甲等");
    assert_false(jszg_rules_field_typed(NULL, "person"));
}

static void test_audit_action_names(void **state)
{
    char buf[128];

    (void)state;
    assert_string_equal(jszg_rules_audit_action("login", buf, sizeof(buf)),
                        "登录后台");
    assert_string_equal(jszg_rules_audit_action("application.暂缓注册", buf,
                                                sizeof(buf)),
                        "作出结论：暂缓注册");
    assert_string_equal(jszg_rules_audit_action("application.待注册审批",
                                                buf, sizeof(buf)),
                        "办理：转为待注册审批");
    assert_string_equal(jszg_rules_audit_action("application.withdraw", buf,
                                                sizeof(buf)),
                        "撤销注册结论");
    assert_string_equal(jszg_rules_audit_action("import.certs", buf,
                                                sizeof(buf)),
                        "数据导入（certs）");
    assert_null(jszg_rules_audit_action("application.草稿", buf,
                                        sizeof(buf)));
    assert_string_equal(jszg_rules_audit_action("staff.create", buf,
                                                sizeof(buf)),
                        "新增工作人员账号");
    assert_string_equal(jszg_rules_audit_action("point.deactivate", buf,
                                                sizeof(buf)),
                        "停用确认点");
    assert_null(jszg_rules_audit_action("staff.fly", buf, sizeof(buf)));
    assert_null(jszg_rules_audit_action(NULL, buf, sizeof(buf)));
}

/* 第八、九、十条 of the 暂行办法 as the rules core states them. */
static void test_cycle_judge(void **state)
{
    jszg_cycle_facts f;
    jszg_cycle_verdict v;
    int i;

    (void)state;
    assert_int_equal(jszg_rules_grade("优秀"), JSZG_GRADE_OK);
    assert_int_equal(jszg_rules_grade("合格"), JSZG_GRADE_OK);
    assert_int_equal(jszg_rules_grade("基本合格"), JSZG_GRADE_BASIC);
    assert_int_equal(jszg_rules_grade("不合格"), JSZG_GRADE_BAD);
    assert_int_equal(jszg_rules_grade(NULL), JSZG_GRADE_NONE);
    assert_int_equal(jszg_rules_grade(""), JSZG_GRADE_NONE);

    /* all good: 注册合格, nothing flagged */
    memset(&f, 0, sizeof(f));
    for (i = 0; i < JSZG_RULE_YEARS; i++)
        f.grade[i] = JSZG_GRADE_OK;
    f.hours = JSZG_RULE_HOURS;
    f.ethics_records = 1;
    jszg_rules_cycle_judge(&f, &v);
    assert_string_equal(v.suggestion, JSZG_ST_PASS);
    assert_int_equal(v.missing, 0);
    assert_int_equal(v.basic, 0);
    assert_false(v.no_ethics);

    /* one hour short: 暂缓注册 */
    f.hours = JSZG_RULE_HOURS - 1;
    jszg_rules_cycle_judge(&f, &v);
    assert_string_equal(v.suggestion, JSZG_ST_DEFER);
    assert_true(v.hours_short);
    f.hours = JSZG_RULE_HOURS;

    /* one 不合格 year: 暂缓注册; two apart: still 暂缓 */
    f.grade[1] = JSZG_GRADE_BAD;
    jszg_rules_cycle_judge(&f, &v);
    assert_string_equal(v.suggestion, JSZG_ST_DEFER);
    assert_true(v.any_bad);
    assert_false(v.two_bad);
    f.grade[3] = JSZG_GRADE_BAD;
    jszg_rules_cycle_judge(&f, &v);
    assert_string_equal(v.suggestion, JSZG_ST_DEFER);
    /* two running: 注册不合格 */
    f.grade[2] = JSZG_GRADE_BAD;
    jszg_rules_cycle_judge(&f, &v);
    assert_string_equal(v.suggestion, JSZG_ST_FAIL);
    assert_true(v.two_bad);

    /* 师德 不合格 alone: 注册不合格 */
    memset(&f, 0, sizeof(f));
    for (i = 0; i < JSZG_RULE_YEARS; i++)
        f.grade[i] = JSZG_GRADE_OK;
    f.hours = 400;
    f.ethics_records = 2;
    f.ethics_bad = 1;
    jszg_rules_cycle_judge(&f, &v);
    assert_string_equal(v.suggestion, JSZG_ST_FAIL);

    /* 基本合格 and missing years are flagged, not counted as 不合格 */
    memset(&f, 0, sizeof(f));
    f.grade[0] = JSZG_GRADE_BASIC;
    f.grade[1] = JSZG_GRADE_BASIC;
    f.grade[4] = JSZG_GRADE_OK;
    f.hours = 360;
    jszg_rules_cycle_judge(&f, &v);
    assert_string_equal(v.suggestion, JSZG_ST_PASS);
    assert_int_equal(v.basic, 0x3);
    assert_int_equal(v.missing, 0xc);
    assert_true(v.no_ethics);
    assert_false(v.any_bad);
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
        cmocka_unit_test(test_field_labels_are_chinese),
        cmocka_unit_test(test_field_lookup),
        cmocka_unit_test(test_actor_text),
        cmocka_unit_test(test_beijing_calendar),
        cmocka_unit_test(test_date_parsing),
        cmocka_unit_test(test_window_state),
        cmocka_unit_test(test_status_machine),
        cmocka_unit_test(test_audit_action_names),
        cmocka_unit_test(test_wizard_person_fields),
        cmocka_unit_test(test_field_types_and_checks),
        cmocka_unit_test(test_cycle_judge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
