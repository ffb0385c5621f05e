/*
 * jszg_admin_lists.c -- the back office's worklists and search, each page
 * with its JSON twin under /admin/api/ (issue 14, "Worklists and search"):
 *
 *   /admin/worklist         确认点 worklist: applications in 网报待确认 of
 *                           the staff member's scope (a 确认点 its own
 *                           point), by 报名日期, 学段 and name, with the
 *                           count per 学段, oldest submission first;
 *   /admin/worklist/print   the day list to print (admin layout, print
 *                           stylesheet) and /admin/worklist.csv;
 *   /admin/decided          注册合格 / 暂缓注册 / 注册不合格 per 注册机构
 *                           and cycle, /admin/decided.csv, and the 公示
 *                           list to print (/admin/decided/publicity: name,
 *                           masked ID number, certificate, result);
 *   /admin/search           people by part of a name, part of a 报名号,
 *                           ID number or phone.
 *
 * Paged lists lay out JszgPageSize rows a page with jszg_pager.c (total
 * and page count shown); a page past the end is a 404 that says how many
 * pages there are, never an empty table.  The print and CSV forms carry
 * every row of the filter up to PRINT_MAX.  The SQL is in
 * jszg_store_lists.c, one statement per kind of scope.
 */
#include "jszg_admin.h"
#include "jszg_portal.h"
#include "jszg_pager.h"
#include "jszg_csv.h"
#include "jszg_idcard.h"
#include "jszg_rules.h"
#include "apr_strings.h"
#include "apr_lib.h"

/* Rows of a day list, a 公示 list or a CSV: a 确认点 sees a few hundred a
 * day; a filter wider than this is refused with a message to narrow it
 * rather than cut short silently. */
#define PRINT_MAX   3000
/* The search counts at most this many matches ("1000 条以上"): the
 * LIMIT 1001 of lists_find_*_count (jszg_store_lists.c). */
#define FIND_CAP    1000
#define NAME_MAX_CHARS 20
#define ALL_TIME_END "4102444800"     /* 2100-01-01 */

static int streq(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

static const char *esc(jszg_req *jr, const char *s)
{
    return ap_escape_urlencoded(jr->pool, s ? s : "");
}

static int db_fail(jszg_fail *e, int rc)
{
    return jszg_fail_set(e, jszg_db_status(rc), "db", NULL);
}

/* Trimmed copy of a query parameter ("" when absent). */
static const char *trimmed(jszg_req *jr, const char *name)
{
    const char *s = jszg_query(jr, name);
    char *t;
    apr_size_t n;

    if (!s)
        return "";
    while (apr_isspace(*s))
        s++;
    t = apr_pstrdup(jr->pool, s);
    n = strlen(t);
    while (n && apr_isspace(t[n - 1]))
        t[--n] = '\0';
    return t;
}

/* A name or part of one as staff type it: at most NAME_MAX_CHARS
 * characters, none of LIKE's own (% _ \), which a name never holds. */
static int name_ok(const char *s)
{
    return jszg_utf8_chars(s, strlen(s)) <= NAME_MAX_CHARS
           && !strpbrk(s, "%_\\");
}

static int all_digits(const char *s, apr_size_t min, apr_size_t max)
{
    apr_size_t n;

    for (n = 0; s[n]; n++)
        if (!apr_isdigit(s[n]))
            return 0;
    return n >= min && n <= max;
}

/* ---- paging -------------------------------------------------------------- */

/* ?page= as jszg_pager.h reads it. */
int jszg_adm_page_arg(jszg_req *jr, long *page, jszg_fail *e)
{
    if (jszg_page_parse(jszg_query(jr, "page"), page) != JSZG_PAGE_OK)
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "bad_page",
                             "页码不正确：页码须为从 1 开始的整数。");
    return JSZG_ADM_OK;
}

/* Lay out `page` of `total` rows, JszgPageSize a page; a page past the
 * end is refused with the list's size. */
int jszg_adm_page_layout(jszg_req *jr, jszg_pager *pg, long page,
                         long total, jszg_fail *e)
{
    if (jszg_pager_init(pg, page, jr->sc->page_size, total)
        == JSZG_PAGE_OK)
        return JSZG_ADM_OK;
    return jszg_fail_set(e, HTTP_NOT_FOUND, "page_not_found",
                         total == 0
                         ? apr_psprintf(jr->pool, "第 %ld 页不存在：没有符合"
                                        "条件的记录。", page)
                         : apr_psprintf(jr->pool, "第 %ld 页不存在：共 %ld "
                                        "条记录，%ld 页。", page, total,
                                        pg->pages));
}

/* The pager of a page (partials/admin_pager), links to base + page=N. */
void jszg_adm_pager_data(jszg_req *jr, json_t *d, const char *base,
                         const jszg_pager *pg)
{
    jszg_page_slice sl;

    jszg_portal_pager(jr, d, base, pg->page, pg->total, &sl);
    json_object_set_new(d, "first", json_integer(pg->first));
    json_object_set_new(d, "last", json_integer(pg->last));
}

/* The paging fields of a JSON answer. */
void jszg_adm_pager_json(json_t *b, const jszg_pager *pg)
{
    json_object_set_new(b, "total", json_integer(pg->total));
    json_object_set_new(b, "page", json_integer(pg->page));
    json_object_set_new(b, "pages", json_integer(pg->pages));
    json_object_set_new(b, "per_page", json_integer(pg->per_page));
}

static const char *ltoa(jszg_req *jr, long n)
{
    return apr_ltoa(jr->pool, n);
}

/* Rows for pages and API: links, times as Beijing text. */
static void rows_out(jszg_req *jr, json_t *rows)
{
    jszg_rows_link(jr->pool, rows, "/admin/apps/");
    jszg_admin_times(jr, rows, "submitted_at");
}

/* Answer a domain error of a list: the admin error page or JSON. */
static int list_fail(jszg_req *jr, jszg_staff *st, jszg_fail *e)
{
    return jszg_admin_fail(jr, st, e);
}

int jszg_admin_send_csv(jszg_req *jr, jszg_staff *st, const char *filename,
                        const char *body, const char *action,
                        const char *note)
{
    /* personal data leaves only with its audit row */
    int rc = jszg_admin_audit(jr, st, action, NULL, note);

    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_no_store(jr->r);
    apr_table_setn(jr->r->headers_out, "Content-Disposition",
                   apr_psprintf(jr->pool, "attachment; filename=\"%s\"",
                                filename));
    return jszg_send(jr->r, HTTP_OK, "text/csv; charset=utf-8", body,
                     strlen(body));
}

/* One CSV line of the columns `cols` of row (NULL-terminated). */
static const char *csv_line(apr_pool_t *p, json_t *row,
                            const char *const *cols)
{
    const char *out = "";
    int i;

    for (i = 0; cols[i]; i++)
        out = apr_pstrcat(p, out, i ? "," : "",
                          jszg_csv_cell(p, row ? jszg_jstr(row, cols[i])
                                               : cols[i]), NULL);
    return apr_pstrcat(p, out, "\r\n", NULL);
}

static const char *csv_text(apr_pool_t *p, json_t *rows,
                            const char *const *heads,
                            const char *const *cols)
{
    apr_array_header_t *parts = apr_array_make(p, 64, sizeof(char *));
    json_t *row;
    size_t i;

    APR_ARRAY_PUSH(parts, const char *) = JSZG_CSV_BOM;
    APR_ARRAY_PUSH(parts, const char *) = csv_line(p, NULL, heads);
    json_array_foreach(rows, i, row)
        APR_ARRAY_PUSH(parts, const char *) = csv_line(p, row, cols);
    return apr_array_pstrcat(p, parts, 0);
}

/* ---- what the worklist and the decided list share ------------------------ */

/* A list counted by group (学段, 注册结论): the counts of its filter, its
 * total and one page of its rows (or every row, to print). */
typedef struct {
    const char *const *groups;          /* the kind's (list_kind) */
    const char *group_col;
    const char *only;                   /* the group picked, "" = all */
    long page;
    long counts[8];                     /* per groups[] */
    long total;
    jszg_pager pg;
    json_t *rows;
} list_page;

/* One kind of list (who may see it: the route table): its groups, and
 * how it reads its filters (into its view, which starts with its
 * list_page), the counts of the filter per group ({group_col, n} rows)
 * and a slice of its rows. */
typedef struct {
    const char *const *groups;          /* NULL-terminated, at most 8 */
    const char *group_col;              /* the count rows' group column */
    int (*filters)(jszg_req *jr, jszg_staff *st, void *view,
                   jszg_fail *e);
    int (*count)(jszg_req *jr, jszg_staff *st, void *view, json_t **rows);
    int (*rows)(jszg_req *jr, jszg_staff *st, void *view, long limit,
                long offset, json_t **rows);
    const char *narrow;                 /* too_many: how to narrow it */
} list_kind;

/* One page of a list (paged = 1) or all of it for printing, into the
 * view (of `size` bytes, zeroed here). */
static int list_load(jszg_req *jr, jszg_staff *st, const list_kind *k,
                     void *view, apr_size_t size, int paged,
                     jszg_fail *e)
{
    list_page *l = view;                /* every view starts with it */
    json_t *rows, *row;
    size_t i;
    int rc, g;

    memset(view, 0, size);
    l->groups = k->groups;
    l->group_col = k->group_col;
    if ((rc = k->filters(jr, st, view, e)) != JSZG_ADM_OK
        || (paged && (rc = jszg_adm_page_arg(jr, &l->page, e))
                     != JSZG_ADM_OK))
        return rc;
    if ((rc = k->count(jr, st, view, &rows)) != JSZG_DB_OK)
        return db_fail(e, rc);
    json_array_foreach(rows, i, row) {
        const char *grp = jszg_jstr(row, l->group_col);
        long n = (long)apr_atoi64(jszg_jstr(row, "n"));
        for (g = 0; l->groups[g] && g < 8; g++)
            if (streq(l->groups[g], grp))
                l->counts[g] = n;
        if (!*l->only || streq(l->only, grp))
            l->total += n;
    }
    if (!paged) {
        if (l->total > PRINT_MAX)
            return jszg_fail_set(e, HTTP_BAD_REQUEST, "too_many",
                                 apr_psprintf(jr->pool, "共 %ld 条，超过"
                                              "一次打印或导出的上限 %d "
                                              "条，%s", l->total,
                                              PRINT_MAX, k->narrow));
        rc = k->rows(jr, st, view, PRINT_MAX, 0, &l->rows);
    }
    else {
        if ((rc = jszg_adm_page_layout(jr, &l->pg, l->page, l->total, e))
            != JSZG_ADM_OK)
            return rc;
        rc = k->rows(jr, st, view, l->pg.per_page, l->pg.offset, &l->rows);
    }
    if (rc != JSZG_DB_OK)
        return db_fail(e, rc);
    rows_out(jr, l->rows);
    return JSZG_ADM_OK;
}

/* The start of every list handler: the staff member (let in by the
 * route's guard), then the list into the view; OK, else the answer's
 * status (DONE once sent). */
static int list_begin(jszg_req *jr, const list_kind *k, void *view,
                      apr_size_t size, int paged, jszg_staff **st)
{
    jszg_fail e = JSZG_FAIL(jr->pool);
    int rc;

    *st = jszg_admin_staff(jr);
    if (list_load(jr, *st, k, view, size, paged, &e) == JSZG_ADM_OK)
        return OK;
    rc = list_fail(jr, *st, &e);
    return rc == OK ? DONE : rc;
}

/* What a list's page shows of it besides its filters. */
static void list_page_data(json_t *d, const list_page *l)
{
    json_object_set(d, "rows", l->rows);
    json_object_set_new(d, "total", json_integer(l->total));
    json_object_set_new(d, "empty", json_boolean(l->total == 0));
}

/* The JSON twin of a list: its rows, the counts per group under
 * `counts_key`, the paging. */
static json_t *list_json(jszg_req *jr, const list_page *l,
                         const char *counts_key)
{
    json_t *b = jszg_pool_json(jr->pool, json_object());
    json_t *counts = json_object();
    int g;

    for (g = 0; l->groups[g] && g < 8; g++)
        json_object_set_new(counts, l->groups[g],
                            json_integer(l->counts[g]));
    json_object_set(b, "applications", l->rows);
    json_object_set_new(b, counts_key, counts);
    jszg_adm_pager_json(b, &l->pg);
    return b;
}

/* ---- 确认点 worklist --------------------------------------------------- */

typedef struct {
    list_page l;                        /* groups: jszg_rules_stages */
    const char *date, *stage, *name;    /* "" = no filter */
    const char *t0, *t1, *pattern;
} work_view;

static int work_filters(jszg_req *jr, jszg_staff *st, void *view,
                        jszg_fail *e)
{
    work_view *v = view;
    apr_int64_t t0;

    (void)st;
    v->date = trimmed(jr, "date");
    v->stage = v->l.only = trimmed(jr, "stage");
    v->name = trimmed(jr, "name");
    v->t0 = "0";
    v->t1 = ALL_TIME_END;
    if (*v->date) {
        if ((t0 = jszg_admin_day_start(v->date)) < 0)
            return jszg_fail_set(e, HTTP_BAD_REQUEST, "bad_filter",
                                 "报名日期不正确（格式为YYYY-MM-DD）。");
        v->t0 = apr_psprintf(jr->pool, "%" APR_INT64_T_FMT, t0);
        v->t1 = apr_psprintf(jr->pool, "%" APR_INT64_T_FMT, t0 + 86400);
    }
    if (*v->stage && !jszg_rules_is_stage(v->stage))
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "bad_filter",
                             "学段不正确。");
    if (!name_ok(v->name))
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "bad_filter",
                             "姓名不正确：最多20个字，不能含 % _ \\ 。");
    v->pattern = apr_pstrcat(jr->pool, "%", v->name, "%", NULL);
    return JSZG_ADM_OK;
}

/* The counts per 学段 of the filter. */
static int work_count(jszg_req *jr, jszg_staff *st, void *view,
                      json_t **rows)
{
    work_view *v = view;
    const char *scope, *stmt = jszg_adm_scoped(jr, st, "lists_work_stages",
                                               &scope);

    return jszg_db_rows(jr, stmt, rows, 5, v->t0, v->t1, scope, v->name,
                        v->pattern);
}

static int work_rows(jszg_req *jr, jszg_staff *st, void *view, long limit,
                     long offset, json_t **rows)
{
    work_view *v = view;
    const char *scope, *stmt = jszg_adm_scoped(jr, st, "lists_work",
                                               &scope);

    return jszg_db_rows(jr, stmt, rows, 9, v->t0, v->t1, scope, v->stage,
                        v->stage, v->name, v->pattern, ltoa(jr, limit),
                        ltoa(jr, offset));
}

static const list_kind work_kind = {
    jszg_rules_stages, "stage",
    work_filters, work_count, work_rows, "请按报名日期或学段缩小范围。"
};

static const char *work_query(jszg_req *jr, const work_view *v)
{
    return apr_psprintf(jr->pool, "date=%s&stage=%s&name=%s",
                        esc(jr, v->date), esc(jr, v->stage),
                        esc(jr, v->name));
}

/* Today in Beijing, for the day list's default. */
static const char *today(jszg_req *jr)
{
    char buf[16];

    return apr_pstrdup(jr->pool, jszg_rules_beijing_text(
        apr_time_sec(jr->now), JSZG_FMT_DATE, buf, sizeof(buf)));
}

static json_t *stage_counts(jszg_req *jr, const work_view *v,
                            const char *date_q)
{
    json_t *out = json_array();
    int k;

    for (k = 0; jszg_rules_stages[k] && k < 8; k++)
        json_array_append_new(out, json_pack(
            "{s:s, s:I, s:b, s:s}", "name", jszg_rules_stages[k], "n",
            (json_int_t)v->l.counts[k], "selected",
            streq(v->stage, jszg_rules_stages[k]), "href",
            apr_psprintf(jr->pool, "/admin/worklist?%s&stage=%s&name=%s",
                         date_q, esc(jr, jszg_rules_stages[k]),
                         esc(jr, v->name))));
    return out;
}

static void work_page_data(jszg_req *jr, const work_view *v, json_t *d)
{
    const char *q = work_query(jr, v);
    const char *date_q = apr_pstrcat(jr->pool, "date=", esc(jr, v->date),
                                     NULL);

    json_object_set_new(d, "f_date", json_string(v->date));
    json_object_set_new(d, "f_name", json_string(v->name));
    json_object_set_new(d, "stages", stage_counts(jr, v, date_q));
    list_page_data(d, &v->l);
    json_object_set_new(d, "print_href", json_string(apr_pstrcat(
        jr->pool, "/admin/worklist/print?", *v->date ? q
        : apr_pstrcat(jr->pool, "date=", today(jr), "&stage=",
                      esc(jr, v->stage), "&name=", esc(jr, v->name), NULL),
        NULL)));
    json_object_set_new(d, "csv_href", json_string(apr_pstrcat(
        jr->pool, "/admin/worklist.csv?", q, NULL)));
    json_object_set_new(d, "all_href", json_string(apr_pstrcat(
        jr->pool, "/admin/worklist?", date_q, "&name=", esc(jr, v->name),
        NULL)));
    json_object_set_new(d, "all_selected", json_boolean(!*v->stage));
}

int jszg_admin_worklist(jszg_req *jr)
{
    jszg_staff *st;
    work_view v;
    json_t *d;
    int rc = list_begin(jr, &work_kind, &v, sizeof(v), 1, &st);

    if (rc != OK)
        return rc;
    d = jszg_admin_data(jr, st, "待现场确认名单", "worklist");
    work_page_data(jr, &v, d);
    jszg_adm_pager_data(jr, d, apr_pstrcat(jr->pool, "/admin/worklist?",
                                           work_query(jr, &v), NULL),
                        &v.l.pg);
    return jszg_render_layout(jr, HTTP_OK, "admin/worklist", "admin/layout",
                              d);
}

int jszg_admin_api_worklist(jszg_req *jr)
{
    jszg_staff *st;
    work_view v;
    int rc = list_begin(jr, &work_kind, &v, sizeof(v), 1, &st);

    if (rc != OK)
        return rc;
    return jszg_json(jr, HTTP_OK, list_json(jr, &v.l, "stage_counts"));
}

int jszg_admin_worklist_print(jszg_req *jr)
{
    jszg_staff *st;
    work_view v;
    json_t *d;
    int rc = list_begin(jr, &work_kind, &v, sizeof(v), 0, &st);

    if (rc != OK)
        return rc;
    d = jszg_admin_data(jr, st, "待现场确认名单（打印）", "worklist");
    work_page_data(jr, &v, d);
    json_object_set_new(d, "back_href", json_string(apr_pstrcat(
        jr->pool, "/admin/worklist?", work_query(jr, &v), NULL)));
    json_object_set_new(d, "printed_on", json_string(today(jr)));
    return jszg_render_layout(jr, HTTP_OK, "admin/worklist_print",
                              "admin/layout", d);
}

int jszg_admin_worklist_csv(jszg_req *jr)
{
    static const char *const heads[] = {
        "序号", "报名号", "姓名", "证件类型", "证件号码", "手机号码", "学段",
        "学科", "证书号码", "注册机构", "确认点", "提交时间", NULL
    };
    static const char *const cols[] = {
        "n", "reg_no", "applicant_name", "id_type", "id_number", "phone",
        "stage", "subject", "cert_no", "institution_name", "point_name",
        "submitted_at_text", NULL
    };
    jszg_staff *st;
    work_view v;
    json_t *row;
    size_t i;
    int rc = list_begin(jr, &work_kind, &v, sizeof(v), 0, &st);

    if (rc != OK)
        return rc;
    json_array_foreach(v.l.rows, i, row)
        json_object_set_new(row, "n", json_string(ltoa(jr, (long)i + 1)));
    return jszg_admin_send_csv(jr, st, apr_pstrcat(jr->pool, "jszg-worklist-",
                                        *v.date ? v.date : "all", ".csv",
                                        NULL),
                    csv_text(jr->pool, v.l.rows, heads, cols),
                    "worklist.export", work_query(jr, &v));
}

/* ---- decided applications and 公示 ------------------------------------ */

typedef struct {
    list_page l;                        /* groups: the conclusions */
    long year;
    const char *result;                 /* "" or a conclusion */
    const char *inst;                   /* "" or an institution id */
} decided_view;

static long this_year(jszg_req *jr)
{
    jszg_bjtime t;

    jszg_rules_beijing(apr_time_sec(jr->now), &t);
    return t.year;
}

static int decided_filters(jszg_req *jr, jszg_staff *st, void *view,
                           jszg_fail *e)
{
    decided_view *v = view;

    if (jszg_query_int(jr, "year", 2013, 2100, this_year(jr), &v->year) < 0)
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "bad_filter",
                             "注册年度不正确。");
    v->result = v->l.only = trimmed(jr, "result");
    if (*v->result && !jszg_rules_is_conclusion(v->result))
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "bad_filter",
                             "注册结论不正确。");
    /* a 注册机构 sees its own institution whatever it asks for */
    v->inst = st->role == JSZG_ROLE_INSTITUTION ? "" : trimmed(jr, "inst");
    if (*v->inst && !all_digits(v->inst, 1, 15))
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "bad_filter",
                             "注册机构不正确。");
    return JSZG_ADM_OK;
}

/* The counts per 注册结论 of the filter. */
static int decided_count(jszg_req *jr, jszg_staff *st, void *view,
                         json_t **rows)
{
    decided_view *v = view;
    const char *scope, *stmt = jszg_adm_scoped(jr, st,
                                               "lists_decided_counts",
                                               &scope);

    return jszg_db_rows(jr, stmt, rows, 6, ltoa(jr, v->year), v->result,
                        v->result, *v->inst ? "1" : "0",
                        *v->inst ? v->inst : "0", scope);
}

static int decided_rows(jszg_req *jr, jszg_staff *st, void *view,
                        long limit, long offset, json_t **rows)
{
    decided_view *v = view;
    const char *scope, *stmt = jszg_adm_scoped(jr, st, "lists_decided",
                                               &scope);

    return jszg_db_rows(jr, stmt, rows, 8, ltoa(jr, v->year), v->result,
                        v->result, *v->inst ? "1" : "0",
                        *v->inst ? v->inst : "0", scope, ltoa(jr, limit),
                        ltoa(jr, offset));
}

static const list_kind decided_kind = {
    jszg_rules_conclusions, "status",
    decided_filters, decided_count, decided_rows,
    "请选择注册机构或注册结论缩小范围。"
};

static const char *decided_query(jszg_req *jr, const decided_view *v)
{
    return apr_psprintf(jr->pool, "year=%ld&result=%s&inst=%s", v->year,
                        esc(jr, v->result), esc(jr, v->inst));
}

/* The institutions the list may be narrowed to (province, system). */
static int decided_insts(jszg_req *jr, jszg_staff *st, decided_view *v,
                         json_t *d)
{
    const char *role = apr_itoa(jr->pool, st->role);
    json_t *rows, *row;
    size_t i;
    int rc;

    if (st->role == JSZG_ROLE_INSTITUTION)
        return JSZG_DB_OK;
    rc = jszg_db_rows(jr, "admin_institutions", &rows, 3, role, role,
                      st->province_code ? st->province_code : "");
    if (rc != JSZG_DB_OK)
        return rc;
    json_array_foreach(rows, i, row) {
        json_object_set_new(row, "selected",
                            json_boolean(streq(jszg_jstr(row, "id"), v->inst)));
        if (streq(jszg_jstr(row, "id"), v->inst))
            json_object_set(d, "inst_name", json_object_get(row, "name"));
    }
    json_object_set(d, "institutions", rows);
    return JSZG_DB_OK;
}

static void decided_page_data(jszg_req *jr, jszg_staff *st,
                              const decided_view *v, json_t *d)
{
    const char *q = decided_query(jr, v);
    json_t *counts = json_array(), *res = json_array();
    int k;

    for (k = 0; jszg_rules_conclusions[k]; k++) {
        json_array_append_new(counts, json_pack(
            "{s:s, s:I}", "name", jszg_rules_conclusions[k], "n",
            (json_int_t)v->l.counts[k]));
        json_array_append_new(res, json_pack(
            "{s:s, s:b}", "name", jszg_rules_conclusions[k], "selected",
            streq(v->result, jszg_rules_conclusions[k])));
    }
    json_object_set_new(d, "counts", counts);
    json_object_set_new(d, "results", res);
    json_object_set_new(d, "year", json_integer(v->year));
    list_page_data(d, &v->l);
    json_object_set_new(d, "pick_inst", json_boolean(
        st->role != JSZG_ROLE_INSTITUTION));
    if (st->role == JSZG_ROLE_INSTITUTION)
        json_object_set(d, "inst_name",
                        json_object_get(st->scope, "institution"));
    json_object_set_new(d, "csv_href", json_string(apr_pstrcat(
        jr->pool, "/admin/decided.csv?", q, NULL)));
    json_object_set_new(d, "publicity_href", json_string(apr_pstrcat(
        jr->pool, "/admin/decided/publicity?", q, NULL)));
    json_object_set_new(d, "back_href", json_string(apr_pstrcat(
        jr->pool, "/admin/decided?", q, NULL)));
}

int jszg_admin_decided(jszg_req *jr)
{
    jszg_staff *st;
    decided_view v;
    json_t *d;
    int rc = list_begin(jr, &decided_kind, &v, sizeof(v), 1, &st);

    if (rc != OK)
        return rc;
    d = jszg_admin_data(jr, st, "注册结论与公示", "decided");
    if ((rc = decided_insts(jr, st, &v, d)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    decided_page_data(jr, st, &v, d);
    jszg_adm_pager_data(jr, d, apr_pstrcat(jr->pool, "/admin/decided?",
                                           decided_query(jr, &v), NULL),
                        &v.l.pg);
    return jszg_render_layout(jr, HTTP_OK, "admin/decided", "admin/layout",
                              d);
}

int jszg_admin_api_decided(jszg_req *jr)
{
    jszg_staff *st;
    decided_view v;
    json_t *b;
    int rc = list_begin(jr, &decided_kind, &v, sizeof(v), 1, &st);

    if (rc != OK)
        return rc;
    b = list_json(jr, &v.l, "result_counts");
    json_object_set_new(b, "year", json_integer(v.year));
    return jszg_json(jr, HTTP_OK, b);
}

/* The 公示 columns: name, masked ID number, certificate, result. */
static void publicity_rows(jszg_req *jr, json_t *rows)
{
    json_t *row;
    size_t i;

    json_array_foreach(rows, i, row) {
        json_object_set_new(row, "n", json_string(ltoa(jr, (long)i + 1)));
        json_object_set_new(row, "id_masked", json_string(
            jszg_mask_id_public(jr->pool, jszg_jstr(row, "id_number"))));
    }
}

int jszg_admin_decided_publicity(jszg_req *jr)
{
    jszg_staff *st;
    decided_view v;
    json_t *d, *row;
    size_t i;
    int rc = list_begin(jr, &decided_kind, &v, sizeof(v), 0, &st);

    if (rc != OK)
        return rc;
    d = jszg_admin_data(jr, st, "教师资格定期注册结果公示", "decided");
    if ((rc = decided_insts(jr, st, &v, d)) != JSZG_DB_OK)
        return jszg_db_status(rc);
    publicity_rows(jr, v.l.rows);
    /* the 公示 shows no more than it must: the full ID number and the
     * phone stay in the office */
    json_array_foreach(v.l.rows, i, row) {
        json_object_del(row, "id_number");
        json_object_del(row, "phone");
    }
    decided_page_data(jr, st, &v, d);
    json_object_set_new(d, "printed_on", json_string(today(jr)));
    if ((rc = jszg_admin_audit(jr, st, "decided.publicity", NULL,
                               decided_query(jr, &v))) != JSZG_DB_OK)
        return jszg_db_status(rc);
    return jszg_render_layout(jr, HTTP_OK, "admin/publicity",
                              "admin/layout", d);
}

int jszg_admin_decided_csv(jszg_req *jr)
{
    static const char *const heads[] = {
        "序号", "注册机构", "报名号", "姓名", "证件号码（公示）", "证书号码",
        "资格种类", "学段", "学科", "注册结论", "结论日期", NULL
    };
    static const char *const cols[] = {
        "n", "institution_name", "reg_no", "applicant_name", "id_masked",
        "cert_no", "cert_kind_name", "stage", "subject", "status",
        "decided_on", NULL
    };
    jszg_staff *st;
    decided_view v;
    int rc = list_begin(jr, &decided_kind, &v, sizeof(v), 0, &st);

    if (rc != OK)
        return rc;
    publicity_rows(jr, v.l.rows);
    return jszg_admin_send_csv(jr, st, apr_psprintf(jr->pool, "jszg-decided-%ld.csv",
                                         v.year),
                    csv_text(jr->pool, v.l.rows, heads, cols),
                    "decided.export", decided_query(jr, &v));
}

/* ---- search ------------------------------------------------------------- */

typedef struct {
    const char *q, *by;         /* as asked; by: auto name regno idno phone */
    const char *kind;           /* the key used (never auto) */
    const char *key;            /* the statement's argument */
    const char *stmt;           /* lists_find_<stmt>: kind, or name3 */
    long page;
    long total;
    int capped;
    jszg_pager pg;
    json_t *rows;
} find_view;

static const char *const find_kinds[][2] = {
    { "name", "姓名" }, { "regno", "报名号" }, { "idno", "证件号码" },
    { "phone", "手机号码" }, { NULL, NULL }
};

/* What a bare search box holds: Chinese or letters with non-ASCII text
 * are a name, 11 digits from 1 a phone, 15/18-character ID numbers an ID,
 * other digit strings part of a 报名号, the rest an ID (passports and
 * passes). */
static const char *find_guess(const char *q)
{
    const unsigned char *c;
    apr_size_t n = strlen(q);

    for (c = (const unsigned char *)q; *c; c++)
        if (*c >= 0x80)
            return "name";
    if (n == 11 && q[0] == '1' && all_digits(q, 11, 11))
        return "phone";
    if (n == 15 || n == 18 || !all_digits(q, 4, 20))
        return "idno";
    return "regno";
}

static int find_parse(jszg_req *jr, find_view *v, jszg_fail *e)
{
    const char *q = trimmed(jr, "q");
    char *up;
    apr_size_t n;
    int k, ok = 0;

    v->q = q;
    v->by = trimmed(jr, "by");
    if (!*v->by)
        v->by = "auto";
    for (k = 0; find_kinds[k][0]; k++)
        ok |= streq(find_kinds[k][0], v->by);
    if (!ok && !streq(v->by, "auto"))
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "query_invalid",
                             "查找方式不正确。");
    n = strlen(q);
    if (!n || n > 32)
        return jszg_fail_set(e, HTTP_BAD_REQUEST, "query_invalid",
                             "请输入姓名、报名号、证件号码或手机号码"
                             "（最多32个字符）。");
    up = apr_pstrdup(jr->pool, q);
    ap_str_toupper(up);
    v->kind = streq(v->by, "auto") ? find_guess(q) : v->by;
    if (streq(v->kind, "name")) {
        if (!name_ok(q))
            return jszg_fail_set(e, HTTP_BAD_REQUEST, "query_invalid",
                                 "姓名最多20个字，不能含 % _ \\ 。");
        /* a trigram needs three characters: shorter keys are a name's
         * or a given name's start, whose padded trigram ("  伟") the
         * index holds (jszg_store_lists.c) */
        if (jszg_utf8_chars(q, n) >= 3) {
            v->stmt = "name3";
            v->key = apr_pstrcat(jr->pool, "%", q, "%", NULL);
        }
        else
            v->key = apr_pstrcat(jr->pool, q, "%", NULL);
    }
    else if (streq(v->kind, "regno")) {
        if (!all_digits(q, 4, 20))
            return jszg_fail_set(e, HTTP_BAD_REQUEST, "query_invalid",
                                 "按报名号查找时，请输入报名号中连续的"
                                 "至少4位数字。");
        v->key = apr_pstrcat(jr->pool, "%", q, "%", NULL);
    }
    else if (streq(v->kind, "phone")) {
        if (!all_digits(q, 11, 11))
            return jszg_fail_set(e, HTTP_BAD_REQUEST, "query_invalid",
                                 "手机号码为11位数字。");
        v->key = q;
    }
    else
        v->key = up;    /* ID numbers are stored upper-cased */
    return JSZG_ADM_OK;
}

static int find_load(jszg_req *jr, jszg_staff *st, find_view *v,
                     jszg_fail *e)
{
    const char *stmt, *scope, *base;
    json_t *row;
    int rc;

    memset(v, 0, sizeof(*v));
    if ((rc = find_parse(jr, v, e)) != JSZG_ADM_OK
        || (rc = jszg_adm_page_arg(jr, &v->page, e)) != JSZG_ADM_OK)
        return rc;
    if (!v->stmt)
        v->stmt = v->kind;
    base = apr_pstrcat(jr->pool, "lists_find_", v->stmt, NULL);
    stmt = jszg_adm_scoped(jr, st, apr_pstrcat(jr->pool, base, "_count",
                                               NULL), &scope);
    /* lists_find_name takes its key twice */
    if (streq(v->stmt, "name"))
        rc = jszg_db_row(jr, stmt, &row, 3, v->key, v->key, scope);
    else
        rc = jszg_db_row(jr, stmt, &row, 2, v->key, scope);
    if (rc != JSZG_DB_OK)
        return db_fail(e, rc);
    v->total = (long)apr_atoi64(jszg_jstr(row, "n"));
    v->capped = v->total > FIND_CAP;
    if (v->capped)
        v->total = FIND_CAP;
    if ((rc = jszg_adm_page_layout(jr, &v->pg, v->page, v->total, e))
        != JSZG_ADM_OK)
        return rc;
    stmt = jszg_adm_scoped(jr, st, base, &scope);
    if (streq(v->stmt, "name"))
        rc = jszg_db_rows(jr, stmt, &v->rows, 5, v->key, v->key, scope,
                          ltoa(jr, v->pg.per_page), ltoa(jr, v->pg.offset));
    else
        rc = jszg_db_rows(jr, stmt, &v->rows, 4, v->key, scope,
                          ltoa(jr, v->pg.per_page),
                          ltoa(jr, v->pg.offset));
    if (rc != JSZG_DB_OK)
        return db_fail(e, rc);
    rows_out(jr, v->rows);
    return JSZG_ADM_OK;
}

static const char *kind_label(const char *kind)
{
    int k;

    for (k = 0; find_kinds[k][0]; k++)
        if (streq(find_kinds[k][0], kind))
            return find_kinds[k][1];
    return "";
}

int jszg_admin_search(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    find_view v;
    json_t *d, *bys;
    const char *by = trimmed(jr, "by");
    int k;

    d = jszg_admin_data(jr, st, "查找报名信息", "search");
    bys = json_array();
    for (k = 0; find_kinds[k][0]; k++)
        json_array_append_new(bys, json_pack(
            "{s:s, s:s, s:b}", "value", find_kinds[k][0], "label",
            find_kinds[k][1], "selected", streq(by, find_kinds[k][0])));
    json_object_set_new(d, "bys", bys);
    json_object_set_new(d, "q", json_string(trimmed(jr, "q")));
    if (!*trimmed(jr, "q"))
        return jszg_render_layout(jr, HTTP_OK, "admin/search",
                                  "admin/layout", d);
    if (find_load(jr, st, &v, &e) != JSZG_ADM_OK) {
        if (e.status != HTTP_BAD_REQUEST)
            return list_fail(jr, st, &e);
        json_object_set_new(d, "error", json_string(e.message));
        return jszg_render_layout(jr, HTTP_BAD_REQUEST, "admin/search",
                                  "admin/layout", d);
    }
    json_object_set(d, "results", v.rows);
    json_object_set_new(d, "searched", json_true());
    json_object_set_new(d, "none", json_boolean(v.total == 0));
    json_object_set_new(d, "total", json_integer(v.total));
    json_object_set_new(d, "total_capped", json_boolean(v.capped));
    json_object_set_new(d, "kind_label", json_string(kind_label(v.kind)));
    jszg_adm_pager_data(jr, d, apr_psprintf(jr->pool,
                                            "/admin/search?q=%s&by=%s",
                                            esc(jr, v.q), esc(jr, v.by)),
                        &v.pg);
    return jszg_render_layout(jr, HTTP_OK, "admin/search", "admin/layout",
                              d);
}

int jszg_admin_api_search(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    jszg_fail e = JSZG_FAIL(jr->pool);
    find_view v;
    json_t *b;

    if (find_load(jr, st, &v, &e) != JSZG_ADM_OK)
        return list_fail(jr, st, &e);
    b = jszg_pool_json(jr->pool, json_object());
    json_object_set(b, "applications", v.rows);
    json_object_set_new(b, "by", json_string(v.kind));
    json_object_set_new(b, "total_capped", json_boolean(v.capped));
    jszg_adm_pager_json(b, &v.pg);
    return jszg_json(jr, HTTP_OK, b);
}
