/* SPDX-License-Identifier: MIT */
/*
 * fetch.c — Fetch v4-18 with long-poll and fetch sessions. The request is
 * decoded by the table-driven codec; the answer is written by hand (it splices
 * file slices between its fields), flexible from v12 (KIP-482), topics by ID
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
 *
 * Fetch sessions (KIP-227, fetch_session.h): from v7 a request carries
 * SessionId and SessionEpoch. Epoch -1 is a full fetch without a session
 * (a SessionId given is closed), epoch 0 a full fetch that asks for a new
 * session (the answer carries its id, or 0 when the cache has no room).
 * Any other epoch names a session and must be the one it expects:
 * partitions in the request join it or update their fetch offset,
 * ForgottenTopicsData leaves it, and the answer holds only the partitions
 * with records, a new high watermark or log start offset, or an error
 * (Kafka's IncrementalFetchContext), while the session remembers every
 * partition's fetch offset. Unknown id: FETCH_SESSION_ID_NOT_FOUND; other
 * epoch: INVALID_FETCH_SESSION_EPOCH; v13+ sessions are by topic ID and
 * the request's version must agree (FETCH_SESSION_TOPIC_ID_ERROR).
 *
 * ACLs (docs/security.md): READ on each topic read, whether the request or
 * the session names it, checked again whenever the answer is read;
 * a topic refused is TOPIC_AUTHORIZATION_FAILED.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "authorize.h"
#include "blog.h"
#include "broker.h"
#include "proto/fetch_session.h"
#include "proto/ks_handler.h"

struct fpart {
	int32_t part;
	int64_t offset;
	int32_t max_bytes;
};

struct ftopic {
	char name[256];
	bool named;
	bool by_id; /* v13+ (KIP-516): the topic is its ID */
	uint8_t id[16];
	int32_t np;
	struct fpart *parts;
};

/* How the request is answered (fetch_begin decides). */
enum fmode {
	FM_SESSIONLESS, /* every partition asked, session id 0 */
	FM_FULL,	/* the same, and a new session if there is room */
	FM_INCREMENTAL, /* the session's partitions that changed */
	FM_ERROR,	/* a session error, no partitions */
};

struct freq {
	int16_t ver;
	int32_t corr;
	int32_t max_wait;
	int32_t min_bytes;
	int32_t max_bytes;
	int32_t session_id;
	int32_t epoch; /* as asked; FM_INCREMENTAL: the session's next */
	enum fmode mode;
	enum kerr error; /* FM_ERROR */
	int32_t nt, nf;
	struct ftopic *topics;
	struct ftopic *forgotten; /* parts[].part only */
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
	const struct conn *c; /* alive while parked (wait_cancel) */
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
	struct fs_cache *sessions; /* made at the first session */
};

static void ftopics_free(struct ftopic *t, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		free(t[i].parts);
	free(t);
}

static void freq_free(struct freq *f)
{
	if (!f)
		return;
	ftopics_free(f->topics, f->nt);
	ftopics_free(f->forgotten, f->nf);
	free(f);
}

/* Field indexes of the request, looked up once (the tables are fixed). */
static struct {
	bool init;
	int max_wait, min_bytes, max_bytes, topics; /* request */
	int session_id, session_epoch, forgotten;
	int t_name, t_id, t_parts;   /* its topics */
	int p_part, p_offset, p_max; /* their partitions */
	int f_name, f_id, f_parts;   /* forgotten topics */
	struct ks_range r_topic_id, r_lso, r_start, r_replica; /* answer */
	int16_t flex;
} fx;

static void fx_init(void)
{
	const struct ks_struct *rq = &ks_req(API_FETCH)->root;
	const struct ks_struct *rt = ks_sub(rq, "Topics");
	const struct ks_struct *rp = ks_sub(rt, "Partitions");
	const struct ks_struct *rf = ks_sub(rq, "ForgottenTopicsData");
	const struct ks_struct *at =
	    ks_sub(&ks_resp(API_FETCH)->root, "Responses");
	const struct ks_struct *ap = ks_sub(at, "Partitions");

	fx.max_wait = ks_idx(rq, "MaxWaitMs");
	fx.min_bytes = ks_idx(rq, "MinBytes");
	fx.max_bytes = ks_idx(rq, "MaxBytes");
	fx.session_id = ks_idx(rq, "SessionId");
	fx.session_epoch = ks_idx(rq, "SessionEpoch");
	fx.topics = ks_idx(rq, "Topics");
	fx.forgotten = ks_idx(rq, "ForgottenTopicsData");
	fx.t_name = ks_idx(rt, "Topic");
	fx.t_id = ks_idx(rt, "TopicId");
	fx.t_parts = ks_idx(rt, "Partitions");
	fx.p_part = ks_idx(rp, "Partition");
	fx.p_offset = ks_idx(rp, "FetchOffset");
	fx.p_max = ks_idx(rp, "PartitionMaxBytes");
	fx.f_name = ks_idx(rf, "Topic");
	fx.f_id = ks_idx(rf, "TopicId");
	fx.f_parts = ks_idx(rf, "Partitions");
	/* The answer is written by hand (it splices file slices between
	 * its fields), with the versions of its fields from the schema. */
	fx.r_topic_id = ks_fld(at, "TopicId")->ver;
	fx.r_lso = ks_fld(ap, "LastStableOffset")->ver;
	fx.r_start = ks_fld(ap, "LogStartOffset")->ver;
	fx.r_replica = ks_fld(ap, "PreferredReadReplica")->ver;
	fx.flex = ks_resp(API_FETCH)->flex.lo;
	fx.init = true;
}

/* The topics of tv (Topics or ForgottenTopicsData) into *out. */
static int ftopics_parse(const struct kv *tv, int16_t ver, bool forgotten,
			 struct ftopic **out, int32_t *count)
{
	int32_t nt = tv->a.n;
	if (nt < 0)
		return -EINVAL;
	struct ftopic *ts = calloc(nt > 0 ? nt : 1, sizeof(*ts));
	if (!ts)
		return -ENOMEM;
	*out = ts;
	int ti = forgotten ? fx.f_id : fx.t_id;
	int tn = forgotten ? fx.f_name : fx.t_name;
	int tp = forgotten ? fx.f_parts : fx.t_parts;
	for (int32_t t = 0; t < nt; t++) {
		struct ftopic *ft = &ts[t];
		struct kv *te = &tv->a.v[t], *pv = kv_at(te, tp);
		ft->by_id = ver >= fx.r_topic_id.lo;
		if (ft->by_id)
			memcpy(ft->id, kv_at(te, ti)->u, 16);
		else
			ft->named = kstr_copy(ft->name, sizeof(ft->name),
					      kv_at(te, tn)->s);
		ft->parts =
		    calloc(pv->a.n > 0 ? pv->a.n : 1, sizeof(*ft->parts));
		if (pv->a.n < 0 || !ft->parts)
			return -ENOMEM;
		*count = t + 1;
		for (int32_t p = 0; p < pv->a.n; p++) {
			struct fpart *fp = &ft->parts[p];
			struct kv *pe = &pv->a.v[p];
			if (forgotten) {
				fp->part = (int32_t)pe->i;
				continue;
			}
			fp->part = (int32_t)kv_at(pe, fx.p_part)->i;
			fp->offset = kv_at(pe, fx.p_offset)->i;
			fp->max_bytes = (int32_t)kv_at(pe, fx.p_max)->i;
		}
		ft->np = pv->a.n;
	}
	return 0;
}

/* Copy the request out of the connection's buffer (it may be parked):
 * decoded by the codec, kept in a small struct of its own. Replica
 * fields, the isolation level (no transactions: LSO == HWM), leader
 * epochs (one leader, one epoch) and the rack are read and not used. */
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
	/* Defaults before v7: no session (0, -1). */
	f->session_id = (int32_t)kv_at(&req, fx.session_id)->i;
	f->epoch = (int32_t)kv_at(&req, fx.session_epoch)->i;
	if (ftopics_parse(kv_at(&req, fx.topics), q->ver, false, &f->topics,
			  &f->nt) ||
	    ftopics_parse(kv_at(&req, fx.forgotten), q->ver, true,
			  &f->forgotten, &f->nf))
		goto bad;
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

/* ---- sessions ------------------------------------------------------------ */

static struct fs_cache *fsessions(struct broker *b)
{
	struct fetch_waits *w = b->waits;
	if (!w->sessions &&
	    fs_cache_new(&w->sessions, b->cfg.fetch_session_slots,
			 b->cfg.fetch_session_evict_ms,
			 b->cfg.log.max_partitions_per_request))
		w->sessions = NULL;
	return w->sessions;
}

const struct fs_cache *fetch_sessions(const struct broker *b)
{
	return b->waits->sessions;
}

/* Apply the request to its session (FetchManager.newContext in Kafka):
 * decide how it is answered, and for an incremental fetch add, update
 * and forget its partitions and move the session's epoch on. */
static void fetch_begin(struct broker *b, struct freq *f)
{
	f->mode = FM_SESSIONLESS;
	if (f->ver < 7)
		return;
	struct fs_cache *c = fsessions(b);
	struct fsess *s = c ? fs_get(c, f->session_id) : NULL;
	if (f->epoch == FS_INITIAL_EPOCH || f->epoch == FS_FINAL_EPOCH) {
		if (s) { /* a full fetch closes the session it names */
			blog_debug("fetch session %d closed", s->id);
			fs_remove(c, s);
		}
		if (f->epoch == FS_INITIAL_EPOCH && c)
			f->mode = FM_FULL;
		return;
	}
	f->mode = FM_ERROR;
	if (!s) {
		f->error = KERR_FETCH_SESSION_ID_NOT_FOUND;
		return;
	}
	if (s->epoch != f->epoch) {
		f->error = KERR_INVALID_FETCH_SESSION_EPOCH;
		return;
	}
	if (s->by_id != (f->ver >= fx.r_topic_id.lo)) {
		f->error = KERR_FETCH_SESSION_TOPIC_ID_ERROR;
		return;
	}
	int rc = 0;
	for (int32_t t = 0; t < f->nt && !rc; t++) {
		const struct ftopic *ft = &f->topics[t];
		const char *name = ftopic_name(b, ft);
		for (int32_t i = 0; i < ft->np && rc >= 0; i++)
			rc = fs_put(c, s, name, name ? strlen(name) : 0, ft->id,
				    ft->parts[i].part, ft->parts[i].offset,
				    ft->parts[i].max_bytes);
		rc = rc < 0 ? rc : 0;
	}
	for (int32_t t = 0; t < f->nf && !rc; t++) {
		const struct ftopic *ft = &f->forgotten[t];
		const char *name = ft->named ? ft->name : NULL;
		for (int32_t i = 0; i < ft->np; i++)
			fs_forget(s, name, name ? strlen(name) : 0, ft->id,
				  ft->parts[i].part);
	}
	fs_settle(c, s);
	if (rc < 0 || !s->nlive) {
		/* Emptied, or past max.partitions.per.request (or memory):
		 * the session ends and this request is answered without
		 * one, as Kafka answers a session left empty. */
		blog_debug("fetch session %d closed: %s", s->id,
			   rc < 0 ? strerror(-rc) : "no partitions left");
		fs_remove(c, s);
		f->mode = FM_SESSIONLESS;
		return;
	}
	fs_touch(c, s, ev_now_ms());
	s->epoch = fs_next_epoch(s->epoch);
	f->epoch = s->epoch;
	f->mode = FM_INCREMENTAL;
}

/* ---- reading and writing the answer -------------------------------------- */

/* One partition of the answer. */
struct fitem {
	uint32_t group;	   /* answered under one topic with its neighbours */
	int32_t sidx;	   /* the session's partition, or -1 */
	const char *wname; /* the topic as written (before v13) */
	const uint8_t *id; /* the topic as written (v13+) */
	const char *name;  /* the topic now, or NULL */
	int32_t part;
	int64_t offset;
	int32_t max_bytes;
	struct plog *l;
	enum kerr err;
	int64_t hwm, start;
	struct plog_slice s;
	bool send; /* in the answer */
};

struct fread {
	struct fitem *items;
	uint32_t n;
	size_t bytes;
	bool errors;
	struct fsess *s; /* FM_INCREMENTAL */
};

static void fread_free(struct fread *x)
{
	for (uint32_t i = 0; i < x->n; i++)
		plog_slice_release(&x->items[i].s);
	free(x->items);
	x->items = NULL;
	x->n = 0;
}

/* The partitions to read: the request's, or the session's. False when
 * out of memory. */
static bool fread_items(struct broker *b, struct freq *f, struct fread *x)
{
	uint32_t n = 0;
	if (f->mode == FM_INCREMENTAL) {
		struct fs_cache *c = fsessions(b);
		x->s = c ? fs_get(c, f->session_id) : NULL;
		if (!x->s || x->s->epoch != f->epoch) {
			/* Closed or used again while this one waited. */
			f->mode = FM_ERROR;
			f->error = x->s ? KERR_INVALID_FETCH_SESSION_EPOCH
					: KERR_FETCH_SESSION_ID_NOT_FOUND;
			x->s = NULL;
			return true;
		}
		n = x->s->np;
	} else if (f->mode != FM_ERROR) {
		for (int32_t t = 0; t < f->nt; t++)
			n += (uint32_t)f->topics[t].np;
	}
	x->items = calloc(n ? n : 1, sizeof(*x->items));
	if (!x->items)
		return false;
	if (f->mode == FM_INCREMENTAL) {
		const struct fsess *s = x->s;
		for (uint32_t i = 0; i < n; i++) {
			const struct fs_part *sp = &s->parts[i];
			const struct fs_topic *st = &s->topics[sp->topic];
			struct fitem *it = &x->items[x->n++];
			it->group = sp->topic;
			it->sidx = (int32_t)i;
			it->wname = st->name;
			it->id = st->id;
			it->name = s->by_id ? topics_by_id(b->topics, st->id)
					    : st->name;
			if (s->by_id && !it->name && st->name) {
				/* Deleted and made again under its name:
				 * Kafka's INCONSISTENT_TOPIC_ID. */
				const uint8_t *now =
				    topics_id(b->topics, st->name);
				if (now && memcmp(now, st->id, 16))
					it->err = KERR_INCONSISTENT_TOPIC_ID;
			}
			it->part = sp->part;
			it->offset = sp->offset;
			it->max_bytes = sp->max_bytes;
		}
		return true;
	}
	for (int32_t t = 0; f->mode != FM_ERROR && t < f->nt; t++) {
		const struct ftopic *ft = &f->topics[t];
		const char *name = ftopic_name(b, ft);
		for (int32_t i = 0; i < ft->np; i++) {
			struct fitem *it = &x->items[x->n++];
			it->group = (uint32_t)t;
			it->sidx = -1;
			it->wname = ft->name;
			it->id = ft->id;
			it->name = name;
			it->part = ft->parts[i].part;
			it->offset = ft->parts[i].offset;
			it->max_bytes = ft->parts[i].max_bytes;
		}
	}
	return true;
}

/* Read every partition (record bytes as file slices, nothing sent yet)
 * for connection c and decide which go in the answer. False when out of
 * memory. */
static bool fetch_read(struct broker *b, const struct conn *c, struct freq *f,
		       struct fread *x)
{
	memset(x, 0, sizeof(*x));
	if (!fread_items(b, f, x))
		return false;
	size_t budget = f->max_bytes > 0 ? (size_t)f->max_bytes : 0;
	size_t got = 0;
	for (uint32_t i = 0; i < x->n; i++) {
		struct fitem *it = &x->items[i];
		it->hwm = it->start = -1;
		it->s.fd = -1;
		if (it->name && !it->err &&
		    !broker_authorized(b, c, ACL_OP_READ, ACL_RES_TOPIC,
				       it->name))
			it->err = KERR_TOPIC_AUTHORIZATION_FAILED;
		it->l = it->name && !it->err
			    ? topics_log(b->topics, it->name, it->part)
			    : NULL;
		if (!it->l && !it->err) {
			bool by_id =
			    x->s ? x->s->by_id : f->ver >= fx.r_topic_id.lo;
			it->err = by_id && !it->name ? KERR_UNKNOWN_TOPIC_ID
						     : KERR_UNKNOWN_TOPIC;
		} else if (it->l) {
			struct plog *l = it->l;
			it->hwm = plog_end_offset(l);
			it->start = plog_start_offset(l);
			size_t lim = it->max_bytes > 0 ? it->max_bytes : 0;
			size_t left = budget > got ? budget - got : 0;
			if (lim > left)
				lim = left;
			int rc = 0;
			if (lim > 0 || !got)
				rc = plog_read(l, it->offset, lim, &it->s);
			else if (it->offset < it->start || it->offset > it->hwm)
				rc = -ERANGE;
			if (rc == -ERANGE) {
				it->err = KERR_OFFSET_OUT_OF_RANGE;
			} else if (rc < 0) {
				blog("read %s-%d at %lld: %s", it->name,
				     it->part, (long long)it->offset,
				     strerror(-rc));
				it->err = KERR_KAFKA_STORAGE_ERROR;
			}
			/* Past the first data, a batch that does not fit
			 * waits for next time. */
			if (rc < 0 || !it->s.len || (got && it->s.len > left)) {
				plog_slice_release(&it->s);
				it->s.len = 0;
			}
			got += it->s.len;
		}
		if (it->err)
			x->errors = true;
		it->send = true;
		if (x->s) { /* only what changed (Kafka's CachedPartition) */
			const struct fs_part *sp = &x->s->parts[it->sidx];
			it->send = it->s.len || it->err || sp->hwm != it->hwm ||
				   sp->start != it->start;
		}
	}
	x->bytes = got;
	return true;
}
/* Counts and tagged fields in the flexible versions (KIP-482). */
static void fw_array(struct kw *w, bool flex, int32_t n)
{
	if (flex)
		kw_uvarint(w, (uint64_t)n + 1);
	else
		kw_array(w, n);
}

/* A full fetch at epoch 0: a session of the partitions read, remembering
 * what this answer tells of each. NULL when there is no room. */
static struct fsess *session_make(struct broker *b, const struct freq *f,
				  const struct fread *x)
{
	struct fs_cache *c = fsessions(b);
	bool by_id = f->ver >= fx.r_topic_id.lo;
	struct fsess *s = c ? fs_create(c, ev_now_ms(), by_id, x->n) : NULL;
	for (uint32_t i = 0; s && i < x->n; i++) {
		const struct fitem *it = &x->items[i];
		const char *name = by_id ? it->name : it->wname;
		bool ok = by_id || f->topics[it->group].named;
		int rc =
		    ok ? fs_put(c, s, name, name ? strlen(name) : 0, it->id,
				it->part, it->offset, it->max_bytes)
		       : -EINVAL;
		if (rc < 0) {
			fs_remove(c, s);
			return NULL;
		}
		s->parts[rc].hwm = it->err ? -1 : it->hwm;
		s->parts[rc].start = it->start;
	}
	if (s)
		blog_debug("fetch session %d created: %u partitions", s->id,
			   s->nlive);
	return s;
}

/* Write the answer of what fetch_read read (the slices go into r), and
 * update the session: this is the answer that is sent. */
static void fetch_write(struct broker *b, struct freq *f, struct fread *x,
			struct resp *r)
{
	struct kw *w = &r->w;
	bool flex = f->ver >= fx.flex;
	int32_t sid = FS_INVALID_ID;
	if (f->mode == FM_FULL) {
		struct fsess *s = session_make(b, f, x);
		sid = s ? s->id : FS_INVALID_ID;
	} else if (f->mode == FM_INCREMENTAL) {
		sid = x->s->id;
	}
	kw_i32(w, 0); /* throttle_time_ms */
	if (f->ver >= 7) {
		kw_i16(w, f->mode == FM_ERROR ? f->error : KERR_NONE);
		kw_i32(w, sid);
	}
	/* Neighbours of one topic share its entry, as Kafka groups them. */
	int32_t ngroups = 0;
	for (uint32_t i = 0, last = UINT32_MAX; i < x->n; i++) {
		if (!x->items[i].send)
			continue;
		if (!ngroups || x->items[i].group != last)
			ngroups++;
		last = x->items[i].group;
	}
	fw_array(w, flex, ngroups);
	uint32_t sent = 0;
	for (uint32_t i = 0; i < x->n;) {
		if (!x->items[i].send) {
			i++;
			continue;
		}
		const struct fitem *head = &x->items[i];
		uint32_t end = i, np = 0;
		for (; end < x->n; end++) {
			if (!x->items[end].send)
				continue;
			if (x->items[end].group != head->group)
				break;
			np++;
		}
		if (f->ver >= fx.r_topic_id.lo)
			kw_raw(w, head->id, 16);
		else if (flex)
			kw_cstr(w, head->wname ? head->wname : "");
		else
			kw_str(w, head->wname ? head->wname : "");
		fw_array(w, flex, (int32_t)np);
		for (; i < end; i++) {
			struct fitem *it = &x->items[i];
			if (!it->send)
				continue;
			sent++;
			kw_i32(w, it->part);
			kw_i16(w, it->err);
			kw_i64(w, it->hwm);
			if (ks_in(fx.r_lso, f->ver))
				kw_i64(w, it->hwm); /* last_stable_offset */
			if (ks_in(fx.r_start, f->ver))
				kw_i64(w, it->start);
			fw_array(w, flex, 0); /* aborted transactions: none */
			if (ks_in(fx.r_replica, f->ver))
				kw_i32(w, -1); /* preferred_read_replica */
			if (flex)	       /* compact bytes: length + 1 */
				kw_uvarint(w, (uint64_t)it->s.len + 1);
			else
				kw_i32(w, (int32_t)it->s.len);
			if (x->s) { /* what the client now knows */
				struct fs_part *sp = &x->s->parts[it->sidx];
				sp->hwm = it->err ? -1 : it->hwm;
				sp->start = it->start;
				if (it->s.len)
					sp->moved = x->s->dirty = true;
			}
			if (it->s.len) {
				resp_slice(r, &it->s); /* r owns it now */
				it->s.ref = NULL;
				it->s.len = 0;
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
	if (x->s) {
		blog_debug("fetch session %d epoch %d: %u partitions, %u "
			   "answered",
			   x->s->id, f->epoch - 1, x->s->np, sent);
		fs_count_incremental(fsessions(b));
		fs_settle(fsessions(b), x->s);
	}
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
	if (w->sessions) {
		struct fs_stats st;
		fs_cache_stats(w->sessions, &st);
		blog("fetch sessions: %llu created, %llu incremental fetches, "
		     "%llu evicted, %llu refused",
		     (unsigned long long)st.created,
		     (unsigned long long)st.incremental,
		     (unsigned long long)st.evicted,
		     (unsigned long long)st.refused);
	}
	fs_cache_free(w->sessions);
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

/* Read and write the answer, or only an empty one without memory. */
static void fetch_answer(struct broker *b, const struct conn *c, struct freq *f,
			 struct resp *r)
{
	struct fread x;
	if (!fetch_read(b, c, f, &x)) {
		fread_free(&x);
		f->mode = FM_ERROR;
		f->error = KERR_UNKNOWN;
		fetch_read(b, c, f, &x);
	}
	fetch_write(b, f, &x, r);
	fread_free(&x);
}

static void encode_fetch(struct resp *r, int16_t ver, const void *state)
{
	const struct fetch_wait *fw = state;
	fetch_answer(fw->b, fw->c, fw->req, r);
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

/* Park f (not enough bytes yet: `have`) on the partitions x read. False
 * when out of memory. */
static bool park(struct broker *b, struct conn *c, const struct kreq *q,
		 struct freq *f, const struct fread *x)
{
	struct fetch_wait *fw =
	    calloc(1, sizeof(*fw) + (size_t)x->n * sizeof(fw->links[0]));
	if (!fw)
		return false;
	fw->b = b;
	fw->c = c;
	fw->req = f;
	fw->have = x->bytes;
	for (uint32_t i = 0; i < x->n; i++) {
		const struct fitem *it = &x->items[i];
		struct wlink *lk = &fw->links[fw->nlinks];
		if (!it->l)
			continue; /* answered with an error already */
		lk->fw = fw;
		lk->cap = it->max_bytes > 0 ? (size_t)it->max_bytes : 0;
		fw->nlinks++;
		if (link_add(b->waits, lk, it->l))
			goto fail;
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
	struct fread x;
	if (!f)
		return API_BAD;
	fetch_begin(b, f);
	if (!fetch_read(b, c, f, &x)) {
		fread_free(&x);
		freq_free(f);
		return API_BAD; /* out of memory: close, as for a frame */
	}
	if (f->mode == FM_ERROR || x.errors || f->max_wait <= 0 ||
	    f->min_bytes <= 0 || x.bytes >= (size_t)f->min_bytes ||
	    !park(b, c, q, f, &x)) {
		fetch_write(b, f, &x, r); /* or out of memory to park */
		fread_free(&x);
		freq_free(f);
		return API_REPLY;
	}
	fread_free(&x); /* read again when answered */
	return API_PENDING;
}
