/* SPDX-License-Identifier: MIT */
/*
 * proto_durable.c — durable acknowledgements inside a real broker with an
 * injected sync call: an acks=all produce and an OffsetCommit are parked
 * until the group commit's eventfd is served by the loop, then answered;
 * an acks=1 produce is answered at once; a failed sync answers the waiter
 * with KAFKA_STORAGE_ERROR (base offset -1), takes the partition offline
 * (acks=1 refused, and acks=all refused again once syncs work), leaves
 * other partitions alone, and a failed offsets sync refuses later commits;
 * an answer waiting on a topic that is deleted says the record is gone.
 */
#include <stdatomic.h>

#include "batch_builder.h"
#include "durable.h"
#include "proto_harness.h"

static atomic_int fail_rc;
static atomic_int sync_calls;
static atomic_bool shut; /* syncs wait while set */

static int fake_sync(int fd)
{
	while (atomic_load(&shut))
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	atomic_fetch_add(&sync_calls, 1);
	return atomic_load(&fail_rc);
}

static struct tconn T;

/* Send a produce; `parked`: whether it must wait for a sync. */
static void send_produce(int corr, int32_t part, int16_t acks, uint64_t seed,
			 bool parked)
{
	uint8_t b[4096];
	size_t n = bb_build(b, 3, 50, ev_wall_ms(), 1, seed);
	struct kw w;

	th_hdr(&w, 0, 7, corr);
	kw_str(&w, NULL);
	kw_i16(&w, acks);
	kw_i32(&w, 1000);
	kw_array(&w, 1);
	kw_str(&w, "dt");
	kw_array(&w, 1);
	kw_i32(&w, part);
	kw_bytes(&w, b, (int32_t)n);
	CHECK_EQ(th_send(&T, &w), parked ? API_PARKED : API_REPLY);
}

/* Past [topics: name, [partition id ...: the error of the first one. */
static int16_t first_err(struct kr *r)
{
	kr_array(r);
	kr_str(r);
	kr_array(r);
	kr_i32(r);
	return kr_i16(r);
}

/* The produce answer for corr: its error, *base the offset. -100: none. */
static int read_produce(int corr, int64_t *base)
{
	struct kr r;

	if (!th_answer(&T, corr, &r))
		return -100;
	int16_t err = first_err(&r);
	*base = kr_i64(&r);
	return kr_ok(&r) ? err : -101;
}

/* Serve the loop until the group commit's answer is out. */
static int produce_wait(int corr, int64_t *base)
{
	int rc = read_produce(corr, base);

	CHECK_EQ(rc, -100); /* parked: nothing before the sync */
	for (int i = 0; i < 100 && T.c->parked; i++)
		th_run(10);
	CHECK(!T.c->parked);
	return read_produce(corr, base);
}

static void send_commit(int corr, int64_t off, bool parked)
{
	struct kw w;

	th_hdr(&w, 8, 5, corr);
	kw_str(&w, "dg");
	kw_i32(&w, -1);
	kw_str(&w, "");
	kw_array(&w, 1);
	kw_str(&w, "dt");
	kw_array(&w, 1);
	kw_i32(&w, 0);
	kw_i64(&w, off);
	kw_str(&w, "");
	CHECK_EQ(th_send(&T, &w), parked ? API_PARKED : API_REPLY);
}

/* The OffsetCommit answer for corr (after the throttle time). */
static int read_commit(int corr)
{
	struct kr r;

	if (!th_answer(&T, corr, &r))
		return -100;
	kr_i32(&r); /* throttle */
	int16_t err = first_err(&r);
	return kr_ok(&r) ? err : -101;
}

static int commit_wait(int corr)
{
	CHECK_EQ(read_commit(corr), -100); /* parked: nothing yet */
	for (int i = 0; i < 100 && T.c->parked; i++)
		th_run(10);
	return read_commit(corr);
}

int main(void)
{
	int64_t base;

	th_setup();
	if (dur_start_with(&th_b, fake_sync))
		t_fatal("cannot start the group commit");
	CHECK(dur_enabled(&th_b));
	CHECK_EQ(topics_create(th_b.topics, "dt", 2), 0);
	th_conn(&T);

	/* acks=all: parked until the sync, then answered. */
	send_produce(1, 0, -1, 1, true);
	CHECK_EQ(produce_wait(1, &base), 0);
	CHECK_EQ(base, 0);
	CHECK(atomic_load(&sync_calls) >= 1);
	/* acks=1: answered at once, no sync asked. */
	int before = atomic_load(&sync_calls);
	send_produce(2, 0, 1, 2, false);
	CHECK_EQ(read_produce(2, &base), 0);
	CHECK_EQ(base, 3);
	th_run(20);
	CHECK_EQ(atomic_load(&sync_calls), before);

	/* OffsetCommit waits for the group commit too. */
	send_commit(3, 7, true);
	CHECK_EQ(commit_wait(3), 0);
	/* A burst of commits from four consumers costs two syncs of the
	 * store, not four: the first, and one for all that came while it
	 * ran. */
	struct tconn more[3];
	atomic_store(&shut, true);
	before = atomic_load(&sync_calls);
	send_commit(20, 20, true);
	for (int i = 0; i < 3; i++) {
		struct tconn keep = T;

		th_conn(&more[i]);
		T = more[i];
		send_commit(21 + i, 21 + i, true);
		more[i] = T;
		T = keep;
	}
	atomic_store(&shut, false);
	CHECK_EQ(commit_wait(20), 0);
	for (int i = 0; i < 3; i++) {
		struct tconn keep = T;

		T = more[i];
		CHECK_EQ(read_commit(21 + i),
			 0); /* answered by that loop run */
		close(T.peer);
		conn_fail(T.c, NULL);
		T = keep;
	}
	CHECK_EQ(atomic_load(&sync_calls) - before, 2);

	/* The disk fails: the waiter gets KAFKA_STORAGE_ERROR, base -1. */
	atomic_store(&fail_rc, -EIO);
	send_produce(4, 0, -1, 4, true);
	CHECK_EQ(produce_wait(4, &base), KERR_KAFKA_STORAGE_ERROR);
	CHECK_EQ(base, -1);
	CHECK_EQ(plog_offline(topics_log(th_b.topics, "dt", 0)), -EIO);
	/* Offline: acks=1 refused at once; once the disk works again,
	 * acks=all still refused (its pages may be gone). */
	send_produce(5, 0, 1, 5, false);
	CHECK_EQ(read_produce(5, &base), KERR_KAFKA_STORAGE_ERROR);
	atomic_store(&fail_rc, 0);
	send_produce(6, 0, -1, 6, false);
	CHECK_EQ(read_produce(6, &base), KERR_KAFKA_STORAGE_ERROR);
	/* Partition 1 never failed: it works. */
	send_produce(7, 1, -1, 7, true);
	CHECK_EQ(produce_wait(7, &base), 0);
	CHECK_EQ(base, 0);

	/* A failed offsets sync: that commit and later ones refused. */
	atomic_store(&fail_rc, -ENOSPC);
	send_commit(8, 9, true);
	CHECK_EQ(commit_wait(8), KERR_KAFKA_STORAGE_ERROR);
	atomic_store(&fail_rc, 0);
	send_commit(9, 10, false);
	CHECK_EQ(read_commit(9), KERR_KAFKA_STORAGE_ERROR);

	/* The topic is deleted while an answer waits on it: the answer says
	 * the record is not kept (and nothing reads the freed log). */
	send_produce(11, 1, -1, 11, true);
	dur_forget_topic(&th_b, "dt");
	CHECK_EQ(topics_delete(th_b.topics, "dt"), 0);
	CHECK_EQ(produce_wait(11, &base), KERR_KAFKA_STORAGE_ERROR);
	CHECK_EQ(topics_create(th_b.topics, "dt", 2), 0);

	/* A connection closed while parked: its waiter is forgotten. */
	send_produce(10, 1, -1, 10, true);
	conn_fail(T.c, NULL);
	th_run(30);
	close(T.peer);
	th_conn(&T);

	conn_close_all(&th_b);
	dur_stop(&th_b);
	th_teardown();
	return t_result();
}
