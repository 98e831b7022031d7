#!/usr/bin/env bash
# serial: yes
# SPDX-License-Identifier: MIT
#
# A full disk (diskfull.py): the data directory is a 3 MiB tmpfs made by
# the test, filled by a ballast file just before an index needs a new
# page; produce until the broker answers KAFKA_STORAGE_ERROR, and it must
# neither die (index entries once went through a shared mapping and a
# full tmpfs turned that into SIGBUS) nor lose or change an acknowledged
# batch; consumers are served while the disk is full; once the ballast is
# gone, producing works again without a restart. Then a restart on the
# same data serves everything. Needs root (mount).
# timeout: 120
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_py json
[ "$(id -u)" -eq 0 ] || zb_skip "needs root to mount a tmpfs"
mnt=$ZC_TMP/mnt
mkdir -p "$mnt"
mount -t tmpfs -o size=3m zcfull "$mnt" || zb_skip "cannot mount a tmpfs"
trap 'zb_cleanup; umount -l "$mnt" 2>/dev/null' EXIT

zb_start "$mnt/data" --set num.partitions=1 --set log.index.interval.bytes=0
zb_py diskfull.py "$ZB_ADDR" "$ZC_TMP/state" fill "$mnt/ballast" ||
	zb_fail "fill"
zb_alive || zb_fail "zcbroker died on the full disk"
rm -f "$mnt/ballast"
zb_py diskfull.py "$ZB_ADDR" "$ZC_TMP/state" again || zb_fail "again"
zb_alive || zb_fail "zcbroker died"
zb_stop
zb_start "$mnt/data" --set num.partitions=1 --set log.index.interval.bytes=0
zb_py diskfull.py "$ZB_ADDR" "$ZC_TMP/state" again ||
	zb_fail "after a restart"
zb_stop
echo "PASS: full disk gives KAFKA_STORAGE_ERROR, loses nothing, recovers"
