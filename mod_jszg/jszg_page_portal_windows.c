/*
 * jszg_page_portal_windows.c -- 各省网报时间查询: province → city → 学段
 * → 注册机构 → 网报开始/结束时间 and the 现场确认点.
 *
 * A plain GET form: each submit refines it.  Without JavaScript the
 * applicant picks a province and presses 查询, then the city, and so on;
 * windows.js fills the same selects from the JSON APIs instead.  A
 * selection that no longer fits the one above it (the province was
 * changed, the city kept) is dropped, not refused: that is how the form
 * is used.  Ids that are malformed are refused (400), ids that do not
 * exist are not found (404).
 */
#include "jszg_portal.h"
#include "jszg_directory.h"
#include "jszg_rules.h"
#include "apr_strings.h"

#define MSG_NO_POINTS  "该机构目前还没有安排确认点，请与该机构联系！"

/* Read and check the four parameters.  DECLINED, or the error answer. */
static int read_selection(jszg_req *jr, jszg_dir_choice *sel)
{
    const char *p = jszg_query(jr, "province");
    const char *c = jszg_query(jr, "city");
    const char *s = jszg_query(jr, "stage");
    const char *i = jszg_query(jr, "institution");

    sel->province = sel->city = sel->stage = sel->institution = "";
    if (p && *p && !(sel->province = jszg_portal_region_code(p)))
        return jszg_error(jr, HTTP_BAD_REQUEST, "bad_province",
                          "省份代码不正确：应为6位数字。");
    if (c && *c && !(sel->city = jszg_portal_region_code(c)))
        return jszg_error(jr, HTTP_BAD_REQUEST, "bad_city",
                          "地市代码不正确：应为6位数字。");
    if (s && *s && !jszg_rules_is_stage(s))
        return jszg_error(jr, HTTP_BAD_REQUEST, "bad_stage",
                          "任教学段不正确，请从列表中选择。");
    if (s && *s)
        sel->stage = s;
    if (i && *i && !(sel->institution = jszg_portal_id(i)))
        return jszg_error(jr, HTTP_BAD_REQUEST, "bad_institution",
                          "注册机构编号不正确。");
    return DECLINED;
}

/* A region code from the query must exist (404 otherwise). */
static int known_region(jszg_req *jr, const char *code, int level)
{
    json_t *row;
    int rc = jszg_dir_region(jr, code, level, &row);

    if (rc == JSZG_DB_NOTFOUND)
        return level == 1
            ? jszg_error(jr, HTTP_NOT_FOUND, "unknown_province",
                         "没有找到该省份。")
            : jszg_error(jr, HTTP_NOT_FOUND, "unknown_city",
                         "没有找到该地市。");
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    return DECLINED;
}

static json_t *stage_options(const char *selected)
{
    json_t *out = json_array();
    const char *const *s;

    for (s = jszg_rules_stages; *s; s++)
        json_array_append_new(out, json_pack("{s:s, s:b}", "name", *s,
                                             "selected",
                                             !strcmp(*s, selected)));
    return out;
}

/* The chosen institution: its window state and confirmation points. */
static int add_result(jszg_req *jr, json_t *d, const char *id)
{
    json_t *inst, *win, *points, *res;
    int rc;

    if ((rc = jszg_dir_institution(jr, id, &inst)) != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_dir_window_state(jr, inst, &win)) != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_dir_points(jr, id, NULL, &points)) != JSZG_DB_OK)
        return rc;
    res = json_object();
    json_object_set(res, "institution", inst);
    json_object_set(res, "window", win);
    json_object_set(res, "points", points);
    /* flags for the template: is_open / alert (anything else) */
    if (!strcmp(json_string_value(json_object_get(win, "status")), "open"))
        json_object_set_new(res, "is_open", json_true());
    else
        json_object_set_new(res, "alert", json_true());
    if (!json_array_size(points))
        json_object_set_new(res, "no_points", json_string(MSG_NO_POINTS));
    json_object_set_new(d, "result", res);
    return JSZG_DB_OK;
}

/* The institution must exist at all (404); if it does not fit the city
 * and 学段 chosen, the cascade drops the selection. */
static int known_institution(jszg_req *jr, const char *id)
{
    json_t *row;
    int rc = jszg_dir_institution(jr, id, &row);

    if (rc == JSZG_DB_NOTFOUND)
        return jszg_error(jr, HTTP_NOT_FOUND, "unknown_institution",
                          "没有找到该注册机构。");
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    return DECLINED;
}

/* Fill the selects (the directory's cascade), narrowing the selection to
 * what fits; codes and ids that do not exist at all are 404s. */
static int fill_selects(jszg_req *jr, json_t *d, jszg_dir_choice *sel)
{
    int rc;

    if (*sel->province && (rc = known_region(jr, sel->province, 1))
        != DECLINED)
        return rc;
    if (*sel->city && (rc = known_region(jr, sel->city, 2)) != DECLINED)
        return rc;
    if (*sel->institution
        && (rc = known_institution(jr, sel->institution)) != DECLINED)
        return rc;
    if ((rc = jszg_dir_cascade(jr, sel, d)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    return DECLINED;
}

static const char *next_step(const jszg_dir_choice *sel)
{
    if (!*sel->province)
        return "请选择省份，然后点击【查询】。";
    if (!*sel->city)
        return "请选择地市，然后点击【查询】。";
    if (!*sel->stage)
        return "请选择现任教学段，然后点击【查询】。";
    if (!*sel->institution)
        return "请选择注册机构，然后点击【查询】。";
    return NULL;
}

int jszg_page_windows(jszg_req *jr)
{
    jszg_dir_choice sel;
    const char *hint;
    json_t *d;
    int rc;

    if ((rc = read_selection(jr, &sel)) != DECLINED)
        return rc;
    d = jszg_page_data(jr, "各省网报时间查询", "services");
    if ((rc = fill_selects(jr, d, &sel)) != DECLINED)
        return rc;
    json_object_set_new(d, "stages", stage_options(sel.stage));
    if (*sel.institution
        && (rc = add_result(jr, d, sel.institution)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    if ((hint = next_step(&sel)))
        json_object_set_new(d, "hint", json_string(hint));
    jszg_crumbs(jr, d, "首页", "/", "网上办事", "/services",
                "各省网报时间查询", NULL, NULL);
    return jszg_render(jr, HTTP_OK, "windows", d);
}
