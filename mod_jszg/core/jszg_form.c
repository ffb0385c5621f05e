/*
 * jszg_form.c - request body parsers, UTF-8 checks, cookie lookup.
 * See jszg_form.h for the contract.  No httpd headers here.
 */
#include <string.h>

#include <apr_strings.h>
#include <apr_lib.h>

#include "jszg_form.h"

#define MT_URLENCODED "application/x-www-form-urlencoded"
#define MT_MULTIPART  "multipart/form-data"
#define MAX_BOUNDARY  70

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

void jszg_form_limits_default(jszg_form_limits *lim)
{
    lim->max_body = JSZG_FORM_DEFAULT_MAX_BODY;
    lim->max_fields = JSZG_FORM_DEFAULT_MAX_FIELDS;
    lim->max_field_len = JSZG_FORM_DEFAULT_MAX_FIELD_LEN;
    lim->max_file_len = JSZG_FORM_DEFAULT_MAX_FILE_LEN;
    lim->max_files = JSZG_FORM_DEFAULT_MAX_FILES;
}

static const jszg_form_limits *limits_or_default(const jszg_form_limits *lim,
                                                 jszg_form_limits *buf)
{
    if (lim) {
        return lim;
    }
    jszg_form_limits_default(buf);
    return buf;
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static const char *skip_ows(const char *s)
{
    while (is_ows(*s)) {
        s++;
    }
    return s;
}

/* Bounded search: first needle in hay[0..hlen), never reads past hlen. */
static const char *find_bytes(const char *hay, apr_size_t hlen,
                              const char *needle, apr_size_t nlen)
{
    const char *end, *c;

    if (nlen == 0 || hlen < nlen) {
        return NULL;
    }
    end = hay + (hlen - nlen) + 1;   /* last possible start + 1 */
    while (hay < end) {
        c = memchr(hay, needle[0], (apr_size_t)(end - hay));
        if (!c) {
            return NULL;
        }
        if (memcmp(c, needle, nlen) == 0) {
            return c;
        }
        hay = c + 1;
    }
    return NULL;
}

/* 1 if the header value ct has media type `type` (parameters ignored). */
static int media_type_is(const char *ct, const char *type)
{
    apr_size_t n = strlen(type);

    if (!ct) {
        return 0;
    }
    ct = skip_ows(ct);
    if (strncasecmp(ct, type, n) != 0) {
        return 0;
    }
    ct = skip_ows(ct + n);
    return *ct == '\0' || *ct == ';';
}

/* ------------------------------------------------------------------ */
/* UTF-8                                                               */
/* ------------------------------------------------------------------ */

/* Length of the valid sequence at s (1..4), or 0 if invalid.
 * Ranges from Unicode 15, table 3-7. */
static apr_size_t utf8_seq(const unsigned char *s, apr_size_t avail)
{
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xBF;
    apr_size_t n, i;

    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    }
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) {
            lo = 0xA0;              /* overlong */
        }
        else if (c == 0xED) {
            hi = 0x9F;              /* surrogates */
        }
    }
    else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) {
            lo = 0x90;              /* overlong */
        }
        else if (c == 0xF4) {
            hi = 0x8F;              /* above U+10FFFF */
        }
    }
    else {
        return 0;                   /* 80..C1, F5..FF */
    }
    if (avail < n || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (i = 2; i < n; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF) {
            return 0;
        }
    }
    return n;
}

int jszg_utf8_valid(const char *s, apr_size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t i = 0, n;

    while (i < len) {
        n = utf8_seq(u + i, len - i);
        if (n == 0) {
            return 0;
        }
        i += n;
    }
    return 1;
}

apr_size_t jszg_utf8_chars(const char *s, apr_size_t len)
{
    apr_size_t i, n = 0;

    for (i = 0; i < len; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            n++;
        }
    }
    return n;
}

/* Format characters (general category Cf, Unicode 15.1): invisible, and
 * some reorder the text around them (U+202E) or hide inside a name
 * (U+200B, U+FEFF).  Sorted ranges. */
static const struct { apr_uint32_t lo, hi; } format_chars[] = {
    { 0x00AD, 0x00AD }, { 0x0600, 0x0605 }, { 0x061C, 0x061C },
    { 0x06DD, 0x06DD }, { 0x070F, 0x070F }, { 0x0890, 0x0891 },
    { 0x08E2, 0x08E2 }, { 0x180E, 0x180E }, { 0x200B, 0x200F },
    { 0x202A, 0x202E }, { 0x2060, 0x2064 }, { 0x2066, 0x206F },
    { 0xFEFF, 0xFEFF }, { 0xFFF9, 0xFFFB }, { 0x110BD, 0x110BD },
    { 0x110CD, 0x110CD }, { 0x13430, 0x1343F }, { 0x1BCA0, 0x1BCA3 },
    { 0x1D173, 0x1D17A }, { 0xE0001, 0xE0001 }, { 0xE0020, 0xE007F },
};

int jszg_text_char_allowed(apr_uint32_t c)
{
    apr_size_t lo = 0, hi = sizeof(format_chars) / sizeof(format_chars[0]);

    if (c == '\t' || c == '\n' || c == '\r') {
        return 1;                   /* text areas; single-line fields
                                     * refuse them in their own rule */
    }
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
        return 0;                   /* Cc */
    }
    if (c == 0x2028 || c == 0x2029) {
        return 0;                   /* Zl, Zp */
    }
    while (lo < hi) {               /* Cf */
        apr_size_t mid = (lo + hi) / 2;
        if (c < format_chars[mid].lo) {
            hi = mid;
        }
        else if (c > format_chars[mid].hi) {
            lo = mid + 1;
        }
        else {
            return 0;
        }
    }
    return 1;
}

/* Code point of the valid n-byte sequence at s. */
static apr_uint32_t utf8_decode(const unsigned char *s, apr_size_t n)
{
    apr_uint32_t c = n == 1 ? s[0] : n == 2 ? s[0] & 0x1F
                     : n == 3 ? s[0] & 0x0F : s[0] & 0x07;
    apr_size_t i;

    for (i = 1; i < n; i++) {
        c = (c << 6) | (s[i] & 0x3F);
    }
    return c;
}

jszg_form_status jszg_text_check(const char *s, apr_size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t i = 0, n;

    if (len && memchr(s, '\0', len)) {
        return JSZG_FORM_NUL_BYTE;
    }
    while (i < len) {
        n = utf8_seq(u + i, len - i);
        if (n == 0) {
            return JSZG_FORM_BAD_UTF8;
        }
        if (!jszg_text_char_allowed(utf8_decode(u + i, n))) {
            return JSZG_FORM_CONTROL_CHAR;
        }
        i += n;
    }
    return JSZG_FORM_OK;
}

static jszg_form_status check_text(const char *s, apr_size_t len)
{
    return jszg_text_check(s, len);
}

/* ------------------------------------------------------------------ */
/* application/x-www-form-urlencoded                                   */
/* ------------------------------------------------------------------ */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Decoded length of src, or BAD_ENCODING for a bad or cut %XX. */
static jszg_form_status url_decoded_len(const char *src, apr_size_t len,
                                        apr_size_t *out)
{
    apr_size_t i = 0, n = 0;

    while (i < len) {
        if (src[i] == '%') {
            if (len - i < 3 || hexval(src[i + 1]) < 0
                || hexval(src[i + 2]) < 0) {
                return JSZG_FORM_BAD_ENCODING;
            }
            i += 3;
        }
        else {
            i++;
        }
        n++;
    }
    *out = n;
    return JSZG_FORM_OK;
}

/*
 * Decodes src into a pool string and checks it is NUL-free UTF-8.
 * The length is measured first so that nothing above max is allocated.
 */
static jszg_form_status url_decode(apr_pool_t *p, const char *src,
                                   apr_size_t len, apr_size_t max,
                                   char **out, apr_size_t *outlen)
{
    jszg_form_status st;
    apr_size_t n, i, j = 0;
    char *d;

    st = url_decoded_len(src, len, &n);
    if (st != JSZG_FORM_OK) {
        return st;
    }
    if (n > max) {
        return JSZG_FORM_FIELD_TOO_LONG;
    }
    d = apr_palloc(p, n + 1);
    for (i = 0; i < len; i++) {
        if (src[i] == '%') {
            d[j++] = (char)(hexval(src[i + 1]) * 16 + hexval(src[i + 2]));
            i += 2;
        }
        else {
            d[j++] = src[i] == '+' ? ' ' : src[i];
        }
    }
    d[j] = '\0';
    *out = d;
    *outlen = n;
    return check_text(d, n);
}

static jszg_form_status urlencoded_pair(apr_pool_t *p, const char *seg,
                                        apr_size_t seglen,
                                        const jszg_form_limits *lim,
                                        apr_array_header_t *arr)
{
    const char *eq = memchr(seg, '=', seglen);
    apr_size_t nlen = eq ? (apr_size_t)(eq - seg) : seglen;
    jszg_form_field *f;
    jszg_form_status st;
    char *name, *value;
    apr_size_t dnlen, vlen;

    if (nlen == 0) {
        return JSZG_FORM_OK;            /* "=x": nothing to name it by */
    }
    if (arr->nelts >= lim->max_fields) {
        return JSZG_FORM_TOO_MANY_FIELDS;
    }
    st = url_decode(p, seg, nlen, lim->max_field_len, &name, &dnlen);
    if (st != JSZG_FORM_OK) {
        return st;
    }
    if (eq) {
        st = url_decode(p, eq + 1, seglen - nlen - 1, lim->max_field_len,
                        &value, &vlen);
        if (st != JSZG_FORM_OK) {
            return st;
        }
    }
    else {
        value = "";
        vlen = 0;
    }
    f = apr_array_push(arr);
    f->name = name;
    f->value = value;
    f->len = vlen;
    f->filename = NULL;
    f->content_type = NULL;
    return JSZG_FORM_OK;
}

static jszg_form_status urlencoded(apr_pool_t *p, const char *body,
                                   apr_size_t len,
                                   const jszg_form_limits *lim,
                                   apr_array_header_t *arr)
{
    apr_size_t pos = 0, seglen;
    const char *amp;
    jszg_form_status st;

    if (len > lim->max_body) {
        return JSZG_FORM_BODY_TOO_LARGE;
    }
    while (pos < len) {
        amp = memchr(body + pos, '&', len - pos);
        seglen = amp ? (apr_size_t)(amp - (body + pos)) : len - pos;
        if (seglen > 0) {
            st = urlencoded_pair(p, body + pos, seglen, lim, arr);
            if (st != JSZG_FORM_OK) {
                return st;
            }
        }
        pos += seglen + 1;
    }
    return JSZG_FORM_OK;
}

jszg_form_status jszg_form_parse_urlencoded(apr_pool_t *p, const char *body,
                                            apr_size_t len,
                                            const jszg_form_limits *lim,
                                            apr_array_header_t **fields)
{
    jszg_form_limits dflt;
    apr_array_header_t *arr = apr_array_make(p, 8, sizeof(jszg_form_field));
    jszg_form_status st;

    lim = limits_or_default(lim, &dflt);
    st = urlencoded(p, body, body ? len : 0, lim, arr);
    *fields = st == JSZG_FORM_OK ? arr : NULL;
    return st;
}

/* ------------------------------------------------------------------ */
/* Header parameters (Content-Type, Content-Disposition)               */
/* ------------------------------------------------------------------ */

/*
 * Value of parameter pname in "type; a=b; c=\"d\"" as a pool string,
 * NULL when absent (first occurrence wins).  Quoted values run to the
 * next '"' with no backslash escapes: browsers send Windows paths with
 * raw backslashes and '"' as %22.  *bad is set on broken syntax.
 */
static const char *hdr_param(apr_pool_t *p, const char *v, const char *pname,
                             int *bad)
{
    apr_size_t plen = strlen(pname), nlen;
    const char *s = strchr(v, ';'), *n, *val, *e, *found = NULL;
    apr_size_t flen = 0;

    while (s && *s == ';') {
        s = skip_ows(s + 1);
        if (*s == '\0' || *s == ';') {
            continue;                   /* empty parameter */
        }
        n = s;
        while (*s && *s != '=' && *s != ';' && !is_ows(*s)) {
            s++;
        }
        nlen = (apr_size_t)(s - n);
        s = skip_ows(s);
        if (*s != '=') {
            *bad = 1;
            return NULL;
        }
        s = skip_ows(s + 1);
        if (*s == '"') {
            val = s + 1;
            e = strchr(val, '"');
            if (!e) {
                *bad = 1;
                return NULL;
            }
            s = e + 1;
        }
        else {
            val = s;
            while (*s && *s != ';' && !is_ows(*s)) {
                s++;
            }
            e = s;
        }
        s = skip_ows(s);
        if (*s != '\0' && *s != ';') {
            *bad = 1;
            return NULL;
        }
        if (!found && nlen == plen && strncasecmp(n, pname, plen) == 0) {
            found = val;
            flen = (apr_size_t)(e - val);
        }
    }
    return found ? apr_pstrmemdup(p, found, flen) : NULL;
}

/* RFC 2046 bchars; space only inside. */
static int boundary_ok(const char *b)
{
    static const char extra[] = "'()+_,-./:=? ";
    apr_size_t n = strlen(b), i;

    if (n < 1 || n > MAX_BOUNDARY || b[n - 1] == ' ') {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!apr_isalnum(b[i]) && !strchr(extra, b[i])) {
            return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* multipart/form-data                                                 */
/* ------------------------------------------------------------------ */

typedef struct {
    apr_pool_t *p;
    const char *body;
    apr_size_t len;
    const char *delim;      /* "\r\n--" boundary */
    apr_size_t dlen;
    const jszg_form_limits *lim;
    apr_array_header_t *fields;
    int nfiles;
} mp_ctx;

enum { MP_NOT_DELIM = 0, MP_CLOSE, MP_NEXT };

/* What follows a boundary at i: "--" closes, LWSP CRLF opens the next
 * part (*next is set after the CRLF), anything else means the match was
 * only a prefix of a content line. */
static int mp_tail(const mp_ctx *c, apr_size_t i, apr_size_t *next)
{
    if (c->len - i >= 2 && c->body[i] == '-' && c->body[i + 1] == '-') {
        return MP_CLOSE;
    }
    while (i < c->len && is_ows(c->body[i])) {
        i++;
    }
    if (c->len - i >= 2 && c->body[i] == '\r' && c->body[i + 1] == '\n') {
        *next = i + 2;
        return MP_NEXT;
    }
    return MP_NOT_DELIM;
}

/* Next real delimiter at or after from: sets *at to its CRLF and returns
 * its kind, or MP_NOT_DELIM if there is none. */
static int mp_find_delim(const mp_ctx *c, apr_size_t from, apr_size_t *at,
                         apr_size_t *next)
{
    const char *d;
    int kind;

    while (from < c->len) {
        d = find_bytes(c->body + from, c->len - from, c->delim, c->dlen);
        if (!d) {
            return MP_NOT_DELIM;
        }
        *at = (apr_size_t)(d - c->body);
        kind = mp_tail(c, *at + c->dlen, next);
        if (kind != MP_NOT_DELIM) {
            return kind;
        }
        from = *at + 1;
    }
    return MP_NOT_DELIM;
}

/* The first delimiter may open the body without the leading CRLF. */
static int mp_first_delim(const mp_ctx *c, apr_size_t *next)
{
    apr_size_t at, blen = c->dlen - 2;
    int kind;

    if (c->len >= blen && memcmp(c->body, c->delim + 2, blen) == 0) {
        kind = mp_tail(c, blen, next);
        if (kind != MP_NOT_DELIM) {
            return kind;
        }
    }
    return mp_find_delim(c, 0, &at, next);
}

typedef struct {
    const char *disposition;
    const char *content_type;
} mp_headers;

/* One "Name: value" line of a part's header block. */
static jszg_form_status mp_header_line(apr_pool_t *p, const char *line,
                                       apr_size_t n, mp_headers *h)
{
    const char *colon = memchr(line, ':', n);
    apr_size_t nlen, vs, ve;

    if (n == 0 || is_ows(line[0]) || !colon) {
        return JSZG_FORM_BAD_MULTIPART;     /* folding is not allowed */
    }
    nlen = (apr_size_t)(colon - line);
    while (nlen > 0 && is_ows(line[nlen - 1])) {
        nlen--;
    }
    vs = (apr_size_t)(colon - line) + 1;
    ve = n;
    while (vs < ve && is_ows(line[vs])) {
        vs++;
    }
    while (ve > vs && is_ows(line[ve - 1])) {
        ve--;
    }
    if (nlen == 19 && strncasecmp(line, "Content-Disposition", 19) == 0) {
        if (!h->disposition) {
            h->disposition = apr_pstrmemdup(p, line + vs, ve - vs);
        }
    }
    else if (nlen == 12 && strncasecmp(line, "Content-Type", 12) == 0) {
        if (!h->content_type && ve > vs) {
            h->content_type = apr_pstrmemdup(p, line + vs, ve - vs);
        }
    }
    return JSZG_FORM_OK;
}

static jszg_form_status mp_headers_parse(apr_pool_t *p, const char *blk,
                                         apr_size_t n, mp_headers *h)
{
    const char *eol;
    apr_size_t ll;
    jszg_form_status st;

    /* A NUL would cut the copied values short without anyone noticing. */
    if (memchr(blk, '\0', n)) {
        return JSZG_FORM_BAD_MULTIPART;
    }
    while (n > 0) {
        eol = find_bytes(blk, n, "\r\n", 2);
        ll = eol ? (apr_size_t)(eol - blk) : n;
        st = mp_header_line(p, blk, ll, h);
        if (st != JSZG_FORM_OK) {
            return st;
        }
        if (!eol) {
            break;
        }
        blk += ll + 2;
        n -= ll + 2;
    }
    return JSZG_FORM_OK;
}

/* Filename without any directory part, as old IE sent "C:\x\a.jpg". */
static const char *strip_path(const char *fn)
{
    const char *s = strrchr(fn, '/'), *b = strrchr(fn, '\\');

    if (b && (!s || b > s)) {
        s = b;
    }
    return s ? s + 1 : fn;
}

static jszg_form_status mp_add_field(mp_ctx *c, const mp_headers *h,
                                     const char *data, apr_size_t dlen)
{
    const jszg_form_limits *lim = c->lim;
    const char *name, *filename;
    jszg_form_field *f;
    jszg_form_status st;
    int bad = 0;

    if (!h->disposition || !media_type_is(h->disposition, "form-data")) {
        return JSZG_FORM_BAD_MULTIPART;
    }
    name = hdr_param(c->p, h->disposition, "name", &bad);
    filename = bad ? NULL : hdr_param(c->p, h->disposition, "filename", &bad);
    if (bad || !name || !*name) {
        return JSZG_FORM_BAD_MULTIPART;
    }
    if (strlen(name) > lim->max_field_len) {
        return JSZG_FORM_FIELD_TOO_LONG;
    }
    st = check_text(name, strlen(name));
    if (st == JSZG_FORM_OK && h->content_type) {
        st = check_text(h->content_type, strlen(h->content_type));
    }
    if (st != JSZG_FORM_OK) {
        return st;
    }
    if (filename) {
        filename = strip_path(filename);
        if (!jszg_utf8_valid(filename, strlen(filename))) {
            return JSZG_FORM_BAD_UTF8;
        }
        if (c->nfiles >= lim->max_files) {
            return JSZG_FORM_TOO_MANY_FILES;
        }
        if (dlen > lim->max_file_len) {
            return JSZG_FORM_FILE_TOO_LARGE;
        }
        c->nfiles++;
    }
    else {
        if (dlen > lim->max_field_len) {
            return JSZG_FORM_FIELD_TOO_LONG;
        }
        st = check_text(data, dlen);
        if (st != JSZG_FORM_OK) {
            return st;
        }
    }
    f = apr_array_push(c->fields);
    f->name = name;
    f->value = apr_pstrmemdup(c->p, data, dlen);
    f->len = dlen;
    f->filename = filename;
    f->content_type = h->content_type;
    return JSZG_FORM_OK;
}

/* One part starting at pos (just after its delimiter line).  On success
 * *kind tells whether another part follows at *next. */
static jszg_form_status mp_part(mp_ctx *c, apr_size_t pos, int *kind,
                                apr_size_t *next)
{
    apr_size_t win = c->len - pos, hlen, cstart, at;
    const char *hend;
    mp_headers h = { NULL, NULL };
    jszg_form_status st;

    if (c->fields->nelts >= c->lim->max_fields) {
        return JSZG_FORM_TOO_MANY_FIELDS;
    }
    if (win > JSZG_FORM_MAX_PART_HEADERS + 4) {
        win = JSZG_FORM_MAX_PART_HEADERS + 4;
    }
    hend = find_bytes(c->body + pos, win, "\r\n\r\n", 4);
    if (!hend) {
        return JSZG_FORM_BAD_MULTIPART;     /* cut off or > 8 KiB */
    }
    hlen = (apr_size_t)(hend - (c->body + pos));
    st = mp_headers_parse(c->p, c->body + pos, hlen, &h);
    if (st != JSZG_FORM_OK) {
        return st;
    }
    cstart = pos + hlen + 4;
    *kind = mp_find_delim(c, cstart, &at, next);
    if (*kind == MP_NOT_DELIM) {
        return JSZG_FORM_BAD_MULTIPART;     /* no closing boundary */
    }
    return mp_add_field(c, &h, c->body + cstart, at - cstart);
}

static jszg_form_status multipart(mp_ctx *c, const char *content_type)
{
    const char *boundary;
    apr_size_t pos;
    int bad = 0, kind;
    jszg_form_status st;

    if (!media_type_is(content_type, MT_MULTIPART)) {
        return JSZG_FORM_UNSUPPORTED_TYPE;
    }
    if (c->len > c->lim->max_body) {
        return JSZG_FORM_BODY_TOO_LARGE;
    }
    boundary = hdr_param(c->p, content_type, "boundary", &bad);
    if (bad || !boundary || !boundary_ok(boundary)) {
        return JSZG_FORM_BAD_MULTIPART;
    }
    c->delim = apr_pstrcat(c->p, "\r\n--", boundary, NULL);
    c->dlen = strlen(c->delim);
    kind = mp_first_delim(c, &pos);
    while (kind == MP_NEXT) {
        st = mp_part(c, pos, &kind, &pos);
        if (st != JSZG_FORM_OK) {
            return st;
        }
    }
    return kind == MP_CLOSE ? JSZG_FORM_OK : JSZG_FORM_BAD_MULTIPART;
}

jszg_form_status jszg_form_parse_multipart(apr_pool_t *p,
                                           const char *content_type,
                                           const char *body, apr_size_t len,
                                           const jszg_form_limits *lim,
                                           apr_array_header_t **fields)
{
    jszg_form_limits dflt;
    mp_ctx c;
    jszg_form_status st;

    memset(&c, 0, sizeof(c));
    c.p = p;
    c.body = body ? body : "";
    c.len = body ? len : 0;
    c.lim = limits_or_default(lim, &dflt);
    c.fields = apr_array_make(p, 8, sizeof(jszg_form_field));
    st = multipart(&c, content_type);
    *fields = st == JSZG_FORM_OK ? c.fields : NULL;
    return st;
}

/* ------------------------------------------------------------------ */
/* Dispatch and lookup                                                 */
/* ------------------------------------------------------------------ */

jszg_form_status jszg_form_parse(apr_pool_t *p, const char *content_type,
                                 const char *body, apr_size_t len,
                                 const jszg_form_limits *lim,
                                 apr_array_header_t **fields)
{
    if (!body || len == 0) {
        *fields = apr_array_make(p, 1, sizeof(jszg_form_field));
        return JSZG_FORM_OK;
    }
    if (media_type_is(content_type, MT_URLENCODED)) {
        return jszg_form_parse_urlencoded(p, body, len, lim, fields);
    }
    if (media_type_is(content_type, MT_MULTIPART)) {
        return jszg_form_parse_multipart(p, content_type, body, len, lim,
                                         fields);
    }
    *fields = NULL;
    return JSZG_FORM_UNSUPPORTED_TYPE;
}

const jszg_form_field *jszg_form_find(const apr_array_header_t *fields,
                                      const char *name)
{
    const jszg_form_field *f;
    int i;

    if (!fields || !name) {
        return NULL;
    }
    f = (const jszg_form_field *)fields->elts;
    for (i = 0; i < fields->nelts; i++) {
        if (strcmp(f[i].name, name) == 0) {
            return &f[i];
        }
    }
    return NULL;
}

const char *jszg_form_get(const apr_array_header_t *fields, const char *name)
{
    const jszg_form_field *f = jszg_form_find(fields, name);

    return f && !f->filename ? f->value : NULL;
}

const char *jszg_query_get(apr_pool_t *p, const char *args, const char *name)
{
    apr_array_header_t *fields;

    if (!args || jszg_form_parse_urlencoded(p, args, strlen(args), NULL,
                                            &fields) != JSZG_FORM_OK) {
        return NULL;
    }
    return jszg_form_get(fields, name);
}

/* ------------------------------------------------------------------ */
/* Status mapping                                                      */
/* ------------------------------------------------------------------ */

typedef struct {
    int http;
    const char *code;
    const char *message;
} status_info;

static const status_info status_table[] = {
    [JSZG_FORM_OK] = { 200, "ok", "提交成功。" },
    [JSZG_FORM_BODY_TOO_LARGE] = { 413, "body_too_large",
        "提交的内容过大，请减少内容后重新提交。" },
    [JSZG_FORM_TOO_MANY_FIELDS] = { 413, "too_many_fields",
        "提交的项目过多，请刷新页面后重新填写提交。" },
    [JSZG_FORM_FIELD_TOO_LONG] = { 413, "field_too_long",
        "填写的内容过长，请删减后重新提交。" },
    [JSZG_FORM_FILE_TOO_LARGE] = { 413, "file_too_large",
        "上传的文件过大，请压缩后重新上传。" },
    [JSZG_FORM_TOO_MANY_FILES] = { 413, "too_many_files",
        "上传的文件数量过多，请减少后重新上传。" },
    [JSZG_FORM_BAD_ENCODING] = { 400, "bad_encoding",
        "提交的数据编码有误，请刷新页面后重新提交。" },
    [JSZG_FORM_BAD_UTF8] = { 400, "bad_utf8",
        "提交的内容含有无法识别的字符，请检查后重新填写。" },
    [JSZG_FORM_NUL_BYTE] = { 400, "nul_byte",
        "提交的内容含有非法字符，请检查后重新填写。" },
    [JSZG_FORM_BAD_MULTIPART] = { 400, "bad_multipart",
        "上传的数据格式有误，请刷新页面后重新上传。" },
    [JSZG_FORM_UNSUPPORTED_TYPE] = { 415, "unsupported_type",
        "不支持的提交方式，请通过页面上的表单提交。" },
    [JSZG_FORM_CONTROL_CHAR] = { 400, "control_char",
        "填写的内容含有不可见的控制字符或格式字符（如零宽空格、文字方向"
        "控制符），请删除后重新填写。" },
};

static const status_info *status_lookup(jszg_form_status st)
{
    static const status_info unknown = { 400, "bad_request",
        "提交的数据有误，请刷新页面后重新提交。" };
    unsigned idx = (unsigned)st;

    if (idx >= sizeof(status_table) / sizeof(status_table[0])) {
        return &unknown;
    }
    return &status_table[idx];
}

int jszg_form_status_http(jszg_form_status st)
{
    return status_lookup(st)->http;
}

const char *jszg_form_status_code(jszg_form_status st)
{
    return status_lookup(st)->code;
}

const char *jszg_form_status_message(jszg_form_status st)
{
    return status_lookup(st)->message;
}

/* ------------------------------------------------------------------ */
/* Cookies                                                             */
/* ------------------------------------------------------------------ */

/* Value of one "name=value" pair [s, e) if its name matches. */
static const char *cookie_pair(apr_pool_t *p, const char *s, const char *e,
                               const char *name, apr_size_t nlen)
{
    const char *eq = memchr(s, '=', (apr_size_t)(e - s));
    const char *ne, *v;

    if (!eq) {
        return NULL;
    }
    ne = eq;
    while (ne > s && is_ows(ne[-1])) {
        ne--;
    }
    if ((apr_size_t)(ne - s) != nlen || memcmp(s, name, nlen) != 0) {
        return NULL;
    }
    v = skip_ows(eq + 1);
    while (e > v && is_ows(e[-1])) {
        e--;
    }
    if (e - v >= 2 && *v == '"' && e[-1] == '"') {
        v++;
        e--;
    }
    return apr_pstrmemdup(p, v, (apr_size_t)(e - v));
}

const char *jszg_cookie_get(apr_pool_t *p, const char *cookie_header,
                            const char *name)
{
    const char *s = cookie_header, *e, *v;
    apr_size_t nlen;

    if (!s || !name || !*name) {
        return NULL;
    }
    nlen = strlen(name);
    while (*s) {
        while (is_ows(*s) || *s == ';') {
            s++;
        }
        e = strchr(s, ';');
        if (!e) {
            e = s + strlen(s);
        }
        v = cookie_pair(p, s, e, name, nlen);
        if (v) {
            return v;
        }
        s = e;
    }
    return NULL;
}
