/*
 * Unit tests for jszg_form.c: urlencoded and multipart parsing, UTF-8,
 * status mapping, cookies, query strings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "jszg_form.h"

/* A string literal and its length, NULs included. */
#define LIT(s) (s), (sizeof(s) - 1)

#define CT_MP "multipart/form-data; boundary=XyZ"

static apr_pool_t *pool;

static int setup(void **state)
{
    (void)state;
    return apr_pool_create(&pool, NULL) == APR_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    return 0;
}

static jszg_form_limits small_limits(void)
{
    jszg_form_limits lim;

    lim.max_body = 1024;
    lim.max_fields = 3;
    lim.max_field_len = 8;
    lim.max_file_len = 16;
    lim.max_files = 1;
    return lim;
}

static jszg_form_status url(const char *body, apr_array_header_t **f)
{
    return jszg_form_parse_urlencoded(pool, body, strlen(body), NULL, f);
}

static jszg_form_status url_lim(const char *body, const jszg_form_limits *l)
{
    apr_array_header_t *f;
    jszg_form_status st;

    st = jszg_form_parse_urlencoded(pool, body, strlen(body), l, &f);
    if (st == JSZG_FORM_OK) {
        assert_non_null(f);
    }
    else {
        assert_null(f);
    }
    return st;
}

static const jszg_form_field *field(apr_array_header_t *f, int i)
{
    assert_true(i < f->nelts);
    return &APR_ARRAY_IDX(f, i, jszg_form_field);
}

/* ---------------------------------------------------------------- */
/* urlencoded                                                        */
/* ---------------------------------------------------------------- */

static void url_basic(void **state)
{
    apr_array_header_t *f;

    (void)state;
    assert_int_equal(url("a=1&b=hello+world&c=%E4%B8%AD&a=2", &f),
                     JSZG_FORM_OK);
    assert_int_equal(f->nelts, 4);
    assert_string_equal(jszg_form_get(f, "a"), "1");
    assert_string_equal(jszg_form_get(f, "b"), "hello world");
    assert_string_equal(jszg_form_get(f, "c"), "中");
    assert_int_equal(jszg_form_find(f, "c")->len, 3);
    assert_string_equal(field(f, 3)->value, "2");
    assert_null(field(f, 0)->filename);
    assert_null(field(f, 0)->content_type);
    assert_null(jszg_form_get(f, "zz"));
}

static void url_shapes(void **state)
{
    apr_array_header_t *f;

    (void)state;
    assert_int_equal(url("&&flag&=x&e=&%E5%90%8D=%2B+%25&", &f),
                     JSZG_FORM_OK);
    assert_int_equal(f->nelts, 3);
    assert_string_equal(field(f, 0)->name, "flag");
    assert_string_equal(field(f, 0)->value, "");
    assert_string_equal(jszg_form_get(f, "e"), "");
    assert_string_equal(jszg_form_get(f, "名"), "+ %");
    assert_null(jszg_form_get(f, "a+b"));
    assert_int_equal(url("", &f), JSZG_FORM_OK);
    assert_int_equal(f->nelts, 0);
    assert_int_equal(jszg_form_parse_urlencoded(pool, NULL, 5, NULL, &f),
                     JSZG_FORM_OK);
    assert_int_equal(f->nelts, 0);
}

static void url_bad_encoding(void **state)
{
    apr_array_header_t *f;

    (void)state;
    assert_int_equal(url("a=%zz", &f), JSZG_FORM_BAD_ENCODING);
    assert_null(f);
    assert_int_equal(url("a=%4", &f), JSZG_FORM_BAD_ENCODING);
    assert_int_equal(url("a=%", &f), JSZG_FORM_BAD_ENCODING);
    assert_int_equal(url("a=%4g", &f), JSZG_FORM_BAD_ENCODING);
    assert_int_equal(url("%zz=1", &f), JSZG_FORM_BAD_ENCODING);
    assert_int_equal(url("a=%4&b=1", &f), JSZG_FORM_BAD_ENCODING);
    assert_int_equal(url("a=%aF", &f), JSZG_FORM_BAD_UTF8);
}

static void url_bad_utf8(void **state)
{
    apr_array_header_t *f;

    (void)state;
    assert_int_equal(url("a=%C0%AF", &f), JSZG_FORM_BAD_UTF8);
    assert_int_equal(url("a=%ED%A0%80", &f), JSZG_FORM_BAD_UTF8);
    assert_int_equal(url("a=%E4%B8", &f), JSZG_FORM_BAD_UTF8);
    assert_int_equal(url("a=%F4%90%80%80", &f), JSZG_FORM_BAD_UTF8);
    assert_int_equal(url("%FF=1", &f), JSZG_FORM_BAD_UTF8);
    assert_int_equal(url("a=\xe4\xb8", &f), JSZG_FORM_BAD_UTF8);
    assert_int_equal(url("a=%F0%9F%98%80", &f), JSZG_FORM_OK);
}

static void url_nul(void **state)
{
    apr_array_header_t *f;

    (void)state;
    assert_int_equal(url("a=x%00y", &f), JSZG_FORM_NUL_BYTE);
    assert_int_equal(url("a%00=1", &f), JSZG_FORM_NUL_BYTE);
    assert_int_equal(jszg_form_parse_urlencoded(pool, LIT("a=x\0y"), NULL,
                                                &f), JSZG_FORM_NUL_BYTE);
}

/* Control and format characters are refused in every text field, at the
 * parser (names, values, query strings, multipart text parts); what real
 * names use passes. */
static void control_chars(void **state)
{
    apr_array_header_t *f;
    static const char *bad[] = {
        "%E2%80%8B",            /* U+200B zero-width space */
        "%E2%80%8C",            /* U+200C ZWNJ */
        "%E2%80%8D",            /* U+200D ZWJ */
        "%E2%80%8E",            /* U+200E LRM */
        "%E2%80%AE",            /* U+202E RLO */
        "%E2%80%AA",            /* U+202A LRE */
        "%E2%81%A6",            /* U+2066 LRI */
        "%E2%81%A9",            /* U+2069 PDI */
        "%E2%81%A0",            /* U+2060 word joiner */
        "%EF%BB%BF",            /* U+FEFF BOM */
        "%C2%AD",               /* U+00AD soft hyphen */
        "%D8%9C",               /* U+061C Arabic letter mark */
        "%E2%80%A8",            /* U+2028 line separator */
        "%E2%80%A9",            /* U+2029 paragraph separator */
        "%EF%BF%B9",            /* U+FFF9 interlinear annotation */
        "%F3%A0%80%81",         /* U+E0001 language tag */
        "%F3%A0%81%BF",         /* U+E007F cancel tag */
        "%01", "%1B", "%7F", "%08", "%0B", "%0C",
        "%C2%80", "%C2%85", "%C2%9F",   /* C1 controls, NEL */
    };
    apr_size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *body = apr_pstrcat(pool, "name=%E5%BC%A0", bad[i],
                                       "%E4%BC%9F", NULL);
        assert_int_equal(url(body, &f), JSZG_FORM_CONTROL_CHAR);
        assert_null(f);
        /* in a name too, and alone */
        assert_int_equal(url(apr_pstrcat(pool, "a", bad[i], "=1", NULL), &f),
                         JSZG_FORM_CONTROL_CHAR);
        assert_int_equal(url(apr_pstrcat(pool, "name=", bad[i], NULL), &f),
                         JSZG_FORM_CONTROL_CHAR);
    }
    /* what real names and addresses use */
    assert_int_equal(url("name=%E9%98%BF%E4%B8%BD%E6%9C%A8%C2%B7%E5%90%90"
                         "%E5%B0%94%E9%80%8A", &f), JSZG_FORM_OK);  /* · */
    assert_int_equal(url("name=%E9%98%BF%E4%B8%BD%E6%9C%A8%E3%83%BB%E5%90"
                         "%90", &f), JSZG_FORM_OK);                 /* ・ */
    assert_int_equal(url("name=%E7%8E%8B%F0%A0%80%80%F0%AA%9A%A5", &f),
                     JSZG_FORM_OK);     /* 王 + U+20000 + U+2A6A5 */
    assert_int_equal(url("addr=%E5%8C%97%E4%BA%AC%E3%80%80A+1-2%EF%BC%88"
                         "%E4%B8%9C%EF%BC%89", &f), JSZG_FORM_OK);
    assert_int_equal(url("note=line1%0D%0Aline2%09tab", &f), JSZG_FORM_OK);
    assert_int_equal(url("e=%F0%9F%98%80%EF%B8%8F", &f), JSZG_FORM_OK);
    /* a multipart text part, and the one function */
    assert_int_equal(jszg_form_parse_multipart(
        pool, CT_MP, LIT("--XyZ\r\nContent-Disposition: form-data; "
                         "name=\"name\"\r\n\r\n\xe2\x80\x8b\r\n--XyZ--\r\n"),
        NULL, &f), JSZG_FORM_CONTROL_CHAR);
    assert_int_equal(jszg_text_check(LIT("\xe2\x80\xae")),
                     JSZG_FORM_CONTROL_CHAR);
    assert_int_equal(jszg_text_check(LIT("\xe4\xb8")), JSZG_FORM_BAD_UTF8);
    assert_int_equal(jszg_text_check(LIT("a\0b")), JSZG_FORM_NUL_BYTE);
    assert_int_equal(jszg_text_check(LIT("")), JSZG_FORM_OK);
    assert_false(jszg_text_char_allowed(0x200B));
    assert_false(jszg_text_char_allowed(0x206F));
    assert_false(jszg_text_char_allowed(0xE0020));
    assert_true(jszg_text_char_allowed(0x2070));
    assert_true(jszg_text_char_allowed(0x00B7));
    assert_true(jszg_text_char_allowed(0x30FB));
    assert_true(jszg_text_char_allowed(0x3000));
    assert_true(jszg_text_char_allowed(0x20000));
    assert_true(jszg_text_char_allowed(0xA0));
    assert_string_equal(jszg_form_status_code(JSZG_FORM_CONTROL_CHAR),
                        "control_char");
    assert_int_equal(jszg_form_status_http(JSZG_FORM_CONTROL_CHAR), 400);
}

static void url_limits(void **state)
{
    jszg_form_limits lim = small_limits();
    char big[2048];

    (void)state;
    /* field count: 3 allowed */
    assert_int_equal(url_lim("a=1&b=2&c=3", &lim), JSZG_FORM_OK);
    assert_int_equal(url_lim("a=1&b=2&c=3&d=4", &lim),
                     JSZG_FORM_TOO_MANY_FIELDS);
    assert_int_equal(url_lim("a=1&&b=2&&c=3&&", &lim), JSZG_FORM_OK);
    /* field length 8, counted after decoding */
    assert_int_equal(url_lim("a=12345678", &lim), JSZG_FORM_OK);
    assert_int_equal(url_lim("a=123456789", &lim), JSZG_FORM_FIELD_TOO_LONG);
    assert_int_equal(url_lim("a=%E4%B8%AD%E4%B8%AD12", &lim), JSZG_FORM_OK);
    assert_int_equal(url_lim("a=%E4%B8%AD%E4%B8%AD123", &lim),
                     JSZG_FORM_FIELD_TOO_LONG);
    assert_int_equal(url_lim("123456789=a", &lim), JSZG_FORM_FIELD_TOO_LONG);
    /* body */
    memset(big, 'x', sizeof(big));
    big[0] = 'a';
    big[1] = '=';
    big[1024] = '\0';
    lim.max_field_len = 4096;
    assert_int_equal(url_lim(big, &lim), JSZG_FORM_OK);
    big[1024] = 'x';
    big[1025] = '\0';
    assert_int_equal(url_lim(big, &lim), JSZG_FORM_BODY_TOO_LARGE);
    /* zero means none */
    lim.max_fields = 0;
    assert_int_equal(url_lim("a=1", &lim), JSZG_FORM_TOO_MANY_FIELDS);
    assert_int_equal(url_lim("", &lim), JSZG_FORM_OK);
}

/* ---------------------------------------------------------------- */
/* multipart                                                         */
/* ---------------------------------------------------------------- */

static jszg_form_status mp(const char *ct, const char *body, apr_size_t len,
                           const jszg_form_limits *lim,
                           apr_array_header_t **f)
{
    jszg_form_status st;

    st = jszg_form_parse_multipart(pool, ct, body, len, lim, f);
    if (st == JSZG_FORM_OK) {
        assert_non_null(*f);
    }
    else {
        assert_null(*f);
    }
    return st;
}

static const char normal_body[] =
    "preamble to ignore\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"xm\"\r\n"
    "\r\n"
    "张三\r\n"
    "--XyZ\r\n"
    "content-disposition: form-data; name=\"photo\"; "
    "filename=\"照片.jpg\"\r\n"
    "Content-Type: image/jpeg\r\n"
    "\r\n"
    "\xff\xd8\xff\xe0\0\0JFIF\0\r\n--XyZa\r\n\xff\xd9\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"dz\"\r\n"
    "\r\n"
    "\r\n"
    "--XyZ  \r\n"
    "Content-Disposition: form-data; name=\"学校\"\r\n"
    "\r\n"
    "第一中学\r\nline 2\r\n"
    "--XyZ--\r\n"
    "epilogue to ignore --XyZ\r\n";

static void mp_normal(void **state)
{
    static const char img[] =
        "\xff\xd8\xff\xe0\0\0JFIF\0\r\n--XyZa\r\n\xff\xd9";
    apr_array_header_t *f;
    const jszg_form_field *ph;

    (void)state;
    assert_int_equal(mp(CT_MP, LIT(normal_body), NULL, &f), JSZG_FORM_OK);
    assert_int_equal(f->nelts, 4);
    assert_string_equal(jszg_form_get(f, "xm"), "张三");
    assert_null(field(f, 0)->filename);
    assert_null(field(f, 0)->content_type);
    ph = jszg_form_find(f, "photo");
    assert_non_null(ph);
    assert_string_equal(ph->filename, "照片.jpg");
    assert_string_equal(ph->content_type, "image/jpeg");
    assert_int_equal(ph->len, sizeof(img) - 1);
    assert_memory_equal(ph->value, img, sizeof(img) - 1);
    assert_null(jszg_form_get(f, "photo"));   /* files are not text */
    assert_string_equal(jszg_form_get(f, "dz"), "");
    assert_string_equal(jszg_form_get(f, "学校"), "第一中学\r\nline 2");
}

static void mp_boundaries(void **state)
{
    static const char body[] =
        "--a b'c\r\n"
        "Content-Disposition: form-data; name=x\r\n"
        "\r\n"
        "1\r\n"
        "--a b'c--";
    apr_array_header_t *f;

    (void)state;
    assert_int_equal(mp("multipart/form-data; boundary=\"a b'c\"", LIT(body),
                        NULL, &f), JSZG_FORM_OK);
    assert_string_equal(jszg_form_get(f, "x"), "1");
    assert_int_equal(mp("Multipart/Form-Data ;charset=utf-8; "
                        "BOUNDARY = \"a b'c\" ;", LIT(body), NULL, &f),
                     JSZG_FORM_OK);
    /* unquoted stops at the space */
    assert_int_equal(mp("multipart/form-data; boundary=a b'c", LIT(body),
                        NULL, &f), JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp("multipart/form-data", LIT(body), NULL, &f),
                     JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp("multipart/form-data; boundary=\"\"", LIT(body),
                        NULL, &f), JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp("multipart/form-data; boundary=\"abc", LIT(body),
                        NULL, &f), JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp("multipart/form-data; boundary=a\x01", LIT(body),
                        NULL, &f), JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp("multipart/mixed; boundary=XyZ", LIT(body), NULL,
                        &f), JSZG_FORM_UNSUPPORTED_TYPE);
    assert_int_equal(mp(NULL, LIT(body), NULL, &f),
                     JSZG_FORM_UNSUPPORTED_TYPE);
}

static void mp_boundary_length(void **state)
{
    char b71[72], ct[128], body[256];
    apr_array_header_t *f;

    (void)state;
    memset(b71, 'b', 71);
    b71[71] = '\0';
    apr_snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", b71);
    apr_snprintf(body, sizeof(body), "--%s--", b71);
    assert_int_equal(mp(ct, body, strlen(body), NULL, &f),
                     JSZG_FORM_BAD_MULTIPART);
    b71[70] = '\0';
    apr_snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", b71);
    apr_snprintf(body, sizeof(body), "--%s--", b71);
    assert_int_equal(mp(ct, body, strlen(body), NULL, &f), JSZG_FORM_OK);
    assert_int_equal(f->nelts, 0);
}

static void mp_filename_path(void **state)
{
    static const char body[] =
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"a\"; "
        "filename=\"C:\\Users\\张\\相片.JPG\"\r\n"
        "\r\n"
        "x\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"b\"; "
        "filename=\"../../etc/passwd\"\r\n"
        "\r\n"
        "y\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"c\"; filename=\"\"\r\n"
        "Content-Type: application/octet-stream\r\n"
        "\r\n"
        "\r\n"
        "--XyZ--";
    jszg_form_limits lim = small_limits();
    apr_array_header_t *f;

    (void)state;
    lim.max_files = 3;
    assert_int_equal(mp(CT_MP, LIT(body), &lim, &f), JSZG_FORM_OK);
    assert_string_equal(jszg_form_find(f, "a")->filename, "相片.JPG");
    assert_string_equal(jszg_form_find(f, "b")->filename, "passwd");
    assert_string_equal(jszg_form_find(f, "c")->filename, "");
    assert_int_equal(jszg_form_find(f, "c")->len, 0);
}

static void mp_missing_final(void **state)
{
    static const char no_close[] =
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"a\"\r\n"
        "\r\n"
        "1\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"b\"\r\n"
        "\r\n"
        "2\r\n";
    static const char cut_headers[] =
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"a\"\r\n";
    static const char no_boundary_at_all[] = "a=1&b=2";
    static const char prefix_only[] =
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"a\"\r\n"
        "\r\n"
        "1\r\n"
        "--XyZZ--";
    apr_array_header_t *f;

    (void)state;
    assert_int_equal(mp(CT_MP, LIT(no_close), NULL, &f),
                     JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp(CT_MP, LIT(cut_headers), NULL, &f),
                     JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp(CT_MP, LIT(no_boundary_at_all), NULL, &f),
                     JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp(CT_MP, LIT(prefix_only), NULL, &f),
                     JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp(CT_MP, LIT("--XyZ\r\n"), NULL, &f),
                     JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp(CT_MP, "", 0, NULL, &f), JSZG_FORM_BAD_MULTIPART);
}

static jszg_form_status mp_one(const char *headers, const char *content,
                               const jszg_form_limits *lim)
{
    apr_array_header_t *f;
    const char *body = apr_pstrcat(pool, "--XyZ\r\n", headers, "\r\n\r\n",
                                   content, "\r\n--XyZ--\r\n", NULL);

    return mp(CT_MP, body, strlen(body), lim, &f);
}

static void mp_bad_parts(void **state)
{
    (void)state;
    assert_int_equal(mp_one("Content-Disposition: form-data", "1", NULL),
                     JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp_one("Content-Disposition: form-data; name=\"\"", "1",
                            NULL), JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp_one("Content-Disposition: form-data; "
                            "filename=\"a.jpg\"", "1", NULL),
                     JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp_one("Content-Disposition: attachment; name=a", "1",
                            NULL), JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp_one("Content-Type: text/plain", "1", NULL),
                     JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp_one("Content-Disposition: form-data; name=\"a",
                            "1", NULL), JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp_one("Content-Disposition: form-data; name", "1",
                            NULL), JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp_one("Content-Disposition: form-data; name=a b",
                            "1", NULL), JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp_one("Content-Disposition: form-data;\r\n name=a",
                            "1", NULL), JSZG_FORM_BAD_MULTIPART);
    assert_int_equal(mp_one("Content-Disposition form-data; name=a", "1",
                            NULL), JSZG_FORM_BAD_MULTIPART);
    /* headers-less part */
    assert_int_equal(mp_one("", "1", NULL), JSZG_FORM_BAD_MULTIPART);
    /* text checks */
    assert_int_equal(mp_one("Content-Disposition: form-data; name=a",
                            "\xc0\xaf", NULL), JSZG_FORM_BAD_UTF8);
    assert_int_equal(mp_one("Content-Disposition: form-data; name=\"\xff\"",
                            "1", NULL), JSZG_FORM_BAD_UTF8);
    assert_int_equal(mp_one("Content-Disposition: form-data; name=a; "
                            "filename=\"\xed\xa0\x80.jpg\"", "1", NULL),
                     JSZG_FORM_BAD_UTF8);
    /* name-only token and extra headers are fine */
    assert_int_equal(mp_one("X-Other: 1\r\nContent-Disposition: form-data; "
                            "name=a", "1", NULL), JSZG_FORM_OK);
}

static void mp_nul(void **state)
{
    static const char text_nul[] =
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"a\"\r\n"
        "\r\n"
        "x\0y\r\n"
        "--XyZ--";
    static const char header_nul[] =
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"a\0b\"\r\n"
        "\r\n"
        "x\r\n"
        "--XyZ--";
    apr_array_header_t *f;

    (void)state;
    assert_int_equal(mp(CT_MP, LIT(text_nul), NULL, &f), JSZG_FORM_NUL_BYTE);
    assert_int_equal(mp(CT_MP, LIT(header_nul), NULL, &f),
                     JSZG_FORM_BAD_MULTIPART);
}

static void mp_header_block_limit(void **state)
{
    char pad[JSZG_FORM_MAX_PART_HEADERS + 1];
    const char *hdr;
    apr_size_t base;

    (void)state;
    hdr = "Content-Disposition: form-data; name=a\r\nX-Pad: ";
    base = strlen(hdr);
    /* block of exactly 8192 bytes is fine, one more is not */
    memset(pad, 'p', sizeof(pad));
    pad[JSZG_FORM_MAX_PART_HEADERS - base] = '\0';
    assert_int_equal(mp_one(apr_pstrcat(pool, hdr, pad, NULL), "1", NULL),
                     JSZG_FORM_OK);
    pad[JSZG_FORM_MAX_PART_HEADERS - base] = 'p';
    pad[JSZG_FORM_MAX_PART_HEADERS - base + 1] = '\0';
    assert_int_equal(mp_one(apr_pstrcat(pool, hdr, pad, NULL), "1", NULL),
                     JSZG_FORM_BAD_MULTIPART);
}

static void mp_limits(void **state)
{
    jszg_form_limits lim = small_limits();
    const char *cd = "Content-Disposition: form-data; name=a";
    const char *cf = "Content-Disposition: form-data; name=f; filename=x";
    const char *body;
    apr_array_header_t *f;

    (void)state;
    assert_int_equal(mp_one(cd, "12345678", &lim), JSZG_FORM_OK);
    assert_int_equal(mp_one(cd, "123456789", &lim), JSZG_FORM_FIELD_TOO_LONG);
    assert_int_equal(mp_one("Content-Disposition: form-data; name=123456789",
                            "1", &lim), JSZG_FORM_FIELD_TOO_LONG);
    assert_int_equal(mp_one(cf, "0123456789abcdef", &lim), JSZG_FORM_OK);
    assert_int_equal(mp_one(cf, "0123456789abcdefX", &lim),
                     JSZG_FORM_FILE_TOO_LARGE);
    /* files: 1 allowed */
    body = "--XyZ\r\nContent-Disposition: form-data; name=f; filename=x\r\n"
           "\r\n1\r\n"
           "--XyZ\r\nContent-Disposition: form-data; name=g; filename=y\r\n"
           "\r\n2\r\n--XyZ--";
    assert_int_equal(mp(CT_MP, body, strlen(body), &lim, &f),
                     JSZG_FORM_TOO_MANY_FILES);
    /* fields: 3 allowed */
    body = "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n"
           "--XyZ\r\nContent-Disposition: form-data; name=b\r\n\r\n2\r\n"
           "--XyZ\r\nContent-Disposition: form-data; name=c\r\n\r\n3\r\n"
           "--XyZ--";
    assert_int_equal(mp(CT_MP, body, strlen(body), &lim, &f), JSZG_FORM_OK);
    body = "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n"
           "--XyZ\r\nContent-Disposition: form-data; name=b\r\n\r\n2\r\n"
           "--XyZ\r\nContent-Disposition: form-data; name=c\r\n\r\n3\r\n"
           "--XyZ\r\nContent-Disposition: form-data; name=d\r\n\r\n4\r\n"
           "--XyZ--";
    assert_int_equal(mp(CT_MP, body, strlen(body), &lim, &f),
                     JSZG_FORM_TOO_MANY_FIELDS);
    lim.max_body = strlen(body) - 1;
    assert_int_equal(mp(CT_MP, body, strlen(body), &lim, &f),
                     JSZG_FORM_BODY_TOO_LARGE);
}

static void mp_empty_form(void **state)
{
    apr_array_header_t *f;

    (void)state;
    assert_int_equal(mp(CT_MP, LIT("--XyZ--\r\n"), NULL, &f), JSZG_FORM_OK);
    assert_int_equal(f->nelts, 0);
    assert_int_equal(mp(CT_MP, LIT("junk\r\n--XyZ--"), NULL, &f),
                     JSZG_FORM_OK);
    assert_int_equal(f->nelts, 0);
}

/* ---------------------------------------------------------------- */
/* Dispatch, status, UTF-8, cookies, query                           */
/* ---------------------------------------------------------------- */

static void dispatch(void **state)
{
    apr_array_header_t *f;

    (void)state;
    assert_int_equal(jszg_form_parse(pool, NULL, NULL, 0, NULL, &f),
                     JSZG_FORM_OK);
    assert_int_equal(f->nelts, 0);
    assert_int_equal(jszg_form_parse(pool, "text/plain", "", 0, NULL, &f),
                     JSZG_FORM_OK);
    assert_int_equal(f->nelts, 0);
    assert_int_equal(jszg_form_parse(pool, "application/x-www-form-urlencoded;"
                                     " charset=UTF-8", LIT("a=1"), NULL, &f),
                     JSZG_FORM_OK);
    assert_string_equal(jszg_form_get(f, "a"), "1");
    assert_int_equal(jszg_form_parse(pool, CT_MP, LIT(normal_body), NULL,
                                     &f), JSZG_FORM_OK);
    assert_int_equal(f->nelts, 4);
    assert_int_equal(jszg_form_parse(pool, "text/plain", LIT("a=1"), NULL,
                                     &f), JSZG_FORM_UNSUPPORTED_TYPE);
    assert_null(f);
    assert_int_equal(jszg_form_parse(pool, NULL, LIT("a=1"), NULL, &f),
                     JSZG_FORM_UNSUPPORTED_TYPE);
    assert_int_equal(jszg_form_parse(pool, "application/x-www-form-urlencodedX",
                                     LIT("a=1"), NULL, &f),
                     JSZG_FORM_UNSUPPORTED_TYPE);
    assert_null(jszg_form_find(NULL, "a"));
}

static void status_mapping(void **state)
{
    int st;

    (void)state;
    for (st = JSZG_FORM_OK; st <= JSZG_FORM_CONTROL_CHAR; st++) {
        assert_non_null(jszg_form_status_code((jszg_form_status)st));
        assert_non_null(jszg_form_status_message((jszg_form_status)st));
    }
    assert_int_equal(jszg_form_status_http(JSZG_FORM_OK), 200);
    assert_int_equal(jszg_form_status_http(JSZG_FORM_BODY_TOO_LARGE), 413);
    assert_int_equal(jszg_form_status_http(JSZG_FORM_FILE_TOO_LARGE), 413);
    assert_int_equal(jszg_form_status_http(JSZG_FORM_FIELD_TOO_LONG), 413);
    assert_int_equal(jszg_form_status_http(JSZG_FORM_TOO_MANY_FIELDS), 413);
    assert_int_equal(jszg_form_status_http(JSZG_FORM_TOO_MANY_FILES), 413);
    assert_int_equal(jszg_form_status_http(JSZG_FORM_BAD_ENCODING), 400);
    assert_int_equal(jszg_form_status_http(JSZG_FORM_BAD_MULTIPART), 400);
    assert_int_equal(jszg_form_status_http(JSZG_FORM_UNSUPPORTED_TYPE), 415);
    assert_string_equal(jszg_form_status_code(JSZG_FORM_BODY_TOO_LARGE),
                        "body_too_large");
    assert_string_equal(jszg_form_status_code(JSZG_FORM_BAD_UTF8),
                        "bad_utf8");
    assert_int_equal(jszg_form_status_http((jszg_form_status)42), 400);
    assert_int_equal(jszg_form_status_http((jszg_form_status)-1), 400);
}

static void utf8(void **state)
{
    (void)state;
    assert_true(jszg_utf8_valid(LIT("")));
    assert_true(jszg_utf8_valid(LIT("abc中文\xf0\x9f\x98\x80")));
    assert_true(jszg_utf8_valid(LIT("\xf4\x8f\xbf\xbf")));      /* U+10FFFF */
    assert_true(jszg_utf8_valid(LIT("\xee\x80\x80")));          /* U+E000 */
    assert_true(jszg_utf8_valid(LIT("\xed\x9f\xbf")));          /* U+D7FF */
    assert_false(jszg_utf8_valid(LIT("\xc0\xaf")));
    assert_false(jszg_utf8_valid(LIT("\xc1\xbf")));
    assert_false(jszg_utf8_valid(LIT("\xe0\x9f\xbf")));
    assert_false(jszg_utf8_valid(LIT("\xf0\x8f\xbf\xbf")));
    assert_false(jszg_utf8_valid(LIT("\xed\xa0\x80")));
    assert_false(jszg_utf8_valid(LIT("\xed\xbf\xbf")));
    assert_false(jszg_utf8_valid(LIT("\xf4\x90\x80\x80")));
    assert_false(jszg_utf8_valid(LIT("\xf5\x80\x80\x80")));
    assert_false(jszg_utf8_valid(LIT("\x80")));
    assert_false(jszg_utf8_valid(LIT("\xe4\xb8")));
    assert_false(jszg_utf8_valid(LIT("\xe4\x41\xad")));
    assert_false(jszg_utf8_valid(LIT("\xf0\x9f\x98")));
    assert_false(jszg_utf8_valid("\xe4\xb8\xad", 2));           /* len */
    assert_int_equal(jszg_utf8_chars(LIT("")), 0);
    assert_int_equal(jszg_utf8_chars(LIT("ab中文\xf0\x9f\x98\x80")), 5);
}

static void cookies(void **state)
{
    const char *h = "a=1; sid=abc123;  lang = zh ;b=\"q v\";;empty=; sid=2";

    (void)state;
    assert_string_equal(jszg_cookie_get(pool, h, "a"), "1");
    assert_string_equal(jszg_cookie_get(pool, h, "sid"), "abc123");
    assert_string_equal(jszg_cookie_get(pool, h, "lang"), "zh");
    assert_string_equal(jszg_cookie_get(pool, h, "b"), "q v");
    assert_string_equal(jszg_cookie_get(pool, h, "empty"), "");
    assert_null(jszg_cookie_get(pool, h, "SID"));
    assert_null(jszg_cookie_get(pool, h, "si"));
    assert_null(jszg_cookie_get(pool, h, "missing"));
    assert_null(jszg_cookie_get(pool, NULL, "a"));
    assert_null(jszg_cookie_get(pool, h, ""));
    assert_null(jszg_cookie_get(pool, "", "a"));
    assert_null(jszg_cookie_get(pool, ";;  ;", "a"));
    assert_null(jszg_cookie_get(pool, "novalue; x", "x"));
    assert_string_equal(jszg_cookie_get(pool, "x=\"", "x"), "\"");
    assert_string_equal(jszg_cookie_get(pool, "x=a=b", "x"), "a=b");
}

static void query(void **state)
{
    (void)state;
    assert_string_equal(jszg_query_get(pool, "page=2&q=%E6%95%99+师", "q"),
                        "教 师");
    assert_string_equal(jszg_query_get(pool, "page=2&q=x", "page"), "2");
    assert_null(jszg_query_get(pool, "page=2", "q"));
    assert_null(jszg_query_get(pool, "page=%zz", "page"));
    assert_null(jszg_query_get(pool, NULL, "page"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(url_basic),
        cmocka_unit_test(url_shapes),
        cmocka_unit_test(url_bad_encoding),
        cmocka_unit_test(url_bad_utf8),
        cmocka_unit_test(url_nul),
        cmocka_unit_test(control_chars),
        cmocka_unit_test(url_limits),
        cmocka_unit_test(mp_normal),
        cmocka_unit_test(mp_boundaries),
        cmocka_unit_test(mp_boundary_length),
        cmocka_unit_test(mp_filename_path),
        cmocka_unit_test(mp_missing_final),
        cmocka_unit_test(mp_bad_parts),
        cmocka_unit_test(mp_nul),
        cmocka_unit_test(mp_header_block_limit),
        cmocka_unit_test(mp_limits),
        cmocka_unit_test(mp_empty_form),
        cmocka_unit_test(dispatch),
        cmocka_unit_test(status_mapping),
        cmocka_unit_test(utf8),
        cmocka_unit_test(cookies),
        cmocka_unit_test(query),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests(tests, setup, teardown);
    apr_terminate();
    return rc;
}
