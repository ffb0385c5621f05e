/*
 * jszg_json.c -- jansson values in APR pools and the row getters (see
 * jszg_json.h).  Pure: APR and jansson only.
 */
#include "jszg_json.h"
#include "apr_strings.h"

static apr_status_t json_cleanup(void *j)
{
    json_decref(j);
    return APR_SUCCESS;
}

json_t *jszg_pool_json(apr_pool_t *p, json_t *j)
{
    if (j)
        apr_pool_cleanup_register(p, j, json_cleanup,
                                  apr_pool_cleanup_null);
    return j;
}

json_t *jszg_jrow_find(json_t *rows, const char *col, const char *value)
{
    size_t i;
    json_t *row;

    if (!value || !*value)
        return NULL;
    json_array_foreach(rows, i, row) {
        const char *v = jszg_jstr(row, col);
        if (v && !strcmp(v, value))
            return row;
    }
    return NULL;
}

void jszg_jrows_select(json_t *rows, const char *col, const char *value)
{
    size_t i;
    json_t *row;

    json_array_foreach(rows, i, row) {
        const char *v = jszg_jstr(row, col);
        json_object_set_new(row, "selected", json_boolean(
            v && value && *value && !strcmp(v, value)));
    }
}

apr_int64_t jszg_jint(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);

    if (json_is_integer(v))
        return json_integer_value(v);
    return json_is_string(v) ? apr_atoi64(json_string_value(v)) : 0;
}
