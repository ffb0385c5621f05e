#!/bin/sh
# Every field of the server and directory config structs must be handled by
# its merge function (a field added without merging silently loses vhost
# settings).  Fields filled after merging are listed as exempt.
exec /usr/bin/python3 - "$(dirname "$0")/../../mod_jszg" <<'PY'
import re, sys
src = sys.argv[1]
hdr = open(src + "/jszg_private.h", encoding="utf-8").read()
mod = open(src + "/mod_jszg.c", encoding="utf-8").read()

def fields(struct):
    body = re.search(r"typedef struct \{([^{}]*)\} %s;" % struct, hdr).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    return [re.sub(r"\[.*\]", "", d.split()[-1]).lstrip("*")
            for d in body.split(";") if d.strip()]

def merge_body(fn):
    return re.search(r"static void \*%s\(.*?\n\}" % fn, mod, re.S).group(0)

bad = []
for struct, fn, exempt in (("jszg_server_conf", "merge_server_conf", {"view"}),
                           ("jszg_dir_conf", "merge_dir_conf", set())):
    body = merge_body(fn)
    for f in fields(struct):
        if f not in exempt and not re.search(r"\b%s\b" % f, body):
            bad.append("%s.%s is not merged in %s()" % (struct, f, fn))
print("\n".join(bad) or "config merge covers every field")
sys.exit(1 if bad else 0)
PY
