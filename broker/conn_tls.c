/* SPDX-License-Identifier: MIT */
/*
 * conn_tls.c — the TLS transport (see conn_io.h) of SSL and SASL_SSL
 * listeners: one SSL_CTX per listener, one SSL per connection in accept
 * state on the non-blocking socket.
 *
 * The handshake runs from the event loop: each step asks for the socket
 * to become readable or writable (SSL_ERROR_WANT_READ/WRITE) and a timer
 * (zc.ssl.handshake.timeout.ms) closes a peer that stalls half way, so a
 * plaintext client, a bad certificate or a silent peer costs its own
 * connection and a log line, never the loop. Then input goes through
 * SSL_read (what OpenSSL holds already is read from the loop, as no epoll
 * event will announce it), memory through SSL_write in partial-write
 * mode (SSL_write(3): a write that must be retried is retried with the
 * same bytes, possibly from another address), and segment slices
 *  - with sendfile(2) on the socket when OpenSSL handed the send keys to
 *    the kernel (kernel TLS, tls(7); SSL_OP_ENABLE_KTLS): the kernel
 *    encrypts and the bytes are never copied through user space;
 *  - else read from the file into a bounded buffer and SSL_write'n.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "blog.h"
#include "broker.h"
#include "conn_int.h"
#include "conn_io.h"
#include "security/tls.h"

/* File bytes read per piece when the slice goes through SSL_write. */
#define TLS_FILE_BUF (64u << 10)
/* Small memory buffers are gathered into one record up to this size
 * (one TLS record's worth of plaintext, RFC 8446 5.1). */
#define TLS_GATHER (16u << 10)

struct conn_tls {
	SSL *ssl;
	bool handshaking;
	bool broken;	     /* a fatal error: no close_notify */
	bool rd_wants_write; /* SSL_read waits for the socket to take bytes */
	bool wr_wants_read;  /* SSL_write waits for bytes to arrive */
	bool ktls_send;	     /* the kernel encrypts what we send */
	unsigned hs_want;    /* EV_READ or EV_WRITE: the handshake's wait */
	uint64_t hs_timer;
	/* File bytes read and not yet all taken by SSL_write: kept as they
	 * are for a retry. */
	uint8_t *fbuf;
	size_t flen, foff;
};

/* OpenSSL's reason for the last failure, with the certificate check's
 * when that is what failed. */
static void tls_why(const struct conn *c, int ret, int err, char *out,
		    size_t cap)
{
	unsigned long code = ERR_peek_last_error();
	long vr = SSL_get_verify_result(c->tls->ssl);
	char e[256] = "";

	if (code)
		ERR_error_string_n(code, e, sizeof(e));
	else if (err == SSL_ERROR_SYSCALL && ret < 0 && errno)
		snprintf(e, sizeof(e), "%s", strerror(errno));
	else if (err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN)
		snprintf(e, sizeof(e), "the peer closed the connection");
	else
		snprintf(e, sizeof(e), "SSL error %d", err);
	ERR_clear_error();
	if (vr != X509_V_OK)
		snprintf(out, cap, "%s (client certificate: %s)", e,
			 X509_verify_cert_error_string(vr));
	else
		snprintf(out, cap, "%s", e);
}

/* Set the cross-direction waits; the epoll mask follows. */
static void set_waits(struct conn *c, bool rd_wants_write, bool wr_wants_read)
{
	struct conn_tls *t = c->tls;
	if (t->rd_wants_write == rd_wants_write &&
	    t->wr_wants_read == wr_wants_read)
		return;
	t->rd_wants_write = rd_wants_write;
	t->wr_wants_read = wr_wants_read;
	conn_mask_apply(c);
}

static void hs_timeout(struct ev_loop *ev, uint64_t id, void *arg)
{
	struct conn *c = arg;
	char why[128];

	(void)ev;
	(void)id;
	c->tls->hs_timer = 0;
	if (c->closing || !c->tls->handshaking)
		return;
	snprintf(why, sizeof(why),
		 "TLS handshake not finished within %d ms "
		 "(zc.ssl.handshake.timeout.ms), closing",
		 c->b->cfg.tls.handshake_ms);
	conn_fail(c, why);
}

static void handshake_done(struct conn *c)
{
	struct conn_tls *t = c->tls;

	t->handshaking = false;
	ev_timer_del(c->cs->ev, t->hs_timer);
	t->hs_timer = 0;
	t->ktls_send = tls_ktls_send_active(t->ssl);
	/* On SSL listeners the certificate names the client; on SASL_SSL
	 * SASL does. A name that does not fit is refused, never cut (a cut
	 * name could be another principal's). */
	if (c->lst->l.proto == LP_SSL &&
	    tls_principal(t->ssl, c->principal, sizeof(c->principal))) {
		t->broken = true;
		conn_fail(c, "the client certificate's subject is longer than "
			     "a principal may be (255 bytes), closing");
		return;
	}
	blog_debug("%s: %s %s, %s, fetch via %s", c->peer,
		   SSL_get_version(t->ssl), SSL_get_cipher_name(t->ssl),
		   c->principal,
		   conn_path_name(t->ktls_send ? CONN_PATH_KTLS
					       : CONN_PATH_SSL_WRITE));
	conn_mask_apply(c);
}

/* One step of the handshake. */
static void handshake(struct conn *c)
{
	struct conn_tls *t = c->tls;
	char why[400], line[600];
	int r, e;

	ERR_clear_error();
	r = SSL_do_handshake(t->ssl);
	if (r == 1) {
		handshake_done(c);
		return;
	}
	e = SSL_get_error(t->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		t->hs_want = e == SSL_ERROR_WANT_READ ? EV_READ : EV_WRITE;
		conn_mask_apply(c);
		return;
	}
	t->broken = true;
	tls_why(c, r, e, why, sizeof(why));
	snprintf(line, sizeof(line),
		 "TLS handshake failed on listener %s: %s, closing",
		 c->lst->l.name, why);
	conn_fail(c, line);
}

/* A failure after the handshake: 0 (input ended), -errno of the socket,
 * or -EPROTO (logged with OpenSSL's reason). */
static ssize_t io_error(struct conn *c, const char *op, int ret, int err)
{
	char why[512];

	if (err == SSL_ERROR_ZERO_RETURN)
		return 0; /* close_notify: the end of input */
	c->tls->broken = true;
	if (err == SSL_ERROR_SYSCALL && !ERR_peek_last_error()) {
		/* The socket failed, or ended (ret 0, errno 0). */
		return ret < 0 && errno && errno != EAGAIN ? -errno : 0;
	}
	tls_why(c, ret, err, why, sizeof(why));
	blog("%s: TLS %s: %s, closing", c->peer, op, why);
	return -EPROTO;
}

static ssize_t tls_recv(struct conn *c, void *buf, size_t len)
{
	struct conn_tls *t = c->tls;
	int n, e;

	ERR_clear_error();
	n = SSL_read(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	if (n > 0) {
		set_waits(c, false, t->wr_wants_read);
		return n;
	}
	e = SSL_get_error(t->ssl, n);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		set_waits(c, e == SSL_ERROR_WANT_WRITE, t->wr_wants_read);
		return -EAGAIN;
	}
	return io_error(c, "read", n, e);
}

static ssize_t tls_write(struct conn *c, const void *p, size_t len)
{
	struct conn_tls *t = c->tls;
	int n, e;

	ERR_clear_error();
	n = SSL_write(t->ssl, p, len > INT_MAX ? INT_MAX : (int)len);
	if (n > 0) {
		set_waits(c, t->rd_wants_write, false);
		return n;
	}
	e = SSL_get_error(t->ssl, n);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		set_waits(c, t->rd_wants_write, e == SSL_ERROR_WANT_READ);
		return -EAGAIN;
	}
	n = (int)io_error(c, "write", n, e);
	return n ? n : -EPIPE;
}

/*
 * Memory: the first buffer as it is, or, when it is small and others
 * follow, the buffers gathered into one record. A retry after
 * SSL_ERROR_WANT_WRITE starts with the same bytes either way: buffers
 * leave the head only once written, and only join at the tail.
 */
static ssize_t tls_sendv(struct conn *c, const struct iovec *iov, int n,
			 bool more)
{
	uint8_t gather[TLS_GATHER];
	size_t len = 0;

	(void)more;
	if (n == 1 || iov[0].iov_len >= TLS_GATHER)
		return tls_write(c, iov[0].iov_base, iov[0].iov_len);
	for (int i = 0; i < n && len < TLS_GATHER; i++) {
		size_t k = iov[i].iov_len;
		if (k > TLS_GATHER - len)
			k = TLS_GATHER - len;
		memcpy(gather + len, iov[i].iov_base, k);
		len += k;
	}
	return tls_write(c, gather, len);
}

static ssize_t tls_send_slice(struct conn *c, struct obuf *o, size_t want)
{
	struct conn_tls *t = c->tls;
	ssize_t n;

	if (t->ktls_send) {
		n = conn_io_send_zc(c, o, want);
		if (n > 0)
			conn_io_count(c, CONN_PATH_KTLS, (size_t)n);
		return n;
	}
	if (t->foff == t->flen) {
		size_t k = want < TLS_FILE_BUF ? want : TLS_FILE_BUF;
		if (!t->fbuf && !(t->fbuf = malloc(TLS_FILE_BUF)))
			return -ENOMEM;
		do
			n = pread(o->slice.fd, t->fbuf, k, o->pos);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			return n < 0 ? -errno : 0;
		t->flen = (size_t)n;
		t->foff = 0;
	}
	n = tls_write(c, t->fbuf + t->foff, t->flen - t->foff);
	if (n <= 0)
		return n;
	t->foff += (size_t)n;
	o->pos += n;
	conn_io_count(c, CONN_PATH_SSL_WRITE, (size_t)n);
	if (t->foff == t->flen && (size_t)n == o->left) {
		/* The slice is done: no buffer kept between fetches. */
		free(t->fbuf);
		t->fbuf = NULL;
	}
	if (t->foff == t->flen)
		t->foff = t->flen = 0;
	return n;
}

static bool tls_pending(const struct conn *c)
{
	return !c->tls->handshaking && SSL_has_pending(c->tls->ssl);
}

static unsigned tls_events(const struct conn *c, unsigned want)
{
	const struct conn_tls *t = c->tls;
	unsigned m = 0;

	if (t->handshaking)
		return t->hs_want;
	if (want & EV_READ)
		m |= t->rd_wants_write ? EV_WRITE : EV_READ;
	if (want & EV_WRITE)
		m |= t->wr_wants_read ? EV_READ : EV_WRITE;
	return m;
}

static unsigned tls_on_event(struct conn *c, unsigned events)
{
	struct conn_tls *t = c->tls;
	unsigned e = events;

	if (t->handshaking) {
		handshake(c);
		/* Requests may have come with the last handshake bytes. */
		return t->handshaking || c->closing ? 0 : EV_READ;
	}
	if ((events & EV_READ) && t->wr_wants_read) {
		e |= EV_WRITE;
		if (!(c->emask & EV_READ))
			e &= ~EV_READ; /* it was the writer's wait */
	}
	if ((events & EV_WRITE) && t->rd_wants_write)
		e |= EV_READ;
	return e;
}

static void tls_close(struct conn *c)
{
	struct conn_tls *t = c->tls;

	ev_timer_del(c->cs->ev, t->hs_timer);
	if (!t->handshaking && !t->broken) {
		/* close_notify, once, without waiting (SSL_shutdown(3)). */
		ERR_clear_error();
		SSL_shutdown(t->ssl);
		ERR_clear_error();
	}
	SSL_free(t->ssl);
	free(t->fbuf);
	free(t);
	c->tls = NULL;
	c->io = &conn_io_plain;
}

static const struct conn_io conn_io_tls = {
    .recv = tls_recv,
    .sendv = tls_sendv,
    .send_slice = tls_send_slice,
    .pending = tls_pending,
    .events = tls_events,
    .on_event = tls_on_event,
    .close = tls_close,
};

int conn_tls_start(struct conn *c)
{
	struct conn_tls *t = calloc(1, sizeof(*t));
	SSL *ssl = t ? SSL_new(c->lst->tls) : NULL;

	if (!ssl || !SSL_set_fd(ssl, c->fd)) {
		SSL_free(ssl);
		free(t);
		ERR_clear_error();
		return -ENOMEM;
	}
	SSL_set_accept_state(ssl);
	SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
			      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
			      SSL_MODE_RELEASE_BUFFERS);
	t->ssl = ssl;
	t->handshaking = true;
	t->hs_want = EV_READ;
	t->hs_timer =
	    ev_timer(c->cs->ev, c->b->cfg.tls.handshake_ms, hs_timeout, c);
	c->tls = t;
	c->io = &conn_io_tls;
	conn_mask_apply(c);
	return 0;
}

/* ---- listeners ---------------------------------------------------------- */

/* Why fetches of this listener cannot use kernel TLS, or NULL. */
static const char *no_ktls(const struct tls_config *cfg, char *buf, size_t cap)
{
	struct tls_ktls_info ki;

	if (!cfg->ktls)
		return "zc.ssl.ktls=false";
	tls_ktls_probe(&ki);
	if (!ki.openssl)
		return "libssl was built without KTLS";
	if (!ki.kernel_ulp) {
		snprintf(buf, cap,
			 "the kernel has no TLS ULP (setsockopt TCP_ULP "
			 "\"tls\": %s; modprobe tls?)",
			 strerror(ki.kernel_errno));
		return buf;
	}
	return NULL;
}

int conn_tls_listener(struct blisten *l, const struct tls_config *cfg)
{
	const char *proto = listener_proto_name(l->l.proto);
	char err[512], why[160];
	const char *no;
	SSL_CTX *ctx = tls_ctx_new(cfg, err, sizeof(err));

	if (!ctx) {
		blog("listener %s (%s): %s", l->l.name, proto, err);
		return -EINVAL;
	}
	/* A client that drops the connection without close_notify is just
	 * gone: Kafka's framing, not TLS's, says where requests end. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* Fewer recv calls for a producer's stream of records. */
	SSL_CTX_set_read_ahead(ctx, 1);
	l->tls = ctx;
	no = no_ktls(cfg, why, sizeof(why));
	if (no)
		blog("listener %s (%s): fetches send file bytes through "
		     "SSL_write (read, encrypt, write): %s",
		     l->l.name, proto, no);
	else
		blog("listener %s (%s): fetches send file bytes with "
		     "sendfile on kernel TLS sockets (kTLS-sendfile) where "
		     "the cipher lets OpenSSL hand its keys to the kernel, "
		     "else through SSL_write",
		     l->l.name, proto);
	return 0;
}

void conn_tls_listener_free(struct blisten *l)
{
	SSL_CTX_free(l->tls);
	l->tls = NULL;
}
