/* SPDX-License-Identifier: MIT */
/*
 * conn.c — one connection's input and output: read and frame requests,
 * keep answers in request order, write memory buffers and segment slices
 * through the connection's transport (conn_io.h: plaintext, or TLS),
 * resumed on EPOLLOUT. See conn.h for the rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "blog.h"
#include "broker.h"
#include "conn.h"
#include "conn_int.h"
#include "zcio.h"

/* Smallest request: api_key, api_version, correlation_id, client_id len. */
#define MIN_FRAME 10
/* First read buffer; it grows while a frame's bytes keep arriving. */
#define RBUF_MIN 16384
/* An empty read buffer up to this size is kept for the next request. */
#define RBUF_KEEP 65536
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

/* ---- writing ------------------------------------------------------------ */

void conn_mask_apply(struct conn *c)
{
	struct ev_loop *ev = c->cs->ev;
	unsigned n = c->io->events(c, c->emask);
	if (n != ev_mask(ev, c->fd))
		ev_mod(ev, c->fd, n);
}

void conn_want(struct conn *c, unsigned bit, bool on)
{
	c->emask = on ? c->emask | bit : c->emask & ~bit;
	conn_mask_apply(c);
	/* Input the transport holds raises no epoll event: read it from
	 * the loop once reading is back on. */
	if (on && (bit & EV_READ) && c->read_due)
		conn_queue(c);
}

static void pop_out(struct conn *c)
{
	struct obuf *o = c->out;
	c->out = o->next;
	if (!c->out)
		c->out_tail = &c->out;
	c->out_cost -= o->cost;
	obuf_free(o);
}

/* Write memory obufs at the head in one call. Returns 0 when at least
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
	ssize_t w = c->io->sendv(c, iov, n, o && !o->mem);
	if (w < 0)
		return (int)w;
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

/* Send the slice at the head without blocking (see conn_io.h). */
static int write_file(struct conn *c)
{
	struct obuf *o = c->out;
	size_t want = o->left < FILE_CHUNK ? o->left : FILE_CHUNK;
	ssize_t n = c->io->send_slice(c, o, want);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -EIO; /* the segment ended early: never send short */
	o->left -= n;
	if (!o->left)
		pop_out(c);
	return 0;
}

/* Write as much as the socket takes. Returns 0 or a fatal -errno. */
static int flush_out(struct conn *c)
{
	bool moved = false;
	while (c->out) {
		int rc = c->out->mem ? write_mem(c) : write_file(c);
		if (rc == -EAGAIN || rc == -EWOULDBLOCK) {
			conn_want(c, EV_WRITE, true);
			break;
		}
		if (rc < 0)
			return rc;
		moved = true;
	}
	if (moved)
		conn_touch(c);
	if (!c->out)
		conn_want(c, EV_WRITE, false);
	if (!c->out && !c->replies && c->close_when_sent)
		conn_fail(c, NULL);
	return 0;
}

static void send_out(struct conn *c)
{
	int rc = flush_out(c);
	if (rc < 0) {
		char why[96];
		snprintf(why, sizeof(why), "send failed: %s", strerror(-rc));
		conn_fail(c, rc == -EPIPE || rc == -ECONNRESET ? NULL : why);
	}
}

static void splice_out(struct conn *c, struct obuf *head, struct obuf **tail)
{
	*c->out_tail = head;
	c->out_tail = tail;
}

void conn_pump(struct conn *c)
{
	bool any = false;
	while (c->replies && c->replies->ready) {
		struct preply *p = c->replies;
		c->replies = p->next;
		if (!c->replies)
			c->replies_tail = &c->replies;
		if (p->head)
			splice_out(c, p->head, p->tail);
		free(p);
		any = true;
	}
	if (!any || c->closing)
		return;
	send_out(c);
	/* A slot freed up: buffered requests may go on. */
	conn_queue(c);
}

void conn_answer(struct conn *c, struct preply *p, struct resp *r)
{
	if (c->closing) {
		resp_abort(r);
		return;
	}
	size_t cost = resp_seal(r);
	if (!cost) {
		conn_fail(c, "out of memory for an answer");
		return;
	}
	c->out_cost += cost;
	if (!p) {
		splice_out(c, r->head, r->tail);
		send_out(c);
		return;
	}
	p->head = r->head;
	p->tail = r->tail;
	p->cost = cost;
	conn_pump(c);
	/* One answer fewer outstanding: buffered requests may go on. */
	conn_queue(c);
}

void conn_reply(struct conn *c, struct resp *r)
{
	struct preply *p = NULL;
	if (c->replies && !c->closing) {
		/* Behind an answer still pending: wait in the queue. */
		if (!(p = calloc(1, sizeof(*p)))) {
			resp_abort(r);
			conn_fail(c, "out of memory for an answer");
			return;
		}
		p->c = c;
		p->ready = true;
		p->tail = &p->head;
		*c->replies_tail = p;
		c->replies_tail = &p->next;
	}
	conn_answer(c, p, r);
}

/* ---- reading ------------------------------------------------------------ */

/* Whether the next request may be taken now. */
static bool may_take(const struct conn *c)
{
	const struct bconfig *cfg = &c->b->cfg;
	return !c->closing && !c->close_when_sent &&
	       c->pending < (uint32_t)cfg->max_pending_replies &&
	       c->out_cost < (size_t)cfg->conn_output_max_bytes;
}

static void set_block(struct conn *c, unsigned why, bool on)
{
	unsigned before = c->rd_block;
	c->rd_block = on ? c->rd_block | why : c->rd_block & ~why;
	if (!before != !c->rd_block)
		conn_want(c, EV_READ, !c->rd_block);
}

/* Room for the next read. The buffer grows only when it is full and holds
 * an incomplete frame, to hold what the socket has already received
 * (FIONREAD, see tcp(7)) or twice its size, whichever is more, and never
 * past that frame's end: it tracks bytes that arrived, not a frame's
 * declared size. */
static int make_room(struct conn *c)
{
	if (c->rpos && (c->rlen == c->rcap || c->rpos == c->rlen)) {
		memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
		c->rlen -= c->rpos;
		c->rpos = 0;
	}
	if (c->rlen < c->rcap)
		return 0;
	size_t cap = c->rcap ? c->rcap * 2 : RBUF_MIN;
	if (c->rlen >= 4) {
		size_t end = 4 + (size_t)(uint32_t)kbe32(c->rbuf);
		if (end <= c->rcap)
			return -EAGAIN; /* a whole frame waits: no more */
		int avail = 0;
		if (ioctl(c->fd, FIONREAD, &avail) == 0 &&
		    c->rlen + (size_t)avail > cap)
			cap = c->rlen + (size_t)avail;
		if (cap > end)
			cap = end;
	}
	uint8_t *nb = realloc(c->rbuf, cap);
	if (!nb)
		return -ENOMEM;
	c->rbuf = nb;
	c->rcap = cap;
	return 0;
}

/* Whether no more input should be read until requests are taken: the
 * backlog is full, or the buffer is full of a whole frame. */
static bool input_full(const struct conn *c)
{
	size_t have = c->rlen - c->rpos;
	if (have >= CONN_IN_BACKLOG)
		return true;
	return c->rlen == c->rcap && have >= 4 &&
	       4 + (size_t)(uint32_t)kbe32(c->rbuf + c->rpos) <= have;
}

static void give_back_rbuf(struct conn *c)
{
	free(c->rbuf);
	c->rbuf = NULL;
	c->rpos = c->rlen = c->rcap = 0;
}

/* Take complete frames while the connection may proceed. */
void conn_process(struct conn *c)
{
	struct broker *b = c->b;
	while (may_take(c)) {
		size_t have = c->rlen - c->rpos;
		if (have < 4)
			break;
		int32_t len = kbe32(c->rbuf + c->rpos);
		/* A bare SASL token (PLAIN's may be 4 bytes) has no header. */
		int32_t min = c->sasl_raw ? 0 : MIN_FRAME;
		if (len < min || len > b->cfg.socket_request_max_bytes) {
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
		c->cs->queued_bytes -= 4 + (size_t)len;
		c->requests++;
		int rc = broker_dispatch(b, c, frame, len);
		if (rc == API_BAD) {
			conn_fail(c, NULL); /* dispatch logged why */
			return;
		}
	}
	if (c->closing)
		return;
	/* An empty buffer goes back unless small: a big produce's room is
	 * not kept, and a connection that never sent holds none. */
	if (c->rpos == c->rlen) {
		c->rpos = c->rlen = 0;
		if (c->rcap > RBUF_KEEP)
			give_back_rbuf(c);
	}
	set_block(c, CONN_BLK_BACKLOG, !may_take(c) && input_full(c));
}

void conn_on_read(struct conn *c)
{
	struct connset *cs = c->cs;
	for (;;) {
		size_t have = c->rlen - c->rpos;
		if (!have && connset_over_budget(cs)) {
			/* Requests of others fill the budget: wait, unless
			 * this one is mid-frame (it must finish to free). */
			conn_mem_wait(c);
			return;
		}
		if (!may_take(c) && input_full(c)) {
			set_block(c, CONN_BLK_BACKLOG, true);
			return;
		}
		int rc = make_room(c);
		if (rc == -EAGAIN) {
			/* Whole frames fill the buffer: take them, or stop
			 * reading until they can be (level-triggered epoll
			 * would wake us at once otherwise). */
			conn_process(c); /* blocks reading if it cannot */
			return;
		}
		if (rc) {
			conn_fail(c, "out of memory for the read buffer");
			return;
		}
		/* What the transport holds stays due until it is read. */
		c->read_due = false;
		ssize_t n =
		    c->io->recv(c, c->rbuf + c->rlen, c->rcap - c->rlen);
		if (n > 0) {
			/* One read per event: a fast sender cannot grow the
			 * buffer without bound before we parse; epoll is
			 * level-triggered, so the rest comes next turn, and
			 * what the transport holds from the loop. */
			c->rlen += n;
			cs->queued_bytes += n;
			conn_touch(c);
			if (c->io->pending(c)) {
				c->read_due = true;
				conn_queue(c);
			}
			break;
		}
		if (n == 0) {
			conn_fail(c, NULL); /* peer closed */
			return;
		}
		if (n == -EAGAIN)
			break;
		if (n != -ECONNRESET && n != -EPROTO)
			blog("%s: recv: %s", c->peer, strerror((int)-n));
		conn_fail(c, NULL);
		return;
	}
	conn_process(c);
}

int conn_feed(struct conn *c, const void *p, size_t n)
{
	if (c->closing || !n)
		return 0;
	if (c->rcap - c->rlen < n) {
		uint8_t *nb = realloc(c->rbuf, c->rlen + n);
		if (!nb && c->rlen + n)
			return -ENOMEM;
		c->rbuf = nb;
		c->rcap = c->rlen + n;
	}
	memcpy(c->rbuf + c->rlen, p, n);
	c->rlen += n;
	c->cs->queued_bytes += n;
	conn_queue(c);
	return 0;
}

void conn_on_event(struct ev_loop *ev, int fd, unsigned events, void *arg)
{
	struct conn *c = arg;
	if (c->closing)
		return;
	events = c->io->on_event(c, events);
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
		if (may_take(c) && (c->rlen > c->rpos || c->rd_block))
			conn_queue(c);
	}
	if (events & EV_READ)
		conn_on_read(c);
}

/* Free what the connection holds (it is closing and off every list). */
void conn_free(struct conn *c)
{
	while (c->out)
		pop_out(c);
	sasl_conn_free(c);
	c->io->close(c);
	zc_pair_close(c->pair);
	plog_slice_release(&c->pair_seg);
	close(c->fd);
	free(c->rbuf);
	free(c);
}

/* Cancel every pending reply, in order. An owner told of one may answer
 * another of this connection: that one is marked ready and dropped here
 * when its turn comes, so nothing is used after it is freed. */
void conn_cancel_replies(struct conn *c)
{
	struct preply *p;
	while ((p = c->replies)) {
		c->replies = p->next;
		if (!c->replies)
			c->replies_tail = &c->replies;
		if (!p->ready && !p->cancelled) {
			p->cancelled = true;
			c->pending--;
			if (p->cancel)
				p->cancel(p, p->cancel_arg);
		}
		while (p->head) {
			struct obuf *o = p->head;
			p->head = o->next;
			c->out_cost -= o->cost;
			obuf_free(o);
		}
		free(p);
	}
}
