#!/usr/bin/env bash
# serial: yes
# SPDX-License-Identifier: MIT
# timeout: 60
#
# The power-cut file system keeps exactly what was synced: data synced
# with fsync/fdatasync/msync survives a cut, unsynced writes, truncates,
# mapped pages, creates, renames and unlinks are gone, a directory fsync
# makes a rename durable, and a clean unmount writes everything back.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/_pcfs.sh"
pc_need
PY=/usr/bin/python3
tmp=$(mktemp -d /tmp/powercut-fs.XXXXXX)
PC_LOG=$tmp/powercutfs.log
cleanup()
{
	pc_umount "$tmp/mnt" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/disk"
rc=0

pc_mount "$tmp/disk" "$tmp/mnt"
if "$PY" "$here/_fs_check.py" write "$tmp/mnt"; then :; else rc=1; fi
pc_cut "$tmp/mnt"
if "$PY" "$here/_fs_check.py" dead "$tmp/mnt"; then :; else rc=1; fi
pc_umount "$tmp/mnt"
if [ -e "$tmp/disk/n.dat" ]; then
	echo "FAIL the disk holds a never-synced file"
	rc=1
else
	echo "ok   the disk holds no never-synced file"
fi
pc_mount "$tmp/disk" "$tmp/mnt"
if "$PY" "$here/_fs_check.py" verify "$tmp/mnt"; then :; else rc=1; fi
if "$PY" "$here/_fs_check.py" clean-write "$tmp/mnt"; then :; else rc=1; fi
pc_umount "$tmp/mnt"
pc_mount "$tmp/disk" "$tmp/mnt"
if "$PY" "$here/_fs_check.py" clean-verify "$tmp/mnt"; then :; else rc=1; fi
pc_umount "$tmp/mnt"
if [ $rc -eq 0 ]; then echo "PASS"; else echo "FAIL"; fi
exit $rc
