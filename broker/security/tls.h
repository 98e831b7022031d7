/* SPDX-License-Identifier: MIT */
/*
 * tls.h — a server TLS context from Kafka's ssl.* settings (PEM keystore
 * and truststore, as ssl.keystore.type=PEM), the client principal from a
 * certificate as Kafka's default rule names it, and a probe for kernel
 * TLS (the TLS ULP, tls(7)) and OpenSSL's KTLS support.
 *
 * The connection code makes one context per SSL or SASL_SSL listener
 * (tls_ctx_new), an SSL per accepted socket (SSL_new + SSL_set_fd +
 * SSL_set_accept_state), drives SSL_do_handshake from the event loop
 * (WANT_READ/WANT_WRITE), then takes tls_principal for SSL listeners.
 */
#ifndef ZC_TLS_H
#define ZC_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

enum tls_client_auth {
	TLS_AUTH_NONE = 0,
	TLS_AUTH_REQUESTED = 1,
	TLS_AUTH_REQUIRED = 2,
};

/* The settings, as given (strings are malloc'ed copies). */
struct tls_config {
	char *keystore_location;   /* ssl.keystore.location */
	char *keystore_key;	   /* ssl.keystore.key (inline PEM) */
	char *keystore_chain;	   /* ssl.keystore.certificate.chain */
	char *key_password;	   /* ssl.key.password */
	char *truststore_location; /* ssl.truststore.location */
	char *truststore_certs;	   /* ssl.truststore.certificates (inline) */
	char *cipher_suites;	   /* ssl.cipher.suites, comma-separated */
	enum tls_client_auth client_auth; /* ssl.client.auth */
	bool tls12, tls13;		  /* ssl.enabled.protocols */
	bool ktls; /* zc.ssl.ktls: hand keys to the kernel */
	/* zc.ssl.handshake.timeout.ms: a client that has not finished its
	 * handshake by then is closed (default 10000). */
	int handshake_ms;
};

void tls_config_init(struct tls_config *c);
void tls_config_free(struct tls_config *c);
/* Apply one setting; 0, -EINVAL (bad value: err says why), -ENOENT (not
 * a TLS setting). Accepted: the ssl.* names above, ssl.keystore.type and
 * ssl.truststore.type (PEM only), ssl.protocol (TLS, TLSv1.2, TLSv1.3). */
int tls_config_set(struct tls_config *c, const char *name, const char *value,
		   char *err, size_t errlen);

/* The server context: key and chain loaded and matched, certificates
 * within their validity, truststore and client-auth mode, protocol and
 * cipher limits. NULL with err filled when anything is wrong. */
SSL_CTX *tls_ctx_new(const struct tls_config *c, char *err, size_t errlen);

/* "User:" + the peer certificate's subject in RFC 2253 form as Java's
 * X500Principal.getName() prints it (Kafka's DefaultKafkaPrincipalBuilder
 * with ssl.principal.mapping.rules=DEFAULT), or "User:ANONYMOUS" without
 * a certificate. 0, or -ENOSPC if cap is too small. */
int tls_principal(SSL *ssl, char *out, size_t cap);
/* The same for a name (tests, logs). */
int tls_dn_rfc2253(const X509_NAME *name, char *out, size_t cap);

/* What this machine offers for kernel TLS. */
struct tls_ktls_info {
	bool kernel_ulp;  /* setsockopt(TCP_ULP, "tls") worked */
	int kernel_errno; /* why not (ENOENT: no tls module) */
	bool openssl;	  /* libssl built with KTLS (SSL_OP_ENABLE_KTLS) */
};
void tls_ktls_probe(struct tls_ktls_info *info);
/* Whether OpenSSL handed this connection's send keys to the kernel after
 * the handshake (then SSL_sendfile(3) sends file pages without copying
 * them through user space; else SSL_write). */
bool tls_ktls_send_active(SSL *ssl);

#endif /* ZC_TLS_H */
