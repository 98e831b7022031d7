/* SPDX-License-Identifier: MIT */
/*
 * proto_flex.c — the handlers wired to the table-driven codec, driven
 * in-process through broker_dispatch() at every version the broker
 * advertises for them (flexible ones included: request header v2, response
 * header v1, compact forms, tagged fields). Each request is built as a
 * tree and encoded by the codec with the header its version takes; each
 * answer is decoded by the codec, which refuses trailing or missing bytes,
 * and its fields are checked. Then every request is cut at every length
 * and has random bytes changed: each must be answered or refused, never
 * crash (this program also runs under ASan+UBSan).
 */
#include "batch_builder.h"
#include "blog.h"
#include "proto/ks_handler.h"
#include "proto_harness.h"

/* Record a failure with a message and go on. */
#define FAIL(...)                                                              \
	do {                                                                   \
		fprintf(stderr, __VA_ARGS__);                                  \
		fputc('\n', stderr);                                           \
		t_failures++;                                                  \
	} while (0)

#define B_PARTS 1 /* num.partitions, the default of auto-created topics */

static struct tconn T;
static struct ks_arena A; /* requests and answers of the whole run */

#define MAXREQ 256
static struct kw reqs[MAXREQ];
static int nreqs;

/* A request of API key at version ver, every field at its default. */
static struct kv *req_new(int key)
{
	struct kv *v = ks_new(ks_req(key), &A);
	if (!v)
		t_fatal("arena");
	return v;
}

#define RQ(key, v, name) ks_get(&ks_req(key)->root, (v), (name))
#define RS(key, v, name) ks_get(&ks_resp(key)->root, (v), (name))

/* Encode req with its header, send it, decode the answer (NULL when there
 * was none or it does not decode at that version). */
static struct kv *rpc(int key, int ver, struct kv *req)
{
	static int32_t corr = 1000;
	const struct ks_msg *hm = ks_req_header(), *qm = ks_req(key);
	struct kv *h = ks_new(hm, &A), *out;
	struct kw w;
	size_t len;

	corr++;
	ks_get(&hm->root, h, "RequestApiKey")->i = key;
	ks_get(&hm->root, h, "RequestApiVersion")->i = ver;
	ks_get(&hm->root, h, "CorrelationId")->i = corr;
	kv_setstr(ks_get(&hm->root, h, "ClientId"), "flex");
	kw_init(&w);
	CHECK_EQ(ks_encode(hm, ks_req_header_ver(qm, ver), h, &w), 0);
	CHECK_EQ(ks_encode(qm, ver, req, &w), 0);
	const uint8_t *p = th_call(&T, &w, corr, &len);
	if (nreqs < MAXREQ) {
		kw_init(&reqs[nreqs]);
		kw_raw(&reqs[nreqs++], w.buf, w.len);
	}
	kw_free(&w);
	if (!p) {
		FAIL("%s v%d: no answer", qm->name, ver);
		return NULL;
	}
	/* p is after the correlation id; the response header's tags (v1)
	 * follow it. */
	struct kr r;
	kr_init(&r, p, len);
	if (ks_resp_header_ver(ks_resp(key), ver) >= 1)
		kr_tags(&r);
	out = ks_alloc(&A, sizeof(*out));
	if (!out || ks_decode(ks_resp(key), ver, &r, &A, out) < 0) {
		FAIL("%s v%d: the answer does not decode", qm->name, ver);
		return NULL;
	}
	return out;
}

static const struct api *api(int key)
{
	const struct api *a = broker_api((int16_t)key);
	if (!a)
		t_fatal("API %d not served", key);
	return a;
}

/* ---- Metadata -------------------------------------------------------- */

/* The answer's topic named name, or NULL. */
static struct kv *md_topic(struct kv *resp, const char *name)
{
	const struct ks_struct *ts = ks_sub(&ks_resp(3)->root, "Topics");
	struct kv *t = RS(3, resp, "Topics");
	for (int32_t i = 0; i < t->a.n; i++) {
		struct kv *e = &t->a.v[i];
		if (kstr_eq(ks_get(ts, e, "Name")->s, name))
			return e;
	}
	return NULL;
}

static struct kv *md_ask(int ver, const char *name, const uint8_t *id,
			 bool auto_ok)
{
	const struct ks_msg *m = ks_req(3);
	const struct ks_struct *qs = ks_sub(&m->root, "Topics");
	struct kv *req = req_new(3), *t = RQ(3, req, "Topics");

	if (!name && !id) {
		t->a.n = ver ? -1 : 0; /* all */
	} else {
		CHECK_EQ(ks_array(ks_fld(&m->root, "Topics"), 1, &A, t), 0);
		kv_setstr(ks_get(qs, t->a.v, "Name"), name);
		if (id)
			memcpy(ks_get(qs, t->a.v, "TopicId")->u, id, 16);
	}
	RQ(3, req, "AllowAutoTopicCreation")->i = auto_ok;
	return rpc(3, ver, req);
}

static void t_metadata(void)
{
	const struct ks_struct *ts = ks_sub(&ks_resp(3)->root, "Topics");
	const struct ks_struct *ps = ks_sub(ts, "Partitions");
	static const uint8_t zero[16], unknown[16] = {1, 2, 3};
	char name[32];

	for (int v = 0; v <= api(3)->max; v++) {
		snprintf(name, sizeof(name), "md%d", v);
		/* Created by the first ask (LEADER_NOT_AVAILABLE), served
		 * by the second. */
		struct kv *r = md_ask(v, name, NULL, true), *t;
		CHECK(r && (t = md_topic(r, name)) &&
		      ks_get(ts, t, "ErrorCode")->i ==
			  KERR_LEADER_NOT_AVAILABLE);
		r = md_ask(v, name, NULL, true);
		if (!r || !(t = md_topic(r, name))) {
			FAIL("Metadata v%d: %s not answered", v, name);
			continue;
		}
		struct kv *br = RS(3, r, "Brokers");
		CHECK_EQ(br->a.n, 1);
		CHECK_EQ(ks_get(ks_sub(&ks_resp(3)->root, "Brokers"), br->a.v,
				"Port")
			     ->i,
			 9092);
		CHECK_EQ(ks_get(ts, t, "ErrorCode")->i, 0);
		struct kv *parts = ks_get(ts, t, "Partitions");
		CHECK_EQ(parts->a.n, B_PARTS);
		CHECK_EQ(ks_get(ps, parts->a.v, "LeaderId")->i,
			 th_b.cfg.node_id);
		const uint8_t *id = topics_id(th_b.topics, name);
		CHECK(id != NULL);
		if (v >= 10) {
			CHECK(!memcmp(ks_get(ts, t, "TopicId")->u, id, 16));
			CHECK(memcmp(id, zero, 16) != 0);
		}
		/* All topics: null list from v1 (empty in v0). */
		r = md_ask(v, NULL, NULL, false);
		CHECK(r && md_topic(r, name) != NULL);
		CHECK(r && RS(3, r, "Topics")->a.n ==
			       (int32_t)topics_count(th_b.topics));
		if (v >= 4) { /* no auto-creation asked: not created */
			r = md_ask(v, "never", NULL, false);
			CHECK(r && (t = md_topic(r, "never")) &&
			      ks_get(ts, t, "ErrorCode")->i ==
				  KERR_UNKNOWN_TOPIC);
			CHECK_EQ(topics_partitions(th_b.topics, "never"),
				 -ENOENT);
		}
		if (v >= 12) { /* by ID: the name comes back */
			r = md_ask(v, NULL, id, false);
			CHECK(r && RS(3, r, "Topics")->a.n == 1 &&
			      (t = md_topic(r, name)) &&
			      ks_get(ts, t, "ErrorCode")->i == 0 &&
			      ks_get(ts, t, "Partitions")->a.n == B_PARTS);
			r = md_ask(v, NULL, unknown, false);
			CHECK(r && RS(3, r, "Topics")->a.n == 1);
			if (r && RS(3, r, "Topics")->a.n == 1) {
				t = RS(3, r, "Topics")->a.v;
				CHECK_EQ(ks_get(ts, t, "ErrorCode")->i,
					 KERR_UNKNOWN_TOPIC_ID);
				CHECK(!memcmp(ks_get(ts, t, "TopicId")->u,
					      unknown, 16));
			}
		}
	}
}

/* ---- ListOffsets ----------------------------------------------------- */

/* One partition of topic asked at ts; its answer (or NULL). */
static struct kv *lo_ask(int ver, const char *topic, int64_t ts)
{
	const struct ks_msg *m = ks_req(2);
	const struct ks_struct *qt = ks_sub(&m->root, "Topics");
	const struct ks_struct *qp = ks_sub(qt, "Partitions");
	struct kv *req = req_new(2), *t = RQ(2, req, "Topics"), *p;

	RQ(2, req, "ReplicaId")->i = -1;
	CHECK_EQ(ks_array(ks_fld(&m->root, "Topics"), 1, &A, t), 0);
	kv_setstr(ks_get(qt, t->a.v, "Name"), topic);
	p = ks_get(qt, t->a.v, "Partitions");
	CHECK_EQ(ks_array(ks_fld(qt, "Partitions"), 1, &A, p), 0);
	ks_get(qp, p->a.v, "Timestamp")->i = ts;
	struct kv *r = rpc(2, ver, req);
	if (!r)
		return NULL;
	const struct ks_struct *rt = ks_sub(&ks_resp(2)->root, "Topics");
	struct kv *rtop = RS(2, r, "Topics");
	if (rtop->a.n != 1 || !kstr_eq(ks_get(rt, rtop->a.v, "Name")->s, topic))
		return NULL;
	struct kv *rp = ks_get(rt, rtop->a.v, "Partitions");
	return rp->a.n == 1 ? rp->a.v : NULL;
}

static void lo_check(int ver, const char *topic, int64_t ask, int err,
		     int64_t off, int64_t ts)
{
	const struct ks_struct *rp =
	    ks_sub(ks_sub(&ks_resp(2)->root, "Topics"), "Partitions");
	struct kv *p = lo_ask(ver, topic, ask);

	if (!p) {
		FAIL("ListOffsets v%d %s %lld: no answer", ver, topic,
		     (long long)ask);
		return;
	}
	CHECK_EQ(ks_get(rp, p, "ErrorCode")->i, err);
	CHECK_EQ(ks_get(rp, p, "Offset")->i, off);
	if (ver >= 1)
		CHECK_EQ(ks_get(rp, p, "Timestamp")->i, ts);
	if (ver >= 4)
		CHECK_EQ(ks_get(rp, p, "LeaderEpoch")->i, off >= 0 ? 0 : -1);
}

static void append(const char *topic, int32_t n, int64_t ts0, int64_t step)
{
	uint8_t b[4096];
	struct batch_info bi;
	size_t len = bb_build(b, n, 20, ts0, step, 5);
	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), 0);
	CHECK(plog_append(topics_log(th_b.topics, topic, 0), b, len, &bi, 0) >=
	      0);
}

static void t_listoffsets(void)
{
	CHECK_EQ(topics_create(th_b.topics, "lo", 1), 0);
	append("lo", 5, 1000, 10); /* 0-4: 1000..1040 */
	append("lo", 3, 500, 1);   /* 5-7: older */
	for (int v = api(2)->min; v <= api(2)->max; v++) {
		lo_check(v, "lo", -1, 0, 8, -1);
		lo_check(v, "lo", -2, 0, 0, -1);
		lo_check(v, "lo", 1015, 0, 2, 1020);
		lo_check(v, "lo", 1040, 0, 4, 1040);
		lo_check(v, "lo", 1041, 0, -1, -1);
		lo_check(v, "nope", -1, KERR_UNKNOWN_TOPIC, -1, -1);
		if (v >= 7) /* the first record with the largest time */
			lo_check(v, "lo", -3, 0, 4, 1040);
		if (v >= 8) /* earliest local: the start */
			lo_check(v, "lo", -4, 0, 0, -1);
		if (v >= 9) /* last tiered: none */
			lo_check(v, "lo", -5, 0, -1, -1);
	}
}

int main(void)
{
	th_setup();
	th_conn(&T);
	ks_arena_init(&A, 1u << 30);
	t_metadata();
	t_listoffsets();
	blog_quiet(1); /* thousands of "malformed request" lines */
	th_mutate(&T, reqs, nreqs);
	blog_quiet(0);
	ks_arena_free(&A);
	th_teardown();
	for (int i = 0; i < nreqs; i++)
		kw_free(&reqs[i]);
	return t_result();
}
