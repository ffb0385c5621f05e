/*
 * jszg_admission_redis.c -- the shared waiting-room queue on Redis through
 * apr_redis, or on memcached through apr_memcache (see
 * jszg_admission_redis.h for the keys).  One queue algorithm; only the
 * single-key primitives below (rq_get, rq_set, rq_setex, rq_incr, rq_del,
 * jszg_rq_ping) know which store they talk to.
 *
 * Both clients answer APR_NOTFOUND both for a missing key and when they
 * have marked the server dead; the primitives tell them apart by the
 * server's status, so that "abandoned ticket" never hides "the store is
 * down".  memcached's differences:
 *   - incr of a missing key is NOT_FOUND (Redis starts it at 0): rq_incr
 *     creates it with add "0" (whoever adds first wins, "already exists"
 *     is fine) and increments again;
 *   - an expiry over 30 days would be read as a date: rq_setex caps it;
 *   - PING is "version", which leaves a server marked dead as it is
 *     (apr_memcache retries one by itself only after 5 s): jszg_rq_ping
 *     enables it;
 *   - apr_memcache (apr-util 1.6) gives a connect 1 s but then waits for
 *     an answer without a limit, where apr_redis gives up after
 *     RW_TIMEOUT: a memcached that stops or refuses is noticed at once,
 *     one that hangs with connections open holds the requests asking it.
 */
#include "jszg_admission_redis.h"

#include <stdlib.h>
#include <string.h>
#include <apr_redis.h>
#include <apr_memcache.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_time.h>
#include <apr_general.h>

#define CONN_TTL        apr_time_from_sec(60)   /* idle connection kept */
#define RW_TIMEOUT      1                       /* seconds per command */
#define EPOCH_WAIT      apr_time_from_msec(5)
#define EPOCH_TRIES     40                      /* 200 ms for the claimer */
#define MAX_NODES       64
#define MC_MAX_TTL      (30 * 24 * 3600)        /* memcached: beyond, a date */
#define MC_MAX_NAME     200     /* "jszg:<name>:t:<seq>" and the like stay
                                   under memcached's 250-byte keys */

struct jszg_rq {
    jszg_rq_kind kind;
    apr_redis_t *rc;                /* JSZG_RQ_REDIS */
    apr_redis_server_t *rs;
    apr_memcache_t *mc;             /* JSZG_RQ_MEMCACHED */
    apr_memcache_server_t *ms;
    const char *prefix;
};

static const struct {
    const char *scheme;
    jszg_rq_kind kind;
} schemes[] = {
    { "redis://", JSZG_RQ_REDIS },
    { "memcached://", JSZG_RQ_MEMCACHED },
};

const char *jszg_rq_kind_name(jszg_rq_kind kind)
{
    return kind == JSZG_RQ_MEMCACHED ? "memcached" : "redis";
}

const char *jszg_rq_parse(apr_pool_t *p, const char *url, jszg_rq_kind *kind,
                          const char **host, apr_port_t *port,
                          const char **prefix)
{
    const apr_size_t nschemes = sizeof(schemes) / sizeof(schemes[0]);
    const char *h, *colon, *slash, *c;
    char *end;
    long v;
    apr_size_t i;

    for (i = 0; i < nschemes; i++)
        if (!strncasecmp(url, schemes[i].scheme, strlen(schemes[i].scheme)))
            break;
    if (i == nschemes)
        return "it must start with redis:// or memcached://";
    *kind = schemes[i].kind;
    h = url + strlen(schemes[i].scheme);
    slash = strchr(h, '/');
    colon = strchr(h, ':');
    if (!colon || (slash && colon > slash) || colon == h)
        return apr_psprintf(p, "it needs a host and a port: %shost:port",
                            schemes[i].scheme);
    for (c = h; c < colon; c++)
        if (!apr_isalnum(*c) && *c != '.' && *c != '-')
            return "the host is not a name or an IPv4 address";
    v = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || v < 1 || v > 65535 || (*end && *end != '/'))
        return "the port must be a number from 1 to 65535";
    *host = apr_pstrmemdup(p, h, (apr_size_t)(colon - h));
    *port = (apr_port_t)v;
    *prefix = "jszg";
    if (*end == '/' && end[1]) {
        for (c = end + 1; *c; c++)
            if (!apr_isalnum(*c) && *c != '-' && *c != '_')
                return "the name after the port may hold only letters, "
                       "digits, '-' and '_'";
        if (*kind == JSZG_RQ_MEMCACHED && strlen(end + 1) > MC_MAX_NAME)
            return apr_psprintf(p, "the name after the port may be at most "
                                "%d characters (memcached keys are at most "
                                "250 bytes)", MC_MAX_NAME);
        *prefix = apr_pstrcat(p, "jszg:", end + 1, NULL);
    }
    return NULL;
}

apr_status_t jszg_rq_open(apr_pool_t *p, jszg_rq_kind kind, const char *host,
                          apr_port_t port, const char *prefix, int max_conns,
                          jszg_rq **out)
{
    jszg_rq *q = apr_pcalloc(p, sizeof(*q));
    apr_status_t rv;

    if (max_conns < 1)
        max_conns = 1;
    q->kind = kind;
    q->prefix = apr_pstrdup(p, prefix);
    if (kind == JSZG_RQ_MEMCACHED) {
        /* no connection made now: min 0 (no RW_TIMEOUT: see above) */
        if ((rv = apr_memcache_create(p, 1, 0, &q->mc)) != APR_SUCCESS
            || (rv = apr_memcache_server_create(p, host, port, 0, 1,
                                                (apr_uint32_t)max_conns,
                                                (apr_uint32_t)CONN_TTL,
                                                &q->ms)) != APR_SUCCESS
            || (rv = apr_memcache_add_server(q->mc, q->ms)) != APR_SUCCESS)
            return rv;
        *out = q;
        return APR_SUCCESS;
    }
    if ((rv = apr_redis_create(p, 1, 0, &q->rc)) != APR_SUCCESS)
        return rv;
    /* no connection made now: min 0 */
    rv = apr_redis_server_create(p, host, port, 0, 1, (apr_uint32_t)max_conns,
                                 (apr_uint32_t)CONN_TTL, RW_TIMEOUT, &q->rs);
    if (rv != APR_SUCCESS)
        return rv;
    if ((rv = apr_redis_add_server(q->rc, q->rs)) != APR_SUCCESS)
        return rv;
    *out = q;
    return APR_SUCCESS;
}

/* ---- single commands -------------------------------------------------- */

static const char *key(apr_pool_t *p, const jszg_rq *q, const char *name)
{
    return apr_pstrcat(p, q->prefix, ":", name, NULL);
}

static const char *tkey(apr_pool_t *p, const jszg_rq *q, char kind,
                        apr_uint64_t seq)
{
    return apr_psprintf(p, "%s:%c:%" APR_UINT64_T_FMT, q->prefix, kind, seq);
}

static int live(const jszg_rq *q)
{
    if (q->kind == JSZG_RQ_MEMCACHED)
        return q->ms->status == APR_MC_SERVER_LIVE;
    return q->rs->status == APR_RC_SERVER_LIVE;
}

/* APR_NOTFOUND from a command that has no "missing key" answer: the
 * client found no live server. */
static apr_status_t down_if_notfound(apr_status_t rv)
{
    return rv == APR_NOTFOUND ? JSZG_RQ_DOWN : rv;
}

/* APR_SUCCESS, APR_NOTFOUND (no such key) or an error. */
static apr_status_t rq_get(jszg_rq *q, apr_pool_t *p, const char *k,
                           char **v)
{
    apr_size_t len = 0;
    apr_status_t rv = q->kind == JSZG_RQ_MEMCACHED
        ? apr_memcache_getp(q->mc, p, k, v, &len, NULL)
        : apr_redis_getp(q->rc, p, k, v, &len, NULL);

    if (rv == APR_NOTFOUND && !live(q))
        return JSZG_RQ_DOWN;
    if (rv == APR_SUCCESS && !*v)
        *v = "";
    return rv;
}

static apr_status_t rq_get_u64(jszg_rq *q, apr_pool_t *p, const char *k,
                               apr_uint64_t *out)
{
    char *v;
    apr_status_t rv = rq_get(q, p, k, &v);

    *out = 0;
    if (rv == APR_NOTFOUND)
        return APR_SUCCESS;
    if (rv == APR_SUCCESS)
        *out = apr_strtoi64(v, NULL, 10) > 0
               ? (apr_uint64_t)apr_strtoi64(v, NULL, 10) : 0;
    return rv;
}

/* SET without expiry. */
static apr_status_t rq_set(jszg_rq *q, const char *k, const char *v)
{
    if (q->kind == JSZG_RQ_MEMCACHED)
        return down_if_notfound(apr_memcache_set(q->mc, k, (char *)v,
                                                 strlen(v), 0, 0));
    return down_if_notfound(apr_redis_set(q->rc, k, (char *)v, strlen(v), 0));
}

/* SET with a time to live (ttl > 0). */
static apr_status_t rq_setex(jszg_rq *q, const char *k, const char *v,
                             apr_uint32_t ttl)
{
    if (q->kind == JSZG_RQ_MEMCACHED)
        return down_if_notfound(apr_memcache_set(
            q->mc, k, (char *)v, strlen(v),
            ttl > MC_MAX_TTL ? MC_MAX_TTL : ttl, 0));
    return down_if_notfound(apr_redis_setex(q->rc, k, (char *)v, strlen(v),
                                            ttl, 0));
}

/*
 * memcached's incr answers NOT_FOUND for a missing key, where Redis
 * starts from 0: add it as "0" (no expiry; EEXIST: another front end was
 * first, as good) and increment again.  A counter that vanishes between
 * the two (flush_all, eviction) is an error, never a silent restart.
 */
static apr_status_t mc_incr(jszg_rq *q, const char *k, apr_uint32_t *n)
{
    apr_status_t rv = apr_memcache_incr(q->mc, k, 1, n);

    if (rv == APR_NOTFOUND) {
        if (!live(q))
            return JSZG_RQ_DOWN;
        rv = apr_memcache_add(q->mc, k, "0", 1, 0, 0);
        if (rv != APR_SUCCESS && rv != APR_EEXIST)
            return down_if_notfound(rv);
        rv = apr_memcache_incr(q->mc, k, 1, n);
        if (rv == APR_NOTFOUND)
            return live(q) ? APR_EGENERAL : JSZG_RQ_DOWN;
    }
    /* apr_memcache reads any answer but ERROR and NOT_FOUND as a number:
     * CLIENT_ERROR / SERVER_ERROR come back as 0, never a real result */
    if (rv == APR_SUCCESS && *n == 0)
        return APR_EGENERAL;
    return rv;
}

static apr_status_t rq_incr(jszg_rq *q, const char *k, apr_uint64_t *out)
{
    apr_uint32_t n = 0;
    apr_status_t rv = q->kind == JSZG_RQ_MEMCACHED
        ? mc_incr(q, k, &n)
        : down_if_notfound(apr_redis_incr(q->rc, k, 1, &n));

    *out = n;
    return rv;
}

/* DEL; a key already gone is no error. */
static apr_status_t rq_del(jszg_rq *q, const char *k)
{
    apr_status_t rv = q->kind == JSZG_RQ_MEMCACHED
        ? apr_memcache_delete(q->mc, k, 0)
        : apr_redis_delete(q->rc, k, 0);

    if (rv == APR_NOTFOUND)
        rv = live(q) ? APR_SUCCESS : JSZG_RQ_DOWN;
    return rv;
}

/* ---- the queue -------------------------------------------------------- */

apr_status_t jszg_rq_ping(jszg_rq *q)
{
    apr_status_t rv;

    if (q->kind == JSZG_RQ_MEMCACHED) {
        apr_pool_t *p;
        char *version;

        apr_pool_create(&p, NULL);
        rv = apr_memcache_version(q->ms, p, &version);
        apr_pool_destroy(p);
        if (rv == APR_SUCCESS)
            apr_memcache_enable_server(q->mc, q->ms);
        return rv;
    }
    rv = apr_redis_ping(q->rs);
    if (rv == APR_SUCCESS)
        apr_redis_enable_server(q->rc, q->rs);
    return rv;
}

static apr_status_t epoch_new(jszg_rq *q, apr_pool_t *p, apr_uint64_t *epoch)
{
    char *v;

    if (apr_generate_random_bytes((unsigned char *)epoch, sizeof(*epoch))
        != APR_SUCCESS)
        *epoch = (apr_uint64_t)apr_time_now();
    v = apr_psprintf(p, "%016" APR_UINT64_T_HEX_FMT, *epoch);
    return rq_set(q, key(p, q, "epoch"), v);
}

static apr_uint64_t hex64(const char *v)
{
    apr_uint64_t n = 0;

    for (; *v; v++) {
        int d = apr_isdigit(*v) ? *v - '0'
                : (*v >= 'a' && *v <= 'f') ? *v - 'a' + 10 : -1;
        if (d < 0)
            return 0;
        n = (n << 4) | (apr_uint64_t)d;
    }
    return n;
}

/*
 * The first front end to find no epoch claims the right to make one
 * (INCR answers 1 to exactly one of them); the others wait for it.  A
 * claimer that died before writing it is replaced after EPOCH_TRIES.
 */
apr_status_t jszg_rq_epoch(jszg_rq *q, apr_pool_t *p, apr_uint64_t *epoch)
{
    const char *k = key(p, q, "epoch");
    apr_uint64_t claim;
    apr_status_t rv;
    char *v;
    int i;

    for (i = 0; i <= EPOCH_TRIES; i++) {
        rv = rq_get(q, p, k, &v);
        if (rv == APR_SUCCESS && strlen(v) == 16 && (*epoch = hex64(v)))
            return APR_SUCCESS;
        if (rv != APR_SUCCESS && rv != APR_NOTFOUND)
            return rv;
        if (i == 0) {
            if ((rv = rq_incr(q, key(p, q, "epoch-claim"), &claim)))
                return rv;
            if (claim == 1)
                return epoch_new(q, p, epoch);
        }
        apr_sleep(EPOCH_WAIT);
    }
    return epoch_new(q, p, epoch);
}

apr_status_t jszg_rq_node(jszg_rq *q, apr_uint32_t *node)
{
    apr_pool_t *p;
    apr_uint64_t n = 0;
    apr_status_t rv;

    apr_pool_create(&p, NULL);
    rv = rq_incr(q, key(p, q, "nodes"), &n);
    apr_pool_destroy(p);
    *node = (apr_uint32_t)((n - 1) % MAX_NODES) + 1;
    return rv;
}

apr_status_t jszg_rq_head_get(jszg_rq *q, apr_pool_t *p, jszg_rq_head *h)
{
    apr_status_t rv;

    /* called first: a ticket issued in between is then seen as waiting,
     * never as called before its time */
    if ((rv = rq_get_u64(q, p, key(p, q, "called"), &h->called)))
        return rv;
    return rq_get_u64(q, p, key(p, q, "next"), &h->last);
}

/* "<seen> <gap>", kept while the holder is alive (see jszg_q_abandoned). */
static apr_status_t ticket_put(jszg_rq *q, apr_pool_t *p, apr_uint64_t seq,
                               apr_int64_t seen, apr_uint32_t gap,
                               const jszg_q_timing *t)
{
    apr_int64_t ttl = gap ? t->abandon : t->first_back;

    return rq_setex(q, tkey(p, q, 't', seq),
                    apr_psprintf(p, "%" APR_INT64_T_FMT " %u", seen, gap),
                    (apr_uint32_t)ttl + 1);
}

static apr_status_t ticket_get(jszg_rq *q, apr_pool_t *p, apr_uint64_t seq,
                               apr_int64_t *seen, apr_uint32_t *gap)
{
    char *v, *sp;
    apr_status_t rv = rq_get(q, p, tkey(p, q, 't', seq), &v);

    if (rv != APR_SUCCESS)
        return rv;
    *seen = apr_strtoi64(v, &sp, 10);
    *gap = (*sp == ' ') ? (apr_uint32_t)strtoul(sp + 1, NULL, 10) : 0;
    return APR_SUCCESS;
}

apr_status_t jszg_rq_issue(jszg_rq *q, apr_int64_t now,
                           const jszg_q_timing *t, apr_uint64_t *seq)
{
    apr_pool_t *p;
    apr_status_t rv;

    apr_pool_create(&p, NULL);
    rv = rq_incr(q, key(p, q, "next"), seq);
    if (rv == APR_SUCCESS)
        rv = ticket_put(q, p, *seq, now, 0, t);
    apr_pool_destroy(p);
    return rv;
}

apr_status_t jszg_rq_state(jszg_rq *q, apr_pool_t *p, apr_uint64_t seq,
                           const jszg_rq_head *h, jszg_q_state *st)
{
    char *v;
    apr_status_t rv;

    if (seq == 0 || seq > h->last) {
        *st = JSZG_Q_UNKNOWN;
        return APR_SUCCESS;
    }
    rv = rq_get(q, p, tkey(p, q, 'u', seq), &v);
    if (rv == APR_SUCCESS)
        *st = JSZG_Q_USED;
    else if (rv == APR_NOTFOUND)
        *st = seq <= h->called ? JSZG_Q_CALLED : JSZG_Q_WAITING;
    else
        return rv;
    return APR_SUCCESS;
}

apr_status_t jszg_rq_touch(jszg_rq *q, apr_pool_t *p, apr_uint64_t seq,
                           apr_int64_t now, const jszg_q_timing *t)
{
    apr_int64_t seen = now;
    apr_uint32_t gap = 0;
    apr_status_t rv = ticket_get(q, p, seq, &seen, &gap);

    if (rv != APR_SUCCESS && rv != APR_NOTFOUND)
        return rv;
    if (rv == APR_SUCCESS && now <= seen)
        return APR_SUCCESS;     /* same second: nothing new */
    /* gone (abandoned, not yet skipped) and back: alive again */
    if (rv == APR_SUCCESS)
        gap = jszg_q_gap_update(gap, now - seen);
    else if (!gap)
        gap = (apr_uint32_t)t->poll;
    return ticket_put(q, p, seq, now, gap, t);
}

apr_status_t jszg_rq_call(jszg_rq *q, apr_pool_t *p, apr_int64_t now,
                          const jszg_q_timing *t, apr_uint32_t max_skip,
                          jszg_rq_head *h, apr_uint64_t *seq,
                          apr_int64_t *until)
{
    const char *k = key(p, q, "called");
    apr_uint32_t skipped;
    apr_status_t rv;

    for (skipped = 0; skipped <= max_skip; skipped++) {
        apr_int64_t seen;
        apr_uint32_t gap;
        apr_uint64_t c;

        if (h->called >= h->last)
            return APR_NOTFOUND;
        if ((rv = rq_incr(q, k, &c)))
            return rv;
        h->called = c;
        if (c > h->last) {
            /* someone else called the last one: c is called in advance */
            return APR_NOTFOUND;
        }
        rv = ticket_get(q, p, c, &seen, &gap);
        if (rv == APR_NOTFOUND)
            continue;           /* abandoned: its key expired */
        if (rv != APR_SUCCESS)
            return rv;
        *seq = c;
        *until = jszg_q_hold_until(t, now, seen, gap);
        return APR_SUCCESS;
    }
    return APR_NOTFOUND;
}

apr_status_t jszg_rq_consume(jszg_rq *q, apr_uint64_t seq, apr_uint32_t ttl)
{
    apr_pool_t *p;
    apr_status_t rv;

    apr_pool_create(&p, NULL);
    /* "used" first: a copy checked in between is already refused */
    rv = rq_setex(q, tkey(p, q, 'u', seq), "1", ttl);
    if (rv == APR_SUCCESS)
        rv = rq_del(q, tkey(p, q, 't', seq));
    apr_pool_destroy(p);
    return rv;
}

apr_status_t jszg_rq_publish(jszg_rq *q, apr_uint32_t node,
                             apr_uint32_t in_flight, apr_uint32_t max,
                             apr_uint32_t ttl)
{
    apr_pool_t *p;
    apr_status_t rv;

    apr_pool_create(&p, NULL);
    rv = rq_setex(q, apr_psprintf(p, "%s:n:%u", q->prefix, node),
                  apr_psprintf(p, "%u %u", in_flight, max), ttl);
    apr_pool_destroy(p);
    return rv;
}

apr_status_t jszg_rq_cluster(jszg_rq *q, apr_pool_t *p, apr_uint32_t *nodes,
                             apr_uint32_t *in_flight, apr_uint32_t *max)
{
    apr_uint64_t n;
    apr_uint32_t i;
    apr_status_t rv;

    *nodes = *in_flight = *max = 0;
    if ((rv = rq_get_u64(q, p, key(p, q, "nodes"), &n)))
        return rv;
    for (i = 1; i <= n && i <= MAX_NODES; i++) {
        char *v, *sp;
        rv = rq_get(q, p, apr_psprintf(p, "%s:n:%u", q->prefix, i), &v);
        if (rv == APR_NOTFOUND)
            continue;
        if (rv != APR_SUCCESS)
            return rv;
        (*nodes)++;
        *in_flight += (apr_uint32_t)strtoul(v, &sp, 10);
        *max += (apr_uint32_t)strtoul(sp, NULL, 10);
    }
    return APR_SUCCESS;
}
