/*
 * jszg_fields.c -- an application's snapshot (applications.data) as
 * labelled rows, driven by the field vocabulary of the rules core
 * (jszg_rules.h).  The staff page, the staff API and the applicant's
 * 详情 all show a snapshot through this one function.  httpd-free.
 */
#include <string.h>

#include "apr_strings.h"
#include "jszg_fields.h"
#include "jszg_rules.h"

static const char *value_text(apr_pool_t *p, json_t *v)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v))
        return apr_psprintf(p, "%" JSON_INTEGER_FORMAT,
                            json_integer_value(v));
    return NULL;
}

void jszg_fields_json(apr_pool_t *p, json_t *data, json_t *names,
                       json_t *flat, json_t *groups)
{
    const jszg_fieldspec *f;
    int g;

    for (g = 0; jszg_rules_field_groups[g][0]; g++) {
        const char *gk = jszg_rules_field_groups[g][0];
        json_t *obj = json_object_get(data, gk), *rows = json_array();
        /* the flat shape of early snapshots: top-level keys */
        json_t *src = json_is_object(obj) ? obj : data;

        for (f = jszg_rules_fields; f->key; f++) {
            const char *v;
            if (strcmp(f->group, gk) || f->show != JSZG_FS_SHOW)
                continue;
            if (src == data && jszg_rules_field(NULL, f->key) != f)
                continue;       /* flat: each key once */
            v = f->via ? value_text(p, json_object_get(src, f->via))
                       : value_text(p, json_object_get(src, f->key));
            if (f->via && !v)
                v = value_text(p, json_object_get(names, f->via));
            if (!(v = jszg_rules_field_display(f, v)))
                continue;
            json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s}",
                                  "group", gk, "key", f->key, "label",
                                  f->label, "value", v));
            json_array_append(flat, json_array_get(rows,
                              json_array_size(rows) - 1));
        }
        if (groups && json_array_size(rows))
            json_array_append_new(groups, json_pack("{s:s, s:o}", "title",
                                  jszg_rules_field_groups[g][1], "fields",
                                  rows));
        else
            json_decref(rows);
    }
}

