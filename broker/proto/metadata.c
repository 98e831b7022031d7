/* SPDX-License-Identifier: MIT */
/*
 * metadata.c — Metadata v0-4: this one broker, which is also the
 * controller, and the requested topics (all when the list is empty in v0
 * or null from v1). A missing topic is created when auto.create.topics.enable
 * is on and the request allows it (always before v4), and reported with
 * LEADER_NOT_AVAILABLE in that same answer, as Kafka does; clients retry.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "broker.h"

#define CLUSTER_ID "zcbroker-single-node"

static void topic_entry(struct broker *b, struct kw *w, int16_t ver,
			const char *name, int16_t err)
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

int api_metadata(struct broker *b, struct conn *c, const struct kreq *q,
		 struct kr *in, struct resp *r)
{
	int32_t n = kr_array(in);
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
		for (size_t i = 0; i < count; i++)
			topic_entry(b, w, q->ver, topics_name(b->topics, i),
				    KERR_NONE);
		return API_REPLY;
	}
	kw_array(w, n < 0 ? 0 : n);
	for (int32_t i = 0; i < n; i++) {
		struct kstr s = kr_str(in);
		char name[256];
		if (!kstr_copy(name, sizeof(name), s)) {
			/* Unusable name: echo it back as invalid. */
			kw_i16(w, KERR_INVALID_TOPIC);
			kw_strn(w, s.p, s.len < 0 ? 0 : s.len);
			if (q->ver >= 1)
				kw_i8(w, 0);
			kw_array(w, 0);
			continue;
		}
		one_topic(b, w, q->ver, name, auto_ok);
	}
	return API_REPLY;
}
