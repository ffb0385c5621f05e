/*
 * jszg_admission_redis.c -- the shared waiting-room queue on Redis through
 * apr-util's apr_redis: the single-key commands of jszg_kv_ops (the queue
 * itself is jszg_admission_kv.c) and the provider for redis:// URLs.
 *
 * apr_redis answers APR_NOTFOUND both for a missing key and when it has
 * marked the server dead; the commands tell them apart by the server's
 * status, so that "abandoned ticket" never hides "the store is down".
 * Every command gives up after RW_TIMEOUT.
 */
#include "jszg_admission_backend.h"

#include <string.h>
#include <apr_redis.h>
#include <apr_strings.h>

#define CONN_TTL        apr_time_from_sec(60)   /* idle connection kept */
#define RW_TIMEOUT      1                       /* seconds per command */

typedef struct {
    apr_redis_t *rc;
    apr_redis_server_t *rs;
} rd_conn;

static int live(const rd_conn *c)
{
    return c->rs->status == APR_RC_SERVER_LIVE;
}

/* APR_NOTFOUND from a command that has no "missing key" answer: the
 * client found no live server. */
static apr_status_t down_if_notfound(apr_status_t rv)
{
    return rv == APR_NOTFOUND ? JSZG_QB_DOWN : rv;
}

static apr_status_t rd_get(void *conn, apr_pool_t *p, const char *k, char **v)
{
    rd_conn *c = conn;
    apr_size_t len = 0;
    apr_status_t rv = apr_redis_getp(c->rc, p, k, v, &len, NULL);

    if (rv == APR_NOTFOUND && !live(c))
        return JSZG_QB_DOWN;
    if (rv == APR_SUCCESS && !*v)
        *v = "";
    return rv;
}

static apr_status_t rd_set(void *conn, const char *k, const char *v)
{
    rd_conn *c = conn;

    return down_if_notfound(apr_redis_set(c->rc, k, (char *)v, strlen(v),
                                          0));
}

static apr_status_t rd_setex(void *conn, const char *k, const char *v,
                             apr_uint32_t ttl)
{
    rd_conn *c = conn;

    return down_if_notfound(apr_redis_setex(c->rc, k, (char *)v, strlen(v),
                                            ttl, 0));
}

static apr_status_t rd_incr(void *conn, const char *k, apr_uint64_t *out)
{
    rd_conn *c = conn;
    apr_uint32_t n = 0;
    apr_status_t rv = down_if_notfound(apr_redis_incr(c->rc, k, 1, &n));

    *out = n;
    return rv;
}

static apr_status_t rd_del(void *conn, const char *k)
{
    rd_conn *c = conn;
    apr_status_t rv = apr_redis_delete(c->rc, k, 0);

    if (rv == APR_NOTFOUND)
        rv = live(c) ? APR_SUCCESS : JSZG_QB_DOWN;
    return rv;
}

static apr_status_t rd_ping(void *conn)
{
    rd_conn *c = conn;
    apr_status_t rv = apr_redis_ping(c->rs);

    if (rv == APR_SUCCESS)
        apr_redis_enable_server(c->rc, c->rs);
    return rv;
}

static const jszg_kv_ops rd_ops = {
    rd_get, rd_set, rd_setex, rd_incr, rd_del, rd_ping
};

static apr_status_t rd_open(apr_pool_t *p, const jszg_qb_addr *a,
                            int max_conns, void *local, jszg_qb **out)
{
    rd_conn *c = apr_pcalloc(p, sizeof(*c));
    apr_status_t rv;

    (void)local;
    if (max_conns < 1)
        max_conns = 1;
    if ((rv = apr_redis_create(p, 1, 0, &c->rc)) != APR_SUCCESS)
        return rv;
    /* no connection made now: min 0 */
    rv = apr_redis_server_create(p, a->host, a->port, 0, 1,
                                 (apr_uint32_t)max_conns,
                                 (apr_uint32_t)CONN_TTL, RW_TIMEOUT, &c->rs);
    if (rv != APR_SUCCESS)
        return rv;
    if ((rv = apr_redis_add_server(c->rc, c->rs)) != APR_SUCCESS)
        return rv;
    *out = jszg_kv_handle(p, &rd_ops, c, a->prefix);
    return APR_SUCCESS;
}

const jszg_qb_provider jszg_qb_redis = {
    "redis", "redis://", 1, 0,
    rd_open, jszg_kv_join, jszg_kv_head, jszg_kv_arrive, jszg_kv_poll,
    jszg_kv_call, jszg_kv_admit, jszg_kv_publish, jszg_kv_cluster
};
