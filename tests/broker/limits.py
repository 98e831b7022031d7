# SPDX-License-Identifier: MIT
"""limits.py ADDR PID CASE — connection limits on raw sockets (limits.sh
starts the broker with the setting each case needs):

  idle     connections.max.idle.ms=1000: a silent connection and one that
           stalls half-way through a frame are closed within a few seconds;
           one that keeps talking stays open.
  perip    max.connections.per.ip=3: the fourth connection is closed.
  maxconn  max.connections=4: the fifth is not served until one closes.
  queued   queued.max.request.bytes=1048576: while 1.5 MB of one request
           sit half-received, another connection's request waits; it is
           answered once that request's connection goes.
  rbuf     30 connections each declare a 90 MB frame and send 200 bytes:
           the broker's data segment grows by far less than 30 x 90 MB
           (buffers grow with bytes that arrived).
  rss      zc.connection.output.max.bytes=4194304: three clients pipeline
           2,000 Fetch requests each (answers of about 15 KB, 30 MB per
           client if nothing held them back) and read nothing; the
           broker's RSS grows by less than 40 MB (3 x (4 MiB owed + 4 MiB
           of requests waiting) and slack), and after the clients leave it
           comes back within 16 MB of where it was.
"""
import socket
import struct
import sys
import time

from _kraw import (batch, connect, fetch_v4, produce_v3, read_frame, request,
                   wait_closed)
from _kt import fail, log

ADDR, PID, CASE = sys.argv[1], int(sys.argv[2]), sys.argv[3]
NFETCH = int(sys.argv[4]) if len(sys.argv) > 4 else 2000


def status_kb(field):
    with open("/proc/%d/status" % PID) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    fail("no %s in /proc/%d/status" % (field, PID))


def versions(s, corr, timeout=5):
    s.sendall(request(18, 0, corr))
    return read_frame(s, timeout=timeout)


def answered(r, corr):
    return isinstance(r, tuple) and r[0] == corr


if CASE == "idle":
    silent = connect(ADDR)
    half = connect(ADDR)
    half.sendall(struct.pack(">i", 100) + b"\0" * 10)
    busy = connect(ADDR)
    t0 = time.time()
    for i in range(10):  # 3 s of traffic on `busy`
        if not answered(versions(busy, 100 + i), 100 + i):
            fail("a busy connection was not served")
        time.sleep(0.3)
    for name, s in (("silent", silent), ("half-sent frame", half)):
        if not wait_closed(s, timeout=6):
            fail("%s connection still open after %.1f s" %
                 (name, time.time() - t0))
        log("%s connection closed after %.1f s" % (name, time.time() - t0))
    if not answered(versions(busy, 200), 200):
        fail("the busy connection was closed")
elif CASE == "perip":
    conns = [connect(ADDR) for _ in range(3)]
    for i, s in enumerate(conns):
        if not answered(versions(s, i), i):
            fail("connection %d of 3 not served" % (i + 1))
    extra = connect(ADDR)
    if not wait_closed(extra, timeout=5):
        fail("a fourth connection from one address stayed open")
    if not answered(versions(conns[0], 9), 9):
        fail("the first three stopped being served")
elif CASE == "maxconn":
    conns = [connect(ADDR) for _ in range(4)]
    for i, s in enumerate(conns):
        if not answered(versions(s, i), i):
            fail("connection %d of 4 not served" % (i + 1))
    extra = connect(ADDR)
    r = versions(extra, 50, timeout=1.5)
    if r != "silent":
        fail("a fifth connection was served (%r)" % (r,))
    conns[0].close()
    r = read_frame(extra, timeout=5)
    if not answered(r, 50):
        fail("the fifth connection not served after one closed: %r" % (r,))
elif CASE == "queued":
    big = connect(ADDR)
    big.sendall(struct.pack(">i", 3 << 20) + b"\0" * (1536 << 10))
    time.sleep(0.5)
    other = connect(ADDR)
    r = versions(other, 60, timeout=1.5)
    if r != "silent":
        fail("served over queued.max.request.bytes: %r" % (r,))
    big.close()
    r = read_frame(other, timeout=5)
    if not answered(r, 60):
        fail("not served once the big request went: %r" % (r,))
elif CASE == "rbuf":
    before = status_kb("VmData")
    conns = []
    for _ in range(30):
        s = connect(ADDR)
        s.sendall(struct.pack(">i", 90 << 20) + b"\1" * 100)
        conns.append(s)
    time.sleep(0.3)
    for s in conns:  # more of the frame, once its size is known
        s.sendall(b"\2" * 100)
    time.sleep(1)
    grew = status_kb("VmData") - before
    log("data segment grew by %d KiB for 30 declared 90 MB frames" % grew)
    if grew > 32 << 10:
        fail("read buffers sized by declared lengths: +%d KiB" % grew)
    for s in conns:
        s.close()
elif CASE == "rss":
    p = connect(ADDR)
    p.sendall(request(0, 3, 1, produce_v3("rss", 0,
                                          batch([b"v" * 100] * 10,
                                                ts=int(time.time() * 1000)))))
    r = read_frame(p)
    if not answered(r, 1):
        fail("produce: %r" % (r,))
    p.close()
    time.sleep(0.5)
    base = status_kb("VmRSS")
    peak = base
    clients = []
    # Each fetch names 400 partitions of which 399 do not exist: answered
    # at once, about 15 KB of memory each.
    parts = b"".join(struct.pack(">iqi", p, 0, 1 << 16) for p in range(400))
    body = (struct.pack(">iiiibi", -1, 0, 1, 1 << 20, 0, 1) +
            struct.pack(">h", 3) + b"rss" + struct.pack(">i", 400) + parts)
    for c in range(3):
        s = connect(ADDR)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        reqs = b"".join(request(1, 4, 1000 + i, body) for i in range(NFETCH))
        s.setblocking(False)
        sent = 0
        end = time.time() + 5
        while sent < len(reqs) and time.time() < end:
            try:
                sent += s.send(reqs[sent:])
            except BlockingIOError:
                time.sleep(0.01)
            peak = max(peak, status_kb("VmRSS"))
        clients.append(s)
        log("client %d: sent %d of %d request bytes" % (c, sent, len(reqs)))
    for _ in range(20):
        time.sleep(0.1)
        peak = max(peak, status_kb("VmRSS"))
    for s in clients:
        s.close()
    time.sleep(3)
    after = status_kb("VmRSS")
    log("VmRSS: %d KiB before, %d KiB at most with 3 clients not reading "
        "2,000 pipelined fetches each, %d KiB after they left" %
        (base, peak, after))
    if peak - base > 40 << 10:
        fail("RSS grew by %d KiB" % (peak - base))
    if after - base > 16 << 10:
        fail("RSS did not come back: +%d KiB" % (after - base))
else:
    fail("unknown case " + CASE)
log("ok: " + CASE)
