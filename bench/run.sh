#!/bin/sh
# Home page (module, template, SQLite) against a static file of the same
# size served by the same httpd in the same run; prints requests/s and the
# ratio.  Usage: bench/run.sh [seconds] [connections]
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
SECS=${1:-10}
CONNS=${2:-32}
ROOT=$(/usr/bin/python3 "$TOP/conf/mkroot.py" --where "$TOP/build/bench")
rm -rf "$ROOT"; mkdir -p "$ROOT/db" "$ROOT/static"
"$TOP/sql/apply.sh" sqlite "$ROOT/db/jszg.db" --seed >/dev/null
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
EXTRA="Alias /bench-static $ROOT/static
<Directory $ROOT/static>
    Require all granted
</Directory>
<Location /bench-static>
    SetHandler none
</Location>"
CONF=$(/usr/bin/python3 "$TOP/conf/mkroot.py" --root "$ROOT" --port "$PORT" \
       --dbd-params "$ROOT/db/jszg.db" --extra "$EXTRA")
/usr/sbin/apache2 -f "$CONF" -k start
trap '/usr/sbin/apache2 -f "$CONF" -k stop' EXIT
for i in $(seq 50); do
    curl -fs "http://127.0.0.1:$PORT/" -o "$ROOT/static/home.html" && break
    sleep 0.1
done
BYTES=$(wc -c < "$ROOT/static/home.html")
rate() {
    wrk -t2 -c"$CONNS" -d"${SECS}s" "$1" | awk '/Requests\/sec/ {print $2}'
}
rate "http://127.0.0.1:$PORT/" >/dev/null          # warm up every child
HOME_RPS=$(rate "http://127.0.0.1:$PORT/")
STATIC_RPS=$(rate "http://127.0.0.1:$PORT/bench-static/home.html")
echo "page                        bytes   requests/s"
printf "home page (mod_jszg)     %8s   %10s\n" "$BYTES" "$HOME_RPS"
printf "same bytes, static file  %8s   %10s\n" "$BYTES" "$STATIC_RPS"
echo "ratio home/static: $(echo "$HOME_RPS $STATIC_RPS" | awk '{printf "%.2f", $1/$2}')"
