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
 *
 * ACLs (docs/security.md): ALTER on each topic, checked before the topic
 * is looked up (a refusal says nothing of whether it exists), as Kafka.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authorize.h"
#include "blog.h"
#include "broker.h"
#include "create_wait.h"
#include "proto/ks_handler.h"
#include "proto/topic_answer.h"

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
			  struct kv *e, struct ct_topic *o, int64_t *req_parts)
{
	const struct ks_struct *qt = ks_sub(&k->qm->root, "Topics");
	struct broker *b = k->b;
	struct kstr ns = ks_get(qt, e, "Name")->s;
	int32_t count = (int32_t)ks_get(qt, e, "Count")->i, now;
	char name[256];
	enum kerr err;
	int rc;

	if (!kstr_copy(name, sizeof(name), ns))
		return KERR_UNKNOWN_TOPIC;
	if (!broker_authorized(b, k->c, ACL_OP_ALTER, ACL_RES_TOPIC, name))
		return KERR_TOPIC_AUTHORIZATION_FAILED;
	if ((now = topics_partitions(b->topics, name)) < 0)
		return KERR_UNKNOWN_TOPIC;
	if (count == now) {
		snprintf(o->text, sizeof(o->text),
			 "Topic already has %d partition(s).", now);
		return KERR_INVALID_PARTITIONS;
	}
	if (count < now) {
		snprintf(o->text, sizeof(o->text),
			 "Topic has %d partition(s); %d would not be an "
			 "increase.",
			 now, count);
		return KERR_INVALID_PARTITIONS;
	}
	err = check_assignments(b, ks_get(qt, e, "Assignments"),
				ks_sub(qt, "Assignments"), count - now, o->text,
				sizeof(o->text));
	if (err)
		return err;
	*req_parts += count - now;
	if (*req_parts > b->cfg.log.max_partitions_per_request) {
		snprintf(o->text, sizeof(o->text),
			 "More new partitions in one request than "
			 "max.partitions.per.request.");
		return KERR_INVALID_PARTITIONS;
	}
	if (KQ(k, "ValidateOnly")->i) {
		if (topics_total_partitions(b->topics) + *req_parts >
		    b->cfg.log.max_partitions)
			return grow_err(-EDQUOT, o->text, sizeof(o->text));
		return KERR_NONE;
	}
	rc = create_wait_grow(b, cw, name, count, &o->err);
	if (rc == 0)
		blog("topic %s: partitions added (%d partitions)", name, count);
	else if (rc < 0 && rc != -EDQUOT)
		blog("topic %s: cannot add partitions: %s", name,
		     strerror(-rc));
	return grow_err(rc == 1 ? 0 : rc, o->text, sizeof(o->text));
}

static int createpartitions(struct ks_call *k)
{
	const struct ks_struct *qt = ks_sub(&k->qm->root, "Topics");
	struct kv *ask = KQ(k, "Topics");
	int64_t req_parts = 0;
	struct create_wait cw;
	struct ct_answer *ans;

	ans = ct_new(k, ask->a.n);
	if (!ans)
		return -ENOMEM;
	create_wait_init(&cw);
	for (int32_t t = 0; t < ask->a.n; t++) {
		struct kv *e = &ask->a.v[t];
		struct ct_topic *o = &ans->t[t];
		struct kstr ns = ks_get(qt, e, "Name")->s;
		enum kerr err;

		if (ns.len >= 0 && !(o->name = strndup(ns.p, (size_t)ns.len))) {
			ct_drop(ans);
			return -ENOMEM;
		}
		if (named_twice(qt, ask, t)) {
			snprintf(o->text, sizeof(o->text),
				 "Duplicate topic name.");
			err = KERR_INVALID_REQUEST;
		} else {
			err = grow_one(k, &cw, e, o, &req_parts);
		}
		o->err = (int16_t)err;
		if (o->text[0])
			o->msg = o->text;
	}
	return ct_finish(k, &cw, ans);
}

int api_createpartitions(struct broker *b, struct conn *c, const struct kreq *q,
			 struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, 0, createpartitions);
}
