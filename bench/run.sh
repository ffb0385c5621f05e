#!/bin/sh
# Two pages of the module against static files holding their exact bytes,
# served by the same httpd in the same run (SQLite, seed data):
#   home      /           anonymous home page (template, two queries)
#   platform  /platform   业务平台, logged in as demo applicant 1
# Each pair is measured alternately, page then its static file, for ROUNDS
# rounds (default 3); the median requests/s of each is reported with the
# ratio page/static, and the load average before and after (the machine
# may be shared: a busy neighbour shows there).
# PROFILE=1: afterwards, `perf record -e cpu-clock -g` on the children
# during one more run of each page, and the top of `perf report`
# (build/bench/perf-*.data).
# MODULE=path: another build of mod_jszg.so (to compare before/after).
# Usage: bench/run.sh [seconds] [connections]      (wrk -t2)
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
SECS=${1:-10}
CONNS=${2:-32}
ROUNDS=${ROUNDS:-3}
ROOT=$(/usr/bin/python3 "$TOP/conf/mkroot.py" --where "$TOP/build/bench")
rm -rf "$ROOT"; mkdir -p "$ROOT/db" "$ROOT/static"
"$TOP/sql/apply.sh" sqlite "$ROOT/db/jszg.db" --seed >/dev/null
# A session for demo applicant 1 (张伟), written as tests/http/jszg_env.py
# login_as() and bench/scale/sessions.py do: a benchmark does not drive
# the captcha.
SID=$(/usr/bin/python3 - "$ROOT/db/jszg.db" <<'EOF'
import hashlib, json, secrets, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
tok = secrets.token_urlsafe(32)
now = int(time.time())
name = db.execute("SELECT name FROM accounts WHERE id = 1").fetchone()[0]
db.execute("INSERT INTO sessions (id_hash, account_id, created_at, "
           "last_seen_at, expires_at, ip, user_agent, data) VALUES "
           "(?, 1, ?, ?, ?, '127.0.0.1', 'wrk', ?)",
           (hashlib.sha256(tok.encode()).hexdigest(), now, now,
            now + 8 * 3600,
            json.dumps({"name": name, "entry": "dqzc"}, ensure_ascii=False)))
db.commit()
print(tok)
EOF
)
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
CONF=$(/usr/bin/python3 "$TOP/conf/mkroot.py" --root "$ROOT" --port "$PORT" \
       ${MODULE:+--module "$MODULE"} \
       --dbd-params "$ROOT/db/jszg.db" --extra "$EXTRA")
/usr/sbin/apache2 -f "$CONF" -k start
trap '/usr/sbin/apache2 -f "$CONF" -k stop' EXIT
URL=http://127.0.0.1:$PORT
for i in $(seq 50); do
    curl -fs "$URL/" -o "$ROOT/static/home.html" && break
    sleep 0.1
done
curl -fs -H "$COOKIE" "$URL/platform" -o "$ROOT/static/platform.html"
grep -q '退出' "$ROOT/static/platform.html" || {
    echo "bench: /platform is not the logged-in page" >&2; exit 1; }

# rate URL [header]: requests/s of one wrk run (non-2xx answers fail it)
rate() {
    out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" ${2:+-H "$2"} "$1")
    if echo "$out" | grep -q 'Non-2xx'; then
        echo "bench: non-2xx answers from $1" >&2; echo "$out" >&2; exit 1
    fi
    echo "$out" | awk '/Requests\/sec/ {print $2}'
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
rate "$URL/" >/dev/null                         # warm up every child
rate "$URL/platform" "$COOKIE" >/dev/null
H=""; HS=""; P=""; PS=""
for r in $(seq "$ROUNDS"); do
    H="$H $(rate "$URL/")"
    HS="$HS $(rate "$URL/bench-static/home.html")"
    P="$P $(rate "$URL/platform" "$COOKIE")"
    PS="$PS $(rate "$URL/bench-static/platform.html")"
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
HM=$(echo "$H" | median); HSM=$(echo "$HS" | median)
PM=$(echo "$P" | median); PSM=$(echo "$PS" | median)
ratio() { echo "$1 $2" | awk '{printf "%.2f", $1/$2}'; }
echo "wrk -t2 -c$CONNS -d${SECS}s, $ROUNDS rounds alternating, medians; SQLite"
echo "load average before: $LOAD0, after: $LOAD1"
printf "%-30s %7s %12s   %s\n" page bytes "requests/s" "rounds"
printf "%-30s %7s %12s  %s\n" "home page (mod_jszg)" \
    "$(wc -c < "$ROOT/static/home.html")" "$HM" "$H"
printf "%-30s %7s %12s  %s\n" "  same bytes, static file" \
    "$(wc -c < "$ROOT/static/home.html")" "$HSM" "$HS"
printf "%-30s %7s %12s  %s\n" "业务平台, logged in (mod_jszg)" \
    "$(wc -c < "$ROOT/static/platform.html")" "$PM" "$P"
printf "%-30s %7s %12s  %s\n" "  same bytes, static file" \
    "$(wc -c < "$ROOT/static/platform.html")" "$PSM" "$PS"
echo "ratio home/static: $(ratio "$HM" "$HSM")   (target >= 0.80)"
echo "ratio 业务平台/static: $(ratio "$PM" "$PSM")   (target >= 0.70)"

# profile NAME URL [header]: where the children spend their time
profile() {
    pids=$(pgrep -d, -P "$(cat "$ROOT/run/httpd.pid")")
    perf record -q -e cpu-clock -g -o "$ROOT/perf-$1.data" -p "$pids" \
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
