# SPDX-License-Identifier: MIT
"""sync_failure.py — the client half of sync_failure.sh, with hand-made
Produce v3 frames (_kraw.py) so every error code is seen as sent.

  sync_failure.py run ADDR MNT TOPIC     before, during and after failing
                                     fsyncs (MNT/.powercut "eio" / "ok")
  sync_failure.py after ADDR TOPIC       after a restart (recovery)
"""
import struct
import sys
import time

import _kraw as k
from _kt import fail, log

STORAGE_ERROR = 56


def produce(s, corr, topic, part, value, acks):
    # Timestamps of now: an old one would roll a segment per batch.
    rec = k.batch([value], ts=int(time.time() * 1000))
    s.sendall(k.request(0, 3, corr, k.produce_v3(topic, part, rec, acks)))


def answer(s, corr):
    r = k.read_frame(s, timeout=20)
    if not isinstance(r, tuple):
        fail("produce %d: no answer (%s)" % (corr, r))
    got, body = r
    if got != corr:
        fail("answer for request %d came while %d was expected" %
             (got, corr))
    # [topic: name, [part i32, err i16, base i64, append_time i64]], throttle
    (nt,) = struct.unpack_from(">i", body, 0)
    (nl,) = struct.unpack_from(">h", body, 4)
    at = 6 + nl
    (np,) = struct.unpack_from(">i", body, at)
    part, err, base = struct.unpack_from(">ihq", body, at + 4)
    if nt != 1 or np != 1:
        fail("answer %d: %d topics, %d partitions" % (corr, nt, np))
    return err, base


def ctl(mnt, what):
    with open(mnt + "/.powercut", "w") as f:
        f.write(what)


def expect(s, corr, want, what):
    err, base = answer(s, corr)
    if err != want or (want and base != -1) or (not want and base < 0):
        fail("%s: error %d base %d, expected error %d" %
             (what, err, base, want))
    log("ok   %s: error %d%s" % (what, err, "" if err else
                                 ", offset %d" % base))
    return base


def run(addr, mnt, topic):
    s = k.connect(addr, timeout=20)
    # Create the topic, then three requests in one write: the acks=1
    # answer must not overtake the acks=all one before it.
    produce(s, 1, topic, 0, b"first", -1)
    expect(s, 1, 0, "acks=all before any failure")
    produce(s, 2, topic, 0, b"all-0", -1)
    produce(s, 3, topic, 1, b"one-1", 1)
    produce(s, 4, topic, 1, b"all-1", -1)
    expect(s, 2, 0, "pipelined acks=all, answered first")
    expect(s, 3, 0, "pipelined acks=1, answered second")
    expect(s, 4, 0, "pipelined acks=all, answered third")
    ctl(mnt, "eio")
    produce(s, 5, topic, 0, b"lost-0", -1)
    expect(s, 5, STORAGE_ERROR, "acks=all while fdatasync fails")
    produce(s, 6, topic, 0, b"refused-0", 1)
    expect(s, 6, STORAGE_ERROR, "acks=1 to the partition now offline")
    produce(s, 7, topic, 1, b"page-cache-1", 1)
    expect(s, 7, 0, "acks=1 to a partition no sync failed on")
    produce(s, 8, topic, 1, b"lost-1", -1)
    expect(s, 8, STORAGE_ERROR, "acks=all to it, sync failing")
    ctl(mnt, "ok")
    # The disk works again, but the failed sync may have lost pages: the
    # partitions stay offline instead of syncing again and saying yes.
    produce(s, 9, topic, 0, b"still-0", -1)
    expect(s, 9, STORAGE_ERROR, "acks=all after the disk recovered")
    produce(s, 10, topic, 1, b"still-1", 1)
    expect(s, 10, STORAGE_ERROR, "acks=1 after the disk recovered")
    s.close()


def after(addr, topic):
    s = k.connect(addr, timeout=20)
    produce(s, 1, topic, 0, b"again-0", -1)
    expect(s, 1, 0, "acks=all after a restart (recovery re-read the log)")
    produce(s, 2, topic, 1, b"again-1", -1)
    expect(s, 2, 0, "acks=all to the other partition after the restart")
    s.close()


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(*sys.argv[2:5])
    else:
        after(*sys.argv[2:4])
