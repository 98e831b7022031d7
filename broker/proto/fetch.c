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
 * request is copied out of the read buffer, the connection parks, and the
 * request is re-evaluated after appends (fetch_wake, from the loop's
 * before-sleep hook) or answered with what there is when its timer fires.
 * Errors (unknown partition, offset out of range) are answered at once.
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

struct fetch_wait {
	struct fetch_wait *next, *prev;
	struct broker *b;
	struct conn *c;
	struct freq *req;
	uint64_t timer;
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
			int16_t err = KERR_NONE;
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

static void wait_unlink(struct fetch_wait *fw)
{
	struct broker *b = fw->b;
	if (fw->prev)
		fw->prev->next = fw->next;
	else
		b->waits = fw->next;
	if (fw->next)
		fw->next->prev = fw->prev;
	fw->next = fw->prev = NULL;
}

/* Answer a parked fetch (whatever is there) and free it. */
static void wait_answer(struct fetch_wait *fw, struct resp *r)
{
	struct conn *c = fw->c;
	ev_timer_del(fw->b->ev, fw->timer);
	wait_unlink(fw);
	conn_unpark(c);
	conn_send(c, r);
	freq_free(fw->req);
	free(fw);
}

static void wait_cancel(struct conn *c, void *arg)
{
	struct fetch_wait *fw = arg;
	ev_timer_del(fw->b->ev, fw->timer);
	wait_unlink(fw);
	freq_free(fw->req);
	free(fw);
}

static void wait_timeout(struct ev_loop *ev, uint64_t id, void *arg)
{
	struct fetch_wait *fw = arg;
	struct resp r;
	size_t bytes;
	fw->timer = 0;
	resp_begin(&r, fw->req->corr, false);
	fetch_build(fw->b, fw->req, &r, &bytes);
	wait_answer(fw, &r);
}

void fetch_wake(struct broker *b)
{
	b->appended = false;
	struct fetch_wait *next;
	for (struct fetch_wait *fw = b->waits; fw; fw = next) {
		next = fw->next;
		struct resp r;
		size_t bytes;
		resp_begin(&r, fw->req->corr, false);
		bool errors = fetch_build(b, fw->req, &r, &bytes);
		if (errors || bytes >= (size_t)fw->req->min_bytes)
			wait_answer(fw, &r);
		else
			resp_abort(&r);
	}
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
	    bytes >= (size_t)f->min_bytes) {
		freq_free(f);
		return API_REPLY;
	}
	struct fetch_wait *fw = calloc(1, sizeof(*fw));
	if (!fw) {
		freq_free(f);
		return API_REPLY; /* answer now rather than fail */
	}
	fw->b = b;
	fw->c = c;
	fw->req = f;
	fw->timer = ev_timer(b->ev, f->max_wait, wait_timeout, fw);
	if (!fw->timer) {
		free(fw);
		freq_free(f);
		return API_REPLY;
	}
	fw->next = b->waits;
	if (b->waits)
		b->waits->prev = fw;
	b->waits = fw;
	conn_park(c, wait_cancel, fw);
	return API_PARKED;
}
