/*
 * jszg_admin_import.c -- CSV import of registry data (证书, 年度考核,
 * 培训学时, 师德, 公安身份信息) by province and system admins.
 *
 * Upload → dry run (every bad row reported with its line number and the
 * reason; nothing written but the import_batches row) → apply.  Apply
 * checks the whole file again and writes nothing when any row is bad;
 * a good file is written in one transaction, so a failure half-way (a
 * constraint, the database going away) leaves the data as it was.
 * Files may be UTF-8 (with or without BOM) or GB18030 (what Excel on a
 * Chinese Windows saves as "CSV").
 *
 * Scope: a province admin writes only rows that belong to the province,
 * judged on what the database holds (the target), not only on the
 * uploaded values.  A certificate row must name the admin's province,
 * the certificate it would overwrite must be one of that province's, and
 * the number's own digits (year, province, 资格种类, sex) must agree with
 * the row.  A person-level row (年度考核, 培训学时, 师德) must be about a
 * person of the province, by the rule of jszg_person_in_province()
 * (jszg_idcard.h).  Identity data is for system admins only.  No date may
 * lie after today (the Beijing date of the request, test clock included).
 *
 * The report: "数据行" counts the data rows read, "通过" those that passed,
 * "有问题" those that did not; a problem of the file itself (encoding, CSV
 * syntax, header) is listed with its line after the errors of the rows
 * read before it, and nothing then counts as passed.
 */
#include "jszg_admin.h"
#include "jszg_csv.h"
#include "jszg_rules.h"
#include "jszg_idcard.h"
#include "jszg_wizard.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_xlate.h"
#include <openssl/sha.h>

#define MAX_REPORTED 200        /* errors listed on the page / stored */

typedef struct {
    const char *kind;           /* import_batches.kind */
    const char *title;
    int roles;
    int ncols;
    const char *cols[12];
} import_kind;

static const import_kind kinds[] = {
    { "certificates", "教师资格证书", JSZG_ROLE_PROVINCE | JSZG_ROLE_SYSTEM,
      11, { "证书号码", "姓名", "证件类型", "证件号码", "性别", "资格种类",
            "任教学科", "认定机构", "省份代码", "认定日期", "状态" } },
    { "assessments", "年度考核", JSZG_ROLE_PROVINCE | JSZG_ROLE_SYSTEM,
      4, { "证件号码", "年度", "考核结果", "单位" } },
    { "training", "培训学时", JSZG_ROLE_PROVINCE | JSZG_ROLE_SYSTEM,
      4, { "证件号码", "年度", "学时", "培训项目" } },
    { "ethics", "师德考核", JSZG_ROLE_PROVINCE | JSZG_ROLE_SYSTEM,
      4, { "证件号码", "记录日期", "结论", "说明" } },
    { "identity", "公安身份信息", JSZG_ROLE_SYSTEM,
      3, { "证件类型", "证件号码", "姓名" } },
    { NULL, NULL, 0, 0, { NULL } }
};

static const char *const id_types[] = {
    "居民身份证", "港澳居民来往内地通行证", "台湾居民来往大陆通行证",
    "护照", "外国人永久居留身份证", NULL
};

static const import_kind *kind_of(const char *k)
{
    const import_kind *ik;

    for (ik = kinds; k && ik->kind; ik++)
        if (!strcmp(ik->kind, k))
            return ik;
    return NULL;
}

static int in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (!strcmp(*list, s))
            return 1;
    return 0;
}

/* ---- decoding --------------------------------------------------------- */

/* UTF-8 as it is; otherwise GB18030 converted to UTF-8 (apr_xlate). */
static const char *to_utf8(apr_pool_t *p, const char *in, apr_size_t len,
                           apr_size_t *outlen)
{
    apr_xlate_t *x;
    apr_size_t inleft = len, outleft = len * 2 + 16;
    char *out;

    if (jszg_csv_utf8_valid(in, len)) {
        *outlen = len;
        return in;
    }
    if (apr_xlate_open(&x, "UTF-8", "GB18030", p) != APR_SUCCESS)
        return NULL;
    out = apr_palloc(p, outleft);
    *outlen = outleft;
    if (apr_xlate_conv_buffer(x, in, &inleft, out, &outleft) != APR_SUCCESS
        || inleft != 0) {
        apr_xlate_close(x);
        return NULL;
    }
    apr_xlate_close(x);
    *outlen -= outleft;
    return out;
}

/* ---- row checks ---------------------------------------------------------- */

typedef struct {
    jszg_req *jr;
    jszg_staff *st;
    const import_kind *ik;
    int col[12];                /* file column of each expected column */
    apr_hash_t *seen;           /* unique keys inside the file */
    apr_hash_t *regions;        /* province codes already checked */
    apr_hash_t *persons;        /* ID number -> "1" in scope, "" not */
    const char *today;          /* Beijing date, YYYY-MM-DD */
    int year;                   /* its year */
    json_t *errors;
    int nbad;                   /* data rows with a problem */
    int nfile;                  /* problems of the file itself */
    int db_rc;                  /* a lookup failed: JSZG_DB_* */
} check_t;

static const char *cell(check_t *c, const jszg_csv_record *rec, int i)
{
    const char *v;
    char *t;
    apr_size_t n;

    if (c->col[i] >= rec->nfields)
        return "";
    v = rec->fields[c->col[i]];
    while (apr_isspace(*v))
        v++;
    t = apr_pstrdup(c->jr->pool, v);
    n = strlen(t);
    while (n && apr_isspace(t[n - 1]))
        t[--n] = '\0';
    return t;
}

static int row_error(check_t *c, int line, const char *reason)
{
    if (++c->nbad <= MAX_REPORTED)
        json_array_append_new(c->errors, json_pack("{s:i, s:s}", "line",
                                                   line, "reason", reason));
    return -1;
}

/* A problem of the whole file: always listed, after the rows' errors. */
static int file_error(check_t *c, int line, const char *reason)
{
    c->nfile++;
    json_array_append_new(c->errors, json_pack("{s:i, s:s}", "line", line,
                                               "reason", reason));
    return -1;
}

/* An ID number cell; a 居民身份证 number with its check letter upper-cased
 * (as accounts store it), so lookups and writes find the same person. */
static const char *id_cell(check_t *c, const jszg_csv_record *r, int i,
                           const char *type)
{
    char *v = apr_pstrdup(c->jr->pool, cell(c, r, i));

    if (!type || !strcmp(type, "居民身份证"))
        ap_str_toupper(v);
    return v;
}

static int date_ok(const char *s)
{
    return jszg_rules_parse_date(s, 1950, 2100, NULL) == 0;
}

/* Whole number in [min, max], digits only. */
static int num_in(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    if (!*s || strlen(s) > 9)
        return 0;
    for (end = (char *)s; *end; end++)
        if (!apr_isdigit(*end))
            return 0;
    v = strtol(s, &end, 10);
    if (v < min || v > max)
        return 0;
    *out = v;
    return 1;
}

static int text_ok(const char *s, apr_size_t max_chars)
{
    return *s && jszg_utf8_chars(s, strlen(s)) <= max_chars;
}

/* The ID number of a person row: an 18-character 居民身份证 number passes
 * GB 11643; other documents are 5..32 visible characters. */
static int id_number_ok(check_t *c, const char *type, const char *num)
{
    apr_size_t i, n = strlen(num);

    if (!type || !strcmp(type, "居民身份证"))
        return jszg_idcard_check(num, 0, NULL) == JSZG_ID_OK;
    if (n < 5 || n > 32)
        return 0;
    for (i = 0; i < n; i++)
        if (!apr_isalnum(num[i]) && num[i] != '-')
            return 0;
    (void)c;
    return 1;
}

static int duplicate(check_t *c, int line, const char *key)
{
    int *first = apr_hash_get(c->seen, key, APR_HASH_KEY_STRING);

    if (first)
        return row_error(c, line, apr_psprintf(c->jr->pool, "与第%d行重复",
                                               *first));
    first = apr_palloc(c->jr->pool, sizeof(*first));
    *first = line;
    apr_hash_set(c->seen, key, APR_HASH_KEY_STRING, first);
    return 0;
}

static int province_ok(check_t *c, const char *code)
{
    json_t *row;

    if (apr_hash_get(c->regions, code, APR_HASH_KEY_STRING))
        return 1;
    if (strlen(code) != 6 || jszg_db_row(c->jr, "admin_region_exists", &row,
                                         1, code) != JSZG_DB_OK)
        return 0;
    apr_hash_set(c->regions, code, APR_HASH_KEY_STRING, "");
    return 1;
}

/* The certificate this row would overwrite must be the province's own:
 * a province admin may neither change another province's certificate
 * nor move one between provinces (the row's own province is checked
 * before). */
static int cert_target_ok(check_t *c, const char *no, int line)
{
    json_t *row;
    int rc;

    if (c->st->role != JSZG_ROLE_PROVINCE)
        return 0;
    rc = jszg_db_row(c->jr, "admin_import_cert_owner", &row, 1, no);
    if (rc == JSZG_DB_NOTFOUND)
        return 0;
    if (rc != JSZG_DB_OK) {
        c->db_rc = rc;
        return row_error(c, line, "无法核对该证书的现有记录");
    }
    if (strcmp(json_string_value(json_object_get(row, "province_code")),
               c->st->province_code))
        return row_error(c, line, apr_psprintf(c->jr->pool,
                         "该证书属于%s，只能由该省修改",
                         json_string_value(json_object_get(row,
                                                           "province_name"))));
    return 0;
}

static int check_cert(check_t *c, const jszg_csv_record *r, int line)
{
    apr_pool_t *p = c->jr->pool;
    const char *no = cell(c, r, 0), *type = cell(c, r, 2);
    const char *prov = cell(c, r, 8), *sex = cell(c, r, 4);
    jszg_certno_part part;
    long kind;

    if (!jszg_certno_valid(no, 9999))
        return row_error(c, line, "证书号码应为15位或17位数字");
    if (!jszg_certno_valid(no, c->year))
        return row_error(c, line, "证书号码中的认定年份不能晚于今年");
    if (!text_ok(cell(c, r, 1), 60))
        return row_error(c, line, "姓名不能为空且不能超过60个字");
    if (!in_list(id_types, type))
        return row_error(c, line, "证件类型不正确");
    if (!id_number_ok(c, type, id_cell(c, r, 3, type)))
        return row_error(c, line, "证件号码不正确");
    if (*sex && strcmp(sex, "男") && strcmp(sex, "女"))
        return row_error(c, line, "性别应为“男”或“女”");
    if (!num_in(cell(c, r, 5), 1, 7, &kind))
        return row_error(c, line, "资格种类应为1至7的数字");
    if (!text_ok(cell(c, r, 6), 30) || !text_ok(cell(c, r, 7), 60))
        return row_error(c, line, "任教学科和认定机构不能为空");
    if (!province_ok(c, prov))
        return row_error(c, line, "省份代码不正确（应为6位省级行政区划代码）");
    if (c->st->role == JSZG_ROLE_PROVINCE && strcmp(prov,
                                                    c->st->province_code))
        return row_error(c, line, "只能导入本省的证书");
    if (cert_target_ok(c, no, line))
        return -1;
    if (!date_ok(cell(c, r, 9)))
        return row_error(c, line, "认定日期应为YYYY-MM-DD格式的有效日期");
    if (strcmp(cell(c, r, 9), c->today) > 0)
        return row_error(c, line, "认定日期不能晚于今天");
    part = jszg_certno_agrees(no, cell(c, r, 9), prov, (int)kind,
                              !*sex ? 0 : !strcmp(sex, "男") ? 1 : 2);
    if (part != JSZG_CERTNO_AGREES)
        return row_error(c, line, jszg_certno_part_message(part));
    if (!in_list((const char *const[]){ "有效", "丧失", "撤销", "无效",
                                        NULL }, cell(c, r, 10)))
        return row_error(c, line, "状态应为有效、丧失、撤销或无效");
    (void)p;
    return duplicate(c, line, no);
}

/* A person-level row of a province admin: the person must be the
 * province's by jszg_person_in_province() (jszg_idcard.h), judged on the
 * registry (their newest application, else their certificates). */
static int person_scope(check_t *c, const char *idno, int line)
{
    const char *in, *employment = NULL;
    apr_array_header_t *provs;
    json_t *row, *rows;
    size_t i;
    int rc;

    if (c->st->role != JSZG_ROLE_PROVINCE)
        return 0;
    in = apr_hash_get(c->persons, idno, APR_HASH_KEY_STRING);
    if (!in) {
        rc = jszg_db_row(c->jr, "admin_import_person_employment", &row, 1,
                         idno);
        if (rc == JSZG_DB_OK)
            employment = json_string_value(json_object_get(row,
                                                           "province_code"));
        else if (rc != JSZG_DB_NOTFOUND) {
            c->db_rc = rc;
            return row_error(c, line, "无法核对该教师所属省份");
        }
        rc = jszg_db_rows(c->jr, "admin_import_person_certs", &rows, 1,
                          idno);
        if (rc != JSZG_DB_OK) {
            c->db_rc = rc;
            return row_error(c, line, "无法核对该教师所属省份");
        }
        provs = apr_array_make(c->jr->pool, 4, sizeof(const char *));
        json_array_foreach(rows, i, row)
            APR_ARRAY_PUSH(provs, const char *) =
                json_string_value(json_object_get(row, "province_code"));
        in = jszg_person_in_province(c->st->province_code, employment,
                                     (const char *const *)provs->elts,
                                     provs->nelts) ? "1" : "";
        apr_hash_set(c->persons, idno, APR_HASH_KEY_STRING, in);
    }
    if (!*in)
        return row_error(c, line, "该教师不属于本省（以其最近一次定期注册"
                         "报名的注册机构所在省份为准，未报名的以其教师资格"
                         "证书的认定省份为准），不能导入");
    return 0;
}

static int check_assess(check_t *c, const jszg_csv_record *r, int line)
{
    long year;

    if (!id_number_ok(c, NULL, id_cell(c, r, 0, NULL)))
        return row_error(c, line, "证件号码不是有效的居民身份证号码");
    if (!num_in(cell(c, r, 1), 1990, 2100, &year))
        return row_error(c, line, "年度应为1990至2100之间的年份");
    if (year > c->year)
        return row_error(c, line, "年度不能晚于今年");
    if (!in_list((const char *const[]){ "优秀", "合格", "基本合格", "不合格",
                                        NULL }, cell(c, r, 2)))
        return row_error(c, line, "考核结果应为优秀、合格、基本合格或不合格");
    if (jszg_utf8_chars(cell(c, r, 3), strlen(cell(c, r, 3))) > 60)
        return row_error(c, line, "单位不能超过60个字");
    if (duplicate(c, line, apr_pstrcat(c->jr->pool, id_cell(c, r, 0, NULL),
                                       "/", cell(c, r, 1), NULL)))
        return -1;
    return person_scope(c, id_cell(c, r, 0, NULL), line);
}

static int check_training(check_t *c, const jszg_csv_record *r, int line)
{
    long v;

    if (!id_number_ok(c, NULL, id_cell(c, r, 0, NULL)))
        return row_error(c, line, "证件号码不是有效的居民身份证号码");
    if (!num_in(cell(c, r, 1), 1990, 2100, &v))
        return row_error(c, line, "年度应为1990至2100之间的年份");
    if (v > c->year)
        return row_error(c, line, "年度不能晚于今年");
    if (!num_in(cell(c, r, 2), 0, 2000, &v))
        return row_error(c, line, "学时应为0至2000之间的整数");
    if (!text_ok(cell(c, r, 3), 100))
        return row_error(c, line, "培训项目不能为空且不能超过100个字");
    return person_scope(c, id_cell(c, r, 0, NULL), line);
}

static int check_ethics(check_t *c, const jszg_csv_record *r, int line)
{
    if (!id_number_ok(c, NULL, id_cell(c, r, 0, NULL)))
        return row_error(c, line, "证件号码不是有效的居民身份证号码");
    if (!date_ok(cell(c, r, 1)))
        return row_error(c, line, "记录日期应为YYYY-MM-DD格式的有效日期");
    if (strcmp(cell(c, r, 1), c->today) > 0)
        return row_error(c, line, "记录日期不能晚于今天");
    if (strcmp(cell(c, r, 2), "合格") && strcmp(cell(c, r, 2), "不合格"))
        return row_error(c, line, "结论应为合格或不合格");
    if (jszg_utf8_chars(cell(c, r, 3), strlen(cell(c, r, 3))) > 200)
        return row_error(c, line, "说明不能超过200个字");
    return person_scope(c, id_cell(c, r, 0, NULL), line);
}

static int check_identity(check_t *c, const jszg_csv_record *r, int line)
{
    const char *type = cell(c, r, 0);

    if (!in_list(id_types, type))
        return row_error(c, line, "证件类型不正确");
    if (!id_number_ok(c, type, id_cell(c, r, 1, type)))
        return row_error(c, line, "证件号码不正确");
    if (!text_ok(cell(c, r, 2), 60))
        return row_error(c, line, "姓名不能为空且不能超过60个字");
    return duplicate(c, line, apr_pstrcat(c->jr->pool, type, "/",
                                          id_cell(c, r, 1, type), NULL));
}

static int check_row(check_t *c, const jszg_csv_record *r)
{
    int i;

    if (r->nfields != c->ik->ncols)
        return row_error(c, r->line, apr_psprintf(c->jr->pool,
                         "应有%d列，实际为%d列", c->ik->ncols, r->nfields));
    /* the text rule of every field (jszg_text_check): no control or
     * format character gets into the registry either */
    for (i = 0; i < r->nfields; i++)
        if (jszg_text_check(r->fields[i], strlen(r->fields[i]))
            != JSZG_FORM_OK)
            return row_error(c, r->line, apr_psprintf(c->jr->pool,
                             "第%d列含有不可见的控制字符或格式字符（如零宽空格、"
                             "文字方向控制符）", i + 1));
    switch (c->ik->kind[0]) {
    case 'c': return check_cert(c, r, r->line);
    case 'a': return check_assess(c, r, r->line);
    case 't': return check_training(c, r, r->line);
    case 'e': return check_ethics(c, r, r->line);
    default:  return check_identity(c, r, r->line);
    }
}

static const char *cols_joined(apr_pool_t *p, const import_kind *ik)
{
    const char *s = ik->cols[0];
    int i;

    for (i = 1; i < ik->ncols; i++)
        s = apr_pstrcat(p, s, ",", ik->cols[i], NULL);
    return s;
}

/* The header names the columns; any order, each exactly once. */
static int map_header(check_t *c, const jszg_csv_record *h)
{
    int i, j;

    if (h->nfields != c->ik->ncols)
        return file_error(c, h->line, apr_psprintf(c->jr->pool,
                          "表头应为：%s", cols_joined(c->jr->pool, c->ik)));
    for (i = 0; i < c->ik->ncols; i++) {
        c->col[i] = -1;
        for (j = 0; j < h->nfields; j++)
            if (!strcmp(h->fields[j], c->ik->cols[i]))
                c->col[i] = j;
        if (c->col[i] < 0)
            return file_error(c, h->line, apr_psprintf(c->jr->pool,
                              "表头缺少“%s”列", c->ik->cols[i]));
    }
    return 0;
}

/* ---- writing ------------------------------------------------------------- */

static int write_row(check_t *c, const jszg_csv_record *r, const char *now)
{
    jszg_req *jr = c->jr;
    long kind;
    int n = 0, rc;

    switch (c->ik->kind[0]) {
    case 'c':
        num_in(cell(c, r, 5), 1, 7, &kind);
        rc = jszg_db_exec(jr, "admin_import_cert", &n, 14, cell(c, r, 0),
                          cell(c, r, 1), cell(c, r, 2),
                          id_cell(c, r, 3, cell(c, r, 2)),
                          *cell(c, r, 4) ? cell(c, r, 4) : NULL,
                          cell(c, r, 5), jszg_rules_kind_name(kind), cell(c, r, 6),
                          cell(c, r, 7), cell(c, r, 8), cell(c, r, 9),
                          cell(c, r, 10), now,
                          apr_itoa(jr->pool, c->st->role));
        /* another province's certificate, taken meanwhile */
        return rc == JSZG_DB_OK && n != 1 ? JSZG_DB_ERROR : rc;
    case 'a':
        return jszg_db_exec(jr, "admin_import_assess", NULL, 5,
                            id_cell(c, r, 0, NULL),
                            cell(c, r, 1), cell(c, r, 2),
                            *cell(c, r, 3) ? cell(c, r, 3) : NULL, now);
    case 't':
        return jszg_db_exec(jr, "admin_import_training", NULL, 5,
                            id_cell(c, r, 0, NULL), cell(c, r, 1),
                            cell(c, r, 2),
                            cell(c, r, 3), now);
    case 'e':
        return jszg_db_exec(jr, "admin_import_ethics", NULL, 5,
                            id_cell(c, r, 0, NULL),
                            cell(c, r, 1), cell(c, r, 2),
                            *cell(c, r, 3) ? cell(c, r, 3) : NULL, now);
    default:
        return jszg_db_exec(jr, "admin_import_identity", NULL, 4,
                            cell(c, r, 0), id_cell(c, r, 1, cell(c, r, 0)),
                            cell(c, r, 2),
                            now);
    }
}

/* ---- pages --------------------------------------------------------------- */

static json_t *kinds_json(jszg_req *jr, jszg_staff *st, const char *sel)
{
    json_t *a = jszg_pool_json(jr->pool, json_array());
    const import_kind *ik;

    for (ik = kinds; ik->kind; ik++) {
        const char *cols = cols_joined(jr->pool, ik);
        if (!(ik->roles & st->role))
            continue;
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b}", "kind",
                              ik->kind, "title", ik->title, "columns", cols,
                              "selected", sel && !strcmp(sel, ik->kind)));
    }
    return a;
}

static int import_page(jszg_req *jr, jszg_staff *st, int status,
                       const char *sel, json_t *report)
{
    json_t *d = jszg_admin_data(jr, st, "数据导入", "import");
    json_t *hist;
    int rc;

    rc = jszg_db_rows(jr, "admin_import_history", &hist, 2,
                      apr_itoa(jr->pool, st->role), st->id);
    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc);
    jszg_admin_times(jr, hist, "created_at");
    json_object_set(d, "kinds", kinds_json(jr, st, sel));
    json_object_set(d, "history", hist);
    if (report)
        json_object_set(d, "report", report);
    return jszg_render_layout(jr, status, "admin/import", "admin/layout", d);
}

int jszg_admin_import_page(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);

    return import_page(jr, st, HTTP_OK, NULL, NULL);
}

static const char *sha256_hex(apr_pool_t *p, const char *buf, apr_size_t n)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    char *hex = apr_palloc(p, 2 * sizeof(md) + 1);
    apr_size_t i;

    SHA256((const unsigned char *)buf, n, md);
    for (i = 0; i < sizeof(md); i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return hex;
}

static int record_batch(check_t *c, const char *filename, const char *sha,
                        int total, const char *state)
{
    char *errs = json_dumps(c->errors, JSON_COMPACT);
    int rc = jszg_db_exec(c->jr, "admin_import_batch", NULL, 10,
                          c->ik->kind, filename, sha, c->st->id,
                          jszg_now_str(c->jr), apr_itoa(c->jr->pool, total),
                          apr_itoa(c->jr->pool, c->nbad + c->nfile), state,
                          strcmp(state, "applied") ? NULL
                                                   : jszg_now_str(c->jr),
                          errs ? errs : "[]");
    free(errs);
    return rc;
}

/* The batch row and the audit row of a check, together or not at all. */
static int log_check(check_t *c, const char *filename, const char *sha,
                     int rows, const char *mode)
{
    int rc = jszg_db_begin(c->jr);

    if (rc != JSZG_DB_OK)
        return rc;
    if ((rc = record_batch(c, filename, sha, rows,
                           strcmp(mode, "dry") ? "failed" : "checked"))
        == JSZG_DB_OK)
        rc = jszg_admin_audit(c->jr, c->st,
                              apr_pstrcat(c->jr->pool, "import.", mode, NULL),
                              c->ik->kind,
                              apr_psprintf(c->jr->pool, "%s: %d rows, %d bad",
                                           filename, rows,
                                           c->nbad + c->nfile));
    if (rc != JSZG_DB_OK) {
        jszg_db_rollback(c->jr);
        return rc;
    }
    return jszg_db_commit(c->jr);
}

/* Every row, the batch row ("applied") and the audit row in one
 * transaction: the first failure undoes everything.  *bad_line is the
 * line of a row that failed, 0 when the batch or audit row did. */
static int apply_rows(check_t *c, apr_array_header_t *recs, int *bad_line,
                      const char *filename, const char *sha, int rows)
{
    const char *now = jszg_now_str(c->jr);
    int i, rc = jszg_db_begin(c->jr);

    if (rc != JSZG_DB_OK)
        return rc;
    for (i = 1; i < recs->nelts && rc == JSZG_DB_OK; i++) {
        const jszg_csv_record *r = &APR_ARRAY_IDX(recs, i, jszg_csv_record);
        if ((rc = write_row(c, r, now)) != JSZG_DB_OK)
            *bad_line = r->line;
    }
    if (rc == JSZG_DB_OK)
        rc = record_batch(c, filename, sha, rows, "applied");
    if (rc == JSZG_DB_OK)
        rc = jszg_admin_audit(c->jr, c->st, "import.apply", c->ik->kind,
                              apr_psprintf(c->jr->pool, "%s: %d rows",
                                           filename, rows));
    if (rc != JSZG_DB_OK) {
        jszg_db_rollback(c->jr);
        return rc;
    }
    return jszg_db_commit(c->jr);
}

/* rows: the data rows read; good: those checked and passed (none when
 * the file itself has a problem: then nothing of it can be imported). */
static json_t *report_json(jszg_req *jr, check_t *c, const char *mode,
                           int rows, const char *outcome)
{
    json_t *r = jszg_pool_json(jr->pool, json_object());
    int good = c->nfile || rows < c->nbad ? 0 : rows - c->nbad;

    json_object_set_new(r, "title", json_string(c->ik->title));
    json_object_set_new(r, "dry", json_boolean(!strcmp(mode, "dry")));
    json_object_set_new(r, "rows", json_integer(rows));
    json_object_set_new(r, "bad", json_integer(c->nbad));
    json_object_set_new(r, "good", json_integer(good));
    json_object_set(r, "errors", c->errors);
    json_object_set_new(r, "more", json_boolean(c->nbad > MAX_REPORTED));
    json_object_set_new(r, "outcome", json_string(outcome));
    json_object_set_new(r, "ok", json_boolean(!c->nbad && !c->nfile));
    return r;
}

/* The header and every data row of recs. */
static void check_records(check_t *c, apr_array_header_t *recs)
{
    int i;

    if (!recs || !recs->nelts)
        return;
    if (map_header(c, &APR_ARRAY_IDX(recs, 0, jszg_csv_record)) != 0)
        return;
    for (i = 1; i < recs->nelts && !c->db_rc; i++)
        check_row(c, &APR_ARRAY_IDX(recs, i, jszg_csv_record));
}

int jszg_admin_import_post(jszg_req *jr)
{
    jszg_staff *st = jszg_admin_staff(jr);
    check_t c;
    const jszg_form_field *file = jszg_form_find(jr->form, "file");
    const char *mode = jszg_field(jr, "mode"), *text, *sha, *outcome;
    apr_array_header_t *recs;
    apr_size_t len;
    jszg_csv_status cs;
    int rc, line, rows;

    memset(&c, 0, sizeof(c));
    c.jr = jr;
    c.st = st;
    c.ik = kind_of(jszg_field(jr, "kind"));
    c.errors = jszg_pool_json(jr->pool, json_array());
    if (!c.ik || !(c.ik->roles & st->role))
        return jszg_admin_error(jr, st, HTTP_BAD_REQUEST, "kind_invalid",
                                "请选择您可以导入的数据类型。");
    if (!mode || (strcmp(mode, "dry") && strcmp(mode, "apply")))
        mode = "dry";
    if (!file || !file->filename || !file->len)
        return jszg_admin_error(jr, st, HTTP_BAD_REQUEST, "file_required",
                                "请选择要导入的CSV文件。");
    c.seen = apr_hash_make(jr->pool);
    c.regions = apr_hash_make(jr->pool);
    c.persons = apr_hash_make(jr->pool);
    c.today = jszg_wz_today(jr);
    c.year = atoi(c.today);
    sha = sha256_hex(jr->pool, file->value, file->len);
    text = to_utf8(jr->pool, file->value, file->len, &len);
    if (!text) {
        file_error(&c, 0, jszg_csv_status_message(JSZG_CSV_BAD_UTF8));
        return import_page(jr, st, HTTP_BAD_REQUEST, c.ik->kind,
                           report_json(jr, &c, mode, 0, "文件无法读取"));
    }
    cs = jszg_csv_parse(jr->pool, text, len, NULL, &recs, &line);
    rows = recs && recs->nelts ? recs->nelts - 1 : 0;
    if (cs != JSZG_CSV_OK) {
        /* the rows before the problem are still checked and listed */
        check_records(&c, recs);
        if (c.db_rc)
            return jszg_db_status(c.db_rc);
        file_error(&c, line, jszg_csv_status_message(cs));
        return import_page(jr, st, HTTP_BAD_REQUEST, c.ik->kind,
                           report_json(jr, &c, mode, rows, "文件格式错误"));
    }
    check_records(&c, recs);
    if (c.db_rc)
        return jszg_db_status(c.db_rc);
    if (!rows && !c.nfile)
        file_error(&c, 1, "文件中只有表头，没有数据行");

    if (!strcmp(mode, "dry") || c.nbad || c.nfile) {
        int bad = c.nbad || c.nfile;
        outcome = bad ? (strcmp(mode, "dry")
                            ? "文件中有错误，未导入任何数据" : "检查未通过")
                       : "检查通过，可以导入";
        if ((rc = log_check(&c, file->filename, sha, rows, mode))
            != JSZG_DB_OK)
            return jszg_db_status(rc);
        return import_page(jr, st, bad ? HTTP_UNPROCESSABLE_ENTITY
                                       : HTTP_OK, c.ik->kind,
                           report_json(jr, &c, mode, rows, outcome));
    }
    line = 0;
    rc = apply_rows(&c, recs, &line, file->filename, sha, rows);
    if (rc != JSZG_DB_OK) {
        if (rc == JSZG_DB_DOWN)
            return HTTP_SERVICE_UNAVAILABLE;
        file_error(&c, line, line ? "写入数据库失败（与已有数据冲突），"
                                    "已撤销本次导入的全部数据"
                                  : "写入数据库失败，已撤销本次导入的全部数据");
        /* a record that the try failed: a statement of its own */
        record_batch(&c, file->filename, sha, rows, "failed");
        return import_page(jr, st, HTTP_UNPROCESSABLE_ENTITY, c.ik->kind,
                           report_json(jr, &c, mode, rows, "导入失败"));
    }
    return import_page(jr, st, HTTP_OK, c.ik->kind,
                       report_json(jr, &c, mode, rows,
                                   apr_psprintf(jr->pool, "已导入%d行", rows)));
}
