/*
 * jszg_admission.c -- peak-load smoothing, the httpd glue.
 *
 *
 * What a dynamic request (r->handler "jszg") goes through, in a handler
 * hook that runs before jszg_handle (APR_HOOK_REALLY_FIRST):
 *   1. exempt paths and internal redirects pass untouched;
 *   2. the client's token bucket (429 + Retry-After when empty);
 *   3. a request with a valid signed admission cookie (jszg_adm) goes in,
 *      waiting for a free slot when JszgMaxInFlight are busy;
 *   4. anyone else is a new arrival: admitted at once when nobody waits
 *      and there is room, else given a signed ticket (jszg_qt) and the
 *      waiting page (503) -- the same URL, refreshed, until called.
 * The slot is given back by a cleanup on the request pool, so it is
 * released whatever the handler did, at the moment mod_dbd gives back the
 * database connection (also a request pool cleanup).
 *
 * State lives in one shared memory segment made in post_config and kept
 * across restarts in ap_retained_data; the in-flight counter is an APR
 * atomic, everything else changes under one global mutex.  The pure parts
 * (bucket arithmetic, tickets, queue model) are jszg_tokenbucket.c and
 * jszg_ticket.c.
 *
 * This file is the gate and what a request brings to it (admission
 * cookie, ticket, client address); the other rooms are listed in
 * jszg_admission_int.h.
 */
#include "jszg_admission_int.h"
#include "jszg_admission_body.h"

#include "http_core.h"
#include "apr_network_io.h"

#define QUEUE_API       "/api/v1/queue"

/* Paths the gate never holds: the waiting page's own assets (when
 * /static is served by this handler too) and the icon every browser asks
 * for beside the page -- a ticket for it would replace the page's. */
static const char *const adm_asset_paths[] = {
    "/favicon.ico", "/static/", NULL
};

static apr_int64_t wall_secs(adm_req *ar)
{
    const char *t;

    /* JszgTestClock (refused in production mode) moves cookie time, never
     * the buckets or the queue, which run on the real clock. */
    if (ar->sc->test_clock == 1
        && (t = apr_table_get(ar->r->headers_in, "X-Jszg-Test-Now"))) {
        apr_int64_t secs = apr_atoi64(t);
        if (secs > 0)
            return secs;
    }
    return apr_time_sec(ar->now);
}

static int proxy_trusted(request_rec *r)
{
    const apr_array_header_t *nets = jszg_rt.conf->proxies;
    int i;

    for (i = 0; nets && i < nets->nelts; i++)
        if (apr_ipsubnet_test(APR_ARRAY_IDX(nets, i, apr_ipsubnet_t *),
                              r->useragent_addr))
            return 1;
    return 0;
}

/* The client: the peer, or behind a trusted proxy the last address that
 * proxy put in the header (it appends the peer it saw).  For a chain of
 * proxies, use mod_remoteip: r->useragent_ip is what it found. */
static void client_key(adm_req *ar)
{
    request_rec *r = ar->r;
    const char *ip = r->useragent_ip, *h;

    if (jszg_rt.conf->proxy_header && r->useragent_addr && proxy_trusted(r)
        && (h = apr_table_get(r->headers_in, jszg_rt.conf->proxy_header))) {
        const char *last = strrchr(h, ',');
        char *cand = apr_pstrdup(r->pool, last ? last + 1 : h);
        char *end;

        while (*cand == ' ' || *cand == '\t')
            cand++;
        end = cand + strlen(cand);
        while (end > cand && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (!jszg_tb_key_from_ip(cand, ar->key)) {
            ar->have_key = 1;
            return;
        }
    }
    ar->have_key = !jszg_tb_key_from_ip(ip, ar->key);
}

/*
 * The per-address budget of captcha images (JszgCaptchaRate): drawing one
 * costs tens of milliseconds of CPU, and anyone may ask for them.  A token
 * bucket per client in shared memory: no database write, whatever the
 * number of requests.  Returns 1 when the image may be drawn, else 0 with
 * *wait the time until it may.  Admission control need not be on.
 */
int jszg_gate_captcha_take(request_rec *r, apr_interval_time_t *wait)
{
    adm_req ar;
    int ok;

    *wait = 0;
    if (!jszg_rt.sh || !jszg_rt.captcha_limited)
        return 1;
    memset(&ar, 0, sizeof(ar));
    ar.r = r;
    client_key(&ar);
    if (!ar.have_key)
        return 1;
    if (!jszg_gate_lock())
        return 1;               /* fail open, as the gate does */
    ok = jszg_tb_table_take(sh_captcha(), ar.key, &jszg_rt.captcha,
                            apr_time_now(), 0, wait);
    jszg_gate_unlock();
    return ok;
}

static const char *cookie(request_rec *r, const char *name)
{
    const char *h = apr_table_get(r->headers_in, "Cookie");

    return h ? jszg_cookie_get(r->pool, h, name) : NULL;
}

/* Read the admission cookie: sets ar->admitted and ar->renew. */
static void read_admission(adm_req *ar)
{
    const char *v = cookie(ar->r, ADM_COOKIE);
    jszg_tk_status st;

    if (!v)
        return;
    st = jszg_admit_decode(jszg_rt.akey, v, &ar->adm);
    if (st != JSZG_TK_OK) {
        SH_COUNT(C_FORGED_ADMISSION);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, ar->r, JSZGLOGNO(15021)
                      "admission cookie %s", st == JSZG_TK_BADMAC
                      ? "with a bad signature" : "malformed");
        return;
    }
    if (ar->adm.expires > ar->wall + jszg_rt.lifetime) {
        /* signed, but for longer than we ever give: a changed lifetime;
         * treat as valid for one lifetime from now */
        ar->adm.expires = ar->wall + jszg_rt.lifetime;
    }
    if (ar->adm.expires >= ar->wall) {
        ar->admitted = 1;
        ar->renew = ar->adm.expires - ar->wall < jszg_rt.lifetime / 2;
        return;
    }
    if (ar->is_post && ar->adm.expires + ADM_POST_GRACE >= ar->wall) {
        SH_COUNT(C_POST_GRACE);
        ar->admitted = 1;
        ar->renew = 1;
        return;
    }
    SH_COUNT(C_EXPIRED_ADMISSION);
}

void jszg_gate_set_cookie(adm_req *ar, const char *name, const char *value,
                       apr_int64_t max_age)
{
    int secure = ar->sc->cookie_secure == JSZG_SECURE_ON
                 || (ar->sc->cookie_secure != JSZG_SECURE_OFF
                     && !strcmp(ap_http_scheme(ar->r), "https"));

    apr_table_addn(ar->r->err_headers_out, "Set-Cookie",
                   apr_psprintf(ar->r->pool, "%s=%s; Path=/; Max-Age=%"
                                APR_INT64_T_FMT "; HttpOnly; SameSite=Lax%s",
                                name, value, max_age,
                                secure ? "; Secure" : ""));
}

static void issue_admission(adm_req *ar, int fresh)
{
    if (fresh && apr_generate_random_bytes((unsigned char *)&ar->adm.id,
                                           sizeof(ar->adm.id))
                 != APR_SUCCESS)
        ar->adm.id = (apr_uint64_t)ar->now;
    ar->adm.expires = ar->wall + jszg_rt.lifetime;
    /* The cookie outlives the admission by the POST grace: an expired
     * admission still carries a form submitted late. */
    jszg_gate_set_cookie(ar, ADM_COOKIE,
                         jszg_admit_encode(ar->r->pool, jszg_rt.akey,
                                           &ar->adm),
                         jszg_rt.lifetime + ADM_POST_GRACE);
}

/* The ticket the client brings, checked: its number, or 0. */
apr_uint64_t jszg_gate_read_ticket(adm_req *ar)
{
    const char *v = apr_table_get(ar->r->headers_in, TICKET_HEADER);
    jszg_ticket t;
    jszg_tk_status st;

    if (!v)
        v = cookie(ar->r, TICKET_COOKIE);
    if (!v)
        return 0;
    ar->ticket_in = v;
    st = jszg_ticket_decode(jszg_rt.tkey, v, &t);
    if (st != JSZG_TK_OK) {
        SH_COUNT(C_FORGED_TICKET);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, ar->r, JSZGLOGNO(15022)
                      "queue ticket refused: %s", st == JSZG_TK_BADMAC
                      ? "bad signature" : "malformed");
        return 0;
    }
    if (t.issued + ADM_TICKET_TTL < apr_time_sec(ar->now))
        ar->tk_kind = TK_NONE;
    else if (t.epoch == jszg_rt.sh->epoch)
        ar->tk_kind = TK_LOCAL;
    else if (jszg_rt.shared && t.epoch == jszg_rt.sh->shared_epoch)
        ar->tk_kind = TK_SHARED;
    if (ar->tk_kind == TK_NONE) {
        SH_COUNT(C_STALE_TICKET);
        return 0;
    }
    return t.seq;
}

/* ---- the gate --------------------------------------------------------- */

static int is_exempt(request_rec *r)
{
    const apr_array_header_t *a = jszg_rt.exempt;
    int i;

    for (i = 0; adm_asset_paths[i]; i++) {
        const char *p = adm_asset_paths[i];
        apr_size_t n = strlen(p);
        if (p[n - 1] == '/' ? !strncmp(r->uri, p, n) : !strcmp(r->uri, p))
            return 1;
    }
    for (i = 0; a && i < a->nelts; i++) {
        const char *p = APR_ARRAY_IDX(a, i, const char *);
        apr_size_t n = strlen(p);
        if (!strncmp(r->uri, p, n)
            && (r->uri[n] == '\0' || r->uri[n] == '/' || p[n - 1] == '/'))
            return 1;
    }
    return 0;
}

static void init_req(adm_req *ar, request_rec *r)
{
    memset(ar, 0, sizeof(*ar));
    ar->r = r;
    ar->sc = jszg_sconf(r);
    ar->now = apr_time_now();
    ar->wall = wall_secs(ar);
    ar->is_api = jszg_uri_is_api(r->uri);
    ar->is_post = r->method_number == M_POST;
    client_key(ar);
    read_admission(ar);
}

/* Someone new is let in (by a page or by the poll): an admission cookie,
 * counted as an admitted session. */
static void admit_new(adm_req *ar)
{
    SH_COUNT(C_ADMITTED);
    issue_admission(ar, 1);
    if (jszg_gate_lock()) {
        jszg_adset_touch(sh_sessions(), ar->adm.id, apr_time_sec(ar->now));
        jszg_gate_count_second(1);
        jszg_gate_unlock();
    }
    if (ar->seq)
        jszg_gate_ticket_out(ar);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, ar->r, JSZGLOGNO(15024)
                  "admitted ticket %" APR_UINT64_T_FMT, ar->seq);
}

/* Let the request through to jszg_handle, holding a slot. */
static int enter(adm_req *ar, int fresh)
{
    request_rec *r = ar->r;

    if (fresh)
        admit_new(ar);
    else if (ar->renew)
        issue_admission(ar, 0);
    if (ar->have_slot)
        jszg_gate_slot_hold(r);
    else
        jszg_gate_slot_wait(r);
    SH_COUNT(C_SERVED);
    jszg_gate_order_out(ar, fresh ? "new" : "admitted");
    return DECLINED;
}

/* GET /api/v1/queue (route JSZG_R_NODB): where am I?  Served from
 * memory, holding no slot (the gate lets the poll through untouched);
 * admits when the ticket is called, then the page reloads and goes in. */
int jszg_api_queue(jszg_req *jr)
{
    request_rec *r = jr->r;
    adm_req ar;
    adm_verdict v;
    json_t *j;

    if (!jszg_rt.enabled || !jszg_rt.sh)
        return jszg_gate_write_json(r, HTTP_OK, json_pack("{s:s}", "status",
                                                "admitted"));
    init_req(&ar, r);
    ar.poll = 1;
    v = jszg_gate_decide(&ar);
    if (v == V_LIMITED)
        return jszg_gate_answer_limited(&ar);
    if (v == V_FULL)
        return jszg_gate_answer_full(&ar);
    if (v == V_ENTER) {
        if (!ar.admitted) {
            admit_new(&ar);
            jszg_gate_order_out(&ar, "new");
        }
        return jszg_gate_write_json(r, HTTP_OK, json_pack("{s:s}", "status",
                                                "admitted"));
    }
    jszg_gate_ticket_out(&ar);
    jszg_gate_order_out(&ar, "queued");
    j = jszg_gate_queue_json(&ar, jszg_gate_estimate_wait(ar.position));
    return jszg_gate_write_json(r, HTTP_OK, j);
}

static int adm_gate(request_rec *r)
{
    adm_req ar;
    adm_verdict v;
    int rc;

    if (!r->handler || strcmp(r->handler, "jszg") || r->main || r->prev
        || !jszg_rt.sh)
        return DECLINED;
    /* the poll is the route's (jszg_api_queue): no slot, no queue */
    if (!strcmp(r->uri, QUEUE_API))
        return DECLINED;
    if (!jszg_rt.enabled)
        return DECLINED;
    if (is_exempt(r)) {
        apr_table_setn(r->subprocess_env, "JSZG_ADM", "exempt");
        return DECLINED;
    }
    /* the whole body first: a slow one must never hold a slot */
    if ((rc = jszg_gate_body_read(r)) != DECLINED)
        return rc;
    init_req(&ar, r);
    if (ar.admitted && jszg_rt.shared)
        jszg_gate_shared_client(r); /* publishes this front end's count */
    v = jszg_gate_decide(&ar);
    switch (v) {
    case V_LIMITED:
        return jszg_gate_answer_limited(&ar);
    case V_FULL:
        return jszg_gate_answer_full(&ar);
    case V_WAIT:
        return jszg_gate_answer_wait(&ar);
    default:
        return enter(&ar, !ar.admitted);
    }
}

void jszg_gate_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(jszg_gate_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(jszg_gate_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(jszg_gate_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    /* Before jszg_handle (APR_HOOK_MIDDLE) and before anything else: a
     * refused request must cost no more than this. */
    ap_hook_handler(adm_gate, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_handler(jszg_gate_status, NULL, NULL, APR_HOOK_MIDDLE);
}
