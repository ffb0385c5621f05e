/*
 * jszg_portal.h -- the public portal: 网上办事 and 办事指南, 资格资讯,
 * 各省注册公告, 各省网报时间查询, 咨询服务, site search, and the JSON
 * APIs behind the 网报时间 dropdowns and the FAQ (docs/api.md).
 *
 * Pages: jszg_page_portal*.c; APIs: jszg_api_portal.c; SQL:
 * jszg_store_portal.c; pagination arithmetic: jszg_pager.c (pure).
 */
#ifndef JSZG_PORTAL_H
#define JSZG_PORTAL_H

#include "jszg_private.h"

/* ---- pages ---------------------------------------------------------- */
int jszg_page_services(jszg_req *jr);
int jszg_page_guide(jszg_req *jr);
int jszg_page_news_list(jszg_req *jr);
int jszg_page_news_item(jszg_req *jr);
int jszg_page_notices_list(jszg_req *jr);
int jszg_page_notice_item(jszg_req *jr);
int jszg_page_windows(jszg_req *jr);
int jszg_page_help(jszg_req *jr);
int jszg_page_faq_list(jszg_req *jr);
int jszg_page_faq_item(jszg_req *jr);
int jszg_page_help_mail(jszg_req *jr);
int jszg_page_help_phone(jszg_req *jr);
int jszg_page_help_contacts(jszg_req *jr);
int jszg_page_help_manual(jszg_req *jr);
int jszg_page_search(jszg_req *jr);

/* ---- JSON APIs (/api/v1/...) ------------------------------------------ */
int jszg_api_provinces(jszg_req *jr);
int jszg_api_cities(jszg_req *jr);
int jszg_api_institutions(jszg_req *jr);
int jszg_api_points(jszg_req *jr);
int jszg_api_window(jszg_req *jr);
int jszg_api_faq_list(jszg_req *jr);
int jszg_api_faq_item(jszg_req *jr);

#define JSZG_PORTAL_ROUTES \
    { "GET", "/services",                   jszg_page_services, 0 }, \
    { "GET", "/services/{biz}/guide",       jszg_page_guide, \
      JSZG_R_PUBLIC }, \
    { "GET", "/news",                       jszg_page_news_list, \
      JSZG_R_PUBLIC }, \
    { "GET", "/news/{id}",                  jszg_page_news_item, \
      JSZG_R_PUBLIC }, \
    { "GET", "/notices",                    jszg_page_notices_list, \
      JSZG_R_PUBLIC }, \
    { "GET", "/notices/{id}",               jszg_page_notice_item, \
      JSZG_R_PUBLIC }, \
    { "GET", "/windows",                    jszg_page_windows, \
      JSZG_R_PUBLIC }, \
    { "GET", "/help",                       jszg_page_help, JSZG_R_PUBLIC }, \
    { "GET", "/help/faq",                   jszg_page_faq_list, \
      JSZG_R_PUBLIC }, \
    { "GET", "/help/faq/{n}",               jszg_page_faq_item, \
      JSZG_R_PUBLIC }, \
    { "GET", "/help/mail",                  jszg_page_help_mail, \
      JSZG_R_PUBLIC }, \
    { "GET", "/help/phone",                 jszg_page_help_phone, \
      JSZG_R_PUBLIC }, \
    { "GET", "/help/contacts",              jszg_page_help_contacts, \
      JSZG_R_PUBLIC }, \
    { "GET", "/help/manual",                jszg_page_help_manual, \
      JSZG_R_PUBLIC }, \
    { "GET", "/search",                     jszg_page_search, 0 }, \
    { "GET", "/api/v1/regions",             jszg_api_provinces, JSZG_R_API }, \
    { "GET", "/api/v1/regions/{code}/cities", jszg_api_cities, JSZG_R_API }, \
    { "GET", "/api/v1/institutions",        jszg_api_institutions, \
      JSZG_R_API }, \
    { "GET", "/api/v1/institutions/{id}/points", jszg_api_points, \
      JSZG_R_API }, \
    { "GET", "/api/v1/institutions/{id}/window", jszg_api_window, \
      JSZG_R_API }, \
    { "GET", "/api/v1/faq",                 jszg_api_faq_list, JSZG_R_API }, \
    { "GET", "/api/v1/faq/{n}",             jszg_api_faq_item, JSZG_R_API },

/* ---- shared by the portal's files (jszg_page_portal.c) ---------------- */

/* A FAQ category: URL slug, name as stored in faq.category. */
typedef struct {
    const char *slug;
    const char *name;
} jszg_faq_category;
extern const jszg_faq_category jszg_faq_categories[];
const jszg_faq_category *jszg_faq_category_by_slug(const char *slug);
const jszg_faq_category *jszg_faq_category_by_name(const char *name);

/* A positive decimal id in canonical form (at most 12 digits, no
 * leading zero) as a string for the store, or NULL when s is not one. */
const char *jszg_portal_id(const char *s);

/* /help/faq/{n} and /api/v1/faq/{n} when n names no question. */
#define JSZG_FAQ_NOT_FOUND "没有这个问题。常见问题编号为 1 至 50。"

/* A GB/T 2260 region code (exactly 6 digits), or NULL. */
const char *jszg_portal_region_code(const char *s);


/* A page of a list, as strings for the store's LIMIT/OFFSET. */
typedef struct {
    const char *offset;
    const char *limit;
    long total;
    long page;
    long pages;
} jszg_page_slice;

/* Read ?page=: DECLINED with *page set (1 when absent), else the 400
 * answer already sent (docs/api.md: bad page). */
int jszg_portal_page_arg(jszg_req *jr, long *page);

/* Lay out `page` of `total` items, JszgPageSize per page: DECLINED with
 * *slice filled and, when data != NULL, data.pager set (links go to
 * base + page=N; base is a path with an optional query string), else
 * the 404 answer already sent for a page beyond the end. */
int jszg_portal_pager(jszg_req *jr, json_t *data, const char *base,
                      long page, long total, jszg_page_slice *slice);

/* A whole-number column of a store row (0 when absent). */
long jszg_portal_long(json_t *row, const char *col);

/* Split a text into paragraphs at blank lines: a JSON array of strings. */
json_t *jszg_portal_paragraphs(const char *text);

/* The 咨询服务 side menu with `active` marked (slug: faq, mail, phone,
 * contacts, manual, or NULL). */
json_t *jszg_portal_help_menu(const char *active);

#endif /* JSZG_PORTAL_H */
