#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kafka-longpoll.sh — the cost of parked long-poll fetches: produce rate
# on one topic with 0 / 1,000 / 4,000 consumers parked on another (one
# run, ratios against the 0-parked rate), and how soon a parked fetch is
# answered after the append that satisfies it (p50 / p99).
#
#   bench/kafka-longpoll.sh [--build DIR] [--seconds S] [-- BROKER OPTIONS...]
#
# Client (bench/kafka-longpoll.py, /usr/bin/python3) and broker share the
# machine. Needs about 4,100 descriptors on each side.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
secs=3
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$(cd "$2" && pwd); shift 2 ;;
	--seconds) secs=$2; shift 2 ;;
	--) shift; break ;;
	*) sed -n '2,12p' "$0"; exit 2 ;;
	esac
done
. "$here/bench/kafka-common.sh"
kb_scratch kafka-longpoll
ulimit -n 16384 2>/dev/null || zb_skip "cannot raise the descriptor limit"

echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(uname -r)"
echo "broker:  $ZB_BIN $*"
# A broker that has the per-address limit needs it raised for 4,000.
lim=()
grep -qa max.connections.per.ip "$ZB_BIN" && lim=(--set max.connections.per.ip=10000)
zb_start "$ZC_TMP/data" "${lim[@]}" "$@"
/usr/bin/python3 "$here/bench/kafka-longpoll.py" "$ZB_ADDR" "$secs" "$ZB_PID" ||
	zb_fail "kafka-longpoll.py"
zb_stop
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
