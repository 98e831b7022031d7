#!/usr/bin/env bash
# A reflink clone of a 1 GiB file on XFS (reflink=1, a loop image made for
# the purpose; needs root): zcp's AUTO tries FICLONE first, so the copy
# shares extents and costs metadata only. Reports the median wall time of
# zcp (target < 50 ms) next to cp --reflink=always and, for contrast, a
# byte copy (zcp -m read-write).
#   bench/zcp-reflink.sh [SIZE]      SIZE default 1G
. "$(dirname "$0")/zcp-common.sh"
size=${1:-1G}
bytes=$(numfmt --from=iec "$size")
[ "$(id -u)" -eq 0 ] || { echo "needs root (loop device and mount)"; exit 77; }
command -v mkfs.xfs >/dev/null || { echo "mkfs.xfs missing (xfsprogs)"; exit 77; }
img=$BENCH_DIR/xfs.img mnt=$BENCH_DIR/xfs
machine
cleanup() {
	umount "$mnt" 2>/dev/null
	rm -f "$img"
	rmdir "$mnt" 2>/dev/null
}
trap cleanup EXIT
rm -f "$img"
truncate -s $((bytes * 3 + 512 * 1048576)) "$img"
mkfs.xfs -q -m reflink=1 "$img" || exit 1
mkdir -p "$mnt"
mount -o loop "$img" "$mnt" || exit 1
echo "file system: XFS reflink=1 on a loop image ($img), kernel $(uname -r)"
src=$mnt/src
head -c "$bytes" /dev/urandom >"$src"
sync
declare -A cmds=(
	[zcp]="$ZCP $src $mnt/dst"
	[cp]="cp --reflink=always $src $mnt/dst"
	[rw]="$ZCP -m read-write $src $mnt/dst"
)
order="zcp cp rw"
for k in $order; do echo "command ($k): ${cmds[$k]}"; : >"$BENCH_DIR/t.$k"; done
echo "file: $size ($bytes bytes), $RUNS runs each, medians"
"$ZCP" --json "$src" "$mnt/dst" 2>"$BENCH_DIR/json"
cmp -s "$src" "$mnt/dst" || { echo "zcp: clone differs"; exit 1; }
echo "zcp method: $(sed -n 's/.*"method":"\([^"]*\)".*/\1/p' "$BENCH_DIR/json")"
for i in $(seq 1 "$RUNS"); do
	for k in $order; do
		rm -f "$mnt/dst"
		sync
		timed "$BENCH_DIR/t.$k" ${cmds[$k]} || exit 1
	done
done
cmp -s "$src" "$mnt/dst" || { echo "last copy differs"; exit 1; }
for k in $order; do
	w=$(col "$BENCH_DIR/t.$k" 1)
	printf '%-4s median %9.1f ms\n' "$k" "$(awk -v w="$w" 'BEGIN { print w * 1000 }')"
done
z=$(col "$BENCH_DIR/t.zcp" 1)
echo "zcp clone: $(awk -v w="$z" 'BEGIN { printf "%.1f", w * 1000 }') ms (target < 50 ms);" \
	"ratio vs cp --reflink=always = $(ratio "$(col "$BENCH_DIR/t.cp" 1)" "$z")x speed," \
	"vs byte copy = $(ratio "$(col "$BENCH_DIR/t.rw" 1)" "$z")x"
rm -f "$BENCH_DIR"/t.* "$BENCH_DIR/json"
