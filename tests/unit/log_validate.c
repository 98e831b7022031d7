/* SPDX-License-Identifier: MIT */
/*
 * log_validate.c — batch_check (broker/log/validate.c): good batches of
 * every codec (gzip, raw and xerial-framed snappy, lz4 frame, zstd) are
 * accepted; records that break the format are rejected with -EINVAL
 * although the batch CRC is valid (garbage, a RecordCount that lies,
 * offset deltas out of order, negative header counts, bad lengths,
 * trailing bytes); corrupt compressed streams give -EBADMSG; and
 * decompression bombs (KiBs that expand to 256 MiB / 1 GiB) stop at the bound
 * with -EMSGSIZE, with memory that grows by no more than the bound.
 */
#include <sys/resource.h>

#include "batch_builder.h"
#include "bb_codecs.h"

#define BOUND (8u << 20)
/* The buffer doubles up to the bound: at most twice it resident; under
 * ASan the freed smaller buffers stay in its quarantine and shadow memory
 * comes on top. Either way far below the 256 MiB / 1 GiB of the bombs. */
#ifdef ZC_SANITIZE
#define RSS_FACTOR 4
#else
#define RSS_FACTOR 2
#endif

/* A batch around `payload` (records, or their compressed form). */
static size_t wrap(uint8_t *out, const uint8_t *payload, size_t plen, int codec,
		   int32_t count)
{
	size_t len = BATCH_HEADER_SIZE + plen;

	bb_build(out, 1, 1, 1000, 1, 0); /* a header to start from */
	memcpy(out + BATCH_HEADER_SIZE, payload, plen);
	put_be32(out + 8, (uint32_t)(len - 12));
	out[21] = 0;
	out[22] = (uint8_t)codec;
	put_be32(out + 23, (uint32_t)(count - 1));
	put_be32(out + 57, (uint32_t)count);
	bb_seal(out, len);
	return len;
}

/* batch_validate (must pass: the CRC is right) then batch_check. */
static int check(const uint8_t *b, size_t len)
{
	struct batch_info bi;
	int ret = batch_validate(b, len, 1u << 30, &bi);

	if (ret < 0)
		t_fatal("the test built a batch that fails batch_validate");
	return batch_check(b, len, &bi, BOUND);
}

/* The records part of a good uncompressed batch of n records. */
static size_t records(uint8_t *out, int32_t n, size_t vlen)
{
	uint8_t *b = malloc(bb_max(n, vlen));
	size_t len = bb_build(b, n, vlen, 1000, 1, 7);

	memcpy(out, b + BATCH_HEADER_SIZE, len - BATCH_HEADER_SIZE);
	free(b);
	return len - BATCH_HEADER_SIZE;
}

static void test_codecs(void)
{
	static const struct {
		int codec;
		codec_fn fn;
		const char *name;
	} c[] = {{1, gz, "gzip"},
		 {2, sn_raw, "snappy"},
		 {2, sn_xerial, "snappy-xerial"},
		 {3, lz4f, "lz4"},
		 {4, zst, "zstd"}};
	size_t cap = 1 << 20;
	uint8_t *rec = malloc(cap), *z = malloc(cap), *b = malloc(cap + 64);
	size_t rlen = records(rec, 50, 300);

	CHECK_EQ(check(b, wrap(b, rec, rlen, 0, 50)), 0);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		size_t zlen = c[i].fn(z, cap, rec, rlen), len;

		len = wrap(b, z, zlen, c[i].codec, 50);
		if (check(b, len) != 0)
			fprintf(stderr, "%s: good batch rejected\n", c[i].name);
		CHECK_EQ(check(b, len), 0);
		/* The count must match what is inside. */
		CHECK_EQ(check(b, wrap(b, z, zlen, c[i].codec, 49)), -EINVAL);
		/* A cut stream, and garbage, are corrupt. */
		CHECK_EQ(check(b, wrap(b, z, zlen - 3, c[i].codec, 50)),
			 -EBADMSG);
		memset(z + zlen / 2, 0xa5, 8);
		memset(z, 0x5a, 4);
		CHECK(check(b, wrap(b, z, zlen, c[i].codec, 50)) < 0);
	}
	/* A gzip payload that is not gzip at all. */
	memcpy(z, "this is not gzip data at all....", 32);
	CHECK_EQ(check(b, wrap(b, z, 32, 1, 1)), -EBADMSG);
	free(rec);
	free(z);
	free(b);
}

/* One record with the fields given; returns its length. */
static size_t rec1(uint8_t *p, int64_t len_adj, int64_t off_delta, int64_t klen,
		   int64_t nheaders, int64_t hklen)
{
	uint8_t body[64];
	size_t b = 0, n = 0;

	body[b++] = 0;
	b += put_varint(body + b, 0); /* timestamp delta */
	b += put_varint(body + b, off_delta);
	b += put_varint(body + b, klen);
	if (klen > 0) {
		memset(body + b, 'k', (size_t)klen);
		b += (size_t)klen;
	}
	b += put_varint(body + b, 2);
	body[b++] = 'v';
	body[b++] = 'v';
	b += put_varint(body + b, nheaders);
	for (int64_t i = 0; i < nheaders && i < 2; i++) {
		b += put_varint(body + b, hklen);
		if (hklen > 0) {
			memset(body + b, 'h', (size_t)hklen);
			b += (size_t)hklen;
		}
		b += put_varint(body + b, -1);
	}
	n = put_varint(p, (int64_t)b + len_adj);
	memcpy(p + n, body, b);
	return n + b;
}

static void test_records(void)
{
	uint8_t r[512], b[1024];
	size_t n;

	/* Good: two records, keys and headers. */
	n = rec1(r, 0, 0, 3, 1, 2);
	n += rec1(r + n, 0, 1, -1, 2, 0);
	CHECK_EQ(check(b, wrap(b, r, n, 0, 2)), 0);
	/* RecordCount lies (the broker-killing 2^31-1, and one too many or
	 * too few). */
	CHECK_EQ(check(b, wrap(b, r, n, 0, INT32_MAX)), -EINVAL);
	CHECK_EQ(check(b, wrap(b, r, n, 0, 3)), -EINVAL);
	CHECK_EQ(check(b, wrap(b, r, n, 0, 1)), -EINVAL);
	/* Offset deltas not 0, 1. */
	n = rec1(r, 0, 0, 3, 0, 0);
	n += rec1(r + n, 0, 5, 3, 0, 0);
	CHECK_EQ(check(b, wrap(b, r, n, 0, 2)), -EINVAL);
	/* A record length longer, and shorter, than its fields. */
	n = rec1(r, 1, 0, 3, 0, 0);
	CHECK_EQ(check(b, wrap(b, r, n, 0, 1)), -EINVAL);
	n = rec1(r, -1, 0, 3, 0, 0);
	CHECK_EQ(check(b, wrap(b, r, n, 0, 1)), -EINVAL);
	/* Key length below -1, negative header count, negative header key
	 * length, header count past the record. */
	n = rec1(r, 0, 0, -2, 0, 0);
	CHECK_EQ(check(b, wrap(b, r, n, 0, 1)), -EINVAL);
	n = rec1(r, 0, 0, 3, -1, 0);
	CHECK_EQ(check(b, wrap(b, r, n, 0, 1)), -EINVAL);
	n = rec1(r, 0, 0, 3, 1, -1);
	CHECK_EQ(check(b, wrap(b, r, n, 0, 1)), -EINVAL);
	n = rec1(r, 0, 0, 3, 9, 1);
	CHECK_EQ(check(b, wrap(b, r, n, 0, 1)), -EINVAL);
	/* Trailing bytes after the last record. */
	n = rec1(r, 0, 0, 3, 0, 0);
	r[n++] = 0;
	CHECK_EQ(check(b, wrap(b, r, n, 0, 1)), -EINVAL);
	/* Garbage with a valid CRC. */
	for (size_t i = 0; i < 200; i++)
		r[i] = (uint8_t)(i * 37 + 11);
	CHECK_EQ(check(b, wrap(b, r, 200, 0, 4)), -EINVAL);
	/* A varint that never ends. */
	memset(r, 0xff, 40);
	CHECK_EQ(check(b, wrap(b, r, 40, 0, 1)), -EINVAL);
}

static long maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* 256 MiB (gzip: its ratio is at most about 1000:1) or 1 GiB of zeros,
 * compressed streaming (the input never exists whole). */
static size_t bomb(uint8_t *out, size_t cap, int codec)
{
	static uint8_t zero[1 << 16];
	const size_t rounds =
	    (codec == 1 ? 256u << 20 : 1u << 30) / sizeof(zero);
	size_t len = 0;

	if (codec == 1) {
		z_stream z = {0};

		deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
		z.next_out = out;
		z.avail_out = (uInt)cap;
		for (size_t i = 0; i < rounds; i++) {
			z.next_in = zero;
			z.avail_in = sizeof(zero);
			deflate(&z, i + 1 == rounds ? Z_FINISH : Z_NO_FLUSH);
		}
		len = z.total_out;
		deflateEnd(&z);
	} else {
		ZSTD_CCtx *c = ZSTD_createCCtx();
		ZSTD_outBuffer ob = {out, cap, 0};

		for (size_t i = 0; i < rounds; i++) {
			ZSTD_inBuffer ib = {zero, sizeof(zero), 0};

			ZSTD_compressStream2(c, &ob, &ib,
					     i + 1 == rounds ? ZSTD_e_end
							     : ZSTD_e_continue);
		}
		len = ob.pos;
		ZSTD_freeCCtx(c);
	}
	return len;
}

static void test_bombs(void)
{
	size_t cap = 2 << 20;
	uint8_t *z = malloc(cap), *b = malloc(cap + 64);
	int codecs[] = {1, 4};

	for (size_t i = 0; i < 2; i++) {
		size_t zlen = bomb(z, cap, codecs[i]);
		size_t len = wrap(b, z, zlen, codecs[i], 1);
		long before = maxrss_kib();
		uint64_t t0 = t_now_ns();

		printf("bomb codec %d: %zu bytes -> %s\n", codecs[i], zlen,
		       codecs[i] == 1 ? "256 MiB" : "1 GiB");
		CHECK(zlen < (1u << 20));
		CHECK_EQ(check(b, len), -EMSGSIZE);
		printf("  rejected in %.1f ms, max RSS +%ld KiB\n",
		       (double)(t_now_ns() - t0) / 1e6, maxrss_kib() - before);
		CHECK(maxrss_kib() - before <
		      RSS_FACTOR * (long)(BOUND / 1024) + 4096);
	}
	free(z);
	free(b);
}

int main(void)
{
	test_records();
	test_codecs();
	test_bombs();
	return t_result();
}
