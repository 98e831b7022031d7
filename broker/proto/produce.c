/* SPDX-License-Identifier: MIT */
/*
 * produce.c — Produce v3-13: exactly one magic-2 record batch per partition,
 * checked with batch_validate (CRC-32C, counts, size) and batch_check
 * (every record, decompressed when compressed), and appended with
 * plog_append, which stamps the base offset in place inside the request
 * buffer. Unknown topics are auto-created when allowed. With acks=0 nothing
 * is answered, and an error closes the connection as Kafka does, since
 * the client would otherwise never learn of it.
 *
 * Flexible from v9 (KIP-482: compact forms, tagged fields); v8 adds
 * RecordErrors and ErrorMessage to each partition's answer (KIP-467: left
 * empty, the error code says what failed); v10 adds leader hints
 * (KIP-951) that Kafka sends only with NOT_LEADER_OR_FOLLOWER, which a
 * single node never answers; v11 and v12 change nothing on the wire
 * (KIP-890: they tell the broker how the client handles transactions,
 * which are not offered); v13 names topics by ID (KIP-516): an unknown ID
 * is UNKNOWN_TOPIC_ID and never auto-creates. The request is read and the
 * answer written by hand, each field's versions taken from the schema
 * (schema_core.c), to keep the hot path as fast as before.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "authorize.h"
#include "blog.h"
#include "broker.h"
#include "durable.h"
#include "proto/ks_handler.h"
#include "proto/producers.h"
#include "proto/topic_entry.h"

/* The versions of the fields whose presence or form depends on it. */
static struct {
	bool init;
	int16_t flex;		    /* compact forms and tagged fields */
	int16_t by_id;		    /* topics by ID */
	struct ks_range start;	    /* LogStartOffset */
	struct ks_range rec_errors; /* RecordErrors, ErrorMessage */
} px;

static void px_init(void)
{
	const struct ks_struct *t =
	    ks_sub(&ks_resp(API_PRODUCE)->root, "Responses");
	const struct ks_struct *p = ks_sub(t, "PartitionResponses");

	px.flex = ks_req(API_PRODUCE)->flex.lo;
	px.by_id = ks_fld(t, "TopicId")->ver.lo;
	px.start = ks_fld(p, "LogStartOffset")->ver;
	px.rec_errors = ks_fld(p, "RecordErrors")->ver;
	px.init = true;
}

static enum kerr append_err(int rc)
{
	switch (rc) {
	case -EBADMSG:
		return KERR_CORRUPT_MESSAGE;
	case -EINVAL:
		return KERR_INVALID_RECORD;
	case -EMSGSIZE:
	case -EFBIG:
		return KERR_MESSAGE_TOO_LARGE;
	default:
		return KERR_KAFKA_STORAGE_ERROR;
	}
}

/* One partition's batch: returns the Kafka error, *base the offset. */
static enum kerr produce_one(struct broker *b, struct conn *c,
			     const struct topic_entry *e, int32_t part,
			     struct kstr rec, int64_t *base, int64_t *start)
{
	const char *topic = e->topic;

	*base = -1;
	*start = -1;
	if (!e->named) /* v13+: an ID names an existing topic or nothing */
		return e->id ? KERR_UNKNOWN_TOPIC_ID : KERR_INVALID_TOPIC;
	if (topics_partitions(b->topics, topic) < 0) {
		if (e->id)
			return KERR_UNKNOWN_TOPIC_ID;
		if (!b->cfg.auto_create || !topics_valid_name(topic) ||
		    !broker_may_create_topic(b, c, topic))
			return KERR_UNKNOWN_TOPIC;
		int rc = broker_create_topic(b, topic, b->cfg.num_partitions);
		if (rc && rc != -EEXIST)
			return KERR_UNKNOWN_TOPIC;
	}
	struct plog *l = topics_log(b->topics, topic, part);
	if (!l)
		return KERR_UNKNOWN_TOPIC;
	if (plog_offline(l)) /* durable acks: a sync failed */
		return KERR_KAFKA_STORAGE_ERROR;
	if (rec.len <= 0)
		return KERR_INVALID_RECORD;
	/* The batch lives in our own read buffer: safe to rewrite. */
	uint8_t *buf = (uint8_t *)rec.p;
	struct batch_info bi;
	int rc = batch_validate(buf, rec.len, plog_max_message_bytes(l), &bi);
	if (!rc)
		rc = batch_check(buf, (size_t)rec.len, &bi,
				 b->cfg.log.max_decompressed_bytes);
	if (rc)
		return append_err(rc);
	int64_t dup = -1;
	enum kerr perr = producers_check(b->producers, topic, part, &bi, &dup);
	if (perr)
		return perr;
	if (dup >= 0) {
		/* A retry of a batch already written: acknowledge it. */
		*base = dup;
		*start = plog_start_offset(l);
		return KERR_NONE;
	}
	int64_t off = plog_append(l, buf, rec.len, &bi, ev_wall_ms());
	if (off < 0) {
		blog("append to %s-%d failed: %s", topic, part,
		     strerror((int)-off));
		return append_err((int)off);
	}
	producers_record(b->producers, topic, part, &bi, off);
	fetch_notify(b, l, (size_t)rec.len);
	*base = off;
	*start = plog_start_offset(l);
	return KERR_NONE;
}

static int produce(struct broker *b, struct conn *c, const struct kreq *q,
		   struct kr *in, struct resp *r, struct dur_req *dur)
{
	struct kw *w = &r->w;
	if (!px.init)
		px_init();
	bool flex = q->ver >= px.flex, by_id = q->ver >= px.by_id;
	bool start_v = ks_in(px.start, q->ver);
	bool rec_errors = ks_in(px.rec_errors, q->ver);
	te_str(in, flex); /* transactional_id */
	int16_t acks = kr_i16(in);
	kr_i32(in); /* timeout_ms */
	int32_t nt = te_array(in, flex);
	if (!kr_ok(in))
		return API_BAD;
	bool ack_ok = acks == 0 || acks == 1 || acks == -1;
	enum kerr first_err = KERR_NONE;
	te_warray(w, flex, nt < 0 ? 0 : nt);
	for (int32_t t = 0; t < nt; t++) {
		struct topic_entry e;
		if (!topic_entry_echo(in, w, &e, flex, by_id))
			return API_BAD;
		if (e.id) {
			const char *n = topics_by_id(b->topics, e.id);
			e.named =
			    n &&
			    kstr_copy(e.topic, sizeof(e.topic),
				      (struct kstr){n, (int32_t)strlen(n)});
		}
		/* ACLs: WRITE on the topic (by name, or the one its ID
		 * names), or every partition is refused. */
		bool denied =
		    e.named && !broker_authorized(b, c, ACL_OP_WRITE,
						  ACL_RES_TOPIC, e.topic);
		for (int32_t p = 0; p < e.nparts; p++) {
			int32_t part = kr_i32(in);
			struct kstr rec = flex ? kr_cbytes(in) : kr_bytes(in);
			if (flex)
				kr_tags(in); /* the partition's */
			if (!kr_ok(in))
				return API_BAD;
			int64_t base = -1, start = -1;
			enum kerr err = !ack_ok ? KERR_INVALID_REQUIRED_ACKS
					: denied
					    ? KERR_TOPIC_AUTHORIZATION_FAILED
					    : produce_one(b, c, &e, part, rec,
							  &base, &start);
			if (err && !first_err)
				first_err = err;
			kw_i32(w, part);
			size_t err_pos = w->len; /* durable acks */
			kw_i16(w, err);
			if (!err && acks == -1) /* durable acks */
				dur_req_add(
				    b, dur, r,
				    topics_log(b->topics, e.topic, part),
				    err_pos, true);
			kw_i64(w, base);
			kw_i64(w, -1); /* log_append_time: CreateTime */
			if (start_v)
				kw_i64(w, start);
			if (rec_errors) {
				te_warray(w, flex, 0);	    /* RecordErrors */
				te_wstr(w, flex, NULL, -1); /* ErrorMessage */
			}
			if (flex)
				kw_tags0(w);
		}
		if (flex) {
			kr_tags(in); /* the topic's */
			kw_tags0(w);
		}
	}
	if (flex)
		kr_tags(in);
	if (!kr_ok(in))
		return API_BAD;
	kw_i32(w, 0); /* throttle_time_ms */
	if (flex)
		kw_tags0(w);
	if (acks == 0) {
		if (first_err) {
			char why[96];
			snprintf(why, sizeof(why),
				 "acks=0 produce failed (%s), closing",
				 kerr_name(first_err));
			conn_fail(c, why);
		}
		return API_NOREPLY;
	}
	return API_REPLY;
}

/* ---- durable acks: acks=all is answered after the group commit ---------- */
int api_produce(struct broker *b, struct conn *c, const struct kreq *q,
		struct kr *in, struct resp *r)
{
	return dur_answer(b, c, q, in, r, produce);
}
