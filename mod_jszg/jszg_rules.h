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

#endif /* JSZG_RULES_H */
