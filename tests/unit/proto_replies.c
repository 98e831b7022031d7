/* SPDX-License-Identifier: MIT */
/*
 * proto_replies.c — answers that come later, through pending replies:
 *
 *   - order: on one connection a long-poll Fetch waits, a Metadata and a
 *     Produce behind it are handled at once, and the Produce's append
 *     completes the Fetch; the three answers leave in request order, the
 *     Fetch carrying the new records (a connection that stopped taking
 *     requests while one waited would answer the Fetch only at MaxWait,
 *     empty);
 *   - parked fetches are keyed by partition: an append wakes the waiters
 *     of its partition only, and MinBytes is respected;
 *   - MaxWait: a fetch nothing arrives for is answered by its timer;
 *   - a connection that closes with a Fetch and a JoinGroup pending
 *     cancels both cleanly (run under ASan);
 *   - zc.connection.max.pending.replies holds further requests back.
 */
#include "batch_builder.h"
#include "proto_harness.h"

static struct tconn A, B, C;

static void fetch_req(struct kw *w, int32_t corr, int32_t part, int64_t off,
		      int32_t max_wait, int32_t min_bytes)
{
	th_hdr(w, API_FETCH, 4, corr);
	kw_i32(w, -1); /* replica */
	kw_i32(w, max_wait);
	kw_i32(w, min_bytes);
	kw_i32(w, 1 << 20);
	kw_i8(w, 0);
	kw_array(w, 1);
	kw_str(w, "lp");
	kw_array(w, 1);
	kw_i32(w, part);
	kw_i64(w, off);
	kw_i32(w, 1 << 20);
}

static void produce_req(struct kw *w, int32_t corr, int32_t part,
			size_t value_len, uint64_t seed)
{
	static uint8_t batch[1 << 16];
	size_t n = bb_build(batch, 2, value_len, ev_wall_ms(), 1, seed);
	th_hdr(w, API_PRODUCE, 3, corr);
	kw_str(w, NULL);
	kw_i16(w, 1);
	kw_i32(w, 1000);
	kw_array(w, 1);
	kw_str(w, "lp");
	kw_array(w, 1);
	kw_i32(w, part);
	kw_bytes(w, batch, (int32_t)n);
}

static void join_req(struct kw *w, int32_t corr)
{
	th_hdr(w, API_JOIN_GROUP, 2, corr);
	kw_str(w, "grp");
	kw_i32(w, 10000);
	kw_i32(w, 60000);
	kw_str(w, "");
	kw_str(w, "consumer");
	kw_array(w, 1);
	kw_str(w, "range");
	kw_bytes(w, "m", 1);
}

/* Record bytes in a Fetch v4 answer of one partition, or -1. */
static int32_t fetched_bytes(struct kr *r)
{
	kr_i32(r); /* throttle */
	kr_array(r);
	kr_str(r);
	kr_array(r);
	kr_i32(r);
	int16_t err = kr_i16(r);
	kr_i64(r);
	kr_i64(r);
	kr_array(r);
	int32_t n = kr_i32(r);
	return kr_ok(r) && !err ? n : -1;
}

static bool nothing_waiting(struct tconn *t)
{
	uint8_t x;
	return read(t->peer, &x, 1) < 0 && errno == EAGAIN;
}

int main(void)
{
	struct kw w;
	struct kr r;
	th_setup();
	CHECK_EQ(topics_create(th_b.topics, "lp", 3), 0);
	th_conn(&A);
	th_conn(&B);
	th_conn(&C);

	/* Order, and a produce behind a waiting fetch completing it: the
	 * three requests arrive together, through the connection's own
	 * framing. */
	fetch_req(&w, 1, 0, 0, 30000, 1);
	th_feed(&A, &w);
	th_hdr(&w, API_METADATA, 1, 2);
	kw_array(&w, 1);
	kw_str(&w, "lp");
	th_feed(&A, &w);
	produce_req(&w, 3, 0, 100, 1);
	th_feed(&A, &w);
	broker_settle(&th_b);
	CHECK_EQ(fetch_parked(&th_b), 0);
	CHECK(th_answer(&A, 1, &r));
	CHECK(fetched_bytes(&r) > 200);
	CHECK(th_answer(&A, 2, &r));
	CHECK(th_answer(&A, 3, &r));
	CHECK(nothing_waiting(&A));

	/* The same by hand: the Metadata answer is held behind the fetch. */
	fetch_req(&w, 7, 0, 2, 30000, 1);
	CHECK_EQ(th_send(&A, &w), API_PENDING);
	th_hdr(&w, API_METADATA, 1, 8);
	kw_array(&w, 1);
	kw_str(&w, "lp");
	CHECK_EQ(th_send(&A, &w), API_REPLY);
	CHECK(nothing_waiting(&A));
	produce_req(&w, 9, 0, 100, 9);
	CHECK_EQ(th_send(&A, &w), API_REPLY);
	CHECK(th_answer(&A, 7, &r));
	CHECK(th_answer(&A, 8, &r));
	CHECK(th_answer(&A, 9, &r));

	/* Keyed by partition: B waits on partition 1, C on partition 2 with
	 * MinBytes 1000. A 2x100-byte append to 2 wakes neither; one to 1
	 * wakes B only; a second 2x600-byte append to 2 wakes C. */
	fetch_req(&w, 10, 1, 0, 30000, 1);
	CHECK_EQ(th_send(&B, &w), API_PENDING);
	fetch_req(&w, 20, 2, 0, 30000, 1000);
	CHECK_EQ(th_send(&C, &w), API_PENDING);
	CHECK_EQ(fetch_parked(&th_b), 2);
	produce_req(&w, 4, 2, 100, 2);
	th_send(&A, &w);
	CHECK(th_answer(&A, 4, &r));
	CHECK_EQ(fetch_parked(&th_b), 2);
	CHECK(nothing_waiting(&B) && nothing_waiting(&C));
	produce_req(&w, 5, 1, 100, 3);
	th_send(&A, &w);
	CHECK(th_answer(&A, 5, &r));
	CHECK(th_answer(&B, 10, &r));
	CHECK(fetched_bytes(&r) > 200);
	CHECK(nothing_waiting(&C));
	CHECK_EQ(fetch_parked(&th_b), 1);
	produce_req(&w, 6, 2, 600, 4);
	th_send(&A, &w);
	CHECK(th_answer(&A, 6, &r));
	CHECK(th_answer(&C, 20, &r));
	CHECK(fetched_bytes(&r) >= 1000);
	CHECK_EQ(fetch_parked(&th_b), 0);

	/* MaxWait: nothing arrives, the timer answers (empty). */
	fetch_req(&w, 30, 0, 4, 50, 1);
	CHECK_EQ(th_send(&B, &w), API_PENDING);
	th_run(300);
	CHECK(th_answer(&B, 30, &r));
	CHECK_EQ(fetched_bytes(&r), 0);
	CHECK_EQ(fetch_parked(&th_b), 0);

	/* Closing with a fetch and a join pending cancels both. B's join
	 * is answered at once (alone); C's waits for B to rejoin. */
	join_req(&w, 41);
	CHECK_EQ(th_send(&B, &w), API_PENDING);
	CHECK(th_answer(&B, 41, &r));
	fetch_req(&w, 42, 0, 4, 30000, 1);
	CHECK_EQ(th_send(&C, &w), API_PENDING);
	join_req(&w, 43);
	CHECK_EQ(th_send(&C, &w), API_PENDING);
	CHECK_EQ(C.c->pending, 2);
	conn_fail(C.c, NULL);
	connset_run(&th_b.conns);
	CHECK_EQ(fetch_parked(&th_b), 0);
	close(C.peer);
	/* The fetch timer went with it: the loop runs quietly. */
	th_run(50);

	/* zc.connection.max.pending.replies: with two fetches waiting on B,
	 * a third request is not taken until one of them is answered. */
	th_b.cfg.max_pending_replies = 2;
	fetch_req(&w, 50, 1, 2, 30000, 1);
	th_feed(&B, &w);
	fetch_req(&w, 51, 2, 4, 30000, 1);
	th_feed(&B, &w);
	th_hdr(&w, API_METADATA, 1, 52);
	kw_array(&w, 0);
	th_feed(&B, &w);
	broker_settle(&th_b);
	CHECK_EQ(B.c->pending, 2);
	CHECK(B.c->rlen > B.c->rpos); /* the Metadata request waits */
	produce_req(&w, 53, 1, 100, 5);
	th_send(&A, &w);
	CHECK(th_answer(&A, 53, &r));
	broker_settle(&th_b);
	CHECK(th_answer(&B, 50, &r));
	CHECK_EQ(B.c->pending, 1);
	CHECK_EQ(B.c->rlen, B.c->rpos); /* taken: answered after 51 */
	CHECK(nothing_waiting(&B));
	produce_req(&w, 54, 2, 100, 6);
	th_send(&A, &w);
	CHECK(th_answer(&A, 54, &r));
	CHECK(th_answer(&B, 51, &r));
	CHECK(th_answer(&B, 52, &r));
	th_b.cfg.max_pending_replies = 64;

	th_teardown();
	close(A.peer);
	close(B.peer);
	return t_result();
}
