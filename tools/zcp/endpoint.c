/* SPDX-License-Identifier: MIT */
/*
 * endpoint.c — opening the two ends of a copy and the "loses nothing" rule.
 *
 * A regular-file DST is never written in place: the bytes go to a
 * temporary file beside it (land.c) that takes DST's name only after the
 * transfer succeeded. Other DST kinds (stdout, FIFOs, character devices
 * such as /dev/null, sockets) are written directly; they have no "old
 * contents" to protect. Every socket kind works at either end: tcp: and
 * unix: connect, tcp-listen: and unix-listen: accept one connection.
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

const char *zcp_strerror(int err)
{
	switch (err) {
	case ZCP_ESAME:
		return "is the same file as SRC";
	case ZCP_ENONAME:
		return "unknown host";
	case ZCP_EDIFFER:
		return "differs from SRC in the part already copied; left "
		       "unchanged";
	case ZCP_ELONGER:
		return "is longer than SRC; left unchanged";
	case ZCP_EPROTO:
		return "the peer did not answer with a zcp --resume header";
	case ZCP_EINTO:
		return "cannot copy a directory into itself";
	case ZCP_ENOTDIR:
		return "cannot replace a non-directory with a directory";
	default:
		return strerror(-err);
	}
}

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

int zcp_end_parse(struct zcp_end *e, const char *spec)
{
	memset(e, 0, sizeof(*e));
	e->spec = spec;
	e->fd = -1;
	e->land.fd = -1;
	if (!spec[0])
		return -EINVAL;
	if (strcmp(spec, "-") == 0) {
		e->kind = ZCP_STDIO;
	} else if (has_prefix(spec, "tcp-listen:")) {
		e->kind = ZCP_TCP_LISTEN;
		return zcp_split_hostport(spec + 11, true, e->host,
					  sizeof(e->host), e->port,
					  sizeof(e->port));
	} else if (has_prefix(spec, "tcp:")) {
		e->kind = ZCP_TCP;
		return zcp_split_hostport(spec + 4, false, e->host,
					  sizeof(e->host), e->port,
					  sizeof(e->port));
	} else if (has_prefix(spec, "unix-listen:")) {
		e->kind = ZCP_UNIX_LISTEN;
		e->sock_path = spec + 12;
	} else if (has_prefix(spec, "unix:")) {
		e->kind = ZCP_UNIX;
		e->sock_path = spec + 5;
	} else {
		e->kind = ZCP_PATH;
	}
	return e->sock_path && !e->sock_path[0] ? -EINVAL : 0;
}

bool zcp_end_is_socket(const struct zcp_end *e)
{
	return e->kind == ZCP_TCP || e->kind == ZCP_TCP_LISTEN ||
	       e->kind == ZCP_UNIX || e->kind == ZCP_UNIX_LISTEN;
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

/* Connect or accept, for either end. fd or -errno. */
static int open_socket(const struct zcp_end *e)
{
	switch (e->kind) {
	case ZCP_TCP:
		return zcp_tcp_connect(e->host, e->port);
	case ZCP_TCP_LISTEN:
		return zcp_tcp_accept_one(e->host, e->port);
	case ZCP_UNIX:
		return zcp_unix_connect(e->sock_path);
	case ZCP_UNIX_LISTEN:
		return zcp_unix_accept_one(e->sock_path);
	default:
		return -EINVAL;
	}
}

int zcp_src_open(struct zcp_end *src)
{
	int ret;

	switch (src->kind) {
	case ZCP_STDIO:
		src->fd = STDIN_FILENO;
		break;
	case ZCP_PATH:
		ret = open_stoppable(src->spec, O_RDONLY, 0);
		if (ret < 0)
			return ret;
		src->fd = ret;
		break;
	default:
		ret = open_socket(src);
		if (ret < 0)
			return ret;
		src->fd = ret;
		break;
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

/* The mode the new DST gets: the old DST's, else SRC's, less the umask. */
static mode_t dst_mode(const struct zcp_end *dst, const struct zcp_end *src,
		       const struct stat *old)
{
	if (dst->existed)
		return old->st_mode & 07777;
	if (src->fd >= 0 && S_ISREG(src->st.st_mode))
		return src->st.st_mode & 0777 & ~zcp_umask;
	return 0666 & ~zcp_umask;
}

static int open_temp(struct zcp_end *dst, const struct zcp_end *src,
		     const struct stat *old)
{
	int ret;

	dst->land.replace = dst->existed;
	dst->land.track = true;
	ret = zcp_land_open(&dst->land, dst_mode(dst, src, old));
	if (dst->land.fd >= 0) {
		dst->fd = dst->land.fd;
		dst->temp = true;
	}
	if (ret)
		return ret;
	/* Keep the owner of a file we replace when we are allowed to. */
	if (dst->existed &&
	    (old->st_uid != geteuid() || old->st_gid != getegid()))
		if (fchown(dst->fd, old->st_uid, old->st_gid) < 0)
			(void)0;
	return 0;
}

static int set_path(struct zcp_end *dst, const char *spec)
{
	struct stat lst;

	/* Replace what a symlink points at, not the link itself (as cp). */
	if (lstat(spec, &lst) == 0 && S_ISLNK(lst.st_mode)) {
		if (!realpath(spec, dst->land.path))
			return -errno;
		return 0;
	}
	if (strlen(spec) >= sizeof(dst->land.path))
		return -ENAMETOOLONG;
	memcpy(dst->land.path, spec, strlen(spec) + 1);
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
	case ZCP_PATH:
		return open_path(dst, src);
	default:
		ret = open_socket(dst);
		if (ret < 0)
			return ret;
		dst->fd = ret;
		return fstat_end(dst);
	}
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
	ret = zcp_land_commit(&dst->land, false);
	if (ret)
		return ret;
	dst->step = NULL;
	dst->temp = false;
	return 0;
}

void zcp_end_close(struct zcp_end *e, bool discard)
{
	if (e->temp) {
		if (discard)
			zcp_land_discard(&e->land);
		else if (e->land.fd >= 0)
			close(e->land.fd);
		e->land.fd = -1;
		e->temp = false;
		e->fd = -1;
		return;
	}
	if (e->fd > STDERR_FILENO)
		close(e->fd);
	e->fd = -1;
}
