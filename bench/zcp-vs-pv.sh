#!/usr/bin/env bash
# zcp - - vs pv -q and cat as the middle of a pipeline: stdin and stdout are
# both pipes (cat FILE | X | cat >/dev/null, FILE in the page cache).
# Reports the median wall time of the pipeline, the rate, the CPU of the
# middle process, and zcp's speed as a ratio to pv (target: >= 1.0x).
#   bench/zcp-vs-pv.sh [SIZE]      SIZE default 1G
. "$(dirname "$0")/zcp-common.sh"
size=${1:-1G}
bytes=$(numfmt --from=iec "$size")
src=$BENCH_DIR/pv-src
machine
command -v pv >/dev/null || { echo "pv is not installed"; exit 1; }
mkdata "$src" "$bytes"
cat "$src" >/dev/null
declare -A mid=([zcp]="$ZCP - -" [pv]="pv -q" [cat]="cat")
order="zcp pv cat"
for k in $order; do
	echo "command ($k): cat $src | ${mid[$k]} | cat >/dev/null"
	: >"$BENCH_DIR/t.$k"
done
echo "data: $size ($bytes bytes), $RUNS runs each, medians"
# One pipeline; CPU of the middle process via /usr/bin/time.
pipeline() { # pipeline KEY
	local t0 t1 t=$BENCH_DIR/time.$1
	t0=$(date +%s%N)
	cat "$src" | /usr/bin/time -f '%U %S' -o "$t" ${mid[$1]} | cat >/dev/null
	t1=$(date +%s%N)
	echo "$(awk -v n=$((t1 - t0)) 'BEGIN { printf "%.6f", n / 1e9 }') $(tail -n 1 "$t")" \
		>>"$BENCH_DIR/t.$1"
}
# Correctness first: the middle passes every byte through.
for k in $order; do
	cat "$src" | ${mid[$k]} | cmp -s - "$src" || { echo "$k: bytes differ"; exit 1; }
done
for i in $(seq 1 "$RUNS"); do
	for k in $order; do pipeline $k; done
done
cat "$src" | "$ZCP" --json - - 2>"$BENCH_DIR/json" >/dev/null
echo "zcp method: $(sed -n 's/.*"method":"\([^"]*\)".*/\1/p' "$BENCH_DIR/json")"
for k in $order; do
	w=$(col "$BENCH_DIR/t.$k" 1)
	printf '%-4s median %8.3f s  %8.1f MiB/s  middle cpu user %.2f s sys %.2f s\n' \
		"$k" "$w" "$(awk -v b="$bytes" -v w="$w" 'BEGIN { print b / w / 1048576 }')" \
		"$(col "$BENCH_DIR/t.$k" 2)" "$(col "$BENCH_DIR/t.$k" 3)"
done
z=$(col "$BENCH_DIR/t.zcp" 1)
echo "ratio: zcp speed vs pv -q = $(ratio "$(col "$BENCH_DIR/t.pv" 1)" "$z")x (target >= 1.0)," \
	"vs cat = $(ratio "$(col "$BENCH_DIR/t.cat" 1)" "$z")x"
rm -f "$src" "$BENCH_DIR"/t.* "$BENCH_DIR"/time.* "$BENCH_DIR/json"
