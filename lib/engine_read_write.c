/* SPDX-License-Identifier: MIT */
/*
 * engine_read_write.c — the baseline: read(2) (pread(2) for a seekable
 * input) into a user buffer, then write(2) it all out.
 *
 * Seed's model: 4 user/kernel switches, 2 CPU copies (page cache -> user
 * buffer -> socket buffer), 2 DMA copies. Works for every pair of
 * descriptors on every Linux. Buffer: opts->buffer_size (default 128 KiB),
 * each call capped at ZC_MAX_RW_COUNT. A short read from a regular file is
 * not EOF (procfs files return short reads): only a 0 ends the input.
 */
#include <stdlib.h>

#include "internal.h"

int zc__engine_read_write(struct zc_xfer *x)
{
	size_t bsz =
	    x->opts->buffer_size ? x->opts->buffer_size : ZC_DEFAULT_BUFFER;
	size_t put;
	ssize_t r;
	char *buf;
	int err = 0;

	if (bsz > ZC_MAX_RW_COUNT)
		bsz = ZC_MAX_RW_COUNT;
	buf = malloc(bsz);
	if (!buf)
		return -ENOMEM;
	while (zc__left(x) > 0) {
		size_t n = zc__chunk(x, bsz);

		if (x->in_off)
			r = zc__sys_pread(x->in_fd, buf, n, *x->in_off);
		else
			r = zc__sys_read(x->in_fd, buf, n);
		/* Nothing buffered yet: NO_WAIT may return here. */
		r = zc__in_result(x, r);
		if (r == -EINTR)
			continue;
		if (r <= 0) {
			err = (int)r;
			break;
		}
		err = zc__put(x, buf, (size_t)r, &put);
		x->st->user_copy_bytes += 2 * (uint64_t)put;
		if (err)
			break;
	}
	free(buf);
	return err;
}
