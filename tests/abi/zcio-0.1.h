/* SPDX-License-Identifier: MIT */
/*
 * zcio.h — zero-copy I/O for Linux: the public interface of libzcio.
 *
 * One call, zc_transfer(), moves bytes from one file descriptor to another
 * with the method you name, or with the best one the kernel offers for that
 * pair of descriptors (ZC_AUTO). Every method of the classic comparison is
 * here, from the read+write baseline to sendfile, splice and
 * copy_file_range, plus user-space direct I/O (O_DIRECT), io_uring and
 * MSG_ZEROCOPY, copy-on-write clones and private views.
 *
 * Conventions:
 *  - Calls return >= 0 on success and -errno on failure; errno itself is
 *    never part of the contract.
 *  - Calls block until done. A non-blocking descriptor is waited on with
 *    poll(2) (the io_uring engine: an io_uring poll request), never
 *    busy-looped; ZC_F_NO_WAIT returns instead.
 *  - Calls never kill the process: SIGPIPE and SIGXFSZ that a transfer
 *    could raise become -EPIPE and -EFBIG. Mapped input is read only by
 *    the kernel, so a file truncated under a transfer ends it early instead
 *    of raising SIGBUS (zc_view_read: -EFAULT).
 *  - Everything is thread-safe; per-transfer state lives on the caller's
 *    stack, process-wide caches are atomic.
 *
 * Sections:
 *   1. methods and their names
 *   2. accounting (struct zc_stats)
 *   3. transfers (zc_transfer, zc_transfer_opts)
 *   4. probing what the kernel offers
 *   5. copy-on-write: clones and private views
 *   6. disk read mechanisms (interrupt, polled, DMA to user space)
 */
#ifndef ZCIO_H
#define ZCIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZCIO_VERSION_MAJOR 0
#define ZCIO_VERSION_MINOR 1
#define ZCIO_VERSION_PATCH 0

#if defined(__GNUC__)
#define ZC_API __attribute__((visibility("default")))
#else
#define ZC_API
#endif

/* ------------------------------------------------------------------------
 * 1. Methods
 *
 * The figures in brackets are the seed's model for moving one buffer from a
 * file to a socket: user/kernel switches, CPU copies, DMA copies.
 */
enum zc_method {
	ZC_AUTO = 0,	    /* the best method for the pair, with fallback */
	ZC_READ_WRITE,	    /* read(2) + write(2) via a user buffer [4,2,2] */
	ZC_MMAP_WRITE,	    /* mmap(2) windows + write(2) [4,1,2] */
	ZC_SENDFILE,	    /* sendfile(2) [2,1,2]; [2,0,2] with SG-DMA */
	ZC_SPLICE,	    /* splice(2) via a pipe, any pair [2,0,2] */
	ZC_COPY_FILE_RANGE, /* copy_file_range(2), file->file, may reflink */
	ZC_DIRECT_IO,	    /* O_DIRECT reads into the user buffer [4,1,2] */
	ZC_IO_URING,	    /* io_uring splice pairs, 1 enter a chunk [2,0,2] */
	ZC_MSG_ZEROCOPY,    /* send(MSG_ZEROCOPY) of mapped pages [2,0,2] */
	ZC_METHOD_COUNT
};

/* Sentinel for "until the end of the input". */
#define ZC_TO_EOF SIZE_MAX

/*
 * Names, as used on command lines and in JSON: "auto", "read-write",
 * "mmap", "sendfile", "splice", "copy-file-range", "direct", "io-uring",
 * "msg-zerocopy". Returns "unknown" for a value out of range.
 */
ZC_API const char *zc_method_name(enum zc_method m);

/* The enum value for a name (exact, case-sensitive), or -EINVAL. */
ZC_API int zc_method_from_name(const char *name);

/*
 * The seed's theoretical row for a method, for one buffer moved from a file
 * to a socket. `syscalls_per_chunk` counts the calls one chunk costs in
 * practice (read+write: 2; splice: 2; sendfile: 1). `kernel` names the
 * first Linux release that has the call. Never NULL for a valid method.
 */
struct zc_method_info {
	enum zc_method method;
	const char *name;
	int switches;	/* user<->kernel mode switches */
	int cpu_copies; /* copies made by the CPU */
	int dma_copies; /* copies made by DMA engines */
	int syscalls_per_chunk;
	const char *kernel;  /* e.g. "2.6.17" */
	const char *summary; /* one line, for tables */
};
ZC_API const struct zc_method_info *zc_method_info(enum zc_method m);

/* ------------------------------------------------------------------------
 * 2. Accounting
 *
 * Filled by every transfer call when non-NULL (zeroed first). CPU times,
 * context switches and page faults come from getrusage(RUSAGE_THREAD)
 * taken around the call, so they cover the calling thread only.
 */
struct zc_stats {
	uint64_t bytes;		  /* bytes moved */
	uint64_t syscalls;	  /* system calls made by the transfer */
	uint64_t user_copy_bytes; /* bytes the CPU copied between kernel and
				     user buffers (seed's model: read+write 2x,
				     mmap+write 1x, direct 1x, others 0; for
				     msg-zerocopy the bytes it had to send
				     with a plain send) */
	enum zc_method method;	  /* the method that actually moved the data */
	/* grown since the contract: */
	uint32_t fallbacks;	  /* methods AUTO tried that handed over */
	uint32_t waits;		  /* waits for a non-blocking fd (poll) */
	uint64_t wall_ns;	  /* elapsed time of the call */
	uint64_t cpu_user_ns;	  /* user CPU of the calling thread */
	uint64_t cpu_sys_ns;	  /* system CPU of the calling thread */
	uint64_t vol_ctxsw;	  /* voluntary context switches (blocked) */
	uint64_t invol_ctxsw;	  /* involuntary context switches (preempted) */
	uint64_t minor_faults;	  /* page faults served without I/O */
	uint64_t major_faults;	  /* page faults that waited for I/O */
	uint64_t zc_copied_bytes; /* MSG_ZEROCOPY: bytes the kernel copied
				     after all (loopback always copies) */
};

/* ------------------------------------------------------------------------
 * 3. Transfers
 */

/*
 * zc_transfer — move `count` bytes from `in_fd` to `out_fd`.
 *
 * @count:  bytes to move, or ZC_TO_EOF to move until the input ends.
 * @in_off: NULL: read from in_fd's file position and advance it.
 *          non-NULL: read from *in_off, advance *in_off, and leave in_fd's
 *          file position unchanged (in_fd must then be seekable).
 *          out_fd always advances like write(2) (O_APPEND appends).
 * @method: an explicit method, or ZC_AUTO.
 * @stats:  optional accounting, see above.
 *
 * An out_fd opened with O_DIRECT is written without it for the duration of
 * the call (its flags are restored before returning): the methods write
 * unaligned heads and tails, which O_DIRECT would refuse half-way.
 *
 * Returns the number of bytes moved — fewer than `count` only when the input
 * ended (or, with ZC_F_NO_WAIT, a descriptor would block) — or -errno. After an
 * error, stats->bytes says how many bytes reached out_fd first (and *in_off /
 * the file position has advanced by exactly that much). No byte is ever skipped
 * or written twice, whatever fails.
 *
 * An explicit method that cannot serve this pair of descriptors fails
 * without moving data (usually -EINVAL, -ENOSYS, -EOPNOTSUPP, -EXDEV or
 * -EBADF for an O_APPEND output); it never silently becomes another method.
 *
 * ZC_AUTO picks, in this order, the first method that applies:
 *   regular file -> regular file   copy_file_range (reflinks on CoW fs),
 *                                  then sendfile (across filesystems)
 *   file or block device
 *                -> stream socket  sendfile
 *   pipe or stream socket
 *                -> anything       splice
 *   regular file -> pipe           splice (note: page sharing, see README)
 *   otherwise                      read-write
 * (procfs/sysfs inputs, whose size says nothing, go to read-write) and
 * falls back down that list only while nothing has moved yet — or, after
 * progress, on EOVERFLOW, where the next method goes on from there. It
 * caches "unsupported" process-wide only for ENOSYS (and for EPERM that a
 * probe confirms is a seccomp filter); an explicit method found so then
 * fails at once with -ENOSYS. A first-call 0 from copy_file_range
 * or sendfile (procfs, sysfs report size 0) means "not here", not EOF.
 * Calls are chunked under the kernel's per-call limits (0x7ffff000 bytes;
 * 1 GiB for copy_file_range).
 *
 * Errors include: -EPIPE (peer closed; no SIGPIPE), -ENOSPC, -EFBIG,
 * -EIO, -EINVAL (bad arguments, a pair the method cannot serve, or
 * overlapping ranges of one file),
 * -ESPIPE (in_off given for a non-seekable in_fd), -ECANCELED (progress
 * callback asked to stop).
 */
ZC_API ssize_t zc_transfer(int out_fd, int in_fd, off_t *in_off, size_t count,
			   enum zc_method method, struct zc_stats *stats);

/* Flags for struct zc_options. */
enum {
	/* Keep holes: for a regular-file input and a regular-file or
	 * block-device output (not O_APPEND), find data with
	 * SEEK_DATA/SEEK_HOLE, move only the data and seek the output over
	 * holes (the output ends sparse; its size is extended with ftruncate
	 * at the end). Where the output already held bytes over a hole of the
	 * input, they are overwritten with zeros. Ignored for other pairs. */
	ZC_F_SPARSE = 1u << 0,
	/* AUTO only: never choose a method that shares the input's page-cache
	 * pages with a pipe or socket (sendfile/splice from a file), so later
	 * writes to the input cannot show up in the output. */
	ZC_F_COPY_SEMANTICS = 1u << 1,
	/* For event loops: when a descriptor would block, return the bytes
	 * moved so far (-EAGAIN if none) instead of waiting in poll(2). An
	 * engine holding bytes it read from a pipe or socket still waits
	 * until they are written: they cannot be given back. */
	ZC_F_NO_WAIT = 1u << 2,
};

/* Options for zc_transfer_opts(); zero-initialise, then set what you need. */
struct zc_options {
	enum zc_method method; /* as for zc_transfer */
	unsigned flags;	       /* ZC_F_* */
	size_t buffer_size;    /* read-write / direct buffer; 0: 128 KiB */
	size_t chunk_size;     /* most bytes per call or mmap window;
				  0: the method's own default */
	/* Called after every chunk with the total moved so far. Return
	 * non-zero to stop: the transfer then fails with -ECANCELED after
	 * the bytes already moved (stats->bytes tells how many). */
	int (*progress)(uint64_t moved, void *arg);
	void *progress_arg;
};

/* zc_transfer with options; opts may be NULL (same as zc_transfer AUTO). */
ZC_API ssize_t zc_transfer_opts(int out_fd, int in_fd, off_t *in_off,
				size_t count, const struct zc_options *opts,
				struct zc_stats *stats);

/* ------------------------------------------------------------------------
 * 4. Probing
 */

/*
 * Whether `m` can serve this pair of descriptors, judged from their types
 * and flags without moving data (ZC_AUTO: the method AUTO would try first).
 * Returns the method (>= 0) that would be used, or -errno saying why not
 * (-EINVAL wrong descriptor types, -EBADF O_APPEND output or a descriptor
 * not open for its direction, -EISDIR a directory, -EOPNOTSUPP
 * msg-zerocopy to a socket that is not TCP, -ENOSYS kernel lacks the
 * call). A positive answer is a prediction: the kernel may still
 * refuse at run time (cross-filesystem copy_file_range, say), which AUTO
 * handles and an explicit method reports.
 */
ZC_API int zc_method_check(int out_fd, int in_fd, enum zc_method m);

/* ------------------------------------------------------------------------
 * 5. Copy-on-write
 */

/*
 * zc_clone — make dst_fd share all of src_fd's extents (FICLONE, a reflink):
 * the whole file, regardless of either file offset; no data is copied, the
 * filesystem copies a block only when one side later writes it. Needs a
 * filesystem that shares extents (XFS with reflink=1, btrfs, bcachefs) and
 * both files on the same mount. dst_fd must be open for writing, not
 * O_APPEND; its old contents are replaced.
 *
 * Returns 0, or -EOPNOTSUPP / -EINVAL (filesystem cannot share extents),
 * -EXDEV (different mounts), -EBADF (dst not writable or O_APPEND), -EPERM,
 * -ETXTBSY. It never falls back to copying: call zc_transfer for that.
 */
ZC_API int zc_clone(int dst_fd, int src_fd);

/*
 * A copy-on-write private view of part of a file (mmap MAP_PRIVATE,
 * readable and writable). Readers share the page cache: opening and reading
 * a view copies nothing. The first write to a page makes a private copy of
 * that one page (one page fault and a 4 KiB copy each); the file never
 * changes. Cost: address space for the length, one fault per page touched.
 * Reading past the file's end after it is truncated raises SIGBUS in the
 * caller's own accesses; zc_view_read() below is the safe way.
 */
struct zc_view {
	void *addr; /* start of the mapped bytes (offset `off` of the file) */
	size_t len; /* bytes mapped */
	/* private: */
	void *map_base;
	size_t map_len;
};

/* Map [off, off+len) of fd privately. len 0: to the end of the file.
 * Returns 0 or -errno (-EINVAL for an empty range or a non-mappable fd). */
ZC_API int zc_view_open(struct zc_view *v, int fd, off_t off, size_t len);

/* Copy `len` bytes at offset `pos` of the view into buf (fewer at the
 * view's end), turning a SIGBUS (file truncated under the view) into
 * -EFAULT. Returns bytes or -errno (-EINVAL: pos past the view's end). */
ZC_API ssize_t zc_view_read(const struct zc_view *v, size_t pos, void *buf,
			    size_t len);

/* Unmap the view; private copies are discarded. Safe on a zeroed view. */
ZC_API void zc_view_close(struct zc_view *v);

/* ------------------------------------------------------------------------
 * 6. Disk read mechanisms
 *
 * The seed contrasts how a disk read completes. From user space, these are
 * the three ways to read a file, each measured by the same accounting:
 */
enum zc_read_mode {
	ZC_READ_BLOCKING = 0, /* pread(2) through the page cache: the task
				 sleeps until the interrupt completes it, then
				 the CPU copies kernel -> user */
	ZC_READ_POLLED,	      /* io_uring with IORING_SETUP_IOPOLL on O_DIRECT:
				 the CPU polls the device for completion */
	ZC_READ_DIRECT,	      /* O_DIRECT pread(2): the device DMAs straight
				 into the user buffer, no page-cache copy */
};

/*
 * zc_read_file — read `count` bytes (ZC_TO_EOF: all) of the file at `path`
 * from offset 0 in `buf_size` pieces (0: 1 MiB; over 0x3ffff800: -EINVAL)
 * with the given mechanism, discarding the data, and fill stats
 * (user_copy_bytes counts the kernel -> user copies; method says
 * read-write, direct or io-uring for the three mechanisms). For
 * ZC_READ_DIRECT and ZC_READ_POLLED, returns -EOPNOTSUPP when the
 * filesystem refuses O_DIRECT or, for polled reads, the kernel or device
 * does not support polled I/O for this file (say so; it is not a failure).
 * Returns bytes read or -errno.
 */
ZC_API ssize_t zc_read_file(const char *path, enum zc_read_mode mode,
			    size_t count, size_t buf_size,
			    struct zc_stats *stats);

/* The library's version as "MAJOR.MINOR.PATCH". */
ZC_API const char *zc_version(void);

#ifdef __cplusplus
}
#endif
#endif /* ZCIO_H */
