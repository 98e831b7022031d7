/* SPDX-License-Identifier: MIT */
/*
 * listoffsets.c — ListOffsets v1-2: -1 latest (the end offset), -2 earliest
 * (the log start), else the first offset with a timestamp at or after the
 * one asked, answered with that record's timestamp (plog_find_time; a
 * compressed batch is decompressed for the lookup).
 */
#include <stdlib.h>
#include <unistd.h>

#include "broker.h"
#include "proto/topic_entry.h"

#define READ_MAX (1u << 20)

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
				off = plog_find_time(l, ts_ask, &ts_out);
				if (off < 0)
					off = ts_out = -1;
			}
			kw_i32(w, part);
			kw_i16(w, err);
			kw_i64(w, ts_out);
			kw_i64(w, off);
		}
	}
	return API_REPLY;
}
