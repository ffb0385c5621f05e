/*
 * jszg_records.c -- the services of the applicant's records after
 * submission (see jszg_records.h).  No request_rec output here: the
 * handlers in jszg_page_records*.c turn results into pages or JSON.
 *
 * 修改 does not validate anything itself: it hands the posted values to
 * the wizard's own step-2 and step-3 services (jszg_wizard.h) through an
 * in-memory draft, so an edited record obeys exactly the rules of a new
 * one.  Only what is particular to an existing record is checked here:
 * the status, the version of the form, the certificate's other open
 * applications and, after the 网报 window has closed, the 确认点.
 */
#include "jszg_records.h"
#include "jszg_rules.h"
#include "jszg_regno.h"
#include "jszg_pdf.h"
#include "jszg_fields.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_file_io.h"
#include "apr_time.h"

#define BASE "/platform/dqzc/records/"

/* An in-memory draft must never reach the wizard's table: draft_save()
 * updates wizard_drafts by account id, and no account has id 0, so the
 * wizard's services write nothing while validating an edit. */
#define NO_DRAFT_ACCOUNT "0"

#define MSG_NOT_EDITABLE \
    "只有注册结论为“" JSZG_ST_PENDING "”时才能修改定期注册报名信息。" \
    "如需修改，" \
    "请联系注册审批机构是否可以调整注册结论为“" JSZG_ST_PENDING "”。"
#define MSG_STALE \
    "报名信息在您打开修改页面之后已被修改（例如在另一个浏览器窗口或标签页" \
    "中），或注册结论已变化，本次修改未保存。下面是最新的报名信息，请在此" \
    "基础上重新修改后提交。"

/* ---- small helpers ----------------------------------------------------- */

static long L(json_t *o, const char *k)
{
    return (long)jszg_jint(o, k);
}

static const char *num(apr_pool_t *p, apr_int64_t v)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, v);
}

static const char *epoch(jszg_req *jr)
{
    return num(jr->pool, (apr_int64_t)apr_time_sec(jr->now));
}

/* Epoch seconds as Beijing "YYYY-MM-DD HH:MM" ("" when absent). */
static const char *beijing(apr_pool_t *p, const char *secs)
{
    char buf[24];

    if (!secs || !*secs)
        return "";
    return apr_pstrdup(p, jszg_rules_beijing_text(apr_atoi64(secs),
                                                  JSZG_FMT_MINUTE, buf,
                                                  sizeof(buf)));
}

static int streq(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

/* 1..maxlen decimal digits: safe to bind as %lld on both engines. */
static int digits_ok(const char *v, apr_size_t maxlen)
{
    const char *p;

    if (!v || !*v || strlen(v) > maxlen)
        return 0;
    for (p = v; *p; p++)
        if (!apr_isdigit(*p))
            return 0;
    return 1;
}

/* A json value tied to the request pool; NULL stays NULL. */
static json_t *pooled(jszg_req *jr, json_t *j)
{
    return jszg_pool_json(jr->pool, j);
}

static const char *rec_href(jszg_req *jr, const char *reg_no, const char *tail)
{
    return apr_pstrcat(jr->pool, BASE, reg_no, tail, NULL);
}

/* ---- 查询报名信息 ------------------------------------------------------------ */

json_t *jszg_rec_explanations(jszg_req *jr)
{
    /* ①②③: the manual's own words (§3.2); the conclusions: domain.md */
    json_t *e = pooled(jr, json_array());

    json_array_append_new(e, json_pack("{s:s, s:s, s:s}", "n", "①",
        "status", JSZG_ST_PENDING, "text",
        "“" JSZG_ST_PENDING "”是指申请人网上报名成功但还没有到现场确认"
        "时间或已经"
        "进入现场确认时间段，但本人还没有去现场确认的状况。在这个状态下，"
        "申请人一定要按照定期注册机构的要求，在规定的时间内携带规定的材料"
        "到指定地点去完成现场确认。"));
    json_array_append_new(e, json_pack("{s:s, s:s, s:s}", "n", "②",
        "status", JSZG_ST_CONFIRMED, "text",
        "“" JSZG_ST_CONFIRMED "”是指申请人已经到初审注册机构指定的现场"
        "确认点确认个人"
        "网上申报信息，且提交的申请材料齐全，等待注册机构审批期间的过程。"
        "这一状态的时间比较长，请申请人耐心等待。"));
    json_array_append_new(e, json_pack("{s:s, s:s, s:s}", "n", "③",
        "status", JSZG_ST_REJECTED, "text",
        "“" JSZG_ST_REJECTED "”是指申请人已经到初审注册机构指定的现场"
        "确认点确认个人"
        "网上申报信息，并提交申报材料，但所提交材料不齐全。"));
    return e;
}

/* The conclusions are not explained in the manual's list; a line each
 * beside the record (domain.md, Rules). */
static const char *conclusion_text(apr_pool_t *p, const char *status)
{
    if (streq(status, JSZG_ST_PASS))
        return "定期注册合格。最终结论以教育局公示结果为准，注册结论将体现"
               "在教师资格证书的注册贴上。";
    /* what may follow: the rules core says it once */
    if (streq(status, JSZG_ST_DEFER))
        return apr_pstrcat(p, JSZG_ST_DEFER "：如培训学时未完成、中止教育"
                           "教学工作"
                           "超过一个学期或有年度考核不合格等，具体原因请查看"
                           "留言。", jszg_rules_reapply_text(status), NULL);
    if (streq(status, JSZG_ST_FAIL))
        return apr_pstrcat(p, JSZG_ST_FAIL "：如严重违反师德、一个注册周期内"
                           "连续"
                           "两年年度考核不合格、教师资格被依法撤销或丧失等，"
                           "具体原因请查看留言。",
                           jszg_rules_reapply_text(status), NULL);
    if (streq(status, JSZG_ST_REJECTED))
        return "所提交材料不齐全，请查看留言中缺少的材料并联系确认点。";
    return NULL;
}

/* The 操作 of one record: which buttons it has. */
static void add_actions(jszg_req *jr, json_t *row)
{
    const char *no = jszg_jstr(row, "reg_no"), *st = jszg_jstr(row, "status");
    long msgs = L(row, "messages");
    const char *why = conclusion_text(jr->pool, st);

    json_object_set_new(row, "href", json_string(rec_href(jr, no, "")));
    json_object_set_new(row, "href_notes",
                        json_string(rec_href(jr, no, "/notes")));
    json_object_set_new(row, "href_form", json_string(rec_href(jr, no,
                                                           "/form")));
    json_object_set_new(row, "href_pdf", json_string(rec_href(jr, no, "/pdf")));
    json_object_set_new(row, "editable",
                        json_boolean(streq(st, JSZG_REC_EDITABLE)));
    if (streq(st, JSZG_REC_EDITABLE))
        json_object_set_new(row, "href_edit",
                            json_string(rec_href(jr, no, "/edit")));
    if (msgs > 0)
        json_object_set_new(row, "href_messages",
                            json_string(rec_href(jr, no, "/messages")));
    json_object_set_new(row, "unread",
                        json_boolean(streq(jszg_jstr(row, "has_message"), "1")));
    json_object_set_new(row, "submitted",
                        json_string(beijing(jr->pool, jszg_jstr(row,
                                                        "submitted_at"))));
    if (why)
        json_object_set_new(row, "status_note", json_string(why));
    /* typed for the API: a flag and a count, not the driver's strings */
    json_object_set_new(row, "has_message",
                        json_boolean(streq(jszg_jstr(row, "has_message"), "1")));
    if (json_object_get(row, "messages"))
        json_object_set_new(row, "messages", json_integer(msgs));
}

/* The current cycle: the newest 网报计划 of any institution (one national
 * cycle a year); with no plan at all, this Beijing year. */
static int current_cycle(jszg_req *jr, long *cycle)
{
    jszg_bjtime t;
    json_t *row;
    int rc = jszg_db_row(jr, "rec_current_cycle", &row, 0);

    if (rc != JSZG_DB_OK && rc != JSZG_DB_NOTFOUND)
        return rc;
    *cycle = rc == JSZG_DB_OK ? L(row, "cycle") : 0;
    if (*cycle <= 0) {
        jszg_rules_beijing(apr_time_sec(jr->now), &t);
        *cycle = t.year;
    }
    return JSZG_DB_OK;
}

int jszg_rec_list(jszg_req *jr, const jszg_applicant *a, json_t **current,
                  json_t **history, long *cycle)
{
    json_t *rows, *row;
    size_t i;
    int rc;

    *current = pooled(jr, json_array());
    *history = pooled(jr, json_array());
    if ((rc = current_cycle(jr, cycle)) != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_db_rows(jr, "rec_list", &rows, 1, a->id)) != JSZG_DB_OK)
        return rc;
    json_array_foreach(rows, i, row) {
        add_actions(jr, row);
        json_array_append(L(row, "cycle_year") >= *cycle ? *current
                                                         : *history, row);
    }
    return JSZG_DB_OK;
}

/* ---- one record -------------------------------------------------------- */

int jszg_rec_load(jszg_req *jr, const jszg_applicant *a, const char *reg_no,
                  jszg_record *rec)
{
    int rc = JSZG_DB_NOTFOUND;

    memset(rec, 0, sizeof(*rec));
    if (reg_no && jszg_regno_valid(reg_no))
        rc = jszg_db_row(jr, "rec_get", &rec->row, 2, reg_no, a->id);
    if (rc == JSZG_DB_NOTFOUND) {
        /* someone else's number, a guess or garbage: all look the same
         * to the client; the log tells them apart for the operator */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, jr->r, JSZGLOGNO(18001)
                      "account %s asked for application %s: not one of "
                      "theirs", a->id, reg_no ? ap_escape_logitem(jr->pool,
                      apr_pstrndup(jr->pool, reg_no, 40)) : "-");
        return rc;
    }
    if (rc != JSZG_DB_OK)
        return rc;
    rec->data = pooled(jr, json_loads(jszg_jstr(rec->row, "data"), 0, NULL));
    if (!json_is_object(rec->data))
        rec->data = pooled(jr, json_object());
    json_object_del(rec->row, "data");
    rec->id = jszg_jstr(rec->row, "id");
    rec->reg_no = jszg_jstr(rec->row, "reg_no");
    rec->status = jszg_jstr(rec->row, "status");
    rec->version = jszg_jstr(rec->row, "updated_at");
    rec->editable = streq(rec->status, JSZG_REC_EDITABLE);
    return JSZG_DB_OK;
}

/* The record's row for templates and the API, without internals. */
static json_t *public_row(jszg_req *jr, const jszg_record *rec)
{
    json_t *o = pooled(jr, json_deep_copy(rec->row));

    json_object_del(o, "id");
    json_object_del(o, "photo_path");
    json_object_del(o, "institution_id");
    add_actions(jr, o);
    return o;
}

/* Name and 民族 as the record holds them against the account now
 * (manual §2.1: a change at 实名核验 reaches a record only when the
 * applicant saves it again). */
static void identity_check(const jszg_applicant *a, const jszg_record *rec,
                           json_t *out)
{
    json_t *idt = json_object_get(rec->data, "identity");
    const char *now_eth = jszg_jstr(a->row, "ethnicity");
    json_t *diff = json_array();

    if (!streq(jszg_jstr(idt, "name"), a->name))
        json_array_append_new(diff, json_pack("{s:s, s:s, s:s}", "label",
                              "姓名", "record", jszg_jstr(idt, "name") ? jszg_jstr(idt,
                              "name") : "", "account", a->name ? a->name
                              : ""));
    if (!streq(jszg_jstr(idt, "ethnicity"), now_eth))
        json_array_append_new(diff, json_pack("{s:s, s:s, s:s}", "label",
                              "民族", "record", jszg_jstr(idt, "ethnicity")
                              ? jszg_jstr(idt, "ethnicity") : "", "account",
                              now_eth ? now_eth : ""));
    json_object_set_new(out, "identity_diff", diff);
    json_object_set_new(out, "identity_changed",
                        json_boolean(json_array_size(diff) > 0));
}

/* The certificate list of 详情: the account's certificates with their
 * last registration, the record's own one marked (and added when it is
 * not a synced one, e.g. entered by hand). */
static int detail_certs(jszg_req *jr, const jszg_applicant *a,
                        const jszg_record *rec, json_t *out)
{
    json_t *certs, *row, *own = json_object_get(rec->data, "cert");
    const char *cert_no = jszg_jstr(rec->row, "cert_no");
    int found = 0, rc;
    size_t i;

    if ((rc = jszg_wz_my_certs(jr, a, &certs)) != JSZG_DB_OK)
        return rc;
    json_array_foreach(certs, i, row)
        found |= streq(jszg_jstr(row, "cert_no"), cert_no);
    if (!found) {
        row = json_object();
        json_object_set_new(row, "cert_no", json_string(cert_no));
        json_object_set(row, "kind_name", json_object_get(rec->row,
                                                          "cert_kind_name"));
        json_object_set(row, "subject", json_object_get(rec->row,
                                                        "cert_subject"));
        if (own && jszg_jstr(own, "issued_on"))
            json_object_set(row, "issued_on", json_object_get(own,
                                                              "issued_on"));
        json_array_append_new(certs, row);
    }
    json_array_foreach(certs, i, row) {
        json_t *last;
        rc = jszg_db_row(jr, "rec_cert_last", &last, 3,
                         jszg_jstr(row, "cert_no"), a->id_number, a->id_number);
        if (rc == JSZG_DB_OK) {
            json_object_set(row, "last_date", json_object_get(last,
                                                              "registered_on"));
            json_object_set(row, "last_result", json_object_get(last,
                                                                "conclusion"));
        }
        else if (rc != JSZG_DB_NOTFOUND)
            return rc;
        json_object_set_new(row, "chosen",
                            json_boolean(streq(jszg_jstr(row, "cert_no"), cert_no)));
    }
    json_object_set(out, "certs", certs);
    return JSZG_DB_OK;
}

/* 个人信息 as the field vocabulary labels and orders it (jszg_fields.h),
 * two fields a row: person_rows [{l1, v1, l2, v2}], l2 absent on a last
 * odd row. */
static void person_rows(jszg_req *jr, json_t *person, json_t *out)
{
    json_t *flat = pooled(jr, json_array()), *rows = json_array();
    json_t *data = json_object(), *a, *b;
    size_t i;

    if (json_is_object(person))
        json_object_set(data, "person", person);
    jszg_fields_json(jr->pool, data, NULL, flat, NULL);
    json_decref(data);
    for (i = 0; i < json_array_size(flat); i += 2) {
        json_t *row;
        a = json_array_get(flat, i);
        b = json_array_get(flat, i + 1);
        if (strcmp(jszg_jstr(a, "group"), "person"))
            continue;
        row = json_pack("{s:O, s:O}", "l1", json_object_get(a, "label"),
                        "v1", json_object_get(a, "value"));
        if (b && !strcmp(jszg_jstr(b, "group"), "person")) {
            json_object_set(row, "l2", json_object_get(b, "label"));
            json_object_set(row, "v2", json_object_get(b, "value"));
        }
        json_array_append_new(rows, row);
    }
    json_object_set_new(out, "person_rows", rows);
}

int jszg_rec_detail(jszg_req *jr, const jszg_applicant *a,
                    const jszg_record *rec, json_t *out)
{
    json_t *person = json_object_get(rec->data, "person");

    json_object_set(out, "app", public_row(jr, rec));
    json_object_set(out, "identity", json_object_get(rec->data,
                                                     "identity"));
    if (person)
        json_object_set(out, "person", person);
    else
        json_object_set_new(out, "person", json_object());
    person_rows(jr, person, out);
    json_object_set_new(out, "photo_url", json_string(apr_pstrcat(jr->pool,
                        rec_href(jr, rec->reg_no, "/photo"), "?v=",
                        rec->version, NULL)));
    json_object_set_new(out, "version", json_string(rec->version));
    json_object_set_new(out, "editable", json_boolean(rec->editable));
    identity_check(a, rec, out);
    return detail_certs(jr, a, rec, out);
}

/* ---- 修改 ---------------------------------------------------------------- */

/* A draft that lives only in this request: the wizard's services read
 * and fill d->data and cannot write it anywhere (NO_DRAFT_ACCOUNT).  No
 * cycle_year: the wizard would otherwise find this very record as the
 * certificate's open application of the cycle and refuse it. */
static jszg_draft *edit_draft(jszg_req *jr, const jszg_record *rec,
                              json_t *person)
{
    jszg_draft *d = apr_pcalloc(jr->pool, sizeof(*d));

    d->account_id = NO_DRAFT_ACCOUNT;
    d->step_done = 5;
    d->data = pooled(jr, json_object());
    if (person)
        json_object_set(d->data, "person", person);
    json_object_set(d->data, "cert_no", json_object_get(rec->row,
                                                        "cert_no"));
    /* the record's certificate, for 资格种类 vs 学段 when the form's
     * certificate is not (yet) accepted */
    json_object_set_new(d->data, "cert", json_pack("{s:s?, s:s}", "cert_no",
        jszg_jstr(rec->row, "cert_no"), "kind", num(jr->pool, jszg_rules_kind_code(
            jszg_jstr(rec->row, "cert_kind_name")))));
    json_object_set(d->data, "photo", json_object_get(rec->row,
                                                      "photo_path"));
    json_object_set(d->data, "choice", json_object_get(rec->data,
                                                       "choice"));
    d->updated = d->expires = jr->now;
    return d;
}

/* The step-3 selection of an edit: the record's province, city and
 * 注册机构 (fixed: the 报名号 was issued by that institution's counter),
 * the stage, subject and 确认点 from the form (or the record). */
static json_t *edit_choice(jszg_req *jr, const jszg_record *rec,
                           json_t *values)
{
    json_t *saved = json_object_get(rec->data, "choice");
    json_t *sel = pooled(jr, json_object());
    const char *keys[] = { "stage", "subject", "point_id", NULL };
    const char **k;

    json_object_set_new(sel, "province", json_string(jszg_jstr(saved, "province")
                        ? jszg_jstr(saved, "province") : ""));
    json_object_set_new(sel, "city", json_string(jszg_jstr(saved, "city")
                        ? jszg_jstr(saved, "city") : ""));
    json_object_set(sel, "institution_id",
                    json_object_get(rec->row, "institution_id"));
    for (k = keys; *k; k++) {
        const char *v = values ? jszg_jstr(values, *k) : NULL;
        if (!v)
            v = **k == 'p' ? jszg_jstr(rec->row, "point_id") : jszg_jstr(rec->row, *k);
        json_object_set_new(sel, *k, json_string(v ? v : ""));
    }
    return sel;
}

int jszg_rec_edit_data(jszg_req *jr, const jszg_applicant *a,
                       const jszg_record *rec, json_t *values, json_t *out)
{
    json_t *person = values ? values
                            : json_object_get(rec->data, "person");
    jszg_draft *d = edit_draft(jr, rec, person);
    json_t *s3 = pooled(jr, json_object());
    json_t *sel = edit_choice(jr, rec, values);
    int rc;

    if (values && jszg_jstr(values, "cert_no"))
        json_object_set(d->data, "cert_no", json_object_get(values,
                                                            "cert_no"));
    if ((rc = jszg_wz_step2_data(jr, a, d, out)) != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_wz_step3_data(jr, d, sel, s3)) != JSZG_DB_OK)
        return rc;
    json_object_set(out, "s3", s3);
    json_object_set(out, "app", public_row(jr, rec));
    json_object_set_new(out, "photo_url", json_string(apr_pstrcat(jr->pool,
                        rec_href(jr, rec->reg_no, "/photo"), "?v=",
                        rec->version, NULL)));
    json_object_set_new(out, "has_photo", json_true());
    identity_check(a, rec, out);
    return JSZG_DB_OK;
}

/* After the 网报 window has closed, the wizard's step 3 refuses every
 * choice ("网报时间已截止"); a record made in time may still be edited
 * (staff reopen 确认未通过 records for exactly that), so then only the
 * 确认点 is checked, against the institution's active points. */
static int window_refusal_only(jszg_req *jr, const jszg_record *rec,
                               json_t *sel, jszg_fail *f)
{
    json_t *pt;
    int rc;

    if (!f->code || strncmp(f->code, "window_", 7))
        return JSZG_REFUSED;
    /* the window's refusal does not apply; every other error stays */
    jszg_fail_field_drop(f, "institution_id");
    rc = digits_ok(jszg_jstr(sel, "point_id"), 12)
         ? jszg_db_row(jr, "rec_point", &pt, 2, jszg_jstr(sel, "point_id"),
                       jszg_jstr(rec->row, "institution_id"))
         : JSZG_DB_NOTFOUND;
    if (rc != JSZG_DB_OK && rc != JSZG_DB_NOTFOUND)
        return rc;
    if (rc == JSZG_DB_NOTFOUND)
        jszg_fail_field(f, "point_id", "missing_point",
                        "请选择确认点。");
    if (jszg_fail_nfields(f))
        return jszg_refuse(f, HTTP_BAD_REQUEST, "invalid",
                           "填写的信息有误，请按提示修改后重新提交。");
    jszg_fail_clear(f);
    return JSZG_DB_OK;
}

/* The certificate may not have another open application of this holder
 * this cycle. */
static int other_open(jszg_req *jr, const jszg_applicant *a,
                      const jszg_record *rec, const char *cert_no,
                      jszg_fail *f)
{
    json_t *row;
    int rc;

    if (streq(cert_no, jszg_jstr(rec->row, "cert_no")))
        return JSZG_DB_OK;
    rc = jszg_db_row(jr, "rec_open_for_cert", &row, 4, cert_no, a->id,
                     jszg_jstr(rec->row, "cycle_year"), rec->id);
    if (rc == JSZG_DB_NOTFOUND)
        return JSZG_DB_OK;
    if (rc != JSZG_DB_OK)
        return rc;
    jszg_fail_field(f, "cert_no", "already_applied",
                    apr_psprintf(jr->pool, "该证书本注册周期已报名（报名号"
                                 "%s，当前状态：%s），不能重复报名。",
                                 jszg_jstr(row, "reg_no"),
                                 jszg_jstr(row, "status")));
    return jszg_refuse(f, HTTP_CONFLICT, "already_applied",
                       "所选证书本注册周期已有报名记录，请选择其他证书。");
}

/* Both of the wizard's checks, every field error reported at once. */
static int validate(jszg_req *jr, const jszg_applicant *a,
                    const jszg_record *rec, jszg_draft *d, json_t *in,
                    const unsigned char *photo, apr_size_t photo_len,
                    jszg_fail *f)
{
    json_t *sel = edit_choice(jr, rec, in);
    int rc, rc3;

    rc = jszg_wz_save_person(jr, a, d, in, photo, photo_len, f);
    if (rc != JSZG_DB_OK && rc != JSZG_REFUSED)
        return rc;
    rc3 = jszg_wz_choose_institution(jr, d, sel, f);
    if (rc3 == JSZG_REFUSED)
        rc3 = window_refusal_only(jr, rec, sel, f);
    if (rc3 != JSZG_DB_OK)
        return rc3;
    if (rc != JSZG_DB_OK)
        return rc;
    /* the wizard's step 3 sets the same choice, but only while the
     * window is open */
    json_object_set(d->data, "choice", sel);
    return other_open(jr, a, rec, jszg_jstr(d->data, "cert_no"), f);
}

/* The record's new snapshot, in the wizard's shape: the identity as the
 * account has it now (this save is when a 实名核验 change arrives). */
static const char *snapshot(jszg_req *jr, const jszg_applicant *a,
                            jszg_draft *d)
{
    const char *keys[] = { "name", "ethnicity", "id_type", "sex",
                           "id_number", "birth_date", NULL };
    json_t *o = json_object(), *idt = json_object();
    const char **k;
    const char *out;
    char *s;

    for (k = keys; *k; k++)
        json_object_set(idt, *k, json_object_get(a->row, *k));
    json_object_set_new(o, "identity", idt);
    json_object_set(o, "cert", json_object_get(d->data, "cert"));
    json_object_set(o, "person", json_object_get(d->data, "person"));
    json_object_set(o, "choice", json_object_get(d->data, "choice"));
    s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    out = apr_pstrdup(jr->pool, s ? s : "{}");
    free(s);
    return out;
}

/* One transaction: the record (only if still the loaded version and
 * still 网报待确认) and its event row. */
static int write_edit(jszg_req *jr, const jszg_applicant *a,
                      const jszg_record *rec, const char *version,
                      jszg_draft *d, int *stale)
{
    json_t *cert = json_object_get(d->data, "cert");
    json_t *choice = json_object_get(d->data, "choice");
    const char *now = epoch(jr);
    int n = 0, rc;

    *stale = 0;
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    rc = jszg_db_exec(jr, "rec_update", &n, 14, jszg_jstr(cert, "cert_no"),
                      jszg_jstr(cert, "kind_name"), jszg_jstr(cert, "subject"),
                      jszg_jstr(cert, "source") ? jszg_jstr(cert, "source") : "registry",
                      jszg_jstr(choice, "point_id"), jszg_jstr(choice, "stage"),
                      jszg_jstr(choice, "subject"), snapshot(jr, a, d),
                      jszg_jstr(d->data, "photo"), now, now, rec->id, a->id,
                      version);
    if (rc == JSZG_DB_OK && n == 0) {
        *stale = 1;
        jszg_db_rollback(jr);
        return JSZG_DB_OK;
    }
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "rec_event_insert", NULL, 4, rec->id, now,
                          apr_pstrcat(jr->pool, "applicant:", a->id, NULL),
                          "申请人修改报名信息");
    if (rc != JSZG_DB_OK) {
        jszg_db_rollback(jr);
        return rc;
    }
    return jszg_db_commit(jr);
}

int jszg_rec_save(jszg_req *jr, const jszg_applicant *a,
                  const jszg_record *rec, const char *version, json_t *in,
                  const unsigned char *photo, apr_size_t photo_len,
                  jszg_fail *f)
{
    jszg_draft *d;
    int rc, stale;

    if ((rc = jszg_wz_may_apply(a, f)) != JSZG_DB_OK)
        return rc;
    if (!rec->editable)
        return jszg_refuse(f, HTTP_CONFLICT, "not_editable",
                           MSG_NOT_EDITABLE);
    if (!digits_ok(version, 18))
        return jszg_refuse(f, HTTP_BAD_REQUEST, "missing_version",
                           "缺少报名信息的版本号，请重新打开修改页面。");
    /* cheap early answer; the UPDATE's WHERE is what decides */
    if (strcmp(version, rec->version))
        return jszg_refuse(f, HTTP_CONFLICT, "stale_edit", MSG_STALE);
    d = edit_draft(jr, rec, NULL);
    rc = validate(jr, a, rec, d, in, photo, photo_len, f);
    if (rc != JSZG_DB_OK)
        return rc;
    if ((rc = write_edit(jr, a, rec, version, d, &stale)) != JSZG_DB_OK)
        return rc;
    if (stale)
        return jszg_refuse(f, HTTP_CONFLICT, "stale_edit", MSG_STALE);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, jr->r, JSZGLOGNO(18002)
                  "account %s edited application %s", a->id,
                  rec->reg_no);
    return JSZG_DB_OK;
}

/* ---- 有留言 --------------------------------------------------------------- */

int jszg_rec_messages(jszg_req *jr, const jszg_applicant *a,
                      const jszg_record *rec, json_t **rows)
{
    json_t *row;
    size_t i;
    int rc = jszg_db_rows(jr, "rec_messages", rows, 2, rec->id, a->id);

    if (rc != JSZG_DB_OK)
        return rc;
    json_array_foreach(*rows, i, row)
        json_object_set_new(row, "when", json_string(beijing(jr->pool,
                            jszg_jstr(row, "at"))));
    /* shown is read: the 有留言 mark goes until staff write again */
    return jszg_db_exec(jr, "rec_messages_read", NULL, 2, rec->id, a->id);
}

/* ---- 申请表 --------------------------------------------------------------- */

static void put(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, json_string(v ? v : ""));
}

/* 年度考核 of the cycle's five years, 培训学时 and 师德 (blank when the
 * registries have nothing: the school fills them in by hand). */
static int form_record(jszg_req *jr, const char *id_number, long cycle,
                       json_t *form)
{
    const char *from = num(jr->pool, cycle - 5);
    const char *to = num(jr->pool, cycle - 1);
    json_t *ass, *years = json_array(), *row;
    long y;
    size_t i;
    int rc;

    json_object_set_new(form, "assessments", years);
    rc = jszg_db_rows(jr, "rec_assessments", &ass, 3, id_number, from, to);
    if (rc != JSZG_DB_OK)
        return rc;
    for (y = cycle - 5; y < cycle; y++) {
        const char *grade = NULL;
        json_array_foreach(ass, i, row)
            if (L(row, "year") == y)
                grade = jszg_jstr(row, "grade");
        json_array_append_new(years, json_pack("{s:s, s:s}", "year",
                              num(jr->pool, y), "grade", grade ? grade
                                                                 : ""));
    }
    rc = jszg_db_row(jr, "rec_training_sum", &row, 3, id_number, from, to);
    if (rc != JSZG_DB_OK)
        return rc;
    put(form, "training_hours", L(row, "n") > 0 ? jszg_jstr(row, "hours") : NULL);
    rc = jszg_db_row(jr, "rec_ethics", &row, 1, id_number);
    if (rc != JSZG_DB_OK && rc != JSZG_DB_NOTFOUND)
        return rc;
    put(form, "ethics", rc == JSZG_DB_OK ? jszg_jstr(row, "result") : NULL);
    return JSZG_DB_OK;
}

static int form_cert(jszg_req *jr, const jszg_applicant *a,
                     const jszg_record *rec, json_t *form)
{
    json_t *cert = json_object_get(rec->data, "cert"), *row;
    const char *cert_no = jszg_jstr(rec->row, "cert_no");
    int rc = jszg_db_row(jr, "rec_cert_first_count", &row, 3, cert_no,
                         a->id_number, a->id_number);

    if (rc != JSZG_DB_OK)
        return rc;
    /* never registered before: this is its 首次注册 */
    put(form, "kind", L(row, "n") > 0 ? "定期注册" : "首次注册");
    put(form, "cert_no", cert_no);
    put(form, "cert_kind", jszg_jstr(rec->row, "cert_kind_name"));
    put(form, "cert_subject", jszg_jstr(rec->row, "cert_subject"));
    put(form, "cert_authority", jszg_jstr(cert, "authority_name"));
    put(form, "cert_issued", jszg_jstr(cert, "issued_on"));
    return JSZG_DB_OK;
}

int jszg_rec_form(jszg_req *jr, const jszg_applicant *a,
                  const jszg_record *rec, json_t *out)
{
    json_t *idt = json_object_get(rec->data, "identity");
    json_t *p = json_object_get(rec->data, "person");
    json_t *form = json_object(), *acct;
    int rc;

    json_object_set_new(out, "form", form);
    put(form, "regno", rec->reg_no);
    put(form, "name", jszg_jstr(idt, "name"));
    put(form, "sex", jszg_jstr(idt, "sex"));
    put(form, "ethnicity", jszg_jstr(idt, "ethnicity"));
    put(form, "birth_date", jszg_jstr(idt, "birth_date"));
    put(form, "id_type", jszg_jstr(idt, "id_type"));
    put(form, "id_number", jszg_jstr(idt, "id_number"));
    put(form, "politics", jszg_jstr(p, "politics"));
    put(form, "address", jszg_jstr(p, "address"));
    put(form, "postcode", jszg_jstr(p, "postcode"));
    put(form, "education", jszg_jstr(p, "education"));
    put(form, "degree", jszg_jstr(p, "degree"));
    put(form, "major", jszg_jstr(p, "major"));
    put(form, "major_category", jszg_jstr(p, "edu_category"));
    put(form, "graduate_school", jszg_jstr(p, "grad_school_name"));
    put(form, "graduate_date", jszg_jstr(p, "grad_date"));
    put(form, "study_form", jszg_jstr(p, "study_form"));
    put(form, "putonghua", jszg_jstr(p, "mandarin"));
    put(form, "school", jszg_jstr(p, "school"));
    put(form, "school_nature", jszg_jstr(p, "school_type"));
    put(form, "school_location", jszg_jstr(p, "school_area"));
    put(form, "post_nature", jszg_jstr(p, "post_type"));
    put(form, "title", jszg_jstr(p, "title"));
    put(form, "work_start", jszg_jstr(p, "work_start"));
    put(form, "hire_start", jszg_jstr(p, "employ_start"));
    put(form, "stage", jszg_jstr(rec->row, "stage"));
    put(form, "subject", jszg_jstr(rec->row, "subject"));
    put(form, "institution", jszg_jstr(rec->row, "institution"));
    put(form, "confirm_point", jszg_jstr(rec->row, "point"));
    put(form, "generated_at", beijing(jr->pool, epoch(jr)));
    rc = jszg_db_row(jr, "rec_account", &acct, 1, a->id);
    if (rc != JSZG_DB_OK && rc != JSZG_DB_NOTFOUND)
        return rc;
    put(form, "phone", rc == JSZG_DB_OK ? jszg_jstr(acct, "phone") : NULL);
    if ((rc = form_cert(jr, a, rec, form)) != JSZG_DB_OK)
        return rc;
    json_object_set(out, "app", public_row(jr, rec));
    json_object_set_new(out, "photo_url", json_string(apr_pstrcat(jr->pool,
                        rec_href(jr, rec->reg_no, "/photo"), "?v=",
                        rec->version, NULL)));
    return form_record(jr, jszg_jstr(idt, "id_number") ? jszg_jstr(idt, "id_number") : "",
                       L(rec->row, "cycle_year"), form);
}

int jszg_rec_photo(jszg_req *jr, const jszg_record *rec,
                   const unsigned char **buf, apr_size_t *len)
{
    const char *rel = jszg_jstr(rec->row, "photo_path");
    apr_file_t *fd;
    apr_finfo_t fi;
    apr_status_t rv;
    char *b;
    apr_size_t n;

    *buf = NULL;
    *len = 0;
    if (!rel || !*rel || strstr(rel, ".."))
        return JSZG_DB_NOTFOUND;
    rv = apr_file_open(&fd, jszg_wz_upload_path(jr, rel), APR_FOPEN_READ
                       | APR_FOPEN_BINARY, 0, jr->pool);
    if (rv == APR_SUCCESS)
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE, fd);
    if (rv == APR_SUCCESS && (fi.size <= 0 || fi.size > 4 * 1024 * 1024))
        rv = APR_EGENERAL;      /* the wizard never stores such a file */
    if (rv == APR_SUCCESS) {
        n = (apr_size_t)fi.size;
        b = apr_palloc(jr->pool, n);
        rv = apr_file_read_full(fd, b, n, &n);
        apr_file_close(fd);
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, jr->r, JSZGLOGNO(18003)
                      "photo %s of application %s cannot be read", rel,
                      rec->reg_no);
        return JSZG_DB_NOTFOUND;
    }
    *buf = (const unsigned char *)b;
    *len = n;
    return JSZG_DB_OK;
}

/* The form's JSON as jszg_pdf_render wants it; strings live in the
 * request pool (the json values are pool-tied too). */
static void pdf_fields(json_t *form, jszg_pdf_form *pf)
{
    json_t *years = json_object_get(form, "assessments"), *y;
    size_t i;

    memset(pf, 0, sizeof(*pf));
#define F(field) pf->field = jszg_jstr(form, #field)
    F(regno); F(kind); F(name); F(sex); F(ethnicity); F(birth_date);
    F(id_type); F(id_number); F(politics); F(phone); F(address);
    F(postcode); F(education); F(degree); F(major); F(major_category);
    F(graduate_school); F(graduate_date); F(study_form); F(putonghua);
    F(cert_no); F(cert_kind); F(cert_subject); F(cert_authority);
    F(cert_issued); F(school); F(school_nature); F(school_location);
    F(stage); F(subject); F(post_nature); F(title); F(work_start);
    F(hire_start); F(institution); F(confirm_point); F(training_hours);
    F(ethics); F(generated_at);
#undef F
    json_array_foreach(years, i, y) {
        if (i >= JSZG_PDF_YEARS)
            break;
        pf->assessments[i][0] = jszg_jstr(y, "year");
        pf->assessments[i][1] = *jszg_jstr(y, "grade") ? jszg_jstr(y, "grade") : NULL;
    }
}

int jszg_rec_pdf(jszg_req *jr, const jszg_applicant *a,
                 const jszg_record *rec, const unsigned char **pdf,
                 apr_size_t *len)
{
    json_t *out = pooled(jr, json_object());
    jszg_pdf_form pf;
    const unsigned char *photo;
    apr_size_t plen;
    const char *err = NULL;
    apr_status_t rv;
    int rc;

    *pdf = NULL;
    *len = 0;
    if ((rc = jszg_rec_form(jr, a, rec, out)) != JSZG_DB_OK)
        return rc;
    pdf_fields(json_object_get(out, "form"), &pf);
    /* a missing photo still gives a form, with an empty photo box */
    if (jszg_rec_photo(jr, rec, &photo, &plen) == JSZG_DB_OK) {
        pf.photo_jpeg = photo;
        pf.photo_len = plen;
    }
    rv = jszg_pdf_render(jr->pool, &pf, pdf, len, &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, jr->r, JSZGLOGNO(18004)
                      "application form PDF of %s failed: %s", rec->reg_no,
                      err ? err : "unknown error");
        return JSZG_DB_ERROR;
    }
    return JSZG_DB_OK;
}
