/*
 * jszg_directory.h -- the directory: regions (省, 市), 注册机构, 确认点
 * and the 网报计划 window of an institution, as the portal's pages, its
 * JSON API, the wizard and the records read them.  Handlers ask here
 * instead of naming statements; the SQL is dir_* in jszg_store_portal.c.
 *
 * Every function answers a store result (JSZG_DB_OK, JSZG_DB_NOTFOUND,
 * JSZG_DB_DOWN, JSZG_DB_ERROR); rows are jansson objects of strings, as
 * jszg_db_rows gives them, owned by the request pool.
 */
#ifndef JSZG_DIRECTORY_H
#define JSZG_DIRECTORY_H

#include "jszg_private.h"

int jszg_dir_provinces(jszg_req *jr, json_t **rows);
int jszg_dir_cities(jszg_req *jr, const char *province, json_t **rows);
/* NOTFOUND unless `code` is a region in service of `level` (1 省, 2 市;
 * 0: any level). */
int jszg_dir_region(jszg_req *jr, const char *code, int level,
                    json_t **row);
/* The 注册机构 of a city for one 学段: the city's own and the
 * province-wide ones, higher levels first. */
int jszg_dir_institutions(jszg_req *jr, const char *province,
                          const char *city, const char *stage,
                          json_t **rows);
/* One institution by id (a positive number of at most 12 digits; else
 * NOTFOUND), with its province's and city's names. */
int jszg_dir_institution(jszg_req *jr, const char *id, json_t **row);
/* The active 确认点 of an institution that confirm `stage` (NULL or "":
 * all of them). */
int jszg_dir_points(jszg_req *jr, const char *institution_id,
                    const char *stage, json_t **rows);
/* The institution's newest 网报计划 row (NOTFOUND: none). */
int jszg_dir_window(jszg_req *jr, const char *institution_id, json_t **row);

/* The window of an institution row as applicants are told it:
 * {status, message[, cycle_year, starts, ends, confirm_starts,
 * confirm_ends]}, status "open", "not_open", "closed" or "none" (an
 * inactive institution, no plan, or only an earlier cycle's plan).  The
 * rule is the rules core's (jszg_rules_window_state). */
int jszg_dir_window_state(jszg_req *jr, json_t *inst, json_t **out);

/* The province → city → 学段 → 注册机构 choice of a form, each select
 * narrowed to what fits the one above it.  Into `out`: "provinces",
 * "cities" once a province is chosen, "institutions" (and
 * "no_institutions", a message, when there are none) once a city and a
 * 学段 are; the chosen row of each is marked "selected".  A choice that
 * does not fit the one above (another province's city, a 学段 that is
 * not one) is dropped: the field becomes "".  stage NULL: a province →
 * city choice only. */
typedef struct {
    const char *province;       /* region codes, institution id; NULL or */
    const char *city;           /* "" when none chosen */
    const char *stage;
    const char *institution;
} jszg_dir_choice;

int jszg_dir_cascade(jszg_req *jr, jszg_dir_choice *c, json_t *out);

#endif /* JSZG_DIRECTORY_H */
