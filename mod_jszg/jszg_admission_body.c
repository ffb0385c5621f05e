/*
 * jszg_admission_body.c -- request bodies are read before a slot is taken.
 *
 * The gate (jszg_admission.c) counts a request against JszgMaxInFlight
 * from the moment it lets it in.  Were the handler to read the body
 * then, a client trickling an upload at a byte a second would hold its
 * slot for the whole upload, and everyone else would queue behind it.
 * So the gate first calls jszg_gate_body_read(), which reads the whole
 * body in the worker thread, holding no slot:
 *   - at least JszgBodyMinRate bytes a second after a grace (default 500
 *     after 10 s, the rates of the shipped RequestReadTimeout): the time
 *     left is put on the connection's socket before each read, as
 *     mod_reqtimeout does, so a client that sends nothing is cut too.
 *     Slower answers 408 and the connection is closed.  mod_reqtimeout,
 *     when loaded, still applies (the smaller time left wins);
 *   - within the location's JszgMaxBody: a larger declared length is
 *     refused before a byte is read, a larger chunked body as soon as
 *     it grows past it, with the handler's own 413 (body_too_large);
 *   - bounded memory: up to BODY_MEM_MAX bytes a request are kept in
 *     memory while the process holds less than BODY_MEM_BUDGET of such
 *     bodies; anything else goes to a temporary file (apr_temp_dir_get,
 *     removed when the request ends).
 * An input filter (JSZG_BODY) then hands the body to the handler: its
 * ap_get_client_block() reads the same bytes it would have read from the
 * client, so the request parsing (jszg_http.c, jszg_form.c) is unchanged.
 *
 * Only gated requests are read ahead: exempt paths, the status handler
 * and JszgAdmission Off read their bodies in the handler, as before,
 * under mod_reqtimeout alone.  On an HTTP/2 stream (c->master) the
 * socket is the main connection's and is left alone: the rate is checked
 * between reads only.
 */
#include "jszg_private.h"
#include "jszg_admission_body.h"

#include "http_core.h"
#include "util_filter.h"
#include "apr_atomic.h"
#include "apr_buckets.h"
#include "apr_file_io.h"
#include "apr_portable.h"
#include "apr_strings.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#define BODY_FILTER     "JSZG_BODY"
#define BODY_MEM_MAX    (64 * 1024)         /* one request, in memory */
#define BODY_MEM_BUDGET (8 * 1024 * 1024)   /* all of a process's */
#define BODY_READ       (64 * 1024)         /* asked for at a time */
#define HOLD_MAX        120                 /* X-Jszg-Test-Hold, seconds */

/* Bytes of bodies held in memory by this process (BODY_MEM_BUDGET). */
static apr_uint32_t mem_in_use;

typedef struct {
    request_rec *r;
    apr_bucket_brigade *bb;     /* the body, handed out by the filter */
    apr_file_t *file;           /* when spooled to a file */
    apr_off_t len;              /* bytes read so far */
    apr_uint32_t mem;           /* taken from the budget */
} body_ctx;

typedef struct {
    apr_socket_t *sock;         /* NULL: not ours to time (HTTP/2) */
    apr_interval_time_t sock_timeout;
    apr_time_t start;
    apr_int64_t rate;           /* bytes a second */
    apr_interval_time_t grace;
} body_clock;

/* ---- configuration ---------------------------------------------------- */

/* JszgBodyMinRate bytes/s [grace seconds] */
const char *jszg_body_set_min_rate(cmd_parms *cmd, void *d,
                                   const char *rate, const char *grace)
{
    jszg_server_conf *sc = ap_get_module_config(cmd->server->module_config,
                                                &jszg_module);
    apr_int64_t v, g = JSZG_BODY_DEFAULT_GRACE;
    const char *err;

    (void)d;
    if ((err = jszg_cmd_range(cmd, rate, 1, APR_INT64_C(1) << 30, &v)))
        return err;
    if (grace && (err = jszg_cmd_range(cmd, grace, 1, 3600, &g)))
        return err;
    sc->body_min_rate = (int)v;
    sc->body_grace = (int)g;
    return NULL;
}

/* ---- memory budget ---------------------------------------------------- */

static int mem_take(body_ctx *ctx, apr_size_t n)
{
    apr_uint32_t cur;

    if (ctx->mem + n > BODY_MEM_MAX)
        return 0;
    do {
        cur = apr_atomic_read32(&mem_in_use);
        if (cur + n > BODY_MEM_BUDGET)
            return 0;
    } while (apr_atomic_cas32(&mem_in_use, cur + (apr_uint32_t)n, cur)
             != cur);
    ctx->mem += (apr_uint32_t)n;
    return 1;
}

static apr_status_t mem_release(void *data)
{
    body_ctx *ctx = data;

    if (ctx->mem) {
        apr_atomic_sub32(&mem_in_use, ctx->mem);
        ctx->mem = 0;
    }
    return APR_SUCCESS;
}

/* ---- spooling --------------------------------------------------------- */

/* From memory to a temporary file: what was kept so far goes first. */
static apr_status_t to_file(body_ctx *ctx)
{
    request_rec *r = ctx->r;
    const char *dir;
    char *tmpl;
    apr_bucket *b;
    apr_status_t rv;

    if ((rv = apr_temp_dir_get(&dir, r->pool)) != APR_SUCCESS)
        return rv;
    tmpl = apr_pstrcat(r->pool, dir, "/jszg-body-XXXXXX", NULL);
    rv = apr_file_mktemp(&ctx->file, tmpl, APR_FOPEN_CREATE | APR_FOPEN_READ
                         | APR_FOPEN_WRITE | APR_FOPEN_EXCL
                         | APR_FOPEN_DELONCLOSE, r->pool);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, JSZGLOGNO(21203)
                      "request body: cannot make a temporary file in %s",
                      dir);
        return rv;
    }
    for (b = APR_BRIGADE_FIRST(ctx->bb); b != APR_BRIGADE_SENTINEL(ctx->bb);
         b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t n;
        if ((rv = apr_bucket_read(b, &data, &n, APR_BLOCK_READ))
            != APR_SUCCESS
            || (rv = apr_file_write_full(ctx->file, data, n, NULL))
               != APR_SUCCESS)
            break;
    }
    apr_brigade_cleanup(ctx->bb);
    mem_release(ctx);
    return rv;
}

static apr_status_t keep(body_ctx *ctx, const char *data, apr_size_t n)
{
    apr_status_t rv;

    if (!ctx->file && !mem_take(ctx, n)
        && (rv = to_file(ctx)) != APR_SUCCESS)
        return rv;
    if (ctx->file)
        return apr_file_write_full(ctx->file, data, n, NULL);
    return apr_brigade_write(ctx->bb, NULL, NULL, data, n);
}

/* The body in the brigade, ready for the filter. */
static apr_status_t finish(body_ctx *ctx)
{
    apr_off_t zero = 0;
    apr_status_t rv;

    if (!ctx->file || !ctx->len)
        return APR_SUCCESS;
    if ((rv = apr_file_seek(ctx->file, APR_SET, &zero)) != APR_SUCCESS)
        return rv;
    apr_brigade_insert_file(ctx->bb, ctx->file, 0, ctx->len, ctx->r->pool);
    return APR_SUCCESS;
}

/* ---- reading at the minimum rate -------------------------------------- */

static apr_time_t deadline(const body_clock *k, apr_off_t got)
{
    return k->start + k->grace
           + (apr_time_t)(got * APR_USEC_PER_SEC / k->rate);
}

/* One ap_get_brigade with the time the client has left on the socket. */
static apr_status_t timed_read(request_rec *r, const body_clock *k,
                               apr_off_t got, apr_bucket_brigade *in)
{
    apr_interval_time_t left = deadline(k, got) - apr_time_now();
    apr_status_t rv;

    if (left <= 0)
        return APR_TIMEUP;
    if (k->sock)
        apr_socket_timeout_set(k->sock, k->sock_timeout >= 0
                               && k->sock_timeout < left ? k->sock_timeout
                                                         : left);
    rv = ap_get_brigade(r->input_filters, in, AP_MODE_READBYTES,
                        APR_BLOCK_READ, BODY_READ);
    if (k->sock)
        apr_socket_timeout_set(k->sock, k->sock_timeout);
    return rv;
}

/* Read the whole body into ctx: OK, or the HTTP status to answer. */
static int read_all(body_ctx *ctx, const body_clock *k, apr_off_t max)
{
    request_rec *r = ctx->r;
    apr_bucket_brigade *in = apr_brigade_create(r->pool,
                                                r->connection->bucket_alloc);
    int eos = 0;

    while (!eos) {
        apr_bucket *b;
        apr_status_t rv = timed_read(r, k, ctx->len, in);

        if (rv != APR_SUCCESS) {
            apr_brigade_cleanup(in);
            if (rv == APR_TIMEUP) {
                apr_time_t now = apr_time_now();
                int ours = now + apr_time_from_msec(10)
                           >= deadline(k, ctx->len);
                ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, JSZGLOGNO(21201)
                              "request body too slow: %" APR_OFF_T_FMT
                              " bytes in %" APR_TIME_T_FMT " ms (%s "
                              "JszgBodyMinRate %" APR_INT64_T_FMT
                              " bytes/s after %" APR_TIME_T_FMT " s); "
                              "408 before taking a slot", ctx->len,
                              apr_time_as_msec(now - k->start),
                              ours ? "under" : "RequestReadTimeout or "
                              "Timeout, within", k->rate,
                              apr_time_sec(k->grace));
                return HTTP_REQUEST_TIME_OUT;
            }
            ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r, JSZGLOGNO(21202)
                          "request body: read failed after %" APR_OFF_T_FMT
                          " bytes", ctx->len);
            return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
        }
        while (!APR_BRIGADE_EMPTY(in)) {
            const char *data;
            apr_size_t n;

            b = APR_BRIGADE_FIRST(in);
            if (APR_BUCKET_IS_EOS(b))
                eos = 1;
            if (APR_BUCKET_IS_METADATA(b)) {
                apr_bucket_delete(b);
                continue;
            }
            if (apr_bucket_read(b, &data, &n, APR_BLOCK_READ)
                != APR_SUCCESS) {
                apr_brigade_cleanup(in);
                return HTTP_BAD_REQUEST;
            }
            if (ctx->len + (apr_off_t)n > max) {
                apr_brigade_cleanup(in);
                return HTTP_REQUEST_ENTITY_TOO_LARGE;
            }
            if ((rv = keep(ctx, data, n)) != APR_SUCCESS) {
                apr_brigade_cleanup(in);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
            ctx->len += (apr_off_t)n;
            apr_bucket_delete(b);
        }
    }
    apr_brigade_destroy(in);
    return finish(ctx) == APR_SUCCESS ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

/* The answers, as the handler gives them (jszg_error). */
static int refuse(request_rec *r, int status)
{
    switch (status) {
    case AP_FILTER_ERROR:
        return AP_FILTER_ERROR;     /* a filter has answered already */
    case HTTP_REQUEST_ENTITY_TOO_LARGE:
        return jszg_error_request(r, status, "body_too_large",
                                  jszg_form_status_message(
                                      JSZG_FORM_BODY_TOO_LARGE));
    case HTTP_REQUEST_TIME_OUT:
        r->connection->keepalive = AP_CONN_CLOSE;
        return jszg_error_request(r, status, NULL, NULL);
    case HTTP_INTERNAL_SERVER_ERROR:
        return jszg_error_request(r, status, NULL, NULL);
    default:
        return jszg_error_request(r, HTTP_BAD_REQUEST, NULL, NULL);
    }
}

int jszg_gate_body_read(request_rec *r)
{
    jszg_server_conf *sc = jszg_sconf(r);
    jszg_dir_conf *dc = ap_get_module_config(r->per_dir_config,
                                             &jszg_module);
    jszg_form_limits lim;
    const char *cl;
    body_ctx *ctx;
    body_clock k;
    int rc;

    if (!ap_request_has_body(r))
        return DECLINED;
    jszg_dir_limits(dc, &lim);
    if ((cl = apr_table_get(r->headers_in, "Content-Length"))) {
        apr_off_t clen;
        if (apr_strtoff(&clen, cl, NULL, 10) != APR_SUCCESS || clen < 0)
            return refuse(r, HTTP_BAD_REQUEST);
        if ((apr_uint64_t)clen > (apr_uint64_t)lim.max_body)
            return refuse(r, HTTP_REQUEST_ENTITY_TOO_LARGE);
    }

    ctx = apr_pcalloc(r->pool, sizeof(*ctx));
    ctx->r = r;
    ctx->bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    apr_pool_cleanup_register(r->pool, ctx, mem_release,
                              apr_pool_cleanup_null);
    memset(&k, 0, sizeof(k));
    k.start = apr_time_now();
    k.rate = sc->body_min_rate > 0 ? sc->body_min_rate
                                   : JSZG_BODY_DEFAULT_RATE;
    k.grace = apr_time_from_sec(sc->body_grace > 0 ? sc->body_grace
                                                   : JSZG_BODY_DEFAULT_GRACE);
    if (!r->connection->master
        && (k.sock = ap_get_conn_socket(r->connection))
        && apr_socket_timeout_get(k.sock, &k.sock_timeout) != APR_SUCCESS)
        k.sock = NULL;

    rc = read_all(ctx, &k, (apr_off_t)lim.max_body);
    if (rc != OK)
        return refuse(r, rc);
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, "request body: %"
                  APR_OFF_T_FMT " bytes read before the gate (%s)",
                  ctx->len, ctx->file ? "file" : "memory");
    ap_add_input_filter(BODY_FILTER, ctx, r, r->connection);
    return DECLINED;
}

/* ---- the replay filter ------------------------------------------------ */

/* Hands out the body read by jszg_gate_body_read(), then EOS, in pieces
 * of at most readbytes as ap_get_client_block() expects.  Other modes
 * (nobody here reads a body by lines) go to the filters below, which
 * are at the end of the body. */
static apr_status_t replay_filter(ap_filter_t *f, apr_bucket_brigade *bb,
                                  ap_input_mode_t mode,
                                  apr_read_type_e block, apr_off_t readbytes)
{
    body_ctx *ctx = f->ctx;
    apr_bucket *b, *after;
    apr_status_t rv;

    if (mode != AP_MODE_READBYTES && mode != AP_MODE_SPECULATIVE)
        return ap_get_brigade(f->next, bb, mode, block, readbytes);
    if (APR_BRIGADE_EMPTY(ctx->bb)) {
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(
                                        f->c->bucket_alloc));
        return APR_SUCCESS;
    }
    rv = apr_brigade_partition(ctx->bb, readbytes, &after);
    if (rv != APR_SUCCESS && rv != APR_INCOMPLETE)
        return rv;
    if (mode == AP_MODE_SPECULATIVE) {
        for (b = APR_BRIGADE_FIRST(ctx->bb); b != after;
             b = APR_BUCKET_NEXT(b)) {
            apr_bucket *copy;
            if ((rv = apr_bucket_copy(b, &copy)) != APR_SUCCESS)
                return rv;
            APR_BRIGADE_INSERT_TAIL(bb, copy);
        }
        return APR_SUCCESS;
    }
    while (!APR_BRIGADE_EMPTY(ctx->bb)
           && (b = APR_BRIGADE_FIRST(ctx->bb)) != after) {
        APR_BUCKET_REMOVE(b);
        APR_BRIGADE_INSERT_TAIL(bb, b);
    }
    if (APR_BRIGADE_EMPTY(ctx->bb)) {
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(
                                        f->c->bucket_alloc));
    }
    return APR_SUCCESS;
}

void jszg_body_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_register_input_filter(BODY_FILTER, replay_filter, NULL,
                             AP_FTYPE_RESOURCE);
}

/* ---- test hook -------------------------------------------------------- */

/* With JszgTestClock On only (refused in production): a handler that
 * works slowly, to hold an admission slot the way a real one would. */
int jszg_test_hold(request_rec *r)
{
    const char *h = apr_table_get(r->headers_in, "X-Jszg-Test-Hold");
    apr_socket_t *s = ap_get_conn_socket(r->connection);
    apr_os_sock_t fd;
    apr_int64_t secs;
    apr_time_t until;
    char *end;

    if (!h || !s || r->connection->master
        || apr_os_sock_get(&fd, s) != APR_SUCCESS)
        return 0;
    secs = apr_strtoi64(h, &end, 10);
    if (end == h || *end || secs < 1 || secs > HOLD_MAX)
        return 0;
    until = apr_time_now() + apr_time_from_sec(secs);
    while (apr_time_now() < until) {
        struct pollfd p;
        char c;
        ssize_t n;

        p.fd = fd;
        p.events = POLLIN;
        p.revents = 0;
        if (poll(&p, 1, 20) <= 0)
            continue;
        n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK
                       && errno != EINTR)) {
            r->connection->aborted = 1;
            return 1;
        }
        apr_sleep(apr_time_from_msec(20));     /* more bytes: not a close */
    }
    return 0;
}
