#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The same data read back through every zc.fetch.method (read-write, mmap,
# sendfile, splice): written once over several segments and partitions,
# then for each method the broker restarts on it and kcat reads everything
# from the beginning, once with default fetch sizes and once with small
# ones (many fetches, cut at batch boundaries); every record checked.
# timeout: 150
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_cmd kcat
zb_need_py json

data=$ZC_TMP/data
N=3000
zb_start "$data" --set num.partitions=3 --set log.segment.bytes=65536
zb_py kcat_check.py gen fm 0 $N >"$ZC_TMP/sent"
timeout 40 kcat -b "$ZB_ADDR" -q -P -t fm -K : -X batch.num.messages=50 \
	<"$ZC_TMP/sent" || zb_fail "kcat -P"
zb_stop
for m in read-write mmap sendfile splice; do
	zb_start "$data" --set zc.fetch.method=$m
	timeout 40 kcat -b "$ZB_ADDR" -q -C -t fm -o beginning -e \
		-f '%p %o %k %s\n' >"$ZC_TMP/got.$m" || zb_fail "$m: kcat -C"
	zb_py kcat_check.py check "$ZC_TMP/sent" "$ZC_TMP/got.$m" 3 ||
		zb_fail "zc.fetch.method=$m: wrong records"
	timeout 40 kcat -b "$ZB_ADDR" -q -C -t fm -o beginning -e \
		-X fetch.max.bytes=6000 -X max.partition.fetch.bytes=3000 \
		-X message.max.bytes=6000 \
		-f '%p %o %k %s\n' >"$ZC_TMP/small.$m" ||
		zb_fail "$m: kcat -C (small fetches)"
	zb_py kcat_check.py check "$ZC_TMP/sent" "$ZC_TMP/small.$m" 3 ||
		zb_fail "zc.fetch.method=$m, small fetches: wrong records"
	zb_stop
	echo "zc.fetch.method=$m: $N records back, twice"
done
echo "PASS: every fetch method returns the same records"
