# SPDX-License-Identifier: MIT
"""powercut.py — the client halves of powercut.sh (confluent-kafka):

  powercut.py produce ADDR TOPIC ACKS   two producers until killed, one with
                                    acks=all and one with acks=1 (no
                                    retries), into the same partitions;
                                    one line "KIND partition offset seq"
                                    per acknowledged record (KIND a or 1)
  powercut.py verify ADDR TOPIC ACKS    after the power cut and a restart:
                                    offsets are dense, no record is stored
                                    twice or altered, and every
                                    acknowledged acks=all record is at its
                                    offset. Exit 3 when acks=all records
                                    were lost (and only that went wrong),
                                    1 on any other failure.

acks=1 records may be lost by a power cut: that is their contract. The
verify line says how many were.
"""
import sys
import time

import confluent_kafka as ck

from _kt import fail, log
from durability import AFTER, append_after, check_dense, read_all


def value(kind, seq):
    fill = "".join(chr(97 + (seq * 3 + j) % 26) for j in range(seq % 150))
    return "pc%s-%08d-%s" % (kind, seq, fill)


def produce(addr, topic, acks_path):
    out = open(acks_path, "w", buffering=1)
    prods = {}
    for kind, acks in (("a", "all"), ("1", "1")):
        prods[kind] = ck.Producer({
            "bootstrap.servers": addr, "acks": acks, "retries": 0,
            "linger.ms": 2, "message.timeout.ms": 5000,
            "batch.size": 65536,  # below the test's segment size
            "queue.buffering.max.messages": 2000})

    def report(err, m):
        if err is None:
            v = m.value().decode()
            out.write("%s %d %d %d\n" % (v[2], m.partition(), m.offset(),
                                         int(v[4:12])))

    # One record each first, so both know the topic before the load.
    for kind, p in prods.items():
        p.produce(topic, key=b"k0", value=value(kind, 0).encode(),
                  on_delivery=report)
        p.flush(10)
    seq = 1
    end = time.time() + 50
    while time.time() < end:
        for kind, p in prods.items():
            try:
                p.produce(topic, key=b"k%d" % (seq % 5),
                          value=value(kind, seq).encode(),
                          on_delivery=report)
            except BufferError:
                p.poll(0.01)
            p.poll(0)
        seq += 1
    for p in prods.values():
        p.flush(5)


def verify(addr, topic, acks_path):
    acked = {"a": [], "1": []}
    with open(acks_path) as f:
        for line in f:
            w = line.split()
            if len(w) == 4 and w[0] in acked:  # the last may be torn
                acked[w[0]].append((int(w[1]), int(w[2]), int(w[3])))
    if not acked["a"]:
        fail("no acks=all record was acknowledged before the cut")
    recs, hw = read_all(addr, topic)
    check_dense(recs, hw)
    where = {}
    for (p, o), (k, v) in recs.items():
        if v.startswith(AFTER):
            continue
        kind = v[2:3]
        try:
            seq = int(v[4:12])
        except ValueError:
            seq = -1
        if kind not in acked or seq < 0 or v != value(kind, seq) or \
                k != b"k%d" % (seq % 5):
            fail("partition %d offset %d: altered record %r" % (p, o, v[:20]))
        if (kind, seq) in where:
            fail("record %s%d stored twice: %s and %s" %
                 (kind, seq, where[(kind, seq)], (p, o)))
        where[(kind, seq)] = (p, o)
    lost = {}
    for kind in acked:
        lost[kind] = 0
        for p, o, seq in acked[kind]:
            at = where.get((kind, seq))
            if at is None:
                lost[kind] += 1
            elif at != (p, o):
                fail("acknowledged record %s%d moved from %s to %s" %
                     (kind, seq, (p, o), at))
    log("acknowledged before the cut: %d acks=all, %d acks=1; kept: %s "
        "records, ends %s; lost: %d acks=all, %d acks=1" %
        (len(acked["a"]), len(acked["1"]), len(where), hw, lost["a"],
         lost["1"]))
    if lost["a"]:
        print("LOST %d acknowledged acks=all records" % lost["a"])
        sys.exit(3)
    append_after(addr, topic, hw, 10)


if __name__ == "__main__":
    modes = {"produce": produce, "verify": verify}
    if len(sys.argv) != 5 or sys.argv[1] not in modes:
        print(__doc__)
        sys.exit(2)
    modes[sys.argv[1]](*sys.argv[2:])
