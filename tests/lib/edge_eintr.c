/* SPDX-License-Identifier: MIT */
/*
 * edge_eintr.c — real interruptions: a SIGALRM every millisecond, with a
 * handler installed without SA_RESTART, while transfers block on slow
 * pipes and sockets. Blocking reads, writes, sendfile, splice and poll then
 * return EINTR or short counts for real (fault_fallback.c injects them);
 * every transfer must still deliver each byte exactly once.
 */
#include "fault.h"
#include "helpers.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define SEED 0xe141

static volatile sig_atomic_t ticks;

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
}

/* Helper threads must not take the signal: start them with it blocked. */
static void block_alarm(int block)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGALRM);
	pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &s, NULL);
}

static void storm(int on)
{
	struct itimerval it = {{0, on ? 1000 : 0}, {0, on ? 1000 : 0}};

	setitimer(ITIMER_REAL, &it, NULL);
}

static void nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* file -> blocking pipe (slow reader), file -> non-blocking TCP (slow
 * reader). */
static void test_file_to_stream(void)
{
	static const enum zc_method ms[] = {ZC_AUTO,	   ZC_READ_WRITE,
					    ZC_MMAP_WRITE, ZC_SENDFILE,
					    ZC_SPLICE,	   ZC_MSG_ZEROCOPY};
	const uint64_t size = 2 << 20;
	int in = t_open_src("eintr.in", size, SEED);

	for (int tcp = 0; tcp < 2; tcp++) {
		for (unsigned i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
			struct t_sink sink = {.chunk = 32768, .delay_us = 500};
			struct zc_stats st;
			int fds[2], w;
			sig_atomic_t t0 = ticks;
			ssize_t r;

			if (!tcp && ms[i] == ZC_MSG_ZEROCOPY)
				continue;
			/* fixtures are made with the signal held off */
			block_alarm(1);
			if (tcp ? t_tcp_pair(fds) < 0
				: pipe2(fds, O_CLOEXEC) < 0)
				t_fatal("pipe/tcp pair");
			w = tcp ? fds[0] : fds[1];
			if (tcp)
				nonblock(w);
			sink.fd = tcp ? fds[1] : fds[0];
			t_sink_start(&sink);
			block_alarm(0);
			r = zc_transfer(w, in, &(off_t){0}, ZC_TO_EOF, ms[i],
					&st);
			block_alarm(1);
			close(w);
			t_sink_join(&sink);
			close(sink.fd);
			if (r != (ssize_t)size || sink.len != size ||
			    !t_check_buf(sink.buf, sink.len, SEED, 0)) {
				fprintf(stderr,
					"%s %s under signals: ret %zd, reader "
					"got %zu (%s)\n",
					tcp ? "file -> tcp" : "file -> pipe",
					zc_method_name(ms[i]), r, sink.len,
					t_check_buf(sink.buf, sink.len, SEED, 0)
					    ? "content ok"
					    : "BAD content");
				t_failures++;
			}
			printf("%s %s: %d signals during the call\n",
			       tcp ? "file -> tcp" : "file -> pipe",
			       zc_method_name(ms[i]), (int)(ticks - t0));
			free(sink.buf);
			block_alarm(0);
		}
	}
	close(in);
}

/* socket -> file with a slow writer: reads and splices block and wake. */
static void test_stream_to_file(void)
{
	static const enum zc_method ms[] = {ZC_AUTO, ZC_READ_WRITE, ZC_SPLICE};
	const uint64_t size = 1 << 20;

	for (unsigned i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		struct t_feed feed = {
		    .len = size, .seed = SEED, .chunk = 16384, .delay_us = 300};
		struct zc_stats st;
		int fds[2], out;
		ssize_t r;

		block_alarm(1);
		out = t_open_dst("eintr.out");
		if (t_tcp_pair(fds) < 0)
			t_fatal("tcp pair");
		feed.fd = fds[0];
		t_feed_start(&feed);
		block_alarm(0);
		r = zc_transfer(out, fds[1], NULL, ZC_TO_EOF, ms[i], &st);
		block_alarm(1);
		t_feed_join(&feed);
		if (r != (ssize_t)size || !t_check_file(out, size, SEED)) {
			fprintf(stderr,
				"tcp -> file %s under signals: ret %zd\n",
				zc_method_name(ms[i]), r);
			t_failures++;
		}
		close(out);
		close(fds[0]);
		close(fds[1]);
		block_alarm(0);
	}
}

int main(void)
{
	struct sigaction sa;
	sig_atomic_t t0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: calls really fail */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	storm(1);
	t0 = ticks;
	test_file_to_stream();
	test_stream_to_file();
	storm(0);
	if (ticks - t0 < 100) {
		fprintf(stderr,
			"only %d signals arrived: the storm did not "
			"happen\n",
			(int)(ticks - t0));
		t_failures++;
	}
	return t_result();
}
