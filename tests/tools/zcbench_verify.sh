#!/usr/bin/env bash
# zcbench checks every byte it moves: with one byte flipped on its way into
# the receiver (an LD_PRELOAD shim around read(2) on sockets), the run is
# reported FAILED, not measured, and zcbench exits 1. And a method that
# crashes (a shim whose sendfile(2) raises SIGSEGV) fails its own row only:
# the other methods are still measured.
set -u
bin=${ZC_BUILD:?}/zcbench
tmp=${ZC_TMP:?}
[ -x "$bin" ] || { echo "zcbench not built: $bin"; exit 1; }
command -v cc >/dev/null || { echo "no C compiler for the shim"; exit 77; }

cat >"$tmp/flip.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

/* Flip one byte of the fifth socket read that returns enough data. */
ssize_t read(int fd, void *buf, size_t len)
{
	static ssize_t (*real)(int, void *, size_t);
	static int reads, done;
	struct stat st;
	ssize_t r;

	if (!real)
		real = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
	r = real(fd, buf, len);
	if (r > 100 && !done && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    ++reads == 5) {
		((unsigned char *)buf)[100] ^= 0x5a;
		done = 1;
	}
	return r;
}
C
cc -shared -fPIC -o "$tmp/flip.so" "$tmp/flip.c" -ldl ||
	{ echo "cannot build the shim"; exit 1; }

LD_PRELOAD=$tmp/flip.so "$bin" --quick --dir "$tmp" --scenarios file-tcp \
	--methods read-write --cache warm --reps 1 --json "$tmp/b.json" \
	>"$tmp/table.txt" 2>&1
rc=$?
cat "$tmp/table.txt"
[ $rc -eq 1 ] || { echo "FAIL: exit $rc with corrupted data, expected 1"; exit 1; }
grep -q "FAILED: data did not verify" "$tmp/table.txt" ||
	{ echo "FAIL: the table does not say FAILED"; exit 1; }
/usr/bin/python3 - "$tmp/b.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
r = [r for s in d["scenarios"] for r in s["results"]]
assert len(r) == 1, r
assert r[0]["status"] == "failed", r[0]
assert "did not verify" in r[0]["reason"], r[0]
assert "metrics" not in r[0], "a failed run must not be measured"
assert d["failures"] == 1, d["failures"]
PY

# And the same run without the shim verifies and passes.
"$bin" --quick --dir "$tmp" --scenarios file-tcp --methods read-write \
	--cache warm --reps 1 >"$tmp/clean.txt" 2>&1 ||
	{ cat "$tmp/clean.txt"; echo "FAIL: clean run failed"; exit 1; }

cat >"$tmp/crash.c" <<'C'
#define _GNU_SOURCE
#include <signal.h>
#include <sys/types.h>

ssize_t sendfile(int out, int in, off_t *off, size_t len)
{
	(void)out, (void)in, (void)off, (void)len;
	raise(SIGSEGV);
	return -1;
}
ssize_t sendfile64(int out, int in, off_t *off, size_t len)
{
	return sendfile(out, in, off, len);
}
C
cc -shared -fPIC -o "$tmp/crash.so" "$tmp/crash.c" ||
	{ echo "cannot build the crash shim"; exit 1; }
LD_PRELOAD=$tmp/crash.so "$bin" --quick --dir "$tmp" --scenarios file-tcp \
	--methods read-write,sendfile --cache warm --reps 1 \
	--json "$tmp/c.json" >"$tmp/crash.txt" 2>&1
rc=$?
cat "$tmp/crash.txt"
[ $rc -eq 1 ] || { echo "FAIL: exit $rc after a crash, expected 1"; exit 1; }
/usr/bin/python3 - "$tmp/c.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
r = {x["method"]: x for s in d["scenarios"] for x in s["results"]}
assert r["sendfile"]["status"] == "failed", r["sendfile"]
assert "signal 11" in r["sendfile"]["reason"], r["sendfile"]["reason"]
assert r["read-write"]["status"] == "ok", r["read-write"]
PY
ls "$tmp"/zcbench.* >/dev/null 2>&1 && { echo "FAIL: work files left"; exit 1; }
echo "ok: corruption and a crash reported as FAILED, clean run passes"
