/* SPDX-License-Identifier: MIT */
/*
 * scram.c — SCRAM server (RFC 5802 sections 5 and 7; RFC 7677 for the
 * SHA-256 variant; SHA-512 as Kafka's SCRAM-SHA-512).
 *
 *   client-first  = gs2-header client-first-bare
 *   gs2-header    = ("n" / "y" / "p=" cb-name) "," ["a=" saslname] ","
 *   client-first-bare = ["m=" ext ","] "n=" saslname "," "r=" c-nonce
 *                       *("," attr "=" value)
 *   server-first  = "r=" c-nonce s-nonce ",s=" base64(salt) ",i=" count
 *   client-final  = "c=" base64(gs2-header) ",r=" nonce *("," ext) ",p=" proof
 *   server-final  = "v=" base64(ServerSignature) / "e=" error
 *
 * Channel binding is not offered (no -PLUS mechanisms), so "p=" is
 * refused and "y" accepted (RFC 5802 section 6). A mandatory extension
 * ("m=") is refused; unknown optional ones are ignored as the RFC says,
 * except Kafka's "tokenauth" (KIP-48 delegation tokens), which this broker
 * cannot honour and therefore refuses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "security/scram.h"
#include "security/secfile.h"

#define SCRAM_MSG_MAX 4096
#define NONCE_BYTES   18 /* 24 base64 characters */

static const EVP_MD *md_of(enum scram_mech m)
{
	return m == SCRAM_SHA_512 ? EVP_sha512() : EVP_sha256();
}

size_t scram_key_len(enum scram_mech m)
{
	return m == SCRAM_SHA_512 ? 64 : 32;
}

int scram_mech_parse(const char *name)
{
	if (!strcmp(name, "SCRAM-SHA-256"))
		return SCRAM_SHA_256;
	if (!strcmp(name, "SCRAM-SHA-512"))
		return SCRAM_SHA_512;
	return -EINVAL;
}

const char *scram_mech_name(enum scram_mech m)
{
	return m == SCRAM_SHA_512 ? "SCRAM-SHA-512" : "SCRAM-SHA-256";
}

static int hmac(enum scram_mech m, const uint8_t *key, size_t klen,
		const void *data, size_t n, uint8_t *out)
{
	unsigned int len = 0;

	if (!HMAC(md_of(m), key, (int)klen, data, n, out, &len) ||
	    len != scram_key_len(m))
		return -EIO;
	return 0;
}

int scram_derive_salted(enum scram_mech m, const uint8_t *salted,
			struct scram_cred *cred)
{
	size_t kl = scram_key_len(m);
	uint8_t client_key[SCRAM_KEY_MAX];
	int rc;

	rc = hmac(m, salted, kl, "Client Key", 10, client_key);
	if (!rc &&
	    !EVP_Digest(client_key, kl, cred->stored_key, NULL, md_of(m), NULL))
		rc = -EIO;
	if (!rc)
		rc = hmac(m, salted, kl, "Server Key", 10, cred->server_key);
	OPENSSL_cleanse(client_key, sizeof(client_key));
	return rc;
}

/* SaltedPassword = Hi(password, salt, i), which is PBKDF2 (RFC 5802
 * section 2.2). SASLprep is not applied, as Kafka does not. */
static int salted_password(enum scram_mech m, const char *pw, size_t pw_len,
			   const struct scram_cred *cred, uint8_t *out)
{
	if (cred->iterations < 1 || pw_len > 65536 ||
	    !PKCS5_PBKDF2_HMAC(pw, (int)pw_len, cred->salt, (int)cred->salt_len,
			       cred->iterations, md_of(m),
			       (int)scram_key_len(m), out))
		return -EIO;
	return 0;
}

int scram_derive(enum scram_mech m, const char *password, size_t pw_len,
		 struct scram_cred *cred)
{
	uint8_t salted[SCRAM_KEY_MAX];
	int rc = salted_password(m, password, pw_len, cred, salted);

	if (!rc)
		rc = scram_derive_salted(m, salted, cred);
	OPENSSL_cleanse(salted, sizeof(salted));
	return rc;
}

int scram_check_password(enum scram_mech m, const struct scram_cred *cred,
			 const char *password, size_t pw_len)
{
	struct scram_cred c = *cred;

	if (scram_derive(m, password, pw_len, &c))
		return 0;
	return !CRYPTO_memcmp(c.stored_key, cred->stored_key, scram_key_len(m));
}

/* ---- the exchange ------------------------------------------------------ */

enum { ST_FIRST, ST_FINAL, ST_DONE, ST_FAILED };

struct scram_server {
	enum scram_mech mech;
	int state;
	int unknown_user; /* mock credentials, fails at client-final */
	scram_lookup_fn look;
	void *arg;
	struct scram_cred cred;
	char user[SCRAM_NAME_MAX + 1];
	char gs2[SCRAM_MSG_MAX];	  /* gs2-header */
	char first_bare[SCRAM_MSG_MAX];	  /* client-first-message-bare */
	char server_first[SCRAM_MSG_MAX]; /* as sent */
	char nonce[SCRAM_MSG_MAX];	  /* c-nonce + s-nonce */
	char fixed_snonce[64];		  /* tests only */
	char out[SCRAM_MSG_MAX];
	char reason[384];
};

struct scram_server *scram_server_new(enum scram_mech m, scram_lookup_fn look,
				      void *arg)
{
	struct scram_server *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->mech = m;
	s->look = look;
	s->arg = arg;
	return s;
}

void scram_server_free(struct scram_server *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(&s->cred, sizeof(s->cred));
	free(s);
}

void scram_server_set_nonce(struct scram_server *s, const char *nonce)
{
	snprintf(s->fixed_snonce, sizeof(s->fixed_snonce), "%s", nonce);
}

const char *scram_server_user(const struct scram_server *s)
{
	return s->state == ST_DONE ? s->user : NULL;
}

static enum sasl_result fail(struct scram_server *s, struct sasl_out *out,
			     const char *wire_error, const char *fmt,
			     const char *arg)
{
	s->state = ST_FAILED;
	snprintf(s->reason, sizeof(s->reason), fmt, arg);
	out->reason = s->reason;
	out->data = NULL;
	out->len = 0;
	if (wire_error) {
		int n = snprintf(s->out, sizeof(s->out), "e=%s", wire_error);
		out->data = (const uint8_t *)s->out;
		out->len = (size_t)n;
	}
	return SASL_FAILED;
}

/* saslname (RFC 5802 section 5.1): ',' and '=' travel as =2C and =3D; any
 * other '=' is an error. Decodes [p, end) into out; 0 or -EINVAL. */
static int saslname(const char *p, const char *end, char *out, size_t cap)
{
	size_t n = 0;

	for (; p < end; p++) {
		char c = *p;
		if (c == '=') {
			if (end - p >= 3 && !strncmp(p, "=2C", 3))
				c = ',';
			else if (end - p >= 3 && !strncmp(p, "=3D", 3))
				c = '=';
			else
				return -EINVAL;
			p += 2;
		} else if (c == ',') {
			return -EINVAL;
		}
		if (n + 1 >= cap)
			return -EINVAL;
		out[n++] = c;
	}
	out[n] = 0;
	return 0;
}

/* printable = %x21-2B / %x2D-7E (RFC 5802 section 7: the nonce). */
static int printable(const char *p, const char *end)
{
	if (p == end)
		return 0;
	for (; p < end; p++)
		if (*p < 0x21 || *p > 0x7e || *p == ',')
			return 0;
	return 1;
}

/* An optional extension "attr=value": attr one ALPHA (RFC 5802 sec. 7);
 * Kafka's are longer words (KIP-48, KIP-86), so letters are accepted. */
static int extension(const char *p, const char *end, int *is_tokenauth)
{
	const char *eq = memchr(p, '=', (size_t)(end - p));

	if (!eq || eq == p)
		return -EINVAL;
	for (const char *q = p; q < eq; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')))
			return -EINVAL;
	*is_tokenauth = eq - p == 9 && !strncmp(p, "tokenauth", 9);
	return 0;
}

static void mock_cred(struct scram_server *s)
{
	/* An unknown user gets a salt that is stable per name (so probing
	 * twice cannot tell) and fails only at the proof (RFC 5802 sec. 9:
	 * do not reveal which users exist). */
	static uint8_t secret[32];
	static int have_secret;
	uint8_t mac[SCRAM_KEY_MAX];

	if (!have_secret) {
		if (RAND_bytes(secret, sizeof(secret)) != 1)
			memset(secret, 0x5a, sizeof(secret));
		have_secret = 1;
	}
	memset(&s->cred, 0, sizeof(s->cred));
	hmac(s->mech, secret, sizeof(secret), s->user, strlen(s->user), mac);
	memcpy(s->cred.salt, mac, 16);
	s->cred.salt_len = 16;
	s->cred.iterations = SCRAM_MIN_ITERATIONS;
	s->unknown_user = 1;
}

static enum sasl_result client_first(struct scram_server *s, const char *m,
				     size_t n, struct sasl_out *out)
{
	const char *end = m + n, *p = m, *c, *nonce, *nonce_end;
	char authzid[SCRAM_NAME_MAX + 1] = "";
	char snonce[64], salt[sec_b64_len(SCRAM_SALT_MAX) + 1];
	uint8_t rnd[NONCE_BYTES];
	int len, tok = 0;

	/* gs2-cbind-flag */
	if (n >= 2 && !strncmp(p, "p=", 2))
		return fail(s, out, NULL, "%s",
			    "channel binding requested but not supported");
	if (n < 3 || (*p != 'n' && *p != 'y') || p[1] != ',')
		return fail(s, out, NULL, "%s", "malformed gs2 header");
	p += 2;
	/* [authzid] "," */
	c = memchr(p, ',', (size_t)(end - p));
	if (!c)
		return fail(s, out, NULL, "%s", "malformed gs2 header");
	if (c != p) {
		if (c - p < 2 || strncmp(p, "a=", 2) ||
		    saslname(p + 2, c, authzid, sizeof(authzid)))
			return fail(s, out, NULL, "%s",
				    "malformed authorization id");
	}
	p = c + 1;
	if ((size_t)(p - m) >= sizeof(s->gs2))
		return fail(s, out, NULL, "%s", "gs2 header too long");
	memcpy(s->gs2, m, (size_t)(p - m));
	s->gs2[p - m] = 0;
	memcpy(s->first_bare, p, (size_t)(end - p));
	s->first_bare[end - p] = 0;

	if (end - p >= 2 && !strncmp(p, "m=", 2))
		return fail(s, out, NULL, "%s",
			    "mandatory extension not supported");
	/* "n=" saslname "," */
	c = memchr(p, ',', (size_t)(end - p));
	if (!c || c - p < 3 || strncmp(p, "n=", 2))
		return fail(s, out, NULL, "%s", "malformed user name");
	if (saslname(p + 2, c, s->user, sizeof(s->user)) || !*s->user)
		return fail(s, out, NULL, "%s", "invalid user name encoding");
	if (*authzid && strcmp(authzid, s->user))
		return fail(s, out, NULL, "%s",
			    "authorization id differs from the user name");
	/* "r=" c-nonce */
	p = c + 1;
	if (end - p < 2 || strncmp(p, "r=", 2))
		return fail(s, out, NULL, "%s", "missing nonce");
	nonce = p + 2;
	nonce_end = memchr(nonce, ',', (size_t)(end - nonce));
	if (!nonce_end)
		nonce_end = end;
	if (!printable(nonce, nonce_end))
		return fail(s, out, NULL, "%s", "invalid nonce");
	/* *("," extension) */
	for (p = nonce_end; p < end;) {
		const char *q = memchr(p + 1, ',', (size_t)(end - p - 1));
		int t = 0;
		if (!q)
			q = end;
		if (extension(p + 1, q, &t))
			return fail(s, out, NULL, "%s", "malformed extension");
		tok |= t;
		p = q;
	}
	if (tok)
		return fail(s, out, NULL, "%s",
			    "delegation tokens (tokenauth) not supported");

	if (s->look(s->arg, s->user, s->mech, &s->cred))
		mock_cred(s);
	if (s->fixed_snonce[0]) {
		snprintf(snonce, sizeof(snonce), "%s", s->fixed_snonce);
	} else {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return fail(s, out, NULL, "%s", "no random bytes");
		sec_b64_enc(snonce, rnd, sizeof(rnd));
	}
	len = snprintf(s->nonce, sizeof(s->nonce), "%.*s%s",
		       (int)(nonce_end - nonce), nonce, snonce);
	if (len < 0 || (size_t)len >= sizeof(s->nonce))
		return fail(s, out, NULL, "%s", "nonce too long");
	sec_b64_enc(salt, s->cred.salt, s->cred.salt_len);
	len = snprintf(s->server_first, sizeof(s->server_first),
		       "r=%s,s=%s,i=%d", s->nonce, salt, s->cred.iterations);
	if (len < 0 || (size_t)len >= sizeof(s->server_first))
		return fail(s, out, NULL, "%s", "nonce too long");
	s->state = ST_FINAL;
	out->data = (const uint8_t *)s->server_first;
	out->len = (size_t)len;
	return SASL_CONTINUE;
}

static enum sasl_result client_final(struct scram_server *s, const char *m,
				     size_t n, struct sasl_out *out)
{
	const char *end = m + n, *p, *c, *proof;
	size_t kl = scram_key_len(s->mech), nl = strlen(s->nonce), alen;
	uint8_t cb[SCRAM_MSG_MAX], got[SCRAM_KEY_MAX + 3], sig[SCRAM_KEY_MAX];
	uint8_t key[SCRAM_KEY_MAX], stored[SCRAM_KEY_MAX];
	char *auth;
	int len, ok;

	/* "c=" base64(gs2-header [cbind-data]) "," */
	c = memchr(m, ',', n);
	if (!c || c - m < 2 || strncmp(m, "c=", 2))
		return fail(s, out, "other-error", "%s",
			    "malformed channel binding");
	len = sec_b64_dec(cb, sizeof(cb), m + 2, (size_t)(c - m - 2));
	if (len < 0 || (size_t)len != strlen(s->gs2) ||
	    memcmp(cb, s->gs2, (size_t)len))
		return fail(s, out, "channel-bindings-dont-match", "%s",
			    "channel binding does not match the gs2 header");
	/* "r=" nonce: what server-first sent. Kafka's ScramSaslServer only
	 * checks that it ends with it, and librdkafka before 2.2 sends the
	 * client nonce once more in front: accepted, as Kafka does (the
	 * proof covers the message as sent either way). */
	p = c + 1;
	if (end - p < 2 || strncmp(p, "r=", 2))
		return fail(s, out, "other-error", "%s", "missing nonce");
	p += 2;
	c = memchr(p, ',', (size_t)(end - p));
	if (!c || (size_t)(c - p) < nl || memcmp(c - nl, s->nonce, nl))
		return fail(s, out, "other-error", "%s", "nonce mismatch");
	/* The proof is the last attribute: ",p=" base64(ClientProof). */
	proof = NULL;
	for (const char *q = c; q && q < end;
	     q = memchr(q + 1, ',', (size_t)(end - q - 1)))
		proof = q;
	if (!proof || end - proof < 4 || strncmp(proof, ",p=", 3))
		return fail(s, out, "other-error", "%s", "missing proof");
	for (const char *q = c; q < proof;) {
		const char *r = memchr(q + 1, ',', (size_t)(proof - q - 1));
		int t;
		if (!r)
			r = proof;
		if (extension(q + 1, r, &t))
			return fail(s, out, "other-error", "%s",
				    "malformed extension");
		q = r;
	}
	len =
	    sec_b64_dec(got, sizeof(got), proof + 3, (size_t)(end - proof - 3));
	if (len < 0 || (size_t)len != kl)
		return fail(s, out, "invalid-proof", "%s", "malformed proof");

	/* AuthMessage = client-first-bare "," server-first ","
	 *               client-final-without-proof */
	alen = strlen(s->first_bare) + strlen(s->server_first) +
	       (size_t)(proof - m) + 2;
	auth = malloc(alen + 1);
	if (!auth)
		return fail(s, out, "other-error", "%s", "out of memory");
	snprintf(auth, alen + 1, "%s,%s,%.*s", s->first_bare, s->server_first,
		 (int)(proof - m), m);
	ok = !hmac(s->mech, s->cred.stored_key, kl, auth, alen, sig);
	for (size_t i = 0; i < kl; i++)
		key[i] = got[i] ^ sig[i];
	ok = ok && EVP_Digest(key, kl, stored, NULL, md_of(s->mech), NULL);
	ok = ok && !CRYPTO_memcmp(stored, s->cred.stored_key, kl) &&
	     !s->unknown_user;
	if (ok)
		ok = !hmac(s->mech, s->cred.server_key, kl, auth, alen, sig);
	free(auth);
	OPENSSL_cleanse(key, sizeof(key));
	if (!ok)
		return fail(s, out, "invalid-proof",
			    s->unknown_user ? "unknown user %s"
					    : "invalid proof for user %s",
			    s->user);
	memcpy(s->out, "v=", 2);
	sec_b64_enc(s->out + 2, sig, kl);
	s->state = ST_DONE;
	out->data = (const uint8_t *)s->out;
	out->len = strlen(s->out);
	return SASL_DONE;
}

enum sasl_result scram_server_feed(struct scram_server *s, const uint8_t *in,
				   size_t n, struct sasl_out *out)
{
	out->data = NULL;
	out->len = 0;
	out->reason = NULL;
	if (s->state == ST_DONE || s->state == ST_FAILED) {
		s->state = ST_FAILED;
		return fail(s, out, NULL, "%s",
			    "message after the exchange ended");
	}
	/* Bounded, and no NUL: every part is text (RFC 5802 section 7). */
	if (n == 0 || n >= SCRAM_MSG_MAX || memchr(in, 0, n))
		return fail(s, out, s->state == ST_FINAL ? "other-error" : NULL,
			    "%s", "malformed message");
	if (s->state == ST_FIRST)
		return client_first(s, (const char *)in, n, out);
	return client_final(s, (const char *)in, n, out);
}
