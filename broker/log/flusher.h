/* SPDX-License-Identifier: MIT */
/*
 * flusher.h — group commit: one thread that makes appended bytes durable
 * while the event loop keeps appending and serving.
 *
 * The loop names the files an acknowledgement depends on (a partition's
 * active segment, the offsets store) with flusher_add() and gets a
 * ticket: the sequence number of the sync that will cover everything
 * written to those files so far. The thread takes the whole set when it
 * starts a sync, runs one fdatasync(2) per file, and then signals an
 * eventfd(2); flusher_drain() hands the loop each finished sync, in
 * order, with the keys whose sync failed. Files added while a sync runs
 * go into the next one, so N acknowledgements arriving during one sync
 * cost one more sync, not N.
 *
 * A failed sync is never retried and never reported as success later:
 * after fdatasync fails, the kernel may have dropped the dirty pages (and
 * a second fdatasync can then succeed with the data gone), so the file is
 * remembered as failed and every later sync of it fails with the first
 * error. The owner takes the partition offline; only recovery, which
 * re-reads the log, can vouch for it again.
 */
#ifndef BROKER_LOG_FLUSHER_H
#define BROKER_LOG_FLUSHER_H

#include <stddef.h>
#include <stdint.h>

struct flusher;

/* How one file is synced: 0 or -errno. The default is the storage
 * layer's fdatasync(2) wrapper (sys.h), so its fault hook reaches the
 * flusher; tests may pass their own. */
typedef int (*flusher_sync_fn)(int fd);
int flusher_fdatasync(int fd);

/* Start the thread. sync: NULL for flusher_fdatasync. */
int flusher_open(struct flusher **out, flusher_sync_fn sync);
/* Finish the syncs already asked for, stop the thread, free. */
void flusher_close(struct flusher *f);

/* Readable (level) when flusher_drain has something to hand over. */
int flusher_event_fd(const struct flusher *f);

/* Loop thread: include `fd` in the next sync. `key` names the owner (a
 * partition) in failure reports; the file is tracked through its own
 * duplicate descriptor, so `fd` may be closed right after. Returns the
 * ticket (>= 1): flusher_drain reports a sequence number >= ticket once a
 * sync that covers this call's bytes has finished. Or -errno. */
int64_t flusher_add(struct flusher *f, const void *key, int fd);

/* Loop thread: take what finished. fn is called once per finished sync
 * in order, with err 0 or the first error, and the keys whose file failed
 * (in this sync or, sticky, before). Returns the number of syncs drained. */
typedef void (*flusher_done_fn)(void *arg, uint64_t seq, int err,
				const void *const *failed, size_t nfailed);
size_t flusher_drain(struct flusher *f, flusher_done_fn fn, void *arg);

/* Counters for logs and tests. */
struct flusher_stats {
	uint64_t syncs;	 /* sync rounds finished */
	uint64_t files;	 /* fdatasync calls made */
	uint64_t adds;	 /* flusher_add calls */
	uint64_t failed; /* files failed, including sticky repeats */
	uint64_t last_ticket;
};
void flusher_stats(struct flusher *f, struct flusher_stats *st);

#endif /* BROKER_LOG_FLUSHER_H */
