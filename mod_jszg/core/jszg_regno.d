mod_jszg/core/jszg_regno.lo: mod_jszg/core/jszg_regno.c \
 mod_jszg/core/jszg_regno.h
mod_jszg/core/jszg_regno.h:
