#!/usr/bin/python3
"""`make flake-check`: the fault suite (tests/faults) and the browser tests
(tests/http/*browser*.py) FLAKE_RUNS times in a row (default 5), on SQLite
and PostgreSQL, while FLAKE_BURNERS processes (default: one per CPU) keep
every CPU busy, as a shared CI machine does.  Then every test that did not
pass every time is listed with its outcomes and its first failure; the
exit status is 1 when there is one.

    FLAKE_RUNS=2 FLAKE_ENGINES=sqlite FLAKE_BURNERS=0 tests/flake_check.py

Each run's pytest output and JUnit XML are kept in build/flake/
(FLAKE_OUT).  FLAKE_SUITES is a comma-separated list of "faults",
"browser" or test file paths.  The
burners are bounded: each stops by itself after FLAKE_BURN_MAX seconds
(default 4 h) or when this script is gone, whichever comes first, and this
script stops them when it ends.
"""
import glob
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.environ.get("FLAKE_OUT", os.path.join(TOP, "build", "flake"))
PYTHON = "/usr/bin/python3"

SUITES = {
    "faults": ["tests/faults"],
    "browser": sorted(os.path.relpath(p, TOP) for p in glob.glob(
        os.path.join(TOP, "tests", "http", "test_*browser*.py"))),
}

# One busy loop; it checks its deadline and its parent every ~50 ms.
BURNER = """
import os, sys, time
end, parent = float(sys.argv[1]), int(sys.argv[2])
x = 1
while time.time() < end and os.getppid() == parent:
    for _ in range(200000):
        x = x * 7 % 1000003
"""


def start_burners(n, seconds):
    end = time.time() + seconds
    return [subprocess.Popen([PYTHON, "-c", BURNER, str(end),
                              str(os.getpid())]) for _ in range(n)]


def stop_burners(procs):
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def outcomes(xml_path):
    """{test id: outcome} of one JUnit XML file: passed, failed, error
    (setup or teardown too), skipped; with the first failure's text."""
    result = {}
    try:
        tree = ET.parse(xml_path)
    except (OSError, ET.ParseError) as e:
        return {"<pytest did not write %s>" % os.path.basename(xml_path):
                ("error", str(e))}
    for case in tree.iter("testcase"):
        tid = "%s::%s" % (case.get("classname", ""), case.get("name", ""))
        outcome, text = "passed", ""
        for tag in ("failure", "error", "skipped"):
            el = case.find(tag)
            if el is not None:
                outcome = {"failure": "failed"}.get(tag, tag)
                text = (el.get("message") or "") + "\n" + (el.text or "")
                break
        # a teardown error is a second entry of the same test: the worse
        # outcome stands
        prev = result.get(tid)
        if prev is None or prev[0] in ("passed", "skipped"):
            result[tid] = (outcome, text.strip())
    return result


def main():
    runs = int(os.environ.get("FLAKE_RUNS", "5"))
    engines = os.environ.get("FLAKE_ENGINES", "sqlite,pgsql")
    burners = int(os.environ.get("FLAKE_BURNERS", str(os.cpu_count() or 1)))
    burn_max = float(os.environ.get("FLAKE_BURN_MAX", str(4 * 3600)))
    suites = os.environ.get("FLAKE_SUITES", ",".join(SUITES)).split(",")
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    env = dict(os.environ, JSZG_TEST_ENGINES=engines)
    history = {}        # test id -> [(run, outcome, text)]
    started = time.time()
    print("flake-check: %d runs of %s on %s, %d CPU burners"
          % (runs, " and ".join(suites), engines, burners), flush=True)
    procs = start_burners(burners, burn_max)
    try:
        for run in range(1, runs + 1):
            for suite in suites:
                label = suite if suite in SUITES else \
                    os.path.splitext(os.path.basename(suite))[0]
                xml = os.path.join(OUT, "run%d-%s.xml" % (run, label))
                log = os.path.join(OUT, "run%d-%s.log" % (run, label))
                t0 = time.time()
                with open(log, "w") as f:
                    rc = subprocess.run(
                        [PYTHON, "-m", "pytest", "-q", "-rA",
                         "-p", "no:cacheprovider", "--junitxml", xml]
                        + SUITES.get(suite, [suite]), cwd=TOP, env=env,
                        stdout=f,
                        stderr=subprocess.STDOUT).returncode
                res = outcomes(xml)
                counts = {}
                for tid, (outcome, text) in res.items():
                    counts[outcome] = counts.get(outcome, 0) + 1
                    history.setdefault(tid, []).append((run, outcome, text))
                print("run %d/%d %-8s %s (pytest exit %d, %.0f s)"
                      % (run, runs, label, ", ".join(
                          "%d %s" % (n, o) for o, n in sorted(counts.items())),
                         rc, time.time() - t0), flush=True)
    finally:
        stop_burners(procs)
    bad = {tid: h for tid, h in history.items()
           if any(o not in ("passed", "skipped") for _, o, _ in h)
           or len(h) != runs}
    lines = []
    for tid in sorted(bad):
        h = bad[tid]
        seen = ", ".join("run %d %s" % (r, o) for r, o, _ in h
                         if o != "passed")
        passed = sum(1 for _, o, _ in h if o == "passed")
        lines.append("%s: passed %d of %d (%s)" % (tid, passed, runs,
                                                    seen or "missing"))
        first = next((t for _, o, t in h if o in ("failed", "error")), "")
        lines.extend("    " + ln for ln in first.splitlines()[:12])
    summary = ("flake-check: %d tests, %d runs, %.0f min: %s"
               % (len(history), runs, (time.time() - started) / 60,
                  "%d did not pass every time" % len(bad) if bad
                  else "every test passed every time"))
    with open(os.path.join(OUT, "report.txt"), "w") as f:
        f.write("\n".join(lines + [summary]) + "\n")
    print("\n".join(lines + [summary]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
