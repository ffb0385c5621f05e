# bench/scale/pg.sh -- sourced: a throwaway PostgreSQL cluster for the
# scale and soak benchmarks (as tests/http/pgcluster.py does it: initdb
# as the postgres user when run as root, trust auth, loopback only).
#   pg_start DIR      initdb DIR/data if missing, start it on a free port
#                     (or $PGPORT_FIXED); sets PGPORT, PGBASE (conninfo)
#   pg_stop DIR
#   pg_createdb NAME  fresh database NAME
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

pg_as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pg_start() {
    _d=$1
    mkdir -p "$_d"
    [ "$(id -u)" = 0 ] && chown postgres: "$_d"
    if [ ! -f "$_d/data/PG_VERSION" ]; then
        pg_as_owner "$PGBIN/initdb" -D "$_d/data" -U postgres --auth=trust \
            -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if [ -f "$_d/port" ]; then PGPORT=$(cat "$_d/port"); else PGPORT=$(pg_free_port); fi
    PGBASE="host=127.0.0.1 port=$PGPORT user=postgres"
    export PGPORT PGBASE
    if pg_as_owner "$PGBIN/pg_ctl" -D "$_d/data" status >/dev/null 2>&1; then
        return 0        # already running (KEEP=1 of an earlier run)
    fi
    # Production-like memory settings for a 2-core, 23 GB box; fsync off
    # because the data is throwaway (it changes load times, not reads).
    pg_as_owner "$PGBIN/pg_ctl" -D "$_d/data" -w -l "$_d/pg.log" -o \
        "-p $PGPORT -k $_d -c listen_addresses=127.0.0.1 -c fsync=off \
         -c synchronous_commit=off -c full_page_writes=off \
         -c max_connections=200 -c shared_buffers=2GB \
         -c effective_cache_size=8GB -c work_mem=16MB \
         -c maintenance_work_mem=512MB -c max_wal_size=8GB \
         -c checkpoint_timeout=30min -c random_page_cost=1.1" start >/dev/null \
        || { cat "$_d/pg.log" >&2; return 1; }
    echo "$PGPORT" > "$_d/port"
    PGBASE="host=127.0.0.1 port=$PGPORT user=postgres"
    export PGPORT PGBASE
}

pg_stop() {
    [ -f "$1/data/postmaster.pid" ] || return 0
    pg_as_owner "$PGBIN/pg_ctl" -D "$1/data" -w -m fast stop >/dev/null || true
}

pg_createdb() {
    psql -X -q -v ON_ERROR_STOP=1 -d "$PGBASE dbname=postgres" \
        -c "DROP DATABASE IF EXISTS $1" \
        -c "CREATE DATABASE $1 ENCODING 'UTF8' TEMPLATE template0"
}

pg_q() {   # pg_q DB SQL
    psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$PGBASE dbname=$1" -c "$2"
}
