# SPDX-License-Identifier: MIT
"""group_admin.py — the Python halves of group_admin.sh.

  prepare ADDR        topics adm (2 partitions) and other (1); 40 records in
                      adm; group g-empty reads them all, commits, leaves;
                      group g-kp the same (for kafka-python's delete)
  live ADDR FLAG      a static member (instance live-1) of g-live reading
                      adm, which also commits other-0 at 5; writes FLAG.ready
                      when assigned and committed, stays until FLAG exists
  kp-delete ADDR      kafka-python's delete_consumer_groups: g-kp deleted
                      (NoError), an unknown group GroupIdNotFound; the
                      offsets are gone and the group is no longer listed
  gone ADDR           after a restart: g-empty and g-kp still have no
                      committed offsets and are not listed; g-live's
                      other-0 stays deleted, its adm offsets stay
"""
import os
import sys
import time

import confluent_kafka as ck
from kafka.admin import KafkaAdminClient
from kafka.errors import GroupIdNotFoundError, NoError

from _clients import Confluent
from _kt import check_produced, fail, log, messages

N = 40


def consumer(addr, group, extra=None):
    conf = {"bootstrap.servers": addr, "group.id": group,
            "auto.offset.reset": "earliest", "enable.auto.commit": False,
            "session.timeout.ms": 10000, "heartbeat.interval.ms": 300}
    conf.update(extra or {})
    return ck.Consumer(conf)


def read_all(addr, group, n):
    c = consumer(addr, group)
    c.subscribe(["adm"])
    got, end = 0, time.time() + 30
    while got < n:
        if time.time() > end:
            fail("%s read %d of %d records" % (group, got, n))
        r = c.poll(0.1)
        if r is None:
            continue
        if r.error():
            fail("%s: %s" % (group, r.error()))
        got += 1
        c.commit(r, asynchronous=False)
    c.close()


def committed(addr, group, tps):
    c = consumer(addr, group)
    out = c.committed([ck.TopicPartition(t, p) for t, p in tps], timeout=10)
    c.close()
    return [tp.offset for tp in out]


def listed(addr):
    adm = KafkaAdminClient(bootstrap_servers=addr)
    try:
        return {g[0] for g in adm.list_consumer_groups()}
    finally:
        adm.close()


def prepare(addr):
    cl = Confluent(addr)
    cl.create_topic("adm", 2)
    cl.create_topic("other", 1)
    msgs = messages("adm", 0, N)
    check_produced(msgs, cl.produce("adm", msgs))
    for g in ("g-empty", "g-kp"):
        read_all(addr, g, N)
        offs = committed(addr, g, [("adm", 0), ("adm", 1)])
        if sum(offs) != N:
            fail("%s committed %s, not %d in all" % (g, offs, N))
    log("g-empty and g-kp read and committed %d records" % N)


def live(addr, flag):
    c = consumer(addr, "g-live", {"group.instance.id": "live-1"})
    assigned = []
    c.subscribe(["adm"], on_assign=lambda _, ps: assigned.extend(ps))
    end = time.time() + 30
    while not assigned:
        if time.time() > end:
            fail("g-live was not assigned")
        c.poll(0.1)
    c.commit(offsets=[ck.TopicPartition("other", 0, 5),
                      ck.TopicPartition("adm", 0, 3)], asynchronous=False)
    open(flag + ".ready", "w").close()
    end = time.time() + 90
    while not os.path.exists(flag) and time.time() < end:
        c.poll(0.1)
    # A static member leaves no group behind on close; the node half
    # removed it already.
    c.close()


def kp_delete(addr):
    adm = KafkaAdminClient(bootstrap_servers=addr)
    try:
        res = dict(adm.delete_consumer_groups(["g-kp", "g-nobody"]))
    finally:
        adm.close()
    if res.get("g-kp") is not NoError:
        fail("delete g-kp: %s" % res.get("g-kp"))
    if res.get("g-nobody") is not GroupIdNotFoundError:
        fail("delete g-nobody: %s" % res.get("g-nobody"))
    if committed(addr, "g-kp", [("adm", 0), ("adm", 1)]) != [-1001] * 2:
        fail("g-kp still has committed offsets")
    if "g-kp" in listed(addr):
        fail("g-kp is still listed")
    log("kafka-python: g-kp deleted, an unknown group GROUP_ID_NOT_FOUND")


def gone(addr):
    for g in ("g-empty", "g-kp"):
        if committed(addr, g, [("adm", 0), ("adm", 1)]) != [-1001] * 2:
            fail("%s has committed offsets again after a restart" % g)
    groups = listed(addr)
    if groups & {"g-empty", "g-kp"}:
        fail("deleted groups listed after a restart: %s" % groups)
    offs = committed(addr, "g-live", [("other", 0), ("adm", 0)])
    if offs != [-1001, 3]:
        fail("g-live after a restart: other-0, adm-0 = %s" % offs)
    log("after a restart: the deletions held")


if __name__ == "__main__":
    what, addr = sys.argv[1], sys.argv[2]
    {"prepare": lambda: prepare(addr),
     "live": lambda: live(addr, sys.argv[3]),
     "kp-delete": lambda: kp_delete(addr),
     "gone": lambda: gone(addr)}[what]()
