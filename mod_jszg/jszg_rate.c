/*
 * jszg_rate.c -- counted events with a time horizon: the one mechanism
 * under every rate limit and throttle (see jszg_rate.h).  The statements
 * are rate_* in jszg_store_account.c.
 */
#include "jszg_rate.h"
#include "apr_strings.h"

static const char *num(apr_pool_t *p, apr_int64_t n)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, n);
}

static const char *now_str(jszg_req *jr)
{
    return num(jr->pool, apr_time_sec(jr->now));
}

int jszg_rate_count(jszg_req *jr, const char *kind, const char *key,
                    apr_int64_t since, int *n)
{
    json_t *row;
    int rc = jszg_db_row(jr, "rate_count", &row, 4, kind, key,
                         num(jr->pool, since), now_str(jr));

    *n = rc == JSZG_DB_OK ? (int)jszg_jint(row, "n") : 0;
    return rc;
}

int jszg_rate_add(jszg_req *jr, const char *kind, const char *key)
{
    return jszg_db_exec(jr, "rate_add", NULL, 3, kind, key, now_str(jr));
}

int jszg_rate_take(jszg_req *jr, const char *kind, const char *key,
                   apr_int64_t span, int max, int *over)
{
    int n, rc;

    *over = 0;
    rc = jszg_rate_count(jr, kind, key, apr_time_sec(jr->now) - span, &n);
    if (rc != JSZG_DB_OK)
        return rc;
    if (n >= max) {
        *over = 1;
        return JSZG_DB_OK;
    }
    return jszg_rate_add(jr, kind, key);
}

int jszg_rate_nth(jszg_req *jr, const char *kind, const char *key,
                  apr_int64_t since, int nth, apr_int64_t *at)
{
    json_t *row;
    int rc = jszg_db_row(jr, "rate_nth", &row, 5, kind, key,
                         num(jr->pool, since), now_str(jr),
                         apr_itoa(jr->pool, nth));

    *at = rc == JSZG_DB_OK ? jszg_jint(row, "at") : 0;
    return rc;
}

int jszg_rate_clear(jszg_req *jr, const char *kind, const char *key)
{
    return jszg_db_exec(jr, "rate_clear", NULL, 2, kind, key);
}

int jszg_rate_clear_prefix(jszg_req *jr, const char *kind,
                           const char *prefix)
{
    return jszg_db_exec(jr, "rate_clear_prefix", NULL, 3, kind,
                        apr_itoa(jr->pool, (int)strlen(prefix)), prefix);
}
