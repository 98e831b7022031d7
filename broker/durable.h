/* SPDX-License-Identifier: MIT */
/*
 * durable.h — durable acknowledgements on one node: acks=all produces and
 * OffsetCommits are answered only after a group commit (log/flusher.h)
 * has made their bytes durable. Kafka acknowledges acks=all once every
 * in-sync replica has the batch in its page cache; a single node has no
 * replica, so a power cut would lose what producers were told is safe.
 * `write.caching=true` (the name Redpanda gives the same trade-off)
 * restores Kafka's page-cache acknowledgement.
 *
 * A request that needs a sync collects what it depends on in a dur_req
 * while its response is encoded, then dur_req_finish() holds the finished
 * response in a pending reply (reply.h) until the covering sync is done.
 * The connection keeps reading: later requests are handled while the disk
 * syncs, so several acks=all produces of one connection share one sync,
 * and the connection's reply queue still sends answers in request order
 * (a later acks=1 answer waits behind an earlier acks=all one). Other
 * connections are served meanwhile and share the same syncs.
 *
 * On a failed sync the partition goes offline (plog_set_offline) and
 * every waiting answer that depends on it says KAFKA_STORAGE_ERROR.
 */
#ifndef BROKER_DURABLE_H
#define BROKER_DURABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct broker;
struct conn;
struct kr;
struct kreq;
struct resp;
struct plog;
struct dur_wait;

/* One request's dependencies: the sync ticket and where, in the encoded
 * response, each dependent error code sits (patched on failure). */
struct dur_req {
	int64_t ticket; /* 0: nothing to wait for */
	struct dur_dep *deps;
	size_t n, cap;
	bool err; /* out of memory: answer with errors now */
};

/* Start the flusher and watch its eventfd (no-op with write.caching). */
int dur_start(struct broker *b);
/* The same with the call that syncs one file (NULL: the storage layer's
 * fdatasync wrapper, log/sys.h, whose fault hook tests use). */
int dur_start_with(struct broker *b, int (*sync)(int fd));
/* Stop the flusher (after the connections closed: their waiting answers
 * were cancelled with them). */
void dur_stop(struct broker *b);
/* Whether acks=all waits for a sync. */
bool dur_enabled(const struct broker *b);

void dur_req_init(struct dur_req *d);
/* The i16 error code at err_pos of the response depends on the
 * partition's log (l) or, l == NULL, on the offsets store; base_follows:
 * an i64 base offset follows it (set to -1 on failure). */
void dur_req_add(struct broker *b, struct dur_req *d, struct resp *r,
		 struct plog *l, size_t err_pos, bool base_follows);
/* The response in r to request q is complete: send it now (returns 0,
 * nothing to wait for) or hold it in a pending reply until the sync
 * (returns 1; r is taken over and left empty). */
int dur_req_finish(struct broker *b, struct dur_req *d, struct conn *c,
		   const struct kreq *q, struct resp *r);
/* Forget d (any path that does not reach dur_req_finish; harmless
 * after it). */
void dur_req_free(struct dur_req *d);

/* The topic is about to be deleted: answers still waiting on its logs
 * will say KAFKA_STORAGE_ERROR (the records are gone with it). */
void dur_forget_topic(struct broker *b, const char *topic);

/* A handler whose answer may wait for the sync: runs body with a fresh
 * dur_req, then answers now (API_REPLY) or later (API_PENDING). */
typedef int (*dur_body_fn)(struct broker *b, struct conn *c,
			   const struct kreq *q, struct kr *in, struct resp *r,
			   struct dur_req *d);
int dur_answer(struct broker *b, struct conn *c, const struct kreq *q,
	       struct kr *in, struct resp *r, dur_body_fn body);

#endif /* BROKER_DURABLE_H */
