/* SPDX-License-Identifier: MIT */
/*
 * fault_fallback.c — AUTO's fallback rules and the engines' retry loops,
 * driven through the fault hook of lib/fault.h.
 *
 * For the three pairs whose first AUTO choice is a kernel method (file ->
 * file: copy_file_range, file -> socket: sendfile, socket -> file: splice)
 * it injects the "cannot serve" errors on the first call (AUTO must fall
 * back) and after progress (the transfer must fail with exactly the bytes
 * delivered), a first-call 0 ("not here", not EOF) and a 0 after progress
 * (EOF, no spin), short counts, EINTR and EAGAIN on every engine, and checks
 * which failures are latched process-wide. Every byte is compared.
 */
#include "fault.h"
#include "helpers.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SZ	(256 * 1024)
#define STEP	(64 * 1024)
#define SOCK_SZ (128 * 1024)
#define SEED	0xfa11

/* FILE_TCP: for the engines that need TCP (MSG_ZEROCOPY) */
enum pair { FILE_FILE, FILE_SOCK, SOCK_FILE, FILE_TCP };
static const char *const pair_name[] = {"file->file", "file->socket",
					"socket->file", "file->tcp"};
/* The call AUTO's first choice makes for each pair. */
static const enum zc_sys_id first_call[] = {
    ZC_SYS_COPY_FILE_RANGE, ZC_SYS_SENDFILE, ZC_SYS_SPLICE, ZC_SYS_SENDFILE};
static const enum zc_method first_method[] = {ZC_COPY_FILE_RANGE, ZC_SENDFILE,
					      ZC_SPLICE, ZC_SENDFILE};

/* One transfer over a fresh fixture, and what came out of it. */
struct run {
	enum pair pair;
	enum zc_method method;
	uint64_t size;	/* bytes in the source */
	off_t start;	/* file sources: start position */
	int use_off;	/* pass an explicit in_off */
	unsigned flags; /* zc_options.flags */
	size_t chunk;	/* zc_options.chunk_size */
	/* results */
	ssize_t ret;
	struct zc_stats st;
	unsigned char *out;
	size_t out_len;
	long long in_pos;  /* file sources: position after */
	int rest_ok;	   /* socket source: unread rest intact (-1: n/a) */
	uint64_t rest_len; /* socket source: bytes left unread */
};

static const char *label(const struct run *r)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s %s", pair_name[r->pair],
		 zc_method_name(r->method));
	return buf;
}

/* Read what is left in a socket whose writer has finished. */
static void read_rest(struct run *r, int fd)
{
	unsigned char buf[65536];
	uint64_t pos = r->st.bytes;
	ssize_t n;

	r->rest_ok = 1;
	r->rest_len = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (!t_check_buf(buf, (size_t)n, SEED, pos))
			r->rest_ok = 0;
		pos += (uint64_t)n;
		r->rest_len += (uint64_t)n;
	}
}

/*
 * Build the fixture, run the transfer (the hook, if any, is already set by
 * the caller and is removed right after the call), collect the output.
 */
static void run_xfer(struct run *r)
{
	struct zc_options o = {.method = r->method, .flags = r->flags,
			       .chunk_size = r->chunk};
	struct t_sink sink = {0};
	struct t_feed feed = {0};
	int in, out, sv[2];
	off_t off = r->start;

	r->rest_ok = -1;
	if (r->pair == SOCK_FILE) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			t_fatal("socketpair");
		in = sv[0];
		feed.fd = sv[1];
		feed.len = r->size;
		feed.seed = SEED;
		if (t_feed_start(&feed))
			t_fatal("feed thread");
		/* Small streams sit whole in the socket buffer before the
		 * call, so capped first calls move exact amounts. */
		if (r->size <= SOCK_SZ)
			t_feed_join(&feed);
		out = t_open_dst("ff.out");
	} else {
		in = t_open_src("ff.in", r->size, SEED);
		if (lseek(in, r->start, SEEK_SET) < 0)
			t_fatal("lseek");
		if (r->pair == FILE_FILE) {
			out = t_open_dst("ff.out");
		} else {
			if (r->pair == FILE_TCP
				? t_tcp_pair(sv) < 0
				: socketpair(AF_UNIX,
					     SOCK_STREAM | SOCK_CLOEXEC, 0,
					     sv) < 0)
				t_fatal("socket pair");
			out = sv[0];
			sink.fd = sv[1];
			if (t_sink_start(&sink))
				t_fatal("sink thread");
		}
	}

	r->ret = zc_transfer_opts(out, in, r->use_off ? &off : NULL, ZC_TO_EOF,
				  &o, &r->st);
	t_faults_clear();

	if (r->pair == SOCK_FILE) {
		read_rest(r, in);
		if (r->size > SOCK_SZ)
			t_feed_join(&feed);
		close(sv[1]);
		close(in);
		r->out = t_slurp(out, &r->out_len);
		close(out);
	} else {
		r->in_pos = r->use_off ? (long long)off : t_fpos(in);
		if (r->use_off && t_fpos(in) != r->start) {
			fprintf(stderr,
				"%s: in_fd position moved with in_off\n",
				label(r));
			t_failures++;
		}
		close(in);
		if (r->pair == FILE_FILE) {
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
static void expect_prefix(struct run *r, uint64_t len, const char *what)
{
	uint64_t from = r->pair == SOCK_FILE ? 0 : (uint64_t)r->start;
	int ok = 1;

	if (r->out_len != len || !t_check_buf(r->out, r->out_len, SEED, from))
		ok = 0;
	if (r->st.bytes != len)
		ok = 0;
	if (r->pair != SOCK_FILE && r->in_pos != (long long)(from + len))
		ok = 0;
	if (r->pair == SOCK_FILE &&
	    (r->rest_ok != 1 || r->rest_len + len != r->size))
		ok = 0;
	if (!ok) {
		fprintf(stderr,
			"%s [%s]: ret %zd, output %zu bytes (%s), stats.bytes "
			"%llu, in_pos %lld, rest %llu (%d); expected %llu\n",
			label(r), what, r->ret, r->out_len,
			t_check_buf(r->out, r->out_len, SEED, from)
			    ? "content ok"
			    : "BAD content",
			(unsigned long long)r->st.bytes, r->in_pos,
			(unsigned long long)r->rest_len, r->rest_ok,
			(unsigned long long)len);
		t_failures++;
	}
	free(r->out);
	r->out = NULL;
}

static uint64_t full_len(const struct run *r)
{
	return r->pair == SOCK_FILE ? r->size : r->size - (uint64_t)r->start;
}

static struct zc_fault ferr(int e)
{
	return (struct zc_fault){.err = e};
}

static struct zc_fault fcap(size_t n)
{
	return (struct zc_fault){.max_len = n};
}

static const struct zc_fault fzero = {.ret_zero = 1};

static void new_run(struct run *r, enum pair p, enum zc_method m, int i)
{
	*r = (struct run){.pair = p, .method = m, .size = SZ};
	if (p == SOCK_FILE)
		r->size = SOCK_SZ;
	/* Alternate the position modes; start off zero for file sources. */
	r->use_off = p != SOCK_FILE && (i & 1);
	r->start = p == SOCK_FILE ? 0 : 1000 + i;
}

static const int fallback_errs[] = {ENOSYS, EINVAL, EXDEV, EOPNOTSUPP, EPERM};
#define NERRS (int)(sizeof(fallback_errs) / sizeof(fallback_errs[0]))

/* A first-call error makes AUTO fall back; after progress it is reported. */
static void test_errors(void)
{
	struct t_faults tf;
	struct run r;

	for (int p = FILE_FILE; p <= SOCK_FILE; p++) {
		for (int i = 0; i < NERRS; i++) {
			int e = fallback_errs[i];
			char what[64];

			snprintf(what, sizeof(what), "first-call %s",
				 strerror(e));
			zc__reset_caches();
			new_run(&r, p, ZC_AUTO, i);
			t_faults_install(&tf);
			t_fault_add(&tf, first_call[p], 0, 0, ferr(e));
			run_xfer(&r);
			CHECK_EQ(r.ret, full_len(&r));
			CHECK(r.st.method != first_method[p] &&
			      r.st.method != ZC_AUTO);
			CHECK(r.st.fallbacks >= 1);
			expect_prefix(&r, full_len(&r), what);

			/* After one capped call moved STEP bytes. Splice
			 * from a socket: call 0 drains, 1 pumps, 2 drains
			 * again with the internal pipe empty. */
			snprintf(what, sizeof(what), "after-progress %s",
				 strerror(e));
			zc__reset_caches();
			new_run(&r, p, ZC_AUTO, i + 1);
			t_faults_install(&tf);
			t_fault_add(&tf, first_call[p], 0, 0, fcap(STEP));
			t_fault_add(&tf, first_call[p], p == SOCK_FILE ? 2 : 1,
				    0, ferr(e));
			run_xfer(&r);
			CHECK_EQ(r.ret, -e);
			CHECK_EQ(r.st.method, first_method[p]);
			expect_prefix(&r, STEP, what);

			/* An explicit method never turns into another. */
			snprintf(what, sizeof(what), "explicit %s",
				 strerror(e));
			zc__reset_caches();
			new_run(&r, p, first_method[p], i);
			t_faults_install(&tf);
			t_fault_add(&tf, first_call[p], 0, 0, ferr(e));
			run_xfer(&r);
			CHECK_EQ(r.ret, -e);
			expect_prefix(&r, 0, what);
		}
	}
	zc__reset_caches();
}

/* EOVERFLOW after progress is the one error AUTO falls back on, carrying
 * the bytes already moved (the rest goes through the next method). */
static void test_eoverflow(void)
{
	struct t_faults tf;
	struct run r;

	/* once: smaller calls or the next method, either way all bytes;
	 * always: only the next method can finish */
	for (int p = FILE_FILE; p <= FILE_SOCK; p++) {
		for (int always = 0; always < 2; always++) {
			new_run(&r, p, ZC_AUTO, p + always);
			t_faults_install(&tf);
			t_fault_add(&tf, first_call[p], 0, 0, fcap(STEP));
			t_fault_add(&tf, first_call[p], 1, always,
				    ferr(EOVERFLOW));
			run_xfer(&r);
			CHECK_EQ(r.ret, full_len(&r));
			if (always) {
				CHECK(r.st.fallbacks >= 1);
				CHECK(r.st.method != first_method[p]);
			}
			expect_prefix(&r, full_len(&r),
				      always ? "EOVERFLOW always"
					     : "EOVERFLOW once");
		}
	}
	zc__reset_caches();
}

/* A pump failure with bytes already drained from a socket must not fall
 * back: those bytes are gone from the input and would be skipped. */
static void test_splice_pump_error(void)
{
	struct t_faults tf;
	struct run r;

	new_run(&r, SOCK_FILE, ZC_AUTO, 0);
	t_faults_install(&tf);
	t_fault_add(&tf, ZC_SYS_SPLICE, 0, 0, fcap(STEP));
	t_fault_add(&tf, ZC_SYS_SPLICE, 1, 0, ferr(EINVAL));
	run_xfer(&r);
	if (r.ret >= 0) {
		fprintf(stderr,
			"socket->file: pump EINVAL with %d bytes in "
			"the pipe: ret %zd via %s (must fail: those "
			"bytes cannot be re-read)\n",
			STEP, r.ret, zc_method_name(r.st.method));
		t_failures++;
	}
	/* Whatever reached the file is a true prefix of the stream. */
	CHECK_EQ(r.out_len, r.st.bytes);
	CHECK(t_check_buf(r.out, r.out_len, SEED, 0));
	free(r.out);
	zc__reset_caches();
}

/* A 0 on the first call means "not here"; a 0 after progress means EOF. */
static void test_zero(void)
{
	struct t_faults tf;
	struct run r;

	for (int p = FILE_FILE; p <= FILE_SOCK; p++) {
		for (int i = 0; i < 2; i++) {
			new_run(&r, p, ZC_AUTO, i);
			t_faults_install(&tf);
			t_fault_add(&tf, first_call[p], 0, 0, fzero);
			run_xfer(&r);
			CHECK_EQ(r.ret, full_len(&r));
			CHECK(r.st.method != first_method[p]);
			CHECK(r.st.fallbacks >= 1);
			expect_prefix(&r, full_len(&r), "first-call 0");

			new_run(&r, p, first_method[p], i);
			t_faults_install(&tf);
			t_fault_add(&tf, first_call[p], 0, 0, fzero);
			run_xfer(&r);
			CHECK_EQ(r.ret, -EOPNOTSUPP);
			expect_prefix(&r, 0, "explicit first-call 0");

			new_run(&r, p, ZC_AUTO, i);
			t_faults_install(&tf);
			t_fault_add(&tf, first_call[p], 0, 0, fcap(STEP));
			t_fault_add(&tf, first_call[p], 1, 1, fzero);
			run_xfer(&r);
			CHECK_EQ(r.ret, STEP);
			CHECK_EQ(r.st.method, first_method[p]);
			CHECK_EQ(r.st.fallbacks, 0);
			/* no spin on the zero */
			CHECK(tf.calls[first_call[p]] <= 3);
			expect_prefix(&r, STEP, "0 after progress");
		}
	}
	zc__reset_caches();
}

/* The engines under test, with the pair each is driven on. */
struct eng {
	enum pair pair;
	enum zc_method m;
};
static const struct eng engines[] = {
    {FILE_FILE, ZC_READ_WRITE},
    {FILE_FILE, ZC_MMAP_WRITE},
    {FILE_FILE, ZC_SENDFILE},
    {FILE_FILE, ZC_SPLICE},
    {FILE_FILE, ZC_COPY_FILE_RANGE},
    {FILE_FILE, ZC_DIRECT_IO},
    {FILE_SOCK, ZC_READ_WRITE},
    {FILE_SOCK, ZC_MMAP_WRITE},
    {FILE_SOCK, ZC_SENDFILE},
    {FILE_SOCK, ZC_SPLICE},
    {SOCK_FILE, ZC_READ_WRITE},
    {SOCK_FILE, ZC_SPLICE},
    {FILE_FILE, ZC_AUTO},
    {FILE_SOCK, ZC_AUTO},
    {SOCK_FILE, ZC_AUTO},
    {FILE_TCP, ZC_MSG_ZEROCOPY},
    {FILE_TCP, ZC_IO_URING},
    {FILE_FILE, ZC_IO_URING},
};
#define NENG (int)(sizeof(engines) / sizeof(engines[0]))

/* Direct I/O reads must stay aligned: only shorten its writes. */
static void add_cap_rules(struct t_faults *tf, enum zc_method m, size_t cap)
{
	if (m == ZC_DIRECT_IO) {
		t_fault_add(tf, ZC_SYS_WRITE, 0, 1, fcap(cap));
		t_fault_add(tf, ZC_SYS_PWRITE, 0, 1, fcap(cap));
	} else {
		t_fault_add(tf, T_ANY_DATA, 0, 1, fcap(cap));
	}
}

/* Every data call moves at most 1 or 4095 bytes. */
static void test_short(void)
{
	static const size_t caps[] = {1, 4095};
	struct t_faults tf;
	struct run r;

	for (int c = 0; c < 2; c++) {
		for (int i = 0; i < NENG; i++) {
			char what[64];

			new_run(&r, engines[i].pair, engines[i].m, i);
			r.size = caps[c] == 1 ? 9001 : 300001;
			if (engines[i].pair == SOCK_FILE && caps[c] != 1)
				r.size = SOCK_SZ - 1;
			if (r.start > 0 && engines[i].m == ZC_DIRECT_IO)
				r.start = 4096; /* keep the case about caps */
			t_faults_install(&tf);
			add_cap_rules(&tf, engines[i].m, caps[c]);
			run_xfer(&r);
			snprintf(what, sizeof(what), "max_len %zu", caps[c]);
			CHECK_EQ(r.ret, full_len(&r));
			expect_prefix(&r, full_len(&r), what);
		}
	}
}

/* EINTR on every third call of every kind that can block or move data. */
static void test_eintr(void)
{
	struct t_faults tf;
	struct run r;

	for (int i = 0; i < NENG; i++) {
		new_run(&r, engines[i].pair, engines[i].m, i);
		t_faults_install(&tf);
		t_fault_add(&tf, T_ANY_DATA, 0, 3, ferr(EINTR));
		t_fault_add(&tf, ZC_SYS_POLL, 0, 3, ferr(EINTR));
		t_fault_add(&tf, ZC_SYS_RECVMSG, 0, 3, ferr(EINTR));
		t_fault_add(&tf, ZC_SYS_IO_URING_ENTER, 0, 3, ferr(EINTR));
		if (engines[i].m != ZC_DIRECT_IO)
			t_fault_add(&tf, T_ANY_DATA, 0, 1, fcap(20000));
		run_xfer(&r);
		CHECK_EQ(r.ret, full_len(&r));
		expect_prefix(&r, full_len(&r), "EINTR every 3rd call");
	}
}

/* EAGAIN from the output side: wait with poll and resume. */
static void test_eagain(void)
{
	static const struct {
		enum pair pair;
		enum zc_method m;
		enum zc_sys_id id;
		uint64_t nth;
	} cases[] = {
	    {FILE_SOCK, ZC_READ_WRITE, ZC_SYS_WRITE, 1},
	    {FILE_SOCK, ZC_MMAP_WRITE, ZC_SYS_WRITE, 1},
	    {FILE_SOCK, ZC_SENDFILE, ZC_SYS_SENDFILE, 1},
	    {FILE_SOCK, ZC_SPLICE, ZC_SYS_SPLICE, 1},
	    {FILE_SOCK, ZC_SPLICE, ZC_SYS_SPLICE, 3},
	    {SOCK_FILE, ZC_SPLICE, ZC_SYS_SPLICE, 0},
	    {SOCK_FILE, ZC_READ_WRITE, ZC_SYS_READ, 0},
	    {FILE_SOCK, ZC_AUTO, ZC_SYS_SENDFILE, 1},
	};
	struct t_faults tf;
	struct run r;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		new_run(&r, cases[i].pair, cases[i].m, (int)i);
		t_faults_install(&tf);
		t_fault_add(&tf, cases[i].id, cases[i].nth, 0, ferr(EAGAIN));
		t_fault_add(&tf, T_ANY_DATA, 0, 1, fcap(STEP));
		run_xfer(&r);
		CHECK_EQ(r.ret, full_len(&r));
		if (r.st.waits < 1) {
			fprintf(stderr, "%s: EAGAIN on %s #%llu but no wait\n",
				label(&r), zc__sys_name(cases[i].id),
				(unsigned long long)cases[i].nth);
			t_failures++;
		}
		expect_prefix(&r, full_len(&r), "EAGAIN");
	}
}

/* Run AUTO on pair p with a counting hook; returns calls of its first
 * method's syscall. */
static uint64_t auto_calls(enum pair p, struct run *r)
{
	struct t_faults tf;

	new_run(r, p, ZC_AUTO, 0);
	t_faults_install(&tf);
	run_xfer(r);
	CHECK_EQ(r->ret, full_len(r));
	expect_prefix(r, full_len(r), "after latch test");
	return tf.calls[first_call[p]];
}

/* ENOSYS latches a method off until zc__reset_caches(); a lone EPERM does
 * not, an EPERM the probe confirms (every call fails) does. */
static void test_latch(void)
{
	struct t_faults tf;
	struct run r;

	for (int p = FILE_FILE; p <= SOCK_FILE; p++) {
		zc__reset_caches();
		new_run(&r, p, ZC_AUTO, 0);
		t_faults_install(&tf);
		t_fault_add(&tf, first_call[p], 0, 0, ferr(ENOSYS));
		run_xfer(&r);
		CHECK_EQ(r.ret, full_len(&r));
		expect_prefix(&r, full_len(&r), "ENOSYS latch");
		if (auto_calls(p, &r) != 0 || r.st.method == first_method[p]) {
			fprintf(stderr, "%s: ENOSYS not latched\n",
				pair_name[p]);
			t_failures++;
		}
		zc__reset_caches();
		CHECK(auto_calls(p, &r) > 0);
		CHECK_EQ(r.st.method, first_method[p]);

		new_run(&r, p, ZC_AUTO, 0);
		t_faults_install(&tf);
		t_fault_add(&tf, first_call[p], 0, 0, ferr(EPERM));
		run_xfer(&r);
		CHECK_EQ(r.ret, full_len(&r));
		expect_prefix(&r, full_len(&r), "one EPERM");
		CHECK(auto_calls(p, &r) > 0);
		if (r.st.method != first_method[p]) {
			fprintf(stderr,
				"%s: one EPERM latched the method off\n",
				pair_name[p]);
			t_failures++;
		}
	}

	/* seccomp-like: copy_file_range always EPERM, the probe included */
	zc__reset_caches();
	new_run(&r, FILE_FILE, ZC_AUTO, 0);
	t_faults_install(&tf);
	t_fault_add(&tf, ZC_SYS_COPY_FILE_RANGE, 0, 1, ferr(EPERM));
	run_xfer(&r);
	CHECK_EQ(r.ret, full_len(&r));
	expect_prefix(&r, full_len(&r), "seccomp EPERM");
	if (auto_calls(FILE_FILE, &r) != 0) {
		fprintf(stderr, "file->file: EPERM confirmed by every call was "
				"not latched\n");
		t_failures++;
	}
	zc__reset_caches();
	CHECK_EQ(auto_calls(FILE_FILE, &r) > 0, 1);
}

/* The engines of their own: MSG_ZEROCOPY under ENOBUFS, io_uring whose
 * setup or enter fails. */
static void test_uring_zc(void)
{
	struct t_faults tf;
	struct run r;

	/* ENOBUFS (optmem/locked pages): wait for completions or send
	 * plainly; every byte still arrives once */
	new_run(&r, FILE_TCP, ZC_MSG_ZEROCOPY, 0);
	r.chunk = STEP;
	t_faults_install(&tf);
	t_fault_add(&tf, ZC_SYS_SEND, 0, 0, ferr(ENOBUFS));
	t_fault_add(&tf, ZC_SYS_SEND, 3, 0, ferr(ENOBUFS));
	t_fault_add(&tf, ZC_SYS_SEND, 0, 1, fcap(20000));
	run_xfer(&r);
	if (r.ret != (ssize_t)full_len(&r) && r.ret != -EOPNOTSUPP)
		t_failures++;
	if (r.ret > 0) {
		CHECK(r.st.user_copy_bytes > 0 && r.st.user_copy_bytes < SZ);
		expect_prefix(&r, full_len(&r), "ENOBUFS");
	} else {
		printf("note: msg-zerocopy unavailable: %zd\n", r.ret);
		free(r.out);
	}

	/* io_uring refused at setup: explicit fails cleanly */
	for (int i = 0; i < 2; i++) {
		static const int errs[] = {ENOSYS, EPERM};

		zc__reset_caches();
		new_run(&r, FILE_FILE, ZC_IO_URING, i);
		t_faults_install(&tf);
		t_fault_add(&tf, ZC_SYS_IO_URING_SETUP, 0, 1, ferr(errs[i]));
		run_xfer(&r);
		CHECK(r.ret < 0);
		expect_prefix(&r, 0, "io_uring_setup refused");
	}
	zc__reset_caches();

	/* io_uring_enter failing after two chunks: the error, and exactly
	 * the two chunks delivered */
	new_run(&r, FILE_FILE, ZC_IO_URING, 1);
	r.chunk = STEP;
	t_faults_install(&tf);
	t_fault_add(&tf, ZC_SYS_IO_URING_ENTER, 2, 0, ferr(EIO));
	run_xfer(&r);
	if (r.ret == -EOPNOTSUPP || r.ret == -ENOSYS) {
		printf("note: io_uring unavailable: %zd\n", r.ret);
		free(r.out);
	} else {
		CHECK_EQ(r.ret, -EIO);
		expect_prefix(&r, 2 * STEP, "io_uring_enter EIO");
	}
}

int main(void)
{
	test_errors();
	test_splice_pump_error();
	test_eoverflow();
	test_zero();
	test_short();
	test_eintr();
	test_eagain();
	test_latch();
	test_uring_zc();
	zc__reset_caches();
	return t_result();
}
