/* SPDX-License-Identifier: MIT */
/*
 * durable.c — answers waiting for the group commit (durable.h).
 *
 * Invariants:
 *  1. Waiters are queued in the order they were made, and tickets
 *     never decrease along the queue (the flusher hands out increasing
 *     tickets), so a finished sync answers a prefix of the queue.
 *  2. A dependency fails when its log (or the offsets store) is offline
 *     once its sync has finished: a sync failure takes the owner offline
 *     before the waiters of that sync are answered, so neither they nor
 *     any later waiter on it is acknowledged.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blog.h"
#include "broker.h"
#include "durable.h"
#include "log/flusher.h"

struct dur_dep {
	struct plog *l; /* NULL: the offsets store */
	size_t pos;
	bool base;
	bool fail; /* could not be queued for a sync, or its log deleted */
};

struct dur_wait {
	struct dur_wait *next;
	struct preply *p; /* the request's place in its connection's queue */
	struct resp r;	  /* the answer, finished but for failures */
	struct dur_req d;
};

bool dur_enabled(const struct broker *b)
{
	return b->flusher != NULL;
}

void dur_req_init(struct dur_req *d)
{
	memset(d, 0, sizeof(*d));
}

void dur_req_free(struct dur_req *d)
{
	free(d->deps);
	dur_req_init(d);
}

static void patch_fail(struct resp *r, const struct dur_dep *x)
{
	uint8_t *p = r->w.buf + x->pos;

	p[0] = (uint8_t)(KERR_KAFKA_STORAGE_ERROR >> 8);
	p[1] = (uint8_t)KERR_KAFKA_STORAGE_ERROR;
	if (x->base)
		memset(p + 2, 0xff, 8); /* base offset -1 */
}

void dur_req_add(struct broker *b, struct dur_req *d, struct resp *r,
		 struct plog *l, size_t err_pos, bool base_follows)
{
	struct dur_dep x = {l, err_pos, base_follows, false};
	int fd = l ? plog_active_fd(l) : offstore_fd(b->offs);
	int64_t t = fd;

	if (!b->flusher || r->w.err)
		return;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 4;
		struct dur_dep *n = realloc(d->deps, cap * sizeof(*n));

		if (!n) {
			/* Not acknowledged at all: the connection closes. */
			r->w.err = true;
			return;
		}
		d->deps = n;
		d->cap = cap;
	}
	if (fd >= 0)
		t = flusher_add(b->flusher, l ? (void *)l : (void *)b->offs,
				fd);
	if (t < 0) {
		blog("group commit: cannot queue a sync: %s",
		     strerror((int)-t));
		x.fail = true;
	} else if (t > d->ticket) {
		d->ticket = t;
	}
	d->deps[d->n++] = x;
}

/* The connection closed before the sync: drop the answer. */
static void cancel(struct preply *p, void *arg)
{
	struct broker *b = p->c->b;
	struct dur_wait *w = arg, **pp;

	for (pp = &b->dur_head; *pp && *pp != w; pp = &(*pp)->next)
		;
	if (*pp) {
		*pp = w->next;
		if (b->dur_tail == &w->next)
			b->dur_tail = pp;
	}
	resp_abort(&w->r);
	free(w->d.deps);
	free(w);
}

int dur_req_finish(struct broker *b, struct dur_req *d, struct conn *c,
		   const struct kreq *q, struct resp *r)
{
	struct dur_wait *w;

	if (r->w.err) {
		dur_req_free(d);
		return 0;
	}
	for (size_t i = 0; i < d->n; i++)
		if (d->deps[i].fail)
			patch_fail(r, &d->deps[i]);
	if (!d->ticket) {
		dur_req_free(d);
		return 0;
	}
	w = calloc(1, sizeof(*w));
	if (!w || !(w->p = preply_open(c, q))) {
		/* Nothing was acknowledged: say so now. */
		free(w);
		for (size_t i = 0; i < d->n; i++)
			patch_fail(r, &d->deps[i]);
		dur_req_free(d);
		return 0;
	}
	/* Take the response over; the caller's becomes empty. */
	w->r = *r;
	w->r.tail = w->r.head ? r->tail : &w->r.head;
	kw_init(&r->w);
	r->head = NULL;
	r->tail = &r->head;
	r->file_bytes = 0;
	w->d = *d;
	dur_req_init(d); /* the waiter owns the dependencies now */
	*b->dur_tail = w;
	b->dur_tail = &w->next;
	preply_on_cancel(w->p, cancel, w);
	return 1;
}

int dur_answer(struct broker *b, struct conn *c, const struct kreq *q,
	       struct kr *in, struct resp *r, dur_body_fn body)
{
	struct dur_req d;
	int rc;

	dur_req_init(&d);
	rc = body(b, c, q, in, r, &d);
	if (rc == API_REPLY && dur_req_finish(b, &d, c, q, r))
		rc = API_PENDING;
	dur_req_free(&d);
	return rc;
}

static void mark_failed(struct broker *b, const void *key, int err)
{
	if (key == b->offs) {
		if (!b->offs_offline)
			blog("offsets store: sync failed (%s); commits refused "
			     "until a restart",
			     strerror(-err));
		b->offs_offline = err;
		return;
	}
	struct plog *l = (struct plog *)key;
	/* The key may name a log deleted since; only a live one is marked. */
	for (size_t i = 0; i < topics_count(b->topics); i++) {
		const char *t = topics_name(b->topics, i);
		int32_t n = topics_partitions(b->topics, t);

		for (int32_t p = 0; p < n; p++) {
			if (topics_log(b->topics, t, p) != l)
				continue;
			if (!plog_offline(l))
				blog(
				    "%s-%d: sync failed (%s); partition offline "
				    "until recovery",
				    t, p, strerror(-err));
			plog_set_offline(l, err);
			return;
		}
	}
}

void dur_forget_topic(struct broker *b, const char *topic)
{
	int32_t n = topics_partitions(b->topics, topic);

	for (int32_t p = 0; p < n; p++) {
		struct plog *l = topics_log(b->topics, topic, p);

		for (struct dur_wait *w = b->dur_head; w; w = w->next) {
			for (size_t i = 0; i < w->d.n; i++) {
				struct dur_dep *x = &w->d.deps[i];

				if (l && x->l == l) {
					x->fail = true;
					x->l = NULL; /* never looked at again */
				}
			}
		}
	}
}

static void on_done(void *arg, uint64_t seq, int err, const void *const *failed,
		    size_t nfailed)
{
	struct broker *b = arg;

	for (size_t i = 0; i < nfailed; i++)
		mark_failed(b, failed[i], err);
	while (b->dur_head && (uint64_t)b->dur_head->d.ticket <= seq) {
		struct dur_wait *w = b->dur_head;

		b->dur_head = w->next;
		if (!b->dur_head)
			b->dur_tail = &b->dur_head;
		for (size_t i = 0; i < w->d.n; i++) {
			const struct dur_dep *x = &w->d.deps[i];
			int off = x->fail ? -ENOENT
				  : x->l  ? plog_offline(x->l)
					  : b->offs_offline;

			if (off)
				patch_fail(&w->r, x);
		}
		/* Answers leave the connection in request order: this one
		 * goes out once those before it have. */
		preply_finish(w->p, &w->r);
		free(w->d.deps);
		free(w);
	}
}

static void on_event(struct ev_loop *ev, int fd, unsigned events, void *arg)
{
	struct broker *b = arg;

	flusher_drain(b->flusher, on_done, b);
	ev_wake(ev);
}

int dur_start(struct broker *b)
{
	return dur_start_with(b, NULL);
}

int dur_start_with(struct broker *b, int (*sync)(int fd))
{
	int rc;

	dur_stop(b); /* a test may restart it with its own sync */
	b->dur_tail = &b->dur_head;
	if (b->cfg.write_caching)
		return 0;
	rc = flusher_open(&b->flusher, sync);
	if (rc)
		return rc;
	rc = ev_set(b->ev, flusher_event_fd(b->flusher), EV_READ, on_event, b);
	if (rc) {
		flusher_close(b->flusher);
		b->flusher = NULL;
		return rc;
	}
	offstore_defer_sync(b->offs, true);
	return 0;
}

void dur_stop(struct broker *b)
{
	if (!b->flusher)
		return;
	ev_del(b->ev, flusher_event_fd(b->flusher));
	flusher_close(b->flusher);
	b->flusher = NULL;
	if (b->offs)
		offstore_defer_sync(b->offs, false);
}
