/* SPDX-License-Identifier: MIT */
/*
 * producers.c — InitProducerId v0-1 and the sequence checks of idempotent
 * produce (see producers.h). One entry per (producer id, topic,
 * partition) in a chained hash table remembers the epoch, the last
 * sequence and the last five batches (Kafka's window for duplicates).
 * At startup the table is rebuilt from the tail of every partition's log
 * (producers_rebuild), so retries across a restart are still recognised.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "authorize.h"
#include "broker.h"
#include "ev.h"
#include "proto/ks_handler.h"
#include "proto/producers.h"

#define WINDOW	 5
#define NBUCKETS 1024
/* Rebuild scans: the first covers SCAN_FIRST bytes of a partition's tail,
 * each next one four times more, up to SCAN_MAX. */
#define SCAN_FIRST (1ULL << 20)
#define SCAN_MAX   (64ULL << 20)

struct pentry {
	struct pentry *next;
	int64_t pid;
	int32_t part;
	int16_t epoch;
	int32_t last_seq;
	int n; /* batches remembered, newest at [0] */
	int32_t first_seq[WINDOW];
	int32_t count[WINDOW];
	int64_t offset[WINDOW];
	char topic[];
};

struct producers {
	struct pentry *b[NBUCKETS];
	int64_t next_id;
};

int producers_create(struct producers **out)
{
	struct producers *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	/* Ids from the clock, so they are not reused across restarts;
	 * producers_rebuild also moves past every id found in the logs. */
	p->next_id = ev_wall_ms();
	*out = p;
	return 0;
}

void producers_free(struct producers *p)
{
	if (!p)
		return;
	for (int i = 0; i < NBUCKETS; i++) {
		while (p->b[i]) {
			struct pentry *e = p->b[i];
			p->b[i] = e->next;
			free(e);
		}
	}
	free(p);
}

int64_t producers_new_id(struct producers *p)
{
	return p->next_id++;
}

static unsigned bucket(int64_t pid, const char *topic, int32_t part)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)pid;
	h = (h ^ (uint32_t)part) * 1099511628211ULL;
	for (const char *s = topic; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return (unsigned)(h % NBUCKETS);
}

static struct pentry *find(struct producers *p, int64_t pid, const char *topic,
			   int32_t part)
{
	for (struct pentry *e = p->b[bucket(pid, topic, part)]; e; e = e->next)
		if (e->pid == pid && e->part == part &&
		    !strcmp(e->topic, topic))
			return e;
	return NULL;
}

enum kerr producers_check(struct producers *p, const char *topic, int32_t part,
			  const struct batch_info *bi, int64_t *dup_offset)
{
	*dup_offset = -1;
	if (bi->producer_id < 0)
		return KERR_NONE;
	struct pentry *e = find(p, bi->producer_id, topic, part);
	if (!e)
		return KERR_NONE;
	int16_t epoch = bi->producer_epoch;
	int32_t seq = bi->base_sequence;
	if (epoch < e->epoch)
		return KERR_INVALID_PRODUCER_EPOCH;
	if (epoch > e->epoch)
		return seq == 0 ? KERR_NONE : KERR_OUT_OF_ORDER_SEQUENCE;
	for (int i = 0; i < e->n; i++) {
		if (e->first_seq[i] == seq && e->count[i] == bi->record_count) {
			*dup_offset = e->offset[i];
			return KERR_NONE;
		}
	}
	/* Sequences wrap from INT32_MAX to 0. */
	int32_t want = e->last_seq == INT32_MAX ? 0 : e->last_seq + 1;
	return seq == want ? KERR_NONE : KERR_OUT_OF_ORDER_SEQUENCE;
}

void producers_record(struct producers *p, const char *topic, int32_t part,
		      const struct batch_info *bi, int64_t offset)
{
	if (bi->producer_id < 0)
		return;
	struct pentry *e = find(p, bi->producer_id, topic, part);
	if (!e) {
		size_t n = strlen(topic) + 1;
		e = calloc(1, sizeof(*e) + n);
		if (!e)
			return; /* forgetting only makes the check lenient */
		e->pid = bi->producer_id;
		e->part = part;
		memcpy(e->topic, topic, n);
		unsigned h = bucket(e->pid, topic, part);
		e->next = p->b[h];
		p->b[h] = e;
	}
	int16_t epoch = bi->producer_epoch;
	if (epoch != e->epoch)
		e->n = 0;
	e->epoch = epoch;
	int32_t seq = bi->base_sequence;
	memmove(e->first_seq + 1, e->first_seq,
		(WINDOW - 1) * sizeof(e->first_seq[0]));
	memmove(e->count + 1, e->count, (WINDOW - 1) * sizeof(e->count[0]));
	memmove(e->offset + 1, e->offset, (WINDOW - 1) * sizeof(e->offset[0]));
	e->first_seq[0] = seq;
	e->count[0] = bi->record_count;
	e->offset[0] = offset;
	if (e->n < WINDOW)
		e->n++;
	int64_t last = (int64_t)seq + bi->record_count - 1;
	e->last_seq = (int32_t)(last > INT32_MAX ? last - INT32_MAX - 1 : last);
}

/* ---- rebuild from the logs ------------------------------------------- */

struct rebuild {
	struct producers *p;
	const char *topic;
	int32_t part;
};

static void rebuild_batch(const struct batch_info *bi, void *arg)
{
	struct rebuild *r = arg;

	if (bi->producer_id < 0)
		return;
	producers_record(r->p, r->topic, r->part, bi, bi->base_offset);
	/* Our ids are clock values far below INT64_MAX / 2; a larger one in
	 * a batch is not ours, and following it could overflow next_id. */
	if (bi->producer_id >= r->p->next_id && bi->producer_id < INT64_MAX / 2)
		r->p->next_id = bi->producer_id + 1;
}

/* Drop the entries of one partition (before scanning it again). */
static void forget_partition(struct producers *p, const char *topic,
			     int32_t part)
{
	for (int i = 0; i < NBUCKETS; i++) {
		struct pentry **pp = &p->b[i];
		while (*pp) {
			struct pentry *e = *pp;
			if (e->part == part && !strcmp(e->topic, topic)) {
				*pp = e->next;
				free(e);
			} else {
				pp = &e->next;
			}
		}
	}
}

/* Whether the scan saw enough of every producer of the partition: its
 * last WINDOW batches, or all of its current epoch (the oldest seen
 * starts at sequence 0). */
static bool partition_complete(struct producers *p, const char *topic,
			       int32_t part)
{
	for (int i = 0; i < NBUCKETS; i++)
		for (struct pentry *e = p->b[i]; e; e = e->next)
			if (e->part == part && !strcmp(e->topic, topic) &&
			    e->n < WINDOW && e->first_seq[e->n - 1] != 0)
				return false;
	return true;
}

static int rebuild_partition(struct producers *p, const char *topic,
			     int32_t part, struct plog *l)
{
	struct rebuild r = {p, topic, part};

	for (uint64_t bound = SCAN_FIRST;; bound *= 4) {
		forget_partition(p, topic, part);
		long n = plog_scan_tail(l, bound, rebuild_batch, &r);
		if (n < 0) {
			forget_partition(p, topic, part);
			return (int)n;
		}
		if (bound >= plog_size_bytes(l) || bound >= SCAN_MAX ||
		    partition_complete(p, topic, part))
			return 0;
	}
}

int producers_rebuild(struct producers *p, struct topics *t)
{
	int ret = 0;

	for (size_t i = 0; i < topics_count(t); i++) {
		const char *name = topics_name(t, i);
		int32_t parts = topics_partitions(t, name);
		for (int32_t k = 0; k < parts; k++) {
			struct plog *l = topics_log(t, name, k);
			int rc = l ? rebuild_partition(p, name, k, l) : 0;
			if (rc < 0 && !ret)
				ret = rc;
		}
	}
	return ret;
}

/* Transactions are not offered. Without a transactional id Kafka hands
 * out a new producer id whatever ProducerId/ProducerEpoch (v3+, KIP-360)
 * say, and so does this broker; the two-phase-commit flags (v6, KIP-939)
 * concern transactions only. */
static int initproducerid(struct ks_call *k)
{
	bool transactional = KQ(k, "TransactionalId")->s.len >= 0;

	/* ACLs: an idempotent producer needs IDEMPOTENT_WRITE on the
	 * cluster, or WRITE on some topic (KIP-679). */
	if (!transactional &&
	    !broker_authorized_cluster(k->b, k->c, ACL_OP_IDEMPOTENT_WRITE) &&
	    !broker_authorized_any(k->b, k->c, ACL_OP_WRITE, ACL_RES_TOPIC)) {
		KR(k, "ErrorCode")->i = KERR_CLUSTER_AUTHORIZATION_FAILED;
		KR(k, "ProducerId")->i = -1;
		KR(k, "ProducerEpoch")->i = -1;
		return API_REPLY;
	}
	char tid[256];
	if (transactional && k->b->cfg.authz.enabled &&
	    (!kv_cstr(KQ(k, "TransactionalId"), tid, sizeof(tid)) ||
	     !broker_authorized(k->b, k->c, ACL_OP_WRITE,
				ACL_RES_TRANSACTIONAL_ID, tid))) {
		KR(k, "ErrorCode")->i =
		    KERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
		KR(k, "ProducerId")->i = -1;
		KR(k, "ProducerEpoch")->i = -1;
		return API_REPLY;
	}
	KR(k, "ErrorCode")->i =
	    transactional ? KERR_COORDINATOR_NOT_AVAILABLE : KERR_NONE;
	KR(k, "ProducerId")->i =
	    transactional ? -1 : producers_new_id(k->b->producers);
	KR(k, "ProducerEpoch")->i = transactional ? -1 : 0;
	return API_REPLY;
}

int api_initproducerid(struct broker *b, struct conn *c, const struct kreq *q,
		       struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, 0, initproducerid);
}
