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
			/* It could never receive the answer, and waiting for
			 * its session would stall the barrier. */
			m->join_req = NULL;
			remove_member(co, g, m,
				      "closed its connection while joining",
				      now);
			after_removal(co, g, now);
			return;
		}
	}
}

/* ---- the join barrier ------------------------------------------------- */

static void prepare_rebalance(struct coord *co, struct group *g,
			      const char *why, int64_t now)
{
	/* Members waiting in SyncGroup learn the generation is over. */
	for (struct gmember *m = g->members; m; m = m->next)
		answer_sync(co, m, KERR_REBALANCE_IN_PROGRESS, now);
	int32_t wait = 0;
	for (struct gmember *m = g->members; m; m = m->next)
		if (m->rebalance_ms > wait)
			wait = m->rebalance_ms;
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
	struct gmember *next;
	for (struct gmember *m = g->members; m; m = next) {
		next = m->next;
		if (!m->join_req)
			remove_member(co, g, m, "did not rejoin in time", now);
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
	if (!g->leader || !group_find_member(g, g->leader)) {
		free(g->leader);
		g->leader = strdup(g->members->id);
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

static struct gmember *member_new(struct coord *co, struct group *g,
				  const struct join_args *a, int64_t now)
{
	struct gmember *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	char id[300];
	snprintf(id, sizeof(id), "%.200s-%08llx-%012llx",
		 a->client_id && *a->client_id ? a->client_id : "member",
		 (unsigned long long)++co->seq,
		 (unsigned long long)((co->set.id_salt + (uint64_t)now) &
				      0xffffffffffffULL));
	m->group = g;
	m->id = strdup(id);
	m->instance_id = dupz(a->instance_id);
	m->client_id = dupz(a->client_id ? a->client_id : "");
	m->client_host = dupz(a->client_host);
	if (!m->id || !m->client_id) {
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

void coord_join(struct coord *co, void *req, const struct join_args *a,
		int64_t now)
{
	bool is_new = !a->member_id || !*a->member_id;
	const char *mid = a->member_id;
	blog_debug("JoinGroup %s member '%s'", a->group, mid ? mid : "");
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
	struct gmember *m = is_new ? NULL : group_find_member(g, a->member_id);
	if (!is_new && !m) {
		reply_join(co, req, KERR_UNKNOWN_MEMBER_ID, NULL, mid, false);
		return;
	}
	bool type_ok = !g->protocol_type || !g->nmembers ||
		       (g->nmembers == 1 && m) ||
		       !strcmp(g->protocol_type, a->protocol_type);
	if (!a->nprotos || !type_ok ||
	    !compatible(g, a->protos, a->nprotos, m)) {
		reply_join(co, req, KERR_INCONSISTENT_GROUP_PROTOCOL, NULL, mid,
			   false);
		return;
	}
	struct gproto *protos = protos_copy(a->protos, a->nprotos);
	if (!protos || (is_new && !(m = member_new(co, g, a, now)))) {
		if (protos)
			protos_free(protos, a->nprotos);
		reply_join(co, req, KERR_UNKNOWN, NULL, mid, false);
		return;
	}
	if (!g->protocol_type || strcmp(g->protocol_type, a->protocol_type)) {
		free(g->protocol_type);
		g->protocol_type = strdup(a->protocol_type);
	}
	bool changed = is_new || !protos_same(m, a->protos, a->nprotos);
	protos_free(m->protos, m->nprotos);
	m->protos = protos;
	m->nprotos = a->nprotos;
	m->session_ms = a->session_ms;
	m->rebalance_ms = a->rebalance_ms;
	m->last_seen = now;
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
		const char *member, int nassign, char **ids,
		struct gproto *assigns, int64_t now)
{
	struct group *g = coord_group(co, group);
	struct gmember *m = group_find_member(g, member);
	enum kerr err = KERR_NONE;
	blog_debug("SyncGroup %s gen %d member %s", group, gen, member);
	if (!m)
		err = KERR_UNKNOWN_MEMBER_ID;
	else if (gen != g->gen)
		err = KERR_ILLEGAL_GENERATION;
	else if (g->state == G_PREPARING)
		err = KERR_REBALANCE_IN_PROGRESS;
	else if (g->state == G_EMPTY)
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
			  const char *member, int64_t now)
{
	struct group *g = coord_group(co, group);
	struct gmember *m = group_find_member(g, member);
	if (!m)
		return KERR_UNKNOWN_MEMBER_ID;
	m->last_seen = now;
	if (g->state == G_PREPARING)
		return KERR_REBALANCE_IN_PROGRESS;
	if (gen != g->gen)
		return KERR_ILLEGAL_GENERATION;
	return KERR_NONE;
}

enum kerr coord_leave(struct coord *co, const char *group, const char *member,
		      int64_t now)
{
	struct group *g = coord_group(co, group);
	struct gmember *m = group_find_member(g, member);
	if (!m)
		return KERR_UNKNOWN_MEMBER_ID;
	remove_member(co, g, m, "left", now);
	after_removal(co, g, now);
	return KERR_NONE;
}

enum kerr coord_commit_check(struct coord *co, const char *group, int32_t gen,
			     const char *member, int64_t now)
{
	if (gen < 0 && (!member || !*member))
		return KERR_NONE; /* a commit outside group management */
	struct group *g = coord_group(co, group);
	if (!g)
		return gen < 0 ? KERR_NONE : KERR_ILLEGAL_GENERATION;
	struct gmember *m = group_find_member(g, member);
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
	free(co);
}
