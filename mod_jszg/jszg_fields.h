/*
 * jszg_fields.h -- a snapshot as labelled rows (see jszg_fields.c).
 */
#ifndef JSZG_FIELDS_H
#define JSZG_FIELDS_H

#include <jansson.h>
#include "apr_pools.h"

/* Append the shown fields of `data` (the snapshot object, grouped as the
 * wizard writes it, or flat) to `flat` as {group, key, label, value} and,
 * when `groups` is not NULL, as {title, fields} per group in the
 * vocabulary's order.  A REF field whose `via` key is missing from its
 * group is looked up in `names` (e.g. the row's institution_name); a
 * field without a value is left out. */
void jszg_fields_json(apr_pool_t *p, json_t *data, json_t *names,
                      json_t *flat, json_t *groups);

#endif /* JSZG_FIELDS_H */
