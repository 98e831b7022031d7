/* SPDX-License-Identifier: MIT */
/*
 * index.c — Kafka's sparse indexes, one mmap'ed file each.
 *
 *   .index      8-byte entries: offset - base (i32), file position (i32)
 *   .timeindex 12-byte entries: timestamp (i64), offset - base (i32)
 *
 * While its segment is active an index file is extended (sparse) to the
 * maximum size (log.index.size.max.bytes rounded down to the entry size);
 * when the segment stops being active the file is trimmed to its entries
 * and the fd closed. A reopened index is taken as full, n = length / entry
 * size, which is why the trim must happen.
 *
 * The mapping is read-only and only entries already written are read:
 * entries are written with pwrite(2), never stored through the mapping. A
 * store into a shared mapping of a sparse file needs a block the moment it
 * happens, and on a full file system the kernel can only answer with
 * SIGBUS (mmap(2), "SIGBUS"); pwrite answers ENOSPC instead, and a failed
 * entry is simply not made (the index is sparse anyway: lookups scan a
 * little further). An existing file is fallocate(2)d before it is mapped,
 * so a read fault on a hole (tmpfs allocates for those) cannot fail either.
 *
 * Invariants:
 *  1. 0 <= n <= cap, and the mapping covers exactly cap entries.
 *  2. Offset-index entries are strictly increasing in both offset and
 *     position; each points at the start of a batch (segment.c only
 *     appends after the batch is written).
 *  3. Time-index entries are strictly increasing in timestamp and never
 *     decreasing in offset.
 *  4. Lookups never read past entry n - 1.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdcache.h"
#include "log_int.h"
#include "sys.h"

static uint8_t *ent(const struct idx *x, size_t i)
{
	assert(i < x->n);
	return x->map + i * x->esize;
}

static int idx_map(struct idx *x)
{
	size_t len = x->cap * x->esize;
	int fd;

	x->map = NULL;
	if (!len)
		return 0;
	fd = lfd_get(&x->lf);
	if (fd < 0)
		return fd;
	return lsys_mmap((void **)&x->map, len, PROT_READ, MAP_SHARED, fd, 0);
}

static void idx_unmap(struct idx *x)
{
	if (x->map)
		lsys_munmap(x->map, x->cap * x->esize);
	x->map = NULL;
}

int idx_open(struct idx *x, const char *path, uint32_t esize, bool reset)
{
	int flags = O_RDWR | (reset ? O_CREAT | O_TRUNC : 0);
	struct stat st;
	int fd, ret;

	memset(x, 0, sizeof(*x));
	x->esize = esize;
	ret = lfd_init(&x->lf, path, O_RDWR);
	if (ret < 0)
		return ret;
	fd = ret = lfd_open(&x->lf, flags, 0644);
	if (ret >= 0)
		ret = lsys_fstat(fd, &st);
	if (ret < 0)
		goto err;
	/* A partial trailing entry (torn write) is not an entry. */
	x->cap = x->n = (size_t)st.st_size / esize;
	x->ragged = st.st_size % esize != 0;
	/* Blocks behind every page the mapping may read (see above). */
	if (x->cap) {
		ret = lsys_fallocate(fd, 0, 0, (off_t)(x->cap * esize));
		if (ret < 0 && ret != -EOPNOTSUPP)
			goto err;
	}
	ret = idx_map(x);
	if (ret < 0)
		goto err;
	x->open = true;
	return 0;
err:
	lfd_free(&x->lf);
	return ret;
}

int idx_resize(struct idx *x, size_t cap)
{
	struct stat st;
	int fd, ret;

	fd = lfd_get(&x->lf);
	if (fd < 0)
		return fd;
	ret = lsys_fstat(fd, &st);
	if (ret < 0)
		return ret;
	x->open = true;
	if (cap == x->cap && (off_t)(cap * x->esize) == st.st_size)
		return 0;
	/* Resize first: when that fails, nothing changed. Only entries
	 * below n are ever read, so a shrink under the old mapping is safe. */
	ret = lsys_ftruncate(fd, (off_t)(cap * x->esize));
	if (ret < 0)
		return ret;
	idx_unmap(x);
	x->cap = cap;
	if (x->n > cap)
		x->n = cap;
	ret = idx_map(x);
	if (ret < 0)
		x->cap = x->n = 0; /* a lost hint: lookups scan the segment */
	return ret;
}

int idx_sync(struct idx *x)
{
	int fd;

	/* Entries are written with pwrite: fdatasync covers them, and the
	 * trimmed size of a sealed index too. */
	if (!x->lf.path)
		return 0;
	fd = lfd_get(&x->lf);
	return fd < 0 ? fd : lsys_fdatasync(fd);
}

int idx_seal(struct idx *x)
{
	int ret = idx_resize(x, x->n);

	x->open = false;
	lfd_close(&x->lf);
	return ret;
}

void idx_close(struct idx *x)
{
	idx_unmap(x);
	x->open = false;
	lfd_free(&x->lf);
}

/* ---- offset index ------------------------------------------------------ */

static uint32_t o_rel(const struct idx *x, size_t i)
{
	return get_be32(ent(x, i));
}

static uint32_t o_pos(const struct idx *x, size_t i)
{
	return get_be32(ent(x, i) + 4);
}

bool oidx_sane(const struct idx *x, uint64_t seg_size)
{
	for (size_t i = 0; i < x->n; i++) {
		if (o_rel(x, i) > INT32_MAX || o_pos(x, i) >= seg_size)
			return false;
		if (i && (o_rel(x, i) <= o_rel(x, i - 1) ||
			  o_pos(x, i) <= o_pos(x, i - 1)))
			return false;
	}
	return true;
}

/* Write entry n (esize bytes of e) and count it once it is written. */
static int put_entry(struct idx *x, const uint8_t *e)
{
	int ret;

	if (!x->open || x->n >= x->cap)
		return -ENOSPC;
	ret = lfd_get(&x->lf);
	if (ret >= 0)
		ret =
		    lsys_pwrite_all(ret, e, x->esize, (off_t)(x->n * x->esize));
	if (ret < 0)
		return ret;
	x->n++;
	return 0;
}

int oidx_append(struct idx *x, uint32_t rel, uint32_t pos)
{
	uint8_t e[OIDX_ENTRY];

	assert(!x->n || (rel > o_rel(x, x->n - 1) && pos > o_pos(x, x->n - 1)));
	put_be32(e, rel);
	put_be32(e + 4, pos);
	return put_entry(x, e);
}

/* Index of the last entry whose key (0: offset, 1: position) <= v, or -1. */
static ssize_t o_floor(const struct idx *x, int key, uint32_t v)
{
	size_t lo = 0, hi = x->n; /* answer in [lo - 1, hi - 1] */

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t k = key ? o_pos(x, mid) : o_rel(x, mid);

		if (k <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (ssize_t)lo - 1;
}

uint32_t oidx_lookup(const struct idx *x, uint32_t rel)
{
	ssize_t i = o_floor(x, 0, rel);

	return i < 0 ? 0 : o_pos(x, (size_t)i);
}

uint32_t oidx_floor_pos(const struct idx *x, uint32_t pos)
{
	ssize_t i = o_floor(x, 1, pos);

	return i < 0 ? 0 : o_pos(x, (size_t)i);
}

void oidx_entry(const struct idx *x, size_t i, uint32_t *rel, uint32_t *pos)
{
	*rel = o_rel(x, i);
	*pos = o_pos(x, i);
}

uint32_t oidx_last_rel(const struct idx *x)
{
	return x->n ? o_rel(x, x->n - 1) : 0;
}

uint32_t oidx_last_pos(const struct idx *x)
{
	return x->n ? o_pos(x, x->n - 1) : 0;
}

/* ---- time index -------------------------------------------------------- */

static int64_t t_ts(const struct idx *x, size_t i)
{
	return (int64_t)get_be64(ent(x, i));
}

static uint32_t t_rel(const struct idx *x, size_t i)
{
	return get_be32(ent(x, i) + 8);
}

bool tidx_sane(const struct idx *x)
{
	for (size_t i = 0; i < x->n; i++) {
		/* Entries are only ever made for timestamps >= 0; a negative
		 * one would pass for "no entry" (tidx_last_ts) and hide a
		 * relative offset past the data. */
		if (t_rel(x, i) > INT32_MAX || t_ts(x, i) < 0)
			return false;
		if (i && (t_ts(x, i) <= t_ts(x, i - 1) ||
			  t_rel(x, i) < t_rel(x, i - 1)))
			return false;
	}
	return true;
}

int64_t tidx_last_ts(const struct idx *x)
{
	return x->n ? t_ts(x, x->n - 1) : -1;
}

uint32_t tidx_last_rel(const struct idx *x)
{
	return x->n ? t_rel(x, x->n - 1) : 0;
}

int tidx_maybe_append(struct idx *x, int64_t ts, uint32_t rel)
{
	uint8_t e[TIDX_ENTRY];
	int ret;

	if (x->n == x->cap || ts <= tidx_last_ts(x))
		return 0;
	assert(!x->n || rel >= t_rel(x, x->n - 1));
	put_be64(e, (uint64_t)ts);
	put_be32(e + 8, rel);
	ret = put_entry(x, e);
	return ret < 0 ? ret : 1;
}

uint32_t tidx_lookup(const struct idx *x, int64_t ts)
{
	size_t lo = 0, hi = x->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t_ts(x, mid) <= ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? t_rel(x, lo - 1) : 0;
}
