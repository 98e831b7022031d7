/* SPDX-License-Identifier: MIT */
/*
 * topic_entry.h — the head of one entry of a request's topic array, as
 * Produce, ListOffsets and OffsetCommit send it: the topic name, then the
 * partition count. Inline, because Produce reads it once per topic on its
 * hot path.
 */
#ifndef ZC_BROKER_TOPIC_ENTRY_H
#define ZC_BROKER_TOPIC_ENTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/codec.h"

struct topic_entry {
	struct kstr name; /* as sent, for the response's echo */
	char topic[256];  /* the name as a C string, when named */
	bool named;	  /* false when null or too long for topic */
	int32_t nparts;	  /* -1 for a null array */
};

/* Reads one entry's head; false when the request is malformed. */
static inline bool topic_entry_read(struct kr *in, struct topic_entry *e)
{
	e->name = kr_str(in);
	e->named = kstr_copy(e->topic, sizeof(e->topic), e->name);
	e->nparts = kr_array(in);
	return kr_ok(in);
}

/* Reads one entry's head and echoes it into the response (the name as
 * sent, the partition count), as Produce and ListOffsets answer. */
static inline bool topic_entry_echo(struct kr *in, struct kw *w,
				    struct topic_entry *e)
{
	if (!topic_entry_read(in, e))
		return false;
	kw_strn(w, e->name.p, e->name.len);
	kw_array(w, e->nparts < 0 ? 0 : e->nparts);
	return true;
}

#endif
