#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# zc-send-veth.sh — the zero-copy send methods side by side: one file sent
# over TCP again and again with sendfile, msg-zerocopy and io-uring-zc
# (bench/zc-send.c), to a receiver that discards in the kernel, sender on
# CPU 0 and receiver on CPU 1. Twice:
#   loopback  both ends in this network namespace (127.0.0.1), where the
#             kernel copies every zero-copy send when it delivers it;
#   veth      (root) sender and receiver each in a network namespace of
#             their own, created here and joined by a veth pair
#             (10.200.0.1/24 and 10.200.0.2/24, only inside them), the
#             closest path to a NIC on a machine without one. The
#             namespaces are deleted at the end, whatever happens.
# Methods take turns, ROUNDS times; prints each run, the medians, and the
# ratios to sendfile of the same path. Bounded: about
# 2 paths x 3 methods x ROUNDS x SECS seconds.
#
#   bench/zc-send-veth.sh [--build DIR] [--mib N] [--secs S] [--rounds N]
#                         [--methods "sendfile msg-zerocopy io-uring-zc"]
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
mib=64 secs=2 rounds=3
methods="sendfile msg-zerocopy io-uring-zc"
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$(cd "$2" && pwd); shift 2 ;;
	--mib) mib=$2; shift 2 ;;
	--secs) secs=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--methods) methods=$2; shift 2 ;;
	*) sed -n '2,22p' "$0"; exit 2 ;;
	esac
done
make -s -C "$here" BUILD="$build" "$build/bench/zc-send" >/dev/null || exit 1
zs=$build/bench/zc-send
tmp=$(mktemp -d /var/tmp/zc-send.XXXXXX)
nsa=zcsa$$ nsb=zcsb$$
rpid=
cleanup() {
	[ -z "$rpid" ] || kill "$rpid" 2>/dev/null
	ip netns del $nsa 2>/dev/null
	ip netns del $nsb 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
head -c $((mib << 20)) /dev/urandom >"$tmp/file"
cat "$tmp/file" >/dev/null
cpu_r=1
[ "$(nproc)" -ge 2 ] || cpu_r=0
echo "machine: $(nproc) CPUs, $(uname -sr); file $mib MiB in the page cache; $secs s a run"
out=$tmp/runs

# run PATHNAME SEND_PREFIX RECV_PREFIX HOST
run() {
	local path=$1 host=$4 port=$((20000 + $$ % 20000)) m r
	read -r -a sp <<<"$2"
	read -r -a rp <<<"$3"
	"${rp[@]}" "$zs" --listen $port --cpu $cpu_r >"$tmp/recv.out" 2>&1 &
	rpid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q listening "$tmp/recv.out" && break
		sleep 0.05
	done
	for ((r = 1; r <= rounds; r++)); do
		for m in $methods; do
			line=$(timeout $((secs + 30)) "${sp[@]}" "$zs" --to "$host:$port" \
				--file "$tmp/file" --method "$m" --secs "$secs" --cpu 0)
			echo "$path $line" | tee -a "$out"
		done
	done
	kill "$rpid"
	wait "$rpid" 2>/dev/null
	rpid=
}

run loopback "" "" 127.0.0.1
if [ "$(id -u)" = 0 ]; then
	ip netns add $nsa && ip netns add $nsb &&
		ip link add zcva$$ netns $nsa type veth peer name zcvb$$ netns $nsb &&
		ip -n $nsa addr add 10.200.0.1/24 dev zcva$$ &&
		ip -n $nsb addr add 10.200.0.2/24 dev zcvb$$ &&
		ip -n $nsa link set zcva$$ up && ip -n $nsb link set zcvb$$ up &&
		ip -n $nsa link set lo up && ip -n $nsb link set lo up ||
		{ echo "cannot set up the namespaces and the veth pair"; exit 1; }
	run veth "ip netns exec $nsa" "ip netns exec $nsb" 10.200.0.2
else
	echo "veth: skipped (needs root)"
fi
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
awk '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
$2 ~ /^method=/ && $3 ~ /^MiBps=/ {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	k = $1 " " f["method"]; n[k]++
	bps[k, n[k]] = f["MiBps"]; cpu[k, n[k]] = f["cpu_s_per_GiB"]
	cp[k, n[k]] = f["zc_copied_pct"]
}
END {
	for (k in n) {
		delete a; delete b; delete c
		for (i = 1; i <= n[k]; i++) { a[i] = bps[k, i]; b[i] = cpu[k, i]; c[i] = cp[k, i] }
		mb[k] = median(a, n[k]); mc[k] = median(b, n[k])
		printf "median %-24s %8.1f MiB/s  %.3f sender CPU s/GiB  %5.1f %% copied by the kernel  (%d runs)\n",
			k, mb[k], mc[k], median(c, n[k]), n[k]
	}
	for (k in n) {
		split(k, pm, " ")
		s = pm[1] " sendfile"
		if (pm[2] != "sendfile" && (s in mb) && mb[s] > 0 && mc[s] > 0)
			printf "%s: %s / sendfile: throughput %.2fx, sender CPU per GiB %.2fx\n",
				pm[1], pm[2], mb[k] / mb[s], mc[k] / mc[s]
	}
}' "$out"
