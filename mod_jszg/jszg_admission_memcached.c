/*
 * jszg_admission_memcached.c -- the shared waiting-room queue on memcached
 * through apr-util's apr_memcache: the single-key commands of jszg_kv_ops
 * (the queue itself is jszg_admission_kv.c) and the provider for
 * memcached:// URLs.
 *
 * apr_memcache answers APR_NOTFOUND both for a missing key and when it
 * has marked the server dead; the commands tell them apart by the
 * server's status.  memcached's differences from Redis:
 *   - incr of a missing key is NOT_FOUND (Redis starts it at 0): mc_incr
 *     creates it with add "0" (whoever adds first wins, "already exists"
 *     is fine) and increments again;
 *   - an expiry over 30 days would be read as a date: mc_setex caps it;
 *   - PING is "version", which leaves a server marked dead as it is
 *     (apr_memcache retries one by itself only after 5 s): mc_ping
 *     enables it;
 *   - apr_memcache (apr-util 1.6) gives a connect 1 s but then waits for
 *     an answer without a limit, where apr_redis gives up after 1 s: a
 *     memcached that stops or refuses is noticed at once, one that hangs
 *     with connections open holds the requests asking it.
 */
#include "jszg_admission_backend.h"

#include <string.h>
#include <apr_memcache.h>
#include <apr_strings.h>

#define CONN_TTL        apr_time_from_sec(60)   /* idle connection kept */
#define MC_MAX_TTL      (30 * 24 * 3600)        /* beyond, a date */
#define MC_MAX_NAME     200     /* "jszg:<name>:t:<seq>" and the like stay
                                   under memcached's 250-byte keys */

typedef struct {
    apr_memcache_t *mc;
    apr_memcache_server_t *ms;
} mc_conn;

static int live(const mc_conn *c)
{
    return c->ms->status == APR_MC_SERVER_LIVE;
}

static apr_status_t down_if_notfound(apr_status_t rv)
{
    return rv == APR_NOTFOUND ? JSZG_QB_DOWN : rv;
}

static apr_status_t mc_get(void *conn, apr_pool_t *p, const char *k, char **v)
{
    mc_conn *c = conn;
    apr_size_t len = 0;
    apr_status_t rv = apr_memcache_getp(c->mc, p, k, v, &len, NULL);

    if (rv == APR_NOTFOUND && !live(c))
        return JSZG_QB_DOWN;
    if (rv == APR_SUCCESS && !*v)
        *v = "";
    return rv;
}

static apr_status_t mc_set(void *conn, const char *k, const char *v)
{
    mc_conn *c = conn;

    return down_if_notfound(apr_memcache_set(c->mc, k, (char *)v, strlen(v),
                                             0, 0));
}

static apr_status_t mc_setex(void *conn, const char *k, const char *v,
                             apr_uint32_t ttl)
{
    mc_conn *c = conn;

    return down_if_notfound(apr_memcache_set(
        c->mc, k, (char *)v, strlen(v), ttl > MC_MAX_TTL ? MC_MAX_TTL : ttl,
        0));
}

/*
 * memcached's incr answers NOT_FOUND for a missing key, where Redis
 * starts from 0: add it as "0" (no expiry; EEXIST: another front end was
 * first, as good) and increment again.  A counter that vanishes between
 * the two (flush_all, eviction) is an error, never a silent restart.
 */
static apr_status_t mc_incr(void *conn, const char *k, apr_uint64_t *out)
{
    mc_conn *c = conn;
    apr_uint32_t n = 0;
    apr_status_t rv = apr_memcache_incr(c->mc, k, 1, &n);

    *out = 0;
    if (rv == APR_NOTFOUND) {
        if (!live(c))
            return JSZG_QB_DOWN;
        rv = apr_memcache_add(c->mc, k, "0", 1, 0, 0);
        if (rv != APR_SUCCESS && rv != APR_EEXIST)
            return down_if_notfound(rv);
        rv = apr_memcache_incr(c->mc, k, 1, &n);
        if (rv == APR_NOTFOUND)
            return live(c) ? APR_EGENERAL : JSZG_QB_DOWN;
    }
    /* apr_memcache reads any answer but ERROR and NOT_FOUND as a number:
     * CLIENT_ERROR / SERVER_ERROR come back as 0, never a real result */
    if (rv == APR_SUCCESS && n == 0)
        return APR_EGENERAL;
    *out = n;
    return rv;
}

static apr_status_t mc_del(void *conn, const char *k)
{
    mc_conn *c = conn;
    apr_status_t rv = apr_memcache_delete(c->mc, k, 0);

    if (rv == APR_NOTFOUND)
        rv = live(c) ? APR_SUCCESS : JSZG_QB_DOWN;
    return rv;
}

static apr_status_t mc_ping(void *conn)
{
    mc_conn *c = conn;
    apr_pool_t *p;
    apr_status_t rv;
    char *version;

    apr_pool_create(&p, NULL);
    rv = apr_memcache_version(c->ms, p, &version);
    apr_pool_destroy(p);
    if (rv == APR_SUCCESS)
        apr_memcache_enable_server(c->mc, c->ms);
    return rv;
}

static const jszg_kv_ops mc_ops = {
    mc_get, mc_set, mc_setex, mc_incr, mc_del, mc_ping
};

static apr_status_t mc_open(apr_pool_t *p, const jszg_qb_addr *a,
                            int max_conns, void *local, jszg_qb **out)
{
    mc_conn *c = apr_pcalloc(p, sizeof(*c));
    apr_status_t rv;

    (void)local;
    if (max_conns < 1)
        max_conns = 1;
    /* no connection made now: min 0 (no read timeout: see above) */
    if ((rv = apr_memcache_create(p, 1, 0, &c->mc)) != APR_SUCCESS
        || (rv = apr_memcache_server_create(p, a->host, a->port, 0, 1,
                                            (apr_uint32_t)max_conns,
                                            (apr_uint32_t)CONN_TTL,
                                            &c->ms)) != APR_SUCCESS
        || (rv = apr_memcache_add_server(c->mc, c->ms)) != APR_SUCCESS)
        return rv;
    *out = jszg_kv_handle(p, &mc_ops, c, a->prefix);
    return APR_SUCCESS;
}

const jszg_qb_provider jszg_qb_memcached = {
    "memcached", "memcached://", 1, MC_MAX_NAME,
    mc_open, jszg_kv_join, jszg_kv_head, jszg_kv_arrive, jszg_kv_poll,
    jszg_kv_call, jszg_kv_admit, jszg_kv_publish, jszg_kv_cluster
};
