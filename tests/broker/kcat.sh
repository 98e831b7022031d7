#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kcat (librdkafka 2.0.2) against zcbroker: keyed records produced with
# acks=0, acks=1 and acks=all (and compressed with gzip, lz4, zstd), read back
# with the simple consumer (-C -o beginning -e) and with the balanced
# consumer (-G, group protocol); a second -G run of the same group gets only
# what was produced after the first one's commits. Every record checked by
# kcat_check.py.
# timeout: 120
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_cmd kcat
zb_need_py json

zb_start "$ZC_TMP/data" --set num.partitions=3
N=400
fmt='%p %o %k %s\n'
kc() { timeout 40 kcat -b "$ZB_ADDR" -q "$@"; }

# produce TOPIC TAG FIRST COUNT KCAT-OPTIONS...: lines go to $ZC_TMP/TOPIC.sent
produce()
{
	local t=$1 tag=$2 first=$3 count=$4
	shift 4
	zb_py kcat_check.py gen "$tag" "$first" "$count" >"$ZC_TMP/$t.in"
	cat "$ZC_TMP/$t.in" >>"$ZC_TMP/$t.sent"
	kc -P -t "$t" -K : "$@" <"$ZC_TMP/$t.in" ||
		zb_fail "kcat -P -t $t $*: exit $?"
}

# read_all TOPIC: the simple consumer, every partition, to the end
read_all()
{
	kc -C -t "$1" -o beginning -e -f "$fmt" >"$ZC_TMP/$1.got" ||
		zb_fail "kcat -C -t $1: exit $?"
	zb_py kcat_check.py check "$ZC_TMP/$1.sent" "$ZC_TMP/$1.got" 3 ||
		zb_fail "kcat -C -t $1: wrong records"
}

for acks in 0 1 all; do
	produce "acks-$acks" "acks$acks" 0 $N -X acks=$acks
	read_all "acks-$acks"
done
for z in gzip lz4 zstd; do
	produce "z-$z" "$z" 0 $N -X acks=all -z $z
	read_all "z-$z"
done

# Auto-created with num.partitions=3.
kc -L -t acks-0 | grep -q 'topic "acks-0" with 3 partitions' ||
	zb_fail "kcat -L: acks-0 does not have 3 partitions: $(kc -L -t acks-0)"

# Balanced consumer: the group reads everything, commits on close; the
# next member of the same group starts after those commits.
t="acks-all"
kc -G g1 -X auto.offset.reset=earliest -c $N -f "$fmt" "$t" \
	>"$ZC_TMP/g1.got" || zb_fail "kcat -G g1 $t: exit $?"
zb_py kcat_check.py check "$ZC_TMP/$t.sent" "$ZC_TMP/g1.got" 3 ||
	zb_fail "kcat -G g1 (first member): wrong records"
rm "$ZC_TMP/$t.sent"
produce "$t" more $N 100 -X acks=all
kc -G g1 -X auto.offset.reset=earliest -c 100 -f "$fmt" "$t" \
	>"$ZC_TMP/g1b.got" || zb_fail "kcat -G g1 (again): exit $?"
zb_py kcat_check.py check "$ZC_TMP/$t.in" "$ZC_TMP/g1b.got" 3 ||
	zb_fail "kcat -G g1 (second member): wrong records"

zb_alive || zb_fail "zcbroker died"
zb_stop
echo "PASS: kcat acks=0/1/all, gzip/lz4/zstd, -C and -G"
