/* SPDX-License-Identifier: MIT */
/*
 * tls.c — the server TLS context from Kafka's ssl.* settings, the peer
 * principal, the kernel TLS probe (see tls.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "security/secfile.h"
#include "security/tls.h"

#ifndef TCP_ULP
#define TCP_ULP 31 /* linux/tcp.h */
#endif

void tls_config_init(struct tls_config *c)
{
	memset(c, 0, sizeof(*c));
	c->tls12 = c->tls13 = true; /* Kafka's default: TLSv1.2,TLSv1.3 */
	c->ktls = true;
	c->handshake_ms = 10000;
}

void tls_config_free(struct tls_config *c)
{
	free(c->keystore_location);
	free(c->keystore_key);
	free(c->keystore_chain);
	if (c->key_password)
		OPENSSL_cleanse(c->key_password, strlen(c->key_password));
	free(c->key_password);
	free(c->truststore_location);
	free(c->truststore_certs);
	free(c->cipher_suites);
	tls_config_init(c);
}

static int set_str(char **dst, const char *v)
{
	char *p = strdup(v);

	if (!p)
		return -ENOMEM;
	free(*dst);
	*dst = p;
	return 0;
}

static int bad(char *err, size_t errlen, const char *fmt, const char *arg)
{
	snprintf(err, errlen, fmt, arg);
	return -EINVAL;
}

/* ssl.enabled.protocols: a comma list of TLSv1.2 and TLSv1.3. */
static int set_protocols(struct tls_config *c, const char *v, char *err,
			 size_t errlen)
{
	bool t12 = false, t13 = false;
	const char *p = v;
	char item[16];
	int r;

	while ((r = sec_list_next(&p, ',', item, sizeof(item))) == 1) {
		if (!strcmp(item, "TLSv1.2"))
			t12 = true;
		else if (!strcmp(item, "TLSv1.3"))
			t13 = true;
		else
			break;
	}
	if (r)
		return bad(err, errlen,
			   "ssl.enabled.protocols=%s: only TLSv1.2 and TLSv1.3",
			   v);
	if (!t12 && !t13)
		return bad(err, errlen, "ssl.enabled.protocols=%s: empty", v);
	c->tls12 = t12;
	c->tls13 = t13;
	return 0;
}

int tls_config_set(struct tls_config *c, const char *name, const char *value,
		   char *err, size_t errlen)
{
	static const struct {
		const char *name;
		size_t off;
	} strs[] = {
	    {"ssl.keystore.location",
	     offsetof(struct tls_config, keystore_location)},
	    {"ssl.keystore.key", offsetof(struct tls_config, keystore_key)},
	    {"ssl.keystore.certificate.chain",
	     offsetof(struct tls_config, keystore_chain)},
	    {"ssl.key.password", offsetof(struct tls_config, key_password)},
	    {"ssl.truststore.location",
	     offsetof(struct tls_config, truststore_location)},
	    {"ssl.truststore.certificates",
	     offsetof(struct tls_config, truststore_certs)},
	    {"ssl.cipher.suites", offsetof(struct tls_config, cipher_suites)},
	};

	for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++)
		if (!strcmp(name, strs[i].name))
			return set_str((char **)((char *)c + strs[i].off),
				       value);
	if (!strcmp(name, "ssl.keystore.type") ||
	    !strcmp(name, "ssl.truststore.type"))
		return strcmp(value, "PEM")
			   ? bad(err, errlen, "%s: only PEM is supported", name)
			   : 0;
	if (!strcmp(name, "ssl.protocol"))
		return strcmp(value, "TLS") && strcmp(value, "TLSv1.2") &&
			       strcmp(value, "TLSv1.3")
			   ? bad(err, errlen,
				 "ssl.protocol=%s: TLS, TLSv1.2 "
				 "or TLSv1.3",
				 value)
			   : 0;
	if (!strcmp(name, "ssl.client.auth")) {
		if (!strcmp(value, "none"))
			c->client_auth = TLS_AUTH_NONE;
		else if (!strcmp(value, "requested"))
			c->client_auth = TLS_AUTH_REQUESTED;
		else if (!strcmp(value, "required"))
			c->client_auth = TLS_AUTH_REQUIRED;
		else
			return bad(err, errlen,
				   "ssl.client.auth=%s: none, requested or "
				   "required",
				   value);
		return 0;
	}
	if (!strcmp(name, "ssl.enabled.protocols"))
		return set_protocols(c, value, err, errlen);
	if (!strcmp(name, "zc.ssl.handshake.timeout.ms")) {
		char *end;
		long v;
		errno = 0;
		v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < 1 || v > INT32_MAX)
			return bad(err, errlen,
				   "zc.ssl.handshake.timeout.ms=%s: 1 to "
				   "2147483647",
				   value);
		c->handshake_ms = (int)v;
		return 0;
	}
	if (!strcmp(name, "zc.ssl.ktls")) {
		if (strcmp(value, "true") && strcmp(value, "false"))
			return bad(err, errlen, "zc.ssl.ktls=%s: true or false",
				   value);
		c->ktls = !strcmp(value, "true");
		return 0;
	}
	return -ENOENT;
}

/* ---- the context ------------------------------------------------------- */

static void ssl_err(char *err, size_t errlen, const char *what)
{
	char e[256] = "";
	unsigned long code = ERR_peek_last_error();

	if (code)
		ERR_error_string_n(code, e, sizeof(e));
	ERR_clear_error();
	snprintf(err, errlen, "%s%s%s", what, *e ? ": " : "", e);
}

static BIO *pem_source(const char *path, const char *inline_pem)
{
	if (path)
		return BIO_new_file(path, "r");
	return BIO_new_mem_buf(inline_pem, -1);
}

static int check_dates(X509 *x, const char *what, char *err, size_t errlen)
{
	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0)
		return bad(err, errlen, "%s: certificate expired", what);
	if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0)
		return bad(err, errlen, "%s: certificate not yet valid", what);
	return 0;
}

static int load_keystore(SSL_CTX *ctx, const struct tls_config *c, char *err,
			 size_t errlen)
{
	const char *what =
	    c->keystore_location ? c->keystore_location : "ssl.keystore.key";
	BIO *kb, *cb;
	EVP_PKEY *key;
	X509 *x;
	int n = 0, rc = 0;

	if (c->keystore_location && (c->keystore_key || c->keystore_chain))
		return bad(err, errlen, "%s",
			   "ssl.keystore.location and ssl.keystore.key/"
			   "certificate.chain are exclusive");
	if (!c->keystore_location && (!c->keystore_key || !c->keystore_chain))
		return bad(
		    err, errlen, "%s",
		    "no keystore: set ssl.keystore.location, or "
		    "ssl.keystore.key and ssl.keystore.certificate.chain");
	kb = pem_source(c->keystore_location, c->keystore_key);
	if (!kb) {
		ssl_err(err, errlen, what);
		return -EINVAL;
	}
	key = PEM_read_bio_PrivateKey(kb, NULL, NULL,
				      c->key_password ? c->key_password : "");
	BIO_free(kb);
	if (!key) {
		ssl_err(err, errlen,
			c->key_password ? "cannot read the private key "
					  "(ssl.key.password wrong?)"
					: "cannot read the private key");
		return -EINVAL;
	}
	cb = pem_source(c->keystore_location, c->keystore_chain);
	while (cb && !rc && (x = PEM_read_bio_X509(cb, NULL, NULL, NULL))) {
		rc = check_dates(x, what, err, errlen);
		if (!rc && !(n ? SSL_CTX_add0_chain_cert(ctx, x)
			       : SSL_CTX_use_certificate(ctx, x))) {
			ssl_err(err, errlen, "cannot use the certificate");
			rc = -EINVAL;
		}
		if (!n || rc)
			X509_free(x); /* use_certificate took a reference */
		n++;
	}
	ERR_clear_error(); /* the end of the PEM stream */
	BIO_free(cb);
	if (!rc && !n)
		rc = bad(err, errlen, "%s: no certificate", what);
	if (!rc && !SSL_CTX_use_PrivateKey(ctx, key)) {
		ssl_err(err, errlen, "cannot use the private key");
		rc = -EINVAL;
	}
	if (!rc && !SSL_CTX_check_private_key(ctx)) {
		ssl_err(err, errlen,
			"the private key does not match the certificate");
		rc = -EINVAL;
	}
	EVP_PKEY_free(key);
	return rc;
}

static int load_truststore(SSL_CTX *ctx, const struct tls_config *c, char *err,
			   size_t errlen)
{
	const char *what = c->truststore_location
			       ? c->truststore_location
			       : "ssl.truststore.certificates";
	X509_STORE *st = SSL_CTX_get_cert_store(ctx);
	STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
	BIO *b = pem_source(c->truststore_location, c->truststore_certs);
	X509 *x;
	int n = 0;

	if (!b || !names) {
		sk_X509_NAME_free(names);
		BIO_free(b);
		ssl_err(err, errlen, what);
		return -EINVAL;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		X509_NAME *nm = X509_NAME_dup(X509_get_subject_name(x));
		if (!X509_STORE_add_cert(st, x) || !nm ||
		    !sk_X509_NAME_push(names, nm)) {
			X509_NAME_free(nm);
			X509_free(x);
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			BIO_free(b);
			ssl_err(err, errlen, what);
			return -EINVAL;
		}
		X509_free(x);
		n++;
	}
	ERR_clear_error();
	BIO_free(b);
	if (!n) {
		sk_X509_NAME_free(names);
		return bad(err, errlen, "%s: no certificate", what);
	}
	/* The CAs a client may pick its certificate from (RFC 8446 4.3.2). */
	SSL_CTX_set_client_CA_list(ctx, names);
	return 0;
}

/* ssl.cipher.suites takes IANA names as Java does (e.g.
 * TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) or OpenSSL's; TLS 1.3 suites
 * have one name in both. */
static int set_ciphers(SSL_CTX *ctx, const char *list, char *err, size_t errlen)
{
	char *copy = strdup(list), *save = NULL, *tok;
	char v12[4096] = "", v13[1024] = "";
	STACK_OF(SSL_CIPHER) * all;
	SSL *probe;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	/* Every cipher this libssl knows, to map IANA names. */
	probe = SSL_new(ctx);
	if (probe && SSL_set_cipher_list(probe, "ALL:COMPLEMENTOFALL"))
		all = SSL_get_ciphers(probe);
	else
		all = NULL;
	for (tok = strtok_r(copy, ", ", &save); tok && !rc;
	     tok = strtok_r(NULL, ", ", &save)) {
		const SSL_CIPHER *found = NULL;
		for (int i = 0; all && i < sk_SSL_CIPHER_num(all); i++) {
			const SSL_CIPHER *ci = sk_SSL_CIPHER_value(all, i);
			const char *std = SSL_CIPHER_standard_name(ci);
			if ((std && !strcmp(std, tok)) ||
			    !strcmp(SSL_CIPHER_get_name(ci), tok))
				found = ci;
		}
		if (!strncmp(tok, "TLS_AES_", 8) ||
		    !strncmp(tok, "TLS_CHACHA20_", 13)) {
			if (strlen(v13) + strlen(tok) + 2 > sizeof(v13))
				rc = -EINVAL;
			else
				strcat(strcat(v13, *v13 ? ":" : ""), tok);
		} else if (found) {
			const char *nm = SSL_CIPHER_get_name(found);
			if (strlen(v12) + strlen(nm) + 2 > sizeof(v12))
				rc = -EINVAL;
			else
				strcat(strcat(v12, *v12 ? ":" : ""), nm);
		} else {
			rc = bad(err, errlen, "ssl.cipher.suites: %s: unknown",
				 tok);
		}
	}
	SSL_free(probe);
	free(copy);
	if (rc)
		return rc;
	if ((*v12 && !SSL_CTX_set_cipher_list(ctx, v12)) ||
	    (*v13 && !SSL_CTX_set_ciphersuites(ctx, v13))) {
		ssl_err(err, errlen, "ssl.cipher.suites");
		return -EINVAL;
	}
	if (!*v12 && !*v13)
		return bad(err, errlen, "%s", "ssl.cipher.suites: empty");
	return 0;
}

SSL_CTX *tls_ctx_new(const struct tls_config *c, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	int rc = 0, mode = SSL_VERIFY_NONE;

	if (!ctx) {
		ssl_err(err, errlen, "SSL_CTX_new");
		return NULL;
	}
	if (!SSL_CTX_set_min_proto_version(ctx, c->tls12 ? TLS1_2_VERSION
							 : TLS1_3_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, c->tls13 ? TLS1_3_VERSION
							 : TLS1_2_VERSION)) {
		ssl_err(err, errlen, "ssl.enabled.protocols");
		rc = -EINVAL;
	}
	/* No renegotiation (a CPU sink for clients), no compression
	 * (CRIME), server cipher preference. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
				     SSL_OP_NO_COMPRESSION |
				     SSL_OP_CIPHER_SERVER_PREFERENCE);
#ifdef SSL_OP_ENABLE_KTLS
	if (c->ktls)
		SSL_CTX_set_options(ctx, SSL_OP_ENABLE_KTLS);
#endif
	if (!rc)
		rc = load_keystore(ctx, c, err, errlen);
	if (!rc && (c->truststore_location || c->truststore_certs))
		rc = load_truststore(ctx, c, err, errlen);
	if (!rc && c->client_auth != TLS_AUTH_NONE) {
		if (!c->truststore_location && !c->truststore_certs)
			rc = bad(err, errlen, "%s",
				 "ssl.client.auth needs ssl.truststore."
				 "location");
		mode = SSL_VERIFY_PEER;
		if (c->client_auth == TLS_AUTH_REQUIRED)
			mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	}
	if (!rc && c->cipher_suites)
		rc = set_ciphers(ctx, c->cipher_suites, err, errlen);
	if (rc) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, mode, NULL);
	return ctx;
}

/* ---- the principal ----------------------------------------------------- */

struct out {
	char *p;
	size_t len, cap;
	int full;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n >= o->cap) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = 0;
}

/* RFC 2253 keywords Java knows (X500Principal.getName()); every other
 * attribute is printed as its OID with a #hex DER value. */
static const char *keyword(int nid)
{
	switch (nid) {
	case NID_commonName:
		return "CN";
	case NID_countryName:
		return "C";
	case NID_localityName:
		return "L";
	case NID_stateOrProvinceName:
		return "ST";
	case NID_organizationName:
		return "O";
	case NID_organizationalUnitName:
		return "OU";
	case NID_streetAddress:
		return "STREET";
	case NID_domainComponent:
		return "DC";
	case NID_userId:
		return "UID";
	}
	return NULL;
}

static void hex_der(struct out *o, const ASN1_STRING *v)
{
	static const char d[] = "0123456789abcdef";
	int len = ASN1_STRING_length(v);
	const unsigned char *p = ASN1_STRING_get0_data(v);
	unsigned char hdr[6];
	size_t hl = 0;

	/* Tag (the universal string type) and DER length. */
	hdr[hl++] = (unsigned char)ASN1_STRING_type(v);
	if (len < 128) {
		hdr[hl++] = (unsigned char)len;
	} else {
		int bytes = len > 0xffffff ? 4
			    : len > 0xffff ? 3
			    : len > 0xff   ? 2
					   : 1;
		hdr[hl++] = (unsigned char)(0x80 | bytes);
		for (int i = bytes - 1; i >= 0; i--)
			hdr[hl++] = (unsigned char)(len >> (8 * i));
	}
	put(o, "#", 1);
	for (size_t i = 0; i < hl + (size_t)len; i++) {
		unsigned char b = i < hl ? hdr[i] : p[i - hl];
		char h[2] = {d[b >> 4], d[b & 15]};
		put(o, h, 2);
	}
}

/* An attribute value escaped as RFC 2253 section 2.4 asks. */
static void escaped(struct out *o, const unsigned char *s, int n)
{
	for (int i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (strchr(",=+<>;\"\\", c) && c) {
			put(o, "\\", 1);
			put(o, (const char *)&c, 1);
		} else if ((c == '#' && i == 0) ||
			   (c == ' ' && (i == 0 || i == n - 1))) {
			put(o, "\\", 1);
			put(o, (const char *)&c, 1);
		} else if (c < 0x20 || c == 0x7f) {
			char h[4];
			snprintf(h, sizeof(h), "\\%02x", c);
			put(o, h, 3);
		} else {
			put(o, (const char *)&c, 1);
		}
	}
}

/* One attribute: KEYWORD=escaped value, or OID=#hex DER. */
static void attribute(struct out *o, const X509_NAME_ENTRY *e)
{
	const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
	const ASN1_STRING *v = X509_NAME_ENTRY_get_data(e);
	const char *kw = keyword(OBJ_obj2nid(obj));
	unsigned char *utf8 = NULL;
	char oid[128];
	int ul;

	if (!kw) {
		OBJ_obj2txt(oid, sizeof(oid), obj, 1);
		put(o, oid, strlen(oid));
		put(o, "=", 1);
		hex_der(o, v);
		return;
	}
	put(o, kw, strlen(kw));
	put(o, "=", 1);
	ul = ASN1_STRING_to_UTF8(&utf8, v);
	if (ul >= 0)
		escaped(o, utf8, ul);
	else
		hex_der(o, v);
	OPENSSL_free(utf8);
}

int tls_dn_rfc2253(const X509_NAME *name, char *buf, size_t cap)
{
	struct out o = {buf, 0, cap, 0};
	int n = X509_NAME_entry_count(name);

	if (!cap)
		return -ENOSPC;
	buf[0] = 0;
	/* Most specific RDN first: the reverse of the DER order; the
	 * values of a multi-valued RDN in their DER (SET OF) order. */
	for (int end = n; end > 0;) {
		int set =
		    X509_NAME_ENTRY_set(X509_NAME_get_entry(name, end - 1));
		int start = end - 1;
		while (start > 0 && X509_NAME_ENTRY_set(X509_NAME_get_entry(
					name, start - 1)) == set)
			start--;
		if (end != n)
			put(&o, ",", 1);
		for (int i = start; i < end; i++) {
			if (i != start)
				put(&o, "+", 1);
			attribute(&o, X509_NAME_get_entry(name, i));
		}
		end = start;
	}
	return o.full ? -ENOSPC : 0;
}

int tls_principal(SSL *ssl, char *out, size_t cap)
{
	X509 *peer = SSL_get1_peer_certificate(ssl);
	int rc;

	if (cap < 6)
		return -ENOSPC;
	if (!peer || SSL_get_verify_result(ssl) != X509_V_OK) {
		X509_free(peer);
		return snprintf(out, cap, "User:ANONYMOUS") >= (int)cap
			   ? -ENOSPC
			   : 0;
	}
	memcpy(out, "User:", 6);
	rc = tls_dn_rfc2253(X509_get_subject_name(peer), out + 5, cap - 5);
	X509_free(peer);
	return rc;
}

/* ---- kernel TLS -------------------------------------------------------- */

/* TCP_ULP needs an established TCP socket: make a loopback pair. */
static int probe_ulp(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int l, c = -1, s = -1, rc = 0;

	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return errno;
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &al) < 0 ||
	    (c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(c, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (s = accept(l, NULL, NULL)) < 0)
		rc = errno;
	else if (setsockopt(s, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) < 0)
		rc = errno;
	if (s >= 0)
		close(s);
	if (c >= 0)
		close(c);
	close(l);
	return rc;
}

bool tls_ktls_send_active(SSL *ssl)
{
#if defined(SSL_OP_ENABLE_KTLS) && !defined(OPENSSL_NO_KTLS)
	return BIO_get_ktls_send(SSL_get_wbio(ssl)) > 0;
#else
	(void)ssl;
	return false;
#endif
}

void tls_ktls_probe(struct tls_ktls_info *info)
{
	info->kernel_errno = probe_ulp();
	info->kernel_ulp = info->kernel_errno == 0;
#if defined(SSL_OP_ENABLE_KTLS) && !defined(OPENSSL_NO_KTLS)
	info->openssl = true;
#else
	info->openssl = false;
#endif
}
