/*
 * jszg_records.h -- the applicant's 定期注册 records after submission
 * (manual §3.2): 查询报名信息 with the explanations of the statuses and
 * the history of earlier cycles, and per record 注意事项, 详情, 修改,
 * 申请表预览 / 下载 (PDF), 有留言; JSON twins under /api/v1/dqzc/records.
 *
 * Services (jszg_records.c) take the applicant (jszg_wizard.h) and
 * return JSZG_DB_OK, a store failure, or JSZG_REFUSED with a jszg_fail;
 * they never write a response.  A 报名号 that is not the applicant's,
 * malformed or unknown, is JSZG_DB_NOTFOUND everywhere (404, never 403:
 * the answer must not confirm that someone else's number exists).
 * Pages: jszg_page_records.c; JSON: jszg_page_records_api.c;
 * SQL: jszg_store_records.c.  No schema of our own: applications and
 * application_events (003_wizard.sql) hold everything.
 */
#ifndef JSZG_RECORDS_H
#define JSZG_RECORDS_H

#include "jszg_wizard.h"
#include "jszg_rules.h"

/* The one status in which the applicant may edit (DESIGN.md). */
#define JSZG_REC_EDITABLE JSZG_ST_PENDING

/* One application of the logged-in applicant, loaded for a request. */
typedef struct {
    json_t *row;            /* rec_get row; data parsed out below */
    json_t *data;           /* {identity, cert, person, choice} */
    const char *id;         /* applications.id */
    const char *reg_no;
    const char *status;
    const char *version;    /* updated_at: the edit token */
    int editable;           /* status is 网报待确认 */
} jszg_record;

/* ---- services (jszg_records.c) ------------------------------------------ */

/* 查询报名信息: *current = this cycle's records, *history = earlier
 * cycles', each row with its 操作 links; *cycle = the current cycle. */
int jszg_rec_list(jszg_req *jr, const jszg_applicant *a, json_t **current,
                  json_t **history, long *cycle);

/* The explanations of the statuses (manual §3.2 ①②③ and the
 * conclusions), as [{status, text}]. */
json_t *jszg_rec_explanations(jszg_req *jr);

/* One record of this applicant, or JSZG_DB_NOTFOUND (logged at info). */
int jszg_rec_load(jszg_req *jr, const jszg_applicant *a, const char *reg_no,
                  jszg_record *rec);

/* 详情: everything submitted, the certificate list, the photo URL, and
 * identity_changed when 实名核验 changed the name/民族 since. */
int jszg_rec_detail(jszg_req *jr, const jszg_applicant *a,
                    const jszg_record *rec, json_t *out);

/* 修改 form data: the wizard's step-2 data and the step-3 selects for
 * the record's institution; values = posted values or NULL (saved). */
int jszg_rec_edit_data(jszg_req *jr, const jszg_applicant *a,
                       const jszg_record *rec, json_t *values, json_t *out);

/* 修改 save: in = the wizard's step-2 fields plus stage, subject,
 * point_id; version = the token of the loaded form; photo or NULL.
 * Validated by the wizard's services; one transaction with an event row.
 * Refusals: not_editable (409), stale_edit (409), field errors (400). */
int jszg_rec_save(jszg_req *jr, const jszg_applicant *a,
                  const jszg_record *rec, const char *version, json_t *in,
                  const unsigned char *photo, apr_size_t photo_len,
                  jszg_fail *f);

/* 有留言: the staff messages, newest first; marks them read. */
int jszg_rec_messages(jszg_req *jr, const jszg_applicant *a,
                      const jszg_record *rec, json_t **rows);

/* 申请表: the form's fields (preview page and PDF share them). */
int jszg_rec_form(jszg_req *jr, const jszg_applicant *a,
                  const jszg_record *rec, json_t *out);

/* 申请表下载: the PDF bytes (jszg_pdf_render), from the stored photo. */
int jszg_rec_pdf(jszg_req *jr, const jszg_applicant *a,
                 const jszg_record *rec, const unsigned char **pdf,
                 apr_size_t *len);

/* The stored photo's bytes, or JSZG_DB_NOTFOUND (logged). */
int jszg_rec_photo(jszg_req *jr, const jszg_record *rec,
                   const unsigned char **buf, apr_size_t *len);

/* ---- shared by the page files (jszg_page_records.c) -------------------- */

/* The applicant and the record of {regno}, or the answer already given
 * (401, the same 404 for someone else's/unknown/malformed, 503);
 * DECLINED when both are there. */
int jszg_rec_need(jszg_req *jr, jszg_applicant *a, jszg_record *rec);
/* 修改's input: the saved values with the posted ones over them. */
json_t *jszg_rec_edit_input(jszg_req *jr, const jszg_record *rec);
/* A business-rule refusal about a record (404 unknown 报名号, 409 not
 * editable, ...): a page inside the logged-in layout, titled as what it
 * is, with the way back to 查询报名信息; the JSON error for the API.
 * reg_no (may be NULL): the record, for a link to its 详情. */
int jszg_rec_refused(jszg_req *jr, int status, const char *code,
                     const char *title, const char *message,
                     const char *reg_no);
/* The uploaded photo part, or NULL. */
const unsigned char *jszg_rec_photo_part(jszg_req *jr, apr_size_t *len);

/* ---- handlers ------------------------------------------------------------ */

/* pages: jszg_page_records.c */
int jszg_page_records(jszg_req *jr);
int jszg_page_record(jszg_req *jr);
int jszg_page_record_notes(jszg_req *jr);
int jszg_page_record_photo(jszg_req *jr);
int jszg_page_record_edit(jszg_req *jr);
int jszg_page_record_save(jszg_req *jr);
int jszg_page_record_form(jszg_req *jr);
int jszg_page_record_pdf(jszg_req *jr);
int jszg_page_record_messages(jszg_req *jr);

/* JSON: jszg_page_records_api.c */
int jszg_api_records(jszg_req *jr);
int jszg_api_record(jszg_req *jr);
int jszg_api_record_save(jszg_req *jr);
int jszg_api_record_messages(jszg_req *jr);

#define JSZG_REC_A (JSZG_R_API | JSZG_R_AUTH)

#define JSZG_RECORDS_ROUTES \
    { "GET",  "/platform/dqzc/records",      jszg_page_records, \
      JSZG_R_AUTH }, \
    { "GET",  "/platform/dqzc/records/{regno}", jszg_page_record, \
      JSZG_R_AUTH }, \
    { "GET",  "/platform/dqzc/records/{regno}/notes", \
      jszg_page_record_notes, JSZG_R_AUTH }, \
    { "GET",  "/platform/dqzc/records/{regno}/photo", \
      jszg_page_record_photo, JSZG_R_AUTH }, \
    { "GET",  "/platform/dqzc/records/{regno}/edit", \
      jszg_page_record_edit, JSZG_R_AUTH }, \
    { "POST", "/platform/dqzc/records/{regno}/edit", \
      jszg_page_record_save, JSZG_R_AUTH }, \
    { "GET",  "/platform/dqzc/records/{regno}/form", \
      jszg_page_record_form, JSZG_R_AUTH }, \
    { "GET",  "/platform/dqzc/records/{regno}/pdf", \
      jszg_page_record_pdf, JSZG_R_AUTH }, \
    { "GET",  "/platform/dqzc/records/{regno}/messages", \
      jszg_page_record_messages, JSZG_R_AUTH }, \
    { "GET",  "/api/v1/dqzc/records",        jszg_api_records, JSZG_REC_A }, \
    { "GET",  "/api/v1/dqzc/records/{regno}", jszg_api_record, JSZG_REC_A }, \
    { "POST", "/api/v1/dqzc/records/{regno}", jszg_api_record_save, \
      JSZG_REC_A }, \
    { "GET",  "/api/v1/dqzc/records/{regno}/messages", \
      jszg_api_record_messages, JSZG_REC_A },

#endif /* JSZG_RECORDS_H */
