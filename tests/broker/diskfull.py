# SPDX-License-Identifier: MIT
"""diskfull.py — produce into a broker whose data directory is a small
file system until it is full, on a raw socket (acks=1, one partition,
an index entry for every batch):

  fill   produce 342 small batches, so that the next time-index entry is
         the first to need a new page of its file (entry 341 of 12 bytes
         crosses 4096), fill the file system with a ballast file, then
         produce until KAFKA_STORAGE_ERROR (56) came back several times in
         a row (no other error is allowed; a broker writing its indexes
         through a shared mapping died of SIGBUS here); every acknowledged
         batch is remembered; then fetch from offset 0 and check that
         exactly the acknowledged batches come back, byte for byte, while
         the disk is still full (consumers are served);
  again  (after the test made room) produce more, which must now be
         acknowledged, and fetch everything again.

  diskfull.py ADDR STATE fill BALLAST | again
"""
import json
import struct
import sys
import time

from _kraw import (batch, batches, call, connect, fetch_one, metadata_v1,
                   produce_one)
from _kt import fail, log

ADDR, STATE, STEP = sys.argv[1], sys.argv[2], sys.argv[3]
TOPIC = "full"
NOW = int(time.time() * 1000)


def make(i):
    return batch([b"%06d-" % i + b"v" * 20], ts=NOW + i)  # 100 bytes


def produce(s, b):
    return produce_one(s, TOPIC, b)


def fetch_all(s, acked):
    """Fetch from 0 to the end; compare with acked {base: batch bytes}."""
    got, off = {}, 0
    while True:
        err, hw, recs = fetch_one(s, TOPIC, off)
        if err != 0:
            fail("fetch at %d: error %d" % (off, err))
        bs = batches(recs)
        for base, last, b in bs:
            got[base] = b
            off = last + 1
        if off >= hw:
            break
        if not bs:
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
    for i in range(1, 342):
        err, base = produce(s, make(i))
        if err != 0:
            fail("produce %d before the disk is full: error %d" % (i, err))
        acked[base] = make(i).hex()
    with open(sys.argv[4], "wb", buffering=0) as f:
        try:
            while True:
                f.write(bytes(4096))
        except OSError:
            pass
    log("file system filled with a ballast file")
    errors = 0
    for i in range(342, 100000):
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
