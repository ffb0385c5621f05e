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
