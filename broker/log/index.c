/* SPDX-License-Identifier: MIT */
/*
 * index.c — Kafka's sparse indexes, one mmap'ed file each.
 *
 *   .index      8-byte entries: offset - base (i32), file position (i32)
 *   .timeindex 12-byte entries: timestamp (i64), offset - base (i32)
 *
 * While its segment is active an index file is preallocated to the
 * maximum size (log.index.size.max.bytes rounded down to the entry size)
 * and written through the mapping; when the segment stops being active
 * the file is trimmed to its entries and the fd closed (the mapping keeps
 * the pages reachable for lookups). A reopened index is taken as full,
 * n = length / entry size, which is why the trim must happen.
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

#include "log_int.h"

static uint8_t *ent(const struct idx *x, size_t i)
{
	assert(i < x->n);
	return x->map + i * x->esize;
}

static int idx_map(struct idx *x)
{
	size_t len = x->cap * x->esize;

	x->map = NULL;
	if (!len)
		return 0;
	x->map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, x->fd, 0);
	if (x->map == MAP_FAILED) {
		x->map = NULL;
		return -errno;
	}
	return 0;
}

static void idx_unmap(struct idx *x)
{
	if (x->map)
		munmap(x->map, x->cap * x->esize);
	x->map = NULL;
}

int idx_open(struct idx *x, const char *path, uint32_t esize, bool reset)
{
	int flags = O_RDWR | O_CLOEXEC | (reset ? O_CREAT | O_TRUNC : 0);
	struct stat st;
	int ret;

	memset(x, 0, sizeof(*x));
	x->esize = esize;
	x->fd = open(path, flags, 0644);
	if (x->fd < 0)
		return -errno;
	if (fstat(x->fd, &st) < 0)
		goto err;
	x->path = strdup(path);
	if (!x->path) {
		errno = ENOMEM;
		goto err;
	}
	/* A partial trailing entry (torn write) is not an entry. */
	x->cap = x->n = (size_t)st.st_size / esize;
	x->ragged = st.st_size % esize != 0;
	ret = idx_map(x);
	if (ret < 0) {
		errno = -ret;
		goto err;
	}
	return 0;
err:
	ret = -errno;
	close(x->fd);
	free(x->path);
	x->fd = -1;
	x->path = NULL;
	return ret;
}

int idx_resize(struct idx *x, size_t cap)
{
	if (x->fd < 0) {
		x->fd = open(x->path, O_RDWR | O_CLOEXEC);
		if (x->fd < 0)
			return -errno;
	}
	if (cap == x->cap &&
	    (off_t)(cap * x->esize) == lseek(x->fd, 0, SEEK_END))
		return 0;
	idx_unmap(x);
	if (ftruncate(x->fd, (off_t)(cap * x->esize)) < 0)
		return -errno;
	x->cap = cap;
	if (x->n > cap)
		x->n = cap;
	return idx_map(x);
}

int idx_sync(struct idx *x)
{
	int fd = x->fd, ret = 0;

	if (x->map && x->n && msync(x->map, x->n * x->esize, MS_SYNC) < 0)
		return -errno;
	/* A sealed index has no fd: its trimmed size must reach the disk
	 * too, so open it just for the fdatasync. */
	if (fd < 0 && x->path)
		fd = open(x->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fdatasync(fd) < 0)
		ret = -errno;
	if (fd != x->fd)
		close(fd);
	return ret;
}

int idx_seal(struct idx *x)
{
	int ret = idx_resize(x, x->n);

	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	return ret;
}

void idx_close(struct idx *x)
{
	idx_unmap(x);
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	free(x->path);
	x->path = NULL;
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

void oidx_append(struct idx *x, uint32_t rel, uint32_t pos)
{
	assert(x->n < x->cap);
	assert(!x->n || (rel > o_rel(x, x->n - 1) && pos > o_pos(x, x->n - 1)));
	x->n++;
	put_be32(ent(x, x->n - 1), rel);
	put_be32(ent(x, x->n - 1) + 4, pos);
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

bool tidx_maybe_append(struct idx *x, int64_t ts, uint32_t rel)
{
	if (x->n == x->cap || ts <= tidx_last_ts(x))
		return false;
	assert(!x->n || rel >= t_rel(x, x->n - 1));
	x->n++;
	put_be64(ent(x, x->n - 1), (uint64_t)ts);
	put_be32(ent(x, x->n - 1) + 8, rel);
	return true;
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
