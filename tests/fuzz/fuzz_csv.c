/*
 * fuzz_csv.c - libFuzzer target for the CSV reader: any input must give a
 * status, never a crash, and a successful parse must respect the limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>

#include "jszg_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    apr_pool_t *p;
    apr_array_header_t *recs;
    jszg_csv_limits lim;
    int line, i, j;

    if (!init) {
        apr_initialize();
        init = 1;
    }
    apr_pool_create(&p, NULL);
    jszg_csv_limits_default(&lim);
    lim.max_records = 200;
    lim.max_fields = 16;
    lim.max_field_len = 64;
    if (jszg_csv_parse(p, (const char *)data, size, &lim, &recs, &line)
        == JSZG_CSV_OK) {
        if (recs->nelts < 1 || recs->nelts > lim.max_records)
            abort();
        for (i = 0; i < recs->nelts; i++) {
            jszg_csv_record *r = &APR_ARRAY_IDX(recs, i, jszg_csv_record);
            if (r->nfields < 1 || r->nfields > lim.max_fields || r->line < 1)
                abort();
            for (j = 0; j < r->nfields; j++)
                if (strlen(r->fields[j]) > lim.max_field_len)
                    abort();
        }
    }
    apr_pool_destroy(p);
    return 0;
}
