/*
 * jszg_page_portal.c -- 网上办事 and 办事指南, plus the helpers the
 * portal's pages and APIs share: id and code checks, pagination,
 * paragraphs, the 咨询服务 menu.  (The 网报计划 window state is the
 * directory's: jszg_directory.c.)
 */
#include "jszg_portal.h"
#include "jszg_rules.h"
#include "jszg_pager.h"
#include "apr_strings.h"
#include "apr_lib.h"

/* How many numbered page links the pager shows. */
#define PAGER_WIDTH 7

/* Slugs are part of URLs (?category=dqzc on the home page) and the API. */
const jszg_faq_category jszg_faq_categories[] = {
    { "account", "账号问题" },
    { "rd",      "认定申请问题" },
    { "cert",    "证书相关问题" },
    { "dqzc",    "定期注册相关问题" },
    { "exam",    "考试相关问题" },
    { "names",   "姓名生僻字问题" },
    { NULL, NULL }
};

const jszg_faq_category *jszg_faq_category_by_slug(const char *slug)
{
    const jszg_faq_category *c;

    for (c = jszg_faq_categories; slug && c->slug; c++)
        if (!strcmp(c->slug, slug))
            return c;
    return NULL;
}

const jszg_faq_category *jszg_faq_category_by_name(const char *name)
{
    const jszg_faq_category *c;

    for (c = jszg_faq_categories; name && c->slug; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

static int all_digits(const char *s, apr_size_t min, apr_size_t max)
{
    apr_size_t n = 0;

    if (!s)
        return 0;
    for (; s[n]; n++)
        if (!apr_isdigit(s[n]) || n >= max)
            return 0;
    return n >= min;
}

/* Canonical only: "050" names no question, as "abc" does not (one
 * spelling per resource; the API gives ids back as numbers). */
const char *jszg_portal_id(const char *s)
{
    if (!all_digits(s, 1, 12) || *s == '0')
        return NULL;
    return s;
}

const char *jszg_portal_region_code(const char *s)
{
    return all_digits(s, 6, 6) ? s : NULL;
}

long jszg_portal_long(json_t *row, const char *col)
{
    const char *v = json_string_value(json_object_get(row, col));

    return v ? (long)apr_atoi64(v) : 0;
}

/* ---- pagination -------------------------------------------------------- */

int jszg_portal_page_arg(jszg_req *jr, long *page)
{
    if (jszg_page_parse(jszg_query(jr, "page"), page) != JSZG_PAGE_OK)
        return jszg_error(jr, HTTP_BAD_REQUEST, "bad_page",
                          "页码不正确：页码须为从 1 开始的整数。");
    return DECLINED;
}

static const char *page_href(jszg_req *jr, const char *base, long n)
{
    if (!base)
        base = "";
    return apr_psprintf(jr->pool, "%s%spage=%ld", base,
                        strchr(base, '?') ? "&" : "?", n);
}

static void pager_data(jszg_req *jr, json_t *data, const char *base,
                       const jszg_pager *pg)
{
    json_t *p = json_object(), *links = json_array();
    long from, to, n;

    json_object_set_new(p, "page", json_integer(pg->page));
    json_object_set_new(p, "pages", json_integer(pg->pages));
    json_object_set_new(p, "total", json_integer(pg->total));
    json_object_set_new(p, "first_href",
                        json_string(page_href(jr, base, 1)));
    json_object_set_new(p, "last_href",
                        json_string(page_href(jr, base, pg->pages)));
    if (pg->page > 1)
        json_object_set_new(p, "prev_href",
                            json_string(page_href(jr, base, pg->page - 1)));
    if (pg->page < pg->pages)
        json_object_set_new(p, "next_href",
                            json_string(page_href(jr, base, pg->page + 1)));
    jszg_pager_window(pg, PAGER_WIDTH, &from, &to);
    for (n = from; n <= to; n++)
        json_array_append_new(links, json_pack("{s:I, s:s, s:b}",
                              "n", (json_int_t)n,
                              "href", page_href(jr, base, n),
                              "current", n == pg->page));
    json_object_set_new(p, "links", links);
    json_object_set_new(data, "pager", p);
}

int jszg_portal_pager(jszg_req *jr, json_t *data, const char *base,
                      long page, long total, jszg_page_slice *slice)
{
    jszg_pager pg;

    if (jszg_pager_init(&pg, page, jr->sc->page_size, total)
        != JSZG_PAGE_OK)
        return jszg_error(jr, HTTP_NOT_FOUND, "page_not_found",
                          apr_psprintf(jr->pool, "该页不存在：列表共 %ld "
                                       "页。", pg.pages));
    slice->offset = apr_ltoa(jr->pool, pg.offset);
    slice->limit = apr_ltoa(jr->pool, pg.per_page);
    slice->total = pg.total;
    slice->page = pg.page;
    slice->pages = pg.pages;
    if (data)
        pager_data(jr, data, base, &pg);
    return DECLINED;
}

/* ---- text ---------------------------------------------------------------- */

/* Paragraphs are separated by blank lines (sql/README.md); single line
 * breaks inside a paragraph are kept as they are. */
json_t *jszg_portal_paragraphs(const char *text)
{
    json_t *out = json_array();
    const char *p = text ? text : "";

    while (*p) {
        const char *end = strstr(p, "\n\n");
        const char *crlf = strstr(p, "\r\n\r\n");
        const char *s, *e;
        if (crlf && (!end || crlf < end))
            end = crlf;
        if (!end)
            end = p + strlen(p);
        for (s = p; s < end && apr_isspace(*s); s++)
            ;
        for (e = end; e > s && apr_isspace(e[-1]); e--)
            ;
        if (e > s)
            json_array_append_new(out, json_stringn(s, e - s));
        p = end;
        while (*p == '\r' || *p == '\n')
            p++;
    }
    return out;
}

/* ---- 咨询服务 menu ------------------------------------------------------- */

json_t *jszg_portal_help_menu(const char *active)
{
    static const char *const items[][3] = {
        { "faq",      "常见问题",               "/help/faq" },
        { "mail",     "邮件咨询",               "/help/mail" },
        { "phone",    "电话咨询",               "/help/phone" },
        { "contacts", "各省份认定工作联系方式", "/help/contacts" },
        { "manual",   "操作手册",               "/help/manual" },
    };
    json_t *menu = json_array();
    size_t i;

    for (i = 0; i < sizeof(items) / sizeof(items[0]); i++)
        json_array_append_new(menu, json_pack("{s:s, s:s, s:b}",
                              "name", items[i][1], "href", items[i][2],
                              "active", active
                                        && !strcmp(active, items[i][0])));
    return menu;
}

/* ---- 网上办事 ------------------------------------------------------------ */

int jszg_page_services(jszg_req *jr)
{
    json_t *d = jszg_page_data(jr, "网上办事", "services");

    jszg_crumbs(jr, d, "首页", "/", "网上办事", NULL, NULL);
    json_object_set_new(d, "csrf", json_string(jszg_csrf_token(jr)));
    return jszg_render(jr, HTTP_OK, "services", d);
}

/* 办事指南: the text is the template (guide_dqzc / guide_rd), from the
 * 须知 of the applicant manual. */
int jszg_page_guide(jszg_req *jr)
{
    const char *biz = jszg_param(jr, "biz");
    const char *title, *tpl;
    json_t *d;

    if (!strcmp(biz, "dqzc")) {
        title = "中小学教师资格定期注册办事指南";
        tpl = "guide_dqzc";
    }
    else if (!strcmp(biz, "rd")) {
        title = "教师资格认定办事指南";
        tpl = "guide_rd";
    }
    else {
        return jszg_error(jr, HTTP_NOT_FOUND, NULL,
                          "没有这项业务的办事指南。");
    }
    d = jszg_page_data(jr, title, "services");
    jszg_crumbs(jr, d, "首页", "/", "网上办事", "/services", "办事指南",
                NULL, NULL);
    return jszg_render(jr, HTTP_OK, tpl, d);
}
