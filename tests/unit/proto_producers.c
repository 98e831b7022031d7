/* SPDX-License-Identifier: MIT */
/*
 * proto_producers.c — idempotent producers' state rebuilt from the logs at
 * startup (producers_rebuild): after a reopen, a retry of any of a
 * producer's last five batches is recognised with its first offset, an
 * older one or a gap is refused, the next sequence is accepted, an old
 * epoch is fenced; a producer whose recent batches lie behind more than
 * the first scan's megabyte is still found; no new id repeats one in a
 * log. Without the rebuild the same retries would be appended again.
 */
#include "batch_builder.h"
#include "proto/producers.h"

/* What check() returns: append (0), a duplicate (1), or the error. */
enum {
	OUT_OF_ORDER = KERR_OUT_OF_ORDER_SEQUENCE,
	BAD_EPOCH = KERR_INVALID_PRODUCER_EPOCH
};

#define PA 5000LL      /* long-lived, its batches far apart */
#define PB 7000LL      /* writes 1.6 MiB in between */
#define PC (1LL << 60) /* a few batches; an id above the clock */
#define PD 9000LL      /* bumps its epoch (partition 1) */

struct sent {
	int64_t pid;
	int16_t epoch;
	int32_t seq, count;
	int64_t offset;
};

static struct sent log0[512], log1[64];
static size_t n0, n1;

/* Build a producer's batch (pid < 0: a plain one); fills *bi. */
static size_t mk(uint8_t *b, int64_t pid, int16_t epoch, int32_t seq,
		 int32_t count, size_t vlen, struct batch_info *bi)
{
	size_t len = bb_build(b, count, vlen, 1000, 1, (uint64_t)seq);

	if (pid >= 0)
		bb_set_producer(b, len, pid, epoch, seq);
	if (batch_validate(b, len, 1 << 20, bi) < 0)
		t_fatal("the builder made an invalid batch");
	return len;
}

static void put(struct plog *l, struct sent *v, size_t *n, int64_t pid,
		int16_t epoch, int32_t seq, int32_t count, size_t vlen)
{
	static uint8_t b[1 << 16];
	struct batch_info bi;
	size_t len = mk(b, pid, epoch, seq, count, vlen, &bi);
	int64_t off = plog_append(l, b, len, &bi, 0);

	CHECK(off >= 0);
	v[*n] = (struct sent){pid, epoch, seq, count, off};
	(*n)++;
}

/* producers_check of a batch like the one sent; *dup its answer. */
static int check(struct producers *p, int32_t part, int64_t pid, int16_t epoch,
		 int32_t seq, int32_t count, int64_t *dup)
{
	static uint8_t b[1 << 16];
	struct batch_info bi;

	mk(b, pid, epoch, seq, count, 10, &bi);
	enum kerr err = producers_check(p, "t", part, &bi, dup);
	if (err)
		return err;
	return *dup >= 0 ? 1 : 0;
}

/* The offset a batch of pid with base sequence seq was stored at. */
static int64_t offset_of(const struct sent *v, size_t n, int64_t pid,
			 int16_t epoch, int32_t seq)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].pid == pid && v[i].epoch == epoch && v[i].seq == seq)
			return v[i].offset;
	t_fatal("no such batch");
	return -1;
}

static void write_logs(struct topics *t)
{
	struct plog *l0 = topics_log(t, "t", 0), *l1 = topics_log(t, "t", 1);
	int32_t sa = 0, sb = 0;

	if (!l0 || !l1)
		t_fatal("no partition logs");
	put(l0, log0, &n0, PC, 0, 0, 1, 10);
	put(l0, log0, &n0, PC, 0, 1, 1, 10);
	for (int i = 0; i < 10; i++, sa += 2) {
		put(l0, log0, &n0, PA, 0, sa, 2, 50);
		put(l0, log0, &n0, -1, -1, -1, 1, 50);
	}
	/* 1.6 MiB of another producer: A's last batches fall out of the
	 * first megabyte scanned. */
	for (int i = 0; i < 160; i++, sb += 10)
		put(l0, log0, &n0, PB, 1, sb, 10, 1000);
	put(l0, log0, &n0, PA, 0, sa, 2, 50);

	put(l1, log1, &n1, PD, 0, 0, 3, 20);
	put(l1, log1, &n1, PD, 0, 3, 3, 20);
	put(l1, log1, &n1, PD, 1, 0, 1, 20);
	put(l1, log1, &n1, PD, 1, 1, 2, 20);
}

static void check_rebuilt(struct producers *p)
{
	int64_t dup;

	/* A: its last five batches (sequences 12..20) are known. */
	for (int32_t seq = 12; seq <= 20; seq += 2) {
		CHECK_EQ(check(p, 0, PA, 0, seq, 2, &dup), 1);
		CHECK_EQ(dup, offset_of(log0, n0, PA, 0, seq));
	}
	CHECK_EQ(check(p, 0, PA, 0, 10, 2, &dup), OUT_OF_ORDER);
	CHECK_EQ(check(p, 0, PA, 0, 24, 2, &dup), OUT_OF_ORDER);
	CHECK_EQ(check(p, 0, PA, 0, 22, 2, &dup), 0);
	/* A retry must match the batch, not only its first sequence. */
	CHECK_EQ(check(p, 0, PA, 0, 20, 1, &dup), OUT_OF_ORDER);
	/* B and C. */
	CHECK_EQ(check(p, 0, PB, 1, 1590, 10, &dup), 1);
	CHECK_EQ(dup, offset_of(log0, n0, PB, 1, 1590));
	CHECK_EQ(check(p, 0, PB, 1, 1600, 10, &dup), 0);
	CHECK_EQ(check(p, 0, PB, 0, 1600, 10, &dup), BAD_EPOCH);
	CHECK_EQ(check(p, 0, PC, 0, 0, 1, &dup), 1);
	CHECK_EQ(dup, offset_of(log0, n0, PC, 0, 0));
	CHECK_EQ(check(p, 0, PC, 0, 2, 1, &dup), 0);
	/* D bumped its epoch: only the new epoch's batches count. */
	CHECK_EQ(check(p, 1, PD, 1, 1, 2, &dup), 1);
	CHECK_EQ(dup, offset_of(log1, n1, PD, 1, 1));
	CHECK_EQ(check(p, 1, PD, 0, 3, 3, &dup), BAD_EPOCH);
	CHECK_EQ(check(p, 1, PD, 1, 3, 1, &dup), 0);
	/* State is per partition. */
	CHECK_EQ(check(p, 1, PA, 0, 0, 1, &dup), 0);
	CHECK_EQ(check(p, 1, PA, 0, 20, 2, &dup), 0);
	CHECK(producers_new_id(p) > PC);
}

int main(void)
{
	struct producers *p;
	struct log_config c;
	struct topics *t;
	char dir[2048];
	int64_t dup;

	log_config_defaults(&c);
	c.segment_bytes = 256 * 1024;
	c.index_max_bytes = 4096;
	snprintf(dir, sizeof(dir), "%s/proto_producers", t_tmpdir());
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(topics_create(t, "t", 2), 0);
	CHECK_EQ(topics_create(t, "empty", 1), 0);
	write_logs(t);
	topics_close(t);

	CHECK_EQ(topics_open(&t, dir, &c), 0);
	/* Nothing known before the rebuild: a retry would be appended. */
	CHECK_EQ(producers_create(&p), 0);
	CHECK_EQ(check(p, 0, PA, 0, 20, 2, &dup), 0);
	CHECK_EQ(producers_rebuild(p, t), 0);
	check_rebuilt(p);
	producers_free(p);
	topics_close(t);
	bb_rm_rf(dir);
	return t_result();
}
