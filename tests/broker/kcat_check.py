# SPDX-License-Identifier: MIT
"""kcat_check.py — helpers for kcat.sh, which sees no delivery reports:

  kcat_check.py gen TAG FIRST COUNT        print "key:value" lines
  kcat_check.py check SENT GOT [PARTS]     GOT holds kcat's "%p %o %k %s"
                                           lines for the lines of SENT

The check: every sent record came back exactly once with its key and
value; per partition the offsets are dense from the partition's first
offset and the records keep the order they were sent in; one key went
to one partition; with PARTS, at most that many partitions were used.
"""
import sys

from _kt import fail, log, messages


def gen(tag, first, count):
    for k, v in messages(tag, int(first), int(count)):
        print("%s:%s" % (k, v))


def check(sent_path, got_path, parts=None):
    sent = []
    with open(sent_path) as f:
        for line in f:
            k, v = line.rstrip("\n").split(":", 1)
            sent.append((k, v))
    order = {kv: i for i, kv in enumerate(sent)}
    if len(order) != len(sent):
        fail("test bug: duplicate lines in %s" % sent_path)
    got = []
    with open(got_path) as f:
        for line in f:
            f4 = line.rstrip("\n").split(" ", 3)
            if len(f4) != 4:
                fail("unexpected kcat output line %r" % line[:80])
            got.append((int(f4[0]), int(f4[1]), f4[2], f4[3]))
    seen = set()
    keypart = {}
    parts_seen = {}
    for p, o, k, v in got:
        if (k, v) not in order:
            fail("partition %d offset %d: record %r:%r was never sent" %
                 (p, o, k, v[:24]))
        if (k, v) in seen:
            fail("record %s received twice (partition %d offset %d)" %
                 (v[:16], p, o))
        seen.add((k, v))
        if keypart.setdefault(k, p) != p:
            fail("key %s in partitions %d and %d" % (k, keypart[k], p))
        prev = parts_seen.get(p)
        if prev is not None:
            if o != prev[0] + 1:
                fail("partition %d: offset %d after %d" % (p, o, prev[0]))
            if order[(k, v)] < prev[1]:
                fail("partition %d offset %d: %s came back before an "
                     "earlier-sent record" % (p, o, v[:16]))
        parts_seen[p] = (o, order[(k, v)])
    if len(seen) != len(sent):
        missing = [v[:16] for kv in sent if kv not in seen][:5]
        fail("%d of %d records came back; missing e.g. %s" %
             (len(seen), len(sent), missing))
    if parts is not None and len(parts_seen) > int(parts):
        fail("records in %d partitions, topic has %s" % (len(parts_seen),
                                                         parts))
    log("%d records checked in %d partitions" % (len(got), len(parts_seen)))


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "gen":
        gen(*sys.argv[2:5])
    elif len(sys.argv) >= 4 and sys.argv[1] == "check":
        check(*sys.argv[2:5])
    else:
        print(__doc__)
        sys.exit(2)
