#!/usr/bin/env bash
# A prepared 64 KiB sendfile piece is exactly one system call: one_call.c
# moves one piece with zc_transfer_opts, one through a pair with SIGPIPE at
# its default and one through a pair with SIGPIPE ignored, each between two
# getppid markers; strace -f shows every call the process makes in between.
set -u
cd "$ZC_SRC" || exit 1
t=$ZC_TMP
command -v strace >/dev/null || { echo "strace is not installed"; exit 77; }
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I include -o "$t/one_call" \
	tests/pair/one_call.c "$ZC_BUILD/libzcio.a" -pthread || exit 1
if ! strace -f -qq -o "$t/trace" "$t/one_call" "$t/in"; then
	if ! strace -f -qq -o /dev/null true 2>/dev/null; then
		echo "strace cannot trace here (ptrace refused)"
		exit 77
	fi
	echo "one_call failed"; cat "$t/trace" | tail -n 20; exit 1
fi
# The calls between markers 1-2, 3-4 and 5-6, one line per window.
awk '{ sub(/^[0-9]+ +/, "") }
     /^getppid\(/ { n++; if (n % 2 == 0) { print w; w = "" } next }
     n % 2 == 1 && /^[a-z_0-9]+\(/ { c = $0; sub(/\(.*/, "", c); w = w " " c }' \
	"$t/trace" >"$t/windows"
mapfile -t win <"$t/windows"
echo "zc_transfer_opts:        ${win[0]:-}"
echo "pair, SIGPIPE default:   ${win[1]:-}"
echo "pair, SIGPIPE ignored:   ${win[2]:-}"
ok=1
if [ "$(echo ${win[2]:-})" = "sendfile" ]; then :; else
	echo "FAIL: a prepared piece with SIGPIPE ignored is not one sendfile"; ok=0; fi
n0=$(echo ${win[0]:-} | wc -w) n1=$(echo ${win[1]:-} | wc -w)
if [ "$n1" -lt "$n0" ] && [ "$n1" -le 3 ]; then :; else
	echo "FAIL: the pair with SIGPIPE at its default made $n1 calls (zc_transfer: $n0)"; ok=0; fi
if [ $ok = 1 ]; then
	echo "one prepared 64 KiB piece: 1 system call (zc_transfer: $n0)"
	exit 0
fi
exit 1
