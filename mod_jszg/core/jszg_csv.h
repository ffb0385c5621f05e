/*
 * jszg_csv.h - a strict CSV reader (RFC 4180) for the back office's data
 * imports.
 *
 * Pure C over APR: no httpd headers, unit-tested and fuzzed on its own.
 *
 * Accepted: UTF-8 (validated; an initial BOM is skipped), fields split on
 * ',' and records on CRLF, LF or a lone CR; quoted fields ("a,b", "say
 * ""hi""", line breaks inside); an empty line between records is
 * skipped.  Refused, with the 1-based line number: a '"' inside an
 * unquoted field, anything but ',' or a line end after a closing quote, an
 * unterminated quote, a NUL byte, invalid UTF-8, and every limit.
 */
#ifndef JSZG_CSV_H
#define JSZG_CSV_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct {
    apr_size_t max_bytes;       /* whole input */
    int        max_records;     /* header included */
    int        max_fields;      /* per record */
    apr_size_t max_field_len;   /* bytes, after unquoting */
} jszg_csv_limits;

#define JSZG_CSV_DEFAULT_MAX_BYTES     (4 * 1024 * 1024)
#define JSZG_CSV_DEFAULT_MAX_RECORDS   20000
#define JSZG_CSV_DEFAULT_MAX_FIELDS    32
#define JSZG_CSV_DEFAULT_MAX_FIELD_LEN 1024

typedef struct {
    int line;                   /* physical line where the record starts */
    int nfields;
    const char **fields;        /* NUL-terminated UTF-8 strings */
} jszg_csv_record;

typedef enum {
    JSZG_CSV_OK = 0,
    JSZG_CSV_TOO_LARGE,
    JSZG_CSV_TOO_MANY_RECORDS,
    JSZG_CSV_TOO_MANY_FIELDS,
    JSZG_CSV_FIELD_TOO_LONG,
    JSZG_CSV_STRAY_QUOTE,       /* '"' inside an unquoted field */
    JSZG_CSV_AFTER_QUOTE,       /* junk after a closing quote */
    JSZG_CSV_UNTERMINATED,      /* quote never closed */
    JSZG_CSV_NUL,
    JSZG_CSV_BAD_UTF8,
    JSZG_CSV_EMPTY              /* no record at all */
} jszg_csv_status;

void jszg_csv_limits_default(jszg_csv_limits *lim);

/*
 * Parse buf[0..len) (need not be NUL-terminated).  On success *records is
 * an array of jszg_csv_record (never NULL, at least one record).  On
 * failure *err_line is the line of the problem (0 when the problem is the
 * whole input, e.g. TOO_LARGE) and *records holds the complete records
 * before the problem (possibly none), so that a caller can still check
 * them; it is NULL when the input was refused as a whole (TOO_LARGE,
 * NUL, BAD_UTF8, EMPTY).  lim NULL = defaults.
 */
jszg_csv_status jszg_csv_parse(apr_pool_t *p, const char *buf,
                               apr_size_t len, const jszg_csv_limits *lim,
                               apr_array_header_t **records, int *err_line);

/* Strict UTF-8 check (no overlongs, no surrogates, <= U+10FFFF). */
int jszg_csv_utf8_valid(const char *s, apr_size_t len);

/* Chinese message and stable code of a status. */
const char *jszg_csv_status_message(jszg_csv_status st);
const char *jszg_csv_status_code(jszg_csv_status st);

/* One field of a CSV we write (exports): always quoted (RFC 4180, '"'
 * doubled); a field that starts with = + - @ gets a leading ' so that a
 * spreadsheet does not run it as a formula (CSV injection).  NULL gives
 * the empty field. */
const char *jszg_csv_cell(apr_pool_t *p, const char *v);

/* The UTF-8 byte order mark an export starts with: Excel reads a CSV
 * without it in the local code page (GBK on a Chinese Windows). */
#define JSZG_CSV_BOM "\xEF\xBB\xBF"

#endif /* JSZG_CSV_H */
