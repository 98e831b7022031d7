/* SPDX-License-Identifier: MIT */
/*
 * ev_timers.c — the event loop's timer heap: 2,000 timers with delays of
 * 0 to 40 ms, every third cancelled (some by ids already fired or stale),
 * fire once each, never early, in order of their deadlines, and the
 * cancelled ones never; a stale id does not cancel its slot's next timer.
 */
#include <stdlib.h>

#include "ev.h"
#include "helpers.h"

#define N 2000

/* Each deadline lies in [lo, hi]: the clock read before and after. */
static int64_t lo[N], hi[N];
static uint64_t ids[N];
static int fired[N];
static int order[N], nfired;
static int64_t last_lo = -1;
static int out_of_order;

static void on_timer(struct ev_loop *ev, uint64_t id, void *arg)
{
	int i = (int)(intptr_t)arg;
	fired[i]++;
	order[nfired++] = i;
	if (ev_now_ms() < lo[i])
		t_fatal("timer %d fired %lld ms early", i,
			(long long)(lo[i] - ev_now_ms()));
	/* Provably out of order: this deadline is before the last one. */
	if (hi[i] < last_lo)
		out_of_order++;
	last_lo = lo[i];
	if (nfired == N - (N + 2) / 3)
		ev_stop(ev);
}

int main(void)
{
	struct ev_loop *ev;
	CHECK_EQ(ev_create(&ev), 0);
	srand(7);
	for (int i = 0; i < N; i++) {
		int64_t ms = rand() % 41;
		lo[i] = ev_now_ms() + ms;
		ids[i] = ev_timer(ev, ms, on_timer, (void *)(intptr_t)i);
		hi[i] = ev_now_ms() + ms;
		CHECK(ids[i] != 0);
	}
	CHECK_EQ(ev_timer_count(ev), N);
	for (int i = 0; i < N; i += 3)
		ev_timer_del(ev, ids[i]);
	ev_timer_del(ev, ids[0]); /* twice: ignored */
	ev_timer_del(ev, 0);
	CHECK_EQ(ev_timer_count(ev), N - (N + 2) / 3);
	/* The slot freed last is reused: its old id must not cancel the
	 * new timer. */
	uint64_t reuse = ev_timer(ev, 1000, on_timer, (void *)(intptr_t)0);
	ev_timer_del(ev, ids[N - 2]);
	CHECK_EQ(ev_timer_count(ev), N - (N + 2) / 3 + 1);
	ev_timer_del(ev, reuse);
	CHECK_EQ(ev_timer_count(ev), N - (N + 2) / 3);
	CHECK_EQ(ev_run(ev), 0);
	CHECK_EQ(nfired, N - (N + 2) / 3);
	for (int i = 0; i < N; i++)
		CHECK_EQ(fired[i], i % 3 ? 1 : 0);
	CHECK_EQ(out_of_order, 0);
	CHECK_EQ(ev_timer_count(ev), 0);
	ev_destroy(ev);
	return t_result();
}
