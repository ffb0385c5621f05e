/*
 * jszg_fail.c -- the one failure type of the services (jszg_fail, see
 * jszg_private.h): setting it, its field errors, and the two ways it is
 * answered -- into a page's template data (errors.<field>, error) or as
 * the API's {"error": {code, message, fields, ...}}.  Accounts, the
 * wizard, records and the back office all use these; nobody else builds
 * an error body from a failure.
 */
#include "jszg_private.h"
#include "apr_strings.h"

void jszg_fail_clear(jszg_fail *f)
{
    *f = (jszg_fail)JSZG_FAIL(f->pool);
}

int jszg_fail_set(jszg_fail *f, int status, const char *code,
                  const char *message)
{
    f->status = status;
    f->code = code;
    f->message = message;
    return status;
}

int jszg_refuse(jszg_fail *f, int status, const char *code,
                const char *message)
{
    jszg_fail_set(f, status, code, message);
    return JSZG_REFUSED;
}

const jszg_fail_field_t *jszg_fail_field_get(const jszg_fail *f,
                                             const char *field)
{
    int i;

    for (i = 0; f->fields && i < f->fields->nelts; i++) {
        const jszg_fail_field_t *e =
            &APR_ARRAY_IDX(f->fields, i, jszg_fail_field_t);
        if (!strcmp(e->field, field))
            return e;
    }
    return NULL;
}

const char *jszg_fail_field_message(const jszg_fail *f, const char *field)
{
    const jszg_fail_field_t *e = jszg_fail_field_get(f, field);

    return e ? e->message : NULL;
}

void jszg_fail_field(jszg_fail *f, const char *field, const char *code,
                     const char *message)
{
    jszg_fail_field_t *e;

    if (jszg_fail_field_get(f, field))
        return;                 /* the first problem of a field counts */
    if (!f->fields)
        f->fields = apr_array_make(f->pool, 4, sizeof(jszg_fail_field_t));
    e = apr_array_push(f->fields);
    e->field = field;
    e->code = code;
    e->message = message;
}

void jszg_fail_field_drop(jszg_fail *f, const char *field)
{
    int i;

    for (i = 0; f->fields && i < f->fields->nelts; i++) {
        jszg_fail_field_t *e = &APR_ARRAY_IDX(f->fields, i,
                                              jszg_fail_field_t);
        if (!strcmp(e->field, field)) {
            memmove(e, e + 1, (f->fields->nelts - i - 1) * sizeof(*e));
            f->fields->nelts--;
            return;
        }
    }
}

int jszg_fail_nfields(const jszg_fail *f)
{
    return f->fields ? f->fields->nelts : 0;
}

void jszg_fail_page(json_t *data, const jszg_fail *f, const char *summary)
{
    json_t *errs = json_object_get(data, "errors");
    int i, n = jszg_fail_nfields(f);

    if (!json_is_object(errs)) {
        errs = json_object();
        json_object_set_new(data, "errors", errs);
    }
    for (i = 0; i < n; i++) {
        const jszg_fail_field_t *e =
            &APR_ARRAY_IDX(f->fields, i, jszg_fail_field_t);
        json_object_set_new(errs, e->field, json_string(e->message));
    }
    if (n && summary)
        json_object_set_new(data, "error", json_string(summary));
    else if (f->message)
        json_object_set_new(data, "error", json_string(f->message));
}

int jszg_fail_api(jszg_req *jr, const jszg_fail *f)
{
    int status = f->status ? f->status : HTTP_BAD_REQUEST;
    json_t *body = jszg_error_body(jr, status, f->code, f->message);
    json_t *err = json_object_get(body, "error");
    int i, n = jszg_fail_nfields(f);

    if (n) {
        json_t *fields = json_object();
        for (i = 0; i < n; i++) {
            const jszg_fail_field_t *e =
                &APR_ARRAY_IDX(f->fields, i, jszg_fail_field_t);
            json_object_set_new(fields, e->field, json_pack(
                "{s:s, s:s}", "code", e->code, "message", e->message));
        }
        json_object_set_new(err, "fields", fields);
    }
    if (f->locked_until)
        json_object_set_new(err, "locked_until",
                            json_string(f->locked_until));
    if (f->retry_after > 0) {
        json_object_set_new(err, "retry_after",
                            json_integer(f->retry_after));
        apr_table_setn(jr->r->err_headers_out, "Retry-After",
                       apr_itoa(jr->pool, f->retry_after));
    }
    if (f->remaining >= 0)
        json_object_set_new(err, "remaining", json_integer(f->remaining));
    return jszg_json(jr, status, body);
}

int jszg_fail_answer(jszg_req *jr, int rc, const jszg_fail *f)
{
    if (rc != JSZG_REFUSED)
        return jszg_db_status(rc);
    if (jr->is_api)
        return jszg_fail_api(jr, f);
    return jszg_error(jr, f->status, f->code, f->message);
}
