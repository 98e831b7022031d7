/* SPDX-License-Identifier: MIT */
/*
 * sec_tls.c — the server TLS context (broker/security/tls.c): a CA and
 * certificates made here with the openssl CLI (valid, expired, untrusted,
 * encrypted key), contexts that load or are refused, non-blocking
 * handshakes over a socketpair between an OpenSSL client and the server
 * context (mutual TLS accepted and refused, protocol and cipher limits, a
 * plaintext Kafka request on the TLS port), the client principal as
 * Kafka's default rule prints it, and the kernel TLS probe.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "helpers.h"
#include "security/tls.h"

static char dir[4096];

static const char *P(const char *name)
{
	static char buf[4][4200];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void make_certs(void)
{
	char cmd[8192];
	/* EC keys: quick to make. "openssl ca" is the CLI's way to set
	 * dates in the past (x509 -days refuses negative numbers). */
	snprintf(
	    cmd, sizeof(cmd),
	    "set -e; cd '%s'\n"
	    "key() { openssl genpkey -algorithm EC -pkeyopt "
	    "ec_paramgen_curve:prime256v1 -out $1; }\n"
	    "key ca.key; key other.key; key srv.key; key cli.key; key old.key\n"
	    "openssl req -x509 -new -key ca.key -out ca.pem -days 30 "
	    "-subj '/CN=zcio test CA'\n"
	    "openssl req -x509 -new -key other.key -out other.pem -days 30 "
	    "-subj '/CN=other CA'\n"
	    "sign() { openssl req -new -key $1.key -subj \"$2\" -out $1.csr; "
	    "openssl x509 -req -in $1.csr -CA $3.pem -CAkey $3.key "
	    "-CAcreateserial -days 30 -out $1.pem; }\n"
	    "sign srv '/CN=localhost' ca\n"
	    "sign cli '/C=DE/O=Acme, Inc./OU=eng+UID=a1/CN=alice/"
	    "emailAddress=a@x.org' ca\n"
	    "cp cli.key stranger.key; sign stranger '/CN=stranger' other\n"
	    "touch index.txt; echo 01 > serial\n"
	    "printf '[ca]\\ndefault_ca=d\\n[d]\\ndatabase=index.txt\\n"
	    "new_certs_dir=.\\nserial=serial\\ndefault_md=sha256\\npolicy=p\\n"
	    "[p]\\ncommonName=supplied\\n' > ca.cnf\n"
	    "openssl req -new -key old.key -subj /CN=old -out old.csr\n"
	    "openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key "
	    "-in old.csr -out old.pem -startdate 20200101000000Z "
	    "-enddate 20200201000000Z -notext\n"
	    "cat srv.key srv.pem ca.pem > keystore.pem\n"
	    "cat old.key old.pem > old-keystore.pem\n"
	    "cat cli.key srv.pem > mismatch.pem\n"
	    "openssl pkey -in srv.key -aes256 -passout pass:s3cret "
	    "-out srv-enc.key\n"
	    "cat srv-enc.key srv.pem > enc-keystore.pem\n",
	    dir);
	strcat(cmd, ") >/dev/null 2>&1");
	memmove(cmd + 1, cmd, strlen(cmd) + 1);
	cmd[0] = '(';
	if (system(cmd) != 0)
		t_fatal("openssl could not make the certificates");
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[4][16384];
	static int i;
	size_t n;

	if (!f)
		t_fatal("%s", path);
	i = (i + 1) % 4;
	n = fread(buf[i], 1, sizeof(buf[i]) - 1, f);
	buf[i][n] = 0;
	fclose(f);
	return buf[i];
}

/* A server context from settings "name=value" (NULL-terminated). */
static SSL_CTX *server(const char *const *set, char *err, size_t errlen)
{
	struct tls_config c;
	SSL_CTX *ctx;

	tls_config_init(&c);
	for (; *set; set++) {
		char name[128];
		const char *eq = strchr(*set, '=');
		snprintf(name, sizeof(name), "%.*s", (int)(eq - *set), *set);
		if (tls_config_set(&c, name, eq + 1, err, errlen)) {
			tls_config_free(&c);
			return NULL;
		}
	}
	ctx = tls_ctx_new(&c, err, errlen);
	tls_config_free(&c);
	return ctx;
}

static SSL_CTX *client(const char *cert, const char *key, int max_version)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());

	SSL_CTX_load_verify_locations(c, P("ca.pem"), NULL);
	SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
	if (max_version)
		SSL_CTX_set_max_proto_version(c, max_version);
	if (cert && (!SSL_CTX_use_certificate_file(c, cert, SSL_FILETYPE_PEM) ||
		     !SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM)))
		t_fatal("client certificate %s", cert);
	return c;
}

/* Drive both ends over a non-blocking socketpair until both finish or
 * one fails; after a handshake, one record each way (TLS 1.3 reports a
 * refused client certificate at the first read). Returns 1 if both
 * succeeded; principal gets the server side's tls_principal. */
/* Over TCP, bytes written may not be readable at once: wait a little
 * for either side to have input. */
static void settle(const int sv[2])
{
	struct pollfd p[2] = {{.fd = sv[0], .events = POLLIN},
			      {.fd = sv[1], .events = POLLIN}};

	poll(p, 2, 20);
}

static int use_tcp;   /* a loopback TCP pair instead of a socketpair */
static int last_ktls; /* the server side's kTLS send state after it */

static int handshake(SSL_CTX *sctx, SSL_CTX *cctx, char *principal, size_t cap)
{
	int sv[2], ok = 0, sdone = 0, cdone = 0;
	SSL *s, *c;

	if (use_tcp) {
		if (t_tcp_pair(sv))
			t_fatal("tcp pair");
		fcntl(sv[0], F_SETFL, O_NONBLOCK);
		fcntl(sv[1], F_SETFL, O_NONBLOCK);
	} else if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv)) {
		t_fatal("socketpair");
	}
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	SSL_set_fd(s, sv[0]);
	SSL_set_fd(c, sv[1]);
	SSL_set_accept_state(s);
	SSL_set_connect_state(c);
	SSL_set_tlsext_host_name(c, "localhost");
	SSL_set1_host(c, "localhost");
	for (int i = 0; i < 200 && !(sdone && cdone); i++) {
		int r;
		if (i)
			settle(sv);
		if (!sdone) {
			r = SSL_do_handshake(s);
			if (r == 1)
				sdone = 1;
			else if (SSL_get_error(s, r) != SSL_ERROR_WANT_READ &&
				 SSL_get_error(s, r) != SSL_ERROR_WANT_WRITE)
				goto out;
		}
		if (!cdone) {
			r = SSL_do_handshake(c);
			if (r == 1)
				cdone = 1;
			else if (SSL_get_error(c, r) != SSL_ERROR_WANT_READ &&
				 SSL_get_error(c, r) != SSL_ERROR_WANT_WRITE)
				goto out;
		}
	}
	if (!sdone || !cdone)
		goto out;
	/* One record each way. */
	char buf[16];
	int got_s = 0, got_c = 0;
	if (SSL_write(c, "ping", 4) != 4)
		goto out;
	for (int i = 0; i < 50 && !(got_s && got_c); i++) {
		if (i)
			settle(sv);
		if (!got_s && SSL_read(s, buf, sizeof(buf)) == 4 &&
		    !memcmp(buf, "ping", 4)) {
			got_s = 1;
			if (SSL_write(s, "pong", 4) != 4)
				goto out;
		}
		if (got_s && SSL_read(c, buf, sizeof(buf)) == 4 &&
		    !memcmp(buf, "pong", 4))
			got_c = 1;
		if (!got_s && SSL_get_error(s, -1) == SSL_ERROR_SSL)
			goto out;
	}
	if (!got_s || !got_c)
		goto out;
	ok = 1;
	last_ktls = tls_ktls_send_active(s);
	if (principal && tls_principal(s, principal, cap))
		ok = 0;
out:
	ERR_clear_error();
	SSL_free(s);
	SSL_free(c);
	close(sv[0]);
	close(sv[1]);
	return ok;
}

static void loads(void)
{
	char err[512];
	SSL_CTX *ctx;
	const char *ks = P("keystore.pem");
	char set[8][9000];

#define TRY(expect_ok, ...)                                                    \
	do {                                                                   \
		const char *v_[] = {__VA_ARGS__, NULL};                        \
		err[0] = 0;                                                    \
		ctx = server(v_, err, sizeof(err));                            \
		if (!!ctx != (expect_ok)) {                                    \
			fprintf(stderr, "%s:%d: context %s: %s\n", __FILE__,   \
				__LINE__, ctx ? "loaded" : "refused", err);    \
			t_failures++;                                          \
		}                                                              \
		SSL_CTX_free(ctx);                                             \
	} while (0)

	snprintf(set[0], sizeof(set[0]), "ssl.keystore.location=%s", ks);
	TRY(1, set[0]);
	snprintf(set[1], sizeof(set[1]), "ssl.keystore.location=%s",
		 P("old-keystore.pem"));
	TRY(0, set[1]);
	CHECK(strstr(err, "expired"));
	snprintf(set[2], sizeof(set[2]), "ssl.keystore.location=%s",
		 P("mismatch.pem"));
	TRY(0, set[2]);
	snprintf(set[3], sizeof(set[3]), "ssl.keystore.location=%s",
		 P("enc-keystore.pem"));
	TRY(0, set[3]);
	TRY(0, set[3], "ssl.key.password=wrong");
	TRY(1, set[3], "ssl.key.password=s3cret");
	TRY(0, "ssl.keystore.location=/nonexistent/ks.pem");
	TRY(0, "ssl.keystore.type=JKS");
	TRY(0, set[0], "ssl.enabled.protocols=TLSv1.1");
	TRY(0, set[0], "ssl.enabled.protocols=TLSv1.2,SSLv3");
	TRY(1, set[0], "ssl.enabled.protocols=TLSv1.3");
	TRY(0, set[0], "ssl.client.auth=sometimes");
	TRY(0, set[0], "ssl.client.auth=required"); /* no truststore */
	TRY(0, set[0], "ssl.cipher.suites=TLS_BOGUS_WITH_NOTHING");
	TRY(1, set[0],
	    "ssl.cipher.suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,"
	    "TLS_AES_256_GCM_SHA384");
	/* Inline key and chain. */
	snprintf(set[4], sizeof(set[4]), "ssl.keystore.key=%s",
		 slurp(P("srv.key")));
	snprintf(set[5], sizeof(set[5]), "ssl.keystore.certificate.chain=%s",
		 slurp(P("srv.pem")));
	TRY(1, set[4], set[5]);
	TRY(0, set[4]);
	TRY(0, set[0], set[4], set[5]); /* both forms at once */
	snprintf(set[6], sizeof(set[6]), "ssl.truststore.location=%s",
		 P("srv.key")); /* no certificate in it */
	TRY(0, set[0], set[6], "ssl.client.auth=required");
}

static void handshakes(void)
{
	char err[512], who[1024], ks[4200], ts[4200];
	SSL_CTX *none, *req, *requested, *only13, *cli, *anon, *old, *stranger,
	    *c12;

	snprintf(ks, sizeof(ks), "ssl.keystore.location=%s", P("keystore.pem"));
	snprintf(ts, sizeof(ts), "ssl.truststore.location=%s", P("ca.pem"));
	none = server((const char *[]){ks, NULL}, err, sizeof(err));
	req = server((const char *[]){ks, ts, "ssl.client.auth=required", NULL},
		     err, sizeof(err));
	requested =
	    server((const char *[]){ks, ts, "ssl.client.auth=requested", NULL},
		   err, sizeof(err));
	only13 =
	    server((const char *[]){ks, "ssl.enabled.protocols=TLSv1.3", NULL},
		   err, sizeof(err));
	if (!none || !req || !requested || !only13)
		t_fatal("server contexts: %s", err);
	cli = client(P("cli.pem"), P("cli.key"), 0);
	anon = client(NULL, NULL, 0);
	old = client(P("old.pem"), P("old.key"), 0);
	stranger = client(P("stranger.pem"), P("stranger.key"), 0);
	c12 = client(NULL, NULL, TLS1_2_VERSION);

	CHECK(handshake(none, anon, who, sizeof(who)));
	CHECK(!strcmp(who, "User:ANONYMOUS"));
	/* Mutual TLS: the principal as Java's X500Principal.getName()
	 * prints the subject (RFC 2253, most specific first; unknown
	 * attribute types as OID=#DER). */
	CHECK(handshake(req, cli, who, sizeof(who)));
	CHECK(!strcmp(who, "User:1.2.840.113549.1.9.1=#16076140782e6f7267,"
			   "CN=alice,OU=eng+UID=a1,O=Acme\\, Inc.,C=DE"));
	if (strcmp(who, "User:1.2.840.113549.1.9.1=#16076140782e6f7267,"
			"CN=alice,OU=eng+UID=a1,O=Acme\\, Inc.,C=DE"))
		fprintf(stderr, "principal: %s\n", who);
	CHECK(!handshake(req, anon, NULL, 0));	   /* no certificate */
	CHECK(!handshake(req, old, NULL, 0));	   /* expired */
	CHECK(!handshake(req, stranger, NULL, 0)); /* untrusted CA */
	CHECK(handshake(requested, anon, who, sizeof(who)));
	CHECK(!strcmp(who, "User:ANONYMOUS"));
	CHECK(handshake(requested, cli, who, sizeof(who)));
	CHECK(!strncmp(who, "User:1.2.840", 12));
	CHECK(!handshake(requested, stranger, NULL, 0));
	CHECK(handshake(none, c12, NULL, 0));
	CHECK(!handshake(only13, c12, NULL, 0));

	/* A plaintext client on the TLS port: an ApiVersions request. */
	int sv[2];
	static const unsigned char kafka[] = {
	    0, 0, 0, 14, 0, 18, 0, 0, 0, 0, 0, 1, 0, 4, 'k', 'c', 'a', 't'};
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv))
		t_fatal("socketpair");
	CHECK(write(sv[1], kafka, sizeof(kafka)) == (ssize_t)sizeof(kafka));
	SSL *s = SSL_new(none);
	SSL_set_fd(s, sv[0]);
	SSL_set_accept_state(s);
	int r = SSL_do_handshake(s);
	CHECK(r <= 0 && SSL_get_error(s, r) == SSL_ERROR_SSL);
	ERR_clear_error();
	SSL_free(s);
	close(sv[0]);
	close(sv[1]);

	SSL_CTX *all[] = {none, req, requested, only13, cli,
			  anon, old, stranger,	c12};
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
		SSL_CTX_free(all[i]);
}

static void ktls(void)
{
	struct tls_ktls_info k;
	char ulps[256] = "";
	FILE *f;

	tls_ktls_probe(&k);
	printf("kTLS: kernel TLS ULP %s%s%s; OpenSSL KTLS %s\n",
	       k.kernel_ulp ? "available" : "not available",
	       k.kernel_ulp ? "" : ": ",
	       k.kernel_ulp ? "" : strerror(k.kernel_errno),
	       k.openssl ? "built in" : "not built in");
	/* After the probe, the kernel's list of loaded ULPs agrees. */
	f = fopen("/proc/sys/net/ipv4/tcp_available_ulp", "r");
	if (f) {
		if (!fgets(ulps, sizeof(ulps), f))
			ulps[0] = 0;
		fclose(f);
		CHECK(!!strstr(ulps, "tls") == k.kernel_ulp);
	}
	if (!k.kernel_ulp)
		CHECK(k.kernel_errno != 0);

	/* The kTLS path: over TCP where the kernel has the ULP, OpenSSL
	 * must hand the keys over; a socketpair never gets kTLS. */
	char err[512], ks[4200];
	snprintf(ks, sizeof(ks), "ssl.keystore.location=%s", P("keystore.pem"));
	SSL_CTX *sctx = server((const char *[]){ks, NULL}, err, sizeof(err));
	SSL_CTX *cctx = client(NULL, NULL, 0);
	if (!sctx)
		t_fatal("server context: %s", err);
	CHECK(handshake(sctx, cctx, NULL, 0));
	CHECK(!last_ktls);
	if (k.kernel_ulp && k.openssl) {
		use_tcp = 1;
		CHECK(handshake(sctx, cctx, NULL, 0));
		CHECK(last_ktls);
		use_tcp = 0;
		printf("kTLS send path: %s\n",
		       last_ktls ? "active" : "NOT active");
	} else {
		/* Over TCP too: the handshake works, and without the ULP
		 * the keys stay in user space (SSL_write path). */
		use_tcp = 1;
		CHECK(handshake(sctx, cctx, NULL, 0));
		CHECK(!last_ktls);
		use_tcp = 0;
		printf("kTLS send path not tested: %s\n",
		       !k.kernel_ulp ? "the kernel has no TLS ULP"
				     : "libssl lacks KTLS");
	}
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
}

/* zc.ssl.handshake.timeout.ms: default, range, refusals. */
static void handshake_timeout(void)
{
	static const char *const bad[] = {"0",	 "-1", "2147483648",
					  "10s", "",   "1e3"};
	struct tls_config c;
	char err[256];

	tls_config_init(&c);
	CHECK(c.handshake_ms == 10000);
	CHECK(!tls_config_set(&c, "zc.ssl.handshake.timeout.ms", "1", err,
			      sizeof(err)));
	CHECK(c.handshake_ms == 1);
	CHECK(!tls_config_set(&c, "zc.ssl.handshake.timeout.ms", "2147483647",
			      err, sizeof(err)));
	CHECK(c.handshake_ms == 2147483647);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err[0] = 0;
		CHECK(tls_config_set(&c, "zc.ssl.handshake.timeout.ms", bad[i],
				     err, sizeof(err)) == -EINVAL);
		CHECK(strstr(err, "zc.ssl.handshake.timeout.ms"));
		CHECK(c.handshake_ms == 2147483647);
	}
	tls_config_free(&c);
}

int main(void)
{
	if (system("openssl version >/dev/null 2>&1") != 0)
		t_skip("no openssl command (Debian package openssl)");
	snprintf(dir, sizeof(dir), "%s", t_tmpdir());
	make_certs();
	loads();
	handshakes();
	ktls();
	handshake_timeout();
	return t_result();
}
