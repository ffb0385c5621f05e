/*
 * jszg_admin_apps.c -- the staff side of the 定期注册 status machine
 * (DESIGN.md):
 *
 *   网报待确认 --确认点: 材料齐全--> 待注册审批
 *   网报待确认 --确认点: 材料不全--> 确认未通过 (missing items as message)
 *   确认未通过 --reopen--> 网报待确认
 *   待注册审批 --注册机构--> 注册合格 | 暂缓注册 | 注册不合格
 *
 * Each transition is one transaction: the status UPDATE (guarded by the
 * expected old status, so two clerks clicking at once cannot both win),
 * an application_events row, an audit_log row and, for a conclusion, a
 * registrations_history row (the certificate's 上次注册日期/结论 next
 * cycle).  Anything off the machine is refused with a stable code and
 * nothing changes.
 */
#include "jszg_admin.h"
#include "jszg_registry.h"
#include "apr_strings.h"
#include "apr_lib.h"

#define MAX_TEXT        500     /* characters in a note, reason, message */
/* Rows of admin_queue_head (its LIMIT, written out): the unfiltered
 * first page serves a page size (JszgPageSize) up to one less. */
#define QUEUE_HEAD_ROWS 21
#define CORRECT_ROLES   (JSZG_ROLE_INSTITUTION | JSZG_ROLE_PROVINCE \
                         | JSZG_ROLE_SYSTEM)
/* The queue counts at most this many rows (admin_queue_count): a
 * 注册机构's own queue stays below and is counted exactly; past it (the
 * national queue, a large province's) the page says "1000 条以上".  The
 * exact national count read a third of all applications on every view. */
#define QUEUE_COUNT_CAP 1000    /* + 1 in the counts' LIMIT (SQL) */

static int streq(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

/* ---- scope ------------------------------------------------------------- */

const char *jszg_adm_scoped(jszg_req *jr, jszg_staff *st, const char *stmt,
                            const char **arg)
{
    switch (st->role) {
    case JSZG_ROLE_POINT:
        *arg = st->point_id;
        return apr_pstrcat(jr->pool, stmt, "__point", NULL);
    case JSZG_ROLE_INSTITUTION:
        *arg = st->institution_id;
        return apr_pstrcat(jr->pool, stmt, "__inst", NULL);
    case JSZG_ROLE_PROVINCE:
        *arg = st->province_code;
        return apr_pstrcat(jr->pool, stmt, "__prov", NULL);
    case JSZG_ROLE_SYSTEM:
        *arg = "8";
        return apr_pstrcat(jr->pool, stmt, "__all", NULL);
    }
    /* an unknown role sees nothing: the point variant with no point */
    *arg = "0";
    return apr_pstrcat(jr->pool, stmt, "__point", NULL);
}

static int in_scope(jszg_staff *st, json_t *app)
{
    switch (st->role) {
    case JSZG_ROLE_SYSTEM:
        return 1;
    case JSZG_ROLE_POINT:
        return streq(jszg_jstr(app, "point_id"), st->point_id);
    case JSZG_ROLE_INSTITUTION:
        return streq(jszg_jstr(app, "institution_id"), st->institution_id);
    case JSZG_ROLE_PROVINCE:
        return streq(jszg_jstr(app, "province_code"), st->province_code);
    }
    return 0;
}

static int db_fail(jszg_fail *e, int rc)
{
    return jszg_fail_set(e, jszg_db_status(rc), "db", NULL);
}

int jszg_adm_app_get(jszg_req *jr, jszg_staff *st, const char *id,
                     json_t **app, jszg_fail *e)
{
    int rc;

    *app = NULL;
    if (!jszg_adm_id_ok(id))
        return jszg_fail_set(e, HTTP_NOT_FOUND, "not_found",
                             "该报名信息不存在。");
    rc = jszg_db_row(jr, "admin_app_get", app, 1, id);
    if (rc == JSZG_DB_NOTFOUND)
        return jszg_fail_set(e, HTTP_NOT_FOUND, "not_found",
                             "该报名信息不存在。");
    if (rc != JSZG_DB_OK)
        return db_fail(e, rc);
    if (!in_scope(st, *app)) {
        *app = NULL;
        return jszg_fail_set(e, HTTP_FORBIDDEN, "forbidden",
                             "您无权查看或办理该业务（超出您的管辖范围）。");
    }
    return JSZG_ADM_OK;
}

/* ---- text inputs --------------------------------------------------------- */

/* Trimmed copy; NULL when empty.  *too_long when over MAX_TEXT chars. */
static const char *text_in(apr_pool_t *p, const char *s, int *too_long)
{
    char *t;
    apr_size_t n;

    *too_long = 0;
    if (!s)
        return NULL;
    while (apr_isspace(*s))
        s++;
    t = apr_pstrdup(p, s);
    n = strlen(t);
    while (n && apr_isspace(t[n - 1]))
        t[--n] = '\0';
    if (!n)
        return NULL;
    if (jszg_utf8_chars(t, n) > MAX_TEXT)
        *too_long = 1;
    return t;
}

/* ---- the transition ------------------------------------------------------ */

/* Today in Beijing time, 'YYYY-MM-DD' (the date a conclusion carries). */
static const char *today(jszg_req *jr, int plus_years)
{
    jszg_bjtime t;

    jszg_rules_beijing(apr_time_sec(jr->now), &t);
    return apr_psprintf(jr->pool, "%04d-%02d-%02d", t.year + plus_years,
                        t.month, t.day == 29 && t.month == 2 && plus_years
                        ? 28 : t.day);
}

/* The certificate's registration record for the next cycle: its
 * holder's, the applicant (accounts store the ID number upper-cased). */
static int write_history(jszg_req *jr, json_t *app, const char *to)
{
    json_t *row;
    const char *kind = "定期注册", *holder = jszg_jstr(app, "id_number");
    int rc = jszg_db_row(jr, "admin_history_count", &row, 3,
                         jszg_jstr(app, "cert_no"), holder, holder);

    if (rc != JSZG_DB_OK)
        return rc;
    if (apr_atoi64(jszg_jstr(row, "n")) == 0)
        kind = "首次注册";
    return jszg_db_exec(jr, "admin_history_insert", NULL, 7,
                        jszg_jstr(app, "cert_no"), kind, today(jr, 0), to,
                        streq(to, JSZG_ST_PASS) ? today(jr, 5) : NULL,
                        jszg_jstr(app, "institution_name"), holder);
}

/* from → to in one transaction with its event and audit rows.  A status
 * that moved meanwhile (another clerk, another tab) is a conflict. */
static int transition(jszg_req *jr, jszg_staff *st, json_t *app,
                      const char *to, const char *note, const char *message,
                      jszg_fail *e)
{
    const char *id = jszg_jstr(app, "id"), *from = jszg_jstr(app, "status");
    const char *now = jszg_now_str(jr);
    const char *actor = apr_pstrcat(jr->pool, "staff:", st->username, NULL);
    const char *has = message ? "1" : "0";
    int rc, n = 0;

    if (!jszg_rules_transition_ok(from, to))
        return jszg_fail_set(e, HTTP_CONFLICT, "invalid_transition",
                             apr_psprintf(jr->pool, "该报名当前状态为“%s”，"
                                          "不能转为“%s”。", from, to));
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return db_fail(e, rc);
    if (jszg_rules_is_conclusion(to))
        rc = jszg_db_exec(jr, "admin_app_conclude", &n, 5, to, has, now,
                          today(jr, 0), id);
    else
        rc = jszg_db_exec(jr, "admin_app_move", &n, 5, to, has, now, id,
                          from);
    if (rc == JSZG_DB_OK && n == 0) {
        jszg_db_rollback(jr);
        return jszg_fail_set(e, HTTP_CONFLICT, "status_changed",
                             "该报名的状态已被他人更新，请刷新后重试。");
    }
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "admin_event_insert", NULL, 7, id, now, actor,
                          from, to, note, message);
    if (rc == JSZG_DB_OK)
        rc = jszg_admin_audit(jr, st, apr_pstrcat(jr->pool, "application.",
                                                  to, NULL),
                              apr_pstrcat(jr->pool, "application:", id,
                                          NULL),
                              apr_pstrcat(jr->pool, from, " → ", to,
                                          note ? "：" : "", note, NULL));
    if (rc == JSZG_DB_OK && jszg_rules_is_conclusion(to))
        rc = write_history(jr, app, to);
    if (rc != JSZG_DB_OK) {
        jszg_db_rollback(jr);
        return db_fail(e, rc);
    }
    if ((rc = jszg_db_commit(jr)) != JSZG_DB_OK)
        return db_fail(e, rc);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, jr->r, JSZGLOGNO(17010)
                  "application %s: %s -> %s by %s", id, from, to,
                  st->username);
    json_object_set_new(app, "status", json_string(to));
    return JSZG_ADM_OK;
}

static int wrong_status(jszg_req *jr, jszg_fail *e, json_t *app,
                        const char *what)
{
    return jszg_fail_set(e, HTTP_CONFLICT, "invalid_transition",
                         apr_psprintf(jr->pool, "该报名当前状态为“%s”，"
                                      "不能%s。", jszg_jstr(app, "status"),
                                      what));
}

static int role_refused(jszg_fail *e, const char *what)
{
    return jszg_fail_set(e, HTTP_FORBIDDEN, "role_forbidden", what);
}

/* 现场确认 happens inside the plan's 现场确认 period (Beijing times of the
 * application's institution and cycle).  A plan without a period set,
 * or no plan row (an application older than its plan's deletion), does
 * not restrict it. */
static int confirm_period(jszg_req *jr, json_t *app, jszg_fail *e)
{
    json_t *w;
    const char *cs, *ce;
    char now[24];
    int rc = jszg_db_row(jr, "admin_app_window", &w, 2,
                         jszg_jstr(app, "institution_id"),
                         jszg_jstr(app, "cycle_year"));

    if (rc == JSZG_DB_NOTFOUND)
        return JSZG_ADM_OK;
    if (rc != JSZG_DB_OK)
        return db_fail(e, rc);
    cs = jszg_jstr(w, "confirm_starts");
    ce = jszg_jstr(w, "confirm_ends");
    jszg_rules_beijing_text(apr_time_sec(jr->now), JSZG_FMT_SECOND, now,
                            sizeof(now));
    switch (jszg_rules_period(now, cs, ce)) {
    case -1:
        return jszg_fail_set(e, HTTP_CONFLICT, "confirm_not_open",
                             apr_psprintf(jr->pool, "还未到现场确认时间，"
                                          "不能进行现场确认。该注册机构的"
                                          "现场确认时间为%s至%s。", cs,
                                          ce && *ce ? ce : "（未设置）"));
    case 1:
        return jszg_fail_set(e, HTTP_CONFLICT, "confirm_closed",
                             apr_psprintf(jr->pool, "现场确认时间已结束，"
                                          "不能进行现场确认。该注册机构的"
                                          "现场确认时间为%s至%s。",
                                          cs && *cs ? cs : "（未设置）",
                                          ce));
    }
    return JSZG_ADM_OK;
}

int jszg_adm_app_confirm(jszg_req *jr, jszg_staff *st, const char *id,
                         int complete, const char *missing,
                         const char *message, jszg_fail *e)
{
    json_t *app;
    const char *msg;
    int rc, long_text, long_msg;

    if (!(st->role & (JSZG_ROLE_POINT | JSZG_ROLE_SYSTEM)))
        return role_refused(e, "只有现场确认点工作人员可以进行现场确认。");
    if ((rc = jszg_adm_app_get(jr, st, id, &app, e)) != JSZG_ADM_OK)
        return rc;
    if (!streq(jszg_jstr(app, "status"), JSZG_ST_PENDING))
        return wrong_status(jr, e, app, "进行现场确认");
    if ((rc = confirm_period(jr, app, e)) != JSZG_ADM_OK)
        return rc;
    if (complete < 0)
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "result_required",
                             "请选择现场确认结论（材料齐全或材料不全）。");
    missing = text_in(jr->pool, missing, &long_text);
    msg = text_in(jr->pool, message, &long_msg);
    if (long_text || long_msg)
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "text_too_long",
                             "缺少材料说明和留言均不能超过500字。");
    if (!complete) {
        if (!missing)
            return jszg_fail_set(e, HTTP_BAD_REQUEST, "missing_required",
                                 "材料不全时，请填写所缺材料，"
                                 "该说明将作为留言发给申请人。");
        msg = apr_pstrcat(jr->pool, "现场确认未通过，请补齐以下材料后"
                          "与确认点联系：", missing, msg ? "。" : NULL, msg,
                          NULL);
    }
    return transition(jr, st, app,
                      complete ? JSZG_ST_CONFIRMED : JSZG_ST_REJECTED,
                      complete ? "现场确认：材料齐全" : missing, msg, e);
}

int jszg_adm_app_reopen(jszg_req *jr, jszg_staff *st, const char *id,
                        const char *note, jszg_fail *e)
{
    json_t *app;
    int rc, long_text;

    if (!(st->role & (JSZG_ROLE_POINT | JSZG_ROLE_INSTITUTION
                      | JSZG_ROLE_SYSTEM)))
        return role_refused(e, "您的角色不能重新开放报名。");
    if ((rc = jszg_adm_app_get(jr, st, id, &app, e)) != JSZG_ADM_OK)
        return rc;
    if (!streq(jszg_jstr(app, "status"), JSZG_ST_REJECTED))
        return wrong_status(jr, e, app, "重新开放（只有“" JSZG_ST_REJECTED
                            "”的报名"
                            "可以重新开放）");
    note = text_in(jr->pool, note, &long_text);
    if (long_text)
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "text_too_long",
                             "说明不能超过500字。");
    return transition(jr, st, app, JSZG_ST_PENDING,
                      note ? note : "重新开放，等待现场确认",
                      note ? note : "您的报名已重新开放，可修改报名信息后"
                      "携带齐全的材料到确认点进行现场确认。", e);
}

int jszg_adm_decide_check(jszg_req *jr, jszg_staff *st,
                          const char *conclusion, const char **reason,
                          const char **message, jszg_fail *e)
{
    int long1, long2;

    if (!(st->role & (JSZG_ROLE_INSTITUTION | JSZG_ROLE_SYSTEM)))
        return role_refused(e, "只有注册机构审核员可以作出注册结论。");
    if (!jszg_rules_is_conclusion(conclusion)) {
        jszg_fail_field(e, "conclusion", "conclusion_invalid",
                        "请选择注册结论。");
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "conclusion_invalid",
                             "请选择注册结论：" JSZG_ST_PASS "、"
                             JSZG_ST_DEFER "或" JSZG_ST_FAIL "。");
    }
    *reason = text_in(jr->pool, *reason, &long1);
    *message = text_in(jr->pool, *message, &long2);
    if (long1 || long2) {
        if (long1)
            jszg_fail_field(e, "reason", "text_too_long",
                            "理由不能超过500字。");
        if (long2)
            jszg_fail_field(e, "message", "text_too_long",
                            "留言不能超过500字。");
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "text_too_long",
                             "理由和留言均不能超过500字。");
    }
    if (!*reason && !streq(conclusion, JSZG_ST_PASS)) {
        const char *msg = apr_psprintf(jr->pool, "结论为“%s”时必须填写"
                                       "理由。", conclusion);
        jszg_fail_field(e, "reason", "reason_required", msg);
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "reason_required", msg);
    }
    return JSZG_ADM_OK;
}

int jszg_adm_app_decide(jszg_req *jr, jszg_staff *st, const char *id,
                        const char *conclusion, const char *reason,
                        const char *message, jszg_fail *e)
{
    json_t *app;
    int rc;

    if (!(st->role & (JSZG_ROLE_INSTITUTION | JSZG_ROLE_SYSTEM)))
        return role_refused(e, "只有注册机构审核员可以作出注册结论。");
    if ((rc = jszg_adm_app_get(jr, st, id, &app, e)) != JSZG_ADM_OK)
        return rc;
    if (!streq(jszg_jstr(app, "status"), JSZG_ST_CONFIRMED))
        return wrong_status(jr, e, app, "作出注册结论（只有“"
                            JSZG_ST_CONFIRMED "”的"
                            "报名可以审批）");
    if ((rc = jszg_adm_decide_check(jr, st, conclusion, &reason, &message,
                                    e)) != JSZG_ADM_OK)
        return rc;
    /* the applicant learns why: the reason is the message unless the
     * reviewer wrote one */
    if (!message && reason && !streq(conclusion, JSZG_ST_PASS))
        message = apr_pstrcat(jr->pool, conclusion, "：", reason, NULL);
    return transition(jr, st, app, conclusion,
                      reason ? reason : conclusion, message, e);
}

/* ---- lists --------------------------------------------------------------- */

/* The queue's size, capped at QUEUE_COUNT_CAP + 1 rows. */
static int queue_count(jszg_req *jr, jszg_staff *st, const char *status,
                       const char *stage, const char *key, const char *q,
                       long *n)
{
    const char *stmt, *scope;
    json_t *row;
    int rc;

    if (!*stage && !*q) {
        stmt = jszg_adm_scoped(jr, st, "admin_queue_size", &scope);
        rc = jszg_db_row(jr, stmt, &row, 2, status, scope);
    }
    else {
        stmt = jszg_adm_scoped(jr, st, "admin_queue_count", &scope);
        rc = jszg_db_row(jr, stmt, &row, 8, status, scope, stage, stage,
                         key, key, key, q);
    }
    if (rc == JSZG_DB_OK)
        *n = (long)apr_atoi64(jszg_jstr(row, "n"));
    return rc;
}

/* One page of the queue and the row past it, which tells whether a next
 * page has rows (the total cannot once it is capped). */
static int queue_page(jszg_req *jr, jszg_staff *st, const char *status,
                      const char *stage, const char *key, const char *q,
                      long page, json_t **rows)
{
    long per = jr->sc->page_size;
    const char *lim = apr_ltoa(jr->pool, per + 1);
    const char *off = apr_ltoa(jr->pool, (page - 1) * per);
    const char *stmt, *scope;

    if (!*stage && !*q && page == 1 && per < QUEUE_HEAD_ROWS) {
        stmt = jszg_adm_scoped(jr, st, "admin_queue_head", &scope);
        return jszg_db_rows(jr, stmt, rows, 2, status, scope);
    }
    stmt = jszg_adm_scoped(jr, st, "admin_queue", &scope);
    return jszg_db_rows(jr, stmt, rows, 10, status, scope, stage, stage,
                        key, key, key, q, lim, off);
}

int jszg_adm_queue(jszg_req *jr, jszg_staff *st, const char *status,
                   const char *stage, const char *q, long page,
                   json_t **rows, long *total, int *capped, int *more,
                   jszg_fail *e)
{
    char *key;
    long n;
    int rc;

    stage = stage ? stage : "";
    q = q ? q : "";
    key = apr_pstrdup(jr->pool, q);
    ap_str_toupper(key);
    rc = queue_count(jr, st, status, stage, key, q, &n);
    if (rc != JSZG_DB_OK)
        return db_fail(e, rc);
    *capped = n > QUEUE_COUNT_CAP;
    *total = *capped ? QUEUE_COUNT_CAP : n;
    rc = queue_page(jr, st, status, stage, key, q, page, rows);
    if (rc != JSZG_DB_OK)
        return db_fail(e, rc);
    *more = (long)json_array_size(*rows) > jr->sc->page_size;
    while ((long)json_array_size(*rows) > jr->sc->page_size)
        json_array_remove(*rows, json_array_size(*rows) - 1);
    jszg_rows_link(jr->pool, *rows, "/admin/apps/");
    return JSZG_ADM_OK;
}

/* ---- the rule check (注册机构's help, never a decision) ------------------ */

static void reason_add(json_t *list, const char *text)
{
    json_array_append_new(list, json_string(text));
}

/* 年度考核 of the five years before the cycle, 学时 and 师德, judged by the
 * rules core (jszg_rules_cycle_judge: the conditions of 注册 and what
 * is flagged); missing data is flagged, not guessed. */
int jszg_adm_verify(jszg_req *jr, json_t *app, json_t **out)
{
    int cycle = (int)apr_atoi64(jszg_jstr(app, "cycle_year"));
    json_t *years, *fail_r, *defer_r, *notes, *row;
    jszg_cycle_record rec;
    const jszg_cycle_facts *f = &rec.facts;
    const jszg_cycle_verdict *v = &rec.verdict;
    int rc, i;
    size_t j;

    if ((rc = jszg_registry_cycle(jr, jszg_jstr(app, "id_number"), cycle,
                                  &rec)) != JSZG_DB_OK)
        return rc;

    *out = jszg_pool_json(jr->pool, json_object());
    years = json_array();
    fail_r = json_array();
    defer_r = json_array();
    notes = json_array();
    for (i = 0; i < JSZG_RULE_YEARS; i++) {
        int y = cycle - JSZG_RULE_YEARS + i;
        const char *grade = NULL;
        json_array_foreach(rec.assessments, j, row)
            if (apr_atoi64(jszg_jstr(row, "year")) == y)
                grade = jszg_jstr(row, "grade");
        json_array_append_new(years, json_pack("{s:i, s:s, s:b}", "year", y,
                              "grade", grade ? grade : "无记录",
                              "bad", f->grade[i] == JSZG_GRADE_BAD));
        if (v->missing & (1u << i))
            reason_add(notes, apr_psprintf(jr->pool, "缺少%d年度考核记录，"
                                           "请核实", y));
        if (v->basic & (1u << i))
            reason_add(notes, apr_psprintf(jr->pool, "%d年度考核为基本合格，"
                                           "非“合格以上等次”，请按本省规定"
                                           "认定", y));
    }
    if (v->ethics_bad)
        reason_add(fail_r, "有师德考核不合格记录");
    if (v->two_bad)
        reason_add(fail_r, "周期内连续两年年度考核不合格");
    if (v->any_bad && !v->two_bad)
        reason_add(defer_r, "周期内有年度考核不合格");
    if (v->hours_short)
        reason_add(defer_r, apr_psprintf(jr->pool, "培训学时%ld，不足%d学时",
                                         f->hours, JSZG_RULE_HOURS));
    if (v->no_ethics)
        reason_add(notes, "无师德考核记录，请核实");
    json_object_set_new(*out, "years", years);
    json_object_set(*out, "training", rec.training);
    json_object_set(*out, "ethics", rec.ethics);
    json_object_set_new(*out, "hours", json_integer(f->hours));
    json_object_set_new(*out, "hours_needed", json_integer(JSZG_RULE_HOURS));
    json_object_set_new(*out, "hours_ok", json_boolean(!v->hours_short));
    json_object_set_new(*out, "suggestion", json_string(v->suggestion));
    json_array_extend(fail_r, defer_r);
    json_decref(defer_r);
    json_object_set_new(*out, "reasons", fail_r);
    json_object_set_new(*out, "notes", notes);
    json_object_set_new(*out, "no_data", json_boolean(
        !json_array_size(rec.assessments) && !json_array_size(rec.training)
        && !json_array_size(rec.ethics)));
    return JSZG_DB_OK;
}

/* ---- withdrawing or correcting a 注册结论 (issue 14) ------------------------ */

/* Days since the conclusion (Beijing calendar); -1 when it has no date. */
static long days_since(jszg_req *jr, const char *decided_on)
{
    jszg_bjtime t;

    if (!decided_on || jszg_rules_parse_date(decided_on, 1900, 9999, &t))
        return -1;
    return jszg_rules_beijing_day(apr_time_sec(jr->now))
           - jszg_rules_beijing_day(jszg_rules_beijing_secs(&t));
}

int jszg_adm_correct_open(jszg_req *jr, jszg_staff *st, json_t *app)
{
    long days = days_since(jr, jszg_jstr(app, "decided_on"));

    return (st->role & CORRECT_ROLES) && jszg_rules_is_conclusion(jszg_jstr(app, "status"))
           && days >= 0 && days <= jr->sc->correct_days;
}

/* The registration record the conclusion wrote: removed on withdrawal,
 * changed on correction (valid_until: 5 years for 注册合格). */
static int fix_history(jszg_req *jr, json_t *app, const char *from,
                       const char *to)
{
    const char *on = jszg_jstr(app, "decided_on"), *until = NULL;

    if (!to)
        return jszg_db_exec(jr, "admin_history_undo", NULL, 4,
                            jszg_jstr(app, "cert_no"), on, from,
                            jszg_jstr(app, "institution_name"));
    if (streq(to, JSZG_ST_PASS))
        until = apr_psprintf(jr->pool, "%04d%s", atoi(on) + 5,
                             on + 4);
    if (until && !strcmp(on + 4, "-02-29"))
        until = apr_psprintf(jr->pool, "%04d-02-28", atoi(on) + 5);
    return jszg_db_exec(jr, "admin_history_fix", NULL, 6, to, until,
                        jszg_jstr(app, "cert_no"), on, from,
                        jszg_jstr(app, "institution_name"));
}

int jszg_adm_app_correct(jszg_req *jr, jszg_staff *st, const char *id,
                         const char *to, const char *reason,
                         jszg_fail *e)
{
    json_t *app;
    const char *from, *now, *note, *msg, *action;
    int rc, n = 0, long_text;
    long days;

    if (!(st->role & CORRECT_ROLES))
        return role_refused(e, "只有注册机构审核员或省级管理员可以撤销或"
                            "更正注册结论。");
    if ((rc = jszg_adm_app_get(jr, st, id, &app, e)) != JSZG_ADM_OK)
        return rc;
    from = jszg_jstr(app, "status");
    if (!jszg_rules_is_conclusion(from))
        return wrong_status(jr, e, app, "撤销或更正注册结论（只有已作出"
                            "注册结论的报名可以撤销或更正）");
    days = days_since(jr, jszg_jstr(app, "decided_on"));
    if (days < 0 || days > jr->sc->correct_days)
        return jszg_fail_set(e, HTTP_CONFLICT, "correct_period_over",
                             apr_psprintf(jr->pool, "注册结论作出已超过"
                                          "%d天（结论日期%s），不能再撤销"
                                          "或更正。",
                                          jr->sc->correct_days,
                                          jszg_jstr(app, "decided_on")
                                          ? jszg_jstr(app, "decided_on")
                                          : "未知"));
    if (to && !*to)
        to = NULL;              /* withdraw: back to 待注册审批 */
    if (to && (!jszg_rules_is_conclusion(to)
               || !jszg_rules_transition_ok(from, to)))
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "correct_invalid",
                             "请选择撤销注册结论，或选择一个与原结论"
                             "不同的新结论。");
    reason = text_in(jr->pool, reason, &long_text);
    if (long_text)
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "text_too_long",
                             "理由不能超过500字。");
    if (!reason)
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "reason_required",
                             "撤销或更正注册结论时必须填写理由，该理由将"
                             "作为留言发给申请人。");
    if (to) {
        note = apr_pstrcat(jr->pool, "更正注册结论：", from, " → ", to,
                           "。理由：", reason, NULL);
        msg = apr_pstrcat(jr->pool, "您的注册结论已由“", from, "”更正为“",
                          to, "”。理由：", reason, NULL);
        action = "application.correct";
    }
    else {
        note = apr_pstrcat(jr->pool, "撤销注册结论（原结论：", from,
                           "）。理由：", reason, NULL);
        msg = apr_pstrcat(jr->pool, "您的注册结论“", from, "”已被撤销，"
                          "报名回到“" JSZG_ST_CONFIRMED "”，"
                          "注册机构将重新审批。理由：",
                          reason, NULL);
        action = "application.withdraw";
    }
    now = jszg_now_str(jr);
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return db_fail(e, rc);
    rc = jszg_db_exec(jr, "admin_app_correct", &n, 5,
                      to ? to : JSZG_ST_CONFIRMED, now, to ? "0" : "1", id,
                      from);
    if (rc == JSZG_DB_OK && n == 0) {
        jszg_db_rollback(jr);
        return jszg_fail_set(e, HTTP_CONFLICT, "status_changed",
                             "该报名的状态已被他人更新，请刷新后重试。");
    }
    if (rc == JSZG_DB_OK)
        rc = fix_history(jr, app, from, to);
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "admin_event_insert", NULL, 7, id, now,
                          apr_pstrcat(jr->pool, "staff:", st->username,
                                      NULL),
                          from, to ? to : JSZG_ST_CONFIRMED, note, msg);
    if (rc == JSZG_DB_OK)
        rc = jszg_admin_audit(jr, st, action,
                              apr_pstrcat(jr->pool, "application:", id,
                                          NULL), note);
    if (rc != JSZG_DB_OK) {
        jszg_db_rollback(jr);
        return db_fail(e, rc);
    }
    if ((rc = jszg_db_commit(jr)) != JSZG_DB_OK)
        return db_fail(e, rc);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, jr->r, JSZGLOGNO(20100)
                  "application %s: conclusion %s %s by %s", id, from,
                  to ? apr_pstrcat(jr->pool, "corrected to ", to, NULL)
                  : "withdrawn", st->username);
    return JSZG_ADM_OK;
}
