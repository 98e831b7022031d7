/* SPDX-License-Identifier: MIT */
/*
 * log_append.c — how fast the broker's storage takes produce batches:
 * batch_validate (CRC-32C) + plog_append of v2 batches of 100-byte
 * records, in batches of 1000 and of 1, with the default flush policy
 * (page cache) and with log.flush.interval.messages=1 (fdatasync per
 * append); plus CRC-32C alone (hardware and table paths), the record
 * checks produce adds (batch_check) against batch_validate on the same
 * 1000-record batch (thread CPU time), and random plog_read lookups.
 *
 *   build/bench/log_append [DIR] [MB]      (DIR default /tmp, MB 256)
 *
 * The bench rule of the Makefile links only libzcio, so the storage code
 * is compiled in here directly from its sources.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROG "log_append"
#include "bench_util.h"
#include "log/log_int.h"

/* A v2 batch of `count` records with 100-byte values, CRC set. */
static size_t make_batch(uint8_t *buf, int count, int64_t ts)
{
	uint8_t *p = buf + BATCH_HEADER_SIZE;
	size_t len;

	for (int i = 0; i < count; i++) {
		uint8_t body[32];
		size_t b = 0;

		body[b++] = 0;
		b += put_varint(body + b, 0);
		b += put_varint(body + b, i);
		b += put_varint(body + b, -1);
		b += put_varint(body + b, 100);
		p += put_varint(p, (int64_t)(b + 100 + 1));
		memcpy(p, body, b);
		p += b;
		for (int k = 0; k < 100; k++)
			*p++ = (uint8_t)(i * 31 + k);
		*p++ = 0;
	}
	len = (size_t)(p - buf);
	memset(buf, 0, BATCH_HEADER_SIZE);
	put_be32(buf + 8, (uint32_t)(len - 12));
	buf[16] = 2;
	put_be32(buf + 23, (uint32_t)(count - 1));
	put_be64(buf + 27, (uint64_t)ts);
	put_be64(buf + 35, (uint64_t)ts);
	put_be64(buf + 43, UINT64_MAX);
	put_be32(buf + 53, UINT32_MAX);
	put_be32(buf + 57, (uint32_t)count);
	put_be32(buf + 17, crc32c(0, buf + 21, len - 21));
	return len;
}

static void run(const char *root, const char *name, int count, uint64_t bytes,
		int64_t flush_msgs)
{
	static uint8_t buf[1000 * 120 + 64];
	char dir[4096];
	struct log_config cfg;
	struct batch_info bi;
	struct plog *l;
	size_t len = make_batch(buf, count, 1700000000000LL);
	uint64_t n = bytes / len, recs;
	double t0, t;
	int ret;

	snprintf(dir, sizeof(dir), "%s/zc-log-bench-%d", root, (int)getpid());
	log_config_defaults(&cfg);
	cfg.flush_interval_messages = flush_msgs;
	ret = plog_open(&l, dir, &cfg);
	if (ret < 0) {
		fprintf(stderr, "log_append: %s: %s\n", dir, strerror(-ret));
		exit(1);
	}
	t0 = now_s();
	for (uint64_t i = 0; i < n; i++) {
		if (batch_validate(buf, len, cfg.max_message_bytes, &bi) < 0 ||
		    plog_append(l, buf, len, &bi, 1700000000000LL) < 0) {
			fprintf(stderr, "log_append: append failed\n");
			exit(1);
		}
	}
	t = now_s() - t0;
	recs = n * (uint64_t)count;
	if (plog_end_offset(l) != (int64_t)recs) {
		fprintf(stderr,
			"log_append: end offset %" PRId64 " != %" PRIu64 "\n",
			plog_end_offset(l), recs);
		exit(1);
	}
	printf("%-34s %9.0f batches/s %11.0f records/s %8.1f MB/s\n", name,
	       n / t, recs / t, n * len / t / 1e6);

	if (count == 1000 && flush_msgs == INT64_MAX) { /* fetch lookups */
		struct plog_slice s;
		uint64_t x = 88172645463325252ULL;
		int lookups = 200000;

		t0 = now_s();
		for (int i = 0; i < lookups; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			if (plog_read(l, (int64_t)(x % recs), 1 << 20, &s) <
			    0) {
				fprintf(stderr, "log_append: read failed\n");
				exit(1);
			}
			plog_slice_release(&s);
		}
		t = now_s() - t0;
		printf("%-34s %9.0f lookups/s\n", "  plog_read (1 MiB, random)",
		       lookups / t);
	}
	plog_destroy(l);
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU per 1000-record batch: the header and CRC checks, and the record
 * walk produce adds; the walk's share is what checking every record
 * costs the broker on top of what it did before. */
static void check_cost(void)
{
	static uint8_t buf[1000 * 120 + 64];
	size_t len = make_batch(buf, 1000, 1700000000000LL);
	struct batch_info bi;
	const int n = 20000;
	double t0, tv, tc;

	t0 = cpu_s();
	for (int i = 0; i < n; i++)
		if (batch_validate(buf, len, 1 << 20, &bi) < 0)
			die("batch_validate failed");
	tv = cpu_s() - t0;
	t0 = cpu_s();
	for (int i = 0; i < n; i++)
		if (batch_check(buf, len, &bi, 64 << 20) < 0)
			die("batch_check failed");
	tc = cpu_s() - t0;
	printf("%-34s %8.2f us/batch (validate %.2f us: +%.0f%%)\n",
	       "batch_check 1000x100B", tc / n * 1e6, tv / n * 1e6,
	       100 * tc / tv);
}

int main(int argc, char **argv)
{
	const char *root = argc > 1 ? argv[1] : "/tmp";
	uint64_t mb = argc > 2 ? strtoull(argv[2], NULL, 10) : 256;
	static uint8_t data[1 << 20];
	double t0, t;
	uint32_t c = 0;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + (i >> 9));
	t0 = now_s();
	for (int i = 0; i < 2000; i++)
		c ^= crc32c(c, data, sizeof(data));
	t = now_s() - t0;
	printf("%-34s %8.2f GB/s\n", "crc32c (dispatched)",
	       2000.0 * sizeof(data) / t / 1e9);
	t0 = now_s();
	for (int i = 0; i < 500; i++)
		c ^= crc32c_sw(c, data, sizeof(data));
	t = now_s() - t0;
	printf("%-34s %8.2f GB/s (%08x)\n", "crc32c (slice-by-8 table)",
	       500.0 * sizeof(data) / t / 1e9, c);

	check_cost();
	run(root, "validate+append 1000x100B", 1000, mb << 20, INT64_MAX);
	run(root, "validate+append 1x100B", 1, (mb << 20) / 16, INT64_MAX);
	run(root, "validate+append 1000x100B, fsync", 1000, (mb << 20) / 8, 1);
	return 0;
}
