/* SPDX-License-Identifier: MIT */
/*
 * pool.c — a few threads that copy files while the main thread walks the
 * tree. Copying many small files is mostly system calls (open, create,
 * copy, set attributes, link), and the kernel runs those of different
 * threads on different CPUs. Jobs wait in a FIFO queue bounded so that the
 * walk cannot run far ahead of the copies; signals are delivered to the
 * main thread only.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "zcp.h"

#define QUEUE_MAX 4096

static void *worker(void *arg)
{
	struct zcp_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct zcp_job *j;

		while (!p->head && !p->closing)
			pthread_cond_wait(&p->more, &p->lock);
		if (!p->head)
			break;
		j = p->head;
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		pthread_cond_signal(&p->room);
		pthread_mutex_unlock(&p->lock);
		p->run(j, p->ctx);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int zcp_pool_start(struct zcp_pool *p, unsigned threads,
		   void (*run)(struct zcp_job *, void *), void *ctx)
{
	sigset_t all, old;
	int ret = 0;

	p->head = p->tail = NULL;
	p->queued = 0;
	p->closing = false;
	p->run = run;
	p->ctx = ctx;
	p->nthreads = 0;
	if (threads > ZCP_POOL_MAX)
		threads = ZCP_POOL_MAX;
	if (threads <= 1)
		return 0; /* the caller's thread does every job */
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->more, NULL);
	pthread_cond_init(&p->room, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned i = 0; i < threads; i++) {
		ret = pthread_create(&p->tids[i], NULL, worker, p);
		if (ret)
			break;
		p->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return p->nthreads ? 0 : -ret;
}

void zcp_pool_submit(struct zcp_pool *p, struct zcp_job *j)
{
	j->next = NULL;
	if (!p->nthreads) {
		p->run(j, p->ctx);
		return;
	}
	pthread_mutex_lock(&p->lock);
	while (p->queued >= QUEUE_MAX)
		pthread_cond_wait(&p->room, &p->lock);
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	p->queued++;
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->lock);
}

void zcp_pool_finish(struct zcp_pool *p)
{
	if (!p->nthreads)
		return;
	pthread_mutex_lock(&p->lock);
	p->closing = true;
	pthread_cond_broadcast(&p->more);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->tids[i], NULL);
	p->nthreads = 0;
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->more);
	pthread_cond_destroy(&p->room);
}
