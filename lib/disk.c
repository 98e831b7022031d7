/* SPDX-License-Identifier: MIT */
/*
 * disk.c — zc_read_file(): the seed's three ways a disk read completes,
 * as user space can choose and measure them.
 *
 *  BLOCKING  pread(2) through the page cache: the task sleeps until the
 *            device's interrupt completes the request, then the CPU copies
 *            page cache -> user buffer (user_copy_bytes counts it).
 *  DIRECT    O_DIRECT pread(2) into a buffer aligned as statx
 *            (STATX_DIOALIGN, 6.1) asks: the device DMAs into the user
 *            buffer, no page cache, no CPU copy.
 *  POLLED    io_uring IORING_OP_READ on an O_DIRECT fd of a ring set up
 *            with IORING_SETUP_IOPOLL: the task does not sleep, it polls
 *            for the completion in io_uring_enter. Needs a filesystem with
 *            ->iopoll (ext4, xfs, block devices); -EOPNOTSUPP otherwise
 *            (tmpfs). On a device without poll queues the kernel still
 *            completes the request by interrupt and the poll merely reaps
 *            it; the call cannot tell, /sys/block/DEV/queue/io_poll can.
 *  SPIN      the same reads on a ring without IOPOLL, each completion
 *            reaped by spinning on the CQ ring in user space: the cost of
 *            polling where the device offers no poll queues.
 *
 * One request at a time in every mode, so they compare like for like.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk.h"
#include "internal.h"
#include "uring.h"

#define READ_BUF (1UL << 20)

_Thread_local uint64_t *zc__read_hash;

struct rd {
	int fd;
	uint64_t want, done;
	size_t bufsz, align; /* align: O_DIRECT offset and length unit */
	void *buf;
	struct zc_stats *st;
	struct zc_uring ring;
};

/* Account r bytes that arrived in rd->buf (r may exceed what is wanted
 * for an O_DIRECT tail). Returns whether the read is finished. */
static bool got(struct rd *rd, size_t r, size_t asked)
{
	uint64_t left = rd->want - rd->done, h;
	const unsigned char *p = rd->buf;

	if (r > left)
		r = (size_t)left;
	if (zc__read_hash) {
		h = *zc__read_hash;
		for (size_t i = 0; i < r; i++) {
			h ^= p[i];
			h *= 0x100000001b3ULL;
		}
		*zc__read_hash = h;
	}
	rd->done += r;
	/* A short read is the end of the file (and for O_DIRECT the next
	 * offset would no longer be aligned). */
	return r < asked || rd->done == rd->want;
}

static size_t next_len(const struct rd *rd)
{
	uint64_t left = rd->want - rd->done;
	size_t n = left < rd->bufsz ? (size_t)left : rd->bufsz;

	return (n + rd->align - 1) / rd->align * rd->align;
}

static int read_pread(struct rd *rd, bool copies)
{
	ssize_t r;
	size_t n;

	while (rd->done < rd->want) {
		n = next_len(rd);
		r = zc__sys_pread(rd->fd, rd->buf, n, (off_t)rd->done);
		if (r == -EINTR)
			continue;
		/* O_DIRECT refused at read time (alignment the fs would not
		 * tell): no direct I/O here. */
		if (r == -EINVAL && !copies && rd->done == 0)
			return -EOPNOTSUPP;
		if (r < 0)
			return (int)r;
		if (copies)
			rd->st->user_copy_bytes += (uint64_t)r;
		if (r == 0 || got(rd, (size_t)r, n))
			break;
	}
	return 0;
}

/* IOPOLL: io_uring_enter polls the device; spin: a plain ring whose
 * completions are reaped by watching the CQ tail (uring_spin.c). */
static int read_polled(struct rd *rd, bool spin)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe cqe;
	unsigned again = 0;
	size_t n;
	int r;

	r = zc__uring_init(&rd->ring, 4, spin ? 0 : IORING_SETUP_IOPOLL);
	if (r == -ENOSYS || r == -EINVAL)
		return -EOPNOTSUPP;
	if (r)
		return r;
	r = zc__uring_probe(&rd->ring, IORING_OP_READ);
	while (!r && rd->done < rd->want) {
		n = next_len(rd);
		sqe = zc__uring_get_sqe(&rd->ring);
		if (!sqe)
			return -EBUSY;
		sqe->opcode = IORING_OP_READ;
		sqe->fd = rd->fd;
		sqe->addr = (uint64_t)(uintptr_t)rd->buf;
		sqe->len = (unsigned)n;
		sqe->off = rd->done;
		r = zc__uring_submit(&rd->ring, spin ? 0 : 1);
		if (!r && spin)
			zc__uring_spin_cqe(&rd->ring, &cqe);
		else if (!r)
			r = zc__uring_wait_cqe(&rd->ring, &cqe);
		if (r)
			break;
		if ((cqe.res == -EAGAIN || cqe.res == -EINTR) && ++again < 1000)
			continue;
		/* No ->iopoll for this file, or a refused O_DIRECT read. */
		if ((cqe.res == -EOPNOTSUPP || cqe.res == -EINVAL) &&
		    rd->done == 0)
			return -EOPNOTSUPP;
		if (cqe.res < 0)
			return cqe.res;
		if (cqe.res == 0 || got(rd, (size_t)cqe.res, n))
			break;
	}
	return r;
}

/* O_DIRECT open and alignment; -EOPNOTSUPP when the file cannot do it. */
static int open_direct(struct rd *rd, const char *path)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), mem = pg;
	struct statx stx;
	int r;

	rd->align = pg;
	r = zc__sys_statx(AT_FDCWD, path, 0, STATX_DIOALIGN, &stx);
	if (r == 0 && (stx.stx_mask & STATX_DIOALIGN) &&
	    stx.stx_dio_offset_align) {
		rd->align = stx.stx_dio_offset_align;
		mem = stx.stx_dio_mem_align ? stx.stx_dio_mem_align : 1;
	}
	/* Otherwise (tmpfs and others that do not say): pages, which any
	 * direct-I/O capable filesystem accepts. */
	r = zc__sys_open(path, O_RDONLY | O_DIRECT | O_CLOEXEC, 0);
	if (r == -EINVAL)
		return -EOPNOTSUPP;
	if (r < 0)
		return r;
	rd->fd = r;
	rd->bufsz = (rd->bufsz + rd->align - 1) / rd->align * rd->align;
	if (mem < sizeof(void *))
		mem = sizeof(void *);
	r = posix_memalign(&rd->buf, mem < pg ? pg : mem, rd->bufsz);
	return r ? -r : 0;
}

static int run(struct rd *rd, const char *path, enum zc_read_mode mode)
{
	int r;

	if (mode == ZC_READ_BLOCKING) {
		rd->st->method = ZC_READ_WRITE;
		r = zc__sys_open(path, O_RDONLY | O_CLOEXEC, 0);
		if (r < 0)
			return r;
		rd->fd = r;
		rd->align = 1;
		rd->buf = malloc(rd->bufsz);
		return rd->buf ? read_pread(rd, true) : -ENOMEM;
	}
	rd->st->method = mode == ZC_READ_DIRECT ? ZC_DIRECT_IO : ZC_IO_URING;
	r = open_direct(rd, path);
	if (r)
		return r;
	if (mode == ZC_READ_DIRECT)
		return read_pread(rd, false);
	return read_polled(rd, mode == ZC_READ_SPIN);
}

ZC_API ssize_t zc_read_file(const char *path, enum zc_read_mode mode,
			    size_t count, size_t buf_size,
			    struct zc_stats *stats)
{
	struct zc_stats scratch;
	struct zc_stats_clock clk;
	struct rd rd = {.fd = -1};
	int r;

	rd.st = stats ? stats : &scratch;
	memset(rd.st, 0, sizeof(*rd.st));
	rd.ring.fd = -1;
	zc__stats_begin(&clk);
	rd.want = count == ZC_TO_EOF ? UINT64_MAX : count;
	rd.bufsz = buf_size ? buf_size : READ_BUF;
	if (!path || (unsigned)mode > ZC_READ_SPIN ||
	    rd.bufsz > ZC_MAX_RW_COUNT / 2)
		r = -EINVAL;
	else
		r = run(&rd, path, mode);
	zc__uring_exit(&rd.ring);
	if (rd.fd >= 0)
		zc__sys_close(rd.fd);
	free(rd.buf);
	rd.st->bytes = rd.done;
	zc__stats_end(&clk, rd.st);
	return r < 0 ? r : (ssize_t)rd.done;
}
