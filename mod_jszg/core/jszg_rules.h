/*
 * jszg_rules.h - the rules core: the business rules of 定期注册 that do
 * not depend on httpd or on the database, stated once and unit-tested
 * (tests/unit/test_rules.c).  Portal, wizard, records, import and back
 * office ask here; a rule written anywhere else is a second copy.
 *
 * Where ../shared/domain.md is silent or only guesses, the rule chosen is
 * written next to its data with its source.
 *
 * Pure C, no httpd headers.
 */
#ifndef JSZG_RULES_H
#define JSZG_RULES_H

/* ---- 资格种类 (the 10th digit of a 17-digit certificate number) ------- */

#define JSZG_KIND_MIN 1
#define JSZG_KIND_MAX 7

/* "幼儿园教师资格" … "高等学校教师资格" for 1..7, NULL otherwise. */
const char *jszg_rules_kind_name(int kind);

/* The code (1..7) of a 资格种类 name, 0 if it is not one. */
int jszg_rules_kind_code(const char *name);

/* The kinds a 定期注册 application may name (1..6, NULL-terminated):
 * 高等学校教师资格 is registered by the universities, not here. */
extern const char *const jszg_rules_cert_kinds[];

/* ---- 现任教学段 ------------------------------------------------------- */

/* 幼儿园, 小学, 初级中学, 高级中学, 中等职业学校 (NULL-terminated). */
extern const char *const jszg_rules_stages[];

/* 1 if stage is one of jszg_rules_stages. */
int jszg_rules_is_stage(const char *stage);

/* ---- 资格种类 vs 学段: "具有与任教岗位相应的教师资格" ---------------------
 * 1 if a certificate of this kind (code) qualifies for a post at this
 * 学段, 0 if not (unknown kind or stage included).  The table is data
 * (jszg_rules.c) so that a province that reads "相应" more narrowly
 * changes one row. */
int jszg_rules_kind_covers(int kind, const char *stage);

/* The 学段 a kind covers, in jszg_rules_stages order, joined with "、"
 * into buf (size n); "" for none.  For messages such as
 * "小学教师资格可任教：小学、幼儿园". */
const char *jszg_rules_kind_stages(int kind, char *buf, unsigned long n);


/* ==== h2-applicant: the applicant side's rules ========================= */

/* The refusal of a post this kind does not cover, e.g.
 * "幼儿园教师资格不能用于高级中学岗位（该资格可任教：幼儿园）", written
 * into buf (size n); NULL when the kind covers the stage. */
const char *jszg_rules_kind_stage_refusal(int kind, const char *stage,
                                          char *buf, unsigned long n);

/* ---- applying again after a conclusion in the same cycle ---------------
 * conclusion: the status an application of this certificate received
 * in the cycle the applicant applies for now (注册不合格, 暂缓注册, …).
 *   注册不合格: not again in that cycle with that certificate;
 *   暂缓注册:   again once the reason (e.g. 学时) is met, while a window
 *               is open (the window is checked by the wizard anyway).
 * Returns 1 if a new application may be made, 0 if not. */
int jszg_rules_may_reapply(const char *conclusion);

/* The rule, as the applicant reads it, for a conclusion (注册不合格 or
 * 暂缓注册); NULL for others.  Shown beside the record and the
 * certificate, and the wizard's refusal. */
const char *jszg_rules_reapply_text(const char *conclusion);

/* ---- the Beijing calendar ------------------------------------------------
 * Every date and time a person reads or types is Beijing time (UTC+8,
 * no daylight saving since 1991); the database keeps epoch seconds, and
 * 网报计划 times as Beijing wall-clock text 'YYYY-MM-DD HH:MM:SS'. */

#define JSZG_BEIJING_OFFSET (8 * 3600)

typedef struct {
    int year, month, day;       /* 1..12, 1..31 */
    int hour, min, sec;
} jszg_bjtime;

/* Epoch seconds as Beijing wall clock. */
void jszg_rules_beijing(long long secs, jszg_bjtime *t);

/* Beijing wall clock as epoch seconds (fields assumed valid). */
long long jszg_rules_beijing_secs(const jszg_bjtime *t);

/* The Beijing day number of an instant (days since 1970-01-01 in
 * Beijing), and the instant its day starts. */
long jszg_rules_beijing_day(long long secs);
long long jszg_rules_day_start(long day);

/* Text of an instant: JSZG_FMT_DATE "YYYY-MM-DD", JSZG_FMT_MINUTE
 * "YYYY-MM-DD HH:MM", JSZG_FMT_SECOND "YYYY-MM-DD HH:MM:SS" (the
 * window tables' form, comparable with strcmp), JSZG_FMT_ISO
 * "YYYY-MM-DDTHH:MM:SS+08:00" (ISO 8601 with the offset: the API's). */
enum { JSZG_FMT_DATE, JSZG_FMT_MINUTE, JSZG_FMT_SECOND, JSZG_FMT_ISO };
const char *jszg_rules_beijing_text(long long secs, int fmt, char *buf,
                                    unsigned long n);

/* yyyymmdd as a number, for comparing dates. */
long jszg_rules_ymd(const jszg_bjtime *t);

/* 1 if y-m-d is a real calendar date with min_year <= y <= max_year. */
int jszg_rules_date_ok(int y, int m, int d, int min_year, int max_year);

/* Strict "YYYY-MM-DD", a real date within [min_year, max_year]: 0 and *t
 * filled (t may be NULL), -1 otherwise. */
int jszg_rules_parse_date(const char *s, int min_year, int max_year,
                          jszg_bjtime *t);

/* "YYYY-MM-DD HH:MM", "YYYY-MM-DDTHH:MM" (a datetime-local input), or
 * either with ":SS", or the T form with "+08:00" (the API's, read back):
 * 0 and *t filled, -1 otherwise. */
int jszg_rules_parse_datetime(const char *s, int min_year, int max_year,
                              jszg_bjtime *t);

/* ---- a 网报计划's state ------------------------------------------------
 * The institution's newest plan is open from `starts` up to, not
 * including, `ends` (Beijing text, as stored).  A plan of an earlier
 * year that is over is history: for this year there is no plan yet. */

typedef enum {
    JSZG_WIN_NONE = 0,          /* no plan (or an old cycle's, over) */
    JSZG_WIN_NOT_OPEN,          /* 还未到网报时间 */
    JSZG_WIN_OPEN,
    JSZG_WIN_CLOSED             /* 网报时间已截止 */
} jszg_win_state;

/* now: Beijing text "YYYY-MM-DD HH:MM:SS"; now_year its year. */
jszg_win_state jszg_rules_window_state(const char *now, int now_year,
                                       const char *starts, const char *ends,
                                       int cycle_year);

/* "none", "not_open", "open", "closed": the API's stable names. */
const char *jszg_rules_window_state_name(jszg_win_state s);

/* Where now is against a period [starts, ends) given as Beijing text:
 * -1 before it, 0 inside, 1 after; 0 when the period is not set (both
 * NULL or empty). */
int jszg_rules_period(const char *now, const char *starts,
                      const char *ends);

/* ---- the status machine (DESIGN.md) ----------------------------------- */

#define JSZG_ST_PENDING   "网报待确认"
#define JSZG_ST_CONFIRMED "待注册审批"
#define JSZG_ST_REJECTED  "确认未通过"
#define JSZG_ST_PASS      "注册合格"
#define JSZG_ST_DEFER     "暂缓注册"
#define JSZG_ST_FAIL      "注册不合格"

/* Every status, in the order of the machine (NULL-terminated). */
extern const char *const jszg_rules_statuses[];
/* The three conclusions of 注册审批, in the order forms offer them. */
extern const char *const jszg_rules_conclusions[];

/* 1 if s is a status of the machine. */
int jszg_rules_is_status(const char *s);

/* 1 if s is one of the three conclusions of 注册审批. */
int jszg_rules_is_conclusion(const char *s);

/* 1 if the machine has the step from -> to: the staff steps of
 * DESIGN.md, and a conclusion withdrawn (back to 待注册审批) or corrected
 * to another conclusion. */
int jszg_rules_transition_ok(const char *from, const char *to);

/* ---- the cycle's record against the conditions of 注册 ----------------
 * 《中小学教师资格定期注册暂行办法》第八、九、十条 (domain.md): over the
 * five years before the registration's cycle year,
 *   注册不合格 if a 师德 record is 不合格, or 年度考核 is 不合格 in two
 *     consecutive years;
 *   暂缓注册 if a 年度考核 is 不合格, or training is under
 *     JSZG_RULE_HOURS 学时;
 *   注册合格 otherwise.
 * 基本合格 is not "合格以上等次" (第八条) but not a reason of 第九条
 * either: it is flagged for the 注册机构 to judge by its province's
 * practice, not counted as 不合格.  Missing years and a missing 师德
 * record are flagged too, never guessed.  The staff page's suggestion
 * and the applicant's warnings (wizard step 4) both ask here. */
#define JSZG_RULE_YEARS 5
#define JSZG_RULE_HOURS 360

/* A year's 年度考核 grade: JSZG_GRADE_NONE when there is no record. */
typedef enum {
    JSZG_GRADE_NONE = 0, JSZG_GRADE_OK, JSZG_GRADE_BASIC, JSZG_GRADE_BAD
} jszg_grade;

jszg_grade jszg_rules_grade(const char *grade);

typedef struct {
    jszg_grade grade[JSZG_RULE_YEARS];  /* cycle-5 .. cycle-1 */
    long hours;
    int ethics_records;
    int ethics_bad;                     /* a 师德 record 不合格 */
} jszg_cycle_facts;

typedef struct {
    const char *suggestion;     /* JSZG_ST_PASS, _DEFER or _FAIL */
    int two_bad;                /* 不合格 two years running: FAIL */
    int ethics_bad;             /* FAIL */
    int any_bad;                /* a 不合格 year: DEFER (unless two_bad) */
    int hours_short;            /* DEFER */
    unsigned missing;           /* bit i: no record for year cycle-5+i */
    unsigned basic;             /* bit i: 基本合格 that year */
    int no_ethics;              /* no 师德 record at all */
} jszg_cycle_verdict;

void jszg_rules_cycle_judge(const jszg_cycle_facts *f, jszg_cycle_verdict *v);

/* ---- field vocabulary (back office, issue 14) --------------------------
 * Every field of an application's snapshot (applications.data, as the
 * wizard's submission writes it: groups identity, cert, person, choice)
 * with its Chinese label, its type and how it is shown.  The staff page,
 * the staff API and the applicant's 详情 ask here; a key not in the
 * table is never shown (so an internal key can never become a label). */

typedef enum {
    JSZG_FT_TEXT = 0,           /* free text */
    JSZG_FT_LIST,               /* one of a fixed list (shown as is) */
    JSZG_FT_DATE,               /* "YYYY-MM-DD" */
    JSZG_FT_CODE,               /* digits (postcode, ID, certificate) */
    JSZG_FT_REF,                /* an internal id: shown through `via` */
    JSZG_FT_SOURCE              /* certificate source: registry/manual */
} jszg_field_type;

typedef enum {
    JSZG_FS_SHOW = 0,           /* shown on every page */
    JSZG_FS_INTERNAL            /* kept in the data, never shown */
} jszg_field_show;

/* How a value the applicant types (the wizard's step 2 and 修改 of the
 * person group) is checked; JSZG_FC_NONE: not typed by the applicant
 * (copied from the account, the registry or step 3, or derived). */
typedef enum {
    JSZG_FC_NONE = 0,
    JSZG_FC_OPTION,             /* one of `options` (a dropdown) */
    JSZG_FC_TEXT,               /* free text, at most `maxlen` characters,
                                 * no < > (the wizard's text_ok) */
    JSZG_FC_DATE,               /* a real YYYY-MM-DD, not in the future,
                                 * after the birth date */
    JSZG_FC_POSTCODE,           /* 6 digits */
    JSZG_FC_SCHOOL              /* an id of the school list; its name is
                                 * kept under `via` */
} jszg_field_check;

typedef struct {
    const char *group;          /* "identity", "cert", "person", "choice" */
    const char *key;
    const char *label;          /* Chinese, never the key */
    jszg_field_type type;
    jszg_field_show show;
    const char *via;            /* REF: the key in the same group whose
                                 * value is shown (e.g. grad_school_name) */
    int required;               /* typed fields: 1 if it may not be empty */
    int maxlen;                 /* JSZG_FC_TEXT: characters */
    const char *const *options; /* JSZG_FC_OPTION: the values, in the
                                 * dropdown's order, NULL-terminated */
    jszg_field_check check;
} jszg_fieldspec;

/* The groups in display order, with their Chinese titles
 * ({key, title} pairs, NULL-terminated). */
extern const char *const jszg_rules_field_groups[][2];

/* The whole vocabulary, in display order, ending with a NULL key. */
extern const jszg_fieldspec jszg_rules_fields[];

/* The field of `key` in `group` (any group when group is NULL or when
 * the key is not in that group), NULL if unknown. */
const jszg_fieldspec *jszg_rules_field(const char *group, const char *key);

/* The Chinese label of a field, NULL if unknown. */
const char *jszg_rules_field_label(const char *group, const char *key);

/* 1 if the applicant types the field (the wizard's step 2, 修改): the
 * fields of `group` with a check.  The wizard's person form is exactly
 * the person group's typed fields, in the table's order. */
int jszg_rules_field_typed(const jszg_fieldspec *f, const char *group);

/* A stored value as shown: the source codes in words, other values as
 * they are (NULL for an empty value). */
const char *jszg_rules_field_display(const jszg_fieldspec *f, const char *v);

/* ---- 办理人 ------------------------------------------------------------
 * An event's actor ("applicant:N", "staff:USERNAME", "system:…") in
 * words: "申请人 张伟", "确认点 工作人员 李明", "系统".  role is the staff
 * role ("point", "institution", "province", "system") when known, name
 * the person's name; written into buf (size n). */
const char *jszg_rules_actor_text(const char *actor, const char *role,
                                  const char *name, char *buf,
                                  unsigned long n);

/* "确认点 工作人员", "注册机构 工作人员", "省级管理员", "系统管理员" for a
 * staff role as stored, NULL for an unknown one. */
const char *jszg_rules_staff_role_name(const char *role);

/* ---- audit log action names (back office) ------------------------------
 * The Chinese name of an audit_log action ("login" → "登录后台",
 * "application.暂缓注册" → "作出结论：暂缓注册"), written into buf; NULL for
 * an action the table does not know (the page then shows the key). */
const char *jszg_rules_audit_action(const char *action, char *buf,
                                    unsigned long n);

#endif /* JSZG_RULES_H */
