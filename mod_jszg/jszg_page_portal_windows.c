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
#include "apr_strings.h"

#define MSG_NO_POINTS  "该机构目前还没有安排确认点，请与该机构联系！"
#define MSG_NO_INST    "所选地区暂无负责该学段的注册机构，请联系当地教育局。"

typedef struct {
    const char *province;       /* selected codes/ids, "" when none */
    const char *city;
    const char *stage;
    const char *institution;
} windows_sel;

static void mark_selected(json_t *rows, const char *col, const char *value)
{
    size_t i;
    json_t *row;

    json_array_foreach(rows, i, row) {
        const char *v = json_string_value(json_object_get(row, col));
        if (v && !strcmp(v, value))
            json_object_set_new(row, "selected", json_true());
    }
}

static int contains(json_t *rows, const char *col, const char *value)
{
    size_t i;
    json_t *row;

    json_array_foreach(rows, i, row) {
        const char *v = json_string_value(json_object_get(row, col));
        if (v && !strcmp(v, value))
            return 1;
    }
    return 0;
}

/* Read and check the four parameters.  DECLINED, or the error answer. */
static int read_selection(jszg_req *jr, windows_sel *sel)
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
    if (s && *s && !jszg_portal_stage_ok(s))
        return jszg_error(jr, HTTP_BAD_REQUEST, "bad_stage",
                          "任教学段不正确，请从列表中选择。");
    if (s && *s)
        sel->stage = s;
    if (i && *i && !(sel->institution = jszg_portal_id(i)))
        return jszg_error(jr, HTTP_BAD_REQUEST, "bad_institution",
                          "注册机构编号不正确。");
    return DECLINED;
}

/* A region code from the query must exist (404 otherwise); *row is it. */
static int known_region(jszg_req *jr, const char *code, int level,
                        json_t **row)
{
    int rc = jszg_db_row(jr, "dir_region", row, 1, code);

    if (rc == JSZG_DB_OK && (jszg_portal_long(*row, "level") != level
                             || jszg_portal_long(*row, "in_service") != 1))
        rc = JSZG_DB_NOTFOUND;
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

    for (s = jszg_portal_stages; *s; s++)
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

    if ((rc = jszg_db_row(jr, "portal_institution_get", &inst, 1, id))
        != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_portal_window_state(jr, inst, &win)) != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_db_rows(jr, "portal_points", &points, 1, id))
        != JSZG_DB_OK)
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
 * and 学段 chosen, the selection is dropped. */
static int known_institution(jszg_req *jr, const char *id)
{
    json_t *row;
    int rc = jszg_db_row(jr, "portal_institution_get", &row, 1, id);

    if (rc == JSZG_DB_NOTFOUND)
        return jszg_error(jr, HTTP_NOT_FOUND, "unknown_institution",
                          "没有找到该注册机构。");
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    return DECLINED;
}

/* Fill the selects, narrowing the selection to what fits. */
static int fill_selects(jszg_req *jr, json_t *d, windows_sel *sel)
{
    json_t *provinces, *cities, *insts, *row;
    int rc;

    if ((rc = jszg_db_rows(jr, "dir_provinces", &provinces, 0))
        != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set(d, "provinces", provinces);
    if (*sel->province
        && (rc = known_region(jr, sel->province, 1, &row)) != DECLINED)
        return rc;
    if (*sel->city && (rc = known_region(jr, sel->city, 2, &row))
        != DECLINED)
        return rc;
    if (*sel->institution
        && (rc = known_institution(jr, sel->institution)) != DECLINED)
        return rc;
    if (!*sel->province) {
        sel->city = sel->institution = "";
        return DECLINED;
    }
    mark_selected(provinces, "code", sel->province);
    if ((rc = jszg_db_rows(jr, "dir_cities", &cities, 1, sel->province))
        != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set(d, "cities", cities);
    if (!contains(cities, "code", sel->city))
        sel->city = "";
    if (!*sel->city || !*sel->stage) {
        sel->institution = "";
        return DECLINED;
    }
    mark_selected(cities, "code", sel->city);
    rc = jszg_db_rows(jr, "dir_institutions", &insts, 3, sel->province,
                      sel->city, sel->stage);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set(d, "institutions", insts);
    if (!json_array_size(insts))
        json_object_set_new(d, "no_institutions", json_string(MSG_NO_INST));
    if (!contains(insts, "id", sel->institution))
        sel->institution = "";
    mark_selected(insts, "id", sel->institution);
    return DECLINED;
}

static const char *next_step(const windows_sel *sel)
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
    windows_sel sel;
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
