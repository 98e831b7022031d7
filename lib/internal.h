/* SPDX-License-Identifier: MIT */
/*
 * internal.h — what the files of libzcio share and nothing outside sees.
 *
 *   - struct zc_xfer: the state of one transfer, on the caller's stack;
 *   - the engines: one function per method, one file per engine;
 *   - the system-call layer (syscall.c): every call the library makes goes
 *     through a zc__sys_* wrapper that returns -errno, counts the call for
 *     zc_stats.syscalls, and lets tests inject faults (fault.h).
 *
 * Engine contract (see transfer.c for the dispatcher):
 *   int zc__engine_X(struct zc_xfer *x);
 * moves bytes until x->done == x->want or the input ends, adding every byte
 * that reached out_fd to x->done as it goes and keeping the input position
 * (x->in_off, or in_fd's own position when x->in_off is NULL) exactly in step
 * with x->done. Returns 0 when finished (input ended or count reached), or
 * -errno. A method that cannot serve the pair must fail before moving a byte
 * (x->done unchanged) with an error zc__declines() accepts (-EINVAL,
 * -ENOSYS, -EOPNOTSUPP, -EXDEV, -EBADF, ZC_ENOTHERE...); only then may AUTO
 * fall back to the next method. docs/internals.md has the whole story.
 */
#ifndef ZC_INTERNAL_H
#define ZC_INTERNAL_H

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "zcio.h"

/*
 * "Not here": a kernel method returned 0 on its first call although the
 * input had data (procfs/sysfs files report st_size 0; copy_file_range and
 * sendfile then move nothing). Never returned to users: an explicit method
 * turns it into -EOPNOTSUPP, AUTO into a fallback.
 */
#define ZC_ENOTHERE (-ENODATA)

/* The kernel's per-call limit for read/write/sendfile/splice (MAX_RW_COUNT). */
#define ZC_MAX_RW_COUNT 0x7ffff000UL
/* copy_file_range chunk: 1 GiB, so "to EOF" from a non-zero offset never
 * overflows loff_t arithmetic in the kernel (EOVERFLOW). */
#define ZC_CFR_CHUNK	  (1UL << 30)
#define ZC_DEFAULT_BUFFER (128UL * 1024)

enum zc_fd_kind {
	ZC_FD_FILE,	   /* regular file */
	ZC_FD_PIPE,	   /* pipe or FIFO */
	ZC_FD_SOCK_STREAM, /* SOCK_STREAM socket (TCP, unix stream) */
	ZC_FD_SOCK_OTHER,  /* datagram, seqpacket, ... */
	ZC_FD_CHR,	   /* character device (/dev/null, /dev/zero, tty) */
	ZC_FD_BLK,	   /* block device */
	ZC_FD_DIR,
	ZC_FD_OTHER,
};

struct zc_fdinfo {
	enum zc_fd_kind kind;
	int flags; /* fcntl(F_GETFL): O_APPEND, O_NONBLOCK, O_DIRECT... */
	struct stat st;
	bool size_lies; /* procfs/sysfs/... : st_size says nothing */
	bool seekable;	/* lseek(fd, 0, SEEK_CUR) works */
};

/* One transfer in flight. Lives on the caller's stack. */
struct zc_xfer {
	int out_fd, in_fd;
	/* Input position for seekable inputs (regular file, block device,
	 * and a character device the caller gave an offset for): points at
	 * x->pos, whether or not the caller passed an offset, so engines
	 * always use explicit-offset calls (pread, sendfile(&off)...) and
	 * advance *in_off by exactly what reached out_fd; transfer.c then
	 * stores the final position in the caller's offset or in in_fd's
	 * file position. NULL for pipes, sockets and other character
	 * devices: they are read at their own position. */
	off_t *in_off;
	uint64_t want; /* bytes asked for; UINT64_MAX for ZC_TO_EOF */
	uint64_t done; /* bytes that reached out_fd */
	struct zc_fdinfo in, out;
	const struct zc_options *opts; /* never NULL inside the library */
	struct zc_stats *st;	       /* never NULL inside the library */
	off_t pos;		       /* see in_off */
	/* A prepared pair's AUTO candidates (pair.c), pruned as they
	 * decline; NULL: computed per call by zc__auto_list. */
	enum zc_method *plist;
	int *pn;
};

static inline uint64_t zc__left(const struct zc_xfer *x)
{
	return x->want - x->done;
}

/* Account `n` bytes as moved: x->done, stats, the progress callback.
 * Returns 0, or -ECANCELED when the callback asks to stop. */
int zc__advance(struct zc_xfer *x, uint64_t n);

/* Describe a descriptor (fstat, F_GETFL, statfs for pseudo filesystems). */
int zc__fdinfo(int fd, struct zc_fdinfo *info);

/* Wait until fd is ready for `events` (POLLIN/POLLOUT), retrying EINTR.
 * Counts a wait in x->st. Returns 0, -EPIPE on POLLERR/POLLHUP for
 * POLLOUT, or -errno; -EAGAIN at once with ZC_F_NO_WAIT. */
int zc__wait(struct zc_xfer *x, int fd, short events);

/* Same as zc__wait, but always waits, even with ZC_F_NO_WAIT: for an
 * engine holding bytes it cannot give back (read from a pipe or socket). */
int zc__wait_hard(struct zc_xfer *x, int fd, short events);

/*
 * The result r of a call that reads in_fd while the engine holds nothing:
 * -EAGAIN waits until in_fd is readable (zc__wait) and becomes -EINTR,
 * "make the call again". Any other r, and a failed wait, come back as is.
 */
ssize_t zc__in_result(struct zc_xfer *x, ssize_t r);

/*
 * The result r of a call that writes out_fd: -EAGAIN waits until out_fd is
 * writable and becomes -EINTR, "make the call again" (a hard wait when the
 * input cannot be rewound, x->in_off NULL); 0 is -EIO (the output took
 * nothing). Any other r comes back as is.
 */
ssize_t zc__out_result(struct zc_xfer *x, ssize_t r);

/* Most bytes for the next call: min(left, limit, opts->chunk_size). */
size_t zc__chunk(const struct zc_xfer *x, size_t limit);

/*
 * Write all of buf (bytes read from the input at the current position) to
 * out_fd: loops over short writes, retries EINTR, waits on EAGAIN (hard
 * wait when the input cannot be rewound), and after each write advances
 * *x->in_off (if any) and x->done. Returns 0 or -errno; *put (may be NULL)
 * receives the bytes written even on error. write(2) returning 0 is -EIO.
 */
int zc__put(struct zc_xfer *x, const void *buf, size_t len, size_t *put);

/*
 * A kernel method (sendfile, copy_file_range) returned 0 on its first call:
 * pread one byte at the input position. Returns ZC_ENOTHERE when data is
 * there (the method cannot see it: procfs/sysfs), 0 at a real EOF.
 */
int zc__first_zero(struct zc_xfer *x);

/*
 * The loop of the one-call kernel methods (sendfile, copy_file_range):
 * call(x, n) moves up to n bytes from *x->in_off to out_fd and advances
 * *x->in_off. Handles EINTR, EAGAIN (waits for out_fd), EOVERFLOW (halves
 * the call size), a first-call 0 (zc__first_zero) and 0 after progress
 * (EOF). `limit`: most bytes per call.
 */
int zc__kernel_loop(struct zc_xfer *x, size_t limit,
		    ssize_t (*call)(struct zc_xfer *x, size_t n));

/*
 * For the engines that send from mapped file pages (msg-zerocopy,
 * io-uring-zc): a read-only shared mapping of the input's next window, up
 * to `win` bytes from *x->in_off, clamped to the file's size read now (so a
 * file that shrinks ends the transfer). zc__window_map returns 1 with *w
 * mapped (zc__sys_munmap(w->map, w->map_len) when done), 0 at the end of
 * the input, or -errno. zc__window_sent turns the -EFAULT of a send from a
 * window whose file shrank under it into 0, the input's end, as the mmap
 * engine reports it.
 */
struct zc_window {
	void *map;
	size_t map_len;
	const char *data; /* the bytes at *x->in_off */
	size_t len;
};
int zc__window_map(struct zc_xfer *x, size_t win, struct zc_window *w);
int zc__window_sent(struct zc_xfer *x, int ret);

/* Whether err, from a method that moved nothing, says "not for this pair
 * or kernel" (so AUTO may try the next method) rather than a real error. */
bool zc__declines(int err);

/* Process-wide "kernel lacks this" cache, per method (atomics). */
bool zc__method_disabled(enum zc_method m);
/* Called with an engine's error before progress: latches the method off
 * for ENOSYS, and for EPERM when a probe with fds -1/-1 also gets EPERM or
 * ENOSYS (a seccomp filter rather than, say, an immutable file). */
void zc__method_note_error(enum zc_method m, int err);

/* An internal pipe (pipe_pool.c). zc__pipe_open makes one with pipe2
 * `flags`, grown to 1 MiB when the system allows; zc__pipe_close closes
 * both ends. The splice engine takes O_CLOEXEC|O_NONBLOCK pipes from a
 * small process-wide pool instead: zc__pipe_put returns one there only
 * when `empty` (a pipe holding bytes after an error is closed, never
 * reused). */
struct zc_pipe {
	int rd, wr;
	size_t size; /* capacity in bytes */
};
int zc__pipe_open(struct zc_pipe *p, int flags);
void zc__pipe_close(struct zc_pipe *p);
int zc__pipe_get(struct zc_pipe *p);
void zc__pipe_put(struct zc_pipe *p, bool empty);
/* Close the pooled pipes (zc__reset_caches). */
void zc__pipe_pool_drain(void);

/* Signal guard (sigguard.c): SIGPIPE and SIGXFSZ blocked in the calling
 * thread for the transfer; after a failed transfer (`failed`), those it
 * raised are consumed before the caller's mask comes back. */
struct zc_sigguard {
	sigset_t old;	/* the caller's mask */
	unsigned which; /* ZC_SIG_* blocked; 0: nothing was done */
};
enum { ZC_SIG_PIPE = 1u << 0, ZC_SIG_XFSZ = 1u << 1 };
#define ZC_SIG_ALL (ZC_SIG_PIPE | ZC_SIG_XFSZ)
void zc__sig_block(struct zc_sigguard *g, unsigned which);
void zc__sig_restore(struct zc_sigguard *g, bool failed);

/* ---- the steps of a transfer (transfer.c), shared with pair.c --------- */

/* Checks and the input position for descriptors described in x->in and
 * x->out; `check`: whether the method must still be checked for them. */
int zc__xfer_prepare(struct zc_xfer *x, off_t *in_off, bool check);
/* Move the bytes (signals in `sigs` blocked) and store the input position.
 * Returns 0 or -errno. */
int zc__xfer_move(struct zc_xfer *x, off_t *in_off, unsigned sigs);
/* Whether ZC_F_SPARSE applies to the pair (it needs fresh sizes). */
bool zc__sparse_applies(const struct zc_xfer *x);
/* Whether the options' reserved words are all zero. */
bool zc__opts_valid(const struct zc_options *o);

/* The engines (one file each). */
int zc__engine_read_write(struct zc_xfer *x);
int zc__engine_mmap(struct zc_xfer *x);
int zc__engine_sendfile(struct zc_xfer *x);
int zc__engine_splice(struct zc_xfer *x);
int zc__engine_copy_file_range(struct zc_xfer *x);
int zc__engine_direct(struct zc_xfer *x);
int zc__engine_io_uring(struct zc_xfer *x);
int zc__engine_msg_zerocopy(struct zc_xfer *x);
int zc__engine_io_uring_zc(struct zc_xfer *x);

/* AUTO's candidates for the pair, in order, those zc__engine_check
 * accepts (read-write last). Returns how many (0: none). */
int zc__auto_list(const struct zc_xfer *x,
		  enum zc_method list[ZC_METHOD_COUNT]);

/* Whether an engine can serve the pair, judged from x->in/x->out alone.
 * 0 yes, or -errno as zc_method_check() documents. */
int zc__engine_check(enum zc_method m, const struct zc_xfer *x);

/* ---- system-call layer (syscall.c) ------------------------------------ */

enum zc_sys_id {
	ZC_SYS_READ,
	ZC_SYS_WRITE,
	ZC_SYS_PREAD,
	ZC_SYS_PWRITE,
	ZC_SYS_SENDFILE,
	ZC_SYS_SPLICE,
	ZC_SYS_COPY_FILE_RANGE,
	ZC_SYS_MMAP,
	ZC_SYS_MUNMAP,
	ZC_SYS_MADVISE,
	ZC_SYS_POLL,
	ZC_SYS_LSEEK,
	ZC_SYS_FSTAT,
	ZC_SYS_FSTATFS,
	ZC_SYS_STATX,
	ZC_SYS_FCNTL,
	ZC_SYS_IOCTL,
	ZC_SYS_OPEN,
	ZC_SYS_CLOSE,
	ZC_SYS_PIPE2,
	ZC_SYS_FTRUNCATE,
	ZC_SYS_FADVISE,
	ZC_SYS_SEND,
	ZC_SYS_RECVMSG,
	ZC_SYS_SETSOCKOPT,
	ZC_SYS_GETSOCKOPT,
	ZC_SYS_IO_URING_SETUP,
	ZC_SYS_IO_URING_ENTER,
	ZC_SYS_IO_URING_REGISTER,
	ZC_SYS__COUNT
};

/* Name of a call for messages and test output ("sendfile"...). */
const char *zc__sys_name(enum zc_sys_id id);

/* System calls made by this thread so far (all wrappers count). */
uint64_t zc__sys_calls(void);

/* Wrappers: same arguments as the libc call, -errno on failure. */
ssize_t zc__sys_read(int fd, void *buf, size_t len);
ssize_t zc__sys_write(int fd, const void *buf, size_t len);
ssize_t zc__sys_pread(int fd, void *buf, size_t len, off_t off);
ssize_t zc__sys_pwrite(int fd, const void *buf, size_t len, off_t off);
ssize_t zc__sys_sendfile(int out, int in, off_t *off, size_t len);
ssize_t zc__sys_splice(int in, off_t *off_in, int out, off_t *off_out,
		       size_t len, unsigned flags);
ssize_t zc__sys_copy_file_range(int in, off_t *off_in, int out, off_t *off_out,
				size_t len, unsigned flags);
int zc__sys_mmap(void **addr, size_t len, int prot, int flags, int fd,
		 off_t off);
int zc__sys_munmap(void *addr, size_t len);
int zc__sys_madvise(void *addr, size_t len, int advice);
int zc__sys_poll(struct pollfd *fds, nfds_t n, int timeout_ms);
off_t zc__sys_lseek(int fd, off_t off, int whence);
int zc__sys_fstat(int fd, struct stat *st);
struct statfs;
int zc__sys_fstatfs(int fd, struct statfs *sfs);
struct statx;
int zc__sys_statx(int dirfd, const char *path, int flags, unsigned mask,
		  struct statx *stx);
int zc__sys_fcntl(int fd, int cmd, long arg);
int zc__sys_ioctl(int fd, unsigned long req, void *arg);
int zc__sys_open(const char *path, int flags, unsigned mode);
int zc__sys_close(int fd);
int zc__sys_pipe2(int fds[2], int flags);
int zc__sys_ftruncate(int fd, off_t len);
int zc__sys_fadvise(int fd, off_t off, off_t len, int advice);
ssize_t zc__sys_send(int fd, const void *buf, size_t len, int flags);
struct msghdr;
ssize_t zc__sys_recvmsg(int fd, struct msghdr *msg, int flags);
int zc__sys_setsockopt(int fd, int level, int name, const void *val,
		       unsigned len);
int zc__sys_getsockopt(int fd, int level, int name, void *val, unsigned *len);
int zc__sys_io_uring_setup(unsigned entries, void *params);
int zc__sys_io_uring_enter(int fd, unsigned to_submit, unsigned min_complete,
			   unsigned flags);
int zc__sys_io_uring_register(int fd, unsigned op, void *arg, unsigned n);

/* ---- accounting around a call (stats.c) ------------------------------- */

#include <sys/resource.h>

/* Taken at the start of a call; zc__stats_end() fills the time, rusage
 * and system-call fields of struct zc_stats from the differences. */
struct zc_stats_clock {
	struct rusage ru;
	uint64_t calls; /* zc__sys_calls() at the start */
	uint64_t t0;	/* CLOCK_MONOTONIC ns */
};
void zc__stats_begin(struct zc_stats_clock *c);
void zc__stats_end(const struct zc_stats_clock *c, struct zc_stats *st);

#endif /* ZC_INTERNAL_H */
