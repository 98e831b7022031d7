/* SPDX-License-Identifier: MIT */
/*
 * engine_msg_zerocopy.c — ZC_MSG_ZEROCOPY: a regular file to a connected
 * TCP socket with send(MSG_ZEROCOPY) from read-only mmap windows.
 *
 * In the seed's terms: [2,0,2] per send — the mapping hands the page-cache
 * pages to the socket by reference, the NIC's scatter-gather DMA reads them
 * and no CPU copies, when the device allows; the price is one completion
 * notification per send call, read from the socket's error queue
 * (recvmsg(MSG_ERRQUEUE), each a range [ee_info, ee_data] of send calls).
 * A notification with SO_EE_CODE_ZEROCOPY_COPIED says the kernel copied
 * those bytes after all; they are added to zc_stats.zc_copied_bytes. Over
 * loopback the kernel always copies (every looped packet gets a deferred
 * copy), so there every byte shows up as copied: expected, reported.
 *
 * Linux 4.14 (TCP). Limits and behaviour:
 *  - windows of 4 MiB (or opts->chunk_size), clamped to the file's size
 *    read at each window, so a file that shrinks ends the transfer;
 *  - a window is unmapped only after every send from it has completed;
 *  - ENOBUFS (optmem or locked-page limit) waits for the outstanding
 *    completions and retries; with none outstanding that piece goes out
 *    with a plain send (a CPU copy, counted in user_copy_bytes);
 *  - completions are matched to send calls in order; should the kernel
 *    report ranges out of order (retransmits, teardown), the split of
 *    zc_copied_bytes between them is approximate, the total count is not;
 *  - send is MSG_NOSIGNAL: a closed peer gives -EPIPE / -ECONNRESET.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/errqueue.h> /* after <time.h>: it uses struct timespec */
#include <unistd.h>

#include "internal.h"

#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY 5
#endif
#ifndef SO_EE_CODE_ZEROCOPY_COPIED
#define SO_EE_CODE_ZEROCOPY_COPIED 1
#endif

#define WINDOW (4UL << 20)

/* The send calls of the current window and their completions. */
struct zcw {
	struct zc_xfer *x;
	uint32_t *lens; /* bytes of each zerocopy send of the window */
	uint32_t nsent, cap;
	uint32_t ncomp; /* sends of the window whose completion arrived */
};

static int note_send(struct zcw *w, size_t n)
{
	uint32_t *p;

	if (w->nsent == w->cap) {
		p = realloc(w->lens, (w->cap ? w->cap * 2 : 64) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		w->lens = p;
		w->cap = w->cap ? w->cap * 2 : 64;
	}
	w->lens[w->nsent++] = (uint32_t)n;
	return 0;
}

/* One notification: `k` more send calls completed. */
static void completed(struct zcw *w, uint32_t k, bool copied)
{
	for (; k && w->ncomp < w->nsent; k--, w->ncomp++)
		if (copied)
			w->x->st->zc_copied_bytes += w->lens[w->ncomp];
}

/* Read what the error queue holds, without blocking. Returns 0 or -errno. */
static int reap(struct zcw *w)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct sock_extended_err)) + 64];
		struct cmsghdr align;
	} ctl;
	struct sock_extended_err *ee;
	struct msghdr msg;
	struct cmsghdr *c;
	ssize_t r;

	while (w->ncomp < w->nsent) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		r = zc__sys_recvmsg(w->x->out_fd, &msg,
				    MSG_ERRQUEUE | MSG_DONTWAIT);
		if (r == -EAGAIN)
			return 0;
		if (r == -EINTR)
			continue;
		if (r < 0)
			return (int)r;
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (!((c->cmsg_level == SOL_IP &&
			       c->cmsg_type == IP_RECVERR) ||
			      (c->cmsg_level == SOL_IPV6 &&
			       c->cmsg_type == IPV6_RECVERR)))
				continue;
			ee = (struct sock_extended_err *)CMSG_DATA(c);
			if (ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY)
				continue;
			completed(w, ee->ee_data - ee->ee_info + 1,
				  ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED);
		}
	}
	return 0;
}

/*
 * Wait until every send of the window has completed. The error queue is
 * signalled by POLLERR, which poll reports whatever events are asked.
 * `patient`: wait as long as it takes (the data is on its way); otherwise,
 * after an error, give up after about two seconds — the kernel holds its
 * own page references, so unmapping then is safe, only accounting is lost.
 */
static int wait_all(struct zcw *w, bool patient)
{
	struct pollfd p = {.fd = w->x->out_fd};
	const struct timespec ms = {0, 1000000};
	int r, idle = 0;

	for (;;) {
		r = reap(w);
		if (r || w->ncomp >= w->nsent)
			return r;
		if (!patient && idle++ >= 20)
			return -ETIMEDOUT;
		r = zc__sys_poll(&p, 1, patient ? 1000 : 100);
		if (r < 0 && r != -EINTR)
			return r;
		/* A dead socket reports POLLHUP at once while its queue is
		 * purged: do not spin on it. */
		if (r > 0 && !(p.revents & POLLERR))
			nanosleep(&ms, NULL);
	}
}

/*
 * Wait until out_fd takes more. Not zc__wait: completions waiting on the
 * error queue raise POLLERR, which is no broken socket here; they are
 * reaped and the wait goes on. A real error is left to the next send.
 */
static int wait_out(struct zcw *w)
{
	struct pollfd p = {.fd = w->x->out_fd, .events = POLLOUT};
	uint32_t before;
	int r;

	if (w->x->opts->flags & ZC_F_NO_WAIT)
		return -EAGAIN;
	w->x->st->waits++;
	for (;;) {
		r = zc__sys_poll(&p, 1, -1);
		if (r == -EINTR)
			continue;
		if (r < 0)
			return r;
		if (p.revents & POLLNVAL)
			return -EBADF;
		if (!(p.revents & POLLERR) || (p.revents & POLLOUT))
			return 0;
		before = w->ncomp;
		r = reap(w);
		if (r || w->ncomp == before)
			return r;
	}
}

/* Send [p, p + len) of the window. Returns 0 or -errno. */
static int send_window(struct zcw *w, const char *p, size_t len)
{
	struct zc_xfer *x = w->x;
	size_t off = 0, n;
	ssize_t r;
	int flags, ret;

	while (off < len) {
		n = len - off < ZC_MAX_RW_COUNT ? len - off : ZC_MAX_RW_COUNT;
		flags = MSG_ZEROCOPY | MSG_NOSIGNAL;
		r = zc__sys_send(x->out_fd, p + off, n, flags);
		if (r == -ENOBUFS) {
			if (w->ncomp < w->nsent) {
				ret = wait_all(w, true);
				if (ret)
					return ret;
				continue;
			}
			flags = MSG_NOSIGNAL;
			r = zc__sys_send(x->out_fd, p + off, n, flags);
			if (r > 0)
				x->st->user_copy_bytes += (uint64_t)r;
		}
		if (r == -EINTR)
			continue;
		if (r == -EAGAIN) {
			ret = wait_out(w);
			if (ret)
				return ret;
			continue;
		}
		if (r <= 0)
			return r < 0 ? (int)r : -EIO;
		if (flags & MSG_ZEROCOPY) {
			ret = note_send(w, (size_t)r);
			if (ret)
				return ret;
		}
		off += (size_t)r;
		*x->in_off += r;
		ret = zc__advance(x, (uint64_t)r);
		if (ret)
			return ret;
		ret = reap(w); /* keep the error queue short */
		if (ret)
			return ret;
	}
	return 0;
}

static int enable(const struct zc_xfer *x)
{
	int one = 1, r;

	if (x->in.kind != ZC_FD_FILE || x->in.size_lies || !x->in_off ||
	    x->out.kind != ZC_FD_SOCK_STREAM)
		return -EINVAL;
	r = zc__sys_setsockopt(x->out_fd, SOL_SOCKET, SO_ZEROCOPY, &one,
			       sizeof(one));
	/* Not TCP (a unix socket), or a kernel before 4.14. */
	if (r == -ENOPROTOOPT || r == -EINVAL)
		r = -EOPNOTSUPP;
	return r;
}

int zc__engine_msg_zerocopy(struct zc_xfer *x)
{
	struct zcw w = {.x = x};
	struct zc_window wd;
	size_t win;
	int ret, r = 0;

	ret = enable(x);
	if (ret)
		return ret;
	win = x->opts->chunk_size ? x->opts->chunk_size : WINDOW;
	while (zc__left(x)) {
		ret = zc__window_map(x, win, &wd);
		if (ret <= 0)
			break;
		w.nsent = w.ncomp = 0;
		ret = zc__window_sent(x, send_window(&w, wd.data, wd.len));
		/* With ZC_F_NO_WAIT the data is on its way: its completions
		 * come without the caller's help. */
		r = wait_all(&w, ret == 0 || ret == -EAGAIN);
		zc__sys_munmap(wd.map, wd.map_len);
		if (ret || r)
			break;
	}
	free(w.lens);
	return ret ? ret : r;
}
