/* SPDX-License-Identifier: MIT */
/*
 * engine_copy_file_range.c — copy_file_range(2), regular file to regular
 * file inside the kernel.
 *
 * Seed's model: 2 switches, 0 CPU copies between kernel and user, 2 DMA
 * copies (read and write of the blocks); with a reflink (XFS reflink=1,
 * btrfs: the filesystem may share extents implicitly) nothing is copied at
 * all. Linux 4.5; cross-filesystem copies 5.3-5.18 only, so EXDEV is normal.
 * Flags are 0. Calls are capped at 1 GiB so that "to EOF" from a non-zero
 * offset never overflows loff_t (EOVERFLOW). Before progress EXDEV,
 * EOPNOTSUPP, EINVAL, ENOSYS, EPERM or EBADF (O_APPEND output) mean "not
 * here" and AUTO falls back; a first-call 0 on a file with data (procfs,
 * some FUSE) is ZC_ENOTHERE. Same-file overlapping ranges: EINVAL.
 */
#include "internal.h"

static ssize_t one(struct zc_xfer *x, size_t n)
{
	return zc__sys_copy_file_range(x->in_fd, x->in_off, x->out_fd, NULL, n,
				       0);
}

int zc__engine_copy_file_range(struct zc_xfer *x)
{
	if (x->in.kind != ZC_FD_FILE || x->out.kind != ZC_FD_FILE)
		return -EINVAL;
	return zc__kernel_loop(x, ZC_CFR_CHUNK, one);
}
