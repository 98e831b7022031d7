/* SPDX-License-Identifier: MIT */
/*
 * sys.c — the storage's system-call wrappers (see sys.h). Each one counts
 * the call, asks the fault hook, then makes the call and turns -1/errno
 * into -errno. EINTR is passed up; the *_all helpers retry it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sys.h"

static _Atomic(lsys_fault_fn) hook;
static void *_Atomic hook_arg;
static _Atomic uint64_t nth[LSYS__COUNT];

static const char *const names[LSYS__COUNT] = {
    [LSYS_OPEN] = "open",	    [LSYS_CLOSE] = "close",
    [LSYS_READ] = "read",	    [LSYS_PREAD] = "pread",
    [LSYS_WRITE] = "write",	    [LSYS_PWRITE] = "pwrite",
    [LSYS_FDATASYNC] = "fdatasync", [LSYS_FSYNC] = "fsync",
    [LSYS_RENAME] = "rename",	    [LSYS_UNLINK] = "unlink",
    [LSYS_FTRUNCATE] = "ftruncate", [LSYS_FALLOCATE] = "fallocate",
    [LSYS_MMAP] = "mmap",	    [LSYS_MUNMAP] = "munmap",
    [LSYS_MKDIR] = "mkdir",	    [LSYS_RMDIR] = "rmdir",
    [LSYS_OPENDIR] = "opendir",	    [LSYS_FSTAT] = "fstat",
    [LSYS_STAT] = "stat",	    [LSYS_SYNC_FILE_RANGE] = "sync_file_range",
};

const char *lsys_name(enum lsys_id id)
{
	return (unsigned)id < LSYS__COUNT ? names[id] : "unknown";
}

void lsys_fault_set(lsys_fault_fn fn, void *arg)
{
	atomic_store(&hook, NULL);
	for (int i = 0; i < LSYS__COUNT; i++)
		atomic_store(&nth[i], 0);
	atomic_store(&hook_arg, arg);
	atomic_store(&hook, fn);
}

uint64_t lsys_calls(enum lsys_id id)
{
	return atomic_load(&nth[id]);
}

/* True when the hook fails the call (*ret = -err); may shorten *len. */
static bool fault(enum lsys_id id, size_t *len, long *ret)
{
	lsys_fault_fn fn = atomic_load_explicit(&hook, memory_order_acquire);
	struct lsys_fault f = {0};

	if (!fn)
		return false;
	fn(id, atomic_fetch_add(&nth[id], 1), &f, atomic_load(&hook_arg));
	if (f.err > 0) {
		*ret = -f.err;
		return true;
	}
	if (f.max_len && len && *len > f.max_len)
		*len = f.max_len;
	return false;
}

static long res(long r)
{
	return r < 0 ? -errno : r;
}

/* The common shape: a call with no length argument. */
#define PLAIN(id, call)                                                        \
	do {                                                                   \
		long fret;                                                     \
		if (fault(id, NULL, &fret))                                    \
			return (int)fret;                                      \
		return (int)res(call);                                         \
	} while (0)

int lsys_open(const char *path, int flags, unsigned mode)
{
	PLAIN(LSYS_OPEN, open(path, flags, mode));
}

int lsys_close(int fd)
{
	long fret;

	/* A failed close still releases the descriptor (close(2)): make the
	 * call, then report the injected error. */
	if (fault(LSYS_CLOSE, NULL, &fret)) {
		close(fd);
		return (int)fret;
	}
	return (int)res(close(fd));
}

ssize_t lsys_read(int fd, void *buf, size_t len)
{
	long fret;

	if (fault(LSYS_READ, &len, &fret))
		return fret;
	return res(read(fd, buf, len));
}

ssize_t lsys_pread(int fd, void *buf, size_t len, off_t off)
{
	long fret;

	if (fault(LSYS_PREAD, &len, &fret))
		return fret;
	return res(pread(fd, buf, len, off));
}

ssize_t lsys_write(int fd, const void *buf, size_t len)
{
	long fret;

	if (fault(LSYS_WRITE, &len, &fret))
		return fret;
	return res(write(fd, buf, len));
}

ssize_t lsys_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	long fret;

	if (fault(LSYS_PWRITE, &len, &fret))
		return fret;
	return res(pwrite(fd, buf, len, off));
}

int lsys_fdatasync(int fd)
{
	PLAIN(LSYS_FDATASYNC, fdatasync(fd));
}

int lsys_fsync(int fd)
{
	PLAIN(LSYS_FSYNC, fsync(fd));
}

int lsys_rename(const char *from, const char *to)
{
	PLAIN(LSYS_RENAME, rename(from, to));
}

int lsys_unlink(const char *path)
{
	PLAIN(LSYS_UNLINK, unlink(path));
}

int lsys_ftruncate(int fd, off_t len)
{
	PLAIN(LSYS_FTRUNCATE, ftruncate(fd, len));
}

int lsys_fallocate(int fd, int mode, off_t off, off_t len)
{
	PLAIN(LSYS_FALLOCATE, fallocate(fd, mode, off, len));
}

int lsys_mmap(void **addr, size_t len, int prot, int flags, int fd, off_t off)
{
	long fret;
	void *p;

	if (fault(LSYS_MMAP, NULL, &fret))
		return (int)fret;
	p = mmap(*addr, len, prot, flags, fd, off);
	if (p == MAP_FAILED)
		return -errno;
	*addr = p;
	return 0;
}

int lsys_munmap(void *addr, size_t len)
{
	PLAIN(LSYS_MUNMAP, munmap(addr, len));
}

int lsys_mkdir(const char *path, unsigned mode)
{
	PLAIN(LSYS_MKDIR, mkdir(path, mode));
}

int lsys_rmdir(const char *path)
{
	PLAIN(LSYS_RMDIR, rmdir(path));
}

int lsys_opendir(const char *path, DIR **out)
{
	long fret;

	if (fault(LSYS_OPENDIR, NULL, &fret))
		return (int)fret;
	*out = opendir(path);
	return *out ? 0 : -errno;
}

int lsys_fstat(int fd, struct stat *st)
{
	PLAIN(LSYS_FSTAT, fstat(fd, st));
}

int lsys_stat(const char *path, struct stat *st)
{
	PLAIN(LSYS_STAT, stat(path, st));
}

int lsys_sync_file_range(int fd, off_t off, off_t len, unsigned flags)
{
	PLAIN(LSYS_SYNC_FILE_RANGE, sync_file_range(fd, off, len, flags));
}

int lsys_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = off < 0 ? lsys_write(fd, p, len)
				    : lsys_pwrite(fd, p, len, off);

		if (n == -EINTR)
			continue;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		if (off >= 0)
			off += n;
	}
	return 0;
}

int lsys_pread_all(int fd, void *buf, size_t len, off_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = lsys_pread(fd, p, len, off);

		if (n == -EINTR)
			continue;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EBADMSG;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}
