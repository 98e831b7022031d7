/* SPDX-License-Identifier: MIT */
/*
 * log_retention.c — retention by time (a segment's largest timestamp,
 * else its mtime) and by size deletes whole old segments with Kafka's
 * rules; a slice taken before the deletion still reads the right bytes;
 * start/end offsets follow; when everything expires the log rolls and
 * appends go on; segment.ms rolls (in record time); ListOffsets by time answers
 * the first record at or after a timestamp.
 */
#include <sys/time.h>

#include "batch_builder.h"

#define RET_MS 10000

static int64_t wall_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static struct log_config cfg(void)
{
	struct log_config c;

	log_config_defaults(&c);
	c.segment_bytes = 16 * 1024;
	c.index_interval_bytes = 512;
	c.retention_ms = RET_MS;
	return c;
}

static void fill(struct model *m, struct plog *l, int n, int64_t ts0)
{
	for (int i = 0; i < n; i++)
		model_append(m, l, 2, 150, ts0 + (int64_t)m->n * 100, 1,
			     (uint64_t)m->n, 0);
}

/* Largest record timestamp of the segment starting at bases[k]. */
static int64_t seg_max_ts(const struct model *m, const int64_t *bases,
			  size_t nseg, size_t k)
{
	int64_t hi = k + 1 < nseg ? bases[k + 1] : INT64_MAX, best = -1;

	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].base >= bases[k] && m->v[i].base < hi)
			best = m->v[i].base_ts +
			       (m->v[i].count - 1) * m->v[i].ts_step;
	return best;
}

static int64_t expect_for_time(const struct model *m, int64_t start, int64_t ts)
{
	for (size_t i = 0; i < m->n; i++)
		for (int32_t k = 0; k < m->v[i].count; k++)
			if (m->v[i].base + k >= start &&
			    m->v[i].base_ts + k * m->v[i].ts_step >= ts)
				return m->v[i].base + k;
	return -1;
}

static int seg_exists(const char *dir, int64_t base)
{
	char p[8192];

	snprintf(p, sizeof(p), "%s/%020" PRId64 ".log", dir, base);
	return access(p, F_OK) == 0;
}

static void test_time(const char *dir)
{
	struct log_config c = cfg();
	struct model m = {0};
	struct plog *l;
	struct plog_slice s0, s1;
	int64_t bases[256], now;
	size_t nseg, k = 2;

	CHECK_EQ(plog_open(&l, dir, &c), 0);
	fill(&m, l, 300, 100000);
	nseg = model_list_segments(dir, bases, 256);
	CHECK(nseg >= 6);

	for (int64_t ts = 99000; ts < 100000 + 300 * 100 + 50; ts += 17)
		CHECK_EQ(plog_offset_for_time(l, ts),
			 model_offset_for_time(&m, ts));
	CHECK_EQ(plog_offset_for_time(l, -1), m.end);
	CHECK_EQ(plog_offset_for_time(l, -2), 0);

	/* Nothing is old enough yet. */
	now = seg_max_ts(&m, bases, nseg, 0) + RET_MS;
	CHECK_EQ(plog_maintain(l, now), 0);
	CHECK_EQ(plog_start_offset(l), 0);

	CHECK_EQ(plog_read(l, 0, 1 << 20, &s0), 0);
	CHECK_EQ(plog_read(l, bases[1] + 1, 300, &s1), 0);
	now = seg_max_ts(&m, bases, nseg, k) + RET_MS + 1;
	CHECK_EQ(plog_maintain(l, now), (int)k + 1);
	CHECK_EQ(plog_start_offset(l), bases[k + 1]);
	CHECK_EQ(plog_end_offset(l), m.end);
	for (size_t i = 0; i <= k; i++)
		CHECK(!seg_exists(dir, bases[i]));
	CHECK(seg_exists(dir, bases[k + 1]));
	/* The slices still read their (now unlinked) segments' bytes. */
	CHECK(model_check_slice(&m, &s0, 0));
	CHECK(model_check_slice(&m, &s1, bases[1] + 1));
	plog_slice_release(&s0);
	plog_slice_release(&s1);
	CHECK_EQ(plog_read(l, bases[k + 1] - 1, 100, &s0), -ERANGE);
	CHECK_EQ(plog_read(l, 0, 100, &s0), -ERANGE);
	model_check_reads(&m, l, 3000, 1);
	for (int64_t ts = 99000; ts < 100000 + 300 * 100 + 50; ts += 23)
		CHECK_EQ(plog_offset_for_time(l, ts),
			 expect_for_time(&m, bases[k + 1], ts));
	CHECK_EQ(plog_offset_for_time(l, -2), bases[k + 1]);

	/* Everything expires: roll, then delete all; appends go on. */
	now = m.v[m.n - 1].base_ts + RET_MS + 5;
	CHECK_EQ(plog_maintain(l, now), (int)(nseg - k - 1));
	CHECK_EQ(plog_start_offset(l), m.end);
	CHECK_EQ(plog_end_offset(l), m.end);
	CHECK_EQ(plog_size_bytes(l), 0);
	CHECK_EQ(model_list_segments(dir, bases, 256), 1);
	CHECK_EQ(bases[0], m.end);
	CHECK_EQ(plog_read(l, m.end, 100, &s0), 0);
	CHECK_EQ(s0.len, 0);
	CHECK_EQ(plog_read(l, m.end - 1, 100, &s0), -ERANGE);
	CHECK_EQ(plog_offset_for_time(l, 0), -1);
	/* An empty last segment is never deleted. */
	CHECK_EQ(plog_maintain(l, now + 100000000), 0);
	fill(&m, l, 5, now);
	CHECK_EQ(plog_read(l, bases[0], 100, &s0), 0);
	CHECK(model_check_slice(&m, &s0, bases[0]));
	plog_slice_release(&s0);
	plog_close(l);

	/* And after a reopen the start offset is where retention left it. */
	CHECK_EQ(plog_open(&l, dir, &c), 0);
	CHECK_EQ(plog_start_offset(l), bases[0]);
	CHECK_EQ(plog_end_offset(l), m.end);
	model_check_reads(&m, l, 1000, 1);
	plog_close(l);
	model_free(&m);
}

static void test_size(const char *dir)
{
	struct log_config c = cfg();
	struct model m = {0};
	struct plog *l;
	int64_t bases[256], diff;
	size_t nseg, k = 0;
	uint64_t sizes[256], total = 0;

	c.retention_ms = -1;
	c.retention_bytes = 3 * 16 * 1024 + 100;
	CHECK_EQ(plog_open(&l, dir, &c), 0);
	fill(&m, l, 300, 1000);
	nseg = model_list_segments(dir, bases, 256);
	for (size_t i = 0; i < nseg; i++) {
		char p[8192];
		struct stat st;

		snprintf(p, sizeof(p), "%s/%020" PRId64 ".log", dir, bases[i]);
		sizes[i] = stat(p, &st) == 0 ? (uint64_t)st.st_size : 0;
		total += sizes[i];
	}
	CHECK_EQ(plog_size_bytes(l), total);
	/* Kafka's rule: drop the oldest while what is left stays >= limit. */
	diff = (int64_t)total - c.retention_bytes;
	while (k < nseg && diff - (int64_t)sizes[k] >= 0)
		diff -= (int64_t)sizes[k++];
	CHECK(k >= 2);
	CHECK_EQ(plog_maintain(l, 0), (int)k);
	CHECK_EQ(plog_start_offset(l), bases[k]);
	CHECK(plog_size_bytes(l) >= (uint64_t)c.retention_bytes);
	CHECK_EQ(model_list_segments(dir, bases, 256), nseg - k);
	CHECK_EQ(plog_maintain(l, 0), 0);
	model_check_reads(&m, l, 5000, 1);
	plog_close(l);
	model_free(&m);
}

/* segment.ms: rolled by appends, counted in the records' own time from
 * the first batch's MaxTimestamp to the incoming batch's (the wall clock
 * given to appends plays no part), and by maintain, counted by the wall
 * clock from the segment's making. */
static void test_roll_ms(const char *dir)
{
	struct log_config c = cfg();
	struct model m = {0};
	struct plog *l;
	int64_t bases[16];

	c.segment_ms = 1000;
	c.retention_ms = -1;
	CHECK_EQ(plog_open(&l, dir, &c), 0);
	model_append(&m, l, 3, 10, 49998, 1, 1, 0); /* max ts 50000 */
	model_append(&m, l, 3, 10, 50500, 1, 2, 9000000);
	model_append(&m, l, 3, 10, 50998, 1, 3, 0); /* 1000: not yet */
	CHECK_EQ(model_list_segments(dir, bases, 16), 1);
	int64_t before = wall_now();
	model_append(&m, l, 3, 10, 50999, 1, 4, 0); /* 1001: roll */
	int64_t after = wall_now();
	CHECK_EQ(model_list_segments(dir, bases, 16), 2);
	CHECK_EQ(bases[1], 9);
	/* Without appends, maintain rolls segment 9 segment.ms after it
	 * was made, by the wall clock. */
	CHECK_EQ(plog_maintain(l, before + 1000), 0);
	CHECK_EQ(model_list_segments(dir, bases, 16), 2);
	CHECK_EQ(plog_maintain(l, after + 1001), 0);
	CHECK_EQ(model_list_segments(dir, bases, 16), 3);
	CHECK_EQ(bases[2], 12);
	CHECK_EQ(plog_end_offset(l), 12);
	/* An empty active segment does not roll again. */
	CHECK_EQ(plog_maintain(l, 99999999), 0);
	CHECK_EQ(model_list_segments(dir, bases, 16), 3);
	model_check_reads(&m, l, 100, 1);
	plog_close(l);
	model_free(&m);
}

/* Records stamped ten days ago, produced now: they stay in one segment
 * while their own times are within segment.ms of the first batch's. */
static void test_roll_old(const char *dir)
{
	struct log_config c = cfg();
	struct model m = {0};
	struct plog *l;
	int64_t bases[16];
	const int64_t now = 1700000000000LL, old = now - 10 * 86400000LL;

	c.segment_ms = 1000;
	c.retention_ms = -1;
	CHECK_EQ(plog_open(&l, dir, &c), 0);
	for (int i = 0; i < 20; i++)
		model_append(&m, l, 2, 10, old + i * 10, 1, (uint64_t)i,
			     now + i);
	CHECK_EQ(model_list_segments(dir, bases, 16), 1);
	/* Nor does maintain roll it for its old records (the wall clock
	 * since the segment was made is what counts there). */
	CHECK_EQ(plog_maintain(l, wall_now() + 500), 0);
	CHECK_EQ(model_list_segments(dir, bases, 16), 1);
	model_append(&m, l, 2, 10, old + 2000, 1, 99, now + 20);
	CHECK_EQ(model_list_segments(dir, bases, 16), 2);
	CHECK_EQ(bases[1], 40);
	model_check_reads(&m, l, 100, 1);
	plog_close(l);
	model_free(&m);
}

/* Batches with NO_TIMESTAMP (-1): retention falls back to the mtime. */
static void test_mtime(const char *dir)
{
	struct log_config c = cfg();
	struct model m = {0};
	struct plog *l;
	int64_t bases[16];
	struct timeval tv[2] = {{1000, 0}, {1000, 0}}; /* 1000 s */
	char p[8192];

	CHECK_EQ(plog_open(&l, dir, &c), 0);
	while (model_list_segments(dir, bases, 16) < 2)
		model_append(&m, l, 4, 200, -1, 0, m.n, 0);
	snprintf(p, sizeof(p), "%s/%020" PRId64 ".log", dir, bases[0]);
	CHECK_EQ(utimes(p, tv), 0);
	CHECK_EQ(plog_maintain(l, 1000 * 1000 + RET_MS), 0);
	CHECK_EQ(plog_maintain(l, 1000 * 1000 + RET_MS + 1), 1);
	CHECK_EQ(plog_start_offset(l), bases[1]);
	CHECK_EQ(plog_offset_for_time(l, 0), -1);
	model_check_reads(&m, l, 1000, 1);
	plog_close(l);
	model_free(&m);
}

int main(void)
{
	char d[2048], p[4096];

	snprintf(d, sizeof(d), "%s/log_retention", t_tmpdir());
	snprintf(p, sizeof(p), "%s/time-0", d);
	test_time(p);
	snprintf(p, sizeof(p), "%s/size-0", d);
	test_size(p);
	snprintf(p, sizeof(p), "%s/roll-0", d);
	test_roll_ms(p);
	snprintf(p, sizeof(p), "%s/old-0", d);
	test_roll_old(p);
	snprintf(p, sizeof(p), "%s/mtime-0", d);
	test_mtime(p);
	bb_rm_rf(d);
	return t_result();
}
