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
#include <sys/types.h>

#include "bench.h"

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

/*
 * The far end of a timed run (far.c): a process of its own, pinned to
 * another CPU than the sender where the machine has one, that costs as
 * little as the kernel allows. It reports how many bytes it moved, when it
 * reached the end (zb_now(), CLOCK_MONOTONIC, the same in every process)
 * and its CPU time.
 */
enum zb_far_kind {
	ZB_FAR_RECV_TRUNC,   /* recv(2) with MSG_TRUNC: TCP drops the bytes */
	ZB_FAR_SPLICE_NULL,  /* splice(2) a pipe into /dev/null */
	ZB_FAR_SENDFILE_SRC, /* sendfile(2) the cached source into a socket */
};
struct zb_far {
	pid_t pid;
	int report; /* read end of the child's report pipe */
	uint64_t moved;
	double done_at, cpu;
	int err; /* -errno of the child's failed call, or 0 */
};
/* Fork the far end on `fd` (`src_fd`: the file a source sends, else -1);
 * the child keeps no other descriptor of ours. cpu < 0: not pinned. 0 or
 * -errno. */
int zb_far_start(struct zb_far *f, enum zb_far_kind kind, int fd, int src_fd,
		 uint64_t size, int cpu);
/* Wait for the child's report and its exit. 0, or -EIO when it died
 * without one. */
int zb_far_wait(struct zb_far *f);
/* Short description for tables: "recv(MSG_TRUNC)". */
const char *zb_far_name(enum zb_far_kind kind);

/* Pin the calling thread to `cpu`. 0 or -errno. */
int zb_pin(int cpu);
/* Two distinct CPUs this process may run on: 2, or 1 (one CPU: both
 * -1, nothing is pinned). */
int zb_pick_cpus(int *sender, int *peer);

/* The veth scenario (net.c): two network namespaces joined by a veth
 * pair (MTU 1500, 10.211.0.1/30 and .2 inside them only), made with ip(8)
 * and removed on exit and on signals. Root only. 0, or -1 with n->why. */
int zb_net_up(struct zb_net *n);
/* Remove the namespaces (async-signal-safe: umount2 and unlink). */
void zb_net_down(void);
/* A TCP connection across the veth: fds[0] in the sender's namespace,
 * fds[1] accepted in the receiver's. 0 or -errno. */
int zb_net_pair(const struct zb_net *n, int fds[2]);

#endif /* ZCBENCH_PEER_H */
