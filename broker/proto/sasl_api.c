/* SPDX-License-Identifier: MIT */
/*
 * sasl_api.c — SaslHandshake v0-1 (KIP-43) and SaslAuthenticate v0-2
 * (KIP-152) on SASL_PLAINTEXT and SASL_SSL listeners, and the gate that
 * serves nothing else before authentication.
 *
 * Two forms, as Kafka's SaslServerAuthenticator:
 *   - SaslHandshake v1, then SaslAuthenticate requests carrying the
 *     tokens (KIP-152): failures answer SASL_AUTHENTICATION_FAILED with a
 *     message;
 *   - SaslHandshake v0, then bare tokens: a 4-byte size and the token,
 *     no request header, answered the same way (what kafka-python 2.0.x
 *     and older Sarama send). A failure there has no way to say why: the
 *     connection is closed after the delay.
 *
 * A failed login is logged (peer, mechanism, the session's reason, which
 * names the user when known) and answered only after
 * connection.failed.authentication.delay.ms through a pending reply and
 * a loop timer, never by sleeping; then the connection closes once the
 * answer is out (KIP-306). Wrong order (a second handshake, SaslAuthenticate
 * before a handshake) answers ILLEGAL_SASL_STATE and closes; a mechanism
 * the listener does not enable answers UNSUPPORTED_SASL_MECHANISM with the
 * enabled list and closes. On PLAINTEXT and SSL listeners, and after
 * authentication, both requests answer ILLEGAL_SASL_STATE and the
 * connection stays (Kafka's KafkaApis).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "blog.h"
#include "broker.h"
#include "conn_int.h"
#include "proto/ks_handler.h"
#include "security/creds.h"
#include "security/sasl.h"

/* What a connection's exchange holds between requests. */
struct sasl_conn {
	struct conn *c;
	struct sasl_session *s; /* after an accepted handshake */
	enum sasl_mech mech;
	bool shaken;	  /* a handshake was answered */
	struct preply *p; /* a failure's answer, waiting for the delay */
	uint64_t timer;	  /* the delay's */
	char msg[160];	  /* the failure's ErrorMessage */
};

static bool sasl_listener(const struct conn *c)
{
	return c->lst && (c->lst->l.proto == LP_SASL_PLAINTEXT ||
			  c->lst->l.proto == LP_SASL_SSL);
}

bool sasl_gate_allows(int16_t key)
{
	return key == API_API_VERSIONS || key == API_SASL_HANDSHAKE ||
	       key == API_SASL_AUTHENTICATE;
}

void sasl_conn_free(struct conn *c)
{
	struct sasl_conn *sc = c->sasl;

	if (!sc)
		return;
	ev_timer_del(c->cs->ev, sc->timer);
	sasl_session_free(sc->s);
	free(sc);
	c->sasl = NULL;
}

static struct sasl_conn *sasl_conn_get(struct conn *c)
{
	if (!c->sasl && (c->sasl = calloc(1, sizeof(*c->sasl))))
		c->sasl->c = c;
	return c->sasl;
}

/* ---- SaslHandshake ------------------------------------------------------ */

static int handshake(struct ks_call *k)
{
	const struct ks_struct *rt = &k->rm->root;
	struct conn *c = k->c;
	struct kv *err = KR(k, "ErrorCode");
	const char *names[SASL_MECHS];
	char mech[64];
	struct sasl_conn *sc;
	int n, m;

	if (!sasl_listener(c) || c->authed) {
		err->i = KERR_ILLEGAL_SASL_STATE;
		return API_REPLY;
	}
	if (c->sasl && c->sasl->shaken) {
		blog("%s: a second SaslHandshake during SASL authentication, "
		     "closing",
		     c->peer);
		err->i = KERR_ILLEGAL_SASL_STATE;
		c->close_when_sent = true;
		return API_REPLY;
	}
	n = sasl_mech_names(c->lst->l.sasl_mechs, names, SASL_MECHS);
	if (ks_resize(rt, k->resp, "Mechanisms", n, &k->a) < 0)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		kv_setstr(&KR(k, "Mechanisms")->a.v[i], names[i]);
	m = kv_cstr(KQ(k, "Mechanism"), mech, sizeof(mech))
		? sasl_mech_pick(c->lst->l.sasl_mechs, mech)
		: -EINVAL;
	if (m < 0) {
		blog("%s: SASL mechanism %.64s is not enabled on listener %s, "
		     "closing",
		     c->peer, KQ(k, "Mechanism")->s.len > 0 ? mech : "(none)",
		     c->lst->l.name);
		err->i = KERR_UNSUPPORTED_SASL_MECHANISM;
		c->close_when_sent = true;
		return API_REPLY;
	}
	if (!(sc = sasl_conn_get(c)) ||
	    !(sc->s = sasl_session_new((enum sasl_mech)m, creds_lookup,
				       k->b->creds)))
		return -ENOMEM;
	sc->mech = (enum sasl_mech)m;
	sc->shaken = true;
	/* v0: the tokens that follow come bare (conn.c frames them). */
	c->sasl_raw = k->q->ver == 0;
	return API_REPLY;
}

int api_saslhandshake(struct broker *b, struct conn *c, const struct kreq *q,
		      struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, 1024, handshake);
}

/* ---- SaslAuthenticate --------------------------------------------------- */

static void authenticated(struct conn *c, struct sasl_conn *sc)
{
	const char *user = sasl_session_user(sc->s);

	c->authed = true;
	snprintf(c->principal, sizeof(c->principal), "User:%s", user);
	blog_debug("%s: authenticated as %s with %s", c->peer, c->principal,
		   sasl_mech_name(sc->mech));
	sasl_session_free(sc->s);
	sc->s = NULL;
	c->sasl_raw = false;
}

/* The failure's answer, when the delay is over. */
static void encode_failed(struct resp *r, int16_t ver, const void *state)
{
	const struct sasl_conn *sc = state;
	const struct ks_msg *m = ks_resp(API_SASL_AUTHENTICATE);
	struct ks_arena a;
	struct kv *v;

	ks_arena_init(&a, 4096);
	v = ks_new(m, &a);
	if (!v) {
		r->w.err = true;
	} else {
		ks_get(&m->root, v, "ErrorCode")->i =
		    KERR_SASL_AUTHENTICATION_FAILED;
		kv_setstr(ks_get(&m->root, v, "ErrorMessage"), sc->msg);
		if (ks_encode(m, ver, v, &r->w))
			r->w.err = true;
	}
	ks_arena_free(&a);
}

static void on_delay(struct ev_loop *ev, uint64_t id, void *arg)
{
	struct sasl_conn *sc = arg;
	struct conn *c = sc->c;
	struct preply *p = sc->p;

	sc->timer = 0;
	sc->p = NULL;
	if (p)
		preply_answer(p, encode_failed, sc);
	else
		conn_fail(c, NULL); /* bare tokens: nothing to say */
}

static void on_cancel(struct preply *p, void *arg)
{
	struct sasl_conn *sc = arg;

	sc->p = NULL; /* sasl_conn_free stops the timer */
}

/* Log, then answer (p, or nothing for bare tokens) after the delay and
 * close. Returns the enum api_result for the request. */
static int failed(struct broker *b, struct conn *c, const struct kreq *q,
		  const struct sasl_out *out)
{
	struct sasl_conn *sc = c->sasl;

	blog("%s: SASL authentication failed on listener %s with %s: %s",
	     c->peer, c->lst->l.name, sasl_mech_name(sc->mech),
	     out->reason ? out->reason : "no reason given");
	/* The message names no user: whether one exists is not told. */
	snprintf(sc->msg, sizeof(sc->msg),
		 "Authentication failed during authentication due to invalid "
		 "credentials with SASL mechanism %s",
		 sasl_mech_name(sc->mech));
	sasl_session_free(sc->s);
	sc->s = NULL;
	c->close_when_sent = true;
	c->sasl_raw = false;
	if (q && !(sc->p = preply_open(c, q)))
		return API_BAD;
	if (sc->p)
		preply_on_cancel(sc->p, on_cancel, sc);
	sc->timer = ev_timer(b->ev, b->cfg.failed_auth_delay_ms, on_delay, sc);
	if (!sc->timer) {
		if (sc->p) {
			struct preply *p = sc->p;
			sc->p = NULL;
			preply_answer(p, encode_failed, sc);
			return API_PENDING;
		}
		return API_BAD;
	}
	return q ? API_PENDING : API_NOREPLY;
}

static int authenticate(struct ks_call *k)
{
	struct conn *c = k->c;
	struct sasl_conn *sc = c->sasl;
	struct kv *ab = KQ(k, "AuthBytes");
	struct sasl_out out;
	enum sasl_result res;

	if (!sasl_listener(c) || c->authed) {
		KR(k, "ErrorCode")->i = KERR_ILLEGAL_SASL_STATE;
		kv_setstr(KR(k, "ErrorMessage"),
			  c->authed && sasl_listener(c)
			      ? "SaslAuthenticate request received after "
				"successful authentication"
			      : "SaslAuthenticate on a listener without SASL");
		return API_REPLY;
	}
	if (!sc || !sc->s) {
		blog("%s: SaslAuthenticate before SaslHandshake, closing",
		     c->peer);
		KR(k, "ErrorCode")->i = KERR_ILLEGAL_SASL_STATE;
		kv_setstr(KR(k, "ErrorMessage"),
			  "Unexpected SaslAuthenticate request: no SASL "
			  "mechanism was chosen by SaslHandshake");
		c->close_when_sent = true;
		return API_REPLY;
	}
	res = sasl_session_feed(sc->s, (const uint8_t *)ab->s.p,
				ab->s.len > 0 ? (size_t)ab->s.len : 0, &out);
	if (res == SASL_FAILED)
		return failed(k->b, c, k->q, &out);
	kv_setbytes(KR(k, "AuthBytes"), out.data, (int32_t)out.len);
	if (res == SASL_DONE) {
		/* Encode the last token before the session goes. */
		k->encoded = true;
		if (ks_encode(k->rm, k->q->ver, k->resp, &k->r->w))
			return -ENOMEM;
		authenticated(c, sc);
	}
	return API_REPLY;
}

int api_saslauthenticate(struct broker *b, struct conn *c, const struct kreq *q,
			 struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, 4096, authenticate);
}

/* ---- bare tokens after SaslHandshake v0 ---------------------------------- */

int sasl_raw_token(struct broker *b, struct conn *c, uint8_t *tok, size_t len)
{
	struct sasl_conn *sc = c->sasl;
	struct sasl_out out;
	enum sasl_result res;
	struct resp r;

	if (!sc || !sc->s) {
		c->sasl_raw = false;
		return API_BAD;
	}
	res = sasl_session_feed(sc->s, tok, len, &out);
	OPENSSL_cleanse(tok, len);
	if (res == SASL_FAILED)
		return failed(b, c, NULL, &out);
	resp_begin_raw(&r);
	kw_raw(&r.w, out.data, out.len);
	if (r.w.err) {
		resp_abort(&r);
		blog("%s: out of memory answering a SASL token", c->peer);
		return API_BAD;
	}
	if (res == SASL_DONE)
		authenticated(c, sc);
	conn_reply(c, &r);
	return API_REPLY;
}
