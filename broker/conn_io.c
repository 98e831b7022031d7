/* SPDX-License-Identifier: MIT */
/*
 * conn_io.c — the plaintext transport (see conn_io.h): recv(2),
 * sendmsg(2), and segment slices through the connection's prepared
 * libzcio pair; and the per-listener count of fetched bytes by path.
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/socket.h>

#include "blog.h"
#include "broker.h"
#include "conn.h"
#include "conn_io.h"
#include "zcio.h"

static const char *const path_names[CONN_PATHS] = {
    [CONN_PATH_ZC] = "sendfile",
    [CONN_PATH_KTLS] = "kTLS-sendfile",
    [CONN_PATH_SSL_WRITE] = "SSL_write",
};

const char *conn_path_name(enum conn_path p)
{
	return p < CONN_PATHS ? path_names[p] : "?";
}

void conn_io_count(struct conn *c, enum conn_path path, size_t n)
{
	if (c->lst)
		c->lst->fetch_bytes[path] += n;
}

void conn_io_report(struct blisten *ls, int n)
{
	for (int i = 0; i < n; i++) {
		const uint64_t *f = ls[i].fetch_bytes;
		if (ls[i].fd < 0)
			continue; /* never served */
		blog("listener %s (%s): fetch bytes sendfile %" PRIu64
		     ", kTLS-sendfile %" PRIu64 ", SSL_write %" PRIu64,
		     ls[i].l.name, listener_proto_name(ls[i].l.proto),
		     f[CONN_PATH_ZC], f[CONN_PATH_KTLS],
		     f[CONN_PATH_SSL_WRITE]);
	}
}

/*
 * The prepared pair (socket, segment file): the descriptors are described
 * and the method chosen once per segment, not for every piece. The pair
 * holds a reference to its segment, so its descriptor stays that
 * segment's file (retention cannot close it under the pair) until a
 * slice of another segment comes, or the connection goes.
 */
ssize_t conn_io_send_zc(struct conn *c, struct obuf *o, size_t want)
{
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
	return zc_pair_transfer(c->pair, &o->pos, want, NULL);
}

static ssize_t plain_recv(struct conn *c, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = recv(c->fd, buf, len, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

static ssize_t plain_sendv(struct conn *c, const struct iovec *iov, int n,
			   bool more)
{
	/* Header bytes followed by a file slice: MSG_MORE lets TCP hold
	 * them for the slice (like TCP_CORK) instead of sending a small
	 * segment alone. */
	struct msghdr mh = {.msg_iov = (struct iovec *)iov, .msg_iovlen = n};
	ssize_t w;
	do
		w = sendmsg(c->fd, &mh, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return w;
}

static ssize_t plain_send_slice(struct conn *c, struct obuf *o, size_t want)
{
	ssize_t n = conn_io_send_zc(c, o, want);
	if (n > 0)
		conn_io_count(c, CONN_PATH_ZC, (size_t)n);
	return n;
}

static bool plain_pending(const struct conn *c)
{
	(void)c;
	return false;
}

static unsigned plain_events(const struct conn *c, unsigned want)
{
	(void)c;
	return want;
}

static unsigned plain_on_event(struct conn *c, unsigned events)
{
	(void)c;
	return events;
}

static void plain_close(struct conn *c)
{
	(void)c;
}

const struct conn_io conn_io_plain = {
    .recv = plain_recv,
    .sendv = plain_sendv,
    .send_slice = plain_send_slice,
    .pending = plain_pending,
    .events = plain_events,
    .on_event = plain_on_event,
    .close = plain_close,
};
