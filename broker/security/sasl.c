/* SPDX-License-Identifier: MIT */
/*
 * sasl.c — the per-connection SASL session: PLAIN here, SCRAM in scram.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "security/sasl.h"

/* RFC 4616 section 2: each part at most 255 octets. */
#define PLAIN_PART_MAX 255

struct sasl_session {
	enum sasl_mech mech;
	int done, failed;
	struct scram_server *scram;
	scram_lookup_fn look;
	void *arg;
	char user[SCRAM_NAME_MAX + 1];
	char reason[384];
};

/* The SCRAM mechanisms follow PLAIN in enum sasl_mech, in scram.h's
 * order. */
int sasl_mech_parse(const char *name)
{
	int m;

	if (!strcmp(name, "PLAIN"))
		return SASL_PLAIN;
	m = scram_mech_parse(name);
	return m < 0 ? m : m + SASL_SCRAM_SHA_256;
}

int sasl_mech_pick(unsigned enabled, const char *name)
{
	int m = sasl_mech_parse(name);

	return m >= 0 && (enabled & (1u << m)) ? m : -EINVAL;
}

int sasl_mech_names(unsigned enabled, const char **names, int cap)
{
	int n = 0;

	for (int m = 0; m < SASL_MECHS && n < cap; m++)
		if (enabled & (1u << m))
			names[n++] = sasl_mech_name((enum sasl_mech)m);
	return n;
}

const char *sasl_mech_name(enum sasl_mech m)
{
	if (m == SASL_PLAIN)
		return "PLAIN";
	return scram_mech_name(m == SASL_SCRAM_SHA_512 ? SCRAM_SHA_512
						       : SCRAM_SHA_256);
}

struct sasl_session *sasl_session_new(enum sasl_mech m, scram_lookup_fn look,
				      void *arg)
{
	struct sasl_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->mech = m;
	s->look = look;
	s->arg = arg;
	if (m != SASL_PLAIN) {
		s->scram = scram_server_new(
		    m == SASL_SCRAM_SHA_512 ? SCRAM_SHA_512 : SCRAM_SHA_256,
		    look, arg);
		if (!s->scram) {
			free(s);
			return NULL;
		}
	}
	return s;
}

void sasl_session_free(struct sasl_session *s)
{
	if (!s)
		return;
	scram_server_free(s->scram);
	free(s);
}

const char *sasl_session_user(const struct sasl_session *s)
{
	if (s->scram)
		return scram_server_user(s->scram);
	return s->done ? s->user : NULL;
}

int sasl_plain_parse(const uint8_t *in, size_t n, char *buf, size_t cap,
		     const char **authzid, const char **authcid,
		     const char **passwd)
{
	const uint8_t *a, *b;

	if (n + 1 > cap)
		return -EINVAL;
	a = memchr(in, 0, n);
	b = a ? memchr(a + 1, 0, n - (size_t)(a + 1 - in)) : NULL;
	/* Exactly two NULs; authcid and passwd not empty. */
	if (!b || memchr(b + 1, 0, n - (size_t)(b + 1 - in)) || b == a + 1 ||
	    (size_t)(b + 1 - in) == n)
		return -EINVAL;
	if (a - in > PLAIN_PART_MAX || b - a - 1 > PLAIN_PART_MAX ||
	    n - (size_t)(b + 1 - in) > PLAIN_PART_MAX)
		return -EINVAL;
	memcpy(buf, in, n);
	buf[n] = 0;
	*authzid = buf;
	*authcid = buf + (a + 1 - in);
	*passwd = buf + (b + 1 - in);
	return 0;
}

static enum sasl_result plain_fail(struct sasl_session *s, struct sasl_out *out,
				   const char *why, const char *user)
{
	s->failed = 1;
	snprintf(s->reason, sizeof(s->reason), "%s%s%s", why,
		 user ? " for user " : "", user ? user : "");
	out->reason = s->reason;
	return SASL_FAILED;
}

static enum sasl_result plain_feed(struct sasl_session *s, const uint8_t *in,
				   size_t n, struct sasl_out *out)
{
	char buf[3 * (PLAIN_PART_MAX + 1)];
	const char *zid, *cid, *pw;
	struct scram_cred cred;
	int found = 0, ok = 0;

	if (s->done || s->failed)
		return plain_fail(s, out, "message after the exchange ended",
				  NULL);
	if (sasl_plain_parse(in, n, buf, sizeof(buf), &zid, &cid, &pw))
		return plain_fail(s, out, "malformed PLAIN message", NULL);
	snprintf(s->user, sizeof(s->user), "%s", cid);
	/* Kafka's PlainSaslServer: an authzid, if any, must be the user. */
	if (*zid && strcmp(zid, cid)) {
		OPENSSL_cleanse(buf, sizeof(buf));
		return plain_fail(s, out,
				  "authorization id differs from the user name",
				  s->user);
	}
	/* Whichever SCRAM key the user has; SHA-256 first (cheaper). */
	for (int m = SCRAM_SHA_256; m <= SCRAM_SHA_512 && !found; m++) {
		if (s->look(s->arg, cid, (enum scram_mech)m, &cred))
			continue;
		found = 1;
		ok = scram_check_password((enum scram_mech)m, &cred, pw,
					  strlen(pw));
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(&cred, sizeof(cred));
	if (!found)
		return plain_fail(s, out, "unknown user", s->user);
	if (!ok)
		return plain_fail(s, out, "invalid password", s->user);
	s->done = 1;
	return SASL_DONE;
}

enum sasl_result sasl_session_feed(struct sasl_session *s, const uint8_t *in,
				   size_t n, struct sasl_out *out)
{
	out->data = NULL;
	out->len = 0;
	out->reason = NULL;
	if (s->scram)
		return scram_server_feed(s->scram, in, n, out);
	return plain_feed(s, in, n, out);
}

void sasl_session_set_nonce(struct sasl_session *s, const char *nonce)
{
	if (s->scram)
		scram_server_set_nonce(s->scram, nonce);
}

void sasl_session_set_lookup(struct sasl_session *s, scram_lookup_fn look,
			     void *arg)
{
	s->look = look;
	s->arg = arg;
}
