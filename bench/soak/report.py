#!/usr/bin/python3
"""RSS report of bench/soak/run.sh: rss.tsv (seconds, pid, rss KiB) ->
per child: samples, RSS at the end of warm-up and at the end, the
least-squares slope after warm-up in KiB per minute (and per hour), the
band RSS moved in after warm-up, and the mean of its first and last
WINDOW seconds (a trend shows there even when the slope is noise)."""
import sys
from collections import defaultdict

WINDOW = 300


def main():
    path, warm = sys.argv[1], float(sys.argv[2])
    by = defaultdict(list)
    for line in open(path):
        t, pid, rss = line.split()
        by[pid].append((float(t), int(rss)))
    print("child    samples  RSS after warm-up  RSS at end  slope KiB/min  (KiB/h)"
          "  band MiB   first/last %d s mean MiB" % WINDOW)
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
        rs = [r for _, r in post]
        first = [r for t, r in post if t < post[0][0] + WINDOW]
        last = [r for t, r in post if t > post[-1][0] - WINDOW]
        print("%-8s %7d  %12d KiB  %7d KiB  %13.2f  (%.0f)  %3d-%3d   %.1f -> %.1f" % (
            pid, len(pts), post[0][1], post[-1][1], slope, slope * 60,
            min(rs) // 1024, max(rs) // 1024,
            sum(first) / len(first) / 1024, sum(last) / len(last) / 1024))
    print("largest |slope| after warm-up: %.2f KiB/min" % worst)


if __name__ == "__main__":
    main()
