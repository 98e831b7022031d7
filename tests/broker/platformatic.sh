#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# @platformatic/kafka 1.x against zcbroker (see platformatic.mjs): topic IDs
# from CreateTopics v7 and Metadata v12, keyed records with headers in every
# codec Node has, read back by a Fetch v17 by topic ID, ListOffsets,
# ListGroups, DescribeGroups and DeleteTopics v6; then a consumer group
# with commits (platformatic_group.mjs: OffsetCommit v8+ and OffsetFetch
# v8+, the flexible versions this client needs for groups).
# timeout: 150
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_cmd node
[ -d "$TB/node_modules/@platformatic/kafka" ] ||
	zb_skip "@platformatic/kafka is not installed (npm ci in tests/broker)"

zb_start "$ZC_TMP/data"
(cd "$TB" && node platformatic.mjs "$ZB_ADDR") || zb_fail "platformatic.mjs"
(cd "$TB" && node platformatic_group.mjs "$ZB_ADDR" @platformatic/kafka \
	'OffsetCommit>=8' 'OffsetFetch>=8' 'Fetch>=17' 'Produce>=11') ||
	zb_fail "platformatic_group.mjs"
zb_stop
echo "PASS: @platformatic/kafka admin, producer in every codec, fetch by topic ID, group with commits"
