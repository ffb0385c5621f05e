/*
 * jszg_wizard.c -- the services of 定期注册 (see jszg_wizard.h): the
 * applicant, the draft and its steps, certificates and their rules,
 * schools, institutions and windows, the online verification, the
 * submission, 证书查询.  No request_rec output here: handlers in
 * jszg_page_wizard*.c and jszg_page_cert.c turn results into pages or
 * JSON.
 */
#include "jszg_wizard.h"
#include "jszg_account.h"
#include "jszg_idcard.h"
#include "jszg_jpeg.h"
#include "jszg_regno.h"
#include "jszg_rules.h"
#include "jszg_rate.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_file_io.h"
#include "apr_time.h"


#define MSG_NO_PLAN     "该机构未设置网报计划，请联系所选的教育局。"
#define MSG_INACTIVE    "该机构目前未开展注册工作，请联系所选的教育局。"
#define MSG_NO_POINTS   "该机构目前还没有安排确认点，请与该机构联系！"
#define MSG_NO_DRAFT    "报名信息已过期或尚未开始，请从网报时间查询重新" \
                        "进入定期注册报名。"
#define MSG_SCHOOL_QUERY "请输入学校名称（或其中的几个字）后再点击" \
                         "【查询】。"
#define MSG_CERT_LOST   "该教师资格已被依法注销"
#define MSG_CERT_REVOKED "该教师资格已被依法撤销"
#define MSG_CERT_INVALID "您的教师资格无效"


const char *const jszg_wz_subjects[] = {
    "语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理",
    "思想政治", "道德与法治", "科学", "音乐", "体育", "美术",
    "信息技术", "通用技术", "心理健康教育", "劳动", "社会", "日语",
    "俄语", "幼儿园", "特殊教育", "专业课", "实习指导", "其他", NULL
};

/* ---- dropdowns of step 2 (domain.md, Dropdown values) ------------------ */

static const char *const l_mandarin[] = {
    "一级甲等", "一级乙等", "二级甲等", "二级乙等", "三级甲等", "三级乙等",
    "无", NULL
};
static const char *const l_education[] = {
    "研究生", "大学本科", "大学专科", "中师", "幼师", "其他中专",
    "高中毕业及以下", NULL
};
static const char *const l_edu_category[] = {
    "师范教育类", "非师范教育类", NULL
};
static const char *const l_degree[] = {
    "博士", "硕士", "学士", "无学位", NULL
};
static const char *const l_study_form[] = {
    "普通全日制", "成人教育", "自学考试", "网络教育", "境外教育", "其他", NULL
};
static const char *const l_school_area[] = { "城市", "县镇", "农村", NULL };
static const char *const l_school_type[] = {
    "公办幼儿园", "公办小学", "公办初级中学", "公办高级中学", "公办完全中学",
    "公办九年一贯制学校", "公办中等职业学校", "民办幼儿园", "民办小学",
    "民办初级中学", "民办高级中学", "民办完全中学", "民办九年一贯制学校",
    "民办中等职业学校", NULL
};
static const char *const l_title[] = {
    "正高级教师", "高级教师", "一级教师", "二级教师", "三级教师",
    "中学高级教师", "中学一级教师", "中学二级教师", "中学三级教师",
    "小学高级教师", "小学一级教师", "小学二级教师", "小学三级教师",
    "高级讲师", "讲师", "助理讲师", "教员", "高级实习指导教师",
    "一级实习指导教师", "二级实习指导教师", "三级实习指导教师", "未评", NULL
};
static const char *const l_politics[] = {
    "中共党员", "中共预备党员", "共青团员", "民革党员", "民盟盟员",
    "民建会员", "民进会员", "农工党党员", "致公党党员", "九三学社社员",
    "台盟盟员", "无党派人士", "群众", NULL
};
static const char *const l_post_type[] = {
    "专任教师", "教育教学管理人员", "教辅人员", "其他", NULL
};
static const char *const l_school_kinds[] = {
    "普通高等学校", "成人高等学校", "中等师范学校", "中等职业学校",
    "普通高中", "境外院校", "其他", NULL
};

typedef enum { F_LIST, F_TEXT, F_DATE, F_POSTCODE, F_SCHOOL } field_kind;

typedef struct {
    const char *name;           /* its label: the vocabulary's */
    field_kind kind;
    const char *const *list;
    int maxlen;                 /* characters, F_TEXT */
} field_spec;

/* Step 2's personal information, in the manual's order; the labels are
 * the field vocabulary's (jszg_rules.c), as on every other page. */
#define LABEL(fs) jszg_rules_field_label("person", (fs)->name)

static const field_spec person_spec[] = {
    { "mandarin",     F_LIST, l_mandarin, 0 },
    { "education",    F_LIST, l_education, 0 },
    { "edu_category", F_LIST, l_edu_category, 0 },
    { "major",        F_TEXT, NULL, 30 },
    { "degree",       F_LIST, l_degree, 0 },
    { "grad_date",    F_DATE, NULL, 0 },
    { "grad_school",  F_SCHOOL, NULL, 0 },
    { "study_form",   F_LIST, l_study_form, 0 },
    { "school",       F_TEXT, NULL, 60 },
    { "school_area",  F_LIST, l_school_area, 0 },
    { "school_type",  F_LIST, l_school_type, 0 },
    { "title",        F_LIST, l_title, 0 },
    { "work_start",   F_DATE, NULL, 0 },
    { "hukou",        F_TEXT, NULL, 60 },
    { "employ_start", F_DATE, NULL, 0 },
    { "politics",     F_LIST, l_politics, 0 },
    { "post_type",    F_LIST, l_post_type, 0 },
    { "address",      F_TEXT, NULL, 100 },
    { "postcode",     F_POSTCODE, NULL, 0 },
    { NULL, 0, NULL, 0 }
};

const char *const jszg_wz_person_fields[] = {
    "cert_no", "ethnicity", "birth_date", "mandarin", "education", "edu_category", "major", "degree",
    "grad_date", "grad_school", "study_form", "school", "school_area",
    "school_type", "title", "work_start", "hukou", "employ_start",
    "politics", "post_type", "address", "postcode", NULL
};

/* ---- small helpers ------------------------------------------------------ */

static const char *S(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static const char *num(apr_pool_t *p, apr_int64_t v)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, v);
}

static long L(json_t *o, const char *k)
{
    const char *v = S(o, k);
    return v ? atol(v) : 0;
}

void jszg_wz_fail(jszg_wfail *f, int status, const char *code,
                  const char *message)
{
    f->status = status;
    f->code = code;
    f->message = message;
}

void jszg_wz_field_error(jszg_req *jr, jszg_wfail *f, const char *field,
                         const char *code, const char *message)
{
    if (!f->fields)
        f->fields = jszg_pool_json(jr->pool, json_object());
    if (json_object_get(f->fields, field))
        return;                 /* the first problem of a field counts */
    json_object_set_new(f->fields, field,
                        json_pack("{s:s, s:s}", "code", code,
                                  "message", message));
}

/* A refusal with field errors: the page shows them next to the inputs. */
static int refuse_fields(jszg_wfail *f)
{
    jszg_wz_fail(f, HTTP_BAD_REQUEST, "invalid",
                 "填写的信息有误，请按提示修改后重新提交。");
    return JSZG_W_REFUSED;
}

static int refuse(jszg_wfail *f, int status, const char *code,
                  const char *message)
{
    jszg_wz_fail(f, status, code, message);
    return JSZG_W_REFUSED;
}

static int in_list(const char *const *list, const char *v)
{
    for (; v && *list; list++)
        if (!strcmp(*list, v))
            return 1;
    return 0;
}

json_t *jszg_wz_options(const char *const *list, const char *selected)
{
    json_t *out = json_array();

    for (; *list; list++)
        json_array_append_new(out, json_pack("{s:s, s:b}", "value", *list,
                                             "selected", selected
                                             && !strcmp(*list, selected)));
    return out;
}

json_t *jszg_wz_school_kinds(const char *selected)
{
    return jszg_wz_options(l_school_kinds, selected);
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

static const char *beijing_now(jszg_req *jr, int *year)
{
    jszg_bjtime t;
    char buf[24];

    jszg_rules_beijing(apr_time_sec(jr->now), &t);
    if (year)
        *year = t.year;
    return apr_pstrdup(jr->pool, jszg_rules_beijing_text(
        apr_time_sec(jr->now), JSZG_FMT_SECOND, buf, sizeof(buf)));
}

static const char *epoch(jszg_req *jr)
{
    return num(jr->pool, (apr_int64_t)apr_time_sec(jr->now));
}

/* A real calendar date "YYYY-MM-DD". */
static int date_valid(const char *s)
{
    return jszg_rules_parse_date(s, 1900, 9999, NULL) == 0;
}

/* date + n months, as a comparable "YYYY-MM-DD" string. */
static const char *add_months(apr_pool_t *p, const char *date, int n)
{
    int y = atoi(date), m = atoi(date + 5) - 1 + n;

    return apr_psprintf(p, "%04d-%02d-%s", y + m / 12, m % 12 + 1,
                        date + 8);
}

static int text_ok(const char *v, int maxlen)
{
    apr_size_t n = strlen(v);

    return n > 0 && (int)jszg_utf8_chars(v, n) <= maxlen
           && !strpbrk(v, "<>\r\n\t");
}

/* Trimmed copy of a form value ("" for NULL). */
static const char *trim(apr_pool_t *p, const char *v)
{
    const char *end;

    if (!v)
        return "";
    while (*v == ' ')
        v++;
    end = v + strlen(v);
    while (end > v && end[-1] == ' ')
        end--;
    return apr_pstrndup(p, v, end - v);
}

/* ---- uploads ------------------------------------------------------------ */

const char *jszg_wz_upload_path(jszg_req *jr, const char *rel)
{
    return apr_pstrcat(jr->pool, jr->sc->upload_dir, "/", rel, NULL);
}

/* Write a checked photo under JszgUploadDir/<dir>/<account>/: the
 * relative path, or NULL (logged). */
static const char *save_upload(jszg_req *jr, const char *dir,
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

/* The answer when save_upload() failed (upload directory unwritable,
 * disk full): a clear message, nothing saved (tests/faults). */
static int upload_failed(jszg_wfail *f)
{
    return refuse(f, HTTP_SERVICE_UNAVAILABLE, "upload_failed",
                  "照片保存失败：服务器暂时无法保存上传的文件，"
                  "请稍后重新上传。已填写的信息未丢失。");
}

/* Check a photo; on failure a field error on `field`. */
static int photo_ok(jszg_req *jr, jszg_wfail *f, const char *field,
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
    jszg_wz_field_error(jr, f, field, jszg_jpeg_code(st), msg);
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
    rc = jszg_db_row(jr, "wz_account", &a->row, 1, a->id);
    if (rc != JSZG_DB_OK)
        return rc;
    a->name = S(a->row, "name");
    a->id_number = S(a->row, "id_number");
    a->verified = (int)L(a->row, "verified");
    a->entry = json_string_value(json_object_get(s->data, "entry"));
    return JSZG_DB_OK;
}

int jszg_wz_may_apply(const jszg_applicant *a, jszg_wfail *f)
{
    if (a->entry && !strcmp(a->entry, "rd"))
        return refuse(f, HTTP_FORBIDDEN, "wrong_entry",
                      "您是从“教师资格认定”入口进入系统的，只能办理教师资格认定"
                      "相关业务。如需办理定期注册，请退出登录并从中国教师资格网"
                      "导航栏的“网上办事”——“中小学教师资格定期注册”——"
                      "【在线办理】入口进入。");
    if (a->verified != 1)
        return refuse(f, HTTP_FORBIDDEN, "not_verified",
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

static int draft_save(jszg_req *jr, jszg_draft *d, int step_done)
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

int jszg_wz_step_open(const jszg_draft *d, int step, jszg_wfail *f)
{
    static const char *const todo[] = {
        "请先阅读网上申报协议并勾选“已阅读并完全同意”。",
        "请先完成步骤二：填写注册信息。",
        "请先完成步骤三：选择注册机构。",
        "请先完成步骤四：确认申报信息。",
        "请先完成步骤五：阅读注意事项。",
    };

    if (step < 1 || step > 6)
        return refuse(f, HTTP_NOT_FOUND, "no_such_step", "没有这一步骤。");
    if (step > d->step_done + 1)
        return refuse(f, HTTP_CONFLICT, "step_locked",
                      todo[d->step_done < 0 ? 0 : d->step_done]);
    return JSZG_DB_OK;
}

/* ---- institutions and windows ------------------------------------------- */

/* The window of an institution row: {status, message, starts, ends,
 * confirm_*, cycle_year}; status open, not_open, closed or none. */
static int window_state(jszg_req *jr, json_t *inst, json_t **out)
{
    json_t *w, *st;
    const char *now, *starts, *ends;
    jszg_win_state ws;
    int rc, year;

    st = jszg_pool_json(jr->pool, json_object());
    *out = st;
    if (L(inst, "active") != 1) {
        json_object_set_new(st, "status", json_string("none"));
        json_object_set_new(st, "message", json_string(MSG_INACTIVE));
        return JSZG_DB_OK;
    }
    rc = jszg_db_row(jr, "wz_window", &w, 1, S(inst, "id"));
    if (rc == JSZG_DB_NOTFOUND) {
        json_object_set_new(st, "status", json_string("none"));
        json_object_set_new(st, "message", json_string(MSG_NO_PLAN));
        return JSZG_DB_OK;
    }
    if (rc != JSZG_DB_OK)
        return rc;
    now = beijing_now(jr, &year);
    starts = S(w, "starts");
    ends = S(w, "ends");
    json_object_update(st, w);
    ws = jszg_rules_window_state(now, year, starts, ends,
                                 (int)L(w, "cycle_year"));
    if (ws == JSZG_WIN_NONE) {
        /* only an old cycle's plan: nothing set up for this year */
        json_object_clear(st);
        json_object_set_new(st, "status", json_string("none"));
        json_object_set_new(st, "message", json_string(MSG_NO_PLAN));
    }
    else if (ws == JSZG_WIN_NOT_OPEN) {
        json_object_set_new(st, "status", json_string("not_open"));
        json_object_set_new(st, "message", json_string(apr_psprintf(
            jr->pool, "还未到网报时间。该机构网报时间为%s至%s。", starts,
            ends)));
    }
    else if (ws == JSZG_WIN_CLOSED) {
        json_object_set_new(st, "status", json_string("closed"));
        json_object_set_new(st, "message", json_string(apr_psprintf(
            jr->pool, "网报时间已截止。该机构网报时间为%s至%s。", starts,
            ends)));
    }
    else {
        json_object_set_new(st, "status", json_string("open"));
        json_object_set_new(st, "message", json_string(apr_psprintf(
            jr->pool, "网报进行中，网报截止时间为%s。", ends)));
    }
    return JSZG_DB_OK;
}

static int window_open(json_t *w)
{
    return !strcmp(S(w, "status"), "open");
}

/* The institution by id (a positive number), or NOTFOUND. */
static int institution_get(jszg_req *jr, const char *id, json_t **row)
{
    const char *p;

    *row = NULL;
    if (!id || !*id || strlen(id) > 12)
        return JSZG_DB_NOTFOUND;
    for (p = id; *p; p++)
        if (!apr_isdigit(*p))
            return JSZG_DB_NOTFOUND;
    return jszg_db_row(jr, "wz_institution", row, 1, id);
}

static json_t *find_row(json_t *rows, const char *col, const char *value)
{
    size_t i;
    json_t *row;

    json_array_foreach(rows, i, row) {
        const char *v = S(row, col);
        if (v && value && !strcmp(v, value))
            return row;
    }
    return NULL;
}

static void mark_selected(json_t *rows, const char *col, const char *value)
{
    size_t i;
    json_t *row;

    json_array_foreach(rows, i, row) {
        const char *v = S(row, col);
        json_object_set_new(row, "selected",
                            json_boolean(v && value && !strcmp(v, value)));
    }
}

/* Confirmation points whose name or scope contains q (all when q is
 * empty): the 搜索 / 列出全部 of the manual. */
/* wz_points' 学段 argument: '' lists every point of the institution. */
static const char *stage_arg(const char *stage)
{
    return jszg_rules_is_stage(stage) ? stage : "";
}

static json_t *filter_points(json_t *points, const char *q)
{
    json_t *out;
    size_t i;
    json_t *row;

    if (!q || !*q)
        return json_incref(points);
    out = json_array();
    json_array_foreach(points, i, row) {
        const char *n = S(row, "name"), *s = S(row, "scope");
        if ((n && strstr(n, q)) || (s && strstr(s, q)))
            json_array_append(out, row);
    }
    return out;
}

/* The selects of a province → city → 学段 → institution choice, each
 * narrowed to what fits the one above; a selection that no longer fits
 * is dropped (the form is used that way).  sel's values are updated. */
static int fill_selects(jszg_req *jr, json_t *sel, json_t *out)
{
    const char *prov = S(sel, "province"), *city = S(sel, "city");
    const char *stage = S(sel, "stage"), *inst = S(sel, "institution_id");
    json_t *provinces, *cities, *insts;
    int rc;

    if ((rc = jszg_db_rows(jr, "wz_provinces", &provinces, 0))
        != JSZG_DB_OK)
        return rc;
    json_object_set(out, "provinces", provinces);
    json_object_set_new(out, "stages", jszg_wz_options(jszg_rules_stages,
                                                       stage));
    if (!prov || !find_row(provinces, "code", prov)) {
        json_object_set_new(sel, "province", json_string(""));
        prov = NULL;
    }
    mark_selected(provinces, "code", prov);
    if (!prov)
        city = NULL;
    else {
        if ((rc = jszg_db_rows(jr, "wz_cities", &cities, 1, prov))
            != JSZG_DB_OK)
            return rc;
        json_object_set(out, "cities", cities);
        if (!city || !find_row(cities, "code", city))
            city = NULL;
        mark_selected(cities, "code", city);
    }
    if (!city)
        json_object_set_new(sel, "city", json_string(""));
    if (!jszg_rules_is_stage(stage)) {
        json_object_set_new(sel, "stage", json_string(""));
        stage = NULL;
    }
    if (!prov || !city || !stage) {
        json_object_set_new(sel, "institution_id", json_string(""));
        return JSZG_DB_OK;
    }
    rc = jszg_db_rows(jr, "wz_institutions", &insts, 3, prov, city, stage);
    if (rc != JSZG_DB_OK)
        return rc;
    json_object_set(out, "institutions", insts);
    if (!json_array_size(insts))
        json_object_set_new(out, "no_institutions", json_string(
            "所选地区暂无负责该学段的注册机构，请联系当地教育局。"));
    if (!inst || !find_row(insts, "id", inst))
        json_object_set_new(sel, "institution_id", json_string(""));
    mark_selected(insts, "id", S(sel, "institution_id"));
    return JSZG_DB_OK;
}

/* The chosen institution's window and (filtered) points into out. */
static int add_institution(jszg_req *jr, json_t *sel, json_t *out)
{
    const char *id = S(sel, "institution_id"), *pid = S(sel, "point_id");
    json_t *inst, *win, *points, *shown;
    int rc;

    if (!id || !*id)
        return JSZG_DB_OK;
    if ((rc = institution_get(jr, id, &inst)) != JSZG_DB_OK)
        return rc == JSZG_DB_NOTFOUND ? JSZG_DB_OK : rc;
    if ((rc = window_state(jr, inst, &win)) != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_db_rows(jr, "wz_points", &points, 3, id,
                           stage_arg(S(sel, "stage")),
                           stage_arg(S(sel, "stage")))) != JSZG_DB_OK)
        return rc;
    shown = filter_points(points, S(sel, "q"));
    /* the chosen point stays listed even when the search hides it */
    if (pid && find_row(points, "id", pid) && !find_row(shown, "id", pid))
        json_array_insert(shown, 0, find_row(points, "id", pid));
    mark_selected(shown, "id", pid);
    json_object_set(out, "institution", inst);
    json_object_set(out, "window", win);
    json_object_set_new(out, "window_open", json_boolean(window_open(win)));
    json_object_set_new(out, "points", shown);
    json_object_set_new(out, "points_total",
                        json_integer((json_int_t)json_array_size(points)));
    if (!json_array_size(points))
        json_object_set_new(out, "no_points", json_string(MSG_NO_POINTS));
    else if (!json_array_size(shown))
        json_object_set_new(out, "no_match", json_string(
            "没有找到符合条件的确认点，请点击【列出全部】查看全部确认点。"));
    return JSZG_DB_OK;
}

int jszg_wz_windows_data(jszg_req *jr, json_t *sel, json_t *out,
                         jszg_wfail *f)
{
    const char *prov = S(sel, "province"), *city = S(sel, "city");
    const char *stage = S(sel, "stage");
    int rc;

    (void)f;
    /* malformed values are simply dropped: every value comes from our
     * own selects, and the answer is the narrowed form again */
    if (prov && strlen(prov) != 6)
        json_object_set_new(sel, "province", json_string(""));
    if (city && strlen(city) != 6)
        json_object_set_new(sel, "city", json_string(""));
    if (stage && !jszg_rules_is_stage(stage))
        json_object_set_new(sel, "stage", json_string(""));
    if ((rc = fill_selects(jr, sel, out)) != JSZG_DB_OK)
        return rc;
    return add_institution(jr, sel, out);
}

/* The institution + point choice is acceptable right now. */
static int check_institution(jszg_req *jr, const char *inst_id,
                             const char *stage,
                             const char *point_id, json_t **inst_out,
                             json_t **win_out, json_t **point_out,
                             jszg_wfail *f)
{
    json_t *inst, *win, *points, *pt;
    int rc = institution_get(jr, inst_id, &inst);

    if (rc == JSZG_DB_NOTFOUND) {
        jszg_wz_field_error(jr, f, "institution_id", "missing_institution",
                            "请选择注册机构。");
        return refuse(f, HTTP_BAD_REQUEST, "missing_institution",
                      "请先选择注册机构，查询网报时间后再报名。");
    }
    if (rc != JSZG_DB_OK)
        return rc;
    if ((rc = window_state(jr, inst, &win)) != JSZG_DB_OK)
        return rc;
    if (!window_open(win)) {
        jszg_wz_field_error(jr, f, "institution_id",
                            apr_pstrcat(jr->pool, "window_", S(win, "status"),
                                        NULL), S(win, "message"));
        return refuse(f, HTTP_CONFLICT, apr_pstrcat(jr->pool, "window_",
                      S(win, "status"), NULL), S(win, "message"));
    }
    if ((rc = jszg_db_rows(jr, "wz_points", &points, 3, S(inst, "id"),
                           stage_arg(stage), stage_arg(stage)))
        != JSZG_DB_OK)
        return rc;
    if (!json_array_size(points)) {
        jszg_wz_field_error(jr, f, "point_id", "no_points", MSG_NO_POINTS);
        return refuse(f, HTTP_CONFLICT, "no_points", MSG_NO_POINTS);
    }
    pt = point_id && *point_id ? find_row(points, "id", point_id) : NULL;
    if (point_out && !pt) {
        jszg_wz_field_error(jr, f, "point_id", "missing_point",
                            "请选择确认点。");
        return refuse_fields(f);
    }
    if (inst_out)
        *inst_out = inst;
    if (win_out)
        *win_out = win;
    if (point_out)
        *point_out = pt;
    return JSZG_DB_OK;
}

int jszg_wz_start(jszg_req *jr, const jszg_applicant *a,
                  const char *institution_id, const char *stage,
                  const char *point_id, jszg_draft **out, jszg_wfail *f)
{
    json_t *inst, *win, *data, *choice;
    const char *key, *dump;
    char *s;
    int rc;

    *out = NULL;
    if ((rc = jszg_wz_may_apply(a, f)) != JSZG_DB_OK)
        return rc;
    rc = check_institution(jr, institution_id, stage, point_id, &inst, &win,
                           NULL, f);
    if (rc != JSZG_DB_OK)
        return rc;
    data = jszg_pool_json(jr->pool, json_object());
    choice = json_object();
    json_object_set(choice, "province", json_object_get(inst,
                                                         "province_code"));
    json_object_set(choice, "city", json_object_get(inst, "city_code"));
    json_object_set(choice, "institution_id", json_object_get(inst, "id"));
    if (jszg_rules_is_stage(stage)
        && strstr(apr_pstrcat(jr->pool, ",", S(inst, "stages"), ",", NULL),
                  apr_pstrcat(jr->pool, ",", stage, ",", NULL)))
        json_object_set_new(choice, "stage", json_string(stage));
    if (point_id && *point_id)
        json_object_set_new(choice, "point_id", json_string(point_id));
    json_object_set_new(data, "choice", choice);
    json_object_set(data, "cycle_year", json_object_get(win, "cycle_year"));
    key = jszg_random_token(jr->pool, 24);
    s = json_dumps(data, JSON_COMPACT);
    dump = apr_pstrdup(jr->pool, s ? s : "{}");
    free(s);
    if (!key)
        return JSZG_DB_ERROR;
    /* a new start replaces an old draft, in one change */
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    rc = jszg_db_exec(jr, "wz_draft_delete", NULL, 1, a->id);
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "wz_draft_insert", NULL, 5, a->id, dump, key,
                          epoch(jr), epoch(jr));
    if (rc == JSZG_DB_OK)
        rc = jszg_db_commit(jr);
    else
        jszg_db_rollback(jr);
    if (rc != JSZG_DB_OK)
        return rc;
    return jszg_wz_draft_load(jr, a, out);
}

int jszg_wz_agree(jszg_req *jr, jszg_draft *d, const char *agree,
                  jszg_wfail *f)
{
    if (!agree || (strcmp(agree, "1") && strcmp(agree, "on")
                   && strcmp(agree, "true"))) {
        jszg_wz_field_error(jr, f, "agree", "agreement_required",
                            "请仔细阅读网上申报协议，勾选“已阅读并完全同意”后"
                            "再点击【下一步】。");
        jszg_wz_fail(f, HTTP_BAD_REQUEST, "agreement_required",
                     "请仔细阅读网上申报协议，勾选“已阅读并完全同意”后再点击"
                     "【下一步】。");
        return JSZG_W_REFUSED;
    }
    json_object_set_new(d->data, "agreed", json_true());
    return draft_save(jr, d, 1);
}

/* ---- certificates ------------------------------------------------------- */

static const char *restriction_message(const char *status)
{
    if (!status || !strcmp(status, "有效"))
        return NULL;
    if (!strcmp(status, "丧失"))
        return MSG_CERT_LOST;
    if (!strcmp(status, "撤销"))
        return MSG_CERT_REVOKED;
    return MSG_CERT_INVALID;
}

/* Last registration (date, conclusion) and last 注册合格 of a cert, as
 * far as they are this applicant's: a certificate's history belongs to
 * its holder, never to whoever else typed its number. */
static int cert_history(jszg_req *jr, const jszg_applicant *a, json_t *cert,
                        const char **last_pass)
{
    json_t *hist, *first, *row;
    size_t i;
    int rc;

    *last_pass = NULL;
    rc = jszg_db_rows(jr, "wz_cert_history", &hist, 3, S(cert, "cert_no"),
                      a->id_number, a->id_number);
    if (rc != JSZG_DB_OK)
        return rc;
    if ((first = json_array_get(hist, 0))) {
        json_object_set(cert, "last_date", json_object_get(first,
                                                           "registered_on"));
        json_object_set(cert, "last_result", json_object_get(first,
                                                             "conclusion"));
    }
    json_array_foreach(hist, i, row) {
        if (!strcmp(S(row, "conclusion"), JSZG_ST_PASS)) {
            *last_pass = S(row, "registered_on");
            break;
        }
    }
    rc = jszg_db_row(jr, "wz_app_last_pass", &row, 2, S(cert, "cert_no"),
                     a->id);
    if (rc == JSZG_DB_OK && (!*last_pass
                             || strcmp(S(row, "decided_on"), *last_pass) > 0))
        *last_pass = S(row, "decided_on");
    return rc == JSZG_DB_NOTFOUND ? JSZG_DB_OK : rc;
}

/* Why this certificate cannot be registered now (NULL: it can).
 * code gets a stable code. */
static int cert_block(jszg_req *jr, const jszg_applicant *a, json_t *cert,
                      const char *cycle_year, const char **code,
                      const char **msg)
{
    const char *last_pass = NULL, *r;
    json_t *open, *hist;
    int rc;

    *code = *msg = NULL;
    if ((r = restriction_message(S(cert, "status")))) {
        *code = !strcmp(S(cert, "status"), "丧失") ? "cert_lost"
                : !strcmp(S(cert, "status"), "撤销") ? "cert_revoked"
                : "cert_invalid";
        *msg = r;
        return JSZG_DB_OK;
    }
    if (L(cert, "kind") == 7) {
        *code = "cert_not_in_scope";
        *msg = "高等学校教师资格不属于中小学教师资格定期注册范围。";
        return JSZG_DB_OK;
    }
    if ((rc = cert_history(jr, a, cert, &last_pass)) != JSZG_DB_OK)
        return rc;
    /* a hand entry staff found not to be the holder's (or not genuine) */
    if (S(cert, "review_state") && !strcmp(S(cert, "review_state"),
                                           "核验不通过")) {
        *code = "cert_review_failed";
        *msg = "该证书经核验不通过，不能用于定期注册。"
               "如有疑问，请联系注册机构。";
        return JSZG_DB_OK;
    }
    if (last_pass
        && strcmp(jszg_wz_today(jr), add_months(jr->pool, last_pass, 54))
           < 0) {
        *code = "registered_recently";
        *msg = apr_psprintf(jr->pool, "该证书已于%s注册，5年内无需再注册。",
                            last_pass);
        return JSZG_DB_OK;
    }
    rc = jszg_db_row(jr, "wz_app_open_for_cert", &open, 3,
                     S(cert, "cert_no"), a->id, cycle_year ? cycle_year : "0");
    if (rc == JSZG_DB_OK) {
        *code = "already_applied";
        *msg = apr_psprintf(jr->pool, "该证书本注册周期已报名（报名号%s，"
                            "当前状态：%s），不能重复报名。",
                            S(open, "reg_no"), S(open, "status"));
        return JSZG_DB_OK;
    }
    if (rc != JSZG_DB_NOTFOUND)
        return rc;
    /* a conclusion in this cycle: 注册不合格 ends it for this
     * certificate, 暂缓注册 allows again (jszg_rules_may_reapply) */
    rc = jszg_db_rows(jr, "wz_app_decided_for_cert", &hist, 3,
                      S(cert, "cert_no"), a->id,
                      cycle_year ? cycle_year : "0");
    if (rc != JSZG_DB_OK)
        return rc;
    if ((open = json_array_get(hist, 0))) {
        const char *st = S(open, "status");
        if (!jszg_rules_may_reapply(st)) {
            *code = "failed_this_cycle";
            *msg = apr_psprintf(jr->pool, "该证书本注册周期的定期注册结论为"
                                "“%s”（报名号%s）。%s", st,
                                S(open, "reg_no"),
                                jszg_rules_reapply_text(st));
            return JSZG_DB_OK;
        }
        json_object_set_new(cert, "reapply_note", json_string(apr_psprintf(
            jr->pool, "本注册周期曾%s（报名号%s）。%s", st,
            S(open, "reg_no"), jszg_rules_reapply_text(st))));
    }
    return JSZG_DB_OK;
}

/* Step 2's list: synced certificates (2008+, 广西 2012+, or with a
 * 首次注册 record) and the applicant's hand-entered ones. */
static int wizard_certs(jszg_req *jr, const jszg_applicant *a,
                        const char *cycle_year, json_t **out)
{
    json_t *rows, *manual, *row;
    size_t i;
    int rc;

    rc = jszg_db_rows(jr, "wz_certs_wizard", &rows, 2, a->id_number,
                      a->name);
    if (rc != JSZG_DB_OK)
        return rc;
    json_array_foreach(rows, i, row)
        json_object_set_new(row, "source", json_string("registry"));
    if ((rc = jszg_db_rows(jr, "wz_manual_certs", &manual, 1, a->id))
        != JSZG_DB_OK)
        return rc;
    json_array_foreach(manual, i, row) {
        if (find_row(rows, "cert_no", S(row, "cert_no")))
            continue;
        json_object_set_new(row, "source", json_string("manual"));
        json_object_set_new(row, "status", json_string("有效"));
        json_object_set_new(row, "manual_note", json_string(
            apr_pstrcat(jr->pool, "手动添加，", S(row, "review_state"),
                        "（请携带证书原件进行现场确认）", NULL)));
        json_array_append(rows, row);
    }
    json_array_foreach(rows, i, row) {
        const char *code, *msg;
        if ((rc = cert_block(jr, a, row, cycle_year, &code, &msg))
            != JSZG_DB_OK)
            return rc;
        if (msg) {
            json_object_set_new(row, "blocked", json_string(msg));
            json_object_set_new(row, "blocked_code", json_string(code));
        }
        json_object_set_new(row, "selectable", json_boolean(!msg));
    }
    *out = rows;
    return JSZG_DB_OK;
}

int jszg_wz_my_certs(jszg_req *jr, const jszg_applicant *a, json_t **rows)
{
    return jszg_db_rows(jr, "wz_certs_synced", rows, 2, a->id_number,
                        a->name);
}

json_t *jszg_wz_add_cert_form(jszg_req *jr, const jszg_applicant *a)
{
    json_t *o = jszg_pool_json(jr->pool, json_object());

    json_object_set_new(o, "holder", json_string(a->name));
    json_object_set_new(o, "id_number", json_string(a->id_number));
    json_object_set_new(o, "kinds", jszg_wz_cert_kinds(NULL));
    return o;
}

/* Why a hand entry of this number is not allowed (the manual's
 * 添加说明), or NULL.  A certificate belongs to its holder: a number the
 * registry (or another account's hand entry, unless staff refused it)
 * gives to another ID number is refused first. */
static int add_cert_refusal(jszg_req *jr, const jszg_applicant *a,
                            const char *cert_no, const char *issued_on,
                            const char *province, const char **code,
                            const char **msg)
{
    json_t *reg, *row;
    int guangxi = !strcmp(province, "450000");
    int rc;

    *code = *msg = NULL;
    rc = jszg_db_row(jr, "wz_cert_get", &reg, 1, cert_no);
    if (rc != JSZG_DB_OK && rc != JSZG_DB_NOTFOUND)
        return rc;
    if (rc == JSZG_DB_OK && ap_cstr_casecmp(S(reg, "id_number"),
                                            a->id_number)) {
        *code = "cert_other_holder";
        *msg = "该证书号码在教师资格证书信息中登记的持证人不是您，不能添加。"
               "如证书确属本人，请联系证书认定机构核实。";
        return JSZG_DB_OK;
    }
    if (rc == JSZG_DB_NOTFOUND) {
        rc = jszg_db_row(jr, "wz_manual_other_holder", &row, 2, cert_no,
                         a->id_number);
        if (rc != JSZG_DB_OK)
            return rc;
        if (L(row, "n") > 0) {
            *code = "cert_other_holder";
            *msg = "该证书号码已由其他持证人添加，不能添加。如证书确属本人，"
                   "请携带证书原件联系注册机构核实。";
            return JSZG_DB_OK;
        }
    }
    else {
        const char *iss = S(reg, "issued_on");
        int gx = !strcmp(S(reg, "province_code"), "450000");
        if (strcmp(iss, gx ? "2012-01-01" : "2008-01-01") >= 0) {
            *code = "cert_synced";
            *msg = "2008年以后（广西2012年及以后）获得的教师资格证书，系统可以"
                   "同步到证书信息，不允许添加证书。";
            return JSZG_DB_OK;
        }
    }
    rc = jszg_db_row(jr, "wz_cert_first_reg", &row, 3, cert_no,
                     a->id_number, a->id_number);
    if (rc != JSZG_DB_OK)
        return rc;
    if (L(row, "n") > 0) {
        *code = "cert_first_registered";
        *msg = "2008年以前核发的教师资格证书但已经参加过首次注册的证书，系统"
               "可以同步到首次注册信息，不允许添加证书。";
        return JSZG_DB_OK;
    }
    /* the real system's bounds for hand entry (domain.md) */
    if (strcmp(issued_on, "1996-01-01") < 0
        || strcmp(issued_on, guangxi ? "2011-12-31" : "2008-08-01") > 0) {
        *code = "cert_issued_out_of_range";
        *msg = guangxi
            ? "只有2012年以前核发的教师资格证书需要添加，证书签发日期应在"
              "1996-01-01至2011-12-31之间。"
            : "只有2008年以前核发的教师资格证书需要添加，证书签发日期应在"
              "1996-01-01至2008-08-01之间。";
    }
    return JSZG_DB_OK;
}

int jszg_wz_add_cert(jszg_req *jr, const jszg_applicant *a, json_t *in,
                     const unsigned char *scan, apr_size_t scan_len,
                     const unsigned char *extra, apr_size_t extra_len,
                     const char **cert_no_out, jszg_wfail *f)
{
    const char *holder = trim(jr->pool, S(in, "holder"));
    const char *idno = trim(jr->pool, S(in, "id_number"));
    const char *no = trim(jr->pool, S(in, "cert_no"));
    const char *issued = trim(jr->pool, S(in, "issued_on"));
    const char *prov = trim(jr->pool, S(in, "province"));
    const char *city = trim(jr->pool, S(in, "city"));
    const char *kind = trim(jr->pool, S(in, "kind"));
    const char *subject = trim(jr->pool, S(in, "subject"));
    const char *auth = trim(jr->pool, S(in, "authority"));
    const char *code, *msg, *rel, *rel2 = NULL;
    json_t *region, *dup;
    int year, k, rc;

    *cert_no_out = NULL;
    if ((rc = jszg_wz_may_apply(a, f)) != JSZG_DB_OK)
        return rc;
    beijing_now(jr, &year);
    if (strcmp(holder, a->name))
        jszg_wz_field_error(jr, f, "holder", "holder_mismatch",
                            "持证人须与实名核验的姓名完全一致。");
    if (ap_cstr_casecmp(idno, a->id_number))
        jszg_wz_field_error(jr, f, "id_number", "id_mismatch",
                            "身份证件号码须与实名核验的证件号码完全一致。");
    if (!date_valid(issued) || strcmp(issued, jszg_wz_today(jr)) > 0)
        jszg_wz_field_error(jr, f, "issued_on", "bad_issued_on",
                            "请选择正确的证书签发日期。");
    if (!jszg_certno_valid(no, year)) {
        /* the right reason: a number of the right shape whose year is
         * out of range is told so, and a 签发日期 before 1996 (教师资格
         * were first issued in 1996) is the reason when it is one */
        if (!jszg_certno_kind(no))
            jszg_wz_field_error(jr, f, "cert_no", "bad_cert_no",
                                "证书号码应为15位或17位数字，请按证书如实"
                                "填写。");
        else if (date_valid(issued) && strcmp(issued, "1996-01-01") < 0)
            jszg_wz_field_error(jr, f, "issued_on",
                                "cert_issued_out_of_range",
                                !strcmp(prov, "450000")
                                ? "证书签发日期早于1996年：教师资格证书自1996年"
                                  "起核发，需添加的证书签发日期应在1996-01-01"
                                  "至2011-12-31之间。"
                                : "证书签发日期早于1996年：教师资格证书自1996年"
                                  "起核发，需添加的证书签发日期应在1996-01-01"
                                  "至2008-08-01之间。");
        else
            jszg_wz_field_error(jr, f, "cert_no", "bad_cert_no",
                                "证书号码中的认定年份不正确：15位号码的前2位、"
                                "17位号码的前4位为认定年份，应在1996年至今年"
                                "之间，请按证书如实填写。");
    }
    k = jszg_rules_kind_code(kind);
    if (!k || k > 6)
        jszg_wz_field_error(jr, f, "kind", "bad_kind", "请选择资格种类。");
    else if (jszg_certno_kind(no) && jszg_certno_kind(no) != k)
        jszg_wz_field_error(jr, f, "kind", "kind_mismatch",
                            "资格种类与证书号码中的资格种类代码不一致。");
    if (!in_list(jszg_wz_subjects, subject))
        jszg_wz_field_error(jr, f, "subject", "bad_subject",
                            "请选择任教学科。");
    if (!text_ok(auth, 60))
        jszg_wz_field_error(jr, f, "authority", "bad_authority",
                            "请填写认定机构（60字以内）。");
    rc = strlen(prov) == 6 ? jszg_db_row(jr, "wz_region", &region, 1, prov)
                           : JSZG_DB_NOTFOUND;
    if (rc == JSZG_DB_OK && L(region, "level") != 1)
        rc = JSZG_DB_NOTFOUND;
    if (rc == JSZG_DB_NOTFOUND)
        jszg_wz_field_error(jr, f, "province", "bad_province",
                            "请选择所属省份。");
    else if (rc != JSZG_DB_OK)
        return rc;
    if (*city) {
        rc = strlen(city) == 6 ? jszg_db_row(jr, "wz_region", &region, 1,
                                             city) : JSZG_DB_NOTFOUND;
        if (rc == JSZG_DB_OK && strcmp(S(region, "parent_code"), prov))
            rc = JSZG_DB_NOTFOUND;
        if (rc == JSZG_DB_NOTFOUND)
            jszg_wz_field_error(jr, f, "city", "bad_city",
                                "所属市与所属省份不一致。");
        else if (rc != JSZG_DB_OK)
            return rc;
    }
    photo_ok(jr, f, "photo", scan, scan_len, 1);
    /* 添加补充照片: optional, the same rules as the certificate's photo */
    if (extra && extra_len)
        photo_ok(jr, f, "extra_photo", extra, extra_len, 1);
    if (f->fields)
        return refuse_fields(f);
    rc = add_cert_refusal(jr, a, no, issued, prov, &code, &msg);
    if (rc != JSZG_DB_OK)
        return rc;
    if (msg) {
        jszg_wz_field_error(jr, f, "cert_no", code, msg);
        return refuse(f, HTTP_CONFLICT, code, msg);
    }
    rc = jszg_db_row(jr, "wz_manual_by_no", &dup, 2, a->id, no);
    if (rc == JSZG_DB_OK) {
        jszg_wz_field_error(jr, f, "cert_no", "cert_already_added",
                            "该证书已添加，请在证书列表中选择。");
        return refuse(f, HTTP_CONFLICT, "cert_already_added",
                      "该证书已添加，请在证书列表中选择。");
    }
    if (rc != JSZG_DB_NOTFOUND)
        return rc;
    if (!(rel = save_upload(jr, "certs", a->id, scan, scan_len)))
        return upload_failed(f);
    if (extra && extra_len
        && !(rel2 = save_upload(jr, "certs", a->id, extra, extra_len)))
        return upload_failed(f);
    rc = jszg_db_exec(jr, "wz_manual_insert", NULL, 14, a->id, no, holder,
                      a->id_number, issued, prov, *city ? city : NULL,
                      num(jr->pool, k), jszg_rules_kind_name(k), subject, auth,
                      rel, rel2, epoch(jr));
    if (rc != JSZG_DB_OK)
        return rc;
    *cert_no_out = no;
    return JSZG_DB_OK;
}

/* ---- 毕业学校 ----------------------------------------------------------- */

/* LIKE pattern for "contains q", with LIKE's wildcards escaped by '\'. */
static const char *like_pattern(apr_pool_t *p, const char *q)
{
    char *out = apr_palloc(p, 2 * strlen(q) + 3), *o = out;

    *o++ = '%';
    for (; *q; q++) {
        if (*q == '%' || *q == '_' || *q == '\\')
            *o++ = '\\';
        *o++ = *q;
    }
    *o++ = '%';
    *o = '\0';
    return out;
}

int jszg_wz_school_search(jszg_req *jr, const char *account_id,
                          const char *q, json_t **rows, jszg_wfail *f)
{
    q = trim(jr->pool, q);
    *rows = NULL;
    if (!*q || jszg_utf8_chars(q, strlen(q)) > 30) {
        jszg_wz_field_error(jr, f, "school_q", "bad_school_query",
                            MSG_SCHOOL_QUERY);
        return refuse(f, HTTP_BAD_REQUEST, "bad_school_query",
                      MSG_SCHOOL_QUERY);
    }
    return jszg_db_rows(jr, "wz_schools_search", rows, 2,
                        like_pattern(jr->pool, q), account_id);
}

int jszg_wz_school_add(jszg_req *jr, const jszg_applicant *a,
                       const char *name, const char *kind, json_t **row,
                       jszg_wfail *f)
{
    int added;
    apr_int64_t day;
    int rc;

    name = trim(jr->pool, name);
    *row = NULL;
    /* only someone who may apply adds to everyone's list */
    if ((rc = jszg_wz_may_apply(a, f)) != JSZG_DB_OK)
        return rc;
    if (!text_ok(name, 60) || jszg_utf8_chars(name, strlen(name)) < 2)
        jszg_wz_field_error(jr, f, "new_school_name", "bad_school_name",
                            "请填写学校全称（2至60个字）。");
    if (!in_list(l_school_kinds, kind))
        jszg_wz_field_error(jr, f, "new_school_kind", "bad_school_kind",
                            "请选择办学类型。");
    if (f->fields)
        return refuse_fields(f);
    /* the same school however spaced or bracketed: use it (free) */
    rc = jszg_db_row(jr, "wz_school_by_name", row, 1, name);
    if (rc != JSZG_DB_NOTFOUND)
        return rc;
    /* JszgSchoolAddsPerDay new rows per account and Beijing day */
    day = jszg_rules_day_start(jszg_rules_beijing_day(apr_time_sec(
        jr->now)));
    rc = jszg_rate_count(jr, "wz.school_add", a->id, day - 1, &added);
    if (rc != JSZG_DB_OK)
        return rc;
    if (added >= jr->sc->school_adds)
        return refuse(f, HTTP_TOO_MANY_REQUESTS, "school_add_limit",
                      apr_psprintf(jr->pool, "每个账号每天最多新增%d所学校，"
                                   "请先在搜索结果中查找，或明日再试。",
                                   jr->sc->school_adds));
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    rc = jszg_db_exec(jr, "wz_school_insert", NULL, 4, name, kind, a->id,
                      epoch(jr));
    if (rc == JSZG_DB_OK)
        rc = jszg_rate_add(jr, "wz.school_add", a->id);
    if (rc != JSZG_DB_OK) {
        jszg_db_rollback(jr);
        /* added by someone else at the same moment? */
        if (jszg_db_row(jr, "wz_school_by_name", row, 1, name)
            == JSZG_DB_OK)
            return JSZG_DB_OK;
        return rc;
    }
    if ((rc = jszg_db_commit(jr)) != JSZG_DB_OK) {
        if (jszg_db_row(jr, "wz_school_by_name", row, 1, name)
            == JSZG_DB_OK)
            return JSZG_DB_OK;
        return rc;
    }
    return jszg_db_row(jr, "wz_school_by_name", row, 1, name);
}

/* ---- step 2 ------------------------------------------------------------- */

/* The 出生日期 of a 居民身份证 number (GB 11643: digits 7-14), or NULL. */
static const char *id_birth(jszg_req *jr, const jszg_applicant *a)
{
    const char *t = S(a->row, "id_type"), *n = a->id_number;

    if (!t || strcmp(t, "居民身份证") || !n || strlen(n) != 18)
        return NULL;
    return apr_psprintf(jr->pool, "%.4s-%.2s-%.2s", n + 6, n + 10, n + 12);
}

/* The account's identity as step 2 shows it: a missing 出生日期 is
 * taken from the ID number; what is still missing (民族, or the
 * 出生日期 of another kind of 证件) is asked on step 2 itself. */
static json_t *identity_block(jszg_req *jr, const jszg_applicant *a)
{
    json_t *o = jszg_pool_json(jr->pool, json_object());
    const char *keys[] = { "name", "ethnicity", "id_type", "sex",
                           "id_number", "birth_date", NULL };
    const char **k;

    for (k = keys; *k; k++)
        json_object_set(o, *k, json_object_get(a->row, *k));
    if (!S(a->row, "ethnicity"))
        json_object_set_new(o, "need_ethnicity", json_true());
    if (!S(a->row, "birth_date")) {
        const char *b = id_birth(jr, a);
        if (b)
            json_object_set_new(o, "birth_date", json_string(b));
        else
            json_object_set_new(o, "need_birth_date", json_true());
    }
    return o;
}

void jszg_wz_step2_values(json_t *out, json_t *values)
{
    const field_spec *fs;
    json_t *lists = json_object(), *labels = json_object();

    for (fs = person_spec; fs->name; fs++)
        if (fs->kind == F_LIST)
            json_object_set_new(lists, fs->name, jszg_wz_options(fs->list,
                                S(values, fs->name)));
    json_object_set_new(lists, "ethnicity", jszg_wz_options(
                        jszg_ethnicities, S(values, "ethnicity")));
    json_object_set_new(out, "lists", lists);
    /* the form's labels (partials/person_fields): the vocabulary's */
    for (fs = person_spec; fs->name; fs++)
        json_object_set_new(labels, fs->name, json_string(LABEL(fs)));
    json_object_set_new(out, "labels", labels);
    json_object_set(out, "values", values);
    mark_selected(json_object_get(out, "certs"), "cert_no",
                  S(values, "cert_no"));
}

int jszg_wz_step2_data(jszg_req *jr, const jszg_applicant *a,
                       const jszg_draft *d, json_t *out)
{
    json_t *certs, *person = json_object_get(d->data, "person");
    json_t *values;
    size_t i;
    json_t *row;
    int rc;

    rc = wizard_certs(jr, a, S(d->data, "cycle_year"), &certs);
    if (rc != JSZG_DB_OK)
        return rc;
    json_array_foreach(certs, i, row)
        json_object_set_new(row, "disabled",
                            json_boolean(!json_is_true(json_object_get(
                                row, "selectable"))));
    json_object_set_new(out, "identity", json_incref(identity_block(jr, a)));
    json_object_set(out, "certs", certs);
    /* what was typed last, when it was not accepted (the applicant may
     * have gone to 添加证书 or to the 个人信息中心 in between) */
    if (json_is_object(json_object_get(d->data, "typed")))
        person = json_object_get(d->data, "typed");
    values = jszg_pool_json(jr->pool, person ? json_deep_copy(person)
                                             : json_object());
    if (S(d->data, "cert_no") && !S(values, "cert_no"))
        json_object_set(values, "cert_no", json_object_get(d->data,
                                                           "cert_no"));
    jszg_wz_step2_values(out, values);
    json_object_set_new(out, "school_kinds", jszg_wz_school_kinds(NULL));
    json_object_set_new(out, "has_photo",
                        json_boolean(S(d->data, "photo") != NULL));
    return JSZG_DB_OK;
}

/* Dates of step 2: real, not in the future, after the birth date, and
 * in order (开始参加工作时间 <= 本单位聘用起始日期 <= today). */
static void check_dates(jszg_req *jr, const char *birth, json_t *in,
                        jszg_wfail *f)
{
    const char *today = jszg_wz_today(jr);
    const char *names[] = { "grad_date", "work_start", "employ_start", NULL };
    const char **n;
    const char *ws = S(in, "work_start"), *es = S(in, "employ_start");

    for (n = names; *n; n++) {
        const char *v = S(in, *n);
        if (!v || !*v)
            continue;
        if (!date_valid(v))
            jszg_wz_field_error(jr, f, *n, "bad_date",
                                "日期格式应为YYYY-MM-DD，请选择正确的日期。");
        else if (strcmp(v, today) > 0)
            jszg_wz_field_error(jr, f, *n, "date_in_future",
                                "日期不能晚于今天。");
        else if (birth && strcmp(v, birth) <= 0)
            jszg_wz_field_error(jr, f, *n, "date_before_birth",
                                "日期不能早于出生日期。");
    }
    if (ws && es && date_valid(ws) && date_valid(es) && strcmp(es, ws) < 0)
        jszg_wz_field_error(jr, f, "employ_start", "employ_before_work",
                            "本单位聘用起始日期不能早于开始参加工作时间。");
}

static void check_field(jszg_req *jr, const field_spec *fs, json_t *in,
                        json_t *person, jszg_wfail *f)
{
    const char *v = trim(jr->pool, S(in, fs->name));
    const char *msg = apr_pstrcat(jr->pool, "请填写", LABEL(fs), "。", NULL);
    const char *i;

    if (!*v) {
        jszg_wz_field_error(jr, f, fs->name, "required",
                            fs->kind == F_LIST || fs->kind == F_SCHOOL
                            || fs->kind == F_DATE
                            ? apr_pstrcat(jr->pool, "请选择", LABEL(fs), "。",
                                          NULL) : msg);
        return;
    }
    switch (fs->kind) {
    case F_LIST:
        if (!in_list(fs->list, v))
            jszg_wz_field_error(jr, f, fs->name, "not_in_list",
                                apr_pstrcat(jr->pool, LABEL(fs),
                                            "的取值不正确，请从列表中选择。",
                                            NULL));
        break;
    case F_TEXT:
        if (!text_ok(v, fs->maxlen))
            jszg_wz_field_error(jr, f, fs->name, "too_long",
                                apr_psprintf(jr->pool, "%s不能超过%d个字，"
                                             "且不能含有<>等特殊字符。",
                                             LABEL(fs), fs->maxlen));
        break;
    case F_POSTCODE:
        for (i = v; *i && apr_isdigit(*i); i++)
            ;
        if (*i || strlen(v) != 6)
            jszg_wz_field_error(jr, f, fs->name, "bad_postcode",
                                "通讯邮编应为6位数字。");
        break;
    default:
        break;
    }
    json_object_set_new(person, fs->name, json_string(v));
}

/* 毕业学校: an id from the school list. */
static int check_school(jszg_req *jr, json_t *person, jszg_wfail *f)
{
    const char *id = S(person, "grad_school");
    json_t *row;
    const char *p;
    int rc;

    if (!id || !*id)
        return JSZG_DB_OK;      /* the required-field error is set */
    for (p = id; *p && apr_isdigit(*p); p++)
        ;
    rc = *p || strlen(id) > 12 ? JSZG_DB_NOTFOUND
                               : jszg_db_row(jr, "wz_school_get", &row, 1,
                                             id);
    if (rc == JSZG_DB_NOTFOUND) {
        jszg_wz_field_error(jr, f, "grad_school", "unknown_school",
                            "请通过【查询】选择毕业学校；查不到时请点击"
                            "【新增学校】。");
        return JSZG_DB_OK;
    }
    if (rc == JSZG_DB_OK)
        json_object_set(person, "grad_school_name",
                        json_object_get(row, "name"));
    return rc;
}

int jszg_wz_save_photo(jszg_req *jr, const jszg_applicant *a,
                       jszg_draft *d, const unsigned char *photo,
                       apr_size_t len, jszg_wfail *f)
{
    const char *rel;

    if (!photo_ok(jr, f, "photo", photo, len, 0)) {
        json_t *e = json_object_get(f->fields, "photo");
        jszg_wz_fail(f, HTTP_BAD_REQUEST, S(e, "code"), S(e, "message"));
        return JSZG_W_REFUSED;
    }
    if (!(rel = save_upload(jr, "photos", a->id, photo, len)))
        return upload_failed(f);
    json_object_set_new(d->data, "photo", json_string(rel));
    return draft_save(jr, d, d->step_done);
}

/* 民族 and 出生日期: the account's, else (出生日期) the ID number's,
 * else the form's (checked).  *missing: the account lacks one, to be
 * stored with the step. */
static void check_identity(jszg_req *jr, const jszg_applicant *a,
                           json_t *in, const char **eth, const char **birth,
                           int *missing, jszg_wfail *f)
{
    const char *v;

    *eth = a->row ? S(a->row, "ethnicity") : NULL;
    *birth = a->row ? S(a->row, "birth_date") : NULL;
    *missing = !*eth || !*birth;
    if (!*eth) {
        v = trim(jr->pool, S(in, "ethnicity"));
        if (!in_list(jszg_ethnicities, v))
            jszg_wz_field_error(jr, f, "ethnicity", "missing_ethnicity",
                                "请选择民族。");
        else
            *eth = v;
    }
    if (!*birth && !(*birth = id_birth(jr, a))) {
        v = trim(jr->pool, S(in, "birth_date"));
        if (!date_valid(v) || strcmp(v, jszg_wz_today(jr)) >= 0)
            jszg_wz_field_error(jr, f, "birth_date", "missing_birth_date",
                                "请填写出生日期（YYYY-MM-DD）。");
        else
            *birth = v;
    }
}

/* The values as typed, kept in the draft when they are refused. */
static json_t *typed_values(jszg_req *jr, json_t *in, const char *cert_no)
{
    json_t *o = json_object();
    const char *const *n;
    const char *extra[] = { "grad_school_name", "ethnicity", "birth_date",
                            NULL };
    const char **e;

    for (n = jszg_wz_person_fields; *n; n++)
        if (S(in, *n))
            json_object_set(o, *n, json_object_get(in, *n));
    for (e = extra; *e; e++)
        if (S(in, *e))
            json_object_set(o, *e, json_object_get(in, *e));
    json_object_set_new(o, "cert_no", json_string(cert_no));
    return jszg_pool_json(jr->pool, o);
}

/* The step, and a missing 民族 / 出生日期 of the account, in one change. */
static int save_step2(jszg_req *jr, const jszg_applicant *a, jszg_draft *d,
                      int missing, const char *eth, const char *birth)
{
    int rc;

    if (!missing || !d->account_id || strcmp(d->account_id, a->id))
        return draft_save(jr, d, 2);
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    rc = jszg_db_exec(jr, "wz_account_identity", NULL, 4, eth, birth,
                      epoch(jr), a->id);
    if (rc == JSZG_DB_OK)
        rc = draft_save(jr, d, 2);
    if (rc == JSZG_DB_OK)
        return jszg_db_commit(jr);
    jszg_db_rollback(jr);
    return rc;
}

int jszg_wz_save_person(jszg_req *jr, const jszg_applicant *a,
                        jszg_draft *d, json_t *in,
                        const unsigned char *photo, apr_size_t photo_len,
                        jszg_wfail *f)
{
    json_t *person = jszg_pool_json(jr->pool, json_object());
    json_t *certs, *cert, *choice;
    const field_spec *fs;
    const char *cert_no = trim(jr->pool, S(in, "cert_no"));
    const char *rel = NULL, *eth, *birth;
    char buf[256];
    int rc, missing;

    /* everything is checked in one pass, the identity included */
    check_identity(jr, a, in, &eth, &birth, &missing, f);
    /* 高中毕业及以下: 所学专业 is 无 (domain.md) */
    if (S(in, "education") && !strcmp(S(in, "education"), "高中毕业及以下"))
        json_object_set_new(in, "major", json_string("无"));
    for (fs = person_spec; fs->name; fs++)
        check_field(jr, fs, in, person, f);
    check_dates(jr, birth, person, f);
    if ((rc = check_school(jr, person, f)) != JSZG_DB_OK)
        return rc;
    rc = wizard_certs(jr, a, S(d->data, "cycle_year"), &certs);
    if (rc != JSZG_DB_OK)
        return rc;
    cert = *cert_no ? find_row(certs, "cert_no", cert_no) : NULL;
    if (!cert)
        jszg_wz_field_error(jr, f, "cert_no", "missing_cert",
                            "请选择本次注册的教师资格证书。");
    else if (S(cert, "blocked"))
        jszg_wz_field_error(jr, f, "cert_no", S(cert, "blocked_code"),
                            S(cert, "blocked"));
    if (photo && photo_len) {
        if (photo_ok(jr, f, "photo", photo, photo_len, 0)
            && !(rel = save_upload(jr, "photos", a->id, photo, photo_len)))
            return upload_failed(f);
    }
    else if (!S(d->data, "photo"))
        jszg_wz_field_error(jr, f, "photo", "photo_missing",
                            "请上传近期本人1寸白色免冠正面证件照。");
    if (rel)    /* a good photo is kept even when other fields are wrong */
        json_object_set_new(d->data, "photo", json_string(rel));
    if (f->fields) {
        /* what was typed stays in the draft: nothing is lost when the
         * applicant leaves the page (添加证书, 个人信息中心) and comes
         * back; the step itself is not done */
        json_object_set(d->data, "typed", typed_values(jr, in, cert_no));
        if ((rel || (d->account_id && !strcmp(d->account_id, a->id)))
            && (rc = draft_save(jr, d, d->step_done)) != JSZG_DB_OK)
            return rc;
        refuse_fields(f);
        /* a blocked certificate is the reason to tell first */
        if (cert && S(cert, "blocked")
            && json_object_size(f->fields) == 1)
            jszg_wz_fail(f, HTTP_CONFLICT, S(cert, "blocked_code"),
                         S(cert, "blocked"));
        return JSZG_W_REFUSED;
    }
    json_object_del(d->data, "typed");
    json_object_set_new(d->data, "cert_no", json_string(cert_no));
    json_object_set_new(d->data, "cert", json_deep_copy(cert));
    json_object_set(d->data, "person", person);
    /* another certificate may not cover the 学段 chosen in step 3:
     * then step 3 is to be done again */
    choice = json_object_get(d->data, "choice");
    if (d->step_done >= 3 && jszg_rules_kind_stage_refusal(
            (int)L(cert, "kind"), S(choice, "stage"), buf, sizeof(buf)))
        d->step_done = 2;
    return save_step2(jr, a, d, missing, eth, birth);
}

/* ---- step 3 ------------------------------------------------------------- */

/* 资格种类 vs 学段 ("具有与任教岗位相应的教师资格", jszg_rules.c): a
 * post the chosen certificate does not cover is refused on the stage. */
static void check_kind_stage(jszg_req *jr, json_t *cert, const char *stage,
                             jszg_wfail *f)
{
    char buf[256];
    const char *why = cert ? jszg_rules_kind_stage_refusal(
                                 (int)L(cert, "kind"), stage, buf,
                                 sizeof(buf)) : NULL;

    if (why)
        jszg_wz_field_error(jr, f, "stage", "kind_stage_mismatch",
                            apr_pstrcat(jr->pool, why, "。请选择与证书相应的"
                                        "学段，或返回步骤二选择其他证书。",
                                        NULL));
}

int jszg_wz_step3_data(jszg_req *jr, const jszg_draft *d, json_t *sel,
                       json_t *out)
{
    json_t *saved = json_object_get(d->data, "choice");
    const char *subject;
    int rc;

    /* without a selection in the request: what the draft holds */
    if (!json_object_size(sel) && saved)
        json_object_update(sel, saved);
    subject = S(sel, "subject");
    if ((rc = fill_selects(jr, sel, out)) != JSZG_DB_OK)
        return rc;
    if ((rc = add_institution(jr, sel, out)) != JSZG_DB_OK)
        return rc;
    json_object_set_new(out, "subjects", jszg_wz_options(jszg_wz_subjects,
                                                         subject));
    json_object_set(out, "sel", sel);
    return JSZG_DB_OK;
}

int jszg_wz_choose_institution(jszg_req *jr, jszg_draft *d, json_t *in,
                               jszg_wfail *f)
{
    const char *prov = S(in, "province"), *city = S(in, "city");
    const char *stage = S(in, "stage"), *subject = S(in, "subject");
    const char *inst = S(in, "institution_id"), *point = S(in, "point_id");
    json_t *sel = jszg_pool_json(jr->pool, json_deep_copy(in));
    json_t *opts = jszg_pool_json(jr->pool, json_object());
    json_t *irow, *win, *prow, *choice;
    int rc;

    if ((rc = fill_selects(jr, sel, opts)) != JSZG_DB_OK)
        return rc;
    /* every problem of the form at once, each next to its field */
    if (!prov || !*prov || strcmp(S(sel, "province"), prov))
        jszg_wz_field_error(jr, f, "province", "missing_province",
                            "请选择省份。");
    else if (!city || !*city || strcmp(S(sel, "city"), city))
        jszg_wz_field_error(jr, f, "city", "missing_city", "请选择地市。");
    if (!jszg_rules_is_stage(stage))
        jszg_wz_field_error(jr, f, "stage", "missing_stage",
                            "请选择现任教学段。");
    else
        check_kind_stage(jr, json_object_get(d->data, "cert"), stage, f);
    if (!in_list(jszg_wz_subjects, subject))
        jszg_wz_field_error(jr, f, "subject", "missing_subject",
                            "请选择现任教学科。");
    if (!inst || !*inst)
        jszg_wz_field_error(jr, f, "institution_id", "missing_institution",
                            "请选择注册机构。");
    else if (strcmp(S(sel, "institution_id"), inst))
        jszg_wz_field_error(jr, f, "institution_id", "missing_institution",
                            S(sel, "province")[0] && S(sel, "city")[0]
                            && S(sel, "stage")[0]
                            ? "所选注册机构没有该地区、该学段的定期注册权限，"
                              "请重新选择。"
                            : "请选择注册机构。");
    else {
        /* the institution's window and the point, with the rest */
        rc = check_institution(jr, inst, stage, point, &irow, &win, &prow,
                               f);
        if (rc != JSZG_DB_OK && rc != JSZG_W_REFUSED)
            return rc;
        if (rc == JSZG_W_REFUSED && f->code
            && !strcmp(f->code, "missing_institution"))
            f->code = NULL;
        if (rc == JSZG_W_REFUSED && f->code && strcmp(f->code, "invalid"))
            return JSZG_W_REFUSED;      /* window / no points: 409 */
    }
    if (f->fields)
        return refuse_fields(f);
    choice = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "province", prov,
                       "city", city, "stage", stage, "subject", subject,
                       "institution_id", inst, "point_id", point);
    json_object_set_new(d->data, "choice", choice);
    json_object_set(d->data, "cycle_year", json_object_get(win,
                                                           "cycle_year"));
    return draft_save(jr, d, 3);
}

/* ---- step 4: review and online verification ----------------------------- */

static json_t *labelled_person(jszg_req *jr, json_t *person)
{
    json_t *out = jszg_pool_json(jr->pool, json_array());
    const field_spec *fs;

    for (fs = person_spec; fs->name; fs++) {
        const char *v = fs->kind == F_SCHOOL ? S(person, "grad_school_name")
                                             : S(person, fs->name);
        json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "name",
                                             fs->name, "label", LABEL(fs),
                                             "value", v ? v : ""));
    }
    return out;
}

/* 年度考核, 学时 and 师德 of the cycle's five years before cycle_year,
 * judged by the rules core (jszg_rules_cycle_judge), as the staff page
 * judges them.  Warnings only: the decision stays with the registration
 * authority. */
static int verification(jszg_req *jr, const jszg_applicant *a, int cycle,
                        json_t *out)
{
    const char *from = num(jr->pool, cycle - JSZG_RULE_YEARS);
    const char *to = num(jr->pool, cycle - 1);
    json_t *ass, *train, *eth, *warn = json_array(), *row;
    jszg_cycle_facts f;
    jszg_cycle_verdict v;
    size_t i;
    int rc, y, any;

    json_object_set_new(out, "warnings", warn);
    if ((rc = jszg_db_rows(jr, "wz_assessments", &ass, 3, a->id_number,
                           from, to)) != JSZG_DB_OK
        || (rc = jszg_db_rows(jr, "wz_training", &train, 3, a->id_number,
                              from, to)) != JSZG_DB_OK
        || (rc = jszg_db_rows(jr, "wz_ethics", &eth, 1, a->id_number))
           != JSZG_DB_OK)
        return rc;
    any = json_array_size(ass) || json_array_size(train)
          || json_array_size(eth);
    json_object_set_new(out, "cycle_from",
                        json_integer(cycle - JSZG_RULE_YEARS));
    json_object_set_new(out, "cycle_to", json_integer(cycle - 1));
    json_object_set(out, "assessments", ass);
    json_object_set(out, "training", train);
    json_object_set(out, "ethics", eth);
    json_object_set_new(out, "has_data", json_boolean(any));
    if (!any)
        return JSZG_DB_OK;
    memset(&f, 0, sizeof(f));
    json_array_foreach(ass, i, row) {
        y = (int)L(row, "year") - (cycle - JSZG_RULE_YEARS);
        if (y >= 0 && y < JSZG_RULE_YEARS)
            f.grade[y] = jszg_rules_grade(S(row, "grade"));
    }
    json_array_foreach(train, i, row)
        f.hours += L(row, "hours");
    f.ethics_records = (int)json_array_size(eth);
    json_array_foreach(eth, i, row)
        if (!strcmp(S(row, "result"), "不合格"))
            f.ethics_bad = 1;
    jszg_rules_cycle_judge(&f, &v);
    for (y = 0; y < JSZG_RULE_YEARS; y++) {
        int year = cycle - JSZG_RULE_YEARS + y;
        if (f.grade[y] == JSZG_GRADE_BAD)
            json_array_append_new(warn, json_string(apr_psprintf(jr->pool,
                "%d年年度考核为“不合格”：本注册周期内有年度考核不合格的，"
                "将" JSZG_ST_DEFER "（连续两年不合格的" JSZG_ST_FAIL "）。",
                year)));
        else if (v.basic & (1u << y))
            json_array_append_new(warn, json_string(apr_psprintf(jr->pool,
                "%d年年度考核为“基本合格”：注册机构将按本省规定认定是否"
                "符合“年度考核合格以上等次”的注册条件。", year)));
        else if (json_array_size(ass) && (v.missing & (1u << y)))
            json_array_append_new(warn, json_string(apr_psprintf(
                jr->pool, "未查询到%d年的年度考核信息，请在现场确认时提供"
                "年度考核证明材料。", year)));
    }
    json_object_set_new(out, "hours", json_integer(f.hours));
    json_object_set_new(out, "hours_required",
                        json_integer(JSZG_RULE_HOURS));
    if (v.hours_short)
        json_array_append_new(warn, json_string(apr_psprintf(jr->pool,
            "本注册周期培训学时为%ld学时，不足国家规定的%d学时：未完成培训"
            "学时的，将" JSZG_ST_DEFER "。", f.hours, JSZG_RULE_HOURS)));
    json_array_foreach(eth, i, row)
        if (!strcmp(S(row, "result"), "不合格"))
            json_array_append_new(warn, json_string(apr_psprintf(jr->pool,
                "师德考核记录（%s）：不合格%s%s。", S(row, "recorded_on"),
                S(row, "note") ? "，" : "", S(row, "note") ? S(row, "note")
                                                         : "")));
    return JSZG_DB_OK;
}

/* Names for the step-3 choice (province, city, institution, point). */
static int choice_names(jszg_req *jr, json_t *choice, json_t *out)
{
    json_t *inst, *win, *points, *pt, *reg;
    int rc;

    json_object_update(out, choice);
    if ((rc = institution_get(jr, S(choice, "institution_id"), &inst))
        != JSZG_DB_OK)
        return rc;
    json_object_set(out, "institution", json_object_get(inst, "name"));
    json_object_set(out, "province_name", json_object_get(inst,
                                                          "province"));
    if (S(choice, "city")
        && jszg_db_row(jr, "wz_region", &reg, 1, S(choice, "city"))
           == JSZG_DB_OK)
        json_object_set(out, "city_name", json_object_get(reg, "name"));
    if ((rc = window_state(jr, inst, &win)) != JSZG_DB_OK)
        return rc;
    json_object_set(out, "window", win);
    if ((rc = jszg_db_rows(jr, "wz_points", &points, 3, S(inst, "id"),
                           stage_arg(S(choice, "stage")),
                           stage_arg(S(choice, "stage")))) != JSZG_DB_OK)
        return rc;
    if ((pt = find_row(points, "id", S(choice, "point_id"))))
        json_object_set(out, "point", pt);
    return JSZG_DB_OK;
}

int jszg_wz_review(jszg_req *jr, const jszg_applicant *a,
                   const jszg_draft *d, json_t *out)
{
    json_t *choice = json_object(), *ver = json_object();
    int rc;

    json_object_set_new(out, "identity", json_incref(identity_block(jr, a)));
    json_object_set(out, "cert", json_object_get(d->data, "cert"));
    json_object_set_new(out, "person", json_incref(labelled_person(jr,
                        json_object_get(d->data, "person"))));
    json_object_set_new(out, "choice", choice);
    json_object_set_new(out, "verification", ver);
    json_object_set_new(out, "has_photo",
                        json_boolean(S(d->data, "photo") != NULL));
    if ((rc = choice_names(jr, json_object_get(d->data, "choice"), choice))
        != JSZG_DB_OK)
        return rc;
    return verification(jr, a, (int)L(d->data, "cycle_year"), ver);
}

int jszg_wz_mark_done(jszg_req *jr, jszg_draft *d, int step)
{
    return draft_save(jr, d, step);
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

    rc = institution_get(jr, S(json_object_get(d->data, "choice"),
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

/* ---- step 6: submission ------------------------------------------------- */

static int key_ok(const char *k)
{
    apr_size_t n = 0;

    if (!k)
        return 0;
    for (; k[n]; n++)
        if (!(apr_isalnum(k[n]) || k[n] == '-' || k[n] == '_'))
            return 0;
    return n >= 8 && n <= 100;
}

static const char *idem_hash(jszg_req *jr, const jszg_applicant *a,
                             const char *key)
{
    return jszg_sha256_hex(jr->pool, apr_pstrcat(jr->pool, a->id,
                           ":dqzc_submit:", key, NULL));
}

/* Everything of the draft checked again: time has passed since the
 * steps were filled (the window may have closed, another application
 * may exist). */
static int recheck_draft(jszg_req *jr, const jszg_applicant *a,
                         jszg_draft *d, json_t **inst, json_t **cert,
                         jszg_wfail *f)
{
    json_t *choice = json_object_get(d->data, "choice"), *certs, *win, *pt;
    char buf[256];
    const char *why;
    int rc;

    if (d->step_done < 5)
        return jszg_wz_step_open(d, 6, f);
    rc = check_institution(jr, S(choice, "institution_id"),
                           S(choice, "stage"), S(choice, "point_id"), inst,
                           &win, &pt, f);
    if (rc != JSZG_DB_OK)
        return rc;
    if (L(win, "cycle_year") != L(d->data, "cycle_year"))
        json_object_set(d->data, "cycle_year", json_object_get(win,
                                                               "cycle_year"));
    rc = wizard_certs(jr, a, S(d->data, "cycle_year"), &certs);
    if (rc != JSZG_DB_OK)
        return rc;
    *cert = find_row(certs, "cert_no", S(d->data, "cert_no"));
    if (!*cert)
        return refuse(f, HTTP_CONFLICT, "missing_cert",
                      "请返回步骤二选择本次注册的教师资格证书。");
    if (S(*cert, "blocked"))
        return refuse(f, HTTP_CONFLICT, S(*cert, "blocked_code"),
                      S(*cert, "blocked"));
    if ((why = jszg_rules_kind_stage_refusal((int)L(*cert, "kind"),
                                             S(choice, "stage"), buf,
                                             sizeof(buf))))
        return refuse(f, HTTP_CONFLICT, "kind_stage_mismatch",
                      apr_pstrcat(jr->pool, why, "。请返回步骤三重新选择"
                                  "现任教学段。", NULL));
    if (!S(d->data, "photo"))
        return refuse(f, HTTP_CONFLICT, "photo_missing",
                      "请返回步骤二上传照片。");
    return JSZG_DB_OK;
}

/* The application's snapshot: identity, certificate, personal data,
 * choice (as submitted). */
static const char *snapshot(jszg_req *jr, const jszg_applicant *a,
                            jszg_draft *d, json_t *cert)
{
    json_t *o = json_object();
    char *s;
    const char *out;

    json_object_set_new(o, "identity", json_incref(identity_block(jr, a)));
    json_object_set(o, "cert", cert);
    json_object_set(o, "person", json_object_get(d->data, "person"));
    json_object_set(o, "choice", json_object_get(d->data, "choice"));
    s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    out = apr_pstrdup(jr->pool, s ? s : "{}");
    free(s);
    return out;
}

/* The next 报名号 of an institution and cycle, inside the transaction. */
static int next_regno(jszg_req *jr, json_t *inst, const char *cycle,
                      const char **regno)
{
    char buf[JSZG_REGNO_LEN + 1];
    json_t *row;
    int n = 0, rc;

    *regno = NULL;
    rc = jszg_db_exec(jr, "wz_counter_bump", &n, 2, S(inst, "id"), cycle);
    if (rc == JSZG_DB_OK && n == 0)
        rc = jszg_db_exec(jr, "wz_counter_insert", NULL, 2, S(inst, "id"),
                          cycle);
    if (rc == JSZG_DB_OK)
        rc = jszg_db_row(jr, "wz_counter_get", &row, 2, S(inst, "id"),
                         cycle);
    if (rc != JSZG_DB_OK)
        return rc;
    if (jszg_regno_make(buf, atoi(cycle), S(inst, "code"),
                        L(row, "last_seq")) != 0)
        return JSZG_DB_ERROR;
    *regno = apr_pstrdup(jr->pool, buf);
    return JSZG_DB_OK;
}

static int insert_application(jszg_req *jr, const jszg_applicant *a,
                              jszg_draft *d, json_t *inst, json_t *cert,
                              const char *khash, const char **regno)
{
    json_t *choice = json_object_get(d->data, "choice");
    const char *cycle = S(d->data, "cycle_year"), *now = epoch(jr);
    int rc;

    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    rc = next_regno(jr, inst, cycle, regno);
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "wz_app_insert", NULL, 15, *regno, a->id,
                          S(cert, "cert_no"), S(cert, "kind_name"),
                          S(cert, "subject"), S(cert, "source"), cycle,
                          S(inst, "id"), S(choice, "point_id"),
                          S(choice, "stage"), S(choice, "subject"),
                          snapshot(jr, a, d, cert), S(d->data, "photo"),
                          now, now);
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "wz_event_insert", NULL, 4, now,
                          apr_pstrcat(jr->pool, "applicant:", a->id, NULL),
                          "网上报名提交", *regno);
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "wz_idem_insert", NULL, 5, khash, a->id,
                          "dqzc_submit", *regno, now);
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "wz_draft_delete", NULL, 1, a->id);
    if (rc != JSZG_DB_OK) {
        jszg_db_rollback(jr);
        return rc;
    }
    return jszg_db_commit(jr);
}

/* The 报名号 an earlier submit with this key produced, if one did. */
static int idem_answer(jszg_req *jr, const jszg_applicant *a,
                       const char *khash, const char **reg_no)
{
    json_t *row;
    int rc = jszg_db_row(jr, "wz_idem_get", &row, 2, khash, a->id);

    if (rc == JSZG_DB_OK)
        *reg_no = S(row, "result");
    return rc;
}

int jszg_wz_submit(jszg_req *jr, const jszg_applicant *a, const char *key,
                   const char **reg_no, int *replayed, jszg_wfail *f)
{
    json_t *inst = NULL, *cert = NULL;
    jszg_draft *d;
    const char *khash, *code, *msg;
    int rc, tries;

    *reg_no = NULL;
    *replayed = 0;
    if ((rc = jszg_wz_may_apply(a, f)) != JSZG_DB_OK)
        return rc;
    if (!key_ok(key))
        return refuse(f, HTTP_BAD_REQUEST, "bad_submit_key",
                      "提交凭据无效，请刷新页面后重新提交。");
    khash = idem_hash(jr, a, key);
    for (tries = 0; tries < 3; tries++) {
        /* a replay (double click, resent POST) gets the first answer */
        if ((rc = idem_answer(jr, a, khash, reg_no)) == JSZG_DB_OK) {
            *replayed = 1;
            return JSZG_DB_OK;
        }
        if (rc != JSZG_DB_NOTFOUND)
            return rc;
        rc = jszg_wz_draft_load(jr, a, &d);
        if (rc == JSZG_DB_NOTFOUND)
            rc = refuse(f, HTTP_CONFLICT, "no_draft", MSG_NO_DRAFT);
        else if (rc == JSZG_DB_OK)
            rc = recheck_draft(jr, a, d, &inst, &cert, f);
        if (rc == JSZG_DB_OK) {
            rc = insert_application(jr, a, d, inst, cert, khash, reg_no);
            if (rc == JSZG_DB_OK) {
                ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, jr->r,
                              JSZGLOGNO(16002) "account %s submitted 定期注册 "
                              "application %s", a->id, *reg_no);
                return JSZG_DB_OK;
            }
            if (rc == JSZG_DB_DOWN)
                return rc;
            /* A constraint lost a race (the same key, the open
             * application of the certificate, the counter's first row):
             * look again, or refuse below if the certificate is taken. */
            if (!(cert && cert_block(jr, a, cert, S(d->data, "cycle_year"),
                                     &code, &msg) == JSZG_DB_OK && msg))
                continue;
            rc = refuse(f, HTTP_CONFLICT, code, msg);
        }
        if (rc != JSZG_W_REFUSED)
            return rc;
        /* A concurrent submit with the same key may have committed after
         * our look at the key: it took the draft (no_draft) and the
         * certificate (already_applied).  Its answer is ours too. */
        if (idem_answer(jr, a, khash, reg_no) == JSZG_DB_OK) {
            memset(f, 0, sizeof(*f));
            *replayed = 1;
            return JSZG_DB_OK;
        }
        *reg_no = NULL;
        return rc;
    }
    return rc;
}

/* ---- step 7 and the 业务平台 records ------------------------------------ */

int jszg_wz_application(jszg_req *jr, const jszg_applicant *a,
                        const char *reg_no, json_t **app)
{
    json_t *row, *inst, *win, *data;
    int rc;

    *app = NULL;
    rc = JSZG_DB_NOTFOUND;
    if (reg_no && jszg_regno_valid(reg_no))
        rc = jszg_db_row(jr, "wz_app_get", &row, 2, reg_no, a->id);
    if (rc == JSZG_DB_NOTFOUND) {
        /* someone else's number or a guess: a 404 to the client, a line
         * for the operator (as jszg_rec_load does) */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, jr->r, JSZGLOGNO(16003)
                      "account %s asked for application %s: not one of "
                      "theirs", a->id, reg_no ? ap_escape_logitem(jr->pool,
                      apr_pstrndup(jr->pool, reg_no, 40)) : "-");
        return rc;
    }
    if (rc != JSZG_DB_OK)
        return rc;
    if ((rc = institution_get(jr, S(row, "institution_id"), &inst))
        != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_db_row(jr, "wz_window", &win, 1, S(inst, "id")))
        == JSZG_DB_OK)
        json_object_set(row, "window", win);
    else if (rc != JSZG_DB_NOTFOUND)
        return rc;
    data = json_loads(S(row, "data"), 0, NULL);
    json_object_del(row, "data");
    if (json_is_object(data)) {
        json_object_set(row, "identity", json_object_get(data, "identity"));
        json_object_set(row, "person", json_object_get(data, "person"));
    }
    json_decref(data);
    json_object_set_new(row, "materials", json_pack("[s, s, s]",
        "《教师资格定期注册申请表》一式2份（须学校负责人签字并加盖学校公章）",
        "《教师资格证书》原件及复印件",
        "中小学或主管部门聘用合同"));
    *app = row;
    return JSZG_DB_OK;
}

int jszg_wz_records(jszg_req *jr, const jszg_applicant *a, json_t **rows)
{
    return jszg_db_rows(jr, "wz_apps_mine", rows, 1, a->id);
}

/* ---- 证书查询 ----------------------------------------------------------- */

int jszg_cert_rate_ok(jszg_req *jr, jszg_wfail *f)
{
    const char *ip = jr->r->useragent_ip ? jr->r->useragent_ip : "-";
    int n, rc = jszg_rate_count(jr, "cert_query", ip,
                                (apr_int64_t)apr_time_sec(jr->now)
                                - JSZG_CERT_QUERY_WINDOW, &n);

    if (rc != JSZG_DB_OK)
        return rc;
    if (n >= JSZG_CERT_QUERY_LIMIT)
        return refuse(f, HTTP_TOO_MANY_REQUESTS, "too_many_queries",
                      "查询过于频繁，请10分钟后再试。");
    return JSZG_DB_OK;
}

int jszg_cert_query(jszg_req *jr, const char *name, const char *id_number,
                    const char *cert_no, json_t **result, jszg_wfail *f)
{
    const char *ip = jr->r->useragent_ip ? jr->r->useragent_ip : "-";
    json_t *cert, *hist;
    char *up;
    int year, rc;

    *result = NULL;
    name = trim(jr->pool, name);
    id_number = trim(jr->pool, id_number);
    cert_no = trim(jr->pool, cert_no);
    beijing_now(jr, &year);
    if (!text_ok(name, 30))
        jszg_wz_field_error(jr, f, "name", "bad_name", "请输入持证人姓名。");
    if (strlen(id_number) < 5 || strlen(id_number) > 32
        || strpbrk(id_number, "<> "))
        jszg_wz_field_error(jr, f, "id_number", "bad_id_number",
                            "请输入正确的证件号码。");
    if (!jszg_certno_valid(cert_no, year))
        jszg_wz_field_error(jr, f, "cert_no", "bad_cert_no",
                            "证书号码应为15位或17位数字。");
    if (f->fields)
        return refuse_fields(f);
    if ((rc = jszg_cert_rate_ok(jr, f)) != JSZG_DB_OK)
        return rc;
    /* every attempt counts against the IP, hit or miss */
    rc = jszg_rate_add(jr, "cert_query", ip);
    if (rc != JSZG_DB_OK)
        return rc;
    up = apr_pstrdup(jr->pool, id_number);
    ap_str_toupper(up);
    rc = jszg_db_row(jr, "cert_query", &cert, 3, cert_no,
                     apr_pstrdup(jr->pool, id_number), name);
    if (rc == JSZG_DB_NOTFOUND && strchr(id_number, 'x'))
        rc = jszg_db_row(jr, "cert_query", &cert, 3, cert_no, up, name);
    if (rc == JSZG_DB_NOTFOUND)
        return refuse(f, HTTP_NOT_FOUND, "no_match",
                      "未查询到相关证书信息，请核对姓名、证件号码和证书号码"
                      "是否与证书一致。");
    if (rc != JSZG_DB_OK)
        return rc;
    /* the registrations of this holder only */
    if ((rc = jszg_db_rows(jr, "wz_cert_history", &hist, 3, cert_no, up,
                           up)) != JSZG_DB_OK)
        return rc;
    json_object_set(cert, "history", hist);
    if (restriction_message(S(cert, "status")))
        json_object_set_new(cert, "restriction", json_string(
            restriction_message(S(cert, "status"))));
    *result = cert;
    return JSZG_DB_OK;
}
