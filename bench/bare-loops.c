/* SPDX-License-Identifier: MIT */
/*
 * bare-loops.c — the kernel's paths with nothing around them: a bare
 * sendfile(2) loop and a bare read(2)+write(2) loop (128 KiB buffer, the
 * library's default) moving a cached file into a loopback TCP socket,
 * whose receiver is a process of its own on another CPU that drops the
 * bytes with recv(2) MSG_TRUNC (tcp(7)): the same far end as zcbench's
 * timed runs. The two loops alternate, RUNS times each; prints every run
 * and the medians, one line per loop:
 *   sendfile MEDIAN_MIB_S ...    read-write MEDIAN_MIB_S ...
 *
 *   bare-loops FILE [RUNS]     (RUNS default 7)
 */
#define PROG "bare-loops"
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

#define RW_BUF	(128u << 10)
#define MAXRUNS 50

static int cpu_a = -1, cpu_b = -1; /* sender, receiver */

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		die("sched_setaffinity: %s", strerror(errno));
}

static void pick_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set)) {
			if (cpu_a < 0) {
				cpu_a = c;
			} else {
				cpu_b = c;
				return;
			}
		}
	cpu_a = -1; /* one CPU: nothing to pin */
}

/* A loopback connection; the accepted end goes to a child that discards
 * and exits at the end of the stream. Returns the sending end. */
static int connect_to_sink(pid_t *child)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int ls, c, s;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(ls, 1) < 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &alen) < 0)
		die("listen: %s", strerror(errno));
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect: %s", strerror(errno));
	s = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		die("accept: %s", strerror(errno));
	close(ls);
	*child = fork();
	if (*child < 0)
		die("fork: %s", strerror(errno));
	if (*child == 0) {
		close(c);
		pin(cpu_b);
		for (;;) {
			ssize_t r = recv(s, NULL, 16u << 20, MSG_TRUNC);

			if (r > 0 || (r < 0 && errno == EINTR))
				continue;
			_exit(r == 0 ? 0 : 1);
		}
	}
	close(s);
	return c;
}

/* One run of one loop; MiB/s from the first byte to the receiver's end. */
static double one(int fd, off_t size, int use_sendfile, char *buf)
{
	pid_t child;
	int sock = connect_to_sink(&child), st;
	double t0 = now_s(), t;
	off_t off = 0;

	while (off < size) {
		ssize_t r;

		if (use_sendfile) {
			r = sendfile(sock, fd, &off, (size_t)(size - off));
		} else {
			r = pread(fd, buf, RW_BUF, off);
			for (ssize_t put = 0, w; r > 0 && put < r; put += w) {
				w = write(sock, buf + put, (size_t)(r - put));
				if (w < 0)
					die("write: %s", strerror(errno));
			}
			if (r > 0)
				off += r;
		}
		if (r < 0 && errno != EINTR)
			die("%s: %s", use_sendfile ? "sendfile" : "read",
			    strerror(errno));
		if (r == 0)
			die("the file shrank");
	}
	close(sock);
	if (waitpid(child, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		die("the receiver failed");
	t = now_s() - t0;
	return (double)size / 1048576.0 / t;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *name, double *v, int n)
{
	double s[MAXRUNS];

	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(s[0]), cmp);
	printf("%s %.1f MiB/s median of %d runs (min %.1f, max %.1f)\n", name,
	       n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2, n, s[0],
	       s[n - 1]);
}

int main(int argc, char **argv)
{
	double sf[MAXRUNS], rw[MAXRUNS];
	int runs = argc > 2 ? atoi(argv[2]) : 7, fd;
	struct stat stt;
	char *buf = malloc(RW_BUF), tmp;

	if (argc < 2 || runs < 1 || runs > MAXRUNS || !buf)
		die("usage: bare-loops FILE [RUNS 1..%d]", MAXRUNS);
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &stt) < 0 || stt.st_size == 0)
		die("%s: %s", argv[1], fd < 0 ? strerror(errno) : "empty");
	signal(SIGPIPE, SIG_IGN);
	/* Warm: both loops read the page cache. */
	for (off_t o = 0; o < stt.st_size; o += 4096)
		if (pread(fd, &tmp, 1, o) < 0)
			die("read: %s", strerror(errno));
	pick_cpus();
	pin(cpu_a);
	if (cpu_a >= 0)
		printf("placement: sender on CPU %d, recv(MSG_TRUNC) receiver "
		       "process on CPU %d\n",
		       cpu_a, cpu_b);
	else
		printf("placement: one CPU, not pinned\n");
	for (int i = 0; i < runs; i++) {
		sf[i] = one(fd, stt.st_size, 1, buf);
		rw[i] = one(fd, stt.st_size, 0, buf);
		printf("run %d: sendfile %.1f MiB/s, read-write %.1f MiB/s\n",
		       i + 1, sf[i], rw[i]);
	}
	report("sendfile", sf, runs);
	report("read-write", rw, runs);
	free(buf);
	close(fd);
	return 0;
}
