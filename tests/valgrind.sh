#!/bin/sh
# httpd -X (one process) under valgrind --leak-check=full over the portal:
# anonymous pages, then the pages of a logged-in applicant (个人信息中心,
# 业务平台, the wizard, 查询报名信息 with 详情/申请表/PDF/留言) and of
# back-office staff (queue, application, stats, audit log), each several
# times, then a clean stop.  Sessions are rows written into the database
# (as tests/http/jszg_env.py login_as() does); the applications they see
# are made through the real wizard and 现场确认 at the start of the run.
# Fails when a logged-in page does not answer as expected (so that the
# run cannot pass while testing nothing), or when valgrind reports any
# error: a definite leak (from mod_jszg, or anywhere, once the known
# library ones in tests/valgrind.supp are left out), an invalid access or
# free, a use of uninitialised memory.
#
# VG_ROUNDS (default 4) is how many times each logged-in page is asked.
# The reference-count bug once in jszg_page_account_center.c (a borrowed
# jansson reference dropped twice: ASan cannot see it, libjansson is not
# instrumented) shows up here as "Invalid read" in json_delete, freed by
# the request pool's cleanup.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
ROOT=$(/usr/bin/python3 "$TOP/conf/mkroot.py" --where "$TOP/build/valgrind")
ROUNDS=${VG_ROUNDS:-4}
rm -rf "$ROOT"; mkdir -p "$ROOT/db"
DB=$ROOT/db/jszg.db
"$TOP/sql/apply.sh" sqlite "$DB" --seed >/dev/null
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# JszgTestClock: every request below runs at the seed's "today"
# (sql/seed/README.md), whatever the machine's date.
CONF=$(/usr/bin/python3 "$TOP/conf/mkroot.py" --root "$ROOT" --port "$PORT" \
       --dbd-params "$DB" --mpm prefork --extra "JszgTestClock On
JszgHousekeepingInterval 0")
# JszgHousekeepingInterval 0: with the housekeeping watchdog thread running
# in this -X process, valgrind's leak report printed the frames of
# fontconfig and pango as ??? (as if unmapped despite the dlclose shim
# below), so the suppressions no longer matched their init-time caches.
# Not explained yet; the job's own code is covered by the HTTP tests under
# ASan (tests/http/test_housekeeping.py).
NOW=$(date -d '2026-11-29 10:00:00 +0800' +%s)
CLOCK="X-Jszg-Test-Now: $NOW"
URL=http://127.0.0.1:$PORT
LOG=$ROOT/valgrind.log
FAILS=$ROOT/failures
: >"$FAILS"
HITS=0

sql() { sqlite3 -batch "$DB" "$1"; }
token() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }

# applicant session of account $1: the cookie
applicant() {
    local t; t=$(token)
    sql "INSERT INTO sessions (id_hash, account_id, created_at, last_seen_at,
         expires_at, ip, user_agent, data) SELECT '$(sha "$t")', id, $NOW,
         $NOW, $NOW + 28800, '127.0.0.1', 'valgrind',
         json_object('name', name, 'entry', 'dqzc')
         FROM accounts WHERE id = $1"
    echo "jszg_sid=$t"
}
# back-office session of staff username $1: a cookie jar
staff() {
    local t; t=$(token)
    sql "INSERT INTO admin_sessions (id_hash, staff_id, created_at,
         last_seen_at, expires_at, ip, user_agent, data) SELECT
         '$(sha "$t")', id, $NOW, $NOW, $NOW + 28800, '127.0.0.1',
         'valgrind', '{}' FROM staff WHERE username = '$1'"
    printf '127.0.0.1\tFALSE\t/admin\tFALSE\t0\tjszg_admin\t%s\n' "$t" \
        >"$ROOT/jar-$1"
    echo "$ROOT/jar-$1"
}

A1=$(applicant 1)       # 张伟: submits an application, then reads it back
A8=$(applicant 8)       # 周敏: a wizard draft left at step 6
SYS=$(staff sysadmin)
REV=$(staff dc-reviewer)
PNT=$(staff dc-point)
PHOTO=$TOP/tests/unit/fixtures/photo.jpg

# httpd unloads its modules (and with mod_jszg.so, fontconfig, pango, cairo)
# before valgrind's leak report: their frames would print as ??? and the
# caches they keep in static storage would count as definitely lost.
# dlclose() is made a no-op so that every library stays mapped until exit.
printf 'int dlclose(void *h) { (void)h; return 0; }\n' >"$ROOT/nodlclose.c"
gcc -shared -fPIC -o "$ROOT/nodlclose.so" "$ROOT/nodlclose.c"
LD_PRELOAD=$ROOT/nodlclose.so \
valgrind --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --suppressions="$TOP/tests/valgrind.supp" \
    --num-callers=30 --log-file="$LOG" /usr/sbin/apache2 -X -f "$CONF" &
VG=$!
stop() { kill -TERM $VG 2>/dev/null || true; wait $VG || true; }
trap stop EXIT
die() { echo "valgrind: $*" >&2; exit 1; }
for i in $(seq 100); do
    curl -fs -o /dev/null "$URL/static/css/site.css" && break
    sleep 0.3
done

# hit STATUS PATH [curl options]: one request, a wrong status is recorded
hit() {
    local want=$1 code; path=$2; shift 2
    HITS=$((HITS + 1))
    code=$(curl -s -o "$ROOT/body" -w '%{http_code}' -H "$CLOCK" "$@" \
           "$URL$path") || code=000
    [ "$code" = "$want" ] || echo "$code (want $want) $path" >>"$FAILS"
}
# has TEXT: the last answer's body contains TEXT
has() {
    grep -q "$1" "$ROOT/body" || echo "no '$1' in $path" >>"$FAILS"
}
# call METHOD PATH KEY [curl options]: a JSON API call that must answer
# 2xx; prints the body's KEY
call() {
    local m=$1 path=$2 key=$3 code; shift 3
    code=$(curl -s -o "$ROOT/body" -w '%{http_code}' -H "$CLOCK" -X "$m" \
           "$@" "$URL$path") || code=000
    case $code in 2??) ;; *) die "$m $path: $code $(head -c 300 "$ROOT/body")";; esac
    [ -z "$key" ] || /usr/bin/python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$ROOT/body" "$key"
}
# the wizard through the JSON API up to step 6 (the draft stays there):
# walk COOKIE institution point stage subject city cert
walk() {
    c=$1; csrf=$(call GET /api/v1/csrf csrf -b "$c")
    api() { call "$@" -b "$c" -H "X-CSRF-Token: $csrf"; }
    api POST /api/v1/dqzc/start "" -d institution_id="$2" -d point_id="$3" \
        --data-urlencode stage="$4"
    api POST /api/v1/dqzc/wizard/1 "" -d agree=1
    api POST /api/v1/dqzc/wizard/2 "" -F cert_no="$7" -F mandarin=二级甲等 \
        -F education=大学本科 -F edu_category=师范教育类 \
        -F major=数学与应用数学 -F degree=学士 -F grad_date=2007-07-01 \
        -F grad_school=1 -F study_form=普通全日制 -F school=北京市第一小学 \
        -F school_area=城市 -F school_type=公办小学 -F title=一级教师 \
        -F work_start=2007-09-01 -F hukou=北京市东城区 \
        -F employ_start=2010-09-01 -F politics=中共党员 -F post_type=专任教师 \
        -F address=北京市东城区和平里东街15号 -F postcode=100013 \
        -F "photo=@$PHOTO;type=image/jpeg"
    api POST /api/v1/dqzc/wizard/3 "" -d province=110000 -d city="$6" \
        --data-urlencode stage="$4" --data-urlencode subject="$5" \
        -d institution_id="$2" -d point_id="$3"
    api POST /api/v1/dqzc/wizard/4 ""
    api POST /api/v1/dqzc/wizard/5 ""
}
# a back-office POST with its CSRF token (bound to the staff session):
# spost JAR PATH [curl options]
spost() {
    local j=$1 path=$2 t1; shift 2
    call GET /admin/api/csrf "" -b "$j" -c "$j" >/dev/null
    t1=$(/usr/bin/python3 -c 'import json, sys
b = json.load(open(sys.argv[1])); print(b["csrf"])' "$ROOT/body")
    call POST "$path" "" -b "$j" -c "$j" -d "_csrf=$t1" "$@"
}

# ---- anonymous pages ------------------------------------------------------
for i in $(seq 20); do
    for p in / /nope /api/v1/health /api/v1/csrf "/?q=%C0" /news /help/faq \
             /windows /services; do
        curl -s -o /dev/null "$URL$p" || true
    done
    curl -s -o /dev/null -c "$ROOT/jar" -b "$ROOT/jar" "$URL/api/v1/csrf"
    curl -s -o /dev/null -b "$ROOT/jar" -X POST -d "_csrf=bad" "$URL/services/dqzc/enter"
    curl -s -o /dev/null -F "a=b" -F "f=@$TOP/README.md" "$URL/services/dqzc/enter"
done

# ---- the data the logged-in pages show ------------------------------------
# 张伟 submits (东城, 确认点 201); the point finds 材料不全 (a 留言), reopens,
# then 材料齐全: the application waits in 东城's 待注册审批 queue.
walk "$A1" 2 201 小学 数学 110101 20101110121003456
KEY=$(call GET /api/v1/dqzc/wizard/6 submit_key -b "$A1")
REG=$(call POST /api/v1/dqzc/wizard/6 reg_no -b "$A1" \
      -H "X-CSRF-Token: $(call GET /api/v1/csrf csrf -b "$A1")" \
      -d choice=agree -d submit_key="$KEY")
APP=$(sql "SELECT id FROM applications WHERE reg_no = '$REG'")
[ -n "$APP" ] || die "no application $REG"
spost "$PNT" "/admin/api/apps/$APP/confirm" -d result=incomplete \
    --data-urlencode missing=继续教育学时证明
spost "$PNT" "/admin/api/apps/$APP/reopen"
spost "$PNT" "/admin/api/apps/$APP/confirm" -d result=complete
# 周敏 (海淀) stops before the 承诺书: every step's page has its data
walk "$A8" 5 502 幼儿园 幼儿园 110108 20121110812002675

# ---- logged-in pages, ROUNDS times -----------------------------------------
R=/platform/dqzc/records/$REG
for i in $(seq "$ROUNDS"); do
    # applicant: 个人信息中心 and its JSON twin, 业务平台, 查询报名信息
    for p in /account /api/v1/account /account/profile /account/password \
             /account/phone /account/verify /account/review /account/certs \
             /api/v1/account/certs \
             /platform /api/v1/platform /platform/dqzc/notice \
             /platform/dqzc/windows /api/v1/dqzc/windows \
             /platform/dqzc/records "$R" "$R/notes" "$R/photo" "$R/form" \
             "$R/messages" /api/v1/dqzc/records "/api/v1/dqzc/records/$REG" \
             "/api/v1/dqzc/records/$REG/messages" \
             "/platform/dqzc/applications/$REG" /api/v1/dqzc/applications \
             "/api/v1/dqzc/applications/$REG"; do
        hit 200 "$p" -b "$A1"
    done
    [ "$i" -gt 2 ] || hit 200 "$R/pdf" -b "$A1"    # cairo/pango: slow here
    # the wizard's pages, on a draft at step 6
    for p in 1 2 3 4 5 6; do
        hit 200 "/platform/dqzc/wizard/$p" -b "$A8"
        hit 200 "/api/v1/dqzc/wizard/$p" -b "$A8"
    done
    hit 200 /platform/dqzc/wizard/2/cert -b "$A8"
    hit 200 /platform/dqzc/wizard/photo -b "$A8"
    hit 303 /platform/dqzc/wizard -b "$A8"
    hit 200 /api/v1/dqzc/wizard -b "$A8"
    hit 200 /account -b "$A8"
    # back office: the system role, the 东城 reviewer and 确认点
    for p in /admin/ /admin/queue "/admin/apps/$APP" "/admin/api/apps/$APP" \
             "/admin/apps/$APP/photo" "/admin/search?q=$REG" \
             "/admin/api/search?q=$REG" /admin/api/me /admin/stats \
             /admin/stats.csv /admin/audit /admin/windows \
             /admin/reviews/identity /admin/reviews/certs /admin/import; do
        hit 200 "$p" -b "$SYS"
    done
    for p in /admin/queue "/admin/apps/$APP" /admin/stats; do
        hit 200 "$p" -b "$REV"
    done
    hit 200 "/admin/search?q=$REG" -b "$PNT"
done

# what the pages show: the data made above, not an empty shell
hit 200 "$R/messages" -b "$A1"; has 继续教育学时证明
hit 200 /api/v1/account -b "$A1"; has '"account": *{'
hit 200 /platform/dqzc/records -b "$A1"; has "$REG"
hit 200 "$R/pdf" -b "$A1"; has '^%PDF'
hit 200 /platform/dqzc/wizard/6 -b "$A8"; has 个人承诺书
hit 200 /admin/queue -b "$REV"; has "$REG"
hit 200 /admin/audit -b "$SYS"; has dc-point

stop; trap - EXIT
echo "valgrind: $HITS logged-in requests checked"
grep -E "definitely lost|Invalid (read|write|free)|Mismatched free|ERROR SUMMARY" "$LOG" | tail -5
rc=0
if [ -s "$FAILS" ]; then
    echo "valgrind: logged-in pages did not answer as expected:"
    sort "$FAILS" | uniq -c
    rc=1
fi
# any error valgrind counts (the run is clean: fontconfig and the cairo
# 1.16 leak are suppressed), a definite leak whose stack passes through
# our code, or any invalid access or free
if ! grep -q "ERROR SUMMARY: 0 errors" "$LOG" \
   || awk '/definitely lost in/ {blk=1} blk && /jszg/ {bad=1} /^==[0-9]+== $/ {blk=0} END {exit !bad}' "$LOG" \
   || grep -Eq "Invalid (read|write|free)|Mismatched free|Source and destination overlap" "$LOG"; then
    echo "valgrind: problems in mod_jszg, see $LOG; the first:"
    awk '/^==[0-9]+== [A-Z]/ && !/(HEAP|LEAK|ERROR) SUMMARY/ && n == 0 && \
         /Invalid|Mismatched|uninitialised|Syscall|overlap|definitely lost in/ {n=1}
         n && /^==[0-9]+== $/ {exit}
         n && n++ <= 60' "$LOG"
    rc=1
fi
[ $rc = 1 ] || echo "valgrind: no definite leaks or invalid accesses from mod_jszg"
exit $rc
