#!/bin/sh
# Two pages of the module against static files holding their exact bytes,
# served by the same httpd in the same run (seed data):
#   home      /           anonymous home page (template, two queries)
#   platform  /platform   业务平台, logged in as demo applicant 1
# Each pair is measured alternately, page then its static file, for ROUNDS
# rounds (default 3); the median requests/s of each is reported with the
# ratio page/static, and the load average before and after (the machine
# may be shared: a busy neighbour shows there).
# Beside requests/s, the CPU time the httpd children spent per request
# (utime + stime from /proc over each wrk run, microseconds): on a shared
# machine a neighbour's load moves the rate a lot and this much less; the
# CPU ratio static/page is what a quiet machine's rate ratio tends to
# (wrk's own CPU, the same for both, is not in it).
# ENGINE=sqlite (default) or pgsql: pgsql starts a throwaway PostgreSQL
# cluster (bench/scale/pg.sh) in build/bench-pg and stops it at the end.
# PROFILE=1: afterwards, `perf record -e cpu-clock -g` on the children
# during one more run of each page, and the top of `perf report`
# (build/bench/perf-*.data); PERF_CALLGRAPH="--call-graph dwarf" for
# call chains through code built without frame pointers (heavier).
# MODULE=path: another build of mod_jszg.so (to compare before/after).
# Usage: bench/run.sh [seconds] [connections]      (wrk -t2)
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
SECS=${1:-10}
CONNS=${2:-32}
ROUNDS=${ROUNDS:-3}
ENGINE=${ENGINE:-sqlite}
ROOT=$(/usr/bin/python3 "$TOP/conf/mkroot.py" --where "$TOP/build/bench")
rm -rf "$ROOT"; mkdir -p "$ROOT/db" "$ROOT/static"
# A session for demo applicant 1 (张伟), written as tests/http/jszg_env.py
# login_as() and bench/scale/sessions.py do: a benchmark does not drive
# the captcha.
SESSION_SQL=$(/usr/bin/python3 - <<'EOF2'
import hashlib, json, secrets, time
tok = secrets.token_urlsafe(32)
now = int(time.time())
data = json.dumps({"name": "@NAME@", "entry": "dqzc"}, ensure_ascii=False)
print(tok)
print("INSERT INTO sessions (id_hash, account_id, created_at, last_seen_at, "
      "expires_at, ip, user_agent, data) VALUES ('%s', 1, %d, %d, %d, "
      "'127.0.0.1', 'wrk', REPLACE('%s', '@NAME@', (SELECT name FROM "
      "accounts WHERE id = 1)))" % (hashlib.sha256(tok.encode()).hexdigest(),
                                    now, now, now + 8 * 3600, data))
EOF2
)
SID=$(echo "$SESSION_SQL" | head -1)
case $ENGINE in
sqlite)
    "$TOP/sql/apply.sh" sqlite "$ROOT/db/jszg.db" --seed >/dev/null
    echo "$SESSION_SQL" | tail -1 | sqlite3 "$ROOT/db/jszg.db"
    ;;
pgsql)
    . "$TOP/bench/scale/pg.sh"
    PGDIR="$TOP/build/bench-pg"
    pg_start "$PGDIR"
    pg_createdb jszg_bench
    "$TOP/sql/apply.sh" pgsql "$PGBASE dbname=jszg_bench" --seed >/dev/null
    pg_q jszg_bench "$(echo "$SESSION_SQL" | tail -1)" >/dev/null
    ;;
*)
    echo "bench: ENGINE must be sqlite or pgsql" >&2; exit 2 ;;
esac
COOKIE="Cookie: jszg_sid=$SID"
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
EXTRA="Alias /bench-static $ROOT/static
<Directory $ROOT/static>
    Require all granted
</Directory>
# <If> merges after every <Location>, so it wins over <Location /> below
<If \"%{REQUEST_URI} =~ m#^/bench-static/#\">
    SetHandler none
</If>"
if [ "$ENGINE" = pgsql ]; then
    CONF=$(/usr/bin/python3 "$TOP/conf/mkroot.py" --root "$ROOT" \
           --port "$PORT" ${MODULE:+--module "$MODULE"} --dbd-driver pgsql \
           --dbd-params "$PGBASE dbname=jszg_bench" --extra "$EXTRA")
    trap '/usr/sbin/apache2 -f "$CONF" -k stop; sleep 1; pg_stop "$PGDIR"' EXIT
else
    CONF=$(/usr/bin/python3 "$TOP/conf/mkroot.py" --root "$ROOT" \
           --port "$PORT" ${MODULE:+--module "$MODULE"} \
           --dbd-params "$ROOT/db/jszg.db" --extra "$EXTRA")
    trap '/usr/sbin/apache2 -f "$CONF" -k stop' EXIT
fi
/usr/sbin/apache2 -f "$CONF" -k start
URL=http://127.0.0.1:$PORT
for i in $(seq 50); do
    curl -fs "$URL/" -o "$ROOT/static/home.html" && break
    sleep 0.1
done
curl -fs -H "$COOKIE" "$URL/platform" -o "$ROOT/static/platform.html"
grep -q '退出' "$ROOT/static/platform.html" || {
    echo "bench: /platform is not the logged-in page" >&2; exit 1; }

# CPU ticks (utime + stime) of every child of httpd, one "pid ticks" a line
child_ticks() {
    for pid in $(pgrep -P "$(cat "$ROOT/run/httpd.pid")"); do
        awk -v p="$pid" '{print p, $14 + $15}' "/proc/$pid/stat" 2>/dev/null
    done
}
# rate URL [header]: "requests/s cpu-us-per-request" of one wrk run
# (non-2xx answers fail it)
rate() {
    t0=$(child_ticks)
    out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" ${2:+-H "$2"} "$1")
    t1=$(child_ticks)
    if echo "$out" | grep -q 'Non-2xx'; then
        echo "bench: non-2xx answers from $1" >&2; echo "$out" >&2; exit 1
    fi
    n=$(echo "$out" | awk '/requests in/ {print $1}')
    ticks=$(printf '%s\n--\n%s\n' "$t0" "$t1" | awk '
        $1 == "--" { after = 1; next }
        !after { before[$1] = $2; next }
        { d += $2 - before[$1] }     # a child started meanwhile: from 0
        END { print d + 0 }')
    echo "$out" | awk -v n="$n" -v t="$ticks" -v hz="$(getconf CLK_TCK)" \
        '/Requests\/sec/ {printf "%s %.1f\n", $2, t / hz * 1e6 / n}'
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
rate "$URL/" >/dev/null                         # warm up every child
rate "$URL/platform" "$COOKIE" >/dev/null
H=""; HS=""; P=""; PS=""; HC=""; HSC=""; PC=""; PSC=""
for r in $(seq "$ROUNDS"); do
    set -- $(rate "$URL/"); H="$H $1"; HC="$HC $2"
    set -- $(rate "$URL/bench-static/home.html"); HS="$HS $1"; HSC="$HSC $2"
    set -- $(rate "$URL/platform" "$COOKIE"); P="$P $1"; PC="$PC $2"
    set -- $(rate "$URL/bench-static/platform.html"); PS="$PS $1"; PSC="$PSC $2"
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
HM=$(echo "$H" | median); HSM=$(echo "$HS" | median)
PM=$(echo "$P" | median); PSM=$(echo "$PS" | median)
HCM=$(echo "$HC" | median); HSCM=$(echo "$HSC" | median)
PCM=$(echo "$PC" | median); PSCM=$(echo "$PSC" | median)
ratio() { echo "$1 $2" | awk '{printf "%.2f", $1/$2}'; }
echo "wrk -t2 -c$CONNS -d${SECS}s, $ROUNDS rounds alternating, medians; $ENGINE"
echo "load average before: $LOAD0, after: $LOAD1"
printf "%-30s %7s %12s %9s   %s\n" page bytes "requests/s" "cpu us/req" \
    "rounds (requests/s)"
row() { printf "%-30s %7s %12s %9s  %s\n" "$1" "$(wc -c < "$2")" "$3" "$4" "$5"; }
row "home page (mod_jszg)" "$ROOT/static/home.html" "$HM" "$HCM" "$H"
row "  same bytes, static file" "$ROOT/static/home.html" "$HSM" "$HSCM" "$HS"
row "业务平台, logged in (mod_jszg)" "$ROOT/static/platform.html" "$PM" "$PCM" "$P"
row "  same bytes, static file" "$ROOT/static/platform.html" "$PSM" "$PSCM" "$PS"
echo "ratio home/static: $(ratio "$HM" "$HSM")   (target >= 0.80)" \
     "  cpu static/page: $(ratio "$HSCM" "$HCM")"
echo "ratio 业务平台/static: $(ratio "$PM" "$PSM")   (target >= 0.70)" \
     "  cpu static/page: $(ratio "$PSCM" "$PCM")"

# profile NAME URL [header]: where the children spend their time
profile() {
    pids=$(pgrep -d, -P "$(cat "$ROOT/run/httpd.pid")")
    perf record -q -e cpu-clock ${PERF_CALLGRAPH:--g} \
        -o "$ROOT/perf-$1.data" -p "$pids" \
        -- sleep "$SECS" >/dev/null 2>&1 &
    sleep 0.2
    rate "$2" "${3:-}" >/dev/null
    wait
    echo "== perf: $1 (self time, top 25)"
    perf report -i "$ROOT/perf-$1.data" --no-children --sort dso,sym \
        -g none --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -25
}
if [ -n "${PROFILE:-}" ]; then
    profile home "$URL/"
    profile platform "$URL/platform" "$COOKIE"
fi
