#!/usr/bin/env bash
# serial: yes
# SPDX-License-Identifier: MIT
#
# Power cuts: the broker's data directory lives on powercutfs (see
# tests/powercut/powercutfs.c), which keeps what was never fsync'ed in
# memory only. Two producers (acks=all and acks=1, no retries) load it; the
# power is cut in the middle of the load, the broker is killed, the file
# system remounted on what its "disk" kept, the broker restarted, and
# every acknowledged acks=all record must be there exactly once at its
# offset, offsets dense (powercut.py verify). Three cuts in a row, each
# later round also re-checking the earlier rounds' topics. Then once with
# write.caching=true (acks=all acknowledged from the page cache, Kafka's
# single-node behaviour): the same check must find acknowledged records
# lost, or this test could not fail.
# timeout: 90
. "$(dirname "$0")/_lib.sh"
. "$ZC_SRC/tests/powercut/_pcfs.sh"
zb_need_broker
zb_need_py confluent_kafka
pc_need

pc_broker_env # disk=$ZC_TMP/disk, mnt=$ZC_TMP/mnt
opts=(--set num.partitions=2 --set log.segment.bytes=131072)

# acked_all FILE, acked_one FILE: acknowledgements recorded so far
acked_all()
{
	grep -c '^a ' "$1"
}
acked_one()
{
	grep -c '^1 ' "$1"
}

# cut_round TOPIC WANT [broker options]: load until WANT acks=all
# acknowledgements, cut the power, kill everything, remount.
cut_round()
{
	local topic=$1 want=$2 acks=$ZC_TMP/acks.$1 prod i n
	shift 2
	: >"$acks"
	pc_mount "$disk" "$mnt"
	zb_start "$mnt/data" "${opts[@]}" "$@"
	zb_py powercut.py produce "$ZB_ADDR" "$topic" "$acks" \
		>"$ZC_TMP/producer.$topic.log" 2>&1 &
	prod=$!
	for ((i = 0; i < 600; i++)); do
		if [ "$(acked_all "$acks")" -ge "$want" ] &&
			[ "$(acked_one "$acks")" -ge 100 ]; then
			break
		fi
		kill -0 $prod 2>/dev/null || break
		sleep 0.05
	done
	if ! kill -0 $prod 2>/dev/null; then
		cat "$ZC_TMP/producer.$topic.log"
		zb_fail "$topic: the producer stopped early"
	fi
	pc_cut "$mnt"
	n=$(acked_all "$acks")
	# Answers already on their way are acknowledgements too.
	sleep 0.3
	kill -9 $prod 2>/dev/null
	wait $prod 2>/dev/null
	zb_kill
	pc_umount "$mnt"
	echo "$topic: power cut after $n acks=all acknowledgements ($(acked_all "$acks") in all, $(acked_one "$acks") acks=1)"
}

# verify_topics TOPIC...: restart on what the disk kept and verify each.
# Sets LOST to the topics whose acks=all records were lost.
verify_topics()
{
	local t rc
	LOST=
	pc_mount "$disk" "$mnt"
	zb_start "$mnt/data" "${opts[@]}"
	for t in "$@"; do
		zb_py powercut.py verify "$ZB_ADDR" "$t" "$ZC_TMP/acks.$t"
		rc=$?
		if [ $rc -eq 3 ]; then
			LOST="$LOST $t"
		elif [ $rc -ne 0 ]; then
			zb_fail "$t: the log after the power cut is damaged"
		fi
	done
	zb_stop
	pc_umount "$mnt"
}

done_topics=()
for round in 1 2 3; do
	cut_round pc$round $((400 * round))
	done_topics+=(pc$round)
	verify_topics "${done_topics[@]}"
	if [ -n "$LOST" ]; then
		zb_fail "acknowledged acks=all records lost by a power cut in:$LOST"
	else
		echo "ok   round $round: every acknowledged acks=all record kept"
	fi
done

cut_round cached 400 --set write.caching=true
verify_topics cached
if [ -n "$LOST" ]; then
	echo "ok   write.caching=true: the cut lost acknowledged records, as it must"
else
	zb_fail "write.caching=true lost nothing: this test cannot see a loss"
fi
echo "PASS: acks=all survives power cuts"
