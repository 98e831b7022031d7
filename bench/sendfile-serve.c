/* SPDX-License-Identifier: MIT */
/*
 * sendfile-serve.c — the bare peer of bench/kafka-fetch-zc.sh: what
 * serving segment bytes costs with nothing but sendfile(2). It listens on
 * HOST:0 and prints "listening on HOST:PORT"; each connection gets a
 * thread that reads 4-byte big-endian sizes and answers each with that
 * many bytes of the FILES (segment .log files), in order and round again,
 * by a blocking sendfile loop in pieces of at most PIECE bytes (default
 * 256 KiB, the broker's piece). kafka-fetch-zc --raw is its client.
 *
 *   sendfile-serve [--host HOST] [--piece BYTES] FILE...
 */
#define PROG "sendfile-serve"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"

static int nfiles, fds[256];
static off_t sizes[256];
static size_t piece = 256u << 10;

static int read_all(int fd, unsigned char *p, size_t n)
{
	ssize_t r;

	while (n) {
		r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void *serve(void *arg)
{
	int s = (int)(intptr_t)arg, f = 0;
	unsigned char q[4];
	off_t pos = 0;
	ssize_t r;

	while (read_all(s, q, 4) == 0) {
		size_t want =
		    (size_t)q[0] << 24 | q[1] << 16 | q[2] << 8 | q[3];

		while (want) {
			size_t n = want < piece ? want : piece;

			if (pos >= sizes[f]) {
				f = (f + 1) % nfiles;
				pos = 0;
				continue;
			}
			if ((off_t)n > sizes[f] - pos)
				n = (size_t)(sizes[f] - pos);
			r = sendfile(s, fds[f], &pos, n);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				goto out; /* the client went away */
			want -= (size_t)r;
		}
	}
out:
	close(s);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	const char *host = "127.0.0.1";
	struct stat st;
	pthread_t th;
	int l, i = 1, one = 1;

	for (; i < argc && argv[i][0] == '-'; i += 2) {
		if (i + 1 >= argc)
			die("usage: sendfile-serve [--host H] [--piece N] FILE...");
		if (!strcmp(argv[i], "--host"))
			host = argv[i + 1];
		else if (!strcmp(argv[i], "--piece"))
			piece = strtoul(argv[i + 1], NULL, 0);
		else
			die("unknown option %s", argv[i]);
	}
	for (; i < argc && nfiles < 256; i++) {
		fds[nfiles] = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fds[nfiles] < 0 || fstat(fds[nfiles], &st))
			die("%s: %s", argv[i], strerror(errno));
		if (st.st_size == 0) {
			close(fds[nfiles]);
			continue;
		}
		sizes[nfiles++] = st.st_size;
	}
	if (!nfiles || !piece)
		die("no non-empty FILE, or --piece 0");
	signal(SIGPIPE, SIG_IGN);
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		die("bad --host %s", host);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 64) ||
	    getsockname(l, (struct sockaddr *)&a, &al))
		die("listen: %s", strerror(errno));
	printf("listening on %s:%u\n", host, ntohs(a.sin_port));
	fflush(stdout);
	for (;;) {
		int s = accept(l, NULL, NULL);

		if (s < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept: %s", strerror(errno));
		}
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (pthread_create(&th, NULL, serve, (void *)(intptr_t)s))
			die("pthread_create failed");
		pthread_detach(th);
	}
}
