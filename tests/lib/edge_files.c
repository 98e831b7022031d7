/* SPDX-License-Identifier: MIT */
/*
 * edge_files.c — the file-side corner cases of zc_transfer for every
 * method: explicit and implicit offsets, counts past EOF, a source already
 * at EOF, empty files, O_APPEND outputs, one inode through two descriptors,
 * procfs/sysfs sources, /dev/zero and /dev/null, ext4 <-> tmpfs copies and a
 * sparse source larger than 4 GiB. A method that cannot serve a case must
 * fail without moving a byte; the ones that can must deliver every byte.
 */
#include "fault.h"
#include "helpers.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEED 0xed9e

/* Methods that must serve a regular file -> regular file pair. */
static int file_pair_must_work(enum zc_method m)
{
	return m != ZC_IO_URING && m != ZC_MSG_ZEROCOPY && m != ZC_IO_URING_ZC;
}

static const char *mname(enum zc_method m)
{
	return zc_method_name(m);
}

/* A failure leaves everything as it was: nothing written, nothing read. */
static void expect_clean_failure(const char *what, enum zc_method m,
				 ssize_t ret, const struct zc_stats *st,
				 int out, long long out_size, int in,
				 long long in_pos)
{
	if (ret >= 0 || st->bytes != 0 || t_fsize(out) != out_size ||
	    (in >= 0 && t_fpos(in) != in_pos)) {
		fprintf(stderr,
			"%s %s: not a clean failure: ret %zd, bytes %llu, "
			"out size %lld (was %lld), in pos %lld (was %lld)\n",
			what, mname(m), ret, (unsigned long long)st->bytes,
			t_fsize(out), out_size, in >= 0 ? t_fpos(in) : -1,
			in_pos);
		t_failures++;
	}
}

/* src 123 -> dst 77, explicit and implicit input offsets. */
static void test_offsets(void)
{
	const uint64_t size = 300001, n = 100000;
	int in = t_open_src("off.in", size, SEED);

	for (int m = 0; m < ZC_METHOD_COUNT; m++) {
		for (int explicit_off = 0; explicit_off < 2; explicit_off++) {
			struct zc_stats st;
			off_t off = 123;
			int out = t_open_dst("off.out");
			ssize_t r;

			lseek(in, explicit_off ? 5 : 123, SEEK_SET);
			lseek(out, 77, SEEK_SET);
			r = zc_transfer(out, in, explicit_off ? &off : NULL, n,
					(enum zc_method)m, &st);
			if (r < 0 && !file_pair_must_work((enum zc_method)m)) {
				expect_clean_failure(
				    "offsets", (enum zc_method)m, r, &st, out,
				    0, in, explicit_off ? 5 : 123);
				close(out);
				continue;
			}
			if (r != (ssize_t)n) {
				fprintf(stderr, "offsets %s (%s): ret %zd\n",
					mname((enum zc_method)m),
					explicit_off ? "in_off" : "fd pos", r);
				t_failures++;
				close(out);
				continue;
			}
			if (explicit_off) {
				CHECK_EQ(off, 123 + n);
				CHECK_EQ(t_fpos(in), 5);
			} else {
				CHECK_EQ(t_fpos(in), 123 + n);
			}
			CHECK_EQ(t_fpos(out), 77 + n);
			CHECK_EQ(t_fsize(out), 77 + n);
			CHECK_EQ(st.bytes, n);
			{
				unsigned char z[77], zero[77] = {0};
				CHECK(pread(out, z, 77, 0) == 77 &&
				      memcmp(z, zero, 77) == 0);
			}
			{
				size_t len;
				unsigned char *buf = t_slurp(out, &len);
				if (len != 77 + n ||
				    !t_check_buf(buf + 77, n, SEED, 123)) {
					fprintf(stderr,
						"offsets %s: bad data\n",
						mname((enum zc_method)m));
					t_failures++;
				}
				free(buf);
			}
			close(out);
		}
	}
	close(in);
}

/* Count past EOF, a source at EOF, an empty source. */
static void test_eof(void)
{
	int in = t_open_src("eof.in", 5000, SEED);
	int empty = t_open_src("eof.empty", 0, SEED);

	for (int m = 0; m < ZC_METHOD_COUNT; m++) {
		struct zc_stats st;
		int out = t_open_dst("eof.out");
		ssize_t r;

		if (!file_pair_must_work((enum zc_method)m)) {
			close(out);
			continue;
		}
		lseek(in, 0, SEEK_SET);
		r = zc_transfer(out, in, NULL, 10000, (enum zc_method)m, &st);
		if (r != 5000 || t_fpos(in) != 5000 ||
		    !t_check_file(out, 5000, SEED)) {
			fprintf(stderr, "count past EOF %s: ret %zd pos %lld\n",
				mname((enum zc_method)m), r, t_fpos(in));
			t_failures++;
		}

		/* Already at EOF: 0 at once, no fallback, a few calls. */
		for (int k = 0; k < 2; k++) {
			size_t count = k ? 100 : ZC_TO_EOF;

			r = zc_transfer(out, in, NULL, count, (enum zc_method)m,
					&st);
			if (r != 0 || st.fallbacks != 0 || st.syscalls > 24 ||
			    t_fsize(out) != 5000 || t_fpos(in) != 5000) {
				fprintf(
				    stderr,
				    "at EOF %s count %s: ret %zd, fallbacks "
				    "%u, syscalls %llu\n",
				    mname((enum zc_method)m), k ? "100" : "EOF",
				    r, st.fallbacks,
				    (unsigned long long)st.syscalls);
				t_failures++;
			}
		}
		CHECK(t_check_file(out, 5000, SEED));

		r = zc_transfer(out, empty, NULL, ZC_TO_EOF, (enum zc_method)m,
				&st);
		if (r != 0 || t_fsize(out) != 5000 || st.fallbacks != 0) {
			fprintf(stderr, "empty source %s: ret %zd\n",
				mname((enum zc_method)m), r);
			t_failures++;
		}
		close(out);
	}

	/* An empty existing destination still gets copy_file_range. */
	{
		struct zc_stats st;
		int out =
		    open(t_path("eof.out"), O_WRONLY | O_TRUNC | O_CLOEXEC);
		ssize_t r;

		lseek(in, 0, SEEK_SET);
		r = zc_transfer(out, in, NULL, ZC_TO_EOF, ZC_AUTO, &st);
		CHECK_EQ(r, 5000);
		CHECK_EQ(st.method, ZC_COPY_FILE_RANGE);
		close(out);
		out = open(t_path("eof.out"), O_RDONLY | O_CLOEXEC);
		CHECK(t_check_file(out, 5000, SEED));
		close(out);
	}
	close(in);
	close(empty);
}

/* O_APPEND output: methods that can append do, the others refuse cleanly;
 * AUTO always appends. */
static void test_append(void)
{
	const uint64_t size = 200000, pre = 1000;
	int in = t_open_src("app.in", size, SEED);

	for (int m = 0; m < ZC_METHOD_COUNT; m++) {
		const char *p = t_path("app.out");
		struct zc_stats st;
		int out, rd;
		ssize_t r;

		if (t_create_file(p, pre, SEED + 1) < 0)
			t_fatal("create %s", p);
		out = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
		rd = open(p, O_RDONLY | O_CLOEXEC);
		lseek(in, 0, SEEK_SET);
		r = zc_transfer(out, in, NULL, ZC_TO_EOF, (enum zc_method)m,
				&st);
		if (r < 0) {
			/* copy_file_range, sendfile and splice refuse O_APPEND
			 * in the kernel; read-write, mmap and AUTO must not. */
			if (m == ZC_AUTO || m == ZC_READ_WRITE ||
			    m == ZC_MMAP_WRITE) {
				fprintf(stderr, "O_APPEND %s: %s\n",
					mname((enum zc_method)m),
					strerror((int)-r));
				t_failures++;
			}
			expect_clean_failure("O_APPEND", (enum zc_method)m, r,
					     &st, out, pre, in, 0);
			CHECK(t_check_file(rd, pre, SEED + 1));
			if (m == ZC_COPY_FILE_RANGE)
				CHECK(zc_method_check(out, in, m) < 0);
		} else {
			CHECK(m != ZC_COPY_FILE_RANGE && m != ZC_SENDFILE);
			CHECK_EQ(r, size);
			CHECK_EQ(t_fsize(rd), pre + size);
			CHECK(t_check_range(rd, 0, pre, SEED + 1, 0));
			CHECK(t_check_range(rd, pre, size, SEED, 0));
			CHECK_EQ(t_fpos(in), size);
		}
		close(out);
		close(rd);
	}
	close(in);
}

/* One inode through two descriptors. */
static void test_same_inode(void)
{
	const uint64_t size = 256 * 1024, n = 64 * 1024;
	const char *p = t_path("same");

	for (int m = 0; m < ZC_METHOD_COUNT; m++) {
		struct zc_stats st;
		int in, out;
		off_t off = 0;
		ssize_t r;

		if (t_create_file(p, size, SEED) < 0)
			t_fatal("create %s", p);
		in = open(p, O_RDONLY | O_CLOEXEC);
		out = open(p, O_WRONLY | O_CLOEXEC);
		/* [0, 64K) -> [128K, 192K): disjoint */
		lseek(out, 128 * 1024, SEEK_SET);
		r = zc_transfer(out, in, &off, n, (enum zc_method)m, &st);
		if (r < 0 && !file_pair_must_work((enum zc_method)m)) {
			expect_clean_failure("same inode", (enum zc_method)m, r,
					     &st, out, size, -1, 0);
		} else if (r != (ssize_t)n || off != (off_t)n ||
			   t_fsize(in) != (long long)size ||
			   !t_check_range(in, 0, 128 * 1024, SEED, 0) ||
			   !t_check_range(in, 192 * 1024, 64 * 1024, SEED,
					  192 * 1024)) {
			fprintf(stderr, "same inode disjoint %s: ret %zd\n",
				mname((enum zc_method)m), r);
			t_failures++;
		}
		/* [128K, 192K) must now equal [0, 64K) */
		{
			unsigned char a[4096], b[4096];
			int same = 1;
			for (uint64_t o = 0; o < n; o += sizeof(a)) {
				if (pread(in, a, sizeof(a), (off_t)o) != 4096 ||
				    pread(in, b, sizeof(b),
					  (off_t)(128 * 1024 + o)) != 4096 ||
				    memcmp(a, b, sizeof(a)) != 0)
					same = 0;
			}
			if (r >= 0)
				CHECK(same);
		}
		close(in);
		close(out);

		/* [0, 64K) -> [32K, 96K): overlapping, a clean error */
		if (t_create_file(p, size, SEED) < 0)
			t_fatal("create %s", p);
		in = open(p, O_RDONLY | O_CLOEXEC);
		out = open(p, O_WRONLY | O_CLOEXEC);
		lseek(out, 32 * 1024, SEEK_SET);
		off = 0;
		r = zc_transfer(out, in, &off, n, (enum zc_method)m, &st);
		if (r >= 0 || st.bytes != 0 || off != 0 ||
		    t_fsize(in) != (long long)size ||
		    !t_check_file(in, size, SEED)) {
			fprintf(stderr,
				"same inode overlapping %s: ret %zd, bytes "
				"%llu, size %lld, %s\n",
				mname((enum zc_method)m), r,
				(unsigned long long)st.bytes, t_fsize(in),
				t_check_file(in, size, SEED) ? "file intact"
							     : "FILE CHANGED");
			t_failures++;
		}
		close(in);
		close(out);
	}
}

/* Read a whole pseudo file with plain reads. */
static size_t plain_read(const char *path, unsigned char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t r;

	if (fd < 0)
		return 0;
	while (len < cap && (r = read(fd, buf + len, cap - len)) > 0)
		len += (size_t)r;
	close(fd);
	return len;
}

/* Pseudo files with st_size 0: AUTO to a file and to a socket. */
static void test_pseudo(void)
{
	static const char *const paths[] = {
	    "/proc/self/cmdline",
	    "/proc/self/status",
	    "/sys/kernel/mm/transparent_hugepage/enabled",
	    "/proc/sys/kernel/ostype",
	};
	static unsigned char want[1 << 16];

	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		for (int to_sock = 0; to_sock < 2; to_sock++) {
			int in = open(paths[i], O_RDONLY | O_CLOEXEC);
			struct t_sink sink = {0};
			struct zc_stats st;
			unsigned char *got;
			size_t got_len, want_len;
			int out, sv[2];
			ssize_t r;

			if (in < 0) {
				printf("note: %s: %s\n", paths[i],
				       strerror(errno));
				continue;
			}
			if (to_sock) {
				if (socketpair(AF_UNIX,
					       SOCK_STREAM | SOCK_CLOEXEC, 0,
					       sv) < 0)
					t_fatal("socketpair");
				out = sv[0];
				sink.fd = sv[1];
				t_sink_start(&sink);
			} else {
				out = t_open_dst("pseudo.out");
			}
			r = zc_transfer(out, in, NULL, ZC_TO_EOF, ZC_AUTO, &st);
			want_len = plain_read(paths[i], want, sizeof(want));
			if (to_sock) {
				close(out);
				t_sink_join(&sink);
				close(sink.fd);
				got = sink.buf;
				got_len = sink.len;
			} else {
				got = t_slurp(out, &got_len);
				close(out);
			}
			close(in);
			if (r <= 0 || (size_t)r != got_len || want_len == 0) {
				fprintf(stderr, "%s -> %s: ret %zd, got %zu\n",
					paths[i], to_sock ? "socket" : "file",
					r, got_len);
				t_failures++;
			} else if (strstr(paths[i], "status")) {
				/* Counters change between reads: check the
				 * stable head and our own pid line. */
				char pid[32];
				int n = snprintf(pid, sizeof(pid),
						 "\nPid:\t%d\n", (int)getpid());
				CHECK(got_len > 6 &&
				      memcmp(got, "Name:\t", 6) == 0);
				CHECK(memmem(got, got_len, pid, (size_t)n) !=
				      NULL);
			} else if (got_len != want_len ||
				   memcmp(got, want, got_len) != 0) {
				fprintf(stderr, "%s -> %s: content differs\n",
					paths[i], to_sock ? "socket" : "file");
				t_failures++;
			}
			free(got);
		}
	}
}

/* /dev/zero -> file with a count; file -> /dev/null. */
static void test_devices(void)
{
	const uint64_t n = 1024 * 1024 + 7;
	int zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int in = t_open_src("dev.in", n, SEED);

	if (zero < 0 || null < 0)
		t_fatal("open /dev/zero or /dev/null");
	for (int m = 0; m < ZC_METHOD_COUNT; m++) {
		int out = t_open_dst("dev.out");
		struct zc_stats st;
		ssize_t r;

		r = zc_transfer(out, zero, NULL, n, (enum zc_method)m, &st);
		if (r >= 0) {
			size_t len;
			unsigned char *buf = t_slurp(out, &len);
			int ok = r == (ssize_t)n && len == n;

			for (size_t i = 0; ok && i < len; i++)
				ok = buf[i] == 0;
			if (!ok) {
				fprintf(stderr,
					"/dev/zero -> file %s: ret %zd "
					"len %zu\n",
					mname((enum zc_method)m), r, len);
				t_failures++;
			}
			free(buf);
		} else {
			if (m == ZC_AUTO || m == ZC_READ_WRITE) {
				fprintf(stderr, "/dev/zero -> file %s: %s\n",
					mname((enum zc_method)m),
					strerror((int)-r));
				t_failures++;
			}
			expect_clean_failure("/dev/zero", (enum zc_method)m, r,
					     &st, out, 0, -1, 0);
		}
		close(out);

		lseek(in, 0, SEEK_SET);
		r = zc_transfer(null, in, NULL, ZC_TO_EOF, (enum zc_method)m,
				&st);
		if (r >= 0) {
			if (r != (ssize_t)n || t_fpos(in) != (long long)n ||
			    st.bytes != n) {
				fprintf(stderr,
					"file -> /dev/null %s: ret %zd\n",
					mname((enum zc_method)m), r);
				t_failures++;
			}
		} else {
			if (m == ZC_AUTO || m == ZC_READ_WRITE ||
			    m == ZC_MMAP_WRITE || m == ZC_SENDFILE ||
			    m == ZC_SPLICE) {
				fprintf(stderr, "file -> /dev/null %s: %s\n",
					mname((enum zc_method)m),
					strerror((int)-r));
				t_failures++;
			}
			CHECK_EQ(st.bytes, 0);
			CHECK_EQ(t_fpos(in), 0);
		}
	}
	close(in);
	close(zero);
	close(null);
}

/* ext4 ($ZC_TMP) <-> tmpfs (/dev/shm), both ways. */
static void test_cross_fs(void)
{
	const uint64_t n = 3 * 1024 * 1024 + 11;
	char shm[128];
	struct stat a, b;

	snprintf(shm, sizeof(shm), "/dev/shm/zcio-edge-%d", (int)getpid());
	if (stat(t_tmpdir(), &a) < 0 || stat("/dev/shm", &b) < 0) {
		printf("note: no /dev/shm, cross-fs part skipped\n");
		return;
	}
	if (a.st_dev == b.st_dev)
		printf("note: $ZC_TMP and /dev/shm share a filesystem\n");
	for (int dir = 0; dir < 2; dir++) {
		const char *src = dir ? shm : t_path("xfs.src");
		const char *dst = dir ? t_path("xfs.dst") : shm;
		static const enum zc_method ms[] = {ZC_AUTO,
						    ZC_COPY_FILE_RANGE};

		if (t_create_file(src, n, SEED) < 0)
			t_fatal("create %s", src);
		for (int k = 0; k < 2; k++) {
			int in = open(src, O_RDONLY | O_CLOEXEC);
			int out = open(
			    dst, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			struct zc_stats st;
			ssize_t r;

			r = zc_transfer(out, in, NULL, ZC_TO_EOF, ms[k], &st);
			if (r >= 0) {
				if (r != (ssize_t)n ||
				    !t_check_file(out, n, SEED) ||
				    t_fpos(in) != (long long)n) {
					fprintf(stderr,
						"%s -> %s %s: ret %zd\n", src,
						dst, mname(ms[k]), r);
					t_failures++;
				}
			} else {
				if (ms[k] == ZC_AUTO)
					t_failures++;
				printf("note: %s -> %s %s: %s\n", src, dst,
				       mname(ms[k]), strerror((int)-r));
				expect_clean_failure("cross-fs", ms[k], r, &st,
						     out, 0, in, 0);
			}
			close(in);
			close(out);
		}
		unlink(shm);
	}
}

/* A sparse source beyond 4 GiB: data at 0, 2 GiB + 1 and 4.5 GiB. */
static void test_sparse(void)
{
	const uint64_t G = 1ULL << 30, chunk = 64 * 1024;
	const uint64_t at[] = {0, 2 * G + 1, 4 * G + G / 2};
	const uint64_t size = 4 * G + G / 2 + chunk;
	const char *sp = t_path("sparse.in");
	struct zc_options o = {.method = ZC_AUTO, .flags = ZC_F_SPARSE};
	struct zc_stats st;
	struct stat sst;
	unsigned char *buf = malloc(chunk);
	int in, out;
	ssize_t r;

	in = open(sp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (in < 0 || !buf || ftruncate(in, (off_t)size) < 0)
		t_fatal("sparse source: %s", strerror(errno));
	for (int i = 0; i < 3; i++) {
		t_fill(buf, chunk, SEED, at[i]);
		if (pwrite(in, buf, chunk, (off_t)at[i]) != (ssize_t)chunk)
			t_fatal("pwrite sparse: %s", strerror(errno));
	}
	out = t_open_dst("sparse.out");
	r = zc_transfer_opts(out, in, NULL, ZC_TO_EOF, &o, &st);
	CHECK_EQ(r, size);
	CHECK_EQ(t_fsize(out), size);
	CHECK_EQ(t_fpos(in), size);
	for (int i = 0; i < 3; i++)
		CHECK(t_check_range(out, at[i], chunk, SEED, at[i]));
	/* holes read as zeros and stay holes */
	{
		const uint64_t probe[] = {chunk + 5, G, 3 * G,
					  size - chunk - 1};
		for (int i = 0; i < 4; i++) {
			unsigned char c = 1;
			CHECK(pread(out, &c, 1, (off_t)probe[i]) == 1 &&
			      c == 0);
		}
	}
	fstat(out, &sst);
	if ((uint64_t)sst.st_blocks * 512 > 16 * 1024 * 1024) {
		fprintf(stderr, "sparse: output uses %llu bytes on disk\n",
			(unsigned long long)sst.st_blocks * 512);
		t_failures++;
	}
	free(buf);
	close(out);
	close(in);
	unlink(t_path("sparse.out"));
	unlink(sp);
}

/* Bad arguments: an error, never a crash, nothing moved. */
static void test_bad_args(void)
{
	const uint64_t size = 10000;
	int in = t_open_src("bad.in", size, SEED);
	int out = t_open_dst("bad.out");
	int ro = open(t_path("bad.out"), O_RDONLY | O_CLOEXEC);
	int wo = open(t_path("bad.in"), O_WRONLY | O_CLOEXEC);
	int dir = open(t_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct zc_stats st;
	int p[2];
	off_t off;

	if (pipe2(p, O_CLOEXEC) < 0 || ro < 0 || wo < 0 || dir < 0)
		t_fatal("fixtures: %s", strerror(errno));
	for (int m = 0; m < ZC_METHOD_COUNT; m++) {
		enum zc_method e = (enum zc_method)m;

		CHECK_EQ(zc_transfer(-1, in, NULL, 10, e, &st), -EBADF);
		CHECK_EQ(zc_transfer(out, -1, NULL, 10, e, &st), -EBADF);
		CHECK_EQ(zc_transfer(out, 1000, NULL, 10, e, &st), -EBADF);
		CHECK(zc_transfer(ro, in, NULL, 10, e, &st) < 0);
		CHECK(zc_transfer(out, wo, NULL, 10, e, &st) < 0);
		CHECK(zc_transfer(out, dir, NULL, 10, e, &st) < 0);
		CHECK_EQ(t_fpos(in), 0);
		CHECK_EQ(t_fsize(out), 0);
		off = -1;
		CHECK_EQ(zc_transfer(out, in, &off, 10, e, &st), -EINVAL);
		off = 0;
		CHECK_EQ(zc_transfer(out, p[0], &off, 10, e, &st), -ESPIPE);
		/* count 0: 0 (or the method's refusal of the pair) */
		{
			ssize_t r = zc_transfer(out, in, NULL, 0, e, &st);
			if (r != 0 &&
			    (file_pair_must_work(e) || r != -EINVAL)) {
				fprintf(stderr, "count 0 %s: %zd\n", mname(e),
					r);
				t_failures++;
			}
			CHECK_EQ(st.bytes, 0);
		}
		/* far past EOF: nothing to read */
		off = (off_t)1 << 40;
		if (zc_transfer(out, in, &off, ZC_TO_EOF, e, &st) > 0)
			t_failures++;
		CHECK_EQ(off, (off_t)1 << 40);
		/* at the largest offset: 0 or an error, never a wrap */
		off = INT64_MAX - 10;
		if (zc_transfer(out, in, &off, ZC_TO_EOF, e, &st) > 0)
			t_failures++;
		CHECK_EQ(t_fsize(out), 0);
	}
	CHECK_EQ(zc_transfer(out, in, NULL, 10, (enum zc_method)ZC_METHOD_COUNT,
			     &st),
		 -EINVAL);
	CHECK_EQ(zc_transfer(out, in, NULL, 10, (enum zc_method) - 1, NULL),
		 -EINVAL);
	CHECK_EQ(zc_method_from_name("bogus"), -EINVAL);
	CHECK_EQ(zc_method_from_name(NULL), -EINVAL);
	CHECK(strcmp(zc_method_name((enum zc_method)99), "unknown") == 0);
	/* NULL options and stats: plain AUTO */
	CHECK_EQ(zc_transfer_opts(out, in, NULL, ZC_TO_EOF, NULL, NULL), size);
	CHECK(t_check_file(out, size, SEED));
	close(p[0]);
	close(p[1]);
	close(in);
	close(out);
	close(ro);
	close(wo);
	close(dir);
}

/* More than one call's worth (0x7ffff000) in one transfer: a sparse tmpfs
 * file (holes splice as the zero page, so this is quick) to /dev/null. */
static void test_big(void)
{
	const uint64_t size = (2ULL << 30) + (1 << 20);
	static const enum zc_method ms[] = {ZC_SENDFILE, ZC_SPLICE};
	char path[128];
	int in, null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	snprintf(path, sizeof(path), "/dev/shm/zcio-big-%d", (int)getpid());
	in = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (in < 0 || null < 0 || ftruncate(in, (off_t)size) < 0) {
		printf("note: no sparse tmpfs file (%s), big part skipped\n",
		       strerror(errno));
		if (in >= 0)
			close(in);
		unlink(path);
		return;
	}
	for (unsigned i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		struct zc_stats st;
		uint64_t t0 = t_now_ns();
		ssize_t r;

		lseek(in, 0, SEEK_SET);
		r = zc_transfer(null, in, NULL, ZC_TO_EOF, ms[i], &st);
		printf("%s 2 GiB + 1 MiB to /dev/null: %zd bytes, %llu calls, "
		       "%llu ms\n",
		       mname(ms[i]), r, (unsigned long long)st.syscalls,
		       (unsigned long long)(t_now_ns() - t0) / 1000000);
		CHECK_EQ(r, size);
		CHECK_EQ(st.bytes, size);
		CHECK_EQ(t_fpos(in), size);
	}
	/* every method across the 4 GiB mark: 100 KiB of data at 4 GiB,
	 * read from 100 bytes before it (offsets past 32 bits) */
	{
		const uint64_t at = 4ULL << 30, n = 100 * 1024;
		unsigned char *buf = malloc(n), *got;

		if (!buf || ftruncate(in, (off_t)(at + n)) < 0)
			t_fatal("grow sparse file");
		t_fill(buf, n, SEED, at);
		if (pwrite(in, buf, n, (off_t)at) != (ssize_t)n)
			t_fatal("pwrite at 4 GiB: %s", strerror(errno));
		free(buf);
		for (int m = 0; m < ZC_METHOD_COUNT; m++) {
			int out = t_open_dst("big.out");
			off_t off = (off_t)at - 100;
			struct zc_stats st;
			size_t len;
			ssize_t r;

			r = zc_transfer(out, in, &off, ZC_TO_EOF,
					(enum zc_method)m, &st);
			got = t_slurp(out, &len);
			/* tmpfs -> ext4: copy_file_range may say EXDEV */
			if (r < 0 &&
			    (!file_pair_must_work((enum zc_method)m) ||
			     (m == ZC_COPY_FILE_RANGE && r == -EXDEV))) {
				CHECK_EQ(len, 0);
			} else if (r != (ssize_t)(n + 100) || len != n + 100 ||
				   off != (off_t)(at + n) ||
				   !t_check_buf(got + 100, n, SEED, at) ||
				   memcmp(got, (unsigned char[100]){0}, 100)) {
				fprintf(stderr, "past 4 GiB %s: ret %zd\n",
					mname((enum zc_method)m), r);
				t_failures++;
			}
			free(got);
			close(out);
		}
	}
	close(in);
	close(null);
	unlink(path);
}

/* ZC_F_SPARSE on a small scale: holes inside a range, a count ending in
 * a hole, a start inside a hole, a trailing hole, and an output that
 * already holds other bytes (the holes must read back as zeros, not as
 * what was there before). */
static void test_sparse_small(void)
{
	const uint64_t blk = 64 * 1024, size = 16 * blk;
	const char *sp = t_path("ss.in");
	unsigned char *buf = malloc(blk), *want = calloc(1, size);
	int in = open(sp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (in < 0 || !buf || !want || ftruncate(in, (off_t)size) < 0)
		t_fatal("sparse source: %s", strerror(errno));
	/* data in blocks 2, 3 and 9; holes elsewhere, trailing hole */
	for (uint64_t b = 0; b < 16; b++) {
		if (b != 2 && b != 3 && b != 9)
			continue;
		t_fill(buf, blk, SEED, b * blk);
		memcpy(want + b * blk, buf, blk);
		if (pwrite(in, buf, blk, (off_t)(b * blk)) != (ssize_t)blk)
			t_fatal("pwrite: %s", strerror(errno));
	}
	static const struct {
		uint64_t from, count;
		int dirty;
	} cases[] = {
	    {0, ZC_TO_EOF, 0},	       {0, ZC_TO_EOF, 1},
	    {blk / 2, 5 * blk, 0},     {blk / 2, 5 * blk, 1},
	    {3 * blk + 7, 9 * blk, 1}, {10 * blk, ZC_TO_EOF, 1},
	};
	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (int m = 0; m < ZC_METHOD_COUNT; m++) {
			struct zc_options o = {.method = (enum zc_method)m,
					       .flags = ZC_F_SPARSE};
			uint64_t n = cases[c].count == ZC_TO_EOF
					 ? size - cases[c].from
					 : cases[c].count;
			struct zc_stats st;
			off_t off = (off_t)cases[c].from;
			int out;
			ssize_t r;

			if (!file_pair_must_work((enum zc_method)m))
				continue;
			if (cases[c].dirty) {
				/* an existing file full of other bytes */
				if (t_create_file(t_path("ss.out"), size + 3,
						  SEED + 2) < 0)
					t_fatal("create");
				out =
				    open(t_path("ss.out"), O_RDWR | O_CLOEXEC);
			} else {
				out = t_open_dst("ss.out");
			}
			r = zc_transfer_opts(out, in, &off, cases[c].count, &o,
					     &st);
			size_t len;
			unsigned char *got = t_slurp(out, &len);
			int ok = r == (ssize_t)n &&
				 off == (off_t)(cases[c].from + n) &&
				 len >= n && t_fpos(out) == (long long)n &&
				 memcmp(got, want + cases[c].from, n) == 0;

			/* a fresh output ends exactly where the copy did */
			if (!cases[c].dirty && len != n)
				ok = 0;
			if (!ok) {
				size_t bad = 0;
				while (bad < n && bad < len &&
				       got[bad] == want[cases[c].from + bad])
					bad++;
				fprintf(stderr,
					"sparse %s from %llu count %llu%s: ret "
					"%zd, output %zu bytes, first wrong "
					"byte at %zu\n",
					mname((enum zc_method)m),
					(unsigned long long)cases[c].from,
					(unsigned long long)n,
					cases[c].dirty ? " into a used file"
						       : "",
					r, len, bad);
				t_failures++;
			}
			free(got);
			close(out);
		}
	}
	free(buf);
	free(want);
	close(in);
}

/* One descriptor as both input and output (O_RDWR): with the input at
 * *in_off and the output at the shared file position. */
static void test_same_fd(void)
{
	const uint64_t size = 256 * 1024, n = 64 * 1024;
	const char *p = t_path("samefd");

	for (int m = 0; m < ZC_METHOD_COUNT; m++) {
		struct zc_stats st;
		off_t off = 0;
		ssize_t r;
		int fd;

		if (!file_pair_must_work((enum zc_method)m))
			continue;
		if (t_create_file(p, size, SEED) < 0)
			t_fatal("create %s", p);
		fd = open(p, O_RDWR | O_CLOEXEC);
		/* the position is both ends': a NULL in_off overlaps */
		r = zc_transfer(fd, fd, NULL, n, (enum zc_method)m, &st);
		if (r >= 0 || !t_check_file(fd, size, SEED) ||
		    t_fpos(fd) != 0) {
			fprintf(stderr, "same fd, same position %s: ret %zd\n",
				mname((enum zc_method)m), r);
			t_failures++;
		}
		/* [0, 64K) -> [192K, 256K) */
		lseek(fd, 192 * 1024, SEEK_SET);
		r = zc_transfer(fd, fd, &off, n, (enum zc_method)m, &st);
		if (r != (ssize_t)n || off != (off_t)n ||
		    t_fpos(fd) != (long long)size ||
		    t_fsize(fd) != (long long)size ||
		    !t_check_range(fd, 0, 192 * 1024, SEED, 0) ||
		    !t_check_range(fd, 192 * 1024, n, SEED, 0)) {
			fprintf(stderr, "same fd, disjoint %s: ret %zd\n",
				mname((enum zc_method)m), r);
			t_failures++;
		}
		close(fd);
	}
}

static int loop_fd = -1;

static void loop_detach(void)
{
	if (loop_fd >= 0) {
		ioctl(loop_fd, LOOP_CLR_FD, 0);
		close(loop_fd);
		loop_fd = -1;
	}
}

/* A block device source (a loop device over a file; root only): every
 * method serves it or refuses before moving a byte. */
static void test_blockdev(void)
{
	const uint64_t n = 4 << 20;
	char dev[64];
	int ctl, back, in, num;

	if (!t_is_root()) {
		printf("note: not root, block device part skipped\n");
		return;
	}
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	num = ctl >= 0 ? ioctl(ctl, LOOP_CTL_GET_FREE) : -1;
	if (ctl >= 0)
		close(ctl);
	if (num < 0) {
		printf("note: no free loop device, block device part "
		       "skipped\n");
		return;
	}
	snprintf(dev, sizeof(dev), "/dev/loop%d", num);
	/* writable backing file: a read-only one makes a read-only device */
	close(t_open_src("blk.img", n, SEED));
	back = open(t_path("blk.img"), O_RDWR | O_CLOEXEC);
	loop_fd = open(dev, O_RDWR | O_CLOEXEC);
	if (loop_fd < 0 || ioctl(loop_fd, LOOP_SET_FD, back) < 0) {
		printf("note: %s: %s, block device part skipped\n", dev,
		       strerror(errno));
		if (loop_fd >= 0)
			close(loop_fd);
		loop_fd = -1;
		close(back);
		return;
	}
	atexit(loop_detach);
	close(back);
	in = open(dev, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		t_fatal("open %s: %s", dev, strerror(errno));
	for (int m = 0; m < ZC_METHOD_COUNT; m++) {
		int out = t_open_dst("blk.out");
		struct zc_stats st;
		off_t off = 4096;
		ssize_t r;

		r = zc_transfer(out, in, &off, ZC_TO_EOF, (enum zc_method)m,
				&st);
		if (r >= 0) {
			size_t len;
			unsigned char *b = t_slurp(out, &len);

			if (r != (ssize_t)(n - 4096) || len != n - 4096 ||
			    off != (off_t)n ||
			    !t_check_buf(b, len, SEED, 4096)) {
				fprintf(stderr, "block device %s: ret %zd\n",
					mname((enum zc_method)m), r);
				t_failures++;
			}
			free(b);
		} else {
			if (m == ZC_AUTO || m == ZC_READ_WRITE ||
			    m == ZC_SENDFILE || m == ZC_SPLICE) {
				fprintf(stderr, "block device %s: %s\n",
					mname((enum zc_method)m),
					strerror((int)-r));
				t_failures++;
			}
			CHECK_EQ(st.bytes, 0);
			CHECK_EQ(off, 4096);
			CHECK_EQ(t_fsize(out), 0);
		}
		close(out);
	}
	close(in);

	/* ZC_F_SPARSE into the device: a device keeps no holes, so what it
	 * held where the source has holes must read back as zeros */
	{
		struct zc_options o = {.method = ZC_AUTO, .flags = ZC_F_SPARSE};
		unsigned char *buf = malloc(n);
		int sp = open(t_path("blk.sparse"),
			      O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		struct zc_stats st;
		ssize_t r;
		int ok;

		if (!buf || sp < 0 || ftruncate(sp, (off_t)n) < 0)
			t_fatal("sparse source");
		t_fill(buf, 65536, SEED + 3, 0);
		if (pwrite(sp, buf, 65536, 1 << 20) != 65536)
			t_fatal("pwrite");
		lseek(loop_fd, 0, SEEK_SET);
		r = zc_transfer_opts(loop_fd, sp, &(off_t){0}, ZC_TO_EOF, &o,
				     &st);
		ok = r == (ssize_t)n && pread(loop_fd, buf, n, 0) == (ssize_t)n;
		for (uint64_t i = 0; ok && i < n; i++)
			if (i < 1 << 20 || i >= (1 << 20) + 65536)
				ok = buf[i] == 0;
		ok = ok && t_check_buf(buf + (1 << 20), 65536, SEED + 3, 0);
		if (!ok) {
			fprintf(stderr,
				"sparse into a block device: ret %zd, "
				"holes or data wrong\n",
				r);
			t_failures++;
		}
		free(buf);
		close(sp);
	}
	loop_detach();
}

int main(void)
{
	test_blockdev();
	test_same_fd();
	test_sparse_small();
	test_bad_args();
	test_big();
	test_offsets();
	test_eof();
	test_append();
	test_same_inode();
	test_pseudo();
	test_devices();
	test_cross_fs();
	test_sparse();
	return t_result();
}
