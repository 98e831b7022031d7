/* SPDX-License-Identifier: MIT */
/*
 * configs.h — what CreateTopics shares with the config APIs (configs.c):
 * reading the configs a request gives a topic, and describing a topic's
 * configs as Kafka's DescribeConfigs and CreateTopics v5+ do.
 */
#ifndef ZC_BROKER_PROTO_CONFIGS_H
#define ZC_BROKER_PROTO_CONFIGS_H

#include <stddef.h>
#include <stdint.h>

#include "kafka.h"
#include "log/log.h"
#include "proto/codec.h"

struct bconfig;

/* DescribeConfigs' ConfigSource values (KIP-226). */
enum {
	CFG_SRC_TOPIC = 1,	   /* DYNAMIC_TOPIC_CONFIG */
	CFG_SRC_STATIC_BROKER = 4, /* STATIC_BROKER_CONFIG */
	CFG_SRC_DEFAULT = 5,	   /* DEFAULT_CONFIG */
};

/* Set config `name` to `value` in c, as CreateTopics and AlterConfigs
 * give it. `seen` (bit per key, zero it per topic) catches a key given
 * twice. KERR_NONE, or INVALID_CONFIG / INVALID_REQUEST with the reason
 * in why. */
enum kerr configs_set(struct topic_cfg *c, struct kstr name, struct kstr value,
		      uint32_t *seen, char *why, size_t n);

/* A topic config's value and ConfigSource for a topic with overrides c
 * on a broker with settings bc. */
void configs_value(const struct topic_cfg *c, const struct bconfig *bc, int key,
		   char *buf, size_t n, int8_t *source);

#endif /* ZC_BROKER_PROTO_CONFIGS_H */
