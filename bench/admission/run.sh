#!/bin/sh
# bench/admission/run.sh -- admission control under overload, side by side
# with no control and with mod_qos, in one run.
#
# One httpd (event MPM, SQLite, the test server tuning), restarted between
# modes.  "Admitted" clients are mid-application applicants: ADM
# connections reading pages and POSTS connections submitting (POST
# /api/v1/schools, one row each), all with a logged-in session and an
# admission cookie.  "New arrivals" are N x ADM visitors, one connection
# each, behaving as a browser does (arrive.lua): they keep their cookies,
# wait in the waiting room polling /api/v1/queue as queue.js does, read
# VISIT pages once admitted, then leave and come back as new visitors.
# ARRIVALS=flood makes them a cookie-less flood hammering the page
# instead (count.lua), as a script or a reload storm would.  The submission is POST
# /api/v1/schools (a captcha challenge where the schema has no schools).  For each mode and load it prints the
# goodput (200/201 per second, also as a share of the capacity measured
# with no control and only the admitted clients), the admitted clients'
# p50/p99, their 5xx, and lost submissions: POSTs answered minus rows
# created (counted in the database after each run).
#
#   bench/admission/run.sh      (DURATION=20 ADM=8 POSTS=2 FACTORS="1 5 20"
#                                MODES="none jszg mod_qos" MAXIN=16
#                                VISIT=20 ARRIVALS=browser
#                                EXTRA="more httpd.conf lines")
#
# MAXIN is the limit of requests in flight given to both mod_jszg
# (JszgMaxInFlight) and mod_qos (QS_LocRequestLimitMatch): about twice
# the concurrency at which this 2-core box stops serving more per second.
# The access log of the mod_jszg runs records each queue decision in
# order (JSZG_ORDER); fifo.py checks from it that no ticket was let in
# while a lower one still waited.
#
# mod_qos (Debian libapache2-mod-qos) is configured as a sysadmin would:
# a request limit on the dynamic location, a per-IP connection cap, 503
# instead of its default 500.  It loads into Debian's httpd only after
# LoadFile libpcre.so.3.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
ROOT=$(/usr/bin/python3 "$TOP/conf/mkroot.py" --where "$TOP/build/bench-admission")
PORT=${PORT:-$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
DURATION=${DURATION:-20}
ADM=${ADM:-8}
POSTS=${POSTS:-2}
FACTORS=${FACTORS:-"1 5 20"}
MAXIN=${MAXIN:-16}
VISIT=${VISIT:-20}
ARRIVALS=${ARRIVALS:-browser}
MODES=${MODES:-"none jszg mod_qos"}
PAGE=${PAGE:-/news}
BASE=http://127.0.0.1:$PORT
DIR=$TOP/bench/admission
QOS=/usr/lib/apache2/modules/mod_qos.so
DB=$ROOT/db/jszg.db

rm -rf "$ROOT"; mkdir -p "$ROOT/db"
"$TOP/sql/apply.sh" sqlite "$DB" --seed >/dev/null

# Every mode: visitors in a waiting room hold keep-alive connections
# between polls, and with the default AsyncRequestWorkerFactor (2) each
# event-MPM process stops accepting at 25 + 2 x idle threads connections:
# the admitted clients' reconnections (every MaxKeepAliveRequests) then
# wait in the listen queue for hundreds of ms.  A site with a waiting
# room raises it (see README).
# The submissions are new schools of one applicant: lift the daily limit.
BASE_CONF="AsyncRequestWorkerFactor 8
JszgSchoolAddsPerDay 100000"

start() {   # $1: extra config
    stop
    /usr/bin/python3 "$TOP/conf/mkroot.py" --root "$ROOT" --port "$PORT" \
        --dbd-driver sqlite3 --dbd-params "$DB" --extra "$BASE_CONF
$1
${EXTRA:-}" >/dev/null
    /usr/sbin/apache2 -f "$ROOT/conf/httpd.conf" -k start
    until curl -fs "$BASE/static/css/site.css" >/dev/null; do sleep 0.2; done
}

stop() {
    [ -f "$ROOT/conf/httpd.conf" ] || return 0
    /usr/sbin/apache2 -f "$ROOT/conf/httpd.conf" -k stop 2>/dev/null || true
    while [ -f "$ROOT/run/httpd.pid" ]; do sleep 0.2; done
}
trap stop EXIT

sql() {
    if [ "$(id -u)" = 0 ]; then su -s /bin/sh www-data -c "sqlite3 '$DB' \"$1\""
    else sqlite3 "$DB" "$1"; fi
}

# The admission cookie and CSRF token of that session (admission on).
session_cookies() {
    adm=$(curl -s -o /dev/null -D - -H "Cookie: $SID" "$BASE$PAGE" \
          | sed -n 's/^Set-Cookie: \(jszg_adm=[^;]*\).*/\1/p' | head -1)
    COOKIE="$SID${adm:+; $adm}"
    CSRF=$(curl -s -H "Cookie: $COOKIE" "$BASE/api/v1/csrf" \
           | sed -n 's/.*"csrf":"\([^"]*\)".*/\1/p')
}

# A logged-in applicant (张伟), as the login form would leave it (after
# the first start: the children own the database from then on).
make_session() {
TOKEN=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
HASH=$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)
NOW=$(date +%s)
sql "INSERT INTO sessions (id_hash, account_id, created_at, last_seen_at,
     expires_at, ip, user_agent, data) VALUES ('$HASH', 1, $NOW, $NOW,
     $NOW + 28800, '127.0.0.1', 'wrk', '{\\\"name\\\":\\\"张伟\\\"}')"
SID="jszg_sid=$TOKEN"
}

# The submission: a new school in the wizard (one row each); on a schema
# without it, a new captcha challenge (one row each) stands in.
pick_submission() {
    if [ -n "$(sql "SELECT name FROM sqlite_master WHERE name = 'schools'")" ]
    then
        POST_PATH=/api/v1/schools
        POST_BODY='kind=%E5%85%B6%E4%BB%96&name='
        ROWS="SELECT COUNT(*) FROM schools WHERE name LIKE 'bench-%'"
    else
        POST_PATH=/api/v1/captcha
        POST_BODY='mode=slide&n='
        ROWS="SELECT COUNT(*) FROM captchas"
    fi
}

rows() { sql "$ROWS"; }

run() {   # $1 mode, $2 factor
    runid=$1x$2
    before=$(rows)
    wrk -t2 -c"$ADM" -d"${DURATION}s" --latency -s "$DIR/count.lua" \
        "$BASE$PAGE" -- "$COOKIE" admitted >"$ROOT/adm.out" 2>&1 &
    a=$!
    wrk -t1 -c"$POSTS" -d"${DURATION}s" --latency -s "$DIR/post.lua" \
        "$BASE$POST_PATH" -- "$COOKIE" "$CSRF" "$runid" "$POST_BODY" \
        >"$ROOT/post.out" 2>&1 &
    p=$!
    n=
    if [ "$2" -gt 1 ] && [ "$ARRIVALS" = flood ]; then
        wrk -t2 -c"$(( $2 * ADM ))" -d"${DURATION}s" -s "$DIR/count.lua" \
            "$BASE$PAGE" -- "-" new >"$ROOT/new.out" 2>&1 &
        n=$!
    elif [ "$2" -gt 1 ]; then
        wrk -t"$(( $2 * ADM ))" -c"$(( $2 * ADM ))" -d"${DURATION}s" \
            -s "$DIR/arrive.lua" "$BASE$PAGE" -- "$VISIT" new \
            >"$ROOT/new.out" 2>&1 &
        n=$!
    fi
    wait $a; wait $p; [ -n "$n" ] && wait $n
    sleep 1         # requests cut off at the end finish their work
    created=$(( $(rows) - before ))
    fifo=-
    if [ -f "$ROOT/logs/queue.log" ]; then
        fifo=$(/usr/bin/python3 "$DIR/fifo.py" "$ROOT/logs/queue.log" \
               | sed -n 's/^FIFO.*violations=\([0-9]*\).*/\1/p')
        cp "$ROOT/logs/queue.log" "$ROOT/queue-$runid.log"
        : >"$ROOT/logs/queue.log"
    fi
    printf '%s %s | %s | %s | %s | rows=%s fifo=%s\n' "$1" "$2" \
        "$(grep '^RESULT' "$ROOT/adm.out")" \
        "$(grep '^RESULT' "$ROOT/post.out")" \
        "$( [ -n "$n" ] && grep '^RESULT' "$ROOT/new.out" || echo -)" \
        "$created" "${fifo:--}" >>"$ROOT/results"
}

STATUS='<If "%{REQUEST_URI} == '"'"'/jszg-status'"'"'">
SetHandler jszg-status
Require ip 127.0.0.1
</If>'
: >"$ROOT/results"

want() { case " $MODES " in *" $1 "*) return 0;; esac; return 1; }

# no control: capacity (admitted clients only), then overload
start "$STATUS"
make_session
pick_submission
session_cookies
if want none; then
    for f in $FACTORS; do run none "$f"; done
fi

# mod_jszg admission; every queue decision logged in order
if want jszg; then
    start "JszgAdmission On
JszgMaxInFlight $MAXIN
JszgClientRate off
CustomLog $ROOT/logs/queue.log \"%{JSZG_ORDER}e %{JSZG_ADM}e %{JSZG_TICKET}e\" env=JSZG_ORDER
$STATUS"
    session_cookies
    for f in $FACTORS; do run jszg "$f"; done
    curl -s "$BASE/jszg-status" >"$ROOT/status.txt"
    stop
    rm -f "$ROOT/logs/queue.log"
fi

# mod_qos as a sysadmin would set it for the same MAXIN slots.
# Every client is 127.0.0.1 here, so the per-IP cap is set above the
# bench's connection count (with a real per-IP cap the flood from one
# address would be refused outright, and so would an office behind NAT).
if want mod_qos && [ -f "$QOS" ]; then
    start "LoadFile /usr/lib/x86_64-linux-gnu/libpcre.so.3
LoadModule qos_module $QOS
QS_ErrorResponseCode 503
QS_SrvMaxConnPerIP 400
QS_LocRequestLimitMatch \"^/(?!static/)\" $MAXIN
$STATUS"
    session_cookies
    for f in $FACTORS; do run mod_qos "$f"; done
elif want mod_qos; then
    echo "mod_qos not installed (apt-get install libapache2-mod-qos): skipped" >&2
fi
stop

/usr/bin/python3 "$DIR/table.py" "$ROOT/results" "$DURATION"
if grep -q 'fifo=[1-9]' "$ROOT/results"; then
    echo "FIFO order broken: see $ROOT/queue-*.log and bench/admission/fifo.py"
fi
