# SPDX-License-Identifier: MIT
"""static_members.py ADDR BROKER_LOG — static membership (KIP-345) with
librdkafka's group client (confluent-kafka): three consumers with a
group.instance.id each split a 4-partition topic and read the first half
of the records, committing each. One of them is closed (a static member
sends no LeaveGroup) and started again with the same group.instance.id:
it gets its partitions back while the other two see no rebalance (their
assignment callbacks are not called again, the broker logs no rebalance,
their member ids stay and the group's generation stays). Then all three
read the second half. Across all, every record exactly once, in order per
partition, with its key and value. Last, a second process with one
member's instance id takes its slot and the first is fenced.
"""
import re
import sys
import time

import confluent_kafka as ck
from kafka.admin import KafkaAdminClient

from _clients import Confluent
from _kt import check_consumed, check_produced, fail, log, messages, pump

TOPIC, PARTS, GROUP, N = "stat", 4, "stat-group", 400


def member(addr, name):
    c = ck.Consumer({"bootstrap.servers": addr, "group.id": GROUP,
                     "group.instance.id": "inst-" + name,
                     "auto.offset.reset": "earliest",
                     "enable.auto.commit": False,
                     "session.timeout.ms": 10000,
                     "heartbeat.interval.ms": 300})
    m = {"c": c, "assigned": [], "name": name, "assigns": 0, "revokes": 0}

    def on_assign(_, parts):
        m["assigns"] += 1
        m["assigned"] = sorted(p.partition for p in parts)

    def on_revoke(_, parts):
        m["revokes"] += 1
        m["assigned"] = []

    c.subscribe([TOPIC], on_assign=on_assign, on_revoke=on_revoke)
    return m


def broker_log(path):
    with open(path, errors="replace") as f:
        return f.read()


def members(addr):
    """Member ids of the group by instance (DescribeGroups)."""
    adm = KafkaAdminClient(bootstrap_servers=addr)
    try:
        g = adm.describe_consumer_groups([GROUP])[0]
    finally:
        adm.close()
    if g.state != "Stable":
        fail("group state %s, not Stable" % g.state)
    return sorted(m.member_id for m in g.members)


def main():
    addr, logpath = sys.argv[1], sys.argv[2]
    cl = Confluent(addr)
    cl.create_topic(TOPIC, PARTS)
    got = []
    ms = [member(addr, n) for n in ("a", "b", "c")]
    pump(ms, got, lambda: all(m["assigned"] for m in ms) and
         sorted(sum((m["assigned"] for m in ms), [])) == list(range(PARTS)),
         "the three members to split the partitions")
    first = messages("stat", 0, N)
    acked = cl.produce(TOPIC, first)
    nxt = check_produced(first, acked)
    pump(ms, got, lambda: len(got) >= N, "the first %d records" % N)
    a, b, c = ms
    log("a has %s, b has %s, c has %s" %
        (a["assigned"], b["assigned"], c["assigned"]))
    before_ids = members(addr)
    text = broker_log(logpath)
    rebalances = text.count("group %s: rebalancing" % GROUP)
    gens = re.findall(r"group %s: generation (\d+) " % GROUP, text)
    gen = gens[-1] if gens else None
    calls = [(m["assigns"], m["revokes"]) for m in (b, c)]

    # Restart a: closed without leaving, back with the same instance id.
    a_parts = a["assigned"]
    a["c"].close()
    a2 = member(addr, "a")
    pump([a2, b, c], got, lambda: a2["assigned"] == a_parts,
         "the restarted member to get %s back" % a_parts)
    end = time.time() + 2
    pump([a2, b, c], got, lambda: time.time() > end, "a quiet group")
    if [(m["assigns"], m["revokes"]) for m in (b, c)] != calls:
        fail("the other members were rebalanced: %s -> %s" %
             (calls, [(m["assigns"], m["revokes"]) for m in (b, c)]))
    text = broker_log(logpath)
    if text.count("group %s: rebalancing" % GROUP) != rebalances:
        fail("the broker rebalanced the group on the restart")
    if not re.search(r"group %s: static member inst-a is now " % GROUP,
                     text):
        fail("the broker did not log the replacement of inst-a")
    if ("group %s: generation %s kept" % (GROUP, gen)) not in text:
        fail("generation %s not kept" % gen)
    after_ids = members(addr)
    kept = set(before_ids) & set(after_ids)
    if len(after_ids) != 3 or len(kept) != 2:
        fail("member ids before %s, after %s: only inst-a's should change"
             % (before_ids, after_ids))
    log("restart of inst-a: generation %s kept, b and c untouched" % gen)

    second = messages("stat", N, N)
    acked2 = cl.produce(TOPIC, second)
    check_produced(second, acked2, nxt)
    ms = [a2, b, c]
    pump(ms, got, lambda: len(got) >= 2 * N, "all %d records" % (2 * N))
    end = time.time() + 1.5
    pump(ms, got, lambda: time.time() > end, "nothing more")
    check_consumed(acked + acked2, got, "three static members")

    # A second process with c's instance id: it takes the slot, and the
    # first c is fenced (FENCED_INSTANCE_ID on its next heartbeat, which
    # librdkafka reports as a fatal error).
    c_parts = c["assigned"]
    c2 = member(addr, "c")
    fenced, end = None, time.time() + 20
    while fenced is None or c2["assigned"] != c_parts:
        if time.time() > end:
            fail("no fencing of the old inst-c (fenced: %s, new c has %s)"
                 % (fenced, c2["assigned"]))
        for m in (c, c2):
            r = m["c"].poll(0.05)
            if r is not None and r.error():
                if m is c2:
                    fail("the new inst-c: %s" % r.error())
                fenced = r.error()
    if fenced.code() not in (ck.KafkaError._FATAL,
                             ck.KafkaError.FENCED_INSTANCE_ID):
        fail("the old inst-c got %s, not a fencing" % fenced)
    log("the old inst-c was fenced: %s" % fenced.str())
    for m in (a2, b, c2, c):
        m["c"].close()
    log("static members: %d records once, one restart, no rebalance" %
        len(got))


if __name__ == "__main__":
    main()
