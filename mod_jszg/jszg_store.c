/*
 * jszg_store.c -- the database, through mod_dbd.
 *
 * Every statement is prepared once by label (ap_dbd_prepare at config
 * time) and looked up per request.  The same SQL text serves the sqlite3
 * and pgsql apr_dbd drivers.  Values are always passed as strings; the
 * placeholder names the SQL type, which the pgsql driver needs for its
 * prepare: %s text, %d INTEGER, %lld BIGINT (epoch seconds), %pDd DATE,
 * %pDs TIMESTAMP.  Literal percent signs are written %%.  Rows come back as JSON objects
 * of strings (NULL columns are absent), ready for templates and the API.
 *
 * Statement tables live beside the area that uses them (jszg_store_*.c);
 * this file holds the mechanics and the foundation's statements.
 */
#include "jszg_private.h"
#include "jszg_store.h"
#include "jszg_admission.h"
#include "apr_strings.h"
#include "apr_optional.h"
#include "apr_atomic.h"
#include "apr_thread_proc.h"
#include <dlfcn.h>
#include <sqlite3.h>

static APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *dbd_prepare_fn;
static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open_fn;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close_fn;

static const jszg_stmt core_stmts[] = {
    { "schema_version",
      "SELECT MAX(version) AS version FROM schema_version" },
    /* the session and its account's row (the columns of wz_account), in
     * one query: both are read on every applicant page */
    { "session_get",
      "SELECT s.account_id AS account_id, "
      "s.created_at AS created_at, s.last_seen_at AS last_seen_at, "
      "s.expires_at AS expires_at, s.data AS data, a.id AS id, "
      "a.id_type AS id_type, a.id_number AS id_number, "
      "a.name AS name, a.ethnicity AS ethnicity, a.sex AS sex, "
      "a.birth_date AS birth_date, a.verified AS verified, "
      "a.last_login_at AS last_login_at, a.address AS address, "
      "a.postcode AS postcode "
      "FROM sessions s LEFT JOIN accounts a ON a.id = s.account_id "
      "WHERE s.id_hash = %s" },
    { "session_insert",
      "INSERT INTO sessions (id_hash, account_id, created_at, last_seen_at, "
      "expires_at, ip, user_agent, data) "
      "VALUES (%s, %lld, %lld, %lld, %lld, %s, %s, '{}')" },
    { "session_touch",
      "UPDATE sessions SET last_seen_at = %lld, data = %s "
      "WHERE id_hash = %s" },
    { "session_delete", "DELETE FROM sessions WHERE id_hash = %s" },
    /* the audit log, for applicants' and staff's changes alike */
    { "audit_insert",
      "INSERT INTO audit_log (at, actor, action, target, ip, note) "
      "VALUES (%lld, %s, %s, %s, %s, %s)" },
    { "session_delete_account",
      "DELETE FROM sessions WHERE account_id = %lld" },
    /* the SMS relay (jszg_sms.c) */
    { "sms_pending",
      "SELECT id, phone, body FROM sms_outbox "
      "WHERE sent_at IS NULL AND attempts < 5 ORDER BY id LIMIT %d" },
    { "sms_sent",
      "UPDATE sms_outbox SET sent_at = %lld, attempts = attempts + 1, "
      "last_error = NULL WHERE id = %d" },
    { "sms_failed",
      "UPDATE sms_outbox SET attempts = attempts + 1, last_error = %s "
      "WHERE id = %d" },
    { "home_news",
      "SELECT id, title, published_on FROM news "
      "ORDER BY published_on DESC, id DESC LIMIT 6" },
    { "home_notices",
      "SELECT n.id, n.title, n.published_on, r.name AS province "
      "FROM notices n JOIN regions r ON r.code = n.province_code "
      "WHERE n.business = '定期注册' "
      "ORDER BY n.published_on DESC, n.id DESC LIMIT 6" },
    { NULL, NULL }
};

/* Every table of statements the module prepares. */
static const jszg_stmt *const all_tables[] = {
    core_stmts,
    jszg_portal_stmts,
    jszg_account_stmts,
    jszg_wizard_stmts,
    jszg_admin_stmts,
    jszg_records_stmts,
    jszg_housekeeping_stmts,
    jszg_lists_stmts,
    jszg_orgs_stmts,
    NULL
};

/* A label written twice (in one table or two) is prepared once, and one
 * of its users then runs the other's SQL: refused at start-up. */
const char *jszg_store_duplicate_label(apr_pool_t *p)
{
    apr_hash_t *seen = apr_hash_make(p);
    const jszg_stmt *const *t;
    const jszg_stmt *st;

    for (t = all_tables; *t; t++)
        for (st = *t; st->label; st++) {
            if (apr_hash_get(seen, st->label, APR_HASH_KEY_STRING))
                return st->label;
            apr_hash_set(seen, st->label, APR_HASH_KEY_STRING, st);
        }
    return NULL;
}

/* Called for every server s of the configuration (main first).  A
 * virtual host without DBD directives shares its mod_dbd config with
 * the main server: preparing into it again would only make mod_dbd warn
 * once per label (AH02653 "conflicting SQL statements"). */
void jszg_store_prepare_all(server_rec *main_s, server_rec *s)
{
    module *dbd = ap_find_linked_module("mod_dbd.c");
    const jszg_stmt *const *t;
    const jszg_stmt *st;
    server_rec *prev;

    if (!dbd_prepare_fn) {
        dbd_prepare_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
        dbd_open_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
        dbd_close_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    }
    if (!dbd_prepare_fn || !dbd_open_fn || !dbd_close_fn) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, JSZGLOGNO(10010)
                     "mod_dbd is not loaded: LoadModule dbd_module first");
        return;
    }
    for (prev = main_s; dbd && prev && prev != s; prev = prev->next)
        if (ap_get_module_config(prev->module_config, dbd)
            == ap_get_module_config(s->module_config, dbd))
            return;
    for (t = all_tables; *t; t++)
        for (st = *t; st->label; st++)
            dbd_prepare_fn(s, st->sql, st->label);
}

/* Log through the request when there is one (its client in the line),
 * else through the server: the housekeeping job has no request. */
#define DB_LOG(r, s, level, ...) \
    do { \
        if (r) \
            ap_log_rerror(APLOG_MARK, level, 0, r, __VA_ARGS__); \
        else \
            ap_log_error(APLOG_MARK, level, 0, s, __VA_ARGS__); \
    } while (0)

/* Prepare every statement again on this connection. */
static int reprepare_all(ap_dbd_t *db, request_rec *r, server_rec *s)
{
    const jszg_stmt *const *t;
    const jszg_stmt *st;

    for (t = all_tables; *t; t++) {
        for (st = *t; st->label; st++) {
            apr_dbd_prepared_t *p = NULL;
            int rv = apr_dbd_prepare(db->driver, db->pool, db->handle,
                                     st->sql, st->label, &p);
            if (rv != 0) {
                DB_LOG(r, s, APLOG_ERR, JSZGLOGNO(10014)
                       "re-preparing %s: %s", st->label,
                       apr_dbd_error(db->driver, db->handle, rv));
                return JSZG_DB_DOWN;
            }
            apr_hash_set(db->prepared, st->label, APR_HASH_KEY_STRING, p);
        }
    }
    return JSZG_DB_OK;
}

/* ---- the pgsql driver's own libpq ------------------------------------
 *
 * Three questions only libpq can answer about a connection of the pgsql
 * driver (apr_dbd_native_handle): is it up (PQstatus), which backend
 * serves it (PQbackendPID) and what the server reported about itself
 * (PQparameterStatus).  We do not link libpq ourselves (no build
 * dependency, no bet that ours is the driver's): the functions are
 * looked up at run time in the libpq that apr_dbd_pgsql.so brought in
 * (APR loads DSOs RTLD_GLOBAL), once per child, the first time a pgsql
 * connection is looked at -- it is loaded by then.  Without them (a
 * driver linked statically) the checks below are skipped: no
 * reconnect detection, outage causes from the message text only. */
typedef struct pg_conn PGconn;      /* opaque, as in libpq-fe.h */
#define PQ_CONNECTION_OK    0       /* ConnStatusType CONNECTION_OK */

static struct {
    int (*status)(const PGconn *);
    int (*backend_pid)(const PGconn *);
    const char *(*parameter_status)(const PGconn *, const char *);
} pq;
static apr_thread_once_t *pq_once;

static void pq_bind(void)
{
    *(void **)&pq.status = dlsym(RTLD_DEFAULT, "PQstatus");
    *(void **)&pq.backend_pid = dlsym(RTLD_DEFAULT, "PQbackendPID");
    *(void **)&pq.parameter_status = dlsym(RTLD_DEFAULT,
                                           "PQparameterStatus");
    if (!pq.status || !pq.backend_pid || !pq.parameter_status)
        pq.status = NULL;
}

void jszg_db_child_init(apr_pool_t *p)
{
    apr_thread_once_init(&pq_once, p);
}

/* The connection's libpq handle, NULL when the functions are missing. */
static PGconn *pq_conn(ap_dbd_t *db)
{
    if (pq_once)
        apr_thread_once(pq_once, pq_bind);
    return pq.status ? apr_dbd_native_handle(db->driver, db->handle) : NULL;
}

/* The pgsql driver's connection check quietly PQreset()s a broken
 * connection (after a database restart, say): mod_dbd then hands it out
 * as healthy, but the server-side prepared statements died with the old
 * backend.  We remember each connection's backend pid beside its
 * statements and prepare them again when it changes. */
#define BACKEND_KEY "jszg:backend-pid"

enum { CONN_SAME, CONN_NEW, CONN_DOWN };

static int check_backend_of(ap_dbd_t *db, request_rec *r, server_rec *s)
{
    PGconn *conn;
    int *seen, pid;

    if (strcmp(apr_dbd_name(db->driver), "pgsql"))
        return CONN_SAME;
    if (!(conn = pq_conn(db)))
        return CONN_SAME;
    if (pq.status(conn) != PQ_CONNECTION_OK)
        return CONN_DOWN;
    pid = pq.backend_pid(conn);
    seen = apr_hash_get(db->prepared, BACKEND_KEY, APR_HASH_KEY_STRING);
    if (!seen) {
        seen = apr_palloc(db->pool, sizeof(*seen));
        *seen = pid;
        apr_hash_set(db->prepared, BACKEND_KEY, APR_HASH_KEY_STRING, seen);
        return CONN_SAME;
    }
    if (*seen == pid)
        return CONN_SAME;
    DB_LOG(r, s, APLOG_INFO, JSZGLOGNO(10015)
           "database connection was re-established (backend %d, was %d): "
           "preparing statements again", pid, *seen);
    if (reprepare_all(db, r, s) != JSZG_DB_OK)
        return CONN_DOWN;
    *seen = pid;
    return CONN_NEW;
}

static int check_backend(jszg_req *jr)
{
    return check_backend_of(jr->dbd, jr->r, jr->r->server);
}

/* A connection taken with ap_dbd_open() outside a request (the
 * watchdog jobs): usable, with its statements prepared? */
int jszg_db_usable(ap_dbd_t *db, server_rec *s)
{
    return check_backend_of(db, NULL, s) == CONN_DOWN ? JSZG_DB_DOWN
                                                      : JSZG_DB_OK;
}

/* After a failed statement outside a transaction: was the connection
 * broken and is it back now?  Then the statement is worth one retry. */
static int reconnected(jszg_req *jr)
{
    if (jr->trans)
        return 0;
    if (apr_dbd_check_conn(jr->dbd->driver, jr->pool, jr->dbd->handle)
        != APR_SUCCESS)
        return 0;
    return check_backend(jr) == CONN_NEW;
}

/* The sqlite3 driver prepares with the legacy sqlite3_prepare(): after
 * a schema change made by another connection (sql/apply.sh on a live
 * database) every statement fails with SQLITE_SCHEMA instead of being
 * prepared again by SQLite.  We prepare them all again, as after a
 * PostgreSQL reconnect.  Inside a transaction the statement is not
 * retried (the transaction has failed), but the next one will work. */
static int schema_changed(jszg_req *jr)
{
    sqlite3 *conn;

    if (strcmp(apr_dbd_name(jr->dbd->driver), "sqlite3"))
        return 0;
    conn = apr_dbd_native_handle(jr->dbd->driver, jr->dbd->handle);
    if (!conn || sqlite3_errcode(conn) != SQLITE_SCHEMA)
        return 0;
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, jr->r, JSZGLOGNO(10036)
                  "the database schema was changed by another process: "
                  "preparing statements again");
    return reprepare_all(jr->dbd, jr->r, jr->r->server) == JSZG_DB_OK;
}

/* A failed statement worth one more try: the connection came back, or
 * the statements were prepared again after a schema change. */
static int retry_after(jszg_req *jr)
{
    return schema_changed(jr) ? !jr->trans : reconnected(jr);
}

/* An outage is logged once (first failure: warning; then debug) and
 * its end once, by whichever child sees it first, so that the error log
 * stays readable while every request answers 503.  The state lives in
 * the module's shared memory segment; a process without one (none is
 * made before post_config) keeps its own. */
static volatile apr_uint32_t db_outage_local;

static volatile apr_uint32_t *outage_word(void)
{
    volatile apr_uint32_t *w = jszg_gate_db_outage_word();

    return w ? w : &db_outage_local;
}

static int outage_begins(void)
{
    return apr_atomic_cas32(outage_word(), 1, 0) == 0;
}

static void outage_over(jszg_req *jr)
{
    volatile apr_uint32_t *w = outage_word();

    if (apr_atomic_read32(w) && apr_atomic_cas32(w, 0, 1) == 1)
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, jr->r, JSZGLOGNO(10037)
                      "database reachable again");
}

/* A request's connection is its own, taken from mod_dbd's pool at its
 * first statement and given back by jszg_db_release() when the handler
 * is done (jszg_handle), or when the request's pool goes.  mod_dbd's
 * ap_dbd_acquire() would hold it until then, through the writing of the
 * answer, the access log and the pool's destruction: with more threads
 * than connections (ThreadsPerChild 25, DBDMax 8 in the shipped
 * configuration) the next requests waited for it (README, Benchmarks). */
static apr_status_t db_release(void *data)
{
    jszg_req *jr = data;

    if (jr->dbd) {
        dbd_close_fn(jr->r->server, jr->dbd);
        jr->dbd = NULL;
    }
    return APR_SUCCESS;
}

ap_dbd_t *jszg_db(jszg_req *jr)
{
    if (!jr->dbd && dbd_open_fn) {
        jr->dbd = dbd_open_fn(jr->pool, jr->r->server);
        if (jr->dbd) {
            apr_pool_cleanup_register(jr->pool, jr, db_release,
                                      apr_pool_cleanup_null);
            if (check_backend(jr) == CONN_DOWN)
                apr_pool_cleanup_run(jr->pool, jr, db_release);
        }
        /* mod_dbd has logged why it could not connect */
        if (!jr->dbd)
            outage_begins();
    }
    return jr->dbd;
}

void jszg_db_release(jszg_req *jr)
{
    if (jr->dbd && !jr->trans)
        apr_pool_cleanup_run(jr->pool, jr, db_release);
}

static apr_dbd_prepared_t *stmt(jszg_req *jr, const char *label)
{
    apr_dbd_prepared_t *st = apr_hash_get(jr->dbd->prepared, label,
                                          APR_HASH_KEY_STRING);
    if (!st)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, jr->r, JSZGLOGNO(10011)
                      "no prepared statement '%s' (check the error log at "
                      "startup for a failed prepare)", label);
    return st;
}

/* The driver's message of a failed call, copied at once: checking the
 * connection afterwards (a PQreset() inside apr_dbd_check_conn) rewrites
 * libpq's message buffer, which once left an empty cause in the log. */
static const char *failure_text(jszg_req *jr, int rv)
{
    const char *msg = apr_dbd_error(jr->dbd->driver, jr->dbd->handle, rv);

    return apr_pstrdup(jr->pool, msg && *msg ? msg : "");
}

/* A connection to a server that takes no writes: a hot standby (a
 * DBDParams without target_session_attrs=read-write, a pooler aimed at
 * the wrong node after a failover) or a primary the DBA set
 * default_transaction_read_only on.  A write there fails with SQLSTATE
 * 25006, which apr_dbd does not pass on: the server reports both
 * settings on the connection (in_hot_standby since PostgreSQL 14), and
 * older ones say so in the message.  Not the statement's fault: 503. */
static int read_only(PGconn *conn, const char *msg)
{
    const char *v;

    if (conn && (v = pq.parameter_status(conn, "in_hot_standby"))
        && !strcmp(v, "on"))
        return 1;
    if (conn && (v = pq.parameter_status(conn,
                                         "default_transaction_read_only"))
        && !strcmp(v, "on"))
        return 1;
    return strstr(msg, "read-only transaction") != NULL;
}

/* Why a statement failed, from what libpq and the server said: the
 * operator reading the log at 23:50 needs the cause, not just "failed".
 * NULL when the database itself answered (a constraint, a bad value). */
static const char *outage_cause(jszg_req *jr, const char *msg, int *down)
{
    static const struct { const char *text, *cause; } causes[] = {
        { "terminating connection due to administrator command",
          "server shutting down" },
        { "the database system is shutting down", "server shutting down" },
        { "the database system is starting up", "server restarting" },
        { "the database system is in recovery mode", "server restarting" },
        { "the database system is not yet accepting connections",
          "server restarting" },
        { "server closed the connection unexpectedly", "connection lost" },
        { "no connection to the server", "connection lost" },
        { "could not receive data from server", "connection lost" },
        { "could not send data to server", "connection lost" },
        { "connection to server", "connection refused" },
        { NULL, NULL }
    };
    int i;

    *down = 0;
    if (!strcmp(apr_dbd_name(jr->dbd->driver), "pgsql")) {
        PGconn *conn = pq_conn(jr->dbd);

        for (i = 0; causes[i].text; i++)
            if (strstr(msg, causes[i].text)) {
                *down = 1;
                return causes[i].cause;
            }
        if (conn && pq.status(conn) != PQ_CONNECTION_OK) {
            *down = 1;
            return "connection lost";
        }
        if (read_only(conn, msg)) {
            *down = 1;
            return "read-only";
        }
    }
    if (apr_dbd_check_conn(jr->dbd->driver, jr->pool, jr->dbd->handle)
        != APR_SUCCESS) {
        *down = 1;
        return "connection lost";
    }
    if (!*msg) {
        /* nothing said, connection fine now: it was reset under us */
        *down = 1;
        return "connection reset";
    }
    return NULL;
}

/* After a failed call: is the connection gone (503) or the statement
 * wrong (500)?  Logged either way.  Inside a transaction the failure
 * marks it: commit then rolls back and returns this result, so no
 * caller can answer a half-applied change as a success. */
static int classify_failure(jszg_req *jr, const char *label, int rv,
                            const char *msg)
{
    int down, rc;
    const char *cause = outage_cause(jr, msg, &down);

    if (down) {
        int first = outage_begins();
        ap_log_rerror(APLOG_MARK, first ? APLOG_WARNING : APLOG_DEBUG, 0,
                      jr->r, JSZGLOGNO(10012) "statement %s failed "
                      "(database unreachable: %s)%s%s", label, cause,
                      *msg ? ": " : "", msg);
        rc = JSZG_DB_DOWN;
    }
    else {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, jr->r, JSZGLOGNO(10012)
                      "statement %s failed: %s", label,
                      *msg ? msg : apr_psprintf(jr->pool, "error %d", rv));
        rc = JSZG_DB_ERROR;
    }
    if (jr->trans && jr->trans_rc == JSZG_DB_OK)
        jr->trans_rc = rc;
    return rc;
}

/* A statement that was never prepared fails its transaction too. */
static int fail_missing(jszg_req *jr)
{
    if (jr->trans && jr->trans_rc == JSZG_DB_OK)
        jr->trans_rc = JSZG_DB_ERROR;
    return JSZG_DB_ERROR;
}

static const char **collect_args(apr_pool_t *p, int nargs, va_list ap)
{
    const char **args = apr_pcalloc(p, sizeof(*args) * (nargs + 1));
    int i;

    for (i = 0; i < nargs; i++)
        args[i] = va_arg(ap, const char *);
    return args;
}

static int select_rows(jszg_req *jr, const char *label, json_t **rows,
                       int nargs, const char **args)
{
    apr_dbd_prepared_t *st;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rv, ncols, i;
    json_t *out;

    *rows = NULL;
    if (jr->trans && jr->trans_rc != JSZG_DB_OK)
        return jr->trans_rc;    /* the transaction failed already */
    if (!jszg_db(jr))
        return JSZG_DB_DOWN;
    if (!(st = stmt(jr, label)))
        return fail_missing(jr);
    /* Random access (1): the pgsql driver's sequential mode has no
     * column names before the first row is read. */
    rv = apr_dbd_pselect(jr->dbd->driver, jr->pool, jr->dbd->handle, &res,
                         st, 1, nargs, args);
    if (rv != 0) {
        const char *msg = failure_text(jr, rv);
        if (retry_after(jr) && (st = stmt(jr, label))) {
            res = NULL;
            rv = apr_dbd_pselect(jr->dbd->driver, jr->pool, jr->dbd->handle,
                                 &res, st, 1, nargs, args);
            if (rv != 0)
                msg = failure_text(jr, rv);
        }
        if (rv != 0)
            return classify_failure(jr, label, rv, msg);
    }
    outage_over(jr);
    out = jszg_pool_json(jr->pool, json_array());
    ncols = apr_dbd_num_cols(jr->dbd->driver, res);
    /* Always read to the end: leaving rows unread leaks the result. */
    while (apr_dbd_get_row(jr->dbd->driver, jr->pool, res, &row, -1) == 0) {
        json_t *obj = json_object();
        for (i = 0; i < ncols; i++) {
            const char *v = NULL;
            /* not apr_dbd_get_entry(): the pgsql driver returns "" for a
             * NULL there; datum_get says APR_ENOENT on both drivers */
            if (apr_dbd_datum_get(jr->dbd->driver, row, i,
                                  APR_DBD_TYPE_STRING, &v) != APR_SUCCESS)
                v = NULL;
            if (v)
                json_object_set_new(obj, apr_dbd_get_name(jr->dbd->driver,
                                                          res, i),
                                    json_string(v));
        }
        json_array_append_new(out, obj);
    }
    *rows = out;
    return JSZG_DB_OK;
}

int jszg_db_rows(jszg_req *jr, const char *label, json_t **rows,
                 int nargs, ...)
{
    va_list ap;
    const char **args;

    va_start(ap, nargs);
    args = collect_args(jr->pool, nargs, ap);
    va_end(ap);
    return select_rows(jr, label, rows, nargs, args);
}

int jszg_db_row(jszg_req *jr, const char *label, json_t **row,
                int nargs, ...)
{
    va_list ap;
    const char **args;
    json_t *rows;
    int rc;

    va_start(ap, nargs);
    args = collect_args(jr->pool, nargs, ap);
    va_end(ap);
    *row = NULL;
    rc = select_rows(jr, label, &rows, nargs, args);
    if (rc != JSZG_DB_OK)
        return rc;
    if (json_array_size(rows) == 0)
        return JSZG_DB_NOTFOUND;
    *row = json_array_get(rows, 0);
    return JSZG_DB_OK;
}

int jszg_db_exec(jszg_req *jr, const char *label, int *nrows,
                 int nargs, ...)
{
    apr_dbd_prepared_t *st;
    va_list ap;
    const char **args;
    int rv, n = 0;

    va_start(ap, nargs);
    args = collect_args(jr->pool, nargs, ap);
    va_end(ap);
    if (jr->trans && jr->trans_rc != JSZG_DB_OK)
        return jr->trans_rc;    /* the transaction failed already */
    if (!jszg_db(jr))
        return JSZG_DB_DOWN;
    if (!(st = stmt(jr, label)))
        return fail_missing(jr);
    /* a write may change the account: read it again from now on */
    if (jr->session)
        jr->session->account = NULL;
    rv = apr_dbd_pquery(jr->dbd->driver, jr->pool, jr->dbd->handle, &n, st,
                        nargs, args);
    if (rv != 0) {
        const char *msg = failure_text(jr, rv);
        if (retry_after(jr) && (st = stmt(jr, label))) {
            rv = apr_dbd_pquery(jr->dbd->driver, jr->pool, jr->dbd->handle,
                                &n, st, nargs, args);
            if (rv != 0)
                msg = failure_text(jr, rv);
        }
        if (rv != 0)
            return classify_failure(jr, label, rv, msg);
    }
    outage_over(jr);
    if (nrows)
        *nrows = n;
    return JSZG_DB_OK;
}

int jszg_audit_write(jszg_req *jr, const char *actor, const char *action,
                     const char *target, const char *note)
{
    return jszg_db_exec(jr, "audit_insert", NULL, 6,
                        apr_psprintf(jr->pool, "%" APR_TIME_T_FMT,
                                     apr_time_sec(jr->now)),
                        actor, action, target,
                        jr->r->useragent_ip ? jr->r->useragent_ip : "", note);
}

int jszg_db_begin(jszg_req *jr)
{
    int rv;

    if (!jszg_db(jr))
        return JSZG_DB_DOWN;
    /* Statements inside a transaction are not retried: make sure the
     * connection is alive (and its statements prepared) before. */
    if (apr_dbd_check_conn(jr->dbd->driver, jr->pool, jr->dbd->handle)
        != APR_SUCCESS || check_backend(jr) == CONN_DOWN)
        return JSZG_DB_DOWN;
    /* SQLite: a statement inside a transaction is not retried, so a
     * schema change since the last statement is found (and the
     * statements prepared again) before the transaction starts. */
    if (!strcmp(apr_dbd_name(jr->dbd->driver), "sqlite3")) {
        json_t *rows;
        jr->trans = NULL;
        if ((rv = select_rows(jr, "schema_version", &rows, 0, NULL))
            != JSZG_DB_OK)
            return rv;
    }
    jr->trans = NULL;
    jr->trans_rc = JSZG_DB_OK;
    rv = apr_dbd_transaction_start(jr->dbd->driver, jr->pool,
                                   jr->dbd->handle, &jr->trans);
    if (rv != 0) {
        jr->trans = NULL;
        return classify_failure(jr, "BEGIN", rv, failure_text(jr, rv));
    }
    return JSZG_DB_OK;
}

/* Both apr_dbd drivers end a transaction in which a statement failed
 * with a ROLLBACK and still answer 0: the failure is ours to remember
 * (classify_failure marks jr->trans_rc) and to report here. */
int jszg_db_commit(jszg_req *jr)
{
    int rv, rc = jr->trans_rc;

    if (!jr->trans)
        return JSZG_DB_ERROR;
    if (rc != JSZG_DB_OK) {
        jszg_db_rollback(jr);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, jr->r, JSZGLOGNO(10038)
                      "transaction rolled back: a statement inside failed");
        return rc;
    }
    rv = apr_dbd_transaction_end(jr->dbd->driver, jr->pool, jr->trans);
    jr->trans = NULL;
    if (rv != 0)
        return classify_failure(jr, "COMMIT", rv, failure_text(jr, rv));
    return JSZG_DB_OK;
}

void jszg_db_rollback(jszg_req *jr)
{
    if (!jr->trans)
        return;
    apr_dbd_transaction_mode_set(jr->dbd->driver, jr->trans,
                                 APR_DBD_TRANSACTION_ROLLBACK);
    apr_dbd_transaction_end(jr->dbd->driver, jr->pool, jr->trans);
    jr->trans = NULL;
    jr->trans_rc = JSZG_DB_OK;
}

/* After the handler: a transaction still open is a bug; it must not go
 * back to mod_dbd's pool with the connection (the next request would
 * continue it). */
int jszg_db_finish(jszg_req *jr)
{
    if (!jr->trans)
        return JSZG_DB_OK;
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, jr->r, JSZGLOGNO(10039)
                  "a transaction was left open by %s: rolled back",
                  jr->r->uri);
    jszg_db_rollback(jr);
    return JSZG_DB_ERROR;
}

/* Checked once per child: an old schema gets a clear log line and 503s
 * instead of SQL errors on every page. */
int jszg_schema_check(jszg_req *jr)
{
    static volatile int state;  /* 0 unknown, 1 good, 2 too old */
    json_t *row;
    long v;
    int rc;

    if (state == 1)
        return JSZG_DB_OK;
    rc = jszg_db_row(jr, "schema_version", &row, 0);
    if (rc == JSZG_DB_DOWN)
        return rc;
    v = 0;
    if (rc == JSZG_DB_OK) {
        const char *s = json_string_value(json_object_get(row, "version"));
        v = s ? atol(s) : 0;
    }
    if (v >= JSZG_SCHEMA_VERSION) {
        state = 1;
        return JSZG_DB_OK;
    }
    if (state != 2)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, jr->r, JSZGLOGNO(10013)
                      "database schema is at version %ld, this module needs "
                      "%d: run sql/apply.sh (make migrate)", v,
                      JSZG_SCHEMA_VERSION);
    state = 2;
    return JSZG_DB_DOWN;
}
