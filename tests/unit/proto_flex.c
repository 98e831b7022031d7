/* SPDX-License-Identifier: MIT */
/*
 * proto_flex.c — the handlers wired to the table-driven codec, driven
 * in-process through broker_dispatch() at every version the broker
 * advertises for them (flexible ones included: request header v2, response
 * header v1, compact forms, tagged fields). Each request is built as a
 * tree and encoded by the codec with the header its version takes; each
 * answer is decoded by the codec, which refuses trailing or missing bytes,
 * and its fields are checked. Then every request is cut at every length
 * and has random bytes changed: each must be answered or refused, never
 * crash (this program also runs under ASan+UBSan).
 */
#include "batch_builder.h"
#include "blog.h"

#include "proto_ks.h"

/* ---- Metadata -------------------------------------------------------- */

/* The answer's topic named name, or NULL. */
static struct kv *md_topic(struct kv *resp, const char *name)
{
	const struct ks_struct *ts = ks_sub(&ks_resp(3)->root, "Topics");
	struct kv *t = RS(3, resp, "Topics");
	for (int32_t i = 0; i < t->a.n; i++) {
		struct kv *e = &t->a.v[i];
		if (kstr_eq(ks_get(ts, e, "Name")->s, name))
			return e;
	}
	return NULL;
}

static struct kv *md_ask(int ver, const char *name, const uint8_t *id,
			 bool auto_ok)
{
	const struct ks_msg *m = ks_req(3);
	const struct ks_struct *qs = ks_sub(&m->root, "Topics");
	struct kv *req = req_new(3), *t = RQ(3, req, "Topics");

	if (!name && !id) {
		t->a.n = ver ? -1 : 0; /* all */
	} else {
		CHECK_EQ(ks_array(ks_fld(&m->root, "Topics"), 1, &A, t), 0);
		kv_setstr(ks_get(qs, t->a.v, "Name"), name);
		if (id)
			memcpy(ks_get(qs, t->a.v, "TopicId")->u, id, 16);
	}
	RQ(3, req, "AllowAutoTopicCreation")->i = auto_ok;
	return rpc(3, ver, req);
}

static void t_metadata(void)
{
	const struct ks_struct *ts = ks_sub(&ks_resp(3)->root, "Topics");
	const struct ks_struct *ps = ks_sub(ts, "Partitions");
	static const uint8_t zero[16], unknown[16] = {1, 2, 3};
	char name[32];

	for (int v = 0; v <= api(3)->max; v++) {
		snprintf(name, sizeof(name), "md%d", v);
		/* Created by the first ask (LEADER_NOT_AVAILABLE), served
		 * by the second. */
		struct kv *r = md_ask(v, name, NULL, true), *t;
		CHECK(r && (t = md_topic(r, name)) &&
		      ks_get(ts, t, "ErrorCode")->i ==
			  KERR_LEADER_NOT_AVAILABLE);
		r = md_ask(v, name, NULL, true);
		if (!r || !(t = md_topic(r, name))) {
			FAIL("Metadata v%d: %s not answered", v, name);
			continue;
		}
		struct kv *br = RS(3, r, "Brokers");
		CHECK_EQ(br->a.n, 1);
		CHECK_EQ(ks_get(ks_sub(&ks_resp(3)->root, "Brokers"), br->a.v,
				"Port")
			     ->i,
			 9092);
		CHECK_EQ(ks_get(ts, t, "ErrorCode")->i, 0);
		struct kv *parts = ks_get(ts, t, "Partitions");
		CHECK_EQ(parts->a.n, B_PARTS);
		CHECK_EQ(ks_get(ps, parts->a.v, "LeaderId")->i,
			 th_b.cfg.node_id);
		const uint8_t *id = topics_id(th_b.topics, name);
		CHECK(id != NULL);
		if (v >= 10) {
			CHECK(!memcmp(ks_get(ts, t, "TopicId")->u, id, 16));
			CHECK(memcmp(id, zero, 16) != 0);
		}
		/* All topics: null list from v1 (empty in v0). */
		r = md_ask(v, NULL, NULL, false);
		CHECK(r && md_topic(r, name) != NULL);
		CHECK(r && RS(3, r, "Topics")->a.n ==
			       (int32_t)topics_count(th_b.topics));
		if (v >= 4) { /* no auto-creation asked: not created */
			r = md_ask(v, "never", NULL, false);
			CHECK(r && (t = md_topic(r, "never")) &&
			      ks_get(ts, t, "ErrorCode")->i ==
				  KERR_UNKNOWN_TOPIC);
			CHECK_EQ(topics_partitions(th_b.topics, "never"),
				 -ENOENT);
		}
		if (v >= 12) { /* by ID: the name comes back */
			r = md_ask(v, NULL, id, false);
			CHECK(r && RS(3, r, "Topics")->a.n == 1 &&
			      (t = md_topic(r, name)) &&
			      ks_get(ts, t, "ErrorCode")->i == 0 &&
			      ks_get(ts, t, "Partitions")->a.n == B_PARTS);
			r = md_ask(v, NULL, unknown, false);
			CHECK(r && RS(3, r, "Topics")->a.n == 1);
			if (r && RS(3, r, "Topics")->a.n == 1) {
				t = RS(3, r, "Topics")->a.v;
				CHECK_EQ(ks_get(ts, t, "ErrorCode")->i,
					 KERR_UNKNOWN_TOPIC_ID);
				CHECK(!memcmp(ks_get(ts, t, "TopicId")->u,
					      unknown, 16));
			}
		}
	}
}

/* ---- ListOffsets ----------------------------------------------------- */

/* One partition of topic asked at ts; its answer (or NULL). */
static struct kv *lo_ask(int ver, const char *topic, int64_t ts)
{
	const struct ks_msg *m = ks_req(2);
	const struct ks_struct *qt = ks_sub(&m->root, "Topics");
	const struct ks_struct *qp = ks_sub(qt, "Partitions");
	struct kv *req = req_new(2), *t = RQ(2, req, "Topics"), *p;

	RQ(2, req, "ReplicaId")->i = -1;
	CHECK_EQ(ks_array(ks_fld(&m->root, "Topics"), 1, &A, t), 0);
	kv_setstr(ks_get(qt, t->a.v, "Name"), topic);
	p = ks_get(qt, t->a.v, "Partitions");
	CHECK_EQ(ks_array(ks_fld(qt, "Partitions"), 1, &A, p), 0);
	ks_get(qp, p->a.v, "Timestamp")->i = ts;
	struct kv *r = rpc(2, ver, req);
	if (!r)
		return NULL;
	const struct ks_struct *rt = ks_sub(&ks_resp(2)->root, "Topics");
	struct kv *rtop = RS(2, r, "Topics");
	if (rtop->a.n != 1 || !kstr_eq(ks_get(rt, rtop->a.v, "Name")->s, topic))
		return NULL;
	struct kv *rp = ks_get(rt, rtop->a.v, "Partitions");
	return rp->a.n == 1 ? rp->a.v : NULL;
}

static void lo_check(int ver, const char *topic, int64_t ask, int err,
		     int64_t off, int64_t ts)
{
	const struct ks_struct *rp =
	    ks_sub(ks_sub(&ks_resp(2)->root, "Topics"), "Partitions");
	struct kv *p = lo_ask(ver, topic, ask);

	if (!p) {
		FAIL("ListOffsets v%d %s %lld: no answer", ver, topic,
		     (long long)ask);
		return;
	}
	CHECK_EQ(ks_get(rp, p, "ErrorCode")->i, err);
	CHECK_EQ(ks_get(rp, p, "Offset")->i, off);
	if (ver >= 1)
		CHECK_EQ(ks_get(rp, p, "Timestamp")->i, ts);
	if (ver >= 4)
		CHECK_EQ(ks_get(rp, p, "LeaderEpoch")->i, off >= 0 ? 0 : -1);
}

static void append(const char *topic, int32_t n, int64_t ts0, int64_t step)
{
	uint8_t b[4096];
	struct batch_info bi;
	size_t len = bb_build(b, n, 20, ts0, step, 5);
	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), 0);
	CHECK(plog_append(topics_log(th_b.topics, topic, 0), b, len, &bi, 0) >=
	      0);
}

static void t_listoffsets(void)
{
	CHECK_EQ(topics_create(th_b.topics, "lo", 1), 0);
	append("lo", 5, 1000, 10); /* 0-4: 1000..1040 */
	append("lo", 3, 500, 1);   /* 5-7: older */
	for (int v = api(2)->min; v <= api(2)->max; v++) {
		lo_check(v, "lo", -1, 0, 8, -1);
		lo_check(v, "lo", -2, 0, 0, -1);
		lo_check(v, "lo", 1015, 0, 2, 1020);
		lo_check(v, "lo", 1040, 0, 4, 1040);
		lo_check(v, "lo", 1041, 0, -1, -1);
		lo_check(v, "nope", -1, KERR_UNKNOWN_TOPIC, -1, -1);
		if (v >= 7) /* the first record with the largest time */
			lo_check(v, "lo", -3, 0, 4, 1040);
		if (v >= 8) /* earliest local: the start */
			lo_check(v, "lo", -4, 0, 0, -1);
		if (v >= 9) /* last tiered: none */
			lo_check(v, "lo", -5, 0, -1, -1);
	}
}

/* ---- Fetch ------------------------------------------------------------ */

/* Fetch partition 0 of topic (by name, or by ID from v13) from offset;
 * the answer's partition (or NULL). */
static struct kv *fetch_ask(int v, const char *topic, const uint8_t *id,
			    int64_t offset)
{
	const struct ks_msg *m = ks_req(1);
	const struct ks_struct *qt = ks_sub(&m->root, "Topics");
	const struct ks_struct *qp = ks_sub(qt, "Partitions");
	struct kv *q = req_new(1), *t = RQ(1, q, "Topics"), *p;

	RQ(1, q, "MaxWaitMs")->i = 0;
	RQ(1, q, "MinBytes")->i = 1;
	RQ(1, q, "MaxBytes")->i = 1 << 20;
	CHECK_EQ(ks_array(ks_fld(&m->root, "Topics"), 1, &A, t), 0);
	if (v >= 13)
		memcpy(ks_get(qt, t->a.v, "TopicId")->u, id, 16);
	else
		kv_setstr(ks_get(qt, t->a.v, "Topic"), topic);
	p = ks_get(qt, t->a.v, "Partitions");
	CHECK_EQ(ks_array(ks_fld(qt, "Partitions"), 1, &A, p), 0);
	ks_get(qp, p->a.v, "FetchOffset")->i = offset;
	ks_get(qp, p->a.v, "PartitionMaxBytes")->i = 1 << 20;
	struct kv *r = rpc(1, v, q);
	if (!r)
		return NULL;
	const struct ks_struct *rt = ks_sub(&ks_resp(1)->root, "Responses");
	struct kv *rs = RS(1, r, "Responses");
	if (rs->a.n != 1)
		return NULL;
	if (v >= 13)
		CHECK(!memcmp(ks_get(rt, rs->a.v, "TopicId")->u, id, 16));
	else
		CHECK(kstr_eq(ks_get(rt, rs->a.v, "Topic")->s, topic));
	struct kv *ps = ks_get(rt, rs->a.v, "Partitions");
	return ps->a.n == 1 ? ps->a.v : NULL;
}

static void t_fetch(void)
{
	const struct ks_struct *rp =
	    ks_sub(ks_sub(&ks_resp(1)->root, "Responses"), "Partitions");
	static const uint8_t unknown[16] = {7, 7, 7};
	uint8_t b1[4096], b2[4096];
	struct batch_info bi;
	size_t n1 = bb_build(b1, 4, 100, 5000, 1, 11);
	size_t n2 = bb_build(b2, 2, 300, 6000, 1, 12);

	CHECK_EQ(topics_create(th_b.topics, "ft", 1), 0);
	struct plog *l = topics_log(th_b.topics, "ft", 0);
	CHECK_EQ(batch_validate(b1, n1, 1 << 20, &bi), 0);
	CHECK_EQ(plog_append(l, b1, n1, &bi, 0), 0);
	CHECK_EQ(batch_validate(b2, n2, 1 << 20, &bi), 0);
	CHECK_EQ(plog_append(l, b2, n2, &bi, 0), 4);
	const uint8_t *id = topics_id(th_b.topics, "ft");
	for (int v = api(1)->min; v <= api(1)->max; v++) {
		struct kv *p = fetch_ask(v, "ft", id, 0);
		if (!p) {
			FAIL("Fetch v%d: no answer", v);
			continue;
		}
		struct kstr rec = ks_get(rp, p, "Records")->s;
		CHECK_EQ(ks_get(rp, p, "ErrorCode")->i, 0);
		CHECK_EQ(ks_get(rp, p, "HighWatermark")->i, 6);
		/* Both batches, byte for byte (offsets as stored). */
		CHECK_EQ(rec.len, (int64_t)(n1 + n2));
		CHECK(rec.len == (int32_t)(n1 + n2) &&
		      !memcmp(rec.p + n1 + 12, b2 + 12, n2 - 12) &&
		      !memcmp(rec.p + 12, b1 + 12, n1 - 12));
		p = fetch_ask(v, "ft", id, 6); /* at the end: nothing */
		CHECK(p && ks_get(rp, p, "Records")->s.len <= 0);
		p = fetch_ask(v, "ft", id, 99);
		CHECK(p && ks_get(rp, p, "ErrorCode")->i ==
			       KERR_OFFSET_OUT_OF_RANGE);
		p = fetch_ask(v, "none", unknown, 0);
		CHECK(p && ks_get(rp, p, "ErrorCode")->i ==
			       (v >= 13 ? KERR_UNKNOWN_TOPIC_ID
					: KERR_UNKNOWN_TOPIC));
	}
}

/* ---- the group APIs --------------------------------------------------- */

static int upto(int key, int v)
{
	return v < api(key)->max ? v : api(key)->max;
}

static void t_group_at(int jv)
{
	char group[32], member[128] = "";
	int fv = upto(10, jv), sv = upto(14, jv), hv = upto(12, jv);
	int lv = upto(13, jv), dv = upto(15, jv), gv = upto(16, jv);
	struct kv *q, *r;

	snprintf(group, sizeof(group), "fg%d", jv);
	/* FindCoordinator: one key before v4, a batch from v4. */
	q = req_new(10);
	if (fv < 4) {
		kv_setstr(RQ(10, q, "Key"), group);
	} else {
		struct kv *keys = RQ(10, q, "CoordinatorKeys");
		CHECK_EQ(ks_array(ks_fld(&ks_req(10)->root, "CoordinatorKeys"),
				  2, &A, keys),
			 0);
		kv_setstr(&keys->a.v[0], group);
		kv_setstr(&keys->a.v[1], "other");
	}
	r = rpc(10, fv, q);
	if (r && fv < 4) {
		CHECK_EQ(RS(10, r, "ErrorCode")->i, 0);
		CHECK_EQ(RS(10, r, "Port")->i, 9092);
		CHECK(kstr_eq(RS(10, r, "Host")->s, "127.0.0.1"));
	} else if (r) {
		const struct ks_struct *cs =
		    ks_sub(&ks_resp(10)->root, "Coordinators");
		struct kv *co = RS(10, r, "Coordinators");
		CHECK_EQ(co->a.n, 2);
		for (int32_t i = 0; i < co->a.n && i < 2; i++) {
			CHECK(kstr_eq(ks_get(cs, &co->a.v[i], "Key")->s,
				      i ? "other" : group));
			CHECK_EQ(ks_get(cs, &co->a.v[i], "ErrorCode")->i, 0);
			CHECK_EQ(ks_get(cs, &co->a.v[i], "NodeId")->i,
				 th_b.cfg.node_id);
		}
	}
	if (fv >= 1) { /* transaction coordinators are not offered */
		q = req_new(10);
		RQ(10, q, "KeyType")->i = 1;
		if (fv < 4)
			kv_setstr(RQ(10, q, "Key"), "tx");
		r = rpc(10, fv, q);
		CHECK(r && (fv >= 4 || RS(10, r, "ErrorCode")->i ==
					   KERR_COORDINATOR_NOT_AVAILABLE));
	}

	/* JoinGroup: a one-member group, answered at once. */
	const struct ks_struct *jp = ks_sub(&ks_req(11)->root, "Protocols");
	q = req_new(11);
	kv_setstr(RQ(11, q, "GroupId"), group);
	RQ(11, q, "SessionTimeoutMs")->i = 30000;
	RQ(11, q, "RebalanceTimeoutMs")->i = 60000;
	kv_setstr(RQ(11, q, "MemberId"), "");
	kv_setstr(RQ(11, q, "ProtocolType"), "consumer");
	struct kv *pr = RQ(11, q, "Protocols");
	CHECK_EQ(ks_array(ks_fld(&ks_req(11)->root, "Protocols"), 1, &A, pr),
		 0);
	kv_setstr(ks_get(jp, pr->a.v, "Name"), "range");
	ks_get(jp, pr->a.v, "Metadata")->s = (struct kstr){"meta", 4};
	r = rpc(11, jv, q);
	int32_t gen = -1;
	if (r) {
		const struct ks_struct *jm =
		    ks_sub(&ks_resp(11)->root, "Members");
		struct kv *mem = RS(11, r, "Members");
		CHECK_EQ(RS(11, r, "ErrorCode")->i, 0);
		gen = (int32_t)RS(11, r, "GenerationId")->i;
		CHECK_EQ(gen, 1);
		CHECK(kstr_eq(RS(11, r, "ProtocolName")->s, "range"));
		if (jv >= 7)
			CHECK(
			    kstr_eq(RS(11, r, "ProtocolType")->s, "consumer"));
		CHECK(kstr_copy(member, sizeof(member),
				RS(11, r, "MemberId")->s));
		CHECK(kstr_eq(RS(11, r, "Leader")->s, member));
		CHECK_EQ(mem->a.n, 1);
		if (mem->a.n == 1) {
			struct kstr md = ks_get(jm, mem->a.v, "Metadata")->s;
			CHECK(md.len == 4 && !memcmp(md.p, "meta", 4));
		}
	}

	/* SyncGroup: the leader's assignment comes back; v5 with a
	 * protocol name the group did not choose is refused. */
	for (int bad = sv >= 5 ? 1 : 0; bad >= 0; bad--) {
		const struct ks_struct *sa =
		    ks_sub(&ks_req(14)->root, "Assignments");
		q = req_new(14);
		kv_setstr(RQ(14, q, "GroupId"), group);
		RQ(14, q, "GenerationId")->i = gen;
		kv_setstr(RQ(14, q, "MemberId"), member);
		if (sv >= 5) {
			kv_setstr(RQ(14, q, "ProtocolType"), "consumer");
			kv_setstr(RQ(14, q, "ProtocolName"),
				  bad ? "roundrobin" : "range");
		}
		struct kv *as = RQ(14, q, "Assignments");
		CHECK_EQ(ks_array(ks_fld(&ks_req(14)->root, "Assignments"), 1,
				  &A, as),
			 0);
		kv_setstr(ks_get(sa, as->a.v, "MemberId"), member);
		ks_get(sa, as->a.v, "Assignment")->s =
		    (struct kstr){"assign", 6};
		r = rpc(14, sv, q);
		if (!r)
			continue;
		struct kstr got = RS(14, r, "Assignment")->s;
		if (bad) {
			CHECK_EQ(RS(14, r, "ErrorCode")->i,
				 KERR_INCONSISTENT_GROUP_PROTOCOL);
		} else {
			CHECK_EQ(RS(14, r, "ErrorCode")->i, 0);
			CHECK(got.len == 6 && !memcmp(got.p, "assign", 6));
		}
	}

	/* SyncGroup from a member the group does not know: answered with
	 * UNKNOWN_MEMBER_ID and an empty assignment. */
	q = req_new(14);
	kv_setstr(RQ(14, q, "GroupId"), group);
	RQ(14, q, "GenerationId")->i = gen;
	kv_setstr(RQ(14, q, "MemberId"), "ghost");
	r = rpc(14, sv, q);
	CHECK(r && RS(14, r, "ErrorCode")->i == KERR_UNKNOWN_MEMBER_ID &&
	      RS(14, r, "Assignment")->s.len == 0);

	/* Heartbeat: fine, then with a wrong generation. */
	for (int wrong = 0; wrong < 2; wrong++) {
		q = req_new(12);
		kv_setstr(RQ(12, q, "GroupId"), group);
		RQ(12, q, "GenerationId")->i = gen + wrong;
		kv_setstr(RQ(12, q, "MemberId"), member);
		r = rpc(12, hv, q);
		CHECK(r && RS(12, r, "ErrorCode")->i ==
			       (wrong ? KERR_ILLEGAL_GENERATION : 0));
	}

	/* DescribeGroups: Stable, the member with its assignment; an
	 * unknown group is Dead. */
	q = req_new(15);
	struct kv *gs = RQ(15, q, "Groups");
	CHECK_EQ(ks_array(ks_fld(&ks_req(15)->root, "Groups"), 2, &A, gs), 0);
	kv_setstr(&gs->a.v[0], group);
	kv_setstr(&gs->a.v[1], "nobody");
	r = rpc(15, dv, q);
	if (r && RS(15, r, "Groups")->a.n == 2) {
		const struct ks_struct *ds =
		    ks_sub(&ks_resp(15)->root, "Groups");
		const struct ks_struct *dm = ks_sub(ds, "Members");
		struct kv *g0 = RS(15, r, "Groups")->a.v, *g1 = g0 + 1;
		CHECK(kstr_eq(ks_get(ds, g0, "GroupState")->s, "Stable"));
		CHECK(kstr_eq(ks_get(ds, g0, "ProtocolData")->s, "range"));
		struct kv *mem = ks_get(ds, g0, "Members");
		CHECK_EQ(mem->a.n, 1);
		if (mem->a.n == 1) {
			struct kstr as =
			    ks_get(dm, mem->a.v, "MemberAssignment")->s;
			CHECK(kstr_eq(ks_get(dm, mem->a.v, "MemberId")->s,
				      member));
			CHECK(as.len == 6 && !memcmp(as.p, "assign", 6));
		}
		CHECK(kstr_eq(ks_get(ds, g1, "GroupState")->s, "Dead"));
	} else {
		FAIL("DescribeGroups v%d: no answer for 2 groups", dv);
	}

	/* ListGroups: the group is there; filtered out by state (v4+)
	 * and by type (v5+). */
	for (int filter = 0; filter <= (gv >= 4 ? gv - 3 : 0); filter++) {
		const struct ks_struct *ls =
		    ks_sub(&ks_resp(16)->root, "Groups");
		q = req_new(16);
		if (filter) {
			const char *f =
			    filter == 1 ? "StatesFilter" : "TypesFilter";
			struct kv *fv_ = RQ(16, q, f);
			CHECK_EQ(
			    ks_array(ks_fld(&ks_req(16)->root, f), 1, &A, fv_),
			    0);
			kv_setstr(fv_->a.v, filter == 1 ? "empty" : "consumer");
		}
		r = rpc(16, gv, q);
		if (!r)
			continue;
		bool found = false;
		struct kv *l = RS(16, r, "Groups");
		for (int32_t i = 0; i < l->a.n; i++)
			if (kstr_eq(ks_get(ls, &l->a.v[i], "GroupId")->s,
				    group)) {
				found = true;
				if (gv >= 4)
					CHECK(kstr_eq(
					    ks_get(ls, &l->a.v[i], "GroupState")
						->s,
					    "Stable"));
			}
		CHECK_EQ(found, !filter);
	}

	/* LeaveGroup: by member id (one, or a batch from v3 with one
	 * unknown member). */
	q = req_new(13);
	kv_setstr(RQ(13, q, "GroupId"), group);
	if (lv < 3) {
		kv_setstr(RQ(13, q, "MemberId"), member);
	} else {
		const struct ks_struct *lm =
		    ks_sub(&ks_req(13)->root, "Members");
		struct kv *mv = RQ(13, q, "Members");
		CHECK_EQ(
		    ks_array(ks_fld(&ks_req(13)->root, "Members"), 2, &A, mv),
		    0);
		kv_setstr(ks_get(lm, mv->a.v, "MemberId"), member);
		kv_setstr(ks_get(lm, mv->a.v + 1, "MemberId"), "ghost");
	}
	r = rpc(13, lv, q);
	if (r) {
		CHECK_EQ(RS(13, r, "ErrorCode")->i, 0);
		if (lv >= 3) {
			const struct ks_struct *lm =
			    ks_sub(&ks_resp(13)->root, "Members");
			struct kv *mv = RS(13, r, "Members");
			CHECK_EQ(mv->a.n, 2);
			if (mv->a.n == 2) {
				CHECK_EQ(ks_get(lm, mv->a.v, "ErrorCode")->i,
					 0);
				CHECK_EQ(
				    ks_get(lm, mv->a.v + 1, "ErrorCode")->i,
				    KERR_UNKNOWN_MEMBER_ID);
			}
		}
	}
	struct group *g = coord_group(th_b.coord, group);
	CHECK(g && g->nmembers == 0);
}

/* ---- CreateTopics, DeleteTopics, InitProducerId ------------------------ */

static struct kv *create(int v, const char *name, int32_t parts)
{
	const struct ks_struct *qt = ks_sub(&ks_req(19)->root, "Topics");
	struct kv *q = req_new(19), *t = RQ(19, q, "Topics");
	CHECK_EQ(ks_array(ks_fld(&ks_req(19)->root, "Topics"), 1, &A, t), 0);
	kv_setstr(ks_get(qt, t->a.v, "Name"), name);
	ks_get(qt, t->a.v, "NumPartitions")->i = parts;
	ks_get(qt, t->a.v, "ReplicationFactor")->i = -1;
	struct kv *r = rpc(19, v, q);
	struct kv *rt = r ? RS(19, r, "Topics") : NULL;
	if (!rt || rt->a.n != 1) {
		FAIL("CreateTopics v%d %s: no answer", v, name);
		return NULL;
	}
	return rt->a.v;
}

/* Delete one topic by name (id NULL) or by ID; its answer entry. */
static struct kv *delete (int v, const char *name, const uint8_t *id)
{
	const struct ks_msg *m = ks_req(20);
	struct kv *q = req_new(20);
	if (v < 6) {
		struct kv *n = RQ(20, q, "TopicNames");
		CHECK_EQ(ks_array(ks_fld(&m->root, "TopicNames"), 1, &A, n), 0);
		kv_setstr(n->a.v, name);
	} else {
		const struct ks_struct *qt = ks_sub(&m->root, "Topics");
		struct kv *t = RQ(20, q, "Topics");
		CHECK_EQ(ks_array(ks_fld(&m->root, "Topics"), 1, &A, t), 0);
		kv_setstr(ks_get(qt, t->a.v, "Name"), name);
		if (id)
			memcpy(ks_get(qt, t->a.v, "TopicId")->u, id, 16);
	}
	struct kv *r = rpc(20, v, q);
	struct kv *rt = r ? RS(20, r, "Responses") : NULL;
	if (!rt || rt->a.n != 1) {
		FAIL("DeleteTopics v%d: no answer", v);
		return NULL;
	}
	return rt->a.v;
}

static void t_topics_admin(void)
{
	const struct ks_struct *ct = ks_sub(&ks_resp(19)->root, "Topics");
	const struct ks_struct *dt = ks_sub(&ks_resp(20)->root, "Responses");
	static const uint8_t zero[16], unknown[16] = {9, 9, 9};
	char name[32];

	for (int v = 0; v <= api(19)->max; v++) {
		snprintf(name, sizeof(name), "ct%d", v);
		struct kv *e = create(v, name, 3);
		if (!e)
			continue;
		CHECK_EQ(ks_get(ct, e, "ErrorCode")->i, 0);
		CHECK_EQ(topics_partitions(th_b.topics, name), 3);
		if (v >= 5) {
			CHECK_EQ(ks_get(ct, e, "NumPartitions")->i, 3);
			CHECK_EQ(ks_get(ct, e, "ReplicationFactor")->i, 1);
		}
		if (v >= 7)
			CHECK(!memcmp(ks_get(ct, e, "TopicId")->u,
				      topics_id(th_b.topics, name), 16));
		e = create(v, name, 3);
		CHECK(e && ks_get(ct, e, "ErrorCode")->i ==
			       KERR_TOPIC_ALREADY_EXISTS);
		if (v >= 1)
			CHECK(e && ks_get(ct, e, "ErrorMessage")->s.len > 0);
	}
	for (int v = 0; v <= api(20)->max; v++) {
		/* The topic made by CreateTopics at the same version. */
		snprintf(name, sizeof(name), "ct%d", v < 7 ? v : 7);
		if (v == 7 || topics_partitions(th_b.topics, name) < 0)
			snprintf(name, sizeof(name), "dt%d", v);
		if (topics_partitions(th_b.topics, name) < 0)
			CHECK_EQ(topics_create(th_b.topics, name, 1), 0);
		uint8_t id[16];
		memcpy(id, topics_id(th_b.topics, name), 16);
		struct kv *e =
		    delete (v, v >= 6 ? NULL : name, v >= 6 ? id : NULL);
		if (e) {
			CHECK_EQ(ks_get(dt, e, "ErrorCode")->i, 0);
			CHECK(kstr_eq(ks_get(dt, e, "Name")->s, name));
			if (v >= 6)
				CHECK(!memcmp(ks_get(dt, e, "TopicId")->u, id,
					      16));
		}
		CHECK_EQ(topics_partitions(th_b.topics, name), -ENOENT);
		e = delete (v, v >= 6 ? NULL : name, v >= 6 ? id : NULL);
		CHECK(e && ks_get(dt, e, "ErrorCode")->i ==
			       (v >= 6 ? KERR_UNKNOWN_TOPIC_ID
				       : KERR_UNKNOWN_TOPIC));
		if (v >= 6) {
			e = delete (v, NULL, unknown);
			CHECK(e && ks_get(dt, e, "ErrorCode")->i ==
				       KERR_UNKNOWN_TOPIC_ID);
			CHECK(e && ks_get(dt, e, "Name")->s.len < 0);
			/* A name and an ID at once is refused. */
			CHECK_EQ(topics_create(th_b.topics, "both", 1), 0);
			e = delete (v, "both", topics_id(th_b.topics, "both"));
			CHECK(e && ks_get(dt, e, "ErrorCode")->i ==
				       KERR_INVALID_REQUEST);
			CHECK_EQ(topics_partitions(th_b.topics, "both"), 1);
			e = delete (v, "both", zero);
			CHECK(e && ks_get(dt, e, "ErrorCode")->i == 0);
		}
	}
}

static void t_initproducerid(void)
{
	int64_t last = -1;
	for (int v = 0; v <= api(22)->max; v++) {
		for (int tx = 0; tx < 2; tx++) {
			struct kv *q = req_new(22);
			kv_setstr(RQ(22, q, "TransactionalId"),
				  tx ? "tx" : NULL);
			RQ(22, q, "TransactionTimeoutMs")->i = 60000;
			struct kv *r = rpc(22, v, q);
			if (!r)
				continue;
			CHECK_EQ(RS(22, r, "ErrorCode")->i,
				 tx ? KERR_COORDINATOR_NOT_AVAILABLE : 0);
			if (tx) {
				CHECK_EQ(RS(22, r, "ProducerId")->i, -1);
				continue;
			}
			CHECK(RS(22, r, "ProducerId")->i > last);
			last = RS(22, r, "ProducerId")->i;
			CHECK_EQ(RS(22, r, "ProducerEpoch")->i, 0);
		}
	}
}

static void t_groups(void)
{
	for (int v = 0; v <= api(11)->max; v++)
		t_group_at(v);
}

int main(void)
{
	ks_tests_begin();
	t_metadata();
	t_listoffsets();
	t_fetch();
	t_groups();
	t_topics_admin();
	t_initproducerid();
	return ks_tests_end();
}
