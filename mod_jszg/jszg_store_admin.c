/*
 * jszg_store_admin.c -- every SQL statement of the back office.
 *
 * A list that is filtered by the staff member's scope exists once per
 * kind of scope (SCOPED below): "<name>__all", "__point", "__inst" and
 * "__prov" (a label is a PostgreSQL statement name: no "/"), each with
 * one scope argument at the same place, chosen by jszg_adm_scoped() in
 * jszg_admin_apps.c.  So a list can never show a row outside the scope
 * whatever the other filters are, and each statement plans for one kind
 * of scope.  (One statement with the role as parameters, "(%s = '8' OR
 * (%s = '2' AND a.institution_id = %lld) OR ...)", had PostgreSQL plan
 * it afresh on every execution, and its generic plan read all 144k
 * waiting rows of the 2M-account database for a 注册机构's queue: 435 ms
 * against 0.26 ms, tests/scale/explain.py.)
 * Single objects are loaded unfiltered and checked in C, which lets the
 * handler tell "not yours" (403, logged) from "not there" (404).
 *
 * Flags compared with a literal are passed as text ('8', '1'): the sqlite3
 * driver binds every value as text, and a text parameter never equals an
 * integer literal in SQLite (it does equal an INTEGER column, whose
 * affinity converts it).
 */
#include "jszg_store.h"
#include <stddef.h>

/* Institution scope for province admins (role, role, province). */
#define INST_SCOPE JSZG_SQL_INST_SCOPE

#define APP_COLS \
    "a.id, a.reg_no, a.account_id, a.cert_no, a.cert_kind_name, " \
    "a.cert_subject, a.cert_source, a.cycle_year, a.institution_id, " \
    "a.point_id, a.stage, a.subject, a.status, a.has_message, " \
    "a.submitted_at, a.updated_at, a.decided_on, " \
    "i.name AS institution_name, i.province_code, " \
    "p.name AS point_name, c.name AS applicant_name, c.id_type, " \
    "c.id_number "

#define APP_FROM \
    "FROM applications a " \
    "JOIN institutions i ON i.id = a.institution_id " \
    "JOIN confirmation_points p ON p.id = a.point_id " \
    "JOIN accounts c ON c.id = a.account_id "

const jszg_stmt jszg_admin_stmts[] = {
    /* ---- staff, sessions, audit ---- */
    { "admin_session_get",
      "SELECT s.staff_id, s.created_at, s.last_seen_at, s.expires_at, "
      "s.data, t.username, t.name, t.role, t.point_id, t.institution_id, "
      "t.province_code, t.must_change_password, p.name AS point_name, "
      "i.name AS institution_name, g.name AS province_name "
      "FROM admin_sessions s JOIN staff t ON t.id = s.staff_id "
      "LEFT JOIN confirmation_points p ON p.id = t.point_id "
      "LEFT JOIN institutions i ON i.id = t.institution_id "
      "LEFT JOIN regions g ON g.code = t.province_code "
      "WHERE s.id_hash = %s AND t.active = 1" },
    { "admin_session_insert",
      "INSERT INTO admin_sessions (id_hash, staff_id, created_at, "
      "last_seen_at, expires_at, ip, user_agent, data) "
      "VALUES (%s, %lld, %lld, %lld, %lld, %s, %s, '{}')" },
    { "admin_session_touch",
      "UPDATE admin_sessions SET last_seen_at = %lld, data = %s "
      "WHERE id_hash = %s" },
    { "admin_session_delete",
      "DELETE FROM admin_sessions WHERE id_hash = %s" },
    { "admin_staff_by_username",
      "SELECT id, password_hash FROM staff "
      "WHERE username = %s AND active = 1" },
    { "admin_staff_login_at",
      "UPDATE staff SET last_login_at = %lld WHERE id = %lld" },

    /* ---- applications ---- */
    { "admin_app_get",
      "SELECT " APP_COLS ", a.data, a.photo_path " APP_FROM
      "WHERE a.id = %lld" },
    { "admin_app_events",
      "SELECT e.at, e.actor, e.from_status, e.to_status, e.note, "
      "e.message, s.name AS staff_name, s.role AS staff_role "
      "FROM application_events e "
      "LEFT JOIN staff s ON e.actor = 'staff:' || s.username "
      "WHERE e.application_id = %lld ORDER BY e.at, e.id" },
    { "admin_app_move",
      "UPDATE applications SET status = %s, "
      "has_message = CASE WHEN %s = '1' THEN 1 ELSE has_message END, "
      "updated_at = %lld WHERE id = %lld AND status = %s" },
    { "admin_app_conclude",
      "UPDATE applications SET status = %s, "
      "has_message = CASE WHEN %s = '1' THEN 1 ELSE has_message END, "
      "updated_at = %lld, decided_on = %pDd "
      "WHERE id = %lld AND status = " JSZG_SQL_ST(JSZG_ST_CONFIRMED) },
    { "admin_event_insert",
      "INSERT INTO application_events (application_id, at, actor, "
      "from_status, to_status, note, message) "
      "VALUES (%lld, %lld, %s, %s, %s, %s, %s)" },
    /* a certificate's registrations are its holder's: a row written
     * here carries the applicant's ID number; a registry row (NULL)
     * belongs to the certificate's holder in the registry */
    { "admin_history_count",
      "SELECT COUNT(*) AS n FROM registrations_history h "
      "WHERE h.cert_no = %s AND h.conclusion = " JSZG_SQL_ST(JSZG_ST_PASS) " "
      "AND " JSZG_SQL_HIST_OF_HOLDER },
    { "admin_history_insert",
      "INSERT INTO registrations_history (cert_no, kind, registered_on, "
      "conclusion, valid_until, institution_name, id_number) "
      "VALUES (%s, %s, %pDd, %s, %pDd, %s, %s)" },
    SCOPED("admin_queue",
      "SELECT " APP_COLS APP_FROM "WHERE a.status = %s AND ",
      " AND (%s = '' OR a.stage = %s) "
      "AND (%s = '' OR a.reg_no = %s OR c.id_number = %s OR c.name = %s) "
      "ORDER BY a.updated_at, a.id LIMIT %d OFFSET %d"),
    /* The count joins only what the scope needs: with the accounts and
     * points joins, counting the national queue (a third of all
     * applications) joined every row to accounts: 0.5 s idle, 2 s under
     * load on 2M accounts (bench/scale).  The applicant filter is an
     * EXISTS, dropped from the plan when the search box is empty.
     * Even so, an exact count of the national queue (≈170k rows) took
     * 62 ms on every view and its p99 missed the 1.5x target, so the
     * count stops at a cap (LIMIT 1001, QUEUE_COUNT_CAP + 1 in
     * jszg_admin_apps.c): the page says "1000 条以上" instead.  A
     * 注册机构's own queue stays under the cap and is counted exactly. */
    SCOPED("admin_queue_count",
      "SELECT COUNT(*) AS n FROM (SELECT 1 AS x FROM applications a "
      "JOIN institutions i ON i.id = a.institution_id "
      "WHERE a.status = %s AND ",
      " AND (%s = '' OR a.stage = %s) "
      "AND (%s = '' OR a.reg_no = %s OR EXISTS (SELECT 1 FROM accounts c "
      "WHERE c.id = a.account_id AND (c.id_number = %s OR c.name = %s))) "
      "LIMIT 1001) t"),
    /* The unfiltered queue, as every reviewer first opens it: its size
     * and its first page, with nothing left for the planner to guess.
     * The filtered statements above carry "(%s = '' OR ...)" tests and
     * a parameter LIMIT and OFFSET, whose generic plans PostgreSQL estimates at two
     * or three times their custom ones; on the 2M-account database it
     * then planned them afresh on every view (0.4 ms of 0.6 ms in the
     * database), where on small data it kept the generic plans. */
    SCOPED("admin_queue_size",
      "SELECT COUNT(*) AS n FROM (SELECT 1 AS x FROM applications a "
      "JOIN institutions i ON i.id = a.institution_id "
      "WHERE a.status = %s AND ",
      " LIMIT 1001) t"),
    /* LIMIT 21: QUEUE_HEAD_ROWS of jszg_admin_apps.c (a page of up to
     * 20 and the row telling a next page), written out, as the
     * counts' 1001 (QUEUE_COUNT_CAP + 1): a parameter LIMIT is estimated
     * at a tenth of the rows in a generic plan */
    SCOPED("admin_queue_head",
      "SELECT " APP_COLS APP_FROM "WHERE a.status = %s AND ",
      " ORDER BY a.updated_at, a.id LIMIT 21"),

    /* ---- 网报计划 and 注意事项 (province) ---- */
    { "admin_windows_list",
      "SELECT w.id, w.institution_id, i.name AS institution_name, "
      "w.cycle_year, w.starts, w.ends, w.confirm_starts, w.confirm_ends "
      "FROM windows w JOIN institutions i ON i.id = w.institution_id "
      "WHERE " INST_SCOPE " AND (%s = '0' OR w.cycle_year = %d) "
      "ORDER BY w.cycle_year DESC, i.id" },
    { "admin_window_get",
      "SELECT w.id, w.institution_id, i.name AS institution_name, "
      "i.province_code, w.cycle_year, w.starts, w.ends, w.confirm_starts, "
      "w.confirm_ends FROM windows w "
      "JOIN institutions i ON i.id = w.institution_id WHERE w.id = %lld" },
    { "admin_window_dup",
      "SELECT id FROM windows WHERE institution_id = %lld "
      "AND cycle_year = %d AND id <> %lld" },
    { "admin_window_insert",
      "INSERT INTO windows (institution_id, cycle_year, starts, ends, "
      "confirm_starts, confirm_ends, created_by, created_at) "
      "VALUES (%lld, %d, %pDs, %pDs, %pDs, %pDs, %s, %lld)" },
    { "admin_window_update",
      "UPDATE windows SET institution_id = %lld, cycle_year = %d, "
      "starts = %pDs, ends = %pDs, confirm_starts = %pDs, "
      "confirm_ends = %pDs WHERE id = %lld" },
    { "admin_window_delete", "DELETE FROM windows WHERE id = %lld" },
    { "admin_institutions",
      "SELECT i.id, i.name, i.province_code FROM institutions i "
      "WHERE " INST_SCOPE " ORDER BY i.id" },
    { "admin_inst_get",
      "SELECT id, name, province_code, notes, active FROM institutions "
      "WHERE id = %lld" },
    { "admin_inst_notes_set",
      "UPDATE institutions SET notes = %s WHERE id = %lld" },

    /* ---- manual review queues ---- */
    { "admin_idrev_list",
      "SELECT r.id, r.account_id, r.id_type, r.id_number, r.name, "
      "r.status, r.submitted_at, r.decided_at, r.decided_by, r.note "
      "FROM identity_reviews r WHERE (%s = '' OR r.status = %s) "
      "ORDER BY r.submitted_at, r.id LIMIT 200" },
    { "admin_idrev_get",
      "SELECT r.id, r.account_id, r.id_type, r.id_number, r.name, "
      "r.front_path, r.back_path, r.status, r.submitted_at, r.decided_at, "
      "r.decided_by, r.note, c.name AS account_name, c.verified "
      "FROM identity_reviews r JOIN accounts c ON c.id = r.account_id "
      "WHERE r.id = %lld" },
    { "admin_mcert_list",
      "SELECT m.id, m.account_id, m.cert_no, m.holder_name, m.id_number, "
      "m.issued_on, m.province_code, m.kind_name, m.subject, "
      "m.authority_name, m.review_state, m.created_at, g.name AS "
      "province_name FROM manual_certificates m "
      "JOIN regions g ON g.code = m.province_code "
      "WHERE (%s = '8' OR (%s = '4' AND m.province_code = %s)) "
      "AND (%s = '' OR m.review_state = %s) "
      "ORDER BY m.created_at, m.id LIMIT 200" },
    { "admin_mcert_get",
      "SELECT m.id, m.account_id, m.cert_no, m.holder_name, m.id_number, "
      "m.issued_on, m.province_code, m.city_code, m.kind, m.kind_name, "
      "m.subject, m.authority_name, m.photo_path, m.extra_photo_path, "
      "m.review_state, m.created_at, g.name AS province_name "
      "FROM manual_certificates m "
      "JOIN regions g ON g.code = m.province_code WHERE m.id = %lld" },
    { "admin_mcert_decide",
      "UPDATE manual_certificates SET review_state = %s "
      "WHERE id = %lld AND review_state = '待核验'" },

    /* ---- CSV import ---- */
    { "admin_import_batch",
      "INSERT INTO import_batches (kind, filename, sha256, staff_id, "
      "created_at, rows_total, rows_bad, state, applied_at, errors) "
      "VALUES (%s, %s, %s, %lld, %lld, %d, %d, %s, %lld, %s)" },
    { "admin_import_history",
      "SELECT b.id, b.kind, b.filename, b.created_at, b.rows_total, "
      "b.rows_bad, b.state, b.applied_at, s.username "
      "FROM import_batches b JOIN staff s ON s.id = b.staff_id "
      "WHERE (%s = '8' OR b.staff_id = %lld) "
      "ORDER BY b.created_at DESC, b.id DESC LIMIT 30" },
    /* The upsert never takes a certificate of another province unless
     * the importer is a system admin (last argument '8'): the check of
     * the dry run, held again by the write itself (0 rows = refused). */
    { "admin_import_cert",
      "INSERT INTO certificates (cert_no, holder_name, id_type, id_number, "
      "sex, kind, kind_name, subject, authority_name, province_code, "
      "issued_on, status, source, review_state, created_at) "
      "VALUES (%s, %s, %s, %s, %s, %d, %s, %s, %s, %s, %pDd, %s, "
      "'registry', '无需核验', %lld) "
      "ON CONFLICT (cert_no) DO UPDATE SET holder_name = "
      "excluded.holder_name, id_type = excluded.id_type, id_number = "
      "excluded.id_number, sex = excluded.sex, kind = excluded.kind, "
      "kind_name = excluded.kind_name, subject = excluded.subject, "
      "authority_name = excluded.authority_name, province_code = "
      "excluded.province_code, issued_on = excluded.issued_on, "
      "status = excluded.status "
      "WHERE certificates.province_code = excluded.province_code "
      "OR %s = '8'" },
    { "admin_import_assess",
      "INSERT INTO annual_assessments (id_number, year, grade, unit, "
      "source, imported_at) VALUES (%s, %d, %s, %s, 'import', %lld) "
      "ON CONFLICT (id_number, year) DO UPDATE SET grade = excluded.grade, "
      "unit = excluded.unit, source = 'import', "
      "imported_at = excluded.imported_at" },
    { "admin_import_training",
      "INSERT INTO training_hours (id_number, year, hours, course, source, "
      "imported_at) VALUES (%s, %d, %d, %s, 'import', %lld)" },
    { "admin_import_ethics",
      "INSERT INTO ethics_records (id_number, recorded_on, result, note, "
      "source, imported_at) VALUES (%s, %pDd, %s, %s, 'import', %lld)" },
    { "admin_import_identity",
      "INSERT INTO identity_registry (id_type, id_number, name, source, "
      "imported_at) VALUES (%s, %s, %s, 'import', %lld) "
      "ON CONFLICT (id_type, id_number) DO UPDATE SET name = excluded.name, "
      "source = 'import', imported_at = excluded.imported_at" },
    /* scope of an import row, on what the database holds: the
     * certificate a row would overwrite, and a person's province
     * (jszg_person_in_province): the 注册机构 of their newest application,
     * else the provinces of their certificates.  Person rows are always
     * 居民身份证 numbers, which lets the lookup use accounts' unique key. */
    { "admin_import_cert_owner",
      "SELECT c.province_code, g.name AS province_name FROM certificates c "
      "JOIN regions g ON g.code = c.province_code WHERE c.cert_no = %s" },
    { "admin_import_person_employment",
      "SELECT i.province_code FROM applications a "
      "JOIN accounts c ON c.id = a.account_id "
      "JOIN institutions i ON i.id = a.institution_id "
      "WHERE c.id_type = '居民身份证' AND c.id_number = %s "
      "ORDER BY a.submitted_at DESC, a.id DESC LIMIT 1" },
    { "admin_import_person_certs",
      "SELECT DISTINCT province_code FROM certificates "
      "WHERE id_number = %s ORDER BY province_code" },
    { "admin_region_exists",
      "SELECT code FROM regions WHERE code = %s AND level = 1" },

    /* ---- statistics and audit ---- */
    SCOPED("admin_stats_inst",
      "SELECT i.id, i.name, a.status, COUNT(*) AS n " APP_FROM
      "WHERE a.cycle_year = %d AND ",
      " GROUP BY i.id, i.name, a.status ORDER BY i.id, a.status"),
    SCOPED("admin_stats_day",
      /* day: the Beijing day number (the offset is the rules core's
       * JSZG_BEIJING_OFFSET, passed by the caller) */
      "SELECT (e.at + %lld) / 86400 AS day, e.to_status, COUNT(*) AS n "
      "FROM application_events e "
      "JOIN applications a ON a.id = e.application_id "
      "JOIN institutions i ON i.id = a.institution_id "
      "WHERE a.cycle_year = %d AND e.at >= %lld AND ",
      " GROUP BY 1, e.to_status "
      "ORDER BY 1, 2"),
    { "admin_audit_list",
      "SELECT id, at, actor, action, target, ip, note FROM audit_log "
      "WHERE (%s = '' OR actor = %s) AND (%s = '' OR action LIKE %s || '%%') "
      "AND (%s = '' OR target = %s) AND at >= %lld AND at < %lld "
      "ORDER BY at DESC, id DESC LIMIT %d OFFSET %d" },
    { "admin_audit_count",
      "SELECT COUNT(*) AS n FROM audit_log "
      "WHERE (%s = '' OR actor = %s) AND (%s = '' OR action LIKE %s || '%%') "
      "AND (%s = '' OR target = %s) AND at >= %lld AND at < %lld" },
    /* ---- decisions (issue 14): the plan an application belongs to ---- */
    { "admin_app_by_regno",
      "SELECT id FROM applications WHERE reg_no = %s" },
    /* a 注册结论 withdrawn (back to 待注册审批, decided_on cleared) or
     * corrected (decided_on kept: the correction period does not
     * restart), and the registration record it wrote */
    { "admin_app_correct",
      "UPDATE applications SET status = %s, has_message = 1, "
      "updated_at = %lld, "
      "decided_on = CASE WHEN %s = '1' THEN NULL ELSE decided_on END "
      "WHERE id = %lld AND status = %s" },
    { "admin_history_undo",
      "DELETE FROM registrations_history WHERE id = "
      "(SELECT MAX(id) FROM registrations_history WHERE cert_no = %s "
      "AND registered_on = %pDd AND conclusion = %s "
      "AND institution_name = %s)" },
    { "admin_history_fix",
      "UPDATE registrations_history SET conclusion = %s, "
      "valid_until = %pDd WHERE id = "
      "(SELECT MAX(id) FROM registrations_history WHERE cert_no = %s "
      "AND registered_on = %pDd AND conclusion = %s "
      "AND institution_name = %s)" },
    { "admin_app_window",
      "SELECT starts, ends, confirm_starts, confirm_ends FROM windows "
      "WHERE institution_id = %lld AND cycle_year = %d" },
    { NULL, NULL }
};
