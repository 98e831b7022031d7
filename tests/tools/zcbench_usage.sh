#!/usr/bin/env bash
# zcbench's command line: bad options exit 2 with "zcbench: ..." on stderr,
# --help exits 0, and a directory it cannot use exits 1 with a reason.
set -u
bin=${ZC_BUILD:?}/zcbench
tmp=${ZC_TMP:?}
[ -x "$bin" ] || { echo "zcbench not built: $bin"; exit 1; }
fail=0

expect() { # expect STATUS PATTERN ARGS...
	local want=$1 pat=$2 rc
	shift 2
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ $rc -ne "$want" ]; then
		echo "FAIL: zcbench $* exited $rc, expected $want"
		sed 's/^/   | /' "$tmp/err"
		fail=1
	elif ! grep -q -- "$pat" "$tmp/out" "$tmp/err"; then
		echo "FAIL: zcbench $*: no '$pat' in its output"
		fail=1
	else
		echo "ok: zcbench $* -> $rc"
	fi
}

expect 2 "zcbench: bad --size" --size abc
expect 2 "zcbench: bad --size" --size 0
expect 2 "zcbench: bad --reps" --reps 0
expect 2 "zcbench: bad --reps" --reps 3x
expect 2 "zcbench: unknown method 'nope'" --methods read-write,nope
expect 2 "zcbench: unknown scenario 'nope'" --scenarios nope
expect 2 "zcbench: unknown cache state" --cache hot
expect 2 "zcbench: bad --budget" --budget -1
expect 2 "zcbench: bad --max-runs" --max-runs 0
expect 2 "zcbench: bad --max-runs" --max-runs 51
expect 2 "zcbench: bad --settle" --settle x
expect 2 "zcbench: bad --figure-budget" --figure-budget -2
# The method list comes from the library's table, not from zcbench.
expect 0 "library has: read-write, mmap" --help
expect 2 "zcbench: unexpected argument" extra
expect 2 "Try 'zcbench --help'" --frobnicate
expect 0 "usage: zcbench" --help
expect 0 "usage: zcbench" -h
expect 1 "zcbench: $tmp/missing" --quick --dir "$tmp/missing"
# A JSON path it cannot write: the run itself is fine, the output is not.
expect 1 "zcbench: $tmp/no/such.json" --quick --scenarios cow \
	--dir "$tmp" --json "$tmp/no/such.json"
exit $fail
