#!/usr/bin/env bash
# serial: yes
# SPDX-License-Identifier: MIT
#
# A 5000-partition CreateTopics does not stall the loop for other clients
# (create_stall.py big: longest gap between another connection's answers
# under 250 ms and under half the create's time), and the topic is complete
# and usable afterwards; DeleteTopics of a topic being created and a
# creating client that disconnects are safe (create_stall.py races).
# The data directory is on disk, not tmpfs: creation must be slow enough
# to show the loop keeps turning.
# timeout: 240
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker

opts=(--set max.partitions=20000 --set max.partitions.per.request=5000
	--set num.partitions=1)
zb_start "$ZC_TMP/data1" "${opts[@]}"
zb_py create_stall.py big "$ZB_ADDR" "$ZC_TMP/data1" || zb_fail "big create"
zb_alive || zb_fail "zcbroker died"
zb_stop

zb_start "$ZC_TMP/data2" "${opts[@]}"
zb_py create_stall.py races "$ZB_ADDR" "$ZC_TMP/data2" || zb_fail "races"
zb_alive || zb_fail "zcbroker died"
zb_stop
echo "PASS: a large CreateTopics leaves the loop free for other clients"
