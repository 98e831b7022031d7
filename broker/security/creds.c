/* SPDX-License-Identifier: MIT */
/*
 * creds.c — the SCRAM credential store (see creds.h). Body lines:
 *
 *   scram USER MECHANISM ITERATIONS base64(salt) base64(StoredKey)
 *         base64(ServerKey)
 *
 * USER is escaped (secbuf_escaped), so any name fits on one line.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "security/creds.h"
#include "security/secfile.h"

#define CREDS_VERSION 1
#define SALT_BYTES    32

struct cred_entry {
	char user[SCRAM_NAME_MAX + 1];
	enum scram_mech mech;
	struct scram_cred cred;
};

struct creds {
	char path[PATH_MAX];
	struct cred_entry *e;
	size_t n, cap;
};

static int entry_cmp(const struct cred_entry *a, const char *user,
		     enum scram_mech m)
{
	int c = strcmp(a->user, user);

	return c ? c : (int)a->mech - (int)m;
}

/* Index of (user, m), or where it would go (*found = 0). */
static size_t find(const struct creds *c, const char *user, enum scram_mech m,
		   int *found)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = entry_cmp(&c->e[mid], user, m);
		if (!r) {
			*found = 1;
			return mid;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

static int valid_name(const char *user)
{
	size_t n = strlen(user);

	return n > 0 && n <= SCRAM_NAME_MAX;
}

int creds_set(struct creds *c, const char *user, enum scram_mech m,
	      const struct scram_cred *cred)
{
	int found;
	size_t i;

	if (!valid_name(user) || (m != SCRAM_SHA_256 && m != SCRAM_SHA_512) ||
	    cred->iterations < SCRAM_MIN_ITERATIONS ||
	    cred->iterations > SCRAM_MAX_ITERATIONS || !cred->salt_len ||
	    cred->salt_len > SCRAM_SALT_MAX)
		return -EINVAL;
	i = find(c, user, m, &found);
	if (!found) {
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 8;
			struct cred_entry *e = realloc(c->e, cap * sizeof(*e));
			if (!e)
				return -ENOMEM;
			c->e = e;
			c->cap = cap;
		}
		memmove(&c->e[i + 1], &c->e[i], (c->n - i) * sizeof(*c->e));
		c->n++;
		memset(&c->e[i], 0, sizeof(c->e[i]));
		snprintf(c->e[i].user, sizeof(c->e[i].user), "%s", user);
		c->e[i].mech = m;
	}
	c->e[i].cred = *cred;
	return 0;
}

int creds_set_password(struct creds *c, const char *user, enum scram_mech m,
		       const char *password, size_t pw_len, int iterations)
{
	struct scram_cred cred = {.salt_len = SALT_BYTES,
				  .iterations = iterations};
	int rc;

	if (iterations < SCRAM_MIN_ITERATIONS ||
	    iterations > SCRAM_MAX_ITERATIONS || !valid_name(user))
		return -EINVAL;
	if (RAND_bytes(cred.salt, SALT_BYTES) != 1)
		return -EIO;
	rc = scram_derive(m, password, pw_len, &cred);
	if (!rc)
		rc = creds_set(c, user, m, &cred);
	OPENSSL_cleanse(&cred, sizeof(cred));
	return rc;
}

int creds_delete(struct creds *c, const char *user, int m)
{
	int removed = 0;

	for (int k = SCRAM_SHA_256; k <= SCRAM_SHA_512; k++) {
		int found;
		size_t i;
		if (m >= 0 && k != m)
			continue;
		i = find(c, user, (enum scram_mech)k, &found);
		if (!found)
			continue;
		OPENSSL_cleanse(&c->e[i], sizeof(c->e[i]));
		memmove(&c->e[i], &c->e[i + 1], (c->n - i - 1) * sizeof(*c->e));
		c->n--;
		removed++;
	}
	return removed ? 0 : -ENOENT;
}

int creds_lookup(void *arg, const char *user, enum scram_mech m,
		 struct scram_cred *out)
{
	const struct creds *c = arg;
	int found;
	size_t i = find(c, user, m, &found);

	if (!found)
		return -ENOENT;
	*out = c->e[i].cred;
	return 0;
}

void creds_each(const struct creds *c,
		void (*fn)(const char *user, enum scram_mech m,
			   const struct scram_cred *cred, void *arg),
		void *arg)
{
	for (size_t i = 0; i < c->n; i++)
		fn(c->e[i].user, c->e[i].mech, &c->e[i].cred, arg);
}

static int b64_field(const char *s, uint8_t *out, size_t want_min,
		     size_t want_max)
{
	int n = sec_b64_dec(out, want_max, s, strlen(s));

	return n < 0 || (size_t)n < want_min ? -EINVAL : n;
}

/* One body line into the store; -EBADMSG if it is not a valid entry. */
static int parse_line(struct creds *c, char *line)
{
	char *f[8], *end;
	struct scram_cred cred = {0};
	long it;
	int m, n;

	if (sec_fields(line, f, 8) != 7 || strcmp(f[0], "scram") ||
	    sec_unescape(f[1]) || (m = scram_mech_parse(f[2])) < 0)
		return -EBADMSG;
	errno = 0;
	it = strtol(f[3], &end, 10);
	if (errno || *end || it < SCRAM_MIN_ITERATIONS ||
	    it > SCRAM_MAX_ITERATIONS)
		return -EBADMSG;
	cred.iterations = (int)it;
	n = b64_field(f[4], cred.salt, 1, SCRAM_SALT_MAX);
	if (n < 0)
		return -EBADMSG;
	cred.salt_len = (size_t)n;
	size_t kl = scram_key_len((enum scram_mech)m);
	if (b64_field(f[5], cred.stored_key, kl, kl) < 0 ||
	    b64_field(f[6], cred.server_key, kl, kl) < 0)
		return -EBADMSG;
	n = creds_set(c, f[1], (enum scram_mech)m, &cred);
	return n == -ENOMEM ? n : n ? -EBADMSG : 0;
}

int creds_open(struct creds **out, const char *data_dir)
{
	struct creds *c = calloc(1, sizeof(*c));
	char *body = NULL, *line, *save = NULL;
	size_t len;
	int rc;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	if (snprintf(c->path, sizeof(c->path), "%s/%s", data_dir, CREDS_FILE) >=
	    (int)sizeof(c->path)) {
		free(c);
		return -ENAMETOOLONG;
	}
	rc = secfile_load(c->path, "credentials", CREDS_VERSION, &body, &len);
	if (rc == -ENOENT) {
		*out = c;
		return 0;
	}
	for (line = rc ? NULL : strtok_r(body, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save))
		rc = parse_line(c, line);
	if (body) {
		OPENSSL_cleanse(body, len);
		free(body);
	}
	if (rc) {
		creds_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void creds_free(struct creds *c)
{
	if (!c)
		return;
	if (c->e)
		OPENSSL_cleanse(c->e, c->cap * sizeof(*c->e));
	free(c->e);
	free(c);
}

int creds_save(struct creds *c)
{
	struct secbuf b = {0};
	char s[sec_b64_len(SCRAM_SALT_MAX) + 1];
	char k1[sec_b64_len(SCRAM_KEY_MAX) + 1], k2[sizeof(k1)];
	int rc;

	for (size_t i = 0; i < c->n; i++) {
		const struct cred_entry *e = &c->e[i];
		size_t kl = scram_key_len(e->mech);
		sec_b64_enc(s, e->cred.salt, e->cred.salt_len);
		sec_b64_enc(k1, e->cred.stored_key, kl);
		sec_b64_enc(k2, e->cred.server_key, kl);
		secbuf_add(&b, "scram ", 6);
		secbuf_escaped(&b, e->user);
		secbuf_printf(&b, " %s %d %s %s %s\n", scram_mech_name(e->mech),
			      e->cred.iterations, s, k1, k2);
	}
	rc = b.failed ? -ENOMEM
		      : secfile_save(c->path, "credentials", CREDS_VERSION,
				     b.p ? b.p : "", b.len);
	if (b.p)
		OPENSSL_cleanse(b.p, b.len);
	free(b.p);
	return rc;
}
