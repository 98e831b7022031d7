/* SPDX-License-Identifier: MIT */
/*
 * syscall.c — the system-call layer of libzcio.
 *
 * Every call the library makes goes through one of these wrappers. Each
 * wrapper returns -errno instead of setting errno, counts the call in a
 * thread-local counter (zc_stats.syscalls is the difference around a
 * transfer), and first asks the fault hook of fault.h whether to fail the
 * call, pretend it returned 0 or shorten its length argument. EINTR is
 * passed up unchanged: the engines retry it, so injected EINTR exercises
 * their retry paths.
 *
 * `ret_zero` only makes sense for calls that move bytes (read, write,
 * pread, pwrite, sendfile, splice, copy_file_range, send, recvmsg) and for
 * calls whose success value is 0 and that fill no output (munmap, madvise,
 * fcntl, ftruncate, fadvise, close, setsockopt); it is ignored for calls
 * that must fill an output (mmap, fstat, pipe2, open...).
 */
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fault.h"

static _Thread_local uint64_t sys_calls;

static _Atomic(zc_fault_fn) fault_fn;
static void *_Atomic fault_arg;
static _Atomic uint64_t fault_nth[ZC_SYS__COUNT];

static const char *const sys_names[ZC_SYS__COUNT] = {
    [ZC_SYS_READ] = "read",
    [ZC_SYS_WRITE] = "write",
    [ZC_SYS_PREAD] = "pread",
    [ZC_SYS_PWRITE] = "pwrite",
    [ZC_SYS_SENDFILE] = "sendfile",
    [ZC_SYS_SPLICE] = "splice",
    [ZC_SYS_COPY_FILE_RANGE] = "copy_file_range",
    [ZC_SYS_MMAP] = "mmap",
    [ZC_SYS_MUNMAP] = "munmap",
    [ZC_SYS_MADVISE] = "madvise",
    [ZC_SYS_POLL] = "poll",
    [ZC_SYS_LSEEK] = "lseek",
    [ZC_SYS_FSTAT] = "fstat",
    [ZC_SYS_FSTATFS] = "fstatfs",
    [ZC_SYS_STATX] = "statx",
    [ZC_SYS_FCNTL] = "fcntl",
    [ZC_SYS_IOCTL] = "ioctl",
    [ZC_SYS_OPEN] = "open",
    [ZC_SYS_CLOSE] = "close",
    [ZC_SYS_PIPE2] = "pipe2",
    [ZC_SYS_FTRUNCATE] = "ftruncate",
    [ZC_SYS_FADVISE] = "fadvise",
    [ZC_SYS_SEND] = "send",
    [ZC_SYS_RECVMSG] = "recvmsg",
    [ZC_SYS_SETSOCKOPT] = "setsockopt",
    [ZC_SYS_GETSOCKOPT] = "getsockopt",
    [ZC_SYS_IO_URING_SETUP] = "io_uring_setup",
    [ZC_SYS_IO_URING_ENTER] = "io_uring_enter",
    [ZC_SYS_IO_URING_REGISTER] = "io_uring_register",
};

const char *zc__sys_name(enum zc_sys_id id)
{
	return (unsigned)id < ZC_SYS__COUNT ? sys_names[id] : "unknown";
}

uint64_t zc__sys_calls(void)
{
	return sys_calls;
}

void zc__fault_set(zc_fault_fn fn, void *arg)
{
	atomic_store(&fault_fn, NULL);
	for (int i = 0; i < ZC_SYS__COUNT; i++)
		atomic_store(&fault_nth[i], 0);
	atomic_store(&fault_arg, arg);
	atomic_store(&fault_fn, fn);
}

/*
 * Count the call and consult the hook. Returns true when the hook decided
 * the result (*ret); may shorten *len. `zero_ok`: ret_zero applies.
 */
static bool fault(enum zc_sys_id id, size_t *len, bool zero_ok, long *ret)
{
	zc_fault_fn fn;
	struct zc_fault f = {0};

	sys_calls++;
	fn = atomic_load_explicit(&fault_fn, memory_order_acquire);
	if (!fn)
		return false;
	fn(id, atomic_fetch_add(&fault_nth[id], 1), &f,
	   atomic_load(&fault_arg));
	if (f.err > 0) {
		*ret = -f.err;
		return true;
	}
	if (f.ret_zero && zero_ok) {
		*ret = 0;
		return true;
	}
	if (f.max_len && len && *len > f.max_len)
		*len = f.max_len;
	return false;
}

/* -errno convention for a libc result. */
static long res(long r)
{
	return r < 0 ? -errno : r;
}

ssize_t zc__sys_read(int fd, void *buf, size_t len)
{
	long fret;

	if (fault(ZC_SYS_READ, &len, true, &fret))
		return fret;
	return res(read(fd, buf, len));
}

ssize_t zc__sys_write(int fd, const void *buf, size_t len)
{
	long fret;

	if (fault(ZC_SYS_WRITE, &len, true, &fret))
		return fret;
	return res(write(fd, buf, len));
}

ssize_t zc__sys_pread(int fd, void *buf, size_t len, off_t off)
{
	long fret;

	if (fault(ZC_SYS_PREAD, &len, true, &fret))
		return fret;
	return res(pread(fd, buf, len, off));
}

ssize_t zc__sys_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	long fret;

	if (fault(ZC_SYS_PWRITE, &len, true, &fret))
		return fret;
	return res(pwrite(fd, buf, len, off));
}

ssize_t zc__sys_sendfile(int out, int in, off_t *off, size_t len)
{
	long fret;

	if (fault(ZC_SYS_SENDFILE, &len, true, &fret))
		return fret;
	return res(sendfile(out, in, off, len));
}

ssize_t zc__sys_splice(int in, off_t *off_in, int out, off_t *off_out,
		       size_t len, unsigned flags)
{
	long fret;

	if (fault(ZC_SYS_SPLICE, &len, true, &fret))
		return fret;
	return res(splice(in, off_in, out, off_out, len, flags));
}

ssize_t zc__sys_copy_file_range(int in, off_t *off_in, int out, off_t *off_out,
				size_t len, unsigned flags)
{
	long fret;

	if (fault(ZC_SYS_COPY_FILE_RANGE, &len, true, &fret))
		return fret;
	/* The raw call: glibc 2.27-2.29 emulated it in user space. */
	return res(
	    syscall(SYS_copy_file_range, in, off_in, out, off_out, len, flags));
}

int zc__sys_mmap(void **addr, size_t len, int prot, int flags, int fd,
		 off_t off)
{
	void *p;
	long fret;

	if (fault(ZC_SYS_MMAP, NULL, false, &fret))
		return fret;
	p = mmap(*addr, len, prot, flags, fd, off);
	if (p == MAP_FAILED)
		return -errno;
	*addr = p;
	return 0;
}

int zc__sys_munmap(void *addr, size_t len)
{
	long fret;

	if (fault(ZC_SYS_MUNMAP, NULL, true, &fret))
		return fret;
	return res(munmap(addr, len));
}

int zc__sys_madvise(void *addr, size_t len, int advice)
{
	long fret;

	if (fault(ZC_SYS_MADVISE, NULL, true, &fret))
		return fret;
	return res(madvise(addr, len, advice));
}

int zc__sys_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	long fret;

	if (fault(ZC_SYS_POLL, NULL, false, &fret))
		return fret;
	return res(poll(fds, n, timeout_ms));
}

off_t zc__sys_lseek(int fd, off_t off, int whence)
{
	long fret;

	if (fault(ZC_SYS_LSEEK, NULL, false, &fret))
		return fret;
	return res(lseek(fd, off, whence));
}

int zc__sys_fstat(int fd, struct stat *st)
{
	long fret;

	if (fault(ZC_SYS_FSTAT, NULL, false, &fret))
		return fret;
	return res(fstat(fd, st));
}

int zc__sys_fstatfs(int fd, struct statfs *sfs)
{
	long fret;

	if (fault(ZC_SYS_FSTATFS, NULL, false, &fret))
		return fret;
	return res(fstatfs(fd, sfs));
}

int zc__sys_statx(int dirfd, const char *path, int flags, unsigned mask,
		  struct statx *stx)
{
	long fret;

	if (fault(ZC_SYS_STATX, NULL, false, &fret))
		return fret;
	return res(statx(dirfd, path, flags, mask, stx));
}

int zc__sys_fcntl(int fd, int cmd, long arg)
{
	long fret;

	if (fault(ZC_SYS_FCNTL, NULL, cmd == F_SETFL || cmd == F_SETFD, &fret))
		return fret;
	return res(fcntl(fd, cmd, arg));
}

int zc__sys_ioctl(int fd, unsigned long req, void *arg)
{
	long fret;

	if (fault(ZC_SYS_IOCTL, NULL, false, &fret))
		return fret;
	return res(ioctl(fd, req, arg));
}

int zc__sys_open(const char *path, int flags, unsigned mode)
{
	long fret;

	if (fault(ZC_SYS_OPEN, NULL, false, &fret))
		return fret;
	return res(open(path, flags, mode));
}

int zc__sys_close(int fd)
{
	long fret;

	if (fault(ZC_SYS_CLOSE, NULL, true, &fret))
		return fret;
	/* Linux releases the descriptor even when close reports EINTR. */
	return res(close(fd));
}

int zc__sys_pipe2(int fds[2], int flags)
{
	long fret;

	if (fault(ZC_SYS_PIPE2, NULL, false, &fret))
		return fret;
	return res(pipe2(fds, flags));
}

int zc__sys_ftruncate(int fd, off_t len)
{
	long fret;

	if (fault(ZC_SYS_FTRUNCATE, NULL, true, &fret))
		return fret;
	return res(ftruncate(fd, len));
}

int zc__sys_fadvise(int fd, off_t off, off_t len, int advice)
{
	int r;
	long fret;

	if (fault(ZC_SYS_FADVISE, NULL, true, &fret))
		return fret;
	r = posix_fadvise(fd, off, len, advice);
	return -r;
}

ssize_t zc__sys_send(int fd, const void *buf, size_t len, int flags)
{
	long fret;

	if (fault(ZC_SYS_SEND, &len, true, &fret))
		return fret;
	return res(send(fd, buf, len, flags));
}

ssize_t zc__sys_recvmsg(int fd, struct msghdr *msg, int flags)
{
	long fret;

	if (fault(ZC_SYS_RECVMSG, NULL, true, &fret))
		return fret;
	return res(recvmsg(fd, msg, flags));
}

int zc__sys_setsockopt(int fd, int level, int name, const void *val,
		       unsigned len)
{
	long fret;

	if (fault(ZC_SYS_SETSOCKOPT, NULL, true, &fret))
		return fret;
	return res(setsockopt(fd, level, name, val, len));
}

int zc__sys_getsockopt(int fd, int level, int name, void *val, unsigned *len)
{
	socklen_t l = *len;
	int r;
	long fret;

	if (fault(ZC_SYS_GETSOCKOPT, NULL, false, &fret))
		return fret;
	r = res(getsockopt(fd, level, name, val, &l));
	*len = l;
	return r;
}

int zc__sys_io_uring_setup(unsigned entries, void *params)
{
	long fret;

	if (fault(ZC_SYS_IO_URING_SETUP, NULL, false, &fret))
		return fret;
	return res(syscall(SYS_io_uring_setup, entries, params));
}

int zc__sys_io_uring_enter(int fd, unsigned to_submit, unsigned min_complete,
			   unsigned flags)
{
	long fret;

	if (fault(ZC_SYS_IO_URING_ENTER, NULL, false, &fret))
		return fret;
	return res(syscall(SYS_io_uring_enter, fd, to_submit, min_complete,
			   flags, NULL, 0));
}

int zc__sys_io_uring_register(int fd, unsigned op, void *arg, unsigned n)
{
	long fret;

	if (fault(ZC_SYS_IO_URING_REGISTER, NULL, false, &fret))
		return fret;
	return res(syscall(SYS_io_uring_register, fd, op, arg, n));
}
