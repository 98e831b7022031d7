/* SPDX-License-Identifier: MIT */
/*
 * Description: zc_clone (FICLONE). On a fresh XFS image with reflink=1,
 * loop-mounted in the test directory: a 16 MiB clone onto a longer,
 * non-empty destination gives identical bytes, both files' extents are
 * flagged shared at the same physical addresses (FIEMAP), the filesystem
 * loses almost no free space, and writing the clone leaves the source
 * unchanged. Then the refusals: the test directory's own filesystem
 * (ext4/tmpfs: -EOPNOTSUPP or -EINVAL), across mounts (-EXDEV), O_APPEND
 * and read-only destinations (-EBADF), a pipe (-EINVAL). Needs root and
 * mkfs.xfs (skips otherwise); unmounts even when a check fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "helpers.h"
#include "zcio.h"

#define SEED   0xc10e
#define SIZE   (16u << 20)
#define MAXEXT 64

static char mnt[512], img[512];
static int mounted;

static void cleanup(void)
{
	if (mounted && umount2(mnt, 0) < 0)
		umount2(mnt, MNT_DETACH);
	mounted = 0;
	unlink(img);
	rmdir(mnt);
}

static int sh(const char *cmd)
{
	char full[2048];

	snprintf(full, sizeof(full),
		 "PATH=/usr/sbin:/sbin:/usr/bin:/bin:$PATH; %s >/dev/null 2>&1",
		 cmd);
	return system(full);
}

/* Extents of fd: physical address and flags, or -1 if FIEMAP fails. */
static int extents(int fd, uint64_t phys[MAXEXT], uint32_t flags[MAXEXT])
{
	size_t sz =
	    sizeof(struct fiemap) + MAXEXT * sizeof(struct fiemap_extent);
	struct fiemap *fm = calloc(1, sz);
	int n = -1;

	fm->fm_length = ~0ULL;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = MAXEXT;
	if (ioctl(fd, FS_IOC_FIEMAP, fm) == 0) {
		n = (int)fm->fm_mapped_extents;
		for (int i = 0; i < n; i++) {
			phys[i] = fm->fm_extents[i].fe_physical;
			flags[i] = fm->fm_extents[i].fe_flags;
		}
	}
	free(fm);
	return n;
}

static void on_xfs(void)
{
	char src[600], dst[600], cmd[1400];
	uint64_t ps[MAXEXT], pd[MAXEXT];
	uint32_t fs_[MAXEXT], fd_[MAXEXT];
	struct statvfs v0, v1;
	unsigned char b = 0;
	int s, d, ns, nd, r;

	snprintf(src, sizeof(src), "%s/src", mnt);
	snprintf(dst, sizeof(dst), "%s/dst", mnt);
	if (t_create_file(src, SIZE, SEED) || t_create_file(dst, SIZE * 2, 7))
		t_fatal("create files on xfs");
	s = open(src, O_RDONLY | O_CLOEXEC);
	d = open(dst, O_RDWR | O_CLOEXEC);
	if (s < 0 || d < 0)
		t_fatal("open on xfs");
	/* Offsets do not matter: the whole file is cloned. */
	lseek(s, 12345, SEEK_SET);
	fsync(s);
	fsync(d);
	statvfs(mnt, &v0);
	r = zc_clone(d, s);
	CHECK_EQ(r, 0);
	syncfs(d);
	statvfs(mnt, &v1);
	CHECK_EQ(t_fsize(d), SIZE);
	CHECK(t_check_file(d, SIZE, SEED));
	/* The destination's old 32 MiB were freed and nothing was copied:
	 * free space grew, it did not shrink by the clone's 16 MiB. */
	CHECK((long long)v1.f_bfree * (long long)v1.f_frsize >=
	      (long long)v0.f_bfree * (long long)v0.f_frsize);

	ns = extents(s, ps, fs_);
	nd = extents(d, pd, fd_);
	CHECK(ns > 0 && ns == nd);
	for (int i = 0; i < ns && i < nd; i++) {
		CHECK_EQ(pd[i], ps[i]);
		CHECK(fs_[i] & FIEMAP_EXTENT_SHARED);
		CHECK(fd_[i] & FIEMAP_EXTENT_SHARED);
	}
	printf("xfs: %d shared extent(s), free space %+lld KiB\n", ns,
	       ((long long)v1.f_bfree - (long long)v0.f_bfree) *
		   (long long)v1.f_frsize / 1024);

	/* Copy on write: the clone changes, the source does not. */
	CHECK_EQ(pwrite(d, "x", 1, 4096), 1);
	fsync(d);
	CHECK(t_check_file(s, SIZE, SEED));
	CHECK_EQ(pread(d, &b, 1, 4096), 1);
	CHECK_EQ(b, 'x');

	/* Clone onto itself is the filesystem's call; it must not corrupt. */
	r = zc_clone(d, d);
	CHECK(r == 0 || r == -EINVAL);

	/* Refusals on a filesystem that can clone. */
	close(d);
	d = open(dst, O_WRONLY | O_APPEND | O_CLOEXEC);
	CHECK_EQ(zc_clone(d, s), -EBADF);
	close(d);
	d = open(dst, O_RDONLY | O_CLOEXEC);
	CHECK_EQ(zc_clone(d, s), -EBADF);
	close(d);

	/* Across mounts: source on XFS, destination in the test dir. */
	d = open(t_path("xdev"), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK_EQ(zc_clone(d, s), -EXDEV);
	close(d);
	close(s);
	snprintf(cmd, sizeof(cmd), "cmp %s %s", src, dst);
	CHECK(sh(cmd) != 0); /* the one byte written above */
}

static void elsewhere(void)
{
	int s, d, p[2];
	int r;

	if (t_create_file(t_path("a"), 65536, SEED))
		t_fatal("create");
	s = open(t_path("a"), O_RDONLY | O_CLOEXEC);
	d = open(t_path("b"), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	r = zc_clone(d, s);
	CHECK(r == -EOPNOTSUPP || r == -EINVAL);
	CHECK_EQ(t_fsize(d), 0); /* never a silent copy */
	printf("test dir filesystem: %s\n", strerror(-r));
	if (pipe2(p, O_CLOEXEC))
		t_fatal("pipe");
	CHECK_EQ(zc_clone(p[1], s), -EINVAL);
	CHECK_EQ(zc_clone(d, p[0]), -EINVAL);
	CHECK_EQ(zc_clone(d, -1), -EBADF);
	close(p[0]);
	close(p[1]);
	close(s);
	close(d);
}

int main(void)
{
	char cmd[1200];

	/* The refusals need neither root nor XFS. */
	elsewhere();
	if (!t_is_root())
		t_skip("needs root to loop-mount an XFS image");
	if (sh("command -v mkfs.xfs") != 0)
		t_skip("mkfs.xfs not installed (xfsprogs)");
	snprintf(img, sizeof(img), "%s/xfs.img", t_tmpdir());
	snprintf(mnt, sizeof(mnt), "%s/xfs", t_tmpdir());
	atexit(cleanup);
	if (mkdir(mnt, 0755) < 0)
		t_fatal("mkdir %s", mnt);
	snprintf(cmd, sizeof(cmd),
		 "truncate -s 512M %s && mkfs.xfs -q -m reflink=1 %s", img,
		 img);
	if (sh(cmd) != 0)
		t_skip("mkfs.xfs -m reflink=1 failed on %s", img);
	snprintf(cmd, sizeof(cmd), "mount -o loop %s %s", img, mnt);
	if (sh(cmd) != 0)
		t_skip("cannot loop-mount an XFS image (no loop devices or XFS "
		       "in this kernel)");
	mounted = 1;
	on_xfs();
	return t_result();
}
