/*
 * jszg_rules.c - the rules core (see jszg_rules.h): 资格种类, 学段 and
 * which qualification covers which post.
 */
#include <string.h>

#include "jszg_rules.h"

static const char *const kind_names[JSZG_KIND_MAX + 1] = {
    NULL, "幼儿园教师资格", "小学教师资格", "初级中学教师资格",
    "高级中学教师资格", "中等职业学校教师资格",
    "中等职业学校实习指导教师资格", "高等学校教师资格"
};

const char *const jszg_rules_cert_kinds[] = {
    "幼儿园教师资格", "小学教师资格", "初级中学教师资格",
    "高级中学教师资格", "中等职业学校教师资格",
    "中等职业学校实习指导教师资格", NULL
};

const char *const jszg_rules_stages[] = {
    "幼儿园", "小学", "初级中学", "高级中学", "中等职业学校", NULL
};

/*
 * 《教师资格条例》第五条: a qualification allows teaching at its own level
 * and the levels below it (高级中学 → 初级中学 → 小学 → 幼儿园).
 * 中等职业学校教师资格 covers 中等职业学校 and, by level, 初级中学 and
 * below; 中等职业学校实习指导教师资格 only (实习指导 posts in) 中等职业学校.
 * 高等学校教师资格 is not registered in 定期注册: it covers no post here.
 * A post above the certificate's level is always refused.
 * Rows: kind 1..7; columns: jszg_rules_stages order.
 */
static const unsigned char covers[JSZG_KIND_MAX + 1][5] = {
    /*            幼儿园 小学 初中 高中 中职 */
    /* -     */ { 0, 0, 0, 0, 0 },
    /* 幼儿园 */ { 1, 0, 0, 0, 0 },
    /* 小学   */ { 1, 1, 0, 0, 0 },
    /* 初中   */ { 1, 1, 1, 0, 0 },
    /* 高中   */ { 1, 1, 1, 1, 0 },
    /* 中职   */ { 1, 1, 1, 0, 1 },
    /* 实习指导 */ { 0, 0, 0, 0, 1 },
    /* 高校   */ { 0, 0, 0, 0, 0 },
};

const char *jszg_rules_kind_name(int kind)
{
    return kind >= JSZG_KIND_MIN && kind <= JSZG_KIND_MAX
           ? kind_names[kind] : NULL;
}

int jszg_rules_kind_code(const char *name)
{
    int k;

    for (k = JSZG_KIND_MIN; name && k <= JSZG_KIND_MAX; k++)
        if (!strcmp(kind_names[k], name))
            return k;
    return 0;
}

static int stage_index(const char *stage)
{
    int i;

    for (i = 0; stage && jszg_rules_stages[i]; i++)
        if (!strcmp(jszg_rules_stages[i], stage))
            return i;
    return -1;
}

int jszg_rules_is_stage(const char *stage)
{
    return stage_index(stage) >= 0;
}

int jszg_rules_kind_covers(int kind, const char *stage)
{
    int s = stage_index(stage);

    if (s < 0 || kind < JSZG_KIND_MIN || kind > JSZG_KIND_MAX)
        return 0;
    return covers[kind][s];
}

const char *jszg_rules_kind_stages(int kind, char *buf, unsigned long n)
{
    unsigned long used = 0;
    int s;

    if (!n)
        return buf;
    buf[0] = '\0';
    for (s = 4; s >= 0; s--) {
        const char *name = jszg_rules_stages[s];
        unsigned long need = strlen(name) + (used ? strlen("、") : 0);
        if (!jszg_rules_kind_covers(kind, name) || used + need + 1 > n)
            continue;
        if (used) {
            strcpy(buf + used, "、");
            used += strlen("、");
        }
        strcpy(buf + used, name);
        used += strlen(name);
    }
    return buf;
}

/* ==== h2-applicant: the applicant side's rules ========================= */

const char *jszg_rules_kind_stage_refusal(int kind, const char *stage,
                                          char *buf, unsigned long n)
{
    const char *name = jszg_rules_kind_name(kind);
    char covered[128];
    unsigned long need;

    if (!n || !name || !jszg_rules_is_stage(stage)
        || jszg_rules_kind_covers(kind, stage))
        return NULL;
    jszg_rules_kind_stages(kind, covered, sizeof(covered));
    need = strlen(name) + strlen(stage) + strlen(covered) + 80;
    if (need > n) {
        buf[0] = '\0';
        return buf;
    }
    strcpy(buf, name);
    strcat(buf, "不能用于");
    strcat(buf, stage);
    strcat(buf, "岗位（");
    if (*covered) {
        strcat(buf, "该资格可任教：");
        strcat(buf, covered);
    }
    else
        strcat(buf, "该资格不属于中小学教师资格定期注册范围");
    strcat(buf, "）");
    return buf;
}

/*
 * Applying again after a conclusion in the same cycle (domain.md, last
 * section; 《中小学教师资格定期注册暂行办法》第十、十一条):
 * 注册不合格 means 不得从事教育教学工作 until the conditions are met
 * again: no second application with that certificate in that cycle.
 * 暂缓注册 is lifted once its reason is met (学时 completed, back in
 * teaching, …): a new application in the same cycle, while a window is
 * open; the 注册机构 checks the reason again.  Written here once; the
 * wizard refuses with it and the records show it.
 */
int jszg_rules_may_reapply(const char *conclusion)
{
    return !conclusion || strcmp(conclusion, "注册不合格") != 0;
}

const char *jszg_rules_reapply_text(const char *conclusion)
{
    if (!conclusion)
        return NULL;
    if (!strcmp(conclusion, "注册不合格"))
        return "注册不合格的，本注册周期内不能再用该证书申请定期注册；"
               "须在下一注册周期重新满足注册条件后再申请。";
    if (!strcmp(conclusion, "暂缓注册"))
        return "暂缓注册的，在暂缓原因（如培训学时不足）消除后，"
               "可在本注册周期网报时间内再次申请定期注册。";
    return NULL;
}
