/* SPDX-License-Identifier: MIT */
/*
 * scram.h — SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677), server
 * side, and the key derivation that the credential store and PLAIN share.
 */
#ifndef ZC_SCRAM_H
#define ZC_SCRAM_H

#include <stddef.h>
#include <stdint.h>

enum scram_mech {
	SCRAM_SHA_256 = 0,
	SCRAM_SHA_512 = 1,
};
#define SCRAM_MECHS 2

/* Kafka's bounds for SCRAM iterations (ScramMechanism). */
#define SCRAM_MIN_ITERATIONS 4096
#define SCRAM_MAX_ITERATIONS 16384
#define SCRAM_KEY_MAX	     64 /* SHA-512 */
#define SCRAM_SALT_MAX	     64
#define SCRAM_NAME_MAX	     255 /* user names, bytes */

/* What a server keeps per user and mechanism (RFC 5802 section 3). */
struct scram_cred {
	uint8_t salt[SCRAM_SALT_MAX];
	size_t salt_len;
	int iterations;
	uint8_t stored_key[SCRAM_KEY_MAX];
	uint8_t server_key[SCRAM_KEY_MAX];
};

/* "SCRAM-SHA-256" / "SCRAM-SHA-512" -> mechanism, else -EINVAL. */
int scram_mech_parse(const char *name);
const char *scram_mech_name(enum scram_mech m);
/* Digest length of the mechanism's hash (32 or 64). */
size_t scram_key_len(enum scram_mech m);

/* Derive StoredKey and ServerKey from a password with cred->salt and
 * cred->iterations already set; 0 or -EIO. */
int scram_derive(enum scram_mech m, const char *password, size_t pw_len,
		 struct scram_cred *cred);
/* Same from SaltedPassword (what AlterUserScramCredentials carries). */
int scram_derive_salted(enum scram_mech m, const uint8_t *salted,
			struct scram_cred *cred);
/* Whether password matches cred (constant-time compare of StoredKey). */
int scram_check_password(enum scram_mech m, const struct scram_cred *cred,
			 const char *password, size_t pw_len);

/* Looks up a user's credentials for a mechanism: 0 and *out filled, or
 * -ENOENT. The credential store provides it (creds_lookup). */
typedef int (*scram_lookup_fn)(void *arg, const char *user, enum scram_mech m,
			       struct scram_cred *out);

/* One authentication exchange. */
struct scram_server;

enum sasl_result {
	SASL_CONTINUE = 0, /* send out, wait for the next client message */
	SASL_DONE = 1,	   /* send out (may be empty); authenticated */
	SASL_FAILED = -1,  /* send out if not empty; reason says why */
};

struct sasl_out {
	const uint8_t *data; /* owned by the session, valid until next feed */
	size_t len;
	const char *reason; /* on failure: for the log and the error message */
};

struct scram_server *scram_server_new(enum scram_mech m, scram_lookup_fn look,
				      void *arg);
/* Feed one client message (client-first, then client-final). */
enum sasl_result scram_server_feed(struct scram_server *s, const uint8_t *in,
				   size_t n, struct sasl_out *out);
/* The authenticated user name (after SASL_DONE), else NULL. */
const char *scram_server_user(const struct scram_server *s);
void scram_server_free(struct scram_server *s);

/* For tests: use this server nonce instead of a random one. */
void scram_server_set_nonce(struct scram_server *s, const char *nonce);

#endif /* ZC_SCRAM_H */
