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

#endif /* JSZG_RULES_H */
