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
#   tests/run-tests.sh [--build DIR] [--san-build DIR] [--only-san] [FILTER...]
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=build
san=
only_san=
filters=()
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--san-build) san=$2; shift 2 ;;
	--only-san) only_san=1; san=$build; shift ;;
	-h|--help) sed -n '2,16p' "$0"; exit 0 ;;
	*) filters+=("$1"); shift ;;
	esac
done
cd "$here" || exit 1
abs() { case "$1" in /*) echo "$1" ;; *) echo "$here/$1" ;; esac; }
build=$(abs "$build")
[ -n "$san" ] && san=$(abs "$san")

logdir=$here/build/test-logs
mkdir -p "$logdir"
pass=0 fail=0 skip=0
failed=()
default_timeout=${ZC_TEST_TIMEOUT:-300}

wanted() {
	[ ${#filters[@]} -eq 0 ] && return 0
	local f
	for f in "${filters[@]}"; do
		case "$1" in *"$f"*) return 0 ;; esac
	done
	return 1
}

# run_one LABEL BUILD_DIR SANFLAG CMD...
run_one() {
	local label=$1 bdir=$2 sanflag=$3
	shift 3
	wanted "$label" || return 0
	local log="$logdir/${label//\//_}.log" t=$default_timeout
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
	0) pass=$((pass + 1)); printf 'PASS  %-44s %4ds\n' "$label" "$secs"
	   rm -rf "$tmp" ;;
	77) skip=$((skip + 1))
	    printf 'SKIP  %-44s %s\n' "$label" "$(tail -n 1 "$log")"
	    rm -rf "$tmp" ;;
	*) fail=$((fail + 1)); failed+=("$label")
	   [ $rc -eq 124 ] && echo "timed out after ${t}s" >>"$log"
	   printf 'FAIL  %-44s %4ds (exit %d, log %s, files kept in %s)\n' \
		"$label" "$secs" "$rc" "${log#"$here"/}" "$tmp"
	   tail -n 25 "$log" | sed 's/^/      | /' ;;
	esac
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

if [ -z "$only_san" ]; then
	for t in $(compiled_tests "$build"); do
		run_one "$t" "$build" "" "$build/tests/$t"
	done
	for s in $(script_tests); do
		name=${s#tests/}
		run_one "${name%.sh}" "$build" "" "$here/$s"
	done
fi
if [ -n "$san" ]; then
	for t in $(compiled_tests "$san"); do
		run_one "san/$t" "$san" 1 "$san/tests/$t"
	done
	for s in $(script_tests); do
		grep -q '^# san: yes' "$s" || continue
		name=${s#tests/}
		run_one "san/${name%.sh}" "$san" 1 "$here/$s"
	done
fi

echo
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
