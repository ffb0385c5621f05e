/* jszg_housekeeping.h -- deleting expired rows (jszg_housekeeping.c). */
#ifndef JSZG_HOUSEKEEPING_H
#define JSZG_HOUSEKEEPING_H

/* JszgHousekeepingInterval: the default, and the largest value taken. */
#define JSZG_HOUSEKEEPING_DEFAULT   300
#define JSZG_HOUSEKEEPING_MAX       86400

/* post_config, after the server configs got their defaults: start the
 * job for every server that has a database of its own. */
apr_status_t jszg_housekeeping_start(apr_pool_t *p, server_rec *s);

#endif /* JSZG_HOUSEKEEPING_H */
