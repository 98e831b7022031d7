/* SPDX-License-Identifier: MIT */
/*
 * cow.c — the copy-on-write claims, measured. A private view
 * (zc_view_open, MAP_PRIVATE) is read whole, then N of its pages are
 * written: page faults come from getrusage(RUSAGE_THREAD) and the private
 * memory grown from /proc/self/smaps_rollup ("Anonymous"), which is where
 * a copied page lands. Then a reflink clone (zc_clone) of a large file
 * against a plain read+write copy of it, where the filesystem shares
 * extents; optionally (--xfs, root) on an XFS loop image made for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "common.h"

extern char **environ;

static int64_t anon_kb(void)
{
	char line[256];
	long long kb = -1;
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Anonymous: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void view_part(struct zb_results *r)
{
	struct zb_cow *w = &r->cow;
	struct zc_view v = {0};
	struct zc_stats a, b;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), step = 1u << 20;
	uint64_t pages, n;
	unsigned char byte;
	int64_t k0, k1, k2;
	int fd = open(r->src_path, O_RDONLY | O_CLOEXEC);
	bool ok = true;

	w->view_status = fd < 0 ? -errno : 0;
	if (fd < 0)
		return;
	zb_warm_cache(fd, r->src_size);
	w->view_status = zc_view_open(&v, fd, 0, 0);
	if (w->view_status < 0)
		goto out;
	w->view_bytes = v.len;
	pages = (v.len + page - 1) / page;
	n = pages / 4 > 4096 ? 4096 : pages / 4;
	n = n ? n : 1;

	/* Shared read: every byte, checked against the pattern. */
	k0 = anon_kb();
	tc_usage_now(&a);
	for (size_t off = 0; off < v.len; off += step) {
		size_t len = v.len - off < step ? v.len - off : step;

		ok &= zb_check((char *)v.addr + off, len, off);
	}
	tc_usage_now(&b);
	k1 = anon_kb();
	w->pages_read = pages;
	w->read_minflt = b.minor_faults - a.minor_faults;
	w->read_s = (double)(b.wall_ns - a.wall_ns) / 1e9;

	/* Private writes: one byte in each of n pages spread over the view. */
	tc_usage_now(&a);
	for (uint64_t i = 0; i < n; i++) {
		unsigned char *p =
		    (unsigned char *)v.addr + i * (pages / n) * page;

		*p = (unsigned char)~*p;
	}
	tc_usage_now(&b);
	k2 = anon_kb();
	w->pages_written = n;
	w->write_minflt = b.minor_faults - a.minor_faults;
	w->write_s = (double)(b.wall_ns - a.wall_ns) / 1e9;
	w->read_anon_kb = k0 >= 0 && k1 >= 0 ? k1 - k0 : -1;
	w->write_anon_kb = k1 >= 0 && k2 >= 0 ? k2 - k1 : -1;

	/* The file must not have changed under the private writes. */
	for (uint64_t i = 0; i < n && ok; i++) {
		off_t pos = (off_t)(i * (pages / n) * page);

		ok = pread(fd, &byte, 1, pos) == 1 &&
		     zb_check(&byte, 1, (uint64_t)pos) &&
		     ((unsigned char *)v.addr)[pos] == (unsigned char)~byte;
	}
	w->view_ok = ok;
	if (!ok) {
		snprintf(w->view_note, sizeof(w->view_note),
			 "view content or file content did not verify");
	}
	zc_view_close(&v);
out:
	close(fd);
}

int zb_run_cmd(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, err;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		return -err;
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/* An XFS image with reflink=1 mounted on `mnt`. 0 or -errno. */
static int xfs_mount(const char *img, const char *mnt, uint64_t size)
{
	char *mkfs[] = {"mkfs.xfs",  "-q",	  "-f", "-m",
			"reflink=1", (char *)img, NULL};
	char *mount_[] = {"mount",     "-o",	    "loop",
			  (char *)img, (char *)mnt, NULL};
	int fd;

	if (geteuid() != 0)
		return -EPERM;
	fd = open(img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* Room for the file and its copy, plus the log. */
	if (ftruncate(fd, (off_t)(2 * size + (512ull << 20))) < 0) {
		close(fd);
		return -errno;
	}
	close(fd);
	if (mkdir(mnt, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (zb_run_cmd(mkfs) < 0)
		return -ENOENT;
	return zb_run_cmd(mount_);
}

/* Clone `size` bytes in `dir` and copy them with read+write for scale. */
static void clone_in(struct zb_results *r, const char *dir, uint64_t size)
{
	struct zb_cow *w = &r->cow;
	char a[700], b[700], c[700], h[TC_HUMAN_LEN];
	struct zb_machine m;
	int src = -1, dst = -1;
	double t0;

	zb_machine_info(&m, dir);
	snprintf(w->clone_fs, sizeof(w->clone_fs), "%s", m.fs);
	snprintf(a, sizeof(a), "%s/clone-src", dir);
	snprintf(b, sizeof(b), "%s/clone-dst", dir);
	snprintf(c, sizeof(c), "%s/clone-copy", dir);

	/* Probe with one page before writing a large file for nothing. */
	w->clone_status = zb_make_file(a, 4096);
	if (w->clone_status == 0) {
		src = open(a, O_RDONLY | O_CLOEXEC);
		dst = open(b, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		w->clone_status =
		    src < 0 || dst < 0 ? -errno : zc_clone(dst, src);
		close(src);
		close(dst);
		src = dst = -1;
	}
	if (w->clone_status < 0) {
		char err[96];

		zb_errtext(err, sizeof(err), w->clone_status);
		snprintf(w->clone_note, sizeof(w->clone_note),
			 "not supported on this filesystem (%s): %s", m.fs,
			 err);
		goto out;
	}
	w->clone_status = zb_make_file(a, size);
	if (w->clone_status < 0)
		goto out;
	src = open(a, O_RDONLY | O_CLOEXEC);
	dst = open(b, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (src < 0 || dst < 0) {
		w->clone_status = -errno;
		goto out;
	}
	t0 = zb_now();
	w->clone_status = zc_clone(dst, src);
	w->clone_s = zb_now() - t0;
	if (w->clone_status < 0)
		goto out;
	w->clone_bytes = size;
	w->clone_verified = zb_verify_fd(dst, size) == 0;
	close(dst);
	dst = open(c, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (dst >= 0) {
		off_t off = 0;
		ssize_t n;

		t0 = zb_now();
		n = zc_transfer(dst, src, &off, (size_t)size, ZC_READ_WRITE,
				NULL);
		/* Data on disk, as the clone's is: otherwise we time memcpy. */
		fsync(dst);
		w->copy_s = zb_now() - t0;
		w->copy_measured = n == (ssize_t)size;
	}
	snprintf(w->clone_note, sizeof(w->clone_note), "cloned %s on %s",
		 tc_human_size(size, h, sizeof(h)), m.fs);
out:
	if (src >= 0)
		close(src);
	if (dst >= 0)
		close(dst);
	unlink(a);
	unlink(b);
	unlink(c);
}

static void cow_job(void *arg)
{
	struct zb_results *r = arg;
	uint64_t size = r->cfg.quick ? r->src_size : 1ull << 30;
	char img[700], mnt[700];
	int ret;

	zb_progress("copy-on-write: private view, reflink clone");
	/* Making, cloning, checking and copying the file: a few passes. */
	zb_watchdog(8 * (size > r->src_size ? size : r->src_size));
	view_part(r);
	if (!r->cfg.xfs) {
		clone_in(r, r->workdir, size);
		return;
	}
	snprintf(img, sizeof(img), "%s/xfs.img", r->workdir);
	snprintf(mnt, sizeof(mnt), "%s/xfs", r->workdir);
	ret = xfs_mount(img, mnt, size);
	if (ret < 0) {
		char err[96];

		r->cow.clone_status = ret;
		zb_errtext(err, sizeof(err), ret);
		snprintf(r->cow.clone_note, sizeof(r->cow.clone_note),
			 "--xfs: could not make an XFS image (needs root and "
			 "mkfs.xfs): %s",
			 err);
	} else {
		clone_in(r, mnt, size);
		umount2(mnt, MNT_DETACH);
	}
	rmdir(mnt);
	unlink(img);
}

void zb_run_cow(struct zb_results *r)
{
	struct zb_cow *w = &r->cow;
	char why[ZB_REASON - 16];

	memset(w, 0, sizeof(*w));
	/* A crash in a view or a clone fails this part only. */
	if (zb_isolated(cow_job, r, w, sizeof(*w), why, sizeof(why)) < 0) {
		memset(w, 0, sizeof(*w));
		w->view_status = w->clone_status = -ECHILD;
		snprintf(w->view_note, sizeof(w->view_note), "FAILED: %s", why);
		snprintf(w->clone_note, sizeof(w->clone_note), "FAILED: %s",
			 why);
		r->failures++;
	}
	w->run = true;
	r->failures += w->view_status == 0 && !w->view_ok;
	r->failures +=
	    w->clone_status == 0 && w->clone_bytes && !w->clone_verified;
}
