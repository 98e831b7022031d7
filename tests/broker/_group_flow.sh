# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# _group_flow.sh — the shell half of group_flow.py, shared by the scripts of
# the two Python clients: run "before", stop the broker with SIGTERM (it must
# exit 0), restart it on the same data directory, run "after".
#
#   zb_group_flow CLIENT

zb_group_flow()
{
	local cl=$1 data=$ZC_TMP/data state=$ZC_TMP/flow.json
	zb_start "$data" --set num.partitions=1
	zb_py group_flow.py "$cl" "$ZB_ADDR" "$state" before ||
		zb_fail "$cl: first half"
	zb_stop
	zb_start "$data" --set num.partitions=1
	zb_py group_flow.py "$cl" "$ZB_ADDR" "$state" after ||
		zb_fail "$cl: second half (after the restart)"
	zb_stop
	echo "PASS: $cl: admin, keyed + gzip produce, group commits, restart"
}
