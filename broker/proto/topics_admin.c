/* SPDX-License-Identifier: MIT */
/*
 * topics_admin.c — CreateTopics v0-7 and DeleteTopics v0-6, through the
 * table-driven codec.
 *
 * CreateTopics: num_partitions -1 (v4) or an explicit assignment list picks
 * the count; replication factor must be -1 or 1 (one broker); per-topic
 * configs are checked as AlterConfigs checks them (configs.c: an unknown
 * name or a bad value is INVALID_CONFIG, a null value or a key given twice
 * INVALID_REQUEST) and kept with the topic; validate_only (v1+) checks
 * without creating. The partitions of one request count against
 * max.partitions.per.request, the broker's against max.partitions
 * (INVALID_PARTITIONS past either). From v5 the answer says the partition
 * count, replication factor and the topic's configs (KIP-525); from v7
 * the new topic's ID.
 *
 * DeleteTopics: by name; from v6 by name or by topic ID (KIP-516), an ID
 * that names no topic answered UNKNOWN_TOPIC_ID.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authorize.h"
#include "blog.h"
#include "broker.h"
#include "create_wait.h"
#include "durable.h"
#include "proto/configs.h"
#include "proto/ks_handler.h"
#include "proto/topic_answer.h"

static enum kerr create_err(int rc)
{
	switch (rc) {
	case 0:
		return KERR_NONE;
	case -EEXIST:
		return KERR_TOPIC_ALREADY_EXISTS;
	case -EINVAL:
		return KERR_INVALID_TOPIC;
	case -EDQUOT:
		return KERR_INVALID_PARTITIONS;
	default:
		return KERR_KAFKA_STORAGE_ERROR;
	}
}

static const char *err_text(enum kerr err)
{
	switch (err) {
	case KERR_TOPIC_ALREADY_EXISTS:
		return "Topic already exists.";
	case KERR_INVALID_TOPIC:
		return "Invalid topic name.";
	case KERR_INVALID_PARTITIONS:
		return "Number of partitions must be larger than 0.";
	case KERR_INVALID_REPLICATION_FACTOR:
		return "Replication factor must be 1 on a single broker.";
	case KERR_KAFKA_STORAGE_ERROR:
		return "Storage error.";
	default:
		return NULL;
	}
}

void ct_drop(void *state)
{
	struct ct_answer *ans = state;

	for (int32_t i = 0; i < ans->n; i++)
		free(ans->t[i].name);
	free(ans);
}

/* v5+: every config the topic has (or would have), as DescribeConfigs
 * describes it. */
static int ct_configs(const struct broker *b, const struct ks_struct *rt,
		      struct kv *o, const struct topic_cfg *ov,
		      struct ks_arena *a)
{
	const struct ks_struct *cs = ks_sub(rt, "Configs");

	if (ks_resize(rt, o, "Configs", TCFG_NKEYS, a) < 0)
		return -ENOMEM;
	for (int key = 0; key < TCFG_NKEYS; key++) {
		struct kv *e = &ks_get(rt, o, "Configs")->a.v[key];
		char *v = ks_alloc(a, 32);
		int8_t src;

		if (!v)
			return -ENOMEM;
		configs_value(ov, &b->cfg, key, v, 32, &src);
		kv_setstr(ks_get(cs, e, "Name"), tcfg_name(key));
		kv_setstr(ks_get(cs, e, "Value"), v);
		ks_get(cs, e, "ConfigSource")->i = src;
	}
	return 0;
}

void ct_build(void *state, struct resp *r)
{
	const struct ct_answer *ans = state;
	const struct ks_msg *rm = ks_resp(ans->key);
	/* CreateTopics answers in Topics, CreatePartitions in Results. */
	const char *list = ans->key == API_CREATE_TOPICS ? "Topics" : "Results";
	const struct ks_struct *rt = ks_sub(&rm->root, list);
	struct ks_arena a;
	struct kv *resp;

	ks_arena_init(&a, 64 * 1024 + (size_t)ans->n * 512);
	resp = ks_new(rm, &a);
	if (!resp || ks_resize(&rm->root, resp, list, ans->n, &a) < 0)
		goto fail;
	for (int32_t i = 0; i < ans->n; i++) {
		const struct ct_topic *e = &ans->t[i];
		struct kv *o = &ks_get(&rm->root, resp, list)->a.v[i];

		kv_setstr(ks_get(rt, o, "Name"), e->name);
		ks_get(rt, o, "ErrorCode")->i = e->err;
		kv_setstr(ks_get(rt, o, "ErrorMessage"),
			  e->msg && e->err ? e->msg : err_text(e->err));
		if (e->err || ans->key != API_CREATE_TOPICS)
			continue;
		/* v5+ (KIP-525): what the topic is (or would be) made of;
		 * v7+ (KIP-516): its ID. */
		ks_get(rt, o, "NumPartitions")->i = e->parts;
		ks_get(rt, o, "ReplicationFactor")->i = 1;
		const uint8_t *id =
		    e->name ? topics_id(ans->b->topics, e->name) : NULL;
		if (id)
			memcpy(ks_get(rt, o, "TopicId")->u, id, 16);
		if (ans->ver >= 5 && ct_configs(ans->b, rt, o, &e->ov, &a) < 0)
			goto fail;
	}
	if (ks_encode(rm, ans->ver, resp, &r->w) == 0) {
		ks_arena_free(&a);
		return;
	}
fail:
	r->w.err = true; /* logged by the dispatcher */
	ks_arena_free(&a);
}

/* The configs a CreateTopics entry gives its topic, into o->ov. */
static enum kerr ct_read_configs(const struct ks_struct *qt, struct kv *e,
				 struct ct_topic *o)
{
	const struct ks_struct *cs = ks_sub(qt, "Configs");
	struct kv *cfgs = ks_get(qt, e, "Configs");
	uint32_t seen = 0;
	char why[sizeof(o->text)];

	for (int32_t i = 0; i < cfgs->a.n; i++) {
		struct kv *c = &cfgs->a.v[i];
		enum kerr err = configs_set(&o->ov, ks_get(cs, c, "Name")->s,
					    ks_get(cs, c, "Value")->s, &seen,
					    why, sizeof(why));

		if (err) {
			snprintf(o->text, sizeof(o->text), "%s", why);
			o->msg = o->text;
			return err;
		}
	}
	return KERR_NONE;
}

struct ct_answer *ct_new(struct ks_call *k, int32_t n)
{
	struct ct_answer *ans =
	    calloc(1, sizeof(*ans) + (size_t)n * sizeof(ans->t[0]));

	if (ans) {
		ans->b = k->b;
		ans->key = k->q->key;
		ans->ver = k->q->ver;
		ans->n = n;
	}
	return ans;
}

int ct_finish(struct ks_call *k, struct create_wait *cw, struct ct_answer *ans)
{
	int rc = create_wait_end(k->c, k->q, cw, ct_build, ct_drop, ans);

	if (rc != 0)
		return rc; /* ans is the wait's now */
	ct_build(ans, k->r);
	ct_drop(ans);
	k->encoded = true;
	return API_REPLY;
}

static int createtopics(struct ks_call *k)
{
	struct broker *b = k->b;
	const struct ks_struct *qt = ks_sub(&k->qm->root, "Topics");
	struct kv *ask = KQ(k, "Topics");
	bool validate = KQ(k, "ValidateOnly")->i;
	int64_t req_parts = 0;
	struct create_wait cw;
	struct ct_answer *ans;
	int rc;

	ans = ct_new(k, ask->a.n);
	if (!ans)
		return -ENOMEM;
	create_wait_init(&cw);
	for (int32_t t = 0; t < ask->a.n; t++) {
		struct kv *e = &ask->a.v[t];
		struct ct_topic *o = &ans->t[t];
		struct kstr ns = ks_get(qt, e, "Name")->s;
		int32_t parts = (int32_t)ks_get(qt, e, "NumPartitions")->i;
		int16_t rf = (int16_t)ks_get(qt, e, "ReplicationFactor")->i;
		int32_t na = ks_get(qt, e, "Assignments")->a.n;
		char name[256];
		enum kerr err = KERR_NONE;

		if (ns.len >= 0) {
			o->name = strndup(ns.p, (size_t)ns.len);
			if (!o->name) {
				ct_drop(ans);
				return -ENOMEM;
			}
		}
		if (parts == -1 && na > 0)
			parts = na;
		else if (parts == -1)
			parts = b->cfg.num_partitions;
		if (!kstr_copy(name, sizeof(name), ns))
			err = KERR_INVALID_TOPIC;
		else if (!broker_may_create_topic(b, k->c, name))
			err = KERR_TOPIC_AUTHORIZATION_FAILED; /* ACLs */
		else if (!topics_valid_name(name))
			err = KERR_INVALID_TOPIC;
		else if (parts < 1)
			err = KERR_INVALID_PARTITIONS;
		else if (rf != -1 && rf != 1)
			err = KERR_INVALID_REPLICATION_FACTOR;
		else if (topics_partitions(b->topics, name) >= 0)
			err = KERR_TOPIC_ALREADY_EXISTS;
		else if ((err = ct_read_configs(qt, e, o)))
			; /* o->text says why */
		else if ((req_parts += parts) >
			 b->cfg.log.max_partitions_per_request) {
			err = KERR_INVALID_PARTITIONS;
			o->msg = "More partitions in one request than "
				 "max.partitions.per.request.";
		} else if (!validate) {
			rc = create_wait_start(b, &cw, name, parts, &o->ov,
					       &o->err);
			err = create_err(rc == 1 ? 0 : rc);
			if (rc == -EDQUOT)
				o->msg = "The broker would hold more "
					 "partitions than max.partitions.";
		}
		o->err = (int16_t)err;
		o->parts = parts;
	}
	return ct_finish(k, &cw, ans);
}

int api_createtopics(struct broker *b, struct conn *c, const struct kreq *q,
		     struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, 0, createtopics);
}

/* Delete one topic; its name is the caller's. */
static enum kerr delete_one(struct broker *b, const char *name)
{
	dur_forget_topic(b, name); /* answers waiting on its log fail first */
	int rc = topics_delete(b->topics, name);

	if (rc == -ENOENT)
		return KERR_UNKNOWN_TOPIC;
	if (rc < 0)
		return KERR_KAFKA_STORAGE_ERROR;
	blog("topic deleted: %s", name);
	return KERR_NONE;
}

static bool may_delete(struct ks_call *k, const char *name)
{
	return broker_authorized(k->b, k->c, ACL_OP_DELETE, ACL_RES_TOPIC,
				 name);
}

static int deletetopics(struct ks_call *k)
{
	static const uint8_t zero[16];
	const struct ks_struct *rt = ks_sub(&k->rm->root, "Responses");
	/* Names alone up to v5; names or IDs from v6 (KIP-516). */
	bool by_entry = k->q->ver >= 6;
	const struct ks_struct *qt = ks_sub(&k->qm->root, "Topics");
	struct kv *ask = KQ(k, by_entry ? "Topics" : "TopicNames");

	if (ks_resize(&k->rm->root, k->resp, "Responses", ask->a.n, &k->a) < 0)
		return -ENOMEM;
	for (int32_t t = 0; t < ask->a.n; t++) {
		struct kv *e = &ask->a.v[t], *o = &KR(k, "Responses")->a.v[t];
		struct kstr ns = by_entry ? ks_get(qt, e, "Name")->s : e->s;
		const uint8_t *id =
		    by_entry ? ks_get(qt, e, "TopicId")->u : zero;
		bool has_id = memcmp(id, zero, 16) != 0;
		char name[256];
		enum kerr err;

		ks_get(rt, o, "Name")->s = ns;
		memcpy(ks_get(rt, o, "TopicId")->u, id, 16);
		if (ns.len >= 0 && has_id) {
			err = KERR_INVALID_REQUEST;
			kv_setstr(ks_get(rt, o, "ErrorMessage"),
				  "Give a topic name or a topic ID, not both.");
		} else if (ns.len < 0) {
			const char *known = topics_by_id(k->b->topics, id);
			err = KERR_UNKNOWN_TOPIC_ID;
			if (known) {
				/* The name answered must outlive the
				 * topic: a copy in the arena. */
				size_t n = strlen(known);
				char *copy = ks_alloc(&k->a, n + 1);
				if (!copy)
					return -ENOMEM;
				memcpy(copy, known, n + 1);
				/* ACLs: DELETE on the topic; its name is
				 * shown only with DESCRIBE. */
				err = may_delete(k, copy)
					  ? delete_one(k->b, copy)
					  : KERR_TOPIC_AUTHORIZATION_FAILED;
				if (!err || broker_authorized(
						k->b, k->c, ACL_OP_DESCRIBE,
						ACL_RES_TOPIC, copy))
					kv_setstr(ks_get(rt, o, "Name"), copy);
			}
		} else if (!kstr_copy(name, sizeof(name), ns)) {
			err = KERR_UNKNOWN_TOPIC;
		} else if (!may_delete(k, name)) {
			err = KERR_TOPIC_AUTHORIZATION_FAILED; /* ACLs */
		} else {
			const uint8_t *tid = topics_id(k->b->topics, name);
			if (tid && by_entry)
				memcpy(ks_get(rt, o, "TopicId")->u, tid, 16);
			err = delete_one(k->b, name);
		}
		ks_get(rt, o, "ErrorCode")->i = err;
	}
	return API_REPLY;
}

int api_deletetopics(struct broker *b, struct conn *c, const struct kreq *q,
		     struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, 0, deletetopics);
}
