/* SPDX-License-Identifier: MIT */
/*
 * proto_requests.c — Description: every request handler of the broker,
 * driven in-process through broker_dispatch() on a socketpair, with a real
 * store in a temporary directory. First one valid request per API and a
 * check of the answer (produce two batches, fetch them back byte for byte
 * through the file-slice path, offsets, topics, a one-member group from
 * JoinGroup to LeaveGroup with a commit); then every valid request again
 * cut at every length and with random bytes changed, many thousand
 * times: each must be answered or refused, never crash (this program also
 * runs under ASan+UBSan).
 */
#include "batch_builder.h"
#include "blog.h"
#include "proto_harness.h"

static struct tconn T;

static const uint8_t *call(struct kw *req, int32_t corr, size_t *len)
{
	return th_call(&T, req, corr, len);
}

#define hdr th_hdr
#define B   th_b

/* ---- valid requests, kept for the mutation phase ------------------------ */

#define MAXREQ 32
static struct kw reqs[MAXREQ];
static int nreqs;

static void keep(struct kw *w)
{
	if (nreqs < MAXREQ) {
		struct kw *k = &reqs[nreqs++];
		kw_init(k);
		kw_raw(k, w->buf, w->len);
	}
}

/* Send w, keep it for the mutation pass, free it, and open the answer. */
static bool answer(struct kw *w, int32_t corr, struct kr *r)
{
	size_t len;
	const uint8_t *p = call(w, corr, &len);

	keep(w);
	kw_free(w);
	CHECK(p != NULL);
	if (p)
		kr_init(r, p, len);
	return p != NULL;
}

static void t_apiversions(void)
{
	for (int16_t v = 0; v <= 5; v++) {
		struct kw w;
		size_t len;
		hdr(&w, 18, v, 100 + v);
		if (v >= 3) {
			kw_cstr(&w, "unit");
			kw_cstr(&w, "1");
			kw_tags0(&w);
		}
		const uint8_t *p = call(&w, 100 + v, &len);
		CHECK(p != NULL);
		if (p) {
			struct kr r;
			kr_init(&r, p, len);
			int16_t err = kr_i16(&r);
			/* v5 is past the range: answered in the v0 form. */
			int32_t n =
			    v == 3 || v == 4 ? kr_carray(&r) : kr_array(&r);
			CHECK_EQ(err, v == 5 ? KERR_UNSUPPORTED_VERSION : 0);
			CHECK_EQ(n, broker_napis);
		}
		keep(&w);
		kw_free(&w);
	}
}

static int16_t topic_err(const uint8_t *p, size_t len, bool thr, bool msg)
{
	struct kr r;
	kr_init(&r, p, len);
	if (thr)
		kr_i32(&r);
	if (kr_array(&r) != 1)
		return -100;
	kr_str(&r);
	int16_t e = kr_i16(&r);
	if (msg)
		kr_str(&r);
	return kr_ok(&r) ? e : -101;
}

static void t_topics(void)
{
	struct kw w;
	size_t len;
	for (int i = 0; i < 2; i++) {
		hdr(&w, 19, 3, 200 + i);
		kw_array(&w, 1);
		kw_str(&w, "ut");
		kw_i32(&w, 2);
		kw_i16(&w, 1);
		kw_array(&w, 0);
		kw_array(&w, 0);
		kw_i32(&w, 1000);
		kw_i8(&w, 0);
		const uint8_t *p = call(&w, 200 + i, &len);
		CHECK(p && topic_err(p, len, true, true) ==
			       (i ? KERR_TOPIC_ALREADY_EXISTS : 0));
		keep(&w);
		kw_free(&w);
	}
	CHECK_EQ(topics_partitions(B.topics, "ut"), 2);
	/* Metadata v4 without auto-create, then v1 with it. */
	hdr(&w, 3, 4, 210);
	kw_array(&w, 1);
	kw_str(&w, "auto1");
	kw_i8(&w, 0);
	const uint8_t *p = call(&w, 210, &len);
	CHECK(p != NULL);
	if (p) {
		struct kr r;
		kr_init(&r, p, len);
		kr_i32(&r);		   /* throttle */
		CHECK_EQ(kr_array(&r), 1); /* brokers */
		CHECK_EQ(kr_i32(&r), 1);   /* node id */
		CHECK(kstr_eq(kr_str(&r), "127.0.0.1"));
		CHECK_EQ(kr_i32(&r), 9092);
		kr_str(&r);		   /* rack */
		kr_str(&r);		   /* cluster */
		CHECK_EQ(kr_i32(&r), 1);   /* controller */
		CHECK_EQ(kr_array(&r), 1); /* topics */
		CHECK_EQ(kr_i16(&r), KERR_UNKNOWN_TOPIC);
	}
	keep(&w);
	kw_free(&w);
	hdr(&w, 3, 1, 211);
	kw_array(&w, 1);
	kw_str(&w, "auto1");
	p = call(&w, 211, &len);
	CHECK(p != NULL);
	CHECK_EQ(topics_partitions(B.topics, "auto1"), 1);
	keep(&w);
	kw_free(&w);
	hdr(&w, 3, 0, 212); /* v0, all topics */
	kw_array(&w, 0);
	CHECK(call(&w, 212, &len) != NULL);
	keep(&w);
	kw_free(&w);
	hdr(&w, 20, 1, 213);
	kw_array(&w, 1);
	kw_str(&w, "auto1");
	kw_i32(&w, 1000);
	p = call(&w, 213, &len);
	CHECK(p && topic_err(p, len, true, false) == 0);
	CHECK_EQ(topics_partitions(B.topics, "auto1"), -ENOENT);
	keep(&w);
	kw_free(&w);
}

static uint8_t batches[2][4096];
static size_t blen[2];
static int64_t t0; /* batch i's records have timestamps t0 + 1000 i + j */

static int16_t produce(int corr, uint8_t *batch, size_t n, int64_t *base)
{
	struct kw w;
	size_t len;
	hdr(&w, 0, 7, corr);
	kw_str(&w, NULL);
	kw_i16(&w, -1);
	kw_i32(&w, 1000);
	kw_array(&w, 1);
	kw_str(&w, "ut");
	kw_array(&w, 1);
	kw_i32(&w, 0);
	kw_bytes(&w, batch, (int32_t)n);
	keep(&w);
	const uint8_t *p = call(&w, corr, &len);
	kw_free(&w);
	if (!p)
		return -100;
	struct kr r;
	kr_init(&r, p, len);
	kr_array(&r);
	kr_str(&r);
	kr_array(&r);
	kr_i32(&r);
	int16_t err = kr_i16(&r);
	*base = kr_i64(&r);
	return kr_ok(&r) ? err : -101;
}

static void t_produce_fetch(void)
{
	int64_t base;
	t0 = ev_wall_ms();
	for (int i = 0; i < 2; i++) {
		blen[i] = bb_build(batches[i], 5, 100, t0 + 1000 * i, 1, 7 + i);
		uint8_t tmp[4096];
		memcpy(tmp, batches[i], blen[i]);
		CHECK_EQ(produce(300 + i, tmp, blen[i], &base), 0);
		CHECK_EQ(base, 5 * i);
	}
	uint8_t bad[4096];
	memcpy(bad, batches[0], blen[0]);
	bad[blen[0] - 3] ^= 0x40;
	CHECK_EQ(produce(310, bad, blen[0], &base), KERR_CORRUPT_MESSAGE);

	struct kw w;
	for (int off = 0; off <= 1; off++) {
		int64_t at = off ? 100 : 0;
		hdr(&w, 1, 11, 320 + off);
		kw_i32(&w, -1);
		kw_i32(&w, 0); /* max wait */
		kw_i32(&w, 1);
		kw_i32(&w, 1 << 20);
		kw_i8(&w, 1);
		kw_i32(&w, 0);
		kw_i32(&w, -1);
		kw_array(&w, 1);
		kw_str(&w, "ut");
		kw_array(&w, 1);
		kw_i32(&w, 0);
		kw_i32(&w, -1);
		kw_i64(&w, at);
		kw_i64(&w, -1);
		kw_i32(&w, 1 << 20);
		kw_array(&w, 0);
		kw_str(&w, "");
		struct kr r;
		if (!answer(&w, 320 + off, &r))
			continue;
		kr_i32(&r);
		CHECK_EQ(kr_i16(&r), 0);
		kr_i32(&r);
		CHECK_EQ(kr_array(&r), 1);
		CHECK(kstr_eq(kr_str(&r), "ut"));
		CHECK_EQ(kr_array(&r), 1);
		CHECK_EQ(kr_i32(&r), 0);
		CHECK_EQ(kr_i16(&r), off ? KERR_OFFSET_OUT_OF_RANGE : 0);
		CHECK_EQ(kr_i64(&r), 10); /* high watermark */
		CHECK_EQ(kr_i64(&r), 10); /* last stable */
		CHECK_EQ(kr_i64(&r), 0);  /* log start */
		CHECK_EQ(kr_array(&r), 0);
		CHECK_EQ(kr_i32(&r), -1);
		struct kstr rec = kr_bytes(&r);
		CHECK(kr_ok(&r));
		CHECK_EQ(kr_left(&r), 0);
		if (off) {
			CHECK_EQ(rec.len, 0);
			continue;
		}
		CHECK_EQ(rec.len, (int32_t)(blen[0] + blen[1]));
		if (rec.len != (int32_t)(blen[0] + blen[1]))
			continue;
		/* The log stamps BaseOffset and the leader epoch; the rest
		 * must be the produced bytes exactly. */
		const uint8_t *q = (const uint8_t *)rec.p;
		for (int i = 0; i < 2; i++) {
			CHECK_EQ((int64_t)get_be64(q), 5 * i);
			CHECK(!memcmp(q + 16, batches[i] + 16, blen[i] - 16));
			q += blen[i];
		}
	}
	/* ListOffsets v2: latest, earliest, and by time (the record's own
	 * timestamp comes back). */
	static const int64_t ask[] = {-1, -2, 2, 1002, 5000};
	static const int64_t want_off[] = {10, 0, 2, 7, -1};
	for (int i = 0; i < 5; i++) {
		int64_t ts = ask[i] < 0 ? ask[i] : t0 + ask[i];
		hdr(&w, 2, 2, 330 + i);
		kw_i32(&w, -1);
		kw_i8(&w, 0);
		kw_array(&w, 1);
		kw_str(&w, "ut");
		kw_array(&w, 1);
		kw_i32(&w, 0);
		kw_i64(&w, ts);
		struct kr r;
		if (!answer(&w, 330 + i, &r))
			continue;
		kr_i32(&r);
		kr_array(&r);
		kr_str(&r);
		kr_array(&r);
		kr_i32(&r);
		CHECK_EQ(kr_i16(&r), 0);
		int64_t got_ts = kr_i64(&r);
		CHECK_EQ(kr_i64(&r), want_off[i]);
		CHECK_EQ(got_ts, ask[i] < 0 || want_off[i] < 0 ? -1 : ts);
	}
}

static void t_idempotent(void)
{
	struct kw w;
	size_t len;
	hdr(&w, 22, 1, 350);
	kw_str(&w, NULL);
	kw_i32(&w, 60000);
	const uint8_t *p = call(&w, 350, &len);
	keep(&w);
	kw_free(&w);
	CHECK(p && len == 16 && kbe16(p + 4) == 0);
	if (!p || len != 16)
		return;
	uint8_t pid[8];
	memcpy(pid, p + 6, 8);
	int64_t end = plog_end_offset(topics_log(B.topics, "ut", 0));
	static const int32_t seqs[] = {0, 0, 5, 3};
	static const int16_t errs[] = {0, 0, 45, 0};
	int64_t first = -1;
	for (int i = 0; i < 4; i++) {
		uint8_t b[4096];
		size_t n = bb_build(b, 3, 50, ev_wall_ms(), 1, 20 + i);
		memcpy(b + 43, pid, 8);
		b[51] = b[52] = 0; /* epoch 0 */
		put_be32(b + 53, (uint32_t)seqs[i]);
		bb_seal(b, n);
		int64_t base = -1;
		CHECK_EQ(produce(351 + i, b, n, &base), errs[i]);
		if (i == 0)
			first = base;
		if (i == 1) /* the retry gets the first offset back */
			CHECK_EQ(base, first);
	}
	CHECK_EQ(first, end);
	/* Written: the first batch and the one with sequence 3. */
	CHECK_EQ(plog_end_offset(topics_log(B.topics, "ut", 0)), end + 6);
}

static void t_group(void)
{
	struct kw w;
	size_t len;
	char member[256] = "";
	hdr(&w, 10, 2, 400);
	kw_str(&w, "ug");
	kw_i8(&w, 0);
	CHECK(call(&w, 400, &len) != NULL);
	keep(&w);
	kw_free(&w);

	hdr(&w, 11, 5, 401);
	kw_str(&w, "ug");
	kw_i32(&w, 30000);
	kw_i32(&w, 60000);
	kw_str(&w, "");
	kw_str(&w, NULL);
	kw_str(&w, "consumer");
	kw_array(&w, 1);
	kw_str(&w, "range");
	kw_bytes(&w, "meta", 4);
	const uint8_t *p = call(&w, 401, &len);
	keep(&w);
	kw_free(&w);
	CHECK(p != NULL);
	int32_t gen = -1;
	if (p) {
		struct kr r;
		kr_init(&r, p, len);
		kr_i32(&r);
		CHECK_EQ(kr_i16(&r), 0);
		gen = kr_i32(&r);
		CHECK_EQ(gen, 1);
		CHECK(kstr_eq(kr_str(&r), "range"));
		struct kstr leader = kr_str(&r);
		struct kstr me = kr_str(&r);
		CHECK(kstr_copy(member, sizeof(member), me));
		CHECK(leader.len == me.len && !memcmp(leader.p, me.p, me.len));
		CHECK_EQ(kr_array(&r), 1);
		kr_str(&r);
		kr_str(&r);
		struct kstr md = kr_bytes(&r);
		CHECK(md.len == 4 && !memcmp(md.p, "meta", 4));
	}
	hdr(&w, 14, 3, 402);
	kw_str(&w, "ug");
	kw_i32(&w, gen);
	kw_str(&w, member);
	kw_str(&w, NULL);
	kw_array(&w, 1);
	kw_str(&w, member);
	kw_bytes(&w, "assign", 6);
	p = call(&w, 402, &len);
	keep(&w);
	kw_free(&w);
	CHECK(p != NULL);
	if (p) {
		struct kr r;
		kr_init(&r, p, len);
		kr_i32(&r);
		CHECK_EQ(kr_i16(&r), 0);
		struct kstr a = kr_bytes(&r);
		CHECK(a.len == 6 && !memcmp(a.p, "assign", 6));
	}
	hdr(&w, 12, 3, 403);
	kw_str(&w, "ug");
	kw_i32(&w, gen);
	kw_str(&w, member);
	kw_str(&w, NULL);
	p = call(&w, 403, &len);
	keep(&w);
	kw_free(&w);
	CHECK(p && len == 6 && kbe16(p + 4) == 0);

	hdr(&w, 8, 5, 404);
	kw_str(&w, "ug");
	kw_i32(&w, gen);
	kw_str(&w, member);
	kw_array(&w, 1);
	kw_str(&w, "ut");
	kw_array(&w, 1);
	kw_i32(&w, 1);
	kw_i64(&w, 42);
	kw_str(&w, "md");
	p = call(&w, 404, &len);
	keep(&w);
	kw_free(&w);
	CHECK(p != NULL);
	int64_t off = -1;
	CHECK_EQ(offstore_fetch(B.offs, "ug", "ut", 1, &off, NULL), 0);
	CHECK_EQ(off, 42);

	hdr(&w, 9, 5, 405);
	kw_str(&w, "ug");
	kw_array(&w, -1);
	p = call(&w, 405, &len);
	keep(&w);
	kw_free(&w);
	CHECK(p != NULL);
	if (p) {
		struct kr r;
		kr_init(&r, p, len);
		kr_i32(&r);
		CHECK_EQ(kr_array(&r), 1);
		CHECK(kstr_eq(kr_str(&r), "ut"));
		CHECK_EQ(kr_array(&r), 1);
		CHECK_EQ(kr_i32(&r), 1);
		CHECK_EQ(kr_i64(&r), 42);
		kr_i32(&r);
		CHECK(kstr_eq(kr_str(&r), "md"));
		CHECK_EQ(kr_i16(&r), 0);
		CHECK_EQ(kr_i16(&r), 0);
		CHECK(kr_ok(&r) && !kr_left(&r));
	}
	hdr(&w, 15, 2, 406);
	kw_array(&w, 1);
	kw_str(&w, "ug");
	CHECK(call(&w, 406, &len) != NULL);
	keep(&w);
	kw_free(&w);
	hdr(&w, 16, 2, 407);
	CHECK(call(&w, 407, &len) != NULL);
	keep(&w);
	kw_free(&w);
	hdr(&w, 13, 1, 408);
	kw_str(&w, "ug");
	kw_str(&w, member);
	p = call(&w, 408, &len);
	CHECK(p && len == 6 && kbe16(p + 4) == 0);
	keep(&w);
	kw_free(&w);
	/* Leaving twice: the member is gone. */
	hdr(&w, 13, 0, 409);
	kw_str(&w, "ug");
	kw_str(&w, member);
	p = call(&w, 409, &len);
	CHECK(p && len == 2 && kbe16(p) == KERR_UNKNOWN_MEMBER_ID);
	kw_free(&w);
}

int main(void)
{
	th_setup();
	th_conn(&T);
	t_apiversions();
	t_topics();
	t_produce_fetch();
	t_idempotent();
	t_group();
	blog_quiet(1); /* thousands of "malformed request" lines */
	th_mutate(&T, reqs, nreqs);
	blog_quiet(0);
	th_teardown();
	for (int i = 0; i < nreqs; i++)
		kw_free(&reqs[i]);
	return t_result();
}
