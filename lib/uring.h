/* SPDX-License-Identifier: MIT */
/*
 * uring.h — a minimal io_uring ring on the raw system calls, for the
 * io_uring engine and the polled disk reads. No liburing: users of
 * libzcio.a link nothing else.
 *
 * One ring serves one transfer on one thread: no locking, no SQPOLL.
 * Entries are prepared with zc__uring_get_sqe(), handed to the kernel with
 * zc__uring_submit(), and completions are taken one at a time with
 * zc__uring_wait_cqe(). Every system call goes through the zc__sys_*
 * layer, so it is counted and fault-injectable.
 */
#ifndef ZC_URING_H
#define ZC_URING_H

#include <linux/io_uring.h>
#include <stddef.h>

struct zc_uring {
	int fd;
	/* submission ring (shared with the kernel) */
	unsigned *sq_head, *sq_tail, *sq_array;
	unsigned sq_mask, sq_entries;
	struct io_uring_sqe *sqes;
	unsigned sqe_tail; /* prepared, not yet published */
	/* completion ring */
	unsigned *cq_head, *cq_tail;
	unsigned cq_mask;
	struct io_uring_cqe *cqes;
	/* mappings, for teardown */
	void *sq_map, *cq_map;
	size_t sq_map_len, cq_map_len, sqes_len;
};

/*
 * Create a ring of `entries` slots with IORING_SETUP_* `flags` and map it.
 * Returns 0, -ENOSYS when the kernel has no io_uring or it is disabled
 * (kernel.io_uring_disabled, seccomp), or -errno.
 */
int zc__uring_init(struct zc_uring *r, unsigned entries, unsigned flags);

/* Unmap and close; safe on a ring whose init failed (fd -1). */
void zc__uring_exit(struct zc_uring *r);

/*
 * Whether the kernel supports opcode `op` (IORING_REGISTER_PROBE, 5.6).
 * Returns 0, or -EOPNOTSUPP when the opcode (or probing itself) is missing.
 */
int zc__uring_probe(struct zc_uring *r, unsigned op);

/* A zeroed free submission entry, or NULL when the ring is full. */
struct io_uring_sqe *zc__uring_get_sqe(struct zc_uring *r);

/*
 * Publish every prepared entry and enter the kernel once, waiting for at
 * least `wait_nr` completions. EINTR is retried without submitting twice.
 * Returns 0 or -errno.
 */
int zc__uring_submit(struct zc_uring *r, unsigned wait_nr);

/* Take the oldest completion into *cqe, entering the kernel to wait for
 * one if none is ready. Returns 0 or -errno. */
int zc__uring_wait_cqe(struct zc_uring *r, struct io_uring_cqe *cqe);

/* Take the oldest completion into *cqe, spinning on the CQ ring's tail in
 * user space until one arrives; never enters the kernel (uring_spin.c). */
void zc__uring_spin_cqe(struct zc_uring *r, struct io_uring_cqe *cqe);

#endif /* ZC_URING_H */
