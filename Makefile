# mod_jszg -- build, run, test.  `make run` and `make test` do all set-up
# on a fresh Debian 12 machine (packages are installed with apt-get as root).

# A checkout path make or the shell cannot take (make splits words at
# spaces and reads ':' ';' '%' '#' '$$' itself; the recipes do not quote
# paths): refused at once, before anything runs.
PATH_BAD_CHARS := : ; % \# $$ ' " \ * ? [ ] & | < > ! ` { } ( )
PATH_BAD := $(strip $(if $(filter-out 1,$(words $(CURDIR))),space) \
              $(foreach c,$(PATH_BAD_CHARS),$(findstring $c,$(CURDIR))))
ifneq ($(PATH_BAD),)
$(error the checkout path '$(CURDIR)' contains $(PATH_BAD), which make and the build cannot handle: clone or move it to a path of letters, digits and - _ . / + , @ ~ = only)
endif

PORT      ?= 8080
APXS      ?= apxs
PYTHON    ?= /usr/bin/python3
RUNDIR    ?= $(CURDIR)/run
BUILDDIR  := $(CURDIR)/build

# Debian packages the build, the run and the tests need.
PKGS_BUILD := apache2 apache2-dev libaprutil1-dbd-sqlite3 \
              libaprutil1-dbd-pgsql libxml2-dev libjansson-dev libssl-dev \
              libpng-dev libjpeg-dev zlib1g-dev libcairo2-dev \
              libpango1.0-dev libqrencode-dev fonts-wqy-microhei \
              sqlite3 libsqlite3-dev gcc make pkg-config python3
# `make deb`: dpkg-buildpackage, and build-essential, which it checks for
# beside debian/control's Build-Depends (those are PKGS_BUILD's)
PKGS_DEB   := build-essential debhelper dpkg-dev
PKGS_TEST  := libcmocka-dev python3-pytest python3-requests postgresql \
              postgresql-client chromium chromium-driver python3-selenium \
              clang libclang-rt-14-dev wrk fonts-noto-cjk poppler-utils \
              valgrind curl redis-server memcached libapache2-mod-qos \
              zbar-tools python3-jsonschema python3-yaml $(PKGS_DEB)
PKGS_BENCH := wrk

# mod_jszg/core/: the pure helpers (no httpd headers; APR, libxml2,
# jansson and the image libraries only), unit-tested and fuzzed on their
# own; mod_jszg/: the module's httpd glue, which may use them.
SRCS := $(wildcard mod_jszg/*.c mod_jszg/core/*.c)
HDRS := $(wildcard mod_jszg/*.h mod_jszg/core/*.h)
PURE := $(wildcard mod_jszg/core/*.c)
INCS := -I$(CURDIR)/mod_jszg -I$(CURDIR)/mod_jszg/core

WARN    := -std=c11 -Wall -Wextra -Werror
# The schema version the module expects: the newest migration's number.
SCHEMA_VERSION := $(shell ls sql/sqlite/ | sed -n 's/^0*\([0-9][0-9]*\)_.*\.sql$$/\1/p' | sort -n | tail -1)
DEFS    := -DJSZG_SCHEMA_VERSION=$(SCHEMA_VERSION)
PDF_PKGS := pangocairo fontconfig libqrencode
APR_CF   = $(shell apr-1-config --cflags --cppflags --includes) \
           $(shell apu-1-config --includes) $(shell xml2-config --cflags) \
           $(shell pkg-config --cflags $(PDF_PKGS))
APR_LD   = $(shell apu-1-config --link-ld) $(shell apr-1-config --link-ld) \
           $(shell xml2-config --libs) -ljansson -lcrypto -lpng -lz -ljpeg \
           $(shell pkg-config --libs $(PDF_PKGS))
LIBS     = -lxml2 -ljansson -lcrypto -lsqlite3 -lpng -lz -ljpeg \
           $(shell pkg-config --libs $(PDF_PKGS))

ifeq ($(SANITIZE),1)
SAN_CF  := -fsanitize=address,undefined -fno-omit-frame-pointer
SAN_LD  := -fsanitize=address,undefined
endif

.PHONY: all deps deps-test deps-deb run test unit http-test install fuzz bench valgrind \
        fault-test failover security-test flake-check \
        scale scale-explain soak \
        clean migrate db deb deploy-test

# The objects compile in parallel (one job per core), each on its own:
# editing one .c file recompiles that file and links.
NPROC := $(shell nproc 2>/dev/null || echo 2)
all: | deps
	@$(MAKE) --no-print-directory -j$(NPROC) .libs/mod_jszg.so

# Rebuild when SANITIZE changes: the stamp names the flavour.
FLAVOUR := $(BUILDDIR)/.flavour-$(if $(filter 1,$(SANITIZE)),san,plain)
$(FLAVOUR):
	@mkdir -p $(BUILDDIR); rm -f $(BUILDDIR)/.flavour-*; touch $@

# apxs's own compiler, flags and libtool (as `apxs -c` would use them),
# read when a rule runs: on a fresh machine apache2-dev is installed by
# `deps` first.  Each object records the headers it read (gcc -MMD).
OBJS := $(SRCS:.c=.lo)
AP_COMPILE = $(shell $(APXS) -q LIBTOOL) --mode=compile --tag=disable-static \
    $(shell $(APXS) -q CC) \
    $(subst ;;, ,$(shell $(APXS) -q CFLAGS CPPFLAGS EXTRA_CPPFLAGS)) \
    -I$(shell $(APXS) -q INCLUDEDIR) $(shell apr-1-config --includes) \
    $(shell apu-1-config --includes) $(WARN) $(DEFS) $(SAN_CF) \
    $(shell xml2-config --cflags) $(shell pkg-config --cflags $(PDF_PKGS)) \
    $(INCS)

mod_jszg/%.lo: mod_jszg/%.c $(FLAVOUR) | deps
	@mkdir -p $(BUILDDIR)/log
	@$(AP_COMPILE) -MMD -MP -MF $(@:.lo=.d) -MT $@ -c -o $@ $< \
	    >$(BUILDDIR)/log/$(*F).log 2>&1 \
	    || { cat $(BUILDDIR)/log/$(*F).log; exit 1; }
	@touch $(@:.lo=.slo); echo "  CC $<"

# the schema version the module expects is compiled into these
mod_jszg/jszg_store.lo mod_jszg/jszg_page_home.lo: \
    $(wildcard sql/sqlite/*.sql)

-include $(OBJS:.lo=.d)

.libs/mod_jszg.so: $(OBJS) | deps
	@$(APXS) -c -o mod_jszg.la $(addprefix -Wl$(comma),$(SAN_LD)) \
	    $(OBJS) $(LIBS) >$(BUILDDIR).log 2>&1 \
	    || { cat $(BUILDDIR).log; exit 1; }
	@echo "  LD mod_jszg.so"

comma := ,

# Install what is missing (as root, with apt-get); a no-op when all is there.
deps:
	@$(CURDIR)/tests/ensure-packages.sh $(PKGS_BUILD)

deps-test:
	@$(CURDIR)/tests/ensure-packages.sh $(PKGS_BUILD) $(PKGS_TEST)

deps-deb:
	@$(CURDIR)/tests/ensure-packages.sh $(PKGS_BUILD) $(PKGS_DEB)

# The SQLite database of `make run`, with seed data.
db: $(RUNDIR)/jszg.db
$(RUNDIR)/jszg.db: $(wildcard sql/sqlite/*.sql sql/seed/*.sql) | deps
	@mkdir -p $(RUNDIR)
	sql/apply.sh sqlite $@ --seed
	@touch $@

# run/jszg.db, or where `make run` keeps it (conf/mkroot.py --where)
migrate: deps
	@root=$$($(PYTHON) conf/mkroot.py --where $(RUNDIR)) && \
	$(MAKE) --no-print-directory RUNDIR=$$root db

# Started as root, httpd's children run as www-data: a checkout they cannot
# reach (in /root, mode 700) gets its server root under /var/tmp instead
# (conf/mkroot.py --where says so), with a copy of htdocs.  A taken port or
# an unusable root is refused here, before httpd starts, in one line.
run: all
	@set -e; root=$$($(PYTHON) conf/mkroot.py --where $(RUNDIR)); \
	$(PYTHON) conf/mkroot.py --check-port $(PORT); \
	$(MAKE) --no-print-directory RUNDIR=$$root db; \
	conf=$$($(PYTHON) conf/mkroot.py --root $$root --port $(PORT) \
	    --dbd-driver sqlite3 --dbd-params $$root/jszg.db); \
	/usr/sbin/apache2 -t -f $$conf; \
	echo "中国教师资格网 on http://127.0.0.1:$(PORT)/  (server root $$root; Ctrl-C stops)"; \
	exec /usr/sbin/apache2 -DFOREGROUND -f $$conf

# ---- tests ----------------------------------------------------------------

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILDDIR)/%,$(UNIT_SRCS))

# The pure core, compiled once for the module (same flavour), archived
# for the unit tests.
CORE_LIB := $(BUILDDIR)/libjszg_core.a
$(CORE_LIB): $(PURE:.c=.lo)
	@rm -f $@; ar rcs $@ $(patsubst mod_jszg/core/%.c,mod_jszg/core/.libs/%.o,$(PURE))

$(BUILDDIR)/test_%: tests/unit/test_%.c $(CORE_LIB) $(HDRS) $(FLAVOUR)
	@mkdir -p $(BUILDDIR)
	@gcc $(WARN) -g $(SAN_CF) $(APR_CF) $(INCS) -o $@ $< $(CORE_LIB) \
	    $(APR_LD) -lcmocka -lpthread $(SAN_LD)

# fontconfig keeps its configuration until exit, cairo 1.16 leaks a little
# per font: tests/unit/lsan.supp names exactly those.
unit: deps-test $(UNIT_BINS)
	@! grep -nE '^#include "(httpd|http_|ap_|util_|mod_|jszg_private)' \
	    mod_jszg/core/*.[ch] || { echo "mod_jszg/core/ is httpd-free:" \
	    "move the file above out of it, or the include"; exit 1; }
	@tests/unit/check_beijing_offset.sh
	@sh tests/unit/check_config_merge.sh
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; \
	    (cd tests/unit && LSAN_OPTIONS=suppressions=$(CURDIR)/tests/unit/lsan.supp $$t); done

# The slowest tests are listed at the end, and every test's time is kept
# in build/test-output/http.xml (the suite's time budget, README "Tests").
http-test: all deps-test
	@mkdir -p $(BUILDDIR)/test-output
	JSZG_SANITIZE=$(SANITIZE) $(PYTHON) -m pytest -q -p no:cacheprovider \
	    --durations=15 --junitxml=$(BUILDDIR)/test-output/http.xml \
	    tests/http $(PYTEST_ARGS)

# Faults: PostgreSQL restarted under load, a child killed mid-submission,
# an unwritable or full upload directory, graceful restarts under load.
fault-test: all deps-test
	JSZG_SANITIZE=$(SANITIZE) $(PYTHON) -m pytest -q -p no:cacheprovider \
	    tests/faults $(PYTEST_ARGS)

# PostgreSQL failover (tests/faults/test_failover.py), the long form: more
# applicants, and besides the switchover of fault-test (promote, then stop
# the old primary) a crash of the primary with the promotion 2 s later.
failover: all deps-test
	JSZG_FAILOVER_LONG=1 JSZG_SANITIZE=$(SANITIZE) $(PYTHON) -m pytest -q \
	    -p no:cacheprovider tests/faults/test_failover.py $(PYTEST_ARGS)

# Injection, access control, CSRF/redirects, headers, brute force, over the
# whole route table.
security-test: all deps-test
	@mkdir -p $(BUILDDIR)/test-output
	JSZG_SANITIZE=$(SANITIZE) $(PYTHON) -m pytest -q -p no:cacheprovider \
	    --durations=10 --junitxml=$(BUILDDIR)/test-output/security.xml \
	    tests/security $(PYTEST_ARGS)

# The test run uses the ASan+UBSan build of the module and the unit tests
# (TEST_SANITIZE=0 for a plain build), then the valgrind run, which needs
# the plain build: it rebuilds the module after the sanitized suites are
# done (the flavour stamp below), so a second `make test` rebuilds again.
TEST_SANITIZE ?= 1
test: deps-test
	$(MAKE) SANITIZE=$(TEST_SANITIZE) all unit http-test fault-test \
	    security-test
	$(MAKE) valgrind
	$(MAKE) deploy-test

# The fault suite and the browser tests FLAKE_RUNS times in a row on both
# engines, with a CPU burner per core (tests/flake_check.py); lists every
# test that did not pass every time.  Same build as `make test`.
FLAKE_RUNS ?= 5
flake-check: deps-test
	$(MAKE) SANITIZE=$(TEST_SANITIZE) all
	FLAKE_RUNS=$(FLAKE_RUNS) JSZG_SANITIZE=$(TEST_SANITIZE) \
	    $(PYTHON) tests/flake_check.py

# ---- fuzzing --------------------------------------------------------------

FUZZ_SECONDS ?= 30
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILDDIR)/%,$(FUZZ_SRCS))

$(BUILDDIR)/fuzz_%: tests/fuzz/fuzz_%.c $(PURE) $(wildcard mod_jszg/core/*.h)
	@mkdir -p $(BUILDDIR)
	clang -g -O1 -fsanitize=fuzzer,address,undefined $(APR_CF) \
	    $(INCS) -o $@ $< $(PURE) $(APR_LD)

fuzz: deps-test $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_BINS); do n=$${f##*/fuzz_}; \
	    mkdir -p $(BUILDDIR)/corpus/$$n; \
	    echo "== fuzz $$n for $(FUZZ_SECONDS)s"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -artifact_prefix=$(BUILDDIR)/fuzz-$$n- \
	        $(BUILDDIR)/corpus/$$n tests/fuzz/corpus/$$n \
	        >$(BUILDDIR)/fuzz-$$n.log 2>&1 || { tail -40 $(BUILDDIR)/fuzz-$$n.log; exit 1; }; \
	    grep -E '^#[0-9]+[[:space:]]+DONE|average_exec_per_sec' $(BUILDDIR)/fuzz-$$n.log; done

# ---- install (Debian layout: a2enmod jszg) --------------------------------

# DESTDIR=dir installs into a staging tree (packaging: debian/rules); the
# run-time set-up (secret, directories, database) is then the package's
# postinst, else conf/jszg-setup.sh runs here.  `dpkg-buildpackage -us -uc
# -b` builds libapache2-mod-jszg (make deb).
DESTDIR ?=
MODDIR   = $(shell $(APXS) -q LIBEXECDIR)
SHAREDIR := $(DESTDIR)/usr/share/mod_jszg
install: all
	install -D -m 644 .libs/mod_jszg.so $(DESTDIR)$(MODDIR)/mod_jszg.so
	install -d $(DESTDIR)/etc/apache2/mods-available \
	    $(DESTDIR)/etc/apache2/sites-available $(SHAREDIR)
	install -m 644 conf/jszg.load conf/jszg.conf \
	    $(DESTDIR)/etc/apache2/mods-available/
	install -m 644 conf/jszg-site.conf \
	    $(DESTDIR)/etc/apache2/sites-available/jszg.conf
	cp -r htdocs sql $(SHAREDIR)/
	install -m 755 conf/jszg-setup.sh $(SHAREDIR)/jszg-setup.sh
	@if [ -z "$(DESTDIR)" ]; then $(SHAREDIR)/jszg-setup.sh; fi

deb: deps-deb
	rm -rf $(BUILDDIR)/deb && mkdir -p $(BUILDDIR)/deb/src
	git ls-files -z | xargs -0 cp --parents -t $(BUILDDIR)/deb/src
	cd $(BUILDDIR)/deb/src && dpkg-buildpackage -us -uc -b >../build.log 2>&1 \
	    || { tail -40 ../build.log; exit 1; }
	@ls $(BUILDDIR)/deb/*.deb

# The package on this machine and a stock Debian /etc/apache2 copied to a
# scratch APACHE_CONFDIR: a2enmod jszg, a2ensite jszg, the home page.
deploy-test: deb deps-test
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/deploy $(PYTEST_ARGS)

# httpd -X under valgrind over anonymous and logged-in pages (applicant
# and back office): every page answers, no definite leak, no invalid
# access.  VG_ROUNDS=n asks each logged-in page n times (default 4).
valgrind: deps-test
	$(MAKE) SANITIZE=0 all
	tests/valgrind.sh

# A national-size PostgreSQL database and the pages measured on it against
# a small one; every prepared statement EXPLAINed on it; a long mixed run
# with each child's memory sampled.
scale: all deps-test
	bench/scale/run.sh

scale-explain: all deps-test
	GEN_ONLY=1 KEEP=1 bench/scale/run.sh
	tests/scale/explain.py; rc=$$?; . bench/scale/pg.sh; \
	    pg_stop $$($(PYTHON) conf/mkroot.py --where build/scale)/pg; \
	    exit $$rc

soak: all deps-test
	bench/soak/run.sh

bench: all deps-test
	bench/run.sh
	bench/admission/run.sh
	bench/admission/cluster.sh

clean:
	rm -rf .libs build build.log mod_jszg/*.lo mod_jszg/*.slo mod_jszg/*.o \
	    mod_jszg/*.d mod_jszg/core/*.lo mod_jszg/core/*.slo \
	    mod_jszg/core/*.o mod_jszg/core/*.d mod_jszg/core/.libs \
	    mod_jszg/.libs mod_jszg.la mod_jszg.lo mod_jszg.slo
	@# server roots kept under /var/tmp for a checkout www-data cannot reach
	-@[ ! -x $(PYTHON) ] || $(PYTHON) conf/mkroot.py --clean
