mod_jszg/core/jszg_password.lo: mod_jszg/core/jszg_password.c \
 mod_jszg/core/jszg_password.h /usr/include/apr-1.0/apr_pools.h \
 /usr/include/apr-1.0/apr.h /usr/include/apr-1.0/apr_errno.h \
 /usr/include/apr-1.0/apr_general.h /usr/include/apr-1.0/apr_pools.h \
 /usr/include/apr-1.0/apr_want.h /usr/include/apr-1.0/apr_allocator.h \
 /usr/include/apr-1.0/apr_thread_mutex.h /usr/include/apr-1.0/apr_time.h \
 /usr/include/apr-1.0/apr_general.h /usr/include/apr-1.0/apr_lib.h \
 /usr/include/apr-1.0/apr_md5.h /usr/include/apr-1.0/apu.h \
 /usr/include/apr-1.0/apr_xlate.h /usr/include/apr-1.0/apr_strings.h
mod_jszg/core/jszg_password.h:
/usr/include/apr-1.0/apr_pools.h:
/usr/include/apr-1.0/apr.h:
/usr/include/apr-1.0/apr_errno.h:
/usr/include/apr-1.0/apr_general.h:
/usr/include/apr-1.0/apr_pools.h:
/usr/include/apr-1.0/apr_want.h:
/usr/include/apr-1.0/apr_allocator.h:
/usr/include/apr-1.0/apr_thread_mutex.h:
/usr/include/apr-1.0/apr_time.h:
/usr/include/apr-1.0/apr_general.h:
/usr/include/apr-1.0/apr_lib.h:
/usr/include/apr-1.0/apr_md5.h:
/usr/include/apr-1.0/apu.h:
/usr/include/apr-1.0/apr_xlate.h:
/usr/include/apr-1.0/apr_strings.h:
