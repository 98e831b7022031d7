/* SPDX-License-Identifier: MIT */
/*
 * topics_admin.c — CreateTopics v0-4 and DeleteTopics v0-3.
 *
 * CreateTopics: num_partitions -1 (v4) or an explicit assignment list picks
 * the count; replication factor must be -1 or 1 (one broker); per-topic
 * configs are accepted and ignored (the broker-wide settings apply);
 * validate_only (v1+) checks without creating. The partitions of one
 * request count against max.partitions.per.request, the broker's against
 * max.partitions (INVALID_PARTITIONS past either).
 */
#include <errno.h>
#include <stdio.h>

#include "blog.h"
#include "broker.h"
#include "create_wait.h"
#include "durable.h"

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

/* Skips a CreateTopics entry's assignments and configs, which follow its
 * replication factor; returns the assignment count. */
static int32_t skip_assignments_configs(struct kr *in)
{
	int32_t na = kr_array(in);
	for (int32_t a = 0; a < na; a++) {
		kr_i32(in);
		int32_t nb = kr_array(in);
		for (int32_t i = 0; i < nb; i++)
			kr_i32(in);
	}
	int32_t nc = kr_array(in);
	for (int32_t i = 0; i < nc; i++) {
		kr_str(in);
		kr_str(in);
	}
	return na;
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

int api_createtopics(struct broker *b, struct conn *c, const struct kreq *q,
		     struct kr *in, struct resp *r)
{
	struct kw *w = &r->w;
	int32_t nt = kr_array(in);
	if (!kr_ok(in))
		return API_BAD;
	/* validate_only follows the topic list: find it first. */
	size_t at = in->off;
	for (int32_t t = 0; t < nt; t++) {
		kr_str(in);
		kr_i32(in);
		kr_i16(in);
		skip_assignments_configs(in);
	}
	kr_i32(in); /* timeout_ms */
	bool validate = q->ver >= 1 ? kr_i8(in) != 0 : false;
	if (!kr_ok(in))
		return API_BAD;
	in->off = at;

	struct create_wait cw;
	create_wait_init(&cw, r); /* before the body */
	if (q->ver >= 2)
		kw_i32(w, 0); /* throttle_time_ms */
	kw_array(w, nt < 0 ? 0 : nt);
	int64_t req_parts = 0;
	for (int32_t t = 0; t < nt; t++) {
		struct kstr ns = kr_str(in);
		int32_t parts = kr_i32(in);
		int16_t rf = kr_i16(in);
		int32_t na = skip_assignments_configs(in);
		char name[256];
		enum kerr err = KERR_NONE;
		const char *msg = NULL;
		if (parts == -1 && na > 0)
			parts = na;
		else if (parts == -1)
			parts = b->cfg.num_partitions;
		if (!kstr_copy(name, sizeof(name), ns) ||
		    !topics_valid_name(name))
			err = KERR_INVALID_TOPIC;
		else if (parts < 1)
			err = KERR_INVALID_PARTITIONS;
		else if (rf != -1 && rf != 1)
			err = KERR_INVALID_REPLICATION_FACTOR;
		else if (topics_partitions(b->topics, name) >= 0)
			err = KERR_TOPIC_ALREADY_EXISTS;
		else if ((req_parts += parts) >
			 b->cfg.log.max_partitions_per_request) {
			err = KERR_INVALID_PARTITIONS;
			msg = "More partitions in one request than "
			      "max.partitions.per.request.";
		} else if (!validate) {
			/* err's place: after the name (i16 length + bytes) */
			int rc = create_wait_start(b, &cw, name, parts,
						   w->len + 2 + (size_t)ns.len);
			err = create_err(rc == 1 ? 0 : rc);
			if (rc == -EDQUOT)
				msg = "The broker would hold more partitions "
				      "than max.partitions.";
		}
		kw_strn(w, ns.p, ns.len < 0 ? 0 : ns.len);
		kw_i16(w, err);
		if (q->ver >= 1)
			kw_str(w, msg ? msg : err_text(err));
	}
	return create_wait_end(b, c, q, &cw);
}

int api_deletetopics(struct broker *b, struct conn *c, const struct kreq *q,
		     struct kr *in, struct resp *r)
{
	struct kw *w = &r->w;
	int32_t nt = kr_array(in);
	if (!kr_ok(in))
		return API_BAD;
	if (q->ver >= 1)
		kw_i32(w, 0); /* throttle_time_ms */
	kw_array(w, nt < 0 ? 0 : nt);
	for (int32_t t = 0; t < nt; t++) {
		struct kstr ns = kr_str(in);
		if (!kr_ok(in))
			return API_BAD;
		char name[256];
		enum kerr err = KERR_NONE;
		if (!kstr_copy(name, sizeof(name), ns)) {
			err = KERR_UNKNOWN_TOPIC;
		} else {
			dur_forget_topic(b, name); /* durable acks */
			int rc = topics_delete(b->topics, name);
			if (rc == -ENOENT)
				err = KERR_UNKNOWN_TOPIC;
			else if (rc < 0)
				err = KERR_KAFKA_STORAGE_ERROR;
			else
				blog("topic deleted: %s", name);
		}
		kw_strn(w, ns.p, ns.len < 0 ? 0 : ns.len);
		kw_i16(w, err);
	}
	kr_i32(in); /* timeout_ms */
	return kr_ok(in) ? API_REPLY : API_BAD;
}
