/*
 * jszg_wizard.c -- the services of 定期注册 (see jszg_wizard.h), the
 * shared part: refusals and field errors, dropdown options, today, the
 * photo uploads, the applicant, the draft and its steps (须知, mark done,
 * 放弃).  The rest by concern (jszg_wizard_int.h lists them): the person
 * (step 2), the choice of institution (windows, selects, 确认点), the
 * certificates and schools, the submission and records; 证书查询 is
 * jszg_cert_query.c.  No request_rec output here: handlers in
 * jszg_page_wizard*.c and jszg_page_cert.c turn results into pages or
 * JSON.
 */
#include "jszg_wizard_int.h"
#include "jszg_directory.h"
#include "jszg_jpeg.h"
#include "apr_file_io.h"

const char *const jszg_wz_subjects[] = {
    "语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理",
    "思想政治", "道德与法治", "科学", "音乐", "体育", "美术",
    "信息技术", "通用技术", "心理健康教育", "劳动", "社会", "日语",
    "俄语", "幼儿园", "特殊教育", "专业课", "实习指导", "其他", NULL
};

json_t *jszg_wz_options(const char *const *list, const char *selected)
{
    json_t *out = json_array();

    for (; *list; list++)
        json_array_append_new(out, json_pack("{s:s, s:b}", "value", *list,
                                             "selected", selected
                                             && !strcmp(*list, selected)));
    return out;
}

json_t *jszg_wz_cert_kinds(const char *selected)
{
    return jszg_wz_options(jszg_rules_cert_kinds, selected);
}

const char *jszg_wz_today(jszg_req *jr)
{
    char buf[24];

    return apr_pstrdup(jr->pool, jszg_rules_beijing_text(
        apr_time_sec(jr->now), JSZG_FMT_DATE, buf, sizeof(buf)));
}

/* ---- uploads ------------------------------------------------------------ */

const char *jszg_wz_upload_path(jszg_req *jr, const char *rel)
{
    return apr_pstrcat(jr->pool, jr->sc->upload_dir, "/", rel, NULL);
}

/* Write a checked photo under JszgUploadDir/<dir>/<account>/: the
 * relative path, or NULL (logged). */
const char *jszg_wz_save_upload(jszg_req *jr, const char *dir,
                                const char *account_id,
                                const unsigned char *buf, apr_size_t len)
{
    const char *tok = jszg_random_token(jr->pool, 18);
    const char *sub = apr_pstrcat(jr->pool, dir, "/", account_id, NULL);
    const char *rel, *path;
    apr_file_t *f;
    apr_size_t n = len;
    apr_status_t rv;

    if (!tok)
        return NULL;
    rel = apr_pstrcat(jr->pool, sub, "/", tok, ".jpg", NULL);
    path = jszg_wz_upload_path(jr, rel);
    rv = apr_dir_make_recursive(jszg_wz_upload_path(jr, sub),
                                APR_FPROT_UREAD | APR_FPROT_UWRITE
                                | APR_FPROT_UEXECUTE | APR_FPROT_GREAD
                                | APR_FPROT_GEXECUTE, jr->pool);
    if (rv == APR_SUCCESS)
        rv = apr_file_open(&f, path, APR_FOPEN_CREATE | APR_FOPEN_WRITE
                           | APR_FOPEN_EXCL | APR_FOPEN_BINARY,
                           APR_FPROT_UREAD | APR_FPROT_UWRITE, jr->pool);
    if (rv == APR_SUCCESS) {
        apr_status_t cv;
        rv = apr_file_write_full(f, buf, len, &n);
        cv = apr_file_close(f);
        if (rv == APR_SUCCESS)
            rv = cv;
        if (rv != APR_SUCCESS)      /* disk full: no half-written photo */
            apr_file_remove(path, jr->pool);
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, jr->r, JSZGLOGNO(16001)
                      "cannot store an uploaded photo as %s", path);
        return NULL;
    }
    return rel;
}

/* Check a photo; on failure a field error on `field`. */
int jszg_wz_photo_ok(jszg_req *jr, jszg_fail *f, const char *field,
                     const unsigned char *buf, apr_size_t len, int scan)
{
    jszg_jpeg_rules rules;
    jszg_jpeg_info info;
    jszg_jpeg_status st;
    const jszg_form_field *ff;
    const char *msg;

    if (scan)
        jszg_jpeg_scan_rules(&rules);
    else
        jszg_jpeg_photo_rules(&rules);
    st = jszg_jpeg_check(buf, len, &rules, &info);
    if (st == JSZG_JPEG_OK)
        return 1;
    ff = jr->form ? jszg_form_find(jr->form, field) : NULL;
    msg = jszg_jpeg_message_named(jr->pool, st, &rules,
                                  ff ? ff->filename : NULL);
    if (st == JSZG_JPEG_BAD_WIDTH || st == JSZG_JPEG_BAD_HEIGHT)
        msg = apr_psprintf(jr->pool, "%s当前照片为%d×%d像素。", msg,
                           info.width, info.height);
    jszg_fail_field(f, field, jszg_jpeg_code(st), msg);
    return 0;
}

/* ---- the applicant ------------------------------------------------------ */

int jszg_wz_applicant(jszg_req *jr, jszg_applicant *a)
{
    jszg_session *s = jszg_session_get(jr);
    int rc;

    memset(a, 0, sizeof(*a));
    if (!s || !s->account_id)
        return JSZG_DB_NOTFOUND;
    a->id = s->account_id;
    if (s->account)
        a->row = s->account;    /* read with the session, nothing written */
    else if ((rc = jszg_db_row(jr, "wz_account", &a->row, 1, a->id))
             != JSZG_DB_OK)
        return rc;
    a->name = S(a->row, "name");
    a->id_number = S(a->row, "id_number");
    a->verified = (int)L(a->row, "verified");
    a->entry = json_string_value(json_object_get(s->data, "entry"));
    return JSZG_DB_OK;
}

int jszg_wz_may_apply(const jszg_applicant *a, jszg_fail *f)
{
    if (a->entry && !strcmp(a->entry, "rd"))
        return jszg_refuse(f, HTTP_FORBIDDEN, "wrong_entry",
                           "您是从“教师资格认定”入口进入系统的，只能办理教师资格认定"
                           "相关业务。如需办理定期注册，请退出登录并从中国教师资格网"
                           "导航栏的“网上办事”——“中小学教师资格定期注册”——"
                           "【在线办理】入口进入。");
    if (a->verified != 1)
        return jszg_refuse(f, HTTP_FORBIDDEN, "not_verified",
                           a->verified == 2
                           ? "您的实名核验正在人工审核中，审核通过后方可办理定期注册"
                             "业务。"
                           : "办理定期注册业务之前必须完成实名核验，请先到个人信息"
                             "中心进行实名核验。");
    return JSZG_DB_OK;
}

/* ---- drafts ------------------------------------------------------------- */

int jszg_wz_draft_load(jszg_req *jr, const jszg_applicant *a,
                       jszg_draft **out)
{
    json_t *row;
    jszg_draft *d;
    int rc = jszg_db_row(jr, "wz_draft_get", &row, 1, a->id);

    *out = NULL;
    if (rc != JSZG_DB_OK)
        return rc;
    d = apr_pcalloc(jr->pool, sizeof(*d));
    d->account_id = a->id;
    d->step_done = (int)L(row, "step_done");
    d->submit_key = S(row, "submit_key");
    d->updated = apr_time_from_sec(apr_atoi64(S(row, "updated_at")));
    d->expires = d->updated + jr->sc->draft_idle;
    if (jr->now > d->expires) {
        jszg_db_exec(jr, "wz_draft_delete", NULL, 1, a->id);
        return JSZG_DB_NOTFOUND;
    }
    d->data = jszg_pool_json(jr->pool, json_loads(S(row, "data"), 0, NULL));
    if (!json_is_object(d->data))
        d->data = jszg_pool_json(jr->pool, json_object());
    /* activity keeps the draft alive; one write a minute at most */
    if (jr->now - d->updated > apr_time_from_sec(60)) {
        rc = jszg_db_exec(jr, "wz_draft_touch", NULL, 2, epoch(jr), a->id);
        d->updated = jr->now;
        d->expires = jr->now + jr->sc->draft_idle;
    }
    *out = d;
    return rc;
}

int jszg_wz_draft_save(jszg_req *jr, jszg_draft *d, int step_done)
{
    char *data;
    int rc;

    /* A draft without an account lives only in memory: 修改 of a
     * submitted record validates through the wizard's steps with one. */
    if (!d->account_id)
        return JSZG_DB_OK;
    data = json_dumps(d->data, JSON_COMPACT);
    if (step_done > d->step_done)
        d->step_done = step_done;
    rc = jszg_db_exec(jr, "wz_draft_update", NULL, 4,
                      num(jr->pool, d->step_done),
                      data ? apr_pstrdup(jr->pool, data) : "{}",
                      epoch(jr), d->account_id);
    free(data);
    d->updated = jr->now;
    d->expires = jr->now + jr->sc->draft_idle;
    return rc;
}

int jszg_wz_step_open(const jszg_draft *d, int step, jszg_fail *f)
{
    static const char *const todo[] = {
        "请先阅读网上申报协议并勾选“已阅读并完全同意”。",
        "请先完成步骤二：填写注册信息。",
        "请先完成步骤三：选择注册机构。",
        "请先完成步骤四：确认申报信息。",
        "请先完成步骤五：阅读注意事项。",
    };

    if (step < 1 || step > 6)
        return jszg_refuse(f, HTTP_NOT_FOUND, "no_such_step", "没有这一步骤。");
    if (step > d->step_done + 1)
        return jszg_refuse(f, HTTP_CONFLICT, "step_locked",
                           todo[d->step_done < 0 ? 0 : d->step_done]);
    return JSZG_DB_OK;
}
int jszg_wz_mark_done(jszg_req *jr, jszg_draft *d, int step)
{
    return jszg_wz_draft_save(jr, d, step);
}

#define DEFAULT_NOTES \
    "1. 网上报名成功后，请在注册机构规定的现场确认时间内，携带《教师资格定期" \
    "注册申请表》一式2份（须学校负责人签字并加盖学校公章）、《教师资格证书》" \
    "原件及复印件、中小学或主管部门聘用合同到所选确认点进行现场确认。\n\n" \
    "2. 申请表照片须与网上报名照片一致。申请表在报名成功后即可下载打印。" \
    "\n\n3. 在“" JSZG_ST_PENDING "”状态下，如需修改报名信息，" \
    "可在业务平台点击【修改】" \
    "后重新提交；现场确认后将不能修改。\n\n4. 注册结论以教育局公示结果为准，" \
    "请及时登录系统查看注册进度和留言。"

int jszg_wz_notes(jszg_req *jr, const jszg_draft *d, json_t *out)
{
    json_t *inst, *paras = json_array();
    const char *notes;
    char *copy, *last, *para;
    int rc;

    rc = jszg_dir_institution(jr, S(json_object_get(d->data, "choice"),
                              "institution_id"), &inst);
    if (rc != JSZG_DB_OK && rc != JSZG_DB_NOTFOUND) {
        json_decref(paras);
        return rc;
    }
    notes = rc == JSZG_DB_OK && S(inst, "notes") ? S(inst, "notes") : NULL;
    copy = apr_pstrcat(jr->pool, notes ? notes : "",
                       notes ? "\n\n" : "", DEFAULT_NOTES, NULL);
    for (para = apr_strtok(copy, "\n", &last); para;
         para = apr_strtok(NULL, "\n", &last))
        if (*para)
            json_array_append_new(paras, json_string(para));
    json_object_set_new(out, "notes", paras);
    if (rc == JSZG_DB_OK)
        json_object_set(out, "institution", json_object_get(inst, "name"));
    return JSZG_DB_OK;
}

int jszg_wz_abandon(jszg_req *jr, const jszg_applicant *a)
{
    return jszg_db_exec(jr, "wz_draft_delete", NULL, 1, a->id);
}
