/* SPDX-License-Identifier: MIT */
/*
 * ev.h — a small event loop on epoll(2), in the spirit of redis's ae:
 * file events (readable / writable callbacks per fd), one-shot timers in
 * milliseconds, and a hook that runs before every sleep.
 *
 * Events are LEVEL-triggered: a handler may stop reading at any point (a
 * parked connection, a full write queue) and simply clear the mask; nothing
 * is lost the way it can be with edge triggering.
 */
#ifndef BROKER_EV_H
#define BROKER_EV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EV_READ	 1u
#define EV_WRITE 2u

struct ev_loop;

/* Called with the events that fired (EV_READ, EV_WRITE; errors and hangups
 * are reported as EV_READ so the read path sees EOF or the error). */
typedef void (*ev_file_fn)(struct ev_loop *ev, int fd, unsigned events,
			   void *arg);
typedef void (*ev_timer_fn)(struct ev_loop *ev, uint64_t id, void *arg);
typedef void (*ev_hook_fn)(struct ev_loop *ev, void *arg);

int ev_create(struct ev_loop **out);
void ev_destroy(struct ev_loop *ev);

/* Watch fd for `mask` (replaces any previous mask; 0 keeps the fd
 * registered but silent). Returns 0 or -errno. */
int ev_set(struct ev_loop *ev, int fd, unsigned mask, ev_file_fn fn, void *arg);
unsigned ev_mask(struct ev_loop *ev, int fd);
/* Change only the mask of a registered fd. */
int ev_mod(struct ev_loop *ev, int fd, unsigned mask);
void ev_del(struct ev_loop *ev, int fd);

/* A one-shot timer after `ms`; returns its id (> 0), or 0 on no memory. */
uint64_t ev_timer(struct ev_loop *ev, int64_t ms, ev_timer_fn fn, void *arg);
/* Cancel a pending timer; unknown or fired ids are ignored. */
void ev_timer_del(struct ev_loop *ev, uint64_t id);
/* Timers pending (for tests). */
size_t ev_timer_count(const struct ev_loop *ev);

void ev_before_sleep(struct ev_loop *ev, ev_hook_fn fn, void *arg);
/* Make the next wait return at once (work was queued for the hook). */
void ev_wake(struct ev_loop *ev);

/* Run until ev_stop() (which it then clears, so the loop can run again).
 * Returns 0 or -errno from epoll_wait. */
int ev_run(struct ev_loop *ev);
void ev_stop(struct ev_loop *ev);

/* Monotonic and wall-clock milliseconds. */
int64_t ev_now_ms(void);
int64_t ev_wall_ms(void);

#endif /* BROKER_EV_H */
