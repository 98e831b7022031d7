/* SPDX-License-Identifier: MIT */
/*
 * log_index.c — appends across many small segments with a small index
 * interval: every offset reads back as the batch holding it (with whole
 * batches up to the read limit), segments roll on size, on a full index
 * and on relative-offset overflow and are named by their 20-digit base
 * offset, the active index is preallocated and trimmed on roll/close to
 * exactly the entries Kafka's rule gives, and a reopen after a clean
 * close finds everything and goes on appending.
 */
#include "batch_builder.h"

#define INTERVAL 256

static struct log_config cfg(void)
{
	struct log_config c;

	log_config_defaults(&c);
	c.segment_bytes = 64 * 1024;
	c.index_interval_bytes = INTERVAL;
	c.index_max_bytes = 4096 + 5; /* rounded down per entry size */
	return c;
}

static off_t file_size(const char *dir, int64_t base, const char *sfx)
{
	char p[8192];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%020" PRId64 "%s", dir, base, sfx);
	return stat(p, &st) < 0 ? -1 : st.st_size;
}

static void append_many(struct model *m, struct plog *l, int n, uint64_t seed)
{
	for (int i = 0; i < n; i++) {
		int32_t count = 1 + (int32_t)((seed + (uint64_t)i) % 5);
		size_t vlen = 10 + ((seed * 31 + (uint64_t)i * 7) % 300);

		model_append(m, l, count, vlen, 1000000 + i * 10, 1,
			     seed + (uint64_t)i, 0);
	}
}

static void test_roll_and_lookup(const char *dir)
{
	struct log_config c = cfg();
	struct model m = {0};
	struct plog *l;
	int64_t bases[4096];
	size_t nseg;

	CHECK_EQ(plog_open(&l, dir, &c), 0);
	CHECK_EQ(plog_end_offset(l), 0);
	CHECK_EQ(plog_start_offset(l), 0);
	/* A new partition has no file until its first batch (creating
	 * thousands costs no descriptors); then preallocated indexes. */
	CHECK_EQ(file_size(dir, 0, ".log"), -1);
	CHECK_EQ(file_size(dir, 0, ".index"), -1);
	append_many(&m, l, 1, 1);
	CHECK_EQ(file_size(dir, 0, ".index"), 4096);
	CHECK_EQ(file_size(dir, 0, ".timeindex"), 4092);

	append_many(&m, l, 1499, 1);
	CHECK_EQ(plog_end_offset(l), m.end);
	nseg = model_list_segments(dir, bases, 4096);
	CHECK(nseg > 5);
	/* Every rolled segment: trimmed indexes, size limit respected. */
	for (size_t i = 0; i + 1 < nseg; i++) {
		CHECK(file_size(dir, bases[i], ".log") <= 64 * 1024);
		CHECK(file_size(dir, bases[i], ".index") % 8 == 0);
		CHECK(file_size(dir, bases[i], ".index") < 4096);
		CHECK(file_size(dir, bases[i], ".timeindex") % 12 == 0);
	}
	CHECK_EQ(file_size(dir, bases[nseg - 1], ".index"), 4096);
	CHECK_EQ(plog_size_bytes(l), 0 + (uint64_t)({
					     uint64_t t = 0;
					     for (size_t i = 0; i < m.n; i++)
						     t += m.v[i].size;
					     t;
				     }));

	model_check_reads(&m, l, 1, 1);
	model_check_reads(&m, l, 5000, 3);
	model_check_reads(&m, l, 1 << 20, 7);
	model_check_reads(&m, l, SIZE_MAX, 11);
	plog_close(l);
	model_closed(&m);
	CHECK_EQ(model_check_dir(&m, dir, INTERVAL), (int)nseg);

	/* Reopen after a clean close: same data, appends go on; the clean
	 * marker is there after the close and gone once reopened. */
	{
		char p[8192];

		snprintf(p, sizeof(p), "%s/.zcbroker_cleanshutdown", dir);
		CHECK(access(p, F_OK) == 0);
		CHECK_EQ(plog_open(&l, dir, &c), 0);
		CHECK(access(p, F_OK) < 0);
	}
	CHECK_EQ(plog_end_offset(l), m.end);
	CHECK_EQ(file_size(dir, bases[nseg - 1], ".index"), 4096);
	model_check_reads(&m, l, 3000, 1);
	append_many(&m, l, 300, 99);
	model_check_reads(&m, l, 3000, 1);
	for (int64_t ts = 999990; ts < 1000000 + 1800 * 10 + 20; ts += 37)
		CHECK_EQ(plog_offset_for_time(l, ts),
			 model_offset_for_time(&m, ts));
	plog_close(l);
	CHECK(model_check_dir(&m, dir, INTERVAL) > (int)nseg);
	model_free(&m);
}

/* A tiny index: segments roll because the index is full. */
static void test_index_full(const char *dir)
{
	struct log_config c = cfg();
	struct model m = {0};
	struct plog *l;
	int64_t bases[4096];
	size_t nseg;

	c.index_max_bytes = 4 * 12; /* 4 offset entries, 4 time entries */
	c.index_interval_bytes = 1;
	CHECK_EQ(plog_open(&l, dir, &c), 0);
	for (int i = 0; i < 40; i++)
		model_append(&m, l, 2, 20, 5000 + i, 0, (uint64_t)i, 0);
	nseg = model_list_segments(dir, bases, 4096);
	/* Time index: 3 usable slots + the final one -> 4 batches each. */
	CHECK_EQ(nseg, 10);
	for (size_t i = 0; i < nseg; i++)
		CHECK_EQ(bases[i], (int64_t)i * 8);
	model_check_reads(&m, l, 1, 1);
	plog_close(l);
	CHECK_EQ(model_check_dir(&m, dir, 1), 10);
	model_free(&m);
}

/* A batch claiming 2^31 records: the next one cannot be indexed relative
 * to the same base and must start a new segment. */
static void test_offset_overflow(const char *dir)
{
	struct log_config c = cfg();
	uint8_t b[512];
	struct batch_info bi;
	struct plog *l;
	struct plog_slice s;
	int64_t bases[16];
	size_t len;

	CHECK_EQ(plog_open(&l, dir, &c), 0);
	len = bb_build(b, 1, 10, 1, 0, 1);
	put_be32(b + 23, INT32_MAX - 1);
	put_be32(b + 57, INT32_MAX);
	bb_seal(b, len);
	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), 0);
	CHECK_EQ(plog_append(l, b, len, &bi, 0), 0);
	len = bb_build(b, 2, 10, 1, 0, 1);
	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), 0);
	CHECK_EQ(plog_append(l, b, len, &bi, 0), INT32_MAX);
	CHECK_EQ(plog_end_offset(l), (int64_t)INT32_MAX + 2);
	CHECK_EQ(model_list_segments(dir, bases, 16), 2);
	CHECK_EQ(bases[1], INT32_MAX);
	CHECK_EQ(plog_read(l, INT32_MAX + 1LL, 100, &s), 0);
	CHECK_EQ(s.first_offset, INT32_MAX);
	CHECK_EQ(s.len, len);
	plog_slice_release(&s);
	CHECK_EQ(plog_read(l, 5, 100, &s), 0);
	CHECK_EQ(s.first_offset, 0);
	plog_slice_release(&s);
	plog_close(l);

	/* A batch larger than a whole segment is refused. */
	{
		uint8_t *big = malloc(bb_max(1, 70000));

		CHECK_EQ(plog_open(&l, dir, &c), 0);
		len = bb_build(big, 1, 70000, 1, 0, 1);
		CHECK_EQ(batch_validate(big, len, 1 << 20, &bi), 0);
		CHECK_EQ(plog_append(l, big, len, &bi, 0), -EMSGSIZE);
		CHECK_EQ(plog_end_offset(l), (int64_t)INT32_MAX + 2);
		plog_close(l);
		free(big);
	}
}

int main(void)
{
	char d1[4096], d2[4096], d3[4096];

	snprintf(d1, sizeof(d1), "%s/log_index/t-0", t_tmpdir());
	snprintf(d2, sizeof(d2), "%s/log_index/full-0", t_tmpdir());
	snprintf(d3, sizeof(d3), "%s/log_index/ovf-0", t_tmpdir());
	test_roll_and_lookup(d1);
	test_index_full(d2);
	test_offset_overflow(d3);
	snprintf(d1, sizeof(d1), "%s/log_index", t_tmpdir());
	bb_rm_rf(d1);
	return t_result();
}
