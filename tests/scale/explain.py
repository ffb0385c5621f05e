#!/usr/bin/python3
"""EXPLAIN every statement mod_jszg prepares, on the large database.

    tests/scale/explain.py [CONNINFO]        (default: the cluster that
        bench/scale/run.sh keeps in build/scale/pg, database jszg_big)
    ONLY=REGEX VERBOSE=1 tests/scale/explain.py   (some labels, every plan)

The statements are read from the source, as the module prepares them:
every `jszg_stmt NAME[] = { { "label", "sql" … }, … }` table in
mod_jszg/jszg_store*.c, run through cpp so that the file's macros
(SCOPED, APP_COLS, …) expand as the compiler expands them.  Placeholders
become typed parameters the way apr_dbd's pgsql driver declares them (%s
varchar, %d int4, %lld int8, %pDd date, %pDs timestamp; %% is %), each
statement is PREPAREd and then EXPLAIN EXECUTEd with representative
values: real keys sampled from the data (an applicant with applications,
the busiest institution, a session hash, …), filters switched off as the
pages send them ('' / '0'), "recent" times for `>` and "old" ones for the
purges' `<`.  A scoped back-office statement exists once per kind of
scope ("admin_queue__inst", …) and is explained with that role's values;
the few small-table statements that still test the role in SQL are
explained once per role.

A large table is one with more than LARGE_ROWS rows (pg_class.reltuples
after ANALYZE).  The test fails when any plan holds a Seq Scan of a large
table, except for the statements in ALLOWED (whole-table work by nature,
with the reason).  Both plans a statement can get are checked: the
custom plan (plan_cache_mode = force_custom_plan) and the generic plan
(force_generic_plan) that PostgreSQL switches a connection to after five
executions when it looks no dearer (a generic plan estimated at more
than REACHABLE times the custom one is never chosen, and passes).  The
HOT statements, those of every page view the scale benchmark measures,
must keep their generic plan: planned afresh on each execution they cost
the big database more than the small one.  Exit 0 when clean, 1 with
the list.
"""
import glob
import json
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
LARGE_ROWS = int(os.environ.get("LARGE_ROWS", "20000"))

# Statements that read a whole (scope of a) large table on purpose.
ALLOWED = {
    ("admin_stats_inst", "system"): "national statistics: every application of the cycle",
    ("admin_stats_day", "system"): "national statistics: every event of the cycle",
    ("admin_stats_inst", "province"): "a province's statistics: 16 % of all "
        "applications for 广东, cheaper read in order than through an index",
    ("admin_stats_day", "province"): "a province's statistics, as above",
    ("admin_queue_count", "system"): "size of the national 待注册审批 queue, "
        "counted up to QUEUE_COUNT_CAP + 1 rows: a scan under the LIMIT stops "
        "there (an index-only scan once the visibility map is current)",
}

# The search by name (jszg_store_lists.c) is explained with each of these
# keys, as staff type them: lists_find_name takes one or two characters
# (the start of a name or of a given name, 'key%'), lists_find_name3 three
# or more anywhere in the name ('%key%').  The generated accounts share 87
# names, so every key that matches is common (16,000 to 67,000 accounts);
# some match people without applications (伟, 李志, 李志强佳), which a
# plan walking the applications must read to the end.
NAME_KEYS = {
    "lists_find_name": ("伟", "孙", "秀英", "李志"),
    "lists_find_name3": ("张小明", "孙秀英", "刘桂英宁", "李志强佳"),
}

# The variants of a scoped statement (SCOPED in jszg_store_admin.c).
VARIANT_ROLE = {"all": "system", "point": "point", "inst": "institution",
                "prov": "province"}
# Both plans a prepared statement can get: custom (re-planned with the
# values, the first five executions and whenever it is cheaper) and generic
# (planned once for any values, chosen after five executions when its
# estimate is no worse).  A statement whose generic plan scans a large
# table is a slow page waiting to happen on a long-lived connection.
PLAN_MODES = ("custom", "generic")

# A generic plan whose estimate is more than REACHABLE times the custom
# plan's (with its planning cost) is never chosen: plancache.c keeps
# planning afresh while the generic plan costs more than the average
# custom one, so its seq scans do not count.  (The margin covers custom
# costs that vary with the values.)
REACHABLE = 10
# The statements of the pages measured by bench/scale: they must keep
# their generic plan (else PostgreSQL plans them on every execution, the
# 0.4 ms of 0.6 ms that made the 注册机构 queue 1.57x on 2M accounts).
# A province's queue (31 admins) is planned for its province each time.
HOT = {"session_get", "admin_session_get", "admin_queue_head__inst",
       "admin_queue_head__all", "admin_queue_size__inst",
       "admin_queue_size__all"}

PG_TYPES = {"s": "varchar", "d": "int4", "lld": "int8", "pDd": "date",
            "pDs": "timestamp"}
PH_RE = re.compile(r"%(%|lld|pDd|pDs|d|s)")

NOW = 1764400000


def psql(dsn, sql, check=True):
    r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                        "-d", dsn], input=sql, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return r


# ---- reading the statement tables ------------------------------------------
TOKEN_RE = re.compile(r'"((?:[^"\\]|\\.)*)"|([A-Za-z_][A-Za-z_0-9]*)|(\S)')


def c_unescape(s):
    """A C string literal's text: \\n, \\t, universal character names
    (\\u3000 in SCHOOL_KEY), else the escaped character itself."""
    return re.sub(r'\\(u[0-9a-fA-F]{4}|.)',
                  lambda m: chr(int(m.group(1)[1:], 16))
                  if len(m.group(1)) == 5
                  else {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)),
                  s)


def expand(path):
    """The file as the compiler sees it, macros expanded (SCOPED, APP_COLS,
    ...) and comments gone; jszg_store.h and the rules core's header are
    inlined, other #includes are dropped, since only string macros matter
    here."""
    src = open(path, encoding="utf-8").read()
    # jszg_store.h's macros (SCOPED, JSZG_SQL_HIST_OF_HOLDER) and those of
    # the rules core it includes (the status names JSZG_ST_*) are part of
    # the statements: inline them; other #includes go
    for name in ("jszg_store.h", "core/jszg_rules.h"):
        header = open(os.path.join(TOP, "mod_jszg", name),
                      encoding="utf-8").read()
        src = src.replace('#include "%s"' % os.path.basename(name), header)
    src = re.sub(r"^[ \t]*#[ \t]*include[^\n]*$", "", src, flags=re.M)
    r = subprocess.run(["cpp", "-P", "-undef", "-nostdinc", "-w"], input=src,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("%s: cpp failed: %s" % (path, r.stderr.strip()))
    return r.stdout


def read_statements():
    stmts = []
    for path in sorted(glob.glob(os.path.join(TOP, "mod_jszg", "jszg_store*.c"))):
        src = expand(path)
        for tm in re.finditer(r"jszg_stmt\s+(\w+)\s*\[\]\s*=\s*\{", src):
            body_start = tm.end()
            depth, i = 1, body_start
            while depth and i < len(src):
                if src[i] == '"':
                    i += 1
                    while src[i] != '"':
                        i += 2 if src[i] == "\\" else 1
                elif src[i] == "{":
                    depth += 1
                elif src[i] == "}":
                    depth -= 1
                i += 1
            body = src[body_start:i - 1]
            entry = None    # the fields of one { "label", "sql" }
            for t in TOKEN_RE.finditer(body):
                if t.group(3) == "{":
                    entry = [""]
                elif entry is None:
                    continue
                elif t.group(3) == "}":
                    if entry[0]:
                        stmts.append((os.path.basename(path), tm.group(1),
                                      entry[0], entry[1]))
                    entry = None
                elif t.group(3) == ",":
                    entry.append("")
                elif t.group(1) is not None:
                    entry[-1] += c_unescape(t.group(1))    # "a" "b" is "ab"
                elif t.group(2) != "NULL":
                    raise SystemExit("%s: %s: unexpected %r after cpp"
                                     % (path, entry[:1], t.group(0)))
    return stmts


# ---- representative values ------------------------------------------------------
def samples(dsn):
    q = """
SELECT json_build_object(
 'app', (SELECT row_to_json(a) FROM (SELECT a.id, a.reg_no, a.account_id, a.cert_no,
          a.institution_id, a.point_id FROM applications a
          WHERE a.status = '待注册审批' ORDER BY a.id DESC LIMIT 1) a),
 'acct', (SELECT row_to_json(c) FROM (SELECT c.id, c.id_number, c.name, c.phone
          FROM accounts c ORDER BY c.id DESC LIMIT 1) c),
 'busy_inst', (SELECT institution_id FROM applications WHERE status = '待注册审批'
          GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1),
 'busy_point', (SELECT point_id FROM applications WHERE status = '网报待确认'
          GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1),
 'session', (SELECT id_hash FROM sessions ORDER BY id_hash LIMIT 1))"""
    return json.loads(psql(dsn, q).stdout.strip())


def values_for(label, sql, smp, role, name_key=None):
    """One value per placeholder, chosen from the SQL just before and
    after it; name_key: the search key of lists_find_name*."""
    app, acct = smp["app"], smp["acct"]
    scoped = role is not None
    scope = {
        "system": ("8", "0", "0", ""),
        "province": ("4", "0", "0", "440000"),
        "institution": ("2", "0", str(smp["busy_inst"]), ""),
        "point": ("1", str(smp["busy_point"]), "0", ""),
    }[role or "system"]
    col_vals = {
        "id_hash": smp["session"], "key_hash": smp["session"],
        "reg_no": app["reg_no"], "account_id": str(app["account_id"]),
        "cert_no": app["cert_no"], "id_number": acct["id_number"],
        "holder_name": acct["name"], "name": acct["name"], "phone": acct["phone"],
        "institution_id": str(app["institution_id"]),
        "point_id": str(app["point_id"]), "status": "待注册审批",
        "review_state": "待核验", "kind": "acct.login.fail", "key": "10.0.0.1",
        "username": "sysadmin", "code": "110000", "parent_code": "110000",
        "province_code": "110000", "city_code": "110101",
        "business": "定期注册", "category": "", "purpose": "reset",
        "actor": "account:1", "target": "application:1", "action": "acct",
        "stage": "小学", "id_type": "居民身份证", "cycle_year": "2026",
        "year": "2021", "id": str(app["id"]), "title": "%注册%",
    }
    out = []
    for m in PH_RE.finditer(sql):
        t = m.group(1)
        if t == "%":
            continue
        before = sql[:m.start()]
        after = sql[m.end():]
        lit = re.match(r"\s*=\s*'([^']*)'", after)
        colm = re.search(r"([A-Za-z_]+)\s*(=|<>|<=|>=|<|>|LIKE|BETWEEN)\s*(LOWER\()?$",
                         before, flags=re.I)
        between_and = re.search(r"([A-Za-z_]+)\s+BETWEEN\s+%d\s+AND\s*$", before)
        if name_key and re.search(r"c\.name(, 2\))? LIKE\s*$", before):
            # lists_find_name: the start of the name or the given name
            out.append(("%%%s%%" if "name3" in label else "%s%%")
                       % name_key)
            continue
        if lit:
            v = lit.group(1)
            if scoped and v in ("8", "1", "2", "4"):
                v = scope[0]
            out.append(v)
            continue
        if scoped and colm and colm.group(1) in ("point_id", "institution_id",
                                                  "province_code") \
                and (re.search(r"%s\s*=\s*'[124]'\s+AND\s+\w+\.\w+\s*=\s*$",
                               before) or "__" in label):
            out.append({"point_id": scope[1], "institution_id": scope[2],
                        "province_code": scope[3]}[colm.group(1)])
            continue
        if re.search(r"LIMIT\s*$", before, flags=re.I):
            out.append("20")        # a page (the counts' caps are literals)
            continue
        if re.search(r"OFFSET\s*$", before, flags=re.I):
            out.append("0")
            continue
        if between_and:
            out.append("2025")
            continue
        if colm:
            col, op = colm.group(1), colm.group(2)
            if col.endswith("_at") or col in ("at", "issued_ms"):
                # purges look for the old rows, windows for recent ones
                out.append("1700000000" if op in ("<", "<=") else str(NOW - 3600))
                continue
            if op.upper() == "LIKE":
                # the worklist's name filter: a name's start; the
                # search by part of a 报名号: eight digits from its middle
                out.append({"name": "伟%",
                            "reg_no": "%" + app["reg_no"][6:14] + "%"}.get(
                                col, col_vals.get(col, "x%")))
                continue
            if col in col_vals:
                out.append(col_vals[col])
                continue
        if t == "d":
            out.append("2026")
        elif t == "lld":
            out.append(str(NOW))
        elif t == "pDd":
            out.append("2026-11-15")
        elif t == "pDs":
            out.append("2026-11-15 09:00:00")
        else:
            out.append("x")
    return out


def to_pg(sql):
    types = []
    n = [0]

    def sub(m):
        if m.group(1) == "%":
            return "%"
        types.append(PG_TYPES[m.group(1)])
        n[0] += 1
        return "$%d" % n[0]
    return PH_RE.sub(sub, sql), types


def lit(v):
    return "'" + v.replace("'", "''") + "'"


def scans(node):
    n = 1 if "Relation Name" in node else 0
    return n + sum(scans(ch) for ch in node.get("Plans", []))


def planning_cost(plan):
    """What plancache.c adds to a custom plan's cost for planning it:
    1000 * cpu_operator_cost (0.0025) per relation, plus one."""
    return 2.5 * (scans(plan) + 1)


def seq_scans(node, out):
    if node.get("Node Type") == "Seq Scan":
        out.append(node.get("Relation Name"))
    for ch in node.get("Plans", []):
        seq_scans(ch, out)
    return out


def main():
    if len(sys.argv) > 1:
        dsn = sys.argv[1]
    else:
        sys.path.insert(0, os.path.join(TOP, "conf"))
        import mkroot
        pf = os.path.join(mkroot.server_root(
            os.path.join(TOP, "build", "scale")), "pg", "port")
        if not os.path.exists(pf):
            sys.exit("no database: run KEEP=1 bench/scale/run.sh first, or "
                     "pass a conninfo")
        dsn = "host=127.0.0.1 port=%s user=postgres dbname=jszg_big" \
            % open(pf).read().strip()
    sizes = {}
    for line in psql(dsn, "SELECT relname, reltuples::bigint FROM pg_class "
                     "WHERE relkind = 'r' AND relnamespace = "
                     "'public'::regnamespace").stdout.split():
        r, n = line.split("|")
        sizes[r] = int(n)
    large = sorted(r for r, n in sizes.items() if n > LARGE_ROWS)
    if "applications" not in large:
        sys.exit("the database is not large (applications has %s rows): "
                 "generate it with bench/scale/run.sh" % sizes.get("applications"))
    print("large tables (> %d rows): %s" % (LARGE_ROWS, ", ".join(
        "%s %d" % (r, sizes[r]) for r in large)))
    smp = samples(dsn)
    stmts = read_statements()
    if os.environ.get("ONLY"):         # ONLY=regex: those labels only
        stmts = [st for st in stmts if re.search(os.environ["ONLY"], st[2])]
    failures, checked, plans = [], 0, []
    for fname, table, label, sql in stmts:
        pgsql, types = to_pg(sql)
        base, _, variant = label.partition("__")
        if variant:
            roles = [VARIANT_ROLE[variant]]
        elif "= '8'" in sql:
            roles = ["system", "province", "institution", "point"]
        else:
            roles = [None]
        keys = NAME_KEYS.get(re.sub(r"_count$", "", base), (None,))
        for role, key in [(r, k) for r in roles for k in keys]:
            vals = values_for(label, sql, smp, role, key)
            assert len(vals) == len(types), label
            got = {}
            for mode in PLAN_MODES:
                script = "SET plan_cache_mode = force_%s_plan;\n" % mode
                script += "PREPARE s%s AS %s;\n" % (
                    "(" + ", ".join(types) + ")" if types else "", pgsql)
                script += "EXPLAIN (FORMAT JSON) EXECUTE s%s;\n" % (
                    "(" + ", ".join(lit(v) for v in vals) + ")" if vals else "")
                r = psql(dsn, script, check=False)
                if r.returncode != 0:
                    failures.append((label, role, mode, "does not prepare: "
                                     + r.stderr.strip().splitlines()[0]))
                    break
                got[mode] = json.loads(r.stdout[r.stdout.index("["):])[0]["Plan"]
                checked += 1
            if len(got) < len(PLAN_MODES):
                continue
            custom = got["custom"]["Total Cost"] + planning_cost(got["custom"])
            generic = got["generic"]["Total Cost"]
            reachable = generic <= REACHABLE * custom
            for mode in PLAN_MODES:
                plan = got[mode]
                bad = sorted(set(t for t in seq_scans(plan, []) if t in large))
                tag = "%s%s%s %s" % (label, " [%s]" % role if len(roles) > 1
                                     else "", " %s" % key if key else "",
                                     mode)
                plans.append((tag, plan.get("Total Cost"), bad))
                if not bad:
                    continue
                why = ALLOWED.get((base, role or "system"))
                if mode == "generic" and not reachable:
                    why = "never chosen: %.0f against %.0f" % (generic, custom)
                if why:
                    print("allowed  %-44s seq scan %s (%s)"
                          % (tag, ",".join(bad), why))
                else:
                    failures.append((label + (" " + key if key else ""),
                                     role, mode,
                                     "seq scan of " + ", ".join(bad)))
            if label in HOT and generic > custom:
                failures.append((label, role, "generic", "planned afresh on "
                                 "every execution: generic %.1f > custom %.1f"
                                 % (generic, custom)))
    if os.environ.get("VERBOSE"):
        for tag, cost, bad in plans:
            print("%-48s cost %10.1f %s" % (tag, cost, ",".join(bad)))
    print("%d statements, %d plans checked" % (len(stmts), checked))
    if failures:
        for label, role, mode, msg in failures:
            print("FAIL %-32s %-12s %-8s %s" % (label, role or "", mode, msg))
        sys.exit(1)
    print("ok: no sequential scan of a large table")


if __name__ == "__main__":
    main()
