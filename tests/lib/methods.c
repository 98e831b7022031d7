/* SPDX-License-Identifier: MIT */
/*
 * Description: every method of the library core (read-write, mmap,
 * sendfile, splice, copy-file-range, direct, and AUTO) over every kind of
 * descriptor pair: regular file, pipe, FIFO, TCP socket, unix stream
 * socket, /dev/null as output and /dev/zero as input, at sizes 0, 1, 4095,
 * 4096, 4097 and 1 MiB + 1, with explicit and implicit input offsets,
 * blocking and non-blocking descriptors, counts exact / to EOF / past EOF.
 * A pair a method cannot serve must fail without moving a byte: the test
 * then finishes with read-write and checks that the output got every byte
 * exactly once. Stream ends are served by threads; every byte is compared.
 * Then: O_APPEND through AUTO, SIGPIPE, ZC_F_NO_WAIT, ZC_F_SPARSE, same-file
 * overlap, procfs inputs, progress cancel, method table and checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "zcio.h"

enum kind { K_FILE, K_PIPE, K_FIFO, K_TCP, K_UNIX, K_DEV, K_COUNT };
static const char *const kind_names[K_COUNT] = {"file", "pipe", "fifo",
						"tcp",	"unix", "dev"};

static const enum zc_method methods[] = {
    ZC_AUTO,   ZC_READ_WRITE,	   ZC_MMAP_WRITE, ZC_SENDFILE,
    ZC_SPLICE, ZC_COPY_FILE_RANGE, ZC_DIRECT_IO,
};
static const size_t sizes[] = {0, 1, 4095, 4096, 4097, (1u << 20) + 1};

#define IN_SKIP	 123 /* file inputs start here */
#define OUT_SKIP 77  /* file outputs already hold this many bytes */
#define SEED	 0x5eed

static int case_no;

/* ---- stream peers ------------------------------------------------------ */

struct peer {
	pthread_t th;
	int fd;
	const unsigned char *data; /* writer: what to send */
	size_t len;
	unsigned char *got; /* reader: what arrived */
	size_t got_len, cap;
};

static void *writer(void *arg)
{
	struct peer *p = arg;

	for (size_t off = 0; off < p->len;) {
		ssize_t w = write(p->fd, p->data + off, p->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* the transfer failed; main reports it */
		off += (size_t)w;
	}
	close(p->fd);
	return NULL;
}

static void *reader(void *arg)
{
	struct peer *p = arg;

	for (;;) {
		ssize_t r;

		if (p->got_len == p->cap) {
			p->cap = p->cap ? 2 * p->cap : 65536;
			p->got = realloc(p->got, p->cap);
			if (!p->got)
				t_fatal("out of memory");
		}
		r = read(p->fd, p->got + p->got_len, p->cap - p->got_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		p->got_len += (size_t)r;
	}
	close(p->fd);
	return NULL;
}

/* A connected pair of `kind`: *mine is the side the transfer uses. */
static void stream_pair(enum kind k, bool mine_reads, int *mine, int *theirs)
{
	int fds[2] = {-1, -1};
	char path[512];

	switch (k) {
	case K_PIPE:
		if (pipe2(fds, O_CLOEXEC) < 0)
			t_fatal("pipe2: %s", strerror(errno));
		*mine = mine_reads ? fds[0] : fds[1];
		*theirs = mine_reads ? fds[1] : fds[0];
		return;
	case K_FIFO:
		snprintf(path, sizeof(path), "%s/fifo.%d", t_tmpdir(), case_no);
		if (mkfifo(path, 0600) < 0)
			t_fatal("mkfifo: %s", strerror(errno));
		fds[0] = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		fds[1] = open(path, O_WRONLY | O_CLOEXEC);
		unlink(path);
		if (fds[0] < 0 || fds[1] < 0)
			t_fatal("open fifo: %s", strerror(errno));
		fcntl(fds[0], F_SETFL, 0);
		*mine = mine_reads ? fds[0] : fds[1];
		*theirs = mine_reads ? fds[1] : fds[0];
		return;
	case K_TCP:
		if (t_tcp_pair(fds) < 0)
			t_fatal("tcp pair failed");
		break;
	case K_UNIX:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
			t_fatal("socketpair: %s", strerror(errno));
		break;
	default:
		t_fatal("not a stream kind");
	}
	*mine = fds[0];
	*theirs = fds[1];
}

static bool is_stream(enum kind k)
{
	return k != K_FILE && k != K_DEV;
}

/* ---- the expectations -------------------------------------------------- */

static bool serves(enum zc_method m, enum kind in, enum kind out)
{
	switch (m) {
	case ZC_MMAP_WRITE:
	case ZC_DIRECT_IO:
	case ZC_SENDFILE:
		return in == K_FILE;
	case ZC_COPY_FILE_RANGE:
		return in == K_FILE && out == K_FILE;
	default:
		return true;
	}
}

static enum zc_method auto_choice(enum kind in, enum kind out)
{
	if (in == K_FILE && out == K_FILE)
		return ZC_COPY_FILE_RANGE;
	if (in == K_FILE && (out == K_TCP || out == K_UNIX))
		return ZC_SENDFILE;
	if (is_stream(in))
		return ZC_SPLICE;
	if (in == K_FILE && (out == K_PIPE || out == K_FIFO))
		return ZC_SPLICE;
	return ZC_READ_WRITE;
}

static uint64_t copies(enum zc_method m, uint64_t n)
{
	if (m == ZC_READ_WRITE)
		return 2 * n;
	if (m == ZC_MMAP_WRITE || m == ZC_DIRECT_IO)
		return n;
	return 0;
}

/* ---- one case ---------------------------------------------------------- */

struct side {
	int fd;
	struct peer peer;
	bool threaded;
};

static void open_in(struct side *s, enum kind k, const unsigned char *data,
		    size_t size, bool nonblock)
{
	char path[512];

	memset(s, 0, sizeof(*s));
	if (k == K_FILE) {
		snprintf(path, sizeof(path), "%s/in.%d", t_tmpdir(), case_no);
		if (t_create_file(path, IN_SKIP + size, SEED) < 0)
			t_fatal("create %s", path);
		s->fd = open(path, O_RDONLY | O_CLOEXEC);
		unlink(path);
	} else if (k == K_DEV) {
		s->fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	} else {
		stream_pair(k, true, &s->fd, &s->peer.fd);
		s->peer.data = data;
		s->peer.len = size;
		if (pthread_create(&s->peer.th, NULL, writer, &s->peer))
			t_fatal("pthread_create");
		s->threaded = true;
	}
	if (s->fd < 0)
		t_fatal("open input: %s", strerror(errno));
	if (nonblock && is_stream(k))
		fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
}

static void open_out(struct side *s, enum kind k, bool nonblock)
{
	char path[512];
	unsigned char pre[OUT_SKIP];

	memset(s, 0, sizeof(*s));
	if (k == K_FILE) {
		snprintf(path, sizeof(path), "%s/out.%d", t_tmpdir(), case_no);
		s->fd =
		    open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		unlink(path);
		memset(pre, 0xee, sizeof(pre));
		if (s->fd < 0 || write(s->fd, pre, sizeof(pre)) != OUT_SKIP)
			t_fatal("output file: %s", strerror(errno));
	} else if (k == K_DEV) {
		s->fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	} else {
		stream_pair(k, false, &s->fd, &s->peer.fd);
		if (pthread_create(&s->peer.th, NULL, reader, &s->peer))
			t_fatal("pthread_create");
		s->threaded = true;
	}
	if (s->fd < 0)
		t_fatal("open output: %s", strerror(errno));
	if (nonblock && is_stream(k))
		fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
}

/* What reached the output: the file's bytes after OUT_SKIP, or the
 * reader's. The caller frees. */
static unsigned char *collect(struct side *out, enum kind k, size_t *len)
{
	unsigned char *buf;
	struct stat st;

	if (k == K_FILE) {
		fstat(out->fd, &st);
		*len =
		    st.st_size > OUT_SKIP ? (size_t)st.st_size - OUT_SKIP : 0;
		buf = malloc(*len + 1);
		if (!buf ||
		    pread(out->fd, buf, *len, OUT_SKIP) != (ssize_t)*len)
			t_fatal("read back output");
		close(out->fd);
		return buf;
	}
	close(out->fd);
	if (out->threaded) {
		pthread_join(out->peer.th, NULL);
		*len = out->peer.got_len;
		return out->peer.got;
	}
	*len = 0;
	return NULL;
}

#define FAILF(...)                                                             \
	do {                                                                   \
		fprintf(stderr, "case %d %s %s->%s size %zu: ", case_no,       \
			zc_method_name(m), kind_names[ik], kind_names[ok],     \
			size);                                                 \
		fprintf(stderr, __VA_ARGS__);                                  \
		fprintf(stderr, "\n");                                         \
		t_failures++;                                                  \
	} while (0)

static void run_case(enum zc_method m, enum kind ik, enum kind ok, size_t size,
		     unsigned variant)
{
	bool explicit_off = variant & 1, nonblock = variant & 2;
	bool ok_pair = serves(m, ik, ok);
	unsigned char *exp = malloc(size + 1), *got;
	struct side in, out;
	struct zc_stats st;
	off_t off = IN_SKIP, *offp = NULL;
	size_t count = size, got_len;
	ssize_t r;

	case_no++;
	if (!exp)
		t_fatal("out of memory");
	if (ik == K_FILE)
		t_fill(exp, size, SEED, IN_SKIP);
	else if (ik == K_DEV)
		memset(exp, 0, size);
	else
		t_fill(exp, size, SEED, 0);
	/* /dev/zero never ends: always an exact count. */
	if (ik != K_DEV && variant % 3 == 1)
		count = ZC_TO_EOF;
	else if (ik != K_DEV && variant % 3 == 2)
		count = size + 1000;
	open_out(&out, ok, nonblock);
	open_in(&in, ik, exp, size, nonblock);
	if (ik == K_FILE && explicit_off)
		offp = &off;
	else if (ik == K_FILE)
		lseek(in.fd, IN_SKIP, SEEK_SET);

	r = zc_transfer(out.fd, in.fd, offp, count, m, &st);
	if (!ok_pair) {
		if (r >= 0 || st.bytes != 0)
			FAILF("unsupported pair moved data: r=%zd", r);
		if (ik == K_FILE &&
		    (off != IN_SKIP ||
		     lseek(in.fd, 0, SEEK_CUR) != (explicit_off ? 0 : IN_SKIP)))
			FAILF("unsupported pair moved the input position");
		/* Finish with read-write: every byte must still be there. */
		r = zc_transfer(out.fd, in.fd, offp, count, ZC_READ_WRITE, &st);
		m = ZC_READ_WRITE;
	}
	if (r != (ssize_t)size)
		FAILF("returned %zd (%s)", r, r < 0 ? strerror((int)-r) : "");
	CHECK_EQ(st.bytes, r < 0 ? st.bytes : (uint64_t)r);
	if (m == ZC_AUTO && st.method != auto_choice(ik, ok))
		FAILF("AUTO used %s", zc_method_name(st.method));
	if (m != ZC_AUTO && r > 0 && st.method != m)
		FAILF("stats.method %s", zc_method_name(st.method));
	if (r >= 0 && st.user_copy_bytes !=
			  copies(m == ZC_AUTO ? st.method : m, (uint64_t)r))
		FAILF("user_copy_bytes %llu",
		      (unsigned long long)st.user_copy_bytes);
	if (r > 0 && st.syscalls == 0)
		FAILF("no system calls counted");
	if (ik == K_FILE && explicit_off) {
		if (off != IN_SKIP + (off_t)size ||
		    lseek(in.fd, 0, SEEK_CUR) != 0)
			FAILF("explicit offset %lld, fd position %lld",
			      (long long)off,
			      (long long)lseek(in.fd, 0, SEEK_CUR));
	} else if (ik == K_FILE &&
		   lseek(in.fd, 0, SEEK_CUR) != IN_SKIP + (off_t)size) {
		FAILF("input position %lld",
		      (long long)lseek(in.fd, 0, SEEK_CUR));
	}
	if (ok == K_FILE &&
	    lseek(out.fd, 0, SEEK_CUR) != OUT_SKIP + (off_t)size)
		FAILF("output position %lld",
		      (long long)lseek(out.fd, 0, SEEK_CUR));

	if (in.threaded) {
		/* The writer closed its end; drop ours (unblocks nothing). */
		close(in.fd);
		pthread_join(in.peer.th, NULL);
	} else {
		close(in.fd);
	}
	got = collect(&out, ok, &got_len);
	if (ok != K_DEV && (got_len != size || memcmp(got, exp, size) != 0))
		FAILF("output differs (%zu bytes arrived)", got_len);
	free(got);
	free(exp);
}

static void matrix(void)
{
	unsigned variant = 0;

	for (size_t mi = 0; mi < sizeof(methods) / sizeof(methods[0]); mi++)
		for (int ik = 0; ik < K_COUNT; ik++)
			for (int ok = 0; ok < K_COUNT; ok++)
				for (size_t si = 0;
				     si < sizeof(sizes) / sizeof(sizes[0]);
				     si++)
					run_case(methods[mi], ik, ok, sizes[si],
						 variant++);
}

/* ---- the special cases ------------------------------------------------- */

static int make_file(const char *name, size_t len, uint64_t seed, int flags)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", t_tmpdir(), name);
	if (t_create_file(path, len, seed) < 0)
		t_fatal("create %s", path);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		t_fatal("open %s: %s", path, strerror(errno));
	unlink(path);
	return fd;
}

/* O_APPEND: kernel methods refuse it, AUTO appends with read-write. */
static void append(void)
{
	static const enum zc_method refuse[] = {ZC_SENDFILE, ZC_SPLICE,
						ZC_COPY_FILE_RANGE};
	int in = make_file("app.in", 10000, 7, O_RDONLY);
	int out = make_file("app.out", 500, 8, O_RDWR | O_APPEND);
	unsigned char *buf = malloc(10500), *want = malloc(10000);
	struct zc_stats st;
	off_t off = 0;
	ssize_t r;

	for (size_t i = 0; i < sizeof(refuse) / sizeof(refuse[0]); i++) {
		r = zc_transfer(out, in, &off, ZC_TO_EOF, refuse[i], &st);
		CHECK(r == -EBADF || r == -EINVAL);
		CHECK_EQ(off, 0);
		CHECK_EQ(zc_method_check(out, in, refuse[i]), -EBADF);
	}
	CHECK(t_check_file(out, 500, 8));
	r = zc_transfer(out, in, NULL, ZC_TO_EOF, ZC_AUTO, &st);
	CHECK_EQ(r, 10000);
	CHECK_EQ(st.method, ZC_READ_WRITE);
	CHECK_EQ(pread(out, buf, 10500, 0), 10500);
	t_fill(want, 10000, 7, 0);
	CHECK(memcmp(buf + 500, want, 10000) == 0);
	CHECK_EQ(lseek(in, 0, SEEK_CUR), 10000);
	free(buf);
	free(want);
	close(in);
	close(out);
}

/* A reader that is gone: -EPIPE from every method, and we are alive. */
static void sigpipe(void)
{
	static const enum zc_method ms[] = {ZC_READ_WRITE, ZC_MMAP_WRITE,
					    ZC_SENDFILE,   ZC_SPLICE,
					    ZC_DIRECT_IO,  ZC_AUTO};
	int in = make_file("pipe.in", 100000, 9, O_RDONLY);
	sigset_t pend;

	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		int p[2], s[2];
		off_t off = 0;
		ssize_t r;

		if (pipe2(p, O_CLOEXEC) < 0 ||
		    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s) < 0)
			t_fatal("pipe: %s", strerror(errno));
		close(p[0]);
		close(s[1]);
		r = zc_transfer(p[1], in, &off, ZC_TO_EOF, ms[i], NULL);
		if (r != -EPIPE)
			fprintf(stderr, "%s to a closed pipe: %zd\n",
				zc_method_name(ms[i]), r);
		CHECK_EQ(r, -EPIPE);
		CHECK_EQ(off, 0);
		r = zc_transfer(s[0], in, &off, ZC_TO_EOF, ms[i], NULL);
		CHECK_EQ(r, -EPIPE);
		close(p[1]);
		close(s[0]);
	}
	sigpending(&pend);
	CHECK(!sigismember(&pend, SIGPIPE));
	close(in);
}

/* ZC_F_NO_WAIT: a full non-blocking socket returns what moved, then
 * -EAGAIN; resuming from the offset loses and repeats nothing. */
static void no_wait(void)
{
	const size_t len = 4u << 20;
	int in = make_file("nw.in", len, 11, O_RDONLY);
	struct zc_options o = {.method = ZC_SENDFILE, .flags = ZC_F_NO_WAIT};
	struct peer rd = {0};
	int s[2], sndbuf = 16384, partial = 0, again = 0;
	off_t off = 0;
	ssize_t r;

	if (t_tcp_pair(s) < 0)
		t_fatal("tcp pair");
	setsockopt(s[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	fcntl(s[0], F_SETFL, O_NONBLOCK);
	/* Nobody reads yet: the socket fills and the call returns. */
	r = zc_transfer_opts(s[0], in, &off, len, &o, NULL);
	CHECK(r > 0 && r < (ssize_t)len);
	CHECK_EQ(off, r > 0 ? r : 0);
	r = zc_transfer_opts(s[0], in, &off, len - (size_t)off, &o, NULL);
	CHECK_EQ(r, -EAGAIN);
	rd.fd = s[1];
	pthread_create(&rd.th, NULL, reader, &rd);
	while ((size_t)off < len) {
		struct pollfd pfd = {.fd = s[0], .events = POLLOUT};

		r = zc_transfer_opts(s[0], in, &off, len - (size_t)off, &o,
				     NULL);
		if (r == -EAGAIN) {
			again++;
			poll(&pfd, 1, 5000);
			continue;
		}
		if (r <= 0)
			break;
		partial++;
	}
	CHECK_EQ(off, len);
	close(s[0]);
	pthread_join(rd.th, NULL);
	CHECK_EQ(rd.got_len, len);
	if (rd.got_len == len) {
		unsigned char *want = malloc(len);

		t_fill(want, len, 11, 0);
		CHECK(memcmp(rd.got, want, len) == 0);
		free(want);
	}
	free(rd.got);
	close(in);
}

/* ZC_F_SPARSE: same bytes, holes kept, size extended at the end. */
static void sparse(void)
{
	char path[512];
	unsigned char *a = malloc(3u << 20), *b = malloc(3u << 20);
	struct zc_options o = {.flags = ZC_F_SPARSE};
	struct stat st;
	int in, out;
	ssize_t r;

	snprintf(path, sizeof(path), "%s/sparse.in", t_tmpdir());
	in = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sparse.out", t_tmpdir());
	out = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	unlink(path);
	t_fill(a, 8192, 12, 0);
	pwrite(in, a, 8192, 0);
	pwrite(in, a, 5000, 1u << 20);
	ftruncate(in, 3u << 20);
	for (int mi = 0; mi < 3; mi++) {
		static const enum zc_method ms[] = {ZC_AUTO, ZC_READ_WRITE,
						    ZC_SPLICE};

		o.method = ms[mi];
		ftruncate(out, 0);
		lseek(out, 0, SEEK_SET);
		lseek(in, 0, SEEK_SET);
		r = zc_transfer_opts(out, in, NULL, ZC_TO_EOF, &o, NULL);
		CHECK_EQ(r, 3u << 20);
		CHECK_EQ(lseek(in, 0, SEEK_CUR), 3u << 20);
		fstat(out, &st);
		CHECK_EQ(st.st_size, 3u << 20);
		/* ext4/xfs/tmpfs allocate ~16 KiB here, not 3 MiB. */
		CHECK(st.st_blocks * 512 < (1 << 20));
		pread(in, a, 3u << 20, 0);
		CHECK_EQ(pread(out, b, 3u << 20, 0), 3u << 20);
		CHECK(memcmp(a, b, 3u << 20) == 0);
	}
	/* Past the end: nothing moves, the output does not grow. */
	o.method = ZC_AUTO;
	r = zc_transfer_opts(out, in, &(off_t){10u << 20}, 1000, &o, NULL);
	CHECK_EQ(r, 0);
	CHECK_EQ(lseek(out, 0, SEEK_END), 3u << 20);
	free(a);
	free(b);
	close(in);
	close(out);
}

/* One inode through two descriptors: overlap is refused, else copied. */
static void same_file(void)
{
	char path[512];
	int a, b;
	off_t off = 0;
	ssize_t r;

	snprintf(path, sizeof(path), "%s/same", t_tmpdir());
	if (t_create_file(path, 8192, 13) < 0)
		t_fatal("create");
	a = open(path, O_RDONLY | O_CLOEXEC);
	b = open(path, O_RDWR | O_CLOEXEC);
	lseek(b, 4096, SEEK_SET);
	r = zc_transfer(b, a, &off, 8192, ZC_AUTO, NULL);
	CHECK_EQ(r, -EINVAL);
	r = zc_transfer(b, a, &off, 8192, ZC_READ_WRITE, NULL);
	CHECK_EQ(r, -EINVAL);
	CHECK_EQ(off, 0);
	lseek(b, 8192, SEEK_SET);
	r = zc_transfer(b, a, &off, 4096, ZC_COPY_FILE_RANGE, NULL);
	CHECK_EQ(r, 4096);
	{
		unsigned char got[4096], want[4096];

		t_fill(want, sizeof(want), 13, 0);
		CHECK_EQ(pread(a, got, sizeof(got), 8192), 4096);
		CHECK(memcmp(got, want, sizeof(want)) == 0);
	}
	/* Appending a file to itself: the input ends at its starting size
	 * instead of chasing its own output. */
	close(b);
	b = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (b < 0)
		t_fatal("reopen: %s", strerror(errno));
	lseek(a, 0, SEEK_SET);
	r = zc_transfer(b, a, NULL, ZC_TO_EOF, ZC_AUTO, NULL);
	CHECK_EQ(r, 12288);
	CHECK_EQ(lseek(a, 0, SEEK_END), 24576);
	close(a);
	close(b);
	unlink(path);
}

/* procfs reports size 0: AUTO gets the real content; copy_file_range
 * explicitly must fail without writing anything. */
static void procfs(void)
{
	char want[4096], got[4096];
	int in = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC), out;
	ssize_t n = read(in, want, sizeof(want)), r;
	off_t off = 0;

	out = make_file("proc.out", 0, 0, O_RDWR);
	r = zc_transfer(out, in, &off, ZC_TO_EOF, ZC_COPY_FILE_RANGE, NULL);
	CHECK(r == -EOPNOTSUPP || r == -EXDEV || r == -EINVAL);
	CHECK_EQ(off, 0);
	CHECK_EQ(lseek(out, 0, SEEK_END), 0);
	r = zc_transfer(out, in, &off, ZC_TO_EOF, ZC_AUTO, NULL);
	CHECK_EQ(r, n);
	CHECK_EQ(pread(out, got, sizeof(got), 0), n);
	CHECK(n > 0 && memcmp(want, got, (size_t)n) == 0);
	close(in);
	close(out);
}

/* ZC_F_COPY_SEMANTICS: no page sharing from a file into a pipe/socket. */
static void copy_semantics(void)
{
	struct zc_options o = {.flags = ZC_F_COPY_SEMANTICS};
	int in = make_file("cs.in", 3000, 15, O_RDONLY), s[2], p[2];
	unsigned char got[3000], want[3000];
	struct zc_stats st;
	ssize_t r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s) < 0 ||
	    pipe2(p, O_CLOEXEC) < 0)
		t_fatal("socketpair: %s", strerror(errno));
	t_fill(want, sizeof(want), 15, 0);
	for (int i = 0; i < 2; i++) {
		int out = i ? p[1] : s[0], rd = i ? p[0] : s[1];

		r = zc_transfer_opts(out, in, &(off_t){0}, ZC_TO_EOF, &o, &st);
		CHECK_EQ(r, 3000);
		CHECK_EQ(st.method, ZC_READ_WRITE);
		CHECK_EQ(read(rd, got, sizeof(got)), 3000);
		CHECK(memcmp(got, want, sizeof(want)) == 0);
	}
	close(s[0]);
	close(s[1]);
	close(p[0]);
	close(p[1]);
	close(in);
}

/* RLIMIT_FSIZE: -EFBIG after the bytes up to the limit, no SIGXFSZ death
 * (checked in a child, the limit is process-wide). */
static void fsize_limit(void)
{
	static const enum zc_method ms[] = {ZC_READ_WRITE,	ZC_MMAP_WRITE,
					    ZC_SENDFILE,	ZC_SPLICE,
					    ZC_COPY_FILE_RANGE, ZC_DIRECT_IO};
	int in = make_file("fs.in", 50000, 16, O_RDONLY), status;
	pid_t pid = fork();

	if (pid < 0)
		t_fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		struct rlimit rl = {20000, 20000};
		int bad = 0;

		signal(SIGXFSZ, SIG_DFL);
		setrlimit(RLIMIT_FSIZE, &rl);
		for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
			int out = make_file("fs.out", 0, 0, O_RDWR);
			struct zc_stats st;
			ssize_t r = zc_transfer(out, in, &(off_t){0}, ZC_TO_EOF,
						ms[i], &st);

			if (r != -EFBIG || st.bytes != 20000 ||
			    !t_check_file(out, 20000, 16)) {
				fprintf(stderr, "%s: fsize limit: %zd, %llu\n",
					zc_method_name(ms[i]), r,
					(unsigned long long)st.bytes);
				bad = 1;
			}
			close(out);
		}
		_exit(bad);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(in);
}

static int stop_after_first(uint64_t moved, void *arg)
{
	*(uint64_t *)arg = moved;
	return 1;
}

/* Progress asking to stop: -ECANCELED, offsets in step with the bytes. */
static void cancel(void)
{
	int in = make_file("cancel.in", 1u << 20, 14, O_RDONLY);
	int out = make_file("cancel.out", 0, 0, O_RDWR);
	uint64_t seen = 0;
	struct zc_options o = {.method = ZC_READ_WRITE,
			       .buffer_size = 65536,
			       .progress = stop_after_first,
			       .progress_arg = &seen};
	struct zc_stats st;
	ssize_t r = zc_transfer_opts(out, in, NULL, ZC_TO_EOF, &o, &st);

	CHECK_EQ(r, -ECANCELED);
	CHECK_EQ(st.bytes, 65536);
	CHECK_EQ(seen, 65536);
	CHECK_EQ(lseek(in, 0, SEEK_CUR), 65536);
	CHECK_EQ(lseek(out, 0, SEEK_END), 65536);
	close(in);
	close(out);
}

static void table(void)
{
	int p[2], f = make_file("tbl", 10, 1, O_RDWR);

	for (int m = 0; m < ZC_METHOD_COUNT; m++) {
		const struct zc_method_info *mi = zc_method_info(m);

		CHECK(mi && mi->method == (enum zc_method)m);
		CHECK(mi && strcmp(mi->name, zc_method_name(m)) == 0);
		CHECK_EQ(zc_method_from_name(zc_method_name(m)), m);
	}
	CHECK(zc_method_info(ZC_METHOD_COUNT) == NULL);
	CHECK_EQ(zc_method_from_name("nope"), -EINVAL);
	CHECK_EQ(zc_method_info(ZC_READ_WRITE)->cpu_copies, 2);
	CHECK_EQ(zc_method_info(ZC_MMAP_WRITE)->cpu_copies, 1);
	CHECK_EQ(zc_method_info(ZC_SPLICE)->cpu_copies, 0);
	if (pipe2(p, O_CLOEXEC) < 0)
		t_fatal("pipe2");
	CHECK_EQ(zc_method_check(f, f, ZC_AUTO), ZC_COPY_FILE_RANGE);
	CHECK_EQ(zc_method_check(p[1], f, ZC_AUTO), ZC_SPLICE);
	CHECK_EQ(zc_method_check(f, p[0], ZC_AUTO), ZC_SPLICE);
	CHECK_EQ(zc_method_check(f, p[0], ZC_MMAP_WRITE), -EINVAL);
	CHECK_EQ(zc_method_check(f, p[0], ZC_SENDFILE), -EINVAL);
	CHECK_EQ(zc_method_check(p[1], f, ZC_COPY_FILE_RANGE), -EINVAL);
	CHECK_EQ(zc_method_check(f, -1, ZC_AUTO), -EBADF);
	CHECK_EQ(zc_transfer(f, -1, NULL, 1, ZC_AUTO, NULL), -EBADF);
	CHECK_EQ(zc_transfer(f, p[0], &(off_t){0}, 1, ZC_AUTO, NULL), -ESPIPE);
	CHECK_EQ(zc_transfer(f, f, NULL, 1, ZC_METHOD_COUNT, NULL), -EINVAL);
	/* Wrong open modes and directories, for AUTO as for a method. */
	CHECK_EQ(zc_transfer(f, p[1], NULL, 1, ZC_AUTO, NULL), -EBADF);
	CHECK_EQ(zc_transfer(p[0], f, NULL, 1, ZC_SPLICE, NULL), -EBADF);
	CHECK_EQ(zc_method_check(p[0], f, ZC_AUTO), -EBADF);
	{
		int d = open(t_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		CHECK_EQ(zc_transfer(f, d, NULL, 1, ZC_AUTO, NULL), -EISDIR);
		close(d);
	}
	close(p[0]);
	close(p[1]);
	close(f);
}

int main(void)
{
	table();
	matrix();
	append();
	sigpipe();
	no_wait();
	sparse();
	same_file();
	procfs();
	cancel();
	copy_semantics();
	fsize_limit();
	return t_result();
}
