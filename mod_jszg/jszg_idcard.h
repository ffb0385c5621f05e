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

/* Mainland mobile: exactly 11 digits, starting 13..19. */
int jszg_phone_valid(const char *s);

/*
 * Mask for display: first 2 and last 2 characters kept, the middle
 * replaced by exactly 5 stars: "42*****60".  Strings of 4 bytes or fewer
 * become "*****"; NULL gives "".  Works on bytes: meant for ID,
 * certificate and phone numbers (ASCII).
 */
const char *jszg_mask_id(apr_pool_t *p, const char *id);

#endif /* JSZG_IDCARD_H */
