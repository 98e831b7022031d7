/* SPDX-License-Identifier: MIT */
/*
 * plog_read.c — the read side of a partition's log: turning a fetch offset
 * into a slice (fd, position, length) of whole batches, and ListOffsets by
 * timestamp. Both start from the mmap'ed indexes (offset index, time
 * index) and finish with a short forward scan of batch headers.
 *
 * Invariants:
 *  1. A slice starts at the batch holding the requested offset and ends
 *     at a batch boundary; it holds at least that first batch whole and
 *     otherwise no more than max_bytes.
 *  2. A slice holds a reference on its segment until released, so the fd
 *     stays open (and the bytes readable) even if retention deletes it.
 *  3. Reads never look past a segment's `size` (the valid bytes), so a
 *     batch being appended is never half-visible.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "log_int.h"
#include "sys.h"

/* End of the last whole batch of s that ends at or before limit, scanning
 * from from (a batch start); the offset index skips most of the walk. */
static int64_t whole_batches_end(struct seg *s, uint64_t from, uint64_t limit)
{
	struct batch_info bi;
	struct bscan b;
	uint64_t q = from, e;
	int ret;

	e = oidx_floor_pos(&s->oi, (uint32_t)limit);
	if (e > q) {
		/* Only a hint: a damaged position is not a batch start. */
		bscan_init(&b, seg_fd(s), e, s->size);
		if (bscan_next(&b, &bi, NULL) > 0 && bi.base_offset >= s->base)
			q = e;
		else
			s->index_suspect = true;
		bscan_free(&b);
	}
	bscan_init(&b, seg_fd(s), q, s->size);
	while ((ret = bscan_next(&b, &bi, NULL)) > 0 && b.pos <= limit)
		q = b.pos;
	bscan_free(&b);
	return ret < 0 ? ret : (int64_t)q;
}

int plog_read(struct plog *l, int64_t offset, size_t max_bytes,
	      struct plog_slice *sl)
{
	struct batch_info bi;
	struct seg *s = NULL;
	int64_t pos = -ENOENT;
	uint64_t want;

	memset(sl, 0, sizeof(*sl));
	sl->fd = -1;
	sl->first_offset = offset;
	if (offset < l->start || offset > l->end)
		return -ERANGE;
	if (offset == l->end)
		return 0;
	for (size_t i = pl_seg_floor(l, offset); i < l->nseg; i++) {
		s = l->segs[i];
		pos = seg_find(s, offset, &bi);
		if (pos != -ENOENT)
			break;
	}
	if (pos == -ENOENT)
		return 0; /* a gap up to the end: nothing to send */
	if (pos < 0)
		return (int)pos;
	/* At least the first batch whole (minOneMessage), then whole
	 * batches while they fit in max_bytes. */
	want = max_bytes > bi.size ? max_bytes : bi.size;
	if (want >= s->size - (uint64_t)pos) {
		sl->len = s->size - (uint64_t)pos;
	} else {
		int64_t e = whole_batches_end(s, (uint64_t)pos + bi.size,
					      (uint64_t)pos + want);

		if (e < 0)
			return (int)e;
		sl->len = (size_t)(e - pos);
	}
	/* Pinned: the descriptor cache must not close it under the send. */
	sl->fd = lfd_get_pinned(&s->lf);
	if (sl->fd < 0)
		return sl->fd;
	sl->pos = (off_t)pos;
	sl->first_offset = bi.base_offset;
	sl->ref = s;
	seg_get(s);
	return 0;
}

void plog_slice_dup(struct plog_slice *copy, const struct plog_slice *s)
{
	*copy = *s;
	if (s->ref)
		seg_get(s->ref);
}

void plog_slice_release(struct plog_slice *s)
{
	if (s->ref) {
		struct seg *g = s->ref;

		lfd_unpin(&g->lf);
		seg_put(g);
	}
	s->ref = NULL;
	s->fd = -1;
}

/* Zig-zag varint of a record; returns bytes used or 0 when malformed. */
static size_t varint(const uint8_t *p, const uint8_t *end, int64_t *v)
{
	uint64_t u = 0;
	size_t i = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		if (p + i >= end)
			return 0;
		u |= (uint64_t)(p[i] & 0x7f) << shift;
		if (!(p[i++] & 0x80)) {
			*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
			return i;
		}
	}
	return 0;
}

/* First offset at or after `from` in the batch at pos whose timestamp
 * >= ts, and that timestamp in *found_ts. The records are walked (a
 * compressed batch is decompressed for this alone); under LogAppendTime
 * every record has the batch's MaxTimestamp, so the answer is its base
 * (or `from`). Anything unreadable falls back to that and MaxTimestamp;
 * -1 when only records below `from` (the log start) qualify. */
static int64_t offset_in_batch(struct seg *s, uint64_t pos,
			       const struct batch_info *bi, int64_t ts,
			       int64_t from, uint64_t max_decompressed,
			       int64_t *found_ts)
{
	uint8_t *buf, *unz = NULL;
	const uint8_t *p, *end;
	int64_t found = bi->base_offset > from ? bi->base_offset : from;
	size_t n_unz;

	*found_ts = bi->max_timestamp;
	if (bi->attributes & 0x08) /* LogAppendTime */
		return found;
	buf = malloc(bi->size);
	if (!buf || lsys_pread_all(seg_fd(s), buf, bi->size, (off_t)pos) < 0) {
		free(buf);
		return found;
	}
	p = buf + BATCH_HEADER_SIZE;
	end = buf + bi->size;
	if (bi->attributes & 0x07) {
		if (batch_decompress(buf, bi->size, bi, max_decompressed, &unz,
				     &n_unz) < 0)
			goto out;
		p = unz;
		end = unz + n_unz;
	}
	for (int32_t i = 0; i < bi->record_count && p < end; i++) {
		int64_t len, tsd, od, rts;
		size_t n = varint(p, end, &len), m, k;

		if (!n || len < 1 || len > end - p - (int64_t)n)
			break;
		m = varint(p + n + 1, end, &tsd); /* after attributes i8 */
		k = m ? varint(p + n + 1 + m, end, &od) : 0;
		if (!m || !k)
			break;
		/* The deltas are the producer's: a sum out of range saturates
		 * (never overflows), an offset outside the batch is ignored. */
		if (__builtin_add_overflow(bi->base_timestamp, tsd, &rts))
			rts = tsd > 0 ? INT64_MAX : INT64_MIN;
		if (rts >= ts && bi->base_offset + od >= from) {
			if (od >= 0 && od <= bi->last_offset_delta) {
				found = bi->base_offset + od;
				*found_ts = rts;
			}
			break;
		}
		p += n + len;
		if (i + 1 == bi->record_count && bi->base_offset < from)
			found = *found_ts = -1; /* all qualifying were below */
	}
out:
	free(unz);
	free(buf);
	return found;
}

int64_t plog_find_time(struct plog *l, int64_t ts, int64_t *found_ts)
{
	*found_ts = -1;
	if (ts == -1)
		return l->end;
	if (ts == -2)
		return l->start;
	for (size_t i = 0; i < l->nseg; i++) {
		struct seg *s = l->segs[i];
		struct batch_info bi;
		struct bscan b;
		uint32_t rel;
		int ret;

		if (s->size == 0 || s->max_ts < ts)
			continue;
		rel = tidx_lookup(&s->ti, ts);
		bscan_init(&b, seg_fd(s), oidx_lookup(&s->oi, rel), s->size);
		while ((ret = bscan_next(&b, &bi, NULL)) > 0) {
			int64_t off;

			/* Records below the log start (DeleteRecords) are
			 * gone for every reader. */
			if (bi.max_timestamp < ts ||
			    bi.base_offset + bi.last_offset_delta < l->start)
				continue;
			off = offset_in_batch(
			    s, b.pos - bi.size, &bi, ts, l->start,
			    l->cfg.max_decompressed_bytes, found_ts);
			if (off >= 0) {
				bscan_free(&b);
				return off;
			}
		}
		bscan_free(&b);
		if (ret < 0)
			return ret;
	}
	return -1;
}

int64_t plog_max_time(struct plog *l, int64_t *found_ts)
{
	int64_t max = -1;

	/* The first record holding the largest timestamp: the first batch
	 * reaching it, as a lookup of that timestamp finds it (Kafka's
	 * MAX_TIMESTAMP, KIP-734). */
	for (size_t i = 0; i < l->nseg; i++)
		if (l->segs[i]->size && l->segs[i]->max_ts > max)
			max = l->segs[i]->max_ts;
	*found_ts = -1;
	return max < 0 ? -1 : plog_find_time(l, max, found_ts);
}

int64_t plog_offset_for_time(struct plog *l, int64_t ts)
{
	int64_t found_ts;

	return plog_find_time(l, ts, &found_ts);
}
