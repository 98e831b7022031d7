/* SPDX-License-Identifier: MIT */
/*
 * plog_scan.c — a read-only walk over the batch headers at the tail of a
 * partition's log, oldest first, for whoever rebuilds state that lives
 * beside the log (idempotent producers' last sequences) after a restart.
 *
 * Invariants:
 *  1. Only whole, valid batches are visited: the walk stops at each
 *     segment's `size`, which recovery has already trimmed to good batches.
 *  2. The walk starts at a batch boundary: a segment start or a position
 *     taken from the offset index, never in the middle of a batch.
 */
#include <errno.h>

#include "log_int.h"

long plog_scan_tail(struct plog *l, uint64_t max_bytes,
		    void (*fn)(const struct batch_info *bi, void *arg),
		    void *arg)
{
	uint64_t have = 0, pos = 0;
	size_t i = l->nseg;
	long n = 0;

	/* Walk back whole segments until max_bytes is covered. */
	while (i > 0) {
		have += l->segs[--i]->size;
		if (have >= max_bytes)
			break;
	}
	if (have > max_bytes) {
		/* Skip the oldest segment's head, from an indexed batch. */
		uint64_t skip = have - max_bytes;

		pos = oidx_floor_pos(&l->segs[i]->oi, skip > UINT32_MAX
							  ? UINT32_MAX
							  : (uint32_t)skip);
	}
	for (; i < l->nseg; i++, pos = 0) {
		struct seg *s = l->segs[i];
		struct batch_info bi;
		struct bscan b;
		int ret;

		bscan_init(&b, seg_fd(s), pos, s->size);
		while ((ret = bscan_next(&b, &bi, NULL)) > 0) {
			fn(&bi, arg);
			n++;
		}
		bscan_free(&b);
		if (ret < 0)
			return ret;
	}
	return n;
}
