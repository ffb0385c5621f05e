/*
 * jszg_account_captcha.c -- the slider captcha service (jszg_account.h):
 * issuing a challenge, its images, and checking an answer (slide with
 * its drag track, or the no-JavaScript pick mode).  jszg_captcha.c draws
 * the pictures and judges the answer; the tokens are signed like the
 * waiting room's tickets (jszg_ticket.c).  The page side is
 * jszg_acct_captcha_widget/_form in jszg_page_account.c.
 */
#include "jszg_account_int.h"
#include "jszg_captcha.h"
#include "jszg_ticket.h"
#include "jszg_admission.h"

#define MSG_CAPTCHA_MISSING "请先拖动滑块填充拼图完成校验!"
#define MSG_PICK_MISSING    "请先选择拼图缺口所在位置的编号完成校验"

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
                            const char *track, jszg_fail *e)
{
    jszg_captcha_verdict v;
    jszg_challenge ch;
    jszg_captcha c;
    apr_interval_time_t wait;
    int rc, n = 0, pick;
    long elapsed, drag = 0;

    if (!token || !*token) {
        field_err(e, "captcha", "captcha_missing", MSG_CAPTCHA_MISSING);
        return JSZG_REFUSED;
    }
    rc = captcha_load(jr, token, &ch, &c);
    if (rc == JSZG_DB_NOTFOUND) {
        /* forged, garbled, or issued to another browser */
        field_err(e, "captcha", "captcha_invalid",
                  "拼图验证已失效，请重新完成校验");
        return JSZG_REFUSED;
    }
    if (rc != JSZG_DB_OK)
        return rc;
    /* the picture without JavaScript has numbered gaps, no slider: its
     * messages say so (issue 18) */
    pick = ch.mode == JSZG_CAPTCHA_PICK;
    if (!answer || !*answer) {
        field_err(e, "captcha", "captcha_missing",
                  pick ? MSG_PICK_MISSING : MSG_CAPTCHA_MISSING);
        return JSZG_REFUSED;
    }
    if (captcha_expires(&ch) < now_s(jr)) {
        field_err(e, "captcha", "captcha_expired",
                  pick ? "拼图验证已过期，请重新选择拼图缺口所在位置的编号"
                       : "拼图验证已过期，请重新拖动滑块完成校验");
        return JSZG_REFUSED;
    }
    /* recording the answer is a write: within the address's budget */
    if (!jszg_gate_captcha_take(jr->r, &wait)) {
        e->retry_after = (int)apr_time_sec(wait) + 1;
        field_err(e, "captcha", "captcha_busy",
                  "验证请求过于频繁，请稍后再试");
        e->status = HTTP_TOO_MANY_REQUESTS;
        return JSZG_REFUSED;
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
        return JSZG_REFUSED;
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
        return JSZG_DB_OK;
    case JSZG_CAPTCHA_TRACK:
        field_err(e, "captcha", "captcha_track",
                  "未通过校验，请重新拖动滑块补全拼图");
        return JSZG_REFUSED;
    case JSZG_CAPTCHA_TOO_FAST:
        field_err(e, "captcha", "captcha_too_fast",
                  pick ? "选择过快，未通过校验，请看清图片后重新选择拼图缺口"
                         "所在位置的编号"
                       : "拖动过快，未通过校验，请重新拖动滑块");
        return JSZG_REFUSED;
    case JSZG_CAPTCHA_BAD_INPUT:
        field_err(e, "captcha", "captcha_missing",
                  pick ? MSG_PICK_MISSING : MSG_CAPTCHA_MISSING);
        return JSZG_REFUSED;
    default:
        field_err(e, "captcha", "captcha_wrong",
                  pick ? "所选编号不是拼图缺口的位置，请重新选择"
                       : "拼图未对齐，请重新拖动滑块补全拼图");
        return JSZG_REFUSED;
    }
}
