/*
 * jszg_store_records.c -- the SQL of the applicant's records after
 * submission (manual §3.2): 查询报名信息, 详情, 修改, 申请表, 留言.
 *
 * Every statement that reads or writes an application takes the account
 * id as well as the 报名号 or id: ownership is part of the WHERE clause,
 * never a check after the fact.  Schema: sql/<engine>/003_wizard.sql
 * (applications, application_events); no table of our own.
 */
#include "jszg_store.h"
#include <stddef.h>

/* The columns of one application as the pages need them. */
#define REC_COLS \
    "a.id, a.reg_no, a.cert_no, a.cert_kind_name, a.cert_subject, " \
    "a.cert_source, a.cycle_year, a.institution_id, a.point_id, " \
    "a.stage, a.subject, a.status, a.has_message, a.data, a.photo_path, " \
    "a.submitted_at, a.updated_at, a.decided_on, " \
    "i.name AS institution, i.code AS institution_code, " \
    "i.phone AS institution_phone, p.name AS point, " \
    "p.address AS point_address, p.phone AS point_phone, " \
    "(SELECT COUNT(*) FROM application_events e " \
    "WHERE e.application_id = a.id AND e.message IS NOT NULL) AS messages "

const jszg_stmt jszg_records_stmts[] = {
    /* 查询报名信息: every application of the account, newest first, with
     * the number of staff messages (read or not) */
    { "rec_list",
      "SELECT a.reg_no, a.cert_no, a.stage, a.subject, a.status, "
      "a.has_message, a.cycle_year, a.submitted_at, a.decided_on, "
      "i.name AS institution, "
      "(SELECT COUNT(*) FROM application_events e "
      "WHERE e.application_id = a.id AND e.message IS NOT NULL) "
      "AS messages "
      "FROM applications a JOIN institutions i ON i.id = a.institution_id "
      "WHERE a.account_id = %lld "
      "ORDER BY a.cycle_year DESC, a.submitted_at DESC, a.id DESC" },
    /* the current registration cycle: the newest 网报计划 anywhere */
    { "rec_current_cycle",
      "SELECT MAX(cycle_year) AS cycle FROM windows" },

    /* one application, bound to its owner */
    { "rec_get",
      "SELECT " REC_COLS
      "FROM applications a JOIN institutions i ON i.id = a.institution_id "
      "JOIN confirmation_points p ON p.id = a.point_id "
      "WHERE a.reg_no = %s AND a.account_id = %lld" },
    { "rec_account",
      "SELECT phone FROM accounts WHERE id = %lld" },
    /* the registrations of (certificate, holder) */
    { "rec_cert_last",
      "SELECT h.registered_on, h.conclusion FROM registrations_history h "
      "WHERE h.cert_no = %s AND " JSZG_SQL_HIST_OF_HOLDER
      " ORDER BY h.registered_on DESC, h.id DESC LIMIT 1" },
    { "rec_cert_first_count",
      "SELECT COUNT(*) AS n FROM registrations_history h "
      "WHERE h.cert_no = %s AND " JSZG_SQL_HIST_OF_HOLDER },

    /* 修改 */
    { "rec_point",
      "SELECT id, name FROM confirmation_points "
      "WHERE id = %lld AND institution_id = %lld AND active = 1" },
    { "rec_open_for_cert",
      "SELECT reg_no, status FROM applications WHERE cert_no = %s "
      "AND account_id = %lld AND cycle_year = %d AND id <> %lld "
      "AND status IN " JSZG_SQL_OPEN_STATUSES },
    /* The edit is applied only to the version the form was loaded from
     * (updated_at) and only while 网报待确认; updated_at then strictly
     * increases, so a second tab's older form can never match again,
     * even within the same second. */
    { "rec_update",
      "UPDATE applications SET cert_no = %s, cert_kind_name = %s, "
      "cert_subject = %s, cert_source = %s, point_id = %lld, stage = %s, "
      "subject = %s, data = %s, photo_path = %s, "
      "updated_at = CASE WHEN %lld > updated_at THEN %lld "
      "ELSE updated_at + 1 END "
      "WHERE id = %lld AND account_id = %lld "
      "AND status = " JSZG_SQL_ST(JSZG_ST_PENDING) " "
      "AND updated_at = %lld" },
    { "rec_event_insert",
      "INSERT INTO application_events (application_id, at, actor, "
      "from_status, to_status, note) "
      "VALUES (%lld, %lld, %s, " JSZG_SQL_ST(JSZG_ST_PENDING) ", "
      JSZG_SQL_ST(JSZG_ST_PENDING) ", %s)" },

    /* 有留言 */
    { "rec_messages",
      "SELECT e.at, e.from_status, e.to_status, e.message "
      "FROM application_events e JOIN applications a "
      "ON a.id = e.application_id "
      "WHERE a.id = %lld AND a.account_id = %lld "
      "AND e.message IS NOT NULL ORDER BY e.at DESC, e.id DESC" },
    /* reading is not an edit: updated_at (the edit version) stays */
    { "rec_messages_read",
      "UPDATE applications SET has_message = 0 "
      "WHERE id = %lld AND account_id = %lld AND has_message = 1" },

    /* 申请表: the online verification of the cycle */
    { "rec_assessments",
      "SELECT year, grade FROM annual_assessments "
      "WHERE id_number = %s AND year BETWEEN %d AND %d ORDER BY year" },
    { "rec_training_sum",
      "SELECT COALESCE(SUM(hours), 0) AS hours, COUNT(*) AS n "
      "FROM training_hours WHERE id_number = %s AND year BETWEEN %d AND %d" },
    { "rec_ethics",
      "SELECT result FROM ethics_records WHERE id_number = %s "
      "ORDER BY recorded_on DESC, id DESC" },

    { NULL, NULL }
};
