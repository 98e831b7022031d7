#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# DeleteGroups and OffsetDelete with real clients (group_admin.py,
# group_admin.mjs): librdkafka consumers make groups with committed
# offsets and a live static member; @platformatic/kafka's Admin describes
# the static member, deletes offsets (refused for a subscribed topic),
# deletes groups (refused with members, or unknown) and removes the member;
# kafka-python's delete_consumer_groups; the deletions survive a restart.
# timeout: 150
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_py confluent_kafka kafka
zb_need_cmd node
[ -d "$TB/node_modules/@platformatic/kafka" ] ||
	zb_skip "@platformatic/kafka is not installed (npm ci in tests/broker)"

zb_start "$ZC_TMP/data"
zb_py group_admin.py prepare "$ZB_ADDR" || zb_fail "prepare"
flag=$ZC_TMP/live.stop
zb_py group_admin.py live "$ZB_ADDR" "$flag" &
live=$!
for ((i = 0; i < 600; i++)); do
	[ -e "$flag.ready" ] && break
	kill -0 "$live" 2>/dev/null || break
	sleep 0.05
done
[ -e "$flag.ready" ] || zb_fail "the static member of g-live did not start"
(cd "$TB" && node group_admin.mjs "$ZB_ADDR") || zb_fail "group_admin.mjs"
touch "$flag"
wait "$live" || zb_fail "the static member of g-live failed"
zb_py group_admin.py kp-delete "$ZB_ADDR" || zb_fail "kafka-python delete"
zb_stop
zb_start "$ZC_TMP/data"
zb_py group_admin.py gone "$ZB_ADDR" || zb_fail "after the restart"
zb_stop
echo "PASS: DeleteGroups and OffsetDelete from three clients, durable"
