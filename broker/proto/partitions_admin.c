/* SPDX-License-Identifier: MIT */
/*
 * partitions_admin.c — CreatePartitions v0-3 (KIP-195) through the
 * table-driven codec: grow a topic to Count partitions.
 *
 * As Kafka's controller answers: an unknown topic UNKNOWN_TOPIC_OR_PARTITION,
 * a count not larger than today's INVALID_PARTITIONS with a message, a
 * topic named twice INVALID_REQUEST for each, and an assignment list
 * (one replica list per new partition) that does not name this broker
 * alone INVALID_REPLICA_ASSIGNMENT. The new partitions of one request
 * count against max.partitions.per.request and the broker's against
 * max.partitions (INVALID_PARTITIONS past either). ValidateOnly checks
 * without growing. New partition directories are made as CreateTopics
 * makes them: a growth of many partitions over several loop turns
 * (create_wait.c), visible together once all are made.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blog.h"
#include "broker.h"
#include "create_wait.h"
#include "proto/ks_handler.h"

/* What the answer says of one topic, kept apart from the request (a
 * large growth is answered after the request is gone). */
struct cp_topic {
	char *name; /* NULL: the request named none */
	int16_t err;
	char msg[160]; /* "" for none */
};

struct cp_answer {
	int16_t ver;
	int32_t n;
	struct cp_topic t[];
};

static void cp_drop(void *state)
{
	struct cp_answer *ans = state;

	for (int32_t i = 0; i < ans->n; i++)
		free(ans->t[i].name);
	free(ans);
}

static void cp_build(void *state, struct resp *r)
{
	const struct cp_answer *ans = state;
	const struct ks_msg *rm = ks_resp(API_CREATE_PARTITIONS);
	const struct ks_struct *rt = ks_sub(&rm->root, "Results");
	struct ks_arena a;
	struct kv *resp;

	ks_arena_init(&a, 64 * 1024 + (size_t)ans->n * 256);
	resp = ks_new(rm, &a);
	if (!resp || ks_resize(&rm->root, resp, "Results", ans->n, &a) < 0)
		goto fail;
	for (int32_t i = 0; i < ans->n; i++) {
		const struct cp_topic *e = &ans->t[i];
		struct kv *o = &ks_get(&rm->root, resp, "Results")->a.v[i];

		kv_setstr(ks_get(rt, o, "Name"), e->name);
		ks_get(rt, o, "ErrorCode")->i = e->err;
		kv_setstr(ks_get(rt, o, "ErrorMessage"),
			  e->err && e->msg[0] ? e->msg : NULL);
	}
	if (ks_encode(rm, ans->ver, resp, &r->w) == 0) {
		ks_arena_free(&a);
		return;
	}
fail:
	r->w.err = true; /* logged by the dispatcher */
	ks_arena_free(&a);
}

/* The topic names of the request, to find one named twice. */
static bool named_twice(const struct ks_struct *qt, struct kv *ask, int32_t t)
{
	struct kstr me = ks_get(qt, &ask->a.v[t], "Name")->s;

	for (int32_t i = 0; i < ask->a.n; i++) {
		struct kstr o = ks_get(qt, &ask->a.v[i], "Name")->s;

		if (i != t && o.len == me.len && me.len >= 0 &&
		    !memcmp(o.p, me.p, (size_t)me.len))
			return true;
	}
	return false;
}

/* An assignment list (null: the broker places them) must hold one
 * replica list per new partition, each naming this broker alone. */
static enum kerr check_assignments(struct broker *b, struct kv *asg,
				   const struct ks_struct *qa, int32_t add,
				   char *msg, size_t cap)
{
	if (asg->a.n < 0)
		return KERR_NONE;
	if (asg->a.n != add) {
		snprintf(msg, cap,
			 "%d new partition(s) need as many assignments; "
			 "%d were given.",
			 add, asg->a.n);
		return KERR_INVALID_REPLICA_ASSIGNMENT;
	}
	for (int32_t i = 0; i < asg->a.n; i++) {
		struct kv *ids = ks_get(qa, &asg->a.v[i], "BrokerIds");

		if (ids->a.n != 1) {
			snprintf(msg, cap,
				 "An assignment lists %d replica(s); this "
				 "single broker keeps exactly 1.",
				 ids->a.n);
			return KERR_INVALID_REPLICA_ASSIGNMENT;
		}
		if (ids->a.v[0].i != b->cfg.node_id) {
			snprintf(msg, cap,
				 "An assignment names broker %lld; the only "
				 "broker is %d.",
				 (long long)ids->a.v[0].i, (int)b->cfg.node_id);
			return KERR_INVALID_REPLICA_ASSIGNMENT;
		}
	}
	return KERR_NONE;
}

static enum kerr grow_err(int rc, char *msg, size_t cap)
{
	switch (rc) {
	case 0:
		return KERR_NONE;
	case -ENOENT:
		return KERR_UNKNOWN_TOPIC;
	case -EDQUOT:
		snprintf(msg, cap,
			 "The broker would hold more partitions "
			 "than max.partitions.");
		return KERR_INVALID_PARTITIONS;
	case -EBUSY:
		snprintf(msg, cap,
			 "Partitions are being added to this topic "
			 "already.");
		return KERR_INVALID_PARTITIONS;
	default:
		return KERR_KAFKA_STORAGE_ERROR;
	}
}

/* One topic of the request: its error (and message); *req_parts counts
 * the partitions the request adds. */
static enum kerr grow_one(struct ks_call *k, struct create_wait *cw,
			  struct kv *e, struct cp_topic *o, int64_t *req_parts)
{
	const struct ks_struct *qt = ks_sub(&k->qm->root, "Topics");
	struct broker *b = k->b;
	struct kstr ns = ks_get(qt, e, "Name")->s;
	int32_t count = (int32_t)ks_get(qt, e, "Count")->i, now;
	char name[256];
	enum kerr err;
	int rc;

	if (!kstr_copy(name, sizeof(name), ns) ||
	    (now = topics_partitions(b->topics, name)) < 0)
		return KERR_UNKNOWN_TOPIC;
	if (count == now) {
		snprintf(o->msg, sizeof(o->msg),
			 "Topic already has %d partition(s).", now);
		return KERR_INVALID_PARTITIONS;
	}
	if (count < now) {
		snprintf(o->msg, sizeof(o->msg),
			 "Topic has %d partition(s); %d would not be an "
			 "increase.",
			 now, count);
		return KERR_INVALID_PARTITIONS;
	}
	err = check_assignments(b, ks_get(qt, e, "Assignments"),
				ks_sub(qt, "Assignments"), count - now, o->msg,
				sizeof(o->msg));
	if (err)
		return err;
	*req_parts += count - now;
	if (*req_parts > b->cfg.log.max_partitions_per_request) {
		snprintf(o->msg, sizeof(o->msg),
			 "More new partitions in one request than "
			 "max.partitions.per.request.");
		return KERR_INVALID_PARTITIONS;
	}
	if (KQ(k, "ValidateOnly")->i) {
		if (topics_total_partitions(b->topics) + *req_parts >
		    b->cfg.log.max_partitions)
			return grow_err(-EDQUOT, o->msg, sizeof(o->msg));
		return KERR_NONE;
	}
	rc = create_wait_grow(b, cw, name, count, &o->err);
	if (rc == 0)
		blog("topic %s: partitions added (%d partitions)", name, count);
	else if (rc < 0 && rc != -EDQUOT)
		blog("topic %s: cannot add partitions: %s", name,
		     strerror(-rc));
	return grow_err(rc == 1 ? 0 : rc, o->msg, sizeof(o->msg));
}

static int createpartitions(struct ks_call *k)
{
	const struct ks_struct *qt = ks_sub(&k->qm->root, "Topics");
	struct kv *ask = KQ(k, "Topics");
	int64_t req_parts = 0;
	struct create_wait cw;
	struct cp_answer *ans;
	int rc;

	ans = calloc(1, sizeof(*ans) + (size_t)ask->a.n * sizeof(ans->t[0]));
	if (!ans)
		return -ENOMEM;
	ans->ver = k->q->ver;
	ans->n = ask->a.n;
	create_wait_init(&cw);
	for (int32_t t = 0; t < ask->a.n; t++) {
		struct kv *e = &ask->a.v[t];
		struct cp_topic *o = &ans->t[t];
		struct kstr ns = ks_get(qt, e, "Name")->s;
		enum kerr err;

		if (ns.len >= 0 && !(o->name = strndup(ns.p, (size_t)ns.len))) {
			cp_drop(ans);
			return -ENOMEM;
		}
		if (named_twice(qt, ask, t)) {
			snprintf(o->msg, sizeof(o->msg),
				 "Duplicate topic name.");
			err = KERR_INVALID_REQUEST;
		} else {
			err = grow_one(k, &cw, e, o, &req_parts);
		}
		o->err = (int16_t)err;
	}
	rc = create_wait_end(k->c, k->q, &cw, cp_build, cp_drop, ans);
	if (rc != 0)
		return rc; /* ans is the wait's now */
	cp_build(ans, k->r);
	cp_drop(ans);
	k->encoded = true;
	return API_REPLY;
}

int api_createpartitions(struct broker *b, struct conn *c, const struct kreq *q,
			 struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, 0, createpartitions);
}
