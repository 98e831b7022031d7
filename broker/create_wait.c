/* SPDX-License-Identifier: MIT */
/*
 * create_wait.c — see create_wait.h.
 *
 * While a topic is being made it is invisible (Metadata does not list it,
 * Produce and Fetch see an unknown topic) but its name and partitions are
 * taken. A client that disconnects meanwhile loses only the answer: the
 * creation completes (or, on failure, is rolled back) all the same. A
 * DeleteTopics of the topic stops the creation and removes what it made;
 * the create is then answered UNKNOWN_TOPIC_OR_PARTITION.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blog.h"
#include "broker.h"
#include "create_wait.h"

/* Time the loop gives creation per turn before serving others again. */
#define CREATE_TURN_MS 2
/* Partitions made between two looks at the clock. */
#define CREATE_CHUNK 8

struct cw_topic {
	struct cwait *w;
	int16_t *err; /* in the handler's state */
	int32_t parts;
	bool grow; /* CreatePartitions: the topic grows to parts */
	char name[256];
};

struct cwait {
	struct preply *p;
	void *state;
	create_build_fn build;
	void (*drop)(void *state);
	int outstanding;
	bool answered; /* the handler has returned */
};

static enum kerr done_err(int rc)
{
	switch (rc) {
	case 0:
		return KERR_NONE;
	case -ENOENT:
		return KERR_UNKNOWN_TOPIC;
	default:
		return KERR_KAFKA_STORAGE_ERROR;
	}
}

static void cwait_free(struct cwait *w)
{
	if (w->state)
		w->drop(w->state);
	free(w);
}

static void cancel(struct preply *p, void *arg)
{
	struct cwait *w = arg;

	w->p = NULL; /* the creations go on; nobody waits for the answer */
}

static void on_done(void *arg, int rc)
{
	struct cw_topic *e = arg;
	struct cwait *w = e->w;

	if (rc == 0)
		blog("topic %s: %s (%d partitions)", e->name,
		     e->grow ? "partitions added" : "created", e->parts);
	else
		blog("topic %s: cannot %s: %s", e->name,
		     e->grow ? "add partitions" : "create", strerror(-rc));
	*e->err = (int16_t)done_err(rc);
	free(e);
	if (--w->outstanding > 0 || !w->answered)
		return;
	if (w->p) {
		struct resp r;

		preply_begin(w->p, &r);
		w->build(w->state, &r);
		preply_finish(w->p, &r);
	}
	cwait_free(w);
}

static void on_step(struct ev_loop *ev, uint64_t id, void *arg)
{
	struct broker *b = arg;
	int64_t end = ev_now_ms() + CREATE_TURN_MS;
	bool more;

	b->create_timer = 0;
	do
		more = topics_step(b->topics, CREATE_CHUNK);
	while (more && ev_now_ms() < end);
	if (more)
		b->create_timer = ev_timer(ev, 0, on_step, b);
}

void create_wait_init(struct create_wait *cw)
{
	cw->w = NULL;
}

/* Queue the creation (or growth) of name: 1, or what the store said. */
static int start(struct broker *b, struct create_wait *cw, const char *name,
		 int32_t parts, int16_t *err, bool grow)
{
	struct cw_topic *e;
	int rc;

	if (!cw->w) {
		cw->w = calloc(1, sizeof(*cw->w));
		if (!cw->w)
			return -ENOMEM;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->w = cw->w;
	e->err = err;
	e->parts = parts;
	e->grow = grow;
	snprintf(e->name, sizeof(e->name), "%s", name);
	rc = grow ? topics_grow_start(b->topics, name, parts, on_done, e)
		  : topics_create_start(b->topics, name, parts, on_done, e);
	if (rc != 1) {
		free(e);
		if (rc < 0 && rc != -EEXIST && !grow)
			blog("topic %s: cannot create: %s", name,
			     strerror(-rc));
		return rc;
	}
	cw->w->outstanding++;
	if (!b->create_timer)
		b->create_timer = ev_timer(b->ev, 0, on_step, b);
	return 1;
}

int create_wait_start(struct broker *b, struct create_wait *cw,
		      const char *name, int32_t parts, int16_t *err)
{
	if (!b->ev || parts <= TOPICS_STEP) /* quick: made at once */
		return broker_create_topic(b, name, parts);
	return start(b, cw, name, parts, err, false);
}

int create_wait_grow(struct broker *b, struct create_wait *cw, const char *name,
		     int32_t parts, int16_t *err)
{
	/* A few new partitions are made at once (topics_grow_start). */
	if (!b->ev)
		return topics_grow(b->topics, name, parts);
	return start(b, cw, name, parts, err, true);
}

int create_wait_end(struct conn *c, const struct kreq *q,
		    struct create_wait *cw, create_build_fn build,
		    void (*drop)(void *state), void *state)
{
	struct cwait *w = cw->w;

	if (!w)
		return 0;
	if (!w->outstanding) { /* every queued creation failed to start */
		free(w);
		return 0;
	}
	w->answered = true;
	w->state = state;
	w->build = build;
	w->drop = drop;
	w->p = preply_open(c, q);
	if (!w->p) {
		/* No memory to wait: the creations go on unobserved and the
		 * connection is closed, as for any answer that cannot be
		 * built. */
		return API_BAD;
	}
	preply_on_cancel(w->p, cancel, w);
	return API_PENDING;
}
