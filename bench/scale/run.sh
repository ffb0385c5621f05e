#!/bin/sh
# bench/scale/run.sh -- the applicant pages and the reviewer queue on a
# national-size PostgreSQL database against the same pages on a 1,000-row
# database, in one run (issue 8, "scale").
#
#   bench/scale/run.sh                 generate (if needed) and measure
#   ACCOUNTS=2000000 APPS=500000 DURATION=20 CONNS=8 bench/scale/run.sh
#   REGEN=1 ...                        regenerate the large database
#   MODULE=path/mod_jszg.so ...        another build (default .libs/)
#   KEEP=1 ...                         leave the cluster running (for
#                                      tests/scale/explain.py)
#   GEN_ONLY=1 ...                     only generate, do not measure
#
# One throwaway cluster in build/scale/pg (kept between runs: generating
# 2M accounts takes minutes).  Databases: jszg_big (ACCOUNTS accounts and
# certificates, APPS applications, 300 institutions) and jszg_small
# (1,000 accounts and certificates, 250 applications, the same 300
# institutions); both are sql/apply.sh pgsql --seed, then
# bench/scale/generate.sql, then VACUUM ANALYZE.  Two httpd (event MPM,
# the test server tuning: 4 processes x 25 threads, DBDMax 8), one per
# database, the same module.  For each page, wrk (pages.lua: every
# request a random one of 200 logged-in applicants, sessions written
# straight into the database) runs DURATION seconds against the small
# server, then the big one, after a warm-up of each; it prints p50/p99
# and the p99 ratio big/small (target <= 1.5).
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$TOP/bench/scale
ROOT=$(/usr/bin/python3 "$TOP/conf/mkroot.py" --where "$TOP/build/scale")
ACCOUNTS=${ACCOUNTS:-2000000}
CERTS=${CERTS:-$ACCOUNTS}
APPS=${APPS:-$((ACCOUNTS / 4))}
SMALL=${SMALL:-1000}
DURATION=${DURATION:-20}
CONNS=${CONNS:-8}
USERS=${USERS:-200}
PAGES=${PAGES:-"platform records detail queue-inst queue-sys"}
. "$HERE/pg.sh"

mkdir -p "$ROOT"
pg_start "$ROOT/pg"
HTTPD_CONFS=
cleanup() {
    for c in $HTTPD_CONFS; do /usr/sbin/apache2 -f "$c" -k stop 2>/dev/null || true; done
    [ "${KEEP:-0}" = 1 ] || pg_stop "$ROOT/pg"
}
trap cleanup EXIT

# ---- databases ---------------------------------------------------------------
have() {   # have DB ACCOUNTS: the database exists with that generated size
    [ "$(pg_q postgres "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ] &&
    [ "$(pg_q "$1" "SELECT value FROM scale_meta WHERE key = 'accounts'" 2>/dev/null)" = "$2" ]
}
gen() {    # gen DB ACCOUNTS CERTS APPS
    echo "== generating $1: $2 accounts, $3 certificates, $4 applications"
    pg_createdb "$1"
    "$TOP/sql/apply.sh" pgsql "$PGBASE dbname=$1" --seed >/dev/null
    t0=$(date +%s)
    psql -X -q -v ON_ERROR_STOP=1 -d "$PGBASE dbname=$1" -v accounts="$2" \
        -v certs="$3" -v apps="$4" -v institutions=300 \
        -f "$HERE/generate.sql" >"$ROOT/gen-$1.log" 2>&1 \
        || { tail "$ROOT/gen-$1.log" >&2; exit 1; }
    t1=$(date +%s)
    psql -X -q -d "$PGBASE dbname=$1" -c "VACUUM ANALYZE" >/dev/null
    t2=$(date +%s)
    pg_q "$1" "CREATE TABLE scale_meta (key TEXT PRIMARY KEY, value TEXT);
               INSERT INTO scale_meta VALUES ('accounts', '$2'),
               ('generate_s', '$((t1 - t0))'), ('analyze_s', '$((t2 - t1))')"
    echo "   generated in $((t1 - t0)) s, VACUUM ANALYZE $((t2 - t1)) s"
}
if [ "${REGEN:-0}" = 1 ] || ! have jszg_big "$ACCOUNTS"; then
    gen jszg_big "$ACCOUNTS" "$CERTS" "$APPS"
fi
if ! have jszg_small "$SMALL"; then
    gen jszg_small "$SMALL" "$SMALL" "$((SMALL / 4))"
fi
# apply any newer migration (e.g. 005_indexes) to kept databases
for db in jszg_big jszg_small; do
    "$TOP/sql/apply.sh" pgsql "$PGBASE dbname=$db" >/dev/null
done

sizes() {
    pg_q "$1" "SELECT (SELECT COUNT(*) FROM accounts) || ' accounts, ' ||
        (SELECT COUNT(*) FROM certificates) || ' certificates, ' ||
        (SELECT COUNT(*) FROM applications) || ' applications, ' ||
        (SELECT COUNT(*) FROM application_events) || ' events, ' ||
        (SELECT COUNT(*) FROM institutions) || ' institutions, ' ||
        pg_size_pretty(pg_database_size('$1'))"
}
echo "jszg_big:   $(sizes jszg_big)"
echo "jszg_small: $(sizes jszg_small)"
[ "${GEN_ONLY:-0}" = 1 ] && exit 0

# ---- servers -------------------------------------------------------------------
# a private copy of the module: others may rebuild .libs/ during the run
cp "${MODULE:-$TOP/.libs/mod_jszg.so}" "$ROOT/mod_jszg.so"
start_httpd() {   # start_httpd NAME DB -> sets PORT_<NAME>
    port=$(pg_free_port)
    conf=$(/usr/bin/python3 "$TOP/conf/mkroot.py" --root "$ROOT/httpd-$1" \
           --port "$port" --module "$ROOT/mod_jszg.so" --dbd-driver pgsql \
           --dbd-params "$PGBASE dbname=$2")
    : >"$ROOT/httpd-$1/logs/error_log"
    /usr/sbin/apache2 -f "$conf" -k start
    HTTPD_CONFS="$HTTPD_CONFS $conf"
    until curl -fs "http://127.0.0.1:$port/static/css/site.css" >/dev/null; do sleep 0.2; done
    eval "PORT_$1=$port"
}
start_httpd small jszg_small
start_httpd big jszg_big
/usr/bin/python3 "$HERE/sessions.py" "$PGBASE dbname=jszg_small" "$ROOT/req-small" "$USERS"
/usr/bin/python3 "$HERE/sessions.py" "$PGBASE dbname=jszg_big" "$ROOT/req-big" "$USERS"

# ---- measure -----------------------------------------------------------------------
RES=$ROOT/results.txt
: >"$RES"
measure() {   # measure SIZE PAGE SECONDS
    eval "port=\$PORT_$1"
    wrk -t2 -c"$CONNS" -d"$3s" --latency -s "$HERE/pages.lua" \
        "http://127.0.0.1:$port" -- "$ROOT/req-$1/$2.txt" "$1:$2" \
        | grep '^RESULT'
}
for page in $PAGES; do
    for size in small big; do
        measure "$size" "$page" 3 >/dev/null           # warm up
        measure "$size" "$page" "$DURATION" | tee -a "$RES"
    done
done

echo
echo "page        | small p50 / p99 ms | big p50 / p99 ms | p99 big/small | big req/s | non-200"
awk '
/^RESULT/ {
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    split(v["label"], lp, ":"); size = lp[1]; page = lp[2]
    p50[size, page] = v["p50_ms"]; p99[size, page] = v["p99_ms"]
    rps[size, page] = v["rps"]
    bad[page] += v["redir"] + v["err4"] + v["err5"] + v["sockerr"]
    if (!(page in seen)) { seen[page] = 1; order[++n] = page }
}
END {
    for (i = 1; i <= n; i++) {
        p = order[i]
        printf "%-11s | %7.2f / %7.2f  | %6.2f / %7.2f | %5.2f %s | %8.0f | %d\n",
            p, p50["small", p], p99["small", p], p50["big", p], p99["big", p],
            p99["big", p] / p99["small", p],
            (p99["big", p] / p99["small", p] <= 1.5 ? "ok " : "HIGH"),
            rps["big", p], bad[p]
    }
}' "$RES"
for n in small big; do
    if grep -E '\[(error|crit|alert|emerg)\]' "$ROOT/httpd-$n/logs/error_log" >/dev/null; then
        echo "errors in $ROOT/httpd-$n/logs/error_log:"
        grep -E '\[(error|crit|alert|emerg)\]' "$ROOT/httpd-$n/logs/error_log" | tail -5
    fi
done
