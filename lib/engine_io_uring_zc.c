/* SPDX-License-Identifier: MIT */
/*
 * engine_io_uring_zc.c — ZC_IO_URING_ZC: a regular file to a connected TCP
 * socket with io_uring's IORING_OP_SEND_ZC from read-only mmap windows.
 *
 * The same idea as msg-zerocopy (engine_msg_zerocopy.c) with io_uring's
 * completion model instead of the socket's error queue: each send gives
 * two completions with the same user_data, its result (flagged
 * IORING_CQE_F_MORE when a notification follows) and later the
 * notification (IORING_CQE_F_NOTIF) once the kernel no longer uses the
 * pages. With IORING_SEND_ZC_REPORT_USAGE (6.2) the notification's res has
 * IORING_NOTIF_USAGE_ZC_COPIED set when the kernel copied the data after
 * all (always over loopback); those bytes go to zc_stats.zc_copied_bytes.
 * See io_uring_prep_send_zc(3) and io_uring_enter(2).
 *
 * Linux 6.0 (IORING_OP_SEND_ZC); without it, or without io_uring, the
 * engine fails before moving a byte (-EOPNOTSUPP / -ENOSYS). Explicit
 * only: AUTO never picks it. Limits and behaviour:
 *  - windows of 4 MiB (or opts->chunk_size), clamped to the file's size
 *    read at each window, so a file that shrinks ends the transfer;
 *  - a window is unmapped only after every notification of its sends has
 *    arrived, so no page is unmapped or reused while the kernel holds it;
 *  - one send is in flight at a time (its result is needed to advance the
 *    position exactly); at most MAX_PENDING notifications are awaited;
 *  - a non-blocking socket's -EAGAIN waits in poll(2) (ZC_F_NO_WAIT:
 *    returns, after the window's notifications), then resubmits;
 *  - sends carry MSG_NOSIGNAL: a closed peer gives -EPIPE / -ECONNRESET.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "uring.h"

#define WINDOW	    (4UL << 20)
#define MAX_PENDING 64

struct uzc {
	struct zc_xfer *x;
	struct zc_uring ring;
	uint32_t *lens; /* bytes of each send of the window, by user_data */
	uint32_t nsent, cap;
	int pending;	  /* notifications still to come */
	unsigned zcflags; /* IORING_SEND_ZC_REPORT_USAGE if the kernel has it */
	bool sent;	  /* a send has succeeded (the flags are accepted) */
};

static int note_send(struct uzc *u, uint32_t n)
{
	uint32_t *p;

	if (u->nsent == u->cap) {
		p = realloc(u->lens, (u->cap ? u->cap * 2 : 64) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		u->lens = p;
		u->cap = u->cap ? u->cap * 2 : 64;
	}
	u->lens[u->nsent++] = n;
	return 0;
}

static void notified(struct uzc *u, const struct io_uring_cqe *c)
{
	u->pending--;
	if (((uint32_t)c->res & IORING_NOTIF_USAGE_ZC_COPIED) &&
	    c->user_data < u->nsent)
		u->x->st->zc_copied_bytes += u->lens[c->user_data];
}

/* The next completion that is not a notification (those are accounted on
 * the way). */
static int next_result(struct uzc *u, struct io_uring_cqe *out)
{
	struct io_uring_cqe c;
	int r;

	for (;;) {
		r = zc__uring_wait_cqe(&u->ring, &c);
		if (r)
			return r;
		if (!(c.flags & IORING_CQE_F_NOTIF)) {
			*out = c;
			return 0;
		}
		notified(u, &c);
	}
}

/* Wait until every send of the window has its notification. */
static int wait_notified(struct uzc *u)
{
	struct io_uring_cqe c;
	int r;

	while (u->pending > 0) {
		r = zc__uring_wait_cqe(&u->ring, &c);
		if (r)
			return r;
		if (c.flags & IORING_CQE_F_NOTIF)
			notified(u, &c);
	}
	return 0;
}

/* Submit one send of [p, p + n) and return its result (bytes or -errno). */
static int send_one(struct uzc *u, const char *p, size_t n)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe c;
	uint32_t ud = u->nsent;
	int r;

	if (u->pending >= MAX_PENDING) {
		r = wait_notified(u);
		if (r)
			return r;
	}
	r = note_send(u, (uint32_t)n);
	if (r)
		return r;
	sqe = zc__uring_get_sqe(&u->ring);
	if (!sqe)
		return -EBUSY; /* cannot happen: one request at a time */
	sqe->opcode = IORING_OP_SEND_ZC;
	sqe->fd = u->x->out_fd;
	sqe->addr = (uint64_t)(uintptr_t)p;
	sqe->len = (uint32_t)n;
	/* io_uring would wait for a full socket itself; a non-blocking one
	 * says -EAGAIN, so waits are counted and ZC_F_NO_WAIT returns. */
	sqe->msg_flags =
	    MSG_NOSIGNAL | (u->x->out.flags & O_NONBLOCK ? MSG_DONTWAIT : 0);
	sqe->ioprio = (uint16_t)u->zcflags;
	sqe->user_data = ud;
	r = zc__uring_submit(&u->ring, 1);
	if (r == 0)
		r = next_result(u, &c);
	if (r)
		return r;
	if (c.flags & IORING_CQE_F_MORE)
		u->pending++;
	u->lens[ud] = c.res > 0 ? (uint32_t)c.res : 0;
	return c.res;
}

static int send_window(struct uzc *u, const char *p, size_t len)
{
	struct zc_xfer *x = u->x;
	size_t off = 0, n;
	int r;

	while (off < len) {
		n = len - off < ZC_MAX_RW_COUNT ? len - off : ZC_MAX_RW_COUNT;
		r = send_one(u, p + off, n);
		/* 6.0 and 6.1 have SEND_ZC without usage reports. */
		if (r == -EINVAL && u->zcflags && !u->sent) {
			u->zcflags = 0;
			continue;
		}
		if (r == -EINTR)
			continue;
		if (r == -EAGAIN) {
			r = zc__wait(x, x->out_fd, POLLOUT);
			if (r)
				return r;
			continue;
		}
		if (r <= 0)
			return r < 0 ? r : -EIO;
		u->sent = true;
		off += (size_t)r;
		*x->in_off += r;
		r = zc__advance(x, (uint64_t)r);
		if (r)
			return r;
	}
	return 0;
}

static int setup(struct uzc *u)
{
	const struct zc_xfer *x = u->x;
	int r;

	if (x->in.kind != ZC_FD_FILE || x->in.size_lies || !x->in_off ||
	    x->out.kind != ZC_FD_SOCK_STREAM)
		return -EINVAL;
	r = zc__uring_init(&u->ring, 8, 0);
	if (r == 0)
		r = zc__uring_probe(&u->ring, IORING_OP_SEND_ZC);
	u->zcflags = IORING_SEND_ZC_REPORT_USAGE;
	return r;
}

int zc__engine_io_uring_zc(struct zc_xfer *x)
{
	struct uzc u = {.x = x, .ring = {.fd = -1}};
	struct zc_window wd = {0};
	size_t win;
	int ret, r = 0;

	ret = setup(&u);
	win = x->opts->chunk_size ? x->opts->chunk_size : WINDOW;
	while (!ret && zc__left(x)) {
		ret = zc__window_map(x, win, &wd);
		if (ret <= 0)
			break;
		u.nsent = 0;
		ret = zc__window_sent(x, send_window(&u, wd.data, wd.len));
		r = wait_notified(&u);
		if (r)
			break; /* keep the window mapped: see below */
		zc__sys_munmap(wd.map, wd.map_len);
		wd.map = NULL;
		if (ret)
			break;
	}
	/* A failed wait: unmap only after the ring is closed, which cancels
	 * what it still has in flight (the kernel holds its own page
	 * references for sends under way). */
	zc__uring_exit(&u.ring);
	if (wd.map && r)
		zc__sys_munmap(wd.map, wd.map_len);
	free(u.lens);
	return ret ? ret : r;
}
