/*
 * jszg_admin_orgs.c -- 注册机构 and 确认点 in the back office: list,
 * create, edit, 停用/启用 (see jszg_admin_orgs.h for who may do what),
 * and the small helpers the administration pages share.
 *
 * An institution's province and city follow from its 行政区划 (GB/T 2260):
 * a province-level region serves the whole province (city NULL, as
 * 北京市教育委员会), a level-2 region is its own city (a 直辖市's 区 are
 * level 2, as the wizard's 选择市 lists them), a level-3 region lies in
 * its parent city.  That is what the wizard's selects read.
 */
#include "jszg_admin_orgs.h"
#include "jszg_rules.h"
#include "apr_strings.h"
#include "apr_lib.h"

#define MAX_NAME    60
#define MAX_ADDRESS 100
#define MAX_PHONE   30
#define MAX_HOURS   100
#define MAX_SCOPE   200

static const char *const levels[] = { "省级", "市级", "县级", NULL };

/* ---- shared helpers --------------------------------------------------- */

static void add_err(json_t *errs, const char *name, const char *msg)
{
    if (!json_object_get(errs, name))
        json_object_set_new(errs, name, json_string(msg));
}

const char *jszg_adm_text(jszg_req *jr, json_t *errs, const char *name,
                          const char *label, int maxch, int required)
{
    const char *v = jszg_field(jr, name);
    apr_size_t n;
    char *t;

    if (!v)
        v = "";
    while (apr_isspace(*v))
        v++;
    t = apr_pstrdup(jr->pool, v);
    n = strlen(t);
    while (n && apr_isspace(t[n - 1]))
        t[--n] = '\0';
    if (!jszg_utf8_valid(t, n)) {
        add_err(errs, name, apr_pstrcat(jr->pool, label, "含有无效字符。",
                                        NULL));
        return NULL;
    }
    if (!n) {
        if (required)
            add_err(errs, name, apr_pstrcat(jr->pool, "请填写", label, "。",
                                            NULL));
        return NULL;
    }
    if ((int)jszg_utf8_chars(t, n) > maxch) {
        add_err(errs, name, apr_psprintf(jr->pool, "%s不能超过%d个字。",
                                         label, maxch));
        return NULL;
    }
    return t;
}

int jszg_adm_finish(jszg_req *jr, int rc)
{
    if (rc == JSZG_DB_OK)
        return jszg_db_commit(jr);
    jszg_db_rollback(jr);
    return rc;
}

int jszg_adm_invalid(jszg_req *jr, json_t *errs)
{
    const char *first = NULL, *k;
    json_t *v, *b;

    json_object_foreach(errs, k, v) {
        first = json_string_value(v);
        break;
    }
    b = jszg_pool_json(jr->pool, json_pack(
        "{s:{s:s, s:s, s:O}}", "error", "code", "invalid", "message",
        first ? first : "填写的内容有误。", "fields", errs));
    return jszg_json(jr, HTTP_BAD_REQUEST, b);
}

int jszg_adm_done(jszg_req *jr, jszg_staff *st, const char *msg,
                  const char *where, const char *key, json_t *obj)
{
    json_t *b;

    if (!jr->is_api) {
        jszg_admin_flash(jr, st, msg);
        return jszg_redirect(jr, where);
    }
    b = jszg_pool_json(jr->pool, json_object());
    json_object_set(b, key, obj);
    json_object_set_new(b, "message", json_string(msg));
    return jszg_json(jr, HTTP_OK, b);
}

/* The 学段 posted under `name` (repeated fields, or one comma list), in
 * jszg_rules_stages order and joined with ','; each must be in `allowed`
 * (a comma list) when that is given. */
static const char *stages_in(jszg_req *jr, json_t *errs, const char *name,
                             const char *allowed, int required)
{
    const jszg_form_field *f;
    int seen[8] = { 0 }, i, k, any = 0;
    char *out = "";

    f = jr->form ? (const jszg_form_field *)jr->form->elts : NULL;
    for (i = 0; f && i < jr->form->nelts; i++) {
        char *v, *tok, *last;
        if (strcmp(f[i].name, name) || f[i].filename)
            continue;
        v = apr_pstrdup(jr->pool, f[i].value);
        for (tok = apr_strtok(v, ",", &last); tok;
             tok = apr_strtok(NULL, ",", &last)) {
            for (k = 0; jszg_rules_stages[k]; k++)
                if (!strcmp(tok, jszg_rules_stages[k]))
                    break;
            if (!jszg_rules_stages[k]) {
                add_err(errs, name, "学段不正确。");
                return NULL;
            }
            if (allowed && !strstr(apr_pstrcat(jr->pool, ",", allowed, ",",
                                               NULL),
                                   apr_pstrcat(jr->pool, ",", tok, ",",
                                               NULL))) {
                add_err(errs, name, apr_pstrcat(jr->pool, "所属注册机构不负责",
                                                tok, "的注册。", NULL));
                return NULL;
            }
            seen[k] = 1;
        }
    }
    for (k = 0; jszg_rules_stages[k]; k++)
        if (seen[k]) {
            out = apr_pstrcat(jr->pool, out, any ? "," : "",
                              jszg_rules_stages[k], NULL);
            any = 1;
        }
    if (!any && required) {
        add_err(errs, name, "请至少选择一个学段。");
        return NULL;
    }
    return out;
}

/* The 学段 posted, as they were ticked, to show the form again. */
static const char *stages_again(jszg_req *jr)
{
    const char *s = stages_in(jr, jszg_pool_json(jr->pool, json_object()),
                              "stages", NULL, 0);
    return s ? s : "";
}

/* Checkbox options for a comma list of 学段 (only those in `allowed`
 * when given). */
static json_t *stage_opts(jszg_req *jr, const char *sel, const char *allowed)
{
    json_t *a = json_array();
    const char *s = apr_pstrcat(jr->pool, ",", sel ? sel : "", ",", NULL);
    const char *al = allowed ? apr_pstrcat(jr->pool, ",", allowed, ",", NULL)
                             : NULL;
    int k;

    for (k = 0; jszg_rules_stages[k]; k++) {
        const char *t = apr_pstrcat(jr->pool, ",", jszg_rules_stages[k], ",",
                                    NULL);
        if (al && !strstr(al, t))
            continue;
        json_array_append_new(a, json_pack("{s:s, s:b}", "name",
                                           jszg_rules_stages[k], "checked",
                                           strstr(s, t) != NULL));
    }
    return a;
}

static const char *phone_in(jszg_req *jr, json_t *errs)
{
    const char *v = jszg_adm_text(jr, errs, "phone", "联系电话", MAX_PHONE, 0);
    const char *c;

    for (c = v; c && *c; c++)
        if (!(apr_isdigit(*c) || strchr("-+() ,", *c))) {
            add_err(errs, "phone", "联系电话只能包含数字、“-”、括号和逗号。");
            return NULL;
        }
    return v;
}

static void active_text(json_t *rows)
{
    json_t *row;
    size_t i;

    json_array_foreach(rows, i, row) {
        const char *a = jszg_jstr(row, "active");
        json_object_set_new(row, "is_active", json_boolean(a && *a == '1'));
        json_object_set_new(row, "is_inactive", json_boolean(!a || *a != '1'));
    }
}

/* ---- what the institution and the point forms share -------------------- */

/* 注册机构 or 确认点: how a row is read, shown, switched and named. */
typedef struct {
    const char *key;            /* API key, audit target, audit action */
    const char *name;           /* in messages */
    const char *get_stmt;       /* the row by id, with province_code */
    const char *active_stmt;    /* (active, id) */
    const char *href;           /* its page: href + id */
    const char *inst_col;       /* the column of its institution's id */
    const char *off_msg;        /* after 停用 */
} org_kind;

static const org_kind inst_kind = {
    "institution", "注册机构", "orgs_inst_get", "orgs_inst_active",
    "/admin/institutions/", "id",
    "注册机构已停用，申请人将不能再选择该机构。"
};

static const org_kind point_kind = {
    "point", "确认点", "orgs_point_get", "orgs_point_active",
    "/admin/points/", "institution_id",
    "确认点已停用，申请人将不能再选择该确认点。"
};

/* OK with *row in the staff member's scope, else the answer's status
 * (DONE once sent). */
static int org_load(jszg_req *jr, jszg_staff *st, const org_kind *k,
                    const char *id, json_t **row)
{
    return jszg_adm_load_scoped(jr, st, k->get_stmt, id, k->name, k->key,
                                "province_code", row);
}

/* The end of a change begun with jszg_db_begin: its audit row, then
 * commit, or roll back if a statement failed. */
static int org_finish(jszg_req *jr, jszg_staff *st, int rc,
                      const char *action, const char *target,
                      const char *note)
{
    if (rc == JSZG_DB_OK)
        rc = jszg_admin_audit(jr, st, action, target, note);
    return jszg_adm_finish(jr, rc);
}

/* The page a row's changes return to: its institution's. */
static const char *org_back(jszg_req *jr, const org_kind *k, json_t *row)
{
    return apr_pstrcat(jr->pool, "/admin/institutions/",
                       jszg_jstr(row, k->inst_col), NULL);
}

/* What both forms show: the values `f`, 停用/启用 of a saved row, the
 * errors of a refusal beside their fields. */
static void org_form_data(jszg_req *jr, const org_kind *k, json_t *d,
                          json_t *f, json_t *errs)
{
    const char *id = jszg_jstr(f, "id");

    json_object_set(d, "f", f);
    if (id) {
        const char *a = jszg_jstr(f, "active");
        json_object_set_new(d, "is_active", json_boolean(a && *a == '1'));
        json_object_set_new(d, "active_href", json_string(apr_pstrcat(
            jr->pool, k->href, id, "/active", NULL)));
    }
    if (errs && json_object_size(errs)) {
        json_object_set(d, "errors", errs);
        json_object_set_new(d, "error",
                            json_string("请按提示修改标出的项目。"));
    }
}

/* What was posted, to show it again (the API gets the errors only). */
static json_t *posted(jszg_req *jr, const char *const *names)
{
    json_t *f = jszg_pool_json(jr->pool, json_object());
    const char *v;

    for (; *names; names++)
        if ((v = jszg_field(jr, *names)) && jszg_utf8_valid(v, strlen(v)))
            json_object_set_new(f, *names, json_string(v));
    return f;
}

/* The posted form `names` into *f; OK, else the answer's status (DONE
 * once sent) for an id that cannot be one. */
static int org_posted(jszg_req *jr, jszg_staff *st, const org_kind *k,
                      const char *const *names, json_t **f)
{
    const char *id;
    int rc;

    *f = posted(jr, names);
    id = jszg_jstr(*f, "id");
    if (id && !*id)
        json_object_del(*f, "id");
    else if (id && !jszg_adm_id_ok(id)) {
        rc = jszg_admin_error(jr, st, HTTP_NOT_FOUND, "not_found",
                              apr_pstrcat(jr->pool, "该", k->name, "不存在。",
                                          NULL));
        return rc == OK ? DONE : rc;
    }
    return OK;
}

/* A refused form to show again: the 学段 as ticked, and 停用/启用 of the
 * row as it is. */
static void org_again(jszg_req *jr, const org_kind *k, json_t *f)
{
    const char *id = jszg_jstr(f, "id");
    json_t *old;

    json_object_set_new(f, "stages", json_string(stages_again(jr)));
    if (id && jszg_db_row(jr, k->get_stmt, &old, 1, id) == JSZG_DB_OK)
        json_object_set(f, "active", json_object_get(old, "active"));
}

/* After a save: the page goes back to the institution, the API gets the
 * row as saved. */
static int org_saved(jszg_req *jr, jszg_staff *st, const org_kind *k,
                     const char *id)
{
    json_t *row;
    int rc = jszg_db_row(jr, k->get_stmt, &row, 1, id);

    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    return jszg_adm_done(jr, st, apr_pstrcat(jr->pool, k->name, "已保存。",
                                             NULL),
                         org_back(jr, k, row), k->key, row);
}

/* 停用 (active=0) or 启用 (active=1) of the {id} of the URL. */
static int org_active(jszg_req *jr, const org_kind *k)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *row;
    const char *id = jszg_param(jr, "id"), *a = jszg_field(jr, "active");
    int rc, on;

    if ((rc = org_load(jr, st, k, id, &row)) != OK)
        return rc;
    if (!a || (strcmp(a, "0") && strcmp(a, "1")))
        return jszg_admin_error(jr, st, HTTP_BAD_REQUEST, "invalid",
                                "请选择停用或启用。");
    on = *a == '1';
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    rc = jszg_db_exec(jr, k->active_stmt, NULL, 2, a, id);
    rc = org_finish(jr, st, rc, apr_pstrcat(jr->pool, k->key, on
                                            ? ".activate" : ".deactivate",
                                            NULL),
                    apr_pstrcat(jr->pool, k->key, ":", id, NULL),
                    jszg_jstr(row, "name"));
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set_new(row, "active", json_integer(on));
    json_object_set_new(row, "is_active", json_boolean(on));
    return jszg_adm_done(jr, st, on ? apr_pstrcat(jr->pool, k->name,
                                                  "已启用。", NULL)
                                    : k->off_msg,
                         org_back(jr, k, row), k->key, row);
}

/* ---- 注册机构 --------------------------------------------------------- */

static int inst_load(jszg_req *jr, jszg_staff *st, const char *id,
                     json_t **inst)
{
    return org_load(jr, st, &inst_kind, id, inst);
}

static json_t *regions(jszg_req *jr, jszg_staff *st)
{
    json_t *rows = NULL;
    const char *prov = st->province_code ? st->province_code : "";

    if (jszg_db_rows(jr, "orgs_regions", &rows, 4,
                     apr_itoa(jr->pool, st->role), prov, prov, prov)
        != JSZG_DB_OK)
        return jszg_pool_json(jr->pool, json_array());
    return rows;
}

int jszg_admin_orgs_list(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *rows, *d;
    const char *role;
    int rc;

    role = apr_itoa(jr->pool, st->role);
    rc = jszg_db_rows(jr, "orgs_inst_list", &rows, 3, role, role,
                      st->province_code ? st->province_code : "");
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    active_text(rows);
    if (jr->is_api) {
        d = jszg_pool_json(jr->pool, json_object());
        json_object_set(d, "institutions", rows);
        return jszg_json(jr, HTTP_OK, d);
    }
    jszg_rows_link(jr->pool, rows, "/admin/institutions/");
    d = jszg_admin_data(jr, st, "注册机构与确认点", "orgs");
    json_object_set(d, "rows", rows);
    return jszg_render_layout(jr, HTTP_OK, "admin/orgs", "admin/layout", d);
}

/* The institution form: `f` the values shown (a row, or what was
 * posted), `errs` the field errors. */
static int org_form(jszg_req *jr, jszg_staff *st, int status, json_t *f,
                    json_t *errs, json_t *points)
{
    const char *id = f ? jszg_jstr(f, "id") : NULL;
    json_t *d = jszg_admin_data(jr, st, id ? "修改注册机构" : "新增注册机构",
                                "orgs");
    json_t *lv = json_array(), *regs, *row;
    size_t i;
    int k;

    if (!f)
        f = jszg_pool_json(jr->pool, json_object());
    for (k = 0; levels[k]; k++)
        json_array_append_new(lv, json_pack("{s:s, s:b}", "name", levels[k],
                                            "selected", jszg_jstr(f, "level")
                                            && !strcmp(jszg_jstr(f, "level"),
                                                       levels[k])));
    json_object_set_new(d, "levels", lv);
    json_object_set_new(d, "stage_opts", stage_opts(jr, jszg_jstr(f, "stages"),
                                                    NULL));
    regs = regions(jr, st);
    json_array_foreach(regs, i, row)
        json_object_set_new(row, "selected", json_boolean(
            jszg_jstr(f, "region_code") && jszg_jstr(row, "code")
            && !strcmp(jszg_jstr(f, "region_code"), jszg_jstr(row, "code"))));
    json_object_set(d, "regions", regs);
    org_form_data(jr, &inst_kind, d, f, errs);
    if (id) {
        json_object_set_new(d, "new_point_href", json_string(apr_pstrcat(
            jr->pool, "/admin/points/new?institution_id=", id, NULL)));
        json_object_set_new(d, "notes_href", json_string(apr_pstrcat(
            jr->pool, "/admin/institutions/", id, "/notes", NULL)));
    }
    if (points) {
        active_text(points);
        jszg_rows_link(jr->pool, points, "/admin/points/");
        json_object_set(d, "points", points);
    }
    return jszg_render_layout(jr, status, "admin/org_form", "admin/layout",
                              d);
}

int jszg_admin_org_new(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);

    return org_form(jr, st, HTTP_OK, NULL, NULL, NULL);
}

int jszg_admin_org_edit(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *inst, *points, *cnt, *b;
    int rc;

    if ((rc = inst_load(jr, st, jszg_param(jr, "id"), &inst)) != OK)
        return rc;
    if ((rc = jszg_db_rows(jr, "orgs_points_of", &points, 1,
                           jszg_jstr(inst, "id"))) != JSZG_DB_OK)
        return jszg_db_status(rc);
    if ((rc = jszg_db_row(jr, "orgs_inst_apps", &cnt, 1, jszg_jstr(inst, "id")))
        != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set(inst, "applications", json_object_get(cnt, "n"));
    if (!jr->is_api)
        return org_form(jr, st, HTTP_OK, inst, NULL, points);
    active_text(points);
    b = jszg_pool_json(jr->pool, json_object());
    json_object_set_new(inst, "is_active",
                        json_boolean(!strcmp(jszg_jstr(inst, "active"), "1")));
    json_object_set(b, "institution", inst);
    json_object_set(b, "points", points);
    return jszg_json(jr, HTTP_OK, b);
}

/* The posted institution: checks, then one transaction with its audit
 * row.  *saved: the id. */
static int org_save(jszg_req *jr, jszg_staff *st, json_t *f, json_t *errs,
                    const char **saved)
{
    const char *id = jszg_jstr(f, "id"), *code, *name, *level, *region, *stages;
    const char *phone, *address, *hours, *prov, *city;
    json_t *old = NULL, *reg, *dup, *cnt, *row;
    int rc, k;

    if (id && (rc = inst_load(jr, st, id, &old)) != OK)
        return rc;
    code = jszg_adm_text(jr, errs, "code", "机构代码", 9, 1);
    if (code && (strlen(code) != 9 || strspn(code, "0123456789") != 9))
        add_err(errs, "code", "机构代码应为9位数字。");
    name = jszg_adm_text(jr, errs, "name", "机构名称", MAX_NAME, 1);
    level = jszg_adm_text(jr, errs, "level", "机构级别", 4, 1);
    for (k = 0; level && levels[k] && strcmp(level, levels[k]); k++)
        ;
    if (level && !levels[k])
        add_err(errs, "level", "请选择机构级别。");
    region = jszg_adm_text(jr, errs, "region_code", "所在行政区划", 6, 1);
    stages = stages_in(jr, errs, "stages", NULL, 1);
    phone = phone_in(jr, errs);
    address = jszg_adm_text(jr, errs, "address", "地址", MAX_ADDRESS, 0);
    hours = jszg_adm_text(jr, errs, "hours", "办公时间", MAX_HOURS, 0);
    prov = city = NULL;
    if (region) {
        rc = jszg_db_row(jr, "orgs_region", &reg, 1, region);
        if (rc == JSZG_DB_NOTFOUND)
            add_err(errs, "region_code", "所在行政区划不存在。");
        else if (rc != JSZG_DB_OK)
            return jszg_db_status(rc);
        else if (!strcmp(jszg_jstr(reg, "level"), "1"))
            prov = region;
        else if (!strcmp(jszg_jstr(reg, "level"), "2")) {
            prov = jszg_jstr(reg, "parent_code");
            city = region;
        }
        else {
            prov = jszg_jstr(reg, "grand_code");
            city = jszg_jstr(reg, "parent_code");
        }
    }
    /* the scope of the values: a province admin places an institution
     * in its own province only */
    if (prov && !jszg_adm_in_province(st, prov)) {
        rc = jszg_admin_forbidden(jr, st, apr_pstrcat(jr->pool, "region:",
                                                      region, NULL));
        return rc == OK ? DONE : rc;
    }
    if (code && !json_object_get(errs, "code")) {
        rc = jszg_db_row(jr, "orgs_inst_by_code", &dup, 2, code,
                         id ? id : "0");
        if (rc == JSZG_DB_OK)
            add_err(errs, "code", "该机构代码已被其他注册机构使用。");
        else if (rc != JSZG_DB_NOTFOUND)
            return jszg_db_status(rc);
    }
    /* 报名号 carry the code: it stays once applications used it */
    if (old && code && strcmp(code, jszg_jstr(old, "code"))) {
        if ((rc = jszg_db_row(jr, "orgs_inst_apps", &cnt, 1, id))
            != JSZG_DB_OK)
            return jszg_db_status(rc);
        if (strcmp(jszg_jstr(cnt, "n"), "0"))
            add_err(errs, "code", "该机构已有报名，报名号中含有机构代码，"
                    "不能修改机构代码。");
    }
    if (json_object_size(errs))
        return HTTP_BAD_REQUEST;
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    if (id)
        rc = jszg_db_exec(jr, "orgs_inst_update", NULL, 11, code, name,
                          region, prov, city, level, stages, phone, address,
                          hours, id);
    else {
        rc = jszg_db_exec(jr, "orgs_inst_insert", NULL, 10, code, name,
                          region, prov, city, level, stages, phone, address,
                          hours);
        if (rc == JSZG_DB_OK
            && (rc = jszg_db_row(jr, "orgs_inst_by_code", &row, 2, code,
                                 "0")) == JSZG_DB_OK)
            id = jszg_jstr(row, "id");
    }
    rc = org_finish(jr, st, rc, old ? "institution.update"
                                    : "institution.create",
                    apr_pstrcat(jr->pool, "institution:", id, NULL),
                    apr_pstrcat(jr->pool, code, " ", name, NULL));
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    *saved = id;
    return OK;
}

int jszg_admin_org_save(jszg_req *jr)
{
    static const char *const names[] = { "id", "code", "name", "level",
        "region_code", "phone", "address", "hours", NULL };
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *f, *errs, *points = NULL;
    const char *saved = NULL;
    int rc;

    if ((rc = org_posted(jr, st, &inst_kind, names, &f)) != OK)
        return rc;
    errs = jszg_pool_json(jr->pool, json_object());
    rc = org_save(jr, st, f, errs, &saved);
    if (rc == HTTP_BAD_REQUEST) {
        if (jr->is_api)
            return jszg_adm_invalid(jr, errs);
        org_again(jr, &inst_kind, f);
        if (jszg_jstr(f, "id"))
            jszg_db_rows(jr, "orgs_points_of", &points, 1, jszg_jstr(f, "id"));
        return org_form(jr, st, HTTP_BAD_REQUEST, f, errs, points);
    }
    if (rc != OK)
        return rc;
    return org_saved(jr, st, &inst_kind, saved);
}

/* 停用 (active=0) or 启用 (active=1). */
int jszg_admin_org_active(jszg_req *jr)
{
    return org_active(jr, &inst_kind);
}

/* ---- 确认点 ----------------------------------------------------------- */

static int point_load(jszg_req *jr, jszg_staff *st, const char *id,
                      json_t **pt)
{
    return org_load(jr, st, &point_kind, id, pt);
}

static int point_form(jszg_req *jr, jszg_staff *st, int status, json_t *f,
                      json_t *inst, json_t *errs)
{
    const char *id = jszg_jstr(f, "id");
    json_t *d = jszg_admin_data(jr, st, id ? "修改确认点" : "新增确认点",
                                "orgs");

    json_object_set(d, "inst", inst);
    json_object_set_new(d, "back_href", json_string(apr_pstrcat(
        jr->pool, "/admin/institutions/", jszg_jstr(inst, "id"), NULL)));
    json_object_set_new(d, "stage_opts", stage_opts(jr, jszg_jstr(f, "stages"),
                                                    jszg_jstr(inst, "stages")));
    org_form_data(jr, &point_kind, d, f, errs);
    return jszg_render_layout(jr, status, "admin/point_form", "admin/layout",
                              d);
}

int jszg_admin_point_new(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *inst, *f;
    int rc;

    if ((rc = inst_load(jr, st, jszg_query(jr, "institution_id"), &inst))
        != OK)
        return rc;
    f = jszg_pool_json(jr->pool, json_object());
    json_object_set(f, "institution_id", json_object_get(inst, "id"));
    return point_form(jr, st, HTTP_OK, f, inst, NULL);
}

int jszg_admin_point_edit(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *pt, *inst, *cnt, *b;
    int rc;

    if ((rc = point_load(jr, st, jszg_param(jr, "id"), &pt)) != OK)
        return rc;
    if ((rc = jszg_db_row(jr, "orgs_inst_get", &inst, 1,
                          jszg_jstr(pt, "institution_id"))) != JSZG_DB_OK)
        return jszg_db_status(rc);
    if (!jr->is_api)
        return point_form(jr, st, HTTP_OK, pt, inst, NULL);
    if ((rc = jszg_db_row(jr, "orgs_point_apps", &cnt, 1, jszg_jstr(pt, "id")))
        != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set(pt, "applications", json_object_get(cnt, "n"));
    json_object_set_new(pt, "is_active",
                        json_boolean(!strcmp(jszg_jstr(pt, "active"), "1")));
    b = jszg_pool_json(jr->pool, json_object());
    json_object_set(b, "point", pt);
    return jszg_json(jr, HTTP_OK, b);
}

static int point_save(jszg_req *jr, jszg_staff *st, json_t *f, json_t *errs,
                      json_t **inst_out, const char **saved)
{
    const char *id = jszg_jstr(f, "id"), *inst_id = jszg_jstr(f, "institution_id");
    const char *name, *scope, *address, *phone, *hours, *stages;
    json_t *old = NULL, *inst, *cnt, *row;
    int rc;

    /* the target as it is: in scope */
    if (id && (rc = point_load(jr, st, id, &old)) != OK)
        return rc;
    /* and where it goes: an institution in scope too */
    if (!inst_id && old)
        inst_id = jszg_jstr(old, "institution_id");
    if ((rc = inst_load(jr, st, inst_id, &inst)) != OK)
        return rc;
    *inst_out = inst;
    name = jszg_adm_text(jr, errs, "name", "确认点名称", MAX_NAME, 1);
    scope = jszg_adm_text(jr, errs, "scope", "服务范围", MAX_SCOPE, 1);
    address = jszg_adm_text(jr, errs, "address", "地址", MAX_ADDRESS, 1);
    phone = phone_in(jr, errs);
    hours = jszg_adm_text(jr, errs, "hours", "办公时间", MAX_HOURS, 1);
    stages = stages_in(jr, errs, "stages", jszg_jstr(inst, "stages"), 0);
    if (old && strcmp(inst_id, jszg_jstr(old, "institution_id"))) {
        if ((rc = jszg_db_row(jr, "orgs_point_apps", &cnt, 1, id))
            != JSZG_DB_OK)
            return jszg_db_status(rc);
        if (strcmp(jszg_jstr(cnt, "n"), "0"))
            add_err(errs, "institution_id", "该确认点已有报名，"
                    "不能改到其他注册机构。");
    }
    if (!old && strcmp(jszg_jstr(inst, "active"), "1"))
        add_err(errs, "institution_id", "该注册机构已停用，请先启用。");
    if (json_object_size(errs))
        return HTTP_BAD_REQUEST;
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    if (id)
        rc = jszg_db_exec(jr, "orgs_point_update", NULL, 8, inst_id, name,
                          scope, address, phone, hours, stages, id);
    else {
        rc = jszg_db_exec(jr, "orgs_point_insert", NULL, 7, inst_id, name,
                          scope, address, phone, hours, stages);
        if (rc == JSZG_DB_OK
            && (rc = jszg_db_row(jr, "orgs_point_new_id", &row, 2, inst_id,
                                 name)) == JSZG_DB_OK)
            id = jszg_jstr(row, "id");
    }
    rc = org_finish(jr, st, rc, old ? "point.update" : "point.create",
                    apr_pstrcat(jr->pool, "point:", id, NULL),
                    apr_pstrcat(jr->pool, "institution:", inst_id, " ",
                                name, NULL));
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    *saved = id;
    return OK;
}

int jszg_admin_point_save(jszg_req *jr)
{
    static const char *const names[] = { "id", "institution_id", "name",
        "scope", "address", "phone", "hours", NULL };
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *f, *errs, *inst = NULL;
    const char *saved = NULL;
    int rc;

    if ((rc = org_posted(jr, st, &point_kind, names, &f)) != OK)
        return rc;
    if (jszg_jstr(f, "institution_id") && !*jszg_jstr(f, "institution_id"))
        json_object_del(f, "institution_id");
    if (!jszg_jstr(f, "id") && !jszg_jstr(f, "institution_id"))
        return jszg_admin_error(jr, st, HTTP_BAD_REQUEST, "invalid",
                                "请选择确认点所属的注册机构。");
    errs = jszg_pool_json(jr->pool, json_object());
    rc = point_save(jr, st, f, errs, &inst, &saved);
    if (rc == HTTP_BAD_REQUEST) {
        if (jr->is_api)
            return jszg_adm_invalid(jr, errs);
        org_again(jr, &point_kind, f);
        return point_form(jr, st, HTTP_BAD_REQUEST, f, inst, errs);
    }
    if (rc != OK)
        return rc;
    return org_saved(jr, st, &point_kind, saved);
}

int jszg_admin_point_active(jszg_req *jr)
{
    return org_active(jr, &point_kind);
}
