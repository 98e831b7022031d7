/* SPDX-License-Identifier: MIT */
/*
 * listoffsets.c — ListOffsets v1-2: -1 latest (the end offset), -2 earliest
 * (the log start), else the first offset whose batch holds a timestamp at
 * or after the one asked (plog_offset_for_time). For a time lookup the
 * answered timestamp is the one asked, since the index resolves batches,
 * not single records.
 */
#include "broker.h"

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
		struct kstr ts = kr_str(in);
		char topic[256];
		bool named = kstr_copy(topic, sizeof(topic), ts);
		int32_t np = kr_array(in);
		if (!kr_ok(in))
			return API_BAD;
		kw_strn(w, ts.p, ts.len);
		kw_array(w, np < 0 ? 0 : np);
		for (int32_t p = 0; p < np; p++) {
			int32_t part = kr_i32(in);
			int64_t ts_ask = kr_i64(in);
			if (!kr_ok(in))
				return API_BAD;
			struct plog *l =
			    named ? topics_log(b->topics, topic, part) : NULL;
			int16_t err = KERR_NONE;
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
					ts_out = ts_ask;
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
