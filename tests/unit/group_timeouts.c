/* SPDX-License-Identifier: MIT */
/*
 * group_timeouts.c — the group coordinator as a state machine driven by a
 * made-up clock: no sockets, no sleeping. Answers are captured through
 * the coordinator's callbacks, requests named by plain integers.
 *
 * Covered: a lone member answered at once; a rebalance that waits for
 * every member and completes at the rebalance timeout without the one
 * that did not rejoin (not a millisecond before); a session that expires
 * exactly after session.timeout.ms of silence (and not while a request
 * waits on the coordinator); the initial rebalance delay; a cancelled
 * join dropping its member at once.
 */
#include "group_capture.h"

static struct gproto range = {"range", (uint8_t *)"m", 1};

static void join(struct coord *co, int req, const char *member, int32_t session,
		 int32_t rebalance, int64_t now)
{
	struct join_args a = {.group = "g",
			      .session_ms = session,
			      .rebalance_ms = rebalance,
			      .member_id = member,
			      .protocol_type = "consumer",
			      .client_id = "c",
			      .client_host = "/h",
			      .nprotos = 1,
			      .protos = &range};
	memset(&ans[req], 0, sizeof(ans[req]));
	coord_join(co, (void *)(intptr_t)req, &a, now);
}

static void sync_leader(struct coord *co, int req, const char *me, int32_t gen,
			int64_t now)
{
	capture_sync(co, req, me, NULL, gen, 0, NULL, NULL, now);
}

int main(void)
{
	struct coord *co;
	struct coord_settings set = capture_set;
	char a[128], b[128];

	CHECK_EQ(coord_create(&co, &set, &capture_ops), 0);

	/* A alone: answered at once, leader of generation 1. */
	join(co, 1, "", 10000, 5000, 1000);
	CHECK(ans[1].done && ans[1].err == KERR_NONE && ans[1].gen == 1);
	CHECK(ans[1].leader);
	snprintf(a, sizeof(a), "%s", ans[1].member);
	sync_leader(co, 2, a, 1, 1000);
	CHECK(ans[2].done && ans[2].err == KERR_NONE);

	/* B joins at 2000: the rebalance waits for A until A's rebalance
	 * timeout (5000 ms), then goes on without it. */
	join(co, 3, "", 10000, 5000, 2000);
	CHECK(!ans[3].done);
	CHECK_EQ(coord_heartbeat(co, "g", 1, a, NULL, 2000),
		 KERR_REBALANCE_IN_PROGRESS);
	coord_tick(co, 6999);
	CHECK(!ans[3].done);
	coord_tick(co, 7000);
	CHECK(ans[3].done && ans[3].err == KERR_NONE && ans[3].gen == 2);
	snprintf(b, sizeof(b), "%s", ans[3].member);
	CHECK(ans[3].leader); /* A is gone: B leads */
	CHECK_EQ(coord_heartbeat(co, "g", 2, a, NULL, 7000),
		 KERR_UNKNOWN_MEMBER_ID);
	sync_leader(co, 4, b, 2, 7000);
	CHECK(ans[4].done && ans[4].err == KERR_NONE);

	/* B's session: 10000 ms after its last heartbeat, not before. */
	CHECK_EQ(coord_heartbeat(co, "g", 2, b, NULL, 8000), KERR_NONE);
	coord_tick(co, 18000);
	CHECK_EQ(coord_heartbeat(co, "g", 2, b, NULL, 18000), KERR_NONE);
	coord_tick(co, 28000);
	CHECK_EQ(coord_heartbeat(co, "g", 2, b, NULL, 28000), KERR_NONE);
	coord_tick(co, 38001);
	CHECK_EQ(coord_heartbeat(co, "g", 2, b, NULL, 38001),
		 KERR_UNKNOWN_MEMBER_ID);
	struct group *g = coord_group(co, "g");
	CHECK(g && g->state == G_EMPTY && g->nmembers == 0);

	/* A member waiting in JoinGroup does not expire, however long the
	 * rebalance takes (it waits on us, not we on it). */
	join(co, 5, "", 100, 600000, 40000);
	CHECK(ans[5].done && ans[5].gen == 4);
	snprintf(a, sizeof(a), "%s", ans[5].member);
	sync_leader(co, 6, a, 4, 40000);
	join(co, 7, "", 100, 600000, 40050); /* B': rebalance */
	CHECK(!ans[7].done);
	coord_tick(co, 40100);
	CHECK(!ans[7].done);
	/* A never rejoins and stops heartbeating: its 100 ms session ends
	 * it, and the barrier completes with B' alone. */
	coord_tick(co, 40151);
	CHECK(ans[7].done && ans[7].err == KERR_NONE && ans[7].gen == 5);
	snprintf(b, sizeof(b), "%s", ans[7].member);

	/* A cancelled join (its connection closed) drops the member now. */
	join(co, 8, b, 100, 600000, 40160); /* B' rejoins alone: at once */
	CHECK(ans[8].done && ans[8].gen == 5);
	join(co, 9, "", 100, 600000, 40170); /* C joins: waits for B' */
	CHECK(!ans[9].done);
	join(co, 10, b, 100, 600000, 40171); /* B' rejoins: both answered */
	CHECK(ans[9].done && ans[10].done && ans[9].gen == 6);
	join(co, 11, "", 100, 600000, 40172); /* D: waits for B' and C */
	CHECK(!ans[11].done);
	join(co, 12, ans[9].member, 100, 600000, 40173);
	CHECK(!ans[12].done);
	coord_cancel(co, (void *)(intptr_t)12, 40174); /* C's socket died */
	join(co, 13, b, 100, 600000, 40175);
	CHECK(ans[11].done && ans[13].done && ans[11].gen == 7);
	CHECK(ans[12].done == false);

	/* The initial rebalance delay holds an empty group's first join. */
	coord_free(co);
	set.initial_delay_ms = 3000;
	CHECK_EQ(coord_create(&co, &set, &capture_ops), 0);
	join(co, 14, "", 10000, 5000, 0);
	CHECK(!ans[14].done);
	coord_tick(co, 2999);
	CHECK(!ans[14].done);
	coord_tick(co, 3000);
	CHECK(ans[14].done && ans[14].gen == 1);
	coord_free(co);
	return t_result();
}
