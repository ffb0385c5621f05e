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

#endif /* JSZG_STORE_H */
