/* jszg_json.h -- jansson values in APR pools, and reading row columns
 * (jszg_json.c).  Rows come from the store as JSON objects of strings
 * (jszg_store.c); the getters below are the one way to read them. */
#ifndef JSZG_JSON_H
#define JSZG_JSON_H

#include <jansson.h>
#include "apr_pools.h"

/* Ties a json value's life to a pool: handlers never call json_decref.
 * Returns j (NULL stays NULL). */
json_t *jszg_pool_json(apr_pool_t *p, json_t *j);

/* The string member k of o, or NULL (absent, NULL column, not a
 * string). */
static inline const char *jszg_jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* The whole number in member k of o, whether a column's text ("42") or
 * a JSON integer; 0 when absent or not a number. */
apr_int64_t jszg_jint(json_t *o, const char *k);

/* The first row of the array rows whose string column col is value, or
 * NULL (none, or value NULL or empty). */
json_t *jszg_jrow_find(json_t *rows, const char *col, const char *value);

/* A select's options: every row gets "selected", true where its column
 * col is value (NULL or empty: none is). */
void jszg_jrows_select(json_t *rows, const char *col, const char *value);

#endif /* JSZG_JSON_H */
