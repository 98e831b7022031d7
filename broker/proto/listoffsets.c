/* SPDX-License-Identifier: MIT */
/*
 * listoffsets.c — ListOffsets v1-10 through the table-driven codec: -1
 * latest (the end offset), -2 earliest (the log start), -3 the first record
 * with the largest timestamp (v7+, KIP-734), -4 the earliest local offset
 * (v8+, KIP-405: the log start, all of the log being local), -5 the last
 * tiered offset (v9+, KIP-1005: none, -1, as Kafka answers without tiered
 * storage); else the first offset with a timestamp at or after the one
 * asked, answered with that record's timestamp (plog_find_time; a
 * compressed batch is decompressed for the lookup). Found offsets carry
 * leader epoch 0, the only epoch of this single broker. TimeoutMs (v10)
 * needs no waiting: every answer is local.
 */
#include <errno.h>

#include "authorize.h"
#include "broker.h"
#include "proto/ks_handler.h"

/* The answer for one partition: offset and timestamp, or an error. */
static enum kerr lookup(struct plog *l, int64_t ask, int16_t ver, int64_t *off,
			int64_t *ts)
{
	*ts = -1;
	switch (ask) {
	case -1:
		*off = plog_end_offset(l);
		return KERR_NONE;
	case -2:
		*off = plog_start_offset(l);
		return KERR_NONE;
	case -3:
		if (ver < 7)
			break;
		*off = plog_max_time(l, ts);
		return KERR_NONE;
	case -4:
		if (ver < 8)
			break;
		*off = plog_start_offset(l);
		return KERR_NONE;
	case -5:
		if (ver < 9)
			break;
		*off = -1;
		return KERR_NONE;
	default:
		if (ask < 0)
			break;
		*off = plog_find_time(l, ask, ts);
		if (*off < 0)
			*off = *ts = -1;
		return KERR_NONE;
	}
	*off = -1;
	return KERR_UNSUPPORTED_VERSION; /* a special value not in ver */
}

static int listoffsets(struct ks_call *k)
{
	const struct ks_struct *qt = ks_sub(&k->qm->root, "Topics");
	const struct ks_struct *qp = ks_sub(qt, "Partitions");
	const struct ks_struct *rt = ks_sub(&k->rm->root, "Topics");
	const struct ks_struct *rp = ks_sub(rt, "Partitions");
	struct kv *ask = KQ(k, "Topics"), *topics = KR(k, "Topics");
	struct broker *b = k->b;
	struct ks_arena *a = &k->a;

	if (ks_resize(&k->rm->root, k->resp, "Topics", ask->a.n, a) < 0)
		return -ENOMEM;
	for (int32_t t = 0; t < ask->a.n; t++) {
		struct kv *at = &ask->a.v[t], *ot = &topics->a.v[t];
		struct kv *aps = ks_get(qt, at, "Partitions");
		struct kv *ops = ks_get(rt, ot, "Partitions");
		struct kstr nm = ks_get(qt, at, "Name")->s;
		char topic[256];
		bool named = kstr_copy(topic, sizeof(topic), nm);
		/* ACLs: DESCRIBE on the topic. */
		bool denied =
		    named && !broker_authorized(b, k->c, ACL_OP_DESCRIBE,
						ACL_RES_TOPIC, topic);

		ks_get(rt, ot, "Name")->s = nm;
		if (ks_array(ks_fld(rt, "Partitions"), aps->a.n, a, ops) < 0)
			return -ENOMEM;
		for (int32_t p = 0; p < aps->a.n; p++) {
			struct kv *ap = &aps->a.v[p], *op = &ops->a.v[p];
			int32_t part =
			    (int32_t)ks_get(qp, ap, "PartitionIndex")->i;
			int64_t ts_ask = ks_get(qp, ap, "Timestamp")->i;
			struct plog *l =
			    named && !denied
				? topics_log(b->topics, topic, part)
				: NULL;
			enum kerr err = denied ? KERR_TOPIC_AUTHORIZATION_FAILED
					       : KERR_UNKNOWN_TOPIC;
			int64_t off = -1, ts = -1;

			if (l)
				err = lookup(l, ts_ask, k->q->ver, &off, &ts);
			ks_get(rp, op, "PartitionIndex")->i = part;
			ks_get(rp, op, "ErrorCode")->i = err;
			ks_get(rp, op, "Timestamp")->i = ts;
			ks_get(rp, op, "Offset")->i = off;
			ks_get(rp, op, "LeaderEpoch")->i = off >= 0 ? 0 : -1;
		}
	}
	return API_REPLY;
}

int api_listoffsets(struct broker *b, struct conn *c, const struct kreq *q,
		    struct kr *in, struct resp *r)
{
	/* The answer takes about as many nodes as the request. */
	return ks_handle(b, c, q, in, r, ks_budget(in, 0), listoffsets);
}
