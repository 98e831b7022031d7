/* SPDX-License-Identifier: MIT */
/*
 * tee.c — --tee: one SRC to two destinations without copying through
 * user space.
 *
 * tee(2) duplicates the contents of one pipe into another without
 * consuming them (the pages are shared, not copied); splice(2) then moves
 * each pipe's contents to its destination. When SRC is a pipe, tee(2)
 * reads it directly; otherwise SRC is first spliced into a pipe made for
 * the purpose. Where splice cannot write (a file opened O_APPEND, a
 * terminal), the bytes go through one buffer with read(2) and two
 * write(2)s instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "zcp.h"

#define CHUNK  (1u << 20)
#define RW_BUF (128u << 10)

static ssize_t again(ssize_t r)
{
	return r < 0 && errno == EINTR && !zcp_stop_signal() ? 1 : 0;
}

/* Move exactly n bytes from the pipe rfd to out. 0 or -errno. */
static int drain(int rfd, int out, size_t n, uint64_t *calls)
{
	while (n) {
		ssize_t r = splice(rfd, NULL, out, NULL, n, SPLICE_F_MOVE);

		(*calls)++;
		if (r < 0 && again(r))
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* a pipe we filled cannot run dry */
		n -= (size_t)r;
	}
	return 0;
}

/* Splice cannot write there: an O_APPEND file or a terminal. */
static bool splice_refuses(int fd)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fstat(fd, &st) < 0)
		return true;
	if (S_ISREG(st.st_mode))
		return fl & O_APPEND;
	return isatty(fd);
}

static ssize_t tee_rw(struct zcp_tee *t)
{
	char *buf = malloc(RW_BUF);
	uint64_t moved = 0;
	ssize_t ret = 0;

	if (!buf)
		return -ENOMEM;
	t->method = "read-write";
	while (moved < t->count) {
		size_t want = t->count - moved < RW_BUF
				  ? (size_t)(t->count - moved)
				  : RW_BUF;
		ssize_t n = t->in_off ? pread(t->in, buf, want, *t->in_off)
				      : read(t->in, buf, want);

		t->st.syscalls++;
		if (n < 0 && again(n))
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : 0;
			break;
		}
		if (t->in_off)
			*t->in_off += n;
		for (int i = 0; i < 2; i++) {
			ssize_t put = 0;

			while (put < n) {
				ssize_t w = write(t->out[i], buf + put,
						  (size_t)(n - put));

				t->st.syscalls++;
				if (w < 0 && again(w))
					continue;
				if (w < 0) {
					ret = -errno;
					goto out;
				}
				put += w;
			}
		}
		moved += (uint64_t)n;
		t->st.bytes = moved;
		t->st.user_copy_bytes += 3 * (uint64_t)n;
		if (t->progress && t->progress(moved, t->arg)) {
			ret = -ECANCELED;
			break;
		}
	}
out:
	free(buf);
	return ret < 0 ? ret : (ssize_t)moved;
}

/* Make a pipe of CHUNK bytes (the default pipe-max-size). */
static int make_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	(void)fcntl(p[1], F_SETPIPE_SZ, CHUNK);
	return 0;
}

static ssize_t tee_splice(struct zcp_tee *t, bool in_pipe)
{
	int a[2] = {-1, -1}, b[2] = {-1, -1}, ret;
	uint64_t moved = 0;

	t->method = "tee";
	ret = make_pipe(b);
	if (!ret && !in_pipe)
		ret = make_pipe(a);
	while (!ret && moved < t->count) {
		size_t want = t->count - moved < CHUNK
				  ? (size_t)(t->count - moved)
				  : CHUNK;
		int src = in_pipe ? t->in : a[0];
		ssize_t n = 0;

		if (!in_pipe) {
			/* Fill our pipe from SRC (page references, no copy). */
			n = splice(t->in, t->in_off, a[1], NULL, want,
				   SPLICE_F_MOVE);
			t->st.syscalls++;
			if (n < 0 && again(n))
				continue;
			if (n < 0 && errno == EINVAL && moved == 0)
				break; /* SRC cannot splice: read-write */
			if (n <= 0) {
				ret = n < 0 ? -errno : 0;
				break;
			}
			want = (size_t)n;
		}
		/* Duplicate into b, then empty both pipes; tee(2) may give
		 * less than asked, so repeat until our pipe is empty. */
		do {
			n = tee(src, b[1], want, 0);
			t->st.syscalls++;
			if (n < 0 && again(n))
				continue;
			if (n <= 0) {
				ret = n < 0 ? -errno : in_pipe ? 0 : -EIO;
				goto done;
			}
			ret =
			    drain(b[0], t->out[1], (size_t)n, &t->st.syscalls);
			if (!ret)
				ret = drain(src, t->out[0], (size_t)n,
					    &t->st.syscalls);
			moved += (uint64_t)n;
			want -= (size_t)n;
			t->st.bytes = moved;
		} while (!ret && want && !in_pipe);
		if (!ret && t->progress && t->progress(moved, t->arg))
			ret = -ECANCELED;
	}
done:
	for (int i = 0; i < 2; i++) {
		if (a[i] >= 0)
			close(a[i]);
		if (b[i] >= 0)
			close(b[i]);
	}
	if (!ret && moved == 0 && !in_pipe && t->count)
		return -EINVAL; /* asks the caller for read-write */
	return ret ? ret : (ssize_t)moved;
}

ssize_t zcp_tee_run(struct zcp_tee *t)
{
	struct zc_stats u0, u1;
	struct stat st;
	bool in_pipe;
	ssize_t ret;

	tc_usage_now(&u0);
	t->st.bytes = t->st.syscalls = t->st.user_copy_bytes = 0;
	in_pipe = fstat(t->in, &st) == 0 && S_ISFIFO(st.st_mode) && !t->in_off;
	if (splice_refuses(t->out[0]) || splice_refuses(t->out[1]))
		ret = tee_rw(t);
	else {
		ret = tee_splice(t, in_pipe);
		/* SRC that splice(2) cannot read (a terminal, procfs). */
		if (ret == -EINVAL && t->st.bytes == 0)
			ret = tee_rw(t);
	}
	tc_usage_now(&u1);
	{
		struct zc_stats d;

		tc_usage_diff(&d, &u0, &u1);
		t->st.cpu_user_ns = d.cpu_user_ns;
		t->st.cpu_sys_ns = d.cpu_sys_ns;
		t->st.vol_ctxsw = d.vol_ctxsw;
		t->st.invol_ctxsw = d.invol_ctxsw;
	}
	return ret;
}
