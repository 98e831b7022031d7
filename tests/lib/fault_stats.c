/* SPDX-License-Identifier: MIT */
/*
 * fault_stats.c — struct zc_stats tells the truth: the bytes the CPU copied
 * per method (read-write 2x, mmap and direct 1x, the in-kernel methods 0),
 * the system calls made (checked against the fault hook's own count), the
 * fallbacks and waits, sane times, a zeroed struct on every call, and the
 * progress callback's count on -ECANCELED.
 */
#include "fault.h"
#include "helpers.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SEED 0x57a75
#define SIZE (1 << 20)
/* Thread CPU times may be tick-based (4 ms at HZ=250): one call's CPU can
 * read up to a tick or two above its wall time. */
#define CPU_SLACK (25ULL * 1000 * 1000)

struct expect {
	enum zc_method m;
	int to_sock; /* 0 file, 1 unix socket, 2 TCP */
	int copies;  /* user_copy_bytes / bytes; -1: MSG_ZEROCOPY, see below */
	uint64_t min_calls, max_calls;
};

/* Read-write with a 64 KiB buffer: >= 16 reads + 16 writes. The
 * in-kernel methods move 1 MiB in a handful of calls. */
static const struct expect cases[] = {
    {ZC_READ_WRITE, 0, 2, 32, 80},
    {ZC_MMAP_WRITE, 0, 1, 2, 40},
    {ZC_SENDFILE, 0, 0, 1, 24},
    {ZC_SPLICE, 0, 0, 2, 40},
    {ZC_COPY_FILE_RANGE, 0, 0, 1, 24},
    {ZC_DIRECT_IO, 0, 1, 2, 80},
    {ZC_AUTO, 0, 0, 1, 24},
    {ZC_READ_WRITE, 1, 2, 32, 4000},
    {ZC_MMAP_WRITE, 1, 1, 2, 4000},
    {ZC_SENDFILE, 1, 0, 1, 4000},
    {ZC_SPLICE, 1, 0, 2, 4000},
    {ZC_AUTO, 1, 0, 1, 4000},
    {ZC_IO_URING, 0, 0, 2, 80},
    {ZC_IO_URING, 1, 0, 2, 4000},
    {ZC_MSG_ZEROCOPY, 2, -1, 2, 8000},
};

static int plausible_ns(uint64_t v)
{
	return v < 60ULL * 1000000000ULL; /* no wrapped subtraction */
}

static void test_accounting(void)
{
	int in = t_open_src("st.in", SIZE, SEED);

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct expect *e = &cases[i];
		struct zc_options o = {.method = e->m, .buffer_size = 64 << 10};
		struct t_sink sink = {0};
		struct t_faults tf;
		struct zc_stats st;
		int out, sv[2];
		ssize_t r;
		uint64_t hooked;

		if (e->to_sock) {
			if (e->to_sock == 2
				? t_tcp_pair(sv) < 0
				: socketpair(AF_UNIX,
					     SOCK_STREAM | SOCK_CLOEXEC, 0,
					     sv) < 0)
				t_fatal("socket pair");
			out = sv[0];
			sink.fd = sv[1];
			t_sink_start(&sink);
		} else {
			out = t_open_dst("st.out");
		}
		/* garbage first: the call must zero the struct */
		memset(&st, 0xa5, sizeof(st));
		lseek(in, 0, SEEK_SET);
		t_faults_install(&tf);
		r = zc_transfer_opts(out, in, NULL, ZC_TO_EOF, &o, &st);
		t_faults_clear();
		hooked = t_faults_total(&tf);
		if (e->to_sock) {
			close(out);
			t_sink_join(&sink);
			close(sink.fd);
			CHECK(sink.len == SIZE &&
			      t_check_buf(sink.buf, sink.len, SEED, 0));
			free(sink.buf);
		} else {
			CHECK(t_check_file(out, SIZE, SEED));
			close(out);
		}
		printf("file -> %-6s %-15s bytes %7llu copies %7llu syscalls "
		       "%4llu fallbacks %u waits %u wall %6llu us\n",
		       e->to_sock == 2 ? "tcp"
		       : e->to_sock    ? "socket"
				       : "file",
		       zc_method_name(e->m), (unsigned long long)st.bytes,
		       (unsigned long long)st.user_copy_bytes,
		       (unsigned long long)st.syscalls, st.fallbacks, st.waits,
		       (unsigned long long)st.wall_ns / 1000);
		/* MSG_ZEROCOPY over loopback: the kernel copies every byte
		 * after all and says so; a plain send (ENOBUFS) is ours */
		if (e->copies < 0 &&
		    (st.zc_copied_bytes == 0 ||
		     st.zc_copied_bytes + st.user_copy_bytes != SIZE)) {
			fprintf(stderr,
				"msg-zerocopy: zc_copied %llu, user "
				"copies %llu of %d bytes\n",
				(unsigned long long)st.zc_copied_bytes,
				(unsigned long long)st.user_copy_bytes, SIZE);
			t_failures++;
		}
		if (r != SIZE || st.bytes != SIZE ||
		    (e->copies >= 0 &&
		     st.user_copy_bytes != (uint64_t)e->copies * SIZE) ||
		    st.syscalls != hooked || st.syscalls < e->min_calls ||
		    st.syscalls > e->max_calls ||
		    (e->m != ZC_AUTO && st.method != e->m) ||
		    (e->m != ZC_AUTO && st.fallbacks != 0) ||
		    (!e->to_sock && st.waits != 0) ||
		    (e->copies >= 0 && st.zc_copied_bytes != 0) ||
		    st.wall_ns == 0 || !plausible_ns(st.wall_ns) ||
		    !plausible_ns(st.cpu_user_ns) ||
		    !plausible_ns(st.cpu_sys_ns) ||
		    st.cpu_user_ns + st.cpu_sys_ns > st.wall_ns + CPU_SLACK ||
		    st.major_faults > 1000000 || st.minor_faults > 1000000 ||
		    st.vol_ctxsw > 1000000 || st.invol_ctxsw > 1000000) {
			fprintf(stderr,
				"%s -> %s via %s: ret %zd bytes %llu copies "
				"%llu syscalls %llu (hook saw %llu, want "
				"%llu..%llu) fallbacks %u waits %u wall %llu "
				"user %llu sys %llu zc_copied %llu\n",
				"file", e->to_sock ? "socket" : "file",
				zc_method_name(e->m), r,
				(unsigned long long)st.bytes,
				(unsigned long long)st.user_copy_bytes,
				(unsigned long long)st.syscalls,
				(unsigned long long)hooked,
				(unsigned long long)e->min_calls,
				(unsigned long long)e->max_calls, st.fallbacks,
				st.waits, (unsigned long long)st.wall_ns,
				(unsigned long long)st.cpu_user_ns,
				(unsigned long long)st.cpu_sys_ns,
				(unsigned long long)st.zc_copied_bytes);
			t_failures++;
		}
	}
	close(in);
}

/* Stats on failure: zeroed, bytes 0, time measured. Injected failures
 * count as calls made. */
static void test_error_stats(void)
{
	int in = t_open_src("st.in", SIZE, SEED);
	int out = t_open_dst("st.out");
	struct t_faults tf;
	struct zc_stats st;
	ssize_t r;

	memset(&st, 0xa5, sizeof(st));
	t_faults_install(&tf);
	t_fault_add(&tf, ZC_SYS_COPY_FILE_RANGE, 0, 0,
		    (struct zc_fault){.err = EIO});
	r = zc_transfer(out, in, NULL, ZC_TO_EOF, ZC_COPY_FILE_RANGE, &st);
	t_faults_clear();
	CHECK_EQ(r, -EIO);
	CHECK_EQ(st.bytes, 0);
	CHECK_EQ(st.user_copy_bytes, 0);
	CHECK_EQ(st.fallbacks, 0);
	CHECK_EQ(st.syscalls, t_faults_total(&tf));
	CHECK(st.wall_ns > 0 && plausible_ns(st.wall_ns));
	CHECK_EQ(t_fsize(out), 0);
	CHECK_EQ(t_fpos(in), 0);

	/* One fallback counted, the copies of the method that moved data. */
	t_faults_install(&tf);
	t_fault_add(&tf, ZC_SYS_COPY_FILE_RANGE, 0, 0,
		    (struct zc_fault){.err = EXDEV});
	r = zc_transfer(out, in, NULL, ZC_TO_EOF, ZC_AUTO, &st);
	t_faults_clear();
	CHECK_EQ(r, SIZE);
	CHECK(st.fallbacks >= 1);
	CHECK(st.method != ZC_COPY_FILE_RANGE);
	CHECK(st.user_copy_bytes == (st.method == ZC_READ_WRITE ? 2ULL * SIZE
				     : st.method == ZC_MMAP_WRITE
					 ? (uint64_t)SIZE
					 : 0));
	CHECK(t_check_file(out, SIZE, SEED));
	close(in);
	close(out);
}

struct stop_at {
	uint64_t limit, last;
	unsigned calls;
};

static int progress(uint64_t moved, void *arg)
{
	struct stop_at *s = arg;

	s->calls++;
	if (moved <= s->last)
		return -1; /* never goes backwards: stop, and fail below */
	s->last = moved;
	return moved >= s->limit;
}

/* The progress callback sees a growing total; stopping gives -ECANCELED
 * with stats.bytes equal to what reached the output. */
static void test_progress(void)
{
	static const enum zc_method ms[] = {ZC_READ_WRITE,	ZC_MMAP_WRITE,
					    ZC_SENDFILE,	ZC_SPLICE,
					    ZC_COPY_FILE_RANGE, ZC_AUTO};
	int in = t_open_src("st.in", SIZE, SEED);

	for (unsigned i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		struct stop_at s = {.limit = SIZE / 4};
		struct zc_options o = {.method = ms[i],
				       .chunk_size = 64 << 10,
				       .buffer_size = 64 << 10,
				       .progress = progress,
				       .progress_arg = &s};
		struct zc_stats st;
		int out = t_open_dst("st.out");
		ssize_t r;

		lseek(in, 0, SEEK_SET);
		r = zc_transfer_opts(out, in, NULL, ZC_TO_EOF, &o, &st);
		if (r != -ECANCELED || st.bytes != s.last ||
		    st.bytes < SIZE / 4 || st.bytes >= SIZE ||
		    t_fsize(out) != (long long)st.bytes ||
		    t_fpos(in) != (long long)st.bytes ||
		    !t_check_range(out, 0, st.bytes, SEED, 0)) {
			fprintf(
			    stderr,
			    "progress %s: ret %zd bytes %llu last seen %llu "
			    "after %u calls, output %lld, input at %lld\n",
			    zc_method_name(ms[i]), r,
			    (unsigned long long)st.bytes,
			    (unsigned long long)s.last, s.calls, t_fsize(out),
			    t_fpos(in));
			t_failures++;
		}
		close(out);
	}
	close(in);
}

int main(void)
{
	test_accounting();
	test_error_stats();
	test_progress();
	return t_result();
}
