mod_jszg/core/jszg_view.lo: mod_jszg/core/jszg_view.c \
 /usr/include/apr-1.0/apr_cstr.h /usr/include/apr-1.0/apr.h \
 /usr/include/apr-1.0/apr_pools.h /usr/include/apr-1.0/apr.h \
 /usr/include/apr-1.0/apr_errno.h /usr/include/apr-1.0/apr_general.h \
 /usr/include/apr-1.0/apr_pools.h /usr/include/apr-1.0/apr_want.h \
 /usr/include/apr-1.0/apr_allocator.h \
 /usr/include/apr-1.0/apr_thread_mutex.h /usr/include/apr-1.0/apr_time.h \
 /usr/include/apr-1.0/apr_tables.h /usr/include/apr-1.0/apr_file_info.h \
 /usr/include/apr-1.0/apr_user.h /usr/include/apr-1.0/apr_tables.h \
 /usr/include/apr-1.0/apr_file_io.h /usr/include/apr-1.0/apr_file_info.h \
 /usr/include/apr-1.0/apr_inherit.h /usr/include/apr-1.0/apr_hash.h \
 /usr/include/apr-1.0/apr_lib.h /usr/include/apr-1.0/apr_strings.h \
 /usr/include/libxml2/libxml/HTMLtree.h \
 /usr/include/libxml2/libxml/xmlversion.h \
 /usr/include/libxml2/libxml/xmlexports.h \
 /usr/include/libxml2/libxml/tree.h \
 /usr/include/libxml2/libxml/xmlstring.h \
 /usr/include/libxml2/libxml/xmlregexp.h \
 /usr/include/libxml2/libxml/dict.h \
 /usr/include/libxml2/libxml/xmlmemory.h \
 /usr/include/libxml2/libxml/threads.h \
 /usr/include/libxml2/libxml/globals.h \
 /usr/include/libxml2/libxml/parser.h /usr/include/libxml2/libxml/hash.h \
 /usr/include/libxml2/libxml/valid.h \
 /usr/include/libxml2/libxml/xmlerror.h \
 /usr/include/libxml2/libxml/list.h \
 /usr/include/libxml2/libxml/xmlautomata.h \
 /usr/include/libxml2/libxml/entities.h \
 /usr/include/libxml2/libxml/encoding.h \
 /usr/include/libxml2/libxml/xmlIO.h /usr/include/libxml2/libxml/SAX2.h \
 /usr/include/libxml2/libxml/xlink.h \
 /usr/include/libxml2/libxml/HTMLparser.h mod_jszg/core/jszg_view.h
/usr/include/apr-1.0/apr_cstr.h:
/usr/include/apr-1.0/apr.h:
/usr/include/apr-1.0/apr_pools.h:
/usr/include/apr-1.0/apr.h:
/usr/include/apr-1.0/apr_errno.h:
/usr/include/apr-1.0/apr_general.h:
/usr/include/apr-1.0/apr_pools.h:
/usr/include/apr-1.0/apr_want.h:
/usr/include/apr-1.0/apr_allocator.h:
/usr/include/apr-1.0/apr_thread_mutex.h:
/usr/include/apr-1.0/apr_time.h:
/usr/include/apr-1.0/apr_tables.h:
/usr/include/apr-1.0/apr_file_info.h:
/usr/include/apr-1.0/apr_user.h:
/usr/include/apr-1.0/apr_tables.h:
/usr/include/apr-1.0/apr_file_io.h:
/usr/include/apr-1.0/apr_file_info.h:
/usr/include/apr-1.0/apr_inherit.h:
/usr/include/apr-1.0/apr_hash.h:
/usr/include/apr-1.0/apr_lib.h:
/usr/include/apr-1.0/apr_strings.h:
/usr/include/libxml2/libxml/HTMLtree.h:
/usr/include/libxml2/libxml/xmlversion.h:
/usr/include/libxml2/libxml/xmlexports.h:
/usr/include/libxml2/libxml/tree.h:
/usr/include/libxml2/libxml/xmlstring.h:
/usr/include/libxml2/libxml/xmlregexp.h:
/usr/include/libxml2/libxml/dict.h:
/usr/include/libxml2/libxml/xmlmemory.h:
/usr/include/libxml2/libxml/threads.h:
/usr/include/libxml2/libxml/globals.h:
/usr/include/libxml2/libxml/parser.h:
/usr/include/libxml2/libxml/hash.h:
/usr/include/libxml2/libxml/valid.h:
/usr/include/libxml2/libxml/xmlerror.h:
/usr/include/libxml2/libxml/list.h:
/usr/include/libxml2/libxml/xmlautomata.h:
/usr/include/libxml2/libxml/entities.h:
/usr/include/libxml2/libxml/encoding.h:
/usr/include/libxml2/libxml/xmlIO.h:
/usr/include/libxml2/libxml/SAX2.h:
/usr/include/libxml2/libxml/xlink.h:
/usr/include/libxml2/libxml/HTMLparser.h:
mod_jszg/core/jszg_view.h:
