"""`make flake-check` itself (tests/flake_check.py, issue 21): it lists a
test that failed once, one whose teardown failed once, and not one that
always passed; its CPU burners stop by themselves."""
import os
import subprocess
import sys
import time

from jszg_env import TOP

PYTHON = "/usr/bin/python3"
FLAKY = '''
import os
import pytest

COUNT = os.path.join(os.path.dirname(__file__), "count")


def calls():
    n = int(open(COUNT).read()) if os.path.exists(COUNT) else 0
    with open(COUNT, "w") as f:
        f.write(str(n + 1))
    return n


@pytest.fixture
def teardown_fails_in_run_2():
    yield
    assert not os.path.exists(COUNT + "-2"), "teardown failed"


def test_steady():
    pass


def test_flaky():
    assert calls() != 0, "failed the first time"


def test_teardown(teardown_fails_in_run_2):
    if os.path.exists(COUNT + "-1"):
        open(COUNT + "-2", "w").close()
    open(COUNT + "-1", "w").close()
'''


def test_reports_every_test_that_did_not_always_pass(tmp_path):
    suite = tmp_path / "test_coin.py"
    suite.write_text(FLAKY)
    env = dict(os.environ, FLAKE_RUNS="2", FLAKE_BURNERS="1",
               FLAKE_BURN_MAX="120", FLAKE_SUITES=str(suite),
               FLAKE_OUT=str(tmp_path / "out"), FLAKE_ENGINES="sqlite")
    out = subprocess.run([PYTHON, os.path.join(TOP, "tests",
                                               "flake_check.py")],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == ("flake-check: 2 runs of %s on sqlite, 1 CPU burners"
                        % suite)
    assert lines[1].startswith("run 1/2 test_coin 1 failed, 2 passed")
    assert lines[2].startswith("run 2/2 test_coin 1 error, 2 passed")
    flaky = [ln for ln in lines if ln.endswith("::test_flaky: passed 1 of 2 "
                                               "(run 1 failed)")]
    teardown = [ln for ln in lines if ln.endswith(
        "::test_teardown: passed 1 of 2 (run 2 error)")]
    assert len(flaky) == 1 and len(teardown) == 1, out.stdout
    assert "failed the first time" in out.stdout
    assert "teardown failed" in out.stdout
    assert "test_steady" not in out.stdout
    assert lines[-1].startswith("flake-check: 3 tests, 2 runs, ")
    assert lines[-1].endswith(": 2 did not pass every time")
    assert (tmp_path / "out" / "report.txt").read_text().splitlines()[-1] \
        == lines[-1]
    assert (tmp_path / "out" / "run2-test_coin.xml").exists()


def test_burner_stops_at_its_deadline():
    sys.path.insert(0, os.path.join(TOP, "tests"))
    import flake_check
    t0 = time.time()
    burner = flake_check.start_burners(1, 1)[0]
    try:
        burner.wait(15)
    finally:
        if burner.poll() is None:
            burner.kill()
    assert burner.returncode == 0
    assert time.time() - t0 < 10


def test_burner_stops_when_the_check_is_gone():
    """A burner whose flake-check died (killed, no clean-up) stops by
    itself at once."""
    code = ("import sys; sys.path.insert(0, %r); import flake_check; "
            "print(flake_check.start_burners(1, 600)[0].pid, flush=True); "
            "import os; os._exit(0)" % os.path.join(TOP, "tests"))
    pid = subprocess.run([PYTHON, "-c", code], capture_output=True,
                         text=True, check=True).stdout.strip()
    assert pid.isdigit()
    end = time.time() + 10
    while time.time() < end and os.path.exists("/proc/%s" % pid):
        time.sleep(0.1)
    assert not os.path.exists("/proc/%s" % pid)
