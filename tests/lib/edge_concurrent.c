/* SPDX-License-Identifier: MIT */
/*
 * edge_concurrent.c — a source that changes under a running transfer.
 *
 * Truncated mid-copy (every engine that reads a file, to a file, a pipe
 * and a TCP socket): no SIGBUS, a short count (the input ended), never a
 * spin, and what was delivered is an exact prefix. Grown mid-copy: the
 * transfer ends with an accurate count. The transfer is slowed either by
 * the fault hook (short counts plus a small sleep per call) or by a reader
 * thread that reads slowly, so the other thread acts while it runs.
 * ZC_F_COPY_SEMANTICS: rewriting the source after the call returned does
 * not change what a socket or pipe reader gets.
 */
#include "fault.h"
#include "helpers.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SEED	 0xc0c0
#define MIB	 (1ULL << 20)
#define SRC_SIZE (8 * MIB)
#define CUT	 (3 * MIB)
#define STEP	 (64 * 1024)

static const enum zc_method methods[] = {
    ZC_READ_WRITE,	ZC_MMAP_WRITE, ZC_SENDFILE, ZC_SPLICE,
    ZC_COPY_FILE_RANGE, ZC_DIRECT_IO,  ZC_IO_URING, ZC_AUTO,
};
#define NM (int)(sizeof(methods) / sizeof(methods[0]))

/* The other thread: truncate (or grow) the source once the output side
 * has seen `trigger` bytes. */
struct mutator {
	const char *path;
	int watch_fd;	    /* output file to watch, or -1 */
	const size_t *seen; /* or a pipe sink's byte count */
	uint64_t trigger;
	int grow;     /* 0: truncate to CUT; 1: append to 2x size */
	int buffered; /* socket buffers hide how far the copy was */
	uint64_t grow_from;
	/* results */
	uint64_t at; /* output bytes when it acted */
	atomic_int stop, acted;
	pthread_t th;
};

static uint64_t seen_now(struct mutator *m)
{
	if (m->watch_fd >= 0) {
		long long s = t_fsize(m->watch_fd);
		return s > 0 ? (uint64_t)s : 0;
	}
	return __atomic_load_n(m->seen, __ATOMIC_ACQUIRE);
}

static void *mutator_main(void *arg)
{
	struct mutator *m = arg;
	int fd;

	while (!atomic_load(&m->stop) && seen_now(m) < m->trigger)
		usleep(100);
	if (atomic_load(&m->stop))
		return NULL;
	fd = open(m->path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (!m->grow) {
		if (ftruncate(fd, CUT) == 0)
			atomic_store(&m->acted, 1);
		/* Measured after the cut: the copy had read at most this
		 * plus what it buffers (a capped call, a pipe, a buffer). */
		m->at = seen_now(m);
	} else {
		m->at = seen_now(m);
		unsigned char *buf = malloc(STEP);

		atomic_store(&m->acted, 1);
		for (uint64_t pos = m->grow_from; buf && pos < 2 * m->grow_from;
		     pos += STEP) {
			t_fill(buf, STEP, SEED, pos);
			if (pwrite(fd, buf, STEP, (off_t)pos) != STEP)
				break;
			usleep(200);
		}
		free(buf);
	}
	close(fd);
	return NULL;
}

/* Slows every data call: at most STEP bytes and a short sleep. */
static void slow_hook(struct t_faults *tf)
{
	t_faults_install(tf);
	t_fault_add(tf, T_ANY_DATA, 0, 1, (struct zc_fault){.max_len = STEP})
	    ->sleep_us = 300;
}

/* Judge a finished transfer: delivered bytes are an exact prefix, the
 * count is accurate, and (truncation) it stopped at the cut when the cut
 * came early enough. */
static void judge(const char *what, enum zc_method m, ssize_t r,
		  const struct zc_stats *st, const unsigned char *out,
		  size_t out_len, const struct mutator *mu, uint64_t calls)
{
	int ok = (r < 0 || (uint64_t)r == st->bytes) && out_len == st->bytes &&
		 t_check_buf(out, out_len, SEED, 0);

	if (!mu->grow) {
		if (r >= 0 && (uint64_t)r > SRC_SIZE)
			ok = 0;
		/* cut well ahead of the copy: it must end exactly there */
		if (r >= 0 && mu->acted && !mu->buffered &&
		    mu->at + 4 * STEP < CUT && (uint64_t)r != CUT)
			ok = 0;
		/* the input ended early: a short count, not an error */
		if (r < 0)
			ok = 0;
	} else {
		if (r < (ssize_t)mu->grow_from ||
		    (uint64_t)r > 2 * mu->grow_from)
			ok = 0;
	}
	/* never a spin: about one call per STEP each way */
	if (calls > 3 * (2 * SRC_SIZE / STEP) + 100)
		ok = 0;
	printf("%s %s: ret %zd, mutator acted %d at %llu\n", what,
	       zc_method_name(m), r, mu->acted ? 1 : 0,
	       (unsigned long long)mu->at);
	if (!ok) {
		fprintf(stderr,
			"%s %s: ret %zd, bytes %llu, output %zu (%s), mutator "
			"acted %d at %llu, %llu data calls\n",
			what, zc_method_name(m), r,
			(unsigned long long)st->bytes, out_len,
			t_check_buf(out, out_len, SEED, 0) ? "prefix ok"
							   : "BAD content",
			mu->acted ? 1 : 0, (unsigned long long)mu->at,
			(unsigned long long)calls);
		t_failures++;
	}
}

static uint64_t data_calls(const struct t_faults *tf)
{
	static const enum zc_sys_id ids[] = {ZC_SYS_READ,
					     ZC_SYS_WRITE,
					     ZC_SYS_PREAD,
					     ZC_SYS_PWRITE,
					     ZC_SYS_SENDFILE,
					     ZC_SYS_SPLICE,
					     ZC_SYS_COPY_FILE_RANGE,
					     ZC_SYS_SEND};
	uint64_t n = 0;

	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		n += tf->calls[ids[i]];
	return n;
}

/* file -> file, slowed by the hook, source truncated or grown. */
static void test_file_out(int grow)
{
	for (int i = 0; i < NM; i++) {
		uint64_t size = grow ? 2 * MIB : SRC_SIZE;
		struct mutator mu = {.path = t_path("conc.in"),
				     .seen = NULL,
				     .trigger = grow ? STEP : MIB,
				     .grow = grow,
				     .grow_from = size};
		struct t_faults tf;
		struct zc_stats st;
		unsigned char *out_buf;
		size_t out_len;
		int in = t_open_src("conc.in", size, SEED);
		int out = t_open_dst("conc.out");
		ssize_t r;

		mu.watch_fd = out;
		pthread_create(&mu.th, NULL, mutator_main, &mu);
		slow_hook(&tf);
		r = zc_transfer(out, in, NULL, ZC_TO_EOF, methods[i], &st);
		t_faults_clear();
		atomic_store(&mu.stop, 1);
		pthread_join(mu.th, NULL);
		out_buf = t_slurp(out, &out_len);
		judge(grow ? "grown" : "truncated", methods[i], r, &st, out_buf,
		      out_len, &mu, data_calls(&tf));
		CHECK_EQ(t_fpos(in), st.bytes);
		free(out_buf);
		close(in);
		close(out);
	}
}

/* file -> pipe read slowly by a thread, source truncated mid-way. */
static void test_pipe_out(void)
{
	static const enum zc_method ms[] = {ZC_READ_WRITE, ZC_MMAP_WRITE,
					    ZC_SENDFILE, ZC_SPLICE, ZC_AUTO};

	for (unsigned i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		struct t_sink sink = {.chunk = 16384, .delay_us = 300};
		struct mutator mu = {.path = t_path("conc.in"),
				     .watch_fd = -1,
				     .seen = &sink.len,
				     .trigger = MIB};
		struct zc_stats st;
		int in = t_open_src("conc.in", SRC_SIZE, SEED), p[2];
		ssize_t r;

		if (pipe2(p, O_CLOEXEC) < 0)
			t_fatal("pipe");
		sink.fd = p[0];
		t_sink_start(&sink);
		pthread_create(&mu.th, NULL, mutator_main, &mu);
		r = zc_transfer(p[1], in, NULL, ZC_TO_EOF, ms[i], &st);
		close(p[1]);
		atomic_store(&mu.stop, 1);
		pthread_join(mu.th, NULL);
		t_sink_join(&sink);
		close(p[0]);
		judge("truncated (pipe)", ms[i], r, &st, sink.buf, sink.len,
		      &mu, 0);
		CHECK_EQ(t_fpos(in), st.bytes);
		free(sink.buf);
		close(in);
	}
}

/*
 * ZC_F_COPY_SEMANTICS: once AUTO returns, rewriting the source must not
 * change what the reader of a socket or pipe gets (sendfile and splice
 * from a file would hand it the page-cache pages by reference). Without
 * the flag the sharing is allowed; whether it shows is only logged.
 */
static void test_copy_semantics(void)
{
	const size_t n = 32 * 1024;
	unsigned char *fresh = malloc(n), *got = malloc(n);

	if (!fresh || !got)
		t_fatal("out of memory");
	t_fill(fresh, n, SEED + 1, 0);
	for (int kind = 0; kind < 3; kind++) {
		for (int flag = 0; flag < 2; flag++) {
			static const char *const kn[] = {"unix socket", "tcp",
							 "pipe"};
			struct zc_options o = {
			    .method = ZC_AUTO,
			    .flags = flag ? ZC_F_COPY_SEMANTICS : 0};
			struct zc_stats st;
			int in = t_open_src("cs.in", n, SEED), wr, fds[2];
			size_t len = 0;
			ssize_t r;

			if (kind == 0)
				r = socketpair(AF_UNIX,
					       SOCK_STREAM | SOCK_CLOEXEC, 0,
					       fds);
			else if (kind == 1)
				r = t_tcp_pair(fds);
			else
				r = pipe2(fds, O_CLOEXEC);
			if (r < 0)
				t_fatal("%s: %s", kn[kind], strerror(errno));
			/* fds[0] is written, fds[1] read (pipe: reversed) */
			int w = kind == 2 ? fds[1] : fds[0];
			int rd = kind == 2 ? fds[0] : fds[1];

			r = zc_transfer_opts(w, in, NULL, ZC_TO_EOF, &o, &st);
			CHECK_EQ(r, n);
			wr = open(t_path("cs.in"), O_WRONLY | O_CLOEXEC);
			if (wr < 0 || pwrite(wr, fresh, n, 0) != (ssize_t)n)
				t_fatal("rewrite source");
			close(wr);
			while (len < n) {
				ssize_t k = read(rd, got + len, n - len);
				if (k <= 0)
					break;
				len += (size_t)k;
			}
			if (flag) {
				if (len != n || !t_check_buf(got, n, SEED, 0)) {
					fprintf(
					    stderr,
					    "copy semantics to %s via %s: "
					    "reader saw %s bytes\n",
					    kn[kind], zc_method_name(st.method),
					    t_check_buf(got, len, SEED + 1, 0)
						? "the NEW"
						: "wrong");
					t_failures++;
				}
			} else {
				CHECK_EQ(len, n);
				printf(
				    "note: %s via %s without the flag: reader "
				    "saw %s bytes\n",
				    kn[kind], zc_method_name(st.method),
				    t_check_buf(got, n, SEED, 0) ? "the old"
								 : "the new");
			}
			close(fds[0]);
			close(fds[1]);
			close(in);
		}
	}
	free(fresh);
	free(got);
}

/* file -> TCP read slowly, source truncated mid-way: every engine that
 * can send to a socket, MSG_ZEROCOPY and io_uring included. */
static void test_tcp_out(void)
{
	static const enum zc_method ms[] = {
	    ZC_READ_WRITE, ZC_MMAP_WRITE, ZC_SENDFILE,	  ZC_SPLICE,
	    ZC_IO_URING,   ZC_AUTO,	  ZC_MSG_ZEROCOPY};

	for (unsigned i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		struct t_sink sink = {.chunk = 16384, .delay_us = 300};
		struct mutator mu = {.path = t_path("conc.in"),
				     .watch_fd = -1,
				     .seen = &sink.len,
				     .trigger = MIB,
				     .buffered = 1};
		struct zc_stats st;
		int in = t_open_src("conc.in", SRC_SIZE, SEED), fds[2];
		ssize_t r;

		if (t_tcp_pair(fds) < 0)
			t_fatal("tcp pair");
		sink.fd = fds[1];
		t_sink_start(&sink);
		pthread_create(&mu.th, NULL, mutator_main, &mu);
		r = zc_transfer(fds[0], in, NULL, ZC_TO_EOF, ms[i], &st);
		close(fds[0]);
		atomic_store(&mu.stop, 1);
		pthread_join(mu.th, NULL);
		t_sink_join(&sink);
		close(fds[1]);
		judge("truncated (tcp)", ms[i], r, &st, sink.buf, sink.len, &mu,
		      0);
		CHECK_EQ(t_fpos(in), st.bytes);
		free(sink.buf);
		close(in);
	}
}

int main(void)
{
	alarm(120);
	test_copy_semantics();
	test_file_out(0);
	test_file_out(1);
	test_pipe_out();
	test_tcp_out();
	return t_result();
}
