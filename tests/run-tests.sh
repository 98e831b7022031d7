#!/usr/bin/env bash
# Runs every test of the project and prints one summary line:
#   N passed, N failed, N skipped
#
# A test is either a compiled program under BUILD/tests/{lib,unit,broker,fuzz}/ or
# an executable script tests/*/*.sh whose name does not start with "_".
# Exit status of a test: 0 pass, 77 skip (its last output line says why),
# anything else fail. Each runs under `timeout`; a script may ask for more
# time with a line "# timeout: SECONDS" near its top.
#
# With --san-build DIR, the compiled tests of DIR run a second time (the
# sanitizer build), and so do scripts that carry a line "# san: yes"; they
# see ZC_BUILD=DIR and ZC_SAN=1.
#
# Most tests wait on clients and timers more than they use a CPU, so -j N
# (default ZC_TEST_JOBS, else 2) runs N at a time. Tests that time the
# machine, mount file systems or move network namespaces carry a line
# "# serial: yes" (compiled ones are listed in serial_compiled below) and
# run afterwards, one at a time.
#
#   tests/run-tests.sh [--build DIR] [--san-build DIR] [--only-san] [-j N] [FILTER...]
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=build
san=
only_san=
filters=()
jobs=${ZC_TEST_JOBS:-2}
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--san-build) san=$2; shift 2 ;;
	--only-san) only_san=1; san=$build; shift ;;
	-j) jobs=$2; shift 2 ;;
	-h|--help) sed -n '2,22p' "$0"; exit 0 ;;
	*) filters+=("$1"); shift ;;
	esac
done
cd "$here" || exit 1
abs() { case "$1" in /*) echo "$1" ;; *) echo "$here/$1" ;; esac; }
build=$(abs "$build")
[ -n "$san" ] && san=$(abs "$san")

logdir=$here/build/test-logs
mkdir -p "$logdir"
results=$(mktemp -d /tmp/zcresults.XXXXXX)
trap 'rm -rf "$results"' EXIT
default_timeout=${ZC_TEST_TIMEOUT:-300}
# Compiled tests that time the machine: run alone.
serial_compiled=" unit/proto_durable unit/log_flusher "

wanted() {
	[ ${#filters[@]} -eq 0 ] && return 0
	local f
	for f in "${filters[@]}"; do
		case "$1" in *"$f"*) return 0 ;; esac
	done
	return 1
}

# run_one LABEL BUILD_DIR SANFLAG CMD...: one test; its verdict goes to
# $results/LABEL.{res,out} (res: pass, skip or fail).
run_one() {
	local label=$1 bdir=$2 sanflag=$3
	shift 3
	local log="$logdir/${label//\//_}.log" t=$default_timeout
	local res="$results/${label//\//_}"
	if [ -f "$1" ] && head -c 2 "$1" | grep -q '#!'; then
		local v
		v=$(sed -n '1,15s/^# timeout: *\([0-9]*\).*/\1/p' "$1" | head -n 1)
		[ -n "$v" ] && t=$v
	fi
	local tmp
	tmp=$(mktemp -d /tmp/zctest.XXXXXX)
	local start=$SECONDS rc
	ZC_BUILD=$bdir ZC_SRC=$here ZC_TMP=$tmp ZC_SAN=$sanflag \
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		timeout -k 10 "$t" "$@" >"$log" 2>&1 </dev/null
	rc=$?
	local secs=$((SECONDS - start))
	case $rc in
	0) echo pass >"$res.res"
	   printf 'PASS  %-44s %4ds\n' "$label" "$secs" >"$res.out"
	   rm -rf "$tmp" ;;
	77) echo skip >"$res.res"
	    printf 'SKIP  %-44s %s\n' "$label" "$(tail -n 1 "$log")" >"$res.out"
	    rm -rf "$tmp" ;;
	*) echo "fail $label" >"$res.res"
	   [ $rc -eq 124 ] && echo "timed out after ${t}s" >>"$log"
	   { printf 'FAIL  %-44s %4ds (exit %d, log %s, files kept in %s)\n' \
		"$label" "$secs" "$rc" "${log#"$here"/}" "$tmp"
	     tail -n 25 "$log" | sed 's/^/      | /'; } >"$res.out" ;;
	esac
}

# The queue: "LABEL BUILD SANFLAG CMD" lines (unit-separated), parallel and
# serial ones apart.
queue_par=() queue_ser=()
enqueue() {
	wanted "$1" || return 0
	local line
	line=$(printf '%s\037%s\037%s\037%s' "$1" "$2" "$3" "$4")
	if [ "$5" = serial ]; then
		queue_ser+=("$line")
	else
		queue_par+=("$line")
	fi
}

# run_queue N LINES...: run them N at a time, printing each verdict as
# its test ends.
run_queue() {
	local n=$1 line label bdir sanflag cmd running=0
	shift
	for line in "$@"; do
		IFS=$'\037' read -r label bdir sanflag cmd <<<"$line"
		while [ "$running" -ge "$n" ]; do
			wait -n
			running=$((running - 1))
			flush_done
		done
		run_one "$label" "$bdir" "$sanflag" "$cmd" &
		running=$((running + 1))
	done
	wait
	flush_done
}

# Print the verdicts of tests that ended and were not printed yet.
flush_done() {
	local f
	for f in "$results"/*.out; do
		[ -f "$f" ] || continue
		cat "$f"
		mv "$f" "${f%.out}.printed"
	done
}

compiled_tests() {
	local d f
	for d in lib unit broker fuzz; do
		for f in "$1/tests/$d"/*; do
			[ -f "$f" ] && [ -x "$f" ] && echo "$d/${f##*/}"
		done
	done
}

script_tests() {
	local f
	for f in tests/*/*.sh; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		case "${f##*/}" in _*) continue ;; esac
		echo "$f"
	done
}

is_serial() {
	case "$1" in
	*.sh) grep -q '^# serial: yes' "$1" ;;
	*) [[ "$serial_compiled" == *" $2 "* ]] ;;
	esac
}

# enqueue LABEL BUILD SANFLAG CMD serial|par
add() {
	local mode=par
	is_serial "$4" "${1#san/}" && mode=serial
	enqueue "$1" "$2" "$3" "$4" "$mode"
}

if [ -z "$only_san" ]; then
	for t in $(compiled_tests "$build"); do
		add "$t" "$build" "" "$build/tests/$t"
	done
	for s in $(script_tests); do
		name=${s#tests/}
		add "${name%.sh}" "$build" "" "$here/$s"
	done
fi
if [ -n "$san" ]; then
	for t in $(compiled_tests "$san"); do
		add "san/$t" "$san" 1 "$san/tests/$t"
	done
	for s in $(script_tests); do
		grep -q '^# san: yes' "$s" || continue
		name=${s#tests/}
		add "san/${name%.sh}" "$san" 1 "$here/$s"
	done
fi
run_queue "$jobs" ${queue_par[@]+"${queue_par[@]}"}
run_queue 1 ${queue_ser[@]+"${queue_ser[@]}"}

pass=$(cat "$results"/*.res 2>/dev/null | grep -c '^pass')
skip=$(cat "$results"/*.res 2>/dev/null | grep -c '^skip')
fail=$(cat "$results"/*.res 2>/dev/null | grep -c '^fail')
failed=$(cat "$results"/*.res 2>/dev/null | sed -n 's/^fail //p' | tr '\n' ' ')
echo
[ "$fail" -gt 0 ] && echo "failed: ${failed% }"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
