/* SPDX-License-Identifier: MIT */
/*
 * batch_builder.h — what the log_* unit tests share (header-only, because
 * each unit test file is its own program): an encoder of valid v2 record
 * batches (zig-zag varints, CRC-32C), an in-memory model of everything a
 * test appended, and checks of a partition directory against that model
 * (every byte of every .log, every entry of every .index / .timeindex,
 * recomputed with Kafka's rule).
 */
#ifndef ZC_TEST_BATCH_BUILDER_H
#define ZC_TEST_BATCH_BUILDER_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "log/log_int.h" /* byte order, varints */

/* Recompute the CRC of a batch after editing it. */
static inline void bb_seal(uint8_t *b, size_t len)
{
	put_be32(b + 17, crc32c(0, b + 21, len - 21));
}

/* A batch of `count` records with null keys and value_len-byte values
 * (t_fill(seed)); record i has timestamp base_ts + i * ts_step.
 * Returns its length (buf must hold it) . */
static inline size_t bb_build(uint8_t *buf, int32_t count, size_t value_len,
			      int64_t base_ts, int64_t ts_step, uint64_t seed)
{
	uint8_t *p = buf + BATCH_HEADER_SIZE;
	size_t len;

	for (int32_t i = 0; i < count; i++) {
		uint8_t body[64];
		size_t b = 0;

		body[b++] = 0; /* attributes */
		b += put_varint(body + b, (int64_t)i * ts_step);
		b += put_varint(body + b, i);
		b += put_varint(body + b, -1); /* null key */
		b += put_varint(body + b, (int64_t)value_len);
		p += put_varint(p, (int64_t)(b + value_len + 1));
		memcpy(p, body, b);
		p += b;
		t_fill(p, value_len, seed, (uint64_t)i * value_len);
		p += value_len;
		*p++ = 0; /* no headers */
	}
	len = (size_t)(p - buf);
	memset(buf, 0, BATCH_HEADER_SIZE);
	put_be32(buf + 8, (uint32_t)(len - 12));
	put_be32(buf + 12, UINT32_MAX); /* leader epoch -1 */
	buf[16] = 2;
	put_be32(buf + 23, (uint32_t)(count - 1));
	put_be64(buf + 27, (uint64_t)base_ts);
	put_be64(buf + 35,
		 (uint64_t)(base_ts + (int64_t)(count - 1) * ts_step));
	put_be64(buf + 43, UINT64_MAX); /* producer id -1 */
	buf[51] = buf[52] = 0xff;	/* producer epoch -1 */
	put_be32(buf + 53, UINT32_MAX); /* base sequence -1 */
	put_be32(buf + 57, (uint32_t)count);
	bb_seal(buf, len);
	return len;
}

/* Make a built batch an idempotent producer's: ProducerId, ProducerEpoch
 * and BaseSequence set, CRC recomputed. */
static inline void bb_set_producer(uint8_t *b, size_t len, int64_t pid,
				   int16_t epoch, int32_t seq)
{
	put_be64(b + 43, (uint64_t)pid);
	b[51] = (uint8_t)((uint16_t)epoch >> 8);
	b[52] = (uint8_t)epoch;
	put_be32(b + 53, (uint32_t)seq);
	bb_seal(b, len);
}

/* Upper bound of bb_build's output. */
static inline size_t bb_max(int32_t count, size_t value_len)
{
	return BATCH_HEADER_SIZE + (size_t)count * (value_len + 40);
}

/* ---- model of an appended log ----------------------------------------- */

struct mbatch {
	int64_t base;
	int32_t count;
	int64_t base_ts, ts_step;
	uint32_t size;
	uint8_t *bytes; /* as stored: BaseOffset stamped, leader epoch 0 */
};

struct model {
	struct mbatch *v;
	size_t n, cap;
	int64_t end;
	size_t closes[64]; /* n at each clean close: a final time entry */
	size_t nclose;
};

/* The log was closed cleanly now (its active segment got a final
 * time-index entry). */
static inline void model_closed(struct model *m)
{
	if (m->nclose < 64)
		m->closes[m->nclose++] = m->n;
}

static inline int model_closed_after(const struct model *m, size_t i)
{
	for (size_t k = 0; k < m->nclose; k++)
		if (m->closes[k] == i + 1)
			return 1;
	return 0;
}

static inline void model_free(struct model *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].bytes);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* Index of the batch holding offset, or -1. */
static inline ssize_t model_find(const struct model *m, int64_t off)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->v[mid].base <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || off >= m->v[lo - 1].base + m->v[lo - 1].count)
		return -1;
	return (ssize_t)lo - 1;
}

/* Remember a batch as the log stores it (after plog_append stamped it). */
static inline void model_add(struct model *m, const uint8_t *b, size_t len,
			     int64_t base_ts, int64_t ts_step)
{
	struct mbatch *mb;

	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 256;
		m->v = realloc(m->v, m->cap * sizeof(*m->v));
		if (!m->v)
			t_fatal("out of memory");
	}
	mb = &m->v[m->n++];
	mb->base = (int64_t)get_be64(b);
	mb->count = (int32_t)get_be32(b + 57);
	mb->base_ts = base_ts;
	mb->ts_step = ts_step;
	mb->size = (uint32_t)len;
	mb->bytes = malloc(len);
	if (!mb->bytes)
		t_fatal("out of memory");
	memcpy(mb->bytes, b, len);
	m->end = mb->base + mb->count;
}

/* Drop every batch from offset `off` on (what recovery should cut). */
static inline void model_truncate(struct model *m, int64_t off)
{
	while (m->n && m->v[m->n - 1].base >= off) {
		free(m->v[m->n - 1].bytes);
		m->n--;
	}
	m->end = m->n ? m->v[m->n - 1].base + m->v[m->n - 1].count : 0;
}

/* Build, validate and append one batch; the offset must be the model's. */
static inline int64_t model_append(struct model *m, struct plog *l,
				   int32_t count, size_t value_len,
				   int64_t base_ts, int64_t ts_step,
				   uint64_t seed, int64_t now_ms)
{
	uint8_t *b = malloc(bb_max(count, value_len));
	struct batch_info bi;
	size_t len;
	int64_t base;

	if (!b)
		t_fatal("out of memory");
	len = bb_build(b, count, value_len, base_ts, ts_step, seed);
	if (batch_validate(b, len, 1 << 30, &bi) < 0)
		t_fatal("the builder made an invalid batch");
	base = plog_append(l, b, len, &bi, now_ms);
	CHECK_EQ(base, m->end);
	if (base >= 0)
		model_add(m, b, len, base_ts, ts_step);
	free(b);
	return base;
}

/* Whether the slice holds exactly the model's batches, starting at the
 * one that holds `offset`, and whole batches only. */
static inline int model_check_slice(const struct model *m,
				    const struct plog_slice *s, int64_t offset)
{
	uint8_t *buf = malloc(s->len ? s->len : 1);
	ssize_t i = model_find(m, offset);
	size_t pos = 0;
	int ok = 1;

	if (!buf)
		t_fatal("out of memory");
	if (i < 0 || s->len == 0 || s->first_offset != m->v[i].base ||
	    pread(s->fd, buf, s->len, s->pos) != (ssize_t)s->len) {
		free(buf);
		return 0;
	}
	while (pos < s->len && ok) {
		const struct mbatch *mb = &m->v[i];

		ok = (size_t)i < m->n && pos + mb->size <= s->len &&
		     !memcmp(buf + pos, mb->bytes, mb->size);
		pos += mb->size;
		i++;
	}
	free(buf);
	return ok && pos == s->len;
}

/* First offset whose record timestamp >= ts, per the model (-1: none). */
static inline int64_t model_offset_for_time(const struct model *m, int64_t ts)
{
	for (size_t i = 0; i < m->n; i++)
		for (int32_t k = 0; k < m->v[i].count; k++)
			if (m->v[i].base_ts + k * m->v[i].ts_step >= ts)
				return m->v[i].base + k;
	return -1;
}

static inline int bb_cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sorted base offsets of the .log files in dir. */
static inline size_t model_list_segments(const char *dir, int64_t *bases,
					 size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		size_t len = strlen(e->d_name);

		if (len == 24 && !strcmp(e->d_name + 20, ".log"))
			bases[n++] = strtoll(e->d_name, NULL, 10);
	}
	closedir(d);
	qsort(bases, n, sizeof(*bases), bb_cmp64);
	return n;
}

static inline uint8_t *bb_slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	uint8_t *buf;

	*len = 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	buf = malloc((size_t)st.st_size + 1);
	if (buf && pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

/*
 * Check a closed partition directory against the model: the segments'
 * .log files hold exactly the model's batches in order, and each .index
 * and .timeindex holds exactly the entries Kafka's rule gives (an entry
 * once more than `interval` bytes went in since the last; a final
 * time-index entry for the largest timestamp). Returns the number of
 * segments, or -1 on a mismatch (reported on stderr).
 */
static inline int model_check_dir(const struct model *m, const char *dir,
				  uint32_t interval)
{
	int64_t bases[4096];
	size_t nseg = model_list_segments(dir, bases, 4096), bi = 0;

	for (size_t s = 0; s < nseg; s++) {
		int64_t base = bases[s];
		int64_t next = s + 1 < nseg ? bases[s + 1] : INT64_MAX;
		size_t llen, olen, tlen, pos = 0, ne = 0, nt = 0;
		uint64_t since = 0;
		int64_t max_ts = -1, max_off = base, last_ts = -1;
		char p[8192];
		uint8_t *log, *oi, *ti;
		int ok = 1;

		snprintf(p, sizeof(p), "%s/%020" PRId64 ".log", dir, base);
		log = bb_slurp(p, &llen);
		snprintf(p, sizeof(p), "%s/%020" PRId64 ".index", dir, base);
		oi = bb_slurp(p, &olen);
		snprintf(p, sizeof(p), "%s/%020" PRId64 ".timeindex", dir,
			 base);
		ti = bb_slurp(p, &tlen);
		if (!log || !oi || !ti) {
			fprintf(stderr, "segment %" PRId64 ": files missing\n",
				base);
			ok = 0;
		}
		for (; ok && bi < m->n && m->v[bi].base < next; bi++) {
			const struct mbatch *mb = &m->v[bi];
			int64_t last = mb->base + mb->count - 1;
			int64_t mts = mb->base_ts +
				      (int64_t)(mb->count - 1) * mb->ts_step;

			if (pos + mb->size > llen ||
			    memcmp(log + pos, mb->bytes, mb->size)) {
				fprintf(stderr,
					"segment %" PRId64 ": batch %" PRId64
					" differs\n",
					base, mb->base);
				ok = 0;
				break;
			}
			if (mts > max_ts) {
				max_ts = mts;
				max_off = last;
			}
			if (since > interval) {
				ok = olen >= (ne + 1) * 8 &&
				     get_be32(oi + ne * 8) == last - base &&
				     get_be32(oi + ne * 8 + 4) == pos;
				ne++;
				if (ok && max_ts > last_ts) {
					ok = tlen >= (nt + 1) * 12 &&
					     (int64_t)get_be64(ti + nt * 12) ==
						 max_ts &&
					     get_be32(ti + nt * 12 + 8) ==
						 max_off - base;
					nt++;
					last_ts = max_ts;
				}
				if (!ok)
					fprintf(stderr,
						"segment %" PRId64
						": index entry %zu/%zu wrong\n",
						base, ne, nt);
				since = 0;
			}
			since += mb->size;
			pos += mb->size;
			if (model_closed_after(m, bi) && max_ts > last_ts &&
			    bi + 1 < m->n && m->v[bi + 1].base < next) {
				ok = tlen >= (nt + 1) * 12 &&
				     (int64_t)get_be64(ti + nt * 12) == max_ts;
				if (!ok)
					fprintf(
					    stderr,
					    "segment %" PRId64
					    ": no time entry at the close\n",
					    base);
				nt++;
				last_ts = max_ts;
			}
		}
		if (ok && max_ts > last_ts) { /* the final entry */
			ok = tlen >= (nt + 1) * 12 &&
			     (int64_t)get_be64(ti + nt * 12) == max_ts &&
			     get_be32(ti + nt * 12 + 8) == max_off - base;
			nt++;
		}
		if (ok && (pos != llen || olen != ne * 8 || tlen != nt * 12)) {
			fprintf(
			    stderr,
			    "segment %" PRId64
			    ": sizes log %zu/%zu index %zu/%zu timeindex %zu/%zu\n",
			    base, llen, pos, olen, ne * 8, tlen, nt * 12);
			ok = 0;
		}
		free(log);
		free(oi);
		free(ti);
		if (!ok)
			return -1;
	}
	if (bi != m->n) {
		fprintf(stderr, "%zu of %zu batches are not on disk\n", bi,
			m->n);
		return -1;
	}
	return (int)nseg;
}

/* Every offset of the model reads back as the batch holding it, and
 * larger reads give whole batches within the limit. */
static inline void model_check_reads(const struct model *m, struct plog *l,
				     size_t max_bytes, int64_t step)
{
	struct plog_slice s;

	for (int64_t off = plog_start_offset(l); off < m->end; off += step) {
		int ret = plog_read(l, off, max_bytes, &s);

		CHECK_EQ(ret, 0);
		if (ret == 0) {
			if (!model_check_slice(m, &s, off)) {
				fprintf(
				    stderr,
				    "read at %" PRId64
				    " wrong (pos %lld len %zu first %" PRId64
				    ")\n",
				    off, (long long)s.pos, s.len,
				    s.first_offset);
				t_failures++;
			}
			CHECK(s.len <= max_bytes ||
			      s.len == m->v[model_find(m, off)].size);
			plog_slice_release(&s);
		}
	}
	CHECK_EQ(plog_read(l, m->end, max_bytes, &s), 0);
	CHECK_EQ(s.len, 0);
	plog_slice_release(&s);
	CHECK_EQ(plog_read(l, m->end + 1, max_bytes, &s), -ERANGE);
}

static inline int bb_rm_one(const char *path, const struct stat *st, int type,
			    struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* rm -rf */
static inline void bb_rm_rf(const char *dir)
{
	nftw(dir, bb_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif /* ZC_TEST_BATCH_BUILDER_H */
