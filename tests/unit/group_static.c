/* SPDX-License-Identifier: MIT */
/*
 * group_static.c — static membership (KIP-345) in the coordinator's state
 * machine, driven by a made-up clock as group_timeouts.c does.
 *
 * Covered: a restarted instance (same group.instance.id, empty member id)
 * takes its slot back in a Stable group without a rebalance: same
 * generation, a new member id, its old assignment from SyncGroup, the
 * other member untouched; the old member id is fenced (Heartbeat,
 * SyncGroup, OffsetCommit, LeaveGroup and JoinGroup naming the instance
 * answer FENCED_INSTANCE_ID; without the instance, UNKNOWN_MEMBER_ID); a
 * returning leader is not told to assign (v8: the old leader id; v9:
 * SkipAssignment); a replacement while the old incarnation's JoinGroup
 * waits fences that JoinGroup; a changed protocol rebalances; a rebalance
 * keeps a static member that did not rejoin and drops a dynamic one; a
 * closed connection does not drop a static member; LeaveGroup by instance
 * id alone; a static member's session expires like any other.
 */
#include "group_capture.h"

static struct gproto range = {"range", (uint8_t *)"m", 1};
static struct gproto other = {"roundrobin", (uint8_t *)"m", 1};

static void join_p(struct coord *co, int req, const char *member,
		   const char *inst, int32_t session, struct gproto *p, bool v9,
		   int64_t now)
{
	struct join_args a = {.group = "g",
			      .session_ms = session,
			      .rebalance_ms = 5000,
			      .member_id = member,
			      .instance_id = inst,
			      .protocol_type = "consumer",
			      .client_id = "c",
			      .client_host = "/h",
			      .nprotos = 1,
			      .protos = p,
			      .can_skip = v9};
	memset(&ans[req], 0, sizeof(ans[req]));
	coord_join(co, (void *)(intptr_t)req, &a, now);
}

static void join(struct coord *co, int req, const char *member,
		 const char *inst, int64_t now)
{
	join_p(co, req, member, inst, 10000, &range, false, now);
}

static void sync_as(struct coord *co, int req, const char *me, const char *inst,
		    int32_t gen, int n, char **ids, int64_t now)
{
	struct gproto as[2] = {{NULL, (uint8_t *)"for-a", 5},
			       {NULL, (uint8_t *)"for-b", 5}};
	capture_sync(co, req, me, inst, gen, n, ids, as, now);
}

int main(void)
{
	struct coord *co;
	char a[128], b[128], a2[128], a3[128];

	CHECK_EQ(coord_create(&co, &capture_set, &capture_ops), 0);
	struct group *g;

	/* A (instance ia, the leader) and B (instance ib): generation 2. */
	join(co, 1, "", "ia", 1000);
	CHECK(ans[1].done && ans[1].gen == 1 && ans[1].leader);
	snprintf(a, sizeof(a), "%s", ans[1].member);
	CHECK(!strncmp(a, "ia-", 3)); /* static ids start with the instance */
	join(co, 2, "", "ib", 1000);
	CHECK(!ans[2].done);
	join(co, 3, a, "ia", 1000);
	CHECK(ans[2].done && ans[3].done && ans[2].gen == 2);
	snprintf(b, sizeof(b), "%s", ans[2].member);
	char *ids[2] = {a, b};
	sync_as(co, 4, b, "ib", 2, 0, NULL, 1000);
	CHECK(!ans[4].done);
	sync_as(co, 5, a, "ia", 2, 2, ids, 1000);
	CHECK(ans[4].done && ans[5].done && !strcmp(ans[4].assign, "for-b"));
	g = coord_group(co, "g");
	CHECK(g->state == G_STABLE && g->gen == 2);

	/* B restarts: a new member id, no rebalance, its assignment back. */
	join(co, 6, "", "ib", 2000);
	CHECK(ans[6].done && ans[6].err == KERR_NONE && ans[6].gen == 2);
	CHECK(strcmp(ans[6].member, b) && !ans[6].leader);
	CHECK(!strcmp(ans[6].leader_id, a));
	CHECK(g->state == G_STABLE && g->gen == 2 && g->nmembers == 2);
	char b2[128];
	snprintf(b2, sizeof(b2), "%s", ans[6].member);
	sync_as(co, 7, b2, "ib", 2, 0, NULL, 2000);
	CHECK(ans[7].done && ans[7].err == KERR_NONE);
	CHECK(!strcmp(ans[7].assign, "for-b"));
	CHECK_EQ(coord_heartbeat(co, "g", 2, a, "ia", 2000), KERR_NONE);
	CHECK_EQ(coord_heartbeat(co, "g", 2, b2, "ib", 2000), KERR_NONE);

	/* The old id is fenced wherever it names the instance. */
	CHECK_EQ(coord_heartbeat(co, "g", 2, b, "ib", 2000),
		 KERR_FENCED_INSTANCE_ID);
	CHECK_EQ(coord_heartbeat(co, "g", 2, b, NULL, 2000),
		 KERR_UNKNOWN_MEMBER_ID);
	sync_as(co, 8, b, "ib", 2, 0, NULL, 2000);
	CHECK(ans[8].done && ans[8].err == KERR_FENCED_INSTANCE_ID);
	CHECK_EQ(coord_commit_check_inst(co, "g", 2, b, "ib", 2000),
		 KERR_FENCED_INSTANCE_ID);
	CHECK_EQ(coord_commit_check_inst(co, "g", 2, b2, "ib", 2000),
		 KERR_NONE);
	CHECK_EQ(coord_commit_check(co, "g", 2, b, 2000),
		 KERR_UNKNOWN_MEMBER_ID);
	CHECK_EQ(coord_leave(co, "g", b, "ib", 2000), KERR_FENCED_INSTANCE_ID);
	join(co, 9, b, "ib", 2000);
	CHECK(ans[9].done && ans[9].err == KERR_FENCED_INSTANCE_ID);
	join(co, 10, b2, "nope", 2000); /* an instance the group never saw */
	CHECK(ans[10].done && ans[10].err == KERR_UNKNOWN_MEMBER_ID);
	CHECK(g->state == G_STABLE && g->gen == 2);

	/* The leader A restarts. v8: it is named the old leader id, so it
	 * does not assign; v9: it leads and is told to skip assigning. */
	join(co, 11, "", "ia", 2100);
	CHECK(ans[11].done && ans[11].gen == 2 && !ans[11].leader);
	CHECK(!strcmp(ans[11].leader_id, a));
	snprintf(a2, sizeof(a2), "%s", ans[11].member);
	CHECK(!strcmp(g->leader, a2));
	join_p(co, 12, "", "ia", 10000, &range, true, 2200);
	CHECK(ans[12].done && ans[12].gen == 2 && ans[12].leader);
	CHECK(ans[12].skip);
	snprintf(a3, sizeof(a3), "%s", ans[12].member);
	CHECK(!strcmp(ans[12].leader_id, a3));
	CHECK(g->state == G_STABLE && g->gen == 2);
	sync_as(co, 13, a3, "ia", 2, 0, NULL, 2200);
	CHECK(ans[13].done && !strcmp(ans[13].assign, "for-a"));

	/* A protocol the others lack is refused; more protocols that leave
	 * the group's choice as it is keep the generation. */
	join_p(co, 14, "", "ib", 10000, &other, false, 2300);
	CHECK(ans[14].err == KERR_INCONSISTENT_GROUP_PROTOCOL);
	struct gproto both[2] = {other, range};
	struct join_args ab = {.group = "g",
			       .session_ms = 10000,
			       .rebalance_ms = 5000,
			       .member_id = "",
			       .instance_id = "ib",
			       .protocol_type = "consumer",
			       .client_id = "c",
			       .nprotos = 2,
			       .protos = both};
	memset(&ans[15], 0, sizeof(ans[15]));
	coord_join(co, (void *)(intptr_t)15, &ab, 2300);
	/* The leader's preference (range) stays the choice: no rebalance. */
	CHECK(ans[15].done && ans[15].gen == 2 && g->state == G_STABLE);
	snprintf(b, sizeof(b), "%s", ans[15].member);

	/* A dynamic member joins: rebalance. A replacement of B while B's
	 * JoinGroup waits fences that JoinGroup and takes its place. */
	join(co, 16, "", NULL, 3000);
	CHECK(!ans[16].done && g->state == G_PREPARING);
	char d[128];
	join(co, 17, b, "ib", 3000);
	CHECK(!ans[17].done);
	join(co, 18, "", "ib", 3001);
	CHECK(ans[17].done && ans[17].err == KERR_FENCED_INSTANCE_ID);
	CHECK(!ans[18].done);
	/* A never rejoins; at the rebalance timeout the group goes on
	 * with A kept (static), not dropped. */
	coord_tick(co, 7999);
	CHECK(!ans[16].done);
	coord_tick(co, 8000);
	CHECK(ans[16].done && ans[18].done && ans[16].gen == 3);
	CHECK_EQ(g->nmembers, 3);
	CHECK(group_find_member(g, a3) != NULL);
	/* The leader did not rejoin: a member that did leads now. */
	CHECK(strcmp(g->leader, a3));
	CHECK(ans[16].leader || ans[18].leader);
	snprintf(d, sizeof(d), "%s", ans[16].member);
	snprintf(b, sizeof(b), "%s", ans[18].member);

	/* A closed connection does not drop a static member (B); it does
	 * drop a dynamic one (E). */
	CHECK_EQ(coord_heartbeat(co, "g", 3, a3, "ia", 8050), KERR_NONE);
	join(co, 19, "", NULL, 8100);
	CHECK(!ans[19].done && g->state == G_PREPARING);
	CHECK_EQ(g->nmembers, 4);
	join(co, 20, b, "ib", 8100);
	coord_cancel(co, (void *)(intptr_t)20, 8101);
	CHECK(group_find_member(g, b) != NULL);
	coord_cancel(co, (void *)(intptr_t)19, 8102);
	CHECK_EQ(g->nmembers, 3);
	CHECK_EQ(coord_heartbeat(co, "g", 3, a3, "ia", 13000),
		 KERR_REBALANCE_IN_PROGRESS);

	/* At the rebalance timeout the dynamic D (not rejoined) goes; only
	 * static members that did not rejoin are left: the barrier waits
	 * another rebalance timeout instead of making a generation nobody
	 * joined; both come back meanwhile under new ids. */
	coord_tick(co, 13200);
	CHECK(g->state == G_PREPARING && g->gen == 3);
	CHECK(group_find_member(g, d) == NULL && g->nmembers == 2);
	join(co, 21, "", "ib", 13300);
	CHECK(!ans[21].done);
	join(co, 22, "", "ia", 13300);
	CHECK(ans[21].done && ans[22].done && ans[21].gen == 4);
	snprintf(b, sizeof(b), "%s", ans[21].member);
	snprintf(a, sizeof(a), "%s", ans[22].member);

	/* LeaveGroup by instance id alone (an admin removing it). */
	CHECK_EQ(coord_leave(co, "g", "", "nope", 13400),
		 KERR_UNKNOWN_MEMBER_ID);
	CHECK_EQ(coord_leave(co, "g", "", "ia", 13400), KERR_NONE);
	CHECK(group_find_static(g, "ia") == NULL && g->nmembers == 1);
	CHECK(g->state == G_PREPARING);
	join(co, 23, b, "ib", 13400);
	CHECK(ans[23].done && ans[23].gen == 5 && ans[23].leader);
	sync_as(co, 24, b, "ib", 5, 0, NULL, 13400);
	CHECK(ans[24].done && g->state == G_STABLE);

	/* A static member's session expires: it is removed. */
	CHECK_EQ(coord_heartbeat(co, "g", 5, b, "ib", 14000), KERR_NONE);
	coord_tick(co, 24000);
	CHECK(group_find_static(g, "ib") != NULL);
	coord_tick(co, 24001);
	CHECK(group_find_static(g, "ib") == NULL);
	CHECK(g->state == G_EMPTY && g->nmembers == 0);
	CHECK(coord_drop_group(co, "g"));
	CHECK(coord_group(co, "g") == NULL);

	/* A restart whose protocols change the group's choice rebalances. */
	join(co, 25, "", "ia", 30000);
	CHECK(ans[25].done && ans[25].gen == 1);
	snprintf(a, sizeof(a), "%s", ans[25].member);
	sync_as(co, 26, a, "ia", 1, 0, NULL, 30000);
	g = coord_group(co, "g");
	CHECK(g && g->state == G_STABLE);
	join_p(co, 27, "", "ia", 10000, &other, false, 30100);
	CHECK(ans[27].done && ans[27].err == KERR_NONE && ans[27].gen == 2);
	CHECK(!strcmp(g->protocol, "roundrobin"));
	CHECK(!coord_drop_group(co, "g")); /* it has a member */

	coord_free(co);
	return t_result();
}
