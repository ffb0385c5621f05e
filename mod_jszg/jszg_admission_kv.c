/*
 * jszg_admission_kv.c -- the shared waiting-room queue over a key-value
 * store's single-key commands (jszg_kv_ops), one algorithm for Redis
 * (jszg_admission_redis.c) and memcached (jszg_admission_memcached.c),
 * and the parsing of JszgSharedQueue's URL.
 *
 * Neither client offers scripts or transactions (apr_redis: GET, SET,
 * SETEX, DEL, INCR, DECR; apr_memcache: get, set and add with an expiry,
 * delete, incr, decr), so the queue is built from single-key atomic steps,
 * the same on both stores:
 *   <p>:next      INCR issues ticket numbers (its value: the last issued)
 *   <p>:called    INCR claims the next ticket to call
 *   <p>:t:<seq>   "<seen> <gap>" while its holder is alive: written with a
 *                 time to live, so that its expiry *is* the abandonment
 *   <p>:u:<seq>   the ticket was used to come in (a copy is a replay)
 *   <p>:epoch     names this queue in signed tickets; a store that lost
 *                 its data gets a new one and old tickets go stale
 *   <p>:n:<node>  each front end's "in-flight max free second": its
 *                 numbers and the second it published them, expiring
 * Two front ends calling at once may move "called" one past the last
 * ticket: the next arrival is then called as it gets its ticket -- still
 * strictly in ticket order.
 */
#include "jszg_admission_backend.h"

#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_time.h>
#include <apr_general.h>

#define EPOCH_WAIT      apr_time_from_msec(5)
#define EPOCH_TRIES     40                      /* 200 ms for the claimer */
#define MAX_NODES       64

struct jszg_qb {
    const jszg_kv_ops *ops;
    void *conn;
    const char *prefix;
};

static const jszg_qb_provider *const providers[] = {
    &jszg_qb_redis, &jszg_qb_memcached, NULL
};

const char *jszg_qb_parse(apr_pool_t *p, const char *url,
                          const jszg_qb_provider **prov, jszg_qb_addr *addr)
{
    const jszg_qb_provider *pv = NULL;
    const char *h, *colon, *slash, *c;
    char *end;
    long v;
    int i;

    for (i = 0; providers[i]; i++)
        if (!strncasecmp(url, providers[i]->scheme,
                         strlen(providers[i]->scheme)))
            pv = providers[i];
    if (!pv)
        return "it must start with redis:// or memcached://";
    *prov = pv;
    h = url + strlen(pv->scheme);
    slash = strchr(h, '/');
    colon = strchr(h, ':');
    if (!colon || (slash && colon > slash) || colon == h)
        return apr_psprintf(p, "it needs a host and a port: %shost:port",
                            pv->scheme);
    for (c = h; c < colon; c++)
        if (!apr_isalnum(*c) && *c != '.' && *c != '-')
            return "the host is not a name or an IPv4 address";
    v = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || v < 1 || v > 65535 || (*end && *end != '/'))
        return "the port must be a number from 1 to 65535";
    addr->host = apr_pstrmemdup(p, h, (apr_size_t)(colon - h));
    addr->port = (apr_port_t)v;
    addr->prefix = "jszg";
    if (*end == '/' && end[1]) {
        for (c = end + 1; *c; c++)
            if (!apr_isalnum(*c) && *c != '-' && *c != '_')
                return "the name after the port may hold only letters, "
                       "digits, '-' and '_'";
        if (pv->max_name && strlen(end + 1) > pv->max_name)
            return apr_psprintf(p, "the name after the port may be at most "
                                "%" APR_SIZE_T_FMT " characters (%s keys "
                                "are at most 250 bytes)", pv->max_name,
                                pv->name);
        addr->prefix = apr_pstrcat(p, "jszg:", end + 1, NULL);
    }
    return NULL;
}

jszg_qb *jszg_kv_handle(apr_pool_t *p, const jszg_kv_ops *ops, void *conn,
                        const char *prefix)
{
    jszg_qb *qb = apr_pcalloc(p, sizeof(*qb));

    qb->ops = ops;
    qb->conn = conn;
    qb->prefix = apr_pstrdup(p, prefix);
    return qb;
}

/* ---- keys ------------------------------------------------------------- */

static const char *key(apr_pool_t *p, const jszg_qb *q, const char *name)
{
    return apr_pstrcat(p, q->prefix, ":", name, NULL);
}

static const char *tkey(apr_pool_t *p, const jszg_qb *q, char kind,
                        apr_uint64_t seq)
{
    return apr_psprintf(p, "%s:%c:%" APR_UINT64_T_FMT, q->prefix, kind, seq);
}

static apr_status_t get_u64(jszg_qb *q, apr_pool_t *p, const char *k,
                            apr_uint64_t *out)
{
    char *v;
    apr_status_t rv = q->ops->get(q->conn, p, k, &v);

    *out = 0;
    if (rv == APR_NOTFOUND)
        return APR_SUCCESS;
    if (rv == APR_SUCCESS)
        *out = apr_strtoi64(v, NULL, 10) > 0
               ? (apr_uint64_t)apr_strtoi64(v, NULL, 10) : 0;
    return rv;
}

/* ---- the queue -------------------------------------------------------- */

static apr_status_t epoch_new(jszg_qb *q, apr_pool_t *p, apr_uint64_t *epoch)
{
    char *v;

    if (apr_generate_random_bytes((unsigned char *)epoch, sizeof(*epoch))
        != APR_SUCCESS)
        *epoch = (apr_uint64_t)apr_time_now();
    v = apr_psprintf(p, "%016" APR_UINT64_T_HEX_FMT, *epoch);
    return q->ops->set(q->conn, key(p, q, "epoch"), v);
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
static apr_status_t get_epoch(jszg_qb *q, apr_pool_t *p, apr_uint64_t *epoch)
{
    const char *k = key(p, q, "epoch");
    apr_uint64_t claim;
    apr_status_t rv;
    char *v;
    int i;

    for (i = 0; i <= EPOCH_TRIES; i++) {
        rv = q->ops->get(q->conn, p, k, &v);
        if (rv == APR_SUCCESS && strlen(v) == 16 && (*epoch = hex64(v)))
            return APR_SUCCESS;
        if (rv != APR_SUCCESS && rv != APR_NOTFOUND)
            return rv;
        if (i == 0) {
            if ((rv = q->ops->incr(q->conn, key(p, q, "epoch-claim"),
                                   &claim)))
                return rv;
            if (claim == 1)
                return epoch_new(q, p, epoch);
        }
        apr_sleep(EPOCH_WAIT);
    }
    return epoch_new(q, p, epoch);
}

apr_status_t jszg_kv_join(jszg_qb *q, apr_pool_t *p, apr_uint64_t *epoch,
                          apr_uint32_t *node)
{
    apr_uint64_t n = 0;
    apr_status_t rv;

    if ((rv = q->ops->ping(q->conn)) != APR_SUCCESS
        || (rv = get_epoch(q, p, epoch)) != APR_SUCCESS)
        return rv;
    rv = q->ops->incr(q->conn, key(p, q, "nodes"), &n);
    *node = (apr_uint32_t)((n - 1) % MAX_NODES) + 1;
    return rv;
}

apr_status_t jszg_kv_head(jszg_qb *q, apr_pool_t *p, jszg_qb_head *h)
{
    apr_status_t rv;

    /* called first: a ticket issued in between is then seen as waiting,
     * never as called before its time */
    if ((rv = get_u64(q, p, key(p, q, "called"), &h->called)))
        return rv;
    return get_u64(q, p, key(p, q, "next"), &h->last);
}

/* "<seen> <gap>", kept while the holder is alive (see jszg_q_abandoned). */
static apr_status_t ticket_put(jszg_qb *q, apr_pool_t *p, apr_uint64_t seq,
                               apr_int64_t seen, apr_uint32_t gap,
                               const jszg_q_timing *t)
{
    apr_int64_t ttl = gap ? t->abandon : t->first_back;

    return q->ops->setex(q->conn, tkey(p, q, 't', seq),
                         apr_psprintf(p, "%" APR_INT64_T_FMT " %u", seen,
                                      gap),
                         (apr_uint32_t)ttl + 1);
}

static apr_status_t ticket_get(jszg_qb *q, apr_pool_t *p, apr_uint64_t seq,
                               apr_int64_t *seen, apr_uint32_t *gap)
{
    char *v, *sp;
    apr_status_t rv = q->ops->get(q->conn, p, tkey(p, q, 't', seq), &v);

    if (rv != APR_SUCCESS)
        return rv;
    *seen = apr_strtoi64(v, &sp, 10);
    *gap = (*sp == ' ') ? (apr_uint32_t)strtoul(sp + 1, NULL, 10) : 0;
    return APR_SUCCESS;
}

apr_status_t jszg_kv_arrive(jszg_qb *q, apr_int64_t now,
                            const jszg_q_timing *t, apr_uint64_t *seq)
{
    apr_pool_t *p;
    apr_status_t rv;

    apr_pool_create(&p, NULL);
    rv = q->ops->incr(q->conn, key(p, q, "next"), seq);
    if (rv == APR_SUCCESS)
        rv = ticket_put(q, p, *seq, now, 0, t);
    apr_pool_destroy(p);
    return rv;
}

/* The holder of a waiting ticket asked again. */
static apr_status_t touch(jszg_qb *q, apr_pool_t *p, apr_uint64_t seq,
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

apr_status_t jszg_kv_poll(jszg_qb *q, apr_pool_t *p, apr_uint64_t seq,
                          const jszg_qb_head *h, apr_int64_t now,
                          const jszg_q_timing *t, jszg_q_state *st)
{
    char *v;
    apr_status_t rv;

    if (seq == 0 || seq > h->last) {
        *st = JSZG_Q_UNKNOWN;
        return APR_SUCCESS;
    }
    rv = q->ops->get(q->conn, p, tkey(p, q, 'u', seq), &v);
    if (rv == APR_SUCCESS)
        *st = JSZG_Q_USED;
    else if (rv == APR_NOTFOUND)
        *st = seq <= h->called ? JSZG_Q_CALLED : JSZG_Q_WAITING;
    else
        return rv;
    if (*st == JSZG_Q_WAITING)
        return touch(q, p, seq, now, t);
    return APR_SUCCESS;
}

apr_status_t jszg_kv_call(jszg_qb *q, apr_pool_t *p, apr_int64_t now,
                          const jszg_q_timing *t, apr_uint32_t max_skip,
                          jszg_qb_head *h, apr_uint64_t *seq,
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
        if ((rv = q->ops->incr(q->conn, k, &c)))
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

apr_status_t jszg_kv_admit(jszg_qb *q, apr_uint64_t seq, apr_uint32_t ttl)
{
    apr_pool_t *p;
    apr_status_t rv;

    apr_pool_create(&p, NULL);
    /* "used" first: a copy checked in between is already refused */
    rv = q->ops->setex(q->conn, tkey(p, q, 'u', seq), "1", ttl);
    if (rv == APR_SUCCESS)
        rv = q->ops->del(q->conn, tkey(p, q, 't', seq));
    apr_pool_destroy(p);
    return rv;
}

apr_status_t jszg_kv_publish(jszg_qb *q, apr_uint32_t node,
                             apr_uint32_t in_flight, apr_uint32_t max,
                             apr_uint32_t free, apr_int64_t now,
                             apr_uint32_t ttl)
{
    apr_pool_t *p;
    apr_status_t rv;

    apr_pool_create(&p, NULL);
    rv = q->ops->setex(q->conn, apr_psprintf(p, "%s:n:%u", q->prefix, node),
                       apr_psprintf(p, "%u %u %u %" APR_INT64_T_FMT,
                                    in_flight, max, free, now),
                       ttl);
    apr_pool_destroy(p);
    return rv;
}

apr_status_t jszg_kv_cluster(jszg_qb *q, apr_pool_t *p, apr_uint32_t skip,
                             apr_int64_t now, jszg_qb_cluster *c)
{
    apr_uint64_t n;
    apr_uint32_t i;
    apr_status_t rv;

    memset(c, 0, sizeof(*c));
    if ((rv = get_u64(q, p, key(p, q, "nodes"), &n)))
        return rv;
    for (i = 1; i <= n && i <= MAX_NODES; i++) {
        char *v, *sp;
        apr_uint32_t room;
        apr_int64_t at;

        if (i == skip)
            continue;
        rv = q->ops->get(q->conn, p,
                         apr_psprintf(p, "%s:n:%u", q->prefix, i), &v);
        if (rv == APR_NOTFOUND)
            continue;
        if (rv != APR_SUCCESS)
            return rv;
        c->nodes++;
        c->in_flight += (apr_uint32_t)strtoul(v, &sp, 10);
        c->max += (apr_uint32_t)strtoul(sp, &sp, 10);
        room = (apr_uint32_t)strtoul(sp, &sp, 10);
        at = apr_strtoi64(sp, NULL, 10);
        /* room is counted only while it is news */
        if (at <= now && at + JSZG_QB_FRESH >= now)
            c->free += room;
    }
    return APR_SUCCESS;
}
