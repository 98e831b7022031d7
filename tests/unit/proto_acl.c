/* SPDX-License-Identifier: MIT */
/*
 * proto_acl.c — ACLs through the broker's own request path (the
 * harness's connections, each acting as a principal): CreateAcls,
 * DescribeAcls and DeleteAcls (SECURITY_DISABLED without the authorizer,
 * CLUSTER_AUTHORIZATION_FAILED without ALTER/DESCRIBE on the cluster,
 * INVALID_REQUEST per binding, results in request order), and what each
 * API refuses: Produce, Fetch, ListOffsets and Metadata per topic (hidden
 * topics, TOPIC_AUTHORIZATION_FAILED), the group APIs
 * (GROUP_AUTHORIZATION_FAILED, ListGroups filtered), CreateTopics,
 * DeleteTopics, InitProducerId (CLUSTER_AUTHORIZATION_FAILED), the
 * config APIs per resource, DescribeCluster's authorized operations;
 * prefixed patterns, DENY over ALLOW, super users, wildcard principal and
 * host, allow.everyone.if.no.acl.found; the store across a restart, and
 * a damaged store refused.
 */
#include "batch_builder.h"
#include "blog.h"
#include "proto/ks_handler.h"
#include "proto_harness.h"
#include "security/acl.h"

#define ADMIN "User:admin"
#define ALICE "User:alice"
#define FRANK "User:frank"

#define RES_TOPIC  2 /* ConfigResource types */
#define RES_BROKER 4

/* Every operation of the CLUSTER resource, as AclOperation code bits. */
#define OPBIT(op) (1 << (op))
#define ALL_CLUSTER_OPS                                                        \
	(OPBIT(ACL_OP_CREATE) | OPBIT(ACL_OP_ALTER) | OPBIT(ACL_OP_DESCRIBE) | \
	 OPBIT(ACL_OP_CLUSTER_ACTION) | OPBIT(ACL_OP_DESCRIBE_CONFIGS) |       \
	 OPBIT(ACL_OP_ALTER_CONFIGS) | OPBIT(ACL_OP_IDEMPOTENT_WRITE))

static bool cfg_enabled, cfg_allow_none;

static void configure(struct bconfig *c)
{
	c->authz.enabled = cfg_enabled;
	c->authz.allow_if_no_acl = cfg_allow_none;
	CHECK_EQ(authz_set(&c->authz, "super.users", "User:admin;User:ops"), 0);
}

static struct tconn T;
static struct ks_arena A;
static int32_t corr = 100;

/* A fresh request of key at its defaults. */
static struct kv *req(int key)
{
	struct kv *v = ks_new(ks_req(key), &A);
	CHECK(v != NULL);
	return v;
}

/* Send v as `who` and decode the answer. */
static struct kv *call(const char *who, int key, int ver, struct kv *v)
{
	const struct ks_msg *qm = ks_req(key), *rm = ks_resp(key);
	bool flex = ks_in(qm->flex, ver);
	struct kw w;
	struct kr r;
	size_t len;

	snprintf(T.c->principal, sizeof(T.c->principal), "%s", who);
	th_hdr(&w, (int16_t)key, (int16_t)ver, ++corr);
	if (flex)
		kw_tags0(&w);
	CHECK_EQ(ks_encode(qm, ver, v, &w), 0);
	const uint8_t *p = th_call(&T, &w, corr, &len);
	kw_free(&w);
	if (!p)
		t_fatal("no answer to key %d v%d", key, ver);
	kr_init(&r, p, len);
	if (flex)
		kr_tags(&r);
	struct kv *out = ks_alloc(&A, sizeof(*out));
	CHECK(out != NULL);
	/* The answer's strings point into T's buffer: copy it first. */
	uint8_t *copy = ks_alloc(&A, len ? len : 1);
	memcpy(copy, p, len);
	kr_init(&r, copy, len);
	if (flex)
		kr_tags(&r);
	if (ks_decode(rm, ver, &r, &A, out))
		t_fatal("cannot decode the answer to key %d v%d", key, ver);
	return out;
}

/* Field access: F(key, resp?, v, "Name"), E(array, i). */
static const struct ks_struct *root(int key, bool resp)
{
	return &(resp ? ks_resp(key) : ks_req(key))->root;
}

#define F(s, v, n) ks_get((s), (v), (n))
#define SUB(s, n)  ks_sub((s), (n))

static void set_str(struct kv *v, const char *s)
{
	kv_setstr(v, s);
}

static bool str_is(const struct kv *v, const char *s)
{
	return v->s.len == (int32_t)strlen(s) &&
	       !memcmp(v->s.p, s, (size_t)v->s.len);
}

/* ---- ACL administration ------------------------------------------------ */

struct bind {
	int rt, pat;
	const char *name, *principal, *host;
	int op, perm;
};

/* CreateAcls of n bindings as who; errors into err[]. */
static void create(const char *who, int ver, const struct bind *b, int n,
		   int16_t *err, char msgs[][128])
{
	const struct ks_struct *rq = root(API_CREATE_ACLS, false);
	const struct ks_struct *cs = SUB(rq, "Creations");
	struct kv *v = req(API_CREATE_ACLS);

	CHECK_EQ(ks_resize(rq, v, "Creations", n, &A), 0);
	for (int i = 0; i < n; i++) {
		struct kv *e = &F(rq, v, "Creations")->a.v[i];
		F(cs, e, "ResourceType")->i = b[i].rt;
		F(cs, e, "ResourcePatternType")->i = b[i].pat;
		set_str(F(cs, e, "ResourceName"), b[i].name);
		set_str(F(cs, e, "Principal"), b[i].principal);
		set_str(F(cs, e, "Host"), b[i].host);
		F(cs, e, "Operation")->i = b[i].op;
		F(cs, e, "PermissionType")->i = b[i].perm;
	}
	struct kv *o = call(who, API_CREATE_ACLS, ver, v);
	const struct ks_struct *rs =
	    SUB(root(API_CREATE_ACLS, true), "Results");
	struct kv *res = F(root(API_CREATE_ACLS, true), o, "Results");
	CHECK_EQ(res->a.n, n);
	for (int i = 0; i < n && i < res->a.n; i++) {
		err[i] = (int16_t)F(rs, &res->a.v[i], "ErrorCode")->i;
		struct kstr m = F(rs, &res->a.v[i], "ErrorMessage")->s;
		if (msgs && !kstr_copy(msgs[i], 128, m))
			msgs[i][0] = 0;
	}
}

static void allow(int rt, int pat, const char *name, const char *principal,
		  const char *host, int op, int perm)
{
	struct bind b = {rt, pat, name, principal, host, op, perm};
	int16_t err = -2;

	create(ADMIN, 2, &b, 1, &err, NULL);
	CHECK_EQ(err, KERR_NONE);
}

/* DescribeAcls: how many bindings the filter lists (-error when refused).
 * *nres gets the number of resources. */
static int describe(const char *who, int ver, int rt, const char *name, int pat,
		    const char *principal, int *nres)
{
	const struct ks_struct *rq = root(API_DESCRIBE_ACLS, false);
	const struct ks_struct *rr = root(API_DESCRIBE_ACLS, true);
	struct kv *v = req(API_DESCRIBE_ACLS);

	F(rq, v, "ResourceTypeFilter")->i = rt;
	set_str(F(rq, v, "ResourceNameFilter"), name);
	F(rq, v, "PatternTypeFilter")->i = pat;
	set_str(F(rq, v, "PrincipalFilter"), principal);
	set_str(F(rq, v, "HostFilter"), NULL);
	F(rq, v, "Operation")->i = ACL_OP_ANY;
	F(rq, v, "PermissionType")->i = ACL_PERM_ANY;
	struct kv *o = call(who, API_DESCRIBE_ACLS, ver, v);
	int err = (int)F(rr, o, "ErrorCode")->i;
	if (err)
		return -err;
	struct kv *res = F(rr, o, "Resources");
	const struct ks_struct *rs = SUB(rr, "Resources");
	int n = 0;
	for (int32_t i = 0; i < res->a.n; i++) {
		struct kv *e = &res->a.v[i];
		n += F(rs, e, "Acls")->a.n;
		/* Grouped: one entry per resource pattern. */
		for (int32_t j = 0; j < i; j++) {
			struct kv *o2 = &res->a.v[j];
			struct kstr a = F(rs, e, "ResourceName")->s;
			struct kstr b = F(rs, o2, "ResourceName")->s;
			CHECK(F(rs, e, "ResourceType")->i !=
				  F(rs, o2, "ResourceType")->i ||
			      F(rs, e, "PatternType")->i !=
				  F(rs, o2, "PatternType")->i ||
			      a.len != b.len ||
			      memcmp(a.p, b.p, (size_t)a.len));
		}
	}
	if (nres)
		*nres = res->a.n;
	return n;
}

/* ---- topic and group requests ------------------------------------------ */

/* Produce of one batch to partition 0 of topic: v7 by name, v13 by the
 * topic's ID. The partition's error. */
static int16_t produce_v(const char *who, const char *topic, int ver)
{
	static uint8_t batch[4096];
	const struct ks_struct *rq = root(API_PRODUCE, false);
	const struct ks_struct *ts = SUB(rq, "TopicData");
	const struct ks_struct *ps = SUB(ts, "PartitionData");
	const struct ks_struct *rr = root(API_PRODUCE, true);
	struct kv *v = req(API_PRODUCE);
	size_t len = bb_build(batch, 2, 20, 1000, 1, 7);

	F(rq, v, "Acks")->i = 1;
	F(rq, v, "TimeoutMs")->i = 1000;
	CHECK_EQ(ks_resize(rq, v, "TopicData", 1, &A), 0);
	struct kv *t = &F(rq, v, "TopicData")->a.v[0];
	if (ver >= 13) {
		const uint8_t *id = topics_id(th_b.topics, topic);
		CHECK(id != NULL);
		if (id)
			memcpy(F(ts, t, "TopicId")->u, id, 16);
	} else {
		set_str(F(ts, t, "Name"), topic);
	}
	CHECK_EQ(ks_resize(ts, t, "PartitionData", 1, &A), 0);
	struct kv *p = &F(ts, t, "PartitionData")->a.v[0];
	F(ps, p, "Index")->i = 0;
	kv_setbytes(F(ps, p, "Records"), batch, (int32_t)len);
	struct kv *o = call(who, API_PRODUCE, ver, v);
	struct kv *rt = &F(rr, o, "Responses")->a.v[0];
	const struct ks_struct *rts = SUB(rr, "Responses");
	return (int16_t)F(SUB(rts, "PartitionResponses"),
			  &F(rts, rt, "PartitionResponses")->a.v[0],
			  "ErrorCode")
	    ->i;
}

static int16_t produce(const char *who, const char *topic)
{
	return produce_v(who, topic, 7);
}

/* A Fetch v11 request at once (MaxWaitMs 0) of partition 0 of topic from
 * offset 0 (NULL: no topic), in session sid at epoch. */
static struct kv *fetch_req(const char *topic, int32_t sid, int32_t epoch)
{
	const struct ks_struct *rq = root(API_FETCH, false);
	const struct ks_struct *ts = SUB(rq, "Topics");
	struct kv *v = req(API_FETCH);

	F(rq, v, "MaxWaitMs")->i = 0;
	F(rq, v, "MinBytes")->i = 0;
	F(rq, v, "SessionId")->i = sid;
	F(rq, v, "SessionEpoch")->i = epoch;
	CHECK_EQ(ks_resize(rq, v, "Topics", topic ? 1 : 0, &A), 0);
	if (topic) {
		struct kv *t = &F(rq, v, "Topics")->a.v[0];
		set_str(F(ts, t, "Topic"), topic);
		CHECK_EQ(ks_resize(ts, t, "Partitions", 1, &A), 0);
		F(SUB(ts, "Partitions"), &F(ts, t, "Partitions")->a.v[0],
		  "PartitionMaxBytes")
		    ->i = 1 << 20;
	}
	return v;
}

/* Fetch v11 without a session: the error; *bytes the records. */
static int16_t fetch(const char *who, const char *topic, int32_t *bytes)
{
	const struct ks_struct *rr = root(API_FETCH, true);
	const struct ks_struct *rts = SUB(rr, "Responses");
	const struct ks_struct *rps = SUB(rts, "Partitions");
	struct kv *o = call(who, API_FETCH, 11, fetch_req(topic, 0, -1));
	struct kv *rp =
	    &F(rts, &F(rr, o, "Responses")->a.v[0], "Partitions")->a.v[0];
	struct kv *rec = F(rps, rp, "Records");
	*bytes = rec->s.len < 0 ? 0 : rec->s.len;
	return (int16_t)F(rps, rp, "ErrorCode")->i;
}

static int16_t listoffsets(const char *who, const char *topic)
{
	const struct ks_struct *rq = root(API_LIST_OFFSETS, false);
	const struct ks_struct *ts = SUB(rq, "Topics");
	const struct ks_struct *rr = root(API_LIST_OFFSETS, true);
	const struct ks_struct *rts = SUB(rr, "Topics");
	struct kv *v = req(API_LIST_OFFSETS);

	CHECK_EQ(ks_resize(rq, v, "Topics", 1, &A), 0);
	struct kv *t = &F(rq, v, "Topics")->a.v[0];
	set_str(F(ts, t, "Name"), topic);
	CHECK_EQ(ks_resize(ts, t, "Partitions", 1, &A), 0);
	F(SUB(ts, "Partitions"), &F(ts, t, "Partitions")->a.v[0], "Timestamp")
	    ->i = -1;
	struct kv *o = call(who, API_LIST_OFFSETS, 5, v);
	struct kv *rt = &F(rr, o, "Topics")->a.v[0];
	return (int16_t)F(SUB(rts, "Partitions"),
			  &F(rts, rt, "Partitions")->a.v[0], "ErrorCode")
	    ->i;
}

/* Metadata v9 for every topic: whether name is listed. */
static bool listed(const char *who, const char *name)
{
	const struct ks_struct *rq = root(API_METADATA, false);
	const struct ks_struct *rr = root(API_METADATA, true);
	struct kv *v = req(API_METADATA);

	F(rq, v, "Topics")->a.n = -1; /* null: all */
	struct kv *o = call(who, API_METADATA, 9, v);
	struct kv *t = F(rr, o, "Topics");
	for (int32_t i = 0; i < t->a.n; i++)
		if (str_is(F(SUB(rr, "Topics"), &t->a.v[i], "Name"), name))
			return true;
	return false;
}

/* Metadata v9 for one named topic (auto-creation allowed): its error. */
static int16_t md_named(const char *who, const char *name)
{
	const struct ks_struct *rq = root(API_METADATA, false);
	const struct ks_struct *rr = root(API_METADATA, true);
	struct kv *v = req(API_METADATA);

	CHECK_EQ(ks_resize(rq, v, "Topics", 1, &A), 0);
	set_str(F(SUB(rq, "Topics"), &F(rq, v, "Topics")->a.v[0], "Name"),
		name);
	struct kv *o = call(who, API_METADATA, 9, v);
	struct kv *t = F(rr, o, "Topics");
	CHECK_EQ(t->a.n, 1);
	return (int16_t)F(SUB(rr, "Topics"), &t->a.v[0], "ErrorCode")->i;
}

static int16_t createtopic(const char *who, const char *name)
{
	const struct ks_struct *rq = root(API_CREATE_TOPICS, false);
	const struct ks_struct *rr = root(API_CREATE_TOPICS, true);
	struct kv *v = req(API_CREATE_TOPICS);

	CHECK_EQ(ks_resize(rq, v, "Topics", 1, &A), 0);
	struct kv *t = &F(rq, v, "Topics")->a.v[0];
	set_str(F(SUB(rq, "Topics"), t, "Name"), name);
	F(SUB(rq, "Topics"), t, "NumPartitions")->i = 1;
	F(SUB(rq, "Topics"), t, "ReplicationFactor")->i = 1;
	F(rq, v, "TimeoutMs")->i = 1000;
	struct kv *o = call(who, API_CREATE_TOPICS, 4, v);
	return (int16_t)F(SUB(rr, "Topics"), &F(rr, o, "Topics")->a.v[0],
			  "ErrorCode")
	    ->i;
}

static int16_t deletetopic(const char *who, const char *name)
{
	const struct ks_struct *rq = root(API_DELETE_TOPICS, false);
	const struct ks_struct *rr = root(API_DELETE_TOPICS, true);
	struct kv *v = req(API_DELETE_TOPICS);

	CHECK_EQ(ks_resize(rq, v, "TopicNames", 1, &A), 0);
	set_str(&F(rq, v, "TopicNames")->a.v[0], name);
	F(rq, v, "TimeoutMs")->i = 1000;
	struct kv *o = call(who, API_DELETE_TOPICS, 4, v);
	return (int16_t)F(SUB(rr, "Responses"), &F(rr, o, "Responses")->a.v[0],
			  "ErrorCode")
	    ->i;
}

static int16_t initpid(const char *who)
{
	struct kv *v = req(API_INIT_PRODUCER_ID);
	set_str(F(root(API_INIT_PRODUCER_ID, false), v, "TransactionalId"),
		NULL);
	F(root(API_INIT_PRODUCER_ID, false), v, "TransactionTimeoutMs")->i =
	    1000;
	struct kv *o = call(who, API_INIT_PRODUCER_ID, 2, v);
	return (int16_t)F(root(API_INIT_PRODUCER_ID, true), o, "ErrorCode")->i;
}

static int16_t findcoord(const char *who, const char *group)
{
	const struct ks_struct *rq = root(API_FIND_COORDINATOR, false);
	struct kv *v = req(API_FIND_COORDINATOR);

	set_str(F(rq, v, "Key"), group);
	struct kv *o = call(who, API_FIND_COORDINATOR, 2, v);
	return (int16_t)F(root(API_FIND_COORDINATOR, true), o, "ErrorCode")->i;
}

static int16_t heartbeat(const char *who, const char *group)
{
	const struct ks_struct *rq = root(API_HEARTBEAT, false);
	struct kv *v = req(API_HEARTBEAT);

	set_str(F(rq, v, "GroupId"), group);
	set_str(F(rq, v, "MemberId"), "m");
	struct kv *o = call(who, API_HEARTBEAT, 3, v);
	return (int16_t)F(root(API_HEARTBEAT, true), o, "ErrorCode")->i;
}

static int16_t joingroup(const char *who, const char *group)
{
	const struct ks_struct *rq = root(API_JOIN_GROUP, false);
	struct kv *v = req(API_JOIN_GROUP);

	set_str(F(rq, v, "GroupId"), group);
	set_str(F(rq, v, "MemberId"), "");
	set_str(F(rq, v, "ProtocolType"), "consumer");
	F(rq, v, "SessionTimeoutMs")->i = 10000;
	F(rq, v, "RebalanceTimeoutMs")->i = 10000;
	struct kv *o = call(who, API_JOIN_GROUP, 5, v);
	return (int16_t)F(root(API_JOIN_GROUP, true), o, "ErrorCode")->i;
}

static int16_t commit(const char *who, const char *group, const char *topic)
{
	const struct ks_struct *rq = root(API_OFFSET_COMMIT, false);
	const struct ks_struct *ts = SUB(rq, "Topics");
	const struct ks_struct *rr = root(API_OFFSET_COMMIT, true);
	const struct ks_struct *rts = SUB(rr, "Topics");
	struct kv *v = req(API_OFFSET_COMMIT);

	set_str(F(rq, v, "GroupId"), group);
	set_str(F(rq, v, "MemberId"), "");
	CHECK_EQ(ks_resize(rq, v, "Topics", 1, &A), 0);
	struct kv *t = &F(rq, v, "Topics")->a.v[0];
	set_str(F(ts, t, "Name"), topic);
	CHECK_EQ(ks_resize(ts, t, "Partitions", 1, &A), 0);
	struct kv *p = &F(ts, t, "Partitions")->a.v[0];
	F(SUB(ts, "Partitions"), p, "CommittedOffset")->i = 1;
	set_str(F(SUB(ts, "Partitions"), p, "CommittedMetadata"), "");
	struct kv *o = call(who, API_OFFSET_COMMIT, 5, v);
	struct kv *rt = &F(rr, o, "Topics")->a.v[0];
	return (int16_t)F(SUB(rts, "Partitions"),
			  &F(rts, rt, "Partitions")->a.v[0], "ErrorCode")
	    ->i;
}

/* A request of key at ver for group and topic partition 0 (the topic's
 * partition array named parts): the top-level error; *perr the
 * partition's (-1 when none is answered). */
static int16_t group_topic(const char *who, int key, int ver, const char *parts,
			   const char *group, const char *topic, int16_t *perr)
{
	const struct ks_struct *rq = root(key, false);
	const struct ks_struct *ts = SUB(rq, "Topics");
	const struct ks_struct *rr = root(key, true);
	const struct ks_struct *rts = SUB(rr, "Topics");
	struct kv *v = req(key);

	set_str(F(rq, v, "GroupId"), group);
	CHECK_EQ(ks_resize(rq, v, "Topics", 1, &A), 0);
	struct kv *t = &F(rq, v, "Topics")->a.v[0];
	set_str(F(ts, t, "Name"), topic);
	CHECK_EQ(ks_resize(ts, t, parts, 1, &A), 0);
	struct kv *o = call(who, key, ver, v);
	struct kv *rt = F(rr, o, "Topics");
	*perr = -1;
	if (rt->a.n == 1)
		*perr = (int16_t)F(SUB(rts, "Partitions"),
				   &F(rts, &rt->a.v[0], "Partitions")->a.v[0],
				   "ErrorCode")
			    ->i;
	return (int16_t)F(rr, o, "ErrorCode")->i;
}

/* OffsetFetch v5. */
static int16_t offfetch(const char *who, const char *group, const char *topic,
			int16_t *perr)
{
	return group_topic(who, API_OFFSET_FETCH, 5, "PartitionIndexes", group,
			   topic, perr);
}

/* A request of key at ver naming one group in its array of strings
 * `field`: the error of the answer's one entry of array `results`. */
static int16_t one_group(const char *who, int key, int ver, const char *field,
			 const char *results, const char *group)
{
	const struct ks_struct *rq = root(key, false);
	const struct ks_struct *rr = root(key, true);
	struct kv *v = req(key);

	CHECK_EQ(ks_resize(rq, v, field, 1, &A), 0);
	set_str(&F(rq, v, field)->a.v[0], group);
	struct kv *o = call(who, key, ver, v);
	return (int16_t)F(SUB(rr, results), &F(rr, o, results)->a.v[0],
			  "ErrorCode")
	    ->i;
}

static int16_t describegroup(const char *who, const char *group)
{
	return one_group(who, API_DESCRIBE_GROUPS, 3, "Groups", "Groups",
			 group);
}

/* ListGroups v3: whether group is listed. */
static bool group_listed(const char *who, const char *group)
{
	const struct ks_struct *rr = root(API_LIST_GROUPS, true);
	struct kv *o = call(who, API_LIST_GROUPS, 3, req(API_LIST_GROUPS));
	struct kv *g = F(rr, o, "Groups");
	for (int32_t i = 0; i < g->a.n; i++)
		if (str_is(F(SUB(rr, "Groups"), &g->a.v[i], "GroupId"), group))
			return true;
	return false;
}

/* ---- the admin APIs on topics and groups ------------------------------- */

static int16_t deletegroup(const char *who, const char *group)
{
	return one_group(who, API_DELETE_GROUPS, 2, "GroupsNames", "Results",
			 group);
}

static int16_t offsetdelete(const char *who, const char *group,
			    const char *topic, int16_t *perr)
{
	return group_topic(who, API_OFFSET_DELETE, 0, "Partitions", group,
			   topic, perr);
}

static int16_t createpartitions(const char *who, const char *topic,
				int32_t count)
{
	const struct ks_struct *rq = root(API_CREATE_PARTITIONS, false);
	const struct ks_struct *ts = SUB(rq, "Topics");
	const struct ks_struct *rr = root(API_CREATE_PARTITIONS, true);
	struct kv *v = req(API_CREATE_PARTITIONS);

	CHECK_EQ(ks_resize(rq, v, "Topics", 1, &A), 0);
	struct kv *t = &F(rq, v, "Topics")->a.v[0];
	set_str(F(ts, t, "Name"), topic);
	F(ts, t, "Count")->i = count;
	F(ts, t, "Assignments")->a.n = -1;
	F(rq, v, "TimeoutMs")->i = 1000;
	struct kv *o = call(who, API_CREATE_PARTITIONS, 3, v);
	return (int16_t)F(SUB(rr, "Results"), &F(rr, o, "Results")->a.v[0],
			  "ErrorCode")
	    ->i;
}

/* DeleteRecords (key 21) or OffsetForLeaderEpoch (23) of partition 0:
 * its error. The two share the shape topics -> partitions. */
static int16_t per_partition(const char *who, int key, const char *topic)
{
	bool dr = key == API_DELETE_RECORDS;
	const char *tn = dr ? "Name" : "Topic";
	const char *pn = dr ? "PartitionIndex" : "Partition";
	const struct ks_struct *rq = root(key, false);
	const struct ks_struct *ts = SUB(rq, "Topics");
	const struct ks_struct *ps = SUB(ts, "Partitions");
	const struct ks_struct *rr = root(key, true);
	const struct ks_struct *rts = SUB(rr, "Topics");
	struct kv *v = req(key);

	CHECK_EQ(ks_resize(rq, v, "Topics", 1, &A), 0);
	struct kv *t = &F(rq, v, "Topics")->a.v[0];
	set_str(F(ts, t, tn), topic);
	CHECK_EQ(ks_resize(ts, t, "Partitions", 1, &A), 0);
	struct kv *p = &F(ts, t, "Partitions")->a.v[0];
	F(ps, p, pn)->i = 0;
	if (dr) {
		F(ps, p, "Offset")->i = 0;
		F(rq, v, "TimeoutMs")->i = 1000;
	}
	struct kv *o = call(who, key, dr ? 2 : 4, v);
	struct kv *rt = &F(rr, o, "Topics")->a.v[0];
	return (int16_t)F(SUB(rts, "Partitions"),
			  &F(rts, rt, "Partitions")->a.v[0], "ErrorCode")
	    ->i;
}

/* A Fetch v11 in a session (KIP-227) of partition 0 of topic (NULL: none
 * named): the top-level error; *sid the session; errs[i] the error of the
 * answer's partition of topics[i] (-1 when not answered). */
static int16_t fetch_sess(const char *who, int32_t *sid, int32_t epoch,
			  const char *topic, const char *const *topics,
			  int16_t *errs, int n)
{
	const struct ks_struct *rr = root(API_FETCH, true);
	const struct ks_struct *rts = SUB(rr, "Responses");
	const struct ks_struct *rps = SUB(rts, "Partitions");
	struct kv *v = fetch_req(topic, *sid, epoch);
	struct kv *o = call(who, API_FETCH, 11, v);
	struct kv *r = F(rr, o, "Responses");
	*sid = (int32_t)F(rr, o, "SessionId")->i;
	for (int i = 0; i < n; i++) {
		errs[i] = -1;
		for (int32_t j = 0; j < r->a.n; j++)
			if (str_is(F(rts, &r->a.v[j], "Topic"), topics[i]))
				errs[i] =
				    (int16_t)F(rps,
					       &F(rts, &r->a.v[j], "Partitions")
						    ->a.v[0],
					       "ErrorCode")
					->i;
	}
	return (int16_t)F(rr, o, "ErrorCode")->i;
}

/* ---- the scenarios ----------------------------------------------------- */

/* DescribeConfigs v4 of one resource (every key): its error; *n, the
 * number of configs answered. */
static int16_t describeconfigs(const char *who, int8_t type, const char *name,
			       int32_t *n)
{
	const struct ks_struct *rq = root(API_DESCRIBE_CONFIGS, false);
	const struct ks_struct *rr = root(API_DESCRIBE_CONFIGS, true);
	struct kv *v = req(API_DESCRIBE_CONFIGS);

	CHECK_EQ(ks_resize(rq, v, "Resources", 1, &A), 0);
	struct kv *e = &F(rq, v, "Resources")->a.v[0];
	F(SUB(rq, "Resources"), e, "ResourceType")->i = type;
	set_str(F(SUB(rq, "Resources"), e, "ResourceName"), name);
	F(SUB(rq, "Resources"), e, "ConfigurationKeys")->a.n = -1;
	struct kv *o = call(who, API_DESCRIBE_CONFIGS, 4, v);
	struct kv *r = &F(rr, o, "Results")->a.v[0];
	*n = F(SUB(rr, "Results"), r, "Configs")->a.n;
	return (int16_t)F(SUB(rr, "Results"), r, "ErrorCode")->i;
}

/* AlterConfigs v2 or IncrementalAlterConfigs v1 (SET) of name=value on
 * one resource: its error. */
static int16_t alterconfig(const char *who, int key, int8_t type,
			   const char *res, const char *name, const char *value)
{
	const struct ks_struct *rq = root(key, false);
	const struct ks_struct *rs = SUB(rq, "Resources");
	const struct ks_struct *rr = root(key, true);
	struct kv *v = req(key);

	CHECK_EQ(ks_resize(rq, v, "Resources", 1, &A), 0);
	struct kv *e = &F(rq, v, "Resources")->a.v[0];
	F(rs, e, "ResourceType")->i = type;
	set_str(F(rs, e, "ResourceName"), res);
	CHECK_EQ(ks_resize(rs, e, "Configs", 1, &A), 0);
	struct kv *c = &F(rs, e, "Configs")->a.v[0];
	set_str(F(SUB(rs, "Configs"), c, "Name"), name);
	set_str(F(SUB(rs, "Configs"), c, "Value"), value);
	/* ConfigOperation stays 0, SET. */
	struct kv *o = call(who, key, key == API_ALTER_CONFIGS ? 2 : 1, v);
	return (int16_t)F(SUB(rr, "Responses"), &F(rr, o, "Responses")->a.v[0],
			  "ErrorCode")
	    ->i;
}

/* Both alters, as frank, of retention on a topic or the broker: each
 * answers want. */
static void alter_both(int8_t type, const char *res, const char *value,
		       int16_t want)
{
	const char *name =
	    type == RES_TOPIC ? "retention.ms" : "log.retention.ms";

	CHECK_EQ(alterconfig(FRANK, API_INCREMENTAL_ALTER_CONFIGS, type, res,
			     name, value),
		 want);
	CHECK_EQ(alterconfig(FRANK, API_ALTER_CONFIGS, type, res, name, value),
		 want);
}

/* DescribeCluster v0: ClusterAuthorizedOperations, asked or not. */
static int32_t cluster_ops(const char *who, bool ask)
{
	const struct ks_struct *rq = root(API_DESCRIBE_CLUSTER, false);
	const struct ks_struct *rr = root(API_DESCRIBE_CLUSTER, true);
	struct kv *v = req(API_DESCRIBE_CLUSTER);

	F(rq, v, "IncludeClusterAuthorizedOperations")->i = ask;
	struct kv *o = call(who, API_DESCRIBE_CLUSTER, 0, v);
	CHECK_EQ(F(rr, o, "ErrorCode")->i, KERR_NONE);
	return (int32_t)F(rr, o, "ClusterAuthorizedOperations")->i;
}

static void start(bool enabled, bool allow_none)
{
	cfg_enabled = enabled;
	cfg_allow_none = allow_none;
	th_configure = configure;
	th_setup();
	th_conn(&T);
}

static void stop(void)
{
	th_teardown();
}

/* authorizer.enabled=false: the ACL APIs say so, everything is served. */
static void disabled(void)
{
	struct bind b = {ACL_RES_TOPIC, ACL_PAT_LITERAL, "t",		ALICE,
			 "*",		ACL_OP_READ,	 ACL_PERM_ALLOW};
	int16_t err[1];
	char msg[1][128];
	int32_t bytes;

	start(false, false);
	create(ADMIN, 1, &b, 1, err, msg);
	CHECK_EQ(err[0], KERR_SECURITY_DISABLED);
	CHECK(strstr(msg[0], "No Authorizer") != NULL);
	CHECK_EQ(describe(ADMIN, 3, ACL_RES_ANY, NULL, ACL_PAT_ANY, NULL, NULL),
		 -KERR_SECURITY_DISABLED);
	CHECK_EQ(produce(ALICE, "open"), KERR_NONE);
	CHECK_EQ(fetch(ALICE, "open", &bytes), KERR_NONE);
	CHECK(bytes > 0);
	CHECK(listed(ALICE, "open"));
	CHECK_EQ(initpid(ALICE), KERR_NONE);
	CHECK_EQ(cluster_ops(ALICE, true), ALL_CLUSTER_OPS);
	CHECK_EQ(th_b.acls, NULL); /* no store, no lookup */
	stop();
}

static void admin_apis(void)
{
	struct bind bs[4] = {
	    {ACL_RES_TOPIC, ACL_PAT_LITERAL, "a", ALICE, "*", ACL_OP_READ,
	     ACL_PERM_ALLOW},
	    {ACL_RES_CLUSTER, ACL_PAT_LITERAL, "nope", ALICE, "*", ACL_OP_ALTER,
	     ACL_PERM_ALLOW},
	    {ACL_RES_TOPIC, ACL_PAT_PREFIXED, "b", ALICE, "*", ACL_OP_WRITE,
	     ACL_PERM_DENY},
	    {ACL_RES_GROUP, ACL_PAT_LITERAL, "g", "alice", "*", ACL_OP_READ,
	     ACL_PERM_ALLOW},
	};
	int16_t err[4];
	char msg[4][128];
	int nres = 0;

	/* Not a super user, no ALTER on the cluster: refused, all of it. */
	create(ALICE, 2, bs, 4, err, msg);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(err[i], KERR_CLUSTER_AUTHORIZATION_FAILED);
	CHECK_EQ(describe(ALICE, 1, ACL_RES_ANY, NULL, ACL_PAT_ANY, NULL, NULL),
		 -KERR_CLUSTER_AUTHORIZATION_FAILED);
	/* Per binding, in order: the cluster name and the principal. */
	create(ADMIN, 1, bs, 4, err, msg);
	CHECK_EQ(err[0], KERR_NONE);
	CHECK_EQ(err[1], KERR_INVALID_REQUEST);
	CHECK(strstr(msg[1], "kafka-cluster") != NULL);
	CHECK_EQ(err[2], KERR_NONE);
	CHECK_EQ(err[3], KERR_INVALID_REQUEST);
	CHECK(strstr(msg[3], "principal") != NULL);
	CHECK_EQ(
	    describe(ADMIN, 3, ACL_RES_ANY, NULL, ACL_PAT_ANY, NULL, &nres), 2);
	CHECK_EQ(nres, 2);
	/* MATCH finds the prefixed binding for a name under it. */
	CHECK_EQ(
	    describe(ADMIN, 2, ACL_RES_TOPIC, "bcd", ACL_PAT_MATCH, NULL, NULL),
	    1);
	/* ALTER on the cluster is enough to manage ACLs, DESCRIBE (or
	 * ALTER, which implies it) to list them. */
	allow(ACL_RES_CLUSTER, ACL_PAT_LITERAL, ACL_CLUSTER_NAME, "User:ops2",
	      "*", ACL_OP_ALTER, ACL_PERM_ALLOW);
	CHECK_EQ(describe("User:ops2", 3, ACL_RES_TOPIC, NULL, ACL_PAT_ANY,
			  NULL, NULL),
		 2);

	/* DeleteAcls: per filter, each listing what it removed; an invalid
	 * filter is refused alone. */
	const struct ks_struct *rq = root(API_DELETE_ACLS, false);
	const struct ks_struct *fs = SUB(rq, "Filters");
	const struct ks_struct *rr = root(API_DELETE_ACLS, true);
	const struct ks_struct *rfs = SUB(rr, "FilterResults");
	struct kv *v = req(API_DELETE_ACLS);
	CHECK_EQ(ks_resize(rq, v, "Filters", 3, &A), 0);
	int rts[3] = {ACL_RES_TOPIC, ACL_RES_UNKNOWN, ACL_RES_CLUSTER};
	for (int i = 0; i < 3; i++) {
		struct kv *e = &F(rq, v, "Filters")->a.v[i];
		F(fs, e, "ResourceTypeFilter")->i = rts[i];
		set_str(F(fs, e, "ResourceNameFilter"), NULL);
		F(fs, e, "PatternTypeFilter")->i = ACL_PAT_ANY;
		set_str(F(fs, e, "PrincipalFilter"), NULL);
		set_str(F(fs, e, "HostFilter"), NULL);
		F(fs, e, "Operation")->i = ACL_OP_ANY;
		F(fs, e, "PermissionType")->i = ACL_PERM_ANY;
	}
	struct kv *o = call(ALICE, API_DELETE_ACLS, 3, v);
	CHECK_EQ(F(rfs, &F(rr, o, "FilterResults")->a.v[0], "ErrorCode")->i,
		 KERR_CLUSTER_AUTHORIZATION_FAILED);
	o = call(ADMIN, API_DELETE_ACLS, 3, v);
	struct kv *res = F(rr, o, "FilterResults");
	CHECK_EQ(res->a.n, 3);
	CHECK_EQ(F(rfs, &res->a.v[0], "ErrorCode")->i, KERR_NONE);
	CHECK_EQ(F(rfs, &res->a.v[0], "MatchingAcls")->a.n, 2);
	CHECK(str_is(F(SUB(rfs, "MatchingAcls"),
		       &F(rfs, &res->a.v[0], "MatchingAcls")->a.v[0],
		       "ResourceName"),
		     "a"));
	CHECK_EQ(F(rfs, &res->a.v[1], "ErrorCode")->i, KERR_INVALID_REQUEST);
	CHECK_EQ(F(rfs, &res->a.v[2], "MatchingAcls")->a.n, 1);
	CHECK_EQ(describe(ADMIN, 3, ACL_RES_ANY, NULL, ACL_PAT_ANY, NULL, NULL),
		 0);
}

static void topics_apis(void)
{
	int32_t bytes;

	/* As a super user: topics made, records in. */
	CHECK_EQ(createtopic(ADMIN, "pub-a"), KERR_NONE);
	CHECK_EQ(createtopic(ADMIN, "secret"), KERR_NONE);
	CHECK_EQ(createtopic(ADMIN, "rw"), KERR_NONE);
	CHECK_EQ(produce(ADMIN, "pub-a"), KERR_NONE);
	CHECK_EQ(produce(ADMIN, "secret"), KERR_NONE);

	/* Nothing granted: nothing listed, everything refused. */
	CHECK(!listed(ALICE, "pub-a"));
	CHECK(listed(ADMIN, "secret"));
	CHECK_EQ(produce(ALICE, "pub-a"), KERR_TOPIC_AUTHORIZATION_FAILED);
	CHECK_EQ(fetch(ALICE, "pub-a", &bytes),
		 KERR_TOPIC_AUTHORIZATION_FAILED);
	CHECK_EQ(bytes, 0);
	CHECK_EQ(listoffsets(ALICE, "pub-a"), KERR_TOPIC_AUTHORIZATION_FAILED);
	CHECK_EQ(md_named(ALICE, "secret"), KERR_TOPIC_AUTHORIZATION_FAILED);
	/* A topic that does not exist is not disclosed either, and not
	 * created. */
	CHECK_EQ(md_named(ALICE, "ghost"), KERR_TOPIC_AUTHORIZATION_FAILED);
	CHECK(topics_partitions(th_b.topics, "ghost") < 0);
	CHECK_EQ(initpid(ALICE), KERR_CLUSTER_AUTHORIZATION_FAILED);

	/* READ on a prefix: fetch and describe, not write. */
	allow(ACL_RES_TOPIC, ACL_PAT_PREFIXED, "pub-", ALICE, "*", ACL_OP_READ,
	      ACL_PERM_ALLOW);
	CHECK(listed(ALICE, "pub-a"));
	CHECK(!listed(ALICE, "secret"));
	CHECK_EQ(fetch(ALICE, "pub-a", &bytes), KERR_NONE);
	CHECK(bytes > 0);
	CHECK_EQ(listoffsets(ALICE, "pub-a"), KERR_NONE);
	CHECK_EQ(md_named(ALICE, "pub-a"), KERR_NONE);
	CHECK_EQ(produce(ALICE, "pub-a"), KERR_TOPIC_AUTHORIZATION_FAILED);
	/* Describable but absent, no CREATE: not created. */
	CHECK_EQ(md_named(ALICE, "pub-new"), KERR_TOPIC_AUTHORIZATION_FAILED);
	CHECK(topics_partitions(th_b.topics, "pub-new") < 0);

	/* DENY wins over ALLOW ALL. */
	allow(ACL_RES_TOPIC, ACL_PAT_LITERAL, "rw", ALICE, "*", ACL_OP_ALL,
	      ACL_PERM_ALLOW);
	CHECK_EQ(produce(ALICE, "rw"), KERR_NONE);
	CHECK_EQ(initpid(ALICE), KERR_NONE); /* WRITE on some topic */
	allow(ACL_RES_TOPIC, ACL_PAT_LITERAL, "rw", ALICE, "*", ACL_OP_WRITE,
	      ACL_PERM_DENY);
	CHECK_EQ(produce(ALICE, "rw"), KERR_TOPIC_AUTHORIZATION_FAILED);
	CHECK_EQ(fetch(ALICE, "rw", &bytes), KERR_NONE);
	CHECK_EQ(initpid(ALICE), KERR_CLUSTER_AUTHORIZATION_FAILED);
	allow(ACL_RES_CLUSTER, ACL_PAT_LITERAL, ACL_CLUSTER_NAME, ALICE, "*",
	      ACL_OP_IDEMPOTENT_WRITE, ACL_PERM_ALLOW);
	CHECK_EQ(initpid(ALICE), KERR_NONE);

	/* Host: a binding for another address does not apply; the
	 * harness's connections come from host "test". */
	allow(ACL_RES_TOPIC, ACL_PAT_LITERAL, "secret", ALICE, "10.0.0.1",
	      ACL_OP_READ, ACL_PERM_ALLOW);
	CHECK_EQ(fetch(ALICE, "secret", &bytes),
		 KERR_TOPIC_AUTHORIZATION_FAILED);
	allow(ACL_RES_TOPIC, ACL_PAT_LITERAL, "secret", ALICE, "test",
	      ACL_OP_READ, ACL_PERM_ALLOW);
	CHECK_EQ(fetch(ALICE, "secret", &bytes), KERR_NONE);
	/* Wildcard principal: any user, on any host. */
	CHECK_EQ(fetch("User:bob", "pub-a", &bytes),
		 KERR_TOPIC_AUTHORIZATION_FAILED);
	allow(ACL_RES_TOPIC, ACL_PAT_LITERAL, "pub-a", ACL_ANY_USER, "*",
	      ACL_OP_READ, ACL_PERM_ALLOW);
	CHECK_EQ(fetch("User:bob", "pub-a", &bytes), KERR_NONE);

	/* CreateTopics: CREATE on the topic (prefixed) or the cluster. */
	CHECK_EQ(createtopic(ALICE, "mine-1"), KERR_TOPIC_AUTHORIZATION_FAILED);
	allow(ACL_RES_TOPIC, ACL_PAT_PREFIXED, "mine-", ALICE, "*",
	      ACL_OP_CREATE, ACL_PERM_ALLOW);
	CHECK_EQ(createtopic(ALICE, "mine-1"), KERR_NONE);
	CHECK_EQ(createtopic(ALICE, "other"), KERR_TOPIC_AUTHORIZATION_FAILED);
	/* ... and Metadata's auto-creation with it (DESCRIBE via ALL). */
	allow(ACL_RES_TOPIC, ACL_PAT_PREFIXED, "mine-", ALICE, "*",
	      ACL_OP_DESCRIBE, ACL_PERM_ALLOW);
	CHECK_EQ(md_named(ALICE, "mine-2"), KERR_LEADER_NOT_AVAILABLE);
	CHECK(topics_partitions(th_b.topics, "mine-2") > 0);
	/* DeleteTopics: DELETE on the topic. */
	CHECK_EQ(deletetopic(ALICE, "mine-1"), KERR_TOPIC_AUTHORIZATION_FAILED);
	CHECK(topics_partitions(th_b.topics, "mine-1") > 0);
	allow(ACL_RES_TOPIC, ACL_PAT_LITERAL, "mine-1", ALICE, "*",
	      ACL_OP_DELETE, ACL_PERM_ALLOW);
	CHECK_EQ(deletetopic(ALICE, "mine-1"), KERR_NONE);
	CHECK(topics_partitions(th_b.topics, "mine-1") < 0);
}

static void group_apis(void)
{
	int16_t perr = -2;

	CHECK_EQ(findcoord(ALICE, "g1"), KERR_GROUP_AUTHORIZATION_FAILED);
	CHECK_EQ(joingroup(ALICE, "g1"), KERR_GROUP_AUTHORIZATION_FAILED);
	CHECK_EQ(heartbeat(ALICE, "g1"), KERR_GROUP_AUTHORIZATION_FAILED);
	CHECK_EQ(commit(ALICE, "g1", "pub-a"), KERR_GROUP_AUTHORIZATION_FAILED);
	CHECK_EQ(offfetch(ALICE, "g1", "pub-a", &perr),
		 KERR_GROUP_AUTHORIZATION_FAILED);
	CHECK_EQ(describegroup(ALICE, "g1"), KERR_GROUP_AUTHORIZATION_FAILED);
	/* The admin's commit makes g1 known. */
	CHECK_EQ(commit(ADMIN, "g1", "pub-a"), KERR_NONE);
	CHECK(group_listed(ADMIN, "g1"));
	CHECK(!group_listed(ALICE, "g1"));

	allow(ACL_RES_GROUP, ACL_PAT_LITERAL, "g1", ALICE, "*", ACL_OP_READ,
	      ACL_PERM_ALLOW);
	CHECK_EQ(findcoord(ALICE, "g1"), KERR_NONE);
	CHECK_EQ(describegroup(ALICE, "g1"), KERR_NONE);
	CHECK(group_listed(ALICE, "g1"));
	CHECK_EQ(heartbeat(ALICE, "g1"), KERR_UNKNOWN_MEMBER_ID);
	/* The group is allowed; the topic decides per partition. */
	CHECK_EQ(commit(ALICE, "g1", "secret"),
		 KERR_NONE); /* READ on secret from host "test" (above) */
	CHECK_EQ(commit(ALICE, "g1", "rw"), KERR_NONE);
	CHECK_EQ(commit(ALICE, "g1", "other"), KERR_TOPIC_AUTHORIZATION_FAILED);
	CHECK_EQ(offfetch(ALICE, "g1", "rw", &perr), KERR_NONE);
	CHECK_EQ(perr, KERR_NONE);
	CHECK_EQ(offfetch(ALICE, "g1", "other", &perr), KERR_NONE);
	CHECK_EQ(perr, KERR_TOPIC_AUTHORIZATION_FAILED);
	/* ListGroups: DESCRIBE on the cluster lists every group. */
	CHECK(!group_listed("User:carol", "g1"));
	allow(ACL_RES_CLUSTER, ACL_PAT_LITERAL, ACL_CLUSTER_NAME, "User:carol",
	      "*", ACL_OP_DESCRIBE, ACL_PERM_ALLOW);
	CHECK(group_listed("User:carol", "g1"));
}

/* The admin APIs on groups and topics: DeleteGroups DELETE on the group,
 * OffsetDelete DELETE on the group then READ on the topic, CreatePartitions
 * ALTER, DeleteRecords DELETE, OffsetForLeaderEpoch DESCRIBE on the topic
 * or CLUSTER_ACTION on the cluster. */
static void admin_wired(void)
{
	int16_t perr;

	CHECK_EQ(createtopic(ADMIN, "grow"), KERR_NONE);
	CHECK_EQ(produce(ADMIN, "grow"), KERR_NONE);
	CHECK_EQ(commit(ADMIN, "g2", "pub-a"), KERR_NONE);
	CHECK_EQ(commit(ADMIN, "g2", "grow"), KERR_NONE);

	/* Groups: READ (alice has it on nothing here) is not DELETE. */
	allow(ACL_RES_GROUP, ACL_PAT_LITERAL, "g2", ALICE, "*", ACL_OP_READ,
	      ACL_PERM_ALLOW);
	CHECK_EQ(offsetdelete(ALICE, "g2", "pub-a", &perr),
		 KERR_GROUP_AUTHORIZATION_FAILED);
	CHECK_EQ(perr, -1);
	CHECK_EQ(deletegroup(ALICE, "g2"), KERR_GROUP_AUTHORIZATION_FAILED);
	CHECK(group_listed(ADMIN, "g2"));
	allow(ACL_RES_GROUP, ACL_PAT_LITERAL, "g2", ALICE, "*", ACL_OP_DELETE,
	      ACL_PERM_ALLOW);
	/* The group allowed, the topic decides: READ on pub- only. */
	CHECK_EQ(offsetdelete(ALICE, "g2", "grow", &perr), KERR_NONE);
	CHECK_EQ(perr, KERR_TOPIC_AUTHORIZATION_FAILED);
	CHECK_EQ(offsetdelete(ALICE, "g2", "pub-a", &perr), KERR_NONE);
	CHECK_EQ(perr, KERR_NONE);
	CHECK_EQ(deletegroup(ALICE, "g2"), KERR_NONE);
	CHECK(!group_listed(ADMIN, "g2"));

	/* CreatePartitions: ALTER; an absent topic is not disclosed. */
	CHECK_EQ(createpartitions(ALICE, "grow", 2),
		 KERR_TOPIC_AUTHORIZATION_FAILED);
	CHECK_EQ(createpartitions(ALICE, "no-such", 2),
		 KERR_TOPIC_AUTHORIZATION_FAILED);
	CHECK_EQ(topics_partitions(th_b.topics, "grow"), 1);
	allow(ACL_RES_TOPIC, ACL_PAT_LITERAL, "grow", ALICE, "*", ACL_OP_ALTER,
	      ACL_PERM_ALLOW);
	CHECK_EQ(createpartitions(ALICE, "grow", 2), KERR_NONE);
	CHECK_EQ(topics_partitions(th_b.topics, "grow"), 2);

	/* DeleteRecords: DELETE (ALTER is not enough). */
	CHECK_EQ(per_partition(ALICE, API_DELETE_RECORDS, "grow"),
		 KERR_TOPIC_AUTHORIZATION_FAILED);
	allow(ACL_RES_TOPIC, ACL_PAT_LITERAL, "grow", ALICE, "*", ACL_OP_DELETE,
	      ACL_PERM_ALLOW);
	CHECK_EQ(per_partition(ALICE, API_DELETE_RECORDS, "grow"), KERR_NONE);
	/* Produce by topic ID (v13): the topic the ID names needs WRITE. */
	CHECK_EQ(produce_v(ALICE, "grow", 13), KERR_TOPIC_AUTHORIZATION_FAILED);
	CHECK_EQ(produce_v(ADMIN, "grow", 13), KERR_NONE);
	allow(ACL_RES_TOPIC, ACL_PAT_LITERAL, "grow", ALICE, "*", ACL_OP_WRITE,
	      ACL_PERM_ALLOW);
	CHECK_EQ(produce_v(ALICE, "grow", 13), KERR_NONE);

	/* OffsetForLeaderEpoch: DESCRIBE on the topic (ALTER implies it
	 * in Kafka), or CLUSTER_ACTION for every topic. */
	CHECK_EQ(
	    per_partition("User:dave", API_OFFSET_FOR_LEADER_EPOCH, "grow"),
	    KERR_TOPIC_AUTHORIZATION_FAILED);
	allow(ACL_RES_TOPIC, ACL_PAT_LITERAL, "grow", "User:dave", "*",
	      ACL_OP_DESCRIBE, ACL_PERM_ALLOW);
	CHECK_EQ(
	    per_partition("User:dave", API_OFFSET_FOR_LEADER_EPOCH, "grow"),
	    KERR_NONE);
	CHECK_EQ(
	    per_partition("User:dave", API_OFFSET_FOR_LEADER_EPOCH, "secret"),
	    KERR_TOPIC_AUTHORIZATION_FAILED);
	allow(ACL_RES_CLUSTER, ACL_PAT_LITERAL, ACL_CLUSTER_NAME, "User:dave",
	      "*", ACL_OP_CLUSTER_ACTION, ACL_PERM_ALLOW);
	CHECK_EQ(
	    per_partition("User:dave", API_OFFSET_FOR_LEADER_EPOCH, "secret"),
	    KERR_NONE);
}

/* DescribeConfigs, AlterConfigs, IncrementalAlterConfigs: *_CONFIGS on
 * the topic, or on the cluster for the broker; DescribeCluster's
 * authorized operations. */
static void configs_wired(void)
{
	const struct topic_cfg *tc;
	int32_t n = -1;

	CHECK_EQ(createtopic(ADMIN, "cfg"), KERR_NONE);
	/* Nothing granted: refused, an absent topic alike. */
	CHECK_EQ(describeconfigs(FRANK, RES_TOPIC, "cfg", &n),
		 KERR_TOPIC_AUTHORIZATION_FAILED);
	CHECK_EQ(n, 0);
	CHECK_EQ(describeconfigs(FRANK, RES_TOPIC, "no-such", &n),
		 KERR_TOPIC_AUTHORIZATION_FAILED);
	CHECK_EQ(describeconfigs(FRANK, RES_BROKER, "", &n),
		 KERR_CLUSTER_AUTHORIZATION_FAILED);
	CHECK_EQ(n, 0);
	alter_both(RES_TOPIC, "cfg", "12345", KERR_TOPIC_AUTHORIZATION_FAILED);
	CHECK_EQ(topics_config(th_b.topics, "cfg")->set, 0u);
	alter_both(RES_BROKER, "", "1", KERR_CLUSTER_AUTHORIZATION_FAILED);
	/* Asked, without DESCRIBE on the cluster: none. */
	CHECK_EQ(cluster_ops(FRANK, true), 0);
	CHECK_EQ(cluster_ops(FRANK, false), INT32_MIN);

	/* DESCRIBE_CONFIGS: reading, not altering. */
	allow(ACL_RES_TOPIC, ACL_PAT_LITERAL, "cfg", FRANK, "*",
	      ACL_OP_DESCRIBE_CONFIGS, ACL_PERM_ALLOW);
	CHECK_EQ(describeconfigs(FRANK, RES_TOPIC, "cfg", &n), KERR_NONE);
	CHECK_EQ(n, TCFG_NKEYS);
	CHECK_EQ(describeconfigs(FRANK, RES_BROKER, "", &n),
		 KERR_CLUSTER_AUTHORIZATION_FAILED);
	alter_both(RES_TOPIC, "cfg", "12345", KERR_TOPIC_AUTHORIZATION_FAILED);
	allow(ACL_RES_CLUSTER, ACL_PAT_LITERAL, ACL_CLUSTER_NAME, FRANK, "*",
	      ACL_OP_DESCRIBE_CONFIGS, ACL_PERM_ALLOW);
	CHECK_EQ(describeconfigs(FRANK, RES_BROKER, "", &n), KERR_NONE);
	CHECK(n > 0);

	/* ALTER_CONFIGS: each alter applies. */
	allow(ACL_RES_TOPIC, ACL_PAT_LITERAL, "cfg", FRANK, "*",
	      ACL_OP_ALTER_CONFIGS, ACL_PERM_ALLOW);
	CHECK_EQ(alterconfig(FRANK, API_INCREMENTAL_ALTER_CONFIGS, RES_TOPIC,
			     "cfg", "retention.ms", "12345"),
		 KERR_NONE);
	tc = topics_config(th_b.topics, "cfg");
	CHECK_EQ(tc->set, 1u << TCFG_RETENTION_MS);
	CHECK_EQ(tc->v[TCFG_RETENTION_MS], 12345);
	CHECK_EQ(alterconfig(FRANK, API_ALTER_CONFIGS, RES_TOPIC, "cfg",
			     "retention.ms", "23456"),
		 KERR_NONE);
	CHECK_EQ(topics_config(th_b.topics, "cfg")->v[TCFG_RETENTION_MS],
		 23456);
	/* On the cluster, the broker's own refusal is what remains. */
	allow(ACL_RES_CLUSTER, ACL_PAT_LITERAL, ACL_CLUSTER_NAME, FRANK, "*",
	      ACL_OP_ALTER_CONFIGS, ACL_PERM_ALLOW);
	alter_both(RES_BROKER, "", "1", KERR_INVALID_REQUEST);

	/* DescribeCluster: still 0 without DESCRIBE; with it, what is
	 * allowed (ALTER_CONFIGS implies DESCRIBE_CONFIGS). */
	CHECK_EQ(cluster_ops(FRANK, true), 0);
	allow(ACL_RES_CLUSTER, ACL_PAT_LITERAL, ACL_CLUSTER_NAME, FRANK, "*",
	      ACL_OP_DESCRIBE, ACL_PERM_ALLOW);
	CHECK_EQ(cluster_ops(FRANK, true), OPBIT(ACL_OP_DESCRIBE) |
					       OPBIT(ACL_OP_DESCRIBE_CONFIGS) |
					       OPBIT(ACL_OP_ALTER_CONFIGS));
	CHECK_EQ(cluster_ops(ADMIN, true), ALL_CLUSTER_OPS);
}

/* Fetch sessions: a topic refused is answered so whether the request or
 * the session names it, the session's partitions checked at every fetch. */
static void session_refusals(void)
{
	static const char *const names[2] = {"sess", "sess2"};
	int16_t errs[2];
	int32_t sid = 0;

	CHECK_EQ(createtopic(ADMIN, "sess"), KERR_NONE);
	CHECK_EQ(createtopic(ADMIN, "sess2"), KERR_NONE);
	CHECK_EQ(produce(ADMIN, "sess"), KERR_NONE);
	allow(ACL_RES_TOPIC, ACL_PAT_LITERAL, "sess", "User:erin", "*",
	      ACL_OP_READ, ACL_PERM_ALLOW);
	/* A full fetch opens the session. */
	CHECK_EQ(fetch_sess("User:erin", &sid, 0, "sess", names, errs, 2),
		 KERR_NONE);
	CHECK(sid > 0);
	CHECK_EQ(errs[0], KERR_NONE);
	/* Incremental, the request naming nothing: the session's partition
	 * (its records again: the fetch offset stays 0). */
	CHECK_EQ(fetch_sess("User:erin", &sid, 1, NULL, names, errs, 2),
		 KERR_NONE);
	CHECK_EQ(errs[0], KERR_NONE);
	CHECK_EQ(errs[1], -1);
	/* READ taken away: the session's partition is refused; one the
	 * request adds (no ACL) as well. */
	allow(ACL_RES_TOPIC, ACL_PAT_LITERAL, "sess", "User:erin", "*",
	      ACL_OP_READ, ACL_PERM_DENY);
	CHECK_EQ(fetch_sess("User:erin", &sid, 2, "sess2", names, errs, 2),
		 KERR_NONE);
	CHECK_EQ(errs[0], KERR_TOPIC_AUTHORIZATION_FAILED);
	CHECK_EQ(errs[1], KERR_TOPIC_AUTHORIZATION_FAILED);
	/* Another principal on the same session: its own ACLs apply. */
	CHECK_EQ(fetch_sess(ADMIN, &sid, 3, NULL, names, errs, 2), KERR_NONE);
	CHECK_EQ(errs[0], KERR_NONE);
	CHECK_EQ(errs[1], KERR_NONE);
}

/* The store across a restart; allow.everyone.if.no.acl.found; a damaged
 * store refused. */
static void restart(void)
{
	int32_t bytes;
	char path[4200];

	stop();
	start(true, true);
	CHECK(listed(ALICE, "pub-a")); /* kept: READ on pub- */
	CHECK_EQ(fetch(ALICE, "secret", &bytes), KERR_NONE); /* host test */
	CHECK_EQ(produce(ALICE, "rw"), KERR_TOPIC_AUTHORIZATION_FAILED);
	/* mine-2 has ACLs (prefixed mine-): no write for alice. */
	CHECK_EQ(produce(ALICE, "mine-2"), KERR_TOPIC_AUTHORIZATION_FAILED);
	/* A topic no binding applies to: everyone may. */
	CHECK_EQ(createtopic(ADMIN, "free"), KERR_NONE);
	CHECK_EQ(produce("User:nobody", "free"), KERR_NONE);
	CHECK_EQ(fetch("User:nobody", "free", &bytes), KERR_NONE);
	CHECK(bytes > 0);
	stop();

	start(true, false);
	CHECK_EQ(produce("User:nobody", "free"),
		 KERR_TOPIC_AUTHORIZATION_FAILED);
	stop();

	snprintf(path, sizeof(path), "%s/data/%s", t_tmpdir(), ACL_FILE);
	FILE *f = fopen(path, "r+");
	CHECK(f != NULL);
	if (f) {
		fseek(f, 20, SEEK_SET);
		fputc('#', f);
		fclose(f);
	}
	cfg_enabled = true;
	config_defaults(&th_b.cfg);
	snprintf(th_b.cfg.data_dir, sizeof(th_b.cfg.data_dir), "%s/data",
		 t_tmpdir());
	configure(&th_b.cfg);
	blog_quiet(1);
	CHECK_EQ(broker_open(&th_b), -EBADMSG);
	blog_quiet(0);
	broker_close(&th_b);
	/* Disabled, the store is not read: the broker starts. */
	start(false, false);
	stop();
}

int main(void)
{
	ks_arena_init(&A, 256u << 20);
	disabled();
	start(true, false);
	admin_apis();
	topics_apis();
	group_apis();
	admin_wired();
	configs_wired();
	session_refusals();
	restart();
	ks_arena_free(&A);
	return t_result();
}
