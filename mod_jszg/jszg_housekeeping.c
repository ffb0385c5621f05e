/*
 * jszg_housekeeping.c -- deletes the rows whose time has passed: expired
 * and idle sessions (applicants' and staff's), captchas, SMS codes,
 * rate-limit events, idempotency keys, old SMS outbox rows and idle
 * wizard drafts.  Without it these tables only grow: a session is
 * otherwise deleted only when its owner comes back.
 *
 * A mod_watchdog callback in one child of the whole server (a singleton
 * watchdog, like the SMS relay) runs every JszgHousekeepingInterval
 * seconds (0: never).  Each run takes a connection from mod_dbd, and
 * goes round the rules, one batch of at most HK_BATCH_ROWS rows per rule
 * and round, the oldest first, until every rule finds less than a full
 * batch or the run's time budget (half the interval, at most a minute)
 * is spent; what is left waits for the next run.  No statement holds a
 * lock for long, none runs in a long transaction, and a short pause
 * between rounds lets the requests' writes in (SQLite has one writer).
 *
 * Upload files (JszgUploadDir/{photos,certs,identity}/<account>/<file>.jpg
 * or .png) that no row refers to any more -- a photo replaced in the
 * wizard, the photo of an abandoned or expired draft, a refused upload of
 * an interrupted request -- are removed once their modification time is
 * HK_UPLOAD_GRACE old (a request may still be about to commit the row
 * that names a new file), at most once an hour, within the same time
 * budget.  A file that any application, certificate, review or draft
 * names is never touched, and on any database error nothing is removed.
 *
 * The statements and the reason for each table's horizon are in
 * jszg_store_housekeeping.c; the horizons themselves are below.  Times
 * are the real clock (never the test clock of a request).  A database
 * that cannot be reached costs one warning per run; the next run tries
 * again.
 */
#include "jszg_private.h"
#include "jszg_housekeeping.h"
#include "mod_watchdog.h"
#include "ap_mpm.h"
#include "util_cfgtree.h"
#include "apr_strings.h"
#include "apr_optional.h"

#define WATCHDOG_NAME   "_jszg_housekeeping_"
#define HK_BATCH_ROWS   500     /* = HK_BATCH in jszg_store_housekeeping.c */
#define HK_PAUSE        apr_time_from_msec(20)
#define HK_BUDGET_MAX   apr_time_from_sec(60)

#define HK_MARGIN       300             /* clock skew, requests in flight */
#define HK_UPLOAD_GRACE (24 * 3600)     /* an upload younger stays */
#define HK_UPLOAD_EVERY apr_time_from_sec(3600)
#define HK_HOUR         3600
#define HK_DAY          86400

/* How a rule's cut-off is found: now minus keep, minus the idle time of
 * the kind for the idle rules. */
enum { KEEP_FIXED, KEEP_SESSION_IDLE, KEEP_DRAFT_IDLE };

typedef struct {
    const char *label;          /* statement; the log names it without hk_ */
    int kind;
    apr_int64_t keep;           /* seconds */
} hk_rule;

static const hk_rule hk_rules[] = {
    { "hk_sessions_expired",        KEEP_FIXED,         HK_MARGIN },
    { "hk_sessions_idle",           KEEP_SESSION_IDLE,  HK_MARGIN },
    { "hk_admin_sessions_expired",  KEEP_FIXED,         HK_MARGIN },
    { "hk_admin_sessions_idle",     KEEP_SESSION_IDLE,  HK_MARGIN },
    { "hk_captchas",                KEEP_FIXED,         HK_HOUR },
    { "hk_sms_codes",               KEEP_FIXED,         HK_HOUR },
    { "hk_rate_events",             KEEP_FIXED,         2 * HK_DAY },
    { "hk_idempotency_keys",        KEEP_FIXED,         7 * HK_DAY },
    { "hk_sms_outbox",              KEEP_FIXED,         7 * HK_DAY },
    { "hk_wizard_drafts",           KEEP_DRAFT_IDLE,    HK_MARGIN },
};
#define HK_NRULES ((int)(sizeof(hk_rules) / sizeof(hk_rules[0])))

/* One job: a server with a database of its own. */
typedef struct {
    server_rec *s;
    apr_interval_time_t interval;
    apr_int64_t session_idle;   /* seconds; the largest of all servers */
    apr_int64_t draft_idle;     /* likewise */
    const char *upload_dir;     /* JszgUploadDir of this server */
    apr_time_t last_sweep;      /* uploads; 0: not yet (one child only) */
} hk_job;

/* The kinds of upload, each JszgUploadDir/<kind>/<account id>/<file>. */
static const char *const hk_upload_kinds[] = { "photos", "certs",
                                               "identity", NULL };

static apr_int64_t cutoff(const hk_job *job, const hk_rule *rule,
                          apr_int64_t now)
{
    apr_int64_t keep = rule->keep;

    if (rule->kind == KEEP_SESSION_IDLE)
        keep += job->session_idle;
    else if (rule->kind == KEEP_DRAFT_IDLE)
        keep += job->draft_idle;
    return now - keep;
}

static int stopping(void)
{
    int state = 0;

    return ap_mpm_query(AP_MPMQ_MPM_STATE, &state) == APR_SUCCESS
           && state == AP_MPMQ_STOPPING;
}

/* "sessions_idle 12, captchas 3" for the rules that deleted rows. */
static const char *counts(apr_pool_t *p, const apr_int64_t *done)
{
    const char *out = "";
    int i;

    for (i = 0; i < HK_NRULES; i++)
        if (done[i])
            out = apr_psprintf(p, "%s%s%s %" APR_INT64_T_FMT, out,
                               *out ? ", " : "", hk_rules[i].label + 3,
                               done[i]);
    return *out ? out : "nothing";
}

/* The driver's message on one line. */
static const char *db_error(apr_pool_t *p, ap_dbd_t *db, int rv)
{
    const char *msg = apr_dbd_error(db->driver, db->handle, rv);
    char *m = apr_pstrdup(p, msg ? msg : "unknown error");
    apr_size_t n = strlen(m);

    while (n && (m[n - 1] == '\n' || m[n - 1] == '\r' || m[n - 1] == ' '))
        m[--n] = '\0';
    return m;
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* An upload's name as the module writes it: <token>.jpg or .png. */
static int upload_name(const char *n)
{
    apr_size_t len = strlen(n);

    return n[0] != '.' && len > 4 && (!strcmp(n + len - 4, ".jpg")
                                      || !strcmp(n + len - 4, ".png"));
}

/* One account's directory of one kind: the files older than `older`
 * that none of the account's rows names are removed.  0, or -1 with
 * *failed set. */
static int sweep_account(ap_dbd_t *db, apr_dbd_prepared_t *st,
                         apr_pool_t *p, const char *base, const char *kind,
                         const char *account, apr_time_t older,
                         apr_int64_t *removed, const char **failed)
{
    const char *dir = apr_pstrcat(p, base, "/", kind, "/", account, NULL);
    apr_array_header_t *old = apr_array_make(p, 8, sizeof(const char *));
    apr_array_header_t *refs = apr_array_make(p, 8, sizeof(const char *));
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;     /* the pgsql driver reuses a given row */
    apr_finfo_t fi;
    apr_dir_t *d;
    int i, j, rv;

    if (apr_dir_open(&d, dir, p) != APR_SUCCESS)
        return 0;
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE
                        | APR_FINFO_MTIME, d) == APR_SUCCESS)
        if (fi.filetype == APR_REG && upload_name(fi.name)
            && fi.mtime < older)
            *(const char **)apr_array_push(old) = apr_pstrdup(p, fi.name);
    apr_dir_close(d);
    if (!old->nelts)
        return 0;
    /* random access, as jszg_store.c reads every result (the pgsql
     * driver's sequential mode is not used anywhere in the module) */
    rv = apr_dbd_pvselect(db->driver, p, db->handle, &res, st, 1, account,
                          account, account, account, account, account, NULL);
    if (rv != 0) {
        *failed = apr_psprintf(p, "hk_upload_refs failed: %s",
                               apr_dbd_error(db->driver, db->handle, rv));
        return -1;
    }
    /* read to the end (an unread result leaks) */
    while (apr_dbd_get_row(db->driver, p, res, &row, -1) == 0) {
        const char *v = NULL;
        if (apr_dbd_datum_get(db->driver, row, 0, APR_DBD_TYPE_STRING, &v)
            == APR_SUCCESS && v && *v)
            *(const char **)apr_array_push(refs) = apr_pstrdup(p, v);
    }
    for (i = 0; i < old->nelts; i++) {
        const char *name = APR_ARRAY_IDX(old, i, const char *);
        const char *rel = apr_pstrcat(p, kind, "/", account, "/", name,
                                      NULL);
        int used = 0;

        /* a path column equals rel; a draft's JSON contains it */
        for (j = 0; j < refs->nelts && !used; j++)
            used = strstr(APR_ARRAY_IDX(refs, j, const char *), rel) != NULL;
        if (!used && apr_file_remove(apr_pstrcat(p, dir, "/", name, NULL),
                                     p) == APR_SUCCESS)
            (*removed)++;
    }
    return 0;
}

/* The upload sweep of one run: every kind, every account directory,
 * until done or the deadline.  Returns the files removed. */
static apr_int64_t hk_sweep_uploads(hk_job *job, ap_dbd_t *db,
                                    apr_pool_t *p, apr_time_t deadline,
                                    const char **failed)
{
    apr_dbd_prepared_t *st = apr_hash_get(db->prepared, "hk_upload_refs",
                                          APR_HASH_KEY_STRING);
    apr_time_t older = apr_time_now() - apr_time_from_sec(HK_UPLOAD_GRACE);
    apr_int64_t removed = 0;
    const char *const *kind;
    apr_pool_t *iter;
    int done = 1;

    if (!st) {
        *failed = "no prepared statement hk_upload_refs";
        return 0;
    }
    apr_pool_create(&iter, p);
    for (kind = hk_upload_kinds; *kind && !*failed && done; kind++) {
        const char *dir = apr_pstrcat(p, job->upload_dir, "/", *kind, NULL);
        apr_finfo_t fi;
        apr_dir_t *d;

        if (apr_dir_open(&d, dir, p) != APR_SUCCESS)
            continue;           /* nothing uploaded of this kind yet */
        while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d)
               == APR_SUCCESS) {
            if (fi.filetype != APR_DIR || !all_digits(fi.name))
                continue;
            apr_pool_clear(iter);
            if (sweep_account(db, st, iter, job->upload_dir, *kind,
                              fi.name, older, &removed, failed) != 0)
                break;
            if (apr_time_now() >= deadline || stopping()) {
                done = 0;
                break;
            }
        }
        apr_dir_close(d);
    }
    apr_pool_destroy(iter);
    if (done && !*failed)
        job->last_sweep = apr_time_now();
    return removed;
}

static void hk_run(hk_job *job, apr_pool_t *p)
{
    APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open;
    APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close;
    apr_dbd_prepared_t *st[HK_NRULES];
    const char *cut[HK_NRULES];
    apr_int64_t done[HK_NRULES], total = 0;
    int more[HK_NRULES];
    apr_time_t start = apr_time_now(), deadline;
    apr_interval_time_t budget = job->interval / 2;
    const char *failed = NULL;
    int i, pending, over_time = 0;
    apr_pool_t *iter;
    ap_dbd_t *db;

    dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    if (!dbd_open || !dbd_close)
        return;             /* told at startup (jszg_store_prepare_all) */
    if (budget > HK_BUDGET_MAX)
        budget = HK_BUDGET_MAX;
    deadline = start + budget;
    db = dbd_open(p, job->s);
    if (!db || jszg_db_usable(db, job->s) != JSZG_DB_OK) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, job->s, JSZGLOGNO(19002)
                     "housekeeping: the database cannot be reached, nothing "
                     "deleted; next try in %" APR_TIME_T_FMT " s",
                     apr_time_sec(job->interval));
        if (db)
            dbd_close(job->s, db);
        return;
    }
    for (i = 0; i < HK_NRULES; i++) {
        st[i] = apr_hash_get(db->prepared, hk_rules[i].label,
                             APR_HASH_KEY_STRING);
        if (!st[i] && !failed)
            failed = apr_pstrcat(p, "no prepared statement ",
                                 hk_rules[i].label, NULL);
        cut[i] = apr_psprintf(p, "%" APR_INT64_T_FMT,
                              cutoff(job, &hk_rules[i],
                                     apr_time_sec(start)));
        more[i] = st[i] != NULL;
        done[i] = 0;
    }
    apr_pool_create(&iter, p);
    while (!failed) {
        pending = 0;
        for (i = 0; i < HK_NRULES; i++) {
            int n = 0, rv;

            if (!more[i])
                continue;
            apr_pool_clear(iter);
            rv = apr_dbd_pvquery(db->driver, iter, db->handle, &n, st[i],
                                 cut[i], NULL);
            if (rv != 0) {
                failed = apr_psprintf(p, "%s failed: %s", hk_rules[i].label,
                                      db_error(p, db, rv));
                break;
            }
            done[i] += n;
            total += n;
            more[i] = n >= HK_BATCH_ROWS;
            pending |= more[i];
        }
        if (failed || !pending || stopping())
            break;
        if (apr_time_now() >= deadline) {
            over_time = 1;
            break;
        }
        apr_sleep(HK_PAUSE);
    }
    apr_pool_destroy(iter);
    if (!failed && !over_time && job->upload_dir
        && apr_time_now() - job->last_sweep >= HK_UPLOAD_EVERY) {
        apr_int64_t files = hk_sweep_uploads(job, db, p, deadline, &failed);
        if (files)
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, job->s, JSZGLOGNO(10400)
                         "housekeeping removed %" APR_INT64_T_FMT " upload "
                         "files no row refers to (older than %d h) under %s",
                         files, HK_UPLOAD_GRACE / 3600, job->upload_dir);
    }
    dbd_close(job->s, db);
    if (failed)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, job->s, JSZGLOGNO(19003)
                     "housekeeping stopped: %s; deleted before: %s; next "
                     "try in %" APR_TIME_T_FMT " s", failed, counts(p, done),
                     apr_time_sec(job->interval));
    else if (total)
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, job->s, JSZGLOGNO(19001)
                     "housekeeping deleted %" APR_INT64_T_FMT " rows in "
                     "%.2f s: %s%s", total,
                     (double)(apr_time_now() - start) / APR_USEC_PER_SEC,
                     counts(p, done),
                     over_time ? "; time budget spent, the rest waits for "
                                 "the next run" : "");
}

static apr_status_t hk_watchdog(int state, void *data, apr_pool_t *pool)
{
    if (state == AP_WATCHDOG_STATE_RUNNING)
        hk_run(data, pool);
    return APR_SUCCESS;     /* anything else would stop the callback */
}

/* ---- which servers have a database of their own ------------------------ */

/* mod_dbd keeps its settings private, so the configuration tree is read
 * (as jszg_admission.c does for DBDMax).  The main server has a database
 * when DBDriver or DBDParams appears outside every <VirtualHost>; a
 * virtual host when one appears inside its own section.  A virtual host
 * without one shares the main server's database, which the main
 * server's job keeps; a server without any has no job (ap_dbd_open would
 * log "not configured" on every run). */
static int dbd_directive(const ap_directive_t *d)
{
    return !strcasecmp(d->directive, "DBDriver")
           || !strcasecmp(d->directive, "DBDParams");
}

static int dbd_set_in(const ap_directive_t *d, int into_vhosts)
{
    for (; d; d = d->next) {
        if (dbd_directive(d))
            return 1;
        if (d->first_child
            && (into_vhosts || strcasecmp(d->directive, "<VirtualHost"))
            && dbd_set_in(d->first_child, into_vhosts))
            return 1;
    }
    return 0;
}

/* The <VirtualHost> section that defined s (core.c records its file and
 * line in the server_rec). */
static const ap_directive_t *vhost_section(const ap_directive_t *d,
                                           const server_rec *s)
{
    const ap_directive_t *found;

    for (; d; d = d->next) {
        if (!strcasecmp(d->directive, "<VirtualHost")) {
            if ((unsigned)d->line_num == s->defn_line_number && d->filename
                && s->defn_name && !strcmp(d->filename, s->defn_name))
                return d;
        }
        else if (d->first_child
                 && (found = vhost_section(d->first_child, s)))
            return found;
    }
    return NULL;
}

static int own_database(const server_rec *s)
{
    const ap_directive_t *vh;

    if (!s->is_virtual)
        return dbd_set_in(ap_conftree, 0);
    vh = vhost_section(ap_conftree, s);
    return vh && dbd_set_in(vh->first_child, 1);
}

/* ---- startup ----------------------------------------------------------- */

apr_status_t jszg_background_job(apr_pool_t *p, server_rec *s,
                                 const char *name, void **wd,
                                 apr_interval_time_t interval, void *data,
                                 apr_status_t (*cb)(int state, void *data,
                                                    apr_pool_t *pool),
                                 const char *what)
{
    APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) *get_instance;
    APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) *register_cb;
    apr_status_t rv;

    get_instance = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    register_cb = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    if (!get_instance || !register_cb)
        return APR_ENOTIMPL;
    if (!*wd && (rv = get_instance((ap_watchdog_t **)wd, name, 0, 1, p))
                != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, JSZGLOGNO(19005)
                     "cannot create the watchdog of the %s", what);
        return rv;
    }
    if ((rv = register_cb(*wd, interval, data, cb)) != APR_SUCCESS
        && rv != APR_EEXIST) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, JSZGLOGNO(19006)
                     "cannot start the %s", what);
        return rv;
    }
    return APR_SUCCESS;
}

apr_status_t jszg_housekeeping_start(apr_pool_t *p, server_rec *s)
{
    void *wd = NULL;
    apr_int64_t idle = 0, draft = 0;
    server_rec *vs;
    apr_status_t rv;

    /* Virtual hosts may share one database: a row is deleted only when
     * it is dead for every one of them. */
    for (vs = s; vs; vs = vs->next) {
        jszg_server_conf *sc = ap_get_module_config(vs->module_config,
                                                    &jszg_module);
        if (apr_time_sec(sc->session_idle) > idle)
            idle = apr_time_sec(sc->session_idle);
        if (apr_time_sec(sc->draft_idle) > draft)
            draft = apr_time_sec(sc->draft_idle);
    }
    for (vs = s; vs; vs = vs->next) {
        jszg_server_conf *sc = ap_get_module_config(vs->module_config,
                                                    &jszg_module);
        hk_job *job;

        if (sc->housekeeping <= 0 || !own_database(vs))
            continue;
        job = apr_pcalloc(p, sizeof(*job));
        job->s = vs;
        job->interval = apr_time_from_sec(sc->housekeeping);
        job->session_idle = idle;
        job->draft_idle = draft;
        job->upload_dir = sc->upload_dir;
        rv = jszg_background_job(p, vs, WATCHDOG_NAME, &wd, job->interval,
                                 job, hk_watchdog, "housekeeping job");
        if (rv == APR_ENOTIMPL) {
            /* not fatal: the portal works, the tables grow */
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, vs, JSZGLOGNO(19004)
                         "JszgHousekeepingInterval needs mod_watchdog: "
                         "expired rows are not deleted (load "
                         "watchdog_module, or set "
                         "JszgHousekeepingInterval 0)");
            return APR_SUCCESS;
        }
        if (rv != APR_SUCCESS)
            return rv;
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, vs, JSZGLOGNO(19007)
                     "housekeeping every %d s", sc->housekeeping);
    }
    return APR_SUCCESS;
}
