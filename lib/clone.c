/* SPDX-License-Identifier: MIT */
/*
 * clone.c — zc_clone(): a whole-file reflink with ioctl(FICLONE) (Linux
 * 4.5; XFS with reflink=1, btrfs, bcachefs). No byte is copied: both files
 * point at the same extents until one side writes. The cases the kernel
 * would answer vaguely are refused up front with the header's errors, and
 * it never falls back to copying.
 */
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>

#include "internal.h"

ZC_API int zc_clone(int dst_fd, int src_fd)
{
	struct stat src, dst;
	int fl, r;

	r = zc__sys_fstat(src_fd, &src);
	if (!r)
		r = zc__sys_fstat(dst_fd, &dst);
	if (r)
		return r;
	if (!S_ISREG(src.st_mode) || !S_ISREG(dst.st_mode))
		return -EINVAL;
	fl = zc__sys_fcntl(dst_fd, F_GETFL, 0);
	if (fl < 0)
		return fl;
	if ((fl & O_APPEND) || (fl & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	r = zc__sys_ioctl(dst_fd, FICLONE, (void *)(intptr_t)src_fd);
	if (r == -ENOTTY || r == -ENOSYS)
		return -EOPNOTSUPP; /* a filesystem with no remap ioctls */
	if (r)
		return r;
	/* FICLONE remaps [0, src size) and leaves a longer destination's
	 * tail in place; the old contents are to be replaced, all of them. */
	r = zc__sys_fstat(dst_fd, &dst);
	if (!r)
		r = zc__sys_fstat(src_fd, &src);
	if (!r && dst.st_size > src.st_size)
		r = zc__sys_ftruncate(dst_fd, src.st_size);
	return r;
}
