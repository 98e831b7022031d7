# SPDX-License-Identifier: MIT
"""poison.py — batches whose CRC is right but whose records are not, on a
raw socket: garbage records, a RecordCount that lies (2^31-1 for one
record), offset deltas out of order, an invalid gzip stream and a gzip
bomb. Each is refused with Kafka's error (INVALID_RECORD 87, CORRUPT_MESSAGE
2, MESSAGE_TOO_LARGE 10 past the decompression bound) and nothing of it is
stored: the good batch after them gets the next offset of the good batch
before them, and a fetch returns exactly those two. Then confluent-kafka
(librdkafka) produces with every codec and consumes it all back.

  poison.py ADDR
"""
import struct
import sys
import time
import zlib

from _kraw import (call, connect, crc32c, fetch_one, metadata_v1,
                   produce_one, varint)
from _kt import check_consumed, check_produced, fail, log, messages

ADDR = sys.argv[1]
TOPIC = "poison"


NOW = int(time.time() * 1000)  # older batches would go by retention


def raw_batch(payload, count, codec=0, lod=None, ts=NOW):
    lod = count - 1 if lod is None else lod
    after_crc = struct.pack(">hiqqqhii", codec, lod, ts, ts, -1, -1, -1,
                            count) + payload
    rest = struct.pack(">iB", 0, 2) + struct.pack(">I", crc32c(after_crc)) \
        + after_crc
    return struct.pack(">qi", 0, len(rest)) + rest


def records(values, deltas=None):
    out = b""
    for i, v in enumerate(values):
        d = i if deltas is None else deltas[i]
        body = (b"\x00" + varint(0) + varint(d) + varint(-1) +
                varint(len(v)) + v + varint(0))
        out += varint(len(body)) + body
    return out


def produce(s, b):
    return produce_one(s, TOPIC, b)


def main():
    s = connect(ADDR)
    for _ in range(50):  # auto-create, wait until it is there
        call(s, 3, 1, metadata_v1([TOPIC]))
        err, base = produce(s, raw_batch(records([b"a0", b"a1"]), 2))
        if err == 0:
            break
    if err != 0 or base != 0:
        fail("first good batch: error %d base %d" % (err, base))
    good_a = raw_batch(records([b"a0", b"a1"]), 2)

    gz = zlib.compressobj(9, zlib.DEFLATED, 31)
    zero = bytes(1 << 16)
    bomb = b"".join(gz.compress(zero) for _ in range(1024)) + gz.flush()
    cases = [
        ("garbage records", raw_batch(bytes((i * 37 + 11) & 255
                                            for i in range(300)), 3), 87),
        ("RecordCount 2^31-1 for one record",
         raw_batch(records([b"x"]), 2**31 - 1), 87),
        ("RecordCount 3 for two records", raw_batch(records([b"x", b"y"]), 3),
         87),
        ("offset deltas 0, 5", raw_batch(records([b"x", b"y"], [0, 5]), 2),
         87),
        ("invalid gzip", raw_batch(b"\x1f\x8b" + b"not gzip at all" * 5, 1, 1),
         2),
        ("gzip bomb (%d bytes -> 64 MiB, bound 16 MiB)" % len(bomb),
         raw_batch(bomb, 1, 1), 10),
    ]
    for what, b, want in cases:
        err, base = produce(s, b)
        if err != want:
            fail("%s: error %d, expected %d" % (what, err, want))
        log("%s: refused with error %d" % (what, err))
    err, base = produce(s, raw_batch(records([b"b0", b"b1", b"b2"]), 3))
    if err != 0 or base != 2:
        fail("good batch after the poison: error %d base %d (want 2)" %
             (err, base))
    err, hw, got = fetch_one(s, TOPIC, 0)
    want = bytearray(good_a) + bytearray(
        raw_batch(records([b"b0", b"b1", b"b2"]), 3))
    want[len(good_a):len(good_a) + 8] = struct.pack(">q", 2)
    if err != 0 or hw != 5 or bytes(got) != bytes(want):
        fail("fetch after the poison: error %d hw %d, %d bytes (want %d)" %
             (err, hw, len(got), len(want)))
    log("only the good batches are stored (offsets 0-4)")
    s.close()

    try:
        from _clients import client
        c = client("confluent", ADDR)
    except ImportError:
        log("confluent_kafka missing: codecs from a real client not run")
        return
    for i, codec in enumerate(["gzip", "snappy", "lz4", "zstd"]):
        topic = "codec-" + codec
        msgs = messages(codec, 0, 400)
        acked = c.produce(topic, msgs, compression=codec)
        check_produced(msgs, acked)
        got = c.consume("g-" + codec, topic, len(msgs), commit=False)
        check_consumed(acked, got, codec)
        log("confluent-kafka %s: %d records produced and consumed back" %
            (codec, len(msgs)))


main()
