#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# sasl-plain.sh — what PLAIN logins cost the other clients. PLAIN makes
# the broker run PBKDF2 (the user here has SCRAM-SHA-512 keys with 16384
# iterations, the dearest Kafka allows); it runs on a worker thread. One
# logged-in client sends Metadata requests back to back, alone and then
# while other connections log in with PLAIN as fast as they can: its
# latency p50 / p99 in both phases (ratios against the quiet phase), and
# the logins per second.
#
#   bench/sasl-plain.sh [--build DIR] [--seconds S] [--loggers N]
#
# Client (/usr/bin/python3, hand-made frames) and broker share the machine.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
secs=3
loggers=4
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$(cd "$2" && pwd); shift 2 ;;
	--seconds) secs=$2; shift 2 ;;
	--loggers) loggers=$2; shift 2 ;;
	*) sed -n '2,14p' "$0"; exit 2 ;;
	esac
done
. "$here/bench/kafka-common.sh"
kb_scratch sasl-plain
echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), load $(cut -d' ' -f1-3 /proc/loadavg)"
export ZC_BENCH_PW=bench-password
mkdir -p "$ZC_TMP/data"
printf '%s\n' "$ZC_BENCH_PW" | "$ZB_BIN" users add --data-dir "$ZC_TMP/data" \
	bench --mechanism SCRAM-SHA-512 --iterations 16384 >/dev/null ||
	zb_fail "users add"
zb_start "$ZC_TMP/data" --set listeners=SASL_PLAINTEXT://127.0.0.1:0
PYTHONPATH=$here/tests/broker /usr/bin/python3 - "$ZB_ADDR" "$secs" "$loggers" <<'PY' ||
import os, statistics, struct, sys, threading, time
import _kraw
from sasl import authenticate, call, handshake

addr, secs, loggers = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
pw = os.environ["ZC_BENCH_PW"].encode()


def login():
    s = _kraw.connect(addr)
    if handshake(s, "PLAIN") != 0 or authenticate(s, b"\0bench\0" + pw)[0]:
        raise SystemExit("FAIL: PLAIN login")
    return s


def pinger(seconds):
    s = login()
    lat = []
    end = time.time() + seconds
    while time.time() < end:
        t = time.perf_counter()
        call(s, 3, 1, _kraw.metadata_v1([]))
        lat.append((time.perf_counter() - t) * 1000)
    s.close()
    lat.sort()
    return lat[len(lat) // 2], lat[int(len(lat) * 0.99)], len(lat)


stop = threading.Event()
count = [0]


def logger():
    while not stop.is_set():
        login().close()
        count[0] += 1


q50, q99, qn = pinger(secs)
ts = [threading.Thread(target=logger) for _ in range(loggers)]
for t in ts:
    t.start()
t0 = time.time()
b50, b99, bn = pinger(secs)
stop.set()
for t in ts:
    t.join()
rate = count[0] / (time.time() - t0)
print("quiet:        Metadata p50 %.3f ms  p99 %.3f ms  (%d requests)" %
      (q50, q99, qn))
print("with logins:  Metadata p50 %.3f ms  p99 %.3f ms  (%d requests), "
      "%.0f PLAIN logins/s from %d connections" % (b50, b99, bn, rate,
                                                   loggers))
print("ratio (with logins / quiet): p50 %.2fx  p99 %.2fx" %
      (b50 / q50, b99 / q99))
PY
	zb_fail "sasl-plain client"
zb_stop
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
