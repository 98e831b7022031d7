/* SPDX-License-Identifier: MIT */
/* helpers.c — fixtures shared by the C tests (see helpers.h). */
/* fault.h first: it enables the fault-rule part of helpers.h. */
#include "fault.h"
#include "helpers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int t_failures;

void t_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("skip: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	exit(T_SKIP);
}

void t_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fatal: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(T_FAIL);
}

int t_result(void)
{
	if (t_failures) {
		fprintf(stderr, "%d check(s) failed\n", t_failures);
		return T_FAIL;
	}
	return T_PASS;
}

const char *t_tmpdir(void)
{
	static char dir[256];
	const char *env = getenv("ZC_TMP");

	if (dir[0])
		return dir;
	if (env && *env) {
		snprintf(dir, sizeof(dir), "%s", env);
		return dir;
	}
	snprintf(dir, sizeof(dir), "/tmp/zctest.XXXXXX");
	if (!mkdtemp(dir))
		t_fatal("mkdtemp: %s", strerror(errno));
	return dir;
}

/* splitmix64: cheap, and every 8-byte word depends on its position. */
static uint64_t mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void t_fill(void *buf, size_t len, uint64_t seed, uint64_t pos)
{
	unsigned char *p = buf;

	for (size_t i = 0; i < len; i++) {
		uint64_t at = pos + i;
		p[i] = (unsigned char)(mix(seed ^ (at >> 3)) >> ((at & 7) * 8));
	}
}

int t_create_file(const char *path, uint64_t len, uint64_t seed)
{
	static unsigned char buf[1 << 16];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	for (uint64_t pos = 0; pos < len;) {
		size_t n =
		    len - pos < sizeof(buf) ? (size_t)(len - pos) : sizeof(buf);
		t_fill(buf, n, seed, pos);
		ssize_t w = pwrite(fd, buf, n, (off_t)pos);
		if (w <= 0) {
			int e = w < 0 ? -errno : -EIO;
			close(fd);
			return e;
		}
		pos += (uint64_t)w;
	}
	close(fd);
	return 0;
}

int t_check_file(int fd, uint64_t len, uint64_t seed)
{
	static unsigned char got[1 << 16], want[1 << 16];
	uint64_t pos = 0;

	while (pos < len) {
		size_t n =
		    len - pos < sizeof(got) ? (size_t)(len - pos) : sizeof(got);
		ssize_t r = pread(fd, got, n, (off_t)pos);
		if (r <= 0)
			return 0;
		t_fill(want, (size_t)r, seed, pos);
		if (memcmp(got, want, (size_t)r) != 0)
			return 0;
		pos += (uint64_t)r;
	}
	/* Nothing may follow the expected bytes. */
	return pread(fd, got, 1, (off_t)len) == 0;
}

uint64_t t_hash(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int t_listen_tcp(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

int t_tcp_pair(int fds[2])
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int port, lfd = t_listen_tcp(&port);

	if (lfd < 0)
		return lfd;
	fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (fds[0] < 0 ||
	    connect(fds[0], (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;
		close(lfd);
		return e;
	}
	fds[1] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	close(lfd);
	return fds[1] < 0 ? -errno : 0;
}

int t_is_root(void)
{
	return geteuid() == 0;
}

uint8_t *t_read_path(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		t_fatal("%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET))
		t_fatal("%s: cannot size it", path);
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		t_fatal("%s: cannot read it", path);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* ---- added for the fault_* and edge_* tests of libzcio ---------------- */

#include <poll.h>
#include <sys/stat.h>
#include <time.h>

int t_check_buf(const void *buf, size_t len, uint64_t seed, uint64_t pos)
{
	unsigned char want[4096];
	const unsigned char *p = buf;

	for (size_t off = 0; off < len;) {
		size_t n = len - off < sizeof(want) ? len - off : sizeof(want);
		t_fill(want, n, seed, pos + off);
		if (memcmp(p + off, want, n) != 0)
			return 0;
		off += n;
	}
	return 1;
}

int t_check_range(int fd, uint64_t off, uint64_t len, uint64_t seed,
		  uint64_t from)
{
	static unsigned char got[1 << 16];

	for (uint64_t pos = 0; pos < len;) {
		size_t n =
		    len - pos < sizeof(got) ? (size_t)(len - pos) : sizeof(got);
		ssize_t r = pread(fd, got, n, (off_t)(off + pos));
		if (r <= 0 || !t_check_buf(got, (size_t)r, seed, from + pos))
			return 0;
		pos += (uint64_t)r;
	}
	return 1;
}

long long t_fsize(int fd)
{
	struct stat st;

	return fstat(fd, &st) < 0 ? -errno : (long long)st.st_size;
}

long long t_fpos(int fd)
{
	off_t o = lseek(fd, 0, SEEK_CUR);

	return o < 0 ? -errno : (long long)o;
}

const char *t_path(const char *name)
{
	static char slot[4][512];
	static unsigned next;
	char *p = slot[next++ % 4];

	snprintf(p, sizeof(slot[0]), "%s/%s", t_tmpdir(), name);
	return p;
}

uint64_t t_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void t_msleep(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int is_sock(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void *sink_main(void *arg)
{
	struct t_sink *s = arg;
	size_t chunk = s->chunk ? s->chunk : 1 << 16;

	if (s->start_ms)
		t_msleep(s->start_ms);
	for (;;) {
		if (s->stop_after && s->len >= s->stop_after)
			break;
		if (s->cap - s->len < chunk) {
			size_t cap = s->cap ? s->cap * 2 : 1 << 20;
			unsigned char *nb;

			while (cap - s->len < chunk)
				cap *= 2;
			nb = realloc(s->buf, cap);
			if (!nb) {
				s->err = -ENOMEM;
				break;
			}
			s->buf = nb;
			s->cap = cap;
		}
		ssize_t r = read(s->fd, s->buf + s->len, chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = s->fd, .events = POLLIN};
			poll(&p, 1, 1000);
			continue;
		}
		if (r <= 0) {
			s->err = r < 0 ? -errno : 0;
			break;
		}
		/* atomic: other threads may watch the count grow */
		__atomic_store_n(&s->len, s->len + (size_t)r, __ATOMIC_RELEASE);
		if (s->delay_us)
			usleep(s->delay_us);
	}
	if (s->stop_after) {
		if (s->rst) {
			struct linger lg = {1, 0};
			setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg,
				   sizeof(lg));
		}
		close(s->fd);
		s->fd = -1;
	}
	return NULL;
}

int t_sink_start(struct t_sink *s)
{
	s->buf = NULL;
	s->len = s->cap = 0;
	s->err = 0;
	return -pthread_create(&s->th, NULL, sink_main, s);
}

void t_tcp_sink_pair(int sk[2], struct t_sink *s, int slow)
{
	int sz = 65536;

	if (t_tcp_pair(sk))
		t_fatal("tcp pair");
	if (slow) {
		setsockopt(sk[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		fcntl(sk[0], F_SETFL, O_NONBLOCK | O_RDWR);
		s->delay_us = 100;
		s->chunk = 32768;
	}
	s->fd = sk[1];
	if (t_sink_start(s))
		t_fatal("sink thread");
}

size_t t_sink_join(struct t_sink *s)
{
	pthread_join(s->th, NULL);
	return s->len;
}

static void *feed_main(void *arg)
{
	struct t_feed *f = arg;
	size_t chunk = f->chunk ? f->chunk : 1 << 16;
	unsigned char *buf = malloc(chunk);
	int sock = is_sock(f->fd);

	if (!buf) {
		f->err = -ENOMEM;
		return NULL;
	}
	while (f->sent < f->len) {
		size_t n = f->len - f->sent < chunk ? (size_t)(f->len - f->sent)
						    : chunk;
		ssize_t r;

		t_fill(buf, n, f->seed, f->sent);
		r = sock ? send(f->fd, buf, n, MSG_NOSIGNAL)
			 : write(f->fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = f->fd, .events = POLLOUT};
			poll(&p, 1, 1000);
			continue;
		}
		if (r <= 0) {
			f->err = r < 0 ? -errno : -EIO;
			break;
		}
		f->sent += (uint64_t)r;
		if (f->delay_us)
			usleep(f->delay_us);
	}
	free(buf);
	if (f->close_fd) {
		close(f->fd);
		f->fd = -1;
	} else if (sock) {
		shutdown(f->fd, SHUT_WR);
	}
	return NULL;
}

int t_feed_start(struct t_feed *f)
{
	f->sent = 0;
	f->err = 0;
	return -pthread_create(&f->th, NULL, feed_main, f);
}

uint64_t t_feed_join(struct t_feed *f)
{
	pthread_join(f->th, NULL);
	return f->sent;
}

/* ---- fault rules ------------------------------------------------------ */

static int data_call(enum zc_sys_id id)
{
	switch (id) {
	case ZC_SYS_READ:
	case ZC_SYS_WRITE:
	case ZC_SYS_PREAD:
	case ZC_SYS_PWRITE:
	case ZC_SYS_SENDFILE:
	case ZC_SYS_SPLICE:
	case ZC_SYS_COPY_FILE_RANGE:
	case ZC_SYS_SEND:
		return 1;
	default:
		return 0;
	}
}

void t_fault_hook(enum zc_sys_id id, uint64_t nth, struct zc_fault *f,
		  void *arg)
{
	struct t_faults *t = arg;

	if ((unsigned)id < ZC_SYS__COUNT)
		__atomic_fetch_add(&t->calls[id], 1, __ATOMIC_RELAXED);
	for (int i = 0; i < T_MAX_RULES; i++) {
		struct t_rule *r = &t->rule[i];

		if (!r->on)
			continue;
		if (r->id == T_ANY_DATA ? !data_call(id)
					: r->id != T_ANY && r->id != (int)id)
			continue;
		if (nth < r->nth)
			continue;
		if (r->every ? (nth - r->nth) % r->every != 0 : nth != r->nth)
			continue;
		__atomic_fetch_add(&r->hits, 1, __ATOMIC_RELAXED);
		if (r->sleep_us)
			usleep(r->sleep_us);
		*f = r->f;
		return;
	}
}

void t_faults_install(struct t_faults *t)
{
	memset(t, 0, sizeof(*t));
	zc__fault_set(t_fault_hook, t);
}

struct t_rule *t_fault_add(struct t_faults *t, int id, uint64_t nth,
			   uint64_t every, struct zc_fault f)
{
	for (int i = 0; i < T_MAX_RULES; i++) {
		struct t_rule *r = &t->rule[i];

		if (r->on)
			continue;
		r->id = id;
		r->nth = nth;
		r->every = every;
		r->f = f;
		r->hits = 0;
		r->on = 1;
		return r;
	}
	t_fatal("too many fault rules");
}

void t_faults_clear(void)
{
	zc__fault_set(NULL, NULL);
}

uint64_t t_faults_total(const struct t_faults *t)
{
	uint64_t n = 0;

	for (int i = 0; i < ZC_SYS__COUNT; i++)
		n += t->calls[i];
	return n;
}

/* ---- more fixtures ------------------------------------------------------ */

int t_open_src(const char *name, uint64_t len, uint64_t seed)
{
	const char *p = t_path(name);
	int r = t_create_file(p, len, seed), fd;

	if (r < 0)
		t_fatal("create %s: %s", p, strerror(-r));
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		t_fatal("open %s: %s", p, strerror(errno));
	return fd;
}

int t_open_dst(const char *name)
{
	const char *p = t_path(name);
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		t_fatal("open %s: %s", p, strerror(errno));
	return fd;
}

unsigned char *t_slurp(int fd, size_t *len)
{
	long long sz = t_fsize(fd);
	unsigned char *buf;
	size_t got = 0;

	if (sz < 0)
		t_fatal("fstat: %s", strerror((int)-sz));
	buf = malloc((size_t)sz + 1);
	if (!buf)
		t_fatal("out of memory");
	while (got < (size_t)sz) {
		ssize_t r = pread(fd, buf + got, (size_t)sz - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	*len = got;
	return buf;
}

/* ---- the transfer fixture (struct t_run) ------------------------------ */

const char *const t_pair_name[T_PAIR_COUNT] = {"file->file",   "file->socket",
					       "socket->file", "file->tcp",
					       "file->pipe",   "pipe->file"};

/* The pairs whose input is a stream (no position, bytes consumed). */
int t_pair_stream_in(enum t_pair p)
{
	return p == T_SOCK_FILE || p == T_PIPE_FILE;
}

const char *t_run_label(const struct t_run *r)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s %s", t_pair_name[r->pair],
		 zc_method_name(r->method));
	return buf;
}

/* Read what is left in a socket whose writer has finished. */
static void run_read_rest(struct t_run *r, int fd)
{
	unsigned char buf[65536];
	uint64_t pos = r->st.bytes;
	ssize_t n;

	r->rest_ok = 1;
	r->rest_len = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (!t_check_buf(buf, (size_t)n, r->seed, pos))
			r->rest_ok = 0;
		pos += (uint64_t)n;
		r->rest_len += (uint64_t)n;
	}
}

void t_peer_closed(int in_fd, uint64_t seed, enum zc_method m)
{
	struct t_sink s = {.stop_after = 128 << 10};
	struct zc_stats st;
	int sk[2];
	ssize_t r = 0;

	if (t_tcp_pair(sk))
		t_fatal("tcp pair");
	s.fd = sk[1];
	t_sink_start(&s);
	lseek(in_fd, 0, SEEK_SET);
	/* Again and again until the reset is seen: the file is shorter than
	 * what the socket buffers can swallow before the reader stops. */
	for (int i = 0; i < 64; i++) {
		r = zc_transfer(sk[0], in_fd, NULL, ZC_TO_EOF, m, &st);
		if (r < 0)
			break;
		lseek(in_fd, 0, SEEK_SET);
	}
	t_sink_join(&s);
	CHECK(r == -EPIPE || r == -ECONNRESET);
	CHECK(t_check_buf(s.buf, s.len, seed, 0));
	printf("%s, peer closed: %s\n", zc_method_name(m), strerror((int)-r));
	free(s.buf);
	close(sk[0]);
}

/* The transfer through a prepared pair, piece by piece; r->st is the last
 * call's, with bytes the total. */
static ssize_t run_pair(struct t_run *r, int out, int in, off_t *off,
			const struct zc_options *o)
{
	struct zc_pair *p = zc_pair_open(out, in, o);
	struct zc_stats st;
	uint64_t total = 0;
	ssize_t n;

	memset(&r->st, 0, sizeof(r->st));
	if (!p)
		return -errno;
	do {
		n = zc_pair_transfer(p, off, r->piece, &st);
		total += st.bytes;
	} while (n > 0 && (size_t)n == r->piece && r->piece != ZC_TO_EOF);
	zc_pair_close(p);
	r->st = st;
	r->st.bytes = total;
	return n < 0 ? n : (ssize_t)total;
}

/*
 * Build the fixture, run the transfer (the hook, if any, is already set by
 * the caller and is removed right after the call), collect the output.
 */
void t_run_xfer(struct t_run *r)
{
	struct zc_options o = {
	    .method = r->method, .flags = r->flags, .chunk_size = r->chunk};
	struct t_sink sink = {0};
	struct t_feed feed = {0};
	int in, out, sv[2];
	off_t off = r->start;

	r->rest_ok = -1;
	if (t_pair_stream_in(r->pair)) {
		if (r->pair == T_PIPE_FILE
			? pipe2(sv, O_CLOEXEC) < 0
			: socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				     sv) < 0)
			t_fatal("pipe/socketpair");
		/* room for T_RUN_STREAM_SIZE bytes before anyone reads */
		if (r->pair == T_PIPE_FILE)
			fcntl(sv[1], F_SETPIPE_SZ, 1 << 20);
		in = sv[0];
		feed.fd = sv[1];
		feed.len = r->size;
		feed.seed = r->seed;
		feed.close_fd = r->pair == T_PIPE_FILE; /* EOF for the pipe */
		if (t_feed_start(&feed))
			t_fatal("feed thread");
		/* Small streams sit whole in the buffer before the call, so
		 * capped first calls move exact amounts. */
		if (r->size <= T_RUN_STREAM_SIZE)
			t_feed_join(&feed);
		out = t_open_dst("ff.out");
	} else {
		in = t_open_src("ff.in", r->size, r->seed);
		if (lseek(in, r->start, SEEK_SET) < 0)
			t_fatal("lseek");
		if (r->pair == T_FILE_FILE) {
			out = t_open_dst("ff.out");
		} else {
			int e =
			    r->pair == T_FILE_TCP ? t_tcp_pair(sv)
			    : r->pair == T_FILE_PIPE
				? pipe2(sv, O_CLOEXEC)
				: socketpair(AF_UNIX,
					     SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
			if (e < 0)
				t_fatal("stream pair");
			/* pipe: write end [1], reader on [0] */
			out = r->pair == T_FILE_PIPE ? sv[1] : sv[0];
			sink.fd = r->pair == T_FILE_PIPE ? sv[0] : sv[1];
			if (t_sink_start(&sink))
				t_fatal("sink thread");
		}
	}

	if (r->piece)
		r->ret = run_pair(r, out, in, r->use_off ? &off : NULL, &o);
	else
		r->ret = zc_transfer_opts(out, in, r->use_off ? &off : NULL,
					  ZC_TO_EOF, &o, &r->st);
	t_faults_clear();

	if (t_pair_stream_in(r->pair)) {
		run_read_rest(r, in);
		if (r->size > T_RUN_STREAM_SIZE)
			t_feed_join(&feed);
		if (r->pair != T_PIPE_FILE)
			close(sv[1]);
		close(in);
		r->out = t_slurp(out, &r->out_len);
		close(out);
	} else {
		r->in_pos = r->use_off ? (long long)off : t_fpos(in);
		if (r->use_off && t_fpos(in) != r->start) {
			fprintf(stderr,
				"%s: in_fd position moved with in_off\n",
				t_run_label(r));
			t_failures++;
		}
		close(in);
		if (r->pair == T_FILE_FILE) {
			r->out = t_slurp(out, &r->out_len);
			close(out);
		} else {
			close(out);
			t_sink_join(&sink);
			close(sink.fd);
			r->out = sink.buf;
			r->out_len = sink.len;
		}
	}
}

/* The output is exactly `len` source bytes from the start position, and the
 * input position (or the unread socket rest) says the same. */
int t_run_expect(struct t_run *r, uint64_t len, const char *what)
{
	uint64_t from = t_pair_stream_in(r->pair) ? 0 : (uint64_t)r->start;
	int ok = 1;

	if (r->out_len != len ||
	    !t_check_buf(r->out, r->out_len, r->seed, from))
		ok = 0;
	if (r->st.bytes != len)
		ok = 0;
	if (!t_pair_stream_in(r->pair) && r->in_pos != (long long)(from + len))
		ok = 0;
	if (t_pair_stream_in(r->pair) &&
	    (r->rest_ok != 1 || r->rest_len + len != r->size))
		ok = 0;
	if (!ok) {
		fprintf(stderr,
			"%s [%s]: ret %zd, output %zu bytes (%s), stats.bytes "
			"%llu, in_pos %lld, rest %llu (%d); expected %llu\n",
			t_run_label(r), what, r->ret, r->out_len,
			t_check_buf(r->out, r->out_len, r->seed, from)
			    ? "content ok"
			    : "BAD content",
			(unsigned long long)r->st.bytes, r->in_pos,
			(unsigned long long)r->rest_len, r->rest_ok,
			(unsigned long long)len);
		t_failures++;
	}
	free(r->out);
	r->out = NULL;
	return ok;
}

uint64_t t_run_full(const struct t_run *r)
{
	return t_pair_stream_in(r->pair) ? r->size
					 : r->size - (uint64_t)r->start;
}

void t_run_init(struct t_run *r, enum t_pair p, enum zc_method m, int variant)
{
	*r = (struct t_run){
	    .pair = p, .method = m, .seed = 0xfa11, .size = T_RUN_SIZE};
	if (t_pair_stream_in(p))
		r->size = T_RUN_STREAM_SIZE;
	/* Alternate the position modes; start off zero for file sources. */
	r->use_off = !t_pair_stream_in(p) && (variant & 1);
	r->start = t_pair_stream_in(p) ? 0 : 1000 + variant;
}
