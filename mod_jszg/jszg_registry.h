/* jszg_registry.h -- a teacher's record of a cycle in the registry
 * (jszg_registry.c). */
#ifndef JSZG_REGISTRY_H
#define JSZG_REGISTRY_H

#include "jszg_private.h"
#include "jszg_rules.h"

/* 年度考核, 学时 and 师德 of the JSZG_RULE_YEARS years before a cycle
 * year, as rows (the request pool's) and as the rules core's facts and
 * verdict. */
typedef struct {
    json_t *assessments;        /* year, grade, unit; by year */
    json_t *training;           /* year, hours, course */
    json_t *ethics;             /* recorded_on, result, note */
    jszg_cycle_facts facts;
    jszg_cycle_verdict verdict;
} jszg_cycle_record;

/* Reads and judges (jszg_rules_cycle_judge) the record of id_number for
 * the cycle year; the wizard's step 4 and the staff page both ask here.
 * A JSZG_DB_* status. */
int jszg_registry_cycle(jszg_req *jr, const char *id_number, int cycle,
                        jszg_cycle_record *rec);

#endif /* JSZG_REGISTRY_H */
