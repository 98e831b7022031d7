/* SPDX-License-Identifier: MIT */
/*
 * io.c — the loops the engines share: size the next call, turn a call's
 * EAGAIN into a wait on the side that would block, write a whole buffer to
 * the output, run the one-call kernel methods, and tell a real EOF from a
 * kernel method that cannot see a pseudo file's content.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

size_t zc__chunk(const struct zc_xfer *x, size_t limit)
{
	uint64_t n = zc__left(x);

	if (n > limit)
		n = limit;
	if (x->opts->chunk_size && n > x->opts->chunk_size)
		n = x->opts->chunk_size;
	return (size_t)n;
}

ssize_t zc__in_result(struct zc_xfer *x, ssize_t r)
{
	int err;

	if (r != -EAGAIN)
		return r;
	err = zc__wait(x, x->in_fd, POLLIN);
	return err ? err : -EINTR;
}

ssize_t zc__out_result(struct zc_xfer *x, ssize_t r)
{
	int err;

	if (r == 0)
		return -EIO;
	if (r != -EAGAIN)
		return r;
	/* Bytes from a pipe or socket cannot be given back: with
	 * ZC_F_NO_WAIT, wait anyway. */
	err = x->in_off ? zc__wait(x, x->out_fd, POLLOUT)
			: zc__wait_hard(x, x->out_fd, POLLOUT);
	return err ? err : -EINTR;
}

int zc__put(struct zc_xfer *x, const void *buf, size_t len, size_t *put)
{
	const char *p = buf;
	size_t off = 0;
	ssize_t r;
	int err = 0;

	while (off < len) {
		size_t n = len - off;

		if (n > ZC_MAX_RW_COUNT)
			n = ZC_MAX_RW_COUNT;
		r = zc__out_result(x, zc__sys_write(x->out_fd, p + off, n));
		if (r == -EINTR)
			continue;
		if (r < 0) {
			err = (int)r;
			break;
		}
		off += (size_t)r;
		if (x->in_off)
			*x->in_off += r;
		err = zc__advance(x, (uint64_t)r);
		if (err)
			break;
	}
	if (put)
		*put = off;
	return err;
}

int zc__first_zero(struct zc_xfer *x)
{
	char c;
	ssize_t r;

	if (!x->in_off)
		return 0;
	do {
		r = zc__sys_pread(x->in_fd, &c, 1, *x->in_off);
	} while (r == -EINTR);
	return r > 0 ? ZC_ENOTHERE : 0;
}

int zc__window_map(struct zc_xfer *x, size_t win, struct zc_window *w)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), lead;
	struct stat st;
	int r;

	r = zc__sys_fstat(x->in_fd, &st);
	if (r || *x->in_off >= st.st_size)
		return r;
	w->len = zc__chunk(x, win);
	if ((uint64_t)w->len > (uint64_t)(st.st_size - *x->in_off))
		w->len = (size_t)(st.st_size - *x->in_off);
	lead = (size_t)*x->in_off & (pg - 1);
	w->map = NULL;
	w->map_len = lead + w->len;
	r = zc__sys_mmap(&w->map, w->map_len, PROT_READ, MAP_SHARED, x->in_fd,
			 *x->in_off - (off_t)lead);
	if (r)
		return r;
	w->data = (const char *)w->map + lead;
	return 1;
}

int zc__window_sent(struct zc_xfer *x, int ret)
{
	struct stat st;

	if (ret == -EFAULT && zc__sys_fstat(x->in_fd, &st) == 0 &&
	    st.st_size <= *x->in_off)
		return 0;
	return ret;
}

int zc__kernel_loop(struct zc_xfer *x, size_t limit,
		    ssize_t (*call)(struct zc_xfer *x, size_t n))
{
	uint64_t first = x->done;
	ssize_t r;
	int err;

	if (!x->in_off)
		return -EINVAL;
	while (zc__left(x) > 0) {
		r = call(x, zc__chunk(x, limit));
		if (r == 0)
			return x->done == first ? zc__first_zero(x) : 0;
		r = zc__out_result(x, r);
		if (r == -EINTR)
			continue;
		/* offset + length past the filesystem's limit: smaller calls
		 * get there, and past the limit nothing can be read. */
		if (r == -EOVERFLOW && limit > 65536) {
			limit /= 2;
			continue;
		}
		if (r < 0)
			return (int)r;
		err = zc__advance(x, (uint64_t)r);
		if (err)
			return err;
	}
	return 0;
}
