/*
 * jszg_tokenbucket.h -- token buckets for admission control, and a fixed
 * size table of per-client buckets that lives in shared memory.
 *
 * Pure C over APR: no httpd headers, unit-tested on its own.  Nothing here
 * locks: the caller (jszg_admission.c) holds the global mutex around every
 * call that touches a bucket in shared memory.  The structures hold no
 * pointers, so they work at any mapping address.
 */
#ifndef JSZG_TOKENBUCKET_H
#define JSZG_TOKENBUCKET_H

#include <apr.h>
#include <apr_time.h>

/* Levels are kept in micro-tokens: whole tokens times this. */
#define JSZG_TB_UNIT APR_INT64_C(1000000)

typedef struct {
    apr_int64_t rate_milli;     /* refill, tokens per second x 1000; > 0 */
    apr_int64_t burst;          /* bucket size in whole tokens; >= 1 */
} jszg_tb_conf;

typedef struct {
    apr_int64_t level;          /* micro-tokens; may go negative (debt) */
    apr_time_t last;            /* time of the last refill */
} jszg_tb;

/* A full bucket as of now. */
void jszg_tb_init(jszg_tb *b, const jszg_tb_conf *c, apr_time_t now);

/* Refill up to now; a clock that goes backwards refills nothing. */
void jszg_tb_refill(jszg_tb *b, const jszg_tb_conf *c, apr_time_t now);

/* Is there a whole token now (after refilling)? */
int jszg_tb_ready(jszg_tb *b, const jszg_tb_conf *c, apr_time_t now);

/*
 * Take one token.  Returns 1 when taken.  Otherwise returns 0 and sets
 * *wait (when not NULL) to the time until a token is there.  With force,
 * the token is always taken, running into debt of at most one burst: a
 * request that must not be refused still counts against the client.
 */
int jszg_tb_take(jszg_tb *b, const jszg_tb_conf *c, apr_time_t now,
                 int force, apr_interval_time_t *wait);

/* Give back a token taken by mistake (never above the burst). */
void jszg_tb_refund(jszg_tb *b, const jszg_tb_conf *c);

/*
 * A rate for a directive: "20", "0.5", "2.125" (at most 3 decimals),
 * between 0.001 and 1000000 per second.  Returns 0 and the rate x 1000,
 * or -1 on anything else.
 */
int jszg_tb_parse_rate(const char *s, apr_int64_t *milli);

/* ---- the per-client table -------------------------------------------- */

#define JSZG_TB_KEYLEN 16
#define JSZG_TB_PROBE  8        /* slots looked at per key */

typedef struct {
    unsigned char key[JSZG_TB_KEYLEN];
    jszg_tb tb;
    apr_uint32_t used;          /* 0: free */
    apr_uint32_t pad;
} jszg_tb_slot;

typedef struct {
    apr_uint32_t nslots;        /* a power of two */
    apr_uint32_t salt;          /* per table, against crafted collisions */
    apr_uint64_t evictions;     /* live buckets dropped for a new client */
    jszg_tb_slot slots[1];
} jszg_tb_table;

/* Bytes for a table of nslots (rounded up to a power of two, >= 16). */
apr_size_t jszg_tb_table_size(apr_uint32_t nslots);
void jszg_tb_table_init(jszg_tb_table *t, apr_uint32_t nslots,
                        apr_uint32_t salt);

/*
 * Take a token from the bucket of key (see jszg_tb_take).  A new key gets
 * a full bucket in a free slot among its probes; when all are in use the
 * least recently used one is taken over (a bucket idle long enough to be
 * full again loses nothing by that).
 */
int jszg_tb_table_take(jszg_tb_table *t, const unsigned char *key,
                       const jszg_tb_conf *c, apr_time_t now, int force,
                       apr_interval_time_t *wait);

/* Clients whose bucket is empty right now (for the status page). */
apr_uint32_t jszg_tb_table_limited(const jszg_tb_table *t,
                                   const jszg_tb_conf *c, apr_time_t now);

/*
 * The table key of a client address in text form.  IPv4 (and IPv4-mapped
 * IPv6) addresses are one client each; an IPv6 address counts by its /64,
 * because one host is routinely given a whole /64 to rotate through.
 * Returns 0, or -1 when ip is not an address.
 */
int jszg_tb_key_from_ip(const char *ip, unsigned char *key);

#endif /* JSZG_TOKENBUCKET_H */
