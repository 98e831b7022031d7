/* SPDX-License-Identifier: MIT */
/*
 * create_wait.h — a CreateTopics answer that waits for its large topics.
 *
 * A topic of many partitions is made a few directories per loop turn
 * (topics_create_start / topics_step), so one request never holds the
 * loop up for other clients. The handler writes its answer as usual; the
 * topics still being made have their error code patched in when they end,
 * and the answer goes out through a pending reply once all have.
 */
#ifndef BROKER_CREATE_WAIT_H
#define BROKER_CREATE_WAIT_H

#include <stddef.h>
#include <stdint.h>

struct broker;
struct conn;
struct kreq;
struct resp;
struct cwait;

struct create_wait {
	struct resp *r;
	size_t body;	 /* where the answer's body starts in r */
	struct cwait *w; /* NULL while no topic waits */
};

void create_wait_init(struct create_wait *cw, struct resp *r);
/* Create name; err_at is where its error code will sit in the answer.
 * Returns 0 or -errno when done at once, 1 when the answer must wait. */
int create_wait_start(struct broker *b, struct create_wait *cw,
		      const char *name, int32_t parts, size_t err_at);
/* The handler's result: API_REPLY, or API_PENDING (r is taken over). */
int create_wait_end(struct broker *b, struct conn *c, const struct kreq *q,
		    struct create_wait *cw);

#endif /* BROKER_CREATE_WAIT_H */
