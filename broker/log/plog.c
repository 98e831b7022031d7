/* SPDX-License-Identifier: MIT */
/*
 * plog.c — one partition's log: an ordered array of segments, the last
 * of which (the active one) takes appends. Opening loads or recovers the
 * segments (recovery.c); appends roll to a new segment on size, time,
 * full index or relative-offset overflow; closing flushes and marks the
 * stop clean. Reads are in plog_read.c, retention in retention.c.
 *
 * Invariants:
 *  1. nseg >= 1; segs[] is sorted by base offset and only segs[nseg-1] is
 *     active; segs[i]->next <= segs[i+1]->base.
 *  2. start == segs[0]->base, end == segs[nseg-1]->next, and an empty
 *     active segment has base == end.
 *  3. total == the sum of the segments' sizes.
 *  4. Appended batches get consecutive offsets: each one's BaseOffset is
 *     stamped with end before it is written, and end moves past it after.
 *  5. Every segment below rp has been fdatasync'ed (and rp <= the active
 *     segment's base).
 *
 * Not thread-safe: one thread owns a plog (slices may be released from
 * any thread; the segment reference count is atomic).
 */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log_int.h"
#include "sys.h"

static int push_seg(struct plog *l, struct seg *s)
{
	if (l->nseg == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct seg **n = realloc(l->segs, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		l->segs = n;
		l->cap = cap;
	}
	l->segs[l->nseg++] = s;
	return 0;
}

int log_mkdir_p(const char *dir)
{
	char p[4096];
	size_t len = strlen(dir);
	int ret;

	if (len == 0 || len >= sizeof(p))
		return -ENAMETOOLONG;
	memcpy(p, dir, len + 1);
	for (char *c = p + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		ret = lsys_mkdir(p, 0755);
		if (ret < 0 && ret != -EEXIST)
			return ret;
		*c = '/';
	}
	ret = lsys_mkdir(p, 0755);
	return ret == -EEXIST ? 0 : ret;
}

/* Base offset from "<20 digits><suffix>", or -1. */
static int64_t parse_base(const char *name, const char *suffix)
{
	size_t n = strlen(name), sl = strlen(suffix);
	int64_t v = 0;

	if (n != 20 + sl || strcmp(name + 20, suffix))
		return -1;
	/* Up to INT64_MAX itself: a new segment may be named after an end
	 * offset that high. */
	for (int i = 0; i < 20; i++) {
		if (name[i] < '0' || name[i] > '9' ||
		    v > (INT64_MAX - (name[i] - '0')) / 10)
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return v;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The sorted base offsets of the .log files in dir; stray index files
 * without a .log are removed. */
static int list_bases(const char *dir, int64_t **out, size_t *count)
{
	DIR *d;
	struct dirent *e;
	int64_t *v = NULL;
	size_t n = 0, cap = 0;
	int ret = lsys_opendir(dir, &d);

	if (ret < 0)
		return ret;
	while ((e = readdir(d))) {
		int64_t b = parse_base(e->d_name, ".log");

		if (b < 0) {
			if (parse_base(e->d_name, ".index") >= 0 ||
			    parse_base(e->d_name, ".timeindex") >= 0) {
				char p[4096];
				struct stat st;

				/* Orphans of a deleted segment. */
				snprintf(p, sizeof(p), "%s/%.20s.log", dir,
					 e->d_name);
				if (lsys_stat(p, &st) == -ENOENT) {
					snprintf(p, sizeof(p), "%s/%s", dir,
						 e->d_name);
					(void)lsys_unlink(p);
				}
			}
			continue;
		}
		if (n == cap) {
			int64_t *nv;

			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[n++] = b;
	}
	closedir(d);
	if (n > 1) /* qsort(NULL, 0) is undefined */
		qsort(v, n, sizeof(*v), cmp_i64);
	*out = v;
	*count = n;
	return 0;
}

static void unlink_base(const char *dir, int64_t base)
{
	static const char *const sfx[] = {".log", ".index", ".timeindex"};
	char p[4096];

	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%020" PRId64 "%s", dir, base,
			 sfx[i]);
		(void)lsys_unlink(p);
	}
}

/* Load segment `base`; recover it when asked or when its indexes or its
 * tail do not check out. Returns the bytes cut by recovery, or -errno. */
static int64_t load_seg(struct plog *l, int64_t base, bool recover)
{
	struct seg *s;
	bool bad;
	int64_t cut = 0;
	int ret;

	ret = seg_open(&s, l->dir, base, false, recover, &bad);
	if (ret < 0)
		return ret;
	/* Entries that disagree with the log (a damaged index that still
	 * looks ordered) are found here and the indexes rebuilt. */
	if (!recover && !bad && (seg_load_stats(s) < 0 || !seg_index_agrees(s)))
		bad = true;
	if (recover || bad) {
		cut = seg_recover(s, &l->cfg);
		if (cut < 0) {
			seg_put(s);
			return cut;
		}
		if (cut > 0)
			fprintf(stderr,
				"zcbroker: %s: segment %" PRId64
				": cut %" PRId64
				" bytes of invalid data at its end\n",
				l->dir, base, cut);
	}
	if (l->nseg && s->base < pl_active(l)->next) {
		seg_put(s); /* overlaps its predecessor: cannot be ours */
		return -EUCLEAN;
	}
	ret = push_seg(l, s);
	if (ret < 0) {
		seg_put(s);
		return ret;
	}
	return cut;
}

static int load_all(struct plog *l, bool clean)
{
	int64_t *bases;
	size_t n, first_recover = 0;
	int64_t cut = 0;
	int ret;

	ret = list_bases(l->dir, &bases, &n);
	if (ret < 0)
		return ret;
	/* Recover from the segment holding the recovery point onwards. */
	for (size_t i = 0; i < n; i++)
		if (bases[i] <= l->rp)
			first_recover = i;
	for (size_t i = 0; i < n; i++) {
		if (cut > 0) { /* truncated before: later data is not valid */
			unlink_base(l->dir, bases[i]);
			continue;
		}
		if (!clean && l->nseg && bases[i] > pl_active(l)->next) {
			/* A power cut took the tail of the previous segment
			 * but not this one's name: offsets would have a hole
			 * that no fetch can cross. What follows was never
			 * acknowledged as durable (sync_on_roll); drop it. */
			fprintf(stderr,
				"zcbroker: %s: segment %" PRId64
				" starts past the end %" PRId64
				" of the one before it; removing it and later "
				"ones\n",
				l->dir, bases[i], pl_active(l)->next);
			cut = 1;
			unlink_base(l->dir, bases[i]);
			continue;
		}
		cut = load_seg(l, bases[i], !clean && i >= first_recover);
		if (cut < 0) {
			ret = (int)cut;
			break;
		}
	}
	free(bases);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i + 1 < l->nseg; i++) {
		ret = seg_deactivate(l->segs[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* A new, empty active segment at the end offset; its files are made by
 * the first append (seg_materialize). */
static int new_active(struct plog *l)
{
	struct seg *s;
	int ret;

	ret = seg_new_lazy(&s, l->dir, l->end);
	if (ret < 0)
		return ret;
	ret = seg_activate(s, &l->cfg);
	if (!ret)
		ret = push_seg(l, s);
	if (ret < 0)
		seg_put(s);
	return ret;
}

int pl_materialize(struct plog *l)
{
	struct seg *a = pl_active(l);
	int ret;

	if (!a->lazy)
		return 0;
	ret = seg_materialize(a, &l->cfg);
	if (!ret)
		ret = log_dir_sync(l->dir);
	return ret;
}

/* The start offset DeleteRecords kept (log_start.c). A log that ends
 * below it lost its tail after the records were deleted (a crash before
 * a sync): as Kafka does, its segments go and it starts again empty at
 * that offset, so that no offset below the start is ever given out. */
static int apply_log_start(struct plog *l)
{
	int64_t start = offset_file_read(l->dir, LOG_START_FILE);

	if (l->nseg && pl_active(l)->next < start) {
		fprintf(stderr,
			"zcbroker: %s: the log ends at %" PRId64
			", below its start offset %" PRId64
			"; removing its segments\n",
			l->dir, pl_active(l)->next, start);
		for (size_t i = 0; i < l->nseg; i++) {
			seg_unlink(l->segs[i]);
			seg_put(l->segs[i]);
		}
		l->nseg = 0;
	}
	if (l->nseg == 0)
		l->end = start;
	l->start = start;
	return 0;
}

int plog_open(struct plog **out, const char *dir, const struct log_config *cfg)
{
	struct plog *l = calloc(1, sizeof(*l));
	bool clean = false, fresh;
	int ret = -ENOMEM;

	if (!l)
		return -ENOMEM;
	l->cfg = *cfg;
	if (l->cfg.segment_bytes > INT32_MAX)
		l->cfg.segment_bytes = INT32_MAX; /* positions are i32 */
	l->unflushed_ms = -1;
	l->dir = strdup(dir);
	if (!l->dir)
		goto err;
	/* A directory made just now holds nothing to read or recover: one
	 * system call for a new partition (CreateTopics of thousands). */
	ret = lsys_mkdir(dir, 0755);
	fresh = ret == 0;
	if (ret == -ENOENT)
		ret = log_mkdir_p(dir);
	else if (ret == -EEXIST)
		ret = 0;
	if (!ret && !fresh)
		ret = recovery_take_marker(dir, &clean);
	if (ret < 0)
		goto err;
	if (!fresh) {
		l->rp_disk = recovery_point_read(dir);
		l->rp = clean ? INT64_MAX : l->rp_disk;
		ret = load_all(l, clean);
		if (ret < 0)
			goto err;
	}
	ret = fresh ? 0 : apply_log_start(l);
	if (ret < 0)
		goto err;
	if (l->nseg == 0) {
		ret = new_active(l);
		if (ret < 0)
			goto err;
	} else {
		ret = seg_activate(pl_active(l), &l->cfg);
		if (ret < 0)
			goto err;
	}
	if (l->start < l->segs[0]->base)
		l->start = l->segs[0]->base;
	l->end = pl_active(l)->next;
	for (size_t i = 0; i < l->nseg; i++)
		l->total += l->segs[i]->size;
	/* After a clean stop everything was synced; after a crash what
	 * recovery read may still be only in the page cache. */
	l->rp_pending = pl_active(l)->base;
	/* A recovery point past the active segment's base (the log was cut
	 * back) would let later crashes skip unsynced segments. */
	if (clean || l->rp > l->rp_pending)
		l->rp = l->rp_pending;
	*out = l;
	return 0;
err:
	for (size_t i = 0; i < l->nseg; i++)
		seg_put(l->segs[i]);
	free(l->segs);
	free(l->dir);
	free(l);
	return ret;
}

size_t pl_seg_floor(const struct plog *l, int64_t offset)
{
	size_t lo = 0, hi = l->nseg;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->segs[mid]->base <= offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : 0;
}

int pl_sync_below(struct plog *l, int64_t limit)
{
	for (size_t i = pl_seg_floor(l, l->rp); i < l->nseg; i++) {
		int ret;

		if (l->segs[i]->base >= limit)
			break;
		ret = seg_sync(l->segs[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void plog_close(struct plog *l)
{
	struct seg *a = pl_active(l);
	int ret;

	/* After a failed sync the disk may lack what the page cache shows:
	 * leave no clean marker, so the next start recovers (re-reads) the
	 * log instead of trusting it. */
	if (l->offline) {
		fprintf(stderr,
			"zcbroker: %s: offline after a failed sync (%s); "
			"recovery will check it at the next start\n",
			l->dir, strerror(-l->offline));
		ret = 0;
		goto out;
	}
	/* Final time entry and trimmed indexes first, then all to disk. A
	 * partition that never got a file has nothing to mark. */
	ret = seg_deactivate(a);
	if (!ret)
		ret = pl_sync_below(l, INT64_MAX);
	if (!ret && !(l->nseg == 1 && a->lazy))
		ret = recovery_put_marker(l->dir);
	if (ret < 0)
		fprintf(stderr, "zcbroker: %s: close: %s\n", l->dir,
			strerror(-ret));
out:
	for (size_t i = 0; i < l->nseg; i++)
		seg_put(l->segs[i]);
	free(l->segs);
	free(l->dir);
	free(l);
}

int pl_roll(struct plog *l)
{
	struct seg *old = pl_active(l);
	int ret;

	/* Durable acks: the old segment's tail reaches the disk before the
	 * new segment's name does (new_active syncs the directory), so a
	 * power cut cannot leave a gap in the offsets. Otherwise start the
	 * writeback now; maintain syncs it later (only a hint: nothing
	 * depends on it succeeding). */
	if (!old->lazy && l->cfg.sync_on_roll) {
		ret = seg_fd(old);
		if (ret >= 0)
			ret = lsys_fdatasync(ret);
		if (ret < 0) {
			plog_set_offline(l, ret); /* never retried */
			return ret;
		}
	} else if (!old->lazy && seg_fd(old) >= 0) {
		(void)lsys_sync_file_range(seg_fd(old), 0, 0,
					   SYNC_FILE_RANGE_WRITE);
	}
	ret = seg_deactivate(old);
	if (ret < 0) {
		/* The indexes could not be sealed (a failing disk): keep
		 * appending to the old segment if it can be reopened, else
		 * take the partition offline rather than append to a
		 * segment that is no longer active. */
		if (seg_activate(old, &l->cfg) < 0)
			plog_set_offline(l, ret);
		return ret;
	}
	ret = new_active(l);
	if (!ret) {
		ret = pl_materialize(l);
		if (ret < 0) { /* back to the old segment */
			seg_put(l->segs[--l->nseg]);
		}
	}
	if (ret < 0) {
		seg_activate(old, &l->cfg);
		return ret;
	}
	l->rp_pending = l->end;
	if (l->cfg.notify)
		l->cfg.notify(l->dir, "rolled a new segment", l->end);
	return 0;
}

/* Kafka's rule (LogSegment.shouldRoll): log.roll.ms is the time from the
 * segment's first batch to the incoming batch, both in the records' own
 * timestamps (so a backlog of old records does not roll a segment per
 * batch); the wall clock only for a segment whose first batch had none. */
static bool should_roll(const struct plog *l, size_t len, int64_t last,
			int64_t batch_ts, int64_t now_ms)
{
	const struct seg *a = pl_active(l);
	int64_t waited =
	    a->roll_by_batch ? batch_ts - a->roll_ts : now_ms - a->roll_ts;

	if (a->size + len > l->cfg.segment_bytes && a->size > 0)
		return true;
	if (a->size > 0 && waited > l->cfg.segment_ms)
		return true;
	return seg_index_full(a) || last - a->base > INT32_MAX;
}

int64_t plog_append(struct plog *l, uint8_t *batch, size_t len,
		    const struct batch_info *bi, int64_t now_ms)
{
	struct batch_info b = *bi;
	int64_t base = l->end;
	int ret;

	if (l->offline)
		return l->offline;
	if (len != bi->size || len < BATCH_HEADER_SIZE ||
	    bi->last_offset_delta < 0)
		return -EINVAL;
	if (len > l->cfg.segment_bytes)
		return -EMSGSIZE;
	/* The end offset after it must still be an i64 (a log can only get
	 * near that from damaged or foreign files). */
	if (bi->last_offset_delta > INT64_MAX - 1 - base)
		return -EOVERFLOW;
	ret = pl_materialize(l);
	if (ret < 0)
		return ret;
	if (should_roll(l, len, base + bi->last_offset_delta, bi->max_timestamp,
			now_ms)) {
		ret = pl_roll(l);
		if (ret < 0)
			return ret;
	}
	put_be64(batch, (uint64_t)base);
	put_be32(batch + 12, 0);
	b.base_offset = base;
	ret = seg_append(pl_active(l), batch, len, &b,
			 l->cfg.index_interval_bytes);
	if (ret < 0)
		return ret;
	l->end = pl_active(l)->next;
	l->total += len;
	assert(l->end == base + bi->last_offset_delta + 1);
	if (l->unflushed_ms < 0)
		l->unflushed_ms = now_ms;
	l->unflushed += bi->record_count > 0 ? bi->record_count : 1;
	if (l->unflushed >= l->cfg.flush_interval_messages) {
		ret = plog_flush(l);
		if (ret < 0)
			return ret;
	}
	return base;
}

int64_t plog_start_offset(const struct plog *l)
{
	return l->start;
}

int64_t plog_end_offset(const struct plog *l)
{
	return l->end;
}

uint64_t plog_size_bytes(const struct plog *l)
{
	return l->total;
}

int plog_flush(struct plog *l)
{
	int ret = pl_active(l)->lazy ? 0 : seg_fd(pl_active(l));

	if (ret > 0)
		ret = lsys_fdatasync(ret);
	if (ret < 0)
		return ret;
	l->unflushed = 0;
	l->unflushed_ms = -1;
	return 0;
}

int plog_active_fd(const struct plog *l)
{
	struct seg *a = pl_active(l);

	return a->lazy ? -ENOENT : seg_fd(a);
}

void plog_set_offline(struct plog *l, int err)
{
	if (!l->offline)
		l->offline = err < 0 ? err : -EIO;
}

int plog_offline(const struct plog *l)
{
	return l->offline;
}

int plog_destroy(struct plog *l)
{
	char p[4096];
	int ret = 0;

	for (size_t i = 0; i < l->nseg; i++) {
		seg_unlink(l->segs[i]);
		seg_put(l->segs[i]);
	}
	snprintf(p, sizeof(p), "%s/%s", l->dir, CLEAN_MARKER);
	(void)lsys_unlink(p);
	snprintf(p, sizeof(p), "%s/%s", l->dir, RECOVERY_FILE);
	(void)lsys_unlink(p);
	snprintf(p, sizeof(p), "%s/%s", l->dir, PARTITION_META);
	(void)lsys_unlink(p);
	snprintf(p, sizeof(p), "%s/%s", l->dir, LOG_START_FILE);
	(void)lsys_unlink(p);
	ret = lsys_rmdir(l->dir);
	free(l->segs);
	free(l->dir);
	free(l);
	return ret;
}
