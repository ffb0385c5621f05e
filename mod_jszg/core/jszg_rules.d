mod_jszg/core/jszg_rules.lo: mod_jszg/core/jszg_rules.c \
 mod_jszg/core/jszg_rules.h
mod_jszg/core/jszg_rules.h:
