# SPDX-License-Identifier: MIT
"""rebalance.py ADDR — librdkafka's group client (confluent-kafka) with two
members in one process: they split a 4-partition topic, read the first half
of the records committing each, one member closes (commit, LeaveGroup), the
other is given every partition and reads the second half. Across both,
every record exactly once, in order per partition, with its key and value.
"""
import sys
import time

import confluent_kafka as ck

from _clients import Confluent
from _kt import check_consumed, check_produced, fail, log, messages, pump

TOPIC, PARTS, GROUP, N = "reb", 4, "reb-group", 400


def member(addr, got, name):
    c = ck.Consumer({"bootstrap.servers": addr, "group.id": GROUP,
                     "auto.offset.reset": "earliest",
                     "enable.auto.commit": False,
                     "session.timeout.ms": 6000,
                     "heartbeat.interval.ms": 300})
    m = {"c": c, "assigned": [], "name": name}

    def on_assign(_, parts):
        m["assigned"] = sorted(p.partition for p in parts)

    c.subscribe([TOPIC], on_assign=on_assign)
    return m


def main():
    addr = sys.argv[1]
    cl = Confluent(addr)
    cl.create_topic(TOPIC, PARTS)
    got = []
    a, b = member(addr, got, "A"), member(addr, got, "B")
    pump([a, b], got, lambda: a["assigned"] and b["assigned"] and
         sorted(a["assigned"] + b["assigned"]) == list(range(PARTS)),
         "the two members to split the partitions")
    log("A has %s, B has %s" % (a["assigned"], b["assigned"]))
    first = messages("reb", 0, N)
    acked = cl.produce(TOPIC, first)
    nxt = check_produced(first, acked)
    pump([a, b], got, lambda: len(got) >= N, "the first %d records" % N)
    b["c"].close()
    pump([a], got, lambda: a["assigned"] == list(range(PARTS)),
         "A to be given every partition")
    second = messages("reb", N, N)
    acked2 = cl.produce(TOPIC, second)
    check_produced(second, acked2, nxt)
    pump([a], got, lambda: len(got) >= 2 * N, "all %d records" % (2 * N))
    end = time.time() + 1.5
    pump([a], got, lambda: time.time() > end, "nothing more")
    a["c"].close()
    check_consumed(acked + acked2, got, "two members")
    log("rebalance: %d records once across two members" % len(got))


if __name__ == "__main__":
    main()
