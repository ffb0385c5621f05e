/* jszg_admission.h -- placeholder until admission control lands. */
#ifndef JSZG_ADMISSION_H
#define JSZG_ADMISSION_H
#include "apr_pools.h"
#define JSZG_ADMISSION_CMDS
static inline void *jszg_adm_create_conf(apr_pool_t *p) { (void)p; return NULL; }
static inline void *jszg_adm_merge_conf(apr_pool_t *p, void *b, void *a)
{ (void)p; (void)b; (void)a; return NULL; }
static inline void jszg_adm_register_hooks(apr_pool_t *p) { (void)p; }
#endif
