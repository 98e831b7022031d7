/* SPDX-License-Identifier: MIT */
/*
 * proto_ks.h — what the unit tests that speak to the broker through the
 * table-driven codec share (header-only, as each unit test is its own
 * program): requests built as trees and encoded with the header their
 * version takes, sent through broker_dispatch(), answers decoded by the
 * codec (which refuses trailing or missing bytes). Each request is kept
 * for th_mutate().
 */
#ifndef ZC_TEST_PROTO_KS_H
#define ZC_TEST_PROTO_KS_H

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
static inline struct kv *req_new(int key)
{
	struct kv *v = ks_new(ks_req(key), &A);
	if (!v)
		t_fatal("arena");
	return v;
}

#define RQ(key, v, name) ks_get(&ks_req(key)->root, (v), (name))
#define RS(key, v, name) ks_get(&ks_resp(key)->root, (v), (name))

/* With ZC_FLEX_CORPUS set, the first request of each API and version is
 * written there as a seed of tests/fuzz/corpus/request (one frame without
 * its size prefix, as fuzz_request takes it). */
static void save_seed(const struct ks_msg *m, int ver, const struct kw *w)
{
	const char *dir = getenv("ZC_FLEX_CORPUS");
	char p[4096];
	FILE *f;

	if (!dir)
		return;
	snprintf(p, sizeof(p), "%s/seed-flex-%s-v%d", dir, m->name, ver);
	if (access(p, F_OK) == 0 || !(f = fopen(p, "wb")))
		return;
	fwrite(w->buf, 1, w->len, f);
	fclose(f);
}

/* Encode req with its header, send it, decode the answer (NULL when there
 * was none or it does not decode at that version). */
/* A request of key at ver with its header (no size prefix), into w. */
static void req_encode(struct kw *w, int key, int ver, int32_t corr,
		       struct kv *req)
{
	const struct ks_msg *hm = ks_req_header(), *qm = ks_req(key);
	struct kv *h = ks_new(hm, &A);

	ks_get(&hm->root, h, "RequestApiKey")->i = key;
	ks_get(&hm->root, h, "RequestApiVersion")->i = ver;
	ks_get(&hm->root, h, "CorrelationId")->i = corr;
	kv_setstr(ks_get(&hm->root, h, "ClientId"), "flex");
	kw_init(w);
	CHECK_EQ(ks_encode(hm, ks_req_header_ver(qm, ver), h, w), 0);
	CHECK_EQ(ks_encode(qm, ver, req, w), 0);
}

/* An answer body p (after the correlation id) decoded at ver, or NULL. */
static struct kv *answer_decode(int key, int ver, const uint8_t *p, size_t len)
{
	struct kv *out = ks_alloc(&A, sizeof(*out));
	struct kr r;

	/* The response header's tags (v1) come first. */
	kr_init(&r, p, len);
	if (ks_resp_header_ver(ks_resp(key), ver) >= 1)
		kr_tags(&r);
	if (!out || ks_decode(ks_resp(key), ver, &r, &A, out) < 0) {
		FAIL("%s v%d: the answer does not decode", ks_resp(key)->name,
		     ver);
		return NULL;
	}
	return out;
}

static struct kv *rpc(int key, int ver, struct kv *req)
{
	static int32_t corr = 1000;
	const struct ks_msg *qm = ks_req(key);
	struct kw w;
	size_t len;

	req_encode(&w, key, ver, ++corr, req);
	const uint8_t *p = th_call(&T, &w, corr, &len);
	save_seed(qm, ver, &w);
	if (nreqs < MAXREQ) {
		kw_init(&reqs[nreqs]);
		kw_raw(&reqs[nreqs++], w.buf, w.len);
	}
	kw_free(&w);
	if (!p) {
		FAIL("%s v%d: no answer", qm->name, ver);
		return NULL;
	}
	return answer_decode(key, ver, p, len);
}

static const struct api *api(int key)
{
	const struct api *a = broker_api((int16_t)key);
	if (!a)
		t_fatal("API %d not served", key);
	return a;
}

/* A broker, a connection and the arena of the run. */
static void ks_tests_begin(void)
{
	th_setup();
	th_conn(&T);
	ks_arena_init(&A, 1u << 30);
}

/* Every request sent, cut and garbled (th_mutate); then the verdict. */
static int ks_tests_end(void)
{
	blog_quiet(1); /* thousands of "malformed request" lines */
	th_mutate(&T, reqs, nreqs);
	blog_quiet(0);
	ks_arena_free(&A);
	th_teardown();
	for (int i = 0; i < nreqs; i++)
		kw_free(&reqs[i]);
	return t_result();
}

#endif /* ZC_TEST_PROTO_KS_H */
