/*
 * jszg_admission.c -- peak-load smoothing, the httpd glue.
 *
 * What a dynamic request (r->handler "jszg") goes through, in a handler
 * hook that runs before jszg_handle (APR_HOOK_REALLY_FIRST):
 *   1. exempt paths and internal redirects pass untouched;
 *   2. the client's token bucket (429 + Retry-After when empty);
 *   3. a request with a valid signed admission cookie (jszg_adm) goes in,
 *      waiting for a free slot when JszgMaxInFlight are busy;
 *   4. anyone else is a new arrival: admitted at once when nobody waits
 *      and there is room, else given a signed ticket (jszg_qt) and the
 *      waiting page (503) -- the same URL, refreshed, until called.
 * The slot is given back by a cleanup on the request pool, so it is
 * released whatever the handler did, at the moment mod_dbd gives back the
 * database connection (also a request pool cleanup).
 *
 * State lives in one shared memory segment made in post_config and kept
 * across restarts in ap_retained_data; the in-flight counter is an APR
 * atomic, everything else changes under one global mutex.  The pure parts
 * (bucket arithmetic, tickets, queue model) are jszg_tokenbucket.c and
 * jszg_ticket.c.
 */
#include "jszg_private.h"
#include "jszg_admission.h"
#include "jszg_tokenbucket.h"
#include "jszg_ticket.h"
#include "jszg_admission_redis.h"
#include "jszg_admission_body.h"

#include "http_core.h"
#include "ap_mpm.h"
#include "util_cfgtree.h"
#include "util_mutex.h"
#include "apr_atomic.h"
#include "apr_global_mutex.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "apr_file_io.h"
#include "apr_network_io.h"
#include "apr_lib.h"
#include "apr_thread_mutex.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#define ADM_MUTEX       "jszg-admission"
#define ADM_RETAINED    "mod_jszg-admission"
#define ADM_MAGIC       0x4a535a47u         /* "JSZG" */
#define ADM_VERSION     4

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
#define ADM_POST_GRACE  (8 * 3600)
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
    jszg_rq_kind shared_kind;       /* redis:// or memcached:// */
    const char *shared_host;
    apr_port_t shared_port;
    const char *shared_prefix;
} adm_conf;

#define DEFAULT_LIFETIME        1800
#define DEFAULT_CLIENT_RATE     20000
#define DEFAULT_CLIENT_BURST    40
#define DEFAULT_CAPTCHA_RATE    1000    /* captcha images a second … */
#define DEFAULT_CAPTCHA_BURST   30      /* … per client address */
#define ADM_CAPTCHA_CLIENTS     4096
#define DEFAULT_DBDMAX          10      /* mod_dbd's own default */

static const char *const tpl_names[] = {
    "position", "wait_seconds", "wait_minutes", "refresh", "ticket", NULL
};

/* The site's header (templates/layout.html without the search form and
 * the user bar, which would need the session): people in the waiting
 * room see where they are. */
#define ADM_SITE_HEADER \
    "<header class=\"site-header\"><div class=\"wrap header-row\">\n" \
    "<a class=\"brand\" href=\"/\">" \
    "<span class=\"brand-emblem\" aria-hidden=\"true\">资</span>" \
    "<span class=\"brand-text\"><span class=\"brand-name\">中国教师资格网" \
    "</span><span class=\"brand-url\">www.jszg.edu.cn</span></span>" \
    "</a>\n</div></header>\n"

/* Paths the gate never holds: the waiting page's own assets (when
 * /static is served by this handler too) and the icon every browser asks
 * for beside the page -- a ticket for it would replace the page's. */
static const char *const adm_asset_paths[] = {
    "/favicon.ico", "/static/", NULL
};

/* The waiting page: numbers are the only thing ever filled in. */
static const char default_tpl[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"/>\n"
    "<meta http-equiv=\"refresh\" content=\"{{refresh}}\"/>\n"
    "<meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\"/>\n"
    "<title>排队等候 - 中国教师资格网</title>\n"
    "<link rel=\"stylesheet\" href=\"/static/css/site.css\"/>\n"
    "<script src=\"/static/js/queue.js\" defer=\"defer\"></script>\n"
    "</head><body>\n"
    ADM_SITE_HEADER
    "<main class=\"queue\" id=\"jszg-queue\" data-poll=\"/api/v1/queue\" "
    "data-interval=\"3\">\n"
    "<h1>访问人数较多，请稍候</h1>\n"
    "<p>当前访问人数较多，系统已为您保留排队位置。请不要关闭本页面，"
    "轮到您时将自动进入您要访问的页面。</p>\n"
    "<p>当前排队位置：第 <strong id=\"jszg-queue-position\">{{position}}"
    "</strong> 位</p>\n"
    "<p>预计等待时间：约 <strong id=\"jszg-queue-wait\">{{wait_minutes}}"
    "</strong> 分钟</p>\n"
    "<p class=\"queue-ticket\">排队号：{{ticket}}</p>\n"
    "<p class=\"queue-note\">本页面每 {{refresh}} 秒自动刷新；"
    "离开本页面超过一分钟将失去排队位置。</p>\n"
    "</main></body></html>\n";

static const char page_429[] =
    "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"/>"
    "<title>操作过于频繁 - 中国教师资格网</title>"
    "<link rel=\"stylesheet\" href=\"/static/css/site.css\"/></head>"
    "<body>" ADM_SITE_HEADER "<main class=\"queue\"><h1>操作过于频繁</h1>"
    "<p>您的操作过于频繁，请稍后再试。</p></main></body></html>\n";

static const char page_full[] =
    "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"/>"
    "<meta http-equiv=\"refresh\" content=\"60\"/>"
    "<title>系统繁忙 - 中国教师资格网</title>"
    "<link rel=\"stylesheet\" href=\"/static/css/site.css\"/></head>"
    "<body>" ADM_SITE_HEADER "<main class=\"queue\"><h1>系统繁忙</h1>"
    "<p>当前排队人数已满，请稍后再试。本页面将在一分钟后自动刷新。</p>"
    "</main></body></html>\n";

/* ---- shared state ----------------------------------------------------- */

/* The shared queue's state in this front end. */
enum { SQ_JOINING = 0, SQ_UP, SQ_DOWN };
static const char *const sq_names[] = { "joining", "up", "fallback" };

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
    C_COUNT
};

static const char *const counter_names[C_COUNT] = {
    "served", "admitted", "queued", "client_rate", "queue_full",
    "forged_ticket", "replayed_ticket", "stale_ticket", "forged_admission",
    "expired_admission", "post_grace", "overdraft", "reclaimed",
    "lock_failed", "shared_fallbacks"
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
    apr_uint64_t decisions;                 /* local queue decisions made */
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
static struct {
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
} rt;

/* This process's shared queue client, reopened when shared_gen moves (a lost
 * connection pool is not reused after an outage).  Old clients are left
 * to the process pool: other threads may still hold them. */
static struct {
    apr_pool_t *pool;
    apr_thread_mutex_t *lock;
    jszg_rq *rq;
    apr_uint32_t gen;
    int threads;
} pc;

#define SH_COUNT(c) apr_atomic_inc64(&rt.sh->counters[c])

static jszg_queue *sh_queue(void)
{
    return (jszg_queue *)((char *)rt.sh + rt.sh->off_queue);
}

static jszg_tb_table *sh_clients(void)
{
    return (jszg_tb_table *)((char *)rt.sh + rt.sh->off_clients);
}

static jszg_tb_table *sh_captcha(void)
{
    return (jszg_tb_table *)((char *)rt.sh + rt.sh->off_captcha);
}

static jszg_adset *sh_sessions(void)
{
    return (jszg_adset *)((char *)rt.sh + rt.sh->off_sessions);
}

/* ---- configuration ---------------------------------------------------- */

void *jszg_adm_create_conf(apr_pool_t *p)
{
    adm_conf *c = apr_pcalloc(p, sizeof(*c));

    c->enabled = -1;
    c->max_in_flight = -1;
    c->admit_rate = -1;
    c->lifetime = -1;
    c->client_rate = -1;
    c->captcha_rate = -1;
    return c;
}

void *jszg_adm_merge_conf(apr_pool_t *p, void *basev, void *addv)
{
    adm_conf *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof(*c));

    c->enabled = add->enabled != -1 ? add->enabled : base->enabled;
    c->max_in_flight = add->max_in_flight != -1 ? add->max_in_flight
                                                 : base->max_in_flight;
    if (add->admit_rate != -1) {
        c->admit_rate = add->admit_rate;
        c->admit_burst = add->admit_burst;
    }
    else {
        c->admit_rate = base->admit_rate;
        c->admit_burst = base->admit_burst;
    }
    c->lifetime = add->lifetime != -1 ? add->lifetime : base->lifetime;
    if (add->client_rate != -1) {
        c->client_rate = add->client_rate;
        c->client_burst = add->client_burst;
    }
    else {
        c->client_rate = base->client_rate;
        c->client_burst = base->client_burst;
    }
    if (add->captcha_rate != -1) {
        c->captcha_rate = add->captcha_rate;
        c->captcha_burst = add->captcha_burst;
    }
    else {
        c->captcha_rate = base->captcha_rate;
        c->captcha_burst = base->captcha_burst;
    }
    c->exempt = add->exempt ? add->exempt : base->exempt;
    if (add->proxy_header) {
        c->proxy_header = add->proxy_header;
        c->proxies = add->proxies;
    }
    else {
        c->proxy_header = base->proxy_header;
        c->proxies = base->proxies;
    }
    c->tpl_file = add->tpl_file ? add->tpl_file : base->tpl_file;
    c->tpl = add->tpl ? add->tpl : base->tpl;
    if (add->shared_url) {
        c->shared_url = add->shared_url;
        c->shared_kind = add->shared_kind;
        c->shared_host = add->shared_host;
        c->shared_port = add->shared_port;
        c->shared_prefix = add->shared_prefix;
    }
    else {
        c->shared_url = base->shared_url;
        c->shared_kind = base->shared_kind;
        c->shared_host = base->shared_host;
        c->shared_port = base->shared_port;
        c->shared_prefix = base->shared_prefix;
    }
    return c;
}

static adm_conf *cmd_conf(cmd_parms *cmd)
{
    jszg_server_conf *sc = ap_get_module_config(cmd->server->module_config,
                                                &jszg_module);
    return sc->adm;
}

/* The state is one per server, so are its settings. */
#define MAIN_ONLY(cmd) do {                                             \
    const char *e_ = ap_check_cmd_context(cmd, GLOBAL_ONLY);            \
    if (e_)                                                             \
        return e_;                                                      \
} while (0)

static const char *parse_rate(cmd_parms *cmd, const char *arg,
                              apr_int64_t *milli)
{
    if (jszg_tb_parse_rate(arg, milli))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a rate: a number "
                            "of requests per second between 0.001 and "
                            "1000000, at most 3 decimals", cmd->cmd->name,
                            arg);
    return NULL;
}

const char *jszg_adm_set_enabled(cmd_parms *cmd, void *d, int on)
{
    (void)d;
    MAIN_ONLY(cmd);
    cmd_conf(cmd)->enabled = on;
    return NULL;
}

const char *jszg_adm_set_max(cmd_parms *cmd, void *d, const char *arg)
{
    apr_int64_t v;
    const char *err;
    (void)d;

    MAIN_ONLY(cmd);
    if (!strcasecmp(arg, "auto")) {
        cmd_conf(cmd)->max_in_flight = 0;
        return NULL;
    }
    if ((err = jszg_cmd_range(cmd, arg, 1, 100000, &v)))
        return apr_pstrcat(cmd->pool, err, " (or 'auto')", NULL);
    cmd_conf(cmd)->max_in_flight = (int)v;
    return NULL;
}

const char *jszg_adm_set_admit_rate(cmd_parms *cmd, void *d,
                                    const char *rate, const char *burst)
{
    adm_conf *c = cmd_conf(cmd);
    apr_int64_t b;
    const char *err;
    (void)d;

    MAIN_ONLY(cmd);
    if (!strcasecmp(rate, "auto")) {
        if (burst)
            return "JszgAdmitRate: 'auto' takes no burst";
        c->admit_rate = 0;
        return NULL;
    }
    if ((err = parse_rate(cmd, rate, &c->admit_rate)))
        return err;
    if (!burst)
        b = c->admit_rate / 1000 > 1 ? c->admit_rate / 1000 : 1;
    else if ((err = jszg_cmd_range(cmd, burst, 1, 100000, &b)))
        return err;
    c->admit_burst = b;
    return NULL;
}

const char *jszg_adm_set_lifetime(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    MAIN_ONLY(cmd);
    return jszg_cmd_range(cmd, arg, 60, 86400, &cmd_conf(cmd)->lifetime);
}

/* JszgClientRate and (cmd->info "captcha") JszgCaptchaRate. */
const char *jszg_adm_set_client_rate(cmd_parms *cmd, void *d,
                                     const char *rate, const char *burst)
{
    adm_conf *c = cmd_conf(cmd);
    int captcha = cmd->info && !strcmp(cmd->info, "captcha");
    apr_int64_t *r = captcha ? &c->captcha_rate : &c->client_rate;
    apr_int64_t *b = captcha ? &c->captcha_burst : &c->client_burst;
    const char *err;
    (void)d;

    MAIN_ONLY(cmd);
    if (!strcasecmp(rate, "off")) {
        if (burst)
            return apr_psprintf(cmd->pool, "%s: 'off' takes no burst",
                                cmd->cmd->name);
        *r = 0;
        return NULL;
    }
    if (!burst)
        return apr_psprintf(cmd->pool, "%s needs a rate and a burst, e.g. "
                            "'%s', or 'off'", cmd->cmd->name,
                            captcha ? "1 30" : "20 40");
    if ((err = parse_rate(cmd, rate, r)))
        return err;
    return jszg_cmd_range(cmd, burst, 1, 100000, b);
}

const char *jszg_adm_set_exempt(cmd_parms *cmd, void *d, const char *arg)
{
    adm_conf *c = cmd_conf(cmd);
    (void)d;

    MAIN_ONLY(cmd);
    if (!c->exempt)
        c->exempt = apr_array_make(cmd->pool, 4, sizeof(const char *));
    if (!strcasecmp(arg, "none"))
        return NULL;
    if (arg[0] != '/')
        return apr_psprintf(cmd->pool, "JszgAdmissionExempt: '%s' is not "
                            "a URL path (it must start with '/')", arg);
    APR_ARRAY_PUSH(c->exempt, const char *) = arg;
    return NULL;
}

static int header_name_ok(const char *h)
{
    for (; *h; h++)
        if (!apr_isalnum(*h) && *h != '-' && *h != '_')
            return 0;
    return 1;
}

const char *jszg_adm_set_proxy(cmd_parms *cmd, void *d, int argc,
                               char *const argv[])
{
    adm_conf *c = cmd_conf(cmd);
    int i;
    (void)d;

    MAIN_ONLY(cmd);
    if (argc < 2)
        return "JszgTrustedProxy needs a header name and at least one "
               "proxy address or network, e.g. 'X-Forwarded-For 10.0.0.0/8'";
    if (!*argv[0] || !header_name_ok(argv[0]))
        return apr_psprintf(cmd->pool, "JszgTrustedProxy: '%s' is not a "
                            "header name", argv[0]);
    c->proxy_header = argv[0];
    c->proxies = apr_array_make(cmd->pool, argc, sizeof(apr_ipsubnet_t *));
    for (i = 1; i < argc; i++) {
        char *ip = apr_pstrdup(cmd->temp_pool, argv[i]);
        char *mask = strchr(ip, '/');
        apr_ipsubnet_t *net;

        if (mask)
            *mask++ = '\0';
        if (apr_ipsubnet_create(&net, ip, mask, cmd->pool) != APR_SUCCESS)
            return apr_psprintf(cmd->pool, "JszgTrustedProxy: '%s' is not "
                                "an IP address or network", argv[i]);
        APR_ARRAY_PUSH(c->proxies, apr_ipsubnet_t *) = net;
    }
    return NULL;
}

/* Checked now, so that `apache2 -t` names a bad URL; the store itself
 * is only reached by the children (an outage must not stop a start). */
const char *jszg_adm_set_shared(cmd_parms *cmd, void *d, const char *arg)
{
    adm_conf *c = cmd_conf(cmd);
    const char *why;
    (void)d;

    MAIN_ONLY(cmd);
    if (!strcasecmp(arg, "none")) {
        c->shared_url = "";
        return NULL;
    }
    why = jszg_rq_parse(cmd->pool, arg, &c->shared_kind, &c->shared_host,
                        &c->shared_port, &c->shared_prefix);
    if (why)
        return apr_psprintf(cmd->pool, "JszgSharedQueue: '%s' is not a "
                            "Redis or memcached URL: %s (e.g. "
                            "redis://127.0.0.1:6379, "
                            "memcached://127.0.0.1:11211, or 'none')",
                            arg, why);
    c->shared_url = arg;
    return NULL;
}

/* Read and check the template now, so that `apache2 -t` catches it. */
const char *jszg_adm_set_template(cmd_parms *cmd, void *d, const char *arg)
{
    adm_conf *c = cmd_conf(cmd);
    const char *path = ap_server_root_relative(cmd->pool, arg);
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n;
    char *text;
    const char *bad;
    (void)d;

    MAIN_ONLY(cmd);
    if (!path || apr_file_open(&f, path, APR_FOPEN_READ, 0, cmd->pool)
                 != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "JszgQueueTemplate: cannot open "
                            "'%s'", arg);
    if (apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS
        || fi.size <= 0 || fi.size > 256 * 1024) {
        apr_file_close(f);
        return apr_psprintf(cmd->pool, "JszgQueueTemplate: '%s' must hold "
                            "between 1 byte and 256 KB", path);
    }
    n = (apr_size_t)fi.size;
    text = apr_palloc(cmd->pool, n + 1);
    if (apr_file_read_full(f, text, n, &n) != APR_SUCCESS) {
        apr_file_close(f);
        return apr_psprintf(cmd->pool, "JszgQueueTemplate: cannot read "
                            "'%s'", path);
    }
    apr_file_close(f);
    text[n] = '\0';
    if (strlen(text) != n || !jszg_utf8_valid(text, n))
        return apr_psprintf(cmd->pool, "JszgQueueTemplate: '%s' is not "
                            "UTF-8 text", path);
    if ((bad = jszg_tpl_check(cmd->pool, text, tpl_names)))
        return apr_psprintf(cmd->pool, "JszgQueueTemplate: %s: %s (known: "
                            "{{position}} {{wait_seconds}} {{wait_minutes}} "
                            "{{refresh}} {{ticket}})", path, bad);
    c->tpl_file = path;
    c->tpl = text;
    return NULL;
}

/* ---- startup ---------------------------------------------------------- */

/* DBDMax read from the configuration tree (mod_dbd keeps its settings
 * private): the main server's, the last one winning as in mod_dbd; with
 * in_vhosts, the largest of those set inside <VirtualHost> sections. */
static int find_dbdmax(const ap_directive_t *d, int in_vhosts)
{
    int found = -1, sub;

    for (; d; d = d->next) {
        int vhost = !strcasecmp(d->directive, "<VirtualHost");

        if (!strcasecmp(d->directive, "DBDMax") && d->args) {
            char *end;
            long v = strtol(d->args, &end, 10);
            if (end != d->args && v > 0 && v < 100000
                && (!in_vhosts || v > found))
                found = (int)v;
        }
        else if (d->first_child && (in_vhosts || !vhost)
                 && (sub = find_dbdmax(d->first_child, in_vhosts)) > 0
                 && (!in_vhosts || sub > found))
            found = sub;
    }
    return found;
}

/*
 * JszgMaxInFlight auto: what the database pools can serve at once.  Each
 * process has its own mod_dbd pool of DBDMax connections, but a process
 * never uses more connections than it has threads (1 under prefork).
 */
static int auto_max_in_flight(server_rec *s)
{
    int dbdmax = find_dbdmax(ap_conftree, 0), daemons = 1, threads = 1;
    int per_proc, total;

    /* the admission directives are the main server's, but the portal's
     * database is often set in its <VirtualHost> (README) */
    if (dbdmax <= 0)
        dbdmax = find_dbdmax(ap_conftree, 1);
    if (dbdmax <= 0)
        dbdmax = DEFAULT_DBDMAX;
    ap_mpm_query(AP_MPMQ_MAX_DAEMONS, &daemons);
    ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads);
    if (daemons < 1)
        daemons = 1;
    if (threads < 1)
        threads = 1;
    per_proc = dbdmax < threads ? dbdmax : threads;
    total = per_proc * daemons;
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, JSZGLOGNO(15001)
                 "JszgMaxInFlight auto: %d (DBDMax %d, at most %d per "
                 "process, times %d processes)", total, dbdmax, per_proc,
                 daemons);
    return total;
}

static void runtime_from_conf(server_rec *s, const adm_conf *c)
{
    static const char *const default_exempt[] = { "/api/v1/health" };
    jszg_server_conf *sc = ap_get_module_config(s->module_config,
                                                &jszg_module);

    rt.conf = c;
    rt.enabled = c->enabled == 1;
    rt.max_in_flight = c->max_in_flight > 0 ? c->max_in_flight
                                            : auto_max_in_flight(s);
    /* A quarter of the slots is for admitted sessions only, so that a
     * crowd of new arrivals cannot slow down those mid-application. */
    rt.reserve = rt.max_in_flight / 4;
    rt.admit_limited = c->admit_rate > 0;
    rt.admit.rate_milli = rt.admit_limited ? c->admit_rate : 1000;
    rt.admit.burst = rt.admit_limited ? c->admit_burst : 1;
    rt.client_limited = c->client_rate != 0;
    rt.client.rate_milli = c->client_rate > 0 ? c->client_rate
                                              : DEFAULT_CLIENT_RATE;
    rt.client.burst = c->client_rate > 0 ? c->client_burst
                                         : DEFAULT_CLIENT_BURST;
    rt.captcha_limited = c->captcha_rate != 0;
    rt.captcha.rate_milli = c->captcha_rate > 0 ? c->captcha_rate
                                                : DEFAULT_CAPTCHA_RATE;
    rt.captcha.burst = c->captcha_rate > 0 ? c->captcha_burst
                                           : DEFAULT_CAPTCHA_BURST;
    rt.lifetime = c->lifetime > 0 ? c->lifetime : DEFAULT_LIFETIME;
    rt.tpl = c->tpl ? c->tpl : default_tpl;
    rt.shared = c->shared_url && *c->shared_url;
    rt.exempt = c->exempt;
    if (!rt.exempt) {
        apr_array_header_t *a = apr_array_make(s->process->pconf, 1,
                                               sizeof(const char *));
        APR_ARRAY_PUSH(a, const char *) = default_exempt[0];
        rt.exempt = a;
    }
    jszg_tk_derive(sc->secret, sc->secret_len, "jszg queue ticket v1",
                   rt.tkey);
    jszg_tk_derive(sc->secret, sc->secret_len, "jszg admission v1",
                   rt.akey);
}

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

static int adm_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp)
{
    (void)plog; (void)ptemp;
    return ap_mutex_register(pconf, ADM_MUTEX, NULL, APR_LOCK_DEFAULT, 0)
           == APR_SUCCESS ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

static int adm_post_config(apr_pool_t *pconf, apr_pool_t *plog,
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
    runtime_from_conf(s, sc->adm);

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
    rt.sh = ret->sh;
    rt.mutex = ret->mutex;
    if (rt.enabled)
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, JSZGLOGNO(15004)
                     "admission control on: %d in flight (%d reserved for "
                     "admitted sessions), admissions valid %" APR_INT64_T_FMT
                     " s", rt.max_in_flight, rt.reserve, rt.lifetime);
    return OK;
}

/* ---- processes -------------------------------------------------------- */

/* Take back the slots of processes that died holding requests (a crash
 * runs no pool cleanups).  Caller holds the mutex. */
static void sweep_dead(apr_uint32_t self)
{
    int i;

    for (i = 0; i < ADM_PROCS; i++) {
        adm_proc *p = &rt.sh->procs[i];
        apr_uint32_t pid = p->pid, n, cur;

        if (!pid || pid == self)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        n = apr_atomic_xchg32(&p->in_flight, 0);
        /* never below zero, whatever happened */
        do {
            cur = apr_atomic_read32(&rt.sh->in_flight);
        } while (apr_atomic_cas32(&rt.sh->in_flight, cur - (n < cur ? n : cur),
                                  cur) != cur);
        if (n)
            apr_atomic_add64(&rt.sh->counters[C_RECLAIMED], n);
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

static int adm_lock(void)
{
    apr_status_t rv = apr_global_mutex_lock(rt.mutex);

    if (rv != APR_SUCCESS) {
        SH_COUNT(C_LOCK_FAILED);
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, NULL, JSZGLOGNO(15010)
                     "admission control: cannot lock the global mutex; "
                     "letting the request through");
        return 0;
    }
    return 1;
}

static void adm_unlock(void)
{
    apr_global_mutex_unlock(rt.mutex);
}

/* The shared queue client's pool: its own allocator, locked, since connections
 * are made by whichever worker thread needs one. */
static void shared_child_init(apr_pool_t *p, server_rec *s)
{
    apr_allocator_t *a;
    apr_thread_mutex_t *am;

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

static void adm_child_init(apr_pool_t *p, server_rec *s)
{
    apr_uint32_t self = (apr_uint32_t)getpid();
    apr_status_t rv;
    int i;

    if (!rt.sh)
        return;
    rv = apr_global_mutex_child_init(&rt.mutex,
                                     apr_global_mutex_lockfile(rt.mutex), p);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, JSZGLOGNO(15011)
                     "admission control: cannot attach the global mutex in "
                     "the child; admission control is off in this process");
        rt.sh = NULL;
        return;
    }
    if (!adm_lock())
        return;
    sweep_dead(self);
    for (i = 0; i < ADM_PROCS && !rt.me; i++)
        if (!rt.sh->procs[i].pid) {
            rt.me = &rt.sh->procs[i];
            rt.me->in_flight = 0;
            rt.me->pid = self;
        }
    adm_unlock();
    if (rt.shared)
        shared_child_init(p, s);
    if (rt.me)
        apr_pool_cleanup_register(p, rt.me, proc_release,
                                  apr_pool_cleanup_null);
    else
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, JSZGLOGNO(15012)
                     "admission control: more than %d processes; this one "
                     "is not tracked, a crash of it may leak slots",
                     ADM_PROCS);
}

/* ---- slots ------------------------------------------------------------ */

static int slot_try(void)
{
    apr_uint32_t cur;

    do {
        cur = apr_atomic_read32(&rt.sh->in_flight);
        if (cur >= (apr_uint32_t)rt.max_in_flight)
            return 0;
    } while (apr_atomic_cas32(&rt.sh->in_flight, cur + 1, cur) != cur);
    return 1;
}

/* Order matters: the process count goes down first and up last, so that
 * a process killed in between leaves the global count too high (taken
 * back by the sweep), never too low. */
static apr_status_t slot_release(void *data)
{
    (void)data;
    if (rt.me)
        apr_atomic_dec32(&rt.me->in_flight);
    apr_atomic_dec32(&rt.sh->in_flight);
    return APR_SUCCESS;
}

static void slot_hold(request_rec *r)
{
    if (rt.me)
        apr_atomic_inc32(&rt.me->in_flight);
    apr_pool_cleanup_register(r->pool, NULL, slot_release,
                              apr_pool_cleanup_null);
}

/* Once a second at most, when the gate is full, look for dead processes
 * whose slots are still counted.  Caller holds the mutex. */
static void sweep_if_due(void)
{
    apr_int64_t now = apr_time_sec(apr_time_now());

    if (rt.sh->last_sweep != now) {
        rt.sh->last_sweep = now;
        sweep_dead((apr_uint32_t)getpid());
    }
}

static void maybe_sweep(void)
{
    if (rt.sh->last_sweep == apr_time_sec(apr_time_now()) || !adm_lock())
        return;
    sweep_if_due();
    adm_unlock();
}

/* An admitted request waits for a slot, in a worker thread; after
 * ADM_SLOT_WAIT it goes in over the limit rather than failing. */
static void slot_wait(request_rec *r)
{
    apr_time_t until = apr_time_now() + ADM_SLOT_WAIT;

    if (!slot_try()) {
        apr_atomic_inc32(&rt.sh->waiting);
        maybe_sweep();
        while (!slot_try()) {
            if (apr_time_now() >= until) {
                apr_atomic_inc32(&rt.sh->in_flight);
                SH_COUNT(C_OVERDRAFT);
                ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JSZGLOGNO(15020)
                              "admitted request let in over JszgMaxInFlight "
                              "after waiting %d s",
                              (int)apr_time_sec(ADM_SLOT_WAIT));
                break;
            }
            apr_sleep(ADM_SLOT_POLL);
        }
        apr_atomic_dec32(&rt.sh->waiting);
    }
    slot_hold(r);
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
    jszg_rq *rq;                /* the shared queue, when usable now */
    apr_uint64_t seq;           /* 0: none */
    const char *ticket;         /* encoded, when a new one was issued */
    const char *ticket_in;      /* as the client sent it */
    apr_uint64_t position;
    int have_slot;
    apr_interval_time_t retry;  /* for 429 */
} adm_req;

static apr_int64_t wall_secs(adm_req *ar)
{
    const char *t;

    /* JszgTestClock (refused in production mode) moves cookie time, never
     * the buckets or the queue, which run on the real clock. */
    if (ar->sc->test_clock == 1
        && (t = apr_table_get(ar->r->headers_in, "X-Jszg-Test-Now"))) {
        apr_int64_t secs = apr_atoi64(t);
        if (secs > 0)
            return secs;
    }
    return apr_time_sec(ar->now);
}

static int proxy_trusted(request_rec *r)
{
    const apr_array_header_t *nets = rt.conf->proxies;
    int i;

    for (i = 0; nets && i < nets->nelts; i++)
        if (apr_ipsubnet_test(APR_ARRAY_IDX(nets, i, apr_ipsubnet_t *),
                              r->useragent_addr))
            return 1;
    return 0;
}

/* The client: the peer, or behind a trusted proxy the last address that
 * proxy put in the header (it appends the peer it saw).  For a chain of
 * proxies, use mod_remoteip: r->useragent_ip is what it found. */
static void client_key(adm_req *ar)
{
    request_rec *r = ar->r;
    const char *ip = r->useragent_ip, *h;

    if (rt.conf->proxy_header && r->useragent_addr && proxy_trusted(r)
        && (h = apr_table_get(r->headers_in, rt.conf->proxy_header))) {
        const char *last = strrchr(h, ',');
        char *cand = apr_pstrdup(r->pool, last ? last + 1 : h);
        char *end;

        while (*cand == ' ' || *cand == '\t')
            cand++;
        end = cand + strlen(cand);
        while (end > cand && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (!jszg_tb_key_from_ip(cand, ar->key)) {
            ar->have_key = 1;
            return;
        }
    }
    ar->have_key = !jszg_tb_key_from_ip(ip, ar->key);
}

/*
 * The per-address budget of captcha images (JszgCaptchaRate): drawing one
 * costs tens of milliseconds of CPU, and anyone may ask for them.  A token
 * bucket per client in shared memory: no database write, whatever the
 * number of requests.  Returns 1 when the image may be drawn, else 0 with
 * *wait the time until it may.  Admission control need not be on.
 */
int jszg_adm_captcha_take(request_rec *r, apr_interval_time_t *wait)
{
    adm_req ar;
    int ok;

    *wait = 0;
    if (!rt.sh || !rt.captcha_limited)
        return 1;
    memset(&ar, 0, sizeof(ar));
    ar.r = r;
    client_key(&ar);
    if (!ar.have_key)
        return 1;
    if (!adm_lock())
        return 1;               /* fail open, as the gate does */
    ok = jszg_tb_table_take(sh_captcha(), ar.key, &rt.captcha,
                            apr_time_now(), 0, wait);
    adm_unlock();
    return ok;
}

static const char *cookie(request_rec *r, const char *name)
{
    const char *h = apr_table_get(r->headers_in, "Cookie");

    return h ? jszg_cookie_get(r->pool, h, name) : NULL;
}

/* Read the admission cookie: sets ar->admitted and ar->renew. */
static void read_admission(adm_req *ar)
{
    const char *v = cookie(ar->r, ADM_COOKIE);
    jszg_tk_status st;

    if (!v)
        return;
    st = jszg_admit_decode(rt.akey, v, &ar->adm);
    if (st != JSZG_TK_OK) {
        SH_COUNT(C_FORGED_ADMISSION);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, ar->r, JSZGLOGNO(15021)
                      "admission cookie %s", st == JSZG_TK_BADMAC
                      ? "with a bad signature" : "malformed");
        return;
    }
    if (ar->adm.expires > ar->wall + rt.lifetime) {
        /* signed, but for longer than we ever give: a changed lifetime;
         * treat as valid for one lifetime from now */
        ar->adm.expires = ar->wall + rt.lifetime;
    }
    if (ar->adm.expires >= ar->wall) {
        ar->admitted = 1;
        ar->renew = ar->adm.expires - ar->wall < rt.lifetime / 2;
        return;
    }
    if (ar->is_post && ar->adm.expires + ADM_POST_GRACE >= ar->wall) {
        SH_COUNT(C_POST_GRACE);
        ar->admitted = 1;
        ar->renew = 1;
        return;
    }
    SH_COUNT(C_EXPIRED_ADMISSION);
}

static void set_cookie(adm_req *ar, const char *name, const char *value,
                       apr_int64_t max_age)
{
    int secure = ar->sc->cookie_secure == JSZG_SECURE_ON
                 || (ar->sc->cookie_secure != JSZG_SECURE_OFF
                     && !strcmp(ap_http_scheme(ar->r), "https"));

    apr_table_addn(ar->r->err_headers_out, "Set-Cookie",
                   apr_psprintf(ar->r->pool, "%s=%s; Path=/; Max-Age=%"
                                APR_INT64_T_FMT "; HttpOnly; SameSite=Lax%s",
                                name, value, max_age,
                                secure ? "; Secure" : ""));
}

static void issue_admission(adm_req *ar, int fresh)
{
    if (fresh && apr_generate_random_bytes((unsigned char *)&ar->adm.id,
                                           sizeof(ar->adm.id))
                 != APR_SUCCESS)
        ar->adm.id = (apr_uint64_t)ar->now;
    ar->adm.expires = ar->wall + rt.lifetime;
    /* The cookie outlives the admission by the POST grace: an expired
     * admission still carries a form submitted late. */
    set_cookie(ar, ADM_COOKIE, jszg_admit_encode(ar->r->pool, rt.akey,
                                                 &ar->adm),
               rt.lifetime + ADM_POST_GRACE);
}

/* The ticket the client brings, checked: its number, or 0. */
static apr_uint64_t read_ticket(adm_req *ar)
{
    const char *v = apr_table_get(ar->r->headers_in, TICKET_HEADER);
    jszg_ticket t;
    jszg_tk_status st;

    if (!v)
        v = cookie(ar->r, TICKET_COOKIE);
    if (!v)
        return 0;
    ar->ticket_in = v;
    st = jszg_ticket_decode(rt.tkey, v, &t);
    if (st != JSZG_TK_OK) {
        SH_COUNT(C_FORGED_TICKET);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, ar->r, JSZGLOGNO(15022)
                      "queue ticket refused: %s", st == JSZG_TK_BADMAC
                      ? "bad signature" : "malformed");
        return 0;
    }
    if (t.issued + ADM_TICKET_TTL < apr_time_sec(ar->now))
        ar->tk_kind = TK_NONE;
    else if (t.epoch == rt.sh->epoch)
        ar->tk_kind = TK_LOCAL;
    else if (rt.shared && t.epoch == rt.sh->shared_epoch)
        ar->tk_kind = TK_SHARED;
    if (ar->tk_kind == TK_NONE) {
        SH_COUNT(C_STALE_TICKET);
        return 0;
    }
    return t.seq;
}

static void count_second(int admitted)
{
    apr_int64_t now = apr_time_sec(apr_time_now());
    adm_second *s = &rt.sh->secs[now % ADM_SECS];

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
static int room_for_new(apr_int64_t now)
{
    apr_uint32_t used = apr_atomic_read32(&rt.sh->in_flight)
                        + apr_atomic_read32(&rt.sh->waiting)
                        + jszg_queue_pending(sh_queue(), now, &adm_timing);

    if (rt.shared)
        used += jszg_calls_pending(&rt.sh->shared_calls, now);

    return used + (apr_uint32_t)rt.reserve < (apr_uint32_t)rt.max_in_flight;
}

static int admit_token(apr_time_t now, int take)
{
    if (!rt.admit_limited)
        return 1;
    if (!take)
        return jszg_tb_ready(&rt.sh->admit_tb, &rt.admit, now);
    return jszg_tb_take(&rt.sh->admit_tb, &rt.admit, now, 1, NULL);
}

/* Call waiting tickets, in order, while there is room, up to seq. */
static void call_up_to(adm_req *ar, apr_uint64_t seq)
{
    jszg_queue *q = sh_queue();
    apr_int64_t now = apr_time_sec(ar->now);

    while (q->called < seq && room_for_new(now)
           && admit_token(ar->now, 0)) {
        if (!jszg_queue_call(q, now, &adm_timing, ADM_MAX_SKIP))
            break;
        admit_token(ar->now, 1);
    }
}

/* ---- the shared queue (JszgSharedQueue) ------------------------------- */

static adm_verdict arrive(adm_req *ar);

static apr_uint32_t now32(void)
{
    return (apr_uint32_t)apr_time_sec(apr_time_now());
}

/* This process's client for the current generation. */
static jszg_rq *client(void)
{
    apr_uint32_t gen = apr_atomic_read32(&rt.sh->shared_gen);
    const adm_conf *c = rt.conf;
    apr_pool_t *sub;
    jszg_rq *rq;

    apr_thread_mutex_lock(pc.lock);
    if (!pc.rq || pc.gen != gen) {
        pc.rq = NULL;
        if (apr_pool_create(&sub, pc.pool) == APR_SUCCESS
            && jszg_rq_open(sub, c->shared_kind, c->shared_host,
                            c->shared_port, c->shared_prefix, pc.threads,
                            &pc.rq)
               == APR_SUCCESS)
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
    apr_uint32_t st = apr_atomic_read32(&rt.sh->shared_state);

    if (st == SQ_DOWN
        || apr_atomic_cas32(&rt.sh->shared_state, SQ_DOWN, st) != st)
        return;
    /* connections of the pool before the outage are not to be trusted */
    apr_atomic_inc32(&rt.sh->shared_gen);
    apr_atomic_set32(&rt.sh->shared_retry, now32() + ADM_REJOIN);
    SH_COUNT(C_SHARED_FALLBACK);
    ap_log_error(APLOG_MARK, APLOG_WARNING,
                 rv == JSZG_RQ_DOWN ? 0 : rv, s, JSZGLOGNO(15100)
                 "shared queue %s unreachable: this front end keeps its "
                 "own waiting room until it is back", rt.conf->shared_url);
}

/* Join (or rejoin) the shared queue: one thread of the front end tries,
 * at most every ADM_REJOIN seconds.  Returns 1 when the queue is up. */
static int shared_join(request_rec *r)
{
    apr_uint32_t now = now32(), retry = apr_atomic_read32(&rt.sh->shared_retry);
    apr_uint32_t st, node = 0;
    apr_uint64_t epoch = 0;
    apr_status_t rv;
    jszg_rq *rq;

    if (now < retry
        || apr_atomic_cas32(&rt.sh->shared_retry, now + ADM_REJOIN, retry)
           != retry)
        return 0;
    if (!(rq = client()))
        return 0;
    if ((rv = jszg_rq_ping(rq)) == APR_SUCCESS
        && (rv = jszg_rq_epoch(rq, r->pool, &epoch)) == APR_SUCCESS)
        rv = jszg_rq_node(rq, &node);
    if (rv != APR_SUCCESS) {
        shared_failed(r->server, rv);
        return 0;
    }
    if (adm_lock()) {
        if (epoch != rt.sh->shared_epoch) {
            /* a new queue (the store lost its data): old calls mean
             * nothing */
            memset(&rt.sh->shared_calls, 0, sizeof(rt.sh->shared_calls));
            rt.sh->shared_epoch = epoch;
        }
        rt.sh->shared_node = node;
        adm_unlock();
    }
    st = apr_atomic_read32(&rt.sh->shared_state);
    if (st != SQ_UP
        && apr_atomic_cas32(&rt.sh->shared_state, SQ_UP, st) == st)
        ap_log_error(APLOG_MARK, st == SQ_DOWN ? APLOG_NOTICE : APLOG_INFO,
                     0, r->server, JSZGLOGNO(15101)
                     "shared queue %s %s: front end %u, queue %016"
                     APR_UINT64_T_HEX_FMT, rt.conf->shared_url,
                     st == SQ_DOWN ? "is back, rejoined" : "joined", node,
                     epoch);
    return 1;
}

/* Once a second, the front end's in-flight count for the others. */
static apr_status_t shared_publish(jszg_rq *rq)
{
    apr_uint32_t now = now32(),
                 last = apr_atomic_read32(&rt.sh->shared_published);

    if (last == now
        || apr_atomic_cas32(&rt.sh->shared_published, now, last) != last)
        return APR_SUCCESS;
    return jszg_rq_publish(rq, rt.sh->shared_node,
                           apr_atomic_read32(&rt.sh->in_flight),
                           (apr_uint32_t)rt.max_in_flight, ADM_PUBLISH_TTL);
}

/* The shared queue's client, or NULL: not configured, or unreachable
 * (the request then uses the local queue). */
static jszg_rq *shared_client(request_rec *r)
{
    apr_status_t rv;
    jszg_rq *rq;

    if (!rt.shared || !pc.lock)
        return NULL;
    if (apr_atomic_read32(&rt.sh->shared_state) != SQ_UP
        && !shared_join(r))
        return NULL;
    if (!(rq = client()))
        return NULL;
    if ((rv = shared_publish(rq)) != APR_SUCCESS) {
        shared_failed(r->server, rv);
        return NULL;
    }
    return rq;
}

/* Lost the store in the middle of a decision: decide on the local queue. */
static adm_verdict shared_lost(adm_req *ar, apr_status_t rv)
{
    adm_verdict v = V_ENTER;

    shared_failed(ar->r->server, rv);
    ar->rq = NULL;
    ar->tk_kind = TK_NONE;
    ar->ticket = NULL;
    ar->seq = 0;
    if (adm_lock()) {
        v = arrive(ar);
        adm_unlock();
    }
    return v;
}

/* Take the calling turn of this front end: one thread at a time calls,
 * so that front ends, not threads, bound how far "called" may run ahead.
 * A turn older than 2 s is taken over (its thread died). */
static int calling_take(void)
{
    apr_uint32_t now = now32(), cur = apr_atomic_read32(&rt.sh->shared_calling);

    if (cur && now - cur < 2)
        return 0;
    return apr_atomic_cas32(&rt.sh->shared_calling, now, cur) == cur;
}

static int shared_room(adm_req *ar, int take_token)
{
    int ok = 0;

    if (adm_lock()) {
        ok = room_for_new(apr_time_sec(ar->now)) && admit_token(ar->now, 0);
        if (ok && take_token)
            admit_token(ar->now, 1);
        adm_unlock();
    }
    return ok;
}

/* Call shared tickets, in order, while this front end has room, up to
 * seq; each one called holds a place here (shared_calls). */
static apr_status_t shared_call_up_to(adm_req *ar, apr_uint64_t seq,
                                      jszg_rq_head *h)
{
    apr_int64_t now = apr_time_sec(ar->now), until;
    apr_status_t rv = APR_SUCCESS;
    apr_uint64_t c;

    if (h->called >= seq || !calling_take())
        return APR_SUCCESS;
    while (h->called < seq && shared_room(ar, 0)) {
        rv = jszg_rq_call(ar->rq, ar->r->pool, now, &adm_timing, 64, h, &c,
                          &until);
        if (rv != APR_SUCCESS) {
            if (rv == APR_NOTFOUND)
                rv = APR_SUCCESS;
            break;
        }
        if (adm_lock()) {
            jszg_calls_add(&rt.sh->shared_calls, c, until);
            admit_token(ar->now, 1);
            adm_unlock();
        }
    }
    apr_atomic_set32(&rt.sh->shared_calling, 0);
    return rv;
}

/* Nobody waits here or in the shared queue, and there is room. */
static int shared_straight_in(adm_req *ar, const jszg_rq_head *h)
{
    int in = 0;

    if (h->last > h->called || !adm_lock())
        return 0;
    if (!jszg_queue_waiting(sh_queue())
        && room_for_new(apr_time_sec(ar->now)) && admit_token(ar->now, 0)
        && (ar->poll || slot_try())) {
        admit_token(ar->now, 1);
        ar->have_slot = !ar->poll;
        in = 1;
    }
    adm_unlock();
    return in;
}

/* The ticket brought, checked against the shared queue: its number if it
 * is still waiting or called, else 0 (counted). */
static apr_status_t shared_ticket(adm_req *ar, jszg_rq_head *h,
                                  apr_uint64_t *seq)
{
    jszg_q_state st;
    apr_status_t rv;

    *seq = 0;
    if (ar->tk_kind != TK_SHARED)
        return APR_SUCCESS;
    rv = jszg_rq_state(ar->rq, ar->r->pool, ar->tk_seq, h, &st);
    if (rv != APR_SUCCESS)
        return rv;
    if (st == JSZG_Q_USED)
        SH_COUNT(C_REPLAYED_TICKET);
    else if (st == JSZG_Q_UNKNOWN)
        SH_COUNT(C_STALE_TICKET);
    else
        *seq = ar->tk_seq;
    if (st == JSZG_Q_WAITING)
        rv = jszg_rq_touch(ar->rq, ar->r->pool, *seq,
                           apr_time_sec(ar->now), &adm_timing);
    return rv;
}

static apr_status_t shared_issue(adm_req *ar, jszg_rq_head *h,
                                 apr_uint64_t *seq)
{
    jszg_ticket t;
    apr_status_t rv;

    rv = jszg_rq_issue(ar->rq, apr_time_sec(ar->now), &adm_timing, seq);
    if (rv != APR_SUCCESS)
        return rv;
    if (*seq > h->last)
        h->last = *seq;
    t.epoch = rt.sh->shared_epoch;
    t.seq = *seq;
    t.issued = apr_time_sec(ar->now);
    ar->ticket = jszg_ticket_encode(ar->r->pool, rt.tkey, &t);
    return APR_SUCCESS;
}

/* A new arrival, or a waiting one asking again, on the shared queue.
 * Without the mutex: every step is one atomic command of the store. */
static adm_verdict shared_arrive(adm_req *ar)
{
    jszg_rq_head h;
    apr_uint64_t seq;
    apr_status_t rv;

    if ((rv = jszg_rq_head_get(ar->rq, ar->r->pool, &h)) != APR_SUCCESS
        || (rv = shared_ticket(ar, &h, &seq)) != APR_SUCCESS)
        return shared_lost(ar, rv);
    if (!seq) {
        if (shared_straight_in(ar, &h))
            return V_ENTER;
        if ((rv = shared_issue(ar, &h, &seq)) != APR_SUCCESS)
            return shared_lost(ar, rv);
    }
    ar->seq = seq;
    /* everyone ahead may have gone: then this one is called at once */
    if ((rv = shared_call_up_to(ar, seq, &h)) != APR_SUCCESS)
        return shared_lost(ar, rv);
    if (seq > h.called) {
        ar->position = seq - h.called;
        return V_WAIT;
    }
    if ((rv = jszg_rq_consume(ar->rq, seq, ADM_TICKET_TTL)) != APR_SUCCESS)
        return shared_lost(ar, rv);
    if (adm_lock()) {
        jszg_calls_done(&rt.sh->shared_calls, seq);
        adm_unlock();
    }
    ar->have_slot = !ar->poll && slot_try();
    return V_ENTER;
}

/* A new arrival, or a waiting one asking again.  Under the mutex, so
 * the decisions are numbered in the order they are made (JSZG_ORDER). */
static adm_verdict arrive(adm_req *ar)
{
    jszg_queue *q = sh_queue();
    apr_int64_t now = apr_time_sec(ar->now);
    apr_uint64_t seq = ar->tk_kind == TK_LOCAL ? ar->tk_seq : 0;

    ar->order = ++rt.sh->decisions;
    if (seq) {
        switch (jszg_queue_state(q, seq)) {
        case JSZG_Q_USED:
            /* admitted already: a copy, or a reload after admission
             * without the admission cookie */
            SH_COUNT(C_REPLAYED_TICKET);
            seq = 0;
            break;
        case JSZG_Q_UNKNOWN:
        case JSZG_Q_GONE:
            SH_COUNT(C_STALE_TICKET);
            seq = 0;
            break;
        case JSZG_Q_WAITING:
            jszg_queue_touch(q, seq, now);
            call_up_to(ar, seq);
            /* fall through */
        case JSZG_Q_CALLED:
            if (jszg_queue_state(q, seq) == JSZG_Q_CALLED) {
                jszg_queue_consume(q, seq);
                ar->seq = seq;
                ar->have_slot = !ar->poll && slot_try();
                return V_ENTER;
            }
            ar->seq = seq;
            ar->position = jszg_queue_position(q, seq);
            return V_WAIT;
        }
    }
    /* Nobody waits and there is room: straight in, no ticket. */
    if (!jszg_queue_waiting(q) && room_for_new(now)
        && admit_token(ar->now, 0)) {
        if (ar->poll || slot_try()) {
            admit_token(ar->now, 1);
            ar->have_slot = !ar->poll;
            return V_ENTER;
        }
    }
    if (jszg_queue_issue(q, now, &seq) != APR_SUCCESS)
        return V_FULL;
    {
        jszg_ticket t;
        t.epoch = rt.sh->epoch;
        t.seq = seq;
        t.issued = now;
        ar->ticket = jszg_ticket_encode(ar->r->pool, rt.tkey, &t);
    }
    ar->seq = seq;
    /* Everyone ahead may have gone: then this one is called at once. */
    call_up_to(ar, seq);
    if (jszg_queue_state(q, seq) == JSZG_Q_CALLED) {
        jszg_queue_consume(q, seq);
        ar->have_slot = !ar->poll && slot_try();
        return V_ENTER;
    }
    ar->position = jszg_queue_position(q, seq);
    return V_WAIT;
}

/* A local ticket (from a time without the shared queue) still waiting or
 * called: it is served from the local queue. */
static int local_ticket_live(const adm_req *ar)
{
    jszg_q_state st;

    if (ar->tk_kind != TK_LOCAL)
        return 0;
    st = jszg_queue_state(sh_queue(), ar->tk_seq);
    return st == JSZG_Q_WAITING || st == JSZG_Q_CALLED;
}

static adm_verdict decide(adm_req *ar)
{
    adm_verdict v = V_ENTER;

    if (!ar->admitted) {
        ar->tk_seq = read_ticket(ar);
        ar->rq = shared_client(ar->r);
    }
    if (!adm_lock())
        return V_ENTER;         /* fail open: never a broken site */
    if (apr_atomic_read32(&rt.sh->in_flight)
        >= (apr_uint32_t)rt.max_in_flight)
        sweep_if_due();
    if (rt.client_limited && ar->have_key
        && !jszg_tb_table_take(sh_clients(), ar->key, &rt.client, ar->now,
                               ar->admitted && ar->is_post, &ar->retry))
        v = V_LIMITED;
    else if (ar->admitted) {
        jszg_adset_touch(sh_sessions(), ar->adm.id, apr_time_sec(ar->now));
        if (!ar->poll)
            count_second(0);
    }
    else if (ar->rq && !local_ticket_live(ar))
        v = V_SHARED;           /* decided below, the store is not asked
                                   while holding the mutex */
    else {
        v = arrive(ar);
    }
    adm_unlock();
    if (v == V_SHARED)
        v = shared_arrive(ar);
    return v;
}

/* ---- answers ---------------------------------------------------------- */

static void common_headers(request_rec *r)
{
    jszg_security_headers(r);
    jszg_no_store(r);
}

static int write_answer(request_rec *r, int status, const char *ct,
                        const char *body)
{
    apr_size_t len = strlen(body);

    common_headers(r);
    return jszg_send(r, status, ct, body, len);
}

static int write_json(request_rec *r, int status, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    int rc;

    json_decref(j);
    if (!s)
        return HTTP_INTERNAL_SERVER_ERROR;
    rc = write_answer(r, status, JSON_CT, apr_pstrdup(r->pool, s));
    free(s);
    return rc;
}

/* Seconds until a waiting ticket is likely called: its position over
 * the rate of admissions, measured from the first admission of the last
 * minute (10 s per place before any).  Over the whole minute, a wave's
 * first admissions would look like a trickle (1 in 60 s when it was 1 in
 * the last 2 s), and the estimate would jump up as the queue moved. */
static apr_int64_t estimate_wait(apr_uint64_t position)
{
    apr_int64_t now = apr_time_sec(apr_time_now()), admitted = 0;
    apr_int64_t first = now;
    int i;

    if (!adm_lock())
        return (apr_int64_t)position * 10;
    for (i = 0; i < ADM_SECS; i++) {
        const adm_second *s = &rt.sh->secs[i];
        if (s->sec < now && s->sec >= now - 60 && s->admitted) {
            admitted += s->admitted;
            if (s->sec < first)
                first = s->sec;
        }
    }
    adm_unlock();
    if (!admitted)
        return (apr_int64_t)position * 10;
    return ((apr_int64_t)position * (now - first) + admitted - 1) / admitted;
}

static int wants_json(adm_req *ar)
{
    const char *accept = apr_table_get(ar->r->headers_in, "Accept");

    return ar->is_api || ar->poll
           || (accept && strstr(accept, "application/json")
               && !strstr(accept, "text/html"));
}

static json_t *error_json(const char *code, const char *message)
{
    return json_pack("{s:{s:s, s:s}}", "error", "code", code, "message",
                     message);
}

static int answer_limited(adm_req *ar)
{
    request_rec *r = ar->r;
    apr_int64_t secs = apr_time_sec(ar->retry + APR_USEC_PER_SEC - 1);

    SH_COUNT(C_LIMITED);
    apr_table_setn(r->subprocess_env, "JSZG_ADM", "limited");
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_psprintf(r->pool, "%" APR_INT64_T_FMT,
                                secs > 0 ? secs : 1));
    if (wants_json(ar))
        return write_json(r, HTTP_TOO_MANY_REQUESTS,
                          error_json("too_many_requests",
                                     "您的操作过于频繁，请稍后再试。"));
    return write_answer(r, HTTP_TOO_MANY_REQUESTS, HTML_CT, page_429);
}

static int answer_full(adm_req *ar)
{
    SH_COUNT(C_QUEUE_FULL);
    apr_table_setn(ar->r->subprocess_env, "JSZG_ADM", "full");
    apr_table_setn(ar->r->err_headers_out, "Retry-After", "60");
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, ar->r, JSZGLOGNO(15023)
                  "waiting room full: no ticket given");
    if (wants_json(ar))
        return write_json(ar->r, HTTP_SERVICE_UNAVAILABLE,
                          error_json("queue_full", "当前排队人数已满，"
                                     "请稍后再试。"));
    return write_answer(ar->r, HTTP_SERVICE_UNAVAILABLE, HTML_CT,
                        page_full);
}

static void ticket_out(adm_req *ar)
{
    if (ar->ticket)
        set_cookie(ar, TICKET_COOKIE, ar->ticket, ADM_TICKET_TTL);
    apr_table_setn(ar->r->subprocess_env, "JSZG_TICKET",
                   apr_psprintf(ar->r->pool, "%" APR_UINT64_T_FMT, ar->seq));
}

/* JSZG_ORDER: where this request's decision falls among all the local
 * queue's decisions (they are made under the mutex, one at a time), so
 * that the access log can show the queue was served in order
 * (bench/admission/fifo.py). */
static void order_out(adm_req *ar, const char *outcome)
{
    apr_table_setn(ar->r->subprocess_env, "JSZG_ADM", outcome);
    if (ar->order)
        apr_table_setn(ar->r->subprocess_env, "JSZG_ORDER",
                       apr_psprintf(ar->r->pool, "%" APR_UINT64_T_FMT,
                                    ar->order));
}

static json_t *queue_json(adm_req *ar, apr_int64_t wait)
{
    return json_pack("{s:s, s:s?, s:I, s:I, s:I, s:I}",
                     "status", "waiting",
                     "ticket", ar->ticket ? ar->ticket : ar->ticket_in,
                     "number", (json_int_t)ar->seq,
                     "position", (json_int_t)ar->position,
                     "estimate", (json_int_t)wait,
                     "retry_after", (json_int_t)ADM_POLL);
}

/* The waiting room: the same URL again, until called. */
static int answer_wait(adm_req *ar)
{
    request_rec *r = ar->r;
    apr_int64_t wait = estimate_wait(ar->position);

    SH_COUNT(C_QUEUED);
    ticket_out(ar);
    order_out(ar, "queued");
    /* One number per answer: a JSON client is told retry_after (the
     * poll interval) in the body and in Retry-After alike; the page's
     * Retry-After is its own refresh. */
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_psprintf(r->pool, "%d", wants_json(ar) ? ADM_POLL
                                                              : ADM_REFRESH));
    if (wants_json(ar)) {
        json_t *j = error_json("queued", "系统繁忙，您已进入排队，请按 "
                               "Retry-After 稍后重试并带上排队凭证。");
        json_object_set_new(j, "queue", queue_json(ar, wait));
        return write_json(r, HTTP_SERVICE_UNAVAILABLE, j);
    }
    {
        apr_int64_t v[5];
        v[0] = (apr_int64_t)ar->position;
        v[1] = wait;
        v[2] = (wait + 59) / 60;
        v[3] = ADM_REFRESH;
        v[4] = (apr_int64_t)ar->seq;
        return write_answer(r, HTTP_SERVICE_UNAVAILABLE, HTML_CT,
                            jszg_tpl_fill(r->pool, rt.tpl, tpl_names, v));
    }
}

/* ---- the gate --------------------------------------------------------- */

static int is_exempt(request_rec *r)
{
    const apr_array_header_t *a = rt.exempt;
    int i;

    for (i = 0; adm_asset_paths[i]; i++) {
        const char *p = adm_asset_paths[i];
        apr_size_t n = strlen(p);
        if (p[n - 1] == '/' ? !strncmp(r->uri, p, n) : !strcmp(r->uri, p))
            return 1;
    }
    for (i = 0; a && i < a->nelts; i++) {
        const char *p = APR_ARRAY_IDX(a, i, const char *);
        apr_size_t n = strlen(p);
        if (!strncmp(r->uri, p, n)
            && (r->uri[n] == '\0' || r->uri[n] == '/' || p[n - 1] == '/'))
            return 1;
    }
    return 0;
}

static void init_req(adm_req *ar, request_rec *r)
{
    memset(ar, 0, sizeof(*ar));
    ar->r = r;
    ar->sc = jszg_sconf(r);
    ar->now = apr_time_now();
    ar->wall = wall_secs(ar);
    ar->is_api = !strncmp(r->uri, "/api/", 5);
    ar->is_post = r->method_number == M_POST;
    client_key(ar);
    read_admission(ar);
}

/* Someone new is let in (by a page or by the poll): an admission cookie,
 * counted as an admitted session. */
static void admit_new(adm_req *ar)
{
    SH_COUNT(C_ADMITTED);
    issue_admission(ar, 1);
    if (adm_lock()) {
        jszg_adset_touch(sh_sessions(), ar->adm.id, apr_time_sec(ar->now));
        count_second(1);
        adm_unlock();
    }
    if (ar->seq)
        ticket_out(ar);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, ar->r, JSZGLOGNO(15024)
                  "admitted ticket %" APR_UINT64_T_FMT, ar->seq);
}

/* Let the request through to jszg_handle, holding a slot. */
static int enter(adm_req *ar, int fresh)
{
    request_rec *r = ar->r;

    if (fresh)
        admit_new(ar);
    else if (ar->renew)
        issue_admission(ar, 0);
    if (ar->have_slot)
        slot_hold(r);
    else
        slot_wait(r);
    SH_COUNT(C_SERVED);
    order_out(ar, fresh ? "new" : "admitted");
    return DECLINED;
}

/* GET /api/v1/queue: where am I?  Served from memory; admits when the
 * ticket is called, then the page reloads and goes in. */
static int queue_api(request_rec *r)
{
    adm_req ar;
    adm_verdict v;
    json_t *j;

    if (r->method_number != M_GET) {
        r->allowed = AP_METHOD_BIT << M_GET;
        apr_table_setn(r->err_headers_out, "Allow", "GET, HEAD");
        return write_json(r, HTTP_METHOD_NOT_ALLOWED,
                          error_json("method_not_allowed",
                                     "该页面不支持此请求方法。"));
    }
    if (!rt.enabled)
        return write_json(r, HTTP_OK, json_pack("{s:s}", "status",
                                                "admitted"));
    init_req(&ar, r);
    ar.poll = 1;
    v = decide(&ar);
    if (v == V_LIMITED)
        return answer_limited(&ar);
    if (v == V_FULL)
        return answer_full(&ar);
    if (v == V_ENTER) {
        if (!ar.admitted) {
            admit_new(&ar);
            order_out(&ar, "new");
        }
        return write_json(r, HTTP_OK, json_pack("{s:s}", "status",
                                                "admitted"));
    }
    ticket_out(&ar);
    order_out(&ar, "queued");
    j = queue_json(&ar, estimate_wait(ar.position));
    return write_json(r, HTTP_OK, j);
}

static int adm_gate(request_rec *r)
{
    adm_req ar;
    adm_verdict v;
    int rc;

    if (!r->handler || strcmp(r->handler, "jszg") || r->main || r->prev
        || !rt.sh)
        return DECLINED;
    if (!strcmp(r->uri, QUEUE_API))
        return queue_api(r);
    if (!rt.enabled)
        return DECLINED;
    if (is_exempt(r)) {
        apr_table_setn(r->subprocess_env, "JSZG_ADM", "exempt");
        return DECLINED;
    }
    /* the whole body first: a slow one must never hold a slot */
    if ((rc = jszg_adm_body_read(r)) != DECLINED)
        return rc;
    init_req(&ar, r);
    if (ar.admitted && rt.shared)
        shared_client(r);       /* publishes this front end's count */
    v = decide(&ar);
    switch (v) {
    case V_LIMITED:
        return answer_limited(&ar);
    case V_FULL:
        return answer_full(&ar);
    case V_WAIT:
        return answer_wait(&ar);
    default:
        return enter(&ar, !ar.admitted);
    }
}

/* ---- the status handler ----------------------------------------------- */

typedef struct {
    apr_uint32_t in_flight, waiting, sessions, pending, limited_clients;
    apr_uint64_t queue_length, head, next, called, skipped, evictions;
    apr_uint32_t served_ps, admitted_ps;
    apr_uint64_t counters[C_COUNT];
    json_t *procs;
    json_t *shared;
} adm_snapshot;

static void snapshot(adm_snapshot *s)
{
    apr_time_t now = apr_time_now();
    apr_int64_t secs = apr_time_sec(now);
    jszg_queue *q = sh_queue();
    int i, n = 0;

    memset(s, 0, sizeof(*s));
    s->procs = json_array();
    if (!adm_lock())
        return;
    sweep_if_due();
    s->in_flight = apr_atomic_read32(&rt.sh->in_flight);
    s->waiting = apr_atomic_read32(&rt.sh->waiting);
    s->sessions = jszg_adset_count(sh_sessions(), secs, rt.lifetime);
    s->pending = jszg_queue_pending(q, secs, &adm_timing);
    s->queue_length = jszg_queue_waiting(q);
    s->head = s->queue_length ? q->called + 1 : 0;
    s->next = q->next;
    s->called = q->called;
    s->skipped = q->skipped;
    s->evictions = sh_clients()->evictions;
    if (rt.client_limited)
        s->limited_clients = jszg_tb_table_limited(sh_clients(), &rt.client,
                                                   now);
    /* per second: the average over the last 5 whole seconds */
    for (i = 0; i < ADM_SECS; i++) {
        const adm_second *sec = &rt.sh->secs[i];
        if (sec->sec < secs && sec->sec >= secs - 5) {
            s->served_ps += sec->served;
            s->admitted_ps += sec->admitted;
        }
    }
    s->served_ps /= 5;
    s->admitted_ps /= 5;
    for (i = 0; i < ADM_PROCS; i++) {
        const adm_proc *p = &rt.sh->procs[i];
        if (p->pid && n++ < 256)
            json_array_append_new(s->procs,
                                  json_pack("{s:I, s:I}", "pid",
                                            (json_int_t)p->pid, "in_flight",
                                            (json_int_t)p->in_flight));
    }
    adm_unlock();
    for (i = 0; i < C_COUNT; i++)
        s->counters[i] = apr_atomic_read64(&rt.sh->counters[i]);
}

/* The shared queue as its store sees it, for the status handler. */
static json_t *shared_status(request_rec *r)
{
    json_t *j = json_object();
    jszg_rq *rq = shared_client(r);
    jszg_rq_head h = { 0, 0 };
    apr_uint32_t nodes = 0, in_flight = 0, max = 0, pending = 0;
    apr_status_t rv = APR_SUCCESS;

    if (rq && (rv = jszg_rq_head_get(rq, r->pool, &h)) == APR_SUCCESS)
        rv = jszg_rq_cluster(rq, r->pool, &nodes, &in_flight, &max);
    if (rq && rv != APR_SUCCESS)
        shared_failed(r->server, rv);
    if (adm_lock()) {
        pending = jszg_calls_pending(&rt.sh->shared_calls,
                                     apr_time_sec(apr_time_now()));
        adm_unlock();
    }
    json_object_set_new(j, "state", json_string(
        sq_names[apr_atomic_read32(&rt.sh->shared_state) % 3]));
    json_object_set_new(j, "backend", json_string(
        jszg_rq_kind_name(rt.conf->shared_kind)));
    json_object_set_new(j, "node", json_integer(rt.sh->shared_node));
    json_object_set_new(j, "queue_length", json_integer(
        (json_int_t)(h.last > h.called ? h.last - h.called : 0)));
    json_object_set_new(j, "head_ticket", json_integer(
        (json_int_t)(h.last > h.called ? h.called + 1 : 0)));
    json_object_set_new(j, "last_ticket", json_integer((json_int_t)h.last));
    json_object_set_new(j, "called", json_integer((json_int_t)h.called));
    json_object_set_new(j, "called_pending_here", json_integer(pending));
    json_object_set_new(j, "front_ends", json_integer(nodes));
    json_object_set_new(j, "cluster_in_flight", json_integer(in_flight));
    json_object_set_new(j, "cluster_max_in_flight", json_integer(max));
    return j;
}

static json_t *status_json(const adm_snapshot *s)
{
    json_t *j = json_object(), *rej = json_object(), *tot = json_object();
    int i;

    json_object_set_new(j, "enabled", json_boolean(rt.enabled));
    json_object_set_new(j, "max_in_flight", json_integer(rt.max_in_flight));
    json_object_set_new(j, "reserved", json_integer(rt.reserve));
    json_object_set_new(j, "in_flight", json_integer(s->in_flight));
    json_object_set_new(j, "admitted_waiting", json_integer(s->waiting));
    json_object_set_new(j, "admitted_sessions", json_integer(s->sessions));
    json_object_set_new(j, "queue_length",
                        json_integer((json_int_t)s->queue_length));
    json_object_set_new(j, "head_ticket", json_integer((json_int_t)s->head));
    json_object_set_new(j, "next_ticket", json_integer((json_int_t)s->next));
    json_object_set_new(j, "called", json_integer((json_int_t)s->called));
    json_object_set_new(j, "called_pending", json_integer(s->pending));
    json_object_set_new(j, "abandoned_skipped",
                        json_integer((json_int_t)s->skipped));
    json_object_set_new(j, "served_per_sec", json_integer(s->served_ps));
    json_object_set_new(j, "admitted_per_sec",
                        json_integer(s->admitted_ps));
    json_object_set_new(j, "limited_clients",
                        json_integer(s->limited_clients));
    json_object_set_new(j, "client_table_evictions",
                        json_integer((json_int_t)s->evictions));
    for (i = 0; i < C_COUNT; i++) {
        json_t *into = (i >= C_LIMITED && i <= C_EXPIRED_ADMISSION) ? rej
                                                                    : tot;
        json_object_set_new(into, counter_names[i],
                            json_integer((json_int_t)s->counters[i]));
    }
    json_object_set_new(j, "rejected", rej);
    json_object_set_new(j, "totals", tot);
    if (s->shared)
        json_object_set_new(j, "shared", s->shared);
    json_object_set_new(j, "processes", s->procs);
    return j;
}

static const char *status_text(apr_pool_t *p, json_t *j)
{
    const char *key;
    json_t *v;
    apr_array_header_t *lines = apr_array_make(p, 32, sizeof(char *));

    /* key: value, nested objects flattened with a dot: like ?auto of
     * mod_status, easy for scripts and people alike */
    json_object_foreach(j, key, v) {
        if (json_is_object(v)) {
            const char *k2;
            json_t *v2;
            json_object_foreach(v, k2, v2)
                APR_ARRAY_PUSH(lines, char *) =
                    json_is_string(v2)
                    ? apr_psprintf(p, "%s.%s: %s\n", key, k2,
                                   json_string_value(v2))
                    : apr_psprintf(p, "%s.%s: %" APR_INT64_T_FMT "\n",
                                   key, k2,
                                   (apr_int64_t)json_integer_value(v2));
        }
        else if (json_is_integer(v))
            APR_ARRAY_PUSH(lines, char *) =
                apr_psprintf(p, "%s: %" APR_INT64_T_FMT "\n", key,
                             (apr_int64_t)json_integer_value(v));
        else if (json_is_boolean(v))
            APR_ARRAY_PUSH(lines, char *) =
                apr_psprintf(p, "%s: %s\n", key,
                             json_is_true(v) ? "on" : "off");
    }
    return apr_array_pstrcat(p, lines, '\0');
}

static int adm_status(request_rec *r)
{
    adm_snapshot s;
    json_t *j;

    if (!r->handler || strcmp(r->handler, STATUS_HANDLER))
        return DECLINED;
    r->allowed = AP_METHOD_BIT << M_GET;
    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    if (!rt.sh)
        return HTTP_SERVICE_UNAVAILABLE;
    snapshot(&s);
    if (rt.shared)
        s.shared = shared_status(r);
    j = status_json(&s);
    if (r->args && !strcmp(r->args, "json"))
        return write_json(r, HTTP_OK, j);
    {
        const char *text = status_text(r->pool, j);
        json_decref(j);
        return write_answer(r, HTTP_OK, "text/plain; charset=utf-8", text);
    }
}

void jszg_adm_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(adm_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(adm_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(adm_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    /* Before jszg_handle (APR_HOOK_MIDDLE) and before anything else: a
     * refused request must cost no more than this. */
    ap_hook_handler(adm_gate, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_handler(adm_status, NULL, NULL, APR_HOOK_MIDDLE);
}
