#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kafka-create.sh — how long one CreateTopics of 5000 partitions holds the
# event loop: a second connection sends ApiVersions every 2 ms meanwhile
# and the longest wait is printed (tests/broker/partitions.py stall), for
# this broker ("after") and the broker of git revision REV built into a
# scratch directory ("before"), three rounds each, data on /var/tmp.
#
#   bench/kafka-create.sh [--build DIR] REV
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
if [ "${1:-}" = --build ]; then build=$(cd "$2" && pwd); shift 2; fi
rev=${1:?usage: bench/kafka-create.sh [--build DIR] REV}
. "$here/bench/kafka-common.sh"
kb_scratch kafka-create
after=$ZB_BIN
. "$here/bench/_before.sh"
zb_build_before "$rev"
before=$BEFORE_BIN
echo "machine: $(nproc) cores, $(uname -r); before: $rev, after: $after"
for round in 1 2 3; do
	for which in before after; do
		if [ "$which" = before ]; then ZB_BIN=$before; else ZB_BIN=$after; fi
		d=$ZC_TMP/d-$which-$round
		zb_start "$d" --set num.partitions=1
		printf 'round %s %-6s ' "$round" "$which"
		zb_py partitions.py stall "$ZB_ADDR" "$d" | grep created ||
			zb_fail "create ($which)"
		# The old broker needs more than the 10 s zb_stop allows to
		# shut 5000 partitions down (a synced marker each): kill both.
		zb_kill
		rm -rf "$d"
	done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
