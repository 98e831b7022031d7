/* SPDX-License-Identifier: MIT */
/*
 * fuzz_plog.c — plog_open() (broker/log/plog.c, recovery.c, segment.c,
 * index.c) on a partition directory made of the input, then reads, an
 * append, retention, a clean close and a second open.
 *
 * Also plog_scan_tail() and plog_offset_for_time() on what was loaded.
 *
 * Input: byte 0 flags (bit 0: a clean-shutdown marker, bit 1: a recovery
 * point file whose value is byte 1); then chunks of
 *   kind u8 (.log, .index, .timeindex; mod 3),
 *   segment u8 (base offset 0, 4, 10, 1000 or INT64_MAX - 1000; mod 5),
 *   length u16 (big-endian), bytes
 * appended to that file. make_corpus.py writes seeds in this format.
 *
 * Properties: opening never crashes; after an unclean stop with no
 * recovery point every batch it serves is whole and CRC-valid (recovery
 * only truncates); an append lands at the end offset; after a clean close
 * the log opens again with the same start and end offsets.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "unit/batch_builder.h"

/* The last one leaves less than 2^31 offsets before INT64_MAX. */
static const int64_t bases[5] = {0, 4, 10, 1000, INT64_MAX - 1000};
static const char *const kinds[3] = {".log", ".index", ".timeindex"};

/* Sets *clean (marker written) and *all_recovered (unclean with no
 * recovery point above 0: every segment goes through recovery; below a
 * recovery point segments are trusted as flushed, as in Kafka). */
static void make_dir(const char *dir, const uint8_t *data, size_t size,
		     bool *clean, bool *all_recovered)
{
	char p[4300];
	size_t at = 1;

	fz_rm_rf(dir);
	FZ_ASSERT(mkdir(dir, 0755) == 0);
	*clean = size && (data[0] & 1);
	if (*clean) {
		snprintf(p, sizeof(p), "%s/.zcbroker_cleanshutdown", dir);
		FZ_ASSERT(fz_write(p, "clean\n", 6) == 0);
	}
	if (size > 1 && (data[0] & 2)) {
		char text[16];
		int n = snprintf(text, sizeof(text), "%u\n", data[1]);

		snprintf(p, sizeof(p), "%s/.zcbroker_recovery_point", dir);
		FZ_ASSERT(fz_write(p, text, (size_t)n) == 0);
		at = 2;
	}
	*all_recovered = !*clean && (at == 1 || data[1] == 0);
	while (at + 4 <= size) {
		size_t len = (size_t)data[at + 2] << 8 | data[at + 3];

		snprintf(p, sizeof(p), "%s/%020" PRId64 "%s", dir,
			 bases[data[at + 1] % 5], kinds[data[at] % 3]);
		at += 4;
		if (len > size - at)
			len = size - at;
		FZ_ASSERT(fz_append(p, data + at, len) == 0);
		at += len;
	}
}

/* Walk the log with reads from start to end, checking each slice (every
 * batch in it when all of them went through recovery). */
static void walk(struct plog *l, bool checked)
{
	int64_t off = plog_start_offset(l), end = plog_end_offset(l);
	uint8_t head[BATCH_HEADER_SIZE];

	for (int steps = 0; off < end && steps < 64; steps++) {
		struct plog_slice sl;
		struct batch_info bi;
		int64_t last;
		int rc = plog_read(l, off, steps & 1 ? 1 : 1 << 16, &sl);

		/* A segment trusted after a clean stop is not re-checked
		 * (as in Kafka), so damage there may surface as an error. */
		FZ_ASSERT(rc == 0 || !checked);
		if (rc < 0 || sl.len == 0) {
			plog_slice_release(&sl);
			break;
		}
		FZ_ASSERT(sl.len >= BATCH_HEADER_SIZE);
		FZ_ASSERT(pread(sl.fd, head, sizeof(head), sl.pos) ==
			  (ssize_t)sizeof(head));
		FZ_ASSERT(batch_header(head, sizeof(head), &bi) == 0);
		FZ_ASSERT(bi.size <= sl.len &&
			  bi.base_offset == sl.first_offset);
		if (checked) {
			uint8_t *all = malloc(sl.len);
			size_t at = 0;

			FZ_ASSERT(all && pread(sl.fd, all, sl.len, sl.pos) ==
					     (ssize_t)sl.len);
			/* Whole, valid batches and nothing else. */
			while (at < sl.len) {
				struct batch_info vi;

				FZ_ASSERT(batch_header(all + at, sl.len - at,
						       &vi) == 0);
				FZ_ASSERT(vi.size <= sl.len - at);
				FZ_ASSERT(batch_validate(all + at, vi.size,
							 UINT32_MAX, &vi) == 0);
				at += vi.size;
			}
			free(all);
		}
		plog_slice_release(&sl);
		/* The batch holds off (trusted damage aside). */
		if (__builtin_add_overflow(
			bi.base_offset, (int64_t)bi.last_offset_delta, &last) ||
		    last < off || last == INT64_MAX) {
			FZ_ASSERT(!checked);
			break;
		}
		off = last + 1;
	}
}

struct scan {
	int64_t next; /* offset after the previous batch visited */
	long n;
	bool checked;
};

static void scan_one(const struct batch_info *bi, void *arg)
{
	struct scan *s = arg;

	/* Recovered segments hold ascending batches, oldest first (with
	 * gaps only between segments). */
	FZ_ASSERT(!s->checked || s->n == 0 || bi->base_offset >= s->next);
	s->next =
	    bi->base_offset + (s->checked ? bi->last_offset_delta + 1 : 0);
	s->n++;
}

/* plog_scan_tail over the last max_bytes: every batch visited once. */
static void scan_tail(struct plog *l, uint64_t max_bytes, bool checked)
{
	struct scan s = {.checked = checked};
	long n = plog_scan_tail(l, max_bytes, scan_one, &s);

	FZ_ASSERT(n == s.n || (n < 0 && !checked));
	FZ_ASSERT(!checked || s.next <= plog_end_offset(l));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct log_config cfg;
	uint8_t buf[512];
	struct batch_info bi;
	struct plog *l;
	int64_t start, end, base;
	char dir[4096];
	bool clean, checked;
	size_t len;
	int rc;

	fz_path(dir, sizeof(dir), "t-0");
	make_dir(dir, data, size, &clean, &checked);
	log_config_defaults(&cfg);
	/* Small limits so that rolls and full indexes happen. */
	cfg.segment_bytes = 2048;
	cfg.index_interval_bytes = 64;
	cfg.index_max_bytes = 64;

	rc = plog_open(&l, dir, &cfg);
	if (rc < 0) {
		/* The one refusal: segments overlapping each other, which
		 * our appends never make (recovery cannot pick a winner). */
		FZ_ASSERT(rc == -EUCLEAN);
		fz_rm_rf(dir);
		return 0;
	}
	FZ_ASSERT(plog_start_offset(l) <= plog_end_offset(l));
	walk(l, checked);
	scan_tail(l, size ? data[size - 1] * 8 : 0, checked);
	scan_tail(l, UINT64_MAX, checked);
	plog_offset_for_time(l, 1700000000000LL);
	plog_offset_for_time(l, 1700000000015LL);
	plog_offset_for_time(l,
			     size > 9 ? (int64_t)get_be64(data + size - 8) : 0);

	end = plog_end_offset(l);
	len = bb_build(buf, 2, 8, 1700000000100LL, 1, 1);
	FZ_ASSERT(batch_validate(buf, len, UINT32_MAX, &bi) == 0);
	base = plog_append(l, buf, len, &bi, 1700000000100LL);
	/* Refused only when its offsets (end, end + 1) would reach
	 * INT64_MAX, or on damage trusted after a clean stop. */
	if (end > INT64_MAX - 2)
		FZ_ASSERT(base == -EOVERFLOW);
	else
		FZ_ASSERT(base == end || (base < 0 && !checked));
	if (base >= 0)
		walk(l, checked);
	plog_maintain(l, (int64_t)time(NULL) * 1000);
	start = plog_start_offset(l);
	end = plog_end_offset(l);
	plog_close(l);

	FZ_ASSERT(plog_open(&l, dir, &cfg) == 0);
	FZ_ASSERT(plog_start_offset(l) == start);
	FZ_ASSERT(plog_end_offset(l) == end);
	plog_close(l);
	fz_rm_rf(dir);
	return 0;
}
