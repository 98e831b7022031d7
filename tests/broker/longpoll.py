# SPDX-License-Identifier: MIT
"""longpoll.py ADDR — long-poll Fetch on raw sockets (Fetch v4):

  - a fetch waiting with MaxWait 10 s is answered well before (< 1 s) once
    a produce appends to its partition, and carries those records;
  - with nothing arriving, a fetch is answered at MaxWait (500 ms), within
    generous bounds (0.4 s .. 3 s), empty;
  - MinBytes: 1 KB appended does not answer a fetch asking for 6,000
    bytes; 6 KB more does, long before its MaxWait;
  - 30 waiters on three partitions: an append to one partition answers
    its 10 waiters only; the others wait until their own partition grows.
"""
import struct
import sys
import time

from _kraw import batch, connect, fetch_v4, produce_v3, read_frame, request
from _kt import fail, log

ADDR = sys.argv[1]
TOPIC = "lp"


def fetch_req(corr, part, offset, wait_ms, min_bytes):
    body = fetch_v4(TOPIC, part, offset, wait_ms=wait_ms)
    # fetch_v4 asks MinBytes 1: patch it (after replica id and MaxWait).
    body = body[:8] + struct.pack(">i", min_bytes) + body[12:]
    return request(1, 4, corr, body)


def produce(part, values):
    s = connect(ADDR)
    # Current timestamps: old ones would roll a segment per batch and let
    # retention delete them under the waiting fetches.
    rec = batch(values, ts=int(time.time() * 1000))
    s.sendall(request(0, 3, 99, produce_v3(TOPIC, part, rec)))
    r = read_frame(s)
    s.close()
    if not isinstance(r, tuple) or r[0] != 99:
        fail("produce to %d: %r" % (part, r))
    err = struct.unpack(">h", r[1][4 + 2 + len(TOPIC) + 4 + 4:][:2])[0]
    if err:
        fail("produce to %d: error %d" % (part, err))


def record_bytes(r):
    """Record bytes of a one-partition Fetch v4 answer."""
    body = r[1]
    off = 4 + 4 + 2 + len(TOPIC) + 4 + 4
    (err,) = struct.unpack_from(">h", body, off)
    off += 2 + 8 + 8
    (na,) = struct.unpack_from(">i", body, off)
    off += 4 + na * 16
    (n,) = struct.unpack_from(">i", body, off)
    if err:
        fail("fetch error %d" % err)
    return n


def waiter(corr, part, offset, wait_ms=10000, min_bytes=1):
    s = connect(ADDR)
    s.sendall(fetch_req(corr, part, offset, wait_ms, min_bytes))
    return s


# Create the topic (3 partitions by num.partitions) with a first record.
for p in range(3):
    produce(p, [b"seed"])
ends = [1, 1, 1]

# Answered on append, well before MaxWait.
s = waiter(1, 0, ends[0])
if read_frame(s, timeout=0.3) != "silent":
    fail("answered before any data arrived")
t0 = time.time()
produce(0, [b"x" * 100] * 3)
ends[0] += 3
r = read_frame(s, timeout=5)
took = time.time() - t0
if not isinstance(r, tuple) or r[0] != 1 or record_bytes(r) < 300:
    fail("not woken by the append: %r" % (r,))
log("woken %.1f ms after the append" % (took * 1000))
if took > 1.0:
    fail("woken only after %.2f s" % took)
s.close()

# At MaxWait with nothing arriving.
s = waiter(2, 1, ends[1], wait_ms=500)
t0 = time.time()
r = read_frame(s, timeout=5)
took = time.time() - t0
if not isinstance(r, tuple) or record_bytes(r) != 0:
    fail("MaxWait answer: %r" % (r,))
log("answered at MaxWait 500 ms after %.0f ms" % (took * 1000))
if not 0.4 <= took <= 3.0:
    fail("MaxWait 500 ms answered after %.2f s" % took)
s.close()

# MinBytes.
s = waiter(3, 2, ends[2], min_bytes=6000)
produce(2, [b"m" * 1000])
ends[2] += 1
if read_frame(s, timeout=0.7) != "silent":
    fail("answered with 1 KB of the 6,000 bytes asked")
produce(2, [b"m" * 1000] * 6)
ends[2] += 6
r = read_frame(s, timeout=5)  # MaxWait is 10 s: this is the wake
if not isinstance(r, tuple) or record_bytes(r) < 6000:
    fail("MinBytes 6000 not answered after 7 KB: %r" % (r,))
s.close()

# Many waiters, each woken by its own partition only.
ws = {p: [waiter(100 + 10 * p + i, p, ends[p]) for i in range(10)]
      for p in range(3)}
time.sleep(0.3)
for turn, p in enumerate((1, 0, 2)):
    produce(p, [b"w" * 50])
    ends[p] += 1
    for i, s in enumerate(ws[p]):
        r = read_frame(s, timeout=5)
        if not isinstance(r, tuple) or r[0] != 100 + 10 * p + i:
            fail("waiter %d of partition %d not woken: %r" % (i, p, r))
        if record_bytes(r) < 50:
            fail("waiter %d of partition %d woken without data" % (i, p))
    for q in (1, 0, 2)[turn + 1:]:
        for s in ws[q]:
            if read_frame(s, timeout=0.05) != "silent":
                fail("an append to %d woke a waiter of %d" % (p, q))
log("30 waiters on 3 partitions, each woken by its own")
log("ok")
