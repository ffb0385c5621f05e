/*
 * jszg_admission_backend.h -- the waiting room's queue behind one
 * interface (compare httpd's ap_socache_provider_t, mod_md's md_store_t).
 *
 * The gate (jszg_admission_queue.c) runs one algorithm over these steps:
 * head, poll the ticket brought, arrive (issue a ticket), call the next
 * live one, admit it, and for a queue shared by several front ends:
 * join, publish this front end's numbers, read the cluster's.
 * Implementations:
 *   local      jszg_admission_local.c      this server's shared memory
 *   redis      jszg_admission_redis.c      apr_redis
 *   memcached  jszg_admission_memcached.c  apr_memcache
 * Redis and memcached run the same queue over single-key commands
 * (jszg_admission_kv.c, keys described there); each of the two files
 * only says how a command is sent.
 *
 * A provider with `shared` set talks to a store over the network: the gate
 * calls it without holding its global mutex, and any error but the ones
 * named below means the store is unreachable (the gate falls back to the
 * local queue).  The local provider is called under the mutex.
 *
 * To add a backend: a file with the provider below (for a key-value store,
 * a jszg_kv_ops table and jszg_qb_kv_provider), and a line in
 * jszg_qb_providers (jszg_admission_kv.c).
 *
 * No httpd headers here.
 */
#ifndef JSZG_ADMISSION_BACKEND_H
#define JSZG_ADMISSION_BACKEND_H

#include <apr.h>
#include <apr_pools.h>
#include <apr_network_io.h>
#include "jszg_ticket.h"

#define JSZG_QB_DOWN APR_ECONNREFUSED   /* the store is marked dead */

typedef struct jszg_qb jszg_qb;         /* one process's queue handle */

typedef struct {
    apr_uint64_t last;          /* last ticket issued */
    apr_uint64_t called;        /* tickets <= called may come in */
} jszg_qb_head;

/* Front ends that published within their ttl, and their sums. */
typedef struct {
    apr_uint32_t nodes;
    apr_uint32_t in_flight;
    apr_uint32_t max;
    apr_uint32_t free;          /* room for new arrivals, summed over the
                                   front ends that published it within
                                   JSZG_QB_FRESH seconds */
} jszg_qb_cluster;

#define JSZG_QB_FRESH 2

/* What JszgSharedQueue named. */
typedef struct {
    const char *host;
    apr_port_t port;
    const char *prefix;         /* "jszg" or "jszg:<name>" */
} jszg_qb_addr;

typedef struct jszg_qb_provider jszg_qb_provider;

struct jszg_qb_provider {
    const char *name;           /* "local", "redis", "memcached" */
    const char *scheme;         /* "redis://"; NULL for local */
    int shared;                 /* across front ends (see above) */
    apr_size_t max_name;        /* longest /name after the port; 0: any */

    /* A handle for one process: for the local queue, `local` is the
     * jszg_queue in shared memory; for a store, connections are made
     * when first needed, at most max_conns. */
    apr_status_t (*open)(apr_pool_t *p, const jszg_qb_addr *addr,
                         int max_conns, void *local, jszg_qb **out);
    /* Reach the store (ignoring an earlier failure), get the queue's
     * epoch (made by the first front end that finds none) and a number
     * for this front end. */
    apr_status_t (*join)(jszg_qb *qb, apr_pool_t *p, apr_uint64_t *epoch,
                         apr_uint32_t *node);
    apr_status_t (*head)(jszg_qb *qb, apr_pool_t *p, jszg_qb_head *h);
    /* A new ticket at the back: APR_EAGAIN when the queue is full. */
    apr_status_t (*arrive)(jszg_qb *qb, apr_int64_t now,
                           const jszg_q_timing *t, apr_uint64_t *seq);
    /* The state of seq against h (USED, UNKNOWN, GONE, CALLED or
     * WAITING); a waiting ticket's holder is alive (asked again). */
    apr_status_t (*poll)(jszg_qb *qb, apr_pool_t *p, apr_uint64_t seq,
                         const jszg_qb_head *h, apr_int64_t now,
                         const jszg_q_timing *t, jszg_q_state *st);
    /* Call the next live ticket, skipping abandoned ones (at most
     * max_skip): APR_SUCCESS, *seq called and holding its place until
     * *until; APR_NOTFOUND: nobody waits.  h->called follows. */
    apr_status_t (*call)(jszg_qb *qb, apr_pool_t *p, apr_int64_t now,
                         const jszg_q_timing *t, apr_uint32_t max_skip,
                         jszg_qb_head *h, apr_uint64_t *seq,
                         apr_int64_t *until);
    /* seq came in: a copy of it is a replay for ttl seconds. */
    apr_status_t (*admit)(jszg_qb *qb, apr_uint64_t seq, apr_uint32_t ttl);
    /* This front end's numbers for the others, valid ttl seconds; free
     * is its room for new arrivals at second now. */
    apr_status_t (*publish)(jszg_qb *qb, apr_uint32_t node,
                            apr_uint32_t in_flight, apr_uint32_t max,
                            apr_uint32_t free, apr_int64_t now,
                            apr_uint32_t ttl);
    /* The cluster's numbers at second now; nodes other than skip (0:
     * none). */
    apr_status_t (*cluster)(jszg_qb *qb, apr_pool_t *p, apr_uint32_t skip,
                            apr_int64_t now, jszg_qb_cluster *c);
};

extern const jszg_qb_provider jszg_qb_local;
extern const jszg_qb_provider jszg_qb_redis;
extern const jszg_qb_provider jszg_qb_memcached;

/* "redis://host:port[/name]" and the like: the provider and address, or
 * why not (for the directive). */
const char *jszg_qb_parse(apr_pool_t *p, const char *url,
                          const jszg_qb_provider **prov, jszg_qb_addr *addr);

/* ---- key-value stores (jszg_admission_kv.c) --------------------------- */

/* Single-key commands of one store.  get: APR_SUCCESS, APR_NOTFOUND (no
 * such key) or an error (JSZG_QB_DOWN when the store is marked dead). */
typedef struct {
    apr_status_t (*get)(void *conn, apr_pool_t *p, const char *k, char **v);
    apr_status_t (*set)(void *conn, const char *k, const char *v);
    /* with a time to live, seconds > 0 */
    apr_status_t (*setex)(void *conn, const char *k, const char *v,
                          apr_uint32_t ttl);
    /* +1, a missing key counting from 0 */
    apr_status_t (*incr)(void *conn, const char *k, apr_uint64_t *out);
    /* a key already gone is no error */
    apr_status_t (*del)(void *conn, const char *k);
    /* on a fresh connection; on success the server is used again */
    apr_status_t (*ping)(void *conn);
} jszg_kv_ops;

/* The handle of a key-value queue (the provider's open makes conn). */
jszg_qb *jszg_kv_handle(apr_pool_t *p, const jszg_kv_ops *ops, void *conn,
                        const char *prefix);

apr_status_t jszg_kv_join(jszg_qb *qb, apr_pool_t *p, apr_uint64_t *epoch,
                          apr_uint32_t *node);
apr_status_t jszg_kv_head(jszg_qb *qb, apr_pool_t *p, jszg_qb_head *h);
apr_status_t jszg_kv_arrive(jszg_qb *qb, apr_int64_t now,
                            const jszg_q_timing *t, apr_uint64_t *seq);
apr_status_t jszg_kv_poll(jszg_qb *qb, apr_pool_t *p, apr_uint64_t seq,
                          const jszg_qb_head *h, apr_int64_t now,
                          const jszg_q_timing *t, jszg_q_state *st);
apr_status_t jszg_kv_call(jszg_qb *qb, apr_pool_t *p, apr_int64_t now,
                          const jszg_q_timing *t, apr_uint32_t max_skip,
                          jszg_qb_head *h, apr_uint64_t *seq,
                          apr_int64_t *until);
apr_status_t jszg_kv_admit(jszg_qb *qb, apr_uint64_t seq, apr_uint32_t ttl);
apr_status_t jszg_kv_publish(jszg_qb *qb, apr_uint32_t node,
                             apr_uint32_t in_flight, apr_uint32_t max,
                             apr_uint32_t free, apr_int64_t now,
                             apr_uint32_t ttl);
apr_status_t jszg_kv_cluster(jszg_qb *qb, apr_pool_t *p, apr_uint32_t skip,
                             apr_int64_t now, jszg_qb_cluster *c);

#endif /* JSZG_ADMISSION_BACKEND_H */
