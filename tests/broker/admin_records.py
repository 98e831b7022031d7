# SPDX-License-Identifier: MIT
"""admin_records.py — CreatePartitions and DeleteRecords with the Python
clients (the Node half, admin_records.mjs, deletes records).

  grow ADDR STATE      confluent-kafka AdminClient grows `ar` from 2 to 5
                       partitions (refusals: the same count, fewer, a
                       foreign broker in an assignment, an unknown topic;
                       validate_only changes nothing), a new producer's
                       partitioner spreads keyed records over all 5;
                       kafka-python's KafkaAdminClient grows it to 7 and its
                       producer writes into the new ones too
  consume ADDR STATE STARTS
                       after the deletions: the low watermarks are the new
                       starts; a group consumes exactly the records at or
                       after them (every byte checked); a confluent consumer
                       assigned below a start gets OFFSET_OUT_OF_RANGE with
                       auto.offset.reset=error and resets to the start with
                       earliest; kafka-python the same ('none' raises
                       OffsetOutOfRangeError, 'earliest' resets)
  check ADDR STATE STARTS
                       after a restart: 8 partitions for both clients, the
                       starts kept, the records at or after them intact
"""
import sys

from _clients import Confluent, KafkaPython
from _kt import check_consumed, check_produced, fail, load, log, messages, save

STEP, ADDR, STATE = sys.argv[1], sys.argv[2], sys.argv[3]
TOPIC = "ar"


def admin():
    from confluent_kafka.admin import AdminClient
    return AdminClient({"bootstrap.servers": ADDR})


def grow(a, count, assignments=None, validate=False, topic=TOPIC):
    """confluent-kafka create_partitions: None or the KafkaError."""
    from confluent_kafka.admin import NewPartitions
    np = NewPartitions(topic, count, assignments) if assignments \
        else NewPartitions(topic, count)
    fs = a.create_partitions([np], validate_only=validate,
                             operation_timeout=10, request_timeout=15)
    try:
        fs[topic].result(timeout=30)
        return None
    except Exception as e:
        return e.args[0] if e.args else e


def partitions(a):
    return len(a.list_topics(TOPIC, timeout=10).topics[TOPIC].partitions)


def step_grow():
    c, a = Confluent(ADDR), admin()
    c.create_topic(TOPIC, 2)
    sent = messages("a", 0, 200)
    acked = c.produce(TOPIC, sent)
    nxt = check_produced(sent, acked)
    produced = list(acked)

    if grow(a, 5) is not None or partitions(a) != 5:
        fail("create_partitions to 5")
    log("confluent-kafka create_partitions %s to 5: ok" % TOPIC)
    for count, asg, code in ((5, None, 37), (4, None, 37),
                             (7, [[1], [2]], 39)):
        e = grow(a, count, asg)
        if e is None or e.code() != code:
            fail("create_partitions to %d %s: %r, expected error %d" %
                 (count, asg, e, code))
        log("create_partitions to %d%s: refused: %s" %
            (count, " with %s" % asg if asg else "", e.str()))
    e = grow(a, 9, topic="no-such-topic")
    if e is None or e.code() != 3:
        fail("create_partitions of an unknown topic: %r" % e)
    if grow(a, 9, validate=True) is not None or partitions(a) != 5:
        fail("validate_only changed the topic")
    log("validate_only to 9: accepted, still 5 partitions")

    # A new producer sees 5 partitions; its partitioner uses all of them.
    sent = messages("b", 200, 400, nkeys=61)
    acked = c.produce(TOPIC, sent)
    nxt = check_produced(sent, acked, nxt)
    used = {r[0] for r in acked}
    if used != set(range(5)):
        fail("confluent producer used partitions %s of 5" % sorted(used))
    produced += acked

    # kafka-python grows it to 7 and writes into the new partitions.
    from kafka.admin import KafkaAdminClient, NewPartitions
    ka = KafkaAdminClient(bootstrap_servers=ADDR, request_timeout_ms=30000)
    r = ka.create_partitions({TOPIC: NewPartitions(7)}, timeout_ms=10000)
    for t, code, *_ in getattr(r, "topic_errors", []):
        if code != 0:
            fail("kafka-python create_partitions: error %d" % code)
    try:
        ka.create_partitions({TOPIC: NewPartitions(6)}, timeout_ms=10000)
        fail("kafka-python create_partitions to fewer was accepted")
    except Exception as e:
        if "InvalidPartitions" not in type(e).__name__:
            fail("kafka-python create_partitions to fewer: %r" % e)
        log("kafka-python create_partitions to 6: refused (%s)" %
            type(e).__name__)
    ka.close()
    import kafka
    kc = kafka.KafkaConsumer(bootstrap_servers=ADDR)
    if kc.partitions_for_topic(TOPIC) != set(range(7)):
        fail("kafka-python metadata: %s" % kc.partitions_for_topic(TOPIC))
    kc.close()
    log("kafka-python create_partitions %s to 7: ok" % TOPIC)
    sent = messages("c", 600, 300, nkeys=61)
    acked = KafkaPython(ADDR).produce(TOPIC, sent)
    check_produced(sent, acked, nxt)
    used = {r[0] for r in acked}
    if not {5, 6} <= used:
        fail("kafka-python producer used partitions %s of 7" % sorted(used))
    produced += acked
    save(STATE, produced)
    log("%d records produced over %d partitions" %
        (len(produced), len({r[0] for r in produced})))


def kept(starts):
    """The produced records at or after each partition's start."""
    return [tuple(r) for r in load(STATE) if r[1] >= starts.get(r[0], 0)]


def check_watermarks(starts):
    import confluent_kafka as ck
    c = ck.Consumer({"bootstrap.servers": ADDR, "group.id": "ar-wm"})
    for p in range(8):
        low, _ = c.get_watermark_offsets(ck.TopicPartition(TOPIC, p),
                                         timeout=10)
        if low != starts.get(p, 0):
            fail("low watermark of %s-%d: %d, want %d" %
                 (TOPIC, p, low, starts.get(p, 0)))
    c.close()
    log("low watermarks: %s" % [starts.get(p, 0) for p in range(8)])


def consume_all(group, starts):
    want = kept(starts)
    got = Confluent(ADDR).consume(group, TOPIC, len(want), settle=1)
    check_consumed(want, got, "group %s" % group)
    log("group %s: %d records from the starts, every byte checked" %
        (group, len(got)))


def confluent_first(reset, offset):
    """What a confluent consumer assigned to partition 0 at offset gets
    first (a record or an error event), or None."""
    import confluent_kafka as ck
    c = ck.Consumer({"bootstrap.servers": ADDR, "group.id": "ar-" + reset,
                     "auto.offset.reset": reset,
                     "enable.auto.commit": False})
    c.assign([ck.TopicPartition(TOPIC, 0, offset)])
    m = None
    for _ in range(50):
        m = c.poll(0.2)
        if m is not None:
            break
    c.close()
    return m


def below_start(starts):
    """Partition 0 asked below its start with each client."""
    s0 = starts[0]
    first = [r for r in kept(starts) if r[0] == 0][0]
    m = confluent_first("error", s0 - 5)
    if m is None or not m.error() or \
            "out of range" not in m.error().str().lower():
        fail("confluent below the start, reset=error: %r" %
             (m and (m.offset(), m.error())))
    log("confluent at %d, reset=error: %s" % (s0 - 5, m.error().str()))
    m = confluent_first("earliest", s0 - 5)
    if m is None or m.error() or \
            (0, m.offset(), m.key().decode(), m.value().decode()) != first:
        fail("confluent reset=earliest: %r" % (m and (m.offset(), m.error())))
    log("confluent at %d, reset=earliest: first record %d" %
        (s0 - 5, m.offset()))

    import kafka
    from kafka.errors import OffsetOutOfRangeError
    tp = kafka.TopicPartition(TOPIC, 0)
    kc = kafka.KafkaConsumer(bootstrap_servers=ADDR, auto_offset_reset="none",
                             enable_auto_commit=False)
    kc.assign([tp])
    if kc.beginning_offsets([tp])[tp] != s0:
        fail("kafka-python beginning_offsets: %s" % kc.beginning_offsets([tp]))
    kc.seek(tp, s0 - 5)
    raised = None
    for _ in range(20):
        try:
            got = kc.poll(timeout_ms=200)
        except OffsetOutOfRangeError as e:
            raised = e
            break
        if got:
            fail("kafka-python read below the start: %s" % got)
    kc.close()
    if raised is None:
        fail("kafka-python: no OffsetOutOfRangeError below the start")
    log("kafka-python at %d, reset=none: %s" % (s0 - 5,
                                                 type(raised).__name__))
    kc = kafka.KafkaConsumer(bootstrap_servers=ADDR,
                             auto_offset_reset="earliest",
                             enable_auto_commit=False)
    kc.assign([tp])
    kc.seek(tp, s0 - 5)
    recs = []
    for _ in range(50):
        recs = kc.poll(timeout_ms=200).get(tp, [])
        if recs:
            break
    kc.close()
    if not recs or (0, recs[0].offset, recs[0].key.decode(),
                    recs[0].value.decode()) != first:
        fail("kafka-python reset=earliest: %s" % recs[:1])
    log("kafka-python at %d, reset=earliest: first record %d" %
        (s0 - 5, recs[0].offset))


def starts_arg():
    return {int(k): v for k, v in load(sys.argv[4]).items()}


if STEP == "grow":
    step_grow()
elif STEP == "consume":
    st = starts_arg()
    check_watermarks(st)
    consume_all("ar-g1", st)
    below_start(st)
elif STEP == "check":
    st = starts_arg()
    a = admin()
    if partitions(a) != 8:
        fail("partitions after the restart: %d" % partitions(a))
    import kafka
    kc = kafka.KafkaConsumer(bootstrap_servers=ADDR)
    if kc.partitions_for_topic(TOPIC) != set(range(8)):
        fail("kafka-python partitions after the restart")
    kc.close()
    log("8 partitions after the restart")
    check_watermarks(st)
    consume_all("ar-g-%d" % sum(st.values()), st)
else:
    fail("unknown step " + STEP)
