/* SPDX-License-Identifier: MIT */
/*
 * proto_group.c — Description: the group coordinator with two members on
 * two connections, through the real request handlers: the first member
 * joins and syncs alone; a second member's JoinGroup parks until the first
 * rejoins (its heartbeat says REBALANCE_IN_PROGRESS); both get generation
 * 2, only the leader gets the member list; the follower's SyncGroup parks
 * until the leader's brings the assignments; stale generations and unknown
 * members are refused (heartbeat and commit); a member that stops
 * heartbeating is evicted after its session timeout and the group
 * rebalances to one member; a member whose connection closes during its
 * join is dropped at once; protocol and session-timeout checks.
 */
#include "proto_harness.h"

static struct tconn A, Bc;
static int32_t corr = 1000;

static int32_t rebalance_ms = 3000;

static void join_req(struct kw *w, int16_t ver, const char *member,
		     int32_t session_ms, const char *proto)
{
	th_hdr(w, 11, ver, ++corr);
	kw_str(w, "g");
	kw_i32(w, session_ms);
	if (ver >= 1)
		kw_i32(w, rebalance_ms);
	kw_str(w, member);
	if (ver >= 5)
		kw_str(w, NULL);
	kw_str(w, "consumer");
	kw_array(w, 1);
	kw_str(w, proto);
	kw_bytes(w, member[0] ? member : "new", member[0] ? 1 : 3);
}

struct joined {
	int16_t err;
	int32_t gen;
	char leader[256];
	char me[256];
	int32_t nmembers;
};

static bool read_join(struct tconn *t, int32_t c, int16_t ver, struct joined *j)
{
	struct kr r;
	if (!th_answer(t, c, &r))
		return false;
	if (ver >= 2)
		kr_i32(&r);
	j->err = kr_i16(&r);
	j->gen = kr_i32(&r);
	kr_str(&r);
	kstr_copy(j->leader, sizeof(j->leader), kr_str(&r));
	kstr_copy(j->me, sizeof(j->me), kr_str(&r));
	j->nmembers = kr_array(&r);
	for (int32_t i = 0; i < j->nmembers; i++) {
		kr_str(&r);
		if (ver >= 5)
			kr_str(&r);
		kr_bytes(&r);
	}
	return kr_ok(&r) && !kr_left(&r);
}

static void sync_req(struct kw *w, int32_t gen, const char *me,
		     const char *a_id, const char *b_id)
{
	th_hdr(w, 14, 3, ++corr);
	kw_str(w, "g");
	kw_i32(w, gen);
	kw_str(w, me);
	kw_str(w, NULL);
	int n = (a_id != NULL) + (b_id != NULL);
	kw_array(w, n);
	if (a_id) {
		kw_str(w, a_id);
		kw_bytes(w, "for-a", 5);
	}
	if (b_id) {
		kw_str(w, b_id);
		kw_bytes(w, "for-b", 5);
	}
}

/* The SyncGroup answer: error and assignment copied to out. */
static int16_t read_sync(struct tconn *t, int32_t c, char *out, size_t cap)
{
	struct kr r;
	if (!th_answer(t, c, &r))
		return -100;
	kr_i32(&r);
	int16_t err = kr_i16(&r);
	struct kstr a = kr_bytes(&r);
	out[0] = 0;
	if (a.len > 0)
		kstr_copy(out, cap, a);
	return kr_ok(&r) ? err : -101;
}

static int16_t heartbeat(struct tconn *t, int32_t gen, const char *me)
{
	struct kw w;
	th_hdr(&w, 12, 3, ++corr);
	kw_str(&w, "g");
	kw_i32(&w, gen);
	kw_str(&w, me);
	kw_str(&w, NULL);
	th_send(t, &w);
	struct kr r;
	if (!th_answer(t, corr, &r))
		return -100;
	kr_i32(&r);
	return kr_i16(&r);
}

static int16_t commit(struct tconn *t, int32_t gen, const char *me)
{
	struct kw w;
	th_hdr(&w, 8, 2, ++corr);
	kw_str(&w, "g");
	kw_i32(&w, gen);
	kw_str(&w, me);
	kw_i64(&w, -1);
	kw_array(&w, 1);
	kw_str(&w, "t");
	kw_array(&w, 1);
	kw_i32(&w, 0);
	kw_i64(&w, 7);
	kw_str(&w, NULL);
	th_send(t, &w);
	struct kr r;
	if (!th_answer(t, corr, &r))
		return -100;
	kr_array(&r);
	kr_str(&r);
	kr_array(&r);
	kr_i32(&r);
	return kr_i16(&r);
}

int main(void)
{
	struct kw w;
	struct joined ja, jb;
	char got[64];
	th_setup();
	th_conn(&A);
	th_conn(&Bc);

	/* Refused joins: session timeout out of range, then a protocol
	 * nobody else speaks (once the group has a member). */
	join_req(&w, 5, "", 1, "range");
	th_send(&A, &w);
	CHECK(read_join(&A, corr, 5, &ja) &&
	      ja.err == KERR_INVALID_SESSION_TIMEOUT);

	/* A alone: answered at once, leader of generation 1. */
	join_req(&w, 5, "", 30000, "range");
	CHECK_EQ(th_send(&A, &w), API_PENDING);
	CHECK(read_join(&A, corr, 5, &ja));
	CHECK(ja.err == 0 && ja.gen == 1 && ja.nmembers == 1);
	CHECK(!strcmp(ja.leader, ja.me));
	CHECK_EQ(A.c->pending, 0);
	sync_req(&w, 1, ja.me, ja.me, NULL);
	th_send(&A, &w);
	CHECK_EQ(read_sync(&A, corr, got, sizeof(got)), 0);
	CHECK(!strcmp(got, "for-a"));
	CHECK_EQ(heartbeat(&A, 1, ja.me), 0);

	join_req(&w, 2, "", 30000, "roundrobin");
	th_send(&Bc, &w);
	CHECK(read_join(&Bc, corr, 2, &jb) &&
	      jb.err == KERR_INCONSISTENT_GROUP_PROTOCOL);

	/* B joins (kafka-python's v2): parked until A rejoins. The member
	 * session is short so eviction can be tested below. */
	join_req(&w, 2, "", 150, "range");
	CHECK_EQ(th_send(&Bc, &w), API_PENDING);
	int32_t b_corr = corr;
	CHECK_EQ(Bc.c->pending, 1);
	struct kr none;
	CHECK(!th_answer(&Bc, b_corr, &none));
	CHECK_EQ(heartbeat(&A, 1, ja.me), KERR_REBALANCE_IN_PROGRESS);
	join_req(&w, 5, ja.me, 30000, "range");
	th_send(&A, &w);
	CHECK(read_join(&A, corr, 5, &ja));
	CHECK(read_join(&Bc, b_corr, 2, &jb));
	CHECK(ja.err == 0 && jb.err == 0 && ja.gen == 2 && jb.gen == 2);
	CHECK_EQ(ja.nmembers, 2); /* the leader sees everyone */
	CHECK_EQ(jb.nmembers, 0);
	CHECK(!strcmp(jb.leader, ja.me) && strcmp(jb.me, ja.me));
	CHECK_EQ(Bc.c->pending, 0);

	/* B's sync waits for the leader's. */
	sync_req(&w, 2, jb.me, NULL, NULL);
	CHECK_EQ(th_send(&Bc, &w), API_PENDING);
	b_corr = corr;
	CHECK_EQ(Bc.c->pending, 1);
	sync_req(&w, 2, ja.me, ja.me, jb.me);
	th_send(&A, &w);
	CHECK_EQ(read_sync(&A, corr, got, sizeof(got)), 0);
	CHECK(!strcmp(got, "for-a"));
	CHECK_EQ(read_sync(&Bc, b_corr, got, sizeof(got)), 0);
	CHECK(!strcmp(got, "for-b"));

	/* Generation and membership checks. */
	CHECK_EQ(heartbeat(&A, 1, ja.me), KERR_ILLEGAL_GENERATION);
	CHECK_EQ(heartbeat(&A, 2, "nobody"), KERR_UNKNOWN_MEMBER_ID);
	CHECK_EQ(commit(&A, 1, ja.me), KERR_ILLEGAL_GENERATION);
	CHECK_EQ(commit(&A, 2, "nobody"), KERR_UNKNOWN_MEMBER_ID);
	CHECK_EQ(commit(&A, 2, ja.me), 0);
	CHECK_EQ(commit(&A, -1, ""), 0); /* outside group management */
	CHECK_EQ(heartbeat(&Bc, 2, jb.me), 0);

	/* B goes silent; A keeps heartbeating. After B's 150 ms session
	 * the group rebalances without it. */
	for (int i = 0; i < 6; i++) {
		th_run(100);
		int16_t e = heartbeat(&A, 2, ja.me);
		CHECK(e == 0 || e == KERR_REBALANCE_IN_PROGRESS);
	}
	CHECK_EQ(heartbeat(&A, 2, ja.me), KERR_REBALANCE_IN_PROGRESS);
	CHECK_EQ(heartbeat(&Bc, 2, jb.me), KERR_UNKNOWN_MEMBER_ID);
	join_req(&w, 5, ja.me, 30000, "range");
	th_send(&A, &w);
	CHECK(read_join(&A, corr, 5, &ja));
	CHECK(ja.err == 0 && ja.gen == 3 && ja.nmembers == 1);

	/* A member whose connection dies while its join is parked is
	 * dropped at once: A's rejoin completes the barrier without it. */
	join_req(&w, 5, "", 30000, "range");
	th_send(&Bc, &w);
	CHECK_EQ(Bc.c->pending, 1);
	conn_fail(Bc.c, NULL);
	connset_run(&th_b.conns);
	join_req(&w, 5, ja.me, 30000, "range");
	th_send(&A, &w);
	CHECK(read_join(&A, corr, 5, &ja));
	CHECK(ja.err == 0 && ja.gen == 4 && ja.nmembers == 1);

	th_teardown();
	return t_result();
}
