# SPDX-License-Identifier: MIT
"""create_stall.py — a large CreateTopics never stalls other clients.

  big ADDR DATA   5000 partitions created on one connection while a second
                  connection alternates ApiVersions and Metadata every 2 ms;
                  the longest gap between two of its answers must stay under
                  GAP_MAX and under half the create's own time (on ext4 it
                  takes ~100 ms idle, seconds under load);
                  then Metadata lists 5000 partitions and the last one takes
                  a record and gives it back
  races ADDR DATA DeleteTopics of a topic being created removes every
                  directory it made (the create answers
                  UNKNOWN_TOPIC_OR_PARTITION); one failing half way removes
                  its directories too; a create whose connection closes
                  meanwhile still completes

  create_stall.py big|races ADDR DATA_DIR
"""
import os
import struct
import sys
import threading
import time

from _kraw import (batch, call, connect, fetch_one, metadata_v1, produce_one,
                   read_frame, request, string)
from _kt import fail, log

STEP, ADDR, DATA = sys.argv[1], sys.argv[2], sys.argv[3]
GAP_MAX = 0.25  # seconds; generous: a turn is ~2 ms of creation
PARTS = 5000


def create_body(name, parts):
    body = struct.pack(">i", 1) + string(name)
    return body + struct.pack(">ihiiib", parts, 1, 0, 0, 60000, 0)


def create_req(corr, name, parts):
    return request(19, 1, corr, create_body(name, parts))


def create_answer(r):
    """CreateTopics v1 answer of one topic: (name, error)."""
    (nl,) = struct.unpack(">h", r[4:6])
    return r[6:6 + nl].decode(), struct.unpack(">h", r[6 + nl:8 + nl])[0]


def partitions(s, name):
    """Metadata v1 of one topic: (error, [partition error...])."""
    r = call(s, 3, 1, metadata_v1([name]))
    (nb,) = struct.unpack(">i", r[:4])
    pos = 4
    for _ in range(nb):
        pos += 4
        (hl,) = struct.unpack(">h", r[pos:pos + 2])
        pos += 2 + hl + 4
        (rl,) = struct.unpack(">h", r[pos:pos + 2])
        pos += 2 + max(rl, 0)
    pos += 4 + 4  # controller, topic count (1)
    (err, nl) = struct.unpack(">hh", r[pos:pos + 4])
    pos += 4 + nl + 1
    (np,) = struct.unpack(">i", r[pos:pos + 4])
    pos += 4
    errs = []
    for _ in range(np):
        (perr, _pid, _leader, nr) = struct.unpack(">hiii", r[pos:pos + 14])
        pos += 14 + 4 * nr
        (ni,) = struct.unpack(">i", r[pos:pos + 4])
        pos += 4 + 4 * ni
        errs.append(perr)
    return err, errs


def pinger(stop, out):
    """Alternate ApiVersions and Metadata; the longest gap between two
    answers, and how many there were."""
    s = connect(ADDR)
    corr, last = 0, time.monotonic()
    while not stop.is_set():
        corr += 1
        if corr % 2:
            s.sendall(request(18, 0, corr))
        else:
            s.sendall(request(3, 1, corr, metadata_v1(["side"])))
        r = read_frame(s, timeout=60)
        if not isinstance(r, tuple) or r[0] != corr:
            out["gap"] = float("inf")
            break
        now = time.monotonic()
        out["gap"] = max(out["gap"], now - last)
        out["n"] += 1
        last = now
        time.sleep(0.002)
    s.close()


def big():
    s = connect(ADDR, timeout=120)
    stop, out = threading.Event(), {"gap": 0.0, "n": 0}
    th = threading.Thread(target=pinger, args=(stop, out), daemon=True)
    th.start()
    time.sleep(0.3)
    t = time.monotonic()
    s.sendall(create_req(7, "big", PARTS))
    r = read_frame(s, timeout=120)
    took = time.monotonic() - t
    stop.set()
    th.join()
    if not isinstance(r, tuple) or r[0] != 7:
        fail("no CreateTopics answer: %r" % (r,))
    name, err = create_answer(r[1])
    if (name, err) != ("big", 0):
        fail("create big: %s error %d" % (name, err))
    log("%d partitions created in %.0f ms; another connection had %d "
        "answers meanwhile, longest gap %.0f ms" %
        (PARTS, took * 1000, out["n"], out["gap"] * 1000))
    # Created in one go, the create's whole time is one gap for the other
    # client; made a few partitions per turn, gaps are a turn's length.
    if out["gap"] >= min(GAP_MAX, took / 2) or out["n"] < 5:
        fail("the loop stalled %.0f ms for another client (the create "
             "took %.0f ms)" % (out["gap"] * 1000, took * 1000))
    err, errs = partitions(s, "big")
    if err != 0 or len(errs) != PARTS or any(errs):
        fail("Metadata big: error %d, %d partitions" % (err, len(errs)))
    value = b"last-partition-record"
    err, base = produce_one(s, "big", batch([value]), partition=PARTS - 1)
    if err != 0 or base != 0:
        fail("produce to big-%d: error %d base %d" % (PARTS - 1, err, base))
    err, hw, recs = fetch_one(s, "big", 0, partition=PARTS - 1)
    if err != 0 or hw != 1 or value not in recs:
        fail("fetch big-%d: error %d hw %d" % (PARTS - 1, err, hw))
    log("Metadata lists %d partitions; big-%d took a record and gave it back"
        % (PARTS, PARTS - 1))


def dirs(prefix):
    return [d for d in os.listdir(DATA) if d.startswith(prefix + "-")]


def races():
    a, b = connect(ADDR, timeout=120), connect(ADDR, timeout=120)
    a.sendall(create_req(8, "gone", PARTS))
    for _ in range(500):  # until some directories exist
        if len(dirs("gone")) > 100:
            break
        time.sleep(0.005)
    body = struct.pack(">i", 1) + string("gone") + struct.pack(">i", 30000)
    r = call(b, 20, 1, body)
    (nl,) = struct.unpack(">h", r[8:10])
    derr = struct.unpack(">h", r[10 + nl:12 + nl])[0]
    r = read_frame(a, timeout=120)
    if not isinstance(r, tuple) or r[0] != 8:
        fail("no CreateTopics answer: %r" % (r,))
    cerr = create_answer(r[1])[1]
    left = dirs("gone")
    if derr != 0 or cerr != 3 or left:
        fail("delete while creating: delete error %d, create error %d, "
             "%d directories left" % (derr, cerr, len(left)))
    log("DeleteTopics of a topic being created: the create answered 3, "
        "no directory left")
    # A create failing half way (a file where a directory must go) is
    # answered KAFKA_STORAGE_ERROR and removes what it made.
    open(os.path.join(DATA, "broken-3000"), "w").close()
    r = call(a, 19, 1, create_body("broken", PARTS), timeout=120)
    left = dirs("broken")
    if create_answer(r)[1] != 56 or left != ["broken-3000"]:
        fail("failed create: error %d, left %s" %
             (create_answer(r)[1], sorted(left)[:5]))
    log("a create failing at partition 3000 left no directory behind")
    # A create whose client leaves is completed all the same.
    c = connect(ADDR)
    c.sendall(create_req(9, "orphan", 2000))
    time.sleep(0.01)
    c.close()
    for _ in range(600):
        err, errs = partitions(b, "orphan")
        if len(errs) == 2000:
            break
        time.sleep(0.05)
    if len(errs) != 2000 or any(errs) or len(dirs("orphan")) != 2000:
        fail("orphaned create: %d partitions, %d directories" %
             (len(errs), len(dirs("orphan"))))
    log("a create whose connection closed completed: 2000 partitions")


big() if STEP == "big" else races()
