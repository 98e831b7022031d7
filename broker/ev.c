/* SPDX-License-Identifier: MIT */
/*
 * ev.c — the epoll event loop of ev.h. File handlers live in an array
 * indexed by fd; timers in a binary min-heap (one per parked fetch and
 * per connection's idle check can make thousands), so a loop turn costs
 * O(log n) per timer that fires, not a scan of all of them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "ev.h"

struct ev_file {
	unsigned mask;
	bool used;
	ev_file_fn fn;
	void *arg;
};

struct ev_tm {
	int64_t when;
	uint64_t seq; /* ties fire in the order they were set */
	uint32_t gen;
	size_t pos; /* index in heap; next free slot while free */
	ev_timer_fn fn;
	void *arg;
};

#define NO_SLOT UINT32_MAX

struct ev_loop {
	int epfd;
	struct ev_file *files;
	int nfiles;
	struct ev_tm *tms; /* slots */
	uint32_t *heap;	   /* slot numbers, a min-heap on (when, seq) */
	size_t nheap, captms;
	uint32_t free_slot;
	uint64_t next_seq;
	ev_hook_fn hook;
	void *hook_arg;
	bool stop;
	bool woken;
};

int64_t ev_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ev_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ev_create(struct ev_loop **out)
{
	struct ev_loop *ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	ev->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ev->epfd < 0) {
		int err = -errno;
		free(ev);
		return err;
	}
	ev->free_slot = NO_SLOT;
	*out = ev;
	return 0;
}

void ev_destroy(struct ev_loop *ev)
{
	if (!ev)
		return;
	close(ev->epfd);
	free(ev->files);
	free(ev->tms);
	free(ev->heap);
	free(ev);
}

static uint32_t to_epoll(unsigned mask)
{
	return (mask & EV_READ ? EPOLLIN : 0) |
	       (mask & EV_WRITE ? EPOLLOUT : 0);
}

static int grow_files(struct ev_loop *ev, int fd)
{
	if (fd < ev->nfiles)
		return 0;
	int n = ev->nfiles ? ev->nfiles : 64;
	while (n <= fd)
		n *= 2;
	struct ev_file *f = realloc(ev->files, n * sizeof(*f));
	if (!f)
		return -ENOMEM;
	memset(f + ev->nfiles, 0, (n - ev->nfiles) * sizeof(*f));
	ev->files = f;
	ev->nfiles = n;
	return 0;
}

int ev_set(struct ev_loop *ev, int fd, unsigned mask, ev_file_fn fn, void *arg)
{
	if (fd < 0)
		return -EBADF;
	int err = grow_files(ev, fd);
	if (err)
		return err;
	struct ev_file *f = &ev->files[fd];
	struct epoll_event e = {.events = to_epoll(mask), .data.fd = fd};
	if (epoll_ctl(ev->epfd, f->used ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd,
		      &e) < 0)
		return -errno;
	f->used = true;
	f->mask = mask;
	f->fn = fn;
	f->arg = arg;
	return 0;
}

unsigned ev_mask(struct ev_loop *ev, int fd)
{
	if (fd < 0 || fd >= ev->nfiles || !ev->files[fd].used)
		return 0;
	return ev->files[fd].mask;
}

int ev_mod(struct ev_loop *ev, int fd, unsigned mask)
{
	if (fd < 0 || fd >= ev->nfiles || !ev->files[fd].used)
		return -EBADF;
	struct ev_file *f = &ev->files[fd];
	if (f->mask == mask)
		return 0;
	struct epoll_event e = {.events = to_epoll(mask), .data.fd = fd};
	if (epoll_ctl(ev->epfd, EPOLL_CTL_MOD, fd, &e) < 0)
		return -errno;
	f->mask = mask;
	return 0;
}

void ev_del(struct ev_loop *ev, int fd)
{
	if (fd < 0 || fd >= ev->nfiles || !ev->files[fd].used)
		return;
	epoll_ctl(ev->epfd, EPOLL_CTL_DEL, fd, NULL);
	memset(&ev->files[fd], 0, sizeof(ev->files[fd]));
}

/* ---- timers: a binary min-heap on `when` -------------------------------
 *
 * A timer id names a slot (low 32 bits) and that slot's generation (high
 * bits), so a stale id never cancels the slot's next owner; the slot knows
 * the timer's place in the heap, so cancelling is O(log n) too.
 */

static bool tm_before(const struct ev_loop *ev, uint32_t a, uint32_t b)
{
	const struct ev_tm *x = &ev->tms[a], *y = &ev->tms[b];
	return x->when < y->when || (x->when == y->when && x->seq < y->seq);
}

static void heap_set(struct ev_loop *ev, size_t i, uint32_t slot)
{
	ev->heap[i] = slot;
	ev->tms[slot].pos = i;
}

static void heap_up(struct ev_loop *ev, size_t i)
{
	uint32_t s = ev->heap[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!tm_before(ev, s, ev->heap[p]))
			break;
		heap_set(ev, i, ev->heap[p]);
		i = p;
	}
	heap_set(ev, i, s);
}

static void heap_down(struct ev_loop *ev, size_t i)
{
	uint32_t s = ev->heap[i];
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		uint32_t best = s;
		if (l < ev->nheap && tm_before(ev, ev->heap[l], best))
			best = ev->heap[m = l];
		if (l + 1 < ev->nheap && tm_before(ev, ev->heap[l + 1], best))
			best = ev->heap[m = l + 1];
		if (m == i)
			break;
		heap_set(ev, i, best);
		i = m;
	}
	heap_set(ev, i, s);
}

/* Take slot out of the heap and put it on the free list. */
static void heap_remove(struct ev_loop *ev, uint32_t slot)
{
	size_t i = ev->tms[slot].pos;
	uint32_t last = ev->heap[--ev->nheap];
	if (last != slot) {
		heap_set(ev, i, last);
		heap_up(ev, i);
		heap_down(ev, ev->tms[last].pos);
	}
	ev->tms[slot].fn = NULL;
	ev->tms[slot].gen++;
	ev->tms[slot].pos = ev->free_slot;
	ev->free_slot = slot;
}

uint64_t ev_timer(struct ev_loop *ev, int64_t ms, ev_timer_fn fn, void *arg)
{
	if (ev->free_slot == NO_SLOT) {
		size_t cap = ev->captms ? ev->captms * 2 : 16;
		struct ev_tm *t = realloc(ev->tms, cap * sizeof(*t));
		uint32_t *h = t ? realloc(ev->heap, cap * sizeof(*h)) : NULL;
		if (t)
			ev->tms = t;
		if (!h)
			return 0;
		ev->heap = h;
		for (size_t i = ev->captms; i < cap; i++) {
			t[i].gen = 1;
			t[i].fn = NULL;
			t[i].pos = i + 1 < cap ? i + 1 : ev->free_slot;
		}
		ev->free_slot = (uint32_t)ev->captms;
		ev->captms = cap;
	}
	uint32_t slot = ev->free_slot;
	struct ev_tm *t = &ev->tms[slot];
	ev->free_slot = (uint32_t)t->pos;
	t->when = ev_now_ms() + (ms > 0 ? ms : 0);
	t->seq = ev->next_seq++;
	t->fn = fn;
	t->arg = arg;
	ev->heap[ev->nheap] = slot;
	heap_up(ev, ev->nheap++);
	return (uint64_t)t->gen << 32 | slot;
}

void ev_timer_del(struct ev_loop *ev, uint64_t id)
{
	uint32_t slot = (uint32_t)id;
	if (!id || slot >= ev->captms || ev->tms[slot].gen != id >> 32 ||
	    !ev->tms[slot].fn)
		return;
	heap_remove(ev, slot);
}

size_t ev_timer_count(const struct ev_loop *ev)
{
	return ev->nheap;
}

void ev_before_sleep(struct ev_loop *ev, ev_hook_fn fn, void *arg)
{
	ev->hook = fn;
	ev->hook_arg = arg;
}

void ev_wake(struct ev_loop *ev)
{
	ev->woken = true;
}

void ev_stop(struct ev_loop *ev)
{
	ev->stop = true;
}

/* Fire every due timer, earliest first. A callback may add or delete
 * timers; one added with a delay of 0 waits for the next turn. */
static void run_timers(struct ev_loop *ev)
{
	int64_t now = ev_now_ms();
	uint64_t last = ev->next_seq;
	while (ev->nheap) {
		uint32_t slot = ev->heap[0];
		struct ev_tm *t = &ev->tms[slot];
		if (t->when > now || t->seq >= last)
			return;
		uint64_t id = (uint64_t)t->gen << 32 | slot;
		ev_timer_fn fn = t->fn;
		void *arg = t->arg;
		heap_remove(ev, slot);
		fn(ev, id, arg);
	}
}

static int next_wait(struct ev_loop *ev)
{
	if (ev->woken)
		return 0;
	if (!ev->nheap)
		return 1000;
	int64_t d = ev->tms[ev->heap[0]].when - ev_now_ms();
	if (d < 0)
		d = 0;
	return d > 1000 ? 1000 : (int)d;
}

int ev_run(struct ev_loop *ev)
{
	struct epoll_event evs[128];
	while (!ev->stop) {
		if (ev->hook)
			ev->hook(ev, ev->hook_arg);
		if (ev->stop)
			break;
		int wait = next_wait(ev);
		ev->woken = false;
		int n = epoll_wait(ev->epfd, evs, 128, wait);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd >= ev->nfiles || !ev->files[fd].used)
				continue; /* closed by an earlier handler */
			uint32_t e = evs[i].events;
			unsigned m = 0;
			if (e & (EPOLLIN | EPOLLERR | EPOLLHUP))
				m |= EV_READ;
			if (e & EPOLLOUT)
				m |= EV_WRITE;
			/* Errors and hangups always reach the read side, even
			 * with reading paused: epoll reports them regardless
			 * of the mask, and ignoring them would spin. */
			m &= ev->files[fd].mask |
			     (e & (EPOLLERR | EPOLLHUP) ? EV_READ : 0);
			if (m)
				ev->files[fd].fn(ev, fd, m, ev->files[fd].arg);
		}
		run_timers(ev);
	}
	ev->stop = false; /* a later ev_run runs again */
	return 0;
}
