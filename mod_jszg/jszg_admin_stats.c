/*
 * jszg_admin_stats.c -- statistics (counts by status per institution and
 * per day, as server-drawn SVG and as CSV) and the audit log viewer.
 *
 * The charts are inline <svg> in admin/stats.html, filled by the template
 * engine like any page: this file only computes geometry (numbers) into
 * the page data, so no markup is ever assembled from strings.
 */
#include "jszg_admin.h"
#include "jszg_csv.h"
#include "jszg_rules.h"
#include "apr_strings.h"
#include "apr_lib.h"

#define DAYS        30

/* Chart geometry (px). */
#define BAR_H       18
#define BAR_GAP     8
#define LABEL_W     190
#define PLOT_W      520
#define DAY_W       18
#define PLOT_H      180

static const char *const statuses[] = {
    JSZG_ST_PENDING, JSZG_ST_REJECTED, JSZG_ST_CONFIRMED, JSZG_ST_PASS,
    JSZG_ST_DEFER, JSZG_ST_FAIL, NULL
};
#define NSTATUS 6

static int status_index(const char *s)
{
    int i;

    for (i = 0; s && statuses[i]; i++)
        if (!strcmp(statuses[i], s))
            return i;
    return -1;
}

/* ---- per institution ----------------------------------------------------- */

typedef struct {
    const char *id, *name;
    long n[NSTATUS];
    long total;
} inst_row;

/* Rows of (institution, status, n) → one entry per institution. */
static apr_array_header_t *by_institution(jszg_req *jr, json_t *rows)
{
    apr_array_header_t *out = apr_array_make(jr->pool, 16, sizeof(inst_row));
    inst_row *cur = NULL;
    json_t *row;
    size_t i;

    json_array_foreach(rows, i, row) {
        int k = status_index(jszg_jstr(row, "status"));
        long n = (long)apr_atoi64(jszg_jstr(row, "n"));
        if (!cur || strcmp(cur->id, jszg_jstr(row, "id"))) {
            cur = apr_array_push(out);
            memset(cur, 0, sizeof(*cur));
            cur->id = jszg_jstr(row, "id");
            cur->name = jszg_jstr(row, "name");
        }
        if (k >= 0)
            cur->n[k] += n;
        cur->total += n;
    }
    return out;
}

/* Horizontal stacked bars, one per institution. */
static json_t *inst_chart(jszg_req *jr, apr_array_header_t *insts)
{
    json_t *c = jszg_pool_json(jr->pool, json_object());
    json_t *bars = json_array(), *labels = json_array();
    long max = 1;
    int i, k;

    for (i = 0; i < insts->nelts; i++)
        if (APR_ARRAY_IDX(insts, i, inst_row).total > max)
            max = APR_ARRAY_IDX(insts, i, inst_row).total;
    for (i = 0; i < insts->nelts; i++) {
        inst_row *ir = &APR_ARRAY_IDX(insts, i, inst_row);
        long y = 10 + i * (BAR_H + BAR_GAP), x = LABEL_W;
        json_array_append_new(labels, json_pack(
            "{s:i, s:i, s:s, s:i, s:I}", "x", LABEL_W - 6, "y",
            (int)(y + BAR_H - 5), "name", ir->name, "tx",
            (int)(LABEL_W + (ir->total * PLOT_W) / max + 4), "total",
            (json_int_t)ir->total));
        for (k = 0; k < NSTATUS; k++) {
            long w = (ir->n[k] * PLOT_W) / max;
            if (!ir->n[k])
                continue;
            json_array_append_new(bars, json_pack(
                "{s:I, s:I, s:I, s:i, s:s, s:s}", "x", (json_int_t)x, "y",
                (json_int_t)y, "w", (json_int_t)(w ? w : 1), "h", BAR_H,
                "cls", apr_psprintf(jr->pool, "s%d", k), "tip",
                apr_psprintf(jr->pool, "%s %s：%ld", ir->name, statuses[k],
                             ir->n[k])));
            x += w;
        }
    }
    json_object_set_new(c, "bars", bars);
    json_object_set_new(c, "labels", labels);
    json_object_set_new(c, "width", json_integer(LABEL_W + PLOT_W + 60));
    json_object_set_new(c, "height", json_integer(
        20 + insts->nelts * (BAR_H + BAR_GAP)));
    return c;
}

/* ---- per day ------------------------------------------------------------- */

static const char *day_text(apr_pool_t *p, long day, int short_form)
{
    char buf[16];
    const char *ymd = jszg_rules_beijing_text(jszg_rules_day_start(day),
                                              JSZG_FMT_DATE, buf,
                                              sizeof(buf));

    /* day numbers are Beijing days since the epoch; "MM-DD" is the
     * date's tail */
    return apr_pstrdup(p, short_form ? ymd + 5 : ymd);
}

/* Stacked columns: transitions into each status per day, last DAYS days. */
static json_t *day_chart(jszg_req *jr, json_t *rows, long first_day,
                         long counts[DAYS][NSTATUS])
{
    json_t *c = jszg_pool_json(jr->pool, json_object());
    json_t *bars = json_array(), *ticks = json_array();
    long max = 1, tot;
    json_t *row;
    size_t i;
    int d, k;

    memset(counts, 0, sizeof(long) * DAYS * NSTATUS);
    json_array_foreach(rows, i, row) {
        long day = (long)apr_atoi64(jszg_jstr(row, "day")) - first_day;
        k = status_index(jszg_jstr(row, "to_status"));
        if (day >= 0 && day < DAYS && k >= 0)
            counts[day][k] += (long)apr_atoi64(jszg_jstr(row, "n"));
    }
    for (d = 0; d < DAYS; d++) {
        for (tot = 0, k = 0; k < NSTATUS; k++)
            tot += counts[d][k];
        if (tot > max)
            max = tot;
    }
    for (d = 0; d < DAYS; d++) {
        long y = PLOT_H + 10;
        int x = 40 + d * (DAY_W + 4);
        for (k = 0; k < NSTATUS; k++) {
            long h = (counts[d][k] * PLOT_H) / max;
            if (!counts[d][k])
                continue;
            h = h ? h : 1;
            y -= h;
            json_array_append_new(bars, json_pack(
                "{s:i, s:I, s:i, s:I, s:s, s:s}", "x", x, "y",
                (json_int_t)y, "w", DAY_W, "h", (json_int_t)h, "cls",
                apr_psprintf(jr->pool, "s%d", k), "tip",
                apr_psprintf(jr->pool, "%s %s：%ld",
                             day_text(jr->pool, first_day + d, 0),
                             statuses[k], counts[d][k])));
        }
        if (d % 5 == 0)
            json_array_append_new(ticks, json_pack(
                "{s:i, s:i, s:s}", "x", x, "y", PLOT_H + 26, "label",
                day_text(jr->pool, first_day + d, 1)));
    }
    json_object_set_new(c, "bars", bars);
    json_object_set_new(c, "ticks", ticks);
    json_object_set_new(c, "max", json_integer(max));
    json_object_set_new(c, "width", json_integer(60 + DAYS * (DAY_W + 4)));
    json_object_set_new(c, "height", json_integer(PLOT_H + 40));
    json_object_set_new(c, "axis_y", json_integer(PLOT_H + 10));
    json_object_set_new(c, "axis_x2", json_integer(40 + DAYS * (DAY_W + 4)));
    return c;
}

/* ---- the page ------------------------------------------------------------ */

static int load(jszg_req *jr, jszg_staff *st, long year, json_t **inst,
                json_t **days, long *first_day)
{
    const char *scope;
    const char *by_inst = jszg_adm_scoped(jr, st, "admin_stats_inst", &scope);
    const char *by_day = jszg_adm_scoped(jr, st, "admin_stats_day", &scope);
    long today = jszg_rules_beijing_day(apr_time_sec(jr->now));
    const char *y = apr_ltoa(jr->pool, year);
    int rc;

    *first_day = today - DAYS + 1;
    rc = jszg_db_rows(jr, by_inst, inst, 2, y, scope);
    if (rc == JSZG_DB_OK)
        rc = jszg_db_rows(jr, by_day, days, 4,
                          apr_ltoa(jr->pool, JSZG_BEIJING_OFFSET), y,
                          apr_psprintf(jr->pool, "%ld",
                                       (long)jszg_rules_day_start(
                                           *first_day)),
                          scope);
    return rc;
}

static long this_year(jszg_req *jr)
{
    jszg_bjtime t;

    jszg_rules_beijing(apr_time_sec(jr->now), &t);
    return t.year;
}

int jszg_admin_stats(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *d, *inst, *days, *table, *legend;
    apr_array_header_t *insts;
    long year, first_day, counts[DAYS][NSTATUS];
    int rc, i, k;

    if (jszg_query_int(jr, "year", 2013, 2100, this_year(jr), &year) < 0)
        return jszg_admin_error(jr, st, HTTP_BAD_REQUEST, "bad_year",
                                "年度不正确。");
    if ((rc = load(jr, st, year, &inst, &days, &first_day)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    insts = by_institution(jr, inst);
    d = jszg_admin_data(jr, st, "统计", "stats");
    table = json_array();
    for (i = 0; i < insts->nelts; i++) {
        inst_row *ir = &APR_ARRAY_IDX(insts, i, inst_row);
        json_t *cells = json_array();
        for (k = 0; k < NSTATUS; k++)
            json_array_append_new(cells, json_integer(ir->n[k]));
        json_array_append_new(table, json_pack("{s:s, s:o, s:I}", "name",
                              ir->name, "cells", cells, "total",
                              (json_int_t)ir->total));
    }
    legend = json_array();
    for (k = 0; k < NSTATUS; k++)
        json_array_append_new(legend, json_pack("{s:s, s:s}", "name",
                              statuses[k], "cls",
                              apr_psprintf(jr->pool, "sw s%d", k)));
    json_object_set_new(d, "year", json_integer(year));
    json_object_set_new(d, "table", table);
    json_object_set_new(d, "legend", legend);
    json_object_set_new(d, "empty", json_boolean(insts->nelts == 0));
    json_object_set(d, "inst_chart", inst_chart(jr, insts));
    json_object_set(d, "day_chart", day_chart(jr, days, first_day, counts));
    json_object_set_new(d, "first_day", json_string(day_text(jr->pool,
                                                             first_day, 0)));
    json_object_set_new(d, "csv_href", json_string(apr_psprintf(
        jr->pool, "/admin/stats.csv?year=%ld", year)));
    return jszg_render_layout(jr, HTTP_OK, "admin/stats", "admin/layout", d);
}

/* ---- CSV export ---------------------------------------------------------- */

int jszg_admin_stats_csv(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *inst, *days;
    apr_array_header_t *insts;
    long year, first_day, counts[DAYS][NSTATUS];
    apr_pool_t *p = jr->pool;
    const char *out;
    int rc, i, k;

    if (jszg_query_int(jr, "year", 2013, 2100, this_year(jr), &year) < 0)
        return jszg_admin_error(jr, st, HTTP_BAD_REQUEST, "bad_year",
                                "年度不正确。");
    if ((rc = load(jr, st, year, &inst, &days, &first_day)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    insts = by_institution(jr, inst);
    /* the BOM makes Excel read the file as UTF-8 */
    out = "\xEF\xBB\xBF\"注册机构\"";
    for (k = 0; k < NSTATUS; k++)
        out = apr_pstrcat(p, out, ",", jszg_csv_cell(p, statuses[k]), NULL);
    out = apr_pstrcat(p, out, ",\"合计\"\r\n", NULL);
    for (i = 0; i < insts->nelts; i++) {
        inst_row *ir = &APR_ARRAY_IDX(insts, i, inst_row);
        out = apr_pstrcat(p, out, jszg_csv_cell(p, ir->name), NULL);
        for (k = 0; k < NSTATUS; k++)
            out = apr_psprintf(p, "%s,%ld", out, ir->n[k]);
        out = apr_psprintf(p, "%s,%ld\r\n", out, ir->total);
    }
    day_chart(jr, days, first_day, counts);
    out = apr_pstrcat(p, out, "\r\n\"日期\"", NULL);
    for (k = 0; k < NSTATUS; k++)
        out = apr_pstrcat(p, out, ",", jszg_csv_cell(p, statuses[k]), NULL);
    out = apr_pstrcat(p, out, "\r\n", NULL);
    for (i = 0; i < DAYS; i++) {
        out = apr_pstrcat(p, out, day_text(p, first_day + i, 0), NULL);
        for (k = 0; k < NSTATUS; k++)
            out = apr_psprintf(p, "%s,%ld", out, counts[i][k]);
        out = apr_pstrcat(p, out, "\r\n", NULL);
    }
    return jszg_admin_send_csv(jr, st, apr_psprintf(p, "jszg-stats-%ld.csv",
                                                    year), out,
                               "stats.export",
                               apr_psprintf(p, "year %ld", year));
}

/* ---- audit log ----------------------------------------------------------- */

/* 'YYYY-MM-DD' (Beijing) → epoch of its midnight; -1 when malformed. */
apr_int64_t jszg_admin_day_start(const char *s)
{
    jszg_bjtime t;

    if (jszg_rules_parse_date(s, 2000, 2100, &t) != 0)
        return -1;
    return jszg_rules_beijing_secs(&t);
}

static const char *filter(jszg_req *jr, const char *name, json_t *d)
{
    const char *v = jszg_query(jr, name);

    if (!v || !*v || strlen(v) > 64)
        return "";
    json_object_set_new(d, apr_pstrcat(jr->pool, "f_", name, NULL),
                        json_string(v));
    return v;
}

#define AUDIT_CSV_MAX 10000   /* rows in one CSV export */

/* The actor filter: a bare name is a staff username ("dc-point"), a
 * qualified one ("staff:dc-point", "account:12") is taken as it is. */
static const char *actor_filter(jszg_req *jr, const char *v)
{
    if (!*v || strchr(v, ':'))
        return v;
    return apr_pstrcat(jr->pool, "staff:", v, NULL);
}

/* Rows as people read them: the action's Chinese name, the actor without
 * its prefix. */
static void audit_words(jszg_req *jr, json_t *rows)
{
    json_t *row;
    size_t i;
    char buf[128];

    json_array_foreach(rows, i, row) {
        const char *action = jszg_jstr(row, "action"), *actor = jszg_jstr(row, "actor");
        const char *name = jszg_rules_audit_action(action, buf, sizeof(buf));
        json_object_set_new(row, "action_name", json_string(name ? name
                                                            : action ? action
                                                            : ""));
        if (actor && !strncmp(actor, "staff:", 6))
            actor = actor + 6;
        else if (actor && !strncmp(actor, "account:", 8))
            actor = apr_pstrcat(jr->pool, "申请人（账号", actor + 8, "）",
                                NULL);
        else if (actor && !strncmp(actor, "applicant:", 10))
            actor = apr_pstrcat(jr->pool, "申请人（账号", actor + 10, "）",
                                NULL);
        json_object_set_new(row, "actor_text", json_string(actor ? actor
                                                           : ""));
    }
}

typedef struct {
    const char *actor, *actor_q, *action, *target, *from, *to;
    apr_int64_t t0, t1;
} audit_q;

static int audit_filters(jszg_req *jr, json_t *d, audit_q *q)
{
    q->t0 = 0;
    q->t1 = APR_INT64_C(4102444800);
    q->actor = filter(jr, "actor", d);
    q->actor_q = actor_filter(jr, q->actor);
    q->action = filter(jr, "action", d);
    q->target = filter(jr, "target", d);
    q->from = filter(jr, "from", d);
    q->to = filter(jr, "to", d);
    if ((*q->from && (q->t0 = jszg_admin_day_start(q->from)) < 0)
        || (*q->to && (q->t1 = jszg_admin_day_start(q->to)) < 0))
        return -1;
    if (*q->to)
        q->t1 += 86400;
    return 0;
}

static const char *audit_query(jszg_req *jr, const audit_q *q)
{
    apr_pool_t *p = jr->pool;

    return apr_psprintf(p, "actor=%s&action=%s&target=%s&from=%s&to=%s",
                        ap_escape_urlencoded(p, q->actor),
                        ap_escape_urlencoded(p, q->action),
                        ap_escape_urlencoded(p, q->target),
                        ap_escape_urlencoded(p, q->from),
                        ap_escape_urlencoded(p, q->to));
}

static int audit_rows(jszg_req *jr, const audit_q *q, long limit, long off,
                      json_t **rows)
{
    return jszg_db_rows(jr, "admin_audit_list", rows, 10, q->actor_q,
                        q->actor_q, q->action, q->action, q->target,
                        q->target,
                        apr_psprintf(jr->pool, "%" APR_INT64_T_FMT, q->t0),
                        apr_psprintf(jr->pool, "%" APR_INT64_T_FMT, q->t1),
                        apr_ltoa(jr->pool, limit), apr_ltoa(jr->pool, off));
}

#define AUDIT_BAD_FILTER "筛选条件不正确（日期格式为YYYY-MM-DD）。"

/* One page of the filtered log (newest first, JszgPageSize rows, the
 * back office's one pager), for the page and its JSON twin; `d` gets
 * the filters as typed (f_*). */
static int audit_load(jszg_req *jr, json_t *d, audit_q *q, jszg_pager *pg,
                      json_t **rows, jszg_fail *e)
{
    json_t *cnt;
    long page;
    int rc;

    if (audit_filters(jr, d, q) < 0)
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "bad_filter",
                             AUDIT_BAD_FILTER);
    if ((rc = jszg_adm_page_arg(jr, &page, e)) != JSZG_ADM_OK)
        return rc;
    rc = jszg_db_row(jr, "admin_audit_count", &cnt, 8, q->actor_q,
                     q->actor_q, q->action, q->action, q->target, q->target,
                     apr_psprintf(jr->pool, "%" APR_INT64_T_FMT, q->t0),
                     apr_psprintf(jr->pool, "%" APR_INT64_T_FMT, q->t1));
    if (rc != JSZG_DB_OK)
        return jszg_fail_set(e, jszg_db_status(rc), "db", NULL);
    if ((rc = jszg_adm_page_layout(jr, pg, page,
                                   (long)apr_atoi64(jszg_jstr(cnt, "n")),
                                   e)) != JSZG_ADM_OK)
        return rc;
    if ((rc = audit_rows(jr, q, pg->per_page, pg->offset, rows))
        != JSZG_DB_OK)
        return jszg_fail_set(e, jszg_db_status(rc), "db", NULL);
    jszg_admin_times(jr, *rows, "at");
    audit_words(jr, *rows);
    return JSZG_ADM_OK;
}

int jszg_admin_audit_page(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    json_t *d, *rows;
    jszg_pager pg;
    audit_q q;

    d = jszg_admin_data(jr, st, "审计日志", "audit");
    if (audit_load(jr, d, &q, &pg, &rows, &e) != JSZG_ADM_OK)
        return jszg_admin_fail(jr, st, &e);
    json_object_set(d, "rows", rows);
    json_object_set_new(d, "total", json_integer(pg.total));
    json_object_set_new(d, "empty", json_boolean(pg.total == 0));
    jszg_adm_pager_data(jr, d, apr_pstrcat(jr->pool, "/admin/audit?",
                                           audit_query(jr, &q), NULL),
                        &pg);
    json_object_set_new(d, "csv_href", json_string(apr_pstrcat(
        jr->pool, "/admin/audit.csv?", audit_query(jr, &q), NULL)));
    return jszg_render_layout(jr, HTTP_OK, "admin/audit", "admin/layout", d);
}

/* GET /admin/api/audit: the same page of the log as JSON -- each entry
 * with its stable action code (`action`) and its Chinese name
 * (`action_name`), the actor as stored and in words -- and the paging. */
int jszg_admin_api_audit(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    json_t *b, *rows;
    jszg_pager pg;
    audit_q q;

    b = jszg_pool_json(jr->pool, json_object());
    if (audit_load(jr, b, &q, &pg, &rows, &e) != JSZG_ADM_OK)
        return jszg_admin_fail(jr, st, &e);
    json_object_clear(b);
    json_object_set(b, "entries", rows);
    jszg_adm_pager_json(b, &pg);
    return jszg_json(jr, HTTP_OK, b);
}

/* GET /admin/audit.csv: the filtered rows (newest first, at most
 * AUDIT_CSV_MAX), with the action's Chinese name beside its key. */
int jszg_admin_audit_csv(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    json_t *rows, *row;
    audit_q q;
    apr_array_header_t *parts;
    apr_pool_t *p = jr->pool;
    const char *out;
    size_t i;
    int rc;

    if (audit_filters(jr, jszg_pool_json(p, json_object()), &q) < 0)
        return jszg_admin_error(jr, st, HTTP_BAD_REQUEST, "bad_filter",
                                AUDIT_BAD_FILTER);
    if ((rc = audit_rows(jr, &q, AUDIT_CSV_MAX, 0, &rows)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_admin_times(jr, rows, "at");
    audit_words(jr, rows);
    parts = apr_array_make(p, (int)json_array_size(rows) + 1,
                           sizeof(const char *));
    /* the BOM makes Excel read the file as UTF-8 */
    APR_ARRAY_PUSH(parts, const char *) = "\xEF\xBB\xBF\"时间\",\"操作人\","
        "\"操作\",\"操作代码\",\"对象\",\"IP\",\"说明\"\r\n";
    json_array_foreach(rows, i, row)
        APR_ARRAY_PUSH(parts, const char *) = apr_pstrcat(p,
            jszg_csv_cell(p, jszg_jstr(row, "at_text")), ",",
            jszg_csv_cell(p, jszg_jstr(row, "actor_text")), ",",
            jszg_csv_cell(p, jszg_jstr(row, "action_name")), ",",
            jszg_csv_cell(p, jszg_jstr(row, "action")), ",",
            jszg_csv_cell(p, jszg_jstr(row, "target")), ",",
            jszg_csv_cell(p, jszg_jstr(row, "ip")), ",",
            jszg_csv_cell(p, jszg_jstr(row, "note")), "\r\n", NULL);
    out = apr_array_pstrcat(p, parts, 0);
    return jszg_admin_send_csv(jr, st, "jszg-audit.csv", out,
                               "audit.export",
                               apr_psprintf(p, "%lu rows", (unsigned long)
                                            json_array_size(rows)));
}
