/*
 * mod_jszg.c -- 中国教师资格网 中小学教师资格定期注册 portal for httpd 2.4.
 *
 * The module record, configuration (create/merge, directives) and hook
 * registration.  Request handling lives in jszg_http.c, the URL map in
 * jszg_routes.c.
 */
#define JSZG_MODULE_FILE
#include "jszg_private.h"
#include "jszg_admission.h"
#include "jszg_admission_body.h"
#include "jszg_housekeeping.h"
#include "jszg_pdf.h"
#include "jszg_sms.h"
#include "http_core.h"
#include "ap_mpm.h"
#include "apr_strings.h"
#include "unixd.h"
#include <libxml/parser.h>
#include "jszg_jpeg.h"
#include <sys/stat.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#define JSZG_DEFAULT_IDLE       apr_time_from_sec(30 * 60)
#define JSZG_DEFAULT_MAXLIFE    apr_time_from_sec(8 * 60 * 60)
#define JSZG_DEFAULT_PAGE_SIZE  10
#define JSZG_SCHOOL_ADDS_PER_DAY 3     /* JszgSchoolAddsPerDay */
#define JSZG_CORRECT_DAYS 15           /* JszgDecisionCorrectDays */
#define JSZG_DEFAULT_DRAFT_IDLE apr_time_from_sec(2 * 60 * 60)

static void *create_server_conf(apr_pool_t *p, server_rec *s)
{
    jszg_server_conf *sc = apr_pcalloc(p, sizeof(*sc));
    (void)s;
    sc->mode = -1;
    sc->cookie_secure = -1;
    sc->session_idle = -1;
    sc->session_max = -1;
    sc->test_clock = -1;
    sc->page_size = -1;
    sc->school_adds = -1;
    sc->correct_days = -1;
    sc->draft_idle = -1;
    sc->housekeeping = -1;
    sc->body_min_rate = -1;
    sc->body_grace = -1;
    sc->adm = jszg_gate_create_conf(p);
    sc->home_cache = -1;
    return sc;
}

#define MERGE_PTR(f) (add->f ? add->f : base->f)
#define MERGE_INT(f) (add->f != -1 ? add->f : base->f)

static void *merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    jszg_server_conf *base = basev, *add = addv;
    jszg_server_conf *sc = apr_pcalloc(p, sizeof(*sc));

    sc->template_dir = MERGE_PTR(template_dir);
    sc->upload_dir = MERGE_PTR(upload_dir);
    sc->sms_gateway = add->sms_gateway_set ? add->sms_gateway
                                           : base->sms_gateway;
    sc->sms_gateway_set = add->sms_gateway_set || base->sms_gateway_set;
    sc->secret_file = MERGE_PTR(secret_file);
    sc->mode = MERGE_INT(mode);
    sc->cookie_secure = MERGE_INT(cookie_secure);
    sc->session_idle = MERGE_INT(session_idle);
    sc->session_max = MERGE_INT(session_max);
    sc->test_clock = MERGE_INT(test_clock);
    sc->page_size = MERGE_INT(page_size);
    sc->school_adds = MERGE_INT(school_adds);
    sc->correct_days = MERGE_INT(correct_days);
    sc->draft_idle = MERGE_INT(draft_idle);
    sc->housekeeping = MERGE_INT(housekeeping);
    sc->body_min_rate = MERGE_INT(body_min_rate);
    sc->body_grace = MERGE_INT(body_grace);
    sc->adm = jszg_gate_merge_conf(p, base->adm, add->adm);
    sc->home_cache = MERGE_INT(home_cache);
    if (add->secret_len) {
        memcpy(sc->secret, add->secret, add->secret_len);
        sc->secret_len = add->secret_len;
    }
    else {
        memcpy(sc->secret, base->secret, base->secret_len);
        sc->secret_len = base->secret_len;
    }
    /* view is parsed per child (child_init), never inherited. */
    return sc;
}

static void *create_dir_conf(apr_pool_t *p, char *dir)
{
    jszg_dir_conf *dc = apr_pcalloc(p, sizeof(*dc));
    (void)dir;
    dc->max_body = -1;
    dc->max_fields = -1;
    dc->max_field_len = -1;
    dc->max_file_len = -1;
    dc->max_files = -1;
    return dc;
}

static void *merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    jszg_dir_conf *base = basev, *add = addv;
    jszg_dir_conf *dc = apr_pcalloc(p, sizeof(*dc));

    dc->max_body = MERGE_INT(max_body);
    dc->max_fields = MERGE_INT(max_fields);
    dc->max_field_len = MERGE_INT(max_field_len);
    dc->max_file_len = MERGE_INT(max_file_len);
    dc->max_files = MERGE_INT(max_files);
    return dc;
}

/* Fill defaults into a merged server config (the "unset" markers stay
 * in the config objects so that merging keeps working). */
static void server_conf_defaults(jszg_server_conf *sc)
{
    /* production unless told otherwise: dev mode publishes the SMS outbox
     * and lets anyone approve 实名 reviews (/dev/...) */
    if (sc->mode == -1)
        sc->mode = JSZG_MODE_PRODUCTION;
    if (sc->cookie_secure == -1)
        sc->cookie_secure = JSZG_SECURE_AUTO;
    if (sc->session_idle == -1)
        sc->session_idle = JSZG_DEFAULT_IDLE;
    if (sc->session_max == -1)
        sc->session_max = JSZG_DEFAULT_MAXLIFE;
    if (sc->test_clock == -1)
        sc->test_clock = 0;
    if (sc->page_size == -1)
        sc->page_size = JSZG_DEFAULT_PAGE_SIZE;
    if (sc->school_adds == -1)
        sc->school_adds = JSZG_SCHOOL_ADDS_PER_DAY;
    if (sc->correct_days == -1)
        sc->correct_days = JSZG_CORRECT_DAYS;
    if (sc->draft_idle == -1)
        sc->draft_idle = JSZG_DEFAULT_DRAFT_IDLE;
    if (sc->housekeeping == -1)
        sc->housekeeping = JSZG_HOUSEKEEPING_DEFAULT;
    if (sc->body_min_rate == -1)
        sc->body_min_rate = JSZG_BODY_DEFAULT_RATE;
    if (sc->body_grace == -1)
        sc->body_grace = JSZG_BODY_DEFAULT_GRACE;
    if (sc->home_cache == -1)
        sc->home_cache = JSZG_HOME_CACHE_DEFAULT;
}

/* ---- directive setters ---------------------------------------------- */

static jszg_server_conf *cmd_sconf(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &jszg_module);
}

/* JszgTemplateDir, JszgUploadDir, JszgSecretFile: cmd->info says which. */
static const char *set_server_path(cmd_parms *cmd, void *dummy,
                                   const char *arg)
{
    jszg_server_conf *sc = cmd_sconf(cmd);
    const char *path = ap_server_root_relative(cmd->pool, arg);
    const char *which = cmd->info;
    (void)dummy;

    if (!path)
        return apr_pstrcat(cmd->pool, cmd->cmd->name, ": invalid path '",
                           arg, "'", NULL);
    if (!strcmp(which, "template"))
        sc->template_dir = path;
    else if (!strcmp(which, "upload"))
        sc->upload_dir = path;
    else {
        const char *err = NULL;
        sc->secret_file = path;
        /* Read now, so that `apache2 -t` catches a missing or short file. */
        if (jszg_secret_load(cmd->pool, sc, &err) != APR_SUCCESS)
            return apr_psprintf(cmd->pool, "JszgSecretFile %s: %s", path,
                                err);
    }
    return NULL;
}

static const char *set_sms_gateway(cmd_parms *cmd, void *dummy,
                                   const char *arg)
{
    jszg_server_conf *sc = cmd_sconf(cmd);
    (void)dummy;
    sc->sms_gateway_set = 1;
    return jszg_sms_parse_gateway(cmd->pool, arg, &sc->sms_gateway);
}

static const char *set_mode(cmd_parms *cmd, void *dummy, const char *arg)
{
    jszg_server_conf *sc = cmd_sconf(cmd);
    (void)dummy;
    if (!strcasecmp(arg, "dev"))
        sc->mode = JSZG_MODE_DEV;
    else if (!strcasecmp(arg, "production"))
        sc->mode = JSZG_MODE_PRODUCTION;
    else
        return "JszgMode must be 'dev' or 'production'";
    return NULL;
}

static const char *set_cookie_secure(cmd_parms *cmd, void *dummy,
                                     const char *arg)
{
    jszg_server_conf *sc = cmd_sconf(cmd);
    (void)dummy;
    if (!strcasecmp(arg, "auto"))
        sc->cookie_secure = JSZG_SECURE_AUTO;
    else if (!strcasecmp(arg, "on"))
        sc->cookie_secure = JSZG_SECURE_ON;
    else if (!strcasecmp(arg, "off"))
        sc->cookie_secure = JSZG_SECURE_OFF;
    else
        return "JszgCookieSecure must be 'auto', 'on' or 'off'";
    return NULL;
}

/* JszgSessionIdle / JszgSessionMaxLife / JszgWizardDraftIdle: seconds. */
static const char *set_session_time(cmd_parms *cmd, void *dummy,
                                    const char *arg)
{
    jszg_server_conf *sc = cmd_sconf(cmd);
    apr_int64_t v;
    const char *err = jszg_cmd_range(cmd, arg, 60, 7 * 24 * 3600, &v);
    (void)dummy;
    if (err)
        return err;
    if (!strcmp(cmd->info, "idle"))
        sc->session_idle = apr_time_from_sec(v);
    else if (!strcmp(cmd->info, "draft"))
        sc->draft_idle = apr_time_from_sec(v);
    else
        sc->session_max = apr_time_from_sec(v);
    return NULL;
}

static const char *set_page_size(cmd_parms *cmd, void *dummy,
                                 const char *arg)
{
    apr_int64_t v;
    const char *err = jszg_cmd_range(cmd, arg, 1, 100, &v);
    (void)dummy;
    if (err)
        return err;
    cmd_sconf(cmd)->page_size = (int)v;
    return NULL;
}

/* JszgSchoolAddsPerDay: 新增学校 per account and Beijing day. */
static const char *set_school_adds(cmd_parms *cmd, void *dummy,
                                   const char *arg)
{
    apr_int64_t v;
    const char *err = jszg_cmd_range(cmd, arg, 0, 100000, &v);
    (void)dummy;
    if (err)
        return err;
    cmd_sconf(cmd)->school_adds = (int)v;
    return NULL;
}

/* JszgDecisionCorrectDays: days after a 注册结论 during which the 注册机构
 * (or the province) may withdraw or correct it; 0: not at all. */
static const char *set_correct_days(cmd_parms *cmd, void *dummy,
                                    const char *arg)
{
    apr_int64_t v;
    const char *err = jszg_cmd_range(cmd, arg, 0, 366, &v);
    (void)dummy;
    if (err)
        return err;
    cmd_sconf(cmd)->correct_days = (int)v;
    return NULL;
}

/* JszgHousekeepingInterval: seconds, 0 turns the job off. */
static const char *set_housekeeping(cmd_parms *cmd, void *dummy,
                                    const char *arg)
{
    apr_int64_t v;
    const char *err = jszg_cmd_range(cmd, arg, 0, JSZG_HOUSEKEEPING_MAX, &v);
    (void)dummy;
    if (err)
        return err;
    cmd_sconf(cmd)->housekeeping = (int)v;
    return NULL;
}

/* JszgHomeCacheSeconds: how long a child keeps the home page's lists
 * (jszg_page_home.c); 0 reads them on every request. */
static const char *set_home_cache(cmd_parms *cmd, void *dummy,
                                  const char *arg)
{
    apr_int64_t v;
    const char *err = jszg_cmd_range(cmd, arg, 0, 300, &v);
    (void)dummy;
    if (err)
        return err;
    cmd_sconf(cmd)->home_cache = (int)v;
    return NULL;
}

static const char *set_test_clock(cmd_parms *cmd, void *dummy, int on)
{
    (void)dummy;
    cmd_sconf(cmd)->test_clock = on;
    return NULL;
}

/* Body limits, per directory: cmd->info names the field. */
static const char *set_limit(cmd_parms *cmd, void *dcv, const char *arg)
{
    jszg_dir_conf *dc = dcv;
    const char *which = cmd->info;
    apr_int64_t v;
    const char *err;

    if (!strcmp(which, "body")) {
        if (!(err = jszg_cmd_range(cmd, arg, 1024, APR_INT64_C(1) << 30, &v)))
            dc->max_body = (apr_off_t)v;
    }
    else if (!strcmp(which, "fields")) {
        if (!(err = jszg_cmd_range(cmd, arg, 1, 10000, &v)))
            dc->max_fields = (int)v;
    }
    else if (!strcmp(which, "fieldlen")) {
        if (!(err = jszg_cmd_range(cmd, arg, 16, 16 * 1024 * 1024, &v)))
            dc->max_field_len = (apr_off_t)v;
    }
    else if (!strcmp(which, "filelen")) {
        if (!(err = jszg_cmd_range(cmd, arg, 1024, APR_INT64_C(1) << 30, &v)))
            dc->max_file_len = (apr_off_t)v;
    }
    else {
        if (!(err = jszg_cmd_range(cmd, arg, 0, 100, &v)))
            dc->max_files = (int)v;
    }
    return err;
}

static const command_rec jszg_cmds[] = {
    AP_INIT_TAKE1("JszgTemplateDir", set_server_path, "template",
                  RSRC_CONF, "Directory of the XHTML templates "
                  "(default: ServerRoot/htdocs/templates)"),
    AP_INIT_TAKE1("JszgUploadDir", set_server_path, "upload", RSRC_CONF,
                  "Directory for uploaded photos and scans, outside the "
                  "web root (default: ServerRoot/uploads)"),
    AP_INIT_TAKE1("JszgSecretFile", set_server_path, "secret", RSRC_CONF,
                  "File holding the server secret (at least 32 bytes) that "
                  "signs CSRF tokens and tickets (required)"),
    AP_INIT_TAKE1("JszgSmsGateway", set_sms_gateway, NULL, RSRC_CONF,
                  "http:// URL that accepts the SMS outbox as JSON POSTs, or "
                  "'none' (default: none; the dev server shows the outbox "
                  "at /dev/sms)"),
    AP_INIT_TAKE1("JszgMode", set_mode, NULL, RSRC_CONF,
                  "'dev' or 'production' (default: production); dev shows "
                  "the SMS outbox and 实名 reviews under /dev/, production "
                  "hides them and refuses test-only directives"),
    AP_INIT_TAKE1("JszgCookieSecure", set_cookie_secure, NULL, RSRC_CONF,
                  "Secure flag on cookies: auto (when served over TLS), on, "
                  "off (default: auto)"),
    AP_INIT_TAKE1("JszgSessionIdle", set_session_time, "idle", RSRC_CONF,
                  "Seconds of inactivity that end a session (default 1800)"),
    AP_INIT_TAKE1("JszgSessionMaxLife", set_session_time, "max", RSRC_CONF,
                  "Seconds after login that end a session regardless of "
                  "activity (default 8 hours)"),
    AP_INIT_TAKE1("JszgWizardDraftIdle", set_session_time, "draft",
                  RSRC_CONF, "Seconds of inactivity after which an unfinished "
                  "定期注册 application (the wizard's draft) is discarded "
                  "(default 7200)"),
    AP_INIT_TAKE1("JszgDecisionCorrectDays", set_correct_days, NULL,
                  RSRC_CONF, "Days after a 注册结论 during which the "
                  "注册机构 or the province may withdraw or correct it, "
                  "0 ... 366 (default 15; 0: never)"),
    AP_INIT_TAKE1("JszgSchoolAddsPerDay", set_school_adds, NULL, RSRC_CONF,
                  "Schools (新增学校) one account may add per Beijing day, "
                  "0 ... 100000 (default 3; 0: none)"),
    AP_INIT_TAKE1("JszgPageSize", set_page_size, NULL, RSRC_CONF,
                  "Items per page in lists (1-100, default 10)"),
    AP_INIT_TAKE1("JszgHousekeepingInterval", set_housekeeping, NULL,
                  RSRC_CONF, "Seconds between two runs of the job that "
                  "deletes expired sessions, captchas, SMS codes, rate-limit "
                  "events, idempotency keys, old SMS outbox rows and idle "
                  "wizard drafts (0-86400, default 300; 0 turns it off)"),
    AP_INIT_TAKE1("JszgHomeCacheSeconds", set_home_cache, NULL, RSRC_CONF,
                  "seconds a child keeps the home page's news and notices "
                  "(0-300, default 2; 0: read them on every request)"),
    AP_INIT_FLAG("JszgTestClock", set_test_clock, NULL, RSRC_CONF,
                 "Honour the X-Jszg-Test-Now header (tests only; refused "
                 "with JszgMode production; default Off)"),
    AP_INIT_TAKE1("JszgMaxBody", set_limit, "body", RSRC_CONF | ACCESS_CONF,
                  "Largest request body in bytes (default 4194304)"),
    AP_INIT_TAKE1("JszgMaxFields", set_limit, "fields",
                  RSRC_CONF | ACCESS_CONF,
                  "Most form fields in one request (default 200)"),
    AP_INIT_TAKE1("JszgMaxFieldLength", set_limit, "fieldlen",
                  RSRC_CONF | ACCESS_CONF,
                  "Longest text field in bytes (default 16384)"),
    AP_INIT_TAKE1("JszgMaxFileSize", set_limit, "filelen",
                  RSRC_CONF | ACCESS_CONF,
                  "Largest uploaded file in bytes (default 2097152)"),
    AP_INIT_TAKE1("JszgMaxFiles", set_limit, "files",
                  RSRC_CONF | ACCESS_CONF,
                  "Most uploaded files in one request (default 4)"),
    JSZG_ADMISSION_CMDS
    JSZG_BODY_CMDS
    {NULL}
};

/* ---- hooks ------------------------------------------------------------ */

/* Parse the templates once at startup, only to refuse to start with a
 * broken one (children parse their own copy after fork). */
static int check_templates(server_rec *s, jszg_server_conf *sc,
                           apr_pool_t *ptemp)
{
    jszg_view *v = NULL;
    const char *err = NULL;

    if (jszg_view_create(ptemp, sc->template_dir, &v, &err) == APR_SUCCESS)
        return OK;
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, JSZGLOGNO(10005)
                 "JszgTemplateDir %s: %s", sc->template_dir,
                 err ? err : "cannot be read");
    return HTTP_INTERNAL_SERVER_ERROR;
}

/* fontconfig's configuration is loaded once in the parent, before fork;
 * a missing font is a warning: rendering falls back to another. */
static void pdf_init(server_rec *s)
{
    const char *err = NULL;

    if (jszg_pdf_init(&err) != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, JSZGLOGNO(10006)
                     "application form fonts: %s", err ? err : "not found");
}

/* Can the children's user (User/Group of mod_unixd) reach `path`?
 * Every directory on the way needs search permission, the last one read
 * permission too.  NULL when it can, else the component that stops it.
 * Only meaningful when httpd starts as root (it then switches user). */
static const char *unreachable_for_children(apr_pool_t *p, const char *path)
{
    uid_t uid = ap_unixd_config.user_id;
    gid_t gid = ap_unixd_config.group_id;
    char *cur = apr_pstrdup(p, path), *slash;
    struct stat st;
    int need = 5;   /* the directory itself: read and search */

    if (geteuid() != 0 || uid == 0)
        return NULL;
    for (;;) {
        mode_t bits;
        if (stat(cur, &st) != 0)
            return NULL;        /* missing: reported elsewhere */
        bits = st.st_uid == uid ? (st.st_mode >> 6)
             : st.st_gid == gid ? (st.st_mode >> 3) : st.st_mode;
        if ((bits & need) != (mode_t)need)
            return cur;
        need = 1;   /* the directories above it: search */
        slash = strrchr(cur, '/');
        if (!slash || slash == cur)
            break;
        *slash = '\0';
    }
    return NULL;
}

/* Everything that would stop the module, found by `apache2 -t`
 * (check_config runs before the configtest exits; post_config does not):
 * each message names its directive. */
static int jszg_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s)
{
    server_rec *vs;
    const char *dup;
    (void)plog;

    xmlInitParser();
    if ((dup = jszg_store_duplicate_label(ptemp))) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, JSZGLOGNO(10040)
                     "SQL statement label '%s' is defined twice in the "
                     "store's tables (jszg_store*.c)", dup);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    for (vs = s; vs; vs = vs->next) {
        jszg_server_conf *sc = ap_get_module_config(vs->module_config,
                                                    &jszg_module);
        const char *stop;

        server_conf_defaults(sc);
        if (!sc->template_dir)
            sc->template_dir = ap_server_root_relative(pconf,
                                                       "htdocs/templates");
        if (!sc->upload_dir)
            sc->upload_dir = ap_server_root_relative(pconf, "uploads");
        if (sc->test_clock && sc->mode == JSZG_MODE_PRODUCTION) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, vs, JSZGLOGNO(10001)
                         "JszgTestClock On is refused with JszgMode "
                         "production");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (!sc->secret_file) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, vs, JSZGLOGNO(10002)
                         "JszgSecretFile is required: a file with at least "
                         "%d random bytes", JSZG_SECRET_MIN);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (check_templates(vs, sc, ptemp) != OK)
            return HTTP_INTERNAL_SERVER_ERROR;
        if ((stop = unreachable_for_children(ptemp, sc->template_dir))) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, vs, JSZGLOGNO(10007)
                         "JszgTemplateDir %s: the children's user (uid %ld) "
                         "cannot read it: no permission on %s; make the "
                         "path readable (chmod o+rx) or move the templates",
                         sc->template_dir, (long)ap_unixd_config.user_id,
                         stop);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if ((stop = unreachable_for_children(ptemp, sc->upload_dir)))
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, vs, JSZGLOGNO(10008)
                         "JszgUploadDir %s: the children's user (uid %ld) "
                         "cannot reach it (no permission on %s): uploads "
                         "will fail", sc->upload_dir,
                         (long)ap_unixd_config.user_id, stop);
    }
    return OK;
}

static int jszg_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    server_rec *vs;
    (void)plog; (void)ptemp;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;

    pdf_init(s);
    /* the configuration was checked (jszg_check_config) */
    for (vs = s; vs; vs = vs->next)
        jszg_store_prepare_all(s, vs);
    if (jszg_sms_start(pconf, s) != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    if (jszg_housekeeping_start(pconf, s) != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    return OK;
}

/* Templates are parsed once per child, after fork: libxml2 trees are not
 * shared across processes, and threads of one child only read them. */
static void jszg_child_init(apr_pool_t *p, server_rec *s)
{
    server_rec *vs;

#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
    /* Large blocks (an image decode's whole-image buffer, big bodies)
     * mmap'ed and returned on free instead of staying in the thread
     * arenas for good (jszg_jpeg.h; bench/uploads/run.sh).  A no-op
     * under another malloc (jemalloc preloaded). */
    mallopt(M_MMAP_THRESHOLD, JSZG_MMAP_THRESHOLD);
#endif
    jszg_db_child_init(p);

    jszg_home_child_init(p);
    jszg_crypto_child_init(p, s);
    for (vs = s; vs; vs = vs->next) {
        jszg_server_conf *sc = ap_get_module_config(vs->module_config,
                                                    &jszg_module);
        const char *err = NULL;

        if (sc->view)
            continue;
        if (jszg_view_create(p, sc->template_dir, &sc->view, &err)
            != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, vs, JSZGLOGNO(10004)
                         "templates in %s: %s", sc->template_dir,
                         err ? err : "unreadable");
            sc->view = NULL;
        }
    }
}

static void register_hooks(apr_pool_t *p)
{
    /* Prepare our statements before mod_dbd sets up its pools. */
    static const char *const succ[] = { "mod_dbd.c", NULL };

    ap_hook_check_config(jszg_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(jszg_post_config, NULL, succ, APR_HOOK_MIDDLE);
    ap_hook_child_init(jszg_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(jszg_handle, NULL, NULL, APR_HOOK_MIDDLE);
    jszg_page_register_hooks();
    jszg_gate_register_hooks(p);
    jszg_body_register_hooks(p);
}

AP_DECLARE_MODULE(jszg) = {
    STANDARD20_MODULE_STUFF,
    create_dir_conf,        /* create per-directory config */
    merge_dir_conf,         /* merge per-directory config */
    create_server_conf,     /* create per-server config */
    merge_server_conf,      /* merge per-server config */
    jszg_cmds,              /* directive table */
    register_hooks,         /* register hooks */
    AP_MODULE_FLAG_NONE     /* flags */
};
