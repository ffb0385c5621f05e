/*
 * jszg_rules.c - the rules core (see jszg_rules.h): 资格种类, 学段 and
 * which qualification covers which post.
 */
#include <stdio.h>
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
    return !conclusion || strcmp(conclusion, JSZG_ST_FAIL) != 0;
}

const char *jszg_rules_reapply_text(const char *conclusion)
{
    if (!conclusion)
        return NULL;
    if (!strcmp(conclusion, JSZG_ST_FAIL))
        return JSZG_ST_FAIL "的，本注册周期内不能再用该证书申请定期注册；"
               "须在下一注册周期重新满足注册条件后再申请。";
    if (!strcmp(conclusion, JSZG_ST_DEFER))
        return JSZG_ST_DEFER "的，在暂缓原因（如培训学时不足）消除后，"
               "可在本注册周期网报时间内再次申请定期注册。";
    return NULL;
}

/* ---- field vocabulary --------------------------------------------------- */

const char *const jszg_rules_field_groups[][2] = {
    { "identity", "身份信息" },
    { "cert",     "教师资格证书" },
    { "person",   "个人信息" },
    { "choice",   "注册机构与任教岗位" },
    { NULL, NULL }
};

/* ---- the dropdowns of step 2 (domain.md, Dropdown values) ---------------- */

static const char *const l_mandarin[] = {
    "一级甲等", "一级乙等", "二级甲等", "二级乙等", "三级甲等", "三级乙等",
    "无", NULL
};
static const char *const l_education[] = {
    "研究生", "大学本科", "大学专科", "中师", "幼师", "其他中专",
    "高中毕业及以下", NULL
};
static const char *const l_edu_category[] = {
    "师范教育类", "非师范教育类", NULL
};
static const char *const l_degree[] = {
    "博士", "硕士", "学士", "无学位", NULL
};
static const char *const l_study_form[] = {
    "普通全日制", "成人教育", "自学考试", "网络教育", "境外教育", "其他", NULL
};
static const char *const l_school_area[] = { "城市", "县镇", "农村", NULL };
static const char *const l_school_type[] = {
    "公办幼儿园", "公办小学", "公办初级中学", "公办高级中学", "公办完全中学",
    "公办九年一贯制学校", "公办中等职业学校", "民办幼儿园", "民办小学",
    "民办初级中学", "民办高级中学", "民办完全中学", "民办九年一贯制学校",
    "民办中等职业学校", NULL
};
static const char *const l_title[] = {
    "正高级教师", "高级教师", "一级教师", "二级教师", "三级教师",
    "中学高级教师", "中学一级教师", "中学二级教师", "中学三级教师",
    "小学高级教师", "小学一级教师", "小学二级教师", "小学三级教师",
    "高级讲师", "讲师", "助理讲师", "教员", "高级实习指导教师",
    "一级实习指导教师", "二级实习指导教师", "三级实习指导教师", "未评", NULL
};
static const char *const l_politics[] = {
    "中共党员", "中共预备党员", "共青团员", "民革党员", "民盟盟员",
    "民建会员", "民进会员", "农工党党员", "致公党党员", "九三学社社员",
    "台盟盟员", "无党派人士", "群众", NULL
};
static const char *const l_post_type[] = {
    "专任教师", "教育教学管理人员", "教辅人员", "其他", NULL
};

#define SHOW JSZG_FS_SHOW
#define HIDE JSZG_FS_INTERNAL
/* required, maxlen, options, check */
#define KEPT        0, 0, NULL, JSZG_FC_NONE
#define TYPED(c)    1, 0, NULL, c
#define TEXT(n)     1, n, NULL, JSZG_FC_TEXT
#define OPTION(l)   1, 0, l, JSZG_FC_OPTION

/* The person group follows the wizard's step 2 (the manual's order and
 * words; the long 通讯地址 last, on a line of its own in two-column
 * layouts); identity is the 实名 data copied at submission; cert is the
 * certificate row as step 2 listed it; choice is step 3. */
const jszg_fieldspec jszg_rules_fields[] = {
    { "identity", "name", "姓名", JSZG_FT_TEXT, SHOW, NULL,
      KEPT },
    { "identity", "sex", "性别", JSZG_FT_LIST, SHOW, NULL,
      KEPT },
    { "identity", "ethnicity", "民族", JSZG_FT_LIST, SHOW, NULL,
      KEPT },
    { "identity", "id_type", "证件类型", JSZG_FT_LIST, SHOW, NULL,
      KEPT },
    { "identity", "id_number", "证件号码", JSZG_FT_CODE, SHOW, NULL,
      KEPT },
    { "identity", "birth_date", "出生日期", JSZG_FT_DATE, SHOW, NULL,
      KEPT },
    { "identity", "phone", "手机号码", JSZG_FT_CODE, SHOW, NULL,
      KEPT },

    { "cert", "cert_no", "证书号码", JSZG_FT_CODE, SHOW, NULL,
      KEPT },
    { "cert", "kind_name", "资格种类", JSZG_FT_LIST, SHOW, NULL,
      KEPT },
    { "cert", "subject", "任教学科（证书）", JSZG_FT_TEXT, SHOW, NULL,
      KEPT },
    { "cert", "authority_name", "认定机构", JSZG_FT_TEXT, SHOW, NULL,
      KEPT },
    { "cert", "issued_on", "签发日期", JSZG_FT_DATE, SHOW, NULL,
      KEPT },
    { "cert", "status", "证书状态", JSZG_FT_LIST, SHOW, NULL,
      KEPT },
    { "cert", "source", "证书信息来源", JSZG_FT_SOURCE, SHOW, NULL,
      KEPT },
    { "cert", "last_date", "上次注册日期", JSZG_FT_DATE, SHOW, NULL,
      KEPT },
    { "cert", "last_result", "上次注册结论", JSZG_FT_LIST, SHOW, NULL,
      KEPT },
    { "cert", "id", "证书记录", JSZG_FT_REF, HIDE, NULL,
      KEPT },
    { "cert", "kind", "资格种类代码", JSZG_FT_CODE, HIDE, NULL,
      KEPT },
    { "cert", "province_code", "认定省份代码", JSZG_FT_CODE, HIDE, NULL,
      KEPT },
    { "cert", "selectable", "可否选择", JSZG_FT_TEXT, HIDE, NULL,
      KEPT },
    { "cert", "blocked", "限制说明", JSZG_FT_TEXT, HIDE, NULL,
      KEPT },
    { "cert", "blocked_code", "限制代码", JSZG_FT_CODE, HIDE, NULL,
      KEPT },

    { "person", "mandarin", "普通话证书信息", JSZG_FT_LIST, SHOW, NULL,
      OPTION(l_mandarin) },
    { "person", "education", "最高学历信息", JSZG_FT_LIST, SHOW, NULL,
      OPTION(l_education) },
    { "person", "edu_category", "最高学历专业类别", JSZG_FT_LIST, SHOW, NULL,
      OPTION(l_edu_category) },
    { "person", "major", "所学专业", JSZG_FT_TEXT, SHOW, NULL,
      TEXT(30) },
    { "person", "degree", "最高学位信息", JSZG_FT_LIST, SHOW, NULL,
      OPTION(l_degree) },
    { "person", "grad_date", "毕业时间", JSZG_FT_DATE, SHOW, NULL,
      TYPED(JSZG_FC_DATE) },
    { "person", "grad_school", "毕业学校", JSZG_FT_REF, SHOW,
      "grad_school_name", TYPED(JSZG_FC_SCHOOL) },
    { "person", "study_form", "学习形式", JSZG_FT_LIST, SHOW, NULL,
      OPTION(l_study_form) },
    { "person", "school", "现任教学校", JSZG_FT_TEXT, SHOW, NULL,
      TEXT(60) },
    { "person", "school_area", "任教学校所在地", JSZG_FT_LIST, SHOW, NULL,
      OPTION(l_school_area) },
    { "person", "school_type", "任教学校性质", JSZG_FT_LIST, SHOW, NULL,
      OPTION(l_school_type) },
    { "person", "title", "教师职务", JSZG_FT_LIST, SHOW, NULL,
      OPTION(l_title) },
    { "person", "work_start", "开始参加工作时间", JSZG_FT_DATE, SHOW, NULL,
      TYPED(JSZG_FC_DATE) },
    { "person", "hukou", "户籍所在地", JSZG_FT_TEXT, SHOW, NULL,
      TEXT(60) },
    { "person", "employ_start", "本单位聘用起始日期", JSZG_FT_DATE, SHOW, NULL,
      TYPED(JSZG_FC_DATE) },
    { "person", "politics", "政治面貌", JSZG_FT_LIST, SHOW, NULL,
      OPTION(l_politics) },
    { "person", "post_type", "岗位性质", JSZG_FT_LIST, SHOW, NULL,
      OPTION(l_post_type) },
    { "person", "postcode", "通讯邮编", JSZG_FT_CODE, SHOW, NULL,
      TYPED(JSZG_FC_POSTCODE) },
    { "person", "address", "通讯地址", JSZG_FT_TEXT, SHOW, NULL,
      TEXT(100) },
    { "person", "grad_school_name", "毕业学校名称", JSZG_FT_TEXT, HIDE, NULL,
      KEPT },

    { "choice", "institution_id", "注册机构", JSZG_FT_REF, SHOW, "institution_name",
      KEPT },
    { "choice", "point_id", "确认点", JSZG_FT_REF, SHOW, "point_name",
      KEPT },
    { "choice", "stage", "现任教学段", JSZG_FT_LIST, SHOW, NULL,
      KEPT },
    { "choice", "subject", "现任教学科", JSZG_FT_LIST, SHOW, NULL,
      KEPT },
    { "choice", "province", "省份代码", JSZG_FT_CODE, HIDE, NULL,
      KEPT },
    { "choice", "city", "地市代码", JSZG_FT_CODE, HIDE, NULL,
      KEPT },
    { "choice", "institution_name", "注册机构名称", JSZG_FT_TEXT, HIDE, NULL,
      KEPT },
    { "choice", "point_name", "确认点名称", JSZG_FT_TEXT, HIDE, NULL,
      KEPT },
    { NULL, NULL, NULL, 0, 0, NULL, KEPT }
};

#undef KEPT
#undef TYPED
#undef TEXT
#undef OPTION
#undef SHOW
#undef HIDE

const jszg_fieldspec *jszg_rules_field(const char *group, const char *key)
{
    const jszg_fieldspec *f, *any = NULL;

    if (!key)
        return NULL;
    for (f = jszg_rules_fields; f->key; f++) {
        if (strcmp(f->key, key))
            continue;
        if (!group || !strcmp(f->group, group))
            return f;
        if (!any)
            any = f;
    }
    return any;
}

const char *jszg_rules_field_label(const char *group, const char *key)
{
    const jszg_fieldspec *f = jszg_rules_field(group, key);

    return f ? f->label : NULL;
}

int jszg_rules_field_typed(const jszg_fieldspec *f, const char *group)
{
    return f && f->key && f->check != JSZG_FC_NONE
           && (!group || !strcmp(f->group, group));
}

const char *jszg_rules_field_display(const jszg_fieldspec *f, const char *v)
{
    if (!v || !*v)
        return NULL;
    if (f && f->type == JSZG_FT_SOURCE) {
        if (!strcmp(v, "registry"))
            return "全国教师资格信息库";
        if (!strcmp(v, "manual"))
            return "申请人手工录入";
        return "其他";
    }
    return v;
}

/* ---- 办理人 ---------------------------------------------------------------- */

const char *jszg_rules_staff_role_name(const char *role)
{
    if (!role)
        return NULL;
    if (!strcmp(role, "point"))
        return "确认点 工作人员";
    if (!strcmp(role, "institution"))
        return "注册机构 审核员";
    if (!strcmp(role, "province"))
        return "省级管理员";
    if (!strcmp(role, "system"))
        return "系统管理员";
    return NULL;
}

static const char *join3(char *buf, unsigned long n, const char *a,
                         const char *b)
{
    if (!n)
        return buf;
    if (b && *b)
        snprintf(buf, n, "%s %s", a, b);
    else
        snprintf(buf, n, "%s", a);
    return buf;
}

const char *jszg_rules_actor_text(const char *actor, const char *role,
                                  const char *name, char *buf,
                                  unsigned long n)
{
    const char *who;

    if (actor && (!strncmp(actor, "applicant:", 10)
                  || !strncmp(actor, "account:", 8)))
        return join3(buf, n, "申请人", name);
    if (actor && !strncmp(actor, "staff:", 6)) {
        who = jszg_rules_staff_role_name(role);
        return join3(buf, n, who ? who : "工作人员", name);
    }
    if (actor && !strncmp(actor, "system", 6))
        return join3(buf, n, "系统", NULL);
    return join3(buf, n, "其他", NULL);
}

/* ---- the Beijing calendar ------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date, and back
 * (H. Hinnant's days_from_civil / civil_from_days). */
static long days_from_civil(long y, int m, int d)
{
    long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
    long era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static long floor_div(long long a, long b)
{
    return (long)(a >= 0 ? a / b : -((-a + b - 1) / b));
}

long jszg_rules_beijing_day(long long secs)
{
    return floor_div(secs + JSZG_BEIJING_OFFSET, 86400);
}

long long jszg_rules_day_start(long day)
{
    return (long long)day * 86400 - JSZG_BEIJING_OFFSET;
}

void jszg_rules_beijing(long long secs, jszg_bjtime *t)
{
    long day = jszg_rules_beijing_day(secs);
    long rest = (long)(secs + JSZG_BEIJING_OFFSET - (long long)day * 86400);

    civil_from_days(day, &t->year, &t->month, &t->day);
    t->hour = (int)(rest / 3600);
    t->min = (int)(rest / 60 % 60);
    t->sec = (int)(rest % 60);
}

long long jszg_rules_beijing_secs(const jszg_bjtime *t)
{
    return jszg_rules_day_start(days_from_civil(t->year, t->month, t->day))
           + t->hour * 3600LL + t->min * 60 + t->sec;
}

const char *jszg_rules_beijing_text(long long secs, int fmt, char *buf,
                                    unsigned long n)
{
    jszg_bjtime t;

    jszg_rules_beijing(secs, &t);
    if (fmt == JSZG_FMT_DATE)
        snprintf(buf, n, "%04d-%02d-%02d", t.year, t.month, t.day);
    else if (fmt == JSZG_FMT_MINUTE)
        snprintf(buf, n, "%04d-%02d-%02d %02d:%02d", t.year, t.month,
                 t.day, t.hour, t.min);
    else
        snprintf(buf, n, fmt == JSZG_FMT_ISO
                         ? "%04d-%02d-%02dT%02d:%02d:%02d+08:00"
                         : "%04d-%02d-%02d %02d:%02d:%02d", t.year, t.month,
                 t.day, t.hour, t.min, t.sec);
    return buf;
}

long jszg_rules_ymd(const jszg_bjtime *t)
{
    return t->year * 10000L + t->month * 100 + t->day;
}

int jszg_rules_date_ok(int y, int m, int d, int min_year, int max_year)
{
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
                                 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    if (y < min_year || y > max_year || m < 1 || m > 12 || d < 1)
        return 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

/* n digits at s as a number, -1 if one is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;

    for (; n > 0; n--, s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

static int parse_ymd(const char *s, int min_year, int max_year,
                     jszg_bjtime *t)
{
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);

    if (s[4] != '-' || s[7] != '-' || y < 0 || m < 0 || d < 0
        || !jszg_rules_date_ok(y, m, d, min_year, max_year))
        return -1;
    memset(t, 0, sizeof(*t));
    t->year = y;
    t->month = m;
    t->day = d;
    return 0;
}

int jszg_rules_parse_date(const char *s, int min_year, int max_year,
                          jszg_bjtime *t)
{
    jszg_bjtime tmp;

    if (!s || strlen(s) != 10)
        return -1;
    return parse_ymd(s, min_year, max_year, t ? t : &tmp);
}

int jszg_rules_parse_datetime(const char *s, int min_year, int max_year,
                              jszg_bjtime *t)
{
    jszg_bjtime tmp;
    size_t n;
    int h, mi, sec = 0;

    if (!t)
        t = &tmp;
    if (!s)
        return -1;
    n = strlen(s);
    /* the API's own form, ISO 8601 with the Beijing offset, reads back */
    if ((n == 22 || n == 25) && s[10] == 'T'
        && !strcmp(s + n - 6, "+08:00")) {
        char local[20];
        memcpy(local, s, n - 6);
        local[n - 6] = '\0';
        return jszg_rules_parse_datetime(local, min_year, max_year, t);
    }
    if (n != 16 && n != 19)
        return -1;
    if ((s[10] != ' ' && s[10] != 'T') || s[13] != ':'
        || (n == 19 && s[16] != ':'))
        return -1;
    /* the date part, cut at its end */
    if (s[4] != '-' || s[7] != '-')
        return -1;
    {
        char date[11];
        memcpy(date, s, 10);
        date[10] = '\0';
        if (parse_ymd(date, min_year, max_year, t) != 0)
            return -1;
    }
    h = digits(s + 11, 2);
    mi = digits(s + 14, 2);
    if (n == 19)
        sec = digits(s + 17, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
        return -1;
    t->hour = h;
    t->min = mi;
    t->sec = sec;
    return 0;
}

/* ---- a 网报计划's state ------------------------------------------------------ */

jszg_win_state jszg_rules_window_state(const char *now, int now_year,
                                       const char *starts, const char *ends,
                                       int cycle_year)
{
    if (!now || !starts || !ends)
        return JSZG_WIN_NONE;
    if (strcmp(now, ends) >= 0 && cycle_year < now_year)
        return JSZG_WIN_NONE;   /* only an old cycle's plan */
    if (strcmp(now, starts) < 0)
        return JSZG_WIN_NOT_OPEN;
    if (strcmp(now, ends) >= 0)
        return JSZG_WIN_CLOSED;
    return JSZG_WIN_OPEN;
}

const char *jszg_rules_window_state_name(jszg_win_state s)
{
    switch (s) {
    case JSZG_WIN_NOT_OPEN: return "not_open";
    case JSZG_WIN_OPEN:     return "open";
    case JSZG_WIN_CLOSED:   return "closed";
    default:                return "none";
    }
}

int jszg_rules_period(const char *now, const char *starts, const char *ends)
{
    if (starts && *starts && strcmp(now, starts) < 0)
        return -1;
    if (ends && *ends && strcmp(now, ends) >= 0)
        return 1;
    return 0;
}

/* ---- the status machine ----------------------------------------------------- */

const char *const jszg_rules_statuses[] = {
    JSZG_ST_PENDING, JSZG_ST_CONFIRMED, JSZG_ST_REJECTED, JSZG_ST_PASS,
    JSZG_ST_DEFER, JSZG_ST_FAIL, NULL
};

static int in(const char *s, const char *const *list)
{
    for (; s && *list; list++)
        if (!strcmp(*list, s))
            return 1;
    return 0;
}

int jszg_rules_is_status(const char *s)
{
    return in(s, jszg_rules_statuses);
}

const char *const jszg_rules_conclusions[] = {
    JSZG_ST_PASS, JSZG_ST_DEFER, JSZG_ST_FAIL, NULL
};

int jszg_rules_is_conclusion(const char *s)
{
    return in(s, jszg_rules_conclusions);
}

int jszg_rules_transition_ok(const char *from, const char *to)
{
    static const char *const steps[][2] = {
        { JSZG_ST_PENDING,   JSZG_ST_CONFIRMED },
        { JSZG_ST_PENDING,   JSZG_ST_REJECTED },
        { JSZG_ST_REJECTED,  JSZG_ST_PENDING },
        { JSZG_ST_CONFIRMED, JSZG_ST_PASS },
        { JSZG_ST_CONFIRMED, JSZG_ST_DEFER },
        { JSZG_ST_CONFIRMED, JSZG_ST_FAIL },
        /* a conclusion withdrawn or corrected by the 注册机构 or the
         * province (JszgDecisionCorrectDays) */
        { JSZG_ST_PASS,      JSZG_ST_CONFIRMED },
        { JSZG_ST_DEFER,     JSZG_ST_CONFIRMED },
        { JSZG_ST_FAIL,      JSZG_ST_CONFIRMED },
        { JSZG_ST_PASS,      JSZG_ST_DEFER },
        { JSZG_ST_PASS,      JSZG_ST_FAIL },
        { JSZG_ST_DEFER,     JSZG_ST_PASS },
        { JSZG_ST_DEFER,     JSZG_ST_FAIL },
        { JSZG_ST_FAIL,      JSZG_ST_PASS },
        { JSZG_ST_FAIL,      JSZG_ST_DEFER },
    };
    size_t i;

    for (i = 0; from && to && i < sizeof(steps) / sizeof(steps[0]); i++)
        if (!strcmp(steps[i][0], from) && !strcmp(steps[i][1], to))
            return 1;
    return 0;
}

/* ---- the cycle's record (jszg_rules.h) ------------------------------------- */

jszg_grade jszg_rules_grade(const char *grade)
{
    if (!grade || !*grade)
        return JSZG_GRADE_NONE;
    if (!strcmp(grade, "不合格"))
        return JSZG_GRADE_BAD;
    if (!strcmp(grade, "基本合格"))
        return JSZG_GRADE_BASIC;
    return JSZG_GRADE_OK;       /* 优秀, 合格 */
}

void jszg_rules_cycle_judge(const jszg_cycle_facts *f, jszg_cycle_verdict *v)
{
    int i;

    memset(v, 0, sizeof(*v));
    for (i = 0; i < JSZG_RULE_YEARS; i++) {
        if (f->grade[i] == JSZG_GRADE_NONE)
            v->missing |= 1u << i;
        else if (f->grade[i] == JSZG_GRADE_BASIC)
            v->basic |= 1u << i;
        else if (f->grade[i] == JSZG_GRADE_BAD) {
            v->any_bad = 1;
            if (i > 0 && f->grade[i - 1] == JSZG_GRADE_BAD)
                v->two_bad = 1;
        }
    }
    v->ethics_bad = f->ethics_bad;
    v->no_ethics = !f->ethics_records;
    v->hours_short = f->hours < JSZG_RULE_HOURS;
    v->suggestion = v->ethics_bad || v->two_bad ? JSZG_ST_FAIL
                    : v->any_bad || v->hours_short ? JSZG_ST_DEFER
                    : JSZG_ST_PASS;
}

/* ---- audit log action names ----------------------------------------------- */

const char *jszg_rules_audit_action(const char *action, char *buf,
                                    unsigned long n)
{
    static const char *const names[][2] = {
        { "login",                   "登录后台" },
        { "login.failed",            "登录失败" },
        { "logout",                  "退出后台" },
        { "scope.denied",            "越权访问被拒绝" },
        { "application.view",        "查看报名详情" },
        { "application.correct",     "更正注册结论" },
        { "application.withdraw",    "撤销注册结论" },
        { "window.create",           "新建网报计划" },
        { "window.update",           "修改网报计划" },
        { "window.delete",           "删除网报计划" },
        { "window.close",            "提前结束网报" },
        { "institution.notes",       "修改注意事项" },
        { "institution.create",      "新增注册机构" },
        { "institution.update",      "修改注册机构" },
        { "institution.activate",    "启用注册机构" },
        { "institution.deactivate",  "停用注册机构" },
        { "point.create",            "新增确认点" },
        { "point.update",            "修改确认点" },
        { "point.activate",          "启用确认点" },
        { "point.deactivate",        "停用确认点" },
        { "staff.create",            "新增工作人员账号" },
        { "staff.update",            "修改工作人员账号" },
        { "staff.activate",          "启用工作人员账号" },
        { "staff.deactivate",        "停用工作人员账号" },
        { "staff.password_reset",    "重置工作人员密码" },
        { "staff.password_change",   "工作人员修改本人密码" },
        { "staff.unlock",            "解除登录限制" },
        { "worklist.export",         "导出待确认名单" },
        { "decided.export",          "导出注册结论" },
        { "decided.publicity",       "打印公示名单" },
        { "identity.approve",        "实名人工审核通过" },
        { "identity.reject",         "实名人工审核不通过" },
        { "certificate.approve",     "手工录入证书审核通过" },
        { "certificate.reject",      "手工录入证书审核不通过" },
        { "import.dry",              "数据导入（试导入）" },
        { "import.apply",            "数据导入" },
        { "stats.export",            "导出统计" },
        { "audit.export",            "导出审计日志" },
        { "account.register",        "注册账号" },
        { "account.verified",        "通过实名核验" },
        { "account.review_submit",   "提交实名人工审核" },
        { "account.password_change", "修改密码" },
        { "account.password_reset",  "重置密码" },
        { "account.phone_change",    "更换手机号" },
    };
    size_t i;

    if (!action || !n)
        return NULL;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(names[i][0], action)) {
            snprintf(buf, n, "%s", names[i][1]);
            return buf;
        }
    /* a transition of the status machine: "application.<to status>" */
    if (!strncmp(action, "application.", 12)
        && jszg_rules_is_status(action + 12)) {
        snprintf(buf, n, "%s%s", jszg_rules_is_conclusion(action + 12)
                 ? "作出结论：" : "办理：转为", action + 12);
        return buf;
    }
    if (!strncmp(action, "import.", 7)) {
        snprintf(buf, n, "数据导入（%s）", action + 7);
        return buf;
    }
    return NULL;
}
