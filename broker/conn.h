/* SPDX-License-Identifier: MIT */
/*
 * conn.h — one client connection: the read buffer and its frame parser,
 * the ordered queue of outgoing responses (memory buffers and segment-file
 * slices), and parking for requests answered later.
 *
 * Ordering: requests on one connection are taken one at a time, in order.
 * A handler either answers at once (queued behind every earlier answer),
 * answers nothing (acks=0 produce), or PARKS the connection: its answer
 * comes later (JoinGroup, SyncGroup, a long-poll Fetch) and later requests
 * already buffered wait until conn_unpark(). Closing a parked connection
 * calls its cancel hook so the owner (group, fetch waiter) forgets it.
 *
 * Lifetime: connections are never freed inside a handler; conn_fail()
 * marks one and the loop frees it before its next sleep, so a handler may
 * answer other connections (the group leader's SyncGroup answers every
 * member) without use-after-free.
 */
#ifndef BROKER_CONN_H
#define BROKER_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log/log.h"
#include "proto/codec.h"

struct broker;
struct obuf;
struct zc_pair;

/* A response being built: memory written through `w`, with segment slices
 * spliced in between. The 4-byte size prefix is patched by conn_send. */
struct resp {
	struct kw w;
	struct obuf *head;
	struct obuf **tail;
	size_t file_bytes;
};

struct conn {
	struct broker *b;
	int fd;
	char peer[64];
	uint8_t *rbuf;
	size_t rpos, rlen, rcap; /* unparsed bytes are rbuf[rpos..rlen) */
	bool read_paused;
	struct obuf *out;
	struct obuf **out_tail;
	size_t out_bytes;
	bool parked;
	void (*park_cancel)(struct conn *c, void *arg);
	void *park_arg;
	bool closing;
	bool queued; /* on the broker's ready list */
	struct conn *next, *prev;
	struct conn *ready_next;
	uint64_t requests;
	/* The prepared pair for file slices and the segment it serves (its
	 * reference held; see write_file in conn.c). */
	struct zc_pair *pair;
	struct plog_slice pair_seg;
};

/* Start a response to correlation id `corr`; flex adds the v1 header's
 * tag buffer. */
void resp_begin(struct resp *r, int32_t corr, bool flex);
/* Append a slice (ownership moves to the response; released when sent or
 * dropped). Returns 0 or -ENOMEM (the slice is released then). */
int resp_slice(struct resp *r, struct plog_slice *s);
/* Drop a response that will not be sent. */
void resp_abort(struct resp *r);
/* Total size so far including the 4-byte prefix. */
size_t resp_size(const struct resp *r);

/* Queue a finished response and start writing it. Consumes r. */
void conn_send(struct conn *c, struct resp *r);

/* Watch the listening socket b->lfd and accept from it. */
void conn_listen(struct broker *b);

/* Park: answer later. cancel is called if the connection dies first. */
void conn_park(struct conn *c, void (*cancel)(struct conn *, void *),
	       void *arg);
/* The parked answer was sent: take the next buffered request (soon, from
 * the loop, never recursively). */
void conn_unpark(struct conn *c);

/* Close because of `why` (logged when non-NULL); freed by the loop. */
void conn_fail(struct conn *c, const char *why);

/* Loop hook: run queued connections, free failed ones. */
void conn_run_ready(struct broker *b);
/* Close every connection (shutdown). */
void conn_close_all(struct broker *b);

#endif /* BROKER_CONN_H */
