/* SPDX-License-Identifier: MIT */
/*
 * apiversions.c — ApiVersions v0-4 through the table-driven codec
 * (proto/schema.h): the request is decoded into a tree, the answer is a
 * tree filled from the dispatch table and encoded at the request's
 * version. This is how every handler is meant to read and write messages.
 * The answer always takes response header v0 (see ks_resp_header_ver).
 */
#include "broker.h"
#include "proto/schema.h"

/* What one answer may cost: a tree of a few dozen nodes. */
#define APIVERSIONS_ARENA (64 * 1024)

void apiversions_encode(struct kw *w, int16_t ver, enum kerr err)
{
	const struct ks_msg *m = ks_resp(18);
	const struct ks_field *keys_f = &m->root.f[ks_idx(&m->root, "ApiKeys")];
	struct ks_arena a;
	struct kv *v, *keys;

	ks_arena_init(&a, APIVERSIONS_ARENA);
	v = ks_new(m, &a);
	if (!v) {
		w->err = true;
		goto out;
	}
	ks_get(&m->root, v, "ErrorCode")->i = err;
	keys = ks_get(&m->root, v, "ApiKeys");
	if (ks_array(keys_f, broker_napis, &a, keys) < 0) {
		w->err = true;
		goto out;
	}
	for (int i = 0; i < broker_napis; i++) {
		struct kv *k = &keys->a.v[i];
		const struct ks_struct *s = keys_f->sub;
		ks_get(s, k, "ApiKey")->i = broker_apis[i].key;
		ks_get(s, k, "MinVersion")->i = broker_apis[i].min;
		ks_get(s, k, "MaxVersion")->i = broker_apis[i].max;
	}
	/* ThrottleTimeMs stays 0; no features are advertised (the tagged
	 * fields keep their defaults and are not written). */
	if (ks_encode(m, ver, v, w) < 0)
		w->err = true;
out:
	ks_arena_free(&a);
}

int api_apiversions(struct broker *b, struct conn *c, const struct kreq *q,
		    struct kr *in, struct resp *r)
{
	struct ks_arena a;
	struct kv req;
	int rc;

	/* v3+ carry the client's software name and version (KIP-511); they
	 * are only checked for form here. */
	ks_arena_init(&a, APIVERSIONS_ARENA);
	rc = ks_decode(ks_req(18), q->ver, in, &a, &req);
	ks_arena_free(&a);
	if (rc < 0)
		return API_BAD;
	apiversions_encode(&r->w, q->ver, KERR_NONE);
	return API_REPLY;
}
