#!/bin/sh
# Peak RSS of an httpd child under 8 concurrent worst-case uploads of each
# kind (applicant photo, certificate scan, ID photo of the 实名 review):
# builds the plain module (ASan would distort the figures) and runs
# bench/uploads/run.py.  Not a timed test: prints a table for the README.
#   bench/uploads/run.sh [rounds [kind]]  (default 5 rounds of 8 uploads;
#                                         kind: part of a kind's title)
set -e
TOP=$(cd "$(dirname "$0")/../.." && pwd)
make -C "$TOP" SANITIZE=0 all >/dev/null
exec /usr/bin/python3 "$TOP/bench/uploads/run.py" "$@"
