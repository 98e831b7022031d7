/* SPDX-License-Identifier: MIT */
/*
 * fdcache.c — the bounded LRU of the storage's descriptors (fdcache.h).
 *
 * Invariants:
 *  1. An lfd is in the list exactly when its fd >= 0; the list is ordered
 *     from least (head) to most (tail) recently used.
 *  2. open_count == the list's length; after any get it is <= max unless
 *     every other descriptor is pinned.
 *  3. A pinned descriptor is never closed by eviction.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "fdcache.h"
#include "sys.h"

#define DEFAULT_MAX 1000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct lfd *head, *tail;
static size_t open_count, max_open = DEFAULT_MAX;

static void unlink_lru(struct lfd *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		head = f->next;
	if (f->next)
		f->next->prev = f->prev;
	else
		tail = f->prev;
	f->prev = f->next = NULL;
}

static void push_tail(struct lfd *f)
{
	f->prev = tail;
	f->next = NULL;
	if (tail)
		tail->next = f;
	else
		head = f;
	tail = f;
}

/* Close least recently used unpinned descriptors until one more fits. */
static void evict(void)
{
	struct lfd *f = head;

	while (open_count >= max_open && f) {
		struct lfd *next = f->next;

		if (!f->pins) {
			unlink_lru(f);
			lsys_close(f->fd);
			f->fd = -1;
			open_count--;
		}
		f = next;
	}
}

size_t fdcache_set_max(size_t max)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur != RLIM_INFINITY &&
	    max > r.rlim_cur / 2)
		max = r.rlim_cur / 2;
	if (max < 8)
		max = 8;
	pthread_mutex_lock(&lock);
	max_open = max;
	pthread_mutex_unlock(&lock);
	return max;
}

size_t fdcache_open_count(void)
{
	size_t n;

	pthread_mutex_lock(&lock);
	n = open_count;
	pthread_mutex_unlock(&lock);
	return n;
}

int lfd_init(struct lfd *f, const char *path, int flags)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->flags = flags & ~(O_CREAT | O_TRUNC | O_EXCL);
	f->path = strdup(path);
	return f->path ? 0 : -ENOMEM;
}

/* With the lock held: make f open (flags/mode) and most recently used. */
static int get_locked(struct lfd *f, int flags, unsigned mode)
{
	int fd;

	if (f->fd >= 0) {
		unlink_lru(f);
		push_tail(f);
		return f->fd;
	}
	evict();
	fd = lsys_open(f->path, flags, mode);
	if (fd == -EMFILE || fd == -ENFILE) {
		/* Other parts of the process hold descriptors too: make room
		 * among ours and try once more. */
		size_t keep = max_open;

		max_open = open_count / 2 + 1;
		evict();
		max_open = keep;
		fd = lsys_open(f->path, flags, mode);
	}
	if (fd < 0)
		return fd;
	f->fd = fd;
	push_tail(f);
	open_count++;
	return fd;
}

int lfd_open(struct lfd *f, int flags, unsigned mode)
{
	int fd;

	pthread_mutex_lock(&lock);
	if (f->fd >= 0) { /* reopen with the new flags (O_TRUNC...) */
		unlink_lru(f);
		lsys_close(f->fd);
		f->fd = -1;
		open_count--;
	}
	fd = get_locked(f, flags | O_CLOEXEC, mode);
	pthread_mutex_unlock(&lock);
	return fd;
}

int lfd_get(struct lfd *f)
{
	int fd;

	pthread_mutex_lock(&lock);
	fd = get_locked(f, f->flags | O_CLOEXEC, 0);
	pthread_mutex_unlock(&lock);
	return fd;
}

int lfd_get_pinned(struct lfd *f)
{
	int fd;

	pthread_mutex_lock(&lock);
	fd = get_locked(f, f->flags | O_CLOEXEC, 0);
	if (fd >= 0)
		f->pins++;
	pthread_mutex_unlock(&lock);
	return fd;
}

void lfd_unpin(struct lfd *f)
{
	pthread_mutex_lock(&lock);
	f->pins--;
	pthread_mutex_unlock(&lock);
}

void lfd_close(struct lfd *f)
{
	pthread_mutex_lock(&lock);
	if (f->fd >= 0) {
		unlink_lru(f);
		lsys_close(f->fd);
		f->fd = -1;
		open_count--;
	}
	pthread_mutex_unlock(&lock);
}

void lfd_free(struct lfd *f)
{
	lfd_close(f);
	free(f->path);
	f->path = NULL;
}
