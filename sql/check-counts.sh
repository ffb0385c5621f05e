#!/bin/sh
# check-counts.sh — compare a SQLite and a PostgreSQL mod_jszg database that
# were both built with apply.sh (e.g. both with --seed): the schema version,
# the row count of every table and, with --full, the full contents of every
# table (rows ordered by their first column; dates and window times print
# the same way in both engines).
#
#   sql/check-counts.sh <sqlite-dbfile> <libpq-conninfo> [--full]
#
# Exit 0 when everything matches, 1 otherwise.

set -eu

[ $# -ge 2 ] && [ $# -le 3 ] || {
    echo "usage: $0 <sqlite-dbfile> <libpq-conninfo> [--full]" >&2
    exit 2
}
db=$1
conn=$2
full=0
[ "${3:-}" = "--full" ] && full=1

export PGCLIENTENCODING=UTF8
sq() { sqlite3 -batch -bail -noheader "$db" "$1"; }
pq() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$conn" -c "$1"; }

tables="schema_version regions accounts sessions institutions
        confirmation_points windows news notices faq contacts certificates
        registrations_history sms_outbox rate_events audit_log"

bad=0
printf '%-24s %10s %10s\n' table sqlite pgsql
for t in $tables; do
    a=$(sq "SELECT COUNT(*) FROM $t")
    b=$(pq "SELECT COUNT(*) FROM $t")
    mark=
    [ "$a" = "$b" ] || { mark='  <-- differs'; bad=1; }
    printf '%-24s %10s %10s%s\n' "$t" "$a" "$b" "$mark"
    if [ $full -eq 1 ] && [ "$t" != schema_version ]; then
        ha=$(sq "SELECT * FROM $t ORDER BY 1" | md5sum | cut -c1-32)
        hb=$(pq "SELECT * FROM $t ORDER BY 1" | md5sum | cut -c1-32)
        if [ "$ha" != "$hb" ]; then
            echo "  contents of $t differ between the engines" >&2
            bad=1
        fi
    fi
done

va=$(sq "SELECT MAX(version) FROM schema_version")
vb=$(pq "SELECT MAX(version) FROM schema_version")
echo "schema version: sqlite $va, pgsql $vb"
[ "$va" = "$vb" ] || bad=1

if [ $bad -eq 0 ]; then
    echo "engines match"
else
    echo "engines DIFFER" >&2
fi
exit $bad
