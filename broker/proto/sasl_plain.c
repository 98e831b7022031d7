/* SPDX-License-Identifier: MIT */
/*
 * sasl_plain.c — PLAIN's password check off the event loop.
 *
 * SCRAM makes the client run PBKDF2; PLAIN makes the server do it, to
 * compare the password with the stored key: measured (docs/security.md)
 * at 4.6 ms for SCRAM-SHA-256 with 4096 iterations and up to ~60 ms for
 * SCRAM-SHA-512 with 16384 on this machine's cores, far too long to stall
 * every other connection for. So one worker thread runs the whole PLAIN
 * exchange (sasl_session_feed) and the loop answers through the pending
 * reply it opened, woken by an eventfd(2).
 *
 * The worker touches nothing of the loop's: the loop looks the user's
 * credentials up before handing the job over (the store may change under
 * AlterUserScramCredentials), and the job owns the session and a copy of
 * the token until it comes back. A connection that closes meanwhile only
 * marks its job; the loop drops the result.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "blog.h"
#include "broker.h"
#include "proto/sasl_int.h"
#include "security/creds.h"

struct sasl_worker {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct plain_job *todo, **todo_tail, *done;
	bool stop;
	int efd;
	struct broker *b;
};

/* The job's prefetched credentials, for the session's lookups. */
static int job_lookup(void *arg, const char *user, enum scram_mech m,
		      struct scram_cred *out)
{
	struct plain_job *j = arg;

	if (!j->have[m] || strcmp(user, j->user))
		return -ENOENT;
	*out = j->cred[m];
	return 0;
}

static void *worker_main(void *arg)
{
	struct sasl_worker *w = arg;
	const uint64_t one = 1;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct plain_job *j = w->todo;
		if (!j && w->stop)
			break;
		if (!j) {
			pthread_cond_wait(&w->cv, &w->mu);
			continue;
		}
		w->todo = j->next;
		if (!w->todo)
			w->todo_tail = &w->todo;
		pthread_mutex_unlock(&w->mu);
		j->res = sasl_session_feed(j->s, j->tok, j->len, &j->out);
		pthread_mutex_lock(&w->mu);
		j->next = w->done;
		w->done = j;
		if (write(w->efd, &one, sizeof(one)) < 0) {
			/* The counter cannot overflow at one per job. */
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

void plain_job_free(struct plain_job *j)
{
	sasl_session_free(j->s);
	OPENSSL_cleanse(j, sizeof(*j));
	free(j);
}

static void on_done(struct ev_loop *ev, int fd, unsigned events, void *arg)
{
	struct sasl_worker *w = arg;
	struct plain_job *j, *next;
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0) {
		/* EAGAIN: another wake-up took them. */
	}
	pthread_mutex_lock(&w->mu);
	j = w->done;
	w->done = NULL;
	pthread_mutex_unlock(&w->mu);
	for (; j; j = next) {
		next = j->next;
		if (j->sc)
			sasl_plain_done(w->b, j);
		else
			plain_job_free(j);
	}
}

static int worker_start(struct broker *b)
{
	struct sasl_worker *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->b = b;
	w->todo_tail = &w->todo;
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0) {
		free(w);
		return -errno;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->th, NULL, worker_main, w)) {
		close(w->efd);
		free(w);
		return -EAGAIN;
	}
	ev_set(b->ev, w->efd, EV_READ, on_done, w);
	b->sasl_worker = w;
	return 0;
}

int sasl_plain_submit(struct broker *b, struct plain_job *j)
{
	struct sasl_worker *w = b->sasl_worker;
	int rc;

	if (!w && (rc = worker_start(b)))
		return rc;
	w = b->sasl_worker;
	pthread_mutex_lock(&w->mu);
	j->next = NULL;
	*w->todo_tail = j;
	w->todo_tail = &j->next;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

void sasl_worker_stop(struct broker *b)
{
	struct sasl_worker *w = b->sasl_worker;
	struct plain_job *j, *next;

	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	ev_del(b->ev, w->efd);
	close(w->efd);
	/* Connections are gone by now: every job left is orphaned. */
	for (j = w->done; j; j = next) {
		next = j->next;
		plain_job_free(j);
	}
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
	b->sasl_worker = NULL;
}

struct plain_job *plain_job_new(struct broker *b, struct sasl_session *s,
				const uint8_t *tok, size_t len)
{
	struct plain_job *j = calloc(1, sizeof(*j) + len + 1);
	char buf[3 * 256 + 1];
	const char *zid, *cid, *pw;

	if (!j)
		return NULL;
	j->tok = (uint8_t *)(j + 1);
	memcpy(j->tok, tok, len);
	j->len = len;
	j->s = s;
	/* Prefetch the user's keys here, on the loop: the session asks for
	 * the user it parses, and finds nothing for any other. */
	if (!sasl_plain_parse(tok, len, buf, sizeof(buf), &zid, &cid, &pw)) {
		snprintf(j->user, sizeof(j->user), "%s", cid);
		for (int m = 0; m < SCRAM_MECHS; m++)
			j->have[m] = !creds_lookup(
			    b->creds, cid, (enum scram_mech)m, &j->cred[m]);
		OPENSSL_cleanse(buf, sizeof(buf));
	}
	sasl_session_set_lookup(s, job_lookup, j);
	return j;
}
