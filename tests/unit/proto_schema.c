/* SPDX-License-Identifier: MIT */
/*
 * proto_schema.c — Description: the table-driven codec (proto/wire.c with
 * the schema tables): for every API, every version and both directions, a
 * message filled with pseudo-random values (every field of that version,
 * tagged fields set and left at their default, nulls where nullable, empty
 * and non-empty arrays) encodes, decodes to the same tree, and encodes
 * again to the same bytes; every strict prefix of an encoding is refused.
 * Then the tables are checked against layouts written by hand from
 * Kafka's schemas (not from the tables), and hostile input is refused
 * without large allocations.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "proto/schema.h"
#include "proto/schema_src.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char pool[] = "abcdefghijklmnopqrstuvwxyz0123456789-._"
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZ\x00\x01\xff\x7f";

static void fill(const struct ks_field *f, int type, int ver, int depth,
		 struct ks_arena *a, struct kv *v);

static void fill_struct(const struct ks_struct *s, int ver, int depth,
			struct ks_arena *a, struct kv *v)
{
	v->a.n = s->nf;
	v->a.v = ks_alloc(a, (size_t)(s->nf ? s->nf : 1) * sizeof(struct kv));
	if (!v->a.v)
		t_fatal("out of memory");
	for (int i = 0; i < s->nf; i++) {
		const struct ks_field *f = &s->f[i];
		if (ks_default(f, a, &v->a.v[i]) < 0)
			t_fatal("out of memory");
		/* Absent fields keep their default; tagged ones keep it one
		 * time in three, so both paths are taken. */
		if (!ks_in(f->ver, ver) || (f->tag >= 0 && rnd() % 3 == 0))
			continue;
		fill(f, f->type, ver, depth, a, &v->a.v[i]);
	}
}

static void fill(const struct ks_field *f, int type, int ver, int depth,
		 struct ks_arena *a, struct kv *v)
{
	bool can_null = type == f->type && ks_in(f->null, ver);

	if (can_null && rnd() % 4 == 0) {
		if (type == KS_ARRAY || type == KS_STRUCT)
			v->a.n = -1, v->a.v = NULL;
		else
			v->s.p = NULL, v->s.len = -1;
		return;
	}
	switch (type) {
	case KS_BOOL:
		v->i = rnd() & 1;
		break;
	case KS_I8:
		v->i = (int8_t)rnd();
		break;
	case KS_I16:
		v->i = (int16_t)rnd();
		break;
	case KS_U16:
		v->i = (uint16_t)rnd();
		break;
	case KS_I32:
		v->i = (int32_t)rnd();
		break;
	case KS_U32:
		v->i = (uint32_t)rnd();
		break;
	case KS_I64:
	case KS_VARLONG:
		v->i = (int64_t)rnd();
		break;
	case KS_VARINT:
		v->i = (int32_t)rnd();
		break;
	case KS_UVARINT:
		v->i = (uint32_t)rnd();
		break;
	case KS_F64:
		v->d = (double)(int32_t)rnd() / 7.0;
		break;
	case KS_UUID:
		for (int i = 0; i < 16; i++)
			v->u[i] = (uint8_t)rnd();
		break;
	case KS_STR:
	case KS_BYTES:
	case KS_RECORDS: {
		/* Mostly short; sometimes past 127 so that compact lengths
		 * take two varint bytes. */
		size_t n = rnd() % 8 == 0 ? 100 + rnd() % 200 : rnd() % 12;
		char *p = ks_alloc(a, n + 1);
		if (!p)
			t_fatal("out of memory");
		for (size_t i = 0; i < n; i++)
			p[i] = pool[rnd() % (sizeof(pool) - 1)];
		v->s.p = p;
		v->s.len = (int32_t)n;
		break;
	}
	case KS_STRUCT:
		fill_struct(f->sub, ver, depth + 1, a, v);
		break;
	case KS_ARRAY: {
		int32_t n = (int32_t)(rnd() % (depth > 2 ? 2 : 4));
		v->a.n = n;
		v->a.v = n ? ks_alloc(a, n * sizeof(struct kv)) : NULL;
		if (n && !v->a.v)
			t_fatal("out of memory");
		for (int32_t i = 0; i < n; i++)
			fill(f, f->elem, ver, depth + 1, a, &v->a.v[i]);
		break;
	}
	}
}

static int checked_versions, checked_messages, checked_prefixes;

/* Error codes set to 0, records left null and tagged fields at their
 * default: what another client's response parser accepts (it stops at
 * errors, parses record batches and skips only empty tag sections). Used
 * for ZC_SCHEMA_RESPONSES below. */
static void quiet(const struct ks_struct *s, struct ks_arena *a, bool tags,
		  struct kv *v)
{
	for (int i = 0; i < s->nf; i++) {
		const struct ks_field *f = &s->f[i];
		struct kv *x = &v->a.v[i];
		size_t n = strlen(f->name);
		if (f->tag >= 0 && !tags) {
			if (ks_default(f, a, x) < 0)
				t_fatal("out of memory");
		} else if (f->type == KS_I16 && n >= 9 &&
			   !strcmp(f->name + n - 9, "ErrorCode"))
			x->i = 0;
		else if (f->type == KS_STR && f->null.lo <= f->null.hi &&
			 n >= 12 && !strcmp(f->name + n - 12, "ErrorMessage"))
			x->s.p = NULL, x->s.len = -1;
		else if (f->type == KS_RECORDS)
			x->s.p = NULL, x->s.len = -1;
		else if (f->type == KS_STRUCT && x->a.n >= 0)
			quiet(f->sub, a, tags, x);
		else if (f->type == KS_ARRAY && f->elem == KS_STRUCT)
			for (int32_t k = 0; k < x->a.n; k++)
				quiet(f->sub, a, tags, &x->a.v[k]);
	}
}

/* With ZC_SCHEMA_RESPONSES=DIR, one response of every API and version is
 * saved as DIR/resp-KEY-vVER-sN.bin (body only, tagged fields at their
 * default) and DIR/resp-KEY-vVER-tags-sN.bin (tagged fields set) for
 * tests/unit/vectors/check_responses.mjs, which parses them with the
 * Node clients' own parsers. */
static void save_response_as(const struct ks_msg *m, int ver, bool tags,
			     int sample)
{
	const char *dir = getenv("ZC_SCHEMA_RESPONSES");
	struct ks_arena a;
	char path[512];
	struct kv root;
	struct kw w;
	FILE *f;

	if (!dir || !*dir || !m->resp || m->key < 0)
		return;
	ks_arena_init(&a, 64 << 20);
	kw_init(&w);
	fill_struct(&m->root, ver, 0, &a, &root);
	quiet(&m->root, &a, tags, &root);
	if (ks_encode(m, ver, &root, &w))
		t_fatal("%s v%d: cannot encode", m->name, ver);
	snprintf(path, sizeof(path), "%s/resp-%d-v%d%s-s%d.bin", dir, m->key,
		 ver, tags ? "-tags" : "", sample);
	if (!(f = fopen(path, "wb")) || fwrite(w.buf, 1, w.len, f) != w.len ||
	    fclose(f))
		t_fatal("%s: cannot write it", path);
	kw_free(&w);
	ks_arena_free(&a);
}

/* With ZC_SCHEMA_SEEDS=DIR, the first message of a few versions of each
 * schema is saved there as an input of tests/fuzz/fuzz_schema.c (selector
 * byte, version byte, message): how its seed corpus was made. */
static void save_seed(const struct ks_msg *m, int ver, const struct kw *w)
{
	const char *dir = getenv("ZC_SCHEMA_SEEDS");
	bool selftest = !strcmp(m->name, "Every"); /* fuzz selector 0xfd */
	char path[512];
	uint8_t sel;
	FILE *f;

	if (!dir || !*dir || (m->key >= 128 && !selftest) ||
	    (ver != m->valid.lo && ver != m->valid.hi && ver != m->flex.lo))
		return;
	sel = selftest	   ? 0xfd
	      : m->key < 0 ? (m->resp ? 0xfe : 0xff)
			   : (uint8_t)(m->key | (m->resp ? 0x80 : 0));
	snprintf(path, sizeof(path), "%s/seed-%s-%s-v%d", dir, m->name,
		 m->resp ? "resp" : "req", ver);
	if (!(f = fopen(path, "wb")))
		t_fatal("%s: cannot create it", path);
	fputc(sel, f);
	fputc(ver, f);
	fwrite(w->buf, 1, w->len, f);
	if (fclose(f))
		t_fatal("%s: cannot write it", path);
}

static void round_trip(const struct ks_msg *m, int ver, int trial)
{
	struct ks_arena a;
	struct kw w1, w2;
	struct kv root, back;
	struct kr r;
	int rc;

	ks_arena_init(&a, 64 << 20);
	kw_init(&w1);
	kw_init(&w2);
	fill_struct(&m->root, ver, 0, &a, &root);
	rc = ks_encode(m, ver, &root, &w1);
	if (rc) {
		fprintf(stderr, "%s %s v%d: encode %d\n", m->name,
			m->resp ? "resp" : "req", ver, rc);
		t_failures++;
		goto out;
	}
	kr_init(&r, w1.buf, w1.len);
	rc = ks_decode(m, ver, &r, &a, &back);
	if (rc || !ks_msg_equal(m, ver, &root, &back)) {
		fprintf(stderr, "%s %s v%d trial %d: decode %d or differs\n",
			m->name, m->resp ? "resp" : "req", ver, trial, rc);
		t_failures++;
		goto out;
	}
	rc = ks_encode(m, ver, &back, &w2);
	CHECK_EQ(rc, 0);
	if (w1.len != w2.len || (w1.len && memcmp(w1.buf, w2.buf, w1.len))) {
		fprintf(stderr, "%s v%d: re-encoding differs\n", m->name, ver);
		t_failures++;
	}
	/* Every strict prefix is truncated input: refused, never read past.
	 * Each prefix gets an exact-size copy so ASan sees any overread. */
	if (trial < 2) {
		for (size_t n = 0; n < w1.len; n++) {
			uint8_t *cut = malloc(n ? n : 1);
			struct kv junk;
			if (!cut)
				t_fatal("out of memory");
			memcpy(cut, w1.buf, n);
			kr_init(&r, cut, n);
			if (ks_decode(m, ver, &r, &a, &junk) != -EINVAL) {
				fprintf(stderr,
					"%s v%d: prefix %zu/%zu taken\n",
					m->name, ver, n, w1.len);
				t_failures++;
			}
			free(cut);
			checked_prefixes++;
		}
	}
	if (trial == 0)
		save_seed(m, ver, &w1);
	checked_messages++;
out:
	kw_free(&w1);
	kw_free(&w2);
	ks_arena_free(&a);
}

static void save_response(const struct ks_msg *m, int ver)
{
	/* A few samples each: an array left empty in one is filled in
	 * another. */
	for (int i = 0; i < 3; i++) {
		save_response_as(m, ver, false, i);
		save_response_as(m, ver, true, i);
	}
}

static void all_round_trips(void)
{
	int n;
	const struct ks_msg *const *all = ks_all(&n);

	CHECK(n >= 2 + 2 * 32); /* two headers, 32 APIs both ways */
	for (int i = 0; i < n; i++) {
		const struct ks_msg *m = all[i];
		for (int v = m->valid.lo; v <= m->valid.hi; v++) {
			for (int t = 0; t < 24; t++)
				round_trip(m, v, t);
			save_response(m, v);
			checked_versions++;
		}
	}
	printf("%d message versions, %d round trips, %d prefixes refused\n",
	       checked_versions, checked_messages, checked_prefixes);
}

/* ---- layouts written by hand ------------------------------------------ */

/* Decode `len` bytes as m/ver into *out (arena a). */
static int dec(const struct ks_msg *m, int ver, const void *p, size_t len,
	       struct ks_arena *a, struct kv *out)
{
	struct kr r;
	kr_init(&r, p, len);
	return ks_decode(m, ver, &r, a, out);
}

/* Encode v and compare with the expected bytes. */
static void expect_bytes(const struct ks_msg *m, int ver, const struct kv *v,
			 const void *want, size_t len)
{
	struct kw w;
	kw_init(&w);
	CHECK_EQ(ks_encode(m, ver, v, &w), 0);
	CHECK_EQ(w.len, len);
	CHECK(w.len == len && (!len || !memcmp(w.buf, want, len)));
	kw_free(&w);
}

static bool str_is(const struct kv *v, const char *z)
{
	return v->s.p && v->s.len == (int32_t)strlen(z) &&
	       !memcmp(v->s.p, z, v->s.len);
}

static void hand_headers(void)
{
	/* Request header v2 (ApiVersions v3, correlation 7, client "kcat")
	 * with an unknown tagged field (tag 9, 2 bytes): skipped. */
	static const uint8_t h2[] = {0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00,
				     0x07, 0x00, 0x04, 'k',  'c',  'a',	 't',
				     0x01, 0x09, 0x02, 0xaa, 0xbb};
	static const uint8_t h2_plain[] = {0x00, 0x12, 0x00, 0x03, 0x00,
					   0x00, 0x00, 0x07, 0x00, 0x04,
					   'k',	 'c',  'a',  't',  0x00};
	const struct ks_msg *h = ks_req_header();
	struct ks_arena a;
	struct kv v;

	ks_arena_init(&a, 1 << 20);
	CHECK_EQ(dec(h, 2, h2, sizeof(h2), &a, &v), 0);
	CHECK_EQ(ks_get(&h->root, &v, "RequestApiKey")->i, 18);
	CHECK_EQ(ks_get(&h->root, &v, "RequestApiVersion")->i, 3);
	CHECK_EQ(ks_get(&h->root, &v, "CorrelationId")->i, 7);
	/* ClientId keeps its int16 length even in header v2. */
	CHECK(str_is(ks_get(&h->root, &v, "ClientId"), "kcat"));
	expect_bytes(h, 2, &v, h2_plain, sizeof(h2_plain));
	/* Header v1 is the same without the tag section. */
	CHECK_EQ(dec(h, 1, h2_plain, sizeof(h2_plain) - 1, &a, &v), 0);
	/* A null client id (length -1) in header v1. */
	static const uint8_t h1null[] = {0, 3, 0, 1, 0, 0, 0, 9, 0xff, 0xff};
	CHECK_EQ(dec(h, 1, h1null, sizeof(h1null), &a, &v), 0);
	CHECK(!ks_get(&h->root, &v, "ClientId")->s.p);
	/* Header v0 has no client id: the same bytes are too long. */
	CHECK_EQ(dec(h, 0, h1null, sizeof(h1null), &a, &v), -EINVAL);
	CHECK_EQ(dec(h, 0, h1null, 8, &a, &v), 0);

	/* Response header v1: correlation id and an empty tag section. */
	static const uint8_t r1[] = {0x00, 0x00, 0x01, 0x02, 0x00};
	CHECK_EQ(dec(ks_resp_header(), 1, r1, sizeof(r1), &a, &v), 0);
	CHECK_EQ(v.a.v[0].i, 0x102);
	CHECK_EQ(dec(ks_resp_header(), 0, r1, 4, &a, &v), 0);
	CHECK_EQ(ks_req_header_ver(ks_req(3), 9), 2);
	CHECK_EQ(ks_req_header_ver(ks_req(3), 8), 1);
	CHECK_EQ(ks_resp_header_ver(ks_resp(3), 9), 1);
	CHECK_EQ(ks_resp_header_ver(ks_resp(18), 4), 0);
	ks_arena_free(&a);
}

static void hand_apiversions(void)
{
	/* ApiVersions v3 request: compact strings "librdkafka", "2.0.2". */
	static const uint8_t req[] = {0x0b, 'l', 'i', 'b', 'r', 'd',
				      'k',  'a', 'f', 'k', 'a', 0x06,
				      '2',  '.', '0', '.', '2', 0x00};
	const struct ks_msg *m = ks_req(18);
	struct ks_arena a;
	struct kv v, *r;

	ks_arena_init(&a, 1 << 20);
	CHECK_EQ(dec(m, 3, req, sizeof(req), &a, &v), 0);
	CHECK(str_is(ks_get(&m->root, &v, "ClientSoftwareName"), "librdkafka"));
	CHECK(str_is(ks_get(&m->root, &v, "ClientSoftwareVersion"), "2.0.2"));
	CHECK_EQ(dec(m, 4, req, sizeof(req), &a, &v), 0);
	/* v0-2 requests are empty. */
	CHECK_EQ(dec(m, 2, req, 0, &a, &v), 0);
	CHECK_EQ(dec(m, 6, req, sizeof(req), &a, &v), -ENOTSUP);

	/* ApiVersions v3 response: error 0, one key (Metadata 0..12),
	 * throttle 0, tags: FinalizedFeaturesEpoch (tag 1) = 5. */
	static const uint8_t resp[] = {
	    0x00, 0x00,					    /* error */
	    0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x0c, 0x00, /* keys */
	    0x00, 0x00, 0x00, 0x00,			    /* throttle */
	    0x01, 0x01, 0x08, 0,    0,	  0,	0,    0,    0, 0, 5}; /* tags */
	const struct ks_msg *rm = ks_resp(18);
	r = ks_new(rm, &a);
	CHECK(r != NULL);
	if (!r)
		return;
	struct kv *keys = ks_get(&rm->root, r, "ApiKeys");
	const struct ks_field *kf = &rm->root.f[ks_idx(&rm->root, "ApiKeys")];
	CHECK_EQ(ks_array(kf, 1, &a, keys), 0);
	keys->a.v[0].a.v[0].i = 3;
	keys->a.v[0].a.v[2].i = 12;
	ks_get(&rm->root, r, "FinalizedFeaturesEpoch")->i = 5;
	expect_bytes(rm, 3, r, resp, sizeof(resp));
	/* In v0 the same message is int32-counted, without tags. */
	static const uint8_t resp0[] = {0, 0, 0, 0, 0, 1, 0, 3, 0, 0, 0, 12};
	expect_bytes(rm, 0, r, resp0, sizeof(resp0));
	ks_arena_free(&a);
}

static void hand_metadata(void)
{
	/* Metadata v12 request: one topic by id (name null), auto-create
	 * true, topic authorized operations false. */
	static const uint8_t req[] = {0x02, /* 1 topic */
				      1,    2,	3,  4,	5,  6,	7,  8,
				      9,    10, 11, 12, 13, 14, 15, 16, /* id */
				      0x00,  /* name null */
				      0x00,  /* tags */
				      0x01,  /* auto-create */
				      0x00,  /* topic ops */
				      0x00}; /* tags */
	const struct ks_msg *m = ks_req(3);
	struct ks_arena a;
	struct kv v;

	ks_arena_init(&a, 1 << 20);
	CHECK_EQ(dec(m, 12, req, sizeof(req), &a, &v), 0);
	struct kv *topics = ks_get(&m->root, &v, "Topics");
	CHECK_EQ(topics->a.n, 1);
	if (topics->a.n == 1) {
		CHECK_EQ(topics->a.v[0].a.v[0].u[15], 16);
		CHECK(!topics->a.v[0].a.v[1].s.p);
	}
	CHECK_EQ(ks_get(&m->root, &v, "AllowAutoTopicCreation")->i, 1);
	expect_bytes(m, 12, &v, req, sizeof(req));
	/* A null name is not allowed before v10. */
	CHECK_EQ(dec(m, 9, req + 16, sizeof(req) - 16, &a, &v), -EINVAL);
	/* v1: a null topic array means every topic. */
	static const uint8_t all1[] = {0xff, 0xff, 0xff, 0xff};
	CHECK_EQ(dec(m, 1, all1, sizeof(all1), &a, &v), 0);
	CHECK_EQ(ks_get(&m->root, &v, "Topics")->a.n, -1);
	CHECK_EQ(dec(m, 0, all1, sizeof(all1), &a, &v), -EINVAL);

	/* Metadata v12 response: throttle 0, one broker (1, "h", 9092, rack
	 * null), cluster id "c", controller 1, no topics, cluster ops
	 * absent since v11. */
	static const uint8_t resp[] = {0,    0,	   0,	0, /* throttle */
				       0x02, 0,	   0,	0,    1,    0x02,
				       'h',  0,	   0,	0x23, 0x84, 0x00,
				       0x00, 0x02, 'c',	   /* cluster id */
				       0,    0,	   0,	1, /* controller */
				       0x01,		   /* no topics */
				       0x00};		   /* tags */
	const struct ks_msg *rm = ks_resp(3);
	CHECK_EQ(dec(rm, 12, resp, sizeof(resp), &a, &v), 0);
	struct kv *b = ks_get(&rm->root, &v, "Brokers");
	CHECK_EQ(b->a.n, 1);
	if (b->a.n == 1) {
		CHECK_EQ(b->a.v[0].a.v[2].i, 9092);
		CHECK(str_is(&b->a.v[0].a.v[1], "h"));
	}
	CHECK(str_is(ks_get(&rm->root, &v, "ClusterId"), "c"));
	/* v13 adds a top-level error code: the same bytes are short. */
	CHECK_EQ(dec(rm, 13, resp, sizeof(resp), &a, &v), -EINVAL);
	ks_arena_free(&a);
}

static void hand_produce(void)
{
	/* Produce v3 request: transactional id null, acks -1, timeout 1000,
	 * topic "t" partition 0 with a 3-byte records blob. */
	static const uint8_t req[] = {
	    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x03, 0xe8, /* null,acks,to */
	    0,	  0,	0,    1,    0,	  1,	't',	    /* topic "t" */
	    0,	  0,	0,    1,    0,	  0,	0,    0,    /* partition 0 */
	    0,	  0,	0,    3,    0xaa, 0xbb, 0xcc};	    /* records */
	const struct ks_msg *m = ks_req(0);
	struct ks_arena a;
	struct kv v;

	ks_arena_init(&a, 1 << 20);
	CHECK_EQ(dec(m, 3, req, sizeof(req), &a, &v), 0);
	struct kv *td = ks_get(&m->root, &v, "TopicData");
	CHECK_EQ(td->a.n, 1);
	if (td->a.n == 1) {
		struct kv *pd = &td->a.v[0].a.v[2];
		CHECK_EQ(pd->a.n, 1);
		/* Records stay in the request buffer, not copied. */
		if (pd->a.n == 1)
			CHECK(pd->a.v[0].a.v[1].s.p == (const char *)req + 27);
	}
	expect_bytes(m, 3, &v, req, sizeof(req));
	/* Produce v0-2 are below Kafka 4's range and not in the table. */
	CHECK_EQ(dec(m, 2, req, sizeof(req), &a, &v), -ENOTSUP);
	ks_arena_free(&a);
}

/* ---- hostile input ------------------------------------------------------ */

static void hostile(void)
{
	struct ks_arena a;
	struct kv v;

	ks_arena_init(&a, 1 << 20);
	/* Metadata v4: an array count of 2^31-1 in an 8-byte message. */
	static const uint8_t big[] = {0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1};
	CHECK_EQ(dec(ks_req(3), 4, big, sizeof(big), &a, &v), -EINVAL);
	CHECK(a.used < 4096);
	/* Metadata v9: a compact count (uvarint) of 2^32, and one that does
	 * not end within ten bytes. */
	static const uint8_t cbig[] = {0x81, 0x80, 0x80, 0x80, 0x10, 0, 0};
	CHECK_EQ(dec(ks_req(3), 9, cbig, sizeof(cbig), &a, &v), -EINVAL);
	static const uint8_t vlong[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	CHECK_EQ(dec(ks_req(3), 9, vlong, sizeof(vlong), &a, &v), -EINVAL);
	/* A count each of whose elements needs 17 bytes (uuid + name):
	 * three elements cannot fit in 40 bytes. */
	uint8_t three[41] = {0x04};
	CHECK_EQ(dec(ks_req(3), 10, three, sizeof(three), &a, &v), -EINVAL);
	/* A compact string longer than what is left. */
	static const uint8_t slong[] = {0x10, 'a', 'b', 0x00};
	CHECK_EQ(dec(ks_req(18), 3, slong, sizeof(slong), &a, &v), -EINVAL);
	/* A tagged field whose size runs past the end. */
	static const uint8_t tlong[] = {0x01, 0x01, 0x00, 0x01, 0x05, 0x7f};
	CHECK_EQ(dec(ks_req(18), 3, tlong, sizeof(tlong), &a, &v), -EINVAL);
	/* A known tag (FinalizedFeaturesEpoch, int64) declared 9 bytes long:
	 * its value must fill its size exactly. */
	static const uint8_t tsz[] = {0, 0, 1, 0, 0, 0, 0, 0x01, 0x01, 0x09,
				      0, 0, 0, 0, 0, 0, 0, 5,	 0};
	CHECK_EQ(dec(ks_resp(18), 3, tsz, sizeof(tsz), &a, &v), -EINVAL);
	/* The same with size 8 is fine. */
	static const uint8_t tok[] = {0,    0, 1, 0, 0, 0, 0, 0x01, 0x01,
				      0x08, 0, 0, 0, 0, 0, 0, 0,    5};
	CHECK_EQ(dec(ks_resp(18), 3, tok, sizeof(tok), &a, &v), 0);
	CHECK_EQ(ks_get(&ks_resp(18)->root, &v, "FinalizedFeaturesEpoch")->i,
		 5);
	/* A tag count larger than the bytes can hold. */
	static const uint8_t tcount[] = {0x01, 0x01, 0x00, 0x7f};
	CHECK_EQ(dec(ks_req(18), 3, tcount, sizeof(tcount), &a, &v), -EINVAL);
	/* Trailing bytes after a whole message. */
	static const uint8_t trail[] = {0x01, 0x01, 0x00, 0x00};
	CHECK_EQ(dec(ks_req(18), 3, trail, sizeof(trail), &a, &v), -EINVAL);
	ks_arena_free(&a);

	/* The arena's budget bounds what a legal message may cost: 2,000
	 * empty topic names is 4 KiB of input and over a 16 KiB budget. */
	size_t n = 2000, len = 4 + 2 * n;
	uint8_t *many = calloc(1, len);
	if (!many)
		t_fatal("out of memory");
	many[2] = (uint8_t)(n >> 8);
	many[3] = (uint8_t)n;
	ks_arena_init(&a, 16 << 10);
	CHECK_EQ(dec(ks_req(3), 0, many, len, &a, &v), -ENOMEM);
	CHECK(a.used <= a.budget);
	ks_arena_free(&a);
	ks_arena_init(&a, 1 << 20);
	CHECK_EQ(dec(ks_req(3), 0, many, len, &a, &v), 0);
	CHECK_EQ(ks_get(&ks_req(3)->root, &v, "Topics")->a.n, 2000);
	ks_arena_free(&a);
	free(many);
}

static void bad_tables(void)
{
	char err[128];
	static const char *const bad[] = {
	    "X 1 req 0-3\n  A i32 0+\n",		      /* header */
	    "X 1 req 0-3 none\n  A i33 0+\n",		      /* type */
	    "X 1 req 0-3 none\n  A i32 4-2\n",		      /* range */
	    "X 1 req 0-3 none\n  A i32 0+\n  A i16 0+\n",     /* dup name */
	    "X 1 req 0-3 none\n  A {} 0+\n",		      /* empty struct */
	    "X 1 req 0-3 none\n  A i32 0+\n    B i32 0+\n",   /* sub of int */
	    "X 1 req 0-3 none\n  A i32 0+ n0+\n",	      /* nullable int */
	    "X 1 req 0-3 3+\n  A i32 3+ t0\n  B i32 3+ t0\n", /* dup tag */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ks_msg *m = ks_compile(bad[i], err, sizeof(err));
		if (m) {
			fprintf(stderr, "bad table %zu compiled\n", i);
			t_failures++;
			ks_free_msg(m);
		}
	}
	struct ks_msg *ok =
	    ks_compile("X 1 req 0-3 none\n  A i32 0+\n", err, sizeof(err));
	CHECK(ok && ok->root.nf == 1);
	ks_free_msg(ok);
}

/* Every type and attribute of the language, including what no Kafka
 * table of this broker uses yet (varints, f64, unsigned types, nullable
 * structs, tagged structs inside arrays), through the same round trip. */
static void every_type(void)
{
	char err[128];
	struct ks_msg *m = ks_compile(ks_src_selftest, err, sizeof(err));

	CHECK(m != NULL);
	if (!m) {
		fprintf(stderr, "every_type: %s\n", err);
		return;
	}
	for (int v = 0; v <= 3; v++)
		for (int t = 0; t < 200; t++)
			round_trip(m, v, t);

	/* Known bytes: varint -1 is 0x01, uvarint 300 is ac 02, a null
	 * struct is the marker -1. */
	static const char small[] = "Small 1001 req 0 none\n"
				    "  V varint 0+\n"
				    "  UV uvarint 0+\n"
				    "  St {} 0+ n0+\n"
				    "    A i8 0+\n";
	static const uint8_t want[] = {0x01, 0xac, 0x02, 0xff};
	struct ks_msg *sm = ks_compile(small, err, sizeof(err));
	struct ks_arena a;
	struct kv *v, back;
	CHECK(sm != NULL);
	if (!sm) {
		ks_free_msg(m);
		return;
	}
	ks_arena_init(&a, 1 << 20);
	v = ks_new(sm, &a);
	v->a.v[0].i = -1;
	v->a.v[1].i = 300;
	v->a.v[2].a.n = -1;
	expect_bytes(sm, 0, v, want, sizeof(want));
	CHECK_EQ(dec(sm, 0, want, sizeof(want), &a, &back), 0);
	CHECK(ks_msg_equal(sm, 0, v, &back));
	/* Out of range: a varint past int32, a uvarint past uint32. */
	static const uint8_t vbig[] = {0x80, 0x80, 0x80, 0x80, 0x10, 0, 0xff};
	CHECK_EQ(dec(sm, 0, vbig, sizeof(vbig), &a, &back), -EINVAL);
	static const uint8_t ubig[] = {0x00, 0x80, 0x80, 0x80,
				       0x80, 0x10, 0xff};
	CHECK_EQ(dec(sm, 0, ubig, sizeof(ubig), &a, &back), -EINVAL);
	/* A present struct: marker 1, then its field. */
	static const uint8_t some[] = {0x02, 0x05, 0x01, 0x7f};
	CHECK_EQ(dec(sm, 0, some, sizeof(some), &a, &back), 0);
	CHECK_EQ(back.a.v[0].i, 1);
	CHECK_EQ(back.a.v[1].i, 5);
	CHECK_EQ(back.a.v[2].a.v[0].i, 127);
	ks_arena_free(&a);
	ks_free_msg(sm);
	ks_free_msg(m);
}

int main(void)
{
	all_round_trips();
	hand_headers();
	hand_apiversions();
	hand_metadata();
	hand_produce();
	hostile();
	bad_tables();
	every_type();
	return t_result();
}
