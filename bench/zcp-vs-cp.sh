#!/usr/bin/env bash
# zcp vs cp and dd bs=1M: copy one file to a new file on the same file
# system (warm page cache, DST removed and the file system synced between
# runs, commands interleaved). Reports the median wall time of each, the
# rate, and zcp's speed as a ratio to cp (target: >= 1.0x).
#   bench/zcp-vs-cp.sh [SIZE]      SIZE default 1G
RUNS=${RUNS:-9} # writeback makes single runs noisy
. "$(dirname "$0")/zcp-common.sh"
size=${1:-1G}
bytes=$(numfmt --from=iec "$size")
src=$BENCH_DIR/cp-src dst=$BENCH_DIR/cp-dst
machine
mkdata "$src" "$bytes"
cat "$src" >/dev/null
declare -A cmds=(
	[zcp]="$ZCP $src $dst"
	[cp]="cp $src $dst"
	[dd]="dd if=$src of=$dst bs=1M status=none"
)
order="zcp cp dd"
for k in $order; do echo "command ($k): ${cmds[$k]}"; : >"$BENCH_DIR/t.$k"; done
echo "file: $size ($bytes bytes), $RUNS runs each, medians"
for i in $(seq 1 "$RUNS"); do
	for k in $order; do
		rm -f "$dst"
		sync
		sleep 0.3
		timed "$BENCH_DIR/t.$k" ${cmds[$k]} || exit 1
		cmp -s "$src" "$dst" || { echo "$k: copy differs"; exit 1; }
	done
done
rm -f "$dst"
"$ZCP" --json "$src" "$dst" 2>"$BENCH_DIR/json" && rm -f "$dst"
echo "zcp method: $(sed -n 's/.*"method":"\([^"]*\)".*/\1/p' "$BENCH_DIR/json")"
for k in $order; do
	w=$(col "$BENCH_DIR/t.$k" 1)
	printf '%-4s median %8.3f s  %8.1f MiB/s  cpu user %.3f s sys %.3f s\n' \
		"$k" "$w" "$(awk -v b="$bytes" -v w="$w" 'BEGIN { print b / w / 1048576 }')" \
		"$(col "$BENCH_DIR/t.$k" 2)" "$(col "$BENCH_DIR/t.$k" 3)"
done
z=$(col "$BENCH_DIR/t.zcp" 1)
echo "ratio: zcp speed vs cp = $(ratio "$(col "$BENCH_DIR/t.cp" 1)" "$z")x (target >= 1.0)," \
	"vs dd bs=1M = $(ratio "$(col "$BENCH_DIR/t.dd" 1)" "$z")x"
rm -f "$src" "$BENCH_DIR"/t.* "$BENCH_DIR/json"
