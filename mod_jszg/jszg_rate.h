/* jszg_rate.h -- counted events with a time horizon (jszg_rate.c). */
#ifndef JSZG_RATE_H
#define JSZG_RATE_H

#include "jszg_private.h"

/* Every rate limit and throttle of the module counts rows of one table,
 * rate_events (kind, key, at): the applicants' and staff's login
 * throttles, registrations and SMS codes per address, 实名核验 per day,
 * 证书查询 per address, 新增学校 per account.  The rows live in the
 * database so that limits survive child restarts and hold across front
 * ends; housekeeping deletes them after two days.  Times are the
 * request's clock (the test clock in tests): events stamped after it
 * are not counted.  Each call returns a JSZG_DB_* status. */

/* Events of (kind, key) after `since` (epoch seconds). */
int jszg_rate_count(jszg_req *jr, const char *kind, const char *key,
                    apr_int64_t since, int *n);
/* Records one event now. */
int jszg_rate_add(jszg_req *jr, const char *kind, const char *key);
/* Fewer than `max` events in the last `span` seconds?  Then records this
 * one; otherwise sets *over and records nothing. */
int jszg_rate_take(jszg_req *jr, const char *kind, const char *key,
                   apr_int64_t span, int max, int *over);
/* The time of the nth newest event (0: the newest) after `since`;
 * JSZG_DB_NOTFOUND when there are not that many. */
int jszg_rate_nth(jszg_req *jr, const char *kind, const char *key,
                  apr_int64_t since, int nth, apr_int64_t *at);
/* Forgets the events of (kind, key), or of every key that starts with
 * `prefix`. */
int jszg_rate_clear(jszg_req *jr, const char *kind, const char *key);
int jszg_rate_clear_prefix(jszg_req *jr, const char *kind,
                           const char *prefix);

#endif /* JSZG_RATE_H */
