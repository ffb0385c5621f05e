/*
 * jszg_ticket.h -- the waiting room's pure parts: signed queue tickets and
 * admission cookies, the FIFO queue model that lives in shared memory, the
 * set of admitted sessions, and the number-only template fill of the
 * waiting page.
 *
 * Pure C over APR and libcrypto: no httpd headers, unit-tested and fuzzed
 * on its own.  Nothing here locks; jszg_admission.c holds the global mutex
 * around every call on the shared structures, which hold no pointers.
 */
#ifndef JSZG_TICKET_H
#define JSZG_TICKET_H

#include <apr.h>
#include <apr_pools.h>
#include <apr_time.h>

/* ---- keys ------------------------------------------------------------- */

#define JSZG_TK_KEYLEN 32

/* A key for one purpose, derived from the server secret (HMAC-SHA256 of
 * the label), so a ticket MAC can never pass for a cookie MAC or for the
 * CSRF tokens that use the secret itself. */
void jszg_tk_derive(const unsigned char *secret, apr_size_t len,
                    const char *label, unsigned char *key);

/* ---- tickets and admission cookies ------------------------------------ */

typedef enum {
    JSZG_TK_OK = 0,
    JSZG_TK_MALFORMED,          /* not our syntax at all */
    JSZG_TK_BADMAC              /* our syntax, wrong signature: forged */
} jszg_tk_status;

/* A place in the queue: "T1.<epoch hex>.<seq>.<issued>.<mac>". */
typedef struct {
    apr_uint64_t epoch;         /* the queue it belongs to */
    apr_uint64_t seq;           /* ticket number, from 1 */
    apr_int64_t issued;         /* seconds since the Unix epoch */
} jszg_ticket;

/* An admission: "A1.<id hex>.<expires>.<mac>". */
typedef struct {
    apr_uint64_t id;            /* random, names the admitted session */
    apr_int64_t expires;        /* seconds since the Unix epoch */
} jszg_admit;

/* A captcha challenge: "K1.<mode>.<issued ms>.<nonce hex>.<mac>".  The
 * server keeps nothing until it is answered: the MAC proves the server
 * issued it, and seed and answer follow from the nonce under the server
 * secret (jszg_account.c).  Bind it to one browser by signing with a key
 * derived for that browser. */
typedef struct {
    int mode;                   /* 0..9 (jszg_captcha_mode) */
    apr_int64_t issued_ms;      /* milliseconds since the Unix epoch */
    apr_uint64_t nonce;         /* random */
} jszg_challenge;

#define JSZG_TK_MAXLEN 96       /* longer input is refused unread */

/* payload + "." + its MAC (the encoders below use it; tests and the fuzz
 * target sign arbitrary payloads with it to reach the strict parser). */
const char *jszg_tk_sign(apr_pool_t *p, const unsigned char *key,
                         const char *payload);

const char *jszg_ticket_encode(apr_pool_t *p, const unsigned char *key,
                               const jszg_ticket *t);
jszg_tk_status jszg_ticket_decode(const unsigned char *key, const char *s,
                                  jszg_ticket *t);

const char *jszg_admit_encode(apr_pool_t *p, const unsigned char *key,
                              const jszg_admit *a);
jszg_tk_status jszg_admit_decode(const unsigned char *key, const char *s,
                                 jszg_admit *a);

const char *jszg_challenge_encode(apr_pool_t *p, const unsigned char *key,
                                  const jszg_challenge *c);
jszg_tk_status jszg_challenge_decode(const unsigned char *key, const char *s,
                                     jszg_challenge *c);

/* ---- the FIFO queue model --------------------------------------------- */

/*
 * Tickets are numbered; "called" is the highest number allowed in.  A
 * waiting client asks again every few seconds; advancing "called" skips
 * tickets whose holder stopped asking (abandoned), so a closed browser tab
 * does not hold up everyone behind it.  A ticket is consumed when its
 * holder is admitted: a copy of it, used again, is refused.  Slots form a
 * ring: a ticket whose slot was reused is gone.
 */
typedef struct {
    apr_uint64_t seq;           /* ticket in this slot; 0: none */
    apr_int64_t seen;           /* last time its holder asked (seconds) */
    apr_int64_t called_at;      /* when it was called; 0: not yet */
    apr_uint32_t consumed;      /* admitted */
    apr_uint32_t gap;           /* its holder's poll interval, seconds
                                   (smoothed); 0: never came back */
} jszg_qslot;

typedef struct {
    apr_uint64_t next;          /* next ticket number to issue */
    apr_uint64_t called;        /* tickets <= called may come in */
    apr_uint64_t issued;        /* counters for the status page */
    apr_uint64_t admitted;
    apr_uint64_t skipped;
    apr_uint32_t nslots;        /* a power of two */
    apr_uint32_t pad;
    jszg_qslot slots[1];
} jszg_queue;

typedef enum {
    JSZG_Q_UNKNOWN = 0,         /* never issued here */
    JSZG_Q_GONE,                /* issued, but its slot was reused */
    JSZG_Q_USED,                /* already admitted once: a replay */
    JSZG_Q_CALLED,              /* may come in */
    JSZG_Q_WAITING
} jszg_q_state;

/*
 * How long a waiting room trusts its visitors (seconds).  A holder who
 * never came back after the ticket was issued is given up after
 * first_back (a real browser asks again within one poll interval); one
 * who did come back, after abandon (background tabs are throttled).  A
 * called ticket keeps a place free until its holder's next poll is
 * overdue: one poll interval (the observed one, else poll) after it was
 * last seen, plus slack, at least 1 s after the call and never more
 * than hold_max.  Cookie-less clients that never return so cost a place
 * for a second or two instead of hold_max.
 */
typedef struct {
    apr_int64_t abandon;
    apr_int64_t first_back;
    apr_int64_t poll;
    apr_int64_t slack;
    apr_int64_t hold_max;
} jszg_q_timing;

/* The last second a called ticket holds its place. */
apr_int64_t jszg_q_hold_until(const jszg_q_timing *t, apr_int64_t called_at,
                              apr_int64_t seen, apr_uint32_t gap);

/* Is the holder of a waiting ticket gone? */
int jszg_q_abandoned(const jszg_q_timing *t, apr_int64_t now,
                     apr_int64_t seen, apr_uint32_t gap);

/* The smoothed poll interval after the holder asked again `interval`
 * seconds after the previous time. */
apr_uint32_t jszg_q_gap_update(apr_uint32_t gap, apr_int64_t interval);

apr_size_t jszg_queue_size(apr_uint32_t nslots);
void jszg_queue_init(jszg_queue *q, apr_uint32_t nslots);

/* A new ticket at the back; APR_EAGAIN when the ring is full. */
apr_status_t jszg_queue_issue(jszg_queue *q, apr_int64_t now,
                              apr_uint64_t *seq);

jszg_q_state jszg_queue_state(const jszg_queue *q, apr_uint64_t seq);

/* The holder of seq asked again. */
void jszg_queue_touch(jszg_queue *q, apr_uint64_t seq, apr_int64_t now);

/*
 * Call the next live waiting ticket: advance "called" past abandoned ones
 * (jszg_q_abandoned; at most max_skip of them per call).  Returns 1 when
 * a live ticket was called, 0 when none waits.
 */
int jszg_queue_call(jszg_queue *q, apr_int64_t now, const jszg_q_timing *t,
                    apr_uint32_t max_skip);

/* Mark seq admitted. */
void jszg_queue_consume(jszg_queue *q, apr_uint64_t seq);

/* Tickets called, not yet admitted and still holding their place
 * (jszg_q_hold_until): places the in-flight gate must keep free. */
apr_uint32_t jszg_queue_pending(const jszg_queue *q, apr_int64_t now,
                                const jszg_q_timing *t);

/* Tickets not yet called (abandoned ones included until skipped). */
apr_uint64_t jszg_queue_waiting(const jszg_queue *q);

/* Place of a waiting ticket: 1 for the next to be called; 0 if called. */
apr_uint64_t jszg_queue_position(const jszg_queue *q, apr_uint64_t seq);

/* ---- tickets of a shared queue called by this front end --------------- */

/*
 * With a queue shared through Redis or memcached, each front end
 * remembers the tickets it called until their holder comes in (here:
 * done) or their hold runs out, so that it keeps their places free like
 * local ones.
 * A ring: past JSZG_CALLS entries the oldest is forgotten.
 */
#define JSZG_CALLS 512

typedef struct {
    apr_uint64_t seq;
    apr_int64_t until;          /* last second of the hold */
} jszg_call;

typedef struct {
    apr_uint32_t next;
    apr_uint32_t pad;
    jszg_call c[JSZG_CALLS];
} jszg_calls;

void jszg_calls_add(jszg_calls *c, apr_uint64_t seq, apr_int64_t until);
void jszg_calls_done(jszg_calls *c, apr_uint64_t seq);
apr_uint32_t jszg_calls_pending(const jszg_calls *c, apr_int64_t now);

/* ---- admitted sessions seen recently ---------------------------------- */

typedef struct {
    apr_uint64_t id;
    apr_int64_t seen;
} jszg_adslot;

typedef struct {
    apr_uint32_t nslots;        /* a power of two */
    apr_uint32_t pad;
    jszg_adslot slots[1];
} jszg_adset;

apr_size_t jszg_adset_size(apr_uint32_t nslots);
void jszg_adset_init(jszg_adset *s, apr_uint32_t nslots);
void jszg_adset_touch(jszg_adset *s, apr_uint64_t id, apr_int64_t now);
/* Sessions seen within the last `window` seconds. */
apr_uint32_t jszg_adset_count(const jszg_adset *s, apr_int64_t now,
                              apr_int64_t window);

/* ---- the waiting page ------------------------------------------------- */

/*
 * The page template is text with {{name}} placeholders.  Only numbers are
 * ever filled in, so the result needs no escaping and the page can be
 * served from memory without the template engine.
 */
#define JSZG_TPL_MAXVARS 8

/* Returns NULL when every placeholder is one of names (NULL-terminated),
 * else a message naming the first bad one. */
const char *jszg_tpl_check(apr_pool_t *p, const char *tpl,
                           const char *const *names);

/* Fill: names[i] takes values[i]; unknown placeholders stay as they are. */
char *jszg_tpl_fill(apr_pool_t *p, const char *tpl,
                    const char *const *names, const apr_int64_t *values);

#endif /* JSZG_TICKET_H */
