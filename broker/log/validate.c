/* SPDX-License-Identifier: MIT */
/*
 * validate.c — the records inside a v2 batch, checked as Kafka's broker
 * checks them before it appends (DefaultRecord / DefaultRecordBatch and
 * LogValidator): each record is
 *
 *   length varint | attributes i8 | timestampDelta varlong |
 *   offsetDelta varint | keyLength varint (-1 null) | key |
 *   valueLength varint (-1 null) | value | headerCount varint |
 *   headers: keyLength varint (>= 0) | key | valueLength varint | value
 *
 * (varints zig-zag encoded as in protobuf). The record's length must be
 * exactly the bytes its fields take; offset deltas must be 0, 1, 2...
 * (Kafka's "incremental offsets" rule) so the last one is lastOffsetDelta;
 * there must be exactly RecordCount records and no byte after the last.
 *
 * A compressed batch (attributes & 7: 1 gzip, 2 snappy, 3 lz4, 4 zstd)
 * holds the records compressed as one stream: it is decompressed with the
 * system's codec library into a buffer that may grow only up to
 * max_decompressed bytes, so a small batch cannot make the broker
 * allocate gigabytes (a decompression bomb fails at the bound, after at
 * most that much work). Snappy comes either raw (librdkafka) or in the
 * xerial framing of the Java client (magic 0x82 "SNAPPY" 0, version,
 * compatible version, then length-prefixed raw blocks); Kafka accepts
 * both. LZ4 is the LZ4 frame format (lz4_Frame_format.md).
 *
 * Errors: -EINVAL for records that break the format (Kafka's
 * InvalidRecordException, INVALID_RECORD), -EBADMSG for a compressed
 * stream that does not decompress (corrupt data, CORRUPT_MESSAGE),
 * -EMSGSIZE when the decompressed records exceed the bound, -ENOMEM.
 */
#include <errno.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

#include "log_int.h"

#define CODEC_NONE   0
#define CODEC_GZIP   1
#define CODEC_SNAPPY 2
#define CODEC_LZ4    3
#define CODEC_ZSTD   4

/* A varint of at most max_bytes (5 for varint, 10 for varlong); returns
 * the bytes used, 0 when malformed or cut short. */
static size_t get_varint(const uint8_t *p, const uint8_t *end, int max_bytes,
			 int64_t *v)
{
	uint64_t u = 0;

	/* Most fields of most records fit one byte: no loop for them. */
	if (p < end && !(*p & 0x80)) {
		*v = (int64_t)(*p >> 1) ^ -(int64_t)(*p & 1);
		return 1;
	}
	for (int i = 0; i < max_bytes; i++) {
		if (p + i >= end)
			return 0;
		u |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
			return (size_t)i + 1;
		}
	}
	return 0;
}

/* A length-prefixed field (-1: null when null_ok); advances *p. */
static int skip_field(const uint8_t **p, const uint8_t *end, bool null_ok)
{
	int64_t len;
	size_t n = get_varint(*p, end, 5, &len);

	if (!n || len < (null_ok ? -1 : 0) || len > end - *p - (int64_t)n)
		return -EINVAL;
	*p += n + (len > 0 ? (size_t)len : 0);
	return 0;
}

int batch_check_records(const uint8_t *rec, size_t len,
			const struct batch_info *bi)
{
	const uint8_t *p = rec, *end = rec + len;

	for (int32_t i = 0; i < bi->record_count; i++) {
		const uint8_t *r, *rend;
		int64_t size, ts_delta, off_delta, nh, ts;
		size_t n;

		n = get_varint(p, end, 5, &size);
		if (!n || size < 1 || size > end - p - (int64_t)n)
			return -EINVAL;
		r = p + n;
		rend = r + size;
		r++; /* attributes: unused in v2 */
		n = get_varint(r, rend, 10, &ts_delta);
		if (!n ||
		    __builtin_add_overflow(bi->base_timestamp, ts_delta, &ts))
			return -EINVAL;
		r += n;
		n = get_varint(r, rend, 5, &off_delta);
		if (!n || off_delta != i)
			return -EINVAL;
		r += n;
		if (skip_field(&r, rend, true) < 0 ||
		    skip_field(&r, rend, true) < 0)
			return -EINVAL;
		n = get_varint(r, rend, 5, &nh);
		if (!n || nh < 0)
			return -EINVAL;
		r += n;
		for (int64_t h = 0; h < nh; h++)
			if (skip_field(&r, rend, false) < 0 ||
			    skip_field(&r, rend, true) < 0)
				return -EINVAL;
		if (r != rend) /* the fields must fill the record exactly */
			return -EINVAL;
		p = rend;
	}
	return p == end ? 0 : -EINVAL;
}

/* ---- decompression into a bounded, growing buffer ---------------------- */

struct obuf {
	uint8_t *p;
	size_t len, cap, max;
};

/* Room for at least `want` more bytes (fewer near the bound); 0 when at
 * the bound already. */
static size_t ob_room(struct obuf *o, size_t want)
{
	if (o->cap - o->len < want && o->cap < o->max) {
		size_t cap = o->cap ? o->cap * 2 : 64 * 1024;
		uint8_t *np;

		while (cap - o->len < want && cap < o->max)
			cap *= 2;
		if (cap > o->max)
			cap = o->max;
		np = realloc(o->p, cap);
		if (!np)
			return 0;
		o->p = np;
		o->cap = cap;
	}
	return o->cap - o->len;
}

/* -EMSGSIZE at the bound, else -ENOMEM. */
static int ob_full(const struct obuf *o)
{
	return o->cap >= o->max ? -EMSGSIZE : -ENOMEM;
}

static int un_gzip(const uint8_t *in, size_t len, struct obuf *o)
{
	z_stream z = {0};
	int zr = Z_OK;

	/* 15 + 16: a gzip wrapper (RFC 1952), as Kafka's GZIPOutputStream
	 * writes it. */
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	while (zr != Z_STREAM_END) {
		size_t room = ob_room(o, 64 * 1024);

		if (!room) {
			inflateEnd(&z);
			return ob_full(o);
		}
		if (room > UINT32_MAX)
			room = UINT32_MAX;
		z.next_out = o->p + o->len;
		z.avail_out = (uInt)room;
		zr = inflate(&z, Z_NO_FLUSH);
		o->len += room - z.avail_out;
		/* Z_BUF_ERROR with input left is only "no room": grow. */
		if (zr != Z_OK && zr != Z_STREAM_END &&
		    !(zr == Z_BUF_ERROR && !z.avail_out)) {
			inflateEnd(&z);
			return zr == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
		}
	}
	inflateEnd(&z);
	return z.avail_in ? -EBADMSG : 0; /* nothing after the stream */
}

static int snappy_block(const uint8_t *in, size_t len, struct obuf *o)
{
	size_t n;

	if (snappy_uncompressed_length((const char *)in, len, &n) != SNAPPY_OK)
		return -EBADMSG;
	if (n > o->max - o->len)
		return -EMSGSIZE;
	if (n == 0) /* an empty block: nothing to write anywhere */
		return 0;
	if (ob_room(o, n) < n)
		return ob_full(o);
	if (snappy_uncompress((const char *)in, len, (char *)o->p + o->len,
			      &n) != SNAPPY_OK)
		return -EBADMSG;
	o->len += n;
	return 0;
}

static const uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};

static int un_snappy(const uint8_t *in, size_t len, struct obuf *o)
{
	size_t pos = 16;

	if (len < 16 || memcmp(in, xerial_magic, 8))
		return snappy_block(in, len, o);
	while (pos < len) {
		uint32_t n;
		int ret;

		if (len - pos < 4)
			return -EBADMSG;
		n = get_be32(in + pos);
		pos += 4;
		if (n > len - pos)
			return -EBADMSG;
		ret = snappy_block(in + pos, n, o);
		if (ret < 0)
			return ret;
		pos += n;
	}
	return 0;
}

static int un_lz4(const uint8_t *in, size_t len, struct obuf *o)
{
	LZ4F_dctx *d;
	size_t hint = 1, ret;
	int err = 0;

	if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
		return -ENOMEM;
	while (hint) {
		size_t room = ob_room(o, 64 * 1024), out = room, used = len;

		if (!room) {
			err = ob_full(o);
			break;
		}
		ret = LZ4F_decompress(d, o->p + o->len, &out, in, &used, NULL);
		if (LZ4F_isError(ret) || (!used && !out)) {
			err = -EBADMSG; /* corrupt, or cut short */
			break;
		}
		o->len += out;
		in += used;
		len -= used;
		hint = ret;
	}
	LZ4F_freeDecompressionContext(d);
	if (!err && len) /* bytes after the frame */
		err = -EBADMSG;
	return err;
}

static int un_zstd(const uint8_t *in, size_t len, struct obuf *o)
{
	ZSTD_DStream *d = ZSTD_createDStream();
	ZSTD_inBuffer ib = {in, len, 0};
	size_t ret = 1;
	int err = 0;

	if (!d)
		return -ENOMEM;
	while (ret && !err) {
		size_t room = ob_room(o, 64 * 1024);
		ZSTD_outBuffer ob = {o->p + o->len, room, 0};

		if (!room) {
			err = ob_full(o);
			break;
		}
		ret = ZSTD_decompressStream(d, &ob, &ib);
		o->len += ob.pos;
		if (ZSTD_isError(ret))
			err = -EBADMSG;
		else if (ret && ib.pos == ib.size && ob.pos < room)
			err = -EBADMSG; /* needs input that is not there */
	}
	ZSTD_freeDStream(d);
	if (!err && ib.pos != ib.size)
		err = -EBADMSG;
	return err;
}

int batch_decompress(const uint8_t *buf, size_t len,
		     const struct batch_info *bi, uint64_t max_decompressed,
		     uint8_t **out, size_t *out_len)
{
	const uint8_t *in = buf + BATCH_HEADER_SIZE;
	size_t in_len = len - BATCH_HEADER_SIZE;
	struct obuf o = {.max = max_decompressed};
	int ret;

	*out = NULL;
	*out_len = 0;
	if (len < BATCH_HEADER_SIZE)
		return -EINVAL;
	switch (bi->attributes & 0x07) {
	case CODEC_GZIP:
		ret = un_gzip(in, in_len, &o);
		break;
	case CODEC_SNAPPY:
		ret = un_snappy(in, in_len, &o);
		break;
	case CODEC_LZ4:
		ret = un_lz4(in, in_len, &o);
		break;
	case CODEC_ZSTD:
		ret = un_zstd(in, in_len, &o);
		break;
	default:
		return -EINVAL;
	}
	if (!ret && !o.len)
		ret = -EINVAL;
	if (ret < 0) {
		free(o.p);
		return ret;
	}
	*out = o.p;
	*out_len = o.len;
	return 0;
}

int batch_check(const uint8_t *buf, size_t len, const struct batch_info *bi,
		uint64_t max_decompressed)
{
	uint8_t *rec;
	size_t n;
	int ret;

	if (len < BATCH_HEADER_SIZE || bi->record_count <= 0)
		return -EINVAL;
	if ((bi->attributes & 0x07) == CODEC_NONE)
		return batch_check_records(buf + BATCH_HEADER_SIZE,
					   len - BATCH_HEADER_SIZE, bi);
	ret = batch_decompress(buf, len, bi, max_decompressed, &rec, &n);
	if (!ret)
		ret = batch_check_records(rec, n, bi);
	free(rec);
	return ret;
}
