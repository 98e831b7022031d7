# SPDX-License-Identifier: MIT
"""index_damage.py — the offset index is only a hint.

  fill ADDR          produce 600 records in batches of 1-4 (raw socket)
  check ADDR DIR     lower one .index entry's offset field (one byte, the
                     index still increasing) so that it names an offset
                     below the start of its batch; then a fetch at every
                     offset must return first the batch that holds it
                     (before the fix, fetches at those offsets started at a
                     later batch and consumers silently skipped records)

  index_damage.py fill|check ADDR [DIR]
"""
import glob
import struct
import sys
import time

from _kraw import (batch, batches, call, connect, fetch_one, metadata_v1,
                   produce_one)
from _kt import fail, log

STEP, ADDR = sys.argv[1], sys.argv[2]
TOPIC = "hint"
N = 600


def fill(s):
    now = int(time.time() * 1000)
    off, i = 0, 0
    for _ in range(50):
        call(s, 3, 1, metadata_v1([TOPIC]))
        if produce_one(s, TOPIC, batch([b"v0"], ts=now))[0] == 0:
            off = 1
            break
        time.sleep(0.1)
    while off < N:
        n = 1 + i % 4
        vals = [b"value-%05d-" % (off + k) + b"x" * (i * 7 % 60)
                for k in range(n)]
        err, base = produce_one(s, TOPIC, batch(vals, ts=now))
        if err != 0 or base != off:
            fail("produce: error %d base %d (want %d)" % (err, base, off))
        off += n
        i += 1
    log("%d records in %d batches" % (off, i + 1))


def damage(path):
    with open(path, "r+b") as f:
        data = f.read()
        ents = []
        for p in range(0, len(data) - 7, 8):
            rel, pos = struct.unpack(">ii", data[p:p + 8])
            if ents and rel == 0 and pos == 0:
                break
            ents.append(rel)
        for k in range(len(ents) // 2, len(ents) - 1):
            if ents[k] - ents[k - 1] >= 5:  # below its batch's start
                new = ents[k - 1] + 1
                f.seek(k * 8)
                f.write(struct.pack(">i", new))
                log("entry %d: offset %d -> %d" % (k, ents[k], new))
                return ents[k - 1] + 1, ents[k]
    fail("no index entry to damage in %s (%d entries)" % (path, len(ents)))


def check(s, d):
    lo, hi = damage(sorted(glob.glob(d + "/" + TOPIC + "-0/*.index"))[-1])
    wrong = 0
    for off in range(N):
        err, hw, recs = fetch_one(s, TOPIC, off, max_bytes=1)
        bs = batches(recs)
        if err != 0 or not bs or not bs[0][0] <= off <= bs[0][1]:
            wrong += 1
            if wrong < 4:
                log("fetch at %d: error %d, first batch %s" %
                    (off, err, bs[0][:2] if bs else None))
    if wrong:
        fail("%d of %d offsets fetched from the wrong batch "
             "(damaged entry covers %d..%d)" % (wrong, N, lo, hi))
    log("all %d offsets fetched from the batch that holds them" % N)


s = connect(ADDR)
if STEP == "fill":
    fill(s)
else:
    check(s, sys.argv[3])
