/*
 * jszg_wizard_person.c -- step 2 of 定期注册 (注册信息): the person's
 * fields as the field vocabulary of the rules core specifies them (labels,
 * dropdowns, checks), the identity block, dates and 毕业学校, the 照片,
 * saving the step; and the labelled person that step 4 shows.  Part of the wizard services
 * (jszg_wizard_int.h).
 */
#include "jszg_wizard_int.h"
#include "jszg_account.h"

/* ---- step 2's fields: the field vocabulary's ------------------------------
 * The person group's typed fields of the rules core (jszg_rules.c) drive
 * the form, its labels and dropdowns, the checks of each field and the
 * step 4 summary, in the table's order; nothing about them is listed
 * here. */
#define FOREACH_PERSON(f) \
    for ((f) = jszg_rules_fields; (f)->key; (f)++) \
        if (jszg_rules_field_typed((f), "person"))

const char *const *jszg_wz_person_fields(apr_pool_t *p)
{
    static const char *const identity[] = { "cert_no", "ethnicity",
                                            "birth_date", NULL };
    apr_array_header_t *names = apr_array_make(p, 24, sizeof(char *));
    const jszg_fieldspec *f;
    const char *const *n;

    for (n = identity; *n; n++)
        APR_ARRAY_PUSH(names, const char *) = *n;
    FOREACH_PERSON(f)
        APR_ARRAY_PUSH(names, const char *) = f->key;
    APR_ARRAY_PUSH(names, const char *) = NULL;
    return (const char *const *)names->elts;
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
json_t *jszg_wz_identity_block(jszg_req *jr, const jszg_applicant *a)
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
    const jszg_fieldspec *f;
    json_t *lists = json_object(), *labels = json_object();

    FOREACH_PERSON(f)
        if (f->check == JSZG_FC_OPTION)
            json_object_set_new(lists, f->key, jszg_wz_options(f->options,
                                S(values, f->key)));
    json_object_set_new(lists, "ethnicity", jszg_wz_options(
                        jszg_ethnicities, S(values, "ethnicity")));
    json_object_set_new(out, "lists", lists);
    /* the form's labels (partials/person_fields): the vocabulary's */
    FOREACH_PERSON(f)
        json_object_set_new(labels, f->key, json_string(f->label));
    json_object_set_new(out, "labels", labels);
    json_object_set(out, "values", values);
    jszg_jrows_select(json_object_get(out, "certs"), "cert_no",
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

    rc = jszg_wz_wizard_certs(jr, a, S(d->data, "cycle_year"), &certs);
    if (rc != JSZG_DB_OK)
        return rc;
    json_array_foreach(certs, i, row)
        json_object_set_new(row, "disabled",
                            json_boolean(!json_is_true(json_object_get(
                                row, "selectable"))));
    json_object_set_new(out, "identity",
                        json_incref(jszg_wz_identity_block(jr, a)));
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
                        jszg_fail *f)
{
    const char *today = jszg_wz_today(jr);
    const jszg_fieldspec *fs;
    const char *ws = S(in, "work_start"), *es = S(in, "employ_start");

    FOREACH_PERSON(fs) {
        const char *v = S(in, fs->key);
        if (fs->check != JSZG_FC_DATE || !v || !*v)
            continue;
        if (!date_valid(v))
            jszg_fail_field(f, fs->key, "bad_date",
                            "日期格式应为YYYY-MM-DD，请选择正确的日期。");
        else if (strcmp(v, today) > 0)
            jszg_fail_field(f, fs->key, "date_in_future",
                            "日期不能晚于今天。");
        else if (birth && strcmp(v, birth) <= 0)
            jszg_fail_field(f, fs->key, "date_before_birth",
                            "日期不能早于出生日期。");
    }
    if (ws && es && date_valid(ws) && date_valid(es) && strcmp(es, ws) < 0)
        jszg_fail_field(f, "employ_start", "employ_before_work",
                        "本单位聘用起始日期不能早于开始参加工作时间。");
}

/* One typed field by its spec (dates and 毕业学校 are checked after,
 * together: check_dates, check_school). */
static void check_field(jszg_req *jr, const jszg_fieldspec *fs, json_t *in,
                        json_t *person, jszg_fail *f)
{
    const char *v = trim(jr->pool, S(in, fs->key));
    const char *i;

    if (!*v) {
        if (fs->required)
            jszg_fail_field(f, fs->key, "required", apr_pstrcat(jr->pool,
                            fs->check == JSZG_FC_TEXT
                            || fs->check == JSZG_FC_POSTCODE ? "请填写"
                                                             : "请选择",
                            fs->label, "。", NULL));
        return;
    }
    switch (fs->check) {
    case JSZG_FC_OPTION:
        if (!in_list(fs->options, v))
            jszg_fail_field(f, fs->key, "not_in_list",
                            apr_pstrcat(jr->pool, fs->label,
                                        "的取值不正确，请从列表中选择。",
                                        NULL));
        break;
    case JSZG_FC_TEXT:
        if (!text_ok(v, fs->maxlen))
            jszg_fail_field(f, fs->key, "too_long",
                            apr_psprintf(jr->pool, "%s不能超过%d个字，"
                                         "且不能含有<>等特殊字符。",
                                         fs->label, fs->maxlen));
        break;
    case JSZG_FC_POSTCODE:
        for (i = v; *i && apr_isdigit(*i); i++)
            ;
        if (*i || strlen(v) != 6)
            jszg_fail_field(f, fs->key, "bad_postcode",
                            apr_pstrcat(jr->pool, fs->label,
                                        "应为6位数字。", NULL));
        break;
    default:
        break;
    }
    json_object_set_new(person, fs->key, json_string(v));
}

/* 毕业学校: an id from the school list. */
static int check_school(jszg_req *jr, json_t *person, jszg_fail *f)
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
        jszg_fail_field(f, "grad_school", "unknown_school",
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
                       apr_size_t len, jszg_fail *f)
{
    const char *rel;

    if (!jszg_wz_photo_ok(jr, f, "photo", photo, len, 0)) {
        const jszg_fail_field_t *e = jszg_fail_field_get(f, "photo");
        return jszg_refuse(f, HTTP_BAD_REQUEST, e ? e->code : NULL,
                           e ? e->message : NULL);
    }
    if (!(rel = jszg_wz_save_upload(jr, "photos", a->id, photo, len)))
        return upload_failed(f);
    json_object_set_new(d->data, "photo", json_string(rel));
    return jszg_wz_draft_save(jr, d, d->step_done);
}

/* 民族 and 出生日期: the account's, else (出生日期) the ID number's,
 * else the form's (checked).  *missing: the account lacks one, to be
 * stored with the step. */
static void check_identity(jszg_req *jr, const jszg_applicant *a,
                           json_t *in, const char **eth, const char **birth,
                           int *missing, jszg_fail *f)
{
    const char *v;

    *eth = a->row ? S(a->row, "ethnicity") : NULL;
    *birth = a->row ? S(a->row, "birth_date") : NULL;
    *missing = !*eth || !*birth;
    if (!*eth) {
        v = trim(jr->pool, S(in, "ethnicity"));
        if (!in_list(jszg_ethnicities, v))
            jszg_fail_field(f, "ethnicity", "missing_ethnicity",
                            "请选择民族。");
        else
            *eth = v;
    }
    if (!*birth && !(*birth = id_birth(jr, a))) {
        v = trim(jr->pool, S(in, "birth_date"));
        if (!date_valid(v) || strcmp(v, jszg_wz_today(jr)) >= 0)
            jszg_fail_field(f, "birth_date", "missing_birth_date",
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

    for (n = jszg_wz_person_fields(jr->pool); *n; n++)
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
        return jszg_wz_draft_save(jr, d, 2);
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    rc = jszg_db_exec(jr, "wz_account_identity", NULL, 4, eth, birth,
                      epoch(jr), a->id);
    if (rc == JSZG_DB_OK)
        rc = jszg_wz_draft_save(jr, d, 2);
    if (rc == JSZG_DB_OK)
        return jszg_db_commit(jr);
    jszg_db_rollback(jr);
    return rc;
}

int jszg_wz_save_person(jszg_req *jr, const jszg_applicant *a,
                        jszg_draft *d, json_t *in,
                        const unsigned char *photo, apr_size_t photo_len,
                        jszg_fail *f)
{
    json_t *person = jszg_pool_json(jr->pool, json_object());
    json_t *certs, *cert, *choice;
    const jszg_fieldspec *fs;
    const char *cert_no = trim(jr->pool, S(in, "cert_no"));
    const char *rel = NULL, *eth, *birth;
    char buf[256];
    int rc, missing;

    /* everything is checked in one pass, the identity included */
    check_identity(jr, a, in, &eth, &birth, &missing, f);
    /* 高中毕业及以下: 所学专业 is 无 (domain.md) */
    if (S(in, "education") && !strcmp(S(in, "education"), "高中毕业及以下"))
        json_object_set_new(in, "major", json_string("无"));
    FOREACH_PERSON(fs)
        check_field(jr, fs, in, person, f);
    check_dates(jr, birth, person, f);
    if ((rc = check_school(jr, person, f)) != JSZG_DB_OK)
        return rc;
    rc = jszg_wz_wizard_certs(jr, a, S(d->data, "cycle_year"), &certs);
    if (rc != JSZG_DB_OK)
        return rc;
    cert = *cert_no ? jszg_jrow_find(certs, "cert_no", cert_no) : NULL;
    if (!cert)
        jszg_fail_field(f, "cert_no", "missing_cert",
                        "请选择本次注册的教师资格证书。");
    else if (S(cert, "blocked"))
        jszg_fail_field(f, "cert_no", S(cert, "blocked_code"),
                        S(cert, "blocked"));
    if (photo && photo_len) {
        if (jszg_wz_photo_ok(jr, f, "photo", photo, photo_len, 0)
            && !(rel = jszg_wz_save_upload(jr, "photos", a->id, photo,
                                           photo_len)))
            return upload_failed(f);
    }
    else if (!S(d->data, "photo"))
        jszg_fail_field(f, "photo", "photo_missing",
                        "请上传近期本人1寸白色免冠正面证件照。");
    if (rel)    /* a good photo is kept even when other fields are wrong */
        json_object_set_new(d->data, "photo", json_string(rel));
    if (jszg_fail_nfields(f)) {
        /* what was typed stays in the draft: nothing is lost when the
         * applicant leaves the page (添加证书, 个人信息中心) and comes
         * back; the step itself is not done */
        json_object_set(d->data, "typed", typed_values(jr, in, cert_no));
        if ((rel || (d->account_id && !strcmp(d->account_id, a->id)))
            && (rc = jszg_wz_draft_save(jr, d, d->step_done)) != JSZG_DB_OK)
            return rc;
        refuse_fields(f);
        /* a blocked certificate is the reason to tell first */
        if (cert && S(cert, "blocked")
            && jszg_fail_nfields(f) == 1)
            jszg_fail_set(f, HTTP_CONFLICT, S(cert, "blocked_code"),
                          S(cert, "blocked"));
        return JSZG_REFUSED;
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

/* The person as step 4 shows it: [{name, label, value}] in the order of
 * the field vocabulary (毕业学校 by its name, the field's `via`). */
json_t *jszg_wz_labelled_person(jszg_req *jr, json_t *person)
{
    json_t *out = jszg_pool_json(jr->pool, json_array());
    const jszg_fieldspec *fs;

    FOREACH_PERSON(fs) {
        const char *v = S(person, fs->via ? fs->via : fs->key);
        json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "name",
                                             fs->key, "label", fs->label,
                                             "value", v ? v : ""));
    }
    return out;
}
