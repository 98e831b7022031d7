/* SPDX-License-Identifier: MIT */
/*
 * coord.c — the group coordinator's state machine (see coord.h for the
 * states and transitions). Requests are decoded in proto/groups.c; this
 * file owns groups and members and decides when parked JoinGroup and
 * SyncGroup requests are answered.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blog.h"
#include "broker.h"
#include "group/coord.h"

#define TICK_MS 100

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

/* ---- answering parked requests ---------------------------------------- */

static void answer_join(struct group *g, struct gmember *m, int16_t err)
{
	struct conn *c = m->join_c;
	if (!c)
		return;
	m->join_c = NULL;
	m->last_seen = ev_now_ms();
	conn_unpark(c);
	blog_debug("%s: JoinGroup %s member %s answered: error %d gen %d",
		   c->peer, g->name, m->id, err, g->gen);
	bool leader = !err && g->leader && !strcmp(g->leader, m->id);
	group_send_join(c, m->join_corr, m->join_ver, err, err ? NULL : g,
			m->id, leader);
}

static void answer_sync(struct gmember *m, int16_t err)
{
	struct conn *c = m->sync_c;
	if (!c)
		return;
	m->sync_c = NULL;
	m->last_seen = ev_now_ms();
	conn_unpark(c);
	blog_debug("%s: SyncGroup member %s answered: error %d", c->peer, m->id,
		   err);
	group_send_sync(c, m->sync_corr, m->sync_ver, err,
			err ? NULL : m->assign, err ? 0 : m->assign_len);
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
			      const char *why);
static void try_complete_join(struct coord *co, struct group *g);

/* Drop a member, answering anything it has parked. */
static void remove_member(struct coord *co, struct group *g, struct gmember *m,
			  const char *why)
{
	blog("group %s: member %s %s", g->name, m->id, why);
	answer_join(g, m, KERR_UNKNOWN_MEMBER_ID);
	answer_sync(m, KERR_UNKNOWN_MEMBER_ID);
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
static void after_removal(struct coord *co, struct group *g)
{
	if (!g->nmembers && g->state != G_EMPTY) {
		g->gen++;
		g->state = G_EMPTY;
		blog("group %s: empty, generation %d", g->name, g->gen);
		return;
	}
	if (g->state == G_STABLE || g->state == G_COMPLETING)
		prepare_rebalance(co, g, "membership changed");
	else if (g->state == G_PREPARING)
		try_complete_join(co, g);
}

/* The connection of a parked JoinGroup or SyncGroup closed. */
static void park_cancel(struct conn *c, void *arg)
{
	struct gmember *m = arg;
	if (m->sync_c == c)
		m->sync_c = NULL; /* its session will expire */
	if (m->join_c != c)
		return;
	m->join_c = NULL;
	struct group *g = m->group;
	remove_member(g->co, g, m, "closed its connection while joining");
	after_removal(g->co, g);
}

/* ---- the join barrier ------------------------------------------------- */

static void prepare_rebalance(struct coord *co, struct group *g,
			      const char *why)
{
	int64_t now = ev_now_ms();
	/* Members waiting in SyncGroup learn the generation is over. */
	for (struct gmember *m = g->members; m; m = m->next)
		answer_sync(m, KERR_REBALANCE_IN_PROGRESS);
	int32_t wait = 0;
	for (struct gmember *m = g->members; m; m = m->next)
		if (m->rebalance_ms > wait)
			wait = m->rebalance_ms;
	if (g->state == G_EMPTY)
		g->not_before = now + co->b->cfg.group_initial_delay_ms;
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

static void complete_join(struct coord *co, struct group *g)
{
	struct gmember *next;
	for (struct gmember *m = g->members; m; m = next) {
		next = m->next;
		if (!m->join_c)
			remove_member(co, g, m, "did not rejoin in time");
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
		answer_join(g, m, KERR_NONE);
}

static void try_complete_join(struct coord *co, struct group *g)
{
	if (g->state != G_PREPARING)
		return;
	int64_t now = ev_now_ms();
	if (now < g->not_before)
		return;
	for (struct gmember *m = g->members; m; m = m->next)
		if (!m->join_c)
			return;
	complete_join(co, g);
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

static void reply_join_err(struct conn *c, int32_t corr, int16_t ver,
			   int16_t err, const char *member)
{
	group_send_join(c, corr, ver, err, NULL, member ? member : "", false);
}

static struct gmember *member_new(struct coord *co, struct group *g,
				  const struct join_args *a)
{
	struct gmember *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	char id[300];
	snprintf(id, sizeof(id), "%.200s-%08llx-%012llx",
		 a->client_id && *a->client_id ? a->client_id : "member",
		 (unsigned long long)++co->seq,
		 (unsigned long long)(ev_wall_ms() & 0xffffffffffffULL));
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

int coord_join(struct coord *co, struct conn *c, int32_t corr, int16_t ver,
	       const struct join_args *a)
{
	const struct bconfig *cfg = &co->b->cfg;
	bool is_new = !a->member_id || !*a->member_id;
	blog_debug("%s: JoinGroup v%d %s member '%s'", c->peer, ver, a->group,
		   a->member_id ? a->member_id : "");
	if (!*a->group) {
		reply_join_err(c, corr, ver, KERR_INVALID_GROUP_ID,
			       a->member_id);
		return API_NOREPLY;
	}
	if (a->session_ms < cfg->group_min_session_ms ||
	    a->session_ms > cfg->group_max_session_ms) {
		reply_join_err(c, corr, ver, KERR_INVALID_SESSION_TIMEOUT,
			       a->member_id);
		return API_NOREPLY;
	}
	struct group *g = coord_group(co, a->group);
	if (!g && !is_new) {
		reply_join_err(c, corr, ver, KERR_UNKNOWN_MEMBER_ID,
			       a->member_id);
		return API_NOREPLY;
	}
	if (!g && !(g = group_new(co, a->group))) {
		reply_join_err(c, corr, ver, KERR_UNKNOWN, a->member_id);
		return API_NOREPLY;
	}
	struct gmember *m = is_new ? NULL : group_find_member(g, a->member_id);
	if (!is_new && !m) {
		reply_join_err(c, corr, ver, KERR_UNKNOWN_MEMBER_ID,
			       a->member_id);
		return API_NOREPLY;
	}
	bool type_ok = !g->protocol_type || !g->nmembers ||
		       (g->nmembers == 1 && m) ||
		       !strcmp(g->protocol_type, a->protocol_type);
	if (!a->nprotos || !type_ok ||
	    !compatible(g, a->protos, a->nprotos, m)) {
		reply_join_err(c, corr, ver, KERR_INCONSISTENT_GROUP_PROTOCOL,
			       a->member_id);
		return API_NOREPLY;
	}
	struct gproto *protos = protos_copy(a->protos, a->nprotos);
	if (!protos || (is_new && !(m = member_new(co, g, a)))) {
		if (protos)
			protos_free(protos, a->nprotos);
		reply_join_err(c, corr, ver, KERR_UNKNOWN, a->member_id);
		return API_NOREPLY;
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
	m->last_seen = ev_now_ms();
	if (m->join_c) /* a duplicate join: the older one is superseded */
		answer_join(g, m, KERR_REBALANCE_IN_PROGRESS);

	bool leader = g->leader && !strcmp(g->leader, m->id);
	if ((g->state == G_STABLE && !changed && !leader) ||
	    (g->state == G_COMPLETING && !changed)) {
		/* Nothing new: hand back the current generation. */
		group_send_join(c, corr, ver, KERR_NONE, g, m->id, leader);
		return API_NOREPLY;
	}
	m->join_c = c;
	m->join_corr = corr;
	m->join_ver = ver;
	conn_park(c, park_cancel, m);
	if (g->state != G_PREPARING)
		prepare_rebalance(co, g,
				  is_new ? "new member" : "member rejoined");
	try_complete_join(co, g);
	return API_PARKED;
}

int coord_sync(struct coord *co, struct conn *c, int32_t corr, int16_t ver,
	       const char *group, int32_t gen, const char *member, int nassign,
	       char **ids, struct gproto *assigns)
{
	struct group *g = coord_group(co, group);
	struct gmember *m = group_find_member(g, member);
	int16_t err = KERR_NONE;
	blog_debug("%s: SyncGroup %s gen %d member %s", c->peer, group, gen,
		   member);
	if (!m)
		err = KERR_UNKNOWN_MEMBER_ID;
	else if (gen != g->gen)
		err = KERR_ILLEGAL_GENERATION;
	else if (g->state == G_PREPARING)
		err = KERR_REBALANCE_IN_PROGRESS;
	else if (g->state == G_EMPTY)
		err = KERR_UNKNOWN_MEMBER_ID;
	if (err) {
		group_send_sync(c, corr, ver, err, NULL, 0);
		return API_NOREPLY;
	}
	m->last_seen = ev_now_ms();
	if (g->state == G_STABLE) {
		group_send_sync(c, corr, ver, KERR_NONE, m->assign,
				m->assign_len);
		return API_NOREPLY;
	}
	/* COMPLETING: wait for the leader's assignments. */
	if (m->sync_c)
		answer_sync(m, KERR_REBALANCE_IN_PROGRESS);
	m->sync_c = c;
	m->sync_corr = corr;
	m->sync_ver = ver;
	conn_park(c, park_cancel, m);
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
			answer_sync(t, KERR_NONE);
	}
	return API_PARKED;
}

int16_t coord_heartbeat(struct coord *co, const char *group, int32_t gen,
			const char *member)
{
	struct group *g = coord_group(co, group);
	struct gmember *m = group_find_member(g, member);
	if (!m)
		return KERR_UNKNOWN_MEMBER_ID;
	m->last_seen = ev_now_ms();
	if (g->state == G_PREPARING)
		return KERR_REBALANCE_IN_PROGRESS;
	if (gen != g->gen)
		return KERR_ILLEGAL_GENERATION;
	return KERR_NONE;
}

int16_t coord_leave(struct coord *co, const char *group, const char *member)
{
	struct group *g = coord_group(co, group);
	struct gmember *m = group_find_member(g, member);
	if (!m)
		return KERR_UNKNOWN_MEMBER_ID;
	remove_member(co, g, m, "left");
	after_removal(co, g);
	return KERR_NONE;
}

int16_t coord_commit_check(struct coord *co, const char *group, int32_t gen,
			   const char *member)
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
	m->last_seen = ev_now_ms();
	return KERR_NONE;
}

/* ---- time -------------------------------------------------------------- */

static void on_tick(struct ev_loop *ev, uint64_t id, void *arg)
{
	struct coord *co = arg;
	int64_t now = ev_now_ms();
	for (struct group *g = co->groups; g; g = g->next) {
		bool gone = false;
		struct gmember *next;
		for (struct gmember *m = g->members; m; m = next) {
			next = m->next;
			if (m->join_c || m->sync_c)
				continue; /* waiting on us, not on them */
			if (now - m->last_seen > m->session_ms) {
				remove_member(co, g, m, "session timed out");
				gone = true;
			}
		}
		if (gone)
			after_removal(co, g);
		if (g->state == G_PREPARING && now >= g->deadline &&
		    now >= g->not_before)
			complete_join(co, g);
		else
			try_complete_join(co, g);
	}
	co->tick = ev_timer(ev, TICK_MS, on_tick, co);
}

int coord_create(struct coord **out, struct broker *b)
{
	struct coord *co = calloc(1, sizeof(*co));
	if (!co)
		return -ENOMEM;
	co->b = b;
	co->tick = ev_timer(b->ev, TICK_MS, on_tick, co);
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
	ev_timer_del(co->b->ev, co->tick);
	free(co);
}
