/* SPDX-License-Identifier: MIT */
/*
 * sasl.h — one SASL exchange per connection, whatever the mechanism:
 * PLAIN (RFC 4616, checked against the stored SCRAM keys) or SCRAM
 * (scram.h). The connection code creates a session when SaslHandshake
 * names a mechanism, feeds it each SaslAuthenticate's auth_bytes and
 * answers with what comes out:
 *
 *   SASL_CONTINUE  auth_bytes = out, wait for the next request
 *   SASL_DONE      auth_bytes = out; principal "User:" + sasl_session_user
 *   SASL_FAILED    SASL_AUTHENTICATION_FAILED (58) with out.reason, after
 *                  connection.failed.authentication.delay.ms
 *
 * sasl_session_new returns NULL with -EINVAL in *err for a mechanism not
 * supported (UNSUPPORTED_SASL_MECHANISM, 33).
 */
#ifndef ZC_SASL_H
#define ZC_SASL_H

#include "security/scram.h"

enum sasl_mech {
	SASL_PLAIN = 0,
	SASL_SCRAM_SHA_256 = 1,
	SASL_SCRAM_SHA_512 = 2,
};
#define SASL_MECHS 3

/* "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512" -> enum, else -EINVAL. */
int sasl_mech_parse(const char *name);
const char *sasl_mech_name(enum sasl_mech m);

struct sasl_session;

struct sasl_session *sasl_session_new(enum sasl_mech m, scram_lookup_fn look,
				      void *arg);
enum sasl_result sasl_session_feed(struct sasl_session *s, const uint8_t *in,
				   size_t n, struct sasl_out *out);
/* The authenticated user (after SASL_DONE), else NULL. */
const char *sasl_session_user(const struct sasl_session *s);
void sasl_session_free(struct sasl_session *s);
/* Look credentials up with look(arg) from now on (PLAIN sessions: the
 * exchange may run on another thread, from prefetched keys). */
void sasl_session_set_lookup(struct sasl_session *s, scram_lookup_fn look,
			     void *arg);
/* For tests: a fixed server nonce (SCRAM). */
void sasl_session_set_nonce(struct sasl_session *s, const char *nonce);

/* SaslHandshake: the mechanism a client names, if the listener enables
 * it (enabled: bit 1 << enum sasl_mech); else -EINVAL, answered with
 * UNSUPPORTED_SASL_MECHANISM (33) and the enabled list. */
int sasl_mech_pick(unsigned enabled, const char *name);
/* The enabled mechanisms' names, for that answer; returns how many. */
int sasl_mech_names(unsigned enabled, const char **names, int cap);

/* PLAIN's message (RFC 4616): authzid NUL authcid NUL passwd. Splits it
 * into the three parts (pointers into a copy in buf); 0 or -EINVAL. */
int sasl_plain_parse(const uint8_t *in, size_t n, char *buf, size_t cap,
		     const char **authzid, const char **authcid,
		     const char **passwd);

#endif /* ZC_SASL_H */
