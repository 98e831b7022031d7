/* SPDX-License-Identifier: MIT */
/*
 * sec_scram.c — the SASL server (broker/security/scram.c, sasl.c):
 * RFC 7677's SCRAM-SHA-256 example byte for byte, SCRAM-SHA-512 against a
 * client written here from RFC 5802 section 3, malformed messages, wrong
 * proofs, unknown users, replayed client-final messages, PLAIN.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "helpers.h"
#include "security/creds.h"
#include "security/sasl.h"
#include "security/secfile.h"

/* ---- a store of one or two users --------------------------------------- */

static struct creds *store;

static void add_user(const char *user, enum scram_mech m, const char *pw,
		     const char *salt_b64, int iterations)
{
	struct scram_cred c = {.iterations = iterations};
	int n = sec_b64_dec(c.salt, sizeof(c.salt), salt_b64, strlen(salt_b64));

	if (n <= 0)
		t_fatal("bad salt %s", salt_b64);
	c.salt_len = (size_t)n;
	if (scram_derive(m, pw, strlen(pw), &c) ||
	    creds_set(store, user, m, &c))
		t_fatal("cannot add %s", user);
}

static enum sasl_result feed(struct sasl_session *s, const char *msg,
			     struct sasl_out *out)
{
	return sasl_session_feed(s, (const uint8_t *)msg, strlen(msg), out);
}

static int out_is(const struct sasl_out *o, const char *want)
{
	return o->len == strlen(want) && !memcmp(o->data, want, o->len);
}

/* ---- RFC 7677 section 3 ------------------------------------------------ */

static void rfc7677(void)
{
	struct sasl_session *s;
	struct sasl_out o;

	s = sasl_session_new(SASL_SCRAM_SHA_256, creds_lookup, store);
	CHECK(s);
	/* The session inside: use the RFC's server nonce. */
	sasl_session_set_nonce(s, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
	CHECK_EQ(feed(s, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO", &o),
		 SASL_CONTINUE);
	CHECK(out_is(&o, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
			 "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"));
	CHECK_EQ(feed(s,
		      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
		      "hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		      &o),
		 SASL_DONE);
	CHECK(out_is(&o, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
	CHECK(sasl_session_user(s) && !strcmp(sasl_session_user(s), "user"));
	/* Nothing more is accepted once the exchange ended. */
	CHECK_EQ(feed(s, "n,,n=user,r=x", &o), SASL_FAILED);
	sasl_session_free(s);
}

/* ---- an RFC 5802 client ------------------------------------------------ */

struct client {
	const EVP_MD *md;
	size_t kl;
	char first_bare[512], final[1300];
	uint8_t server_sig[64];
};

static void hmac_(const struct client *c, const uint8_t *k, size_t kl,
		  const char *d, uint8_t *out)
{
	unsigned int n;

	HMAC(c->md, k, (int)kl, (const uint8_t *)d, strlen(d), out, &n);
}

static void client_first(struct client *c, const char *user_enc, char *msg,
			 size_t cap)
{
	uint8_t r[12];
	char nonce[32];

	RAND_bytes(r, sizeof(r));
	sec_b64_enc(nonce, r, sizeof(r));
	snprintf(c->first_bare, sizeof(c->first_bare), "n=%s,r=%s", user_enc,
		 nonce);
	snprintf(msg, cap, "n,,%s", c->first_bare);
}

/* Builds client-final from server-first; 0 or -1 if server-first is
 * malformed. */
static int client_final(struct client *c, const char *pw,
			const struct sasl_out *sf)
{
	char sfirst[1024], *r, *s, *i, auth[4200], wo[1100];
	uint8_t salt[128], salted[64], ck[64], sk[64], stored[64], sig[64];
	uint8_t proof[64];
	char proof_b64[100];
	int sl;

	snprintf(sfirst, sizeof(sfirst), "%.*s", (int)sf->len, sf->data);
	r = strstr(sfirst, "r=");
	s = strstr(sfirst, ",s=");
	i = strstr(sfirst, ",i=");
	if (r != sfirst || !s || !i)
		return -1;
	*s = 0;
	*i = 0;
	sl = sec_b64_dec(salt, sizeof(salt), s + 3, strlen(s + 3));
	if (sl <= 0)
		return -1;
	PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, sl, atoi(i + 3), c->md,
			  (int)c->kl, salted);
	hmac_(c, salted, c->kl, "Client Key", ck);
	EVP_Digest(ck, c->kl, stored, NULL, c->md, NULL);
	snprintf(wo, sizeof(wo), "c=biws,%s", r);
	snprintf(auth, sizeof(auth), "%s,%s,s=%s,i=%s,%s", c->first_bare, r,
		 s + 3, i + 3, wo);
	hmac_(c, stored, c->kl, auth, sig);
	for (size_t k = 0; k < c->kl; k++)
		proof[k] = ck[k] ^ sig[k];
	sec_b64_enc(proof_b64, proof, c->kl);
	snprintf(c->final, sizeof(c->final), "%s,p=%s", wo, proof_b64);
	hmac_(c, salted, c->kl, "Server Key", sk);
	hmac_(c, sk, c->kl, auth, c->server_sig);
	return 0;
}

/* A whole exchange; returns the final result, *server_ok whether the
 * server's signature checked out. */
static enum sasl_result login(enum sasl_mech m, const char *user_enc,
			      const char *pw, int *server_ok, char *final_out)
{
	struct client c = {.md = m == SASL_SCRAM_SHA_512 ? EVP_sha512()
							 : EVP_sha256(),
			   .kl = m == SASL_SCRAM_SHA_512 ? 64 : 32};
	struct sasl_session *s = sasl_session_new(m, creds_lookup, store);
	struct sasl_out o;
	enum sasl_result r;
	char msg[600], v[100] = "v=";

	*server_ok = 0;
	client_first(&c, user_enc, msg, sizeof(msg));
	r = feed(s, msg, &o);
	if (r != SASL_CONTINUE || client_final(&c, pw, &o)) {
		sasl_session_free(s);
		return SASL_FAILED;
	}
	if (final_out)
		strcpy(final_out, c.final);
	r = feed(s, c.final, &o);
	sec_b64_enc(v + 2, c.server_sig, c.kl);
	*server_ok = r == SASL_DONE && out_is(&o, v);
	if (r == SASL_FAILED)
		CHECK(out_is(&o, "e=invalid-proof"));
	sasl_session_free(s);
	return r;
}

static void sha512_round_trip(void)
{
	int ok;
	char final[1300];

	add_user("alice", SCRAM_SHA_512, "s3cret pw", "c2FsdHNhbHRzYWx0", 4096);
	add_user("a,b=c", SCRAM_SHA_512, "x", "c2FsdHNhbHRzYWx0", 5000);
	CHECK_EQ(login(SASL_SCRAM_SHA_512, "alice", "s3cret pw", &ok, final),
		 SASL_DONE);
	CHECK(ok);
	/* saslname escaping: "a,b=c" travels as a=2Cb=3Dc. */
	CHECK_EQ(login(SASL_SCRAM_SHA_512, "a=2Cb=3Dc", "x", &ok, NULL),
		 SASL_DONE);
	CHECK(ok);
	CHECK_EQ(login(SASL_SCRAM_SHA_512, "alice", "s3cret pX", &ok, NULL),
		 SASL_FAILED);
	/* Keys of the other mechanism do not serve this one. */
	CHECK_EQ(login(SASL_SCRAM_SHA_256, "alice", "s3cret pw", &ok, NULL),
		 SASL_FAILED);
	/* An unknown user gets a server-first like anyone, then fails. */
	CHECK_EQ(login(SASL_SCRAM_SHA_512, "mallory", "x", &ok, NULL),
		 SASL_FAILED);

	/* A recorded client-final replayed in a new exchange: its nonce is
	 * not this exchange's. */
	struct sasl_session *s =
	    sasl_session_new(SASL_SCRAM_SHA_512, creds_lookup, store);
	struct sasl_out o;
	CHECK_EQ(feed(s, "n,,n=alice,r=abc", &o), SASL_CONTINUE);
	CHECK_EQ(feed(s, final, &o), SASL_FAILED);
	CHECK(o.reason && strstr(o.reason, "nonce"));
	sasl_session_free(s);
}

static void malformed(void)
{
	static const char *bad_first[] = {
	    "x,,n=user,r=abc",		/* bad cbind flag */
	    "p=tls-unique,,n=user,r=a", /* channel binding not offered */
	    "n,,m=x,n=user,r=abc",	/* mandatory extension */
	    "n,,n=us=2Xer,r=abc",	/* bad saslname escape */
	    "n,,n=us=er,r=abc",		/* raw '=' */
	    "n,,n=,r=abc",		/* empty name */
	    "n,,n=user",		/* no nonce */
	    "n,,n=user,r=",		/* empty nonce */
	    "n,,n=user,r=a b",		/* nonce not printable */
	    "n,a=other,n=user,r=abc",	/* authzid != user */
	    "n,,n=user,r=abc,tokenauth=true",
	    "n,,n=user,r=abc,=x",
	    "n,,r=abc,n=user",
	    "n,n=user,r=abc",
	    "n",
	    "",
	};
	static const char *good_first[] = {
	    "y,,n=user,r=abc",
	    "n,a=user,n=user,r=abc",
	    "n,,n=user,r=abc,x=ignored",
	};
	struct sasl_session *s;
	struct sasl_out o;

	for (size_t i = 0; i < sizeof(bad_first) / sizeof(*bad_first); i++) {
		s = sasl_session_new(SASL_SCRAM_SHA_256, creds_lookup, store);
		if (feed(s, bad_first[i], &o) != SASL_FAILED || !o.reason) {
			fprintf(stderr, "accepted: %s\n", bad_first[i]);
			t_failures++;
		}
		sasl_session_free(s);
	}
	for (size_t i = 0; i < sizeof(good_first) / sizeof(*good_first); i++) {
		s = sasl_session_new(SASL_SCRAM_SHA_256, creds_lookup, store);
		if (feed(s, good_first[i], &o) != SASL_CONTINUE) {
			fprintf(stderr, "refused: %s (%s)\n", good_first[i],
				o.reason);
			t_failures++;
		}
		sasl_session_free(s);
	}
	/* A NUL inside a message. */
	s = sasl_session_new(SASL_SCRAM_SHA_256, creds_lookup, store);
	CHECK_EQ(
	    sasl_session_feed(s, (const uint8_t *)"n,,n=us\0er,r=a", 14, &o),
	    SASL_FAILED);
	sasl_session_free(s);

	/* client-final: each must fail after a good client-first. */
	static const char *bad_final[] = {
	    "c=eSws,r=abcNONCE,p=AAAA", /* "y,," does not match "n,," */
	    "c=biws,r=abcNONCF,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
	    "c=biws,r=abcNONCE",
	    "c=biws,r=abcNONCE,p=AAAA", /* proof too short */
	    "c=biws,r=abcNONCE,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
	    "c=biws,r=abcNONCE,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ",
	    "c=biws,r=abcNONCE,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,"
	    "x=1",
	    "c=bi!s,r=abcNONCE,p=AAAA",
	    "r=abcNONCE,c=biws,p=AAAA",
	};
	for (size_t i = 0; i < sizeof(bad_final) / sizeof(*bad_final); i++) {
		s = sasl_session_new(SASL_SCRAM_SHA_256, creds_lookup, store);
		sasl_session_set_nonce(s, "NONCE");
		CHECK_EQ(feed(s, "n,,n=user,r=abc", &o), SASL_CONTINUE);
		if (feed(s, bad_final[i], &o) != SASL_FAILED || !o.len ||
		    strncmp((const char *)o.data, "e=", 2)) {
			fprintf(stderr, "final accepted: %s\n", bad_final[i]);
			t_failures++;
		}
		sasl_session_free(s);
	}
}

static enum sasl_result plain(const char *msg, size_t n)
{
	struct sasl_session *s =
	    sasl_session_new(SASL_PLAIN, creds_lookup, store);
	struct sasl_out o;
	enum sasl_result r = sasl_session_feed(s, (const uint8_t *)msg, n, &o);

	if (r == SASL_DONE)
		CHECK(!strcmp(sasl_session_user(s), msg + strlen(msg) + 1));
	else
		CHECK(o.reason);
	sasl_session_free(s);
	return r;
}

#define PLAIN(lit) plain(lit, sizeof(lit) - 1)

static void plain_login(void)
{
	CHECK_EQ(PLAIN("\0user\0pencil"), SASL_DONE);	  /* SHA-256 key */
	CHECK_EQ(PLAIN("\0alice\0s3cret pw"), SASL_DONE); /* SHA-512 key */
	CHECK_EQ(PLAIN("user\0user\0pencil"), SASL_DONE);
	CHECK_EQ(PLAIN("admin\0user\0pencil"), SASL_FAILED);
	CHECK_EQ(PLAIN("\0user\0pencil!"), SASL_FAILED);
	CHECK_EQ(PLAIN("\0nobody\0pencil"), SASL_FAILED);
	CHECK_EQ(PLAIN("\0user\0"), SASL_FAILED);
	CHECK_EQ(PLAIN("\0\0pencil"), SASL_FAILED);
	CHECK_EQ(PLAIN("\0user\0pen\0cil"), SASL_FAILED);
	CHECK_EQ(PLAIN("userpencil"), SASL_FAILED);
	CHECK_EQ(PLAIN(""), SASL_FAILED);
}

static void limits(void)
{
	struct scram_cred c = {.salt_len = 4, .iterations = 4095};

	CHECK_EQ(creds_set(store, "x", SCRAM_SHA_256, &c), -EINVAL);
	c.iterations = SCRAM_MAX_ITERATIONS + 1;
	CHECK_EQ(creds_set(store, "x", SCRAM_SHA_256, &c), -EINVAL);
	CHECK_EQ(creds_set_password(store, "x", SCRAM_SHA_256, "p", 1, 1000),
		 -EINVAL);
	CHECK_EQ(sasl_mech_parse("GSSAPI"), -EINVAL);
	CHECK_EQ(sasl_mech_parse("SCRAM-SHA-512"), SASL_SCRAM_SHA_512);
	/* SaslHandshake against a listener's enabled set. */
	const char *names[4];
	unsigned en = 1u << SASL_PLAIN | 1u << SASL_SCRAM_SHA_512;
	CHECK_EQ(sasl_mech_pick(en, "SCRAM-SHA-512"), SASL_SCRAM_SHA_512);
	CHECK_EQ(sasl_mech_pick(en, "SCRAM-SHA-256"), -EINVAL);
	CHECK_EQ(sasl_mech_pick(en, "scram-sha-512"), -EINVAL);
	CHECK_EQ(sasl_mech_names(en, names, 4), 2);
	CHECK(!strcmp(names[0], "PLAIN") && !strcmp(names[1], "SCRAM-SHA-512"));
}

int main(void)
{
	if (creds_open(&store, t_tmpdir()))
		t_fatal("creds_open");
	add_user("user", SCRAM_SHA_256, "pencil",
		 "W22ZaJ0SNY7soEsUEjb6gQ==", 4096);
	rfc7677();
	sha512_round_trip();
	malformed();
	plain_login();
	limits();
	creds_free(store);
	return t_result();
}
