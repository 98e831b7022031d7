/* SPDX-License-Identifier: MIT */
/*
 * conn.h — client connections and the set that owns them.
 *
 * A connection reads and frames requests, dispatches them in order, and
 * keeps their answers in an ordered queue of replies (reply.h): answers
 * leave in request order whatever order they complete in. Output is a
 * chain of memory buffers (writev) and segment slices (libzcio), counted
 * at what it really holds: the memory of each buffer and its bookkeeping,
 * plus the file bytes of slices.
 *
 * Flow control, per connection: no new request is taken while the output
 * owed to the peer is over zc.connection.output.max.bytes or while
 * zc.connection.max.pending.replies answers are outstanding; input then
 * buffers up to one frame or CONN_IN_BACKLOG bytes and reading stops.
 * Across connections: request bytes buffered but not yet handled are
 * counted against queued.max.request.bytes; over it, connections that are
 * not in the middle of a frame stop reading until the total drops.
 * Read buffers grow with the bytes that arrived, never on the strength of
 * a frame's declared size, and shrink back when empty.
 *
 * The set (struct connset) accepts, enforces max.connections (accepting
 * pauses) and max.connections.per.ip (the excess is closed at once), and
 * closes connections idle for connections.max.idle.ms: no byte in either
 * direction and no answer owed, so a half-sent frame counts as idle.
 *
 * Lifetime: connections are never freed inside a handler; conn_fail()
 * marks one and the loop (connset_run, before its next sleep) cancels its
 * pending replies and frees it. So a handler may answer other connections
 * (the group leader's SyncGroup answers every member) without
 * use-after-free, and an owner never hears of a cancellation while inside
 * its own callback. Answers to a closing connection are dropped.
 */
#ifndef BROKER_CONN_H
#define BROKER_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reply.h"
#include "security/listeners.h"

struct broker;
struct ev_loop;
struct ipcount;
struct obuf;
struct zc_pair;

/* One listening socket (listeners=NAME://HOST:PORT): its settings, as
 * resolved by listeners_resolve, and what its connections share. */
struct blisten {
	struct listener l; /* l.port: the bound port once listening */
	struct connset *cs;
	int fd;
	/* OpenSSL's SSL_CTX for SSL and SASL_SSL listeners, else NULL. */
	struct ssl_ctx_st *tls;
};

/* The principal of a connection nobody has authenticated (Kafka's). */
#define CONN_ANONYMOUS	   "User:ANONYMOUS"
#define CONN_PRINCIPAL_MAX 255

/* Input buffered while requests are not taken, before reading stops. */
#define CONN_IN_BACKLOG (4u << 20)

struct conn {
	struct connset *cs;
	struct broker *b;
	int fd;
	char peer[64];
	/* The listener the connection came in on; NULL for connections
	 * made by tests and fuzzers (served as PLAINTEXT). */
	struct blisten *lst;
	/* Who the client is: CONN_ANONYMOUS, "User:" + the SASL user, or
	 * the TLS client certificate's principal. ACLs check it. */
	char principal[CONN_PRINCIPAL_MAX + 1];
	/* False until SASL completes on a SASL_* listener: only ApiVersions
	 * and the SASL requests are served before. */
	bool authed;
	struct ipcount *ip;
	uint8_t *rbuf;
	size_t rpos, rlen, rcap; /* unparsed bytes are rbuf[rpos..rlen) */
	unsigned rd_block;	 /* why reading is off (CONN_BLK_*) */
	struct obuf *out;
	struct obuf **out_tail;
	size_t out_cost;	/* memory + file bytes owed to the peer */
	struct preply *replies; /* ordered queue of answers */
	struct preply **replies_tail;
	uint32_t pending; /* replies not ready yet */
	bool closing;
	bool queued;   /* on the set's ready list */
	bool mem_wait; /* on the set's list of reads paused for memory */
	int64_t last_active;
	struct conn *next,
	    *prev; /* the set's list, least recently active first */
	struct conn *ready_next;
	struct conn *mem_next;
	uint64_t requests;
	/* The prepared pair for file slices and the segment it serves (its
	 * reference held; see write_file in conn.c). */
	struct zc_pair *pair;
	struct plog_slice pair_seg;
};

enum {
	CONN_BLK_BACKLOG = 1, /* requests not taken, input buffered */
	CONN_BLK_MEM = 2,     /* queued.max.request.bytes reached */
};

struct connset {
	struct broker *b;
	struct ev_loop *ev;
	struct conn *head, *tail;
	struct conn *ready;
	struct conn *dead;
	struct conn *mem_paused;
	size_t n;
	uint64_t queued_bytes; /* request bytes read, not yet handled */
	struct ipcount **ips;
	size_t nips_buckets;
	struct blisten *lst[LISTENERS_MAX]; /* accepting on these */
	int nlst;
	bool accept_paused;
	bool trim_due; /* connections freed since the last malloc_trim */
	uint64_t idle_timer;
	uint64_t accept_timer;
};

void connset_init(struct connset *cs, struct broker *b, struct ev_loop *ev);
/* Accept connections from l's listening socket (l->fd), which stays
 * the caller's; at most LISTENERS_MAX. 0 or -ENOSPC. */
int connset_listen(struct connset *cs, struct blisten *l);
/* The one constructor: a connection on socket fd (non-blocking), watched
 * by the loop. NULL (fd closed) when over max.connections.per.ip or out of
 * memory. */
struct conn *conn_new(struct connset *cs, int fd, const char *peer);
/* Loop hook: take requests of queued connections, free failed ones. */
void connset_run(struct connset *cs);
/* Close every connection, free them, stop the timers. */
void connset_close_all(struct connset *cs);

/* Queue an answer made at once (after any pending ones). Consumes r. */
void conn_reply(struct conn *c, struct resp *r);
/* A pending reply at the head became ready: send what can go. */
void conn_pump(struct conn *c);

/* Bytes as if they had arrived on the socket (tests and fuzzers): they
 * join the read buffer and are taken in the next connset_run. Returns 0
 * or -ENOMEM. */
int conn_feed(struct conn *c, const void *p, size_t n);

/* Close because of `why` (logged when non-NULL); freed by the loop. */
void conn_fail(struct conn *c, const char *why);

#endif /* BROKER_CONN_H */
