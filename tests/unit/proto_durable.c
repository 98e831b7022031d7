/* SPDX-License-Identifier: MIT */
/*
 * proto_durable.c — durable acknowledgements inside a real broker whose
 * fdatasync calls go through the storage layer's fault hook (log/sys.h):
 * an acks=all produce and an OffsetCommit wait in a pending reply until
 * the group commit's eventfd is served by the loop, then are answered;
 * an acks=1 produce is answered at once; the connection keeps reading
 * while an answer waits, so three acks=all produces of one connection
 * share syncs and a later acks=1 answer leaves after them, in order; a
 * connection closed while its answers wait cancels them; a failed sync
 * answers the waiter with KAFKA_STORAGE_ERROR (base offset -1), takes the
 * partition offline (acks=1 refused, and acks=all refused again once
 * syncs work) until a restart's recovery, leaves other partitions alone,
 * and a failed offsets sync refuses later commits until a restart; an
 * answer waiting on a topic that is deleted says the record is gone.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "batch_builder.h"
#include "durable.h"
#include "log/sys.h"
#include "proto_harness.h"

static atomic_int fail_rc; /* -errno the flusher's syncs fail with */
static atomic_int sync_calls;
static atomic_bool shut; /* the flusher's syncs wait while set */
static pthread_t loop_thread;

/* The storage layer's fault hook: acts on the flusher's fdatasync calls
 * only (the loop's own, at a roll or at close, are left alone). */
static void hook(enum lsys_id id, uint64_t nth, struct lsys_fault *f, void *arg)
{
	(void)nth;
	(void)arg;
	if (id != LSYS_FDATASYNC || pthread_equal(pthread_self(), loop_thread))
		return;
	while (atomic_load(&shut))
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	atomic_fetch_add(&sync_calls, 1);
	f->err = -atomic_load(&fail_rc);
}

static struct tconn T;

/* Produce v11, flexible (KIP-482): compact forms and tagged fields. */
static void produce_req_flex(struct kw *w, int corr, int32_t part, int16_t acks,
			     uint64_t seed)
{
	uint8_t b[4096];
	size_t n = bb_build(b, 3, 50, ev_wall_ms(), 1, seed);

	th_hdr(w, 0, 11, corr);
	kw_tags0(w);	  /* request header v2 */
	kw_uvarint(w, 0); /* null transactional id */
	kw_i16(w, acks);
	kw_i32(w, 1000);
	kw_carray(w, 1);
	kw_cstr(w, "dt");
	kw_carray(w, 1);
	kw_i32(w, part);
	kw_uvarint(w, n + 1);
	kw_raw(w, b, n);
	kw_tags0(w); /* partition */
	kw_tags0(w); /* topic */
	kw_tags0(w);
}

/* The v11 answer for corr: its error, *base the offset. -100: none. */
static int read_produce_flex(int corr, int64_t *base)
{
	struct kr r;

	if (!th_answer(&T, corr, &r))
		return -100;
	kr_tags(&r); /* response header v1 */
	kr_carray(&r);
	kr_cstr(&r);
	kr_carray(&r);
	kr_i32(&r);
	int16_t err = kr_i16(&r);
	*base = kr_i64(&r);
	return kr_ok(&r) ? err : -101;
}

static void produce_req(struct kw *w, int corr, int32_t part, int16_t acks,
			uint64_t seed)
{
	uint8_t b[4096];
	size_t n = bb_build(b, 3, 50, ev_wall_ms(), 1, seed);

	th_hdr(w, 0, 7, corr);
	kw_str(w, NULL);
	kw_i16(w, acks);
	kw_i32(w, 1000);
	kw_array(w, 1);
	kw_str(w, "dt");
	kw_array(w, 1);
	kw_i32(w, part);
	kw_bytes(w, b, (int32_t)n);
}

/* A produce arriving on the socket, taken when the connection reads. */
static void feed_produce(int corr, int32_t part, int16_t acks, uint64_t seed)
{
	struct kw w;

	produce_req(&w, corr, part, acks, seed);
	th_feed(&T, &w);
}

/* Send a produce; `waits`: whether its answer must wait for a sync. */
static void send_produce(int corr, int32_t part, int16_t acks, uint64_t seed,
			 bool waits)
{
	struct kw w;

	produce_req(&w, corr, part, acks, seed);
	CHECK_EQ(th_send(&T, &w), waits ? API_PENDING : API_REPLY);
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

	CHECK_EQ(rc, -100); /* waiting: nothing before the sync */
	for (int i = 0; i < 100 && T.c->pending; i++)
		th_run(10);
	CHECK_EQ(T.c->pending, 0);
	return read_produce(corr, base);
}

static void send_commit(int corr, int64_t off, bool waits)
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
	CHECK_EQ(th_send(&T, &w), waits ? API_PENDING : API_REPLY);
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
	CHECK_EQ(read_commit(corr), -100); /* waiting: nothing yet */
	for (int i = 0; i < 100 && T.c->pending; i++)
		th_run(10);
	return read_commit(corr);
}

int main(void)
{
	int64_t base;

	th_write_caching = false; /* durable acks, as by default */
	th_setup();
	loop_thread = pthread_self();
	lsys_fault_set(hook, NULL);
	CHECK(dur_enabled(&th_b));
	CHECK_EQ(topics_create(th_b.topics, "dt", 2), 0);
	th_conn(&T);

	/* acks=all: held until the sync, then answered. */
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

	/* The connection keeps reading while answers wait: three acks=all
	 * produces arriving together (syncs held back) are all taken and
	 * share the syncs (one, or two if the first started alone), and an
	 * acks=1 answer sent after them leaves after them. */
	atomic_store(&shut, true);
	before = atomic_load(&sync_calls);
	uint64_t taken = T.c->requests;
	feed_produce(31, 0, -1, 31);
	feed_produce(32, 0, -1, 32);
	feed_produce(33, 0, -1, 33);
	feed_produce(34, 0, 1, 34); /* handled, its answer queued */
	broker_settle(&th_b);
	CHECK_EQ(T.c->requests - taken, 4); /* all taken at once */
	CHECK_EQ(T.c->pending, 3);
	CHECK_EQ(read_produce(34, &base), -100); /* nothing overtakes */
	atomic_store(&shut, false);
	for (int i = 0; i < 100 && T.c->pending; i++)
		th_run(10);
	CHECK_EQ(read_produce(31, &base), 0);
	CHECK_EQ(base, 6);
	CHECK_EQ(read_produce(32, &base), 0);
	CHECK_EQ(base, 9);
	CHECK_EQ(read_produce(33, &base), 0);
	CHECK_EQ(base, 12);
	CHECK_EQ(read_produce(34, &base), 0);
	CHECK_EQ(base, 15);
	CHECK(atomic_load(&sync_calls) - before >= 1);
	CHECK(atomic_load(&sync_calls) - before <= 2);

	/* A connection closed while answers wait: they are cancelled, and
	 * the sync that finishes later answers nobody. */
	struct tconn gone = T;
	atomic_store(&shut, true);
	th_conn(&T);
	send_produce(41, 0, -1, 41, true);
	send_produce(42, 0, -1, 42, true);
	CHECK(th_b.dur_head != NULL);
	conn_fail(T.c, NULL);
	broker_settle(&th_b);
	CHECK(th_b.dur_head == NULL);
	atomic_store(&shut, false);
	th_run(30);
	close(T.peer);
	T = gone;

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
	/* The flusher may have taken the first commit alone, before the
	 * others came: they are then answered by the second sync. */
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 100 && more[i].c->pending; j++)
			th_run(10);
	for (int i = 0; i < 3; i++) {
		struct tconn keep = T;

		T = more[i];
		CHECK_EQ(read_commit(21 + i), 0);
		close(T.peer);
		conn_fail(T.c, NULL);
		T = keep;
	}
	CHECK(atomic_load(&sync_calls) - before >= 1);
	CHECK(atomic_load(&sync_calls) - before <= 2);

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
	/* The same at the flexible v11: held, answered, then patched with
	 * KAFKA_STORAGE_ERROR and base -1 where its sync fails. */
	struct kw fw;
	produce_req_flex(&fw, 70, 1, -1, 70);
	CHECK_EQ(th_send(&T, &fw), API_PENDING);
	for (int i = 0; i < 100 && T.c->pending; i++)
		th_run(10);
	CHECK_EQ(read_produce_flex(70, &base), 0);
	CHECK_EQ(base, 3);
	atomic_store(&fail_rc, -EIO);
	produce_req_flex(&fw, 71, 1, -1, 71);
	CHECK_EQ(th_send(&T, &fw), API_PENDING);
	for (int i = 0; i < 100 && T.c->pending; i++)
		th_run(10);
	CHECK_EQ(read_produce_flex(71, &base), KERR_KAFKA_STORAGE_ERROR);
	CHECK_EQ(base, -1);
	atomic_store(&fail_rc, 0);

	/* A failed offsets sync: that commit and later ones refused. */
	atomic_store(&fail_rc, -ENOSPC);
	send_commit(8, 9, true);
	CHECK_EQ(commit_wait(8), KERR_KAFKA_STORAGE_ERROR);
	atomic_store(&fail_rc, 0);
	send_commit(9, 10, false);
	CHECK_EQ(read_commit(9), KERR_KAFKA_STORAGE_ERROR);

	/* Offline until recovery: after a restart, which re-reads the log
	 * (no clean marker was left), the partition takes records again
	 * and keeps every acknowledged one (offsets 0-17), and commits work
	 * again. */
	lsys_fault_set(NULL, NULL);
	close(T.peer);
	th_teardown();
	th_setup();
	lsys_fault_set(hook, NULL);
	th_conn(&T);
	struct plog *l0 = topics_log(th_b.topics, "dt", 0);
	CHECK(l0 != NULL);
	CHECK_EQ(plog_offline(l0), 0);
	CHECK(plog_end_offset(l0) >= 18);
	send_produce(12, 0, -1, 12, true);
	CHECK_EQ(produce_wait(12, &base), 0);
	CHECK_EQ(base, plog_end_offset(l0) - 3);
	send_commit(13, 11, true);
	CHECK_EQ(commit_wait(13), 0);

	/* The topic is deleted while an answer waits on it: the answer says
	 * the record is not kept (and nothing reads the freed log). */
	send_produce(11, 1, -1, 11, true);
	dur_forget_topic(&th_b, "dt");
	CHECK_EQ(topics_delete(th_b.topics, "dt"), 0);
	CHECK_EQ(produce_wait(11, &base), KERR_KAFKA_STORAGE_ERROR);
	CHECK_EQ(topics_create(th_b.topics, "dt", 2), 0);

	/* A connection closed while an answer waits: it is forgotten. */
	send_produce(10, 1, -1, 10, true);
	conn_fail(T.c, NULL);
	th_run(30);
	close(T.peer);
	th_conn(&T);

	lsys_fault_set(NULL, NULL);
	th_teardown();
	return t_result();
}
