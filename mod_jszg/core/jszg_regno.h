/*
 * jszg_regno.h - 注册报名号, the number an applicant gets at the end of
 * the 定期注册 wizard (步骤七) and quotes at the 现场确认点.
 *
 * Format (20 digits):  YYYY  IIIIIIIII  SSSSSS  C
 *   YYYY       the registration cycle (网报计划 year)
 *   IIIIIIIII  the 注册机构 code (institutions.code: region + level + seq)
 *   SSSSSS     the institution's running number in that cycle, from 1
 *   C          Luhn check digit over the first 19 (catches a mistyped
 *              digit or two swapped neighbours at the 确认点's counter)
 * A 报名号 identifies an application; it is never an access key: every
 * lookup by 报名号 is also bound to the logged-in account (or to staff).
 *
 * Pure C, no httpd headers.
 */
#ifndef JSZG_REGNO_H
#define JSZG_REGNO_H

#define JSZG_REGNO_LEN 20
#define JSZG_REGNO_MAX_SEQ 999999L

/* Writes the 报名号 and a NUL into out; returns 0, or -1 when a part is
 * out of range (year 2013..2100, code 9 digits, seq 1..MAX_SEQ). */
int jszg_regno_make(char out[JSZG_REGNO_LEN + 1], int year,
                    const char *inst_code, long seq);

/* 1 if s is 20 digits with a plausible year and a good check digit. */
int jszg_regno_valid(const char *s);

/* The Luhn check digit ('0'..'9') for the digits s[0..n). */
char jszg_regno_check_digit(const char *s, int n);

#endif /* JSZG_REGNO_H */
