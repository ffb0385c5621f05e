/*
 * jszg_form.h - request body parsers (urlencoded, multipart/form-data),
 * UTF-8 checks and cookie lookup.
 *
 * Pure C over APR: no httpd headers, unit-tested and fuzzed on its own.
 * The caller reads the whole body (bounded by max_body) into memory and
 * hands it over; every result is allocated from the given pool and stays
 * valid as long as the pool does.  The input buffer need not be
 * NUL-terminated and is never read past len.
 */
#ifndef JSZG_FORM_H
#define JSZG_FORM_H

#include <apr_pools.h>
#include <apr_tables.h>

/* Limits, taken literally (0 means "none allowed"). */
typedef struct {
    apr_size_t max_body;        /* whole body */
    int        max_fields;      /* number of fields incl. files */
    apr_size_t max_field_len;   /* a text field's value, bytes; also names */
    apr_size_t max_file_len;    /* one uploaded file, bytes */
    int        max_files;
} jszg_form_limits;

/* Defaults used when a parser is given lim == NULL. */
#define JSZG_FORM_DEFAULT_MAX_BODY       (8 * 1024 * 1024)
#define JSZG_FORM_DEFAULT_MAX_FIELDS     200
#define JSZG_FORM_DEFAULT_MAX_FIELD_LEN  (64 * 1024)
#define JSZG_FORM_DEFAULT_MAX_FILE_LEN   (4 * 1024 * 1024)
#define JSZG_FORM_DEFAULT_MAX_FILES      4

/* A multipart part's header block may not exceed this. */
#define JSZG_FORM_MAX_PART_HEADERS       8192

typedef struct {
    const char *name;        /* NUL-terminated, valid UTF-8 */
    const char *value;       /* text value (NUL-terminated) or file bytes */
    apr_size_t  len;
    const char *filename;    /* NULL for text fields */
    const char *content_type;/* part's Content-Type or NULL */
} jszg_form_field;

typedef enum {
    JSZG_FORM_OK = 0,
    JSZG_FORM_BODY_TOO_LARGE,
    JSZG_FORM_TOO_MANY_FIELDS,
    JSZG_FORM_FIELD_TOO_LONG,
    JSZG_FORM_FILE_TOO_LARGE,
    JSZG_FORM_TOO_MANY_FILES,
    JSZG_FORM_BAD_ENCODING,     /* bad %xx */
    JSZG_FORM_BAD_UTF8,
    JSZG_FORM_NUL_BYTE,         /* NUL in a name or a text field */
    JSZG_FORM_BAD_MULTIPART,
    JSZG_FORM_UNSUPPORTED_TYPE,
    JSZG_FORM_CONTROL_CHAR      /* a control or format character */
} jszg_form_status;

/* Fills *lim with the JSZG_FORM_DEFAULT_* values. */
void jszg_form_limits_default(jszg_form_limits *lim);

/*
 * application/x-www-form-urlencoded.  Pairs are split on '&', empty pairs
 * and pairs with an empty name are skipped, a pair without '=' has the
 * empty value.  '+' is a space, %XX must have two hex digits.
 * On success *fields is an array of jszg_form_field in body order (never
 * NULL); on failure *fields is NULL.
 */
jszg_form_status jszg_form_parse_urlencoded(apr_pool_t *p, const char *body,
                                            apr_size_t len,
                                            const jszg_form_limits *lim,
                                            apr_array_header_t **fields);

/*
 * multipart/form-data (RFC 7578).  content_type is the full request
 * header, e.g. multipart/form-data; boundary="...".  Text parts must be
 * UTF-8 without NUL; file parts (those with a filename parameter, even an
 * empty one) are binary, their bytes copied as they are (and followed by
 * a NUL that is not counted in len).  Filenames lose any path
 * ('/' or '\\').  Quoted parameters are taken up to the next '"' without
 * backslash escapes, as browsers send them (HTML spec: '"' is sent as %22).
 */
jszg_form_status jszg_form_parse_multipart(apr_pool_t *p,
                                           const char *content_type,
                                           const char *body, apr_size_t len,
                                           const jszg_form_limits *lim,
                                           apr_array_header_t **fields);

/*
 * Dispatch on Content-Type.  An empty body gives an empty array whatever
 * the type; a body with a missing or other type is UNSUPPORTED_TYPE.
 */
jszg_form_status jszg_form_parse(apr_pool_t *p, const char *content_type,
                                 const char *body, apr_size_t len,
                                 const jszg_form_limits *lim,
                                 apr_array_header_t **fields);

/* First field with that name, or NULL.  fields may be NULL. */
const jszg_form_field *jszg_form_find(const apr_array_header_t *fields,
                                      const char *name);

/* First field's text value, or NULL if missing or a file. */
const char *jszg_form_get(const apr_array_header_t *fields,
                          const char *name);

/* 200 for OK, 413 for every limit, 415 unsupported type, 400 otherwise. */
int jszg_form_status_http(jszg_form_status st);

/* Stable API code, e.g. "body_too_large". */
const char *jszg_form_status_code(jszg_form_status st);

/* Simplified Chinese message for the page. */
const char *jszg_form_status_message(jszg_form_status st);

/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
int jszg_utf8_valid(const char *s, apr_size_t len);

/*
 * The one rule every text field passes (names and values of urlencoded
 * and multipart fields, query parameters; jszg_form_parse* call it):
 * strict UTF-8, no NUL, and no Unicode control or format character --
 * general categories Cc (except TAB, LF, CR, which text areas need;
 * single-line fields refuse those in their own rules), Cf (zero-width
 * space and joiners, BOM, soft hyphen, bidi embeddings, overrides and
 * isolates, ...) and the line/paragraph separators U+2028/U+2029.
 * Everything else real names use passes: the middle dots of minority
 * names (U+00B7, U+30FB), 生僻字 outside the BMP (U+20000...).
 * Returns JSZG_FORM_OK, _NUL_BYTE, _BAD_UTF8 or _CONTROL_CHAR.
 */
jszg_form_status jszg_text_check(const char *s, apr_size_t len);

/* The per-character rule of jszg_text_check. */
int jszg_text_char_allowed(apr_uint32_t c);

/* Code points in s (for "<= 60 characters" rules); on invalid input it
 * counts the bytes that are not continuation bytes. */
apr_size_t jszg_utf8_chars(const char *s, apr_size_t len);

/*
 * Cookie header (RFC 6265 cookie-string, tolerant of extra spaces and
 * empty pairs).  Returns the first value for name (exact, case-sensitive
 * match), without surrounding double quotes, or NULL.
 */
const char *jszg_cookie_get(apr_pool_t *p, const char *cookie_header,
                            const char *name);

/*
 * Query string (r->args): parsed as urlencoded with the default limits,
 * then jszg_form_get.  NULL if args is NULL, malformed or has no such name.
 */
const char *jszg_query_get(apr_pool_t *p, const char *args,
                           const char *name);

#endif /* JSZG_FORM_H */
