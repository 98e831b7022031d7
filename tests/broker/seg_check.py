# SPDX-License-Identifier: MIT
"""seg_check.py PARTITION_DIR MIN_SEGMENTS [clean] — the files of one
partition, checked the way Kafka lays them out: 20-digit base-offset names
with .log, .index and .timeindex each; batches in a .log are whole, dense
in offsets and start at the segment's base offset, continuing from the
segment before; every .index entry (relative offset i32, position i32)
points at the start of a batch holding that offset; .timeindex entries
(timestamp i64, relative offset i32) grow. After a clean stop ("clean")
the indexes are trimmed to their entries. Prints the segment count.
"""
import os
import re
import struct
import sys

from _kt import fail, log

NAME = re.compile(r"^(\d{20})\.(log|index|timeindex)$")


def batches(path):
    """(position, base offset, last offset, max timestamp) per batch."""
    out = []
    data = open(path, "rb").read()
    pos = 0
    while pos < len(data):
        if len(data) - pos < 61:
            fail("%s: %d stray bytes at the end" % (path, len(data) - pos))
        base, length = struct.unpack(">qi", data[pos:pos + 12])
        if data[pos + 16] != 2 or length < 49 or pos + 12 + length > len(
                data):
            fail("%s: bad batch at position %d" % (path, pos))
        delta, = struct.unpack(">i", data[pos + 23:pos + 27])
        maxts, = struct.unpack(">q", data[pos + 35:pos + 43])
        out.append((pos, base, base + delta, maxts))
        pos += 12 + length
    return out


def main():
    d, want = sys.argv[1], int(sys.argv[2])
    clean = len(sys.argv) > 3 and sys.argv[3] == "clean"
    files = {}
    for f in os.listdir(d):
        m = NAME.match(f)
        if m:
            files.setdefault(int(m.group(1)), set()).add(m.group(2))
    bases = sorted(files)
    if len(bases) < want:
        fail("%s: %d segments, expected at least %d" % (d, len(bases), want))
    nxt = None
    for b in bases:
        if files[b] != {"log", "index", "timeindex"}:
            fail("segment %020d has only %s" % (b, sorted(files[b])))
        stem = os.path.join(d, "%020d" % b)
        bl = batches(stem + ".log")
        if nxt is not None and bl and bl[0][1] != nxt:
            fail("segment %020d starts at offset %d, previous ended at %d"
                 % (b, bl[0][1], nxt))
        if bl and bl[0][1] != b:
            fail("segment %020d: first batch has base offset %d" %
                 (b, bl[0][1]))
        for i in range(1, len(bl)):
            if bl[i][1] != bl[i - 1][2] + 1:
                fail("segment %020d: offsets jump from %d to %d" %
                     (b, bl[i - 1][2], bl[i][1]))
        if bl:
            nxt = bl[-1][2] + 1
        at = {p: (lo, hi) for p, lo, hi, _ in bl}
        idx = open(stem + ".index", "rb").read()
        if len(idx) % 8:
            fail("%s.index: size %d not a multiple of 8" % (stem, len(idx)))
        if clean and len(idx) > 8 * max(len(bl), 1):
            fail("%s.index: %d bytes for %d batches: not trimmed" %
                 (stem, len(idx), len(bl)))
        last = -1
        n = 0
        for i in range(0, len(idx), 8):
            rel, pos = struct.unpack(">ii", idx[i:i + 8])
            if rel == 0 and pos == 0 and i > 0:
                break  # preallocated space of the active segment
            if pos not in at or not at[pos][0] <= b + rel <= at[pos][1]:
                fail("%s.index entry %d: offset %d -> position %d, not the "
                     "batch holding it" % (stem, i // 8, b + rel, pos))
            if rel <= last:
                fail("%s.index entry %d does not grow" % (stem, i // 8))
            last = rel
            n += 1
        tix = open(stem + ".timeindex", "rb").read()
        if len(tix) % 12:
            fail("%s.timeindex: size %d not a multiple of 12" %
                 (stem, len(tix)))
        lt = None
        for i in range(0, len(tix), 12):
            ts, rel = struct.unpack(">qi", tix[i:i + 12])
            if ts == 0 and rel == 0 and i > 0:
                break
            if lt is not None and ts < lt:
                fail("%s.timeindex entry %d goes back in time" %
                     (stem, i // 12))
            lt = ts
    log("%d segments, bases %s..%s, all consistent" %
        (len(bases), bases[0], bases[-1]))
    print(len(bases))


if __name__ == "__main__":
    main()
