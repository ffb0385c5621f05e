/*
 * jszg_sms.c -- the SMS relay: codes for password reset and phone change
 * are written to the sms_outbox table by the request that asks for them;
 * a mod_watchdog callback in one child posts the pending rows to the
 * gateway named by JszgSmsGateway and marks them sent.
 *
 * The request never waits for the gateway, and a gateway that is down
 * loses nothing: a row is retried (JSZG_SMS_TRIES in all) until it is
 * accepted.  With no gateway configured the outbox is only shown to
 * developers (/dev/sms, dev mode).
 *
 * The gateway contract: POST <path> with a JSON body
 * {"id": n, "phone": "...", "message": "..."}; any 2xx means accepted.
 */
#include "jszg_private.h"
#include "jszg_sms.h"
#include "jszg_housekeeping.h"
#include "mod_watchdog.h"
#include "apr_strings.h"
#include "apr_uri.h"
#include "apr_network_io.h"

#define JSZG_SMS_TRIES      5
#define JSZG_SMS_BATCH      "20"
#define JSZG_SMS_INTERVAL   apr_time_from_sec(2)
#define JSZG_SMS_TIMEOUT    apr_time_from_sec(5)
#define WATCHDOG_NAME       "_jszg_sms_"

typedef struct {
    server_rec *s;
    const char *host;
    apr_port_t port;
    const char *path;
} sms_gateway;

const char *jszg_sms_parse_gateway(apr_pool_t *p, const char *arg,
                                   const char **url)
{
    apr_uri_t u;

    if (!strcasecmp(arg, "none")) {
        *url = NULL;
        return NULL;
    }
    if (apr_uri_parse(p, arg, &u) != APR_SUCCESS || !u.scheme
        || strcasecmp(u.scheme, "http") || !u.hostname || u.user
        || u.fragment)
        return apr_psprintf(p, "JszgSmsGateway: '%s' is not an http:// URL "
                            "(e.g. http://127.0.0.1:9000/send, or 'none')",
                            arg);
    *url = arg;
    return NULL;
}

/* One pending message to the gateway: 0 accepted, else an error text. */
static const char *post_one(apr_pool_t *p, const sms_gateway *gw,
                            const char *body)
{
    apr_sockaddr_t *sa;
    apr_socket_t *sock;
    const char *req;
    char buf[64];
    apr_size_t n, len;
    apr_status_t rv;

    rv = apr_sockaddr_info_get(&sa, gw->host, APR_UNSPEC, gw->port, 0, p);
    if (rv != APR_SUCCESS)
        return "gateway host not found";
    if ((rv = apr_socket_create(&sock, sa->family, SOCK_STREAM,
                                APR_PROTO_TCP, p)) != APR_SUCCESS)
        return "socket failed";
    apr_socket_timeout_set(sock, JSZG_SMS_TIMEOUT);
    if ((rv = apr_socket_connect(sock, sa)) != APR_SUCCESS) {
        apr_socket_close(sock);
        return "gateway unreachable";
    }
    req = apr_psprintf(p, "POST %s HTTP/1.0\r\nHost: %s\r\n"
                       "Content-Type: application/json; charset=utf-8\r\n"
                       "Content-Length: %" APR_SIZE_T_FMT "\r\n\r\n%s",
                       gw->path, gw->host, strlen(body), body);
    len = strlen(req);
    rv = apr_socket_send(sock, req, &len);
    n = sizeof(buf) - 1;
    if (rv == APR_SUCCESS)
        rv = apr_socket_recv(sock, buf, &n);
    apr_socket_close(sock);
    if (rv != APR_SUCCESS && !(APR_STATUS_IS_EOF(rv) && n > 0))
        return "no answer from the gateway";
    buf[n] = '\0';
    /* "HTTP/1.x 2xx ..." */
    if (n < 12 || strncmp(buf, "HTTP/1.", 7) || buf[9] != '2')
        return apr_psprintf(p, "gateway refused: %.40s",
                            apr_pstrndup(p, buf, strcspn(buf, "\r\n")));
    return NULL;
}

/* A copy: the pgsql driver frees the result once the last row is read. */
static const char *get_col(apr_pool_t *p, ap_dbd_t *db, apr_dbd_row_t *row,
                           int col)
{
    const char *v = NULL;

    if (apr_dbd_datum_get(db->driver, row, col, APR_DBD_TYPE_STRING, &v)
        != APR_SUCCESS || !v)
        return "";
    return apr_pstrdup(p, v);
}

static void mark(ap_dbd_t *db, apr_pool_t *p, const char *label,
                 const char *a, const char *b)
{
    apr_dbd_prepared_t *st = apr_hash_get(db->prepared, label,
                                          APR_HASH_KEY_STRING);
    int n;

    if (st)
        apr_dbd_pvquery(db->driver, p, db->handle, &n, st, a, b, NULL);
}

/* The database going away and coming back, logged once each (the relay
 * looks every 2 s).  Only the one watchdog thread of one child runs it. */
static void db_state(const sms_gateway *gw, int up)
{
    static int down;

    if (!up && !down)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, gw->s, JSZGLOGNO(10034)
                     "SMS relay: the database cannot be reached; messages "
                     "wait in sms_outbox");
    else if (up && down)
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, gw->s, JSZGLOGNO(10035)
                     "SMS relay: the database is back; sending again");
    down = !up;
}

/* Send what is pending; rows are read whole before any is sent. */
static void relay_pending(const sms_gateway *gw, apr_pool_t *p)
{
    APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open;
    APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close;
    apr_dbd_prepared_t *st;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    apr_array_header_t *ids, *bodies;
    ap_dbd_t *db;
    int i;

    dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    if (!dbd_open || !dbd_close)
        return;
    /* jszg_db_usable: a connection libpq re-established after a database
     * restart has lost its prepared statements; it prepares them again */
    db = dbd_open(p, gw->s);
    if (!db || jszg_db_usable(db, gw->s) != JSZG_DB_OK) {
        if (db)
            dbd_close(gw->s, db);
        db_state(gw, 0);
        return;     /* database down: the rows wait */
    }
    db_state(gw, 1);
    st = apr_hash_get(db->prepared, "sms_pending", APR_HASH_KEY_STRING);
    if (!st || apr_dbd_pvselect(db->driver, p, db->handle, &res, st, 1,
                                JSZG_SMS_BATCH, NULL) != 0) {
        dbd_close(gw->s, db);
        return;
    }
    ids = apr_array_make(p, 20, sizeof(const char *));
    bodies = apr_array_make(p, 20, sizeof(const char *));
    while (apr_dbd_get_row(db->driver, p, res, &row, -1) == 0) {
        const char *id = get_col(p, db, row, 0);
        json_t *j = json_pack("{s:s, s:s, s:s}", "id", id,
                              "phone", get_col(p, db, row, 1),
                              "message", get_col(p, db, row, 2));
        char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
        if (s) {
            APR_ARRAY_PUSH(ids, const char *) = id;
            APR_ARRAY_PUSH(bodies, const char *) = apr_pstrdup(p, s);
        }
        free(s);
        json_decref(j);
    }
    for (i = 0; i < ids->nelts; i++) {
        const char *id = APR_ARRAY_IDX(ids, i, const char *);
        const char *err = post_one(p, gw, APR_ARRAY_IDX(bodies, i,
                                                        const char *));
        if (!err) {
            mark(db, p, "sms_sent", apr_psprintf(p, "%" APR_TIME_T_FMT,
                                                 apr_time_sec(apr_time_now())),
                 id);
        }
        else {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, gw->s, JSZGLOGNO(10030)
                         "SMS %s not delivered: %s", id, err);
            mark(db, p, "sms_failed", err, id);
        }
    }
    dbd_close(gw->s, db);
}

static apr_status_t sms_watchdog(int state, void *data, apr_pool_t *pool)
{
    if (state == AP_WATCHDOG_STATE_RUNNING)
        relay_pending(data, pool);
    return APR_SUCCESS;
}

/* post_config: one relay per server with a gateway, in one child only
 * (a singleton watchdog), so a message is never sent twice at once. */
apr_status_t jszg_sms_start(apr_pool_t *p, server_rec *s)
{
    void *wd = NULL;
    server_rec *vs;
    apr_status_t rv;

    for (vs = s; vs; vs = vs->next) {
        jszg_server_conf *sc = ap_get_module_config(vs->module_config,
                                                    &jszg_module);
        sms_gateway *gw;
        apr_uri_t u;

        if (!sc->sms_gateway)
            continue;
        apr_uri_parse(p, sc->sms_gateway, &u);
        gw = apr_pcalloc(p, sizeof(*gw));
        gw->s = vs;
        gw->host = u.hostname;
        gw->port = u.port ? u.port : 80;
        gw->path = u.path && *u.path ? u.path : "/";
        if (u.query)
            gw->path = apr_pstrcat(p, gw->path, "?", u.query, NULL);
        rv = jszg_background_job(p, vs, WATCHDOG_NAME, &wd,
                                 JSZG_SMS_INTERVAL, gw, sms_watchdog,
                                 "SMS relay");
        if (rv == APR_ENOTIMPL)
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, vs, JSZGLOGNO(10031)
                         "JszgSmsGateway needs mod_watchdog");
        if (rv != APR_SUCCESS)
            return rv;
    }
    return APR_SUCCESS;
}
