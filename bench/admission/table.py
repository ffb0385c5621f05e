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
p99_1x = {m: float(a["p99_ms"]) for m, f, a, p, n, r in rows if f == 1}
print("| mode | load | goodput/s | of capacity | admitted p50 / p99 ms "
      "| p99 vs 1× | POST p99 ms | admitted 5xx | admitted socket errors "
      "/ timeouts | submissions: acknowledged, refused, lost | new "
      "arrivals: 200/s, waiting room, "
      "turned away, 5xx | FIFO violations |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for mode, f, a, p, n, r in rows:
    good = goodput(a, p, n, SECS)
    # lost: acknowledged (201) but not in the database; wrk does not
    # count the POSTs cut off at the end, whose rows may exist: rows
    # beyond the answers are not a loss.  Refused: answered 5xx.
    lost = max(0, int(p["created"]) - int(r["rows"]))
    base = p99_1x.get(mode)
    ratio = "%.1f×" % (float(a["p99_ms"]) / base) if base else "-"
    if n:
        turned = int(n.get("turned", 0)) + int(n.get("other", 0))
        new = "%.0f, %s, %d, %s" % (float(n["ok_per_sec"]), n["waiting"],
                                    turned, n["err5"])
    else:
        new = "-"
    print("| %s | %dx | %.0f | %s | %s / %s | %s | %s | %d | %s / %s "
          "| %s, %s, %d | %s | %s |" % (
              mode, f, good, "%.0f%%" % (100 * good / cap) if cap else "-",
              a["p50_ms"], a["p99_ms"], ratio, p["p99_ms"],
              int(a["err5"]) + int(p["err5"]),
              int(a["errors"]) + int(p["errors"]), a.get("timeouts", "0"),
              p["created"], p["err5"], lost, new, r.get("fifo", "-")))
