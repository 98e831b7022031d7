/* SPDX-License-Identifier: MIT */
/*
 * creds.h — the SCRAM credential store: per user and mechanism the salt,
 * iteration count, StoredKey and ServerKey (RFC 5802 section 3), never a
 * password. Kept in DATA/__credentials (secfile.h: replaced atomically,
 * checksummed); loaded at start.
 */
#ifndef ZC_CREDS_H
#define ZC_CREDS_H

#include "security/scram.h"

#define CREDS_FILE "__credentials"

struct creds;

/* Load data_dir/__credentials (missing: an empty store). 0, -EBADMSG
 * for a damaged file (refused, never silently emptied), other -errno. */
int creds_open(struct creds **out, const char *data_dir);
void creds_free(struct creds *c);
/* Write the store back (atomic replace); 0 or -errno. */
int creds_save(struct creds *c);

/* scram_lookup_fn for sasl.h; arg is the store. */
int creds_lookup(void *arg, const char *user, enum scram_mech m,
		 struct scram_cred *out);
/* Add or replace the user's credentials for m. -EINVAL for a bad name
 * (empty, longer than SCRAM_NAME_MAX) or iterations outside
 * [SCRAM_MIN_ITERATIONS, SCRAM_MAX_ITERATIONS]. Not saved yet. */
int creds_set(struct creds *c, const char *user, enum scram_mech m,
	      const struct scram_cred *cred);
/* creds_set from a password with a fresh random salt. */
int creds_set_password(struct creds *c, const char *user, enum scram_mech m,
		       const char *password, size_t pw_len, int iterations);
/* Remove the user's credentials for m, or for every mechanism when m is
 * -1; 0 or -ENOENT. Not saved yet. */
int creds_delete(struct creds *c, const char *user, int m);
/* Every entry, in the store's order (sorted by user, then mechanism). */
void creds_each(const struct creds *c,
		void (*fn)(const char *user, enum scram_mech m,
			   const struct scram_cred *cred, void *arg),
		void *arg);

#endif /* ZC_CREDS_H */
