/* SPDX-License-Identifier: MIT */
/*
 * uring.c — the minimal io_uring ring of uring.h: setup, the three ring
 * mappings, submission and completion with the memory ordering the kernel
 * expects (acquire on the index the kernel writes, release on the one we
 * write), probing, teardown. Needs Linux 5.1 (probing 5.6).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "uring.h"

#define load_acquire(p)	    __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

static int map_rings(struct zc_uring *r, const struct io_uring_params *p)
{
	void *sq, *cq, *sqes;
	int ret;

	r->sq_map_len = p->sq_off.array + p->sq_entries * sizeof(unsigned);
	r->cq_map_len =
	    p->cq_off.cqes + p->cq_entries * sizeof(struct io_uring_cqe);
	/* Since 5.4 both rings live in one mapping. */
	if (p->features & IORING_FEAT_SINGLE_MMAP) {
		if (r->cq_map_len > r->sq_map_len)
			r->sq_map_len = r->cq_map_len;
		r->cq_map_len = r->sq_map_len;
	}
	sq = NULL;
	ret =
	    zc__sys_mmap(&sq, r->sq_map_len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	if (ret)
		return ret;
	r->sq_map = sq;
	if (p->features & IORING_FEAT_SINGLE_MMAP) {
		cq = sq;
	} else {
		cq = NULL;
		ret = zc__sys_mmap(&cq, r->cq_map_len, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_POPULATE, r->fd,
				   IORING_OFF_CQ_RING);
		if (ret)
			return ret;
		r->cq_map = cq;
	}
	r->sqes_len = p->sq_entries * sizeof(struct io_uring_sqe);
	sqes = NULL;
	ret = zc__sys_mmap(&sqes, r->sqes_len, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (ret)
		return ret;
	r->sqes = sqes;

	r->sq_head = (unsigned *)((char *)sq + p->sq_off.head);
	r->sq_tail = (unsigned *)((char *)sq + p->sq_off.tail);
	r->sq_array = (unsigned *)((char *)sq + p->sq_off.array);
	r->sq_mask = *(unsigned *)((char *)sq + p->sq_off.ring_mask);
	r->sq_entries = p->sq_entries;
	r->cq_head = (unsigned *)((char *)cq + p->cq_off.head);
	r->cq_tail = (unsigned *)((char *)cq + p->cq_off.tail);
	r->cq_mask = *(unsigned *)((char *)cq + p->cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)((char *)cq + p->cq_off.cqes);
	r->sqe_tail = *r->sq_tail;
	return 0;
}

int zc__uring_init(struct zc_uring *r, unsigned entries, unsigned flags)
{
	struct io_uring_params p;
	int fd, ret;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	memset(&p, 0, sizeof(p));
	p.flags = flags;
	fd = zc__sys_io_uring_setup(entries, &p);
	/* EPERM: disabled by kernel.io_uring_disabled or a seccomp filter;
	 * for the caller that is the same as a kernel without it. */
	if (fd == -EPERM)
		return -ENOSYS;
	if (fd < 0)
		return fd;
	r->fd = fd;
	ret = map_rings(r, &p);
	if (ret)
		zc__uring_exit(r);
	return ret;
}

void zc__uring_exit(struct zc_uring *r)
{
	if (r->sqes)
		zc__sys_munmap(r->sqes, r->sqes_len);
	if (r->cq_map && r->cq_map != r->sq_map)
		zc__sys_munmap(r->cq_map, r->cq_map_len);
	if (r->sq_map)
		zc__sys_munmap(r->sq_map, r->sq_map_len);
	if (r->fd >= 0)
		zc__sys_close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

int zc__uring_probe(struct zc_uring *r, unsigned op)
{
	const unsigned nops = 256;
	struct io_uring_probe *p;
	int ret;

	p = calloc(1, sizeof(*p) + nops * sizeof(p->ops[0]));
	if (!p)
		return -ENOMEM;
	ret = zc__sys_io_uring_register(r->fd, IORING_REGISTER_PROBE, p, nops);
	if (ret >= 0)
		ret = (op <= p->last_op &&
		       (p->ops[op].flags & IO_URING_OP_SUPPORTED))
			  ? 0
			  : -EOPNOTSUPP;
	else if (ret == -EINVAL)
		ret = -EOPNOTSUPP; /* before 5.6: no probe, nor newer ops */
	free(p);
	return ret;
}

struct io_uring_sqe *zc__uring_get_sqe(struct zc_uring *r)
{
	struct io_uring_sqe *sqe;

	if (r->sqe_tail - load_acquire(r->sq_head) >= r->sq_entries)
		return NULL;
	sqe = &r->sqes[r->sqe_tail & r->sq_mask];
	memset(sqe, 0, sizeof(*sqe));
	r->sqe_tail++;
	return sqe;
}

/* io_uring_enter's EAGAIN: the kernel is short of memory for requests
 * right now. Pause 1 ms and retry, a bounded number of times. */
static bool again(int ret, unsigned *tries)
{
	if (ret != -EAGAIN || ++*tries > 100)
		return false;
	zc__sys_poll(NULL, 0, 1);
	return true;
}

int zc__uring_submit(struct zc_uring *r, unsigned wait_nr)
{
	unsigned tail = *r->sq_tail, pending, tries = 0;
	int ret;

	for (; tail != r->sqe_tail; tail++)
		r->sq_array[tail & r->sq_mask] = tail & r->sq_mask;
	store_release(r->sq_tail, tail);
	for (;;) {
		/* The kernel moves sq_head past what it consumed, so a retry
		 * after EINTR submits only what is left. */
		pending = tail - load_acquire(r->sq_head);
		ret = zc__sys_io_uring_enter(r->fd, pending, wait_nr,
					     wait_nr ? IORING_ENTER_GETEVENTS
						     : 0);
		if (ret != -EINTR && !again(ret, &tries))
			break;
	}
	return ret < 0 ? ret : 0;
}

int zc__uring_wait_cqe(struct zc_uring *r, struct io_uring_cqe *cqe)
{
	unsigned head, tries = 0;
	int ret;

	for (;;) {
		head = *r->cq_head;
		if (head != load_acquire(r->cq_tail)) {
			*cqe = r->cqes[head & r->cq_mask];
			store_release(r->cq_head, head + 1);
			return 0;
		}
		ret =
		    zc__sys_io_uring_enter(r->fd, 0, 1, IORING_ENTER_GETEVENTS);
		if (ret < 0 && ret != -EINTR && !again(ret, &tries))
			return ret;
	}
}
