#!/usr/bin/python3
"""RSS report of bench/soak/run.sh: rss.tsv (seconds, pid, rss KiB) ->
per child: samples, RSS at the end of warm-up and at the end, and the
least-squares slope after warm-up in KiB per minute (and per hour)."""
import sys
from collections import defaultdict


def main():
    path, warm = sys.argv[1], float(sys.argv[2])
    by = defaultdict(list)
    for line in open(path):
        t, pid, rss = line.split()
        by[pid].append((float(t), int(rss)))
    print("child    samples  RSS after warm-up  RSS at end  slope KiB/min  (KiB/h)")
    worst = 0.0
    for pid, pts in sorted(by.items()):
        post = [(t, r) for t, r in pts if t >= warm]
        if len(post) < 3:
            print("%-8s %7d  (lived < warm-up: %d s)" % (pid, len(pts),
                  pts[-1][0] - pts[0][0]))
            continue
        n = len(post)
        mt = sum(t for t, _ in post) / n
        mr = sum(r for _, r in post) / n
        var = sum((t - mt) ** 2 for t, _ in post)
        slope = sum((t - mt) * (r - mr) for t, r in post) / var * 60 if var else 0
        worst = max(worst, abs(slope))
        print("%-8s %7d  %12d KiB  %7d KiB  %13.2f  (%.0f)" % (
            pid, len(pts), post[0][1], post[-1][1], slope, slope * 60))
    print("largest |slope| after warm-up: %.2f KiB/min" % worst)


if __name__ == "__main__":
    main()
