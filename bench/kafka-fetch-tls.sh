#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kafka-fetch-tls.sh — what TLS costs zcbroker's Fetch path, and what
# kernel TLS gives back. One data set (MIB MiB of SIZE-byte records, 16 KiB
# by default, so that the consumer's per-record work does not hide the
# broker's, in one partition, written through librdkafka over PLAINTEXT) is read back from
# the start by bench/kafka-load --consume-only (librdkafka; every record
# checked) over:
#   PLAINTEXT       file slices with sendfile(2)
#   SSL (SSL_write) read from the file, encrypted and written by OpenSSL
#                   (zc.ssl.ktls=false, so kernel TLS is never used)
#   SSL (kTLS)      sendfile on a kernel TLS socket: the kernel encrypts,
#                   nothing goes through user space; only where the kernel
#                   has the TLS ULP, else the row is skipped and why said
# ROUNDS times each, in turns, a fresh broker per run, broker on CPU 0 and
# client on CPU 1 (taskset). Per run: consume throughput (kafka-load's
# figure), broker CPU per GiB (utime + stime from /proc/PID/stat over the
# client's life), client CPU per GiB, and the broker's own account of the
# path the bytes took (its fetch-bytes line at stop). Then medians and the
# ratios against PLAINTEXT measured in the same run.
#
#   bench/kafka-fetch-tls.sh [--build DIR] [--mib MIB] [--size SIZE]
#                            [--rounds N]
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
mib=256
size=16384
rounds=3
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$(cd "$2" && pwd); shift 2 ;;
	--mib) mib=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	*) sed -n '2,25p' "$0"; exit 2 ;;
	esac
done
. "$here/bench/kafka-common.sh"
kb_setup kafka-fetch-tls
. "$here/tests/broker/_tls.sh"
command -v openssl >/dev/null || zb_skip "openssl is not installed"
tls_make_pki
n=$((mib * 1048576 / size))
tck=$(getconf CLK_TCK)
data=$ZC_TMP/data
pin_b=() pin_c=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	pin_b=(taskset -c 0) pin_c=(taskset -c 1)
	echo "placement: broker on CPU 0, client on CPU 1"
fi
lst=PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0

zb_start "$data" --set "listeners=$lst" --set num.partitions=1 \
	--set "ssl.keystore.location=$PKI/server.pem"
zb_ports
"$load" -b "127.0.0.1:${ZB_PORTS[PLAINTEXT]}" -t tls -s "$size" -n $n -p 1 \
	--produce-only || zb_fail "filling the topic"
zb_stop
echo "data: $n records of $size B in tls-0 ($(du -sh "$data/tls-0" | cut -f1) on disk)"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run ROW KTLS LISTENER: one consume of everything over LISTENER.
run()
{
	local row=$1 ktls=$2 name=$3 addr b0 b1 out sec mibps bcpu ccpu acct x
	zb_start "$data" --set "listeners=$lst" --set "zc.ssl.ktls=$ktls" \
		--set "ssl.keystore.location=$PKI/server.pem"
	zb_ports
	[ ${#pin_b[@]} = 0 ] || taskset -a -p -c 0 "$ZB_PID" >/dev/null
	addr=127.0.0.1:${ZB_PORTS[$name]}
	x=()
	[ "$name" = PLAINTEXT ] ||
		x=(-X security.protocol=ssl -X "ssl.ca.location=$PKI/ca.pem")
	b0=$(cpu_ticks "$ZB_PID")
	out=$("${pin_c[@]}" /usr/bin/time -f 'client_cpu %U %S' "$load" \
		-b "$addr" -t tls -s "$size" -n $n -p 1 --consume-only "${x[@]}" 2>&1) ||
		{ echo "$out"; zb_fail "kafka-load over $row"; }
	b1=$(cpu_ticks "$ZB_PID")
	zb_stop
	sec=$(sed -n 's/^consume: .* in \([0-9.]*\) s: .*/\1/p' <<<"$out")
	mibps=$(sed -n 's/^consume: .*, \([0-9.]*\) MiB\/s.*/\1/p' <<<"$out")
	ccpu=$(awk '/^client_cpu/ { print $2 + $3 }' <<<"$out")
	acct=$(sed -n "s/.*listener $name ($name): fetch bytes //p" "$ZB_LOG")
	[ -n "$sec" ] && [ -n "$mibps" ] && [ -n "$acct" ] ||
		{ echo "$out"; zb_fail "no figures for $row"; }
	bcpu=$(awk -v t=$((b1 - b0)) -v k="$tck" 'BEGIN { print t / k }')
	awk -v r="$row" -v m="$mibps" -v s="$sec" -v b="$bcpu" -v c="$ccpu" \
		-v g="$mib" -v a="$acct" 'BEGIN {
		printf "run: row=%s MiBps=%s secs=%s broker_cpu_s=%.2f broker_s_per_GiB=%.3f client_s_per_GiB=%.3f paths: %s\n",
			r, m, s, b, b * 1024 / g, c * 1024 / g, a }' | tee -a "$ZC_TMP/runs"
}

rows="plaintext ssl-write"
why=$(zb_py tls_probe.py ulp)
if [ $? = 0 ]; then
	rows="$rows ssl-ktls"
else
	echo "row SSL (kTLS): skipped: the kernel has no TLS ULP ($why)"
fi
for ((r = 1; r <= rounds; r++)); do
	for row in $rows; do
		case $row in
		plaintext) run "$row" false PLAINTEXT ;;
		ssl-write) run "$row" false SSL ;;
		ssl-ktls) run "$row" true SSL ;;
		esac
	done
done
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
awk "$KB_MEDIAN_AWK"'
{
	for (i = 2; i <= NF; i++) {
		if (split($i, kv, "=") == 2)
			f[kv[1]] = kv[2]
	}
	k = f["row"]; n[k]++
	m[k, n[k]] = f["MiBps"]; b[k, n[k]] = f["broker_s_per_GiB"]
	c[k, n[k]] = f["client_s_per_GiB"]
}
END {
	split("plaintext ssl-write ssl-ktls", order, " ")
	for (o = 1; o <= 3; o++) {
		k = order[o]
		if (!(k in n))
			continue
		delete x; delete y; delete z
		for (i = 1; i <= n[k]; i++) {
			x[i] = m[k, i]; y[i] = b[k, i]; z[i] = c[k, i]
		}
		mm[k] = median(x, n[k]); mb[k] = median(y, n[k])
		printf "median %-10s %8.1f MiB/s  broker %.3f CPU s/GiB  client %.3f CPU s/GiB  (%d runs)\n",
			k, mm[k], mb[k], median(z, n[k]), n[k]
	}
	for (o = 2; o <= 3; o++) {
		k = order[o]
		if ((k in mm) && mm["plaintext"] > 0 && mb["plaintext"] > 0)
			printf "%s / plaintext: throughput %.2fx, broker CPU per GiB %.2fx\n",
				k, mm[k] / mm["plaintext"], mb[k] / mb["plaintext"]
	}
}' "$ZC_TMP/runs"
