/*
 * jszg_page_home.c -- 首页, the business entry (在线办理), and the small
 * foundation APIs (CSRF token, health).
 */
#include "jszg_private.h"
#include "jszg_admin.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"

/* The home page's two lists are the same for every visitor, and the home
 * page is what the peak hits first: each child keeps the rows it read,
 * as shared read-only JSON, for JszgHomeCacheSeconds (default 2 s), so
 * that a busy child reads them once per interval instead of twice per
 * request (README "Benchmarks").  News and notices are written by the
 * operators' SQL (sql/seed, their own tools), not through the module, so
 * no write here can tell the children: the delay before a new item shows
 * on the home page is that interval, on every front end (the news and
 * notices pages themselves read the database on every request).
 * Threads of a child share the copy: jansson's reference counts are
 * atomic, and a page only reads it; the mutex guards the swap. */
static struct {
    apr_thread_mutex_t *mu;
    json_t *news, *notices;         /* with their hrefs, never modified */
    apr_time_t until;
} home_cache;

static apr_status_t home_cache_cleanup(void *dummy)
{
    (void)dummy;
    json_decref(home_cache.news);
    json_decref(home_cache.notices);
    home_cache.news = home_cache.notices = NULL;
    home_cache.mu = NULL;           /* destroyed with the same pool */
    return APR_SUCCESS;
}

void jszg_home_child_init(apr_pool_t *pchild)
{
    if (apr_thread_mutex_create(&home_cache.mu, APR_THREAD_MUTEX_DEFAULT,
                                pchild) != APR_SUCCESS)
        home_cache.mu = NULL;       /* no cache then */
    else
        apr_pool_cleanup_register(pchild, NULL, home_cache_cleanup,
                                  apr_pool_cleanup_null);
}

static int cached_lists(json_t **news, json_t **notices)
{
    int hit = 0;

    if (!home_cache.mu || apr_thread_mutex_lock(home_cache.mu))
        return 0;
    if (home_cache.news && apr_time_now() < home_cache.until) {
        *news = json_incref(home_cache.news);
        *notices = json_incref(home_cache.notices);
        hit = 1;
    }
    apr_thread_mutex_unlock(home_cache.mu);
    return hit;
}

static void keep_lists(int seconds, json_t *news, json_t *notices)
{
    json_t *old_news, *old_notices;

    if (!home_cache.mu || apr_thread_mutex_lock(home_cache.mu))
        return;
    old_news = home_cache.news;
    old_notices = home_cache.notices;
    home_cache.news = json_incref(news);
    home_cache.notices = json_incref(notices);
    home_cache.until = apr_time_now() + apr_time_from_sec(seconds);
    apr_thread_mutex_unlock(home_cache.mu);
    json_decref(old_news);
    json_decref(old_notices);
}

int jszg_page_home(jszg_req *jr)
{
    json_t *d = jszg_page_data(jr, "首页", "home");
    json_t *news, *notices;
    int rc;

    if (!jr->sc->home_cache || !cached_lists(&news, &notices)) {
        if ((rc = jszg_db_rows(jr, "home_news", &news, 0)) != JSZG_DB_OK)
            return jszg_db_status(rc);
        if ((rc = jszg_db_rows(jr, "home_notices", &notices, 0))
            != JSZG_DB_OK)
            return jszg_db_status(rc);
        jszg_rows_link(jr->pool, news, "/news/");
        jszg_rows_link(jr->pool, notices, "/notices/");
        json_incref(news);          /* jszg_db_rows's belong to the pool */
        json_incref(notices);
        if (jr->sc->home_cache)
            keep_lists(jr->sc->home_cache, news, notices);
    }
    json_object_set_new(d, "news", news);
    json_object_set_new(d, "notices", notices);
    json_object_set_new(d, "csrf", json_string(jszg_csrf_token(jr)));
    return jszg_render(jr, HTTP_OK, "home", d);
}

/* 在线办理: remember which business the applicant came in through (the
 * 业务平台 disables the other one), then on to the login page. */
int jszg_page_enter(jszg_req *jr)
{
    const char *biz = jszg_param(jr, "biz");
    jszg_session *s;

    if (strcmp(biz, "dqzc") && strcmp(biz, "rd"))
        return jszg_error(jr, HTTP_NOT_FOUND, NULL, NULL);
    if (!(s = jszg_session_ensure(jr)))
        return HTTP_SERVICE_UNAVAILABLE;
    json_object_set_new(s->data, "entry", json_string(biz));
    s->dirty = 1;
    return jszg_redirect(jr, s->account_id ? "/platform" : "/login");
}

int jszg_api_csrf(jszg_req *jr)
{
    json_t *body = jszg_pool_json(jr->pool, json_object());

    json_object_set_new(body, "csrf", json_string(jszg_csrf_token(jr)));
    return jszg_json(jr, HTTP_OK, body);
}

/* Liveness for monitors: a real round trip to the database, 503 when it
 * is unreachable. */
int jszg_api_health(jszg_req *jr)
{
    json_t *body = jszg_pool_json(jr->pool, json_object());
    json_t *row;
    int rc = jszg_db_row(jr, "schema_version", &row, 0);

    if (rc != JSZG_DB_OK)
        return jszg_db_status(rc == JSZG_DB_NOTFOUND ? JSZG_DB_DOWN : rc);

    json_object_set_new(body, "status", json_string("ok"));
    json_object_set_new(body, "schema", json_integer(JSZG_SCHEMA_VERSION));
    return jszg_json(jr, HTTP_OK, body);
}

/* The route table as JSON, for developers and for the test that every
 * state-changing route checks CSRF.  Dev mode only. */
/* Who may call a route, as the route table says: "public", "applicant"
 * or "staff:<role>,<role>..." (staff.role names). */
static const char *route_access(apr_pool_t *p, int flags)
{
    static const struct { int role; const char *name; } names[] = {
        { JSZG_ROLE_POINT, "point" },
        { JSZG_ROLE_INSTITUTION, "institution" },
        { JSZG_ROLE_PROVINCE, "province" },
        { JSZG_ROLE_SYSTEM, "system" } };
    const char *out = "staff:";
    int i, roles = JSZG_R_ROLES(flags), first = 1;

    if (!(flags & JSZG_R_STAFF))
        return (flags & JSZG_R_AUTH) ? "applicant" : "public";
    for (i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
        if (roles & names[i].role) {
            out = apr_pstrcat(p, out, first ? "" : ",", names[i].name,
                              NULL);
            first = 0;
        }
    return out;
}

int jszg_api_routes(jszg_req *jr)
{
    json_t *body, *list;
    const jszg_route *rt;
    int n, i;

    if (jr->sc->mode != JSZG_MODE_DEV)
        return jszg_error(jr, HTTP_NOT_FOUND, NULL, NULL);
    body = jszg_pool_json(jr->pool, json_object());
    list = json_array();
    rt = jszg_routes_all(&n);
    for (i = 0; i < n; i++)
        json_array_append_new(list, json_pack(
            "{s:s, s:s, s:b, s:b, s:b, s:s, s:b}", "method", rt[i].method,
            "pattern", rt[i].pattern,
            "api", (rt[i].flags & JSZG_R_API) != 0,
            "auth", (rt[i].flags & JSZG_R_AUTH) != 0,
            "csrf", (rt[i].flags & JSZG_R_NOCSRF) == 0,
            "access", route_access(jr->pool, rt[i].flags),
            "password_pending", (rt[i].flags & JSZG_R_PWOK) != 0));
    json_object_set_new(body, "routes", list);
    return jszg_json(jr, HTTP_OK, body);
}
