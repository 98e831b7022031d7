/* SPDX-License-Identifier: MIT */
/*
 * proto_produce_flex.c — Produce, OffsetCommit and OffsetFetch at every
 * version the broker advertises, driven in-process through
 * broker_dispatch(): requests encoded by the codec (request header v2 and
 * compact forms from the flexible versions), answers decoded by it (which
 * refuses a byte too many or too few) and checked field by field; topics
 * by ID where the version names them so, an unknown ID answered
 * UNKNOWN_TOPIC_ID; the log checked for every batch produced; OffsetFetch
 * v8+ asking for several groups at once. Then every request is cut and
 * garbled (th_mutate): answered or refused, never a crash.
 */
#include "batch_builder.h"
#include "blog.h"

#include "proto_ks.h"

#define PRODUCE 0
#define COMMIT	8
#define OFETCH	9

static const uint8_t unknown_id[16] = {9, 9, 9, 9};

/* ---- Produce ----------------------------------------------------------- */

/* A Produce request for partition 0 of topic (by name, or by ID from the
 * version that names topics so) carrying the batch b. */
static struct kv *produce_req(int v, int16_t acks, const char *topic,
			      const uint8_t *id, const uint8_t *b, size_t len)
{
	const struct ks_msg *m = ks_req(PRODUCE);
	const struct ks_struct *ts = ks_sub(&m->root, "TopicData");
	const struct ks_struct *ps = ks_sub(ts, "PartitionData");
	struct kv *q = req_new(PRODUCE), *t = RQ(PRODUCE, q, "TopicData");

	RQ(PRODUCE, q, "Acks")->i = acks;
	RQ(PRODUCE, q, "TimeoutMs")->i = 1000;
	CHECK_EQ(ks_array(ks_fld(&m->root, "TopicData"), 1, &A, t), 0);
	if (v >= 13)
		memcpy(ks_get(ts, t->a.v, "TopicId")->u, id, 16);
	else
		kv_setstr(ks_get(ts, t->a.v, "Name"), topic);
	struct kv *p = ks_get(ts, t->a.v, "PartitionData");
	CHECK_EQ(ks_array(ks_fld(ts, "PartitionData"), 1, &A, p), 0);
	ks_get(ps, p->a.v, "Index")->i = 0;
	kv_setbytes(ks_get(ps, p->a.v, "Records"), b, (int32_t)len);
	return q;
}

/* Produce the batch; check the echo and return the partition's answer. */
static struct kv *produce(int v, const char *topic, const uint8_t *id,
			  const uint8_t *b, size_t len)
{
	const struct ks_struct *rt =
	    ks_sub(&ks_resp(PRODUCE)->root, "Responses");
	struct kv *r = rpc(PRODUCE, v, produce_req(v, 1, topic, id, b, len));
	if (!r)
		return NULL;
	struct kv *rs = RS(PRODUCE, r, "Responses");
	if (rs->a.n != 1) {
		FAIL("Produce v%d: %d topics answered", v, rs->a.n);
		return NULL;
	}
	if (v >= 13)
		CHECK(!memcmp(ks_get(rt, rs->a.v, "TopicId")->u, id, 16));
	else
		CHECK(kstr_eq(ks_get(rt, rs->a.v, "Name")->s, topic));
	struct kv *ps = ks_get(rt, rs->a.v, "PartitionResponses");
	return ps->a.n == 1 ? ps->a.v : NULL;
}

/* Whether the batch at offset off of l is b (base offset and leader
 * epoch stamped). */
static bool stored(struct plog *l, int64_t off, const uint8_t *b, size_t len)
{
	static uint8_t got[1 << 20];
	struct plog_slice s = {.fd = -1};
	bool ok = false;

	if (plog_read(l, off, sizeof(got), &s) < 0)
		return false;
	if (pread(s.fd, got, s.len, s.pos) == (ssize_t)s.len)
		for (size_t at = 0; at + 12 <= s.len;
		     at += 12 + get_be32(got + at + 8))
			if ((int64_t)get_be64(got + at) == off) {
				/* the leader epoch (12-15) is stamped 0 */
				ok = at + len <= s.len &&
				     !memcmp(got + at + 8, b + 8, 4) &&
				     get_be32(got + at + 12) == 0 &&
				     !memcmp(got + at + 16, b + 16, len - 16);
				break;
			}
	plog_slice_release(&s);
	return ok;
}

static void t_produce(void)
{
	const struct ks_struct *rp = ks_sub(
	    ks_sub(&ks_resp(PRODUCE)->root, "Responses"), "PartitionResponses");
	const struct api *a = api(PRODUCE);
	uint8_t b[4096], bad[4096];
	int64_t next = 0;

	CHECK_EQ(topics_create(th_b.topics, "pf", 1), 0);
	const uint8_t *id = topics_id(th_b.topics, "pf");
	struct plog *l = topics_log(th_b.topics, "pf", 0);
	CHECK(a->max >= 13);
	for (int v = a->min; v <= a->max; v++) {
		size_t len = bb_build(b, 3, 40 + v, 1000 * v, 1, (uint64_t)v);
		struct kv *p = produce(v, "pf", id, b, len);
		if (!p) {
			FAIL("Produce v%d: no partition answer", v);
			continue;
		}
		CHECK_EQ(ks_get(rp, p, "Index")->i, 0);
		CHECK_EQ(ks_get(rp, p, "ErrorCode")->i, 0);
		CHECK_EQ(ks_get(rp, p, "BaseOffset")->i, next);
		if (v >= 5)
			CHECK_EQ(ks_get(rp, p, "LogStartOffset")->i, 0);
		if (v >= 8) {
			CHECK_EQ(ks_get(rp, p, "RecordErrors")->a.n, 0);
			CHECK_EQ(ks_get(rp, p, "ErrorMessage")->s.len, -1);
		}
		/* The stored batch is the one sent, base offset stamped. */
		CHECK(stored(l, next, b, len));
		next += 3;
		/* A damaged batch is refused and nothing of it stored. */
		memcpy(bad, b, len);
		bad[len - 1] ^= 0x5a;
		p = produce(v, "pf", id, bad, len);
		CHECK(p &&
		      ks_get(rp, p, "ErrorCode")->i == KERR_CORRUPT_MESSAGE);
		CHECK(p && ks_get(rp, p, "BaseOffset")->i == -1);
		CHECK_EQ(plog_end_offset(l), next);
		if (v >= 13) { /* an unknown ID: never auto-created */
			p = produce(v, NULL, unknown_id, b, len);
			CHECK(p && ks_get(rp, p, "ErrorCode")->i ==
				       KERR_UNKNOWN_TOPIC_ID);
			CHECK_EQ(topics_count(th_b.topics), 1);
		}
		/* acks=0: stored, never answered. */
		struct kw w;
		len = bb_build(b, 2, 10, 0, 1, 99);
		req_encode(&w, PRODUCE, v, 7,
			   produce_req(v, 0, "pf", id, b, len));
		CHECK_EQ(th_send(&T, &w), API_NOREPLY);
		next += 2;
		CHECK_EQ(plog_end_offset(l), next);
	}
}

/* A Fetch at v17 by topic ID that waits at the end of the log is
 * answered by the next append to it (the parked fetch waits on the
 * partition, not only for its timer). */
static void t_fetch_wakes(void)
{
	const struct ks_msg *m = ks_req(1);
	const struct ks_struct *qt = ks_sub(&m->root, "Topics");
	const struct ks_struct *qp = ks_sub(qt, "Partitions");
	struct kv *q = req_new(1), *t = RQ(1, q, "Topics"), *p;
	struct plog *l = topics_log(th_b.topics, "pf", 0);
	static struct tconn c;
	uint8_t b[4096];
	struct kr r;
	struct kw w;

	th_conn(&c);
	RQ(1, q, "MaxWaitMs")->i = 30000;
	RQ(1, q, "MinBytes")->i = 1;
	CHECK_EQ(ks_array(ks_fld(&m->root, "Topics"), 1, &A, t), 0);
	memcpy(ks_get(qt, t->a.v, "TopicId")->u, topics_id(th_b.topics, "pf"),
	       16);
	p = ks_get(qt, t->a.v, "Partitions");
	CHECK_EQ(ks_array(ks_fld(qt, "Partitions"), 1, &A, p), 0);
	ks_get(qp, p->a.v, "FetchOffset")->i = plog_end_offset(l);
	ks_get(qp, p->a.v, "PartitionMaxBytes")->i = 1 << 20;
	req_encode(&w, 1, 17, 77, q);
	CHECK_EQ(th_send(&c, &w), API_PENDING);
	CHECK_EQ(fetch_parked(&th_b), 1);
	size_t len = bb_build(b, 2, 10, 0, 1, 3);
	struct kv *a = produce(11, "pf", NULL, b, len);
	CHECK(a != NULL);
	CHECK_EQ(fetch_parked(&th_b), 0);
	CHECK(th_answer(&c, 77, &r));
	conn_fail(c.c, NULL);
	connset_run(&th_b.conns);
	close(c.peer);
}

/* ---- OffsetCommit / OffsetFetch ---------------------------------------- */

/* Commit offset off (metadata md) for partition 0 of topic (by name, or
 * by ID from v10) in group as a simple (unmanaged) consumer, or with
 * generation gen; the partition's error code (-1000: no answer). */
static int64_t commit(int v, const char *group, int32_t gen, const char *topic,
		      const uint8_t *id, int64_t off, const char *md)
{
	const struct ks_msg *m = ks_req(COMMIT);
	const struct ks_struct *ts = ks_sub(&m->root, "Topics");
	const struct ks_struct *ps = ks_sub(ts, "Partitions");
	const struct ks_struct *rt = ks_sub(&ks_resp(COMMIT)->root, "Topics");
	const struct ks_struct *rp = ks_sub(rt, "Partitions");
	struct kv *q = req_new(COMMIT), *t = RQ(COMMIT, q, "Topics");

	kv_setstr(RQ(COMMIT, q, "GroupId"), group);
	RQ(COMMIT, q, "GenerationIdOrMemberEpoch")->i = gen;
	kv_setstr(RQ(COMMIT, q, "MemberId"), gen < 0 ? "" : "someone");
	CHECK_EQ(ks_array(ks_fld(&m->root, "Topics"), 1, &A, t), 0);
	if (v >= 10)
		memcpy(ks_get(ts, t->a.v, "TopicId")->u, id, 16);
	else
		kv_setstr(ks_get(ts, t->a.v, "Name"), topic);
	struct kv *p = ks_get(ts, t->a.v, "Partitions");
	CHECK_EQ(ks_array(ks_fld(ts, "Partitions"), 1, &A, p), 0);
	ks_get(ps, p->a.v, "CommittedOffset")->i = off;
	kv_setstr(ks_get(ps, p->a.v, "CommittedMetadata"), md);
	struct kv *r = rpc(COMMIT, v, q);
	if (!r)
		return -1000;
	struct kv *rs = RS(COMMIT, r, "Topics");
	if (rs->a.n != 1)
		return -1000;
	if (v >= 10)
		CHECK(!memcmp(ks_get(rt, rs->a.v, "TopicId")->u, id, 16));
	else
		CHECK(kstr_eq(ks_get(rt, rs->a.v, "Name")->s, topic));
	struct kv *rps = ks_get(rt, rs->a.v, "Partitions");
	if (rps->a.n != 1)
		return -1000;
	CHECK_EQ(ks_get(rp, rps->a.v, "PartitionIndex")->i, 0);
	return ks_get(rp, rps->a.v, "ErrorCode")->i;
}

/* Fill a request's topic entry (struct ts) asking for partitions 0 and
 * 5 of topic, by ID when by_id. */
static void ask_topic(const struct ks_struct *ts, struct kv *e,
		      const char *topic, const uint8_t *id, bool by_id)
{
	struct kv *ix = ks_get(ts, e, "PartitionIndexes");
	if (by_id)
		memcpy(ks_get(ts, e, "TopicId")->u, id, 16);
	else
		kv_setstr(ks_get(ts, e, "Name"), topic);
	CHECK_EQ(ks_array(ks_fld(ts, "PartitionIndexes"), 2, &A, ix), 0);
	ix->a.v[0].i = 0;
	ix->a.v[1].i = 5;
}

/* Check an answer's topic entry (struct ts): partition 0 at off with
 * metadata md (off -1: nothing committed) and partition 5 at -1, or
 * every partition with error err. */
static void check_topic(const struct ks_struct *ts, struct kv *e, int64_t off,
			const char *md, int err)
{
	const struct ks_struct *ps = ks_sub(ts, "Partitions");
	struct kv *pv = ks_get(ts, e, "Partitions");
	if (pv->a.n != 2) {
		FAIL("OffsetFetch: %d partitions answered, not 2", pv->a.n);
		return;
	}
	for (int i = 0; i < 2; i++) {
		struct kv *p = &pv->a.v[i];
		CHECK_EQ(ks_get(ps, p, "PartitionIndex")->i, i ? 5 : 0);
		CHECK_EQ(ks_get(ps, p, "ErrorCode")->i, err);
		CHECK_EQ(ks_get(ps, p, "CommittedOffset")->i,
			 i || err ? -1 : off);
		if (!i && !err && off >= 0)
			CHECK(kstr_eq(ks_get(ps, p, "Metadata")->s, md));
	}
}

/* OffsetFetch before v8: one group at the root. */
static void fetch_old(int fv, const char *group, const char *topic, int64_t off,
		      const char *md)
{
	const struct ks_msg *m = ks_req(OFETCH);
	const struct ks_struct *qt = ks_sub(&m->root, "Topics");
	const struct ks_struct *rt = ks_sub(&ks_resp(OFETCH)->root, "Topics");
	struct kv *q = req_new(OFETCH), *t = RQ(OFETCH, q, "Topics");

	kv_setstr(RQ(OFETCH, q, "GroupId"), group);
	CHECK_EQ(ks_array(ks_fld(&m->root, "Topics"), 1, &A, t), 0);
	ask_topic(qt, t->a.v, topic, NULL, false);
	struct kv *r = rpc(OFETCH, fv, q);
	struct kv *rs = r ? RS(OFETCH, r, "Topics") : NULL;
	if (!rs || rs->a.n != 1) {
		FAIL("OffsetFetch v%d: not one topic answered", fv);
		return;
	}
	CHECK(kstr_eq(ks_get(rt, rs->a.v, "Name")->s, topic));
	check_topic(rt, rs->a.v, off, md, 0);
	if (fv < 2)
		return;
	CHECK_EQ(RS(OFETCH, r, "ErrorCode")->i, 0);
	/* Every topic of the group (a null list): only this one. */
	q = req_new(OFETCH);
	kv_setstr(RQ(OFETCH, q, "GroupId"), group);
	RQ(OFETCH, q, "Topics")->a.n = -1;
	r = rpc(OFETCH, fv, q);
	rs = r ? RS(OFETCH, r, "Topics") : NULL;
	CHECK(rs && rs->a.n == 1 &&
	      kstr_eq(ks_get(rt, rs->a.v, "Name")->s, topic) &&
	      ks_get(rt, rs->a.v, "Partitions")->a.n == 1);
}

/* OffsetFetch v8+: three groups in one request: group (topic asked),
 * an unknown group, group again with a null topic list (all); from v10
 * topics by ID, and an unknown ID. */
static void fetch_groups(int fv, const char *group, const char *topic,
			 const uint8_t *id, int64_t off, const char *md)
{
	const struct ks_msg *m = ks_req(OFETCH);
	const struct ks_struct *qg = ks_sub(&m->root, "Groups");
	const struct ks_struct *qt = ks_sub(qg, "Topics");
	const struct ks_struct *rg = ks_sub(&ks_resp(OFETCH)->root, "Groups");
	const struct ks_struct *rt = ks_sub(rg, "Topics");
	struct kv *q = req_new(OFETCH), *g = RQ(OFETCH, q, "Groups");
	bool by_id = fv >= 10;

	CHECK_EQ(ks_array(ks_fld(&m->root, "Groups"), 3, &A, g), 0);
	const char *names[3] = {group, "nobody", group};
	for (int i = 0; i < 3; i++) {
		struct kv *e = &g->a.v[i], *t = ks_get(qg, e, "Topics");
		kv_setstr(ks_get(qg, e, "GroupId"), names[i]);
		if (i == 2) {
			t->a.n = -1;
			continue;
		}
		CHECK_EQ(ks_array(ks_fld(qg, "Topics"), by_id ? 2 : 1, &A, t),
			 0);
		ask_topic(qt, t->a.v, topic, id, by_id);
		if (by_id)
			ask_topic(qt, &t->a.v[1], NULL, unknown_id, true);
	}
	struct kv *r = rpc(OFETCH, fv, q);
	struct kv *rs = r ? RS(OFETCH, r, "Groups") : NULL;
	if (!rs || rs->a.n != 3) {
		FAIL("OffsetFetch v%d: not three groups answered", fv);
		return;
	}
	for (int i = 0; i < 3; i++) {
		struct kv *e = &rs->a.v[i], *t = ks_get(rg, e, "Topics");
		CHECK(kstr_eq(ks_get(rg, e, "GroupId")->s, names[i]));
		CHECK_EQ(ks_get(rg, e, "ErrorCode")->i, 0);
		if (t->a.n < 1) {
			FAIL("OffsetFetch v%d: group %d: no topic", fv, i);
			continue;
		}
		if (by_id)
			CHECK(
			    !memcmp(ks_get(rt, t->a.v, "TopicId")->u, id, 16));
		else
			CHECK(kstr_eq(ks_get(rt, t->a.v, "Name")->s, topic));
		if (i == 2) { /* all: the one committed partition */
			CHECK_EQ(t->a.n, 1);
			CHECK_EQ(ks_get(rt, t->a.v, "Partitions")->a.n, 1);
			continue;
		}
		CHECK_EQ(t->a.n, by_id ? 2 : 1);
		check_topic(rt, t->a.v, i ? -1 : off, md, 0);
		if (by_id && t->a.n == 2) {
			CHECK(!memcmp(ks_get(rt, &t->a.v[1], "TopicId")->u,
				      unknown_id, 16));
			check_topic(rt, &t->a.v[1], -1, NULL,
				    KERR_UNKNOWN_TOPIC_ID);
		}
	}
}

static void t_offsets(void)
{
	const struct api *ca = api(COMMIT), *fa = api(OFETCH);
	const uint8_t *id = topics_id(th_b.topics, "pf");
	char group[32], md[32];

	CHECK(ca->max >= 10 && fa->max >= 10);
	for (int cv = ca->min; cv <= ca->max; cv++) {
		snprintf(group, sizeof(group), "og%d", cv);
		snprintf(md, sizeof(md), "m%d", cv);
		CHECK_EQ(commit(cv, group, -1, "pf", id, 100 + cv, md), 0);
		/* A generation in a group that has none. */
		CHECK_EQ(commit(cv, "nogroup", 5, "pf", id, 1, ""),
			 KERR_ILLEGAL_GENERATION);
		if (cv >= 10)
			CHECK_EQ(commit(cv, group, -1, NULL, unknown_id, 1, ""),
				 KERR_UNKNOWN_TOPIC_ID);
		for (int fv = fa->min; fv <= fa->max; fv++) {
			if (fv < 8)
				fetch_old(fv, group, "pf", 100 + cv, md);
			else
				fetch_groups(fv, group, "pf", id, 100 + cv, md);
		}
	}
}

int main(void)
{
	ks_tests_begin();
	t_produce();
	t_fetch_wakes();
	t_offsets();
	return ks_tests_end();
}
