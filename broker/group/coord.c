/* SPDX-License-Identifier: MIT */
/*
 * coord.c — the group coordinator's state machine (see coord.h for the
 * states and transitions). Requests are decoded in proto/groups.c; this
 * file owns groups and members and decides when waiting JoinGroup and
 * SyncGroup requests are answered. Time comes in as `now`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blog.h"
#include "group/coord.h"

static char *dupz(const char *s)
{
	return s ? strdup(s) : NULL;
}

const char *coord_state_name(enum gstate s)
{
	switch (s) {
	case G_EMPTY:
		return "Empty";
	case G_PREPARING:
		return "PreparingRebalance";
	case G_COMPLETING:
		return "CompletingRebalance";
	case G_STABLE:
		return "Stable";
	}
	return "Dead";
}

struct group *coord_group(struct coord *co, const char *name)
{
	for (struct group *g = co->groups; g; g = g->next)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

struct gmember *group_find_member(struct group *g, const char *id)
{
	if (!g || !id)
		return NULL;
	for (struct gmember *m = g->members; m; m = m->next)
		if (!strcmp(m->id, id))
			return m;
	return NULL;
}

struct gmember *group_find_static(struct group *g, const char *instance)
{
	if (!g || !instance)
		return NULL;
	for (struct gmember *m = g->members; m; m = m->next)
		if (m->instance_id && !strcmp(m->instance_id, instance))
			return m;
	return NULL;
}

/* Kafka's validateMember: with an instance id, the member id must be the
 * one holding the instance's slot (else FENCED_INSTANCE_ID: an older
 * incarnation); without, it must be a member. */
static enum kerr check_member(struct group *g, const char *member,
			      const char *instance)
{
	if (instance) {
		struct gmember *s = group_find_static(g, instance);
		if (!s)
			return KERR_UNKNOWN_MEMBER_ID;
		if (!member || strcmp(s->id, member))
			return KERR_FENCED_INSTANCE_ID;
	}
	return group_find_member(g, member) ? KERR_NONE
					    : KERR_UNKNOWN_MEMBER_ID;
}

static void protos_free(struct gproto *p, int n)
{
	for (int i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].meta);
	}
	free(p);
}

static struct gproto *protos_copy(const struct gproto *p, int n)
{
	struct gproto *q = calloc(n ? n : 1, sizeof(*q));
	if (!q)
		return NULL;
	for (int i = 0; i < n; i++) {
		q[i].name = strdup(p[i].name);
		q[i].len = p[i].len;
		q[i].meta = malloc(p[i].len > 0 ? p[i].len : 1);
		if (!q[i].name || !q[i].meta) {
			protos_free(q, i + 1);
			return NULL;
		}
		if (p[i].len > 0)
			memcpy(q[i].meta, p[i].meta, p[i].len);
	}
	return q;
}

static bool protos_same(const struct gmember *m, const struct gproto *p, int n)
{
	if (m->nprotos != n)
		return false;
	for (int i = 0; i < n; i++)
		if (strcmp(m->protos[i].name, p[i].name) ||
		    m->protos[i].len != p[i].len ||
		    (p[i].len > 0 &&
		     memcmp(m->protos[i].meta, p[i].meta, p[i].len)))
			return false;
	return true;
}

static const struct gproto *member_proto(const struct gmember *m,
					 const char *name)
{
	for (int i = 0; i < m->nprotos; i++)
		if (!strcmp(m->protos[i].name, name))
			return &m->protos[i];
	return NULL;
}

/* Whether every member other than `skip` supports `name`. */
static bool all_support(const struct group *g, const char *name,
			const struct gmember *skip)
{
	for (struct gmember *m = g->members; m; m = m->next)
		if (m != skip && !member_proto(m, name))
			return false;
	return true;
}

/* Whether the protocols in p share at least one with every member. */
static bool compatible(const struct group *g, const struct gproto *p, int n,
		       const struct gmember *skip)
{
	for (int i = 0; i < n; i++)
		if (all_support(g, p[i].name, skip))
			return true;
	return false;
}

/* ---- answering waiting requests ---------------------------------------- */

const struct gproto *member_chosen(const struct group *g,
				   const struct gmember *m)
{
	return g->protocol ? member_proto(m, g->protocol) : NULL;
}

static void reply_join(struct coord *co, void *req, enum kerr err,
		       const struct group *g, const char *member, bool leader)
{
	struct join_result res = {.err = err,
				  .g = err ? NULL : g,
				  .member_id = member ? member : "",
				  .leader = !err && leader};
	co->ops.join_done(req, &res, co->ops.ctx);
}

static void answer_join(struct coord *co, struct group *g, struct gmember *m,
			enum kerr err, int64_t now)
{
	void *req = m->join_req;
	if (!req)
		return;
	m->join_req = NULL;
	m->last_seen = now;
	blog_debug("JoinGroup %s member %s answered: %s gen %d", g->name, m->id,
		   kerr_name(err), g->gen);
	bool leader = !err && g->leader && !strcmp(g->leader, m->id);
	reply_join(co, req, err, g, m->id, leader);
}

static void answer_sync(struct coord *co, struct gmember *m, enum kerr err,
			int64_t now)
{
	void *req = m->sync_req;
	if (!req)
		return;
	m->sync_req = NULL;
	m->last_seen = now;
	blog_debug("SyncGroup member %s answered: %s", m->id, kerr_name(err));
	co->ops.sync_done(req, err, err ? NULL : m->assign,
			  err ? 0 : m->assign_len, co->ops.ctx);
}

static void member_free(struct gmember *m)
{
	free(m->id);
	free(m->instance_id);
	free(m->client_id);
	free(m->client_host);
	protos_free(m->protos, m->nprotos);
	free(m->assign);
	free(m);
}

static void prepare_rebalance(struct coord *co, struct group *g,
			      const char *why, int64_t now);
static void try_complete_join(struct coord *co, struct group *g, int64_t now);

/* Drop a member, answering anything it has waiting. */
static void remove_member(struct coord *co, struct group *g, struct gmember *m,
			  const char *why, int64_t now)
{
	blog("group %s: member %s %s", g->name, m->id, why);
	answer_join(co, g, m, KERR_UNKNOWN_MEMBER_ID, now);
	answer_sync(co, m, KERR_UNKNOWN_MEMBER_ID, now);
	for (struct gmember **pp = &g->members; *pp; pp = &(*pp)->next) {
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	}
	g->nmembers--;
	if (g->leader && !strcmp(g->leader, m->id)) {
		free(g->leader);
		g->leader = NULL;
	}
	member_free(m);
}

/* After membership shrank: rebalance, finish one, or go empty. */
static void after_removal(struct coord *co, struct group *g, int64_t now)
{
	if (!g->nmembers && g->state != G_EMPTY) {
		g->gen++;
		g->state = G_EMPTY;
		blog("group %s: empty, generation %d", g->name, g->gen);
		return;
	}
	if (g->state == G_STABLE || g->state == G_COMPLETING)
		prepare_rebalance(co, g, "membership changed", now);
	else if (g->state == G_PREPARING)
		try_complete_join(co, g, now);
}

void coord_cancel(struct coord *co, void *req, int64_t now)
{
	for (struct group *g = co->groups; g; g = g->next) {
		for (struct gmember *m = g->members; m; m = m->next) {
			if (m->sync_req == req) {
				m->sync_req =
				    NULL; /* its session will expire */
				return;
			}
			if (m->join_req != req)
				continue;
			m->join_req = NULL;
			/* A static member keeps its slot (KIP-345: the
			 * instance may come back under a new member id);
			 * the rebalance timeout or its session ends it. */
			if (m->instance_id)
				return;
			/* It could never receive the answer, and waiting for
			 * its session would stall the barrier. */
			remove_member(co, g, m,
				      "closed its connection while joining",
				      now);
			after_removal(co, g, now);
			return;
		}
	}
}

/* ---- the join barrier ------------------------------------------------- */

static int32_t rebalance_wait(const struct group *g)
{
	int32_t wait = 0;
	for (struct gmember *m = g->members; m; m = m->next)
		if (m->rebalance_ms > wait)
			wait = m->rebalance_ms;
	return wait;
}

static void prepare_rebalance(struct coord *co, struct group *g,
			      const char *why, int64_t now)
{
	/* Members waiting in SyncGroup learn the generation is over. */
	for (struct gmember *m = g->members; m; m = m->next)
		answer_sync(co, m, KERR_REBALANCE_IN_PROGRESS, now);
	int32_t wait = rebalance_wait(g);
	if (g->state == G_EMPTY)
		g->not_before = now + co->set.initial_delay_ms;
	else
		g->not_before = now;
	g->deadline = now + wait;
	g->state = G_PREPARING;
	blog("group %s: rebalancing (%s), generation %d", g->name, why, g->gen);
}

/* Pick the protocol: the leader's most preferred that everyone has. */
static const char *choose_protocol(const struct group *g)
{
	const struct gmember *lead = g->members;
	if (g->leader)
		for (const struct gmember *m = g->members; m; m = m->next)
			if (!strcmp(m->id, g->leader))
				lead = m;
	for (int i = 0; i < lead->nprotos; i++)
		if (all_support(g, lead->protos[i].name, NULL))
			return lead->protos[i].name;
	return NULL;
}

static void complete_join(struct coord *co, struct group *g, int64_t now)
{
	struct gmember *next, *joined = NULL;
	for (struct gmember *m = g->members; m; m = next) {
		next = m->next;
		/* Static members stay without rejoining (KIP-345). */
		if (!m->join_req && !m->instance_id)
			remove_member(co, g, m, "did not rejoin in time", now);
		else if (m->join_req && !joined)
			joined = m;
	}
	if (g->nmembers && !joined) {
		/* Only static members that did not rejoin: wait another
		 * rebalance timeout; their sessions may end them first. */
		g->deadline = now + rebalance_wait(g);
		return;
	}
	g->gen++;
	free(g->protocol);
	g->protocol = NULL;
	if (!g->nmembers) {
		g->state = G_EMPTY;
		blog("group %s: empty, generation %d", g->name, g->gen);
		return;
	}
	const char *p = choose_protocol(g);
	g->protocol = dupz(p ? p : "");
	struct gmember *lead = group_find_member(g, g->leader);
	if (!lead || !lead->join_req) { /* the leader must have rejoined */
		free(g->leader);
		g->leader = strdup(joined->id);
	}
	g->state = G_COMPLETING;
	blog("group %s: generation %d with %d member%s, protocol %s, leader %s",
	     g->name, g->gen, g->nmembers, g->nmembers == 1 ? "" : "s",
	     g->protocol ? g->protocol : "?", g->leader ? g->leader : "?");
	for (struct gmember *m = g->members; m; m = m->next) {
		free(m->assign);
		m->assign = NULL;
		m->assign_len = 0;
	}
	for (struct gmember *m = g->members; m; m = m->next)
		answer_join(co, g, m, KERR_NONE, now);
}

static void try_complete_join(struct coord *co, struct group *g, int64_t now)
{
	if (g->state != G_PREPARING)
		return;
	if (now < g->not_before)
		return;
	for (struct gmember *m = g->members; m; m = m->next)
		if (!m->join_req)
			return;
	complete_join(co, g, now);
}

/* ---- requests ------------------------------------------------------------ */

static void group_free(struct group *g)
{
	while (g->members) {
		struct gmember *m = g->members;
		g->members = m->next;
		member_free(m);
	}
	free(g->name);
	free(g->protocol_type);
	free(g->protocol);
	free(g->leader);
	free(g);
}

static struct group *group_new(struct coord *co, const char *name)
{
	struct group *g = calloc(1, sizeof(*g));
	if (!g || !(g->name = strdup(name))) {
		free(g);
		return NULL;
	}
	g->co = co;
	g->next = co->groups;
	co->groups = g;
	return g;
}

/* A fresh member id: the instance id (static) or client id, a sequence
 * number and a salt that differs across runs. */
static char *new_member_id(struct coord *co, const struct join_args *a,
			   int64_t now)
{
	char id[300];
	const char *who = a->instance_id		  ? a->instance_id
			  : a->client_id && *a->client_id ? a->client_id
							  : "member";
	snprintf(id, sizeof(id), "%.200s-%08llx-%012llx", who,
		 (unsigned long long)++co->seq,
		 (unsigned long long)((co->set.id_salt + (uint64_t)now) &
				      0xffffffffffffULL));
	return strdup(id);
}

static struct gmember *member_new(struct coord *co, struct group *g,
				  const struct join_args *a, int64_t now)
{
	struct gmember *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->group = g;
	m->id = new_member_id(co, a, now);
	m->instance_id = dupz(a->instance_id);
	m->client_id = dupz(a->client_id ? a->client_id : "");
	m->client_host = dupz(a->client_host);
	if (!m->id || !m->client_id || (a->instance_id && !m->instance_id)) {
		member_free(m);
		return NULL;
	}
	struct gmember **pp = &g->members;
	while (*pp)
		pp = &(*pp)->next;
	*pp = m;
	g->nmembers++;
	return m;
}

/* Take the member's new protocols (owned) and timeouts; whether its
 * protocols changed. */
static bool member_update(struct gmember *m, const struct join_args *a,
			  struct gproto *protos, int64_t now)
{
	bool changed = !protos_same(m, a->protos, a->nprotos);
	protos_free(m->protos, m->nprotos);
	m->protos = protos;
	m->nprotos = a->nprotos;
	m->session_ms = a->session_ms;
	m->rebalance_ms = a->rebalance_ms;
	m->last_seen = now;
	return changed;
}

/* A known group.instance.id joins with an empty member id (KIP-345): the
 * slot goes to a new member id, everything else kept (Kafka's
 * replaceStaticMember). A Stable group whose chosen protocol stays the
 * same answers at once with its generation; the member's SyncGroup then
 * returns the assignment it had. */
static void replace_static(struct coord *co, struct group *g, struct gmember *m,
			   void *req, const struct join_args *a,
			   struct gproto *protos, int64_t now)
{
	char *id = new_member_id(co, a, now), *old = m->id;
	bool was_leader = g->leader && !strcmp(g->leader, old);
	char *lead = was_leader && id ? strdup(id) : NULL;

	if (!id || (was_leader && !lead)) {
		free(id);
		free(lead);
		protos_free(protos, a->nprotos);
		reply_join(co, req, KERR_UNKNOWN, NULL, "", false);
		return;
	}
	blog("group %s: static member %s is now %s (was %s)", g->name,
	     m->instance_id, id, old);
	/* The older incarnation's waiting requests are fenced now. */
	answer_join(co, g, m, KERR_FENCED_INSTANCE_ID, now);
	answer_sync(co, m, KERR_FENCED_INSTANCE_ID, now);
	m->id = id;
	if (was_leader) {
		free(g->leader);
		g->leader = lead;
	}
	member_update(m, a, protos, now);
	if (g->state == G_STABLE) {
		const char *p = choose_protocol(g);
		if (p && g->protocol && !strcmp(p, g->protocol)) {
			/* A leader that cannot be told to skip assigning is
			 * named the old id: it must not assign (a Stable
			 * group would not pass a new assignment on). */
			struct join_result res = {
			    .err = KERR_NONE,
			    .g = g,
			    .member_id = id,
			    .leader = was_leader && a->can_skip,
			    .leader_id =
				was_leader && !a->can_skip ? old : NULL,
			    .skip_assign = was_leader && a->can_skip};
			blog("group %s: generation %d kept", g->name, g->gen);
			co->ops.join_done(req, &res, co->ops.ctx);
			free(old);
			return;
		}
	}
	free(old);
	m->join_req = req;
	/* Completing: the leader may have assigned to the old id. */
	if (g->state != G_PREPARING)
		prepare_rebalance(co, g, "static member replaced", now);
	try_complete_join(co, g, now);
}

void coord_join(struct coord *co, void *req, const struct join_args *a,
		int64_t now)
{
	bool is_new = !a->member_id || !*a->member_id;
	const char *mid = a->member_id;
	blog_debug("JoinGroup %s member '%s' instance '%s'", a->group,
		   mid ? mid : "", a->instance_id ? a->instance_id : "");
	if (!*a->group) {
		reply_join(co, req, KERR_INVALID_GROUP_ID, NULL, mid, false);
		return;
	}
	if (a->session_ms < co->set.min_session_ms ||
	    a->session_ms > co->set.max_session_ms) {
		reply_join(co, req, KERR_INVALID_SESSION_TIMEOUT, NULL, mid,
			   false);
		return;
	}
	struct group *g = coord_group(co, a->group);
	if (!g && !is_new) {
		reply_join(co, req, KERR_UNKNOWN_MEMBER_ID, NULL, mid, false);
		return;
	}
	if (!g && !(g = group_new(co, a->group))) {
		reply_join(co, req, KERR_UNKNOWN, NULL, mid, false);
		return;
	}
	struct gmember *m = NULL;
	if (!is_new) {
		enum kerr e = check_member(g, a->member_id, a->instance_id);
		if (e) {
			reply_join(co, req, e, NULL, mid, false);
			return;
		}
		m = group_find_member(g, a->member_id);
	}
	/* A returning static instance (KIP-345). */
	struct gmember *st =
	    is_new ? group_find_static(g, a->instance_id) : NULL;
	const struct gmember *self = m ? m : st;
	bool type_ok = !g->protocol_type || !g->nmembers ||
		       (g->nmembers == 1 && self) ||
		       !strcmp(g->protocol_type, a->protocol_type);
	if (!a->nprotos || !type_ok ||
	    !compatible(g, a->protos, a->nprotos, self)) {
		reply_join(co, req, KERR_INCONSISTENT_GROUP_PROTOCOL, NULL, mid,
			   false);
		return;
	}
	struct gproto *protos = protos_copy(a->protos, a->nprotos);
	if (!protos || (is_new && !st && !(m = member_new(co, g, a, now)))) {
		if (protos)
			protos_free(protos, a->nprotos);
		reply_join(co, req, KERR_UNKNOWN, NULL, mid, false);
		return;
	}
	if (!g->protocol_type || strcmp(g->protocol_type, a->protocol_type)) {
		free(g->protocol_type);
		g->protocol_type = strdup(a->protocol_type);
	}
	if (st) {
		replace_static(co, g, st, req, a, protos, now);
		return;
	}
	bool changed = member_update(m, a, protos, now) || is_new;
	if (m->join_req) /* a duplicate join: the older one is superseded */
		answer_join(co, g, m, KERR_REBALANCE_IN_PROGRESS, now);

	bool leader = g->leader && !strcmp(g->leader, m->id);
	if ((g->state == G_STABLE && !changed && !leader) ||
	    (g->state == G_COMPLETING && !changed)) {
		/* Nothing new: hand back the current generation. */
		reply_join(co, req, KERR_NONE, g, m->id, leader);
		return;
	}
	m->join_req = req;
	if (g->state != G_PREPARING)
		prepare_rebalance(
		    co, g, is_new ? "new member" : "member rejoined", now);
	try_complete_join(co, g, now);
}

void coord_sync(struct coord *co, void *req, const char *group, int32_t gen,
		const char *member, const char *instance, int nassign,
		char **ids, struct gproto *assigns, int64_t now)
{
	struct group *g = coord_group(co, group);
	struct gmember *m = group_find_member(g, member);
	enum kerr err =
	    g ? check_member(g, member, instance) : KERR_UNKNOWN_MEMBER_ID;
	blog_debug("SyncGroup %s gen %d member %s", group, gen, member);
	if (!err && gen != g->gen)
		err = KERR_ILLEGAL_GENERATION;
	else if (!err && g->state == G_PREPARING)
		err = KERR_REBALANCE_IN_PROGRESS;
	else if (!err && g->state == G_EMPTY)
		err = KERR_UNKNOWN_MEMBER_ID;
	if (err) {
		co->ops.sync_done(req, err, NULL, 0, co->ops.ctx);
		return;
	}
	m->last_seen = now;
	if (g->state == G_STABLE) {
		co->ops.sync_done(req, KERR_NONE, m->assign, m->assign_len,
				  co->ops.ctx);
		return;
	}
	/* COMPLETING: wait for the leader's assignments. */
	if (m->sync_req)
		answer_sync(co, m, KERR_REBALANCE_IN_PROGRESS, now);
	m->sync_req = req;
	if (g->leader && !strcmp(g->leader, m->id)) {
		for (int i = 0; i < nassign; i++) {
			struct gmember *t = group_find_member(g, ids[i]);
			if (!t)
				continue;
			free(t->assign);
			t->assign =
			    malloc(assigns[i].len > 0 ? assigns[i].len : 1);
			t->assign_len = t->assign ? assigns[i].len : 0;
			if (t->assign && assigns[i].len > 0)
				memcpy(t->assign, assigns[i].meta,
				       assigns[i].len);
		}
		g->state = G_STABLE;
		blog("group %s: generation %d stable", g->name, g->gen);
		for (struct gmember *t = g->members; t; t = t->next)
			answer_sync(co, t, KERR_NONE, now);
	}
}

enum kerr coord_heartbeat(struct coord *co, const char *group, int32_t gen,
			  const char *member, const char *instance, int64_t now)
{
	struct group *g = coord_group(co, group);
	struct gmember *m = group_find_member(g, member);
	enum kerr err =
	    g ? check_member(g, member, instance) : KERR_UNKNOWN_MEMBER_ID;
	if (err)
		return err;
	m->last_seen = now;
	if (g->state == G_PREPARING)
		return KERR_REBALANCE_IN_PROGRESS;
	if (gen != g->gen)
		return KERR_ILLEGAL_GENERATION;
	return KERR_NONE;
}

enum kerr coord_leave(struct coord *co, const char *group, const char *member,
		      const char *instance, int64_t now)
{
	struct group *g = coord_group(co, group);
	struct gmember *m;
	if (!g)
		return KERR_UNKNOWN_MEMBER_ID;
	if (!member || !*member) {
		/* By group.instance.id alone: an admin removing a static
		 * member (KIP-345). */
		if (!(m = group_find_static(g, instance)))
			return KERR_UNKNOWN_MEMBER_ID;
	} else {
		enum kerr err = check_member(g, member, instance);
		if (err)
			return err;
		m = group_find_member(g, member);
	}
	remove_member(co, g, m, "left", now);
	after_removal(co, g, now);
	return KERR_NONE;
}

enum kerr coord_commit_check(struct coord *co, const char *group, int32_t gen,
			     const char *member, int64_t now)
{
	return coord_commit_check_inst(co, group, gen, member, NULL, now);
}

enum kerr coord_commit_check_inst(struct coord *co, const char *group,
				  int32_t gen, const char *member,
				  const char *instance, int64_t now)
{
	if (gen < 0 && (!member || !*member) && !instance)
		return KERR_NONE; /* a commit outside group management */
	struct group *g = coord_group(co, group);
	if (!g)
		return gen < 0 && !instance ? KERR_NONE
					    : KERR_ILLEGAL_GENERATION;
	struct gmember *m = group_find_member(g, member);
	enum kerr err =
	    instance ? check_member(g, member, instance) : KERR_NONE;
	if (err)
		return err;
	if (!m)
		return g->nmembers || gen >= 0 ? KERR_UNKNOWN_MEMBER_ID
					       : KERR_NONE;
	if (gen != g->gen)
		return KERR_ILLEGAL_GENERATION;
	if (g->state == G_COMPLETING)
		return KERR_REBALANCE_IN_PROGRESS;
	m->last_seen = now;
	return KERR_NONE;
}

/* ---- DeleteGroups / OffsetDelete -------------------------------------------
 */

bool coord_drop_group(struct coord *co, const char *name)
{
	for (struct group **pp = &co->groups; *pp; pp = &(*pp)->next) {
		struct group *g = *pp;
		if (strcmp(g->name, name))
			continue;
		if (g->nmembers)
			return false;
		*pp = g->next;
		group_free(g);
		blog("group %s: deleted", name);
		return true;
	}
	return true;
}

static uint32_t be(const uint8_t *p, int n)
{
	uint32_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Whether a ConsumerProtocolSubscription names `topic`: 1 yes, 0 no, -1
 * unreadable. Every version starts as v0 does (KIP-429 kept the prefix):
 * Version i16, Topics [string], ... */
static int subscription_has(const uint8_t *p, int32_t len, const char *topic)
{
	size_t tl = strlen(topic), at = 6;
	if (len < 6)
		return -1;
	uint32_t n = be(p + 2, 4);
	if (n > (uint32_t)len / 2)
		return -1;
	int found = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (at + 2 > (size_t)len)
			return -1;
		size_t sl = be(p + at, 2);
		if (at + 2 + sl > (size_t)len)
			return -1;
		if (sl == tl && !memcmp(p + at + 2, topic, tl))
			found = 1;
		at += 2 + sl;
	}
	return found;
}

bool coord_subscribed(const struct group *g, const char *topic)
{
	if (!g->nmembers)
		return false;
	bool consumer =
	    g->protocol_type && !strcmp(g->protocol_type, "consumer");
	if (!consumer)
		return false;
	/* Kafka's ClassicGroup: unknown subscriptions (no protocol chosen
	 * yet, unreadable metadata) count as subscribed for a consumer
	 * group. */
	if (!g->protocol || !*g->protocol)
		return true;
	for (const struct gmember *m = g->members; m; m = m->next) {
		const struct gproto *p = member_chosen(g, m);
		int r = p ? subscription_has(p->meta, p->len, topic) : -1;
		if (r != 0)
			return true;
	}
	return false;
}

/* ---- time -------------------------------------------------------------- */

void coord_tick(struct coord *co, int64_t now)
{
	for (struct group *g = co->groups; g; g = g->next) {
		bool gone = false;
		struct gmember *next;
		for (struct gmember *m = g->members; m; m = next) {
			next = m->next;
			if (m->join_req || m->sync_req)
				continue; /* waiting on us, not on them */
			if (now - m->last_seen > m->session_ms) {
				remove_member(co, g, m, "session timed out",
					      now);
				gone = true;
			}
		}
		if (gone)
			after_removal(co, g, now);
		if (g->state == G_PREPARING && now >= g->deadline &&
		    now >= g->not_before)
			complete_join(co, g, now);
		else
			try_complete_join(co, g, now);
	}
}

int coord_create(struct coord **out, const struct coord_settings *set,
		 const struct coord_ops *ops)
{
	struct coord *co = calloc(1, sizeof(*co));
	if (!co)
		return -ENOMEM;
	co->set = *set;
	co->ops = *ops;
	*out = co;
	return 0;
}

void coord_free(struct coord *co)
{
	while (co->groups) {
		struct group *g = co->groups;
		co->groups = g->next;
		group_free(g);
	}
	free(co);
}
