/* SPDX-License-Identifier: MIT */
/*
 * edge_sockets.c — zc_transfer against sockets and pipes that misbehave:
 * a peer that closes or resets mid-stream (an error, never SIGPIPE), a tiny
 * non-blocking send buffer with a slow reader and a pipe reader that sleeps
 * (poll waits, not a busy loop), unix <-> TCP, a UDP source, pipes and
 * sockets as sendfile inputs, and ZC_F_NO_WAIT resumption. SIGPIPE keeps
 * its default action throughout, so a leak kills the test.
 */
#include "fault.h"
#include "helpers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SEED 0x50c4

static const enum zc_method file_sock_methods[] = {
    ZC_AUTO,   ZC_READ_WRITE, ZC_MMAP_WRITE,  ZC_SENDFILE,
    ZC_SPLICE, ZC_IO_URING,   ZC_MSG_ZEROCOPY};
#define NFS (int)(sizeof(file_sock_methods) / sizeof(file_sock_methods[0]))

static void nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void tcp_pair(int fds[2])
{
	int r = t_tcp_pair(fds);

	if (r < 0)
		t_fatal("tcp pair: %s", strerror(-r));
}

static int peer_gone(ssize_t r)
{
	return r == -EPIPE || r == -ECONNRESET;
}

/* The sink's bytes are the stream from position 0. */
static void check_sink(const char *what, const struct t_sink *s, size_t want)
{
	if (s->len != want || !t_check_buf(s->buf, s->len, SEED, 0)) {
		fprintf(stderr, "%s: peer got %zu bytes (%s), expected %zu\n",
			what, s->len,
			t_check_buf(s->buf, s->len, SEED, 0) ? "content ok"
							     : "BAD content",
			want);
		t_failures++;
	}
}

/* file -> TCP, the peer reads 64 KiB and resets: -EPIPE, we live on. */
static void test_peer_close(void)
{
	const uint64_t size = 16 << 20;
	int in = t_open_src("close.in", size, SEED);

	for (int i = 0; i < NFS; i++) {
		struct t_sink sink = {.stop_after = 64 * 1024, .rst = i & 1};
		struct zc_stats st;
		int fds[2];
		ssize_t r;

		tcp_pair(fds);
		sink.fd = fds[1];
		t_sink_start(&sink);
		r = zc_transfer(fds[0], in, &(off_t){0}, ZC_TO_EOF,
				file_sock_methods[i], &st);
		t_sink_join(&sink);
		if (!peer_gone(r) || st.bytes < sink.len ||
		    !t_check_buf(sink.buf, sink.len, SEED, 0)) {
			fprintf(stderr,
				"peer close %s: ret %zd, bytes %llu, "
				"peer read %zu\n",
				zc_method_name(file_sock_methods[i]), r,
				(unsigned long long)st.bytes, sink.len);
			t_failures++;
		}
		free(sink.buf);
		close(fds[0]);
	}
	close(in);
}

/* Non-blocking TCP, SO_SNDBUF 4 KiB, a slow reader: all bytes, poll waits,
 * little CPU. */
static void test_small_sndbuf(void)
{
	const uint64_t size = 1 << 20;
	int in = t_open_src("sndbuf.in", size, SEED);

	for (int i = 0; i < NFS; i++) {
		struct t_sink sink = {
		    .start_ms = 30, .chunk = 16384, .delay_us = 1000};
		struct zc_stats st;
		int fds[2], sz = 4096;
		ssize_t r;

		tcp_pair(fds);
		/* Only the send side shrinks: a receive buffer cut below
		 * the window already advertised makes TCP drop and back off
		 * for seconds. */
		setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		nonblock(fds[0]);
		sink.fd = fds[1];
		t_sink_start(&sink);
		r = zc_transfer(fds[0], in, &(off_t){0}, ZC_TO_EOF,
				file_sock_methods[i], &st);
		close(fds[0]);
		t_sink_join(&sink);
		close(fds[1]);
		CHECK_EQ(r, size);
		check_sink(zc_method_name(file_sock_methods[i]), &sink, size);
		if (st.waits == 0 ||
		    st.cpu_user_ns + st.cpu_sys_ns > st.wall_ns / 2) {
			fprintf(stderr,
				"small sndbuf %s: waits %u, cpu %llu "
				"us of %llu us\n",
				zc_method_name(file_sock_methods[i]), st.waits,
				(unsigned long long)(st.cpu_user_ns +
						     st.cpu_sys_ns) /
				    1000,
				(unsigned long long)st.wall_ns / 1000);
			t_failures++;
		}
		free(sink.buf);
	}
	close(in);
}

/* TCP -> TCP through the internal pipe, both non-blocking, the far peer
 * resets mid-pump: a clean error; the next splice gets no stale bytes. */
static void test_tcp_rst(void)
{
	int a[2], b[2];
	struct t_feed feed = {.len = 8 << 20, .seed = SEED};
	struct t_sink sink = {.stop_after = 64 * 1024, .rst = 1};
	struct zc_stats st;
	ssize_t r;

	tcp_pair(a);
	tcp_pair(b);
	nonblock(a[1]);
	nonblock(b[0]);
	feed.fd = a[0];
	sink.fd = b[1];
	t_feed_start(&feed);
	t_sink_start(&sink);
	r = zc_transfer(b[0], a[1], NULL, ZC_TO_EOF, ZC_SPLICE, &st);
	t_sink_join(&sink);
	close(a[1]); /* unblocks the feeder */
	t_feed_join(&feed);
	close(a[0]);
	close(b[0]);
	if (!peer_gone(r) || st.bytes < sink.len ||
	    !t_check_buf(sink.buf, sink.len, SEED, 0)) {
		fprintf(stderr, "tcp->tcp rst: ret %zd, bytes %llu, peer %zu\n",
			r, (unsigned long long)st.bytes, sink.len);
		t_failures++;
	}
	free(sink.buf);

	/* A pooled pipe must not carry the dead stream's leftovers. */
	for (int k = 0; k < 2; k++) {
		struct t_feed f2 = {.len = 100000, .seed = SEED};
		int out = t_open_dst("rst.out");

		tcp_pair(a);
		f2.fd = a[0];
		t_feed_start(&f2);
		r = zc_transfer(out, a[1], NULL, ZC_TO_EOF,
				k ? ZC_AUTO : ZC_SPLICE, &st);
		t_feed_join(&f2);
		CHECK_EQ(r, 100000);
		CHECK(t_check_file(out, 100000, SEED));
		close(out);
		close(a[0]);
		close(a[1]);
	}
}

/* TCP -> non-blocking pipe whose reader sleeps 1 s: waits, low CPU. */
static void test_sleepy_pipe(void)
{
	const uint64_t size = 1 << 20;
	struct t_feed feed = {.len = size, .seed = SEED};
	struct t_sink sink = {.start_ms = 1000};
	struct zc_stats st;
	int a[2], p[2];
	ssize_t r;

	tcp_pair(a);
	if (pipe2(p, O_CLOEXEC) < 0)
		t_fatal("pipe");
	nonblock(p[1]);
	nonblock(a[1]);
	feed.fd = a[0];
	sink.fd = p[0];
	t_feed_start(&feed);
	t_sink_start(&sink);
	r = zc_transfer(p[1], a[1], NULL, ZC_TO_EOF, ZC_AUTO, &st);
	close(p[1]);
	t_feed_join(&feed);
	t_sink_join(&sink);
	CHECK_EQ(r, size);
	CHECK_EQ(st.method, ZC_SPLICE);
	check_sink("tcp -> sleepy pipe", &sink, size);
	if (st.waits == 0 || st.wall_ns < 900000000ULL ||
	    st.cpu_user_ns + st.cpu_sys_ns > st.wall_ns / 10) {
		fprintf(
		    stderr, "sleepy pipe: waits %u, cpu %llu us of %llu us\n",
		    st.waits,
		    (unsigned long long)(st.cpu_user_ns + st.cpu_sys_ns) / 1000,
		    (unsigned long long)st.wall_ns / 1000);
		t_failures++;
	}
	free(sink.buf);
	close(p[0]);
	close(a[0]);
	close(a[1]);
}

/* unix stream -> TCP and TCP -> unix stream, through AUTO (splice). */
static void test_unix_tcp(void)
{
	const uint64_t size = (1 << 20) + 3;

	for (int dir = 0; dir < 2; dir++) {
		struct t_feed feed = {.len = size, .seed = SEED};
		struct t_sink sink = {0};
		struct zc_stats st;
		int u[2], t[2], in, out;
		ssize_t r;

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, u) < 0)
			t_fatal("socketpair");
		tcp_pair(t);
		/* dir 0: u[0] -> u[1] => t[0] -> t[1]; dir 1 the reverse */
		feed.fd = dir ? t[1] : u[0];
		in = dir ? t[0] : u[1];
		out = dir ? u[1] : t[0];
		sink.fd = dir ? u[0] : t[1];
		t_feed_start(&feed);
		t_sink_start(&sink);
		r = zc_transfer(out, in, NULL, ZC_TO_EOF, ZC_AUTO, &st);
		shutdown(out, SHUT_WR);
		t_feed_join(&feed);
		t_sink_join(&sink);
		CHECK_EQ(r, size);
		CHECK_EQ(st.method, ZC_SPLICE);
		check_sink(dir ? "tcp -> unix" : "unix -> tcp", &sink, size);
		free(sink.buf);
		close(u[0]);
		close(u[1]);
		close(t[0]);
		close(t[1]);
	}
}

/* A connected UDP pair on loopback. */
static void udp_pair(int fds[2])
{
	struct sockaddr_in sa[2];

	for (int i = 0; i < 2; i++) {
		socklen_t sl = sizeof(sa[i]);

		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		memset(&sa[i], 0, sizeof(sa[i]));
		sa[i].sin_family = AF_INET;
		sa[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (fds[i] < 0 ||
		    bind(fds[i], (struct sockaddr *)&sa[i], sizeof(sa[i])) <
			0 ||
		    getsockname(fds[i], (struct sockaddr *)&sa[i], &sl) < 0)
			t_fatal("udp: %s", strerror(errno));
	}
	for (int i = 0; i < 2; i++)
		if (connect(fds[i], (struct sockaddr *)&sa[1 - i],
			    sizeof(sa[i])) < 0)
			t_fatal("udp connect: %s", strerror(errno));
}

/* A UDP source: explicit splice fails cleanly or moves the datagrams
 * exactly; AUTO delivers them or fails cleanly. */
static void test_udp(void)
{
	static const enum zc_method ms[] = {ZC_SPLICE, ZC_AUTO, ZC_SENDFILE};
	const size_t dg = 1000, n = 3;

	for (unsigned k = 0; k < sizeof(ms) / sizeof(ms[0]); k++) {
		unsigned char buf[1000];
		struct zc_stats st;
		int u[2], out = t_open_dst("udp.out");
		ssize_t r;

		udp_pair(u);
		for (size_t i = 0; i < n; i++) {
			t_fill(buf, dg, SEED, i * dg);
			if (send(u[0], buf, dg, 0) != (ssize_t)dg)
				t_fatal("udp send: %s", strerror(errno));
		}
		r = zc_transfer(out, u[1], NULL, n * dg, ms[k], &st);
		if (r >= 0) {
			if (ms[k] == ZC_SENDFILE || r != (ssize_t)(n * dg) ||
			    !t_check_file(out, n * dg, SEED)) {
				fprintf(stderr, "udp %s: ret %zd\n",
					zc_method_name(ms[k]), r);
				t_failures++;
			}
		} else {
			printf("note: udp source %s: %s\n",
			       zc_method_name(ms[k]), strerror((int)-r));
			CHECK_EQ(st.bytes, 0);
			CHECK_EQ(t_fsize(out), 0);
		}
		close(out);
		close(u[0]);
		close(u[1]);
	}
}

/* A pipe or a socket as sendfile's input: -EINVAL with nothing consumed;
 * AUTO splices instead. */
static void test_sendfile_stream_input(void)
{
	for (int kind = 0; kind < 2; kind++) {
		const size_t size = 50000;
		struct t_feed feed = {.len = size, .seed = SEED};
		struct zc_stats st;
		int s[2], out = t_open_dst("sfin.out");
		ssize_t r;

		if (kind ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s)
			 : pipe2(s, O_CLOEXEC))
			t_fatal("pipe/socketpair");
		/* pipe: s[0] reads, s[1] writes; socket: either way */
		feed.fd = s[1];
		feed.close_fd = 1;
		t_feed_start(&feed);
		t_feed_join(&feed); /* 50000 bytes fit in either buffer */
		CHECK_EQ(zc_method_check(out, s[0], ZC_SENDFILE), -EINVAL);
		r = zc_transfer(out, s[0], NULL, ZC_TO_EOF, ZC_SENDFILE, &st);
		CHECK_EQ(r, -EINVAL);
		CHECK_EQ(t_fsize(out), 0);
		r = zc_transfer(out, s[0], NULL, ZC_TO_EOF, ZC_AUTO, &st);
		CHECK_EQ(r, size);
		CHECK_EQ(st.method, ZC_SPLICE);
		CHECK(t_check_file(out, size, SEED));
		close(out);
		close(s[0]);
	}
}

/* ZC_F_NO_WAIT on a full non-blocking socket: partial counts or -EAGAIN,
 * and resuming from the returned position completes the stream exactly. */
static void test_no_wait(void)
{
	const uint64_t size = 1 << 20;
	int in = t_open_src("nowait.in", size, SEED);

	for (int i = 0; i < NFS * 2; i++) {
		enum zc_method m = file_sock_methods[i % NFS];
		int use_off = i >= NFS;

		if (m == ZC_MSG_ZEROCOPY)
			continue; /* TCP only; this part uses a unix socket */
		struct zc_options o = {.method = m, .flags = ZC_F_NO_WAIT};
		unsigned char *got = malloc(size);
		uint64_t sent = 0, recvd = 0;
		off_t off = 0;
		int fds[2], sz = 4096, partial = 0, rounds = 0, bad = 0;

		/* A unix stream socket with a small send buffer: full at
		 * once, writable again as soon as we read (TCP over loopback
		 * would add its window and persist timers to the test). */
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
			t_fatal("socketpair");
		setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		nonblock(fds[0]);
		nonblock(fds[1]);
		lseek(in, 0, SEEK_SET);
		while (recvd < size && rounds++ < 20000) {
			struct zc_stats st;
			ssize_t r = 0, n;

			if (sent < size) {
				r = zc_transfer_opts(fds[0], in,
						     use_off ? &off : NULL,
						     size - sent, &o, &st);
				if (r == -EAGAIN) {
					partial++;
				} else if (r < 0) {
					fprintf(stderr, "no-wait %s: %s\n",
						zc_method_name(m),
						strerror((int)-r));
					bad = 1;
					break;
				} else {
					if ((uint64_t)r < size - sent)
						partial++;
					sent += (uint64_t)r;
				}
				if (st.waits != 0 ||
				    st.bytes != (r > 0 ? (uint64_t)r : 0))
					bad = 1;
				if ((use_off ? (long long)off : t_fpos(in)) !=
				    (long long)sent)
					bad = 1;
			}
			/* drain what arrived, without blocking; if nothing
			 * did, give the stack a moment */
			n = 0;
			while ((r = read(fds[1], got + recvd, size - recvd)) >
			       0) {
				recvd += (uint64_t)r;
				n += r;
			}
			if (n == 0) {
				struct pollfd pf = {.fd = fds[1],
						    .events = POLLIN};
				poll(&pf, 1, 10);
			}
		}
		if (bad || sent != size || recvd != size || partial == 0 ||
		    !t_check_buf(got, size, SEED, 0)) {
			fprintf(
			    stderr,
			    "no-wait %s (%s): sent %llu recvd %llu, %d "
			    "partial calls, %s\n",
			    zc_method_name(m), use_off ? "in_off" : "fd pos",
			    (unsigned long long)sent, (unsigned long long)recvd,
			    partial, bad ? "bad accounting" : "");
			t_failures++;
		}
		free(got);
		close(fds[0]);
		close(fds[1]);
	}
	close(in);
}

/* ZC_F_NO_WAIT with a stream input (TCP, fed slowly) into a unix socket
 * read slowly: calls return early, bytes taken from the input are never
 * dropped, the stream arrives whole. */
static void test_no_wait_stream(void)
{
	static const enum zc_method ms[] = {ZC_AUTO, ZC_SPLICE, ZC_READ_WRITE,
					    ZC_IO_URING};
	const uint64_t size = 1 << 20;

	for (unsigned i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		struct t_feed feed = {
		    .len = size, .seed = SEED, .chunk = 8192, .delay_us = 200};
		struct t_sink sink = {.chunk = 16384, .delay_us = 500};
		struct zc_options o = {.method = ms[i], .flags = ZC_F_NO_WAIT};
		uint64_t total = 0;
		int a[2], u[2], early = 0, calls = 0, sz = 8192;
		ssize_t r = 0;

		tcp_pair(a);
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, u) < 0)
			t_fatal("socketpair");
		setsockopt(u[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		nonblock(a[1]);
		nonblock(u[0]);
		feed.fd = a[0];
		sink.fd = u[1];
		t_feed_start(&feed);
		t_sink_start(&sink);
		while (calls++ < 100000) {
			struct zc_stats st;

			r = zc_transfer_opts(u[0], a[1], NULL, ZC_TO_EOF, &o,
					     &st);
			if (r == 0)
				break; /* the input ended */
			if (r == -EAGAIN ||
			    (r > 0 && st.bytes != (uint64_t)r)) {
				struct pollfd pf[2] = {
				    {.fd = a[1], .events = POLLIN},
				    {.fd = u[0], .events = POLLOUT}};
				early++;
				poll(pf, 2, 10);
				continue;
			}
			if (r < 0)
				break;
			total += (uint64_t)r;
			early++; /* returned before EOF: early too */
		}
		shutdown(u[0], SHUT_WR);
		t_feed_join(&feed);
		t_sink_join(&sink);
		if (r != 0 || total != size || early == 0) {
			fprintf(stderr,
				"no-wait stream %s: last %zd, total %llu, %d "
				"early returns\n",
				zc_method_name(ms[i]), r,
				(unsigned long long)total, early);
			t_failures++;
		}
		check_sink("no-wait stream", &sink, size);
		free(sink.buf);
		close(a[0]);
		close(a[1]);
		close(u[0]);
		close(u[1]);
	}
}

/* The caller's signal state survives a transfer that hits EPIPE: its mask
 * comes back as it was, and a SIGPIPE it had pending stays pending (the
 * library only consumes the one it caused). */
static void test_sigmask(void)
{
	/* more than socket buffers hold, so the reset is felt */
	int in = t_open_src("mask.in", 16 << 20, SEED);
	const struct timespec zero = {0, 0};
	sigset_t block, after, pend;

	for (int pre = 0; pre < 2; pre++) {
		struct t_sink sink = {.stop_after = 4096, .rst = 1};
		int fds[2];
		ssize_t r;

		sigemptyset(&block);
		sigaddset(&block, SIGUSR1);
		if (pre)
			sigaddset(&block, SIGPIPE);
		pthread_sigmask(SIG_BLOCK, &block, NULL);
		if (pre)
			raise(SIGPIPE); /* the caller's own, pending */
		tcp_pair(fds);
		sink.fd = fds[1];
		t_sink_start(&sink);
		r = zc_transfer(fds[0], in, &(off_t){0}, ZC_TO_EOF, ZC_SENDFILE,
				NULL);
		t_sink_join(&sink);
		close(fds[0]);
		CHECK(peer_gone(r));
		pthread_sigmask(SIG_SETMASK, NULL, &after);
		CHECK(sigismember(&after, SIGUSR1) == 1);
		CHECK(sigismember(&after, SIGPIPE) == pre);
		sigpending(&pend);
		CHECK(sigismember(&pend, SIGPIPE) == pre);
		if (pre) {
			sigset_t one;

			sigemptyset(&one);
			sigaddset(&one, SIGPIPE);
			sigtimedwait(&one, NULL, &zero);
		}
		pthread_sigmask(SIG_UNBLOCK, &block, NULL);
		free(sink.buf);
	}
	close(in);
}

/* Run one part and log how long it took (for the test log). */
#define RUN(fn)                                                                \
	do {                                                                   \
		uint64_t t0_ = t_now_ns();                                     \
		fn();                                                          \
		printf("%s: %llu ms\n", #fn,                                   \
		       (unsigned long long)(t_now_ns() - t0_) / 1000000);      \
	} while (0)

int main(void)
{
	/* The library must not rely on SIGPIPE being ignored. */
	signal(SIGPIPE, SIG_DFL);
	alarm(120);
	RUN(test_peer_close);
	RUN(test_sigmask);
	RUN(test_small_sndbuf);
	RUN(test_tcp_rst);
	RUN(test_sleepy_pipe);
	RUN(test_unix_tcp);
	RUN(test_udp);
	RUN(test_sendfile_stream_input);
	RUN(test_no_wait);
	RUN(test_no_wait_stream);
	return t_result();
}
