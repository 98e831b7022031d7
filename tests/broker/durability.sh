#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Crash durability: a confluent-kafka producer (acks=all, no retries) loads a
# broker running with log.flush.interval.messages=1; the broker is killed
# with SIGKILL in the middle of the load, restarted on the same data, and
# every acknowledged record must be there exactly once, at the offset its
# acknowledgement named (see durability.py). Done twice, so recovery also
# runs on a log that has been recovered before; then a torn write (a batch
# header without its records, garbage) at the end of a segment must be cut
# off by recovery. First, with strace, that log.flush.interval.messages=1
# syncs every record, and so does the default (durable acks=all: kcat
# produces with acks=all, one record at a time); with write.caching=true
# nothing syncs unless log.flush.interval.ms says so, by time.
# (idempotence.sh: an idempotent producer that outlives a crash.)
# timeout: 120
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_py confluent_kafka

# count_syncs [broker options]: SYNCS = sync calls while kcat produces 30
# records, one per request
count_syncs()
{
	local st=$ZC_TMP/strace.out sp
	zb_start "$ZC_TMP/sync" --set num.partitions=1 "$@"
	echo warm | timeout 30 kcat -b "$ZB_ADDR" -q -P -t s || zb_fail "kcat -P"
	strace -f -qq -p "$ZB_PID" -o "$st" \
		-e trace=fsync,fdatasync,sync_file_range,msync,syncfs &
	sp=$!
	sleep 0.5
	seq 1 30 | timeout 30 kcat -b "$ZB_ADDR" -q -P -t s -X linger.ms=0 \
		-X batch.num.messages=1 -X max.in.flight=1 || zb_fail "kcat -P"
	sleep "${SYNC_WAIT:-0.3}"
	kill -INT $sp
	wait $sp
	zb_stop
	SYNCS=$(grep -cE 'fsync|fdatasync|sync_file_range|msync|syncfs' "$st")
	rm -rf "$ZC_TMP/sync"
}
if command -v strace >/dev/null 2>&1; then
	count_syncs --set log.flush.interval.messages=1
	[ "$SYNCS" -ge 30 ] ||
		zb_fail "log.flush.interval.messages=1: $SYNCS sync calls for 30 records"
	n=$SYNCS
	count_syncs
	[ "$SYNCS" -ge 30 ] ||
		zb_fail "durable acks=all: $SYNCS sync calls for 30 records"
	nd=$SYNCS
	count_syncs --set write.caching=true
	[ "$SYNCS" -eq 0 ] ||
		zb_fail "write.caching=true: $SYNCS sync calls for 30 records"
	n0=$SYNCS
	# By time: the broker checks flush.interval.ms once a second or so.
	SYNC_WAIT=2.5 count_syncs --set write.caching=true \
		--set log.flush.interval.ms=100
	[ "$SYNCS" -ge 1 ] && [ "$SYNCS" -lt 30 ] ||
		zb_fail "log.flush.interval.ms=100: $SYNCS sync calls for 30 records in about 3 s"
	echo "sync calls for 30 one-record acks=all produces: $n with log.flush.interval.messages=1, $nd by default (durable acks), $n0 with write.caching=true, $SYNCS with that and log.flush.interval.ms=100"
else
	echo "strace missing: flush calls not counted"
fi

data=$ZC_TMP/data
opts=(--set num.partitions=2 --set log.flush.interval.messages=1
	--set log.segment.bytes=262144)
for round in 1 2; do
	acks=$ZC_TMP/acks.$round
	: >"$acks"
	topic=dur$round
	zb_start "$data" "${opts[@]}"
	zb_py durability.py produce "$ZB_ADDR" $topic "$acks" >"$ZC_TMP/producer.$round.log" 2>&1 &
	prod=$!
	# Kill once a good number of records went through, while more are
	# in flight.
	want=3000
	for ((i = 0; i < 600; i++)); do
		[ "$(wc -l <"$acks")" -ge "$want" ] && break
		kill -0 $prod 2>/dev/null || break
		sleep 0.05
	done
	kill -0 $prod 2>/dev/null || {
		cat "$ZC_TMP/producer.$round.log"
		zb_fail "the producer stopped early"
	}
	n1=$(wc -l <"$acks")
	[ "$n1" -gt 0 ] || zb_fail "no record acknowledged in 30 s"
	zb_kill
	echo "round $round: broker killed after $n1 acknowledgements"
	sleep 0.3
	kill -9 $prod 2>/dev/null
	wait $prod 2>/dev/null
	zb_start "$data" "${opts[@]}"
	# This round's topic, and the earlier rounds' (recovered again).
	for ((r = 1; r <= round; r++)); do
		zb_py durability.py verify "$ZB_ADDR" dur$r "$ZC_TMP/acks.$r" ||
			zb_fail "round $round: topic dur$r: acknowledged records lost or duplicated"
	done
	zb_stop
done
# A write torn by the crash: after a SIGKILL, the active segment of dur2-0
# gets a batch header without its records and some garbage at its end.
# Recovery must cut the file back to its last whole batch and keep
# everything acknowledged.
zb_start "$data" "${opts[@]}"
zb_kill
seg=$(find "$data/dur2-0" -name '*.log' | sort | tail -n 1)
size=$(stat -c %s "$seg")
[ "$size" -gt 100 ] || zb_fail "no data in $seg"
{
	head -c 61 "$seg" # a batch header whose records never came
	head -c 37 /dev/urandom
} >>"$seg"
zb_start "$data" "${opts[@]}"
now=$(stat -c %s "$seg")
[ "$now" -eq "$size" ] ||
	zb_fail "torn tail: $seg is $now bytes after recovery, was $size before the damage"
zb_py durability.py verify "$ZB_ADDR" dur2 "$ZC_TMP/acks.2" ||
	zb_fail "torn tail: acknowledged records lost"
zb_stop
echo "torn tail of 98 bytes cut off by recovery; records intact"

echo "PASS: acknowledged records survive SIGKILL"
