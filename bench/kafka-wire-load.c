/* SPDX-License-Identifier: MIT */
/*
 * kafka-wire-load.c — produce and fetch throughput of a Kafka broker at a
 * chosen Produce and Fetch version, speaking the wire protocol itself (the
 * broker's table-driven codec encodes the requests and decodes the
 * answers), so that two versions can be measured by the same client in the
 * same run. librdkafka cannot: the system's release stops at Produce v7
 * and Fetch v11.
 *
 *   kafka-wire-load -b HOST:PORT [-t TOPIC] [-n RECORDS] [-s SIZE]
 *                   [-p PARTITIONS] [-B RECORDS_PER_BATCH] [-i INFLIGHT]
 *                   [-P PRODUCE_VERSION] [-F FETCH_VERSION]
 *                   [--produce-only | --fetch-only] [--delete]
 *
 * The topic is created with CreateTopics v7 (which gives its ID, for
 * Produce v13 and Fetch v13+), or found with Metadata v12. Produce: every
 * request carries one uncompressed batch of B records of SIZE bytes per
 * partition, acks=1, up to INFLIGHT requests outstanding on one
 * connection, as a batching client sends them (librdkafka: batch.size
 * 131072, linger.ms 1); each answer must give each partition the base
 * offset that follows the previous one. Fetch: one request at a time
 * asking every partition for 1 MiB from where it stands (a client's
 * max.partition.fetch.bytes); every batch that comes back must start at
 * the next offset and hold the very bytes produced (base offset and
 * leader epoch excepted), so a fast figure cannot hide a lost, repeated or
 * damaged record (the timestamps are checked through the batch's CRC).
 * --delete: DeleteTopics v6 (by ID) at the end, so that many runs fit in
 * a small file system. The request frame is encoded once per phase and only
 * its correlation id (produce) or offsets (fetch) change.
 *
 * Output, one line per phase:
 *   produce vV: N records x SIZE B in S s: R rec/s, M MiB/s
 *   fetch vV: N records x SIZE B in S s: R rec/s, M MiB/s
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROG "kafka-wire-load"
#include "bench_util.h"
#include "log/log_int.h" /* byte order, varints, crc32c */
#include "proto/schema.h"

#define K_PRODUCE 0
#define K_FETCH	  1
#define K_META	  3
#define K_CREATE  19
#define K_DELETE  20
#define MAX_PARTS 64

struct opts {
	const char *addr, *topic;
	long long records;
	int size, parts, batch, inflight;
	int pver, fver;
	bool produce, fetch, del;
};

static int fd = -1;
static uint8_t *rbuf;
static size_t rcap;
static int32_t corr;

static void connect_to(const char *addr)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
	int one = 1;

	if (!colon || (size_t)(colon - addr) >= sizeof(host))
		die("-b wants HOST:PORT");
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = 0;
	if (getaddrinfo(host, colon + 1, &hints, &ai))
		die("cannot resolve %s", addr);
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen))
		die("connect %s: %s", addr, strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	freeaddrinfo(ai);
}

static void send_all(const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("send: %s", w ? strerror(errno) : "closed");
		p += w;
		n -= (size_t)w;
	}
}

static void recv_all(uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("receive: %s", r ? strerror(errno) : "closed");
		p += r;
		n -= (size_t)r;
	}
}

/* The next answer: its body after the correlation id (checked). */
static struct kr recv_answer(int32_t want_corr)
{
	uint8_t h[4];
	struct kr r;

	recv_all(h, 4);
	size_t n = get_be32(h);
	if (n < 4 || n > (1u << 30))
		die("answer of %zu bytes", n);
	if (n > rcap) {
		free(rbuf);
		rcap = n * 2;
		if (!(rbuf = malloc(rcap)))
			die("out of memory");
	}
	recv_all(rbuf, n);
	if ((int32_t)get_be32(rbuf) != want_corr)
		die("answer to %d, expected %d", (int32_t)get_be32(rbuf),
		    want_corr);
	kr_init(&r, rbuf + 4, n - 4);
	return r;
}

/* A whole request frame (size, header, body) of API key at version ver. */
static void frame(struct kw *w, int key, int ver, int32_t c, struct kv *body,
		  struct ks_arena *a)
{
	const struct ks_msg *hm = ks_req_header(), *qm = ks_req(key);
	struct kv *h = ks_new(hm, a);

	if (!h)
		die("out of memory");
	ks_get(&hm->root, h, "RequestApiKey")->i = key;
	ks_get(&hm->root, h, "RequestApiVersion")->i = ver;
	ks_get(&hm->root, h, "CorrelationId")->i = c;
	ks_get(&hm->root, h, "ClientId")->s = (struct kstr){PROG, 15};
	kw_init(w);
	kw_i32(w, 0);
	if (ks_encode(hm, ks_req_header_ver(qm, ver), h, w) ||
	    ks_encode(qm, ver, body, w) || w->err)
		die("cannot encode a request of key %d v%d", key, ver);
	kw_patch32(w, 0, (int32_t)(w->len - 4));
}

/* Decode the answer to a request of key at ver into a (NULL: dies). */
static struct kv *decode_answer(struct kr *r, int key, int ver,
				struct ks_arena *a)
{
	const struct ks_msg *rm = ks_resp(key);
	struct kv *v = ks_alloc(a, sizeof(*v));

	if (ks_resp_header_ver(rm, ver) >= 1)
		kr_tags(r);
	if (!v || ks_decode(rm, ver, r, a, v))
		die("cannot decode an answer of key %d v%d", key, ver);
	return v;
}

#define F(m, v, name) ks_get(&(m)->root, (v), (name))

/* Make the topic (or find it) and return its ID in id. */
static void topic_setup(const struct opts *o, uint8_t id[16])
{
	const struct ks_msg *cm = ks_req(K_CREATE);
	const struct ks_struct *ct =
	    cm->root.f[ks_idx(&cm->root, "Topics")].sub;
	struct ks_arena a;
	struct kw w;

	ks_arena_init(&a, 1 << 20);
	struct kv *q = ks_new(cm, &a), *t = F(cm, q, "Topics");
	ks_array(&cm->root.f[ks_idx(&cm->root, "Topics")], 1, &a, t);
	ks_get(ct, t->a.v, "Name")->s =
	    (struct kstr){o->topic, (int32_t)strlen(o->topic)};
	ks_get(ct, t->a.v, "NumPartitions")->i = o->parts;
	ks_get(ct, t->a.v, "ReplicationFactor")->i = 1;
	F(cm, q, "TimeoutMs")->i = 30000;
	frame(&w, K_CREATE, 7, ++corr, q, &a);
	send_all(w.buf, w.len);
	kw_free(&w);
	struct kr r = recv_answer(corr);
	const struct ks_msg *rm = ks_resp(K_CREATE);
	struct kv *v = decode_answer(&r, K_CREATE, 7, &a);
	const struct ks_struct *rt =
	    rm->root.f[ks_idx(&rm->root, "Topics")].sub;
	struct kv *rv = F(rm, v, "Topics");
	int err = rv->a.n == 1 ? (int)ks_get(rt, rv->a.v, "ErrorCode")->i : -1;
	if (!err) {
		memcpy(id, ks_get(rt, rv->a.v, "TopicId")->u, 16);
		ks_arena_free(&a);
		return;
	}
	if (err != 36) /* TOPIC_ALREADY_EXISTS: ask Metadata */
		die("CreateTopics %s: error %d", o->topic, err);
	const struct ks_msg *mm = ks_req(K_META), *mr = ks_resp(K_META);
	const struct ks_struct *mt =
	    mm->root.f[ks_idx(&mm->root, "Topics")].sub;
	q = ks_new(mm, &a);
	t = F(mm, q, "Topics");
	ks_array(&mm->root.f[ks_idx(&mm->root, "Topics")], 1, &a, t);
	ks_get(mt, t->a.v, "Name")->s =
	    (struct kstr){o->topic, (int32_t)strlen(o->topic)};
	frame(&w, K_META, 12, ++corr, q, &a);
	send_all(w.buf, w.len);
	kw_free(&w);
	r = recv_answer(corr);
	v = decode_answer(&r, K_META, 12, &a);
	const struct ks_struct *rt2 =
	    mr->root.f[ks_idx(&mr->root, "Topics")].sub;
	rv = F(mr, v, "Topics");
	if (rv->a.n != 1 || ks_get(rt2, rv->a.v, "ErrorCode")->i)
		die("Metadata %s: no such topic", o->topic);
	if (ks_get(rt2, rv->a.v, "Partitions")->a.n != o->parts)
		die("topic %s exists with another partition count", o->topic);
	memcpy(id, ks_get(rt2, rv->a.v, "TopicId")->u, 16);
	ks_arena_free(&a);
}

/* The batch every produce request carries per partition: b records of
 * size bytes, values a fixed pattern. Returns its length. */
static size_t build_batch(uint8_t **out, int b, int size)
{
	size_t cap = 61 + (size_t)b * ((size_t)size + 32);
	uint8_t *buf = calloc(1, cap), *p = buf + 61;

	if (!buf)
		die("out of memory");
	for (int i = 0; i < b; i++) {
		uint8_t body[32];
		size_t n = 0;
		body[n++] = 0;			 /* attributes */
		n += put_varint(body + n, 0);	 /* timestamp delta */
		n += put_varint(body + n, i);	 /* offset delta */
		n += put_varint(body + n, -1);	 /* null key */
		n += put_varint(body + n, size); /* value length */
		p += put_varint(p, (int64_t)(n + (size_t)size + 1));
		memcpy(p, body, n);
		p += n;
		for (int j = 0; j < size; j++)
			*p++ = (uint8_t)('a' + (i + j) % 26);
		*p++ = 0; /* no headers */
	}
	size_t len = (size_t)(p - buf);
	put_be32(buf + 8, (uint32_t)(len - 12));
	put_be32(buf + 12, 0); /* leader epoch */
	buf[16] = 2;	       /* magic */
	put_be32(buf + 23, (uint32_t)(b - 1));
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now); /* CreateTime: the wall clock */
	int64_t ts = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	put_be64(buf + 27, (uint64_t)ts);
	put_be64(buf + 35, (uint64_t)ts);
	put_be64(buf + 43, UINT64_MAX); /* no producer id */
	buf[51] = buf[52] = 0xff;
	put_be32(buf + 53, UINT32_MAX);
	put_be32(buf + 57, (uint32_t)b);
	put_be32(buf + 17, crc32c(0, buf + 21, len - 21));
	*out = buf;
	return len;
}

/* Requests a phase makes: each carries batch records per partition. */
static long long requests(const struct opts *o)
{
	long long per = (long long)o->batch * o->parts;
	return (o->records + per - 1) / per;
}

static void report(const char *what, int ver, const struct opts *o, long long n,
		   double s)
{
	printf("%s v%d: %lld records x %d B in %.3f s: %.0f rec/s, %.1f "
	       "MiB/s\n",
	       what, ver, n, o->size, s, n / s,
	       (double)n * o->size / s / (1 << 20));
	fflush(stdout);
}

static void produce(const struct opts *o, const uint8_t id[16],
		    const uint8_t *batch, size_t blen)
{
	const struct ks_msg *m = ks_req(K_PRODUCE), *rm = ks_resp(K_PRODUCE);
	const struct ks_field *tf = &m->root.f[ks_idx(&m->root, "TopicData")];
	const struct ks_struct *ts = tf->sub;
	const struct ks_field *pf = &ts->f[ks_idx(ts, "PartitionData")];
	const struct ks_struct *rts =
	    rm->root.f[ks_idx(&rm->root, "Responses")].sub;
	const struct ks_struct *rps =
	    rts->f[ks_idx(rts, "PartitionResponses")].sub;
	struct ks_arena a;
	struct kw w;
	int64_t next[MAX_PARTS] = {0};

	ks_arena_init(&a, 1 << 20);
	struct kv *q = ks_new(m, &a), *t = F(m, q, "TopicData");
	F(m, q, "Acks")->i = 1;
	F(m, q, "TimeoutMs")->i = 30000;
	ks_array(tf, 1, &a, t);
	if (o->pver >= 13)
		memcpy(ks_get(ts, t->a.v, "TopicId")->u, id, 16);
	else
		ks_get(ts, t->a.v, "Name")->s =
		    (struct kstr){o->topic, (int32_t)strlen(o->topic)};
	struct kv *pv = ks_get(ts, t->a.v, "PartitionData");
	ks_array(pf, o->parts, &a, pv);
	for (int p = 0; p < o->parts; p++) {
		ks_get(pf->sub, &pv->a.v[p], "Index")->i = p;
		ks_get(pf->sub, &pv->a.v[p], "Records")->s =
		    (struct kstr){(const char *)batch, (int32_t)blen};
	}
	frame(&w, K_PRODUCE, o->pver, 0, q, &a);
	ks_arena_free(&a);

	long long total = requests(o), sent = 0, done = 0;
	int32_t first = corr + 1;
	double t0 = now_s();
	while (done < total) {
		while (sent < total && sent - done < o->inflight) {
			put_be32(w.buf + 8, (uint32_t)++corr);
			send_all(w.buf, w.len);
			sent++;
		}
		struct kr r = recv_answer(first + (int32_t)done);
		ks_arena_init(&a, 1 << 20);
		struct kv *v = decode_answer(&r, K_PRODUCE, o->pver, &a);
		struct kv *rt = F(rm, v, "Responses");
		struct kv *rp = rt->a.n == 1
				    ? ks_get(rts, rt->a.v, "PartitionResponses")
				    : NULL;
		if (!rp || rp->a.n != o->parts)
			die("produce: an answer without every partition");
		for (int i = 0; i < o->parts; i++) {
			struct kv *e = &rp->a.v[i];
			int p = (int)ks_get(rps, e, "Index")->i;
			int err = (int)ks_get(rps, e, "ErrorCode")->i;
			int64_t base = ks_get(rps, e, "BaseOffset")->i;
			if (p < 0 || p >= o->parts || err || base != next[p])
				die("produce: partition %d: error %d, base "
				    "%lld, expected %lld",
				    p, err, (long long)base,
				    (long long)(p >= 0 && p < o->parts ? next[p]
								       : -1));
			next[p] += o->batch;
		}
		ks_arena_free(&a);
		done++;
	}
	report("produce", o->pver, o, total * o->batch * o->parts,
	       now_s() - t0);
	kw_free(&w);
}

/* Check the record bytes of one partition's answer against the batch
 * produced; moves *next past each whole batch. */
static void check_records(struct kstr rec, int p, int64_t *next,
			  const uint8_t *batch, size_t blen, int b)
{
	const uint8_t *s = (const uint8_t *)rec.p;
	size_t at = 0, n = rec.len > 0 ? (size_t)rec.len : 0;

	while (at + 12 <= n) {
		size_t len = 12 + get_be32(s + at + 8);
		if (at + len > n)
			break; /* cut at the size limit: asked again */
		int64_t base = (int64_t)get_be64(s + at);
		const uint8_t *x = s + at;
		/* Every byte as produced but the base offset, the leader
		 * epoch and the timestamps (a --fetch-only run builds the
		 * batch again, later), which the CRC covers. */
		if (base != *next || len != blen || x[16] != 2 ||
		    get_be32(x + 17) != crc32c(0, x + 21, len - 21) ||
		    memcmp(x + 21, batch + 21, 6) ||
		    memcmp(x + 43, batch + 43, blen - 43))
			die("fetch: partition %d: the batch at %lld is not the "
			    "one produced at %lld",
			    p, (long long)base, (long long)*next);
		*next += b;
		at += len;
	}
}

static void fetch(const struct opts *o, const uint8_t id[16],
		  const uint8_t *batch, size_t blen)
{
	const struct ks_msg *m = ks_req(K_FETCH), *rm = ks_resp(K_FETCH);
	const struct ks_field *tf = &m->root.f[ks_idx(&m->root, "Topics")];
	const struct ks_field *pf = &tf->sub->f[ks_idx(tf->sub, "Partitions")];
	const struct ks_struct *rts =
	    rm->root.f[ks_idx(&rm->root, "Responses")].sub;
	const struct ks_struct *rps = rts->f[ks_idx(rts, "Partitions")].sub;
	int64_t next[MAX_PARTS] = {0};
	long long total = requests(o) * o->batch, got = 0;
	double t0 = now_s();

	while (got < total * o->parts) {
		struct ks_arena a;
		struct kw w;
		ks_arena_init(&a, 64 << 20);
		struct kv *q = ks_new(m, &a), *t = F(m, q, "Topics");
		F(m, q, "MaxWaitMs")->i = 500;
		F(m, q, "MinBytes")->i = 1;
		F(m, q, "MaxBytes")->i = 52428800;
		ks_array(tf, 1, &a, t);
		if (o->fver >= 13)
			memcpy(ks_get(tf->sub, t->a.v, "TopicId")->u, id, 16);
		else
			ks_get(tf->sub, t->a.v, "Topic")->s =
			    (struct kstr){o->topic, (int32_t)strlen(o->topic)};
		struct kv *pv = ks_get(tf->sub, t->a.v, "Partitions");
		ks_array(pf, o->parts, &a, pv);
		for (int p = 0; p < o->parts; p++) {
			struct kv *e = &pv->a.v[p];
			ks_get(pf->sub, e, "Partition")->i = p;
			ks_get(pf->sub, e, "FetchOffset")->i = next[p];
			ks_get(pf->sub, e, "PartitionMaxBytes")->i = 1 << 20;
		}
		frame(&w, K_FETCH, o->fver, ++corr, q, &a);
		send_all(w.buf, w.len);
		kw_free(&w);
		struct kr r = recv_answer(corr);
		struct kv *v = decode_answer(&r, K_FETCH, o->fver, &a);
		if (F(rm, v, "ErrorCode")->i)
			die("fetch: error %d", (int)F(rm, v, "ErrorCode")->i);
		struct kv *rt = F(rm, v, "Responses");
		for (int32_t i = 0; i < rt->a.n; i++) {
			struct kv *rp = ks_get(rts, &rt->a.v[i], "Partitions");
			for (int32_t j = 0; j < rp->a.n; j++) {
				struct kv *e = &rp->a.v[j];
				int p =
				    (int)ks_get(rps, e, "PartitionIndex")->i;
				int err = (int)ks_get(rps, e, "ErrorCode")->i;
				if (p < 0 || p >= o->parts || err)
					die("fetch: partition %d: error %d", p,
					    err);
				int64_t before = next[p];
				check_records(ks_get(rps, e, "Records")->s, p,
					      &next[p], batch, blen, o->batch);
				got += next[p] - before;
			}
		}
		ks_arena_free(&a);
	}
	for (int p = 0; p < o->parts; p++)
		if (next[p] != total)
			die("fetch: partition %d ends at %lld, expected %lld",
			    p, (long long)next[p], total);
	report("fetch", o->fver, o, got, now_s() - t0);
}

/* DeleteTopics v6, naming the topic by its ID. */
static void topic_delete(const uint8_t id[16])
{
	const struct ks_msg *m = ks_req(K_DELETE), *rm = ks_resp(K_DELETE);
	const struct ks_field *tf = &m->root.f[ks_idx(&m->root, "Topics")];
	const struct ks_struct *rs =
	    rm->root.f[ks_idx(&rm->root, "Responses")].sub;
	struct ks_arena a;
	struct kw w;

	ks_arena_init(&a, 1 << 20);
	struct kv *q = ks_new(m, &a), *t = F(m, q, "Topics");
	ks_array(tf, 1, &a, t);
	memcpy(ks_get(tf->sub, t->a.v, "TopicId")->u, id, 16);
	F(m, q, "TimeoutMs")->i = 30000;
	frame(&w, K_DELETE, 6, ++corr, q, &a);
	send_all(w.buf, w.len);
	kw_free(&w);
	struct kr r = recv_answer(corr);
	struct kv *v = decode_answer(&r, K_DELETE, 6, &a);
	struct kv *rv = F(rm, v, "Responses");
	if (rv->a.n != 1 || ks_get(rs, rv->a.v, "ErrorCode")->i)
		die("DeleteTopics: not deleted");
	ks_arena_free(&a);
}

int main(int argc, char **argv)
{
	struct opts o = {.topic = "wire",
			 .records = 2000000,
			 .size = 100,
			 .parts = 3,
			 .batch = 1000,
			 .inflight = 5,
			 .pver = 11,
			 .fver = 17,
			 .produce = true,
			 .fetch = true};
	static const struct option lo[] = {
	    {"produce-only", no_argument, NULL, 'x'},
	    {"fetch-only", no_argument, NULL, 'y'},
	    {"delete", no_argument, NULL, 'z'},
	    {NULL, 0, NULL, 0}};
	int c;

	while ((c = getopt_long(argc, argv, "b:t:n:s:p:B:i:P:F:", lo, NULL)) !=
	       -1) {
		switch (c) {
		case 'b':
			o.addr = optarg;
			break;
		case 't':
			o.topic = optarg;
			break;
		case 'n':
			o.records = atoll(optarg);
			break;
		case 's':
			o.size = atoi(optarg);
			break;
		case 'p':
			o.parts = atoi(optarg);
			break;
		case 'B':
			o.batch = atoi(optarg);
			break;
		case 'i':
			o.inflight = atoi(optarg);
			break;
		case 'P':
			o.pver = atoi(optarg);
			break;
		case 'F':
			o.fver = atoi(optarg);
			break;
		case 'x':
			o.fetch = false;
			break;
		case 'y':
			o.produce = false;
			break;
		case 'z':
			o.del = true;
			break;
		default:
			fprintf(stderr,
				"usage: see the top of bench/" PROG ".c\n");
			return 2;
		}
	}
	if (!o.addr || o.records < 1 || o.size < 1 || o.size > 1 << 20 ||
	    o.parts < 1 || o.parts > MAX_PARTS || o.batch < 1 ||
	    o.inflight < 1 || !ks_in(ks_req(K_PRODUCE)->valid, o.pver) ||
	    !ks_in(ks_req(K_FETCH)->valid, o.fver))
		die("bad arguments (see the top of bench/" PROG ".c)");
	uint8_t id[16], *batch;
	size_t blen = build_batch(&batch, o.batch, o.size);
	connect_to(o.addr);
	topic_setup(&o, id);
	if (o.produce)
		produce(&o, id, batch, blen);
	if (o.fetch)
		fetch(&o, id, batch, blen);
	if (o.del)
		topic_delete(id);
	free(batch);
	free(rbuf);
	close(fd);
	return 0;
}
