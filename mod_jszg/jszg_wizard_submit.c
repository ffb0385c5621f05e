/*
 * jszg_wizard_submit.c -- the end of 定期注册: step 4 (review and the
 * online verification of 年度考核, 学时 and 师德), step 6 (the submission:
 * idempotency key, re-check of the draft, 报名号, the application row and
 * its snapshot), step 7 and the 业务平台 records.  Part of the wizard
 * services (jszg_wizard_int.h).
 */
#include "jszg_wizard_int.h"
#include "jszg_directory.h"
#include "jszg_registry.h"
#include "jszg_regno.h"

#define MSG_NO_DRAFT    "报名信息已过期或尚未开始，请从网报时间查询重新" \
                        "进入定期注册报名。"

/* ---- step 4: review and online verification ----------------------------- */

/* 年度考核, 学时 and 师德 of the cycle's five years before cycle_year,
 * judged by the rules core (jszg_rules_cycle_judge), as the staff page
 * judges them.  Warnings only: the decision stays with the registration
 * authority. */
static int verification(jszg_req *jr, const jszg_applicant *a, int cycle,
                        json_t *out)
{
    json_t *warn = json_array(), *row;
    jszg_cycle_record rec;
    const jszg_cycle_facts *f = &rec.facts;
    const jszg_cycle_verdict *v = &rec.verdict;
    size_t i;
    int rc, y, any;

    json_object_set_new(out, "warnings", warn);
    if ((rc = jszg_registry_cycle(jr, a->id_number, cycle, &rec))
        != JSZG_DB_OK)
        return rc;
    any = json_array_size(rec.assessments) || json_array_size(rec.training)
          || json_array_size(rec.ethics);
    json_object_set_new(out, "cycle_from",
                        json_integer(cycle - JSZG_RULE_YEARS));
    json_object_set_new(out, "cycle_to", json_integer(cycle - 1));
    json_object_set(out, "assessments", rec.assessments);
    json_object_set(out, "training", rec.training);
    json_object_set(out, "ethics", rec.ethics);
    json_object_set_new(out, "has_data", json_boolean(any));
    if (!any)
        return JSZG_DB_OK;
    for (y = 0; y < JSZG_RULE_YEARS; y++) {
        int year = cycle - JSZG_RULE_YEARS + y;
        if (f->grade[y] == JSZG_GRADE_BAD)
            json_array_append_new(warn, json_string(apr_psprintf(jr->pool,
                "%d年年度考核为“不合格”：本注册周期内有年度考核不合格的，"
                "将" JSZG_ST_DEFER "（连续两年不合格的" JSZG_ST_FAIL "）。",
                year)));
        else if (v->basic & (1u << y))
            json_array_append_new(warn, json_string(apr_psprintf(jr->pool,
                "%d年年度考核为“基本合格”：注册机构将按本省规定认定是否"
                "符合“年度考核合格以上等次”的注册条件。", year)));
        else if (json_array_size(rec.assessments) && (v->missing & (1u << y)))
            json_array_append_new(warn, json_string(apr_psprintf(
                jr->pool, "未查询到%d年的年度考核信息，请在现场确认时提供"
                "年度考核证明材料。", year)));
    }
    json_object_set_new(out, "hours", json_integer(f->hours));
    json_object_set_new(out, "hours_required",
                        json_integer(JSZG_RULE_HOURS));
    if (v->hours_short)
        json_array_append_new(warn, json_string(apr_psprintf(jr->pool,
            "本注册周期培训学时为%ld学时，不足国家规定的%d学时：未完成培训"
            "学时的，将" JSZG_ST_DEFER "。", f->hours, JSZG_RULE_HOURS)));
    json_array_foreach(rec.ethics, i, row)
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
    if ((rc = jszg_dir_institution(jr, S(choice, "institution_id"), &inst))
        != JSZG_DB_OK)
        return rc;
    json_object_set(out, "institution", json_object_get(inst, "name"));
    json_object_set(out, "province_name", json_object_get(inst,
                                                          "province"));
    if (S(choice, "city")
        && jszg_dir_region(jr, S(choice, "city"), 2, &reg) == JSZG_DB_OK)
        json_object_set(out, "city_name", json_object_get(reg, "name"));
    if ((rc = jszg_dir_window_state(jr, inst, &win)) != JSZG_DB_OK)
        return rc;
    json_object_set(out, "window", win);
    if ((rc = jszg_dir_points(jr, S(inst, "id"), S(choice, "stage"),
                              &points)) != JSZG_DB_OK)
        return rc;
    if ((pt = jszg_jrow_find(points, "id", S(choice, "point_id"))))
        json_object_set(out, "point", pt);
    return JSZG_DB_OK;
}

int jszg_wz_review(jszg_req *jr, const jszg_applicant *a,
                   const jszg_draft *d, json_t *out)
{
    json_t *choice = json_object(), *ver = json_object();
    int rc;

    json_object_set_new(out, "identity",
                        json_incref(jszg_wz_identity_block(jr, a)));
    json_object_set(out, "cert", json_object_get(d->data, "cert"));
    json_object_set_new(out, "person", json_incref(jszg_wz_labelled_person(jr,
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
                         jszg_fail *f)
{
    json_t *choice = json_object_get(d->data, "choice"), *certs, *win, *pt;
    char buf[256];
    const char *why;
    int rc;

    if (d->step_done < 5)
        return jszg_wz_step_open(d, 6, f);
    rc = jszg_wz_check_institution(jr, S(choice, "institution_id"),
                                   S(choice, "stage"),
                                   S(choice, "point_id"), inst, &win, &pt,
                                   f);
    if (rc != JSZG_DB_OK)
        return rc;
    if (L(win, "cycle_year") != L(d->data, "cycle_year"))
        json_object_set(d->data, "cycle_year", json_object_get(win,
                                                               "cycle_year"));
    rc = jszg_wz_wizard_certs(jr, a, S(d->data, "cycle_year"), &certs);
    if (rc != JSZG_DB_OK)
        return rc;
    *cert = jszg_jrow_find(certs, "cert_no", S(d->data, "cert_no"));
    if (!*cert)
        return jszg_refuse(f, HTTP_CONFLICT, "missing_cert",
                           "请返回步骤二选择本次注册的教师资格证书。");
    if (S(*cert, "blocked"))
        return jszg_refuse(f, HTTP_CONFLICT, S(*cert, "blocked_code"),
                           S(*cert, "blocked"));
    if ((why = jszg_rules_kind_stage_refusal((int)L(*cert, "kind"),
                                             S(choice, "stage"), buf,
                                             sizeof(buf))))
        return jszg_refuse(f, HTTP_CONFLICT, "kind_stage_mismatch",
                           apr_pstrcat(jr->pool, why, "。请返回步骤三重新选择"
                                       "现任教学段。", NULL));
    if (!S(d->data, "photo"))
        return jszg_refuse(f, HTTP_CONFLICT, "photo_missing",
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

    json_object_set_new(o, "identity",
                        json_incref(jszg_wz_identity_block(jr, a)));
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
                   const char **reg_no, int *replayed, jszg_fail *f)
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
        return jszg_refuse(f, HTTP_BAD_REQUEST, "bad_submit_key",
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
            rc = jszg_refuse(f, HTTP_CONFLICT, "no_draft", MSG_NO_DRAFT);
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
            if (!(cert && jszg_wz_cert_block(jr, a, cert,
                                             S(d->data, "cycle_year"),
                                             &code, &msg) == JSZG_DB_OK
                  && msg))
                continue;
            rc = jszg_refuse(f, HTTP_CONFLICT, code, msg);
        }
        if (rc != JSZG_REFUSED)
            return rc;
        /* A concurrent submit with the same key may have committed after
         * our look at the key: it took the draft (no_draft) and the
         * certificate (already_applied).  Its answer is ours too. */
        if (idem_answer(jr, a, khash, reg_no) == JSZG_DB_OK) {
            jszg_fail_clear(f);
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
    if ((rc = jszg_dir_institution(jr, S(row, "institution_id"), &inst))
        != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_dir_window(jr, S(inst, "id"), &win)) == JSZG_DB_OK)
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
