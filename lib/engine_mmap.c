/* SPDX-License-Identifier: MIT */
/*
 * engine_mmap.c — mmap(2) windows of the input, write(2) from the mapping.
 *
 * Seed's model: 4 switches, 1 CPU copy (page cache -> socket buffer, done
 * by write), 2 DMA copies; in practice 4 calls per window (mmap, madvise,
 * write, munmap). Every Linux. Input must be a regular file; any output.
 * Windows of opts->chunk_size (default 8 MiB, at most ZC_MAX_RW_COUNT) are
 * mapped PROT_READ MAP_SHARED with MADV_SEQUENTIAL and unmapped after
 * their write. A file that grows while it is sent is followed (its size is
 * read again on reaching the old end).
 *
 * The mapping is never touched in user space: only write(2) reads it. If
 * the file is truncated under us, the kernel's copy from a page past EOF
 * fails with EFAULT (or a short write) instead of raising SIGBUS; an fstat
 * then tells "the input ended" (return what moved) from a real fault.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define MMAP_WINDOW (8UL << 20)

/* Map [pos, pos+len) and write it out. *put: bytes written. */
static int window(struct zc_xfer *x, size_t len, size_t *put)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	off_t pos = *x->in_off, base = pos & ~(off_t)(pg - 1);
	size_t delta = (size_t)(pos - base);
	void *p = NULL;
	int r;

	*put = 0;
	r = zc__sys_mmap(&p, delta + len, PROT_READ, MAP_SHARED, x->in_fd,
			 base);
	if (r < 0)
		return r;
	zc__sys_madvise(p, delta + len, MADV_SEQUENTIAL);
	r = zc__put(x, (char *)p + delta, len, put);
	zc__sys_munmap(p, delta + len);
	return r;
}

int zc__engine_mmap(struct zc_xfer *x)
{
	size_t win = x->opts->chunk_size ? x->opts->chunk_size : MMAP_WINDOW;
	off_t size = x->in.st.st_size;
	struct stat st;
	uint64_t avail;
	size_t put;
	int r;

	if (x->in.kind != ZC_FD_FILE || !x->in_off)
		return -EINVAL;
	if (win > ZC_MAX_RW_COUNT)
		win = ZC_MAX_RW_COUNT;
	while (zc__left(x) > 0) {
		if (*x->in_off >= size) {
			/* The end we knew: has the file grown since? */
			r = zc__sys_fstat(x->in_fd, &st);
			if (r < 0)
				return r;
			size = st.st_size;
			if (*x->in_off >= size)
				return 0;
		}
		avail = (uint64_t)(size - *x->in_off);
		r = window(x, zc__chunk(x, avail < win ? (size_t)avail : win),
			   &put);
		x->st->user_copy_bytes += put;
		if (r == -EFAULT && zc__sys_fstat(x->in_fd, &st) == 0 &&
		    st.st_size <= *x->in_off)
			return 0; /* truncated under us: the input ended */
		if (r < 0)
			return r;
	}
	return 0;
}
