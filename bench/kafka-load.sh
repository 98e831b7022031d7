#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kafka-load.sh — produce and consume throughput of zcbroker through
# librdkafka (bench/kafka-load.c), against a fresh broker whose data lives
# in a new directory on the root file system, for 100-byte and 1 KiB
# records. Client and broker share this machine.
#
#   bench/kafka-load.sh [--build DIR] [--n100 RECORDS] [--n1k RECORDS]
#                       [--partitions N] [--compare REV [--ncmp RECORDS]]
#                       [-- BROKER OPTIONS...]
#
# --compare REV: instead, produce-only runs of 100-byte records, plain and
# zstd- and lz4-compressed, against this broker ("after") and the broker
# of git revision REV built into a scratch directory ("before"), three
# rounds alternating the two, and print medians and after/before ratios
# of the produce rate and of the broker's CPU time per record (utime +
# stime from /proc/PID/stat; steadier than rates on a busy machine):
# what checking every record of every batch costs produce.
#
# Needs `make bench-bin` (BUILD/bench/kafka-load) and BUILD/zcbroker.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
n100=5000000
n1k=1000000
parts=3
rev=
ncmp=2000000
while [ $# -gt 0 ]; do
	case "$1" in
	--compare) rev=$2; shift 2 ;;
	--ncmp) ncmp=$2; shift 2 ;;
	--build) build=$(cd "$2" && pwd); shift 2 ;;
	--n100) n100=$2; shift 2 ;;
	--n1k) n1k=$2; shift 2 ;;
	--partitions) parts=$2; shift 2 ;;
	--) shift; break ;;
	*) sed -n '2,19p' "$0"; exit 2 ;;
	esac
done
. "$here/bench/kafka-common.sh"
kb_setup kafka-load
if [ -n "$rev" ]; then
	after=$ZB_BIN
	. "$here/bench/_before.sh"
	zb_build_before "$rev"
	before=$BEFORE_BIN
	echo "before: $rev ($(git -C "$here" log -1 --format=%h "$rev")), after: $after"
	echo "command: $load -b ADDR -t T -s 100 -n $ncmp -p $parts --produce-only -X compression.codec=CODEC"
	for round in 1 2 3; do
		for which in before after; do
			for codec in none lz4 zstd; do
				if [ "$which" = before ]; then ZB_BIN=$before; else ZB_BIN=$after; fi
				zb_start "$ZC_TMP/d-$which-$codec-$round" "$@"
				"$load" -b "$ZB_ADDR" -t "c$codec" -s 100 -n "$ncmp" \
					-p "$parts" --produce-only \
					-X "compression.codec=$codec" >"$ZC_TMP/r" ||
					zb_fail "kafka-load ($which, $codec)"
				# Broker CPU (clock ticks) before it flushes at exit.
				ticks=$(awk '{ print $14 + $15 }' "/proc/$ZB_PID/stat")
				zb_stop
				rate=$(awk '/^produce:/ { print $10 }' "$ZC_TMP/r")
				us=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$ncmp" \
					'BEGIN { printf "%.3f", t / hz * 1e6 / n }')
				echo "round $round $which $codec $rate rec/s, broker $us us/record"
				echo "$which $codec $rate $us" >>"$ZC_TMP/cmp"
			done
		done
	done
	med() { awk -v w="$1" -v c="$2" -v f="$3" '$1 == w && $2 == c { print $f }' \
		"$ZC_TMP/cmp" | sort -g | sed -n 2p; }
	for codec in none lz4 zstd; do
		awk -v c="$codec" -v b="$(med before "$codec" 3)" \
			-v a="$(med after "$codec" 3)" -v cb="$(med before "$codec" 4)" \
			-v ca="$(med after "$codec" 4)" 'BEGIN {
			printf "produce %-4s medians of 3: %.0f -> %.0f rec/s (after/before %.3f); broker %.3f -> %.3f us/record (after/before %.3f)\n", c, b, a, a / b, cb, ca, ca / cb }'
	done
	echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
	exit 0
fi
echo "broker:  $ZB_BIN $*"
zb_start "$ZC_TMP/data" "$@"
echo "commands: $load -b $ZB_ADDR -t load100 -s 100 -n $n100 -p $parts"
echo "          $load -b $ZB_ADDR -t load1k -s 1024 -n $n1k -p $parts"
"$load" -b "$ZB_ADDR" -t load100 -s 100 -n "$n100" -p "$parts" |
	tee "$ZC_TMP/r100"
[ "${PIPESTATUS[0]}" -eq 0 ] || zb_fail "kafka-load, 100-byte records"
"$load" -b "$ZB_ADDR" -t load1k -s 1024 -n "$n1k" -p "$parts" ||
	zb_fail "kafka-load, 1 KiB records"
zb_stop
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
# Kafka's published single-producer / single-consumer figures (100-byte
# records, 6-core servers, 2014): 821,557 and 940,521 records/s.
awk '/^produce:/ { printf "100 B produce: %.2fx Kafka'"'"'s 821,557 rec/s (target >= 800,000 rec/s: %s)\n", $10 / 821557, ($10 >= 800000 ? "met" : "not met") }
     /^consume:/ { printf "100 B consume: %.2fx Kafka'"'"'s 940,521 rec/s (target >= 1,000,000 rec/s: %s)\n", $10 / 940521, ($10 >= 1000000 ? "met" : "not met") }' \
	"$ZC_TMP/r100"
