/*
 * jszg_csv.c - strict RFC 4180 reader (see jszg_csv.h).
 *
 * One pass over the bytes with a small state machine; fields are copied
 * into a growing buffer and interned in the pool when complete.  Every
 * limit is checked before memory is spent on it.
 */
#include "jszg_csv.h"

#include <string.h>
#include <apr_strings.h>

void jszg_csv_limits_default(jszg_csv_limits *lim)
{
    lim->max_bytes = JSZG_CSV_DEFAULT_MAX_BYTES;
    lim->max_records = JSZG_CSV_DEFAULT_MAX_RECORDS;
    lim->max_fields = JSZG_CSV_DEFAULT_MAX_FIELDS;
    lim->max_field_len = JSZG_CSV_DEFAULT_MAX_FIELD_LEN;
}

int jszg_csv_utf8_valid(const char *s, apr_size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t i = 0;

    while (i < len) {
        unsigned char c = u[i];
        apr_size_t n, k;
        unsigned long cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        }
        else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        }
        else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        }
        else
            return 0;
        if (len - i <= n)       /* the n continuation bytes are missing */
            return 0;
        for (k = 1; k <= n; k++) {
            if ((u[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (u[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)
            || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

typedef struct {
    apr_pool_t *p;
    const jszg_csv_limits *lim;
    apr_array_header_t *out;
    apr_array_header_t *fields;     /* const char * of the current record */
    char *buf;                      /* the current field */
    apr_size_t blen;
    int rec_line;
} parser_t;

static jszg_csv_status add_char(parser_t *ps, char c)
{
    if (ps->blen >= ps->lim->max_field_len)
        return JSZG_CSV_FIELD_TOO_LONG;
    ps->buf[ps->blen++] = c;
    return JSZG_CSV_OK;
}

static jszg_csv_status end_field(parser_t *ps)
{
    if (ps->fields->nelts >= ps->lim->max_fields)
        return JSZG_CSV_TOO_MANY_FIELDS;
    APR_ARRAY_PUSH(ps->fields, const char *) =
        apr_pstrmemdup(ps->p, ps->buf, ps->blen);
    ps->blen = 0;
    return JSZG_CSV_OK;
}

/* A record of one empty field is a blank line: skipped. */
static jszg_csv_status end_record(parser_t *ps)
{
    jszg_csv_record *rec;
    jszg_csv_status st = end_field(ps);

    if (st != JSZG_CSV_OK)
        return st;
    if (ps->fields->nelts == 1
        && !*APR_ARRAY_IDX(ps->fields, 0, const char *)) {
        apr_array_clear(ps->fields);
        return JSZG_CSV_OK;
    }
    if (ps->out->nelts >= ps->lim->max_records)
        return JSZG_CSV_TOO_MANY_RECORDS;
    rec = apr_array_push(ps->out);
    rec->line = ps->rec_line;
    rec->nfields = ps->fields->nelts;
    rec->fields = apr_pmemdup(ps->p, ps->fields->elts,
                              sizeof(const char *) * ps->fields->nelts);
    apr_array_clear(ps->fields);
    return JSZG_CSV_OK;
}

enum { S_START, S_UNQUOTED, S_QUOTED, S_QUOTE_IN_QUOTED };

jszg_csv_status jszg_csv_parse(apr_pool_t *p, const char *buf,
                               apr_size_t len, const jszg_csv_limits *lim,
                               apr_array_header_t **records, int *err_line)
{
    jszg_csv_limits dflt;
    parser_t ps;
    jszg_csv_status st = JSZG_CSV_OK;
    apr_size_t i = 0;
    int state = S_START, line = 1;

    *records = NULL;
    *err_line = 0;
    if (!lim) {
        jszg_csv_limits_default(&dflt);
        lim = &dflt;
    }
    if (len > lim->max_bytes)
        return JSZG_CSV_TOO_LARGE;
    if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
        i = 3;
    memset(&ps, 0, sizeof(ps));
    ps.p = p;
    ps.lim = lim;
    ps.out = apr_array_make(p, 16, sizeof(jszg_csv_record));
    ps.fields = apr_array_make(p, 16, sizeof(const char *));
    ps.buf = apr_palloc(p, lim->max_field_len + 1);
    ps.rec_line = 1;
    if (memchr(buf, '\0', len)) {
        const char *z = memchr(buf, '\0', len);
        apr_size_t k;
        for (k = 0; buf + k < z; k++)
            line += buf[k] == '\n';
        *err_line = line;
        return JSZG_CSV_NUL;
    }
    if (!jszg_csv_utf8_valid(buf + i, len - i))
        return JSZG_CSV_BAD_UTF8;

    for (; i < len && st == JSZG_CSV_OK; i++) {
        char c = buf[i];
        int eol = c == '\n' || c == '\r';

        switch (state) {
        case S_START:
        case S_UNQUOTED:
            if (c == '"') {
                if (state == S_UNQUOTED)
                    st = JSZG_CSV_STRAY_QUOTE;
                else
                    state = S_QUOTED;
            }
            else if (c == ',') {
                st = end_field(&ps);
                state = S_START;
            }
            else if (eol) {
                if ((st = end_record(&ps)) != JSZG_CSV_OK)
                    break;
                if (c == '\r' && i + 1 < len && buf[i + 1] == '\n')
                    i++;
                line++;
                ps.rec_line = line;
                state = S_START;
            }
            else {
                st = add_char(&ps, c);
                state = S_UNQUOTED;
            }
            break;
        case S_QUOTED:
            if (c == '"')
                state = S_QUOTE_IN_QUOTED;
            else {
                if (c == '\n' || (c == '\r' && !(i + 1 < len
                                                 && buf[i + 1] == '\n')))
                    line++;
                st = add_char(&ps, c);
            }
            break;
        case S_QUOTE_IN_QUOTED:
            if (c == '"') {             /* "" is one quote */
                st = add_char(&ps, '"');
                state = S_QUOTED;
            }
            else if (c == ',') {
                st = end_field(&ps);
                state = S_START;
            }
            else if (eol) {
                if ((st = end_record(&ps)) != JSZG_CSV_OK)
                    break;
                if (c == '\r' && i + 1 < len && buf[i + 1] == '\n')
                    i++;
                line++;
                ps.rec_line = line;
                state = S_START;
            }
            else
                st = JSZG_CSV_AFTER_QUOTE;
            break;
        }
    }
    if (st == JSZG_CSV_OK && state == S_QUOTED)
        st = JSZG_CSV_UNTERMINATED;
    /* the last record may lack its line end */
    if (st == JSZG_CSV_OK && (state != S_START || ps.blen
                              || ps.fields->nelts))
        st = end_record(&ps);
    if (st != JSZG_CSV_OK) {
        *err_line = st == JSZG_CSV_UNTERMINATED ? ps.rec_line : line;
        *records = ps.out;      /* the complete records before it */
        return st;
    }
    if (!ps.out->nelts)
        return JSZG_CSV_EMPTY;
    *records = ps.out;
    return JSZG_CSV_OK;
}

const char *jszg_csv_status_message(jszg_csv_status st)
{
    switch (st) {
    case JSZG_CSV_OK:               return "成功";
    case JSZG_CSV_TOO_LARGE:        return "文件过大";
    case JSZG_CSV_TOO_MANY_RECORDS: return "行数超过上限";
    case JSZG_CSV_TOO_MANY_FIELDS:  return "列数超过上限";
    case JSZG_CSV_FIELD_TOO_LONG:   return "字段内容过长";
    case JSZG_CSV_STRAY_QUOTE:      return "未加引号的字段中出现了双引号";
    case JSZG_CSV_AFTER_QUOTE:      return "引号结束后出现了多余的字符";
    case JSZG_CSV_UNTERMINATED:     return "引号没有结束";
    case JSZG_CSV_NUL:              return "文件中含有空字符（不是文本文件）";
    case JSZG_CSV_BAD_UTF8:         return "文件编码不是UTF-8或GB18030";
    case JSZG_CSV_EMPTY:            return "文件中没有数据";
    }
    return "格式错误";
}

const char *jszg_csv_status_code(jszg_csv_status st)
{
    switch (st) {
    case JSZG_CSV_OK:               return "ok";
    case JSZG_CSV_TOO_LARGE:        return "csv_too_large";
    case JSZG_CSV_TOO_MANY_RECORDS: return "csv_too_many_records";
    case JSZG_CSV_TOO_MANY_FIELDS:  return "csv_too_many_fields";
    case JSZG_CSV_FIELD_TOO_LONG:   return "csv_field_too_long";
    case JSZG_CSV_STRAY_QUOTE:      return "csv_stray_quote";
    case JSZG_CSV_AFTER_QUOTE:      return "csv_after_quote";
    case JSZG_CSV_UNTERMINATED:     return "csv_unterminated";
    case JSZG_CSV_NUL:              return "csv_nul";
    case JSZG_CSV_BAD_UTF8:         return "csv_bad_encoding";
    case JSZG_CSV_EMPTY:            return "csv_empty";
    }
    return "csv_error";
}

const char *jszg_csv_cell(apr_pool_t *p, const char *v)
{
    const char *c;
    char *out, *o;

    if (!v)
        return "";
    out = o = apr_palloc(p, strlen(v) * 2 + 4);
    *o++ = '"';
    if (*v == '=' || *v == '+' || *v == '-' || *v == '@')
        *o++ = '\'';
    for (c = v; *c; c++) {
        if (*c == '"')
            *o++ = '"';
        *o++ = *c;
    }
    *o++ = '"';
    *o = '\0';
    return out;
}
