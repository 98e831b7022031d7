#!/usr/bin/env bash
# serial: yes
# SPDX-License-Identifier: MIT
#
# Long-poll Fetch (longpoll.py, raw sockets): answered on append well
# before MaxWait, at MaxWait when nothing arrives, MinBytes respected, and
# waiters on several partitions each woken by their own partition only.
# timeout: 90
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker

zb_start "$ZC_TMP/data" --set num.partitions=3
zb_py longpoll.py "$ZB_ADDR" || zb_fail "long-poll"
zb_alive || zb_fail "zcbroker died"
zb_stop
echo "PASS: long-poll fetches wake on their partition's appends"
