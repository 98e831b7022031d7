/* SPDX-License-Identifier: MIT */
/*
 * log_scan.c — plog_scan_tail: the batches at the tail of a partition's
 * log, visited oldest first with their headers as stored (offsets,
 * counts, producer id, epoch and base sequence); a byte bound gives a
 * suffix of the log that covers at least the bound (or all of it) and
 * starts no further back than one index interval and a batch or two;
 * the same after a reopen, across many segments.
 */
#include "batch_builder.h"

#define NB	 300
#define INTERVAL 256

struct want {
	int64_t base;
	int32_t count;
	uint32_t size;
	int64_t pid;
	int16_t epoch;
	int32_t seq;
};

struct seen {
	struct batch_info v[NB + 1];
	size_t n;
};

static void collect(const struct batch_info *bi, void *arg)
{
	struct seen *s = arg;

	if (s->n <= NB)
		s->v[s->n] = *bi;
	s->n++;
}

/* Append NB batches from three producers (one bumps its epoch half way)
 * and one plain producer, sizes varying. */
static void fill(struct plog *l, struct want *w, uint32_t *max_size)
{
	int32_t next_seq[3] = {0, 0, 0};
	uint8_t *b = malloc(bb_max(3, 260));

	if (!b)
		t_fatal("out of memory");
	*max_size = 0;
	for (int i = 0; i < NB; i++) {
		int32_t count = 1 + i % 3;
		size_t len = bb_build(b, count, 20 + (size_t)(i * 37) % 240,
				      1000 + i, 1, (uint64_t)i);
		int who = i % 4;
		struct batch_info bi;

		w[i].count = count;
		w[i].pid = -1;
		w[i].epoch = -1;
		w[i].seq = -1;
		if (who < 3) {
			w[i].pid = 1000 + who;
			w[i].epoch = who == 1 ? (i < NB / 2 ? 2 : 3) : 0;
			if (i >= 4 && w[i].epoch != w[i - 4].epoch)
				next_seq[who] = 0; /* a new epoch: from 0 */
			w[i].seq = next_seq[who];
			next_seq[who] += count;
			bb_set_producer(b, len, w[i].pid, w[i].epoch, w[i].seq);
		}
		CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), 0);
		w[i].base = plog_append(l, b, len, &bi, 0);
		CHECK(w[i].base >= 0);
		w[i].size = (uint32_t)len;
		if (w[i].size > *max_size)
			*max_size = w[i].size;
	}
	free(b);
}

/* The scan saw exactly w[first..NB), in order, with the right headers. */
static void check_suffix(const struct seen *s, const struct want *w,
			 size_t first)
{
	CHECK_EQ(s->n, NB - first);
	for (size_t k = 0; k < s->n && k < NB - first; k++) {
		const struct batch_info *bi = &s->v[k];
		const struct want *x = &w[first + k];

		if (bi->base_offset != x->base || bi->size != x->size ||
		    bi->record_count != x->count ||
		    bi->last_offset_delta != x->count - 1 ||
		    bi->producer_id != x->pid ||
		    bi->producer_epoch != x->epoch ||
		    bi->base_sequence != x->seq) {
			fprintf(stderr,
				"batch %zu: offset %" PRId64 " pid %" PRId64
				" epoch %d seq %d, want %" PRId64 " %" PRId64
				" %d %d\n",
				first + k, bi->base_offset, bi->producer_id,
				bi->producer_epoch, bi->base_sequence, x->base,
				x->pid, x->epoch, x->seq);
			t_failures++;
			return;
		}
	}
}

static void check_bounds(struct plog *l, const struct want *w,
			 uint32_t max_size)
{
	static struct seen s;
	uint64_t total = plog_size_bytes(l);
	uint64_t bounds[] = {0,		1,     100,	  1000,
			     4096,	8192,  20000,	  total / 2,
			     total - 1, total, total + 1, UINT64_MAX};

	for (size_t k = 0; k < sizeof(bounds) / sizeof(bounds[0]); k++) {
		uint64_t bytes = 0;
		size_t first;
		long n;

		s.n = 0;
		n = plog_scan_tail(l, bounds[k], collect, &s);
		CHECK_EQ(n, (long)s.n);
		CHECK(s.n >= 1 && s.n <= NB);
		if (s.n < 1 || s.n > NB)
			continue;
		first = NB - s.n;
		check_suffix(&s, w, first);
		for (size_t i = first; i < NB; i++)
			bytes += w[i].size;
		/* Covers the bound, or the whole log... */
		CHECK(bytes >= bounds[k] || bytes == total);
		/* ...starting from the indexed batch just before it. */
		CHECK(bytes <= bounds[k] ||
		      bytes - bounds[k] <= INTERVAL + 2 * max_size);
	}
}

int main(void)
{
	static struct want w[NB];
	static struct seen s;
	struct log_config c;
	struct plog *l;
	uint32_t max_size;
	char dir[2048];

	log_config_defaults(&c);
	c.segment_bytes = 8192;
	c.index_interval_bytes = INTERVAL;
	c.index_max_bytes = 4096;
	snprintf(dir, sizeof(dir), "%s/log_scan", t_tmpdir());

	CHECK_EQ(plog_open(&l, dir, &c), 0);
	s.n = 0;
	CHECK_EQ(plog_scan_tail(l, UINT64_MAX, collect, &s), 0);
	CHECK_EQ(s.n, 0);
	fill(l, w, &max_size);
	CHECK(plog_size_bytes(l) > 8 * c.segment_bytes); /* many segments */
	s.n = 0;
	CHECK_EQ(plog_scan_tail(l, UINT64_MAX, collect, &s), NB);
	check_suffix(&s, w, 0);
	check_bounds(l, w, max_size);
	plog_close(l);

	/* Reopened: the same batches from the files and their indexes. */
	CHECK_EQ(plog_open(&l, dir, &c), 0);
	s.n = 0;
	CHECK_EQ(plog_scan_tail(l, UINT64_MAX, collect, &s), NB);
	check_suffix(&s, w, 0);
	check_bounds(l, w, max_size);
	plog_close(l);
	bb_rm_rf(dir);
	return t_result();
}
