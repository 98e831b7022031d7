/* SPDX-License-Identifier: MIT */
/*
 * pair.c — prepared pairs (zc_pair_open/zc_pair_transfer/zc_pair_close).
 *
 * Every method over every pair kind it serves, in one call and in 64 KiB
 * pieces, every byte compared, positions exact; a method that cannot
 * serve a pair is refused at open, before anything moves. A fault sweep
 * (lib/fault.h): an error on the first, a middle and the last call of
 * every kind a clean run makes, including those of zc_pair_open, leaves
 * exactly stats->bytes delivered and no descriptor behind. AUTO's choice is
 * settled: a candidate that declined is not asked again. SIGPIPE becomes
 * -EPIPE whether the process ignores it or not, and the caller's signal
 * mask comes back as it was. A growing input is seen. Reserved option
 * words must be zero; the reserved words of zc_stats are zeroed.
 */
#include "fault.h"
#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PIECE (64 * 1024)

static const enum t_pair pairs[] = {T_FILE_FILE, T_FILE_SOCK, T_SOCK_FILE,
				    T_FILE_TCP,	 T_FILE_PIPE, T_PIPE_FILE};
#define NPAIRS (sizeof(pairs) / sizeof(pairs[0]))

static int count_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

/* TCP only for the methods that need it or pick a TCP path. */
static int skip_tcp(enum t_pair p, enum zc_method m)
{
	return p == T_FILE_TCP && m != ZC_MSG_ZEROCOPY && m != ZC_IO_URING_ZC &&
	       m != ZC_SENDFILE && m != ZC_AUTO;
}

static void methods(void)
{
	for (unsigned pi = 0; pi < NPAIRS; pi++) {
		for (int m = 0; m < ZC_METHOD_COUNT; m++) {
			enum t_pair p = pairs[pi];
			struct t_run r;
			int served;

			if (skip_tcp(p, (enum zc_method)m))
				continue;
			/* Does zc_transfer serve it here? */
			t_run_init(&r, p, (enum zc_method)m, 0);
			t_run_xfer(&r);
			served = r.ret == (ssize_t)t_run_full(&r);
			free(r.out);
			for (int v = 0; v < 2; v++) {
				t_run_init(&r, p, (enum zc_method)m, v);
				r.piece = v ? PIECE : ZC_TO_EOF;
				t_run_xfer(&r);
				if (served) {
					CHECK_EQ(r.ret, t_run_full(&r));
					t_run_expect(&r, t_run_full(&r),
						     v ? "pieces" : "one call");
				} else {
					/* explicit means explicit */
					CHECK(r.ret < 0);
					t_run_expect(&r, 0, "refused");
				}
			}
			printf("%-10s %-16s %s\n", t_pair_name[p],
			       zc_method_name((enum zc_method)m),
			       served ? "moved, in one call and in pieces"
				      : "refused at open, as by zc_transfer");
		}
	}
}

static unsigned runs, completed, failed;

static void one_fault(enum t_pair p, enum zc_method m, enum zc_sys_id id,
		      uint64_t nth)
{
	struct t_faults tf;
	struct t_run r;
	int before, after;

	zc__reset_caches(); /* no latch from the last run; pipe pool empty */
	before = count_fds();
	t_run_init(&r, p, m, (int)nth);
	r.piece = 16384;
	t_faults_install(&tf);
	t_fault_add(&tf, (int)id, nth, 0, (struct zc_fault){.err = EIO});
	t_run_xfer(&r);
	zc__reset_caches();
	after = count_fds();
	runs++;
	if (r.ret == (ssize_t)t_run_full(&r)) {
		completed++; /* the fault hit a call whose failure is handled */
		t_run_expect(&r, t_run_full(&r), "fault, completed");
	} else if (t_pair_stream_in(p) || id == ZC_SYS_LSEEK) {
		/* As in fault_sweep: bytes taken from a stream are lost with
		 * the error, a failed lseek cannot store the position; the
		 * output must still be an exact prefix. */
		failed++;
		CHECK(r.ret < 0);
		CHECK_EQ(r.out_len, r.st.bytes);
		CHECK(t_check_buf(r.out, r.out_len, r.seed, (uint64_t)r.start));
		free(r.out);
	} else {
		failed++;
		CHECK(r.ret < 0);
		t_run_expect(&r, r.st.bytes, "fault, failed");
	}
	if (id != ZC_SYS_CLOSE && after != before) {
		fprintf(stderr, "%s [%s #%llu]: %d descriptors, then %d\n",
			t_run_label(&r), zc__sys_name(id),
			(unsigned long long)nth, before, after);
		t_failures++;
	}
}

static void faults(void)
{
	static const enum zc_method ms[] = {
	    ZC_AUTO,	   ZC_SENDFILE,	    ZC_SPLICE,	   ZC_READ_WRITE,
	    ZC_MMAP_WRITE, ZC_MSG_ZEROCOPY, ZC_IO_URING_ZC};

	for (unsigned pi = 0; pi < NPAIRS; pi++) {
		for (unsigned mi = 0; mi < sizeof(ms) / sizeof(ms[0]); mi++) {
			enum t_pair p = pairs[pi];
			enum zc_method m = ms[mi];
			struct t_faults tf;
			struct t_run base;
			uint64_t calls[ZC_SYS__COUNT];

			if (p == T_FILE_TCP
				? m != ZC_MSG_ZEROCOPY && m != ZC_IO_URING_ZC
				: m == ZC_MSG_ZEROCOPY || m == ZC_IO_URING_ZC)
				continue;
			zc__reset_caches();
			t_run_init(&base, p, m, 0);
			base.piece = 16384;
			t_faults_install(&tf);
			t_run_xfer(&base);
			memcpy(calls, tf.calls, sizeof(calls));
			if (base.ret != (ssize_t)t_run_full(&base)) {
				free(base.out); /* not for this pair */
				continue;
			}
			t_run_expect(&base, t_run_full(&base), "clean run");
			for (int id = 0; id < ZC_SYS__COUNT; id++) {
				uint64_t n = calls[id],
					 at[3] = {0, n / 2, n - 1};

				for (int k = 0; n && k < 3; k++)
					if (k == 0 || at[k] != at[k - 1])
						one_fault(p, m,
							  (enum zc_sys_id)id,
							  at[k]);
			}
		}
	}
	printf("%u faulted pair runs: %u completed anyway, %u failed "
	       "cleanly\n",
	       runs, completed, failed);
}

/* AUTO through a pair: sendfile declines on the first call (EINVAL, as for
 * an input it cannot map); read-write takes over, and the next call goes
 * straight to read-write. */
static void settled(void)
{
	unsigned char buf[8192];
	struct t_faults tf;
	struct zc_stats st;
	struct zc_pair *p;
	int in = t_open_src("settle.in", 100000, 7), sk[2];
	off_t off = 10;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk))
		t_fatal("socketpair");
	zc__reset_caches();
	p = zc_pair_open(sk[0], in, NULL);
	CHECK(p != NULL);
	t_faults_install(&tf);
	t_fault_add(&tf, ZC_SYS_SENDFILE, 0, 0,
		    (struct zc_fault){.err = EINVAL});
	n = zc_pair_transfer(p, &off, 4096, &st);
	CHECK_EQ(n, 4096);
	CHECK_EQ(st.method, ZC_READ_WRITE);
	CHECK_EQ(st.fallbacks, 1);
	CHECK_EQ(tf.calls[ZC_SYS_SENDFILE], 1);
	t_faults_install(&tf);
	n = zc_pair_transfer(p, &off, 4096, &st);
	t_faults_clear();
	CHECK_EQ(n, 4096);
	CHECK_EQ(st.method, ZC_READ_WRITE);
	CHECK_EQ(st.fallbacks, 0);
	CHECK_EQ(tf.calls[ZC_SYS_SENDFILE], 0);
	CHECK_EQ(off, 10 + 8192);
	CHECK_EQ(read(sk[1], buf, sizeof(buf)), (ssize_t)sizeof(buf));
	CHECK(t_check_buf(buf, sizeof(buf), 7, 10));
	zc_pair_close(p);
	close(sk[0]);
	close(sk[1]);
	close(in);
}

/* A closed peer is -EPIPE with SIGPIPE at its default (it would kill the
 * process) and ignored; the thread's mask is the caller's afterwards. */
static void sigpipe(void)
{
	for (int ign = 0; ign < 2; ign++) {
		int in = t_open_src("pipe.in", 300000, 9), sk[2];
		sigset_t before, after;
		struct zc_pair *p;
		ssize_t n;

		signal(SIGPIPE, ign ? SIG_IGN : SIG_DFL);
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk))
			t_fatal("socketpair");
		close(sk[1]);
		p = zc_pair_open(sk[0], in, NULL);
		CHECK(p != NULL);
		pthread_sigmask(SIG_SETMASK, NULL, &before);
		n = zc_pair_transfer(p, NULL, ZC_TO_EOF, NULL);
		pthread_sigmask(SIG_SETMASK, NULL, &after);
		CHECK_EQ(n, -EPIPE);
		CHECK_EQ(t_fpos(in), 0);
		CHECK(sigismember(&before, SIGPIPE) ==
		      sigismember(&after, SIGPIPE));
		zc_pair_close(p);
		close(sk[0]);
		close(in);
	}
	signal(SIGPIPE, SIG_DFL);
}

/* The pair does not freeze the input's size: appended bytes are sent. */
static void growing(void)
{
	const char *path = t_path("grow.in");
	int in = t_open_src("grow.in", 10000, 11), out = t_open_dst("grow.out");
	int w = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	unsigned char more[5000];
	struct zc_pair *p = zc_pair_open(out, in, NULL);
	off_t off = 0;

	CHECK(p != NULL && w >= 0);
	CHECK_EQ(zc_pair_transfer(p, &off, ZC_TO_EOF, NULL), 10000);
	t_fill(more, sizeof(more), 11, 10000);
	CHECK_EQ(write(w, more, sizeof(more)), (ssize_t)sizeof(more));
	CHECK_EQ(zc_pair_transfer(p, &off, ZC_TO_EOF, NULL), 5000);
	CHECK_EQ(off, 15000);
	CHECK(t_check_range(out, 0, 15000, 11, 0));
	zc_pair_close(p);
	close(w);
	close(in);
	close(out);
}

static void abi_rules(void)
{
	int in = t_open_src("abi.in", 4096, 3), out = t_open_dst("abi.out");
	struct zc_options o = {.method = ZC_AUTO};
	struct zc_stats st;
	struct zc_pair *p;

	o.reserved[7] = 1;
	errno = 0;
	CHECK(zc_pair_open(out, in, &o) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(zc_transfer_opts(out, in, NULL, 10, &o, NULL), -EINVAL);
	CHECK_EQ(zc_pair_transfer(NULL, NULL, 10, NULL), -EINVAL);
	zc_pair_close(NULL);
	o.reserved[7] = 0;
	p = zc_pair_open(out, in, &o);
	CHECK(p != NULL);
	memset(&st, 0xff, sizeof(st));
	CHECK_EQ(zc_pair_transfer(p, NULL, ZC_TO_EOF, &st), 4096);
	for (size_t i = 0; i < sizeof(st.reserved) / sizeof(st.reserved[0]);
	     i++)
		CHECK_EQ(st.reserved[i], 0);
	CHECK(t_check_range(out, 0, 4096, 3, 0));
	/* An explicit method that cannot serve the pair: refused at open. */
	errno = 0;
	CHECK(zc_pair_open(out, in,
			   &(struct zc_options){.method = ZC_MSG_ZEROCOPY}) ==
	      NULL);
	CHECK_EQ(errno, EINVAL);
	zc_pair_close(p);
	close(in);
	close(out);
}

int main(void)
{
	alarm(240);
	methods();
	settled();
	sigpipe();
	growing();
	abi_rules();
	faults();
	return t_result();
}
