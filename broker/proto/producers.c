/* SPDX-License-Identifier: MIT */
/*
 * producers.c — InitProducerId v0-1 and the sequence checks of idempotent
 * produce (see producers.h). One entry per (producer id, topic,
 * partition) in a chained hash table remembers the epoch, the last
 * sequence and the last five batches (Kafka's window for duplicates).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "ev.h"
#include "proto/producers.h"

#define WINDOW	 5
#define NBUCKETS 1024

enum {
	KERR_OUT_OF_ORDER_SEQUENCE = 45,
	KERR_INVALID_PRODUCER_EPOCH = 47,
};

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
	/* Ids from the clock: never reused across restarts, whose state
	 * is forgotten. */
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

static int32_t base_seq(const uint8_t *batch)
{
	return kbe32(batch + 53);
}

static int16_t epoch_of(const uint8_t *batch)
{
	return kbe16(batch + 51);
}

int producers_check(struct producers *p, const char *topic, int32_t part,
		    const uint8_t *batch, const struct batch_info *bi,
		    int64_t *dup_offset)
{
	if (bi->producer_id < 0)
		return 0;
	struct pentry *e = find(p, bi->producer_id, topic, part);
	if (!e)
		return 0;
	int16_t epoch = epoch_of(batch);
	int32_t seq = base_seq(batch);
	if (epoch < e->epoch)
		return -KERR_INVALID_PRODUCER_EPOCH;
	if (epoch > e->epoch)
		return seq == 0 ? 0 : -KERR_OUT_OF_ORDER_SEQUENCE;
	for (int i = 0; i < e->n; i++) {
		if (e->first_seq[i] == seq && e->count[i] == bi->record_count) {
			*dup_offset = e->offset[i];
			return 1;
		}
	}
	/* Sequences wrap from INT32_MAX to 0. */
	int32_t want = e->last_seq == INT32_MAX ? 0 : e->last_seq + 1;
	return seq == want ? 0 : -KERR_OUT_OF_ORDER_SEQUENCE;
}

void producers_record(struct producers *p, const char *topic, int32_t part,
		      const uint8_t *batch, const struct batch_info *bi,
		      int64_t offset)
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
	int16_t epoch = epoch_of(batch);
	if (epoch != e->epoch)
		e->n = 0;
	e->epoch = epoch;
	int32_t seq = base_seq(batch);
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

int api_initproducerid(struct broker *b, struct conn *c, const struct kreq *q,
		       struct kr *in, struct resp *r)
{
	struct kstr txn = kr_str(in);
	kr_i32(in); /* transaction_timeout_ms */
	if (!kr_ok(in))
		return API_BAD;
	bool transactional = txn.len >= 0;
	kw_i32(&r->w, 0); /* throttle_time_ms */
	kw_i16(&r->w, transactional ? KERR_COORDINATOR_NOT_AVAILABLE : 0);
	kw_i64(&r->w, transactional ? -1 : producers_new_id(b->producers));
	kw_i16(&r->w, transactional ? -1 : 0);
	return API_REPLY;
}
