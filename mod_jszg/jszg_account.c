/*
 * jszg_account.c -- the account and identity services (see
 * jszg_account.h).  Typed arguments in, a result or a domain error out;
 * nothing here writes to the client.
 *
 * Rate limits and login throttles are rows in rate_events (kinds
 * 'acct.*'; there is no lock on an account, see jszg_login_gate):
 * they hold across children, restarts and front ends.  Times come from
 * jr->now, so the test clock drives throttles, expiries and the
 * 实名核验 day.
 */
#include "jszg_account.h"
#include "jszg_rules.h"
#include "jszg_rate.h"
#include "jszg_captcha.h"
#include "jszg_idcard.h"
#include "jszg_jpeg.h"
#include "jszg_password.h"
#include "jszg_ticket.h"
#include "jszg_admission.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_file_io.h"
#include "apr_time.h"

#define DAY 86400

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

#define MSG_CAPTCHA_MISSING "请先拖动滑块填充拼图完成校验!"
#define MSG_PICK_MISSING    "请先选择拼图缺口所在位置的编号完成校验"
#define MSG_LOGIN_FAILED    "账号或密码错误，请重新输入"
#define MSG_CODE_BAD        "验证码错误或已过期，请重新获取"

/* ---- errors ------------------------------------------------------------- */

void jszg_acct_err_init(apr_pool_t *p, jszg_acct_err *e)
{
    memset(e, 0, sizeof(*e));
    e->fields = apr_array_make(p, 4, sizeof(jszg_acct_fielderr));
    e->remaining = -1;
}

const char *jszg_acct_err_field(const jszg_acct_err *e, const char *field)
{
    int i;

    for (i = 0; e->fields && i < e->fields->nelts; i++) {
        const jszg_acct_fielderr *f =
            &APR_ARRAY_IDX(e->fields, i, jszg_acct_fielderr);
        if (f->field && !strcmp(f->field, field))
            return f->message;
    }
    return NULL;
}

/* A field's error; the first one also becomes the general error. */
static void field_err(jszg_acct_err *e, const char *field, const char *code,
                      const char *message)
{
    jszg_acct_fielderr *f;

    if (jszg_acct_err_field(e, field))
        return;                 /* one message per field: the first */
    f = apr_array_push(e->fields);
    f->field = field;
    f->code = code;
    f->message = message;
    if (!e->code) {
        e->code = code;
        e->message = message;
        e->status = HTTP_BAD_REQUEST;
    }
}

static int fail(jszg_acct_err *e, int status, const char *code,
                const char *message)
{
    e->status = status;
    e->code = code;
    e->message = message;
    return JSZG_ACCT_EDOMAIN;
}

static int has_errors(const jszg_acct_err *e)
{
    return e->code != NULL;
}

/* ---- time --------------------------------------------------------------- */

static apr_int64_t now_s(jszg_req *jr)
{
    return apr_time_sec(jr->now);
}

static const char *num(apr_pool_t *p, apr_int64_t n)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, n);
}

static const char *now_str(jszg_req *jr)
{
    return num(jr->pool, now_s(jr));
}

/* Start of today in Asia/Shanghai, as epoch seconds. */
static apr_int64_t day_start(jszg_req *jr)
{
    return jszg_rules_day_start(jszg_rules_beijing_day(now_s(jr)));
}

static const char *fmt_time(apr_pool_t *p, apr_int64_t secs, int seconds)
{
    char buf[24];

    return apr_pstrdup(p, jszg_rules_beijing_text(secs, seconds
                                                  ? JSZG_FMT_SECOND
                                                  : JSZG_FMT_MINUTE, buf,
                                                  sizeof(buf)));
}

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

/* ---- small store helpers ------------------------------------------------ */

/* A column's value; NULL for SQL NULL.  The pgsql driver hands NULL
 * back as "" (apr_dbd_get_entry is PQgetvalue), SQLite as NULL: none
 * of our columns has a meaningful empty string, so both mean NULL. */
static const char *col(json_t *row, const char *name)
{
    const char *v = json_string_value(json_object_get(row, name));

    return v && *v ? v : NULL;
}

static apr_int64_t col_int(json_t *row, const char *name)
{
    const char *v = col(row, name);
    return v ? apr_atoi64(v) : 0;
}

/* Inside a change's transaction the audit row is part of the change: if
 * it cannot be written, nothing is (jszg_db_commit reports it).  Outside
 * one (a login) it is best effort. */
static int audit(jszg_req *jr, const char *actor, const char *action,
                 const char *target, const char *note)
{
    return jszg_db_exec(jr, "acct_audit", NULL, 6, now_str(jr), actor,
                        action, target, jr->r->useragent_ip, note);
}

/* End a change's transaction: commit, or roll back after a failure. */
static int finish(jszg_req *jr, int rc)
{
    if (rc != JSZG_DB_OK) {
        if (rc != JSZG_ACCT_EDOMAIN)
            jszg_db_rollback(jr);
        return rc;
    }
    return jszg_db_commit(jr);
}

/* ---- field checks ------------------------------------------------------- */

static const char *trim(apr_pool_t *p, const char *s)
{
    const char *end;

    if (!s)
        return "";
    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    return apr_pstrndup(p, s, end - s);
}

static const char *upper(apr_pool_t *p, const char *s)
{
    char *u = apr_pstrdup(p, s), *c;

    for (c = u; *c; c++)
        *c = (char)apr_toupper(*c);
    return u;
}

static int in_list(const char *const *list, const char *v)
{
    for (; *list; list++)
        if (!strcmp(*list, v))
            return 1;
    return 0;
}

static int all_digits(const char *s, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n; i++)
        if (!apr_isdigit(s[i]))
            return 0;
    return strlen(s) == n;
}

/* Other 证件: the shape printed on the document (upper-cased). */
static int other_id_valid(const char *type, const char *id)
{
    apr_size_t n = strlen(id), i;

    if (!strcmp(type, "港澳居民来往内地通行证"))
        return (id[0] == 'H' || id[0] == 'M')
               && (all_digits(id + 1, 8) || all_digits(id + 1, 10));
    if (!strcmp(type, "台湾居民来往大陆通行证"))
        return all_digits(id, 8) || all_digits(id, 10);
    if (!strcmp(type, "外国人永久居留身份证"))
        return (n == 15 && apr_isalpha(id[0]) && apr_isalpha(id[1])
                && apr_isalpha(id[2]) && all_digits(id + 3, 12))
               || (n == 18 && id[0] == '9' && all_digits(id, 18));
    /* 护照 */
    if (n < 5 || n > 17)
        return 0;
    for (i = 0; i < n; i++)
        if (!apr_isalnum(id[i]))
            return 0;
    return 1;
}

/* Normalise and check a 证件号码 of the given type; NULL when bad. */
static const char *check_id_number(jszg_req *jr, const char *type,
                                   const char *raw, jszg_acct_err *e)
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
    if (!other_id_valid(type, id)) {
        field_err(e, "id_number", "id_bad_format",
                  "证件号码格式不正确，请按证件上的号码填写");
        return NULL;
    }
    return id;
}

/* 姓名: 1..30 characters of a name (Chinese, letters, ·, spaces). */
static const char *check_name(jszg_req *jr, const char *raw,
                              jszg_acct_err *e)
{
    const char *name = trim(jr->pool, raw), *c;
    apr_size_t n;

    if (!*name) {
        field_err(e, "name", "name_empty", "请输入姓名");
        return NULL;
    }
    n = jszg_utf8_chars(name, strlen(name));
    for (c = name; *c; c++) {
        unsigned char u = (unsigned char)*c;
        if (u < 0x80 && !apr_isalpha(u) && u != ' ' && u != '.'
            && u != '-') {
            n = 0;
            break;
        }
    }
    if (n == 0 || n > 30 || !jszg_utf8_valid(name, strlen(name))) {
        field_err(e, "name", "name_bad",
                  "姓名格式不正确，请填写证件上的姓名（不超过30个字）");
        return NULL;
    }
    return name;
}

static const char *check_phone(jszg_req *jr, const char *field,
                               const char *raw, jszg_acct_err *e)
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

static int check_password(const char *field, const char *pw,
                          const char *confirm, const char *id_number,
                          jszg_acct_err *e)
{
    jszg_pw_status st = jszg_password_check(pw, confirm, id_number);

    if (st == JSZG_PW_OK)
        return 1;
    field_err(e, st == JSZG_PW_MISMATCH ? "confirm" : field,
              jszg_password_code(st), jszg_password_message(st));
    return 0;
}

/* ---- captcha ------------------------------------------------------------ */

/* The challenge belongs to the page's CSRF token: solved in one browser,
 * it cannot be spent in another. */
static const char *captcha_owner(jszg_req *jr)
{
    const char *csrf = jszg_csrf_token(jr);
    return jszg_sha256_hex(jr->pool, csrf ? csrf : "");
}

/* A challenge token is ours in syntax before anything else looks at it. */
static int token_ok(const char *t)
{
    apr_size_t n = 0;

    if (!t)
        return 0;
    for (; t[n]; n++)
        if (!(apr_isalnum(t[n]) || t[n] == '-' || t[n] == '_'
              || t[n] == '.') || n >= JSZG_TK_MAXLEN)
            return 0;
    return n >= 20;
}

/*
 * Challenges are stateless (issue 13.4): the token is signed, like the
 * waiting room's tickets (jszg_ticket.c), with a key derived from the
 * server secret for this browser (its CSRF token), so issuing one or
 * drawing its images writes nothing; seed and answer follow from the
 * token's nonce under the server secret and never leave the server.  A
 * challenge is recorded (captchas, id_hash = SHA-256 of the token) only
 * when it is answered: the record makes it single-use, and the
 * housekeeping job deletes it once expired.
 */
static void captcha_key(jszg_req *jr, unsigned char *key)
{
    unsigned char base[JSZG_TK_KEYLEN];

    jszg_tk_derive(jr->sc->secret, jr->sc->secret_len, "jszg captcha v1",
                   base);
    jszg_tk_derive(base, sizeof(base), captcha_owner(jr), key);
}

static void captcha_of(jszg_req *jr, const jszg_challenge *ch,
                       jszg_captcha *c)
{
    unsigned char d[JSZG_TK_KEYLEN];

    jszg_tk_derive(jr->sc->secret, jr->sc->secret_len,
                   apr_psprintf(jr->pool, "jszg captcha seed v1:%d:%016"
                                APR_UINT64_T_HEX_FMT, ch->mode, ch->nonce),
                   d);
    jszg_captcha_new(c, ch->mode, d);
}

int jszg_acct_captcha_issue(jszg_req *jr, int mode, const char **token)
{
    unsigned char key[JSZG_TK_KEYLEN];
    jszg_challenge ch;

    *token = NULL;
    if (apr_generate_random_bytes((unsigned char *)&ch.nonce,
                                  sizeof(ch.nonce)) != APR_SUCCESS)
        return JSZG_DB_ERROR;
    ch.mode = mode == JSZG_CAPTCHA_PICK ? JSZG_CAPTCHA_PICK
                                        : JSZG_CAPTCHA_SLIDE;
    ch.issued_ms = apr_time_as_msec(jr->now);
    captcha_key(jr, key);
    *token = jszg_challenge_encode(jr->pool, key, &ch);
    return JSZG_DB_OK;
}

/* JSZG_DB_NOTFOUND unless the token is one we issued to this browser. */
static int captcha_load(jszg_req *jr, const char *token, jszg_challenge *ch,
                        jszg_captcha *c)
{
    unsigned char key[JSZG_TK_KEYLEN];

    if (!token_ok(token))
        return JSZG_DB_NOTFOUND;
    captcha_key(jr, key);
    if (jszg_challenge_decode(key, token, ch) != JSZG_TK_OK)
        return JSZG_DB_NOTFOUND;
    captcha_of(jr, ch, c);
    return JSZG_DB_OK;
}

static apr_int64_t captcha_expires(const jszg_challenge *ch)
{
    return ch->issued_ms / 1000 + JSZG_CAPTCHA_TTL;
}

int jszg_acct_captcha_image(jszg_req *jr, const char *token, int which,
                            const unsigned char **png, apr_size_t *len)
{
    jszg_challenge ch;
    jszg_captcha c;
    json_t *row;
    int rc = captcha_load(jr, token, &ch, &c);

    if (rc != JSZG_DB_OK)
        return rc;
    if (captcha_expires(&ch) < now_s(jr))
        return JSZG_DB_NOTFOUND;
    /* an answered challenge shows nothing more */
    rc = jszg_db_row(jr, "acct_captcha_get", &row, 1,
                     jszg_sha256_hex(jr->pool, token));
    if (rc == JSZG_DB_OK)
        return JSZG_DB_NOTFOUND;
    if (rc != JSZG_DB_NOTFOUND)
        return rc;
    if (jszg_captcha_png(jr->pool, &c, which, png, len) != APR_SUCCESS)
        return JSZG_DB_ERROR;
    return JSZG_DB_OK;
}

int jszg_acct_captcha_check(jszg_req *jr, const char *token,
                            const char *answer, const char *drag_ms,
                            const char *track, jszg_acct_err *e)
{
    jszg_captcha_verdict v;
    jszg_challenge ch;
    jszg_captcha c;
    apr_interval_time_t wait;
    int rc, n = 0, pick;
    long elapsed, drag = 0;

    if (!token || !*token) {
        field_err(e, "captcha", "captcha_missing", MSG_CAPTCHA_MISSING);
        return JSZG_ACCT_EDOMAIN;
    }
    rc = captcha_load(jr, token, &ch, &c);
    if (rc == JSZG_DB_NOTFOUND) {
        /* forged, garbled, or issued to another browser */
        field_err(e, "captcha", "captcha_invalid",
                  "拼图验证已失效，请重新完成校验");
        return JSZG_ACCT_EDOMAIN;
    }
    if (rc != JSZG_DB_OK)
        return rc;
    /* the picture without JavaScript has numbered gaps, no slider: its
     * messages say so (issue 18) */
    pick = ch.mode == JSZG_CAPTCHA_PICK;
    if (!answer || !*answer) {
        field_err(e, "captcha", "captcha_missing",
                  pick ? MSG_PICK_MISSING : MSG_CAPTCHA_MISSING);
        return JSZG_ACCT_EDOMAIN;
    }
    if (captcha_expires(&ch) < now_s(jr)) {
        field_err(e, "captcha", "captcha_expired",
                  pick ? "拼图验证已过期，请重新选择拼图缺口所在位置的编号"
                       : "拼图验证已过期，请重新拖动滑块完成校验");
        return JSZG_ACCT_EDOMAIN;
    }
    /* recording the answer is a write: within the address's budget */
    if (!jszg_gate_captcha_take(jr->r, &wait)) {
        e->retry_after = (int)apr_time_sec(wait) + 1;
        field_err(e, "captcha", "captcha_busy",
                  "验证请求过于频繁，请稍后再试");
        e->status = HTTP_TOO_MANY_REQUESTS;
        return JSZG_ACCT_EDOMAIN;
    }
    /* spend it first: a replay finds it used, right answer or not */
    rc = jszg_db_exec(jr, "acct_captcha_use", &n, 9,
                      jszg_sha256_hex(jr->pool, token),
                      ch.mode == JSZG_CAPTCHA_PICK ? "pick" : "slide",
                      num(jr->pool, (apr_int64_t)c.seed),
                      apr_itoa(jr->pool, c.answer), captcha_owner(jr),
                      num(jr->pool, ch.issued_ms),
                      num(jr->pool, captcha_expires(&ch)), now_str(jr),
                      jr->r->useragent_ip);
    if (rc != JSZG_DB_OK)
        return rc;
    if (n != 1) {
        field_err(e, "captcha", "captcha_used",
                  pick ? "拼图验证已使用过，请重新选择拼图缺口所在位置的编号"
                       : "拼图验证已使用过，请重新拖动滑块完成校验");
        return JSZG_ACCT_EDOMAIN;
    }
    elapsed = (long)(apr_time_as_msec(jr->now) - ch.issued_ms);
    if (drag_ms && *drag_ms) {
        char *end;
        drag = strtol(drag_ms, &end, 10);
        if (*end || drag < 0)
            drag = 0;
    }
    v = jszg_captcha_judge(&c, answer, elapsed, drag);
    /* slide mode: the track is judged once the timing passed and before
     * the position is told (a script learns nothing of the answer from
     * a refused track); the drag fits in the time since it was issued */
    if (c.mode == JSZG_CAPTCHA_SLIDE
        && (v == JSZG_CAPTCHA_PASS || v == JSZG_CAPTCHA_WRONG)) {
        jszg_captcha_verdict t = jszg_captcha_track(track, answer, drag);
        if (t == JSZG_CAPTCHA_PASS && drag > elapsed + 500)
            t = JSZG_CAPTCHA_TRACK;
        if (t != JSZG_CAPTCHA_PASS)
            v = t;
    }
    switch (v) {
    case JSZG_CAPTCHA_PASS:
        return JSZG_ACCT_OK;
    case JSZG_CAPTCHA_TRACK:
        field_err(e, "captcha", "captcha_track",
                  "未通过校验，请重新拖动滑块补全拼图");
        return JSZG_ACCT_EDOMAIN;
    case JSZG_CAPTCHA_TOO_FAST:
        field_err(e, "captcha", "captcha_too_fast",
                  pick ? "选择过快，未通过校验，请看清图片后重新选择拼图缺口"
                         "所在位置的编号"
                       : "拖动过快，未通过校验，请重新拖动滑块");
        return JSZG_ACCT_EDOMAIN;
    case JSZG_CAPTCHA_BAD_INPUT:
        field_err(e, "captcha", "captcha_missing",
                  pick ? MSG_PICK_MISSING : MSG_CAPTCHA_MISSING);
        return JSZG_ACCT_EDOMAIN;
    default:
        field_err(e, "captcha", "captcha_wrong",
                  pick ? "所选编号不是拼图缺口的位置，请重新选择"
                       : "拼图未对齐，请重新拖动滑块补全拼图");
        return JSZG_ACCT_EDOMAIN;
    }
}

/* ---- registration ------------------------------------------------------- */

void jszg_acct_register_validate(jszg_req *jr, jszg_register_in *in,
                                 jszg_acct_err *e)
{
    const char *v;

    if (!in->id_type || !in_list(jszg_id_types, in->id_type)) {
        field_err(e, "id_type", "id_type_bad", "请选择证件类型");
        in->id_type = NULL;
    }
    else if ((v = check_id_number(jr, in->id_type, in->id_number, e)))
        in->id_number = v;
    if ((v = check_name(jr, in->name, e)))
        in->name = v;
    if ((v = check_phone(jr, "phone", in->phone, e)))
        in->phone = v;
    check_password("password", in->password, in->confirm,
                   jszg_acct_err_field(e, "id_number") ? NULL
                   : upper(jr->pool, trim(jr->pool, in->id_number)), e);
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
                       jszg_acct_err *e, const char **id_number)
{
    const char *hash, *sex, *birth, *ip = jr->r->useragent_ip;
    json_t *row;
    int rc, over;

    *id_number = NULL;
    jszg_acct_register_validate(jr, in, e);
    if (has_errors(e))
        return JSZG_ACCT_EDOMAIN;
    rc = jszg_rate_take(jr, "acct.register_ip", ip, 3600, JSZG_REGISTER_IP_MAX,
                   &over);
    if (rc != JSZG_DB_OK)
        return rc;
    if (over)
        return fail(e, HTTP_TOO_MANY_REQUESTS, "too_many_requests",
                    "注册过于频繁，请稍后再试");
    /* the login is the number alone: one account per number, whatever
     * the type (stricter than the UNIQUE (id_type, id_number)) */
    rc = jszg_db_row(jr, "acct_by_number", &row, 1, in->id_number);
    if (rc == JSZG_DB_OK) {
        field_err(e, "id_number", "id_taken",
                  "该证件号码已注册，请直接登录；"
                  "如忘记密码，请使用忘记密码功能");
        e->status = HTTP_CONFLICT;
        return JSZG_ACCT_EDOMAIN;
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
    return JSZG_ACCT_OK;
}

/* ---- login -------------------------------------------------------------- */

/* ---- login throttling (applicants and staff; see the header) -------- */

static const char *pair_key(jszg_req *jr, const char *key)
{
    return apr_pstrcat(jr->pool, key, "|", jr->r->useragent_ip, NULL);
}

static const char *kind_of(jszg_req *jr, const char *scope,
                           const char *what)
{
    return apr_pstrcat(jr->pool, scope, ".", what, NULL);
}

/* The wait before the next try of a pair with n failures, the newest at
 * last: 0 while n is within the free tries. */
static apr_int64_t pair_delay(int n)
{
    apr_int64_t d = JSZG_LOGIN_DELAY_BASE;
    int k;

    if (n < JSZG_LOGIN_FREE_FAILS)
        return 0;
    for (k = JSZG_LOGIN_FREE_FAILS; k < n && d < JSZG_LOGIN_DELAY_MAX; k++)
        d *= 2;
    return d < JSZG_LOGIN_DELAY_MAX ? d : JSZG_LOGIN_DELAY_MAX;
}

static int throttled(jszg_req *jr, jszg_acct_err *e, apr_int64_t wait)
{
    e->retry_after = (int)wait;
    e->locked_until = fmt_time(jr->pool, now_s(jr) + wait, 1);
    return fail(e, HTTP_TOO_MANY_REQUESTS, "login_throttled",
                apr_psprintf(jr->pool, "密码错误次数过多，请于%s后再试"
                             "（约%d秒），或使用忘记密码功能重置密码",
                             e->locked_until, (int)wait));
}

int jszg_login_gate(jszg_req *jr, const char *scope, const char *key,
                    int ip_max, jszg_acct_err *e)
{
    const char *kind = kind_of(jr, scope, "login_fail");
    apr_int64_t since = now_s(jr) - JSZG_LOGIN_FAIL_SPAN, wait, last;
    int rc, n;

    /* reads only: a refused try writes nothing; the pair first */
    if (key && *key) {
        if ((rc = jszg_rate_count(jr, kind, pair_key(jr, key), since, &n))
            != JSZG_DB_OK)
            return rc;
        if (n >= JSZG_LOGIN_FREE_FAILS) {
            rc = jszg_rate_nth(jr, kind, pair_key(jr, key), since, 0,
                               &last);
            if (rc != JSZG_DB_OK && rc != JSZG_DB_NOTFOUND)
                return rc;
            wait = rc == JSZG_DB_OK ? last + pair_delay(n) - now_s(jr) : 0;
            if (wait > 0)
                return throttled(jr, e, wait);
        }
    }
    /* the address's wrong passwords, whatever the account: its people's
     * successful logins (a school's NAT) never use up its budget */
    rc = jszg_rate_count(jr, kind_of(jr, scope, "login_ip"), jr->r->useragent_ip,
                    since, &n);
    if (rc != JSZG_DB_OK)
        return rc;
    if (n >= ip_max) {
        e->retry_after = JSZG_LOGIN_FAIL_SPAN;
        return fail(e, HTTP_TOO_MANY_REQUESTS, "too_many_requests",
                    "登录尝试过于频繁，请15分钟后再试");
    }
    return JSZG_ACCT_OK;
}

int jszg_login_failed(jszg_req *jr, const char *scope, const char *key)
{
    int rc = jszg_rate_add(jr, kind_of(jr, scope, "login_fail"),
                      pair_key(jr, key));

    if (rc == JSZG_DB_OK)
        rc = jszg_rate_add(jr, kind_of(jr, scope, "login_ip"),
                      jr->r->useragent_ip);
    if (rc != JSZG_DB_OK)
        return rc;
    return jszg_rate_add(jr, kind_of(jr, scope, "login_fail_acct"), key);
}

/* Only this address's failures go: an attacker's stay counted. */
int jszg_login_succeeded(jszg_req *jr, const char *scope, const char *key)
{
    return jszg_rate_clear(jr, kind_of(jr, scope, "login_fail"),
                           pair_key(jr, key));
}

/* Every address's waits of the login name and its failures (the
 * captcha count): an administrator's 解除登录限制.  The addresses' own
 * budgets stay. */
int jszg_login_unlock(jszg_req *jr, const char *scope, const char *key)
{
    const char *prefix = pair_key(jr, key);
    int rc;

    prefix = apr_pstrndup(jr->pool, prefix, strlen(key) + 1);  /* "key|" */
    rc = jszg_rate_clear_prefix(jr, kind_of(jr, scope, "login_fail"),
                                prefix);
    if (rc != JSZG_DB_OK)
        return rc;
    return jszg_rate_clear(jr, kind_of(jr, scope, "login_fail_acct"), key);
}

int jszg_login_account_failures(jszg_req *jr, const char *scope,
                                const char *key, int *n)
{
    return jszg_rate_count(jr, kind_of(jr, scope, "login_fail_acct"), key,
                      now_s(jr) - JSZG_LOGIN_FAIL_SPAN, n);
}

static const char *login_key(jszg_req *jr, const char *login)
{
    return upper(jr->pool, trim(jr->pool, login));
}

int jszg_acct_login_gate(jszg_req *jr, const char *login, jszg_acct_err *e)
{
    const char *key = login_key(jr, login);

    return jszg_login_gate(jr, "acct", strlen(key) <= 32 ? key : NULL,
                           JSZG_LOGIN_IP_MAX, e);
}

int jszg_acct_login(jszg_req *jr, const char *login, const char *password,
                    jszg_login_out *out, jszg_acct_err *e)
{
    const char *key, *hash = NULL;
    json_t *acct = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    key = login_key(jr, login);
    if (!*key)
        field_err(e, "login", "login_empty", "请输入账号（证件号码）");
    if (!password || !*password)
        field_err(e, "password", "password_empty", "请输入密码");
    if (has_errors(e))
        return JSZG_ACCT_EDOMAIN;
    if (strlen(key) > 32)
        return fail(e, HTTP_UNAUTHORIZED, "login_failed", MSG_LOGIN_FAILED);

    rc = jszg_db_row(jr, "acct_by_number", &acct, 1, key);
    if (rc != JSZG_DB_OK && rc != JSZG_DB_NOTFOUND)
        return rc;
    if (acct)
        hash = col(acct, "password_hash");
    /* unknown accounts are checked against a dummy hash: same time */
    if (!jszg_password_verify(password, hash)) {
        if ((rc = jszg_login_failed(jr, "acct", key)) != JSZG_DB_OK)
            return rc;
        /* the same words whether the account exists or not */
        return fail(e, HTTP_UNAUTHORIZED, "login_failed", MSG_LOGIN_FAILED);
    }
    jszg_login_succeeded(jr, "acct", key);
    rc = jszg_db_exec(jr, "acct_login_ok", NULL, 2, now_str(jr),
                      col(acct, "id"));
    if (rc != JSZG_DB_OK)
        return rc;
    out->account_id = col(acct, "id");
    out->id_number = col(acct, "id_number");
    out->name = col(acct, "name");
    out->prev_login = jszg_acct_time(jr->pool, col(acct, "last_login_at"));
    return JSZG_ACCT_OK;
}

/* ---- SMS codes ---------------------------------------------------------- */

static const char *code_hash(jszg_req *jr, const char *account_id,
                             const char *purpose, const char *code)
{
    return jszg_hmac_b64(jr->pool, jr->sc->secret, jr->sc->secret_len,
                         apr_pstrcat(jr->pool, "sms:", purpose, ":",
                                     account_id, ":", code, NULL));
}

/*
 * Limits on asking for a code, checked for every request whether a code
 * is then sent or not: per (phone, address) one a minute and five a day,
 * and per address.  Keyed on the address too, so that a stranger asking
 * for codes to someone's phone (with a made-up account, or with the
 * right one) spends only their own address's quota, never the owner's.
 * What is really sent to a phone has its own daily caps (sms_sent_ok).
 */
static int sms_limits(jszg_req *jr, const char *phone, jszg_acct_err *e)
{
    const char *key = apr_pstrcat(jr->pool, phone, "|", jr->r->useragent_ip,
                                  NULL);
    int n, rc, over;

    if ((rc = jszg_rate_count(jr, "acct.sms_phone", key,
                         now_s(jr) - JSZG_SMS_PHONE_GAP, &n)) != JSZG_DB_OK)
        return rc;
    if (n > 0)
        return fail(e, HTTP_TOO_MANY_REQUESTS, "sms_too_soon",
                    "验证码发送过于频繁，请60秒后再试");
    if ((rc = jszg_rate_count(jr, "acct.sms_phone", key, day_start(jr), &n))
        != JSZG_DB_OK)
        return rc;
    if (n >= JSZG_SMS_PHONE_DAY)
        return fail(e, HTTP_TOO_MANY_REQUESTS, "sms_daily_limit",
                    "该手机号码今日获取验证码次数已达上限，请明日再试");
    rc = jszg_rate_take(jr, "acct.sms_ip", jr->r->useragent_ip, 3600,
                   JSZG_SMS_IP_MAX, &over);
    if (rc != JSZG_DB_OK)
        return rc;
    if (over)
        return fail(e, HTTP_TOO_MANY_REQUESTS, "too_many_requests",
                    "获取验证码过于频繁，请稍后再试");
    return jszg_rate_add(jr, "acct.sms_phone", key);
}

/*
 * The daily cap on codes really sent to a phone, per purpose: kind
 * acct.sms_sent.reset (to the account's own phone: 忘记密码) and
 * acct.sms_sent.phone (to a new number: 修改手机号码).  Apart, so that
 * accounts naming someone else's number as their new phone cannot use up
 * that person's 忘记密码 codes.  *ok is 1 (and the send counted) when
 * under the cap.
 */
static int sms_sent_ok(jszg_req *jr, const char *purpose, const char *phone,
                       int cap, int *ok)
{
    const char *kind = apr_pstrcat(jr->pool, "acct.sms_sent.", purpose, NULL);
    int n, rc;

    *ok = 0;
    if ((rc = jszg_rate_count(jr, kind, phone, day_start(jr), &n)) != JSZG_DB_OK)
        return rc;
    if (n >= cap)
        return JSZG_DB_OK;
    *ok = 1;
    return jszg_rate_add(jr, kind, phone);
}

static int send_code(jszg_req *jr, const char *account_id,
                     const char *purpose, const char *phone,
                     const char *what)
{
    unsigned char r[4];
    const char *code, *body;
    apr_uint32_t v;
    int rc;

    if (apr_generate_random_bytes(r, sizeof(r)) != APR_SUCCESS)
        return JSZG_DB_ERROR;
    v = ((apr_uint32_t)r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3];
    code = apr_psprintf(jr->pool, "%06u", (unsigned)(v % 1000000u));
    body = apr_psprintf(jr->pool, "【中国教师资格网】您正在%s，验证码%s，"
                        "%d分钟内有效。如非本人操作，请忽略本短信。",
                        what, code, JSZG_CODE_TTL / 60);
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    /* a new code voids the older ones */
    jszg_db_exec(jr, "acct_code_void", NULL, 3, now_str(jr), account_id,
                 purpose);
    jszg_db_exec(jr, "acct_code_insert", NULL, 6, purpose, account_id,
                 phone, code_hash(jr, account_id, purpose, code),
                 now_str(jr), num(jr->pool, now_s(jr) + JSZG_CODE_TTL));
    jszg_db_exec(jr, "acct_sms_insert", NULL, 4, phone, body, purpose,
                 now_str(jr));
    return jszg_db_commit(jr);
}

/* Check a code.  A wrong guess is counted at once (outside any
 * transaction: the count must stay); a right one is spent by
 * spend_code() inside the change it allows. */
static int check_code(jszg_req *jr, const char *account_id,
                      const char *purpose, const char *phone,
                      const char *code, const char **code_id,
                      jszg_acct_err *e)
{
    json_t *row;
    int rc, tries;

    code = trim(jr->pool, code);
    if (!all_digits(code, 6)) {
        field_err(e, "code", "code_bad", "请输入6位数字验证码");
        return JSZG_ACCT_EDOMAIN;
    }
    rc = jszg_db_row(jr, "acct_code_latest", &row, 2, account_id, purpose);
    if (rc == JSZG_DB_NOTFOUND || (rc == JSZG_DB_OK
        && (col(row, "used_at") || col_int(row, "expires_at") < now_s(jr)
            || (phone && strcmp(col(row, "phone"), phone))))) {
        field_err(e, "code", "code_invalid", MSG_CODE_BAD);
        return JSZG_ACCT_EDOMAIN;
    }
    if (rc != JSZG_DB_OK)
        return rc;
    tries = (int)col_int(row, "tries");
    if (tries >= JSZG_CODE_TRIES) {
        field_err(e, "code", "code_locked",
                  "验证码错误次数过多，请重新获取验证码");
        return JSZG_ACCT_EDOMAIN;
    }
    if (!jszg_const_eq(col(row, "code_hash"),
                       code_hash(jr, account_id, purpose, code))) {
        if ((rc = jszg_db_exec(jr, "acct_code_try", NULL, 1, col(row, "id")))
            != JSZG_DB_OK)
            return rc;
        tries++;
        field_err(e, "code", tries >= JSZG_CODE_TRIES ? "code_locked"
                                                      : "code_wrong",
                  tries >= JSZG_CODE_TRIES
                  ? "验证码错误次数过多，请重新获取验证码"
                  : apr_psprintf(jr->pool, "验证码错误，您还可以尝试%d次",
                                 JSZG_CODE_TRIES - tries));
        return JSZG_ACCT_EDOMAIN;
    }
    *code_id = col(row, "id");
    return JSZG_ACCT_OK;
}

/* Inside the change's transaction: spend the code checked above.  A
 * concurrent request that spent it first wins; this change is undone. */
static int spend_code(jszg_req *jr, const char *code_id, jszg_acct_err *e)
{
    int n = 0, rc = jszg_db_exec(jr, "acct_code_use", &n, 2, now_str(jr),
                                 code_id);

    if (rc != JSZG_DB_OK)
        return rc;
    if (n != 1) {
        jszg_db_rollback(jr);
        field_err(e, "code", "code_invalid", MSG_CODE_BAD);
        return JSZG_ACCT_EDOMAIN;
    }
    return JSZG_ACCT_OK;
}


/* ---- 忘记密码 ----------------------------------------------------------- */

int jszg_acct_reset_send(jszg_req *jr, const char *login, const char *phone,
                         jszg_acct_err *e)
{
    const char *key = upper(jr->pool, trim(jr->pool, login));
    json_t *acct;
    int rc, ok;

    if (!*key)
        field_err(e, "login", "login_empty", "请输入账号（证件号码）");
    phone = check_phone(jr, "phone", phone, e);
    if (has_errors(e))
        return JSZG_ACCT_EDOMAIN;
    if ((rc = sms_limits(jr, phone, e)) != JSZG_DB_OK)
        return rc;
    rc = jszg_db_row(jr, "acct_by_number", &acct, 1, key);
    if (rc == JSZG_DB_NOTFOUND
        || (rc == JSZG_DB_OK && strcmp(col(acct, "phone"), phone)))
        return JSZG_ACCT_OK;    /* same answer: nothing to learn here */
    if (rc != JSZG_DB_OK)
        return rc;
    /* over the phone's cap (asked from many addresses): the same answer
     * again, and nothing sent */
    if ((rc = sms_sent_ok(jr, "reset", phone, JSZG_SMS_SENT_DAY, &ok))
        != JSZG_DB_OK || !ok)
        return rc;
    return send_code(jr, col(acct, "id"), "reset", phone, "重置密码");
}

int jszg_acct_reset_finish(jszg_req *jr, const char *login,
                           const char *code, const char *password,
                           const char *confirm, jszg_acct_err *e)
{
    const char *key = upper(jr->pool, trim(jr->pool, login)), *hash, *id;
    const char *code_id = NULL;
    json_t *acct;
    int rc;

    if (!*key)
        field_err(e, "login", "login_empty", "请输入账号（证件号码）");
    /* policy first: a typo in the password does not burn a code try */
    check_password("password", password, confirm, key, e);
    if (has_errors(e))
        return JSZG_ACCT_EDOMAIN;
    rc = jszg_db_row(jr, "acct_by_number", &acct, 1, key);
    if (rc == JSZG_DB_NOTFOUND) {
        field_err(e, "code", "code_invalid", MSG_CODE_BAD);
        return JSZG_ACCT_EDOMAIN;
    }
    if (rc != JSZG_DB_OK)
        return rc;
    id = col(acct, "id");
    rc = check_code(jr, id, "reset", NULL, code, &code_id, e);
    if (rc != JSZG_ACCT_OK)
        return rc;
    if (jszg_password_hash(jr->pool, password, JSZG_PW_COST, &hash)
        != APR_SUCCESS)
        return JSZG_DB_ERROR;
    /* one change: the code spent, the password set, every session of
     * the account ended, a lockout lifted, the audit row */
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    rc = spend_code(jr, code_id, e);
    if (rc == JSZG_ACCT_OK)
        rc = jszg_db_exec(jr, "acct_set_password", NULL, 4, hash,
                          now_str(jr), now_str(jr), id);
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "session_delete_account", NULL, 1, id);
    if (rc == JSZG_DB_OK)
        /* this address's login throttle on the account lifts */
        rc = jszg_rate_clear(jr, "acct.login_fail", pair_key(jr, key));
    if (rc == JSZG_DB_OK)
        rc = audit(jr, key, "account.password_reset", key, NULL);
    return finish(jr, rc);
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
                             jszg_profile_in *in, jszg_acct_err *e)
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
        return JSZG_ACCT_EDOMAIN;
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
                              const char *confirm, jszg_acct_err *e)
{
    json_t *acct;
    const char *hash;
    int rc = jszg_db_row(jr, "acct_secret", &acct, 1, account_id);

    if (rc != JSZG_DB_OK)
        return rc;
    if (!old_pw || !*old_pw)
        field_err(e, "old_password", "password_empty", "请输入原密码");
    if (check_password("password", new_pw, confirm, col(acct, "id_number"),
                       e) && old_pw && !strcmp(old_pw, new_pw))
        field_err(e, "password", "password_same", "新密码不能与原密码相同");
    if (has_errors(e))
        return JSZG_ACCT_EDOMAIN;
    if (!jszg_password_verify(old_pw, col(acct, "password_hash"))) {
        field_err(e, "old_password", "old_password_wrong", "原密码不正确");
        return JSZG_ACCT_EDOMAIN;
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

int jszg_acct_phone_send(jszg_req *jr, const char *account_id,
                         const char *phone, jszg_acct_err *e)
{
    json_t *acct;
    int rc, ok;

    if (!(phone = check_phone(jr, "phone", phone, e)))
        return JSZG_ACCT_EDOMAIN;
    if ((rc = jszg_db_row(jr, "acct_get", &acct, 1, account_id))
        != JSZG_DB_OK)
        return rc;
    if (!strcmp(col(acct, "phone"), phone)) {
        field_err(e, "phone", "phone_same", "新手机号码与当前手机号码相同");
        return JSZG_ACCT_EDOMAIN;
    }
    if ((rc = sms_limits(jr, phone, e)) != JSZG_DB_OK)
        return rc;
    if ((rc = sms_sent_ok(jr, "phone", phone, JSZG_SMS_PHONE_DAY, &ok))
        != JSZG_DB_OK)
        return rc;
    if (!ok)
        return fail(e, HTTP_TOO_MANY_REQUESTS, "sms_daily_limit",
                    "该手机号码今日获取验证码次数已达上限，请明日再试");
    return send_code(jr, account_id, "phone", phone, "修改手机号码");
}

int jszg_acct_phone_change(jszg_req *jr, const char *account_id,
                           const char *phone, const char *code,
                           jszg_acct_err *e)
{
    const char *code_id = NULL;
    int rc;

    if (!(phone = check_phone(jr, "phone", phone, e)))
        return JSZG_ACCT_EDOMAIN;
    rc = check_code(jr, account_id, "phone", phone, code, &code_id, e);
    if (rc != JSZG_ACCT_OK)
        return rc;
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    rc = spend_code(jr, code_id, e);
    if (rc == JSZG_ACCT_OK)
        rc = jszg_db_exec(jr, "acct_set_phone", NULL, 3, phone,
                          now_str(jr), account_id);
    if (rc == JSZG_DB_OK)
        rc = audit(jr, account_id, "account.phone_change", account_id,
                   NULL);
    return finish(jr, rc);
}

/* ---- 实名核验 ----------------------------------------------------------- */

int jszg_acct_verify_remaining(jszg_req *jr, const char *account_id,
                               int *remaining)
{
    int n, rc = jszg_rate_count(jr, "acct.verify", account_id, day_start(jr) - 1,
                           &n);

    *remaining = n >= JSZG_VERIFY_PER_DAY ? 0 : JSZG_VERIFY_PER_DAY - n;
    return rc;
}

int jszg_acct_verify(jszg_req *jr, const char *account_id, const char *name,
                     const char **new_name, jszg_acct_err *e)
{
    json_t *acct, *reg;
    int rc, left;

    *new_name = NULL;
    if ((rc = jszg_db_row(jr, "acct_get", &acct, 1, account_id))
        != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_acct_verify_remaining(jr, account_id, &left))
        != JSZG_DB_OK)
        return rc;
    e->remaining = left;
    if (col_int(acct, "verified") == 2)
        return fail(e, HTTP_CONFLICT, "review_pending",
                    "您的人工审核正在进行中，审核期间不能进行实名核验");
    if (!(name = check_name(jr, name, e)))
        return JSZG_ACCT_EDOMAIN;
    if (left <= 0)
        return fail(e, HTTP_TOO_MANY_REQUESTS, "verify_daily_limit",
                    "每日您最多可进行三次实名核验，您今日的次数已用完，"
                    "请明日再试");
    if ((rc = jszg_rate_add(jr, "acct.verify", account_id)) != JSZG_DB_OK)
        return rc;
    e->remaining = left - 1;
    rc = jszg_db_row(jr, "acct_idreg_match", &reg, 3, col(acct, "id_type"),
                     col(acct, "id_number"), name);
    if (rc == JSZG_DB_NOTFOUND)
        return fail(e, HTTP_UNPROCESSABLE_ENTITY, "verify_failed",
                    "实名认证失败，信息更新未成功。您仍可正常办理业务，"
                    "如确需修改，可参照页面右侧说明开通网证，"
                    "再进行实名认证。");
    if (rc != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    rc = jszg_db_exec(jr, "acct_set_verified", NULL, 4, now_str(jr), name,
                      now_str(jr), account_id);
    if (rc == JSZG_DB_OK)
        rc = audit(jr, col(acct, "id_number"), "account.verified",
                   col(acct, "id_number"), name);
    if ((rc = finish(jr, rc)) != JSZG_DB_OK)
        return rc;
    *new_name = name;
    return JSZG_ACCT_OK;
}

#define PHOTO_JPEG 1
#define PHOTO_PNG  2

/* ---- 人工审核 ----------------------------------------------------------- */

/* Write an accepted photo under JszgUploadDir/identity/<account>/. */
static int save_photo(jszg_req *jr, const char *account_id,
                      const jszg_form_field *f, int kind,
                      const char **rel)
{
    const char *dir, *name, *path;
    apr_file_t *fh;
    apr_size_t n = f->len;
    apr_status_t rv;

    dir = apr_pstrcat(jr->pool, jr->sc->upload_dir, "/identity/",
                      account_id, NULL);
    rv = apr_dir_make_recursive(dir, APR_FPROT_UREAD | APR_FPROT_UWRITE
                                | APR_FPROT_UEXECUTE, jr->pool);
    name = apr_pstrcat(jr->pool, jszg_random_token(jr->pool, 16),
                       kind == PHOTO_PNG ? ".png" : ".jpg", NULL);
    path = apr_pstrcat(jr->pool, dir, "/", name, NULL);
    if (rv == APR_SUCCESS)
        rv = apr_file_open(&fh, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                           | APR_FOPEN_EXCL | APR_FOPEN_BINARY,
                           APR_FPROT_UREAD | APR_FPROT_UWRITE, jr->pool);
    if (rv == APR_SUCCESS) {
        rv = apr_file_write_full(fh, f->value, n, &n);
        if (apr_file_close(fh) != APR_SUCCESS && rv == APR_SUCCESS)
            rv = APR_EGENERAL;
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, jr->r, JSZGLOGNO(14001)
                      "cannot store an identity photo under %s "
                      "(JszgUploadDir)", dir);
        return JSZG_DB_ERROR;
    }
    *rel = apr_pstrcat(jr->pool, "identity/", account_id, "/", name, NULL);
    return JSZG_DB_OK;
}

/* The photo's kind from its bytes, fully decoded: libjpeg for JPEG,
 * libpng for PNG, under the ID photo's rules and budgets (jszg_jpeg.h).
 * 0 when missing or refused. */
static int check_photo(jszg_req *jr, const jszg_form_field *f,
                       const char *field, int required, jszg_acct_err *e)
{
    jszg_jpeg_rules rules;
    jszg_jpeg_info info;
    jszg_jpeg_status st;

    if (!f || !f->filename || f->len == 0) {
        if (required)
            field_err(e, field, "photo_missing", "请上传证件照片");
        return 0;
    }
    /* the body limits bound the size */
    jszg_jpeg_id_rules(&rules, f->len);
    st = jszg_jpeg_check((const unsigned char *)f->value, f->len, &rules,
                         &info);
    if (st == JSZG_JPEG_OK)
        return info.png ? PHOTO_PNG : PHOTO_JPEG;
    field_err(e, field, "photo_bad",
              apr_pstrcat(e->fields->pool, "照片无法使用：",
                          jszg_jpeg_message_named(jr->pool, st, &rules,
                                                  f->filename), NULL));
    return 0;
}

int jszg_acct_review_submit(jszg_req *jr, const char *account_id,
                            jszg_review_in *in, jszg_acct_err *e)
{
    json_t *acct;
    const char *front = NULL, *back = NULL;
    int kf, kb;
    int rc = jszg_db_row(jr, "acct_get", &acct, 1, account_id);

    if (rc != JSZG_DB_OK)
        return rc;
    if (col_int(acct, "verified") == 2)
        return fail(e, HTTP_CONFLICT, "review_pending",
                    "您已提交人工审核，请耐心等待审核结果");
    in->name = check_name(jr, in->name, e);
    kf = check_photo(jr, in->front, "front", 1, e);
    /* an ID card has two sides; other documents one photo page */
    kb = check_photo(jr, in->back, "back",
                     !strcmp(col(acct, "id_type"), "居民身份证"), e);
    if (has_errors(e))
        return JSZG_ACCT_EDOMAIN;
    if ((rc = save_photo(jr, account_id, in->front, kf, &front))
        != JSZG_DB_OK)
        return rc;
    if (kb
        && (rc = save_photo(jr, account_id, in->back, kb, &back))
           != JSZG_DB_OK)
        return rc;
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    rc = jszg_db_exec(jr, "acct_review_insert", NULL, 7, account_id,
                      col(acct, "id_type"), col(acct, "id_number"), in->name,
                      front, back, now_str(jr));
    if (rc == JSZG_DB_OK)
        rc = jszg_db_exec(jr, "acct_set_verify_state", NULL, 3, "2",
                          now_str(jr), account_id);
    if (rc == JSZG_DB_OK)
        rc = audit(jr, col(acct, "id_number"), "account.review_submit",
                   col(acct, "id_number"), in->name);
    rc = finish(jr, rc);
    if (rc != JSZG_DB_OK) {
        /* no row points at them: do not keep the photos */
        apr_file_remove(apr_pstrcat(jr->pool, jr->sc->upload_dir, "/",
                                    front, NULL), jr->pool);
        if (back)
            apr_file_remove(apr_pstrcat(jr->pool, jr->sc->upload_dir, "/",
                                        back, NULL), jr->pool);
    }
    return rc;
}

int jszg_acct_review_decide(jszg_req *jr, const char *review_id,
                            int approve, const char *staff,
                            const char *note, jszg_acct_err *e)
{
    json_t *rev;
    char *end;
    int rc, n = 0;

    if (!review_id || !*review_id || (strtol(review_id, &end, 10), *end))
        return fail(e, HTTP_NOT_FOUND, "not_found", "审核记录不存在");
    rc = jszg_db_row(jr, "acct_review_get", &rev, 1, review_id);
    if (rc == JSZG_DB_NOTFOUND)
        return fail(e, HTTP_NOT_FOUND, "not_found", "审核记录不存在");
    if (rc != JSZG_DB_OK)
        return rc;
    if (strcmp(col(rev, "status"), "人工审核中"))
        return fail(e, HTTP_CONFLICT, "review_decided", "该申请已经审核过了。");
    if ((rc = jszg_db_begin(jr)) != JSZG_DB_OK)
        return rc;
    jszg_db_exec(jr, "acct_review_decide", &n, 5,
                 approve ? "审核通过" : "审核不通过", now_str(jr), staff,
                 note, review_id);
    /* approved: the account takes the name the document shows (the
     * reason for a 人工审核 is often a name the automatic check could not
     * match); refused: back to 未核验, the reason kept in the review */
    if (approve)
        jszg_db_exec(jr, "acct_set_verified", NULL, 4, now_str(jr),
                     col(rev, "name"), now_str(jr), col(rev, "account_id"));
    else
        jszg_db_exec(jr, "acct_set_verify_state", NULL, 3, "0", now_str(jr),
                     col(rev, "account_id"));
    audit(jr, staff, approve ? "identity.approve" : "identity.reject",
          apr_pstrcat(jr->pool, "account:", col(rev, "account_id"), NULL),
          note);
    if (n != 1) {               /* decided by someone else meanwhile */
        jszg_db_rollback(jr);
        return fail(e, HTTP_CONFLICT, "review_decided", "该申请已经审核过了。");
    }
    return jszg_db_commit(jr);
}

int jszg_acct_reviews_pending(jszg_req *jr, json_t **rows)
{
    return jszg_db_rows(jr, "acct_review_pending", rows, 0);
}

int jszg_acct_sms_outbox(jszg_req *jr, json_t **rows)
{
    return jszg_db_rows(jr, "acct_sms_list", rows, 0);
}

int jszg_account_is_verified(jszg_req *jr, const char *account_id,
                             int *verified)
{
    json_t *acct;
    int rc = jszg_db_row(jr, "acct_get", &acct, 1, account_id);

    *verified = rc == JSZG_DB_OK && col_int(acct, "verified") == 1;
    return rc;
}
