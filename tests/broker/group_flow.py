# SPDX-License-Identifier: MIT
"""group_flow.py — one client's life across a broker restart, in two halves
that a shell script runs around a SIGTERM + restart of zcbroker:

  before: create a topic with several partitions (admin client), produce
          keyed messages plain and gzip-compressed (acks=all), consume part
          of them in a consumer group with explicit commits;
  after:  the commits survived the restart, new messages continue the
          offsets, and the group resumes right after what it committed;
          everything consumed across both halves is exactly what was
          produced: content, keys, order per partition, once each.

  group_flow.py CLIENT ADDR STATE_FILE before|after
"""
import sys

from _clients import client
from _kt import (check_consumed, check_produced, fail, load, log, messages,
                 save)

TOPIC = "flow"
PARTS = 4
GROUP = "flow-group"
N1, N2, N3 = 300, 300, 150  # plain, gzip, after the restart
FIRST_READ = 350


def before(c, state):
    c.create_topic(TOPIC, PARTS)
    plain = messages("plain", 0, N1)
    acked = c.produce(TOPIC, plain, compression=None)
    nxt = check_produced(plain, acked)
    gz = messages("gzip", N1, N2)
    acked2 = c.produce(TOPIC, gz, compression="gzip")
    nxt = check_produced(gz, acked2, nxt)
    produced = acked + acked2
    log("produced %d records, end offsets %s" % (len(produced), nxt))

    got = c.consume(GROUP, TOPIC, FIRST_READ, commit=True)
    # From an empty group each partition is read from offset 0: what came
    # back must be a prefix of every partition.
    parts = {}
    for r in got:
        parts.setdefault(r[0], []).append(r)
    want = [r for r in produced if r[1] < len(parts.get(r[0], []))]
    check_consumed(want, got, "first read")
    committed = {p: len(rs) for p, rs in parts.items()}
    back = c.committed(GROUP, TOPIC, PARTS)
    if back != committed:
        fail("committed offsets read back %s, expected %s" %
             (back, committed))
    log("consumed %d, committed %s" % (len(got), committed))
    save(state, {"produced": produced, "consumed": got,
                 "committed": committed, "next": nxt})


def after(c, state):
    s = load(state)
    produced = [tuple(r) for r in s["produced"]]
    committed = {int(p): o for p, o in s["committed"].items()}
    back = c.committed(GROUP, TOPIC, PARTS)
    if back != committed:
        fail("after restart, committed offsets %s, expected %s" %
             (back, committed))
    more = messages("after", N1 + N2, N3)
    acked = c.produce(TOPIC, more, compression="gzip")
    check_produced(more, acked, s["next"])
    produced += acked
    rest = len(produced) - FIRST_READ
    got = c.consume(GROUP, TOPIC, rest, commit=True, settle=1.5)
    first = {}
    for r in got:
        first.setdefault(r[0], r[1])
    for p, o in first.items():
        if o != committed.get(p, 0):
            fail("partition %d resumed at offset %d, committed %d" %
                 (p, o, committed.get(p, 0)))
    before_got = [tuple(r) for r in s["consumed"]]
    check_consumed(produced, before_got + got, "both reads")
    log("resumed: %d more records, all %d seen once" % (len(got),
                                                       len(produced)))


def main():
    if len(sys.argv) != 5 or sys.argv[4] not in ("before", "after"):
        print(__doc__)
        sys.exit(2)
    c = client(sys.argv[1], sys.argv[2])
    {"before": before, "after": after}[sys.argv[4]](c, sys.argv[3])


if __name__ == "__main__":
    main()
