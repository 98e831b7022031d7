#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Broker settings seen through a client (settings.py): message.max.bytes
# refuses an oversized batch, auto.create.topics.enable=false leaves unknown
# topics unknown (and creates no directory), log.retention.ms deletes closed
# segments of old records.
# timeout: 90
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_py confluent_kafka

data=$ZC_TMP/data
zb_start "$data" --set message.max.bytes=50000 \
	--set auto.create.topics.enable=false --set log.segment.bytes=8192 \
	--set log.retention.ms=3600000
zb_py settings.py "$ZB_ADDR" || zb_fail "settings.py"
[ -e "$data/nope-0" ] && zb_fail "auto.create.topics.enable=false, yet $data/nope-0 exists"
zb_stop
echo "PASS: message.max.bytes, auto.create.topics.enable, log.retention.ms"
