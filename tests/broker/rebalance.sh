#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A librdkafka consumer group of two members and a rebalance when one
# leaves (rebalance.py); every record once across both. kafkajs.sh does the
# same with kafkajs' own group code.
# timeout: 90
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_py confluent_kafka

zb_start "$ZC_TMP/data"
zb_py rebalance.py "$ZB_ADDR" || zb_fail "rebalance.py"
zb_stop
echo "PASS: librdkafka group of two, rebalance, exactly once"
