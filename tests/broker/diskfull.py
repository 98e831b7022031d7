# SPDX-License-Identifier: MIT
"""diskfull.py — produce into a broker whose data directory is a small
file system until it is full, on a raw socket (acks=1, one partition):

  fill   produce batches until KAFKA_STORAGE_ERROR (56) came back several
         times in a row (no other error is allowed); every acknowledged
         batch is remembered; then fetch from offset 0 and check that
         exactly the acknowledged batches come back, byte for byte, while
         the disk is still full (consumers are served);
  again  (after the test made room) produce more, which must now be
         acknowledged, and fetch everything again.

  diskfull.py ADDR STATE fill|again
"""
import json
import struct
import sys
import time

from _kraw import (batch, connect, fetch_v4, metadata_v1, produce_v3,
                   read_frame, request)
from _kt import fail, log

ADDR, STATE, STEP = sys.argv[1], sys.argv[2], sys.argv[3]
TOPIC = "full"
NOW = int(time.time() * 1000)
corr = [0]


def call(s, api, ver, body):
    corr[0] += 1
    s.sendall(request(api, ver, corr[0], body))
    r = read_frame(s, timeout=30)
    if not isinstance(r, tuple) or r[0] != corr[0]:
        fail("no answer to request %d: %r" % (corr[0], r))
    return r[1]


def make(i):
    vals = [(b"%06d-%02d-" % (i, k)) * 250 for k in range(4)]  # ~11 KiB
    return batch(vals, ts=NOW)


def produce(s, b):
    r = call(s, 0, 3, produce_v3(TOPIC, 0, b))
    off = 4 + 2 + len(TOPIC) + 4 + 4
    return struct.unpack(">hq", r[off:off + 10])


def fetch_all(s, acked):
    """Fetch from 0 to the end; compare with acked {base: batch bytes}."""
    got, off = {}, 0
    while True:
        r = call(s, 1, 4, fetch_v4(TOPIC, 0, off, max_bytes=1 << 20,
                                   wait_ms=0))
        pos = 4 + 4 + 2 + len(TOPIC) + 4
        part, err, hw, lso = struct.unpack(">ihqq", r[pos:pos + 22])
        pos += 22
        (na,) = struct.unpack(">i", r[pos:pos + 4])
        pos += 4 + max(na, 0) * 16
        (rl,) = struct.unpack(">i", r[pos:pos + 4])
        recs = r[pos + 4:pos + 4 + rl]
        if err != 0:
            fail("fetch at %d: error %d" % (off, err))
        p = 0
        while p + 12 <= len(recs):
            base, blen = struct.unpack(">qi", recs[p:p + 12])
            if p + 12 + blen > len(recs):
                break
            got[base] = recs[p:p + 12 + blen]
            off = base + struct.unpack(">i", recs[p + 23:p + 27])[0] + 1
            p += 12 + blen
        if off >= hw:
            break
        if p == 0:
            fail("fetch at %d returned no whole batch (hw %d)" % (off, hw))
    for base, want in acked.items():
        w = bytearray(bytes.fromhex(want))
        w[0:8] = struct.pack(">q", base)
        w[12:16] = b"\0\0\0\0"  # partition leader epoch: stamped 0
        if got.get(base) != bytes(w):
            fail("acknowledged batch at %d %s" %
                 (base, "missing" if base not in got else "differs"))
    return len(got)


def main():
    s = connect(ADDR)
    acked = {}
    if STEP == "again":
        with open(STATE) as f:
            acked = {int(k): v for k, v in json.load(f).items()}
        for i in range(20):
            b = make(100000 + i)
            err, base = produce(s, b)
            if err != 0:
                fail("produce after space came back: error %d" % err)
            acked[base] = b.hex()
        n = fetch_all(s, acked)
        log("with space: 20 more acknowledged, %d batches fetched, all %d "
            "acknowledged intact" % (n, len(acked)))
        with open(STATE, "w") as f:
            json.dump(acked, f)
        return
    for _ in range(50):
        call(s, 3, 1, metadata_v1([TOPIC]))
        err, base = produce(s, make(0))
        if err == 0:
            acked[base] = make(0).hex()
            break
        time.sleep(0.1)
    else:
        fail("topic never became writable")
    errors = 0
    for i in range(1, 100000):
        b = make(i)
        err, base = produce(s, b)
        if err == 0:
            acked[base] = b.hex()
            errors = 0
            continue
        if err != 56:
            fail("produce %d: error %d, expected 56 on a full disk" % (i, err))
        errors += 1
        if errors == 5:
            break
    else:
        fail("the disk never filled")
    log("disk full after %d acknowledged batches (KAFKA_STORAGE_ERROR)" %
        len(acked))
    n = fetch_all(s, acked)
    log("while full: %d batches fetched, all acknowledged intact" % n)
    with open(STATE, "w") as f:
        json.dump(acked, f)


main()
