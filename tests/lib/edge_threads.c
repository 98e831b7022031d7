/* SPDX-License-Identifier: MIT */
/*
 * edge_threads.c — zc_transfer from several threads at once. The library
 * promises thread safety: per-transfer state on the caller's stack, shared
 * caches (the internal pipe pool, the "unsupported" latches) atomic. Each
 * thread runs its own mix of pairs with its own seeds, so a pipe handed to
 * two threads, or one returned to the pool with bytes in it, shows up as
 * foreign or stale bytes. Run under ASan+UBSan too.
 */
#include "fault.h"
#include "helpers.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define THREADS 6
#define ROUNDS	25
#define LEN	100000 /* fits in every buffer below: no reader needed */

struct worker {
	int id;
	pthread_t th;
	int failures;
};

/* Read exactly len bytes (the writer has finished or fits in a buffer). */
static size_t read_all(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;
	ssize_t r;

	while (got < len && (r = read(fd, buf + got, len - got)) > 0)
		got += (size_t)r;
	return got;
}

/* Thread-safe fixtures (the shared helpers use static buffers). */
static int make_file(const char *path, unsigned char *buf, uint64_t seed)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	t_fill(buf, LEN, seed, 0);
	if (fd >= 0 && pwrite(fd, buf, LEN, 0) != LEN) {
		close(fd);
		return -1;
	}
	if (fd >= 0)
		lseek(fd, 0, SEEK_SET);
	return fd;
}

static int file_ok(int fd, unsigned char *buf, uint64_t seed)
{
	return pread(fd, buf, LEN + 1, 0) == LEN &&
	       t_check_buf(buf, LEN, seed, 0);
}

static int round_trip(struct worker *w, int round, unsigned char *buf)
{
	static const enum zc_method ms[] = {ZC_AUTO, ZC_SPLICE, ZC_SENDFILE,
					    ZC_READ_WRITE, ZC_IO_URING};
	uint64_t seed = (uint64_t)w->id << 32 | (uint64_t)round;
	enum zc_method m = ms[(w->id + round) % 5];
	int kind = round % 3, fds[2], ok = 1;
	char name[512];
	ssize_t r;

	snprintf(name, sizeof(name), "%s/thr%d.%d", t_tmpdir(), w->id, kind);
	if (kind == 0) {
		/* file -> unix socket */
		int in = make_file(name, buf, seed);

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
			return 0;
		r = zc_transfer(fds[0], in, NULL, ZC_TO_EOF, m, NULL);
		close(fds[0]);
		ok = r == LEN && read_all(fds[1], buf, LEN) == LEN &&
		     t_check_buf(buf, LEN, seed, 0) &&
		     read(fds[1], buf, 1) == 0;
		close(fds[1]);
		close(in);
	} else if (kind == 1) {
		/* unix socket -> file (splice through the pooled pipe) */
		int out =
		    open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
			return 0;
		t_fill(buf, LEN, seed, 0);
		if (write(fds[1], buf, LEN) != LEN)
			return 0;
		shutdown(fds[1], SHUT_WR);
		r = zc_transfer(out, fds[0], NULL, ZC_TO_EOF,
				m == ZC_SENDFILE ? ZC_AUTO : m, NULL);
		ok = r == LEN && file_ok(out, buf, seed);
		close(fds[0]);
		close(fds[1]);
		close(out);
	} else {
		/* file -> pipe */
		int in = make_file(name, buf, seed);

		if (pipe2(fds, O_CLOEXEC) < 0)
			return 0;
		fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
		r = zc_transfer(fds[1], in, NULL, ZC_TO_EOF, m, NULL);
		close(fds[1]);
		ok = r == LEN && read_all(fds[0], buf, LEN) == LEN &&
		     t_check_buf(buf, LEN, seed, 0) &&
		     read(fds[0], buf, 1) == 0;
		close(fds[0]);
		close(in);
	}
	if (!ok)
		fprintf(stderr, "thread %d round %d (%d, %s): ret %zd\n", w->id,
			round, kind, zc_method_name(m), r);
	return ok;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned char *buf = malloc(LEN + 1);

	for (int i = 0; buf && i < ROUNDS; i++)
		if (!round_trip(w, i, buf))
			w->failures++;
	free(buf);
	return NULL;
}

int main(void)
{
	struct worker w[THREADS];

	alarm(120);
	t_tmpdir(); /* settle the directory before the threads use it */
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){.id = i};
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i]))
			t_fatal("pthread_create");
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(w[i].th, NULL);
		t_failures += w[i].failures;
	}
	return t_result();
}
