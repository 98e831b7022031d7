/* SPDX-License-Identifier: MIT */
/*
 * listeners.h — Kafka's listener settings into one array:
 *
 *   listeners=PLAINTEXT://127.0.0.1:9092,SASL_SSL://0.0.0.0:9093
 *   advertised.listeners=SASL_SSL://broker.example:9093
 *   listener.security.protocol.map=INTERNAL:SASL_PLAINTEXT,...
 *   sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
 *   listener.name.internal.sasl.enabled.mechanisms=SCRAM-SHA-256
 *
 * The server opens one socket per listener and remembers on each
 * connection which listener it came in on: its protocol (TLS or not,
 * SASL or not), its SASL mechanisms, and the address Metadata advertises.
 */
#ifndef ZC_LISTENERS_H
#define ZC_LISTENERS_H

#include <stddef.h>

enum listener_proto {
	LP_PLAINTEXT = 0,
	LP_SSL = 1,
	LP_SASL_PLAINTEXT = 2,
	LP_SASL_SSL = 3,
};

#define LISTENERS_MAX	   16
#define LISTENER_NAME_MAX  63
#define LISTENER_HOST_MAX  255
#define LISTENERS_DEFAULT  "PLAINTEXT://127.0.0.1:9092"
#define SASL_MECHS_DEFAULT "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"

struct listener {
	char name[LISTENER_NAME_MAX + 1]; /* upper case, as Kafka */
	enum listener_proto proto;
	char host[LISTENER_HOST_MAX + 1]; /* "" or 0.0.0.0/::: every address */
	int port;			  /* 0: a free one */
	/* Advertised address; adv_port -1 when advertised.listeners names
	 * other listeners only. adv_host "" means "the address the client
	 * reached" (getsockname of the connection). */
	char adv_host[LISTENER_HOST_MAX + 1];
	int adv_port;
	unsigned sasl_mechs; /* bit (1 << enum sasl_mech); SASL_* only */
};

/* The raw settings (malloc'ed copies; NULL = not set). */
struct listener_conf {
	char *listeners, *advertised, *proto_map, *sasl_mechs;
	struct {
		char name[LISTENER_NAME_MAX + 1];
		char *mechs;
	} per[LISTENERS_MAX];
	int nper;
};

void listener_conf_init(struct listener_conf *c);
void listener_conf_free(struct listener_conf *c);
/* Record one setting: 0, -ENOENT (not a listener setting), -EINVAL (too
 * many per-listener settings), -ENOMEM. Checked by listeners_resolve. */
int listener_conf_set(struct listener_conf *c, const char *name,
		      const char *value);
/* Check the settings together and fill out[]; returns the number of
 * listeners, or -EINVAL with err saying what is wrong. */
int listeners_resolve(const struct listener_conf *c, struct listener *out,
		      char *err, size_t errlen);
const char *listener_proto_name(enum listener_proto p);
int listener_proto_parse(const char *s);

#endif /* ZC_LISTENERS_H */
