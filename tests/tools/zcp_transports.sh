#!/usr/bin/env bash
# Every socket kind at both ends: tcp-listen: and unix-listen: as SRC
# (receive) and as DST (send), tcp: and unix: as DST and as SRC, with
# files, pipes and stdout at the other end; every byte compared. Also a
# stale unix socket path replaced, a path that is not a socket refused
# and left alone, and connecting to nobody. IPv6 is zcp_ipv6.sh.
# san: yes
# timeout: 120
. "$(dirname "$0")/_zcp_lib.sh"
d=$tmp/transports
mkdir -p "$d"
mkdata "$d/src" 3000001
s=$d/src

# listener SPEC ARGS...: run `zcp ARGS` (one of them SPEC, a listen kind)
# in the background; sets bpid, berr and addr (what a client connects to).
listener() {
	local spec=$1 i
	shift
	case $spec in
	tcp-listen:*)
		if listen_bg "$@"; then
			bpid=$lpid berr=$lerr addr=tcp:$laddr
			return 0
		fi
		bad "listener zcp $* did not start"
		return 1
		;;
	esac
	berr=$d/listener.err
	: >"$berr"
	"$zcp" "$@" 2>"$berr" <&0 &
	bpid=$!
	addr=
	for i in $(seq 1 250); do
		if [ -S "${spec#unix-listen:}" ]; then
			addr=unix:${spec#unix-listen:}
			return 0
		fi
		kill -0 $bpid 2>/dev/null || break
		sleep 0.02
	done
	bad "listener zcp $* did not start: $(cat "$berr")"
	kill $bpid 2>/dev/null
	wait $bpid 2>/dev/null
	return 1
}

# check WHAT RC1 RC2 OUT: both ends exited 0 and OUT holds SRC's bytes.
check() {
	if [ "$2" -eq 0 ] && [ "$3" -eq 0 ] && cmp -s "$s" "$4"; then
		ok "$1"
	else
		bad "$1: exits $2/$3: $(cat "$berr" "$d/err" 2>/dev/null | head -c 300)"
	fi
	rm -f "$4"
}

for kind in tcp unix; do
	if [ $kind = tcp ]; then spec=tcp-listen:127.0.0.1:0; else spec=unix-listen:$d/sock; fi

	# The listener receives (SRC), a file is sent to it.
	if listener $spec $spec "$d/out"; then
		"$zcp" "$s" "$addr" 2>"$d/err"; rc=$?
		wait $bpid; lrc=$?
		check "$kind: file -> $kind: -> $spec -> file" $rc $lrc "$d/out"
	fi
	# The listener sends (DST), the client reads to the end.
	if listener $spec "$s" $spec; then
		"$zcp" "$addr" "$d/out" 2>"$d/err"; rc=$?
		wait $bpid; lrc=$?
		check "$kind: file -> $spec -> $kind: -> file" $rc $lrc "$d/out"
	fi
	# Pipes at both ends: stdin -> listener DST, client SRC -> stdout.
	if listener $spec - $spec <"$s"; then
		"$zcp" "$addr" - 2>"$d/err" | cat >"$d/out"; rc=${PIPESTATUS[0]}
		wait $bpid; lrc=$?
		check "$kind: stdin -> $spec -> $kind: -> stdout pipe" $rc $lrc "$d/out"
	fi
	if listener $spec $spec - >"$d/out"; then
		cat "$s" | "$zcp" - "$addr" 2>"$d/err"; rc=$?
		wait $bpid; lrc=$?
		check "$kind: stdin pipe -> $kind: -> $spec -> stdout" $rc $lrc "$d/out"
	fi
done
# Judged only after the unix cases copied (a zcp that never ran leaves
# nothing either).
if [ $fails -eq 0 ] && [ ! -e "$d/sock" ]; then
	ok "unix-listen: removes its socket path when done"
else
	bad "unix-listen: left $d/sock behind, or the copies failed"
fi

# A stale socket (nobody listens) is replaced; a regular file is not.
/usr/bin/python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$d/stale"
if [ -S "$d/stale" ] && listener unix-listen:$d/stale unix-listen:$d/stale "$d/out"; then
	"$zcp" "$s" "$addr" 2>"$d/err"; rc=$?
	wait $bpid; lrc=$?
	check "unix-listen: on a stale socket path" $rc $lrc "$d/out"
else
	bad "stale socket: could not set up"
fi
mkdata "$d/notsock" 100
cp "$d/notsock" "$d/notsock.orig"
"$zcp" unix-listen:$d/notsock "$d/out" 2>"$d/err" </dev/null
rc=$?
if [ $rc -eq 1 ] && grep -q '^zcp: unix-listen:.*: Address already in use$' "$d/err" &&
	cmp -s "$d/notsock" "$d/notsock.orig" && [ ! -e "$d/out" ]; then
	ok "unix-listen: on a regular file -> 1, file untouched"
else
	bad "unix-listen on a file: exit $rc: $(cat "$d/err")"
fi
for spec in "unix:$d/nobody" "tcp:127.0.0.1:1"; do
	"$zcp" "$spec" "$d/out" 2>"$d/err" </dev/null
	rc=$?
	if [ $rc -eq 1 ] && [ "$(wc -l <"$d/err")" -eq 1 ] && zcp_line "$d/err" && [ ! -e "$d/out" ]; then
		ok "$spec as SRC, nobody there -> 1: $(cat "$d/err")"
	else
		bad "$spec as SRC: exit $rc: $(cat "$d/err")"
	fi
done
finish
