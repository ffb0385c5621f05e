/*
 * jszg_page_portal_help.c -- 咨询服务: 常见问题 (by category, paginated,
 * one page per question), 邮件咨询, 电话咨询, 各省份认定工作联系方式,
 * 操作手册.
 */
#include "jszg_portal.h"
#include "apr_strings.h"

static json_t *help_data(jszg_req *jr, const char *title, const char *menu)
{
    json_t *d = jszg_page_data(jr, title, "help");

    json_object_set_new(d, "help_menu", jszg_portal_help_menu(menu));
    return d;
}

/* The six categories as stored, each with its slug, its number range
 * ("账号问题(问题1-5)") and its link; `active` marks the current one. */
static int faq_categories(jszg_req *jr, const char *active, json_t **out,
                          long *max_id)
{
    json_t *rows, *row;
    size_t i;
    int rc;

    *max_id = 0;
    if ((rc = jszg_db_rows(jr, "portal_faq_categories", &rows, 0))
        != JSZG_DB_OK)
        return rc;
    json_array_foreach(rows, i, row) {
        const char *name = json_string_value(json_object_get(row,
                                                             "category"));
        const jszg_faq_category *c = jszg_faq_category_by_name(name);
        long first = jszg_portal_long(row, "first");
        long last = jszg_portal_long(row, "last");
        if (last > *max_id)
            *max_id = last;
        json_object_set_new(row, "label", json_string(apr_psprintf(
                            jr->pool, "%s(问题%ld-%ld)", name, first, last)));
        if (!c)
            continue;   /* a category without a slug: listed, no link */
        json_object_set_new(row, "slug", json_string(c->slug));
        json_object_set_new(row, "href", json_string(apr_pstrcat(
                            jr->pool, "/help/faq?category=", c->slug,
                            NULL)));
        if (active && !strcmp(active, c->slug))
            json_object_set_new(row, "active", json_true());
    }
    *out = rows;
    return JSZG_DB_OK;
}

int jszg_page_help(jszg_req *jr)
{
    json_t *d = help_data(jr, "咨询服务", NULL), *cats;
    long max_id;
    int rc;

    if ((rc = faq_categories(jr, NULL, &cats, &max_id)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set(d, "categories", cats);
    jszg_crumbs(jr, d, "首页", "/", "咨询服务", NULL, NULL);
    return jszg_render(jr, HTTP_OK, "help", d);
}

int jszg_page_faq_list(jszg_req *jr)
{
    const char *slug = jszg_query(jr, "category"), *name = "", *base;
    const jszg_faq_category *cat = NULL;
    json_t *d, *cats, *rows, *row;
    jszg_page_slice sl;
    long page, total, max_id;
    int rc;

    if (slug && *slug && !(cat = jszg_faq_category_by_slug(slug)))
        return jszg_error(jr, HTTP_BAD_REQUEST, "bad_category",
                          "问题分类不正确，请从常见问题页面选择分类。");
    if ((rc = jszg_portal_page_arg(jr, &page)) != DECLINED)
        return rc;
    if (cat)
        name = cat->name;
    if ((rc = jszg_db_row(jr, "portal_faq_count", &row, 2, name, name))
        != JSZG_DB_OK)
        return jszg_db_status(rc);
    total = jszg_portal_long(row, "n");
    d = help_data(jr, "常见问题", "faq");
    base = cat ? apr_pstrcat(jr->pool, "/help/faq?category=", cat->slug,
                             NULL)
               : "/help/faq";
    if ((rc = jszg_portal_pager(jr, d, base, page, total, &sl)) != DECLINED)
        return rc;
    rc = jszg_db_rows(jr, "portal_faq_page", &rows, 4, name, name,
                      sl.limit, sl.offset);
    if (rc == JSZG_DB_OK)
        rc = faq_categories(jr, cat ? cat->slug : NULL, &cats, &max_id);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_rows_link(jr->pool, rows, "/help/faq/");
    json_object_set(d, "items", rows);
    json_object_set(d, "categories", cats);
    if (cat)
        json_object_set_new(d, "category_name", json_string(cat->name));
    else
        json_object_set_new(d, "all_active", json_true());
    jszg_crumbs(jr, d, "首页", "/", "咨询服务", "/help", "常见问题", NULL,
                NULL);
    return jszg_render(jr, HTTP_OK, "faq_list", d);
}

int jszg_page_faq_item(jszg_req *jr)
{
    const char *n = jszg_portal_id(jszg_param(jr, "n"));
    const jszg_faq_category *cat;
    json_t *d, *item, *cats;
    long id, max_id;
    int rc;

    if (!n || (rc = jszg_db_row(jr, "portal_faq_get", &item, 1, n))
              == JSZG_DB_NOTFOUND)
        return jszg_error(jr, HTTP_NOT_FOUND, "faq_not_found",
                          JSZG_FAQ_NOT_FOUND);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    cat = jszg_faq_category_by_name(json_string_value(
                                        json_object_get(item, "category")));
    if ((rc = faq_categories(jr, cat ? cat->slug : NULL, &cats, &max_id))
        != JSZG_DB_OK)
        return jszg_db_status(rc);
    id = jszg_portal_long(item, "id");
    d = help_data(jr, apr_psprintf(jr->pool, "%ld. %s", id,
                                   json_string_value(json_object_get(
                                       item, "title"))), "faq");
    json_object_set(d, "item", item);
    json_object_set(d, "categories", cats);
    json_object_set_new(d, "paras", jszg_portal_paragraphs(
                            json_string_value(json_object_get(item,
                                                              "answer"))));
    if (cat)
        json_object_set_new(d, "category_href", json_string(apr_pstrcat(
                            jr->pool, "/help/faq?category=", cat->slug,
                            NULL)));
    if (id > 1)
        json_object_set_new(d, "prev_href", json_string(apr_psprintf(
                            jr->pool, "/help/faq/%ld", id - 1)));
    if (id < max_id)
        json_object_set_new(d, "next_href", json_string(apr_psprintf(
                            jr->pool, "/help/faq/%ld", id + 1)));
    jszg_crumbs(jr, d, "首页", "/", "咨询服务", "/help", "常见问题",
                "/help/faq", apr_psprintf(jr->pool, "问题%ld", id), NULL,
                NULL);
    return jszg_render(jr, HTTP_OK, "faq_item", d);
}

int jszg_page_help_mail(jszg_req *jr)
{
    json_t *d = help_data(jr, "邮件咨询", "mail");

    jszg_crumbs(jr, d, "首页", "/", "咨询服务", "/help", "邮件咨询", NULL,
                NULL);
    return jszg_render(jr, HTTP_OK, "help_mail", d);
}

int jszg_page_help_phone(jszg_req *jr)
{
    json_t *d = help_data(jr, "电话咨询", "phone"), *rows;
    int rc;

    if ((rc = jszg_db_rows(jr, "portal_contacts", &rows, 0)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set(d, "contacts", rows);
    jszg_crumbs(jr, d, "首页", "/", "咨询服务", "/help", "电话咨询", NULL,
                NULL);
    return jszg_render(jr, HTTP_OK, "help_phone", d);
}

int jszg_page_help_contacts(jszg_req *jr)
{
    json_t *d = help_data(jr, "各省份认定工作联系方式", "contacts"), *rows;
    int rc;

    if ((rc = jszg_db_rows(jr, "portal_contacts", &rows, 0)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set(d, "contacts", rows);
    jszg_crumbs(jr, d, "首页", "/", "咨询服务", "/help",
                "各省份认定工作联系方式", NULL, NULL);
    return jszg_render(jr, HTTP_OK, "help_contacts", d);
}

/* The applicant manual is the template help_manual.html (the text of
 * shared/seed/applicant-manual.zh.txt, without the screenshots). */
int jszg_page_help_manual(jszg_req *jr)
{
    json_t *d = help_data(jr, "操作手册", "manual");

    jszg_crumbs(jr, d, "首页", "/", "咨询服务", "/help", "操作手册", NULL,
                NULL);
    return jszg_render(jr, HTTP_OK, "help_manual", d);
}
