#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Crash durability: a confluent-kafka producer (acks=all, no retries) loads a
# broker running with log.flush.interval.messages=1; the broker is killed
# with SIGKILL in the middle of the load, restarted on the same data, and
# every acknowledged record must be there exactly once, at the offset its
# acknowledgement named (see durability.py). Done twice, so recovery also
# runs on a log that has been recovered before.
# timeout: 120
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_py confluent_kafka

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
echo "PASS: acknowledged records survive SIGKILL"
