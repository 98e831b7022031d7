#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kafka-fetch-zc.sh — what zero copy buys zcbroker's Fetch path. One data
# set (SIZE MiB of 1 KiB records in one partition, written through
# librdkafka) is served by the broker restarted with zc.fetch.method=sendfile
# and with read-write, alternately, ROUNDS times each; bench/kafka-fetch-zc
# (hand-written Fetch v4, responses dropped in the kernel) loads it for
# SECONDS per run and reads the broker's CPU time from /proc. Prints each
# run and the mean ratios sendfile / read-write of throughput and of broker
# CPU per GiB served. With two CPUs or more the broker is pinned to CPU 0
# and the client to CPU 1 (--no-pin to let the scheduler place them), so the
# broker's own core is what runs out.
#
#   bench/kafka-fetch-zc.sh [--build DIR] [--mib SIZE] [--secs SECONDS]
#                           [--rounds N] [--methods "sendfile read-write ..."]
#                           [--no-pin] [-- kafka-fetch-zc options]
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
mib=256
secs=5
rounds=2
methods="sendfile read-write"
pin=1
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$(cd "$2" && pwd); shift 2 ;;
	--mib) mib=$2; shift 2 ;;
	--secs) secs=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--methods) methods=$2; shift 2 ;;
	--no-pin) pin=; shift ;;
	--) shift; break ;;
	*) sed -n '2,19p' "$0"; exit 2 ;;
	esac
done
export ZC_SRC=$here ZC_BUILD=$build
ZC_TMP=$(mktemp -d /var/tmp/kafka-fetch-zc.XXXXXX)
export ZC_TMP
. "$here/tests/broker/_lib.sh"
trap 'zb_cleanup; rm -rf "$ZC_TMP"' EXIT
zb_need_broker
fz=$build/bench/kafka-fetch-zc
load=$build/bench/kafka-load
[ -x "$fz" ] && [ -x "$load" ] ||
	zb_skip "no $fz or $load: run make BUILD=$build bench-bin"

[ "$(nproc)" -ge 2 ] || pin=
client_pin=()
[ -n "$pin" ] && client_pin=(taskset -c 1)
data=$ZC_TMP/data
echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(uname -r)"
zb_start "$data"
"$load" -b "$ZB_ADDR" -t zc -s 1024 -n $((mib * 1024)) -p 1 --produce-only ||
	zb_fail "filling the topic"
zb_stop
echo "pinning: ${pin:+broker on CPU 0, client on CPU 1}${pin:-none}"
echo "data: $mib MiB of 1 KiB records in zc-0 ($(du -sh "$data/zc-0" | cut -f1) on disk)"

out=$ZC_TMP/runs
for ((r = 1; r <= rounds; r++)); do
	for m in $methods; do
		zb_start "$data" --set zc.fetch.method="$m"
		[ -n "$pin" ] && taskset -a -p -c 0 "$ZB_PID" >/dev/null
		"${client_pin[@]}" "$fz" -b "$ZB_ADDR" -t zc --pid "$ZB_PID" --label "$m" -s "$secs" \
			"$@" | tee -a "$out" || zb_fail "kafka-fetch-zc ($m)"
		zb_stop
	done
done
awk '
{
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	m = f["label"]; n[m]++; bps[m] += f["MiBps"]; cpg[m] += f["cpu_s_per_GiB"]
}
END {
	for (m in n)
		printf "mean %-10s %8.1f MiB/s  %.3f broker CPU s/GiB\n", m,
			bps[m] / n[m], cpg[m] / n[m]
	if (n["sendfile"] && n["read-write"] && cpg["read-write"] > 0) {
		printf "sendfile / read-write: throughput %.2fx, broker CPU per GiB %.2fx\n",
			(bps["sendfile"] / n["sendfile"]) / (bps["read-write"] / n["read-write"]),
			(cpg["sendfile"] / n["sendfile"]) / (cpg["read-write"] / n["read-write"])
	}
}' "$out"
