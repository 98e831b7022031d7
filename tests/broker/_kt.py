# SPDX-License-Identifier: MIT
"""_kt.py — what the Python halves of the zcbroker end-to-end tests share:
deterministic keyed messages, and the one check every test applies to what
came back (content, key, order per partition, no loss, no duplicates).

A record is a tuple (partition, offset, key, value) with key and value as
str (the tests only send ASCII), so records survive a JSON state file.
"""
import json
import sys
import time


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def log(msg):
    print(msg, flush=True)


def messages(tag, first, count, nkeys=13):
    """count keyed messages numbered from first: values differ in size
    (10..~400 bytes) and carry their number, so every byte is checked."""
    out = []
    for i in range(first, first + count):
        key = "key-%02d" % (i % nkeys)
        fill = "".join(chr(97 + (i * 7 + j * 3) % 26)
                       for j in range((i * 37) % 390 + 10))
        out.append((key, "%s-%06d-%s" % (tag, i, fill)))
    return out


def check_produced(sent, acked, next_off=None):
    """acked[i] = (partition, offset, key, value) for sent[i]. Checks that
    each message kept its key and value, one key went to one partition and
    offsets are dense and grow in production order per partition, from
    next_off[p] (0 for a partition not in it). Returns the next offsets."""
    if len(acked) != len(sent):
        fail("%d messages sent, %d acknowledged" % (len(sent), len(acked)))
    keypart = {}
    nxt = {int(p): o for p, o in (next_off or {}).items()}
    for (k, v), r in zip(sent, acked):
        if r is None:
            fail("no delivery report for %s" % v[:16])
        p, o, rk, rv = r
        if (rk, rv) != (k, v):
            fail("delivery report for %s names another message" % v[:16])
        if keypart.setdefault(k, p) != p:
            fail("key %s went to partitions %d and %d" % (k, keypart[k], p))
        if o != nxt.get(p, 0):
            fail("partition %d: offset %d assigned, expected %d" %
                 (p, o, nxt.get(p, 0)))
        nxt[p] = o + 1
    return nxt


def by_partition(records):
    parts = {}
    for r in records:
        parts.setdefault(r[0], []).append(tuple(r))
    return parts


def check_consumed(produced, consumed, what="consumed"):
    """consumed, in the order received, must be exactly produced: same
    records (offset, key, value), each once, in offset order per
    partition."""
    seen = set()
    for r in consumed:
        if (r[0], r[1]) in seen:
            fail("%s: partition %d offset %d received twice" % (what, r[0],
                                                                 r[1]))
        seen.add((r[0], r[1]))
    want = by_partition(produced)
    got = by_partition(consumed)
    for p in sorted(set(want) | set(got)):
        w = sorted(want.get(p, []), key=lambda r: r[1])
        g = got.get(p, [])
        if [r[1] for r in g] != sorted(r[1] for r in g):
            fail("%s: partition %d out of order" % (what, p))
        if g != w:
            gs, ws = set(g), set(w)
            missing = [r[1] for r in w if r not in gs]
            extra = [r[1] for r in g if r not in ws]
            fail("%s: partition %d: %d records, expected %d; missing "
                 "offsets %s; unexpected or altered %s" %
                 (what, p, len(g), len(w), missing[:10], extra[:10]))


def wait_until(cond, secs, what):
    end = time.time() + secs
    while time.time() < end:
        if cond():
            return
        time.sleep(0.1)
    fail("timed out after %ds waiting for %s" % (secs, what))


def save(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f)


def load(path):
    with open(path) as f:
        return json.load(f)


def pump(ms, got, until, what, secs=30):
    """Poll librdkafka group members (dicts: c, name, assigned) in turn
    until until() holds: every record is checked to come from an assigned
    partition, recorded in got and committed synchronously."""
    end = time.time() + secs
    while not until():
        if time.time() > end:
            fail("timed out waiting for %s" % what)
        for m in ms:
            r = m["c"].poll(0.05)
            if r is None:
                continue
            if r.error():
                fail("%s: %s" % (m["name"], r.error()))
            if r.partition() not in m["assigned"]:
                fail("%s got partition %d, assigned %s" %
                     (m["name"], r.partition(), m["assigned"]))
            got.append((r.partition(), r.offset(), r.key().decode(),
                        r.value().decode()))
            m["c"].commit(r, asynchronous=False)
