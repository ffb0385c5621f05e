/*
 * jszg_admin_staff.c -- staff accounts in the back office (issue 14):
 * the system admin and province admins create accounts with a role and a
 * scope, reset a password, unlock a username, 停用/启用 an account; every
 * staff member changes their own password.
 *
 * Scope (jszg_admin_orgs.h): a province admin manages the accounts of its
 * province -- province admins of it, and 注册机构 and 确认点 staff of its
 * institutions -- checked on the account as stored and on the role and
 * scope submitted; it never creates or touches a system admin.
 *
 * A password set by an administrator (new account, 重置密码) must be
 * changed at the next login before anything else (staff
 * .must_change_password, enforced by the route guard jszg_admin_guard:
 * only the JSZG_STAFF_PWOK routes are served).  重置密码 and 停用 end
 * the account's sessions at once; changing one's own password ends
 * one's other sessions.  解除锁定 clears the login throttle of the
 * username (jszg_login_gate: the per-address delays and the failures that
 * ask for the captcha); the per-address budget stays, it belongs to the
 * address.  Passwords follow the applicants' policy (jszg_password.h),
 * with the username in place of the 证件号码.
 */
#include "jszg_admin_orgs.h"
#include "jszg_account.h"
#include "jszg_password.h"
#include "apr_strings.h"
#include "apr_lib.h"

#define THROTTLE     "admin"    /* jszg_admin_auth.c's THROTTLE_SCOPE */

static void add_err(json_t *errs, const char *name, const char *msg)
{
    if (!json_object_get(errs, name))
        json_object_set_new(errs, name, json_string(msg));
}

static const char *const role_keys[] = { "point", "institution", "province",
                                         "system", NULL };

static void staff_rows(jszg_req *jr, json_t *rows)
{
    json_t *row;
    size_t i;

    json_array_foreach(rows, i, row) {
        const char *a = jszg_jstr(row, "active");
        json_object_set_new(row, "role_name", json_string(
            jszg_admin_role_name(jszg_adm_role_of(jszg_jstr(row, "role")))));
        json_object_set_new(row, "is_active", json_boolean(a && *a == '1'));
        json_object_set_new(row, "is_inactive", json_boolean(!a || *a != '1'));
        json_object_set_new(row, "must_change", json_boolean(
            jszg_jstr(row, "must_change_password")
            && *jszg_jstr(row, "must_change_password") == '1'));
        json_object_set_new(row, "scope_name", json_string(
            jszg_jstr(row, "point_name") ? jszg_jstr(row, "point_name")
            : jszg_jstr(row, "institution_name") ? jszg_jstr(row, "institution_name")
            : jszg_jstr(row, "province_name") ? jszg_jstr(row, "province_name")
            : "全国"));
    }
    jszg_admin_times(jr, rows, "last_login_at");
}

/* (jszg_json types ids, flags and times) */
static json_t *api_row(jszg_req *jr, json_t *row)
{
    (void)jr;
    json_object_del(row, "last_login_at_text");
    return row;
}

/* Password checks, with the username where the policy says 证件号码. */
static const char *pw_problem(const char *pw, const char *confirm,
                              const char *username)
{
    jszg_pw_status s = jszg_password_check(pw, confirm, username);

    if (s == JSZG_PW_OK)
        return NULL;
    if (s == JSZG_PW_CONTAINS_ID)
        return "密码不能包含用户名";
    return jszg_password_message(s);
}

#define PW_POLICY "密码长度为8至32位，须包含大写字母、小写字母、数字、" \
                  "符号中的至少三类，且不能包含用户名"

/* ---- loading ----------------------------------------------------------- */

/* OK with *row an account the staff member may manage; else the answer
 * (DONE once sent). */
static int staff_load(jszg_req *jr, jszg_staff *st, const char *id,
                      json_t **row)
{
    return jszg_adm_load_scoped(jr, st, "orgs_staff_get", id, "工作人员账号",
                                "staff", "scope_province", row);
}

/* ---- list and form ------------------------------------------------------ */

int jszg_admin_staff_list(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *rows, *d, *row;
    size_t i;
    int rc;

    rc = jszg_db_rows(jr, "orgs_staff_list", &rows, 2,
                      apr_itoa(jr->pool, st->role),
                      st->province_code ? st->province_code : "");
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    staff_rows(jr, rows);
    if (jr->is_api) {
        json_array_foreach(rows, i, row)
            api_row(jr, row);
        d = jszg_pool_json(jr->pool, json_object());
        json_object_set(d, "staff", rows);
        return jszg_json(jr, HTTP_OK, d);
    }
    jszg_rows_link(jr->pool, rows, "/admin/staff/");
    d = jszg_admin_data(jr, st, "工作人员账号", "staff");
    json_object_set(d, "rows", rows);
    return jszg_render_layout(jr, HTTP_OK, "admin/staff_list",
                              "admin/layout", d);
}

static int staff_form(jszg_req *jr, jszg_staff *st, int status, json_t *f,
                      json_t *errs)
{
    const char *id = jszg_jstr(f, "id"), *role = apr_itoa(jr->pool, st->role);
    const char *prov = st->province_code ? st->province_code : "";
    json_t *d = jszg_admin_data(jr, st, id ? "工作人员账号" : "新增工作人员",
                                "staff");
    json_t *roles = json_array(), *insts = NULL, *points = NULL;
    json_t *provs = NULL;
    int k, n = 0;

    for (k = 0; role_keys[k]; k++) {
        jszg_role r = jszg_adm_role_of(role_keys[k]);
        if (r == JSZG_ROLE_SYSTEM && st->role != JSZG_ROLE_SYSTEM)
            continue;
        json_array_append_new(roles, json_pack(
            "{s:s, s:s, s:b}", "value", role_keys[k], "name",
            jszg_admin_role_name(r), "selected",
            jszg_jstr(f, "role") && !strcmp(jszg_jstr(f, "role"), role_keys[k])));
    }
    json_object_set_new(d, "roles", roles);
    if (jszg_db_rows(jr, "admin_institutions", &insts, 3, role, role, prov)
        != JSZG_DB_OK
        || jszg_db_rows(jr, "orgs_points_scope", &points, 3, role, role,
                        prov) != JSZG_DB_OK
        || jszg_db_rows(jr, "orgs_provinces", &provs, 2, role, prov)
           != JSZG_DB_OK)
        return HTTP_SERVICE_UNAVAILABLE;
    jszg_jrows_select(insts, "id", jszg_jstr(f, "institution_id"));
    jszg_jrows_select(points, "id", jszg_jstr(f, "point_id"));
    jszg_jrows_select(provs, "code", jszg_jstr(f, "province_code"));
    json_object_set(d, "institutions", insts);
    json_object_set(d, "points", points);
    json_object_set(d, "provinces", provs);
    json_object_set(d, "f", f);
    json_object_set_new(d, "pw_policy", json_string(PW_POLICY));
    if (id) {
        const char *a = jszg_jstr(f, "active");
        const char *base = apr_pstrcat(jr->pool, "/admin/staff/", id, NULL);
        json_object_set_new(d, "is_active", json_boolean(a && *a == '1'));
        json_object_set_new(d, "is_self", json_boolean(!strcmp(id, st->id)));
        json_object_set_new(d, "reset_href", json_string(
            apr_pstrcat(jr->pool, base, "/reset", NULL)));
        json_object_set_new(d, "unlock_href", json_string(
            apr_pstrcat(jr->pool, base, "/unlock", NULL)));
        json_object_set_new(d, "active_href", json_string(
            apr_pstrcat(jr->pool, base, "/active", NULL)));
        if (jszg_jstr(f, "username")
            && jszg_login_account_failures(jr, THROTTLE, jszg_jstr(f, "username"),
                                           &n) == JSZG_DB_OK && n > 0)
            json_object_set_new(d, "failures", json_integer(n));
    }
    if (errs && json_object_size(errs)) {
        json_object_set(d, "errors", errs);
        json_object_set_new(d, "error",
                            json_string("请按提示修改标出的项目。"));
    }
    return jszg_render_layout(jr, status, "admin/staff_form", "admin/layout",
                              d);
}

int jszg_admin_staff_new(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);

    return staff_form(jr, st, HTTP_OK, jszg_pool_json(jr->pool,
                                                      json_object()), NULL);
}

int jszg_admin_staff_edit(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *row, *b;
    int rc;

    if ((rc = staff_load(jr, st, jszg_param(jr, "id"), &row)) != OK)
        return rc;
    if (!jr->is_api)
        return staff_form(jr, st, HTTP_OK, row, NULL);
    b = jszg_pool_json(jr->pool, json_object());
    json_t *rows = json_array();
    json_array_append(rows, row);
    staff_rows(jr, rows);
    json_decref(rows);
    json_object_set(b, "staff", api_row(jr, row));
    return jszg_json(jr, HTTP_OK, b);
}

/* ---- create / edit ------------------------------------------------------- */

/* A username is 3..32 of [a-z0-9._-], stored lower-case. */
static const char *username_in(jszg_req *jr, json_t *errs)
{
    const char *u = jszg_adm_text(jr, errs, "username", "用户名", 32, 1);
    char *l;
    apr_size_t i;

    if (!u)
        return NULL;
    l = apr_pstrdup(jr->pool, u);
    for (i = 0; l[i]; i++) {
        l[i] = (char)apr_tolower(l[i]);
        if (!(apr_isalnum(l[i]) || strchr("._-", l[i]))) {
            add_err(errs, "username", "用户名只能由3至32位字母、数字、"
                    "“.”、“_”和“-”组成。");
            return NULL;
        }
    }
    if (i < 3) {
        add_err(errs, "username", "用户名只能由3至32位字母、数字、"
                "“.”、“_”和“-”组成。");
        return NULL;
    }
    return l;
}

typedef struct {
    const char *role, *point, *inst, *prov;    /* as stored */
    const char *scope_prov;                     /* NULL: national */
} staff_scope;

/* The role and scope posted.  HTTP_FORBIDDEN when outside the staff
 * member's reach (logged and answered by the caller), HTTP_BAD_REQUEST
 * with errs, OK, or a store failure. */
static int scope_in(jszg_req *jr, jszg_staff *st, json_t *errs,
                    staff_scope *sc)
{
    const char *role = jszg_field(jr, "role");
    jszg_role r = jszg_adm_role_of(role);
    json_t *row;
    int rc;

    memset(sc, 0, sizeof(*sc));
    if (!r) {
        add_err(errs, "role", "请选择角色。");
        return HTTP_BAD_REQUEST;
    }
    sc->role = role;
    if (r == JSZG_ROLE_SYSTEM)
        return st->role == JSZG_ROLE_SYSTEM ? OK : HTTP_FORBIDDEN;
    if (r == JSZG_ROLE_POINT) {
        const char *id = jszg_field(jr, "point_id");
        if (!jszg_adm_id_ok(id)
            || (rc = jszg_db_row(jr, "orgs_point_get", &row, 1, id))
               == JSZG_DB_NOTFOUND) {
            add_err(errs, "point_id", "请选择确认点。");
            return HTTP_BAD_REQUEST;
        }
        if (rc != JSZG_DB_OK)
            return jszg_db_status(rc);
        sc->point = id;
        sc->inst = jszg_jstr(row, "institution_id");
        sc->scope_prov = jszg_jstr(row, "province_code");
    }
    else if (r == JSZG_ROLE_INSTITUTION) {
        const char *id = jszg_field(jr, "institution_id");
        if (!jszg_adm_id_ok(id)
            || (rc = jszg_db_row(jr, "admin_inst_get", &row, 1, id))
               == JSZG_DB_NOTFOUND) {
            add_err(errs, "institution_id", "请选择注册机构。");
            return HTTP_BAD_REQUEST;
        }
        if (rc != JSZG_DB_OK)
            return jszg_db_status(rc);
        sc->inst = id;
        sc->scope_prov = jszg_jstr(row, "province_code");
    }
    else {
        const char *code = jszg_field(jr, "province_code");
        if (!code || strlen(code) != 6
            || (rc = jszg_db_row(jr, "admin_region_exists", &row, 1, code))
               == JSZG_DB_NOTFOUND) {
            add_err(errs, "province_code", "请选择省份。");
            return HTTP_BAD_REQUEST;
        }
        if (rc != JSZG_DB_OK)
            return jszg_db_status(rc);
        sc->prov = sc->scope_prov = code;
    }
    return jszg_adm_in_province(st, sc->scope_prov) ? OK : HTTP_FORBIDDEN;
}

int jszg_admin_staff_save(jszg_req *jr)
{
    static const char *const names[] = { "id", "username", "name", "role",
        "point_id", "institution_id", "province_code", NULL };
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *f, *errs, *old = NULL, *row;
    const char *id, *user = NULL, *name, *pw = NULL, *hash = NULL, *v;
    const char *const *n;
    staff_scope sc;
    int rc, src;

    f = jszg_pool_json(jr->pool, json_object());
    for (n = names; *n; n++)
        if ((v = jszg_field(jr, *n)) && jszg_utf8_valid(v, strlen(v)))
            json_object_set_new(f, *n, json_string(v));
    id = jszg_jstr(f, "id");
    if (id && !*id) {
        json_object_del(f, "id");
        id = NULL;
    }
    /* the account as it is: in scope */
    if (id && (rc = staff_load(jr, st, id, &old)) != OK)
        return rc;
    errs = jszg_pool_json(jr->pool, json_object());
    if (!old) {
        user = username_in(jr, errs);
        pw = jszg_field(jr, "password");
        if ((v = pw_problem(pw, jszg_field(jr, "confirm"),
                            user ? user : "")))
            add_err(errs, "password", v);
    }
    else
        user = jszg_jstr(old, "username");
    name = jszg_adm_text(jr, errs, "name", "姓名", 60, 1);
    /* and what it becomes: in scope too */
    src = scope_in(jr, st, errs, &sc);
    if (src == HTTP_FORBIDDEN)
        return jszg_admin_forbidden(jr, st, apr_pstrcat(jr->pool, "staff:",
                                    id ? id : "new", " role:", sc.role,
                                    NULL));
    if (src != OK && src != HTTP_BAD_REQUEST)
        return src;
    if (!old && user && !json_object_get(errs, "username")) {
        rc = jszg_db_row(jr, "orgs_staff_by_username", &row, 1, user);
        if (rc == JSZG_DB_OK)
            add_err(errs, "username", "该用户名已被使用。");
        else if (rc != JSZG_DB_NOTFOUND)
            return jszg_db_status(rc);
    }
    if (old && !strcmp(id, st->id) && strcmp(sc.role ? sc.role : "",
                                             jszg_jstr(old, "role")))
        add_err(errs, "role", "不能修改自己的角色。");
    if (json_object_size(errs)) {
        if (jr->is_api)
            return jszg_adm_invalid(jr, errs);
        if (old) {
            json_object_set(f, "username", json_object_get(old, "username"));
            json_object_set(f, "active", json_object_get(old, "active"));
        }
        return staff_form(jr, st, HTTP_BAD_REQUEST, f, errs);
    }
    if (!old && jszg_password_hash(jr->pool, pw, JSZG_PW_COST, &hash)
                != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    if (old)
        rc = jszg_db_exec(jr, "orgs_staff_update", NULL, 6, name, sc.role,
                          sc.point, sc.inst, sc.prov, id);
    else {
        rc = jszg_db_exec(jr, "orgs_staff_insert", NULL, 8, user, name, hash,
                          sc.role, sc.point, sc.inst, sc.prov,
                          jszg_now_str(jr));
        if (rc == JSZG_DB_OK
            && (rc = jszg_db_row(jr, "orgs_staff_by_username", &row, 1,
                                 user)) == JSZG_DB_OK)
            id = jszg_jstr(row, "id");
    }
    if (rc == JSZG_DB_OK)
        rc = jszg_admin_audit(jr, st, old ? "staff.update" : "staff.create",
                              apr_pstrcat(jr->pool, "staff:", id, NULL),
                              apr_pstrcat(jr->pool, user, " ", sc.role, " ",
                                          sc.point ? sc.point : sc.inst
                                          ? sc.inst : sc.prov ? sc.prov
                                          : "-", NULL));
    if (rc == JSZG_DB_OK)
        rc = jszg_db_commit(jr);
    else
        jszg_db_rollback(jr);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    if ((rc = jszg_db_row(jr, "orgs_staff_get", &row, 1, id)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    return jszg_adm_done(jr, st, old ? "工作人员账号已保存。"
                         : "工作人员账号已创建，首次登录时须修改密码。",
                         apr_pstrcat(jr->pool, "/admin/staff/", id, NULL),
                         "staff", api_row(jr, row));
}

/* ---- reset, unlock, 停用 ----------------------------------------------- */

static int answer_row(jszg_req *jr, jszg_staff *st, const char *id,
                      const char *msg)
{
    json_t *row;
    int rc = jszg_db_row(jr, "orgs_staff_get", &row, 1, id);

    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    return jszg_adm_done(jr, st, msg, apr_pstrcat(jr->pool, "/admin/staff/",
                                                  id, NULL),
                         "staff", api_row(jr, row));
}

int jszg_admin_staff_reset(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *row, *errs;
    const char *id = jszg_param(jr, "id"), *pw = jszg_field(jr, "password");
    const char *hash, *bad;
    int rc;

    if ((rc = staff_load(jr, st, id, &row)) != OK)
        return rc;
    if ((bad = pw_problem(pw, jszg_field(jr, "confirm"),
                          jszg_jstr(row, "username")))) {
        errs = jszg_pool_json(jr->pool, json_object());
        add_err(errs, "password", bad);
        if (jr->is_api)
            return jszg_adm_invalid(jr, errs);
        return staff_form(jr, st, HTTP_BAD_REQUEST, row, errs);
    }
    if (jszg_password_hash(jr->pool, pw, JSZG_PW_COST, &hash) != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    /* the password, the end of every session, the audit row */
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    rc = jszg_db_exec(jr, "orgs_staff_password_set", NULL, 4, hash, "1",
                      jszg_now_str(jr), id);
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "orgs_staff_sessions_end", NULL, 2, id, "");
    if (rc == JSZG_DB_OK)
        rc = jszg_admin_audit(jr, st, "staff.password_reset",
                              apr_pstrcat(jr->pool, "staff:", id, NULL),
                              jszg_jstr(row, "username"));
    if ((rc = jszg_adm_finish(jr, rc)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    return answer_row(jr, st, id, "密码已重置，该工作人员下次登录时须修改密码。");
}

int jszg_admin_staff_unlock(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *row;
    const char *id = jszg_param(jr, "id"), *user;
    int rc;

    if ((rc = staff_load(jr, st, id, &row)) != OK)
        return rc;
    user = jszg_jstr(row, "username");
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    rc = jszg_login_unlock(jr, THROTTLE, user);
    if (rc == JSZG_DB_OK)
        rc = jszg_admin_audit(jr, st, "staff.unlock",
                              apr_pstrcat(jr->pool, "staff:", id, NULL),
                              user);
    if ((rc = jszg_adm_finish(jr, rc)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    return answer_row(jr, st, id, "已解除该账号的登录限制。");
}

int jszg_admin_staff_active(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *row;
    const char *id = jszg_param(jr, "id"), *a = jszg_field(jr, "active");
    int rc, on;

    if ((rc = staff_load(jr, st, id, &row)) != OK)
        return rc;
    if (!a || (strcmp(a, "0") && strcmp(a, "1")))
        return jszg_admin_error(jr, st, HTTP_BAD_REQUEST, "invalid",
                                "请选择停用或启用。");
    on = *a == '1';
    if (!on && !strcmp(id, st->id))
        return jszg_admin_error(jr, st, HTTP_CONFLICT, "self",
                                "不能停用自己的账号。");
    /* 停用: the flag and the end of every session, with the audit row */
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    rc = jszg_db_exec(jr, "orgs_staff_active", NULL, 2, a, id);
    if (rc == JSZG_DB_OK && !on)
        rc = jszg_db_exec(jr, "orgs_staff_sessions_end", NULL, 2, id, "");
    if (rc == JSZG_DB_OK)
        rc = jszg_admin_audit(jr, st, on ? "staff.activate"
                                         : "staff.deactivate",
                              apr_pstrcat(jr->pool, "staff:", id, NULL),
                              jszg_jstr(row, "username"));
    if ((rc = jszg_adm_finish(jr, rc)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    return answer_row(jr, st, id, on ? "账号已启用。"
                                     : "账号已停用，其登录已全部失效。");
}

/* ---- one's own password ------------------------------------------------- */

static int password_form(jszg_req *jr, jszg_staff *st, int status,
                         json_t *errs)
{
    json_t *d = jszg_admin_data(jr, st, "修改密码", "password");

    json_object_set_new(d, "forced", json_boolean(st->must_change));
    json_object_set_new(d, "pw_policy", json_string(PW_POLICY));
    if (errs && json_object_size(errs)) {
        json_object_set(d, "errors", errs);
        json_object_set_new(d, "error",
                            json_string("请按提示修改标出的项目。"));
    }
    return jszg_render_layout(jr, status, "admin/password", "admin/layout",
                              d);
}

int jszg_admin_password_page(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);

    return password_form(jr, st, HTTP_OK, NULL);
}

int jszg_admin_password_post(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *row, *errs;
    const char *old = jszg_field(jr, "old_password");
    const char *pw = jszg_field(jr, "password"), *hash, *bad;
    int rc;

    errs = jszg_pool_json(jr->pool, json_object());
    rc = jszg_db_row(jr, "orgs_staff_password_get", &row, 1, st->id);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    if (!old || !*old)
        add_err(errs, "old_password", "请输入原密码。");
    else if (!jszg_password_verify(old, jszg_jstr(row, "password_hash")))
        add_err(errs, "old_password", "原密码不正确。");
    if ((bad = pw_problem(pw, jszg_field(jr, "confirm"), st->username)))
        add_err(errs, "password", bad);
    else if (old && !strcmp(old, pw))
        add_err(errs, "password", "新密码不能与原密码相同。");
    if (json_object_size(errs)) {
        if (jr->is_api)
            return jszg_adm_invalid(jr, errs);
        return password_form(jr, st, HTTP_BAD_REQUEST, errs);
    }
    if (jszg_password_hash(jr->pool, pw, JSZG_PW_COST, &hash) != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    /* the password, the end of one's other sessions, the audit row */
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    rc = jszg_db_exec(jr, "orgs_staff_password_set", NULL, 4, hash, "0",
                      jszg_now_str(jr), st->id);
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "orgs_staff_sessions_end", NULL, 2, st->id,
                          st->id_hash);
    if (rc == JSZG_DB_OK)
        rc = jszg_admin_audit(jr, st, "staff.password_change",
                              apr_pstrcat(jr->pool, "staff:", st->id, NULL),
                              NULL);
    if ((rc = jszg_adm_finish(jr, rc)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    st->must_change = 0;
    if (jr->is_api)
        return jszg_json(jr, HTTP_OK, jszg_pool_json(jr->pool, json_pack(
            "{s:s}", "message", "密码已修改。")));
    jszg_admin_flash(jr, st, "密码已修改。");
    return jszg_redirect(jr, "/admin/");
}
