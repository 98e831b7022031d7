/* SPDX-License-Identifier: MIT */
/*
 * edge_predict.c — zc_method_check() against what zc_transfer() then does,
 * for every method over a matrix of input kinds (file, procfs file, pipe,
 * unix and TCP sockets, /dev/zero) and output kinds (file, O_APPEND file,
 * tmpfs file, pipe, unix and TCP sockets, /dev/null).
 *
 * A "no" (-errno) must be what the transfer returns, with nothing moved and
 * nothing consumed from a stream. A "yes" must deliver every byte, except
 * for the refusals the header calls run-time ones (copy_file_range across
 * filesystems, kernel methods that see a procfs file as empty). For AUTO
 * the answer names the method it tries first.
 */
#include "fault.h"
#include "helpers.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SEED 0x9ed1c7
#define N    100000

enum in_kind { I_FILE, I_PROC, I_PIPE, I_UNIX, I_TCP, I_ZERO, I_COUNT };
enum out_kind {
	O_FILE,
	O_APPEND_,
	O_SHM,
	O_PIPE,
	O_UNIX,
	O_TCP,
	O_NULL,
	O_COUNT
};
static const char *const in_name[] = {"file", "procfs", "pipe",
				      "unix", "tcp",	"zero"};
static const char *const out_name[] = {"file", "append", "tmpfs", "pipe",
				       "unix", "tcp",	 "null"};

static unsigned char proc_want[4096];
static size_t proc_len;
static char shm_path[128];

struct fx {
	int in, out, in_peer, out_peer;
	struct t_feed feed;
	struct t_sink sink;
};

static void stream_pair(int kind, int fds[2])
{
	int r;

	if (kind == 0)
		r = pipe2(fds, O_CLOEXEC); /* [0] read, [1] write */
	else if (kind == 1)
		r = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
	else
		r = t_tcp_pair(fds);
	if (r < 0)
		t_fatal("stream pair %d: %s", kind, strerror(errno));
}

static void fx_open(struct fx *f, enum in_kind ik, enum out_kind ok)
{
	int s[2];

	memset(f, 0, sizeof(*f));
	f->in_peer = f->out_peer = -1;
	switch (ik) {
	case I_FILE:
		f->in = t_open_src("pr.in", N, SEED);
		break;
	case I_PROC:
		f->in = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
		break;
	case I_ZERO:
		f->in = open("/dev/zero", O_RDONLY | O_CLOEXEC);
		break;
	default:
		stream_pair(ik - I_PIPE, s);
		/* pipe: read s[0]; sockets: either end */
		f->in = s[0];
		f->in_peer = s[1];
		f->feed = (struct t_feed){
		    .fd = s[1], .len = N, .seed = SEED, .close_fd = 1};
		t_feed_start(&f->feed);
		break;
	}
	switch (ok) {
	case O_FILE:
		f->out = t_open_dst("pr.out");
		break;
	case O_APPEND_:
		close(t_open_dst("pr.out"));
		f->out =
		    open(t_path("pr.out"), O_WRONLY | O_APPEND | O_CLOEXEC);
		break;
	case O_SHM:
		f->out = open(shm_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
			      0600);
		break;
	case O_NULL:
		f->out = open("/dev/null", O_WRONLY | O_CLOEXEC);
		break;
	default:
		stream_pair(ok - O_PIPE, s);
		f->out = ok == O_PIPE ? s[1] : s[0];
		f->out_peer = ok == O_PIPE ? s[0] : s[1];
		f->sink = (struct t_sink){.fd = f->out_peer};
		t_sink_start(&f->sink);
		break;
	}
	if (f->in < 0 || f->out < 0)
		t_fatal("fixture %s -> %s: %s", in_name[ik], out_name[ok],
			strerror(errno));
}

/* Whether the input bytes [0, len) are what came out. */
static int content_ok(enum in_kind ik, const unsigned char *b, size_t len)
{
	if (ik == I_PROC)
		return len == proc_len && memcmp(b, proc_want, len) == 0;
	if (ik == I_ZERO) {
		for (size_t i = 0; i < len; i++)
			if (b[i])
				return 0;
		return len == N;
	}
	return len == N && t_check_buf(b, len, SEED, 0);
}

/* Collect the output; for a stream input, what is left unread. Closes
 * everything. Returns the output length (or (size_t)-1 for /dev/null). */
static size_t fx_close(struct fx *f, enum in_kind ik, enum out_kind ok,
		       unsigned char **out, size_t *rest, int *rest_ok)
{
	size_t len = (size_t)-1;

	*out = NULL;
	*rest = 0;
	*rest_ok = 1;
	if (f->in_peer >= 0) {
		unsigned char buf[16384];
		ssize_t n;

		/* nothing consumed: the unread rest is the whole stream */
		while ((n = read(f->in, buf, sizeof(buf))) > 0) {
			if (!t_check_buf(buf, (size_t)n, SEED, *rest))
				*rest_ok = 0;
			*rest += (size_t)n;
		}
		t_feed_join(&f->feed);
	}
	close(f->in);
	if (ok == O_FILE || ok == O_APPEND_ || ok == O_SHM) {
		int rd = open(ok == O_SHM ? shm_path : t_path("pr.out"),
			      O_RDONLY | O_CLOEXEC);
		*out = t_slurp(rd, &len);
		close(rd);
		close(f->out);
	} else if (f->out_peer >= 0) {
		close(f->out);
		t_sink_join(&f->sink);
		close(f->out_peer);
		*out = f->sink.buf;
		len = f->sink.len;
	} else {
		close(f->out);
	}
	(void)ik;
	return len;
}

/* "Yes" answers the kernel may still overturn at run time. */
static int runtime_refusal(enum in_kind ik, enum out_kind ok, enum zc_method m,
			   ssize_t r)
{
	if (m == ZC_COPY_FILE_RANGE && ok == O_SHM && r == -EXDEV)
		return 1;
	/* procfs files differ in what they offer the kernel methods */
	if (ik == I_PROC && m != ZC_AUTO && m != ZC_READ_WRITE &&
	    (r == -EOPNOTSUPP || r == -EINVAL || r == -EXDEV))
		return 1;
	return 0;
}

static void one(enum in_kind ik, enum out_kind ok, enum zc_method m)
{
	struct fx f;
	struct zc_stats st;
	unsigned char *out;
	size_t len, rest;
	int rest_ok, c;
	ssize_t r;
	size_t count = ik == I_ZERO ? N : ZC_TO_EOF;
	uint64_t full = ik == I_PROC ? proc_len : N;

	fx_open(&f, ik, ok);
	c = zc_method_check(f.out, f.in, m);
	r = zc_transfer(f.out, f.in, NULL, count, m, &st);
	len = fx_close(&f, ik, ok, &out, &rest, &rest_ok);

	if (c >= 0 && r >= 0) {
		int good = (uint64_t)r == full && st.bytes == full &&
			   (len == (size_t)-1 || content_ok(ik, out, len));
		if (m == ZC_AUTO && st.fallbacks == 0 && (int)st.method != c)
			good = 0;
		if (!good) {
			fprintf(stderr,
				"%s -> %s %s: check %d, ret %zd, output %zu "
				"bytes %s, method %s\n",
				in_name[ik], out_name[ok], zc_method_name(m), c,
				r, len == (size_t)-1 ? 0 : len,
				len == (size_t)-1 || content_ok(ik, out, len)
				    ? "ok"
				    : "BAD",
				zc_method_name(st.method));
			t_failures++;
		}
	} else {
		/* refused, by the check or at run time: nothing moved */
		int moved = st.bytes != 0 || (len != (size_t)-1 && len != 0) ||
			    (f.in_peer >= 0 && (rest != N || !rest_ok));
		int agree = c < 0 ? r == c : runtime_refusal(ik, ok, m, r);

		if (r >= 0 || moved || !agree) {
			fprintf(stderr,
				"%s -> %s %s: check %d (%s), transfer %zd "
				"(%s), bytes %llu, output %zu, unread %zu\n",
				in_name[ik], out_name[ok], zc_method_name(m), c,
				c < 0 ? strerror(-c) : "yes", r,
				r < 0 ? strerror((int)-r) : "moved",
				(unsigned long long)st.bytes,
				len == (size_t)-1 ? 0 : len, rest);
			t_failures++;
		}
	}
	free(out);
}

int main(void)
{
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	alarm(120);
	while (fd >= 0 && (n = read(fd, proc_want + proc_len,
				    sizeof(proc_want) - proc_len)) > 0)
		proc_len += (size_t)n;
	if (fd >= 0)
		close(fd);
	snprintf(shm_path, sizeof(shm_path), "/dev/shm/zcio-predict-%d",
		 (int)getpid());
	for (int ik = 0; ik < I_COUNT; ik++)
		for (int ok = 0; ok < O_COUNT; ok++)
			for (int m = 0; m < ZC_METHOD_COUNT; m++)
				one((enum in_kind)ik, (enum out_kind)ok,
				    (enum zc_method)m);
	unlink(shm_path);
	return t_result();
}
