/*
 * jszg_admission_body.h -- a request body is read (held in memory, or in
 * a temporary file when large) before its request takes an admission
 * slot, at a minimum data rate (JszgBodyMinRate), then replayed to the
 * handler by an input filter (jszg_admission_body.c).
 */
#ifndef JSZG_ADMISSION_BODY_H
#define JSZG_ADMISSION_BODY_H

#include "httpd.h"
#include "http_config.h"

#define JSZG_BODY_DEFAULT_RATE  500     /* bytes a second ... */
#define JSZG_BODY_DEFAULT_GRACE 10      /* ... after this many seconds */

/* Called by the gate (jszg_admission.c) before it takes a slot: reads the
 * whole body, within the location's JszgMaxBody and JszgBodyMinRate.
 * DECLINED: go on (the body, if any, waits for the handler); anything
 * else is the hook's return value, the answer (413, 408, 400) sent. */
int jszg_gate_body_read(request_rec *r);

/* Tests only (JszgTestClock On): "X-Jszg-Test-Hold: N" keeps the handler
 * busy, and so its slot, until the client closes or N seconds pass.
 * 1 when the client went away meanwhile. */
int jszg_test_hold(request_rec *r);

void jszg_body_register_hooks(apr_pool_t *p);

const char *jszg_body_set_min_rate(cmd_parms *cmd, void *d,
                                   const char *rate, const char *grace);

/* Every line ends with a comma: mod_jszg.c follows the macro with {NULL}. */
#define JSZG_BODY_CMDS                                                      \
    AP_INIT_TAKE12("JszgBodyMinRate", jszg_body_set_min_rate, NULL,         \
                   RSRC_CONF, "With JszgAdmission On, a request body is "   \
                   "read before its request takes a slot: at least this "  \
                   "many bytes a second (1-1073741824) after a grace of "   \
                   "so many seconds (1-3600), else 408 (default '500 10')"),

#endif /* JSZG_ADMISSION_BODY_H */
