# SPDX-License-Identifier: MIT
"""settings.py ADDR — broker settings seen through confluent-kafka, against
a broker started by settings.sh with message.max.bytes=50000,
auto.create.topics.enable=false, log.segment.bytes=8192 and
log.retention.ms=3600000:

  - a record batch over message.max.bytes is refused (MSG_SIZE_TOO_LARGE)
    and the records around it are stored as usual;
  - a topic nobody created stays unknown: Metadata answers
    UNKNOWN_TOPIC_OR_PARTITION and producing to it fails;
  - ListOffsets by timestamp (offsets_for_times) finds the first record
    at or after a time, to the record as Kafka does, not just the batch;
  - records stamped two hours ago are deleted by time retention once their
    segments are closed, the earliest offset moves up, the rest reads back.
"""
import struct
import sys
import time

import confluent_kafka as ck
from confluent_kafka.admin import AdminClient, NewTopic

from _kraw import connect, metadata_v1, read_frame, request
from _kt import fail, log

ADDR = sys.argv[1]


def create(topic):
    a = AdminClient({"bootstrap.servers": ADDR})
    a.create_topics([NewTopic(topic, 1, 1)])[topic].result(timeout=20)


def produce_one(p, topic, value, **kw):
    res = []
    p.produce(topic, value=value, on_delivery=lambda e, m: res.append(
        (e, m.offset())), **kw)
    p.flush(20)
    if len(res) != 1:
        fail("no delivery report for a %d-byte record" % len(value))
    return res[0]


def read_all(topic):
    c = ck.Consumer({"bootstrap.servers": ADDR, "group.id": "settings",
                     "enable.partition.eof": True})
    lo, hi = c.get_watermark_offsets(ck.TopicPartition(topic, 0),
                                     timeout=20)
    c.assign([ck.TopicPartition(topic, 0, ck.OFFSET_BEGINNING)])
    out = []
    end = time.time() + 20
    while time.time() < end:
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            if m.error().code() == ck.KafkaError._PARTITION_EOF:
                break
            fail("consume %s: %s" % (topic, m.error()))
        out.append((m.offset(), m.value()))
    c.close()
    return lo, hi, out


def max_message_bytes():
    create("big")
    p = ck.Producer({"bootstrap.servers": ADDR, "acks": "all",
                     "linger.ms": 0})
    small = [b"small-%d-" % i + b"s" * 1000 for i in range(2)]
    e, o = produce_one(p, "big", small[0])
    if e is not None or o != 0:
        fail("first small record: %s, offset %d" % (e, o))
    e, o = produce_one(p, "big", b"B" * 60000)
    if e is None or e.code() != ck.KafkaError.MSG_SIZE_TOO_LARGE:
        fail("a 60000-byte record with message.max.bytes=50000: %s" %
             (e or "accepted at offset %d" % o))
    e, o = produce_one(p, "big", small[1])
    if e is not None or o != 1:
        fail("small record after the refused one: %s, offset %d" % (e, o))
    lo, hi, got = read_all("big")
    if got != [(0, small[0]), (1, small[1])]:
        fail("topic 'big' holds %s" % [(o, len(v)) for o, v in got])
    log("message.max.bytes: 60000-byte record refused, neighbours stored")


def no_auto_create():
    s = connect(ADDR)
    s.sendall(request(3, 1, 5, metadata_v1(["nope"])))
    r = read_frame(s)
    s.close()
    if not isinstance(r, tuple):
        fail("Metadata v1: %r" % (r,))
    body = r[1]
    (nb,) = struct.unpack(">i", body[:4])
    pos = 4
    for _ in range(nb):
        (hl,) = struct.unpack(">h", body[pos + 4:pos + 6])
        pos += 4 + 2 + hl + 4
        (rl,) = struct.unpack(">h", body[pos:pos + 2])
        pos += 2 + max(rl, 0)
    pos += 4
    nt, err = struct.unpack(">ih", body[pos:pos + 6])
    if nt != 1 or err != 3:
        fail("Metadata for an unknown topic with auto-create off: %d "
             "topics, error %d (expected UNKNOWN_TOPIC_OR_PARTITION 3)" %
             (nt, err))
    p = ck.Producer({"bootstrap.servers": ADDR, "message.timeout.ms": 3000})
    e, _ = produce_one(p, "nope", b"x")
    if e is None:
        fail("producing to a topic that does not exist succeeded")
    log("auto.create.topics.enable=false: 'nope' unknown (%s)" % e.name())


def time_retention():
    create("old")
    p = ck.Producer({"bootstrap.servers": ADDR, "acks": "all",
                     "linger.ms": 0, "batch.num.messages": 10})
    then = int(time.time() * 1000) - 2 * 3600 * 1000
    vals = [b"old-%04d-" % i + b"o" * 200 for i in range(300)]
    vals += [b"new-%04d-" % i + b"n" * 200 for i in range(50)]
    for i, v in enumerate(vals):
        p.produce("old", value=v, timestamp=then + i if i < 300 else 0)
        p.poll(0)
    if p.flush(20):
        fail("records not acknowledged")
    lo = 0
    end = time.time() + 15
    while time.time() < end and lo == 0:
        time.sleep(0.3)
        lo, hi, got = read_all("old")
    if lo == 0:
        fail("log.retention.ms=1h: nothing deleted of records 2h old in 15s")
    if lo > 300:
        fail("retention deleted current records: earliest offset %d" % lo)
    want = [(o, vals[o]) for o in range(lo, len(vals))]
    if got != want or hi != len(vals):
        fail("after time retention: %d records %d..%d, expected %d..%d" %
             (len(got), got[0][0] if got else -1, hi - 1, lo,
              len(vals) - 1))
    log("log.retention.ms: offsets below %d deleted, the rest intact" % lo)


def offsets_for_times():
    create("ts")
    p = ck.Producer({"bootstrap.servers": ADDR, "acks": "all",
                     "linger.ms": 0, "batch.num.messages": 10})
    t0 = int(time.time() * 1000) - 1800 * 1000  # inside the 1 h retention
    n = 300
    for i in range(n):
        p.produce("ts", value=b"ts-%04d" % i, timestamp=t0 + i * 1000)
        p.poll(0)
    if p.flush(20):
        fail("records not acknowledged")
    c = ck.Consumer({"bootstrap.servers": ADDR, "group.id": "settings"})
    cases = [(t0 - 5000, 0), (t0, 0), (t0 + 5000, 5), (t0 + 4999, 5),
             (t0 + 5001, 6), (t0 + 123000, 123), (t0 + 299000, 299),
             (t0 + 299001, -1)]
    for ts, want in cases:
        r = c.offsets_for_times([ck.TopicPartition("ts", 0, ts)],
                                timeout=20)[0]
        if r.error is not None or r.offset != want:
            fail("offsets_for_times(t0%+d ms): offset %d, expected %d (%s)"
                 % (ts - t0, r.offset, want, r.error))
    c.close()
    log("offsets_for_times: %d lookups to the record" % len(cases))


if __name__ == "__main__":
    max_message_bytes()
    no_auto_create()
    offsets_for_times()
    time_retention()
