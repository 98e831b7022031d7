/* SPDX-License-Identifier: MIT */
/*
 * metadata.c — Metadata v0-4: this one broker, which is also the
 * controller, and the requested topics (all when the list is empty in v0
 * or null from v1). A missing topic is created when auto.create.topics.enable
 * is on and the request allows it (always before v4), and reported with
 * LEADER_NOT_AVAILABLE in that same answer, as Kafka does; clients retry.
 *
 * A name asked for several times is answered once, as Kafka answers a set
 * of names: a 100 KB request naming one big topic 20,000 times must not
 * build 20,000 copies of its partition list. The answer is bounded by
 * zc.metadata.max.response.bytes: one that would grow past it is refused,
 * the connection closed with a log line naming the setting (the protocol
 * has no way to answer Metadata in pieces, and a partial answer would be
 * read as missing topics). Duplicates are found with a set that grows
 * only with names answered, so it is bounded by the answer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blog.h"
#include "broker.h"

#define CLUSTER_ID "zcbroker-single-node"

static void topic_entry(struct broker *b, struct kw *w, int16_t ver,
			const char *name, enum kerr err)
{
	int32_t n = err ? 0 : topics_partitions(b->topics, name);
	if (n < 0)
		n = 0;
	kw_i16(w, err);
	kw_str(w, name);
	if (ver >= 1)
		kw_i8(w, name[0] == '_' && name[1] == '_'); /* is_internal */
	kw_array(w, n);
	for (int32_t p = 0; p < n; p++) {
		kw_i16(w, KERR_NONE);
		kw_i32(w, p);
		kw_i32(w, b->cfg.node_id); /* leader */
		kw_array(w, 1);		   /* replicas */
		kw_i32(w, b->cfg.node_id);
		kw_array(w, 1); /* isr */
		kw_i32(w, b->cfg.node_id);
	}
}

/* Answer for one named topic, creating it if allowed. */
static void one_topic(struct broker *b, struct kw *w, int16_t ver,
		      const char *name, bool auto_ok)
{
	if (topics_partitions(b->topics, name) >= 0) {
		topic_entry(b, w, ver, name, KERR_NONE);
		return;
	}
	if (!topics_valid_name(name)) {
		topic_entry(b, w, ver, name, KERR_INVALID_TOPIC);
		return;
	}
	if (auto_ok && b->cfg.auto_create) {
		int rc = broker_create_topic(b, name, b->cfg.num_partitions);
		topic_entry(b, w, ver, name,
			    rc == 0 || rc == -EEXIST ? KERR_LEADER_NOT_AVAILABLE
						     : KERR_UNKNOWN_TOPIC);
		return;
	}
	topic_entry(b, w, ver, name, KERR_UNKNOWN_TOPIC);
}

/* Names already answered: offsets of their first byte in the request
 * (the length is the int16 before it), open addressing. */
struct seen {
	const uint8_t *base;
	uint32_t *slot; /* offset + 1; 0 is empty */
	size_t cap, n;
};

static uint64_t name_hash(const char *p, int32_t len)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (int32_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)p[i]) * 1099511628211ULL;
	return h;
}

static bool seen_grow(struct seen *st)
{
	size_t cap = st->cap ? st->cap * 2 : 64;
	uint32_t *ns = calloc(cap, sizeof(*ns));
	if (!ns)
		return false;
	for (size_t i = 0; i < st->cap; i++) {
		uint32_t v = st->slot[i];
		if (!v)
			continue;
		const char *p = (const char *)st->base + v - 1;
		size_t j =
		    name_hash(p, kbe16((const uint8_t *)p - 2)) & (cap - 1);
		while (ns[j])
			j = (j + 1) & (cap - 1);
		ns[j] = v;
	}
	free(st->slot);
	st->slot = ns;
	st->cap = cap;
	return true;
}

/* Whether s was seen before; remembers it if not. False when out of
 * memory too (the name is answered again: correct, only bigger). */
static bool seen_before(struct seen *st, struct kstr s)
{
	if (s.len < 0)
		return false;
	if (2 * (st->n + 1) > st->cap && !seen_grow(st))
		return false;
	size_t j = name_hash(s.p, s.len) & (st->cap - 1);
	for (; st->slot[j]; j = (j + 1) & (st->cap - 1)) {
		const char *p = (const char *)st->base + st->slot[j] - 1;
		if (kbe16((const uint8_t *)p - 2) == s.len &&
		    !memcmp(p, s.p, s.len))
			return true;
	}
	st->slot[j] = (uint32_t)((const uint8_t *)s.p - st->base) + 1;
	st->n++;
	return false;
}

/* Whether the answer outgrew the bound (logged; the caller refuses). */
static bool too_big(struct broker *b, struct conn *c, const struct kw *w)
{
	if ((int64_t)w->len <= b->cfg.metadata_max_response_bytes)
		return false;
	blog("%s: Metadata answer over %lld bytes "
	     "(zc.metadata.max.response.bytes), refused; closing",
	     c->peer, (long long)b->cfg.metadata_max_response_bytes);
	return true;
}

int api_metadata(struct broker *b, struct conn *c, const struct kreq *q,
		 struct kr *in, struct resp *r)
{
	int32_t n = kr_array_of(in, 2);
	if (!kr_ok(in) || (n < 0 && q->ver == 0))
		return API_BAD;
	/* Skip the names to read the flag after them, then come back. */
	size_t names_at = in->off;
	for (int32_t i = 0; i < n; i++)
		kr_str(in);
	bool auto_ok = q->ver < 4 ? true : kr_i8(in) != 0;
	if (!kr_ok(in))
		return API_BAD;
	in->off = names_at;

	struct kw *w = &r->w;
	if (q->ver >= 3)
		kw_i32(w, 0); /* throttle_time_ms */
	kw_array(w, 1);
	kw_i32(w, b->cfg.node_id);
	kw_str(w, b->adv_host);
	kw_i32(w, b->adv_port);
	if (q->ver >= 1)
		kw_str(w, NULL); /* rack */
	if (q->ver >= 2)
		kw_str(w, CLUSTER_ID);
	if (q->ver >= 1)
		kw_i32(w, b->cfg.node_id); /* controller_id */
	/* v0: an empty list means all topics; v1+: null means all. */
	if (q->ver == 0 ? n == 0 : n < 0) {
		size_t count = topics_count(b->topics);
		kw_array(w, (int32_t)count);
		for (size_t i = 0; i < count; i++) {
			topic_entry(b, w, q->ver, topics_name(b->topics, i),
				    KERR_NONE);
			if (too_big(b, c, w))
				return API_REFUSED;
		}
		return API_REPLY;
	}
	struct seen st = {.base = in->p};
	size_t count_at = kw_hole32(w);
	int32_t answered = 0;
	int rc = API_REPLY;
	for (int32_t i = 0; i < n && rc == API_REPLY; i++) {
		struct kstr s = kr_str(in);
		char name[256];
		if (seen_before(&st, s))
			continue;
		answered++;
		if (!kstr_copy(name, sizeof(name), s)) {
			/* Unusable name: echo it back as invalid. */
			kw_i16(w, KERR_INVALID_TOPIC);
			kw_strn(w, s.p, s.len < 0 ? 0 : s.len);
			if (q->ver >= 1)
				kw_i8(w, 0);
			kw_array(w, 0);
		} else {
			one_topic(b, w, q->ver, name, auto_ok);
		}
		if (too_big(b, c, w))
			rc = API_REFUSED;
	}
	free(st.slot);
	kw_patch32(w, count_at, answered);
	return rc;
}
