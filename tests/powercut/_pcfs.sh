# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# _pcfs.sh — mount, cut and unmount the power-cut file system (powercutfs.c)
# from a test script. Source it; then:
#   pc_need                       skip (exit 77) when FUSE cannot be used
#   pc_mount DISK MNT             mount DISK's durable state on MNT
#   pc_cut MNT                    cut the power (unsynced changes dropped)
#   pc_umount MNT                 unmount and wait for the daemon to exit
#   pc_broker_env                 for broker tests (after _lib.sh): disk and
#                                 mnt under $ZC_TMP, cleanup of both on exit

PC_BIN=${ZC_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}/tests/powercut/powercutfs
PC_PID=
PC_LOG=

pc_need()
{
	if [ ! -x "$PC_BIN" ]; then
		echo "SKIP: $PC_BIN not built (libfuse3-dev missing?)"
		exit 77
	fi
	if [ ! -c /dev/fuse ]; then
		echo "SKIP: no /dev/fuse"
		exit 77
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: mounting FUSE here needs root"
		exit 77
	fi
	if ! command -v fusermount3 >/dev/null 2>&1; then
		echo "SKIP: fusermount3 missing (Debian package fuse3)"
		exit 77
	fi
}

pc_mount()
{
	local disk=$1 mnt=$2 i
	mkdir -p "$mnt"
	PC_LOG=${PC_LOG:-$(dirname "$mnt")/powercutfs.log}
	"$PC_BIN" "$disk" "$mnt" -f >>"$PC_LOG" 2>&1 &
	PC_PID=$!
	for i in $(seq 1 100); do
		if mountpoint -q "$mnt"; then
			return 0
		fi
		if ! kill -0 "$PC_PID" 2>/dev/null; then
			break
		fi
		sleep 0.05
	done
	echo "FAIL: powercutfs did not mount $mnt"
	cat "$PC_LOG"
	exit 1
}

pc_cut()
{
	if ! echo cut >"$1/.powercut"; then
		echo "FAIL: could not cut the power on $1"
		exit 1
	fi
}

pc_umount()
{
	local mnt=$1 i
	for i in $(seq 1 50); do
		if fusermount3 -u "$mnt" 2>/dev/null; then
			break
		fi
		sleep 0.1 # a process may still hold a file open
	done
	if mountpoint -q "$mnt"; then
		fusermount3 -uz "$mnt" 2>/dev/null
	fi
	if [ -n "$PC_PID" ]; then
		wait "$PC_PID" 2>/dev/null
		PC_PID=
	fi
}

pc_broker_env()
{
	disk=$ZC_TMP/disk
	mnt=$ZC_TMP/mnt
	PC_LOG=$ZC_TMP/powercutfs.log
	mkdir -p "$disk"
	trap 'zb_cleanup; pc_umount "$mnt" 2>/dev/null' EXIT
}
