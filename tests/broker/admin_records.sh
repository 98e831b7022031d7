#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# CreatePartitions and DeleteRecords with real clients (admin_records.py,
# admin_records.mjs): confluent-kafka and kafka-python grow a topic and
# their producers' partitioners write into the new partitions; kafkajs
# grows it once more; @platformatic/kafka and kafkajs delete records;
# consumers read exactly what is left, and one asked below a log start
# gets OFFSET_OUT_OF_RANGE (or resets to the start). After a clean restart
# and after a crash right behind a deletion (SIGKILL), the partition count
# and the log start offsets are what they were.
# timeout: 240
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_py confluent_kafka kafka
zb_need_cmd node
[ -d "$TB/node_modules/@platformatic/kafka" ] && [ -d "$TB/node_modules/kafkajs" ] ||
	zb_skip "@platformatic/kafka or kafkajs is not installed (npm ci in tests/broker)"

d=$ZC_TMP/data
state=$ZC_TMP/ar-produced.json
starts=$ZC_TMP/ar-starts.json
# A segment per produce burst (log.roll.ms is measured in the records' own
# time), so that deleting records deletes whole segments.
opts=(--set log.roll.ms=1 --set num.partitions=1)
zb_start "$d" "${opts[@]}"
zb_py admin_records.py grow "$ZB_ADDR" "$state" || zb_fail "grow"
(cd "$TB" && node admin_records.mjs "$ZB_ADDR" first "$starts") ||
	zb_fail "delete records"
if ls "$d/ar-0/"*.log | grep -q '/00000000000000000000\.log$'; then
	zb_fail "the segment wholly below ar-0's start is still there"
else
	echo "ok: ar-0's first segment is gone"
fi
zb_py admin_records.py consume "$ZB_ADDR" "$state" "$starts" ||
	zb_fail "consume after delete records"
zb_stop

zb_start "$d" "${opts[@]}"
zb_py admin_records.py check "$ZB_ADDR" "$state" "$starts" ||
	zb_fail "after a clean restart"
(cd "$TB" && node admin_records.mjs "$ZB_ADDR" second "$starts") ||
	zb_fail "delete records before the crash"
zb_kill
zb_start "$d" "${opts[@]}"
zb_py admin_records.py check "$ZB_ADDR" "$state" "$starts" ||
	zb_fail "after a crash"
zb_stop
echo "PASS: CreatePartitions and DeleteRecords with five clients, kept across a restart and a crash"
