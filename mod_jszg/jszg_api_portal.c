/*
 * jszg_api_portal.c -- the portal's JSON APIs (docs/api.md): regions,
 * institutions by city and 学段, confirmation points, the window of an
 * institution, the FAQ.  Read-only; ids are JSON integers.  Errors are
 * {"error":{"code","message"}} through jszg_error.
 */
#include "jszg_portal.h"
#include "jszg_directory.h"
#include "jszg_rules.h"
#include "apr_strings.h"


static json_t *api_body(jszg_req *jr)
{
    return jszg_pool_json(jr->pool, json_object());
}

/* A region of the given level (1 province, 2 city) by code: DECLINED
 * with *row, or the error answer (400 malformed, 404 unknown). */
static int region_arg(jszg_req *jr, const char *code, int level,
                      json_t **row)
{
    const char *what = level == 1 ? "province" : "city";
    int rc;

    if (!code || !*code)
        return jszg_error(jr, HTTP_BAD_REQUEST,
                          apr_pstrcat(jr->pool, "missing_", what, NULL),
                          level == 1 ? "请指定省份代码。"
                                     : "请指定地市代码（city）。");
    if (!jszg_portal_region_code(code))
        return jszg_error(jr, HTTP_BAD_REQUEST,
                          apr_pstrcat(jr->pool, "bad_", what, NULL),
                          level == 1 ? "省份代码不正确：应为6位数字。"
                                     : "地市代码不正确：应为6位数字。");
    rc = jszg_dir_region(jr, code, level, row);
    if (rc == JSZG_DB_NOTFOUND)
        return jszg_error(jr, HTTP_NOT_FOUND,
                          apr_pstrcat(jr->pool, "unknown_", what, NULL),
                          level == 1 ? "没有找到该省份。"
                                     : "没有找到该地市。");
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    return DECLINED;
}

/* The institution named by {id}: DECLINED with *row, or the error. */
static int institution_arg(jszg_req *jr, json_t **row)
{
    const char *id = jszg_portal_id(jszg_param(jr, "id"));
    int rc;

    if (!id)
        return jszg_error(jr, HTTP_BAD_REQUEST, "bad_institution",
                          "注册机构编号不正确：应为正整数。");
    rc = jszg_dir_institution(jr, id, row);
    if (rc == JSZG_DB_NOTFOUND)
        return jszg_error(jr, HTTP_NOT_FOUND, "unknown_institution",
                          "没有找到该注册机构。");
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    return DECLINED;
}

static json_t *institution_brief(json_t *inst)
{
    json_t *o = json_object();
    const char *keys[] = { "name", "level", "phone", "address", "province",
                           "city", NULL };
    const char **k;

    json_object_set_new(o, "id", json_integer(jszg_portal_long(inst,
                                                               "id")));
    for (k = keys; *k; k++)
        if (json_object_get(inst, *k))
            json_object_set(o, *k, json_object_get(inst, *k));
    json_object_set_new(o, "active", json_boolean(
                            jszg_portal_long(inst, "active") == 1));
    return o;
}

/* "幼儿园,小学" -> ["幼儿园", "小学"] */
static json_t *split_stages(apr_pool_t *p, const char *s)
{
    json_t *out = json_array();
    char *copy = apr_pstrdup(p, s ? s : ""), *last, *tok;

    for (tok = apr_strtok(copy, ",", &last); tok;
         tok = apr_strtok(NULL, ",", &last))
        json_array_append_new(out, json_string(tok));
    return out;
}

int jszg_api_provinces(jszg_req *jr)
{
    json_t *body = api_body(jr), *rows;
    int rc;

    if ((rc = jszg_dir_provinces(jr, &rows)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set(body, "provinces", rows);
    return jszg_json(jr, HTTP_OK, body);
}

int jszg_api_cities(jszg_req *jr)
{
    const char *code = jszg_param(jr, "code");
    json_t *body = api_body(jr), *prov, *rows;
    int rc;

    if ((rc = region_arg(jr, code, 1, &prov)) != DECLINED)
        return rc;
    if ((rc = jszg_dir_cities(jr, code, &rows)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set_new(body, "province", json_pack("{s:O, s:O}",
                        "code", json_object_get(prov, "code"),
                        "name", json_object_get(prov, "name")));
    json_object_set(body, "cities", rows);
    return jszg_json(jr, HTTP_OK, body);
}

int jszg_api_institutions(jszg_req *jr)
{
    const char *stage = jszg_query(jr, "stage"), *prov;
    json_t *body = api_body(jr), *city, *rows, *row;
    size_t i;
    int rc;

    if ((rc = region_arg(jr, jszg_query(jr, "city"), 2, &city))
        != DECLINED)
        return rc;
    if (!stage || !*stage)
        return jszg_error(jr, HTTP_BAD_REQUEST, "missing_stage",
                          "请指定现任教学段（stage）。");
    if (!jszg_rules_is_stage(stage))
        return jszg_error(jr, HTTP_BAD_REQUEST, "bad_stage",
                          "任教学段不正确：应为幼儿园、小学、初级中学、"
                          "高级中学或中等职业学校。");
    prov = json_string_value(json_object_get(city, "parent_code"));
    rc = jszg_dir_institutions(jr, prov, json_string_value(
                               json_object_get(city, "code")), stage, &rows);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_array_foreach(rows, i, row)
        json_object_set_new(row, "stages", split_stages(jr->pool,
                            json_string_value(json_object_get(row,
                                                              "stages"))));
    json_object_set_new(body, "city", json_pack("{s:O, s:O, s:O}",
                        "code", json_object_get(city, "code"),
                        "name", json_object_get(city, "name"),
                        "province_code", json_object_get(city,
                                                         "parent_code")));
    json_object_set_new(body, "stage", json_string(stage));
    json_object_set(body, "institutions", rows);
    return jszg_json(jr, HTTP_OK, body);
}

int jszg_api_points(jszg_req *jr)
{
    json_t *body = api_body(jr), *inst, *rows;
    int rc;

    if ((rc = institution_arg(jr, &inst)) != DECLINED)
        return rc;
    rc = jszg_dir_points(jr, json_string_value(json_object_get(inst, "id")),
                         NULL, &rows);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set_new(body, "institution", institution_brief(inst));
    json_object_set(body, "points", rows);
    if (!json_array_size(rows))
        json_object_set_new(body, "message", json_string(
                            "该机构目前还没有安排确认点，请与该机构联系！"));
    return jszg_json(jr, HTTP_OK, body);
}

int jszg_api_window(jszg_req *jr)
{
    json_t *body = api_body(jr), *inst, *win;
    int rc;

    if ((rc = institution_arg(jr, &inst)) != DECLINED)
        return rc;
    if ((rc = jszg_dir_window_state(jr, inst, &win)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set_new(body, "institution", institution_brief(inst));
    json_object_set(body, "window", win);
    return jszg_json(jr, HTTP_OK, body);
}

/* The categories as the API shows them: slug, name, number range. */
static int api_categories(jszg_req *jr, json_t **out)
{
    json_t *rows, *row;
    size_t i;
    int rc;

    if ((rc = jszg_db_rows(jr, "portal_faq_categories", &rows, 0))
        != JSZG_DB_OK)
        return rc;
    json_array_foreach(rows, i, row) {
        const jszg_faq_category *c = jszg_faq_category_by_name(
            json_string_value(json_object_get(row, "category")));
        json_object_set(row, "name", json_object_get(row, "category"));
        json_object_del(row, "category");
        json_object_set_new(row, "slug", c ? json_string(c->slug)
                                           : json_null());
    }
    *out = rows;
    return JSZG_DB_OK;
}

int jszg_api_faq_list(jszg_req *jr)
{
    const char *slug = jszg_query(jr, "category"), *name = "";
    const jszg_faq_category *cat = NULL;
    json_t *body = api_body(jr), *row, *rows, *cats;
    jszg_page_slice sl;
    long page;
    int rc;

    if (slug && *slug && !(cat = jszg_faq_category_by_slug(slug)))
        return jszg_error(jr, HTTP_BAD_REQUEST, "bad_category",
                          "问题分类不正确：应为 account、rd、cert、dqzc、"
                          "exam 或 names。");
    if ((rc = jszg_portal_page_arg(jr, &page)) != DECLINED)
        return rc;
    if (cat)
        name = cat->name;
    if ((rc = jszg_db_row(jr, "portal_faq_count", &row, 2, name, name))
        != JSZG_DB_OK)
        return jszg_db_status(rc);
    if ((rc = jszg_portal_pager(jr, NULL, NULL, page,
                                jszg_portal_long(row, "n"), &sl))
        != DECLINED)
        return rc;
    rc = jszg_db_rows(jr, "portal_faq_page", &rows, 4, name, name,
                      sl.limit, sl.offset);
    if (rc == JSZG_DB_OK)
        rc = api_categories(jr, &cats);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set_new(body, "category", cat ? json_string(cat->slug)
                                              : json_null());
    json_object_set_new(body, "page", json_integer(sl.page));
    json_object_set_new(body, "pages", json_integer(sl.pages));
    json_object_set_new(body, "total", json_integer(sl.total));
    json_object_set(body, "items", rows);
    json_object_set(body, "categories", cats);
    return jszg_json(jr, HTTP_OK, body);
}

int jszg_api_faq_item(jszg_req *jr)
{
    const char *n = jszg_portal_id(jszg_param(jr, "n"));
    const jszg_faq_category *cat;
    json_t *body = api_body(jr), *item;
    int rc;

    /* as on the page (/help/faq/{n}): a path that names no question,
     * malformed or not there, is 404 faq_not_found */
    if (!n || (rc = jszg_db_row(jr, "portal_faq_get", &item, 1, n))
              == JSZG_DB_NOTFOUND)
        return jszg_error(jr, HTTP_NOT_FOUND, "faq_not_found",
                          JSZG_FAQ_NOT_FOUND);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    cat = jszg_faq_category_by_name(json_string_value(
                                        json_object_get(item, "category")));
    json_object_set_new(item, "category_slug",
                        cat ? json_string(cat->slug) : json_null());
    json_object_set_new(item, "paragraphs", jszg_portal_paragraphs(
                            json_string_value(json_object_get(item,
                                                              "answer"))));
    json_object_set(body, "faq", item);
    return jszg_json(jr, HTTP_OK, body);
}
