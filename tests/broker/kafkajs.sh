#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kafkajs 2.2.4 (its own protocol code, in Node) against zcbroker: admin
# create, producer with acks=-1, a two-member consumer group and a rebalance
# when one member leaves; every record arrives exactly once across both
# members (see kafkajs.js).
# timeout: 120
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_kafkajs

zb_start "$ZC_TMP/data"
(cd "$TB" && KAFKAJS_NO_PARTITIONER_WARNING=1 node kafkajs.js "$ZB_ADDR") || zb_fail "kafkajs.js"
zb_stop
echo "PASS: kafkajs producer, group of two, rebalance"
