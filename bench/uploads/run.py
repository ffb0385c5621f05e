#!/usr/bin/python3
"""Peak RSS of one httpd child under 8 concurrent worst-case uploads of
each kind (issue 13, point 4).

One event-MPM child (25 threads) on SQLite, built from conf/httpd.conf.in
through the test harness (tests/http/jszg_env.py) in build/bench-uploads.
For each kind the server is restarted, warmed up with ordinary uploads of
that kind, and then 8 threads send `rounds` worst-case uploads each, all
at once.  The child's VmHWM (peak resident set, /proc/PID/status) is read
after the warm-up and after the attack; the difference is the figure.

The worst cases, per kind:
  bomb     a 4 KB progressive JPEG whose header declares 6000 x 6000 (the
           attack of the issue: ~216 MB per decode before the budgets)
  buffer   a real progressive JPEG just under the coefficient budget
           (960 x 700, 4:2:0: 1.93 MB of coefficients), where the kind
           takes progressive files
  pixels   a baseline JPEG whose header declares 4000 x 3000 (12 MP, the
           pixel budget: decoded to the end), and for the ID photo a real
           4000 x 3000 PNG
"""
import os
import struct
import subprocess
import sys
import threading
import time
import zlib

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "http"))

from jszg_env import JszgEnv  # noqa: E402
import test_wizard as wz  # noqa: E402
from test_account_lib import insert_account  # noqa: E402

THREADS = 8
ONE_CHILD = ("StartServers 1\nServerLimit 1\nThreadsPerChild 25\n"
             "MaxRequestWorkers 25\nMinSpareThreads 5\nMaxSpareThreads 50\n"
             "JszgMaxFileSize 4194304\nJszgMaxBody 9437184")


def lie(jpeg, w, h):
    b = bytearray(jpeg)
    for i in range(2, len(b) - 8):
        if b[i] == 0xFF and b[i + 1] in (0xC0, 0xC2):
            b[i + 5:i + 9] = struct.pack(">HH", h, w)
            return bytes(b)
    raise ValueError("no SOF")


def png(w, h):
    def chunk(t, d):
        return (struct.pack(">I", len(d)) + t + d
                + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff))
    z = zlib.compressobj(9)
    row = b"\0" + b"\xee\xdd\xcc" * w
    data = b"".join(z.compress(row) for _ in range(h)) + z.flush()
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", data) + chunk(b"IEND", b""))


def gen(w, h, mode):
    path = os.path.join(wz.PHOTO_DIR, "bench-%dx%d-%s.jpg" % (w, h, mode))
    if not os.path.exists(path):
        subprocess.run([wz._gen(), str(w), str(h), mode, path], check=True)
    return open(path, "rb").read()


def child_pid(env):
    parent = open(os.path.join(env.root, "run", "httpd.pid")).read().strip()
    out = subprocess.run(["ps", "--ppid", parent, "-o", "pid="],
                         capture_output=True, text=True).stdout.split()
    assert len(out) == 1, "expected one child, got %s" % out
    return int(out[0])


def status_kb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def hammer(send, rounds):
    errors = []
    codes = {}
    lock = threading.Lock()

    def worker():
        for _ in range(rounds):
            try:
                code = send()
            except Exception as e:      # noqa: BLE001 (reported)
                errors.append(repr(e))
                continue
            with lock:
                codes[code] = codes.get(code, 0) + 1
    ts = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return codes, errors


def verdict(r, field):
    """status and whether the image itself passed ("400 image ok" when
    only another field was refused)."""
    if r.status_code < 400:
        return "%d" % r.status_code
    fields = r.json().get("error", {}).get("fields", {})
    return "%d image %s" % (r.status_code,
                            "refused" if field in fields else "ok")


def kind_photo(env):
    wz.reset(env, 1)
    s = env.login_as(1)
    wz.api_walk_to(env, s, 2)

    def send(data):
        def f():
            return verdict(wz.api(
                env, s, "POST", "/api/v1/dqzc/wizard/2",
                data=dict(wz.PERSON, cert_no="20101110121003456"),
                files={"photo": ("p.jpg", data, "image/jpeg")}), "photo")
        return f
    return send, [("ordinary", wz.photo("good"))], [
        ("bomb", lie(wz.photo("prog"), 6000, 6000)),
        ("largest accepted (300x418 baseline)", gen(300, 418, "base"))]


def kind_cert(env):
    wz.reset(env, 4)
    s = env.login_as(4)
    wz.api_walk_to(env, s, 2, institution="26", point="2601",
                   province="510000", city="510100")
    # the holder's name is wrong on purpose: the scan is checked (decoded)
    # and nothing is stored, so that every round decodes again
    data = dict(wz.CERT7, holder="")

    def send(blob):
        def f():
            return verdict(wz.api(
                env, s, "POST", "/api/v1/dqzc/wizard/2/cert", data=data,
                files={"photo": ("c.jpg", blob, "image/jpeg")}), "photo")
        return f
    return send, [("ordinary", wz.photo("scan"))], [
        ("bomb", lie(wz.photo("prog"), 6000, 6000)),
        ("buffer", gen(960, 700, "prog")),
        ("pixels", lie(wz.photo("scan"), 4000, 3000))]


def kind_id(env):
    aid, _, _ = insert_account(env)
    s = env.login_as(aid)

    def send(blob):
        def f():
            # no name: both photos are decoded, then the request refused
            # (an accepted review would end the account's reviews)
            return verdict(wz.api(
                env, s, "POST", "/api/v1/account/review", data={"name": ""},
                files={"front": ("f.jpg", blob, "image/jpeg"),
                       "back": ("b.jpg", blob, "image/jpeg")}), "front")
        return f
    return send, [("ordinary", wz.photo("scan"))], [
        ("bomb", lie(wz.photo("prog"), 6000, 6000)),
        ("buffer", gen(960, 700, "prog")),
        ("pixels", lie(wz.photo("scan"), 4000, 3000)),
        ("pixels PNG (real 4000x3000)", png(4000, 3000))]


KINDS = [("applicant photo (wizard step 2)", kind_photo),
         ("certificate scan (wizard, certificate added by hand)", kind_cert),
         ("ID photo (实名 manual review, front + back)", kind_id)]


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    only = sys.argv[2] if len(sys.argv) > 2 else ""
    env = JszgEnv("sqlite")
    env.root = os.path.join(TOP, "build", "bench-uploads")
    env.create_db()
    rows = []
    try:
        for title, setup in KINDS:
            if only not in title:
                continue
            env.restart(ONE_CHILD)
            send, warm, worst = setup(env)
            for _, blob in warm:
                hammer(send(blob), 2)
            pid = child_pid(env)
            for label, blob in worst:
                before = status_kb(pid, "VmHWM")
                t = time.time()
                codes, errors = hammer(send(blob), rounds)
                secs = time.time() - t
                after = status_kb(pid, "VmHWM")
                rss = status_kb(pid, "VmRSS")
                assert child_pid(env) == pid, "the child was replaced"
                rows.append((title, label, len(blob), before, after,
                             secs, codes, errors[:1]))
                print("%-52s %-36s %7d B  peak %6.1f -> %6.1f MB "
                      "(+%.1f), RSS now %.1f  %.1fs  %s %s"
                      % (title, label, len(blob), before / 1024,
                         after / 1024, (after - before) / 1024, rss / 1024,
                         secs, codes, errors[:1]), flush=True)
    finally:
        env.stop()
    print()
    print("| kind | worst case | file | child peak RSS before → after "
          "(MB) | growth | %d × %d uploads took |" % (THREADS, rounds))
    print("|---|---|---|---|---|---|")
    for title, label, size, before, after, secs, codes, _ in rows:
        print("| %s | %s | %d KB | %.1f → %.1f | +%.1f MB | %.1f s (%s) |"
              % (title, label, (size + 1023) // 1024, before / 1024,
                 after / 1024, (after - before) / 1024, secs,
                 ", ".join("%s×%d" % (k, v) for k, v in
                           sorted(codes.items()))))


if __name__ == "__main__":
    main()
