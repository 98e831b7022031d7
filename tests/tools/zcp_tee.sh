#!/usr/bin/env bash
# --tee DST2: one SRC to two destinations. File to file+file, a pipe SRC,
# pipe DSTs, a socket DST2, a range; tee(2)+splice(2) where the ends allow
# ("method":"tee", no byte copied through user space), read-write where
# splice cannot write (stdout opened O_APPEND); a DST2 that cannot be
# created fails before anything lands. Every byte compared.
# san: yes
# timeout: 60
. "$(dirname "$0")/_zcp_lib.sh"
d=$tmp/tee
mkdir -p "$d"
s=$d/src
mkdata "$s" 5000011

# both WHAT A B JSON METHOD: A and B hold SRC, the run used METHOD.
both() {
	local m
	m=$(sed -n 's/.*"method":"\([^"]*\)".*/\1/p' "$4")
	if cmp -s "$s" "$2" && cmp -s "$s" "$3" && [ "$m" = "$5" ]; then
		ok "$1 ($m)"
	else
		bad "$1: bytes differ or method '$m' (wanted $5): $(cat "$4")"
	fi
	rm -f "$2" "$3"
}

"$zcp" --json --tee "$d/b" "$s" "$d/a" 2>"$d/err"
both "file -> file + file" "$d/a" "$d/b" "$d/err" tee
if grep -q '"user_copy_bytes":0,' "$d/err"; then
	ok "file -> file + file: no byte copied through user space"
else
	bad "tee copied through user space: $(cat "$d/err")"
fi
cat "$s" | "$zcp" --json --tee "$d/b" - "$d/a" 2>"$d/err"
both "pipe -> file + file" "$d/a" "$d/b" "$d/err" tee
cat "$s" | "$zcp" --json --tee "$d/b" - - 2>"$d/err" | cat >"$d/a"
both "pipe -> stdout pipe + file" "$d/a" "$d/b" "$d/err" tee
mkfifo "$d/fifo"
cat "$d/fifo" >"$d/b" &
cpid=$!
"$zcp" --json --tee "$d/fifo" "$s" - 2>"$d/err" | cat >"$d/a"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || kill $cpid 2>/dev/null
wait $cpid
both "file -> stdout pipe + FIFO" "$d/a" "$d/b" "$d/err" tee
rm -f "$d/fifo"
if listen_start "$d/b"; then
	"$zcp" --json --tee "tcp:127.0.0.1:$port" "$s" "$d/a" 2>"$d/err"
	listen_wait || bad "receiver exited $?: $(cat "$lerr")"
	both "file -> file + tcp:" "$d/a" "$d/b" "$d/err" tee
fi
: >"$d/a"
"$zcp" --json --tee "$d/b" "$s" - >>"$d/a" 2>"$d/err"
both "file -> O_APPEND stdout + file" "$d/a" "$d/b" "$d/err" read-write
"$zcp" --offset 1000 --length 2000000 --tee "$d/b" "$s" "$d/a" 2>"$d/err"
tail -c +1001 "$s" | head -c 2000000 >"$d/want"
if cmp -s "$d/want" "$d/a" && cmp -s "$d/want" "$d/b"; then
	ok "--offset/--length with --tee"
else
	bad "--tee range: $(cat "$d/err")"
fi
rm -f "$d/a" "$d/b"
"$zcp" --tee "$d/no/such/dir" "$s" "$d/a" 2>"$d/err"
rc=$?
if [ $rc -eq 1 ] && zcp_line "$d/err" && [ ! -e "$d/a" ]; then
	ok "DST2 cannot be created -> 1, DST not created: $(cat "$d/err")"
else
	bad "bad DST2: exit $rc: $(cat "$d/err")"
fi
# Leftovers are judged only where every copy above was made.
if [ $fails -eq 0 ]; then
	only_files "$d" src want err
else
	bad "copies failed above: leftovers cannot be judged"
fi
finish
