/* jszg_records.h -- placeholder until the applicant's records land. */
#ifndef JSZG_RECORDS_H
#define JSZG_RECORDS_H
#define JSZG_RECORDS_ROUTES
#endif
