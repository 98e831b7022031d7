/* SPDX-License-Identifier: MIT */
/*
 * segment.c — one segment of a partition: the .log file of record batches
 * and its .index / .timeindex, named DIR/<base offset, 20 digits>.<suffix>.
 *
 * A segment is appended to only while it is the active (last) one; the
 * network code reads any segment through its fd (sendfile) while a
 * struct plog_slice holds a reference, so a segment deleted by retention
 * stays open until the last reference goes (its files are unlinked at
 * once; the open fd keeps the bytes readable).
 *
 * Invariants:
 *  1. The .log holds exactly `size` bytes of whole batches with strictly
 *     increasing offsets in [base, next); nothing is ever written in place.
 *  2. An index entry is written only after its batch is in the file, and
 *     names the batch's last offset -> the batch's start position, once
 *     MORE than index_interval bytes were appended since the previous
 *     entry (so the first batch of a segment is never indexed).
 *  3. The time index gets (largest timestamp so far, its batch's last
 *     offset) with each offset-index entry when the timestamp grew, and a
 *     final such entry when the segment stops being active; its last slot
 *     is kept free for that final entry.
 *  4. refs >= 1 while anything may use the segment; the fd and mappings
 *     are released only when refs drops to 0.
 *  5. A failed append leaves the file at its previous size.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log_int.h"
#include "sys.h"

#define SCAN_HEADER_READ 8192
#define AGREE_MAX	 4096
#define SCAN_MIN_BUF	 (256 * 1024)

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int seg_file(const struct seg *s, const char *suffix, char *buf, size_t n)
{
	int len = snprintf(buf, n, "%s%s", s->path, suffix);

	return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

static int open_indexes(struct seg *s, bool reset)
{
	char p[4096];
	int ret;

	ret = seg_file(s, ".index", p, sizeof(p));
	if (!ret)
		ret = idx_open(&s->oi, p, OIDX_ENTRY, reset);
	if (ret < 0)
		return ret;
	ret = seg_file(s, ".timeindex", p, sizeof(p));
	if (!ret)
		ret = idx_open(&s->ti, p, TIDX_ENTRY, reset);
	if (ret < 0)
		idx_close(&s->oi);
	return ret;
}

/* A segment struct with its paths and no open file. */
static int seg_alloc(struct seg **out, const char *dir, int64_t base)
{
	struct seg *s = calloc(1, sizeof(*s));
	char p[4096];
	int ret = -ENOMEM;

	if (!s)
		return -ENOMEM;
	s->base = s->next = base;
	s->max_ts = -1;
	s->max_ts_off = base;
	s->refs = 1;
	s->roll_ts = s->born_ms = wall_ms();
	s->lf.fd = s->oi.lf.fd = s->ti.lf.fd = -1;
	if (asprintf(&s->path, "%s/%020" PRId64, dir, base) < 0) {
		s->path = NULL;
		goto err;
	}
	ret = seg_file(s, ".log", p, sizeof(p));
	if (!ret)
		ret = lfd_init(&s->lf, p, O_RDWR);
	if (ret < 0)
		goto err;
	*out = s;
	return 0;
err:
	free(s->path);
	free(s);
	return ret;
}

int seg_new_lazy(struct seg **out, const char *dir, int64_t base)
{
	int ret = seg_alloc(out, dir, base);

	if (!ret)
		(*out)->lazy = true;
	return ret;
}

int seg_materialize(struct seg *s, const struct log_config *cfg)
{
	int ret;

	if (!s->lazy)
		return 0;
	ret = lfd_open(&s->lf, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (ret >= 0)
		ret = open_indexes(s, true);
	if (!ret) {
		s->lazy = false;
		ret = seg_activate(s, cfg);
		if (ret < 0) {
			idx_close(&s->oi);
			idx_close(&s->ti);
			s->lazy = true;
		}
	}
	if (ret < 0) {
		lfd_close(&s->lf);
		seg_unlink(s);
		return ret;
	}
	return 0;
}

int seg_open(struct seg **out, const char *dir, int64_t base, bool create,
	     bool reset, bool *bad_index)
{
	struct seg *s;
	struct stat st;
	int ret;

	ret = seg_alloc(&s, dir, base);
	if (ret < 0)
		return ret;
	ret = lfd_open(&s->lf, O_RDWR | (create ? O_CREAT | O_TRUNC : 0), 0644);
	if (ret >= 0)
		ret = lsys_fstat(ret, &st);
	if (ret < 0)
		goto err;
	s->size = (uint64_t)st.st_size;

	*bad_index = false;
	ret = open_indexes(s, reset || create);
	/* Missing, or (on a full disk) not backed by blocks: rebuilt. */
	if (ret < 0 && !reset && !create && ret != -ENOMEM && ret != -EMFILE &&
	    ret != -ENFILE) {
		*bad_index = true;
		ret = open_indexes(s, true);
	}
	if (ret < 0)
		goto err;
	if (!*bad_index && !reset &&
	    (s->oi.ragged || s->ti.ragged || !oidx_sane(&s->oi, s->size) ||
	     !tidx_sane(&s->ti))) {
		*bad_index = true;
		idx_close(&s->oi);
		idx_close(&s->ti);
		ret = open_indexes(s, true);
		if (ret < 0)
			goto err;
	}
	*out = s;
	return 0;
err:
	lfd_free(&s->lf);
	free(s->path);
	free(s);
	return ret;
}

/* s->next after batch bi, checked: the batch's offsets must lie in the
 * segment's i32 relative range; anything else is damage (whose offset
 * arithmetic could even overflow). Returns 1 or -EBADMSG. */
static int set_next(struct seg *s, const struct batch_info *bi)
{
	int64_t rel;

	if (bi->base_offset < s->base || bi->last_offset_delta < 0 ||
	    bi->base_offset - s->base > INT32_MAX)
		return -EBADMSG;
	rel = bi->base_offset - s->base + bi->last_offset_delta;
	if (rel > INT32_MAX || s->base > INT64_MAX - rel - 1)
		return -EBADMSG;
	s->next = s->base + rel + 1;
	return 1;
}

int seg_load_stats(struct seg *s)
{
	struct batch_info bi;
	struct bscan b;
	int ret;

	s->max_ts = tidx_last_ts(&s->ti);
	s->max_ts_off = s->base + tidx_last_rel(&s->ti);
	s->next = s->base;
	/* As if appends had never stopped: bytes since the indexed batch. */
	s->since_index = s->size - oidx_last_pos(&s->oi);
	bscan_init(&b, seg_fd(s), 0, s->size);
	ret = bscan_next(&b, &bi, NULL);
	if (ret > 0) {
		if (bi.max_timestamp >= 0) {
			s->roll_ts = bi.max_timestamp;
			s->roll_by_batch = true;
		}
		ret = set_next(s, &bi);
		/* From the last indexed batch to the end: the last offset. */
		b.pos = oidx_last_pos(&s->oi);
		while (ret > 0 && (ret = bscan_next(&b, &bi, NULL)) > 0)
			ret = set_next(s, &bi);
	}
	bscan_free(&b);
	if (ret == 0 &&
	    ((s->max_ts >= 0 && s->max_ts_off >= s->next) ||
	     (s->oi.n && s->base + oidx_last_rel(&s->oi) >= s->next)))
		ret = -EBADMSG; /* entries past the data: rebuild */
	return ret;
}

static size_t idx_cap(uint32_t max_bytes, uint32_t esize, size_t min)
{
	size_t cap = max_bytes / esize;

	return cap < min ? min : cap;
}

int seg_activate(struct seg *s, const struct log_config *cfg)
{
	int ret;

	if (s->lazy) { /* files come with the first append */
		s->active = true;
		return 0;
	}
	ret = idx_resize(&s->oi, idx_cap(cfg->index_max_bytes, OIDX_ENTRY, 1));
	if (!ret)
		ret = idx_resize(&s->ti,
				 idx_cap(cfg->index_max_bytes, TIDX_ENTRY, 2));
	if (!ret)
		s->active = true;
	return ret;
}

int seg_deactivate(struct seg *s)
{
	int r1, r2;

	s->active = false;
	if (s->lazy)
		return 0;
	if (s->max_ts >= 0)
		(void)tidx_maybe_append(&s->ti, s->max_ts,
					(uint32_t)(s->max_ts_off - s->base));
	r1 = idx_seal(&s->oi);
	r2 = idx_seal(&s->ti);
	return r1 < 0 ? r1 : r2;
}

bool seg_index_full(const struct seg *s)
{
	return s->oi.n >= s->oi.cap || s->ti.n + 1 >= s->ti.cap;
}

void seg_note_batch(struct seg *s, uint64_t pos, const struct batch_info *bi,
		    uint32_t index_interval)
{
	int64_t last = bi->base_offset + bi->last_offset_delta;

	assert(pos == s->size && bi->base_offset >= s->next);
	assert(last - s->base <= INT32_MAX);
	if (bi->max_timestamp > s->max_ts) {
		s->max_ts = bi->max_timestamp;
		s->max_ts_off = last;
	}
	if (s->since_index > index_interval) {
		/* The indexes are hints: an entry that cannot be written
		 * (ENOSPC) is left out, and lookups scan a little further. */
		if (s->oi.n < s->oi.cap)
			(void)oidx_append(&s->oi, (uint32_t)(last - s->base),
					  (uint32_t)pos);
		if (s->ti.n + 1 < s->ti.cap)
			(void)tidx_maybe_append(
			    &s->ti, s->max_ts,
			    (uint32_t)(s->max_ts_off - s->base));
		s->since_index = 0;
	}
	s->since_index += bi->size;
	if (pos == 0 && bi->max_timestamp >= 0) {
		s->roll_ts = bi->max_timestamp;
		s->roll_by_batch = true;
	}
	s->size = pos + bi->size;
	s->next = last + 1;
}

int seg_append(struct seg *s, const uint8_t *buf, size_t len,
	       const struct batch_info *bi, uint32_t index_interval)
{
	uint64_t pos = s->size;
	int fd, ret;

	assert(s->active && !s->lazy && len == bi->size);
	fd = ret = seg_fd(s);
	if (ret >= 0)
		ret = lsys_pwrite_all(fd, buf, len, (off_t)pos);
	if (ret < 0) {
		/* Invariant 5: no partial batch stays behind. Should even the
		 * truncate fail, the bytes past `size` are never read and the
		 * next append overwrites them. */
		if (fd >= 0)
			(void)lsys_ftruncate(fd, (off_t)pos);
		return ret;
	}
	seg_note_batch(s, pos, bi, index_interval);
	return 0;
}

int seg_sync(struct seg *s)
{
	int ret;

	if (s->lazy)
		return 0;
	ret = seg_fd(s);
	if (ret >= 0)
		ret = lsys_fdatasync(ret);
	if (!ret)
		ret = idx_sync(&s->oi);
	if (!ret)
		ret = idx_sync(&s->ti);
	return ret;
}

/* The batch holding offset, scanning from position `from`. */
static int64_t find_from(struct seg *s, uint64_t from, int64_t offset,
			 struct batch_info *bi)
{
	struct bscan b;
	int ret;

	bscan_init(&b, seg_fd(s), from, s->size);
	while ((ret = bscan_next(&b, bi, NULL)) > 0) {
		int64_t last, lod = bi->last_offset_delta;

		/* Headers of a segment trusted after a clean stop are not
		 * re-checked: do not let a damaged one overflow. */
		if (__builtin_add_overflow(bi->base_offset, lod, &last))
			last = lod > 0 ? INT64_MAX : INT64_MIN;
		if (last >= offset) {
			bscan_free(&b);
			return (int64_t)(b.pos - bi->size);
		}
	}
	bscan_free(&b);
	return ret < 0 ? ret : -ENOENT;
}

int64_t seg_find(struct seg *s, int64_t offset, struct batch_info *bi)
{
	int64_t rel = offset - s->base, pos;
	uint32_t from;

	if (rel < 0)
		rel = 0;
	if (rel > INT32_MAX)
		rel = INT32_MAX;
	from = oidx_lookup(&s->oi, (uint32_t)rel);
	pos = find_from(s, from, offset, bi);
	/* The index is a hint: the batch it leads to must hold the offset.
	 * A damaged entry (an offset that still keeps the index increasing,
	 * a position inside a batch) leads past it or into garbage: scan
	 * from the segment's start and have the index rebuilt. */
	if (from > 0 && (pos < 0 || bi->base_offset > offset)) {
		s->index_suspect = true;
		pos = find_from(s, 0, offset, bi);
	}
	return pos;
}

/* Whether offset-index entry i names the start of the batch it says. */
static bool entry_agrees(struct seg *s, size_t i)
{
	uint8_t h[BATCH_HEADER_SIZE];
	struct batch_info bi;
	uint32_t rel, pos;

	oidx_entry(&s->oi, i, &rel, &pos);
	return pos + (uint64_t)BATCH_HEADER_SIZE <= s->size &&
	       lsys_pread_all(seg_fd(s), h, sizeof(h), pos) == 0 &&
	       batch_header(h, sizeof(h), &bi) == 0 &&
	       bi.base_offset + bi.last_offset_delta == s->base + rel;
}

bool seg_index_agrees(struct seg *s)
{
	/* Every entry of an index of up to AGREE_MAX entries, else that many
	 * spread evenly and the last: a bounded cost per segment at startup
	 * (a full 10 MiB index has 1.3 million entries); lookups check the
	 * entries they use anyway (seg_find). */
	size_t step = s->oi.n > AGREE_MAX ? s->oi.n / AGREE_MAX : 1;

	for (size_t i = 0; i < s->oi.n; i += step)
		if (!entry_agrees(s, i))
			return false;
	return !s->oi.n || entry_agrees(s, s->oi.n - 1);
}

int64_t seg_largest_ts(struct seg *s)
{
	struct stat st;

	if (s->max_ts >= 0)
		return s->max_ts;
	if (s->lazy || lsys_fstat(seg_fd(s), &st) < 0)
		return INT64_MAX; /* unknown age: never old enough */
	return (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
}

void seg_unlink(struct seg *s)
{
	static const char *const sfx[] = {".log", ".index", ".timeindex"};
	char p[4096];

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
		if (!seg_file(s, sfx[i], p, sizeof(p)))
			(void)lsys_unlink(p);
}

void seg_get(struct seg *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
}

void seg_put(struct seg *s)
{
	if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL))
		return;
	lfd_free(&s->lf);
	idx_close(&s->oi);
	idx_close(&s->ti);
	free(s->path);
	free(s);
}

/* ---- batch scanner ----------------------------------------------------- */

void bscan_init(struct bscan *b, int fd, uint64_t pos, uint64_t end)
{
	memset(b, 0, sizeof(*b));
	b->fd = fd;
	b->pos = pos;
	b->end = end;
}

void bscan_free(struct bscan *b)
{
	free(b->buf);
	b->buf = NULL;
}

/* Make [pos, pos + need) readable in the buffer, reading `want` bytes. */
static int bscan_fill(struct bscan *b, size_t need, size_t want)
{
	size_t got = 0;

	if (b->buf && b->pos >= b->bpos && b->pos + need <= b->bpos + b->blen)
		return 0;
	if (want < need)
		want = need;
	if (want > b->end - b->pos)
		want = (size_t)(b->end - b->pos);
	if (want > b->cap) {
		size_t cap = want;
		uint8_t *nb = realloc(b->buf, cap);

		if (!nb)
			return -ENOMEM;
		b->buf = nb;
		b->cap = cap;
	}
	while (got < need) {
		ssize_t n = lsys_pread(b->fd, b->buf + got, want - got,
				       (off_t)(b->pos + got));

		if (n == -EINTR)
			continue;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EBADMSG; /* the file is shorter than we thought
					  */
		got += (size_t)n;
	}
	b->bpos = b->pos;
	b->blen = got;
	return 0;
}

int bscan_next(struct bscan *b, struct batch_info *bi, const uint8_t **whole)
{
	const uint8_t *p;
	int ret;

	if (b->pos >= b->end)
		return 0;
	if (b->end - b->pos < BATCH_HEADER_SIZE)
		return -EBADMSG;
	ret = bscan_fill(b, BATCH_HEADER_SIZE,
			 whole ? SCAN_MIN_BUF : SCAN_HEADER_READ);
	if (ret < 0)
		return ret;
	p = b->buf + (b->pos - b->bpos);
	if (batch_header(p, BATCH_HEADER_SIZE, bi) < 0 ||
	    bi->size > b->end - b->pos)
		return -EBADMSG;
	if (whole) {
		ret = bscan_fill(b, bi->size, SCAN_MIN_BUF);
		if (ret < 0)
			return ret;
		*whole = b->buf + (b->pos - b->bpos);
	}
	b->pos += bi->size;
	return 1;
}
