#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kafka-durable.sh — what durable acknowledgements cost: produce
# throughput and latency (p50/p99, from producev() to the delivery report)
# of acks=all (answered after the group commit's fdatasync) against acks=1
# (answered from the page cache), with one and with eight producers, all
# against one broker in one run whose data lives on the root file system
# (/var/tmp). Then acks=1 and acks=all loads of the same size (eight
# producers paced to RATE records/s in all, a quarter of the durable rate
# measured above unless given) while one consumer reads a topic filled beforehand:
# the consumer must not notice the syncs (the group commit runs off the
# event loop); the paced runs' latency is the one to read for latency.
#
#   bench/kafka-durable.sh [--build DIR] [-n RECORDS] [-s SIZE] [--rate R]
#                          [-- BROKER OPTIONS...]
#
# Needs `make bench-bin` (BUILD/bench/kafka-load) and BUILD/zcbroker.
# Goal: acks=all >= 0.5x acks=1 with eight producers; the consumer (median
# of three alternating rounds) during
# the acks=all load no more than 10% slower than during the acks=1 load
# (faster is fine: it means the syncs left the loop idle, not busy).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
n=1000000
size=100
pace=
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$(cd "$2" && pwd); shift 2 ;;
	-n) n=$2; shift 2 ;;
	-s) size=$2; shift 2 ;;
	--rate) pace=$2; shift 2 ;;
	--) shift; break ;;
	*) sed -n '2,18p' "$0"; exit 2 ;;
	esac
done
. "$here/bench/kafka-common.sh"
kb_setup kafka-durable
echo "disk:    $(df -P "$ZC_TMP" | awk 'NR == 2 { print $1 }') ($(stat -f -c %T "$ZC_TMP"))"
echo "broker:  $ZB_BIN $*"
zb_start "$ZC_TMP/data" "$@"
# A bounded client queue, so latency is the broker's and not the time a
# record waits behind two million others.
common=(-b "$ZB_ADDR" -s "$size" -p 8 --produce-only
	-X queue.buffering.max.messages=5000)

# run LABEL ACKS PRODUCERS: one produce run; its line goes to $ZC_TMP/LABEL
run()
{
	"$load" "${common[@]}" -t "$1" -n "$n" --producers "$3" -X acks="$2" \
		>"$ZC_TMP/$1" || zb_fail "kafka-load $1"
	echo "$1: $(cat "$ZC_TMP/$1")"
}
rate() { awk '{ print $10 }' "$ZC_TMP/$1"; }
lat() { sed -n 's/.*latency p50 \([0-9.]*\) ms, p99 \([0-9.]*\) ms.*/\1 \2/p' "$ZC_TMP/$1"; }

echo "commands: $load ${common[*]} -t LABEL -n $n --producers N -X acks=1|all"
run acks1-p1 1 1
run durable-p1 all 1
run acks1-p8 1 8
run durable-p8 all 8

# Consumer during the load: a topic of n records read while eight
# producers write another.
"$load" -b "$ZB_ADDR" -s "$size" -p 8 -t prefill -n "$n" --produce-only \
	>/dev/null || zb_fail "prefill"
[ -n "$pace" ] || pace=$(awk -v r="$(rate durable-p8)" 'BEGIN { printf "%d", r / 4 }')
consume_during()
{
	local label=$1 acks=$2 prod
	# Long enough to outlast the consumer: 8 s of records at the pace.
	"$load" "${common[@]}" -t "$label" -n $((pace * 8)) --producers 8 \
		--rate "$pace" -X acks="$acks" >"$ZC_TMP/$label" &
	prod=$!
	sleep 1
	"$load" -b "$ZB_ADDR" -s "$size" -p 8 -t prefill -n "$n" \
		--consume-only -X group.id="c-$label" >"$ZC_TMP/c-$label" ||
		zb_fail "consumer during $label"
	kill -0 $prod 2>/dev/null || echo "note: the $label load ended before the consumer did"
	wait $prod || zb_fail "kafka-load $label"
	echo "$label (paced to $pace rec/s): $(cat "$ZC_TMP/$label")"
	echo "consumer during $label: $(cat "$ZC_TMP/c-$label")"
}
"$load" -b "$ZB_ADDR" -s "$size" -p 8 -t prefill -n "$n" --consume-only \
	-X group.id=c-idle >"$ZC_TMP/c-idle" || zb_fail "consumer alone"
echo "consumer alone: $(cat "$ZC_TMP/c-idle")"
# Three rounds of each, in the order ABBAAB so that a drift in what else
# the machine runs weighs on both alike; the medians are compared.
for m in acks1 durable durable acks1 acks1 durable; do
	r=$(( $(ls "$ZC_TMP" | grep -c "^c-load-$m-") + 1 ))
	if [ $m = acks1 ]; then
		consume_during load-acks1-$r 1
	else
		consume_during load-durable-$r all
	fi
done
zb_stop
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"

read -r p50a p99a <<<"$(lat acks1-p8)"
read -r p50d p99d <<<"$(lat durable-p8)"
# median FILES...: the median of the rates (field 10) in the files
median() { awk '{ print $10 }' "$@" | sort -n | sed -n 2p; }
medlat() {
	sed -n 's/.*latency p50 \([0-9.]*\) ms, p99 \([0-9.]*\) ms.*/\1 \2/p' "$@" |
		sort -n | sed -n 2p
}
read -r q50a q99a <<<"$(medlat "$ZC_TMP"/load-acks1-?)"
read -r q50d q99d <<<"$(medlat "$ZC_TMP"/load-durable-?)"
awk -v a1="$(rate acks1-p1)" -v d1="$(rate durable-p1)" \
	-v a8="$(rate acks1-p8)" -v d8="$(rate durable-p8)" \
	-v ca="$(median "$ZC_TMP"/c-load-acks1-?)" \
	-v cd="$(median "$ZC_TMP"/c-load-durable-?)" \
	-v p50a="$p50a" -v p99a="$p99a" -v p50d="$p50d" -v p99d="$p99d" \
	-v q50a="$q50a" -v q99a="$q99a" -v q50d="$q50d" -v q99d="$q99d" \
	-v pace="$pace" 'BEGIN {
	printf "acks=all durable / acks=1, 1 producer:  %.2fx throughput\n", d1 / a1
	printf "acks=all durable / acks=1, 8 producers: %.2fx throughput (goal >= 0.5x: %s), p50 %s vs %s ms, p99 %s vs %s ms\n", d8 / a8, (d8 / a8 >= 0.5 ? "met" : "not met"), p50d, p50a, p99d, p99a
	printf "paced to %d rec/s, 8 producers (median of 3 by p50): latency p50 %s ms (acks=all) vs %s ms (acks=1), p99 %s vs %s ms\n", pace, q50d, q50a, q99d, q99a
	printf "consumer during acks=all / during acks=1 (medians of 3): %.0f / %.0f rec/s = %.2fx (goal >= 0.9x: %s)\n", cd, ca, cd / ca, (cd / ca >= 0.9 ? "met" : "not met")
}'
