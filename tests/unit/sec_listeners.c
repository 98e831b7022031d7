/* SPDX-License-Identifier: MIT */
/*
 * sec_listeners.c — Kafka's listener settings (broker/security/
 * listeners.c): good strings resolve to the expected array (names,
 * protocols through the map, hosts including [IPv6] and empty, advertised
 * addresses, SASL mechanisms globally and per listener); bad strings are
 * refused with a message naming the problem.
 */
#include <errno.h>
#include <string.h>

#include "helpers.h"
#include "security/listeners.h"
#include "security/sasl.h"

static struct listener L[LISTENERS_MAX];
static char err[512];

/* Resolve settings "name=value" (NULL-terminated); count or -EINVAL. */
static int resolve(const char *const *set)
{
	struct listener_conf c;
	int n;

	listener_conf_init(&c);
	err[0] = 0;
	for (; *set; set++) {
		char name[200];
		const char *eq = strchr(*set, '=');
		snprintf(name, sizeof(name), "%.*s", (int)(eq - *set), *set);
		n = listener_conf_set(&c, name, eq + 1);
		if (n) {
			listener_conf_free(&c);
			return n;
		}
	}
	n = listeners_resolve(&c, L, err, sizeof(err));
	listener_conf_free(&c);
	return n;
}

#define RESOLVE(...) resolve((const char *[]){__VA_ARGS__, NULL})

#define BAD(frag, ...)                                                         \
	do {                                                                   \
		int r_ = RESOLVE(__VA_ARGS__);                                 \
		if (r_ != -EINVAL || !strstr(err, frag)) {                     \
			fprintf(stderr,                                        \
				"%s:%d: got %d \"%s\", want -EINVAL "          \
				"with \"%s\"\n",                               \
				__FILE__, __LINE__, r_, err, frag);            \
			t_failures++;                                          \
		}                                                              \
	} while (0)

static unsigned bit(enum sasl_mech m)
{
	return 1u << m;
}

static void good(void)
{
	const unsigned all =
	    bit(SASL_PLAIN) | bit(SASL_SCRAM_SHA_256) | bit(SASL_SCRAM_SHA_512);

	/* Nothing set: the broker's default, one PLAINTEXT listener. */
	CHECK_EQ(resolve((const char *[]){NULL}), 1);
	CHECK(!strcmp(L[0].name, "PLAINTEXT") && L[0].proto == LP_PLAINTEXT &&
	      !strcmp(L[0].host, "127.0.0.1") && L[0].port == 9092 &&
	      !strcmp(L[0].adv_host, "127.0.0.1") && L[0].adv_port == 9092);

	CHECK_EQ(RESOLVE("listeners=PLAINTEXT://127.0.0.1:9092, "
			 "SASL_SSL://0.0.0.0:9093,ssl://[::1]:9094,"
			 "SASL_PLAINTEXT://:0"),
		 4);
	CHECK(L[1].proto == LP_SASL_SSL && !strcmp(L[1].host, "0.0.0.0") &&
	      L[1].port == 9093 && !strcmp(L[1].adv_host, "") &&
	      L[1].sasl_mechs == all);
	CHECK(!strcmp(L[2].name, "SSL") && L[2].proto == LP_SSL &&
	      !strcmp(L[2].host, "::1") && L[2].port == 9094);
	CHECK(L[3].proto == LP_SASL_PLAINTEXT && !strcmp(L[3].host, "") &&
	      L[3].port == 0);

	/* Named listeners through the map; advertised addresses; SASL
	 * mechanisms globally and for one listener. */
	CHECK_EQ(RESOLVE("listeners=INTERNAL://10.0.0.5:9092,"
			 "EXTERNAL://0.0.0.0:9093",
			 "listener.security.protocol.map=INTERNAL:SASL_"
			 "PLAINTEXT,EXTERNAL:SASL_SSL",
			 "advertised.listeners=EXTERNAL://kafka.example.com:"
			 "19093",
			 "sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN",
			 "listener.name.internal.sasl.enabled.mechanisms="
			 "SCRAM-SHA-256"),
		 2);
	CHECK(L[0].proto == LP_SASL_PLAINTEXT && L[0].adv_port == -1 &&
	      L[0].sasl_mechs == bit(SASL_SCRAM_SHA_256));
	CHECK(L[1].proto == LP_SASL_SSL &&
	      !strcmp(L[1].adv_host, "kafka.example.com") &&
	      L[1].adv_port == 19093 &&
	      L[1].sasl_mechs == (bit(SASL_SCRAM_SHA_512) | bit(SASL_PLAIN)));
	CHECK_EQ(RESOLVE("no.such=1"), -ENOENT);
}

static void bad(void)
{
	BAD("NAME://HOST:PORT", "listeners=127.0.0.1:9092");
	BAD("no port", "listeners=PLAINTEXT://localhost");
	BAD("0..65535", "listeners=PLAINTEXT://localhost:65536");
	BAD("0..65535", "listeners=PLAINTEXT://localhost:-1");
	BAD("0..65535", "listeners=PLAINTEXT://localhost:90x");
	BAD("0..65535", "listeners=PLAINTEXT://localhost:");
	BAD("[brackets]", "listeners=PLAINTEXT://::1:9092");
	BAD("IPv6", "listeners=PLAINTEXT://[::1:9092");
	BAD("bad host", "listeners=PLAINTEXT://a b:9092");
	BAD("bad listener name", "listeners=PLAIN TEXT://h:1");
	BAD("named twice", "listeners=PLAINTEXT://h:1,plaintext://h:2");
	BAD("same port", "listeners=PLAINTEXT://a:9092,SSL://b:9092");
	BAD("no security protocol for listener CLIENT",
	    "listeners=CLIENT://h:1");
	BAD("unknown protocol TLS", "listeners=CLIENT://h:1",
	    "listener.security.protocol.map=CLIENT:TLS");
	BAD("expected NAME:PROTOCOL", "listeners=CLIENT://h:1",
	    "listener.security.protocol.map=CLIENT");
	BAD("twice", "listeners=A://h:1",
	    "listener.security.protocol.map=A:SSL,a:SASL_SSL");
	/* A map replaces the default one. */
	BAD("no security protocol for listener PLAINTEXT",
	    "listeners=PLAINTEXT://h:1",
	    "listener.security.protocol.map=A:SSL");
	BAD("not in listeners", "listeners=PLAINTEXT://h:1",
	    "advertised.listeners=SSL://h:2");
	BAD("cannot advertise", "listeners=PLAINTEXT://h:1",
	    "advertised.listeners=PLAINTEXT://0.0.0.0:1");
	BAD("cannot advertise", "listeners=PLAINTEXT://h:1",
	    "advertised.listeners=PLAINTEXT://:1");
	BAD("port 0", "listeners=PLAINTEXT://h:0",
	    "advertised.listeners=PLAINTEXT://h:0");
	BAD("named twice", "listeners=PLAINTEXT://h:1",
	    "advertised.listeners=PLAINTEXT://h:1,PLAINTEXT://g:1");
	BAD("GSSAPI not supported", "sasl.enabled.mechanisms=GSSAPI");
	BAD("OAUTHBEARER not supported", "listeners=SASL_SSL://h:1",
	    "listener.name.sasl_ssl.sasl.enabled.mechanisms=OAUTHBEARER");
	BAD("no SASL mechanism", "listeners=SASL_SSL://h:1",
	    "sasl.enabled.mechanisms=");
	BAD("no listener SASL_SL", "listeners=SASL_SSL://h:1",
	    "listener.name.sasl_sl.sasl.enabled.mechanisms=PLAIN");
	BAD("empty", "listeners=");
	BAD("empty", "listeners= , ,");
	BAD("more than 16",
	    "listeners=A://h:1,B://h:2,C://h:3,D://h:4,E://h:5,F://h:6,"
	    "G://h:7,H://h:8,I://h:9,J://h:10,K://h:11,L://h:12,M://h:13,"
	    "N://h:14,O://h:15,P://h:16,Q://h:17",
	    "listener.security.protocol.map=A:SSL,B:SSL,C:SSL,D:SSL,E:SSL,"
	    "F:SSL,G:SSL,H:SSL,I:SSL,J:SSL,K:SSL,L:SSL,M:SSL,N:SSL,O:SSL,"
	    "P:SSL,Q:SSL");
}

int main(void)
{
	good();
	bad();
	return t_result();
}
