/* SPDX-License-Identifier: MIT */
/*
 * edge_limits.c — outputs that run into a limit part-way: RLIMIT_FSIZE
 * (-EFBIG, and SIGXFSZ with its default action must not kill us), a full
 * 1 MiB tmpfs (-ENOSPC with the exact count, nothing written twice) and an
 * immutable destination (-EPERM reported, not swallowed by a fallback).
 * The last two need root; without it they are skipped with a note.
 */
#include "fault.h"
#include "helpers.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEED 0x11417

static const enum zc_method methods[] = {
    ZC_AUTO,   ZC_READ_WRITE,	   ZC_MMAP_WRITE, ZC_SENDFILE,
    ZC_SPLICE, ZC_COPY_FILE_RANGE, ZC_DIRECT_IO,
};
#define NM (int)(sizeof(methods) / sizeof(methods[0]))

/* The output holds exactly the first st.bytes source bytes. */
static void expect_exact_prefix(const char *what, enum zc_method m, ssize_t ret,
				int want_err, const struct zc_stats *st,
				int out, int in)
{
	long long size = t_fsize(out);

	if (ret != -want_err || (long long)st->bytes != size ||
	    !t_check_range(out, 0, (uint64_t)size, SEED, 0) ||
	    t_fpos(in) != (long long)st->bytes) {
		fprintf(stderr,
			"%s %s: ret %zd (want -%d), bytes %llu, output %lld "
			"bytes (%s), input at %lld\n",
			what, zc_method_name(m), ret, want_err,
			(unsigned long long)st->bytes, size,
			t_check_range(out, 0, (uint64_t)size, SEED, 0)
			    ? "content ok"
			    : "BAD content",
			t_fpos(in));
		t_failures++;
	}
}

/* RLIMIT_FSIZE of 1 MiB, a 2 MiB copy: -EFBIG after exactly 1 MiB. */
static void test_fsize(void)
{
	const uint64_t size = 2 << 20;
	int in = t_open_src("fsize.in", size, SEED);
	struct rlimit old, lim;

	signal(SIGXFSZ, SIG_DFL);
	getrlimit(RLIMIT_FSIZE, &old);
	for (int i = 0; i < NM; i++) {
		struct zc_stats st;
		int out = t_open_dst("fsize.out");
		ssize_t r;

		lseek(in, 0, SEEK_SET);
		lim = old;
		lim.rlim_cur = 1 << 20;
		setrlimit(RLIMIT_FSIZE, &lim);
		r = zc_transfer(out, in, NULL, ZC_TO_EOF, methods[i], &st);
		setrlimit(RLIMIT_FSIZE, &old);
		expect_exact_prefix("RLIMIT_FSIZE", methods[i], r, EFBIG, &st,
				    out, in);
		CHECK_EQ(st.bytes, 1 << 20);
		close(out);
	}
	close(in);
}

static char mnt[512];
static int mounted;

static void cleanup_mount(void)
{
	if (mounted && umount2(mnt, MNT_DETACH) == 0)
		mounted = 0;
}

/* A 1 MiB tmpfs, a 2 MiB copy: -ENOSPC, exact count, no duplicates. */
static int test_enospc(void)
{
	const uint64_t size = 2 << 20;
	int in;

	if (!t_is_root()) {
		printf("note: not root, ENOSPC part skipped\n");
		return 0;
	}
	snprintf(mnt, sizeof(mnt), "%s/small", t_tmpdir());
	if (mkdir(mnt, 0755) < 0 && errno != EEXIST)
		t_fatal("mkdir %s: %s", mnt, strerror(errno));
	if (mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=1M") < 0) {
		printf("note: mount tmpfs: %s, ENOSPC part skipped\n",
		       strerror(errno));
		return 0;
	}
	mounted = 1;
	atexit(cleanup_mount);
	in = t_open_src("enospc.in", size, SEED);
	for (int i = 0; i < NM; i++) {
		char p[600];
		struct zc_stats st;
		int out;
		ssize_t r;

		snprintf(p, sizeof(p), "%s/out", mnt);
		out = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out < 0)
			t_fatal("open %s: %s", p, strerror(errno));
		lseek(in, 0, SEEK_SET);
		r = zc_transfer(out, in, NULL, ZC_TO_EOF, methods[i], &st);
		if (r < 0 && st.bytes == 0 && r != -ENOSPC) {
			/* e.g. copy_file_range across filesystems: EXDEV,
			 * O_DIRECT on tmpfs: EINVAL — a clean refusal */
			printf("note: ENOSPC %s: %s before any byte\n",
			       zc_method_name(methods[i]), strerror((int)-r));
			CHECK(methods[i] != ZC_AUTO &&
			      methods[i] != ZC_READ_WRITE);
			CHECK_EQ(t_fsize(out), 0);
			CHECK_EQ(t_fpos(in), 0);
		} else {
			expect_exact_prefix("ENOSPC", methods[i], r, ENOSPC,
					    &st, out, in);
			CHECK(st.bytes > 0 && st.bytes <= 1 << 20);
		}
		close(out);
		unlink(p);
	}
	close(in);
	cleanup_mount();
	return 1;
}

static char imm_path[512];
static int imm_set;

static void set_immutable(int on)
{
	int fd = open(imm_path, O_RDONLY | O_CLOEXEC), flags = 0;

	if (fd < 0)
		return;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
		flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
		if (ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0)
			imm_set = on;
	}
	close(fd);
}

static void cleanup_immutable(void)
{
	if (imm_set)
		set_immutable(0);
}

/* An output made immutable after it was opened: -EPERM, reported. */
static int test_immutable(void)
{
	const uint64_t size = 300000;
	int in, out;

	if (!t_is_root()) {
		printf("note: not root, immutable part skipped\n");
		return 0;
	}
	snprintf(imm_path, sizeof(imm_path), "%s", t_path("imm.out"));
	in = t_open_src("imm.in", size, SEED);
	out = t_open_dst("imm.out");
	atexit(cleanup_immutable);
	set_immutable(1);
	if (!imm_set) {
		printf("note: cannot set the immutable flag here (%s), part "
		       "skipped\n",
		       strerror(errno));
		close(in);
		close(out);
		return 0;
	}
	for (int i = 0; i < NM; i++) {
		struct zc_stats st;
		ssize_t r;

		lseek(in, 0, SEEK_SET);
		r = zc_transfer(out, in, NULL, ZC_TO_EOF, methods[i], &st);
		if (r != -EPERM || st.bytes != 0 || t_fsize(out) != 0 ||
		    t_fpos(in) != 0) {
			fprintf(stderr, "immutable %s: ret %zd, bytes %llu\n",
				zc_method_name(methods[i]), r,
				(unsigned long long)st.bytes);
			t_failures++;
		}
	}
	set_immutable(0);
	close(in);
	close(out);
	return 1;
}

int main(void)
{
	test_fsize();
	test_enospc();
	test_immutable();
	return t_result();
}
