/*
 * jszg_idcard.h - identity and certificate number rules (domain.md,
 * Formats): 居民身份证 GB 11643-1999, 教师资格证书号码, mobile numbers,
 * masking for display.  Pure C over APR, no httpd headers.
 */
#ifndef JSZG_IDCARD_H
#define JSZG_IDCARD_H

#include <apr_pools.h>

typedef enum {
    JSZG_ID_OK = 0,
    JSZG_ID_EMPTY,
    JSZG_ID_BAD_LENGTH,
    JSZG_ID_BAD_CHAR,
    JSZG_ID_BAD_REGION,
    JSZG_ID_BAD_DATE,
    JSZG_ID_BAD_CHECK
} jszg_id_status;

/* Earliest birth year accepted.  GB 11643's own example
 * 440524188001010014 is born in 1880, so the floor is 1800, not 1900. */
#define JSZG_ID_MIN_YEAR 1800

/*
 * Checks an 18-character ID number.  Leading and trailing ASCII blanks
 * are ignored (pasted numbers).  On JSZG_ID_OK out holds the normalised
 * number (lower-case x made X) and a NUL; otherwise out is "".  out may
 * be NULL.
 * region: the first 2 digits are a province code (11-15, 21-23, 31-37,
 * 41-46, 50-54, 61-65, 71, 81, 82).  date: a real calendar date, year >=
 * JSZG_ID_MIN_YEAR and not after today_yyyymmdd (<= 0 skips that check).
 * Checked in this order: empty, length, characters, region, date, check.
 */
jszg_id_status jszg_idcard_check(const char *in, long today_yyyymmdd,
                                 char out[19]);

/* Simplified Chinese message for the page, e.g.
 * "身份证号码校验位不正确，请核对后重新输入". */
const char *jszg_idcard_message(jszg_id_status st);

/* Stable API code, e.g. "id_bad_check". */
const char *jszg_idcard_code(jszg_id_status st);

/* 1 male, 2 female from the 17th digit; 0 if id18 is not 18 characters
 * with a digit there. */
int jszg_idcard_sex(const char *id18);

/*
 * Teacher certificate number: ^(\d{15}|\d{17})$, year of 认定 >= 1996 and
 * <= this_year (15 digits: 2-digit year, 96-99 are 19xx, others 20xx);
 * for 17 digits the 资格种类 digit (10th) must be 1..7.
 */
int jszg_certno_valid(const char *s, int this_year);

/* 资格种类 1..7: 10th digit of a 17-digit number or 9th of a 15-digit
 * one; 0 if the number has neither shape or the digit is out of range. */
int jszg_certno_kind(const char *s);

/*
 * What a certificate number says about itself (domain.md, Formats) must
 * agree with the registry row that carries it:
 *   17 digits YYYY PP AAA K S NNNNNN: YYYY = year of issued_on, PP = the
 *     first two digits of province_code, K = kind, S = sex (before 2009:
 *     0 男 1 女; from 2009: 1 男 2 女);
 *   15 digits YY RRRRRR K S NNNNN: YY = issued_on's year (96-99 19xx),
 *     RR of the region = province_code's, K = kind, S = sex (0 男 1 女).
 * sex: 1 男, 2 女, 0 not given (the digit must still be one of the two
 * values of its era).  Returns the first part that disagrees, checked in
 * the order year, province, kind, sex; JSZG_CERTNO_AGREES if none.
 */
typedef enum {
    JSZG_CERTNO_AGREES = 0,
    JSZG_CERTNO_BAD,            /* not a certificate number at all */
    JSZG_CERTNO_YEAR,
    JSZG_CERTNO_PROVINCE,
    JSZG_CERTNO_KIND,
    JSZG_CERTNO_SEX
} jszg_certno_part;

jszg_certno_part jszg_certno_agrees(const char *no, const char *issued_on,
                                    const char *province_code, int kind,
                                    int sex);

/* Chinese reason for a part that disagrees, e.g.
 * "证书号码中的省份代码与省份代码列不一致". */
const char *jszg_certno_part_message(jszg_certno_part part);

/*
 * Whose province a person-level registry row belongs to (年度考核, 培训学时,
 * 师德 are keyed on the ID number only, and they change the 规则建议结论
 * every province's reviewers see).  The rule:
 *   1. a person who has applied for 定期注册 belongs to the province of
 *      the 注册机构 of their newest application (where they teach now:
 *      the employment the registry knows);
 *   2. otherwise to every province whose registry holds a certificate of
 *      theirs (certificates.province_code, where they were certified);
 *   3. a person the registry does not know (no application, no
 *      certificate) belongs to no province: only a system admin may
 *      import rows for them (as for identity data).
 * Scope is decided on what the database holds, never on the uploaded
 * row.  employment: the province of rule 1 or NULL; certs: the n
 * province codes of rule 2.  Returns 1 if `province` may write the row.
 */
int jszg_person_in_province(const char *province, const char *employment,
                            const char *const *certs, int n);

/*
 * Other 证件 (not a 居民身份证): the shape printed on the document, on the
 * upper-cased number.  港澳居民来往内地通行证: H or M and 8 or 10 digits;
 * 台湾居民来往大陆通行证: 8 or 10 digits; 外国人永久居留身份证: 3 letters and
 * 12 digits (2004 card) or 18 digits starting 9 (2023 card); any other
 * type (护照): 5 to 17 letters and digits.  1 when it fits.
 */
int jszg_idcard_other_valid(const char *type, const char *id);

/*
 * 姓名 as on the document (already trimmed): valid UTF-8 of 1 to 30
 * characters; ASCII only as letters, space, '.' and '-' (Chinese names,
 * the middle dot ·, Latin names).  1 when it fits.
 */
int jszg_person_name_valid(const char *name);

/* Mainland mobile: exactly 11 digits, starting 13..19. */
int jszg_phone_valid(const char *s);

/*
 * Mask for display: first 2 and last 2 characters kept, the middle
 * replaced by exactly 5 stars: "42*****60".  Strings of 4 bytes or fewer
 * become "*****"; NULL gives "".  Works on bytes: meant for ID,
 * certificate and phone numbers (ASCII).
 */
const char *jszg_mask_id(apr_pool_t *p, const char *id);

/*
 * An ID number as a 公示 list prints it: the region and the last four
 * kept, the birth date hidden, "110101********1235" for an 18-character
 * number (15: "110101*****1235"; any 15 or more the same way).  Shorter
 * documents keep their first third and last quarter ("08****56").  Four characters or
 * fewer become "****"; NULL gives "".
 */
const char *jszg_mask_id_public(apr_pool_t *p, const char *id);

#endif /* JSZG_IDCARD_H */
