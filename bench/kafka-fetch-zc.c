/* SPDX-License-Identifier: MIT */
/*
 * kafka-fetch-zc.c — how fast a broker serves Fetch, with the client kept
 * out of the way: hand-written Fetch v4 requests over plain TCP sockets,
 * responses discarded in the kernel (recv with MSG_TRUNC copies nothing),
 * so the broker is the limit. Run it against the same data with the broker
 * on zc.fetch.method=sendfile and on read-write to see what zero copy buys.
 *
 *   kafka-fetch-zc -b HOST:PORT -t TOPIC [-p PARTITION] [-s SECONDS]
 *                  [-c CONNECTIONS] [-d DEPTH] [-m MAX_BYTES]
 *                  [--pid BROKER_PID] [--label NAME]
 *
 * 1. Walk: fetch the partition from offset 0 to its end, reading every
 *    byte, checking every record batch (magic, CRC-32C, offsets dense) and
 *    noting each fetch offset and the size of its response.
 * 2. Load: CONNECTIONS threads, each with DEPTH requests in flight, cycle
 *    through those offsets for SECONDS. Each response's header is read and
 *    checked (correlation id, error 0, same size as in the walk); the rest
 *    is dropped unread.
 * With --raw PORT, the load goes instead to a plain server on that port of
 * the same host (bench/sendfile-serve.c): each request is the 4-byte size
 * of one response of the walk, answered with that many bytes of the
 * segment files by a bare sendfile(2) loop; the same discarding receiver,
 * no protocol, the peer the broker is measured against.
 * With --pid, the broker's CPU time (utime + stime from /proc/PID/stat)
 * over the load phase is reported too, beside this client's own CPU time,
 * the CPU time of the ksoftirqd threads and how busy the whole machine was
 * (from /proc/stat), which tells whether something else competed.
 * ksoftirqd matters because network softirq work (on loopback: the
 * receive side of TCP) runs in whatever task is current when it is raised
 * and only overflows to ksoftirqd when there is much of it, so how much of
 * it the broker's own figure holds depends on how the broker sends.
 * One output line:
 *   fetch: label=NAME responses=N bytes=B secs=S MiBps=R broker_cpu_s=C
 *          cpu_s_per_GiB=G client_cpu_s=C client_s_per_GiB=G
 *          ksoftirqd_cpu_s=K ksoftirqd_s_per_GiB=G machine_busy=F
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <dirent.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log/log.h" /* the broker's crc32c(), linked in */

#define PROG	  "kafka-fetch-zc"
#define MAX_CONNS 64

#include "bench_util.h"

struct opts {
	const char *host, *port, *topic, *label;
	int partition, conns, depth;
	double secs;
	int32_t max_bytes;
	int pid;
	const char *raw; /* --raw PORT */
};

/* One fetch position of the cycle and the response size it gets. */
struct step {
	int64_t offset;
	uint32_t size; /* frame size, without the 4-byte prefix */
};

static struct opts o;
static struct step *steps;
static size_t nsteps;

struct worker {
	pthread_t th;
	int fd;
	size_t start;
	uint64_t responses, bytes;
	double until;
};

/* ---- wire helpers ------------------------------------------------------ */

static uint8_t *put16(uint8_t *p, int16_t v)
{
	uint16_t n = htons((uint16_t)v);

	memcpy(p, &n, 2);
	return p + 2;
}

static uint8_t *put32(uint8_t *p, int32_t v)
{
	uint32_t n = htonl((uint32_t)v);

	memcpy(p, &n, 4);
	return p + 4;
}

static uint8_t *put64(uint8_t *p, int64_t v)
{
	p = put32(p, (int32_t)((uint64_t)v >> 32));
	return put32(p, (int32_t)(uint64_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t n;

	memcpy(&n, p, 4);
	return ntohl(n);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t n;

	memcpy(&n, p, 2);
	return ntohs(n);
}

/* Fetch v4: replica -1, no wait, min 1 byte, one topic, one partition. */
static size_t fetch_req(uint8_t *buf, int32_t corr, int64_t offset)
{
	size_t tl = strlen(o.topic);
	uint8_t *p = buf + 4;

	p = put16(p, 1); /* api key: Fetch */
	p = put16(p, 4); /* version */
	p = put32(p, corr);
	p = put16(p, 2);
	memcpy(p, "zc", 2);
	p += 2;
	p = put32(p, -1); /* replica id */
	p = put32(p, 0);  /* max wait ms */
	p = put32(p, 1);  /* min bytes */
	p = put32(p, o.max_bytes);
	*p++ = 0; /* isolation: read uncommitted */
	p = put32(p, 1);
	p = put16(p, (int16_t)tl);
	memcpy(p, o.topic, tl);
	p += tl;
	p = put32(p, 1);
	p = put32(p, o.partition);
	p = put64(p, offset);
	p = put32(p, o.max_bytes);
	put32(buf, (int32_t)(p - buf - 4));
	return p - buf;
}

/* Bytes of a v4 response before the records: correlation, throttle,
 * topics, name, partitions, partition, error, hw, lso, aborted count,
 * records length. */
static size_t resp_head_len(void)
{
	return 4 + 4 + 4 + 2 + strlen(o.topic) + 4 + 4 + 2 + 8 + 8 + 4 + 4;
}

static int dial(void)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
	int fd, one = 1, r;

	r = getaddrinfo(o.host, o.port, &hints, &ai);
	if (r)
		die("%s:%s: %s", o.host, o.port, gai_strerror(r));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		die("connect %s:%s: %s", o.host, o.port, strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	freeaddrinfo(ai);
	return fd;
}

static void send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("send: %s", n ? strerror(errno) : "closed");
		p += n;
		len -= n;
	}
}

/* Read len bytes into buf, or drop them in the kernel when buf is NULL. */
static void recv_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n =
		    buf ? recv(fd, p, len, 0) : recv(fd, NULL, len, MSG_TRUNC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("recv: %s", n ? strerror(errno)
					  : "the broker closed the connection");
		if (buf)
			p += n;
		len -= n;
	}
}

/* Check the response head; returns the records length. */
static uint32_t check_head(const uint8_t *h, int32_t corr, int64_t *hw)
{
	const uint8_t *p = h;
	size_t tl = strlen(o.topic);

	if ((int32_t)get32(p) != corr)
		die("response for correlation id %d, expected %d",
		    (int32_t)get32(p), corr);
	p += 8;
	if (get32(p) != 1 || get16(p + 4) != tl || memcmp(p + 6, o.topic, tl))
		die("response names another topic");
	p += 6 + tl;
	if (get32(p) != 1 || (int32_t)get32(p + 4) != o.partition)
		die("response names another partition");
	p += 8;
	if (get16(p))
		die("Fetch error %d", (int16_t)get16(p));
	*hw = (int64_t)get64(p + 2);
	p += 2 + 8 + 8;
	if ((int32_t)get32(p) > 0)
		die("aborted transactions in a plain topic");
	return get32(p + 4);
}

/* ---- 1. walk ----------------------------------------------------------- */

/* Check the batches of one response; returns the next offset. */
static int64_t check_batches(const uint8_t *r, uint32_t len, int64_t want)
{
	uint32_t pos = 0;
	int whole = 0;

	while (len - pos >= 61) {
		int64_t base = (int64_t)get64(r + pos);
		uint32_t size = get32(r + pos + 8) + 12;
		uint32_t crc;

		if (size > len - pos)
			break; /* cut off at max bytes: allowed */
		if (r[pos + 16] != 2)
			die("offset %" PRId64 ": magic %d", base, r[pos + 16]);
		crc = crc32c(0, r + pos + 21, size - 21);
		if (crc != get32(r + pos + 17))
			die("offset %" PRId64 ": CRC mismatch", base);
		if (base != want)
			die("batch at offset %" PRId64 ", expected %" PRId64,
			    base, want);
		want = base + (int32_t)get32(r + pos + 23) + 1;
		pos += size;
		whole++;
	}
	if (!whole)
		die("a fetch returned no whole batch");
	return want;
}

static void walk(void)
{
	size_t cap = 1024, hl = resp_head_len();
	uint8_t req[512], *resp = malloc((size_t)o.max_bytes + hl + 4096);
	int64_t off = 0, hw = -1;
	uint64_t total = 0;
	int fd = dial();

	steps = malloc(cap * sizeof(*steps));
	if (!steps || !resp)
		die("out of memory");
	while (hw < 0 || off < hw) {
		uint8_t sz[4];
		uint32_t size, rl;

		send_all(fd, req, fetch_req(req, (int32_t)nsteps, off));
		recv_all(fd, sz, 4);
		size = get32(sz);
		if (size < hl || size > (uint32_t)o.max_bytes + hl + 4096)
			die("response of %u bytes", size);
		recv_all(fd, resp, size);
		rl = check_head(resp, (int32_t)nsteps, &hw);
		if (rl != size - hl)
			die("records length %u in a %u-byte response", rl,
			    size);
		if (hw <= 0)
			die("partition %s-%d is empty: fill it first", o.topic,
			    o.partition);
		if (nsteps == cap) {
			cap *= 2;
			steps = realloc(steps, cap * sizeof(*steps));
			if (!steps)
				die("out of memory");
		}
		steps[nsteps].offset = off;
		steps[nsteps++].size = size;
		total += size;
		off = check_batches(resp + hl, rl, off);
	}
	close(fd);
	free(resp);
	fprintf(stderr,
		PROG ": walk: %zu fetches, %.1f MiB, %" PRId64
		     " records checked\n",
		nsteps, total / 1048576.0, hw);
}

/* ---- 2. load ----------------------------------------------------------- */

static void *load(void *arg)
{
	struct worker *w = arg;
	size_t hl = resp_head_len(), next = w->start, acked = w->start;
	uint8_t req[512], head[512];
	int32_t corr = 0, want = 0;
	int inflight = 0;
	bool stop = false;

	for (;;) {
		while (!stop && inflight < o.depth) {
			if (o.raw) {
				put32(req,
				      (int32_t)steps[next % nsteps].size + 4);
				send_all(w->fd, req, 4);
			} else {
				send_all(
				    w->fd, req,
				    fetch_req(req, corr++,
					      steps[next % nsteps].offset));
			}
			next++;
			inflight++;
		}
		if (!inflight)
			break;
		{
			const struct step *s = &steps[acked++ % nsteps];
			uint8_t sz[4];
			int64_t hw;

			if (o.raw) {
				recv_all(w->fd, NULL, 4 + s->size);
			} else {
				recv_all(w->fd, sz, 4);
				if (get32(sz) != s->size)
					die("offset %" PRId64 ": %u-byte "
					    "response, %u in the walk",
					    s->offset, get32(sz), s->size);
				recv_all(w->fd, head, hl);
				check_head(head, want++, &hw);
				recv_all(w->fd, NULL, s->size - hl);
			}
			w->responses++;
			w->bytes += 4 + s->size;
			inflight--;
		}
		if (!stop && now_s() >= w->until)
			stop = true;
	}
	return NULL;
}

/* utime + stime of process `pid` in seconds; -1 when it cannot be read
 * (gone, or not ours to see). When comm_prefix is set, only a process
 * whose name starts with it counts (0 otherwise). */
static double proc_cpu(int pid, const char *comm_prefix)
{
	char path[64], buf[1024], *p, *q;
	unsigned long ut, st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p)
		return -1;
	q = strchr(buf, '(');
	p = strrchr(buf, ')');
	if (!q || !p)
		return -1;
	if (comm_prefix &&
	    strncmp(q + 1, comm_prefix, strlen(comm_prefix)) != 0)
		return 0;
	/* after ")": state(3) ... utime(14) stime(15) */
	if (sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
		   "%lu %lu",
		   &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

static double broker_cpu(void)
{
	double c;

	if (!o.pid)
		return 0;
	c = proc_cpu(o.pid, NULL);
	if (c < 0)
		die("/proc/%d/stat: cannot read the broker's CPU time", o.pid);
	return c;
}

/* Summed CPU time of the ksoftirqd/N kernel threads. */
static double ksoftirqd_cpu(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	double sum = 0, c;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		c = proc_cpu(atoi(e->d_name), "ksoftirqd/");
		if (c > 0)
			sum += c;
	}
	closedir(d);
	return sum;
}

static double client_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Busy and total jiffies of all CPUs, from the first line of /proc/stat. */
static void machine_cpu(double *busy, double *total)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "r");

	*busy = *total = 0;
	if (!f)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
		for (int i = 0; i < 8; i++)
			*total += v[i];
		*busy = *total - v[3] - v[4]; /* minus idle and iowait */
	}
	fclose(f);
}

static void usage(void)
{
	fprintf(stderr, "usage: " PROG " -b HOST:PORT -t TOPIC [-p PARTITION] "
			"[-s SECONDS]\n"
			"       [-c CONNECTIONS] [-d DEPTH] [-m MAX_BYTES] "
			"[--pid BROKER_PID] [--label NAME] [--raw PORT]\n");
	exit(2);
}

static void parse(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"pid", required_argument, NULL, 'P'},
	    {"label", required_argument, NULL, 'L'},
	    {"raw", required_argument, NULL, 'R'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	static char hostbuf[256];
	char *colon;
	int ch;

	o = (struct opts){.label = "-",
			  .conns = 2,
			  .depth = 4,
			  .secs = 5,
			  .max_bytes = 1 << 20};
	while ((ch = getopt_long(argc, argv, "b:t:p:s:c:d:m:h", lo, NULL)) !=
	       -1) {
		switch (ch) {
		case 'b':
			snprintf(hostbuf, sizeof(hostbuf), "%s", optarg);
			colon = strrchr(hostbuf, ':');
			if (!colon)
				usage();
			*colon = '\0';
			o.host = hostbuf;
			o.port = colon + 1;
			break;
		case 't':
			o.topic = optarg;
			break;
		case 'p':
			o.partition = atoi(optarg);
			break;
		case 's':
			o.secs = atof(optarg);
			break;
		case 'c':
			o.conns = atoi(optarg);
			break;
		case 'd':
			o.depth = atoi(optarg);
			break;
		case 'm':
			o.max_bytes = atoi(optarg);
			break;
		case 'P':
			o.pid = atoi(optarg);
			break;
		case 'L':
			o.label = optarg;
			break;
		case 'R':
			o.raw = optarg;
			break;
		default:
			usage();
		}
	}
	if (!o.host || !o.topic || optind != argc || o.conns < 1 ||
	    o.conns > MAX_CONNS || o.depth < 1 || o.max_bytes < 1024 ||
	    strlen(o.topic) > 249 || o.secs <= 0)
		usage();
}

int main(int argc, char **argv)
{
	struct worker w[MAX_CONNS] = {{0}};
	uint64_t responses = 0, bytes = 0;
	double t0, t1, c0, c1, u0, u1, k0, k1, mb0, mt0, mb1, mt1, gib;

	parse(argc, argv);
	walk();
	if (o.raw)
		o.port = o.raw;
	for (int i = 0; i < o.conns; i++) {
		w[i].fd = dial();
		w[i].start = nsteps * i / o.conns;
	}
	c0 = broker_cpu();
	u0 = client_cpu();
	k0 = ksoftirqd_cpu();
	machine_cpu(&mb0, &mt0);
	t0 = now_s();
	for (int i = 0; i < o.conns; i++) {
		w[i].until = t0 + o.secs;
		if (pthread_create(&w[i].th, NULL, load, &w[i]))
			die("pthread_create failed");
	}
	for (int i = 0; i < o.conns; i++) {
		pthread_join(w[i].th, NULL);
		responses += w[i].responses;
		bytes += w[i].bytes;
		close(w[i].fd);
	}
	t1 = now_s();
	c1 = broker_cpu();
	u1 = client_cpu();
	k1 = ksoftirqd_cpu();
	machine_cpu(&mb1, &mt1);
	gib = bytes ? bytes / 1073741824.0 : 1;
	printf("fetch: label=%s responses=%" PRIu64 " bytes=%" PRIu64
	       " secs=%.3f MiBps=%.1f broker_cpu_s=%.2f cpu_s_per_GiB=%.4f"
	       " client_cpu_s=%.2f client_s_per_GiB=%.4f ksoftirqd_cpu_s=%.2f"
	       " ksoftirqd_s_per_GiB=%.4f machine_busy=%.2f\n",
	       o.label, responses, bytes, t1 - t0, bytes / (t1 - t0) / 1048576,
	       c1 - c0, o.pid ? (c1 - c0) / gib : 0.0, u1 - u0, (u1 - u0) / gib,
	       k1 - k0, (k1 - k0) / gib,
	       mt1 > mt0 ? (mb1 - mb0) / (mt1 - mt0) : 0.0);
	free(steps);
	return 0;
}
