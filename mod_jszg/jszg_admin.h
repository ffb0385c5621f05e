/* jszg_admin.h -- placeholder until the back office lands. */
#ifndef JSZG_ADMIN_H
#define JSZG_ADMIN_H
#define JSZG_ADMIN_ROUTES
#endif
