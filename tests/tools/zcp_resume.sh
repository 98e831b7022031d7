#!/usr/bin/env bash
# --resume: a good partial DST gets only the missing bytes appended (in
# place); a partial DST that differs from SRC, or is longer, is an error
# that leaves it unchanged; a missing DST is copied whole. From a file, a
# pipe, and over TCP and a unix socket in both directions (the receiver's
# ZCPR request, the sender's ZCPS answer); a sender without --resume is
# refused. Every byte compared.
# san: yes
# timeout: 90
. "$(dirname "$0")/_zcp_lib.sh"
d=$tmp/resume
mkdir -p "$d"
s=$d/src
mkdata "$s" 3000017
size=$(stat -c %s "$s")

# moved FILE: the "bytes" figure of a --json object.
moved() { sed -n 's/.*"bytes":\([0-9]*\).*/\1/p' "$1"; }

# partial N [corrupt]: $d/part holds SRC's first N bytes (one flipped).
partial() {
	head -c "$1" "$s" >"$d/part"
	if [ "${2:-}" = corrupt ]; then
		printf '\377' | dd of="$d/part" bs=1 seek=$(($1 / 2)) conv=notrunc status=none
		cmp -s <(head -c "$1" "$s") "$d/part" && printf '\376' |
			dd of="$d/part" bs=1 seek=$(($1 / 2)) conv=notrunc status=none
	fi
	cp "$d/part" "$d/part.orig"
}

# refused WHAT RC ERRFILE: exit 1, one "zcp: " line, DST unchanged.
refused() {
	if [ "$2" -eq 1 ] && zcp_line "$3" && cmp -s "$d/part" "$d/part.orig"; then
		ok "$1 -> 1, DST unchanged: $(head -n 1 "$3")"
	else
		bad "$1: exit $2, DST changed?: $(cat "$3")"
	fi
}

# ---- local: file and pipe SRC ---------------------------------------------
for how in file pipe; do
	partial 1000000
	ino=$(stat -c %i "$d/part")
	if [ $how = file ]; then
		"$zcp" --resume --json "$s" "$d/part" 2>"$d/err"; rc=$?
	else
		cat "$s" | "$zcp" --resume --json - "$d/part" 2>"$d/err"; rc=$?
	fi
	if [ $rc -eq 0 ] && cmp -s "$s" "$d/part" && [ "$(moved "$d/err")" = $((size - 1000000)) ] &&
		[ "$(stat -c %i "$d/part")" = "$ino" ]; then
		ok "$how: good partial: only the $((size - 1000000)) missing bytes appended in place"
	else
		bad "$how: good partial: exit $rc, moved $(moved "$d/err"): $(cat "$d/err")"
	fi
	partial 2000000 corrupt
	if [ $how = file ]; then
		"$zcp" --resume "$s" "$d/part" 2>"$d/err"; rc=$?
	else
		cat "$s" | "$zcp" --resume - "$d/part" 2>"$d/err"; rc=$?
	fi
	refused "$how: corrupted partial" $rc "$d/err"
	head -c 100 /dev/urandom | cat "$s" - >"$d/part"
	cp "$d/part" "$d/part.orig"
	if [ $how = file ]; then
		"$zcp" --resume "$s" "$d/part" 2>"$d/err"; rc=$?
	else
		cat "$s" | "$zcp" --resume - "$d/part" 2>"$d/err"; rc=$?
	fi
	refused "$how: DST longer than SRC" $rc "$d/err"
done
rm -f "$d/part"
copied "no DST: a whole copy" "$s" "$d/part" --resume "$s" "$d/part"
"$zcp" --resume --json "$s" "$d/part" 2>"$d/err"
rc=$?
if [ $rc -eq 0 ] && [ "$(moved "$d/err")" = 0 ] && cmp -s "$s" "$d/part"; then
	ok "complete DST: nothing moved"
else
	bad "complete DST: exit $rc: $(cat "$d/err")"
fi

# ---- over sockets -----------------------------------------------------------
# pair HOW RECV SEND: a receiver `zcp --resume SRC-SPEC part` and a sender
# `zcp [--resume] src DST-SPEC`; HOW says which listens. Sets rc (sender)
# and lrc (receiver).
pair() {
	local how=$1 sendopt=$2 i addr= lpid
	: >"$d/lerr"
	case $how in
	tcp-recv-listens)
		"$zcp" --resume tcp-listen:127.0.0.1:0 "$d/part" 2>"$d/lerr" & ;;
	tcp-send-listens)
		"$zcp" $sendopt "$s" tcp-listen:127.0.0.1:0 2>"$d/lerr" & ;;
	unix-recv-listens)
		"$zcp" --resume unix-listen:"$d/sock" "$d/part" 2>"$d/lerr" & ;;
	esac
	lpid=$!
	for i in $(seq 1 250); do
		case $how in
		tcp-*) addr=$(sed -n 's/^zcp: listening on \(127\.0\.0\.1:[0-9]*\)$/tcp:\1/p' "$d/lerr") ;;
		unix-*) [ -S "$d/sock" ] && addr=unix:$d/sock ;;
		esac
		[ -n "$addr" ] && break
		sleep 0.02
	done
	case $how in
	tcp-send-listens) "$zcp" --resume "$addr" "$d/part" 2>"$d/err"; lrc=$?; wait $lpid; rc=$? ;;
	*) "$zcp" $sendopt "$s" "$addr" 2>"$d/err"; rc=$?; wait $lpid; lrc=$? ;;
	esac
	cat "$d/lerr" >>"$d/err"
}

for how in tcp-recv-listens tcp-send-listens unix-recv-listens; do
	partial 1234567
	pair $how --resume
	if [ $rc -eq 0 ] && [ $lrc -eq 0 ] && cmp -s "$s" "$d/part"; then
		ok "$how: good partial completed"
	else
		bad "$how: good partial: exits $rc/$lrc: $(cat "$d/err")"
	fi
	partial 1234567 corrupt
	pair $how --resume
	if [ $rc -eq 1 ] && [ $lrc -eq 1 ] && cmp -s "$d/part" "$d/part.orig" &&
		grep -q 'differs from SRC' "$d/err"; then
		ok "$how: corrupted partial: both ends exit 1, DST unchanged"
	else
		bad "$how: corrupted partial: exits $rc/$lrc: $(cat "$d/err")"
	fi
done
head -c 50 /dev/urandom | cat "$s" - >"$d/part"
cp "$d/part" "$d/part.orig"
pair tcp-recv-listens --resume
if [ $rc -eq 1 ] && [ $lrc -eq 1 ] && cmp -s "$d/part" "$d/part.orig" && grep -q 'longer than SRC' "$d/err"; then
	ok "tcp: DST longer than SRC: both exit 1, DST unchanged"
else
	bad "tcp: DST longer: exits $rc/$lrc: $(cat "$d/err")"
fi
rm -f "$d/part"
pair tcp-recv-listens --resume
if [ $rc -eq 0 ] && [ $lrc -eq 0 ] && cmp -s "$s" "$d/part"; then
	ok "tcp: no DST yet: a whole copy"
else
	bad "tcp: no DST: exits $rc/$lrc: $(cat "$d/err")"
fi
partial 1000
pair tcp-recv-listens ""
if [ $lrc -eq 1 ] && grep -q 'resume header' "$d/err" && cmp -s "$d/part" "$d/part.orig"; then
	ok "tcp: a sender without --resume is refused, DST unchanged"
else
	bad "tcp: sender without --resume: exits $rc/$lrc: $(cat "$d/err")"
fi
for bad_args in "--resume --offset 5" "--resume --tee $d/x" "--resume --length 5"; do
	"$zcp" $bad_args "$s" "$d/part" 2>"$d/err"
	rc=$?
	if [ $rc -eq 2 ]; then ok "zcp $bad_args -> 2"; else bad "zcp $bad_args: exit $rc"; fi
done
finish
