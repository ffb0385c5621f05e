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

typedef struct {
    const char *group;          /* "identity", "cert", "person", "choice" */
    const char *key;
    const char *label;          /* Chinese, never the key */
    jszg_field_type type;
    jszg_field_show show;
    const char *via;            /* REF: the key in the same group whose
                                 * value is shown (e.g. grad_school_name) */
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

#endif /* JSZG_RULES_H */
