/*
 * jszg_admission_redis.h -- the waiting room's queue shared by several
 * front ends through Redis (apr-util's apr_redis) or memcached
 * (apr-util's apr_memcache), for jszg_admission.c.
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
 *   <p>:n:<node>  each front end's in-flight count, expiring
 * Two front ends calling at once may move "called" one past the last
 * ticket: the next arrival is then called as it gets its ticket -- still
 * strictly in ticket order.
 *
 * No httpd headers: the caller logs and decides what an error means
 * (JSZG_RQ_DOWN or any socket error: the store is unreachable).
 */
#ifndef JSZG_ADMISSION_REDIS_H
#define JSZG_ADMISSION_REDIS_H

#include <apr.h>
#include <apr_pools.h>
#include <apr_network_io.h>
#include "jszg_ticket.h"

#define JSZG_RQ_DOWN APR_ECONNREFUSED   /* the server is marked dead */

typedef struct jszg_rq jszg_rq;

typedef enum {
    JSZG_RQ_REDIS,              /* redis://      apr_redis */
    JSZG_RQ_MEMCACHED           /* memcached://  apr_memcache */
} jszg_rq_kind;

typedef struct {
    apr_uint64_t last;          /* last ticket issued */
    apr_uint64_t called;        /* tickets <= called may come in */
} jszg_rq_head;

/* "redis://host:port[/name]" or "memcached://host:port[/name]": NULL, or
 * why not (for the directive). */
const char *jszg_rq_parse(apr_pool_t *p, const char *url, jszg_rq_kind *kind,
                          const char **host, apr_port_t *port,
                          const char **prefix);

/* "redis" or "memcached" (status page). */
const char *jszg_rq_kind_name(jszg_rq_kind kind);

/* A client for one process; connections are made when first needed. */
apr_status_t jszg_rq_open(apr_pool_t *p, jszg_rq_kind kind, const char *host,
                          apr_port_t port, const char *prefix, int max_conns,
                          jszg_rq **out);

/* PING (memcached: "version") on a fresh connection, ignoring an earlier
 * failure; on success the server is used again. */
apr_status_t jszg_rq_ping(jszg_rq *q);

/* The queue's epoch, made by the first front end that finds none. */
apr_status_t jszg_rq_epoch(jszg_rq *q, apr_pool_t *p, apr_uint64_t *epoch);

/* A number for this front end (status and in-flight keys). */
apr_status_t jszg_rq_node(jszg_rq *q, apr_uint32_t *node);

apr_status_t jszg_rq_head_get(jszg_rq *q, apr_pool_t *p, jszg_rq_head *h);

apr_status_t jszg_rq_issue(jszg_rq *q, apr_int64_t now,
                           const jszg_q_timing *t, apr_uint64_t *seq);

/* State of seq against the head h (USED, UNKNOWN, CALLED or WAITING). */
apr_status_t jszg_rq_state(jszg_rq *q, apr_pool_t *p, apr_uint64_t seq,
                           const jszg_rq_head *h, jszg_q_state *st);

/* The holder of a waiting ticket asked again. */
apr_status_t jszg_rq_touch(jszg_rq *q, apr_pool_t *p, apr_uint64_t seq,
                           apr_int64_t now, const jszg_q_timing *t);

/*
 * Call the next live ticket, skipping abandoned ones (at most max_skip).
 * APR_SUCCESS: *seq called, holding its place until *until; APR_NOTFOUND:
 * nobody waits.  h->called follows.
 */
apr_status_t jszg_rq_call(jszg_rq *q, apr_pool_t *p, apr_int64_t now,
                          const jszg_q_timing *t, apr_uint32_t max_skip,
                          jszg_rq_head *h, apr_uint64_t *seq,
                          apr_int64_t *until);

/* seq came in: remember it for ttl seconds (replays refused). */
apr_status_t jszg_rq_consume(jszg_rq *q, apr_uint64_t seq,
                             apr_uint32_t ttl);

/* This front end's live numbers, for the others' status pages. */
apr_status_t jszg_rq_publish(jszg_rq *q, apr_uint32_t node,
                             apr_uint32_t in_flight, apr_uint32_t max,
                             apr_uint32_t ttl);

/* Front ends that published within their ttl, and their in-flight sum
 * (looks at nodes 1..64 at most). */
apr_status_t jszg_rq_cluster(jszg_rq *q, apr_pool_t *p, apr_uint32_t *nodes,
                             apr_uint32_t *in_flight, apr_uint32_t *max);

#endif /* JSZG_ADMISSION_REDIS_H */
