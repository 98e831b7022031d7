#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Poison batches (poison.py): records that break the format under a valid
# CRC, a lying RecordCount, invalid gzip and a gzip bomb are refused with
# Kafka's errors and leave nothing in the log; every codec from
# librdkafka (gzip, snappy, lz4, zstd) is accepted and read back.
# timeout: 180
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_py json

zb_start "$ZC_TMP/data" --set num.partitions=1 \
	--set zc.message.max.decompressed.bytes=16777216
zb_py poison.py "$ZB_ADDR" || zb_fail "poison.py"
zb_alive || zb_fail "zcbroker died"
zb_stop
echo "PASS: poison batches refused, nothing stored; every codec accepted"
