#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Thousands of partitions and segments under `prlimit --nofile=1024`
# (partitions.py): a 5000-partition CreateTopics does not stall other
# connections, the per-request and per-broker caps refuse more, a failed
# creation leaves no directory, 1500 partitions take a batch each and one
# partition rolls thousands of tiny segments; the broker's descriptors
# stay under the limit, and it restarts under the same limit and serves
# everything (it once could not open its data directory).
# timeout: 300
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_cmd prlimit
zb_need_py json

# The broker's open descriptors must stay under its limit.
check_fds()
{
	local n
	n=$(ls "/proc/$ZB_PID/fd" | wc -l)
	if [ "$n" -lt 1024 ]; then
		echo "ok: $n descriptors open $1"
	else
		zb_fail "$n descriptors open $1"
	fi
}
d=$ZC_TMP/data
mkdir -p "$d"
# Thousands of fsyncs on a disk would take minutes: tmpfs when there is one.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	d=$(mktemp -d /dev/shm/zcparts.XXXXXX)
	trap 'zb_cleanup; rm -rf "$d"' EXIT
fi
opts=(--set num.partitions=1 --set log.segment.bytes=1024
	--set max.partitions=10000 --set max.partitions.per.request=5000
	--set log.max.open.files=400)
# The broker runs with at most 1024 descriptors (prlimit execs it: same pid).
printf '#!/bin/sh\nexec prlimit --nofile=1024 -- "%s" "$@"\n' "$ZB_BIN" \
	>"$ZC_TMP/zcbroker-1024"
chmod +x "$ZC_TMP/zcbroker-1024"
ZB_BIN=$ZC_TMP/zcbroker-1024
zb_start "$d" "${opts[@]}"
zb_py partitions.py create "$ZB_ADDR" "$d" || zb_fail "create"
check_fds "with 8000 partitions"
zb_stop
zb_start "$d" "${opts[@]}"
zb_py partitions.py check "$ZB_ADDR" "$d" || zb_fail "check after a restart"
check_fds "after the restart"
zb_stop
echo "PASS: thousands of partitions and segments under 1024 descriptors"
