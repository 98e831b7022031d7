/* SPDX-License-Identifier: MIT */
/*
 * engine_splice.c — splice(2): pages move by reference through a pipe.
 *
 * Seed's model: 2 switches, 0 CPU copies, 2 DMA copies (2 calls per chunk
 * in practice: in -> pipe, pipe -> out). Linux 2.6.17; pipe <-> pipe since
 * 2.6.31. Serves any pair but datagram sockets: when one side already is a
 * pipe it splices directly (at most ZC_MAX_RW_COUNT per call), otherwise
 * through an internal pipe (pipe_pool.c; rounds of its size, 1 MiB when
 * the system allows).
 *
 * EAGAIN does not say which side would block. Through the internal pipe
 * the invariant "the pipe is empty before a drain" makes it unambiguous: a
 * drain's EAGAIN means the input has nothing (wait POLLIN on it), a pump's
 * means the output is full (wait POLLOUT). Since we only drain into an
 * empty pipe, slot exhaustion (one slot per skb fragment) shows as a short
 * drain, never as a false "socket drained". A direct splice waits on the
 * input, then on the output. A file input's position advances in the drain
 * and is rewound by whatever is left in the pipe when we stop, so it stays
 * in step with x->done; bytes read from a pipe or socket cannot be put
 * back, so with those the pump waits even under ZC_F_NO_WAIT. Peer close:
 * -EPIPE (SIGPIPE is blocked by the caller). O_APPEND output: EINVAL.
 */
#include "internal.h"

static bool stream(const struct zc_fdinfo *f)
{
	return f->kind != ZC_FD_FILE && f->kind != ZC_FD_BLK;
}

/* One side is a pipe: one call per chunk, nothing held in between. */
static int direct(struct zc_xfer *x)
{
	ssize_t r;
	int err;

	while (zc__left(x) > 0) {
		r = zc__sys_splice(x->in_fd, x->in_off, x->out_fd, NULL,
				   zc__chunk(x, ZC_MAX_RW_COUNT), 0);
		if (r > 0) {
			err = zc__advance(x, (uint64_t)r);
			if (err)
				return err;
			continue;
		}
		if (r == 0)
			return 0;
		if (r == -EINTR)
			continue;
		if (r != -EAGAIN)
			return (int)r;
		err = stream(&x->in) ? zc__wait(x, x->in_fd, POLLIN) : 0;
		if (!err && stream(&x->out))
			err = zc__wait(x, x->out_fd, POLLOUT);
		if (err)
			return err;
	}
	return 0;
}

/* Move `pending` bytes from the internal pipe to out_fd. */
static int pump(struct zc_xfer *x, struct zc_pipe *p, size_t *pending)
{
	ssize_t r;
	int err;

	while (*pending > 0) {
		r = zc__sys_splice(p->rd, NULL, x->out_fd, NULL, *pending, 0);
		r = zc__out_result(x, r);
		if (r == -EINTR)
			continue;
		if (r < 0)
			return (int)r;
		*pending -= (size_t)r;
		err = zc__advance(x, (uint64_t)r);
		if (err)
			return err;
	}
	return 0;
}

static int via_pipe(struct zc_xfer *x)
{
	struct zc_pipe p;
	size_t pending = 0;
	uint64_t done0 = x->done;
	ssize_t r;
	int err;

	err = zc__pipe_get(&p);
	if (err)
		return err;
	while (zc__left(x) > 0) {
		r = zc__sys_splice(x->in_fd, x->in_off, p.wr, NULL,
				   zc__chunk(x, p.size), 0);
		/* The pipe is empty: EAGAIN means the input has nothing yet. */
		r = zc__in_result(x, r);
		if (r == -EINTR)
			continue;
		if (r <= 0) {
			err = (int)r;
			break;
		}
		pending = (size_t)r;
		err = pump(x, &p, &pending);
		if (err)
			break;
	}
	if (pending && x->in_off)
		*x->in_off -= (off_t)pending;
	zc__pipe_put(&p, pending == 0);
	/* Bytes drained from a pipe or socket cannot be put back. If none
	 * reached out_fd yet, a "cannot serve" errno would let AUTO fall back
	 * and silently skip them: report the loss as -EIO instead. */
	if (pending && !x->in_off && x->done == done0 && zc__declines(err))
		err = -EIO;
	return err;
}

int zc__engine_splice(struct zc_xfer *x)
{
	if (x->in.kind == ZC_FD_PIPE || x->out.kind == ZC_FD_PIPE)
		return direct(x);
	return via_pipe(x);
}
