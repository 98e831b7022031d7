/* SPDX-License-Identifier: MIT */
/*
 * fdcache.h — a bounded set of open file descriptors for the storage.
 *
 * Every segment file (.log, and .index / .timeindex while they take
 * entries) is a struct lfd: a path and open flags, and a descriptor that
 * is open only while it is among the most recently used. Opening one more
 * than the bound closes the least recently used descriptor that is not
 * pinned (a fetch still sending from it pins it), so thousands of
 * segments cost a bounded number of descriptors, as Kafka keeps them.
 * The mappings of the indexes do not need their descriptor (mmap(2):
 * closing the file does not unmap the region).
 *
 * The list is shared by the whole process and locked: slices may be
 * released (unpinned) on other threads.
 */
#ifndef BROKER_LOG_FDCACHE_H
#define BROKER_LOG_FDCACHE_H

#include <stdbool.h>
#include <stddef.h>

struct lfd {
	int fd;	    /* -1 while closed */
	int flags;  /* for reopening (O_CREAT and O_TRUNC dropped) */
	int pins;   /* > 0: not closed by eviction */
	char *path; /* owned */
	struct lfd *prev, *next; /* in the LRU list while fd >= 0 */
};

/* A closed lfd for path (copied); -ENOMEM. */
int lfd_init(struct lfd *f, const char *path, int flags);
/* Open now with these flags (O_CREAT, O_TRUNC...), then as lfd_get. */
int lfd_open(struct lfd *f, int flags, unsigned mode);
/* The descriptor, reopened if it was closed; -errno. */
int lfd_get(struct lfd *f);
/* lfd_get, and pinned until lfd_unpin. */
int lfd_get_pinned(struct lfd *f);
void lfd_unpin(struct lfd *f);
/* Close the descriptor (the lfd stays usable: the next get reopens). */
void lfd_close(struct lfd *f);
/* lfd_close and free the path. */
void lfd_free(struct lfd *f);

/* The bound (zc.log.max.open.files); clamped to half of RLIMIT_NOFILE so
 * sockets keep their share. Returns the bound in force. */
size_t fdcache_set_max(size_t max);
/* Descriptors open now (tests). */
size_t fdcache_open_count(void);

#endif /* BROKER_LOG_FDCACHE_H */
