/* SPDX-License-Identifier: MIT */
/*
 * land.c — a file lands whole or not at all.
 *
 * The bytes go to a temporary file in the directory of the final path
 * (O_TMPFILE when the file system has it, see open(2), so nothing is
 * visible until commit and nothing can be left behind even by SIGKILL;
 * otherwise ".NAME.zcp-XXXXXX"), and the temporary gets the final name
 * only when complete: linkat(2) for a new name, or a link to a fresh
 * temporary name then rename(2) over an existing one. rename(2) within a
 * directory is atomic: readers see the old file or the new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zcp.h"

mode_t zcp_umask = 022;
bool zcp_root;

int zcp_split_path(const char *path, char *dir, size_t dlen, const char **base)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash) {
		snprintf(dir, dlen, ".");
		*base = path;
		return 0;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= dlen)
		return -ENAMETOOLONG;
	memcpy(dir, path, n);
	dir[n] = '\0';
	*base = slash + 1;
	return **base ? 0 : -EISDIR;
}

/* A unique ".NAME.zcp-XXXXXX" name beside the final path. */
static int named_tmp(struct zcp_land *l, const char *dir, const char *base)
{
	int fd, n;

	n = snprintf(l->tmp_path, sizeof(l->tmp_path), "%s/.%s.zcp-XXXXXX", dir,
		     base);
	if (n < 0 || (size_t)n >= sizeof(l->tmp_path))
		return -ENAMETOOLONG;
	fd = mkostemp(l->tmp_path, O_CLOEXEC);
	if (fd < 0) {
		l->tmp_path[0] = '\0';
		return -errno;
	}
	if (l->track)
		zcp_signals_cleanup_path(l->tmp_path);
	return fd;
}

int zcp_land_open(struct zcp_land *l, mode_t mode)
{
	char dir[PATH_MAX];
	const char *base;
	int fd, ret;

	l->fd = -1;
	l->anon = false;
	l->tmp_path[0] = '\0';
	ret = zcp_split_path(l->path, dir, sizeof(dir), &base);
	if (ret)
		return ret;
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode & 0777);
	if (fd >= 0) {
		l->anon = true;
	} else {
		/* No O_TMPFILE here (EOPNOTSUPP, EISDIR on old kernels):
		 * a named temporary; real errors (EACCES...) recur there. */
		fd = named_tmp(l, dir, base);
		if (fd < 0)
			return fd;
	}
	l->fd = fd;
	/* The mode, exactly, where open(2)'s umask or mkostemp's 0600 made
	 * it differ. */
	if (!l->anon || (mode & ~(mode_t)0777) || (mode & zcp_umask))
		return fchmod(fd, mode) < 0 ? -errno : 0;
	return 0;
}

/* Give the O_TMPFILE file the name `to` (fails with EEXIST if taken). */
static int link_anon(int fd, const char *to)
{
	char proc[64];

	/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH (see linkat(2)); root
	 * has it and saves a lookup in /proc. */
	if (zcp_root && linkat(fd, "", AT_FDCWD, to, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno == EEXIST)
		return -EEXIST;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, to, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	return linkat(fd, "", AT_FDCWD, to, AT_EMPTY_PATH) < 0 ? -errno : 0;
}

int zcp_replace_entry(const char *path, int (*make)(const char *tmp, void *arg),
		      void *arg)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	const char *base;
	int ret;

	ret = zcp_split_path(path, dir, sizeof(dir), &base);
	if (ret)
		return ret;
	for (unsigned i = 0; i < 100; i++) {
		int n = snprintf(tmp, sizeof(tmp), "%s/.%s.zcp-%ld-%u", dir,
				 base, (long)getpid(), i);

		if (n < 0 || (size_t)n >= sizeof(tmp))
			return -ENAMETOOLONG;
		ret = make(tmp, arg);
		if (ret != -EEXIST)
			break;
	}
	if (ret)
		return ret;
	if (rename(tmp, path) < 0) {
		ret = -errno;
		unlink(tmp);
	}
	return ret;
}

static int make_link(const char *tmp, void *arg)
{
	return link_anon(*(int *)arg, tmp);
}

int zcp_land_commit(struct zcp_land *l, bool do_fsync)
{
	int ret;

	if (do_fsync && fsync(l->fd) < 0)
		return -errno;
	if (!l->anon) {
		ret = rename(l->tmp_path, l->path) < 0 ? -errno : 0;
	} else {
		ret = -EEXIST;
		if (!l->replace)
			ret = link_anon(l->fd, l->path);
		if (ret == -EEXIST)
			ret = zcp_replace_entry(l->path, make_link, &l->fd);
	}
	if (ret)
		return ret;
	if (l->tmp_path[0] && l->track)
		zcp_signals_cleanup_path(NULL);
	l->tmp_path[0] = '\0';
	return 0;
}

void zcp_land_discard(struct zcp_land *l)
{
	if (l->tmp_path[0]) {
		unlink(l->tmp_path);
		l->tmp_path[0] = '\0';
		if (l->track)
			zcp_signals_cleanup_path(NULL);
	}
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}
