/* SPDX-License-Identifier: MIT */
/*
 * proto_fsess.c — fetch sessions (KIP-227) through broker_dispatch, and
 * the session cache itself with a made-up clock:
 *
 *   - full fetch at epoch 0 -> a session; incremental fetches answer only
 *     partitions with records, a moved high watermark or an error, while
 *     the session keeps every fetch offset; forgotten partitions leave;
 *     epoch -1 closes it (v12, names; and v13, topic IDs);
 *   - a wrong epoch (INVALID_FETCH_SESSION_EPOCH), an unknown id
 *     (FETCH_SESSION_ID_NOT_FOUND), a version that disagrees with the
 *     session's topic IDs (FETCH_SESSION_TOPIC_ID_ERROR), a topic made
 *     again under its name (INCONSISTENT_TOPIC_ID);
 *   - a parked incremental fetch answered, when records arrive, with the
 *     partitions that got them;
 *   - a sessionless client (v4, v11 epoch -1) answered every partition
 *     every time, between the session's requests;
 *   - a full cache answers without a session (id 0); a stale session is
 *     evicted; a session past max.partitions.per.request ends;
 *   - the cache's eviction order as Kafka's, and its memory returned.
 */
#include <malloc.h>

#include "batch_builder.h"
#include "blog.h"
#include "proto/fetch_session.h"
#include "proto/ks_handler.h"
#include "proto_harness.h"

static struct tconn T, S;
static struct ks_arena A;
static int32_t max_bytes = 1 << 20; /* the requests' MaxBytes */

/* One partition of a request, or of an answer. */
struct fp {
	const char *topic;
	int32_t part;
	int64_t offset;
};

struct fans {
	int16_t err;
	int32_t sid;
	int n;
	struct {
		char topic[32];
		int32_t part;
		int16_t err;
		int64_t hwm;
		int32_t rlen;
		int64_t base; /* first record batch's base offset, or -1 */
	} p[16];
};

#define RQ(v, name) ks_get(&ks_req(1)->root, (v), (name))

static const uint8_t ghost[16] = {9, 9, 9};

static const uint8_t *tid(const char *topic)
{
	const uint8_t *id = topics_id(th_b.topics, topic);
	return id ? id : ghost;
}

/* Topics of ps (neighbours of one topic share an entry) into arr. */
static void fill_topics(int ver, struct kv *arr, const struct ks_struct *ts,
			const struct fp *ps, int n, bool forgotten)
{
	int nt = 0;
	for (int i = 0; i < n; i++)
		nt += !i || strcmp(ps[i].topic, ps[i - 1].topic);
	const struct ks_struct *parent = &ks_req(1)->root;
	const char *fname = forgotten ? "ForgottenTopicsData" : "Topics";
	CHECK_EQ(ks_array(ks_fld(parent, fname), nt, &A, arr), 0);
	for (int i = 0, t = -1; i < n; i++) {
		if (!i || strcmp(ps[i].topic, ps[i - 1].topic)) {
			struct kv *te = &arr->a.v[++t];
			int k = 0;
			for (int j = i;
			     j < n && !strcmp(ps[j].topic, ps[i].topic); j++)
				k++;
			if (ver >= 13)
				memcpy(ks_get(ts, te, "TopicId")->u,
				       tid(ps[i].topic), 16);
			else
				kv_setstr(ks_get(ts, te, "Topic"), ps[i].topic);
			struct kv *pv = ks_get(ts, te, "Partitions");
			CHECK_EQ(ks_array(ks_fld(ts, "Partitions"), k, &A, pv),
				 0);
			for (int j = 0; j < k; j++) {
				struct kv *pe = &pv->a.v[j];
				if (forgotten) {
					pe->i = ps[i + j].part;
					continue;
				}
				const struct ks_struct *qp =
				    ks_sub(ts, "Partitions");
				ks_get(qp, pe, "Partition")->i = ps[i + j].part;
				ks_get(qp, pe, "FetchOffset")->i =
				    ps[i + j].offset;
				ks_get(qp, pe, "PartitionMaxBytes")->i = 1
									 << 20;
			}
		}
	}
}

/* A Fetch request of ver with its header, ready to send. */
static void fetch_msg(struct kw *w, int ver, int32_t corr, int32_t sid,
		      int32_t epoch, const struct fp *ps, int np,
		      const struct fp *fg, int nf, int32_t max_wait)
{
	const struct ks_msg *m = ks_req(1), *hm = ks_req_header();
	struct kv *q = ks_new(m, &A), *h = ks_new(hm, &A);
	RQ(q, "MaxWaitMs")->i = max_wait;
	RQ(q, "MinBytes")->i = 1;
	RQ(q, "MaxBytes")->i = max_bytes;
	RQ(q, "SessionId")->i = sid;
	RQ(q, "SessionEpoch")->i = epoch;
	fill_topics(ver, RQ(q, "Topics"), ks_sub(&m->root, "Topics"), ps, np,
		    false);
	if (ver >= 7)
		fill_topics(ver, RQ(q, "ForgottenTopicsData"),
			    ks_sub(&m->root, "ForgottenTopicsData"), fg, nf,
			    true);
	ks_get(&hm->root, h, "RequestApiKey")->i = 1;
	ks_get(&hm->root, h, "RequestApiVersion")->i = ver;
	ks_get(&hm->root, h, "CorrelationId")->i = corr;
	kv_setstr(ks_get(&hm->root, h, "ClientId"), "fsess");
	kw_init(w);
	CHECK_EQ(ks_encode(hm, ks_req_header_ver(m, ver), h, w), 0);
	CHECK_EQ(ks_encode(m, ver, q, w), 0);
}

static int64_t base_of(const uint8_t *p)
{
	return (int64_t)((uint64_t)(uint32_t)kbe32(p) << 32 |
			 (uint32_t)kbe32(p + 4));
}

/* Decode an answer body (after the correlation id) into a. */
static bool fans_parse(int ver, const uint8_t *p, size_t len, struct fans *a)
{
	const struct ks_msg *m = ks_resp(1);
	const struct ks_struct *rt = ks_sub(&m->root, "Responses");
	const struct ks_struct *rp = ks_sub(rt, "Partitions");
	struct kr r;
	struct kv v;
	kr_init(&r, p, len);
	if (ks_resp_header_ver(m, ver) >= 1)
		kr_tags(&r);
	memset(a, 0, sizeof(*a));
	if (ks_decode(m, ver, &r, &A, &v) < 0)
		return false;
	a->err = (int16_t)ks_get(&m->root, &v, "ErrorCode")->i;
	a->sid = (int32_t)ks_get(&m->root, &v, "SessionId")->i;
	struct kv *ts = ks_get(&m->root, &v, "Responses");
	for (int32_t t = 0; t < ts->a.n; t++) {
		struct kv *te = &ts->a.v[t];
		const char *name =
		    ver >= 13 ? topics_by_id(th_b.topics,
					     ks_get(rt, te, "TopicId")->u)
			      : NULL;
		struct kstr ks = ks_get(rt, te, "Topic")->s;
		struct kv *ps = ks_get(rt, te, "Partitions");
		for (int32_t i = 0; i < ps->a.n && a->n < 16; i++) {
			struct kv *pe = &ps->a.v[i];
			if (name)
				snprintf(a->p[a->n].topic, 32, "%s", name);
			else
				kstr_copy(a->p[a->n].topic, 32, ks);
			a->p[a->n].part =
			    (int32_t)ks_get(rp, pe, "PartitionIndex")->i;
			a->p[a->n].err =
			    (int16_t)ks_get(rp, pe, "ErrorCode")->i;
			a->p[a->n].hwm = ks_get(rp, pe, "HighWatermark")->i;
			struct kstr rec = ks_get(rp, pe, "Records")->s;
			a->p[a->n].rlen = rec.len > 0 ? rec.len : 0;
			a->p[a->n].base =
			    rec.len >= 8 ? base_of((const uint8_t *)rec.p) : -1;
			a->n++;
		}
	}
	return true;
}

/* Send a fetch answered at once; its answer in a. */
static bool fetch(struct tconn *t, int ver, int32_t sid, int32_t epoch,
		  const struct fp *ps, int np, const struct fp *fg, int nf,
		  struct fans *a)
{
	static int32_t corr = 100;
	struct kw w;
	size_t len;
	fetch_msg(&w, ver, ++corr, sid, epoch, ps, np, fg, nf, 0);
	const uint8_t *p = th_call(t, &w, corr, &len);
	kw_free(&w);
	return p && fans_parse(ver, p, len, a);
}

/* The answer's entry for topic/part, or -1. */
static int has(const struct fans *a, const char *topic, int32_t part)
{
	for (int i = 0; i < a->n; i++)
		if (!strcmp(a->p[i].topic, topic) && a->p[i].part == part)
			return i;
	return -1;
}

static void append(const char *topic, int32_t part, int32_t count)
{
	static uint64_t seed = 1;
	uint8_t b[8192];
	struct batch_info bi;
	size_t n = bb_build(b, count, 50, 1000, 1, seed++);
	struct plog *l = topics_log(th_b.topics, topic, part);
	CHECK(l != NULL);
	if (!l)
		return;
	CHECK_EQ(batch_validate(b, n, 1 << 20, &bi), 0);
	CHECK(plog_append(l, b, n, &bi, 0) >= 0);
	fetch_notify(&th_b, l, n);
}

static struct fs_stats stats(void)
{
	struct fs_stats st;
	fs_cache_stats(fetch_sessions(&th_b), &st);
	return st;
}

/* A sessionless client, between the session's requests: every
 * partition asked, every time, with its records. */
static void sessionless_check(int ver)
{
	struct fp all[] = {{"a", 0, 0}, {"a", 1, 0}, {"b", 0, 0}};
	struct fans a;
	uint32_t before = stats().sessions;
	if (!fetch(&S, ver, 0, -1, all, 3, NULL, 0, &a)) {
		CHECK(!"sessionless fetch answered");
		return;
	}
	CHECK_EQ(a.err, 0);
	CHECK_EQ(a.sid, 0);
	CHECK_EQ(a.n, 3);
	for (int i = 0; i < a.n; i++)
		CHECK(a.p[i].rlen > 0 && a.p[i].base == 0);
	CHECK_EQ(stats().sessions, before);
}

static int64_t end_of(const char *topic, int32_t part)
{
	return plog_end_offset(topics_log(th_b.topics, topic, part));
}

static void t_session(int ver)
{
	struct fp full[] = {{"a", 0, 0}, {"a", 1, 0}, {"a", 2, 0}, {"b", 0, 0}};
	struct fans a;
	int i;

	/* Full, epoch 0: a session, every partition answered. */
	CHECK(fetch(&T, ver, 0, 0, full, 4, NULL, 0, &a));
	int32_t sid = a.sid;
	CHECK(sid != 0);
	CHECK_EQ(a.err, 0);
	CHECK_EQ(a.n, 4);
	CHECK((i = has(&a, "a", 0)) >= 0 && a.p[i].rlen > 0);
	CHECK_EQ(stats().sessions, 1);
	CHECK_EQ(stats().partitions, 4);
	sessionless_check(ver >= 13 ? 11 : 4);

	/* Epoch 1: the client moves every partition to its end; none is
	 * answered (no records, same watermarks). Epoch 2: the same. */
	int64_t e0 = end_of("a", 0), e2 = end_of("a", 2);
	struct fp ends[] = {{"a", 0, e0},
			    {"a", 1, end_of("a", 1)},
			    {"a", 2, e2},
			    {"b", 0, end_of("b", 0)}};
	CHECK(fetch(&T, ver, sid, 1, ends, 4, NULL, 0, &a));
	CHECK_EQ(a.err, 0);
	CHECK_EQ(a.sid, sid);
	CHECK_EQ(a.n, 0);
	CHECK(fetch(&T, ver, sid, 2, NULL, 0, NULL, 0, &a));
	CHECK_EQ(a.n, 0);
	/* Records on a-0 come from where the session left it. */
	append("a", 0, 3);
	CHECK(fetch(&T, ver, sid, 3, NULL, 0, NULL, 0, &a));
	CHECK_EQ(a.n, 1);
	CHECK((i = has(&a, "a", 0)) >= 0 && a.p[i].base == e0 &&
	      a.p[i].hwm == e0 + 3);
	sessionless_check(ver >= 13 ? 11 : 4);

	/* Forget b-0, add b-1, move a-0: b-1 alone is answered (new to the
	 * session); records on b-0 are no longer answered. */
	struct fp add[] = {{"a", 0, e0 + 3}, {"b", 1, 0}};
	struct fp forget[] = {{"b", 0, 0}};
	CHECK(fetch(&T, ver, sid, 4, add, 2, forget, 1, &a));
	CHECK_EQ(a.n, 1);
	CHECK(has(&a, "b", 1) >= 0);
	CHECK_EQ(stats().partitions, 4);
	append("b", 0, 2);
	CHECK(fetch(&T, ver, sid, 5, NULL, 0, NULL, 0, &a));
	CHECK_EQ(a.n, 0);

	/* A wrong epoch, an unknown id, the other kind of topics: errors
	 * with no partitions and session id 0; the session goes on. */
	CHECK(fetch(&T, ver, sid, 3, NULL, 0, NULL, 0, &a));
	CHECK_EQ(a.err, KERR_INVALID_FETCH_SESSION_EPOCH);
	CHECK_EQ(a.sid, 0);
	CHECK_EQ(a.n, 0);
	CHECK(fetch(&T, ver, sid ^ 0x40000, 6, NULL, 0, NULL, 0, &a));
	CHECK_EQ(a.err, KERR_FETCH_SESSION_ID_NOT_FOUND);
	CHECK(fetch(&T, ver >= 13 ? 12 : 13, sid, 6, NULL, 0, NULL, 0, &a));
	CHECK_EQ(a.err, KERR_FETCH_SESSION_TOPIC_ID_ERROR);
	CHECK(fetch(&T, ver, sid, 6, NULL, 0, NULL, 0, &a));
	CHECK_EQ(a.err, 0);
	CHECK_EQ(a.sid, sid);

	/* Parked: an incremental fetch waits, records arrive on a-2 only,
	 * the answer holds a-2 alone. */
	struct kw w;
	struct kr r;
	fetch_msg(&w, ver, 77, sid, 7, NULL, 0, NULL, 0, 30000);
	CHECK_EQ(th_send(&T, &w), API_PENDING);
	CHECK_EQ(fetch_parked(&th_b), 1);
	append("a", 2, 4);
	broker_settle(&th_b);
	CHECK_EQ(fetch_parked(&th_b), 0);
	CHECK(th_answer(&T, 77, &r));
	CHECK(fans_parse(ver, r.p + r.off, kr_left(&r), &a));
	CHECK_EQ(a.sid, sid);
	CHECK_EQ(a.n, 1);
	CHECK((i = has(&a, "a", 2)) >= 0 && a.p[i].base == e2 &&
	      a.p[i].rlen > 0);

	/* Emptied by forgetting: closed, answered without a session. */
	struct fp rest[] = {{"a", 0, 0}, {"a", 1, 0}, {"a", 2, 0}, {"b", 1, 0}};
	CHECK(fetch(&T, ver, sid, 8, NULL, 0, rest, 4, &a));
	CHECK_EQ(a.err, 0);
	CHECK_EQ(a.sid, 0);
	CHECK_EQ(stats().sessions, 0);

	/* Epoch -1 closes: a new one, then closed; its id is gone. */
	CHECK(fetch(&T, ver, 0, 0, full, 4, NULL, 0, &a));
	sid = a.sid;
	CHECK(sid != 0 && stats().sessions == 1);
	CHECK(fetch(&T, ver, sid, -1, full, 4, NULL, 0, &a));
	CHECK_EQ(a.sid, 0);
	CHECK_EQ(a.n, 4);
	CHECK_EQ(stats().sessions, 0);
	CHECK(fetch(&T, ver, sid, 1, NULL, 0, NULL, 0, &a));
	CHECK_EQ(a.err, KERR_FETCH_SESSION_ID_NOT_FOUND);
}

/* Partitions that had records go to the end of the session: with room
 * for one batch per answer, r-0 (always with more) cannot starve r-1. */
static void t_rotation(void)
{
	struct fp full[] = {{"r", 0, 0}, {"r", 1, 0}};
	struct fans a;
	int i;
	CHECK_EQ(topics_create(th_b.topics, "r", 2), 0);
	for (int k = 0; k < 3; k++)
		append("r", 0, 2);
	append("r", 1, 2);
	max_bytes = 1;
	CHECK(fetch(&T, 12, 0, 0, full, 2, NULL, 0, &a));
	int32_t sid = a.sid;
	CHECK((i = has(&a, "r", 0)) >= 0 && a.p[i].base == 0);
	CHECK((i = has(&a, "r", 1)) >= 0 && a.p[i].rlen == 0);
	struct fp next[] = {{"r", 0, 2}};
	CHECK(fetch(&T, 12, sid, 1, next, 1, NULL, 0, &a));
	CHECK(a.n == 1 && a.p[0].part == 0 && a.p[0].base == 2);
	next[0].offset = 4;
	CHECK(fetch(&T, 12, sid, 2, next, 1, NULL, 0, &a));
	CHECK(a.n == 1 && a.p[0].part == 1 && a.p[0].base == 0);
	CHECK(fetch(&T, 12, sid, -1, NULL, 0, NULL, 0, &a));
	max_bytes = 1 << 20;
}

/* v13+: a session by topic ID; its topic deleted and made again under
 * the same name answers INCONSISTENT_TOPIC_ID. */
static void t_topic_ids(void)
{
	struct fans a;
	CHECK_EQ(topics_create(th_b.topics, "c", 1), 0);
	append("c", 0, 2);
	struct fp full[] = {{"c", 0, 0}, {"a", 0, end_of("a", 0)}};
	CHECK(fetch(&T, 16, 0, 0, full, 2, NULL, 0, &a));
	int32_t sid = a.sid;
	CHECK(sid != 0 && a.n == 2);
	CHECK_EQ(topics_delete(th_b.topics, "c"), 0);
	CHECK(fetch(&T, 16, sid, 1, NULL, 0, NULL, 0, &a));
	CHECK(a.n == 1 && a.p[0].err == KERR_UNKNOWN_TOPIC_ID);
	CHECK_EQ(topics_create(th_b.topics, "c", 1), 0);
	CHECK(fetch(&T, 16, sid, 2, NULL, 0, NULL, 0, &a));
	CHECK(a.n == 1 && a.p[0].err == KERR_INCONSISTENT_TOPIC_ID);
	CHECK(fetch(&T, 16, sid, -1, NULL, 0, NULL, 0, &a));
	CHECK_EQ(stats().sessions, 0);
}

/* Two slots, eviction after 400 ms idle, at most 3 partitions each. */
static void t_limits(void)
{
	struct fp one[] = {{"a", 0, 0}}, two[] = {{"a", 1, 0}, {"b", 0, 0}};
	struct fp four[] = {{"a", 0, 0}, {"a", 1, 0}, {"a", 2, 0}, {"b", 0, 0}};
	struct fans a;

	th_teardown();
	close(T.peer);
	close(S.peer);
	th_setup();
	th_b.cfg.fetch_session_slots = 2;
	th_b.cfg.fetch_session_evict_ms = 400;
	th_b.cfg.log.max_partitions_per_request = 3;
	th_conn(&T);
	th_conn(&S);
	CHECK(fetch(&T, 12, 0, 0, four, 4, NULL, 0, &a));
	CHECK(a.sid == 0 && a.n == 4); /* past 3: no session */
	CHECK(fetch(&T, 12, 0, 0, one, 1, NULL, 0, &a));
	int32_t s1 = a.sid;
	CHECK(fetch(&T, 12, 0, 0, two, 2, NULL, 0, &a));
	int32_t s2 = a.sid;
	CHECK(s1 && s2 && s1 != s2);
	/* Full, and neither is stale: no session, answered all the same. */
	CHECK(fetch(&T, 12, 0, 0, one, 1, NULL, 0, &a));
	CHECK(a.sid == 0 && a.n == 1 && a.p[0].rlen > 0);
	CHECK_EQ(stats().refused, 2);
	sessionless_check(7);
	/* s1 idle past the eviction time, s2 used: s1 goes. */
	th_run(250);
	CHECK(fetch(&T, 12, s2, 1, NULL, 0, NULL, 0, &a));
	CHECK_EQ(a.err, 0);
	th_run(250);
	CHECK(fetch(&T, 12, 0, 0, one, 1, NULL, 0, &a));
	int32_t s3 = a.sid;
	CHECK(s3 != 0);
	CHECK_EQ(stats().evicted, 1);
	CHECK(fetch(&T, 12, s1, 1, NULL, 0, NULL, 0, &a));
	CHECK_EQ(a.err, KERR_FETCH_SESSION_ID_NOT_FOUND);
	CHECK(fetch(&T, 12, s2, 2, NULL, 0, NULL, 0, &a));
	CHECK_EQ(a.err, 0);
	/* s2 grows past 3 partitions: it ends, this answer has no session
	 * and holds the partitions asked. */
	struct fp more[] = {{"a", 2, 0}, {"b", 1, 0}};
	CHECK(fetch(&T, 12, s2, 3, more, 2, NULL, 0, &a));
	CHECK(a.err == 0 && a.sid == 0 && a.n == 2);
	CHECK(fetch(&T, 12, s2, 4, NULL, 0, NULL, 0, &a));
	CHECK_EQ(a.err, KERR_FETCH_SESSION_ID_NOT_FOUND);
	CHECK_EQ(stats().sessions, 1);
}

/* The cache alone, with a made-up clock: Kafka's eviction order, and
 * the memory of sessions given back. */
static void t_cache(void)
{
	struct fs_cache *c;
	struct fs_stats st, base;
	char name[16];
	CHECK_EQ(fs_cache_new(&c, 3, 1000, 5000), 0);
	fs_cache_stats(c, &base);
	struct fsess *s[4];
	/* Sizes 3, 1, 2 made at t=0. */
	uint32_t sizes[] = {3, 1, 2};
	for (int i = 0; i < 3; i++) {
		s[i] = fs_create(c, 0, false, sizes[i]);
		CHECK(s[i] != NULL);
		for (uint32_t p = 0; s[i] && p < sizes[i]; p++)
			CHECK(fs_put(c, s[i], "t", 1, NULL, (int32_t)p, 0, 1) >=
			      0);
	}
	int32_t id0 = s[0]->id, id1 = s[1]->id, id2 = s[2]->id;
	/* Full, none stale, none older than the eviction time when used. */
	CHECK(fs_create(c, 500, false, 10) == NULL);
	/* Used at 1500: all three are past 1000 since creation. The
	 * smallest (1 partition) goes for a larger newcomer only. */
	for (int i = 0; i < 3; i++)
		fs_touch(c, s[i], 1500);
	CHECK(fs_create(c, 1600, false, 1) == NULL);
	s[3] = fs_create(c, 1600, false, 2);
	CHECK(s[3] != NULL);
	CHECK(fs_get(c, id1) == NULL && fs_get(c, id0) && fs_get(c, id2));
	/* Idle past the eviction time: the least recently used goes first,
	 * whatever its size (s[0], 3 partitions). */
	fs_touch(c, s[2], 2000);
	fs_touch(c, s[3], 2100);
	CHECK(fs_create(c, 2600, false, 1) != NULL);
	CHECK(fs_get(c, id0) == NULL && fs_get(c, id2) != NULL);
	fs_cache_stats(c, &st);
	CHECK_EQ(st.evicted, 2);
	CHECK_EQ(st.refused, 2);
	fs_cache_free(c);

	/* Memory: 200 sessions of 2000 partitions over 100 topics, then
	 * each evicted by a one-partition session once stale. */
	CHECK_EQ(fs_cache_new(&c, 200, 1000, 5000), 0);
	fs_cache_stats(c, &base);
#ifndef ZC_SANITIZE
	malloc_trim(0);
	size_t heap0 = mallinfo2().uordblks;
#endif
	for (int i = 0; i < 200; i++) {
		struct fsess *x = fs_create(c, i, false, 2000);
		for (int p = 0; x && p < 2000; p++) {
			snprintf(name, sizeof(name), "topic-%d", p % 100);
			fs_put(c, x, name, strlen(name), NULL, p, p, 1);
		}
	}
	fs_cache_stats(c, &st);
	CHECK_EQ(st.sessions, 200);
	CHECK_EQ(st.partitions, 400000);
	size_t full = st.bytes;
	CHECK(full > base.bytes + 400000 * sizeof(struct fs_part));
#ifndef ZC_SANITIZE
	CHECK(mallinfo2().uordblks - heap0 >= full - base.bytes);
#endif
	for (int i = 0; i < 200; i++) {
		struct fsess *x = fs_create(c, 5000 + i, false, 1);
		CHECK(x && fs_put(c, x, "t", 1, NULL, 0, 0, 1) == 0);
	}
	fs_cache_stats(c, &st);
	CHECK_EQ(st.evicted, 200);
	CHECK_EQ(st.partitions, 200);
	/* What is left: 200 one-partition sessions, a small fraction. */
	CHECK(st.bytes - base.bytes < (full - base.bytes) / 50);
#ifndef ZC_SANITIZE
	CHECK(mallinfo2().uordblks - heap0 < (full - base.bytes) / 50);
#endif
	fs_cache_free(c);
}

int main(void)
{
	blog_quiet(1);
	th_setup();
	CHECK_EQ(topics_create(th_b.topics, "a", 3), 0);
	CHECK_EQ(topics_create(th_b.topics, "b", 2), 0);
	append("a", 0, 5);
	append("a", 1, 2);
	append("b", 0, 1);
	th_conn(&T);
	th_conn(&S);
	ks_arena_init(&A, 64 << 20);
	t_session(12); /* names */
	t_session(16); /* topic IDs: a-0 has more records now */
	t_topic_ids();
	t_rotation();
	t_limits();
	t_cache();
	th_teardown();
	ks_arena_free(&A);
	close(T.peer);
	close(S.peer);
	return t_result();
}
