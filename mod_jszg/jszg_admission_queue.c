/*
 * jszg_admission_queue.c -- the waiting room's decisions, one algorithm
 * over the queue backend interface (jszg_admission_backend.h) for the
 * local queue and a shared one (JszgSharedQueue):
 *   head; the ticket brought is polled (a used one is a replay, an
 *   unknown or stale one goes to the back); without one, straight in
 *   when nobody waits and there is room, else a new ticket; tickets are
 *   called in order while there is room, up to this one; called: admit.
 * The local queue is decided under the global mutex, one decision at a
 * time (numbered for JSZG_ORDER).  A shared one is asked without the
 * mutex (each of its steps is one atomic command of the store), and when
 * the store fails the decision is made again on the local queue.
 *
 * Also here: each process's client of the shared queue, joining and
 * rejoining it, publishing this front end's numbers, and the shared part
 * of the status page.
 */
#include "jszg_admission_int.h"

#include "ap_mpm.h"
#include "mod_watchdog.h"
#include "apr_thread_mutex.h"

#define SHARED_MAX_SKIP 64      /* abandoned tickets passed per call */
#define HEARTBEAT_NAME  "_jszg_gate_heartbeat_"
#define HEARTBEAT       apr_time_from_sec(1)

/* A queue and how to ask it. */
typedef struct {
    const jszg_qb_provider *pv;
    jszg_qb *qb;
} qctx;

/* This process's queues.  The shared client is reopened when shared_gen
 * moves (a lost connection pool is not reused after an outage); old
 * clients are left to the process pool: other threads may still hold
 * them. */
static struct {
    jszg_qb *local;
    apr_pool_t *pool;
    apr_thread_mutex_t *lock;
    jszg_qb *rq;
    apr_uint32_t gen;
    int threads;
} pc;

static apr_uint32_t now32(void)
{
    return (apr_uint32_t)apr_time_sec(apr_time_now());
}

/* The local queue's handle, and the shared queue client's pool: its own
 * allocator, locked, since connections are made by whichever worker
 * thread needs one. */
void jszg_gate_queue_child_init(apr_pool_t *p, server_rec *s)
{
    apr_allocator_t *a;
    apr_thread_mutex_t *am;

    jszg_qb_local.open(p, NULL, 1, sh_queue(), &pc.local);
    if (!jszg_rt.shared)
        return;
    ap_mpm_query(AP_MPMQ_MAX_THREADS, &pc.threads);
    if (pc.threads < 1)
        pc.threads = 1;
    if (apr_allocator_create(&a) != APR_SUCCESS
        || apr_pool_create_ex(&pc.pool, p, NULL, a) != APR_SUCCESS
        || apr_thread_mutex_create(&am, APR_THREAD_MUTEX_DEFAULT, pc.pool)
           != APR_SUCCESS
        || apr_thread_mutex_create(&pc.lock, APR_THREAD_MUTEX_DEFAULT,
                                   pc.pool) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, JSZGLOGNO(15103)
                     "admission control: cannot set up the shared queue "
                     "client; this process uses the local queue");
        pc.lock = NULL;
        return;
    }
    apr_allocator_owner_set(a, pc.pool);
    apr_allocator_mutex_set(a, am);
}

/* ---- the shared queue's client ---------------------------------------- */

/* This process's client for the current generation. */
static jszg_qb *client(void)
{
    apr_uint32_t gen = apr_atomic_read32(&jszg_rt.sh->shared_gen);
    const adm_conf *c = jszg_rt.conf;
    apr_pool_t *sub;
    jszg_qb *rq;

    apr_thread_mutex_lock(pc.lock);
    if (!pc.rq || pc.gen != gen) {
        pc.rq = NULL;
        if (apr_pool_create(&sub, pc.pool) == APR_SUCCESS
            && c->shared_pv->open(sub, &c->shared_addr, pc.threads, NULL,
                                  &pc.rq) == APR_SUCCESS)
            pc.gen = gen;
    }
    rq = pc.rq;
    apr_thread_mutex_unlock(pc.lock);
    return rq;
}

/* The store failed: fall back to the local queue, logged once per outage
 * (whichever process sees it first), and try again in ADM_REJOIN s. */
static void shared_failed(server_rec *s, apr_status_t rv)
{
    apr_uint32_t st = apr_atomic_read32(&jszg_rt.sh->shared_state);

    if (st == SQ_DOWN
        || apr_atomic_cas32(&jszg_rt.sh->shared_state, SQ_DOWN, st) != st)
        return;
    /* connections of the pool before the outage are not to be trusted */
    apr_atomic_inc32(&jszg_rt.sh->shared_gen);
    apr_atomic_set32(&jszg_rt.sh->shared_retry, now32() + ADM_REJOIN);
    SH_COUNT(C_SHARED_FALLBACK);
    ap_log_error(APLOG_MARK, APLOG_WARNING,
                 rv == JSZG_QB_DOWN ? 0 : rv, s, JSZGLOGNO(15100)
                 "shared queue %s unreachable: this front end keeps its "
                 "own waiting room until it is back",
                 jszg_rt.conf->shared_url);
}

/* Join (or rejoin) the shared queue: one thread of the front end tries,
 * at most every ADM_REJOIN seconds.  Returns 1 when the queue is up. */
static int shared_join(apr_pool_t *p, server_rec *s)
{
    apr_uint32_t now = now32(),
                 retry = apr_atomic_read32(&jszg_rt.sh->shared_retry);
    apr_uint32_t st, node = 0;
    apr_uint64_t epoch = 0;
    apr_status_t rv;
    jszg_qb *rq;

    if (now < retry
        || apr_atomic_cas32(&jszg_rt.sh->shared_retry, now + ADM_REJOIN,
                            retry) != retry)
        return 0;
    if (!(rq = client()))
        return 0;
    rv = jszg_rt.conf->shared_pv->join(rq, p, &epoch, &node);
    if (rv != APR_SUCCESS) {
        shared_failed(s, rv);
        return 0;
    }
    if (jszg_gate_lock()) {
        if (epoch != jszg_rt.sh->shared_epoch) {
            /* a new queue (the store lost its data): old calls mean
             * nothing */
            memset(&jszg_rt.sh->shared_calls, 0,
                   sizeof(jszg_rt.sh->shared_calls));
            jszg_rt.sh->shared_epoch = epoch;
        }
        jszg_rt.sh->shared_node = node;
        jszg_gate_unlock();
    }
    st = apr_atomic_read32(&jszg_rt.sh->shared_state);
    if (st != SQ_UP
        && apr_atomic_cas32(&jszg_rt.sh->shared_state, SQ_UP, st) == st)
        ap_log_error(APLOG_MARK, st == SQ_DOWN ? APLOG_NOTICE : APLOG_INFO,
                     0, s, JSZGLOGNO(15101)
                     "shared queue %s %s: front end %u, queue %016"
                     APR_UINT64_T_HEX_FMT, jszg_rt.conf->shared_url,
                     st == SQ_DOWN ? "is back, rejoined" : "joined", node,
                     epoch);
    return 1;
}

/*
 * Tickets this front end called that came in at another front end: the
 * places they held here are free again (the store marks every ticket
 * that came in, wherever).  Without this a place stayed reserved here
 * until the hold ran out (up to ADM_PENDING s) for a visitor already in.
 */
#define RECONCILE_MAX 32

static apr_status_t reconcile(jszg_qb *rq, apr_pool_t *p, apr_int64_t now)
{
    const jszg_calls *calls = &jszg_rt.sh->shared_calls;
    apr_uint64_t seqs[RECONCILE_MAX];
    apr_uint32_t i, n = 0;
    apr_status_t rv;

    if (!jszg_gate_lock())
        return APR_SUCCESS;
    for (i = 0; i < JSZG_CALLS && n < RECONCILE_MAX; i++)
        if (calls->c[i].seq && now <= calls->c[i].until)
            seqs[n++] = calls->c[i].seq;
    jszg_gate_unlock();
    for (i = 0; i < n; i++) {
        jszg_qb_head h = { seqs[i], seqs[i] };
        jszg_q_state st;

        rv = jszg_rt.conf->shared_pv->poll(rq, p, seqs[i], &h, now,
                                           &adm_timing, &st);
        if (rv != APR_SUCCESS)
            return rv;
        if (st == JSZG_Q_USED && jszg_gate_lock()) {
            jszg_calls_done(&jszg_rt.sh->shared_calls, seqs[i]);
            jszg_gate_unlock();
        }
    }
    return APR_SUCCESS;
}

/* Once a second, the front end's numbers for the others. */
static apr_status_t shared_publish(jszg_qb *rq, apr_pool_t *p)
{
    apr_uint32_t now = now32(),
                 last = apr_atomic_read32(&jszg_rt.sh->shared_published);
    apr_uint32_t free = 0;
    apr_status_t rv;

    if (last == now
        || apr_atomic_cas32(&jszg_rt.sh->shared_published, now, last)
           != last)
        return APR_SUCCESS;
    if ((rv = reconcile(rq, p, now)) != APR_SUCCESS)
        return rv;
    if (jszg_gate_lock()) {
        free = jszg_gate_free_room(now);
        jszg_gate_unlock();
    }
    return jszg_rt.conf->shared_pv->publish(
        rq, jszg_rt.sh->shared_node,
        apr_atomic_read32(&jszg_rt.sh->in_flight),
        (apr_uint32_t)jszg_rt.max_in_flight, free, now, ADM_PUBLISH_TTL);
}

static jszg_qb *shared_client(apr_pool_t *p, server_rec *s)
{
    apr_status_t rv;
    jszg_qb *rq;

    if (!jszg_rt.shared || !pc.lock)
        return NULL;
    if (apr_atomic_read32(&jszg_rt.sh->shared_state) != SQ_UP
        && !shared_join(p, s))
        return NULL;
    if (!(rq = client()))
        return NULL;
    if ((rv = shared_publish(rq, p)) != APR_SUCCESS) {
        shared_failed(s, rv);
        return NULL;
    }
    return rq;
}

/* The shared queue's client, or NULL: not configured, or unreachable
 * (the request then uses the local queue). */
jszg_qb *jszg_gate_shared_client(request_rec *r)
{
    return shared_client(r->pool, r->server);
}

/*
 * Every second, in one child of the front end (a singleton mod_watchdog
 * callback): publish this front end's room even when no request comes,
 * and rejoin a store that came back.  Without it an idle front end, the
 * one with room, would drop out of the others' view.
 */
static apr_status_t heartbeat(int state, void *data, apr_pool_t *pool)
{
    apr_pool_t *p;

    if (state != AP_WATCHDOG_STATE_RUNNING || !jszg_rt.sh || !pc.lock)
        return APR_SUCCESS;
    if (apr_pool_create(&p, pool) != APR_SUCCESS)
        return APR_SUCCESS;
    shared_client(p, data);
    apr_pool_destroy(p);
    return APR_SUCCESS;
}

apr_status_t jszg_gate_heartbeat_start(apr_pool_t *pconf, server_rec *s)
{
    APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) *get_instance;
    APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) *register_cb;
    ap_watchdog_t *wd;
    apr_status_t rv;

    get_instance = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    register_cb = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    if (!get_instance || !register_cb) {
        /* not fatal: the queue is shared, an idle front end's room is
         * seen only while it has requests */
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, JSZGLOGNO(20900)
                     "JszgSharedQueue works best with mod_watchdog (an "
                     "idle front end's room is not published without "
                     "it): load watchdog_module");
        return APR_SUCCESS;
    }
    if ((rv = get_instance(&wd, HEARTBEAT_NAME, 0, 1, pconf))
        != APR_SUCCESS
        || ((rv = register_cb(wd, HEARTBEAT, s, heartbeat)) != APR_SUCCESS
            && rv != APR_EEXIST)) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, JSZGLOGNO(20901)
                     "cannot start the shared queue's heartbeat");
        return rv;
    }
    return APR_SUCCESS;
}

/* ---- one algorithm over the interface --------------------------------- */

/* The mutex around the gate's own counters: the local queue is decided
 * under it already. */
static int q_lock(const qctx *c)
{
    return c->pv->shared ? jszg_gate_lock() : 1;
}

static void q_unlock(const qctx *c)
{
    if (c->pv->shared)
        jszg_gate_unlock();
}

/* Room for the next one called: this front end's. */
static int room(adm_req *ar, const qctx *c)
{
    int ok = 0;

    if (q_lock(c)) {
        ok = jszg_gate_room_for_new(apr_time_sec(ar->now))
             && jszg_gate_admit_token(ar->now, 0);
        q_unlock(c);
    }
    return ok;
}

/* Take the calling turn of this front end on a shared queue: one thread
 * at a time calls, so that front ends, not threads, bound how far
 * "called" may run ahead.  A turn older than 2 s is taken over (its
 * thread died). */
static int calling_take(void)
{
    apr_uint32_t now = now32(),
                 cur = apr_atomic_read32(&jszg_rt.sh->shared_calling);

    if (cur && now - cur < 2)
        return 0;
    return apr_atomic_cas32(&jszg_rt.sh->shared_calling, now, cur) == cur;
}

/*
 * Room on another front end of the shared queue for one more ticket
 * called here: the others' room as they published it (read at most once
 * a second), less what this front end has called on it since.  Only
 * the holder's poll may use it (see call_up_to).  Called with the
 * calling turn.
 */
static int borrow(adm_req *ar, const qctx *c)
{
    apr_uint32_t now = now32();
    jszg_qb_cluster cl;
    int ok = 0;

    if (apr_atomic_read32(&jszg_rt.sh->cluster_read) != now) {
        if (c->pv->cluster(c->qb, ar->r->pool, jszg_rt.sh->shared_node, now,
                           &cl) != APR_SUCCESS)
            return 0;           /* the next command will tell */
        if (!jszg_gate_lock())
            return 0;
        jszg_rt.sh->cluster_free = cl.free;
        jszg_rt.sh->cluster_lent = 0;
        apr_atomic_set32(&jszg_rt.sh->cluster_read, now);
        jszg_gate_unlock();
    }
    if (jszg_gate_lock()) {
        ok = jszg_rt.sh->cluster_lent < jszg_rt.sh->cluster_free;
        if (ok)
            jszg_rt.sh->cluster_lent++;
        jszg_gate_unlock();
    }
    return ok;
}

/*
 * Call waiting tickets, in order, while there is room, up to seq.  Each
 * one called on this front end's room holds a place here (shared_calls
 * for a shared queue).  On a shared queue, the holder's poll (GET
 * /api/v1/queue, whose answer takes no slot) may also be called on the
 * room another front end published: a called ticket is admitted by
 * whichever front end has room, and the admitted browser's next requests
 * go where the load balancer sends them.  A page request is called on
 * this front end's room only, since it is served here.
 */
static apr_status_t call_up_to(adm_req *ar, const qctx *c, apr_uint64_t seq,
                               jszg_qb_head *h)
{
    apr_int64_t now = apr_time_sec(ar->now), until;
    apr_status_t rv = APR_SUCCESS;
    apr_uint64_t s;
    int lent;

    if (h->called >= seq || (c->pv->shared && !calling_take()))
        return APR_SUCCESS;
    while (h->called < seq) {
        lent = 0;
        if (!room(ar, c)) {
            if (!c->pv->shared || !ar->poll || !borrow(ar, c))
                break;
            lent = 1;
        }
        rv = c->pv->call(c->qb, ar->r->pool, now, &adm_timing,
                         c->pv->shared ? SHARED_MAX_SKIP : ADM_MAX_SKIP, h,
                         &s, &until);
        if (rv != APR_SUCCESS) {
            if (lent && jszg_gate_lock()) {
                jszg_rt.sh->cluster_lent--;
                jszg_gate_unlock();
            }
            if (rv == APR_NOTFOUND)
                rv = APR_SUCCESS;
            break;
        }
        if (lent) {
            SH_COUNT(C_CALLED_ELSEWHERE);
            continue;
        }
        if (q_lock(c)) {
            if (c->pv->shared)
                jszg_calls_add(&jszg_rt.sh->shared_calls, s, until);
            jszg_gate_admit_token(ar->now, 1);
            q_unlock(c);
        }
    }
    if (c->pv->shared)
        apr_atomic_set32(&jszg_rt.sh->shared_calling, 0);
    return rv;
}

/* Nobody waits (here, nor in the local queue) and there is room. */
static int straight_in(adm_req *ar, const qctx *c, const jszg_qb_head *h)
{
    jszg_qb_head lh;
    int in = 0;

    if (h->last > h->called || !q_lock(c))
        return 0;
    jszg_qb_local.head(pc.local, ar->r->pool, &lh);
    if (lh.last <= lh.called
        && jszg_gate_room_for_new(apr_time_sec(ar->now))
        && jszg_gate_admit_token(ar->now, 0)
        && (ar->poll || jszg_gate_slot_try())) {
        jszg_gate_admit_token(ar->now, 1);
        ar->have_slot = !ar->poll;
        in = 1;
    }
    q_unlock(c);
    return in;
}

static adm_verdict on_queue(adm_req *ar, const qctx *c);

/* Lost the store in the middle of a decision: decide on the local queue. */
static adm_verdict shared_lost(adm_req *ar, apr_status_t rv)
{
    qctx local = { &jszg_qb_local, pc.local };
    adm_verdict v = V_ENTER;

    shared_failed(ar->r->server, rv);
    ar->rq = NULL;
    ar->tk_kind = TK_NONE;
    ar->ticket = NULL;
    ar->seq = 0;
    if (jszg_gate_lock()) {
        v = on_queue(ar, &local);
        jszg_gate_unlock();
    }
    return v;
}

/* A new arrival, or a waiting one asking again, on the queue c. */
static adm_verdict on_queue(adm_req *ar, const qctx *c)
{
    apr_int64_t now = apr_time_sec(ar->now);
    apr_pool_t *p = ar->r->pool;
    jszg_qb_head h;
    jszg_q_state st;
    apr_uint64_t seq = 0;
    apr_status_t rv;

    if (!c->pv->shared)
        ar->order = ++jszg_rt.sh->decisions;
    if ((rv = c->pv->head(c->qb, p, &h)) != APR_SUCCESS)
        return shared_lost(ar, rv);
    if (ar->tk_kind == (c->pv->shared ? TK_SHARED : TK_LOCAL)) {
        rv = c->pv->poll(c->qb, p, ar->tk_seq, &h, now, &adm_timing, &st);
        if (rv != APR_SUCCESS)
            return shared_lost(ar, rv);
        if (st == JSZG_Q_USED)
            /* admitted already: a copy, or a reload after admission
             * without the admission cookie */
            SH_COUNT(C_REPLAYED_TICKET);
        else if (st == JSZG_Q_UNKNOWN || st == JSZG_Q_GONE)
            SH_COUNT(C_STALE_TICKET);
        else
            seq = ar->tk_seq;
    }
    if (!seq) {
        jszg_ticket t;

        if (straight_in(ar, c, &h))
            return V_ENTER;
        rv = c->pv->arrive(c->qb, now, &adm_timing, &seq);
        if (rv == APR_EAGAIN && !c->pv->shared)
            return V_FULL;
        if (rv != APR_SUCCESS)
            return shared_lost(ar, rv);
        if (seq > h.last)
            h.last = seq;
        t.epoch = c->pv->shared ? jszg_rt.sh->shared_epoch
                                : jszg_rt.sh->epoch;
        t.seq = seq;
        t.issued = now;
        ar->ticket = jszg_ticket_encode(p, jszg_rt.tkey, &t);
    }
    ar->seq = seq;
    /* everyone ahead may have gone: then this one is called at once */
    if ((rv = call_up_to(ar, c, seq, &h)) != APR_SUCCESS)
        return shared_lost(ar, rv);
    if (seq > h.called) {
        ar->position = seq - h.called;
        return V_WAIT;
    }
    if ((rv = c->pv->admit(c->qb, seq, ADM_TICKET_TTL)) != APR_SUCCESS)
        return shared_lost(ar, rv);
    if (c->pv->shared && q_lock(c)) {
        jszg_calls_done(&jszg_rt.sh->shared_calls, seq);
        q_unlock(c);
    }
    ar->have_slot = !ar->poll && jszg_gate_slot_try();
    return V_ENTER;
}

/* A local ticket (from a time without the shared queue) still waiting or
 * called: it is served from the local queue.  Under the mutex. */
static int local_ticket_live(adm_req *ar)
{
    jszg_qb_head h;
    jszg_q_state st;

    if (ar->tk_kind != TK_LOCAL)
        return 0;
    jszg_qb_local.head(pc.local, ar->r->pool, &h);
    jszg_qb_local.poll(pc.local, ar->r->pool, ar->tk_seq, &h,
                       apr_time_sec(ar->now), &adm_timing, &st);
    return st == JSZG_Q_WAITING || st == JSZG_Q_CALLED;
}

adm_verdict jszg_gate_decide(adm_req *ar)
{
    qctx local = { &jszg_qb_local, pc.local };
    adm_verdict v = V_ENTER;

    if (!ar->admitted) {
        ar->tk_seq = jszg_gate_read_ticket(ar);
        ar->rq = jszg_gate_shared_client(ar->r);
    }
    if (!jszg_gate_lock())
        return V_ENTER;         /* fail open: never a broken site */
    if (apr_atomic_read32(&jszg_rt.sh->in_flight)
        >= (apr_uint32_t)jszg_rt.max_in_flight)
        jszg_gate_sweep_if_due();
    if (jszg_rt.client_limited && ar->have_key
        && !jszg_tb_table_take(sh_clients(), ar->key, &jszg_rt.client,
                               ar->now, ar->admitted && ar->is_post,
                               &ar->retry))
        v = V_LIMITED;
    else if (ar->admitted) {
        jszg_adset_touch(sh_sessions(), ar->adm.id, apr_time_sec(ar->now));
        if (!ar->poll)
            jszg_gate_count_second(0);
    }
    else if (ar->rq && !local_ticket_live(ar))
        v = V_SHARED;           /* decided below, the store is not asked
                                   while holding the mutex */
    else
        v = on_queue(ar, &local);
    jszg_gate_unlock();
    if (v == V_SHARED) {
        qctx shared = { jszg_rt.conf->shared_pv, ar->rq };
        v = on_queue(ar, &shared);
        /* JSZG_ORDER of a shared queue's decision: its time in
         * microseconds, comparable across front ends on one clock */
        if (!ar->order)
            ar->order = (apr_uint64_t)apr_time_now();
    }
    return v;
}

/* ---- status ----------------------------------------------------------- */

/* The shared queue as its store sees it, for the status handler. */
json_t *jszg_gate_shared_status(request_rec *r)
{
    static const char *const sq_names[] = { "joining", "up", "fallback" };
    const jszg_qb_provider *pv = jszg_rt.conf->shared_pv;
    json_t *j = json_object();
    jszg_qb *rq = jszg_gate_shared_client(r);
    jszg_qb_head h = { 0, 0 };
    jszg_qb_cluster cl = { 0, 0, 0, 0 };
    apr_uint32_t pending = 0;
    apr_status_t rv = APR_SUCCESS;

    if (rq && (rv = pv->head(rq, r->pool, &h)) == APR_SUCCESS)
        rv = pv->cluster(rq, r->pool, 0, apr_time_sec(apr_time_now()),
                         &cl);
    if (rq && rv != APR_SUCCESS)
        shared_failed(r->server, rv);
    if (jszg_gate_lock()) {
        pending = jszg_calls_pending(&jszg_rt.sh->shared_calls,
                                     apr_time_sec(apr_time_now()));
        jszg_gate_unlock();
    }
    json_object_set_new(j, "state", json_string(
        sq_names[apr_atomic_read32(&jszg_rt.sh->shared_state) % 3]));
    json_object_set_new(j, "backend", json_string(pv->name));
    json_object_set_new(j, "node", json_integer(jszg_rt.sh->shared_node));
    json_object_set_new(j, "queue_length", json_integer(
        (json_int_t)(h.last > h.called ? h.last - h.called : 0)));
    json_object_set_new(j, "head_ticket", json_integer(
        (json_int_t)(h.last > h.called ? h.called + 1 : 0)));
    json_object_set_new(j, "last_ticket", json_integer((json_int_t)h.last));
    json_object_set_new(j, "called", json_integer((json_int_t)h.called));
    json_object_set_new(j, "called_pending_here", json_integer(pending));
    json_object_set_new(j, "front_ends", json_integer(cl.nodes));
    json_object_set_new(j, "cluster_in_flight", json_integer(cl.in_flight));
    json_object_set_new(j, "cluster_max_in_flight", json_integer(cl.max));
    json_object_set_new(j, "cluster_free", json_integer(cl.free));
    return j;
}
