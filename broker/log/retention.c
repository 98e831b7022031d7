/* SPDX-License-Identifier: MIT */
/*
 * retention.c — the periodic work on a partition's log (plog_maintain):
 * roll the active segment on log.roll.ms, flush on log.flush.interval.ms,
 * delete whole old segments by log.retention.ms (a segment's largest
 * timestamp, else its mtime) and log.retention.bytes, and move the
 * recovery point forward once the rolled segments are synced.
 *
 * Invariants:
 *  1. Only whole segments go, oldest first; the last segment is never
 *     deleted while empty, and when every segment must go the log rolls
 *     first, so the log start offset becomes the end offset.
 *  2. A deleted segment's files are unlinked at once; its fd lives on
 *     while a plog_slice holds it.
 *  3. The recovery point on disk only moves up to a segment base below
 *     which every segment has been fdatasync'ed.
 */
#include <errno.h>
#include <stdint.h>

#include "log_int.h"

int pl_delete_front(struct plog *l, size_t k, const char *why)
{
	int ret;

	if (k == 0)
		return 0;
	if (k == l->nseg) {
		ret = pl_roll(l);
		if (ret < 0)
			return ret;
	}
	for (size_t i = 0; i < k; i++) {
		struct seg *s = l->segs[i];

		seg_unlink(s);
		if (l->cfg.notify)
			l->cfg.notify(l->dir, why, s->base);
		l->total -= s->size;
		seg_put(s); /* a live slice may keep it open a while longer */
	}
	memmove(l->segs, l->segs + k, (l->nseg - k) * sizeof(*l->segs));
	l->nseg -= k;
	if (l->segs[0]->base > l->start)
		l->start = l->segs[0]->base;
	return (int)k;
}

static bool last_and_empty(const struct plog *l, size_t i)
{
	return i == l->nseg - 1 && l->segs[i]->size == 0;
}

static int retain_time(struct plog *l, int64_t now_ms)
{
	size_t k = 0;

	if (l->cfg.retention_ms < 0)
		return 0;
	while (k < l->nseg && !last_and_empty(l, k) &&
	       now_ms - seg_largest_ts(l->segs[k]) > l->cfg.retention_ms)
		k++;
	return pl_delete_front(l, k, "deleted segment (retention)");
}

static int retain_size(struct plog *l)
{
	int64_t diff;
	size_t k = 0;

	if (l->cfg.retention_bytes < 0)
		return 0;
	diff = (int64_t)l->total - l->cfg.retention_bytes;
	while (k < l->nseg && !last_and_empty(l, k) &&
	       diff - (int64_t)l->segs[k]->size >= 0) {
		diff -= (int64_t)l->segs[k]->size;
		k++;
	}
	return pl_delete_front(l, k, "deleted segment (retention)");
}

int pl_reindex(struct plog *l)
{
	for (size_t i = 0; i < l->nseg; i++) {
		struct seg *s = l->segs[i];
		uint64_t size = s->size;
		int64_t cut;

		if (!s->index_suspect)
			continue;
		/* The same rebuild as recovery (it also re-checks every
		 * batch: damage in the index may come with damage in the
		 * log). */
		cut = seg_recover(s, &l->cfg);
		if (cut >= 0 && s != pl_active(l))
			cut = seg_deactivate(s);
		if (cut < 0)
			return (int)cut;
		s->index_suspect = false;
		l->total -= size - s->size;
		if (l->cfg.notify)
			l->cfg.notify(l->dir, "rebuilt a damaged index",
				      s->base);
	}
	l->end = pl_active(l)->next;
	return 0;
}

int plog_maintain(struct plog *l, int64_t now_ms)
{
	struct seg *a = pl_active(l);
	int ret, deleted = 0;

	/* A segment no append rolls: log.roll.ms of wall clock since it was
	 * made (or loaded). Its records' own times are the appends' rule
	 * (should_roll): old timestamps must not roll it at every tick. */
	int64_t since = a->roll_by_batch ? a->born_ms : a->roll_ts;
	if (a->size > 0 && now_ms - since > l->cfg.segment_ms) {
		ret = pl_roll(l);
		if (ret < 0)
			return ret;
	}
	if (l->unflushed > 0 &&
	    now_ms - l->unflushed_ms >= l->cfg.flush_interval_ms) {
		ret = plog_flush(l);
		if (ret < 0)
			return ret;
	}
	ret = pl_reindex(l);
	if (ret < 0)
		return ret;
	ret = retain_time(l, now_ms);
	if (ret < 0)
		return ret;
	deleted += ret;
	ret = retain_size(l);
	if (ret < 0)
		return ret;
	deleted += ret;
	if (l->rp_pending > l->rp) {
		ret = pl_sync_below(l, l->rp_pending);
		if (ret < 0)
			return ret;
		l->rp = l->rp_pending;
	}
	if (l->rp != l->rp_disk) {
		ret = recovery_point_write(l->dir, l->rp);
		if (ret < 0)
			return ret;
		l->rp_disk = l->rp;
	}
	return deleted;
}
