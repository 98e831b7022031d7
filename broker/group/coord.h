/* SPDX-License-Identifier: MIT */
/*
 * coord.h — the consumer-group coordinator (this broker coordinates every
 * group). The state machine follows Kafka's classic protocol:
 *
 *   EMPTY --join--> PREPARING_REBALANCE --all joined / rebalance timeout-->
 *   COMPLETING_REBALANCE --leader's SyncGroup--> STABLE
 *   STABLE --join by a new member, metadata change, leave, session
 *            expiry--> PREPARING_REBALANCE
 *   any --last member gone--> EMPTY
 *
 * JoinGroup parks until the rebalance completes: when every known member
 * has rejoined, or when the rebalance timeout (largest among members)
 * passes, in which case members that did not rejoin are dropped. The
 * leader (first member, kept across generations while it stays) receives
 * every member's metadata for the chosen protocol; followers an empty list.
 * SyncGroup parks until the leader's SyncGroup brings the assignments.
 * A member whose connection closes while its JoinGroup waits is dropped
 * at once (it could never receive the answer, and waiting for its session
 * to expire would stall the barrier while other members come and go),
 * unless it is static. coord_tick() expires members whose session timed
 * out (static ones too) and rebalances whose time is up.
 *
 * Static membership (KIP-345): a member that joins with a group.instance.id
 * keeps its slot under that name. When the instance joins again with an
 * empty member id (a restarted process), it takes the slot over under a
 * new member id: the old id is gone (its waiting requests, and any later
 * request naming the instance with the old id, get FENCED_INSTANCE_ID),
 * and a Stable group keeps its generation and assignment unless the
 * protocol the group would choose changes. A rebalance does not drop a
 * static member that has not rejoined; only its session, or a LeaveGroup
 * naming it, ends it.
 *
 * The coordinator knows neither the wire nor the clock: every call is
 * given the time (`now`, monotonic milliseconds), and answers to JoinGroup
 * and SyncGroup leave through callbacks (struct coord_ops) naming the
 * request by the opaque handle the caller passed in, at once or later.
 * proto/groups.c decodes requests, encodes those answers and passes
 * pending replies (reply.h) as handles; a unit test passes its own.
 * Committed offsets are offstore's (log.h).
 */
#ifndef BROKER_GROUP_COORD_H
#define BROKER_GROUP_COORD_H

#include <stdbool.h>
#include <stdint.h>

#include "kafka.h"

enum gstate {
	G_EMPTY,
	G_PREPARING,
	G_COMPLETING,
	G_STABLE,
};

struct gproto {
	char *name;
	uint8_t *meta;
	int32_t len;
};

struct gmember {
	struct gmember *next;
	struct group *group;
	char *id;
	char *instance_id; /* NULL: dynamic member */
	char *client_id;
	char *client_host;
	int32_t session_ms;
	int32_t rebalance_ms;
	int nprotos;
	struct gproto *protos;
	uint8_t *assign;
	int32_t assign_len;
	int64_t last_seen;
	void *join_req; /* a JoinGroup waiting for the rebalance */
	void *sync_req; /* a SyncGroup waiting for the leader */
};

struct group {
	struct group *next;
	struct coord *co;
	char *name;
	enum gstate state;
	int32_t gen;
	char *protocol_type;
	char *protocol; /* chosen in the last completed join */
	char *leader;
	struct gmember *members;
	int nmembers;
	int64_t deadline;   /* PREPARING: when the join completes anyway */
	int64_t not_before; /* initial rebalance delay */
};

/* The answer to a JoinGroup. g is NULL on error; when leader, the
 * members' metadata for g->protocol goes with it. */
struct join_result {
	enum kerr err;
	const struct group *g;
	const char *member_id;
	bool leader;
	const char *leader_id; /* NULL: g->leader */
	bool skip_assign;      /* v9+: the leader need not assign (KIP-814) */
};

struct coord_ops {
	void (*join_done)(void *req, const struct join_result *res, void *ctx);
	void (*sync_done)(void *req, enum kerr err, const uint8_t *assign,
			  int32_t len, void *ctx);
	void *ctx;
};

struct coord_settings {
	int32_t min_session_ms, max_session_ms;
	int32_t initial_delay_ms; /* group.initial.rebalance.delay.ms */
	uint64_t id_salt;	  /* makes member ids unique across runs */
};

struct coord {
	struct coord_settings set;
	struct coord_ops ops;
	struct group *groups;
	uint64_t seq;
};

/* A JoinGroup request, decoded (strings point into the request). */
struct join_args {
	const char *group;
	int32_t session_ms;
	int32_t rebalance_ms;
	const char *member_id;
	const char *instance_id;
	const char *protocol_type;
	const char *client_id;
	const char *client_host;
	int nprotos;
	struct gproto *protos; /* borrowed; copied on join */
	bool can_skip;	       /* JoinGroup v9+: SkipAssignment understood */
};

int coord_create(struct coord **out, const struct coord_settings *set,
		 const struct coord_ops *ops);
void coord_free(struct coord *co);

struct group *coord_group(struct coord *co, const char *name);
const char *coord_state_name(enum gstate s);
struct gmember *group_find_member(struct group *g, const char *id);
/* The static member of a group.instance.id, or NULL. */
struct gmember *group_find_static(struct group *g, const char *instance);
/* The member's metadata for the group's chosen protocol, or NULL. */
const struct gproto *member_chosen(const struct group *g,
				   const struct gmember *m);

/* JoinGroup and SyncGroup: answered through ops (join_done / sync_done
 * with `req`), perhaps before these return. */
void coord_join(struct coord *co, void *req, const struct join_args *a,
		int64_t now);
void coord_sync(struct coord *co, void *req, const char *group, int32_t gen,
		const char *member, const char *instance, int nassign,
		char **ids, struct gproto *assigns, int64_t now);
/* The request `req` can no longer be answered (its connection closed). */
void coord_cancel(struct coord *co, void *req, int64_t now);
/* `instance` is the request's group.instance.id (NULL: none); a request
 * naming an instance whose slot another member id holds is fenced. */
enum kerr coord_heartbeat(struct coord *co, const char *group, int32_t gen,
			  const char *member, const char *instance,
			  int64_t now);
/* LeaveGroup of one member: by member id, or by instance alone (an empty
 * member id, LeaveGroup v3+). */
enum kerr coord_leave(struct coord *co, const char *group, const char *member,
		      const char *instance, int64_t now);
/* Whether a commit from (gen, member) is acceptable now; _inst with the
 * request's group.instance.id (OffsetCommit v7+). */
enum kerr coord_commit_check(struct coord *co, const char *group, int32_t gen,
			     const char *member, int64_t now);
enum kerr coord_commit_check_inst(struct coord *co, const char *group,
				  int32_t gen, const char *member,
				  const char *instance, int64_t now);
/* DeleteGroups: forget a group that has no members (true), or say it
 * has members (false). A group the coordinator does not hold is fine. */
bool coord_drop_group(struct coord *co, const char *name);
/* OffsetDelete: whether the members of a group with members subscribe
 * to `topic` (the consumer protocol's subscriptions in the chosen
 * protocol's metadata; unreadable metadata counts as subscribed). */
bool coord_subscribed(const struct group *g, const char *topic);
/* Expire sessions and finish rebalances whose time is up. */
void coord_tick(struct coord *co, int64_t now);

#endif /* BROKER_GROUP_COORD_H */
