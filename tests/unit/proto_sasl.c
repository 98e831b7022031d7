/* SPDX-License-Identifier: MIT */
/*
 * proto_sasl.c — SASL on a connection (proto/sasl_api.c) and the SCRAM
 * credential APIs (proto/scram_admin.c), through the broker's own
 * connection code:
 *
 *   - the gate: before authentication on a SASL listener only
 *     ApiVersions, SaslHandshake and SaslAuthenticate are served; any
 *     other request closes the connection;
 *   - SaslHandshake: a mechanism the listener does not enable answers
 *     UNSUPPORTED_SASL_MECHANISM with the enabled list, then closes;
 *     on a PLAINTEXT connection ILLEGAL_SASL_STATE, and it stays;
 *   - SaslAuthenticate before a handshake: ILLEGAL_SASL_STATE, closed;
 *   - PLAIN (KIP-152 form, and bare tokens after a v0 handshake) and
 *     SCRAM-SHA-256 (a client computed here with OpenSSL): principal set,
 *     other requests served after, a second handshake ILLEGAL_SASL_STATE;
 *   - a wrong password: SASL_AUTHENTICATION_FAILED only after
 *     connection.failed.authentication.delay.ms, another connection
 *     served meanwhile, then closed; bare tokens: closed after the delay;
 *   - Describe/AlterUserScramCredentials: refused to a non-super user,
 *     per-user errors as Kafka, upsertions saved and usable for a login.
 */
#include <poll.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "proto/ks_handler.h"
#include "proto_harness.h"
#include "security/acl.h"
#include "security/creds.h"
#include "security/sasl.h"

static struct blisten sasl_all, sasl_512;

static bool nothing_waiting(struct tconn *t)
{
	uint8_t x;
	return read(t->peer, &x, 1) < 0 && errno == EAGAIN;
}

/* Run the loop until t has bytes to read (PLAIN is checked on a worker
 * thread) or five seconds passed (a loaded machine). */
static void wait_answer(struct tconn *t)
{
	for (int i = 0; i < 1000; i++) {
		struct pollfd pfd = {.fd = t->peer, .events = POLLIN};
		if (poll(&pfd, 1, 0) > 0) {
			broker_settle(&th_b); /* frees what closed */
			return;
		}
		th_run(5);
	}
}

static bool closed(struct tconn *t)
{
	uint8_t x;
	return read(t->peer, &x, 1) == 0;
}

/* A connection on listener l, not authenticated yet. */
static void sasl_conn(struct tconn *t, struct blisten *l)
{
	th_conn(t);
	t->c->lst = l;
	t->c->authed = false;
}

static void handshake_req(struct kw *w, int16_t ver, int32_t corr,
			  const char *mech)
{
	th_hdr(w, API_SASL_HANDSHAKE, ver, corr);
	kw_str(w, mech);
}

/* SaslAuthenticate v1 (not flexible). */
static void auth_req(struct kw *w, int32_t corr, const void *p, size_t n)
{
	th_hdr(w, API_SASL_AUTHENTICATE, 1, corr);
	kw_bytes(w, p, (int32_t)n);
}

/* Send a request through the connection's framing and let it run. */
static void feed(struct tconn *t, struct kw *w)
{
	th_feed(t, w);
	broker_settle(&th_b);
}

/* A handshake answer: error code, and whether `mech` is listed. */
static int handshake_answer(struct tconn *t, int32_t corr, const char *mech,
			    int *listed)
{
	struct kr r;
	if (!th_answer(t, corr, &r))
		return -100;
	int err = kr_i16(&r);
	int32_t n = kr_i32(&r);
	*listed = 0;
	for (int32_t i = 0; i < n; i++) {
		struct kstr s = kr_str(&r);
		if (kstr_eq(s, mech))
			(*listed)++;
	}
	return kr_ok(&r) ? err : -101;
}

/* A SaslAuthenticate v1 answer: error, message and token. */
static int auth_answer(struct tconn *t, int32_t corr, char *msg, size_t mcap,
		       uint8_t *tok, size_t *tlen)
{
	struct kr r;
	if (!th_answer(t, corr, &r))
		return -100;
	int err = kr_i16(&r);
	struct kstr m = kr_str(&r);
	struct kstr b = kr_bytes(&r);
	int64_t life = kr_i64(&r);
	if (!kr_ok(&r) || life != 0)
		return -101;
	if (msg && !kstr_copy(msg, mcap, m))
		msg[0] = 0;
	if (tok) {
		*tlen = b.len > 0 ? (size_t)b.len : 0;
		memcpy(tok, b.p, *tlen);
	}
	return err;
}

static void plain_token(char *buf, size_t *n, const char *user, const char *pw)
{
	size_t u = strlen(user), p = strlen(pw);
	buf[0] = 0;
	memcpy(buf + 1, user, u);
	buf[1 + u] = 0;
	memcpy(buf + 2 + u, pw, p);
	*n = 2 + u + p;
}

static int metadata(struct tconn *t, int32_t corr)
{
	struct kw w;
	th_hdr(&w, API_METADATA, 1, corr);
	kw_array(&w, 0);
	return th_send(t, &w);
}

/* ---- a SCRAM-SHA-256 client (RFC 5802), for the test ----------------------
 */

static void hmac256(const uint8_t *k, size_t kl, const void *m, size_t ml,
		    uint8_t *out)
{
	unsigned ol = 32;
	HMAC(EVP_sha256(), k, (int)kl, m, ml, out, &ol);
}

static int b64dec(uint8_t *out, const char *in, size_t n)
{
	return EVP_DecodeBlock(out, (const uint8_t *)in, (int)n);
}

/* dbl: the client nonce twice in client-final, as librdkafka < 2.2
 * sends it (Kafka accepts a nonce that ends with the server's). */
static void scram_login(struct tconn *t, const char *user, const char *pw,
			bool dbl, int *final_err)
{
	const char *cnonce = "clientnonce0123456789";
	char first[256], fin[512], auth[2048], got[512];
	uint8_t tok[512], salt[64], salted[32], ck[32], sk[32], stored[32];
	uint8_t sig[32], proof[32], ssig[32];
	char proof64[64], ssig64[64];
	size_t tl;
	struct kw w;

	snprintf(first, sizeof(first), "n,,n=%s,r=%s", user, cnonce);
	handshake_req(&w, 1, 40, "SCRAM-SHA-256");
	feed(t, &w);
	int listed;
	CHECK_EQ(handshake_answer(t, 40, "SCRAM-SHA-256", &listed), 0);
	auth_req(&w, 41, first, strlen(first));
	feed(t, &w);
	CHECK_EQ(auth_answer(t, 41, NULL, 0, tok, &tl), 0);
	tok[tl] = 0;
	/* r=NONCE,s=SALT,i=N */
	char *r = strstr((char *)tok, "r="), *s = strstr((char *)tok, ",s=");
	char *i = strstr((char *)tok, ",i=");
	if (!r || !s || !i)
		t_fatal("server-first: %s", tok);
	size_t b64n = (size_t)(i - s - 3);
	int sl = b64dec(salt, s + 3, b64n);
	/* EVP_DecodeBlock counts padding as zero bytes. */
	for (size_t k = 1; k <= 2 && k <= b64n; k++)
		sl -= s[3 + b64n - k] == '=';
	int iters = atoi(i + 3);
	PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, sl, iters, EVP_sha256(),
			  32, salted);
	hmac256(salted, 32, "Client Key", 10, ck);
	hmac256(salted, 32, "Server Key", 10, sk);
	EVP_Digest(ck, 32, stored, NULL, EVP_sha256(), NULL);
	snprintf(fin, sizeof(fin), "c=biws,r=%s%.*s", dbl ? cnonce : "",
		 (int)(s - r - 2), r + 2);
	snprintf(auth, sizeof(auth), "%s,%s,%s", first + 3, (char *)tok, fin);
	hmac256(stored, 32, auth, strlen(auth), sig);
	for (int k = 0; k < 32; k++)
		proof[k] = ck[k] ^ sig[k];
	EVP_EncodeBlock((uint8_t *)proof64, proof, 32);
	size_t fl = strlen(fin);
	snprintf(fin + fl, sizeof(fin) - fl, ",p=%s", proof64);
	auth_req(&w, 42, fin, strlen(fin));
	feed(t, &w);
	*final_err = auth_answer(t, 42, got, sizeof(got), tok, &tl);
	if (*final_err == 0) {
		hmac256(sk, 32, auth, strlen(auth), ssig);
		EVP_EncodeBlock((uint8_t *)ssig64, ssig, 32);
		tok[tl] = 0;
		CHECK(!strncmp((char *)tok, "v=", 2));
		CHECK(!strcmp((char *)tok + 2, ssig64));
	}
}

/* ---- the credential APIs --------------------------------------------------
 */

/* Send w (a v0 flexible request) and decode its answer into *v, in a,
 * which the caller frees. 0, or -100 without an answer, -101 malformed. */
static int flex_call(struct tconn *t, struct kw *w, int32_t corr, int key,
		     struct ks_arena *a, struct kv *v)
{
	struct kr r;
	kw_tags0(w);
	ks_arena_init(a, 1 << 20);
	CHECK_EQ(th_send(t, w), API_REPLY);
	if (!th_answer(t, corr, &r))
		return -100;
	kr_tags(&r);
	return ks_decode(ks_resp(key), 0, &r, a, v) ? -101 : 0;
}

/* Describe (v0, flexible): top-level error, then per user `user`, its
 * error and its mechanisms as a bit set. Returns the top-level error. */
static int describe(struct tconn *t, int32_t corr, const char **users, int n,
		    const char *user, int *uerr, int *mechs)
{
	struct kw w;
	th_hdr(&w, API_DESCRIBE_USER_SCRAM_CREDENTIALS, 0, corr);
	kw_tags0(&w);
	if (n < 0) {
		kw_uvarint(&w, 0); /* null: every user */
	} else {
		kw_uvarint(&w, (uint64_t)n + 1);
		for (int i = 0; i < n; i++) {
			kw_cstr(&w, users[i]);
			kw_tags0(&w);
		}
	}
	const struct ks_msg *m = ks_resp(API_DESCRIBE_USER_SCRAM_CREDENTIALS);
	struct ks_arena a;
	struct kv v;
	int rc =
	    flex_call(t, &w, corr, API_DESCRIBE_USER_SCRAM_CREDENTIALS, &a, &v);
	*uerr = -1;
	*mechs = 0;
	if (rc == 0) {
		const struct ks_struct *rt = ks_sub(&m->root, "Results");
		const struct ks_struct *ct = ks_sub(rt, "CredentialInfos");
		struct kv *res = ks_get(&m->root, &v, "Results");
		rc = (int)ks_get(&m->root, &v, "ErrorCode")->i;
		for (int32_t i = 0; i < res->a.n; i++) {
			struct kv *e = &res->a.v[i];
			if (!kstr_eq(ks_get(rt, e, "User")->s, user))
				continue;
			*uerr = (int)ks_get(rt, e, "ErrorCode")->i;
			struct kv *ci = ks_get(rt, e, "CredentialInfos");
			for (int32_t j = 0; j < ci->a.n; j++)
				*mechs |=
				    1
				    << ks_get(ct, &ci->a.v[j], "Mechanism")->i;
		}
	}
	ks_arena_free(&a);
	return rc;
}

struct upsert {
	const char *name;
	int8_t mech;
	int32_t iters;
	const char *pw;
};

/* Alter (v0): deletions (name, mech), upsertions; the result for
 * `user`, or -1 when there is none; *nres: how many results. */
static int alter(struct tconn *t, int32_t corr, const char **del_names,
		 const int8_t *del_mechs, int nd, const struct upsert *u,
		 int nu, const char *user, int *nres)
{
	static const uint8_t salt[16] = "0123456789abcdef";
	struct kw w;
	th_hdr(&w, API_ALTER_USER_SCRAM_CREDENTIALS, 0, corr);
	kw_tags0(&w);
	kw_uvarint(&w, (uint64_t)nd + 1);
	for (int i = 0; i < nd; i++) {
		kw_cstr(&w, del_names[i]);
		kw_i8(&w, del_mechs[i]);
		kw_tags0(&w);
	}
	kw_uvarint(&w, (uint64_t)nu + 1);
	for (int i = 0; i < nu; i++) {
		uint8_t sp[64];
		const EVP_MD *md = u[i].mech == 2 ? EVP_sha512() : EVP_sha256();
		int kl = u[i].mech == 2 ? 64 : 32;
		PKCS5_PBKDF2_HMAC(u[i].pw, (int)strlen(u[i].pw), salt, 16,
				  u[i].iters, md, kl, sp);
		kw_cstr(&w, u[i].name);
		kw_i8(&w, u[i].mech);
		kw_i32(&w, u[i].iters);
		kw_uvarint(&w, 17);
		kw_raw(&w, salt, 16);
		kw_uvarint(&w, (uint64_t)kl + 1);
		kw_raw(&w, sp, (size_t)kl);
		kw_tags0(&w);
	}
	const struct ks_msg *m = ks_resp(API_ALTER_USER_SCRAM_CREDENTIALS);
	struct ks_arena a;
	struct kv v;
	int rc =
	    flex_call(t, &w, corr, API_ALTER_USER_SCRAM_CREDENTIALS, &a, &v);
	if (rc == 0) {
		rc = -1;
		const struct ks_struct *rt = ks_sub(&m->root, "Results");
		struct kv *res = ks_get(&m->root, &v, "Results");
		*nres = res->a.n;
		for (int32_t i = 0; i < res->a.n; i++)
			if (kstr_eq(ks_get(rt, &res->a.v[i], "User")->s, user))
				rc = (int)ks_get(rt, &res->a.v[i], "ErrorCode")
					 ->i;
	}
	ks_arena_free(&a);
	return rc;
}

static void credential_apis(void)
{
	struct tconn P;
	int uerr, mechs, nres;
	const char *alice[] = {"alice"}, *bob[] = {"bob"};
	const char *twice[] = {"alice", "alice"};

	th_conn(&P); /* PLAINTEXT, User:ANONYMOUS */
	CHECK_EQ(describe(&P, 1, alice, 1, "alice", &uerr, &mechs),
		 KERR_CLUSTER_AUTHORIZATION_FAILED);
	CHECK_EQ(uerr, KERR_CLUSTER_AUTHORIZATION_FAILED);
	/* Refused, a describe of everyone lists nobody. */
	CHECK_EQ(describe(&P, 14, NULL, -1, "alice", &uerr, &mechs),
		 KERR_CLUSTER_AUTHORIZATION_FAILED);
	CHECK_EQ(uerr, -1);
	struct upsert carol = {"carol", 1, 4096, "carol-pw"};
	CHECK_EQ(alter(&P, 2, NULL, NULL, 0, &carol, 1, "carol", &nres),
		 KERR_CLUSTER_AUTHORIZATION_FAILED);

	CHECK_EQ(authz_set(&th_b.cfg.authz, "super.users", "User:ANONYMOUS"),
		 0);
	CHECK_EQ(describe(&P, 3, NULL, -1, "alice", &uerr, &mechs), 0);
	CHECK_EQ(uerr, 0);
	CHECK_EQ(mechs, 1 << 1); /* SCRAM-SHA-256 */
	CHECK_EQ(describe(&P, 4, bob, 1, "bob", &uerr, &mechs), 0);
	CHECK_EQ(uerr, KERR_RESOURCE_NOT_FOUND);
	CHECK_EQ(describe(&P, 5, twice, 2, "alice", &uerr, &mechs), 0);
	CHECK_EQ(uerr, KERR_DUPLICATE_RESOURCE);

	/* Upsert carol (both mechanisms); bad ones are refused per user. */
	struct upsert ok[] = {{"carol", 1, 4096, "carol-pw"},
			      {"carol", 2, 8192, "carol-pw"}};
	CHECK_EQ(alter(&P, 6, NULL, NULL, 0, ok, 2, "carol", &nres), 0);
	CHECK_EQ(nres, 1);
	CHECK_EQ(describe(&P, 7, (const char *[]){"carol"}, 1, "carol", &uerr,
			  &mechs),
		 0);
	CHECK_EQ(mechs, (1 << 1) | (1 << 2));
	struct upsert few = {"dave", 1, 100, "x"},
		      many = {"dave", 1, 20000, "x"};
	struct upsert unk = {"erin", 3, 4096, "x"};
	CHECK_EQ(alter(&P, 8, NULL, NULL, 0, &few, 1, "dave", &nres),
		 KERR_UNACCEPTABLE_CREDENTIAL);
	CHECK_EQ(alter(&P, 9, NULL, NULL, 0, &many, 1, "dave", &nres),
		 KERR_UNACCEPTABLE_CREDENTIAL);
	CHECK_EQ(alter(&P, 10, NULL, NULL, 0, &unk, 1, "erin", &nres),
		 KERR_UNSUPPORTED_SASL_MECHANISM);
	struct upsert dup[] = {{"frank", 1, 4096, "a"},
			       {"frank", 1, 4096, "b"},
			       {"gina", 1, 4096, "g"}};
	CHECK_EQ(alter(&P, 11, NULL, NULL, 0, dup, 3, "frank", &nres),
		 KERR_DUPLICATE_RESOURCE);
	CHECK_EQ(nres, 2);
	/* gina, in the same request, is applied. */
	struct scram_cred cred;
	CHECK_EQ(creds_lookup(th_b.creds, "gina", SCRAM_SHA_256, &cred), 0);
	CHECK_EQ(creds_lookup(th_b.creds, "frank", SCRAM_SHA_256, &cred),
		 -ENOENT);
	const char *dn[] = {"nobody"};
	const int8_t dm[] = {1};
	CHECK_EQ(alter(&P, 12, dn, dm, 1, NULL, 0, "nobody", &nres),
		 KERR_RESOURCE_NOT_FOUND);
	const char *dg[] = {"gina"};
	CHECK_EQ(alter(&P, 13, dg, dm, 1, NULL, 0, "gina", &nres), 0);
	CHECK_EQ(creds_lookup(th_b.creds, "gina", SCRAM_SHA_256, &cred),
		 -ENOENT);

	/* Saved: a fresh read of the store has carol, and her password
	 * checks against what the client derived. */
	struct creds *disk;
	CHECK_EQ(creds_open(&disk, th_b.cfg.data_dir), 0);
	CHECK_EQ(creds_lookup(disk, "carol", SCRAM_SHA_512, &cred), 0);
	CHECK_EQ(cred.iterations, 8192);
	CHECK(scram_check_password(SCRAM_SHA_512, &cred, "carol-pw", 8));
	CHECK_EQ(creds_lookup(disk, "gina", SCRAM_SHA_256, &cred), -ENOENT);
	creds_free(disk);
	CHECK_EQ(authz_set(&th_b.cfg.authz, "super.users", "User:admin"), 0);
	close(P.peer);

	/* carol logs in with SCRAM-SHA-256. */
	struct tconn S;
	int err;
	sasl_conn(&S, &sasl_all);
	scram_login(&S, "carol", "carol-pw", true, &err);
	CHECK_EQ(err, 0);
	CHECK(!strcmp(S.c->principal, "User:carol"));
	close(S.peer);
}

int main(void)
{
	struct tconn A, B;
	struct kw w;
	struct kr r;
	char tok[600], msg[256];
	size_t n;
	int listed;

	th_setup();
	sasl_all.l.proto = LP_SASL_PLAINTEXT;
	sasl_all.l.sasl_mechs = 7;
	snprintf(sasl_all.l.name, sizeof(sasl_all.l.name), "SASL_PLAINTEXT");
	sasl_512 = sasl_all;
	sasl_512.l.sasl_mechs = 1u << SASL_SCRAM_SHA_512;
	CHECK_EQ(creds_set_password(th_b.creds, "alice", SCRAM_SHA_256,
				    "alice-pw", 8, 4096),
		 0);

	/* The gate: ApiVersions yes, Metadata closes. */
	sasl_conn(&A, &sasl_all);
	th_hdr(&w, API_API_VERSIONS, 0, 1);
	CHECK_EQ(th_send(&A, &w), API_REPLY);
	CHECK(th_answer(&A, 1, &r));
	CHECK_EQ(metadata(&A, 2), API_BAD);
	th_hdr(&w, API_METADATA, 1, 3);
	kw_array(&w, 0);
	feed(&A, &w);
	CHECK(closed(&A));
	close(A.peer);

	/* A mechanism the listener does not enable. */
	sasl_conn(&A, &sasl_512);
	handshake_req(&w, 1, 1, "PLAIN");
	feed(&A, &w);
	CHECK_EQ(handshake_answer(&A, 1, "SCRAM-SHA-512", &listed),
		 KERR_UNSUPPORTED_SASL_MECHANISM);
	CHECK_EQ(listed, 1);
	CHECK(closed(&A));
	close(A.peer);

	/* SaslAuthenticate before a handshake. */
	sasl_conn(&A, &sasl_all);
	plain_token(tok, &n, "alice", "alice-pw");
	auth_req(&w, 1, tok, n);
	feed(&A, &w);
	CHECK_EQ(auth_answer(&A, 1, NULL, 0, NULL, NULL),
		 KERR_ILLEGAL_SASL_STATE);
	CHECK(closed(&A));
	close(A.peer);

	/* On a PLAINTEXT connection: ILLEGAL_SASL_STATE, still served. */
	th_conn(&A);
	handshake_req(&w, 1, 1, "PLAIN");
	feed(&A, &w);
	CHECK_EQ(handshake_answer(&A, 1, "PLAIN", &listed),
		 KERR_ILLEGAL_SASL_STATE);
	CHECK_EQ(metadata(&A, 2), API_REPLY);
	CHECK(th_answer(&A, 2, &r));
	close(A.peer);

	/* PLAIN, KIP-152 form. */
	sasl_conn(&A, &sasl_all);
	handshake_req(&w, 1, 1, "PLAIN");
	feed(&A, &w);
	CHECK_EQ(handshake_answer(&A, 1, "PLAIN", &listed), 0);
	CHECK_EQ(listed, 1);
	auth_req(&w, 2, tok, n);
	feed(&A, &w);
	wait_answer(&A);
	CHECK_EQ(auth_answer(&A, 2, NULL, 0, NULL, NULL), 0);
	CHECK(A.c->authed);
	CHECK(!strcmp(A.c->principal, "User:alice"));
	CHECK(th_b.sasl_worker != NULL); /* checked off the loop */
	CHECK_EQ(metadata(&A, 3), API_REPLY);
	CHECK(th_answer(&A, 3, &r));
	handshake_req(&w, 1, 4, "PLAIN");
	feed(&A, &w);
	CHECK_EQ(handshake_answer(&A, 4, "PLAIN", &listed),
		 KERR_ILLEGAL_SASL_STATE);
	CHECK(nothing_waiting(&A)); /* still open */
	close(A.peer);

	/* PLAIN after a v0 handshake: a bare token (shorter than any
	 * request), answered by an empty bare token. */
	sasl_conn(&A, &sasl_all);
	handshake_req(&w, 0, 1, "PLAIN");
	feed(&A, &w);
	CHECK_EQ(handshake_answer(&A, 1, "PLAIN", &listed), 0);
	plain_token(tok, &n, "alice", "alice-pw");
	kw_init(&w);
	kw_raw(&w, tok, n);
	feed(&A, &w);
	wait_answer(&A);
	uint8_t four[4];
	CHECK(th_readn(A.peer, four, 4));
	CHECK_EQ(kbe32(four), 0);
	CHECK(A.c->authed);
	CHECK_EQ(metadata(&A, 3), API_REPLY);
	CHECK(th_answer(&A, 3, &r));
	close(A.peer);

	/* A wrong password: the answer waits for the delay, another
	 * connection is served meanwhile, then the connection closes. */
	th_b.cfg.failed_auth_delay_ms = 150;
	sasl_conn(&A, &sasl_all);
	th_conn(&B);
	handshake_req(&w, 1, 1, "PLAIN");
	feed(&A, &w);
	CHECK_EQ(handshake_answer(&A, 1, "PLAIN", &listed), 0);
	plain_token(tok, &n, "alice", "wrong");
	int64_t t0 = ev_now_ms();
	auth_req(&w, 2, tok, n);
	feed(&A, &w);
	CHECK(nothing_waiting(&A));
	CHECK_EQ(metadata(&B, 9), API_REPLY);
	CHECK(th_answer(&B, 9, &r));
	th_run(60);
	CHECK(nothing_waiting(&A));
	wait_answer(&A);
	CHECK(ev_now_ms() - t0 >= 150);
	CHECK_EQ(auth_answer(&A, 2, msg, sizeof(msg), NULL, NULL),
		 KERR_SASL_AUTHENTICATION_FAILED);
	CHECK(strstr(msg, "PLAIN") != NULL);
	CHECK(closed(&A));
	close(A.peer);

	/* Bare tokens, wrong password: closed after the delay, no bytes. */
	sasl_conn(&A, &sasl_all);
	handshake_req(&w, 0, 1, "PLAIN");
	feed(&A, &w);
	CHECK_EQ(handshake_answer(&A, 1, "PLAIN", &listed), 0);
	kw_init(&w);
	kw_raw(&w, tok, n);
	feed(&A, &w);
	CHECK(nothing_waiting(&A));
	wait_answer(&A); /* EOF reads as readable */
	CHECK(closed(&A));
	close(A.peer);

	/* A connection closed while its failure waits: the timer goes with
	 * it (ASan: no use after free when it would have fired). */
	sasl_conn(&A, &sasl_all);
	handshake_req(&w, 1, 1, "PLAIN");
	feed(&A, &w);
	CHECK_EQ(handshake_answer(&A, 1, "PLAIN", &listed), 0);
	auth_req(&w, 2, tok, n);
	feed(&A, &w);
	conn_fail(A.c, NULL);
	broker_settle(&th_b);
	th_run(200);
	close(A.peer);
	th_b.cfg.failed_auth_delay_ms = 100;

	/* SCRAM-SHA-256, and a wrong password for it. */
	sasl_conn(&A, &sasl_all);
	int err;
	scram_login(&A, "alice", "alice-pw", false, &err);
	CHECK_EQ(err, 0);
	CHECK(!strcmp(A.c->principal, "User:alice"));
	close(A.peer);
	sasl_conn(&A, &sasl_all);
	scram_login(&A, "alice", "nope", false, &err);
	CHECK_EQ(err, -100); /* not before the delay */
	wait_answer(&A);
	CHECK_EQ(auth_answer(&A, 42, NULL, 0, NULL, NULL),
		 KERR_SASL_AUTHENTICATION_FAILED);
	close(A.peer);

	credential_apis();

	close(B.peer);
	th_teardown();
	return t_result();
}
