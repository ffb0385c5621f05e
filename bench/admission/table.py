#!/usr/bin/python3
"""Turn bench/admission/run.sh results into a markdown table."""
import re
import sys

rows = []
for line in open(sys.argv[1], encoding="utf-8"):
    mode, factor = line.split()[:2]
    parts = line.split("|")
    kv = lambda s: dict(re.findall(r"(\w+)=([\w.]+)", s))
    rows.append((mode, int(factor), kv(parts[1]), kv(parts[2])))
cap = next((float(a["ok_per_sec"]) for m, f, a, n in rows
            if m == "off" and f == 1), None)
print("| mode | load | goodput 200/s | of capacity | admitted 200/s "
      "| admitted p50 ms | admitted p99 ms | admitted 5xx+errors "
      "| new 200/s | new waiting-room | new 5xx |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for mode, f, a, n in rows:
    ok = float(a["ok_per_sec"])
    good = ok + (float(n["ok_per_sec"]) if n else 0)
    print("| %s | %dx | %.0f | %s | %.0f | %s | %s | %d | %s | %s | %s |" % (
        mode, f, good, "%.0f%%" % (100 * good / cap) if cap else "-", ok,
        a["p50_ms"], a["p99_ms"], int(a["err5"]) + int(a["errors"]),
        "%.0f" % float(n["ok_per_sec"]) if n else "-",
        n.get("waiting", "-"), n.get("err5", "-")))
