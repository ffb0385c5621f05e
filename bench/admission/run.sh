#!/bin/sh
# bench/admission/run.sh -- admission control under overload, side by side.
#
# One httpd (event MPM, SQLite, the test server tuning), restarted between
# modes.  "Admitted" clients are ADM connections carrying an admission
# cookie (mid-application applicants); "new arrivals" are N x ADM
# connections without one.  For each mode and overload factor the run
# prints the admitted clients' goodput (200/s, also as a ratio of the
# capacity measured with admission off and only the admitted clients),
# their p50/p99 latency and 5xx count, and the new arrivals' answers.
#
#   bench/admission/run.sh            (DURATION=10 ADM=8 FACTORS="1 5 20")
#
# mod_qos (Debian libapache2-mod-qos) is run too when its module is
# installed; see bench/admission/README for why it may be missing.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
ROOT=$TOP/build/bench-admission
PORT=${PORT:-18090}
DURATION=${DURATION:-10}
ADM=${ADM:-8}
FACTORS=${FACTORS:-"1 5 20"}
PAGE=${PAGE:-/news}
URL=http://127.0.0.1:$PORT$PAGE
LUA=$TOP/bench/admission/count.lua
QOS=/usr/lib/apache2/modules/mod_qos.so

rm -rf "$ROOT"; mkdir -p "$ROOT/db"
"$TOP/sql/apply.sh" sqlite "$ROOT/db/jszg.db" --seed >/dev/null

start() {   # $1: extra config
    /usr/sbin/apache2 -f "$ROOT/conf/httpd.conf" -k stop 2>/dev/null || true
    while [ -f "$ROOT/run/httpd.pid" ]; do sleep 0.2; done
    /usr/bin/python3 "$TOP/conf/mkroot.py" --root "$ROOT" --port "$PORT" \
        --dbd-driver sqlite3 --dbd-params "$ROOT/db/jszg.db" \
        --extra "$1" >/dev/null
    /usr/sbin/apache2 -f "$ROOT/conf/httpd.conf" -k start
    until curl -fs "http://127.0.0.1:$PORT/static/css/site.css" >/dev/null
    do sleep 0.2; done
}

admission_cookie() {
    curl -s -o /dev/null -D - "$URL" \
        | sed -n 's/^Set-Cookie: \(jszg_adm=[^;]*\).*/\1/p' | head -1
}

run() {   # $1 mode, $2 factor, $3 cookie for admitted clients
    newconns=$(( $2 * ADM ))
    wrk -t2 -c"$ADM" -d"${DURATION}s" --latency -s "$LUA" "$URL" \
        -- "$3" "admitted" >"$ROOT/adm.out" 2>&1 &
    a=$!
    if [ "$2" -gt 1 ]; then
        wrk -t2 -c"$newconns" -d"${DURATION}s" -s "$LUA" "$URL" \
            -- "-" "new" >"$ROOT/new.out" 2>&1 &
        n=$!
    fi
    wait $a; [ "$2" -gt 1 ] && wait $n
    adm=$(grep '^RESULT' "$ROOT/adm.out")
    new=$( [ "$2" -gt 1 ] && grep '^RESULT' "$ROOT/new.out" || echo "")
    printf '%s %s | %s | %s\n' "$1" "$2" "$adm" "$new" >>"$ROOT/results"
}

STATUS='<If "%{REQUEST_URI} == '"'"'/jszg-status'"'"'">
SetHandler jszg-status
Require ip 127.0.0.1
</If>'
: >"$ROOT/results"

# admission off: capacity (admitted clients only), then overload
start "$STATUS"
for f in $FACTORS; do run off "$f" ""; done
# admission on, with the automatic limit
start "JszgAdmission On
JszgClientRate off
$STATUS"
COOKIE=$(admission_cookie)
for f in $FACTORS; do run on "$f" "$COOKIE"; done
curl -s "http://127.0.0.1:$PORT/jszg-status" >"$ROOT/status.txt"
if [ -f "$QOS" ]; then
    start "LoadFile /usr/lib/x86_64-linux-gnu/libpcre.so.3
LoadModule qos_module $QOS
QS_LocRequestLimit $PAGE 32"
    for f in $FACTORS; do run mod_qos "$f" ""; done
fi
/usr/sbin/apache2 -f "$ROOT/conf/httpd.conf" -k stop

python3 "$TOP/bench/admission/table.py" "$ROOT/results"
