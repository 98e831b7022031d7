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

# v6_listen ARGS...: listen_bg ARGS, which must print "[::1]:PORT".
v6_listen() {
	if listen_bg "$@" && [ "${laddr%:*}" = "[::1]" ]; then
		bpid=$lpid
		return 0
	fi
	bad "zcp $* did not print '[::1]:PORT': $(cat "$lerr")"
	return 1
}

# The listener receives (SRC), then the listener sends (DST).
for side in src dst; do
	rm -f "$d/out"
	if [ $side = src ]; then
		v6_listen "tcp-listen:[::1]:0" "$d/out" || continue
		"$zcp" "$d/src" "tcp:[::1]:$port" 2>"$d/err"; rc=$?
	else
		v6_listen "$d/src" "tcp-listen:[::1]:0" || continue
		"$zcp" "tcp:[::1]:$port" "$d/out" 2>"$d/err"; rc=$?
	fi
	wait $bpid; lrc=$?
	if [ $rc -eq 0 ] && [ $lrc -eq 0 ] && cmp -s "$d/src" "$d/out"; then
		ok "tcp-listen:[::1]:0 as $side, tcp:[::1]:$port at the other end"
	else
		bad "IPv6, listener as $side: exits $rc/$lrc: $(cat "$d/err" "$lerr")"
	fi
done
"$zcp" "$d/src" "tcp:::1:9000" 2>"$d/err"
rc=$?
if [ $rc -eq 2 ] && grep -q '^zcp: .*invalid DST' "$d/err"; then
	ok "an IPv6 address without brackets -> 2"
else
	bad "unbracketed IPv6: exit $rc: $(cat "$d/err")"
fi
finish
