/* SPDX-License-Identifier: MIT */
/*
 * records_admin.c — DeleteRecords v0-2 (KIP-107) and OffsetForLeaderEpoch
 * v0-4 (KIP-101, KIP-320) through the table-driven codec.
 *
 * DeleteRecords moves each partition's log start offset up to the offset
 * asked (-1: the high watermark) and answers the new start as the low
 * watermark; an offset past the high watermark (or below -1) is
 * OFFSET_OUT_OF_RANGE, as Kafka's leader answers. The start is on disk
 * before the answer (plog_delete_records), so it survives a crash.
 *
 * OffsetForLeaderEpoch: this broker has led every partition since it was
 * made, in epoch 0 (Metadata and ListOffsets say so). Kafka's leader
 * answers from its epoch cache: the current epoch ends at the log end
 * offset; an epoch it does not know (larger than the current, or -1)
 * gets epoch -1 and offset -1 with no error (and one below every epoch
 * it knows: that epoch, ending at the log start). A CurrentLeaderEpoch other
 * than -1 (not given) or 0 is checked as Kafka checks a client's view:
 * older than ours FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH.
 *
 * ACLs (docs/security.md): DeleteRecords needs DELETE on each topic;
 * OffsetForLeaderEpoch DESCRIBE on each topic, or CLUSTER_ACTION on the
 * cluster (a replica's request), as Kafka's KafkaApis checks. A topic
 * refused is TOPIC_AUTHORIZATION_FAILED on each of its partitions.
 */
#include <errno.h>

#include "authorize.h"
#include "blog.h"
#include "broker.h"
#include "proto/ks_handler.h"

/* The one leader epoch of every partition. */
#define EPOCH 0

/* Each topic of a request answered per partition by fn: the request and
 * answer share the shape topics -> partitions. */
struct per_part {
	const char *q_topics, *q_name, *q_parts, *q_part;
	const char *r_topics, *r_name, *r_parts, *r_part;
	void (*fn)(struct ks_call *k, struct plog *l,
		   const struct ks_struct *qp, struct kv *ap,
		   const struct ks_struct *rp, struct kv *op);
	enum acl_op acl; /* ACLs: needed on each topic */
};

/* each_partition's fn on a partition of a topic refused (ACLs): as for an
 * unknown topic, with the refusal as the error. */
static void refused(struct ks_call *k, const struct per_part *pp,
		    const struct ks_struct *qp, struct kv *ap,
		    const struct ks_struct *rp, struct kv *op)
{
	pp->fn(k, NULL, qp, ap, rp, op);
	ks_get(rp, op, "ErrorCode")->i = KERR_TOPIC_AUTHORIZATION_FAILED;
}

/* all: every topic is allowed (ACLs checked by the caller). */
static int each_partition(struct ks_call *k, const struct per_part *pp,
			  bool all)
{
	const struct ks_struct *qt = ks_sub(&k->qm->root, pp->q_topics);
	const struct ks_struct *qp = ks_sub(qt, pp->q_parts);
	const struct ks_struct *rt = ks_sub(&k->rm->root, pp->r_topics);
	const struct ks_struct *rp = ks_sub(rt, pp->r_parts);
	struct kv *ask = KQ(k, pp->q_topics), *topics;

	if (ks_resize(&k->rm->root, k->resp, pp->r_topics, ask->a.n, &k->a) < 0)
		return -ENOMEM;
	topics = KR(k, pp->r_topics);
	for (int32_t t = 0; t < ask->a.n; t++) {
		struct kv *at = &ask->a.v[t], *ot = &topics->a.v[t];
		struct kv *aps = ks_get(qt, at, pp->q_parts);
		struct kv *ops = ks_get(rt, ot, pp->r_parts);
		struct kstr nm = ks_get(qt, at, pp->q_name)->s;
		char topic[256];
		bool named = kstr_copy(topic, sizeof(topic), nm);
		bool denied = named && !all &&
			      !broker_authorized(k->b, k->c, pp->acl,
						 ACL_RES_TOPIC, topic);

		ks_get(rt, ot, pp->r_name)->s = nm;
		if (ks_array(ks_fld(rt, pp->r_parts), aps->a.n, &k->a, ops) < 0)
			return -ENOMEM;
		for (int32_t p = 0; p < aps->a.n; p++) {
			struct kv *ap = &aps->a.v[p], *op = &ops->a.v[p];
			int64_t part = ks_get(qp, ap, pp->q_part)->i;
			struct plog *l =
			    named && !denied
				? topics_log(k->b->topics, topic, (int32_t)part)
				: NULL;

			ks_get(rp, op, pp->r_part)->i = part;
			if (denied)
				refused(k, pp, qp, ap, rp, op);
			else
				pp->fn(k, l, qp, ap, rp, op);
		}
	}
	return API_REPLY;
}

/* ---- DeleteRecords ----------------------------------------------------- */

static void delete_part(struct ks_call *k, struct plog *l,
			const struct ks_struct *qp, struct kv *ap,
			const struct ks_struct *rp, struct kv *op)
{
	int64_t ask = ks_get(qp, ap, "Offset")->i, low = -1;
	enum kerr err = KERR_UNKNOWN_TOPIC;

	if (l && plog_offline(l)) {
		err = KERR_KAFKA_STORAGE_ERROR;
	} else if (l) {
		low = plog_delete_records(l, ask);
		err = KERR_NONE;
		if (low == -ERANGE) {
			err = KERR_OFFSET_OUT_OF_RANGE;
		} else if (low < 0) {
			blog("%s: delete records: %s", k->c->peer,
			     strerror((int)-low));
			err = KERR_KAFKA_STORAGE_ERROR;
		}
		if (low < 0)
			low = -1;
	}
	ks_get(rp, op, "LowWatermark")->i = low;
	ks_get(rp, op, "ErrorCode")->i = err;
}

static int deleterecords(struct ks_call *k)
{
	static const struct per_part pp = {
	    "Topics",	 "Name",       "Partitions", "PartitionIndex",
	    "Topics",	 "Name",       "Partitions", "PartitionIndex",
	    delete_part, ACL_OP_DELETE};

	return each_partition(k, &pp, false);
}

int api_deleterecords(struct broker *b, struct conn *c, const struct kreq *q,
		      struct kr *in, struct resp *r)
{
	/* The answer takes about as many nodes as the request. */
	return ks_handle(b, c, q, in, r, ks_budget(in, 0), deleterecords);
}

/* ---- OffsetForLeaderEpoch ---------------------------------------------- */

static void epoch_part(struct ks_call *k, struct plog *l,
		       const struct ks_struct *qp, struct kv *ap,
		       const struct ks_struct *rp, struct kv *op)
{
	int64_t current = ks_get(qp, ap, "CurrentLeaderEpoch")->i;
	int64_t epoch = ks_get(qp, ap, "LeaderEpoch")->i;
	enum kerr err = KERR_NONE;

	(void)k;
	if (!l)
		err = KERR_UNKNOWN_TOPIC;
	else if (current != -1 && current < EPOCH)
		err = KERR_FENCED_LEADER_EPOCH;
	else if (current != -1 && current > EPOCH)
		err = KERR_UNKNOWN_LEADER_EPOCH;
	ks_get(rp, op, "ErrorCode")->i = err;
	/* Kafka's LeaderEpochFileCache.endOffsetFor: the latest epoch ends
	 * at the log end offset; an epoch below every known one (but not
	 * -1, "undefined") ends where the first known epoch starts, the log
	 * start; a later one is unknown (-1, -1). */
	if (!err && epoch == EPOCH) {
		ks_get(rp, op, "LeaderEpoch")->i = EPOCH;
		ks_get(rp, op, "EndOffset")->i = plog_end_offset(l);
	} else if (!err && epoch < -1) {
		ks_get(rp, op, "LeaderEpoch")->i = epoch;
		ks_get(rp, op, "EndOffset")->i = plog_start_offset(l);
	}
}

static int offsetforleaderepoch(struct ks_call *k)
{
	static const struct per_part pp = {
	    "Topics", "Topic",	    "Partitions", "Partition", "Topics",
	    "Topic",  "Partitions", "Partition",  epoch_part,  ACL_OP_DESCRIBE};

	return each_partition(
	    k, &pp,
	    broker_authorized_cluster(k->b, k->c, ACL_OP_CLUSTER_ACTION));
}

int api_offsetforleaderepoch(struct broker *b, struct conn *c,
			     const struct kreq *q, struct kr *in,
			     struct resp *r)
{
	return ks_handle(b, c, q, in, r, ks_budget(in, 0),
			 offsetforleaderepoch);
}
