/* SPDX-License-Identifier: MIT */
/*
 * fetch.c — Fetch v4-11 with long-poll.
 *
 * Each partition's answer is written as header bytes in memory followed by
 * a slice of a segment file (plog_read), which the connection sends with
 * libzcio (zc.fetch.method, sendfile by default): record bytes never pass
 * through user space. The response size is known up front because a slice
 * carries its length.
 *
 * Long-poll: when fewer than MinBytes are available and MaxWaitMs > 0, the
 * request is copied out of the read buffer and parked with a pending reply
 * (reply.h) and a timer. It waits on each partition it reads, in a table
 * keyed by partition: an append (fetch_notify) touches only the waiters of
 * its partition and adds the appended bytes to what each has, up to the
 * partition's MaxBytes, as Kafka's delayed fetch counts them; no answer is
 * built then. Waiters that reach MinBytes are answered before the loop
 * sleeps (fetch_wake), the others with what there is when the timer fires.
 * The answer is built once, when it is sent. Errors (unknown partition,
 * offset out of range) are answered at once.
 * No fetch sessions: session_id is always 0 (clients send 0 / epoch -1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blog.h"
#include "broker.h"

struct fpart {
	int32_t part;
	int64_t offset;
	int32_t max_bytes;
};

struct ftopic {
	char name[256];
	bool named;
	int32_t np;
	struct fpart *parts;
};

struct freq {
	int16_t ver;
	int32_t corr;
	int32_t max_wait;
	int32_t min_bytes;
	int32_t max_bytes;
	int32_t nt;
	struct ftopic *topics;
};

struct fetch_wait;

/* One partition of one parked fetch, on that partition's list. */
struct wlink {
	struct wlink *next, *prev;
	struct wkey *key;
	struct fetch_wait *fw;
	size_t cap; /* most this partition adds toward MinBytes */
	size_t have;
};

/* The parked fetches of one partition. The log is only a key here: never
 * dereferenced, so a deleted topic's waiters do no harm. */
struct wkey {
	struct wkey *next;
	const struct plog *l;
	struct wlink *head;
};

struct fetch_wait {
	struct fetch_wait *ready_next;
	bool ready;
	struct broker *b;
	struct preply *p;
	struct freq *req;
	uint64_t timer;
	size_t have;
	int nlinks;
	struct wlink links[];
};

struct fetch_waits {
	struct wkey **buckets;
	size_t nbuckets, nkeys;
	struct fetch_wait *ready;
	size_t parked;
};

static void freq_free(struct freq *f)
{
	if (!f)
		return;
	for (int32_t i = 0; i < f->nt; i++)
		free(f->topics[i].parts);
	free(f->topics);
	free(f);
}

/* Copy the request out of the connection's buffer (it may be parked). */
static struct freq *freq_parse(const struct kreq *q, struct kr *in)
{
	struct freq *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->ver = q->ver;
	f->corr = q->corr;
	kr_i32(in); /* replica_id */
	f->max_wait = kr_i32(in);
	f->min_bytes = kr_i32(in);
	f->max_bytes = kr_i32(in);
	kr_i8(in); /* isolation_level: no transactions, LSO == HWM */
	if (q->ver >= 7) {
		kr_i32(in); /* session_id */
		kr_i32(in); /* session_epoch */
	}
	int32_t nt = kr_array_of(in, 2 + 4);
	if (!kr_ok(in) || nt < 0)
		goto bad;
	f->topics = calloc(nt ? nt : 1, sizeof(*f->topics));
	if (!f->topics)
		goto bad;
	for (int32_t t = 0; t < nt; t++) {
		struct ftopic *ft = &f->topics[t];
		ft->named = kstr_copy(ft->name, sizeof(ft->name), kr_str(in));
		int32_t np = kr_array_of(in, 4 + 8 + 4);
		if (!kr_ok(in) || np < 0)
			goto bad;
		ft->parts = calloc(np ? np : 1, sizeof(*ft->parts));
		if (!ft->parts)
			goto bad;
		f->nt = t + 1;
		for (int32_t p = 0; p < np; p++) {
			struct fpart *fp = &ft->parts[p];
			fp->part = kr_i32(in);
			if (q->ver >= 9)
				kr_i32(in); /* current_leader_epoch */
			fp->offset = kr_i64(in);
			if (q->ver >= 5)
				kr_i64(in); /* log_start_offset */
			fp->max_bytes = kr_i32(in);
		}
		ft->np = np;
	}
	if (q->ver >= 7) {
		int32_t nf = kr_array(in); /* forgotten_topics_data */
		for (int32_t i = 0; i < nf; i++) {
			kr_str(in);
			int32_t n = kr_array(in);
			for (int32_t j = 0; j < n; j++)
				kr_i32(in);
		}
	}
	if (q->ver >= 11)
		kr_str(in); /* rack_id */
	if (!kr_ok(in))
		goto bad;
	return f;
bad:
	freq_free(f);
	return NULL;
}

/* Write the response into r. *bytes gets the record bytes included;
 * returns true when some partition had an error (answer at once). */
static bool fetch_build(struct broker *b, const struct freq *f, struct resp *r,
			size_t *bytes)
{
	struct kw *w = &r->w;
	bool errors = false;
	size_t budget = f->max_bytes > 0 ? (size_t)f->max_bytes : 0;
	size_t got = 0;
	kw_i32(w, 0); /* throttle_time_ms */
	if (f->ver >= 7) {
		kw_i16(w, KERR_NONE);
		kw_i32(w, 0); /* session_id: no sessions */
	}
	kw_array(w, f->nt);
	for (int32_t t = 0; t < f->nt; t++) {
		const struct ftopic *ft = &f->topics[t];
		kw_str(w, ft->name);
		kw_array(w, ft->np);
		for (int32_t p = 0; p < ft->np; p++) {
			const struct fpart *fp = &ft->parts[p];
			struct plog *l =
			    ft->named
				? topics_log(b->topics, ft->name, fp->part)
				: NULL;
			enum kerr err = KERR_NONE;
			int64_t hwm = -1, start = -1;
			struct plog_slice s = {.fd = -1};
			bool have = false;
			if (!l) {
				err = KERR_UNKNOWN_TOPIC;
			} else {
				hwm = plog_end_offset(l);
				start = plog_start_offset(l);
				size_t lim =
				    fp->max_bytes > 0 ? fp->max_bytes : 0;
				size_t left = budget > got ? budget - got : 0;
				if (lim > left)
					lim = left;
				int rc = 0;
				if (lim > 0 || !got)
					rc = plog_read(l, fp->offset, lim, &s);
				else if (fp->offset < start || fp->offset > hwm)
					rc = -ERANGE;
				if (rc == -ERANGE) {
					err = KERR_OFFSET_OUT_OF_RANGE;
				} else if (rc < 0) {
					blog("read %s-%d at %lld: %s", ft->name,
					     fp->part, (long long)fp->offset,
					     strerror(-rc));
					err = KERR_KAFKA_STORAGE_ERROR;
				} else if (lim > 0 || !got) {
					have = true;
					/* Past the first data, a batch that
					 * does not fit waits for next time. */
					if (got && s.len > left) {
						plog_slice_release(&s);
						s.len = 0;
						have = false;
					}
				}
			}
			if (err)
				errors = true;
			kw_i32(w, fp->part);
			kw_i16(w, err);
			kw_i64(w, hwm);
			kw_i64(w, hwm); /* last_stable_offset */
			if (f->ver >= 5)
				kw_i64(w, start);
			kw_array(w, 0); /* aborted_transactions: none */
			if (f->ver >= 11)
				kw_i32(w, -1); /* preferred_read_replica */
			if (have && s.len) {
				kw_i32(w, (int32_t)s.len);
				got += s.len;
				resp_slice(r, &s);
			} else {
				if (have)
					plog_slice_release(&s);
				kw_i32(w, 0);
			}
		}
	}
	*bytes = got;
	return errors;
}

/* ---- the table of waiters by partition --------------------------------- */

int fetch_waits_create(struct fetch_waits **out)
{
	struct fetch_waits *w = calloc(1, sizeof(*w));
	if (!w || !(w->buckets = calloc(64, sizeof(*w->buckets)))) {
		free(w);
		return -ENOMEM;
	}
	w->nbuckets = 64;
	*out = w;
	return 0;
}

void fetch_waits_free(struct fetch_waits *w)
{
	if (!w)
		return;
	/* Every waiter went with its connection; keys may remain. */
	for (size_t i = 0; i < w->nbuckets; i++)
		while (w->buckets[i]) {
			struct wkey *k = w->buckets[i];
			w->buckets[i] = k->next;
			free(k);
		}
	free(w->buckets);
	free(w);
}

size_t fetch_parked(const struct broker *b)
{
	return b->waits->parked;
}

static size_t key_hash(const struct fetch_waits *w, const struct plog *l)
{
	uint64_t x = (uint64_t)(uintptr_t)l;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)(x & (w->nbuckets - 1));
}

static struct wkey **key_slot(struct fetch_waits *w, const struct plog *l)
{
	struct wkey **pp = &w->buckets[key_hash(w, l)];
	while (*pp && (*pp)->l != l)
		pp = &(*pp)->next;
	return pp;
}

static void grow_keys(struct fetch_waits *w)
{
	size_t n = w->nbuckets * 2;
	struct wkey **nb = calloc(n, sizeof(*nb));
	if (!nb)
		return; /* longer chains, still correct */
	struct wkey **old = w->buckets;
	size_t on = w->nbuckets;
	w->buckets = nb;
	w->nbuckets = n;
	for (size_t i = 0; i < on; i++)
		while (old[i]) {
			struct wkey *k = old[i];
			old[i] = k->next;
			struct wkey **pp = &nb[key_hash(w, k->l)];
			k->next = *pp;
			*pp = k;
		}
	free(old);
}

static int link_add(struct fetch_waits *w, struct wlink *lk,
		    const struct plog *l)
{
	struct wkey **pp = key_slot(w, l);
	if (!*pp) {
		struct wkey *k = calloc(1, sizeof(*k));
		if (!k)
			return -ENOMEM;
		k->l = l;
		*pp = k;
		if (++w->nkeys > 2 * w->nbuckets)
			grow_keys(w);
		pp = key_slot(w, l);
	}
	struct wkey *k = *pp;
	lk->key = k;
	lk->prev = NULL;
	lk->next = k->head;
	if (k->head)
		k->head->prev = lk;
	k->head = lk;
	return 0;
}

static void link_del(struct fetch_waits *w, struct wlink *lk)
{
	struct wkey *k = lk->key;
	if (!k)
		return;
	if (lk->prev)
		lk->prev->next = lk->next;
	else
		k->head = lk->next;
	if (lk->next)
		lk->next->prev = lk->prev;
	lk->key = NULL;
	if (k->head)
		return;
	struct wkey **pp = key_slot(w, k->l);
	*pp = k->next;
	w->nkeys--;
	free(k);
}

/* ---- parked fetches ----------------------------------------------------- */

static void wait_free(struct fetch_wait *fw)
{
	struct fetch_waits *w = fw->b->waits;
	ev_timer_del(fw->b->ev, fw->timer);
	for (int i = 0; i < fw->nlinks; i++)
		link_del(w, &fw->links[i]);
	if (fw->ready)
		for (struct fetch_wait **pp = &w->ready; *pp;
		     pp = &(*pp)->ready_next)
			if (*pp == fw) {
				*pp = fw->ready_next;
				break;
			}
	w->parked--;
	freq_free(fw->req);
	free(fw);
}

static void encode_fetch(struct resp *r, int16_t ver, const void *state)
{
	const struct fetch_wait *fw = state;
	size_t bytes;
	fetch_build(fw->b, fw->req, r, &bytes);
}

/* Answer a parked fetch with what there is now, and free it. */
static void wait_answer(struct fetch_wait *fw)
{
	struct preply *p = fw->p;
	fw->p = NULL;
	preply_answer(p, encode_fetch, fw);
	wait_free(fw);
}

static void wait_cancel(struct preply *p, void *arg)
{
	wait_free(arg);
}

static void wait_timeout(struct ev_loop *ev, uint64_t id, void *arg)
{
	struct fetch_wait *fw = arg;
	fw->timer = 0;
	wait_answer(fw);
}

void fetch_notify(struct broker *b, const struct plog *l, size_t bytes)
{
	struct fetch_waits *w = b->waits;
	if (!w->parked)
		return;
	struct wkey *k = *key_slot(w, l);
	for (struct wlink *lk = k ? k->head : NULL; lk; lk = lk->next) {
		struct fetch_wait *fw = lk->fw;
		size_t add = lk->cap - lk->have;
		if (add > bytes)
			add = bytes;
		lk->have += add;
		fw->have += add;
		if (!fw->ready && fw->have >= (size_t)fw->req->min_bytes) {
			fw->ready = true;
			fw->ready_next = w->ready;
			w->ready = fw;
		}
	}
	if (w->ready)
		ev_wake(b->ev);
}

void fetch_wake(struct broker *b)
{
	struct fetch_waits *w = b->waits;
	while (w->ready) {
		struct fetch_wait *fw = w->ready;
		w->ready = fw->ready_next;
		fw->ready = false;
		wait_answer(fw);
	}
}

/* Park f (not enough bytes yet: `have`). False when out of memory. */
static bool park(struct broker *b, struct conn *c, const struct kreq *q,
		 struct freq *f, size_t have)
{
	int n = 0;
	for (int32_t t = 0; t < f->nt; t++)
		n += f->topics[t].np;
	struct fetch_wait *fw =
	    calloc(1, sizeof(*fw) + (size_t)n * sizeof(fw->links[0]));
	if (!fw)
		return false;
	fw->b = b;
	fw->req = f;
	fw->have = have;
	for (int32_t t = 0; t < f->nt; t++) {
		const struct ftopic *ft = &f->topics[t];
		for (int32_t i = 0; i < ft->np; i++) {
			struct plog *l = ft->named
					     ? topics_log(b->topics, ft->name,
							  ft->parts[i].part)
					     : NULL;
			struct wlink *lk = &fw->links[fw->nlinks];
			if (!l)
				continue; /* answered with an error already */
			lk->fw = fw;
			lk->cap = ft->parts[i].max_bytes > 0
				      ? (size_t)ft->parts[i].max_bytes
				      : 0;
			fw->nlinks++;
			if (link_add(b->waits, lk, l))
				goto fail;
		}
	}
	b->waits->parked++;
	fw->timer = ev_timer(b->ev, f->max_wait, wait_timeout, fw);
	if (!fw->timer || !(fw->p = preply_open(c, q))) {
		fw->req = NULL; /* the caller frees it */
		wait_free(fw);
		return false;
	}
	preply_on_cancel(fw->p, wait_cancel, fw);
	return true;
fail:
	for (int i = 0; i < fw->nlinks; i++)
		link_del(b->waits, &fw->links[i]);
	free(fw);
	return false;
}

int api_fetch(struct broker *b, struct conn *c, const struct kreq *q,
	      struct kr *in, struct resp *r)
{
	struct freq *f = freq_parse(q, in);
	if (!f)
		return API_BAD;
	size_t bytes;
	bool errors = fetch_build(b, f, r, &bytes);
	if (errors || f->max_wait <= 0 || f->min_bytes <= 0 ||
	    bytes >= (size_t)f->min_bytes || !park(b, c, q, f, bytes)) {
		freq_free(f);
		return API_REPLY; /* out of memory to park: answer now */
	}
	return API_PENDING; /* the answer in r is dropped, built again later */
}
