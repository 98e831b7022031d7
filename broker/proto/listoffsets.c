/* SPDX-License-Identifier: MIT */
/*
 * listoffsets.c — ListOffsets v1-2: -1 latest (the end offset), -2 earliest
 * (the log start), else the first offset with a timestamp at or after the
 * one asked (plog_offset_for_time), answered with that record's timestamp,
 * read from its batch (the batch's MaxTimestamp when the records are
 * compressed or stamped LogAppendTime).
 */
#include <stdlib.h>
#include <unistd.h>

#include "broker.h"
#include "proto/topic_entry.h"

#define READ_MAX (1u << 20)

/* The timestamp of record `off`, or -1 when it cannot be read. */
static int64_t record_time(struct plog *l, int64_t off)
{
	struct plog_slice s;
	int64_t ts = -1;
	if (plog_read(l, off, 0, &s) || !s.len)
		return -1;
	size_t n = s.len < READ_MAX ? s.len : READ_MAX;
	uint8_t *buf = malloc(n);
	struct batch_info bi;
	if (!buf || pread(s.fd, buf, n, s.pos) != (ssize_t)n ||
	    batch_header(buf, n, &bi))
		goto out;
	ts = bi.max_timestamp;
	if ((bi.attributes & 0x07) || (bi.attributes & 0x08))
		goto out; /* compressed or LogAppendTime */
	struct kr r;
	kr_init(&r, buf + BATCH_HEADER_SIZE,
		(bi.size < n ? bi.size : n) - BATCH_HEADER_SIZE);
	for (int32_t i = 0; i < bi.record_count && kr_ok(&r); i++) {
		int64_t len = kr_varint(&r);
		size_t at = r.off;
		kr_i8(&r); /* attributes */
		int64_t dts = kr_varint(&r);
		int64_t doff = kr_varint(&r);
		if (!kr_ok(&r) || len < 0)
			break;
		/* The deltas are the producer's: absurd ones must not
		 * overflow (an unrepresentable timestamp reads as -1). */
		int64_t roff;
		if (!__builtin_add_overflow(bi.base_offset, doff, &roff) &&
		    roff == off) {
			if (__builtin_add_overflow(bi.base_timestamp, dts, &ts))
				ts = -1;
			break;
		}
		r.off = at;
		kr_skip(&r, (size_t)len);
	}
out:
	free(buf);
	plog_slice_release(&s);
	return ts;
}

int api_listoffsets(struct broker *b, struct conn *c, const struct kreq *q,
		    struct kr *in, struct resp *r)
{
	struct kw *w = &r->w;
	kr_i32(in); /* replica_id */
	if (q->ver >= 2)
		kr_i8(in); /* isolation_level */
	int32_t nt = kr_array(in);
	if (!kr_ok(in))
		return API_BAD;
	if (q->ver >= 2)
		kw_i32(w, 0); /* throttle_time_ms */
	kw_array(w, nt < 0 ? 0 : nt);
	for (int32_t t = 0; t < nt; t++) {
		struct topic_entry e;
		if (!topic_entry_echo(in, w, &e))
			return API_BAD;
		for (int32_t p = 0; p < e.nparts; p++) {
			int32_t part = kr_i32(in);
			int64_t ts_ask = kr_i64(in);
			if (!kr_ok(in))
				return API_BAD;
			struct plog *l =
			    e.named ? topics_log(b->topics, e.topic, part)
				    : NULL;
			enum kerr err = KERR_NONE;
			int64_t off = -1, ts_out = -1;
			if (!l)
				err = KERR_UNKNOWN_TOPIC;
			else if (ts_ask == -1)
				off = plog_end_offset(l);
			else if (ts_ask == -2)
				off = plog_start_offset(l);
			else {
				off = plog_offset_for_time(l, ts_ask);
				if (off >= 0)
					ts_out = record_time(l, off);
				else
					off = -1;
			}
			kw_i32(w, part);
			kw_i16(w, err);
			kw_i64(w, ts_out);
			kw_i64(w, off);
		}
	}
	return API_REPLY;
}
