#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A damaged offset index (index_damage.py): one entry's offset lowered
# while the broker runs; raw fetches at every offset and kcat at the
# damaged ones must start at the batch that holds the offset. After a
# restart (which finds the entry that disagrees with the log and rebuilds
# the index) the same holds.
# timeout: 120
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_cmd kcat
zb_need_py json

d=$ZC_TMP/data
zb_start "$d" --set num.partitions=1 --set log.index.interval.bytes=200
zb_py index_damage.py fill "$ZB_ADDR" || zb_fail "fill"
zb_py index_damage.py check "$ZB_ADDR" "$d" >"$ZC_TMP/out" 2>&1 ||
	{ cat "$ZC_TMP/out"; zb_fail "fetch with a damaged index (live)"; }
cat "$ZC_TMP/out"
lo=$(sed -n 's/.*entry [0-9]*: offset \([0-9]*\) -> \([0-9]*\).*/\2/p' "$ZC_TMP/out")
for o in $lo $((lo + 1)) $((lo + 2)); do
	first=$(timeout 20 kcat -b "$ZB_ADDR" -q -C -t hint -p 0 -o "$o" -c 1 \
		-f '%o\n')
	if [ "$first" = "$o" ]; then
		echo "ok: kcat -o $o starts at $first"
	else
		zb_fail "kcat -o $o printed offset '$first' first"
	fi
done
zb_stop
zb_start "$d" --set num.partitions=1 --set log.index.interval.bytes=200
zb_py index_damage.py check "$ZB_ADDR" "$d" >"$ZC_TMP/out2" 2>&1 ||
	{ cat "$ZC_TMP/out2"; zb_fail "fetch with a damaged index (restart)"; }
cat "$ZC_TMP/out2"
# The restart found the damaged entry and rebuilt it: the second damage
# starts from the true value again.
was=$(sed -n 's/.*entry [0-9]*: offset \([0-9]*\) -> .*/\1/p' "$ZC_TMP/out")
now=$(sed -n 's/.*entry [0-9]*: offset \([0-9]*\) -> .*/\1/p' "$ZC_TMP/out2")
if [ -n "$was" ] && [ "$was" = "$now" ]; then
	echo "ok: the restart rebuilt the damaged entry ($now)"
else
	zb_fail "the restart kept the damaged entry ('$was' vs '$now')"
fi
zb_stop
echo "PASS: a damaged index entry never makes a fetch skip records"
