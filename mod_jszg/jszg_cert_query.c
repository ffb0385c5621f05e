/*
 * jszg_cert_query.c -- the public 证书查询 (manual §2.2): a certificate by
 * holder's name, 证件号码 and 证书号码, with its registrations and any
 * restriction, at most JSZG_CERT_QUERY_LIMIT queries per IP in the
 * window.  Not part of the wizard; it shares the services' helpers
 * (jszg_wizard_int.h).  The handler is jszg_page_cert.c.
 */
#include "jszg_wizard_int.h"
#include "jszg_idcard.h"
#include "jszg_rate.h"

int jszg_cert_rate_ok(jszg_req *jr, jszg_fail *f)
{
    const char *ip = jr->r->useragent_ip ? jr->r->useragent_ip : "-";
    int n, rc = jszg_rate_count(jr, "cert_query", ip,
                                (apr_int64_t)apr_time_sec(jr->now)
                                - JSZG_CERT_QUERY_WINDOW, &n);

    if (rc != JSZG_DB_OK)
        return rc;
    if (n >= JSZG_CERT_QUERY_LIMIT)
        return jszg_refuse(f, HTTP_TOO_MANY_REQUESTS, "too_many_queries",
                           "查询过于频繁，请10分钟后再试。");
    return JSZG_DB_OK;
}

int jszg_cert_query(jszg_req *jr, const char *name, const char *id_number,
                    const char *cert_no, json_t **result, jszg_fail *f)
{
    const char *ip = jr->r->useragent_ip ? jr->r->useragent_ip : "-";
    json_t *cert, *hist;
    char *up;
    int year, rc;

    *result = NULL;
    name = trim(jr->pool, name);
    id_number = trim(jr->pool, id_number);
    cert_no = trim(jr->pool, cert_no);
    jszg_beijing_now(jr, &year);
    if (!text_ok(name, 30))
        jszg_fail_field(f, "name", "bad_name", "请输入持证人姓名。");
    if (strlen(id_number) < 5 || strlen(id_number) > 32
        || strpbrk(id_number, "<> "))
        jszg_fail_field(f, "id_number", "bad_id_number",
                        "请输入正确的证件号码。");
    if (!jszg_certno_valid(cert_no, year))
        jszg_fail_field(f, "cert_no", "bad_cert_no",
                        "证书号码应为15位或17位数字。");
    if (jszg_fail_nfields(f))
        return refuse_fields(f);
    if ((rc = jszg_cert_rate_ok(jr, f)) != JSZG_DB_OK)
        return rc;
    /* every attempt counts against the IP, hit or miss */
    rc = jszg_rate_add(jr, "cert_query", ip);
    if (rc != JSZG_DB_OK)
        return rc;
    up = apr_pstrdup(jr->pool, id_number);
    ap_str_toupper(up);
    rc = jszg_db_row(jr, "cert_query", &cert, 3, cert_no,
                     apr_pstrdup(jr->pool, id_number), name);
    if (rc == JSZG_DB_NOTFOUND && strchr(id_number, 'x'))
        rc = jszg_db_row(jr, "cert_query", &cert, 3, cert_no, up, name);
    if (rc == JSZG_DB_NOTFOUND)
        return jszg_refuse(f, HTTP_NOT_FOUND, "no_match",
                           "未查询到相关证书信息，请核对姓名、证件号码和证书号码"
                           "是否与证书一致。");
    if (rc != JSZG_DB_OK)
        return rc;
    /* the registrations of this holder only */
    if ((rc = jszg_db_rows(jr, "wz_cert_history", &hist, 3, cert_no, up,
                           up)) != JSZG_DB_OK)
        return rc;
    json_object_set(cert, "history", hist);
    if (jszg_wz_restriction_message(S(cert, "status")))
        json_object_set_new(cert, "restriction", json_string(
            jszg_wz_restriction_message(S(cert, "status"))));
    *result = cert;
    return JSZG_DB_OK;
}
