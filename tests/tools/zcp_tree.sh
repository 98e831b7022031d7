#!/usr/bin/env bash
# zcp -r and -a on a tree: nested and empty directories, symlinks (one
# dangling), hard links, a sparse file (allocated blocks compared), user.*
# and trusted.* extended attributes, nanosecond times and odd modes, a
# FIFO; every byte compared with cmp, metadata with stat and getfattr.
# Also: several SRCs into a directory, a file into a directory, copying
# onto an existing tree, a directory into itself, one unreadable file
# among good ones (exit 1, the others copied), one and several threads.
# san: yes
# timeout: 120
. "$(dirname "$0")/_zcp_lib.sh"
d=$tmp/tree
mkdir -p "$d"
command -v getfattr >/dev/null || { echo "getfattr (attr) missing"; exit 77; }

# ---- the source tree ----------------------------------------------------
s=$d/src
mkdir -p "$s/a/b/c" "$s/empty" "$s/ro"
for i in $(seq 1 60); do mkdata "$s/a/f$i" $((i * 97)); done
for i in $(seq 1 40); do mkdata "$s/a/b/g$i" $((i * 1031)); done
mkdata "$s/a/b/c/deep" 300000
: >"$s/a/zero"
mkdata "$s/ro/inside" 1000
ln -s f1 "$s/a/rel-link"
ln -s /nonexistent/target "$s/dangling"
ln -s ../a/b "$s/empty/../dirlink"
ln "$s/a/f2" "$s/a/b/hard-f2"
ln "$s/a/f2" "$s/hard-top"
truncate -s 48M "$s/sparse"
mkdata "$tmp/chunk" 65536
dd if="$tmp/chunk" of="$s/sparse" bs=64K seek=100 conv=notrunc status=none
mkfifo "$s/a/fifo"
chmod 4755 "$s/a/f3"
chmod 600 "$s/a/f4"
chmod 1777 "$s/a/b/c"
chmod 555 "$s/ro"
have_x=1
setfattr -n user.color -v blue "$s/a/f5" 2>/dev/null || have_x=
setfattr -n user.dir -v yes "$s/a/b" 2>/dev/null || have_x=
if [ "$(id -u)" -eq 0 ]; then
	setfattr -n trusted.t -v secret "$s/a/f6" 2>/dev/null || have_x=
fi
touch -h -d '2001-02-03 04:05:06.123456789' "$s/a/rel-link"
touch -d '2010-10-10 10:10:10.987654321' "$s/a/f7" "$s/a/b" "$s/ro"
touch -d '1999-12-31 23:59:59.000000001' "$s/a/b/c/deep"

# meta DIR: one line per entry that two faithful copies share: type,
# mode, owner, size (not for directories), mtime to the nanosecond and
# symlink target; then hard-link groups and extended attributes.
meta() {
	(
		cd "$1" || exit 1
		# %T@: seconds with the nanoseconds as a fraction.
		{
			find . -mindepth 1 -type d -printf '%P %y %m %U %G %T@\n'
			find . -mindepth 1 ! -type d -printf '%P %y %m %U %G %s %T@ %l\n'
		} | LC_ALL=C sort
		find . -type f -links +1 -printf '%i %p\n' | LC_ALL=C sort |
			awk '{ g[$1] = g[$1] " " $2 } END { for (i in g) print "links:" g[i] }' |
			LC_ALL=C sort
		# One "PATH NAME=VALUE" line per attribute, in a stable order.
		getfattr -R -h -d -m - . 2>/dev/null |
			awk '/^# file: / { f = substr($0, 9); next } NF { print f, $0 }' |
			LC_ALL=C sort
	)
}

# same_tree WHAT A B: identical bytes (diff -r) and identical metadata.
same_tree() {
	local what=$1 a=$2 b=$3
	# diff cannot compare FIFOs; meta compares their type and mode.
	if diff -r --no-dereference -x fifo "$a" "$b" >"$d/diff" 2>&1; then
		ok "$what: every byte and link target"
	else
		bad "$what: trees differ: $(head -c 400 "$d/diff")"
	fi
	meta "$a" >"$d/meta.a"
	meta "$b" >"$d/meta.b"
	if diff "$d/meta.a" "$d/meta.b" >"$d/diff"; then
		ok "$what: modes, owners, ns times, hard links, xattrs"
	else
		bad "$what: metadata differs: $(head -c 600 "$d/diff")"
	fi
}

blocks() { stat -c %b "$1"; }

# ---- -a, with the default threads and with one ---------------------------
for j in default 1; do
	dst=$d/copy-$j
	jopt=
	[ $j = 1 ] && jopt="-j 1"
	"$zcp" -a $jopt "$s" "$dst" 2>"$d/err"
	rc=$?
	if [ $rc -eq 0 ] && [ ! -s "$d/err" ]; then
		ok "-a ($j threads) exit 0"
	else
		bad "-a ($j threads) exit $rc: $(cat "$d/err")"
	fi
	same_tree "-a ($j threads)" "$s" "$dst"
	if [ -p "$dst/a/fifo" ] && [ -L "$dst/dangling" ] && [ -d "$dst/empty" ]; then
		ok "-a ($j): FIFO recreated, dangling link kept, empty dir made"
	else
		bad "-a ($j): FIFO, dangling link or empty dir missing"
	fi
	sb=$(blocks "$s/sparse") db=$(blocks "$dst/sparse" 2>/dev/null)
	if [ -n "$db" ] && [ "$db" -le $((sb + 16)) ]; then
		ok "-a ($j): sparse file stays sparse ($db blocks, source $sb)"
	else
		bad "-a ($j): sparse file uses ${db:-?} blocks, source $sb"
	fi
done
if [ -n "$have_x" ]; then
	if getfattr -h --only-values -n user.color "$d/copy-default/a/f5" 2>/dev/null | grep -qx blue &&
		getfattr -h --only-values -n user.dir "$d/copy-default/a/b" 2>/dev/null | grep -qx yes; then
		ok "user.* attributes on a file and a directory"
	else
		bad "user.* attributes lost"
	fi
else
	echo "note: this file system refuses xattrs: attribute checks only compare none"
fi

# ---- -r: structure and bytes, no metadata, no hard links --------------------
"$zcp" -r "$s" "$d/r" 2>"$d/err"
rc=$?
if [ $rc -eq 0 ] && diff -r --no-dereference -x fifo "$s" "$d/r" >/dev/null 2>&1; then
	ok "-r copies every byte and link"
else
	bad "-r: exit $rc: $(cat "$d/err")"
fi
if [ "$(stat -c %i "$d/r/a/f2")" != "$(stat -c %i "$d/r/hard-top")" ] &&
	[ "$(stat -c %Y "$d/r/a/f7")" != "$(stat -c %Y "$s/a/f7")" ]; then
	ok "-r keeps neither hard links nor times (as cp -r)"
else
	bad "-r preserved what only -a should"
fi

# ---- onto an existing copy: every file replaced, nothing else left ----------
# (SRC/. names the directory's contents, as with cp: DST/. is DST itself.)
mkdata "$s/a/f8" 777
"$zcp" -a "$s/." "$d/copy-1" 2>"$d/err"
rc=$?
if [ $rc -eq 0 ]; then ok "-a onto an existing tree exit 0"; else bad "-a onto existing: $rc $(cat "$d/err")"; fi
same_tree "-a onto an existing tree" "$s" "$d/copy-1"
if [ -f "$d/copy-1/a/f8" ] && [ -z "$(find "$d/copy-1" -name '.*zcp*')" ]; then
	ok "no temporary files left in the tree"
else
	bad "temporaries left: $(find "$d/copy-1" -name '.*zcp*')"
fi

# ---- into an existing directory: DIR/NAME --------------------------------
mkdir -p "$d/into"
"$zcp" -a "$s" "$d/into" 2>"$d/err"
same_tree "-a SRC DIR copies into DIR/src" "$s" "$d/into/src"
mkdir -p "$d/multi"
"$zcp" "$s/a/f1" "$s/a/f9" "$s/a/b/c/deep" "$d/multi" 2>"$d/err"
rc=$?
if [ $rc -eq 0 ] && cmp -s "$s/a/f1" "$d/multi/f1" && cmp -s "$s/a/f9" "$d/multi/f9" &&
	cmp -s "$s/a/b/c/deep" "$d/multi/deep"; then
	ok "several SRC files into a directory"
else
	bad "several SRCs: exit $rc: $(cat "$d/err")"
fi
"$zcp" -r "$s/a/b" "$s/empty" "$s/a/f10" "$d/multi/" 2>"$d/err"
rc=$?
if [ $rc -eq 0 ] && diff -r "$s/a/b" "$d/multi/b" >/dev/null && [ -d "$d/multi/empty" ] &&
	cmp -s "$s/a/f10" "$d/multi/f10"; then
	ok "-r with directories and a file into a directory"
else
	bad "-r several: exit $rc: $(cat "$d/err")"
fi
"$zcp" "$s/a/f11" "$d/multi" 2>"$d/err"
rc=$?
if [ $rc -eq 0 ] && cmp -s "$s/a/f11" "$d/multi/f11"; then
	ok "one file into a directory (DIR/NAME)"
else
	bad "file into dir: exit $rc: $(cat "$d/err")"
fi
"$zcp" "$s/a/f1" "$s/a/f2" "$d/not-a-dir" 2>"$d/err"
rc=$?
if [ $rc -eq 1 ] && grep -q '^zcp: .*not-a-dir: Not a directory' "$d/err" && [ ! -e "$d/not-a-dir" ]; then
	ok "several SRCs into a missing directory -> 1: $(cat "$d/err")"
else
	bad "several SRCs, no directory: exit $rc: $(cat "$d/err")"
fi
"$zcp" "$s/a" "$d/nor" 2>"$d/err"
rc=$?
if [ $rc -eq 1 ] && grep -q '^zcp: .*Is a directory' "$d/err" && [ ! -e "$d/nor" ]; then
	ok "a directory without -r -> 1"
else
	bad "a directory without -r: exit $rc: $(cat "$d/err")"
fi

# ---- a directory into itself ----------------------------------------------
mkdir -p "$d/self/x"
mkdata "$d/self/x/file" 100
"$zcp" -r "$d/self" "$d/self/x/inner" 2>"$d/err"
rc=$?
if [ $rc -eq 1 ] && grep -q 'into itself' "$d/err" && cmp -s "$d/self/x/file" "$d/self/x/inner/x/file"; then
	ok "a directory into itself: copied once, reported, exit 1"
else
	bad "into itself: exit $rc: $(cat "$d/err")"
fi

# ---- one unreadable file among good ones ------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	runas=
elif command -v setpriv >/dev/null; then
	runas="setpriv --reuid=65534 --regid=65534 --clear-groups"
else
	runas=none
fi
if [ "$runas" != none ]; then
	u=$tmp/unread
	mkdir -p "$u/src/sub"
	for i in 1 2 3; do mkdata "$u/src/ok$i" 5000; mkdata "$u/src/sub/ok$i" 5000; done
	mkdata "$u/src/sub/secret" 5000
	chmod 000 "$u/src/sub/secret"
	chmod -R a+rX "$u/src" && chmod 000 "$u/src/sub/secret"
	chmod 755 "$tmp" "$u"
	mkdir -p "$u/out" && chmod 777 "$u/out"
	$runas "$zcp" -r "$u/src" "$u/out/copy" >"$d/out" 2>"$d/err"
	rc=$?
	good=1
	for f in ok1 ok2 ok3 sub/ok1 sub/ok2 sub/ok3; do
		cmp -s "$u/src/$f" "$u/out/copy/$f" || good=
	done
	if [ $rc -eq 1 ] && [ "$(wc -l <"$d/err")" -eq 1 ] &&
		grep -q "^zcp: $u/src/sub/secret: Permission denied$" "$d/err" &&
		[ -n "$good" ] && [ ! -e "$u/out/copy/sub/secret" ]; then
		ok "unreadable file: one line, exit 1, the six others copied"
	else
		bad "unreadable file: exit $rc, others copied: ${good:-no}: $(cat "$d/err")"
	fi
else
	echo "note: root without setpriv: no file can be made unreadable"
fi

# ---- Ctrl-C while a copying thread waits on a source that stalls -----------
# The stalled file never lands (its O_TMPFILE vanishes with the process).
mkfifo "$d/stall"
(head -c 4096 /dev/urandom; exec sleep 30) >"$d/stall" &
wpid=$!
mkdir -p "$d/sig"
"$zcp" "$s/a/f1" "$d/stall" "$d/sig" 2>"$d/err" &
zpid=$!
sleep 0.5
kill -INT $zpid
t0=$(date +%s)
wait $zpid
rc=$?
secs=$(($(date +%s) - t0))
kill $wpid 2>/dev/null
wait $wpid 2>/dev/null
if [ $rc -eq 1 ] && [ $secs -le 5 ] && zcp_line "$d/err" && [ ! -e "$d/sig/stall" ] &&
	[ -z "$(ls -A "$d/sig" | grep -v '^f1$')" ]; then
	ok "SIGINT while a thread waits: exit 1 in ${secs}s, nothing half-copied: $(cat "$d/err")"
else
	bad "SIGINT in a tree copy: exit $rc after ${secs}s: $(cat "$d/err"); left: $(ls -A "$d/sig")"
fi

# ---- the same tree twice with --stats: one line, the bytes counted ----------
"$zcp" -r --stats "$s/a/b" "$d/st" 2>"$d/err"
if grep -Eq '^zcp: stats: method=[a-z-]+ bytes=[0-9]+ ' "$d/err" && diff -r "$s/a/b" "$d/st" >/dev/null; then
	ok "-r --stats: $(cut -c1-80 "$d/err")"
else
	bad "-r --stats: $(cat "$d/err")"
fi
finish
