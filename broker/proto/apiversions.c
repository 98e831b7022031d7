/* SPDX-License-Identifier: MIT */
/*
 * apiversions.c — ApiVersions v0-3: the list of APIs and version ranges
 * from the dispatch table. v3 is the only flexible message we speak
 * (compact array, tag buffers), and its response still uses header v0.
 */
#include "broker.h"

void apiversions_encode(struct kw *w, int16_t ver, enum kerr err)
{
	bool flex = ver >= 3;
	kw_i16(w, err);
	if (flex)
		kw_carray(w, broker_napis);
	else
		kw_array(w, broker_napis);
	for (int i = 0; i < broker_napis; i++) {
		kw_i16(w, broker_apis[i].key);
		kw_i16(w, broker_apis[i].min);
		kw_i16(w, broker_apis[i].max);
		if (flex)
			kw_tags0(w);
	}
	if (ver >= 1)
		kw_i32(w, 0); /* throttle_time_ms */
	if (flex)
		kw_tags0(w);
}

int api_apiversions(struct broker *b, struct conn *c, const struct kreq *q,
		    struct kr *in, struct resp *r)
{
	if (q->ver >= 3) {
		kr_cstr(in); /* client_software_name */
		kr_cstr(in); /* client_software_version */
		kr_tags(in);
		if (!kr_ok(in))
			return API_BAD;
	}
	apiversions_encode(&r->w, q->ver, KERR_NONE);
	return API_REPLY;
}
