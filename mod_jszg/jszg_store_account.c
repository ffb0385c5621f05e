#include "jszg_store.h"
#include <stddef.h>
const jszg_stmt jszg_account_stmts[] = { { NULL, NULL } };
