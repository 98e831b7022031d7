#!/usr/bin/env bash
# Every SRC/DST kind zcp knows (file, stdin/stdout as pipe or file,
# tcp-listen, tcp) with every method. Each run either succeeds with
# identical bytes, or fails with exit 1, a "zcp: WHAT: REASON" line and
# no DST file left behind. Where a method must work for a pair (auto and
# read-write always; copy-file-range file->file; sendfile file->socket;
# splice from pipes and sockets; mmap from files) a failure fails the test.
# san: yes
# timeout: 120
. "$(dirname "$0")/_zcp_lib.sh"
d=$tmp/methods
mkdir -p "$d"
src=$d/src
mkdata "$src" 1048577
methods="auto read-write mmap sendfile splice copy-file-range direct io-uring msg-zerocopy"

# must PAIR METHOD: whether METHOD has to serve PAIR.
must() {
	case "$2" in
	auto | read-write) return 0 ;;
	copy-file-range) [[ $1 = file-file || $1 = stdinfile-stdoutfile ]] ;;
	sendfile) [[ $1 = file-tcp ]] ;;
	splice) [[ $1 = pipe-* || $1 = listen-* || $1 = file-pipe ]] ;;
	mmap) [[ $1 = file-* ]] ;;
	*) return 1 ;;
	esac
}

# auto_wants PAIR: the methods an expert picks for the pair (the --json
# "method" of an AUTO run must be one of them).
auto_wants() {
	case $1 in
	file-file | stdinfile-stdoutfile) echo "clone copy-file-range" ;;
	file-tcp) echo "sendfile" ;;
	file-pipe) echo "splice sendfile" ;;
	*) echo "splice" ;;
	esac
}

# run PAIR METHOD: one transfer; sets rc, out (the bytes DST got), err.
# An AUTO run also prints --json so its choice can be checked.
run() {
	local pair=$1 m=$2 spid
	out=$d/out.$pair.$m
	err=$d/err.$pair.$m
	rm -f "$out"
	case $pair in
	file-file)
		"$zcp" -m "$m" $jopt "$src" "$out" 2>"$err"; rc=$? ;;
	stdinfile-stdoutfile)
		"$zcp" -m "$m" $jopt - - <"$src" >"$out" 2>"$err"; rc=$?
		[ $rc -ne 0 ] && rm -f "$out" ;; # written directly: no guarantee
	file-pipe)
		"$zcp" -m "$m" $jopt "$src" - 2>"$err" | cat >"$out"
		rc=${PIPESTATUS[0]}; [ $rc -ne 0 ] && rm -f "$out" ;;
	pipe-file)
		cat "$src" | "$zcp" -m "$m" $jopt - "$out" 2>"$err"
		rc=${PIPESTATUS[1]} ;;
	pipe-pipe)
		cat "$src" | "$zcp" -m "$m" $jopt - - 2>"$err" | cat >"$out"
		rc=${PIPESTATUS[1]}; [ $rc -ne 0 ] && rm -f "$out" ;;
	file-tcp | pipe-tcp)
		listen_start "$out" -m read-write || { rc=99; return; }
		if [ $pair = file-tcp ]; then
			"$zcp" -m "$m" $jopt "$src" tcp:127.0.0.1:$port 2>"$err"; rc=$?
		else
			cat "$src" | "$zcp" -m "$m" $jopt - tcp:127.0.0.1:$port 2>"$err"
			rc=${PIPESTATUS[1]}
		fi
		listen_wait || bad "$pair $m: the receiving zcp failed: $(cat "$lerr")"
		[ $rc -ne 0 ] && rm -f "$out" ;;
	listen-file)
		listen_start "$out" -m "$m" $jopt || { rc=99; return; }
		"$zcp" -m read-write "$src" tcp:127.0.0.1:$port 2>/dev/null
		listen_wait; rc=$?
		cp "$lerr" "$err" ;;
	listen-pipe)
		rm -f "$d/fifo"; mkfifo "$d/fifo"
		cat "$d/fifo" >"$out" &
		local cpid=$!
		lout=$d/fifo listen_start - -m "$m" $jopt || { rc=99; return; }
		"$zcp" -m read-write "$src" tcp:127.0.0.1:$port 2>/dev/null
		listen_wait; rc=$?
		wait $cpid
		cp "$lerr" "$err"
		[ $rc -ne 0 ] && rm -f "$out" ;;
	esac
}

check_auto() { # check_auto PAIR: after an AUTO run of PAIR
	local got
	got=$(sed -n 's/.*"method":"\([^"]*\)".*/\1/p' "$err")
	if [[ " $(auto_wants $1) " = *" $got "* ]]; then
		ok "$1: auto chose $got"
	else
		bad "$1: auto chose '$got', expected one of: $(auto_wants $1)"
	fi
}

pairs="file-file stdinfile-stdoutfile file-pipe pipe-file pipe-pipe file-tcp pipe-tcp listen-file listen-pipe"
for pair in $pairs; do
	served=
	for m in $methods; do
		jopt=
		[ $m = auto ] && jopt=--json
		run $pair $m
		if [ $rc -eq 0 ]; then
			if cmp -s "$src" "$out"; then
				served="$served $m"
				[ $m = auto ] && check_auto $pair
			else
				bad "$pair -m $m: exit 0 but the bytes differ"
			fi
		elif [ $rc -eq 1 ] && grep -v '^zcp: listening on' "$err" | grep -q '^zcp: .*: '; then
			if must $pair $m; then
				bad "$pair -m $m must work: $(cat "$err")"
			elif [ -e "$out" ] && [[ $pair = *-file ]]; then
				bad "$pair -m $m failed but left a DST file"
			else
				echo "   $pair -m $m declined: $(grep -v listening "$err")"
			fi
		else
			bad "$pair -m $m: exit $rc: $(cat "$err")"
		fi
	done
	ok "$pair served by:$served"
done
only_files "$d" $(cd "$d" && ls -A | grep -v '^\.')
finish
