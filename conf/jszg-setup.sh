#!/bin/sh
# jszg-setup.sh -- what mod_jszg needs on a server, made once (the Debian
# package's postinst and `make install` run it; running it again changes
# nothing):
#   /etc/apache2/jszg.secret        48 random bytes, root only (httpd reads
#                                   it as root, before dropping privileges)
#   /var/lib/mod_jszg/uploads       owned by the children's user
#   /var/lib/mod_jszg/jszg.db       an SQLite database with the schema (the
#                                   site example's default), no demo data
set -eu

share=$(cd "$(dirname "$0")" && pwd)
user=www-data
if [ -r /etc/apache2/envvars ]; then
    # shellcheck disable=SC1091
    u=$(set +eu; . /etc/apache2/envvars >/dev/null 2>&1; echo "${APACHE_RUN_USER:-}")
    [ -n "$u" ] && user=$u
fi
group=$(id -gn "$user")

secret=/etc/apache2/jszg.secret
if [ ! -s "$secret" ]; then
    (umask 077; head -c 48 /dev/urandom > "$secret")
fi
install -d -o root -g "$group" -m 0750 /var/lib/mod_jszg
install -d -o "$user" -g "$group" -m 0750 /var/lib/mod_jszg/uploads
# SQLite writes its -wal/-shm files beside the database: the directory
# must be the children's too
chown "$user:$group" /var/lib/mod_jszg
db=/var/lib/mod_jszg/jszg.db
"$share/sql/apply.sh" sqlite "$db" >/dev/null
chown "$user:$group" "$db"
