/* SPDX-License-Identifier: MIT */
/*
 * engine_sendfile.c — sendfile(2): the kernel moves page-cache pages of the
 * input straight to the output.
 *
 * Seed's model: 2 switches, 1 CPU copy (page cache -> socket buffer), 2 DMA
 * copies; [2,0,2] with a scatter-gather NIC, which takes the pages by
 * reference. Linux 2.2; any output since 2.6.33 (socket, file, character
 * device), a pipe since 5.12 (then it behaves as splice). The input must
 * be mmap-able: a regular file or a block device. At most ZC_MAX_RW_COUNT
 * bytes per call, so > 2 GiB takes several calls. O_APPEND outputs are
 * refused by the kernel (EINVAL) and by zc__engine_check (EBADF).
 * A non-blocking socket's EAGAIN waits in poll(2) (or returns, with
 * ZC_F_NO_WAIT: the file position is in step, nothing is held back).
 */
#include "internal.h"

static ssize_t one(struct zc_xfer *x, size_t n)
{
	return zc__sys_sendfile(x->out_fd, x->in_fd, x->in_off, n);
}

int zc__engine_sendfile(struct zc_xfer *x)
{
	if (x->in.kind != ZC_FD_FILE && x->in.kind != ZC_FD_BLK)
		return -EINVAL;
	return zc__kernel_loop(x, ZC_MAX_RW_COUNT, one);
}
