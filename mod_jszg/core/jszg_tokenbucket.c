/*
 * jszg_tokenbucket.c -- token bucket arithmetic and the per-client table.
 *
 * Integer arithmetic only (micro-tokens, microseconds): the same answers
 * in every process, no floating point state in shared memory.
 */
#include "jszg_tokenbucket.h"

#include <string.h>
#include <arpa/inet.h>

static apr_int64_t tb_cap(const jszg_tb_conf *c)
{
    return c->burst * JSZG_TB_UNIT;
}

void jszg_tb_init(jszg_tb *b, const jszg_tb_conf *c, apr_time_t now)
{
    b->level = tb_cap(c);
    b->last = now;
}

void jszg_tb_refill(jszg_tb *b, const jszg_tb_conf *c, apr_time_t now)
{
    apr_int64_t cap = tb_cap(c), need_us;
    apr_interval_time_t elapsed;

    if (now <= b->last)
        return;
    elapsed = now - b->last;
    b->last = now;
    if (b->level >= cap) {
        b->level = cap;
        return;
    }
    /* Time to fill up completely; beyond it the product below could
     * overflow, and the answer is "full" anyway. */
    need_us = (cap - b->level) * 1000 / c->rate_milli + 1;
    if (elapsed >= need_us)
        b->level = cap;
    else
        b->level += elapsed * c->rate_milli / 1000;
    if (b->level > cap)
        b->level = cap;
}

int jszg_tb_ready(jszg_tb *b, const jszg_tb_conf *c, apr_time_t now)
{
    jszg_tb_refill(b, c, now);
    return b->level >= JSZG_TB_UNIT;
}

int jszg_tb_take(jszg_tb *b, const jszg_tb_conf *c, apr_time_t now,
                 int force, apr_interval_time_t *wait)
{
    jszg_tb_refill(b, c, now);
    if (b->level >= JSZG_TB_UNIT || force) {
        b->level -= JSZG_TB_UNIT;
        if (b->level < -tb_cap(c))
            b->level = -tb_cap(c);
        if (wait)
            *wait = 0;
        return 1;
    }
    if (wait) {
        apr_int64_t missing = JSZG_TB_UNIT - b->level;
        *wait = (missing * 1000 + c->rate_milli - 1) / c->rate_milli;
    }
    return 0;
}

void jszg_tb_refund(jszg_tb *b, const jszg_tb_conf *c)
{
    b->level += JSZG_TB_UNIT;
    if (b->level > tb_cap(c))
        b->level = tb_cap(c);
}

int jszg_tb_parse_rate(const char *s, apr_int64_t *milli)
{
    apr_int64_t whole = 0, frac = 0;
    int nwhole = 0, nfrac = 0;

    if (!s)
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (++nwhole > 7)
            return -1;
        whole = whole * 10 + (*s - '0');
    }
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++) {
            if (++nfrac > 3)
                return -1;
            frac = frac * 10 + (*s - '0');
        }
        if (!nfrac)
            return -1;
    }
    if (*s || !nwhole)
        return -1;
    for (; nfrac < 3; nfrac++)
        frac *= 10;
    whole = whole * 1000 + frac;
    if (whole < 1 || whole > APR_INT64_C(1000000000))
        return -1;
    *milli = whole;
    return 0;
}

/* ---- the per-client table -------------------------------------------- */

static apr_uint32_t pow2_at_least(apr_uint32_t n)
{
    apr_uint32_t p = 16;

    while (p < n && p < (1u << 30))
        p <<= 1;
    return p;
}

apr_size_t jszg_tb_table_size(apr_uint32_t nslots)
{
    return sizeof(jszg_tb_table)
           + (pow2_at_least(nslots) - 1) * sizeof(jszg_tb_slot);
}

void jszg_tb_table_init(jszg_tb_table *t, apr_uint32_t nslots,
                        apr_uint32_t salt)
{
    apr_uint32_t n = pow2_at_least(nslots);

    memset(t, 0, jszg_tb_table_size(n));
    t->nslots = n;
    t->salt = salt;
}

/* FNV-1a, seeded with the table's salt. */
static apr_uint32_t key_hash(const jszg_tb_table *t, const unsigned char *k)
{
    apr_uint32_t h = 2166136261u ^ t->salt;
    int i;

    for (i = 0; i < JSZG_TB_KEYLEN; i++) {
        h ^= k[i];
        h *= 16777619u;
    }
    return h;
}

static jszg_tb_slot *table_find(jszg_tb_table *t, const unsigned char *key,
                                const jszg_tb_conf *c, apr_time_t now)
{
    apr_uint32_t h = key_hash(t, key), i;
    jszg_tb_slot *free_slot = NULL, *oldest = NULL, *s;

    for (i = 0; i < JSZG_TB_PROBE; i++) {
        s = &t->slots[(h + i) & (t->nslots - 1)];
        if (s->used && !memcmp(s->key, key, JSZG_TB_KEYLEN))
            return s;
        if (!s->used) {
            if (!free_slot)
                free_slot = s;
        }
        else if (!oldest || s->tb.last < oldest->tb.last)
            oldest = s;
    }
    s = free_slot;
    if (!s) {
        /* A bucket that refilled completely since its last use is the
         * same as no bucket: only a partly empty one is a real loss. */
        s = oldest;
        jszg_tb_refill(&s->tb, c, now);
        if (s->tb.level < tb_cap(c))
            t->evictions++;
    }
    memcpy(s->key, key, JSZG_TB_KEYLEN);
    s->used = 1;
    jszg_tb_init(&s->tb, c, now);
    return s;
}

int jszg_tb_table_take(jszg_tb_table *t, const unsigned char *key,
                       const jszg_tb_conf *c, apr_time_t now, int force,
                       apr_interval_time_t *wait)
{
    return jszg_tb_take(&table_find(t, key, c, now)->tb, c, now, force,
                        wait);
}

apr_uint32_t jszg_tb_table_limited(const jszg_tb_table *t,
                                   const jszg_tb_conf *c, apr_time_t now)
{
    apr_uint32_t i, n = 0;

    for (i = 0; i < t->nslots; i++) {
        jszg_tb b = t->slots[i].tb;
        if (t->slots[i].used && !jszg_tb_ready(&b, c, now))
            n++;
    }
    return n;
}

int jszg_tb_key_from_ip(const char *ip, unsigned char *key)
{
    static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
                                                0, 0, 0xff, 0xff };
    unsigned char a[16];

    if (!ip)
        return -1;
    memset(key, 0, JSZG_TB_KEYLEN);
    if (inet_pton(AF_INET, ip, a) == 1) {
        memcpy(key, v4mapped, sizeof(v4mapped));
        memcpy(key + 12, a, 4);
        return 0;
    }
    if (inet_pton(AF_INET6, ip, a) != 1)
        return -1;
    if (!memcmp(a, v4mapped, sizeof(v4mapped)))
        memcpy(key, a, 16);     /* an IPv4 client seen through IPv6 */
    else
        memcpy(key, a, 8);      /* the /64 */
    return 0;
}
