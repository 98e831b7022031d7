/* SPDX-License-Identifier: MIT */
/*
 * config.h — the broker's settings, named as Kafka names them, read from a
 * properties file (--config FILE) and --set NAME=VALUE.
 *
 * Differences from Kafka's defaults, on purpose:
 *   group.initial.rebalance.delay.ms  0 (Kafka: 3000) so a lone consumer
 *                                     joins at once; raise it for many
 *                                     consumers starting together.
 *   zc.fetch.method                   our own: how Fetch sends segment
 *                                     bytes (read-write, mmap, sendfile,
 *                                     splice), default sendfile.
 *   max.connections                   16384 (Kafka: unbounded); accepting
 *                                     pauses at the limit.
 *   max.connections.per.ip            4096 (Kafka: unbounded); the excess
 *                                     is closed at once.
 *   queued.max.request.bytes          256 MiB (Kafka: unbounded): request
 *                                     bytes read and not yet handled,
 *                                     across connections.
 *   write.caching                     false: acks=all is answered after
 *                                     an fdatasync (group commit), as a
 *                                     single node has no replica to
 *                                     stand in for the disk; true gives
 *                                     Kafka's page-cache acknowledgement
 *                                     (the name and meaning Redpanda
 *                                     uses for the same trade-off).
 * Our own limits (zc.*): zc.connection.output.max.bytes (32 MiB of
 * memory and file bytes owed to one peer before its requests wait),
 * zc.connection.max.pending.replies (64 answers outstanding on one
 * connection) and zc.metadata.max.response.bytes (16 MiB).
 * zc.fetch.session.eviction.ms (120000) is the time Kafka fixes
 * (MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS) after which a fetch session
 * may be evicted for a new one.
 */
#ifndef BROKER_CONFIG_H
#define BROKER_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "log/log.h"
#include "security/acl.h"
#include "security/listeners.h"
#include "security/tls.h"
#include "zcio.h"

struct bconfig {
	/* listeners, advertised.listeners, listener.security.protocol.map,
	 * sasl.enabled.mechanisms (security/listeners.h); --listen is the
	 * short form of one PLAINTEXT listener. */
	struct listener_conf listen;
	/* advertised.host.name: the host of listeners advertised.listeners
	 * does not name (Kafka's older setting). Empty: their own. */
	char adv_host[256];
	struct tls_config tls;	   /* ssl.* (security/tls.h) */
	struct authz_config authz; /* authorizer.enabled, super.users, ... */
	char data_dir[4096];
	int32_t node_id;
	int32_t num_partitions;
	bool auto_create;
	int64_t socket_request_max_bytes;
	int32_t group_min_session_ms;
	int32_t group_max_session_ms;
	int32_t group_initial_delay_ms;
	enum zc_method fetch_method;
	/* Connections (conn.h). */
	int64_t conn_max_idle_ms; /* connections.max.idle.ms, -1: never */
	int32_t max_connections;
	int32_t max_connections_per_ip;
	int64_t queued_max_request_bytes;
	int64_t conn_output_max_bytes;
	int32_t max_pending_replies;
	int64_t metadata_max_response_bytes;
	bool write_caching; /* acks=all from the page cache (durable.h) */
	/* Fetch sessions (KIP-227, proto/fetch_session.h). */
	int32_t fetch_session_slots;
	int64_t fetch_session_evict_ms;
	struct log_config log;
};

void config_defaults(struct bconfig *c);
/* Free what settings allocated; c is zeroed. */
void config_free(struct bconfig *c);

/* Apply one setting. Returns 0, -ENOENT for an unknown name, -EINVAL for a
 * bad value, -ENOMEM. Settings checked only together (listeners) are
 * checked when the broker starts listening. */
int config_set(struct bconfig *c, const char *name, const char *value);

/* Read a properties file (NAME=VALUE lines, # and ! comments). Unknown
 * names are logged and skipped, as a Kafka config holds many settings that
 * do not apply here. Returns 0, or -errno / -EINVAL with line info in
 * err (cap bytes). */
int config_load(struct bconfig *c, const char *path, char *err, int cap);

#endif /* BROKER_CONFIG_H */
