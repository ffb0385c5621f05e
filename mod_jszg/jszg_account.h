/* jszg_account.h -- placeholder until the account pages land. */
#ifndef JSZG_ACCOUNT_H
#define JSZG_ACCOUNT_H
#define JSZG_ACCOUNT_ROUTES
#endif
