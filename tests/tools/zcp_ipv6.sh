#!/usr/bin/env bash
# tcp-listen: and tcp: over IPv6 loopback, both directions: addresses in
# brackets, port 0 printed as "[::1]:PORT", every byte compared.
# san: yes
# timeout: 60
. "$(dirname "$0")/_zcp_lib.sh"
d=$tmp/ipv6
mkdir -p "$d"
if ! /usr/bin/python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	echo "no IPv6 loopback (::1) on this machine"
	exit 77
fi
mkdata "$d/src" 2000003

# v6_listen ARGS...: zcp ARGS in the background; sets bpid and port.
v6_listen() {
	local i
	: >"$d/lerr"
	"$zcp" "$@" 2>"$d/lerr" <&0 &
	bpid=$!
	for i in $(seq 1 250); do
		port=$(sed -n 's/^zcp: listening on \[::1\]:\([0-9]*\)$/\1/p' "$d/lerr")
		[ -n "$port" ] && return 0
		kill -0 $bpid 2>/dev/null || break
		sleep 0.02
	done
	bad "zcp $* did not print '[::1]:PORT': $(cat "$d/lerr")"
	return 1
}

if v6_listen "tcp-listen:[::1]:0" "$d/out1"; then
	"$zcp" "$d/src" "tcp:[::1]:$port" 2>"$d/err"; rc=$?
	wait $bpid; lrc=$?
	if [ $rc -eq 0 ] && [ $lrc -eq 0 ] && cmp -s "$d/src" "$d/out1"; then
		ok "file -> tcp:[::1] -> tcp-listen:[::1]:0 -> file"
	else
		bad "IPv6 to a listening SRC: exits $rc/$lrc: $(cat "$d/err" "$d/lerr")"
	fi
fi
if v6_listen "$d/src" "tcp-listen:[::1]:0"; then
	"$zcp" "tcp:[::1]:$port" "$d/out2" 2>"$d/err"; rc=$?
	wait $bpid; lrc=$?
	if [ $rc -eq 0 ] && [ $lrc -eq 0 ] && cmp -s "$d/src" "$d/out2"; then
		ok "file -> tcp-listen:[::1]:0 -> tcp:[::1] -> file"
	else
		bad "IPv6 from a listening DST: exits $rc/$lrc: $(cat "$d/err" "$d/lerr")"
	fi
fi
"$zcp" "$d/src" "tcp:::1:9000" 2>"$d/err"
rc=$?
if [ $rc -eq 2 ] && grep -q '^zcp: .*invalid DST' "$d/err"; then
	ok "an IPv6 address without brackets -> 2"
else
	bad "unbracketed IPv6: exit $rc: $(cat "$d/err")"
fi
finish
