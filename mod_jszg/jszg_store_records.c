#include "jszg_store.h"
#include <stddef.h>
const jszg_stmt jszg_records_stmts[] = { { NULL, NULL } };
