#!/bin/sh
# One Beijing calendar (issue 14): the UTC+8 offset is written once, in the
# rules core (mod_jszg/core/jszg_rules.[ch]: JSZG_BEIJING_OFFSET, the
# jszg_rules_beijing* functions, jszg_rules_parse_datetime, JSZG_FMT_ISO).
# Fails when a hand-written offset (28800, 8 * 3600, "+08:00", an
# apr_time_exp_tz with a literal zone) appears in the module's other
# sources.  Durations of eight hours are written 8 * 60 * 60 with a name
# (JSZG_DEFAULT_MAXLIFE, ADM_POST_GRACE), never as the offset's number.
# Run by `make unit`; with an argument, checks that directory instead.
dir=${1:-mod_jszg}
found=$(grep -snE \
    '28800|\b8 ?\* ?3600\b|\+08:00|apr_time_exp_tz *\([^,]*,[^,]*, *[0-9]' \
    "$dir"/*.c "$dir"/*.h)
if [ -n "$found" ]; then
    echo "$found"
    echo "a hand-written Beijing offset above: ask the rules core" \
         "(mod_jszg/core/jszg_rules.h, the Beijing calendar)"
    exit 1
fi
exit 0
