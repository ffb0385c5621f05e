/*
 * jszg_account.c -- the account services' common part and the account
 * itself (see jszg_account.h): the form lists, the domain error, the
 * field checks more than one service asks (姓名, 手机号码, the password
 * policy; the ID-number and name formats are jszg_idcard.c's),
 * 账号注册, and 个人信息中心: the profile, 修改个人信息 and 修改密码.
 * Typed arguments in, a result or a domain error out; nothing here
 * writes to the client.
 *
 * The other services are jszg_account_captcha.c, jszg_account_login.c,
 * jszg_account_sms.c and jszg_account_identity.c; the helpers they share
 * are in jszg_account_int.h.  Rate limits and login throttles are rows
 * in rate_events (jszg_rate.c).  Times come from jr->now, so the test
 * clock drives throttles, expiries and the 实名核验 day.
 */
#include "jszg_account_int.h"

const char *const jszg_id_types[] = {
    "居民身份证", "港澳居民来往内地通行证", "台湾居民来往大陆通行证",
    "护照", "外国人永久居留身份证", NULL
};

/* GB/T 3304 order, then 其他 and 外国血统 (domain.md). */
const char *const jszg_ethnicities[] = {
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族",
    "布依族", "朝鲜族", "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族",
    "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族",
    "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族",
    "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族",
    "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族",
    "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族",
    "基诺族", "其他", "外国血统", NULL
};

/* ---- time --------------------------------------------------------------- */

const char *jszg_acct_time(apr_pool_t *p, const char *epoch)
{
    return epoch && *epoch ? fmt_time(p, apr_atoi64(epoch), 0) : NULL;
}

static long today_ymd(jszg_req *jr)
{
    jszg_bjtime t;

    jszg_rules_beijing(apr_time_sec(jr->now), &t);
    return jszg_rules_ymd(&t);
}

/* ---- field checks ------------------------------------------------------- */

static int in_list(const char *const *list, const char *v)
{
    for (; *list; list++)
        if (!strcmp(*list, v))
            return 1;
    return 0;
}

/* Normalise and check a 证件号码 of the given type; NULL when bad. */
static const char *check_id_number(jszg_req *jr, const char *type,
                                   const char *raw, jszg_fail *e)
{
    const char *id = trim(jr->pool, raw);

    if (!*id) {
        field_err(e, "id_number", "id_empty", "请输入证件号码");
        return NULL;
    }
    if (!type || !strcmp(type, "居民身份证")) {
        char out[19];
        jszg_id_status st = jszg_idcard_check(id, today_ymd(jr), out);
        if (st != JSZG_ID_OK) {
            field_err(e, "id_number", jszg_idcard_code(st),
                      jszg_idcard_message(st));
            return NULL;
        }
        return apr_pstrdup(jr->pool, out);
    }
    id = upper(jr->pool, id);
    if (!jszg_idcard_other_valid(type, id)) {
        field_err(e, "id_number", "id_bad_format",
                  "证件号码格式不正确，请按证件上的号码填写");
        return NULL;
    }
    return id;
}

/* 姓名: 1..30 characters of a name (Chinese, letters, ·, spaces). */
const char *jszg_acct_check_name(jszg_req *jr, const char *raw,
                                 jszg_fail *e)
{
    const char *name = trim(jr->pool, raw);

    if (!*name) {
        field_err(e, "name", "name_empty", "请输入姓名");
        return NULL;
    }
    if (!jszg_person_name_valid(name)) {
        field_err(e, "name", "name_bad",
                  "姓名格式不正确，请填写证件上的姓名（不超过30个字）");
        return NULL;
    }
    return name;
}

const char *jszg_acct_check_phone(jszg_req *jr, const char *field,
                                  const char *raw, jszg_fail *e)
{
    const char *phone = trim(jr->pool, raw);

    if (!*phone) {
        field_err(e, field, "phone_empty", "请输入手机号码");
        return NULL;
    }
    if (!jszg_phone_valid(phone)) {
        field_err(e, field, "phone_bad",
                  "手机号码格式不正确，请输入11位中国大陆手机号码");
        return NULL;
    }
    return phone;
}

int jszg_acct_check_password(const char *field, const char *pw,
                             const char *confirm, const char *id_number,
                             jszg_fail *e)
{
    jszg_pw_status st = jszg_password_check(pw, confirm, id_number);

    if (st == JSZG_PW_OK)
        return 1;
    field_err(e, st == JSZG_PW_MISMATCH ? "confirm" : field,
              jszg_password_code(st), jszg_password_message(st));
    return 0;
}

/* ---- registration ------------------------------------------------------- */

void jszg_acct_register_validate(jszg_req *jr, jszg_register_in *in,
                                 jszg_fail *e)
{
    const char *v;

    if (!in->id_type || !in_list(jszg_id_types, in->id_type)) {
        field_err(e, "id_type", "id_type_bad", "请选择证件类型");
        in->id_type = NULL;
    }
    else if ((v = check_id_number(jr, in->id_type, in->id_number, e)))
        in->id_number = v;
    if ((v = jszg_acct_check_name(jr, in->name, e)))
        in->name = v;
    if ((v = jszg_acct_check_phone(jr, "phone", in->phone, e)))
        in->phone = v;
    jszg_acct_check_password("password", in->password, in->confirm,
                             jszg_fail_field_message(e, "id_number") ? NULL
                             : upper(jr->pool, trim(jr->pool,
                                                    in->id_number)), e);
}

/* sex and birth date follow from a 居民身份证 number */
static void id_facts(jszg_req *jr, const char *type, const char *id,
                     const char **sex, const char **birth)
{
    *sex = NULL;
    *birth = NULL;
    if (strcmp(type, "居民身份证") || strlen(id) != 18)
        return;
    *sex = jszg_idcard_sex(id) == 1 ? "男" : "女";
    *birth = apr_psprintf(jr->pool, "%.4s-%.2s-%.2s", id + 6, id + 10,
                          id + 12);
}

int jszg_acct_register(jszg_req *jr, jszg_register_in *in,
                       jszg_fail *e, const char **id_number)
{
    const char *hash, *sex, *birth, *ip = jr->r->useragent_ip;
    json_t *row;
    int rc, over;

    *id_number = NULL;
    jszg_acct_register_validate(jr, in, e);
    if (has_errors(e))
        return JSZG_REFUSED;
    rc = jszg_rate_take(jr, "acct.register_ip", ip, 3600, JSZG_REGISTER_IP_MAX,
                   &over);
    if (rc != JSZG_DB_OK)
        return rc;
    if (over)
        return jszg_refuse(e, HTTP_TOO_MANY_REQUESTS, "too_many_requests",
                           "注册过于频繁，请稍后再试");
    /* the login is the number alone: one account per number, whatever
     * the type (stricter than the UNIQUE (id_type, id_number)) */
    rc = jszg_db_row(jr, "acct_by_number", &row, 1, in->id_number);
    if (rc == JSZG_DB_OK) {
        field_err(e, "id_number", "id_taken",
                  "该证件号码已注册，请直接登录；"
                  "如忘记密码，请使用忘记密码功能");
        e->status = HTTP_CONFLICT;
        return JSZG_REFUSED;
    }
    if (rc != JSZG_DB_NOTFOUND)
        return rc;
    if (jszg_password_hash(jr->pool, in->password, JSZG_PW_COST, &hash)
        != APR_SUCCESS)
        return JSZG_DB_ERROR;
    id_facts(jr, in->id_type, in->id_number, &sex, &birth);
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    rc = jszg_db_exec(jr, "acct_insert", NULL, 10, in->id_type,
                      in->id_number, in->name, in->phone, hash, sex, birth,
                      now_str(jr), now_str(jr), now_str(jr));
    if (rc == JSZG_DB_OK)
        rc = audit(jr, in->id_number, "account.register", in->id_number,
                   NULL);
    if ((rc = finish(jr, rc)) != JSZG_DB_OK)
        return rc;
    *id_number = in->id_number;
    return JSZG_DB_OK;
}
/* ---- 个人信息中心 ------------------------------------------------------- */

/* pgsql's NULLs arrive as "": make both engines answer alike. */
static void drop_nulls(json_t *row)
{
    const char *k;
    json_t *v;
    void *tmp;

    json_object_foreach_safe(row, tmp, k, v) {
        if (json_is_string(v) && !*json_string_value(v))
            json_object_del(row, k);
    }
}

static const char *verified_label(apr_int64_t v)
{
    return v == 1 ? "核验通过" : v == 2 ? "人工审核中" : "未核验";
}

int jszg_acct_profile(jszg_req *jr, const char *account_id, json_t **acct)
{
    json_t *row;
    int rc = jszg_db_row(jr, "acct_get", &row, 1, account_id);

    *acct = NULL;
    if (rc != JSZG_DB_OK)
        return rc;
    json_object_set_new(row, "id_number_masked",
                        json_string(jszg_mask_id(jr->pool,
                                                 col(row, "id_number"))));
    json_object_set_new(row, "phone_masked",
                        json_string(jszg_mask_id(jr->pool,
                                                 col(row, "phone"))));
    json_object_set_new(row, "verified_label",
                        json_string(verified_label(col_int(row,
                                                           "verified"))));
    json_object_del(row, "id_number");  /* only the masked one leaves */
    drop_nulls(row);
    *acct = row;
    return JSZG_DB_OK;
}

static int valid_date(const char *s, long today)
{
    jszg_bjtime t;

    return jszg_rules_parse_date(s, 1900, 9999, &t) == 0
           && jszg_rules_ymd(&t) <= today;
}

static int valid_email(const char *s)
{
    const char *at = strchr(s, '@'), *c;

    if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.')
        || strlen(s) > 100 || at[1] == '.' || s[strlen(s) - 1] == '.')
        return 0;
    for (c = s; *c; c++)
        if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f
            || strchr("<>()[]\\,;:\"", *c))
            return 0;
    return 1;
}

/* Empty optional fields become NULL (SQL NULL). */
static const char *opt(apr_pool_t *p, const char *v)
{
    v = trim(p, v);
    return *v ? v : NULL;
}

int jszg_acct_profile_update(jszg_req *jr, const char *account_id,
                             jszg_profile_in *in, jszg_fail *e)
{
    json_t *acct;
    const char *sex_id = NULL, *birth_id = NULL;
    jszg_profile_in sent = *in;
    int rc = jszg_db_row(jr, "acct_get", &acct, 1, account_id);

    if (rc != JSZG_DB_OK)
        return rc;
    id_facts(jr, col(acct, "id_type"), col(acct, "id_number"), &sex_id,
             &birth_id);
    /* A partial update: a field not sent (NULL) keeps its value; one sent
     * empty clears it (the page's form always sends all six).  Only the
     * fields sent are checked. */
    in->ethnicity = opt(jr->pool, in->ethnicity);
    in->sex = opt(jr->pool, in->sex);
    in->birth_date = opt(jr->pool, in->birth_date);
    in->address = opt(jr->pool, in->address);
    in->postcode = opt(jr->pool, in->postcode);
    in->email = opt(jr->pool, in->email);
    if (in->ethnicity && !in_list(jszg_ethnicities, in->ethnicity))
        field_err(e, "ethnicity", "ethnicity_bad", "请选择民族");
    if (in->sex && strcmp(in->sex, "男") && strcmp(in->sex, "女"))
        field_err(e, "sex", "sex_bad", "请选择性别");
    else if (in->sex && sex_id && strcmp(in->sex, sex_id))
        field_err(e, "sex", "sex_mismatch", "性别与身份证号码不一致");
    if (in->birth_date && !valid_date(in->birth_date, today_ymd(jr)))
        field_err(e, "birth_date", "birth_date_bad",
                  "出生日期格式不正确，请按YYYY-MM-DD填写");
    else if (in->birth_date && birth_id && strcmp(in->birth_date, birth_id))
        field_err(e, "birth_date", "birth_date_mismatch",
                  "出生日期与身份证号码不一致");
    if (in->address && (!jszg_utf8_valid(in->address, strlen(in->address))
        || jszg_utf8_chars(in->address, strlen(in->address)) > 100))
        field_err(e, "address", "address_bad", "通讯地址不能超过100个字");
    if (in->postcode && !all_digits(in->postcode, 6))
        field_err(e, "postcode", "postcode_bad", "邮政编码应为6位数字");
    if (in->email && !valid_email(in->email))
        field_err(e, "email", "email_bad", "电子邮箱格式不正确");
    if (has_errors(e))
        return JSZG_REFUSED;
    if (!sent.ethnicity)
        in->ethnicity = col(acct, "ethnicity");
    if (!sent.sex)
        in->sex = col(acct, "sex");
    if (!sent.birth_date)
        in->birth_date = col(acct, "birth_date");
    if (!sent.address)
        in->address = col(acct, "address");
    if (!sent.postcode)
        in->postcode = col(acct, "postcode");
    if (!sent.email)
        in->email = col(acct, "email");
    return jszg_db_exec(jr, "acct_update_profile", NULL, 8, in->ethnicity,
                        in->sex, in->birth_date, in->address, in->postcode,
                        in->email, now_str(jr), account_id);
}

int jszg_acct_password_change(jszg_req *jr, const char *account_id,
                              const char *old_pw, const char *new_pw,
                              const char *confirm, jszg_fail *e)
{
    json_t *acct;
    const char *hash;
    int rc = jszg_db_row(jr, "acct_secret", &acct, 1, account_id);

    if (rc != JSZG_DB_OK)
        return rc;
    if (!old_pw || !*old_pw)
        field_err(e, "old_password", "password_empty", "请输入原密码");
    if (jszg_acct_check_password("password", new_pw, confirm,
                                 col(acct, "id_number"), e)
        && old_pw && !strcmp(old_pw, new_pw))
        field_err(e, "password", "password_same", "新密码不能与原密码相同");
    if (has_errors(e))
        return JSZG_REFUSED;
    if (!jszg_password_verify(old_pw, col(acct, "password_hash"))) {
        field_err(e, "old_password", "old_password_wrong", "原密码不正确");
        return JSZG_REFUSED;
    }
    if (jszg_password_hash(jr->pool, new_pw, JSZG_PW_COST, &hash)
        != APR_SUCCESS)
        return JSZG_DB_ERROR;
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    rc = jszg_db_exec(jr, "acct_set_password", NULL, 4, hash, now_str(jr),
                      now_str(jr), account_id);
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "session_delete_account", NULL, 1,
                          account_id);
    if (rc == JSZG_DB_OK)
        rc = audit(jr, col(acct, "id_number"), "account.password_change",
                   col(acct, "id_number"), NULL);
    return finish(jr, rc);
}
