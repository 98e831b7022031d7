# SPDX-License-Identifier: MIT
"""kafka-longpoll.py ADDR SECONDS BROKER_PID — what parked long-poll fetches cost.

Produce rate (acks=1 Produce v3 requests of one 100-byte record, one at a
time on one connection) to topic "busy" with 0, 1,000 and 4,000 consumers
parked in Fetch (MaxWait 120 s) on the unrelated topic "idle", each for
SECONDS; then, with the 4,000 still parked, the wake latency of a fetch
parked on "wake": from sending the produce that satisfies it to receiving
its answer, 200 times, p50 and p99. Runs in one process; ratios are
against the 0-parked figures measured in the same run. The broker's CPU
time per request (proc(5)) is printed beside the rate: on a shared
machine it is the steadier of the two.
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests",
                                "broker"))
from _kraw import batch, connect, fetch_v4, produce_v3, read_frame, request

ADDR, SECS, PID = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
HZ = os.sysconf("SC_CLK_TCK")


def broker_cpu():
    """The broker's user + system CPU seconds (proc(5), /proc/PID/stat)."""
    with open("/proc/%d/stat" % PID) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def produce_once(s, topic, corr, rec):
    s.sendall(request(0, 3, corr, produce_v3(topic, 0, rec)))
    r = read_frame(s, timeout=30)
    if not isinstance(r, tuple) or r[0] != corr:
        sys.exit("produce to %s: %r" % (topic, r))


def end_offset(topic):
    s = connect(ADDR)
    s.sendall(request(1, 4, 5, fetch_v4(topic, 0, 0, wait_ms=0)))
    r = read_frame(s)
    s.close()
    off = 4 + 4 + 2 + len(topic) + 4 + 4 + 2
    return struct.unpack_from(">q", r[1], off)[0]


def rate(p, rec):
    """Requests per second, and broker CPU microseconds per request."""
    n, corr = 0, 1000
    c0 = broker_cpu()
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < SECS:
        for _ in range(50):
            corr += 1
            produce_once(p, "busy", corr, rec)
        n += 50
    el = time.perf_counter() - t0
    return n / el, (broker_cpu() - c0) / n * 1e6


rec = batch([b"r" * 100], ts=int(time.time() * 1000))  # no rolls
p = connect(ADDR)
for t in ("busy", "idle", "wake"):
    produce_once(p, t, 1, rec)
idle_end = end_offset("idle")
parked = []


def park(n):
    for _ in range(n):
        s = connect(ADDR)
        s.sendall(request(1, 4, 7, fetch_v4("idle", 0, idle_end,
                                            wait_ms=120000)))
        parked.append(s)
    time.sleep(1)  # let the broker take them all


rates, cpus = {}, {}
for target in (0, 1000, 4000):
    park(target - len(parked))
    rates[target], cpus[target] = rate(p, rec)
    print("parked %5d: %8.0f produce requests/s, broker %.1f us CPU each" %
          (target, rates[target], cpus[target]))
for target in (1000, 4000):
    print("%d parked / 0 parked: rate %.3f, broker CPU per request %.3f" %
          (target, rates[target] / rates[0], cpus[target] / cpus[0]))

lat = []
w = connect(ADDR)
end = end_offset("wake")
for i in range(200):
    w.sendall(request(1, 4, 10 + i, fetch_v4("wake", 0, end,
                                             wait_ms=120000)))
    time.sleep(0.002)  # parked by now
    t0 = time.perf_counter()
    p.sendall(request(0, 3, 9, produce_v3("wake", 0, rec)))
    r = read_frame(w, timeout=30)
    lat.append(time.perf_counter() - t0)
    if not isinstance(r, tuple) or r[0] != 10 + i:
        sys.exit("wake fetch %d: %r" % (i, r))
    read_frame(p, timeout=30)
    end += 1
lat.sort()
print("wake latency with %d parked: p50 %.2f ms, p99 %.2f ms, max %.2f ms" %
      (len(parked), lat[len(lat) // 2] * 1000,
       lat[int(len(lat) * 0.99) - 1] * 1000, lat[-1] * 1000))
for s in parked:
    s.close()
