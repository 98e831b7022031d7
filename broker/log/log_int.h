/* SPDX-License-Identifier: MIT */
/*
 * log_int.h — what the files of broker/log share and nobody else sees:
 * big-endian accessors, the mmap'ed sparse indexes (index.c), one segment
 * (segment.c), the batch scanner over a segment file, and the recovery
 * entry points (recovery.c) that plog.c calls while opening a partition.
 */
#ifndef BROKER_LOG_INT_H
#define BROKER_LOG_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fdcache.h"
#include "log.h"

/* ---- byte order: Kafka's files and batches are big-endian ------------ */

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, (uint32_t)v);
}

/* Zig-zag varint as records use it; writes at most 10 bytes at p. The
 * broker only decodes records, but its tests and benchmarks build them. */
static inline size_t put_varint(uint8_t *p, int64_t v)
{
	uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	size_t n = 0;

	while (u >= 0x80) {
		p[n++] = (uint8_t)(u | 0x80);
		u >>= 7;
	}
	p[n++] = (uint8_t)u;
	return n;
}

/* crc32c.c: the table path alone, so tests can check it on SSE4.2 CPUs. */
uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len);

/* ---- index.c: one mmap'ed index file ---------------------------------- */

#define OIDX_ENTRY 8  /* relative offset i32, position i32 */
#define TIDX_ENTRY 12 /* timestamp i64, relative offset i32 */

struct idx {
	uint8_t *map; /* cap * esize bytes, NULL when cap == 0 */
	size_t cap;   /* entries the file (and mapping) can hold */
	size_t n;     /* valid entries, n <= cap */
	uint32_t esize;
	struct lfd lf; /* the file (its descriptor comes and goes) */
	bool open;     /* takes entries: its segment is active */
	bool ragged;   /* file length was not a multiple of esize */
};

/* Open (or create, or empty when `reset`) the index at path; an existing
 * file is taken as full: n = length / esize, as Kafka does. */
int idx_open(struct idx *x, const char *path, uint32_t esize, bool reset);
/* Grow or shrink the file and the mapping to hold cap entries. */
int idx_resize(struct idx *x, size_t cap);
/* Trim the file to its n entries; no more entries (mapping stays). */
int idx_seal(struct idx *x);
int idx_sync(struct idx *x);
void idx_close(struct idx *x);
/* Whether the entries are ordered and inside [0, limit_rel] / seg_size. */
bool oidx_sane(const struct idx *x, uint64_t seg_size);
bool tidx_sane(const struct idx *x);

/* Write one entry (pwrite): 0, or -errno with the index unchanged. */
int oidx_append(struct idx *x, uint32_t rel, uint32_t pos);
/* Position of the largest entry with relative offset <= rel, else 0. */
uint32_t oidx_lookup(const struct idx *x, uint32_t rel);
/* Position of the largest entry with position <= pos, else 0. */
uint32_t oidx_floor_pos(const struct idx *x, uint32_t pos);
uint32_t oidx_last_pos(const struct idx *x);
/* Entry i < n: relative offset and position. */
void oidx_entry(const struct idx *x, size_t i, uint32_t *rel, uint32_t *pos);
uint32_t oidx_last_rel(const struct idx *x);

/* Append (ts, rel) if ts is above the last entry's: 1 if it did, 0 if not,
 * -errno when the write failed (the index is unchanged). */
int tidx_maybe_append(struct idx *x, int64_t ts, uint32_t rel);
int64_t tidx_last_ts(const struct idx *x); /* -1 when empty */
uint32_t tidx_last_rel(const struct idx *x);
/* Relative offset of the largest entry with timestamp <= ts, else 0. */
uint32_t tidx_lookup(const struct idx *x, int64_t ts);

/* ---- segment.c: one .log with its two indexes ------------------------- */

struct seg {
	int64_t base;	    /* base offset: the file name */
	int64_t next;	    /* offset after its last batch (base if empty) */
	uint64_t size;	    /* bytes of whole, valid batches */
	int64_t max_ts;	    /* largest batch MaxTimestamp, -1 none */
	int64_t max_ts_off; /* last offset of the batch holding max_ts */
	int64_t roll_ts;    /* first batch's MaxTimestamp, or creation time */
	/* roll_ts came from the first batch: log.roll.ms is then measured
	 * in the records' own time (Kafka's LogSegment.shouldRoll). */
	bool roll_by_batch;
	int64_t born_ms; /* wall clock when made or loaded (maintain's roll) */
	uint64_t since_index; /* bytes appended since the last index entry */
	struct lfd lf;	      /* the .log, O_RDWR, opened on demand */
	int refs;	      /* the plog's + one per live plog_slice */
	bool active;
	bool index_suspect; /* a lookup found an entry that disagrees */
	bool lazy;	    /* empty, and no file made yet */
	struct idx oi, ti;
	char *path; /* DIR/<20-digit base>, no suffix */
};

/* The .log's descriptor (reopened if the cache closed it), or -errno. */
static inline int seg_fd(struct seg *s)
{
	return lfd_get(&s->lf);
}

/* Path of one of the segment's files: suffix ".log", ".index", ... */
int seg_file(const struct seg *s, const char *suffix, char *buf, size_t n);
/* Open (creating when asked) the segment; indexes are opened as they are
 * (*bad_index set if missing or not sane) or emptied when `reset`. */
int seg_open(struct seg **out, const char *dir, int64_t base, bool create,
	     bool reset, bool *bad_index);
/* An empty active segment whose files are made by seg_materialize at
 * the first append: creating thousands of partitions costs no files. */
int seg_new_lazy(struct seg **out, const char *dir, int64_t base);
int seg_materialize(struct seg *s, const struct log_config *cfg);
/* Fill next/max_ts/roll_ts of a segment whose indexes are trusted. */
int seg_load_stats(struct seg *s);
/* Make it the active segment: indexes grown to their maximum. */
int seg_activate(struct seg *s, const struct log_config *cfg);
/* No more appends: final time-index entry, indexes trimmed and sealed. */
int seg_deactivate(struct seg *s);
/* Write one batch whose BaseOffset is already stamped; indexes per rule. */
int seg_append(struct seg *s, const uint8_t *buf, size_t len,
	       const struct batch_info *bi, uint32_t index_interval);
/* Record an appended (or recovered) batch at pos in the indexes/stats. */
void seg_note_batch(struct seg *s, uint64_t pos, const struct batch_info *bi,
		    uint32_t index_interval);
bool seg_index_full(const struct seg *s);
int seg_sync(struct seg *s);
/* Position of the batch holding offset (its header in *bi), or -ENOENT
 * when offset is past the segment's last batch. Index entries are only
 * trusted when the batch they lead to holds the offset; otherwise the
 * segment is scanned and index_suspect set. */
int64_t seg_find(struct seg *s, int64_t offset, struct batch_info *bi);
/* Whether the offset-index entries name batch starts whose last offset is
 * the entry's offset (one header read per entry; at most 4096 entries,
 * spread evenly, and the last). */
bool seg_index_agrees(struct seg *s);
int64_t seg_largest_ts(struct seg *s); /* max_ts, else mtime */
void seg_unlink(struct seg *s);
void seg_get(struct seg *s);
void seg_put(struct seg *s);

/* A forward reader of batches in a segment file, buffered so a scan does
 * not cost one pread per header. */
struct bscan {
	int fd;
	uint64_t pos, end; /* next batch position, stop position */
	uint8_t *buf;
	size_t cap;
	uint64_t bpos; /* file position of buf[0] */
	size_t blen;
};

void bscan_init(struct bscan *b, int fd, uint64_t pos, uint64_t end);
void bscan_free(struct bscan *b);
/* Next batch: 1 and its header (and, when whole != NULL, a pointer to all
 * of its bytes, valid until the next call), 0 at the end, -EBADMSG for a
 * header that cannot be a batch or runs past `end`, other -errno. */
int bscan_next(struct bscan *b, struct batch_info *bi, const uint8_t **whole);

/* ---- plog.c, plog_read.c, retention.c: one partition's log ------------ */

struct plog {
	char *dir;
	struct log_config cfg;
	struct seg **segs;
	size_t nseg, cap;
	int64_t start, end;
	uint64_t total;
	int64_t unflushed;    /* records appended since the last flush */
	int64_t unflushed_ms; /* time of the oldest unflushed append, -1 */
	int64_t rp;	      /* segments below it are known synced */
	int64_t rp_disk;      /* the recovery point in the file */
	int64_t rp_pending;   /* rp once the segments below it are synced */
	int offline;	      /* -errno of a failed sync, or 0 */
};

static inline struct seg *pl_active(const struct plog *l)
{
	return l->segs[l->nseg - 1];
}

/* Index of the last segment with base <= offset (0 if none). */
size_t pl_seg_floor(const struct plog *l, int64_t offset);
/* Close the active segment and start a new one at the end offset. */
int pl_roll(struct plog *l);
/* Make the active segment's files (and their directory entries durable)
 * if it has none yet. */
int pl_materialize(struct plog *l);
/* fdatasync the segments from the one holding rp up to base limit. */
int pl_sync_below(struct plog *l, int64_t limit);
/* Remove the first k segments (rolling first when that is all of them);
 * `why` names the cause in the notify line. Returns k or -errno. */
int pl_delete_front(struct plog *l, size_t k, const char *why);
/* Rebuild the indexes of segments whose lookups found damage. */
int pl_reindex(struct plog *l);

/* ---- recovery.c ------------------------------------------------------- */

#define CLEAN_MARKER   ".zcbroker_cleanshutdown"
#define RECOVERY_FILE  ".zcbroker_recovery_point"
#define PARTITION_META "partition.metadata" /* the topic ID (topic_id.c) */
#define LOG_START_FILE ".zcbroker_log_start_offset" /* log_start.c */

/* Re-validate every batch of s (CRC, offsets), truncate at the first bad
 * one, rebuild both indexes. Returns the bytes cut (>= 0) or -errno. */
int64_t seg_recover(struct seg *s, const struct log_config *cfg);
/* Whether the partition in dir was closed cleanly; removes the marker
 * durably so that a crash from now on counts as unclean. */
int recovery_take_marker(const char *dir, bool *clean);
int recovery_put_marker(const char *dir);
/* Offset below which every segment is known flushed (0 if unknown). */
int64_t recovery_point_read(const char *dir);
int recovery_point_write(const char *dir, int64_t offset);
/* The offset written as text in dir/name; 0 when missing or unreadable. */
int64_t offset_file_read(const char *dir, const char *name);
/* plog.c: mkdir -p. */
int log_mkdir_p(const char *dir);
/* fsync a directory so that creations/renames/unlinks in it are durable. */
int log_dir_sync(const char *dir);
/* Replace dir/name with `text` atomically and durably (a temporary file,
 * synced, renamed, the directory synced). */
int log_write_atomic(const char *dir, const char *name, const char *text);

/* topic_id.c: a topic's 16-byte ID in a partition directory. tid_load
 * returns -ENOENT when there is none, -EINVAL when the file is damaged. */
int tid_new(uint8_t id[16]);
int tid_load(const char *pdir, uint8_t id[16]);
int tid_store(const char *pdir, const uint8_t id[16]);
void tid_to_text(const uint8_t id[16], char out[23]);
int tid_from_text(const char *s, uint8_t id[16]);

#endif /* BROKER_LOG_INT_H */
