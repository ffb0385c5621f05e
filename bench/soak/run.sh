#!/bin/sh
# bench/soak/run.sh -- mixed traffic for a long time against one httpd on
# PostgreSQL, sampling the RSS of every httpd child; reports the memory
# slope per child after warm-up and the count of 5xx (target: flat, zero).
#
#   bench/soak/run.sh                       30 minutes
#   DURATION=600 CONNS=16 WARMUP=120 bench/soak/run.sh
#   MODULE=path/mod_jszg.so ...             another build (default .libs/)
#   EXTRA="MaxMemFree 256" ...              more httpd.conf lines
#   PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ...
#                                           another malloc for httpd
#   ROOT=build/soak-b ...                   another working directory (two
#                                           soaks side by side, an A/B)
#
# Set-up: a throwaway cluster in build/soak/pg (bench/scale/pg.sh), a
# database made by sql/apply.sh pgsql --seed plus bench/scale/generate.sql
# at ACCOUNTS (default 20,000 accounts, 5,000 applications, 300
# institutions), 200 logged-in applicants and back-office sessions
# written into the database (bench/scale/sessions.py), one httpd with the
# test server tuning (event MPM, 4 processes x 25 threads, DBDMax 8,
# MaxConnectionsPerChild 0: children live for the whole run).
#
# Traffic (wrk, bench/scale/pages.lua, every request a random line of
# mix.txt): anonymous portal pages and APIs (home, news, notices, FAQ,
# windows, search, regions, login page, /api/v1/csrf which creates an
# anonymous session each time), applicant pages (业务平台, records, 详情,
# 申请表, 留言 — which marks messages read, a write — wizard and account
# reads), back office (queue, application page, stats, search, audit).
# Every SAMPLE seconds the RSS of each child is appended to rss.tsv.
# The report fits a line to each child's RSS after WARMUP seconds.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$TOP/bench/soak
ROOT=${ROOT:-$TOP/build/soak}
case $ROOT in /*) ;; *) ROOT=$TOP/$ROOT ;; esac
ROOT=$(/usr/bin/python3 "$TOP/conf/mkroot.py" --where "$ROOT")
DURATION=${DURATION:-1800}
WARMUP=${WARMUP:-$((DURATION / 5))}
SAMPLE=${SAMPLE:-10}
CONNS=${CONNS:-16}
ACCOUNTS=${ACCOUNTS:-20000}
. "$TOP/bench/scale/pg.sh"

mkdir -p "$ROOT"
pg_start "$ROOT/pg"
CONF=
WRK=
cleanup() {
    [ -n "$WRK" ] && kill "$WRK" 2>/dev/null || true
    [ -n "$CONF" ] && /usr/sbin/apache2 -f "$CONF" -k stop 2>/dev/null || true
    pg_stop "$ROOT/pg"
}
trap cleanup EXIT INT TERM

DB=jszg_soak
pg_createdb $DB 2>/dev/null
"$TOP/sql/apply.sh" pgsql "$PGBASE dbname=$DB" --seed >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$PGBASE dbname=$DB" -v accounts="$ACCOUNTS" \
    -v certs="$ACCOUNTS" -v apps="$((ACCOUNTS / 4))" -v institutions=300 \
    -f "$TOP/bench/scale/generate.sql" >"$ROOT/gen.log" 2>&1
psql -X -q -d "$PGBASE dbname=$DB" -c "VACUUM ANALYZE" >/dev/null

cp "${MODULE:-$TOP/.libs/mod_jszg.so}" "$ROOT/mod_jszg.so"
PORT=$(pg_free_port)
rm -rf "$ROOT/httpd"
CONF=$(/usr/bin/python3 "$TOP/conf/mkroot.py" --root "$ROOT/httpd" \
       --port "$PORT" --module "$ROOT/mod_jszg.so" --dbd-driver pgsql \
       --dbd-params "$PGBASE dbname=$DB" --extra "${EXTRA:-}")
if [ -n "${PRELOAD:-}" ]; then
    LD_PRELOAD=$PRELOAD /usr/sbin/apache2 -f "$CONF" -k start
else
    /usr/sbin/apache2 -f "$CONF" -k start
fi
until curl -fs "http://127.0.0.1:$PORT/static/css/site.css" >/dev/null; do sleep 0.2; done

/usr/bin/python3 "$TOP/bench/scale/sessions.py" "$PGBASE dbname=$DB" "$ROOT/req" 200
# ---- the mix ---------------------------------------------------------------------
R=$ROOT/req
APPIDS=$(pg_q $DB "SELECT id FROM applications ORDER BY md5(reg_no) LIMIT 50")
REGNOS=$(pg_q $DB "SELECT reg_no FROM applications ORDER BY md5(reg_no || 'x') LIMIT 20")
SYS=$(head -1 "$R/queue-sys.txt" | cut -f1)
INST=$(head -1 "$R/queue-inst.txt" | cut -f1)
{
    for p in / / / / /news /news/1 /news/2 /notices /notices/1 /help/faq \
             /help/faq/1 /help/contacts /windows /services /search?q=%E6%B3%A8%E5%86%8C \
             /login /register /cert /api/v1/regions /api/v1/regions/110000/cities \
             /api/v1/faq /api/v1/csrf /api/v1/csrf /api/v1/institutions/2/points \
             /api/v1/institutions/2/window /no-such-page; do
        printf -- '-\t%s\n' "$p"
    done
    # applicants: each line a random one of the 200
    cat "$R/platform.txt" "$R/platform.txt" "$R/records.txt" "$R/records.txt" "$R/detail.txt"
    sed 's/$/\/form/' "$R/detail.txt"
    sed 's/$/\/notes/' "$R/detail.txt"
    sed 's/$/\/messages/' "$R/detail.txt"
    sed 's#\t.*#\t/api/v1/dqzc/records#' "$R/records.txt"
    sed 's#\t.*#\t/platform/dqzc/wizard#' "$R/records.txt"
    sed 's#\t.*#\t/api/v1/schools?q=%E5%8C%97%E4%BA%AC#' "$R/records.txt"
    sed 's#\t.*#\t/platform/dqzc/notice#' "$R/records.txt"
    sed 's#\t.*#\t/platform/dqzc/windows#' "$R/records.txt"
    sed 's#\t.*#\t/account#' "$R/records.txt"
    sed 's#\t.*#\t/account/certs#' "$R/records.txt"
    sed 's#\t.*#\t/api/v1/platform#' "$R/records.txt"
    # back office: ~15 % of the lines
    for i in 1 2 3 4 5 6 7 8 9 10; do
        printf '%s\t/admin/queue\n' "$INST"
        printf '%s\t/admin/queue?page=2\n' "$SYS"
        printf '%s\t/admin/stats\n' "$INST"
        printf '%s\t/admin/audit\n' "$SYS"
    done
    for id in $APPIDS; do printf '%s\t/admin/apps/%s\n' "$SYS" "$id"; done
    for r in $REGNOS; do printf '%s\t/admin/search?q=%s\n' "$SYS" "$r"; done
    for i in $(seq 30); do printf '%s\t/admin/stats\n' "$SYS"; done
} >"$ROOT/mix.txt"
echo "mix: $(wc -l <"$ROOT/mix.txt") request lines; $DURATION s, $CONNS connections, RSS every $SAMPLE s"

# ---- run and sample ----------------------------------------------------------------
PIDFILE=$ROOT/httpd/run/httpd.pid
: >"$ROOT/rss.tsv"
t0=$(date +%s)
wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 10s --latency -s "$TOP/bench/scale/pages.lua" \
    "http://127.0.0.1:$PORT" -- "$ROOT/mix.txt" soak >"$ROOT/wrk.out" 2>&1 &
WRK=$!
while kill -0 "$WRK" 2>/dev/null; do
    now=$(( $(date +%s) - t0 ))
    ps --ppid "$(cat "$PIDFILE")" -o pid=,rss= | while read -r pid rss; do
        printf '%s\t%s\t%s\n' "$now" "$pid" "$rss"
    done >>"$ROOT/rss.tsv"
    sleep "$SAMPLE"
done
wait "$WRK" || true
WRK=
cat "$ROOT/wrk.out" | grep -E 'Latency|Req/Sec|requests in|RESULT|Non-2xx|Socket'
/usr/bin/python3 "$HERE/report.py" "$ROOT/rss.tsv" "$WARMUP"
n5=$(awk '$9 ~ /^5/ {n++} END {print n+0}' "$ROOT/httpd/logs/access_log")
echo "5xx in the access log: $n5"
echo "error_log lines at error or worse: $(grep -cE '\[[a-z_]*:(error|crit|alert|emerg)\]' "$ROOT/httpd/logs/error_log" || true)"
grep -E '\[[a-z_]*:(error|crit|alert|emerg)\]' "$ROOT/httpd/logs/error_log" | tail -5 || true
