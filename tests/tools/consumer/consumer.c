/* SPDX-License-Identifier: MIT */
/*
 * consumer.c — a program written against the installed interface only
 * (zcio.h), as a user of the library would write it. It moves a buffer
 * with every method over a pair of descriptors that method serves, checks
 * every byte, and prints one line per method. Exit 0 when all succeeded.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <zcio.h>

#define LEN (32 * 1024 + 17)

static unsigned char data[LEN], back[LEN];

static int tcp_pair(int fds[2])
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (void *)&sa, sizeof(sa)) || listen(l, 1) ||
	    getsockname(l, (void *)&sa, &sl))
		return -1;
	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (fds[0] < 0 || connect(fds[0], (void *)&sa, sizeof(sa)))
		return -1;
	fds[1] = accept(l, NULL, NULL);
	close(l);
	return fds[1] < 0 ? -1 : 0;
}

/* Read exactly LEN bytes from fd (a file from offset 0, or a stream). */
static int read_back(int fd, int is_file)
{
	size_t got = 0;

	while (got < LEN) {
		ssize_t r = is_file
				? pread(fd, back + got, LEN - got, (off_t)got)
				: read(fd, back + got, LEN - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return memcmp(back, data, LEN) == 0 ? 0 : -1;
}

static int one(const char *dir, enum zc_method m)
{
	char src[512], dst[512];
	int in, out, peer = -1, fds[2], is_file = 0, ok;
	struct zc_stats st;
	ssize_t n;

	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(dst, sizeof(dst), "%s/dst-%s", dir, zc_method_name(m));
	in = open(src, O_RDONLY);
	if (in < 0)
		return -1;
	switch (m) {
	case ZC_SPLICE:
	case ZC_IO_URING: /* file -> pipe, read back from the pipe */
		if (pipe(fds))
			return -1;
		fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
		out = fds[1], peer = fds[0];
		break;
	case ZC_MSG_ZEROCOPY: /* file -> TCP over loopback */
	case ZC_IO_URING_ZC:
		if (tcp_pair(fds))
			return -1;
		out = fds[0], peer = fds[1];
		break;
	default: /* file -> file */
		out = open(dst, O_RDWR | O_CREAT | O_TRUNC, 0644);
		peer = out, is_file = 1;
		break;
	}
	n = zc_transfer(out, in, NULL, ZC_TO_EOF, m, &st);
	if (!is_file)
		close(out);
	ok = n == LEN && read_back(peer, is_file) == 0;
	printf("%-16s %s: %zd bytes, %llu calls, %llu user-copy bytes, by %s\n",
	       zc_method_name(m), ok ? "ok" : "FAILED", n,
	       (unsigned long long)st.syscalls,
	       (unsigned long long)st.user_copy_bytes,
	       zc_method_name(st.method));
	if (n < 0)
		printf("  error: %s\n", strerror((int)-n));
	close(in);
	close(peer);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	char path[512];
	int fd, bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: consumer DIR\n");
		return 2;
	}
	for (size_t i = 0; i < LEN; i++)
		data[i] = (unsigned char)(i * 131 + (i >> 9));
	snprintf(path, sizeof(path), "%s/src", argv[1]);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, LEN) != LEN)
		return 1;
	close(fd);
	for (int m = 0; m < ZC_METHOD_COUNT; m++)
		bad |= one(argv[1], (enum zc_method)m);
	printf("libzcio %s\n", zc_version());
	return bad ? 1 : 0;
}
