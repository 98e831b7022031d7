/* SPDX-License-Identifier: MIT */
/*
 * conn.c — connections: accept, read and frame requests, keep answers in
 * order, write memory buffers with writev(2) and segment slices with
 * libzcio (zc_transfer_opts with ZC_F_NO_WAIT on the non-blocking socket,
 * resumed on EPOLLOUT). See conn.h for ordering and lifetime rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "blog.h"
#include "broker.h"
#include "conn.h"
#include "net.h"
#include "zcio.h"

/* Smallest request: api_key, api_version, correlation_id, client_id len. */
#define MIN_FRAME 10
/* Stop taking requests while this much output waits for the peer. */
#define OUT_HIGH (32u << 20)
/* While parked, buffer at most this much input before pausing reads. */
#define PARKED_IN_MAX (4u << 20)
#define RBUF_MIN      65536
/* Larger read buffers are freed once empty. */
#define RBUF_KEEP (1u << 20)
/* Most the read buffer grows by in one step. */
#define RBUF_STEP (4u << 20)
/*
 * Most of a segment slice handed to one zc_transfer call. Measured with
 * bench/kafka-fetch-zc.sh (sendfile, 1 MiB slices) against one call per
 * slice: on loopback 1.38x the throughput at 0.75x the broker CPU per
 * GiB with client and broker on one CPU, 1.25x at the same CPU on two;
 * over a veth pair (MTU 1500) 1.10x at 0.91x on two CPUs, 0.96x at 1.04x
 * on one. 128 KiB did better on loopback but about 10 % worse over veth;
 * 64 KiB and 512 KiB were no better than 1 MiB. read-write moves 128 KiB
 * per write anyway. Why smaller calls pay, we have not traced in the
 * kernel.
 */
#define FILE_CHUNK (256u << 10)

struct obuf {
	struct obuf *next;
	uint8_t *mem; /* NULL for a file slice */
	size_t len, off;
	struct plog_slice slice;
	off_t pos;
	size_t left;
};

static void obuf_free(struct obuf *o)
{
	if (o->mem)
		free(o->mem);
	else
		plog_slice_release(&o->slice);
	free(o);
}

/* ---- responses -------------------------------------------------------- */

void resp_begin(struct resp *r, int32_t corr, bool flex)
{
	kw_init(&r->w);
	r->head = NULL;
	r->tail = &r->head;
	r->file_bytes = 0;
	kw_hole32(&r->w);
	kw_i32(&r->w, corr);
	if (flex)
		kw_tags0(&r->w);
}

/* Move what the writer holds into a memory obuf. */
static int flush_mem(struct resp *r)
{
	if (r->w.err)
		return -ENOMEM;
	if (!r->w.len)
		return 0;
	struct obuf *o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->mem = kw_take(&r->w, &o->len);
	*r->tail = o;
	r->tail = &o->next;
	return 0;
}

int resp_slice(struct resp *r, struct plog_slice *s)
{
	struct obuf *o = NULL;
	if (flush_mem(r) || !(o = calloc(1, sizeof(*o)))) {
		plog_slice_release(s);
		r->w.err = true;
		return -ENOMEM;
	}
	o->slice = *s;
	o->pos = s->pos;
	o->left = s->len;
	r->file_bytes += s->len;
	*r->tail = o;
	r->tail = &o->next;
	return 0;
}

size_t resp_size(const struct resp *r)
{
	size_t n = r->w.len + r->file_bytes;
	for (struct obuf *o = r->head; o; o = o->next)
		if (o->mem)
			n += o->len;
	return n;
}

void resp_abort(struct resp *r)
{
	while (r->head) {
		struct obuf *o = r->head;
		r->head = o->next;
		obuf_free(o);
	}
	r->tail = &r->head;
	kw_free(&r->w);
}

/* ---- writing ------------------------------------------------------------ */

static void want_write(struct conn *c, bool on)
{
	struct ev_loop *ev = c->b->ev;
	unsigned m = ev_mask(ev, c->fd);
	unsigned n = on ? m | EV_WRITE : m & ~EV_WRITE;
	if (n != m)
		ev_mod(ev, c->fd, n);
}

static void pop_out(struct conn *c)
{
	struct obuf *o = c->out;
	c->out = o->next;
	if (!c->out)
		c->out_tail = &c->out;
	obuf_free(o);
}

/* Write memory obufs at the head with one writev. Returns 0 when at least
 * one byte went, -EAGAIN or -errno. */
static int write_mem(struct conn *c)
{
	struct iovec iov[64];
	int n = 0;
	struct obuf *o = c->out;
	for (; o && o->mem && n < 64; o = o->next) {
		iov[n].iov_base = o->mem + o->off;
		iov[n].iov_len = o->len - o->off;
		n++;
	}
	/* Header bytes followed by a file slice: let TCP hold them for the
	 * slice (like TCP_CORK) instead of sending a small segment alone. */
	int more = o && !o->mem ? MSG_MORE : 0;
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = n};
	ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL | more);
	if (w < 0)
		return errno == EINTR ? 0 : -errno;
	c->out_bytes -= w;
	while (w > 0) {
		struct obuf *h = c->out;
		size_t rest = h->len - h->off;
		if ((size_t)w < rest) {
			h->off += w;
			break;
		}
		w -= rest;
		pop_out(c);
	}
	return 0;
}

/*
 * Send the slice at the head without blocking, through the connection's
 * prepared pair (socket, segment file): the descriptors are described and
 * the method chosen once per segment, not for every piece. The pair holds
 * a reference to its segment, so its descriptor stays that segment's file
 * (retention cannot close it under the pair) until a slice of another
 * segment comes, or the connection goes.
 */
static int write_file(struct conn *c)
{
	struct obuf *o = c->out;
	size_t want = o->left < FILE_CHUNK ? o->left : FILE_CHUNK;
	if (!c->pair || c->pair_seg.ref != o->slice.ref) {
		struct zc_options opts = {.method = c->b->cfg.fetch_method,
					  .flags = ZC_F_NO_WAIT};
		zc_pair_close(c->pair);
		plog_slice_release(&c->pair_seg);
		c->pair = zc_pair_open(c->fd, o->slice.fd, &opts);
		if (!c->pair)
			return -errno;
		plog_slice_dup(&c->pair_seg, &o->slice);
	}
	ssize_t n = zc_pair_transfer(c->pair, &o->pos, want, NULL);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -EIO; /* the segment ended early: never send short */
	c->out_bytes -= n;
	o->left -= n;
	if (!o->left)
		pop_out(c);
	return 0;
}

/* Write as much as the socket takes. Returns 0 or a fatal -errno. */
static int flush_out(struct conn *c)
{
	while (c->out) {
		int rc = c->out->mem ? write_mem(c) : write_file(c);
		if (rc == -EAGAIN || rc == -EWOULDBLOCK) {
			want_write(c, true);
			return 0;
		}
		if (rc < 0)
			return rc;
	}
	want_write(c, false);
	return 0;
}

static void queue_ready(struct conn *c)
{
	if (c->queued || c->closing)
		return;
	c->queued = true;
	c->ready_next = c->b->ready;
	c->b->ready = c;
	ev_wake(c->b->ev);
}

void conn_send(struct conn *c, struct resp *r)
{
	if (c->closing || flush_mem(r)) {
		resp_abort(r);
		return;
	}
	size_t total = 0;
	for (struct obuf *o = r->head; o; o = o->next)
		total += o->mem ? o->len : o->left;
	/* resp_begin put the size hole first, so head is memory. */
	struct obuf *h = r->head;
	uint32_t sz = (uint32_t)(total - 4);
	h->mem[0] = sz >> 24;
	h->mem[1] = sz >> 16;
	h->mem[2] = sz >> 8;
	h->mem[3] = sz;
	*c->out_tail = r->head;
	c->out_tail = r->tail;
	c->out_bytes += total;
	r->head = NULL;
	r->tail = &r->head;
	int rc = flush_out(c);
	if (rc < 0) {
		char why[96];
		snprintf(why, sizeof(why), "send failed: %s", strerror(-rc));
		conn_fail(c, rc == -EPIPE || rc == -ECONNRESET ? NULL : why);
	}
}

/* ---- reading ------------------------------------------------------------ */

static void set_read(struct conn *c, bool on)
{
	c->read_paused = !on;
	struct ev_loop *ev = c->b->ev;
	unsigned m = ev_mask(ev, c->fd);
	ev_mod(ev, c->fd, on ? m | EV_READ : m & ~EV_READ);
}

static int ensure_room(struct conn *c, size_t need)
{
	if (c->rpos && (c->rcap - c->rlen < need || c->rpos == c->rlen)) {
		memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
		c->rlen -= c->rpos;
		c->rpos = 0;
	}
	if (c->rcap - c->rlen >= need)
		return 0;
	size_t cap = c->rcap ? c->rcap : RBUF_MIN;
	while (cap - c->rlen < need)
		cap *= 2;
	uint8_t *nb = realloc(c->rbuf, cap);
	if (!nb)
		return -ENOMEM;
	c->rbuf = nb;
	c->rcap = cap;
	return 0;
}

/* Take complete frames while the connection may proceed. */
static void process(struct conn *c)
{
	struct broker *b = c->b;
	while (!c->closing && !c->parked && c->out_bytes < OUT_HIGH) {
		size_t have = c->rlen - c->rpos;
		if (have < 4)
			break;
		int32_t len = kbe32(c->rbuf + c->rpos);
		if (len < MIN_FRAME || len > b->cfg.socket_request_max_bytes) {
			char why[96];
			snprintf(why, sizeof(why),
				 "bad frame size %d (limit %lld), closing", len,
				 (long long)b->cfg.socket_request_max_bytes);
			conn_fail(c, why);
			return;
		}
		if (have < 4 + (size_t)len)
			break;
		uint8_t *frame = c->rbuf + c->rpos + 4;
		c->rpos += 4 + (size_t)len;
		c->requests++;
		int rc = broker_dispatch(b, c, frame, len);
		if (rc == API_BAD) {
			conn_fail(c, NULL); /* dispatch logged why */
			return;
		}
	}
	if (c->rpos == c->rlen) {
		c->rpos = c->rlen = 0;
		/* Give back the room a big produce needed. */
		if (c->rcap > RBUF_KEEP) {
			free(c->rbuf);
			c->rbuf = NULL;
			c->rcap = 0;
		}
	}
	/* Resume reading once the backlog is gone. */
	if (c->read_paused && !c->closing && !c->parked &&
	    c->out_bytes < OUT_HIGH)
		set_read(c, true);
}

static void on_read(struct conn *c)
{
	for (;;) {
		size_t have = c->rlen - c->rpos;
		size_t want = RBUF_MIN;
		if (have >= 4) {
			/* Grow toward the frame as its bytes arrive, not
			 * all at once on the strength of a length prefix. */
			int32_t len = kbe32(c->rbuf + c->rpos);
			if (len > 0 &&
			    len <= c->b->cfg.socket_request_max_bytes &&
			    have < 4 + (size_t)len)
				want = 4 + (size_t)len - have;
			if (want > RBUF_STEP)
				want = RBUF_STEP;
		}
		if (c->parked || c->out_bytes >= OUT_HIGH) {
			if (have >= PARKED_IN_MAX) {
				/* Enough buffered: only look for EOF. */
				char x;
				ssize_t n =
				    recv(c->fd, &x, 1, MSG_PEEK | MSG_DONTWAIT);
				if (n == 0 || (n < 0 && errno != EAGAIN &&
					       errno != EINTR)) {
					conn_fail(c, NULL);
					return;
				}
				set_read(c, false);
				return;
			}
		}
		if (ensure_room(c, want)) {
			conn_fail(c, "out of memory for the read buffer");
			return;
		}
		ssize_t n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen,
				 MSG_DONTWAIT);
		if (n > 0) {
			/* One read per event: a fast sender cannot grow the
			 * buffer without bound before we parse; epoll is
			 * level-triggered, so the rest comes next turn. */
			c->rlen += n;
			break;
		}
		if (n == 0) {
			conn_fail(c, NULL); /* peer closed */
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		if (errno != ECONNRESET)
			blog("%s: recv: %s", c->peer, strerror(errno));
		conn_fail(c, NULL);
		return;
	}
	process(c);
	if (!c->closing && (c->parked || c->out_bytes >= OUT_HIGH) &&
	    c->rlen - c->rpos >= PARKED_IN_MAX)
		set_read(c, false);
}

static void on_event(struct ev_loop *ev, int fd, unsigned events, void *arg)
{
	struct conn *c = arg;
	if (c->closing)
		return;
	if (events & EV_WRITE) {
		int rc = flush_out(c);
		if (rc < 0) {
			conn_fail(c, rc == -EPIPE || rc == -ECONNRESET
					 ? NULL
					 : "write failed");
			return;
		}
		if (!c->out && c->rlen > c->rpos)
			queue_ready(c);
	}
	if (events & EV_READ)
		on_read(c);
}

/* ---- lifecycle ---------------------------------------------------------- */

#define ACCEPT_PAUSE_MS 100

static void accept_resume(struct ev_loop *ev, uint64_t id, void *arg)
{
	struct broker *b = arg;
	if (b->lfd >= 0)
		ev_mod(ev, b->lfd, EV_READ);
}

static void on_accept(struct ev_loop *ev, int fd, unsigned events, void *arg)
{
	struct broker *b = arg;
	for (int i = 0; i < 64; i++) {
		char peer[64];
		int cfd = net_accept(b->lfd, peer, sizeof(peer));
		if (cfd == -EAGAIN)
			return;
		if (cfd < 0) {
			/* Out of descriptors: the listening socket stays
			 * readable, so stop watching it for a moment rather
			 * than spin. */
			blog("accept: %s; pausing accepts for %d ms",
			     strerror(-cfd), ACCEPT_PAUSE_MS);
			ev_mod(b->ev, b->lfd, 0);
			ev_timer(b->ev, ACCEPT_PAUSE_MS, accept_resume, b);
			return;
		}
		struct conn *c = calloc(1, sizeof(*c));
		if (!c || ev_set(b->ev, cfd, EV_READ, on_event, c)) {
			blog("%s: cannot take the connection", peer);
			free(c);
			close(cfd);
			continue;
		}
		c->b = b;
		c->fd = cfd;
		snprintf(c->peer, sizeof(c->peer), "%s", peer);
		c->out_tail = &c->out;
		c->next = b->conns;
		if (b->conns)
			b->conns->prev = c;
		b->conns = c;
		b->nconns++;
		blog_debug("%s: connected", peer);
	}
}

void conn_listen(struct broker *b)
{
	ev_set(b->ev, b->lfd, EV_READ, on_accept, b);
}

void conn_park(struct conn *c, void (*cancel)(struct conn *, void *), void *arg)
{
	c->parked = true;
	c->park_cancel = cancel;
	c->park_arg = arg;
}

void conn_unpark(struct conn *c)
{
	c->parked = false;
	c->park_cancel = NULL;
	c->park_arg = NULL;
	if (c->rlen > c->rpos || c->read_paused)
		queue_ready(c);
}

void conn_fail(struct conn *c, const char *why)
{
	if (c->closing)
		return;
	if (why)
		blog("%s: %s", c->peer, why);
	c->closing = true;
	blog_debug("%s: closed%s", c->peer, c->parked ? " while parked" : "");
	if (c->parked && c->park_cancel) {
		void (*fn)(struct conn *, void *) = c->park_cancel;
		c->park_cancel = NULL;
		c->parked = false;
		fn(c, c->park_arg);
	}
	struct broker *b = c->b;
	/* Unlink from the live list; the dead list is freed by the loop. */
	if (c->prev)
		c->prev->next = c->next;
	else
		b->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	b->nconns--;
	ev_del(b->ev, c->fd);
	c->next = b->dead;
	c->prev = NULL;
	b->dead = c;
	ev_wake(b->ev);
}

static void conn_free(struct conn *c)
{
	while (c->out)
		pop_out(c);
	zc_pair_close(c->pair);
	plog_slice_release(&c->pair_seg);
	close(c->fd);
	free(c->rbuf);
	free(c);
}

void conn_run_ready(struct broker *b)
{
	for (int round = 0; b->ready && round < 1000; round++) {
		struct conn *c = b->ready;
		b->ready = c->ready_next;
		c->queued = false;
		if (!c->closing)
			process(c);
	}
	if (b->ready)
		ev_wake(b->ev);
	/* A failed connection may still sit on the ready list. */
	for (struct conn **pp = &b->ready; *pp;) {
		if ((*pp)->closing) {
			(*pp)->queued = false;
			*pp = (*pp)->ready_next;
		} else {
			pp = &(*pp)->ready_next;
		}
	}
	while (b->dead) {
		struct conn *c = b->dead;
		b->dead = c->next;
		conn_free(c);
	}
}

void conn_close_all(struct broker *b)
{
	while (b->conns)
		conn_fail(b->conns, NULL);
	conn_run_ready(b);
}
