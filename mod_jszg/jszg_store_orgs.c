/*
 * jszg_store_orgs.c -- the SQL of the back office's administration
 * (issue 14): 注册机构 and 确认点 (jszg_admin_orgs.c), staff accounts
 * (jszg_admin_staff.c) and the 网报计划 checks that need the database
 * (jszg_admin_province.c).  Conventions as in jszg_store_admin.c: single
 * objects are loaded unfiltered and their scope checked in C (403 apart
 * from 404); lists are filtered by JSZG_SQL_INST_SCOPE or the staff
 * scope below; flags compared with a literal are passed as text.
 */
#include "jszg_store.h"
#include <stddef.h>

#define INST_COLS \
    "i.id, i.code, i.name, i.level, i.region_code, i.province_code, " \
    "i.city_code, i.parent_id, i.stages, i.phone, i.address, i.hours, " \
    "i.active, g.name AS province_name, r.name AS region_name "

/* A staff member's province: their own (province admins) or their
 * institution's (注册机构 and 确认点 staff); NULL for system admins. */
#define STAFF_PROV "COALESCE(t.province_code, i.province_code)"

#define STAFF_COLS \
    "t.id, t.username, t.name, t.role, t.point_id, t.institution_id, " \
    "t.province_code, t.active, t.must_change_password, t.created_at, " \
    "t.last_login_at, t.password_changed_at, p.name AS point_name, " \
    "i.name AS institution_name, g.name AS province_name, " \
    STAFF_PROV " AS scope_province "

#define STAFF_FROM \
    "FROM staff t LEFT JOIN confirmation_points p ON p.id = t.point_id " \
    "LEFT JOIN institutions i ON i.id = t.institution_id " \
    "LEFT JOIN regions g ON g.code = " STAFF_PROV " "

const jszg_stmt jszg_orgs_stmts[] = {
    /* ---- 注册机构 ---- */
    { "orgs_inst_list",
      "SELECT " INST_COLS ", (SELECT COUNT(*) FROM confirmation_points p "
      "WHERE p.institution_id = i.id AND p.active = 1) AS points "
      "FROM institutions i JOIN regions g ON g.code = i.province_code "
      "JOIN regions r ON r.code = i.region_code "
      "WHERE " JSZG_SQL_INST_SCOPE " ORDER BY i.province_code, i.code" },
    { "orgs_inst_get",
      "SELECT " INST_COLS "FROM institutions i "
      "JOIN regions g ON g.code = i.province_code "
      "JOIN regions r ON r.code = i.region_code WHERE i.id = %lld" },
    { "orgs_inst_by_code",
      "SELECT id FROM institutions WHERE code = %s AND id <> %lld" },
    { "orgs_inst_insert",
      "INSERT INTO institutions (code, name, region_code, province_code, "
      "city_code, level, stages, phone, address, hours, active) "
      "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 1)" },
    { "orgs_inst_update",
      "UPDATE institutions SET code = %s, name = %s, region_code = %s, "
      "province_code = %s, city_code = %s, level = %s, stages = %s, "
      "phone = %s, address = %s, hours = %s WHERE id = %lld" },
    { "orgs_inst_active",
      "UPDATE institutions SET active = %d WHERE id = %lld" },
    /* applications_inst_idx (institution_id, cycle_year, status) */
    { "orgs_inst_apps",
      "SELECT COUNT(*) AS n FROM applications WHERE institution_id = %lld" },
    /* a region and the province and city it lies in (GB/T 2260) */
    { "orgs_region",
      "SELECT r.code, r.name, r.level, r.parent_code, "
      "q.parent_code AS grand_code FROM regions r "
      "LEFT JOIN regions q ON q.code = r.parent_code WHERE r.code = %s" },
    /* the form's list: a province's regions, or all of them for a
     * system admin (role, province, province, province) */
    { "orgs_regions",
      "SELECT code, name, level FROM regions WHERE in_service = 1 AND "
      "(%s = '8' OR code = %s OR parent_code = %s "
      "OR parent_code IN (SELECT code FROM regions WHERE parent_code = %s)) "
      "ORDER BY code" },

    /* ---- 确认点 ---- */
    { "orgs_points_of",
      "SELECT p.id, p.institution_id, p.name, p.scope, p.address, p.phone, "
      "p.hours, p.stages, p.active FROM confirmation_points p "
      "WHERE p.institution_id = %lld ORDER BY p.id" },
    { "orgs_point_get",
      "SELECT p.id, p.institution_id, p.name, p.scope, p.address, p.phone, "
      "p.hours, p.stages, p.active, i.name AS institution_name, "
      "i.province_code, i.stages AS institution_stages "
      "FROM confirmation_points p "
      "JOIN institutions i ON i.id = p.institution_id WHERE p.id = %lld" },
    { "orgs_point_insert",
      "INSERT INTO confirmation_points (institution_id, name, scope, "
      "address, phone, hours, stages, active) "
      "VALUES (%lld, %s, %s, %s, %s, %s, %s, 1)" },
    /* the id of the point just inserted (inside its transaction) */
    { "orgs_point_new_id",
      "SELECT MAX(id) AS id FROM confirmation_points "
      "WHERE institution_id = %lld AND name = %s" },
    { "orgs_point_update",
      "UPDATE confirmation_points SET institution_id = %lld, name = %s, "
      "scope = %s, address = %s, phone = %s, hours = %s, stages = %s "
      "WHERE id = %lld" },
    { "orgs_point_active",
      "UPDATE confirmation_points SET active = %d WHERE id = %lld" },
    /* applications_point_idx (point_id, status, updated_at, id) */
    { "orgs_point_apps",
      "SELECT COUNT(*) AS n FROM applications WHERE point_id = %lld" },

    /* ---- staff accounts ---- */
    /* (role, province): a province admin sees its province's staff */
    { "orgs_staff_list",
      "SELECT " STAFF_COLS STAFF_FROM
      "WHERE (%s = '8' OR " STAFF_PROV " = %s) ORDER BY t.id" },
    /* the staff form's scope choices (role, role, province) */
    { "orgs_points_scope",
      "SELECT p.id, p.name, i.name AS institution_name "
      "FROM confirmation_points p "
      "JOIN institutions i ON i.id = p.institution_id "
      "WHERE " JSZG_SQL_INST_SCOPE " AND p.active = 1 ORDER BY i.id, p.id" },
    { "orgs_provinces",
      "SELECT code, name FROM regions WHERE level = 1 AND in_service = 1 "
      "AND (%s = '8' OR code = %s) ORDER BY code" },
    { "orgs_staff_get",
      "SELECT " STAFF_COLS STAFF_FROM "WHERE t.id = %lld" },
    { "orgs_staff_by_username",
      "SELECT id FROM staff WHERE username = %s" },
    { "orgs_staff_insert",
      "INSERT INTO staff (username, name, password_hash, role, point_id, "
      "institution_id, province_code, active, created_at, "
      "must_change_password) "
      "VALUES (%s, %s, %s, %s, %lld, %lld, %s, 1, %lld, 1)" },
    { "orgs_staff_update",
      "UPDATE staff SET name = %s, role = %s, point_id = %lld, "
      "institution_id = %lld, province_code = %s WHERE id = %lld" },
    { "orgs_staff_password_get",
      "SELECT password_hash FROM staff WHERE id = %lld AND active = 1" },
    { "orgs_staff_password_set",
      "UPDATE staff SET password_hash = %s, must_change_password = %d, "
      "password_changed_at = %lld WHERE id = %lld" },
    { "orgs_staff_active",
      "UPDATE staff SET active = %d WHERE id = %lld" },
    /* every session of a staff member, or every one but this */
    { "orgs_staff_sessions_end",
      "DELETE FROM admin_sessions WHERE staff_id = %lld AND id_hash <> %s" },

    /* ---- 网报计划 ---- */
    { "orgs_window_apps",
      "SELECT COUNT(*) AS n FROM applications "
      "WHERE institution_id = %lld AND cycle_year = %d" },
    { "orgs_window_close",
      "UPDATE windows SET ends = %pDs WHERE id = %lld" },
    { NULL, NULL }
};
