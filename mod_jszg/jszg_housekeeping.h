/* jszg_housekeeping.h -- deleting expired rows (jszg_housekeeping.c). */
#ifndef JSZG_HOUSEKEEPING_H
#define JSZG_HOUSEKEEPING_H

/* JszgHousekeepingInterval: the default, and the largest value taken. */
#define JSZG_HOUSEKEEPING_DEFAULT   300
#define JSZG_HOUSEKEEPING_MAX       86400

/* A job run every `interval` in one child of the whole server (a
 * singleton mod_watchdog named `name`; *wd caches it between calls).
 * APR_ENOTIMPL, logged by the caller, when mod_watchdog is not loaded;
 * another failure is logged here with `what`.  Used by housekeeping and
 * the SMS relay. */
apr_status_t jszg_background_job(apr_pool_t *p, server_rec *s,
                                 const char *name, void **wd,
                                 apr_interval_time_t interval, void *data,
                                 apr_status_t (*cb)(int state, void *data,
                                                    apr_pool_t *pool),
                                 const char *what);

/* post_config, after the server configs got their defaults: start the
 * job for every server that has a database of its own. */
apr_status_t jszg_housekeeping_start(apr_pool_t *p, server_rec *s);

#endif /* JSZG_HOUSEKEEPING_H */
