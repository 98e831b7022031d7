/* SPDX-License-Identifier: MIT */
/*
 * proto_group_admin.c — static membership, DeleteGroups and OffsetDelete
 * through the real handlers, with durable acks (deletions wait for the
 * group commit). Requests are built and answers read with the
 * table-driven codec, so the hand-written answers of groups_admin.c are
 * checked against the schema at every version.
 *
 * Covered: JoinGroup v5 with group.instance.id; DescribeGroups v4+ shows
 * it; the instance rejoining on another connection with an empty member
 * id keeps the generation and gets a new id; the old id's Heartbeat and
 * LeaveGroup are FENCED_INSTANCE_ID; LeaveGroup v3+/v4 per-member errors
 * and leave by instance id alone; DeleteGroups v0-2 (NON_EMPTY_GROUP,
 * GROUP_ID_NOT_FOUND, INVALID_GROUP_ID, offsets gone after the sync);
 * OffsetDelete (GROUP_SUBSCRIBED_TO_TOPIC for a subscribed topic of an
 * active group, UNKNOWN_TOPIC_OR_PARTITION, GROUP_ID_NOT_FOUND,
 * NON_EMPTY_GROUP for a non-consumer group); a failed sync answers
 * KAFKA_STORAGE_ERROR; cut and flipped requests of both APIs survive.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "log/sys.h"
#include "proto/ks_handler.h"
#include "proto_harness.h"

static atomic_int fail_rc;
static pthread_t loop_thread;

static void hook(enum lsys_id id, uint64_t nth, struct lsys_fault *f, void *arg)
{
	(void)nth;
	(void)arg;
	if (id == LSYS_FDATASYNC && !pthread_equal(pthread_self(), loop_thread))
		f->err = -atomic_load(&fail_rc);
}

static struct tconn A, B;
static int32_t corr = 100;
static struct ks_arena ar;

/* A default request of key at ver (fields set by the caller). */
static struct kv *req(int key)
{
	return ks_new(ks_req(key), &ar);
}

#define F(key, v, name) ks_get(&ks_req(key)->root, (v), (name))

/* Send a request encoded by the codec; returns the api_result. */
static int send_req(struct tconn *t, int key, int ver, struct kv *v)
{
	struct kw w;
	const struct ks_msg *m = ks_req(key);

	th_hdr(&w, (int16_t)key, (int16_t)ver, ++corr);
	if (ks_req_header_ver(m, ver) == 2)
		kw_tags0(&w);
	CHECK_EQ(ks_encode(m, ver, v, &w), 0);
	return th_send(t, &w);
}

/* The answer to the last request on t, decoded by the schema (waiting
 * for the group commit while it is pending); NULL if none. */
static struct kv *answer(struct tconn *t, int key, int ver)
{
	const struct ks_msg *m = ks_resp(key);
	static struct kv out;
	struct kr r;

	for (int i = 0; i < 200 && t->c->pending; i++)
		th_run(5);
	if (!th_answer(t, corr, &r))
		return NULL;
	if (ks_resp_header_ver(m, ver) == 1)
		kr_tags(&r);
	if (ks_decode(m, ver, &r, &ar, &out) < 0)
		return NULL;
	return &out;
}

#define R(key, v, name) ks_get(&ks_resp(key)->root, (v), (name))

static struct kstr S(const char *z) {
	return (struct kstr){z, z ? (int32_t)strlen(z) : -1};
}

/* ConsumerProtocolSubscription v0 naming one topic. */
static uint8_t sub_meta[] = {0, 0, 0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 0};

static struct kv *join_req(const char *group, const char *member,
			   const char *inst, const char *ptype)
{
	struct kv *v = req(11), *p;

	F(11, v, "GroupId")->s = S(group);
	F(11, v, "SessionTimeoutMs")->i = 30000;
	F(11, v, "RebalanceTimeoutMs")->i = 30000;
	F(11, v, "MemberId")->s = S(member);
	F(11, v, "GroupInstanceId")->s = S(inst);
	F(11, v, "ProtocolType")->s = S(ptype);
	ks_resize(&ks_req(11)->root, v, "Protocols", 1, &ar);
	p = &F(11, v, "Protocols")->a.v[0];
	ks_get(ks_sub(&ks_req(11)->root, "Protocols"), p, "Name")->s =
	    S("range");
	ks_get(ks_sub(&ks_req(11)->root, "Protocols"), p, "Metadata")->s =
	    (struct kstr){(const char *)sub_meta, sizeof(sub_meta)};
	return v;
}

static int16_t heartbeat(struct tconn *t, const char *group, int32_t gen,
			 const char *member, const char *inst)
{
	struct kv *v = req(12), *a;

	F(12, v, "GroupId")->s = S(group);
	F(12, v, "GenerationId")->i = gen;
	F(12, v, "MemberId")->s = S(member);
	F(12, v, "GroupInstanceId")->s = S(inst);
	send_req(t, 12, 4, v);
	a = answer(t, 12, 4);
	return a ? (int16_t)R(12, a, "ErrorCode")->i : -100;
}

/* LeaveGroup at ver (3+) of one member; its own error. */
static int16_t leave(struct tconn *t, int ver, const char *group,
		     const char *member, const char *inst)
{
	struct kv *v = req(13), *a, *e;
	const struct ks_struct *ms = ks_sub(&ks_req(13)->root, "Members");

	F(13, v, "GroupId")->s = S(group);
	ks_resize(&ks_req(13)->root, v, "Members", 1, &ar);
	e = &F(13, v, "Members")->a.v[0];
	ks_get(ms, e, "MemberId")->s = S(member);
	ks_get(ms, e, "GroupInstanceId")->s = S(inst);
	send_req(t, 13, ver, v);
	a = answer(t, 13, ver);
	if (!a || R(13, a, "Members")->a.n != 1)
		return -100;
	e = &R(13, a, "Members")->a.v[0];
	CHECK(kstr_eq(ks_get(ks_sub(&ks_resp(13)->root, "Members"), e,
			     "GroupInstanceId")
			  ->s,
		      inst ? inst : "") ||
	      !inst);
	return (int16_t)ks_get(ks_sub(&ks_resp(13)->root, "Members"), e,
			       "ErrorCode")
	    ->i;
}

/* DeleteGroups at ver: the errors, in request order, into errs. */
static bool delete_groups(int ver, const char **names, int n, int16_t *errs)
{
	struct kv *v = req(42), *a;
	const struct ks_struct *rs = ks_sub(&ks_resp(42)->root, "Results");

	ks_resize(&ks_req(42)->root, v, "GroupsNames", n, &ar);
	for (int i = 0; i < n; i++)
		F(42, v, "GroupsNames")->a.v[i].s = S(names[i]);
	send_req(&A, 42, ver, v);
	a = answer(&A, 42, ver);
	if (!a || R(42, a, "Results")->a.n != n)
		return false;
	for (int i = 0; i < n; i++) {
		struct kv *e = &R(42, a, "Results")->a.v[i];
		CHECK(kstr_eq(ks_get(rs, e, "GroupId")->s, names[i]));
		errs[i] = (int16_t)ks_get(rs, e, "ErrorCode")->i;
	}
	return true;
}

/* OffsetDelete of (topic, partition) pairs; the top-level error, and
 * each pair's error into errs (-1 when not answered). */
static int16_t offset_delete(const char *group, int n, const char **topics,
			     const int32_t *parts, int16_t *errs)
{
	const struct ks_struct *ts = ks_sub(&ks_req(47)->root, "Topics");
	const struct ks_struct *ps = ks_sub(ts, "Partitions");
	const struct ks_struct *rts = ks_sub(&ks_resp(47)->root, "Topics");
	const struct ks_struct *rps = ks_sub(rts, "Partitions");
	struct kv *v = req(47), *a;

	F(47, v, "GroupId")->s = S(group);
	ks_resize(&ks_req(47)->root, v, "Topics", n, &ar);
	for (int i = 0; i < n; i++) {
		struct kv *t = &F(47, v, "Topics")->a.v[i];
		ks_get(ts, t, "Name")->s = S(topics[i]);
		ks_resize(ts, t, "Partitions", 1, &ar);
		ks_get(ps, &ks_get(ts, t, "Partitions")->a.v[0],
		       "PartitionIndex")
		    ->i = parts[i];
		errs[i] = -1;
	}
	send_req(&A, 47, 0, v);
	a = answer(&A, 47, 0);
	if (!a)
		return -100;
	struct kv *rt = R(47, a, "Topics");
	for (int i = 0; i < rt->a.n && i < n; i++) {
		struct kv *p = ks_get(rts, &rt->a.v[i], "Partitions");
		CHECK(kstr_eq(ks_get(rts, &rt->a.v[i], "Name")->s, topics[i]));
		if (p->a.n == 1)
			errs[i] =
			    (int16_t)ks_get(rps, &p->a.v[0], "ErrorCode")->i;
	}
	return (int16_t)R(47, a, "ErrorCode")->i;
}

static bool committed(const char *g, const char *t, int32_t p)
{
	int64_t off;
	return offstore_fetch(th_b.offs, g, t, p, &off, NULL) == 0;
}

int main(void)
{
	char me[256], me2[256];
	struct kv *a;
	int16_t e[8];

	th_write_caching = false; /* durable acks */
	th_setup();
	loop_thread = pthread_self();
	lsys_fault_set(hook, NULL);
	ks_arena_init(&ar, 64u << 20);
	th_conn(&A);
	th_conn(&B);
	CHECK_EQ(broker_create_topic(&th_b, "t", 2), 0);
	CHECK_EQ(broker_create_topic(&th_b, "u", 1), 0);

	/* A static member: JoinGroup v5 with an instance id, then sync. */
	CHECK_EQ(send_req(&A, 11, 5, join_req("sg", "", "i1", "consumer")),
		 API_PENDING);
	a = answer(&A, 11, 5);
	CHECK(a && R(11, a, "ErrorCode")->i == 0);
	if (!a)
		return t_result();
	CHECK_EQ(R(11, a, "GenerationId")->i, 1);
	kstr_copy(me, sizeof(me), R(11, a, "MemberId")->s);
	{
		struct kv *v = req(14);
		F(14, v, "GroupId")->s = S("sg");
		F(14, v, "GenerationId")->i = 1;
		F(14, v, "MemberId")->s = S(me);
		F(14, v, "GroupInstanceId")->s = S("i1");
		send_req(&A, 14, 5, v);
		a = answer(&A, 14, 5);
		CHECK(a && R(14, a, "ErrorCode")->i == 0);
	}

	/* DescribeGroups shows the instance id from v4. */
	for (int ver = 3; ver <= 6; ver++) {
		struct kv *v = req(15);
		const struct ks_struct *gs =
		    ks_sub(&ks_resp(15)->root, "Groups");
		ks_resize(&ks_req(15)->root, v, "Groups", 1, &ar);
		F(15, v, "Groups")->a.v[0].s = S("sg");
		send_req(&A, 15, ver, v);
		a = answer(&A, 15, ver);
		CHECK(a && R(15, a, "Groups")->a.n == 1);
		struct kv *g = &R(15, a, "Groups")->a.v[0];
		struct kv *m = ks_get(gs, g, "Members");
		CHECK(kstr_eq(ks_get(gs, g, "GroupState")->s, "Stable"));
		CHECK_EQ(m->a.n, 1);
		struct kstr is =
		    ks_get(ks_sub(gs, "Members"), &m->a.v[0], "GroupInstanceId")
			->s;
		if (ver >= 4)
			CHECK(kstr_eq(is, "i1"));
	}

	/* The instance comes back on another connection: same generation,
	 * a new member id, no rebalance. */
	CHECK_EQ(send_req(&B, 11, 7, join_req("sg", "", "i1", "consumer")),
		 API_PENDING);
	a = answer(&B, 11, 7);
	CHECK(a && R(11, a, "ErrorCode")->i == 0);
	CHECK(a && R(11, a, "GenerationId")->i == 1);
	kstr_copy(me2, sizeof(me2), R(11, a, "MemberId")->s);
	CHECK(strcmp(me, me2));
	CHECK_EQ(coord_group(th_b.coord, "sg")->state, G_STABLE);
	CHECK_EQ(heartbeat(&B, "sg", 1, me2, "i1"), 0);
	CHECK_EQ(heartbeat(&A, "sg", 1, me, "i1"), KERR_FENCED_INSTANCE_ID);
	CHECK_EQ(leave(&A, 3, "sg", me, "i1"), KERR_FENCED_INSTANCE_ID);
	CHECK_EQ(leave(&A, 4, "sg", "", "nope"), KERR_UNKNOWN_MEMBER_ID);
	CHECK_EQ(leave(&A, 5, "sg", "nobody", NULL), KERR_UNKNOWN_MEMBER_ID);

	/* DeleteGroups: offsets of an empty group gone after the sync. */
	CHECK_EQ(offstore_commit(th_b.offs, "og", "t", 0, 5, NULL), 0);
	CHECK_EQ(offstore_commit(th_b.offs, "og", "t", 1, 6, NULL), 0);
	{
		const char *names[] = {"sg", "og", "nope", ""};
		CHECK(delete_groups(2, names, 4, e));
		CHECK_EQ(e[0], KERR_NON_EMPTY_GROUP);
		CHECK_EQ(e[1], KERR_NONE);
		CHECK_EQ(e[2], KERR_GROUP_ID_NOT_FOUND);
		CHECK_EQ(e[3], KERR_INVALID_GROUP_ID);
		CHECK(!committed("og", "t", 0) && !committed("og", "t", 1));
		CHECK(!offstore_has_group(th_b.offs, "og"));
		CHECK(delete_groups(0, names + 1, 1, e));
		CHECK_EQ(e[0], KERR_GROUP_ID_NOT_FOUND);
	}

	/* OffsetDelete on the active group "sg" (subscribed to t only). */
	CHECK_EQ(offstore_commit(th_b.offs, "sg", "t", 0, 1, NULL), 0);
	CHECK_EQ(offstore_commit(th_b.offs, "sg", "u", 0, 2, NULL), 0);
	{
		const char *tp[] = {"t", "u", "u", "zz"};
		int32_t pp[] = {0, 0, 5, 0};
		CHECK_EQ(offset_delete("sg", 4, tp, pp, e), 0);
		CHECK_EQ(e[0], KERR_GROUP_SUBSCRIBED_TO_TOPIC);
		CHECK_EQ(e[1], KERR_NONE);
		CHECK_EQ(e[2], KERR_UNKNOWN_TOPIC);
		CHECK_EQ(e[3], KERR_UNKNOWN_TOPIC);
		CHECK(committed("sg", "t", 0) && !committed("sg", "u", 0));
		CHECK_EQ(offset_delete("nope", 1, tp, pp, e),
			 KERR_GROUP_ID_NOT_FOUND);
		CHECK_EQ(e[0], -1);
		CHECK_EQ(offset_delete("", 1, tp, pp, e),
			 KERR_INVALID_GROUP_ID);
	}

	/* A group of another protocol type with members: NON_EMPTY_GROUP. */
	CHECK_EQ(send_req(&A, 11, 5, join_req("cg", "", NULL, "connect")),
		 API_PENDING);
	CHECK(answer(&A, 11, 5) != NULL);
	CHECK_EQ(offstore_commit(th_b.offs, "cg", "u", 0, 2, NULL), 0);
	{
		const char *tp[] = {"u"};
		int32_t pp[] = {0};
		CHECK_EQ(offset_delete("cg", 1, tp, pp, e),
			 KERR_NON_EMPTY_GROUP);
		CHECK(committed("cg", "u", 0));
	}

	/* Leave by instance id alone; the group is then deletable, and
	 * its offsets go with it. */
	CHECK_EQ(leave(&B, 3, "sg", "", "i1"), 0);
	{
		const char *names[] = {"sg"};
		CHECK(delete_groups(1, names, 1, e));
		CHECK_EQ(e[0], KERR_NONE);
		CHECK(!committed("sg", "t", 0));
		CHECK(coord_group(th_b.coord, "sg") == NULL);
	}

	/* A failed sync: the deletion's answer says KAFKA_STORAGE_ERROR,
	 * and the store refuses deletions until a restart. */
	CHECK_EQ(offstore_commit(th_b.offs, "fg", "t", 0, 1, NULL), 0);
	CHECK_EQ(offstore_commit(th_b.offs, "fg2", "t", 0, 1, NULL), 0);
	atomic_store(&fail_rc, -EIO);
	{
		const char *names[] = {"fg", "fg2"};
		CHECK(delete_groups(2, names, 1, e));
		CHECK_EQ(e[0], KERR_KAFKA_STORAGE_ERROR);
		CHECK(delete_groups(2, names + 1, 1, e));
		CHECK_EQ(e[0], KERR_KAFKA_STORAGE_ERROR);
		CHECK(committed("fg2", "t", 0));
	}
	atomic_store(&fail_rc, 0);

	/* Cut and flipped DeleteGroups (v0, v2) and OffsetDelete requests:
	 * every one answered or refused, nothing else (ASan's verdict). */
	{
		struct kw reqs[3];
		const int keys[3] = {42, 42, 47}, vers[3] = {0, 2, 0};
		struct kv *v[3] = {req(42), req(42), req(47)};
		const struct ks_struct *ts =
		    ks_sub(&ks_req(47)->root, "Topics");

		for (int i = 0; i < 2; i++) {
			ks_resize(&ks_req(42)->root, v[i], "GroupsNames", 2,
				  &ar);
			F(42, v[i], "GroupsNames")->a.v[0].s = S("fg2");
			F(42, v[i], "GroupsNames")->a.v[1].s = S("x");
		}
		F(47, v[2], "GroupId")->s = S("cg");
		ks_resize(&ks_req(47)->root, v[2], "Topics", 1, &ar);
		ks_get(ts, &F(47, v[2], "Topics")->a.v[0], "Name")->s = S("u");
		ks_resize(ts, &F(47, v[2], "Topics")->a.v[0], "Partitions", 2,
			  &ar);
		for (int i = 0; i < 3; i++) {
			th_hdr(&reqs[i], (int16_t)keys[i], (int16_t)vers[i], 7);
			if (ks_req_header_ver(ks_req(keys[i]), vers[i]) == 2)
				kw_tags0(&reqs[i]);
			CHECK_EQ(
			    ks_encode(ks_req(keys[i]), vers[i], v[i], &reqs[i]),
			    0);
		}
		th_mutate(&A, reqs, 3);
		for (int i = 0; i < 3; i++)
			kw_free(&reqs[i]);
	}
	lsys_fault_set(NULL, NULL);
	ks_arena_free(&ar);
	th_teardown();
	return t_result();
}
