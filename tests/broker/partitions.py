# SPDX-License-Identifier: MIT
"""partitions.py — many partitions and segments under a descriptor limit.

  create ADDR   CreateTopics: 5000 partitions in one request (the cap is
                max.partitions.per.request=5000) is created, while a second
                connection's ApiVersions keeps being answered (the longest
                wait is printed); 5001 in one request, or 3000 + 3000, are
                refused past the cap with INVALID_PARTITIONS (37); past
                max.partitions for the broker as well; a topic whose
                creation fails (a file sits where a partition directory
                must go) reports an error and leaves no directory behind;
                then one batch to each of 1500 partitions, and 2500 batches
                to one partition with tiny segments (thousands of segment
                files)
  check ADDR    every batch written by `create` is fetched back intact
  stall ADDR    (bench/kafka-create.sh) only the timed 5000-partition create

  partitions.py create|check|stall ADDR DATA_DIR
"""
import os
import struct
import sys
import threading
import time

from _kraw import (batch, batches, call, connect, fetch_one, metadata_v1,
                   produce_one, read_frame, request, string)
from _kt import fail, log

STEP, ADDR, DATA = sys.argv[1], sys.argv[2], sys.argv[3]
NOW = int(time.time() * 1000)
SPREAD, DEEP = 1500, 2500


def create(s, topics):
    """CreateTopics v1 of [(name, partitions)]: [(name, error, message)]."""
    body = struct.pack(">i", len(topics))
    for name, parts in topics:
        body += string(name) + struct.pack(">ihii", parts, 1, 0, 0)
    body += struct.pack(">ib", 60000, 0)
    r = call(s, 19, 1, body, timeout=120)
    (n,) = struct.unpack(">i", r[:4])
    pos, out = 4, []
    for _ in range(n):
        (nl,) = struct.unpack(">h", r[pos:pos + 2])
        name = r[pos + 2:pos + 2 + nl].decode()
        pos += 2 + nl
        (err, ml) = struct.unpack(">hh", r[pos:pos + 4])
        pos += 4
        msg = r[pos:pos + ml].decode() if ml > 0 else None
        pos += max(ml, 0)
        out.append((name, err, msg))
    return out


def expect(res, want):
    for (name, err, msg), w in zip(res, want):
        if err != w:
            fail("create %s: error %d (%s), expected %d" % (name, err, msg, w))
        log("create %s: error %d%s" % (name, err, " (%s)" % msg if msg else ""))


def pinger(stop, worst):
    s = connect(ADDR)
    corr = 0
    while not stop.is_set():
        corr += 1
        t = time.monotonic()
        s.sendall(request(18, 0, corr))  # ApiVersions v0
        r = read_frame(s, timeout=60)
        if not isinstance(r, tuple) or r[0] != corr:
            worst[0] = float("inf")
            break
        worst[0] = max(worst[0], time.monotonic() - t)
        time.sleep(0.002)
    s.close()


def value(p, i):
    """Partition p's i-th value; in deep-0 (p 0) one fills a 1 KiB
    segment, so each batch rolls a segment of its own."""
    return b"p%05d-i%05d-" % (p, i) + b"z" * (600 if p == 0 else 40)


def timed_create(s):
    stop, worst = threading.Event(), [0.0]
    th = threading.Thread(target=pinger, args=(stop, worst), daemon=True)
    th.start()
    time.sleep(0.2)
    t = time.monotonic()
    try:
        res = create(s, [("big", 5000)])
    finally:
        took = time.monotonic() - t
        stop.set()
        th.join()
    expect(res, [0])
    log("5000 partitions created in %.2f s; longest ApiVersions wait on "
        "another connection meanwhile %.0f ms" % (took, worst[0] * 1000))


def do_create(s):
    timed_create(s)
    expect(create(s, [("toomany", 5001)]), [37])
    expect(create(s, [("half1", 3000), ("half2", 3000)]), [0, 37])
    # The broker now holds 8000 of its max.partitions=10000.
    expect(create(s, [("over", 2001)]), [37])
    open(os.path.join(DATA, "broken-3"), "w").close()
    expect(create(s, [("broken", 6)]), [56])
    left = [d for d in os.listdir(DATA)
            if d.startswith(("toomany-", "half2-", "over-", "broken-"))]
    if left != ["broken-3"]:
        fail("failed creations left %s behind" % sorted(left)[:5])
    log("refused and failed creations left no directory behind")
    for p in range(1, SPREAD + 1):
        err, base = produce_one(s, "big", batch([value(p, 0)], ts=NOW),
                                partition=p)
        if err != 0 or base != 0:
            fail("produce to big-%d: error %d base %d" % (p, err, base))
    for i in range(1, DEEP):  # offset 0 went in while waiting
        err, base = produce_one(s, "deep", batch([value(0, i)], ts=NOW))
        if err != 0 or base != i:
            fail("produce %d to deep: error %d base %d" % (i, err, base))
    nseg = len([f for f in os.listdir(os.path.join(DATA, "deep-0"))
                if f.endswith(".log")])
    log("one batch in each of %d partitions; %d segments in deep-0" %
        (SPREAD, nseg))
    if nseg < 1000:
        fail("expected thousands of segments, got %d" % nseg)


def do_check(s):
    for p in range(1, SPREAD + 1, 7):
        err, hw, recs = fetch_one(s, "big", 0, partition=p)
        bs = batches(recs)
        if err or hw != 1 or not bs or value(p, 0) not in bs[0][2]:
            fail("big-%d: error %d hw %d" % (p, err, hw))
    for i in range(0, DEEP, 3):
        err, hw, recs = fetch_one(s, "deep", i, max_bytes=1)
        bs = batches(recs)
        if err or hw != DEEP or not bs or bs[0][0] != i or \
                value(0, i) not in bs[0][2]:
            fail("deep at %d: error %d hw %d" % (i, err, hw))
    err, base = produce_one(s, "big", batch([b"more"], ts=NOW),
                            partition=SPREAD + 1)
    if err != 0 or base != 0:
        fail("produce after the restart: error %d" % err)
    log("after the restart: partitions and segments served, produce works")


s = connect(ADDR)
if STEP == "stall":
    timed_create(s)
    sys.exit(0)
for _ in range(50):  # auto-create "deep" and wait until it takes data
    call(s, 3, 1, metadata_v1(["deep"]))
    if STEP == "check" or produce_one(s, "deep", batch([value(0, 0)],
                                                       ts=NOW))[0] == 0:
        break
    time.sleep(0.1)
if STEP == "create":
    do_create(s)
else:
    do_check(s)
