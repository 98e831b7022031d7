/* SPDX-License-Identifier: MIT */
/*
 * pair-overhead.c — the cost of libzcio around one 64 KiB sendfile piece.
 * One file (FILE_MIB MiB, in the page cache) goes to a TCP loopback socket
 * whose reader discards in the kernel (recv MSG_TRUNC), in pieces of
 * PIECE bytes, three ways taking turns: a bare sendfile(2) loop, a
 * prepared pair (zc_pair_transfer, AUTO) and zc_transfer (AUTO) per piece.
 * SIGPIPE is ignored, as servers do. Each turn runs for SECS seconds;
 * ROUNDS turns each. Prints every turn and the medians of the ratios to
 * the bare loop of the same round.
 *
 *   pair-overhead [--secs S] [--rounds N] [--piece BYTES] [--mib N]
 *                 [--cpus SENDER,READER]
 */
#define PROG "pair-overhead"
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"
#include "zcio.h"

enum { BARE, PAIR, XFER, NWAYS };
static const char *const names[NWAYS] = {"bare sendfile", "prepared pair",
					 "zc_transfer"};

static double secs = 2;
static int rounds = 5, cpu_send = 0, cpu_read = 1;
static size_t piece = 65536, file_len = 64u << 20;

static void *reader(void *arg)
{
	int fd = *(int *)arg;

	pin_cpu(cpu_read);
	while (recv(fd, NULL, 1 << 20, MSG_TRUNC) > 0)
		;
	return NULL;
}

static double cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* One piece the bare way: sendfile until the piece is out. */
static void bare(int out, int in, off_t *off, size_t n)
{
	ssize_t r;

	while (n) {
		r = sendfile(out, in, off, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("sendfile: %s", r ? strerror(errno) : "0");
		n -= (size_t)r;
	}
}

/* One turn: pieces for `secs` seconds; returns MiB/s, *cpu_gib the
 * sender's CPU seconds per GiB. */
static double turn(int way, int out, int in, double *cpu_gib)
{
	struct zc_pair *p = NULL;
	double t0, t, c0;
	uint64_t bytes = 0;
	off_t off = 0;
	ssize_t r;

	if (way == PAIR && !(p = zc_pair_open(out, in, NULL)))
		die("zc_pair_open: %s", strerror(errno));
	t0 = now_s();
	c0 = cpu_now();
	do {
		for (int i = 0; i < 64; i++) {
			if ((size_t)off + piece > file_len)
				off = 0;
			if (way == BARE) {
				bare(out, in, &off, piece);
				continue;
			}
			r = way == PAIR ? zc_pair_transfer(p, &off, piece, NULL)
					: zc_transfer(out, in, &off, piece,
						      ZC_AUTO, NULL);
			if (r != (ssize_t)piece)
				die("%s: %zd", names[way], r);
		}
		bytes += 64 * piece;
		t = now_s() - t0;
	} while (t < secs);
	*cpu_gib = (cpu_now() - c0) / (bytes / 1073741824.0);
	zc_pair_close(p);
	return bytes / 1048576.0 / t;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	char path[] = "/var/tmp/pair-overhead.XXXXXX";
	static double ratio[NWAYS][64], cpur[NWAYS][64];
	double mib[NWAYS], cpu[NWAYS];
	int l, out, peer, in;
	pthread_t th;
	char *buf;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--secs") && i + 1 < argc)
			secs = atof(argv[++i]);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--piece") && i + 1 < argc)
			piece = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--mib") && i + 1 < argc)
			file_len = strtoul(argv[++i], NULL, 0) << 20;
		else if (!strcmp(argv[i], "--cpus") && i + 1 < argc)
			sscanf(argv[++i], "%d,%d", &cpu_send, &cpu_read);
		else
			die("usage: pair-overhead [--secs S] [--rounds N] "
			    "[--piece BYTES] [--mib N] [--cpus SEND,READ]");
	}
	if (rounds < 1 || rounds > 64 || piece == 0 || piece > file_len)
		die("bad --rounds or --piece");
	signal(SIGPIPE, SIG_IGN);
	in = mkstemp(path);
	if (in < 0)
		die("mkstemp: %s", strerror(errno));
	unlink(path);
	buf = malloc(file_len);
	for (size_t i = 0; buf && i < file_len; i++)
		buf[i] = (char)(i * 131 + (i >> 12));
	if (!buf || write(in, buf, file_len) != (ssize_t)file_len)
		die("writing the file");
	free(buf);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &al))
		die("listen: %s", strerror(errno));
	out = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(out, (struct sockaddr *)&a, sizeof(a)))
		die("connect: %s", strerror(errno));
	peer = accept(l, NULL, NULL);
	pthread_create(&th, NULL, reader, &peer);
	pin_cpu(cpu_send);

	printf("%zu-byte pieces of a %zu MiB file to TCP loopback (reader "
	       "discards), sender CPU %d, reader CPU %d, %.1f s a turn\n",
	       piece, file_len >> 20, cpu_send, cpu_read, secs);
	for (int r = 0; r < rounds; r++) {
		for (int w = 0; w < NWAYS; w++) {
			mib[w] = turn(w, out, in, &cpu[w]);
			printf("round %d %-14s %8.0f MiB/s %6.3f s CPU/GiB\n",
			       r + 1, names[w], mib[w], cpu[w]);
		}
		for (int w = 0; w < NWAYS; w++) {
			ratio[w][r] = mib[w] / mib[BARE];
			cpur[w][r] = cpu[w] / cpu[BARE];
		}
	}
	for (int w = PAIR; w < NWAYS; w++)
		printf("%s / bare sendfile: throughput %.3fx, sender CPU per "
		       "GiB %.3fx (medians of %d rounds)\n",
		       names[w], median(ratio[w], rounds),
		       median(cpur[w], rounds), rounds);
	shutdown(out, SHUT_WR);
	close(out);
	pthread_join(th, NULL);
	return 0;
}
