/*
 * jszg_store.h -- statement tables.  Each area of the portal keeps its SQL
 * in a jszg_store_<area>.c file as a { label, sql } table; jszg_store.c
 * prepares every table at startup.
 */
#ifndef JSZG_STORE_H
#define JSZG_STORE_H

#include "jszg_rules.h"

typedef struct {
    const char *label;
    const char *sql;
} jszg_stmt;

extern const jszg_stmt jszg_portal_stmts[];
extern const jszg_stmt jszg_account_stmts[];
extern const jszg_stmt jszg_wizard_stmts[];
extern const jszg_stmt jszg_admin_stmts[];
extern const jszg_stmt jszg_records_stmts[];
extern const jszg_stmt jszg_housekeeping_stmts[];
extern const jszg_stmt jszg_lists_stmts[];
extern const jszg_stmt jszg_orgs_stmts[];

/* The four variants of a scoped back-office statement (see
 * jszg_store_admin.c): HEAD, the scope test, TAIL.  The national one
 * takes the role too ('8'), so that every variant takes its arguments in
 * the same order.  The statement names applications "a" and
 * institutions "i"; jszg_adm_scoped() picks the variant. */
#define SCOPED(name, head, tail) \
    { name "__all",   head "%s = '8'" tail }, \
    { name "__point", head "a.point_id = %lld" tail }, \
    { name "__inst",  head "a.institution_id = %lld" tail }, \
    { name "__prov",  head "i.province_code = %s" tail }

/* Institutions (i) a staff member may administer: system admins all,
 * province admins their province's (role, role, province code). */
#define JSZG_SQL_INST_SCOPE \
    "(%s = '8' OR (%s = '4' AND i.province_code = %s))"

/* A certificate's registrations are its holder's.  The condition that a
 * registrations_history row h is this holder's (the upper-cased ID
 * number, given twice): written for them by a staff decision, or a
 * registry row (id_number NULL: the feed, the seed) of a certificate the
 * registry gives them.  sql/<engine>/011_cert_holder.sql. */
#define JSZG_SQL_HIST_OF_HOLDER \
    "(h.id_number = %s OR (h.id_number IS NULL AND EXISTS (SELECT 1 " \
    "FROM certificates r WHERE r.cert_no = h.cert_no " \
    "AND UPPER(r.id_number) = %s)))"

/* A status in SQL: the rules core's name (JSZG_ST_*) as a literal. */
#define JSZG_SQL_ST(st) "'" st "'"

/* The statuses of an application still in progress (not concluded). */
#define JSZG_SQL_OPEN_STATUSES \
    "(" JSZG_SQL_ST(JSZG_ST_PENDING) ", " JSZG_SQL_ST(JSZG_ST_REJECTED) \
    ", " JSZG_SQL_ST(JSZG_ST_CONFIRMED) ")"

/* The three conclusions of 注册审批. */
#define JSZG_SQL_CONCLUSIONS \
    "(" JSZG_SQL_ST(JSZG_ST_PASS) ", " JSZG_SQL_ST(JSZG_ST_DEFER) ", " \
    JSZG_SQL_ST(JSZG_ST_FAIL) ")"

#endif /* JSZG_STORE_H */
