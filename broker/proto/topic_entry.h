/* SPDX-License-Identifier: MIT */
/*
 * topic_entry.h — the head of one entry of Produce's topic array: the
 * topic (a name, or from v13 a topic ID, KIP-516), then the partition
 * count, in the classic or the compact encoding (KIP-482). Inline, because
 * Produce reads it once per topic on its hot path.
 */
#ifndef ZC_BROKER_TOPIC_ENTRY_H
#define ZC_BROKER_TOPIC_ENTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/codec.h"

struct topic_entry {
	struct kstr name;  /* as sent, for the response's echo */
	const uint8_t *id; /* the 16-byte topic ID when named by ID */
	char topic[256];   /* the name as a C string, when named */
	bool named;	   /* false when null or too long for topic */
	int32_t nparts;	   /* -1 for a null array */
};

/* The compact or classic form of one field. */
static inline struct kstr te_str(struct kr *in, bool flex)
{
	return flex ? kr_cstr(in) : kr_str(in);
}

static inline int32_t te_array(struct kr *in, bool flex)
{
	return flex ? kr_carray(in) : kr_array(in);
}

static inline void te_warray(struct kw *w, bool flex, int32_t n)
{
	if (flex)
		kw_carray(w, n);
	else
		kw_array(w, n);
}

/* A string of n bytes at s (n -1: null) in either form. */
static inline void te_wstr(struct kw *w, bool flex, const char *s, int32_t n)
{
	if (!flex) {
		kw_strn(w, s, n);
		return;
	}
	kw_uvarint(w, s && n >= 0 ? (uint64_t)n + 1 : 0);
	if (s && n > 0)
		kw_raw(w, s, (size_t)n);
}

/* Reads one entry's head; by_id: the topic is a 16-byte ID (the name is
 * left for the caller to look up). False when the request is malformed. */
static inline bool topic_entry_read(struct kr *in, struct topic_entry *e,
				    bool flex, bool by_id)
{
	e->id = NULL;
	e->named = false;
	e->name.p = NULL;
	e->name.len = -1;
	if (by_id) {
		if (kr_left(in) >= 16)
			e->id = in->p + in->off;
		kr_skip(in, 16);
	} else {
		e->name = te_str(in, flex);
		e->named = kstr_copy(e->topic, sizeof(e->topic), e->name);
	}
	e->nparts = te_array(in, flex);
	return kr_ok(in);
}

/* Reads one entry's head and echoes it into the response (the name or ID
 * as sent, the partition count). */
static inline bool topic_entry_echo(struct kr *in, struct kw *w,
				    struct topic_entry *e, bool flex,
				    bool by_id)
{
	if (!topic_entry_read(in, e, flex, by_id))
		return false;
	if (by_id)
		kw_raw(w, e->id, 16);
	else
		te_wstr(w, flex, e->name.p, e->name.len);
	te_warray(w, flex, e->nparts < 0 ? 0 : e->nparts);
	return true;
}

#endif
