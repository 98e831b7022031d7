/* SPDX-License-Identifier: MIT */
/*
 * reply.h — answers to requests: a response being built (struct resp:
 * memory written through a writer, segment-file slices spliced in), and
 * the pending reply, the one way to answer a request later.
 *
 * Every request that is answered owns a place in its connection's ordered
 * queue of replies. A handler that answers at once fills a resp and the
 * dispatcher queues it. A handler that answers later (a long-poll Fetch, a
 * JoinGroup waiting for the rebalance, a produce waiting for a sync) opens
 * a pending reply: it remembers the connection, correlation id, API key,
 * version and header form, and holds the request's place in the queue.
 * Answers may complete in any order; bytes leave a connection strictly in
 * request order, from the head of its queue only.
 *
 * Ownership: the owner of a pending reply must end it exactly once, with
 * preply_answer() / preply_finish(), unless the connection closes first;
 * then the connection calls the cancel hook, after which the owner must
 * forget the pointer. The connection frees the object in both cases.
 */
#ifndef BROKER_REPLY_H
#define BROKER_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log/log.h"
#include "proto/codec.h"

struct conn;
struct kreq;

/* One piece of output: memory, or a slice of a segment file. */
struct obuf {
	struct obuf *next;
	uint8_t *mem; /* NULL for a file slice */
	size_t len, off;
	struct plog_slice slice;
	off_t pos;
	size_t left;
	size_t cost; /* what this piece holds: memory, or file bytes */
};

/* A response being built. The 4-byte size prefix is patched when queued. */
struct resp {
	struct kw w;
	struct obuf *head;
	struct obuf **tail;
	size_t file_bytes;
};

/* Start a response to correlation id `corr`; flex adds the v1 header's
 * tag buffer. */
void resp_begin(struct resp *r, int32_t corr, bool flex);
/* A frame with no response header: the bare SASL tokens that answer
 * tokens after SaslHandshake v0. */
void resp_begin_raw(struct resp *r);
/* Append a slice (ownership moves to the response; released when sent or
 * dropped). Returns 0 or -ENOMEM (the slice is released then). */
int resp_slice(struct resp *r, struct plog_slice *s);
/* Drop a response that will not be sent. */
void resp_abort(struct resp *r);
/* Total size so far including the 4-byte prefix. */
size_t resp_size(const struct resp *r);
/* Close the response: move the writer's bytes into the chain, patch the
 * size prefix. Returns its cost (memory held plus file bytes), or 0 when
 * it cannot be sent (no memory; r is dropped then). */
size_t resp_seal(struct resp *r);

void obuf_free(struct obuf *o);

struct preply;
typedef void (*preply_cancel_fn)(struct preply *p, void *arg);
/* Encode the body of the answer (after the response header) into r. */
typedef void (*preply_encode_fn)(struct resp *r, int16_t ver,
				 const void *state);

struct preply {
	struct preply *next; /* the connection's queue */
	struct conn *c;
	int32_t corr;
	int16_t key, ver;
	bool flex; /* response header v1 */
	bool ready;
	bool cancelled;
	struct obuf *head, **tail; /* the answer, once ready */
	size_t cost;
	preply_cancel_fn cancel;
	void *cancel_arg;
};

/* Take the place of request q in c's reply queue. NULL on no memory. */
struct preply *preply_open(struct conn *c, const struct kreq *q);
/* What to do if the connection closes before the answer. */
void preply_on_cancel(struct preply *p, preply_cancel_fn fn, void *arg);
/* Answer now: encode builds the body. Ends the owner's use of p. */
void preply_answer(struct preply *p, preply_encode_fn encode,
		   const void *state);
/* Or build the response by hand: begin, write into r, finish. */
void preply_begin(const struct preply *p, struct resp *r);
void preply_finish(struct preply *p, struct resp *r);
/* The peer's address, for log lines. */
const char *preply_peer(const struct preply *p);

#endif /* BROKER_REPLY_H */
