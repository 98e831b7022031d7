#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Metadata amplification (metadata_amp.py): a topic named 20,000 times
# is answered once, small and fast; zc.metadata.max.response.bytes refuses
# an answer over it (the connection closes, with a log line naming the
# setting) and still answers the ones under it.
# timeout: 120
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker

zb_start "$ZC_TMP/data1"
zb_py metadata_amp.py "$ZB_ADDR" dups || zb_fail "duplicate names"
zb_alive || zb_fail "zcbroker died"
zb_stop

zb_start "$ZC_TMP/data2" --set zc.metadata.max.response.bytes=4096
zb_py metadata_amp.py "$ZB_ADDR" bound || zb_fail "answer bound"
if grep -q "zc.metadata.max.response.bytes" "$ZB_LOG"; then
	echo "ok: the refusal is logged"
else
	zb_fail "no log line for the refused answer"
fi
zb_stop
echo "PASS: Metadata answers collapse duplicates and stay bounded"
