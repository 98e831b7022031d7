/* SPDX-License-Identifier: MIT */
/*
 * endpoint.c — opening the two ends of a copy and the "loses nothing" rule.
 *
 * A regular-file DST is never written in place: the bytes go to a
 * temporary file in the same directory (O_TMPFILE when the file system has
 * it, so nothing is visible until commit and nothing can be left behind
 * even by SIGKILL; otherwise ".NAME.zcp-XXXXXX"), which zcp_dst_commit()
 * links or renames over DST only after the transfer succeeded. rename(2)
 * within a directory is atomic: readers see the old file or the new one.
 * Other DST kinds (stdout, FIFOs, character devices such as /dev/null,
 * sockets) are written directly; they have no "old contents" to protect.
 *
 * Durability: by default there is no fsync before the rename (as cp(1)),
 * so the replacement is atomic against failures of zcp, not against a
 * power cut; --fsync adds an fsync(2) of the data before the rename.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zcp.h"

#define HOST_MAX 256
#define PORT_MAX 8

const char *zcp_strerror(int err)
{
	switch (err) {
	case ZCP_ESAME:
		return "is the same file as SRC";
	case ZCP_ENONAME:
		return "unknown host";
	default:
		return strerror(-err);
	}
}

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

int zcp_end_parse(struct zcp_end *e, const char *spec, bool is_src)
{
	char host[HOST_MAX], port[PORT_MAX];

	memset(e, 0, sizeof(*e));
	e->spec = spec;
	e->fd = -1;
	if (!spec[0])
		return -EINVAL;
	if (strcmp(spec, "-") == 0) {
		e->kind = ZCP_STDIO;
	} else if (has_prefix(spec, "tcp-listen:")) {
		if (!is_src)
			return -EINVAL;
		e->kind = ZCP_TCP_LISTEN;
		return zcp_split_hostport(spec + 11, true, host, sizeof(host),
					  port, sizeof(port));
	} else if (has_prefix(spec, "tcp:")) {
		if (is_src)
			return -EINVAL;
		e->kind = ZCP_TCP;
		return zcp_split_hostport(spec + 4, false, host, sizeof(host),
					  port, sizeof(port));
	} else {
		e->kind = ZCP_PATH;
	}
	return 0;
}

static int fstat_end(struct zcp_end *e)
{
	return fstat(e->fd, &e->st) < 0 ? -errno : 0;
}

/* open(2) that a stop signal can interrupt (a FIFO waits for its peer). */
static int open_stoppable(const char *path, int flags, mode_t mode)
{
	int fd;

	for (;;) {
		fd = open(path, flags | O_CLOEXEC | O_NOCTTY, mode);
		if (fd >= 0)
			return fd;
		if (errno != EINTR || zcp_stop_signal())
			return -errno;
	}
}

int zcp_src_open(struct zcp_end *src)
{
	char host[HOST_MAX], port[PORT_MAX];
	int ret;

	switch (src->kind) {
	case ZCP_STDIO:
		src->fd = STDIN_FILENO;
		break;
	case ZCP_TCP_LISTEN:
		ret = zcp_split_hostport(src->spec + 11, true, host,
					 sizeof(host), port, sizeof(port));
		if (ret)
			return ret;
		ret = zcp_tcp_accept_one(host, port);
		if (ret < 0)
			return ret;
		src->fd = ret;
		break;
	case ZCP_PATH:
		ret = open_stoppable(src->spec, O_RDONLY, 0);
		if (ret < 0)
			return ret;
		src->fd = ret;
		break;
	default:
		return -EINVAL;
	}
	ret = fstat_end(src);
	if (ret)
		return ret;
	return S_ISDIR(src->st.st_mode) ? -EISDIR : 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Split path into its directory ("." when none) and last component. */
static int split_path(const char *path, char *dir, size_t dlen,
		      const char **base)
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

/* The mode the new DST gets: the old DST's, else SRC's, less the umask. */
static mode_t dst_mode(const struct zcp_end *dst, const struct zcp_end *src,
		       const struct stat *old)
{
	mode_t mask = umask(0);

	umask(mask);
	if (dst->existed)
		return old->st_mode & 07777;
	if (src->fd >= 0 && S_ISREG(src->st.st_mode))
		return src->st.st_mode & 0777 & ~mask;
	return 0666 & ~mask;
}

/* A unique ".NAME.zcp-XXXXXX" name beside the final path. */
static int named_tmp(struct zcp_end *dst, const char *dir, const char *base)
{
	int fd, n;

	n = snprintf(dst->tmp_path, sizeof(dst->tmp_path), "%s/.%s.zcp-XXXXXX",
		     dir, base);
	if (n < 0 || (size_t)n >= sizeof(dst->tmp_path))
		return -ENAMETOOLONG;
	fd = mkostemp(dst->tmp_path, O_CLOEXEC);
	if (fd < 0) {
		dst->tmp_path[0] = '\0';
		return -errno;
	}
	zcp_signals_cleanup_path(dst->tmp_path);
	return fd;
}

static int open_temp(struct zcp_end *dst, const struct zcp_end *src,
		     const struct stat *old)
{
	char dir[PATH_MAX];
	const char *base;
	int fd, ret;

	ret = split_path(dst->path, dir, sizeof(dir), &base);
	if (ret)
		return ret;
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dst->anon = true;
	} else {
		/* No O_TMPFILE here (EOPNOTSUPP, EISDIR on old kernels):
		 * a named temporary; real errors (EACCES...) recur there. */
		fd = named_tmp(dst, dir, base);
		if (fd < 0)
			return fd;
	}
	dst->fd = fd;
	dst->temp = true;
	if (fchmod(fd, dst_mode(dst, src, old)) < 0)
		return -errno;
	/* Keep the owner of a file we replace when we are allowed to. */
	if (dst->existed &&
	    (old->st_uid != geteuid() || old->st_gid != getegid()))
		if (fchown(fd, old->st_uid, old->st_gid) < 0)
			(void)0;
	return 0;
}

static int set_path(struct zcp_end *dst, const char *spec)
{
	struct stat lst;

	/* Replace what a symlink points at, not the link itself (as cp). */
	if (lstat(spec, &lst) == 0 && S_ISLNK(lst.st_mode)) {
		if (!realpath(spec, dst->path))
			return -errno;
		return 0;
	}
	if (strlen(spec) >= sizeof(dst->path))
		return -ENAMETOOLONG;
	memcpy(dst->path, spec, strlen(spec) + 1);
	return 0;
}

static int open_path(struct zcp_end *dst, const struct zcp_end *src)
{
	struct stat old = {0};
	int ret;

	if (stat(dst->spec, &old) == 0) {
		if (S_ISDIR(old.st_mode))
			return -EISDIR;
		if (src->fd >= 0 && same_file(&old, &src->st))
			return ZCP_ESAME;
		if (!S_ISREG(old.st_mode)) {
			/* FIFO, character/block device, socket: written as
			 * is, never truncated or replaced. */
			ret = open_stoppable(dst->spec, O_WRONLY, 0);
			if (ret < 0)
				return ret;
			dst->fd = ret;
			return fstat_end(dst);
		}
		/* Replacing by rename needs only a writable directory; like
		 * cp, refuse a DST we could not have written in place. */
		if (access(dst->spec, W_OK) < 0)
			return -errno;
		dst->existed = true;
	} else if (errno != ENOENT) {
		return -errno;
	}
	ret = set_path(dst, dst->spec);
	if (ret)
		return ret;
	ret = open_temp(dst, src, &old);
	if (ret) {
		dst->step = "cannot create a temporary file beside it";
		return ret;
	}
	return fstat_end(dst);
}

int zcp_dst_open(struct zcp_end *dst, const struct zcp_end *src)
{
	char host[HOST_MAX], port[PORT_MAX];
	int ret;

	switch (dst->kind) {
	case ZCP_STDIO:
		dst->fd = STDOUT_FILENO;
		ret = fstat_end(dst);
		if (ret)
			return ret;
		if (S_ISREG(dst->st.st_mode) && same_file(&dst->st, &src->st))
			return ZCP_ESAME;
		return 0;
	case ZCP_TCP:
		ret = zcp_split_hostport(dst->spec + 4, false, host,
					 sizeof(host), port, sizeof(port));
		if (ret)
			return ret;
		ret = zcp_tcp_connect(host, port);
		if (ret < 0)
			return ret;
		dst->fd = ret;
		return fstat_end(dst);
	case ZCP_PATH:
		return open_path(dst, src);
	default:
		return -EINVAL;
	}
}

/* Give the O_TMPFILE file the name `to` (fails with EEXIST if taken). */
static int link_anon(int fd, const char *to)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, to, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	/* No /proc: AT_EMPTY_PATH works with CAP_DAC_READ_SEARCH. */
	return linkat(fd, "", AT_FDCWD, to, AT_EMPTY_PATH) < 0 ? -errno : 0;
}

/* Name the anonymous file beside DST, then rename it over DST. */
static int link_then_rename(struct zcp_end *dst)
{
	char dir[PATH_MAX];
	const char *base;
	int ret;

	ret = split_path(dst->path, dir, sizeof(dir), &base);
	if (ret)
		return ret;
	for (unsigned i = 0; i < 100; i++) {
		int n =
		    snprintf(dst->tmp_path, sizeof(dst->tmp_path),
			     "%s/.%s.zcp-%ld-%u", dir, base, (long)getpid(), i);

		if (n < 0 || (size_t)n >= sizeof(dst->tmp_path))
			return -ENAMETOOLONG;
		ret = link_anon(dst->fd, dst->tmp_path);
		if (ret != -EEXIST)
			break;
	}
	if (ret) {
		dst->tmp_path[0] = '\0';
		return ret;
	}
	return rename(dst->tmp_path, dst->path) < 0 ? -errno : 0;
}

int zcp_dst_commit(struct zcp_end *dst, bool do_fsync)
{
	int ret;

	if (!dst->temp)
		return 0;
	dst->step = "fsync";
	if (do_fsync && fsync(dst->fd) < 0)
		return -errno;
	dst->step = "cannot move the temporary file into place";
	if (!dst->anon) {
		ret = rename(dst->tmp_path, dst->path) < 0 ? -errno : 0;
	} else {
		ret = -EEXIST;
		if (!dst->existed)
			ret = link_anon(dst->fd, dst->path);
		if (ret == -EEXIST)
			ret = link_then_rename(dst);
	}
	if (ret)
		return ret;
	dst->step = NULL;
	dst->tmp_path[0] = '\0';
	dst->temp = false;
	zcp_signals_cleanup_path(NULL);
	return 0;
}

void zcp_end_close(struct zcp_end *e, bool discard)
{
	if (e->temp && discard && e->tmp_path[0]) {
		unlink(e->tmp_path);
		e->tmp_path[0] = '\0';
		zcp_signals_cleanup_path(NULL);
	}
	if (e->fd > STDERR_FILENO)
		close(e->fd);
	e->fd = -1;
}
