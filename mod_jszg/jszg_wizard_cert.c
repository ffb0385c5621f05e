/*
 * jszg_wizard_cert.c -- certificates in 定期注册: their rules (注销,
 * 撤销, 有效期, the registration history), the list step 2 offers
 * (synced and hand-entered), 添加证书; and 毕业学校: the school search
 * and 新增学校.  Part of the wizard services (jszg_wizard_int.h).
 */
#include "jszg_wizard_int.h"
#include "jszg_directory.h"
#include "jszg_idcard.h"
#include "jszg_rate.h"

#define MSG_SCHOOL_QUERY "请输入学校名称（或其中的几个字）后再点击" \
                         "【查询】。"
#define MSG_CERT_LOST   "该教师资格已被依法注销"
#define MSG_CERT_REVOKED "该教师资格已被依法撤销"
#define MSG_CERT_INVALID "您的教师资格无效"

static const char *const l_school_kinds[] = {
    "普通高等学校", "成人高等学校", "中等师范学校", "中等职业学校",
    "普通高中", "境外院校", "其他", NULL
};

json_t *jszg_wz_school_kinds(const char *selected)
{
    return jszg_wz_options(l_school_kinds, selected);
}

/* ---- certificates ------------------------------------------------------- */

const char *jszg_wz_restriction_message(const char *status)
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
int jszg_wz_cert_block(jszg_req *jr, const jszg_applicant *a, json_t *cert,
                       const char *cycle_year, const char **code,
                       const char **msg)
{
    const char *last_pass = NULL, *r;
    json_t *open, *hist;
    int rc;

    *code = *msg = NULL;
    if ((r = jszg_wz_restriction_message(S(cert, "status")))) {
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
int jszg_wz_wizard_certs(jszg_req *jr, const jszg_applicant *a,
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
        if (jszg_jrow_find(rows, "cert_no", S(row, "cert_no")))
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
        if ((rc = jszg_wz_cert_block(jr, a, row, cycle_year, &code, &msg))
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
                     const char **cert_no_out, jszg_fail *f)
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
    jszg_beijing_now(jr, &year);
    if (strcmp(holder, a->name))
        jszg_fail_field(f, "holder", "holder_mismatch",
                        "持证人须与实名核验的姓名完全一致。");
    if (ap_cstr_casecmp(idno, a->id_number))
        jszg_fail_field(f, "id_number", "id_mismatch",
                        "身份证件号码须与实名核验的证件号码完全一致。");
    if (!date_valid(issued) || strcmp(issued, jszg_wz_today(jr)) > 0)
        jszg_fail_field(f, "issued_on", "bad_issued_on",
                        "请选择正确的证书签发日期。");
    if (!jszg_certno_valid(no, year)) {
        /* the right reason: a number of the right shape whose year is
         * out of range is told so, and a 签发日期 before 1996 (教师资格
         * were first issued in 1996) is the reason when it is one */
        if (!jszg_certno_kind(no))
            jszg_fail_field(f, "cert_no", "bad_cert_no",
                            "证书号码应为15位或17位数字，请按证书如实"
                            "填写。");
        else if (date_valid(issued) && strcmp(issued, "1996-01-01") < 0)
            jszg_fail_field(f, "issued_on",
                            "cert_issued_out_of_range",
                            !strcmp(prov, "450000")
                            ? "证书签发日期早于1996年：教师资格证书自1996年"
                              "起核发，需添加的证书签发日期应在1996-01-01"
                              "至2011-12-31之间。"
                            : "证书签发日期早于1996年：教师资格证书自1996年"
                              "起核发，需添加的证书签发日期应在1996-01-01"
                              "至2008-08-01之间。");
        else
            jszg_fail_field(f, "cert_no", "bad_cert_no",
                            "证书号码中的认定年份不正确：15位号码的前2位、"
                            "17位号码的前4位为认定年份，应在1996年至今年"
                            "之间，请按证书如实填写。");
    }
    k = jszg_rules_kind_code(kind);
    if (!k || k > 6)
        jszg_fail_field(f, "kind", "bad_kind", "请选择资格种类。");
    else if (jszg_certno_kind(no) && jszg_certno_kind(no) != k)
        jszg_fail_field(f, "kind", "kind_mismatch",
                        "资格种类与证书号码中的资格种类代码不一致。");
    if (!in_list(jszg_wz_subjects, subject))
        jszg_fail_field(f, "subject", "bad_subject",
                        "请选择任教学科。");
    if (!text_ok(auth, 60))
        jszg_fail_field(f, "authority", "bad_authority",
                        "请填写认定机构（60字以内）。");
    rc = jszg_dir_region(jr, prov, 1, &region);
    if (rc == JSZG_DB_NOTFOUND)
        jszg_fail_field(f, "province", "bad_province",
                        "请选择所属省份。");
    else if (rc != JSZG_DB_OK)
        return rc;
    if (*city) {
        rc = jszg_dir_region(jr, city, 2, &region);
        if (rc == JSZG_DB_OK && strcmp(S(region, "parent_code"), prov))
            rc = JSZG_DB_NOTFOUND;
        if (rc == JSZG_DB_NOTFOUND)
            jszg_fail_field(f, "city", "bad_city",
                            "所属市与所属省份不一致。");
        else if (rc != JSZG_DB_OK)
            return rc;
    }
    jszg_wz_photo_ok(jr, f, "photo", scan, scan_len, 1);
    /* 添加补充照片: optional, the same rules as the certificate's photo */
    if (extra && extra_len)
        jszg_wz_photo_ok(jr, f, "extra_photo", extra, extra_len, 1);
    if (jszg_fail_nfields(f))
        return refuse_fields(f);
    rc = add_cert_refusal(jr, a, no, issued, prov, &code, &msg);
    if (rc != JSZG_DB_OK)
        return rc;
    if (msg) {
        jszg_fail_field(f, "cert_no", code, msg);
        return jszg_refuse(f, HTTP_CONFLICT, code, msg);
    }
    rc = jszg_db_row(jr, "wz_manual_by_no", &dup, 2, a->id, no);
    if (rc == JSZG_DB_OK) {
        jszg_fail_field(f, "cert_no", "cert_already_added",
                        "该证书已添加，请在证书列表中选择。");
        return jszg_refuse(f, HTTP_CONFLICT, "cert_already_added",
                           "该证书已添加，请在证书列表中选择。");
    }
    if (rc != JSZG_DB_NOTFOUND)
        return rc;
    if (!(rel = jszg_wz_save_upload(jr, "certs", a->id, scan, scan_len)))
        return upload_failed(f);
    if (extra && extra_len
        && !(rel2 = jszg_wz_save_upload(jr, "certs", a->id, extra, extra_len)))
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
                          const char *q, json_t **rows, jszg_fail *f)
{
    q = trim(jr->pool, q);
    *rows = NULL;
    if (!*q || jszg_utf8_chars(q, strlen(q)) > 30) {
        jszg_fail_field(f, "school_q", "bad_school_query",
                        MSG_SCHOOL_QUERY);
        return jszg_refuse(f, HTTP_BAD_REQUEST, "bad_school_query",
                           MSG_SCHOOL_QUERY);
    }
    return jszg_db_rows(jr, "wz_schools_search", rows, 2,
                        like_pattern(jr->pool, q), account_id);
}

int jszg_wz_school_add(jszg_req *jr, const jszg_applicant *a,
                       const char *name, const char *kind, json_t **row,
                       jszg_fail *f)
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
        jszg_fail_field(f, "new_school_name", "bad_school_name",
                        "请填写学校全称（2至60个字）。");
    if (!in_list(l_school_kinds, kind))
        jszg_fail_field(f, "new_school_kind", "bad_school_kind",
                        "请选择办学类型。");
    if (jszg_fail_nfields(f))
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
        return jszg_refuse(f, HTTP_TOO_MANY_REQUESTS, "school_add_limit",
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
