/* SPDX-License-Identifier: MIT */
/*
 * fuzz_scram.c — the SASL message parsers (broker/security/scram.c,
 * sasl.c). Input: one byte choosing the mechanism (low two bits: PLAIN,
 * SCRAM-SHA-256, SCRAM-SHA-512) and whether the server nonce is RFC
 * 7677's (bit 2, so a seed can hold a whole valid exchange), then up to
 * three client messages separated by '\n'.
 *
 * Properties: nothing crashes; every failure has a reason; a session
 * that succeeded names the one stored user, and for PLAIN only with the
 * stored password; after success or failure every further message is
 * refused; a SCRAM failure after client-first answers "e=...".
 */
#include <string.h>

#include "common.h"
#include "security/creds.h"
#include "security/sasl.h"
#include "security/secfile.h"

static struct creds *store;

static void setup(void)
{
	struct scram_cred c = {.iterations = 4096};

	if (store)
		return;
	FZ_ASSERT(creds_open(&store, fz_dir()) == 0);
	c.salt_len = (size_t)sec_b64_dec(c.salt, sizeof(c.salt),
					 "W22ZaJ0SNY7soEsUEjb6gQ==", 24);
	FZ_ASSERT(scram_derive(SCRAM_SHA_256, "pencil", 6, &c) == 0);
	FZ_ASSERT(creds_set(store, "user", SCRAM_SHA_256, &c) == 0);
	FZ_ASSERT(scram_derive(SCRAM_SHA_512, "pencil", 6, &c) == 0);
	FZ_ASSERT(creds_set(store, "user", SCRAM_SHA_512, &c) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum sasl_result r = SASL_CONTINUE;
	struct sasl_session *s;
	struct sasl_out o;
	enum sasl_mech m;
	size_t pos = 1;

	if (!size)
		return 0;
	setup();
	m = (enum sasl_mech)((data[0] & 3) % SASL_MECHS);
	s = sasl_session_new(m, creds_lookup, store);
	FZ_ASSERT(s);
	if (data[0] & 4)
		sasl_session_set_nonce(s, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
	for (int i = 0; i < 3 && pos <= size; i++) {
		const uint8_t *msg = data + pos;
		const uint8_t *nl = memchr(msg, '\n', size - pos);
		size_t n = nl ? (size_t)(nl - msg) : size - pos;
		enum sasl_result prev = r;

		r = sasl_session_feed(s, msg, n, &o);
		pos += n + 1;
		if (prev != SASL_CONTINUE) {
			FZ_ASSERT(r == SASL_FAILED);
		}
		if (r == SASL_FAILED) {
			FZ_ASSERT(o.reason && *o.reason);
			if (m != SASL_PLAIN && i == 1 && prev == SASL_CONTINUE)
				FZ_ASSERT(o.len >= 2 &&
					  !memcmp(o.data, "e=", 2));
		}
		if (r == SASL_DONE) {
			const char *u = sasl_session_user(s);
			FZ_ASSERT(u && !strcmp(u, "user"));
			if (m == SASL_PLAIN)
				FZ_ASSERT(n >= 7 &&
					  !memcmp(msg + n - 7, "\0pencil", 7));
			else
				FZ_ASSERT(o.len > 2 &&
					  !memcmp(o.data, "v=", 2));
		}
		if (r == SASL_CONTINUE)
			FZ_ASSERT(o.len > 0 && !sasl_session_user(s));
	}
	sasl_session_free(s);
	return 0;
}
