/* jszg_wizard.h -- placeholder until the 定期注册 wizard lands. */
#ifndef JSZG_WIZARD_H
#define JSZG_WIZARD_H
#define JSZG_WIZARD_ROUTES
#endif
