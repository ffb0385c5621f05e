#!/usr/bin/python3
"""Turn bench/admission/run.sh results into a markdown table."""
import re
import sys


def kv(s):
    return dict(re.findall(r"(\w+)=([\w.]+)", s))


rows = []
for line in open(sys.argv[1], encoding="utf-8"):
    mode, factor = line.split()[:2]
    parts = line.split("|")
    rows.append((mode, int(factor), kv(parts[1]), kv(parts[2]),
                 kv(parts[3]), kv(parts[4])))


def goodput(a, p, n, secs):
    ok = float(a["ok_per_sec"]) + int(p["created"]) / secs
    return ok + (float(n["ok_per_sec"]) if n else 0)


SECS = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
cap = next((goodput(a, p, n, SECS) for m, f, a, p, n, r in rows
            if m == "none" and f == 1), None)
if len(sys.argv) > 3:
    cap = float(sys.argv[3])
print("| mode | load | goodput/s | of capacity | admitted p50 / p99 ms "
      "| POST p99 ms | admitted 5xx | lost submissions | new arrivals: "
      "200/s, waiting room, 5xx |")
print("|---|---|---|---|---|---|---|---|---|")
for mode, f, a, p, n, r in rows:
    good = goodput(a, p, n, SECS)
    # wrk does not count the POSTS requests cut off at the end, whose
    # rows may exist: rows beyond the answers are not a loss
    lost = max(0, int(p["answered"]) - int(r["rows"]))
    print("| %s | %dx | %.0f | %s | %s / %s | %s | %d | %d of %s | %s |" % (
        mode, f, good, "%.0f%%" % (100 * good / cap) if cap else "-",
        a["p50_ms"], a["p99_ms"], p["p99_ms"],
        int(a["err5"]) + int(p["err5"]), lost, p["answered"],
        "%.0f, %s, %s" % (float(n["ok_per_sec"]), n["waiting"], n["err5"])
        if n else "-"))
