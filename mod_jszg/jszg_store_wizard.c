/*
 * jszg_store_wizard.c -- the SQL of 定期注册: 业务平台, the wizard's
 * drafts, certificates, schools, applications and their events, the
 * online-verification tables, 证书查询 and its rate limit.
 *
 * Portable between SQLite and PostgreSQL: dates are compared with
 * literals or %pDd parameters, never through engine functions; window
 * times are compared in C (jszg_wizard.c), as in jszg_store_portal.c.
 */
#include "jszg_store.h"
#include <stddef.h>

/* Certificates the registry can sync: issued 2008 or later (广西 2012). */
#define SYNCED_SINCE \
    "((c.province_code = '450000' AND c.issued_on >= '2012-01-01') " \
    "OR (c.province_code <> '450000' AND c.issued_on >= '2008-01-01'))"

#define CERT_COLS \
    "c.id, c.cert_no, c.kind, c.kind_name, c.subject, c.authority_name, " \
    "c.province_code, c.issued_on, c.status, c.restricted_until"

/* A school's name as people type it: without spaces (ASCII, U+3000,
 * U+00A0), with ASCII parentheses.  The expression of the unique index
 * schools_name_key_uq (sql/sqlite and sql/pgsql, 012_schools_dedup.sql):
 * keep them identical. */
#define SCHOOL_KEY(x) \
    "replace(replace(replace(replace(replace(" x ", ' ', ''), " \
    "'\u3000', ''), '\u00a0', ''), '\uff08', '('), '\uff09', ')')"

const jszg_stmt jszg_wizard_stmts[] = {
    { "wz_account",
      "SELECT id, id_type, id_number, name, ethnicity, sex, birth_date, "
      "verified, last_login_at, address, postcode FROM accounts "
      "WHERE id = %lld" },
    /* step 2 completes a missing 民族 / 出生日期 (never changes one) */
    { "wz_account_identity",
      "UPDATE accounts SET ethnicity = COALESCE(ethnicity, %s), "
      "birth_date = COALESCE(birth_date, %pDd), updated_at = %lld "
      "WHERE id = %lld" },

    /* drafts */
    { "wz_draft_get",
      "SELECT account_id, step_done, data, submit_key, created_at, "
      "updated_at FROM wizard_drafts WHERE account_id = %lld" },
    { "wz_draft_insert",
      "INSERT INTO wizard_drafts (account_id, step_done, data, submit_key, "
      "created_at, updated_at) VALUES (%lld, 0, %s, %s, %lld, %lld)" },
    { "wz_draft_update",
      "UPDATE wizard_drafts SET step_done = %d, data = %s, updated_at = %lld "
      "WHERE account_id = %lld" },
    { "wz_draft_touch",
      "UPDATE wizard_drafts SET updated_at = %lld WHERE account_id = %lld" },
    { "wz_draft_delete",
      "DELETE FROM wizard_drafts WHERE account_id = %lld" },

    /* certificates: 个人信息中心 (synced only) and the wizard's list
     * (synced, or older ones with a 首次注册 record) */
    { "wz_certs_synced",
      "SELECT " CERT_COLS " FROM certificates c "
      "WHERE c.id_number = %s AND c.holder_name = %s AND " SYNCED_SINCE
      " ORDER BY c.issued_on, c.cert_no" },
    { "wz_certs_wizard",
      "SELECT " CERT_COLS " FROM certificates c "
      "WHERE c.id_number = %s AND c.holder_name = %s AND (" SYNCED_SINCE
      " OR EXISTS (SELECT 1 FROM registrations_history h "
      "WHERE h.cert_no = c.cert_no AND h.kind = '首次注册' "
      "AND (h.id_number IS NULL OR h.id_number = UPPER(c.id_number)))) "
      "ORDER BY c.issued_on, c.cert_no" },
    { "wz_cert_get",
      "SELECT " CERT_COLS ", c.holder_name, c.id_number FROM certificates c "
      "WHERE c.cert_no = %s" },
    /* history and first registration of (certificate, holder) */
    { "wz_cert_history",
      "SELECT h.kind, h.registered_on, h.conclusion, h.valid_until, "
      "h.institution_name FROM registrations_history h "
      "WHERE h.cert_no = %s AND " JSZG_SQL_HIST_OF_HOLDER
      " ORDER BY h.registered_on DESC, h.id DESC" },
    { "wz_cert_first_reg",
      "SELECT COUNT(*) AS n FROM registrations_history h "
      "WHERE h.cert_no = %s AND h.kind = '首次注册' "
      "AND " JSZG_SQL_HIST_OF_HOLDER },
    /* the same number entered by hand in an account of another person
     * (one refused by staff does not count) */
    { "wz_manual_other_holder",
      "SELECT COUNT(*) AS n FROM manual_certificates "
      "WHERE cert_no = %s AND UPPER(id_number) <> %s "
      "AND review_state <> '核验不通过'" },
    { "wz_manual_certs",
      "SELECT id, cert_no, kind, kind_name, subject, authority_name, "
      "province_code, issued_on, review_state FROM manual_certificates "
      "WHERE account_id = %lld ORDER BY id" },
    { "wz_manual_insert",
      "INSERT INTO manual_certificates (account_id, cert_no, holder_name, "
      "id_number, issued_on, province_code, city_code, kind, kind_name, "
      "subject, authority_name, photo_path, extra_photo_path, created_at) "
      "VALUES (%lld, %s, %s, %s, %pDd, %s, %s, %d, %s, %s, %s, %s, %s, "
      "%lld)" },
    { "wz_manual_by_no",
      "SELECT id FROM manual_certificates WHERE account_id = %lld "
      "AND cert_no = %s" },

    /* 毕业学校 */
    /* 毕业学校: seed and import rows first; an applicant's own additions
     * (新增学校) are found by their author only, so that nobody's rows
     * push the real schools out of everyone's 30 results */
    { "wz_schools_search",
      "SELECT id, name, kind FROM schools "
      "WHERE name LIKE %s ESCAPE '\\' "
      "AND (source <> 'user' OR created_by = %lld) "
      "ORDER BY CASE WHEN source = 'user' THEN 1 ELSE 0 END, name "
      "LIMIT 30" },
    { "wz_school_get", "SELECT id, name, kind FROM schools WHERE id = %lld" },
    /* the same school however it was spaced or bracketed (the unique
     * index of 012_schools_dedup.sql) */
    { "wz_school_by_name",
      "SELECT id, name, kind FROM schools "
      "WHERE " SCHOOL_KEY("name") " = " SCHOOL_KEY("%s") },
    { "wz_school_insert",
      "INSERT INTO schools (name, kind, source, created_by, created_at) "
      "VALUES (%s, %s, 'user', %lld, %lld)" },

    /* online verification, by ID number and the cycle's years */

    /* applications */
    /* one open application per certificate, holder and cycle (the
     * account is the holder: accounts are unique per ID number) */
    { "wz_app_open_for_cert",
      "SELECT reg_no, status FROM applications WHERE cert_no = %s "
      "AND account_id = %lld AND cycle_year = %d "
      "AND status IN " JSZG_SQL_OPEN_STATUSES },
    /* the newest conclusion of this certificate's applications in a
     * cycle that allows or forbids applying again (jszg_rules.c) */
    { "wz_app_decided_for_cert",
      "SELECT reg_no, status FROM applications WHERE cert_no = %s "
      "AND account_id = %lld AND cycle_year = %d "
      "AND status IN (" JSZG_SQL_ST(JSZG_ST_FAIL) ", "
      JSZG_SQL_ST(JSZG_ST_DEFER) ") "
      "ORDER BY updated_at DESC, id DESC" },
    { "wz_app_last_pass",
      "SELECT decided_on FROM applications WHERE cert_no = %s "
      "AND account_id = %lld AND status = " JSZG_SQL_ST(JSZG_ST_PASS) " "
      "AND decided_on IS NOT NULL ORDER BY decided_on DESC LIMIT 1" },
    { "wz_apps_mine",
      "SELECT a.reg_no, a.cert_no, a.stage, a.subject, a.status, "
      "a.has_message, a.submitted_at, i.name AS institution "
      "FROM applications a JOIN institutions i ON i.id = a.institution_id "
      "WHERE a.account_id = %lld ORDER BY a.submitted_at DESC, a.id DESC" },
    { "wz_app_get",
      "SELECT a.id, a.reg_no, a.cert_no, a.cert_kind_name, a.cert_subject, "
      "a.cert_source, a.cycle_year, a.institution_id, a.point_id, a.stage, "
      "a.subject, a.status, a.data, a.submitted_at, i.name AS institution, "
      "i.phone AS institution_phone, i.notes AS institution_notes, "
      "p.name AS point, p.scope AS point_scope, p.address AS point_address, "
      "p.phone AS point_phone, p.hours AS point_hours "
      "FROM applications a JOIN institutions i ON i.id = a.institution_id "
      "JOIN confirmation_points p ON p.id = a.point_id "
      "WHERE a.reg_no = %s AND a.account_id = %lld" },
    { "wz_counter_bump",
      "UPDATE reg_counters SET last_seq = last_seq + 1 "
      "WHERE institution_id = %lld AND cycle_year = %d" },
    { "wz_counter_insert",
      "INSERT INTO reg_counters (institution_id, cycle_year, last_seq) "
      "VALUES (%lld, %d, 1)" },
    { "wz_counter_get",
      "SELECT last_seq FROM reg_counters WHERE institution_id = %lld "
      "AND cycle_year = %d" },
    { "wz_app_insert",
      "INSERT INTO applications (reg_no, account_id, cert_no, "
      "cert_kind_name, cert_subject, cert_source, cycle_year, "
      "institution_id, point_id, stage, subject, status, data, photo_path, "
      "submitted_at, updated_at) VALUES (%s, %lld, %s, %s, %s, %s, %d, "
      "%lld, %lld, %s, %s, " JSZG_SQL_ST(JSZG_ST_PENDING) ", %s, %s, "
      "%lld, %lld)" },
    { "wz_event_insert",
      "INSERT INTO application_events (application_id, at, actor, "
      "from_status, to_status, note) SELECT id, %lld, %s, NULL, "
      JSZG_SQL_ST(JSZG_ST_PENDING) ", %s FROM applications "
      "WHERE reg_no = %s" },
    { "wz_idem_get",
      "SELECT result FROM idempotency_keys WHERE key_hash = %s "
      "AND account_id = %lld" },
    { "wz_idem_insert",
      "INSERT INTO idempotency_keys (key_hash, account_id, scope, result, "
      "created_at) VALUES (%s, %lld, %s, %s, %lld)" },

    /* 证书查询 (public; its per-IP limit is a jszg_rate.c count) */
    { "cert_query",
      "SELECT cert_no, kind_name, subject, authority_name, issued_on, "
      "status FROM certificates WHERE cert_no = %s AND id_number = %s "
      "AND holder_name = %s" },

    { NULL, NULL }
};
