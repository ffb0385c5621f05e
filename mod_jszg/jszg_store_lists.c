/*
 * jszg_store_lists.c -- the SQL of the back office's worklists and
 * search (jszg_admin_lists.c): the 确认点 worklist of applications waiting
 * for 现场确认, the decided applications and their 公示, and the search
 * that finds people by part of a name, part of a 报名号, ID number or
 * phone.
 *
 * Every list is SCOPED (jszg_store.h): one statement per kind of scope,
 * chosen by jszg_adm_scoped(), so that no filter can widen the scope.
 * Filters switched off are passed as '' (or '0' for an id) and tested in
 * SQL ("(%s = '' OR ...)"); LIKE patterns are built by the caller, which
 * refuses % _ and \ in what staff type, so that no ESCAPE clause is
 * needed on either engine.
 *
 * Indexes: sql/<engine>/014_lists.sql and, on PostgreSQL,
 * 017_search_index.sql.  On PostgreSQL the searches by part of a name or
 * a 报名号 use trigram GIN indexes (pg_trgm: a one- or two-character name
 * key is a name's or a given name's start, whose padded trigram the index
 * holds); a name key as common as 伟 is served by walking the
 * applications by submission (the page) or their narrow index entries
 * (the count), 017.  Every statement here is EXPLAINed on the
 * 2M-account database by tests/scale/explain.py, the name search with
 * keys of one to four characters.  Counts that could be large stop at
 * LISTS_COUNT_CAP + 1 rows (LIMIT 1001, written out as in the 待注册审批
 * queue's counts, jszg_store_admin.c).
 */
#include "jszg_store.h"
#include <stddef.h>

#define LIST_COLS \
    "a.id, a.reg_no, a.cert_no, a.cert_kind_name, a.cycle_year, " \
    "a.institution_id, a.point_id, a.stage, a.subject, a.status, " \
    "a.submitted_at, a.decided_on, i.name AS institution_name, " \
    "p.name AS point_name, c.name AS applicant_name, c.id_type, " \
    "c.id_number, c.phone "

#define LIST_FROM \
    "FROM applications a " \
    "JOIN institutions i ON i.id = a.institution_id " \
    "JOIN confirmation_points p ON p.id = a.point_id " \
    "JOIN accounts c ON c.id = a.account_id "

/* 现场确认 is done in 网报待确认 (DESIGN.md's status machine). */
#define WORK_WHERE \
    "WHERE a.status = " JSZG_SQL_ST(JSZG_ST_PENDING) " " \
    "AND a.submitted_at >= %lld AND a.submitted_at < %lld AND "

/* The decided statuses, and the filters of the decided list (cycle,
 * result, institution). */
#define DECIDED_WHERE \
    "WHERE a.cycle_year = %d " \
    "AND a.status IN " JSZG_SQL_CONCLUSIONS " " \
    "AND (%s = '' OR a.status = %s) " \
    "AND (%s = '0' OR a.institution_id = %lld) AND "

/* One search key: the page of matches (newest submission first) and
 * their number up to the cap. */
#define FIND(name, cond) \
    SCOPED("lists_find_" name, \
      "SELECT " LIST_COLS LIST_FROM "WHERE " cond " AND ", \
      " ORDER BY a.submitted_at DESC, a.id DESC LIMIT %d OFFSET %d"), \
    SCOPED("lists_find_" name "_count", \
      "SELECT COUNT(*) AS n FROM (SELECT 1 AS x FROM applications a " \
      "JOIN institutions i ON i.id = a.institution_id " \
      "JOIN accounts c ON c.id = a.account_id WHERE " cond " AND ", \
      " LIMIT 1001) t")

const jszg_stmt jszg_lists_stmts[] = {
    /* ---- 确认点 worklist (网报待确认), day list ---- */
    SCOPED("lists_work",
      "SELECT " LIST_COLS LIST_FROM WORK_WHERE,
      " AND (%s = '' OR a.stage = %s) AND (%s = '' OR c.name LIKE %s) "
      "ORDER BY a.submitted_at, a.id LIMIT %d OFFSET %d"),
    /* the counts per 学段 under the date and name filters: the page's
     * counts and, summed, its total */
    SCOPED("lists_work_stages",
      "SELECT a.stage, COUNT(*) AS n FROM applications a "
      "JOIN institutions i ON i.id = a.institution_id " WORK_WHERE,
      " AND (%s = '' OR EXISTS (SELECT 1 FROM accounts c "
      "WHERE c.id = a.account_id AND c.name LIKE %s)) "
      "GROUP BY a.stage ORDER BY a.stage"),

    /* ---- decided applications and 公示 ---- */
    SCOPED("lists_decided",
      "SELECT " LIST_COLS LIST_FROM DECIDED_WHERE,
      " ORDER BY i.id, a.decided_on, a.reg_no LIMIT %d OFFSET %d"),
    SCOPED("lists_decided_counts",
      "SELECT a.status, COUNT(*) AS n FROM applications a "
      "JOIN institutions i ON i.id = a.institution_id " DECIDED_WHERE,
      " GROUP BY a.status ORDER BY a.status"),

    /* ---- search ---- */
    /* a name's start or its given name's start (one or two characters,
     * the same 'key%' twice), or three characters or more anywhere */
    FIND("name", "(c.name LIKE %s OR substr(c.name, 2) LIKE %s)"),
    FIND("name3", "c.name LIKE %s"),
    FIND("regno", "a.reg_no LIKE %s"),
    FIND("idno", "c.id_number = %s"),
    FIND("phone", "c.phone = %s"),
    { NULL, NULL }
};
