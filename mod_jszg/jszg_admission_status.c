/*
 * jszg_admission_status.c -- the status handler (SetHandler jszg-status):
 * in flight, admitted sessions, the queue, requests per second and
 * rejections by reason, the shared queue as its store sees it; as
 * "key: value" lines like mod_status's ?auto, or JSON with ?json.
 */
#include "jszg_admission_int.h"

#define STATUS_HANDLER  "jszg-status"

static const char *const counter_names[C_COUNT] = {
    "served", "admitted", "queued", "client_rate", "queue_full",
    "forged_ticket", "replayed_ticket", "stale_ticket", "forged_admission",
    "expired_admission", "post_grace", "overdraft", "reclaimed",
    "lock_failed", "shared_fallbacks", "called_on_other_room"
};

typedef struct {
    apr_uint32_t in_flight, waiting, sessions, pending, limited_clients;
    apr_uint64_t queue_length, head, next, called, skipped, evictions;
    apr_uint32_t served_ps, admitted_ps;
    apr_uint64_t counters[C_COUNT];
    json_t *procs;
    json_t *shared;
} adm_snapshot;

static void snapshot(adm_snapshot *s)
{
    apr_time_t now = apr_time_now();
    apr_int64_t secs = apr_time_sec(now);
    jszg_queue *q = sh_queue();
    int i, n = 0;

    memset(s, 0, sizeof(*s));
    s->procs = json_array();
    if (!jszg_gate_lock())
        return;
    jszg_gate_sweep_if_due();
    s->in_flight = apr_atomic_read32(&jszg_rt.sh->in_flight);
    s->waiting = apr_atomic_read32(&jszg_rt.sh->waiting);
    s->sessions = jszg_adset_count(sh_sessions(), secs, jszg_rt.lifetime);
    s->pending = jszg_queue_pending(q, secs, &adm_timing);
    s->queue_length = jszg_queue_waiting(q);
    s->head = s->queue_length ? q->called + 1 : 0;
    s->next = q->next;
    s->called = q->called;
    s->skipped = q->skipped;
    s->evictions = sh_clients()->evictions;
    if (jszg_rt.client_limited)
        s->limited_clients = jszg_tb_table_limited(sh_clients(),
                                                   &jszg_rt.client,
                                                   now);
    /* per second: the average over the last 5 whole seconds */
    for (i = 0; i < ADM_SECS; i++) {
        const adm_second *sec = &jszg_rt.sh->secs[i];
        if (sec->sec < secs && sec->sec >= secs - 5) {
            s->served_ps += sec->served;
            s->admitted_ps += sec->admitted;
        }
    }
    s->served_ps /= 5;
    s->admitted_ps /= 5;
    for (i = 0; i < ADM_PROCS; i++) {
        const adm_proc *p = &jszg_rt.sh->procs[i];
        if (p->pid && n++ < 256)
            json_array_append_new(s->procs,
                                  json_pack("{s:I, s:I}", "pid",
                                            (json_int_t)p->pid, "in_flight",
                                            (json_int_t)p->in_flight));
    }
    jszg_gate_unlock();
    for (i = 0; i < C_COUNT; i++)
        s->counters[i] = apr_atomic_read64(&jszg_rt.sh->counters[i]);
}


static json_t *status_json(const adm_snapshot *s)
{
    json_t *j = json_object(), *rej = json_object(), *tot = json_object();
    int i;

    json_object_set_new(j, "enabled", json_boolean(jszg_rt.enabled));
    json_object_set_new(j, "max_in_flight",
                        json_integer(jszg_rt.max_in_flight));
    json_object_set_new(j, "reserved", json_integer(jszg_rt.reserve));
    json_object_set_new(j, "in_flight", json_integer(s->in_flight));
    json_object_set_new(j, "admitted_waiting", json_integer(s->waiting));
    json_object_set_new(j, "admitted_sessions", json_integer(s->sessions));
    json_object_set_new(j, "queue_length",
                        json_integer((json_int_t)s->queue_length));
    json_object_set_new(j, "head_ticket", json_integer((json_int_t)s->head));
    json_object_set_new(j, "next_ticket", json_integer((json_int_t)s->next));
    json_object_set_new(j, "called", json_integer((json_int_t)s->called));
    json_object_set_new(j, "called_pending", json_integer(s->pending));
    json_object_set_new(j, "abandoned_skipped",
                        json_integer((json_int_t)s->skipped));
    json_object_set_new(j, "served_per_sec", json_integer(s->served_ps));
    json_object_set_new(j, "admitted_per_sec",
                        json_integer(s->admitted_ps));
    json_object_set_new(j, "limited_clients",
                        json_integer(s->limited_clients));
    json_object_set_new(j, "client_table_evictions",
                        json_integer((json_int_t)s->evictions));
    for (i = 0; i < C_COUNT; i++) {
        json_t *into = (i >= C_LIMITED && i <= C_EXPIRED_ADMISSION) ? rej
                                                                    : tot;
        json_object_set_new(into, counter_names[i],
                            json_integer((json_int_t)s->counters[i]));
    }
    json_object_set_new(j, "rejected", rej);
    json_object_set_new(j, "totals", tot);
    if (s->shared)
        json_object_set_new(j, "shared", s->shared);
    json_object_set_new(j, "processes", s->procs);
    return j;
}

static const char *status_text(apr_pool_t *p, json_t *j)
{
    const char *key;
    json_t *v;
    apr_array_header_t *lines = apr_array_make(p, 32, sizeof(char *));

    /* key: value, nested objects flattened with a dot: like ?auto of
     * mod_status, easy for scripts and people alike */
    json_object_foreach(j, key, v) {
        if (json_is_object(v)) {
            const char *k2;
            json_t *v2;
            json_object_foreach(v, k2, v2)
                APR_ARRAY_PUSH(lines, char *) =
                    json_is_string(v2)
                    ? apr_psprintf(p, "%s.%s: %s\n", key, k2,
                                   json_string_value(v2))
                    : apr_psprintf(p, "%s.%s: %" APR_INT64_T_FMT "\n",
                                   key, k2,
                                   (apr_int64_t)json_integer_value(v2));
        }
        else if (json_is_integer(v))
            APR_ARRAY_PUSH(lines, char *) =
                apr_psprintf(p, "%s: %" APR_INT64_T_FMT "\n", key,
                             (apr_int64_t)json_integer_value(v));
        else if (json_is_boolean(v))
            APR_ARRAY_PUSH(lines, char *) =
                apr_psprintf(p, "%s: %s\n", key,
                             json_is_true(v) ? "on" : "off");
    }
    return apr_array_pstrcat(p, lines, '\0');
}

int jszg_gate_status(request_rec *r)
{
    adm_snapshot s;
    json_t *j;

    if (!r->handler || strcmp(r->handler, STATUS_HANDLER))
        return DECLINED;
    r->allowed = AP_METHOD_BIT << M_GET;
    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    if (!jszg_rt.sh)
        return HTTP_SERVICE_UNAVAILABLE;
    snapshot(&s);
    if (jszg_rt.shared)
        s.shared = jszg_gate_shared_status(r);
    j = status_json(&s);
    if (r->args && !strcmp(r->args, "json"))
        return jszg_gate_write_json(r, HTTP_OK, j);
    {
        const char *text = status_text(r->pool, j);
        json_decref(j);
        return jszg_gate_write_answer(r, HTTP_OK,
                                      "text/plain; charset=utf-8", text);
    }
}
