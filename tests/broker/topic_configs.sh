#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Topic config overrides through real admin clients (topic_configs.py:
# confluent-kafka and kafka-python; topic_configs_js.sh runs
# @platformatic/kafka for IncrementalAlterConfigs and DescribeCluster),
# acting on the log (segment rolls, the produce size limit, time
# retention), and surviving a restart. log.retention.ms is given on the command line so DescribeConfigs
# has a STATIC_BROKER_CONFIG to show.
# timeout: 150
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_py confluent_kafka kafka

data=$ZC_TMP/data
zb_start "$data" --set log.retention.ms=3600000
zb_py topic_configs.py "$ZB_ADDR" "$data" first || zb_fail "topic_configs.py first"
zb_stop
grep -q "config overrides now" "$ZB_LOG" || zb_fail "no log line for an altered topic"
zb_start "$data" --set log.retention.ms=3600000
zb_py topic_configs.py "$ZB_ADDR" "$data" again || zb_fail "topic_configs.py again"
zb_stop
echo "PASS: topic configs created, described, altered, used by the log, kept across a restart"
