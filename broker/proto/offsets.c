/* SPDX-License-Identifier: MIT */
/*
 * offsets.c — OffsetCommit v2-10 and OffsetFetch v1-10, the committed
 * offsets of groups (kept by offstore, log.h). Both requests are decoded by
 * the table-driven codec (schema_groups.c).
 *
 * OffsetCommit's answer is written by hand: with durable acks (durable.h)
 * each error code's place in it is patched if the covering sync fails. It
 * is flexible from v8 (KIP-482); v9 renames the generation to
 * "GenerationIdOrMemberEpoch" (KIP-848): for a classic group it is still
 * the generation, checked as before; v10 names topics by ID (an unknown ID
 * is UNKNOWN_TOPIC_ID). GroupInstanceId (v7+) is read and not checked.
 *
 * OffsetFetch is flexible from v6; v8 asks for several groups at once
 * (KIP-709), each answered with its own error code; v9's member id and
 * epoch are for consumer-protocol groups (KIP-848) and are not checked
 * for a classic group, as Kafka does not; v10 names topics by ID. No
 * transactions, so RequireStable (v7+, KIP-447) has nothing to wait for.
 * Leader epochs are not kept: CommittedLeaderEpoch is answered -1.
 *
 * ACLs (docs/security.md): OffsetCommit needs READ on the group, then READ
 * on each topic; OffsetFetch DESCRIBE on the group, then DESCRIBE on each
 * topic (topics not allowed are left out of "every topic").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authorize.h"
#include "blog.h"
#include "broker.h"
#include "durable.h"
#include "group/coord.h"
#include "proto/ks_handler.h"
#include "proto/topic_entry.h"

#define NAME_LEN      1024	  /* group and member names */
#define META_MAX      4096	  /* committed metadata, NUL included */
#define OFFSETS_ARENA (64u << 20) /* a cap on an answer's nodes */

/* A string field as a C string ("" for null); false if too long. */
static bool opt_name(const struct kv *v, char *dst, size_t cap)
{
	if (v->s.len < 0) {
		dst[0] = 0;
		return true;
	}
	return kstr_copy(dst, cap, v->s);
}

/* The name of the topic of a request's topic entry: by ID from the
 * version TopicId starts (an unknown ID: *err UNKNOWN_TOPIC_ID), else by
 * name (a null or overlong one: *err UNKNOWN_TOPIC_OR_PARTITION). */
static bool entry_topic(struct broker *b, const struct ks_struct *ts,
			struct kv *te, int16_t ver, char *dst, size_t cap,
			enum kerr *err)
{
	int idf = ks_idx(ts, "TopicId"); /* absent before v8's groups */

	*err = KERR_NONE;
	if (idf >= 0 && ks_in(ts->f[idf].ver, ver)) {
		const char *n =
		    topics_by_id(b->topics, ks_get(ts, te, "TopicId")->u);
		if (n && (size_t)snprintf(dst, cap, "%s", n) < cap)
			return true;
		*err = KERR_UNKNOWN_TOPIC_ID;
		return false;
	}
	if (kstr_copy(dst, cap, ks_get(ts, te, "Name")->s))
		return true;
	*err = KERR_UNKNOWN_TOPIC;
	return false;
}

/* ---- OffsetCommit ------------------------------------------------------ */

/* A name as sent, in the classic or the compact form (null as ""). */
static void w_str(struct kw *w, bool flex, struct kstr s)
{
	if (!flex) {
		kw_strn(w, s.p, s.len < 0 ? 0 : s.len);
		return;
	}
	kw_uvarint(w, s.len < 0 ? 1 : (uint64_t)s.len + 1);
	if (s.len > 0)
		kw_raw(w, s.p, (size_t)s.len);
}

/* Commit one partition; the error to answer. */
static enum kerr commit_one(struct broker *b, const char *group,
			    const char *topic, int32_t part, int64_t off,
			    struct kstr md)
{
	char meta[META_MAX];

	if (md.len >= (int32_t)sizeof(meta))
		return KERR_OFFSET_METADATA_TOO_LARGE;
	if (b->offs_offline) /* durable acks */
		return KERR_KAFKA_STORAGE_ERROR;
	if (!kstr_copy(meta, sizeof(meta), md))
		meta[0] = 0;
	int rc = offstore_commit(b->offs, group, topic, part, off, meta);
	if (rc) {
		blog("commit %s %s-%d: %s", group, topic, part, strerror(-rc));
		return KERR_UNKNOWN;
	}
	return KERR_NONE;
}

static int offsetcommit(struct broker *b, struct conn *c, const struct kreq *q,
			struct kr *in, struct resp *r, struct dur_req *dur)
{
	const struct ks_msg *qm = ks_req(API_OFFSET_COMMIT);
	const struct ks_msg *rm = ks_resp(API_OFFSET_COMMIT);
	const struct ks_struct *ts = ks_sub(&qm->root, "Topics");
	const struct ks_struct *ps = ks_sub(ts, "Partitions");
	const struct ks_struct *rts = ks_sub(&rm->root, "Topics");
	bool flex = ks_in(rm->flex, q->ver);
	bool by_id = ks_in(ks_fld(rts, "TopicId")->ver, q->ver);
	char group[NAME_LEN], member[NAME_LEN], inst[NAME_LEN], topic[256];
	struct kw *w = &r->w;
	struct ks_arena a;
	struct kv req;
	int rc = API_REPLY;

	ks_arena_init(&a, ks_budget(in, 0));
	if (ks_decode(qm, q->ver, in, &a, &req) < 0 ||
	    !opt_name(ks_get(&qm->root, &req, "GroupId"), group, NAME_LEN) ||
	    !opt_name(ks_get(&qm->root, &req, "MemberId"), member, NAME_LEN)) {
		rc = API_BAD;
		goto out;
	}
	/* v7+: a static member's commit from a replaced member id is fenced
	 * (KIP-345). */
	struct kv *iv = ks_get(&qm->root, &req, "GroupInstanceId");
	if (!opt_name(iv, inst, NAME_LEN)) {
		rc = API_BAD;
		goto out;
	}
	int32_t gen =
	    (int32_t)ks_get(&qm->root, &req, "GenerationIdOrMemberEpoch")->i;
	enum kerr gerr =
	    !broker_authorized(b, c, ACL_OP_READ, ACL_RES_GROUP, group)
		? KERR_GROUP_AUTHORIZATION_FAILED
	    : group[0] ? coord_commit_check_inst(b->coord, group, gen, member,
						 iv->s.len >= 0 ? inst : NULL,
						 ev_now_ms())
		       : KERR_INVALID_GROUP_ID;
	struct kv *tv = ks_get(&qm->root, &req, "Topics");
	if (ks_in(ks_fld(&rm->root, "ThrottleTimeMs")->ver, q->ver))
		kw_i32(w, 0);
	te_warray(w, flex, tv->a.n < 0 ? 0 : tv->a.n);
	for (int32_t t = 0; t < tv->a.n; t++) {
		struct kv *te = &tv->a.v[t], *pv = ks_get(ts, te, "Partitions");
		enum kerr terr;
		bool named =
		    entry_topic(b, ts, te, q->ver, topic, sizeof(topic), &terr);
		if (named && !broker_authorized(b, c, ACL_OP_READ,
						ACL_RES_TOPIC, topic)) {
			named = false;
			terr = KERR_TOPIC_AUTHORIZATION_FAILED;
		}
		if (by_id)
			kw_raw(w, ks_get(ts, te, "TopicId")->u, 16);
		else
			w_str(w, flex, ks_get(ts, te, "Name")->s);
		te_warray(w, flex, pv->a.n < 0 ? 0 : pv->a.n);
		for (int32_t p = 0; p < pv->a.n; p++) {
			struct kv *pe = &pv->a.v[p];
			int32_t part =
			    (int32_t)ks_get(ps, pe, "PartitionIndex")->i;
			enum kerr err = gerr ? gerr : terr;
			if (!err && named)
				err = commit_one(
				    b, group, topic, part,
				    ks_get(ps, pe, "CommittedOffset")->i,
				    ks_get(ps, pe, "CommittedMetadata")->s);
			kw_i32(w, part);
			if (!err) /* durable acks: the group commit */
				dur_req_add(b, dur, r, NULL, w->len, false);
			kw_i16(w, err);
			if (flex)
				kw_tags0(w);
		}
		if (flex)
			kw_tags0(w);
	}
	if (flex)
		kw_tags0(w);
out:
	ks_arena_free(&a);
	return rc;
}

/* Durable acks: answered after the group commit has synced the store. */
int api_offsetcommit(struct broker *b, struct conn *c, const struct kreq *q,
		     struct kr *in, struct resp *r)
{
	return dur_answer(b, c, q, in, r, offsetcommit);
}

/* ---- OffsetFetch ------------------------------------------------------- */

/* One committed offset of a group, gathered for "every topic". */
struct committed {
	const char *topic;
	int32_t part;
	int64_t off;
	const char *meta;
};

struct gather {
	struct committed *v;
	size_t n, cap;
	bool oom;
};

static void gather_fn(const char *topic, int32_t part, int64_t off,
		      const char *meta, void *arg)
{
	struct gather *g = arg;
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 64;
		struct committed *v = realloc(g->v, cap * sizeof(*v));
		if (!v) {
			g->oom = true;
			return;
		}
		g->v = v;
		g->cap = cap;
	}
	g->v[g->n++] = (struct committed){topic, part, off, meta};
}

static int committed_cmp(const void *x, const void *y)
{
	const struct committed *a = x, *b = y;
	int c = strcmp(a->topic, b->topic);
	return c ? c : (a->part > b->part) - (a->part < b->part);
}

/* Where one group's answer goes: its topic array field in struct s of
 * node o (the answer's root before v8, a Groups element from v8). */
struct fetch_out {
	struct ks_call *k;
	const struct ks_struct *s;
	struct kv *o;
	const struct ks_struct *ts, *ps; /* its topic and partition structs */
	bool by_id;
};

static void fill_partition(const struct fetch_out *f, struct kv *pe,
			   int32_t part, int64_t off, const char *meta,
			   enum kerr err)
{
	ks_get(f->ps, pe, "PartitionIndex")->i = part;
	ks_get(f->ps, pe, "CommittedOffset")->i = off;
	ks_get(f->ps, pe, "CommittedLeaderEpoch")->i = -1;
	kv_setstr(ks_get(f->ps, pe, "Metadata"), meta);
	ks_get(f->ps, pe, "ErrorCode")->i = err;
}

/* Every committed offset of the group, one entry per topic. A topic
 * without an ID (deleted since) cannot be named by ID and is left out
 * from the version that names topics so. */
static int fetch_all(const struct fetch_out *f, const char *group)
{
	struct broker *b = f->k->b;
	struct gather g = {0};
	int32_t nt = 0;
	int rc = 0;

	offstore_each(b->offs, group, gather_fn, &g);
	if (g.oom) {
		free(g.v);
		return -ENOMEM;
	}
	/* Keep the entries the principal may DESCRIBE, and by ID those
	 * whose topic has an ID. */
	size_t kept = 0;
	for (size_t i = 0; i < g.n; i++)
		if ((!f->by_id || topics_id(b->topics, g.v[i].topic)) &&
		    broker_authorized(b, f->k->c, ACL_OP_DESCRIBE,
				      ACL_RES_TOPIC, g.v[i].topic))
			g.v[kept++] = g.v[i];
	g.n = kept;
	if (g.n)
		qsort(g.v, g.n, sizeof(*g.v), committed_cmp);
	for (size_t i = 0; i < g.n; i++)
		nt += !i || strcmp(g.v[i].topic, g.v[i - 1].topic);
	if (ks_resize(f->s, f->o, "Topics", nt, &f->k->a) < 0) {
		free(g.v);
		return -ENOMEM;
	}
	struct kv *tv = ks_get(f->s, f->o, "Topics");
	for (size_t i = 0, t = 0; i < g.n && !rc; t++) {
		size_t j = i;
		while (j < g.n && !strcmp(g.v[j].topic, g.v[i].topic))
			j++;
		struct kv *te = &tv->a.v[t];
		if (f->by_id)
			memcpy(ks_get(f->ts, te, "TopicId")->u,
			       topics_id(b->topics, g.v[i].topic), 16);
		else
			kv_setstr(ks_get(f->ts, te, "Name"), g.v[i].topic);
		if (ks_resize(f->ts, te, "Partitions", (int32_t)(j - i),
			      &f->k->a) < 0) {
			rc = -ENOMEM;
			break;
		}
		struct kv *pv = ks_get(f->ts, te, "Partitions");
		for (size_t p = i; p < j; p++)
			fill_partition(f, &pv->a.v[p - i], g.v[p].part,
				       g.v[p].off, g.v[p].meta, KERR_NONE);
		i = j;
	}
	free(g.v);
	return rc;
}

/* The offsets of one group for the topics asked (tv, entries of struct
 * qts), or all of them when tv is null; gerr refuses the group (ACLs):
 * no topic for "all", each partition asked answered with it. */
static int fetch_group(const struct fetch_out *f, const struct ks_struct *qts,
		       struct kv *tv, const char *group, enum kerr gerr)
{
	struct broker *b = f->k->b;
	char topic[256];

	if (tv->a.n < 0)
		return gerr ? 0 : fetch_all(f, group);
	if (ks_resize(f->s, f->o, "Topics", tv->a.n, &f->k->a) < 0)
		return -ENOMEM;
	for (int32_t t = 0; t < tv->a.n; t++) {
		struct kv *qe = &tv->a.v[t];
		struct kv *te = &ks_get(f->s, f->o, "Topics")->a.v[t];
		struct kv *idx = ks_get(qts, qe, "PartitionIndexes");
		enum kerr terr;
		bool named = entry_topic(b, qts, qe, f->k->q->ver, topic,
					 sizeof(topic), &terr);
		if (gerr) {
			named = false;
			terr = gerr;
		} else if (named &&
			   !broker_authorized(b, f->k->c, ACL_OP_DESCRIBE,
					      ACL_RES_TOPIC, topic)) {
			named = false;
			terr = KERR_TOPIC_AUTHORIZATION_FAILED;
		}
		if (f->by_id)
			memcpy(ks_get(f->ts, te, "TopicId")->u,
			       ks_get(qts, qe, "TopicId")->u, 16);
		else
			ks_get(f->ts, te, "Name")->s =
			    ks_get(qts, qe, "Name")->s;
		if (ks_resize(f->ts, te, "Partitions",
			      idx->a.n < 0 ? 0 : idx->a.n, &f->k->a) < 0)
			return -ENOMEM;
		struct kv *pv = ks_get(f->ts, te, "Partitions");
		for (int32_t p = 0; p < idx->a.n; p++) {
			int32_t part = (int32_t)idx->a.v[p].i;
			int64_t off = -1;
			const char *meta = "";
			/* A name never committed: offset -1 and no error,
			 * as Kafka answers; an unknown ID: UNKNOWN_TOPIC_ID. */
			if (named && offstore_fetch(b->offs, group, topic, part,
						    &off, &meta) < 0) {
				off = -1;
				meta = "";
			}
			/* A name not found is no error (above); an ID not
			 * found and a refusal are. */
			fill_partition(f, &pv->a.v[p], part, off, meta,
				       terr == KERR_UNKNOWN_TOPIC ? KERR_NONE
								  : terr);
		}
	}
	return 0;
}

/* ACLs: DESCRIBE on the group, else GROUP_AUTHORIZATION_FAILED. */
static enum kerr group_refused(struct ks_call *k, const char *group)
{
	return broker_authorized(k->b, k->c, ACL_OP_DESCRIBE, ACL_RES_GROUP,
				 group)
		   ? KERR_NONE
		   : KERR_GROUP_AUTHORIZATION_FAILED;
}

static int offsetfetch(struct ks_call *k)
{
	const struct ks_struct *qr = &k->qm->root, *rr = &k->rm->root;
	char group[NAME_LEN];

	if (k->q->ver < 8) { /* one group, at the root */
		const struct ks_struct *ts = ks_sub(rr, "Topics");
		struct fetch_out f = {
		    k, rr, k->resp, ts, ks_sub(ts, "Partitions"), false};
		struct kv *tv = KQ(k, "Topics");
		if (!opt_name(KQ(k, "GroupId"), group, sizeof(group)) ||
		    (tv->a.n < 0 && k->q->ver < 2))
			return API_BAD;
		enum kerr gerr = group_refused(k, group);
		KR(k, "ErrorCode")->i = gerr; /* v2+ */
		return fetch_group(&f, ks_sub(qr, "Topics"), tv, group, gerr);
	}
	/* v8+: a batch of groups (KIP-709), each with its own error code. */
	const struct ks_struct *qgs = ks_sub(qr, "Groups");
	const struct ks_struct *gs = ks_sub(rr, "Groups");
	const struct ks_struct *ts = ks_sub(gs, "Topics");
	struct kv *gv = KQ(k, "Groups");
	if (ks_resize(rr, k->resp, "Groups", gv->a.n < 0 ? 0 : gv->a.n, &k->a) <
	    0)
		return -ENOMEM;
	for (int32_t i = 0; i < gv->a.n; i++) {
		struct kv *qe = &gv->a.v[i], *o = &KR(k, "Groups")->a.v[i];
		struct fetch_out f = {
		    k,
		    gs,
		    o,
		    ts,
		    ks_sub(ts, "Partitions"),
		    ks_in(ks_fld(ts, "TopicId")->ver, k->q->ver)};
		struct kstr id = ks_get(qgs, qe, "GroupId")->s;
		ks_get(gs, o, "GroupId")->s = id;
		if (!kstr_copy(group, sizeof(group), id))
			return API_BAD;
		enum kerr gerr = group_refused(k, group);
		ks_get(gs, o, "ErrorCode")->i = gerr;
		int rc = fetch_group(&f, ks_sub(qgs, "Topics"),
				     ks_get(qgs, qe, "Topics"), group, gerr);
		if (rc)
			return rc;
	}
	return API_REPLY;
}

int api_offsetfetch(struct broker *b, struct conn *c, const struct kreq *q,
		    struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, OFFSETS_ARENA, offsetfetch);
}
