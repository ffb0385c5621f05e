/*
 * jszg_registry.c -- a teacher's record of a cycle in the registry (the
 * imported 年度考核, 培训学时 and 师德 rows; statements registry_* in
 * jszg_store_portal.c), read once and judged by the rules core for both
 * the applicant's step 4 and the staff page.
 */
#include "jszg_registry.h"
#include "apr_strings.h"

int jszg_registry_cycle(jszg_req *jr, const char *id_number, int cycle,
                        jszg_cycle_record *rec)
{
    const char *from = apr_itoa(jr->pool, cycle - JSZG_RULE_YEARS);
    const char *to = apr_itoa(jr->pool, cycle - 1);
    jszg_cycle_facts *f = &rec->facts;
    const char *result;
    json_t *row;
    size_t i;
    int rc, y;

    memset(rec, 0, sizeof(*rec));
    if ((rc = jszg_db_rows(jr, "registry_assessments", &rec->assessments,
                           3, id_number, from, to)) != JSZG_DB_OK
        || (rc = jszg_db_rows(jr, "registry_training", &rec->training, 3,
                              id_number, from, to)) != JSZG_DB_OK
        || (rc = jszg_db_rows(jr, "registry_ethics", &rec->ethics, 1,
                              id_number)) != JSZG_DB_OK)
        return rc;
    json_array_foreach(rec->assessments, i, row) {
        y = (int)jszg_jint(row, "year") - (cycle - JSZG_RULE_YEARS);
        if (y >= 0 && y < JSZG_RULE_YEARS)
            f->grade[y] = jszg_rules_grade(jszg_jstr(row, "grade"));
    }
    json_array_foreach(rec->training, i, row)
        f->hours += (long)jszg_jint(row, "hours");
    f->ethics_records = (int)json_array_size(rec->ethics);
    json_array_foreach(rec->ethics, i, row)
        if ((result = jszg_jstr(row, "result")) && !strcmp(result, "不合格"))
            f->ethics_bad = 1;
    jszg_rules_cycle_judge(f, &rec->verdict);
    return JSZG_DB_OK;
}
