/* SPDX-License-Identifier: MIT */
/*
 * fetch_session.h — incremental fetch sessions (KIP-227): the cache of
 * sessions and what each remembers of its partitions. Knows neither the
 * wire nor the clock: callers pass `now` (ms, monotonic).
 *
 * A session is a list of partitions in order (topic, partition, the
 * client's fetch offset and max bytes, and the high watermark and log
 * start offset last answered), found by (topic, partition) through an
 * index. Sessions by topic ID (Fetch v13+) keep each topic's ID and the
 * name it had when it joined; older ones keep names.
 *
 * The cache holds at most `slots` sessions. When full, a new one may
 * evict, as Kafka's FetchSessionCache does: the least recently used
 * session if it has been idle longer than the eviction time; else the
 * smallest (fewest partitions, then lowest id) of the sessions that were
 * older than the eviction time when last used, if the new one has more
 * partitions. Otherwise no session is made and the client fetches
 * without one. Every byte a session holds is counted and returned when
 * it goes.
 */
#ifndef BROKER_PROTO_FETCH_SESSION_H
#define BROKER_PROTO_FETCH_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FS_INVALID_ID	 0
#define FS_INITIAL_EPOCH 0
#define FS_FINAL_EPOCH	 (-1)

struct fs_topic {
	char *name;	/* NULL: unknown ID when it joined */
	uint8_t id[16]; /* sessions by ID */
	int32_t live;	/* partitions naming it */
	uint32_t remap; /* while compacting */
	uint32_t nlen;
};

struct fs_part {
	uint32_t topic; /* index into the session's topics */
	int32_t part;
	int64_t offset; /* the client's fetch offset */
	int32_t max_bytes;
	int64_t hwm;   /* answered last; -1: answer it again */
	int64_t start; /* log start offset answered last */
	bool gone;     /* forgotten, dropped by fs_settle */
	bool moved;    /* had records: to the end by fs_settle */
};

struct fsess {
	int32_t id;
	int32_t epoch; /* what the next incremental request must carry */
	bool by_id;
	int64_t created_ms, used_ms;
	struct fs_part *parts;
	uint32_t np, pcap, nlive;
	struct fs_topic *topics;
	uint32_t nt, tcap;
	uint32_t *pslot, *tslot; /* open addressing: index + 1, 0 empty */
	uint32_t pmask, tmask;
	bool dirty;	/* something for fs_settle */
	bool evictable; /* older than the eviction time when last used */
	struct fsess *hnext, *prev, *next;
};

struct fs_cache;

struct fs_stats {
	uint32_t sessions;
	uint64_t partitions; /* cached, in every session */
	size_t bytes;	     /* held by sessions and the cache's tables */
	uint64_t created, evicted, incremental, refused;
};

int fs_cache_new(struct fs_cache **out, int32_t slots, int64_t evict_ms,
		 int32_t max_parts);
void fs_cache_free(struct fs_cache *c);
void fs_cache_stats(const struct fs_cache *c, struct fs_stats *st);
/* Count one incremental fetch served (for fs_stats). */
void fs_count_incremental(struct fs_cache *c);

struct fsess *fs_get(struct fs_cache *c, int32_t id);
void fs_remove(struct fs_cache *c, struct fsess *s);
/* A new empty session for `size` partitions, evicting if needed; NULL
 * when the cache has no room (or size is past max_parts, or memory). */
struct fsess *fs_create(struct fs_cache *c, int64_t now, bool by_id,
			uint32_t size);
/* Mark s used now (the caller moves its epoch on). */
void fs_touch(struct fs_cache *c, struct fsess *s, int64_t now);
int32_t fs_next_epoch(int32_t epoch);

/* Add a partition or update its fetch offset and max bytes. The topic is
 * its ID in sessions by ID (name: what it is called now, or NULL), else
 * its name. Returns the partition's index, -E2BIG past max_parts,
 * -ENOMEM. */
int fs_put(struct fs_cache *c, struct fsess *s, const char *name, size_t nlen,
	   const uint8_t *id, int32_t part, int64_t offset, int32_t max_bytes);
/* Forget a partition (nothing if the session does not hold it). */
void fs_forget(struct fsess *s, const char *name, size_t nlen,
	       const uint8_t *id, int32_t part);
/* Drop forgotten partitions and move those that had records to the end
 * (so the others get the response's room first next time). */
void fs_settle(struct fs_cache *c, struct fsess *s);

#endif /* BROKER_PROTO_FETCH_SESSION_H */
