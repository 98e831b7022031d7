# SPDX-License-Identifier: MIT
"""Drives powercutfs through what a broker does, then checks what a power
cut kept.  python3 _fs_check.py write MNT   (then the caller cuts, remounts)
          python3 _fs_check.py verify MNT
          python3 _fs_check.py clean-write MNT / clean-verify MNT
Prints one "ok"/"FAIL" line per check; exits 1 if any failed."""
import errno
import mmap
import os
import sys

fails = 0


def check(cond, what):
    global fails
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails += 1


def pat(n, seed):
    return bytes((i * 7 + seed) & 0xFF for i in range(n))


def wfile(path, data, sync=True, flags=0):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | flags, 0o644)
    os.write(fd, data)
    if sync:
        os.fsync(fd)
    os.close(fd)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def dsync(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    os.fsync(fd)
    os.close(fd)


def write_phase(m):
    os.mkdir(f"{m}/d")
    dsync(m)
    # Synced, then more appended without a sync.
    wfile(f"{m}/d/a.dat", pat(100000, 1))
    fd = os.open(f"{m}/d/a.dat", os.O_WRONLY | os.O_APPEND)
    os.write(fd, pat(5000, 2))
    os.close(fd)
    check(os.stat(f"{m}/d/a.dat").st_size == 105000, "view sees unsynced append")
    # Synced, then cut short without a sync.
    wfile(f"{m}/c.dat", pat(1000, 3))
    fd = os.open(f"{m}/c.dat", os.O_WRONLY)
    os.ftruncate(fd, 10)
    os.close(fd)
    # Cut short, a write past the cut, synced: the gap must read as zeros.
    wfile(f"{m}/e.dat", pat(1000, 4))
    fd = os.open(f"{m}/e.dat", os.O_WRONLY)
    os.ftruncate(fd, 10)
    os.pwrite(fd, b"x", 500)
    os.fdatasync(fd)
    os.close(fd)
    # A shared mapping: page 0 msync'ed, page 1 only stored.
    fd = os.open(f"{m}/m.idx", os.O_RDWR | os.O_CREAT, 0o644)
    os.ftruncate(fd, 8192)
    os.fsync(fd)
    mm = mmap.mmap(fd, 8192, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    mm[0:4096] = pat(4096, 5)
    mm.flush(0, 4096)  # msync(MS_SYNC)
    mm[4096:8192] = pat(4096, 6)
    mm.close()
    os.close(fd)
    # fallocate'd space, written and fdatasync'ed.
    fd = os.open(f"{m}/f.dat", os.O_RDWR | os.O_CREAT, 0o644)
    os.posix_fallocate(fd, 0, 65536)
    os.pwrite(fd, pat(3000, 7), 100)
    os.fdatasync(fd)
    os.close(fd)
    # Appends through O_APPEND land where the kernel says.
    wfile(f"{m}/log", b"one\n", sync=False, flags=os.O_APPEND)
    wfile(f"{m}/log", b"two\n", sync=True, flags=os.O_APPEND)
    # Rename made durable by syncing the directory.
    wfile(f"{m}/r1", pat(777, 8))
    os.rename(f"{m}/r1", f"{m}/r2")
    dsync(m)
    # rmdir made durable.
    os.mkdir(f"{m}/gone")
    dsync(m)
    os.rmdir(f"{m}/gone")
    dsync(m)
    # The rest is never synced again: all of it must vanish.
    wfile(f"{m}/t1", pat(333, 9))
    os.rename(f"{m}/t1", f"{m}/t2")
    os.unlink(f"{m}/c.dat")
    os.mkdir(f"{m}/newdir")
    wfile(f"{m}/n.dat", pat(4242, 10), sync=False)
    check(sorted(os.listdir(m)) ==
          sorted(["d", "e.dat", "m.idx", "f.dat", "log", "r2", "t2",
                  "newdir", "n.dat", ".powercut"]) or
          sorted(os.listdir(m)) ==
          sorted(["d", "e.dat", "m.idx", "f.dat", "log", "r2", "t2",
                  "newdir", "n.dat"]),
          "view lists what was done: %s" % sorted(os.listdir(m)))
    check(read(f"{m}/n.dat") == pat(4242, 10), "view reads unsynced data")


def verify_phase(m):
    ls = sorted(x for x in os.listdir(m) if x != ".powercut")
    want = sorted(["d", "c.dat", "e.dat", "m.idx", "f.dat", "log", "r2", "t1"])
    check(ls == want, "names after the cut: %s" % ls)
    check(read(f"{m}/d/a.dat") == pat(100000, 1), "synced data kept, unsynced append gone")
    check(read(f"{m}/c.dat") == pat(1000, 3), "unsynced truncate undone")
    e = read(f"{m}/e.dat")
    check(e == pat(10, 4) + bytes(490) + b"x", "truncate+write+fdatasync kept exactly")
    mi = read(f"{m}/m.idx")
    check(mi[:4096] == pat(4096, 5), "msync'ed mapped page kept")
    check(mi[4096:] == bytes(4096), "unsynced mapped page gone")
    f = read(f"{m}/f.dat")
    check(len(f) == 65536 and f[100:3100] == pat(3000, 7) and
          f[:100] == bytes(100) and f[3100:] == bytes(65536 - 3100),
          "fallocate'd file kept")
    check(read(f"{m}/log") == b"one\ntwo\n", "O_APPEND writes kept in order")
    check(read(f"{m}/r2") == pat(777, 8), "rename + directory fsync kept")
    check(read(f"{m}/t1") == pat(333, 9), "unsynced rename undone")
    check(not os.path.exists(f"{m}/n.dat"), "never-synced file gone")
    check(not os.path.exists(f"{m}/newdir"), "never-synced mkdir gone")
    try:
        wfile(f"{m}/after", b"z")
        check(True, "writable again after remount")
    except OSError as e:
        check(False, "writable again after remount: %s" % e)


def dead_phase(m):
    try:
        wfile(f"{m}/d/late", b"late")
        check(False, "writes fail after the cut")
    except OSError as e:
        check(e.errno == errno.EIO, "writes fail after the cut (%s)" % e)


def clean_write(m):
    wfile(f"{m}/unsynced-clean", pat(5555, 11), sync=False)


def clean_verify(m):
    check(read(f"{m}/unsynced-clean") == pat(5555, 11),
          "clean unmount writes unsynced data back")


phase, mnt = sys.argv[1], sys.argv[2]
{"write": write_phase, "verify": verify_phase, "dead": dead_phase,
 "clean-write": clean_write, "clean-verify": clean_verify}[phase](mnt)
sys.exit(1 if fails else 0)
