/* SPDX-License-Identifier: MIT */
/*
 * tree.c — zcp -r / -a and several SRCs into a directory, as cp(1) does.
 *
 * The main thread walks each SRC (lstat, readdir), creates directories,
 * symbolic links and special files itself, and hands every regular file
 * to the pool (pool.c). A file lands atomically (land.c); hard links (-a)
 * are made after every file is copied, from an inode map of the first
 * copy of each; directories get their mode, owner, attributes and times
 * last, children first, because creating an entry changes its
 * directory's times and a read-only mode would refuse the entries.
 * A failure on one entry prints "zcp: PATH: REASON" and the walk goes on.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common.h"
#include "zcp.h"

#define INO_BUCKETS   4096
#define PROGRESS_STEP (8u << 20)

/* The first copy of a file with several names (-a keeps hard links). */
struct zcp_ino {
	struct zcp_ino *next;
	dev_t dev;
	ino_t ino;
	char *dst;
	int state; /* 0: not copied (yet), 1: copied */
};

struct later_dir {
	char *src, *dst;
	struct stat st;
	bool created;
};

struct later_link {
	struct zcp_ino *first;
	char *src, *dst;
};

struct tree {
	const struct zcp_tree_opts *o;
	struct zcp_pool pool;
	pthread_mutex_t lock; /* everything below that workers touch */
	bool failed;
	struct zc_stats sum;
	const char *method;
	bool mixed;
	uint64_t done;
	struct zcp_progress prog;
	atomic_bool no_clone; /* FICLONE refused once: do not try again */
	/* main thread only: */
	struct zcp_ino *inos[INO_BUCKETS];
	struct later_dir *dirs;
	size_t ndirs, capdirs;
	struct later_link *links;
	size_t nlinks, caplinks;
	struct stat made[64]; /* top-level directories we created */
	size_t nmade;
};

static void set_failed(struct tree *t)
{
	pthread_mutex_lock(&t->lock);
	t->failed = true;
	pthread_mutex_unlock(&t->lock);
}

static void report(struct tree *t, const char *path, int err)
{
	pthread_mutex_lock(&t->lock);
	fprintf(stderr, "zcp: %s: %s\n", path, zcp_strerror(err));
	t->failed = true;
	pthread_mutex_unlock(&t->lock);
}

static char *join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);

	if (!p)
		return NULL;
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

/* Append one element of `size` bytes to a growing array. */
static void *push(void **arr, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		void *na = realloc(*arr, c * size);

		if (!na)
			return NULL;
		*arr = na;
		*cap = c;
	}
	return (char *)*arr + (*n)++ * size;
}

/* ---- regular files (run by the pool) ---------------------------------- */

static int stop_cb(uint64_t moved, void *arg)
{
	(void)moved;
	(void)arg;
	return zcp_stop_signal() != 0;
}

static bool clone_refused(int err)
{
	return err == -EOPNOTSUPP || err == -EXDEV || err == -EINVAL ||
	       err == -ENOTTY || err == -ENOSYS || err == -EPERM;
}

/* Errors a write causes are DST's; the others are SRC's. */
static bool dst_error(int err)
{
	return err == -ENOSPC || err == -EDQUOT || err == -EFBIG ||
	       err == -EROFS;
}

static void account(struct tree *t, const struct zc_stats *st,
		    const char *method)
{
	pthread_mutex_lock(&t->lock);
	t->sum.bytes += st->bytes;
	t->sum.syscalls += st->syscalls;
	t->sum.user_copy_bytes += st->user_copy_bytes;
	t->sum.fallbacks += st->fallbacks;
	t->sum.waits += st->waits;
	if (!t->method)
		t->method = method;
	else if (strcmp(t->method, method) != 0)
		t->mixed = true;
	t->done += st->bytes;
	zcp_progress_update(&t->prog, t->done);
	pthread_mutex_unlock(&t->lock);
}

/* Move the bytes of sfd into the temporary: a clone, else AUTO/-m. */
static int copy_bytes(struct tree *t, const struct zcp_job *j, int sfd, int dfd)
{
	const struct zcp_tree_opts *o = t->o;
	struct zc_options zo = {0};
	struct zc_stats zs = {0};
	off_t off = 0;
	bool reg = S_ISREG(j->st.st_mode);
	ssize_t n;

	if (reg && j->st.st_size > 0 && !o->explicit_method &&
	    !atomic_load(&t->no_clone)) {
		int ret = zc_clone(dfd, sfd);

		if (ret == 0) {
			zs.bytes = (uint64_t)j->st.st_size;
			zs.syscalls = 1;
			account(t, &zs, "clone");
			return 0;
		}
		if (clone_refused(ret))
			atomic_store(&t->no_clone, true);
	}
	zo.method = o->method;
	if (reg && (uint64_t)j->st.st_blocks * 512 < (uint64_t)j->st.st_size)
		zo.flags = ZC_F_SPARSE;
	zo.chunk_size = o->progress ? PROGRESS_STEP : 0;
	zo.progress = stop_cb;
	/* The size the walk saw: one copy call for a small file instead of a
	 * second that finds the end (a file that shrank ends early). */
	n = zc_transfer_opts(dfd, sfd, reg ? &off : NULL,
			     reg && j->st.st_size > 0 ? (size_t)j->st.st_size
						      : ZC_TO_EOF,
			     &zo, &zs);
	if (n < 0)
		return (int)n;
	account(t, &zs, zc_method_name(zs.method));
	return 0;
}

static int copy_reg(struct tree *t, const struct zcp_job *j)
{
	const struct zcp_tree_opts *o = t->o;
	struct zcp_land l;
	struct stat old;
	mode_t mode = j->st.st_mode & 0777 & ~zcp_umask;
	int sfd, ret;

	l.fd = -1;
	l.replace = false;
	l.track = false;
	if (strlen(j->dst) >= sizeof(l.path)) {
		report(t, j->dst, -ENAMETOOLONG);
		return -1;
	}
	memcpy(l.path, j->dst, strlen(j->dst) + 1);
	if (!j->fresh && lstat(j->dst, &old) == 0) {
		if (S_ISDIR(old.st_mode)) {
			report(t, j->dst, -EISDIR);
			return -1;
		}
		if (old.st_dev == j->st.st_dev && old.st_ino == j->st.st_ino) {
			report(t, j->dst, ZCP_ESAME);
			return -1;
		}
		l.replace = true;
		if (S_ISREG(old.st_mode))
			mode = old.st_mode & 07777;
	}
	if (o->archive)
		mode = j->st.st_mode & 07777;
	sfd = open(j->src, O_RDONLY | O_CLOEXEC | O_NOCTTY |
			       (o->recursive ? O_NOFOLLOW : 0));
	if (sfd < 0) {
		report(t, j->src, -errno);
		return -1;
	}
	ret = zcp_land_open(&l, mode & 0777);
	if (ret) {
		report(t, j->dst, ret);
		goto out;
	}
	/* Files found by the walk with no bytes have none to move; a SRC
	 * named on the command line may be a procfs file that says 0. */
	if (!j->fresh || j->st.st_size > 0 || !S_ISREG(j->st.st_mode)) {
		ret = copy_bytes(t, j, sfd, l.fd);
		if (ret) {
			if (ret == -ECANCELED && zcp_stop_signal())
				set_failed(t); /* reported once, by main */
			else
				report(t, dst_error(ret) ? j->dst : j->src,
				       ret);
			goto out;
		}
	}
	if (o->archive) {
		ret = zcp_meta_fd(l.fd, sfd, &j->st);
		if (ret)
			report(t, j->dst, ret); /* the bytes still land */
	}
	ret = zcp_land_commit(&l, o->fsync);
	if (ret)
		report(t, j->dst, ret);
out:
	zcp_land_discard(&l);
	close(sfd);
	return ret ? -1 : 0;
}

static void run_job(struct zcp_job *j, void *ctx)
{
	struct tree *t = ctx;

	if (zcp_stop_signal()) {
		set_failed(t);
	} else if (copy_reg(t, j) == 0 && j->ino) {
		j->ino->state = 1;
	}
	free(j->src);
	free(j->dst);
	free(j);
}

/* ---- entries the walk makes itself ------------------------------------ */

static int make_symlink(const char *tmp, void *arg)
{
	return symlink((const char *)arg, tmp) < 0 ? -errno : 0;
}

static int make_hardlink(const char *tmp, void *arg)
{
	return link((const char *)arg, tmp) < 0 ? -errno : 0;
}

static int make_node(const char *tmp, void *arg)
{
	const struct stat *st = arg;

	return mknod(tmp, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0
		   ? -errno
		   : 0;
}

/* Create dst with make(); an existing entry is replaced by rename(2). */
static int create_entry(const char *dst, int (*make)(const char *, void *),
			void *arg)
{
	int ret = make(dst, arg);

	return ret == -EEXIST ? zcp_replace_entry(dst, make, arg) : ret;
}

static void copy_symlink(struct tree *t, const char *src, const char *dst,
			 const struct stat *st)
{
	size_t cap = (size_t)st->st_size + 1;
	char *target = NULL;
	ssize_t n;
	int ret;

	for (;;) {
		char *nt = realloc(target, cap);

		if (!nt) {
			report(t, src, -ENOMEM);
			goto out;
		}
		target = nt;
		n = readlink(src, target, cap);
		if (n < 0) {
			report(t, src, -errno);
			goto out;
		}
		if ((size_t)n < cap)
			break;
		cap *= 2; /* the link grew since lstat */
	}
	target[n] = '\0';
	ret = create_entry(dst, make_symlink, target);
	if (ret) {
		report(t, dst, ret);
		goto out;
	}
	if (t->o->archive && (ret = zcp_meta_path(src, dst, st)))
		report(t, dst, ret);
out:
	free(target);
}

static void copy_special(struct tree *t, const char *src, const char *dst,
			 const struct stat *st)
{
	int ret = create_entry(dst, make_node, (void *)st);

	if (ret) {
		report(t, dst, ret);
		return;
	}
	if (t->o->archive)
		ret = zcp_meta_path(src, dst, st);
	else if (chmod(dst, st->st_mode & 0777 & ~zcp_umask) < 0)
		ret = -errno;
	if (ret)
		report(t, dst, ret);
}

/* ---- the walk ---------------------------------------------------------- */

static struct zcp_ino *ino_find(struct tree *t, const struct stat *st,
				bool *found)
{
	size_t h = (size_t)((st->st_ino * 31u) ^ st->st_dev) % INO_BUCKETS;
	struct zcp_ino *e;

	for (e = t->inos[h]; e; e = e->next)
		if (e->ino == st->st_ino && e->dev == st->st_dev) {
			*found = true;
			return e;
		}
	*found = false;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->next = t->inos[h];
	t->inos[h] = e;
	return e;
}

static struct zcp_job *new_job(struct tree *t, const char *src, const char *dst,
			       const struct stat *st, bool fresh)
{
	struct zcp_job *j = calloc(1, sizeof(*j));

	if (!j || !(j->src = strdup(src)) || !(j->dst = strdup(dst))) {
		if (j)
			free(j->src);
		free(j);
		report(t, src, -ENOMEM);
		return NULL;
	}
	j->st = *st;
	j->fresh = fresh;
	return j;
}

static void queue_file(struct tree *t, const char *src, const char *dst,
		       const struct stat *st, bool fresh)
{
	struct zcp_job *j = new_job(t, src, dst, st, fresh);
	bool found = false;

	if (!j)
		return;
	if (t->o->archive && st->st_nlink > 1) {
		struct zcp_ino *e = ino_find(t, st, &found);

		if (found) {
			struct later_link *l =
			    push((void **)&t->links, &t->nlinks, &t->caplinks,
				 sizeof(*l));

			if (!l) {
				report(t, src, -ENOMEM);
				free(j->src);
				free(j->dst);
			} else {
				l->first = e;
				l->src = j->src;
				l->dst = j->dst;
			}
			free(j);
			return;
		}
		if (e && (e->dst = strdup(dst)))
			j->ino = e;
	}
	zcp_pool_submit(&t->pool, j);
}

static bool made_here(const struct tree *t, const struct stat *st)
{
	for (size_t i = 0; i < t->nmade; i++)
		if (t->made[i].st_dev == st->st_dev &&
		    t->made[i].st_ino == st->st_ino)
			return true;
	return false;
}

static void walk(struct tree *t, const char *src, const char *dst,
		 const struct stat *st, bool fresh, int depth);

static void walk_dir(struct tree *t, const char *src, const char *dst,
		     const struct stat *st, int depth)
{
	struct later_dir *ld;
	struct stat dstat;
	struct dirent *de;
	bool created;
	DIR *d;

	if (made_here(t, st)) {
		report(t, src, ZCP_EINTO);
		return;
	}
	/* Owner-only until finish_dirs() gives it its mode. */
	created = mkdir(dst, 0700) == 0;
	if (!created) {
		int err = -errno;

		if (err != -EEXIST) {
			report(t, dst, err);
			return;
		}
		if (stat(dst, &dstat) < 0 || !S_ISDIR(dstat.st_mode)) {
			report(t, dst, ZCP_ENOTDIR);
			return;
		}
	} else if (depth == 0 &&
		   t->nmade < sizeof(t->made) / sizeof(*t->made) &&
		   lstat(dst, &t->made[t->nmade]) == 0) {
		t->nmade++;
	}
	d = opendir(src);
	if (!d) {
		report(t, src, -errno);
	} else {
		while (!zcp_stop_signal() && (errno = 0, de = readdir(d))) {
			struct stat cst;
			char *cs, *cd;

			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			cs = join(src, de->d_name);
			cd = join(dst, de->d_name);
			if (!cs || !cd)
				report(t, src, -ENOMEM);
			else if (fstatat(dirfd(d), de->d_name, &cst,
					 AT_SYMLINK_NOFOLLOW) < 0)
				report(t, cs, -errno);
			else
				walk(t, cs, cd, &cst, created, depth + 1);
			free(cs);
			free(cd);
		}
		if (errno && !zcp_stop_signal())
			report(t, src, -errno);
		closedir(d);
	}
	ld = push((void **)&t->dirs, &t->ndirs, &t->capdirs, sizeof(*ld));
	if (!ld || !(ld->src = strdup(src)) || !(ld->dst = strdup(dst))) {
		report(t, dst, -ENOMEM);
		return;
	}
	ld->st = *st;
	ld->created = created;
}

static void walk(struct tree *t, const char *src, const char *dst,
		 const struct stat *st, bool fresh, int depth)
{
	switch (st->st_mode & S_IFMT) {
	case S_IFDIR:
		walk_dir(t, src, dst, st, depth);
		break;
	case S_IFLNK:
		copy_symlink(t, src, dst, st);
		break;
	case S_IFREG:
		queue_file(t, src, dst, st, fresh);
		break;
	default:
		if (t->o->recursive)
			copy_special(t, src, dst, st);
		else
			queue_file(t, src, dst, st, fresh); /* its contents */
		break;
	}
}

/* ---- after the copies --------------------------------------------------- */

static void make_links(struct tree *t)
{
	for (size_t i = 0; i < t->nlinks; i++) {
		struct later_link *l = &t->links[i];
		int ret;

		if (!l->first || !l->first->state) {
			/* Its first name failed: copy this one on its own. */
			struct stat st;
			struct zcp_job *j;

			if (lstat(l->src, &st) == 0 &&
			    (j = new_job(t, l->src, l->dst, &st, false)))
				run_job(j, t);
		} else if ((ret = create_entry(l->dst, make_hardlink,
					       l->first->dst))) {
			report(t, l->dst, ret);
		}
		free(l->src);
		free(l->dst);
	}
	free(t->links);
}

static void finish_dirs(struct tree *t)
{
	/* The walk recorded children before their parents. */
	for (size_t i = 0; i < t->ndirs; i++) {
		struct later_dir *d = &t->dirs[i];
		int ret = 0;

		if (t->o->archive)
			ret = zcp_meta_path(d->src, d->dst, &d->st);
		else if (d->created &&
			 chmod(d->dst, d->st.st_mode & 07777 & ~zcp_umask) < 0)
			ret = -errno;
		if (ret)
			report(t, d->dst, ret);
		free(d->src);
		free(d->dst);
	}
	free(t->dirs);
}

static void free_inos(struct tree *t)
{
	for (size_t h = 0; h < INO_BUCKETS; h++)
		while (t->inos[h]) {
			struct zcp_ino *e = t->inos[h];

			t->inos[h] = e->next;
			free(e->dst);
			free(e);
		}
}

static uint64_t tv_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000u +
	       (uint64_t)tv->tv_usec * 1000u;
}

static void print_report(struct tree *t, const char *src, const char *dst,
			 uint64_t wall, const struct rusage *r0)
{
	struct zcp_report rep = {0};
	struct rusage r1;

	getrusage(RUSAGE_SELF, &r1);
	rep.st = t->sum;
	rep.st.cpu_user_ns = tv_ns(&r1.ru_utime) - tv_ns(&r0->ru_utime);
	rep.st.cpu_sys_ns = tv_ns(&r1.ru_stime) - tv_ns(&r0->ru_stime);
	rep.st.vol_ctxsw = (uint64_t)(r1.ru_nvcsw - r0->ru_nvcsw);
	rep.st.invol_ctxsw = (uint64_t)(r1.ru_nivcsw - r0->ru_nivcsw);
	rep.method = t->mixed ? "mixed" : t->method ? t->method : "none";
	rep.src = src;
	rep.dst = dst;
	rep.wall_ns = wall;
	if (t->o->stats)
		zcp_report_text(&rep);
	if (t->o->json)
		zcp_report_json(&rep);
}

/* The last component of a SRC, trailing slashes ignored ("a/b/" -> "b"). */
static char *base_of(const char *path)
{
	char *p = strdup(path), *slash;
	size_t n;

	if (!p)
		return NULL;
	n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	slash = strrchr(p, '/');
	if (slash && slash[1])
		memmove(p, slash + 1, strlen(slash + 1) + 1);
	return p;
}

char *zcp_path_into(const char *dir, const char *src)
{
	char *base = base_of(src), *p;

	if (!base)
		return NULL;
	p = join(dir, base);
	free(base);
	return p;
}

static void copy_one(struct tree *t, const char *src, const char *dst,
		     bool into)
{
	char *target = NULL;
	struct stat st;
	int ret;

	ret = (t->o->recursive ? lstat(src, &st) : stat(src, &st)) < 0 ? -errno
								       : 0;
	if (ret) {
		report(t, src, ret);
		return;
	}
	if (S_ISDIR(st.st_mode) && !t->o->recursive) {
		pthread_mutex_lock(&t->lock);
		fprintf(stderr, "zcp: %s: Is a directory (-r copies a tree)\n",
			src);
		t->failed = true;
		pthread_mutex_unlock(&t->lock);
		return;
	}
	if (into && !(target = zcp_path_into(dst, src))) {
		report(t, src, -ENOMEM);
		return;
	}
	walk(t, src, target ? target : dst, &st, false, 0);
	free(target);
}

int zcp_tree_copy(const struct zcp_tree_opts *o, char *const *srcs, int nsrc,
		  const char *dst)
{
	static struct tree t; /* large (the inode map); one per process */
	struct rusage r0;
	struct stat dst_st;
	bool into;
	uint64_t t0;
	int ret;

	memset(&t, 0, sizeof(t));
	t.o = o;
	pthread_mutex_init(&t.lock, NULL);
	into = stat(dst, &dst_st) == 0 && S_ISDIR(dst_st.st_mode);
	if (nsrc > 1 && !into) {
		fprintf(stderr, "zcp: %s: %s\n", dst,
			"Not a directory (several SRCs need one)");
		return 1;
	}
	getrusage(RUSAGE_SELF, &r0);
	t0 = tc_now_ns();
	zcp_progress_init(&t.prog, o->progress, false, 0);
	ret = zcp_pool_start(&t.pool, o->jobs, run_job, &t);
	if (ret) {
		fprintf(stderr, "zcp: cannot start threads: %s\n",
			strerror(-ret));
		return 1;
	}
	for (int i = 0; i < nsrc && !zcp_stop_signal(); i++)
		copy_one(&t, srcs[i], dst, into);
	zcp_pool_finish(&t.pool);
	if (!zcp_stop_signal())
		make_links(&t);
	if (!zcp_stop_signal())
		finish_dirs(&t);
	free_inos(&t);
	zcp_progress_finish(&t.prog, t.done, !t.failed);
	if (zcp_stop_signal()) {
		fprintf(stderr, "zcp: %s: interrupted by %s\n", dst,
			zcp_sig_name(zcp_stop_signal()));
		return 1;
	}
	if (!t.failed)
		print_report(&t, nsrc == 1 ? srcs[0] : "(several)", dst,
			     tc_now_ns() - t0, &r0);
	return t.failed ? 1 : 0;
}
