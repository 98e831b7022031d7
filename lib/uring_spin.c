/* SPDX-License-Identifier: MIT */
/*
 * uring_spin.c — reaping io_uring completions by spinning in user space.
 *
 * The kernel writes a completion into the CQ ring and then advances its
 * tail (io_uring(7), "Reading a completion"); a reader that loads the tail
 * with acquire ordering sees the whole entry once the tail has moved. So a
 * task can wait for a completion without io_uring_enter(GETEVENTS): it
 * keeps the CPU and watches the tail. On a ring set up without
 * IORING_SETUP_COOP_TASKRUN the kernel kicks the task with an interrupt
 * when a completion needs its task work run, so the spin always ends.
 * This is what polling costs a device without poll queues, measured from
 * user space.
 */
#include "internal.h"
#include "uring.h"

static inline void spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

void zc__uring_spin_cqe(struct zc_uring *r, struct io_uring_cqe *cqe)
{
	unsigned head = *r->cq_head;

	while (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		spin_pause();
	*cqe = r->cqes[head & r->cq_mask];
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
}
