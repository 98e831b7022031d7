/* SPDX-License-Identifier: MIT */
/*
 * create_wait.h — a CreateTopics (or CreatePartitions) answer that waits
 * for its large topics.
 *
 * A topic of many partitions is made a few directories per loop turn
 * (topics_create_start / topics_step), so one request never holds the
 * loop up for other clients. The handler keeps what its answer needs in
 * a state of its own; a topic still being made sets its error code there
 * when it ends, and the answer is built from that state and sent through a
 * pending reply once all have.
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
	struct cwait *w; /* NULL while no topic waits */
};

/* Builds the answer from the handler's state into r. */
typedef void (*create_build_fn)(void *state, struct resp *r);

void create_wait_init(struct create_wait *cw);
/* Create name. Returns 0 or -errno when done at once, 1 when it is made
 * over later loop turns: *err (in the handler's state) is set then. */
int create_wait_start(struct broker *b, struct create_wait *cw,
		      const char *name, int32_t parts, int16_t *err);
/* The same for CreatePartitions: grow name to parts partitions. */
int create_wait_grow(struct broker *b, struct create_wait *cw, const char *name,
		     int32_t parts, int16_t *err);
/* 0: nothing waits, the handler answers now and keeps its state.
 * Otherwise the state (malloc'ed) is taken over, built and freed (with
 * drop) once every topic has ended, and the handler returns this result:
 * API_PENDING, or API_BAD when there is no memory to wait. */
int create_wait_end(struct conn *c, const struct kreq *q,
		    struct create_wait *cw, create_build_fn build,
		    void (*drop)(void *state), void *state);

#endif /* BROKER_CREATE_WAIT_H */
