/*
 * jszg_routes.c -- the route table: the one place a URL is mapped to a
 * handler.  Patterns are literal segments and {name} captures of one
 * non-empty segment.
 */
#include "jszg_private.h"
#include "jszg_portal.h"
#include "jszg_account.h"
#include "jszg_wizard.h"
#include "jszg_admin.h"
#include "jszg_admin_orgs.h"
#include "jszg_records.h"
#include "jszg_admission.h"
#include "apr_strings.h"

static const jszg_route routes[] = {
    /* foundation */
    { "GET",  "/",                          jszg_page_home,
      JSZG_R_PUBLIC },
    { "GET",  "/_error",                    jszg_page_error, 0 },
    { "POST", "/_error",                    jszg_page_error, JSZG_R_NOCSRF },
    { "GET",  "/api/v1/csrf",               jszg_api_csrf, JSZG_R_API },
    { "GET",  "/api/v1/health",             jszg_api_health, JSZG_R_API },
    { "POST", "/services/{biz}/enter",      jszg_page_enter, 0 },
    { "GET",  "/dev/routes",                jszg_api_routes, JSZG_R_API },
    { "GET",  "/a11y/mode",                 jszg_page_a11y_mode, 0 },
    /* the waiting room's poll, from shared memory (jszg_admission.c) */
    { "GET",  "/api/v1/queue",              jszg_api_queue,
      JSZG_R_API | JSZG_R_NODB },

    /* public portal: 资格资讯, 网上办事, 公告, 网报时间, 咨询服务 */
    JSZG_PORTAL_ROUTES

    /* accounts: 注册, 登录, 忘记密码, 个人信息中心, 实名核验 */
    JSZG_ACCOUNT_ROUTES

    /* 定期注册: 业务平台, 须知, 网报时间, the wizard, 证书查询 */
    JSZG_WIZARD_ROUTES

    /* back office: /admin/ */
    JSZG_ADMIN_ROUTES
    JSZG_ADMIN_ORGS_ROUTES      /* 注册机构, 确认点, 工作人员 */

    /* after submission: 查询报名信息, 详情, 修改, 申请表, 留言 */
    JSZG_RECORDS_ROUTES

    { NULL, NULL, NULL, 0 }
};

const jszg_route *jszg_routes_all(int *n)
{
    *n = (int)(sizeof(routes) / sizeof(routes[0])) - 1;
    return routes;
}

/* Does `path` match `pattern`?  Captures go into params. */
static int match(apr_pool_t *p, const char *pattern, const char *path,
                 apr_table_t *params)
{
    while (*pattern && *path) {
        if (*pattern == '{') {
            const char *close = strchr(pattern, '}');
            const char *seg_end = strchr(path, '/');
            apr_size_t seglen = seg_end ? (apr_size_t)(seg_end - path)
                                        : strlen(path);
            if (!close || seglen == 0)
                return 0;
            apr_table_setn(params,
                           apr_pstrndup(p, pattern + 1,
                                        close - pattern - 1),
                           apr_pstrndup(p, path, seglen));
            pattern = close + 1;
            path += seglen;
            continue;
        }
        if (*pattern != *path)
            return 0;
        pattern++;
        path++;
    }
    return !*pattern && !*path;
}

const jszg_route *jszg_route_match(apr_pool_t *p, const char *method,
                                   const char *path, apr_table_t *params,
                                   int *path_known)
{
    const jszg_route *rt;

    *path_known = 0;
    for (rt = routes; rt->pattern; rt++) {
        apr_table_clear(params);
        if (!match(p, rt->pattern, path, params))
            continue;
        *path_known |= !strcmp(rt->method, "POST") ? JSZG_KNOWN_POST
                                                   : JSZG_KNOWN_GET;
        if (!strcmp(rt->method, method))
            return rt;
    }
    apr_table_clear(params);
    return NULL;
}
