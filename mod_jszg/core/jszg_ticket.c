/*
 * jszg_ticket.c -- signed tickets and admission cookies, the FIFO queue
 * model, the admitted-session set and the waiting page fill.
 *
 * Signatures are HMAC-SHA256 truncated to 128 bits, in base64url, over
 * the exact text before them; parsing is strict (canonical numbers only),
 * so one value has exactly one valid spelling.
 */
#include "jszg_ticket.h"

#include <string.h>
#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define MAC_BYTES 16
#define MAC_CHARS 22            /* base64url of 16 bytes, no padding */

void jszg_tk_derive(const unsigned char *secret, apr_size_t len,
                    const char *label, unsigned char *key)
{
    unsigned int n = JSZG_TK_KEYLEN;

    HMAC(EVP_sha256(), secret, (int)len, (const unsigned char *)label,
         strlen(label), key, &n);
}

static void b64url(const unsigned char *in, apr_size_t len, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "abcdefghijklmnopqrstuvwxyz0123456789-_";
    apr_size_t i;
    apr_uint32_t acc = 0;
    int bits = 0;

    for (i = 0; i < len; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            *out++ = tab[(acc >> bits) & 0x3f];
        }
    }
    if (bits)
        *out++ = tab[(acc << (6 - bits)) & 0x3f];
    *out = '\0';
}

static void mac_text(const unsigned char *key, const char *msg,
                     apr_size_t len, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    HMAC(EVP_sha256(), key, JSZG_TK_KEYLEN, (const unsigned char *)msg,
         len, md, &mdlen);
    b64url(md, MAC_BYTES, out);
}

const char *jszg_tk_sign(apr_pool_t *p, const unsigned char *key,
                         const char *payload)
{
    char mac[MAC_CHARS + 1];

    mac_text(key, payload, strlen(payload), mac);
    return apr_pstrcat(p, payload, ".", mac, NULL);
}

/* Split s at its last '.', check the MAC of what is before it. */
static jszg_tk_status verify(const unsigned char *key, const char *s,
                             apr_size_t *payload_len)
{
    const char *dot;
    char mac[MAC_CHARS + 1];
    apr_size_t len;

    if (!s || (len = strnlen(s, JSZG_TK_MAXLEN + 1)) > JSZG_TK_MAXLEN)
        return JSZG_TK_MALFORMED;
    dot = strrchr(s, '.');
    if (!dot || strlen(dot + 1) != MAC_CHARS)
        return JSZG_TK_MALFORMED;
    *payload_len = (apr_size_t)(dot - s);
    mac_text(key, s, *payload_len, mac);
    return CRYPTO_memcmp(mac, dot + 1, MAC_CHARS) ? JSZG_TK_BADMAC
                                                   : JSZG_TK_OK;
}

/* Strict parsers over [*s, end): advance *s past what they read. */
static int parse_hex64(const char **s, const char *end, apr_uint64_t *v)
{
    int i;

    *v = 0;
    if (end - *s < 16)
        return -1;
    for (i = 0; i < 16; i++) {
        char c = (*s)[i];
        int d = (c >= '0' && c <= '9') ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        *v = (*v << 4) | (apr_uint64_t)d;
    }
    *s += 16;
    return 0;
}

static int parse_dec(const char **s, const char *end, apr_uint64_t max,
                     apr_uint64_t *v)
{
    const char *c = *s;

    *v = 0;
    if (c >= end || *c < '0' || *c > '9')
        return -1;
    if (*c == '0' && c + 1 < end && c[1] >= '0' && c[1] <= '9')
        return -1;              /* no leading zeros */
    for (; c < end && *c >= '0' && *c <= '9'; c++) {
        apr_uint64_t d = (apr_uint64_t)(*c - '0');
        if (*v > (max - d) / 10)
            return -1;
        *v = *v * 10 + d;
    }
    *s = c;
    return 0;
}

static int expect(const char **s, const char *end, const char *lit)
{
    apr_size_t n = strlen(lit);

    if ((apr_size_t)(end - *s) < n || memcmp(*s, lit, n))
        return -1;
    *s += n;
    return 0;
}

#define MAX_I64 ((apr_uint64_t)APR_INT64_MAX)

const char *jszg_ticket_encode(apr_pool_t *p, const unsigned char *key,
                               const jszg_ticket *t)
{
    return jszg_tk_sign(p, key, apr_psprintf(p, "T1.%016" APR_UINT64_T_HEX_FMT
                                     ".%" APR_UINT64_T_FMT
                                     ".%" APR_INT64_T_FMT,
                                     t->epoch, t->seq, t->issued));
}

jszg_tk_status jszg_ticket_decode(const unsigned char *key, const char *s,
                                  jszg_ticket *t)
{
    apr_size_t len;
    const char *c = s, *end;
    apr_uint64_t issued;
    jszg_tk_status st = verify(key, s, &len);

    if (st == JSZG_TK_MALFORMED)
        return st;
    end = s + len;
    if (expect(&c, end, "T1.") || parse_hex64(&c, end, &t->epoch)
        || expect(&c, end, ".") || parse_dec(&c, end, MAX_I64, &t->seq)
        || expect(&c, end, ".") || parse_dec(&c, end, MAX_I64, &issued)
        || c != end || t->seq == 0)
        return JSZG_TK_MALFORMED;
    t->issued = (apr_int64_t)issued;
    return st;
}

const char *jszg_admit_encode(apr_pool_t *p, const unsigned char *key,
                              const jszg_admit *a)
{
    return jszg_tk_sign(p, key, apr_psprintf(p, "A1.%016" APR_UINT64_T_HEX_FMT
                                     ".%" APR_INT64_T_FMT,
                                     a->id, a->expires));
}

jszg_tk_status jszg_admit_decode(const unsigned char *key, const char *s,
                                 jszg_admit *a)
{
    apr_size_t len;
    const char *c = s, *end;
    apr_uint64_t expires;
    jszg_tk_status st = verify(key, s, &len);

    if (st == JSZG_TK_MALFORMED)
        return st;
    end = s + len;
    if (expect(&c, end, "A1.") || parse_hex64(&c, end, &a->id)
        || expect(&c, end, ".") || parse_dec(&c, end, MAX_I64, &expires)
        || c != end)
        return JSZG_TK_MALFORMED;
    a->expires = (apr_int64_t)expires;
    return st;
}

const char *jszg_challenge_encode(apr_pool_t *p, const unsigned char *key,
                                  const jszg_challenge *c)
{
    return jszg_tk_sign(p, key, apr_psprintf(p, "K1.%d.%" APR_INT64_T_FMT
                                     ".%016" APR_UINT64_T_HEX_FMT,
                                     c->mode, c->issued_ms, c->nonce));
}

jszg_tk_status jszg_challenge_decode(const unsigned char *key, const char *s,
                                     jszg_challenge *c)
{
    apr_size_t len;
    const char *cur = s, *end;
    apr_uint64_t mode, issued;
    jszg_tk_status st = verify(key, s, &len);

    if (st == JSZG_TK_MALFORMED)
        return st;
    end = s + len;
    if (expect(&cur, end, "K1.") || parse_dec(&cur, end, 9, &mode)
        || expect(&cur, end, ".") || parse_dec(&cur, end, MAX_I64, &issued)
        || expect(&cur, end, ".") || parse_hex64(&cur, end, &c->nonce)
        || cur != end)
        return JSZG_TK_MALFORMED;
    c->mode = (int)mode;
    c->issued_ms = (apr_int64_t)issued;
    return st;
}

/* ---- the FIFO queue model --------------------------------------------- */

static apr_uint32_t pow2_at_least(apr_uint32_t n)
{
    apr_uint32_t p = 16;

    while (p < n && p < (1u << 28))
        p <<= 1;
    return p;
}

apr_size_t jszg_queue_size(apr_uint32_t nslots)
{
    return sizeof(jszg_queue) + (pow2_at_least(nslots) - 1)
                                * sizeof(jszg_qslot);
}

void jszg_queue_init(jszg_queue *q, apr_uint32_t nslots)
{
    apr_uint32_t n = pow2_at_least(nslots);

    memset(q, 0, jszg_queue_size(n));
    q->nslots = n;
    q->next = 1;
}

apr_int64_t jszg_q_hold_until(const jszg_q_timing *t, apr_int64_t called_at,
                              apr_int64_t seen, apr_uint32_t gap)
{
    apr_int64_t until = seen + (gap ? (apr_int64_t)gap : t->poll) + t->slack;

    if (until < called_at + 1)
        until = called_at + 1;
    if (until > called_at + t->hold_max)
        until = called_at + t->hold_max;
    return until;
}

int jszg_q_abandoned(const jszg_q_timing *t, apr_int64_t now,
                     apr_int64_t seen, apr_uint32_t gap)
{
    return now - seen > (gap ? t->abandon : t->first_back);
}

apr_uint32_t jszg_q_gap_update(apr_uint32_t gap, apr_int64_t interval)
{
    if (interval <= 0)
        return gap;             /* same second: a reload, no news */
    if (interval > 3600)
        interval = 3600;
    if (!gap)
        return (apr_uint32_t)interval;
    /* 3/4 old, 1/4 new, rounded: one slow poll does not double it */
    return (apr_uint32_t)((3 * (apr_int64_t)gap + interval + 2) / 4);
}

static jszg_qslot *qslot(const jszg_queue *q, apr_uint64_t seq)
{
    return (jszg_qslot *)&q->slots[seq & (q->nslots - 1)];
}

apr_status_t jszg_queue_issue(jszg_queue *q, apr_int64_t now,
                              apr_uint64_t *seq)
{
    jszg_qslot *s;

    /* Slots from called+1 to next-1 hold waiting tickets, and the quarter
     * before them tickets just called that may still come in: a new one
     * must overwrite neither. */
    if (q->next - q->called >= q->nslots - q->nslots / 4)
        return APR_EAGAIN;
    s = qslot(q, q->next);
    s->seq = q->next;
    s->seen = now;
    s->called_at = 0;
    s->consumed = 0;
    s->gap = 0;
    *seq = q->next++;
    q->issued++;
    return APR_SUCCESS;
}

jszg_q_state jszg_queue_state(const jszg_queue *q, apr_uint64_t seq)
{
    const jszg_qslot *s;

    if (seq == 0 || seq >= q->next)
        return JSZG_Q_UNKNOWN;
    s = qslot(q, seq);
    if (s->seq != seq)
        return JSZG_Q_GONE;
    if (s->consumed)
        return JSZG_Q_USED;
    return seq <= q->called ? JSZG_Q_CALLED : JSZG_Q_WAITING;
}

void jszg_queue_touch(jszg_queue *q, apr_uint64_t seq, apr_int64_t now)
{
    jszg_qslot *s = qslot(q, seq);

    if (s->seq == seq && now > s->seen) {
        s->gap = jszg_q_gap_update(s->gap, now - s->seen);
        s->seen = now;
    }
}

int jszg_queue_call(jszg_queue *q, apr_int64_t now, const jszg_q_timing *t,
                    apr_uint32_t max_skip)
{
    apr_uint32_t skipped = 0;

    while (q->called + 1 < q->next && skipped < max_skip) {
        jszg_qslot *s = qslot(q, ++q->called);
        if (s->seq == q->called && !s->consumed
            && !jszg_q_abandoned(t, now, s->seen, s->gap)) {
            s->called_at = now;
            return 1;
        }
        skipped++;
        q->skipped++;
    }
    return 0;
}

void jszg_queue_consume(jszg_queue *q, apr_uint64_t seq)
{
    jszg_qslot *s = qslot(q, seq);

    if (s->seq == seq && !s->consumed) {
        s->consumed = 1;
        q->admitted++;
    }
}

apr_uint32_t jszg_queue_pending(const jszg_queue *q, apr_int64_t now,
                                const jszg_q_timing *t)
{
    apr_uint64_t seq = q->called;
    apr_uint32_t n = 0, looked = 0;

    /* Called tickets were called in order: walk back from the newest
     * until one was called before the window (skipped ones, never
     * called, are passed over).  Bounded, like every walk under the
     * mutex. */
    for (; seq > 0 && looked < q->nslots && looked < 65536; seq--, looked++) {
        const jszg_qslot *s = qslot(q, seq);
        if (s->seq != seq)
            break;
        if (!s->called_at)
            continue;
        if (now - s->called_at > t->hold_max)
            break;
        if (!s->consumed
            && now <= jszg_q_hold_until(t, s->called_at, s->seen, s->gap))
            n++;
    }
    return n;
}

apr_uint64_t jszg_queue_waiting(const jszg_queue *q)
{
    return q->next - 1 - q->called;
}

apr_uint64_t jszg_queue_position(const jszg_queue *q, apr_uint64_t seq)
{
    return seq > q->called ? seq - q->called : 0;
}

/* ---- tickets of a shared queue called by this front end --------------- */

void jszg_calls_add(jszg_calls *c, apr_uint64_t seq, apr_int64_t until)
{
    jszg_call *e = &c->c[c->next++ % JSZG_CALLS];

    e->seq = seq;
    e->until = until;
}

void jszg_calls_done(jszg_calls *c, apr_uint64_t seq)
{
    apr_uint32_t i;

    for (i = 0; i < JSZG_CALLS; i++)
        if (c->c[i].seq == seq)
            c->c[i].seq = 0;
}

apr_uint32_t jszg_calls_pending(const jszg_calls *c, apr_int64_t now)
{
    apr_uint32_t i, n = 0;

    for (i = 0; i < JSZG_CALLS; i++)
        if (c->c[i].seq && now <= c->c[i].until)
            n++;
    return n;
}

/* ---- admitted sessions seen recently ---------------------------------- */

#define ADSET_PROBE 8

apr_size_t jszg_adset_size(apr_uint32_t nslots)
{
    return sizeof(jszg_adset) + (pow2_at_least(nslots) - 1)
                                * sizeof(jszg_adslot);
}

void jszg_adset_init(jszg_adset *s, apr_uint32_t nslots)
{
    apr_uint32_t n = pow2_at_least(nslots);

    memset(s, 0, jszg_adset_size(n));
    s->nslots = n;
}

void jszg_adset_touch(jszg_adset *s, apr_uint64_t id, apr_int64_t now)
{
    /* ids are random: their low bits are a fine hash.  Id 0 marks a free
     * slot, so it is stored as 1 (a one-in-2^64 merge, harmless). */
    jszg_adslot *oldest = NULL;
    apr_uint32_t i;

    if (!id)
        id = 1;
    for (i = 0; i < ADSET_PROBE; i++) {
        jszg_adslot *a = &s->slots[(id + i) & (s->nslots - 1)];
        if (a->id == id || !a->id) {
            a->id = id;
            if (now > a->seen)
                a->seen = now;
            return;
        }
        if (!oldest || a->seen < oldest->seen)
            oldest = a;
    }
    oldest->id = id;
    oldest->seen = now;
}

apr_uint32_t jszg_adset_count(const jszg_adset *s, apr_int64_t now,
                              apr_int64_t window)
{
    apr_uint32_t i, n = 0;

    for (i = 0; i < s->nslots; i++)
        if (s->slots[i].id && now - s->slots[i].seen <= window)
            n++;
    return n;
}

/* ---- the waiting page ------------------------------------------------- */

/* The placeholder at t ("{{name}}"): its name length, or 0. */
static apr_size_t placeholder(const char *t, const char **name)
{
    const char *c;

    if (t[0] != '{' || t[1] != '{')
        return 0;
    for (c = t + 2; (*c >= 'a' && *c <= 'z') || *c == '_'; c++)
        ;
    if (c == t + 2 || c[0] != '}' || c[1] != '}')
        return 0;
    *name = t + 2;
    return (apr_size_t)(c - t - 2);
}

static int name_index(const char *const *names, const char *n,
                      apr_size_t len)
{
    int i;

    for (i = 0; names[i] && i < JSZG_TPL_MAXVARS; i++)
        if (strlen(names[i]) == len && !memcmp(names[i], n, len))
            return i;
    return -1;
}

const char *jszg_tpl_check(apr_pool_t *p, const char *tpl,
                           const char *const *names)
{
    const char *t, *n;
    apr_size_t len;

    for (t = strstr(tpl, "{{"); t; t = strstr(t + 2, "{{")) {
        if (!(len = placeholder(t, &n)))
            return apr_psprintf(p, "malformed placeholder at '%.20s'", t);
        if (name_index(names, n, len) < 0)
            return apr_psprintf(p, "unknown placeholder {{%.*s}}",
                                (int)len, n);
    }
    return NULL;
}

char *jszg_tpl_fill(apr_pool_t *p, const char *tpl,
                    const char *const *names, const apr_int64_t *values)
{
    apr_size_t cap = strlen(tpl) + 1, used = 0;
    const char *t = tpl, *n;
    char *out;

    /* Each placeholder is at least 5 bytes and a number at most 20. */
    cap += (cap / 5 + 1) * 20;
    out = apr_palloc(p, cap);
    while (*t) {
        apr_size_t len = placeholder(t, &n);
        int i = len ? name_index(names, n, len) : -1;
        if (i >= 0) {
            used += (apr_size_t)apr_snprintf(out + used, cap - used,
                                             "%" APR_INT64_T_FMT,
                                             values[i]);
            t += len + 4;
        }
        else
            out[used++] = *t++;
    }
    out[used] = '\0';
    return out;
}
