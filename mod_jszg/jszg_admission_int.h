/*
 * jszg_admission_int.h -- what the admission files share among
 * themselves (nothing outside mod_jszg/jszg_admission*.c includes it):
 * the configuration, the shared memory segment's layout, the runtime read
 * by every request, one request's state and the functions each file
 * offers the others.
 *
 *   jszg_admission.c         the gate: hooks, what a request brings
 *                            (cookies, tickets, client address), enter
 *   jszg_admission_conf.c    directives, create/merge, the runtime
 *   jszg_admission_shm.c     shared memory, processes, the mutex, slots
 *                            and the room new arrivals may take
 *   jszg_admission_queue.c   the waiting room's decisions over the queue
 *                            backend interface; joining a shared queue
 *   jszg_admission_answer.c  the waiting page, 429, queue full, JSON
 *   jszg_admission_status.c  the status handler (SetHandler jszg-status)
 *   jszg_admission_backend.h the queue backends (local, Redis, memcached)
 */
#ifndef JSZG_ADMISSION_INT_H
#define JSZG_ADMISSION_INT_H

#include "jszg_private.h"
#include "jszg_admission.h"
#include "jszg_tokenbucket.h"
#include "jszg_ticket.h"
#include "jszg_admission_backend.h"

#include "apr_atomic.h"
#include "apr_global_mutex.h"
#include "apr_shm.h"
#include "apr_strings.h"

#define ADM_MUTEX       "jszg-admission"
#define ADM_RETAINED    "mod_jszg-admission"
#define ADM_MAGIC       0x4a535a47u         /* "JSZG" */
#define ADM_VERSION     6

/* Sizes of the shared tables (about 6 MB in all). */
#define ADM_PROCS       1024        /* processes tracked (2 generations) */
#define ADM_QSLOTS      (1u << 17)  /* waiting room: 98304 waiting max */
#define ADM_CLIENTS     16384       /* client buckets */
#define ADM_SESSIONS    65536       /* admitted sessions counted */
#define ADM_SECS        64          /* per-second counters kept */

/* Waiting room timing (seconds). */
#define ADM_REFRESH     5       /* meta refresh of the waiting page */
#define ADM_POLL        3       /* queue.js polling interval */
#define ADM_ABANDON     60      /* a ticket not asked for this long is
                                   skipped (background tabs are slow) */
/* A ticket whose holder never asked again is given up after two page
 * refreshes: a browser on the waiting page polls every ADM_POLL s and
 * reloads every ADM_REFRESH s; a client that never comes back (a script
 * without cookies) must not keep a place. */
#define ADM_FIRST_BACK  (2 * ADM_REFRESH)
#define ADM_SLACK       2       /* late polls a called ticket tolerates */
#define ADM_PENDING     15      /* a called ticket holds its place at most
                                   so long (see jszg_q_hold_until) */
#define ADM_MAX_SKIP    4096    /* abandoned tickets passed per call */
#define ADM_TICKET_TTL  (6 * 3600)
/* A POST with an authentic but expired admission still goes in: the
 * applicant filled the form while admitted.  As long as a session. */
#define ADM_POST_GRACE  (8 * 60 * 60)  /* seconds (a duration) */
/* An admitted request waits this long for a slot, then goes in anyway
 * (counted as overdraft): admitted work is never turned away. */
#define ADM_SLOT_WAIT   apr_time_from_sec(10)
/* How often a waiting admitted request looks for a free slot: a slot
 * freed stays empty until then (5 ms cost goodput at 20x overload in
 * bench/admission, a few % of the CPU at most when the gate is full). */
#define ADM_SLOT_POLL   apr_time_from_msec(1)

/* The shared queue (JszgSharedQueue). */
#define ADM_REJOIN      1       /* seconds between attempts to rejoin */
#define ADM_PUBLISH_TTL 15      /* a front end's in-flight count expires:
                                   idle this long, it is not counted */

static const jszg_q_timing adm_timing = {
    ADM_ABANDON, ADM_FIRST_BACK, ADM_POLL, ADM_SLACK, ADM_PENDING
};

#define ADM_COOKIE      "jszg_adm"
#define TICKET_COOKIE   "jszg_qt"
#define TICKET_HEADER   "X-Jszg-Ticket"
#define QUEUE_API       "/api/v1/queue"
#define STATUS_HANDLER  "jszg-status"

#define JSON_CT "application/json; charset=utf-8"
#define HTML_CT "text/html; charset=utf-8"

/* ---- configuration ---------------------------------------------------- */

typedef struct {
    int enabled;                    /* -1: unset */
    int max_in_flight;              /* -1: unset; 0: auto */
    apr_int64_t admit_rate;         /* x1000; -1: unset; 0: auto */
    apr_int64_t admit_burst;
    apr_int64_t lifetime;           /* seconds; -1: unset */
    apr_int64_t client_rate;        /* x1000; -1: unset; 0: off */
    apr_int64_t client_burst;
    apr_int64_t captcha_rate;       /* x1000; -1: unset; 0: off */
    apr_int64_t captcha_burst;
    apr_array_header_t *exempt;     /* const char *; NULL: unset */
    const char *proxy_header;       /* NULL: unset */
    apr_array_header_t *proxies;    /* apr_ipsubnet_t * */
    const char *tpl_file;
    const char *tpl;
    const char *shared_url;         /* NULL: unset; "": none */
    const jszg_qb_provider *shared_pv;  /* redis:// or memcached:// */
    jszg_qb_addr shared_addr;
} adm_conf;

#define DEFAULT_LIFETIME        1800
#define DEFAULT_CLIENT_RATE     20000
#define DEFAULT_CLIENT_BURST    40
#define DEFAULT_CAPTCHA_RATE    1000    /* captcha images a second … */
#define DEFAULT_CAPTCHA_BURST   30      /* … per client address */
#define ADM_CAPTCHA_CLIENTS     4096
#define DEFAULT_DBDMAX          10      /* mod_dbd's own default */

/* {{names}} of the waiting page's template (jszg_admission_answer.c). */
extern const char *const jszg_gate_tpl_names[];
extern const char jszg_gate_default_tpl[];

/* ---- shared state ----------------------------------------------------- */

/* The shared queue's state in this front end. */
enum { SQ_JOINING = 0, SQ_UP, SQ_DOWN };

enum {
    C_SERVED = 0,       /* requests let through to the handler */
    C_ADMITTED,         /* new admissions (cookies issued) */
    C_QUEUED,           /* waiting-room answers */
    C_LIMITED,          /* 429 */
    C_QUEUE_FULL,
    C_FORGED_TICKET,
    C_REPLAYED_TICKET,
    C_STALE_TICKET,     /* old epoch or fell off the ring */
    C_FORGED_ADMISSION,
    C_EXPIRED_ADMISSION,
    C_POST_GRACE,       /* expired admission let in for a POST */
    C_OVERDRAFT,        /* admitted request let in over the limit */
    C_RECLAIMED,        /* slots taken back from dead processes */
    C_LOCK_FAILED,
    C_SHARED_FALLBACK,  /* times the shared queue was lost */
    C_CALLED_ELSEWHERE, /* tickets called here on another's room */
    C_COUNT
};


typedef struct {
    volatile apr_uint32_t pid;
    volatile apr_uint32_t in_flight;
} adm_proc;

typedef struct {
    apr_int64_t sec;
    apr_uint32_t served;
    apr_uint32_t admitted;
} adm_second;

typedef struct {
    apr_uint32_t magic;
    apr_uint32_t version;
    apr_size_t size;
    apr_uint64_t epoch;             /* random; names this queue in tickets */
    apr_int64_t created;
    volatile apr_uint32_t in_flight;
    volatile apr_uint32_t waiting;  /* admitted requests waiting a slot */
    volatile apr_uint64_t counters[C_COUNT];
    /* below: only under the mutex */
    jszg_tb admit_tb;
    apr_int64_t last_sweep;
    /* the shared queue: state changes by CAS, the rest under the mutex */
    volatile apr_uint32_t shared_state;     /* SQ_* */
    volatile apr_uint32_t shared_gen;       /* processes reopen their
                                               client when it moves */
    volatile apr_uint32_t shared_retry;     /* second of the next rejoin */
    volatile apr_uint32_t shared_calling;   /* a thread is calling */
    volatile apr_uint32_t shared_published; /* second of the last publish */
    apr_uint32_t shared_node;
    apr_uint64_t shared_epoch;
    jszg_calls shared_calls;                /* tickets this node called */
    /* the other front ends' room, read at most once a second, and how
     * many tickets this one called on it since (under the mutex) */
    volatile apr_uint32_t cluster_read;     /* second it was read */
    apr_uint32_t cluster_free;
    apr_uint32_t cluster_lent;
    apr_uint64_t decisions;                 /* local queue decisions made */
    volatile apr_uint32_t db_outage;        /* the store's: 1 while the
                                               database is unreachable */
    adm_second secs[ADM_SECS];
    adm_proc procs[ADM_PROCS];
    apr_size_t off_queue, off_clients, off_sessions, off_captcha;
} adm_shared;

typedef struct {
    apr_shm_t *shm;
    adm_shared *sh;
    apr_global_mutex_t *mutex;
} adm_retained;

/* Per process: set in post_config (parent, before fork), read-only after,
 * except the mutex handle and `me`, set in child_init. */
typedef struct {
    const adm_conf *conf;
    int enabled;
    int max_in_flight;
    int reserve;                    /* slots new arrivals may not take */
    int admit_limited;
    jszg_tb_conf admit;
    int client_limited;
    jszg_tb_conf client;
    int captcha_limited;
    jszg_tb_conf captcha;
    apr_int64_t lifetime;
    const char *tpl;
    const apr_array_header_t *exempt;
    unsigned char tkey[JSZG_TK_KEYLEN];     /* tickets */
    unsigned char akey[JSZG_TK_KEYLEN];     /* admission cookies */
    adm_shared *sh;
    apr_global_mutex_t *mutex;
    adm_proc *me;
    int shared;                     /* JszgSharedQueue set */
} jszg_gate_runtime;

extern jszg_gate_runtime jszg_rt;

#define SH_COUNT(c) apr_atomic_inc64(&jszg_rt.sh->counters[c])

static APR_INLINE jszg_queue *sh_queue(void)
{
    return (jszg_queue *)((char *)jszg_rt.sh + jszg_rt.sh->off_queue);
}

static APR_INLINE jszg_tb_table *sh_clients(void)
{
    return (jszg_tb_table *)((char *)jszg_rt.sh + jszg_rt.sh->off_clients);
}

static APR_INLINE jszg_tb_table *sh_captcha(void)
{
    return (jszg_tb_table *)((char *)jszg_rt.sh + jszg_rt.sh->off_captcha);
}

static APR_INLINE jszg_adset *sh_sessions(void)
{
    return (jszg_adset *)((char *)jszg_rt.sh + jszg_rt.sh->off_sessions);
}

/* ---- one request ------------------------------------------------------ */

typedef enum { V_ENTER, V_WAIT, V_LIMITED, V_FULL, V_SHARED } adm_verdict;

enum { TK_NONE = 0, TK_LOCAL, TK_SHARED };

typedef struct {
    request_rec *r;
    jszg_server_conf *sc;
    apr_time_t now;             /* real time, for buckets and the queue */
    apr_int64_t wall;           /* seconds, test clock aware: cookies */
    int is_api;
    int is_post;
    int poll;                   /* GET /api/v1/queue */
    apr_uint64_t order;         /* of the local queue decision, 0: none */
    unsigned char key[JSZG_TB_KEYLEN];
    int have_key;
    /* admission cookie */
    jszg_admit adm;
    int admitted;               /* valid, or a POST within the grace */
    int renew;
    /* ticket */
    int tk_kind;                /* TK_*: the queue of the ticket brought */
    apr_uint64_t tk_seq;        /* its number */
    jszg_qb *rq;                /* the shared queue, when usable now */
    apr_uint64_t seq;           /* 0: none */
    const char *ticket;         /* encoded, when a new one was issued */
    const char *ticket_in;      /* as the client sent it */
    apr_uint64_t position;
    int have_slot;
    apr_interval_time_t retry;  /* for 429 */
} adm_req;

/* ---- what each file offers ------------------------------------------- */

/* jszg_admission_conf.c */
void jszg_gate_runtime_from_conf(server_rec *s, const adm_conf *c);

/* jszg_admission_shm.c */
int jszg_gate_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                         apr_pool_t *ptemp);
int jszg_gate_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp, server_rec *s);
void jszg_gate_child_init(apr_pool_t *p, server_rec *s);
int jszg_gate_lock(void);               /* 0: failed (counted, logged) */
void jszg_gate_unlock(void);
void jszg_gate_sweep_if_due(void);      /* under the mutex */
int jszg_gate_slot_try(void);
void jszg_gate_slot_hold(request_rec *r);
void jszg_gate_slot_wait(request_rec *r);
void jszg_gate_count_second(int admitted);      /* under the mutex */
int jszg_gate_room_for_new(apr_int64_t now);    /* under the mutex */
int jszg_gate_admit_token(apr_time_t now, int take);    /* the same */
/* This front end's free room for new arrivals (publish). */
apr_uint32_t jszg_gate_free_room(apr_int64_t now);

/* jszg_admission_queue.c */
void jszg_gate_queue_child_init(apr_pool_t *p, server_rec *s);
apr_status_t jszg_gate_heartbeat_start(apr_pool_t *pconf, server_rec *s);
jszg_qb *jszg_gate_shared_client(request_rec *r);
adm_verdict jszg_gate_decide(adm_req *ar);
json_t *jszg_gate_shared_status(request_rec *r);

/* jszg_admission_answer.c */
int jszg_gate_write_answer(request_rec *r, int status, const char *ct,
                           const char *body);
int jszg_gate_write_json(request_rec *r, int status, json_t *j);
json_t *jszg_gate_error_json(const char *code, const char *message);
apr_int64_t jszg_gate_estimate_wait(apr_uint64_t position);
json_t *jszg_gate_queue_json(adm_req *ar, apr_int64_t wait);
void jszg_gate_ticket_out(adm_req *ar);
void jszg_gate_order_out(adm_req *ar, const char *outcome);
int jszg_gate_answer_limited(adm_req *ar);
int jszg_gate_answer_full(adm_req *ar);
int jszg_gate_answer_wait(adm_req *ar);

/* jszg_admission.c */
void jszg_gate_set_cookie(adm_req *ar, const char *name, const char *value,
                          apr_int64_t max_age);
apr_uint64_t jszg_gate_read_ticket(adm_req *ar);

/* jszg_admission_status.c */
int jszg_gate_status(request_rec *r);

#endif /* JSZG_ADMISSION_INT_H */
