/*
 * jszg_admission_shm.c -- admission control's shared memory: the segment
 * made in post_config and kept across restarts in ap_retained_data, the
 * global mutex, the processes (a crashed child's slots are taken back),
 * the in-flight slots (an APR atomic), and the room new arrivals may take
 * (busy slots, admitted requests waiting for one, called tickets not yet
 * back, the reserve and the admission rate).
 */
#include "jszg_admission_int.h"

#include "http_core.h"
#include "ap_mpm.h"
#include "util_mutex.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

static apr_size_t align(apr_size_t n)
{
    return APR_ALIGN(n, 64);
}

static apr_size_t shared_size(void)
{
    return align(sizeof(adm_shared)) + align(jszg_queue_size(ADM_QSLOTS))
           + align(jszg_tb_table_size(ADM_CLIENTS))
           + align(jszg_adset_size(ADM_SESSIONS))
           + align(jszg_tb_table_size(ADM_CAPTCHA_CLIENTS));
}

static void shared_init(adm_shared *sh, apr_size_t size)
{
    apr_uint32_t salt;

    memset(sh, 0, sizeof(*sh));
    sh->magic = ADM_MAGIC;
    sh->version = ADM_VERSION;
    sh->size = size;
    sh->created = apr_time_sec(apr_time_now());
    if (apr_generate_random_bytes((unsigned char *)&sh->epoch,
                                  sizeof(sh->epoch)) != APR_SUCCESS)
        sh->epoch = (apr_uint64_t)apr_time_now() ^ (apr_uint64_t)getpid();
    salt = (apr_uint32_t)(sh->epoch >> 32);
    sh->off_queue = align(sizeof(adm_shared));
    sh->off_clients = sh->off_queue + align(jszg_queue_size(ADM_QSLOTS));
    sh->off_sessions = sh->off_clients
                       + align(jszg_tb_table_size(ADM_CLIENTS));
    jszg_queue_init((jszg_queue *)((char *)sh + sh->off_queue), ADM_QSLOTS);
    jszg_tb_table_init((jszg_tb_table *)((char *)sh + sh->off_clients),
                       ADM_CLIENTS, salt);
    jszg_adset_init((jszg_adset *)((char *)sh + sh->off_sessions),
                    ADM_SESSIONS);
    sh->off_captcha = sh->off_sessions + align(jszg_adset_size(ADM_SESSIONS));
    jszg_tb_table_init((jszg_tb_table *)((char *)sh + sh->off_captcha),
                       ADM_CAPTCHA_CLIENTS, salt ^ 0x9e3779b9u);
}

/* Anonymous shared memory, or a named segment where the platform has no
 * anonymous kind.  Made in the process pool: it outlives restarts, and a
 * graceful restart keeps queue, counters and places. */
static apr_status_t shared_create(server_rec *s, apr_pool_t *pconf,
                                  adm_retained *ret)
{
    apr_pool_t *pp = s->process->pool;
    apr_size_t size = shared_size();
    apr_status_t rv;

    rv = apr_shm_create(&ret->shm, size, NULL, pp);
    if (rv == APR_ENOTIMPL) {
        const char *fname = ap_runtime_dir_relative(pconf,
                                                    "jszg-admission.shm");
        apr_shm_remove(fname, pconf);
        rv = apr_shm_create(&ret->shm, size, fname, pp);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, JSZGLOGNO(15002)
                     "admission control: cannot create %" APR_SIZE_T_FMT
                     " bytes of shared memory", size);
        return rv;
    }
    ret->sh = apr_shm_baseaddr_get(ret->shm);
    shared_init(ret->sh, size);
    return APR_SUCCESS;
}

int jszg_gate_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp)
{
    (void)plog; (void)ptemp;
    return ap_mutex_register(pconf, ADM_MUTEX, NULL, APR_LOCK_DEFAULT, 0)
           == APR_SUCCESS ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

int jszg_gate_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s)
{
    jszg_server_conf *sc = ap_get_module_config(s->module_config,
                                                &jszg_module);
    adm_retained *ret;
    apr_status_t rv;
    (void)plog; (void)ptemp;

    /* The first pass only checks the configuration. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;
    jszg_gate_runtime_from_conf(s, sc->adm);

    ret = ap_retained_data_get(ADM_RETAINED);
    if (!ret)
        ret = ap_retained_data_create(ADM_RETAINED, sizeof(*ret));
    /* One mutex for the life of the parent: children of the old and the
     * new generation share the segment during a graceful restart and must
     * also share its lock. */
    if (!ret->mutex) {
        rv = ap_global_mutex_create(&ret->mutex, NULL, ADM_MUTEX, NULL, s,
                                    s->process->pool, 0);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, JSZGLOGNO(15003)
                         "admission control: cannot create the global "
                         "mutex");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    if (!ret->sh || ret->sh->magic != ADM_MAGIC
        || ret->sh->version != ADM_VERSION
        || ret->sh->size != shared_size()) {
        if (shared_create(s, pconf, ret) != APR_SUCCESS)
            return HTTP_INTERNAL_SERVER_ERROR;
    }
    jszg_rt.sh = ret->sh;
    jszg_rt.mutex = ret->mutex;
    if (jszg_rt.enabled)
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, JSZGLOGNO(15004)
                     "admission control on: %d in flight (%d reserved for "
                     "admitted sessions), admissions valid %" APR_INT64_T_FMT
                     " s", jszg_rt.max_in_flight, jszg_rt.reserve,
                     jszg_rt.lifetime);
    if (jszg_rt.enabled && jszg_rt.shared
        && jszg_gate_heartbeat_start(pconf, s) != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    return OK;
}

/* ---- processes -------------------------------------------------------- */

/* Take back the slots of processes that died holding requests (a crash
 * runs no pool cleanups).  Caller holds the mutex. */
static void sweep_dead(apr_uint32_t self)
{
    int i;

    for (i = 0; i < ADM_PROCS; i++) {
        adm_proc *p = &jszg_rt.sh->procs[i];
        apr_uint32_t pid = p->pid, n, cur;

        if (!pid || pid == self)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        n = apr_atomic_xchg32(&p->in_flight, 0);
        /* never below zero, whatever happened */
        do {
            cur = apr_atomic_read32(&jszg_rt.sh->in_flight);
        } while (apr_atomic_cas32(&jszg_rt.sh->in_flight,
                                  cur - (n < cur ? n : cur), cur) != cur);
        if (n)
            apr_atomic_add64(&jszg_rt.sh->counters[C_RECLAIMED], n);
        p->pid = 0;
    }
}

static apr_status_t proc_release(void *data)
{
    adm_proc *p = data;

    /* A process exits once its requests are done: nothing to give back. */
    p->pid = 0;
    return APR_SUCCESS;
}

int jszg_gate_lock(void)
{
    apr_status_t rv = apr_global_mutex_lock(jszg_rt.mutex);

    if (rv != APR_SUCCESS) {
        SH_COUNT(C_LOCK_FAILED);
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, NULL, JSZGLOGNO(15010)
                     "admission control: cannot lock the global mutex; "
                     "letting the request through");
        return 0;
    }
    return 1;
}

void jszg_gate_unlock(void)
{
    apr_global_mutex_unlock(jszg_rt.mutex);
}

void jszg_gate_child_init(apr_pool_t *p, server_rec *s)
{
    apr_uint32_t self = (apr_uint32_t)getpid();
    apr_status_t rv;
    int i;

    if (!jszg_rt.sh)
        return;
    rv = apr_global_mutex_child_init(
        &jszg_rt.mutex, apr_global_mutex_lockfile(jszg_rt.mutex), p);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, JSZGLOGNO(15011)
                     "admission control: cannot attach the global mutex in "
                     "the child; admission control is off in this process");
        jszg_rt.sh = NULL;
        return;
    }
    jszg_gate_queue_child_init(p, s);
    if (!jszg_gate_lock())
        return;
    sweep_dead(self);
    for (i = 0; i < ADM_PROCS && !jszg_rt.me; i++)
        if (!jszg_rt.sh->procs[i].pid) {
            jszg_rt.me = &jszg_rt.sh->procs[i];
            jszg_rt.me->in_flight = 0;
            jszg_rt.me->pid = self;
        }
    jszg_gate_unlock();
    if (jszg_rt.me)
        apr_pool_cleanup_register(p, jszg_rt.me, proc_release,
                                  apr_pool_cleanup_null);
    else
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, JSZGLOGNO(15012)
                     "admission control: more than %d processes; this one "
                     "is not tracked, a crash of it may leak slots",
                     ADM_PROCS);
}

/* ---- slots ------------------------------------------------------------ */

int jszg_gate_slot_try(void)
{
    apr_uint32_t cur;

    do {
        cur = apr_atomic_read32(&jszg_rt.sh->in_flight);
        if (cur >= (apr_uint32_t)jszg_rt.max_in_flight)
            return 0;
    } while (apr_atomic_cas32(&jszg_rt.sh->in_flight, cur + 1, cur) != cur);
    return 1;
}

/* Order matters: the process count goes down first and up last, so that
 * a process killed in between leaves the global count too high (taken
 * back by the sweep), never too low. */
static apr_status_t slot_release(void *data)
{
    (void)data;
    if (jszg_rt.me)
        apr_atomic_dec32(&jszg_rt.me->in_flight);
    apr_atomic_dec32(&jszg_rt.sh->in_flight);
    return APR_SUCCESS;
}

void jszg_gate_slot_hold(request_rec *r)
{
    if (jszg_rt.me)
        apr_atomic_inc32(&jszg_rt.me->in_flight);
    apr_pool_cleanup_register(r->pool, NULL, slot_release,
                              apr_pool_cleanup_null);
}

/* Once a second at most, when the gate is full, look for dead processes
 * whose slots are still counted.  Caller holds the mutex. */
void jszg_gate_sweep_if_due(void)
{
    apr_int64_t now = apr_time_sec(apr_time_now());

    if (jszg_rt.sh->last_sweep != now) {
        jszg_rt.sh->last_sweep = now;
        sweep_dead((apr_uint32_t)getpid());
    }
}

static void maybe_sweep(void)
{
    if (jszg_rt.sh->last_sweep == apr_time_sec(apr_time_now())
        || !jszg_gate_lock())
        return;
    jszg_gate_sweep_if_due();
    jszg_gate_unlock();
}

/* An admitted request waits for a slot, in a worker thread; after
 * ADM_SLOT_WAIT it goes in over the limit rather than failing. */
void jszg_gate_slot_wait(request_rec *r)
{
    apr_time_t until = apr_time_now() + ADM_SLOT_WAIT;

    if (!jszg_gate_slot_try()) {
        apr_atomic_inc32(&jszg_rt.sh->waiting);
        maybe_sweep();
        while (!jszg_gate_slot_try()) {
            if (apr_time_now() >= until) {
                apr_atomic_inc32(&jszg_rt.sh->in_flight);
                SH_COUNT(C_OVERDRAFT);
                ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JSZGLOGNO(15020)
                              "admitted request let in over JszgMaxInFlight "
                              "after waiting %d s",
                              (int)apr_time_sec(ADM_SLOT_WAIT));
                break;
            }
            apr_sleep(ADM_SLOT_POLL);
        }
        apr_atomic_dec32(&jszg_rt.sh->waiting);
    }
    jszg_gate_slot_hold(r);
}

void jszg_gate_count_second(int admitted)
{
    apr_int64_t now = apr_time_sec(apr_time_now());
    adm_second *s = &jszg_rt.sh->secs[now % ADM_SECS];

    if (s->sec != now) {
        s->sec = now;
        s->served = 0;
        s->admitted = 0;
    }
    s->served++;
    s->admitted += admitted;
}

/* Room for someone new: busy slots, admitted requests waiting for one,
 * and tickets called but not yet back leave more than the reserve. */
int jszg_gate_room_for_new(apr_int64_t now)
{
    apr_uint32_t used = apr_atomic_read32(&jszg_rt.sh->in_flight)
                        + apr_atomic_read32(&jszg_rt.sh->waiting)
                        + jszg_queue_pending(sh_queue(), now, &adm_timing);

    if (jszg_rt.shared)
        used += jszg_calls_pending(&jszg_rt.sh->shared_calls, now);

    return used + (apr_uint32_t)jszg_rt.reserve
           < (apr_uint32_t)jszg_rt.max_in_flight;
}

int jszg_gate_admit_token(apr_time_t now, int take)
{
    if (!jszg_rt.admit_limited)
        return 1;
    if (!take)
        return jszg_tb_ready(&jszg_rt.sh->admit_tb, &jszg_rt.admit, now);
    return jszg_tb_take(&jszg_rt.sh->admit_tb, &jszg_rt.admit, now, 1, NULL);
}


/* This front end's room for new arrivals, for the other front ends of a
 * shared queue (the same count as jszg_gate_room_for_new). */
apr_uint32_t jszg_gate_free_room(apr_int64_t now)
{
    apr_uint32_t used = apr_atomic_read32(&jszg_rt.sh->in_flight)
                        + apr_atomic_read32(&jszg_rt.sh->waiting)
                        + jszg_queue_pending(sh_queue(), now, &adm_timing)
                        + jszg_calls_pending(&jszg_rt.sh->shared_calls, now)
                        + (apr_uint32_t)jszg_rt.reserve;

    return used < (apr_uint32_t)jszg_rt.max_in_flight
           ? (apr_uint32_t)jszg_rt.max_in_flight - used : 0;
}

volatile apr_uint32_t *jszg_gate_db_outage_word(void)
{
    return jszg_rt.sh ? &jszg_rt.sh->db_outage : NULL;
}
