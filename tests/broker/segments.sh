#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Segment roll and retention seen through a client and on disk: with a
# small log.segment.bytes, several 20-digit-named .log/.index/.timeindex
# files appear in DIR/topic-0/ (checked batch by batch and entry by entry by
# seg_check.py), kcat reads everything back from the beginning and from an
# offset in the middle (an index lookup); after a restart with
# log.retention.bytes the oldest segments go and the earliest offset moves
# up, the rest still reads back exactly.
# timeout: 120
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_cmd kcat
zb_need_py json

data=$ZC_TMP/data
dir=$data/seg-0
opts=(--set num.partitions=1 --set log.segment.bytes=16384
	--set log.index.interval.bytes=1024)
N=2000
fmt='%o %k:%s\n'
zb_start "$data" "${opts[@]}"
zb_py kcat_check.py gen seg 0 $N >"$ZC_TMP/sent"
# Small batches, so segments hold several of them.
timeout 40 kcat -b "$ZB_ADDR" -q -P -t seg -K : -X batch.num.messages=20 \
	<"$ZC_TMP/sent" || zb_fail "kcat -P"
[ -d "$dir" ] || zb_fail "no partition directory $dir"

# expect FIRST COUNT: the sent lines FIRST.. as kcat prints them (offset =
# line number, one partition)
expect()
{
	awk -v a="$1" -v n="$2" 'NR > a && NR <= a + n { print NR - 1 " " $0 }' \
		"$ZC_TMP/sent"
}
# read_from OFFSET COUNT [-e]
read_check()
{
	local from=$1 count=$2
	shift 2
	timeout 30 kcat -b "$ZB_ADDR" -q -C -t seg -p 0 -o "$from" -f "$fmt" \
		"$@" >"$ZC_TMP/got" || zb_fail "kcat -C -o $from: exit $?"
	expect "$from" "$count" >"$ZC_TMP/want"
	cmp -s "$ZC_TMP/want" "$ZC_TMP/got" ||
		zb_fail "kcat -C -o $from: $(wc -l <"$ZC_TMP/got") records differ from the $count expected"
}
read_check 0 $N -e
read_check 1234 10 -c 10
read_check $((N - 1)) 1 -e
nseg=$(zb_py seg_check.py "$dir" 5 | tail -n 1) || zb_fail "segment files"
echo "$nseg segments while running"
zb_stop
zb_py seg_check.py "$dir" 5 clean >/dev/null || zb_fail "segment files after a clean stop"

# Size retention: keep about 40 KB (Kafka deletes the oldest segments while
# what stays is still >= the limit, so it keeps less than limit + a segment).
zb_start "$data" "${opts[@]}" --set log.retention.bytes=40000
max=$((40000 + 16384 + 4096))
for ((i = 0; i < 300; i++)); do
	left=$(cat "$dir"/*.log | wc -c)
	[ "$left" -le "$max" ] && break
	sleep 0.1
done
[ -e "$dir/00000000000000000000.log" ] &&
	zb_fail "log.retention.bytes=40000: the first segment is still there after 30 s"
[ "$left" -le "$max" ] ||
	zb_fail "retention kept $left bytes after 30 s, over 40000 + one segment"
[ "$left" -ge 40000 ] || zb_fail "retention kept $left bytes, less than the 40000 asked"
first=$(ls "$dir" | sed -n 's/^\([0-9]\{20\}\)\.log$/\1/p' | sort | head -n 1)
first=$((10#$first))
timeout 30 kcat -b "$ZB_ADDR" -q -C -t seg -p 0 -o beginning -e -f "$fmt" \
	>"$ZC_TMP/got" || zb_fail "kcat -C after retention"
expect "$first" $((N - first)) >"$ZC_TMP/want"
cmp -s "$ZC_TMP/want" "$ZC_TMP/got" ||
	zb_fail "after retention, reading from the beginning did not give offsets $first..$((N - 1)) exactly"
zb_py seg_check.py "$dir" 2 >/dev/null || zb_fail "segment files after retention"
zb_stop
echo "PASS: $nseg segments, index lookups, retention to offset $first"
