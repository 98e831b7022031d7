/* SPDX-License-Identifier: MIT */
/*
 * meta.c — what -a keeps besides the bytes: owner and group (chown(2),
 * the owner only when root), permission bits including set-user-ID (set
 * after the owner, which clears them), extended attributes (xattr(7):
 * user.* always, trusted.* and security.* when root, system.* such as
 * POSIX ACLs where the file system takes them) and access/modification
 * times to the nanosecond (utimensat(2)), set last because every other
 * change would move them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "zcp.h"

/* One end of an xattr copy: a descriptor, or a path (not followed). */
struct xend {
	int fd;
	const char *path;
};

static ssize_t x_list(const struct xend *e, char *buf, size_t len)
{
	return e->fd >= 0 ? flistxattr(e->fd, buf, len)
			  : llistxattr(e->path, buf, len);
}

static ssize_t x_get(const struct xend *e, const char *name, void *buf,
		     size_t len)
{
	return e->fd >= 0 ? fgetxattr(e->fd, name, buf, len)
			  : lgetxattr(e->path, name, buf, len);
}

static int x_set(const struct xend *e, const char *name, const void *val,
		 size_t len)
{
	return e->fd >= 0 ? fsetxattr(e->fd, name, val, len, 0)
			  : lsetxattr(e->path, name, val, len, 0);
}

/* Grow *buf until call() fits (it returns -1/ERANGE while too small). */
static ssize_t sized(char **buf, size_t *cap, const struct xend *e,
		     const char *name)
{
	for (;;) {
		ssize_t n =
		    name ? x_get(e, name, *buf, *cap) : x_list(e, *buf, *cap);
		char *nb;

		if (n >= 0 || errno != ERANGE)
			return n < 0 ? -errno : n;
		n = name ? x_get(e, name, NULL, 0) : x_list(e, NULL, 0);
		if (n < 0)
			return -errno;
		nb = realloc(*buf, (size_t)n + 1);
		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = (size_t)n + 1;
	}
}

static bool wanted_name(const char *name, bool root)
{
	if (strncmp(name, "trusted.", 8) == 0 ||
	    strncmp(name, "security.", 9) == 0)
		return root;
	return true;
}

/* Not supported where it goes: as cp -a, not an error. */
static bool unsupported(int err)
{
	return err == -ENOTSUP || err == -EOPNOTSUPP;
}

static int copy_xattrs(const struct xend *s, const struct xend *d, bool root)
{
	char *names = malloc(1024), *val = malloc(1024);
	size_t ncap = 1024, vcap = 1024;
	ssize_t n;
	int ret = 0;

	if (!names || !val) {
		ret = -ENOMEM;
		goto out;
	}
	n = sized(&names, &ncap, s, NULL);
	if (n < 0) {
		ret = unsupported((int)n) ? 0 : (int)n;
		goto out;
	}
	for (char *p = names; p < names + n; p += strlen(p) + 1) {
		ssize_t vlen;

		if (!wanted_name(p, root))
			continue;
		vlen = sized(&val, &vcap, s, p);
		if (vlen == -ENODATA)
			continue; /* removed meanwhile */
		if (vlen < 0) {
			ret = (int)vlen;
			break;
		}
		if (x_set(d, p, val, (size_t)vlen) < 0 &&
		    !unsupported(-errno) &&
		    !(errno == EPERM && strncmp(p, "user.", 5) != 0)) {
			ret = -errno;
			break;
		}
	}
out:
	free(names);
	free(val);
	return ret;
}

int zcp_meta_fd(int dfd, int sfd, const struct stat *st)
{
	struct xend s = {sfd, NULL}, d = {dfd, NULL};
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	bool root = zcp_root;
	int ret;

	/* Without root only the group can be given (to one we belong to). */
	if (fchown(dfd, root ? st->st_uid : (uid_t)-1, st->st_gid) < 0 && root)
		return -errno;
	if (fchmod(dfd, st->st_mode & 07777) < 0)
		return -errno;
	ret = copy_xattrs(&s, &d, root);
	if (ret)
		return ret;
	return futimens(dfd, ts) < 0 ? -errno : 0;
}

int zcp_meta_path(const char *src, const char *dst, const struct stat *st)
{
	struct xend s = {-1, src}, d = {-1, dst};
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	bool root = zcp_root;
	int ret;

	if (lchown(dst, root ? st->st_uid : (uid_t)-1, st->st_gid) < 0 && root)
		return -errno;
	/* Symbolic links have no mode of their own (symlink(7)). */
	if (!S_ISLNK(st->st_mode) && chmod(dst, st->st_mode & 07777) < 0)
		return -errno;
	ret = copy_xattrs(&s, &d, root);
	if (ret)
		return ret;
	return utimensat(AT_FDCWD, dst, ts, AT_SYMLINK_NOFOLLOW) < 0 ? -errno
								     : 0;
}
