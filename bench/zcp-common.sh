# Sourced by bench/zcp-*.sh (not a benchmark itself): where zcp is, where
# to put the test files, and small timing helpers. Knobs (environment):
#   ZCP=path/to/zcp     default: build/zcp of this tree
#   BENCH_DIR=dir       scratch directory (default /var/tmp/zcp-bench: on
#                       the root file system, not tmpfs)
#   RUNS=N              runs per command (default 5); medians are reported
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
ZCP=${ZCP:-$root/build/zcp}
BENCH_DIR=${BENCH_DIR:-/var/tmp/zcp-bench}
RUNS=${RUNS:-5}
[ -x "$ZCP" ] || { echo "zcp not built: $ZCP (make, or set ZCP=)"; exit 1; }
mkdir -p "$BENCH_DIR"

machine() {
	echo "machine: $(nproc) CPUs, $(uname -sr), $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "bench dir: $BENCH_DIR on $(df -T "$BENCH_DIR" | awk 'NR==2 {print $2 " (" $1 ")"}')"
}

# mkdata PATH BYTES: random, incompressible content, left in the page cache.
mkdata() {
	[ -f "$1" ] && [ "$(stat -c %s "$1")" -eq "$2" ] && return 0
	head -c "$2" /dev/urandom >"$1"
}

# median: of the numbers on stdin, one per line.
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]
		else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# timed OUTFILE CMD...: run CMD under /usr/bin/time; append to OUTFILE one
# line "wall_s user_s sys_s" (wall from the nanosecond clock, CPU from
# getrusage of the command, 10 ms resolution). Output is discarded.
timed() {
	local out=$1 t t0 t1
	shift
	t=$(mktemp)
	t0=$(date +%s%N)
	/usr/bin/time -f '%U %S' -o "$t" "$@" >/dev/null 2>&1 ||
		{ echo "command failed: $*" >&2; cat "$t" >&2; rm -f "$t"; return 1; }
	t1=$(date +%s%N)
	echo "$(awk -v n=$((t1 - t0)) 'BEGIN { printf "%.6f", n / 1e9 }') $(tail -n 1 "$t")" >>"$out"
	rm -f "$t"
}

# wall_ns CMD...: nanosecond wall clock of CMD (finer than /usr/bin/time).
wall_ns() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 || return 1
	t1=$(date +%s%N)
	echo $((t1 - t0))
}

# col FILE N: median of column N of FILE.
col() {
	awk -v c="$2" '{ print $c }' "$1" | median
}

# ratio A B: A / B with two decimals.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'
}
