#include "jszg_store.h"
#include <stddef.h>
const jszg_stmt jszg_admin_stmts[] = { { NULL, NULL } };
