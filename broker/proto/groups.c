/* SPDX-License-Identifier: MIT */
/*
 * groups.c — the group APIs' wire format: FindCoordinator v0-6,
 * JoinGroup v0-9, SyncGroup v0-5, Heartbeat v0-4, LeaveGroup v0-5,
 * DescribeGroups v0-6 and ListGroups v0-5 through the table-driven codec
 * (proto/ks_handler.h); OffsetCommit and OffsetFetch are in offsets.c,
 * DeleteGroups and OffsetDelete in groups_admin.c. Decisions are
 * group/coord.c's. Member metadata and assignments are opaque bytes. Each
 * request's group.instance.id (v3+ of SyncGroup, Heartbeat and LeaveGroup,
 * v5+ of JoinGroup) goes to the coordinator, which fences an old
 * incarnation of a static member (KIP-345).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authorize.h"
#include "blog.h"
#include "broker.h"
#include "group/coord.h"
#include "proto/ks_handler.h"

#define NAME_MAX_LEN 1024

/* ---- the coordinator's answers ----------------------------------------- */

#define GROUP_TICK_MS 100

/* What a JoinGroup answer may cost beside its members' metadata. */
#define JOIN_ARENA (64 * 1024)
/* A cap (not an allocation) on the nodes of a DescribeGroups or
 * ListGroups answer: about 100 bytes a member or group, so far more than
 * a broker holds. */
#define GROUPS_ARENA (64u << 20)

static void encode_join(struct resp *r, int16_t ver, const void *state)
{
	const struct join_result *res = state;
	const struct group *g = res->g;
	const struct ks_msg *m = ks_resp(API_JOIN_GROUP);
	const struct ks_struct *ms = ks_sub(&m->root, "Members");
	struct ks_arena a;
	struct kv *v;
	int32_t n = g && res->leader ? g->nmembers : 0, i = 0;

	ks_arena_init(&a, JOIN_ARENA + (size_t)n * 8 * sizeof(struct kv));
	v = ks_new(m, &a);
	if (!v || ks_resize(&m->root, v, "Members", n, &a) < 0) {
		r->w.err = true;
		goto out;
	}
	ks_get(&m->root, v, "ErrorCode")->i = res->err;
	ks_get(&m->root, v, "GenerationId")->i = g ? g->gen : -1;
	kv_setstr(ks_get(&m->root, v, "ProtocolType"),
		  g ? g->protocol_type : NULL);
	/* Nullable from v7 (KIP-559): null until a protocol is chosen. */
	kv_setstr(ks_get(&m->root, v, "ProtocolName"), g && g->protocol
							   ? g->protocol
						       : ver >= 7 ? NULL
								  : "");
	kv_setstr(ks_get(&m->root, v, "Leader"), res->leader_id ? res->leader_id
						 : g && g->leader ? g->leader
								  : "");
	ks_get(&m->root, v, "SkipAssignment")->i = res->skip_assign;
	kv_setstr(ks_get(&m->root, v, "MemberId"), res->member_id);
	for (struct gmember *gm = n ? g->members : NULL; gm; gm = gm->next) {
		struct kv *e = &ks_get(&m->root, v, "Members")->a.v[i++];
		const struct gproto *p = member_chosen(g, gm);

		kv_setstr(ks_get(ms, e, "MemberId"), gm->id);
		kv_setstr(ks_get(ms, e, "GroupInstanceId"), gm->instance_id);
		kv_setbytes(ks_get(ms, e, "Metadata"), p ? p->meta : NULL,
			    p ? p->len : 0);
	}
	if (ks_encode(m, ver, v, &r->w) < 0)
		r->w.err = true;
out:
	ks_arena_free(&a);
}

struct sync_answer {
	enum kerr err;
	const uint8_t *assign;
	int32_t len;
};

static void encode_sync(struct resp *r, int16_t ver, const void *state)
{
	const struct sync_answer *sa = state;
	const struct ks_msg *m = ks_resp(API_SYNC_GROUP);
	struct ks_arena a;
	struct kv *v;

	/* ProtocolType and ProtocolName (v5+) stay null: the group is not
	 * known here, and clients (KIP-559) accept null as "not checked". */
	ks_arena_init(&a, JOIN_ARENA);
	v = ks_new(m, &a);
	if (v) {
		ks_get(&m->root, v, "ErrorCode")->i = sa->err;
		kv_setbytes(ks_get(&m->root, v, "Assignment"), sa->assign,
			    sa->len);
	}
	if (!v || ks_encode(m, ver, v, &r->w) < 0)
		r->w.err = true;
	ks_arena_free(&a);
}

static void join_done(void *req, const struct join_result *res, void *ctx)
{
	preply_answer(req, encode_join, res);
}

static void sync_done(void *req, enum kerr err, const uint8_t *assign,
		      int32_t len, void *ctx)
{
	struct sync_answer a = {err, assign, len};
	preply_answer(req, encode_sync, &a);
}

/* A JoinGroup or SyncGroup whose connection closed before its answer. */
static void group_req_cancel(struct preply *p, void *arg)
{
	struct broker *b = arg;
	coord_cancel(b->coord, p, ev_now_ms());
}

static void group_tick(struct ev_loop *ev, uint64_t id, void *arg)
{
	struct broker *b = arg;
	coord_tick(b->coord, ev_now_ms());
	b->group_timer = ev_timer(ev, GROUP_TICK_MS, group_tick, b);
}

int groups_start(struct broker *b)
{
	struct coord_settings set = {
	    .min_session_ms = b->cfg.group_min_session_ms,
	    .max_session_ms = b->cfg.group_max_session_ms,
	    .initial_delay_ms = b->cfg.group_initial_delay_ms,
	    .id_salt = (uint64_t)ev_wall_ms()};
	struct coord_ops ops = {join_done, sync_done, b};
	int rc = coord_create(&b->coord, &set, &ops);
	if (rc)
		return rc;
	b->group_timer = ev_timer(b->ev, GROUP_TICK_MS, group_tick, b);
	return 0;
}

void groups_stop(struct broker *b)
{
	ev_timer_del(b->ev, b->group_timer);
	coord_free(b->coord);
	b->coord = NULL;
}

/* A pending reply for a group request, or NULL (out of memory). */
static struct preply *group_req(struct broker *b, struct conn *c,
				const struct kreq *q)
{
	struct preply *p = preply_open(c, q);
	if (p)
		preply_on_cancel(p, group_req_cancel, b);
	return p;
}

/* ACLs: op on the group (GROUP_AUTHORIZATION_FAILED otherwise). */
static bool group_ok(struct broker *b, struct conn *c, enum acl_op op,
		     const char *group)
{
	return broker_authorized(b, c, op, ACL_RES_GROUP, group);
}

/* ACLs: READ on the group for a member's requests; when refused, false
 * and the answer's ErrorCode says so. */
static bool member_may(struct ks_call *k, const char *group)
{
	if (group_ok(k->b, k->c, ACL_OP_READ, group))
		return true;
	KR(k, "ErrorCode")->i = KERR_GROUP_AUTHORIZATION_FAILED;
	return false;
}

/* ---- FindCoordinator ---------------------------------------------------- */

/* ACLs: DESCRIBE on the group, or on the transactional id, named by key. */
static enum kerr key_denied(struct ks_call *k, int type, struct kstr key)
{
	char name[NAME_MAX_LEN];

	if (!k->b->cfg.authz.enabled || type > 1)
		return KERR_NONE;
	if (!kstr_copy(name, sizeof(name), key))
		name[0] = 0;
	if (type == 0)
		return group_ok(k->b, k->c, ACL_OP_DESCRIBE, name)
			   ? KERR_NONE
			   : KERR_GROUP_AUTHORIZATION_FAILED;
	return broker_authorized(k->b, k->c, ACL_OP_DESCRIBE,
				 ACL_RES_TRANSACTIONAL_ID, name)
		   ? KERR_NONE
		   : KERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
}

static int findcoordinator(struct ks_call *k)
{
	struct broker *b = k->b;
	const struct ks_struct *cs = ks_sub(&k->rm->root, "Coordinators");
	/* Transaction (1) and share (2) coordinators are not offered. */
	int type = (int)KQ(k, "KeyType")->i;
	enum kerr err = type == 0 ? KERR_NONE : KERR_COORDINATOR_NOT_AVAILABLE;
	const char *msg = err ? "Only group coordination is offered." : NULL;
	const char *host;
	int port;

	broker_advertised(b, k->c, &host, &port);
	if (k->q->ver < 4) {
		enum kerr denied = key_denied(k, type, KQ(k, "Key")->s);
		if (denied) {
			err = denied;
			msg = NULL;
		}
		KR(k, "ErrorCode")->i = err;
		kv_setstr(KR(k, "ErrorMessage"), msg);
		KR(k, "NodeId")->i = err ? -1 : b->cfg.node_id;
		kv_setstr(KR(k, "Host"), err ? "" : host);
		KR(k, "Port")->i = err ? -1 : port;
		return API_REPLY;
	}
	/* v4+: a batch of keys (KIP-699), each answered alike. */
	struct kv *keys = KQ(k, "CoordinatorKeys");
	if (ks_resize(&k->rm->root, k->resp, "Coordinators", keys->a.n, &k->a) <
	    0)
		return -ENOMEM;
	for (int32_t i = 0; i < keys->a.n; i++) {
		struct kv *e = &KR(k, "Coordinators")->a.v[i];
		enum kerr denied = key_denied(k, type, keys->a.v[i].s);
		ks_get(cs, e, "Key")->s = keys->a.v[i].s;
		if (denied) {
			ks_get(cs, e, "NodeId")->i = -1;
			kv_setstr(ks_get(cs, e, "Host"), "");
			ks_get(cs, e, "Port")->i = -1;
			ks_get(cs, e, "ErrorCode")->i = denied;
			continue;
		}
		ks_get(cs, e, "NodeId")->i = err ? -1 : b->cfg.node_id;
		kv_setstr(ks_get(cs, e, "Host"), err ? "" : host);
		ks_get(cs, e, "Port")->i = err ? -1 : port;
		ks_get(cs, e, "ErrorCode")->i = err;
		kv_setstr(ks_get(cs, e, "ErrorMessage"), msg);
	}
	return API_REPLY;
}

int api_findcoordinator(struct broker *b, struct conn *c, const struct kreq *q,
			struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, 0, findcoordinator);
}

/* ---- JoinGroup / SyncGroup ------------------------------------------------
 */

/* A request's string field as a C string ("" for null); false if longer
 * than the buffer. */
static bool kq_name(struct ks_call *k, const char *field, char *dst, size_t cap)
{
	struct kstr s = KQ(k, field)->s;
	if (s.len < 0) {
		dst[0] = 0;
		return true;
	}
	return kstr_copy(dst, cap, s);
}

/* A group.instance.id (v5+) makes the member static (KIP-345, coord.h). */
static int joingroup(struct ks_call *k)
{
	char group[NAME_MAX_LEN], member[NAME_MAX_LEN], inst[NAME_MAX_LEN];
	char ptype[256], client[NAME_MAX_LEN], host[80];
	const struct ks_struct *ps = ks_sub(&k->qm->root, "Protocols");
	struct kv *pv = KQ(k, "Protocols");
	struct kstr is = KQ(k, "GroupInstanceId")->s;
	struct join_args a = {0};
	int32_t n = pv->a.n;

	if (!kq_name(k, "GroupId", group, sizeof(group)) ||
	    !kq_name(k, "MemberId", member, sizeof(member)) ||
	    !kq_name(k, "ProtocolType", ptype, sizeof(ptype)) || n < 0 ||
	    (is.len >= 0 && !kstr_copy(inst, sizeof(inst), is)))
		return API_BAD;
	if (!member_may(k, group))
		return API_REPLY;
	a.session_ms = (int32_t)KQ(k, "SessionTimeoutMs")->i;
	a.rebalance_ms = k->q->ver >= 1
			     ? (int32_t)KQ(k, "RebalanceTimeoutMs")->i
			     : a.session_ms;
	struct gproto *protos = ks_alloc(&k->a, (n ? n : 1) * sizeof(*protos));
	char *names = ks_alloc(&k->a, (size_t)(n ? n : 1) * 256);
	if (!protos || !names)
		return -ENOMEM;
	for (int32_t i = 0; i < n; i++) {
		struct kv *e = &pv->a.v[i];
		struct kstr m = ks_get(ps, e, "Metadata")->s;
		if (!kstr_copy(names + i * 256, 256, ks_get(ps, e, "Name")->s))
			return API_BAD;
		protos[i].name = names + i * 256;
		protos[i].meta = (uint8_t *)m.p;
		protos[i].len = m.len < 0 ? 0 : m.len;
	}
	if (!kstr_copy(client, sizeof(client), k->q->client_id))
		client[0] = 0;
	snprintf(host, sizeof(host), "/%s", k->c->peer);
	char *colon = strrchr(host, ':');
	if (colon)
		*colon = 0;
	a.group = group;
	a.member_id = member;
	a.instance_id = is.len >= 0 ? inst : NULL;
	a.protocol_type = ptype;
	a.client_id = client;
	a.client_host = host;
	a.nprotos = n;
	a.protos = protos;
	a.can_skip = k->q->ver >= 9;
	struct preply *p = group_req(k->b, k->c, k->q);
	if (!p)
		return -ENOMEM;
	coord_join(k->b->coord, p, &a, ev_now_ms());
	return API_PENDING;
}

int api_joingroup(struct broker *b, struct conn *c, const struct kreq *q,
		  struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, 0, joingroup);
}

/* SyncGroup v5 names the protocol the member thinks was chosen: a group
 * that chose another is answered INCONSISTENT_GROUP_PROTOCOL (KIP-559). */
static bool sync_consistent(struct ks_call *k, const char *group)
{
	struct group *g = coord_group(k->b->coord, group);
	struct kstr t = KQ(k, "ProtocolType")->s, n = KQ(k, "ProtocolName")->s;

	if (!g)
		return true;
	return (t.len < 0 ||
		(g->protocol_type && kstr_eq(t, g->protocol_type))) &&
	       (n.len < 0 || (g->protocol && kstr_eq(n, g->protocol)));
}

/* A request's nullable group.instance.id into buf: buf, or NULL when null
 * (or absent at this version); false if too long. */
static bool kq_instance(struct ks_call *k, const char *field, char *buf,
			size_t cap, const char **out)
{
	struct kstr s = KQ(k, field)->s;
	*out = NULL;
	if (s.len < 0)
		return true;
	*out = buf;
	return kstr_copy(buf, cap, s);
}

static int syncgroup(struct ks_call *k)
{
	char group[NAME_MAX_LEN], member[NAME_MAX_LEN], ibuf[NAME_MAX_LEN];
	const char *inst;
	const struct ks_struct *as_s = ks_sub(&k->qm->root, "Assignments");
	struct kv *av = KQ(k, "Assignments");
	int32_t n = av->a.n, gen = (int32_t)KQ(k, "GenerationId")->i;

	if (!kq_name(k, "GroupId", group, sizeof(group)) ||
	    !kq_name(k, "MemberId", member, sizeof(member)) || n < 0 ||
	    !kq_instance(k, "GroupInstanceId", ibuf, sizeof(ibuf), &inst))
		return API_BAD;
	if (!member_may(k, group))
		return API_REPLY;
	if (!sync_consistent(k, group)) {
		KR(k, "ErrorCode")->i = KERR_INCONSISTENT_GROUP_PROTOCOL;
		return API_REPLY;
	}
	char **ids = ks_alloc(&k->a, (n ? n : 1) * sizeof(*ids));
	struct gproto *as = ks_alloc(&k->a, (n ? n : 1) * sizeof(*as));
	if (!ids || !as)
		return -ENOMEM;
	for (int32_t i = 0; i < n; i++) {
		struct kstr id = ks_get(as_s, &av->a.v[i], "MemberId")->s;
		struct kstr m = ks_get(as_s, &av->a.v[i], "Assignment")->s;
		if (id.len < 0 ||
		    !(ids[i] = ks_alloc(&k->a, (size_t)id.len + 1)))
			return id.len < 0 ? API_BAD : -ENOMEM;
		memcpy(ids[i], id.p, (size_t)id.len);
		as[i].meta = (uint8_t *)m.p;
		as[i].len = m.len < 0 ? 0 : m.len;
	}
	struct preply *p = group_req(k->b, k->c, k->q);
	if (!p)
		return -ENOMEM;
	coord_sync(k->b->coord, p, group, gen, member, inst, n, ids, as,
		   ev_now_ms());
	return API_PENDING;
}

int api_syncgroup(struct broker *b, struct conn *c, const struct kreq *q,
		  struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, 0, syncgroup);
}

/* ---- Heartbeat / LeaveGroup ------------------------------------------------
 */

static int heartbeat(struct ks_call *k)
{
	char group[NAME_MAX_LEN], member[NAME_MAX_LEN], ibuf[NAME_MAX_LEN];
	int32_t gen = (int32_t)KQ(k, "GenerationId")->i;
	const char *inst;

	if (!kq_name(k, "GroupId", group, sizeof(group)) ||
	    !kq_name(k, "MemberId", member, sizeof(member)) ||
	    !kq_instance(k, "GroupInstanceId", ibuf, sizeof(ibuf), &inst))
		return API_BAD;
	enum kerr err = !group_ok(k->b, k->c, ACL_OP_READ, group)
			    ? KERR_GROUP_AUTHORIZATION_FAILED
			    : coord_heartbeat(k->b->coord, group, gen, member,
					      inst, ev_now_ms());
	blog_debug("%s: Heartbeat %s gen %d member %s: %s", k->c->peer, group,
		   gen, member, kerr_name(err));
	KR(k, "ErrorCode")->i = err;
	return API_REPLY;
}

int api_heartbeat(struct broker *b, struct conn *c, const struct kreq *q,
		  struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, 0, heartbeat);
}

/* One member leaves: by member id, or (v3+) by group.instance.id with an
 * empty member id; the instance, when given, must hold that member id. */
static enum kerr leave_one(struct ks_call *k, const char *group, struct kstr id,
			   struct kstr is)
{
	char member[NAME_MAX_LEN], inst[NAME_MAX_LEN];

	if (id.len < 0)
		id.len = 0;
	if (!kstr_copy(member, sizeof(member), id) ||
	    (is.len >= 0 && !kstr_copy(inst, sizeof(inst), is)))
		return KERR_UNKNOWN_MEMBER_ID;
	enum kerr err = coord_leave(k->b->coord, group, member,
				    is.len >= 0 ? inst : NULL, ev_now_ms());
	blog_debug("%s: LeaveGroup %s member '%s' instance '%s': %s",
		   k->c->peer, group, member, is.len >= 0 ? inst : "",
		   kerr_name(err));
	return err;
}

static int leavegroup(struct ks_call *k)
{
	char group[NAME_MAX_LEN];
	const struct ks_struct *qs = ks_sub(&k->qm->root, "Members");
	const struct ks_struct *rs = ks_sub(&k->rm->root, "Members");

	if (!kq_name(k, "GroupId", group, sizeof(group)))
		return API_BAD;
	if (!member_may(k, group))
		return API_REPLY;
	if (k->q->ver < 3) {
		struct kstr none = {NULL, -1};
		KR(k, "ErrorCode")->i =
		    leave_one(k, group, KQ(k, "MemberId")->s, none);
		return API_REPLY;
	}
	/* v3+: a batch of members (KIP-345), each with its own error. */
	struct kv *mv = KQ(k, "Members");
	if (ks_resize(&k->rm->root, k->resp, "Members", mv->a.n, &k->a) < 0)
		return -ENOMEM;
	for (int32_t i = 0; i < mv->a.n; i++) {
		struct kv *e = &mv->a.v[i], *o = &KR(k, "Members")->a.v[i];
		struct kstr id = ks_get(qs, e, "MemberId")->s;
		struct kstr is = ks_get(qs, e, "GroupInstanceId")->s;
		ks_get(rs, o, "MemberId")->s = id;
		ks_get(rs, o, "GroupInstanceId")->s = is;
		ks_get(rs, o, "ErrorCode")->i = leave_one(k, group, id, is);
	}
	return API_REPLY;
}

int api_leavegroup(struct broker *b, struct conn *c, const struct kreq *q,
		   struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, 0, leavegroup);
}

/* ---- DescribeGroups / ListGroups ------------------------------------------
 */

static bool committed_group(struct broker *b, const char *name)
{
	const char *names[1024];
	size_t n = offstore_groups(b->offs, names, 1024);
	for (size_t i = 0; i < n && i < 1024; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

/* The answer for one group, by the name as asked (s). */
static int describe_one(struct ks_call *k, struct kv *o, struct kstr s)
{
	const struct ks_struct *gs = ks_sub(&k->rm->root, "Groups");
	const struct ks_struct *ms = ks_sub(gs, "Members");
	char name[NAME_MAX_LEN];

	if (s.len < 0 || !kstr_copy(name, sizeof(name), s))
		return API_BAD;
	ks_get(gs, o, "GroupId")->s = s;
	if (!group_ok(k->b, k->c, ACL_OP_DESCRIBE, name)) {
		ks_get(gs, o, "ErrorCode")->i = KERR_GROUP_AUTHORIZATION_FAILED;
		return API_REPLY;
	}
	struct group *g = coord_group(k->b->coord, name);
	if (!g) {
		/* Known only from committed offsets: Empty, as Kafka
		 * reports a group loaded without members. */
		kv_setstr(ks_get(gs, o, "GroupState"),
			  committed_group(k->b, name) ? "Empty" : "Dead");
		kv_setstr(ks_get(gs, o, "ProtocolType"), "");
		kv_setstr(ks_get(gs, o, "ProtocolData"), "");
		return API_REPLY;
	}
	bool stable = g->state == G_STABLE;
	kv_setstr(ks_get(gs, o, "GroupState"), coord_state_name(g->state));
	kv_setstr(ks_get(gs, o, "ProtocolType"),
		  g->protocol_type ? g->protocol_type : "");
	kv_setstr(ks_get(gs, o, "ProtocolData"),
		  stable && g->protocol ? g->protocol : "");
	if (ks_resize(gs, o, "Members", g->nmembers, &k->a) < 0)
		return -ENOMEM;
	int32_t i = 0;
	for (struct gmember *m = g->members; m; m = m->next) {
		struct kv *e = &ks_get(gs, o, "Members")->a.v[i++];
		const struct gproto *p = stable ? member_chosen(g, m) : NULL;
		kv_setstr(ks_get(ms, e, "MemberId"), m->id);
		kv_setstr(ks_get(ms, e, "GroupInstanceId"), m->instance_id);
		kv_setstr(ks_get(ms, e, "ClientId"), m->client_id);
		kv_setstr(ks_get(ms, e, "ClientHost"),
			  m->client_host ? m->client_host : "");
		kv_setbytes(ks_get(ms, e, "MemberMetadata"), p ? p->meta : NULL,
			    p ? p->len : 0);
		kv_setbytes(ks_get(ms, e, "MemberAssignment"),
			    stable ? m->assign : NULL, m->assign_len);
	}
	return API_REPLY;
}

static int describegroups(struct ks_call *k)
{
	struct kv *names = KQ(k, "Groups");
	int rc = API_REPLY;

	if (ks_resize(&k->rm->root, k->resp, "Groups", names->a.n, &k->a) < 0)
		return -ENOMEM;
	for (int32_t i = 0; i < names->a.n && rc == API_REPLY; i++)
		rc = describe_one(k, &KR(k, "Groups")->a.v[i], names->a.v[i].s);
	return rc;
}

int api_describegroups(struct broker *b, struct conn *c, const struct kreq *q,
		       struct kr *in, struct resp *r)
{
	/* Members' metadata and assignments point at the groups' own
	 * bytes: the answer's nodes are what it costs (GROUPS_ARENA). */
	return ks_handle(b, c, q, in, r, GROUPS_ARENA, describegroups);
}

/* Whether a listed value passes a filter (empty: everything), compared
 * case-insensitively as Kafka compares states and types (KIP-518, 848). */
static bool passes(const struct kv *filter, const char *value)
{
	if (filter->a.n <= 0)
		return true;
	for (int32_t i = 0; i < filter->a.n; i++) {
		struct kstr f = filter->a.v[i].s;
		if (f.len == (int32_t)strlen(value) &&
		    !strncasecmp(f.p, value, (size_t)f.len))
			return true;
	}
	return false;
}

/* Append one group to the answer unless filtered out. */
static int list_one(struct ks_call *k, int32_t *n, const char *name,
		    const char *type, const char *state)
{
	const struct ks_struct *gs = ks_sub(&k->rm->root, "Groups");
	struct kv *gv = KR(k, "Groups");

	if (!passes(KQ(k, "StatesFilter"), state) ||
	    !passes(KQ(k, "TypesFilter"), "classic"))
		return 0;
	/* ACLs: every group with DESCRIBE on the cluster, else those the
	 * principal may DESCRIBE. */
	if (!broker_authorized_cluster(k->b, k->c, ACL_OP_DESCRIBE) &&
	    !group_ok(k->b, k->c, ACL_OP_DESCRIBE, name))
		return 0;
	if (*n == gv->a.n) { /* grow by doubling */
		struct kv old = *gv;
		if (ks_array(ks_fld(&k->rm->root, "Groups"),
			     gv->a.n ? 2 * gv->a.n : 16, &k->a, gv) < 0)
			return -ENOMEM;
		if (old.a.n > 0)
			memcpy(gv->a.v, old.a.v,
			       (size_t)old.a.n * sizeof(*old.a.v));
	}
	struct kv *e = &gv->a.v[(*n)++];
	kv_setstr(ks_get(gs, e, "GroupId"), name);
	kv_setstr(ks_get(gs, e, "ProtocolType"), type);
	kv_setstr(ks_get(gs, e, "GroupState"), state);
	kv_setstr(ks_get(gs, e, "GroupType"), "classic");
	return 0;
}

static int listgroups(struct ks_call *k)
{
	int32_t n = 0;
	int rc = 0;

	for (struct group *g = k->b->coord->groups; g && !rc; g = g->next)
		rc = list_one(k, &n, g->name,
			      g->protocol_type ? g->protocol_type : "",
			      coord_state_name(g->state));
	/* Groups known only from committed offsets (after a restart). */
	const char *names[1024];
	size_t m = offstore_groups(k->b->offs, names, 1024);
	for (size_t i = 0; i < m && i < 1024 && !rc; i++)
		if (!coord_group(k->b->coord, names[i]))
			rc = list_one(k, &n, names[i], "", "Empty");
	if (rc < 0)
		return rc;
	KR(k, "Groups")->a.n = n;
	return API_REPLY;
}

int api_listgroups(struct broker *b, struct conn *c, const struct kreq *q,
		   struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, GROUPS_ARENA, listgroups);
}
