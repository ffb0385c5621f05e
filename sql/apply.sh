#!/bin/sh
# apply.sh — bring a mod_jszg database up to the latest schema, optionally
# loading the development seed data.
#
#   sql/apply.sh sqlite <dbfile>          [--seed]
#   sql/apply.sh pgsql  <libpq-conninfo>  [--seed]
#
# Migrations are sql/<engine>/NNN_name.sql. Each one whose number is not yet
# in schema_version runs in its own transaction together with the INSERT that
# records it, so a failed migration leaves nothing behind. With --seed the
# files sql/seed/*.sql are loaded in name order, all in one transaction, but
# only when the database holds no seed yet (table regions is empty).
# Running the script again changes nothing. Exit status 0 on success, 1 on
# any failure (the message says what failed), 2 on bad usage.
#
# Needs the sqlite3 CLI or psql on PATH. For PostgreSQL the database must
# exist and the role must be able to create tables in its current schema.

set -eu

prog=$(basename "$0")
here=$(cd "$(dirname "$0")" && pwd)

usage() {
    echo "usage: $prog sqlite <dbfile> [--seed]" >&2
    echo "       $prog pgsql <libpq-conninfo> [--seed]" >&2
    exit 2
}

die() {
    echo "$prog: error: $*" >&2
    exit 1
}

say() {
    echo "$prog: $*"
}

[ $# -ge 2 ] && [ $# -le 3 ] || usage
engine=$1
target=$2
seed=0
if [ $# -eq 3 ]; then
    [ "$3" = "--seed" ] || usage
    seed=1
fi

case $engine in
    sqlite)
        command -v sqlite3 >/dev/null 2>&1 || die "sqlite3 CLI not found on PATH"
        ;;
    pgsql)
        command -v psql >/dev/null 2>&1 || die "psql not found on PATH"
        ;;
    *)
        usage
        ;;
esac

migdir=$here/$engine
seeddir=$here/seed
[ -d "$migdir" ] || die "migration directory $migdir missing"

# ---- engine adapters -------------------------------------------------------

# q SQL: run one query, print the rows (no header, '|' separated).
# run FILE...: run SQL files (and the extra statement in $extra) as one
# transaction that stops at the first error.
if [ "$engine" = sqlite ]; then
    q() {
        sqlite3 -batch -bail -noheader "$target" "$1"
    }
    run() {
        {
            echo "PRAGMA foreign_keys=ON;"
            echo "BEGIN;"
            for f in "$@"; do
                echo ".read '$f'"
            done
            echo "$extra"
            echo "COMMIT;"
        } | sqlite3 -batch -bail "$target" >/dev/null
    }
else
    export PGCLIENTENCODING=UTF8
    export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
    q() {
        psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$target" -c "$1"
    }
    run() {
        set --
        for f in $files; do
            set -- "$@" -f "$f"
        done
        psql -X -q -v ON_ERROR_STOP=1 -1 -d "$target" "$@" -c "$extra" >/dev/null
    }
fi

# ---- schema_version ---------------------------------------------------------

if [ "$engine" = sqlite ]; then
    dir=$(dirname "$target")
    [ -d "$dir" ] || die "directory $dir of $target does not exist"
    # WAL lets the httpd children read while one writes. It is persistent,
    # so setting it once per database is enough.
    mode=$(q "PRAGMA journal_mode;") || die "cannot open SQLite database $target"
    if [ "$mode" != wal ]; then
        mode=$(q "PRAGMA journal_mode=WAL;") || die "cannot set WAL mode on $target"
        [ "$mode" = wal ] || die "SQLite refused WAL mode on $target (got: $mode)"
    fi
else
    q "SELECT 1" >/dev/null || die "cannot connect to PostgreSQL with: $target"
fi

q "CREATE TABLE IF NOT EXISTS schema_version (
       version    INTEGER NOT NULL PRIMARY KEY,
       applied_at BIGINT  NOT NULL DEFAULT 0)" >/dev/null \
    || die "cannot create table schema_version"

applied=$(q "SELECT version FROM schema_version ORDER BY version") \
    || die "cannot read schema_version"

# ---- migrations -------------------------------------------------------------

count=0
for f in "$migdir"/[0-9][0-9][0-9]_*.sql; do
    [ -e "$f" ] || die "no migrations in $migdir"
    name=$(basename "$f")
    case $name in
        *[!a-z0-9_.]*) die "bad migration file name: $name" ;;
    esac
    num=$(expr "$name" : '\([0-9]*\)_')
    ver=$(expr "$num" + 0)
    if printf '%s\n' "$applied" | grep -qx "$ver"; then
        continue
    fi
    now=$(date +%s)
    extra="INSERT INTO schema_version (version, applied_at) VALUES ($ver, $now);"
    files=$f
    say "applying $engine/$name"
    run "$f" || die "migration $engine/$name failed; it was rolled back and not recorded"
    count=$((count + 1))
done

latest=$(q "SELECT MAX(version) FROM schema_version")
if [ $count -eq 0 ]; then
    say "schema up to date (version $latest)"
else
    say "applied $count migration(s), schema now at version $latest"
fi

# ---- seed -------------------------------------------------------------------

[ $seed -eq 1 ] || exit 0

[ -d "$seeddir" ] || die "seed directory $seeddir missing"
have=$(q "SELECT COUNT(*) FROM regions") || die "cannot read table regions"
if [ "$have" -ne 0 ]; then
    say "seed data already present ($have regions), not loading it again"
    exit 0
fi

files=
for f in "$seeddir"/[0-9][0-9][0-9]_*.sql; do
    [ -e "$f" ] || die "no seed files in $seeddir"
    files="$files $f"
done

if [ "$engine" = pgsql ]; then
    # Seed rows carry explicit ids (tests rely on them): move every identity
    # sequence past the largest id so that later inserts do not collide.
    extra="DO \$\$
DECLARE r record;
BEGIN
    FOR r IN SELECT table_name, column_name FROM information_schema.columns
             WHERE table_schema = current_schema() AND is_identity = 'YES'
    LOOP
        EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L),
                        COALESCE((SELECT MAX(%I) FROM %I), 0) + 1, false)',
                       r.table_name, r.column_name, r.column_name, r.table_name);
    END LOOP;
END
\$\$;"
else
    extra=
fi

say "loading seed data:$(for f in $files; do printf ' %s' "$(basename "$f")"; done)"
# shellcheck disable=SC2086
run $files || die "loading the seed data failed; it was rolled back"
say "seed loaded ($(q "SELECT COUNT(*) FROM regions") regions, $(q "SELECT COUNT(*) FROM institutions") institutions, $(q "SELECT COUNT(*) FROM accounts") accounts)"
