/*
 * jszg_page_portal_news.c -- 资格资讯 (news), 各省注册公告 / 认定公告
 * (notices) and the site search over their titles and the FAQ's.
 */
#include "jszg_portal.h"
#include "jszg_directory.h"
#include "jszg_form.h"
#include "apr_strings.h"

/* The search box's maxlength (layout.html); longer queries are refused. */
#define SEARCH_MAX_CHARS 50

static int count_of(jszg_req *jr, const char *label, long *total,
                    const char *a1, const char *a2, const char *a3,
                    int nargs)
{
    json_t *row;
    int rc = jszg_db_row(jr, label, &row, nargs, a1, a2, a3);

    *total = rc == JSZG_DB_OK ? jszg_portal_long(row, "n") : 0;
    return rc;
}

/* ---- 资格资讯 ------------------------------------------------------------ */

int jszg_page_news_list(jszg_req *jr)
{
    json_t *d, *rows;
    jszg_page_slice sl;
    long page, total;
    int rc;

    if ((rc = jszg_portal_page_arg(jr, &page)) != DECLINED)
        return rc;
    if ((rc = count_of(jr, "portal_news_count", &total, NULL, NULL, NULL,
                       0)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    d = jszg_page_data(jr, "资格资讯", "news");
    if ((rc = jszg_portal_pager(jr, d, "/news", page, total, &sl))
        != DECLINED)
        return rc;
    rc = jszg_db_rows(jr, "portal_news_page", &rows, 2, sl.limit,
                      sl.offset);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_rows_link(jr->pool, rows, "/news/");
    json_object_set(d, "items", rows);
    jszg_crumbs(jr, d, "首页", "/", "资格资讯", NULL, NULL);
    return jszg_render(jr, HTTP_OK, "news_list", d);
}

int jszg_page_news_item(jszg_req *jr)
{
    const char *id = jszg_portal_id(jszg_param(jr, "id"));
    json_t *d, *item;
    int rc;

    if (!id)
        return jszg_error(jr, HTTP_NOT_FOUND, "news_not_found",
                          "该资讯不存在或已被删除。");
    rc = jszg_db_row(jr, "portal_news_get", &item, 1, id);
    if (rc == JSZG_DB_NOTFOUND)
        return jszg_error(jr, HTTP_NOT_FOUND, "news_not_found",
                          "该资讯不存在或已被删除。");
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    d = jszg_page_data(jr, json_string_value(json_object_get(item, "title")),
                       "news");
    json_object_set(d, "item", item);
    json_object_set_new(d, "paras", jszg_portal_paragraphs(
                            json_string_value(json_object_get(item,
                                                              "body"))));
    jszg_crumbs(jr, d, "首页", "/", "资格资讯", "/news", "正文", NULL, NULL);
    return jszg_render(jr, HTTP_OK, "news_item", d);
}

/* ---- 各省公告 ------------------------------------------------------------ */

/* ?biz=dqzc (default) or rd, as the business name stored in notices. */
static const char *notice_business(const char *biz, const char **slug)
{
    if (!biz || !*biz || !strcmp(biz, "dqzc")) {
        *slug = "dqzc";
        return "定期注册";
    }
    if (!strcmp(biz, "rd")) {
        *slug = "rd";
        return "认定";
    }
    return NULL;
}

/* ?province=: "" for all, else a province that exists.  DECLINED to go
 * on, else the error answer (400 malformed, 404 unknown). */
static int province_arg(jszg_req *jr, const char **code, const char **name)
{
    const char *v = jszg_query(jr, "province");
    json_t *row;
    int rc;

    *code = "";
    *name = NULL;
    if (!v || !*v)
        return DECLINED;
    if (!jszg_portal_region_code(v))
        return jszg_error(jr, HTTP_BAD_REQUEST, "bad_province",
                          "省份代码不正确：应为6位数字。");
    rc = jszg_dir_region(jr, v, 1, &row);
    if (rc == JSZG_DB_NOTFOUND)
        return jszg_error(jr, HTTP_NOT_FOUND, "unknown_province",
                          "没有找到该省份。");
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    *code = v;
    *name = json_string_value(json_object_get(row, "name"));
    return DECLINED;
}

int jszg_page_notices_list(jszg_req *jr)
{
    const char *slug, *business, *prov, *prov_name, *base, *title;
    json_t *d, *rows, *provinces;
    jszg_page_slice sl;
    long page, total;
    int rc;

    if (!(business = notice_business(jszg_query(jr, "biz"), &slug)))
        return jszg_error(jr, HTTP_BAD_REQUEST, "bad_biz",
                          "业务类型不正确：应为 dqzc（定期注册）或 rd（认定）。");
    if ((rc = jszg_portal_page_arg(jr, &page)) != DECLINED)
        return rc;
    if ((rc = province_arg(jr, &prov, &prov_name)) != DECLINED)
        return rc;
    if ((rc = count_of(jr, "portal_notices_count", &total, business, prov,
                       prov, 3)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    title = !strcmp(slug, "rd") ? "各省认定公告" : "各省注册公告";
    d = jszg_page_data(jr, title, "services");
    base = apr_psprintf(jr->pool, "/notices?biz=%s%s%s", slug,
                        *prov ? "&province=" : "", prov);
    if ((rc = jszg_portal_pager(jr, d, base, page, total, &sl)) != DECLINED)
        return rc;
    rc = jszg_db_rows(jr, "portal_notices_page", &rows, 5, business, prov,
                      prov, sl.limit, sl.offset);
    if (rc == JSZG_DB_OK)
        rc = jszg_db_rows(jr, "portal_notice_provinces", &provinces, 1,
                          business);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_rows_link(jr->pool, rows, "/notices/");
    jszg_jrows_select(provinces, "code", prov);
    json_object_set(d, "items", rows);
    json_object_set(d, "provinces", provinces);
    json_object_set_new(d, "biz", json_string(slug));
    if (prov_name)
        json_object_set_new(d, "province_name", json_string(prov_name));
    json_object_set_new(d, "other_biz_href",
                        json_string(!strcmp(slug, "rd") ? "/notices"
                                                        : "/notices?biz=rd"));
    json_object_set_new(d, "other_biz_name",
                        json_string(!strcmp(slug, "rd") ? "各省注册公告"
                                                        : "各省认定公告"));
    jszg_crumbs(jr, d, "首页", "/", "网上办事", "/services", title, NULL,
                NULL);
    return jszg_render(jr, HTTP_OK, "notices_list", d);
}

int jszg_page_notice_item(jszg_req *jr)
{
    const char *id = jszg_portal_id(jszg_param(jr, "id"));
    const char *business, *list_title, *list_href;
    json_t *d, *item;
    int rc;

    if (!id)
        return jszg_error(jr, HTTP_NOT_FOUND, "notice_not_found",
                          "该公告不存在或已被删除。");
    rc = jszg_db_row(jr, "portal_notice_get", &item, 1, id);
    if (rc == JSZG_DB_NOTFOUND)
        return jszg_error(jr, HTTP_NOT_FOUND, "notice_not_found",
                          "该公告不存在或已被删除。");
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    business = json_string_value(json_object_get(item, "business"));
    if (business && !strcmp(business, "认定")) {
        list_title = "各省认定公告";
        list_href = "/notices?biz=rd";
    }
    else {
        list_title = "各省注册公告";
        list_href = "/notices";
    }
    d = jszg_page_data(jr, json_string_value(json_object_get(item, "title")),
                       "services");
    json_object_set(d, "item", item);
    json_object_set_new(d, "paras", jszg_portal_paragraphs(
                            json_string_value(json_object_get(item,
                                                              "body"))));
    json_object_set_new(d, "list_href", json_string(list_href));
    json_object_set_new(d, "list_title", json_string(list_title));
    jszg_crumbs(jr, d, "首页", "/", "网上办事", "/services", list_title,
                list_href, "正文", NULL, NULL);
    return jszg_render(jr, HTTP_OK, "notice_item", d);
}

/* ---- 站内搜索 ------------------------------------------------------------ */

/* '%' + q with LIKE's wildcards and the escape character escaped + '%'. */
static const char *like_pattern(apr_pool_t *p, const char *q)
{
    apr_size_t n = strlen(q);
    char *out = apr_palloc(p, 2 * n + 3), *o = out;

    *o++ = '%';
    for (; *q; q++) {
        if (*q == '%' || *q == '_' || *q == '\\')
            *o++ = '\\';
        *o++ = *q;
    }
    *o++ = '%';
    *o = '\0';
    return out;
}

static const char *const search_kinds[][3] = {
    /* kind, label, link prefix */
    { "news",   "资格资讯", "/news/" },
    { "notice", "公告",     "/notices/" },
    { "faq",    "常见问题", "/help/faq/" },
};

static void label_hits(apr_pool_t *p, json_t *rows)
{
    size_t i, k;
    json_t *row;

    json_array_foreach(rows, i, row) {
        const char *kind = json_string_value(json_object_get(row, "kind"));
        const char *id = json_string_value(json_object_get(row, "id"));
        for (k = 0; kind && id && k < 3; k++) {
            if (strcmp(kind, search_kinds[k][0]))
                continue;
            json_object_set_new(row, "kind_name",
                                json_string(search_kinds[k][1]));
            json_object_set_new(row, "href", json_string(
                apr_pstrcat(p, search_kinds[k][2], id, NULL)));
        }
    }
}

/* The query, trimmed; NULL when it is too long. */
static const char *search_query(jszg_req *jr)
{
    const char *q = jszg_query(jr, "q");
    const char *e;

    if (!q)
        return "";
    while (*q == ' ' || *q == '\t')
        q++;
    for (e = q + strlen(q); e > q && (e[-1] == ' ' || e[-1] == '\t'); e--)
        ;
    q = apr_pstrmemdup(jr->pool, q, e - q);
    if (jszg_utf8_chars(q, strlen(q)) > SEARCH_MAX_CHARS)
        return NULL;
    return q;
}

int jszg_page_search(jszg_req *jr)
{
    const char *q = search_query(jr), *pat, *base;
    json_t *d, *rows;
    jszg_page_slice sl;
    long page, total;
    int rc;

    if (!q)
        return jszg_error(jr, HTTP_BAD_REQUEST, "query_too_long",
                          "搜索关键字不能超过50个字。");
    if ((rc = jszg_portal_page_arg(jr, &page)) != DECLINED)
        return rc;
    d = jszg_page_data(jr, "站内搜索", NULL);
    jszg_crumbs(jr, d, "首页", "/", "站内搜索", NULL, NULL);
    json_object_set_new(d, "q", json_string(q));
    if (!*q) {
        json_object_set_new(d, "empty_query", json_true());
        return jszg_render(jr, HTTP_OK, "search", d);
    }
    pat = like_pattern(jr->pool, q);
    if ((rc = count_of(jr, "portal_search_count", &total, pat, pat, pat,
                       3)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    base = apr_pstrcat(jr->pool, "/search?q=",
                       ap_escape_urlencoded(jr->pool, q), NULL);
    if ((rc = jszg_portal_pager(jr, d, base, page, total, &sl)) != DECLINED)
        return rc;
    rc = jszg_db_rows(jr, "portal_search_page", &rows, 5, pat, pat, pat,
                      sl.limit, sl.offset);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    label_hits(jr->pool, rows);
    json_object_set(d, "hits", rows);
    json_object_set_new(d, "total", json_integer(total));
    return jszg_render(jr, HTTP_OK, "search", d);
}
