#include "jszg_store.h"
#include <stddef.h>
const jszg_stmt jszg_wizard_stmts[] = { { NULL, NULL } };
