#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Bad input on raw sockets (robustness.py): garbage, truncated frames,
# oversized and negative lengths, unknown API keys and versions, lying
# counts and string lengths, random requests, a batch with a broken CRC.
# The broker closes or answers each, serves other connections meanwhile,
# and afterwards a real client (kcat) still produces and consumes.
# timeout: 120
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_cmd kcat
zb_need_py json

zb_start "$ZC_TMP/data" --set num.partitions=1
zb_py robustness.py "$ZB_ADDR" || zb_fail "robustness.py"
zb_alive || zb_fail "zcbroker died"
zb_py kcat_check.py gen after 0 200 >"$ZC_TMP/sent"
timeout 30 kcat -b "$ZB_ADDR" -q -P -t after -K : <"$ZC_TMP/sent" ||
	zb_fail "kcat -P after the bad input"
timeout 30 kcat -b "$ZB_ADDR" -q -C -t after -o beginning -e \
	-f '%p %o %k %s\n' >"$ZC_TMP/got" || zb_fail "kcat -C after the bad input"
zb_py kcat_check.py check "$ZC_TMP/sent" "$ZC_TMP/got" 1 ||
	zb_fail "records after the bad input"
zb_stop
echo "PASS: bad input closed or answered; the broker still serves"
