/* SPDX-License-Identifier: MIT */
/*
 * groups_admin.c — DeleteGroups v0-2 and OffsetDelete v0: removing
 * groups and their committed offsets, as Kafka's group coordinator does.
 *
 * DeleteGroups deletes a group without members (GROUP_ID_NOT_FOUND when
 * neither the coordinator nor the offsets store knows it, NON_EMPTY_GROUP
 * while it has members, INVALID_GROUP_ID for an empty name) with all its
 * committed offsets. OffsetDelete deletes the offsets of named partitions:
 * the group must exist (GROUP_ID_NOT_FOUND), a group with members must use
 * the consumer protocol (else NON_EMPTY_GROUP), an unknown topic or
 * partition is UNKNOWN_TOPIC_OR_PARTITION, and a partition of a topic the
 * active members subscribe to is GROUP_SUBSCRIBED_TO_TOPIC.
 *
 * Deletions are tombstones in the offsets store (log.h); with durable
 * acks the answer waits for the group commit that syncs them, like an
 * OffsetCommit (durable.h), and a failed sync turns the error codes that
 * depend on it into KAFKA_STORAGE_ERROR. That patching needs each error
 * code's place in the answer, so the answers are written here field by
 * field (the layouts of the schema in schema_groups.c, which a unit test
 * checks them against); requests go through the table-driven codec.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "authorize.h"
#include "blog.h"
#include "broker.h"
#include "durable.h"
#include "group/coord.h"
#include "proto/ks_handler.h"

#define NAME_MAX_LEN 1024

/* A string in the answer: compact (flexible versions) or classic. */
static void put_str(struct kw *w, bool flex, struct kstr s)
{
	if (!flex) {
		kw_strn(w, s.p, s.len);
		return;
	}
	kw_uvarint(w, s.len < 0 ? 0 : (uint64_t)s.len + 1);
	if (s.len > 0)
		kw_raw(w, s.p, (size_t)s.len);
}

/* Whether the coordinator or the offsets store knows the group. */
static bool group_exists(struct broker *b, const char *name)
{
	return coord_group(b->coord, name) || offstore_has_group(b->offs, name);
}

/* ---- DeleteGroups ------------------------------------------------------ */

static enum kerr delete_group(struct broker *b, const struct conn *c,
			      struct kstr s, bool *synced)
{
	char name[NAME_MAX_LEN];
	struct group *g;
	int n;

	*synced = false;
	if (s.len <= 0 || !kstr_copy(name, sizeof(name), s))
		return s.len <= 0 ? KERR_INVALID_GROUP_ID
				  : KERR_GROUP_ID_NOT_FOUND;
	/* ACLs: DELETE on the group. */
	if (!broker_authorized(b, c, ACL_OP_DELETE, ACL_RES_GROUP, name))
		return KERR_GROUP_AUTHORIZATION_FAILED;
	g = coord_group(b->coord, name);
	if (g && g->nmembers)
		return KERR_NON_EMPTY_GROUP;
	if (!group_exists(b, name))
		return KERR_GROUP_ID_NOT_FOUND;
	if (b->offs_offline) /* durable acks */
		return KERR_KAFKA_STORAGE_ERROR;
	n = offstore_delete_group(b->offs, name);
	if (n < 0) {
		blog("DeleteGroups %s: %s", name, strerror(-n));
		return KERR_UNKNOWN;
	}
	coord_drop_group(b->coord, name);
	blog("group %s deleted with %d committed offset%s", name, n,
	     n == 1 ? "" : "s");
	*synced = n > 0;
	return KERR_NONE;
}

static int deletegroups(struct broker *b, struct conn *c, const struct kreq *q,
			struct kr *in, struct resp *r, struct dur_req *d)
{
	const struct ks_msg *m = ks_req(API_DELETE_GROUPS);
	struct kw *w = &r->w;
	bool flex = q->ver >= 2;
	struct ks_arena a;
	struct kv req, *names;

	ks_arena_init(&a, ks_budget(in, 0));
	if (ks_decode(m, q->ver, in, &a, &req) < 0) {
		ks_arena_free(&a);
		return API_BAD;
	}
	names = ks_get(&m->root, &req, "GroupsNames");
	kw_i32(w, 0); /* ThrottleTimeMs */
	if (flex)
		kw_carray(w, names->a.n < 0 ? 0 : names->a.n);
	else
		kw_array(w, names->a.n < 0 ? 0 : names->a.n);
	for (int32_t i = 0; i < names->a.n; i++) {
		struct kstr s = names->a.v[i].s;
		bool synced;
		enum kerr err = delete_group(b, c, s, &synced);

		put_str(w, flex, s);
		if (synced) /* durable acks: the group commit */
			dur_req_add(b, d, r, NULL, w->len, false);
		kw_i16(w, err);
		if (flex)
			kw_tags0(w);
	}
	if (flex)
		kw_tags0(w);
	ks_arena_free(&a);
	return API_REPLY;
}

int api_deletegroups(struct broker *b, struct conn *c, const struct kreq *q,
		     struct kr *in, struct resp *r)
{
	return dur_answer(b, c, q, in, r, deletegroups);
}

/* ---- OffsetDelete ------------------------------------------------------ */

/* The group-level error of an OffsetDelete, as Kafka's validation. */
static enum kerr offsetdelete_check(struct broker *b, const char *group,
				    bool named)
{
	struct group *g;

	if (!named || !*group)
		return named ? KERR_INVALID_GROUP_ID : KERR_GROUP_ID_NOT_FOUND;
	if (!group_exists(b, group))
		return KERR_GROUP_ID_NOT_FOUND;
	g = coord_group(b->coord, group);
	if (g && g->nmembers &&
	    (!g->protocol_type || strcmp(g->protocol_type, "consumer")))
		return KERR_NON_EMPTY_GROUP;
	return KERR_NONE;
}

static enum kerr delete_offset(struct broker *b, const char *group,
			       const char *topic, int32_t part, bool *synced)
{
	struct group *g = coord_group(b->coord, group);
	int32_t np = topics_partitions(b->topics, topic);
	int rc;

	*synced = false;
	if (np < 0 || part < 0 || part >= np)
		return KERR_UNKNOWN_TOPIC;
	if (g && coord_subscribed(g, topic))
		return KERR_GROUP_SUBSCRIBED_TO_TOPIC;
	if (b->offs_offline) /* durable acks */
		return KERR_KAFKA_STORAGE_ERROR;
	rc = offstore_delete(b->offs, group, topic, part);
	if (rc < 0) {
		blog("OffsetDelete %s %s-%d: %s", group, topic, part,
		     strerror(-rc));
		return KERR_UNKNOWN;
	}
	*synced = rc > 0;
	return KERR_NONE;
}

static int offsetdelete(struct broker *b, struct conn *c, const struct kreq *q,
			struct kr *in, struct resp *r, struct dur_req *d)
{
	const struct ks_msg *m = ks_req(API_OFFSET_DELETE);
	const struct ks_struct *ts = ks_sub(&m->root, "Topics");
	const struct ks_struct *ps = ks_sub(ts, "Partitions");
	char group[NAME_MAX_LEN];
	struct kw *w = &r->w;
	struct ks_arena a;
	struct kv req, *topics;
	bool named;
	enum kerr gerr;

	ks_arena_init(&a, ks_budget(in, 0));
	if (ks_decode(m, q->ver, in, &a, &req) < 0) {
		ks_arena_free(&a);
		return API_BAD;
	}
	named =
	    kv_cstr(ks_get(&m->root, &req, "GroupId"), group, sizeof(group));
	/* ACLs: DELETE on the group, then READ on each topic. */
	gerr = named && !broker_authorized(b, c, ACL_OP_DELETE, ACL_RES_GROUP,
					   group)
		   ? KERR_GROUP_AUTHORIZATION_FAILED
		   : offsetdelete_check(b, group, named);
	topics = ks_get(&m->root, &req, "Topics");
	kw_i16(w, gerr);
	kw_i32(w, 0); /* ThrottleTimeMs */
	/* A group-level error answers no partition, as Kafka's does. */
	kw_array(w, gerr || topics->a.n < 0 ? 0 : topics->a.n);
	for (int32_t t = 0; !gerr && t < topics->a.n; t++) {
		struct kv *te = &topics->a.v[t];
		struct kstr tn = ks_get(ts, te, "Name")->s;
		struct kv *parts = ks_get(ts, te, "Partitions");
		char topic[256];
		bool tok = kstr_copy(topic, sizeof(topic), tn);
		bool denied = tok && !broker_authorized(b, c, ACL_OP_READ,
							ACL_RES_TOPIC, topic);

		kw_strn(w, tn.p, tn.len);
		kw_array(w, parts->a.n < 0 ? 0 : parts->a.n);
		for (int32_t i = 0; i < parts->a.n; i++) {
			int32_t p = (int32_t)ks_get(ps, &parts->a.v[i],
						    "PartitionIndex")
					->i;
			bool synced = false;
			enum kerr err =
			    denied ? KERR_TOPIC_AUTHORIZATION_FAILED
			    : tok  ? delete_offset(b, group, topic, p, &synced)
				   : KERR_UNKNOWN_TOPIC;

			kw_i32(w, p);
			if (synced) /* durable acks: the group commit */
				dur_req_add(b, d, r, NULL, w->len, false);
			kw_i16(w, err);
		}
	}
	ks_arena_free(&a);
	return API_REPLY;
}

int api_offsetdelete(struct broker *b, struct conn *c, const struct kreq *q,
		     struct kr *in, struct resp *r)
{
	return dur_answer(b, c, q, in, r, offsetdelete);
}
