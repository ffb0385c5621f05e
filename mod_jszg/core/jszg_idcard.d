mod_jszg/core/jszg_idcard.lo: mod_jszg/core/jszg_idcard.c \
 /usr/include/apr-1.0/apr_strings.h /usr/include/apr-1.0/apr.h \
 /usr/include/apr-1.0/apr_errno.h /usr/include/apr-1.0/apr_pools.h \
 /usr/include/apr-1.0/apr_general.h /usr/include/apr-1.0/apr_want.h \
 /usr/include/apr-1.0/apr_allocator.h \
 /usr/include/apr-1.0/apr_thread_mutex.h /usr/include/apr-1.0/apr_time.h \
 /usr/include/apr-1.0/apr_lib.h mod_jszg/core/jszg_idcard.h \
 /usr/include/apr-1.0/apr_pools.h mod_jszg/core/jszg_rules.h \
 mod_jszg/core/jszg_form.h /usr/include/apr-1.0/apr_tables.h
/usr/include/apr-1.0/apr_strings.h:
/usr/include/apr-1.0/apr.h:
/usr/include/apr-1.0/apr_errno.h:
/usr/include/apr-1.0/apr_pools.h:
/usr/include/apr-1.0/apr_general.h:
/usr/include/apr-1.0/apr_want.h:
/usr/include/apr-1.0/apr_allocator.h:
/usr/include/apr-1.0/apr_thread_mutex.h:
/usr/include/apr-1.0/apr_time.h:
/usr/include/apr-1.0/apr_lib.h:
mod_jszg/core/jszg_idcard.h:
/usr/include/apr-1.0/apr_pools.h:
mod_jszg/core/jszg_rules.h:
mod_jszg/core/jszg_form.h:
/usr/include/apr-1.0/apr_tables.h:
