/* SPDX-License-Identifier: MIT */
/*
 * engine_direct.c — user-space direct I/O: O_DIRECT reads, the device DMAs
 * straight into an aligned user buffer, then write(2) sends it on.
 *
 * Seed's model: 4 switches, 1 CPU copy (user buffer -> kernel, on the
 * write), 2 DMA copies; the page cache is bypassed on the read side.
 * O_DIRECT since Linux 2.4.10; STATX_DIOALIGN since 6.1. The input must be
 * a regular file on a filesystem that accepts O_DIRECT: a second
 * descriptor is opened through /proc/self/fd/N with O_DIRECT (the caller's
 * descriptor and its flags are left alone). Alignment comes from statx
 * (the larger of the memory and offset alignments; either one 0 means "no
 * O_DIRECT here": -EINVAL), else the device's logical block size
 * (BLKSSZGET), else 4096. Buffer: opts->buffer_size (default 128 KiB, at
 * most ZC_MAX_RW_COUNT / 2) rounded up to the alignment. Each round reads
 * the aligned blocks covering [pos, pos+n) and writes only the wanted
 * middle, so unaligned offsets and tails work. A filesystem refusing
 * O_DIRECT (open EINVAL: tmpfs before 6.6) fails before any data moves.
 */
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"

/* Alignment for offsets, lengths and the buffer, or -EINVAL. */
static long dio_align(struct zc_xfer *x)
{
	struct statx stx;
	char dev[64];
	int fd, bs = 0;

	if (zc__sys_statx(x->in_fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) ==
		0 &&
	    (stx.stx_mask & STATX_DIOALIGN)) {
		if (!stx.stx_dio_offset_align || !stx.stx_dio_mem_align)
			return -EINVAL;
		return stx.stx_dio_offset_align > stx.stx_dio_mem_align
			   ? stx.stx_dio_offset_align
			   : stx.stx_dio_mem_align;
	}
	snprintf(dev, sizeof(dev), "/dev/block/%u:%u", major(x->in.st.st_dev),
		 minor(x->in.st.st_dev));
	fd = zc__sys_open(dev, O_RDONLY | O_CLOEXEC, 0);
	if (fd >= 0) {
		if (zc__sys_ioctl(fd, BLKSSZGET, &bs) < 0)
			bs = 0;
		zc__sys_close(fd);
	}
	return bs > 0 ? bs : 4096;
}

static int rounds(struct zc_xfer *x, int dfd, char *buf, size_t bsz,
		  size_t align)
{
	size_t head, rlen, n, put;
	off_t base;
	ssize_t r;
	int err;

	while (zc__left(x) > 0) {
		base = *x->in_off & ~(off_t)(align - 1);
		head = (size_t)(*x->in_off - base);
		n = zc__chunk(x, bsz);
		rlen = (head + n + align - 1) & ~(align - 1);
		r = zc__sys_pread(dfd, buf, rlen, base);
		if (r == -EINTR)
			continue;
		if (r < 0)
			return (int)r;
		if ((size_t)r <= head)
			return 0; /* EOF */
		if ((size_t)r - head < n)
			n = (size_t)r - head;
		err = zc__put(x, buf + head, n, &put);
		x->st->user_copy_bytes += put;
		if (err)
			return err;
	}
	return 0;
}

int zc__engine_direct(struct zc_xfer *x)
{
	size_t bsz =
	    x->opts->buffer_size ? x->opts->buffer_size : ZC_DEFAULT_BUFFER;
	long align;
	char path[64];
	void *buf;
	int dfd, err;

	if (x->in.kind != ZC_FD_FILE || !x->in_off)
		return -EINVAL;
	align = dio_align(x);
	if (align < 0)
		return (int)align;
	if (align & (align - 1))
		return -EINVAL;
	if (bsz > ZC_MAX_RW_COUNT / 2)
		bsz = ZC_MAX_RW_COUNT / 2;
	bsz = (bsz + (size_t)align - 1) & ~((size_t)align - 1);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", x->in_fd);
	dfd = zc__sys_open(path, O_RDONLY | O_DIRECT | O_CLOEXEC, 0);
	if (dfd < 0)
		return dfd;
	if (posix_memalign(&buf, (size_t)align < 4096 ? 4096 : (size_t)align,
			   bsz + (size_t)align)) {
		zc__sys_close(dfd);
		return -ENOMEM;
	}
	err = rounds(x, dfd, buf, bsz, (size_t)align);
	free(buf);
	zc__sys_close(dfd);
	return err;
}
