#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Fetch sessions (KIP-227) with a real client: kafka-ts opens a session and
# goes on with incremental fetches while records are produced in rounds
# (fetch_sessions.mjs checks every record). The broker reports at shutdown
# how many incremental fetches it served; there must have been some, and
# few (a session that forgot the client's offsets answers old records at
# once, every time: hundreds of fetches, which kafka-ts hides). Then
# kcat (librdkafka, which fetches without a session) reads the same topic
# from the broker that holds the session, every record checked.
# timeout: 120
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_cmd node kcat
[ -d "$TB/node_modules/kafka-ts" ] ||
	zb_skip "kafka-ts is not installed (npm ci in tests/broker)"

zb_start "$ZC_TMP/data"
(cd "$TB" && node fetch_sessions.mjs "$ZB_ADDR") || zb_fail "fetch_sessions.mjs"
n=$(timeout 40 kcat -b "$ZB_ADDR" -q -C -t fs -o beginning -e -f '%k %s\n' |
	awk '$2 ~ ("^v" substr($1, 2) "-") { ok++ } END { print ok + 0 }')
if [ "$n" = 150 ]; then
	echo "kcat read the 150 records beside the session"
else
	zb_fail "kcat read $n good records of 150"
fi
zb_stop
line=$(grep 'fetch sessions:' "$ZB_LOG" | tail -n 1)
inc=$(sed -n 's/.* \([0-9][0-9]*\) incremental fetches.*/\1/p' <<<"$line")
made=$(sed -n 's/.*fetch sessions: \([0-9][0-9]*\) created.*/\1/p' <<<"$line")
echo "broker: $line"
if [ -n "$inc" ] && [ "$inc" -gt 0 ] && [ "$inc" -lt 100 ] &&
	[ "${made:-0}" -gt 0 ]; then
	echo "PASS: $made sessions, $inc incremental fetches, every record read"
else
	zb_fail "expected 1 to 99 incremental fetches ($line)"
fi
