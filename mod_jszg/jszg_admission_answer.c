/*
 * jszg_admission_answer.c -- what the gate answers instead of the page:
 * the waiting page (503, served from memory under the site's header, its
 * numbers filled into the built-in or JszgQueueTemplate's text), 429
 * with Retry-After, "queue full", and their JSON for API clients and
 * queue.js; the wait estimate from the admissions of the last minute.
 */
#include "jszg_admission_int.h"

const char *const jszg_gate_tpl_names[] = {
    "position", "wait_seconds", "wait_minutes", "refresh", "ticket", NULL
};

/* The site's header (templates/layout.html without the search form and
 * the user bar, which would need the session): people in the waiting
 * room see where they are. */
#define ADM_SITE_HEADER \
    "<header class=\"site-header\"><div class=\"wrap header-row\">\n" \
    "<a class=\"brand\" href=\"/\">" \
    "<span class=\"brand-emblem\" aria-hidden=\"true\">资</span>" \
    "<span class=\"brand-text\"><span class=\"brand-name\">中国教师资格网" \
    "</span><span class=\"brand-url\">www.jszg.edu.cn</span></span>" \
    "</a>\n</div></header>\n"

/* The waiting page: numbers are the only thing ever filled in. */
const char jszg_gate_default_tpl[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"/>\n"
    "<meta http-equiv=\"refresh\" content=\"{{refresh}}\"/>\n"
    "<meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\"/>\n"
    "<title>排队等候 - 中国教师资格网</title>\n"
    "<link rel=\"stylesheet\" href=\"/static/css/site.css\"/>\n"
    "<script src=\"/static/js/queue.js\" defer=\"defer\"></script>\n"
    "</head><body>\n"
    ADM_SITE_HEADER
    "<main class=\"queue\" id=\"jszg-queue\" data-poll=\"/api/v1/queue\" "
    "data-interval=\"3\">\n"
    "<h1>访问人数较多，请稍候</h1>\n"
    "<p>当前访问人数较多，系统已为您保留排队位置。请不要关闭本页面，"
    "轮到您时将自动进入您要访问的页面。</p>\n"
    "<p>当前排队位置：第 <strong id=\"jszg-queue-position\">{{position}}"
    "</strong> 位</p>\n"
    "<p>预计等待时间：约 <strong id=\"jszg-queue-wait\">{{wait_minutes}}"
    "</strong> 分钟</p>\n"
    "<p class=\"queue-ticket\">排队号：{{ticket}}</p>\n"
    "<p class=\"queue-note\">本页面每 {{refresh}} 秒自动刷新；"
    "离开本页面超过一分钟将失去排队位置。</p>\n"
    "</main></body></html>\n";

static const char page_429[] =
    "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"/>"
    "<title>操作过于频繁 - 中国教师资格网</title>"
    "<link rel=\"stylesheet\" href=\"/static/css/site.css\"/></head>"
    "<body>" ADM_SITE_HEADER "<main class=\"queue\"><h1>操作过于频繁</h1>"
    "<p>您的操作过于频繁，请稍后再试。</p></main></body></html>\n";

static const char page_full[] =
    "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"/>"
    "<meta http-equiv=\"refresh\" content=\"60\"/>"
    "<title>系统繁忙 - 中国教师资格网</title>"
    "<link rel=\"stylesheet\" href=\"/static/css/site.css\"/></head>"
    "<body>" ADM_SITE_HEADER "<main class=\"queue\"><h1>系统繁忙</h1>"
    "<p>当前排队人数已满，请稍后再试。本页面将在一分钟后自动刷新。</p>"
    "</main></body></html>\n";

static void common_headers(request_rec *r)
{
    jszg_security_headers(r);
    jszg_no_store(r);
}

int jszg_gate_write_answer(request_rec *r, int status, const char *ct,
                        const char *body)
{
    apr_size_t len = strlen(body);

    common_headers(r);
    return jszg_send(r, status, ct, body, len);
}

int jszg_gate_write_json(request_rec *r, int status, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    int rc;

    json_decref(j);
    if (!s)
        return HTTP_INTERNAL_SERVER_ERROR;
    rc = jszg_gate_write_answer(r, status, JSON_CT, apr_pstrdup(r->pool, s));
    free(s);
    return rc;
}

/* Seconds until a waiting ticket is likely called: its position over
 * the rate of admissions, measured from the first admission of the last
 * minute (10 s per place before any).  Over the whole minute, a wave's
 * first admissions would look like a trickle (1 in 60 s when it was 1 in
 * the last 2 s), and the estimate would jump up as the queue moved. */
apr_int64_t jszg_gate_estimate_wait(apr_uint64_t position)
{
    apr_int64_t now = apr_time_sec(apr_time_now()), admitted = 0;
    apr_int64_t first = now;
    int i;

    if (!jszg_gate_lock())
        return (apr_int64_t)position * 10;
    for (i = 0; i < ADM_SECS; i++) {
        const adm_second *s = &jszg_rt.sh->secs[i];
        if (s->sec < now && s->sec >= now - 60 && s->admitted) {
            admitted += s->admitted;
            if (s->sec < first)
                first = s->sec;
        }
    }
    jszg_gate_unlock();
    if (!admitted)
        return (apr_int64_t)position * 10;
    return ((apr_int64_t)position * (now - first) + admitted - 1) / admitted;
}

static int wants_json(adm_req *ar)
{
    const char *accept = apr_table_get(ar->r->headers_in, "Accept");

    return ar->is_api || ar->poll
           || (accept && strstr(accept, "application/json")
               && !strstr(accept, "text/html"));
}

json_t *jszg_gate_error_json(const char *code, const char *message)
{
    return json_pack("{s:{s:s, s:s}}", "error", "code", code, "message",
                     message);
}

int jszg_gate_answer_limited(adm_req *ar)
{
    request_rec *r = ar->r;
    apr_int64_t secs = apr_time_sec(ar->retry + APR_USEC_PER_SEC - 1);

    SH_COUNT(C_LIMITED);
    apr_table_setn(r->subprocess_env, "JSZG_ADM", "limited");
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_psprintf(r->pool, "%" APR_INT64_T_FMT,
                                secs > 0 ? secs : 1));
    if (wants_json(ar))
        return jszg_gate_write_json(
            r, HTTP_TOO_MANY_REQUESTS,
            jszg_gate_error_json("too_many_requests",
                                 "您的操作过于频繁，请稍后再试。"));
    return jszg_gate_write_answer(r, HTTP_TOO_MANY_REQUESTS, HTML_CT,
                                  page_429);
}

int jszg_gate_answer_full(adm_req *ar)
{
    SH_COUNT(C_QUEUE_FULL);
    apr_table_setn(ar->r->subprocess_env, "JSZG_ADM", "full");
    apr_table_setn(ar->r->err_headers_out, "Retry-After", "60");
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, ar->r, JSZGLOGNO(15023)
                  "waiting room full: no ticket given");
    if (wants_json(ar))
        return jszg_gate_write_json(
            ar->r, HTTP_SERVICE_UNAVAILABLE,
            jszg_gate_error_json("queue_full",
                                 "当前排队人数已满，请稍后再试。"));
    return jszg_gate_write_answer(ar->r, HTTP_SERVICE_UNAVAILABLE, HTML_CT,
                                  page_full);
}

void jszg_gate_ticket_out(adm_req *ar)
{
    if (ar->ticket)
        jszg_gate_set_cookie(ar, TICKET_COOKIE, ar->ticket, ADM_TICKET_TTL);
    apr_table_setn(ar->r->subprocess_env, "JSZG_TICKET",
                   apr_psprintf(ar->r->pool, "%" APR_UINT64_T_FMT, ar->seq));
}

/* JSZG_ORDER: where this request's decision falls among all the local
 * queue's decisions (they are made under the mutex, one at a time), so
 * that the access log can show the queue was served in order
 * (bench/admission/fifo.py). */
void jszg_gate_order_out(adm_req *ar, const char *outcome)
{
    apr_table_setn(ar->r->subprocess_env, "JSZG_ADM", outcome);
    if (ar->order)
        apr_table_setn(ar->r->subprocess_env, "JSZG_ORDER",
                       apr_psprintf(ar->r->pool, "%" APR_UINT64_T_FMT,
                                    ar->order));
}

json_t *jszg_gate_queue_json(adm_req *ar, apr_int64_t wait)
{
    return json_pack("{s:s, s:s?, s:I, s:I, s:I, s:I}",
                     "status", "waiting",
                     "ticket", ar->ticket ? ar->ticket : ar->ticket_in,
                     "number", (json_int_t)ar->seq,
                     "position", (json_int_t)ar->position,
                     "estimate", (json_int_t)wait,
                     "retry_after", (json_int_t)ADM_POLL);
}

/* The waiting room: the same URL again, until called. */
int jszg_gate_answer_wait(adm_req *ar)
{
    request_rec *r = ar->r;
    apr_int64_t wait = jszg_gate_estimate_wait(ar->position);

    SH_COUNT(C_QUEUED);
    jszg_gate_ticket_out(ar);
    jszg_gate_order_out(ar, "queued");
    /* One number per answer: a JSON client is told retry_after (the
     * poll interval) in the body and in Retry-After alike; the page's
     * Retry-After is its own refresh. */
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_psprintf(r->pool, "%d", wants_json(ar) ? ADM_POLL
                                                              : ADM_REFRESH));
    if (wants_json(ar)) {
        json_t *j = jszg_gate_error_json(
            "queued", "系统繁忙，您已进入排队，请按 "
                      "Retry-After 稍后重试并带上排队凭证。");
        json_object_set_new(j, "queue", jszg_gate_queue_json(ar, wait));
        return jszg_gate_write_json(r, HTTP_SERVICE_UNAVAILABLE, j);
    }
    {
        apr_int64_t v[5];
        v[0] = (apr_int64_t)ar->position;
        v[1] = wait;
        v[2] = (wait + 59) / 60;
        v[3] = ADM_REFRESH;
        v[4] = (apr_int64_t)ar->seq;
        return jszg_gate_write_answer(
            r, HTTP_SERVICE_UNAVAILABLE, HTML_CT,
            jszg_tpl_fill(r->pool, jszg_rt.tpl, jszg_gate_tpl_names, v));
    }
}
