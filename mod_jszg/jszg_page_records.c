/*
 * jszg_page_records.c -- the pages of 查询报名信息 (manual §3.2): the list,
 * and per record 注意事项, 详情 with the photo, 修改, 申请表预览, the PDF
 * and 有留言.  Services: jszg_records.c.  Shared with the JSON twins
 * (jszg_page_records_api.c): jszg_rec_need() and jszg_rec_edit_input().
 */
#include "jszg_records.h"
#include "apr_strings.h"

#define TITLE_LIST "查询中小学教师定期注册报名信息"
#define MSG_NO_RECORD "没有找到该报名号的报名信息。请核对报名号，或在查询" \
                      "报名信息中查看您的全部报名记录。"

/* The applicant and the record of {regno}, or the answer: 401, 404 (not
 * theirs, unknown or malformed -- the same 404 for all), 503.  DECLINED
 * when both are there. */
int jszg_rec_need(jszg_req *jr, jszg_applicant *a, jszg_record *rec)
{
    int rc;

    if ((rc = jszg_wz_need_applicant(jr, a)) != DECLINED)
        return rc;
    rc = jszg_rec_load(jr, a, jszg_param(jr, "regno"), rec);
    if (rc == JSZG_DB_NOTFOUND)
        return jszg_rec_refused(jr, HTTP_NOT_FOUND, "not_found",
                                "没有找到该报名信息", MSG_NO_RECORD, NULL);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    return DECLINED;
}

int jszg_rec_refused(jszg_req *jr, int status, const char *code,
                     const char *title, const char *message,
                     const char *reg_no)
{
    json_t *d;

    if (jr->is_api)
        return jszg_error(jr, status, code, message);
    d = jszg_wz_page(jr, title, NULL);
    json_object_set_new(d, "heading", json_string(title));
    json_object_set_new(d, "message", json_string(message));
    json_object_set_new(d, "code", json_string(code));
    if (reg_no)
        json_object_set_new(d, "record_href", json_string(apr_pstrcat(
            jr->pool, "/platform/dqzc/records/", reg_no, NULL)));
    jszg_crumbs(jr, d, "首页", "/", "业务平台", "/platform", "查询报名信息",
                "/platform/dqzc/records", title, NULL, NULL);
    return jszg_render(jr, status, "records_refused", d);
}

/* The posted values of 修改 over the saved ones: a client may send only
 * what changes (the page always sends everything), and the whole result
 * is validated again. */
json_t *jszg_rec_edit_input(jszg_req *jr, const jszg_record *rec)
{
    static const char *const extra[] = {
        "stage", "subject", "point_id", "grad_school_name", NULL
    };
    json_t *in = jszg_pool_json(jr->pool, json_deep_copy(
                    json_object_get(rec->data, "person")));
    json_t *posted = jszg_wz_form(jr, jszg_wz_person_fields(jr->pool), 0);

    if (!json_is_object(in))
        in = jszg_pool_json(jr->pool, json_object());
    json_object_set(in, "cert_no", json_object_get(rec->row, "cert_no"));
    json_object_set(in, "stage", json_object_get(rec->row, "stage"));
    json_object_set(in, "subject", json_object_get(rec->row, "subject"));
    json_object_set(in, "point_id", json_object_get(rec->row, "point_id"));
    json_object_update(in, posted);
    json_object_update(in, jszg_wz_form(jr, extra, 0));
    return in;
}

const unsigned char *jszg_rec_photo_part(jszg_req *jr, apr_size_t *len)
{
    const jszg_form_field *ph = jszg_form_find(jr->form, "photo");

    *len = 0;
    if (!ph || !ph->filename || !ph->len)
        return NULL;
    *len = ph->len;
    return (const unsigned char *)ph->value;
}

static void record_crumbs(jszg_req *jr, json_t *d, const char *reg_no,
                          const char *here)
{
    jszg_crumbs(jr, d, "首页", "/", "业务平台", "/platform", "查询报名信息",
                "/platform/dqzc/records", here ? reg_no : "报名信息详情",
                here ? apr_pstrcat(jr->pool, "/platform/dqzc/records/",
                                   reg_no, NULL) : NULL,
                here, NULL, NULL);
}

/* ---- 查询报名信息 ------------------------------------------------------------ */

int jszg_page_records(jszg_req *jr)
{
    jszg_applicant a;
    json_t *d, *current, *history;
    long cycle;
    int rc;

    if ((rc = jszg_wz_need_applicant(jr, &a)) != DECLINED)
        return rc;
    if ((rc = jszg_rec_list(jr, &a, &current, &history, &cycle))
        != JSZG_DB_OK)
        return jszg_db_status(rc);
    d = jszg_wz_page(jr, TITLE_LIST, NULL);
    json_object_set(d, "current", current);
    json_object_set(d, "history", history);
    json_object_set_new(d, "cycle", json_integer(cycle));
    json_object_set(d, "explanations", jszg_rec_explanations(jr));
    jszg_crumbs(jr, d, "首页", "/", "业务平台", "/platform", "查询报名信息",
                NULL, NULL);
    return jszg_render(jr, HTTP_OK, "records_list", d);
}

/* ---- 详情, 注意事项, the photo ----------------------------------------------- */

int jszg_page_record(jszg_req *jr)
{
    jszg_applicant a;
    jszg_record rec;
    json_t *d;
    int rc;

    if ((rc = jszg_rec_need(jr, &a, &rec)) != DECLINED)
        return rc;
    d = jszg_wz_page(jr, "定期注册报名信息详情", NULL);
    if ((rc = jszg_rec_detail(jr, &a, &rec, d)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    record_crumbs(jr, d, rec.reg_no, NULL);
    return jszg_render(jr, HTTP_OK, "records_detail", d);
}

int jszg_page_record_notes(jszg_req *jr)
{
    jszg_applicant a;
    jszg_record rec;
    jszg_draft nd;
    json_t *d, *app;
    int rc;

    if ((rc = jszg_rec_need(jr, &a, &rec)) != DECLINED)
        return rc;
    d = jszg_wz_page(jr, "注意事项", NULL);
    /* 申报提醒 as step 7 showed it, and the institution's notes of step
     * 5: the wizard's own services, for an already submitted record */
    if ((rc = jszg_wz_application(jr, &a, rec.reg_no, &app)) != JSZG_DB_OK)
        return jszg_db_status(rc);     /* app: a row of a pooled result */
    memset(&nd, 0, sizeof(nd));
    nd.data = jszg_pool_json(jr->pool, json_pack("{s:{s:O}}", "choice",
                             "institution_id", json_object_get(rec.row,
                                                      "institution_id")));
    if ((rc = jszg_wz_notes(jr, &nd, d)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set(d, "app", app);
    json_object_set_new(d, "href_detail", json_string(apr_pstrcat(jr->pool,
                        "/platform/dqzc/records/", rec.reg_no, NULL)));
    record_crumbs(jr, d, rec.reg_no, "注意事项");
    return jszg_render(jr, HTTP_OK, "records_notes", d);
}

int jszg_page_record_photo(jszg_req *jr)
{
    jszg_applicant a;
    jszg_record rec;
    const unsigned char *buf;
    apr_size_t len;
    int rc;

    if ((rc = jszg_rec_need(jr, &a, &rec)) != DECLINED)
        return rc;
    if (jszg_rec_photo(jr, &rec, &buf, &len) != JSZG_DB_OK)
        return jszg_error(jr, HTTP_NOT_FOUND, NULL, NULL);
    jszg_no_store(jr->r);
    /* an upload is never a page of the site (issue 8) */
    apr_table_setn(jr->r->headers_out, "Content-Disposition",
                   "inline; filename=\"photo.jpg\"");
    return jszg_send(jr->r, HTTP_OK, "image/jpeg", buf, len);
}

/* ---- 修改 ---------------------------------------------------------------- */

/* The edit form; values NULL = as saved.  version: the token the form
 * carries -- the posted one again after a refusal, so that a stale form
 * stays stale however often it is corrected. */
static int render_edit(jszg_req *jr, const jszg_applicant *a,
                       const jszg_record *rec, json_t *values,
                       const char *version, const jszg_fail *f, int status,
                       json_t **page)
{
    json_t *d = jszg_wz_page(jr, "修改定期注册报名信息", NULL);
    int rc;

    if ((rc = jszg_rec_edit_data(jr, a, rec, values, d)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    json_object_set_new(d, "version", json_string(version ? version : ""));
    json_object_set_new(d, "action", json_string(apr_pstrcat(jr->pool,
                        "/platform/dqzc/records/", rec->reg_no, "/edit",
                        NULL)));
    if (f)
        jszg_fail_page(d, f, NULL);
    record_crumbs(jr, d, rec->reg_no, "修改");
    if (page) {
        *page = d;
        return DECLINED;
    }
    return jszg_render(jr, status, "records_edit", d);
}

int jszg_page_record_edit(jszg_req *jr)
{
    jszg_applicant a;
    jszg_record rec;
    int rc;

    if ((rc = jszg_rec_need(jr, &a, &rec)) != DECLINED)
        return rc;
    if (!rec.editable)
        return jszg_rec_refused(jr, HTTP_CONFLICT, "not_editable",
                                "该报名信息不能修改", apr_pstrcat(jr->pool,
                                "该报名信息当前的注册结论为“", rec.status,
                                "”。只有注册结论为“" JSZG_ST_PENDING
                                "”时才能修改定期注册报名信息。如需修改，"
                                "请联系注册审批机构是否可以调整注册结论为“"
                                JSZG_ST_PENDING "”。", NULL),
                                rec.reg_no);
    return render_edit(jr, &a, &rec, NULL, rec.version, NULL, HTTP_OK,
                       NULL);
}

/* 查询 / 新增学校 without JavaScript: the form again, values as posted. */
static int edit_school(jszg_req *jr, const jszg_applicant *a,
                       const jszg_record *rec, json_t *values,
                       const char *action)
{
    jszg_fail f = JSZG_FAIL(jr->pool);
    json_t *page, *rows = NULL, *row = NULL;
    int rc;

    if (!strcmp(action, "search_school"))
        rc = jszg_wz_school_search(jr, a->id, jszg_field(jr, "school_q"),
                                   &rows, &f);
    else
        rc = jszg_wz_school_add(jr, a, jszg_field(jr, "new_school_name"),
                                jszg_field(jr, "new_school_kind"), &row, &f);
    if (rc != JSZG_DB_OK && rc != JSZG_REFUSED)
        return jszg_db_status(rc);
    if (row) {
        json_object_set(values, "grad_school", json_object_get(row, "id"));
        json_object_set(values, "grad_school_name",
                        json_object_get(row, "name"));
    }
    rc = render_edit(jr, a, rec, values, jszg_field(jr, "version"),
                     f.code ? &f : NULL, 0, &page);
    if (rc != DECLINED)
        return rc;
    if (rows) {
        json_object_set(page, "school_results", rows);
        if (!json_array_size(rows))
            json_object_set_new(page, "school_none", json_string(
                "未查询到该学校，可点击【新增学校】添加。"));
    }
    json_object_set_new(page, "school_q", json_string(
        jszg_field(jr, "school_q") ? jszg_field(jr, "school_q") : ""));
    if (row)
        json_object_set_new(page, "school_added", json_string(apr_pstrcat(
            jr->pool, "已选择学校：", json_string_value(json_object_get(row,
            "name")), NULL)));
    return jszg_render(jr, f.code ? f.status : HTTP_OK, "records_edit",
                       page);
}

int jszg_page_record_save(jszg_req *jr)
{
    const char *action = jszg_field(jr, "action");
    const char *version = jszg_field(jr, "version");
    jszg_fail f = JSZG_FAIL(jr->pool);
    const unsigned char *photo;
    apr_size_t plen;
    jszg_applicant a;
    jszg_record rec;
    json_t *in;
    int rc;

    if ((rc = jszg_rec_need(jr, &a, &rec)) != DECLINED)
        return rc;
    if (!rec.editable)
        return jszg_page_record_edit(jr);
    in = jszg_rec_edit_input(jr, &rec);
    if (action && (!strcmp(action, "search_school")
                   || !strcmp(action, "add_school")))
        return edit_school(jr, &a, &rec, in, action);
    if (action && !strcmp(action, "refresh"))
        return render_edit(jr, &a, &rec, in, version, NULL, HTTP_OK, NULL);
    photo = jszg_rec_photo_part(jr, &plen);
    rc = jszg_rec_save(jr, &a, &rec, version, in, photo, plen, &f);
    if (rc == JSZG_DB_OK) {
        jszg_wz_flash(jr, "报名信息已修改。请查看下面的报名信息详情，确认信息"
                      "是否正确；申请表已按新信息生成，可立即预览和下载。");
        return jszg_redirect(jr, apr_pstrcat(jr->pool,
                             "/platform/dqzc/records/", rec.reg_no, NULL));
    }
    if (rc != JSZG_REFUSED)
        return jszg_db_status(rc);
    if (f.code && !strcmp(f.code, "stale_edit")) {
        /* not merged: the latest record, its token, and why */
        if ((rc = jszg_rec_need(jr, &a, &rec)) != DECLINED)
            return rc;
        return render_edit(jr, &a, &rec, NULL, rec.version, &f, f.status,
                           NULL);
    }
    if (photo && !jszg_fail_field_get(&f, "photo"))
        jszg_fail_field(&f, "photo", "photo_again",
                        "本次修改未保存，照片也未更换：请修改标红的项目"
                        "后重新选择照片并提交。");
    return render_edit(jr, &a, &rec, in, version, &f, f.status, NULL);
}

/* ---- 申请表预览 and 下载 ------------------------------------------------------ */

int jszg_page_record_form(jszg_req *jr)
{
    jszg_applicant a;
    jszg_record rec;
    json_t *d;
    int rc;

    if ((rc = jszg_rec_need(jr, &a, &rec)) != DECLINED)
        return rc;
    d = jszg_wz_page(jr, "教师资格定期注册申请表", NULL);
    if ((rc = jszg_rec_form(jr, &a, &rec, d)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    record_crumbs(jr, d, rec.reg_no, "申请表预览");
    return jszg_render(jr, HTTP_OK, "records_form", d);
}

int jszg_page_record_pdf(jszg_req *jr)
{
    jszg_applicant a;
    jszg_record rec;
    const unsigned char *pdf;
    apr_size_t len;
    int rc;

    if ((rc = jszg_rec_need(jr, &a, &rec)) != DECLINED)
        return rc;
    if ((rc = jszg_rec_pdf(jr, &a, &rec, &pdf, &len)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_no_store(jr->r);
    /* ASCII name for old clients, the Chinese one per RFC 6266 */
    apr_table_setn(jr->r->headers_out, "Content-Disposition",
                   apr_psprintf(jr->pool, "attachment; filename=\"jszg-%s"
                                ".pdf\"; filename*=UTF-8''%%E6%%95%%99%%E5"
                                "%%B8%%88%%E8%%B5%%84%%E6%%A0%%BC%%E5%%AE"
                                "%%9A%%E6%%9C%%9F%%E6%%B3%%A8%%E5%%86%%8C"
                                "%%E7%%94%%B3%%E8%%AF%%B7%%E8%%A1%%A8-%s.pdf",
                                rec.reg_no, rec.reg_no));
    return jszg_send(jr->r, HTTP_OK, "application/pdf", pdf, len);
}

/* ---- 有留言 --------------------------------------------------------------- */

int jszg_page_record_messages(jszg_req *jr)
{
    jszg_applicant a;
    jszg_record rec;
    json_t *d, *rows;
    int rc;

    if ((rc = jszg_rec_need(jr, &a, &rec)) != DECLINED)
        return rc;
    if ((rc = jszg_rec_messages(jr, &a, &rec, &rows)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    d = jszg_wz_page(jr, "留言", NULL);
    json_object_set(d, "messages", rows);
    json_object_set_new(d, "reg_no", json_string(rec.reg_no));
    json_object_set(d, "status", json_object_get(rec.row, "status"));
    json_object_set_new(d, "href_detail", json_string(apr_pstrcat(jr->pool,
                        "/platform/dqzc/records/", rec.reg_no, NULL)));
    record_crumbs(jr, d, rec.reg_no, "留言");
    return jszg_render(jr, HTTP_OK, "records_messages", d);
}
