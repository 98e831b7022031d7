/* SPDX-License-Identifier: MIT */
/*
 * bb_codecs.h — compressors for the log_* unit tests (header-only, as
 * batch_builder.h): the records part of a batch in each codec Kafka uses,
 * as the clients write it (gzip with its RFC 1952 wrapper, snappy raw and
 * in the Java client's xerial framing, the lz4 frame format, zstd).
 */
#ifndef ZC_TEST_BB_CODECS_H
#define ZC_TEST_BB_CODECS_H

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "batch_builder.h"

static inline size_t gz(uint8_t *out, size_t cap, const uint8_t *in, size_t len)
{
	z_stream z = {0};

	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY))
		t_fatal("deflateInit2");
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		t_fatal("deflate");
	deflateEnd(&z);
	return z.total_out;
}

static inline size_t sn_raw(uint8_t *out, size_t cap, const uint8_t *in,
			    size_t len)
{
	size_t n = cap;

	if (snappy_compress((const char *)in, len, (char *)out, &n))
		t_fatal("snappy_compress");
	return n;
}

/* The Java client's framing: magic, version 1, compatible 1, blocks. */
static inline size_t sn_xerial(uint8_t *out, size_t cap, const uint8_t *in,
			       size_t len)
{
	static const uint8_t head[16] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0,
					 0,    0,   0,	 1,   0,   0,	0,   1};
	size_t pos = 16, half = len / 2;

	memcpy(out, head, 16);
	for (int i = 0; i < 2; i++) { /* two blocks */
		const uint8_t *p = i ? in + half : in;
		size_t n = i ? len - half : half;
		size_t c = sn_raw(out + pos + 4, cap - pos - 4, p, n);

		put_be32(out + pos, (uint32_t)c);
		pos += 4 + c;
	}
	return pos;
}

static inline size_t lz4f(uint8_t *out, size_t cap, const uint8_t *in,
			  size_t len)
{
	size_t n = LZ4F_compressFrame(out, cap, in, len, NULL);

	if (LZ4F_isError(n))
		t_fatal("LZ4F_compressFrame");
	return n;
}

static inline size_t zst(uint8_t *out, size_t cap, const uint8_t *in,
			 size_t len)
{
	size_t n = ZSTD_compress(out, cap, in, len, 3);

	if (ZSTD_isError(n))
		t_fatal("ZSTD_compress");
	return n;
}

typedef size_t (*codec_fn)(uint8_t *, size_t, const uint8_t *, size_t);

#endif
