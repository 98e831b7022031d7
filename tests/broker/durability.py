# SPDX-License-Identifier: MIT
"""durability.py — the client halves of durability.sh (confluent-kafka):

  durability.py produce ADDR TOPIC ACKS   produce until killed (acks=all,
                                      no retries), one line "partition
                                      offset seq" per acknowledged record
  durability.py verify ADDR TOPIC ACKS    after the crash and restart: read every
                                      partition to its end; every
                                      acknowledged record is at its offset
                                      exactly once, nothing is duplicated or
                                      altered, and the log takes new records

  durability.py idem-produce ADDR TOPIC ACKS   an idempotent producer
                                      (retries on) for 6 s, riding out a
                                      broker crash and restart on the same
                                      port; exits 1 unless every record was
                                      acknowledged
  durability.py idem-verify ADDR TOPIC ACKS    as verify, and the log holds
                                      exactly the acknowledged records: the
                                      retries after the crash stored nothing
                                      twice

Unacknowledged records may or may not have survived; retries are off so a
record can be written at most once.
"""
import sys
import time

import confluent_kafka as ck

from _kt import fail, log

PARTS = 2
AFTER = "after-"  # records that verify itself appends


def value(seq):
    fill = "".join(chr(97 + (seq * 5 + j) % 26) for j in range(seq % 200))
    return "dur-%08d-%s" % (seq, fill)


def produce(addr, topic, acks_path, idempotent=False):
    conf = {"bootstrap.servers": addr, "acks": "all", "retries": 0,
            "linger.ms": 1, "message.timeout.ms": 5000,
            "queue.buffering.max.messages": 2000}
    if idempotent:
        del conf["retries"]
        conf.update({"enable.idempotence": True,
                     "message.timeout.ms": 60000})
    p = ck.Producer(conf)
    errors = []
    out = open(acks_path, "w", buffering=1)

    def report(err, m):
        if err is None:
            seq = int(m.value()[4:12])
            out.write("%d %d %d\n" % (m.partition(), m.offset(), seq))
        else:
            errors.append(str(err))

    seq = 0
    end = time.time() + (6 if idempotent else 50)
    while time.time() < end:
        try:
            p.produce(topic, key=b"k%d" % (seq % 7),
                      value=value(seq).encode(), on_delivery=report)
            seq += 1
        except BufferError:
            p.poll(0.01)
        p.poll(0)
    left = p.flush(60 if idempotent else 5)
    if idempotent and (left or errors):
        fail("idempotent producer: %d undelivered, errors %s" %
             (left, errors[:3]))


def read_all(addr, topic):
    c = ck.Consumer({"bootstrap.servers": addr, "group.id": "dur-verify",
                     "enable.auto.commit": False,
                     "enable.partition.eof": True})
    recs = {}
    hw = {}
    for p in range(PARTS):
        lo, hi = c.get_watermark_offsets(ck.TopicPartition(topic, p),
                                         timeout=20)
        hw[p] = hi
    c.assign([ck.TopicPartition(topic, p, ck.OFFSET_BEGINNING)
              for p in range(PARTS)])
    done = {p for p in range(PARTS) if hw[p] == 0}
    end = time.time() + 30
    while len(done) < PARTS and time.time() < end:
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            if m.error().code() == ck.KafkaError._PARTITION_EOF:
                done.add(m.partition())
                continue
            fail("consumer: %s" % m.error())
        if (m.partition(), m.offset()) in recs:
            fail("partition %d offset %d delivered twice" %
                 (m.partition(), m.offset()))
        recs[(m.partition(), m.offset())] = (m.key(), m.value().decode())
    c.close()
    if len(done) < PARTS:
        fail("could not read every partition to its end")
    return recs, hw


def check_dense(recs, hw):
    """Every offset below each partition's end was read."""
    for p in range(PARTS):
        for o in range(hw[p]):
            if (p, o) not in recs:
                fail("partition %d: offset %d missing below the end %d" %
                     (p, o, hw[p]))


def append_after(addr, topic, hw, count):
    """The log goes on where the recovered data ends: `count` new
    records (values AFTER + n, no key) land at the next offsets."""
    pr = ck.Producer({"bootstrap.servers": addr, "acks": "all"})
    got = []
    for i in range(count):
        pr.produce(topic, value=b"%s%d" % (AFTER.encode(), i),
                   partition=i % PARTS,
                   on_delivery=lambda e, m: got.append((e, m.partition(),
                                                        m.offset())))
    pr.flush(20)
    nxt = dict(hw)
    for e, p, o in got:
        if e is not None or o != nxt[p]:
            fail("new record at partition %d offset %d (expected %d): %s"
                 % (p, o, nxt[p], e))
        nxt[p] += 1
    if len(got) != count:
        fail("only %d of %d new records acknowledged" % (len(got), count))


def verify(addr, topic, acks_path, exact=False):
    acked = []
    with open(acks_path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:  # the producer may die mid-line
                acked.append(tuple(int(x) for x in parts))
    if not acked:
        fail("no record was acknowledged before the crash")
    recs, hw = read_all(addr, topic)
    log("%d acknowledged; after restart the partitions end at %s" %
        (len(acked), hw))
    check_dense(recs, hw)
    seqs = {}
    for (p, o), (k, v) in recs.items():
        if v.startswith(AFTER) and v[len(AFTER):].isdigit() and k is None:
            continue
        try:
            seq = int(v[4:12])
        except ValueError:
            seq = -1
        if seq < 0 or v != value(seq) or k != b"k%d" % (seq % 7):
            fail("partition %d offset %d: altered record %r" % (p, o, v[:20]))
        if seq in seqs:
            fail("record %d stored twice: %s and %s" % (seq, seqs[seq],
                                                         (p, o)))
        seqs[seq] = (p, o)
    for p, o, seq in acked:
        if seqs.get(seq) != (p, o):
            fail("acknowledged record %d (partition %d offset %d) is %s "
                 "after the restart" % (seq, p, o,
                                       "at %s" % (seqs[seq],)
                                       if seq in seqs else "lost"))
    mine = len(seqs)
    if exact and mine != len({a[2] for a in acked}):
        fail("the log holds %d records, %d were acknowledged" %
             (mine, len({a[2] for a in acked})))
    append_after(addr, topic, hw, 20)
    log("all %d acknowledged records there once; %d records in the log"
        % (len(acked), len(recs)))


if __name__ == "__main__":
    modes = {"produce": produce, "verify": verify,
             "idem-produce": lambda *a: produce(*a, idempotent=True),
             "idem-verify": lambda *a: verify(*a, exact=True)}
    if len(sys.argv) != 5 or sys.argv[1] not in modes:
        print(__doc__)
        sys.exit(2)
    modes[sys.argv[1]](*sys.argv[2:])
