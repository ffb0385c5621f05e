/*
 * jszg_store_portal.c -- the SQL of the public portal (jszg_page_portal*.c,
 * jszg_api_portal.c).  Portable between SQLite and PostgreSQL: no engine
 * functions; window times are compared in C (jszg_portal_window_state),
 * since a text parameter cannot be compared with a PostgreSQL TIMESTAMP.
 *
 * Search patterns are built in C with LIKE's wildcards escaped by '\'
 * (standard_conforming_strings keeps '\' a single backslash in PG).
 */
#include "jszg_store.h"
#include <stddef.h>

#define SEARCH_WHERE "LOWER(title) LIKE LOWER(%s) ESCAPE '\\'"

const jszg_stmt jszg_portal_stmts[] = {
    /* 资格资讯 */
    { "portal_news_count", "SELECT COUNT(*) AS n FROM news" },
    { "portal_news_page",
      "SELECT id, title, summary, published_on FROM news "
      "ORDER BY published_on DESC, id DESC LIMIT %d OFFSET %d" },
    { "portal_news_get",
      "SELECT id, title, summary, body, source, published_on FROM news "
      "WHERE id = %lld" },

    /* 各省注册公告 / 认定公告; province '' = all provinces */
    { "portal_notices_count",
      "SELECT COUNT(*) AS n FROM notices "
      "WHERE business = %s AND (%s = '' OR province_code = %s)" },
    { "portal_notices_page",
      "SELECT n.id, n.title, n.published_on, n.province_code, "
      "r.name AS province FROM notices n "
      "JOIN regions r ON r.code = n.province_code "
      "WHERE n.business = %s AND (%s = '' OR n.province_code = %s) "
      "ORDER BY n.published_on DESC, n.id DESC LIMIT %d OFFSET %d" },
    { "portal_notice_get",
      "SELECT n.id, n.title, n.body, n.business, n.published_on, "
      "n.province_code, r.name AS province FROM notices n "
      "JOIN regions r ON r.code = n.province_code WHERE n.id = %lld" },
    { "portal_notice_provinces",
      "SELECT r.code, r.name FROM regions r WHERE r.level = 1 AND "
      "EXISTS (SELECT 1 FROM notices n WHERE n.province_code = r.code "
      "AND n.business = %s) ORDER BY r.code" },

    /* ---- the directory (jszg_directory.c): regions, 注册机构, 确认点 and
     * 网报计划, read by the portal, its API, the wizard and records ---- */
    { "dir_provinces",
      "SELECT code, name FROM regions WHERE level = 1 AND in_service = 1 "
      "ORDER BY code" },
    { "dir_region",
      "SELECT code, name, parent_code, level, in_service FROM regions "
      "WHERE code = %s" },
    { "dir_cities",
      "SELECT code, name FROM regions WHERE parent_code = %s AND level = 2 "
      "ORDER BY code" },

    /* 注册机构 of a city for one 学段: the city's own bodies and the
     * province-wide ones (city_code NULL), higher levels first. */
    { "dir_institutions",
      "SELECT id, code, name, level, stages FROM institutions "
      "WHERE active = 1 AND province_code = %s "
      "AND (city_code = %s OR city_code IS NULL) "
      "AND (',' || stages || ',') LIKE ('%%,' || %s || ',%%') "
      "ORDER BY CASE level WHEN '省级' THEN 1 WHEN '市级' THEN 2 "
      "ELSE 3 END, code" },
    { "dir_institution",
      "SELECT i.id, i.code, i.name, i.level, i.stages, i.phone, i.address, "
      "i.notes, i.active, i.province_code, i.city_code, "
      "p.name AS province, c.name AS city FROM institutions i "
      "JOIN regions p ON p.code = i.province_code "
      "LEFT JOIN regions c ON c.code = i.city_code WHERE i.id = %lld" },
    /* the active points of an institution that confirm a 学段 (a
     * point's stages '' = all of its institution's; stage '' = any) */
    { "dir_points",
      "SELECT id, name, scope, address, phone, hours FROM "
      "confirmation_points WHERE institution_id = %lld AND active = 1 "
      "AND (%s = '' OR stages = '' "
      "OR ',' || stages || ',' LIKE '%%,' || %s || ',%%') "
      "ORDER BY id" },
    /* the institution's newest 网报计划 */
    { "dir_window_latest",
      "SELECT id, cycle_year, starts, ends, confirm_starts, confirm_ends "
      "FROM windows WHERE institution_id = %lld "
      "ORDER BY cycle_year DESC LIMIT 1" },

    /* 常见问题; category '' = all */
    { "portal_faq_categories",
      "SELECT category, MIN(id) AS first, MAX(id) AS last, "
      "COUNT(*) AS n FROM faq GROUP BY category ORDER BY MIN(id)" },
    { "portal_faq_count",
      "SELECT COUNT(*) AS n FROM faq WHERE (%s = '' OR category = %s)" },
    { "portal_faq_page",
      "SELECT id, category, title, updated_on FROM faq "
      "WHERE (%s = '' OR category = %s) ORDER BY id LIMIT %d OFFSET %d" },
    { "portal_faq_get",
      "SELECT id, category, title, answer, updated_on FROM faq "
      "WHERE id = %lld" },

    /* 各省份认定工作联系方式 */
    { "portal_contacts",
      "SELECT c.province_code, r.name AS province, c.department, c.phone, "
      "c.address, c.website, c.hours FROM contacts c "
      "JOIN regions r ON r.code = c.province_code ORDER BY c.province_code" },

    /* site search over titles: the same pattern three times */
    { "portal_search_count",
      "SELECT (SELECT COUNT(*) FROM news WHERE " SEARCH_WHERE ") "
      "+ (SELECT COUNT(*) FROM notices WHERE " SEARCH_WHERE ") "
      "+ (SELECT COUNT(*) FROM faq WHERE " SEARCH_WHERE ") AS n" },
    { "portal_search_page",
      "SELECT kind, id, title, day FROM ("
      "SELECT 'news' AS kind, id, title, published_on AS day FROM news "
      "WHERE " SEARCH_WHERE " UNION ALL "
      "SELECT 'notice' AS kind, id, title, published_on AS day "
      "FROM notices WHERE " SEARCH_WHERE " UNION ALL "
      "SELECT 'faq' AS kind, id, title, updated_on AS day FROM faq "
      "WHERE " SEARCH_WHERE ") hits "
      "ORDER BY day DESC, kind, id LIMIT %d OFFSET %d" },

    /* ---- a teacher's record in the registry (年度考核, 学时, 师德 of a
     * cycle), judged by jszg_rules_cycle_judge for the wizard's step 4 and
     * the staff page alike ---- */
    { "registry_assessments",
      "SELECT year, grade, unit FROM annual_assessments "
      "WHERE id_number = %s AND year BETWEEN %d AND %d ORDER BY year" },
    { "registry_training",
      "SELECT year, hours, course FROM training_hours "
      "WHERE id_number = %s AND year BETWEEN %d AND %d ORDER BY year, id" },
    { "registry_ethics",
      "SELECT recorded_on, result, note FROM ethics_records "
      "WHERE id_number = %s ORDER BY recorded_on, id" },

    { NULL, NULL }
};
