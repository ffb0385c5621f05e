/* jszg_portal.h -- placeholder until the portal pages land. */
#ifndef JSZG_PORTAL_H
#define JSZG_PORTAL_H
#define JSZG_PORTAL_ROUTES
#endif
