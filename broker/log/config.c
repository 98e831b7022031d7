/* SPDX-License-Identifier: MIT */
/*
 * config.c — the storage settings with Kafka's names and default values
 * (ServerLogConfigs / LogConfig): 1 GiB segments rolled after 7 days,
 * 7 days of retention, an index entry per 4 KiB, 10 MiB index files, and
 * no fsync by count or by time (the page cache and replication are
 * Kafka's durability; a single node asks for it with flush settings).
 */
#include <stdint.h>

#include "log.h"

void log_config_defaults(struct log_config *cfg)
{
	cfg->segment_bytes = 1ULL << 30;
	cfg->segment_ms = 7LL * 24 * 3600 * 1000;
	cfg->retention_ms = 7LL * 24 * 3600 * 1000;
	cfg->retention_bytes = -1;
	cfg->index_interval_bytes = 4096;
	cfg->index_max_bytes = 10 * 1024 * 1024;
	cfg->flush_interval_messages = INT64_MAX;
	cfg->flush_interval_ms = INT64_MAX;
	cfg->max_message_bytes = 1024 * 1024 + 12;
	cfg->max_decompressed_bytes = 64 * 1024 * 1024;
	cfg->max_partitions = 10000;
	cfg->max_partitions_per_request = 5000;
	cfg->max_open_files = 1000;
	cfg->sync_on_roll = false; /* the broker sets it for durable acks */
	cfg->notify = NULL; /* callers often keep the struct on the stack */
}
