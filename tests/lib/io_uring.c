/* SPDX-License-Identifier: MIT */
/*
 * Description: ZC_IO_URING (linked IORING_OP_SPLICE pairs) over the pairs
 * splice serves: file -> TCP (file position and explicit offset; one
 * io_uring_enter per 1 MiB chunk plus the short-link drain, counted),
 * TCP -> file, pipe -> pipe with a count, a non-blocking output with a
 * slow reader and a non-blocking input with a slow writer (the -EAGAIN CQE
 * -> POLL_ADD path), ZC_F_NO_WAIT, a TCP peer that closes (-EPIPE or the
 * reset before it) and a pipe without reader (-EPIPE), no SIGPIPE either
 * way, an empty input, a datagram socket (-EINVAL), and a kernel without
 * io_uring or IORING_OP_SPLICE (injected: -ENOSYS / -EOPNOTSUPP, nothing
 * moved). Every byte is checked. Skips when the kernel lacks io_uring.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fault.h"
#include "helpers.h"
#include "zcio.h"

#define SEED 0x10ae
#define BIG  ((3u << 20) + 123)

static int open_file(const char *name, uint64_t len)
{
	const char *p = t_path(name);
	int fd;

	if (t_create_file(p, len, SEED))
		t_fatal("create %s", p);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		t_fatal("open %s", p);
	return fd;
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* file -> TCP; with `off` >= 0 as explicit offset, else the file position. */
static void file_to_tcp(off_t off, int nonblock)
{
	struct t_sink s = {0};
	struct t_faults t;
	struct zc_stats st;
	int in = open_file("in", BIG), sk[2], sz = 4096;
	off_t o = off;
	uint64_t start = off >= 0 ? (uint64_t)off : 0;
	ssize_t r;

	if (t_tcp_pair(sk))
		t_fatal("tcp pair");
	if (nonblock) {
		/* Small buffers and a slow reader: the output blocks often. */
		setsockopt(sk[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		set_nonblock(sk[0]);
		s.delay_us = 200;
		s.chunk = 16384;
	}
	s.fd = sk[1];
	t_sink_start(&s);
	t_faults_install(&t);
	r = zc_transfer(sk[0], in, off >= 0 ? &o : NULL, ZC_TO_EOF, ZC_IO_URING,
			&st);
	t_faults_clear();
	if (r == -ENOSYS || r == -EOPNOTSUPP)
		t_skip("io_uring splice unavailable: %s", strerror((int)-r));
	close(sk[0]);
	t_sink_join(&s);
	CHECK_EQ(r, BIG - start);
	CHECK_EQ(st.bytes, BIG - start);
	CHECK_EQ(st.method, ZC_IO_URING);
	CHECK_EQ(st.user_copy_bytes, 0);
	CHECK_EQ(s.len, BIG - start);
	CHECK(t_check_buf(s.buf, s.len, SEED, start));
	if (off >= 0) {
		CHECK_EQ(o, BIG);
		CHECK_EQ(t_fpos(in), 0);
	} else {
		CHECK_EQ(t_fpos(in), BIG);
	}
	if (nonblock)
		CHECK(st.waits > 0);
	/* One enter per 1 MiB chunk (the pipe's size); the short last chunk
	 * breaks the link and costs a lone drain; one more sees the end. */
	if (!nonblock && off < 0)
		CHECK_EQ(t.calls[ZC_SYS_IO_URING_ENTER], (BIG >> 20) + 3);
	printf("file->tcp off=%lld nonblock=%d: %zd bytes, %llu syscalls, "
	       "%u waits\n",
	       (long long)off, nonblock, r, (unsigned long long)st.syscalls,
	       st.waits);
	free(s.buf);
	close(sk[1]);
	close(in);
}

/* TCP -> file, the socket optionally non-blocking with a slow writer. */
static void tcp_to_file(int nonblock)
{
	struct t_feed f = {.len = BIG, .seed = SEED};
	struct zc_stats st;
	int sk[2], out;
	ssize_t r;

	if (t_tcp_pair(sk))
		t_fatal("tcp pair");
	out = open(t_path("out"), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		t_fatal("open out");
	if (nonblock) {
		set_nonblock(sk[1]);
		f.delay_us = 2000;
		f.chunk = 256 << 10;
	}
	f.fd = sk[0];
	t_feed_start(&f);
	r = zc_transfer(out, sk[1], NULL, ZC_TO_EOF, ZC_IO_URING, &st);
	t_feed_join(&f);
	CHECK_EQ(r, BIG);
	CHECK_EQ(st.bytes, BIG);
	CHECK(t_check_file(out, BIG, SEED));
	CHECK_EQ(t_fpos(out), BIG);
	if (nonblock)
		CHECK(st.waits > 0);
	printf("tcp->file nonblock=%d: %zd bytes, %u waits\n", nonblock, r,
	       st.waits);
	close(out);
	close(sk[0]);
	close(sk[1]);
}

static void pipe_to_pipe(void)
{
	struct t_feed f = {.len = BIG, .seed = SEED, .close_fd = 1};
	struct t_sink s = {0};
	int a[2], b[2];
	ssize_t r;

	if (pipe2(a, O_CLOEXEC) || pipe2(b, O_CLOEXEC))
		t_fatal("pipe");
	f.fd = a[1];
	s.fd = b[0];
	t_feed_start(&f);
	t_sink_start(&s);
	/* A count shorter than the input: exactly that many bytes move. */
	r = zc_transfer(b[1], a[0], NULL, BIG - 1000, ZC_IO_URING, NULL);
	CHECK_EQ(r, BIG - 1000);
	close(b[1]);
	t_sink_join(&s);
	CHECK_EQ(s.len, BIG - 1000);
	CHECK(t_check_buf(s.buf, s.len, SEED, 0));
	/* The rest is still in the source pipe, in order. */
	r = zc_transfer(b[1] = open("/dev/null", O_WRONLY | O_CLOEXEC), a[0],
			NULL, ZC_TO_EOF, ZC_IO_URING, NULL);
	CHECK_EQ(r, 1000);
	t_feed_join(&f);
	free(s.buf);
	close(a[0]);
	close(b[0]);
	close(b[1]);
}

/* The reader goes away after 256 KiB: -EPIPE (or the reset that precedes
 * it), and the process is not killed by SIGPIPE. */
static void peer_closed(void)
{
	struct t_sink s = {.stop_after = 256 << 10};
	struct zc_stats st;
	int in = open_file("in", 64u << 20), sk[2];
	ssize_t r;

	if (t_tcp_pair(sk))
		t_fatal("tcp pair");
	s.fd = sk[1];
	t_sink_start(&s);
	r = zc_transfer(sk[0], in, NULL, ZC_TO_EOF, ZC_IO_URING, &st);
	t_sink_join(&s);
	CHECK(r == -EPIPE || r == -ECONNRESET);
	CHECK(st.bytes >= s.len && st.bytes < (64u << 20));
	CHECK_EQ(t_fpos(in), st.bytes);
	CHECK(t_check_buf(s.buf, s.len, SEED, 0));
	printf("peer closed: %s after %llu bytes\n", strerror((int)-r),
	       (unsigned long long)st.bytes);
	free(s.buf);
	close(sk[0]);
	close(in);
}

/* ZC_F_NO_WAIT: an idle non-blocking input gives -EAGAIN at once; with
 * data waiting, the call returns what it moved instead of waiting. */
static void no_wait(void)
{
	struct zc_options o = {.method = ZC_IO_URING, .flags = ZC_F_NO_WAIT};
	unsigned char buf[1000];
	int sk[2], out;
	ssize_t r;

	if (t_tcp_pair(sk))
		t_fatal("tcp pair");
	out = open(t_path("nowait"), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
		   0644);
	set_nonblock(sk[1]);
	r = zc_transfer_opts(out, sk[1], NULL, ZC_TO_EOF, &o, NULL);
	CHECK_EQ(r, -EAGAIN);
	t_fill(buf, sizeof(buf), SEED, 0);
	CHECK_EQ(write(sk[0], buf, sizeof(buf)), sizeof(buf));
	t_msleep(20);
	r = zc_transfer_opts(out, sk[1], NULL, ZC_TO_EOF, &o, NULL);
	CHECK_EQ(r, sizeof(buf));
	CHECK(t_check_file(out, sizeof(buf), SEED));
	close(out);
	close(sk[0]);
	close(sk[1]);
}

/* A pipe whose reader is gone: -EPIPE, no SIGPIPE (the write happens in
 * an io-wq worker of this process). */
static void pipe_reader_gone(void)
{
	int in = open_file("in", 1u << 20), p[2];
	ssize_t r;

	if (pipe2(p, O_CLOEXEC))
		t_fatal("pipe");
	close(p[0]);
	r = zc_transfer(p[1], in, NULL, ZC_TO_EOF, ZC_IO_URING, NULL);
	CHECK_EQ(r, -EPIPE);
	CHECK_EQ(t_fpos(in), 0);
	close(p[1]);
	close(in);
}

static void edges(void)
{
	int in = open_file("empty", 0), sk[2], u;
	ssize_t r;

	if (t_tcp_pair(sk))
		t_fatal("tcp pair");
	r = zc_transfer(sk[0], in, NULL, ZC_TO_EOF, ZC_IO_URING, NULL);
	CHECK_EQ(r, 0);
	close(in);
	/* A datagram socket is no splice end: refused before moving data. */
	in = open_file("in", 4096);
	u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	r = zc_transfer(u, in, NULL, ZC_TO_EOF, ZC_IO_URING, NULL);
	CHECK_EQ(r, -EINVAL);
	CHECK_EQ(t_fpos(in), 0);
	close(u);
	close(in);
	close(sk[0]);
	close(sk[1]);
}

/* A kernel without io_uring (setup: ENOSYS) or without IORING_OP_SPLICE
 * (probe: EINVAL, as before 5.6): refused before a byte moves. */
static void unsupported(void)
{
	struct t_faults t;
	int in = open_file("in", 8192), sk[2];
	ssize_t r;

	if (t_tcp_pair(sk))
		t_fatal("tcp pair");
	t_faults_install(&t);
	t_fault_add(&t, ZC_SYS_IO_URING_SETUP, 0, 1,
		    (struct zc_fault){.err = ENOSYS});
	r = zc_transfer(sk[0], in, NULL, ZC_TO_EOF, ZC_IO_URING, NULL);
	CHECK_EQ(r, -ENOSYS);
	t_faults_clear();
	zc__reset_caches();
	t_faults_install(&t);
	t_fault_add(&t, ZC_SYS_IO_URING_REGISTER, 0, 1,
		    (struct zc_fault){.err = EINVAL});
	r = zc_transfer(sk[0], in, NULL, ZC_TO_EOF, ZC_IO_URING, NULL);
	CHECK_EQ(r, -EOPNOTSUPP);
	t_faults_clear();
	zc__reset_caches();
	CHECK_EQ(t_fpos(in), 0);
	/* And nothing reached the socket. */
	fcntl(sk[1], F_SETFL, O_NONBLOCK);
	CHECK_EQ(read(sk[1], &r, 1), -1);
	close(in);
	close(sk[0]);
	close(sk[1]);
}

int main(void)
{
	/* Default SIGPIPE disposition: a stray SIGPIPE would kill the test. */
	signal(SIGPIPE, SIG_DFL);
	file_to_tcp(-1, 0);
	file_to_tcp(777, 0);
	file_to_tcp(-1, 1);
	tcp_to_file(0);
	tcp_to_file(1);
	pipe_to_pipe();
	peer_closed();
	edges();
	pipe_reader_gone();
	no_wait();
	unsupported();
	return t_result();
}
