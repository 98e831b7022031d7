/* SPDX-License-Identifier: MIT */
/*
 * group_capture.h — what the coordinator's state-machine tests share: the
 * callbacks that record each JoinGroup and SyncGroup answer by request
 * handle (small integers, 1..63), and the ops that install them.
 */
#ifndef ZC_TEST_GROUP_CAPTURE_H
#define ZC_TEST_GROUP_CAPTURE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "group/coord.h"
#include "helpers.h"

/* The last answer seen per request handle. */
static struct {
	bool done;
	enum kerr err;
	int32_t gen;
	bool leader, skip;
	char member[128], leader_id[128], assign[32];
} ans[64];

static void join_done(void *req, const struct join_result *res, void *ctx)
{
	int i = (int)(intptr_t)req;
	ans[i].done = true;
	ans[i].err = res->err;
	ans[i].gen = res->g ? res->g->gen : -1;
	ans[i].leader = res->leader;
	ans[i].skip = res->skip_assign;
	snprintf(ans[i].member, sizeof(ans[i].member), "%s", res->member_id);
	snprintf(ans[i].leader_id, sizeof(ans[i].leader_id), "%s",
		 res->leader_id		    ? res->leader_id
		 : res->g && res->g->leader ? res->g->leader
					    : "");
}

static void sync_done(void *req, enum kerr err, const uint8_t *assign,
		      int32_t len, void *ctx)
{
	int i = (int)(intptr_t)req;
	ans[i].done = true;
	ans[i].err = err;
	snprintf(ans[i].assign, sizeof(ans[i].assign), "%.*s", (int)len,
		 assign ? (const char *)assign : "");
}

static const struct coord_ops capture_ops = {join_done, sync_done, NULL};

/* Settings the tests start from (any session from 10 ms, no delay). */
static struct coord_settings capture_set = {.min_session_ms = 10,
					    .max_session_ms = 600000,
					    .initial_delay_ms = 0,
					    .id_salt = 1};

/* A SyncGroup of group "g" as request handle req; its answer in ans[req]. */
static inline void capture_sync(struct coord *co, int req, const char *me,
				const char *inst, int32_t gen, int n,
				char **ids, struct gproto *as, int64_t now)
{
	memset(&ans[req], 0, sizeof(ans[req]));
	coord_sync(co, (void *)(intptr_t)req, "g", gen, me, inst, n, ids, as,
		   now);
}

#endif /* ZC_TEST_GROUP_CAPTURE_H */
