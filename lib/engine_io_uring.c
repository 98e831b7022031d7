/* SPDX-License-Identifier: MIT */
/*
 * engine_io_uring.c — ZC_IO_URING: splice(2) done by io_uring.
 *
 * Each chunk is one io_uring_enter(2) carrying two linked IORING_OP_SPLICE
 * entries through an internal pipe: in -> pipe, then (IOSQE_IO_LINK)
 * pipe -> out. In the seed's terms this is splice's [2,0,2] with the two
 * calls folded into one user/kernel round trip per chunk: no CPU copy for
 * file and pipe ends (the pipe holds page references), DMA at both ends.
 * The kernel runs splice requests in its io-wq worker threads, so the
 * calling thread sleeps in io_uring_enter while a worker blocks instead;
 * the workers' CPU time is not the caller's, so zc_stats (RUSAGE_THREAD)
 * shows almost none of it.
 *
 * Needs Linux 5.7 (IORING_OP_SPLICE) and IORING_REGISTER_PROBE (5.6);
 * older kernels or io_uring disabled give -ENOSYS / -EOPNOTSUPP before any
 * byte moves. Serves the pairs splice serves. Limits and behaviour:
 *  - a chunk is at most the pipe's size (1 MiB when F_SETPIPE_SZ allows);
 *  - a seekable input is read at explicit offsets (x->in_off), so its
 *    position moves only by what reached out_fd; other ends use offset -1;
 *  - splice requests are not poll-driven: a non-blocking end that would
 *    block completes with -EAGAIN, which is bridged with IORING_OP_POLL_ADD
 *    and a resubmit; a closed peer is -EPIPE (the worker thread takes no
 *    SIGPIPE for us);
 *  - when the first splice is short, the kernel breaks the link (the second
 *    completes -ECANCELED) and the pipe is drained by a lone splice of
 *    exactly what it holds;
 *  - bytes already in the internal pipe when out_fd fails are lost for a
 *    non-seekable input (as with splice(2)); a seekable input is left at
 *    the first byte that did not reach out_fd.
 */
#include <fcntl.h>

#include "internal.h"
#include "uring.h"

enum { UD_FILL = 1, UD_DRAIN, UD_POLL };

struct uxfer {
	struct zc_xfer *x;
	struct zc_uring ring;
	struct zc_pipe pipe; /* internal, blocking */
	unsigned chunk;	     /* most bytes per chunk */
	unsigned inpipe;     /* bytes sitting in the internal pipe */
};

static void prep_splice(struct io_uring_sqe *sqe, int in, int64_t off_in,
			int out, unsigned len, unsigned flags, uint64_t ud)
{
	sqe->opcode = IORING_OP_SPLICE;
	sqe->fd = out;
	sqe->off = (uint64_t)-1; /* out_fd advances like write(2) */
	sqe->splice_fd_in = in;
	sqe->splice_off_in = (uint64_t)off_in;
	sqe->len = len;
	sqe->splice_flags = flags;
	sqe->user_data = ud;
}

/* Wait with IORING_OP_POLL_ADD until fd is ready for `events`. */
static int uring_poll(struct uxfer *u, int fd, short events)
{
	struct io_uring_sqe *sqe = zc__uring_get_sqe(&u->ring);
	struct io_uring_cqe cqe;
	int ret;

	if (!sqe)
		return -EBUSY;
	sqe->opcode = IORING_OP_POLL_ADD;
	sqe->fd = fd;
	sqe->poll32_events = (unsigned)events;
	sqe->user_data = UD_POLL;
	ret = zc__uring_submit(&u->ring, 1);
	if (!ret)
		ret = zc__uring_wait_cqe(&u->ring, &cqe);
	if (ret)
		return ret;
	u->x->st->waits++;
	if (cqe.res < 0)
		return cqe.res;
	if (cqe.res & POLLNVAL)
		return -EBADF;
	/* A broken output: the resubmitted splice would fail the same way. */
	if ((events & POLLOUT) && (cqe.res & (POLLERR | POLLHUP)) &&
	    !(cqe.res & POLLOUT))
		return -EPIPE;
	return 0;
}

/* Account the result of a pipe -> out splice. 1: done with it, 0: resubmit,
 * or -errno. */
static int drained(struct uxfer *u, int res)
{
	int ret;

	if (res == -EAGAIN) {
		/* ZC_F_NO_WAIT: a seekable input is re-read from *in_off next
		 * time (the pipe's copy is dropped); bytes taken from a
		 * stream cannot be, so those wait even then. */
		if ((u->x->opts->flags & ZC_F_NO_WAIT) && u->x->in_off)
			return -EAGAIN;
		return uring_poll(u, u->x->out_fd, POLLOUT);
	}
	if (res < 0)
		return res;
	if (res == 0 || (unsigned)res > u->inpipe)
		return -EIO; /* out_fd took nothing from a full pipe */
	u->inpipe -= (unsigned)res;
	if (u->x->in_off)
		*u->x->in_off += res;
	ret = zc__advance(u->x, (uint64_t)res);
	return ret ? ret : 1;
}

/* Empty the internal pipe into out_fd with lone splices. */
static int drain(struct uxfer *u)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe cqe;
	int ret;

	while (u->inpipe) {
		sqe = zc__uring_get_sqe(&u->ring);
		if (!sqe)
			return -EBUSY;
		/* NONBLOCK on the pipe side only: it holds u->inpipe bytes. */
		prep_splice(sqe, u->pipe.rd, -1, u->x->out_fd, u->inpipe,
			    SPLICE_F_NONBLOCK, UD_DRAIN);
		ret = zc__uring_submit(&u->ring, 1);
		if (!ret)
			ret = zc__uring_wait_cqe(&u->ring, &cqe);
		if (!ret)
			ret = drained(u, cqe.res);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* One chunk: the linked pair in one enter. Returns bytes taken from the
 * input (all of them reached out_fd), 0 at end of input, or -errno. */
static int chunk(struct uxfer *u, unsigned n)
{
	struct io_uring_sqe *fill, *out;
	struct io_uring_cqe cqe;
	int res[2] = {0, 0}, ret, i, taken;

	for (;;) {
		fill = zc__uring_get_sqe(&u->ring);
		out = zc__uring_get_sqe(&u->ring);
		if (!fill || !out)
			return -EBUSY; /* cannot happen: the ring is idle */
		prep_splice(fill, u->x->in_fd,
			    u->x->in_off ? *u->x->in_off : -1, u->pipe.wr, n, 0,
			    UD_FILL);
		fill->flags |= IOSQE_IO_LINK;
		prep_splice(out, u->pipe.rd, -1, u->x->out_fd, n,
			    SPLICE_F_NONBLOCK, UD_DRAIN);
		ret = zc__uring_submit(&u->ring, 2);
		if (ret)
			return ret;
		for (i = 0; i < 2; i++) {
			ret = zc__uring_wait_cqe(&u->ring, &cqe);
			if (ret)
				return ret;
			res[cqe.user_data == UD_DRAIN] = cqe.res;
		}
		if (res[0] != -EAGAIN)
			break;
		/* Input not ready (the drain was cancelled): wait, resubmit.
		 * Only here may ZC_F_NO_WAIT return: nothing is in flight. */
		if (u->x->opts->flags & ZC_F_NO_WAIT)
			return -EAGAIN;
		ret = uring_poll(u, u->x->in_fd, POLLIN);
		if (ret)
			return ret;
	}
	if (res[0] <= 0)
		return res[0]; /* end of input or error; the drain was cancelled
				*/
	taken = res[0];
	u->inpipe = (unsigned)taken;
	if (res[1] != -ECANCELED) {
		ret = drained(u, res[1]);
		if (ret < 0)
			return ret;
	}
	ret = drain(u);
	return ret ? ret : taken;
}

static int setup(struct uxfer *u)
{
	const struct zc_xfer *x = u->x;
	int ret;

	u->ring.fd = -1;
	ret = zc__uring_init(&u->ring, 4, 0);
	if (ret)
		return ret;
	ret = zc__uring_probe(&u->ring, IORING_OP_SPLICE);
	if (!ret)
		ret = zc__uring_probe(&u->ring, IORING_OP_POLL_ADD);
	if (ret)
		return ret;
	ret = zc__pipe_open(&u->pipe, O_CLOEXEC);
	if (ret)
		return ret;
	u->chunk = (unsigned)u->pipe.size;
	if (x->opts->chunk_size && x->opts->chunk_size < u->chunk)
		u->chunk = (unsigned)x->opts->chunk_size;
	return 0;
}

int zc__engine_io_uring(struct zc_xfer *x)
{
	struct uxfer u = {.x = x, .pipe = {.rd = -1, .wr = -1}};
	uint64_t left;
	int ret;

	ret = setup(&u);
	while (!ret && (left = zc__left(x)) > 0) {
		ret = chunk(&u, left < u.chunk ? (unsigned)left : u.chunk);
		if (ret <= 0)
			break;
		ret = 0;
	}
	if (u.pipe.rd >= 0)
		zc__pipe_close(&u.pipe);
	zc__uring_exit(&u.ring);
	return ret < 0 ? ret : 0;
}
