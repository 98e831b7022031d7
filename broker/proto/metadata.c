/* SPDX-License-Identifier: MIT */
/*
 * metadata.c — Metadata v0-13 through the table-driven codec: this one
 * broker, which is also the controller, and the requested topics (all
 * when the list is empty in v0 or null from v1), each with its topic ID
 * from v10 (KIP-516). From v10 a topic may be asked for by ID (null name);
 * an ID the broker does not know is answered UNKNOWN_TOPIC_ID. A missing
 * topic asked for by name is created when auto.create.topics.enable is on
 * and the request allows it (always before v4), and reported with
 * LEADER_NOT_AVAILABLE in that same answer, as Kafka does; clients retry.
 *
 * A topic asked for several times is answered once, as Kafka answers a set
 * of names: a 100 KB request naming one big topic 20,000 times must not
 * build 20,000 copies of its partition list. The answer is bounded by
 * zc.metadata.max.response.bytes: one that would grow past it is refused,
 * the connection closed with a log line naming the setting (the protocol
 * has no way to answer Metadata in pieces, and a partial answer would be
 * read as missing topics). The bound is checked on an estimate while the
 * answer is built (so it is never built whole first) and on the encoded
 * bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authorize.h"
#include "blog.h"
#include "broker.h"
#include "proto/ks_handler.h"

/* Bytes an answer entry takes at most beside its name, per topic and per
 * partition (all versions; compact forms are shorter). */
#define TOPIC_BYTES 40
#define PART_BYTES  48

struct md {
	struct broker *b;
	struct conn *c;
	int16_t ver;
	struct ks_arena *a;
	const struct ks_struct *ts, *ps; /* answer topic, partition */
	int64_t estimate;
};

/* Fill answer topic t for name (or for the unknown ID in id). */
static int fill_topic(struct md *m, struct kv *t, const char *name,
		      const uint8_t *id, enum kerr err)
{
	const struct ks_struct *ts = m->ts, *ps = m->ps;
	int32_t n = err ? 0 : topics_partitions(m->b->topics, name);
	const uint8_t *tid = name && !err ? topics_id(m->b->topics, name) : id;
	struct kv *parts = ks_get(ts, t, "Partitions");
	int32_t node = m->b->cfg.node_id;

	if (n < 0)
		n = 0;
	ks_get(ts, t, "ErrorCode")->i = err;
	/* v10-11 cannot carry a null name: an unknown ID gets "". */
	kv_setstr(ks_get(ts, t, "Name"), name || m->ver >= 12 ? name : "");
	if (tid)
		memcpy(ks_get(ts, t, "TopicId")->u, tid, 16);
	ks_get(ts, t, "IsInternal")->i = name && !strncmp(name, "__", 2);
	m->estimate += TOPIC_BYTES + (name ? (int64_t)strlen(name) : 0) +
		       (int64_t)n * PART_BYTES;
	if (m->estimate > m->b->cfg.metadata_max_response_bytes)
		return -EMSGSIZE;
	if (ks_array(ks_fld(ts, "Partitions"), n, m->a, parts) < 0)
		return -ENOMEM;
	for (int32_t p = 0; p < n; p++) {
		struct kv *e = &parts->a.v[p];
		struct kv *rep = ks_get(ps, e, "ReplicaNodes");
		struct kv *isr = ks_get(ps, e, "IsrNodes");

		ks_get(ps, e, "PartitionIndex")->i = p;
		ks_get(ps, e, "LeaderId")->i = node;
		ks_get(ps, e, "LeaderEpoch")->i = 0;
		if (ks_array(ks_fld(ps, "ReplicaNodes"), 1, m->a, rep) < 0 ||
		    ks_array(ks_fld(ps, "IsrNodes"), 1, m->a, isr) < 0)
			return -ENOMEM;
		rep->a.v[0].i = isr->a.v[0].i = node;
	}
	return 0;
}

static bool may_describe(struct md *m, const char *name)
{
	return broker_authorized(m->b, m->c, ACL_OP_DESCRIBE, ACL_RES_TOPIC,
				 name);
}

/* The answer for one asked topic: by name (created if allowed), or by
 * ID when the name is null. */
static int one_topic(struct md *m, struct kv *t, const struct kv *ask,
		     const struct ks_struct *qs, bool auto_ok)
{
	const struct kv *nm = kv_at((struct kv *)ask, ks_idx(qs, "Name"));
	char name[256];

	if (nm->s.len < 0) {
		const uint8_t *id = ks_get(qs, (struct kv *)ask, "TopicId")->u;
		const char *known = topics_by_id(m->b->topics, id);

		/* ACLs: an ID the principal may not DESCRIBE is answered
		 * without its name (IDs are not secret, names are). */
		if (known && !may_describe(m, known))
			return fill_topic(m, t, NULL, id,
					  KERR_TOPIC_AUTHORIZATION_FAILED);
		return fill_topic(m, t, known, id,
				  known ? KERR_NONE : KERR_UNKNOWN_TOPIC_ID);
	}
	if (!kv_cstr(nm, name, sizeof(name))) {
		/* Unusable name: echoed back as invalid. */
		ks_get(m->ts, t, "ErrorCode")->i = KERR_INVALID_TOPIC;
		ks_get(m->ts, t, "Name")->s = nm->s;
		m->estimate += TOPIC_BYTES + nm->s.len;
		return 0;
	}
	/* ACLs: a topic the principal may not DESCRIBE is refused whether
	 * it exists or not (its existence is not disclosed); creating one
	 * needs CREATE too. */
	bool exists = topics_partitions(m->b->topics, name) >= 0;
	bool creating = !exists && topics_valid_name(name) && auto_ok &&
			m->b->cfg.auto_create;
	if (!may_describe(m, name) ||
	    (creating && !broker_may_create_topic(m->b, m->c, name))) {
		ks_get(m->ts, t, "ErrorCode")->i =
		    KERR_TOPIC_AUTHORIZATION_FAILED;
		ks_get(m->ts, t, "Name")->s = nm->s;
		m->estimate += TOPIC_BYTES + nm->s.len;
		return 0;
	}
	if (exists) {
		int rc = fill_topic(m, t, name, NULL, KERR_NONE);
		/* The answer keeps pointers: the request's own bytes, not
		 * the local copy. */
		ks_get(m->ts, t, "Name")->s = nm->s;
		return rc;
	}
	if (!topics_valid_name(name) || !(auto_ok && m->b->cfg.auto_create)) {
		enum kerr e = topics_valid_name(name) ? KERR_UNKNOWN_TOPIC
						      : KERR_INVALID_TOPIC;
		ks_get(m->ts, t, "ErrorCode")->i = e;
		ks_get(m->ts, t, "Name")->s = nm->s;
		m->estimate += TOPIC_BYTES + nm->s.len;
		return 0;
	}
	int rc = broker_create_topic(m->b, name, m->b->cfg.num_partitions);
	ks_get(m->ts, t, "ErrorCode")->i = rc == 0 || rc == -EEXIST
					       ? KERR_LEADER_NOT_AVAILABLE
					       : KERR_UNKNOWN_TOPIC;
	ks_get(m->ts, t, "Name")->s = nm->s;
	if (rc == 0 || rc == -EEXIST) {
		const uint8_t *tid = topics_id(m->b->topics, name);
		if (tid)
			memcpy(ks_get(m->ts, t, "TopicId")->u, tid, 16);
	}
	m->estimate += TOPIC_BYTES + nm->s.len;
	return 0;
}

/* ---- topics asked for more than once ------------------------------------ */

/* Indexes (+1) of the asked topics already kept, open addressing over
 * their key: the name, or the ID for a null name. */
struct seen {
	const struct kv *ask;
	int name_i, id_i;
	uint32_t *slot;
	size_t cap, n;
};

static struct kstr key_of(const struct seen *st, uint32_t i, bool *by_id)
{
	const struct kv *e = &st->ask[i];
	struct kstr s = e->a.v[st->name_i].s;

	*by_id = s.len < 0;
	if (*by_id)
		s = (struct kstr){(const char *)e->a.v[st->id_i].u, 16};
	return s;
}

static uint64_t key_hash(struct kstr s, bool by_id)
{
	uint64_t h = by_id ? 7 : 1469598103934665603ULL; /* FNV-1a */
	for (int32_t i = 0; i < s.len; i++)
		h = (h ^ (uint8_t)s.p[i]) * 1099511628211ULL;
	return h;
}

static bool seen_grow(struct seen *st)
{
	size_t cap = st->cap ? st->cap * 2 : 64;
	uint32_t *ns = calloc(cap, sizeof(*ns));
	if (!ns)
		return false;
	for (size_t i = 0; i < st->cap; i++) {
		bool by_id;
		if (!st->slot[i])
			continue;
		struct kstr k = key_of(st, st->slot[i] - 1, &by_id);
		size_t j = key_hash(k, by_id) & (cap - 1);
		while (ns[j])
			j = (j + 1) & (cap - 1);
		ns[j] = st->slot[i];
	}
	free(st->slot);
	st->slot = ns;
	st->cap = cap;
	return true;
}

/* Whether asked topic i repeats an earlier one; remembers it if not.
 * False when out of memory too (answered again: correct, only bigger). */
static bool seen_before(struct seen *st, uint32_t i)
{
	bool by_id, other_id;
	struct kstr k = key_of(st, i, &by_id);

	if (2 * (st->n + 1) > st->cap && !seen_grow(st))
		return false;
	size_t j = key_hash(k, by_id) & (st->cap - 1);
	for (; st->slot[j]; j = (j + 1) & (st->cap - 1)) {
		struct kstr o = key_of(st, st->slot[j] - 1, &other_id);
		if (other_id == by_id && o.len == k.len &&
		    !memcmp(o.p, k.p, (size_t)k.len))
			return true;
	}
	st->slot[j] = i + 1;
	st->n++;
	return false;
}

/* Log and refuse an answer over the bound. */
static int too_big(struct broker *b, struct conn *c)
{
	blog("%s: Metadata answer over %lld bytes "
	     "(zc.metadata.max.response.bytes), refused; closing",
	     c->peer, (long long)b->cfg.metadata_max_response_bytes);
	return API_REFUSED;
}

static int metadata(struct ks_call *k)
{
	struct broker *b = k->b;
	const struct kreq *q = k->q;
	const struct ks_msg *rm = k->rm;
	const struct ks_struct *qs = ks_sub(&k->qm->root, "Topics");
	struct kv *ask = KQ(k, "Topics");
	bool auto_ok = q->ver < 4 || KQ(k, "AllowAutoTopicCreation")->i;
	struct kv *resp = k->resp, *brokers, *topics;
	struct ks_arena *a = &k->a;
	struct md m = {.b = b, .c = k->c, .ver = q->ver, .a = a};
	int rc = 0;

	m.ts = ks_sub(&rm->root, "Topics");
	m.ps = ks_sub(m.ts, "Partitions");
	brokers = ks_get(&rm->root, resp, "Brokers");
	if (ks_array(ks_fld(&rm->root, "Brokers"), 1, a, brokers) < 0)
		return -ENOMEM;
	const struct ks_struct *bs = ks_sub(&rm->root, "Brokers");
	const char *host;
	int port;
	broker_advertised(b, k->c, &host, &port);
	ks_get(bs, brokers->a.v, "NodeId")->i = b->cfg.node_id;
	kv_setstr(ks_get(bs, brokers->a.v, "Host"), host);
	ks_get(bs, brokers->a.v, "Port")->i = port;
	kv_setstr(ks_get(&rm->root, resp, "ClusterId"), b->cluster_id);
	ks_get(&rm->root, resp, "ControllerId")->i = b->cfg.node_id;
	topics = ks_get(&rm->root, resp, "Topics");

	/* v0: an empty list means all topics; v1+: null means all. */
	if (q->ver == 0 ? ask->a.n == 0 : ask->a.n < 0) {
		size_t count = topics_count(b->topics);
		if (ks_array(ks_fld(&rm->root, "Topics"), (int32_t)count, a,
			     topics) < 0)
			return -ENOMEM;
		int32_t n = 0;
		for (size_t i = 0; i < count && !rc; i++) {
			const char *name = topics_name(b->topics, i);
			/* ACLs: only the topics the principal may DESCRIBE. */
			if (may_describe(&m, name))
				rc = fill_topic(&m, &topics->a.v[n++], name,
						NULL, KERR_NONE);
		}
		topics->a.n = n;
	} else {
		struct seen st = {.ask = ask->a.v,
				  .name_i = ks_idx(qs, "Name"),
				  .id_i = ks_idx(qs, "TopicId")};
		int32_t n = 0;
		/* Answers are at most one per asked topic: sized for all,
		 * trimmed to those answered. */
		if (ks_array(ks_fld(&rm->root, "Topics"), ask->a.n, a, topics) <
		    0)
			return -ENOMEM;
		for (int32_t i = 0; i < ask->a.n && !rc; i++) {
			if (seen_before(&st, (uint32_t)i))
				continue;
			rc = one_topic(&m, &topics->a.v[n++], &ask->a.v[i], qs,
				       auto_ok);
			if (!rc &&
			    m.estimate > b->cfg.metadata_max_response_bytes)
				rc = -EMSGSIZE;
		}
		free(st.slot);
		topics->a.n = n;
	}
	if (rc == -EMSGSIZE)
		return too_big(b, k->c);
	if (rc < 0)
		return rc;
	size_t at = k->r->w.len;
	if (ks_encode(rm, q->ver, resp, &k->r->w) < 0)
		return -ENOMEM;
	k->encoded = true;
	if ((int64_t)(k->r->w.len - at) > b->cfg.metadata_max_response_bytes)
		return too_big(b, k->c);
	return API_REPLY;
}

int api_metadata(struct broker *b, struct conn *c, const struct kreq *q,
		 struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r,
			 6 * (size_t)b->cfg.metadata_max_response_bytes,
			 metadata);
}
