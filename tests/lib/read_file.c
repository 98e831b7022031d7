/* SPDX-License-Identifier: MIT */
/*
 * Description: zc_read_file in its four modes. On the test directory's
 * filesystem (ext4 on this machine's /): blocking, direct, spin and polled
 * reads of an 8 MiB + 1000 byte file, whole and with a short unaligned
 * count; every byte is checked through the disk.h hash hook,
 * user_copy_bytes is the bytes read for blocking and 0 for the others, and
 * a direct read leaves the page cache empty where a blocking one fills it
 * (mincore). Polled reads must work where the device has poll queues
 * (/sys/block/DEV/queue/io_poll); where it has none they may be
 * -EOPNOTSUPP. On /dev/shm (tmpfs, no ->iopoll) polled reads must be
 * -EOPNOTSUPP, and direct and spin reads either work with the right bytes
 * or give -EOPNOTSUPP. Bad arguments give -EINVAL / -ENOENT. Every check
 * runs; then, if a mechanism was missing, the test is a SKIP naming it
 * (a missing feature never counts as a pass).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "disk.h"
#include "helpers.h"
#include "zcio.h"

#define SEED 0xd15c
#define SIZE ((8u << 20) + 1000)

static const char *const names[] = {"blocking", "polled", "direct", "spin"};

/* The mechanisms this machine lacks, for the final SKIP. */
static char missing[512];

static void lacks(const char *what, const char *path)
{
	size_t len = strlen(missing);

	snprintf(missing + len, sizeof(missing) - len, "%s%s reads on %s",
		 len ? "; " : "", what, path);
}

/* /sys/block/DEV/queue/io_poll of the device holding path: 1 (poll
 * queues), 0 (none) or -1 (cannot tell). */
static int io_poll(const char *path)
{
	char sys[128], v = 0;
	struct stat st;
	int fd;

	if (stat(path, &st) < 0)
		return -1;
	for (int up = 0; up < 2; up++) { /* a partition's queue is its disk's */
		snprintf(sys, sizeof(sys),
			 "/sys/dev/block/%u:%u/%squeue/io_poll",
			 major(st.st_dev), minor(st.st_dev), up ? "../" : "");
		fd = open(sys, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (read(fd, &v, 1) != 1)
			v = 0;
		close(fd);
		return v == '1' ? 1 : v == '0' ? 0 : -1;
	}
	return -1;
}

static uint64_t want_hash(uint64_t len)
{
	static unsigned char buf[1 << 16];
	uint64_t h = t_hash_init;

	for (uint64_t pos = 0; pos < len;) {
		size_t n =
		    len - pos < sizeof(buf) ? (size_t)(len - pos) : sizeof(buf);
		t_fill(buf, n, SEED, pos);
		h = t_hash(h, buf, n);
		pos += n;
	}
	return h;
}

/* Pages of path resident in the page cache. */
static long resident(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long pg = sysconf(_SC_PAGESIZE), n = 0, pages = (SIZE + pg - 1) / pg;
	unsigned char *vec = malloc((size_t)pages);
	void *p = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);

	if (p != MAP_FAILED && mincore(p, SIZE, vec) == 0)
		for (long i = 0; i < pages; i++)
			n += vec[i] & 1;
	else
		n = -1;
	if (p != MAP_FAILED)
		munmap(p, SIZE);
	free(vec);
	close(fd);
	return n;
}

static void drop_cache(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	fdatasync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
}

/* One read; returns 0, or -EOPNOTSUPP when may_refuse allows it. */
static int one(const char *path, enum zc_read_mode m, size_t count, size_t buf,
	       int may_refuse)
{
	uint64_t want = count == ZC_TO_EOF ? SIZE : count, h = t_hash_init;
	struct zc_stats st;
	ssize_t r;

	zc__read_hash = &h;
	r = zc_read_file(path, m, count, buf, &st);
	zc__read_hash = NULL;
	if (r == -EOPNOTSUPP && may_refuse) {
		printf("%-8s %-28s not supported here (-EOPNOTSUPP)\n",
		       names[m], path);
		lacks(names[m], path);
		return (int)r;
	}
	CHECK_EQ(r, want);
	CHECK_EQ(st.bytes, want);
	CHECK(h == want_hash(want));
	CHECK_EQ(st.user_copy_bytes, m == ZC_READ_BLOCKING ? want : 0);
	CHECK(st.syscalls > 0);
	CHECK(st.wall_ns > 0);
	printf("%-8s %-28s %zd bytes, %llu syscalls, %llu us, sys %llu us, "
	       "vcsw %llu\n",
	       names[m], path, r, (unsigned long long)st.syscalls,
	       (unsigned long long)st.wall_ns / 1000,
	       (unsigned long long)st.cpu_sys_ns / 1000,
	       (unsigned long long)st.vol_ctxsw);
	return 0;
}

static void modes(const char *path, int tmpfs)
{
	long pages = (SIZE + sysconf(_SC_PAGESIZE) - 1) / sysconf(_SC_PAGESIZE);
	int direct = 1, poll_queues = tmpfs ? 0 : io_poll(t_tmpdir());
	ssize_t r;

	if (t_create_file(path, SIZE, SEED))
		t_fatal("create %s", path);
	one(path, ZC_READ_BLOCKING, ZC_TO_EOF, 0, 0);
	one(path, ZC_READ_BLOCKING, (3u << 20) + 7, 65536, 0);
	if (!tmpfs) {
		/* Direct reads bypass the page cache, blocking ones fill it. */
		drop_cache(path);
		one(path, ZC_READ_DIRECT, ZC_TO_EOF, 0, 0);
		CHECK_EQ(resident(path), 0);
		one(path, ZC_READ_DIRECT, (3u << 20) + 7, 65536, 0);
		one(path, ZC_READ_BLOCKING, ZC_TO_EOF, 0, 0);
		CHECK_EQ(resident(path), pages);
	} else if (one(path, ZC_READ_DIRECT, ZC_TO_EOF, 0, 1) == 0) {
		one(path, ZC_READ_DIRECT, (3u << 20) + 7, 65536, 0);
	} else {
		direct = 0;
	}
	/* Spinning needs O_DIRECT and io_uring only, no poll queues. */
	if (one(path, ZC_READ_SPIN, ZC_TO_EOF, 0, !direct) == 0)
		one(path, ZC_READ_SPIN, (3u << 20) + 7, 65536, 0);
	if (tmpfs) {
		/* No ->iopoll on tmpfs: the library must say so. */
		r = zc_read_file(path, ZC_READ_POLLED, ZC_TO_EOF, 0, NULL);
		CHECK_EQ(r, -EOPNOTSUPP);
	} else if (one(path, ZC_READ_POLLED, ZC_TO_EOF, 0, poll_queues != 1) ==
		   0) {
		one(path, ZC_READ_POLLED, (3u << 20) + 7, 65536, 0);
	} else if (poll_queues == 0) {
		size_t len = strlen(missing);

		snprintf(missing + len, sizeof(missing) - len,
			 " (the device has no poll queues)");
	}
	unlink(path);
}

int main(void)
{
	char shm[128];
	struct statfs sfs;
	ssize_t r;

	if (statfs(t_tmpdir(), &sfs) == 0 && sfs.f_type == 0x01021994)
		printf("note: %s is tmpfs, not a disk\n", t_tmpdir());
	modes(t_path("data"), sfs.f_type == 0x01021994);
	snprintf(shm, sizeof(shm), "/dev/shm/zc-read-file.%d", (int)getpid());
	if (access("/dev/shm", W_OK) == 0)
		modes(shm, 1);

	r = zc_read_file(t_path("missing"), ZC_READ_BLOCKING, ZC_TO_EOF, 0,
			 NULL);
	CHECK_EQ(r, -ENOENT);
	r = zc_read_file(t_path("missing"), (enum zc_read_mode)7, 10, 0, NULL);
	CHECK_EQ(r, -EINVAL);
	r = zc_read_file(t_path("missing"), (enum zc_read_mode) - 1, 10, 0,
			 NULL);
	CHECK_EQ(r, -EINVAL);
	r = zc_read_file(NULL, ZC_READ_BLOCKING, 10, 0, NULL);
	CHECK_EQ(r, -EINVAL);
	if (t_create_file(t_path("empty"), 0, SEED) == 0)
		CHECK_EQ(zc_read_file(t_path("empty"), ZC_READ_DIRECT,
				      ZC_TO_EOF, 0, NULL),
			 0);
	if (t_failures || !missing[0])
		return t_result();
	t_skip("every check passed, but this machine lacks %s", missing);
}
