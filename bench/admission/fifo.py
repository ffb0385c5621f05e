#!/usr/bin/python3
"""Check from the access log that the waiting room was served first come,
first served.

Input: lines "ORDER OUTCOME TICKET" written by the bench's CustomLog
    "%{JSZG_ORDER}e %{JSZG_ADM}e %{JSZG_TICKET}e"  env=JSZG_ORDER
ORDER is the position of the request's decision among all the local
queue's decisions (made one at a time under the admission mutex), OUTCOME
"queued" (told to wait, with its ticket) or "new" (let in, with the ticket
it waited with, or "-": straight in because nobody was waiting).

A ticket S is waiting from its first answer to its last "queued" answer.
The order is broken when, inside that span, a higher ticket is let in, or
someone goes straight in.  (A ticket that was called but whose holder
came back late does not count as waiting: it gets no "queued" answer
then.)  Prints the counts and exits 1 on any violation.
"""
import heapq
import sys


def read(path):
    events = []
    for line in open(path, encoding="utf-8", errors="replace"):
        parts = line.split()
        if len(parts) < 3 or not parts[0].isdigit():
            continue
        ticket = int(parts[2]) if parts[2].isdigit() and parts[2] != "0" \
            else None
        events.append((int(parts[0]), parts[1], ticket))
    events.sort()
    return events


def check(events):
    first, last_wait = {}, {}
    for order, outcome, t in events:
        if t is None:
            continue
        first.setdefault(t, order)
        if outcome == "queued":
            last_wait[t] = order
    starts = sorted((first[t], t) for t in last_wait)
    waiting = []            # heap of (ticket, end of its waiting span)
    i = 0
    admitted = violations = 0
    examples = []
    for order, outcome, t in events:
        while i < len(starts) and starts[i][0] < order:
            s = starts[i][1]
            heapq.heappush(waiting, (s, last_wait[s]))
            i += 1
        # tickets no longer waiting leave lazily: once the lowest one left
        # is still waiting, it is the lowest ticket waiting now
        while waiting and waiting[0][1] <= order:
            heapq.heappop(waiting)
        if outcome != "new":
            continue
        admitted += 1
        low = waiting[0][0] if waiting else None
        if low is not None and (t is None or low < t):
            violations += 1
            if len(examples) < 5:
                examples.append("decision %d let in %s while ticket %d "
                                "waited" % (order, t or "a newcomer", low))
    return admitted, violations, examples


def main():
    events = read(sys.argv[1])
    admitted, violations, examples = check(events)
    print("FIFO decisions=%d admitted=%d violations=%d"
          % (len(events), admitted, violations))
    for e in examples:
        print("  " + e)
    sys.exit(1 if violations else 0)


if __name__ == "__main__":
    main()
