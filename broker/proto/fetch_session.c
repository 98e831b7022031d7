/* SPDX-License-Identifier: MIT */
/*
 * fetch_session.c — the fetch session cache (KIP-227; see fetch_session.h).
 *
 * Sessions are found by id in a chained hash and kept in least recently
 * used order on a list, so the stale candidate for eviction is its head.
 * Within a session, partitions sit in an array in the order they joined;
 * two open-addressing indexes (topic key -> topic, (topic, partition) ->
 * partition) are rebuilt whenever the array is compacted, which happens
 * only after a request removed or reordered something: every fetch walks
 * the whole session anyway.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/fetch_session.h"

struct fs_cache {
	int32_t slots;
	int64_t evict_ms;
	int32_t max_parts;
	uint32_t n;
	uint32_t nevictable; /* sessions older than evict_ms when last used */
	struct fsess **buckets;
	uint32_t bmask;
	struct fsess *lru, *mru; /* least and most recently used */
	size_t bytes;
	uint64_t rng;
	uint64_t created, evicted, incremental, refused;
};

/* ---- memory, counted --------------------------------------------------- */

static void *fs_calloc(struct fs_cache *c, size_t n)
{
	void *p = calloc(1, n);
	if (p)
		c->bytes += malloc_usable_size(p);
	return p;
}

static void *fs_realloc(struct fs_cache *c, void *p, size_t n)
{
	size_t old = p ? malloc_usable_size(p) : 0;
	void *q = realloc(p, n);
	if (!q)
		return NULL;
	c->bytes = c->bytes - old + malloc_usable_size(q);
	return q;
}

static void fs_free(struct fs_cache *c, void *p)
{
	if (!p)
		return;
	c->bytes -= malloc_usable_size(p);
	free(p);
}

/* ---- hashing ----------------------------------------------------------- */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t topic_hash(const struct fsess *s, const char *name, size_t nlen,
			   const uint8_t *id)
{
	const uint8_t *p = s->by_id ? id : (const uint8_t *)name;
	size_t n = s->by_id ? 16 : nlen;
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return mix(h);
}

static uint64_t part_hash(uint32_t topic, int32_t part)
{
	return mix(((uint64_t)topic << 32) ^ (uint32_t)part);
}

static bool topic_eq(const struct fsess *s, const struct fs_topic *t,
		     const char *name, size_t nlen, const uint8_t *id)
{
	if (s->by_id)
		return !memcmp(t->id, id, 16);
	return t->name && t->nlen == nlen && !memcmp(t->name, name, nlen);
}

/* ---- the two indexes --------------------------------------------------- */

/* Size *slots for `want` entries (load at most 1/2) and clear it. A
 * table big enough already is kept (shrunk when 4x too big, if memory
 * allows). */
static int index_reset(struct fs_cache *c, uint32_t **slots, uint32_t *mask,
		       uint32_t want)
{
	uint32_t size = 16;
	while (size < 2 * (uint64_t)want)
		size *= 2;
	uint32_t have = *slots ? *mask + 1 : 0;
	if (have < size || have > 4 * size) {
		uint32_t *n = fs_calloc(c, (size_t)size * sizeof(*n));
		if (n) {
			fs_free(c, *slots);
			*slots = n;
			*mask = size - 1;
			return 0;
		}
		if (have < size)
			return -ENOMEM;
	}
	memset(*slots, 0, (size_t)have * sizeof(**slots));
	return 0;
}

static void tindex_add(struct fsess *s, uint32_t t)
{
	const struct fs_topic *tp = &s->topics[t];
	uint32_t i = topic_hash(s, tp->name, tp->nlen, tp->id) & s->tmask;
	while (s->tslot[i])
		i = (i + 1) & s->tmask;
	s->tslot[i] = t + 1;
}

static void pindex_add(struct fsess *s, uint32_t p)
{
	const struct fs_part *pp = &s->parts[p];
	uint32_t i = part_hash(pp->topic, pp->part) & s->pmask;
	while (s->pslot[i])
		i = (i + 1) & s->pmask;
	s->pslot[i] = p + 1;
}

static int tindex_build(struct fs_cache *c, struct fsess *s, uint32_t want)
{
	int rc = index_reset(c, &s->tslot, &s->tmask, want);
	if (rc)
		return rc;
	for (uint32_t t = 0; t < s->nt; t++)
		tindex_add(s, t);
	return 0;
}

static int pindex_build(struct fs_cache *c, struct fsess *s, uint32_t want)
{
	int rc = index_reset(c, &s->pslot, &s->pmask, want);
	if (rc)
		return rc;
	for (uint32_t p = 0; p < s->np; p++)
		pindex_add(s, p);
	return 0;
}

static int64_t topic_find(const struct fsess *s, const char *name, size_t nlen,
			  const uint8_t *id)
{
	if (!s->tslot)
		return -1;
	uint32_t i = topic_hash(s, name, nlen, id) & s->tmask;
	for (; s->tslot[i]; i = (i + 1) & s->tmask)
		if (topic_eq(s, &s->topics[s->tslot[i] - 1], name, nlen, id))
			return s->tslot[i] - 1;
	return -1;
}

static int64_t part_find(const struct fsess *s, uint32_t topic, int32_t part)
{
	if (!s->pslot)
		return -1;
	uint32_t i = part_hash(topic, part) & s->pmask;
	for (; s->pslot[i]; i = (i + 1) & s->pmask) {
		const struct fs_part *p = &s->parts[s->pslot[i] - 1];
		if (p->topic == topic && p->part == part)
			return s->pslot[i] - 1;
	}
	return -1;
}

/* ---- partitions -------------------------------------------------------- */

/* Room in *arr (n used of *cap elements of `size`) for one more. */
static int grow(struct fs_cache *c, void **arr, uint32_t n, uint32_t *cap,
		size_t size)
{
	if (n < *cap)
		return 0;
	uint32_t want = *cap ? *cap * 2 : 8;
	void *a = fs_realloc(c, *arr, (size_t)want * size);
	if (!a)
		return -ENOMEM;
	*arr = a;
	*cap = want;
	return 0;
}

static int64_t topic_add(struct fs_cache *c, struct fsess *s, const char *name,
			 size_t nlen, const uint8_t *id)
{
	if (grow(c, (void **)&s->topics, s->nt, &s->tcap, sizeof(*s->topics)) ||
	    ((s->nt + 1) * 2 > (s->tslot ? s->tmask + 1 : 0) &&
	     tindex_build(c, s, s->nt + 1)))
		return -ENOMEM;
	struct fs_topic *t = &s->topics[s->nt];
	memset(t, 0, sizeof(*t));
	if (s->by_id)
		memcpy(t->id, id, 16);
	if (name) {
		if (!(t->name = fs_calloc(c, nlen + 1)))
			return -ENOMEM;
		memcpy(t->name, name, nlen);
		t->nlen = (uint32_t)nlen;
	}
	tindex_add(s, s->nt);
	return s->nt++;
}

int fs_put(struct fs_cache *c, struct fsess *s, const char *name, size_t nlen,
	   const uint8_t *id, int32_t part, int64_t offset, int32_t max_bytes)
{
	if (!s->by_id && !name)
		return -EINVAL;
	int64_t t = topic_find(s, name, nlen, id);
	int64_t p = t >= 0 ? part_find(s, (uint32_t)t, part) : -1;
	if (p >= 0) {
		struct fs_part *sp = &s->parts[p];
		if (sp->gone) { /* forgotten earlier in the same request */
			if (s->nlive >= (uint32_t)c->max_parts)
				return -E2BIG;
			sp->gone = false;
			sp->hwm = sp->start = -1;
			s->nlive++;
			s->topics[t].live++;
		}
		sp->offset = offset;
		sp->max_bytes = max_bytes;
		return (int)p;
	}
	if (s->nlive >= (uint32_t)c->max_parts)
		return -E2BIG;
	if (t < 0 && (t = topic_add(c, s, name, nlen, id)) < 0) {
		s->dirty = true;
		return (int)t;
	}
	if (grow(c, (void **)&s->parts, s->np, &s->pcap, sizeof(*s->parts)) ||
	    ((s->np + 1) * 2 > (s->pslot ? s->pmask + 1 : 0) &&
	     pindex_build(c, s, s->np + 1)))
		return -ENOMEM;
	struct fs_part *sp = &s->parts[s->np];
	*sp = (struct fs_part){.topic = (uint32_t)t,
			       .part = part,
			       .offset = offset,
			       .max_bytes = max_bytes,
			       .hwm = -1,
			       .start = -1};
	pindex_add(s, s->np);
	s->topics[t].live++;
	s->nlive++;
	return (int)s->np++;
}

void fs_forget(struct fsess *s, const char *name, size_t nlen,
	       const uint8_t *id, int32_t part)
{
	if (!s->by_id && !name)
		return;
	int64_t t = topic_find(s, name, nlen, id);
	int64_t p = t >= 0 ? part_find(s, (uint32_t)t, part) : -1;
	if (p < 0 || s->parts[p].gone)
		return;
	s->parts[p].gone = true;
	s->nlive--;
	s->topics[t].live--;
	s->dirty = true;
}

void fs_settle(struct fs_cache *c, struct fsess *s)
{
	if (!s->dirty)
		return;
	/* Topics no partition names any more go; without memory for the
	 * renumbering they stay (harmless, and tried again next time). */
	uint32_t *remap = fs_calloc(c, (size_t)(s->nt ? s->nt : 1) * 4);
	uint32_t nt = 0;
	for (uint32_t i = 0; i < s->nt; i++) {
		if (remap && !s->topics[i].live) {
			fs_free(c, s->topics[i].name);
			continue;
		}
		if (remap)
			remap[i] = nt;
		s->topics[nt++] = s->topics[i];
	}
	s->nt = nt;
	/* Partitions that had records go last, in their order (without
	 * memory for that they keep their place). */
	uint32_t nmoved = 0;
	for (uint32_t i = 0; i < s->np; i++)
		nmoved += !s->parts[i].gone && s->parts[i].moved;
	struct fs_part *tail =
	    nmoved ? fs_calloc(c, (size_t)nmoved * sizeof(*tail)) : NULL;
	uint32_t n = 0, k = 0;
	for (uint32_t i = 0; i < s->np; i++) {
		struct fs_part p = s->parts[i];
		if (p.gone)
			continue;
		if (remap)
			p.topic = remap[p.topic];
		if (p.moved && tail) {
			p.moved = false;
			tail[k++] = p;
			continue;
		}
		p.moved = false;
		s->parts[n++] = p;
	}
	if (k)
		memcpy(&s->parts[n], tail, (size_t)k * sizeof(*tail));
	s->np = n + k;
	fs_free(c, tail);
	fs_free(c, remap);
	if (s->pcap > 16 && s->pcap > 4 * s->np) {
		uint32_t cap = s->np > 8 ? s->np : 8;
		struct fs_part *p =
		    fs_realloc(c, s->parts, (size_t)cap * sizeof(*p));
		if (p) {
			s->parts = p;
			s->pcap = cap;
		}
	}
	/* Neither grows: the tables fit already. */
	tindex_build(c, s, s->nt);
	pindex_build(c, s, s->np);
	s->dirty = false;
}

/* ---- the cache --------------------------------------------------------- */

int fs_cache_new(struct fs_cache **out, int32_t slots, int64_t evict_ms,
		 int32_t max_parts)
{
	struct fs_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	uint32_t nb = 16;
	while (nb < (uint32_t)(slots > 0 ? slots : 0) && nb < (1u << 16))
		nb *= 2;
	c->buckets = fs_calloc(c, (size_t)nb * sizeof(*c->buckets));
	if (!c->buckets) {
		free(c);
		return -ENOMEM;
	}
	c->bmask = nb - 1;
	c->slots = slots;
	c->evict_ms = evict_ms;
	c->max_parts = max_parts;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	c->rng = mix((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
		     (uintptr_t)c) |
		 1;
	*out = c;
	return 0;
}

void fs_cache_free(struct fs_cache *c)
{
	if (!c)
		return;
	while (c->lru)
		fs_remove(c, c->lru);
	fs_free(c, c->buckets);
	free(c);
}

void fs_cache_stats(const struct fs_cache *c, struct fs_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!c)
		return;
	st->sessions = c->n;
	for (const struct fsess *s = c->lru; s; s = s->next)
		st->partitions += s->nlive;
	st->bytes = c->bytes;
	st->created = c->created;
	st->evicted = c->evicted;
	st->incremental = c->incremental;
	st->refused = c->refused;
}

void fs_count_incremental(struct fs_cache *c)
{
	c->incremental++;
}

struct fsess *fs_get(struct fs_cache *c, int32_t id)
{
	struct fsess *s = c->buckets[mix((uint32_t)id) & c->bmask];
	while (s && s->id != id)
		s = s->hnext;
	return s;
}

static void lru_unlink(struct fs_cache *c, struct fsess *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		c->lru = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		c->mru = s->prev;
	s->prev = s->next = NULL;
}

static void lru_append(struct fs_cache *c, struct fsess *s)
{
	s->prev = c->mru;
	s->next = NULL;
	if (c->mru)
		c->mru->next = s;
	else
		c->lru = s;
	c->mru = s;
}

void fs_remove(struct fs_cache *c, struct fsess *s)
{
	struct fsess **pp = &c->buckets[mix((uint32_t)s->id) & c->bmask];
	while (*pp && *pp != s)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = s->hnext;
	lru_unlink(c, s);
	c->nevictable -= s->evictable;
	for (uint32_t i = 0; i < s->nt; i++)
		fs_free(c, s->topics[i].name);
	fs_free(c, s->topics);
	fs_free(c, s->parts);
	fs_free(c, s->tslot);
	fs_free(c, s->pslot);
	fs_free(c, s);
	c->n--;
}

/* Make room for a session of `size` partitions, as Kafka's
 * FetchSessionCache.tryEvict: a stale session first, else a less
 * valuable one that is not new. */
static bool try_evict(struct fs_cache *c, uint32_t size, int64_t now)
{
	struct fsess *best = NULL;
	if (!c->lru)
		return false;
	if (now - c->lru->used_ms > c->evict_ms) {
		best = c->lru;
	} else if (c->nevictable) { /* else none could go: no walk */
		for (struct fsess *s = c->lru; s; s = s->next) {
			if (!s->evictable)
				continue;
			if (!best || s->nlive < best->nlive ||
			    (s->nlive == best->nlive && s->id < best->id))
				best = s;
		}
		if (!best || size <= best->nlive)
			return false;
	} else {
		return false;
	}
	fs_remove(c, best);
	c->evicted++;
	return true;
}

static int32_t new_id(struct fs_cache *c)
{
	for (;;) {
		c->rng ^= c->rng << 13;
		c->rng ^= c->rng >> 7;
		c->rng ^= c->rng << 17;
		int32_t id = (int32_t)(c->rng >> 33);
		if (id != FS_INVALID_ID && !fs_get(c, id))
			return id;
	}
}

struct fsess *fs_create(struct fs_cache *c, int64_t now, bool by_id,
			uint32_t size)
{
	if (c->slots <= 0 || size > (uint32_t)c->max_parts ||
	    (c->n >= (uint32_t)c->slots && !try_evict(c, size, now))) {
		c->refused++;
		return NULL;
	}
	struct fsess *s = fs_calloc(c, sizeof(*s));
	if (!s) {
		c->refused++;
		return NULL;
	}
	s->id = new_id(c);
	s->epoch = fs_next_epoch(FS_INITIAL_EPOCH);
	s->by_id = by_id;
	s->created_ms = s->used_ms = now;
	struct fsess **b = &c->buckets[mix((uint32_t)s->id) & c->bmask];
	s->hnext = *b;
	*b = s;
	lru_append(c, s);
	c->n++;
	c->created++;
	return s;
}

void fs_touch(struct fs_cache *c, struct fsess *s, int64_t now)
{
	s->used_ms = now;
	lru_unlink(c, s);
	lru_append(c, s);
	if (!s->evictable && now - s->created_ms > c->evict_ms) {
		s->evictable = true;
		c->nevictable++;
	}
}

int32_t fs_next_epoch(int32_t epoch)
{
	if (epoch < 0)
		return FS_FINAL_EPOCH;
	return epoch == INT32_MAX ? 1 : epoch + 1;
}
