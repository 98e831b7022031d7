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
#include "proto/sasl_int.h"
#include "security/creds.h"
#include "security/sasl.h"

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
	if (sc->job)
		sc->job->sc = NULL; /* the loop drops it when it returns */
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

/* The store as it is at each lookup: a failed AlterUserScramCredentials
 * replaces it (re-read from disk) under sessions in progress. */
static int lookup_now(void *arg, const char *user, enum scram_mech m,
		      struct scram_cred *out)
{
	const struct broker *b = arg;

	return creds_lookup(b->creds, user, m, out);
}

static int handshake(struct ks_call *k)
{
	const struct ks_struct *rt = &k->rm->root;
	struct conn *c = k->c;
	struct kv *err = KR(k, "ErrorCode");
	const char *names[SASL_MECHS];
	char mech[64] = "";
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
		for (char *q = mech; *q; q++) /* a client's bytes in the log */
			if (*q < 0x20 || *q > 0x7e)
				*q = '?';
		blog("%s: SASL mechanism %.64s is not enabled on listener %s, "
		     "closing",
		     c->peer, mech[0] ? mech : "(none or too long)",
		     c->lst->l.name);
		err->i = KERR_UNSUPPORTED_SASL_MECHANISM;
		c->close_when_sent = true;
		return API_REPLY;
	}
	if (!(sc = sasl_conn_get(c)) ||
	    !(sc->s = sasl_session_new((enum sasl_mech)m, lookup_now, k->b)))
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

/* A SaslAuthenticate answer made later (pending reply). */
struct auth_answer {
	enum kerr err;
	const char *msg;
	const uint8_t *data;
	size_t len;
};

static void encode_auth(struct resp *r, int16_t ver, const void *state)
{
	const struct auth_answer *ans = state;
	const struct ks_msg *m = ks_resp(API_SASL_AUTHENTICATE);
	struct ks_arena a;
	struct kv *v;

	ks_arena_init(&a, 4096);
	v = ks_new(m, &a);
	if (!v) {
		r->w.err = true;
	} else {
		ks_get(&m->root, v, "ErrorCode")->i = ans->err;
		kv_setstr(ks_get(&m->root, v, "ErrorMessage"), ans->msg);
		kv_setbytes(ks_get(&m->root, v, "AuthBytes"), ans->data,
			    (int32_t)ans->len);
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
	struct auth_answer ans = {KERR_SASL_AUTHENTICATION_FAILED, sc->msg,
				  NULL, 0};

	if (p)
		preply_answer(p, encode_auth, &ans);
	else
		conn_fail(c, NULL); /* bare tokens: nothing to say */
}

static void on_cancel(struct preply *p, void *arg)
{
	struct sasl_conn *sc = arg;

	sc->p = NULL; /* sasl_conn_free stops the timer */
}

/* Log, then answer through p (NULL: bare tokens, no answer) after the
 * delay, and close. Returns the enum api_result of the request. */
static int failed(struct broker *b, struct conn *c, struct preply *p,
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
	sc->p = p;
	if (p)
		preply_on_cancel(p, on_cancel, sc);
	sc->timer = ev_timer(b->ev, b->cfg.failed_auth_delay_ms, on_delay, sc);
	if (!sc->timer) {
		sc->p = NULL;
		if (!p)
			return API_BAD;
		struct auth_answer ans = {KERR_SASL_AUTHENTICATION_FAILED, NULL,
					  NULL, 0};
		ans.msg = sc->msg;
		preply_answer(p, encode_auth, &ans);
	}
	return p ? API_PENDING : API_NOREPLY;
}

static void job_cancel(struct preply *p, void *arg)
{
	struct plain_job *j = arg;

	j->p = NULL;
}

/* Hand a PLAIN token to the worker; answered by sasl_plain_done. */
static int plain_start(struct broker *b, struct conn *c, const struct kreq *q,
		       const uint8_t *tok, size_t len, bool raw)
{
	struct sasl_conn *sc = c->sasl;
	struct plain_job *j = plain_job_new(b, sc->s, tok, len);

	if (!j)
		return API_BAD;
	sc->s = NULL; /* the job's now */
	if (!(j->p = preply_open(c, q))) {
		plain_job_free(j);
		return API_BAD;
	}
	j->sc = sc;
	j->raw = raw;
	sc->job = j;
	preply_on_cancel(j->p, job_cancel, j);
	if (sasl_plain_submit(b, j)) {
		/* No thread: check here rather than refuse the login. */
		j->res = sasl_session_feed(j->s, j->tok, j->len, &j->out);
		sasl_plain_done(b, j);
	}
	return API_PENDING;
}

void sasl_plain_done(struct broker *b, struct plain_job *j)
{
	struct sasl_conn *sc = j->sc;
	struct conn *c = sc->c;
	struct preply *p = j->p;
	struct resp r;

	sc->job = NULL;
	sc->s = j->s; /* back, with what out points into */
	j->s = NULL;
	if (!p) {
		plain_job_free(j);
		return;
	}
	preply_on_cancel(p, NULL, NULL);
	if (j->res == SASL_FAILED) {
		/* Bare tokens: the place stays unanswered until the close. */
		failed(b, c, j->raw ? NULL : p, &j->out);
	} else if (j->raw) {
		resp_begin_raw(&r);
		kw_raw(&r.w, j->out.data, j->out.len);
		if (j->res == SASL_DONE)
			authenticated(c, sc);
		preply_finish(p, &r);
	} else {
		struct auth_answer ans = {KERR_NONE, NULL, j->out.data,
					  j->out.len};
		preply_answer(p, encode_auth, &ans);
		if (j->res == SASL_DONE)
			authenticated(c, sc);
	}
	plain_job_free(j);
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
	if (sc->mech == SASL_PLAIN) {
		size_t n = ab->s.len > 0 ? (size_t)ab->s.len : 0;
		int rc = plain_start(k->b, c, k->q, (const uint8_t *)ab->s.p, n,
				     false);
		/* The password is in the read buffer. */
		OPENSSL_cleanse((void *)ab->s.p, n);
		return rc;
	}
	res = sasl_session_feed(sc->s, (const uint8_t *)ab->s.p,
				ab->s.len > 0 ? (size_t)ab->s.len : 0, &out);
	if (res == SASL_FAILED) {
		struct preply *p = preply_open(c, k->q);
		return p ? failed(k->b, c, p, &out) : API_BAD;
	}
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
	if (sc->mech == SASL_PLAIN) {
		/* A place in the reply queue for the bare answer. */
		struct kreq q = {.key = API_SASL_AUTHENTICATE};
		int rc = plain_start(b, c, &q, tok, len, true);
		OPENSSL_cleanse(tok, len);
		return rc;
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
