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
 * to expire would stall the barrier while other members come and go).
 * A tick (every 100 ms) expires members whose session timed out and
 * rebalances whose time is up. Committed offsets go to offstore (log.h).
 */
#ifndef BROKER_GROUP_COORD_H
#define BROKER_GROUP_COORD_H

#include <stdbool.h>
#include <stdint.h>

struct broker;
struct conn;

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
	bool joined; /* rejoined during the current rebalance */
	struct conn *join_c;
	int32_t join_corr;
	int16_t join_ver;
	struct conn *sync_c;
	int32_t sync_corr;
	int16_t sync_ver;
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

struct coord {
	struct broker *b;
	struct group *groups;
	uint64_t tick;
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
};

int coord_create(struct coord **out, struct broker *b);
void coord_free(struct coord *co);

struct group *coord_group(struct coord *co, const char *name);
const char *coord_state_name(enum gstate s);
struct gmember *group_find_member(struct group *g, const char *id);

/* Each returns an enum api_result: they answer (now or later) through
 * group_send_join / group_send_sync, never through the caller's resp. */
int coord_join(struct coord *co, struct conn *c, int32_t corr, int16_t ver,
	       const struct join_args *a);
int coord_sync(struct coord *co, struct conn *c, int32_t corr, int16_t ver,
	       const char *group, int32_t gen, const char *member, int nassign,
	       char **ids, struct gproto *assigns);
/* Kafka error codes. */
int16_t coord_heartbeat(struct coord *co, const char *group, int32_t gen,
			const char *member);
int16_t coord_leave(struct coord *co, const char *group, const char *member);
/* Whether a commit from (gen, member) is acceptable now. */
int16_t coord_commit_check(struct coord *co, const char *group, int32_t gen,
			   const char *member);

/* Encoders in proto/groups.c. */
void group_send_join(struct conn *c, int32_t corr, int16_t ver, int16_t err,
		     const struct group *g, const char *member_id, bool leader);
void group_send_sync(struct conn *c, int32_t corr, int16_t ver, int16_t err,
		     const uint8_t *assign, int32_t len);

#endif /* BROKER_GROUP_COORD_H */
