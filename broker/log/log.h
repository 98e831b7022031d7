/* SPDX-License-Identifier: MIT */
/*
 * log.h — the broker's storage, laid out exactly as Kafka lays it out.
 *
 *   DIR/<topic>-<partition>/00000000000000000000.log        record batches
 *   DIR/<topic>-<partition>/00000000000000000000.index      8-byte entries
 *   DIR/<topic>-<partition>/00000000000000000000.timeindex  12-byte entries
 *
 * Three objects:
 *   struct plog      one partition's log: a list of segments, appended to
 *                    at the end, read through mmap'ed sparse indexes, rolled
 *                    on size/time, trimmed by retention, recovered after an
 *                    unclean stop;
 *   struct topics    the set of topics in DIR and their partition logs;
 *   struct offstore  committed consumer-group offsets, persisted as a log of
 *                    their own (DIR/__consumer_offsets/) so they survive
 *                    restarts and crashes.
 * Plus the record-batch checks (batch.c) and CRC-32C (crc32c.c).
 *
 * Every call returns 0 / a count / an offset on success or -errno. Nothing
 * here touches sockets: a fetch gets a struct plog_slice (fd, position,
 * length) and the network code sends it with libzcio.
 */
#ifndef BROKER_LOG_H
#define BROKER_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Settings, with Kafka's names and defaults. */
struct log_config {
	uint64_t segment_bytes;		 /* log.segment.bytes, 1 GiB */
	int64_t segment_ms;		 /* log.roll.ms, 7 days */
	int64_t retention_ms;		 /* log.retention.ms, 7 days; -1 off */
	int64_t retention_bytes;	 /* log.retention.bytes, -1 off */
	uint32_t index_interval_bytes;	 /* log.index.interval.bytes, 4096 */
	uint32_t index_max_bytes;	 /* log.index.size.max.bytes, 10 MiB */
	int64_t flush_interval_messages; /* log.flush.interval.messages,
					    INT64_MAX: never by count */
	int64_t flush_interval_ms;	 /* log.flush.interval.ms, INT64_MAX */
	uint32_t max_message_bytes;	 /* message.max.bytes, 1 MiB + 12 */
	/* zc.message.max.decompressed.bytes, 64 MiB: how far a compressed
	 * batch may expand while produce checks its records. */
	uint64_t max_decompressed_bytes;
	int32_t max_partitions;		    /* max.partitions, 10000 */
	int32_t max_partitions_per_request; /* max.partitions.per.request,
					       5000 */
	uint32_t max_open_files; /* log.max.open.files, 1000 (at most half
				    of RLIMIT_NOFILE) */
	/* fdatasync a segment before its successor is created (durable
	 * acks: a power cut must not leave a later segment's name on disk
	 * while an earlier one's tail is gone). Off by default. */
	bool sync_on_roll;
	/* Told of notable events for the broker's log lines (a segment
	 * rolled, one deleted by retention); NULL for silence. `dir` is the
	 * partition's directory, `base` the segment's base offset. */
	void (*notify)(const char *dir, const char *event, int64_t base);
};

/* Fill with Kafka's defaults. */
void log_config_defaults(struct log_config *cfg);

/* ---- record batches (magic 2) --------------------------------------- */

#define BATCH_HEADER_SIZE 61

struct batch_info {
	int64_t base_offset;
	uint32_t size; /* whole batch: 12 + Length */
	int16_t attributes;
	int32_t last_offset_delta;
	int64_t base_timestamp;
	int64_t max_timestamp;
	int64_t producer_id;
	int16_t producer_epoch;
	int32_t base_sequence;
	int32_t record_count;
};

/*
 * Check one batch of exactly `len` bytes as Kafka's produce path does:
 * magic 2, Length + 12 == len, CRC-32C over attributes..end,
 * lastOffsetDelta + 1 == recordCount > 0, not a control batch.
 * Returns 0 and fills *bi, or -EBADMSG (CRC mismatch: CORRUPT_MESSAGE),
 * -EINVAL (malformed: INVALID_RECORD), -EMSGSIZE (len > max).
 */
int batch_validate(const uint8_t *buf, size_t len, uint32_t max_bytes,
		   struct batch_info *bi);

/*
 * Check the records of a batch that passed batch_validate, as Kafka's
 * broker does before appending: every record's varints, lengths, offset
 * deltas (0, 1, 2...), timestamp deltas, key/value/header lengths and
 * header counts; exactly RecordCount records filling the batch. A
 * compressed batch is decompressed (gzip, snappy raw or xerial-framed,
 * lz4 frame, zstd) into at most max_decompressed bytes. Returns 0,
 * -EINVAL (malformed records: INVALID_RECORD), -EBADMSG (a compressed
 * stream that does not decompress: CORRUPT_MESSAGE), -EMSGSIZE (larger
 * than max_decompressed once decompressed), -ENOMEM.
 */
int batch_check(const uint8_t *buf, size_t len, const struct batch_info *bi,
		uint64_t max_decompressed);
/* The records of a compressed batch, decompressed into a new buffer
 * (*out, free() it) of at most max_decompressed bytes. Errors as
 * batch_check; -EINVAL for an uncompressed batch or an empty result. */
int batch_decompress(const uint8_t *buf, size_t len,
		     const struct batch_info *bi, uint64_t max_decompressed,
		     uint8_t **out, size_t *out_len);
/* The uncompressed records part alone (len bytes at rec). */
int batch_check_records(const uint8_t *rec, size_t len,
			const struct batch_info *bi);

/* Parse only the header of the batch at buf (at least 61 bytes). */
int batch_header(const uint8_t *buf, size_t len, struct batch_info *bi);

uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

/* ---- one partition's log -------------------------------------------- */

struct plog;

/* A part of one segment to send: whole batches from `pos`, `len` bytes.
 * Holds a reference on the segment so retention cannot close `fd` while a
 * fetch is sending it; release it when the bytes are out. */
struct plog_slice {
	int fd;
	off_t pos;
	size_t len;
	int64_t first_offset; /* base offset of the first batch in it */
	void *ref;	      /* private */
};

/* Open (creating the directory if needed) and recover if the last stop was
 * unclean: every segment after the last clean point is checked batch by
 * batch (CRC), a torn tail is truncated, indexes are rebuilt. */
int plog_open(struct plog **out, const char *dir, const struct log_config *cfg);

/* Flush, trim the indexes to their entries, mark clean, free. */
void plog_close(struct plog *l);

/* Append one validated batch (buf is modified: BaseOffset is rewritten to
 * the log end offset, PartitionLeaderEpoch to 0). Rolls first if needed.
 * Flushes per log.flush.interval.messages. Returns the base offset
 * assigned (>= 0) or -errno (-EMSGSIZE: larger than a segment; a failed
 * write leaves the log as it was; a failed flush returns -errno with the
 * batch already in the log). */
int64_t plog_append(struct plog *l, uint8_t *batch, size_t len,
		    const struct batch_info *bi, int64_t now_ms);

int64_t plog_start_offset(const struct plog *l); /* log start offset */
int64_t plog_end_offset(const struct plog *l);	 /* next offset = HWM */
uint64_t plog_size_bytes(const struct plog *l);

/*
 * Find the bytes for a fetch at `offset`: binary search of the mmap'ed
 * index, then a scan of batch headers; the slice starts at the batch that
 * contains `offset` and holds whole batches up to max_bytes, but always at
 * least the first batch whole (Kafka's minOneMessage). Returns 0 with
 * s->len == 0 when offset == end offset, -ERANGE when offset is outside
 * [start, end].
 */
int plog_read(struct plog *l, int64_t offset, size_t max_bytes,
	      struct plog_slice *s);
void plog_slice_release(struct plog_slice *s);
/* A second reference to the slice's segment (released on its own). */
void plog_slice_dup(struct plog_slice *copy, const struct plog_slice *s);

/* ListOffsets: -1 latest (end), -2 earliest (start), else the first offset
 * whose record timestamp >= ts, or -1 if none: the time index finds the
 * batch, whose records are walked (a compressed one is decompressed for
 * this lookup only), as Kafka answers. */
int64_t plog_offset_for_time(struct plog *l, int64_t ts);
/* The same, with that record's timestamp in *found_ts (-1 when none;
 * the batch's MaxTimestamp under LogAppendTime). */
int64_t plog_find_time(struct plog *l, int64_t ts, int64_t *found_ts);
/* ListOffsets -3 (KIP-734): the first record with the log's largest
 * timestamp, that timestamp in *found_ts; -1 for a log without any. */
int64_t plog_max_time(struct plog *l, int64_t *found_ts);

/*
 * Visit, oldest first, the headers of the batches in the last max_bytes
 * of the log (rounded back to a batch the offset index knows, so a little
 * more may be visited; the whole log when it is smaller). For rebuilding
 * state kept beside the log, such as idempotent producers' sequences,
 * after a restart. Returns the number of batches visited or -errno.
 */
long plog_scan_tail(struct plog *l, uint64_t max_bytes,
		    void (*fn)(const struct batch_info *bi, void *arg),
		    void *arg);

/*
 * DeleteRecords: move the log start offset up to `offset` (-1: the end
 * offset, the high watermark). The new start is written durably (a file
 * in the partition directory, replaced atomically) before it is used;
 * segments wholly below it are deleted as retention deletes them, and a
 * fetch below it is out of range. An offset below today's start changes
 * nothing. Returns the start offset after the call (the low watermark),
 * -ERANGE for an offset past the end or below -1, other -errno for a
 * write that failed (then nothing changed).
 */
int64_t plog_delete_records(struct plog *l, int64_t offset);

/* fdatasync the active segment (and indexes). */
int plog_flush(struct plog *l);

/* For group commit (flusher.h): the descriptor of the active segment,
 * which holds every byte appended since the last roll (sync_on_roll made
 * the earlier segments durable). Indexes need no sync for acknowledged
 * data: recovery rebuilds them from the log after an unclean stop. */
int plog_active_fd(const struct plog *l);

/* A failed sync: the page cache may hold bytes the disk never got, so
 * the partition refuses appends (KAFKA_STORAGE_ERROR) until a restart's
 * recovery has re-read it. err is the sync's -errno; 0 while online. */
void plog_set_offline(struct plog *l, int err);
int plog_offline(const struct plog *l);

/* Time-based roll and retention (by time and size, whole segments, never
 * the active one unless empty-rolling is needed). Call periodically.
 * Returns the number of segments deleted, or -errno. */
int plog_maintain(struct plog *l, int64_t now_ms);

/* Delete every file of the partition (DeleteTopics). Frees l. */
int plog_destroy(struct plog *l);

/* ---- topics ---------------------------------------------------------- */

struct topics;

/* Load every DIR/<topic>-<n>/ there is (topic names may contain '-'; the
 * partition is the number after the last '-'). */
int topics_open(struct topics **out, const char *dir,
		const struct log_config *cfg);
void topics_close(struct topics *t);

/* Kafka's topic-name rule: 1..249 chars of [a-zA-Z0-9._-], not "." or "..".
 * Names starting with "__" are reserved for the broker. */
bool topics_valid_name(const char *name);

/* -EEXIST if present, -EINVAL bad name or partitions < 1, -EDQUOT when
 * the broker would hold more than max.partitions. Creation makes the
 * directories only (segment files come with the first batch); a failed
 * creation leaves nothing behind. */
int topics_create(struct topics *t, const char *name, int32_t partitions);
/* A topic being created is deleted too: its creation ends with -ENOENT. */
int topics_delete(struct topics *t, const char *name); /* -ENOENT */

/* Creation that does not hold the caller up: a topic of more than
 * TOPICS_STEP partitions is queued and returns 1; its directories are made
 * by topics_step() calls, and done(arg, 0 or -errno) reports the end
 * (-ENOENT: deleted meanwhile, -ECANCELED: topics_close). Until then the
 * topic is invisible to every lookup below but its name and partitions are
 * taken. Smaller topics are made at once (0 or -errno, done not called). */
#define TOPICS_STEP 64
typedef void (*topics_done_fn)(void *arg, int rc);
int topics_create_start(struct topics *t, const char *name, int32_t partitions,
			topics_done_fn done, void *arg);
/* Make up to `budget` partitions of queued creations; true while any
 * remain. */
bool topics_step(struct topics *t, int32_t budget);

/* CreatePartitions: grow a topic to `partitions` (more than it has).
 * -ENOENT no such topic (or one still being created), -EINVAL not more
 * than today, -EDQUOT past max.partitions, -EBUSY already growing. New
 * partition directories are made as creation makes them, at the end of
 * the topic (a crash half way leaves a topic of the partitions made);
 * they become visible together. topics_grow_start queues a growth of
 * more than TOPICS_STEP partitions as topics_create_start does (1, then
 * done(arg, rc) from topics_step; a deletion of the topic meanwhile
 * ends it with -ENOENT). */
int topics_grow(struct topics *t, const char *name, int32_t partitions);
int topics_grow_start(struct topics *t, const char *name, int32_t partitions,
		      topics_done_fn done, void *arg);

/* Partition count, or -ENOENT. */
int32_t topics_partitions(const struct topics *t, const char *name);
/* The partition's log, or NULL. */
struct plog *topics_log(struct topics *t, const char *name, int32_t part);
/* Iterate: the i-th topic name (sorted), NULL past the end. */
const char *topics_name(const struct topics *t, size_t i);
/* A topic's 16-byte ID (KIP-516), or NULL when there is no such topic;
 * and the topic of an ID, or NULL. */
const uint8_t *topics_id(const struct topics *t, const char *name);
const char *topics_by_id(const struct topics *t, const uint8_t id[16]);
size_t topics_count(const struct topics *t);
/* Partitions held, those being created included (max.partitions). */
int64_t topics_total_partitions(const struct topics *t);

/* Run plog_maintain / plog_flush (by flush.interval.ms) on every log. */
void topics_maintain(struct topics *t, int64_t now_ms);

/* ---- committed group offsets ----------------------------------------- */

struct offstore;

/* dir: the log directory (the store goes to dir/__consumer_offsets/), or
 * that __consumer_offsets directory itself; both are accepted. */
int offstore_open(struct offstore **out, const char *dir);
void offstore_close(struct offstore *s);

/* Record a commit durably (appended with a CRC, fdatasync'ed); the newest
 * commit for (group, topic, partition) wins, also after a restart. */
int offstore_commit(struct offstore *s, const char *group, const char *topic,
		    int32_t partition, int64_t offset, const char *metadata);

/* 0 and the committed offset (metadata may be NULL to ignore it), or
 * -ENOENT when nothing was committed. `metadata` points into the store and
 * stays valid until the next commit. */
int offstore_fetch(struct offstore *s, const char *group, const char *topic,
		   int32_t partition, int64_t *offset, const char **metadata);

/* Visit every committed (topic, partition) of a group (OffsetFetch with a
 * null topic list). */
void offstore_each(struct offstore *s, const char *group,
		   void (*fn)(const char *topic, int32_t partition,
			      int64_t offset, const char *metadata, void *arg),
		   void *arg);

/* Forget committed offsets durably (DeleteGroups, OffsetDelete): a
 * tombstone record per key, appended and synced as commits are (deferred
 * too). offstore_delete: 1 if there was an offset, 0 if not;
 * offstore_delete_group: how many it deleted (one write for all); or
 * -errno, nothing deleted. */
int offstore_delete(struct offstore *s, const char *group, const char *topic,
		    int32_t partition);
int offstore_delete_group(struct offstore *s, const char *group);
/* Whether the group has committed offsets. */
bool offstore_has_group(const struct offstore *s, const char *group);

/* Names of groups with committed offsets (ListGroups after a restart):
 * fills up to max names, returns how many it filled. */
size_t offstore_groups(struct offstore *s, const char **names, size_t max);

/* Added by the storage side: rewrite the file with only the live commits
 * (done by itself when the file grows to over twice the live size and
 * 4 MiB); and the file's current size. */
int offstore_compact(struct offstore *s);
uint64_t offstore_file_bytes(const struct offstore *s);

/* Group commit of offsets: with `deferred`, offstore_commit appends
 * without its own fdatasync and the caller answers only after a sync of
 * offstore_fd() (flusher.h) has finished; the commit is visible to
 * offstore_fetch at once. */
void offstore_defer_sync(struct offstore *s, bool deferred);
int offstore_fd(const struct offstore *s);

#endif /* BROKER_LOG_H */
