/*
 * jszg_admin_apps_pages.c -- pages and JSON API of the staff workflows:
 * 详情 with photo and rule check, 现场确认,
 * 重新开放, 注册结论 (single and bulk), the 待注册审批 queue.  Every
 * handler calls the services of jszg_admin_apps.c and only decides how
 * to answer.
 */
#include "jszg_admin.h"
#include "jszg_rules.h"
#include "jszg_fields.h"
#include "jszg_pager.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_file_io.h"
#include "apr_file_info.h"

#define MAX_UPLOAD_SEND (8 * 1024 * 1024)

/* ---- serving uploads (photos, ID images) --------------------------------- */

/* A relative path the wizard or the account code wrote: no "..", no
 * absolute path, only plain characters. */
static int rel_path_ok(const char *rel)
{
    const char *c;

    if (!rel || !*rel || *rel == '/' || strstr(rel, ".."))
        return 0;
    for (c = rel; *c; c++)
        if (!(apr_isalnum(*c) || strchr("/._-", *c)))
            return 0;
    return 1;
}

static const char *sniff_type(const unsigned char *b, apr_size_t n,
                              const char **ext)
{
    if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) {
        *ext = "jpg";
        return "image/jpeg";
    }
    if (n >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8)) {
        *ext = "png";
        return "image/png";
    }
    *ext = "bin";
    return "application/octet-stream";
}

/* Uploads live outside the web root (JszgUploadDir): served only here,
 * after the caller's scope check, with the sniffed type (never trusted
 * from the name) and a Content-Disposition naming the object. */
int jszg_admin_send_upload(jszg_req *jr, const char *rel,
                           const char *download_name)
{
    apr_file_t *f;
    apr_finfo_t fi;
    const char *path, *type, *ext;
    char *buf;
    apr_size_t n;

    if (!jr->sc->upload_dir || !rel_path_ok(rel))
        return HTTP_NOT_FOUND;
    path = apr_pstrcat(jr->pool, jr->sc->upload_dir, "/", rel, NULL);
    if (apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0,
                      jr->pool) != APR_SUCCESS)
        return HTTP_NOT_FOUND;
    if (apr_file_info_get(&fi, APR_FINFO_SIZE | APR_FINFO_TYPE, f)
        != APR_SUCCESS || fi.filetype != APR_REG || fi.size <= 0
        || fi.size > MAX_UPLOAD_SEND) {
        apr_file_close(f);
        return HTTP_NOT_FOUND;
    }
    n = (apr_size_t)fi.size;
    buf = apr_palloc(jr->pool, n);
    if (apr_file_read_full(f, buf, n, &n) != APR_SUCCESS) {
        apr_file_close(f);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_file_close(f);
    type = sniff_type((unsigned char *)buf, n, &ext);
    jszg_no_store(jr->r);
    apr_table_setn(jr->r->headers_out, "Content-Disposition",
                   apr_psprintf(jr->pool, "inline; filename=\"%s.%s\"",
                                download_name, ext));
    return jszg_send(jr->r, HTTP_OK, type, buf, n);
}

/* ---- the application as staff see it ------------------------------------- */

/* The submitted snapshot as {group, key, label, value} rows in the order
 * and with the labels of the field vocabulary (jszg_rules.h): `fields`
 * (flat, for the API) and `field_groups` (titled, for the page).  Names
 * of the institution and point come from the row; a key the vocabulary
 * does not know, or marks internal, is not shown. */
static void snapshot(jszg_req *jr, json_t *app, json_t *d)
{
    json_t *flat = json_array(), *groups = json_array();
    const char *data = jszg_jstr(app, "data");
    json_t *obj = data ? json_loads(data, 0, NULL) : NULL;

    if (json_is_object(obj))
        jszg_fields_json(jr->pool, obj, app, flat, groups);
    json_decref(obj);
    json_object_set_new(d, "fields", flat);
    json_object_set_new(d, "field_groups", groups);
}

/* 办理人 in words (jszg_rules_actor_text): the applicant by the name of
 * the application, staff by role and name (joined by the statement). */
static void event_actors(jszg_req *jr, json_t *app, json_t *events)
{
    json_t *ev;
    size_t i;
    char buf[256];

    json_array_foreach(events, i, ev) {
        const char *actor = jszg_jstr(ev, "actor"), *name;
        name = actor && !strncmp(actor, "staff:", 6)
               ? jszg_jstr(ev, "staff_name") : jszg_jstr(app, "applicant_name");
        json_object_set_new(ev, "actor_text", json_string(
            jszg_rules_actor_text(actor, jszg_jstr(ev, "staff_role"), name, buf,
                                  sizeof(buf))));
        json_object_del(ev, "actor");
        json_object_del(ev, "staff_name");
        json_object_del(ev, "staff_role");
    }
    (void)jr;
}

/* Public form of an application row: no file paths, no raw data, the
 * flag as a boolean (the string "0" would be true in a template). */
static void app_public(json_t *app)
{
    const char *m = jszg_jstr(app, "has_message");

    json_object_del(app, "photo_path");
    json_object_del(app, "data");
    json_object_set_new(app, "has_message", json_boolean(m && *m == '1'));
}

static int answer_fail(jszg_req *jr, jszg_staff *st, jszg_fail *e,
                       const char *id)
{
    if (e->status == HTTP_FORBIDDEN && !strcmp(e->code, "forbidden"))
        return jszg_admin_forbidden(jr, st, apr_pstrcat(jr->pool,
                                                        "application:",
                                                        id, NULL));
    if (e->status == HTTP_FORBIDDEN)
        return jszg_admin_error(jr, st, e->status, e->code, e->message);
    return jszg_admin_fail(jr, st, e);
}

/* ---- 详情 ------------------------------------------------------------------ */

static int detail_data(jszg_req *jr, jszg_staff *st, json_t *app,
                       json_t *d)
{
    const char *id = jszg_jstr(app, "id"), *status = jszg_jstr(app, "status");
    json_t *events, *verify;
    int rc;

    rc = jszg_db_rows(jr, "admin_app_events", &events, 1, id);
    if (rc != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_adm_verify(jr, app, &verify)) != JSZG_DB_OK)
        return rc;
    jszg_admin_times(jr, events, "at");
    event_actors(jr, app, events);
    snapshot(jr, app, d);
    json_object_set_new(d, "has_photo", json_boolean(jszg_jstr(app,
                                                          "photo_path")));
    app_public(app);
    json_object_set(d, "app", app);
    json_object_set(d, "events", events);
    json_object_set(d, "verify", verify);
    json_object_set_new(d, "photo_href", json_string(
        apr_pstrcat(jr->pool, "/admin/apps/", id, "/photo", NULL)));
    json_object_set_new(d, "confirm_href", json_string(
        apr_pstrcat(jr->pool, "/admin/apps/", id, "/confirm", NULL)));
    json_object_set_new(d, "reopen_href", json_string(
        apr_pstrcat(jr->pool, "/admin/apps/", id, "/reopen", NULL)));
    json_object_set_new(d, "decide_href", json_string(
        apr_pstrcat(jr->pool, "/admin/apps/", id, "/decide", NULL)));
    json_object_set_new(d, "show_confirm", json_boolean(
        (st->role & (JSZG_ROLE_POINT | JSZG_ROLE_SYSTEM))
        && !strcmp(status, JSZG_ST_PENDING)));
    json_object_set_new(d, "show_reopen", json_boolean(
        (st->role & (JSZG_ROLE_POINT | JSZG_ROLE_INSTITUTION
                     | JSZG_ROLE_SYSTEM))
        && !strcmp(status, JSZG_ST_REJECTED)));
    json_object_set_new(d, "correct_href", json_string(
        apr_pstrcat(jr->pool, "/admin/apps/", id, "/correct", NULL)));
    json_object_set_new(d, "show_correct", json_boolean(
        jszg_adm_correct_open(jr, st, app)));
    json_object_set_new(d, "correct_days",
                        json_integer(jr->sc->correct_days));
    json_object_set_new(d, "show_decide", json_boolean(
        (st->role & (JSZG_ROLE_INSTITUTION | JSZG_ROLE_SYSTEM))
        && !strcmp(status, JSZG_ST_CONFIRMED)));
    return JSZG_DB_OK;
}

/* What staff typed into a refused form, to fill it again: form.* for
 * the template (radios as booleans, the texts as they were). */
static json_t *form_again(jszg_req *jr)
{
    const char *result = jszg_field(jr, "result");
    const char *c = jszg_field(jr, "conclusion");
    json_t *f = json_object();
    const char *texts[] = { "missing", "message", "reason", "note",
                            "correct_reason", NULL };
    const char *to = jszg_field(jr, "correct_to");
    const char **t;

    json_object_set_new(f, "complete", json_boolean(
        result && !strcmp(result, "complete")));
    json_object_set_new(f, "incomplete", json_boolean(
        result && !strcmp(result, "incomplete")));
    json_object_set_new(f, "pass", json_boolean(c && !strcmp(c,
                                                JSZG_ST_PASS)));
    json_object_set_new(f, "defer", json_boolean(c && !strcmp(c,
                                                 JSZG_ST_DEFER)));
    json_object_set_new(f, "fail", json_boolean(c && !strcmp(c,
                                                JSZG_ST_FAIL)));
    json_object_set_new(f, "to_withdraw", json_boolean(to && !*to));
    json_object_set_new(f, "to_pass", json_boolean(to && !strcmp(to,
                                                   JSZG_ST_PASS)));
    json_object_set_new(f, "to_defer", json_boolean(to && !strcmp(to,
                                                    JSZG_ST_DEFER)));
    json_object_set_new(f, "to_fail", json_boolean(to && !strcmp(to,
                                                   JSZG_ST_FAIL)));
    for (t = texts; *t; t++) {
        const char *v = jszg_field(jr, *t);
        if (v)
            json_object_set_new(f, *t, json_string(v));
    }
    return f;
}

static int app_page(jszg_req *jr, jszg_staff *st, const char *id,
                    int status, const char *error)
{
    jszg_fail e = JSZG_FAIL(jr->pool);
    json_t *app, *d;
    int rc;

    if (jszg_adm_app_get(jr, st, id, &app, &e) != JSZG_ADM_OK)
        return answer_fail(jr, st, &e, id);
    d = jszg_admin_data(jr, st, "报名详情", "search");
    if ((rc = detail_data(jr, st, app, d)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    if (error) {
        json_object_set_new(d, "error", json_string(error));
        json_object_set_new(d, "form", form_again(jr));
    }
    jszg_admin_audit(jr, st, "application.view",
                     apr_pstrcat(jr->pool, "application:", id, NULL), NULL);
    return jszg_render_layout(jr, status, "admin/app", "admin/layout", d);
}

int jszg_admin_app_page(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);

    return app_page(jr, st, jszg_param(jr, "id"), HTTP_OK, NULL);
}

int jszg_admin_app_photo(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    json_t *app;
    const char *id = jszg_param(jr, "id");
    int rc;

    if (jszg_adm_app_get(jr, st, id, &app, &e) != JSZG_ADM_OK)
        return answer_fail(jr, st, &e, id);
    rc = jszg_admin_send_upload(jr, jszg_jstr(app, "photo_path"),
                                apr_pstrcat(jr->pool, "photo-",
                                            jszg_jstr(app, "reg_no"), NULL));
    if (rc == HTTP_NOT_FOUND)
        return jszg_admin_error(jr, st, rc, "photo_missing",
                                "该报名没有照片或照片文件已丢失。");
    return rc;
}

int jszg_admin_api_app(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    json_t *app, *b;
    const char *id = jszg_param(jr, "id");
    int rc;

    if (jszg_adm_app_get(jr, st, id, &app, &e) != JSZG_ADM_OK)
        return answer_fail(jr, st, &e, id);
    b = jszg_pool_json(jr->pool, json_object());
    if ((rc = detail_data(jr, st, app, b)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_del(b, "confirm_href");
    json_object_del(b, "reopen_href");
    json_object_del(b, "decide_href");
    json_object_del(b, "correct_href");
    json_object_set_new(b, "application", json_deep_copy(app));
    json_object_del(b, "app");
    return jszg_json(jr, HTTP_OK, b);
}

/* ---- transitions: pages and API ------------------------------------------ */

enum { ACT_CONFIRM, ACT_REOPEN, ACT_DECIDE, ACT_CORRECT };

static int act(jszg_req *jr, jszg_staff *st, int which, const char *id,
               jszg_fail *e)
{
    const char *result = jszg_field(jr, "result");
    int complete = -1;

    switch (which) {
    case ACT_CONFIRM:
        if (result && !strcmp(result, "complete"))
            complete = 1;
        else if (result && !strcmp(result, "incomplete"))
            complete = 0;
        return jszg_adm_app_confirm(jr, st, id, complete,
                                    jszg_field(jr, "missing"),
                                    jszg_field(jr, "message"), e);
    case ACT_REOPEN:
        return jszg_adm_app_reopen(jr, st, id, jszg_field(jr, "note"), e);
    case ACT_CORRECT:
        return jszg_adm_app_correct(jr, st, id, jszg_field(jr, "correct_to"),
                                    jszg_field(jr, "correct_reason"), e);
    default:
        return jszg_adm_app_decide(jr, st, id,
                                   jszg_field(jr, "conclusion"),
                                   jszg_field(jr, "reason"),
                                   jszg_field(jr, "message"), e);
    }
}

static const char *done_message(int which)
{
    switch (which) {
    case ACT_CONFIRM: return "现场确认结果已保存。";
    case ACT_REOPEN:  return "报名已重新开放，状态为“" JSZG_ST_PENDING "”。";
    case ACT_CORRECT: return "注册结论已撤销或更正，已通知申请人。";
    default:          return "注册结论已保存。";
    }
}

static int act_page(jszg_req *jr, int which)
{
    jszg_staff *st = jszg_admin_staff(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    const char *id = jszg_param(jr, "id");

    if (act(jr, st, which, id, &e) != JSZG_ADM_OK) {
        /* a refusal about the input or the status: the page again,
         * with the message above the forms */
        if (e.status == HTTP_BAD_REQUEST || e.status == HTTP_CONFLICT)
            return app_page(jr, st, id, e.status, e.message);
        return answer_fail(jr, st, &e, id);
    }
    jszg_admin_flash(jr, st, done_message(which));
    return jszg_redirect(jr, apr_pstrcat(jr->pool, "/admin/apps/", id,
                                         NULL));
}

static int act_api(jszg_req *jr, int which)
{
    jszg_staff *st = jszg_admin_staff(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    json_t *app, *b;
    const char *id = jszg_param(jr, "id");

    if (act(jr, st, which, id, &e) != JSZG_ADM_OK)
        return answer_fail(jr, st, &e, id);
    if (jszg_adm_app_get(jr, st, id, &app, &e) != JSZG_ADM_OK)
        return answer_fail(jr, st, &e, id);
    app_public(app);
    b = jszg_pool_json(jr->pool, json_object());
    json_object_set(b, "application", app);
    return jszg_json(jr, HTTP_OK, b);
}

#define BULK_NOT_FOUND "未找到该报名（报名号不存在或不在您的管辖范围内）。"

int jszg_admin_app_confirm_post(jszg_req *jr)
{
    return act_page(jr, ACT_CONFIRM);
}

int jszg_admin_app_reopen_post(jszg_req *jr)
{
    return act_page(jr, ACT_REOPEN);
}

int jszg_admin_app_decide_post(jszg_req *jr)
{
    return act_page(jr, ACT_DECIDE);
}

int jszg_admin_api_confirm(jszg_req *jr)
{
    return act_api(jr, ACT_CONFIRM);
}

int jszg_admin_api_reopen(jszg_req *jr)
{
    return act_api(jr, ACT_REOPEN);
}

int jszg_admin_api_decide(jszg_req *jr)
{
    return act_api(jr, ACT_DECIDE);
}

int jszg_admin_app_correct_post(jszg_req *jr)
{
    return act_page(jr, ACT_CORRECT);
}

int jszg_admin_api_correct(jszg_req *jr)
{
    return act_api(jr, ACT_CORRECT);
}

/* ---- 待注册审批 queue and bulk decisions ------------------------------------- */

/* no 学段 (all) or one of the rules core's */
static int stage_ok(const char *s)
{
    return !s || !*s || jszg_rules_is_stage(s);
}

/* The 待注册审批 queue as asked for by ?stage=&q=&page= (or, for a
 * refused bulk decision, by the same fields of its form), for the page
 * and its JSON twin. */
typedef struct {
    const char *stage, *q;
    long page, total, pages;    /* pages: a lower bound when capped */
    int capped, more;
    json_t *rows;
} queue_view;

static int queue_load(jszg_req *jr, jszg_staff *st, queue_view *v,
                      int from_form, jszg_fail *e)
{
    int bad;

    if (from_form) {
        v->stage = jszg_field(jr, "stage");
        v->q = jszg_field(jr, "q");
        bad = jszg_page_parse(jszg_field(jr, "page"), &v->page)
              != JSZG_PAGE_OK || v->page > 100000;
    }
    else {
        v->stage = jszg_query(jr, "stage");
        v->q = jszg_query(jr, "q");
        bad = jszg_query_int(jr, "page", 1, 100000, 1, &v->page) < 0;
    }
    if (v->stage && !*v->stage)
        v->stage = NULL;
    if (v->q && !*v->q)
        v->q = NULL;
    if (bad || !stage_ok(v->stage) || (v->q && strlen(v->q) > 32))
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "bad_filter",
                             "筛选条件不正确。");
    if (jszg_adm_queue(jr, st, JSZG_ST_CONFIRMED, v->stage, v->q, v->page,
                       &v->rows, &v->total, &v->capped, &v->more, e)
        != JSZG_ADM_OK)
        return e->status;
    /* the page count of the (possibly capped) total; past the end, the
     * page says so instead of showing an empty table (a capped queue
     * ends where its rows do) */
    v->pages = v->total ? (v->total - 1) / jr->sc->page_size + 1 : 1;
    if (v->page > 1 && (v->capped ? !json_array_size(v->rows)
                                  : v->page > v->pages))
        return jszg_fail_set(e, HTTP_NOT_FOUND, "page_not_found",
                             apr_psprintf(jr->pool, "第 %ld 页不存在："
                                          "共 %ld 条%s，%ld 页%s。",
                                          v->page, v->total,
                                          v->capped ? "以上" : "",
                                          v->pages,
                                          v->capped ? "以上" : ""));
    return JSZG_ADM_OK;
}

static const char *queue_href(jszg_req *jr, const queue_view *v, long page)
{
    return apr_psprintf(jr->pool, "/admin/queue?page=%ld&stage=%s&q=%s",
                        page,
                        ap_escape_urlencoded(jr->pool,
                                             v->stage ? v->stage : ""),
                        ap_escape_urlencoded(jr->pool, v->q ? v->q : ""));
}

/* The queue page's data; `picked` the conclusion to preselect (NULL:
 * the first). */
static json_t *queue_data(jszg_req *jr, jszg_staff *st, const queue_view *v,
                          const char *picked)
{
    json_t *d = jszg_admin_data(jr, st, JSZG_ST_CONFIRMED, "queue");
    json_t *opts = json_array(), *cs = json_array();
    int i;

    for (i = 0; jszg_rules_stages[i]; i++)
        json_array_append_new(opts, json_pack("{s:s, s:b}", "name",
                              jszg_rules_stages[i], "selected",
                              v->stage
                              && !strcmp(v->stage, jszg_rules_stages[i])));
    json_object_set_new(d, "stages", opts);
    for (i = 0; jszg_rules_conclusions[i]; i++)
        json_array_append_new(cs, json_pack("{s:s, s:b}", "name",
                              jszg_rules_conclusions[i], "selected",
                              picked && !strcmp(picked, jszg_rules_conclusions[i])));
    json_object_set_new(d, "conclusions", cs);
    json_object_set(d, "rows", v->rows);
    /* a capped total is shown as "共 1000 条以上" */
    json_object_set_new(d, "total", json_integer(v->total));
    json_object_set_new(d, "total_capped", json_boolean(v->capped));
    json_object_set_new(d, "empty", json_boolean(v->total == 0));
    json_object_set_new(d, "page", json_integer(v->page));
    json_object_set_new(d, "pages", json_integer(v->pages));
    if (v->stage)
        json_object_set_new(d, "stage", json_string(v->stage));
    if (v->q)
        json_object_set_new(d, "q", json_string(v->q));
    if (v->page > 1)
        json_object_set_new(d, "prev_href",
                            json_string(queue_href(jr, v, v->page - 1)));
    if (v->more)
        json_object_set_new(d, "next_href",
                            json_string(queue_href(jr, v, v->page + 1)));
    json_object_set_new(d, "can_bulk", json_boolean(st->role
                        & (JSZG_ROLE_INSTITUTION | JSZG_ROLE_SYSTEM)));
    return d;
}

int jszg_admin_queue(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    queue_view v;

    if (queue_load(jr, st, &v, 0, &e) != JSZG_ADM_OK)
        return jszg_admin_fail(jr, st, &e);
    return jszg_render_layout(jr, HTTP_OK, "admin/queue", "admin/layout",
                              queue_data(jr, st, &v, NULL));
}

/* GET /admin/api/queue: the same rows, total (at most QUEUE_COUNT_CAP,
 * with total_capped) and whether a next page has rows. */
int jszg_admin_api_queue(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    queue_view v;
    json_t *b;

    if (queue_load(jr, st, &v, 0, &e) != JSZG_ADM_OK)
        return jszg_admin_fail(jr, st, &e);
    b = jszg_pool_json(jr->pool, json_object());
    json_object_set(b, "applications", v.rows);
    json_object_set_new(b, "total", json_integer(v.total));
    json_object_set_new(b, "total_capped", json_boolean(v.capped));
    json_object_set_new(b, "page", json_integer(v.page));
    json_object_set_new(b, "pages", json_integer(v.pages));
    json_object_set_new(b, "per_page", json_integer(jr->sc->page_size));
    json_object_set_new(b, "has_next", json_boolean(v.more));
    return jszg_json(jr, HTTP_OK, b);
}

/* One selected application of a bulk decision: by 报名号 (the queue's
 * checkboxes) or by id (older clients).  *label is the 报名号 to show.
 * The request's own checks (jszg_adm_decide_check) passed already. */
static int bulk_one(jszg_req *jr, jszg_staff *st, const jszg_form_field *f,
                    const char *conclusion, const char *reason,
                    const char *message, const char **label, json_t **app,
                    jszg_fail *e)
{
    const char *id = f->value;
    json_t *row;
    int rc;

    *label = strcmp(f->name, "reg_no") ? "—" : f->value;
    *app = NULL;
    if (!strcmp(f->name, "reg_no")) {
        rc = strlen(f->value) > 32 ? JSZG_DB_NOTFOUND
             : jszg_db_row(jr, "admin_app_by_regno", &row, 1, f->value);
        if (rc == JSZG_DB_NOTFOUND)
            return jszg_fail_set(e, HTTP_NOT_FOUND, "not_found",
                                 BULK_NOT_FOUND);
        if (rc != JSZG_DB_OK)
            return jszg_fail_set(e, jszg_db_status(rc), "db_error",
                                 "数据库暂时不可用，请稍后重试。");
        id = jszg_jstr(row, "id");
    }
    rc = jszg_adm_app_get(jr, st, id, app, e);
    if (rc == JSZG_ADM_OK)
        *label = jszg_jstr(*app, "reg_no");
    else if (e->status == HTTP_FORBIDDEN) {
        /* logged and audited, answered as if it did not exist */
        jszg_admin_denied(jr, st, apr_pstrcat(jr->pool, "application:", id,
                                              NULL));
        return jszg_fail_set(e, HTTP_NOT_FOUND, "not_found",
                             BULK_NOT_FOUND);
    }
    else if (e->status == HTTP_NOT_FOUND)
        return jszg_fail_set(e, HTTP_NOT_FOUND, "not_found",
                             BULK_NOT_FOUND);
    if (rc != JSZG_ADM_OK)
        return rc;
    return jszg_adm_app_decide(jr, st, id, conclusion, reason, message, e);
}

/* The ticked applications of a bulk decision: its reg_no (and, from
 * older clients, id) fields in form order. */
static apr_array_header_t *bulk_selection(jszg_req *jr)
{
    apr_array_header_t *out = apr_array_make(jr->pool, 16,
                                             sizeof(jszg_form_field *));
    int i;

    for (i = 0; jr->form && i < jr->form->nelts; i++) {
        jszg_form_field *f = &APR_ARRAY_IDX(jr->form, i, jszg_form_field);
        if (!f->filename && (!strcmp(f->name, "id")
                             || !strcmp(f->name, "reg_no")))
            APR_ARRAY_PUSH(out, jszg_form_field *) = f;
    }
    return out;
}

/* A bulk decision refused as a whole (no reason for 暂缓注册, nothing
 * ticked, ...): the queue's form again, on the page it was sent from,
 * with the ticked boxes still ticked (those no longer on that page
 * listed under it, ticked), the conclusion, reason and 留言 as typed
 * and the error beside its field. */
static int bulk_again(jszg_req *jr, jszg_staff *st,
                      apr_array_header_t *sel, const jszg_fail *refusal)
{
    jszg_fail e = JSZG_FAIL(jr->pool);
    queue_view v;
    json_t *d, *row, *extra, *errs;
    const char *texts[] = { "reason", "message", NULL };
    const char **t;
    size_t j;
    int i, found;

    if (queue_load(jr, st, &v, 1, &e) != JSZG_ADM_OK) {
        /* the page it came from is gone (decided meanwhile): page 1 */
        if (e.status != HTTP_NOT_FOUND && e.status != HTTP_BAD_REQUEST)
            return jszg_admin_fail(jr, st, &e);
        jszg_fail_clear(&e);
        if (jszg_adm_queue(jr, st, JSZG_ST_CONFIRMED, NULL, NULL, 1, &v.rows,
                           &v.total, &v.capped, &v.more, &e) != JSZG_ADM_OK)
            return jszg_admin_fail(jr, st, &e);
        v.stage = v.q = NULL;
        v.page = 1;
        v.pages = v.total ? (v.total - 1) / jr->sc->page_size + 1 : 1;
    }
    d = queue_data(jr, st, &v, jszg_field(jr, "conclusion"));
    extra = json_array();
    errs = json_object();
    json_object_set_new(d, "extra_checked", extra);
    json_object_set_new(d, "errors", errs);
    for (i = 0; i < sel->nelts; i++) {
        jszg_form_field *f = APR_ARRAY_IDX(sel, i, jszg_form_field *);
        found = 0;
        if (!strcmp(f->name, "reg_no"))
            json_array_foreach(v.rows, j, row)
                if (!strcmp(jszg_jstr(row, "reg_no") ? jszg_jstr(row,
                                                        "reg_no") : "",
                            f->value)) {
                    json_object_set_new(row, "checked", json_true());
                    found = 1;
                }
        if (!found)
            json_array_append_new(extra, json_pack("{s:s, s:s}", "name",
                                                   f->name, "value",
                                                   f->value));
    }
    json_object_set_new(d, "error", json_string(refusal->message));
    if (refusal->fields)
        for (i = 0; i < refusal->fields->nelts; i++) {
            jszg_fail_field_t *ff = &APR_ARRAY_IDX(refusal->fields, i,
                                                   jszg_fail_field_t);
            json_object_set_new(errs, ff->field, json_string(ff->message));
        }
    json_object_set_new(d, "has_extra", json_boolean(json_array_size(extra)));
    for (t = texts; *t; t++) {
        const char *val = jszg_field(jr, *t);
        if (val)
            json_object_set_new(d, apr_pstrcat(jr->pool, "f_", *t, NULL),
                                json_string(val));
    }
    /* an empty queue still shows the form while boxes are ticked */
    if (json_array_size(extra))
        json_object_set_new(d, "empty", json_false());
    return jszg_render_layout(jr, refusal->status, "admin/queue",
                              "admin/layout", d);
}

/* What is asked of the request as a whole is checked once, before any
 * application (a refusal keeps the form: bulk_again); then each
 * selected application is its own transaction: one refused (moved
 * meanwhile, out of scope, not there) does not undo the others.  The
 * answer lists by 报名号 what was saved (with the conclusion and reason)
 * and what was not, and why; an application outside the scope reads
 * exactly like one that does not exist.  The JSON twin
 * (POST /admin/api/queue/decide) answers 200 with both lists whenever
 * the request itself was acceptable. */
int jszg_admin_bulk_decide_post(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    const char *conclusion = jszg_field(jr, "conclusion");
    const char *reason = jszg_field(jr, "reason");
    const char *message = jszg_field(jr, "message");
    apr_array_header_t *sel = bulk_selection(jr);
    int i;
    json_t *d, *saved, *failures, *app;

    if (jszg_adm_decide_check(jr, st, conclusion, &reason, &message, &e)
        == JSZG_ADM_OK && !sel->nelts)
        jszg_fail_set(&e, HTTP_BAD_REQUEST, "none_selected",
                      "请先勾选要审批的报名。");
    if (e.status) {
        if (jr->is_api || e.status != HTTP_BAD_REQUEST)
            return jszg_admin_fail(jr, st, &e);
        return bulk_again(jr, st, sel, &e);
    }
    saved = jszg_pool_json(jr->pool, json_array());
    failures = jszg_pool_json(jr->pool, json_array());
    for (i = 0; i < sel->nelts; i++) {
        const jszg_form_field *f = APR_ARRAY_IDX(sel, i, jszg_form_field *);
        const char *label;
        jszg_fail_clear(&e);
        if (bulk_one(jr, st, f, conclusion, reason, message, &label, &app,
                     &e) == JSZG_ADM_OK) {
            json_array_append_new(saved, json_pack("{s:s, s:s?, s:s}",
                                  "reg_no", label, "name",
                                  jszg_jstr(app, "applicant_name"),
                                  "conclusion", conclusion));
            continue;
        }
        if (e.status >= 500)
            return e.status;
        json_array_append_new(failures, json_pack("{s:s, s:s, s:s}",
                              "reg_no", label, "code", e.code,
                              "message", e.message));
    }
    if (jr->is_api) {
        json_t *b = jszg_pool_json(jr->pool, json_object());
        json_object_set_new(b, "conclusion", json_string(conclusion));
        if (reason)
            json_object_set_new(b, "reason", json_string(reason));
        json_object_set(b, "saved", saved);
        json_object_set(b, "failures", failures);
        return jszg_json(jr, HTTP_OK, b);
    }
    d = jszg_admin_data(jr, st, "批量审批结果", "queue");
    json_object_set_new(d, "ok", json_integer(json_array_size(saved)));
    json_object_set_new(d, "bad", json_integer(json_array_size(failures)));
    json_object_set(d, "saved", saved);
    json_object_set(d, "failures", failures);
    json_object_set_new(d, "conclusion", json_string(conclusion));
    if (reason)
        json_object_set_new(d, "reason", json_string(reason));
    return jszg_render_layout(jr, json_array_size(failures) ? HTTP_CONFLICT
                              : HTTP_OK, "admin/bulk_result",
                              "admin/layout", d);
}
