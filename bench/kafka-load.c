/* SPDX-License-Identifier: MIT */
/*
 * kafka-load.c — produce and consume throughput of a Kafka broker (zcbroker,
 * or any other) through librdkafka, the client library of kcat and
 * confluent-kafka, set up the way Kafka's own producer benchmarks are:
 * acks=1, no compression, records batched per partition (linger.ms=1,
 * batch.size=131072 as in the OpenMessaging Benchmark's Kafka driver), one
 * producer, then one consumer reading everything back.
 *
 *   kafka-load -b HOST:PORT [-t TOPIC] [-n RECORDS] [-s SIZE] [-p PARTITIONS]
 *              [--producers N] [--rate R] [--produce-only | --consume-only]
 *              [-X NAME=VALUE ...]
 *
 * --producers N runs N producers at once, each with its own client and
 * connection, each sending its share of the records (as N applications
 * would). Produce latency is measured per record from producev() to its
 * delivery report, as Kafka's ProducerPerformance does, so it includes
 * the time a record waits in the client's queue. --rate R paces the
 * producers to R records/s in all (default: as fast as they go), for a
 * load of the same size whatever the acknowledgement costs.
 *
 * -X settings go to both clients (librdkafka names). Every record carries
 * its number in its first 8 bytes and a fixed pattern after; the consumer
 * checks each one's size and bytes, and that each number arrives once and
 * none is missing, so a fast result cannot hide lost or corrupt records.
 *
 * Output, one line per phase:
 *   produce: N records x SIZE B in S s: R rec/s, M MiB/s, latency p50 A
 *            ms, p99 B ms, P producers
 *   consume: N records x SIZE B in S s: R rec/s, M MiB/s
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROG  "kafka-load"
#define MAX_X 32

#include "bench_util.h"

struct opts {
	const char *brokers;
	const char *topic;
	uint64_t records;
	size_t size;
	int partitions;
	int producers;
	double rate; /* records/s over all producers, 0: unpaced */
	bool produce, consume;
	const char *x[MAX_X];
	int nx;
};

static uint8_t *pattern; /* the bytes after a record's number */

static void conf_set(rd_kafka_conf_t *c, const char *name, const char *val)
{
	char err[256];

	if (rd_kafka_conf_set(c, name, val, err, sizeof(err)) !=
	    RD_KAFKA_CONF_OK)
		die("%s=%s: %s", name, val, err);
}

static rd_kafka_conf_t *base_conf(const struct opts *o)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();

	conf_set(c, "bootstrap.servers", o->brokers);
	return c;
}

static void apply_x(rd_kafka_conf_t *c, const struct opts *o)
{
	for (int i = 0; i < o->nx; i++) {
		char name[128];
		const char *eq = strchr(o->x[i], '=');

		if (!eq || eq == o->x[i] ||
		    (size_t)(eq - o->x[i]) >= sizeof(name))
			die("-X %s: expected NAME=VALUE", o->x[i]);
		memcpy(name, o->x[i], eq - o->x[i]);
		name[eq - o->x[i]] = '\0';
		conf_set(c, name, eq + 1);
	}
}

static void print_rate(const char *what, uint64_t n, size_t size, double s)
{
	printf("%s: %" PRIu64 " records x %zu B in %.2f s: %.0f rec/s, "
	       "%.1f MiB/s\n",
	       what, n, size, s, n / s, n * (double)size / s / (1 << 20));
	fflush(stdout);
}

/* ---- topic ------------------------------------------------------------ */

static void create_topic(rd_kafka_t *rk, const struct opts *o)
{
	char err[256];
	rd_kafka_NewTopic_t *nt;
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_event_t *ev;
	const rd_kafka_CreateTopics_result_t *res;
	const rd_kafka_topic_result_t **tr;
	size_t n;

	nt =
	    rd_kafka_NewTopic_new(o->topic, o->partitions, 1, err, sizeof(err));
	if (!nt)
		die("topic %s: %s", o->topic, err);
	rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
	ev = rd_kafka_queue_poll(q, 30000);
	if (!ev)
		die("CreateTopics %s: no answer in 30 s", o->topic);
	res = rd_kafka_event_CreateTopics_result(ev);
	if (!res)
		die("CreateTopics %s: %s", o->topic,
		    rd_kafka_event_error_string(ev));
	tr = rd_kafka_CreateTopics_result_topics(res, &n);
	if (n == 1 && rd_kafka_topic_result_error(tr[0]) &&
	    rd_kafka_topic_result_error(tr[0]) !=
		RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
		die("CreateTopics %s: %s", o->topic,
		    rd_kafka_topic_result_error_string(tr[0]));
	rd_kafka_event_destroy(ev);
	rd_kafka_NewTopic_destroy(nt);
	rd_kafka_queue_destroy(q);
}

/* ---- produce ---------------------------------------------------------- */

/* One producer: its client, its share [first, first + n) of the record
 * numbers, and the send time of each for the latency. */
struct pstate {
	const struct opts *o;
	rd_kafka_t *rk;
	uint64_t first, n;
	uint64_t acked, failed;
	double *sent;
	float *lat_ms; /* one per acknowledged record */
	char first_err[256];
	pthread_t th;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m,
			void *opaque)
{
	struct pstate *ps = opaque;
	uint64_t i = (uint64_t)(uintptr_t)m->_private;

	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		ps->lat_ms[ps->acked++] =
		    (float)((now_s() - ps->sent[i]) * 1e3);
		return;
	}
	if (!ps->failed++)
		snprintf(ps->first_err, sizeof(ps->first_err), "%s",
			 rd_kafka_err2str(m->err));
}

static rd_kafka_t *new_producer(const struct opts *o, struct pstate *ps)
{
	rd_kafka_conf_t *c = base_conf(o);
	char err[256];
	rd_kafka_t *rk;

	/* What Kafka's producer benchmarks use: leader-only acks (Kafka's
	 * 2014 single-producer run), and the OpenMessaging Benchmark Kafka
	 * driver's batching: linger.ms=1, batch.size=131072. */
	conf_set(c, "acks", "1");
	conf_set(c, "linger.ms", "1");
	conf_set(c, "batch.size", "131072");
	conf_set(c, "batch.num.messages", "100000");
	conf_set(c, "queue.buffering.max.messages", "2000000");
	conf_set(c, "queue.buffering.max.kbytes", "2097151");
	conf_set(c, "compression.codec", "none");
	apply_x(c, o);
	rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
	rd_kafka_conf_set_opaque(c, ps);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
	if (!rk)
		die("producer: %s", err);
	return rk;
}

/* Wait until this client knows the leader of every partition, so the
 * first records' latency is not the metadata refresh after creation. */
static void await_leaders(rd_kafka_t *rk, const struct opts *o)
{
	rd_kafka_topic_t *t = rd_kafka_topic_new(rk, o->topic, NULL);

	for (int tries = 0; t && tries < 200; tries++) {
		const struct rd_kafka_metadata *md;
		int ready = 0;

		if (rd_kafka_metadata(rk, 0, t, &md, 5000) ==
		    RD_KAFKA_RESP_ERR_NO_ERROR) {
			for (int i = 0; i < md->topic_cnt; i++)
				for (int p = 0; p < md->topics[i].partition_cnt;
				     p++)
					ready += !md->topics[i].err &&
						 md->topics[i]
							 .partitions[p]
							 .leader >= 0;
			rd_kafka_metadata_destroy(md);
		}
		if (ready >= o->partitions)
			break;
		nanosleep(&(struct timespec){0, 50000000}, NULL);
	}
	if (t)
		rd_kafka_topic_destroy(t);
}

static void *produce_run(void *arg)
{
	struct pstate *ps = arg;
	const struct opts *o = ps->o;
	uint8_t *buf = malloc(o->size);

	if (!buf)
		die("out of memory");
	memcpy(buf, pattern, o->size);
	double t0 = now_s(), per = o->rate > 0 ? o->producers / o->rate : 0;

	for (uint64_t k = 0; k < ps->n; k++) {
		uint64_t i = ps->first + k;

		/* Paced: never ahead of k records at `per` seconds each. */
		while (per > 0 && (k & 63) == 0 && now_s() < t0 + k * per) {
			rd_kafka_poll(ps->rk, 0);
			nanosleep(&(struct timespec){0, 200000}, NULL);
		}

		memcpy(buf, &i, sizeof(i));
		ps->sent[k] = now_s();
		while (rd_kafka_producev(
			   ps->rk, RD_KAFKA_V_TOPIC(o->topic),
			   RD_KAFKA_V_VALUE(buf, o->size),
			   RD_KAFKA_V_OPAQUE((void *)(uintptr_t)k),
			   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			   RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			rd_kafka_poll(ps->rk, 1);
		if ((k & 1023) == 0)
			rd_kafka_poll(ps->rk, 0);
	}
	while (rd_kafka_outq_len(ps->rk) > 0 && ps->failed == 0)
		rd_kafka_poll(ps->rk, 10);
	free(buf);
	return NULL;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

static void produce(const struct opts *o)
{
	int np = o->producers;
	struct pstate *ps = calloc(np, sizeof(*ps));
	float *all = malloc(o->records * sizeof(*all));
	uint64_t at = 0, acked = 0;
	double t0, t1;

	if (!ps || !all)
		die("out of memory");
	for (int k = 0; k < np; k++) {
		ps[k].o = o;
		ps[k].first = o->records * k / np;
		ps[k].n = o->records * (k + 1) / np - ps[k].first;
		ps[k].sent = malloc((ps[k].n + 1) * sizeof(double));
		ps[k].lat_ms = malloc((ps[k].n + 1) * sizeof(float));
		if (!ps[k].sent || !ps[k].lat_ms)
			die("out of memory");
		ps[k].rk = new_producer(o, &ps[k]);
	}
	create_topic(ps[0].rk, o);
	for (int k = 0; k < np; k++)
		await_leaders(ps[k].rk, o);

	t0 = now_s();
	for (int k = 0; k < np; k++)
		if (pthread_create(&ps[k].th, NULL, produce_run, &ps[k]))
			die("pthread_create failed");
	for (int k = 0; k < np; k++)
		pthread_join(ps[k].th, NULL);
	t1 = now_s();
	for (int k = 0; k < np; k++) {
		if (ps[k].failed || ps[k].acked != ps[k].n)
			die("produce: %" PRIu64 " of %" PRIu64
			    " acknowledged, %" PRIu64 " failed (%s)",
			    ps[k].acked, ps[k].n, ps[k].failed,
			    ps[k].first_err);
		memcpy(all + at, ps[k].lat_ms, ps[k].acked * sizeof(*all));
		at += ps[k].acked;
		acked += ps[k].acked;
		rd_kafka_destroy(ps[k].rk);
		free(ps[k].sent);
		free(ps[k].lat_ms);
	}
	qsort(all, acked, sizeof(*all), cmp_float);
	printf("produce: %" PRIu64 " records x %zu B in %.2f s: %.0f rec/s, "
	       "%.1f MiB/s, latency p50 %.2f ms, p99 %.2f ms, %d producer%s\n",
	       o->records, o->size, t1 - t0, o->records / (t1 - t0),
	       o->records * (double)o->size / (t1 - t0) / (1 << 20),
	       all[acked / 2], all[acked * 99 / 100], np, np == 1 ? "" : "s");
	fflush(stdout);
	free(all);
	free(ps);
}

/* ---- consume ---------------------------------------------------------- */

struct cstate {
	uint8_t *seen; /* one bit per record number */
	uint64_t got;
};

static void check_record(const struct opts *o, struct cstate *cs,
			 const rd_kafka_message_t *m)
{
	uint64_t n;

	if (m->err)
		die("consume: partition %d: %s", (int)m->partition,
		    rd_kafka_message_errstr(m));
	if (m->len != o->size)
		die("consume: partition %d offset %" PRId64 ": %zu bytes, "
		    "expected %zu",
		    (int)m->partition, m->offset, m->len, o->size);
	memcpy(&n, m->payload, sizeof(n));
	if (n >= o->records ||
	    memcmp((uint8_t *)m->payload + 8, pattern + 8, o->size - 8))
		die("consume: partition %d offset %" PRId64 ": wrong bytes",
		    (int)m->partition, m->offset);
	if (cs->seen[n / 8] & (1u << (n % 8)))
		die("consume: record %" PRIu64 " received twice", n);
	cs->seen[n / 8] |= 1u << (n % 8);
	cs->got++;
}

static void consume(const struct opts *o)
{
	rd_kafka_conf_t *c = base_conf(o);
	rd_kafka_topic_partition_list_t *tp;
	rd_kafka_message_t *msgs[10000];
	struct cstate cs = {0};
	rd_kafka_queue_t *q;
	char err[256];
	rd_kafka_t *rk;
	int64_t total = 0;
	double t0, t1, last = 0;

	conf_set(c, "group.id", PROG);
	conf_set(c, "enable.auto.commit", "false");
	conf_set(c, "fetch.wait.max.ms", "100");
	conf_set(c, "queued.min.messages", "1000000");
	conf_set(c, "queued.max.messages.kbytes", "1048576");
	apply_x(c, o);
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
	if (!rk)
		die("consumer: %s", err);
	cs.seen = calloc(o->records / 8 + 1, 1);
	if (!cs.seen)
		die("out of memory");
	tp = rd_kafka_topic_partition_list_new(o->partitions);
	for (int p = 0; p < o->partitions; p++) {
		int64_t lo, hi;
		rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(
		    rk, o->topic, p, &lo, &hi, 20000);

		if (e)
			die("watermarks of %s-%d: %s", o->topic, p,
			    rd_kafka_err2str(e));
		total += hi - lo;
		rd_kafka_topic_partition_list_add(tp, o->topic, p)->offset =
		    RD_KAFKA_OFFSET_BEGINNING;
	}
	if (total != (int64_t)o->records)
		die("%s holds %" PRId64 " records, expected %" PRIu64, o->topic,
		    total, o->records);
	rd_kafka_poll_set_consumer(rk);
	q = rd_kafka_queue_get_consumer(rk);

	t0 = now_s();
	if (rd_kafka_assign(rk, tp))
		die("assign failed");
	while (cs.got < o->records) {
		ssize_t n = rd_kafka_consume_batch_queue(q, 1000, msgs, 10000);

		if (n < 0)
			die("consume: %s",
			    rd_kafka_err2str(rd_kafka_last_error()));
		if (n > 0)
			last = now_s();
		for (ssize_t i = 0; i < n; i++) {
			check_record(o, &cs, msgs[i]);
			rd_kafka_message_destroy(msgs[i]);
		}
		if (n == 0 && now_s() - last > 30 && last > 0)
			die("consume: stalled at %" PRIu64 " of %" PRIu64,
			    cs.got, o->records);
	}
	t1 = now_s();
	print_rate("consume", o->records, o->size, t1 - t0);
	rd_kafka_queue_destroy(q);
	rd_kafka_topic_partition_list_destroy(tp);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	free(cs.seen);
}

static void usage(void)
{
	fprintf(stderr, "usage: " PROG
			" -b HOST:PORT [-t TOPIC] [-n RECORDS] [-s SIZE]\n"
			"       [-p PARTITIONS] [--producers N] [--rate R]\n"
			"       [--produce-only | --consume-only]\n"
			"       [-X NAME=VALUE ...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"produce-only", no_argument, NULL, 'P'},
	    {"producers", required_argument, NULL, 'N'},
	    {"rate", required_argument, NULL, 'R'},
	    {"consume-only", no_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct opts o = {.topic = "load",
			 .records = 1000000,
			 .size = 100,
			 .partitions = 3,
			 .producers = 1,
			 .produce = true,
			 .consume = true};
	int ch;

	while ((ch = getopt_long(argc, argv, "b:t:n:s:p:X:h", lo, NULL)) !=
	       -1) {
		switch (ch) {
		case 'b':
			o.brokers = optarg;
			break;
		case 't':
			o.topic = optarg;
			break;
		case 'n':
			o.records = strtoull(optarg, NULL, 10);
			break;
		case 's':
			o.size = strtoull(optarg, NULL, 10);
			break;
		case 'p':
			o.partitions = atoi(optarg);
			break;
		case 'P':
			o.consume = false;
			break;
		case 'N':
			o.producers = atoi(optarg);
			break;
		case 'R':
			o.rate = strtod(optarg, NULL);
			break;
		case 'C':
			o.produce = false;
			break;
		case 'X':
			if (o.nx == MAX_X)
				die("too many -X");
			o.x[o.nx++] = optarg;
			break;
		default:
			usage();
		}
	}
	if (!o.brokers || optind != argc || o.records == 0 || o.size < 8 ||
	    o.size > (1 << 20) || o.partitions < 1 || o.producers < 1 ||
	    o.producers > 64 || (uint64_t)o.producers > o.records)
		usage();
	pattern = malloc(o.size);
	if (!pattern)
		die("out of memory");
	for (size_t i = 0; i < o.size; i++)
		pattern[i] = (uint8_t)(i * 131 + 7);
	if (o.produce)
		produce(&o);
	if (o.consume)
		consume(&o);
	free(pattern);
	return 0;
}
