/* SPDX-License-Identifier: MIT */
/*
 * proto_admin_records.c — CreatePartitions, DeleteRecords and
 * OffsetForLeaderEpoch through broker_dispatch() at every version the
 * broker advertises (flexible ones included), requests built and answers
 * decoded by the codec:
 *
 *  - CreatePartitions grows a topic (Metadata, Produce and the directories
 *    see the new partitions at once), refuses a count not larger than
 *    today's with a message, an unknown topic, a topic named twice, an
 *    assignment that does not name this broker alone, more than
 *    max.partitions.per.request; ValidateOnly changes nothing; a growth
 *    of many partitions is answered when it is complete, over loop turns;
 *  - DeleteRecords moves the log start offset (-1: the high watermark),
 *    which ListOffsets -2 and Fetch's LogStartOffset then answer, and a
 *    Fetch below it is OFFSET_OUT_OF_RANGE; offsets past the high
 *    watermark are OFFSET_OUT_OF_RANGE;
 *  - OffsetForLeaderEpoch answers epoch 0 with the log end offset, other
 *    epochs as Kafka's leader does, and checks CurrentLeaderEpoch.
 * Then every request is cut at every length and has bytes changed: each
 * must be answered or refused, never crash (ASan+UBSan too).
 */
#include "batch_builder.h"
#include "proto_ks.h"

/* A request for one topic: Topics[0] with its name set under `tname`;
 * the topic element. */
static struct kv *one_topic(int key, struct kv *req, const char *topic,
			    const char *tname)
{
	const struct ks_struct *root = &ks_req(key)->root;
	const struct ks_struct *qt = ks_sub(root, "Topics");
	struct kv *t = ks_get(root, req, "Topics");

	CHECK_EQ(ks_array(ks_fld(root, "Topics"), 1, &A, t), 0);
	kv_setstr(ks_get(qt, t->a.v, tname), topic);
	return t->a.v;
}

static void append(const char *topic, int32_t part, int32_t n)
{
	uint8_t b[4096];
	struct batch_info bi;
	size_t len = bb_build(b, n, 20, 1000, 1, 5);

	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), 0);
	CHECK(plog_append(topics_log(th_b.topics, topic, part), b, len, &bi,
			  0) >= 0);
}

/* ---- CreatePartitions -------------------------------------------------- */

#define CP 37

/* A CreatePartitions request for topic to count, with `nasg` assignments
 * each naming `broker` (nasg < 0: null) */
static struct kv *cp_req(const char *topic, int32_t count, int32_t nasg,
			 int32_t broker, bool validate)
{
	const struct ks_struct *qt = ks_sub(&ks_req(CP)->root, "Topics");
	const struct ks_struct *qa = ks_sub(qt, "Assignments");
	struct kv *req = ks_new(ks_req(CP), &A), *t, *asg;

	if (!req)
		t_fatal("arena");
	t = one_topic(CP, req, topic, "Name");
	ks_get(qt, t, "Count")->i = count;
	asg = ks_get(qt, t, "Assignments");
	asg->a.n = -1;
	if (nasg >= 0)
		CHECK_EQ(ks_array(ks_fld(qt, "Assignments"), nasg, &A, asg), 0);
	for (int32_t i = 0; i < nasg; i++) {
		struct kv *ids = ks_get(qa, &asg->a.v[i], "BrokerIds");

		CHECK_EQ(ks_array(ks_fld(qa, "BrokerIds"), 1, &A, ids), 0);
		ids->a.v[0].i = broker;
	}
	RQ(CP, req, "ValidateOnly")->i = validate;
	return req;
}

/* The error of the only result, its message in *msg; -1000 for none. */
static int cp_err(struct kv *resp, struct kstr *msg)
{
	const struct ks_struct *rt = ks_sub(&ks_resp(CP)->root, "Results");
	struct kv *r;

	if (!resp)
		return -1000;
	r = ks_get(&ks_resp(CP)->root, resp, "Results");
	if (r->a.n != 1)
		return -1000;
	if (msg)
		*msg = ks_get(rt, r->a.v, "ErrorMessage")->s;
	return (int)ks_get(rt, r->a.v, "ErrorCode")->i;
}

static int cp(int v, const char *topic, int32_t count, int32_t nasg,
	      int32_t broker, bool validate, struct kstr *msg)
{
	return cp_err(rpc(CP, v, cp_req(topic, count, nasg, broker, validate)),
		      msg);
}

static bool dir_made(const char *topic, int32_t part)
{
	char p[8192];

	snprintf(p, sizeof(p), "%s/%s-%d", th_b.cfg.data_dir, topic, part);
	return access(p, F_OK) == 0;
}

/* A growth of more than TOPICS_STEP partitions: answered once made. */
static void t_cp_large(int v)
{
	struct kw w;
	struct kr r;
	bool got = false;

	CHECK_EQ(topics_create(th_b.topics, "cpbig", 1), 0);
	req_encode(&w, CP, v, 7777,
		   cp_req("cpbig", 1 + TOPICS_STEP + 40, -1, 0, false));
	CHECK_EQ(th_send(&T, &w), API_PENDING);
	CHECK_EQ(topics_partitions(th_b.topics, "cpbig"), 1);
	for (int i = 0; i < 400 && !got; i++) {
		th_run(5);
		got = th_answer(&T, 7777, &r);
	}
	CHECK(got);
	if (got)
		CHECK_EQ(cp_err(answer_decode(CP, v, r.p + r.off, kr_left(&r)),
				NULL),
			 0);
	CHECK_EQ(topics_partitions(th_b.topics, "cpbig"), 1 + TOPICS_STEP + 40);
	CHECK(dir_made("cpbig", TOPICS_STEP + 40));
	CHECK_EQ(topics_delete(th_b.topics, "cpbig"), 0);
}

static void t_createpartitions(void)
{
	int32_t node = th_b.cfg.node_id;
	struct kstr msg;
	char name[32];

	for (int v = api(CP)->min; v <= api(CP)->max; v++) {
		snprintf(name, sizeof(name), "cp%d", v);
		CHECK_EQ(topics_create(th_b.topics, name, 2), 0);
		/* Grow by one, then by two with explicit assignments. */
		CHECK_EQ(cp(v, name, 3, -1, 0, false, NULL), 0);
		CHECK_EQ(topics_partitions(th_b.topics, name), 3);
		CHECK(dir_made(name, 2));
		append(name, 2, 3); /* the new partition takes records */
		CHECK_EQ(plog_end_offset(topics_log(th_b.topics, name, 2)), 3);
		CHECK_EQ(cp(v, name, 5, 2, node, false, NULL), 0);
		CHECK_EQ(topics_partitions(th_b.topics, name), 5);
		/* Not an increase: refused with a message. */
		CHECK_EQ(cp(v, name, 5, -1, 0, false, &msg), 37);
		CHECK(msg.len > 0 && strstr(msg.p, "already has 5"));
		CHECK_EQ(cp(v, name, 4, -1, 0, false, &msg), 37);
		CHECK(msg.len > 0);
		CHECK_EQ(cp(v, name, 0, -1, 0, false, NULL), 37);
		/* Assignments: as many as new partitions, this broker alone. */
		CHECK_EQ(cp(v, name, 7, 1, node, false, &msg), 39);
		CHECK(msg.len > 0);
		CHECK_EQ(cp(v, name, 7, 2, node + 1, false, NULL), 39);
		CHECK_EQ(topics_partitions(th_b.topics, name), 5);
		/* ValidateOnly: checked, not made. */
		CHECK_EQ(cp(v, name, 9, -1, 0, true, NULL), 0);
		CHECK_EQ(cp(v, name, 5, -1, 0, true, NULL), 37);
		CHECK_EQ(topics_partitions(th_b.topics, name), 5);
		CHECK(!dir_made(name, 5));
		CHECK_EQ(cp(v, "nope", 3, -1, 0, false, NULL), 3);
		/* More than max.partitions.per.request at once. */
		th_b.cfg.log.max_partitions_per_request = 3;
		CHECK_EQ(cp(v, name, 9, -1, 0, false, &msg), 37);
		CHECK(msg.len > 0 && strstr(msg.p, "per.request"));
		CHECK_EQ(cp(v, name, 9, -1, 0, true, NULL), 37);
		th_b.cfg.log.max_partitions_per_request = 5000;
		CHECK_EQ(topics_partitions(th_b.topics, name), 5);
	}
	/* A topic named twice: INVALID_REQUEST for both, nothing grows. */
	struct kv *req = ks_new(ks_req(CP), &A), *t = RQ(CP, req, "Topics");
	const struct ks_struct *qt = ks_sub(&ks_req(CP)->root, "Topics");
	CHECK_EQ(ks_array(ks_fld(&ks_req(CP)->root, "Topics"), 2, &A, t), 0);
	for (int i = 0; i < 2; i++) {
		kv_setstr(ks_get(qt, &t->a.v[i], "Name"), "cp0");
		ks_get(qt, &t->a.v[i], "Count")->i = 8 + i;
		ks_get(qt, &t->a.v[i], "Assignments")->a.n = -1;
	}
	struct kv *resp = rpc(CP, api(CP)->max, req);
	struct kv *res =
	    resp ? ks_get(&ks_resp(CP)->root, resp, "Results") : NULL;
	const struct ks_struct *rt = ks_sub(&ks_resp(CP)->root, "Results");
	CHECK(res && res->a.n == 2);
	for (int i = 0; res && i < res->a.n; i++)
		CHECK_EQ(ks_get(rt, &res->a.v[i], "ErrorCode")->i,
			 KERR_INVALID_REQUEST);
	CHECK_EQ(topics_partitions(th_b.topics, "cp0"), 5);
	/* Queued growths: the oldest and the newest version (each costs a
	 * synced file per partition). */
	t_cp_large(api(CP)->min);
	t_cp_large(api(CP)->max);
}

/* ---- DeleteRecords ----------------------------------------------------- */

#define DR 21

static struct kv *dr_part(int v, const char *topic, int32_t part, int64_t off)
{
	const struct ks_struct *qt = ks_sub(&ks_req(DR)->root, "Topics");
	const struct ks_struct *qp = ks_sub(qt, "Partitions");
	const struct ks_struct *rt = ks_sub(&ks_resp(DR)->root, "Topics");
	struct kv *req = ks_new(ks_req(DR), &A), *t, *p, *resp, *rs;

	t = one_topic(DR, req, topic, "Name");
	p = ks_get(qt, t, "Partitions");
	CHECK_EQ(ks_array(ks_fld(qt, "Partitions"), 1, &A, p), 0);
	ks_get(qp, p->a.v, "PartitionIndex")->i = part;
	ks_get(qp, p->a.v, "Offset")->i = off;
	resp = rpc(DR, v, req);
	if (!resp)
		return NULL;
	rs = ks_get(&ks_resp(DR)->root, resp, "Topics");
	if (rs->a.n != 1 || !kstr_eq(ks_get(rt, rs->a.v, "Name")->s, topic))
		return NULL;
	p = ks_get(rt, rs->a.v, "Partitions");
	if (p->a.n != 1 ||
	    ks_get(ks_sub(rt, "Partitions"), p->a.v, "PartitionIndex")->i !=
		part)
		return NULL;
	return p->a.v;
}

static void dr_check(int v, const char *topic, int32_t part, int64_t off,
		     int err, int64_t low)
{
	const struct ks_struct *rp =
	    ks_sub(ks_sub(&ks_resp(DR)->root, "Topics"), "Partitions");
	struct kv *p = dr_part(v, topic, part, off);

	CHECK(p != NULL);
	if (!p)
		return;
	CHECK_EQ(ks_get(rp, p, "ErrorCode")->i, err);
	CHECK_EQ(ks_get(rp, p, "LowWatermark")->i, low);
}

/* ListOffsets (latest version) -2 of partition 0. */
static int64_t earliest(const char *topic)
{
	const struct ks_struct *qt = ks_sub(&ks_req(2)->root, "Topics");
	const struct ks_struct *qp = ks_sub(qt, "Partitions");
	const struct ks_struct *rt = ks_sub(&ks_resp(2)->root, "Topics");
	struct kv *req = ks_new(ks_req(2), &A), *t, *p, *resp;

	t = one_topic(2, req, topic, "Name");
	p = ks_get(qt, t, "Partitions");
	CHECK_EQ(ks_array(ks_fld(qt, "Partitions"), 1, &A, p), 0);
	ks_get(qp, p->a.v, "Timestamp")->i = -2;
	resp = rpc(2, api(2)->max, req);
	if (!resp)
		return -1000;
	t = ks_get(&ks_resp(2)->root, resp, "Topics");
	p = t->a.n == 1 ? ks_get(rt, t->a.v, "Partitions") : NULL;
	if (!p || p->a.n != 1)
		return -1000;
	return ks_get(ks_sub(rt, "Partitions"), p->a.v, "Offset")->i;
}

/* Fetch partition 0 at off (latest version): error, start in *start. */
static int fetch_at(const char *topic, int64_t off, int64_t *start)
{
	int v = api(1)->max;
	const struct ks_struct *qt = ks_sub(&ks_req(1)->root, "Topics");
	const struct ks_struct *qp = ks_sub(qt, "Partitions");
	const struct ks_struct *rt = ks_sub(&ks_resp(1)->root, "Responses");
	const struct ks_struct *rp = ks_sub(rt, "Partitions");
	struct kv *req = ks_new(ks_req(1), &A), *t, *p, *resp;

	RQ(1, req, "MaxWaitMs")->i = 0;
	RQ(1, req, "MaxBytes")->i = 1 << 20;
	t = one_topic(1, req, topic, "Topic");
	memcpy(ks_get(qt, t, "TopicId")->u, topics_id(th_b.topics, topic), 16);
	p = ks_get(qt, t, "Partitions");
	CHECK_EQ(ks_array(ks_fld(qt, "Partitions"), 1, &A, p), 0);
	ks_get(qp, p->a.v, "FetchOffset")->i = off;
	ks_get(qp, p->a.v, "PartitionMaxBytes")->i = 1 << 20;
	resp = rpc(1, v, req);
	if (!resp)
		return -1000;
	t = ks_get(&ks_resp(1)->root, resp, "Responses");
	p = t->a.n == 1 ? ks_get(rt, t->a.v, "Partitions") : NULL;
	if (!p || p->a.n != 1)
		return -1000;
	*start = ks_get(rp, p->a.v, "LogStartOffset")->i;
	return (int)ks_get(rp, p->a.v, "ErrorCode")->i;
}

static void t_deleterecords(void)
{
	char name[32];
	int64_t start = -5;

	for (int v = api(DR)->min; v <= api(DR)->max; v++) {
		snprintf(name, sizeof(name), "dr%d", v);
		CHECK_EQ(topics_create(th_b.topics, name, 1), 0);
		append(name, 0, 5);
		append(name, 0, 5); /* 0-9 */
		dr_check(v, name, 0, 3, 0, 3);
		CHECK_EQ(earliest(name), 3);
		CHECK_EQ(fetch_at(name, 2, &start), KERR_OFFSET_OUT_OF_RANGE);
		CHECK_EQ(fetch_at(name, 3, &start), 0);
		CHECK_EQ(start, 3);
		/* Not back; past the high watermark refused. */
		dr_check(v, name, 0, 1, 0, 3);
		dr_check(v, name, 0, 11, KERR_OFFSET_OUT_OF_RANGE, -1);
		dr_check(v, name, 0, -2, KERR_OFFSET_OUT_OF_RANGE, -1);
		CHECK_EQ(earliest(name), 3);
		/* -1: the high watermark. */
		dr_check(v, name, 0, -1, 0, 10);
		CHECK_EQ(earliest(name), 10);
		CHECK_EQ(fetch_at(name, 9, &start), KERR_OFFSET_OUT_OF_RANGE);
		CHECK_EQ(fetch_at(name, 10, &start), 0);
		CHECK_EQ(start, 10);
		dr_check(v, name, 1, 0, KERR_UNKNOWN_TOPIC, -1);
		dr_check(v, "nope", 0, 0, KERR_UNKNOWN_TOPIC, -1);
	}
}

/* ---- OffsetForLeaderEpoch ---------------------------------------------- */

#define OE 23

static void oe_check(int v, const char *topic, int32_t cur, int32_t epoch,
		     int err, int32_t rep, int64_t end)
{
	const struct ks_struct *qt = ks_sub(&ks_req(OE)->root, "Topics");
	const struct ks_struct *qp = ks_sub(qt, "Partitions");
	const struct ks_struct *rt = ks_sub(&ks_resp(OE)->root, "Topics");
	const struct ks_struct *rp = ks_sub(rt, "Partitions");
	struct kv *req = ks_new(ks_req(OE), &A), *t, *p, *resp;

	t = one_topic(OE, req, topic, "Topic");
	p = ks_get(qt, t, "Partitions");
	CHECK_EQ(ks_array(ks_fld(qt, "Partitions"), 1, &A, p), 0);
	ks_get(qp, p->a.v, "CurrentLeaderEpoch")->i = cur;
	ks_get(qp, p->a.v, "LeaderEpoch")->i = epoch;
	resp = rpc(OE, v, req);
	t = resp ? ks_get(&ks_resp(OE)->root, resp, "Topics") : NULL;
	p = t && t->a.n == 1 ? ks_get(rt, t->a.v, "Partitions") : NULL;
	CHECK(p && p->a.n == 1);
	if (!p || p->a.n != 1)
		return;
	CHECK(kstr_eq(ks_get(rt, t->a.v, "Topic")->s, topic));
	CHECK_EQ(ks_get(rp, p->a.v, "Partition")->i, 0);
	CHECK_EQ(ks_get(rp, p->a.v, "ErrorCode")->i, err);
	if (v >= 1) /* absent in v0: its default, -1 */
		CHECK_EQ(ks_get(rp, p->a.v, "LeaderEpoch")->i, rep);
	CHECK_EQ(ks_get(rp, p->a.v, "EndOffset")->i, end);
}

static void t_offsetforleaderepoch(void)
{
	CHECK_EQ(topics_create(th_b.topics, "oe", 1), 0);
	append("oe", 0, 7);
	for (int v = api(OE)->min; v <= api(OE)->max; v++) {
		oe_check(v, "oe", -1, 0, 0, 0, 7);
		oe_check(v, "oe", -1, 1, 0, -1, -1); /* later than ours */
		oe_check(v, "oe", -1, -1, 0, -1, -1);
		oe_check(v, "nope", -1, 0, KERR_UNKNOWN_TOPIC, -1, -1);
		if (v < 2) /* no CurrentLeaderEpoch before v2 */
			continue;
		oe_check(v, "oe", 0, 0, 0, 0, 7);
		oe_check(v, "oe", 1, 0, KERR_UNKNOWN_LEADER_EPOCH, -1, -1);
		oe_check(v, "oe", -7, 0, KERR_FENCED_LEADER_EPOCH, -1, -1);
	}
	append("oe", 0, 2);
	oe_check(api(OE)->max, "oe", 0, 0, 0, 0, 9);
}

int main(void)
{
	ks_tests_begin();
	t_createpartitions();
	t_deleterecords();
	t_offsetforleaderepoch();
	return ks_tests_end();
}
