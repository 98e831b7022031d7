/* SPDX-License-Identifier: MIT */
/*
 * groups.c — the group APIs' wire format: FindCoordinator v0-2,
 * JoinGroup v0-5, SyncGroup v0-3, Heartbeat v0-3, LeaveGroup v0-1,
 * OffsetCommit v2-5, OffsetFetch v1-5, DescribeGroups v0-2 and
 * ListGroups v0-2. Decisions are group/coord.c's; committed offsets are
 * offstore's (log.h). Member metadata and assignments are opaque bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blog.h"
#include "broker.h"
#include "durable.h"
#include "group/coord.h"
#include "proto/topic_entry.h"

#define NAME_MAX_LEN 1024

/* ---- the coordinator's answers ----------------------------------------- */

#define GROUP_TICK_MS 100

static void encode_join(struct resp *r, int16_t ver, const void *state)
{
	const struct join_result *res = state;
	const struct group *g = res->g;
	struct kw *w = &r->w;
	if (ver >= 2)
		kw_i32(w, 0); /* throttle_time_ms */
	kw_i16(w, res->err);
	kw_i32(w, g ? g->gen : -1);
	kw_str(w, g && g->protocol ? g->protocol : "");
	kw_str(w, g && g->leader ? g->leader : "");
	kw_str(w, res->member_id);
	if (!g || !res->leader) {
		kw_array(w, 0);
		return;
	}
	kw_array(w, g->nmembers);
	for (struct gmember *m = g->members; m; m = m->next) {
		kw_str(w, m->id);
		if (ver >= 5)
			kw_str(w, m->instance_id);
		const struct gproto *p = member_chosen(g, m);
		kw_bytes(w, p ? p->meta : NULL, p ? p->len : 0);
	}
}

struct sync_answer {
	enum kerr err;
	const uint8_t *assign;
	int32_t len;
};

static void encode_sync(struct resp *r, int16_t ver, const void *state)
{
	const struct sync_answer *a = state;
	if (ver >= 1)
		kw_i32(&r->w, 0);
	kw_i16(&r->w, a->err);
	kw_bytes(&r->w, a->assign, a->assign ? a->len : 0);
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

/* ---- FindCoordinator ---------------------------------------------------- */

int api_findcoordinator(struct broker *b, struct conn *c, const struct kreq *q,
			struct kr *in, struct resp *r)
{
	struct kw *w = &r->w;
	kr_str(in); /* key */
	int8_t type = q->ver >= 1 ? kr_i8(in) : 0;
	if (!kr_ok(in))
		return API_BAD;
	/* Transaction coordinators (type 1) are not offered. */
	enum kerr err = type == 0 ? KERR_NONE : KERR_COORDINATOR_NOT_AVAILABLE;
	if (q->ver >= 1)
		kw_i32(w, 0);
	kw_i16(w, err);
	if (q->ver >= 1)
		kw_str(w, err ? "Only group coordination is offered." : NULL);
	kw_i32(w, err ? -1 : b->cfg.node_id);
	kw_str(w, err ? "" : b->adv_host);
	kw_i32(w, err ? -1 : b->adv_port);
	return API_REPLY;
}

/* ---- JoinGroup / SyncGroup ------------------------------------------------
 */

static bool take_name(struct kr *in, char *dst, size_t cap)
{
	struct kstr s = kr_str(in);
	if (s.len < 0) {
		dst[0] = 0;
		return true;
	}
	return kstr_copy(dst, cap, s);
}

/* The group_id, generation_id, member_id head of SyncGroup, Heartbeat and
 * OffsetCommit (both names NAME_MAX_LEN bytes); false if a name is bad. */
static bool take_member(struct kr *in, char *group, int32_t *gen, char *member)
{
	bool ok = take_name(in, group, NAME_MAX_LEN);
	*gen = kr_i32(in);
	return take_name(in, member, NAME_MAX_LEN) && ok;
}

int api_joingroup(struct broker *b, struct conn *c, const struct kreq *q,
		  struct kr *in, struct resp *r)
{
	char group[NAME_MAX_LEN], member[NAME_MAX_LEN], inst[NAME_MAX_LEN];
	char ptype[256], client[NAME_MAX_LEN], host[80];
	struct join_args a = {0};
	bool ok = take_name(in, group, sizeof(group));
	a.session_ms = kr_i32(in);
	a.rebalance_ms = q->ver >= 1 ? kr_i32(in) : a.session_ms;
	ok = take_name(in, member, sizeof(member)) && ok;
	struct kstr is = {NULL, -1};
	if (q->ver >= 5)
		is = kr_str(in);
	ok = take_name(in, ptype, sizeof(ptype)) && ok;
	int32_t n = kr_array_of(in, 2 + 4);
	if (!kr_ok(in) || !ok || n < 0)
		return API_BAD;
	if (is.len >= 0 && !kstr_copy(inst, sizeof(inst), is))
		return API_BAD;
	struct gproto *protos = calloc(n ? n : 1, sizeof(*protos));
	char *names = calloc(n ? n : 1, 256);
	int rc = API_BAD;
	if (!protos || !names)
		goto out;
	for (int32_t i = 0; i < n; i++) {
		if (!take_name(in, names + i * 256, 256))
			goto out;
		struct kstr m = kr_bytes(in);
		protos[i].name = names + i * 256;
		protos[i].meta = (uint8_t *)m.p;
		protos[i].len = m.len < 0 ? 0 : m.len;
	}
	if (!kr_ok(in))
		goto out;
	if (!kstr_copy(client, sizeof(client), q->client_id))
		client[0] = 0;
	snprintf(host, sizeof(host), "/%s", c->peer);
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
	struct preply *p = group_req(b, c, q);
	if (p) {
		coord_join(b->coord, p, &a, ev_now_ms());
		rc = API_PENDING;
	}
out:
	free(protos);
	free(names);
	return rc;
}

int api_syncgroup(struct broker *b, struct conn *c, const struct kreq *q,
		  struct kr *in, struct resp *r)
{
	char group[NAME_MAX_LEN], member[NAME_MAX_LEN];
	int32_t gen;
	bool ok = take_member(in, group, &gen, member);
	if (q->ver >= 3)
		kr_str(in); /* group_instance_id */
	int32_t n = kr_array_of(in, 2 + 4);
	if (!kr_ok(in) || !ok || n < 0)
		return API_BAD;
	char **ids = calloc(n ? n : 1, sizeof(*ids));
	struct gproto *as = calloc(n ? n : 1, sizeof(*as));
	int rc = API_BAD;
	int32_t got = 0;
	if (!ids || !as)
		goto out;
	for (; got < n; got++) {
		struct kstr id = kr_str(in);
		struct kstr m = kr_bytes(in);
		if (!kr_ok(in) || id.len < 0 ||
		    !(ids[got] = strndup(id.p, id.len)))
			goto out;
		as[got].meta = (uint8_t *)m.p;
		as[got].len = m.len < 0 ? 0 : m.len;
	}
	struct preply *p = group_req(b, c, q);
	if (p) {
		coord_sync(b->coord, p, group, gen, member, n, ids, as,
			   ev_now_ms());
		rc = API_PENDING;
	}
out:
	for (int32_t i = 0; ids && i < got; i++)
		free(ids[i]);
	free(ids);
	free(as);
	return rc;
}

/* ---- Heartbeat / LeaveGroup ------------------------------------------------
 */

int api_heartbeat(struct broker *b, struct conn *c, const struct kreq *q,
		  struct kr *in, struct resp *r)
{
	char group[NAME_MAX_LEN], member[NAME_MAX_LEN];
	int32_t gen;
	bool ok = take_member(in, group, &gen, member);
	if (q->ver >= 3)
		kr_str(in);
	if (!kr_ok(in) || !ok)
		return API_BAD;
	if (q->ver >= 1)
		kw_i32(&r->w, 0);
	enum kerr err =
	    coord_heartbeat(b->coord, group, gen, member, ev_now_ms());
	blog_debug("%s: Heartbeat %s gen %d member %s: %s", c->peer, group, gen,
		   member, kerr_name(err));
	kw_i16(&r->w, err);
	return API_REPLY;
}

int api_leavegroup(struct broker *b, struct conn *c, const struct kreq *q,
		   struct kr *in, struct resp *r)
{
	char group[NAME_MAX_LEN], member[NAME_MAX_LEN];
	bool ok = take_name(in, group, sizeof(group));
	ok = take_name(in, member, sizeof(member)) && ok;
	if (!kr_ok(in) || !ok)
		return API_BAD;
	if (q->ver >= 1)
		kw_i32(&r->w, 0);
	enum kerr err = coord_leave(b->coord, group, member, ev_now_ms());
	blog_debug("%s: LeaveGroup %s member %s: %s", c->peer, group, member,
		   kerr_name(err));
	kw_i16(&r->w, err);
	return API_REPLY;
}

/* ---- OffsetCommit / OffsetFetch ---------------------------------------------
 */

static int offsetcommit(struct broker *b, struct conn *c, const struct kreq *q,
			struct kr *in, struct resp *r, struct dur_req *dur)
{
	struct kw *w = &r->w;
	char group[NAME_MAX_LEN], member[NAME_MAX_LEN];
	int32_t gen;
	bool ok = take_member(in, group, &gen, member);
	if (q->ver <= 4)
		kr_i64(in); /* retention_time_ms */
	int32_t nt = kr_array(in);
	if (!kr_ok(in) || !ok)
		return API_BAD;
	enum kerr gerr = group[0] ? coord_commit_check(b->coord, group, gen,
						       member, ev_now_ms())
				  : KERR_INVALID_GROUP_ID;
	if (q->ver >= 3)
		kw_i32(w, 0);
	kw_array(w, nt < 0 ? 0 : nt);
	for (int32_t t = 0; t < nt; t++) {
		struct topic_entry e;
		if (!topic_entry_read(in, &e))
			return API_BAD;
		kw_strn(w, e.name.p, e.name.len < 0 ? 0 : e.name.len);
		kw_array(w, e.nparts < 0 ? 0 : e.nparts);
		for (int32_t p = 0; p < e.nparts; p++) {
			int32_t part = kr_i32(in);
			int64_t off = kr_i64(in);
			struct kstr md = kr_str(in);
			if (!kr_ok(in))
				return API_BAD;
			enum kerr err = gerr;
			char meta[4096];
			if (!err && !e.named)
				err = KERR_UNKNOWN_TOPIC;
			if (!err && md.len >= (int32_t)sizeof(meta))
				err = KERR_OFFSET_METADATA_TOO_LARGE;
			if (!err && b->offs_offline) /* durable acks */
				err = KERR_KAFKA_STORAGE_ERROR;
			if (!err) {
				if (!kstr_copy(meta, sizeof(meta), md))
					meta[0] = 0;
				int rc = offstore_commit(
				    b->offs, group, e.topic, part, off, meta);
				if (rc) {
					blog("commit %s %s-%d: %s", group,
					     e.topic, part, strerror(-rc));
					err = KERR_UNKNOWN;
				}
			}
			kw_i32(w, part);
			if (!err) /* durable acks: the group commit */
				dur_req_add(b, dur, r, NULL, w->len, false);
			kw_i16(w, err);
		}
	}
	return API_REPLY;
}

/* Durable acks: answered after the group commit has synced the store. */
int api_offsetcommit(struct broker *b, struct conn *c, const struct kreq *q,
		     struct kr *in, struct resp *r)
{
	return dur_answer(b, c, q, in, r, offsetcommit);
}

static void fetched_partition(struct kw *w, int16_t ver, int32_t part,
			      int64_t off, const char *meta)
{
	kw_i32(w, part);
	kw_i64(w, off);
	if (ver >= 5)
		kw_i32(w, -1); /* committed_leader_epoch */
	kw_str(w, meta ? meta : "");
	kw_i16(w, KERR_NONE);
}

/* offstore_each gathers (topic, partition) pairs grouped per topic. */
struct each_ctx {
	struct kw *w;
	int16_t ver;
	char topic[256];
	size_t count_pos; /* the partition count being filled */
	int32_t nparts;
	int32_t ntopics;
};

static void each_fn(const char *topic, int32_t partition, int64_t offset,
		    const char *metadata, void *arg)
{
	struct each_ctx *x = arg;
	if (!x->ntopics || strcmp(x->topic, topic)) {
		if (x->ntopics)
			kw_patch32(x->w, x->count_pos, x->nparts);
		snprintf(x->topic, sizeof(x->topic), "%s", topic);
		kw_str(x->w, topic);
		x->count_pos = kw_hole32(x->w);
		x->nparts = 0;
		x->ntopics++;
	}
	fetched_partition(x->w, x->ver, partition, offset, metadata);
	x->nparts++;
}

int api_offsetfetch(struct broker *b, struct conn *c, const struct kreq *q,
		    struct kr *in, struct resp *r)
{
	struct kw *w = &r->w;
	char group[NAME_MAX_LEN];
	bool ok = take_name(in, group, sizeof(group));
	int32_t nt = kr_array(in);
	if (!kr_ok(in) || !ok || (nt < 0 && q->ver < 2))
		return API_BAD;
	if (q->ver >= 3)
		kw_i32(w, 0);
	if (nt < 0) {
		/* All committed offsets of the group. Entries of one topic
		 * are assumed adjacent; a topic seen again starts a new
		 * entry, which clients merge. */
		struct each_ctx x = {.w = w, .ver = q->ver};
		size_t at = kw_hole32(w);
		offstore_each(b->offs, group, each_fn, &x);
		if (x.ntopics)
			kw_patch32(w, x.count_pos, x.nparts);
		kw_patch32(w, at, x.ntopics);
	} else {
		kw_array(w, nt);
		for (int32_t t = 0; t < nt; t++) {
			struct kstr ts = kr_str(in);
			char topic[256];
			bool named = kstr_copy(topic, sizeof(topic), ts);
			int32_t np = kr_array(in);
			if (!kr_ok(in))
				return API_BAD;
			kw_strn(w, ts.p, ts.len < 0 ? 0 : ts.len);
			kw_array(w, np < 0 ? 0 : np);
			for (int32_t p = 0; p < np; p++) {
				int32_t part = kr_i32(in);
				int64_t off = -1;
				const char *meta = "";
				if (named &&
				    offstore_fetch(b->offs, group, topic, part,
						   &off, &meta) < 0) {
					off = -1;
					meta = "";
				}
				fetched_partition(w, q->ver, part, off, meta);
			}
		}
		if (!kr_ok(in))
			return API_BAD;
	}
	if (q->ver >= 2)
		kw_i16(w, KERR_NONE);
	return API_REPLY;
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

int api_describegroups(struct broker *b, struct conn *c, const struct kreq *q,
		       struct kr *in, struct resp *r)
{
	struct kw *w = &r->w;
	int32_t n = kr_array(in);
	if (!kr_ok(in) || n < 0)
		return API_BAD;
	if (q->ver >= 1)
		kw_i32(w, 0);
	kw_array(w, n);
	for (int32_t i = 0; i < n; i++) {
		char name[NAME_MAX_LEN];
		if (!take_name(in, name, sizeof(name)))
			return API_BAD;
		struct group *g = coord_group(b->coord, name);
		kw_i16(w, KERR_NONE);
		kw_str(w, name);
		if (!g) {
			/* Known only from committed offsets: Empty, as Kafka
			 * reports a group loaded without members. */
			kw_str(w, committed_group(b, name) ? "Empty" : "Dead");
			kw_str(w, "");
			kw_str(w, "");
			kw_array(w, 0);
			continue;
		}
		kw_str(w, coord_state_name(g->state));
		kw_str(w, g->protocol_type ? g->protocol_type : "");
		bool stable = g->state == G_STABLE;
		kw_str(w, stable && g->protocol ? g->protocol : "");
		kw_array(w, g->nmembers);
		for (struct gmember *m = g->members; m; m = m->next) {
			kw_str(w, m->id);
			kw_str(w, m->client_id);
			kw_str(w, m->client_host ? m->client_host : "");
			const struct gproto *p =
			    stable ? member_chosen(g, m) : NULL;
			kw_bytes(w, p ? p->meta : NULL, p ? p->len : 0);
			kw_bytes(w, stable ? m->assign : NULL,
				 stable && m->assign ? m->assign_len : 0);
		}
	}
	return API_REPLY;
}

int api_listgroups(struct broker *b, struct conn *c, const struct kreq *q,
		   struct kr *in, struct resp *r)
{
	struct kw *w = &r->w;
	if (q->ver >= 1)
		kw_i32(w, 0);
	kw_i16(w, KERR_NONE);
	size_t at = kw_hole32(w);
	int32_t n = 0;
	for (struct group *g = b->coord->groups; g; g = g->next, n++) {
		kw_str(w, g->name);
		kw_str(w, g->protocol_type ? g->protocol_type : "");
	}
	/* Groups known only from committed offsets (after a restart). */
	const char *names[1024];
	size_t k = offstore_groups(b->offs, names, 1024);
	for (size_t i = 0; i < k && i < 1024; i++) {
		if (coord_group(b->coord, names[i]))
			continue;
		kw_str(w, names[i]);
		kw_str(w, "");
		n++;
	}
	kw_patch32(w, at, n);
	return API_REPLY;
}
