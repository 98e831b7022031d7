#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kafka-ts against zcbroker (see kafka_ts.mjs): topic IDs from CreateTopics
# and Metadata, keyed records with headers, a consumer group reading every
# record back exactly once, each request at the highest version both offer.
# timeout: 120
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_cmd node
[ -d "$TB/node_modules/kafka-ts" ] ||
	zb_skip "kafka-ts is not installed (npm ci in tests/broker)"

zb_start "$ZC_TMP/data"
(cd "$TB" && node kafka_ts.mjs "$ZB_ADDR") || zb_fail "kafka_ts.mjs"
zb_stop
echo "PASS: kafka-ts topic IDs, producer, consumer group"
