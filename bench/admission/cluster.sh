#!/bin/sh
# bench/admission/cluster.sh -- two front ends sharing one waiting room
# through one redis-server (JszgSharedQueue), loaded unevenly, as a load
# balancer with sticky clients leaves them: front end B carries all the
# admitted applicants (ADM connections reading pages with an admission
# cookie) and half the new arrivals, front end A the other half of the
# arrivals only.  Arrivals (arrive.lua, FACTOR x ADM visitors) behave as a
# browser in the waiting room does: poll /api/v1/queue every 3 s, read
# VISIT pages once admitted, come back as new visitors.
#
#   bench/admission/cluster.sh   (DURATION=20 ADM=8 FACTOR=5 MAXIN=8
#                                 VISIT=20
#                                 MODULES="label=path.so label=path.so")
#
# MODULES: each build is run in turn on the same set-up (default: this
# checkout's .libs/mod_jszg.so as "new"); give an older build to compare
# in the same run.  MAXIN is each front end's JszgMaxInFlight.
#
# Reported per build: cluster goodput (200s per second at both front
# ends), the admitted applicants' p50/p99, the arrivals' pages per second,
# admissions and polls at each front end, what each front end served,
# tickets called on another front end's room, and FIFO: both front ends
# log each queue decision with its time (JSZG_ORDER, microseconds, one
# clock), the two logs are merged and bench/admission/fifo.py reports any
# ticket let in while a lower one still waited.  Both front ends run on
# this one machine: they share its CPUs, so the cluster's goodput is
# bounded by the box, whoever serves; what the waiting room changes is who
# gets in, how soon, and in which order.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
DIR=$TOP/bench/admission
DURATION=${DURATION:-20}
ADM=${ADM:-8}
FACTOR=${FACTOR:-5}
MAXIN=${MAXIN:-8}
VISIT=${VISIT:-20}
PAGE=${PAGE:-/news}
MODULES=${MODULES:-"new=$TOP/.libs/mod_jszg.so"}
REDIS=/usr/bin/redis-server

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
ROOTA=$(/usr/bin/python3 "$TOP/conf/mkroot.py" --where "$TOP/build/bench-cluster-a")
ROOTB=$(/usr/bin/python3 "$TOP/conf/mkroot.py" --where "$TOP/build/bench-cluster-b")
PORTA=$(free_port); PORTB=$(free_port); RPORT=$(free_port)
A=http://127.0.0.1:$PORTA
B=http://127.0.0.1:$PORTB
DB=$ROOTA/db/jszg.db
OUT=$TOP/build/bench-cluster
RDIR=$(mktemp -d)

rm -rf "$ROOTA" "$ROOTB" "$OUT"; mkdir -p "$ROOTA/db" "$ROOTB/conf" "$OUT"
"$TOP/sql/apply.sh" sqlite "$DB" --seed >/dev/null

STATUS='<If "%{REQUEST_URI} == '"'"'/jszg-status'"'"'">
SetHandler jszg-status
Require ip 127.0.0.1
</If>'

start() {   # $1 root, $2 port, $3 module
    /usr/bin/python3 "$TOP/conf/mkroot.py" --root "$1" --port "$2" \
        --module "$3" --dbd-driver sqlite3 --dbd-params "$DB" \
        --extra "AsyncRequestWorkerFactor 8
JszgAdmission On
JszgMaxInFlight $MAXIN
JszgClientRate off
JszgSharedQueue redis://127.0.0.1:$RPORT/bench
CustomLog $1/logs/queue.log \"%{JSZG_ORDER}e %{JSZG_ADM}e %{JSZG_TICKET}e\" env=JSZG_ORDER
$STATUS" >/dev/null
    /usr/sbin/apache2 -f "$1/conf/httpd.conf" -k start
    until curl -fs "http://127.0.0.1:$2/static/css/site.css" >/dev/null
    do sleep 0.2; done
}

stop() {
    for r in "$ROOTA" "$ROOTB"; do
        [ -f "$r/conf/httpd.conf" ] || continue
        /usr/sbin/apache2 -f "$r/conf/httpd.conf" -k stop >/dev/null 2>&1 || true
        while [ -f "$r/run/httpd.pid" ]; do sleep 0.2; done
    done
}

redis_start() {
    "$REDIS" --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no \
        --dir "$RDIR" --logfile "$RDIR/redis.log" --daemonize yes \
        --pidfile "$RDIR/redis.pid"
    until redis-cli -p "$RPORT" ping 2>/dev/null | grep -q PONG; do
        sleep 0.1; done
}

redis_stop() {
    [ -f "$RDIR/redis.pid" ] && kill "$(cat "$RDIR/redis.pid")" 2>/dev/null
    while [ -f "$RDIR/redis.pid" ]; do sleep 0.1; done
}

cleanup() { stop; redis_stop || true; rm -rf "$RDIR"; }
trap cleanup EXIT

# The second front end has the first one's secret: tickets and admission
# cookies signed by one are honoured by the other.
mkdir -p "$ROOTA/conf"
head -c 48 /dev/urandom >"$ROOTA/conf/secret"; chmod 600 "$ROOTA/conf/secret"
cp -p "$ROOTA/conf/secret" "$ROOTB/conf/secret"

res() {     # $1 file: the RESULT line's key=value pairs
    grep '^RESULT' "$1" | sed 's/^RESULT //'
}

for m in $MODULES; do
    label=${m%%=*}; so=${m#*=}
    redis_start
    start "$ROOTA" "$PORTA" "$so"
    start "$ROOTB" "$PORTB" "$so"
    # the admitted applicants' cookie, taken while nobody waits
    adm=$(curl -s -o /dev/null -D - "$B$PAGE" \
          | sed -n 's/^Set-Cookie: \(jszg_adm=[^;]*\).*/\1/p' | head -1)
    n=$(( FACTOR * ADM / 2 ))
    wrk -t2 -c"$ADM" -d"${DURATION}s" --latency -s "$DIR/count.lua" \
        "$B$PAGE" -- "$adm" admitted >"$OUT/$label-adm.out" 2>&1 &
    w1=$!
    wrk -t"$n" -c"$n" -d"${DURATION}s" -s "$DIR/arrive.lua" "$A$PAGE" \
        -- "$VISIT" new-a >"$OUT/$label-new-a.out" 2>&1 &
    w2=$!
    wrk -t"$n" -c"$n" -d"${DURATION}s" -s "$DIR/arrive.lua" "$B$PAGE" \
        -- "$VISIT" new-b >"$OUT/$label-new-b.out" 2>&1 &
    w3=$!
    wait $w1; wait $w2; wait $w3
    sleep 1
    curl -s "$A/jszg-status?json" >"$OUT/$label-status-a.json"
    curl -s "$B/jszg-status?json" >"$OUT/$label-status-b.json"
    stop
    redis_stop
    sort -n "$ROOTA/logs/queue.log" "$ROOTB/logs/queue.log" \
        >"$OUT/$label-queue.log"
    # (a build that does not time shared decisions logs none of them)
    fifo=-
    if grep -q queued "$OUT/$label-queue.log"; then
        fifo=$(/usr/bin/python3 "$DIR/fifo.py" "$OUT/$label-queue.log" \
               | sed -n 's/^FIFO.*violations=\([0-9]*\).*/\1/p' || true)
    fi
    printf '%s | %s | %s | %s | %s | %s | fifo=%s\n' "$label" \
        "$(res "$OUT/$label-adm.out")" "$(res "$OUT/$label-new-a.out")" \
        "$(res "$OUT/$label-new-b.out")" \
        "$(/usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print("served=%d" % j["totals"]["served"])' "$OUT/$label-status-a.json")" \
        "$(/usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print("served=%d lent=%d" % (j["totals"]["served"], j["totals"].get("called_on_other_room", -1)))' "$OUT/$label-status-b.json")" \
        "${fifo:--}" >>"$OUT/results"
    rm -f "$ROOTA/logs/queue.log" "$ROOTB/logs/queue.log"
done

/usr/bin/python3 - "$OUT/results" "$DURATION" <<'EOF'
import re, sys
secs = float(sys.argv[2])
print("| build | cluster goodput/s | admitted (at B) p50 / p99 ms "
      "| arrivals at A: pages/s, admissions, polls | arrivals at B: "
      "pages/s, admissions, polls | served A / B | called on A's room "
      "(at B) | FIFO violations |")
print("|---|---|---|---|---|---|---|---|")
for line in open(sys.argv[1], encoding="utf-8"):
    p = [dict(re.findall(r"(\w+)=([\w.-]+)", x)) for x in line.split("|")]
    label = line.split("|")[0].strip()
    adm, na, nb, sa, sb, f = p[1], p[2], p[3], p[4], p[5], p[6]
    good = float(adm["ok_per_sec"]) + float(na["ok_per_sec"]) \
        + float(nb["ok_per_sec"])
    lent = sb["lent"] if sb["lent"] != "-1" else "–"
    print("| %s | %.0f | %s / %s | %.0f, %s, %s | %.0f, %s, %s | %s / %s "
          "| %s | %s |" % (label, good, adm["p50_ms"], adm["p99_ms"],
                           float(na["ok_per_sec"]), na["visits"],
                           na["polls"], float(nb["ok_per_sec"]),
                           nb["visits"], nb["polls"], sa["served"],
                           sb["served"], lent, f.get("fifo", "-")))
EOF
