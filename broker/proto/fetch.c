/* SPDX-License-Identifier: MIT */
/*
 * fetch.c — Fetch v4-17 with long-poll. The request is decoded by the
 * table-driven codec; the answer is written by hand (it splices file
 * slices between its fields), flexible from v12 (KIP-482), topics by ID
 * from v13 (KIP-516: an unknown ID is answered UNKNOWN_TOPIC_ID), with
 * each field's versions taken from the schema.
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

#include "authorize.h"
#include "blog.h"
#include "broker.h"
#include "proto/ks_handler.h"

struct fpart {
	int32_t part;
	int64_t offset;
	int32_t max_bytes;
};

struct ftopic {
	char name[256];
	bool named;
	bool by_id;  /* v13+ (KIP-516): the topic is its ID */
	bool denied; /* ACLs: no READ on the topic */
	uint8_t id[16];
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

/* Field indexes of the request, looked up once (the tables are fixed). */
static struct {
	bool init;
	int max_wait, min_bytes, max_bytes, topics; /* request */
	int t_name, t_id, t_parts;		    /* its topics */
	int p_part, p_offset, p_max;		    /* their partitions */
	struct ks_range r_topic_id, r_lso, r_start, r_replica; /* answer */
	int16_t flex;
} fx;

static void fx_init(void)
{
	const struct ks_struct *rq = &ks_req(API_FETCH)->root;
	const struct ks_struct *rt = ks_sub(rq, "Topics");
	const struct ks_struct *rp = ks_sub(rt, "Partitions");
	const struct ks_struct *at =
	    ks_sub(&ks_resp(API_FETCH)->root, "Responses");
	const struct ks_struct *ap = ks_sub(at, "Partitions");

	fx.max_wait = ks_idx(rq, "MaxWaitMs");
	fx.min_bytes = ks_idx(rq, "MinBytes");
	fx.max_bytes = ks_idx(rq, "MaxBytes");
	fx.topics = ks_idx(rq, "Topics");
	fx.t_name = ks_idx(rt, "Topic");
	fx.t_id = ks_idx(rt, "TopicId");
	fx.t_parts = ks_idx(rt, "Partitions");
	fx.p_part = ks_idx(rp, "Partition");
	fx.p_offset = ks_idx(rp, "FetchOffset");
	fx.p_max = ks_idx(rp, "PartitionMaxBytes");
	/* The answer is written by hand (it splices file slices between
	 * its fields), with the versions of its fields from the schema. */
	fx.r_topic_id = ks_fld(at, "TopicId")->ver;
	fx.r_lso = ks_fld(ap, "LastStableOffset")->ver;
	fx.r_start = ks_fld(ap, "LogStartOffset")->ver;
	fx.r_replica = ks_fld(ap, "PreferredReadReplica")->ver;
	fx.flex = ks_resp(API_FETCH)->flex.lo;
	fx.init = true;
}

/* Copy the request out of the connection's buffer (it may be parked):
 * decoded by the codec, kept in a small struct of its own. Replica
 * fields, the isolation level (no transactions: LSO == HWM), leader
 * epochs (one leader, one epoch), session fields and forgotten topics
 * (no fetch sessions) and the rack are read and not used. */
static struct freq *freq_parse(const struct kreq *q, struct kr *in)
{
	struct ks_arena a;
	struct kv req;
	struct freq *f = NULL;

	if (!fx.init)
		fx_init();
	ks_arena_init(&a, ks_budget(in, 0));
	if (ks_decode(ks_req(API_FETCH), q->ver, in, &a, &req) < 0 ||
	    !(f = calloc(1, sizeof(*f))))
		goto bad;
	f->ver = q->ver;
	f->corr = q->corr;
	f->max_wait = (int32_t)kv_at(&req, fx.max_wait)->i;
	f->min_bytes = (int32_t)kv_at(&req, fx.min_bytes)->i;
	f->max_bytes = (int32_t)kv_at(&req, fx.max_bytes)->i;
	struct kv *tv = kv_at(&req, fx.topics);
	int32_t nt = tv->a.n;
	f->topics = calloc(nt > 0 ? nt : 1, sizeof(*f->topics));
	if (nt < 0 || !f->topics)
		goto bad;
	for (int32_t t = 0; t < nt; t++) {
		struct ftopic *ft = &f->topics[t];
		struct kv *te = &tv->a.v[t], *pv = kv_at(te, fx.t_parts);
		ft->by_id = q->ver >= fx.r_topic_id.lo;
		if (ft->by_id)
			memcpy(ft->id, kv_at(te, fx.t_id)->u, 16);
		else
			ft->named = kstr_copy(ft->name, sizeof(ft->name),
					      kv_at(te, fx.t_name)->s);
		ft->parts =
		    calloc(pv->a.n > 0 ? pv->a.n : 1, sizeof(*ft->parts));
		if (pv->a.n < 0 || !ft->parts)
			goto bad;
		f->nt = t + 1;
		for (int32_t p = 0; p < pv->a.n; p++) {
			struct fpart *fp = &ft->parts[p];
			struct kv *pe = &pv->a.v[p];
			fp->part = (int32_t)kv_at(pe, fx.p_part)->i;
			fp->offset = kv_at(pe, fx.p_offset)->i;
			fp->max_bytes = (int32_t)kv_at(pe, fx.p_max)->i;
		}
		ft->np = pv->a.n;
	}
	ks_arena_free(&a);
	return f;
bad:
	ks_arena_free(&a);
	freq_free(f);
	return NULL;
}

/* The topic name of ft now (an ID is looked up again at every answer:
 * the topic may have gone), or NULL. */
static const char *ftopic_name(struct broker *b, const struct ftopic *ft)
{
	if (ft->by_id)
		return topics_by_id(b->topics, ft->id);
	return ft->named ? ft->name : NULL;
}

/* Counts and tagged fields in the flexible versions (KIP-482). */
static void fw_array(struct kw *w, bool flex, int32_t n)
{
	if (flex)
		kw_uvarint(w, (uint64_t)n + 1);
	else
		kw_array(w, n);
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
	bool flex = f->ver >= fx.flex;
	kw_i32(w, 0); /* throttle_time_ms */
	if (f->ver >= 7) {
		kw_i16(w, KERR_NONE);
		kw_i32(w, 0); /* session_id: no sessions */
	}
	fw_array(w, flex, f->nt);
	for (int32_t t = 0; t < f->nt; t++) {
		const struct ftopic *ft = &f->topics[t];
		const char *name = ftopic_name(b, ft);
		if (ft->by_id)
			kw_raw(w, ft->id, 16);
		else if (flex)
			kw_cstr(w, ft->name);
		else
			kw_str(w, ft->name);
		fw_array(w, flex, ft->np);
		for (int32_t p = 0; p < ft->np; p++) {
			const struct fpart *fp = &ft->parts[p];
			struct plog *l =
			    name && !ft->denied
				? topics_log(b->topics, name, fp->part)
				: NULL;
			enum kerr err = KERR_NONE;
			int64_t hwm = -1, start = -1;
			struct plog_slice s = {.fd = -1};
			bool have = false;
			if (ft->denied) {
				err = KERR_TOPIC_AUTHORIZATION_FAILED;
			} else if (!l) {
				err = ft->by_id && !name ? KERR_UNKNOWN_TOPIC_ID
							 : KERR_UNKNOWN_TOPIC;
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
					blog("read %s-%d at %lld: %s", name,
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
			if (ks_in(fx.r_lso, f->ver))
				kw_i64(w, hwm); /* last_stable_offset */
			if (ks_in(fx.r_start, f->ver))
				kw_i64(w, start);
			fw_array(w, flex, 0); /* aborted transactions: none */
			if (ks_in(fx.r_replica, f->ver))
				kw_i32(w, -1); /* preferred_read_replica */
			if (!have || !s.len) {
				if (have)
					plog_slice_release(&s);
				s.len = 0;
			}
			if (flex) /* compact bytes: length + 1 */
				kw_uvarint(w, (uint64_t)s.len + 1);
			else
				kw_i32(w, (int32_t)s.len);
			if (s.len) {
				got += s.len;
				resp_slice(r, &s);
			}
			/* Record bytes precede the partition's tags: with
			 * a slice, the tags start the next memory piece. */
			if (flex)
				kw_tags0(w);
		}
		if (flex)
			kw_tags0(w);
	}
	if (flex)
		kw_tags0(w);
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
	/* ACLs: READ on each topic (a topic denied is answered at once). */
	for (int32_t t = 0; b->cfg.authz.enabled && t < f->nt; t++) {
		const char *name = ftopic_name(b, &f->topics[t]);
		f->topics[t].denied =
		    name &&
		    !broker_authorized(b, c, ACL_OP_READ, ACL_RES_TOPIC, name);
	}
	size_t bytes;
	bool errors = fetch_build(b, f, r, &bytes);
	if (errors || f->max_wait <= 0 || f->min_bytes <= 0 ||
	    bytes >= (size_t)f->min_bytes || !park(b, c, q, f, bytes)) {
		freq_free(f);
		return API_REPLY; /* out of memory to park: answer now */
	}
	return API_PENDING; /* the answer in r is dropped, built again later */
}
