#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kafka-fetch-zc.sh — what zero copy buys zcbroker's Fetch path. One data
# set (SIZE MiB of 1 KiB records in one partition, written through
# librdkafka) is served by the broker restarted with zc.fetch.method=sendfile
# and with read-write, alternately, ROUNDS times each; bench/kafka-fetch-zc
# (hand-written Fetch v4, responses dropped in the kernel) loads it for
# SECONDS per run and reads the broker's CPU time from /proc. Prints each
# run and the median ratios sendfile / read-write of throughput, of broker
# CPU per GiB served, and of broker + ksoftirqd CPU per GiB (network
# softirq work the broker's own figure misses when it overflows there).
#
# On loopback the sender's CPU also pays for much of the receive side of
# TCP, and how much depends on whether sender and receiver share a CPU. So
# each run is pinned with taskset in one of two placements, reported
# apart: "shared" (broker and client both on CPU 0) and "split" (broker on
# CPU 0, client on CPU 1; needs 2 CPUs). "none" leaves placement to the
# scheduler.
#
# Each placement also runs the bare peer (label "bare"): the same segment
# files served by bench/sendfile-serve (a blocking sendfile loop, 256 KiB
# pieces, nothing else) with the same response sizes, to the same
# discarding client (kafka-fetch-zc --raw) with the same CPU placement.
# The broker's throughput is printed as a ratio of it (goal: >= 0.9x).
#
# --veth (root) runs the client in its own network namespace, joined to
# the broker by a veth pair, instead of over loopback: the same machine,
# but traffic crosses a device pair as it would a NIC (TCP segmentation
# still happens in software, and the receive side still runs on the
# sending CPU unless RPS steers it elsewhere). It uses 10.231.0.0/30, so
# one --veth run at a time.
#
#   bench/kafka-fetch-zc.sh [--build DIR] [--mib SIZE] [--secs SECONDS]
#                           [--rounds N] [--methods "sendfile read-write ..."]
#                           [--placements "shared split none"] [--veth]
#                           [-- kafka-fetch-zc options]
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
mib=256
secs=5
rounds=2
methods="sendfile read-write"
placements="shared split"
veth=
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$(cd "$2" && pwd); shift 2 ;;
	--mib) mib=$2; shift 2 ;;
	--secs) secs=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--methods) methods=$2; shift 2 ;;
	--placements) placements=$2; shift 2 ;;
	--veth) veth=1; shift ;;
	--) shift; break ;;
	*) sed -n '2,31p' "$0"; exit 2 ;;
	esac
done
export ZC_SRC=$here ZC_BUILD=$build
ZC_TMP=$(mktemp -d /var/tmp/kafka-fetch-zc.XXXXXX)
export ZC_TMP
. "$here/tests/broker/_lib.sh"
ns=zcfz$$
spid=
trap '[ -z "$spid" ] || kill $spid 2>/dev/null; zb_cleanup; rm -rf "$ZC_TMP"; [ -z "$veth" ] || ip netns del $ns 2>/dev/null' EXIT
zb_need_broker
fz=$build/bench/kafka-fetch-zc
load=$build/bench/kafka-load
serve=$build/bench/sendfile-serve
[ -x "$fz" ] && [ -x "$load" ] && [ -x "$serve" ] ||
	zb_skip "no $fz or $load: run make BUILD=$build bench-bin"

command -v taskset >/dev/null || placements=none
[ "$(nproc)" -ge 2 ] || placements=${placements//split/}
# The client's address for the broker: loopback, or across the veth pair.
host=127.0.0.1
nsexec=()
if [ -n "$veth" ]; then
	[ "$(id -u)" = 0 ] || zb_skip "--veth needs root"
	ip netns add $ns && ip link add zfa$$ type veth peer name zfb$$ &&
		ip link set zfb$$ netns $ns &&
		ip addr add 10.231.0.1/30 dev zfa$$ && ip link set zfa$$ up &&
		ip -n $ns addr add 10.231.0.2/30 dev zfb$$ &&
		ip -n $ns link set zfb$$ up ||
		zb_fail "cannot set up the veth pair"
	host=10.231.0.1
	nsexec=(ip netns exec $ns)
	export ZB_LISTEN=$host:0
fi
data=$ZC_TMP/data
echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(uname -r)"
zb_start "$data"
"$load" -b "$host:$ZB_PORT" -t zc -s 1024 -n $((mib * 1024)) -p 1 --produce-only ||
	zb_fail "filling the topic"
zb_stop
[ -z "$veth" ] || echo "client in network namespace $ns over veth ($host)"
echo "data: $mib MiB of 1 KiB records in zc-0 ($(du -sh "$data/zc-0" | cut -f1) on disk)"

out=$ZC_TMP/runs
for ((r = 1; r <= rounds; r++)); do
	for pl in $placements; do
		case $pl in
		shared) bcpu=0 ccpu=0 ;;
		split) bcpu=0 ccpu=1 ;;
		*) bcpu= ccpu= ;;
		esac
		for m in $methods; do
			zb_start "$data" --set zc.fetch.method="$m"
			cl=()
			if [ -n "$bcpu" ]; then
				taskset -a -p -c "$bcpu" "$ZB_PID" >/dev/null
				cl=(taskset -c "$ccpu")
			fi
			"${nsexec[@]}" "${cl[@]}" "$fz" -b "$host:$ZB_PORT" -t zc --pid "$ZB_PID" \
				--label "$pl/$m" -s "$secs" "$@" | tee -a "$out" ||
				zb_fail "kafka-fetch-zc ($m, $pl)"
			zb_stop
		done
		# The bare peer; the broker only answers the client's walk.
		zb_start "$data"
		sv=()
		[ -z "$bcpu" ] || sv=(taskset -c "$bcpu")
		"${sv[@]}" "$serve" --host "$host" "$data"/zc-0/*.log >"$ZC_TMP/serve.out" &
		spid=$!
		sport=
		for ((i = 0; i < 100; i++)); do
			sport=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$ZC_TMP/serve.out")
			[ -z "$sport" ] || break
			sleep 0.05
		done
		[ -n "$sport" ] || zb_fail "sendfile-serve did not start"
		"${nsexec[@]}" "${cl[@]}" "$fz" -b "$host:$ZB_PORT" -t zc --raw "$sport" \
			--pid "$spid" --label "$pl/bare" -s "$secs" "$@" | tee -a "$out" ||
			zb_fail "kafka-fetch-zc (bare, $pl)"
		kill $spid
		wait $spid 2>/dev/null
		spid=
		zb_stop
	done
done
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
# Medians per placement/method, then the ratios per placement.
awk '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	k = f["label"]; n[k]++
	bps[k, n[k]] = f["MiBps"]; cpg[k, n[k]] = f["cpu_s_per_GiB"]
	ccg[k, n[k]] = f["client_s_per_GiB"]
	kcg[k, n[k]] = f["cpu_s_per_GiB"] + f["ksoftirqd_s_per_GiB"]
}
END {
	for (k in n) {
		delete a; delete b; delete c; delete d
		for (i = 1; i <= n[k]; i++) {
			a[i] = bps[k, i]; b[i] = cpg[k, i]; c[i] = ccg[k, i]
			d[i] = kcg[k, i]
		}
		mb[k] = median(a, n[k]); mc[k] = median(b, n[k])
		mk[k] = median(d, n[k])
		printf "median %-20s %8.1f MiB/s  %.3f broker CPU s/GiB  %.3f with ksoftirqd  %.3f client CPU s/GiB  (%d runs)\n",
			k, mb[k], mc[k], mk[k], median(c, n[k]), n[k]
	}
	split("shared split none", pls, " ")
	for (i = 1; i <= 3; i++) {
		s = pls[i] "/sendfile"; r = pls[i] "/read-write"
		if ((s in mb) && (r in mb) && mb[r] > 0 && mc[r] > 0 && mk[r] > 0)
			printf "%s: sendfile / read-write: throughput %.2fx, broker CPU per GiB %.2fx (with ksoftirqd %.2fx)\n",
				pls[i], mb[s] / mb[r], mc[s] / mc[r], mk[s] / mk[r]
		bk = pls[i] "/bare"
		if (!(bk in mb) || mb[bk] <= 0 || mc[bk] <= 0)
			continue
		for (k in mb)
			if (index(k, pls[i] "/") == 1 && k != bk)
				printf "%s: broker (%s) / bare sendfile loop: throughput %.2fx (goal >= 0.9x), CPU per GiB %.2fx\n",
					pls[i], substr(k, length(pls[i]) + 2), mb[k] / mb[bk], mc[k] / mc[bk]
	}
}' "$out"
