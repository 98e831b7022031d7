/* SPDX-License-Identifier: MIT */
/*
 * config.c — settings from Kafka-style properties (see config.h): a table
 * of names, each parsed into one field of struct bconfig with range checks.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blog.h"
#include "config.h"

void config_defaults(struct bconfig *c)
{
	memset(c, 0, sizeof(*c));
	listener_conf_init(&c->listen);
	tls_config_init(&c->tls);
	authz_defaults(&c->authz);
	snprintf(c->data_dir, sizeof(c->data_dir), "./data");
	c->node_id = 1;
	c->num_partitions = 1;
	c->auto_create = true;
	c->socket_request_max_bytes = 100 * 1024 * 1024;
	c->group_min_session_ms = 6000;
	c->group_max_session_ms = 1800000;
	c->group_initial_delay_ms = 0;
	c->fetch_method = ZC_SENDFILE;
	c->conn_max_idle_ms = 600000; /* Kafka's default: 10 minutes */
	c->max_connections = 16384;
	c->max_connections_per_ip = 4096;
	c->queued_max_request_bytes = 256LL << 20;
	c->conn_output_max_bytes = 32LL << 20;
	c->max_pending_replies = 64;
	c->failed_auth_delay_ms = 100;
	c->metadata_max_response_bytes = 16LL << 20;
	c->fetch_session_slots = 1000;	    /* Kafka's default */
	c->fetch_session_evict_ms = 120000; /* Kafka's fixed value */
	log_config_defaults(&c->log);
}

void config_free(struct bconfig *c)
{
	listener_conf_free(&c->listen);
	tls_config_free(&c->tls);
	memset(c, 0, sizeof(*c));
}

static int parse_i64(const char *v, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (errno || end == v || *end || x < lo || x > hi)
		return -EINVAL;
	*out = x;
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "false")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

enum kind { K_I32, K_I64, K_U32, K_U64, K_BOOL };

struct opt {
	const char *name;
	enum kind kind;
	size_t off;
	int64_t lo, hi;
};

#define F(f) offsetof(struct bconfig, f)
static const struct opt opts[] = {
    {"num.partitions", K_I32, F(num_partitions), 1, 100000},
    {"broker.id", K_I32, F(node_id), 0, INT32_MAX},
    {"node.id", K_I32, F(node_id), 0, INT32_MAX},
    {"auto.create.topics.enable", K_BOOL, F(auto_create), 0, 1},
    {"write.caching", K_BOOL, F(write_caching), 0, 1},
    {"socket.request.max.bytes", K_I64, F(socket_request_max_bytes), 64,
     INT32_MAX},
    {"group.min.session.timeout.ms", K_I32, F(group_min_session_ms), 0,
     INT32_MAX},
    {"group.max.session.timeout.ms", K_I32, F(group_max_session_ms), 0,
     INT32_MAX},
    {"group.initial.rebalance.delay.ms", K_I32, F(group_initial_delay_ms), 0,
     INT32_MAX},
    {"log.segment.bytes", K_U64, F(log.segment_bytes), 14, INT32_MAX},
    {"log.roll.ms", K_I64, F(log.segment_ms), 1, INT64_MAX},
    {"log.retention.ms", K_I64, F(log.retention_ms), -1, INT64_MAX},
    {"log.retention.bytes", K_I64, F(log.retention_bytes), -1, INT64_MAX},
    {"log.index.interval.bytes", K_U32, F(log.index_interval_bytes), 0,
     INT32_MAX},
    {"log.index.size.max.bytes", K_U32, F(log.index_max_bytes), 4, INT32_MAX},
    {"log.flush.interval.messages", K_I64, F(log.flush_interval_messages), 1,
     INT64_MAX},
    {"log.flush.interval.ms", K_I64, F(log.flush_interval_ms), 0, INT64_MAX},
    {"connections.max.idle.ms", K_I64, F(conn_max_idle_ms), -1, INT64_MAX},
    {"max.connections", K_I32, F(max_connections), 1, INT32_MAX},
    {"max.connections.per.ip", K_I32, F(max_connections_per_ip), 1, INT32_MAX},
    {"queued.max.request.bytes", K_I64, F(queued_max_request_bytes), -1,
     INT64_MAX},
    {"zc.connection.output.max.bytes", K_I64, F(conn_output_max_bytes), 1,
     INT64_MAX},
    {"zc.connection.max.pending.replies", K_I32, F(max_pending_replies), 1,
     65536},
    {"connection.failed.authentication.delay.ms", K_I32,
     F(failed_auth_delay_ms), 0, INT32_MAX},
    {"zc.metadata.max.response.bytes", K_I64, F(metadata_max_response_bytes),
     1024, INT32_MAX},
    {"max.incremental.fetch.session.cache.slots", K_I32, F(fetch_session_slots),
     0, 1000000},
    {"zc.fetch.session.eviction.ms", K_I64, F(fetch_session_evict_ms), 0,
     INT64_MAX / 2},
    {"message.max.bytes", K_U32, F(log.max_message_bytes), 0, INT32_MAX},
    {"zc.message.max.decompressed.bytes", K_U64, F(log.max_decompressed_bytes),
     1024, INT64_MAX},
    {"max.partitions", K_I32, F(log.max_partitions), 1, 1000000},
    {"max.partitions.per.request", K_I32, F(log.max_partitions_per_request), 1,
     1000000},
    {"log.max.open.files", K_U32, F(log.max_open_files), 8, INT32_MAX},
};
#undef F

/* Settings outside the table (their own fields, or the listener, TLS and
 * authorizer modules'), by their config_item index. */
enum {
	SP_LISTENERS,
	SP_ADVERTISED,
	SP_ADV_HOST,
	SP_LOG_DIRS,
	SP_FETCH_METHOD,
	SP_PROTO_MAP,
	SP_SASL_MECHS,
	SP_KEYSTORE_LOCATION,
	SP_TRUSTSTORE_LOCATION,
	SP_CIPHER_SUITES,
	SP_CLIENT_AUTH,
	SP_TLS_PROTOCOLS,
	SP_KTLS,
	SP_AUTHZ,
	SP_ALLOW_NO_ACL,
	SP_SUPER_USERS,
	SP_KEY_PASSWORD,
	SP_KEYSTORE_KEY,
	SP_KEYSTORE_CHAIN,
	SP_TRUSTSTORE_CERTS,
};
static const char *const specials[] = {
    [SP_LISTENERS] = "listeners",
    [SP_ADVERTISED] = "advertised.listeners",
    [SP_ADV_HOST] = "advertised.host.name",
    [SP_LOG_DIRS] = "log.dirs",
    [SP_FETCH_METHOD] = "zc.fetch.method",
    [SP_PROTO_MAP] = "listener.security.protocol.map",
    [SP_SASL_MECHS] = "sasl.enabled.mechanisms",
    [SP_KEYSTORE_LOCATION] = "ssl.keystore.location",
    [SP_TRUSTSTORE_LOCATION] = "ssl.truststore.location",
    [SP_CIPHER_SUITES] = "ssl.cipher.suites",
    [SP_CLIENT_AUTH] = "ssl.client.auth",
    [SP_TLS_PROTOCOLS] = "ssl.enabled.protocols",
    [SP_KTLS] = "zc.ssl.ktls",
    [SP_AUTHZ] = "authorizer.enabled",
    [SP_ALLOW_NO_ACL] = "allow.everyone.if.no.acl.found",
    [SP_SUPER_USERS] = "super.users",
    [SP_KEY_PASSWORD] = "ssl.key.password",
    [SP_KEYSTORE_KEY] = "ssl.keystore.key",
    [SP_KEYSTORE_CHAIN] = "ssl.keystore.certificate.chain",
    [SP_TRUSTSTORE_CERTS] = "ssl.truststore.certificates",
};
#define NSPECIAL (sizeof(specials) / sizeof(specials[0]))
#define NOPTS	 (sizeof(opts) / sizeof(opts[0]))
_Static_assert(NSPECIAL + NOPTS <= 8 * sizeof(((struct bconfig *)0)->given),
	       "struct bconfig's given[] is too small for the settings");

static int set_one(struct bconfig *c, const char *name, const char *value);

static long item_index(const char *name)
{
	if (!strcmp(name, "log.dir"))
		name = "log.dirs";
	for (size_t i = 0; i < NSPECIAL; i++)
		if (!strcmp(specials[i], name))
			return (long)i;
	for (size_t i = 0; i < NOPTS; i++)
		if (!strcmp(opts[i].name, name))
			return (long)(NSPECIAL + i);
	return -1;
}

void config_mark_given(struct bconfig *c, const char *name)
{
	long i = item_index(name);

	if (i >= 0)
		c->given[i / 8] |= (uint8_t)(1u << (i % 8));
}

int config_set(struct bconfig *c, const char *name, const char *value)
{
	int rc = set_one(c, name, value);

	if (rc == 0)
		config_mark_given(c, name);
	return rc;
}

bool config_given(const struct bconfig *c, const char *name)
{
	long i = item_index(name);

	return i >= 0 && (c->given[i / 8] >> (i % 8) & 1);
}

bool config_sensitive(const char *name)
{
	/* Kafka's PASSWORD settings: the private key and the PEM stores
	 * given inline are secrets too (KIP-651). */
	return strstr(name, "password") || strstr(name, "secret") ||
	       strstr(name, "jaas") || !strcmp(name, "ssl.keystore.key") ||
	       !strcmp(name, "ssl.keystore.certificate.chain") ||
	       !strcmp(name, "ssl.truststore.certificates");
}

static const int8_t kind_type[] = {
    [K_I32] = 3, [K_I64] = 5, [K_U32] = 3, [K_U64] = 5, [K_BOOL] = 1};

static const char *const client_auth_name[] = {
    [TLS_AUTH_NONE] = "none",
    [TLS_AUTH_REQUESTED] = "requested",
    [TLS_AUTH_REQUIRED] = "required"};

/* A setting kept as a string (NULL: not set) or its default. */
static void str_or(char *out, size_t n, const char *v, const char *dflt)
{
	snprintf(out, n, "%s", v ? v : dflt);
}

/* The value and ConfigType of the special setting i. */
static int8_t special_value(const struct bconfig *c, size_t i, char *out,
			    size_t n)
{
	const struct tls_config *t = &c->tls;

	switch (i) {
	case SP_LISTENERS:
		str_or(out, n, c->listen.listeners, LISTENERS_DEFAULT);
		return 7;
	case SP_ADVERTISED:
		/* Unset: each listener advertises its own address. */
		str_or(out, n, c->listen.advertised, "");
		return 7;
	case SP_ADV_HOST:
		snprintf(out, n, "%s", c->adv_host);
		return 2;
	case SP_LOG_DIRS:
		snprintf(out, n, "%s", c->data_dir);
		return 2;
	case SP_FETCH_METHOD:
		snprintf(out, n, "%s", zc_method_name(c->fetch_method));
		return 2;
	case SP_PROTO_MAP:
		str_or(out, n, c->listen.proto_map, "");
		return 2;
	case SP_SASL_MECHS:
		str_or(out, n, c->listen.sasl_mechs, SASL_MECHS_DEFAULT);
		return 7;
	case SP_KEYSTORE_LOCATION:
		str_or(out, n, t->keystore_location, "");
		return 2;
	case SP_TRUSTSTORE_LOCATION:
		str_or(out, n, t->truststore_location, "");
		return 2;
	case SP_CIPHER_SUITES:
		str_or(out, n, t->cipher_suites, "");
		return 7;
	case SP_CLIENT_AUTH:
		snprintf(out, n, "%s", client_auth_name[t->client_auth]);
		return 2;
	case SP_TLS_PROTOCOLS:
		snprintf(out, n, "%s%s%s", t->tls12 ? "TLSv1.2" : "",
			 t->tls12 && t->tls13 ? "," : "",
			 t->tls13 ? "TLSv1.3" : "");
		return 7;
	case SP_KTLS:
		snprintf(out, n, "%s", t->ktls ? "true" : "false");
		return 1;
	case SP_AUTHZ:
		snprintf(out, n, "%s", c->authz.enabled ? "true" : "false");
		return 1;
	case SP_ALLOW_NO_ACL:
		snprintf(out, n, "%s",
			 c->authz.allow_if_no_acl ? "true" : "false");
		return 1;
	case SP_SUPER_USERS:
		snprintf(out, n, "%s", c->authz.super_users);
		return 2;
	default:	  /* the secrets: never shown (config_sensitive) */
		return 9; /* PASSWORD */
	}
}

int config_item(const struct bconfig *c, size_t i, struct config_item *out)
{
	memset(out, 0, sizeof(*out));
	if (i >= NSPECIAL + NOPTS)
		return -ENOENT;
	out->given = c->given[i / 8] >> (i % 8) & 1;
	if (i < NSPECIAL) {
		out->name = specials[i];
		out->type = special_value(c, i, out->value, sizeof(out->value));
	} else {
		const struct opt *o = &opts[i - NSPECIAL];
		const char *f = (const char *)c + o->off;
		long long v = 0;

		out->name = o->name;
		out->type = kind_type[o->kind];
		switch (o->kind) {
		case K_BOOL:
			v = *(const bool *)f;
			break;
		case K_I32:
			v = *(const int32_t *)f;
			break;
		case K_I64:
			v = *(const int64_t *)f;
			break;
		case K_U32:
			v = *(const uint32_t *)f;
			break;
		case K_U64:
			v = (long long)*(const uint64_t *)f;
			break;
		}
		if (o->kind == K_BOOL)
			snprintf(out->value, sizeof(out->value), "%s",
				 v ? "true" : "false");
		else
			snprintf(out->value, sizeof(out->value), "%lld", v);
	}
	out->sensitive = config_sensitive(out->name);
	if (out->sensitive)
		out->value[0] = '\0';
	return 0;
}

static int set_one(struct bconfig *c, const char *name, const char *value)
{
	int rc = listener_conf_set(&c->listen, name, value);
	if (rc != -ENOENT)
		return rc;
	char why[256];
	rc = tls_config_set(&c->tls, name, value, why, sizeof(why));
	if (rc == -EINVAL)
		blog("%s", why);
	if (rc != -ENOENT)
		return rc;
	if ((rc = authz_set(&c->authz, name, value)) != -ENOENT)
		return rc;
	if (!strcmp(name, "advertised.host.name")) {
		if (!*value || strlen(value) >= sizeof(c->adv_host))
			return -EINVAL;
		snprintf(c->adv_host, sizeof(c->adv_host), "%s", value);
		return 0;
	}
	if (!strcmp(name, "log.dirs") || !strcmp(name, "log.dir")) {
		if (!*value || strlen(value) >= sizeof(c->data_dir) ||
		    strchr(value, ','))
			return -EINVAL;
		snprintf(c->data_dir, sizeof(c->data_dir), "%s", value);
		return 0;
	}
	if (!strcmp(name, "zc.fetch.method")) {
		int m = zc_method_from_name(value);
		if (m != ZC_READ_WRITE && m != ZC_MMAP_WRITE &&
		    m != ZC_SENDFILE && m != ZC_SPLICE)
			return -EINVAL;
		c->fetch_method = (enum zc_method)m;
		return 0;
	}
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		const struct opt *o = &opts[i];
		if (strcmp(o->name, name))
			continue;
		char *f = (char *)c + o->off;
		int64_t v;
		bool b;
		switch (o->kind) {
		case K_BOOL:
			if (parse_bool(value, &b))
				return -EINVAL;
			*(bool *)f = b;
			return 0;
		default:
			if (parse_i64(value, o->lo, o->hi, &v))
				return -EINVAL;
			if (o->kind == K_I32)
				*(int32_t *)f = (int32_t)v;
			else if (o->kind == K_I64)
				*(int64_t *)f = v;
			else if (o->kind == K_U32)
				*(uint32_t *)f = (uint32_t)v;
			else
				*(uint64_t *)f = (uint64_t)v;
			return 0;
		}
	}
	return -ENOENT;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

int config_load(struct bconfig *c, const char *path, char *err, int cap)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		int e = errno;
		snprintf(err, cap, "%s: %s", path, strerror(e));
		return -e;
	}
	char line[8192];
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#' || *s == '!')
			continue;
		char *eq = strchr(s, '=');
		if (!eq)
			eq = strchr(s, ':');
		if (!eq) {
			snprintf(err, cap, "%s:%d: expected NAME=VALUE", path,
				 lineno);
			rc = -EINVAL;
			break;
		}
		*eq = 0;
		char *name = trim(s), *value = trim(eq + 1);
		int r = config_set(c, name, value);
		if (r == -ENOENT) {
			blog("%s:%d: ignoring unknown setting %s", path, lineno,
			     name);
		} else if (r) {
			snprintf(err, cap, "%s:%d: bad value for %s: %s", path,
				 lineno, name, value);
			rc = r;
			break;
		}
	}
	fclose(f);
	return rc;
}
