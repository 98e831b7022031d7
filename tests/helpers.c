/* SPDX-License-Identifier: MIT */
/* helpers.c — fixtures shared by the C tests (see helpers.h). */
#include "helpers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int t_failures;

void t_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("skip: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	exit(T_SKIP);
}

void t_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fatal: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(T_FAIL);
}

int t_result(void)
{
	if (t_failures) {
		fprintf(stderr, "%d check(s) failed\n", t_failures);
		return T_FAIL;
	}
	return T_PASS;
}

const char *t_tmpdir(void)
{
	static char dir[256];
	const char *env = getenv("ZC_TMP");

	if (dir[0])
		return dir;
	if (env && *env) {
		snprintf(dir, sizeof(dir), "%s", env);
		return dir;
	}
	snprintf(dir, sizeof(dir), "/tmp/zctest.XXXXXX");
	if (!mkdtemp(dir))
		t_fatal("mkdtemp: %s", strerror(errno));
	return dir;
}

/* splitmix64: cheap, and every 8-byte word depends on its position. */
static uint64_t mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void t_fill(void *buf, size_t len, uint64_t seed, uint64_t pos)
{
	unsigned char *p = buf;

	for (size_t i = 0; i < len; i++) {
		uint64_t at = pos + i;
		p[i] = (unsigned char)(mix(seed ^ (at >> 3)) >> ((at & 7) * 8));
	}
}

int t_create_file(const char *path, uint64_t len, uint64_t seed)
{
	static unsigned char buf[1 << 16];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	for (uint64_t pos = 0; pos < len;) {
		size_t n = len - pos < sizeof(buf) ? (size_t)(len - pos) : sizeof(buf);
		t_fill(buf, n, seed, pos);
		ssize_t w = pwrite(fd, buf, n, (off_t)pos);
		if (w <= 0) {
			int e = w < 0 ? -errno : -EIO;
			close(fd);
			return e;
		}
		pos += (uint64_t)w;
	}
	close(fd);
	return 0;
}

int t_check_file(int fd, uint64_t len, uint64_t seed)
{
	static unsigned char got[1 << 16], want[1 << 16];
	uint64_t pos = 0;

	while (pos < len) {
		size_t n = len - pos < sizeof(got) ? (size_t)(len - pos) : sizeof(got);
		ssize_t r = pread(fd, got, n, (off_t)pos);
		if (r <= 0)
			return 0;
		t_fill(want, (size_t)r, seed, pos);
		if (memcmp(got, want, (size_t)r) != 0)
			return 0;
		pos += (uint64_t)r;
	}
	/* Nothing may follow the expected bytes. */
	return pread(fd, got, 1, (off_t)len) == 0;
}

uint64_t t_hash(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int t_listen_tcp(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

int t_tcp_pair(int fds[2])
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int port, lfd = t_listen_tcp(&port);

	if (lfd < 0)
		return lfd;
	fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (fds[0] < 0 || connect(fds[0], (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;
		close(lfd);
		return e;
	}
	fds[1] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	close(lfd);
	return fds[1] < 0 ? -errno : 0;
}

int t_is_root(void)
{
	return geteuid() == 0;
}
