#!/usr/bin/env bash
# serial: yes
# zcp's AUTO clones a whole regular file when the file system shares
# extents: on XFS with reflink=1 (a small loop image; needs root and
# xfsprogs) the copy reports method "clone", is identical, and shares its
# extents with SRC; a range (--offset) or an explicit method moves bytes.
# timeout: 60
. "$(dirname "$0")/_zcp_lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "needs root to mount an XFS loop image"; exit 77; }
command -v mkfs.xfs >/dev/null || { echo "mkfs.xfs missing (xfsprogs)"; exit 77; }
img=$tmp/xfs.img mnt=$tmp/xfs
truncate -s 400M "$img"
mkfs.xfs -q -m reflink=1 "$img" 2>"$tmp/mkfs.err" ||
	{ echo "mkfs.xfs failed: $(head -n 1 "$tmp/mkfs.err")"; exit 77; }
mkdir -p "$mnt"
mount -o loop "$img" "$mnt" 2>"$tmp/mount.err" ||
	{ echo "cannot mount a loop image: $(head -n 1 "$tmp/mount.err")"; exit 77; }
trap 'umount "$mnt"' EXIT
mkdata "$mnt/src" 8388609
mkdata "$mnt/dst" 1000
"$zcp" --json "$mnt/src" "$mnt/dst" 2>"$tmp/err" || bad "clone exited $?: $(cat "$tmp/err")"
grep -q '"method":"clone"' "$tmp/err" && ok "auto used a reflink clone" ||
	bad "auto did not clone: $(cat "$tmp/err")"
same "$mnt/src" "$mnt/dst" "cloned bytes"
if command -v filefrag >/dev/null; then
	filefrag -v "$mnt/dst" | grep -q shared && ok "DST extents are shared" ||
		bad "DST extents not shared: $(filefrag -v "$mnt/dst" | tail -n 3)"
fi
"$zcp" --json --offset 4096 "$mnt/src" "$mnt/part" 2>"$tmp/err"
grep -q '"method":"clone"' "$tmp/err" && bad "a range was cloned whole" ||
	ok "a range is not cloned: $(sed -n 's/.*"method":"\([^"]*\)".*/\1/p' "$tmp/err")"
tail -c +4097 "$mnt/src" | cmp -s - "$mnt/part" && ok "range bytes" || bad "range bytes differ"
"$zcp" --json -m read-write "$mnt/src" "$mnt/rw" 2>"$tmp/err"
grep -q '"method":"read-write"' "$tmp/err" && same "$mnt/src" "$mnt/rw" "-m read-write does not clone" ||
	bad "-m read-write: $(cat "$tmp/err")"
only_files "$mnt" src dst part rw
finish
