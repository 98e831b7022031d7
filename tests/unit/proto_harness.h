/* SPDX-License-Identifier: MIT */
/*
 * proto_harness.h — what the proto_* unit tests share (header-only, as
 * each unit test is its own program): a real broker (broker_open: store in
 * a temporary directory, event loop, coordinator) without a listening
 * socket, client connections made by conn_new() on socketpairs, requests
 * fed to broker_dispatch() and answers read back frame by frame from the
 * client end.
 */
#ifndef ZC_TEST_PROTO_HARNESS_H
#define ZC_TEST_PROTO_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "broker.h"
#include "group/coord.h"
#include "proto/producers.h"
#include "helpers.h"

static struct broker th_b;
/* Answer acks=all and OffsetCommit from the page cache (write.caching),
 * so answers come at once; proto_durable clears it before th_setup. */
static bool th_write_caching = true;
/* Settings a test changes before the broker opens (NULL: none). */
static void (*th_configure)(struct bconfig *c);

struct tconn {
	struct conn *c;
	int peer;
	uint8_t buf[1 << 20];
};

/* A fresh client connection (closing any previous peer end), made by the
 * broker's own constructor on one end of a socketpair. */
static inline void th_conn(struct tconn *t)
{
	int sv[2], big = 4 << 20;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		t_fatal("socketpair: %s", strerror(errno));
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	char peer[64];
	snprintf(peer, sizeof(peer), "test:%d", sv[0]);
	t->c = conn_new(&th_b.conns, sv[0], peer);
	if (!t->c)
		t_fatal("cannot make a connection");
	t->peer = sv[1];
}

/* A broker on a store in the temporary directory, without a socket. */
static inline void th_setup(void)
{
	struct broker *b = &th_b;
	config_defaults(&b->cfg);
	snprintf(b->cfg.data_dir, sizeof(b->cfg.data_dir), "%s/data",
		 t_tmpdir());
	snprintf(b->adv_host, sizeof(b->adv_host), "127.0.0.1");
	b->adv_port = 9092;
	b->cfg.group_min_session_ms = 10;
	b->cfg.write_caching = th_write_caching;
	if (th_configure)
		th_configure(&b->cfg);
	if (broker_open(b))
		t_fatal("cannot set up a broker in %s", t_tmpdir());
}

static inline void th_teardown(void)
{
	broker_close(&th_b);
}

/* Start a request: header v1 (v2 for ApiVersions v3+). */
static inline void th_hdr(struct kw *w, int16_t key, int16_t ver, int32_t corr)
{
	kw_init(w);
	kw_i16(w, key);
	kw_i16(w, ver);
	kw_i32(w, corr);
	kw_str(w, "unit");
	if (key == 18 && ver >= 3)
		kw_tags0(w);
}

/* Dispatch one request (consumed) and run what the loop would run
 * before sleeping. Returns the enum api_result. */
static inline int th_send(struct tconn *t, struct kw *req)
{
	int rc = broker_dispatch(&th_b, t->c, req->buf, req->len);
	kw_free(req);
	broker_settle(&th_b);
	return rc;
}

/* A request as bytes arriving on the connection (size prefix added;
 * consumed): taken when the connection reads, in the next connset_run. */
static inline void th_feed(struct tconn *t, struct kw *w)
{
	uint8_t len[4] = {w->len >> 24, w->len >> 16, w->len >> 8, w->len};
	CHECK_EQ(conn_feed(t->c, len, 4), 0);
	CHECK_EQ(conn_feed(t->c, w->buf, w->len), 0);
	kw_free(w);
}

/* Read exactly n bytes if they are there (they are written before
 * th_send returns, so no waiting). */
static inline bool th_readn(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r <= 0)
			return false;
		got += r;
	}
	return true;
}

/* The next answer on t: its body (after the correlation id) in a reader,
 * or false when none is waiting or the correlation id differs. */
static inline bool th_answer(struct tconn *t, int32_t corr, struct kr *r)
{
	uint8_t h[4];
	if (!th_readn(t->peer, h, 4))
		return false;
	int32_t len = kbe32(h);
	if (len < 4 || (size_t)len > sizeof(t->buf) ||
	    !th_readn(t->peer, t->buf, len))
		return false;
	if (kbe32(t->buf) != corr)
		return false;
	kr_init(r, t->buf + 4, len - 4);
	return true;
}

/* Run the event loop (timers: group tick, parked fetches) for ms. */
static inline void th_stop(struct ev_loop *ev, uint64_t id, void *arg)
{
	ev_stop(ev);
}

static inline void th_run(int64_t ms)
{
	ev_timer(th_b.ev, ms, th_stop, NULL);
	ev_run(th_b.ev);
}

/* Whether c is still one of the broker's connections (not failed). */
static inline bool th_live(const struct conn *c)
{
	for (const struct conn *x = th_b.conns.head; x; x = x->next)
		if (x == c)
			return true;
	return false;
}

/* Send one request (a copy: req is kept); returns the response body
 * (after the correlation id) with its length, or NULL when there was none.
 * A connection that was closed or still waiting for an answer is replaced
 * by a fresh one. */
static inline const uint8_t *th_call(struct tconn *t, struct kw *req,
				     int32_t corr, size_t *len)
{
	struct kw copy; /* the broker may rewrite it (produce does) */
	kw_init(&copy);
	kw_raw(&copy, req->buf, req->len);
	th_send(t, &copy);
	/* th_send's connset_run frees a connection that failed meanwhile
	 * (a write refused, say): only one still in the set is looked at. */
	bool gone = !th_live(t->c) || t->c->pending;
	if (gone && th_live(t->c))
		conn_fail(t->c, NULL); /* freed by connset_run */
	connset_run(&th_b.conns);
	struct kr r;
	bool ok = th_answer(t, corr, &r);
	if (gone) {
		close(t->peer);
		th_conn(t);
	}
	if (!ok)
		return NULL;
	*len = kr_left(&r);
	return r.p + r.off;
}

/* Every valid request cut short at every length, then with random
 * bytes changed. Only survival is checked (and ASan's verdict). */
static inline void th_mutate(struct tconn *t, struct kw *reqs, int nreqs)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < nreqs; i++) {
		struct kw *k = &reqs[i];
		struct kw m;
		size_t len;
		for (size_t n = 0; n < k->len; n++) {
			kw_init(&m);
			kw_raw(&m, k->buf, n);
			th_call(t, &m, -1, &len);
			kw_free(&m);
		}
		for (int round = 0; round < 400; round++) {
			kw_init(&m);
			kw_raw(&m, k->buf, k->len);
			int flips = 1 + round % 4;
			for (int f = 0; f < flips; f++) {
				seed ^= seed << 13;
				seed ^= seed >> 7;
				seed ^= seed << 17;
				size_t at =
				    8 + seed % (m.len > 8 ? m.len - 8 : 1);
				if (at < m.len)
					m.buf[at] = (uint8_t)(seed >> 32);
			}
			th_call(t, &m, -1, &len);
			kw_free(&m);
		}
	}
}

#endif /* ZC_TEST_PROTO_HARNESS_H */
