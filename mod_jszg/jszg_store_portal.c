#include "jszg_store.h"
#include <stddef.h>
const jszg_stmt jszg_portal_stmts[] = { { NULL, NULL } };
