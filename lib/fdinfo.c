/* SPDX-License-Identifier: MIT */
/*
 * fdinfo.c — what a descriptor is (zc__fdinfo) and waiting on it
 * (zc__wait). The dispatcher and the engines decide from zc_fdinfo alone
 * which calls can serve a pair; waiting is always poll(2), never a spin.
 */
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "internal.h"

#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif
#ifndef CONFIGFS_MAGIC
#define CONFIGFS_MAGIC 0x62656570
#endif

/* Pseudo filesystems whose st_size says nothing about the content. */
static bool pseudo_fs(int fd)
{
	struct statfs sfs;

	if (zc__sys_fstatfs(fd, &sfs) < 0)
		return false;
	switch ((unsigned long)sfs.f_type) {
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case CONFIGFS_MAGIC:
	case SECURITYFS_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
		return true;
	}
	return false;
}

static enum zc_fd_kind sock_kind(int fd)
{
	int type = 0;
	unsigned len = sizeof(type);

	if (zc__sys_getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return ZC_FD_OTHER;
	return type == SOCK_STREAM ? ZC_FD_SOCK_STREAM : ZC_FD_SOCK_OTHER;
}

int zc__fdinfo(int fd, struct zc_fdinfo *info)
{
	int r;

	*info = (struct zc_fdinfo){0};
	r = zc__sys_fstat(fd, &info->st);
	if (r < 0)
		return r;
	r = zc__sys_fcntl(fd, F_GETFL, 0);
	if (r < 0)
		return r;
	info->flags = r;
	switch (info->st.st_mode & S_IFMT) {
	case S_IFREG:
		info->kind = ZC_FD_FILE;
		info->seekable = true;
		/* Pseudo filesystems have no device (major 0); a file on
		 * a disk needs no fstatfs. */
		info->size_lies = major(info->st.st_dev) == 0 && pseudo_fs(fd);
		break;
	case S_IFBLK:
		info->kind = ZC_FD_BLK;
		info->seekable = true;
		break;
	case S_IFIFO:
		info->kind = ZC_FD_PIPE;
		break;
	case S_IFSOCK:
		info->kind = sock_kind(fd);
		break;
	case S_IFCHR:
		info->kind = ZC_FD_CHR;
		info->seekable = zc__sys_lseek(fd, 0, SEEK_CUR) >= 0;
		break;
	case S_IFDIR:
		info->kind = ZC_FD_DIR;
		break;
	default:
		info->kind = ZC_FD_OTHER;
		break;
	}
	return 0;
}

int zc__wait_hard(struct zc_xfer *x, int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};
	int r;

	x->st->waits++;
	do {
		r = zc__sys_poll(&p, 1, -1);
	} while (r == -EINTR);
	if (r < 0)
		return r;
	if (p.revents & POLLNVAL)
		return -EBADF;
	/* A reader gone: the write would raise EPIPE anyway. For POLLIN,
	 * POLLHUP/POLLERR let the read report EOF or the socket error. */
	if ((events & POLLOUT) && !(p.revents & POLLOUT) &&
	    (p.revents & (POLLERR | POLLHUP)))
		return -EPIPE;
	return 0;
}

int zc__wait(struct zc_xfer *x, int fd, short events)
{
	if (x->opts->flags & ZC_F_NO_WAIT)
		return -EAGAIN;
	return zc__wait_hard(x, fd, events);
}
