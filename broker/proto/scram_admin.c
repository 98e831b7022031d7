/* SPDX-License-Identifier: MIT */
/*
 * scram_admin.c — DescribeUserScramCredentials v0 and
 * AlterUserScramCredentials v0 (KIP-554) over the credential store
 * (security/creds.h).
 *
 * Only super.users may use them, on any listener (Kafka lets anyone when
 * no authorizer is configured; a store of passwords deserves less).
 * Others get CLUSTER_AUTHORIZATION_FAILED. Per user, as Kafka:
 *   describe: RESOURCE_NOT_FOUND for a user without credentials,
 *     DUPLICATE_RESOURCE for a user named twice; no list (null or
 *     empty) describes every user.
 *   alter: one result per user named; UNSUPPORTED_SASL_MECHANISM for a
 *     mechanism other than SCRAM-SHA-256/512, UNACCEPTABLE_CREDENTIAL
 *     for an empty name, salt or salted password, or iterations outside
 *     4096..16384, DUPLICATE_RESOURCE for a (user, mechanism) altered
 *     twice, RESOURCE_NOT_FOUND for deleting what does not exist. A user
 *     with any error has none of its alterations applied. The upsertions
 *     carry the salt and SaltedPassword the client derived; the store
 *     keeps StoredKey/ServerKey from them and is written once per request
 *     (atomic replace): if that fails, every user answers the error and
 *     the store is read back from disk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "blog.h"
#include "broker.h"
#include "proto/ks_handler.h"
#include "security/acl.h"
#include "security/creds.h"

/* Kafka's ScramMechanism wire codes: 0 UNKNOWN, 1 SHA-256, 2 SHA-512. */
static int mech_of_wire(int64_t v)
{
	return v == 1 ? SCRAM_SHA_256 : v == 2 ? SCRAM_SHA_512 : -1;
}

static int8_t wire_of_mech(enum scram_mech m)
{
	return m == SCRAM_SHA_256 ? 1 : 2;
}

static bool same(struct kstr a, struct kstr b)
{
	return a.len == b.len &&
	       (a.len <= 0 || !memcmp(a.p, b.p, (size_t)a.len));
}

static bool allowed(const struct ks_call *k)
{
	return authz_is_super(&k->b->cfg.authz, k->c->principal);
}

/* ---- DescribeUserScramCredentials ---------------------------------------- */

struct names {
	char (*v)[SCRAM_NAME_MAX + 1];
	int32_t n, cap;
};

static void add_name(const char *user, enum scram_mech m,
		     const struct scram_cred *cred, void *arg)
{
	struct names *u = arg;

	if (u->n && !strcmp(u->v[u->n - 1], user))
		return; /* sorted: one entry per user */
	if (u->n < u->cap)
		snprintf(u->v[u->n], sizeof(u->v[0]), "%s", user);
	u->n++;
}

static void count_entry(const char *user, enum scram_mech m,
			const struct scram_cred *cred, void *arg)
{
	(*(size_t *)arg)++;
}

/* Fill one user's result: its credentials, or RESOURCE_NOT_FOUND. */
static int describe_user(struct ks_call *k, const struct ks_struct *rt,
			 struct kv *res, const char *user)
{
	const struct ks_struct *ct = ks_sub(rt, "CredentialInfos");
	struct scram_cred cred;
	int8_t mechs[SCRAM_MECHS];
	int32_t its[SCRAM_MECHS], n = 0;
	struct kv *infos;
	char *copy = ks_alloc(&k->a, strlen(user) + 1);

	if (!copy)
		return -ENOMEM;
	strcpy(copy, user);
	kv_setstr(ks_get(rt, res, "User"), copy);
	for (int m = SCRAM_SHA_256; m <= SCRAM_SHA_512; m++)
		if (!creds_lookup(k->b->creds, user, (enum scram_mech)m,
				  &cred)) {
			mechs[n] = wire_of_mech((enum scram_mech)m);
			its[n++] = cred.iterations;
		}
	OPENSSL_cleanse(&cred, sizeof(cred));
	if (!n) {
		ks_get(rt, res, "ErrorCode")->i = KERR_RESOURCE_NOT_FOUND;
		kv_setstr(ks_get(rt, res, "ErrorMessage"),
			  "Attempt to describe a user credential that does "
			  "not exist");
		return 0;
	}
	if (ks_resize(rt, res, "CredentialInfos", n, &k->a) < 0)
		return -ENOMEM;
	infos = ks_get(rt, res, "CredentialInfos");
	for (int32_t i = 0; i < n; i++) {
		ks_get(ct, &infos->a.v[i], "Mechanism")->i = mechs[i];
		ks_get(ct, &infos->a.v[i], "Iterations")->i = its[i];
	}
	return 0;
}

static int describe(struct ks_call *k)
{
	const struct ks_struct *qt = ks_sub(&k->qm->root, "Users");
	const struct ks_struct *rt = ks_sub(&k->rm->root, "Results");
	struct kv *ask = KQ(k, "Users"), *res;
	bool all = ask->a.n <= 0; /* null or empty: every user */
	struct names u = {0};
	int32_t n;
	size_t entries = 0;
	int rc = 0;

	if (all) {
		creds_each(k->b->creds, count_entry, &entries);
		u.cap = (int32_t)entries;
		u.v = ks_alloc(&k->a, entries * sizeof(*u.v) + 1);
		if (!u.v)
			return -ENOMEM;
		creds_each(k->b->creds, add_name, &u);
	}
	/* Refused: every user named answers the error; nobody is listed. */
	n = all ? (allowed(k) ? u.n : 0) : ask->a.n;
	if (ks_resize(&k->rm->root, k->resp, "Results", n, &k->a) < 0)
		return -ENOMEM;
	res = KR(k, "Results");
	if (!allowed(k)) {
		KR(k, "ErrorCode")->i = KERR_CLUSTER_AUTHORIZATION_FAILED;
		kv_setstr(KR(k, "ErrorMessage"),
			  "Cluster authorization failed.");
	}
	for (int32_t i = 0; i < n && !rc; i++) {
		struct kv *r = &res->a.v[i];
		struct kstr nm;
		char user[SCRAM_NAME_MAX + 1];
		bool dup = false;

		if (all) {
			rc = describe_user(k, rt, r, u.v[i]);
			continue;
		}
		nm = ks_get(qt, &ask->a.v[i], "Name")->s;
		ks_get(rt, r, "User")->s = nm;
		for (int32_t j = 0; j < ask->a.n && !dup; j++)
			dup = j != i &&
			      same(ks_get(qt, &ask->a.v[j], "Name")->s, nm);
		if (!allowed(k)) {
			ks_get(rt, r, "ErrorCode")->i =
			    KERR_CLUSTER_AUTHORIZATION_FAILED;
		} else if (dup) {
			ks_get(rt, r, "ErrorCode")->i = KERR_DUPLICATE_RESOURCE;
			kv_setstr(ks_get(rt, r, "ErrorMessage"),
				  "Cannot describe SCRAM credentials for the "
				  "same user twice in a single request");
		} else if (!kstr_copy(user, sizeof(user), nm) || !user[0]) {
			ks_get(rt, r, "ErrorCode")->i = KERR_RESOURCE_NOT_FOUND;
			kv_setstr(ks_get(rt, r, "ErrorMessage"),
				  "Attempt to describe a user credential that "
				  "does not exist");
		} else {
			rc = describe_user(k, rt, r, user);
		}
	}
	return rc ? rc : API_REPLY;
}

int api_describescram(struct broker *b, struct conn *c, const struct kreq *q,
		      struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, ks_budget(in, 0) + (1u << 20),
			 describe);
}

/* ---- AlterUserScramCredentials ------------------------------------------- */

/* One alteration: a deletion or an upsertion. */
struct alter {
	struct kstr name;
	int64_t wire_mech;
	bool upsert;
	const struct kv *v; /* the upsertion's fields */
};

/* The first error of an alteration taken alone, or KERR_NONE. */
static enum kerr check_one(struct ks_call *k, const struct ks_struct *ut,
			   const struct alter *a, const char **msg)
{
	int m = mech_of_wire(a->wire_mech);
	char user[SCRAM_NAME_MAX + 1];
	struct scram_cred cred;

	if (a->name.len <= 0 || !kstr_copy(user, sizeof(user), a->name)) {
		*msg = "Username must not be empty or longer than 255 bytes";
		return KERR_UNACCEPTABLE_CREDENTIAL;
	}
	if (m < 0) {
		*msg = "Unknown SCRAM mechanism";
		return KERR_UNSUPPORTED_SASL_MECHANISM;
	}
	if (!a->upsert) {
		int found =
		    !creds_lookup(k->b->creds, user, (enum scram_mech)m, &cred);
		OPENSSL_cleanse(&cred, sizeof(cred));
		*msg = "Attempt to delete a user credential that does not "
		       "exist";
		return found ? KERR_NONE : KERR_RESOURCE_NOT_FOUND;
	}
	int64_t it = ks_get(ut, (struct kv *)a->v, "Iterations")->i;
	struct kstr salt = ks_get(ut, (struct kv *)a->v, "Salt")->s;
	struct kstr sp = ks_get(ut, (struct kv *)a->v, "SaltedPassword")->s;
	if (it < SCRAM_MIN_ITERATIONS) {
		*msg = "Too few iterations";
		return KERR_UNACCEPTABLE_CREDENTIAL;
	}
	if (it > SCRAM_MAX_ITERATIONS) {
		*msg = "Too many iterations";
		return KERR_UNACCEPTABLE_CREDENTIAL;
	}
	if (salt.len <= 0 || salt.len > SCRAM_SALT_MAX) {
		*msg = "Salt must be 1 to 64 bytes";
		return KERR_UNACCEPTABLE_CREDENTIAL;
	}
	if (sp.len != (int32_t)scram_key_len((enum scram_mech)m)) {
		*msg = "SaltedPassword must be the mechanism's digest length";
		return KERR_UNACCEPTABLE_CREDENTIAL;
	}
	return KERR_NONE;
}

/* Apply a checked alteration to the store in memory. */
static int apply_one(struct ks_call *k, const struct ks_struct *ut,
		     const struct alter *a)
{
	enum scram_mech m = (enum scram_mech)mech_of_wire(a->wire_mech);
	char user[SCRAM_NAME_MAX + 1];
	struct scram_cred cred = {0};
	int rc;

	kstr_copy(user, sizeof(user), a->name);
	if (!a->upsert)
		return creds_delete(k->b->creds, user, (int)m);
	struct kstr salt = ks_get(ut, (struct kv *)a->v, "Salt")->s;
	struct kstr sp = ks_get(ut, (struct kv *)a->v, "SaltedPassword")->s;
	memcpy(cred.salt, salt.p, (size_t)salt.len);
	cred.salt_len = (size_t)salt.len;
	cred.iterations = (int)ks_get(ut, (struct kv *)a->v, "Iterations")->i;
	rc = scram_derive_salted(m, (const uint8_t *)sp.p, &cred);
	if (!rc)
		rc = creds_set(k->b->creds, user, m, &cred);
	OPENSSL_cleanse(&cred, sizeof(cred));
	return rc;
}

/* The alterations of the request, deletions first (request order). */
static struct alter *collect(struct ks_call *k, int32_t *n)
{
	const struct ks_struct *dt = ks_sub(&k->qm->root, "Deletions");
	const struct ks_struct *ut = ks_sub(&k->qm->root, "Upsertions");
	struct kv *del = KQ(k, "Deletions"), *ups = KQ(k, "Upsertions");
	int32_t nd = del->a.n > 0 ? del->a.n : 0;
	int32_t nu = ups->a.n > 0 ? ups->a.n : 0;
	struct alter *v = ks_alloc(&k->a, (size_t)(nd + nu) * sizeof(*v) + 1);

	if (!v)
		return NULL;
	for (int32_t i = 0; i < nd; i++)
		v[i] = (struct alter){
		    .name = ks_get(dt, &del->a.v[i], "Name")->s,
		    .wire_mech = ks_get(dt, &del->a.v[i], "Mechanism")->i};
	for (int32_t i = 0; i < nu; i++)
		v[nd + i] = (struct alter){
		    .name = ks_get(ut, &ups->a.v[i], "Name")->s,
		    .wire_mech = ks_get(ut, &ups->a.v[i], "Mechanism")->i,
		    .upsert = true,
		    .v = &ups->a.v[i]};
	*n = nd + nu;
	return v;
}

static int alter(struct ks_call *k)
{
	const struct ks_struct *ut = ks_sub(&k->qm->root, "Upsertions");
	const struct ks_struct *rt = ks_sub(&k->rm->root, "Results");
	int32_t n = 0, nusers = 0;
	struct alter *v = collect(k, &n);
	int32_t *user_of = ks_alloc(&k->a, (size_t)n * sizeof(int32_t) + 1);
	struct kv *res;
	bool any = false;
	int rc = 0;

	if (!v || !user_of)
		return -ENOMEM;
	/* One result per distinct user name, in order of appearance. */
	for (int32_t i = 0; i < n; i++) {
		int32_t j = 0;
		while (j < i && !same(v[j].name, v[i].name))
			j++;
		user_of[i] = j < i ? user_of[j] : nusers++;
	}
	if (ks_resize(&k->rm->root, k->resp, "Results", nusers, &k->a) < 0)
		return -ENOMEM;
	res = KR(k, "Results");
	for (int32_t i = 0; i < n; i++)
		ks_get(rt, &res->a.v[user_of[i]], "User")->s = v[i].name;

	for (int32_t i = 0; i < n; i++) {
		struct kv *r = &res->a.v[user_of[i]];
		struct kv *err = ks_get(rt, r, "ErrorCode");
		const char *msg = NULL;
		enum kerr e = KERR_NONE;

		if (err->i)
			continue; /* the user's first error stands */
		if (!allowed(k)) {
			e = KERR_CLUSTER_AUTHORIZATION_FAILED;
			msg = "Cluster authorization failed.";
		}
		for (int32_t j = 0; j < n && !e; j++)
			if (j != i && same(v[j].name, v[i].name) &&
			    mech_of_wire(v[j].wire_mech) >= 0 &&
			    v[j].wire_mech == v[i].wire_mech) {
				e = KERR_DUPLICATE_RESOURCE;
				msg = "A user credential cannot be altered "
				      "twice in the same request";
			}
		if (!e)
			e = check_one(k, ut, &v[i], &msg);
		err->i = e;
		if (e)
			kv_setstr(ks_get(rt, r, "ErrorMessage"), msg);
	}
	for (int32_t i = 0; i < n && !rc; i++)
		if (!ks_get(rt, &res->a.v[user_of[i]], "ErrorCode")->i) {
			rc = apply_one(k, ut, &v[i]);
			any = true;
		}
	if (any && !rc)
		rc = creds_save(k->b->creds);
	if (rc) {
		struct creds *fresh = NULL;
		blog("%s: cannot alter SCRAM credentials: %s", k->c->peer,
		     strerror(-rc));
		/* What is on disk is the truth: take it back. */
		if (!creds_open(&fresh, k->b->cfg.data_dir)) {
			creds_free(k->b->creds);
			k->b->creds = fresh;
		}
		for (int32_t i = 0; i < nusers; i++)
			if (!ks_get(rt, &res->a.v[i], "ErrorCode")->i) {
				ks_get(rt, &res->a.v[i], "ErrorCode")->i =
				    KERR_UNKNOWN;
				kv_setstr(
				    ks_get(rt, &res->a.v[i], "ErrorMessage"),
				    "The credential store could not be "
				    "written");
			}
	} else if (any) {
		blog("%s: SCRAM credentials altered by %s", k->c->peer,
		     k->c->principal);
	}
	return API_REPLY;
}

int api_alterscram(struct broker *b, struct conn *c, const struct kreq *q,
		   struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, ks_budget(in, 0), alter);
}
