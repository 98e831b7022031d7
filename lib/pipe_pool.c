/* SPDX-License-Identifier: MIT */
/*
 * pipe_pool.c — the internal pipes data moves through when neither side
 * of a splice is a pipe (the splice engine; the io_uring engine makes its
 * own, blocking one per transfer with zc__pipe_open). Creating a pipe and
 * growing it costs two or three system calls, so the splice engine keeps a
 * few empty pipes for the next transfer (any thread). A pipe that may still
 * hold bytes is closed instead: reusing it would deliver those bytes to the
 * wrong output.
 */
#include <fcntl.h>
#include <pthread.h>

#include "internal.h"

#define POOL_MAX  4
#define PIPE_WANT (1UL << 20) /* the default /proc/sys/fs/pipe-max-size */

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zc_pipe pool[POOL_MAX];
static int pool_n;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* A forked child must not share pooled pipes with its parent: both would
 * splice through the same pipe. The child closes its copies. */
static void pool_child(void)
{
	pthread_mutex_init(&pool_lock, NULL);
	while (pool_n > 0)
		zc__pipe_close(&pool[--pool_n]);
}

static void pool_init(void)
{
	pthread_atfork(NULL, NULL, pool_child);
}

int zc__pipe_open(struct zc_pipe *p, int flags)
{
	int fds[2], r;

	r = zc__sys_pipe2(fds, flags);
	if (r < 0)
		return r;
	p->rd = fds[0];
	p->wr = fds[1];
	/* Failure (pipe-max-size lowered, pipe-user-pages exhausted) only
	 * means smaller rounds. */
	r = zc__sys_fcntl(p->wr, F_SETPIPE_SZ, (long)PIPE_WANT);
	if (r < 0)
		r = zc__sys_fcntl(p->wr, F_GETPIPE_SZ, 0);
	p->size = r > 0 ? (size_t)r : 65536;
	return 0;
}

void zc__pipe_close(struct zc_pipe *p)
{
	zc__sys_close(p->rd);
	zc__sys_close(p->wr);
}

int zc__pipe_get(struct zc_pipe *p)
{
	pthread_once(&atfork_once, pool_init);
	pthread_mutex_lock(&pool_lock);
	if (pool_n > 0) {
		*p = pool[--pool_n];
		pthread_mutex_unlock(&pool_lock);
		return 0;
	}
	pthread_mutex_unlock(&pool_lock);
	return zc__pipe_open(p, O_CLOEXEC | O_NONBLOCK);
}

void zc__pipe_put(struct zc_pipe *p, bool empty)
{
	if (empty) {
		pthread_mutex_lock(&pool_lock);
		if (pool_n < POOL_MAX) {
			pool[pool_n++] = *p;
			pthread_mutex_unlock(&pool_lock);
			return;
		}
		pthread_mutex_unlock(&pool_lock);
	}
	zc__pipe_close(p);
}

void zc__pipe_pool_drain(void)
{
	pthread_mutex_lock(&pool_lock);
	while (pool_n > 0)
		zc__pipe_close(&pool[--pool_n]);
	pthread_mutex_unlock(&pool_lock);
}
