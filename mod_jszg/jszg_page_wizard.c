/*
 * jszg_page_wizard.c -- 业务平台 (manual §2.3), 须知 (§3.1.1), 网报时间查询
 * before the wizard with 定期注册报名, 照片处理工具; and the helpers the
 * wizard's page and API files share.
 */
#include "jszg_wizard.h"
#include "jszg_account.h"
#include "jszg_rules.h"
#include "jszg_idcard.h"
#include "apr_strings.h"

/* ---- shared helpers ----------------------------------------------------- */

json_t *jszg_wz_page(jszg_req *jr, const char *title, const char *nav)
{
    json_t *d = jszg_page_data(jr, title, nav);
    jszg_session *s = jszg_session_get(jr);
    json_t *flash = s ? json_object_get(s->data, "flash") : NULL;

    json_object_set_new(d, "csrf", json_string(jszg_csrf_token(jr)));
    if (json_is_string(flash)) {
        json_object_set(d, "flash", flash);
        json_object_del(s->data, "flash");
        s->dirty = 1;
    }
    jszg_no_store(jr->r);
    return d;
}

void jszg_wz_flash(jszg_req *jr, const char *msg)
{
    jszg_session *s = jszg_session_get(jr);

    if (!s)
        return;
    json_object_set_new(s->data, "flash", json_string(msg));
    s->dirty = 1;
}

json_t *jszg_wz_form(jszg_req *jr, const char *const *names, int query)
{
    json_t *o = jszg_pool_json(jr->pool, json_object());

    for (; *names; names++) {
        const char *v = query ? jszg_query(jr, *names)
                              : jszg_field(jr, *names);
        if (v)
            json_object_set_new(o, *names, json_string(v));
    }
    return o;
}

int jszg_wz_need_applicant(jszg_req *jr, jszg_applicant *a)
{
    int rc = jszg_wz_applicant(jr, a);

    if (rc == JSZG_DB_NOTFOUND)
        return jszg_error(jr, HTTP_UNAUTHORIZED, "login_required",
                          "您尚未登录或登录已超时，请重新登录。");
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    return DECLINED;
}

/* "张*" for the greeting, as the manual shows it (魏*斯). */
static const char *masked_name(apr_pool_t *p, const char *name)
{
    apr_size_t n = name ? strlen(name) : 0, first = 1;

    if (!n)
        return "";
    while (first < n && (name[first] & 0xC0) == 0x80)
        first++;
    return apr_pstrcat(p, apr_pstrndup(p, name, first), "*", NULL);
}

/* ---- 业务平台 ----------------------------------------------------------- */

static const char *verified_text(int v)
{
    return v == 1 ? "核验通过" : v == 2 ? "人工审核中" : "未核验";
}

/* The business buttons: the one not entered through is disabled. */
static void platform_buttons(json_t *d, const jszg_applicant *a)
{
    int rd = a->entry && !strcmp(a->entry, "rd");

    json_object_set_new(d, "entry_rd", json_boolean(rd));
    json_object_set_new(d, "entry_dqzc", json_boolean(!rd));
    json_object_set_new(d, "rd_disabled", json_boolean(!rd));
    json_object_set_new(d, "dqzc_disabled", json_boolean(rd));
    json_object_set_new(d, "verified_ok", json_boolean(a->verified == 1));
}

static void fill_platform(jszg_req *jr, json_t *d, const jszg_applicant *a,
                          json_t *records)
{
    size_t i;
    json_t *row;

    json_object_set_new(d, "greeting_name",
                        json_string(masked_name(jr->pool, a->name)));
    json_object_set_new(d, "verified_text",
                        json_string(verified_text(a->verified)));
    /* one truth with the 个人信息中心: the login before this one */
    json_object_set_new(d, "last_login",
                        json_string(jszg_acct_last_login_text(jr)));
    platform_buttons(d, a);
    json_array_foreach(records, i, row) {
        const char *no = json_string_value(json_object_get(row, "reg_no"));
        const char *base = apr_pstrcat(jr->pool, "/platform/dqzc/records/",
                                       no, NULL);
        json_object_set_new(row, "href", json_string(base));
        json_object_set_new(row, "href_notes", json_string(
            apr_pstrcat(jr->pool, base, "/notes", NULL)));
        json_object_set_new(row, "href_msg", json_string(
            apr_pstrcat(jr->pool, base, "/messages", NULL)));
        json_object_set_new(row, "message", json_boolean(!strcmp(
            json_string_value(json_object_get(row, "has_message")), "1")));
    }
    json_object_set(d, "records", records);
}

int jszg_page_platform(jszg_req *jr)
{
    jszg_applicant a;
    json_t *d, *records;
    int rc;

    if ((rc = jszg_wz_need_applicant(jr, &a)) != DECLINED)
        return rc;
    if ((rc = jszg_wz_records(jr, &a, &records)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    d = jszg_wz_page(jr, "业务平台", NULL);
    fill_platform(jr, d, &a, records);
    jszg_crumbs(jr, d, "首页", "/", "业务平台", NULL, NULL);
    return jszg_render(jr, HTTP_OK, "platform", d);
}

int jszg_api_platform(jszg_req *jr)
{
    jszg_applicant a;
    json_t *body = jszg_pool_json(jr->pool, json_object()), *records;
    jszg_fail f = JSZG_FAIL(jr->pool);
    int rc;

    if ((rc = jszg_wz_need_applicant(jr, &a)) != DECLINED)
        return rc;
    if ((rc = jszg_wz_records(jr, &a, &records)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    fill_platform(jr, body, &a, records);
    /* the API: the time (jszg_json makes it ISO 8601), null the first
     * time, not the page's words for it */
    {
        jszg_session *s = jszg_session_get(jr);
        json_t *last = s ? json_object_get(s->data, "last_login") : NULL;
        json_object_set(body, "last_login",
                        json_is_string(last) ? last : json_null());
    }
    json_object_set_new(body, "entry", json_string(a.entry ? a.entry
                                                           : "dqzc"));
    json_object_set_new(body, "may_apply", json_boolean(
                        jszg_wz_may_apply(&a, &f) == JSZG_DB_OK));
    if (f.code)
        json_object_set_new(body, "refusal", json_pack("{s:s, s:s}",
                            "code", f.code, "message", f.message));
    return jszg_json(jr, HTTP_OK, body);
}

int jszg_page_dqzc_notice(jszg_req *jr)
{
    json_t *d = jszg_wz_page(jr, "教师资格定期注册申请人必读", NULL);

    jszg_crumbs(jr, d, "首页", "/", "业务平台", "/platform",
                "申请人必读", NULL, NULL);
    return jszg_render(jr, HTTP_OK, "notice_dqzc", d);
}

int jszg_page_pictools(jszg_req *jr)
{
    json_t *d = jszg_page_data(jr, "照片处理辅助工具", NULL);

    jszg_crumbs(jr, d, "首页", "/", "照片处理辅助工具", NULL, NULL);
    return jszg_render(jr, HTTP_OK, "wizard_pictools", d);
}

/* ---- 网报时间查询 and 定期注册报名 ------------------------------------- */

static const char *const window_params[] = {
    "province", "city", "stage", "institution_id", "point_id", "q", NULL
};

/* The 列出全部 link: the same query without the point search. */
static const char *list_all_href(jszg_req *jr, json_t *sel)
{
    const char *keys[] = { "province", "city", "stage", "institution_id",
                           NULL };
    const char *href = "/platform/dqzc/windows?";
    const char **k;

    for (k = keys; *k; k++) {
        const char *v = json_string_value(json_object_get(sel, *k));
        href = apr_pstrcat(jr->pool, href, k == keys ? "" : "&", *k, "=",
                           v ? ap_escape_urlencoded(jr->pool, v) : "", NULL);
    }
    return href;
}

static int render_windows(jszg_req *jr, const jszg_applicant *a,
                          json_t *sel, const jszg_fail *err, int status)
{
    json_t *d = jszg_wz_page(jr, "教师资格定期注册申请网报时间查询", NULL);
    jszg_fail f = JSZG_FAIL(jr->pool);
    int rc = jszg_wz_windows_data(jr, sel, d, &f);

    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set(d, "sel", sel);
    json_object_set_new(d, "list_all_href",
                        json_string(list_all_href(jr, sel)));
    if (jszg_wz_may_apply(a, &f) != JSZG_DB_OK)
        json_object_set_new(d, "refusal", json_string(f.message));
    if (err)
        jszg_fail_page(d, err, NULL);
    json_object_set_new(d, "may_start", json_boolean(
        !json_object_get(d, "refusal")
        && json_is_true(json_object_get(d, "window_open"))
        && json_array_size(json_object_get(d, "points"))));
    json_object_set_new(d, "start_disabled", json_boolean(
        !json_is_true(json_object_get(d, "may_start"))));
    json_object_set_new(d, "window_alert", json_boolean(
        json_object_get(d, "window")
        && !json_is_true(json_object_get(d, "window_open"))));
    jszg_crumbs(jr, d, "首页", "/", "业务平台", "/platform",
                "网报时间查询", NULL, NULL);
    return jszg_render(jr, status, "wizard_windows", d);
}

int jszg_page_dqzc_windows(jszg_req *jr)
{
    jszg_applicant a;
    int rc;

    if ((rc = jszg_wz_need_applicant(jr, &a)) != DECLINED)
        return rc;
    return render_windows(jr, &a, jszg_wz_form(jr, window_params, 1), NULL,
                          HTTP_OK);
}

int jszg_page_dqzc_start(jszg_req *jr)
{
    jszg_applicant a;
    jszg_draft *d;
    jszg_fail f = JSZG_FAIL(jr->pool);
    int rc;

    if ((rc = jszg_wz_need_applicant(jr, &a)) != DECLINED)
        return rc;
    rc = jszg_wz_start(jr, &a, jszg_field(jr, "institution_id"),
                       jszg_field(jr, "stage"), jszg_field(jr, "point_id"),
                       &d, &f);
    if (rc == JSZG_REFUSED)
        return render_windows(jr, &a, jszg_wz_form(jr, window_params, 0),
                              &f, f.status);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    return jszg_redirect(jr, "/platform/dqzc/wizard/1");
}

int jszg_api_dqzc_windows(jszg_req *jr)
{
    jszg_applicant a;
    json_t *body = jszg_pool_json(jr->pool, json_object());
    json_t *sel = jszg_wz_form(jr, window_params, 1);
    jszg_fail f = JSZG_FAIL(jr->pool);
    int rc;

    if ((rc = jszg_wz_need_applicant(jr, &a)) != DECLINED)
        return rc;
    if ((rc = jszg_wz_windows_data(jr, sel, body, &f)) != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &f);
    json_object_set(body, "sel", sel);
    return jszg_json(jr, HTTP_OK, body);
}

int jszg_api_dqzc_start(jszg_req *jr)
{
    jszg_applicant a;
    jszg_draft *d;
    jszg_fail f = JSZG_FAIL(jr->pool);
    json_t *body = jszg_pool_json(jr->pool, json_object());
    int rc;

    if ((rc = jszg_wz_need_applicant(jr, &a)) != DECLINED)
        return rc;
    rc = jszg_wz_start(jr, &a, jszg_field(jr, "institution_id"),
                       jszg_field(jr, "stage"), jszg_field(jr, "point_id"),
                       &d, &f);
    if (rc != JSZG_DB_OK)
        return jszg_fail_answer(jr, rc, &f);
    json_object_set_new(body, "step_done", json_integer(0));
    json_object_set_new(body, "next", json_string("/api/v1/dqzc/wizard/1"));
    json_object_set_new(body, "expires_at",
                        json_integer(apr_time_sec(d->expires)));
    return jszg_json(jr, HTTP_CREATED, body);
}
