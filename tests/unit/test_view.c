/*
 * test_view.c - unit tests for the template engine (jszg_view*.c).
 *
 * Template files live in tests/unit/templates/{good,bad,...}; the directory
 * is found from JSZG_TEST_TEMPLATES, else next to this source file.
 *
 * tests/unit/golden holds, for every page of htdocs/templates, data that
 * reaches every path the page and its layout read (plain, hostile, empty:
 * made by golden/mkdata.py) and the HTML the old per-request libxml2 DOM
 * renderer produced for it; the compiled renderer must produce the same
 * bytes.  JSZG_GOLDEN_WRITE=1 rewrites the .html files (only after a
 * reviewed, intended change of the output).
 */
#include <apr_file_io.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <apr_file_info.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <apr_fnmatch.h>
#include <libxml/parser.h>

#include "jszg_view.h"

#define DOCTYPE "<!DOCTYPE html>\n"
#define THREADS 4
#define ROUNDS  200

static apr_pool_t *pool;

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* JSZG_TEST_TEMPLATES, else next to this source, else relative to cwd
 * (the Makefile runs the tests from tests/unit). */
static const char *templates_dir(const char *which)
{
    const char *src = __FILE__;
    const char *slash = strrchr(src, '/');
    const char *cand[4];
    apr_finfo_t fi;
    int i;

    cand[0] = getenv("JSZG_TEST_TEMPLATES");
    cand[1] = slash ? apr_pstrcat(pool, apr_pstrmemdup(pool, src, slash - src),
                                  "/templates", NULL) : NULL;
    cand[2] = "templates";
    cand[3] = "tests/unit/templates";
    for (i = 0; i < 4; i++) {
        if (cand[i] != NULL
            && apr_stat(&fi, apr_pstrcat(pool, cand[i], "/good", NULL),
                        APR_FINFO_TYPE, pool) == APR_SUCCESS) {
            return apr_pstrcat(pool, cand[i], "/", which, NULL);
        }
    }
    fail_msg("tests/unit/templates not found; set JSZG_TEST_TEMPLATES");
    return NULL;
}

static json_t *js(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);

    if (j == NULL) {
        fail_msg("bad test json: %s: %s", e.text, text);
    }
    return j;
}

/* Renders tpl with the json data, expecting success; returns the html. */
static const char *render(const char *tpl, const char *data)
{
    json_t *j = js(data);
    const char *html = NULL, *err = NULL;
    apr_size_t len = 0;
    apr_status_t rv;

    rv = jszg_view_render_string(pool, tpl, strlen(tpl), j, &html, &len,
                                 &err);
    json_decref(j);
    if (rv != APR_SUCCESS) {
        fail_msg("render failed: %s", err ? err : "(no message)");
    }
    assert_non_null(html);
    assert_int_equal(strlen(html), len);
    assert_true(strncmp(html, DOCTYPE, strlen(DOCTYPE)) == 0);
    return html + strlen(DOCTYPE);
}

/* Renders tpl expecting a failure; returns the message. */
static const char *render_err(const char *tpl, const char *data)
{
    json_t *j = js(data);
    const char *html = NULL, *err = NULL;
    apr_size_t len = 0;
    apr_status_t rv;

    rv = jszg_view_render_string(pool, tpl, strlen(tpl), j, &html, &len,
                                 &err);
    json_decref(j);
    assert_int_not_equal(rv, APR_SUCCESS);
    assert_non_null(err);
    return err;
}

#define assert_contains(hay, needle) \
    do { \
        if (strstr((hay), (needle)) == NULL) { \
            fail_msg("expected \"%s\" in:\n%s", (needle), (hay)); \
        } \
    } while (0)

#define assert_lacks(hay, needle) \
    do { \
        if (strstr((hay), (needle)) != NULL) { \
            fail_msg("did not expect \"%s\" in:\n%s", (needle), (hay)); \
        } \
    } while (0)

/* ------------------------------------------------------------------ */
/* Text and escaping                                                   */

static void test_text_chinese(void **state)
{
    const char *h;

    (void)state;
    h = render("<p data-text=\"msg\">旧</p>",
               "{\"msg\": \"中小学教师资格定期注册\"}");
    assert_string_equal(h, "<p>中小学教师资格定期注册</p>\n");
    /* raw UTF-8, not &#x...; references */
    assert_contains(h, "\xe4\xb8\xad");
    assert_lacks(h, "&#");
}

static void test_text_values(void **state)
{
    const char *h;

    (void)state;
    h = render("<p><i data-text=\"n\"/><b data-text=\"r\"/><u data-text=\"s\"/>"
               "<s data-text=\"t\"/><q data-text=\"f\"/><em data-text=\"z\"/>"
               "<tt data-text=\"nope\">x</tt><del data-text=\"a.b.c\"/>"
               "<ins data-text=\"arr.1\"/></p>",
               "{\"n\": -42, \"r\": 3.5, \"s\": 0.1, \"t\": true,"
               " \"f\": false, \"z\": null, \"a\": {\"b\": {\"c\": \"深\"}},"
               " \"arr\": [\"x\", \"y\"]}");
    assert_string_equal(h, "<p><i>-42</i><b>3.5</b><u>0.1</u><s>true</s>"
                        "<q>false</q><em></em><tt></tt><del>深</del>"
                        "<ins>y</ins></p>\n");
}

static void test_escape_text(void **state)
{
    const char *h;

    (void)state;
    h = render("<div><p data-text=\"x\"/><textarea data-text=\"x\"/>"
               "<title data-text=\"x\"/></div>",
               "{\"x\": \"<script>alert(1)</script> \\\"q\\\" 'a' & b\"}");
    assert_lacks(h, "<script>");
    assert_contains(h, "<p>&lt;script&gt;alert(1)&lt;/script&gt; \"q\" 'a'"
                    " &amp; b</p>");
    assert_contains(h, "<textarea>&lt;script&gt;alert(1)&lt;/script&gt;");
    /* RCDATA elements cannot be closed from data either */
    h = render("<div><textarea data-text=\"x\"/></div>",
               "{\"x\": \"</textarea><script>alert(1)</script>\"}");
    assert_string_equal(h, "<div><textarea>&lt;/textarea&gt;&lt;script&gt;"
                        "alert(1)&lt;/script&gt;</textarea></div>\n");
}

static void test_escape_attr(void **state)
{
    const char *h;

    (void)state;
    h = render("<p><a data-attr-title=\"x\" data-attr-href=\"u\">a</a>"
               "<img data-attr-alt=\"y\" src=\"/i.png\"/></p>",
               "{\"x\": \"\\\"><script>alert(1)</script>&amp;\","
               " \"y\": \"it's \\\"both\\\"\", \"u\": \"/s?a=1&b=\\\"2\"}");
    assert_lacks(h, "<script>");
    assert_lacks(h, "'\"><");
    assert_contains(h, "title='\"&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
                    "&amp;amp;'");
    assert_contains(h, "alt=\"it's &quot;both&quot;\"");
    assert_contains(h, "href=\"/s?a=1&amp;b=%222\"");
}

static void test_static_escaping_kept(void **state)
{
    const char *h;

    (void)state;
    h = render("<p title=\"a &amp; b &lt; c\">x &amp; y &#60; z</p>", "{}");
    assert_string_equal(h, "<p title=\"a &amp; b &lt; c\">x &amp; y &lt; z"
                        "</p>\n");
}

/* ------------------------------------------------------------------ */
/* Conditions and loops                                                */

static void test_if_unless(void **state)
{
    const char *tpl = "<div>"
        "<i data-if=\"s\">s</i><i data-if=\"e\">e</i>"
        "<i data-if=\"zero\">0</i><i data-if=\"one\">1</i>"
        "<i data-if=\"t\">t</i><i data-if=\"f\">f</i>"
        "<i data-if=\"ea\">ea</i><i data-if=\"a\">a</i>"
        "<i data-if=\"eo\">eo</i><i data-if=\"o\">o</i>"
        "<i data-if=\"nul\">nul</i><i data-if=\"missing\">m</i>"
        "<i data-if=\"rz\">rz</i>"
        "<b data-if=\"!t\">!t</b><b data-if=\"!f\">!f</b>"
        "<u data-unless=\"t\">ut</u><u data-unless=\"missing\">um</u>"
        "</div>";
    const char *h;

    (void)state;
    h = render(tpl, "{\"s\": \"x\", \"e\": \"\", \"zero\": 0, \"one\": 1,"
               " \"t\": true, \"f\": false, \"ea\": [], \"a\": [1],"
               " \"eo\": {}, \"o\": {\"k\": 1}, \"nul\": null,"
               " \"rz\": 0.0}");
    assert_string_equal(h, "<div><i>s</i><i>1</i><i>t</i><i>a</i><i>o</i>"
                        "<b>!f</b><u>um</u></div>\n");
}

static void test_each_nested(void **state)
{
    const char *tpl =
        "<table>"
        "<tr data-each=\"rows\" data-attr-id=\"id\">"
        "<th data-text=\"#number\"/>"
        "<td data-each=\"cells\" data-text=\"v\"/>"
        "<td data-each=\"tags\"><span data-text=\".\"/>"
        "<em data-text=\"#index\"/><s data-text=\"unit\"/></td>"
        "</tr></table>";
    const char *h;

    (void)state;
    h = render(tpl, "{\"unit\": \"人\", \"rows\": ["
               "{\"id\": \"r1\", \"cells\": [{\"v\": \"甲\"}, {\"v\": 2}],"
               " \"tags\": [\"a\"]},"
               "{\"id\": \"r2\", \"cells\": [], \"tags\": [\"b\", \"c\"],"
               " \"unit\": \"个\"}]}");
    /* row 1: unit from the root (outer-scope fallback) */
    assert_contains(h, "<tr id=\"r1\"><th>1</th><td>甲</td><td>2</td>"
                    "<td><span>a</span><em>0</em><s>人</s></td></tr>");
    /* row 2: the row's own unit wins; inner #index restarts */
    assert_contains(h, "<tr id=\"r2\"><th>2</th>"
                    "<td><span>b</span><em>0</em><s>个</s></td>"
                    "<td><span>c</span><em>1</em><s>个</s></td></tr>");
    assert_lacks(h, "data-each");
}

static void test_each_empty_and_missing(void **state)
{
    const char *h;

    (void)state;
    h = render("<ul><li data-each=\"a\">x</li><li data-each=\"b\">y</li>"
               "<li data-each=\"s\">z</li><li>end</li></ul>",
               "{\"a\": [], \"s\": \"not an array\"}");
    assert_string_equal(h, "<ul><li>end</li></ul>\n");
}

static void test_each_if_scope(void **state)
{
    const char *h;

    /* data-if on a repeated element is evaluated per item */
    (void)state;
    h = render("<ol><li data-each=\"xs\" data-if=\"ok\" data-text=\"n\"/>"
               "</ol>",
               "{\"ok\": true, \"xs\": [{\"n\": 1}, {\"n\": 2, \"ok\": false},"
               " {\"n\": 3}]}");
    assert_string_equal(h, "<ol><li>1</li><li>3</li></ol>\n");
}

static void test_whitespace(void **state)
{
    const char *h;

    (void)state;
    h = render("<ul>\n  <li data-each=\"xs\" data-text=\".\"/>\n"
               "  <li data-if=\"no\">x</li>\n</ul>",
               "{\"xs\": [\"a\", \"b\"]}");
    assert_string_equal(h, "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n");
}

/* ------------------------------------------------------------------ */
/* Attributes                                                          */

static void test_boolean_attrs(void **state)
{
    const char *h;

    (void)state;
    h = render("<form>"
               "<input type=\"checkbox\" data-attr-checked=\"t\"/>"
               "<input type=\"checkbox\" checked=\"checked\""
               " data-attr-checked=\"f\"/>"
               "<input data-attr-disabled=\"missing\" disabled=\"disabled\"/>"
               "<input data-attr-readonly=\"s\" data-attr-required=\"one\"/>"
               "<select><option data-attr-selected=\"t\">a</option></select>"
               "<div data-attr-hidden=\"f\">v</div>"
               "</form>",
               "{\"t\": true, \"f\": false, \"s\": \"yes\", \"one\": 1}");
    assert_string_equal(h, "<form>"
                        "<input type=\"checkbox\" checked>"
                        "<input type=\"checkbox\">"
                        "<input>"
                        "<input readonly required=\"required\">"
                        "<select><option selected>a</option></select>"
                        "<div>v</div>"
                        "</form>\n");
}

static void test_attr_set_and_remove(void **state)
{
    const char *h;

    (void)state;
    h = render("<p><span title=\"old\" data-attr-title=\"t\" data-x=\"keep\""
               " data-attr-lang=\"missing\" lang=\"en\" "
               "data-attr-data-id=\"n\">x</span></p>",
               "{\"t\": \"新\", \"n\": 7}");
    assert_string_equal(h, "<p><span title=\"新\" data-x=\"keep\""
                        " data-id=\"7\">x</span></p>\n");
}

static void test_class(void **state)
{
    const char *h;

    (void)state;
    h = render("<p><a class=\"btn\" data-class-active=\"t\""
               " data-class-off=\"f\" data-class-big=\"one\">x</a>"
               "<b data-class-only=\"t\">y</b><i data-class-no=\"f\">z</i>"
               "</p>",
               "{\"t\": true, \"f\": false, \"one\": 1}");
    assert_string_equal(h, "<p><a class=\"btn active big\">x</a>"
                        "<b class=\"only\">y</b><i>z</i></p>\n");
}

static void test_safe_url(void **state)
{
    static const char *const bad[] = {
        "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
        "\t\njavascript:alert(1)", "\x01javascript:alert(1)",
        "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)", "file:///etc/passwd", "x:y", "httpx://a",
        NULL
    };
    static const char *const good[] = {
        "/login", "?page=2", "#top", "register/step2", "http://a.cn/",
        "HTTPS://jszg.edu.cn/x?y=1", "mailto:a@b.cn", "", "a/b:c",
        "/x?u=javascript:1", NULL
    };
    const char *const *s;

    (void)state;
    for (s = bad; *s; s++) {
        assert_string_equal(jszg_view_safe_url(pool, *s), "#");
    }
    for (s = good; *s; s++) {
        assert_string_equal(jszg_view_safe_url(pool, *s), *s);
    }
    assert_string_equal(jszg_view_safe_url(pool, "  /trim\n"), "/trim");
}

static void test_url_attrs_rendered(void **state)
{
    const char *h;

    (void)state;
    h = render("<p><a data-attr-href=\"a\">1</a><a data-attr-href=\"b\">2</a>"
               "<a data-attr-href=\"c\">3</a><img data-attr-src=\"d\"/>"
               "<form data-attr-action=\"e\"><button data-attr-formaction=\"f\""
               ">x</button></form><a href=\"/keep\" data-attr-href=\"m\">5</a>"
               "<a data-attr-href=\"ok\">6</a></p>",
               "{\"a\": \"javascript:alert(1)\", \"b\": \"JaVaScRiPt:x\","
               " \"c\": \" javascript:x\", \"d\": \"data:image/png;base64,AA\","
               " \"e\": \"vbscript:x\", \"f\": \"javascript:y\","
               " \"ok\": \"/s?q=1\"}");
    assert_string_equal(h, "<p><a href=\"#\">1</a><a href=\"#\">2</a>"
                        "<a href=\"#\">3</a><img src=\"#\">"
                        "<form action=\"#\"><button formaction=\"#\">x"
                        "</button></form><a>5</a>"
                        "<a href=\"/s?q=1\">6</a></p>\n");
}

/* ------------------------------------------------------------------ */
/* Refusals                                                            */

static void test_refuse_script_style(void **state)
{
    const char *e;

    (void)state;
    e = render_err("<html><script data-text=\"x\"/></html>", "{\"x\": 1}");
    assert_contains(e, "data-text");
    assert_contains(e, "<string>:1");
    e = render_err("<html><style data-text=\"x\"/></html>", "{}");
    assert_contains(e, "data-text");
    e = render_err("<html><script><b data-text=\"x\"/></script></html>",
                   "{}");
    assert_contains(e, "script");
    e = render_err("<p><a data-attr-onclick=\"x\">a</a></p>", "{}");
    assert_contains(e, "onclick");
    render_err("<p><a data-attr-style=\"x\">a</a></p>", "{}");
    render_err("<p><script data-attr-src=\"x\"></script></p>", "{}");
    /* a nonce from data is fine */
    assert_string_equal(render("<p><script data-attr-nonce=\"n\" src=\"/a.js\""
                               "/></p>", "{\"n\": \"abc\"}"),
                        "<p><script src=\"/a.js\" nonce=\"abc\"></script>"
                        "</p>\n");
}

static void test_refuse_entities(void **state)
{
    const char *e;

    (void)state;
    e = render_err("<!DOCTYPE p [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                   "<p>&x;</p>", "{}");
    assert_contains(e, "<string>");
    render_err("<!DOCTYPE p [<!ENTITY x \"y\">]><p>a</p>", "{}");
    render_err("<p>&nbsp;</p>", "{}");
    render_err("<p data-each=\"xs\">a</p>", "{}");
    render_err("<p><a data-text=\"a..b\">a</a></p>", "{}");
    render_err("<p><a data-each=\"!a\">a</a></p>", "{}");
    render_err("<p><a data-slot=\"sidebar\">a</a></p>", "{}");
    render_err("", "{}");
    render_err("<p>", "{}");
}

static void test_too_large(void **state)
{
    const char *e;
    json_t *a = json_array();
    json_t *d = json_object();
    const char *tpl = "<p><a data-each=\"a\"><b data-each=\"a\">"
                      "<i data-each=\"a\">x</i></b></a></p>";
    const char *html, *err = NULL;
    apr_size_t len;
    int i;

    (void)state;
    (void)e;
    for (i = 0; i < 100; i++) {
        json_array_append_new(a, json_integer(i));
    }
    json_object_set_new(d, "a", a);
    assert_int_not_equal(jszg_view_render_string(pool, tpl, strlen(tpl), d,
                                                 &html, &len, &err),
                         APR_SUCCESS);
    assert_contains(err, "too large");
    json_decref(d);
}

static void test_serialization(void **state)
{
    const char *h;

    (void)state;
    h = render("<html><head><meta charset=\"utf-8\"/>"
               "<script src=\"/a.js\"></script></head>"
               "<body><div></div><textarea></textarea><br/>"
               "<img src=\"/i.png\" alt=\"\"/><input name=\"q\"/>"
               "<!-- 注释 --><span/></body></html>", "{}");
    assert_string_equal(h, "<html><head><meta charset=\"utf-8\">"
                        "<script src=\"/a.js\"></script></head>"
                        "<body><div></div><textarea></textarea><br>"
                        "<img src=\"/i.png\" alt=\"\"><input name=\"q\">"
                        "<!-- 注释 --><span></span></body></html>\n");
    /* one charset declaration only */
    assert_lacks(h, "http-equiv");
}

static void test_null_data(void **state)
{
    const char *tpl = "<p data-text=\"x\">a</p>";
    const char *html, *err;
    apr_size_t len;

    (void)state;
    assert_int_equal(jszg_view_render_string(pool, tpl, strlen(tpl), NULL,
                                             &html, &len, &err),
                     APR_SUCCESS);
    assert_string_equal(html, DOCTYPE "<p></p>\n");
}

/* ------------------------------------------------------------------ */
/* Files, layout                                                       */

static jszg_view *load_good(void)
{
    jszg_view *v = NULL;
    const char *err = NULL;
    apr_status_t rv = jszg_view_create(pool, templates_dir("good"), &v, &err);

    if (rv != APR_SUCCESS) {
        fail_msg("jszg_view_create: %s", err ? err : "?");
    }
    return v;
}

static void test_layout(void **state)
{
    jszg_view *v = load_good();
    json_t *d = js("{\"title\": \"注册记录\", \"user\": {\"name\": \"张三\"},"
                   " \"items\": [{\"name\": \"2024 定期注册\","
                   " \"url\": \"/reg/1\"}, {\"name\": \"坏\","
                   " \"url\": \"javascript:alert(1)\"}]}");
    const char *h, *err = NULL;
    apr_size_t len;

    (void)state;
    assert_true(jszg_view_has(v, "page"));
    assert_true(jszg_view_has(v, "admin/list"));
    assert_false(jszg_view_has(v, "notes"));
    assert_int_equal(jszg_view_render(v, pool, "page", "layout", d, &h, &len,
                                      &err), APR_SUCCESS);
    assert_true(strncmp(h, DOCTYPE "<html lang=\"zh-CN\">",
                        strlen(DOCTYPE) + 19) == 0);
    assert_contains(h, "<title>注册记录</title>");
    assert_contains(h, "<span>张三</span>");
    assert_contains(h, "<main><section class=\"page\">");
    assert_contains(h, "<h1>注册记录</h1>");
    assert_contains(h, "<li><span>1</span>. <a href=\"/reg/1\">2024 定期注册"
                    "</a></li>");
    assert_contains(h, "<li><span>2</span>. <a href=\"#\">坏</a></li>");
    assert_contains(h, "</section></main>");
    assert_lacks(h, "placeholder");
    assert_lacks(h, "没有记录");
    assert_lacks(h, "data-slot");
    assert_contains(h, "<script src=\"/static/jszg.js\"></script>");
    assert_contains(h, "<meta charset=\"utf-8\">");
    assert_lacks(h, "http-equiv");

    /* the page alone, and with no items */
    json_object_set_new(d, "items", json_array());
    assert_int_equal(jszg_view_render(v, pool, "page", NULL, d, &h, &len,
                                      &err), APR_SUCCESS);
    assert_true(strncmp(h, DOCTYPE "<section", strlen(DOCTYPE) + 8) == 0);
    assert_contains(h, "没有记录");
    assert_lacks(h, "<ul");

    assert_int_equal(jszg_view_render(v, pool, "admin/list", NULL, d, &h,
                                      &len, &err), APR_SUCCESS);
    assert_string_equal(h, DOCTYPE "<div id=\"admin\" data-role=\"list\">"
                        "<span>注册记录</span></div>\n");
    json_decref(d);
}

static void test_unknown_template(void **state)
{
    jszg_view *v = load_good();
    json_t *d = json_object();
    const char *h = NULL, *err = NULL;
    apr_size_t len;

    (void)state;
    assert_int_equal(jszg_view_render(v, pool, "nope", NULL, d, &h, &len,
                                      &err), APR_NOTFOUND);
    assert_contains(err, "nope");
    assert_int_equal(jszg_view_render(v, pool, "page", "nolayout", d, &h,
                                      &len, &err), APR_NOTFOUND);
    assert_int_equal(jszg_view_render(v, pool, "../good/page", NULL, d, &h,
                                      &len, &err), APR_NOTFOUND);
    /* a layout without a slot */
    assert_int_equal(jszg_view_render(v, pool, "page", "admin/list", d, &h,
                                      &len, &err), APR_EGENERAL);
    assert_contains(err, "data-slot");
    json_decref(d);
}

static void test_malformed_file(void **state)
{
    jszg_view *v = NULL;
    const char *err = NULL;
    apr_status_t rv;

    (void)state;
    rv = jszg_view_create(pool, templates_dir("bad"), &v, &err);
    assert_int_not_equal(rv, APR_SUCCESS);
    assert_null(v);
    assert_non_null(err);
    assert_contains(err, "broken.html:");
    assert_contains(err, "mismatch");

    rv = jszg_view_create(pool, templates_dir("no-such-dir"), &v, &err);
    assert_int_not_equal(rv, APR_SUCCESS);
    assert_contains(err, "no-such-dir");
}


/* ------------------------------------------------------------------ */
/* Compiled output details (what libxml2's serializer wrote)           */

static void test_optional_end_tags(void **state)
{
    (void)state;
    /* an <li> without children has no end tag; one with any has one */
    assert_string_equal(render("<ul><li data-text=\"e\"/><li data-text=\"x\"/>"
                               "<li><b data-if=\"e\">b</b></li>"
                               "<li><!--c--></li><LI data-text=\"e\"/>"
                               "<li><b data-each=\"a\">.</b></li></ul>",
                               "{\"e\": \"\", \"x\": \"1\", \"a\": [1]}"),
                        "<ul><li><li>1</li><li><li><!--c--></li><LI>"
                        "<li><b>.</b></li></ul>\n");
    /* html and body keep theirs; void elements drop their content */
    assert_string_equal(render("<html><body/><br data-text=\"x\">t</br>"
                               "</html>", "{\"x\": \"y\"}"),
                        "<html><body></body><br></html>\n");
}

static void test_attr_quoting(void **state)
{
    const char *h;

    (void)state;
    h = render("<p><i data-attr-title=\"a\"/><i data-attr-title=\"b\"/>"
               "<i data-attr-title=\"c\"/><a data-attr-href=\"u\">x</a>"
               "<a data-attr-name=\"n\">y</a></p>",
               "{\"a\": \"say \\\"hi\\\"\", \"b\": \"it's \\\"x\\\"\","
               " \"c\": \"<&>\", \"u\": \" /a b?q=中&r=<1>\","
               " \"n\": \"a b\"}");
    assert_string_equal(h, "<p><i title='say \"hi\"'></i>"
                        "<i title=\"it's &quot;x&quot;\"></i>"
                        "<i title=\"&lt;&amp;&gt;\"></i>"
                        "<a href=\"/a%20b?q=%E4%B8%AD&amp;r=&lt;1&gt;\">x</a>"
                        "<a name=\"a%20b\">y</a></p>\n");
    /* control characters are dropped, as libxml2 did */
    assert_string_equal(render("<p data-text=\"t\"/>",
                               "{\"t\": \"a\\u0001b\\u001fc\\td\"}"),
                        "<p>abc\td</p>\n");
}

static void test_attr_order(void **state)
{
    (void)state;
    /* data-attr-X replaces a static X in place; a removed one is gone and
     * a class built from toggles goes last */
    assert_string_equal(render("<p class=\"\" id=\"i\" title=\"t\" "
                               "data-attr-class=\"none\" data-attr-id=\"v\" "
                               "data-class-on=\"v\" data-attr-title=\"no\"/>",
                               "{\"v\": \"x\"}"),
                        "<p id=\"x\" class=\"on\"></p>\n");
}

/* ------------------------------------------------------------------ */
/* Partials                                                            */

static void test_partials(void **state)
{
    jszg_view *v = load_good();
    json_t *d = js("{\"title\": \"T\", \"menu_a\": true,"
                   " \"items\": [{\"name\": \"乙\"}, {\"name\": \"<丙>\"}]}");
    const char *h = NULL, *err = NULL;
    apr_size_t len;

    (void)state;
    assert_int_equal(jszg_view_render(v, pool, "menu_page", NULL, d, &h,
                                      &len, &err), APR_SUCCESS);
    assert_string_equal(h, DOCTYPE "<section>\n"
                        "  <ul class=\"menu\"><li class=\"active\">甲</li>"
                        "<li>乙</li><li>&lt;丙&gt;</li></ul>\n"
                        "  <p>T</p>\n"
                        "  <div><ul class=\"menu\"><li class=\"active\">甲"
                        "</li><li>乙</li><li>&lt;丙&gt;</li></ul></div>\n"
                        "</section>\n");
    assert_lacks(h, "data-include");
    json_decref(d);
}

static void test_partial_errors(void **state)
{
    jszg_view *v = NULL;
    const char *err = NULL;

    (void)state;
    assert_int_not_equal(jszg_view_create(pool, templates_dir("bad_include/"
                                                              "unknown"),
                                          &v, &err), APR_SUCCESS);
    assert_contains(err, "page.html:1: unknown partial \"partials/nope\"");
    assert_int_not_equal(jszg_view_create(pool, templates_dir("bad_include/"
                                                              "cycle"),
                                          &v, &err), APR_SUCCESS);
    assert_contains(err, "nested too deep");
    assert_int_not_equal(jszg_view_create(pool, templates_dir("bad_include/"
                                                              "extra"),
                                          &v, &err), APR_SUCCESS);
    assert_contains(err, "page.html:1: an element with data-include takes "
                    "no other attribute");
    /* a template given as a string has no partials */
    assert_contains(render_err("<div><p data-include=\"a\"/></div>", "{}"),
                    "unknown partial \"a\"");
    assert_contains(render_err("<div><p data-include=\"../a\"/></div>", "{}"),
                    "bad partial name");
    assert_contains(render_err("<div><p data-include=\"a\">x</p></div>",
                               "{}"), "no other attribute and no content");
}

/* ------------------------------------------------------------------ */
/* Golden pages                                                        */

static const char *golden_dir(void)
{
    const char *src = __FILE__;
    const char *slash = strrchr(src, '/');
    const char *cand[3];
    apr_finfo_t fi;
    int i;

    cand[0] = slash ? apr_pstrcat(pool, apr_pstrmemdup(pool, src, slash - src),
                                  "/golden", NULL) : NULL;
    cand[1] = "golden";
    cand[2] = "tests/unit/golden";
    for (i = 0; i < 3; i++) {
        if (cand[i] != NULL
            && apr_stat(&fi, cand[i], APR_FINFO_TYPE, pool) == APR_SUCCESS) {
            return cand[i];
        }
    }
    fail_msg("tests/unit/golden not found");
    return NULL;
}

static char *slurp(const char *path, apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;
    char *buf;

    if (apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, pool)
        != APR_SUCCESS
        || apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS) {
        fail_msg("cannot read %s", path);
    }
    buf = apr_palloc(pool, (apr_size_t)fi.size + 1);
    assert_int_equal(apr_file_read_full(f, buf, (apr_size_t)fi.size, len),
                     APR_SUCCESS);
    buf[*len] = '\0';
    apr_file_close(f);
    return buf;
}

/* Every page under dir (not layouts, not partials) has golden data. */
static void check_golden_cover(const char *gdir, const char *dir,
                               const char *prefix)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_size_t n;

    assert_int_equal(apr_dir_open(&d, dir, pool), APR_SUCCESS);
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d)
           == APR_SUCCESS) {
        const char *name;

        if (fi.name[0] == '.' || !strcmp(fi.name, "partials")) {
            continue;
        }
        if (fi.filetype == APR_DIR) {
            check_golden_cover(gdir, apr_pstrcat(pool, dir, "/", fi.name,
                                                 NULL),
                               apr_pstrcat(pool, prefix, fi.name, "__",
                                           NULL));
            continue;
        }
        n = strlen(fi.name);
        if (n < 6 || strcmp(fi.name + n - 5, ".html")
            || !strcmp(fi.name, "layout.html")) {
            continue;
        }
        name = apr_pstrcat(pool, gdir, "/", prefix,
                           apr_pstrmemdup(pool, fi.name, n - 5),
                           ".plain.json", NULL);
        if (apr_stat(&fi, name, APR_FINFO_TYPE, pool) != APR_SUCCESS) {
            fail_msg("no golden data %s (see tests/unit/golden/mkdata.py)",
                     name);
        }
    }
    apr_dir_close(d);
}

static void test_golden_pages(void **state)
{
    const char *gdir = golden_dir();
    const char *tdir = apr_pstrcat(pool, gdir, "/../../../htdocs/templates",
                                   NULL);
    int write = getenv("JSZG_GOLDEN_WRITE") != NULL;
    jszg_view *v = NULL;
    const char *err = NULL;
    apr_dir_t *dir;
    apr_finfo_t fi;
    int n = 0;

    (void)state;
    if (jszg_view_create(pool, tdir, &v, &err) != APR_SUCCESS) {
        fail_msg("htdocs/templates: %s", err);
    }
    assert_int_equal(apr_dir_open(&dir, gdir, pool), APR_SUCCESS);
    while (apr_dir_read(&fi, APR_FINFO_NAME, dir) == APR_SUCCESS) {
        char *name, *q;
        const char *jpath, *hpath, *h, *want, *layout;
        apr_size_t len, wlen;
        json_error_t je;
        json_t *d;

        if (apr_fnmatch("*.json", fi.name, 0) != APR_SUCCESS) {
            continue;
        }
        jpath = apr_pstrcat(pool, gdir, "/", fi.name, NULL);
        hpath = apr_pstrcat(pool, apr_pstrmemdup(pool, jpath,
                                                 strlen(jpath) - 5),
                            ".html", NULL);
        /* "admin__home.plain.json" -> template "admin/home" */
        name = apr_pstrdup(pool, fi.name);
        *strchr(name, '.') = '\0';
        while ((q = strstr(name, "__")) != NULL) {
            *q = '/';
            memmove(q + 1, q + 2, strlen(q + 2) + 1);
        }
        layout = strncmp(name, "admin/", 6) ? "layout" : "admin/layout";
        d = json_load_file(jpath, 0, &je);
        if (d == NULL) {
            fail_msg("%s: %s", jpath, je.text);
        }
        if (jszg_view_render(v, pool, name, layout, d, &h, &len, &err)
            != APR_SUCCESS) {
            fail_msg("%s: %s", fi.name, err);
        }
        json_decref(d);
        if (write) {
            apr_file_t *f;

            assert_int_equal(apr_file_open(&f, hpath, APR_FOPEN_WRITE
                                           | APR_FOPEN_CREATE
                                           | APR_FOPEN_TRUNCATE,
                                           APR_OS_DEFAULT, pool),
                             APR_SUCCESS);
            apr_file_write_full(f, h, len, NULL);
            apr_file_close(f);
        }
        want = slurp(hpath, &wlen);
        if (wlen != len || memcmp(want, h, len) != 0) {
            apr_size_t i = 0;

            while (i < len && i < wlen && want[i] == h[i]) {
                i++;
            }
            fail_msg("%s differs from %s at byte %lu:\n got: %.80s\nwant: "
                     "%.80s", fi.name, hpath, (unsigned long)i, h + i,
                     want + i);
        }
        n++;
    }
    apr_dir_close(dir);
    assert_true(n >= 150);      /* every page, three data sets each */
    check_golden_cover(gdir, tdir, "");
}

/* ------------------------------------------------------------------ */
/* Threads                                                             */

typedef struct {
    jszg_view *v;
    json_t *data;
    apr_pool_t *p;
    const char *expect;
    int mismatches;
} thr_arg;

static void *APR_THREAD_FUNC render_thread(apr_thread_t *t, void *data)
{
    thr_arg *a = data;
    int i;

    for (i = 0; i < ROUNDS; i++) {
        const char *h = NULL, *err = NULL;
        apr_size_t len;

        if (jszg_view_render(a->v, a->p, "page", "layout", a->data, &h, &len,
                             &err) != APR_SUCCESS
            || strcmp(h, a->expect) != 0) {
            a->mismatches++;
        }
        if (i % 50 == 49) {
            apr_pool_clear(a->p);
        }
    }
    /* plain return, not apr_thread_exit(): pthread_exit's unwinding trips
     * a gcc ASan false positive (stack-use-after-scope in sigaltstack) */
    (void)t;
    return NULL;
}

static void test_threads(void **state)
{
    jszg_view *v = load_good();
    json_t *d = js("{\"title\": \"并发\", \"user\": {\"name\": \"李四\"},"
                   " \"items\": [{\"name\": \"一\", \"url\": \"/1\"},"
                   " {\"name\": \"二<&>\", \"url\": \"data:x\"}]}");
    apr_thread_t *th[THREADS];
    thr_arg args[THREADS];
    const char *expect, *err;
    apr_size_t len;
    apr_status_t rv;
    int i;

    (void)state;
    assert_int_equal(jszg_view_render(v, pool, "page", "layout", d, &expect,
                                      &len, &err), APR_SUCCESS);
    for (i = 0; i < THREADS; i++) {
        args[i].v = v;
        args[i].data = d;
        args[i].expect = expect;
        args[i].mismatches = 0;
        assert_int_equal(apr_pool_create(&args[i].p, NULL), APR_SUCCESS);
    }
    for (i = 0; i < THREADS; i++) {
        assert_int_equal(apr_thread_create(&th[i], NULL, render_thread,
                                           &args[i], pool), APR_SUCCESS);
    }
    for (i = 0; i < THREADS; i++) {
        apr_thread_join(&rv, th[i]);
        assert_int_equal(rv, APR_SUCCESS);
        assert_int_equal(args[i].mismatches, 0);
        apr_pool_destroy(args[i].p);
    }
    json_decref(d);
}

/* ------------------------------------------------------------------ */

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_text_chinese, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape_attr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static_escaping_kept, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_if_unless, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_nested, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_empty_and_missing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_each_if_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whitespace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_boolean_attrs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attr_set_and_remove, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_class, setup, teardown),
        cmocka_unit_test_setup_teardown(test_safe_url, setup, teardown),
        cmocka_unit_test_setup_teardown(test_url_attrs_rendered, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_refuse_script_style, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_refuse_entities, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_serialization, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_template, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_malformed_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_optional_end_tags, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_attr_quoting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attr_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partials, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_golden_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
    };
    int rc;

    apr_initialize();
    xmlInitParser();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    apr_terminate();
    return rc;
}
