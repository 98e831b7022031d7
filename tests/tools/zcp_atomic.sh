#!/usr/bin/env bash
# serial: yes
# zcp loses nothing: a transfer into an existing DST stopped by SIGINT or
# SIGTERM midway (a FIFO fed slowly, a FIFO that stalls, a slow TCP
# sender), a full disk (root: a 1 MiB tmpfs), and a peer that hangs up all
# exit 1 with a "zcp: " line, leave the old DST byte for byte as it was and
# leave no temporary file behind; a closed pipe never kills zcp (SIGPIPE).
# The same interrupts run again with O_TMPFILE refused (an LD_PRELOAD shim
# built here), so the named ".DST.zcp-XXXXXX" temporary path is covered.
# timeout: 120
. "$(dirname "$0")/_zcp_lib.sh"
d=$tmp/atomic
mkdir -p "$d"
mkdata "$d/dst" 50000
cp "$d/dst" "$tmp/dst.orig"

# stopped SIG HOW: start zcp on a slow source into $d/dst, send SIG once it
# is running, and check the outcome. HOW: trickle | stall | tcp.
stopped() {
	local sig=$1 how=$2 wpid zpid rc t0 secs
	rm -f "$d/fifo"
	case $how in
	trickle | stall)
		mkfifo "$d/fifo"
		if [ $how = trickle ]; then
			(while :; do head -c 4096 /dev/urandom; sleep 0.02; done) \
				>"$d/fifo" 2>/dev/null &
		else
			(head -c 8192 /dev/urandom; exec sleep 30) >"$d/fifo" &
		fi
		wpid=$!
		env ${preload:+LD_PRELOAD=$preload} "$zcp" "$d/fifo" "$d/dst" 2>"$d/err" &
		zpid=$!
		;;
	tcp)
		listen_start "$d/dst" || return
		zpid=$lpid
		(exec 3<>/dev/tcp/127.0.0.1/$port
		 while :; do head -c 4096 /dev/urandom >&3 || exit; sleep 0.02; done) \
			2>/dev/null &
		wpid=$!
		;;
	esac
	# Wait until zcp writes its temporary: an O_TMPFILE shows in
	# /proc/PID/fd as "DIR/#INODE (deleted)", a named one in the dir.
	local i tmpseen=
	for i in $(seq 1 250); do
		if [ -n "${preload:-}" ]; then
			ls -A "$d" | grep -q '^\.dst\.zcp-' && tmpseen=1
		else
			ls -l /proc/$zpid/fd 2>/dev/null | grep -q -- "-> $d/#" && tmpseen=1
		fi
		[ -n "$tmpseen" ] && break
		kill -0 $zpid 2>/dev/null || break
		sleep 0.02
	done
	kill -0 $zpid 2>/dev/null || { bad "$how: zcp ended early"; kill $wpid; return; }
	[ -n "$tmpseen" ] && ok "$how: zcp is writing its temporary file" ||
		bad "$how: no temporary file seen while copying"
	sleep 0.2 # let some bytes land in it
	t0=$(date +%s%N)
	kill -s "$sig" $zpid
	wait $zpid
	rc=$?
	secs=$((($(date +%s%N) - t0) / 1000000))
	kill $wpid 2>/dev/null
	wait $wpid 2>/dev/null
	[ $how = tcp ] && cp "$lerr" "$d/err"
	if [ $rc -eq 1 ] && grep -q '^zcp: .*interrupted' "$d/err"; then
		ok "$how + $sig: exit 1 after ${secs} ms: $(grep -v listening "$d/err")"
	else
		bad "$how + $sig: exit $rc: $(cat "$d/err")"
	fi
	[ $secs -lt 4000 ] || bad "$how + $sig: took $secs ms to stop"
	same "$tmp/dst.orig" "$d/dst" "$how + $sig: old DST unchanged"
	rm -f "$d/fifo"
	only_files "$d" dst err
}
preload=
stopped INT trickle
stopped TERM trickle
stopped INT stall
stopped TERM tcp

# Named temporaries: a file system without O_TMPFILE, simulated.
if [ "${ZC_SAN:-0}" = 1 ]; then
	echo "note: O_TMPFILE shim not used under ASan (it must load first)"
elif cat >"$tmp/notmpfile.c" <<'C' && ${CC:-cc} -shared -fPIC -o "$tmp/notmpfile.so" "$tmp/notmpfile.c" -ldl 2>"$tmp/cc.err"; then
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
/* open() that refuses O_TMPFILE, as on a file system without it. */
static int shim(const char *name, const char *path, int flags, va_list ap)
{
	int (*real)(const char *, int, ...) = dlsym(RTLD_NEXT, name);
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;

	if ((flags & O_TMPFILE) == O_TMPFILE) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return real(path, flags, mode);
}
int open(const char *path, int flags, ...)
{
	va_list ap;
	int r;

	va_start(ap, flags);
	r = shim("open", path, flags, ap);
	va_end(ap);
	return r;
}
int open64(const char *path, int flags, ...)
{
	va_list ap;
	int r;

	va_start(ap, flags);
	r = shim("open64", path, flags, ap);
	va_end(ap);
	return r;
}
C
	preload=$tmp/notmpfile.so
	mkdata "$tmp/named.src" 300000
	LD_PRELOAD=$preload "$zcp" "$tmp/named.src" "$d/dst" 2>"$d/err" &&
		same "$tmp/named.src" "$d/dst" "named temporary: copy works"
	only_files "$d" dst err
	cp "$d/dst" "$tmp/dst.orig"
	stopped INT trickle
	stopped INT stall
	preload=
else
	echo "note: cannot build the O_TMPFILE shim: $(head -n 1 "$tmp/cc.err")"
fi

# A receiver that hangs up after 1000 bytes: the sender fails cleanly.
mkdata "$tmp/big" 20000000
listen_start "$d/part" --length 1000 || exit 1
"$zcp" "$tmp/big" tcp:127.0.0.1:$port 2>"$d/err"
rc=$?
listen_wait
if [ $rc -eq 1 ] && zcp_line "$d/err"; then
	ok "peer closed -> exit 1: $(cat "$d/err")"
else
	bad "peer closed: exit $rc: $(cat "$d/err")"
fi
head -c 1000 "$tmp/big" | cmp -s - "$d/part" && ok "receiver got its 1000 bytes" ||
	bad "receiver's 1000 bytes differ"
rm -f "$d/part" "$d/err"
for m in auto read-write; do
	"$zcp" -m $m "$tmp/big" - 2>"$d/err" | head -c 10 >/dev/null
	rc=${PIPESTATUS[0]}
	if [ $rc -eq 1 ] && zcp_line "$d/err"; then
		ok "-m $m into a closed pipe -> exit 1: $(cat "$d/err")"
	else
		bad "-m $m into a closed pipe: exit $rc (141 = killed by SIGPIPE)"
	fi
done
rm -f "$d/err"

# A full disk.
if [ "$(id -u)" -ne 0 ]; then
	echo "note: full-disk check skipped (needs root to mount a tmpfs)"
elif mkdir -p "$tmp/full" && mount -t tmpfs -o size=1m zcp-full "$tmp/full"; then
	trap 'umount "$tmp/full" 2>/dev/null' EXIT
	mkdata "$tmp/full/dst" 300000
	cp "$tmp/full/dst" "$tmp/full.orig"
	for m in auto read-write copy-file-range; do
		"$zcp" -m $m "$tmp/big" "$tmp/full/dst" 2>"$d/err"
		rc=$?
		if [ $rc -eq 1 ] && grep -q '^zcp: .*\(No space\|Invalid\|cross-device\)' "$d/err"; then
			ok "full disk -m $m -> exit 1: $(cat "$d/err")"
		else
			bad "full disk -m $m: exit $rc: $(cat "$d/err")"
		fi
		same "$tmp/full.orig" "$tmp/full/dst" "full disk -m $m: old DST intact"
		only_files "$tmp/full" dst
	done
	# And from a slow network source into the full disk.
	listen_start "$tmp/full/dst" || exit 1
	"$zcp" "$tmp/big" tcp:127.0.0.1:$port 2>/dev/null
	listen_wait
	rc=$?
	[ $rc -eq 1 ] && grep -q 'No space' "$lerr" && ok "full disk from tcp-listen -> exit 1" ||
		bad "full disk from tcp-listen: exit $rc: $(cat "$lerr")"
	same "$tmp/full.orig" "$tmp/full/dst" "full disk from tcp: old DST intact"
	only_files "$tmp/full" dst
	umount "$tmp/full"
	trap - EXIT
else
	echo "note: full-disk check skipped (cannot mount a tmpfs here)"
fi
finish
