/*
 * jszg_admission.h -- peak-load smoothing: admission control in shared
 * memory, a fair waiting room (local, or shared by several front ends
 * through Redis or memcached), per-client rate limits and a status
 * handler (jszg_admission*.c; the rooms are listed in
 * jszg_admission_int.h).  The prefix is jszg_gate_.  mod_jszg.c calls
 * the three functions below and puts JSZG_ADMISSION_CMDS into its
 * directive table.
 */
#ifndef JSZG_ADMISSION_H
#define JSZG_ADMISSION_H

#include "httpd.h"
#include "http_config.h"

void *jszg_gate_create_conf(apr_pool_t *p);
void *jszg_gate_merge_conf(apr_pool_t *p, void *base, void *add);
void jszg_gate_register_hooks(apr_pool_t *p);

/* The per-address budget of captcha images (JszgCaptchaRate): 1 when
 * one may be drawn now, else 0 and *wait. */
int jszg_gate_captcha_take(request_rec *r, apr_interval_time_t *wait);

/* GET /api/v1/queue, the waiting room's poll: a route of the route
 * table (JSZG_R_NODB), answered from shared memory. */
typedef struct jszg_req jszg_req;
int jszg_api_queue(jszg_req *jr);

/* A word in the module's shared memory segment, for the store's
 * "database unreachable" state: one warning per outage and one line when
 * it ends, for all children together.  NULL before post_config. */
volatile apr_uint32_t *jszg_gate_db_outage_word(void);

/* Directive setters (jszg_admission_conf.c). */
const char *jszg_gate_set_enabled(cmd_parms *cmd, void *d, int on);
const char *jszg_gate_set_max(cmd_parms *cmd, void *d, const char *arg);
const char *jszg_gate_set_admit_rate(cmd_parms *cmd, void *d,
                                    const char *rate, const char *burst);
const char *jszg_gate_set_lifetime(cmd_parms *cmd, void *d, const char *arg);
const char *jszg_gate_set_client_rate(cmd_parms *cmd, void *d,
                                     const char *rate, const char *burst);
const char *jszg_gate_set_exempt(cmd_parms *cmd, void *d, const char *arg);
const char *jszg_gate_set_proxy(cmd_parms *cmd, void *d, int argc,
                               char *const argv[]);
const char *jszg_gate_set_template(cmd_parms *cmd, void *d,
                                  const char *arg);
const char *jszg_gate_set_shared(cmd_parms *cmd, void *d, const char *arg);

/* Every line ends with a comma: mod_jszg.c follows the macro with {NULL}. */
#define JSZG_ADMISSION_CMDS                                                 \
    AP_INIT_FLAG("JszgAdmission", jszg_gate_set_enabled, NULL, RSRC_CONF,    \
                 "Admission control and the waiting room for dynamic "      \
                 "pages: On or Off (default Off); main server only"),       \
    AP_INIT_TAKE1("JszgMaxInFlight", jszg_gate_set_max, NULL, RSRC_CONF,     \
                  "Most dynamic requests served at once, 1-100000, or "     \
                  "'auto' (default): DBDMax (at most ThreadsPerChild) "     \
                  "times the MPM's process limit"),                         \
    AP_INIT_TAKE12("JszgAdmitRate", jszg_gate_set_admit_rate, NULL,          \
                   RSRC_CONF, "New visitors admitted per second and "       \
                   "burst, e.g. '5 10', or 'auto' (default: as fast as "    \
                   "JszgMaxInFlight leaves room)"),                         \
    AP_INIT_TAKE1("JszgAdmissionLifetime", jszg_gate_set_lifetime, NULL,     \
                  RSRC_CONF, "Seconds an admission stays valid after "      \
                  "the visitor's last page, 60-86400 (default 1800)"),      \
    AP_INIT_TAKE12("JszgClientRate", jszg_gate_set_client_rate, NULL,        \
                   RSRC_CONF, "Per-client token bucket: requests per "      \
                   "second and burst (default '20 40'), or 'off'; IPv6 "    \
                   "clients count per /64"),                                \
    AP_INIT_TAKE12("JszgCaptchaRate", jszg_gate_set_client_rate, "captcha", \
                   RSRC_CONF, "Captcha images drawn per client address: "   \
                   "per second and burst (default '1 30'), or 'off'; "      \
                   "IPv6 clients count per /64"),                           \
    AP_INIT_ITERATE("JszgAdmissionExempt", jszg_gate_set_exempt, NULL,       \
                    RSRC_CONF, "URL path prefixes never gated nor "         \
                    "counted (default /api/v1/health); 'none' for none"),   \
    AP_INIT_TAKE_ARGV("JszgTrustedProxy", jszg_gate_set_proxy, NULL,         \
                      RSRC_CONF, "Header naming the client (e.g. "          \
                      "X-Forwarded-For) and the proxy addresses or "        \
                      "networks trusted to set it (default: none)"),        \
    AP_INIT_TAKE1("JszgQueueTemplate", jszg_gate_set_template, NULL,         \
                  RSRC_CONF, "HTML file for the waiting page with "         \
                  "{{position}} {{wait_seconds}} {{wait_minutes}} "         \
                  "{{refresh}} {{ticket}} (default: built in)"),            \
    AP_INIT_TAKE1("JszgSharedQueue", jszg_gate_set_shared, NULL, RSRC_CONF,  \
                  "One waiting room for several front ends: "               \
                  "redis://host:port[/name] (apr_redis), "                  \
                  "memcached://host:port[/name] (apr_memcache), or 'none' " \
                  "(default: this server's own queue); when the store is "  \
                  "unreachable each front end falls back to its own"),

#endif /* JSZG_ADMISSION_H */
