/* SPDX-License-Identifier: MIT */
/*
 * Description: zc_view_* private copy-on-write views. A view shows the
 * file's bytes at an unaligned offset; reading it shares the page cache
 * (as root: the view's pages have the same physical frame as a shared
 * mapping of the file, per /proc/self/pagemap) and costs no fault beyond
 * mapping; writing N pages costs exactly N page faults (one private copy
 * each; a second write to them costs none) and the file stays unchanged.
 * Truncating the file under a view: zc_view_read returns -EFAULT instead
 * of dying of SIGBUS, and a SIGBUS the library does not own still reaches
 * the handler the program installed before. Bad arguments give -EINVAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "helpers.h"
#include "zcio.h"

#define SEED  0x71e3
#define PAGES 64

static long pg;

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_minflt;
}

/* Physical frame of the page at p, or 0 when pagemap does not say. */
static uint64_t pfn(const void *p)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, 8, (off_t)((uintptr_t)p / (uintptr_t)pg) * 8) != 8)
		e = 0;
	close(fd);
	return (e >> 63) & 1 ? e & ((1ULL << 55) - 1) : 0;
}

static void sharing(int fd)
{
	struct zc_view v;
	const off_t off = 1000;
	const size_t len = 20 * (size_t)pg;
	volatile unsigned char sink = 0;
	unsigned char *buf = malloc(len);
	unsigned char *shared;
	long f0, f1;
	int npages = 0;

	CHECK_EQ(zc_view_open(&v, fd, off, len), 0);
	CHECK_EQ(v.len, len);
	CHECK((char *)v.addr - (char *)v.map_base == off % pg);
	CHECK(t_check_buf(v.addr, len, SEED, (uint64_t)off));
	CHECK_EQ(zc_view_read(&v, 0, buf, len), (long long)len);
	CHECK(t_check_buf(buf, len, SEED, (uint64_t)off));
	/* Past the end: clamped, then 0, then -EINVAL. */
	CHECK_EQ(zc_view_read(&v, len - 10, buf, 100), 10);
	CHECK_EQ(zc_view_read(&v, len, buf, 100), 0);
	CHECK_EQ(zc_view_read(&v, len + 1, buf, 100), -EINVAL);

	/* Reading again faults nothing: the pages are mapped, not copied. */
	f0 = minflt();
	for (size_t i = 0; i < len; i += (size_t)pg)
		sink ^= ((unsigned char *)v.addr)[i];
	f1 = minflt();
	CHECK_EQ(f1 - f0, 0);

	/* Root can see the frames: the view's page is the page cache's. */
	shared = mmap(NULL, (size_t)pg * 4, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(shared != MAP_FAILED);
	sink ^= shared[(size_t)pg * 2];
	uint64_t a = pfn(shared + pg * 2), b = pfn((char *)v.map_base + pg * 2);
	if (a && b)
		CHECK_EQ(a, b);

	/* Writing N pages: N faults, N private copies; again: none. */
	for (size_t i = (size_t)pg; i < len; i += 2 * (size_t)pg)
		npages++;
	f0 = minflt();
	for (size_t i = (size_t)pg; i < len; i += 2 * (size_t)pg)
		((unsigned char *)v.addr)[i] ^= 0xff;
	f1 = minflt();
	CHECK_EQ(f1 - f0, npages);
	f0 = minflt();
	for (size_t i = (size_t)pg; i < len; i += 2 * (size_t)pg)
		((unsigned char *)v.addr)[i] ^= 0xff;
	f1 = minflt();
	CHECK_EQ(f1 - f0, 0);
	printf("wrote %d pages: %d faults expected, CoW frames differ: %s\n",
	       npages, npages,
	       a && b ? (pfn((char *)v.addr + pg) != pfn(shared + pg) ? "yes"
								      : "no")
		      : "unknown (no pagemap)");
	((unsigned char *)v.addr)[5] = 0x5a; /* one more private byte */
	CHECK(((unsigned char *)v.addr)[5] == 0x5a);
	zc_view_close(&v);
	zc_view_close(&v); /* safe twice */
	munmap(shared, (size_t)pg * 4);
	/* The file never changed. */
	CHECK(t_check_file(fd, (uint64_t)PAGES * (uint64_t)pg, SEED));
	free(buf);
	(void)sink;
}

static sigjmp_buf user_env;
static volatile sig_atomic_t user_hits;

static void user_bus(int sig)
{
	(void)sig;
	user_hits++;
	siglongjmp(user_env, 1);
}

static void truncated(const char *path)
{
	struct zc_view v;
	unsigned char buf[64];
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		t_fatal("open %s", path);

	CHECK_EQ(zc_view_open(&v, fd, 0, 0), 0);
	CHECK_EQ(v.len, (size_t)PAGES * (size_t)pg);
	CHECK_EQ(ftruncate(fd, 2 * pg), 0);
	CHECK_EQ(zc_view_read(&v, 0, buf, sizeof(buf)), sizeof(buf));
	CHECK(t_check_buf(buf, sizeof(buf), SEED, 0));
	CHECK_EQ(zc_view_read(&v, 5 * (size_t)pg, buf, sizeof(buf)), -EFAULT);
	/* Spanning the new end: the whole read fails, nothing is half-told. */
	CHECK_EQ(zc_view_read(&v, 2 * (size_t)pg - 8, buf, 32), -EFAULT);
	CHECK_EQ(zc_view_read(&v, 1 * (size_t)pg, buf, sizeof(buf)),
		 sizeof(buf));
	/* A fault outside zc_view_read is the program's: its handler runs. */
	if (sigsetjmp(user_env, 1) == 0) {
		volatile unsigned char c = ((unsigned char *)v.addr)[6 * pg];
		(void)c;
	}
	CHECK_EQ(user_hits, 1);
	/* And the library's guard still works afterwards. */
	CHECK_EQ(zc_view_read(&v, 7 * (size_t)pg, buf, sizeof(buf)), -EFAULT);
	zc_view_close(&v);
	close(fd);
}

static void bad_args(void)
{
	struct zc_view v;
	int p[2], fd;

	memset(&v, 0, sizeof(v));
	zc_view_close(&v);
	CHECK_EQ(zc_view_read(&v, 0, &fd, 1), -EINVAL);
	if (pipe2(p, O_CLOEXEC))
		t_fatal("pipe");
	CHECK_EQ(zc_view_open(&v, p[0], 0, 4096), -EINVAL);
	close(p[0]);
	close(p[1]);
	if (t_create_file(t_path("empty"), 0, SEED))
		t_fatal("create");
	fd = open(t_path("empty"), O_RDONLY | O_CLOEXEC);
	CHECK_EQ(zc_view_open(&v, fd, 0, 0), -EINVAL);
	CHECK_EQ(zc_view_open(&v, fd, -1, 10), -EINVAL);
	close(fd);
	/* Write-only: a private view still needs read access. */
	fd = open(t_path("empty"), O_WRONLY | O_CLOEXEC);
	CHECK_EQ(zc_view_open(&v, fd, 0, 4096), -EACCES);
	close(fd);
}

int main(void)
{
	const char *path = t_path("file");
	struct sigaction sa;
	int fd;

	/* The program's own SIGBUS handler, there before the library's (the
	 * library installs its own at the first zc_view_read). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = user_bus;
	sigaction(SIGBUS, &sa, NULL);
	pg = sysconf(_SC_PAGESIZE);
	if (t_create_file(path, (uint64_t)PAGES * (uint64_t)pg, SEED))
		t_fatal("create %s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		t_fatal("open %s", path);
	sharing(fd);
	close(fd);
	truncated(path);
	bad_args();
	return t_result();
}
