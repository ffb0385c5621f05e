#!/bin/sh
# httpd -X (one process) under valgrind --leak-check=full: a few hundred
# requests over the portal, then a clean stop.  Fails when valgrind finds
# a definite leak with a mod_jszg frame in its stack, or any invalid access.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
ROOT=$TOP/build/valgrind
rm -rf "$ROOT"; mkdir -p "$ROOT/db"
"$TOP/sql/apply.sh" sqlite "$ROOT/db/jszg.db" --seed >/dev/null
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CONF=$(/usr/bin/python3 "$TOP/conf/mkroot.py" --root "$ROOT" --port "$PORT" \
       --dbd-params "$ROOT/db/jszg.db" --mpm prefork)
LOG=$ROOT/valgrind.log
valgrind --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --num-callers=30 --log-file="$LOG" /usr/sbin/apache2 -X -f "$CONF" &
VG=$!
for i in $(seq 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$PORT/static/css/site.css" && break
    sleep 0.3
done
URL=http://127.0.0.1:$PORT
for i in $(seq 20); do
    for p in / /nope /api/v1/health /api/v1/csrf "/?q=%C0" /news /help/faq \
             /windows /services; do
        curl -s -o /dev/null "$URL$p" || true
    done
    curl -s -o /dev/null -c "$ROOT/jar" -b "$ROOT/jar" "$URL/api/v1/csrf"
    curl -s -o /dev/null -b "$ROOT/jar" -X POST -d "_csrf=bad" "$URL/services/dqzc/enter"
    curl -s -o /dev/null -F "a=b" -F "f=@$TOP/README.md" "$URL/services/dqzc/enter"
done
kill -TERM $VG; wait $VG || true
grep -E "definitely lost|Invalid (read|write)|ERROR SUMMARY" "$LOG" | tail -5
# a definite leak whose stack passes through our code, or any invalid access
if awk '/definitely lost in/ {blk=1} blk && /jszg/ {bad=1} /^==[0-9]+== $/ {blk=0} END {exit !bad}' "$LOG" \
   || grep -q "Invalid \(read\|write\)" "$LOG"; then
    echo "valgrind: problems in mod_jszg, see $LOG"; exit 1
fi
echo "valgrind: no definite leaks or invalid accesses from mod_jszg"
