/* SPDX-License-Identifier: MIT */
/*
 * schema_codec.c — what the table-driven codec (broker/proto/wire.c) costs
 * against hand-written kr_ and kw_ code doing the same work, on the two hot
 * messages: decoding a Produce v9 request (one topic, P partitions of one
 * 1 KiB batch each) and building + encoding a Fetch v12 response of the
 * same shape. Both sides run in the same process, alternately, three
 * rounds; the figures are ns per message and the ratio codec / hand.
 *
 *   build/bench/schema_codec [PARTITIONS]     (default 10)
 *
 * Build with `make bench-bin`. The machine may be shared: read the ratio,
 * not the absolute figures.
 */
#define PROG "schema_codec"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "proto/schema.h"

static int nparts = 10;
static uint8_t batch[1024];
static volatile int64_t sink;

/* Produce v9 request body, written by hand (compact forms, empty tags). */
static void produce_request(struct kw *w)
{
	kw_init(w);
	kw_uvarint(w, 0); /* TransactionalId null */
	kw_i16(w, -1);
	kw_i32(w, 30000);
	kw_carray(w, 1);
	kw_cstr(w, "bench-topic");
	kw_carray(w, nparts);
	for (int p = 0; p < nparts; p++) {
		kw_i32(w, p);
		kw_uvarint(w, sizeof(batch) + 1);
		kw_raw(w, batch, sizeof(batch));
		kw_tags0(w);
	}
	kw_tags0(w);
	kw_tags0(w);
}

static void hand_decode(const struct kw *req)
{
	struct kr r;
	int64_t sum = 0;

	kr_init(&r, req->buf, req->len);
	kr_cstr(&r);
	sum += kr_i16(&r);
	sum += kr_i32(&r);
	for (int32_t t = 0, nt = kr_carray(&r); t < nt; t++) {
		sum += kr_cstr(&r).len;
		for (int32_t p = 0, np = kr_carray(&r); p < np; p++) {
			sum += kr_i32(&r);
			sum += kr_cbytes(&r).len;
			kr_tags(&r);
		}
		kr_tags(&r);
	}
	kr_tags(&r);
	if (!kr_ok(&r) || kr_left(&r))
		die("hand decoder refused the request");
	sink += sum;
}

static int i_topics, i_name, i_parts, i_index, i_records;

static void codec_decode(const struct kw *req)
{
	const struct ks_msg *m = ks_req(0);
	struct ks_arena a;
	struct kv v;
	struct kr r;
	int64_t sum = 0;

	ks_arena_init(&a, 1 << 20);
	kr_init(&r, req->buf, req->len);
	if (ks_decode(m, 9, &r, &a, &v))
		die("codec refused the request");
	struct kv *topics = kv_at(&v, i_topics);
	for (int32_t t = 0; t < topics->a.n; t++) {
		struct kv *topic = &topics->a.v[t];
		struct kv *parts = kv_at(topic, i_parts);
		sum += kv_at(topic, i_name)->s.len;
		for (int32_t p = 0; p < parts->a.n; p++) {
			sum += kv_at(&parts->a.v[p], i_index)->i;
			sum += kv_at(&parts->a.v[p], i_records)->s.len;
		}
	}
	ks_arena_free(&a);
	sink += sum;
}

/* Fetch v12 response: one topic, P partitions with a batch each. */
static void hand_encode(struct kw *w)
{
	kw_init(w);
	kw_i32(w, 0); /* throttle */
	kw_i16(w, 0); /* error */
	kw_i32(w, 0); /* session */
	kw_carray(w, 1);
	kw_cstr(w, "bench-topic");
	kw_carray(w, nparts);
	for (int p = 0; p < nparts; p++) {
		kw_i32(w, p);
		kw_i16(w, 0);
		kw_i64(w, 1000);  /* high watermark */
		kw_i64(w, 1000);  /* last stable offset */
		kw_i64(w, 0);	  /* log start offset */
		kw_carray(w, -1); /* aborted transactions */
		kw_i32(w, -1);	  /* preferred read replica */
		kw_uvarint(w, sizeof(batch) + 1);
		kw_raw(w, batch, sizeof(batch));
		kw_tags0(w);
	}
	kw_tags0(w);
	kw_tags0(w);
}

static int i_resp, i_topic, i_rparts, i_pidx, i_hw, i_lso, i_lstart, i_aborted,
    i_rrecords;

/* Field indexes looked up once, as a hot handler would. */
static void codec_encode(struct kw *w)
{
	const struct ks_msg *m = ks_resp(1);
	const struct ks_field *rf = &m->root.f[i_resp];
	const struct ks_field *pf = &rf->sub->f[i_rparts];
	struct ks_arena a;
	struct kv *v, *resp, *parts;

	ks_arena_init(&a, 1 << 20);
	v = ks_new(m, &a);
	if (!v)
		die("out of memory");
	resp = kv_at(v, i_resp);
	if (ks_array(rf, 1, &a, resp))
		die("out of memory");
	kv_at(&resp->a.v[0], i_topic)->s = (struct kstr){"bench-topic", 11};
	parts = kv_at(&resp->a.v[0], i_rparts);
	if (ks_array(pf, nparts, &a, parts))
		die("out of memory");
	for (int p = 0; p < nparts; p++) {
		struct kv *e = &parts->a.v[p];
		kv_at(e, i_pidx)->i = p;
		kv_at(e, i_hw)->i = 1000;
		kv_at(e, i_lso)->i = 1000;
		kv_at(e, i_lstart)->i = 0;
		kv_at(e, i_aborted)->a.n = -1;
		kv_at(e, i_rrecords)->s =
		    (struct kstr){(const char *)batch, sizeof(batch)};
	}
	kw_init(w);
	if (ks_encode(m, 12, v, w))
		die("codec refused the response");
	ks_arena_free(&a);
}

/* ns per call of f over about `secs` seconds. */
static double time_it(void (*f)(void *), void *arg, double secs)
{
	long n = 0;
	double t0 = now_s(), t;

	do {
		for (int i = 0; i < 1000; i++)
			f(arg);
		n += 1000;
	} while ((t = now_s() - t0) < secs);
	return t * 1e9 / n;
}

static struct kw req;

static void run_hand_decode(void *arg)
{
	hand_decode(&req);
}

static void run_codec_decode(void *arg)
{
	codec_decode(&req);
}

static void run_hand_encode(void *arg)
{
	struct kw w;
	hand_encode(&w);
	sink += w.len;
	kw_free(&w);
}

static void run_codec_encode(void *arg)
{
	struct kw w;
	codec_encode(&w);
	sink += w.len;
	kw_free(&w);
}

int main(int argc, char **argv)
{
	const struct ks_msg *m = ks_req(0);
	const struct ks_struct *ts, *ps;
	struct kw a, b;

	if (argc > 1)
		nparts = atoi(argv[1]);
	if (nparts < 1 || nparts > 100000)
		die("PARTITIONS must be 1..100000");
	memset(batch, 0x5a, sizeof(batch));
	i_topics = ks_idx(&m->root, "TopicData");
	ts = m->root.f[i_topics].sub;
	i_name = ks_idx(ts, "Name");
	i_parts = ks_idx(ts, "PartitionData");
	ps = ts->f[i_parts].sub;
	i_index = ks_idx(ps, "Index");
	i_records = ks_idx(ps, "Records");
	produce_request(&req);
	const struct ks_msg *fm = ks_resp(1);
	i_resp = ks_idx(&fm->root, "Responses");
	const struct ks_struct *rs = fm->root.f[i_resp].sub;
	i_topic = ks_idx(rs, "Topic");
	i_rparts = ks_idx(rs, "Partitions");
	const struct ks_struct *fps = rs->f[i_rparts].sub;
	i_pidx = ks_idx(fps, "PartitionIndex");
	i_hw = ks_idx(fps, "HighWatermark");
	i_lso = ks_idx(fps, "LastStableOffset");
	i_lstart = ks_idx(fps, "LogStartOffset");
	i_aborted = ks_idx(fps, "AbortedTransactions");
	i_rrecords = ks_idx(fps, "Records");

	/* Both encoders must write the same bytes, or the race is unfair. */
	hand_encode(&a);
	codec_encode(&b);
	if (a.len != b.len || memcmp(a.buf, b.buf, a.len))
		die("the two Fetch encodings differ");
	kw_free(&a);
	kw_free(&b);

	printf("partitions %d, 1 KiB batch each; ns per message "
	       "(shared machine: compare the ratios)\n",
	       nparts);
	for (int round = 1; round <= 3; round++) {
		double hd = time_it(run_hand_decode, NULL, 0.3);
		double cd = time_it(run_codec_decode, NULL, 0.3);
		double he = time_it(run_hand_encode, NULL, 0.3);
		double ce = time_it(run_codec_encode, NULL, 0.3);
		printf("round %d  Produce v9 decode: hand %8.0f codec %8.0f "
		       "(x%.2f)   Fetch v12 build+encode: hand %8.0f codec "
		       "%8.0f (x%.2f)\n",
		       round, hd, cd, cd / hd, he, ce, ce / he);
	}
	return 0;
}
