mod_jszg/core/jszg_pager.lo: mod_jszg/core/jszg_pager.c \
 mod_jszg/core/jszg_pager.h
mod_jszg/core/jszg_pager.h:
