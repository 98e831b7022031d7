/* SPDX-License-Identifier: MIT */
/*
 * configs.c — DescribeConfigs v1-4, IncrementalAlterConfigs v0-1 and
 * AlterConfigs v0-2 (KIP-133, KIP-226, KIP-339), on the table-driven codec.
 *
 * TOPIC resources (type 2) have the five overrides the log honours
 * (log/topic_config.c): retention.ms, retention.bytes, segment.bytes,
 * max.message.bytes and cleanup.policy (only "delete"). DescribeConfigs
 * lists all five: an override as DYNAMIC_TOPIC_CONFIG, otherwise the
 * broker's setting, STATIC_BROKER_CONFIG when it was given in the config
 * file or with --set, DEFAULT_CONFIG when not; with synonyms, the chain
 * Kafka shows (the override, then the broker setting given, then its
 * default). Changes are stored (DIR/__topic_configs) before they are
 * answered and used by every partition's log at once.
 *
 * BROKER resources (type 4, named by node.id, or "" as Kafka's cluster
 * default) list every broker setting, read-only; a value that is a secret
 * is null and marked sensitive. Changing them is refused with
 * INVALID_REQUEST, which Kafka answers for a setting it cannot update
 * dynamically: this broker reads its settings once, at start.
 *
 * ACLs (docs/security.md), checked first so a refused name discloses
 * nothing: DescribeConfigs needs DESCRIBE_CONFIGS, the two alters
 * ALTER_CONFIGS, on the topic (else TOPIC_AUTHORIZATION_FAILED) or on the
 * cluster for a BROKER or BROKER_LOGGER resource (else
 * CLUSTER_AUTHORIZATION_FAILED), resource by resource as Kafka decides.
 *
 * Errors as Kafka gives them: an unknown topic UNKNOWN_TOPIC_OR_PARTITION;
 * an unknown config name, a bad value, APPEND/SUBTRACT on a non-list
 * config, cleanup.policy=compact: INVALID_CONFIG; a null value to set, a
 * key given twice, an unknown operation, another broker's id or another
 * resource type: INVALID_REQUEST. Each resource is all or nothing;
 * validate_only checks everything and changes nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authorize.h"
#include "blog.h"
#include "broker.h"
#include "proto/configs.h"
#include "proto/ks_handler.h"

#define RES_TOPIC	  2
#define RES_BROKER	  4
#define RES_BROKER_LOGGER 8

enum { OP_SET = 0, OP_DELETE = 1, OP_APPEND = 2, OP_SUBTRACT = 3 };

/* Room an answer may take per resource beside the request: every broker
 * setting with two synonyms and its value (see ks_budget). */
#define ANSWER_BYTES (8u << 20)

/* ---- shared with CreateTopics ------------------------------------------ */

/* The key a request names, or an error: unknown names are refused as
 * Kafka refuses them (it knows no topic config of that name here). */
static enum kerr key_of(struct kstr name, int *key, char *why, size_t n)
{
	char buf[128];

	if (!kstr_copy(buf, sizeof(buf), name) || (*key = tcfg_key(buf)) < 0) {
		snprintf(why, n,
			 "Unknown topic config name: %.*s (this broker "
			 "supports cleanup.policy, max.message.bytes, "
			 "retention.bytes, retention.ms, segment.bytes)",
			 name.len > 64 ? 64 : (name.len < 0 ? 0 : name.len),
			 name.p ? name.p : "");
		return KERR_INVALID_CONFIG;
	}
	return KERR_NONE;
}

/* Parse value for key into *v; INVALID_CONFIG with the reason. */
static enum kerr parse_value(int key, struct kstr value, int64_t *v, char *why,
			     size_t n)
{
	char buf[256];

	if (!kstr_copy(buf, sizeof(buf), value)) {
		snprintf(why, n, "Invalid value for configuration %s",
			 tcfg_name(key));
		return KERR_INVALID_CONFIG;
	}
	return tcfg_parse(key, buf, v, why, n) < 0 ? KERR_INVALID_CONFIG
						   : KERR_NONE;
}

/* A key given twice in one resource. */
static enum kerr once(int key, uint32_t *seen, char *why, size_t n)
{
	if (*seen & 1u << key) {
		snprintf(why, n, "Error due to duplicate config keys: %s",
			 tcfg_name(key));
		return KERR_INVALID_REQUEST;
	}
	*seen |= 1u << key;
	return KERR_NONE;
}

enum kerr configs_set(struct topic_cfg *c, struct kstr name, struct kstr value,
		      uint32_t *seen, char *why, size_t n)
{
	enum kerr err;
	int key;

	if ((err = key_of(name, &key, why, n)) ||
	    (err = once(key, seen, why, n)))
		return err;
	if (value.len < 0) {
		snprintf(why, n, "Null value not supported for : %s",
			 tcfg_name(key));
		return KERR_INVALID_REQUEST;
	}
	if ((err = parse_value(key, value, &c->v[key], why, n)))
		return err;
	c->set |= 1u << key;
	return KERR_NONE;
}

void configs_value(const struct topic_cfg *c, const struct bconfig *bc, int key,
		   char *buf, size_t n, int8_t *source)
{
	bool over = c && (c->set & 1u << key);

	tcfg_format(key, over ? c->v[key] : tcfg_base(key, &bc->log), buf, n);
	*source = over					? CFG_SRC_TOPIC
		  : config_given(bc, tcfg_synonym(key)) ? CFG_SRC_STATIC_BROKER
							: CFG_SRC_DEFAULT;
}

/* ---- DescribeConfigs ---------------------------------------------------- */

/* A copy of z in the arena (answers outlive the caller's buffers). */
static const char *dup_str(struct ks_arena *a, const char *z)
{
	size_t n = strlen(z) + 1;
	char *p = ks_alloc(a, n);

	if (p)
		memcpy(p, z, n);
	return p;
}

struct dc_ctx {
	struct ks_call *k;
	const struct ks_struct *ce, *se; /* config entry, synonym */
	bool synonyms, docs;
};

/* Whether the request asks for name (a null key list asks for all). */
static bool wanted(struct kv *keys, const char *name)
{
	if (keys->a.n < 0)
		return true;
	for (int32_t i = 0; i < keys->a.n; i++)
		if (kstr_eq(keys->a.v[i].s, name))
			return true;
	return false;
}

/* Fill config entry o; synonyms s[0..ns-1] (name, value, source). */
struct syn {
	const char *name, *value;
	int8_t source;
};

static int fill_entry(struct dc_ctx *x, struct kv *o, const char *name,
		      const char *value, bool ro, int8_t source, bool sensitive,
		      int8_t type, const char *doc, const struct syn *s, int ns)
{
	const struct ks_struct *ce = x->ce;
	const char *v = sensitive ? NULL : dup_str(&x->k->a, value);

	if (!sensitive && !v)
		return -ENOMEM;
	kv_setstr(ks_get(ce, o, "Name"), name);
	kv_setstr(ks_get(ce, o, "Value"), v);
	ks_get(ce, o, "ReadOnly")->i = ro;
	ks_get(ce, o, "ConfigSource")->i = source;
	ks_get(ce, o, "IsSensitive")->i = sensitive;
	ks_get(ce, o, "ConfigType")->i = type;
	kv_setstr(ks_get(ce, o, "Documentation"), x->docs ? doc : NULL);
	if (!x->synonyms)
		return 0;
	if (ks_resize(ce, o, "Synonyms", ns, &x->k->a) < 0)
		return -ENOMEM;
	for (int i = 0; i < ns; i++) {
		struct kv *e = &ks_get(ce, o, "Synonyms")->a.v[i];
		const char *sv =
		    sensitive ? NULL : dup_str(&x->k->a, s[i].value);

		if (!sensitive && !sv)
			return -ENOMEM;
		kv_setstr(ks_get(x->se, e, "Name"), s[i].name);
		kv_setstr(ks_get(x->se, e, "Value"), sv);
		ks_get(x->se, e, "Source")->i = s[i].source;
	}
	return 0;
}

static int describe_topic(struct dc_ctx *x, struct kv *res, const char *topic,
			  struct kv *keys)
{
	const struct ks_struct *rs = ks_sub(&x->k->rm->root, "Results");
	const struct bconfig *bc = &x->k->b->cfg;
	const struct topic_cfg *ov = topics_config(x->k->b->topics, topic);
	struct log_config dflt;
	int32_t n = 0, at = 0;

	log_config_defaults(&dflt);
	for (int key = 0; key < TCFG_NKEYS; key++)
		n += wanted(keys, tcfg_name(key));
	if (ks_resize(rs, res, "Configs", n, &x->k->a) < 0)
		return -ENOMEM;
	for (int key = 0; key < TCFG_NKEYS; key++) {
		char val[64], over[64], cur[64], def[64];
		struct syn s[3];
		int ns = 0;
		int8_t src;

		if (!wanted(keys, tcfg_name(key)))
			continue;
		configs_value(ov, bc, key, val, sizeof(val), &src);
		/* The chain a value comes from, the winner first. */
		if (src == CFG_SRC_TOPIC) {
			snprintf(over, sizeof(over), "%s", val);
			s[ns++] = (struct syn){tcfg_name(key), over, src};
		}
		if (config_given(bc, tcfg_synonym(key))) {
			tcfg_format(key, tcfg_base(key, &bc->log), cur,
				    sizeof(cur));
			s[ns++] = (struct syn){tcfg_synonym(key), cur,
					       CFG_SRC_STATIC_BROKER};
		}
		tcfg_format(key, tcfg_base(key, &dflt), def, sizeof(def));
		s[ns++] = (struct syn){tcfg_synonym(key), def, CFG_SRC_DEFAULT};
		if (fill_entry(x, &ks_get(rs, res, "Configs")->a.v[at++],
			       tcfg_name(key), val, false, src, false,
			       tcfg_type(key), tcfg_doc(key), s, ns) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int describe_broker(struct dc_ctx *x, struct kv *res, struct kv *keys)
{
	const struct ks_struct *rs = ks_sub(&x->k->rm->root, "Results");
	const struct bconfig *bc = &x->k->b->cfg;
	struct config_item it, *dv = malloc(sizeof(*dv));
	struct bconfig *dflt = malloc(sizeof(*dflt));
	int32_t n = 0, at = 0;
	int rc = -ENOMEM;

	if (!dv || !dflt)
		goto out;
	config_defaults(dflt);
	for (size_t i = 0; config_item(bc, i, &it) == 0; i++)
		n += wanted(keys, it.name);
	if (ks_resize(rs, res, "Configs", n, &x->k->a) < 0)
		goto out;
	for (size_t i = 0; config_item(bc, i, &it) == 0; i++) {
		struct syn s[2];
		int ns = 0;

		if (!wanted(keys, it.name))
			continue;
		config_item(dflt, i, dv);
		if (it.given)
			s[ns++] = (struct syn){it.name, it.value,
					       CFG_SRC_STATIC_BROKER};
		s[ns++] = (struct syn){it.name, dv->value, CFG_SRC_DEFAULT};
		if (fill_entry(x, &ks_get(rs, res, "Configs")->a.v[at++],
			       it.name, it.value, true,
			       it.given ? CFG_SRC_STATIC_BROKER
					: CFG_SRC_DEFAULT,
			       it.sensitive, it.type, NULL, s, ns) < 0)
			goto out;
	}
	rc = 0;
out:
	free(dv);
	free(dflt);
	return rc;
}

/* Whether a BROKER resource names this broker ("" is Kafka's name for
 * the cluster-wide default, which here is the same settings). */
static enum kerr broker_named(const struct broker *b, struct kstr name,
			      char *why, size_t n)
{
	char want[16];

	snprintf(want, sizeof(want), "%" PRId32, b->cfg.node_id);
	if (name.len == 0 || kstr_eq(name, want))
		return KERR_NONE;
	snprintf(why, n,
		 "Unexpected broker id, expected %s or empty string, but "
		 "received %.*s",
		 want, name.len > 32 ? 32 : (name.len < 0 ? 0 : name.len),
		 name.p ? name.p : "");
	return KERR_INVALID_REQUEST;
}

/* The topic a TOPIC resource names; UNKNOWN_TOPIC_OR_PARTITION when none. */
static enum kerr topic_named(const struct broker *b, struct kstr name,
			     char *topic, size_t cap, char *why, size_t n)
{
	if (!kstr_copy(topic, cap, name) ||
	    topics_partitions(b->topics, topic) < 0) {
		snprintf(why, n, "Topic %.*s does not exist.",
			 name.len > 255 ? 255 : (name.len < 0 ? 0 : name.len),
			 name.p ? name.p : "");
		return KERR_UNKNOWN_TOPIC;
	}
	return KERR_NONE;
}

/* ACLs: op on the resource, KERR_NONE when allowed (other resource types
 * are refused later as INVALID_REQUEST). */
static enum kerr config_acl(struct ks_call *k, int8_t type, struct kstr name,
			    enum acl_op op, char *why, size_t n)
{
	char topic[256];

	if (type == RES_BROKER || type == RES_BROKER_LOGGER) {
		if (broker_authorized_cluster(k->b, k->c, op))
			return KERR_NONE;
		snprintf(why, n, "Cluster authorization failed.");
		return KERR_CLUSTER_AUTHORIZATION_FAILED;
	}
	/* A name no topic can have is left to topic_named (unknown). */
	if (type != RES_TOPIC || !kstr_copy(topic, sizeof(topic), name) ||
	    broker_authorized(k->b, k->c, op, ACL_RES_TOPIC, topic))
		return KERR_NONE;
	snprintf(why, n, "Topic authorization failed.");
	return KERR_TOPIC_AUTHORIZATION_FAILED;
}

static int describeconfigs(struct ks_call *k)
{
	const struct ks_struct *qr = ks_sub(&k->qm->root, "Resources");
	const struct ks_struct *rs = ks_sub(&k->rm->root, "Results");
	struct kv *ask = KQ(k, "Resources");
	struct dc_ctx x = {.k = k,
			   .ce = ks_sub(rs, "Configs"),
			   .synonyms = KQ(k, "IncludeSynonyms")->i,
			   .docs = KQ(k, "IncludeDocumentation")->i};

	x.se = ks_sub(x.ce, "Synonyms");
	if (ks_resize(&k->rm->root, k->resp, "Results", ask->a.n, &k->a) < 0)
		return -ENOMEM;
	for (int32_t i = 0; i < ask->a.n; i++) {
		struct kv *e = &ask->a.v[i], *o = &KR(k, "Results")->a.v[i];
		int8_t type = (int8_t)ks_get(qr, e, "ResourceType")->i;
		struct kstr name = ks_get(qr, e, "ResourceName")->s;
		struct kv *keys = ks_get(qr, e, "ConfigurationKeys");
		char topic[256], why[512] = "";
		enum kerr err = config_acl(
		    k, type, name, ACL_OP_DESCRIBE_CONFIGS, why, sizeof(why));
		int rc = 0;

		ks_get(rs, o, "ResourceType")->i = type;
		ks_get(rs, o, "ResourceName")->s = name;
		if (!err && type == RES_TOPIC) {
			err = topic_named(k->b, name, topic, sizeof(topic), why,
					  sizeof(why));
			if (!err)
				rc = describe_topic(&x, o, topic, keys);
		} else if (!err && type == RES_BROKER) {
			err = broker_named(k->b, name, why, sizeof(why));
			if (!err)
				rc = describe_broker(&x, o, keys);
		} else if (!err) {
			err = KERR_INVALID_REQUEST;
			snprintf(why, sizeof(why),
				 "Unsupported resource type %d (this broker "
				 "describes TOPIC and BROKER)",
				 type);
		}
		if (rc < 0)
			return rc;
		ks_get(rs, o, "ErrorCode")->i = err;
		kv_setstr(ks_get(rs, o, "ErrorMessage"),
			  err ? dup_str(&k->a, why) : NULL);
	}
	return API_REPLY;
}

int api_describeconfigs(struct broker *b, struct conn *c, const struct kreq *q,
			struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, ANSWER_BYTES, describeconfigs);
}

/* ---- AlterConfigs and IncrementalAlterConfigs --------------------------- */

/* Whether the list `value` holds each of compact and delete; false when
 * it names anything else (why says what). */
static bool policy_items(struct kstr value, bool *compact, bool *del, char *why,
			 size_t n)
{
	char buf[256], *save = NULL;

	*compact = *del = false;
	if (!kstr_copy(buf, sizeof(buf), value))
		buf[0] = '\0';
	for (char *t = strtok_r(buf, ", \t", &save); t;
	     t = strtok_r(NULL, ", \t", &save)) {
		if (!strcmp(t, "compact")) {
			*compact = true;
		} else if (!strcmp(t, "delete")) {
			*del = true;
		} else {
			snprintf(why, n,
				 "Invalid value %.64s for configuration "
				 "cleanup.policy: String must be one of: "
				 "compact, delete",
				 t);
			return false;
		}
	}
	if (!*compact && !*del)
		snprintf(why, n,
			 "Invalid value for configuration "
			 "cleanup.policy: an empty list");
	return *compact || *del;
}

/* One incremental operation on cleanup.policy, a list whose value here is
 * always [delete]: the result must still be exactly that. */
static enum kerr policy_op(struct topic_cfg *c, int op, struct kstr value,
			   char *why, size_t n)
{
	bool compact, del;

	if (value.len < 0) {
		snprintf(why, n, "Null value not supported for : %s",
			 tcfg_name(TCFG_CLEANUP_POLICY));
		return KERR_INVALID_REQUEST;
	}
	if (!policy_items(value, &compact, &del, why, n))
		return KERR_INVALID_CONFIG;
	if (op == OP_APPEND && compact) {
		snprintf(why, n,
			 "cleanup.policy=compact: log compaction is not "
			 "supported by this broker (only \"delete\")");
		return KERR_INVALID_CONFIG;
	}
	if (op == OP_SUBTRACT && del) {
		snprintf(why, n,
			 "cleanup.policy cannot lose \"delete\": it is the "
			 "only policy this broker supports");
		return KERR_INVALID_CONFIG;
	}
	/* [delete] + [delete] or [delete] - [compact]: [delete], now an
	 * override of the topic as Kafka stores the list it computed. */
	c->v[TCFG_CLEANUP_POLICY] = 1;
	c->set |= 1u << TCFG_CLEANUP_POLICY;
	return KERR_NONE;
}

/* One IncrementalAlterConfigs operation on c. */
static enum kerr incremental_op(struct topic_cfg *c, const struct ks_struct *cs,
				struct kv *e, uint32_t *seen, char *why,
				size_t n)
{
	struct kstr name = ks_get(cs, e, "Name")->s;
	struct kstr value = ks_get(cs, e, "Value")->s;
	int op = (int)ks_get(cs, e, "ConfigOperation")->i;
	enum kerr err;
	int key;

	if (op < OP_SET || op > OP_SUBTRACT) {
		snprintf(why, n, "Unknown config operation %d", op);
		return KERR_INVALID_REQUEST;
	}
	if (op == OP_SET)
		return configs_set(c, name, value, seen, why, n);
	if ((err = key_of(name, &key, why, n)) ||
	    (err = once(key, seen, why, n)))
		return err;
	if (op == OP_DELETE) {
		c->set &= ~(1u << key);
		return KERR_NONE;
	}
	if (tcfg_type(key) != 7) {
		snprintf(why, n,
			 "Config value %s is not allowed for config "
			 "key: %s (not a list)",
			 op == OP_APPEND ? "append" : "subtract",
			 tcfg_name(key));
		return KERR_INVALID_CONFIG;
	}
	return policy_op(c, op, value, why, n);
}

/* The overrides as one log line's worth of text. */
static void describe_set(const struct topic_cfg *c, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int key = 0; key < TCFG_NKEYS && len < n; key++) {
		char v[32];

		if (!(c->set & 1u << key))
			continue;
		tcfg_format(key, c->v[key], v, sizeof(v));
		len += (size_t)snprintf(buf + len, n - len, "%s%s=%s",
					len ? " " : "", tcfg_name(key), v);
	}
	if (!len)
		snprintf(buf, n, "none (the broker's settings)");
}

/* Alter one resource: the whole of it or nothing. */
static enum kerr alter_one(struct ks_call *k, const struct ks_struct *qr,
			   struct kv *e, bool incremental, bool validate,
			   char *why, size_t n)
{
	const struct ks_struct *cs = ks_sub(qr, "Configs");
	int8_t type = (int8_t)ks_get(qr, e, "ResourceType")->i;
	struct kstr name = ks_get(qr, e, "ResourceName")->s;
	struct kv *cfgs = ks_get(qr, e, "Configs");
	struct topic_cfg c = {0};
	uint32_t seen = 0;
	char topic[256];
	enum kerr err;
	int rc;

	if ((err = config_acl(k, type, name, ACL_OP_ALTER_CONFIGS, why, n)))
		return err;
	if (type == RES_BROKER) {
		if ((err = broker_named(k->b, name, why, n)) || cfgs->a.n <= 0)
			return err;
		snprintf(why, n,
			 "Broker settings cannot be changed while it runs: "
			 "set them in the config file (--config) or with "
			 "--set and restart");
		return KERR_INVALID_REQUEST;
	}
	if (type != RES_TOPIC) {
		snprintf(why, n,
			 "Unsupported resource type %d (this broker alters "
			 "TOPIC configs)",
			 type);
		return KERR_INVALID_REQUEST;
	}
	if ((err = topic_named(k->b, name, topic, sizeof(topic), why, n)))
		return err;
	/* Incremental changes start from the topic's overrides; the legacy
	 * AlterConfigs replaces them all. */
	if (incremental)
		c = *topics_config(k->b->topics, topic);
	for (int32_t i = 0; i < cfgs->a.n; i++) {
		struct kv *ce = &cfgs->a.v[i];

		err = incremental ? incremental_op(&c, cs, ce, &seen, why, n)
				  : configs_set(&c, ks_get(cs, ce, "Name")->s,
						ks_get(cs, ce, "Value")->s,
						&seen, why, n);
		if (err)
			return err;
	}
	if (validate)
		return KERR_NONE;
	rc = topics_set_config(k->b->topics, topic, &c);
	if (rc < 0) {
		blog("topic %s: cannot store its configs: %s", topic,
		     strerror(-rc));
		snprintf(why, n, "Cannot store the configs: %s", strerror(-rc));
		return KERR_KAFKA_STORAGE_ERROR;
	}
	char now[256];
	describe_set(&c, now, sizeof(now));
	blog("topic %s: config overrides now %s", topic, now);
	return KERR_NONE;
}

static int alter(struct ks_call *k, bool incremental)
{
	const struct ks_struct *qr = ks_sub(&k->qm->root, "Resources");
	const struct ks_struct *rs = ks_sub(&k->rm->root, "Responses");
	struct kv *ask = KQ(k, "Resources");
	bool validate = KQ(k, "ValidateOnly")->i;

	if (ks_resize(&k->rm->root, k->resp, "Responses", ask->a.n, &k->a) < 0)
		return -ENOMEM;
	for (int32_t i = 0; i < ask->a.n; i++) {
		struct kv *e = &ask->a.v[i], *o = &KR(k, "Responses")->a.v[i];
		char why[512] = "";
		enum kerr err = alter_one(k, qr, e, incremental, validate, why,
					  sizeof(why));

		ks_get(rs, o, "ResourceType")->i =
		    ks_get(qr, e, "ResourceType")->i;
		ks_get(rs, o, "ResourceName")->s =
		    ks_get(qr, e, "ResourceName")->s;
		ks_get(rs, o, "ErrorCode")->i = err;
		kv_setstr(ks_get(rs, o, "ErrorMessage"),
			  err ? dup_str(&k->a, why) : NULL);
	}
	return API_REPLY;
}

static int incrementalalterconfigs(struct ks_call *k)
{
	return alter(k, true);
}

static int alterconfigs(struct ks_call *k)
{
	return alter(k, false);
}

int api_incrementalalterconfigs(struct broker *b, struct conn *c,
				const struct kreq *q, struct kr *in,
				struct resp *r)
{
	return ks_handle(b, c, q, in, r, ANSWER_BYTES, incrementalalterconfigs);
}

int api_alterconfigs(struct broker *b, struct conn *c, const struct kreq *q,
		     struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, ANSWER_BYTES, alterconfigs);
}
