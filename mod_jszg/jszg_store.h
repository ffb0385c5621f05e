/*
 * jszg_store.h -- statement tables.  Each area of the portal keeps its SQL
 * in a jszg_store_<area>.c file as a { label, sql } table; jszg_store.c
 * prepares every table at startup.
 */
#ifndef JSZG_STORE_H
#define JSZG_STORE_H

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
extern const jszg_stmt jszg_orgs_stmts[];

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

#endif /* JSZG_STORE_H */
