#!/usr/bin/env bash
# serial: yes
# SPDX-License-Identifier: MIT
#
# A failing disk under durable acks: on powercutfs (tests/powercut/), the
# broker answers acks=all only after fdatasync. Pipelined answers on one
# connection stay in order. Then every fsync fails with EIO: the waiting
# acks=all produce gets KAFKA_STORAGE_ERROR, the partition goes offline
# (acks=1 refused too), a partition no sync failed on keeps taking acks=1,
# and once the disk works again the partitions stay offline rather than
# sync again and report success. After a restart, recovery re-reads the
# logs, they take records again, and every acknowledged record is there
# (kcat reads them back).
# timeout: 90
. "$(dirname "$0")/_lib.sh"
. "$ZC_SRC/tests/powercut/_pcfs.sh"
zb_need_broker
zb_need_cmd kcat
pc_need

pc_broker_env # disk=$ZC_TMP/disk, mnt=$ZC_TMP/mnt
opts=(--set num.partitions=2)

pc_mount "$disk" "$mnt"
zb_start "$mnt/data" "${opts[@]}"
zb_py sync_failure.py run "$ZB_ADDR" "$mnt" sf || zb_fail "sync failure"
if grep -q "partition offline" "$ZB_LOG"; then
	echo "ok   the broker says which partitions went offline"
else
	zb_fail "no 'partition offline' line in the broker's log"
fi
zb_stop
pc_umount "$mnt"
pc_mount "$disk" "$mnt"
zb_start "$mnt/data" "${opts[@]}"
zb_py sync_failure.py after "$ZB_ADDR" sf || zb_fail "after the restart"
for p in 0 1; do
	timeout 20 kcat -b "$ZB_ADDR" -C -t sf -p $p -o beginning -e -q \
		-f '%s\n' >"$ZC_TMP/sf-$p" || zb_fail "kcat sf-$p"
done
want0="first all-0"
want1="one-1 all-1"
got0=$(grep -E '^(first|all-0)$' "$ZC_TMP/sf-0" | xargs)
got1=$(grep -E '^(one-1|all-1)$' "$ZC_TMP/sf-1" | xargs)
if [ "$got0" = "$want0" ] && [ "$got1" = "$want1" ]; then
	echo "ok   acknowledged records kept: sf-0 [$got0], sf-1 [$got1]"
else
	zb_fail "acknowledged records: sf-0 [$got0] (want [$want0]), sf-1 [$got1] (want [$want1])"
fi
if grep -qE '^(lost-0|refused-0|lost-1|still-0|still-1)$' "$ZC_TMP/sf-0" "$ZC_TMP/sf-1"; then
	echo "note: a refused record is in the log (allowed: it was never acknowledged)"
fi
zb_stop
pc_umount "$mnt"
echo "PASS: failed syncs are never acknowledged"
