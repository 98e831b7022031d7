#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# IncrementalAlterConfigs v1, DescribeConfigs v4, CreateTopics v7 with
# configs and DescribeCluster v0/v1 through @platformatic/kafka
# (topic_configs.mjs). log.retention.ms is given on the command line so
# DescribeConfigs has a STATIC_BROKER_CONFIG to show.
# timeout: 90
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_cmd node
[ -d "$TB/node_modules/@platformatic/kafka" ] ||
	zb_skip "@platformatic/kafka is not installed (npm ci in tests/broker)"

data=$ZC_TMP/data
zb_start "$data" --set log.retention.ms=3600000
(cd "$TB" && node topic_configs.mjs "$ZB_ADDR" "$data") || zb_fail "topic_configs.mjs"
zb_stop
grep -q "topic inc: config overrides now" "$ZB_LOG" || zb_fail "no log line for the altered topic"
echo "PASS: IncrementalAlterConfigs, DescribeConfigs v4, CreateTopics with configs, DescribeCluster"
