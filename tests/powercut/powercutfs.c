/* SPDX-License-Identifier: MIT */
/*
 * powercutfs — a FUSE file system that forgets what was never synced.
 *
 *   powercutfs DISK MOUNTPOINT [-f] [-o fuse-options]
 *
 * DISK is a directory standing for the disk: it only ever holds what an
 * application made durable. The mounted view is a copy of DISK kept in a
 * private directory on /dev/shm (the "page cache"); every operation runs
 * on that copy, and the file system remembers what differs from DISK:
 *
 *  - names (create, mkdir, rmdir, unlink, rename, chmod) go into one
 *    in-memory journal, in order, as ext4's jbd2 does: any fsync(2),
 *    fdatasync(2) or fsync of a directory commits the whole journal to
 *    DISK (ext4 commits its running transaction for all of them, not only
 *    for the entries of the directory that was synced);
 *  - file contents (write, truncate, fallocate, and pages written back
 *    from a shared mmap) are tracked per inode as dirty ranges plus the
 *    lowest size the file was cut to, and reach DISK only when that file
 *    is fsync'ed or fdatasync'ed (after the journal, so the name exists).
 *
 * Writing "cut" to the control file MOUNTPOINT/.powercut is the power cut:
 * the journal and every dirty range are dropped at once and every later
 * operation fails with EIO, so nothing reaches DISK any more. Unmount and
 * mount again to boot on what DISK kept. A clean unmount without a cut
 * writes everything back, as umount(8) does.
 *
 * Writing "eio" makes every later fsync and fdatasync fail with EIO, as
 * on a disk whose writeback failed, and drops the dirty ranges of the
 * file that failed (the kernel may drop such pages too, so a later
 * successful sync must not bring them back); "ok" ends that.
 *
 * Shared mmaps: with direct_io off (the default here) the kernel writes
 * dirty mapped pages back through FUSE_WRITE, which lands in write()
 * below like any other write; msync(2) and fsync(2) force that writeback
 * before FUSE_FSYNC arrives, so a synced mapping is durable and an
 * unsynced one is lost with the cut (pages still in the kernel's cache at
 * the cut die with the unmount).
 *
 * Not modelled: hard links and symlinks (EPERM), ownership and times
 * (kept in the view only), extended attributes. One lock serialises every
 * operation; this is a test instrument, not a fast file system.
 */
#define FUSE_USE_VERSION 31
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define CTL_NAME "/.powercut"

/* ---- state ------------------------------------------------------------ */

enum jop { J_CREATE, J_MKDIR, J_UNLINK, J_RMDIR, J_RENAME, J_CHMOD };

struct jent {
	enum jop op;
	char *a, *b;
	mode_t mode;
	unsigned flags; /* renameat2 flags */
};

struct range {
	uint64_t lo, hi; /* [lo, hi) */
};

/* What one file (an inode of the view) has that DISK has not. */
struct dirty {
	ino_t ino;
	uint64_t min_size; /* lowest size cut to since the last sync */
	struct range *r;   /* sorted, disjoint, not adjacent */
	size_t nr, cap;
};

static struct {
	char disk[PATH_MAX];
	char view[PATH_MAX];
	pthread_mutex_t mu;
	struct jent *j;
	size_t nj, capj;
	struct dirty *d;
	size_t nd, capd;
	atomic_bool dead;
	bool eio; /* fsync fails */
	uint64_t cuts, commits, syncs;
} S = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void vpath(char *out, const char *p)
{
	snprintf(out, PATH_MAX, "%s%s", S.view, p);
}

static void dpath(char *out, const char *p)
{
	snprintf(out, PATH_MAX, "%s%s", S.disk, p);
}

static bool is_ctl(const char *p)
{
	return p && !strcmp(p, CTL_NAME);
}

/* ---- the journal of names -------------------------------------------- */

static int jadd(enum jop op, const char *a, const char *b, mode_t mode,
		unsigned flags)
{
	if (S.nj == S.capj) {
		size_t cap = S.capj ? S.capj * 2 : 64;
		struct jent *n = realloc(S.j, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		S.j = n;
		S.capj = cap;
	}
	struct jent *e = &S.j[S.nj];
	e->op = op;
	e->a = strdup(a);
	e->b = b ? strdup(b) : NULL;
	e->mode = mode;
	e->flags = flags;
	if (!e->a || (b && !e->b)) {
		free(e->a);
		free(e->b);
		return -ENOMEM;
	}
	S.nj++;
	return 0;
}

static void jclear(void)
{
	for (size_t i = 0; i < S.nj; i++) {
		free(S.j[i].a);
		free(S.j[i].b);
	}
	S.nj = 0;
}

/* Replay one entry on DISK. Each entry succeeded on the view, whose names
 * DISK mirrors as of the entry, so a failure means DISK itself failed. */
static int japply(const struct jent *e)
{
	char a[PATH_MAX], b[PATH_MAX];
	int rc = 0, fd;

	dpath(a, e->a);
	switch (e->op) {
	case J_CREATE:
		fd = open(a, O_WRONLY | O_CREAT | O_CLOEXEC, e->mode);
		if (fd < 0)
			rc = -1;
		else
			close(fd);
		break;
	case J_MKDIR:
		rc = mkdir(a, e->mode);
		break;
	case J_UNLINK:
		rc = unlink(a);
		break;
	case J_RMDIR:
		rc = rmdir(a);
		break;
	case J_RENAME:
		dpath(b, e->b);
		rc = renameat2(AT_FDCWD, a, AT_FDCWD, b, e->flags);
		break;
	case J_CHMOD:
		rc = chmod(a, e->mode);
		break;
	}
	if (rc < 0) {
		fprintf(stderr, "powercutfs: replay on disk of %s: %s\n", e->a,
			strerror(errno));
		return -EIO;
	}
	return 0;
}

static int jcommit(void)
{
	int rc = 0;

	for (size_t i = 0; i < S.nj && !rc; i++)
		rc = japply(&S.j[i]);
	jclear();
	S.commits++;
	return rc;
}

/* ---- dirty ranges ------------------------------------------------------ */

static struct dirty *dfind(ino_t ino, bool make)
{
	for (size_t i = 0; i < S.nd; i++)
		if (S.d[i].ino == ino)
			return &S.d[i];
	if (!make)
		return NULL;
	if (S.nd == S.capd) {
		size_t cap = S.capd ? S.capd * 2 : 64;
		struct dirty *n = realloc(S.d, cap * sizeof(*n));

		if (!n)
			return NULL;
		S.d = n;
		S.capd = cap;
	}
	struct dirty *d = &S.d[S.nd++];
	memset(d, 0, sizeof(*d));
	d->ino = ino;
	d->min_size = UINT64_MAX;
	return d;
}

static void ddrop(struct dirty *d)
{
	free(d->r);
	*d = S.d[--S.nd];
}

/* Add [lo, hi), merging with what it touches. */
static int dmark(struct dirty *d, uint64_t lo, uint64_t hi)
{
	size_t i = 0, k;

	if (lo >= hi)
		return 0;
	while (i < d->nr && d->r[i].hi < lo)
		i++;
	for (k = i; k < d->nr && d->r[k].lo <= hi; k++) {
		if (d->r[k].lo < lo)
			lo = d->r[k].lo;
		if (d->r[k].hi > hi)
			hi = d->r[k].hi;
	}
	if (k == i) { /* no overlap: insert at i */
		if (d->nr == d->cap) {
			size_t cap = d->cap ? d->cap * 2 : 8;
			struct range *n = realloc(d->r, cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			d->r = n;
			d->cap = cap;
		}
		memmove(d->r + i + 1, d->r + i, (d->nr - i) * sizeof(*d->r));
		d->nr++;
	} else if (k > i + 1) {
		memmove(d->r + i + 1, d->r + k, (d->nr - k) * sizeof(*d->r));
		d->nr -= k - i - 1;
	}
	d->r[i].lo = lo;
	d->r[i].hi = hi;
	return 0;
}

/* The file shrank to `size`: ranges past it no longer matter. */
static void dcut(struct dirty *d, uint64_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nr; i++) {
		if (d->r[i].lo >= size)
			continue;
		d->r[n] = d->r[i];
		if (d->r[n].hi > size)
			d->r[n].hi = size;
		n++;
	}
	d->nr = n;
	if (size < d->min_size)
		d->min_size = size;
}

static int fd_ino(int fd, ino_t *ino, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	*ino = st.st_ino;
	if (size)
		*size = (uint64_t)st.st_size;
	return 0;
}

/* The dirty record of the file open as fd, made if new; NULL and *rc. */
static struct dirty *dirty_of(int fd, int *rc)
{
	ino_t ino = 0;
	struct dirty *d = NULL;

	*rc = fd_ino(fd, &ino, NULL);
	if (!*rc && !(d = dfind(ino, true)))
		*rc = -ENOMEM;
	return d;
}

static int note_write(int fd, uint64_t lo, uint64_t hi)
{
	int rc;
	struct dirty *d = dirty_of(fd, &rc);

	return d ? dmark(d, lo, hi) : rc;
}

static int note_size(int fd, uint64_t old, uint64_t size)
{
	int rc;
	struct dirty *d = dirty_of(fd, &rc);

	if (d && size < old)
		dcut(d, size);
	return rc;
}

/* Copy the dirty state of the view file `vfd` to DISK's file at `p`. */
static int dflush(int vfd, const char *p)
{
	char dp[PATH_MAX], buf[65536];
	ino_t ino = 0;
	uint64_t size = 0;
	struct dirty *d;
	int rc = fd_ino(vfd, &ino, &size), fd;

	if (rc < 0)
		return rc;
	d = dfind(ino, false);
	if (!d)
		return 0;
	if (!p) { /* unlinked while open: its data can never be found */
		ddrop(d);
		return 0;
	}
	dpath(dp, p);
	fd = open(dp, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -EIO;
	if (d->min_size != UINT64_MAX && ftruncate(fd, (off_t)d->min_size))
		rc = -EIO;
	for (size_t i = 0; i < d->nr && !rc; i++) {
		for (uint64_t o = d->r[i].lo; o < d->r[i].hi && !rc;) {
			size_t want = d->r[i].hi - o < sizeof(buf)
					  ? (size_t)(d->r[i].hi - o)
					  : sizeof(buf);
			ssize_t n = pread(vfd, buf, want, (off_t)o);

			if (n < 0)
				rc = -EIO;
			if (n <= 0) /* past the view's end: size covers it */
				break;
			if (pwrite(fd, buf, (size_t)n, (off_t)o) != n)
				rc = -EIO;
			o += (uint64_t)n;
		}
	}
	if (!rc && ftruncate(fd, (off_t)size))
		rc = -EIO;
	close(fd);
	if (!rc)
		ddrop(d);
	return rc;
}

/* ---- the power cut ----------------------------------------------------- */

static void cut(void)
{
	atomic_store(&S.dead, true);
	jclear();
	while (S.nd)
		ddrop(&S.d[S.nd - 1]);
	S.cuts++;
	fprintf(stderr, "powercutfs: power cut (%llu syncs so far)\n",
		(unsigned long long)S.syncs);
}

#define ENTER()                                                                \
	do {                                                                   \
		pthread_mutex_lock(&S.mu);                                     \
		if (atomic_load(&S.dead)) {                                    \
			pthread_mutex_unlock(&S.mu);                           \
			return -EIO;                                           \
		}                                                              \
	} while (0)
#define LEAVE(rc)                                                              \
	do {                                                                   \
		pthread_mutex_unlock(&S.mu);                                   \
		return (rc);                                                   \
	} while (0)

/* ---- operations --------------------------------------------------------- */

static int pc_getattr(const char *p, struct stat *st, struct fuse_file_info *fi)
{
	char v[PATH_MAX];
	int rc;

	if (is_ctl(p)) {
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFREG | 0200;
		st->st_nlink = 1;
		return 0;
	}
	if (atomic_load(&S.dead))
		return -EIO;
	if (fi)
		rc = fstat((int)fi->fh, st);
	else {
		vpath(v, p);
		rc = lstat(v, st);
	}
	return rc < 0 ? -errno : 0;
}

static int pc_readdir(const char *p, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags fl)
{
	char v[PATH_MAX];
	DIR *dir;
	struct dirent *e;

	if (atomic_load(&S.dead))
		return -EIO;
	vpath(v, p);
	dir = opendir(v);
	if (!dir)
		return -errno;
	while ((e = readdir(dir)))
		if (fill(buf, e->d_name, NULL, 0, 0))
			break;
	closedir(dir);
	return 0;
}

static int pc_mkdir(const char *p, mode_t mode)
{
	char v[PATH_MAX];
	int rc;

	ENTER();
	vpath(v, p);
	rc = mkdir(v, mode) < 0 ? -errno : jadd(J_MKDIR, p, NULL, mode, 0);
	LEAVE(rc);
}

static int pc_rmdir(const char *p)
{
	char v[PATH_MAX];
	int rc;

	ENTER();
	vpath(v, p);
	rc = rmdir(v) < 0 ? -errno : jadd(J_RMDIR, p, NULL, 0, 0);
	LEAVE(rc);
}

static int pc_unlink(const char *p)
{
	char v[PATH_MAX];
	struct stat st;
	int rc;

	if (is_ctl(p))
		return -EPERM;
	ENTER();
	vpath(v, p);
	if (lstat(v, &st) < 0)
		LEAVE(-errno);
	rc = unlink(v) < 0 ? -errno : jadd(J_UNLINK, p, NULL, 0, 0);
	if (!rc && st.st_nlink == 1) {
		/* The last name: its unsynced data can never reach DISK.
		 * (An fd still open on it flushes to nowhere; see dflush.) */
		struct dirty *d = dfind(st.st_ino, false);
		if (d)
			ddrop(d);
	}
	LEAVE(rc);
}

static int pc_rename(const char *a, const char *b, unsigned int flags)
{
	char va[PATH_MAX], vb[PATH_MAX];
	struct stat st;
	bool replaced;
	int rc;

	if (is_ctl(a) || is_ctl(b))
		return -EPERM;
	ENTER();
	vpath(va, a);
	vpath(vb, b);
	replaced = !(flags & RENAME_EXCHANGE) && lstat(vb, &st) == 0 &&
		   S_ISREG(st.st_mode) && st.st_nlink == 1;
	rc = renameat2(AT_FDCWD, va, AT_FDCWD, vb, flags) < 0
		 ? -errno
		 : jadd(J_RENAME, a, b, 0, flags);
	if (!rc && replaced) {
		struct dirty *d = dfind(st.st_ino, false);
		if (d)
			ddrop(d);
	}
	LEAVE(rc);
}

static int pc_chmod(const char *p, mode_t mode, struct fuse_file_info *fi)
{
	char v[PATH_MAX];
	int rc;

	if (is_ctl(p))
		return -EPERM;
	ENTER();
	vpath(v, p);
	rc = chmod(v, mode) < 0 ? -errno : jadd(J_CHMOD, p, NULL, mode, 0);
	LEAVE(rc);
}

/* Owners and times live in the view only (see the header). */
static int pc_chown(const char *p, uid_t u, gid_t g, struct fuse_file_info *fi)
{
	char v[PATH_MAX];

	if (atomic_load(&S.dead))
		return -EIO;
	vpath(v, p);
	return lchown(v, u, g) < 0 ? -errno : 0;
}

static int pc_utimens(const char *p, const struct timespec tv[2],
		      struct fuse_file_info *fi)
{
	char v[PATH_MAX];

	if (is_ctl(p))
		return 0;
	if (atomic_load(&S.dead))
		return -EIO;
	if (fi)
		return futimens((int)fi->fh, tv) < 0 ? -errno : 0;
	vpath(v, p);
	return utimensat(AT_FDCWD, v, tv, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int resize(int fd, off_t size)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || ftruncate(fd, size) < 0)
		return -errno;
	return note_size(fd, (uint64_t)st.st_size, (uint64_t)size);
}

static int pc_truncate(const char *p, off_t size, struct fuse_file_info *fi)
{
	char v[PATH_MAX];
	int rc, fd;

	if (is_ctl(p))
		return 0;
	ENTER();
	if (fi)
		LEAVE(resize((int)fi->fh, size));
	vpath(v, p);
	fd = open(v, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		LEAVE(-errno);
	rc = resize(fd, size);
	close(fd);
	LEAVE(rc);
}

/* The view's descriptor never has O_APPEND: the kernel already turned an
 * appending write into a write at the end, and pwrite(2) on an O_APPEND
 * descriptor would ignore the offset we record. */
static int open_view(const char *p, int flags, mode_t mode, bool create,
		     struct fuse_file_info *fi)
{
	char v[PATH_MAX];
	struct stat st;
	bool existed, trunc = flags & O_TRUNC;
	int fd, rc = 0;

	vpath(v, p);
	existed = lstat(v, &st) == 0;
	/* Read-write always: a sync reads back what a write-only
	 * descriptor wrote. */
	flags = (flags & ~(O_APPEND | O_TRUNC | O_ACCMODE)) | O_RDWR;
	fd = open(v, flags | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (create && !existed)
		rc = jadd(J_CREATE, p, NULL, mode, 0);
	if (!rc && trunc && existed)
		rc = resize(fd, 0);
	if (rc) {
		close(fd);
		return rc;
	}
	fi->fh = (uint64_t)fd;
	return 0;
}

static int pc_open(const char *p, struct fuse_file_info *fi)
{
	int rc;

	if (is_ctl(p)) {
		fi->fh = UINT64_MAX;
		fi->direct_io = 1;
		return 0;
	}
	ENTER();
	rc = open_view(p, fi->flags, 0, false, fi);
	LEAVE(rc);
}

static int pc_create(const char *p, mode_t mode, struct fuse_file_info *fi)
{
	int rc;

	if (is_ctl(p))
		return -EEXIST;
	ENTER();
	rc = open_view(p, fi->flags | O_CREAT, mode, true, fi);
	LEAVE(rc);
}

static int pc_read(const char *p, char *buf, size_t n, off_t off,
		   struct fuse_file_info *fi)
{
	ssize_t r;

	if (fi->fh == UINT64_MAX)
		return 0;
	if (atomic_load(&S.dead))
		return -EIO;
	r = pread((int)fi->fh, buf, n, off);
	return r < 0 ? -errno : (int)r;
}

static int pc_write(const char *p, const char *buf, size_t n, off_t off,
		    struct fuse_file_info *fi)
{
	ssize_t w;
	int rc;

	if (fi->fh == UINT64_MAX) { /* the control file */
		pthread_mutex_lock(&S.mu);
		if (n >= 3 && !memcmp(buf, "cut", 3))
			cut();
		else if (n >= 3 && !memcmp(buf, "eio", 3))
			S.eio = true;
		else if (n >= 2 && !memcmp(buf, "ok", 2))
			S.eio = false;
		else
			n = 0;
		pthread_mutex_unlock(&S.mu);
		return n ? (int)n : -EINVAL;
	}
	ENTER();
	w = pwrite((int)fi->fh, buf, n, off);
	if (w < 0)
		LEAVE(-errno);
	rc = note_write((int)fi->fh, (uint64_t)off, (uint64_t)off + (size_t)w);
	LEAVE(rc ? rc : (int)w);
}

static int pc_fallocate(const char *p, int mode, off_t off, off_t len,
			struct fuse_file_info *fi)
{
	struct stat st;
	int rc, fd = (int)fi->fh;

	ENTER();
	if (fstat(fd, &st) < 0 || fallocate(fd, mode, off, len) < 0)
		LEAVE(-errno);
	/* Zeroed or punched bytes change content; plain allocation only
	 * grows the size, which the sync copies anyway. */
	rc = note_write(fd, (uint64_t)off, (uint64_t)(off + len));
	LEAVE(rc);
}

static int pc_fsync(const char *p, int datasync, struct fuse_file_info *fi)
{
	int rc;

	if (fi->fh == UINT64_MAX)
		return 0;
	ENTER();
	S.syncs++;
	if (S.eio) {
		ino_t ino = 0;
		struct dirty *d;

		if (fd_ino((int)fi->fh, &ino, NULL) == 0 &&
		    (d = dfind(ino, false)))
			ddrop(d); /* lost, never to be written */
		LEAVE(-EIO);
	}
	rc = jcommit();
	if (!rc)
		rc = dflush((int)fi->fh, p);
	LEAVE(rc);
}

static int pc_fsyncdir(const char *p, int datasync, struct fuse_file_info *fi)
{
	int rc;

	ENTER();
	S.syncs++;
	rc = S.eio ? -EIO : jcommit();
	LEAVE(rc);
}

static int pc_release(const char *p, struct fuse_file_info *fi)
{
	if (fi->fh != UINT64_MAX)
		close((int)fi->fh);
	return 0;
}

static int pc_flush(const char *p, struct fuse_file_info *fi)
{
	return 0; /* close(2) makes nothing durable */
}

static int pc_statfs(const char *p, struct statvfs *sv)
{
	return statvfs(S.view, sv) < 0 ? -errno : 0;
}

static int pc_refuse(const char *a, const char *b)
{
	return -EPERM;
}

static void *pc_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	cfg->use_ino = 1;
	cfg->hard_remove = 1; /* no .fuse_hidden renames to journal */
	cfg->nullpath_ok = 0; /* fsync needs the name; NULL once unlinked */
	cfg->direct_io = 0;   /* mmap through the page cache */
	cfg->kernel_cache = 0;
	return NULL;
}

/* ---- copying trees --------------------------------------------------------
 */

static char copy_from[PATH_MAX], copy_to[PATH_MAX];

/* Copy a file keeping holes (sparse index files stay sparse). */
static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	off_t end, data = 0, hole;
	int rc = 0;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 07777);
	if (out < 0) {
		close(in);
		return -1;
	}
	end = lseek(in, 0, SEEK_END);
	while (!rc && (data = lseek(in, data, SEEK_DATA)) >= 0) {
		hole = lseek(in, data, SEEK_HOLE);
		while (data < hole) {
			size_t want = hole - data < (off_t)sizeof(buf)
					  ? (size_t)(hole - data)
					  : sizeof(buf);
			ssize_t n = pread(in, buf, want, data);

			if (n <= 0 || pwrite(out, buf, (size_t)n, data) != n) {
				rc = -1;
				break;
			}
			data += n;
		}
	}
	if (!rc && ftruncate(out, end) < 0)
		rc = -1;
	close(in);
	close(out);
	return rc;
}

static int copy_one(const char *path, const struct stat *st, int type,
		    struct FTW *f)
{
	char to[PATH_MAX];

	snprintf(to, sizeof(to), "%s%s", copy_to, path + strlen(copy_from));
	if (type == FTW_D)
		return mkdir(to, st->st_mode & 07777) < 0 && errno != EEXIST;
	if (type == FTW_F && S_ISREG(st->st_mode))
		return copy_file(path, to, st->st_mode) < 0;
	return 0; /* symlinks and the rest are not modelled */
}

static int copy_tree(const char *from, const char *to)
{
	snprintf(copy_from, sizeof(copy_from), "%s", from);
	snprintf(copy_to, sizeof(copy_to), "%s", to);
	return nftw(from, copy_one, 32, FTW_PHYS);
}

static int rm_one(const char *path, const struct stat *st, int type,
		  struct FTW *f)
{
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* A clean unmount writes back every dirty file, as umount(8) syncs. */
static int flush_one(const char *path, const struct stat *st, int type,
		     struct FTW *f)
{
	int fd;

	if (type != FTW_F || !S_ISREG(st->st_mode) || !dfind(st->st_ino, 0))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		dflush(fd, path + strlen(S.view));
		close(fd);
	}
	return 0;
}

static void pc_destroy(void *priv)
{
	if (!atomic_load(&S.dead)) {
		jcommit();
		nftw(S.view, flush_one, 32, FTW_PHYS);
	}
	nftw(S.view, rm_one, 32, FTW_PHYS | FTW_DEPTH);
	fprintf(stderr, "powercutfs: unmounted (%llu syncs, %llu cuts)\n",
		(unsigned long long)S.syncs, (unsigned long long)S.cuts);
}

static const struct fuse_operations ops = {
    .init = pc_init,
    .destroy = pc_destroy,
    .getattr = pc_getattr,
    .readdir = pc_readdir,
    .mkdir = pc_mkdir,
    .rmdir = pc_rmdir,
    .unlink = pc_unlink,
    .rename = pc_rename,
    .link = pc_refuse,
    .symlink = pc_refuse,
    .chmod = pc_chmod,
    .chown = pc_chown,
    .utimens = pc_utimens,
    .truncate = pc_truncate,
    .open = pc_open,
    .create = pc_create,
    .read = pc_read,
    .write = pc_write,
    .fallocate = pc_fallocate,
    .fsync = pc_fsync,
    .fsyncdir = pc_fsyncdir,
    .flush = pc_flush,
    .release = pc_release,
    .statfs = pc_statfs,
};

int main(int argc, char **argv)
{
	char tmpl[] = "/dev/shm/powercutfs.XXXXXX";
	struct stat st;
	int rc;

	if (argc < 3 || argv[1][0] == '-') {
		fprintf(stderr,
			"usage: powercutfs DISK MOUNTPOINT [-f] [-o opts]\n"
			"  write \"cut\" to MOUNTPOINT%s to cut the power\n",
			CTL_NAME);
		return 2;
	}
	if (!realpath(argv[1], S.disk) || stat(S.disk, &st) < 0 ||
	    !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "powercutfs: %s: not a directory\n", argv[1]);
		return 1;
	}
	if (!mkdtemp(tmpl)) {
		perror("powercutfs: mkdtemp");
		return 1;
	}
	snprintf(S.view, sizeof(S.view), "%s", tmpl);
	if (copy_tree(S.disk, S.view)) {
		fprintf(stderr, "powercutfs: cannot copy %s\n", S.disk);
		nftw(S.view, rm_one, 32, FTW_PHYS | FTW_DEPTH);
		return 1;
	}
	/* fuse_main sees: prog MOUNTPOINT [options...] */
	argv[1] = argv[0];
	rc = fuse_main(argc - 1, argv + 1, &ops, NULL);
	if (rc && access(S.view, F_OK) == 0) /* never mounted */
		nftw(S.view, rm_one, 32, FTW_PHYS | FTW_DEPTH);
	return rc;
}
