/*
 * jszg_admission_local.c -- the waiting room's queue in this server's
 * shared memory (the FIFO model of jszg_ticket.c), behind the queue
 * backend interface (jszg_admission_backend.h).  The gate calls it under
 * its global mutex; nothing here locks.  One front end only: join,
 * publish and cluster have nothing to share.
 */
#include "jszg_admission_backend.h"

struct jszg_qb {
    jszg_queue *q;
};

static apr_status_t lq_open(apr_pool_t *p, const jszg_qb_addr *a,
                            int max_conns, void *local, jszg_qb **out)
{
    jszg_qb *qb = apr_pcalloc(p, sizeof(*qb));

    (void)a; (void)max_conns;
    qb->q = local;
    *out = qb;
    return APR_SUCCESS;
}

static apr_status_t lq_join(jszg_qb *qb, apr_pool_t *p, apr_uint64_t *epoch,
                            apr_uint32_t *node)
{
    (void)qb; (void)p;
    *epoch = 0;                 /* the segment's own (the gate knows it) */
    *node = 0;
    return APR_SUCCESS;
}

static apr_status_t lq_head(jszg_qb *qb, apr_pool_t *p, jszg_qb_head *h)
{
    (void)p;
    h->last = qb->q->next - 1;
    h->called = qb->q->called;
    return APR_SUCCESS;
}

static apr_status_t lq_arrive(jszg_qb *qb, apr_int64_t now,
                              const jszg_q_timing *t, apr_uint64_t *seq)
{
    (void)t;
    return jszg_queue_issue(qb->q, now, seq);
}

static apr_status_t lq_poll(jszg_qb *qb, apr_pool_t *p, apr_uint64_t seq,
                            const jszg_qb_head *h, apr_int64_t now,
                            const jszg_q_timing *t, jszg_q_state *st)
{
    (void)p; (void)h; (void)t;
    *st = jszg_queue_state(qb->q, seq);
    if (*st == JSZG_Q_WAITING)
        jszg_queue_touch(qb->q, seq, now);
    return APR_SUCCESS;
}

/* Places held by called tickets are counted by jszg_queue_pending, so
 * *until is only for the caller's information. */
static apr_status_t lq_call(jszg_qb *qb, apr_pool_t *p, apr_int64_t now,
                            const jszg_q_timing *t, apr_uint32_t max_skip,
                            jszg_qb_head *h, apr_uint64_t *seq,
                            apr_int64_t *until)
{
    int called = jszg_queue_call(qb->q, now, t, max_skip);

    (void)p;
    h->called = qb->q->called;
    h->last = qb->q->next - 1;
    if (!called)
        return APR_NOTFOUND;
    *seq = qb->q->called;
    *until = now + t->hold_max;
    return APR_SUCCESS;
}

static apr_status_t lq_admit(jszg_qb *qb, apr_uint64_t seq, apr_uint32_t ttl)
{
    (void)ttl;
    jszg_queue_consume(qb->q, seq);
    return APR_SUCCESS;
}

static apr_status_t lq_publish(jszg_qb *qb, apr_uint32_t node,
                               apr_uint32_t in_flight, apr_uint32_t max,
                               apr_uint32_t free, apr_int64_t now,
                               apr_uint32_t ttl)
{
    (void)qb; (void)node; (void)in_flight; (void)max; (void)free;
    (void)now; (void)ttl;
    return APR_SUCCESS;
}

static apr_status_t lq_cluster(jszg_qb *qb, apr_pool_t *p, apr_uint32_t skip,
                               apr_int64_t now, jszg_qb_cluster *c)
{
    (void)qb; (void)p; (void)skip; (void)now;
    c->nodes = c->in_flight = c->max = c->free = 0;
    return APR_SUCCESS;
}

const jszg_qb_provider jszg_qb_local = {
    "local", NULL, 0, 0,
    lq_open, lq_join, lq_head, lq_arrive, lq_poll, lq_call, lq_admit,
    lq_publish, lq_cluster
};
