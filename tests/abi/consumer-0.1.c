/* SPDX-License-Identifier: MIT */
/*
 * consumer-0.1.c — a program written and built against the zcio 0.1
 * header (tests/abi/zcio-0.1.h) and linked as it was against 0.1's
 * libzcio.so.0, run against the current library: it must see every field
 * it knows where it knows it, and the library must write nothing past its
 * 0.1-sized structures nor read past its 0.1-sized options. Each structure
 * sits between guard bytes that must come back untouched (the options'
 * trailing guard is non-zero, which a library reading past 0.1's 40 bytes
 * would refuse as set reserved words).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zcio-0.1.h"

#define LEN   300001
#define GUARD 0xa5

static unsigned char data[LEN];
static int bad;

#define EXPECT(c)                                                              \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,     \
				#c);                                           \
			bad = 1;                                               \
		}                                                              \
	} while (0)

/* A structure with guard bytes on both sides. */
struct gstats {
	unsigned char before[64];
	struct zc_stats st;
	unsigned char after[256];
};
struct gopts {
	unsigned char before[64];
	struct zc_options o;
	unsigned char after[256];
};

static int untouched(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != GUARD)
			return 0;
	return 1;
}

static void guard(void *p, size_t n)
{
	memset(p, GUARD, n);
}

#define GUARDS_OK(g)                                                           \
	(untouched((g)->before, sizeof((g)->before)) &&                        \
	 untouched((g)->after, sizeof((g)->after)))

/* Fields that hold counts of this one call: small, whatever they are. */
static void sane(const struct zc_stats *st, uint64_t bytes)
{
	EXPECT(st->bytes == bytes);
	EXPECT(st->syscalls > 0 && st->syscalls < 100000);
	EXPECT(st->fallbacks < 16);
	EXPECT(st->waits < 100000);
	EXPECT(st->wall_ns > 0 && st->wall_ns < 60000000000ull);
	EXPECT(st->cpu_user_ns + st->cpu_sys_ns <= st->wall_ns + 20000000);
	EXPECT(st->vol_ctxsw < 100000 && st->invol_ctxsw < 100000);
	EXPECT(st->minor_faults < 1000000 && st->major_faults < 1000000);
}

static int file(const char *dir, const char *name, int fill)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (fill && write(fd, data, LEN) != LEN) ||
	    lseek(fd, 0, SEEK_SET) != 0)
		exit(1);
	return fd;
}

static int same(int fd, off_t from, size_t len)
{
	unsigned char *b = malloc(len);
	int ok = b && pread(fd, b, len, 0) == (ssize_t)len &&
		 memcmp(b, data + from, len) == 0;

	free(b);
	return ok;
}

static int progress_calls;
static int progress(uint64_t moved, void *arg)
{
	(void)moved;
	progress_calls += arg == &progress_calls;
	return 0;
}

/* zc_transfer: read-write copies every byte twice through user space. */
static void transfer(const char *dir)
{
	int in = file(dir, "src", 1), out = file(dir, "t.out", 0);
	struct gstats g;
	off_t off = 1;

	guard(&g, sizeof(g));
	EXPECT(zc_transfer(out, in, &off, ZC_TO_EOF, ZC_READ_WRITE, &g.st) ==
	       LEN - 1);
	EXPECT(GUARDS_OK(&g));
	sane(&g.st, LEN - 1);
	EXPECT(g.st.method == ZC_READ_WRITE);
	EXPECT(g.st.user_copy_bytes == 2ull * (LEN - 1));
	EXPECT(g.st.fallbacks == 0 && g.st.waits == 0);
	EXPECT(g.st.zc_copied_bytes == 0);
	EXPECT(off == LEN && same(out, 1, LEN - 1));
	close(in);
	close(out);
}

/* zc_transfer_opts with a 0.1 options structure: chunk size and progress
 * callback honoured, nothing read past it. */
static void transfer_opts(const char *dir)
{
	int in = file(dir, "src", 1), out = file(dir, "o.out", 0);
	struct gstats g;
	struct gopts go;

	guard(&g, sizeof(g));
	guard(&go, sizeof(go));
	memset(&go.o, 0, sizeof(go.o));
	go.o.method = ZC_SENDFILE;
	go.o.chunk_size = 65536;
	go.o.progress = progress;
	go.o.progress_arg = &progress_calls;
	EXPECT(zc_transfer_opts(out, in, NULL, ZC_TO_EOF, &go.o, &g.st) == LEN);
	EXPECT(GUARDS_OK(&g) && GUARDS_OK(&go));
	sane(&g.st, LEN);
	EXPECT(g.st.method == ZC_SENDFILE);
	EXPECT(g.st.user_copy_bytes == 0);
	/* 5 chunks of 64 KiB and the call that sees the end */
	EXPECT(progress_calls == 5);
	EXPECT(g.st.syscalls >= 6);
	EXPECT(same(out, 0, LEN));
	close(in);
	close(out);
}

/* AUTO to a TCP socket is sendfile; msg-zerocopy over loopback reports
 * every byte copied in zc_copied_bytes, the last field of 0.1. */
static void tcp(const char *dir)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c, s;
	int in = file(dir, "src", 1);
	static unsigned char got[2 * LEN];
	size_t have = 0;
	ssize_t n;
	struct gstats g1, g2;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &al))
		exit(1);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connect(c, (struct sockaddr *)&a, sizeof(a)))
		exit(1);
	s = accept(l, NULL, NULL);
	if (fork() == 0) {
		guard(&g1, sizeof(g1));
		guard(&g2, sizeof(g2));
		n = zc_transfer(c, in, NULL, ZC_TO_EOF, ZC_AUTO, &g1.st);
		lseek(in, 0, SEEK_SET);
		if (n == LEN)
			n = zc_transfer(c, in, NULL, ZC_TO_EOF, ZC_MSG_ZEROCOPY,
					&g2.st);
		EXPECT(n == LEN);
		EXPECT(GUARDS_OK(&g1) && GUARDS_OK(&g2));
		sane(&g1.st, LEN);
		sane(&g2.st, LEN);
		EXPECT(g1.st.method == ZC_SENDFILE);
		EXPECT(g2.st.method == ZC_MSG_ZEROCOPY);
		EXPECT(g2.st.zc_copied_bytes + g2.st.user_copy_bytes == LEN);
		_exit(bad);
	}
	close(c);
	while ((n = read(s, got + have, sizeof(got) - have)) > 0)
		have += (size_t)n;
	EXPECT(have == 2 * LEN);
	EXPECT(memcmp(got, data, LEN) == 0 &&
	       memcmp(got + LEN, data, LEN) == 0);
	{
		int st = 1;

		wait(&st);
		EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	close(s);
	close(l);
	close(in);
}

static void the_rest(const char *dir)
{
	char p[512];
	int in = file(dir, "src", 1), out = file(dir, "c.out", 0);
	const struct zc_method_info *mi;
	struct zc_view v;
	struct gstats g;
	unsigned char b[100];

	for (int m = 0; m < ZC_METHOD_COUNT; m++) {
		mi = zc_method_info((enum zc_method)m);
		EXPECT(mi && mi->method == (enum zc_method)m && mi->name &&
		       mi->kernel && mi->summary);
		EXPECT(strcmp(mi->name, zc_method_name((enum zc_method)m)) ==
		       0);
		EXPECT(zc_method_from_name(mi->name) == m);
	}
	EXPECT(zc_method_info(ZC_SENDFILE)->switches == 2);
	EXPECT(zc_method_check(out, in, ZC_AUTO) == ZC_COPY_FILE_RANGE);
	EXPECT(zc_version() != NULL);
	/* clone: supported or refused, never half-done */
	{
		int r = zc_clone(out, in);

		EXPECT(r == 0 || r == -EOPNOTSUPP || r == -EINVAL ||
		       r == -EXDEV);
	}
	EXPECT(zc_view_open(&v, in, 1000, 5000) == 0);
	EXPECT(v.len == 5000 && memcmp(v.addr, data + 1000, 5000) == 0);
	EXPECT(zc_view_read(&v, 10, b, sizeof(b)) == (ssize_t)sizeof(b));
	EXPECT(memcmp(b, data + 1010, sizeof(b)) == 0);
	zc_view_close(&v);
	snprintf(p, sizeof(p), "%s/src", dir);
	guard(&g, sizeof(g));
	EXPECT(zc_read_file(p, ZC_READ_BLOCKING, ZC_TO_EOF, 0, &g.st) == LEN);
	EXPECT(GUARDS_OK(&g));
	sane(&g.st, LEN);
	EXPECT(g.st.user_copy_bytes == LEN);
	close(in);
	close(out);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	for (size_t i = 0; i < LEN; i++)
		data[i] = (unsigned char)(i * 131 + (i >> 9));
	transfer(argv[1]);
	transfer_opts(argv[1]);
	tcp(argv[1]);
	the_rest(argv[1]);
	printf("0.1 program against libzcio %s: %s\n", zc_version(),
	       bad ? "FAILED" : "every field as 0.1 had it");
	return bad;
}
