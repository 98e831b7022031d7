# Shared by the zcp_*.sh tests (sourced; the leading "_" keeps the runner
# from running it). Provides the binary, a scratch directory, pass/fail
# bookkeeping and the fixtures: random files, a one-shot tcp-listen zcp
# whose port is read from its "listening on" line, and a check that a
# directory holds nothing but the files a test expects.
set -u
zcp=${ZC_BUILD:?}/zcp
tmp=${ZC_TMP:?}
[ -x "$zcp" ] || { echo "zcp not built: $zcp"; exit 1; }
fails=0

ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
finish() {
	if [ $fails -ne 0 ]; then
		echo "$fails check(s) failed"
		exit 1
	fi
	echo "all checks passed"
	exit 0
}

# mkdata PATH BYTES: random content (every check compares with cmp).
mkdata() {
	head -c "$2" /dev/urandom >"$1"
}

# same A B WHAT: the two files hold identical bytes.
same() {
	if cmp -s "$1" "$2"; then ok "$3"; else bad "$3: $1 and $2 differ"; fi
}

# copied WHAT WANT GOT ZCP-ARGS...: `zcp ZCP-ARGS` exits 0 and GOT holds
# exactly WANT's bytes.
copied() {
	local what=$1 want=$2 got=$3 rc
	shift 3
	"$zcp" "$@" 2>"$tmp/copied.err"
	rc=$?
	if [ $rc -eq 0 ] && cmp -s "$want" "$got"; then
		ok "$what"
	else
		bad "$what: exit $rc, $(head -c 300 "$tmp/copied.err"), bytes $(cmp "$want" "$got" 2>&1 | head -c 200)"
	fi
}

# listen_bg ZCP-ARGS...: runs `zcp ZCP-ARGS` (one of them a tcp-listen:
# with port 0) in the background, its stdin kept and its stdout going to
# $lout when set; waits for its "listening on ADDR" line. Sets
# lpid (its pid), lerr (its stderr), laddr (HOST:PORT or [V6]:PORT, as
# printed) and port.
listen_bg() {
	local i
	lerr=$tmp/listen.err.$RANDOM
	: >"$lerr"
	# <&0: an asynchronous command would otherwise read /dev/null.
	if [ -n "${lout:-}" ]; then
		"$zcp" "$@" 2>"$lerr" >"$lout" <&0 &
	else
		"$zcp" "$@" 2>"$lerr" <&0 &
	fi
	lpid=$!
	laddr= port=
	for i in $(seq 1 250); do
		laddr=$(sed -n 's/^zcp: listening on \(.*:[0-9]*\)$/\1/p' "$lerr")
		if [ -n "$laddr" ]; then
			port=${laddr##*:}
			return 0
		fi
		kill -0 $lpid 2>/dev/null || break
		sleep 0.02
	done
	echo "tcp-listen zcp did not start:"; cat "$lerr"
	return 1
}

# listen_start DST [ZCP OPTIONS...]: listen_bg OPTIONS
# tcp-listen:127.0.0.1:0 DST.
listen_start() {
	local dst=$1
	shift
	listen_bg "$@" tcp-listen:127.0.0.1:0 "$dst"
}

# listen_wait: exit status of the background listener.
listen_wait() {
	wait "$lpid"
}

# only_files DIR NAME...: DIR holds exactly these names (no temporary left).
only_files() {
	local dir=$1 got want
	shift
	got=$(ls -A "$dir" | sort | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	if [ "$got" = "$want" ]; then
		ok "$dir holds only the $# expected files"
	else
		bad "$dir holds '$got', expected '$want'"
	fi
}

# zcp_line FILE: stderr holds a "zcp: WHAT: REASON" line.
zcp_line() {
	grep -q '^zcp: .*: ' "$1"
}
