/* SPDX-License-Identifier: MIT */
/*
 * peer.c — the threads at the far end of stream scenarios. They are not
 * measured: the library's figures are those of the thread that called it
 * (RUSAGE_THREAD), so the receiver's own copy to user space stays out.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "peer.h"

#define PEER_BUF (256u * 1024)

/* The end of a peer thread: when it finished, its CPU clock then, and the
 * descriptor closed, so that the other side sees the end of the stream. */
static void *peer_end(struct zb_peer *p, char *buf)
{
	p->done_at = zb_now();
	p->cpu_end = zb_thread_cpu();
	free(buf);
	close(p->fd);
	p->fd = -1;
	return NULL;
}

static void *sink_main(void *arg)
{
	struct zb_peer *p = arg;
	char *buf = malloc(PEER_BUF);

	if (!buf) {
		p->err = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r = read(p->fd, buf, PEER_BUF);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			p->err = -errno;
			break;
		}
		if (r == 0)
			break;
		/* Keep reading after a mismatch so the writer never blocks. */
		if (!p->bad && (p->moved + (uint64_t)r > p->size ||
				!zb_check(buf, (size_t)r, p->moved)))
			p->bad = true;
		p->moved += (uint64_t)r;
	}
out:
	return peer_end(p, buf);
}

static void *source_main(void *arg)
{
	struct zb_peer *p = arg;
	char *buf = malloc(PEER_BUF);

	if (!buf) {
		p->err = -ENOMEM;
		goto out;
	}
	while (p->moved < p->size) {
		uint64_t left = p->size - p->moved;
		size_t n = left < PEER_BUF ? (size_t)left : PEER_BUF;
		ssize_t w;

		zb_fill(buf, n, p->moved);
		for (size_t done = 0; done < n; done += (size_t)w) {
			w = send(p->fd, buf + done, n - done, MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w < 0) {
				p->err = -errno;
				goto out;
			}
			p->moved += (uint64_t)w;
		}
	}
out:
	return peer_end(p, buf);
}

static int start(struct zb_peer *p, void *(*fn)(void *))
{
	int err;

	p->moved = 0;
	p->bad = false;
	p->err = 0;
	p->done_at = 0;
	err = pthread_create(&p->th, NULL, fn, p);
	return -err;
}

int zb_peer_sink(struct zb_peer *p)
{
	return start(p, sink_main);
}

int zb_peer_source(struct zb_peer *p)
{
	return start(p, source_main);
}

double zb_peer_cpu(const struct zb_peer *p)
{
	struct timespec ts;
	clockid_t id;

	if (pthread_getcpuclockid(p->th, &id) != 0 ||
	    clock_gettime(id, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void zb_peer_join(struct zb_peer *p)
{
	pthread_join(p->th, NULL);
}

int zb_tcp_pair(int fds[2])
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int ls, c = -1, s = -1, err;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0)
		return -errno;
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(ls, 1) < 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &alen) < 0)
		goto fail;
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
		goto fail;
	s = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		goto fail;
	close(ls);
	fds[0] = c;
	fds[1] = s;
	return 0;
fail:
	err = -errno;
	if (c >= 0)
		close(c);
	close(ls);
	return err;
}
