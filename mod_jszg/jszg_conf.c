/*
 * jszg_conf.c -- what the directive setters of every area share (the
 * module's own in mod_jszg.c, admission control's in
 * jszg_admission_conf.c), and the body limits the handler and the gate
 * read, so that no area reaches into the module record's file.
 */
#include "jszg_private.h"
#include "apr_strings.h"
#include <errno.h>

/* The body limits of a location without JszgMaxBody & co. */
#define JSZG_DEFAULT_MAX_BODY   (4 * 1024 * 1024)
#define JSZG_DEFAULT_MAX_FIELDS 200
#define JSZG_DEFAULT_FIELD_LEN  (16 * 1024)
#define JSZG_DEFAULT_FILE_LEN   (2 * 1024 * 1024)
#define JSZG_DEFAULT_MAX_FILES  4

/* Parse a whole number in [min, max] or return a message naming the
 * directive.  No atoi: trailing junk and overflow are errors.  Shared by
 * every directive setter of the module. */
const char *jszg_cmd_range(cmd_parms *cmd, const char *arg,
                           apr_int64_t min, apr_int64_t max,
                           apr_int64_t *out)
{
    char *end;
    apr_int64_t v;

    errno = 0;
    v = apr_strtoi64(arg, &end, 10);
    if (errno || end == arg || *end || v < min || v > max)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number between "
                            "%" APR_INT64_T_FMT " and %" APR_INT64_T_FMT,
                            cmd->cmd->name, arg, min, max);
    *out = v;
    return NULL;
}

/* Fill in the body limits a handler sees, defaults included. */
void jszg_dir_limits(const jszg_dir_conf *dc, jszg_form_limits *lim)
{
    lim->max_body = dc->max_body != -1 ? (apr_size_t)dc->max_body
                                        : JSZG_DEFAULT_MAX_BODY;
    lim->max_fields = dc->max_fields != -1 ? dc->max_fields
                                            : JSZG_DEFAULT_MAX_FIELDS;
    lim->max_field_len = dc->max_field_len != -1
                         ? (apr_size_t)dc->max_field_len
                         : JSZG_DEFAULT_FIELD_LEN;
    lim->max_file_len = dc->max_file_len != -1
                        ? (apr_size_t)dc->max_file_len
                        : JSZG_DEFAULT_FILE_LEN;
    lim->max_files = dc->max_files != -1 ? dc->max_files
                                          : JSZG_DEFAULT_MAX_FILES;
}
