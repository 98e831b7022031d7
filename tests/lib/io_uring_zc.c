/* SPDX-License-Identifier: MIT */
/*
 * Description: ZC_IO_URING_ZC (IORING_OP_SEND_ZC), file -> TCP over
 * loopback: every byte checked at the reader; the notifications accounted
 * (over loopback the kernel copies every byte, so zc_copied_bytes must
 * equal the bytes sent); explicit offsets and small windows; a
 * non-blocking socket with a slow reader; through a prepared pair; faults
 * in io_uring_enter and mmap after progress (the transfer stops with
 * exactly the bytes delivered); a closed peer (-EPIPE, no SIGPIPE); pairs
 * refused before moving data; AUTO never picks it. SKIPs when the kernel
 * lacks IORING_OP_SEND_ZC (Linux 6.0) or io_uring.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fault.h"
#include "helpers.h"
#include "zcio.h"

#define SEED 0x5e2d
#define SIZE ((9u << 20) + 4321)

static int in_fd;

/* IORING_SEND_ZC_REPORT_USAGE came with Linux 6.2; before, the kernel
 * does not say what it copied and the engine counts nothing. */
static int reports_usage(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return 1;
	return major > 6 || (major == 6 && minor >= 2);
}

struct opt {
	off_t off;
	size_t chunk;
	int nonblock, pair;
	size_t count; /* 0: to EOF */
};

/* One transfer; returns its result, the reader's bytes checked against
 * what the call says arrived. */
static ssize_t run(const char *what, struct opt p, struct zc_stats *st)
{
	struct zc_options o = {.method = ZC_IO_URING_ZC, .chunk_size = p.chunk};
	struct t_sink s = {0};
	off_t pos = p.off;
	int sk[2];
	ssize_t r;

	t_tcp_sink_pair(sk, &s, p.nonblock);
	lseek(in_fd, 0, SEEK_SET);
	if (p.pair) {
		struct zc_pair *zp = zc_pair_open(sk[0], in_fd, &o);

		r = zp ? zc_pair_transfer(zp, p.off ? &pos : NULL,
					  p.count ? p.count : ZC_TO_EOF, st)
		       : -errno;
		zc_pair_close(zp);
	} else {
		r = zc_transfer_opts(sk[0], in_fd, p.off ? &pos : NULL,
				     p.count ? p.count : ZC_TO_EOF, &o, st);
	}
	t_faults_clear();
	if (r == -EOPNOTSUPP || r == -ENOSYS)
		t_skip("IORING_OP_SEND_ZC unavailable: %s", strerror((int)-r));
	close(sk[0]);
	t_sink_join(&s);
	CHECK_EQ(s.len, st->bytes);
	CHECK(t_check_buf(s.buf, s.len, SEED, (uint64_t)p.off));
	if (p.off)
		CHECK_EQ(pos, p.off + (off_t)st->bytes);
	else
		CHECK_EQ(t_fpos(in_fd), (off_t)st->bytes);
	printf("%-18s %zd bytes, zc_copied %llu, %llu syscalls, %u waits\n",
	       what, r, (unsigned long long)st->zc_copied_bytes,
	       (unsigned long long)st->syscalls, st->waits);
	free(s.buf);
	close(sk[1]);
	return r;
}

static void complete(const char *what, struct opt p)
{
	uint64_t want = SIZE - (uint64_t)p.off;
	struct zc_stats st;
	ssize_t r = run(what, p, &st);

	CHECK_EQ(r, want);
	CHECK_EQ(st.method, ZC_IO_URING_ZC);
	/* Loopback: the kernel copied every byte after all. */
	if (reports_usage())
		CHECK_EQ(st.zc_copied_bytes, want);
	else
		CHECK_EQ(st.zc_copied_bytes, 0);
	CHECK_EQ(st.user_copy_bytes, 0);
	if (p.nonblock)
		CHECK(st.waits > 0);
}

/* A failure on call `nth` of `id`, after progress: the transfer reports
 * it, and what arrived is exactly what the call says. */
static void fault(enum zc_sys_id id, uint64_t nth, int err)
{
	struct t_faults t;
	struct t_rule *rule;
	struct zc_stats st;
	char what[64];
	ssize_t r;

	snprintf(what, sizeof(what), "%s#%llu %s", zc__sys_name(id),
		 (unsigned long long)nth, strerror(err));
	t_faults_install(&t);
	rule = t_fault_add(&t, (int)id, nth, 0, (struct zc_fault){.err = err});
	r = run(what, (struct opt){.chunk = 256u << 10}, &st);
	CHECK_EQ(rule->hits, 1);
	CHECK_EQ(r, -err);
	CHECK(st.bytes > 0 && st.bytes < SIZE);
}

static void refused(void)
{
	int u[2], p[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, u) ||
	    pipe2(p, O_CLOEXEC))
		t_fatal("socketpair/pipe");
	lseek(in_fd, 0, SEEK_SET);
	CHECK_EQ(zc_transfer(u[0], in_fd, NULL, 4096, ZC_IO_URING_ZC, NULL),
		 -EOPNOTSUPP);
	CHECK_EQ(zc_transfer(p[1], in_fd, NULL, 4096, ZC_IO_URING_ZC, NULL),
		 -EINVAL);
	CHECK(zc_pair_open(u[0], in_fd,
			   &(struct zc_options){.method = ZC_IO_URING_ZC}) ==
	      NULL);
	CHECK_EQ(t_fpos(in_fd), 0);
	/* Explicit only: AUTO sends a file to TCP with sendfile. */
	{
		int sk[2];

		if (t_tcp_pair(sk))
			t_fatal("tcp pair");
		CHECK_EQ(zc_method_check(sk[0], in_fd, ZC_AUTO), ZC_SENDFILE);
		CHECK_EQ(zc_method_check(sk[0], in_fd, ZC_IO_URING_ZC),
			 ZC_IO_URING_ZC);
		close(sk[0]);
		close(sk[1]);
	}
	close(u[0]);
	close(u[1]);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	signal(SIGPIPE, SIG_DFL);
	in_fd = t_open_src("in", SIZE, SEED);
	complete("plain", (struct opt){0});
	complete("offset+64k-window",
		 (struct opt){.off = 5000, .chunk = 64u << 10});
	complete("nonblocking", (struct opt){.nonblock = 1});
	complete("pair+offset", (struct opt){.off = 777, .pair = 1});
	fault(ZC_SYS_IO_URING_ENTER, 6, EIO);
	fault(ZC_SYS_MMAP, 5, ENOMEM);
	refused();
	t_peer_closed(in_fd, SEED, ZC_IO_URING_ZC);
	close(in_fd);
	return t_result();
}
