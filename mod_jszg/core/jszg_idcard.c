/*
 * jszg_idcard.c - GB 11643-1999 ID numbers, certificate numbers, mobile
 * numbers, masking.  See jszg_idcard.h.  No httpd headers here.
 */
#include <string.h>

#include <apr_strings.h>
#include <apr_lib.h>

#include "jszg_idcard.h"
#include "jszg_rules.h"
#include "jszg_form.h"

#define ID_LEN 18

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int all_digits(const char *s, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (!is_digit(s[i])) {
            return 0;
        }
    }
    return 1;
}

/* Value of n digits at s (n <= 8, digits already checked). */
static long digits_val(const char *s, int n)
{
    long v = 0;
    int i;

    for (i = 0; i < n; i++) {
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Province-level codes of GB/T 2260 (first two digits). */
static int region_ok(int code)
{
    static const int ranges[][2] = {
        { 11, 15 }, { 21, 23 }, { 31, 37 }, { 41, 46 }, { 50, 54 },
        { 61, 65 }, { 71, 71 }, { 81, 82 }
    };
    apr_size_t i;

    for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        if (code >= ranges[i][0] && code <= ranges[i][1]) {
            return 1;
        }
    }
    return 0;
}

static int date_ok(long ymd, long today)
{
    if (!jszg_rules_date_ok((int)(ymd / 10000), (int)(ymd / 100 % 100),
                            (int)(ymd % 100), JSZG_ID_MIN_YEAR, 9999))
        return 0;
    return today <= 0 || ymd <= today;
}

/* GB 11643 check character over the first 17 digits. */
static char check_char(const char *id)
{
    static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3,
                               7, 9, 10, 5, 8, 4, 2 };
    static const char map[] = "10X98765432";
    int i, sum = 0;

    for (i = 0; i < 17; i++) {
        sum += (id[i] - '0') * w[i];
    }
    return map[sum % 11];
}

jszg_id_status jszg_idcard_check(const char *in, long today_yyyymmdd,
                                 char out[19])
{
    char id[ID_LEN + 1];
    apr_size_t n;

    if (out) {
        out[0] = '\0';
    }
    if (!in) {
        return JSZG_ID_EMPTY;
    }
    while (is_blank(*in)) {
        in++;
    }
    n = strlen(in);
    while (n > 0 && is_blank(in[n - 1])) {
        n--;
    }
    if (n == 0) {
        return JSZG_ID_EMPTY;
    }
    if (n != ID_LEN) {
        return JSZG_ID_BAD_LENGTH;
    }
    memcpy(id, in, ID_LEN);
    id[ID_LEN] = '\0';
    if (id[17] == 'x') {
        id[17] = 'X';
    }
    if (!all_digits(id, 17) || !(is_digit(id[17]) || id[17] == 'X')) {
        return JSZG_ID_BAD_CHAR;
    }
    if (!region_ok((int)digits_val(id, 2))) {
        return JSZG_ID_BAD_REGION;
    }
    if (!date_ok(digits_val(id + 6, 8), today_yyyymmdd)) {
        return JSZG_ID_BAD_DATE;
    }
    if (check_char(id) != id[17]) {
        return JSZG_ID_BAD_CHECK;
    }
    if (out) {
        memcpy(out, id, ID_LEN + 1);
    }
    return JSZG_ID_OK;
}

const char *jszg_idcard_message(jszg_id_status st)
{
    switch (st) {
    case JSZG_ID_OK:
        return "身份证号码正确";
    case JSZG_ID_EMPTY:
        return "请输入身份证号码";
    case JSZG_ID_BAD_LENGTH:
        return "身份证号码应为18位，请核对后重新输入";
    case JSZG_ID_BAD_CHAR:
        return "身份证号码只能由数字组成，最后一位可以是X，请核对后重新输入";
    case JSZG_ID_BAD_REGION:
        return "身份证号码的地区代码不正确，请核对后重新输入";
    case JSZG_ID_BAD_DATE:
        return "身份证号码中的出生日期不正确，请核对后重新输入";
    case JSZG_ID_BAD_CHECK:
        return "身份证号码校验位不正确，请核对后重新输入";
    }
    return "身份证号码不正确，请核对后重新输入";
}

const char *jszg_idcard_code(jszg_id_status st)
{
    switch (st) {
    case JSZG_ID_OK:
        return "ok";
    case JSZG_ID_EMPTY:
        return "id_empty";
    case JSZG_ID_BAD_LENGTH:
        return "id_bad_length";
    case JSZG_ID_BAD_CHAR:
        return "id_bad_char";
    case JSZG_ID_BAD_REGION:
        return "id_bad_region";
    case JSZG_ID_BAD_DATE:
        return "id_bad_date";
    case JSZG_ID_BAD_CHECK:
        return "id_bad_check";
    }
    return "id_invalid";
}

int jszg_idcard_sex(const char *id18)
{
    if (!id18 || strlen(id18) != ID_LEN || !is_digit(id18[16])) {
        return 0;
    }
    return (id18[16] - '0') % 2 ? 1 : 2;
}

/* Year of 认定, or 0 if s is neither 15 nor 17 digits. */
static int certno_year(const char *s)
{
    apr_size_t n;
    long yy;

    if (!s) {
        return 0;
    }
    n = strlen(s);
    if ((n != 15 && n != 17) || !all_digits(s, n)) {
        return 0;
    }
    if (n == 17) {
        return (int)digits_val(s, 4);
    }
    yy = digits_val(s, 2);
    return (int)(yy >= 96 ? 1900 + yy : 2000 + yy);
}

int jszg_certno_valid(const char *s, int this_year)
{
    int year = certno_year(s);

    if (year < 1996 || year > this_year) {
        return 0;
    }
    if (strlen(s) == 17) {
        return s[9] >= '1' && s[9] <= '7';
    }
    return 1;
}

int jszg_certno_kind(const char *s)
{
    char k;

    if (!certno_year(s)) {
        return 0;
    }
    k = strlen(s) == 17 ? s[9] : s[8];
    return k >= '1' && k <= '7' ? k - '0' : 0;
}

jszg_certno_part jszg_certno_agrees(const char *no, const char *issued_on,
                                    const char *province_code, int kind,
                                    int sex)
{
    int year = certno_year(no), long_form, sexd;

    if (!year || !issued_on || strlen(issued_on) < 4
        || !all_digits(issued_on, 4) || !province_code
        || strlen(province_code) < 2) {
        return JSZG_CERTNO_BAD;
    }
    long_form = strlen(no) == 17;
    if (year != (int)digits_val(issued_on, 4)) {
        return JSZG_CERTNO_YEAR;
    }
    if (strncmp(no + (long_form ? 4 : 2), province_code, 2)) {
        return JSZG_CERTNO_PROVINCE;
    }
    if (jszg_certno_kind(no) != kind) {
        return JSZG_CERTNO_KIND;
    }
    sexd = no[long_form ? 10 : 9] - '0';
    if (long_form && year >= 2009) {
        sexd -= 1;              /* 1 男 2 女 -> 0 男 1 女 */
    }
    if ((sexd != 0 && sexd != 1) || (sex && sexd != sex - 1)) {
        return JSZG_CERTNO_SEX;
    }
    return JSZG_CERTNO_AGREES;
}

const char *jszg_certno_part_message(jszg_certno_part part)
{
    switch (part) {
    case JSZG_CERTNO_AGREES:
        return "";
    case JSZG_CERTNO_BAD:
        return "证书号码应为15位或17位数字";
    case JSZG_CERTNO_YEAR:
        return "证书号码中的认定年份与认定日期不一致";
    case JSZG_CERTNO_PROVINCE:
        return "证书号码中的省份代码与省份代码列不一致";
    case JSZG_CERTNO_KIND:
        return "证书号码中的资格种类代码与资格种类列不一致";
    case JSZG_CERTNO_SEX:
        return "证书号码中的性别代码与性别列不一致";
    }
    return "证书号码与本行其他信息不一致";
}

int jszg_person_in_province(const char *province, const char *employment,
                            const char *const *certs, int n)
{
    int i;

    if (!province || !*province) {
        return 0;
    }
    if (employment && *employment) {
        return !strcmp(employment, province);
    }
    for (i = 0; i < n; i++) {
        if (certs[i] && !strcmp(certs[i], province)) {
            return 1;
        }
    }
    return 0;
}

/* Exactly n digits. */
static int digits_exactly(const char *s, apr_size_t n)
{
    return all_digits(s, n) && strlen(s) == n;
}

int jszg_idcard_other_valid(const char *type, const char *id)
{
    apr_size_t n = strlen(id), i;

    if (!strcmp(type, "港澳居民来往内地通行证")) {
        return (id[0] == 'H' || id[0] == 'M')
               && (digits_exactly(id + 1, 8) || digits_exactly(id + 1, 10));
    }
    if (!strcmp(type, "台湾居民来往大陆通行证")) {
        return digits_exactly(id, 8) || digits_exactly(id, 10);
    }
    if (!strcmp(type, "外国人永久居留身份证")) {
        return (n == 15 && apr_isalpha(id[0]) && apr_isalpha(id[1])
                && apr_isalpha(id[2]) && digits_exactly(id + 3, 12))
               || (n == 18 && id[0] == '9' && digits_exactly(id, 18));
    }
    /* 护照 */
    if (n < 5 || n > 17) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!apr_isalnum(id[i])) {
            return 0;
        }
    }
    return 1;
}

int jszg_person_name_valid(const char *name)
{
    apr_size_t len = strlen(name), n;
    const char *c;

    n = jszg_utf8_chars(name, len);
    for (c = name; *c; c++) {
        unsigned char u = (unsigned char)*c;
        if (u < 0x80 && !apr_isalpha(u) && u != ' ' && u != '.'
            && u != '-') {
            return 0;
        }
    }
    return n > 0 && n <= 30 && jszg_utf8_valid(name, len);
}

int jszg_phone_valid(const char *s)
{
    return s && strlen(s) == 11 && all_digits(s, 11)
           && s[0] == '1' && s[1] >= '3' && s[1] <= '9';
}

const char *jszg_mask_id(apr_pool_t *p, const char *id)
{
    apr_size_t n;

    if (!id) {
        return "";
    }
    n = strlen(id);
    if (n <= 4) {
        return "*****";
    }
    return apr_psprintf(p, "%.2s*****%s", id, id + n - 2);
}

const char *jszg_mask_id_public(apr_pool_t *p, const char *id)
{
    apr_size_t n, head, tail;
    char *out;

    if (!id) {
        return "";
    }
    n = strlen(id);
    if (n <= 4) {
        return "****";
    }
    head = n >= 15 ? 6 : n / 3;
    tail = n >= 15 ? 4 : n / 4;
    out = apr_pstrdup(p, id);
    memset(out + head, '*', n - head - tail);
    return out;
}
