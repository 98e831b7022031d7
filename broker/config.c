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

int config_set(struct bconfig *c, const char *name, const char *value)
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
