/* SPDX-License-Identifier: MIT */
/*
 * log_time_codecs.c — ListOffsets by timestamp inside a compressed batch
 * (plog_find_time): for each codec (gzip, snappy raw and xerial, lz4,
 * zstd) the answer is the first record whose timestamp is >= the one
 * asked, with that record's timestamp, as Kafka answers; not the batch's
 * base offset with its MaxTimestamp.
 */
#include "batch_builder.h"
#include "bb_codecs.h"

#define NREC 10
#define TS0  5000
#define STEP 10

/* A batch of NREC records stamped TS0, TS0 + STEP, ... in `codec`. */
static size_t build(uint8_t *out, size_t cap, int codec, codec_fn fn)
{
	uint8_t *plain = malloc(bb_max(NREC, 40));
	size_t len = bb_build(plain, NREC, 40, TS0, STEP, 3), clen;

	memcpy(out, plain, BATCH_HEADER_SIZE);
	clen = fn(out + BATCH_HEADER_SIZE, cap - BATCH_HEADER_SIZE,
		  plain + BATCH_HEADER_SIZE, len - BATCH_HEADER_SIZE);
	free(plain);
	len = BATCH_HEADER_SIZE + clen;
	put_be32(out + 8, (uint32_t)(len - 12));
	out[21] = 0;
	out[22] = (uint8_t)codec;
	bb_seal(out, len);
	return len;
}

static void one(const char *dir, int codec, codec_fn fn)
{
	struct log_config c;
	struct plog *l;
	struct model m = {0};
	struct batch_info bi;
	uint8_t b[8192];
	size_t len;
	int64_t base, ts;

	log_config_defaults(&c);
	CHECK_EQ(plog_open(&l, dir, &c), 0);
	model_append(&m, l, 3, 10, 100, 1, 1, 0); /* offsets 0-2, ts 100.. */
	len = build(b, sizeof(b), codec, fn);
	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), 0);
	CHECK_EQ(batch_check(b, len, &bi, 1 << 20), 0);
	base = plog_append(l, b, len, &bi, 0);
	CHECK_EQ(base, 3);
	for (int i = 0; i < NREC; i++) {
		/* Exactly a record's timestamp, and just after the one
		 * before it: both find record i. */
		CHECK_EQ(plog_find_time(l, TS0 + i * STEP, &ts), base + i);
		CHECK_EQ(ts, TS0 + i * STEP);
		if (i) {
			CHECK_EQ(
			    plog_find_time(l, TS0 + i * STEP - STEP + 1, &ts),
			    base + i);
			CHECK_EQ(ts, TS0 + i * STEP);
		}
	}
	CHECK_EQ(plog_find_time(l, 200, &ts), base); /* between batches */
	CHECK_EQ(ts, TS0);
	CHECK_EQ(plog_find_time(l, TS0 + NREC * STEP, &ts), -1);
	CHECK_EQ(plog_offset_for_time(l, TS0 + 5 * STEP), base + 5);
	plog_close(l);
	model_free(&m);
}

int main(void)
{
	static const struct {
		const char *name;
		int codec;
		codec_fn fn;
	} codecs[] = {{"gzip", 1, gz},
		      {"snappy", 2, sn_raw},
		      {"xerial", 2, sn_xerial},
		      {"lz4", 3, lz4f},
		      {"zstd", 4, zst}};
	char d[2048], p[4096];

	snprintf(d, sizeof(d), "%s/log_time_codecs", t_tmpdir());
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s-0", d, codecs[i].name);
		one(p, codecs[i].codec, codecs[i].fn);
	}
	bb_rm_rf(d);
	return t_result();
}
