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
 * while its response is encoded, then dur_req_finish() parks the
 * connection with the finished response until the covering sync is done.
 * Parking keeps answers in order on a connection (a later acks=1 answer
 * cannot overtake an earlier acks=all one); other connections keep being
 * served while the disk syncs, and all of them share each sync.
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
/* The same with the call that syncs one file (NULL: fdatasync). The seam
 * for a storage system-call layer, and for tests that make syncs fail. */
int dur_start_with(struct broker *b, int (*sync)(int fd));
/* Answer nobody (connections are gone), stop the flusher. */
void dur_stop(struct broker *b);
/* Whether acks=all waits for a sync. */
bool dur_enabled(const struct broker *b);

void dur_req_init(struct dur_req *d);
/* The i16 error code at err_pos of the response depends on the
 * partition's log (l) or, l == NULL, on the offsets store; base_follows:
 * an i64 base offset follows it (set to -1 on failure). */
void dur_req_add(struct broker *b, struct dur_req *d, struct resp *r,
		 struct plog *l, size_t err_pos, bool base_follows);
/* The response in r is complete: send it now (returns 0, nothing to wait
 * for) or park the connection until the sync (returns 1; r is taken over
 * and left empty). */
int dur_req_finish(struct broker *b, struct dur_req *d, struct conn *c,
		   struct resp *r);
/* Forget d (any path that does not reach dur_req_finish; harmless
 * after it). */
void dur_req_free(struct dur_req *d);

/* The topic is about to be deleted: answers still waiting on its logs
 * will say KAFKA_STORAGE_ERROR (the records are gone with it). */
void dur_forget_topic(struct broker *b, const char *topic);

/* A handler whose answer may wait for the sync: runs body with a fresh
 * dur_req, then sends (API_REPLY) or parks (API_PARKED). */
typedef int (*dur_body_fn)(struct broker *b, struct conn *c,
			   const struct kreq *q, struct kr *in, struct resp *r,
			   struct dur_req *d);
int dur_answer(struct broker *b, struct conn *c, const struct kreq *q,
	       struct kr *in, struct resp *r, dur_body_fn body);

#endif /* BROKER_DURABLE_H */
