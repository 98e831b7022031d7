/* SPDX-License-Identifier: MIT */
/*
 * far.c — the far end of a timed run, in a process of its own. A receiver
 * that reads every byte into a buffer and checks it costs a CPU copy per
 * byte, and in the sender's process it shares the sender's CPU time and
 * scheduling: the table would measure the receiver. The verified run keeps
 * such a receiver (peer.c); the timed runs use this one, which costs as
 * little as the kernel allows: TCP's recv(2) with MSG_TRUNC drops the
 * bytes without copying them (tcp(7)), and splice(2) into /dev/null
 * releases the pipe's pages without touching them. A source sends the
 * cached source file with sendfile(2).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "peer.h"

#define FAR_CHUNK (16u << 20)

struct far_report {
	uint64_t moved;
	double done_at, cpu;
	int err;
};

const char *zb_far_name(enum zb_far_kind kind)
{
	switch (kind) {
	case ZB_FAR_RECV_TRUNC:
		return "recv(MSG_TRUNC)";
	case ZB_FAR_SPLICE_NULL:
		return "splice to /dev/null";
	case ZB_FAR_SENDFILE_SRC:
		return "sendfile from the cached source";
	}
	return "?";
}

int zb_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

int zb_pick_cpus(int *sender, int *peer)
{
	cpu_set_t set;
	int n = 0;

	*sender = *peer = -1;
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	for (int c = 0; c < CPU_SETSIZE && n < 2; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		if (n++ == 0)
			*sender = c;
		else
			*peer = c;
	}
	if (n < 2)
		*sender = *peer = -1;
	return n < 2 ? 1 : 2;
}

/* Close every descriptor above 2 but the (at most three) in keep. */
static void keep_only(int a, int b, int c)
{
	int keep[3] = {a, b, c}, lo = 3, t;

	for (int i = 0; i < 3; i++) /* sort the three */
		for (int k = i + 1; k < 3; k++)
			if (keep[k] < keep[i]) {
				t = keep[i];
				keep[i] = keep[k];
				keep[k] = t;
			}
	for (int i = 0; i < 3; i++) {
		if (keep[i] < lo)
			continue;
		if (keep[i] > lo)
			close_range((unsigned)lo, (unsigned)keep[i] - 1, 0);
		lo = keep[i] + 1;
	}
	close_range((unsigned)lo, ~0u, 0);
}

static ssize_t far_step(enum zb_far_kind kind, int fd, int src_fd, int null_fd,
			uint64_t left)
{
	size_t n = left < FAR_CHUNK ? (size_t)left : FAR_CHUNK;

	switch (kind) {
	case ZB_FAR_RECV_TRUNC:
		/* The buffer is never written: TCP skips the copy. */
		return recv(fd, NULL, FAR_CHUNK, MSG_TRUNC);
	case ZB_FAR_SPLICE_NULL:
		return splice(fd, NULL, null_fd, NULL, FAR_CHUNK,
			      SPLICE_F_MOVE);
	case ZB_FAR_SENDFILE_SRC:
		return n ? sendfile(fd, src_fd, NULL, n) : 0;
	}
	errno = EINVAL;
	return -1;
}

static void far_main(enum zb_far_kind kind, int fd, int src_fd, uint64_t size,
		     int report)
{
	struct far_report rep = {0};
	int null_fd = -1;
	ssize_t r;

	if (kind == ZB_FAR_SPLICE_NULL) {
		null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null_fd < 0)
			rep.err = -errno;
	}
	while (!rep.err) {
		r = far_step(kind, fd, src_fd, null_fd, size - rep.moved);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rep.err = -errno;
			break;
		}
		if (r == 0)
			break;
		rep.moved += (uint64_t)r;
	}
	rep.done_at = zb_now();
	/* A source closes its end: the sender sees the end of the stream. */
	close(fd);
	rep.cpu = zb_process_cpu();
	if (write(report, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
		_exit(3);
	_exit(0);
}

int zb_far_start(struct zb_far *f, enum zb_far_kind kind, int fd, int src_fd,
		 uint64_t size, int cpu)
{
	int p[2], err;

	memset(f, 0, sizeof(*f));
	f->pid = -1;
	f->report = -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	f->pid = fork();
	if (f->pid < 0) {
		err = -errno;
		close(p[0]);
		close(p[1]);
		return err;
	}
	if (f->pid == 0) {
		signal(SIGALRM, SIG_DFL);
		keep_only(fd, src_fd, p[1]);
		zb_pin(cpu);
		far_main(kind, fd, src_fd, size, p[1]);
	}
	close(p[1]);
	f->report = p[0];
	return 0;
}

int zb_far_wait(struct zb_far *f)
{
	struct far_report rep;
	size_t got = 0;
	ssize_t n;
	int st;

	while (f->report >= 0 && got < sizeof(rep)) {
		n = read(f->report, (char *)&rep + got, sizeof(rep) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (f->report >= 0)
		close(f->report);
	f->report = -1;
	while (f->pid > 0 && waitpid(f->pid, &st, 0) < 0 && errno == EINTR)
		;
	f->pid = -1;
	if (got != sizeof(rep))
		return -EIO;
	f->moved = rep.moved;
	f->done_at = rep.done_at;
	f->cpu = rep.cpu;
	f->err = rep.err;
	return 0;
}
