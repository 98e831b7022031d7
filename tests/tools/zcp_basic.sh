#!/usr/bin/env bash
# zcp on files, stdin and stdout: sizes 0/1/4097/1M+1, --offset/--length,
# /proc files, sparse files staying sparse, --stats/--json/--progress
# output, modes, FIFOs and /dev/null as DST, and every error exit status
# (1 with a "zcp: WHAT: REASON" line, 2 for bad usage).
# san: yes
# timeout: 120
. "$(dirname "$0")/_zcp_lib.sh"
d=$tmp/basic
mkdir -p "$d"

# ---- sizes, file -> file (new and existing DST) -------------------------
for n in 0 1 4097 1048577; do
	mkdata "$d/src.$n" $n
	"$zcp" "$d/src.$n" "$d/dst.$n" 2>"$d/err" ||
		bad "file->file $n bytes exited $?: $(cat "$d/err")"
	same "$d/src.$n" "$d/dst.$n" "file->file $n bytes"
	# Replace an existing, longer DST: nothing of the old one survives.
	mkdata "$d/old" 3000000
	copied "file->existing file $n bytes" "$d/src.$n" "$d/old" \
		"$d/src.$n" "$d/old"
done
rm -f "$d/old"

copied "--fsync" "$d/src.4097" "$d/synced" --fsync "$d/src.4097" "$d/synced"

# Mode: a new DST takes SRC's mode, a replaced DST keeps its own.
chmod 640 "$d/src.4097"
rm -f "$d/m1"
copied "new DST copied" "$d/src.4097" "$d/m1" "$d/src.4097" "$d/m1"
if [ "$(stat -c %a "$d/m1" 2>&1)" = 640 ]; then
	ok "new DST has SRC's mode"
else
	bad "new DST mode $(stat -c %a "$d/m1" 2>&1), expected 640"
fi
# The old DST differs from SRC, so its mode is checked on the new bytes.
mkdata "$d/m2" 10
chmod 604 "$d/m2"
copied "replaced DST copied" "$d/src.4097" "$d/m2" "$d/src.4097" "$d/m2"
if cmp -s "$d/src.4097" "$d/m2" && [ "$(stat -c %a "$d/m2")" = 604 ]; then
	ok "replaced DST keeps its mode"
else
	bad "replaced DST mode $(stat -c %a "$d/m2"), expected 604 on the new bytes"
fi
chmod 644 "$d/src.4097"

# A symlink DST: the file it points at is replaced, the link stays.
mkdata "$d/target" 100
ln -sf target "$d/link"
if "$zcp" "$d/src.4097" "$d/link" && [ -L "$d/link" ] &&
	cmp -s "$d/src.4097" "$d/target"; then
	ok "DST symlink followed"
else
	bad "DST symlink: not followed, or replaced by a file"
fi

# ---- stdin and stdout ---------------------------------------------------
s=$d/src.1048577
copied "stdin (file) -> file" "$s" "$d/o1" - "$d/o1" <"$s"
if cat "$s" | "$zcp" - "$d/o2" && cmp -s "$s" "$d/o2"; then
	ok "stdin (pipe) -> file"
else
	bad "stdin (pipe) -> file"
fi
if "$zcp" "$s" - >"$d/o3" && cmp -s "$s" "$d/o3"; then
	ok "file -> stdout (file)"
else
	bad "file -> stdout (file)"
fi
# PIPESTATUS: zcp's own status, not the last command's.
"$zcp" "$s" - | cat >"$d/o4"
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 0 ] && cmp -s "$s" "$d/o4"; then
	ok "file -> stdout (pipe)"
else
	bad "file -> stdout (pipe): exit $rc"
fi
cat "$s" | "$zcp" - - | cat >"$d/o5"
rc=${PIPESTATUS[1]}
if [ "$rc" -eq 0 ] && cmp -s "$s" "$d/o5"; then
	ok "stdin -> stdout (pipes)"
else
	bad "stdin -> stdout (pipes): exit $rc"
fi
if "$zcp" "$s" /dev/null; then
	ok "file -> /dev/null (written directly)"
else
	bad "file -> /dev/null failed"
fi
mkfifo "$d/fifo"
cat "$d/fifo" >"$d/o6" &
cpid=$!
"$zcp" "$s" "$d/fifo"
rc=$?
# A zcp that failed before opening the FIFO leaves the reader waiting.
[ $rc -eq 0 ] || kill $cpid 2>/dev/null
wait $cpid
if [ $rc -eq 0 ] && cmp -s "$s" "$d/o6" && [ -p "$d/fifo" ]; then
	ok "file -> FIFO path (written directly, still a FIFO)"
else
	bad "file -> FIFO: exit $rc, bytes or FIFO type wrong"
fi

# A terminal as DST (a pty in raw mode, so no byte is translated).
if command -v script >/dev/null; then
	mkdata "$d/ttysrc" 100000
	script -qec "stty raw -echo; '$zcp' --json '$d/ttysrc' - 2>'$d/tty.err'" \
		/dev/null >"$d/tty.out" 2>/dev/null </dev/null
	same "$d/ttysrc" "$d/tty.out" "file -> a terminal ($(sed -n 's/.*"method":"\([^"]*\)".*/\1/p' "$d/tty.err"))"
	# --progress on a terminal: one line redrawn with \r, ends at 100%.
	script -qec "'$zcp' -p '$s' '$d/ttyp'" /dev/null >"$d/tty.prog" 2>/dev/null </dev/null
	if grep -q $'\r' "$d/tty.prog" && grep -q '100.0%' "$d/tty.prog" &&
		[ "$(grep -c '' "$d/tty.prog")" -le 2 ]; then
		ok "--progress redraws one line on a terminal"
	else
		bad "--progress on a terminal: $(cat -A "$d/tty.prog" | head -c 300)"
	fi
	same "$s" "$d/ttyp" "--progress copy"
else
	echo "note: script(1) missing; terminal check skipped"
fi

# A character device as SRC (no size, not seekable): --length bounds it.
head -c 100000 /dev/zero >"$d/zeros.want"
copied "/dev/zero --length 100000" "$d/zeros.want" "$d/zeros" \
	--length 100000 /dev/zero "$d/zeros"

# ---- ranges -------------------------------------------------------------
"$zcp" --offset 4097 --length 1000 "$s" "$d/r1"
tail -c +4098 "$s" | head -c 1000 >"$d/r1.want"
same "$d/r1.want" "$d/r1" "--offset 4097 --length 1000 (file)"
"$zcp" --offset 1K "$s" "$d/r2"
tail -c +1025 "$s" >"$d/r2.want"
same "$d/r2.want" "$d/r2" "--offset 1K to the end (file)"
"$zcp" --length 1M "$s" "$d/r3"
head -c 1048576 "$s" >"$d/r3.want"
same "$d/r3.want" "$d/r3" "--length 1M (file)"
cat "$s" | "$zcp" --offset 4097 --length 1000 - "$d/r4"
same "$d/r1.want" "$d/r4" "--offset/--length on a pipe (skipped by reading)"
"$zcp" --offset 5000 - "$d/r5" <"$s"
tail -c +5001 "$s" >"$d/r5.want"
same "$d/r5.want" "$d/r5" "--offset on stdin redirected from a file"
if "$zcp" --offset 2M "$s" "$d/r6" && [ -f "$d/r6" ] && [ ! -s "$d/r6" ]; then
	ok "--offset past the end: empty DST"
else
	bad "--offset past the end"
fi
copied "--length past the end" "$s" "$d/r7" --length 10M "$s" "$d/r7"

# A range of a socket source (the offset is skipped by reading).
if listen_start "$d/r8" --offset 1000 --length 5000; then
	# The receiver hangs up after its range: the sender may see EPIPE.
	"$zcp" "$s" tcp:127.0.0.1:$port 2>/dev/null
	[ $? -le 1 ] || bad "sender for the tcp range crashed"
	listen_wait || bad "tcp-listen range exited $?: $(cat "$lerr")"
	tail -c +1001 "$s" | head -c 5000 >"$d/r8.want"
	same "$d/r8.want" "$d/r8" "--offset/--length on tcp-listen"
	rm -f "$lerr"
else
	bad "tcp-listen did not start"
fi

# ---- tmpfs and across file systems --------------------------------------
if shm=$(mktemp -d /dev/shm/zcp-test.XXXXXX 2>/dev/null); then
	trap 'rm -rf "$shm"' EXIT
	copied "ext4 -> tmpfs" "$s" "$shm/a" "$s" "$shm/a"
	copied "tmpfs -> tmpfs" "$s" "$shm/b" "$shm/a" "$shm/b"
	copied "tmpfs -> ext4" "$s" "$d/from-shm" "$shm/b" "$d/from-shm"
	"$zcp" -m copy-file-range "$shm/a" "$d/cfr-x" 2>"$d/err"
	rc=$?
	if [ $rc -eq 0 ]; then
		same "$s" "$d/cfr-x" "-m copy-file-range across file systems"
	elif [ $rc -eq 1 ] && zcp_line "$d/err" && [ ! -e "$d/cfr-x" ]; then
		ok "-m copy-file-range across file systems refused: $(cat "$d/err")"
	else
		bad "-m copy-file-range across file systems: exit $rc: $(cat "$d/err")"
	fi
	rm -rf "$shm"
	trap - EXIT
else
	echo "note: /dev/shm not writable; tmpfs checks skipped"
fi

# ---- procfs (st_size 0) -------------------------------------------------
"$zcp" /proc/self/status "$d/status" 2>"$d/err" ||
	bad "/proc/self/status exited $?: $(cat "$d/err")"
if grep -q '^Name:[[:space:]]*zcp$' "$d/status" && grep -q '^VmRSS' "$d/status"; then
	ok "/proc/self/status read through (it describes zcp itself)"
else
	bad "/proc/self/status copy incomplete: $(head -c 200 "$d/status")"
fi
cat /proc/version >"$d/version.want"
copied "/proc/version" "$d/version.want" "$d/version" /proc/version "$d/version"
if "$zcp" /proc/self/cmdline - >"$d/cmdline" &&
	tr '\0' ' ' <"$d/cmdline" | grep -q "zcp /proc/self/cmdline -"; then
	ok "/proc/self/cmdline -> stdout"
else
	bad "/proc/self/cmdline -> stdout"
fi

# ---- sparse -------------------------------------------------------------
sp=$d/sparse
truncate -s 64M "$sp"
mkdata "$d/chunk" 65536
dd if="$d/chunk" of="$sp" bs=64K seek=16 conv=notrunc status=none
dd if="$d/chunk" of="$sp" bs=64K seek=700 conv=notrunc status=none
truncate -s 96M "$sp" # a trailing hole too
for m in auto read-write; do
	rm -f "$d/sparse.out"
	"$zcp" -m $m "$sp" "$d/sparse.out" 2>"$d/err" ||
		bad "sparse -m $m exited $?: $(cat "$d/err")"
	same "$sp" "$d/sparse.out" "sparse -m $m bytes"
	kb=$(du -k "$d/sparse.out" 2>/dev/null | cut -f1)
	if [ -n "$kb" ] && [ "$kb" -le 1024 ]; then
		ok "sparse -m $m stays sparse (${kb} KiB on disk for 96 MiB)"
	else
		bad "sparse -m $m: DST uses ${kb} KiB on disk"
	fi
done

# ---- output formats -----------------------------------------------------
"$zcp" --stats "$s" "$d/st" 2>"$d/err"
if grep -Eq '^zcp: stats: method=[a-z-]+ bytes=1048577 .*seconds=.*syscalls=[0-9]+ user_copy_bytes=[0-9]+ cpu_user=.*cpu_sys=.*ctxsw_vol=[0-9]+ ctxsw_invol=[0-9]+' "$d/err"; then
	ok "--stats line"
else
	bad "--stats line: $(cat "$d/err")"
fi
"$zcp" --json -m read-write "$s" "$d/js" 2>"$d/err"
if /usr/bin/python3 -c '
import json, sys
o = json.loads(open(sys.argv[1]).read())
assert o["bytes"] == 1048577, o
assert o["method"] == "read-write", o
assert o["user_copy_bytes"] == 2 * 1048577, o
for k in ("seconds", "rate_bytes_per_s", "syscalls", "cpu_user_s",
          "cpu_sys_s", "vol_ctxsw", "invol_ctxsw"):
    assert k in o, k
' "$d/err"; then
	ok "--json object"
else
	bad "--json object: $(cat "$d/err")"
fi
if "$zcp" -p "$s" "$d/pg" 2>"$d/err" && grep -q '100.0%' "$d/err"; then
	ok "--progress final line (not a tty)"
else
	bad "--progress: $(cat "$d/err")"
fi
if "$zcp" "$s" "$d/quiet" >"$d/out" 2>"$d/err" && [ ! -s "$d/out" ] &&
	[ ! -s "$d/err" ] && cmp -s "$s" "$d/quiet"; then
	ok "silent by default"
else
	bad "output without options, or not copied"
fi
if "$zcp" --help >"$d/out" && grep -q '^Usage: zcp' "$d/out"; then
	ok "--help"
else
	bad "--help"
fi
if "$zcp" --version >"$d/out" && grep -q '^zcp ' "$d/out"; then
	ok "--version"
else
	bad "--version"
fi

# ---- errors -------------------------------------------------------------
expect() { # expect STATUS PATTERN ARGS...
	local want=$1 pat=$2 rc
	shift 2
	"$zcp" "$@" >"$d/out" 2>"$d/err" </dev/null
	rc=$?
	if [ $rc -ne "$want" ]; then
		bad "zcp $* exited $rc, expected $want: $(cat "$d/err")"
	elif [ "$(wc -l <"$d/err")" -ne 1 ] || ! grep -q -- "^zcp: .*$pat" "$d/err"; then
		bad "zcp $*: stderr is not one 'zcp: ...$pat' line: $(cat "$d/err")"
	else
		ok "zcp $* -> $rc ($(cat "$d/err"))"
	fi
}
mkdata "$d/keep" 5000
fails_before=$fails
cp "$d/keep" "$d/keep.orig"
expect 1 "No such file" "$d/missing" "$d/keep"
expect 1 "Is a directory" "$d" "$d/keep"
expect 1 "Is a directory" - "$d"
expect 1 "same file" "$d/keep" "$d/keep"
ln -f "$d/keep" "$d/keep.hard"
expect 1 "same file" "$d/keep" "$d/keep.hard"
ln -sf keep "$d/keep.sym"
expect 1 "same file" "$d/keep.sym" "$d/keep"
expect 1 "No such file" "$s" "$d/no/such/dir/file"
expect 1 "refused" "$s" tcp:127.0.0.1:1
expect 2 "unknown option" --bogus "$s" "$d/x"
expect 2 "unknown method" -m nosuch "$s" "$d/x"
expect 2 "invalid size" --offset 12Q "$s" "$d/x"
expect 2 "invalid size" --length -5 "$s" "$d/x"
expect 2 "expected SRC and DST" "$s"
expect 1 "Not a directory" "$s" "$d/x" "$d/y"
expect 2 "invalid DST" "$s" tcp-listen:99999
expect 2 "invalid DST" "$s" tcp:127.0.0.1
expect 2 "invalid SRC" tcp:127.0.0.1 "$d/x"
expect 2 "invalid DST" "$s" unix:
expect 2 "expected 1 to" -j 0 "$s" "$d/x"
expect 2 "paths only" -r "$s" tcp:127.0.0.1:1
expect 2 "copies one file" -r --offset 5 "$s" "$d/x"
expect 2 "copies one file" --tee "$d/y" "$s" "$d/x" "$d"
expect 2 "missing argument" "$s" "$d/x" --tee
expect 2 "invalid SRC" tcp-listen:127.0.0.1:99999 "$d/x"
# Meaningful only when each failure above came from zcp itself.
if [ $fails -eq $fails_before ] && cmp -s "$d/keep.orig" "$d/keep"; then
	ok "DST untouched by the failures"
else
	bad "DST changed by the failures, or the failures were not zcp's"
fi
if [ "$(id -u)" -ne 0 ]; then
	chmod 000 "$d/keep.orig"
	expect 1 "Permission denied" "$d/keep.orig" "$d/x"
	chmod 644 "$d/keep.orig"
elif command -v setpriv >/dev/null; then
	# As root, run zcp as nobody on a root-only file in a private dir.
	pd=$tmp/priv
	mkdir -p "$pd" && chmod 755 "$tmp" "$pd"
	mkdata "$pd/secret" 100 && chmod 600 "$pd/secret"
	chmod 777 "$pd"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$zcp" "$pd/secret" "$pd/copy" >"$d/out" 2>"$d/err" </dev/null
	rc=$?
	if [ $rc -eq 1 ] && grep -q '^zcp: .*Permission denied' "$d/err" &&
		[ ! -e "$pd/copy" ]; then
		ok "unreadable SRC (as nobody) -> 1: $(cat "$d/err")"
	else
		bad "unreadable SRC as nobody: exit $rc: $(cat "$d/err")"
	fi
	# A DST nobody may write, in a directory nobody may write to.
	mkdata "$pd/theirs" 100 && cp "$pd/theirs" "$d/theirs.orig"
	mkdata "$pd/mine" 100 && chmod 644 "$pd/mine"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$zcp" "$pd/mine" "$pd/theirs" >"$d/out" 2>"$d/err" </dev/null
	rc=$?
	if [ $rc -eq 1 ] && grep -q '^zcp: .*Permission denied' "$d/err" &&
		cmp -s "$d/theirs.orig" "$pd/theirs"; then
		ok "read-only DST (as nobody) -> 1, unchanged: $(cat "$d/err")"
	else
		bad "read-only DST as nobody: exit $rc: $(cat "$d/err")"
	fi
	rm -f "$d/theirs.orig"
else
	echo "note: unreadable-file check skipped (root without setpriv)"
fi
# No temporary left behind (judged only where zcp wrote its outputs).
if [ -e "$d/dst.1048577" ] && [ -e "$d/o1" ] && [ -e "$d/sparse.out" ]; then
	only_files "$d" $(cd "$d" && ls -A | grep -v '^\.')
else
	bad "zcp's outputs are missing: leftovers cannot be judged"
fi
finish
