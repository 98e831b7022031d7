# SPDX-License-Identifier: MIT
"""topic_configs.py ADDR DATA PHASE — topic config overrides through
confluent-kafka's and kafka-python's admin clients, and what the log does
with them, against a broker started by topic_configs.sh with
log.retention.ms=3600000 given on its command line.

PHASE "first":
  - CreateTopics with configs (confluent): "cfg" gets segment.bytes=2000,
    max.message.bytes=1500, cleanup.policy=delete; compact, an unknown
    name and a bad number are refused with INVALID_CONFIG, and those
    topics are not made;
  - DescribeConfigs (confluent): the overrides as DYNAMIC_TOPIC_CONFIG,
    retention.ms=3600000 as STATIC_BROKER_CONFIG, retention.bytes=-1 as
    DEFAULT_CONFIG; (kafka-python, with synonyms) the chain of
    retention.ms; an unknown topic UNKNOWN_TOPIC_OR_PARTITION; the broker's
    own settings read-only;
  - records to "cfg" roll a segment every 2000 bytes; an 1800-byte record
    is refused with MSG_SIZE_TOO_LARGE although the broker allows 1 MiB;
  - AlterConfigs (kafka-python) gives "ret" segment.bytes=1000 and
    retention.ms=1500: its closed segments are deleted, the earliest offset
    moves up; AlterConfigs (confluent) replaces all of a topic's overrides.
PHASE "again" (after a restart): every override is still there and still
  acts: "cfg" rolls at 2000 bytes and refuses 1800-byte records.
"""
import glob
import os
import sys
import time

import confluent_kafka as ck
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from _kt import fail, log

ADDR, DATA, PHASE = sys.argv[1], sys.argv[2], sys.argv[3]
DYNAMIC_TOPIC, STATIC_BROKER, DEFAULT = 1, 4, 5


_ADMIN = []


def admin():
    # One client for the run: futures fail if their client goes away.
    if not _ADMIN:
        _ADMIN.append(AdminClient({"bootstrap.servers": ADDR}))
    return _ADMIN[0]


def describe(topic):
    f = admin().describe_configs([ConfigResource("topic", topic)])
    return list(f.values())[0].result(timeout=20)


def expect(cfg, name, value, source):
    e = cfg.get(name)
    if e is None:
        fail("DescribeConfigs lists no %s (got %s)" % (name, sorted(cfg)))
    if e.value != value or int(e.source) != source:
        fail("%s = %r source %s, expected %r source %d" %
             (name, e.value, e.source, value, source))


def producer():
    # The client's own size limit is raised so the broker decides.
    return ck.Producer({"bootstrap.servers": ADDR, "linger.ms": 0,
                        "message.max.bytes": 1000000, "acks": "all"})


def produce(p, topic, value):
    res = []
    p.produce(topic, value=value, on_delivery=lambda e, m: res.append(
        (e, m.offset())))
    p.flush(20)
    if len(res) != 1:
        fail("no delivery report for a %d-byte record" % len(value))
    return res[0]


def segments(topic):
    return sorted(glob.glob(os.path.join(DATA, topic + "-0", "*.log")))


def produce_rolls(topic, n, seg_bytes):
    """n 500-byte records one batch each: the partition rolls so that no
    segment holds more than seg_bytes, and every record is stored."""
    p = producer()
    before = len(segments(topic))
    for i in range(n):
        e, o = produce(p, topic, b"%04d" % i + b"r" * 496)
        if e is not None:
            fail("record %d to %s: %s" % (i, topic, e))
    segs = segments(topic)
    big = [s for s in segs if os.path.getsize(s) > seg_bytes]
    if big:
        fail("%s: segments over segment.bytes=%d: %s" %
             (topic, seg_bytes, [(s, os.path.getsize(s)) for s in big]))
    # ~570 bytes a batch: three fit in 2000 bytes.
    if len(segs) - before < n // 4:
        fail("%s: %d records of 500 bytes made %d new segments with "
             "segment.bytes=%d" % (topic, n, len(segs) - before, seg_bytes))
    log("%s: %d records, %d -> %d segments, none over %d bytes" %
        (topic, n, before, len(segs), seg_bytes))
    return p


def refuses_large(p, topic):
    # Under segment.bytes (2000), over max.message.bytes (1500).
    e, o = produce(p, topic, b"L" * 1800)
    if e is None or e.code() != ck.KafkaError.MSG_SIZE_TOO_LARGE:
        fail("a 1800-byte record to %s (max.message.bytes=1500): %s" %
             (topic, e or "stored at offset %d" % o))
    e, o = produce(p, topic, b"s" * 1000)
    if e is not None:
        fail("a 1000-byte record after the refused one: %s" % e)
    log("%s: 1800-byte record refused (MSG_SIZE_TOO_LARGE), 1000 bytes "
        "stored" % topic)


def create_with_configs():
    a = admin()
    fs = a.create_topics([
        NewTopic("cfg", 1, 1, config={"segment.bytes": "2000",
                                      "max.message.bytes": "1500",
                                      "cleanup.policy": "delete"}),
        NewTopic("compacted", 1, 1, config={"cleanup.policy": "compact"}),
        NewTopic("unknown-key", 1, 1, config={"no.such.config": "1"}),
        NewTopic("bad-number", 1, 1, config={"segment.bytes": "lots"}),
        NewTopic("ret", 1, 1),
    ])
    fs["cfg"].result(timeout=20)
    fs["ret"].result(timeout=20)
    for t, word in (("compacted", "compaction"), ("unknown-key",
                    "no.such.config"), ("bad-number", "segment.bytes")):
        try:
            fs[t].result(timeout=20)
            fail("CreateTopics %s was accepted" % t)
        except ck.KafkaException as ex:
            err = ex.args[0]
            if err.code() != ck.KafkaError.INVALID_CONFIG or \
                    word not in err.str():
                fail("CreateTopics %s: %s" % (t, err))
            log("CreateTopics %s: INVALID_CONFIG: %s" % (t, err.str()))
    topics = a.list_topics(timeout=20).topics
    for t in ("compacted", "unknown-key", "bad-number"):
        if t in topics or os.path.exists(os.path.join(DATA, t + "-0")):
            fail("refused topic %s was made" % t)


def check_cfg_described():
    cfg = describe("cfg")
    expect(cfg, "segment.bytes", "2000", DYNAMIC_TOPIC)
    expect(cfg, "max.message.bytes", "1500", DYNAMIC_TOPIC)
    expect(cfg, "cleanup.policy", "delete", DYNAMIC_TOPIC)
    expect(cfg, "retention.ms", "3600000", STATIC_BROKER)
    expect(cfg, "retention.bytes", "-1", DEFAULT)
    log("DescribeConfigs cfg (confluent): %s" %
        ", ".join("%s=%s/%d" % (k, v.value, int(v.source))
                  for k, v in sorted(cfg.items())))


def kafka_python_describe():
    from kafka import KafkaAdminClient
    from kafka.admin import ConfigResource as KCR, ConfigResourceType
    ka = KafkaAdminClient(bootstrap_servers=ADDR, request_timeout_ms=20000)
    r = ka.describe_configs([KCR(ConfigResourceType.TOPIC, "cfg")],
                            include_synonyms=True)
    res = r[0].resources[0]
    if res[0] != 0:
        fail("kafka-python DescribeConfigs cfg: error %d %s" % res[:2])
    entries = {e[0]: e for e in res[4]}
    # (name, value, read_only, source, sensitive, synonyms)
    rm = entries.get("retention.ms")
    want = [("log.retention.ms", "3600000", STATIC_BROKER),
            ("log.retention.ms", "604800000", DEFAULT)]
    if not rm or rm[1] != "3600000" or list(map(tuple, rm[5])) != want:
        fail("kafka-python retention.ms with synonyms: %s" % (rm,))
    sb = entries.get("segment.bytes")
    if not sb or sb[5][0] != ("segment.bytes", "2000", DYNAMIC_TOPIC):
        fail("kafka-python segment.bytes synonyms: %s" % (sb,))
    node = ka.describe_cluster()["brokers"][0]["node_id"]
    r = ka.describe_configs([KCR(ConfigResourceType.BROKER, str(node))])
    res = r[0].resources[0]
    entries = {e[0]: e for e in res[4]}
    ret = entries.get("log.retention.ms")
    if res[0] != 0 or not ret or ret[1] != "3600000" or not ret[2] or \
            ret[3] != STATIC_BROKER:
        fail("kafka-python broker %s log.retention.ms: %s (error %d)" %
             (node, ret, res[0]))
    dirs = entries.get("log.dirs")  # given as --data-dir
    if not dirs or dirs[1] != DATA or dirs[3] != STATIC_BROKER:
        fail("kafka-python broker log.dirs: %s, expected %s" % (dirs, DATA))
    seg = entries.get("log.segment.bytes")
    if not seg or seg[1] != str(1 << 30) or seg[3] != DEFAULT:
        fail("kafka-python broker log.segment.bytes: %s" % (seg,))
    log("kafka-python: retention.ms synonyms %s; broker %s lists %d "
        "settings, read-only" % (rm[5], node, len(entries)))
    r = ka.describe_configs([KCR(ConfigResourceType.TOPIC, "nope")])
    if r[0].resources[0][0] != 3:
        fail("DescribeConfigs of an unknown topic: error %d, expected "
             "UNKNOWN_TOPIC_OR_PARTITION (3)" % r[0].resources[0][0])
    # The legacy AlterConfigs, as kafka-python sends it (v1).
    r = ka.alter_configs([KCR(ConfigResourceType.TOPIC, "ret", configs={
        "segment.bytes": "1000", "retention.ms": "1500"})])
    if r.resources[0][0] != 0:
        fail("kafka-python AlterConfigs ret: %s" % (r.resources[0],))
    ka.close()


def retention_deletes():
    p = producer()
    for i in range(12):
        e, o = produce(p, "ret", b"%04d" % i + b"t" * 496)
        if e is not None:
            fail("record %d to ret: %s" % (i, e))
    n_before = len(segments("ret"))
    c = ck.Consumer({"bootstrap.servers": ADDR, "group.id": "cfgtest"})
    end = time.time() + 20
    lo = 0
    while time.time() < end:
        time.sleep(0.5)
        lo, hi = c.get_watermark_offsets(ck.TopicPartition("ret", 0),
                                         timeout=10)
        if lo > 0:
            break
    c.close()
    if lo <= 0:
        fail("retention.ms=1500: the earliest offset of ret stayed %d "
             "(segments %s)" % (lo, segments("ret")))
    log("ret: retention.ms=1500 deleted old segments: earliest offset %d, "
        "%d -> %d segment files" % (lo, n_before, len(segments("ret"))))


def confluent_alter_replaces():
    a = admin()
    f = a.alter_configs([ConfigResource("topic", "ret", set_config={
        "segment.bytes": "1000", "retention.bytes": "5000"})])
    list(f.values())[0].result(timeout=20)
    cfg = describe("ret")
    expect(cfg, "segment.bytes", "1000", DYNAMIC_TOPIC)
    expect(cfg, "retention.bytes", "5000", DYNAMIC_TOPIC)
    expect(cfg, "retention.ms", "3600000", STATIC_BROKER)  # replaced away
    f = a.alter_configs([ConfigResource("topic", "ret", set_config={
        "cleanup.policy": "compact"})])
    try:
        list(f.values())[0].result(timeout=20)
        fail("AlterConfigs cleanup.policy=compact was accepted")
    except ck.KafkaException as ex:
        if ex.args[0].code() != ck.KafkaError.INVALID_CONFIG:
            fail("AlterConfigs compact: %s" % ex.args[0])
    expect(describe("ret"), "retention.bytes", "5000", DYNAMIC_TOPIC)
    log("confluent AlterConfigs replaced ret's overrides; compact refused")


if PHASE == "first":
    create_with_configs()
    check_cfg_described()
    p = produce_rolls("cfg", 12, 2000)
    refuses_large(p, "cfg")
    kafka_python_describe()
    retention_deletes()
    confluent_alter_replaces()
else:
    check_cfg_described()
    cfg = describe("ret")
    expect(cfg, "segment.bytes", "1000", DYNAMIC_TOPIC)
    expect(cfg, "retention.bytes", "5000", DYNAMIC_TOPIC)
    p = produce_rolls("cfg", 8, 2000)
    refuses_large(p, "cfg")
log("PASS topic_configs.py %s" % PHASE)
