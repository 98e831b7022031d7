/* SPDX-License-Identifier: MIT */
/*
 * peer.h — the other end of a stream scenario: a thread that reads a
 * socket or pipe to its end and checks every byte (sink), or one that
 * writes the pattern into a socket and closes it (source); and the
 * loopback TCP connection they use.
 */
#ifndef ZCBENCH_PEER_H
#define ZCBENCH_PEER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct zb_peer {
	int fd;		/* the end this thread owns; closed when it ends */
	uint64_t size;	/* bytes to write (source) or expected (sink) */
	uint64_t moved; /* bytes read or written */
	bool bad;	/* sink: a byte did not match the pattern */
	int err;	/* -errno of a failed read/write, or 0 */
	double done_at; /* zb_now() when the end was reached */
	double cpu_end; /* the thread's CPU time when it ended */
	pthread_t th;
};

/* Start a sink or source thread on p->fd. 0 or -errno. */
int zb_peer_sink(struct zb_peer *p);
int zb_peer_source(struct zb_peer *p);
/* The peer thread's CPU time so far, in seconds. */
double zb_peer_cpu(const struct zb_peer *p);
/* Wait for the thread. */
void zb_peer_join(struct zb_peer *p);

/* A connected loopback TCP pair: fds[0] client, fds[1] accepted end. */
int zb_tcp_pair(int fds[2]);

#endif /* ZCBENCH_PEER_H */
