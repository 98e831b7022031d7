/* SPDX-License-Identifier: MIT */
/*
 * ev.c — the epoll event loop of ev.h. File handlers live in an array
 * indexed by fd; timers in an unsorted array (a broker has a handful: the
 * maintenance tick, the group tick and one per parked fetch), scanned once
 * per loop turn.
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
	uint64_t id;
	int64_t when;
	ev_timer_fn fn;
	void *arg;
};

struct ev_loop {
	int epfd;
	struct ev_file *files;
	int nfiles;
	struct ev_tm *tms;
	size_t ntms, captms;
	uint64_t next_id;
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
	ev->next_id = 1;
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

uint64_t ev_timer(struct ev_loop *ev, int64_t ms, ev_timer_fn fn, void *arg)
{
	if (ev->ntms == ev->captms) {
		size_t cap = ev->captms ? ev->captms * 2 : 16;
		struct ev_tm *t = realloc(ev->tms, cap * sizeof(*t));
		if (!t)
			return 0;
		ev->tms = t;
		ev->captms = cap;
	}
	struct ev_tm *t = &ev->tms[ev->ntms++];
	t->id = ev->next_id++;
	t->when = ev_now_ms() + (ms > 0 ? ms : 0);
	t->fn = fn;
	t->arg = arg;
	return t->id;
}

void ev_timer_del(struct ev_loop *ev, uint64_t id)
{
	for (size_t i = 0; i < ev->ntms; i++) {
		if (ev->tms[i].id == id) {
			ev->tms[i] = ev->tms[--ev->ntms];
			return;
		}
	}
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

/* Fire every due timer. A callback may add or delete timers, so pick one
 * at a time and restart the scan. */
static void run_timers(struct ev_loop *ev)
{
	int64_t now = ev_now_ms();
	for (;;) {
		size_t i;
		for (i = 0; i < ev->ntms; i++)
			if (ev->tms[i].when <= now)
				break;
		if (i == ev->ntms)
			return;
		struct ev_tm t = ev->tms[i];
		ev->tms[i] = ev->tms[--ev->ntms];
		t.fn(ev, t.id, t.arg);
	}
}

static int next_wait(struct ev_loop *ev)
{
	if (ev->woken)
		return 0;
	if (!ev->ntms)
		return 1000;
	int64_t first = ev->tms[0].when;
	for (size_t i = 1; i < ev->ntms; i++)
		if (ev->tms[i].when < first)
			first = ev->tms[i].when;
	int64_t d = first - ev_now_ms();
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
