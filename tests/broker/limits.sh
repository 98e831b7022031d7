#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Connection limits (limits.py, raw sockets): connections.max.idle.ms
# (a half-sent frame counts as idle), max.connections.per.ip,
# max.connections, queued.max.request.bytes, read buffers that grow with
# the bytes that arrived, and RSS bounded under pipelined fetches from a
# client that does not read, and returned after it leaves.
# timeout: 180
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker

run_case() { # CASE SETTINGS...
	local c=$1
	shift
	zb_start "$ZC_TMP/data.$c" "$@"
	if zb_py limits.py "$ZB_ADDR" "$ZB_PID" "$c"; then
		echo "ok: $c"
	else
		zb_fail "$c"
	fi
	zb_alive || zb_fail "zcbroker died in $c"
	zb_stop
}

run_case idle --set connections.max.idle.ms=1000
run_case perip --set max.connections.per.ip=3
run_case maxconn --set max.connections=4
run_case queued --set queued.max.request.bytes=1048576
run_case rbuf
if [ -n "${ZC_SAN:-}" ]; then
	echo "rss: skipped under the sanitizer (its allocator keeps memory)"
else
	run_case rss --set zc.connection.output.max.bytes=4194304
fi
echo "PASS: connection limits hold"
