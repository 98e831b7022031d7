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

#define STEP (64 * 1024)

/* The call AUTO's first choice makes for each pair. */
static const enum zc_sys_id first_call[] = {
    ZC_SYS_COPY_FILE_RANGE, ZC_SYS_SENDFILE, ZC_SYS_SPLICE,
    ZC_SYS_SENDFILE,	    ZC_SYS_SPLICE,   ZC_SYS_SPLICE};
static const enum zc_method first_method[] = {ZC_COPY_FILE_RANGE, ZC_SENDFILE,
					      ZC_SPLICE,	  ZC_SENDFILE,
					      ZC_SPLICE,	  ZC_SPLICE};

static struct zc_fault ferr(int e)
{
	return (struct zc_fault){.err = e};
}

static struct zc_fault fcap(size_t n)
{
	return (struct zc_fault){.max_len = n};
}

static const struct zc_fault fzero = {.ret_zero = 1};

static const int fallback_errs[] = {ENOSYS, EINVAL, EXDEV, EOPNOTSUPP, EPERM};
#define NERRS (int)(sizeof(fallback_errs) / sizeof(fallback_errs[0]))

/* A first-call error makes AUTO fall back; after progress it is reported. */
static void test_errors(void)
{
	struct t_faults tf;
	struct t_run r;

	static const enum t_pair pairs[] = {
	    T_FILE_FILE, T_FILE_SOCK, T_SOCK_FILE, T_FILE_PIPE, T_PIPE_FILE};

	for (unsigned pi = 0; pi < sizeof(pairs) / sizeof(pairs[0]); pi++) {
		enum t_pair p = pairs[pi];

		for (int i = 0; i < NERRS; i++) {
			int e = fallback_errs[i];
			char what[64];

			snprintf(what, sizeof(what), "first-call %s",
				 strerror(e));
			zc__reset_caches();
			t_run_init(&r, p, ZC_AUTO, i);
			t_faults_install(&tf);
			t_fault_add(&tf, first_call[p], 0, 0, ferr(e));
			t_run_xfer(&r);
			CHECK_EQ(r.ret, t_run_full(&r));
			CHECK(r.st.method != first_method[p] &&
			      r.st.method != ZC_AUTO);
			CHECK(r.st.fallbacks >= 1);
			t_run_expect(&r, t_run_full(&r), what);

			/* After one capped call moved STEP bytes. Splice
			 * from a socket: call 0 drains, 1 pumps, 2 drains
			 * again with the internal pipe empty. */
			snprintf(what, sizeof(what), "after-progress %s",
				 strerror(e));
			zc__reset_caches();
			t_run_init(&r, p, ZC_AUTO, i + 1);
			t_faults_install(&tf);
			t_fault_add(&tf, first_call[p], 0, 0, fcap(STEP));
			t_fault_add(&tf, first_call[p],
				    p == T_SOCK_FILE ? 2 : 1, 0, ferr(e));
			t_run_xfer(&r);
			CHECK_EQ(r.ret, -e);
			CHECK_EQ(r.st.method, first_method[p]);
			/* a capped call may move less (splice from an
			 * unaligned offset into a pipe stops at a page) */
			CHECK(r.st.bytes > 0 && r.st.bytes <= STEP);
			t_run_expect(&r, r.st.bytes, what);

			/* An explicit method never turns into another. */
			snprintf(what, sizeof(what), "explicit %s",
				 strerror(e));
			zc__reset_caches();
			t_run_init(&r, p, first_method[p], i);
			t_faults_install(&tf);
			t_fault_add(&tf, first_call[p], 0, 0, ferr(e));
			t_run_xfer(&r);
			CHECK_EQ(r.ret, -e);
			t_run_expect(&r, 0, what);
		}
	}
	zc__reset_caches();
}

/* EOVERFLOW after progress is the one error AUTO falls back on, carrying
 * the bytes already moved (the rest goes through the next method). */
static void test_eoverflow(void)
{
	struct t_faults tf;
	struct t_run r;

	/* once: smaller calls or the next method, either way all bytes;
	 * always: only the next method can finish */
	for (int p = T_FILE_FILE; p <= T_FILE_SOCK; p++) {
		for (int always = 0; always < 2; always++) {
			t_run_init(&r, p, ZC_AUTO, p + always);
			t_faults_install(&tf);
			t_fault_add(&tf, first_call[p], 0, 0, fcap(STEP));
			t_fault_add(&tf, first_call[p], 1, always,
				    ferr(EOVERFLOW));
			t_run_xfer(&r);
			CHECK_EQ(r.ret, t_run_full(&r));
			if (always) {
				CHECK(r.st.fallbacks >= 1);
				CHECK(r.st.method != first_method[p]);
			}
			t_run_expect(&r, t_run_full(&r),
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
	struct t_run r;

	t_run_init(&r, T_SOCK_FILE, ZC_AUTO, 0);
	t_faults_install(&tf);
	t_fault_add(&tf, ZC_SYS_SPLICE, 0, 0, fcap(STEP));
	t_fault_add(&tf, ZC_SYS_SPLICE, 1, 0, ferr(EINVAL));
	t_run_xfer(&r);
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
	CHECK(t_check_buf(r.out, r.out_len, r.seed, 0));
	free(r.out);
	/* The internal pipe kept 64 KiB: it must not serve the next one. */
	for (int i = 0; i < 2; i++) {
		t_run_init(&r, T_SOCK_FILE, i ? ZC_AUTO : ZC_SPLICE, 0);
		t_run_xfer(&r);
		CHECK_EQ(r.ret, t_run_full(&r));
		t_run_expect(&r, t_run_full(&r), "after a dropped pipe");
	}
	zc__reset_caches();
}

/* A 0 on the first call means "not here"; a 0 after progress means EOF. */
static void test_zero(void)
{
	struct t_faults tf;
	struct t_run r;

	for (int p = T_FILE_FILE; p <= T_FILE_SOCK; p++) {
		for (int i = 0; i < 2; i++) {
			t_run_init(&r, p, ZC_AUTO, i);
			t_faults_install(&tf);
			t_fault_add(&tf, first_call[p], 0, 0, fzero);
			t_run_xfer(&r);
			CHECK_EQ(r.ret, t_run_full(&r));
			CHECK(r.st.method != first_method[p]);
			CHECK(r.st.fallbacks >= 1);
			t_run_expect(&r, t_run_full(&r), "first-call 0");

			t_run_init(&r, p, first_method[p], i);
			t_faults_install(&tf);
			t_fault_add(&tf, first_call[p], 0, 0, fzero);
			t_run_xfer(&r);
			CHECK_EQ(r.ret, -EOPNOTSUPP);
			t_run_expect(&r, 0, "explicit first-call 0");

			t_run_init(&r, p, ZC_AUTO, i);
			t_faults_install(&tf);
			t_fault_add(&tf, first_call[p], 0, 0, fcap(STEP));
			t_fault_add(&tf, first_call[p], 1, 1, fzero);
			t_run_xfer(&r);
			CHECK_EQ(r.ret, STEP);
			CHECK_EQ(r.st.method, first_method[p]);
			CHECK_EQ(r.st.fallbacks, 0);
			/* no spin on the zero */
			CHECK(tf.calls[first_call[p]] <= 3);
			t_run_expect(&r, STEP, "0 after progress");
		}
	}
	zc__reset_caches();
}

/* The engines under test, with the pair each is driven on. */
struct eng {
	enum t_pair pair;
	enum zc_method m;
};
static const struct eng engines[] = {
    {T_FILE_FILE, ZC_READ_WRITE},
    {T_FILE_FILE, ZC_MMAP_WRITE},
    {T_FILE_FILE, ZC_SENDFILE},
    {T_FILE_FILE, ZC_SPLICE},
    {T_FILE_FILE, ZC_COPY_FILE_RANGE},
    {T_FILE_FILE, ZC_DIRECT_IO},
    {T_FILE_SOCK, ZC_READ_WRITE},
    {T_FILE_SOCK, ZC_MMAP_WRITE},
    {T_FILE_SOCK, ZC_SENDFILE},
    {T_FILE_SOCK, ZC_SPLICE},
    {T_SOCK_FILE, ZC_READ_WRITE},
    {T_SOCK_FILE, ZC_SPLICE},
    {T_FILE_FILE, ZC_AUTO},
    {T_FILE_SOCK, ZC_AUTO},
    {T_SOCK_FILE, ZC_AUTO},
    {T_FILE_TCP, ZC_MSG_ZEROCOPY},
    {T_FILE_TCP, ZC_IO_URING},
    {T_FILE_PIPE, ZC_READ_WRITE},
    {T_FILE_PIPE, ZC_MMAP_WRITE},
    {T_FILE_PIPE, ZC_SENDFILE},
    {T_FILE_PIPE, ZC_SPLICE},
    {T_FILE_PIPE, ZC_IO_URING},
    {T_FILE_PIPE, ZC_AUTO},
    {T_PIPE_FILE, ZC_READ_WRITE},
    {T_PIPE_FILE, ZC_SPLICE},
    {T_PIPE_FILE, ZC_AUTO},
    {T_FILE_FILE, ZC_IO_URING},
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
	struct t_run r;

	for (int c = 0; c < 2; c++) {
		for (int i = 0; i < NENG; i++) {
			char what[64];

			t_run_init(&r, engines[i].pair, engines[i].m, i);
			r.size = caps[c] == 1 ? 9001 : 300001;
			if (t_pair_stream_in(engines[i].pair) && caps[c] != 1)
				r.size = T_RUN_STREAM_SIZE - 1;
			if (r.start > 0 && engines[i].m == ZC_DIRECT_IO)
				r.start = 4096; /* keep the case about caps */
			t_faults_install(&tf);
			add_cap_rules(&tf, engines[i].m, caps[c]);
			t_run_xfer(&r);
			snprintf(what, sizeof(what), "max_len %zu", caps[c]);
			CHECK_EQ(r.ret, t_run_full(&r));
			t_run_expect(&r, t_run_full(&r), what);
		}
	}
}

/* EINTR on every third call of every kind that can block or move data. */
static void test_eintr(void)
{
	struct t_faults tf;
	struct t_run r;

	for (int i = 0; i < NENG; i++) {
		t_run_init(&r, engines[i].pair, engines[i].m, i);
		t_faults_install(&tf);
		t_fault_add(&tf, T_ANY_DATA, 0, 3, ferr(EINTR));
		t_fault_add(&tf, ZC_SYS_POLL, 0, 3, ferr(EINTR));
		t_fault_add(&tf, ZC_SYS_RECVMSG, 0, 3, ferr(EINTR));
		t_fault_add(&tf, ZC_SYS_IO_URING_ENTER, 0, 3, ferr(EINTR));
		if (engines[i].m != ZC_DIRECT_IO)
			t_fault_add(&tf, T_ANY_DATA, 0, 1, fcap(20000));
		t_run_xfer(&r);
		CHECK_EQ(r.ret, t_run_full(&r));
		t_run_expect(&r, t_run_full(&r), "EINTR every 3rd call");
	}
}

/* EAGAIN from the output side: wait with poll and resume. */
static void test_eagain(void)
{
	static const struct {
		enum t_pair pair;
		enum zc_method m;
		enum zc_sys_id id;
		uint64_t nth;
	} cases[] = {
	    {T_FILE_SOCK, ZC_READ_WRITE, ZC_SYS_WRITE, 1},
	    {T_FILE_SOCK, ZC_MMAP_WRITE, ZC_SYS_WRITE, 1},
	    {T_FILE_SOCK, ZC_SENDFILE, ZC_SYS_SENDFILE, 1},
	    {T_FILE_SOCK, ZC_SPLICE, ZC_SYS_SPLICE, 1},
	    {T_FILE_SOCK, ZC_SPLICE, ZC_SYS_SPLICE, 3},
	    {T_SOCK_FILE, ZC_SPLICE, ZC_SYS_SPLICE, 0},
	    {T_SOCK_FILE, ZC_READ_WRITE, ZC_SYS_READ, 0},
	    {T_FILE_SOCK, ZC_AUTO, ZC_SYS_SENDFILE, 1},
	};
	struct t_faults tf;
	struct t_run r;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t_run_init(&r, cases[i].pair, cases[i].m, (int)i);
		t_faults_install(&tf);
		t_fault_add(&tf, cases[i].id, cases[i].nth, 0, ferr(EAGAIN));
		t_fault_add(&tf, T_ANY_DATA, 0, 1, fcap(STEP));
		t_run_xfer(&r);
		CHECK_EQ(r.ret, t_run_full(&r));
		if (r.st.waits < 1) {
			fprintf(stderr, "%s: EAGAIN on %s #%llu but no wait\n",
				t_run_label(&r), zc__sys_name(cases[i].id),
				(unsigned long long)cases[i].nth);
			t_failures++;
		}
		t_run_expect(&r, t_run_full(&r), "EAGAIN");
	}
}

/* Run AUTO on pair p with a counting hook; returns calls of its first
 * method's syscall. */
static uint64_t auto_calls(enum t_pair p, struct t_run *r)
{
	struct t_faults tf;

	t_run_init(r, p, ZC_AUTO, 0);
	t_faults_install(&tf);
	t_run_xfer(r);
	CHECK_EQ(r->ret, t_run_full(r));
	t_run_expect(r, t_run_full(r), "after latch test");
	return tf.calls[first_call[p]];
}

/* ENOSYS latches a method off until zc__reset_caches(); a lone EPERM does
 * not, an EPERM the probe confirms (every call fails) does. */
static void test_latch(void)
{
	struct t_faults tf;
	struct t_run r;

	for (int p = T_FILE_FILE; p <= T_SOCK_FILE; p++) {
		zc__reset_caches();
		t_run_init(&r, p, ZC_AUTO, 0);
		t_faults_install(&tf);
		t_fault_add(&tf, first_call[p], 0, 0, ferr(ENOSYS));
		t_run_xfer(&r);
		CHECK_EQ(r.ret, t_run_full(&r));
		t_run_expect(&r, t_run_full(&r), "ENOSYS latch");
		if (auto_calls(p, &r) != 0 || r.st.method == first_method[p]) {
			fprintf(stderr, "%s: ENOSYS not latched\n",
				t_pair_name[p]);
			t_failures++;
		}
		zc__reset_caches();
		CHECK(auto_calls(p, &r) > 0);
		CHECK_EQ(r.st.method, first_method[p]);

		t_run_init(&r, p, ZC_AUTO, 0);
		t_faults_install(&tf);
		t_fault_add(&tf, first_call[p], 0, 0, ferr(EPERM));
		t_run_xfer(&r);
		CHECK_EQ(r.ret, t_run_full(&r));
		t_run_expect(&r, t_run_full(&r), "one EPERM");
		CHECK(auto_calls(p, &r) > 0);
		if (r.st.method != first_method[p]) {
			fprintf(stderr,
				"%s: one EPERM latched the method off\n",
				t_pair_name[p]);
			t_failures++;
		}
	}

	/* seccomp-like: copy_file_range always EPERM, the probe included */
	zc__reset_caches();
	t_run_init(&r, T_FILE_FILE, ZC_AUTO, 0);
	t_faults_install(&tf);
	t_fault_add(&tf, ZC_SYS_COPY_FILE_RANGE, 0, 1, ferr(EPERM));
	t_run_xfer(&r);
	CHECK_EQ(r.ret, t_run_full(&r));
	t_run_expect(&r, t_run_full(&r), "seccomp EPERM");
	if (auto_calls(T_FILE_FILE, &r) != 0) {
		fprintf(stderr, "file->file: EPERM confirmed by every call was "
				"not latched\n");
		t_failures++;
	}
	zc__reset_caches();
	CHECK_EQ(auto_calls(T_FILE_FILE, &r) > 0, 1);
}

/* The engines of their own: MSG_ZEROCOPY under ENOBUFS, io_uring whose
 * setup or enter fails. */
static void test_uring_zc(void)
{
	struct t_faults tf;
	struct t_run r;

	/* ENOBUFS (optmem/locked pages): wait for completions or send
	 * plainly; every byte still arrives once */
	t_run_init(&r, T_FILE_TCP, ZC_MSG_ZEROCOPY, 0);
	r.chunk = STEP;
	t_faults_install(&tf);
	t_fault_add(&tf, ZC_SYS_SEND, 0, 0, ferr(ENOBUFS));
	t_fault_add(&tf, ZC_SYS_SEND, 3, 0, ferr(ENOBUFS));
	t_fault_add(&tf, ZC_SYS_SEND, 0, 1, fcap(20000));
	t_run_xfer(&r);
	if (r.ret != (ssize_t)t_run_full(&r) && r.ret != -EOPNOTSUPP)
		t_failures++;
	if (r.ret > 0) {
		CHECK(r.st.user_copy_bytes > 0 &&
		      r.st.user_copy_bytes < T_RUN_SIZE);
		t_run_expect(&r, t_run_full(&r), "ENOBUFS");
	} else {
		printf("note: msg-zerocopy unavailable: %zd\n", r.ret);
		free(r.out);
	}

	/* io_uring refused at setup: explicit fails cleanly */
	for (int i = 0; i < 2; i++) {
		static const int errs[] = {ENOSYS, EPERM};

		zc__reset_caches();
		t_run_init(&r, T_FILE_FILE, ZC_IO_URING, i);
		t_faults_install(&tf);
		t_fault_add(&tf, ZC_SYS_IO_URING_SETUP, 0, 1, ferr(errs[i]));
		t_run_xfer(&r);
		CHECK(r.ret < 0);
		t_run_expect(&r, 0, "io_uring_setup refused");
	}
	zc__reset_caches();

	/* io_uring_enter failing after two chunks: the error, and exactly
	 * the two chunks delivered */
	t_run_init(&r, T_FILE_FILE, ZC_IO_URING, 1);
	r.chunk = STEP;
	t_faults_install(&tf);
	t_fault_add(&tf, ZC_SYS_IO_URING_ENTER, 2, 0, ferr(EIO));
	t_run_xfer(&r);
	if (r.ret == -EOPNOTSUPP || r.ret == -ENOSYS) {
		printf("note: io_uring unavailable: %zd\n", r.ret);
		free(r.out);
	} else {
		CHECK_EQ(r.ret, -EIO);
		t_run_expect(&r, 2 * STEP, "io_uring_enter EIO");
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
