#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Static membership (KIP-345) with real clients: three librdkafka consumers
# with group.instance.id, one restarted with the same id takes its slot back
# without a rebalance of the others, every record once, and a duplicate
# instance fences the older process (static_members.py);
# kcat with -X group.instance.id run twice: the second run replaces the
# first's member without a rebalance and reads on from its commits.
# timeout: 120
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_py confluent_kafka kafka
zb_need_cmd kcat

zb_start "$ZC_TMP/data"
zb_py static_members.py "$ZB_ADDR" "$ZB_LOG" || zb_fail "static_members.py"

# kcat: 50 records; a static consumer reads 20 of them and commits, exits
# without leaving; the same instance reads the next 30.
seq 1 50 | kcat -P -b "$ZB_ADDR" -t kst -p 0 || zb_fail "kcat produce"
# Auto-commit every 100 ms and at close: a run that stops after -c N
# records leaves N committed.
kc() {
	timeout 60 kcat -C -b "$ZB_ADDR" -G kgroup -X group.instance.id=k1 \
		-X session.timeout.ms=10000 -X auto.offset.reset=earliest \
		-X auto.commit.interval.ms=100 \
		-c "$1" -f '%s\n' kst 2>"$ZC_TMP/kcat.$2.err"
}
first=$(kc 20 1) || zb_fail "kcat first run: $(tail -3 "$ZC_TMP/kcat.1.err")"
second=$(kc 30 2) || zb_fail "kcat second run: $(tail -3 "$ZC_TMP/kcat.2.err")"
want=$(seq 1 50)
got=$(printf '%s\n%s\n' "$first" "$second")
if [ "$got" = "$want" ]; then
	echo "kcat: 50 records once across two runs of instance k1"
else
	zb_fail "kcat read $(echo "$got" | wc -l) lines, not 1..50 once"
fi
if grep -q "group kgroup: static member k1 is now" "$ZB_LOG"; then
	echo "kcat: the second run took instance k1's slot"
else
	zb_fail "no replacement of instance k1 in the broker's log"
fi
zb_stop
echo "PASS: static members replaced without a rebalance, every record once"
