/* SPDX-License-Identifier: MIT */
/*
 * proto_codec.c — Description: the broker's wire codec (proto/codec.c):
 * every primitive written by kw_* reads back equal through kr_*, varint
 * edge values, null and compact forms, the sticky error on truncated and
 * forged input (never a read past the end, never a huge loop), and the
 * request-header parser (header v1, and v2 with tagged fields for
 * ApiVersions v3; unknown keys and versions reported, not guessed).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "helpers.h"
#include "proto/codec.h"
#include "proto/schema.h"

static void round_trips(void)
{
	static const int64_t vals[] = {
	    0,	       1,	  -1,	     63,	  64,	     -64,
	    -65,       127,	  128,	     300,	  INT32_MAX, INT32_MIN,
	    INT64_MAX, INT64_MIN, 1LL << 40, -(1LL << 50)};
	size_t nv = sizeof(vals) / sizeof(vals[0]);
	struct kw w;
	kw_init(&w);
	for (size_t i = 0; i < nv; i++) {
		kw_i8(&w, (int8_t)vals[i]);
		kw_i16(&w, (int16_t)vals[i]);
		kw_i32(&w, (int32_t)vals[i]);
		kw_i64(&w, vals[i]);
		kw_varint(&w, vals[i]);
		kw_uvarint(&w, (uint64_t)vals[i]);
	}
	kw_str(&w, "topic-a");
	kw_str(&w, NULL);
	kw_str(&w, "");
	kw_cstr(&w, "librdkafka");
	kw_cstr(&w, NULL);
	kw_bytes(&w, "\x00\x01\x02", 3);
	kw_bytes(&w, NULL, -1);
	kw_array(&w, 2);
	kw_array(&w, -1);
	kw_carray(&w, 5);
	kw_carray(&w, -1);
	kw_tags0(&w);
	size_t hole = kw_hole32(&w);
	kw_patch32(&w, hole, 0x12345678);
	CHECK(!w.err);

	struct kr r;
	kr_init(&r, w.buf, w.len);
	for (size_t i = 0; i < nv; i++) {
		CHECK_EQ(kr_i8(&r), (int8_t)vals[i]);
		CHECK_EQ(kr_i16(&r), (int16_t)vals[i]);
		CHECK_EQ(kr_i32(&r), (int32_t)vals[i]);
		CHECK_EQ(kr_i64(&r), vals[i]);
		CHECK_EQ(kr_varint(&r), vals[i]);
		CHECK(kr_uvarint(&r) == (uint64_t)vals[i]);
	}
	CHECK(kstr_eq(kr_str(&r), "topic-a"));
	CHECK_EQ(kr_str(&r).len, -1);
	struct kstr e = kr_str(&r);
	CHECK_EQ(e.len, 0);
	CHECK(kstr_eq(kr_cstr(&r), "librdkafka"));
	CHECK_EQ(kr_cstr(&r).len, -1);
	struct kstr b = kr_bytes(&r);
	CHECK(b.len == 3 && !memcmp(b.p, "\x00\x01\x02", 3));
	CHECK_EQ(kr_bytes(&r).len, -1);
	/* Array counts are checked against the bytes left, so read the
	 * rest of the fixed fields through a raw view. */
	CHECK_EQ(kr_i32(&r), 2);
	CHECK_EQ(kr_i32(&r), -1);
	CHECK_EQ(kr_uvarint(&r), 6);
	CHECK_EQ(kr_uvarint(&r), 0);
	kr_tags(&r);
	CHECK_EQ(kr_i32(&r), 0x12345678);
	CHECK(kr_ok(&r));
	CHECK_EQ(kr_left(&r), 0);
	/* One more read fails and stays failed. */
	CHECK_EQ(kr_i32(&r), 0);
	CHECK(!kr_ok(&r));
	CHECK_EQ(kr_i8(&r), 0);
	kw_free(&w);
}

static void truncation(void)
{
	/* A string claiming more bytes than there are. */
	uint8_t s[] = {0x00, 0x10, 'a', 'b'};
	struct kr r;
	kr_init(&r, s, sizeof(s));
	CHECK_EQ(kr_str(&r).len, -1);
	CHECK(!kr_ok(&r));
	/* A length below -1. */
	uint8_t neg[] = {0xff, 0xfe};
	kr_init(&r, neg, sizeof(neg));
	kr_str(&r);
	CHECK(!kr_ok(&r));
	/* An array of 2^31-1 elements in 4 bytes. */
	uint8_t big[] = {0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0};
	kr_init(&r, big, sizeof(big));
	CHECK_EQ(kr_array(&r), -1);
	CHECK(!kr_ok(&r));
	/* An unterminated varint and an 11-byte one. */
	uint8_t v1[] = {0x80, 0x80};
	kr_init(&r, v1, sizeof(v1));
	kr_uvarint(&r);
	CHECK(!kr_ok(&r));
	uint8_t v2[11];
	memset(v2, 0xff, sizeof(v2));
	kr_init(&r, v2, sizeof(v2));
	kr_uvarint(&r);
	CHECK(!kr_ok(&r));
	/* A tag buffer whose entry size runs past the end. */
	uint8_t tg[] = {0x01, 0x00, 0x7f, 0x00};
	kr_init(&r, tg, sizeof(tg));
	kr_tags(&r);
	CHECK(!kr_ok(&r));
	/* kstr_copy refuses null, too long, and embedded NUL. */
	char d[4];
	struct kstr k = {"abcd", 4};
	CHECK(!kstr_copy(d, sizeof(d), k));
	k.len = 3;
	CHECK(kstr_copy(d, sizeof(d), k) && !strcmp(d, "abc"));
	struct kstr z = {"a\0b", 3};
	CHECK(!kstr_copy(d, sizeof(d), z));
	struct kstr nul = {NULL, -1};
	CHECK(!kstr_copy(d, sizeof(d), nul));
}

static void headers(void)
{
	struct kw w;
	struct kr r;
	struct kreq q;
	/* Header v1: Metadata v1, client id "cli". */
	kw_init(&w);
	kw_i16(&w, 3);
	kw_i16(&w, 1);
	kw_i32(&w, 77);
	kw_str(&w, "cli");
	kw_i32(&w, -1); /* body: null topic list */
	kr_init(&r, w.buf, w.len);
	CHECK_EQ(broker_parse_header(&r, &q), 0);
	CHECK(q.key == 3 && q.ver == 1 && q.corr == 77 && !q.flex);
	CHECK(kstr_eq(q.client_id, "cli"));
	CHECK_EQ(kr_i32(&r), -1);
	kw_free(&w);

	/* Header v2: ApiVersions v3 with a tag in the header. */
	kw_init(&w);
	kw_i16(&w, 18);
	kw_i16(&w, 3);
	kw_i32(&w, 5);
	kw_str(&w, "rdkafka");
	kw_uvarint(&w, 1); /* one tagged field */
	kw_uvarint(&w, 0); /* tag 0 */
	kw_uvarint(&w, 2); /* 2 bytes */
	kw_i16(&w, 0x4242);
	kw_cstr(&w, "librdkafka");
	kw_cstr(&w, "2.0.2");
	kw_tags0(&w);
	kr_init(&r, w.buf, w.len);
	CHECK_EQ(broker_parse_header(&r, &q), 0);
	CHECK(q.key == 18 && q.ver == 3 && q.corr == 5 && q.flex);
	CHECK(kstr_eq(kr_cstr(&r), "librdkafka"));
	kw_free(&w);

	/* Null client id is fine. */
	kw_init(&w);
	kw_i16(&w, 18);
	kw_i16(&w, 0);
	kw_i32(&w, 9);
	kw_str(&w, NULL);
	kr_init(&r, w.buf, w.len);
	CHECK_EQ(broker_parse_header(&r, &q), 0);
	CHECK_EQ(q.client_id.len, -1);
	kw_free(&w);

	/* Unknown key, and a version out of range. */
	uint8_t unk[] = {0x03, 0xe7, 0, 0, 0, 0, 0, 7, 0xff, 0xff};
	kr_init(&r, unk, sizeof(unk));
	CHECK_EQ(broker_parse_header(&r, &q), -ENOTSUP);
	CHECK(q.key == 999 && q.corr == 7);
	uint8_t hi[] = {0, 1, 0, 19, 0, 0, 0, 8, 0xff, 0xff};
	kr_init(&r, hi, sizeof(hi));
	CHECK_EQ(broker_parse_header(&r, &q), -ENOTSUP); /* Fetch v19 */
	/* Truncated header: every prefix fails cleanly. */
	for (size_t n = 0; n < sizeof(unk); n++) {
		uint8_t ok[] = {0, 18, 0, 0, 0, 0, 0, 1, 0, 0};
		kr_init(&r, ok, n);
		CHECK_EQ(broker_parse_header(&r, &q), -EINVAL);
	}
}

/* The advertised ranges are part of the contract (clients derive
 * behaviour from them). */
static void ranges(void)
{
	static const int16_t want[][3] = {
	    {18, 0, 4}, {3, 0, 13}, {0, 3, 13}, {1, 4, 18}, {2, 1, 10},
	    {19, 0, 7}, {20, 0, 6}, {10, 0, 6}, {11, 0, 9}, {14, 0, 5},
	    {12, 0, 4}, {13, 0, 5}, {8, 2, 10}, {9, 1, 10}, {15, 0, 6},
	    {16, 0, 5}, {22, 0, 6}, {42, 0, 2}, {47, 0, 0}, {21, 0, 2},
	    {23, 0, 4}, {37, 0, 3}, {17, 0, 1}, {36, 0, 2}, {50, 0, 0},
	    {51, 0, 0}, {32, 1, 4}, {33, 0, 2}, {44, 0, 1}, {60, 0, 2},
	    {29, 1, 3}, {30, 1, 3}, {31, 1, 3},
	};
	size_t n = sizeof(want) / sizeof(want[0]);
	CHECK_EQ(broker_napis, n);
	for (size_t i = 0; i < n; i++) {
		const struct api *a = broker_api(want[i][0]);
		CHECK(a != NULL);
		if (!a)
			continue;
		CHECK_EQ(a->min, want[i][1]);
		CHECK_EQ(a->max, want[i][2]);
		/* The first flexible version is the schema's (KIP-482). */
		const struct ks_msg *m = ks_req(a->key);
		CHECK(m != NULL);
		if (m)
			CHECK_EQ(a->flex_from, ks_in(m->flex, m->flex.lo) &&
						       m->flex.lo <= a->max
						   ? m->flex.lo
						   : -1);
	}
}

int main(void)
{
	round_trips();
	truncation();
	headers();
	ranges();
	return t_result();
}
