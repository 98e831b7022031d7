#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kafka-load-versions.sh — does speaking the flexible versions cost
# throughput? Produce v11 / Fetch v17 (compact forms, tagged fields, the
# topic by ID in Fetch) against Produce v7 / Fetch v11, measured by the
# same client (bench/kafka-wire-load.c, which speaks the wire protocol
# itself: the system's librdkafka stops at Produce v7 and Fetch v11) on one
# broker in one run, 100-byte and 1 KiB records, five rounds alternating
# which pair goes first. Each run produces to a new topic, then fetches it
# all back (every batch checked byte for byte). Printed: the medians of
# records/s and of the broker's CPU time per record (utime + stime from
# /proc/PID/stat around each phase; steadier than rates on a busy
# machine), and new/old ratios. Goal: the new versions within 10% of the
# old (rate ratio >= 0.90, CPU ratio <= 1.10). The broker's data lives on
# tmpfs (/dev/shm) unless --disk: what is compared is the protocol path,
# and a disk's writeback stalls would swamp it; each topic is deleted
# after its fetch.
#
#   bench/kafka-load-versions.sh [--build DIR] [--n100 RECORDS]
#                                [--n1k RECORDS] [--partitions N]
#                                [--new P/F] [--old P/F] [--rounds N]
#                                [--disk]
#                                [-- BROKER OPTIONS...]
#
# Needs `make bench-bin` (BUILD/bench/kafka-wire-load) and BUILD/zcbroker.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
n100=3000000
n1k=500000
rounds=5
disk=
parts=3
new=11/17
old=7/11
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$(cd "$2" && pwd); shift 2 ;;
	--n100) n100=$2; shift 2 ;;
	--n1k) n1k=$2; shift 2 ;;
	--partitions) parts=$2; shift 2 ;;
	--new) new=$2; shift 2 ;;
	--old) old=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--disk) disk=1; shift ;;
	--) shift; break ;;
	*) sed -n '2,26p' "$0"; exit 2 ;;
	esac
done
. "$here/bench/kafka-common.sh"
kb_scratch kafka-load-versions
wire=$build/bench/kafka-wire-load
[ -x "$wire" ] || zb_skip "no $wire: run make BUILD=$build bench-bin"
echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(uname -r)"
data=$ZC_TMP/data
if [ -z "$disk" ]; then
	data=$(mktemp -d /dev/shm/kafka-load-versions.XXXXXX)
	trap 'zb_cleanup; rm -rf "$ZC_TMP" "$data"' EXIT
fi
echo "broker:  $ZB_BIN $* (data in $data)"
zb_start "$data" "$@"
hz=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$ZB_PID/stat"; }
echo "command: $wire -b ADDR -t TOPIC -s SIZE -n N -p $parts -P PRODUCE_V -F FETCH_V [--produce-only | --fetch-only]"
res=$ZC_TMP/results
for round in $(seq "$rounds"); do
	order="new old"
	[ $((round % 2)) -eq 0 ] && order="old new"
	for size in 100 1024; do
		n=$n100
		[ "$size" -eq 1024 ] && n=$n1k
		for which in $order; do
			pair=$new
			[ "$which" = old ] && pair=$old
			pv=${pair%/*} fv=${pair#*/}
			topic=v$which-$size-$round
			for phase in produce fetch; do
				t0=$(ticks)
				"$wire" -b "$ZB_ADDR" -t "$topic" -s "$size" -n "$n" \
					-p "$parts" -P "$pv" -F "$fv" \
					--"$phase"-only $([ $phase = fetch ] && echo --delete) >"$ZC_TMP/r" ||
					zb_fail "kafka-wire-load ($which, $phase, $size B)"
				t1=$(ticks)
				awk -v w="$which" -v s="$size" -v t="$((t1 - t0))" \
					-v hz="$hz" -v r="$round" '/^(produce|fetch)/ {
					printf "%s %s %s %s %.4f round %s\n", w, $1, s, $11, t / hz * 1e6 / $3, r }' \
					"$ZC_TMP/r" | tee -a "$res"
			done
		done
	done
done
zb_stop
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
# Medians of the rounds, new against old.
med() { awk -v w="$1" -v p="$2" -v s="$3" -v f="$4" \
	'$1 == w && $2 == p && $3 == s { print $f }' "$res" | sort -g |
	awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
for size in 100 1024; do
	for phase in produce fetch; do
		awk -v p="$phase" -v s="$size" -v nw="$new" -v ol="$old" \
			-v rn="$(med new "$phase" "$size" 4)" -v ro="$(med old "$phase" "$size" 4)" \
			-v cn="$(med new "$phase" "$size" 5)" -v co="$(med old "$phase" "$size" 5)" 'BEGIN {
			split(nw, a, "/"); split(ol, b, "/")
			vn = (p == "produce" ? "Produce v" a[1] : "Fetch v" a[2])
			vo = (p == "produce" ? "Produce v" b[1] : "Fetch v" b[2])
			printf "%-7s %4d B: %s %.0f rec/s vs %s %.0f rec/s (new/old %.3f, %s); broker CPU %.3f vs %.3f us/record (new/old %.3f, %s)\n",
				p, s, vn, rn, vo, ro, rn / ro, (rn / ro >= 0.9 ? "within 10%" : "NOT within 10%"),
				cn, co, cn / co, (cn / co <= 1.1 ? "within 10%" : "NOT within 10%") }'
	done
done
