/*
 * jszg_admission_conf.c -- admission control's configuration: the
 * directives of JSZG_ADMISSION_CMDS (checked when read, so that
 * `apache2 -t` names a bad value), create/merge, and the per-process
 * runtime made from them in post_config (JszgMaxInFlight auto from
 * DBDMax and the MPM, the keys for tickets and admission cookies).
 */
#include "jszg_admission_int.h"

#include "http_core.h"
#include "ap_mpm.h"
#include "util_cfgtree.h"
#include "apr_file_io.h"
#include "apr_network_io.h"
#include "apr_lib.h"

jszg_gate_runtime jszg_rt;

void *jszg_gate_create_conf(apr_pool_t *p)
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

void *jszg_gate_merge_conf(apr_pool_t *p, void *basev, void *addv)
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
        c->shared_pv = add->shared_pv;
        c->shared_addr = add->shared_addr;
    }
    else {
        c->shared_url = base->shared_url;
        c->shared_pv = base->shared_pv;
        c->shared_addr = base->shared_addr;
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

const char *jszg_gate_set_enabled(cmd_parms *cmd, void *d, int on)
{
    (void)d;
    MAIN_ONLY(cmd);
    cmd_conf(cmd)->enabled = on;
    return NULL;
}

const char *jszg_gate_set_max(cmd_parms *cmd, void *d, const char *arg)
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

const char *jszg_gate_set_admit_rate(cmd_parms *cmd, void *d,
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

const char *jszg_gate_set_lifetime(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    MAIN_ONLY(cmd);
    return jszg_cmd_range(cmd, arg, 60, 86400, &cmd_conf(cmd)->lifetime);
}

/* JszgClientRate and (cmd->info "captcha") JszgCaptchaRate. */
const char *jszg_gate_set_client_rate(cmd_parms *cmd, void *d,
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

const char *jszg_gate_set_exempt(cmd_parms *cmd, void *d, const char *arg)
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

const char *jszg_gate_set_proxy(cmd_parms *cmd, void *d, int argc,
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
const char *jszg_gate_set_shared(cmd_parms *cmd, void *d, const char *arg)
{
    adm_conf *c = cmd_conf(cmd);
    const char *why;
    (void)d;

    MAIN_ONLY(cmd);
    if (!strcasecmp(arg, "none")) {
        c->shared_url = "";
        return NULL;
    }
    why = jszg_qb_parse(cmd->pool, arg, &c->shared_pv, &c->shared_addr);
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
const char *jszg_gate_set_template(cmd_parms *cmd, void *d, const char *arg)
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
    if ((bad = jszg_tpl_check(cmd->pool, text,
                                     jszg_gate_tpl_names)))
        return apr_psprintf(cmd->pool, "JszgQueueTemplate: %s: %s (known: "
                            "{{position}} {{wait_seconds}} {{wait_minutes}} "
                            "{{refresh}} {{ticket}})", path, bad);
    c->tpl_file = path;
    c->tpl = text;
    return NULL;
}


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

void jszg_gate_runtime_from_conf(server_rec *s, const adm_conf *c)
{
    static const char *const default_exempt[] = { "/api/v1/health" };
    jszg_server_conf *sc = ap_get_module_config(s->module_config,
                                                &jszg_module);

    jszg_rt.conf = c;
    jszg_rt.enabled = c->enabled == 1;
    jszg_rt.max_in_flight = c->max_in_flight > 0 ? c->max_in_flight
                                            : auto_max_in_flight(s);
    /* A quarter of the slots is for admitted sessions only, so that a
     * crowd of new arrivals cannot slow down those mid-application. */
    jszg_rt.reserve = jszg_rt.max_in_flight / 4;
    jszg_rt.admit_limited = c->admit_rate > 0;
    jszg_rt.admit.rate_milli = jszg_rt.admit_limited ? c->admit_rate : 1000;
    jszg_rt.admit.burst = jszg_rt.admit_limited ? c->admit_burst : 1;
    jszg_rt.client_limited = c->client_rate != 0;
    jszg_rt.client.rate_milli = c->client_rate > 0 ? c->client_rate
                                              : DEFAULT_CLIENT_RATE;
    jszg_rt.client.burst = c->client_rate > 0 ? c->client_burst
                                         : DEFAULT_CLIENT_BURST;
    jszg_rt.captcha_limited = c->captcha_rate != 0;
    jszg_rt.captcha.rate_milli = c->captcha_rate > 0 ? c->captcha_rate
                                                : DEFAULT_CAPTCHA_RATE;
    jszg_rt.captcha.burst = c->captcha_rate > 0 ? c->captcha_burst
                                           : DEFAULT_CAPTCHA_BURST;
    jszg_rt.lifetime = c->lifetime > 0 ? c->lifetime : DEFAULT_LIFETIME;
    jszg_rt.tpl = c->tpl ? c->tpl : jszg_gate_default_tpl;
    jszg_rt.shared = c->shared_url && *c->shared_url;
    jszg_rt.exempt = c->exempt;
    if (!jszg_rt.exempt) {
        apr_array_header_t *a = apr_array_make(s->process->pconf, 1,
                                               sizeof(const char *));
        APR_ARRAY_PUSH(a, const char *) = default_exempt[0];
        jszg_rt.exempt = a;
    }
    jszg_tk_derive(sc->secret, sc->secret_len, "jszg queue ticket v1",
                   jszg_rt.tkey);
    jszg_tk_derive(sc->secret, sc->secret_len, "jszg admission v1",
                   jszg_rt.akey);
}
