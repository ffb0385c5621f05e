/*
 * jszg_wizard.h -- 中小学教师资格定期注册 online (manual §2.2, §2.3,
 * §3.1): 教师资格证书信息, 证书查询, 业务平台, 须知, 网报时间查询 and the
 * seven-step wizard up to the 报名号, with JSON twins under /api/v1/.
 *
 * Services (jszg_wizard*.c, split by concern as jszg_wizard_int.h lists;
 * 证书查询 in jszg_cert_query.c) take typed arguments and return JSZG_DB_OK,
 * a store failure (JSZG_DB_DOWN/ERROR) or JSZG_REFUSED with a
 * jszg_fail saying why; they never write a response.  Pages
 * (jszg_page_wizard*.c, jszg_page_cert.c) and the JSON APIs call the same
 * services.  SQL: jszg_store_wizard.c.  Schema: sql/<engine>/003_wizard.sql.
 */
#ifndef JSZG_WIZARD_H
#define JSZG_WIZARD_H

#include "jszg_private.h"

/* A draft is dropped after JszgWizardDraftIdle (default 2 hours) without
 * activity (manual §3.1.2: "中途退出登录或关闭页面将不长时间保存所有报名进度"). */

/* Steps: 1 协议, 2 注册信息, 3 注册机构, 4 确认, 5 注意事项, 6 提交,
 * 7 申报提醒 (after submission, shown per application). */
#define JSZG_WIZARD_STEPS 7

/* 证书查询: at most this many queries per IP in the window. */
#define JSZG_CERT_QUERY_LIMIT   20
#define JSZG_CERT_QUERY_WINDOW  (10 * 60)

/* The logged-in applicant, as the wizard needs it. */
typedef struct {
    const char *id;         /* accounts.id */
    json_t *row;            /* wz_account row */
    const char *name;
    const char *id_number;
    int verified;           /* 1 = 核验通过 */
    const char *entry;      /* "dqzc", "rd" or NULL (session entry) */
} jszg_applicant;

/* The server-side draft of the wizard. */
typedef struct {
    const char *account_id;
    int step_done;          /* last completed step, 0..5 */
    json_t *data;           /* the steps' values */
    const char *submit_key; /* idempotency key for step 6 */
    apr_time_t updated;
    apr_time_t expires;
} jszg_draft;

/* ---- services (jszg_wizard*.c, jszg_cert_query.c) ---------------------- */

/* The applicant of this request (JSZG_R_AUTH routes). */
int jszg_wz_applicant(jszg_req *jr, jszg_applicant *a);

/* 定期注册 business allowed (实名核验 passed, entered through 定期注册)? */
int jszg_wz_may_apply(const jszg_applicant *a, jszg_fail *f);

/* The draft, or JSZG_DB_NOTFOUND (none, or expired: then deleted). */
int jszg_wz_draft_load(jszg_req *jr, const jszg_applicant *a,
                       jszg_draft **d);

/* Step n (1..6) may be shown/submitted only after step n-1 is done. */
int jszg_wz_step_open(const jszg_draft *d, int step, jszg_fail *f);

/* 定期注册报名 from 网报时间查询: the institution's window must be open;
 * a new draft (replacing an old one) with the institution, 学段 (when it
 * is one the institution registers) and point preselected. */
int jszg_wz_start(jszg_req *jr, const jszg_applicant *a,
                  const char *institution_id, const char *stage,
                  const char *point_id, jszg_draft **d, jszg_fail *f);

/* Step 1: the agreement ticked. */
int jszg_wz_agree(jszg_req *jr, jszg_draft *d, const char *agree,
                  jszg_fail *f);

/* Step 2 data: identity block, certificate list, saved values. */
int jszg_wz_step2_data(jszg_req *jr, const jszg_applicant *a,
                       const jszg_draft *d, json_t *out);

/* Step 2 submit: in = {field: value} (jszg_wz_person_fields), photo
 * bytes or NULL (keeps the draft's photo). */
int jszg_wz_save_person(jszg_req *jr, const jszg_applicant *a,
                        jszg_draft *d, json_t *in,
                        const unsigned char *photo, apr_size_t photo_len,
                        jszg_fail *f);

/* Store a photo for the draft without the rest of step 2 (the page's
 * 查询/新增学校 round trips keep an uploaded photo). */
int jszg_wz_save_photo(jszg_req *jr, const jszg_applicant *a,
                       jszg_draft *d, const unsigned char *photo,
                       apr_size_t len, jszg_fail *f);

/* The names of step 2's fields (cert_no, the identity's missing 民族 /
 * 出生日期, and the field vocabulary's typed person fields),
 * NULL-terminated, in p. */
const char *const *jszg_wz_person_fields(apr_pool_t *p);

/* 添加教师资格证书信息: in = {holder, id_number, cert_no, issued_on,
 * province, city, kind, subject, authority}; scan = the photo, extra =
 * the optional 补充照片 (NULL: none). */
int jszg_wz_add_cert(jszg_req *jr, const jszg_applicant *a, json_t *in,
                     const unsigned char *scan, apr_size_t scan_len,
                     const unsigned char *extra, apr_size_t extra_len,
                     const char **cert_no, jszg_fail *f);
json_t *jszg_wz_add_cert_form(jszg_req *jr, const jszg_applicant *a);

/* 毕业学校: search by part of the name (seed and import rows, and the
 * schools account_id added itself); 新增学校: only for who may apply
 * (实名核验), the same name however spaced or bracketed gives the existing
 * row, at most JszgSchoolAddsPerDay new rows per account and Beijing
 * day (429 school_add_limit). */
int jszg_wz_school_search(jszg_req *jr, const char *account_id,
                          const char *q, json_t **rows, jszg_fail *f);
int jszg_wz_school_add(jszg_req *jr, const jszg_applicant *a,
                       const char *name, const char *kind, json_t **row,
                       jszg_fail *f);
json_t *jszg_wz_school_kinds(const char *selected);
/* 资格种类 options of the 添加 form (高等学校 is not registered). */
json_t *jszg_wz_cert_kinds(const char *selected);

/* Step 3: the selects (narrowed to the selection) and the choice. */
int jszg_wz_step3_data(jszg_req *jr, const jszg_draft *d, json_t *sel,
                       json_t *out);
int jszg_wz_choose_institution(jszg_req *jr, jszg_draft *d, json_t *in,
                               jszg_fail *f);

/* Step 4: everything for review, with the online verification. */
int jszg_wz_review(jszg_req *jr, const jszg_applicant *a,
                   const jszg_draft *d, json_t *out);

/* Steps 4 and 5: confirmed / read. */
int jszg_wz_mark_done(jszg_req *jr, jszg_draft *d, int step);

/* Step 5: the institution's 注意事项. */
int jszg_wz_notes(jszg_req *jr, const jszg_draft *d, json_t *out);

/* Step 6: 不同意 abandons the draft. */
int jszg_wz_abandon(jszg_req *jr, const jszg_applicant *a);

/* Step 6: 同意 + 提交.  key: the idempotency key (the draft's
 * submit_key, or the client's Idempotency-Key).  *reg_no on success;
 * *replayed = 1 when the key had been used (same answer again). */
int jszg_wz_submit(jszg_req *jr, const jszg_applicant *a, const char *key,
                   const char **reg_no, int *replayed, jszg_fail *f);

/* Step 7 / 注意事项 of an application of this applicant. */
int jszg_wz_application(jszg_req *jr, const jszg_applicant *a,
                        const char *reg_no, json_t **app);

/* 业务平台: the applicant's 定期注册 records. */
int jszg_wz_records(jszg_req *jr, const jszg_applicant *a, json_t **rows);

/* 网报时间查询 (before the wizard): selects and the chosen institution's
 * window and points; sel = {province, city, stage, institution, q}. */
int jszg_wz_windows_data(jszg_req *jr, json_t *sel, json_t *out,
                         jszg_fail *f);

/* 教师资格证书信息 (个人信息中心). */
int jszg_wz_my_certs(jszg_req *jr, const jszg_applicant *a, json_t **rows);

/* 证书查询: all three must match; rate-limited per IP. */
int jszg_cert_query(jszg_req *jr, const char *name, const char *id_number,
                    const char *cert_no, json_t **result, jszg_fail *f);
int jszg_cert_rate_ok(jszg_req *jr, jszg_fail *f);

/* Helpers shared by the page files. */
const char *jszg_wz_today(jszg_req *jr);            /* "YYYY-MM-DD" */
json_t *jszg_wz_options(const char *const *list, const char *selected);
extern const char *const jszg_wz_subjects[];
const char *jszg_wz_upload_path(jszg_req *jr, const char *rel);

/* Step 2 values (posted or saved) into out: values, lists with the
 * selected options, labels (field → the vocabulary's label, for
 * partials/person_fields), the chosen certificate marked. */
void jszg_wz_step2_values(json_t *out, json_t *values);

/* ---- shared by the page files (jszg_page_wizard.c) --------------------- */

/* Page data: title, nav, csrf, the flash message if any. */
json_t *jszg_wz_page(jszg_req *jr, const char *title, const char *nav);
/* A one-time message shown on the next page. */
void jszg_wz_flash(jszg_req *jr, const char *msg);
/* The named POST (or query, when query = 1) fields as a JSON object. */
json_t *jszg_wz_form(jszg_req *jr, const char *const *names, int query);
/* The logged-in applicant or the error answer (DECLINED when fine). */
int jszg_wz_need_applicant(jszg_req *jr, jszg_applicant *a);

/* Everything step n shows (page and API): the step's data, the steps
 * bar, the draft's expiry; sel = a step-3 selection or NULL. */
int jszg_wz_step_data(jszg_req *jr, const jszg_applicant *a,
                      jszg_draft *d, int step, json_t *sel, json_t *out);
/* The step number of {step}: 1..7, or 0. */
int jszg_wz_step_param(jszg_req *jr);

/* ---- handlers ----------------------------------------------------------- */

/* pages: jszg_page_wizard.c (platform, notice, windows, start),
 * jszg_page_wizard_steps.c (steps 1-7, photo, add certificate),
 * jszg_page_cert.c (证书查询, 教师资格证书信息) */
int jszg_page_platform(jszg_req *jr);
int jszg_page_dqzc_notice(jszg_req *jr);
int jszg_page_dqzc_windows(jszg_req *jr);
int jszg_page_dqzc_start(jszg_req *jr);
int jszg_page_wizard_entry(jszg_req *jr);
int jszg_page_wizard_step(jszg_req *jr);
int jszg_page_wizard_post(jszg_req *jr);
int jszg_page_wizard_photo(jszg_req *jr);
int jszg_page_wizard_cert_form(jszg_req *jr);
int jszg_page_wizard_cert_add(jszg_req *jr);
int jszg_page_application(jszg_req *jr);
int jszg_page_pictools(jszg_req *jr);
int jszg_page_cert_query(jszg_req *jr);
int jszg_page_cert_query_post(jszg_req *jr);
int jszg_page_my_certs(jszg_req *jr);

/* JSON: jszg_page_wizard_api.c */
int jszg_api_platform(jszg_req *jr);
int jszg_api_dqzc_windows(jszg_req *jr);
int jszg_api_dqzc_start(jszg_req *jr);
int jszg_api_wizard(jszg_req *jr);
int jszg_api_wizard_step(jszg_req *jr);
int jszg_api_wizard_post(jszg_req *jr);
int jszg_api_wizard_cert_add(jszg_req *jr);
int jszg_api_schools(jszg_req *jr);
int jszg_api_school_add(jszg_req *jr);
int jszg_api_application(jszg_req *jr);
int jszg_api_applications(jszg_req *jr);
int jszg_api_my_certs(jszg_req *jr);
int jszg_api_cert_captcha(jszg_req *jr);
int jszg_api_cert_query(jszg_req *jr);

#define JSZG_WIZ_A (JSZG_R_API | JSZG_R_AUTH)

#define JSZG_WIZARD_ROUTES \
    { "GET",  "/platform",                   jszg_page_platform, \
      JSZG_R_AUTH }, \
    { "GET",  "/platform/dqzc/notice",       jszg_page_dqzc_notice, \
      JSZG_R_AUTH }, \
    { "GET",  "/platform/dqzc/windows",      jszg_page_dqzc_windows, \
      JSZG_R_AUTH }, \
    { "POST", "/platform/dqzc/start",        jszg_page_dqzc_start, \
      JSZG_R_AUTH }, \
    { "GET",  "/platform/dqzc/wizard",       jszg_page_wizard_entry, \
      JSZG_R_AUTH }, \
    { "GET",  "/platform/dqzc/wizard/photo", jszg_page_wizard_photo, \
      JSZG_R_AUTH }, \
    { "GET",  "/platform/dqzc/wizard/2/cert", jszg_page_wizard_cert_form, \
      JSZG_R_AUTH }, \
    { "POST", "/platform/dqzc/wizard/2/cert", jszg_page_wizard_cert_add, \
      JSZG_R_AUTH }, \
    { "GET",  "/platform/dqzc/wizard/{step}", jszg_page_wizard_step, \
      JSZG_R_AUTH }, \
    { "POST", "/platform/dqzc/wizard/{step}", jszg_page_wizard_post, \
      JSZG_R_AUTH }, \
    { "GET",  "/platform/dqzc/applications/{regno}", \
      jszg_page_application, JSZG_R_AUTH }, \
    { "GET",  "/platform/pictools",          jszg_page_pictools, 0 }, \
    { "GET",  "/cert",                       jszg_page_cert_query, 0 }, \
    { "POST", "/cert",                       jszg_page_cert_query_post, 0 }, \
    { "GET",  "/account/certs",              jszg_page_my_certs, \
      JSZG_R_AUTH }, \
    { "GET",  "/api/v1/platform",            jszg_api_platform, JSZG_WIZ_A }, \
    { "GET",  "/api/v1/dqzc/windows",        jszg_api_dqzc_windows, \
      JSZG_WIZ_A }, \
    { "POST", "/api/v1/dqzc/start",          jszg_api_dqzc_start, \
      JSZG_WIZ_A }, \
    { "GET",  "/api/v1/dqzc/wizard",         jszg_api_wizard, JSZG_WIZ_A }, \
    { "POST", "/api/v1/dqzc/wizard/2/cert",  jszg_api_wizard_cert_add, \
      JSZG_WIZ_A }, \
    { "GET",  "/api/v1/dqzc/wizard/{step}",  jszg_api_wizard_step, \
      JSZG_WIZ_A }, \
    { "POST", "/api/v1/dqzc/wizard/{step}",  jszg_api_wizard_post, \
      JSZG_WIZ_A }, \
    { "GET",  "/api/v1/dqzc/applications",   jszg_api_applications, \
      JSZG_WIZ_A }, \
    { "GET",  "/api/v1/dqzc/applications/{regno}", jszg_api_application, \
      JSZG_WIZ_A }, \
    { "GET",  "/api/v1/schools",             jszg_api_schools, JSZG_WIZ_A }, \
    { "POST", "/api/v1/schools",             jszg_api_school_add, \
      JSZG_WIZ_A }, \
    { "GET",  "/api/v1/account/certs",       jszg_api_my_certs, JSZG_WIZ_A }, \
    { "GET",  "/api/v1/cert/captcha",        jszg_api_cert_captcha, \
      JSZG_R_API }, \
    { "POST", "/api/v1/cert/query",          jszg_api_cert_query, JSZG_R_API },

#endif /* JSZG_WIZARD_H */
