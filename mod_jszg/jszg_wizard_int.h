/*
 * jszg_wizard_int.h -- private to the 定期注册 services (jszg_wizard*.c
 * and jszg_cert_query.c): the small helpers every one of them uses,
 * written once here, and the services one file asks of another.  Not
 * for the page files: they use jszg_wizard.h.
 *
 * The services are split by concern:
 *   jszg_wizard.c         shared answers (refusals, options, today), the
 *                         photo uploads, the applicant, the draft and its
 *                         steps (须知, 放弃)
 *   jszg_wizard_person.c  step 2: the field specs and dropdowns of the
 *                         person, their checks, the photo, saving them
 *   jszg_wizard_choice.c  institutions and their 网报 windows, the
 *                         province → city → 学段 → 注册机构 selects and
 *                         the 确认点 (网报时间查询, start, step 1, step 3)
 *   jszg_wizard_cert.c    certificates and their rules (synced and
 *                         hand-entered, 添加证书), 毕业学校 and 新增学校
 *   jszg_wizard_submit.c  step 4 (review, online verification), step 6
 *                         (submission, 报名号), step 7 and the records
 *   jszg_cert_query.c     the public 证书查询 (not part of the wizard)
 */
#ifndef JSZG_WIZARD_INT_H
#define JSZG_WIZARD_INT_H

#include "jszg_wizard.h"
#include "jszg_rules.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_time.h"

/* ---- small helpers ------------------------------------------------------ */

static inline const char *S(json_t *o, const char *k)
{
    return jszg_jstr(o, k);
}

static inline const char *num(apr_pool_t *p, apr_int64_t v)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, v);
}

static inline long L(json_t *o, const char *k)
{
    return (long)jszg_jint(o, k);
}

/* A refusal with field errors: the page shows them next to the inputs. */
static inline int refuse_fields(jszg_fail *f)
{
    return jszg_refuse(f, HTTP_BAD_REQUEST, "invalid",
                       "填写的信息有误，请按提示修改后重新提交。");
}

static inline int in_list(const char *const *list, const char *v)
{
    for (; v && *list; list++)
        if (!strcmp(*list, v))
            return 1;
    return 0;
}


static inline const char *epoch(jszg_req *jr)
{
    return num(jr->pool, (apr_int64_t)apr_time_sec(jr->now));
}

/* A real calendar date "YYYY-MM-DD". */
static inline int date_valid(const char *s)
{
    return jszg_rules_parse_date(s, 1900, 9999, NULL) == 0;
}

/* date + n months, as a comparable "YYYY-MM-DD" string. */
static inline const char *add_months(apr_pool_t *p, const char *date, int n)
{
    int y = atoi(date), m = atoi(date + 5) - 1 + n;

    return apr_psprintf(p, "%04d-%02d-%s", y + m / 12, m % 12 + 1,
                        date + 8);
}

static inline int text_ok(const char *v, int maxlen)
{
    apr_size_t n = strlen(v);

    return n > 0 && (int)jszg_utf8_chars(v, n) <= maxlen
           && !strpbrk(v, "<>\r\n\t");
}

/* Trimmed copy of a form value ("" for NULL). */
static inline const char *trim(apr_pool_t *p, const char *v)
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

/* The answer when save_upload() failed (upload directory unwritable,
 * disk full): a clear message, nothing saved (tests/faults). */
static inline int upload_failed(jszg_fail *f)
{
    return jszg_refuse(f, HTTP_SERVICE_UNAVAILABLE, "upload_failed",
                       "照片保存失败：服务器暂时无法保存上传的文件，"
                       "请稍后重新上传。已填写的信息未丢失。");
}

/* ---- services one file asks of another --------------------------------- */

/* jszg_wizard.c */
const char *jszg_wz_save_upload(jszg_req *jr, const char *dir,
                                const char *account_id,
                                const unsigned char *buf, apr_size_t len);
int jszg_wz_photo_ok(jszg_req *jr, jszg_fail *f, const char *field,
                     const unsigned char *buf, apr_size_t len, int scan);
int jszg_wz_draft_save(jszg_req *jr, jszg_draft *d, int step_done);

/* jszg_wizard_choice.c */
int jszg_wz_check_institution(jszg_req *jr, const char *inst_id,
                              const char *stage,
                              const char *point_id, json_t **inst_out,
                              json_t **win_out, json_t **point_out,
                              jszg_fail *f);

/* jszg_wizard_cert.c */
const char *jszg_wz_restriction_message(const char *status);
int jszg_wz_cert_block(jszg_req *jr, const jszg_applicant *a, json_t *cert,
                       const char *cycle_year, const char **code,
                       const char **msg);
int jszg_wz_wizard_certs(jszg_req *jr, const jszg_applicant *a,
                         const char *cycle_year, json_t **out);

/* jszg_wizard_person.c */
json_t *jszg_wz_identity_block(jszg_req *jr, const jszg_applicant *a);
json_t *jszg_wz_labelled_person(jszg_req *jr, json_t *person);

#endif /* JSZG_WIZARD_INT_H */
